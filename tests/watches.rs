//! Watches against real servers: one-shot watches fire exactly once with the right type and
//! path; they survive reconnects and failover (a change made during the outage fires once);
//! session loss tells every watch; persistent recursive watches see every change in order;
//! callbacks may call back into the client.

mod common;

use std::sync::mpsc::{channel, Receiver, Sender};
use std::time::Duration;

use common::{options, shared_hosts, unique_chroot, Cluster, Proxy, StateRecorder, EVENT_TIMEOUT};
use zkclient::proto::{AddWatchMode, EventType, WatcherType};
use zkclient::{Client, ClientOptions, CreateOptions, ErrorCode, KeeperState, Wait, WatchedEvent};

type Tagged = (String, WatchedEvent);

fn events() -> (Sender<Tagged>, Receiver<Tagged>) {
    channel()
}

/// A one-shot watcher that reports `(tag, event)`.
fn report(
    tx: &Sender<(String, WatchedEvent)>,
    tag: &str,
) -> impl FnOnce(WatchedEvent) + Send + 'static {
    let (tx, tag) = (tx.clone(), tag.to_string());
    move |event| {
        let _ = tx.send((tag, event));
    }
}

fn next(rx: &Receiver<(String, WatchedEvent)>) -> (String, EventType, String) {
    let (tag, event) = rx.recv_timeout(EVENT_TIMEOUT).expect("a watch event");
    (tag, event.event_type, event.path)
}

/// Proves that nothing else is queued: a fresh watch on `barrier` is triggered; since events
/// arrive in order, any stray event would come before it.
fn assert_nothing_else(
    zk: &Client,
    rx: &Receiver<(String, WatchedEvent)>,
    tx: &Sender<(String, WatchedEvent)>,
) {
    let barrier = format!("/barrier-{}", common::unique_chroot("b").replace('/', "_"));
    zk.exists_watch(&barrier, report(tx, "barrier"))
        .wait()
        .unwrap();
    zk.create(&barrier, b"", &CreateOptions::default())
        .wait()
        .unwrap();
    let got = next(rx);
    assert_eq!(
        (got.0.as_str(), got.1),
        ("barrier", EventType::NodeCreated),
        "unexpected event {got:?}"
    );
    zk.delete(&barrier, -1).wait().unwrap();
}

fn tag(s: &str) -> String {
    s.to_string()
}

#[test]
fn one_shot_watches_fire_exactly_once_with_type_and_chroot_free_path() {
    let zk = common::shared_client("watch-once");
    let (tx, rx) = events();
    let (stat, _) = zk.exists_watch("/a", report(&tx, "exists")).wait().unwrap();
    assert_eq!(stat, None);
    zk.create("/a", b"1", &CreateOptions::default())
        .wait()
        .unwrap();
    assert_eq!(
        next(&rx),
        (tag("exists"), EventType::NodeCreated, tag("/a"))
    );

    let (data, _, _) = zk.get_watch("/a", report(&tx, "get")).wait().unwrap();
    assert_eq!(data, b"1");
    let (children, _, _) = zk
        .get_children_watch("/a", report(&tx, "children"))
        .wait()
        .unwrap();
    assert!(children.is_empty());
    zk.set("/a", b"2", -1).wait().unwrap();
    zk.set("/a", b"3", -1).wait().unwrap();
    assert_eq!(
        next(&rx),
        (tag("get"), EventType::NodeDataChanged, tag("/a"))
    );
    zk.create("/a/kid", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    zk.create("/a/kid2", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    assert_eq!(
        next(&rx),
        (tag("children"), EventType::NodeChildrenChanged, tag("/a"))
    );
    assert_nothing_else(&zk, &rx, &tx);

    // Deletion fires data, exist and child watches.
    zk.get_watch("/a/kid", report(&tx, "data-of-kid"))
        .wait()
        .unwrap();
    zk.get_children_watch("/a/kid", report(&tx, "children-of-kid"))
        .wait()
        .unwrap();
    zk.delete("/a/kid", -1).wait().unwrap();
    let mut fired = vec![next(&rx), next(&rx)];
    fired.sort_by(|a, b| (&a.0, &a.2).cmp(&(&b.0, &b.2)));
    assert_eq!(
        fired,
        [
            (
                tag("children-of-kid"),
                EventType::NodeDeleted,
                tag("/a/kid")
            ),
            (tag("data-of-kid"), EventType::NodeDeleted, tag("/a/kid")),
        ]
    );
    assert_nothing_else(&zk, &rx, &tx);
    assert_eq!(zk.watch_count(), 0);
    // A failed get sets no watch.
    assert!(zk
        .get_watch("/missing", report(&tx, "never"))
        .wait()
        .unwrap_err()
        .is(ErrorCode::NO_NODE));
    assert_eq!(zk.watch_count(), 0);
}

#[test]
fn watches_can_be_removed_and_checked() {
    let zk = common::shared_client("watch-remove");
    let (tx, rx) = events();
    zk.create("/n", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    let (_, _, id) = zk.get_watch("/n", report(&tx, "removed")).wait().unwrap();
    zk.check_watches("/n", WatcherType::Data).wait().unwrap();
    assert!(zk.remove_watch(id).wait().unwrap());
    assert!(!zk.remove_watch(id).wait().unwrap());
    assert!(zk
        .check_watches("/n", WatcherType::Data)
        .wait()
        .unwrap_err()
        .is(ErrorCode::NO_WATCHER));
    zk.get_children_watch("/n", report(&tx, "removed-too"))
        .wait()
        .unwrap();
    zk.remove_watches("/n", WatcherType::Any).wait().unwrap();
    assert!(zk
        .remove_watches("/n", WatcherType::Any)
        .wait()
        .unwrap_err()
        .is(ErrorCode::NO_WATCHER));
    zk.set("/n", b"x", -1).wait().unwrap();
    zk.create("/n/c", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    assert_nothing_else(&zk, &rx, &tx);
    assert_eq!(zk.watch_count(), 0);
}

/// A removeWatches sent right after a watching read, before its reply: the watch that read
/// sets is removed too, here as on the server (it used to stay registered here, dead).
#[test]
fn remove_watches_takes_a_watch_still_being_set() {
    use std::future::Future;
    use std::task::Poll;
    let zk = common::shared_client("watch-remove-race");
    let (tx, rx) = events();
    zk.create("/n", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    for round in 0..20 {
        let mut get = Box::pin(zk.get_watch("/n", report(&tx, "should be removed")));
        let mut remove = Box::pin(zk.remove_watches("/n", WatcherType::Data));
        // The first poll of each sends its request: the read, then the removal.
        zkclient::runtime::block_on(std::future::poll_fn(|cx| {
            assert!(
                get.as_mut().poll(cx).is_pending(),
                "answered before it was sent"
            );
            let _ = remove.as_mut().poll(cx);
            Poll::Ready(())
        }));
        get.wait().unwrap();
        remove.wait().unwrap();
        assert_eq!(
            zk.watch_count(),
            0,
            "round {round}: a dead watch stayed registered"
        );
        assert!(zk
            .check_watches("/n", WatcherType::Data)
            .wait()
            .unwrap_err()
            .is(ErrorCode::NO_WATCHER));
    }
    zk.set("/n", b"x", -1).wait().unwrap();
    assert_nothing_else(&zk, &rx, &tx);
}

#[test]
fn a_change_made_while_disconnected_fires_each_watch_exactly_once_after_reconnect() {
    let hosts = shared_hosts();
    let chroot = unique_chroot("watch-outage");
    let writer = common::connect(&hosts, &chroot, ClientOptions::default());
    let proxy = Proxy::start(&hosts);
    let zk = common::connect(&proxy.hosts(), &chroot, options(Duration::from_secs(10)));
    let mut states = StateRecorder::attach(&zk);
    let (tx, rx) = events();
    writer
        .create("/data", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    writer
        .create("/parent", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    writer
        .create("/doomed", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    zk.get_watch("/data", report(&tx, "data")).wait().unwrap();
    zk.exists_watch("/born", report(&tx, "exist"))
        .wait()
        .unwrap();
    zk.get_children_watch("/parent", report(&tx, "child"))
        .wait()
        .unwrap();
    zk.exists_watch("/doomed", report(&tx, "doomed"))
        .wait()
        .unwrap();
    zk.get_watch("/untouched", report(&tx, "never"))
        .wait()
        .unwrap_err();
    zk.exists_watch("/quiet", report(&tx, "quiet"))
        .wait()
        .unwrap();

    proxy.cut();
    states.wait_for(KeeperState::Disconnected, EVENT_TIMEOUT);
    writer.set("/data", b"changed", -1).wait().unwrap();
    writer
        .create("/born", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    writer
        .create("/parent/kid", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    writer.delete("/doomed", -1).wait().unwrap();
    proxy.restore();
    states.wait_for(KeeperState::SyncConnected, EVENT_TIMEOUT);

    let mut fired: Vec<_> = (0..4).map(|_| next(&rx)).collect();
    fired.sort_by(|a, b| (&a.0, &a.2).cmp(&(&b.0, &b.2)));
    assert_eq!(
        fired,
        [
            (tag("child"), EventType::NodeChildrenChanged, tag("/parent")),
            (tag("data"), EventType::NodeDataChanged, tag("/data")),
            (tag("doomed"), EventType::NodeDeleted, tag("/doomed")),
            (tag("exist"), EventType::NodeCreated, tag("/born")),
        ]
    );
    assert_nothing_else(&zk, &rx, &tx);
    // The untouched watch is still armed after the reconnect, and fires once.
    assert_eq!(zk.watch_count(), 1);
    writer
        .create("/quiet", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    assert_eq!(
        next(&rx),
        (tag("quiet"), EventType::NodeCreated, tag("/quiet"))
    );
}

#[test]
fn session_loss_tells_every_watch_and_leaves_none_pending() {
    let hosts = shared_hosts();
    let chroot = unique_chroot("watch-expiry");
    let proxy = Proxy::start(&hosts);
    let zk = common::connect(&proxy.hosts(), &chroot, options(Duration::from_secs(6)));
    let mut states = StateRecorder::attach(&zk);
    let (tx, rx) = events();
    zk.create("/x", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    zk.get_watch("/x", report(&tx, "data")).wait().unwrap();
    zk.exists_watch("/y", report(&tx, "exist")).wait().unwrap();
    zk.get_children_watch("/x", report(&tx, "child"))
        .wait()
        .unwrap();
    let persistent_tx = tx.clone();
    zk.add_watch("/x", AddWatchMode::Persistent, move |event| {
        let _ = persistent_tx.send((tag("persistent"), event));
    })
    .wait()
    .unwrap();
    proxy.expire_session(&format!("{hosts}{chroot}"), &zk, &mut states, || {});
    states.wait_for(KeeperState::Expired, EVENT_TIMEOUT);

    let mut told: Vec<(String, EventType)> =
        (0..4).map(|_| next(&rx)).map(|(t, e, _)| (t, e)).collect();
    told.sort_by(|a, b| a.0.cmp(&b.0));
    let want: Vec<(String, EventType)> = ["child", "data", "exist", "persistent"]
        .iter()
        .map(|t| (tag(t), EventType::None))
        .collect();
    assert_eq!(told, want);
    assert_eq!(zk.watch_count(), 0);
    states.wait_for(KeeperState::SyncConnected, EVENT_TIMEOUT);
    assert_nothing_else(&zk, &rx, &tx);
}

#[test]
fn persistent_recursive_watch_sees_every_change_in_order() {
    let zk = common::shared_client("watch-recursive");
    let (tx, rx) = channel();
    zk.create("/tree", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    zk.add_watch(
        "/tree",
        AddWatchMode::PersistentRecursive,
        move |event: WatchedEvent| {
            let _ = tx.send(event);
        },
    )
    .wait()
    .unwrap();
    let mut expected = Vec::new();
    for i in 0..500 {
        let path = format!("/tree/n{i:04}");
        zk.create(&path, b"", &CreateOptions::default())
            .wait()
            .unwrap();
        expected.push((EventType::NodeCreated, path.clone()));
        zk.set(&path, b"x", -1).wait().unwrap();
        expected.push((EventType::NodeDataChanged, path));
    }
    let got: Vec<(EventType, String)> = (0..1000)
        .map(|_| rx.recv_timeout(EVENT_TIMEOUT).expect("an event"))
        .map(|event| (event.event_type, event.path))
        .collect();
    assert_eq!(got.len(), 1000);
    assert_eq!(got, expected);
    // Child events are not sent to recursive watches; the next event is the deletion.
    zk.delete("/tree/n0000", -1).wait().unwrap();
    let event = rx.recv_timeout(EVENT_TIMEOUT).unwrap();
    assert_eq!(
        (event.event_type, event.path.as_str()),
        (EventType::NodeDeleted, "/tree/n0000")
    );
}

#[test]
fn callbacks_may_call_the_client_including_blocking_calls_and_nested_watches() {
    let zk = common::shared_client("watch-reentrant");
    let (tx, rx) = channel();
    zk.create("/r", b"start", &CreateOptions::default())
        .wait()
        .unwrap();
    let inner = zk.clone();
    zk.get_watch("/r", move |_event| {
        let (data, _) = inner.get("/r").wait().unwrap();
        inner.set("/r", b"set-from-callback", -1).wait().unwrap();
        inner
            .create("/r/made-in-callback", b"", &CreateOptions::default())
            .wait()
            .unwrap();
        let tx2 = tx.clone();
        inner
            .get_watch("/r", move |nested| {
                let _ = tx2.send(format!("nested {:?}", nested.event_type));
            })
            .wait()
            .unwrap();
        let _ = tx.send(format!("outer saw {}", String::from_utf8_lossy(&data)));
    })
    .wait()
    .unwrap();
    zk.set("/r", b"changed", -1).wait().unwrap();
    assert_eq!(rx.recv_timeout(EVENT_TIMEOUT).unwrap(), "outer saw changed");
    assert!(zk.exists("/r/made-in-callback").wait().unwrap().is_some());
    zk.set("/r", b"again", -1).wait().unwrap();
    assert_eq!(
        rx.recv_timeout(EVENT_TIMEOUT).unwrap(),
        "nested NodeDataChanged"
    );
}

#[test]
fn a_blocked_callback_holds_up_only_its_own_client() {
    let slow = common::shared_client("watch-slow");
    let fast = common::shared_client("watch-fast");
    let (release_tx, release_rx) = channel::<()>();
    let (done_tx, done_rx) = channel();
    slow.create("/s", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    fast.create("/f", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    let blocked = done_tx.clone();
    slow.get_watch("/s", move |_| {
        // Blocks until the other client's callback has run: if callbacks of different
        // clients shared one thread, this would never return.
        release_rx
            .recv_timeout(EVENT_TIMEOUT)
            .expect("the other client's callback ran");
        let _ = blocked.send("slow finished");
    })
    .wait()
    .unwrap();
    fast.get_watch("/f", move |_| {
        let _ = done_tx.send("fast ran");
        let _ = release_tx.send(());
    })
    .wait()
    .unwrap();
    slow.set("/s", b"1", -1).wait().unwrap();
    fast.set("/f", b"1", -1).wait().unwrap();
    assert_eq!(done_rx.recv_timeout(EVENT_TIMEOUT).unwrap(), "fast ran");
    assert_eq!(
        done_rx.recv_timeout(EVENT_TIMEOUT).unwrap(),
        "slow finished"
    );
}

#[test]
fn watches_survive_failover_in_an_ensemble() {
    let cluster = Cluster::start("watch-failover", 3, 500);
    let chroot = unique_chroot("watch-failover");
    let zk = common::connect(&cluster.hosts, &chroot, options(Duration::from_secs(10)));
    let writer = common::connect(&cluster.hosts, &chroot, ClientOptions::default());
    let mut states = StateRecorder::attach(&zk);
    let (tx, rx) = events();
    writer
        .create("/w", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    zk.get_watch("/w", report(&tx, "data")).wait().unwrap();
    zk.exists_watch("/later", report(&tx, "exist"))
        .wait()
        .unwrap();
    let server = cluster.server_with_port(zk.session_info().server.unwrap().port);
    cluster.stop_server(server);
    states.wait_for(KeeperState::Disconnected, EVENT_TIMEOUT);
    // Changes while the client moves, made by the writer on the surviving quorum (the writer
    // may have been on the stopped server too: retry connection-loss, idempotently).
    let retry = zkclient::RetryPolicy::default();
    retry.run(|| writer.set("/w", b"moved", -1).wait()).unwrap();
    retry
        .run(|| writer.ensure_path("/later", None).wait())
        .unwrap();
    states.wait_for(KeeperState::SyncConnected, EVENT_TIMEOUT);
    let mut fired = vec![next(&rx), next(&rx)];
    fired.sort_by(|a, b| (&a.0, &a.2).cmp(&(&b.0, &b.2)));
    assert_eq!(
        fired,
        [
            (tag("data"), EventType::NodeDataChanged, tag("/w")),
            (tag("exist"), EventType::NodeCreated, tag("/later"))
        ]
    );
    assert_nothing_else(&zk, &rx, &tx);
    cluster.start_server(server);
}

#[test]
fn data_watch_follows_changes_deletion_and_recreation_and_stops_on_false() {
    use zkclient::recipe::DataWatch;
    let zk = common::shared_client("datawatch");
    let (tx, rx) = channel();
    zk.create("/d", b"v1", &CreateOptions::default())
        .wait()
        .unwrap();
    let watch = DataWatch::new(&zk, "/d", move |value, event| {
        let data = value.map(|(data, _)| String::from_utf8_lossy(data).into_owned());
        let _ = tx.send((data, event.map(|e| e.event_type)));
        data_is_not_stop(&value)
    })
    .unwrap();
    let next = || rx.recv_timeout(EVENT_TIMEOUT).expect("a DataWatch call");
    assert_eq!(next(), (Some(tag("v1")), None), "first call runs at once");
    zk.set("/d", b"v2", -1).wait().unwrap();
    assert_eq!(next(), (Some(tag("v2")), Some(EventType::NodeDataChanged)));
    zk.delete("/d", -1).wait().unwrap();
    assert_eq!(next(), (None, Some(EventType::NodeDeleted)));
    zk.create("/d", b"v3", &CreateOptions::default())
        .wait()
        .unwrap();
    assert_eq!(next(), (Some(tag("v3")), Some(EventType::NodeCreated)));
    zk.set("/d", b"stop", -1).wait().unwrap();
    assert_eq!(
        next(),
        (Some(tag("stop")), Some(EventType::NodeDataChanged))
    );
    // The barrier runs on the same dispatcher after the callback that returned false.
    after_a_change_nothing_more_arrives(&zk, "/d", &rx);
    assert!(watch.is_cancelled());
    assert_eq!(zk.watch_count(), 0);
}

/// Changes `path` and waits for a plain watch on it to fire: a callback of a live node watch
/// would run no later (same notification, same dispatcher), so an empty channel proves the
/// node watch is gone.
fn after_a_change_nothing_more_arrives<T: std::fmt::Debug>(
    zk: &Client,
    path: &str,
    rx: &Receiver<T>,
) {
    let (tx, barrier) = channel();
    zk.get_watch(path, move |_| {
        let _ = tx.send(());
    })
    .wait()
    .unwrap();
    zk.set(path, b"unseen", -1).wait().unwrap();
    barrier
        .recv_timeout(EVENT_TIMEOUT)
        .expect("the barrier watch fired");
    if let Ok(stray) = rx.try_recv() {
        panic!("called after it was stopped: {stray:?}");
    }
}

fn data_is_not_stop(value: &Option<(&Vec<u8>, &zkclient::Stat)>) -> bool {
    !matches!(value, Some((data, _)) if data.as_slice() == b"stop")
}

#[test]
fn children_watch_reports_deletion_resumes_on_creation_and_cancels_from_its_callback() {
    use std::sync::{Arc, Mutex};
    use zkclient::recipe::ChildrenWatch;
    let zk = common::shared_client("childrenwatch");
    let (tx, rx) = channel();
    zk.create("/c", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    let slot: Arc<Mutex<Option<ChildrenWatch>>> = Arc::default();
    let inside = slot.clone();
    let watch = ChildrenWatch::new(&zk, "/c", move |value, _| {
        let children = value.map(|(children, _)| children.clone());
        if children.as_deref() == Some(&["quit".to_string()][..]) {
            // Cancelling from inside the callback must not deadlock.
            if let Some(watch) = inside.lock().unwrap().as_ref() {
                watch.cancel();
            }
        }
        let _ = tx.send(children);
        true
    })
    .unwrap();
    let next = || {
        rx.recv_timeout(EVENT_TIMEOUT)
            .expect("a ChildrenWatch call")
    };
    assert_eq!(next(), Some(vec![]));
    zk.create("/c/b", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    assert_eq!(next(), Some(vec![tag("b")]));
    zk.create("/c/a", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    assert_eq!(next(), Some(vec![tag("a"), tag("b")]));
    zk.delete_recursive("/c", -1).wait().unwrap();
    // Children disappear one by one, then the node: the last report is the deletion.
    let mut last = next();
    while last.is_some() {
        last = next();
    }
    zk.create("/c", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    assert_eq!(next(), Some(vec![]));
    *slot.lock().unwrap() = Some(watch);
    zk.create("/c/quit", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    assert_eq!(next(), Some(vec![tag("quit")]));
    after_a_change_nothing_more_arrives(&zk, "/c", &rx);
    assert!(slot.lock().unwrap().as_ref().unwrap().is_cancelled());
}

#[test]
fn node_watches_resume_on_a_new_session_without_duplicate_calls() {
    use zkclient::recipe::DataWatch;
    let hosts = shared_hosts();
    let chroot = unique_chroot("datawatch-expiry");
    let writer = common::connect(&hosts, &chroot, ClientOptions::default());
    let proxy = Proxy::start(&hosts);
    let zk = common::connect(&proxy.hosts(), &chroot, options(Duration::from_secs(6)));
    let mut states = StateRecorder::attach(&zk);
    writer
        .create("/same", b"s", &CreateOptions::default())
        .wait()
        .unwrap();
    writer
        .create("/moves", b"m1", &CreateOptions::default())
        .wait()
        .unwrap();
    let (tx, rx) = channel();
    let (tx_same, tx_moves) = (tx.clone(), tx);
    let _same = DataWatch::new(&zk, "/same", move |value, _| {
        let _ = tx_same.send(("same", value.map(|(d, _)| d.clone())));
        true
    })
    .unwrap();
    let _moves = DataWatch::new(&zk, "/moves", move |value, _| {
        let _ = tx_moves.send(("moves", value.map(|(d, _)| d.clone())));
        true
    })
    .unwrap();
    assert_eq!(
        rx.recv_timeout(EVENT_TIMEOUT).unwrap(),
        ("same", Some(b"s".to_vec()))
    );
    assert_eq!(
        rx.recv_timeout(EVENT_TIMEOUT).unwrap(),
        ("moves", Some(b"m1".to_vec()))
    );

    proxy.expire_session(&format!("{hosts}{chroot}"), &zk, &mut states, || {
        writer.set("/moves", b"m2", -1).wait().unwrap();
    });
    states.wait_for(KeeperState::Expired, EVENT_TIMEOUT);
    states.wait_for(KeeperState::SyncConnected, EVENT_TIMEOUT);
    // Only the node that changed is reported again.
    assert_eq!(
        rx.recv_timeout(EVENT_TIMEOUT).unwrap(),
        ("moves", Some(b"m2".to_vec()))
    );
    writer.set("/same", b"s2", -1).wait().unwrap();
    assert_eq!(
        rx.recv_timeout(EVENT_TIMEOUT).unwrap(),
        ("same", Some(b"s2".to_vec())),
        "the watch was not re-armed"
    );
}
