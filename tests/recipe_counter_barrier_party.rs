//! Counter, Barrier, DoubleBarrier, Party and ShallowParty against the shared real server:
//! no lost update under contention, kazoo's node layouts and data formats (checked by running
//! kazoo 2.11 on the same nodes), barriers that block until they should open and no longer,
//! and the C API of each handle.

mod common;

use std::ffi::CStr;
use std::ptr::{null, null_mut};
use std::sync::mpsc::channel;
use std::sync::{Arc, Barrier as Rendezvous};
use std::time::Duration;

use common::{connect, shared_hosts, unique_chroot, wait_for_children, EVENT_TIMEOUT};
use zkclient::ffi::recipe::barrier::*;
use zkclient::ffi::recipe::counter::*;
use zkclient::ffi::recipe::party::*;
use zkclient::ffi::*;
use zkclient::recipe::barrier::{Barrier, DoubleBarrier};
use zkclient::recipe::counter::{Counter, CounterFormat};
use zkclient::recipe::party::{Party, ShallowParty};
use zkclient::{Client, ClientOptions, CreateOptions, Error, Wait};

/// `count` clients under one fresh chroot, and the connect string (with chroot) for kazoo.
fn clients(name: &str, count: usize) -> (String, Vec<Client>) {
    let hosts = shared_hosts();
    let chroot = unique_chroot(name);
    let clients = (0..count)
        .map(|_| connect(&hosts, &chroot, ClientOptions::default()))
        .collect();
    (format!("{hosts}{chroot}"), clients)
}

fn data(zk: &Client, path: &str) -> Vec<u8> {
    zk.get(path).wait().unwrap().0
}

#[test]
fn counter_adds_subtracts_and_creates_with_the_default() {
    let (_, zk) = clients("counter-basic", 1);
    let zk = &zk[0];
    let counter = Counter::new(zk, "/a/count", 10);
    assert_eq!(counter.value().unwrap(), 10);
    assert_eq!(data(zk, "/a/count"), b"10");
    assert_eq!(counter.add(5).unwrap(), 15);
    assert_eq!(counter.add(-20).unwrap(), -5);
    assert_eq!(counter.value().unwrap(), -5);
    assert_eq!(data(zk, "/a/count"), b"-5");
    // Another handle on the same node ignores its own default: the node has a value.
    assert_eq!(Counter::new(zk, "/a/count", 99).value().unwrap(), -5);
    // Empty data (kazoo's ensure_path) reads as the default.
    zk.create("/empty", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    let empty = Counter::new(zk, "/empty", 3);
    assert_eq!(empty.value().unwrap(), 3);
    assert_eq!(empty.add(1).unwrap(), 4);
    assert_eq!(data(zk, "/empty"), b"4");
}

#[test]
fn concurrent_increments_from_eight_clients_lose_nothing() {
    let (_, zk) = clients("counter-race", 8);
    let threads: Vec<_> = zk
        .into_iter()
        .map(|client| {
            std::thread::spawn(move || {
                let counter = Counter::new(&client, "/hits", 0);
                for _ in 0..50 {
                    counter.add(1).unwrap();
                }
                client
            })
        })
        .collect();
    let clients: Vec<Client> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(Counter::new(&clients[0], "/hits", 0).value().unwrap(), 400);
    assert_eq!(data(&clients[0], "/hits"), b"400");
}

#[test]
fn curator_formats_store_big_endian_integers() {
    let (_, zk) = clients("counter-curator", 1);
    let zk = &zk[0];
    let counter = Counter::with_format(zk, "/shared", 0, CounterFormat::Int32Be);
    assert_eq!(counter.add(258).unwrap(), 258);
    assert_eq!(data(zk, "/shared"), [0, 0, 1, 2]);
    assert_eq!(counter.add(-259).unwrap(), -1);
    assert_eq!(data(zk, "/shared"), [0xff, 0xff, 0xff, 0xff]);
    assert_eq!(counter.value().unwrap(), -1);
    // Past 32 bits is refused and changes nothing.
    assert!(matches!(
        counter.add(i64::from(i32::MIN) - 1),
        Err(Error::InvalidArgument(_))
    ));
    assert_eq!(counter.value().unwrap(), -1);

    let long = Counter::with_format(zk, "/long", 0, CounterFormat::Int64Be);
    assert_eq!(long.add(1 << 40).unwrap(), 1 << 40);
    assert_eq!(data(zk, "/long"), [0, 0, 1, 0, 0, 0, 0, 0]);
}

#[test]
fn a_node_that_is_not_an_integer_gives_a_clear_error() {
    let (_, zk) = clients("counter-bad", 1);
    let zk = &zk[0];
    zk.create("/text", b"hello", &CreateOptions::default())
        .wait()
        .unwrap();
    let error = Counter::new(zk, "/text", 0).add(1).unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(error, Error::InvalidArgument(_)) && message.contains("/text"),
        "{message}"
    );
    assert!(
        message.contains("hello") && message.contains("not an integer"),
        "{message}"
    );
    assert_eq!(data(zk, "/text"), b"hello");
    // A float (kazoo's Counter(default=0.0)) is not an integer either.
    zk.set("/text", b"1.5", -1).wait().unwrap();
    assert!(Counter::new(zk, "/text", 0).value().is_err());
    // Three bytes are not a 32-bit integer.
    zk.set("/text", b"abc", -1).wait().unwrap();
    assert!(Counter::with_format(zk, "/text", 0, CounterFormat::Int32Be)
        .value()
        .is_err());
}

/// An increment whose request is lost is retried (the version proves it never happened); one
/// whose reply is lost is reported as CONNECTION_LOSS (it may have happened) and never
/// applied a second time (kazoo's and Curator's blind retry can apply it twice).
#[test]
fn a_counter_write_in_doubt_is_never_applied_twice() {
    let common::BehindProxy {
        proxy,
        client: zk,
        observer,
        ..
    } = common::BehindProxy::start("counter-in-doubt");
    let counter = Counter::new(&zk, "/count", 0);
    assert_eq!(counter.value().unwrap(), 0);
    let is_counter_set = |op: i32, path: &str| op == 5 && path.ends_with("/count");

    proxy.lose_request_to(is_counter_set);
    assert_eq!(counter.add(1).unwrap(), 1);
    assert_eq!(proxy.lost(), 1, "the set was not lost");
    assert_eq!(data(&observer, "/count"), b"1");

    proxy.lose_reply_to(is_counter_set);
    let error = counter.add(1).unwrap_err();
    assert!(error.is(zkclient::ErrorCode::CONNECTION_LOSS), "{error}");
    assert_eq!(proxy.lost(), 2, "the reply was not lost");
    assert_eq!(data(&observer, "/count"), b"2", "applied once, not twice");
    assert_eq!(counter.add(1).unwrap(), 3);
}

/// Four clients increment across a server restart: every increment reported done is in the
/// total, and the only others in it are those reported in doubt (CONNECTION_LOSS).
#[test]
fn counter_increments_across_a_server_restart_add_up() {
    let cluster = common::Cluster::start("counter-restart", 1, 500);
    let zk = cluster.clients("counter-restart", 4);
    let rendezvous = Arc::new(Rendezvous::new(5));
    let threads: Vec<_> = zk
        .iter()
        .cloned()
        .map(|client| {
            let rendezvous = rendezvous.clone();
            std::thread::spawn(move || {
                let counter = Counter::new(&client, "/count", 0);
                let (mut done, mut in_doubt) = (0i64, 0i64);
                for round in 0..50 {
                    if round == 10 {
                        rendezvous.wait(); // the restart begins
                    }
                    match counter.add(1) {
                        Ok(_) => done += 1,
                        Err(error) if error.is(zkclient::ErrorCode::CONNECTION_LOSS) => {
                            in_doubt += 1
                        }
                        Err(Error::RetryFailed { last, .. })
                            if last.is(zkclient::ErrorCode::CONNECTION_LOSS) =>
                        {
                            in_doubt += 1
                        }
                        Err(error) => panic!("add: {error}"),
                    }
                }
                (done, in_doubt)
            })
        })
        .collect();
    rendezvous.wait();
    cluster.stop_server(1);
    cluster.start_server(1);
    let (mut done, mut in_doubt) = (0, 0);
    for thread in threads {
        let (d, i) = thread.join().unwrap();
        done += d;
        in_doubt += i;
    }
    let total = Counter::new(&zk[0], "/count", 0).value().unwrap();
    assert!(
        done <= total && total <= done + in_doubt,
        "total {total}, done {done}, in doubt {in_doubt}"
    );
}

#[test]
fn kazoo_and_zkclient_share_a_counter() {
    let (hosts, zk) = clients("counter-kazoo", 1);
    let zk = &zk[0];
    let out = common::kazoo(&hosts, "c = zk.Counter('/count')\nc += 5\nprint(c.value)");
    assert_eq!(out.trim(), "5");
    let counter = Counter::new(zk, "/count", 0);
    assert_eq!(counter.add(3).unwrap(), 8);
    let out = common::kazoo(
        &hosts,
        "c = zk.Counter('/count')\nprint(c.value)\nc -= 10\nprint(c.value)",
    );
    assert_eq!(out.lines().collect::<Vec<_>>(), ["8", "-2"]);
    assert_eq!(counter.value().unwrap(), -2);
    // Curator mode: kazoo's support_curator reads zkclient's 4 bytes, and back.
    let curator = Counter::with_format(zk, "/curator", 0, CounterFormat::Int32Be);
    assert_eq!(curator.add(70000).unwrap(), 70000);
    let out = common::kazoo(
        &hosts,
        "c = zk.Counter('/curator', support_curator=True)\nprint(c.value)\nc += 1\nprint(c.value)",
    );
    assert_eq!(out.lines().collect::<Vec<_>>(), ["70000", "70001"]);
    assert_eq!(curator.value().unwrap(), 70001);
}

#[test]
fn barrier_wait_times_out_while_up_and_returns_once_removed() {
    let (_, zk) = clients("barrier", 2);
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
    let (_, zk) = clients("double-barrier", 4);
    let (tx, rx) = channel();
    // Holds the two threads between entering and leaving until the test has looked.
    let rendezvous = Arc::new(Rendezvous::new(3));
    let mut threads = Vec::new();
    for (index, client) in zk[..2].iter().cloned().enumerate() {
        let (tx, rendezvous) = (tx.clone(), rendezvous.clone());
        threads.push(std::thread::spawn(move || {
            let barrier = DoubleBarrier::new(&client, "/work", 3, &format!("p{index}"));
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

    let third = DoubleBarrier::new(&zk[2], "/work", 3, "p2");
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
    let (_, zk) = clients("double-barrier-timeout", 2);
    let threads: Vec<_> = zk
        .iter()
        .cloned()
        .map(|client| {
            std::thread::spawn(move || {
                DoubleBarrier::new(&client, "/few", 3, "x")
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
    let first = DoubleBarrier::new(&zk[1], "/work", 2, "first");
    std::thread::spawn(move || tx.send(("double", first.enter(None).unwrap())).unwrap());
    cluster.restart_server(1, &[&zk[0], &zk[1], &zk[2]]);
    assert!(
        rx.recv_timeout(Duration::from_millis(300)).is_err(),
        "nobody passed yet"
    );
    assert!(barrier.remove().unwrap());
    assert_eq!(rx.recv_timeout(EVENT_TIMEOUT).unwrap(), ("barrier", true));
    let second = DoubleBarrier::new(&zk[2], "/work", 2, "second");
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
    let doomed = DoubleBarrier::new(&doomed_session.client, "/work", 2, "doomed");
    let (tx, rx) = channel();
    std::thread::spawn(move || tx.send(doomed.enter(Some(EVENT_TIMEOUT))).unwrap());
    wait_for_children(&zk, "/work", 1);
    doomed_session.expire_session(|| {
        assert!(zk.get_children("/work").wait().unwrap().0.is_empty());
    });
    wait_for_children(&zk, "/work", 1); // entered again, in the new session
    let survivor = DoubleBarrier::new(&zk, "/work", 2, "survivor");
    assert!(survivor.enter(Some(EVENT_TIMEOUT)).unwrap());
    assert!(rx.recv_timeout(EVENT_TIMEOUT).unwrap().unwrap());
}

#[test]
fn kazoo_and_zkclient_pass_barriers_together() {
    let (hosts, zk) = clients("barrier-kazoo", 1);
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
    let barrier = DoubleBarrier::new(zk, "/db", 2, "rust");
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

#[test]
fn party_members_join_list_and_leave() {
    let (_, zk) = clients("party", 2);
    let a = Party::new(&zk[0], "/party", "alpha");
    let b = Party::new(&zk[1], "/party", "beta");
    assert!(a.members().unwrap().is_empty());
    assert!(a.is_empty().unwrap());
    a.join().unwrap();
    a.join().unwrap();
    b.join().unwrap();
    let node = a.node_path();
    let name = node.strip_prefix("/party/").unwrap();
    assert!(
        name.ends_with("__party__") && name.len() == 32 + 9,
        "{name}"
    );
    assert_eq!(data(&zk[1], &node), b"alpha");
    let mut members = b.members().unwrap();
    members.sort();
    assert_eq!(members, ["alpha", "beta"]);
    assert_eq!(a.len().unwrap(), 2);
    // Children without the marker are not members.
    zk[0]
        .create("/party/other", b"x", &CreateOptions::default())
        .wait()
        .unwrap();
    assert_eq!(a.len().unwrap(), 2);
    assert!(a.leave().unwrap());
    assert!(!a.leave().unwrap());
    assert_eq!(b.members().unwrap(), ["beta"]);
    // Ephemeral: the member goes with its session.
    zk[1].stop().unwrap();
    assert!(a.members().unwrap().is_empty());
}

#[test]
fn shallow_party_members_are_in_the_node_names() {
    let (_, zk) = clients("shallow-party", 2);
    let a = ShallowParty::new(&zk[0], "/sp", "worker-1");
    let b = ShallowParty::new(&zk[1], "/sp", "worker-2");
    a.join().unwrap();
    b.join().unwrap();
    let node = a.node_path();
    let name = node.strip_prefix("/sp/").unwrap();
    assert_eq!(&name[32..], "-worker-1");
    assert_eq!(data(&zk[0], &node), b"worker-1");
    let mut members = a.members().unwrap();
    members.sort();
    assert_eq!(members, ["worker-1", "worker-2"]);
    assert_eq!(b.len().unwrap(), 2);
    assert!(b.leave().unwrap());
    assert_eq!(a.members().unwrap(), ["worker-1"]);
    assert_eq!(a.len().unwrap(), 1);
}

/// Members whose session ends leave both kinds of party, as others see them.
#[test]
fn party_members_leave_with_their_session() {
    let mut doomed_session = common::BehindProxy::start("party-expire");
    let (doomed_zk, zk) = (&doomed_session.client, &doomed_session.observer);
    Party::new(doomed_zk, "/party", "doomed").join().unwrap();
    ShallowParty::new(doomed_zk, "/shallow", "doomed")
        .join()
        .unwrap();
    let party = Party::new(zk, "/party", "stays");
    let shallow = ShallowParty::new(zk, "/shallow", "stays");
    party.join().unwrap();
    shallow.join().unwrap();
    let mut members = party.members().unwrap();
    members.sort();
    assert_eq!(members, ["doomed", "stays"]);
    assert_eq!(shallow.len().unwrap(), 2);
    doomed_session.expire_session(|| {
        assert_eq!(party.members().unwrap(), ["stays"]);
        assert_eq!(shallow.members().unwrap(), ["stays"]);
    });
    doomed_session
        .states
        .wait_for(zkclient::KeeperState::Expired, EVENT_TIMEOUT);
}

#[test]
fn kazoo_and_zkclient_see_each_others_party_members() {
    let (hosts, zk) = clients("party-kazoo", 1);
    let zk = &zk[0];
    let party = Party::new(zk, "/party", "rust");
    party.join().unwrap();
    let shallow = ShallowParty::new(zk, "/shallow", "rust");
    shallow.join().unwrap();
    // kazoo joins both, lists them, and stays in until zkclient creates /done.
    let kazoo_hosts = hosts.clone();
    let thread = std::thread::spawn(move || {
        common::kazoo(
            &kazoo_hosts,
            "import threading\n\
             p = zk.Party('/party', 'py')\np.join()\n\
             s = zk.ShallowParty('/shallow', 'py')\ns.join()\n\
             print(sorted(zk.Party('/party')))\nprint(sorted(zk.ShallowParty('/shallow')))\n\
             print(len(zk.Party('/party')), len(zk.ShallowParty('/shallow')))\n\
             done = threading.Event()\n\
             if zk.exists('/done', watch=lambda e: done.set()):\n    done.set()\n\
             print(done.wait(60))",
        )
    });
    wait_for_children(zk, "/party", 2);
    wait_for_children(zk, "/shallow", 2);
    let mut members = party.members().unwrap();
    members.sort();
    assert_eq!(members, ["py", "rust"]);
    let mut members = shallow.members().unwrap();
    members.sort();
    assert_eq!(members, ["py", "rust"]);
    assert_eq!(party.len().unwrap(), 2);
    zk.create("/done", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    let out = thread.join().unwrap();
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        ["['py', 'rust']", "['py', 'rust']", "2 2", "True"]
    );
    // kazoo's members went with its session.
    assert_eq!(party.members().unwrap(), ["rust"]);
    assert_eq!(shallow.members().unwrap(), ["rust"]);
}

use crate::common::{c, last_message};

/// A started C client under a fresh chroot.
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

#[test]
fn counter_through_the_c_api() {
    let client = c_client("c-counter");
    // SAFETY: valid or deliberately NULL arguments throughout.
    unsafe {
        let mut counter = null_mut();
        assert_eq!(
            zk_counter_new(null_mut(), c("/n").as_ptr(), 0, &mut counter),
            zk_error::ZK_EINVAL
        );
        assert!(last_message().contains("client"), "{}", last_message());
        assert_eq!(
            zk_counter_new(client, c("/n").as_ptr(), 0, null_mut()),
            zk_error::ZK_EINVAL
        );
        assert!(last_message().contains("out_counter"));
        assert_eq!(
            zk_counter_new_int32(client, c("/n").as_ptr(), 1 << 40, &mut counter),
            zk_error::ZK_EINVAL
        );
        assert!(counter.is_null());
        assert_eq!(
            zk_counter_new(client, c("/n").as_ptr(), 4, &mut counter),
            zk_error::ZK_OK
        );
        let mut value = -99;
        assert_eq!(
            zk_counter_value(null_mut(), &mut value),
            zk_error::ZK_EINVAL
        );
        assert_eq!(zk_counter_value(counter, null_mut()), zk_error::ZK_EINVAL);
        assert_eq!(value, -99);
        assert_eq!(zk_counter_value(counter, &mut value), zk_error::ZK_OK);
        assert_eq!(value, 4);
        assert_eq!(zk_counter_add(counter, 6, &mut value), zk_error::ZK_OK);
        assert_eq!(value, 10);
        assert_eq!(zk_counter_add(counter, -1, null_mut()), zk_error::ZK_OK);
        assert_eq!(zk_counter_value(counter, &mut value), zk_error::ZK_OK);
        assert_eq!(value, 9);
        zk_counter_free(counter);

        let mut curator = null_mut();
        assert_eq!(
            zk_counter_new_int32(client, c("/c").as_ptr(), 0, &mut curator),
            zk_error::ZK_OK
        );
        assert_eq!(zk_counter_add(curator, 1, &mut value), zk_error::ZK_OK);
        assert_eq!(value, 1);
        let mut long = null_mut();
        assert_eq!(
            zk_counter_new_int64(client, c("/l").as_ptr(), 1 << 40, &mut long),
            zk_error::ZK_OK
        );
        assert_eq!(zk_counter_add(long, 1, &mut value), zk_error::ZK_OK);
        assert_eq!(value, (1 << 40) + 1);
        zk_counter_free(long);
        // Four binary bytes are not ASCII decimal: EINVAL naming the node, output untouched.
        let mut ascii = null_mut();
        assert_eq!(
            zk_counter_new(client, c("/c").as_ptr(), 0, &mut ascii),
            zk_error::ZK_OK
        );
        value = -99;
        assert_eq!(zk_counter_add(ascii, 1, &mut value), zk_error::ZK_EINVAL);
        assert!(last_message().contains("/c"), "{}", last_message());
        assert_eq!(value, -99);
        zk_counter_free(ascii);
        zk_counter_free(curator);
        zk_counter_free(null_mut());
        zk_client_free(client);
    }
}

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

#[test]
fn parties_through_the_c_api() {
    let client = c_client("c-party");
    // SAFETY: valid or deliberately NULL arguments throughout.
    unsafe {
        let mut party = null_mut();
        assert_eq!(
            zk_party_new(client, c("/p").as_ptr(), b"x".as_ptr(), 1, null_mut()),
            zk_error::ZK_EINVAL
        );
        assert!(last_message().contains("out_party"));
        assert_eq!(
            zk_shallow_party_new(client, c("/s").as_ptr(), b"a/b".as_ptr(), 3, &mut party),
            zk_error::ZK_EINVAL
        );
        assert!(party.is_null());
        assert_eq!(
            zk_party_new(client, c("/p").as_ptr(), b"deep".as_ptr(), 4, &mut party),
            zk_error::ZK_OK
        );
        let mut shallow = null_mut();
        assert_eq!(
            zk_shallow_party_new(client, c("/p").as_ptr(), b"flat".as_ptr(), 4, &mut shallow),
            zk_error::ZK_OK
        );
        assert_eq!(zk_party_join(null_mut()), zk_error::ZK_EINVAL);
        assert_eq!(zk_party_join(party), zk_error::ZK_OK);
        assert_eq!(zk_party_join(shallow), zk_error::ZK_OK);
        let mut members = zk_string_list {
            items: null_mut(),
            count: 7,
        };
        assert_eq!(zk_party_members(party, null_mut()), zk_error::ZK_EINVAL);
        assert_eq!(members.count, 7);
        assert_eq!(zk_party_members(party, &mut members), zk_error::ZK_OK);
        assert_eq!(members.count, 1);
        assert_eq!(CStr::from_ptr(*members.items).to_str().unwrap(), "deep");
        zk_string_list_free(&mut members);
        assert!(members.items.is_null() && members.count == 0);
        // The shallow party counts every child of the path.
        let mut count = 0usize;
        assert_eq!(zk_party_len(shallow, &mut count), zk_error::ZK_OK);
        assert_eq!(count, 2);
        assert_eq!(zk_party_len(party, &mut count), zk_error::ZK_OK);
        assert_eq!(count, 1);
        let mut left = false;
        assert_eq!(zk_party_leave(party, &mut left), zk_error::ZK_OK);
        assert!(left);
        assert_eq!(zk_party_leave(party, &mut left), zk_error::ZK_OK);
        assert!(!left);
        assert_eq!(zk_party_members(party, &mut members), zk_error::ZK_OK);
        assert_eq!(members.count, 0);
        zk_string_list_free(&mut members);
        // Freeing leaves.
        zk_party_free(shallow);
        assert_eq!(zk_party_len(party, &mut count), zk_error::ZK_OK);
        assert_eq!(count, 0);
        zk_party_free(party);
        zk_party_free(null_mut());
        zk_client_free(client);
    }
}
