//! TreeCache against a real server: the first copy, live changes in order, a missing root,
//! the depth limit, closing, and catching up after a cut connection and after a new session.

mod common;

use std::collections::BTreeMap;
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use common::{
    connect, shared_client, shared_hosts, unique_chroot, Proxy, StateRecorder, EVENT_TIMEOUT,
};
use zkclient::client::CreateOptions;
use zkclient::proto::perms;
use zkclient::recipe::tree_cache::{TreeCache, TreeCacheOptions, TreeEvent};
use zkclient::{Acl, Client, ClientOptions, Error, Id, KeeperState, Wait};

/// A listener's view of one event.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    Added(String, Vec<u8>),
    Updated(String, Vec<u8>),
    Removed(String),
    Suspended,
    Reconnected,
    Lost,
    Initialized,
    Failed(String),
}

struct Recorder {
    events: Receiver<Seen>,
}

impl Recorder {
    fn attach(cache: &TreeCache) -> Recorder {
        let (tx, rx) = channel();
        cache.listen(move |event| {
            let seen = match event {
                TreeEvent::NodeAdded(node) => Seen::Added(node.path.clone(), node.data.clone()),
                TreeEvent::NodeUpdated(node) => Seen::Updated(node.path.clone(), node.data.clone()),
                TreeEvent::NodeRemoved(node) => Seen::Removed(node.path.clone()),
                TreeEvent::ConnectionSuspended => Seen::Suspended,
                TreeEvent::ConnectionReconnected => Seen::Reconnected,
                TreeEvent::ConnectionLost => Seen::Lost,
                TreeEvent::Initialized => Seen::Initialized,
                TreeEvent::Failed { path, .. } => Seen::Failed(path.clone()),
            };
            let _ = tx.send(seen);
        });
        Recorder { events: rx }
    }

    /// Every event up to and including the first `last`.
    fn until(&self, last: &Seen) -> Vec<Seen> {
        let deadline = Instant::now() + EVENT_TIMEOUT;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok(event) => {
                    let done = &event == last;
                    seen.push(event);
                    if done {
                        return seen;
                    }
                }
                Err(_) => panic!("no {last:?} within {EVENT_TIMEOUT:?}; saw {seen:?}"),
            }
        }
    }

    fn next(&self) -> Seen {
        match self.events.recv_timeout(EVENT_TIMEOUT) {
            Ok(event) => event,
            Err(_) => panic!("no event within {EVENT_TIMEOUT:?}"),
        }
    }

    /// Nothing more is queued once a barrier change made now has been seen by `probe`.
    fn assert_quiet(&self) -> Vec<Seen> {
        self.events.try_iter().collect()
    }
}

fn persistent() -> CreateOptions {
    CreateOptions::default()
}

/// Creates `/tree` with 3 levels: a, b (each with 3 children, each of those with 2).
fn build_tree(zk: &Client) -> BTreeMap<String, Vec<u8>> {
    let mut nodes = BTreeMap::new();
    let mut make = |path: String| {
        let data = format!("data of {path}").into_bytes();
        zk.create(&path, &data, &persistent()).wait().unwrap();
        nodes.insert(path.clone(), data);
        path
    };
    make("/tree".into());
    for top in ["a", "b"] {
        let top = make(format!("/tree/{top}"));
        for mid in 0..3 {
            let mid = make(format!("{top}/m{mid}"));
            for leaf in 0..2 {
                make(format!("{mid}/l{leaf}"));
            }
        }
    }
    nodes
}

/// What the cache holds, walked from `root` through `get_children`.
fn snapshot(cache: &TreeCache, root: &str) -> BTreeMap<String, Vec<u8>> {
    let mut nodes = BTreeMap::new();
    let mut stack = vec![root.to_string()];
    while let Some(path) = stack.pop() {
        let Some(node) = cache.get_data(&path).unwrap() else {
            continue;
        };
        nodes.insert(path.clone(), node.data.clone());
        for child in cache.get_children(&path).unwrap().unwrap_or_default() {
            stack.push(format!("{}/{child}", path.trim_end_matches('/')));
        }
    }
    nodes
}

/// What the server holds below `root`.
fn server_snapshot(zk: &Client, root: &str) -> BTreeMap<String, Vec<u8>> {
    let mut nodes = BTreeMap::new();
    let mut stack = vec![root.to_string()];
    while let Some(path) = stack.pop() {
        let Ok((data, _)) = zk.get(&path).wait() else {
            continue;
        };
        nodes.insert(path.clone(), data);
        let (children, _) = zk.get_children(&path).wait().unwrap();
        for child in children {
            stack.push(format!("{}/{child}", path.trim_end_matches('/')));
        }
    }
    nodes
}

#[test]
fn mirrors_an_existing_tree_and_reports_each_node_once() {
    let zk = shared_client("tree-cache-initial");
    let expected = build_tree(&zk);
    let cache = TreeCache::new(&zk, "/tree", TreeCacheOptions::default()).unwrap();
    let events = Recorder::attach(&cache);
    assert!(!cache.is_initialized());
    cache.start().unwrap();
    let seen = events.until(&Seen::Initialized);
    assert!(cache.is_initialized());
    let added: BTreeMap<String, Vec<u8>> = seen
        .iter()
        .filter_map(|event| match event {
            Seen::Added(path, data) => Some((path.clone(), data.clone())),
            _ => None,
        })
        .collect();
    // Each node once, nothing else, and Initialized last.
    assert_eq!(seen.len(), expected.len() + 1, "{seen:?}");
    assert_eq!(added, expected);
    assert_eq!(snapshot(&cache, "/tree"), expected);
    assert_eq!(cache.len(), expected.len());
    assert_eq!(
        cache.get_children("/tree/a").unwrap().unwrap(),
        vec!["m0", "m1", "m2"]
    );
    let leaf = cache.get_data("/tree/b/m2/l1").unwrap().unwrap();
    assert_eq!(
        leaf.stat,
        zk.exists("/tree/b/m2/l1").wait().unwrap().unwrap()
    );
    assert_eq!(cache.get_data("/tree/nope").unwrap(), None);
    assert_eq!(cache.get_children("/tree/nope").unwrap(), None);
}

#[test]
fn follows_creations_changes_and_deletions_in_order() {
    let zk = shared_client("tree-cache-live");
    build_tree(&zk);
    let cache = TreeCache::new(&zk, "/tree", TreeCacheOptions::default()).unwrap();
    let events = Recorder::attach(&cache);
    cache.start().unwrap();
    events.until(&Seen::Initialized);

    zk.create("/tree/a/m0/new", b"fresh", &persistent())
        .wait()
        .unwrap();
    assert_eq!(
        events.next(),
        Seen::Added("/tree/a/m0/new".into(), b"fresh".to_vec())
    );
    zk.set("/tree/a/m0/new", b"v2", -1).wait().unwrap();
    assert_eq!(
        events.next(),
        Seen::Updated("/tree/a/m0/new".into(), b"v2".to_vec())
    );
    zk.set("/tree", b"root v2", -1).wait().unwrap();
    assert_eq!(
        events.next(),
        Seen::Updated("/tree".into(), b"root v2".to_vec())
    );

    // A subtree deleted: every node reported once, children before their parent.
    zk.delete_recursive("/tree/b", -1).wait().unwrap();
    let mut removed = Vec::new();
    while removed.len() < 10 {
        match events.next() {
            Seen::Removed(path) => removed.push(path),
            other => panic!("unexpected {other:?} after {removed:?}"),
        }
    }
    assert_eq!(removed.last().unwrap(), "/tree/b");
    for (i, path) in removed.iter().enumerate() {
        for later in &removed[i + 1..] {
            assert!(
                !later.starts_with(&format!("{path}/")),
                "{later} reported after its ancestor {path}"
            );
        }
    }
    assert_eq!(cache.get_data("/tree/b").unwrap(), None);
    assert_eq!(cache.get_children("/tree").unwrap().unwrap(), vec!["a"]);

    // Deleted and created again at once: both are seen, in order.
    zk.delete("/tree/a/m1/l0", -1).wait().unwrap();
    zk.create("/tree/a/m1/l0", b"again", &persistent())
        .wait()
        .unwrap();
    assert_eq!(events.next(), Seen::Removed("/tree/a/m1/l0".into()));
    assert_eq!(
        events.next(),
        Seen::Added("/tree/a/m1/l0".into(), b"again".to_vec())
    );

    // 100 quick changes of one node end with the last value cached, reported in order.
    for i in 0..100 {
        zk.set("/tree/a", format!("{i}").as_bytes(), -1)
            .wait()
            .unwrap();
    }
    let mut last = Vec::new();
    while last != b"99" {
        match events.next() {
            Seen::Updated(path, data) if path == "/tree/a" => {
                let value: u32 = String::from_utf8(data.clone()).unwrap().parse().unwrap();
                let before: Option<u32> = String::from_utf8(last.clone())
                    .ok()
                    .and_then(|s| s.parse().ok());
                assert!(
                    before.map_or(true, |before| value > before),
                    "{value} after {before:?}"
                );
                last = data;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(snapshot(&cache, "/tree"), server_snapshot(&zk, "/tree"));
    assert!(events.assert_quiet().is_empty());
}

#[test]
fn a_missing_root_appears_when_created_and_again_after_recreation() {
    let zk = shared_client("tree-cache-root");
    let cache = TreeCache::new(&zk, "/later", TreeCacheOptions::default()).unwrap();
    let events = Recorder::attach(&cache);
    cache.start().unwrap();
    assert_eq!(events.next(), Seen::Initialized);
    assert_eq!(cache.get_data("/later").unwrap(), None);
    assert!(cache.is_empty());

    let options = CreateOptions {
        makepath: true,
        ..CreateOptions::default()
    };
    zk.create("/later/child", b"c", &options).wait().unwrap();
    let first = events.until(&Seen::Added("/later/child".into(), b"c".to_vec()));
    assert_eq!(
        first,
        vec![
            Seen::Added("/later".into(), Vec::new()),
            Seen::Added("/later/child".into(), b"c".to_vec()),
        ]
    );

    zk.delete_recursive("/later", -1).wait().unwrap();
    assert_eq!(events.next(), Seen::Removed("/later/child".into()));
    assert_eq!(events.next(), Seen::Removed("/later".into()));
    assert!(cache.is_empty());

    zk.create("/later", b"back", &persistent()).wait().unwrap();
    assert_eq!(
        events.next(),
        Seen::Added("/later".into(), b"back".to_vec())
    );
    zk.set("/later", b"changed", -1).wait().unwrap();
    // Exactly one update: the root's exists watch and its data watch do not double up.
    assert_eq!(
        events.next(),
        Seen::Updated("/later".into(), b"changed".to_vec())
    );
    zk.create("/later/probe", b"", &persistent())
        .wait()
        .unwrap();
    assert_eq!(
        events.next(),
        Seen::Added("/later/probe".into(), Vec::new())
    );
}

#[test]
fn max_depth_limits_what_is_cached() {
    let zk = shared_client("tree-cache-depth");
    build_tree(&zk);
    let options = TreeCacheOptions { max_depth: Some(1) };
    let cache = TreeCache::new(&zk, "/tree", options).unwrap();
    let events = Recorder::attach(&cache);
    cache.start().unwrap();
    let seen = events.until(&Seen::Initialized);
    assert_eq!(seen.len(), 4, "{seen:?}");
    assert_eq!(
        snapshot(&cache, "/tree").keys().collect::<Vec<_>>(),
        vec!["/tree", "/tree/a", "/tree/b"]
    );
    assert_eq!(cache.get_children("/tree/a").unwrap(), Some(Vec::new()));
    // A change below the limit goes unseen; one within it is reported.
    zk.create("/tree/a/m9", b"", &persistent()).wait().unwrap();
    zk.create("/tree/c", b"", &persistent()).wait().unwrap();
    assert_eq!(events.next(), Seen::Added("/tree/c".into(), Vec::new()));

    let root_only = TreeCache::new(&zk, "/tree", TreeCacheOptions { max_depth: Some(0) }).unwrap();
    let root_events = Recorder::attach(&root_only);
    root_only.start().unwrap();
    assert_eq!(
        root_events.until(&Seen::Initialized),
        vec![
            Seen::Added("/tree".into(), b"data of /tree".to_vec()),
            Seen::Initialized
        ]
    );
}

#[test]
fn bad_paths_and_lifecycle_errors() {
    let zk = shared_client("tree-cache-errors");
    assert!(matches!(
        TreeCache::new(&zk, "relative", TreeCacheOptions::default()),
        Err(Error::InvalidPath { .. })
    ));
    let cache = TreeCache::new(&zk, "/t", TreeCacheOptions::default()).unwrap();
    for outside in ["/", "/tx", "/other/t"] {
        assert!(
            matches!(cache.get_data(outside), Err(Error::InvalidArgument(_))),
            "{outside}"
        );
    }
    assert_eq!(cache.get_data("/t/x").unwrap(), None);
    cache.start().unwrap();
    assert!(matches!(cache.start(), Err(Error::InvalidArgument(_))));
    cache.close();
    cache.close();
    assert!(matches!(cache.start(), Err(Error::InvalidArgument(_))));

    // A cache of the whole namespace ("/") takes any absolute path.
    let everything = TreeCache::new(&zk, "/", TreeCacheOptions::default()).unwrap();
    assert_eq!(everything.get_data("/t/x").unwrap(), None);
}

#[test]
fn close_stops_events_and_removes_its_watches() {
    let zk = shared_client("tree-cache-close");
    build_tree(&zk);
    let baseline = zk.watch_count();
    let cache = TreeCache::new(&zk, "/tree", TreeCacheOptions::default()).unwrap();
    let events = Recorder::attach(&cache);
    cache.start().unwrap();
    events.until(&Seen::Initialized);
    // A data and a children watch per node.
    let nodes = snapshot(&cache, "/tree").len();
    assert_eq!(nodes, 21);
    assert_eq!(zk.watch_count(), baseline + 2 * nodes);
    cache.close();
    assert_eq!(cache.get_data("/tree").unwrap(), None);
    zk.create("/tree/after", b"", &persistent()).wait().unwrap();
    zk.set("/tree/a", b"x", -1).wait().unwrap();
    // The watches go in the background; wait for the count, bounded.
    let deadline = Instant::now() + EVENT_TIMEOUT;
    while zk.watch_count() != baseline {
        assert!(
            Instant::now() < deadline,
            "{} watches left",
            zk.watch_count()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // A watch fired after the changes: the client's callbacks run in order, so any cache
    // event they caused would have been delivered before it.
    let (tx, rx) = channel();
    zk.exists_watch("/barrier", move |_| {
        let _ = tx.send(());
    })
    .wait()
    .unwrap();
    zk.create("/barrier", b"", &persistent()).wait().unwrap();
    rx.recv_timeout(EVENT_TIMEOUT)
        .expect("the barrier watch fires");
    assert_eq!(events.assert_quiet(), Vec::<Seen>::new());
}

/// Events in a fixed order, for comparing sets of events whose order is not defined.
fn sorted(mut events: Vec<Seen>) -> Vec<Seen> {
    events.sort_by_key(|event| format!("{event:?}"));
    events
}

/// A started, initialized cache of the test tree on a client behind a proxy (to cut it off or
/// expire its session), and `other`, a client straight to the server, that made the tree.
struct BehindProxy {
    hosts: String,
    chroot: String,
    proxy: Proxy,
    zk: Client,
    other: Client,
    cache: TreeCache,
    events: Recorder,
}

fn cache_behind_a_proxy(name: &str) -> BehindProxy {
    let hosts = shared_hosts();
    let chroot = unique_chroot(name);
    let proxy = Proxy::start(&hosts);
    let zk = connect(
        &proxy.hosts(),
        &chroot,
        ClientOptions {
            session_timeout: Duration::from_secs(20),
            ..ClientOptions::default()
        },
    );
    let other = connect(&hosts, &chroot, ClientOptions::default());
    build_tree(&other);
    let cache = TreeCache::new(&zk, "/tree", TreeCacheOptions::default()).unwrap();
    let events = Recorder::attach(&cache);
    cache.start().unwrap();
    events.until(&Seen::Initialized);
    BehindProxy {
        hosts,
        chroot,
        proxy,
        zk,
        other,
        cache,
        events,
    }
}

#[test]
fn catches_up_after_a_cut_connection() {
    let BehindProxy {
        proxy,
        zk,
        other,
        cache,
        events,
        ..
    } = cache_behind_a_proxy("tree-cache-cut");

    let mut states = StateRecorder::attach(&zk);
    proxy.cut();
    states.wait_for(KeeperState::Disconnected, EVENT_TIMEOUT);
    assert_eq!(events.next(), Seen::Suspended);
    // While away: a new node, a change, a deleted subtree. The cache still answers.
    other
        .create("/tree/a/m0/l9", b"new", &persistent())
        .wait()
        .unwrap();
    other.set("/tree/a/m1", b"changed", -1).wait().unwrap();
    other.delete_recursive("/tree/b/m2", -1).wait().unwrap();
    assert!(cache.get_data("/tree/b/m2").unwrap().is_some());
    proxy.restore();

    // Same session: the re-armed watches bring exactly the missed changes.
    let mut seen = vec![events.next()];
    // Reconnected, then an addition, an update and three removals.
    while seen.len() < 6 {
        match events.events.recv_timeout(EVENT_TIMEOUT) {
            Ok(event) => seen.push(event),
            Err(_) => panic!("only {seen:?}"),
        }
    }
    assert_eq!(seen[0], Seen::Reconnected, "{seen:?}");
    assert_eq!(
        sorted(seen[1..].to_vec()),
        sorted(vec![
            Seen::Added("/tree/a/m0/l9".into(), b"new".to_vec()),
            Seen::Updated("/tree/a/m1".into(), b"changed".to_vec()),
            Seen::Removed("/tree/b/m2".into()),
            Seen::Removed("/tree/b/m2/l0".into()),
            Seen::Removed("/tree/b/m2/l1".into()),
        ])
    );
    assert_eq!(snapshot(&cache, "/tree"), server_snapshot(&other, "/tree"));
}

#[test]
fn rebuilds_after_session_expiry_reporting_only_differences() {
    let BehindProxy {
        hosts,
        chroot,
        proxy,
        zk,
        other,
        cache,
        events,
    } = cache_behind_a_proxy("tree-cache-expiry");

    let mut states = StateRecorder::attach(&zk);
    proxy.expire_session(&format!("{hosts}{chroot}"), &zk, &mut states, || {
        other
            .create("/tree/b/fresh", b"f", &persistent())
            .wait()
            .unwrap();
        other.set("/tree/a/m2/l1", b"changed", -1).wait().unwrap();
        other.delete("/tree/a/m0/l0", -1).wait().unwrap();
    });
    let seen = events.until(&Seen::Initialized);
    assert_eq!(&seen[..2], &[Seen::Suspended, Seen::Lost], "{seen:?}");
    assert!(!seen[2..].contains(&Seen::Lost));
    let reconnected = seen
        .iter()
        .position(|e| *e == Seen::Reconnected)
        .expect("reconnected");
    let changes = seen[reconnected + 1..seen.len() - 1].to_vec();
    assert_eq!(
        sorted(changes),
        sorted(vec![
            Seen::Added("/tree/b/fresh".into(), b"f".to_vec()),
            Seen::Updated("/tree/a/m2/l1".into(), b"changed".to_vec()),
            Seen::Removed("/tree/a/m0/l0".into()),
        ]),
        "{seen:?}"
    );
    assert_eq!(snapshot(&cache, "/tree"), server_snapshot(&other, "/tree"));
    // And it keeps following changes with the new session's watches.
    other.set("/tree/b", b"later", -1).wait().unwrap();
    assert_eq!(
        events.next(),
        Seen::Updated("/tree/b".into(), b"later".to_vec())
    );
}

#[test]
fn unreadable_nodes_are_reported_as_failures() {
    let zk = shared_client("tree-cache-acl");
    build_tree(&zk);
    let cache = TreeCache::new(&zk, "/tree", TreeCacheOptions::default()).unwrap();
    let events = Recorder::attach(&cache);
    cache.start().unwrap();
    events.until(&Seen::Initialized);
    // Anyone may create under it, nobody may read it.
    let options = CreateOptions {
        acl: Some(vec![Acl {
            perms: perms::CREATE,
            id: Id {
                scheme: "world".into(),
                id: "anyone".into(),
            },
        }]),
        ..CreateOptions::default()
    };
    zk.create("/tree/secret", b"hidden", &options)
        .wait()
        .unwrap();
    let mut seen = vec![events.next(), events.next()];
    seen.sort_by_key(|event| format!("{event:?}"));
    assert_eq!(
        seen,
        vec![
            Seen::Failed("/tree/secret".into()),
            Seen::Failed("/tree/secret".into())
        ]
    );
    assert_eq!(cache.get_data("/tree/secret").unwrap(), None);
    // The rest of the tree is still followed.
    zk.set("/tree/a", b"still", -1).wait().unwrap();
    assert_eq!(
        events.next(),
        Seen::Updated("/tree/a".into(), b"still".to_vec())
    );
}

/// Many clients change a small tree at random (creations, deletions and re-creations,
/// updates, subtree deletions); the cache must end equal to the server, and each node's
/// events must make sense: added before updated or removed, never added twice in a row.
#[test]
fn stays_consistent_under_concurrent_random_changes() {
    let hosts = shared_hosts();
    let chroot = unique_chroot("tree-cache-stress");
    let zk = connect(&hosts, &chroot, ClientOptions::default());
    zk.create("/tree", b"", &persistent()).wait().unwrap();
    let cache = TreeCache::new(&zk, "/tree", TreeCacheOptions::default()).unwrap();
    let events = Recorder::attach(&cache);
    cache.start().unwrap();
    events.until(&Seen::Initialized);

    let writers: Vec<_> = (0..3u64)
        .map(|seed| {
            let (hosts, chroot) = (hosts.clone(), chroot.clone());
            std::thread::spawn(move || {
                let zk = connect(&hosts, &chroot, ClientOptions::default());
                let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
                let mut random = move |n: u64| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state % n
                };
                let makepath = CreateOptions {
                    makepath: true,
                    ..CreateOptions::default()
                };
                for i in 0..300 {
                    let depth = 1 + random(3);
                    let path: String = (0..depth).map(|_| format!("/n{}", random(3))).collect();
                    let path = format!("/tree{path}");
                    let data = format!("{seed}-{i}").into_bytes();
                    let _ = match random(4) {
                        0 => zk.create(&path, &data, &makepath).wait().map(drop),
                        1 => zk.set(&path, &data, -1).wait().map(drop),
                        2 => zk.delete(&path, -1).wait(),
                        _ => zk.delete_recursive(&path, -1).wait(),
                    };
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().unwrap();
    }

    // Converged: the cache equals the server (its last reads may still be in flight).
    let want = server_snapshot(&zk, "/tree");
    let deadline = Instant::now() + EVENT_TIMEOUT;
    while snapshot(&cache, "/tree") != want {
        assert!(
            Instant::now() < deadline,
            "cache {:?}\nserver {want:?}",
            snapshot(&cache, "/tree")
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // Per node, the events tell a consistent story ending in the final state.
    let mut present: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    present.insert("/tree".into(), Vec::new());
    let mut count = 0;
    for event in events.events.try_iter() {
        count += 1;
        match event {
            Seen::Added(path, data) => {
                assert!(!present.contains_key(&path), "{path} added twice");
                present.insert(path, data);
            }
            Seen::Updated(path, data) => {
                assert!(present.contains_key(&path), "{path} updated while absent");
                present.insert(path, data);
            }
            Seen::Removed(path) => {
                assert!(
                    present.remove(&path).is_some(),
                    "{path} removed while absent"
                );
                assert!(
                    !present.keys().any(|p| p.starts_with(&format!("{path}/"))),
                    "{path} removed before its children"
                );
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(present, want);
    assert!(
        count > 100,
        "only {count} events: the writers hardly changed anything"
    );
}

mod through_the_c_api {
    use super::*;
    use std::ffi::{c_void, CStr};
    use std::ptr::{null, null_mut};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc::Sender;
    use zkclient::ffi::recipe::tree_cache::*;
    use zkclient::ffi::*;

    use crate::common::{c, last_message};

    static FREED: AtomicUsize = AtomicUsize::new(0);

    /// (type, path, data, data length from the stat, error) of one event.
    type CEvent = (
        zk_tree_event_type,
        Option<String>,
        Vec<u8>,
        Option<i32>,
        zk_error,
    );

    unsafe extern "C" fn listener(event: *const zk_tree_event, user_data: *mut c_void) {
        // SAFETY: the library passes a valid event and our user data.
        let (event, sender) = unsafe { (&*event, &*(user_data as *const Sender<CEvent>)) };
        let path = (!event.path.is_null())
            // SAFETY: a valid C string for the call.
            .then(|| {
                unsafe { CStr::from_ptr(event.path) }
                    .to_string_lossy()
                    .into_owned()
            });
        let data = if event.data.is_null() {
            Vec::new()
        } else {
            // SAFETY: data_len readable bytes.
            unsafe { std::slice::from_raw_parts(event.data, event.data_len) }.to_vec()
        };
        // SAFETY: NULL or a valid stat for the call.
        let stat = unsafe { event.stat.as_ref() }.map(|stat| stat.data_length);
        let _ = sender.send((event.event_type, path, data, stat, event.error));
    }

    unsafe extern "C" fn free_sender(user_data: *mut c_void) {
        // SAFETY: the box made in the test.
        drop(unsafe { Box::from_raw(user_data as *mut Sender<CEvent>) });
        FREED.fetch_add(1, Ordering::SeqCst);
    }

    #[test]
    fn tree_cache_through_the_c_api() {
        let hosts = shared_hosts();
        let chroot = unique_chroot("c-tree-cache");
        let zk = connect(&hosts, &chroot, ClientOptions::default());
        zk.create("/t", b"root", &persistent()).wait().unwrap();
        zk.create("/t/a", b"", &persistent()).wait().unwrap();
        let mut client = null_mut();
        // SAFETY: valid or deliberately invalid arguments throughout.
        unsafe {
            assert_eq!(
                zk_client_new(c(&format!("{hosts}{chroot}")).as_ptr(), null(), &mut client),
                zk_error::ZK_OK
            );
            assert_eq!(zk_client_start(client, 30_000), zk_error::ZK_OK);

            let mut cache = null_mut();
            assert_eq!(
                zk_tree_cache_new(null_mut(), c("/t").as_ptr(), -1, &mut cache),
                zk_error::ZK_EINVAL
            );
            assert!(last_message().contains("client"), "{}", last_message());
            assert_eq!(
                zk_tree_cache_new(client, c("t").as_ptr(), -1, &mut cache),
                zk_error::ZK_EBADPATH
            );
            assert_eq!(
                zk_tree_cache_new(client, c("/t").as_ptr(), -2, &mut cache),
                zk_error::ZK_EINVAL
            );
            assert!(last_message().contains("max_depth"), "{}", last_message());
            assert_eq!(
                zk_tree_cache_new(client, c("/t").as_ptr(), -1, null_mut()),
                zk_error::ZK_EINVAL
            );
            assert!(cache.is_null());
            assert_eq!(
                zk_tree_cache_new(client, c("/t").as_ptr(), -1, &mut cache),
                zk_error::ZK_OK
            );

            // A NULL listener is refused and its user data released at once.
            let (tx, rx) = channel::<CEvent>();
            let before = FREED.load(Ordering::SeqCst);
            let refused = Box::into_raw(Box::new(tx.clone())) as *mut c_void;
            assert_eq!(
                zk_tree_cache_listen(cache, None, refused, Some(free_sender), null_mut()),
                zk_error::ZK_EINVAL
            );
            assert_eq!(FREED.load(Ordering::SeqCst), before + 1);

            let mut id = 0;
            let user_data = Box::into_raw(Box::new(tx)) as *mut c_void;
            assert_eq!(
                zk_tree_cache_listen(cache, Some(listener), user_data, Some(free_sender), &mut id),
                zk_error::ZK_OK
            );
            assert!(!zk_tree_cache_is_initialized(cache));
            assert_eq!(zk_tree_cache_start(cache), zk_error::ZK_OK);
            assert_eq!(zk_tree_cache_start(cache), zk_error::ZK_EINVAL);
            let mut first = Vec::new();
            while first.last().map(|e: &CEvent| e.0)
                != Some(zk_tree_event_type::ZK_TREE_INITIALIZED)
            {
                first.push(rx.recv_timeout(EVENT_TIMEOUT).expect("an event"));
            }
            assert_eq!(
                first,
                vec![
                    (
                        zk_tree_event_type::ZK_TREE_NODE_ADDED,
                        Some("/t".into()),
                        b"root".to_vec(),
                        Some(4),
                        zk_error::ZK_OK
                    ),
                    (
                        zk_tree_event_type::ZK_TREE_NODE_ADDED,
                        Some("/t/a".into()),
                        Vec::new(),
                        Some(0),
                        zk_error::ZK_OK
                    ),
                    (
                        zk_tree_event_type::ZK_TREE_INITIALIZED,
                        None,
                        Vec::new(),
                        None,
                        zk_error::ZK_OK
                    ),
                ]
            );
            assert!(zk_tree_cache_is_initialized(cache));
            assert_eq!(zk_tree_cache_size(cache), 2);

            let mut data = zk_buffer {
                data: null_mut(),
                len: 0,
            };
            let mut stat = zk_stat::default();
            assert_eq!(
                zk_tree_cache_get_data(cache, c("/t").as_ptr(), &mut data, &mut stat),
                zk_error::ZK_OK
            );
            assert_eq!(std::slice::from_raw_parts(data.data, data.len), b"root");
            assert_eq!(stat.num_children, 1);
            zk_buffer_free(&mut data);
            assert_eq!(
                zk_tree_cache_get_data(cache, c("/t/none").as_ptr(), &mut data, null_mut()),
                zk_error::ZK_ENONODE
            );
            assert_eq!(
                zk_tree_cache_get_data(cache, c("/elsewhere").as_ptr(), null_mut(), null_mut()),
                zk_error::ZK_EINVAL
            );
            assert!(last_message().contains("outside"), "{}", last_message());
            let mut children = zk_string_list {
                items: null_mut(),
                count: 0,
            };
            assert_eq!(
                zk_tree_cache_get_children(cache, c("/t").as_ptr(), &mut children),
                zk_error::ZK_OK
            );
            assert_eq!(children.count, 1);
            assert_eq!(CStr::from_ptr(*children.items).to_str().unwrap(), "a");
            zk_string_list_free(&mut children);
            assert_eq!(
                zk_tree_cache_get_children(cache, c("/t").as_ptr(), null_mut()),
                zk_error::ZK_EINVAL
            );

            // Changes arrive as events; a failure carries its error code.
            zk.set("/t/a", b"new", -1).wait().unwrap();
            assert_eq!(
                rx.recv_timeout(EVENT_TIMEOUT).unwrap(),
                (
                    zk_tree_event_type::ZK_TREE_NODE_UPDATED,
                    Some("/t/a".into()),
                    b"new".to_vec(),
                    Some(3),
                    zk_error::ZK_OK
                )
            );
            let unreadable = CreateOptions {
                acl: Some(vec![Acl {
                    perms: perms::CREATE,
                    id: Id {
                        scheme: "world".into(),
                        id: "anyone".into(),
                    },
                }]),
                ..CreateOptions::default()
            };
            zk.create("/t/secret", b"", &unreadable).wait().unwrap();
            let failed = rx.recv_timeout(EVENT_TIMEOUT).unwrap();
            assert_eq!(
                (failed.0, failed.1.as_deref(), failed.4),
                (
                    zk_tree_event_type::ZK_TREE_NODE_FAILED,
                    Some("/t/secret"),
                    zk_error::ZK_ENOAUTH
                )
            );
            let _ = rx.recv_timeout(EVENT_TIMEOUT).unwrap();

            // Unlisten releases the user data once (when the dispatcher has let go of the
            // listener: it may still be finishing the last delivery); unknown ids are
            // ZK_ENOTHING.
            let before = FREED.load(Ordering::SeqCst);
            assert_eq!(zk_tree_cache_unlisten(cache, id), zk_error::ZK_OK);
            let deadline = Instant::now() + EVENT_TIMEOUT;
            while FREED.load(Ordering::SeqCst) == before {
                assert!(Instant::now() < deadline, "user data never released");
                std::thread::sleep(Duration::from_millis(1));
            }
            assert_eq!(FREED.load(Ordering::SeqCst), before + 1);
            assert_eq!(zk_tree_cache_unlisten(cache, id), zk_error::ZK_ENOTHING);
            assert_eq!(zk_tree_cache_close(cache), zk_error::ZK_OK);
            assert_eq!(zk_tree_cache_close(cache), zk_error::ZK_OK);
            assert_eq!(zk_tree_cache_size(cache), 0);
            zk_tree_cache_free(cache);
            zk_tree_cache_free(null_mut());
            assert_eq!(zk_tree_cache_size(null()), 0);
            assert_eq!(zk_tree_cache_start(null_mut()), zk_error::ZK_EINVAL);
            zk_client_free(client);
        }
    }
}

/// kazoo's TreeCache and ours, on the same tree while kazoo makes a scripted series of
/// changes, report the same events: the same set for the first copy, then the same events
/// for every node, in the same order.
#[test]
fn reports_the_same_events_as_kazoos_tree_cache() {
    let hosts = shared_hosts();
    let chroot = unique_chroot("tree-cache-kazoo");
    let zk = connect(&hosts, &chroot, ClientOptions::default());
    for (path, data) in [
        ("/tree", "r"),
        ("/tree/a", "1"),
        ("/tree/b", "2"),
        ("/tree/b/c", "3"),
    ] {
        zk.create(path, data.as_bytes(), &persistent())
            .wait()
            .unwrap();
    }
    let cache = TreeCache::new(&zk, "/tree", TreeCacheOptions::default()).unwrap();
    let events = Recorder::attach(&cache);
    cache.start().unwrap();
    let first = events.until(&Seen::Initialized);

    let snippet = r#"
import threading
from kazoo.recipe.cache import TreeCache, TreeEvent
names = {TreeEvent.NODE_ADDED: "added", TreeEvent.NODE_UPDATED: "updated", TreeEvent.NODE_REMOVED: "removed"}
seen, initialized, done = [], threading.Event(), threading.Event()
def listener(event):
    if event.event_type == TreeEvent.INITIALIZED:
        seen.append("initialized")
        initialized.set()
    elif event.event_type in names:
        data = event.event_data.data.decode() if event.event_type != TreeEvent.NODE_REMOVED else ""
        seen.append("%s %s %s" % (names[event.event_type], event.event_data.path, data))
        if event.event_data.path == "/tree/done":
            done.set()
cache = TreeCache(zk, "/tree")
cache.listen(listener)
cache.start()
assert initialized.wait(30)
zk.create("/tree/x", b"4")
zk.set("/tree/a", b"5")
zk.create("/tree/x/y", b"6")
zk.delete("/tree/b", recursive=True)
zk.set("/tree/x", b"7")
zk.delete("/tree/a")
zk.create("/tree/a", b"8")
zk.set("/tree", b"9")
zk.create("/tree/done", b"")
assert done.wait(30)
cache.close()
print("\n".join(seen))
"#;
    let kazoo_seen = common::kazoo(&format!("{hosts}{chroot}"), snippet);
    let ours = events.until(&Seen::Added("/tree/done".into(), Vec::new()));
    let describe = |event: &Seen| match event {
        Seen::Added(path, data) => format!("added {path} {}", String::from_utf8_lossy(data)),
        Seen::Updated(path, data) => format!("updated {path} {}", String::from_utf8_lossy(data)),
        Seen::Removed(path) => format!("removed {path} "),
        other => format!("{other:?}"),
    };
    let ours: Vec<String> = ours.iter().map(describe).collect();
    let kazoo_lines: Vec<String> = kazoo_seen.lines().map(|line| line.to_string()).collect();
    let split = kazoo_lines
        .iter()
        .position(|line| line == "initialized")
        .expect("kazoo initialized");
    let mut kazoo_first = kazoo_lines[..split].to_vec();
    let mut our_first: Vec<String> = first[..first.len() - 1].iter().map(describe).collect();
    kazoo_first.sort();
    our_first.sort();
    assert_eq!(our_first, kazoo_first);
    // Changes to different nodes may be reported in either order when they come faster than
    // a cache reads (and the two caches read at different times); each node's own events
    // must be the same, in the same order.
    let by_node = |lines: &[String]| {
        let mut nodes: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for line in lines {
            let path = line.split(' ').nth(1).unwrap_or_default().to_string();
            nodes.entry(path).or_default().push(line.clone());
        }
        nodes
    };
    assert_eq!(
        by_node(&ours),
        by_node(&kazoo_lines[split + 1..]),
        "{ours:?}"
    );
    assert_eq!(ours.len(), 10, "{ours:?}");
}
