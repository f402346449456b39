//! Small pieces the recipes share: kazoo-style guids, this host's name, a poison-tolerant
//! mutex lock, and a generation counter that waiters sleep on until a watch, a state change
//! or a cancel wakes them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::error::Error;
use crate::proto::ErrorCode;

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// 32 random hex digits, as `uuid.uuid4().hex`.
pub(crate) fn guid() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let half = || {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        hasher.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        hasher.write_u32(std::process::id());
        hasher.finish()
    };
    format!("{:016x}{:016x}", half(), half())
}

/// This host's name, as Python's `socket.gethostname()` gives it; None when it cannot be read
/// or is empty.
pub(crate) fn host_name() -> Option<String> {
    let mut buffer = [0u8; 256];
    // SAFETY: the buffer is writable for its length; gethostname NUL-terminates on success
    // (the last byte stays 0 if it truncates).
    let ok = unsafe { libc::gethostname(buffer.as_mut_ptr().cast(), buffer.len() - 1) } == 0;
    if !ok {
        return None;
    }
    let end = buffer.iter().position(|b| *b == 0).unwrap_or(buffer.len());
    let name = String::from_utf8_lossy(&buffer[..end]).into_owned();
    (!name.is_empty()).then_some(name)
}

/// A generation counter bumped by watches, state changes and `cancel`; waiters sleep on it.
#[derive(Default)]
pub(crate) struct Waker {
    generation: Mutex<u64>,
    woken: Condvar,
}

impl Waker {
    pub(crate) fn generation(&self) -> u64 {
        *lock(&self.generation)
    }

    pub(crate) fn wake(&self) {
        *lock(&self.generation) += 1;
        self.woken.notify_all();
    }

    /// Waits until the generation moves past `seen` (true) or `deadline` passes (false).
    pub(crate) fn wait(&self, seen: u64, deadline: Option<Instant>) -> bool {
        let mut generation = lock(&self.generation);
        loop {
            if *generation != seen {
                return true;
            }
            match deadline {
                None => {
                    generation = self
                        .woken
                        .wait(generation)
                        .unwrap_or_else(|p| p.into_inner())
                }
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return false;
                    }
                    generation = self
                        .woken
                        .wait_timeout(generation, deadline - now)
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                }
            }
        }
    }

    /// After a retryable error: waits for a state change, at most `RETRY_PAUSE`.
    pub(crate) fn pause(&self, seen: u64, deadline: Option<Instant>) {
        let pause = Instant::now() + RETRY_PAUSE;
        self.wait(seen, Some(deadline.map_or(pause, |d| d.min(pause))));
    }
}

/// A watcher that wakes `waker` and does nothing else, for `Client::exists_wake` and
/// `Client::get_children_wake`: it runs on the network thread, so it holds the waker weakly
/// and nothing else of the recipe's (nothing of it may be dropped there).
pub(crate) fn wake_on_event(
    waker: &Arc<Waker>,
) -> impl FnOnce(crate::client::WatchedEvent) + Send + 'static {
    let waker = Arc::downgrade(waker);
    move |_| {
        if let Some(waker) = waker.upgrade() {
            waker.wake();
        }
    }
}

/// Errors after which an acquire tries again (the client reconnects or opens a new session).
pub(crate) fn is_retryable(error: &Error) -> bool {
    matches!(error, Error::ForceRetry)
        || error.is(ErrorCode::CONNECTION_LOSS)
        || error.is(ErrorCode::OPERATION_TIMEOUT)
        || error.is(ErrorCode::SESSION_EXPIRED)
}

/// The longest wait before retrying after a connection loss that brings no state change.
pub(crate) const RETRY_PAUSE: Duration = Duration::from_millis(500);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_32_hex_digits_and_differ() {
        let (a, b) = (guid(), guid());
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn the_host_name_is_read() {
        let name = host_name();
        assert!(name.is_some_and(|name| !name.is_empty() && !name.contains('\0')));
    }
}
