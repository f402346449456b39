//! Recipes across the failure that heals: a partition that outlasts the client's session
//! timeout (the client declares its session LOST on its own timer and opens a new one) but
//! not the server's hold on the old session, whose ephemeral nodes live on for a while. A
//! recipe must never take such a node of an earlier session for its own.

mod common;

use std::sync::mpsc::channel;
use std::time::Duration;

use common::{wait_for_children, wait_until_gone, BehindProxy, EVENT_TIMEOUT};
use zkclient::recipe::lock::Lock;
use zkclient::{KeeperState, Wait};

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
