//! DataWatch and ChildrenWatch with kazoo's semantics: the callback runs at once with the
//! current value, then after every change, until it returns false or the watch is cancelled.
//!
//! Beyond kazoo: both follow their node through deletion and re-creation (a missing node is
//! reported as `None`, and its creation awaited); after a reconnect or a new session each
//! re-reads and calls back only if something changed; `cancel` works from any thread, the
//! watch's own callback included.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use super::common::lock;

use crate::client::{Client, ListenerId, State, WatchId, WatchedEvent};
use crate::error::Result;
use crate::proto::{ErrorCode, EventType, Stat};
use crate::runtime::Wait;

/// A one-shot watcher, boxed.
type Watcher = Box<dyn FnOnce(WatchedEvent) + Send + 'static>;
/// Reads the node's value and sets a one-shot watch on it.
type Read<V> = fn(&Client, &str, Watcher) -> Result<(V, Stat, WatchId)>;
/// The user's callback: the value and its node's Stat (`None`: no node), and the event that
/// caused the call (`None` for the first call and for re-reads after a reconnect).
pub type Callback<V> =
    Box<dyn FnMut(Option<(&V, &Stat)>, Option<&WatchedEvent>) -> bool + Send + 'static>;

/// What was last reported: (czxid, change zxid) of the node, or `None` for no node.
type Seen = Option<(i64, i64)>;

/// A watch that keeps calling back with the current value of one node.
/// [`DataWatch`] (the node's data) and [`ChildrenWatch`] (its children) are the two kinds.
pub struct NodeWatch<V: Send + 'static> {
    inner: Arc<Inner<V>>,
}

/// Calls back with a node's data and Stat after every change.
pub type DataWatch = NodeWatch<Vec<u8>>;
/// Calls back with a node's children after every change of them.
pub type ChildrenWatch = NodeWatch<Vec<String>>;

struct Inner<V: Send + 'static> {
    client: Client,
    path: String,
    read: Read<V>,
    /// Which zxid of the Stat marks a change of this kind of value.
    changed_at: fn(&Stat) -> i64,
    /// Held while reading and calling back: one refresh at a time.
    callback: Mutex<(Callback<V>, Option<Seen>)>,
    cancelled: AtomicBool,
    /// No watch is armed (the session ended, or a read failed): re-read when connected.
    needs_read: AtomicBool,
    watch: Mutex<Option<WatchId>>,
    listener: Mutex<Option<ListenerId>>,
}

impl DataWatch {
    /// Watches the data of `path`. `callback` runs now, on this thread, then on the client's
    /// dispatcher after every change; it returns false to stop. Fails (without calling back)
    /// if the first read fails.
    pub fn new(
        client: &Client,
        path: &str,
        callback: impl FnMut(Option<(&Vec<u8>, &Stat)>, Option<&WatchedEvent>) -> bool + Send + 'static,
    ) -> Result<DataWatch> {
        fn read(client: &Client, path: &str, watcher: Watcher) -> Result<(Vec<u8>, Stat, WatchId)> {
            client.get_watch(path, watcher).wait()
        }
        NodeWatch::start(client, path, read, |stat| stat.mzxid, Box::new(callback))
    }
}

impl ChildrenWatch {
    /// Watches the children of `path` (sorted). `callback` runs now, on this thread, then on
    /// the client's dispatcher after every change; it returns false to stop. Unlike kazoo, the
    /// node's deletion is reported (`None`) and the watch resumes when it is created again.
    pub fn new(
        client: &Client,
        path: &str,
        callback: impl FnMut(Option<(&Vec<String>, &Stat)>, Option<&WatchedEvent>) -> bool
            + Send
            + 'static,
    ) -> Result<ChildrenWatch> {
        fn read(
            client: &Client,
            path: &str,
            watcher: Watcher,
        ) -> Result<(Vec<String>, Stat, WatchId)> {
            let (mut children, stat, id) = client.get_children_watch(path, watcher).wait()?;
            children.sort();
            Ok((children, stat, id))
        }
        NodeWatch::start(client, path, read, |stat| stat.pzxid, Box::new(callback))
    }
}

impl<V: Send + 'static> NodeWatch<V> {
    fn start(
        client: &Client,
        path: &str,
        read: Read<V>,
        changed_at: fn(&Stat) -> i64,
        callback: Callback<V>,
    ) -> Result<Self> {
        let inner = Arc::new(Inner {
            client: client.clone(),
            path: path.to_string(),
            read,
            changed_at,
            callback: Mutex::new((callback, None)),
            cancelled: AtomicBool::new(false),
            needs_read: AtomicBool::new(false),
            watch: Mutex::new(None),
            listener: Mutex::new(None),
        });
        let on_state = Arc::downgrade(&inner);
        let listener = client.add_listener(move |state, _| {
            if let Some(inner) = on_state.upgrade() {
                if state == State::Connected && inner.needs_read.swap(false, Ordering::SeqCst) {
                    inner.refresh(None);
                }
            }
        });
        *lock(&inner.listener) = Some(listener);
        if let Err(error) = inner.read_and_report(None) {
            inner.cancel();
            return Err(error);
        }
        Ok(NodeWatch { inner })
    }

    /// Stops the watch: no callback starts afterwards (one under way on another thread
    /// finishes). Safe from any thread, inside the callback too, and more than once.
    pub fn cancel(&self) {
        self.inner.cancel();
    }

    /// True once cancelled, or once the callback returned false.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::SeqCst)
    }
}

impl<V: Send + 'static> Inner<V> {
    fn cancel(&self) {
        if self.cancelled.swap(true, Ordering::SeqCst) {
            return;
        }
        if let Some(listener) = lock(&self.listener).take() {
            self.client.remove_listener(listener);
        }
        self.forget_watch();
    }

    fn forget_watch(&self) {
        if let Some(id) = lock(&self.watch).take() {
            let _ = self.client.remove_watch(id).wait();
        }
    }

    /// The one-shot watcher that brings the next change back here.
    fn watcher(self: &Arc<Self>) -> Watcher {
        let inner = self.clone();
        Box::new(move |event: WatchedEvent| {
            if event.event_type == EventType::None {
                // The session ended and took the watch with it: read again once connected.
                inner.needs_read.store(true, Ordering::SeqCst);
                if inner.client.state() == State::Connected
                    && inner.needs_read.swap(false, Ordering::SeqCst)
                {
                    inner.refresh(None);
                }
            } else {
                inner.refresh(Some(event));
            }
        })
    }

    fn refresh(self: &Arc<Self>, event: Option<WatchedEvent>) {
        if self.read_and_report(event).is_err() {
            // No watch is armed now; the next CONNECTED brings a re-read.
            self.needs_read.store(true, Ordering::SeqCst);
            if self.client.state() == State::Connected
                && self.needs_read.swap(false, Ordering::SeqCst)
            {
                let _ = self.read_and_report(None);
            }
        }
    }

    /// Reads the value, arms the next watch, and calls back if anything changed since the
    /// last report.
    fn read_and_report(self: &Arc<Self>, event: Option<WatchedEvent>) -> Result<()> {
        let mut guard = lock(&self.callback);
        if self.cancelled.load(Ordering::SeqCst) {
            return Ok(());
        }
        let (value, seen) = loop {
            match (self.read)(&self.client, &self.path, self.watcher()) {
                Ok((value, stat, id)) => {
                    self.armed(id);
                    let seen = Some((stat.czxid, (self.changed_at)(&stat)));
                    break (Some((value, stat)), seen);
                }
                Err(error) if error.is(ErrorCode::NO_NODE) => {
                    match self
                        .client
                        .exists_watch(&self.path, self.watcher())
                        .wait()?
                    {
                        (None, id) => {
                            self.armed(id);
                            break (None, None);
                        }
                        // Created in between: read it (this watch would duplicate the next).
                        (Some(_), id) => {
                            let _ = self.client.remove_watch(id).wait();
                        }
                    }
                }
                Err(error) => return Err(error),
            }
        };
        let (callback, last) = &mut *guard;
        if *last == Some(seen) {
            return Ok(()); // nothing changed since the last report
        }
        *last = Some(seen);
        let keep_going = callback(
            value.as_ref().map(|(value, stat)| (value, stat)),
            event.as_ref(),
        );
        drop(guard);
        if !keep_going {
            self.cancel();
        }
        Ok(())
    }

    fn armed(&self, id: WatchId) {
        *lock(&self.watch) = Some(id);
        if self.cancelled.load(Ordering::SeqCst) {
            self.forget_watch();
        }
    }
}
