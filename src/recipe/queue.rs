//! kazoo's Queue and LockingQueue, with kazoo's node layout so that both libraries share a
//! queue.
//!
//! [`Queue`]: entries are persistent-sequential children `<path>/entry-<priority>-<seq>`
//! (priority as three digits, lower first; FIFO within a priority), taken by deleting them.
//! [`LockingQueue`]: entries under `<path>/entries/entry-<priority>-<seq>`; a consumer claims
//! one with an ephemeral `<path>/taken/<entry name>` holding its id, and removes entry and
//! claim in one transaction when done (`consume`), or gives the claim up (`release`).
//!
//! A claim is ours only while it holds our id and its `ephemeralOwner` is the client's
//! current session. After the client declared a session LOST the server may still hold it,
//! and its claim, for a while; the server may also expire it at any moment and let another
//! consumer claim the entry. So an entry is consumed only under a claim of the current
//! session; a claim of an earlier session is deleted (given up), never adopted, and the
//! entry stays for whoever claims it next.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::client::{Client, CreateOptions, Transaction, WatchId};
use crate::error::{Error, Result};
use crate::proto::{CreateMode, ErrorCode};
use crate::runtime::Wait;

use super::common::is_retryable;
use super::common::{guid, lock, wake_on_event, Waker};
use super::ephemeral::{delete_own, is_current};

/// The lowest and highest priorities kazoo accepts.
const PRIORITIES: std::ops::RangeInclusive<i32> = 0..=999;

fn check_priority(priority: i32) -> Result<()> {
    if PRIORITIES.contains(&priority) {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "priority {priority} is outside 0..=999"
        )))
    }
}

/// `parent` + `/` + `child`.
fn join(parent: &str, child: &str) -> String {
    if parent == "/" {
        format!("/{child}")
    } else {
        format!("{parent}/{child}")
    }
}

/// The prefix of an entry of `priority` under `parent`, to be completed by the sequence.
fn entry_prefix(parent: &str, priority: i32) -> String {
    join(parent, &format!("entry-{priority:03}-"))
}

fn sequential() -> CreateOptions {
    CreateOptions {
        mode: CreateMode::PersistentSequential,
        ..CreateOptions::default()
    }
}

/// Creates each entry in one transaction: all or none.
fn put_all_under(client: &Client, parent: &str, values: &[&[u8]], priority: i32) -> Result<()> {
    check_priority(priority)?;
    if values.is_empty() {
        return Ok(());
    }
    let mut transaction: Transaction = client.transaction();
    let prefix = entry_prefix(parent, priority);
    for value in values {
        transaction.create(&prefix, value, &sequential());
    }
    let results = transaction.commit().wait()?;
    match Transaction::first_error(&results) {
        Some(code) => Err(Error::Keeper(code)),
        None => Ok(()),
    }
}

/// kazoo's `Queue`: a distributed queue with priorities. An entry is removed when taken, so
/// a consumer that fails afterwards loses it (use [`LockingQueue`] for reliable consumption).
/// Cheap to clone; safe to use from many threads.
#[derive(Clone)]
pub struct Queue {
    client: Client,
    path: String,
    ensured: Arc<AtomicBool>,
    waker: Arc<Waker>,
}

impl Queue {
    /// kazoo's `zk.Queue(path)`. Nothing is sent until the first call.
    pub fn new(client: &Client, path: &str) -> Queue {
        Queue {
            client: client.clone(),
            path: path.to_string(),
            ensured: Arc::new(AtomicBool::new(false)),
            waker: Arc::new(Waker::default()),
        }
    }

    /// The queue's path.
    pub fn path(&self) -> &str {
        &self.path
    }

    fn ensure(&self) -> Result<()> {
        if !self.ensured.load(Ordering::SeqCst) {
            self.client
                .retry(|| self.client.ensure_path(&self.path, None).wait())?;
            self.ensured.store(true, Ordering::SeqCst);
        }
        Ok(())
    }

    /// Adds `data` with `priority` (0..=999, lower is taken first; kazoo's default is 100).
    pub fn put(&self, data: &[u8], priority: i32) -> Result<()> {
        check_priority(priority)?;
        self.ensure()?;
        self.client
            .create(&entry_prefix(&self.path, priority), data, &sequential())
            .wait()
            .map(|_| ())
    }

    /// Adds all of `values` with `priority`, in one transaction (all or none).
    pub fn put_all(&self, values: &[&[u8]], priority: i32) -> Result<()> {
        self.ensure()?;
        put_all_under(&self.client, &self.path, values, priority)
    }

    /// Takes the first entry (lowest priority number, then oldest), waiting (on a children
    /// watch) up to `timeout` (`None`: for ever) for one to appear, as
    /// [`LockingQueue::get`] does. `Some(Duration::ZERO)` does not wait (and sets no watch).
    /// `None` when the queue stayed empty.
    pub fn get(&self, timeout: Option<Duration>) -> Result<Option<Vec<u8>>> {
        self.ensure()?;
        if timeout == Some(Duration::ZERO) {
            return self.client.retry(|| {
                let (children, _) = self.client.get_children(&self.path).wait()?;
                self.take_first(children)
            });
        }
        let deadline = timeout.map(|timeout| Instant::now() + timeout);
        loop {
            let seen = self.waker.generation();
            let (children, _, id) = self
                .client
                .get_children_wake(&self.path, wake_on_event(&self.waker))
                .wait()?;
            let taken = self.take_first(children);
            if !matches!(taken, Ok(None)) {
                self.forget(id);
                return taken;
            }
            if !self.waker.wait(seen, deadline) {
                self.forget(id);
                return Ok(None);
            }
            self.forget(id);
        }
    }

    fn forget(&self, id: WatchId) {
        let _ = self.client.remove_watch(id).wait();
    }

    /// Takes the first of `children` still there (a NO_NODE means another consumer took it).
    fn take_first(&self, mut children: Vec<String>) -> Result<Option<Vec<u8>>> {
        children.retain(|child| child.starts_with("entry-"));
        children.sort();
        for child in children {
            let node = join(&self.path, &child);
            let data = match self.client.get(&node).wait() {
                Ok((data, _)) => data,
                Err(error) if error.is(ErrorCode::NO_NODE) => continue,
                Err(error) => return Err(error),
            };
            match self.client.delete(&node, -1).wait() {
                Ok(()) => return Ok(Some(data)),
                Err(error) if error.is(ErrorCode::NO_NODE) => continue,
                Err(error) if is_retryable(&error) => return Ok(Some(self.settle(&node, data))),
                Err(error) => return Err(error),
            }
        }
        Ok(None)
    }

    /// After a delete whose reply was lost: it may have happened, so the entry is ours to
    /// deliver whatever comes next (at least once; kazoo drops it then). The delete is
    /// retried with the client's command policy so that the entry does not stay behind
    /// for another consumer; if every retry fails, it may be delivered twice.
    fn settle(&self, node: &str, data: Vec<u8>) -> Vec<u8> {
        let _ = self
            .client
            .retry(|| match self.client.delete(node, -1).wait() {
                Err(error) if error.is(ErrorCode::NO_NODE) => Ok(()),
                other => other,
            });
        data
    }

    /// How many entries the queue holds.
    pub fn len(&self) -> Result<usize> {
        self.ensure()?;
        let (_, stat) = self.client.retry(|| self.client.get(&self.path).wait())?;
        Ok(usize::try_from(stat.num_children).unwrap_or(0))
    }

    /// True when the queue holds no entry.
    pub fn is_empty(&self) -> Result<bool> {
        self.len().map(|len| len == 0)
    }
}

/// kazoo's `LockingQueue`: an entry is claimed by [`LockingQueue::get`] (an ephemeral claim
/// node, gone with the session) and removed by [`LockingQueue::consume`]. One entry is
/// processed at a time per handle. Safe to use from many threads.
#[derive(Clone)]
pub struct LockingQueue {
    inner: Arc<LockingInner>,
}

struct LockingInner {
    client: Client,
    path: String,
    entries: String,
    taken: String,
    id: Vec<u8>,
    ensured: AtomicBool,
    /// The claimed entry: its name and data.
    processing: Mutex<Option<(String, Vec<u8>)>>,
    waker: Arc<Waker>,
}

impl LockingQueue {
    /// kazoo's `zk.LockingQueue(path)`. Nothing is sent until the first call.
    pub fn new(client: &Client, path: &str) -> LockingQueue {
        LockingQueue {
            inner: Arc::new(LockingInner {
                client: client.clone(),
                path: path.to_string(),
                entries: join(path, "entries"),
                taken: join(path, "taken"),
                id: guid().into_bytes(),
                ensured: AtomicBool::new(false),
                processing: Mutex::new(None),
                waker: Arc::new(Waker::default()),
            }),
        }
    }

    /// The queue's path.
    pub fn path(&self) -> &str {
        &self.inner.path
    }

    /// The id written into this handle's claims (32 hex digits, as kazoo's `id`).
    pub fn id(&self) -> &[u8] {
        &self.inner.id
    }

    fn ensure(&self) -> Result<()> {
        let inner = &self.inner;
        if !inner.ensured.load(Ordering::SeqCst) {
            for path in [&inner.taken, &inner.entries] {
                inner
                    .client
                    .retry(|| inner.client.ensure_path(path, None).wait())?;
            }
            inner.ensured.store(true, Ordering::SeqCst);
        }
        Ok(())
    }

    /// Adds `data` with `priority` (0..=999, lower first).
    pub fn put(&self, data: &[u8], priority: i32) -> Result<()> {
        check_priority(priority)?;
        self.ensure()?;
        let inner = &self.inner;
        inner
            .client
            .create(&entry_prefix(&inner.entries, priority), data, &sequential())
            .wait()
            .map(|_| ())
    }

    /// Adds all of `values` with `priority`, in one transaction (all or none).
    pub fn put_all(&self, values: &[&[u8]], priority: i32) -> Result<()> {
        self.ensure()?;
        put_all_under(&self.inner.client, &self.inner.entries, values, priority)
    }

    /// Claims the first unclaimed entry and returns its data, waiting (on children watches)
    /// up to `timeout` (`None`: for ever) for one. While an entry is claimed and not yet
    /// consumed or released, returns that entry again. `None` when the time ran out.
    pub fn get(&self, timeout: Option<Duration>) -> Result<Option<Vec<u8>>> {
        self.ensure()?;
        let inner = &self.inner;
        if let Some((_, data)) = lock(&inner.processing).as_ref() {
            return Ok(Some(data.clone()));
        }
        let deadline = timeout.map(|timeout| Instant::now() + timeout);
        loop {
            let seen = inner.waker.generation();
            let watch = |path: &str| {
                inner
                    .client
                    .get_children_wake(path, wake_on_event(&inner.waker))
                    .wait()
            };
            let (entries, _, entries_id) = watch(&inner.entries)?;
            let (taken, _, taken_id) = match watch(&inner.taken) {
                Ok(answer) => answer,
                Err(error) => {
                    self.forget(entries_id);
                    return Err(error);
                }
            };
            let claimed = self.claim_first(entries, taken);
            let done = match claimed {
                Ok(Some(_)) | Err(_) => true,
                Ok(None) => !inner.waker.wait(seen, deadline),
            };
            self.forget(entries_id);
            self.forget(taken_id);
            if done {
                return claimed;
            }
        }
    }

    fn forget(&self, id: WatchId) {
        let _ = self.inner.client.remove_watch(id).wait();
    }

    /// kazoo's `_take` over the available entries in order.
    fn claim_first(&self, mut entries: Vec<String>, taken: Vec<String>) -> Result<Option<Vec<u8>>> {
        let inner = &self.inner;
        entries.sort();
        let claim_options = CreateOptions {
            mode: CreateMode::Ephemeral,
            ..CreateOptions::default()
        };
        for entry in entries.iter().filter(|entry| !taken.contains(entry)) {
            let claim = join(&inner.taken, entry);
            // Retried, so that a claim whose reply was lost is found to be ours (it holds our
            // id) rather than left to block the entry until the session ends.
            let ours = inner.client.retry(|| {
                match inner
                    .client
                    .create(&claim, &inner.id, &claim_options)
                    .wait()
                {
                    Ok(_) => Ok(true),
                    Err(error) if error.is(ErrorCode::NODE_EXISTS) => {
                        match inner.client.get(&claim).wait() {
                            Ok((owner, stat))
                                if owner == inner.id && !is_current(&inner.client, &stat) =>
                            {
                                // Ours, of a session the client has given up on (the server
                                // still holds it): give it up and claim the entry afresh.
                                match inner.client.delete(&claim, -1).wait() {
                                    Err(error) if error.is(ErrorCode::NO_NODE) => {}
                                    result => result?,
                                }
                                Err(Error::ForceRetry)
                            }
                            Ok((owner, _)) => Ok(owner == inner.id),
                            // Released meanwhile: try to claim it again.
                            Err(error) if error.is(ErrorCode::NO_NODE) => Err(Error::ForceRetry),
                            Err(error) => Err(error),
                        }
                    }
                    Err(error) => Err(error),
                }
            })?;
            if !ours {
                continue;
            }
            match inner.client.get(&join(&inner.entries, entry)).wait() {
                Ok((data, _)) => {
                    *lock(&inner.processing) = Some((entry.clone(), data.clone()));
                    return Ok(Some(data));
                }
                Err(error) if error.is(ErrorCode::NO_NODE) => {
                    // Consumed meanwhile: drop our claim and go on.
                    match inner.client.delete(&claim, -1).wait() {
                        Ok(()) => {}
                        Err(error) if error.is(ErrorCode::NO_NODE) => {}
                        Err(error) => return Err(error),
                    }
                }
                Err(error) => return Err(error),
            }
        }
        Ok(None)
    }

    /// True when this handle has claimed an entry and its claim node still holds our id and
    /// belongs to the client's current session (a claim of a session the client has given up
    /// on is not held: the server may expire it at any moment).
    pub fn holds_lock(&self) -> Result<bool> {
        let inner = &self.inner;
        let Some(entry) = lock(&inner.processing).as_ref().map(|(e, _)| e.clone()) else {
            return Ok(false);
        };
        Ok(self.claim_state(&join(&inner.taken, &entry))? == Claim::Held)
    }

    /// What the claim node at `claim` is to us, read after a sync.
    fn claim_state(&self, claim: &str) -> Result<Claim> {
        let inner = &self.inner;
        inner.client.sync(claim).wait()?;
        match inner.client.get(claim).wait() {
            Ok((data, _)) if data != inner.id => Ok(Claim::Lost),
            Ok((_, stat)) if is_current(&inner.client, &stat) => Ok(Claim::Held),
            Ok(_) => Ok(Claim::Stale),
            Err(error) if error.is(ErrorCode::NO_NODE) => Ok(Claim::Lost),
            Err(error) => Err(error),
        }
    }

    /// Removes the claimed entry and its claim in one transaction, only while the claim
    /// belongs to the client's current session: Ok(true) once both are gone. Ok(false) when
    /// nothing is claimed or the claim was lost (gone with an expired session, or of a
    /// session the client has given up on, which is then deleted): the entry is not consumed
    /// and stays for whoever claims it next. When the commit's reply was lost and the client's
    /// session changed before it could find out whether the commit happened, and the entry is
    /// gone, it cannot tell whether this consumer or another removed it: connection loss
    /// (`CONNECTION_LOSS`: it may or may not have happened). A claim of an earlier session
    /// that cannot be deleted (retrying for up to twice the session timeout):
    /// [`Error::MayRemain`]. Either way nothing is claimed afterwards.
    pub fn consume(&self) -> Result<bool> {
        self.finish(true)
    }

    /// Gives the claim up, leaving the entry for others: Ok(true) once the claim is gone from
    /// the server, Ok(false) when nothing is claimed or the claim was lost (a claim of an
    /// earlier session of ours is deleted then too). [`Error::MayRemain`] when such a claim
    /// could not be deleted (retrying for up to twice the session timeout): it may block the
    /// entry until the server expires the session that made it.
    pub fn release(&self) -> Result<bool> {
        self.finish(false)
    }

    fn finish(&self, consume: bool) -> Result<bool> {
        let inner = &self.inner;
        let Some(entry) = lock(&inner.processing).as_ref().map(|(e, _)| e.clone()) else {
            return Ok(false);
        };
        let (entry_path, claim) = (join(&inner.entries, &entry), join(&inner.taken, &entry));
        // The session the last commit was sent in.
        let mut sent_in: Option<i64> = None;
        let outcome = inner.client.retry(|| {
            let state = self.claim_state(&claim)?;
            if let Some(session) = sent_in {
                // The last commit's reply was lost: find out whether it happened. It removed
                // our claim if it did; in the session it was sent in, our claim goes only
                // with that commit (a claim of that session found means it did not happen).
                if state != Claim::Held && state != Claim::Stale {
                    if !consume || inner.client.session_info().session_id == session {
                        return Ok(Outcome::Done);
                    }
                    // Another session now: ours may have expired and another consumer
                    // consumed the entry under its own claim.
                    let entry_gone = inner.client.exists(&entry_path).wait()?.is_none();
                    return Ok(if entry_gone {
                        Outcome::InDoubt
                    } else {
                        Outcome::NotHeld
                    });
                }
            }
            match state {
                Claim::Lost => return Ok(Outcome::NotHeld),
                Claim::Stale => return Ok(Outcome::Stale),
                Claim::Held => {}
            }
            let mut transaction = inner.client.transaction();
            if consume {
                transaction.delete(&entry_path, -1);
            }
            transaction.delete(&claim, -1);
            sent_in = Some(inner.client.session_info().session_id);
            let results = transaction.commit().wait()?;
            match Transaction::first_error(&results) {
                Some(code) => Err(Error::Keeper(code)),
                None => Ok(Outcome::Done),
            }
        });
        // An error keeps the claim, for the caller to try again.
        let outcome = outcome?;
        *lock(&inner.processing) = None;
        let what = if consume { "consumed" } else { "released" };
        match outcome {
            Outcome::Done => log::info!("queue entry {entry_path} {what}"),
            Outcome::NotHeld => log::warn!(
                "queue entry {entry_path} not {what}: the claim was lost with its session"
            ),
            Outcome::InDoubt => log::warn!(
                "queue entry {entry_path}: whether it was {what} is unknown (the reply was lost \
                 and the session changed)"
            ),
            Outcome::Stale => {
                log::debug!("queue claim {claim} of an earlier session: deleted, entry not {what}")
            }
        }
        match outcome {
            Outcome::Done => Ok(true),
            Outcome::NotHeld => Ok(false),
            Outcome::InDoubt => Err(Error::connection_loss()),
            // A claim of a session the client has given up on: the entry is not ours to
            // consume. Give the claim up so that it does not block the entry.
            Outcome::Stale => delete_own(&inner.client, &inner.waker, &claim).map(|_| false),
        }
    }

    /// How many entries the queue holds, claimed ones included.
    pub fn len(&self) -> Result<usize> {
        self.ensure()?;
        let inner = &self.inner;
        let (_, stat) = inner
            .client
            .retry(|| inner.client.get(&inner.entries).wait())?;
        Ok(usize::try_from(stat.num_children).unwrap_or(0))
    }

    /// True when the queue holds no entry.
    pub fn is_empty(&self) -> Result<bool> {
        self.len().map(|len| len == 0)
    }
}

/// What a claim node is to the consumer that made it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Claim {
    /// Ours, of the current session.
    Held,
    /// Ours, of a session the client has given up on (the server still holds it).
    Stale,
    /// Gone, or another consumer's.
    Lost,
}

/// How a consume or release ended.
enum Outcome {
    Done,
    NotHeld,
    Stale,
    InDoubt,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names_match_kazoo() {
        assert_eq!(entry_prefix("/q", 7), "/q/entry-007-");
        assert_eq!(entry_prefix("/", 100), "/entry-100-");
        assert!(check_priority(-1).is_err());
        assert!(check_priority(1000).is_err());
        assert!(check_priority(999).is_ok());
    }
}
