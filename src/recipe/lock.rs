//! kazoo's Lock, ReadLock and WriteLock, with kazoo 2.11's node layout so that both clients
//! contend for the same locks.
//!
//! A contender is an ephemeral sequential child `<path>/<32 hex guid><name><10 digits>` whose
//! data is the contender's identifier; `<name>` is `__lock__` for a Lock and a WriteLock,
//! `__rlock__` for a ReadLock. Contenders are ordered by the sequence number after the name.
//! A Lock waits for every earlier `__lock__` node, a WriteLock for every earlier contender of
//! either kind, a ReadLock only for earlier `__lock__` nodes (writers). Each waits on an exists
//! watch on its immediate predecessor, never by polling. Extra contender markers (kazoo's
//! `extra_lock_patterns`, [`LockOptions::extra_patterns`]) make other clients' lock nodes
//! count too, such as Curator's and go-zk's `_c_<guid>-lock-<sequence>`.
//!
//! Beyond kazoo: creation is protected (after a connection loss the guid finds the node the
//! server may have made before another is created); [`Lock::fencing_token`]; an optional
//! state listener told when the connection state changes while the lock is held.
//!
//! A node is ours only while its `ephemeralOwner` is the client's current session. After the
//! client declared a session LOST (on its own timer, or told by the server) the server may
//! still hold that session, and with it our node, for a while: such a node is deleted (it
//! carries our guid) before a new one is made, never adopted, so the lock is never granted on
//! it. A release returns `Ok` only once the node is gone from the server.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::client::{Client, CreateOptions, ListenerId, State, WatchId};
use crate::error::{Error, Result};
use crate::proto::{CreateMode, ErrorCode};
use crate::runtime::Wait;

use super::common::{guid, is_retryable, lock, wake_on_event, Waker};
use super::ephemeral::retry_for_session_timeouts;
pub use super::ephemeral::RELEASE_TIMEOUTS;
use crate::client::path::join;

/// Told the connection state ([`State::Suspended`], [`State::Connected`], [`State::Lost`])
/// when it changes while the lock is held; runs on the client's dispatcher thread. After
/// [`State::Lost`] the lock is no longer held (the session and its node are gone).
pub type StateListener = Box<dyn Fn(State) + Send + Sync + 'static>;

/// Which of kazoo's three locks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LockKind {
    /// kazoo's `Lock`: exclusive among `__lock__` contenders.
    #[default]
    Exclusive,
    /// kazoo's `ReadLock`: shared with other readers, waits for earlier writers.
    Read,
    /// kazoo's `WriteLock`: waits for every earlier reader and writer.
    Write,
}

impl LockKind {
    /// The node name marker and the markers of the contenders this kind waits for.
    fn names(self) -> (&'static str, &'static [&'static str]) {
        match self {
            LockKind::Exclusive => ("__lock__", &["__lock__"]),
            LockKind::Read => ("__rlock__", &["__lock__"]),
            LockKind::Write => ("__lock__", &["__lock__", "__rlock__"]),
        }
    }
}

/// How a [`Lock`] contends (see [`Lock::with_options`]); the default is kazoo's `Lock`.
#[derive(Default)]
pub struct LockOptions {
    /// Which of kazoo's locks.
    pub kind: LockKind,
    /// More contender markers to wait for, as kazoo's `extra_lock_patterns`: a child of
    /// `<path>` whose name is `…<marker><10 digits>` (or `…<marker>-<10 digits>`) counts as a
    /// contender too, in sequence order with ours. `-lock-` makes Curator's and go-zk's lock
    /// nodes (`_c_<guid>-lock-<sequence>`) exclude us. Literal text (kazoo takes regular
    /// expressions), not empty, no `/`.
    pub extra_patterns: Vec<String>,
    /// Told of connection-state changes while the lock is held.
    pub on_state: Option<StateListener>,
}

/// A distributed lock (kazoo's `Lock`, `ReadLock` or `WriteLock`). Not re-entrant. Dropping
/// it releases it if held.
pub struct Lock {
    inner: Arc<Inner>,
}

/// Our contender node, as the server described it when it was made or found.
#[derive(Clone)]
struct Node {
    /// Its name (not path).
    name: String,
    /// The session it belongs to (its `ephemeralOwner`).
    owner: i64,
    /// The zxid that created it: the fencing token.
    czxid: i64,
}

struct Held {
    /// Our contender node, once created (or found) in the session it belongs to.
    node: Option<Node>,
    /// A node of ours may be on the server that `node` does not name: a create whose reply
    /// was lost, a node of a session the client has given up on, a release that could not
    /// reach the server. Looked for by our guid (and deleted, unless it belongs to the current
    /// session) before another is made.
    unsure: bool,
    /// The session the lock was acquired in, while held: it is held no longer once that
    /// session is over, even before the state listener has been told.
    acquired_in: Option<i64>,
}

struct Inner {
    client: Client,
    path: String,
    data: Vec<u8>,
    /// `<guid><name>`: our node's name without its sequence number.
    prefix: String,
    name: &'static str,
    /// The markers of the contenders we wait for (the kind's and the extra patterns).
    waits_for: Vec<String>,
    held: Mutex<Held>,
    /// One acquire at a time.
    acquiring: Mutex<()>,
    waker: Arc<Waker>,
    cancelled: AtomicBool,
    listener: Mutex<Option<ListenerId>>,
    on_state: Option<StateListener>,
}

/// The sequence part of a contender node named with one of `names` (kazoo's
/// `(?:names)(-?\d{10})$`), or `None` if the node is no such contender.
fn sequence<'a>(child: &'a str, names: &[impl AsRef<str>]) -> Option<&'a str> {
    let digits_at = child.len().checked_sub(10)?;
    if !child.is_char_boundary(digits_at) || !child[digits_at..].bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let head = &child[..digits_at];
    if let Some(before) = head.strip_suffix('-') {
        if names.iter().any(|name| before.ends_with(name.as_ref())) {
            return Some(&child[digits_at - 1..]);
        }
    }
    names
        .iter()
        .any(|name| head.ends_with(name.as_ref()))
        .then_some(&child[digits_at..])
}

/// The contender `node` waits for: the latest of `children` named with `names` whose sequence
/// is before `ours` (compared as kazoo does, as strings).
fn predecessor<'a>(
    children: &'a [String],
    names: &[impl AsRef<str>],
    ours: &str,
) -> Option<&'a str> {
    children
        .iter()
        .filter_map(|child| sequence(child, names).map(|seq| (seq, child.as_str())))
        .filter(|(seq, _)| *seq < ours)
        .max()
        .map(|(_, child)| child)
}

impl Lock {
    /// kazoo's `Lock(path, identifier)`: an exclusive lock on `path`.
    pub fn new(client: &Client, path: &str, identifier: impl AsRef<[u8]>) -> Lock {
        Lock::of_kind(client, path, identifier, LockKind::Exclusive)
    }

    /// kazoo's `ReadLock(path, identifier)`.
    pub fn read(client: &Client, path: &str, identifier: impl AsRef<[u8]>) -> Lock {
        Lock::of_kind(client, path, identifier, LockKind::Read)
    }

    /// kazoo's `WriteLock(path, identifier)`.
    pub fn write(client: &Client, path: &str, identifier: impl AsRef<[u8]>) -> Lock {
        Lock::of_kind(client, path, identifier, LockKind::Write)
    }

    fn of_kind(client: &Client, path: &str, identifier: impl AsRef<[u8]>, kind: LockKind) -> Lock {
        let options = LockOptions {
            kind,
            ..LockOptions::default()
        };
        Lock::build(client, path, identifier.as_ref(), options)
    }

    /// A lock as `options` say (kazoo's `Lock(path, identifier, extra_lock_patterns)` and
    /// more). `InvalidArgument` for an extra pattern that is empty or holds `/`.
    pub fn with_options(
        client: &Client,
        path: &str,
        identifier: impl AsRef<[u8]>,
        options: LockOptions,
    ) -> Result<Lock> {
        if let Some(bad) = options
            .extra_patterns
            .iter()
            .find(|pattern| pattern.is_empty() || pattern.contains('/'))
        {
            return Err(Error::InvalidArgument(format!(
                "extra lock pattern {bad:?}: must not be empty nor hold '/'"
            )));
        }
        Ok(Lock::build(client, path, identifier.as_ref(), options))
    }

    /// A lock as `options` say, which must be valid (no extra pattern checks).
    pub(crate) fn build(
        client: &Client,
        path: &str,
        identifier: &[u8],
        options: LockOptions,
    ) -> Lock {
        let (name, kind_waits_for) = options.kind.names();
        let mut waits_for: Vec<String> = kind_waits_for.iter().map(|s| s.to_string()).collect();
        for pattern in options.extra_patterns {
            if !waits_for.contains(&pattern) {
                waits_for.push(pattern);
            }
        }
        let inner = Arc::new(Inner {
            client: client.clone(),
            path: path.to_string(),
            data: identifier.to_vec(),
            prefix: format!("{}{name}", guid()),
            name,
            waits_for,
            held: Mutex::new(Held {
                node: None,
                unsure: false,
                acquired_in: None,
            }),
            acquiring: Mutex::new(()),
            waker: Arc::default(),
            cancelled: AtomicBool::new(false),
            listener: Mutex::new(None),
            on_state: options.on_state,
        });
        let weak = Arc::downgrade(&inner);
        let listener = client.add_listener(move |state, _| {
            if let Some(inner) = weak.upgrade() {
                inner.state_changed(state);
            }
        });
        *lock(&inner.listener) = Some(listener);
        Lock { inner }
    }

    /// Waits up to `timeout` (`None`: forever) for the lock. Ok(true) once held (at once if
    /// already held); Ok(false) on timeout or [`Lock::cancel`], and then our contender node is
    /// deleted. Connection losses and session expiry are retried until the timeout.
    pub fn acquire(&self, timeout: Option<Duration>) -> Result<bool> {
        let _one = lock(&self.inner.acquiring);
        if self.is_acquired() {
            return Ok(true);
        }
        let deadline = timeout.map(|timeout| Instant::now() + timeout);
        let result = self.inner.acquire_until(deadline);
        if !matches!(result, Ok(true)) {
            self.inner.cleanup();
        }
        self.inner.cancelled.store(false, Ordering::SeqCst);
        result
    }

    /// Takes the lock only if no wait is needed (kazoo's `acquire(blocking=False)`).
    pub fn try_acquire(&self) -> Result<bool> {
        self.acquire(Some(Duration::ZERO))
    }

    /// Makes an acquire under way on another thread return Ok(false) promptly (or the next
    /// acquire, if none is under way).
    pub fn cancel(&self) {
        self.inner.cancelled.store(true, Ordering::SeqCst);
        self.inner.waker.wake();
    }

    /// Releases the lock: deletes our node, retrying connection losses, across reconnects and
    /// new sessions, for up to twice the session timeout ([`RELEASE_TIMEOUTS`]). Ok(true) once
    /// the node is gone from the server; Ok(false) if the lock was not held (a node a lost
    /// session may have left is deleted then too). [`Error::MayRemain`] when the node could
    /// not be deleted in that time: it may stay until the server expires the session that made
    /// it (another contender cannot take the lock before then), and the next acquire deletes
    /// it first. Either way the lock is no longer held.
    pub fn release(&self) -> Result<bool> {
        self.inner.release()
    }

    /// True while the lock is held (false after release, or once the session it was taken in
    /// is over).
    pub fn is_acquired(&self) -> bool {
        self.inner.holds(&lock(&self.inner.held))
    }

    /// The identifiers of every contender (readers and writers alike), in lock order, as
    /// kazoo's `contenders()`.
    pub fn contenders(&self) -> Result<Vec<String>> {
        let inner = &self.inner;
        inner.client.ensure_path(&inner.path, None).wait()?;
        let (children, _) = inner.client.get_children(&inner.path).wait()?;
        let mut names: Vec<&str> = inner.waits_for.iter().map(String::as_str).collect();
        names.push(inner.name);
        let mut contenders: Vec<(&str, &String)> = children
            .iter()
            .filter_map(|child| sequence(child, &names).map(|seq| (seq, child)))
            .collect();
        contenders.sort();
        let mut identifiers = Vec::with_capacity(contenders.len());
        for (_, child) in contenders {
            match inner.client.get(&join(&inner.path, child)).wait() {
                Ok((data, _)) => identifiers.push(String::from_utf8_lossy(&data).into_owned()),
                Err(error) if error.is(ErrorCode::NO_NODE) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(identifiers)
    }

    /// A fencing token while the lock is held: the `czxid` of our contender node, the zxid of
    /// the transaction that created it. Zxids order every change of the ensemble, so each
    /// later grant of this lock path has a strictly larger token for the life of the ensemble,
    /// even when `<path>` is deleted and made again (a sequence number would start again).
    /// Hand it to the guarded resource, which refuses any token below the largest it has seen.
    /// `None` when not held.
    pub fn fencing_token(&self) -> Option<i64> {
        let held = lock(&self.inner.held);
        if !self.inner.holds(&held) {
            return None;
        }
        held.node.as_ref().map(|node| node.czxid)
    }

    /// The path of our contender node, if one exists now.
    pub fn node(&self) -> Option<String> {
        let held = lock(&self.inner.held);
        held.node
            .as_ref()
            .map(|node| join(&self.inner.path, &node.name))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        if let Some(listener) = lock(&self.inner.listener).take() {
            self.inner.client.remove_listener(listener);
        }
        let _ = self.inner.release();
    }
}

impl Inner {
    fn holds(&self, held: &Held) -> bool {
        held.acquired_in == Some(self.client.session_info().session_id)
    }

    fn state_changed(&self, state: State) {
        self.waker.wake();
        let was_held = {
            let mut held = lock(&self.held);
            let was_held = held.acquired_in.is_some();
            if was_held && state == State::Lost {
                log::warn!("lock {} lost: its session is over", self.path);
            } else if was_held && state == State::Suspended {
                log::warn!(
                    "lock {} uncertain: connection lost while held (held again if the session \
                     survives)",
                    self.path
                );
            }
            if state == State::Lost && held.node.is_some() {
                // The server may hold the lost session, and our node, for a while yet.
                held.acquired_in = None;
                held.node = None;
                held.unsure = true;
            }
            was_held
        };
        if was_held {
            if let Some(on_state) = &self.on_state {
                on_state(state);
            }
        }
    }

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

    /// Our node in the current session, created if need be. Creation is protected: when a
    /// node of ours may be on the server already, our guid finds it first; one of the current
    /// session is taken, any other deleted.
    fn ensure_node(&self) -> Result<Node> {
        let unsure = {
            let held = lock(&self.held);
            if let Some(node) = &held.node {
                return Ok(node.clone());
            }
            held.unsure
        };
        if unsure {
            let found = self.remove_stale_nodes(true)?;
            let mut held = lock(&self.held);
            held.unsure = false;
            if let Some(node) = found {
                held.node = Some(node.clone());
                return Ok(node);
            }
        }
        lock(&self.held).unsure = true;
        let options = CreateOptions {
            mode: CreateMode::EphemeralSequential,
            makepath: true,
            ..CreateOptions::default()
        };
        let created = self
            .client
            .create(&join(&self.path, &self.prefix), &self.data, &options)
            .wait()?;
        let node = Node {
            name: created
                .path
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string(),
            owner: created.stat.ephemeral_owner,
            czxid: created.stat.czxid,
        };
        let mut held = lock(&self.held);
        held.unsure = false;
        held.node = Some(node.clone());
        Ok(node)
    }

    /// Deletes every node of ours (by our guid) on the server, except, with `keep_current`,
    /// one that belongs to the current session, which is returned.
    fn remove_stale_nodes(&self, keep_current: bool) -> Result<Option<Node>> {
        let (children, _) = match self.client.get_children(&self.path).wait() {
            Err(error) if error.is(ErrorCode::NO_NODE) => return Ok(None),
            result => result?,
        };
        let mut kept = None;
        for name in children.into_iter().filter(|c| c.starts_with(&self.prefix)) {
            let path = join(&self.path, &name);
            let Some(stat) = self.client.exists(&path).wait()? else {
                continue;
            };
            let current = self.client.session_info().session_id;
            if keep_current && kept.is_none() && stat.ephemeral_owner == current {
                kept = Some(Node {
                    name,
                    owner: stat.ephemeral_owner,
                    czxid: stat.czxid,
                });
                continue;
            }
            match self.client.delete(&path, -1).wait() {
                Err(error) if error.is(ErrorCode::NO_NODE) => {}
                result => result?,
            }
            if keep_current {
                log::debug!(
                    "deleted stale lock node {path} of session 0x{:x}",
                    stat.ephemeral_owner
                );
            } else {
                log::debug!("deleted lock node {path}");
            }
        }
        Ok(kept)
    }

    /// One pass: Ok(true) held, Ok(false) timed out or cancelled.
    fn attempt(self: &Arc<Self>, deadline: Option<Instant>) -> Result<bool> {
        let node = self.ensure_node()?;
        let ours = node
            .name
            .get(self.prefix.len()..)
            .unwrap_or_default()
            .to_string();
        loop {
            let seen = self.waker.generation();
            if self.cancelled.load(Ordering::SeqCst) {
                return Ok(false);
            }
            let (children, _) = self.client.get_children(&self.path).wait()?;
            if !children.contains(&node.name) {
                // Gone with an expired session: make another.
                lock(&self.held).node = None;
                return Err(Error::ForceRetry);
            }
            if node.owner != self.client.session_info().session_id {
                // A node of a session the client has given up on, which the server still
                // holds: never ours to be granted on. Delete it and make another.
                let mut held = lock(&self.held);
                held.node = None;
                held.unsure = true;
                return Err(Error::ForceRetry);
            }
            let Some(before) = predecessor(&children, &self.waits_for, &ours) else {
                let mut held = lock(&self.held);
                held.acquired_in = Some(node.owner);
                if !self.holds(&held) {
                    held.acquired_in = None;
                    return Err(Error::ForceRetry); // the session changed meanwhile
                }
                log::info!(
                    "lock {} acquired ({}, session 0x{:x}, fencing token 0x{:x})",
                    self.path,
                    node.name,
                    node.owner,
                    node.czxid
                );
                return Ok(true);
            };
            if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                return Ok(false);
            }
            let (stat, id) = self
                .client
                .exists_wake(&join(&self.path, before), wake_on_event(&self.waker))
                .wait()?;
            if stat.is_some() && !self.waker.wait(seen, deadline) {
                self.forget(id);
                return Ok(false);
            }
            self.forget(id);
        }
    }

    fn forget(&self, id: WatchId) {
        let _ = self.client.remove_watch(id).wait();
    }

    /// Deletes our node after a failed acquire (and any a lost create reply or a lost
    /// session may have left), retrying connection losses for up to [`RELEASE_TIMEOUTS`]
    /// session timeouts. What could not be deleted is looked for again by the next acquire.
    fn cleanup(&self) {
        {
            let mut held = lock(&self.held);
            held.acquired_in = None;
            if held.node.take().is_some() {
                held.unsure = true;
            }
            if !held.unsure {
                return;
            }
        }
        if self.remove_until_gone().is_ok() {
            lock(&self.held).unsure = false;
        }
    }

    fn release(&self) -> Result<bool> {
        let was_held = {
            let mut held = lock(&self.held);
            let was_held = held.acquired_in.take().is_some();
            if held.node.take().is_some() {
                held.unsure = true;
            }
            if !held.unsure {
                return Ok(was_held);
            }
            was_held
        };
        self.remove_until_gone()?;
        lock(&self.held).unsure = false;
        if was_held {
            log::info!("lock {} released", self.path);
        }
        Ok(was_held)
    }

    /// Deletes every node of ours on the server, retrying connection losses (through
    /// reconnects and new sessions: a node of a lost session may outlive it on the server)
    /// for up to [`RELEASE_TIMEOUTS`] session timeouts.
    fn remove_until_gone(&self) -> Result<()> {
        retry_for_session_timeouts(&self.client, &self.waker, RELEASE_TIMEOUTS, || {
            self.remove_stale_nodes(false)
        })
        .map(drop)
        .map_err(|cause| {
            let error = Error::MayRemain {
                path: join(&self.path, &self.prefix),
                cause: Box::new(cause),
            };
            log::warn!("lock release: {error}");
            error
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_follows_the_kazoo_pattern() {
        let names = ["__lock__"];
        assert_eq!(
            sequence("abc__lock__0000000012", &names),
            Some("0000000012")
        );
        assert_eq!(sequence("abc__lock__-000000012", &names), None);
        assert_eq!(
            sequence("abc__lock__-0000000012", &names),
            Some("-0000000012")
        );
        assert_eq!(sequence("abc__rlock__0000000012", &names), None);
        assert_eq!(sequence("abc__lock__000000012", &names), None);
        assert_eq!(sequence("lease", &names), None);
        let both = ["__lock__", "__rlock__"];
        assert_eq!(
            sequence("abc__rlock__0000000003", &both),
            Some("0000000003")
        );
        let curator = ["__lock__", "-lock-"];
        assert_eq!(
            sequence("_c_0f1e-lock-0000000007", &curator),
            Some("0000000007")
        );
        assert_eq!(sequence("_c_0f1e-lock-0000000007", &names), None);
    }

    #[test]
    fn predecessor_is_the_latest_earlier_contender_of_the_waited_kind() {
        let children: Vec<String> = [
            "a__lock__0000000001",
            "b__rlock__0000000002",
            "c__rlock__0000000003",
            "d__lock__0000000004",
            "junk",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let writers = ["__lock__"];
        let all = ["__lock__", "__rlock__"];
        assert_eq!(predecessor(&children, &writers, "0000000001"), None);
        assert_eq!(
            predecessor(&children, &writers, "0000000003"),
            Some("a__lock__0000000001")
        );
        assert_eq!(
            predecessor(&children, &all, "0000000004"),
            Some("c__rlock__0000000003")
        );
    }
}
