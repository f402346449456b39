//! Election: leadership hand-over, cancel, a lost session, a restart, kazoo, the C API.

mod common;

use std::sync::mpsc::channel;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use common::{shared_clients, wait_for_children, EVENT_TIMEOUT};
use zkclient::recipe::election::Election;

#[test]
fn election_runs_the_first_contender_then_the_second_and_lists_contenders() {
    let (_, zk) = shared_clients("election", 2);
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
    let (_, zk) = shared_clients("election-cancel", 2);
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
    let (hosts, zk) = shared_clients("election-kazoo", 2);
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

mod c_api {
    use std::ffi::{c_void, CStr};
    use std::ptr::{null, null_mut};
    use std::thread;

    use zkclient::ffi::recipe::election::*;
    use zkclient::ffi::*;

    use crate::common::{c, c_client};

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

    static LISTENER_DATA_FREED: std::sync::atomic::AtomicUsize =
        std::sync::atomic::AtomicUsize::new(0);

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
}
