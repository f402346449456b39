//! Queue, LockingQueue and Election against the real server: ordering, concurrent
//! consumers, claims and session loss, leadership hand-over and cancel, interop with kazoo
//! 2.11, and the C API.

mod common;

use std::collections::HashSet;
use std::ffi::{c_void, CStr};
use std::ptr::{null, null_mut};
use std::sync::mpsc::channel;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use common::{connect, shared_hosts, unique_chroot, wait_for_children, EVENT_TIMEOUT};
use zkclient::ffi::recipe::election::*;
use zkclient::ffi::recipe::queue::*;
use zkclient::ffi::*;
use zkclient::recipe::election::Election;
use zkclient::recipe::queue::{LockingQueue, Queue};
use zkclient::{Client, ClientOptions, Wait};

/// `n` clients on the shared server, all under one fresh chroot; also the connect string.
fn clients(name: &str, n: usize) -> (String, Vec<Client>) {
    let hosts = shared_hosts();
    let chroot = unique_chroot(name);
    let clients = (0..n)
        .map(|_| connect(&hosts, &chroot, ClientOptions::default()))
        .collect();
    (format!("{hosts}{chroot}"), clients)
}

fn take_all(queue: &Queue) -> Vec<Vec<u8>> {
    let mut taken = Vec::new();
    while let Some(data) = queue.get().unwrap() {
        taken.push(data);
    }
    taken
}

#[test]
fn queue_is_fifo_within_a_priority_and_lower_priority_first() {
    let (_, zk) = clients("queue-order", 1);
    let queue = Queue::new(&zk[0], "/q");
    assert_eq!(queue.get().unwrap(), None);
    queue.put(b"late-1", 500).unwrap();
    queue.put(b"mid-1", 100).unwrap();
    queue.put(b"late-2", 500).unwrap();
    queue.put(b"first", 5).unwrap();
    queue.put_all(&[b"mid-2", b"mid-3"], 100).unwrap();
    assert!(queue.put(b"bad", 1000).is_err());
    assert_eq!(queue.len().unwrap(), 6);
    let (children, _) = zk[0].get_children("/q").wait().unwrap();
    assert!(children.iter().any(|c| c.starts_with("entry-005-")));
    assert_eq!(
        take_all(&queue),
        [
            &b"first"[..],
            b"mid-1",
            b"mid-2",
            b"mid-3",
            b"late-1",
            b"late-2"
        ]
    );
    assert_eq!(queue.get().unwrap(), None);
    assert_eq!(queue.len().unwrap(), 0);
}

#[test]
fn concurrent_getters_take_each_entry_exactly_once() {
    let (_, zk) = clients("queue-concurrent", 5);
    let producer = Queue::new(&zk[0], "/q");
    let values: Vec<Vec<u8>> = (0..200).map(|i| format!("job-{i}").into_bytes()).collect();
    let refs: Vec<&[u8]> = values.iter().map(Vec::as_slice).collect();
    for chunk in refs.chunks(50) {
        producer.put_all(chunk, 100).unwrap();
    }
    let handles: Vec<_> = zk[1..]
        .iter()
        .map(|client| {
            let queue = Queue::new(client, "/q");
            thread::spawn(move || take_all(&queue))
        })
        .collect();
    let mut all = Vec::new();
    for handle in handles {
        all.extend(handle.join().unwrap());
    }
    assert_eq!(all.len(), 200, "each entry taken once");
    let distinct: HashSet<_> = all.iter().collect();
    assert_eq!(distinct.len(), 200);
    assert_eq!(producer.len().unwrap(), 0);
}

#[test]
fn get_blocking_returns_when_another_client_puts() {
    let (_, zk) = clients("queue-blocking", 2);
    let consumer = Queue::new(&zk[0], "/q");
    let started = Instant::now();
    assert_eq!(
        consumer
            .get_blocking(Some(Duration::from_millis(300)))
            .unwrap(),
        None
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
    let (tx, rx) = channel();
    let waiting = consumer.clone();
    thread::spawn(move || tx.send(waiting.get_blocking(None)).unwrap());
    thread::sleep(Duration::from_millis(200));
    assert!(rx.try_recv().is_err(), "still waiting on an empty queue");
    Queue::new(&zk[1], "/q").put(b"hello", 100).unwrap();
    let got = rx.recv_timeout(EVENT_TIMEOUT).unwrap().unwrap();
    assert_eq!(got.as_deref(), Some(&b"hello"[..]));
}

#[test]
fn locking_queue_claims_consumes_and_releases() {
    let (_, zk) = clients("lqueue", 2);
    let first = LockingQueue::new(&zk[0], "/lq");
    let second = LockingQueue::new(&zk[1], "/lq");
    first.put(b"b", 100).unwrap();
    first.put_all(&[b"a"], 50).unwrap();
    assert_eq!(first.len().unwrap(), 2);
    assert!(!first.holds_lock().unwrap());
    assert!(!first.consume().unwrap(), "nothing claimed");
    // get claims "a"; the second getter gets "b", not the claimed one.
    assert_eq!(
        first.get(Some(Duration::ZERO)).unwrap().as_deref(),
        Some(&b"a"[..])
    );
    assert!(first.holds_lock().unwrap());
    let (taken, _) = zk[0].get_children("/lq/taken").wait().unwrap();
    assert_eq!(taken.len(), 1);
    let (claim, _) = zk[0]
        .get(&format!("/lq/taken/{}", taken[0]))
        .wait()
        .unwrap();
    assert_eq!(claim, first.id());
    assert_eq!(
        second.get(Some(Duration::ZERO)).unwrap().as_deref(),
        Some(&b"b"[..])
    );
    // Release makes "b" available again; the first consumes "a".
    assert!(second.release().unwrap());
    assert!(!second.holds_lock().unwrap());
    assert!(first.consume().unwrap());
    assert_eq!(first.len().unwrap(), 1);
    let (taken, _) = zk[0].get_children("/lq/taken").wait().unwrap();
    assert!(taken.is_empty(), "consume removed the claim too");
    assert_eq!(
        first.get(Some(Duration::ZERO)).unwrap().as_deref(),
        Some(&b"b"[..])
    );
    assert_eq!(
        second.get(Some(Duration::from_millis(200))).unwrap(),
        None,
        "the only entry is claimed"
    );
    assert!(first.consume().unwrap());
    assert_eq!(first.len().unwrap(), 0);
}

#[test]
fn locking_queue_get_waits_for_a_put_and_a_lost_session_frees_the_claim() {
    let (_, zk) = clients("lqueue-session", 3);
    let waiter = LockingQueue::new(&zk[1], "/lq");
    let (tx, rx) = channel();
    let waiting = waiter.clone();
    thread::spawn(move || tx.send(waiting.get(None)).unwrap());
    thread::sleep(Duration::from_millis(200));
    assert!(rx.try_recv().is_err());
    let claimer = LockingQueue::new(&zk[0], "/lq");
    claimer.put(b"job", 100).unwrap();
    let got = rx.recv_timeout(EVENT_TIMEOUT).unwrap().unwrap();
    assert_eq!(got.as_deref(), Some(&b"job"[..]));
    // The waiter's session ends: its claim goes, and another consumer takes the entry.
    let other = LockingQueue::new(&zk[2], "/lq");
    let (tx, rx) = channel();
    thread::spawn(move || tx.send(other.get(Some(EVENT_TIMEOUT))).unwrap());
    thread::sleep(Duration::from_millis(200));
    assert!(rx.try_recv().is_err(), "claimed by the waiter");
    zk[1].stop().unwrap();
    let got = rx.recv_timeout(EVENT_TIMEOUT * 2).unwrap().unwrap();
    assert_eq!(got.as_deref(), Some(&b"job"[..]));
}

/// The delete that takes an entry happens on the server but its reply is lost: the entry is
/// still delivered (kazoo would drop it and take the next), once.
#[test]
fn a_taken_entry_whose_delete_reply_is_lost_is_delivered_not_dropped() {
    let common::BehindProxy {
        proxy,
        client: zk,
        observer,
        ..
    } = common::BehindProxy::start("queue-lost-reply");
    let queue = Queue::new(&zk, "/q");
    queue.put_all(&[b"one", b"two"], 100).unwrap();
    proxy.lose_reply_to(|op, path| op == 2 && path.contains("/q/entry-"));
    assert_eq!(queue.get().unwrap().as_deref(), Some(&b"one"[..]));
    assert_eq!(proxy.lost(), 1, "the delete's reply was not lost");
    let rest = Queue::new(&observer, "/q");
    assert_eq!(take_all(&rest), [&b"two"[..]]);
}

/// A claim whose create reply is lost is found to be ours (it holds our id), instead of
/// blocking the entry until our session ends; a consume whose reply is lost is found to
/// have happened.
#[test]
fn locking_queue_claims_and_consumes_whose_replies_are_lost_are_recognised() {
    let common::BehindProxy {
        proxy,
        client: zk,
        observer,
        ..
    } = common::BehindProxy::start("lqueue-lost-reply");
    let queue = LockingQueue::new(&zk, "/lq");
    queue.put_all(&[b"one", b"two"], 100).unwrap();
    proxy.lose_reply_to(|op, path| (op == 1 || op == 15) && path.contains("/lq/taken/"));
    assert_eq!(
        queue.get(Some(EVENT_TIMEOUT)).unwrap().as_deref(),
        Some(&b"one"[..])
    );
    assert_eq!(proxy.lost(), 1, "the claim's reply was not lost");
    assert!(queue.holds_lock().unwrap());
    let (claims, _) = observer.get_children("/lq/taken").wait().unwrap();
    assert_eq!(claims.len(), 1, "one claim, not two: {claims:?}");

    proxy.lose_reply_to(|op, _| op == 14); // the consume transaction
    assert!(queue.consume().unwrap(), "the consume happened");
    assert_eq!(proxy.lost(), 2, "the consume's reply was not lost");
    assert_eq!(queue.len().unwrap(), 1);
    assert!(observer
        .get_children("/lq/taken")
        .wait()
        .unwrap()
        .0
        .is_empty());
    let other = LockingQueue::new(&observer, "/lq");
    assert_eq!(
        other.get(Some(Duration::ZERO)).unwrap().as_deref(),
        Some(&b"two"[..])
    );
}

/// A getter blocked across a server restart gets the entry put after it; entries and claims
/// put before it are still there.
#[test]
fn queues_survive_a_server_restart() {
    let cluster = common::Cluster::start("queue-restart", 1, 500);
    let zk = cluster.clients("queue-restart", 2);
    let (producer, consumer) = (&zk[0], &zk[1]);
    let locking = LockingQueue::new(consumer, "/lq");
    locking.put(b"claimed", 100).unwrap();
    assert_eq!(
        locking.get(Some(EVENT_TIMEOUT)).unwrap().as_deref(),
        Some(&b"claimed"[..])
    );
    let queue = Queue::new(consumer, "/q");
    assert_eq!(queue.get().unwrap(), None);
    let (tx, rx) = channel();
    let waiting = queue.clone();
    thread::spawn(move || tx.send(waiting.get_blocking(None)).unwrap());
    cluster.restart_server(1, &[producer, consumer]);
    Queue::new(producer, "/q").put(b"after", 100).unwrap();
    let got = rx.recv_timeout(EVENT_TIMEOUT).unwrap().unwrap();
    assert_eq!(got.as_deref(), Some(&b"after"[..]));
    // The claim survived with the session: another consumer finds nothing to take.
    let other = LockingQueue::new(producer, "/lq");
    assert_eq!(other.get(Some(Duration::ZERO)).unwrap(), None);
    assert!(locking.consume().unwrap());
    assert_eq!(other.len().unwrap(), 0);
}

#[test]
fn queue_interop_with_kazoo_both_ways() {
    let (hosts, zk) = clients("queue-kazoo", 1);
    common::kazoo(
        &hosts,
        "q = zk.Queue('/kq')\nq.put(b'k-late', priority=200)\nq.put(b'k-first', priority=1)\nq.put(b'k-mid')",
    );
    let queue = Queue::new(&zk[0], "/kq");
    assert_eq!(take_all(&queue), [&b"k-first"[..], b"k-mid", b"k-late"]);
    queue.put(b"z-late", 300).unwrap();
    queue.put(b"z-first", 0).unwrap();
    queue.put(b"z-mid", 100).unwrap();
    let out = common::kazoo(
        &hosts,
        "q = zk.Queue('/kq')\nprint(len(q))\nfor _ in range(4):\n    print(q.get())",
    );
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        ["3", "b'z-first'", "b'z-mid'", "b'z-late'", "None"]
    );
    // LockingQueue: kazoo's entries are claimed by zkclient, zkclient's by kazoo.
    common::kazoo(
        &hosts,
        "q = zk.LockingQueue('/klq')\nq.put(b'k1', priority=9)",
    );
    let locking = LockingQueue::new(&zk[0], "/klq");
    locking.put(b"z1", 10).unwrap();
    assert_eq!(
        locking.get(Some(Duration::ZERO)).unwrap().as_deref(),
        Some(&b"k1"[..])
    );
    let out = common::kazoo(
        &hosts,
        "q = zk.LockingQueue('/klq')\nprint(len(q))\nprint(q.get(1))\nprint(q.consume())\nprint(q.get(0.2))",
    );
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        ["2", "b'z1'", "True", "None"]
    );
    assert!(locking.consume().unwrap());
    assert_eq!(locking.len().unwrap(), 0);
}

#[test]
fn election_runs_the_first_contender_then_the_second_and_lists_contenders() {
    let (_, zk) = clients("election", 2);
    let first = Election::new(&zk[0], "/e", "first");
    let second = Election::new(&zk[1], "/e", "second");
    let order = Arc::new(Mutex::new(Vec::new()));
    let (in_tx, in_rx) = channel();
    let (out_tx, out_rx) = channel::<()>();
    let log = order.clone();
    let one = thread::spawn(move || {
        first.run(|| {
            log.lock().unwrap().push("first");
            in_tx.send(()).unwrap();
            out_rx.recv().unwrap();
        })
    });
    in_rx.recv_timeout(EVENT_TIMEOUT).unwrap();
    let log = order.clone();
    let waiting = second.clone();
    let two = thread::spawn(move || {
        waiting.run(|| {
            log.lock().unwrap().push("second");
            7
        })
    });
    wait_for_children(&zk[0], "/e", 2); // the second contender has joined
    assert_eq!(second.contenders().unwrap(), ["first", "second"]);
    assert_eq!(*order.lock().unwrap(), ["first"], "the second waits");
    out_tx.send(()).unwrap();
    assert_eq!(one.join().unwrap().unwrap(), Some(()));
    assert_eq!(two.join().unwrap().unwrap(), Some(7));
    assert_eq!(*order.lock().unwrap(), ["first", "second"]);
    assert!(second.contenders().unwrap().is_empty());
}

#[test]
fn cancel_unblocks_a_waiting_run() {
    let (_, zk) = clients("election-cancel", 2);
    let leader = Election::new(&zk[0], "/e", "leader");
    let (in_tx, in_rx) = channel();
    let (out_tx, out_rx) = channel::<()>();
    let one = thread::spawn(move || {
        leader.run(|| {
            in_tx.send(()).unwrap();
            out_rx.recv().unwrap();
        })
    });
    in_rx.recv_timeout(EVENT_TIMEOUT).unwrap();
    let waiter = Election::new(&zk[1], "/e", "waiter");
    let waiting = waiter.clone();
    let (tx, rx) = channel();
    thread::spawn(move || tx.send(waiting.run(|| "ran")).unwrap());
    wait_for_children(&zk[0], "/e", 2); // the waiter has joined
    assert!(rx.try_recv().is_err());
    waiter.cancel();
    assert_eq!(rx.recv_timeout(EVENT_TIMEOUT).unwrap().unwrap(), None);
    assert_eq!(waiter.contenders().unwrap(), ["leader"], "the node is gone");
    out_tx.send(()).unwrap();
    one.join().unwrap().unwrap();
}

/// The leader's session is lost while its function runs: it is told (LOST), is no longer
/// the leader, and the next contender is elected at once, without waiting for the function.
#[test]
fn a_leader_whose_session_is_lost_is_told_and_the_next_contender_leads() {
    let mut doomed_session = common::BehindProxy::start("election-expire");
    let (doomed_zk, zk) = (
        doomed_session.client.clone(),
        doomed_session.observer.clone(),
    );
    let (state_tx, state_rx) = channel();
    let state_tx = Mutex::new(state_tx);
    let doomed = Election::with_listener(
        &doomed_zk,
        "/e",
        "doomed",
        Some(Box::new(move |state| {
            let _ = state_tx.lock().unwrap().send(state);
        })),
    );
    let (in_tx, in_rx) = channel();
    let (out_tx, out_rx) = channel::<()>();
    let leading = doomed.clone();
    let one = thread::spawn(move || {
        leading.run(|| {
            in_tx.send(()).unwrap();
            out_rx.recv().unwrap();
        })
    });
    in_rx.recv_timeout(EVENT_TIMEOUT).unwrap();
    assert!(doomed.is_leader());
    let next = Election::new(&zk, "/e", "next");
    let (next_tx, next_rx) = channel();
    let waiting = next.clone();
    let two = thread::spawn(move || waiting.run(|| next_tx.send("elected").unwrap()));
    wait_for_children(&zk, "/e", 2);
    doomed_session.expire_session(|| {
        assert_eq!(next_rx.recv_timeout(EVENT_TIMEOUT).unwrap(), "elected");
    });
    let mut seen = Vec::new();
    while !seen.contains(&zkclient::State::Lost) {
        seen.push(
            state_rx
                .recv_timeout(EVENT_TIMEOUT)
                .expect("the leader is told"),
        );
    }
    assert!(!doomed.is_leader());
    out_tx.send(()).unwrap();
    assert_eq!(one.join().unwrap().unwrap(), Some(()));
    assert_eq!(two.join().unwrap().unwrap(), Some(()));
}

/// A contender waiting across a server restart is still in line afterwards, and is elected
/// when the leader (whose session lived) returns.
#[test]
fn an_election_rides_out_a_server_restart() {
    let cluster = common::Cluster::start("election-restart", 1, 500);
    let zk = cluster.clients("election-restart", 2);
    let (a, b) = (&zk[0], &zk[1]);
    let leader = Election::new(a, "/e", "leader");
    let (in_tx, in_rx) = channel();
    let (out_tx, out_rx) = channel::<()>();
    let one = thread::spawn(move || {
        leader.run(|| {
            in_tx.send(()).unwrap();
            out_rx.recv().unwrap();
        })
    });
    in_rx.recv_timeout(EVENT_TIMEOUT).unwrap();
    let waiter = Election::new(b, "/e", "waiter");
    let (tx, rx) = channel();
    let waiting = waiter.clone();
    thread::spawn(move || tx.send(waiting.run(|| "ran")).unwrap());
    wait_for_children(a, "/e", 2);
    cluster.restart_server(1, &[a, b]);
    assert_eq!(waiter.contenders().unwrap(), ["leader", "waiter"]);
    assert!(rx.try_recv().is_err(), "the waiter waits");
    out_tx.send(()).unwrap();
    assert_eq!(one.join().unwrap().unwrap(), Some(()));
    assert_eq!(
        rx.recv_timeout(EVENT_TIMEOUT).unwrap().unwrap(),
        Some("ran")
    );
}

#[test]
fn election_interop_with_kazoo() {
    let (hosts, zk) = clients("election-kazoo", 2);
    let leader = Election::new(&zk[0], "/e", "rust-leader");
    let (in_tx, in_rx) = channel();
    let (out_tx, out_rx) = channel::<()>();
    let one = thread::spawn(move || {
        leader.run(|| {
            in_tx.send(()).unwrap();
            out_rx.recv().unwrap();
        })
    });
    in_rx.recv_timeout(EVENT_TIMEOUT).unwrap();
    let waiter = Election::new(&zk[1], "/e", "rust-waiter");
    let waiting = waiter.clone();
    let two = thread::spawn(move || waiting.run(|| "ran"));
    wait_for_children(&zk[0], "/e", 2); // the waiter has joined
    let out = common::kazoo(&hosts, "print(zk.Election('/e', 'py').contenders())");
    assert_eq!(out.trim(), "['rust-leader', 'rust-waiter']");
    out_tx.send(()).unwrap();
    one.join().unwrap().unwrap();
    assert_eq!(two.join().unwrap().unwrap(), Some("ran"));
    // kazoo leads while zkclient waits, and zkclient runs once kazoo's leader returns.
    let hosts_py = hosts.clone();
    let py = thread::spawn(move || {
        common::kazoo(
            &hosts_py,
            "import time\ne = zk.Election('/e', 'py')\n\
             def lead():\n    print('py leads')\n    sys.stdout.flush()\n    time.sleep(1.5)\n\
             e.run(lead)\nprint('py done')",
        )
    });
    let deadline = Instant::now() + EVENT_TIMEOUT;
    while waiter.contenders().unwrap() != ["py"] {
        assert!(Instant::now() < deadline, "kazoo's contender appears");
        thread::sleep(Duration::from_millis(20));
    }
    let ran = waiter
        .run(|| waiter.contenders().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(
        ran,
        ["rust-waiter"],
        "zkclient runs after kazoo's leader left"
    );
    assert_eq!(
        py.join().unwrap().lines().collect::<Vec<_>>(),
        ["py leads", "py done"]
    );
}

use crate::common::{c, last_message};

fn c_client(name: &str) -> *mut zk_client {
    let hosts = shared_hosts();
    let chroot = unique_chroot(name);
    let root = connect(&hosts, &chroot, ClientOptions::default());
    root.stop().unwrap();
    let mut client = null_mut();
    // SAFETY: valid arguments.
    unsafe {
        assert_eq!(
            zk_client_new(c(&format!("{hosts}{chroot}")).as_ptr(), null(), &mut client),
            zk_error::ZK_OK
        );
        assert_eq!(zk_client_start(client, 30_000), zk_error::ZK_OK);
    }
    client
}

/// Takes a buffer's bytes and frees it.
unsafe fn bytes(mut buffer: zk_buffer) -> Vec<u8> {
    let out = if buffer.data.is_null() {
        Vec::new()
    } else {
        // SAFETY: a buffer from the library.
        unsafe { std::slice::from_raw_parts(buffer.data, buffer.len).to_vec() }
    };
    // SAFETY: from the library, freed once.
    unsafe { zk_buffer_free(&mut buffer) };
    out
}

fn empty_buffer() -> zk_buffer {
    zk_buffer {
        data: null_mut(),
        len: 0,
    }
}

#[test]
fn queues_through_the_c_api() {
    let client = c_client("c-queue");
    // SAFETY: valid or deliberately NULL arguments throughout.
    unsafe {
        let mut queue = null_mut();
        assert_eq!(
            zk_queue_new(null_mut(), c("/q").as_ptr(), &mut queue),
            zk_error::ZK_EINVAL
        );
        assert_eq!(
            zk_queue_new(client, null(), &mut queue),
            zk_error::ZK_EINVAL
        );
        assert_eq!(
            zk_queue_new(client, c("/q").as_ptr(), null_mut()),
            zk_error::ZK_EINVAL
        );
        assert!(queue.is_null());
        assert_eq!(
            zk_queue_new(client, c("/q").as_ptr(), &mut queue),
            zk_error::ZK_OK
        );
        assert_eq!(
            zk_queue_put(null_mut(), b"x".as_ptr(), 1, 1),
            zk_error::ZK_EINVAL
        );
        assert_eq!(
            zk_queue_put(queue, b"x".as_ptr(), 1, 1000),
            zk_error::ZK_EINVAL
        );
        assert_eq!(
            zk_queue_put(queue, b"two".as_ptr(), 3, 200),
            zk_error::ZK_OK
        );
        assert_eq!(
            zk_queue_put(queue, b"one".as_ptr(), 3, 100),
            zk_error::ZK_OK
        );
        let mut len = 0;
        assert_eq!(zk_queue_len(queue, &mut len), zk_error::ZK_OK);
        assert_eq!(len, 2);
        let mut data = empty_buffer();
        let mut got = false;
        assert_eq!(
            zk_queue_get(queue, 0, null_mut(), &mut got),
            zk_error::ZK_EINVAL
        );
        assert_eq!(
            zk_queue_get(queue, -2, &mut data, &mut got),
            zk_error::ZK_EINVAL
        );
        assert_eq!(zk_queue_get(queue, 0, &mut data, &mut got), zk_error::ZK_OK);
        assert!(got);
        assert_eq!(bytes(data), b"one");
        let mut data = empty_buffer();
        assert_eq!(
            zk_queue_get(queue, 1000, &mut data, &mut got),
            zk_error::ZK_OK
        );
        assert!(got);
        assert_eq!(bytes(data), b"two");
        let mut data = empty_buffer();
        assert_eq!(
            zk_queue_get(queue, 100, &mut data, &mut got),
            zk_error::ZK_OK
        );
        assert!(!got);
        assert!(data.data.is_null());
        // put_all: one transaction, in order; an empty value is NULL with length 0.
        let values = [b"a".as_ptr(), null(), b"ccc".as_ptr()];
        let lens = [1usize, 0, 3];
        assert_eq!(
            zk_queue_put_all(queue, values.as_ptr(), null(), 3, 100),
            zk_error::ZK_EINVAL
        );
        assert!(
            last_message().contains("lens is NULL"),
            "{}",
            last_message()
        );
        let bad_lens = [1usize, 4, 3];
        assert_eq!(
            zk_queue_put_all(queue, values.as_ptr(), bad_lens.as_ptr(), 3, 100),
            zk_error::ZK_EINVAL
        );
        assert!(last_message().contains("values[1]"), "{}", last_message());
        assert_eq!(
            zk_queue_put_all(queue, values.as_ptr(), lens.as_ptr(), 3, 1000),
            zk_error::ZK_EINVAL
        );
        assert_eq!(zk_queue_len(queue, &mut len), zk_error::ZK_OK);
        assert_eq!(len, 0, "nothing of a refused put_all was written");
        assert_eq!(
            zk_queue_put_all(queue, null(), null(), 0, 100),
            zk_error::ZK_OK
        );
        assert_eq!(
            zk_queue_put_all(queue, values.as_ptr(), lens.as_ptr(), 3, 100),
            zk_error::ZK_OK
        );
        for want in [&b"a"[..], b"", b"ccc"] {
            let mut data = empty_buffer();
            assert_eq!(zk_queue_get(queue, 0, &mut data, &mut got), zk_error::ZK_OK);
            assert!(got);
            assert_eq!(bytes(data), want);
        }
        zk_queue_free(queue);
        zk_queue_free(null_mut());

        let mut locking = null_mut();
        assert_eq!(
            zk_locking_queue_new(client, null(), &mut locking),
            zk_error::ZK_EINVAL
        );
        assert_eq!(
            zk_locking_queue_new(client, c("/lq").as_ptr(), &mut locking),
            zk_error::ZK_OK
        );
        let mut done = false;
        assert_eq!(
            zk_locking_queue_consume(locking, null_mut()),
            zk_error::ZK_EINVAL
        );
        assert_eq!(
            zk_locking_queue_consume(locking, &mut done),
            zk_error::ZK_OK
        );
        assert!(!done);
        assert_eq!(
            zk_locking_queue_put(locking, b"job".as_ptr(), 3, 100),
            zk_error::ZK_OK
        );
        let mut data = empty_buffer();
        assert_eq!(
            zk_locking_queue_get(locking, -1, &mut data, &mut got),
            zk_error::ZK_OK
        );
        assert!(got);
        assert_eq!(bytes(data), b"job");
        assert_eq!(
            zk_locking_queue_release(locking, &mut done),
            zk_error::ZK_OK
        );
        assert!(done);
        let mut data = empty_buffer();
        assert_eq!(
            zk_locking_queue_get(locking, 0, &mut data, &mut got),
            zk_error::ZK_OK
        );
        assert!(got);
        assert_eq!(bytes(data), b"job");
        let mut holds = false;
        assert_eq!(
            zk_locking_queue_holds_lock(locking, null_mut()),
            zk_error::ZK_EINVAL
        );
        assert_eq!(
            zk_locking_queue_holds_lock(locking, &mut holds),
            zk_error::ZK_OK
        );
        assert!(holds);
        assert_eq!(
            zk_locking_queue_consume(locking, &mut done),
            zk_error::ZK_OK
        );
        assert!(done);
        assert_eq!(
            zk_locking_queue_holds_lock(locking, &mut holds),
            zk_error::ZK_OK
        );
        assert!(!holds);
        assert_eq!(zk_locking_queue_len(locking, &mut len), zk_error::ZK_OK);
        assert_eq!(len, 0);
        let values = [b"x".as_ptr(), b"y".as_ptr()];
        let lens = [1usize, 1];
        assert_eq!(
            zk_locking_queue_put_all(locking, values.as_ptr(), lens.as_ptr(), 2, 7),
            zk_error::ZK_OK
        );
        assert_eq!(zk_locking_queue_len(locking, &mut len), zk_error::ZK_OK);
        assert_eq!(len, 2);
        zk_locking_queue_free(locking);
        zk_locking_queue_free(null_mut());
        zk_client_free(client);
    }
}

unsafe extern "C" fn leader(user_data: *mut c_void) -> i32 {
    // SAFETY: the test passes a live counter.
    let runs = unsafe { &*(user_data as *const std::sync::atomic::AtomicUsize) };
    runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    zk_error::ZK_ENONODE as i32
}

struct SendPtr(*mut zk_election);
// SAFETY: zk_election is thread-safe per its documentation.
unsafe impl Send for SendPtr {}

#[test]
fn election_through_the_c_api() {
    let client = c_client("c-election");
    // SAFETY: valid or deliberately NULL arguments throughout.
    unsafe {
        let mut election = null_mut();
        assert_eq!(
            zk_election_new(client, null(), b"c".as_ptr(), 1, &mut election),
            zk_error::ZK_EINVAL
        );
        assert_eq!(
            zk_election_new(client, c("/e").as_ptr(), b"c".as_ptr(), 1, &mut election),
            zk_error::ZK_OK
        );
        let runs = std::sync::atomic::AtomicUsize::new(0);
        let user = &runs as *const _ as *mut c_void;
        assert_eq!(
            zk_election_run(null_mut(), Some(leader), user),
            zk_error::ZK_EINVAL
        );
        assert_eq!(zk_election_run(election, None, user), zk_error::ZK_EINVAL);
        // The leader function's result is the run's result.
        assert_eq!(
            zk_election_run(election, Some(leader), user),
            zk_error::ZK_ENONODE
        );
        assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 1);
        let mut list = zk_string_list {
            items: null_mut(),
            count: 7,
        };
        assert_eq!(
            zk_election_contenders(election, null_mut()),
            zk_error::ZK_EINVAL
        );
        assert_eq!(zk_election_contenders(election, &mut list), zk_error::ZK_OK);
        assert_eq!(list.count, 0);
        // Cancel before a run: the run returns ZK_ECLOSED without calling the leader.
        assert_eq!(zk_election_cancel(null_mut()), zk_error::ZK_EINVAL);
        assert_eq!(zk_election_cancel(election), zk_error::ZK_OK);
        let handle = SendPtr(election);
        let user_addr = user as usize;
        let (ran, message) = thread::spawn(move || {
            let handle = handle;
            // SAFETY: live until joined.
            let code = zk_election_run(handle.0, Some(leader), user_addr as *mut c_void);
            // SAFETY: this thread's last error message.
            let message = CStr::from_ptr(zk_last_error_message());
            (code, message.to_string_lossy().into_owned())
        })
        .join()
        .unwrap();
        assert_eq!(ran, zk_error::ZK_ECLOSED);
        assert!(message.contains("cancelled"), "{message}");
        assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 1);
        zk_election_free(election);
        zk_election_free(null_mut());
        zk_client_free(client);
    }
}

static LISTENER_DATA_FREED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

unsafe extern "C" fn ignore_state(_state: zk_state, _user_data: *mut c_void) {}

unsafe extern "C" fn count_free(_user_data: *mut c_void) {
    LISTENER_DATA_FREED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
}

/// Leads only if the election handle it is given says it leads.
unsafe extern "C" fn leader_that_checks(user_data: *mut c_void) -> i32 {
    // SAFETY: the test passes its live election handle.
    if unsafe { zk_election_is_leader(user_data as *const zk_election) } {
        zk_error::ZK_OK as i32
    } else {
        zk_error::ZK_EINVAL as i32
    }
}

#[test]
fn election_leadership_and_its_listener_through_the_c_api() {
    use std::sync::atomic::Ordering;
    let client = c_client("c-election-listener");
    // SAFETY: valid or deliberately NULL arguments throughout.
    unsafe {
        let mut election = null_mut();
        let before = LISTENER_DATA_FREED.load(Ordering::SeqCst);
        assert_eq!(
            zk_election_new_with_listener(
                client,
                null(),
                null(),
                0,
                Some(ignore_state),
                null_mut(),
                Some(count_free),
                &mut election
            ),
            zk_error::ZK_EINVAL
        );
        assert!(election.is_null());
        assert_eq!(LISTENER_DATA_FREED.load(Ordering::SeqCst), before + 1);
        assert_eq!(
            zk_election_new_with_listener(
                client,
                c("/e").as_ptr(),
                b"c".as_ptr(),
                1,
                Some(ignore_state),
                null_mut(),
                Some(count_free),
                &mut election
            ),
            zk_error::ZK_OK
        );
        assert!(!zk_election_is_leader(election));
        assert!(!zk_election_is_leader(null()));
        assert_eq!(
            zk_election_run(election, Some(leader_that_checks), election.cast()),
            zk_error::ZK_OK,
            "zk_election_is_leader is true while the leader function runs"
        );
        assert!(!zk_election_is_leader(election));
        zk_election_free(election);
        zk_client_free(client);
        assert_eq!(LISTENER_DATA_FREED.load(Ordering::SeqCst), before + 2);
    }
}
