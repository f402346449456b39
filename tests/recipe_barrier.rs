//! Barrier and DoubleBarrier: they open when they should and no sooner, with kazoo, the C API.

mod common;

use std::sync::mpsc::channel;
use std::sync::{Arc, Barrier as Rendezvous};
use std::time::Duration;

use common::{data, shared_clients, wait_for_children, EVENT_TIMEOUT};
use zkclient::recipe::barrier::{Barrier, DoubleBarrier};
use zkclient::Wait;

#[test]
fn barrier_wait_times_out_while_up_and_returns_once_removed() {
    let (_, zk) = shared_clients("barrier", 2);
    let barrier = Barrier::new(&zk[0], "/gate");
    // Not up: passes at once.
    assert!(barrier.wait(Some(Duration::ZERO)).unwrap());
    barrier.create().unwrap();
    barrier.create().unwrap();
    assert!(!barrier.wait(Some(Duration::from_millis(200))).unwrap());
    // A data change while a waiter is waiting does not open it: once the waiter's watch is
    // registered (its client counts it), another client changes the data.
    let waiter = barrier.clone();
    let thread = std::thread::spawn(move || waiter.wait(Some(Duration::from_millis(1500))));
    let deadline = std::time::Instant::now() + EVENT_TIMEOUT;
    while zk[0].watch_count() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the waiter never set its watch"
        );
        std::thread::yield_now();
    }
    zk[1].set("/gate", b"x", -1).wait().unwrap();
    assert!(!thread.join().unwrap().unwrap());

    let (tx, rx) = channel();
    let waiter = barrier.clone();
    let thread = std::thread::spawn(move || {
        tx.send(()).unwrap();
        waiter.wait(None)
    });
    rx.recv().unwrap();
    // Removed by another client, before or after the waiter set its watch: it returns true.
    assert!(Barrier::new(&zk[1], "/gate").remove().unwrap());
    assert!(thread.join().unwrap().unwrap());
    assert!(!barrier.remove().unwrap());
    assert!(barrier.wait(None).unwrap());
}

#[test]
fn double_barrier_opens_on_the_last_arrival_and_closes_on_the_last_departure() {
    let (_, zk) = shared_clients("double-barrier", 4);
    let (tx, rx) = channel();
    // Holds the two threads between entering and leaving until the test has looked.
    let rendezvous = Arc::new(Rendezvous::new(3));
    let mut threads = Vec::new();
    for (index, client) in zk[..2].iter().cloned().enumerate() {
        let (tx, rendezvous) = (tx.clone(), rendezvous.clone());
        threads.push(std::thread::spawn(move || {
            let barrier = DoubleBarrier::new(&client, "/work", 3, &format!("p{index}")).unwrap();
            tx.send(("enter", barrier.enter(None).unwrap())).unwrap();
            rendezvous.wait();
            tx.send(("leave", barrier.leave(None).unwrap())).unwrap();
        }));
    }
    // Two of three are in: nobody passes.
    assert!(rx.recv_timeout(Duration::from_millis(500)).is_err());
    let children = zk[3].get_children("/work").wait().unwrap().0;
    assert_eq!(children.len(), 2);
    let child = &children[0];
    assert_eq!(child.len(), 32, "{child}");
    assert!(data(&zk[3], &format!("/work/{child}")).starts_with(b"p"));

    let third = DoubleBarrier::new(&zk[2], "/work", 3, "p2").unwrap();
    assert!(third.enter(Some(EVENT_TIMEOUT)).unwrap());
    for _ in 0..2 {
        assert_eq!(rx.recv_timeout(EVENT_TIMEOUT).unwrap(), ("enter", true));
    }
    assert!(zk[3].exists("/work/ready").wait().unwrap().is_some());
    rendezvous.wait();
    // Leaving, too, returns only once all three are out.
    assert!(third.leave(Some(EVENT_TIMEOUT)).unwrap());
    for _ in 0..2 {
        assert_eq!(rx.recv_timeout(EVENT_TIMEOUT).unwrap(), ("leave", true));
    }
    for thread in threads {
        thread.join().unwrap();
    }
    assert!(zk[3].get_children("/work").wait().unwrap().0.is_empty());
}

#[test]
fn double_barrier_enter_times_out_when_too_few_come() {
    let (_, zk) = shared_clients("double-barrier-timeout", 2);
    let threads: Vec<_> = zk
        .iter()
        .cloned()
        .map(|client| {
            std::thread::spawn(move || {
                DoubleBarrier::new(&client, "/few", 3, "x")
                    .unwrap()
                    .enter(Some(Duration::from_millis(500)))
                    .unwrap()
            })
        })
        .collect();
    for thread in threads {
        assert!(!thread.join().unwrap());
    }
    // Both cleaned up after themselves.
    assert!(zk[0].get_children("/few").wait().unwrap().0.is_empty());
}

/// A barrier waiter and a double-barrier participant keep waiting across a server restart
/// (their sessions live), and pass when the barrier comes down / the last one arrives.
#[test]
fn barriers_hold_across_a_server_restart() {
    let cluster = common::Cluster::start("barrier-restart", 1, 500);
    let zk = cluster.clients("barrier-restart", 3);
    let barrier = Barrier::new(&zk[0], "/gate");
    barrier.create().unwrap();
    let (tx, rx) = channel();
    let waiter = Barrier::new(&zk[1], "/gate");
    let passed = tx.clone();
    std::thread::spawn(move || {
        passed
            .send(("barrier", waiter.wait(None).unwrap()))
            .unwrap()
    });
    let first = DoubleBarrier::new(&zk[1], "/work", 2, "first").unwrap();
    std::thread::spawn(move || tx.send(("double", first.enter(None).unwrap())).unwrap());
    cluster.restart_server(1, &[&zk[0], &zk[1], &zk[2]]);
    assert!(
        rx.recv_timeout(Duration::from_millis(300)).is_err(),
        "nobody passed yet"
    );
    assert!(barrier.remove().unwrap());
    assert_eq!(rx.recv_timeout(EVENT_TIMEOUT).unwrap(), ("barrier", true));
    let second = DoubleBarrier::new(&zk[2], "/work", 2, "second").unwrap();
    assert!(second.enter(Some(EVENT_TIMEOUT)).unwrap());
    assert_eq!(rx.recv_timeout(EVENT_TIMEOUT).unwrap(), ("double", true));
}

/// A participant whose session is lost while it waits in `enter` is gone from the barrier
/// while the session is (its node went with it), enters again with the client's new session,
/// and the barrier opens for it and the next arrival.
#[test]
fn a_double_barrier_participant_whose_session_is_lost_enters_again() {
    let mut doomed_session = common::BehindProxy::start("double-barrier-expire");
    let zk = doomed_session.observer.clone();
    let doomed = DoubleBarrier::new(&doomed_session.client, "/work", 2, "doomed").unwrap();
    let (tx, rx) = channel();
    std::thread::spawn(move || tx.send(doomed.enter(Some(EVENT_TIMEOUT))).unwrap());
    wait_for_children(&zk, "/work", 1);
    doomed_session.expire_session(|| {
        assert!(zk.get_children("/work").wait().unwrap().0.is_empty());
    });
    wait_for_children(&zk, "/work", 1); // entered again, in the new session
    let survivor = DoubleBarrier::new(&zk, "/work", 2, "survivor").unwrap();
    assert!(survivor.enter(Some(EVENT_TIMEOUT)).unwrap());
    assert!(rx.recv_timeout(EVENT_TIMEOUT).unwrap().unwrap());
}

#[test]
fn kazoo_and_zkclient_pass_barriers_together() {
    let (hosts, zk) = shared_clients("barrier-kazoo", 1);
    let zk = &zk[0];
    // A double barrier of two: one kazoo participant, one zkclient participant.
    let kazoo_hosts = hosts.clone();
    let thread = std::thread::spawn(move || {
        common::kazoo(
            &kazoo_hosts,
            "b = zk.DoubleBarrier('/db', 2, 'py')\nb.enter()\nprint('in', b.participating)\n\
             b.leave()\nprint('out', b.participating)",
        )
    });
    let barrier = DoubleBarrier::new(zk, "/db", 2, "rust").unwrap();
    assert!(barrier.enter(Some(Duration::from_secs(60))).unwrap());
    assert!(barrier.leave(Some(Duration::from_secs(60))).unwrap());
    assert_eq!(
        thread.join().unwrap().lines().collect::<Vec<_>>(),
        ["in True", "out False"]
    );
    assert!(zk.get_children("/db").wait().unwrap().0.is_empty());

    // kazoo's Barrier sees zkclient's, and passes once zkclient removes it.
    let gate = Barrier::new(zk, "/gate");
    gate.create().unwrap();
    let out = common::kazoo(&hosts, "print(zk.Barrier('/gate').wait(0.2))");
    assert_eq!(out.trim(), "False");
    assert!(gate.remove().unwrap());
    let out = common::kazoo(&hosts, "print(zk.Barrier('/gate').wait(5))");
    assert_eq!(out.trim(), "True");
}

mod c_api {
    use std::ptr::{null, null_mut};

    use zkclient::ffi::recipe::barrier::*;
    use zkclient::ffi::*;

    use crate::common::{c, c_client, last_message};

    #[test]
    fn barriers_through_the_c_api() {
        let client = c_client("c-barrier");
        // SAFETY: valid or deliberately NULL arguments throughout.
        unsafe {
            let mut barrier = null_mut();
            assert_eq!(
                zk_barrier_new(client, null(), &mut barrier),
                zk_error::ZK_EINVAL
            );
            assert!(last_message().contains("path"));
            assert_eq!(
                zk_barrier_new(client, c("/b").as_ptr(), &mut barrier),
                zk_error::ZK_OK
            );
            assert_eq!(zk_barrier_create(null_mut()), zk_error::ZK_EINVAL);
            assert_eq!(zk_barrier_create(barrier), zk_error::ZK_OK);
            let mut passed = true;
            assert_eq!(
                zk_barrier_wait(barrier, -2, &mut passed),
                zk_error::ZK_EINVAL
            );
            assert_eq!(
                zk_barrier_wait(barrier, 100, null_mut()),
                zk_error::ZK_EINVAL
            );
            assert!(passed);
            assert_eq!(zk_barrier_wait(barrier, 100, &mut passed), zk_error::ZK_OK);
            assert!(!passed);
            let mut removed = false;
            assert_eq!(zk_barrier_remove(barrier, &mut removed), zk_error::ZK_OK);
            assert!(removed);
            assert_eq!(zk_barrier_remove(barrier, &mut removed), zk_error::ZK_OK);
            assert!(!removed);
            assert_eq!(zk_barrier_wait(barrier, -1, &mut passed), zk_error::ZK_OK);
            assert!(passed);
            zk_barrier_free(barrier);
            zk_barrier_free(null_mut());

            let mut double = null_mut();
            let id = b"solo";
            assert_eq!(
                zk_double_barrier_new(client, c("/d").as_ptr(), 0, id.as_ptr(), 4, &mut double),
                zk_error::ZK_EINVAL
            );
            assert_eq!(
                zk_double_barrier_new(client, c("/d").as_ptr(), 1, null(), 4, &mut double),
                zk_error::ZK_EINVAL
            );
            assert!(last_message().contains("identifier"));
            assert!(double.is_null());
            assert_eq!(
                zk_double_barrier_new(client, c("/d").as_ptr(), 1, id.as_ptr(), 4, &mut double),
                zk_error::ZK_OK
            );
            let mut entered = false;
            assert_eq!(
                zk_double_barrier_enter(double, 1000, null_mut()),
                zk_error::ZK_EINVAL
            );
            assert_eq!(
                zk_double_barrier_enter(double, 10_000, &mut entered),
                zk_error::ZK_OK
            );
            assert!(entered);
            let mut left = false;
            assert_eq!(
                zk_double_barrier_leave(double, 10_000, &mut left),
                zk_error::ZK_OK
            );
            assert!(left);
            zk_double_barrier_free(double);
            zk_double_barrier_free(null_mut());
            zk_client_free(client);
        }
    }
}
