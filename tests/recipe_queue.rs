//! Queue and LockingQueue: order, concurrent takers, claims, lost replies, kazoo, the C API.

mod common;

use std::collections::HashSet;
use std::sync::mpsc::channel;
use std::thread;
use std::time::{Duration, Instant};

use common::{shared_clients, wait_for_watches, EVENT_TIMEOUT};
use zkclient::recipe::queue::{LockingQueue, Queue};
use zkclient::Wait;

fn take_all(queue: &Queue) -> Vec<Vec<u8>> {
    let mut taken = Vec::new();
    while let Some(data) = queue.get(Some(Duration::ZERO)).unwrap() {
        taken.push(data);
    }
    taken
}

#[test]
fn queue_is_fifo_within_a_priority_and_lower_priority_first() {
    let (_, zk) = shared_clients("queue-order", 1);
    let queue = Queue::new(&zk[0], "/q");
    assert_eq!(queue.get(Some(Duration::ZERO)).unwrap(), None);
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
    assert_eq!(queue.get(Some(Duration::ZERO)).unwrap(), None);
    assert_eq!(queue.len().unwrap(), 0);
}

#[test]
fn concurrent_getters_take_each_entry_exactly_once() {
    let (_, zk) = shared_clients("queue-concurrent", 5);
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
    let (_, zk) = shared_clients("queue-blocking", 2);
    let consumer = Queue::new(&zk[0], "/q");
    let started = Instant::now();
    assert_eq!(
        consumer.get(Some(Duration::from_millis(300))).unwrap(),
        None
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
    let (tx, rx) = channel();
    let waiting = consumer.clone();
    thread::spawn(move || tx.send(waiting.get(None)).unwrap());
    wait_for_watches(&zk[0], 1); // the waiter has seen the queue empty and watches it
    assert!(rx.try_recv().is_err(), "still waiting on an empty queue");
    Queue::new(&zk[1], "/q").put(b"hello", 100).unwrap();
    let got = rx.recv_timeout(EVENT_TIMEOUT).unwrap().unwrap();
    assert_eq!(got.as_deref(), Some(&b"hello"[..]));
}

#[test]
fn locking_queue_claims_consumes_and_releases() {
    let (_, zk) = shared_clients("lqueue", 2);
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
    let (_, zk) = shared_clients("lqueue-session", 3);
    let waiter = LockingQueue::new(&zk[1], "/lq");
    let (tx, rx) = channel();
    let waiting = waiter.clone();
    thread::spawn(move || tx.send(waiting.get(None)).unwrap());
    wait_for_watches(&zk[1], 2); // the waiter watches the entries and the claims
    assert!(rx.try_recv().is_err());
    let claimer = LockingQueue::new(&zk[0], "/lq");
    claimer.put(b"job", 100).unwrap();
    let got = rx.recv_timeout(EVENT_TIMEOUT).unwrap().unwrap();
    assert_eq!(got.as_deref(), Some(&b"job"[..]));
    // The waiter's session ends: its claim goes, and another consumer takes the entry.
    let other = LockingQueue::new(&zk[2], "/lq");
    let (tx, rx) = channel();
    thread::spawn(move || tx.send(other.get(Some(EVENT_TIMEOUT))).unwrap());
    wait_for_watches(&zk[2], 2); // it has seen the entry claimed, and watches
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
    assert_eq!(
        queue.get(Some(Duration::ZERO)).unwrap().as_deref(),
        Some(&b"one"[..])
    );
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
    assert_eq!(queue.get(Some(Duration::ZERO)).unwrap(), None);
    let (tx, rx) = channel();
    let waiting = queue.clone();
    thread::spawn(move || tx.send(waiting.get(None)).unwrap());
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
    let (hosts, zk) = shared_clients("queue-kazoo", 1);
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

mod c_api {
    use std::ptr::{null, null_mut};

    use zkclient::ffi::recipe::queue::*;
    use zkclient::ffi::*;

    use crate::common::{c, c_client, last_message};

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
}
