//! The watch registry: which watchers wait on which paths, registered when the server's reply
//! confirms them, fired by notifications, re-armed after a reconnect (SetWatches), and told
//! when the session ends.

use std::collections::HashMap;
use std::sync::Arc;

use crate::proto::{
    encode_request, EventType, KeeperState, OpCode, SetWatches, SetWatches2, WatcherEvent,
    SET_WATCHES_XID,
};

/// What a watcher receives: the event type, the keeper state and the server-side path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchEvent {
    /// Created, deleted, changed, children changed; `None` for session events.
    pub event_type: EventType,
    /// The keeper state when the event happened.
    pub state: KeeperState,
    /// The server-side path (chroot included).
    pub path: String,
}

/// A one-shot watcher: called at most once.
pub type OnceWatcher = Box<dyn FnOnce(WatchEvent) + Send + 'static>;
/// A persistent watcher: called for every matching event until removed.
pub type PersistentWatcher = Arc<dyn Fn(WatchEvent) + Send + Sync + 'static>;

/// The kinds of watch the server knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WatchKind {
    /// Set by getData (and by exists on an existing node).
    Data,
    /// Set by exists on a missing node.
    Exist,
    /// Set by getChildren.
    Child,
    /// addWatch, persistent.
    Persistent,
    /// addWatch, persistent and recursive.
    PersistentRecursive,
}

/// A watcher to register when its request succeeds.
pub enum PendingWatch {
    /// A one-shot watch: `kind` on success; for exists, an exist watch on no-node.
    Once {
        /// The server path.
        path: String,
        /// The kind registered when the reply is OK.
        kind: WatchKind,
        /// The identity used to remove it.
        id: u64,
        /// The watcher.
        watcher: OnceWatcher,
        /// Run on the network thread the moment it fires, ahead of the dispatcher queue
        /// (for watchers that only wake a waiting thread).
        inline: bool,
    },
    /// A persistent (or recursive) watch from addWatch.
    Persistent {
        /// The server path.
        path: String,
        /// Persistent or recursive.
        recursive: bool,
        /// The identity used to remove it.
        id: u64,
        /// The watcher.
        watcher: PersistentWatcher,
    },
}

impl WatchKind {
    /// The server's watcher type of this kind (exist and data watches are both data watches
    /// on the server).
    pub fn server_type(self) -> i32 {
        match self {
            WatchKind::Data | WatchKind::Exist => 2,
            WatchKind::Child => 1,
            WatchKind::Persistent => 4,
            WatchKind::PersistentRecursive => 5,
        }
    }
}

impl PendingWatch {
    /// True when this watch, once confirmed, is a server watch of the same type on `path` as
    /// one of `kind`.
    pub fn same_server_watch(&self, kind: WatchKind, path: &str) -> bool {
        match self {
            PendingWatch::Once {
                path: own,
                kind: own_kind,
                ..
            } => own == path && own_kind.server_type() == kind.server_type(),
            PendingWatch::Persistent {
                path: own,
                recursive,
                ..
            } => {
                let own_kind = if *recursive {
                    WatchKind::PersistentRecursive
                } else {
                    WatchKind::Persistent
                };
                own == path && own_kind == kind
            }
        }
    }
}

enum Registered {
    Once(OnceWatcher),
    /// A one-shot watcher run on the network thread (see `PendingWatch::Once::inline`).
    Inline(OnceWatcher),
    Persistent(PersistentWatcher),
}

#[derive(Default)]
struct Entries(Vec<(u64, Registered)>);

/// Every watch of one session.
#[derive(Default)]
pub struct WatchRegistry {
    kinds: HashMap<WatchKind, HashMap<String, Entries>>,
}

/// A watcher taken out of the registry, with the event it is to receive.
pub struct Fired {
    watcher: Registered,
    event: WatchEvent,
}

impl Fired {
    /// Calls the watcher.
    pub fn run(self) {
        match self.watcher {
            Registered::Once(watcher) | Registered::Inline(watcher) => watcher(self.event),
            Registered::Persistent(watcher) => watcher(self.event),
        }
    }

    /// True for a watcher to be run on the network thread, not on the dispatcher.
    pub fn is_inline(&self) -> bool {
        matches!(self.watcher, Registered::Inline(_))
    }
}

/// Paths in one SetWatches packet stay under this many bytes (the server reads at most 1 MiB).
const SET_WATCHES_BATCH_BYTES: usize = 128 << 10;

impl WatchRegistry {
    fn insert(&mut self, kind: WatchKind, path: String, id: u64, watcher: Registered) {
        self.kinds
            .entry(kind)
            .or_default()
            .entry(path)
            .or_default()
            .0
            .push((id, watcher));
    }

    /// Registers `pending` after its request returned `err` (0 = OK). Returns the watcher back
    /// when nothing was registered, so the caller can drop it outside any lock.
    pub fn confirm(&mut self, pending: PendingWatch, err: i32) -> Option<PendingWatch> {
        const NO_NODE: i32 = -101;
        match pending {
            PendingWatch::Once {
                path,
                kind,
                id,
                watcher,
                inline,
            } => {
                let kind = match (err, kind) {
                    (0, WatchKind::Exist) => WatchKind::Data,
                    (0, kind) => kind,
                    (NO_NODE, WatchKind::Exist) => WatchKind::Exist,
                    _ => {
                        return Some(PendingWatch::Once {
                            path,
                            kind,
                            id,
                            watcher,
                            inline,
                        })
                    }
                };
                let watcher = if inline {
                    Registered::Inline(watcher)
                } else {
                    Registered::Once(watcher)
                };
                self.insert(kind, path, id, watcher);
                None
            }
            PendingWatch::Persistent {
                path,
                recursive,
                id,
                watcher,
            } => {
                if err != 0 {
                    return Some(PendingWatch::Persistent {
                        path,
                        recursive,
                        id,
                        watcher,
                    });
                }
                let kind = if recursive {
                    WatchKind::PersistentRecursive
                } else {
                    WatchKind::Persistent
                };
                self.insert(kind, path, id, Registered::Persistent(watcher));
                None
            }
        }
    }

    fn take_once(&mut self, kind: WatchKind, path: &str, event: &WatchEvent, out: &mut Vec<Fired>) {
        if let Some(entries) = self
            .kinds
            .get_mut(&kind)
            .and_then(|paths| paths.remove(path))
        {
            out.extend(entries.0.into_iter().map(|(_, watcher)| Fired {
                watcher,
                event: event.clone(),
            }));
        }
    }

    fn copy_persistent(
        &self,
        kind: WatchKind,
        path: &str,
        event: &WatchEvent,
        out: &mut Vec<Fired>,
    ) {
        let Some(entries) = self.kinds.get(&kind).and_then(|paths| paths.get(path)) else {
            return;
        };
        for (_, watcher) in &entries.0 {
            if let Registered::Persistent(watcher) = watcher {
                out.push(Fired {
                    watcher: Registered::Persistent(watcher.clone()),
                    event: event.clone(),
                });
            }
        }
    }

    /// The watchers a notification fires (one-shot ones are removed), following the rules
    /// of ZooKeeper's own client.
    pub fn fire(&mut self, notification: &WatcherEvent) -> Vec<Fired> {
        let Some(event_type) = EventType::from_i32(notification.event_type) else {
            return Vec::new();
        };
        let state = KeeperState::from_i32(notification.state).unwrap_or(KeeperState::SyncConnected);
        let path = notification.path.as_str();
        let event = WatchEvent {
            event_type,
            state,
            path: path.to_string(),
        };
        let mut fired = Vec::new();
        match event_type {
            EventType::NodeCreated | EventType::NodeDataChanged => {
                self.take_once(WatchKind::Data, path, &event, &mut fired);
                self.take_once(WatchKind::Exist, path, &event, &mut fired);
            }
            EventType::NodeDeleted => {
                self.take_once(WatchKind::Data, path, &event, &mut fired);
                self.take_once(WatchKind::Exist, path, &event, &mut fired);
                self.take_once(WatchKind::Child, path, &event, &mut fired);
            }
            EventType::NodeChildrenChanged => {
                self.take_once(WatchKind::Child, path, &event, &mut fired)
            }
            _ => {}
        }
        self.copy_persistent(WatchKind::Persistent, path, &event, &mut fired);
        if event_type != EventType::NodeChildrenChanged {
            for ancestor in ancestors_and_self(path) {
                self.copy_persistent(WatchKind::PersistentRecursive, ancestor, &event, &mut fired);
            }
        }
        fired
    }

    /// Removes one registration by id; returns it (to be dropped outside any lock), its kind,
    /// its path, and whether another watcher of that kind remains on that path.
    pub fn remove(
        &mut self,
        id: u64,
    ) -> Option<(WatchKind, String, bool, Box<dyn std::any::Any + Send>)> {
        for (kind, paths) in self.kinds.iter_mut() {
            let found = paths.iter_mut().find_map(|(path, entries)| {
                entries
                    .0
                    .iter()
                    .position(|(each, _)| *each == id)
                    .map(|index| (path.clone(), index))
            });
            if let Some((path, index)) = found {
                let entries = paths.get_mut(&path).expect("the path was just found");
                let (_, watcher) = entries.0.remove(index);
                let others = !entries.0.is_empty();
                if !others {
                    paths.remove(&path);
                }
                let watcher: Box<dyn std::any::Any + Send> = match watcher {
                    Registered::Once(watcher) | Registered::Inline(watcher) => Box::new(watcher),
                    Registered::Persistent(watcher) => Box::new(watcher),
                };
                return Some((*kind, path, others, watcher));
            }
        }
        None
    }

    /// Removes every watcher of `kinds` on `path`; returns them, to be dropped outside any
    /// lock.
    pub fn remove_path(
        &mut self,
        path: &str,
        kinds: &[WatchKind],
    ) -> Vec<Box<dyn std::any::Any + Send>> {
        let mut removed: Vec<Box<dyn std::any::Any + Send>> = Vec::new();
        for kind in kinds {
            if let Some(entries) = self
                .kinds
                .get_mut(kind)
                .and_then(|paths| paths.remove(path))
            {
                for (_, watcher) in entries.0 {
                    match watcher {
                        Registered::Once(watcher) | Registered::Inline(watcher) => {
                            removed.push(Box::new(watcher))
                        }
                        Registered::Persistent(watcher) => removed.push(Box::new(watcher)),
                    }
                }
            }
        }
        removed
    }

    /// Takes every watcher out with a session event (`state` = expired, closed, auth failed):
    /// each is told once, and none is left waiting.
    pub fn drain(&mut self, state: KeeperState) -> Vec<Fired> {
        let mut fired = Vec::new();
        for (_, paths) in self.kinds.drain() {
            for (path, entries) in paths {
                let event = WatchEvent {
                    event_type: EventType::None,
                    state,
                    path,
                };
                fired.extend(entries.0.into_iter().map(|(_, watcher)| Fired {
                    watcher,
                    event: event.clone(),
                }));
            }
        }
        fired
    }

    /// True when nothing is registered.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.kinds.values().all(HashMap::is_empty)
    }

    /// How many registrations there are (for tests and diagnostics).
    pub fn len(&self) -> usize {
        self.kinds
            .values()
            .flat_map(HashMap::values)
            .map(|entries| entries.0.len())
            .sum()
    }

    /// The SetWatches / SetWatches2 frames that re-arm every watch, relative to `last_zxid`,
    /// each under the batch size limit.
    pub fn rearm_frames(&self, last_zxid: i64) -> Vec<Vec<u8>> {
        let paths = |kind: WatchKind| -> Vec<String> {
            let mut paths: Vec<String> = self
                .kinds
                .get(&kind)
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default();
            paths.sort();
            paths
        };
        let lists = [
            paths(WatchKind::Data),
            paths(WatchKind::Exist),
            paths(WatchKind::Child),
            paths(WatchKind::Persistent),
            paths(WatchKind::PersistentRecursive),
        ];
        let mut frames = Vec::new();
        let mut batch: [Vec<String>; 5] = Default::default();
        let mut bytes = 0;
        let flush = |batch: &mut [Vec<String>; 5], frames: &mut Vec<Vec<u8>>| {
            if batch.iter().all(Vec::is_empty) {
                return;
            }
            let frame = if batch[3].is_empty() && batch[4].is_empty() {
                let request = SetWatches {
                    relative_zxid: last_zxid,
                    data_watches: &batch[0],
                    exist_watches: &batch[1],
                    child_watches: &batch[2],
                };
                encode_request(SET_WATCHES_XID, OpCode::SetWatches, &request)
            } else {
                let request = SetWatches2 {
                    relative_zxid: last_zxid,
                    data_watches: &batch[0],
                    exist_watches: &batch[1],
                    child_watches: &batch[2],
                    persistent_watches: &batch[3],
                    persistent_recursive_watches: &batch[4],
                };
                encode_request(SET_WATCHES_XID, OpCode::SetWatches2, &request)
            };
            frames.push(frame);
            *batch = Default::default();
        };
        for (index, list) in lists.into_iter().enumerate() {
            for path in list {
                if bytes + path.len() + 4 > SET_WATCHES_BATCH_BYTES {
                    flush(&mut batch, &mut frames);
                    bytes = 0;
                }
                bytes += path.len() + 4;
                batch[index].push(path);
            }
        }
        flush(&mut batch, &mut frames);
        frames
    }
}

/// `/a/b/c` → `/a/b/c`, `/a/b`, `/a`, `/`.
fn ancestors_and_self(path: &str) -> impl Iterator<Item = &str> {
    let mut next = Some(path);
    std::iter::from_fn(move || {
        let current = next?;
        next = match current.rfind('/') {
            _ if current == "/" => None,
            Some(0) => Some("/"),
            Some(index) => Some(&current[..index]),
            None => None,
        };
        Some(current)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{decode_all, RequestHeader};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    type Log = Arc<Mutex<Vec<(u64, EventType, String)>>>;

    fn recorder() -> (Log, impl Fn(u64) -> OnceWatcher) {
        let log = Arc::new(Mutex::new(Vec::new()));
        let make = {
            let log = log.clone();
            move |id: u64| -> OnceWatcher {
                let log = log.clone();
                Box::new(move |event: WatchEvent| {
                    log.lock().unwrap().push((id, event.event_type, event.path))
                })
            }
        };
        (log, make)
    }

    fn once(path: &str, kind: WatchKind, id: u64, watcher: OnceWatcher) -> PendingWatch {
        PendingWatch::Once {
            path: path.into(),
            kind,
            id,
            inline: false,
            watcher,
        }
    }

    fn notification(event_type: EventType, path: &str) -> WatcherEvent {
        WatcherEvent {
            event_type: event_type as i32,
            state: 3,
            path: path.into(),
        }
    }

    #[test]
    fn exists_registers_data_on_ok_exist_on_no_node_and_nothing_on_other_errors() {
        let (log, make) = recorder();
        let mut registry = WatchRegistry::default();
        assert!(registry
            .confirm(once("/a", WatchKind::Exist, 1, make(1)), 0)
            .is_none());
        assert!(registry
            .confirm(once("/b", WatchKind::Exist, 2, make(2)), -101)
            .is_none());
        assert!(registry
            .confirm(once("/c", WatchKind::Data, 3, make(3)), -101)
            .is_some());
        assert!(registry
            .confirm(once("/d", WatchKind::Exist, 4, make(4)), -4)
            .is_some());
        assert_eq!(registry.len(), 2);
        registry
            .fire(&notification(EventType::NodeDataChanged, "/a"))
            .into_iter()
            .for_each(Fired::run);
        registry
            .fire(&notification(EventType::NodeCreated, "/b"))
            .into_iter()
            .for_each(Fired::run);
        assert_eq!(
            *log.lock().unwrap(),
            [
                (1, EventType::NodeDataChanged, "/a".to_string()),
                (2, EventType::NodeCreated, "/b".to_string())
            ]
        );
        assert!(registry.is_empty());
    }

    #[test]
    fn events_fire_the_kinds_zookeeper_fires_and_one_shots_only_once() {
        let (log, make) = recorder();
        let mut registry = WatchRegistry::default();
        registry.confirm(once("/n", WatchKind::Data, 1, make(1)), 0);
        registry.confirm(once("/n", WatchKind::Child, 2, make(2)), 0);
        registry.confirm(once("/n", WatchKind::Data, 3, make(3)), 0);
        let fired = registry.fire(&notification(EventType::NodeChildrenChanged, "/n"));
        assert_eq!(fired.len(), 1);
        fired.into_iter().for_each(Fired::run);
        let fired = registry.fire(&notification(EventType::NodeDeleted, "/n"));
        assert_eq!(fired.len(), 2);
        fired.into_iter().for_each(Fired::run);
        assert!(registry
            .fire(&notification(EventType::NodeDeleted, "/n"))
            .is_empty());
        let ids: Vec<u64> = log.lock().unwrap().iter().map(|e| e.0).collect();
        assert_eq!(ids, [2, 1, 3]);
    }

    #[test]
    fn persistent_watches_repeat_and_recursive_ones_cover_descendants_but_not_child_events() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = |calls: &Arc<AtomicUsize>| -> PersistentWatcher {
            let calls = calls.clone();
            Arc::new(move |_| {
                calls.fetch_add(1, Ordering::SeqCst);
            })
        };
        let mut registry = WatchRegistry::default();
        let recursive = PendingWatch::Persistent {
            path: "/r".into(),
            recursive: true,
            id: 1,
            watcher: counter(&calls),
        };
        registry.confirm(recursive, 0);
        for _ in 0..3 {
            registry
                .fire(&notification(EventType::NodeDataChanged, "/r/x/y"))
                .into_iter()
                .for_each(Fired::run);
        }
        assert!(registry
            .fire(&notification(EventType::NodeChildrenChanged, "/r"))
            .is_empty());
        assert!(registry
            .fire(&notification(EventType::NodeCreated, "/rx"))
            .is_empty());
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        let (kind, path, others, _watcher) = registry.remove(1).unwrap();
        assert_eq!(
            (kind, path.as_str(), others),
            (WatchKind::PersistentRecursive, "/r", false)
        );
        assert!(registry.is_empty());
    }

    #[test]
    fn drain_tells_every_watcher_once() {
        let (log, make) = recorder();
        let mut registry = WatchRegistry::default();
        registry.confirm(once("/a", WatchKind::Data, 1, make(1)), 0);
        registry.confirm(once("/b", WatchKind::Exist, 2, make(2)), -101);
        let fired = registry.drain(KeeperState::Expired);
        assert_eq!(fired.len(), 2);
        fired.into_iter().for_each(Fired::run);
        assert!(log.lock().unwrap().iter().all(|e| e.1 == EventType::None));
        assert!(registry.is_empty());
    }

    #[test]
    fn rearm_frames_split_large_sets_and_use_setwatches2_only_for_persistent_watches() {
        let (_, make) = recorder();
        let mut registry = WatchRegistry::default();
        for i in 0..3000 {
            registry.confirm(
                once(
                    &format!("/{}/{i:06}", "p".repeat(100)),
                    WatchKind::Data,
                    i,
                    make(i),
                ),
                0,
            );
        }
        let frames = registry.rearm_frames(42);
        assert!(frames.len() >= 3, "{} frames", frames.len());
        for frame in &frames {
            assert!(frame.len() < SET_WATCHES_BATCH_BYTES + 1024);
            let (header, _) = crate::proto::decode_prefix::<RequestHeader>(&frame[4..]).unwrap();
            assert_eq!(
                (header.xid, header.op),
                (SET_WATCHES_XID, OpCode::SetWatches as i32)
            );
        }
        let persistent: PersistentWatcher = Arc::new(|_| {});
        registry.confirm(
            PendingWatch::Persistent {
                path: "/x".into(),
                recursive: false,
                id: 9999,
                watcher: persistent,
            },
            0,
        );
        let frames = registry.rearm_frames(42);
        let last = frames.last().unwrap();
        let header: RequestHeader = decode_all(&last[4..12]).unwrap();
        assert_eq!(header.op, OpCode::SetWatches2 as i32);
    }

    #[test]
    fn ancestors() {
        let all: Vec<&str> = ancestors_and_self("/a/b/c").collect();
        assert_eq!(all, ["/a/b/c", "/a/b", "/a", "/"]);
        assert_eq!(ancestors_and_self("/").collect::<Vec<_>>(), ["/"]);
    }
}
