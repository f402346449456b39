//! SetPartitioner against the real server: one member takes the whole set, members split it
//! disjointly with kazoo's default partition function, joins and departures make the others
//! release and re-divide, kazoo's node layout, a custom partition function, invalid items,
//! session loss (FAILURE) and suspension (RELEASE), a kazoo 2.11 SetPartitioner sharing one
//! set with a zkclient one, and the C API.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Condvar, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant};

use common::{
    options, shared_hosts, unique_chroot, wait_for_children, Proxy, StateRecorder, EVENT_TIMEOUT,
};
use zkclient::recipe::partitioner::{
    kazoo_partition, PartitionState, PartitionerOptions, SetPartitioner, StateChangeFn,
};
use zkclient::{Client, ClientOptions, Error, KeeperState, Wait};

const ITEMS: [&str; 5] = ["item-a", "item-b", "item-c", "item-d", "item-e"];

/// A parameter of the recipe (how long the party must be still), not a synchronisation.
const TIME_BOUNDARY: Duration = Duration::from_millis(300);

/// `n` clients on the shared server, all under one fresh chroot; also the connect string.
fn clients(name: &str, n: usize) -> (String, Vec<Client>) {
    let hosts = shared_hosts();
    let chroot = unique_chroot(name);
    let clients = (0..n)
        .map(|_| common::connect(&hosts, &chroot, ClientOptions::default()))
        .collect();
    (format!("{hosts}{chroot}"), clients)
}

/// Bumped by every state change of every partitioner these tests make (tests run in
/// parallel: a waiter re-checks its own partitioners after each wake-up).
static CHANGES: (Mutex<u64>, Condvar) = (Mutex::new(0), Condvar::new());

fn changes() -> u64 {
    *CHANGES.0.lock().unwrap()
}

fn bump() {
    *CHANGES.0.lock().unwrap() += 1;
    CHANGES.1.notify_all();
}

/// Waits until some partitioner's state changes after `seen`; panics at `deadline`.
fn wait_for_change(seen: u64, deadline: Instant, what: &dyn Fn() -> String) {
    let mut generation = CHANGES.0.lock().unwrap();
    while *generation == seen {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "no progress in time: {}", what());
        generation = CHANGES.1.wait_timeout(generation, left).unwrap().0;
    }
}

fn bump_on_change() -> StateChangeFn {
    Box::new(|_| bump())
}

fn quick(identifier: &str) -> PartitionerOptions {
    PartitionerOptions {
        identifier: Some(identifier.to_string()),
        time_boundary: TIME_BOUNDARY,
        max_reaction_time: Duration::from_millis(250),
        on_state_change: Some(bump_on_change()),
        ..PartitionerOptions::default()
    }
}

/// Drives `members` as kazoo's docs do (release_set in RELEASE) until all are ACQUIRED with
/// shares that cover the set, which must then be disjoint; returns the shares.
fn settle(members: &[&SetPartitioner]) -> Vec<Vec<String>> {
    let deadline = Instant::now() + EVENT_TIMEOUT;
    let states = || {
        format!(
            "{:?}",
            members.iter().map(|m| m.state()).collect::<Vec<_>>()
        )
    };
    loop {
        let seen = changes();
        for partitioner in members {
            if partitioner.state() == PartitionState::Release {
                partitioner.release_set().unwrap();
            }
        }
        let shares: Vec<Vec<String>> = members.iter().map(|m| m.partitions()).collect();
        let total: usize = shares.iter().map(Vec::len).sum();
        let all_acquired = || {
            members
                .iter()
                .all(|m| m.state() == PartitionState::Acquired)
        };
        if all_acquired()
            && total == ITEMS.len()
            && members
                .iter()
                .map(|m| m.partitions())
                .eq(shares.iter().cloned())
        {
            assert_disjoint_cover(&shares);
            return shares;
        }
        wait_for_change(seen, deadline, &states);
    }
}

fn member(zk: &Client, identifier: &str) -> SetPartitioner {
    SetPartitioner::new(zk, "/part", ITEMS, quick(identifier)).expect("partitioner joins")
}

fn acquired(partitioner: &SetPartitioner) -> Vec<String> {
    assert!(
        partitioner.wait_for_acquire(Some(EVENT_TIMEOUT)),
        "{} did not acquire (state {:?})",
        partitioner.identifier(),
        partitioner.state()
    );
    partitioner.partitions()
}

fn release(partitioner: &SetPartitioner) {
    assert!(
        partitioner.wait_for_state(PartitionState::Release, Some(EVENT_TIMEOUT)),
        "{} did not go to RELEASE (state {:?})",
        partitioner.identifier(),
        partitioner.state()
    );
    partitioner.release_set().unwrap();
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Each item held by exactly one of `shares`, and together they are the whole set.
fn assert_disjoint_cover(shares: &[Vec<String>]) {
    let mut seen = BTreeSet::new();
    for share in shares {
        for item in share {
            assert!(
                seen.insert(item.clone()),
                "{item} is held twice: {shares:?}"
            );
        }
    }
    let all: BTreeSet<String> = ITEMS.iter().map(|s| s.to_string()).collect();
    assert_eq!(seen, all, "the shares {shares:?} do not cover the set");
}

fn children(zk: &Client, path: &str) -> Vec<String> {
    let (mut children, _) = zk.get_children(path).wait().unwrap();
    children.sort();
    children
}

#[test]
fn a_single_member_acquires_the_whole_set() {
    let (_, zk) = clients("partitioner-one", 1);
    let alone = member(&zk[0], "solo");
    assert_eq!(alone.identifier(), "solo");
    assert_eq!(acquired(&alone), ITEMS);
    assert_eq!(alone.state(), PartitionState::Acquired);
    // Waiting again returns at once.
    assert!(alone.wait_for_acquire(Some(Duration::ZERO)));
    alone.finish();
    assert_eq!(alone.state(), PartitionState::Failure);
    assert!(alone.partitions().is_empty());
    assert!(!alone.wait_for_acquire(Some(EVENT_TIMEOUT)));
    // Finishing released every lock and left the party.
    assert!(children(&zk[0], "/part/party").is_empty());
    for item in ITEMS {
        assert!(children(&zk[0], &format!("/part/locks/{item}")).is_empty());
    }
    alone.finish(); // twice is fine
}

#[test]
fn the_node_layout_is_kazoos() {
    let (_, zk) = clients("partitioner-layout", 1);
    let partitioner = member(&zk[0], "worker-1");
    acquired(&partitioner);
    assert_eq!(children(&zk[0], "/part"), ["locks", "party"]);
    let party = children(&zk[0], "/part/party");
    assert_eq!(party.len(), 1);
    let (guid, identifier) = party[0].split_at(32);
    assert!(guid.bytes().all(|b| b.is_ascii_hexdigit()), "{}", party[0]);
    assert_eq!(identifier, "-worker-1");
    assert_eq!(children(&zk[0], "/part/locks"), ITEMS);
    for item in ITEMS {
        let contenders = children(&zk[0], &format!("/part/locks/{item}"));
        assert_eq!(contenders.len(), 1, "{item}: {contenders:?}");
        // kazoo's Lock node: <guid>__lock__<10 digits>.
        let name = &contenders[0];
        assert_eq!(name.len(), 32 + "__lock__".len() + 10, "{name}");
        assert_eq!(&name[32..40], "__lock__", "{name}");
        assert!(name[40..].bytes().all(|b| b.is_ascii_digit()), "{name}");
    }
}

#[test]
fn two_members_split_the_set_as_kazoos_partition_function_does() {
    let (_, zk) = clients("partitioner-two", 2);
    let first = member(&zk[0], "member-1");
    let second = member(&zk[1], "member-2");
    let shares = settle(&[&first, &second]);
    assert_eq!(shares[0], ["item-a", "item-c", "item-e"]);
    assert_eq!(shares[1], ["item-b", "item-d"]);
    let members = strings(&["member-2", "member-1"]);
    assert_eq!(
        kazoo_partition("member-2", &members, &strings(&ITEMS)),
        ["item-b", "item-d"]
    );
}

/// Members on separate clients, settled.
fn settled(zk: &[Client], names: &[&str]) -> Vec<SetPartitioner> {
    let members: Vec<SetPartitioner> = zk
        .iter()
        .zip(names)
        .map(|(zk, name)| member(zk, name))
        .collect();
    settle(&members.iter().collect::<Vec<_>>());
    members
}

#[test]
fn a_third_member_makes_the_others_release_and_all_reacquire_a_disjoint_cover() {
    let (_, zk) = clients("partitioner-join", 3);
    let members = settled(&zk[..2], &["m1", "m2"]);
    let before: Vec<Vec<String>> = members.iter().map(|m| m.partitions()).collect();
    let third = member(&zk[2], "m3");
    for partitioner in &members {
        assert!(
            partitioner.wait_for_state(PartitionState::Release, Some(EVENT_TIMEOUT)),
            "{:?}",
            partitioner.state()
        );
    }
    // In RELEASE the items are still held (and reported) until released: the newcomer waits.
    let during: Vec<Vec<String>> = members.iter().map(|m| m.partitions()).collect();
    assert_eq!(during, before);
    assert_eq!(third.state(), PartitionState::Allocating);
    let shares = settle(&[&members[0], &members[1], &third]);
    // kazoo's assignment for three sorted members.
    assert_eq!(shares[0], ["item-a", "item-d"]);
    assert_eq!(shares[1], ["item-b", "item-e"]);
    assert_eq!(shares[2], ["item-c"]);
}

#[test]
fn a_party_change_during_lock_acquisition_restarts_the_allocation() {
    let (_, zk) = clients("partitioner-abort", 3);
    let holder = member(&zk[0], "m1");
    assert_eq!(acquired(&holder), ITEMS);
    // m2 records the party it divides the set for.
    let views: Arc<Mutex<Vec<usize>>> = Arc::default();
    let seen_views = views.clone();
    let options = PartitionerOptions {
        partition_func: Some(Arc::new(
            move |me: &str, members: &[String], items: &[String]| {
                seen_views.lock().unwrap().push(members.len());
                bump();
                kazoo_partition(me, members, items)
            },
        )),
        ..quick("m2")
    };
    let waiting = SetPartitioner::new(&zk[1], "/part", ITEMS, options).unwrap();
    assert!(holder.wait_for_state(PartitionState::Release, Some(EVENT_TIMEOUT)));
    // m1 keeps every lock (it does not release yet): m2 queues for item-b, its first item.
    wait_for_children(&zk[0], "/part/locks/item-b", 2);
    assert_eq!(*views.lock().unwrap(), [2]);
    assert_eq!(waiting.state(), PartitionState::Allocating);
    let newcomer = member(&zk[2], "m3");
    // The party changed while m2 waited for a lock: it gives the attempt up and divides the
    // set again for three members, while m1 still holds everything.
    let deadline = Instant::now() + EVENT_TIMEOUT;
    loop {
        let seen = changes();
        if views.lock().unwrap().last() == Some(&3) {
            break;
        }
        wait_for_change(seen, deadline, &|| {
            format!("views {:?}", views.lock().unwrap())
        });
    }
    assert_eq!(holder.partitions(), ITEMS);
    assert_eq!(holder.state(), PartitionState::Release);
    let shares = settle(&[&holder, &waiting, &newcomer]);
    assert_eq!(shares[0], ["item-a", "item-d"]);
    assert_eq!(shares[1], ["item-b", "item-e"]);
    assert_eq!(shares[2], ["item-c"]);
    // No contender is left behind by the abandoned attempt.
    for item in ITEMS {
        assert_eq!(
            children(&zk[0], &format!("/part/locks/{item}")).len(),
            1,
            "{item}"
        );
    }
}

#[test]
fn a_member_finishing_makes_the_rest_repartition() {
    let (_, zk) = clients("partitioner-leave", 3);
    let members = settled(&zk, &["m1", "m2", "m3"]);
    members[2].finish();
    assert_eq!(members[2].state(), PartitionState::Failure);
    for partitioner in &members[..2] {
        assert!(partitioner.wait_for_state(PartitionState::Release, Some(EVENT_TIMEOUT)));
    }
    let shares = settle(&[&members[0], &members[1]]);
    assert_eq!(shares[0], ["item-a", "item-c", "item-e"]);
    assert_eq!(shares[1], ["item-b", "item-d"]);
    assert!(members[2].partitions().is_empty());
}

#[test]
fn finishing_interrupts_the_waits_and_leaves_nothing_behind() {
    let (_, zk) = clients("partitioner-finish", 3);
    let holder = member(&zk[0], "holder");
    assert_eq!(acquired(&holder), ITEMS);
    // Waiting for the party to settle (kazoo's default 30 s): finish does not wait it out.
    let patient = SetPartitioner::new(
        &zk[1],
        "/part",
        ITEMS,
        PartitionerOptions {
            identifier: Some("patient".into()),
            ..PartitionerOptions::default()
        },
    )
    .unwrap();
    let started = Instant::now();
    patient.finish();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(patient.state(), PartitionState::Failure);
    // Queued for a lock with a 30 s reaction time: finish cancels the wait.
    assert!(holder.wait_for_state(PartitionState::Release, Some(EVENT_TIMEOUT)));
    let queued = SetPartitioner::new(
        &zk[2],
        "/part",
        ITEMS,
        PartitionerOptions {
            time_boundary: Duration::ZERO,
            max_reaction_time: Duration::from_secs(30),
            ..quick("queued")
        },
    )
    .unwrap();
    // holder and queued: "queued" (index 1) wants item-b and item-d; holder keeps them.
    wait_for_children(&zk[0], "/part/locks/item-b", 2);
    let started = Instant::now();
    drop(queued);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(children(&zk[0], "/part/locks/item-b").len(), 1);
    let party = children(&zk[0], "/part/party");
    assert_eq!(party.len(), 1, "{party:?}");
    assert!(party[0].ends_with("-holder"));
}

#[test]
fn a_stopped_client_fails_the_partitioner() {
    let (_, zk) = clients("partitioner-stop", 2);
    let partitioner = member(&zk[0], "stopping");
    assert_eq!(acquired(&partitioner), ITEMS);
    zk[0].stop().unwrap();
    assert!(partitioner.wait_for_state(PartitionState::Failure, Some(EVENT_TIMEOUT)));
    assert!(partitioner.partitions().is_empty());
    // Its session closed: another member takes everything at once.
    let next = member(&zk[1], "next");
    assert_eq!(acquired(&next), ITEMS);
    drop(partitioner); // finishing after the client stopped does not hang
}

#[test]
fn finish_may_be_called_from_the_state_callback_and_from_two_threads() {
    let (_, zk) = clients("partitioner-reentrant", 2);
    // The callback finishes its own partitioner once acquired (on the worker thread).
    let handle: Arc<OnceLock<Weak<SetPartitioner>>> = Arc::default();
    let in_callback = handle.clone();
    let options = PartitionerOptions {
        on_state_change: Some(Box::new(move |state| {
            if state == PartitionState::Acquired {
                if let Some(partitioner) = in_callback.get().and_then(Weak::upgrade) {
                    assert_eq!(partitioner.partitions(), ITEMS);
                    partitioner.finish();
                    assert_eq!(partitioner.state(), PartitionState::Failure);
                }
            }
            bump();
        })),
        time_boundary: Duration::from_millis(500),
        ..quick("self-finishing")
    };
    let partitioner = Arc::new(SetPartitioner::new(&zk[0], "/part", ITEMS, options).unwrap());
    handle.set(Arc::downgrade(&partitioner)).ok().unwrap();
    assert!(partitioner.wait_for_state(PartitionState::Failure, Some(EVENT_TIMEOUT)));
    assert!(partitioner.partitions().is_empty());
    // A second finish, from this thread, waits for the worker, which released the locks and
    // left the party. (Dropping our Arc alone would not: the callback may still hold the
    // last one for an instant, and then the worker drops it itself.)
    partitioner.finish();
    assert!(children(&zk[1], "/part/party").is_empty());
    drop(partitioner);
    let other = member(&zk[1], "other");
    assert_eq!(acquired(&other), ITEMS);

    // Two threads finishing at once: both return with everything released.
    let other = Arc::new(other);
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let other = other.clone();
            std::thread::spawn(move || {
                other.finish();
                assert_eq!(other.state(), PartitionState::Failure);
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert!(children(&zk[1], "/part/party").is_empty());
    for item in ITEMS {
        assert!(children(&zk[1], &format!("/part/locks/{item}")).is_empty());
    }
}

#[test]
fn a_panicking_partition_function_fails_the_partitioner() {
    let (_, zk) = clients("partitioner-panic", 1);
    let options = PartitionerOptions {
        partition_func: Some(Arc::new(
            |_: &str, _: &[String], _: &[String]| -> Vec<String> {
                panic!("deliberate panic in a partition function")
            },
        )),
        ..quick("panicky")
    };
    let partitioner = SetPartitioner::new(&zk[0], "/part", ITEMS, options).unwrap();
    assert!(partitioner.wait_for_state(PartitionState::Failure, Some(EVENT_TIMEOUT)));
    assert!(!partitioner.wait_for_acquire(Some(Duration::ZERO)));
    drop(partitioner);
    assert!(children(&zk[0], "/part/party").is_empty());
}

#[test]
fn state_changes_are_told_in_order() {
    let (_, zk) = clients("partitioner-callback", 2);
    let (tx, rx) = channel();
    let tx = Mutex::new(tx);
    let options = PartitionerOptions {
        on_state_change: Some(Box::new(move |state| {
            let _ = tx.lock().unwrap().send(state);
        })),
        ..quick("watched")
    };
    let watched = SetPartitioner::new(&zk[0], "/part", ITEMS, options).unwrap();
    let next = |rx: &Receiver<PartitionState>| rx.recv_timeout(EVENT_TIMEOUT).unwrap();
    assert_eq!(next(&rx), PartitionState::Acquired);
    assert_eq!(watched.partitions(), ITEMS);
    let id = watched.state_id();
    let other = member(&zk[1], "other");
    assert_eq!(next(&rx), PartitionState::Release);
    assert!(watched.state_id() > id);
    // In RELEASE the items are still held until release_set.
    assert_eq!(watched.partitions(), ITEMS);
    assert!(!watched.wait_for_acquire(Some(EVENT_TIMEOUT)));
    watched.release_set().unwrap();
    assert_eq!(next(&rx), PartitionState::Allocating);
    assert_eq!(next(&rx), PartitionState::Acquired);
    assert_disjoint_cover(&[watched.partitions(), acquired(&other)]);
    drop(watched); // finishes
    assert_eq!(next(&rx), PartitionState::Failure);
    assert!(rx.recv_timeout(Duration::from_millis(100)).is_err());
}

#[test]
fn a_custom_partition_function_decides_the_share() {
    let (_, zk) = clients("partitioner-custom", 2);
    let calls = Arc::new(Mutex::new(Vec::new()));
    // Alone, a member takes everything; otherwise "p1" the odd positions, "p0" the even ones
    // (the opposite of kazoo's function for these identifiers).
    let make = |identifier: &str| {
        let calls = calls.clone();
        PartitionerOptions {
            partition_func: Some(Arc::new(
                move |me: &str, members: &[String], items: &[String]| {
                    calls
                        .lock()
                        .unwrap()
                        .push((me.to_string(), members.to_vec()));
                    let parity = usize::from(me.ends_with('1'));
                    let mut share: Vec<String> = items
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| members.len() == 1 || i % 2 == parity)
                        .map(|(_, item)| item.clone())
                        .collect();
                    share.push("not-an-item".into()); // ignored
                    share
                },
            )),
            ..quick(identifier)
        }
    };
    let odd = SetPartitioner::new(&zk[0], "/part", ITEMS, make("p1")).unwrap();
    let even = SetPartitioner::new(&zk[1], "/part", ITEMS, make("p0")).unwrap();
    let shares = settle(&[&odd, &even]);
    assert_eq!(shares[0], ["item-b", "item-d"]);
    assert_eq!(shares[1], ["item-a", "item-c", "item-e"]);
    assert!(zk[0]
        .exists("/part/locks/not-an-item")
        .wait()
        .unwrap()
        .is_none());
    let calls = calls.lock().unwrap();
    assert!(calls
        .iter()
        .any(|(me, members)| me == "p1" && members.len() == 2));
}

#[test]
fn invalid_items_and_options_are_rejected() {
    let (_, zk) = clients("partitioner-invalid", 1);
    for bad in ["", "a/b", ".", "..", "ctl\u{1}"] {
        let error = SetPartitioner::new(&zk[0], "/part", ["ok", bad], quick("x"))
            .err()
            .unwrap_or_else(|| panic!("{bad:?} was accepted"));
        assert!(
            matches!(error, Error::InvalidArgument(_)),
            "{bad:?}: {error}"
        );
        assert!(
            error.to_string().contains("not a valid node name"),
            "{error}"
        );
    }
    let error = SetPartitioner::new(&zk[0], "/part", ["ok"], quick("has/slash"))
        .err()
        .unwrap();
    assert!(error.to_string().contains("identifier"), "{error}");
    let zero = PartitionerOptions {
        max_reaction_time: Duration::ZERO,
        ..quick("x")
    };
    assert!(SetPartitioner::new(&zk[0], "/part", ["ok"], zero).is_err());
    assert!(matches!(
        SetPartitioner::new(&zk[0], "relative", ["ok"], quick("x")),
        Err(Error::InvalidPath { .. })
    ));
    // Nothing was created by the refused calls.
    assert!(zk[0].exists("/part").wait().unwrap().is_none());
    // Duplicates count once; an empty set is fine.
    let dupes = SetPartitioner::new(&zk[0], "/dupes", ["b", "a", "b"], quick("x")).unwrap();
    assert_eq!(dupes.items(), ["a", "b"]);
    assert_eq!(acquired(&dupes), ["a", "b"]);
    let empty = SetPartitioner::new(&zk[0], "/empty", Vec::<String>::new(), quick("x")).unwrap();
    assert!(acquired(&empty).is_empty());
}

#[test]
fn session_loss_fails_the_partitioner_and_the_others_take_over() {
    let hosts = shared_hosts();
    let chroot = unique_chroot("partitioner-expiry");
    let proxy = Proxy::start(&hosts);
    let doomed = common::connect(&proxy.hosts(), &chroot, options(Duration::from_secs(6)));
    let survivor = common::connect(&hosts, &chroot, ClientOptions::default());
    let mut states = StateRecorder::attach(&doomed);
    let members = settled(&[doomed.clone(), survivor.clone()], &["doomed", "survivor"]);
    proxy.expire_session(&format!("{hosts}{chroot}"), &doomed, &mut states, || {});
    assert!(members[0].wait_for_state(PartitionState::Failure, Some(EVENT_TIMEOUT)));
    assert!(!members[0].wait_for_acquire(Some(EVENT_TIMEOUT)));
    assert!(members[0].partitions().is_empty());
    // The survivor sees the party shrink, releases, and takes everything.
    release(&members[1]);
    assert_eq!(acquired(&members[1]), ITEMS);
    // FAILURE is terminal: the new session does not rejoin.
    states.wait_for(KeeperState::SyncConnected, EVENT_TIMEOUT);
    let party = children(&survivor, "/part/party");
    assert_eq!(party.len(), 1);
    assert!(party[0].ends_with("-survivor"), "{party:?}");
    assert_eq!(members[0].state(), PartitionState::Failure);
}

#[test]
fn a_connection_suspension_moves_to_release() {
    let hosts = shared_hosts();
    let chroot = unique_chroot("partitioner-suspend");
    let proxy = Proxy::start(&hosts);
    let zk = common::connect(&proxy.hosts(), &chroot, options(Duration::from_secs(10)));
    let mut states = StateRecorder::attach(&zk);
    let partitioner = member(&zk, "suspended");
    assert_eq!(acquired(&partitioner), ITEMS);
    proxy.cut();
    assert!(partitioner.wait_for_state(PartitionState::Release, Some(EVENT_TIMEOUT)));
    // The locks are held (the session lives) until released.
    assert_eq!(partitioner.partitions(), ITEMS);
    proxy.restore();
    states.wait_for(KeeperState::SyncConnected, EVENT_TIMEOUT);
    assert_eq!(partitioner.state(), PartitionState::Release);
    partitioner.release_set().unwrap();
    assert_eq!(acquired(&partitioner), ITEMS);
}

/// A kazoo SetPartitioner in a Python process: prints `ACQUIRED <items>` on every
/// acquisition, `RELEASE` before releasing, and finishes on a line on stdin.
struct KazooMember {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
}

impl KazooMember {
    fn start(hosts: &str, identifier: &str) -> KazooMember {
        let setup = Command::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scripts/kazoo-venv.sh"
        ))
        .output()
        .expect("kazoo-venv.sh runs");
        assert!(setup.status.success(), "kazoo-venv.sh failed");
        let python = String::from_utf8_lossy(&setup.stdout).trim().to_string();
        let program = format!(
            "import sys, threading, logging\n\
             logging.basicConfig(level=logging.ERROR)\n\
             from kazoo.client import KazooClient\n\
             zk = KazooClient(hosts={hosts:?})\n\
             zk.start(timeout=30)\n\
             stop = threading.Event()\n\
             def read():\n    sys.stdin.readline()\n    stop.set()\n\
             threading.Thread(target=read, daemon=True).start()\n\
             p = zk.SetPartitioner('/part', set={items:?}, identifier={identifier:?},\n\
             \x20   time_boundary=0.3, max_reaction_time=0.25)\n\
             last = None\n\
             while not stop.is_set():\n\
             \x20   if p.failed:\n\
             \x20       print('FAILED', flush=True)\n\
             \x20       break\n\
             \x20   elif p.release:\n\
             \x20       print('RELEASE', flush=True)\n\
             \x20       p.release_set()\n\
             \x20   elif p.acquired:\n\
             \x20       if last != p.state_id:\n\
             \x20           last = p.state_id\n\
             \x20           print('ACQUIRED ' + ','.join(sorted(p)), flush=True)\n\
             \x20       p.state_change_event.wait(0.1)\n\
             \x20       p.state_change_event.clear()\n\
             \x20   else:\n\
             \x20       p.wait_for_acquire(0.1)\n\
             p.finish()\n\
             print('DONE', flush=True)\n\
             zk.stop()\n\
             zk.close()\n",
            items = ITEMS.to_vec(),
        );
        let mut child = Command::new(python)
            .arg("-u")
            .arg("-c")
            .arg(&program)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python runs");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        KazooMember {
            child,
            stdin,
            lines,
        }
    }

    /// The items of the next `ACQUIRED` line that `want` accepts (other lines skipped).
    fn acquired(&self, want: impl Fn(&[String]) -> bool) -> Vec<String> {
        loop {
            let line = self
                .lines
                .recv_timeout(EVENT_TIMEOUT)
                .expect("kazoo reports in time");
            assert_ne!(line, "FAILED", "kazoo's partitioner failed");
            if let Some(items) = line.strip_prefix("ACQUIRED ") {
                let items: Vec<String> = items
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
                if want(&items) {
                    return items;
                }
            }
        }
    }

    fn finish(mut self) {
        if let Some(mut stdin) = self.stdin.take() {
            writeln!(stdin, "finish").unwrap();
        }
        loop {
            let line = self
                .lines
                .recv_timeout(EVENT_TIMEOUT)
                .expect("kazoo finishes in time");
            if line == "DONE" {
                break;
            }
        }
        assert!(self.child.wait().unwrap().success());
    }
}

impl Drop for KazooMember {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn kazoo_and_zkclient_partition_one_set_disjointly() {
    let (hosts, zk) = clients("partitioner-kazoo", 1);
    let zk = &zk[0];
    // kazoo alone takes everything.
    let kazoo = KazooMember::start(&hosts, "py");
    assert_eq!(kazoo.acquired(|_| true), ITEMS);
    // zkclient joins: kazoo releases, and the set is split by kazoo's function in both.
    let ours = member(zk, "rust");
    let theirs = kazoo.acquired(|items| items.len() < ITEMS.len());
    let mine = acquired(&ours);
    assert_eq!(theirs, ["item-a", "item-c", "item-e"]);
    assert_eq!(mine, ["item-b", "item-d"]);
    assert_disjoint_cover(&[theirs, mine]);
    // Every item's lock has exactly one contender: its holder.
    for item in ITEMS {
        assert_eq!(
            children(zk, &format!("/part/locks/{item}")).len(),
            1,
            "{item}"
        );
    }
    let party = children(zk, "/part/party");
    let mut identifiers: Vec<&str> = party.iter().map(|node| &node[33..]).collect();
    identifiers.sort();
    assert_eq!(identifiers, ["py", "rust"]);
    // zkclient leaves: kazoo takes everything again.
    ours.finish();
    assert_eq!(kazoo.acquired(|items| items.len() == ITEMS.len()), ITEMS);
    kazoo.finish();
    assert!(children(zk, "/part/party").is_empty());
}

mod c_api {
    use std::ffi::{c_char, c_void, CStr, CString};
    use std::ptr::{null, null_mut};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::Instant;

    use zkclient::ffi::recipe::partitioner::*;
    use zkclient::ffi::*;

    use super::EVENT_TIMEOUT;

    use crate::common::last_message;

    /// # Safety
    /// `list` was filled by the library.
    unsafe fn strings(list: &zk_string_list) -> Vec<String> {
        (0..list.count)
            // SAFETY: the library made `count` valid strings.
            .map(|i| {
                unsafe { CStr::from_ptr(*list.items.add(i)) }
                    .to_string_lossy()
                    .into_owned()
            })
            .collect()
    }

    /// The user data of these tests: what the callbacks saw, and how often it was freed.
    #[derive(Default)]
    struct Recorder {
        states: Mutex<Vec<zk_partition_state>>,
        partition_calls: AtomicUsize,
        freed: AtomicUsize,
    }

    unsafe extern "C" fn record(state: zk_partition_state, user_data: *mut c_void) {
        // SAFETY: user_data is an Arc<Recorder> made by `user_data` below.
        let recorder = unsafe { &*(user_data as *const Recorder) };
        recorder.states.lock().unwrap().push(state);
        super::bump();
    }

    unsafe extern "C" fn free_recorder(user_data: *mut c_void) {
        // SAFETY: made by Arc::into_raw in `user_data`.
        let recorder = unsafe { Arc::from_raw(user_data as *const Recorder) };
        recorder.freed.fetch_add(1, Ordering::SeqCst);
    }

    fn user_data(recorder: &Arc<Recorder>) -> *mut c_void {
        Arc::into_raw(recorder.clone()) as *mut c_void
    }

    /// A custom partition function: the items at even positions.
    unsafe extern "C" fn even_items(
        identifier: *const c_char,
        members: *const zk_string_list,
        items: *const zk_string_list,
        out_selected: *mut bool,
        user_data: *mut c_void,
    ) {
        // SAFETY: the library passes valid arguments for the call.
        unsafe {
            assert_eq!(CStr::from_ptr(identifier).to_str().unwrap(), "custom");
            assert_eq!(strings(&*members), ["custom"]);
            assert_eq!(strings(&*items), super::ITEMS);
            let recorder = &*(user_data as *const Recorder);
            recorder.partition_calls.fetch_add(1, Ordering::SeqCst);
            for i in (0..(*items).count).step_by(2) {
                *out_selected.add(i) = true;
            }
        }
    }

    /// # Safety
    /// `p` is a live handle.
    unsafe fn state(p: *mut zk_partitioner) -> zk_partition_state {
        let mut state = zk_partition_state::ZK_PARTITION_FAILURE;
        // SAFETY: per the contract.
        assert_eq!(
            unsafe { zk_partitioner_state(p, &mut state) },
            zk_error::ZK_OK
        );
        state
    }

    /// # Safety
    /// `p` is a live handle.
    unsafe fn partitions(p: *mut zk_partitioner) -> Vec<String> {
        let mut list = zk_string_list {
            items: null_mut(),
            count: 0,
        };
        // SAFETY: per the contract; the list is the library's.
        unsafe {
            assert_eq!(zk_partitioner_partitions(p, &mut list), zk_error::ZK_OK);
            let share = strings(&list);
            zk_string_list_free(&mut list);
            assert!(list.items.is_null());
            share
        }
    }

    /// As `super::settle`, through the C API.
    ///
    /// # Safety
    /// Every handle is live.
    unsafe fn settle(members: &[*mut zk_partitioner]) -> Vec<Vec<String>> {
        use zk_partition_state::*;
        let deadline = Instant::now() + EVENT_TIMEOUT;
        // SAFETY: per the contract.
        let states = || {
            format!(
                "{:?}",
                members
                    .iter()
                    .map(|p| unsafe { state(*p) })
                    .collect::<Vec<_>>()
            )
        };
        loop {
            let seen = super::changes();
            for p in members {
                // SAFETY: per the contract.
                if unsafe { state(*p) } == ZK_PARTITION_RELEASE {
                    assert_eq!(unsafe { zk_partitioner_release_set(*p) }, zk_error::ZK_OK);
                }
            }
            // SAFETY: per the contract.
            let shares: Vec<Vec<String>> =
                members.iter().map(|p| unsafe { partitions(*p) }).collect();
            let total: usize = shares.iter().map(Vec::len).sum();
            // SAFETY: per the contract.
            let acquired = members
                .iter()
                .all(|p| unsafe { state(*p) } == ZK_PARTITION_ACQUIRED);
            if acquired && total == super::ITEMS.len() {
                super::assert_disjoint_cover(&shares);
                return shares;
            }
            super::wait_for_change(seen, deadline, &states);
        }
    }

    #[test]
    fn partitioner_from_c() {
        use zk_partition_state::*;
        let hosts = super::shared_hosts();
        let chroot = super::unique_chroot("partitioner-ffi");
        super::common::connect(&hosts, &chroot, Default::default());
        let connect = CString::new(format!("{hosts}{chroot}")).unwrap();
        let path = CString::new("/part").unwrap();
        let names: Vec<CString> = super::ITEMS
            .iter()
            .map(|s| CString::new(*s).unwrap())
            .collect();
        let items: Vec<*const c_char> = names.iter().map(|s| s.as_ptr()).collect();
        let (id1, id2) = (CString::new("c1").unwrap(), CString::new("c2").unwrap());
        // SAFETY: valid arguments except where NULL or garbage is the point.
        unsafe {
            let mut clients = [null_mut(), null_mut()];
            for client in &mut clients {
                assert_eq!(
                    zk_client_new(connect.as_ptr(), null(), client),
                    zk_error::ZK_OK
                );
                assert_eq!(zk_client_start(*client, 30_000), zk_error::ZK_OK);
            }
            let mut defaults = std::mem::MaybeUninit::<zk_partitioner_options>::uninit();
            assert_eq!(
                zk_partitioner_options_init(defaults.as_mut_ptr(), ZK_PARTITIONER_OPTIONS_VERSION),
                zk_error::ZK_OK
            );
            let defaults = defaults.assume_init();
            assert_eq!(defaults.version, ZK_PARTITIONER_OPTIONS_VERSION);
            assert_eq!(defaults.time_boundary_ms, 30_000);
            assert_eq!(defaults.max_reaction_time_ms, 1_000);
            assert!(defaults.identifier.is_null() && defaults.partition_func.is_none());
            let mut options = defaults;
            options.time_boundary_ms = 300;
            options.max_reaction_time_ms = 250;
            options.identifier = id1.as_ptr();

            // Refused calls write nothing and free the user data, once each.
            let refused = Arc::new(Recorder::default());
            let sentinel = 0x1 as *mut zk_partitioner;
            let mut out = sentinel;
            let bad = CString::new("a/b").unwrap();
            let with_bad: Vec<*const c_char> = vec![items[0], bad.as_ptr()];
            let with_null: Vec<*const c_char> = vec![items[0], null()];
            let bad_path = CString::new("no-slash").unwrap();
            let mut zero = options;
            zero.max_reaction_time_ms = 0;
            let mut unversioned = options;
            unversioned.version = 0;
            let mut too_new = options;
            too_new.version = 99;
            let cases: [(
                zk_error,
                &str,
                *mut zk_client,
                *const c_char,
                *const *const c_char,
                usize,
                &zk_partitioner_options,
            ); 9] = [
                (
                    zk_error::ZK_EINVAL,
                    "client is NULL",
                    null_mut(),
                    path.as_ptr(),
                    items.as_ptr(),
                    5,
                    &options,
                ),
                (
                    zk_error::ZK_EINVAL,
                    "path is NULL",
                    clients[0],
                    null(),
                    items.as_ptr(),
                    5,
                    &options,
                ),
                (
                    zk_error::ZK_EBADPATH,
                    "no-slash",
                    clients[0],
                    bad_path.as_ptr(),
                    items.as_ptr(),
                    5,
                    &options,
                ),
                (
                    zk_error::ZK_EINVAL,
                    "items is NULL",
                    clients[0],
                    path.as_ptr(),
                    null(),
                    5,
                    &options,
                ),
                (
                    zk_error::ZK_EINVAL,
                    "\"a/b\" is not a valid node name",
                    clients[0],
                    path.as_ptr(),
                    with_bad.as_ptr(),
                    2,
                    &options,
                ),
                (
                    zk_error::ZK_EINVAL,
                    "items[1] is NULL",
                    clients[0],
                    path.as_ptr(),
                    with_null.as_ptr(),
                    2,
                    &options,
                ),
                (
                    zk_error::ZK_EINVAL,
                    "max_reaction_time",
                    clients[0],
                    path.as_ptr(),
                    items.as_ptr(),
                    5,
                    &zero,
                ),
                (
                    zk_error::ZK_EINVAL,
                    "zk_partitioner_options has version 0",
                    clients[0],
                    path.as_ptr(),
                    items.as_ptr(),
                    5,
                    &unversioned,
                ),
                (
                    zk_error::ZK_EINVAL,
                    "zk_partitioner_options has version 99, newer than this library",
                    clients[0],
                    path.as_ptr(),
                    items.as_ptr(),
                    5,
                    &too_new,
                ),
            ];
            for (index, (code, message, client, path, items, count, options)) in
                cases.into_iter().enumerate()
            {
                let rc = zk_partitioner_new(
                    client,
                    path,
                    items,
                    count,
                    options,
                    Some(record),
                    user_data(&refused),
                    Some(free_recorder),
                    &mut out,
                );
                assert_eq!(rc, code, "case {index}: {}", last_message());
                assert!(
                    last_message().contains(message),
                    "case {index}: {}",
                    last_message()
                );
                assert_eq!(out, sentinel, "case {index}: output written on failure");
                assert_eq!(
                    refused.freed.load(Ordering::SeqCst),
                    index + 1,
                    "case {index}"
                );
            }
            assert_eq!(
                zk_partitioner_new(
                    clients[0],
                    path.as_ptr(),
                    items.as_ptr(),
                    5,
                    &options,
                    None,
                    null_mut(),
                    None,
                    null_mut()
                ),
                zk_error::ZK_EINVAL
            );
            assert!(last_message().contains("out_partitioner is NULL"));
            assert!(refused.states.lock().unwrap().is_empty());
            let mut probe = zk_string_list {
                items: null_mut(),
                count: 0,
            };
            let observer = super::common::connect(&hosts, &chroot, Default::default());
            assert!(
                zkclient::Wait::wait(observer.exists("/part"))
                    .unwrap()
                    .is_none(),
                "a refused call created nodes"
            );

            // Two members split the set as kazoo's function does.
            let (rec1, rec2) = (Arc::new(Recorder::default()), Arc::new(Recorder::default()));
            let (mut p1, mut p2) = (null_mut(), null_mut());
            assert_eq!(
                zk_partitioner_new(
                    clients[0],
                    path.as_ptr(),
                    items.as_ptr(),
                    5,
                    &options,
                    Some(record),
                    user_data(&rec1),
                    Some(free_recorder),
                    &mut p1
                ),
                zk_error::ZK_OK
            );
            options.identifier = id2.as_ptr();
            assert_eq!(
                zk_partitioner_new(
                    clients[1],
                    path.as_ptr(),
                    items.as_ptr(),
                    5,
                    &options,
                    Some(record),
                    user_data(&rec2),
                    Some(free_recorder),
                    &mut p2
                ),
                zk_error::ZK_OK
            );
            let shares = settle(&[p1, p2]);
            assert_eq!(shares[0], ["item-a", "item-c", "item-e"]);
            assert_eq!(shares[1], ["item-b", "item-d"]);
            let mut flag = false;
            assert_eq!(
                zk_partitioner_wait_for_acquire(p1, 0, &mut flag),
                zk_error::ZK_OK
            );
            assert!(flag);
            assert_eq!(
                zk_partitioner_wait_for_state(p1, 1, 0, &mut flag),
                zk_error::ZK_OK
            );
            assert!(flag);
            assert_eq!(
                zk_partitioner_wait_for_state(p1, 2, 10, &mut flag),
                zk_error::ZK_OK
            );
            assert!(!flag, "RELEASE reached without a change");

            // NULL and invalid arguments.
            let mut st = ZK_PARTITION_ALLOCATING;
            assert_eq!(zk_partitioner_state(null(), &mut st), zk_error::ZK_EINVAL);
            assert!(
                last_message().contains("partitioner is NULL"),
                "{}",
                last_message()
            );
            assert_eq!(zk_partitioner_state(p1, null_mut()), zk_error::ZK_EINVAL);
            assert_eq!(st, ZK_PARTITION_ALLOCATING);
            flag = true;
            assert_eq!(
                zk_partitioner_wait_for_state(p1, 9, 0, &mut flag),
                zk_error::ZK_EINVAL
            );
            assert!(last_message().contains("9"), "{}", last_message());
            assert_eq!(
                zk_partitioner_wait_for_acquire(p1, -2, &mut flag),
                zk_error::ZK_EINVAL
            );
            assert_eq!(
                zk_partitioner_wait_for_acquire(null_mut(), 0, &mut flag),
                zk_error::ZK_EINVAL
            );
            assert_eq!(
                zk_partitioner_wait_for_acquire(p1, 0, null_mut()),
                zk_error::ZK_EINVAL
            );
            assert!(flag, "output written on failure");
            assert_eq!(
                zk_partitioner_partitions(p1, null_mut()),
                zk_error::ZK_EINVAL
            );
            assert_eq!(
                zk_partitioner_partitions(null_mut(), &mut probe),
                zk_error::ZK_EINVAL
            );
            assert!(probe.items.is_null());
            assert_eq!(zk_partitioner_release_set(null_mut()), zk_error::ZK_EINVAL);
            assert_eq!(zk_partitioner_finish(null_mut()), zk_error::ZK_EINVAL);
            let name = |state: i32| {
                CStr::from_ptr(zk_partition_state_str(state))
                    .to_str()
                    .unwrap()
            };
            assert_eq!(
                [name(0), name(1), name(2), name(3), name(4), name(-1)],
                [
                    "ALLOCATING",
                    "ACQUIRED",
                    "RELEASE",
                    "FAILURE",
                    "UNKNOWN",
                    "UNKNOWN"
                ]
            );

            // p2 finishes: p1 is told RELEASE, releases, and takes everything.
            assert_eq!(zk_partitioner_finish(p2), zk_error::ZK_OK);
            assert_eq!(state(p2), ZK_PARTITION_FAILURE);
            assert!(partitions(p2).is_empty());
            assert_eq!(zk_partitioner_finish(p2), zk_error::ZK_OK);
            assert_eq!(
                zk_partitioner_wait_for_state(p1, ZK_PARTITION_RELEASE as i32, 30_000, &mut flag),
                zk_error::ZK_OK
            );
            assert!(flag);
            assert_eq!(settle(&[p1])[0], super::ITEMS);
            zk_partitioner_free(p2);
            assert_eq!(rec2.freed.load(Ordering::SeqCst), 1);
            assert_eq!(
                rec2.states.lock().unwrap().last(),
                Some(&ZK_PARTITION_FAILURE)
            );
            zk_partitioner_free(p1);
            zk_partitioner_free(null_mut());
            assert_eq!(rec1.freed.load(Ordering::SeqCst), 1);
            let states = rec1.states.lock().unwrap().clone();
            assert_eq!(states.first(), Some(&ZK_PARTITION_ACQUIRED), "{states:?}");
            assert!(
                states.ends_with(&[
                    ZK_PARTITION_RELEASE,
                    ZK_PARTITION_ALLOCATING,
                    ZK_PARTITION_ACQUIRED,
                    ZK_PARTITION_FAILURE
                ]),
                "{states:?}"
            );

            // A custom partition function from C, given the same user data.
            let custom = Arc::new(Recorder::default());
            let id = CString::new("custom").unwrap();
            let options = zk_partitioner_options {
                identifier: id.as_ptr(),
                time_boundary_ms: 0,
                partition_func: Some(even_items),
                ..Default::default()
            };
            let custom_path = CString::new("/custom").unwrap();
            let mut p3 = null_mut();
            assert_eq!(
                zk_partitioner_new(
                    clients[0],
                    custom_path.as_ptr(),
                    items.as_ptr(),
                    5,
                    &options,
                    None,
                    user_data(&custom),
                    Some(free_recorder),
                    &mut p3
                ),
                zk_error::ZK_OK
            );
            assert_eq!(
                zk_partitioner_wait_for_acquire(p3, 30_000, &mut flag),
                zk_error::ZK_OK
            );
            assert!(flag);
            assert_eq!(partitions(p3), ["item-a", "item-c", "item-e"]);
            assert!(custom.partition_calls.load(Ordering::SeqCst) >= 1);
            zk_partitioner_free(p3);
            assert_eq!(custom.freed.load(Ordering::SeqCst), 1);
            for client in clients {
                zk_client_free(client);
            }
        }
    }
}
