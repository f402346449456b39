//! kazoo's Semaphore, with kazoo 2.11's node layout so that both clients share the leases.
//!
//! A lease is an ephemeral child `<path>/<32 hex guid>` whose data is the holder's identifier.
//! `<path>`'s data is the number of leases as ASCII decimal: a semaphore that finds another
//! number there refuses to work (`InvalidArgument`); one that finds none writes its own. Leases
//! are taken under a kazoo Lock at `<path>-__lock__`: its holder counts the children of
//! `<path>` and adds its lease when there are fewer than the maximum, else waits on a children
//! watch.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::common::{guid, lock, wake_on_event, Waker};
use super::lock::{delete_ephemeral, is_retryable, Lock};
use crate::client::path::join;
use crate::client::{Client, CreateOptions, ListenerId, State};
use crate::error::{Error, Result};
use crate::proto::{CreateMode, ErrorCode};
use crate::runtime::Wait;

/// A counting semaphore (kazoo's `Semaphore`): at most `max_leases` holders at once.
/// Dropping it releases its lease if held.
pub struct Semaphore {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    path: String,
    data: Vec<u8>,
    max_leases: u32,
    /// `<path>/<guid>`: our lease.
    lease_path: String,
    lock_path: String,
    /// Holding a lease, and since which session (the lease goes with it).
    acquired: Mutex<Option<i64>>,
    acquiring: Mutex<()>,
    waker: Arc<Waker>,
    cancelled: AtomicBool,
    listener: Mutex<Option<ListenerId>>,
    /// The lock at `<path>-__lock__` while an acquire waits for it (so that cancel reaches it).
    waiting_on: Mutex<Option<Arc<Lock>>>,
}

impl Semaphore {
    /// kazoo's `Semaphore(path, identifier, max_leases)`. `max_leases` must be at least 1.
    pub fn new(
        client: &Client,
        path: &str,
        identifier: impl AsRef<[u8]>,
        max_leases: u32,
    ) -> Result<Semaphore> {
        if max_leases == 0 {
            return Err(Error::InvalidArgument(
                "max_leases must be at least 1".into(),
            ));
        }
        let inner = Arc::new(Inner {
            client: client.clone(),
            path: path.to_string(),
            data: identifier.as_ref().to_vec(),
            max_leases,
            lease_path: join(path, &guid()),
            lock_path: format!("{path}-__lock__"),
            acquired: Mutex::new(None),
            acquiring: Mutex::new(()),
            waker: Arc::default(),
            cancelled: AtomicBool::new(false),
            listener: Mutex::new(None),
            waiting_on: Mutex::new(None),
        });
        let weak = Arc::downgrade(&inner);
        let listener = client.add_listener(move |state, _| {
            if let Some(inner) = weak.upgrade() {
                if state == State::Lost {
                    // The session, and our lease with it, is gone.
                    *lock(&inner.acquired) = None;
                }
                inner.waker.wake();
            }
        });
        *lock(&inner.listener) = Some(listener);
        Ok(Semaphore { inner })
    }

    /// Waits up to `timeout` (`None`: forever) for a lease. Ok(true) once held (at once if
    /// already held); Ok(false) on timeout or [`Semaphore::cancel`]. `InvalidArgument` when
    /// `<path>` records another number of leases.
    pub fn acquire(&self, timeout: Option<Duration>) -> Result<bool> {
        let _one = lock(&self.inner.acquiring);
        if self.is_acquired() {
            return Ok(true);
        }
        let deadline = timeout.map(|timeout| Instant::now() + timeout);
        let result = self.inner.acquire_until(deadline);
        if !matches!(result, Ok(true)) {
            // A create whose reply was lost may have made our lease: take it back, retrying
            // until it is gone or the session is.
            let inner = &self.inner;
            let _ = delete_ephemeral(&inner.client, &inner.waker, &inner.lease_path);
        }
        self.inner.cancelled.store(false, Ordering::SeqCst);
        result
    }

    /// Makes an acquire under way on another thread return Ok(false) promptly (or the next
    /// acquire, if none is under way).
    pub fn cancel(&self) {
        self.inner.cancelled.store(true, Ordering::SeqCst);
        if let Some(waiting_on) = lock(&self.inner.waiting_on).as_ref() {
            waiting_on.cancel();
        }
        self.inner.waker.wake();
    }

    /// Gives the lease back; Ok(false) if none was held.
    pub fn release(&self) -> Result<bool> {
        self.inner.release()
    }

    /// True while a lease is held (false after release, or after the session was lost).
    pub fn is_acquired(&self) -> bool {
        let session = self.inner.client.session_info().session_id;
        *lock(&self.inner.acquired) == Some(session)
    }

    /// The identifiers of the current lease holders, in no particular order (kazoo's
    /// `lease_holders()`).
    pub fn lease_holders(&self) -> Result<Vec<String>> {
        let inner = &self.inner;
        let children = match inner.client.get_children(&inner.path).wait() {
            Ok((children, _)) => children,
            Err(error) if error.is(ErrorCode::NO_NODE) => return Ok(Vec::new()),
            Err(error) => return Err(error),
        };
        let mut holders = Vec::with_capacity(children.len());
        for child in children {
            match inner.client.get(&join(&inner.path, &child)).wait() {
                Ok((data, _)) => holders.push(String::from_utf8_lossy(&data).into_owned()),
                Err(error) if error.is(ErrorCode::NO_NODE) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(holders)
    }
}

impl Drop for Semaphore {
    fn drop(&mut self) {
        if let Some(listener) = lock(&self.inner.listener).take() {
            self.inner.client.remove_listener(listener);
        }
        let _ = self.inner.release();
    }
}

impl Inner {
    fn acquire_until(self: &Arc<Self>, deadline: Option<Instant>) -> Result<bool> {
        loop {
            let seen = self.waker.generation();
            if self.cancelled.load(Ordering::SeqCst) {
                return Ok(false);
            }
            match self.attempt(deadline) {
                Ok(acquired) => return Ok(acquired),
                Err(error) if is_retryable(&error) => {
                    if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                        return Ok(false);
                    }
                    self.waker.pause(seen, deadline);
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// Creates `<path>` if need be and checks (or records) the number of leases.
    fn ensure_path(&self) -> Result<()> {
        self.client.ensure_path(&self.path, None).wait()?;
        let (data, stat) = self.client.get(&self.path).wait()?;
        let recorded = std::str::from_utf8(&data)
            .ok()
            .and_then(|text| text.trim().parse::<i64>().ok());
        match recorded {
            Some(leases) if leases != i64::from(self.max_leases) => {
                Err(Error::InvalidArgument(format!(
                    "inconsistent max leases at {}: {leases}, expected {}",
                    self.path, self.max_leases
                )))
            }
            Some(_) => Ok(()),
            None => match self
                .client
                .set(
                    &self.path,
                    self.max_leases.to_string().as_bytes(),
                    stat.version,
                )
                .wait()
            {
                // Someone else recorded it first: check theirs.
                Err(error) if error.is(ErrorCode::BAD_VERSION) => Err(Error::ForceRetry),
                result => result.map(|_| ()),
            },
        }
    }

    fn attempt(self: &Arc<Self>, deadline: Option<Instant>) -> Result<bool> {
        self.ensure_path()?;
        if self.client.exists(&self.lease_path).wait()?.is_some() {
            self.mark_acquired();
            return Ok(true);
        }
        let guard = Arc::new(Lock::new(&self.client, &self.lock_path, &self.data));
        *lock(&self.waiting_on) = Some(guard.clone());
        if self.cancelled.load(Ordering::SeqCst) {
            guard.cancel(); // cancelled before the lock was reachable
        }
        let left = deadline.map(|deadline| deadline.saturating_duration_since(Instant::now()));
        let acquired = guard.acquire(left);
        *lock(&self.waiting_on) = None;
        if !acquired? {
            return Ok(false);
        }
        let result = self.take_lease(deadline);
        guard.release()?;
        result
    }

    /// Under the lock: adds our lease once there is room.
    fn take_lease(self: &Arc<Self>, deadline: Option<Instant>) -> Result<bool> {
        loop {
            let seen = self.waker.generation();
            if self.cancelled.load(Ordering::SeqCst) {
                return Ok(false);
            }
            let (children, _, id) = self
                .client
                .get_children_wake(&self.path, wake_on_event(&self.waker))
                .wait()?;
            if children.len() < self.max_leases as usize {
                let options = CreateOptions {
                    mode: CreateMode::Ephemeral,
                    ..CreateOptions::default()
                };
                match self
                    .client
                    .create(&self.lease_path, &self.data, &options)
                    .wait()
                {
                    Err(error) if !error.is(ErrorCode::NODE_EXISTS) => {
                        let _ = self.client.remove_watch(id).wait();
                        return Err(error);
                    }
                    _ => {}
                }
            }
            if self.client.exists(&self.lease_path).wait()?.is_some() {
                let _ = self.client.remove_watch(id).wait();
                self.mark_acquired();
                return Ok(true);
            }
            let woken = self.waker.wait(seen, deadline);
            let _ = self.client.remove_watch(id).wait();
            if !woken {
                return Ok(false);
            }
        }
    }

    fn mark_acquired(&self) {
        *lock(&self.acquired) = Some(self.client.session_info().session_id);
    }

    fn release(&self) -> Result<bool> {
        if lock(&self.acquired).take().is_none() {
            return Ok(false);
        }
        delete_ephemeral(&self.client, &self.waker, &self.lease_path)?;
        Ok(true)
    }
}
