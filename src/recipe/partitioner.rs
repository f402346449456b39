//! kazoo's SetPartitioner: divides a set of items among the members of a party, so that
//! each item belongs to at most one member at a time, and re-divides it when members come or
//! go. The node layout is kazoo 2.11's, so kazoo and zkclient partitioners on one path share
//! the set between them.
//!
//! Layout under `<path>`: members are a [`ShallowParty`] at `<path>/party` (nodes
//! `<guid>-<identifier>`); each item a member takes is guarded by a kazoo [`Lock`] at
//! `<path>/locks/<item>`. A member waits until the party's children have not changed for
//! `time_boundary`, computes its share with the partition function (kazoo's default: sort the
//! items and the member identifiers, take every n-th item from our index on), and takes the
//! lock of each of its items, each attempt bounded by `max_reaction_time` so that a party
//! change during acquisition is noticed (the attempt is then abandoned, its locks released,
//! and the allocation starts over). With every lock held the state becomes
//! [`PartitionState::Acquired`].
//!
//! States, as kazoo's: `Allocating` → `Acquired` → `Release` (the party changed, or the
//! connection state changed: the caller calls [`SetPartitioner::release_set`]) → `Allocating`;
//! `Failure` is terminal (session lost, an unexpected error, or [`SetPartitioner::finish`]).
//!
//! A LOST session is the client's view: the server may still hold it, and with it our party
//! node and item lock nodes. On its way out the worker deletes them through the client's new
//! session (for up to two session timeouts each, as [`Lock::release`] and
//! [`ShallowParty::leave`] do), so that a new partitioner of this member neither finds the
//! items held by its predecessor nor is counted twice in the party.
//!
//! One worker thread per partitioner runs the allocations (never the client's network or
//! callback threads); it is joined by [`SetPartitioner::finish`] and on drop.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::thread::{JoinHandle, ThreadId};
use std::time::{Duration, Instant};

use crate::client::path::{join, validate_path};
use crate::client::{Client, ListenerId, State, WatchId, WatchedEvent};
use crate::error::{Error, Result};
use crate::proto::EventType;
use crate::runtime::Wait;

use super::common::is_retryable;
use super::common::{host_name, lock, RETRY_PAUSE};
use super::lock::Lock;
use super::party::ShallowParty;

/// kazoo's default `time_boundary`: how long the party must be unchanged before allocating.
pub const DEFAULT_TIME_BOUNDARY: Duration = Duration::from_secs(30);
/// kazoo's default `max_reaction_time`: the longest single wait for one item's lock.
pub const DEFAULT_MAX_REACTION_TIME: Duration = Duration::from_secs(1);

/// A partitioner's state (kazoo's `PartitionState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartitionState {
    /// The set is being divided: waiting for the party to settle, or taking item locks.
    Allocating,
    /// This member holds the lock of every item of its share: see
    /// [`SetPartitioner::partitions`].
    Acquired,
    /// The party or the connection changed: stop using the items and call
    /// [`SetPartitioner::release_set`] (the locks are still held until then).
    Release,
    /// Terminal: the session was lost, an unexpected error happened, or
    /// [`SetPartitioner::finish`] was called. Make a new partitioner to take part again.
    Failure,
}

impl PartitionState {
    /// kazoo's name of the state: `"ALLOCATING"`, `"ACQUIRED"`, `"RELEASE"` or `"FAILURE"`.
    pub fn as_str(self) -> &'static str {
        match self {
            PartitionState::Allocating => "ALLOCATING",
            PartitionState::Acquired => "ACQUIRED",
            PartitionState::Release => "RELEASE",
            PartitionState::Failure => "FAILURE",
        }
    }
}

/// A partition function (kazoo's `partition_func(identifier, members, set)`): given our
/// identifier, the identifiers of every party member (ours included, in node-name order) and
/// the items (sorted, without duplicates), returns the items this member should take. Every
/// member must compute a disjoint share from the same inputs; the per-item locks keep two
/// members from holding one item even when they disagree. Returned names that are not items
/// of the set are ignored, duplicates are taken once.
pub type PartitionFn = Arc<dyn Fn(&str, &[String], &[String]) -> Vec<String> + Send + Sync>;

/// Told every new state (kazoo's `state_change_event`, with the state). It runs on the thread
/// that caused the change: the partitioner's worker thread, the client's dispatcher thread
/// (party and connection changes), or the thread calling [`SetPartitioner::release_set`],
/// [`SetPartitioner::finish`] or dropping the partitioner. Calls never overlap and come in
/// order. It may call the partitioner's non-blocking methods ([`SetPartitioner::state`],
/// [`SetPartitioner::partitions`], [`SetPartitioner::release_set`],
/// [`SetPartitioner::finish`]) but must not wait for a state of the same partitioner. It is
/// dropped (with whatever it owns) when the partitioner is, after its last call.
pub type StateChangeFn = Box<dyn Fn(PartitionState) + Send + Sync>;

/// How a [`SetPartitioner`] takes part. `PartitionerOptions::default()` gives kazoo's defaults.
pub struct PartitionerOptions {
    /// This member's identifier, part of its party node name (so no `/`). `None`: kazoo's
    /// default `<host name>-<process id>` (kazoo uses the fully qualified host name).
    pub identifier: Option<String>,
    /// How long the party's membership must be unchanged before the set is divided (30 s).
    pub time_boundary: Duration,
    /// The longest single wait for one item's lock before checking whether the party
    /// changed meanwhile (1 s). Must be more than zero.
    pub max_reaction_time: Duration,
    /// How the set is divided; `None`: [`kazoo_partition`].
    pub partition_func: Option<PartitionFn>,
    /// Told every state change; see [`StateChangeFn`].
    pub on_state_change: Option<StateChangeFn>,
}

impl Default for PartitionerOptions {
    fn default() -> Self {
        PartitionerOptions {
            identifier: None,
            time_boundary: DEFAULT_TIME_BOUNDARY,
            max_reaction_time: DEFAULT_MAX_REACTION_TIME,
            partition_func: None,
            on_state_change: None,
        }
    }
}

/// kazoo's default partition function: with the items and the member identifiers sorted,
/// the member at index `i` (its first occurrence) takes items `i`, `i + n`, `i + 2n`, ...
/// where `n` is the number of members (Python's `items[i::n]`). Nothing when `identifier` is
/// not a member.
pub fn kazoo_partition(identifier: &str, members: &[String], items: &[String]) -> Vec<String> {
    let mut items = items.to_vec();
    items.sort();
    let mut workers = members.to_vec();
    workers.sort();
    let Some(index) = workers.iter().position(|worker| worker == identifier) else {
        return Vec::new();
    };
    items
        .into_iter()
        .skip(index)
        .step_by(workers.len())
        .collect()
}

/// kazoo's default identifier: `<host name>-<process id>` (`localhost` when the host name
/// cannot be read).
fn default_identifier() -> String {
    let host = host_name().unwrap_or_else(|| "localhost".to_string());
    format!("{host}-{}", std::process::id())
}

/// Checks that `item` can be a node name under `<path>/locks`.
fn validate_item(item: &str) -> Result<()> {
    let reason = if item.is_empty() {
        Some("it is empty")
    } else if item.contains('/') {
        Some("it contains '/'")
    } else if item == "." || item == ".." {
        Some("'.' and '..' are not node names")
    } else {
        validate_path(&format!("/{item}"), false)
            .err()
            .map(|_| "it contains a character ZooKeeper refuses in node names")
    };
    match reason {
        Some(reason) => Err(Error::InvalidArgument(format!(
            "partitioner item {item:?} is not a valid node name: {reason}"
        ))),
        None => Ok(()),
    }
}

fn validate_identifier(identifier: &str) -> Result<()> {
    if identifier.is_empty() || identifier.contains('/') {
        return Err(Error::InvalidArgument(format!(
            "partitioner identifier {identifier:?} must be non-empty and contain no '/'"
        )));
    }
    validate_path(&format!("/x-{identifier}"), false).map_err(|_| {
        Error::InvalidArgument(format!(
            "partitioner identifier {identifier:?} contains a character ZooKeeper refuses in \
             node names"
        ))
    })
}

/// A member of a set partition (kazoo's `SetPartitioner`). Safe to share between threads.
/// Dropping it finishes it (as [`SetPartitioner::finish`]).
pub struct SetPartitioner {
    shared: Arc<Shared>,
    worker: Mutex<Option<JoinHandle<()>>>,
    worker_id: ThreadId,
}

/// What the worker, the watches, the listener and the caller share.
struct Shared {
    client: Client,
    path: String,
    locks_path: String,
    party_path: String,
    identifier: String,
    /// The set, sorted, without duplicates.
    items: Vec<String>,
    time_boundary: Duration,
    max_reaction_time: Duration,
    /// Both callbacks are dropped when the partitioner is (with whatever they own).
    partition_func: Mutex<Option<PartitionFn>>,
    on_state_change: Mutex<Option<Arc<StateChangeFn>>>,
    party: ShallowParty,
    status: Mutex<Status>,
    /// Notified on every change of `status`.
    changed: Condvar,
    /// The item lock the worker is acquiring now, cancelled when the attempt must stop.
    acquiring: Mutex<Option<Arc<Lock>>>,
    listener: Mutex<Option<ListenerId>>,
}

struct Status {
    state: PartitionState,
    /// Counts state changes (kazoo's `state_id`).
    state_id: u64,
    /// The items of the last acquisition, while their locks are held.
    partitions: Vec<String>,
    /// The locks of `partitions`.
    held: Vec<Arc<Lock>>,
    /// The number of the party children watch set last, whether it fired, and its id.
    watch_seq: u64,
    watch_fired: bool,
    watch: Option<WatchId>,
    /// An allocation is wanted (the worker takes it).
    allocate: bool,
    /// `finish` was called: the worker stops.
    finishing: bool,
    /// The worker thread has released what it held and left the party.
    worker_done: bool,
    /// States not yet told to `on_state_change`, and the thread telling them now.
    pending: VecDeque<PartitionState>,
    deliverer: Option<ThreadId>,
}

/// Why an allocation attempt stopped before ACQUIRED.
enum Abort {
    /// The state changed (or `finish` was called): this attempt is moot.
    Stale,
    /// The party changed: allocate again.
    PartyChanged,
    /// An error that ends the partitioner.
    Failed,
}

impl SetPartitioner {
    /// Joins the partition of `items` at `path` (kazoo's `zk.SetPartitioner(path, set, ...)`):
    /// creates `<path>`, `<path>/locks` and `<path>/party`, joins the party, and starts
    /// allocating on a worker thread (state [`PartitionState::Allocating`]). Every item must
    /// be a valid node name (not empty, no `/`, not `.` or `..`); duplicates count once.
    /// Fails without joining when an argument is invalid or the nodes cannot be made.
    pub fn new<I, S>(
        client: &Client,
        path: &str,
        items: I,
        options: PartitionerOptions,
    ) -> Result<SetPartitioner>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        validate_path(path, false)?;
        let mut items: Vec<String> = items.into_iter().map(Into::into).collect();
        for item in &items {
            validate_item(item)?;
        }
        items.sort();
        items.dedup();
        let identifier = match options.identifier {
            Some(identifier) => identifier,
            None => default_identifier(),
        };
        validate_identifier(&identifier)?;
        if options.max_reaction_time.is_zero() {
            return Err(Error::InvalidArgument(
                "max_reaction_time must be more than zero".into(),
            ));
        }
        let locks_path = join(path, "locks");
        let party_path = join(path, "party");
        client.retry(|| {
            client.ensure_path(path, None).wait()?;
            client.ensure_path(&locks_path, None).wait()?;
            client.ensure_path(&party_path, None).wait()
        })?;
        let party = ShallowParty::new(client, &party_path, &identifier)?;
        party.join()?;

        let shared = Arc::new(Shared {
            client: client.clone(),
            path: path.to_string(),
            locks_path,
            party_path,
            identifier,
            items,
            time_boundary: options.time_boundary,
            max_reaction_time: options.max_reaction_time,
            partition_func: Mutex::new(Some(
                options
                    .partition_func
                    .unwrap_or_else(|| Arc::new(kazoo_partition)),
            )),
            on_state_change: Mutex::new(options.on_state_change.map(Arc::new)),
            party,
            status: Mutex::new(Status {
                state: PartitionState::Allocating,
                state_id: 0,
                partitions: Vec::new(),
                held: Vec::new(),
                watch_seq: 0,
                watch_fired: false,
                watch: None,
                allocate: true,
                finishing: false,
                worker_done: false,
                pending: VecDeque::new(),
                deliverer: None,
            }),
            changed: Condvar::new(),
            acquiring: Mutex::new(None),
            listener: Mutex::new(None),
        });
        let weak = Arc::downgrade(&shared);
        let listener = client.add_listener(move |state, _| {
            if let Some(shared) = weak.upgrade() {
                shared.connection_changed(state);
            }
        });
        *lock(&shared.listener) = Some(listener);
        if client.state() == State::Lost {
            shared.connection_changed(State::Lost);
        }
        let worker_shared = shared.clone();
        let worker = std::thread::Builder::new()
            .name("zk-partitioner".into())
            .spawn(move || worker_shared.run());
        match worker {
            Ok(worker) => Ok(SetPartitioner {
                shared,
                worker_id: worker.thread().id(),
                worker: Mutex::new(Some(worker)),
            }),
            Err(error) => {
                shared.remove_listener();
                let _ = shared.party.leave();
                Err(Error::InvalidArgument(format!(
                    "could not start the partitioner's thread: {error}"
                )))
            }
        }
    }

    /// The current state.
    pub fn state(&self) -> PartitionState {
        self.shared.status().state
    }

    /// How many state changes there have been (kazoo's `state_id`).
    pub fn state_id(&self) -> u64 {
        self.shared.status().state_id
    }

    /// The items this member holds (sorted as the partition function returned them): those of
    /// the last acquisition, while their locks are held (in ACQUIRED, and in RELEASE until
    /// [`SetPartitioner::release_set`]); empty otherwise. kazoo's `list(partitioner)`.
    pub fn partitions(&self) -> Vec<String> {
        self.shared.status().partitions.clone()
    }

    /// This member's identifier (its party node is `<path>/party/<guid>-<identifier>`).
    pub fn identifier(&self) -> &str {
        &self.shared.identifier
    }

    /// The partitioner's path.
    pub fn path(&self) -> &str {
        &self.shared.path
    }

    /// The set, sorted, without duplicates.
    pub fn items(&self) -> &[String] {
        &self.shared.items
    }

    /// Waits up to `timeout` (`None`: no limit) for ACQUIRED (kazoo's `wait_for_acquire`).
    /// True when acquired (at once if it is); false on timeout, and at once in RELEASE or
    /// FAILURE (both need the caller to act before anything is acquired).
    pub fn wait_for_acquire(&self, timeout: Option<Duration>) -> bool {
        let state = self.shared.wait_until(timeout, |state| {
            matches!(
                state,
                PartitionState::Acquired | PartitionState::Release | PartitionState::Failure
            )
        });
        state == Some(PartitionState::Acquired)
    }

    /// Waits up to `timeout` (`None`: no limit) until the state is `want`. False on timeout,
    /// and when FAILURE comes while waiting for another state.
    pub fn wait_for_state(&self, want: PartitionState, timeout: Option<Duration>) -> bool {
        let state = self.shared.wait_until(timeout, |state| {
            state == want || state == PartitionState::Failure
        });
        state == Some(want)
    }

    /// Releases the locks of the items held and allocates again (state ALLOCATING), kazoo's
    /// `release_set`. Call it in RELEASE; in ACQUIRED it gives the items up and re-divides;
    /// in FAILURE it only releases what is left. A lock that cannot be released (an error
    /// other than a lost connection, which is retried) fails the partitioner, and the error
    /// is returned.
    pub fn release_set(&self) -> Result<()> {
        self.shared.release_set()
    }

    /// Releases the items' locks and leaves the party; the state becomes FAILURE (as
    /// kazoo's `finish`). Waits for the worker thread to stop (unless called from a state
    /// callback on it), which deletes the party node and the item lock nodes, after a LOST
    /// session too (through the new session: the server may still hold the old one),
    /// retrying connection losses for up to twice the session timeout for each before
    /// leaving a node to the server's expiry of its session. Calling it again does nothing.
    pub fn finish(&self) {
        let shared = &self.shared;
        {
            let mut status = shared.status();
            status.finishing = true;
            shared.changed.notify_all();
        }
        shared.cancel_acquire();
        // From a state callback on the worker, the worker cleans up on its way out.
        if self.worker_id != std::thread::current().id() {
            let worker = lock(&self.worker).take();
            match worker {
                Some(worker) => {
                    let _ = worker.join();
                }
                None => {
                    // Another thread is finishing too: wait until the worker is done.
                    let mut status = shared.status();
                    while !status.worker_done {
                        status = shared.wait_on(status, None);
                    }
                }
            }
        }
        shared.remove_listener();
        shared.fail();
        shared.flush_callbacks();
    }
}

impl Drop for SetPartitioner {
    fn drop(&mut self) {
        self.finish();
        // The callbacks (and what they own, a C caller's user data) go now, not whenever the
        // last watch or listener call in flight lets go of the shared state.
        let state_change = lock(&self.shared.on_state_change).take();
        let partition_func = lock(&self.shared.partition_func).take();
        drop((state_change, partition_func));
    }
}

impl Shared {
    fn status(&self) -> MutexGuard<'_, Status> {
        lock(&self.status)
    }

    fn wait_on<'a>(
        &self,
        status: MutexGuard<'a, Status>,
        deadline: Option<Instant>,
    ) -> MutexGuard<'a, Status> {
        match deadline {
            None => self.changed.wait(status).unwrap_or_else(|p| p.into_inner()),
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                self.changed
                    .wait_timeout(status, left)
                    .unwrap_or_else(|p| p.into_inner())
                    .0
            }
        }
    }

    /// Waits until `done(state)`, returning that state, or `None` at the deadline.
    fn wait_until(
        &self,
        timeout: Option<Duration>,
        done: impl Fn(PartitionState) -> bool,
    ) -> Option<PartitionState> {
        let deadline = timeout.map(|timeout| Instant::now() + timeout);
        let mut status = self.status();
        loop {
            if done(status.state) {
                return Some(status.state);
            }
            if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                return None;
            }
            status = self.wait_on(status, deadline);
        }
    }

    /// Moves to `state` (the caller then calls `after_change` without the status lock).
    fn set_state(&self, status: &mut Status, state: PartitionState) {
        if state == PartitionState::Failure {
            // Nothing is ours any more (the worker releases what is left of the locks).
            status.partitions.clear();
        }
        if status.state != state {
            log::info!(
                "partitioner {}: {} -> {} ({} partition(s) held)",
                self.path,
                status.state.as_str(),
                state.as_str(),
                status.partitions.len()
            );
        }
        status.state = state;
        status.state_id += 1;
        if lock(&self.on_state_change).is_some() {
            status.pending.push_back(state);
        }
        self.changed.notify_all();
    }

    /// After a state change: stops a lock wait under way, and tells the callback.
    fn after_change(&self) {
        self.cancel_acquire();
        self.deliver();
    }

    fn cancel_acquire(&self) {
        if let Some(lock) = lock(&self.acquiring).as_ref() {
            lock.cancel();
        }
    }

    /// Tells `on_state_change` every pending state, unless another thread is doing so now
    /// (it then tells these too).
    fn deliver(&self) {
        let mut status = self.status();
        if status.deliverer.is_some() {
            return;
        }
        status.deliverer = Some(std::thread::current().id());
        while let Some(state) = status.pending.pop_front() {
            let Some(callback) = lock(&self.on_state_change).clone() else {
                continue;
            };
            drop(status);
            // A panicking callback must not leave the partitioner without a deliverer.
            let _ = catch_unwind(AssertUnwindSafe(|| callback(state)));
            drop(callback);
            status = self.status();
        }
        status.deliverer = None;
        self.changed.notify_all();
    }

    /// Waits until every pending state has been told (unless this thread is telling them).
    fn flush_callbacks(&self) {
        let mut status = self.status();
        loop {
            match status.deliverer {
                Some(thread) if thread == std::thread::current().id() => return,
                None if status.pending.is_empty() => return,
                None => {
                    drop(status);
                    self.deliver();
                    status = self.status();
                }
                Some(_) => status = self.wait_on(status, None),
            }
        }
    }

    fn remove_listener(&self) {
        if let Some(listener) = lock(&self.listener).take() {
            self.client.remove_listener(listener);
        }
    }

    /// kazoo's `_establish_sessionwatch`: LOST fails the partitioner; any other connection
    /// change asks for a release (the locks may have been lost meanwhile).
    fn connection_changed(&self, state: State) {
        {
            let mut status = self.status();
            if status.state == PartitionState::Failure {
                return;
            }
            if state == State::Lost {
                self.set_state(&mut status, PartitionState::Failure);
            } else if status.state != PartitionState::Release {
                self.set_state(&mut status, PartitionState::Release);
            } else {
                return;
            }
        }
        self.after_change();
    }

    /// The party children watch number `seq` fired.
    fn party_changed(&self, seq: u64, event: WatchedEvent) {
        {
            let mut status = self.status();
            // A session event (the watch is gone with the session) is the listener's business.
            if event.event_type == EventType::None || status.watch_seq != seq {
                self.changed.notify_all();
                return;
            }
            status.watch_fired = true;
            status.watch = None;
            if status.state == PartitionState::Acquired {
                self.set_state(&mut status, PartitionState::Release);
            }
            self.changed.notify_all();
        }
        self.after_change();
    }

    /// Moves to FAILURE (once).
    fn fail(&self) {
        {
            let mut status = self.status();
            if status.state == PartitionState::Failure {
                return;
            }
            self.set_state(&mut status, PartitionState::Failure);
        }
        self.after_change();
    }

    /// Releases `locks`; the first error is returned after trying them all.
    fn release_locks(&self, locks: Vec<Arc<Lock>>) -> Result<()> {
        let mut result = Ok(());
        for each in locks {
            if let Err(error) = each.release() {
                if result.is_ok() {
                    result = Err(error);
                }
            }
        }
        result
    }

    fn release_set(&self) -> Result<()> {
        let held = {
            let mut status = self.status();
            status.partitions.clear();
            std::mem::take(&mut status.held)
        };
        if let Err(error) = self.release_locks(held) {
            self.fail();
            return Err(error);
        }
        {
            let mut status = self.status();
            if status.state == PartitionState::Failure || status.finishing {
                return Ok(());
            }
            self.set_state(&mut status, PartitionState::Allocating);
            status.allocate = true;
        }
        self.after_change();
        Ok(())
    }

    /// The worker thread: runs each allocation asked for, until FAILURE or `finish`, then
    /// releases what is held and leaves the party.
    fn run(self: Arc<Self>) {
        /// Marks the worker done however it ends.
        struct Done<'a>(&'a Shared);
        impl Drop for Done<'_> {
            fn drop(&mut self) {
                self.0.status().worker_done = true;
                self.0.changed.notify_all();
            }
        }
        let _done = Done(&self);
        loop {
            let state_id = {
                let mut status = self.status();
                loop {
                    if status.finishing || status.state == PartitionState::Failure {
                        break None;
                    }
                    if status.allocate {
                        status.allocate = false;
                        if status.state == PartitionState::Allocating {
                            break Some(status.state_id);
                        }
                        continue;
                    }
                    status = self.wait_on(status, None);
                }
            };
            let Some(state_id) = state_id else { break };
            // A panic (in a partition function) fails the partitioner instead of stopping
            // the worker silently.
            if catch_unwind(AssertUnwindSafe(|| self.allocate(state_id))).is_err() {
                self.fail();
            }
        }
        let (held, watch) = {
            let mut status = self.status();
            status.partitions.clear();
            (std::mem::take(&mut status.held), status.watch.take())
        };
        let _ = self.release_locks(held);
        if let Some(watch) = watch {
            let _ = self.client.remove_watch(watch).wait();
        }
        // After LOST too: the server may still hold the lost session and our party node, and
        // a member counted twice (this node and the next partitioner's) skews every share.
        // The leave deletes it through the new session, or says it may remain until the
        // server expires the old one (nothing else can be done about it then).
        let _ = self.party.leave();
    }

    /// One allocation (kazoo's `_child_watching` + `_allocate_transition`).
    fn allocate(self: &Arc<Self>, state_id: u64) {
        let mut locks = Vec::new();
        let Err(abort) = self.try_allocate(state_id, &mut locks) else {
            return;
        };
        if self.release_locks(locks).is_err() {
            self.fail();
            return;
        }
        match abort {
            Abort::Stale => {}
            Abort::PartyChanged => {
                let mut status = self.status();
                if status.state_id == state_id && status.state == PartitionState::Allocating {
                    status.allocate = true;
                }
            }
            Abort::Failed => self.fail(),
        }
    }

    fn try_allocate(
        self: &Arc<Self>,
        state_id: u64,
        locks: &mut Vec<Arc<Lock>>,
    ) -> std::result::Result<(), Abort> {
        let seq = self.wait_for_stable_party(state_id)?;
        let members = self.retrying(state_id, || {
            let (mut children, _) = self.client.get_children(&self.party_path).wait()?;
            children.sort();
            Ok(children
                .iter()
                .map(|child| {
                    child
                        .find('-')
                        .map_or(child.as_str(), |dash| &child[dash + 1..])
                })
                .map(str::to_string)
                .collect::<Vec<_>>())
        })?;
        let mut share: Vec<String> = Vec::new();
        let Some(partition_func) = lock(&self.partition_func).clone() else {
            return Err(Abort::Stale); // dropped: the partitioner is gone
        };
        for item in partition_func(&self.identifier, &members, &self.items) {
            if self.items.binary_search(&item).is_ok() && !share.contains(&item) {
                share.push(item);
            }
        }
        for item in &share {
            let item_lock = Arc::new(Lock::new(
                &self.client,
                &join(&self.locks_path, item),
                &self.identifier,
            ));
            loop {
                // The slot is filled before the check, so that a change made after the check
                // finds the lock to cancel.
                *lock(&self.acquiring) = Some(item_lock.clone());
                if let Err(abort) = self.check(state_id, seq) {
                    *lock(&self.acquiring) = None;
                    return Err(abort);
                }
                let acquired = item_lock.acquire(Some(self.max_reaction_time));
                *lock(&self.acquiring) = None;
                match acquired {
                    Ok(true) => break,
                    Ok(false) => {}
                    Err(_) => return Err(Abort::Failed),
                }
            }
            locks.push(item_lock);
        }
        {
            let mut status = self.status();
            check_status(&status, state_id, seq)?;
            status.held = std::mem::take(locks);
            status.partitions = share;
            self.set_state(&mut status, PartitionState::Acquired);
        }
        self.after_change();
        Ok(())
    }

    /// kazoo's PatientChildrenWatch: waits until the party's children have not changed for
    /// `time_boundary`, and returns the number of the watch that reports the next change.
    fn wait_for_stable_party(self: &Arc<Self>, state_id: u64) -> std::result::Result<u64, Abort> {
        loop {
            let seq = {
                let mut status = self.status();
                if status.finishing || status.state_id != state_id {
                    return Err(Abort::Stale);
                }
                status.watch_seq += 1;
                status.watch_fired = false;
                status.watch_seq
            };
            let weak: Weak<Shared> = Arc::downgrade(self);
            let id = self.retrying(state_id, || {
                let weak = weak.clone();
                let (_, _, id) = self
                    .client
                    .get_children_watch(&self.party_path, move |event| {
                        if let Some(shared) = weak.upgrade() {
                            shared.party_changed(seq, event);
                        }
                    })
                    .wait()?;
                Ok(id)
            })?;
            let previous = {
                let mut status = self.status();
                if status.watch_seq == seq && !status.watch_fired {
                    status.watch.replace(id)
                } else {
                    None
                }
            };
            if let Some(previous) = previous {
                let _ = self.client.remove_watch(previous).wait();
            }
            let deadline = Instant::now() + self.time_boundary;
            let mut status = self.status();
            loop {
                if status.finishing || status.state_id != state_id {
                    return Err(Abort::Stale);
                }
                if status.watch_fired {
                    break; // changed: watch again and wait another time_boundary
                }
                if Instant::now() >= deadline {
                    return Ok(seq);
                }
                status = self.wait_on(status, Some(deadline));
            }
        }
    }

    /// Runs `operation`, retrying connection losses (pausing until a state change, at most
    /// `RETRY_PAUSE`) while this allocation is current.
    fn retrying<T>(
        &self,
        state_id: u64,
        mut operation: impl FnMut() -> Result<T>,
    ) -> std::result::Result<T, Abort> {
        loop {
            match operation() {
                Ok(value) => return Ok(value),
                Err(error) if is_retryable(&error) => {
                    let deadline = Instant::now() + RETRY_PAUSE;
                    let mut status = self.status();
                    loop {
                        if status.finishing || status.state_id != state_id {
                            return Err(Abort::Stale);
                        }
                        if Instant::now() >= deadline {
                            break;
                        }
                        status = self.wait_on(status, Some(deadline));
                    }
                }
                Err(_) => return Err(Abort::Failed),
            }
        }
    }

    /// kazoo's `abort_if_needed`, as a check before each lock attempt.
    fn check(&self, state_id: u64, seq: u64) -> std::result::Result<(), Abort> {
        check_status(&self.status(), state_id, seq)
    }
}

fn check_status(status: &Status, state_id: u64, seq: u64) -> std::result::Result<(), Abort> {
    if status.finishing || status.state_id != state_id {
        Err(Abort::Stale)
    } else if status.watch_seq != seq || status.watch_fired {
        Err(Abort::PartyChanged)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn kazoo_partition_takes_every_nth_sorted_item_from_our_sorted_index() {
        let items = strings(&["e", "a", "d", "b", "c"]);
        let members = strings(&["w2", "w1"]);
        assert_eq!(kazoo_partition("w1", &members, &items), ["a", "c", "e"]);
        assert_eq!(kazoo_partition("w2", &members, &items), ["b", "d"]);
        assert_eq!(
            kazoo_partition("w1", &strings(&["w1"]), &items),
            ["a", "b", "c", "d", "e"]
        );
        let three = strings(&["c", "a", "b"]);
        assert_eq!(kazoo_partition("b", &three, &items), ["b", "e"]);
        assert!(kazoo_partition("stranger", &members, &items).is_empty());
        assert!(kazoo_partition("w1", &members, &[]).is_empty());
    }

    #[test]
    fn items_must_be_node_names() {
        for bad in ["", "a/b", "/", ".", "..", "tab\tbed"] {
            let error = validate_item(bad).unwrap_err();
            assert!(matches!(error, Error::InvalidArgument(_)), "{bad:?}");
        }
        for good in ["queue-1", "...", "a.b", "ünïcode"] {
            validate_item(good).unwrap();
        }
    }

    #[test]
    fn identifiers_must_fit_a_node_name() {
        assert!(validate_identifier("").is_err());
        assert!(validate_identifier("a/b").is_err());
        validate_identifier("host-1234").unwrap();
        let default = default_identifier();
        validate_identifier(&default).unwrap();
        assert!(default.ends_with(&format!("-{}", std::process::id())));
    }

    #[test]
    fn state_names_are_kazoos() {
        assert_eq!(PartitionState::Allocating.as_str(), "ALLOCATING");
        assert_eq!(PartitionState::Acquired.as_str(), "ACQUIRED");
        assert_eq!(PartitionState::Release.as_str(), "RELEASE");
        assert_eq!(PartitionState::Failure.as_str(), "FAILURE");
    }
}
