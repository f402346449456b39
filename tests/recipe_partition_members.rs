//! The recipes that hold ephemeral nodes of a known name (party members, queue claims,
//! double-barrier participants, a partitioner's party node) across the failure that heals: a
//! partition that outlasts the client's 6 s session (the client declares it LOST on its own
//! timer and opens a new one) but not the server's hold on the old session, whose ephemeral
//! nodes live on until `release_held`. A node of the lost session is never taken for the
//! recipe's own, and nothing reports a node gone while it is still on the server.

mod common;

use std::collections::BTreeSet;
use std::sync::mpsc::{channel, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{wait_for_children, wait_until_gone, BehindProxy, EVENT_TIMEOUT};
use zkclient::recipe::barrier::DoubleBarrier;
use zkclient::recipe::partitioner::{PartitionState, PartitionerOptions, SetPartitioner};
use zkclient::recipe::party::{Party, ShallowParty};
use zkclient::recipe::queue::LockingQueue;
use zkclient::{Client, CreateMode, CreateOptions, KeeperState, Wait};

/// How often the proxy pings the server for a held session (the test sessions last 6 s).
const HOLD_PING: Duration = Duration::from_millis(1000);

/// The session owning `path`, as the observer sees it (`None`: no such node).
fn owner(observer: &Client, path: &str) -> Option<i64> {
    observer
        .exists(path)
        .wait()
        .unwrap()
        .map(|stat| stat.ephemeral_owner)
}

/// An ephemeral marker made in the client's current session: once it is gone after
/// `release_held`, the server has expired that session.
fn mark_session(client: &Client, name: &str) -> String {
    let options = CreateOptions {
        mode: CreateMode::Ephemeral,
        ..CreateOptions::default()
    };
    let path = format!("/{name}");
    client.create(&path, b"", &options).wait().unwrap();
    path
}

/// Partitions `w` until its client has declared the session LOST, then heals and waits until
/// it is connected in a new session. Returns the old and new session ids.
fn partition_until_new_session(w: &mut BehindProxy) -> (i64, i64) {
    let old = w.client.session_info().session_id;
    w.proxy.partition(HOLD_PING);
    w.states.wait_for(KeeperState::Expired, EVENT_TIMEOUT);
    w.proxy.heal();
    w.states.wait_for(KeeperState::SyncConnected, EVENT_TIMEOUT);
    let new = w.client.session_info().session_id;
    assert_ne!(new, old);
    (old, new)
}

/// A member that joins again after its session was LOST must not count its node of the lost
/// session (which the server still holds) as its membership: the join makes it anew in the
/// current session, and the membership survives the old session's end.
#[test]
fn a_party_member_joining_again_after_lost_makes_its_node_in_the_new_session() {
    let mut w = BehindProxy::start("partition-party");
    let party = Party::new(&w.client, "/party", "me");
    party.join().unwrap();
    let node = party.node_path();
    let marker = mark_session(&w.client, "old-session");
    let (old, new) = partition_until_new_session(&mut w);

    assert_eq!(owner(&w.observer, &node), Some(old), "the server holds it");
    assert!(
        party.members().unwrap().is_empty(),
        "a node of the lost session counted as our membership"
    );
    assert_eq!(party.len().unwrap(), 0);
    party.join().unwrap();
    let (children, _) = w.observer.get_children("/party").wait().unwrap();
    assert_eq!(children.len(), 1, "{children:?}");
    assert_eq!(
        owner(&w.observer, &node),
        Some(new),
        "joined again on the node of the lost session"
    );
    assert_eq!(party.members().unwrap(), ["me"]);
    let seen_by_others = Party::new(&w.observer, "/party", "other");
    assert_eq!(seen_by_others.members().unwrap(), ["me"]);

    // The old session's end takes nothing of the membership with it.
    assert!(w.proxy.release_held() >= 1);
    wait_until_gone(&w.observer, &marker);
    assert_eq!(owner(&w.observer, &node), Some(new));
    assert_eq!(seen_by_others.len().unwrap(), 1);
    assert!(party.leave().unwrap());
    assert_eq!(owner(&w.observer, &node), None);
}

/// A leave that cannot reach the server returns only once the node is gone: the partition
/// heals after the client declared its session LOST, and the leave deletes the node through
/// the new session.
#[test]
fn a_shallow_party_leave_cut_off_from_the_server_returns_only_once_the_node_is_gone() {
    let mut w = BehindProxy::start("partition-shallow-party");
    let party = Arc::new(ShallowParty::new(&w.client, "/party", "me").unwrap());
    party.join().unwrap();
    let node = party.node_path();
    let old = w.client.session_info().session_id;

    w.proxy.partition(HOLD_PING);
    w.states.wait_for(KeeperState::Disconnected, EVENT_TIMEOUT);
    let (left_tx, left) = channel();
    let leaving = party.clone();
    std::thread::spawn(move || {
        let _ = left_tx.send(leaving.leave());
    });
    w.states.wait_for(KeeperState::Expired, EVENT_TIMEOUT);
    assert!(
        left.try_recv().is_err(),
        "leave returned while the member node was still on the server"
    );
    assert_eq!(owner(&w.observer, &node), Some(old));
    w.proxy.heal();
    let result = left.recv_timeout(EVENT_TIMEOUT).expect("leave returns");
    assert_eq!(result, Ok(true));
    assert_eq!(
        owner(&w.observer, &node),
        None,
        "leave reported success for a node still on the server"
    );
    assert!(w.proxy.release_held() >= 1);

    // Joining again makes the node in the current session.
    party.join().unwrap();
    assert_eq!(
        owner(&w.observer, &node),
        Some(w.client.session_info().session_id)
    );
    assert_eq!(party.members().unwrap(), ["me"]);
    assert!(party.leave().unwrap());
}

/// A consumer that claimed an entry before its session was LOST must not consume it under
/// the claim of the lost session (the server may expire it at any moment and let another
/// consumer take the entry): the consume gives the stale claim up and leaves the entry, which
/// another consumer then processes, exactly once.
#[test]
fn a_consumer_never_consumes_an_entry_under_a_claim_of_its_lost_session() {
    let mut w = BehindProxy::start("partition-locking-queue");
    let other = LockingQueue::new(&w.observer, "/queue");
    other.put(b"job", 100).unwrap();
    let consumer = LockingQueue::new(&w.client, "/queue");
    assert_eq!(
        consumer.get(Some(EVENT_TIMEOUT)).unwrap(),
        Some(b"job".to_vec())
    );
    assert!(consumer.holds_lock().unwrap());
    let (claims, _) = w.observer.get_children("/queue/taken").wait().unwrap();
    assert_eq!(claims.len(), 1, "{claims:?}");
    let claim = format!("/queue/taken/{}", claims[0]);
    let (old, _new) = partition_until_new_session(&mut w);

    assert_eq!(owner(&w.observer, &claim), Some(old), "the server holds it");
    assert!(
        !consumer.holds_lock().unwrap(),
        "a claim of the lost session is held"
    );
    assert!(
        !consumer.consume().unwrap(),
        "consumed an entry under a claim of the lost session"
    );
    assert_eq!(other.len().unwrap(), 1, "the entry stays for someone else");
    assert_eq!(
        owner(&w.observer, &claim),
        None,
        "the stale claim is given up"
    );
    assert!(!consumer.holds_lock().unwrap());

    // The entry is processed once, by the consumer that claims it now.
    assert_eq!(
        other.get(Some(EVENT_TIMEOUT)).unwrap(),
        Some(b"job".to_vec())
    );
    assert!(other.consume().unwrap());
    assert_eq!(other.len().unwrap(), 0);
    assert_eq!(
        consumer.get(Some(Duration::from_millis(200))).unwrap(),
        None
    );
    assert!(w.proxy.release_held() >= 1);
}

/// A participant cut off while it waits to enter gives up, and says its node may remain
/// (it is still on the server, where it counts as a participant) rather than that it was
/// removed. Once the partition heals, with the server still holding the lost session, it
/// enters with a node of its current session, never that node of the lost one (which would
/// vanish under the others when the server expires the session), and leaves with it.
#[test]
fn a_double_barrier_participant_across_lost_enters_and_leaves_with_its_current_node() {
    let mut w = BehindProxy::start("partition-double-barrier");
    let a = Arc::new(DoubleBarrier::new(&w.client, "/barrier", 2, "a").unwrap());
    let b = Arc::new(DoubleBarrier::new(&w.observer, "/barrier", 2, "b").unwrap());
    let node = a.node_path();
    let (entered_tx, entered) = channel();
    let entering = a.clone();
    std::thread::spawn(move || {
        let _ = entered_tx.send(entering.enter(Some(Duration::from_secs(90))));
    });
    wait_for_children(&w.observer, "/barrier", 1);
    let old = w.client.session_info().session_id;
    w.proxy.partition(HOLD_PING);
    w.states.wait_for(KeeperState::Expired, EVENT_TIMEOUT);
    let result = entered
        .recv_timeout(EVENT_TIMEOUT)
        .expect("enter gives up without a server");
    assert!(
        matches!(result, Err(zkclient::Error::MayRemain { .. })),
        "enter cut off from the server: {result:?}"
    );
    assert_eq!(owner(&w.observer, &node), Some(old), "the server holds it");
    w.proxy.heal();
    w.states.wait_for(KeeperState::SyncConnected, EVENT_TIMEOUT);
    let new = w.client.session_info().session_id;
    assert_ne!(new, old);

    let (b_tx, b_entered) = channel();
    let b_entering = b.clone();
    std::thread::spawn(move || {
        let _ = b_tx.send(b_entering.enter(Some(EVENT_TIMEOUT)));
    });
    assert!(a.enter(Some(EVENT_TIMEOUT)).unwrap());
    assert_eq!(
        owner(&w.observer, &node),
        Some(new),
        "entered with its node of the lost session"
    );
    assert_eq!(b_entered.recv_timeout(EVENT_TIMEOUT).unwrap(), Ok(true));
    let (mut children, _) = w.observer.get_children("/barrier").wait().unwrap();
    children.retain(|child| child != "ready");
    assert_eq!(children.len(), 2, "one node each: {children:?}");

    assert!(w.proxy.release_held() >= 1);
    let (b_tx, b_left) = channel();
    let b_leaving = b.clone();
    std::thread::spawn(move || {
        let _ = b_tx.send(b_leaving.leave(Some(EVENT_TIMEOUT)));
    });
    assert!(a.leave(Some(EVENT_TIMEOUT)).unwrap());
    assert_eq!(b_left.recv_timeout(EVENT_TIMEOUT).unwrap(), Ok(true));
    assert_eq!(owner(&w.observer, &node), None);
    let (children, _) = w.observer.get_children("/barrier").wait().unwrap();
    assert!(children.is_empty(), "{children:?}");
}

fn partitioner_options(
    identifier: &str,
    states: Sender<(String, PartitionState)>,
) -> PartitionerOptions {
    let name = identifier.to_string();
    let states = std::sync::Mutex::new(states);
    PartitionerOptions {
        identifier: Some(identifier.to_string()),
        time_boundary: Duration::from_millis(500),
        on_state_change: Some(Box::new(move |state| {
            let _ = states.lock().unwrap().send((name.clone(), state));
        })),
        ..PartitionerOptions::default()
    }
}

/// A partitioner whose session is LOST fails (kazoo's way), and on its way out deletes its
/// party node and item locks through the new session, though the server still holds the old
/// one: a new partitioner of the same member then joins with a node of the current session,
/// is counted once, and the set is divided with no item held by two members.
#[test]
fn a_partitioner_member_after_lost_is_counted_once_and_no_item_is_held_twice() {
    let mut w = BehindProxy::start("partition-partitioner");
    let items = ["a", "b", "c", "d"];
    let (states_tx, states) = channel();
    let first = SetPartitioner::new(
        &w.client,
        "/set",
        items,
        partitioner_options("w", states_tx.clone()),
    )
    .unwrap();
    assert!(first.wait_for_acquire(Some(EVENT_TIMEOUT)));
    assert_eq!(first.partitions(), items);
    let (party, _) = w.observer.get_children("/set/party").wait().unwrap();
    assert_eq!(party.len(), 1);
    let old_node = format!("/set/party/{}", party[0]);
    let marker = mark_session(&w.client, "old-session");
    let (old, new) = partition_until_new_session(&mut w);
    assert!(first.wait_for_state(PartitionState::Failure, Some(EVENT_TIMEOUT)));
    first.finish();
    assert!(
        w.observer.exists(&marker).wait().unwrap().is_some(),
        "the server still holds the old session"
    );
    assert_eq!(
        owner(&w.observer, &old_node),
        None,
        "the party node of the lost session is left behind"
    );
    for item in items {
        let (contenders, _) = w
            .observer
            .get_children(&format!("/set/locks/{item}"))
            .wait()
            .unwrap();
        assert!(contenders.is_empty(), "{item}: {contenders:?}");
    }
    drop(first);

    let again = SetPartitioner::new(
        &w.client,
        "/set",
        items,
        partitioner_options("w", states_tx.clone()),
    )
    .unwrap();
    let other = SetPartitioner::new(
        &w.observer,
        "/set",
        items,
        partitioner_options("x", states_tx),
    )
    .unwrap();
    let members = [
        ("w", &again, new),
        ("x", &other, w.observer.session_info().session_id),
    ];
    // Settle: release whenever told RELEASE, until both hold a share covering the set.
    let deadline = Instant::now() + EVENT_TIMEOUT;
    loop {
        let shares: Vec<Vec<String>> = members
            .iter()
            .map(|(_, p, _)| {
                if p.state() == PartitionState::Acquired {
                    p.partitions()
                } else {
                    Vec::new()
                }
            })
            .collect();
        let all: BTreeSet<&String> = shares.iter().flatten().collect();
        let held = shares.iter().map(Vec::len).sum::<usize>();
        assert_eq!(all.len(), held, "an item held twice: {shares:?}");
        if members
            .iter()
            .all(|(_, p, _)| p.state() == PartitionState::Acquired)
            && all.len() == items.len()
        {
            break;
        }
        for (_, p, _) in &members {
            assert_ne!(p.state(), PartitionState::Failure);
            if p.state() == PartitionState::Release {
                p.release_set().unwrap();
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let _ = states
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("the set was never divided between w and x: {shares:?}"));
    }
    assert!(!again.partitions().is_empty() && !other.partitions().is_empty());

    let (party, _) = w.observer.get_children("/set/party").wait().unwrap();
    let ours: Vec<&String> = party.iter().filter(|node| node.ends_with("-w")).collect();
    assert_eq!(ours.len(), 1, "w counted more than once: {party:?}");
    assert_eq!(
        owner(&w.observer, &format!("/set/party/{}", ours[0])),
        Some(new)
    );
    assert_ne!(
        Some(old),
        owner(&w.observer, &format!("/set/party/{}", ours[0]))
    );
    for (name, partitioner, session) in &members {
        for item in partitioner.partitions() {
            let (contenders, _) = w
                .observer
                .get_children(&format!("/set/locks/{item}"))
                .wait()
                .unwrap();
            assert_eq!(contenders.len(), 1, "{name} {item}: {contenders:?}");
            let path = format!("/set/locks/{item}/{}", contenders[0]);
            assert_eq!(owner(&w.observer, &path), Some(*session), "{name} {item}");
        }
    }
    assert!(w.proxy.release_held() >= 1);
    wait_until_gone(&w.observer, &marker);
    again.finish();
    other.finish();
}
