//! Recipes across the failure that heals: a partition that outlasts the client's session
//! timeout (the client declares its session LOST on its own timer and opens a new one) but
//! not the server's hold on the old session, whose ephemeral nodes live on for a while. A
//! recipe must never take such a node of an earlier session for its own.

mod common;

use std::sync::mpsc::channel;
use std::time::Duration;

use common::{wait_for_children, wait_until_gone, BehindProxy, EVENT_TIMEOUT};
use zkclient::recipe::lock::Lock;
use zkclient::{Error, ErrorCode, KeeperState, Wait};

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
