//! kazoo's NonBlockingLease and MultiNonBlockingLease, with kazoo 2.11's node layout and data
//! so that kazoo processes and zkclient processes contend for the same leases.
//!
//! A lease at `<path>` is recorded in the persistent node `<path>/lease_holder`, whose data is
//! the UTF-8 JSON object kazoo writes, byte for byte:
//! `{"version": 1, "holder": "<identifier>", "end": "2026-11-25T10:00:00"}` (Python's
//! `json.dumps`: `", "` and `": "` separators, non-ASCII escaped as `\uXXXX`). `end` is the
//! lease's end in UTC, whole seconds, from the obtaining client's clock (so clocks must be
//! roughly in step, as with kazoo). The record is read and written under kazoo's Lock on
//! `<path>` itself, identified by the contender's identifier. A lease is obtained when there
//! is no record, when the record's holder is the same identifier (a renewal: the end moves),
//! or when the record has expired; it is refused while another identifier holds an
//! unexpired lease, and whenever the record has a version other than 1 (left for a newer
//! client to take). A [`MultiNonBlockingLease`] of `count` tries `<path>/0`, `<path>/1`, ...
//! and stops at the first obtained.
//!
//! Beyond kazoo: the record is replaced atomically (one transaction deletes it at the version
//! that was read and creates the new one), so a crash cannot leave the lease unrecorded and a
//! writer that ignores the lock is detected; connection losses are retried with the client's
//! retry policy; the lock is released on every path out, errors included; the wait for the
//! lock can be bounded ([`LeaseOptions::lock_timeout`]). A record that is not kazoo's JSON is
//! an error ([`Error::InvalidArgument`], naming the node and its bytes) rather than a refusal.
//! Every write is conditional on what was read (create only while absent, delete only at the
//! version read), so the decision stays sound even if the session, and with it the lock, is
//! lost while the decision is retried.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::client::path::join;
use crate::client::{Client, CreateOptions, Transaction};
use crate::error::{Error, Result};
use crate::proto::ErrorCode;
use crate::recipe::common::host_name;
use crate::recipe::lock::Lock;
use crate::runtime::Wait;

mod record;
mod time;

use record::{encode_record, may_take};
use time::{format_utc, lease_end, unix_seconds};

/// The name of the node that records a lease, under the lease's path (kazoo's
/// `lease_holder`).
pub const HOLDER_NODE: &str = "lease_holder";

/// The version of the record format this module reads and writes (kazoo's `_version`).
pub const RECORD_VERSION: i64 = 1;

/// A clock giving the current time (kazoo's `utcnow`), for tests that move time.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync + 'static>;

/// How a lease is obtained. `LeaseOptions::default()` waits for the lock as long as it takes
/// and reads the system clock, as kazoo does.
#[derive(Clone)]
pub struct LeaseOptions {
    /// The longest wait for the lease's lock; `None` waits as long as it takes (kazoo).
    /// When the wait runs out the lease is not obtained (`Ok(false)`).
    pub lock_timeout: Option<Duration>,
    /// The current time. Default: [`SystemTime::now`].
    pub clock: Clock,
}

impl Default for LeaseOptions {
    fn default() -> Self {
        LeaseOptions {
            lock_timeout: None,
            clock: Arc::new(SystemTime::now),
        }
    }
}

impl fmt::Debug for LeaseOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LeaseOptions")
            .field("lock_timeout", &self.lock_timeout)
            .finish_non_exhaustive()
    }
}

/// kazoo's `NonBlockingLease`: an exclusive lease held for a duration, obtained without
/// waiting for the current holder. Renew it by obtaining it again with the same identifier.
pub struct NonBlockingLease;

impl NonBlockingLease {
    /// Tries to obtain the lease at `path` for `duration` as `identifier` (kazoo's
    /// `zk.NonBlockingLease(path, duration, identifier)`); an empty identifier means this
    /// host's name ([`default_identifier`]), as in kazoo. Ok(true) when obtained or renewed,
    /// Ok(false) when another identifier holds it, or its record has another version.
    /// Blocks while another contender holds the lease's lock (briefly: a read and a write).
    pub fn obtain(
        client: &Client,
        path: &str,
        duration: Duration,
        identifier: &str,
    ) -> Result<bool> {
        Self::obtain_with(client, path, duration, identifier, &LeaseOptions::default())
    }

    /// [`NonBlockingLease::obtain`] with options: a bound on the wait for the lock (Ok(false)
    /// when it runs out) and the clock. Errors: [`Error::InvalidArgument`] when the record
    /// is not kazoo's JSON, when the lease would end after the year 9999, or when no
    /// identifier was given and the host name cannot be read; server errors as they come
    /// (connection losses are retried with the client's retry policy first).
    pub fn obtain_with(
        client: &Client,
        path: &str,
        duration: Duration,
        identifier: &str,
        options: &LeaseOptions,
    ) -> Result<bool> {
        let identifier = if identifier.is_empty() {
            default_identifier()?
        } else {
            identifier.to_string()
        };
        client.retry(|| client.ensure_path(path, None).wait())?;
        let lock = Lock::new(client, path, identifier.as_bytes());
        if !lock.acquire(options.lock_timeout)? {
            return Ok(false);
        }
        let holder_path = join(path, HOLDER_NODE);
        let obtained = client.retry(|| {
            take(
                client,
                &holder_path,
                duration,
                &identifier,
                options.clock.as_ref(),
            )
        });
        let released = lock.release();
        let obtained = obtained?;
        released?;
        Ok(obtained)
    }
}

/// kazoo's `MultiNonBlockingLease`: one of `count` leases `<path>/0` .. `<path>/<count-1>`,
/// so that at most `count` identifiers hold one at a time.
pub struct MultiNonBlockingLease;

impl MultiNonBlockingLease {
    /// Tries the leases `<path>/0`, `<path>/1`, ... in order, as [`NonBlockingLease::obtain`],
    /// and stops at the first obtained (kazoo's `zk.MultiNonBlockingLease(count, path,
    /// duration, identifier)`): Ok(Some(n)) for lease `n`, Ok(None) when all are held by
    /// others. As in kazoo, an identifier holding lease `n` takes an earlier lease instead
    /// when one is free (and holds both until lease `n` ends). `count` 0 is
    /// [`Error::InvalidArgument`].
    pub fn obtain(
        client: &Client,
        count: u32,
        path: &str,
        duration: Duration,
        identifier: &str,
    ) -> Result<Option<u32>> {
        Self::obtain_with(
            client,
            count,
            path,
            duration,
            identifier,
            &LeaseOptions::default(),
        )
    }

    /// [`MultiNonBlockingLease::obtain`] with options (see [`NonBlockingLease::obtain_with`]).
    pub fn obtain_with(
        client: &Client,
        count: u32,
        path: &str,
        duration: Duration,
        identifier: &str,
        options: &LeaseOptions,
    ) -> Result<Option<u32>> {
        if count == 0 {
            return Err(Error::InvalidArgument(
                "a MultiNonBlockingLease needs a count of at least 1".into(),
            ));
        }
        for slot in 0..count {
            let lease_path = join(path, &slot.to_string());
            if NonBlockingLease::obtain_with(client, &lease_path, duration, identifier, options)? {
                return Ok(Some(slot));
            }
        }
        Ok(None)
    }
}

/// The identifier kazoo uses when none is given: this host's name (`socket.gethostname()`).
/// [`Error::InvalidArgument`] when it cannot be read.
pub fn default_identifier() -> Result<String> {
    host_name().ok_or_else(|| {
        Error::InvalidArgument(
            "no identifier was given and the host name cannot be read; pass an identifier".into(),
        )
    })
}

/// One decision under the lock: reads the record, and writes ours when the lease may be
/// taken. A write that finds the record changed since the read (a writer ignoring the lock)
/// reads again.
fn take(
    client: &Client,
    holder_path: &str,
    duration: Duration,
    identifier: &str,
    clock: &(dyn Fn() -> SystemTime + Send + Sync),
) -> Result<bool> {
    loop {
        let now = clock();
        let record = || -> Result<Vec<u8>> {
            let end = lease_end(now, duration)?;
            Ok(encode_record(identifier, &format_utc(end)?))
        };
        match client.get(holder_path).wait() {
            Err(error) if error.is(ErrorCode::NO_NODE) => {
                let data = record()?;
                match client
                    .create(holder_path, &data, &CreateOptions::default())
                    .wait()
                {
                    Ok(_) => {
                        log::info!("lease {holder_path} obtained");
                        return Ok(true);
                    }
                    Err(error) if error.is(ErrorCode::NODE_EXISTS) => continue,
                    Err(error) => return Err(error),
                }
            }
            Err(error) => return Err(error),
            Ok((data, stat)) => {
                let may_take = may_take(&data, identifier, unix_seconds(now)).map_err(|why| {
                    Error::InvalidArgument(format!(
                        "lease record {holder_path} holds {:?}, not kazoo's lease JSON: {why}",
                        String::from_utf8_lossy(&data)
                    ))
                })?;
                if !may_take {
                    return Ok(false);
                }
                let data = record()?;
                let mut transaction = client.transaction();
                transaction.delete(holder_path, stat.version).create(
                    holder_path,
                    &data,
                    &CreateOptions::default(),
                );
                let results = transaction.commit().wait()?;
                match Transaction::first_error(&results) {
                    None => return Ok(true),
                    Some(code) if code == ErrorCode::BAD_VERSION || code == ErrorCode::NO_NODE => {
                        continue
                    }
                    Some(code) => return Err(code.into()),
                }
            }
        }
    }
}
