//! Recipes across the failure that heals: a partition that outlasts the client's session
//! timeout (the client declares its session LOST on its own timer and opens a new one) but
//! not the server's hold on the old session, whose ephemeral nodes live on for a while. A
//! recipe must never take such a node of an earlier session for its own.

mod common;

use std::sync::mpsc::channel;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{wait_for_children, wait_until_gone, BehindProxy, EVENT_TIMEOUT};
use zkclient::recipe::election::Election;
use zkclient::recipe::lock::Lock;
use zkclient::recipe::semaphore::Semaphore;
use zkclient::{CreateMode, CreateOptions, Error, ErrorCode, KeeperState, State, Wait};

fn ephemeral() -> CreateOptions {
    CreateOptions {
        mode: CreateMode::Ephemeral,
        ..CreateOptions::default()
    }
}

/// How often the proxy pings the server for a held session (the test sessions last 6 s).
const HOLD_PING: Duration = Duration::from_millis(1000);

/// H holds the lock; W waits behind a partition, reports LOST, and H releases; the partition
/// heals while the server still holds W's old session and its contender node. W must not be
/// granted the lock on that node, and W and a third contender X must never both hold it.
#[test]
fn a_waiting_contender_never_takes_the_lock_on_a_node_of_its_lost_session() {
    let mut w = BehindProxy::start("partition-lock-waiter");
    let holder = Lock::new(&w.observer, "/lock", "holder");
    assert!(holder.acquire(Some(EVENT_TIMEOUT)).unwrap());

    let waiter = std::sync::Arc::new(Lock::new(&w.client, "/lock", "waiter"));
    let (granted_tx, granted) = channel();
    let in_thread = waiter.clone();
    let thread = std::thread::spawn(move || {
        let acquired = in_thread.acquire(Some(Duration::from_secs(60)));
        let _ = granted_tx.send(acquired.map(|held| (held, in_thread.fencing_token())));
    });
    wait_for_children(&w.observer, "/lock", 2);
    let old_session = w.client.session_info().session_id;

    w.proxy.partition(HOLD_PING);
    w.states.wait_for(KeeperState::Expired, EVENT_TIMEOUT);
    holder.release().unwrap();
    let (stale, _) = w.observer.get_children("/lock").wait().unwrap();
    assert_eq!(
        stale.len(),
        1,
        "only the waiter's node of its old session: {stale:?}"
    );
    let stale = format!("/lock/{}", stale[0]);
    w.proxy.heal();
    w.states.wait_for(KeeperState::SyncConnected, EVENT_TIMEOUT);
    assert_ne!(w.client.session_info().session_id, old_session);

    // W's old node is still there (the server holds its session): W must not own it.
    let (held, token) = granted
        .recv_timeout(EVENT_TIMEOUT)
        .expect("the waiter is granted the lock on a node of its new session")
        .unwrap();
    assert!(held);
    let node = waiter.node().expect("a contender node while held");
    let (_, stat) = w.observer.get(&node).wait().unwrap();
    assert_eq!(
        stat.ephemeral_owner,
        w.client.session_info().session_id,
        "the lock was granted on a node of the lost session"
    );
    assert!(token.is_some());

    // Once the old session is gone for good, a third contender must still be kept out.
    assert!(w.proxy.release_held() >= 1);
    wait_until_gone(&w.observer, &stale);
    let third = Lock::new(&w.observer, "/lock", "third");
    assert!(!third.try_acquire().unwrap(), "two holders");
    assert!(waiter.is_acquired());
    waiter.release().unwrap();
    assert!(third.acquire(Some(EVENT_TIMEOUT)).unwrap());
    thread.join().unwrap();
}

/// A release that cannot reach the server must not report success while the node is still
/// there: here the partition heals after the client declared its session LOST, and the
/// release deletes the node through the new session before it returns.
#[test]
fn a_release_cut_off_from_the_server_returns_only_once_the_node_is_gone() {
    let mut h = BehindProxy::start("partition-lock-release");
    let lock = std::sync::Arc::new(Lock::new(&h.client, "/lock", "holder"));
    assert!(lock.acquire(Some(EVENT_TIMEOUT)).unwrap());
    let first_token = lock.fencing_token().expect("a token while held");
    let node = lock.node().expect("a node while held");

    h.proxy.partition(HOLD_PING);
    h.states.wait_for(KeeperState::Disconnected, EVENT_TIMEOUT);
    let (released_tx, released) = channel();
    let releasing = lock.clone();
    std::thread::spawn(move || {
        let _ = released_tx.send(releasing.release());
    });
    h.states.wait_for(KeeperState::Expired, EVENT_TIMEOUT);
    assert!(
        released.try_recv().is_err(),
        "release returned while its node was still on the server"
    );
    assert!(h.observer.exists(&node).wait().unwrap().is_some());
    h.proxy.heal();
    let result = released
        .recv_timeout(EVENT_TIMEOUT)
        .expect("release returns");
    assert_eq!(result, Ok(true));
    assert!(
        h.observer.exists(&node).wait().unwrap().is_none(),
        "release reported success for a node still on the server"
    );
    assert!(!lock.is_acquired());

    // Nobody else may be granted the lock while the next acquire on this handle holds it,
    // and its token is larger than the first one.
    assert!(lock.acquire(Some(EVENT_TIMEOUT)).unwrap());
    assert!(lock.fencing_token().unwrap() > first_token);
    assert!(h.proxy.release_held() >= 1);
    let other = Lock::new(&h.observer, "/lock", "other");
    assert!(!other.try_acquire().unwrap(), "two holders");
    lock.release().unwrap();
    assert!(other.acquire(Some(EVENT_TIMEOUT)).unwrap());
}

/// A release that cannot reach the server for its whole bound says the node may remain
/// (never success); the next acquire on the same handle deletes that node first and is
/// granted on a node of its own session, with a larger fencing token.
#[test]
fn a_release_that_never_reaches_the_server_says_the_node_may_remain() {
    let mut h = BehindProxy::start("partition-lock-may-remain");
    let lock = Lock::new(&h.client, "/lock", "holder");
    assert!(lock.acquire(Some(EVENT_TIMEOUT)).unwrap());
    let first_token = lock.fencing_token().expect("a token while held");
    let node = lock.node().expect("a node while held");

    h.proxy.partition(HOLD_PING);
    h.states.wait_for(KeeperState::Disconnected, EVENT_TIMEOUT);
    match lock.release() {
        Err(Error::MayRemain { cause, .. }) => assert!(
            cause.is(ErrorCode::CONNECTION_LOSS) || cause.is(ErrorCode::SESSION_EXPIRED),
            "{cause}"
        ),
        other => panic!("release without a server: {other:?}"),
    }
    assert!(!lock.is_acquired());
    assert!(h.observer.exists(&node).wait().unwrap().is_some());

    h.proxy.heal();
    assert!(lock.acquire(Some(EVENT_TIMEOUT)).unwrap());
    let token = lock.fencing_token().unwrap();
    assert!(token > first_token, "{token} after {first_token}");
    assert!(
        h.observer.exists(&node).wait().unwrap().is_none(),
        "the node the release left is deleted before another is made"
    );
    let (_, stat) = h.observer.get(&lock.node().unwrap()).wait().unwrap();
    assert_eq!(stat.ephemeral_owner, h.client.session_info().session_id);
    assert!(h.proxy.release_held() >= 1);
    lock.release().unwrap();
}

/// The fencing token is the contender node's czxid: strictly increasing across grants even
/// when the lock's parent node is deleted and made again (sequence numbers start over).
#[test]
fn fencing_tokens_keep_increasing_when_the_lock_node_is_made_again() {
    let h = BehindProxy::start("fencing-recreated");
    let mut last = i64::MIN;
    for _ in 0..3 {
        let lock = Lock::new(&h.observer, "/lock", "me");
        assert!(lock.acquire(Some(EVENT_TIMEOUT)).unwrap());
        let token = lock.fencing_token().unwrap();
        let (_, stat) = h.observer.get(&lock.node().unwrap()).wait().unwrap();
        assert_eq!(token, stat.czxid);
        assert!(token > last, "{token} after {last}");
        last = token;
        lock.release().unwrap();
        h.observer.delete("/lock", -1).wait().unwrap();
    }
}

/// The sole lease (max_leases 1) is W's when a partition the server outlives cuts W off: W
/// declares its session LOST and, asking again, finds its lease of the lost session still on
/// the server. W must delete it, not adopt it: the waiting H is granted the lease then, W only
/// after H, on a lease of its new session; a third X never holds it beside W, also once the
/// server has expired W's old session; and `lease_holders` names exactly the holders.
#[test]
fn a_semaphore_never_holds_a_lease_of_its_lost_session() {
    let mut w = BehindProxy::start("partition-semaphore");
    let waiter = Arc::new(Semaphore::new(&w.client, "/sem", "W", 1).unwrap());
    assert!(waiter.acquire(Some(EVENT_TIMEOUT)).unwrap());
    // An ephemeral node of W's first session, to see the server expire that session.
    w.client
        .create("/old-session", b"", &ephemeral())
        .wait()
        .unwrap();
    let (first_lease, _) = w.observer.get_children("/sem").wait().unwrap();
    let first_lease = first_lease.first().cloned().expect("W's lease");
    let lease = format!("/sem/{first_lease}");

    let holder = Arc::new(Semaphore::new(&w.observer, "/sem", "H", 1).unwrap());
    let (h_granted_tx, h_granted) = channel();
    let in_thread = holder.clone();
    let h_thread = std::thread::spawn(move || {
        let _ = h_granted_tx.send(in_thread.acquire(Some(Duration::from_secs(120))));
    });
    wait_for_children(&w.observer, "/sem-__lock__", 1); // H waits under the lease lock

    w.proxy.partition(HOLD_PING);
    w.states.wait_for(KeeperState::Expired, EVENT_TIMEOUT);
    assert!(!waiter.is_acquired(), "a lease held past the session");
    let (w_granted_tx, w_granted) = channel();
    let in_thread = waiter.clone();
    let w_thread = std::thread::spawn(move || {
        let _ = w_granted_tx.send(in_thread.acquire(Some(Duration::from_secs(120))));
    });
    w.proxy.heal();
    w.states.wait_for(KeeperState::SyncConnected, EVENT_TIMEOUT);

    // W's stale lease is deleted (the server still holds its session), so H is granted.
    assert_eq!(
        h_granted
            .recv_timeout(EVENT_TIMEOUT)
            .expect("H is granted once W's stale lease is gone"),
        Ok(true)
    );
    assert!(
        !waiter.is_acquired(),
        "W holds a lease of its lost session beside H"
    );
    assert_eq!(holder.lease_holders().unwrap(), ["H"]);
    holder.release().unwrap();
    assert_eq!(
        w_granted
            .recv_timeout(EVENT_TIMEOUT)
            .expect("W is granted after H"),
        Ok(true)
    );
    let (_, stat) = w.observer.get(&lease).wait().unwrap();
    assert_eq!(
        stat.ephemeral_owner,
        w.client.session_info().session_id,
        "the lease was granted on a node of the lost session"
    );
    assert_eq!(waiter.lease_holders().unwrap(), ["W"]);

    // Once the server has expired W's old session, X must still be kept out.
    assert!(w.proxy.release_held() >= 1);
    wait_until_gone(&w.observer, "/old-session");
    let third = Semaphore::new(&w.observer, "/sem", "X", 1).unwrap();
    assert!(!third.acquire(Some(Duration::ZERO)).unwrap(), "two holders");
    assert!(waiter.is_acquired());
    assert_eq!(third.lease_holders().unwrap(), ["W"]);
    assert_eq!(waiter.release(), Ok(true));
    assert!(third.acquire(Some(EVENT_TIMEOUT)).unwrap());
    assert_eq!(third.lease_holders().unwrap(), ["X"]);
    h_thread.join().unwrap();
    w_thread.join().unwrap();
}

/// A release after the client declared its session LOST (the server still holds it, and the
/// lease) must not return until the lease node is gone: it deletes it through the new session
/// once the partition heals. Nobody else holds the lease while this handle holds it again.
#[test]
fn a_semaphore_release_after_a_lost_session_returns_only_once_the_lease_is_gone() {
    let mut h = BehindProxy::start("partition-semaphore-release");
    let semaphore = Arc::new(Semaphore::new(&h.client, "/sem", "holder", 1).unwrap());
    assert!(semaphore.acquire(Some(EVENT_TIMEOUT)).unwrap());
    let (leases, _) = h.observer.get_children("/sem").wait().unwrap();
    let lease = format!("/sem/{}", leases.first().expect("our lease"));

    h.proxy.partition(HOLD_PING);
    h.states.wait_for(KeeperState::Expired, EVENT_TIMEOUT);
    assert!(!semaphore.is_acquired());
    let (released_tx, released) = channel();
    let releasing = semaphore.clone();
    std::thread::spawn(move || {
        let _ = released_tx.send(releasing.release());
    });
    assert!(h.observer.exists(&lease).wait().unwrap().is_some());
    h.proxy.heal();
    let result = released
        .recv_timeout(EVENT_TIMEOUT)
        .expect("release returns");
    assert!(result.is_ok(), "{result:?}");
    assert!(
        h.observer.exists(&lease).wait().unwrap().is_none(),
        "release returned while the lease was still on the server"
    );

    assert!(semaphore.acquire(Some(EVENT_TIMEOUT)).unwrap());
    let (_, stat) = h.observer.get(&lease).wait().unwrap();
    assert_eq!(stat.ephemeral_owner, h.client.session_info().session_id);
    assert!(h.proxy.release_held() >= 1);
    let other = Semaphore::new(&h.observer, "/sem", "other", 1).unwrap();
    assert!(!other.acquire(Some(Duration::ZERO)).unwrap(), "two holders");
    assert_eq!(semaphore.release(), Ok(true));
    assert!(other.acquire(Some(EVENT_TIMEOUT)).unwrap());
}

/// A ReadLock is a Lock of another kind: a reader waiting behind a writer across a partition
/// the server outlives is never granted on its node of the lost session, and a writer that
/// comes later never holds the lock beside it.
#[test]
fn a_waiting_reader_never_takes_the_read_lock_on_a_node_of_its_lost_session() {
    let mut w = BehindProxy::start("partition-read-lock");
    let writer = Lock::write(&w.observer, "/rw", "writer");
    assert!(writer.acquire(Some(EVENT_TIMEOUT)).unwrap());

    let reader = Arc::new(Lock::read(&w.client, "/rw", "reader"));
    let (granted_tx, granted) = channel();
    let in_thread = reader.clone();
    let thread = std::thread::spawn(move || {
        let acquired = in_thread.acquire(Some(Duration::from_secs(60)));
        let _ = granted_tx.send(acquired);
    });
    wait_for_children(&w.observer, "/rw", 2);
    let old_session = w.client.session_info().session_id;

    w.proxy.partition(HOLD_PING);
    w.states.wait_for(KeeperState::Expired, EVENT_TIMEOUT);
    writer.release().unwrap();
    let (stale, _) = w.observer.get_children("/rw").wait().unwrap();
    assert_eq!(stale.len(), 1, "only the reader's old node: {stale:?}");
    assert!(stale[0].contains("__rlock__"), "{stale:?}");
    let stale = format!("/rw/{}", stale[0]);
    w.proxy.heal();
    w.states.wait_for(KeeperState::SyncConnected, EVENT_TIMEOUT);
    assert_ne!(w.client.session_info().session_id, old_session);

    assert_eq!(
        granted
            .recv_timeout(EVENT_TIMEOUT)
            .expect("the reader is granted on a node of its new session"),
        Ok(true)
    );
    let node = reader.node().expect("a contender node while held");
    let (_, stat) = w.observer.get(&node).wait().unwrap();
    assert_eq!(
        stat.ephemeral_owner,
        w.client.session_info().session_id,
        "the read lock was granted on a node of the lost session"
    );

    assert!(w.proxy.release_held() >= 1);
    wait_until_gone(&w.observer, &stale);
    let late_writer = Lock::write(&w.observer, "/rw", "late-writer");
    assert!(
        !late_writer.try_acquire().unwrap(),
        "a writer beside a reader"
    );
    assert!(reader.is_acquired());
    let other_reader = Lock::read(&w.observer, "/rw", "other-reader");
    assert!(other_reader.try_acquire().unwrap(), "readers share");
    other_reader.release().unwrap();
    reader.release().unwrap();
    assert!(late_writer.acquire(Some(EVENT_TIMEOUT)).unwrap());
    thread.join().unwrap();
}

/// The leader L is cut off by a partition the server outlives: it is told LOST and is no
/// longer the leader; the other contender O is elected once L's node of the lost session is
/// gone (L's release deletes it through its new session once the partition heals); L joins
/// again with a node of its new session and never leads while O does.
#[test]
fn a_leader_cut_off_by_a_partition_never_leads_beside_the_next_leader() {
    let mut w = BehindProxy::start("partition-election");
    let (state_tx, state_rx) = channel();
    let state_tx = Mutex::new(state_tx);
    let leader = Election::with_listener(
        &w.client,
        "/election",
        "L",
        Some(Box::new(move |state| {
            let _ = state_tx.lock().unwrap().send(state);
        })),
    );
    let (l_events_tx, l_events) = channel();
    let (l_again_tx, l_again) = channel::<()>();
    let (l_stop_tx, l_stop) = channel::<()>();
    let in_thread = leader.clone();
    let l_thread = std::thread::spawn(move || {
        let first = in_thread.run(|| {
            l_events_tx
                .send(("elected", in_thread.is_leader()))
                .unwrap();
            // Leads until told its session is lost, as a leader function should.
            while let Ok(state) = state_rx.recv_timeout(Duration::from_secs(120)) {
                if state == State::Lost {
                    break;
                }
            }
            l_events_tx.send(("lost", in_thread.is_leader())).unwrap();
        });
        l_events_tx.send(("returned", first.is_ok())).unwrap();
        l_again.recv().unwrap();
        in_thread.run(|| {
            l_events_tx
                .send(("elected", in_thread.is_leader()))
                .unwrap();
            l_stop.recv().unwrap();
        })
    });
    let next_event = || {
        l_events
            .recv_timeout(EVENT_TIMEOUT)
            .expect("L's run goes on")
    };
    assert_eq!(next_event(), ("elected", true));
    let (first_node, _) = w.observer.get_children("/election").wait().unwrap();
    let first_node = format!("/election/{}", first_node.first().expect("L's node"));

    let other = Election::new(&w.observer, "/election", "O");
    let (o_elected_tx, o_elected) = channel();
    let (o_stop_tx, o_stop) = channel::<()>();
    let in_thread = other.clone();
    let o_thread = std::thread::spawn(move || {
        in_thread.run(|| {
            o_elected_tx.send(in_thread.is_leader()).unwrap();
            o_stop.recv().unwrap();
        })
    });
    wait_for_children(&w.observer, "/election", 2);

    w.proxy.partition(HOLD_PING);
    w.states.wait_for(KeeperState::Expired, EVENT_TIMEOUT);
    assert_eq!(next_event(), ("lost", false), "L still leads after LOST");
    assert!(!leader.is_leader());
    // L's node is still on the server (its session with it): O is not elected yet.
    assert!(w.observer.exists(&first_node).wait().unwrap().is_some());
    assert!(!other.is_leader());

    w.proxy.heal();
    wait_until_gone(&w.observer, &first_node);
    assert!(
        o_elected
            .recv_timeout(EVENT_TIMEOUT)
            .expect("O is elected once L's old node is gone"),
        "O's leader function runs while O is not the leader"
    );
    assert_eq!(next_event(), ("returned", true));

    // L joins again, with a node of its new session, and waits behind O.
    l_again_tx.send(()).unwrap();
    wait_for_children(&w.observer, "/election", 2);
    let (children, _) = w.observer.get_children("/election").wait().unwrap();
    let mut owners = Vec::new();
    for child in &children {
        let (data, stat) = w
            .observer
            .get(&format!("/election/{child}"))
            .wait()
            .unwrap();
        owners.push((String::from_utf8(data).unwrap(), stat.ephemeral_owner));
    }
    assert!(
        owners.contains(&("L".to_string(), w.client.session_info().session_id)),
        "L's contender node is not of its new session: {owners:?}"
    );
    assert!(other.is_leader());
    assert!(!leader.is_leader(), "two leaders");
    assert!(l_events.try_recv().is_err(), "L elected while O leads");
    assert_eq!(leader.contenders().unwrap(), ["O", "L"]);

    assert!(w.proxy.release_held() >= 1);
    o_stop_tx.send(()).unwrap();
    assert_eq!(o_thread.join().unwrap(), Ok(Some(())));
    assert_eq!(next_event(), ("elected", true));
    l_stop_tx.send(()).unwrap();
    assert_eq!(l_thread.join().unwrap(), Ok(Some(())));
}
