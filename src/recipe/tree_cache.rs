//! kazoo's (and Curator's) TreeCache: a local mirror of a subtree, kept current by watches,
//! with node-added / updated / removed, connection and initialized events.
//!
//! Every node of the subtree gets a one-shot data watch and a children watch; a missing root
//! gets an exists watch and appears when it is created. The cache's work runs on the
//! client's dispatcher, where watch events and the answers to its reads arrive in the
//! server's order. That order is what keeps the mirror right: a read answered before a
//! deletion is always handled before the deletion's event, so a deleted node can never be
//! brought back by a late answer.
//!
//! Beyond kazoo: a read that fails with a connection loss is repeated when the client is
//! connected again (kazoo re-reads the whole tree on every reconnect); after a new session
//! (whose watches start empty) the whole tree is re-read and only real differences are
//! reported; `Initialized` is announced only once every node has been read; an optional
//! maximum depth (Curator's `maxDepth`); reads that fail for other reasons (an ACL, say) are
//! reported as [`TreeEvent::Failed`] events; closing removes the cache's watches.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use super::common::lock;
use crate::client::path::{join, validate_path};
use crate::client::{Client, ListenerId, State, WatchId, WatchedEvent};
use crate::error::{Error, Result};
use crate::proto::{ErrorCode, EventType, Stat};

/// One cached node: its path (without the client's chroot), data and Stat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeData {
    /// The node's path.
    pub path: String,
    /// Its data.
    pub data: Vec<u8>,
    /// Its Stat when last read.
    pub stat: Stat,
}

/// What a [`TreeCache`] tells its listeners, in the order things happened on the server.
#[derive(Debug)]
pub enum TreeEvent {
    /// A node appeared in the cache (at start, when created, or found after a new session).
    NodeAdded(Arc<NodeData>),
    /// A cached node's data changed (its Stat's `mzxid` moved).
    NodeUpdated(Arc<NodeData>),
    /// A cached node was deleted; the data is what the cache last held. Children are
    /// reported before their parent.
    NodeRemoved(Arc<NodeData>),
    /// The connection was lost; the cache keeps its data and catches up on reconnection.
    ConnectionSuspended,
    /// The connection is back (same session, or a new one after `ConnectionLost`).
    ConnectionReconnected,
    /// The session ended; after the next `ConnectionReconnected` the tree is re-read and
    /// `Initialized` comes again.
    ConnectionLost,
    /// Every node of the subtree has been read (once after start, and again after each new
    /// session).
    Initialized,
    /// Reading `path` failed for a reason other than the connection (for example `NO_AUTH`);
    /// the node stays as it was cached.
    Failed {
        /// The node that could not be read.
        path: String,
        /// Why.
        error: Error,
    },
}

/// A listener of a [`TreeCache`]: runs on the client's dispatcher thread, one event at a time,
/// in order. It may call the client and the cache (`get_data`, `close`…).
pub type TreeListener = Arc<dyn Fn(&TreeEvent) + Send + Sync + 'static>;

/// Options of a [`TreeCache`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TreeCacheOptions {
    /// How deep below the root nodes are cached: `Some(0)` the root only, `Some(1)` the root
    /// and its children, `None` (the default) every level.
    pub max_depth: Option<usize>,
}

/// A local mirror of the subtree at a path. Build it, add listeners, [`TreeCache::start`] it;
/// dropping it closes it. Thread-safe.
pub struct TreeCache {
    inner: Arc<Inner>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Latent,
    Started,
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NodeState {
    /// Known to exist (or just created), not read yet.
    Pending,
    Live,
    /// The root only: it does not exist; an exists watch waits for it.
    Dead,
}

/// The three reads the cache makes, each with a one-shot watch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Read {
    Exists,
    Data,
    Children,
}

struct Node {
    depth: usize,
    state: NodeState,
    data: Option<Arc<NodeData>>,
    children: BTreeSet<String>,
    /// A data (or, for a dead root, exists) read failed with a connection error.
    stale_data: bool,
    /// A children read failed with a connection error.
    stale_children: bool,
}

impl Node {
    fn new(depth: usize) -> Node {
        Node {
            depth,
            state: NodeState::Pending,
            data: None,
            children: BTreeSet::new(),
            stale_data: false,
            stale_children: false,
        }
    }
}

struct Tree {
    phase: Phase,
    nodes: HashMap<String, Node>,
    /// Reads sent and not answered yet.
    outstanding: usize,
    initialized: bool,
    /// The session ended: on the next connection, re-read everything.
    session_lost: bool,
    /// The watches the cache set and that have not fired, by token.
    watches: HashMap<u64, (WatchId, Read)>,
    next_token: u64,
}

struct Inner {
    client: Client,
    root: String,
    options: TreeCacheOptions,
    tree: Mutex<Tree>,
    listeners: Mutex<Vec<(u64, TreeListener)>>,
    next_listener: AtomicU64,
    state_listener: Mutex<Option<ListenerId>>,
}

/// Connection errors: the read is repeated once the client is connected.
fn is_connection_error(error: &Error) -> bool {
    matches!(error, Error::Closed)
        || error.is(ErrorCode::CONNECTION_LOSS)
        || error.is(ErrorCode::SESSION_EXPIRED)
        || error.is(ErrorCode::OPERATION_TIMEOUT)
        || error.is(ErrorCode::SESSION_MOVED)
}

impl TreeCache {
    /// A cache of the subtree at `path` (kazoo's `TreeCache(client, path)`). Nothing is read
    /// until [`TreeCache::start`]. The root need not exist: it is cached once created.
    pub fn new(client: &Client, path: &str, options: TreeCacheOptions) -> Result<TreeCache> {
        validate_path(path, false)?;
        let mut nodes = HashMap::new();
        nodes.insert(path.to_string(), Node::new(0));
        Ok(TreeCache {
            inner: Arc::new(Inner {
                client: client.clone(),
                root: path.to_string(),
                options,
                tree: Mutex::new(Tree {
                    phase: Phase::Latent,
                    nodes,
                    outstanding: 0,
                    initialized: false,
                    session_lost: false,
                    watches: HashMap::new(),
                    next_token: 0,
                }),
                listeners: Mutex::new(Vec::new()),
                next_listener: AtomicU64::new(1),
                state_listener: Mutex::new(None),
            }),
        })
    }

    /// Adds a listener (kazoo's `listen`); add them before `start` to see every event.
    /// Returns an id for [`TreeCache::unlisten`].
    pub fn listen(&self, listener: impl Fn(&TreeEvent) + Send + Sync + 'static) -> u64 {
        let id = self.inner.next_listener.fetch_add(1, Ordering::Relaxed);
        lock(&self.inner.listeners).push((id, Arc::new(listener)));
        id
    }

    /// Removes a listener; false if it was not there. An event being delivered to it may
    /// still arrive on the dispatcher thread.
    pub fn unlisten(&self, id: u64) -> bool {
        let mut listeners = lock(&self.inner.listeners);
        let before = listeners.len();
        listeners.retain(|(listener, _)| *listener != id);
        listeners.len() != before
    }

    /// Starts mirroring: reads the root (and, as they are found, every node below it) and
    /// keeps the copy current. Fails when already started or closed. Returns at once; the
    /// `Initialized` event says when the first copy is complete.
    pub fn start(&self) -> Result<()> {
        let inner = &self.inner;
        let weak = Arc::downgrade(inner);
        let listener = inner.client.add_listener(move |state, _| {
            if let Some(inner) = weak.upgrade() {
                inner.handle(|inner, tree, events| inner.state_changed(tree, events, state));
            }
        });
        let mut tree = lock(&inner.tree);
        match tree.phase {
            Phase::Latent => {}
            phase => {
                drop(tree);
                inner.client.remove_listener(listener);
                let what = if phase == Phase::Started {
                    "started"
                } else {
                    "closed"
                };
                return Err(Error::InvalidArgument(format!(
                    "the tree cache is already {what}"
                )));
            }
        }
        tree.phase = Phase::Started;
        *lock(&inner.state_listener) = Some(listener);
        let mut events = Vec::new();
        let root = inner.root.clone();
        inner.refresh(&mut tree, &mut events, &root);
        drop(tree);
        inner.publish(events);
        Ok(())
    }

    /// Stops mirroring (kazoo's `close`): no event is delivered afterwards, the cached nodes are
    /// dropped and the cache's watches removed. It cannot be started again. Closing twice is
    /// fine.
    pub fn close(&self) {
        self.inner.close();
    }

    /// The cached data of `path` (kazoo's `get_data`), or `None` when the node is not in the
    /// cache (missing, or not read yet). [`Error::InvalidArgument`] when `path` is outside the
    /// subtree.
    pub fn get_data(&self, path: &str) -> Result<Option<Arc<NodeData>>> {
        self.inner.check_inside(path)?;
        let tree = lock(&self.inner.tree);
        Ok(tree
            .nodes
            .get(path)
            .filter(|node| node.state == NodeState::Live)
            .and_then(|node| node.data.clone()))
    }

    /// The cached children names of `path`, sorted (kazoo's `get_children`), or `None` when
    /// the node is not in the cache. Beyond the maximum depth a node has no cached children.
    pub fn get_children(&self, path: &str) -> Result<Option<Vec<String>>> {
        self.inner.check_inside(path)?;
        let tree = lock(&self.inner.tree);
        Ok(tree
            .nodes
            .get(path)
            .filter(|node| node.state == NodeState::Live)
            .map(|node| node.children.iter().cloned().collect()))
    }

    /// How many nodes the cache holds (read and present).
    pub fn len(&self) -> usize {
        let tree = lock(&self.inner.tree);
        tree.nodes
            .values()
            .filter(|node| node.state == NodeState::Live)
            .count()
    }

    /// True when the cache holds no node.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True once the first complete copy has been made (and again after a new session's).
    pub fn is_initialized(&self) -> bool {
        lock(&self.inner.tree).initialized
    }

    /// The root path.
    pub fn path(&self) -> &str {
        &self.inner.root
    }
}

impl Drop for TreeCache {
    fn drop(&mut self) {
        self.inner.close();
    }
}

impl Inner {
    fn check_inside(&self, path: &str) -> Result<()> {
        let inside = path == self.root
            || path
                .strip_prefix(self.root.as_str())
                .is_some_and(|rest| self.root == "/" || rest.starts_with('/'));
        if inside {
            Ok(())
        } else {
            Err(Error::InvalidArgument(format!(
                "{path:?} is outside the cached tree {:?}",
                self.root
            )))
        }
    }

    /// Runs `work` on the tree (unless closed), then tells the listeners what it produced.
    fn handle(self: &Arc<Self>, work: impl FnOnce(&Arc<Self>, &mut Tree, &mut Vec<TreeEvent>)) {
        let mut events = Vec::new();
        {
            let mut tree = lock(&self.tree);
            if tree.phase != Phase::Started {
                return;
            }
            work(self, &mut tree, &mut events);
            if tree.outstanding == 0 && !tree.initialized && !tree.session_lost {
                let stale = tree
                    .nodes
                    .values()
                    .any(|node| node.stale_data || node.stale_children);
                if !stale {
                    tree.initialized = true;
                    events.push(TreeEvent::Initialized);
                }
            }
        }
        self.publish(events);
    }

    fn publish(&self, events: Vec<TreeEvent>) {
        if events.is_empty() {
            return;
        }
        let listeners: Vec<TreeListener> = lock(&self.listeners)
            .iter()
            .map(|(_, listener)| listener.clone())
            .collect();
        for event in &events {
            if lock(&self.tree).phase == Phase::Closed {
                return;
            }
            for listener in &listeners {
                listener(event);
            }
        }
    }

    fn close(&self) {
        let watches: Vec<WatchId> = {
            let mut tree = lock(&self.tree);
            if tree.phase == Phase::Closed {
                return;
            }
            tree.phase = Phase::Closed;
            tree.nodes.clear();
            tree.initialized = false;
            tree.watches.drain().map(|(_, (id, _))| id).collect()
        };
        if let Some(listener) = lock(&self.state_listener).take() {
            self.client.remove_listener(listener);
        }
        if !watches.is_empty() {
            let client = self.client.clone();
            crate::runtime::handle().spawn(async move {
                for id in watches {
                    let _ = client.remove_watch(id).await;
                }
            });
        }
    }

    /// True above the maximum depth: the node's children are cached too.
    fn caches_children_of(&self, node: &Node) -> bool {
        self.options.max_depth.map_or(true, |max| node.depth < max)
    }

    /// Reads a node's data and, above the maximum depth, its children.
    fn refresh(self: &Arc<Self>, tree: &mut Tree, events: &mut Vec<TreeEvent>, path: &str) {
        let Some(node) = tree.nodes.get(path) else {
            return;
        };
        let below_limit = self.caches_children_of(node);
        self.read(tree, events, path, Read::Data);
        if below_limit {
            self.read(tree, events, path, Read::Children);
        }
    }

    /// Sends one watching read of `path`; its answer and its watch come back through
    /// `handle`, in server order.
    fn read(
        self: &Arc<Self>,
        tree: &mut Tree,
        events: &mut Vec<TreeEvent>,
        path: &str,
        read: Read,
    ) {
        let token = tree.next_token;
        tree.next_token += 1;
        let weak = Arc::downgrade(self);
        let watcher = {
            let weak = weak.clone();
            move |event: WatchedEvent| {
                if let Some(inner) = weak.upgrade() {
                    inner.handle(|inner, tree, events| {
                        inner.watch_fired(tree, events, token, event)
                    });
                }
            }
        };
        let answer = move |inner: Weak<Inner>, path: String, result: Result<Answer>| {
            if let Some(inner) = inner.upgrade() {
                inner.handle(|inner, tree, events| {
                    inner.answered(tree, events, token, read, &path, result)
                });
            }
        };
        let client = &self.client;
        let owned = path.to_string();
        let sent = match read {
            Read::Exists => client.submit_exists_watch(path, watcher, move |result| {
                answer(weak, owned, result.map(Answer::Exists))
            }),
            Read::Data => client.submit_get_watch(path, watcher, move |result| {
                answer(
                    weak,
                    owned,
                    result.map(|(data, stat)| Answer::Data(data, stat)),
                )
            }),
            Read::Children => client.submit_get_children_watch(path, watcher, move |result| {
                answer(
                    weak,
                    owned,
                    result.map(|(children, _)| Answer::Children(children)),
                )
            }),
        };
        match sent {
            Ok(id) => {
                tree.outstanding += 1;
                tree.watches.insert(token, (id, read));
            }
            Err(error) => self.failed(tree, events, path, read, error),
        }
    }

    /// A read failed: repeat it when connected again, or report it.
    fn failed(
        &self,
        tree: &mut Tree,
        events: &mut Vec<TreeEvent>,
        path: &str,
        read: Read,
        error: Error,
    ) {
        if !is_connection_error(&error) {
            events.push(TreeEvent::Failed {
                path: path.to_string(),
                error,
            });
            return;
        }
        if let Some(node) = tree.nodes.get_mut(path) {
            match read {
                Read::Children => node.stale_children = true,
                Read::Data | Read::Exists => node.stale_data = true,
            }
        }
    }

    fn watch_fired(
        self: &Arc<Self>,
        tree: &mut Tree,
        events: &mut Vec<TreeEvent>,
        token: u64,
        event: WatchedEvent,
    ) {
        let Some((_, read)) = tree.watches.remove(&token) else {
            return;
        };
        let path = event.path.as_str();
        match event.event_type {
            EventType::NodeDeleted => self.deleted(tree, events, path),
            // The root's exists watch: only its creation matters (its data watch covers
            // changes once it is read).
            EventType::NodeCreated => {
                if let Some(root) = tree.nodes.get_mut(path) {
                    if root.state == NodeState::Dead {
                        root.state = NodeState::Pending;
                        self.refresh(tree, events, path);
                    }
                }
            }
            EventType::NodeDataChanged if read == Read::Data && tree.nodes.contains_key(path) => {
                self.read(tree, events, path, Read::Data);
            }
            EventType::NodeChildrenChanged if tree.nodes.contains_key(path) => {
                self.read(tree, events, path, Read::Children);
            }
            // A session event (the watch is gone; a new session re-reads everything), a data
            // change seen by the root's exists watch, or a change of a node no longer cached.
            _ => {}
        }
    }

    fn answered(
        self: &Arc<Self>,
        tree: &mut Tree,
        events: &mut Vec<TreeEvent>,
        token: u64,
        read: Read,
        path: &str,
        result: Result<Answer>,
    ) {
        tree.outstanding = tree.outstanding.saturating_sub(1);
        let answer = match result {
            Ok(answer) => answer,
            Err(error) => {
                // The read failed, so it set no watch.
                tree.watches.remove(&token);
                if error.is(ErrorCode::NO_NODE) {
                    self.deleted(tree, events, path);
                } else {
                    self.failed(tree, events, path, read, error);
                }
                return;
            }
        };
        let Some(node) = tree.nodes.get_mut(path) else {
            // Deleted (and reported) before this answer was handled.
            return;
        };
        match answer {
            Answer::Exists(stat) => {
                if stat.is_some() && node.state == NodeState::Dead {
                    node.state = NodeState::Pending;
                    self.refresh(tree, events, path);
                }
            }
            // A dead root waits for its exists watch; an older read's answer is ignored.
            _ if node.state == NodeState::Dead => {}
            Answer::Data(data, stat) => {
                let new = Arc::new(NodeData {
                    path: path.to_string(),
                    data,
                    stat,
                });
                let old = node.data.replace(new.clone());
                let was_live =
                    std::mem::replace(&mut node.state, NodeState::Live) == NodeState::Live;
                if !was_live {
                    events.push(TreeEvent::NodeAdded(new));
                } else if old.map_or(true, |old| old.stat.mzxid != stat.mzxid) {
                    events.push(TreeEvent::NodeUpdated(new));
                }
            }
            Answer::Children(mut children) => {
                let depth = node.depth + 1;
                children.sort();
                let found: Vec<String> = children
                    .into_iter()
                    .filter(|child| node.children.insert(child.clone()))
                    .collect();
                for child in found {
                    let child_path = join(path, &child);
                    tree.nodes.insert(child_path.clone(), Node::new(depth));
                    self.refresh(tree, events, &child_path);
                }
            }
        }
    }

    /// `path` was deleted: drop it and everything below it (children first), telling the
    /// listeners about each node that was read. The root stays as dead and waits for its
    /// creation.
    fn deleted(self: &Arc<Self>, tree: &mut Tree, events: &mut Vec<TreeEvent>, path: &str) {
        let is_root = path == self.root;
        let Some(node) = tree.nodes.get_mut(path) else {
            return;
        };
        if node.state == NodeState::Dead {
            return;
        }
        let children = std::mem::take(&mut node.children);
        for child in children {
            self.deleted(tree, events, &join(path, &child));
        }
        let Some(node) = tree.nodes.get_mut(path) else {
            return;
        };
        let old_state = node.state;
        let old_data = node.data.take();
        if old_state == NodeState::Live {
            if let Some(data) = old_data {
                events.push(TreeEvent::NodeRemoved(data));
            }
        }
        if is_root {
            node.state = NodeState::Dead;
            node.stale_data = false;
            node.stale_children = false;
            self.read(tree, events, path, Read::Exists);
        } else {
            tree.nodes.remove(path);
            let parent = crate::client::path::parent(path);
            if let Some(parent) = tree.nodes.get_mut(parent) {
                if let Some(name) = path.rsplit('/').next() {
                    parent.children.remove(name);
                }
            }
        }
    }

    fn state_changed(self: &Arc<Self>, tree: &mut Tree, events: &mut Vec<TreeEvent>, state: State) {
        match state {
            State::Suspended => events.push(TreeEvent::ConnectionSuspended),
            State::Lost => {
                tree.session_lost = true;
                tree.initialized = false;
                events.push(TreeEvent::ConnectionLost);
            }
            State::Connected => {
                let everything = std::mem::take(&mut tree.session_lost);
                let mut paths: Vec<(usize, String, bool, bool)> = tree
                    .nodes
                    .iter_mut()
                    .map(|(path, node)| {
                        let data = everything || std::mem::take(&mut node.stale_data);
                        let children = everything || std::mem::take(&mut node.stale_children);
                        node.stale_data &= !everything;
                        node.stale_children &= !everything;
                        (node.depth, path.clone(), data, children)
                    })
                    .filter(|(_, _, data, children)| *data || *children)
                    .collect();
                paths.sort();
                if everything {
                    // The old session's watches are gone with it.
                    tree.watches.clear();
                }
                for (_, path, data, children) in paths {
                    let Some(node) = tree.nodes.get(&path) else {
                        continue;
                    };
                    let below_limit = self.caches_children_of(node);
                    if node.state == NodeState::Dead {
                        self.read(tree, events, &path, Read::Exists);
                        continue;
                    }
                    if data {
                        self.read(tree, events, &path, Read::Data);
                    }
                    if children && below_limit {
                        self.read(tree, events, &path, Read::Children);
                    }
                }
                events.push(TreeEvent::ConnectionReconnected);
            }
        }
    }
}

/// What a read brought back.
enum Answer {
    Exists(Option<Stat>),
    Data(Vec<u8>, Stat),
    Children(Vec<String>),
}
