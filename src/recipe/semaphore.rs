//! kazoo's Semaphore, with kazoo 2.11's node layout so that both clients share the leases.
//!
//! A lease is an ephemeral child `<path>/<32 hex guid>` whose data is the holder's identifier.
//! `<path>`'s data is the number of leases as ASCII decimal: a semaphore that finds another
//! number there refuses to work (`InvalidArgument`); one that finds none writes its own. Leases
//! are taken under a kazoo Lock at `<path>-__lock__`: its holder counts the children of
//! `<path>` and adds its lease when there are fewer than the maximum, else waits on a children
//! watch.
//!
//! A lease is ours only while its `ephemeralOwner` is the client's current session. After the
//! client declared a session LOST (on its own timer, or told by the server) the server may
//! still hold that session, and with it our lease, for a while: such a lease (found by our
//! guid) is deleted before another is taken, never adopted, so it neither counts as held nor
//! lets us hold a second one beside it. A lease is added only while our node of the lock at
//! `<path>-__lock__` is still on the server (one transaction checks it and creates the
//! lease), so the count it was decided on still holds. A release returns `Ok` only once the
//! lease node is gone from the server.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::common::{guid, is_retryable, lock, wake_on_event, Waker};
use super::ephemeral::delete_own;
use super::lock::Lock;
use crate::client::path::join;
use crate::client::{Client, CreateOptions, ListenerId, State, Transaction};
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
    held: Mutex<Held>,
    acquiring: Mutex<()>,
    waker: Arc<Waker>,
    cancelled: AtomicBool,
    listener: Mutex<Option<ListenerId>>,
    /// The lock at `<path>-__lock__` while an acquire waits for it (so that cancel reaches it).
    waiting_on: Mutex<Option<Arc<Lock>>>,
    /// A lock at `<path>-__lock__` whose release could not reach the server: its node may
    /// remain (and keep every contender out) until released through a later session.
    stale_guard: Mutex<Option<Arc<Lock>>>,
}

struct Held {
    /// The session our lease belongs to (its `ephemeralOwner`), while held.
    acquired_in: Option<i64>,
    /// A lease node of ours may be on the server though none is held: a create whose reply
    /// was lost, the lease of a session the client has given up on, a release that could not
    /// reach the server. Deleted (unless it belongs to the current session) before another
    /// is taken.
    unsure: bool,
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
            held: Mutex::new(Held {
                acquired_in: None,
                unsure: false,
            }),
            acquiring: Mutex::new(()),
            waker: Arc::default(),
            cancelled: AtomicBool::new(false),
            listener: Mutex::new(None),
            waiting_on: Mutex::new(None),
            stale_guard: Mutex::new(None),
        });
        let weak = Arc::downgrade(&inner);
        let listener = client.add_listener(move |state, _| {
            if let Some(inner) = weak.upgrade() {
                if state == State::Lost {
                    // The lease is no longer held, but the server may hold the lost session,
                    // and our lease with it, for a while yet.
                    let mut held = lock(&inner.held);
                    if held.acquired_in.take().is_some() {
                        log::warn!(
                            "semaphore lease {} lost: its session is over",
                            inner.lease_path
                        );
                        held.unsure = true;
                    }
                }
                inner.waker.wake();
            }
        });
        *lock(&inner.listener) = Some(listener);
        Ok(Semaphore { inner })
    }

    /// Waits up to `timeout` (`None`: forever) for a lease. Ok(true) once held (at once if
    /// already held), on a lease node of the current session; Ok(false) on timeout or
    /// [`Semaphore::cancel`]. `InvalidArgument` when `<path>` records another number of
    /// leases. A lease of ours that an earlier session left on the server is deleted first.
    pub fn acquire(&self, timeout: Option<Duration>) -> Result<bool> {
        let _one = lock(&self.inner.acquiring);
        if self.is_acquired() {
            return Ok(true);
        }
        let deadline = timeout.map(|timeout| Instant::now() + timeout);
        let result = self.inner.acquire_until(deadline);
        if !matches!(result, Ok(true)) {
            // A create whose reply was lost may have made our lease: take it back, retrying
            // through reconnects and new sessions for a bounded time. What could not be
            // deleted is looked for again by the next acquire or release.
            let _ = self.inner.remove_lease();
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

    /// Gives the lease back: deletes its node, retrying connection losses, across reconnects
    /// and new sessions, for up to twice the session timeout
    /// ([`super::lock::RELEASE_TIMEOUTS`]). Ok(true) once the node is gone from the server;
    /// Ok(false) if no lease was held (a lease a lost session may have left is deleted then
    /// too, before it returns). [`Error::MayRemain`] when the node could not be deleted in
    /// that time: it may stay, and count against `max_leases`, until the server expires the
    /// session that made it; the next acquire or release deletes it first. Either way the
    /// lease is no longer held.
    pub fn release(&self) -> Result<bool> {
        self.inner.release()
    }

    /// True while a lease is held (false after release, or once the session it was taken in
    /// is over).
    pub fn is_acquired(&self) -> bool {
        self.inner.holds(&lock(&self.inner.held))
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
        if let Some(guard) = lock(&self.inner.stale_guard).take() {
            let _ = guard.release();
        }
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
                Err(Error::ForceRetry) => {}
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

    fn holds(&self, held: &Held) -> bool {
        held.acquired_in == Some(self.client.session_info().session_id)
    }

    /// Holds the lease of `owner`, a session that made our lease node, if it is the current
    /// session: Ok(true); else ForceRetry (the next attempt deletes that node).
    fn grant(&self, owner: i64) -> Result<bool> {
        let mut held = lock(&self.held);
        held.acquired_in = Some(owner);
        if !self.holds(&held) {
            held.acquired_in = None;
            held.unsure = true;
            return Err(Error::ForceRetry);
        }
        held.unsure = false;
        log::info!(
            "semaphore lease {} acquired (session 0x{owner:x})",
            self.lease_path
        );
        Ok(true)
    }

    fn attempt(self: &Arc<Self>, deadline: Option<Instant>) -> Result<bool> {
        self.ensure_path()?;
        self.release_stale_guard()?;
        // Our lease, if on the server: of the current session (a create whose reply was lost)
        // it is held; of an earlier one it is deleted first (it counts against max_leases
        // until then, and is not ours to hold).
        if let Some(stat) = self.client.exists(&self.lease_path).wait()? {
            if stat.ephemeral_owner == self.client.session_info().session_id {
                return self.grant(stat.ephemeral_owner);
            }
            lock(&self.held).unsure = true;
            match self.client.delete(&self.lease_path, -1).wait() {
                Err(error) if error.is(ErrorCode::NO_NODE) => {}
                result => result?,
            }
            log::debug!(
                "deleted stale semaphore lease {} of session 0x{:x}",
                self.lease_path,
                stat.ephemeral_owner
            );
        }
        lock(&self.held).unsure = false;
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
        let result = self.take_lease(&guard, deadline);
        if guard.release().is_err() {
            // Its node may remain and keep every contender out until the server expires the
            // session: the next attempt (or the drop) deletes it through the current one.
            // The lease, if taken, is held all the same.
            *lock(&self.stale_guard) = Some(guard);
        }
        result
    }

    /// Releases a lock whose release could not reach the server before.
    fn release_stale_guard(&self) -> Result<()> {
        let Some(guard) = lock(&self.stale_guard).clone() else {
            return Ok(());
        };
        match guard.release() {
            Ok(_) => {
                *lock(&self.stale_guard) = None;
                Ok(())
            }
            Err(Error::MayRemain { cause, .. }) => Err(*cause),
            Err(error) => Err(error),
        }
    }

    /// Under the lock: adds our lease once there is room.
    fn take_lease(self: &Arc<Self>, guard: &Lock, deadline: Option<Instant>) -> Result<bool> {
        loop {
            let seen = self.waker.generation();
            if self.cancelled.load(Ordering::SeqCst) {
                return Ok(false);
            }
            // The count is decided under the lock: only while our lock node is on the server.
            let Some(guard_node) = guard.node().filter(|_| guard.is_acquired()) else {
                return Err(Error::ForceRetry);
            };
            let (children, _, id) = self
                .client
                .get_children_wake(&self.path, wake_on_event(&self.waker))
                .wait()?;
            if children.len() < self.max_leases as usize {
                let _ = self.client.remove_watch(id).wait();
                return self.add_lease(&guard_node);
            }
            let woken = self.waker.wait(seen, deadline);
            let _ = self.client.remove_watch(id).wait();
            if !woken {
                return Ok(false);
            }
        }
    }

    /// Adds our lease, in one transaction with a check that our lock node (`guard_node`) is
    /// still on the server: if the server has expired the session that held the lock, another
    /// contender may be counting the leases meanwhile, and the lease is not added.
    fn add_lease(&self, guard_node: &str) -> Result<bool> {
        let options = CreateOptions {
            mode: CreateMode::Ephemeral,
            ..CreateOptions::default()
        };
        lock(&self.held).unsure = true;
        let results = self
            .client
            .transaction()
            .check(guard_node, -1)
            .create(&self.lease_path, &self.data, &options)
            .commit()
            .wait()?;
        match Transaction::first_error(&results) {
            None => {}
            // A lease of ours already: whose it is decides below.
            Some(code) if code == ErrorCode::NODE_EXISTS => {}
            // Our lock node is gone (its session with it): count again under the lock.
            Some(code) if code == ErrorCode::NO_NODE => return Err(Error::ForceRetry),
            Some(code) => return Err(Error::Keeper(code)),
        }
        // The create's Stat (3.8 gives none in a transaction) names the lease's session.
        match self.client.exists(&self.lease_path).wait()? {
            Some(stat) => self.grant(stat.ephemeral_owner),
            None => Err(Error::ForceRetry),
        }
    }

    /// Deletes our lease node if one may be on the server, retrying connection losses through
    /// reconnects and new sessions for a bounded time ([`Error::MayRemain`] after that).
    fn remove_lease(&self) -> Result<()> {
        {
            let mut held = lock(&self.held);
            held.acquired_in = None;
            if !held.unsure {
                return Ok(());
            }
        }
        delete_own(&self.client, &self.waker, &self.lease_path)?;
        lock(&self.held).unsure = false;
        Ok(())
    }

    fn release(&self) -> Result<bool> {
        let was_held = {
            let mut held = lock(&self.held);
            let was_held = held.acquired_in.take().is_some();
            if was_held {
                held.unsure = true;
            }
            was_held
        };
        self.remove_lease()?;
        if was_held {
            log::info!("semaphore lease {} released", self.lease_path);
        }
        Ok(was_held)
    }
}
