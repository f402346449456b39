//! Ephemeral nodes of a known path that a recipe holds as its own (a party member, a queue
//! claim, a barrier participant): ours only while their `ephemeralOwner` is the client's
//! current session.
//!
//! After the client declared a session LOST (on its own timer, or told by the server) the
//! server may still hold that session, and with it our node, for a while (longer after a
//! leader election). Such a node is deleted and made again, never adopted: it goes whenever
//! the server expires the old session.

use crate::client::{Client, CreateOptions};
use crate::error::{Error, Result};
use crate::proto::{CreateMode, ErrorCode, Stat};
use crate::runtime::Wait;

use std::time::Instant;

use super::common::{is_retryable, Waker, RETRY_PAUSE};

/// True when `stat` is of a node that belongs to the client's current session.
pub(crate) fn is_current(client: &Client, stat: &Stat) -> bool {
    stat.ephemeral_owner != 0 && stat.ephemeral_owner == client.session_info().session_id
}

/// One attempt (run it under a retry) at making the ephemeral node `path` ours in the
/// current session: creates it; when it exists already, keeps it if it belongs to the
/// current session, and otherwise (a node of an earlier session of ours the server still
/// holds) deletes it and returns `ForceRetry`, so that the next attempt makes it again.
/// Returns the stat of our node.
pub(crate) fn create_current(client: &Client, path: &str, data: &[u8]) -> Result<Stat> {
    let options = CreateOptions {
        mode: CreateMode::Ephemeral,
        ..CreateOptions::default()
    };
    match client.create(path, data, &options).wait() {
        Ok(created) => Ok(created.stat),
        Err(error) if error.is(ErrorCode::NODE_EXISTS) => match client.exists(path).wait()? {
            None => Err(Error::ForceRetry),
            Some(stat) if is_current(client, &stat) => Ok(stat),
            Some(stale) => {
                match client.delete(path, -1).wait() {
                    Err(error) if error.is(ErrorCode::NO_NODE) => {}
                    result => result?,
                }
                log::debug!(
                    "deleted stale node {path} of session 0x{:x} (made again in this one)",
                    stale.ephemeral_owner
                );
                Err(Error::ForceRetry)
            }
        },
        Err(error) => Err(error),
    }
}

/// Deletes the node `path` of ours, retrying connection losses through reconnects and new
/// sessions (the server may keep a node of a session the client has given up on) for up to
/// [`RELEASE_TIMEOUTS`] session timeouts. Ok(true) when a delete removed it, Ok(false) when
/// it was not there (a delete whose reply was lost may have removed it); [`Error::MayRemain`]
/// if it could not be deleted: it may remain until the server expires its session.
pub(crate) fn delete_own(client: &Client, waker: &Waker, path: &str) -> Result<bool> {
    retry_for_session_timeouts(client, waker, RELEASE_TIMEOUTS, || {
        match client.delete(path, -1).wait() {
            Ok(()) => Ok(true),
            Err(error) if error.is(ErrorCode::NO_NODE) => Ok(false),
            Err(error) => Err(error),
        }
    })
    .map_err(|cause| {
        let error = Error::MayRemain {
            path: path.to_string(),
            cause: Box::new(cause),
        };
        log::warn!("release: {error}");
        error
    })
}

/// How many session timeouts a release keeps trying to delete a node before it reports that
/// the node may remain ([`Error::MayRemain`]).
pub const RELEASE_TIMEOUTS: u32 = 2;

/// Runs `operation` until it succeeds, retrying connection losses and session expiry (on
/// each state change, at least every [`RETRY_PAUSE`]) for up to `timeouts` times the session
/// timeout. The last error once that time is up, or at once for any other error (a stopped
/// client included).
pub(crate) fn retry_for_session_timeouts<T>(
    client: &Client,
    waker: &Waker,
    timeouts: u32,
    mut operation: impl FnMut() -> Result<T>,
) -> Result<T> {
    let started = Instant::now();
    loop {
        let seen = waker.generation();
        match operation() {
            Ok(value) => return Ok(value),
            Err(error) if is_retryable(&error) => {
                let bound = client.session_info().negotiated_timeout * timeouts;
                let deadline = started + bound.max(RETRY_PAUSE);
                if Instant::now() >= deadline {
                    return Err(error);
                }
                log::debug!("release retried after: {error}");
                waker.pause(seen, Some(deadline));
            }
            Err(error) => return Err(error),
        }
    }
}
