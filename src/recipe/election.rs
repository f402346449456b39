//! kazoo's Election: a [`Lock`] at the election's path whose holder is the leader, so that
//! kazoo and zkclient contenders on one path see and exclude each other.
//!
//! Each contender is the lock's ephemeral-sequential node `<path>/<guid>__lock__<sequence>`
//! holding its identifier; the first in sequence leads, each other one waits on an exists
//! watch for its predecessor (no polling, no herd). Everything the Lock does beyond kazoo
//! comes with it: protected creation (a lost reply never leaves an orphan contender that
//! would block the election for as long as the session lives), waits that ride out
//! connection losses and session expiry, release retried until the node or the session is
//! gone, and an optional listener told when the leader's connection is suspended or its
//! session lost (it may no longer be, or no longer is, the leader).

use std::sync::{Arc, Mutex};

use super::common::lock;
use super::lock::{Lock, LockOptions, StateListener};
use crate::client::Client;
use crate::error::Result;

/// kazoo's `zk.Election(path, identifier)`. Cheap to clone (clones share the handle, so
/// [`Election::cancel`] from one stops a [`Election::run`] waiting in another). Safe to use
/// from many threads; one run at a time per handle.
#[derive(Clone)]
pub struct Election {
    inner: Arc<Inner>,
}

struct Inner {
    path: String,
    lock: Lock,
    running: Mutex<()>,
}

/// Gives leadership up however the leader function ends (also when it panics).
struct Leadership<'a>(&'a Lock);

impl Drop for Leadership<'_> {
    fn drop(&mut self) {
        let _ = self.0.release();
    }
}

impl Election {
    /// An election at `path`; `identifier` is what [`Election::contenders`] (here and in
    /// kazoo) shows for this contender. Nothing is sent until [`Election::run`].
    pub fn new(client: &Client, path: &str, identifier: impl AsRef<[u8]>) -> Election {
        Election::with_listener(client, path, identifier, None)
    }

    /// As [`Election::new`], and `on_state` is told of connection-state changes while this
    /// contender leads (see [`StateListener`]): on [`crate::client::State::Suspended`] it may
    /// no longer be the leader, after [`crate::client::State::Lost`] it is not (another
    /// contender may already lead while the leader function still runs).
    pub fn with_listener(
        client: &Client,
        path: &str,
        identifier: impl AsRef<[u8]>,
        on_state: Option<StateListener>,
    ) -> Election {
        let options = LockOptions {
            on_state,
            ..LockOptions::default()
        };
        let lock = Lock::build(client, path, identifier.as_ref(), options);
        Election {
            inner: Arc::new(Inner {
                path: path.to_string(),
                lock,
                running: Mutex::new(()),
            }),
        }
    }

    /// The election's path.
    pub fn path(&self) -> &str {
        &self.inner.path
    }

    /// Joins the election, waits until elected, then calls `leader` and gives leadership up
    /// when it returns (or panics). Elected means our contender node, of the client's current
    /// session, is first: a node of a session the client declared lost is deleted before we
    /// join again, never counted as ours. Giving up deletes the node as [`Lock::release`]
    /// does (blocking up to twice the session timeout while the server cannot be reached);
    /// if it could not, the node may remain until the server expires that session (nobody
    /// else is elected before then) and the next run deletes it first; that failure is not
    /// reported. `Ok(Some(value))`: `leader` ran and returned `value`;
    /// `Ok(None)`: [`Election::cancel`] stopped the wait (`leader` did not run). A cancel made
    /// while no run is waiting stops the next run at once. Connection losses and session
    /// expiry while waiting are ridden out (a new session joins again).
    pub fn run<T>(&self, leader: impl FnOnce() -> T) -> Result<Option<T>> {
        let inner = &self.inner;
        let _one = lock(&inner.running);
        if !inner.lock.acquire(None)? {
            return Ok(None);
        }
        log::info!("elected: leading the election (its lock acquired)");
        let leadership = Leadership(&inner.lock);
        let value = leader();
        drop(leadership);
        Ok(Some(value))
    }

    /// Stops a [`Election::run`] that waits to be elected (it returns `Ok(None)`); a leader
    /// function already running is not interrupted.
    pub fn cancel(&self) {
        self.inner.lock.cancel();
    }

    /// True while this contender leads (false once its session is lost, even while the
    /// leader function still runs).
    pub fn is_leader(&self) -> bool {
        self.inner.lock.is_acquired()
    }

    /// The identifiers of the contenders, the leader first (kazoo's `contenders()`).
    pub fn contenders(&self) -> Result<Vec<String>> {
        self.inner.lock.contenders()
    }
}
