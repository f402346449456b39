//! Lock, ReadLock/WriteLock and Semaphore against the real server: exclusion (also under
//! load from many sessions), timeouts that leave no node behind, cancel, FIFO hand-over,
//! readers sharing, session loss while holding, interop with kazoo 2.11, and the C API.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{shared_hosts, unique_chroot, wait_for_children, Proxy, StateRecorder, EVENT_TIMEOUT};
use zkclient::recipe::lock::{Lock, LockOptions};
use zkclient::recipe::semaphore::Semaphore;
use zkclient::{Client, ClientOptions, CreateMode, CreateOptions, Error, State, Wait};

/// `n` clients on the shared server, all under one fresh chroot; also the connect string.
fn clients(name: &str, n: usize) -> (String, Vec<Client>) {
    let hosts = shared_hosts();
    let chroot = unique_chroot(name);
    let clients = (0..n)
        .map(|_| common::connect(&hosts, &chroot, ClientOptions::default()))
        .collect();
    (format!("{hosts}{chroot}"), clients)
}

/// The children of `path` (none if it does not exist).
fn children(zk: &Client, path: &str) -> Vec<String> {
    match zk.get_children(path).wait() {
        Ok((children, _)) => children,
        Err(error) if error.is(zkclient::ErrorCode::NO_NODE) => Vec::new(),
        Err(error) => panic!("get_children {path}: {error}"),
    }
}

fn recv<T>(rx: &Receiver<T>) -> T {
    rx.recv_timeout(EVENT_TIMEOUT).expect("an answer in time")
}

#[test]
fn lock_is_exclusive_and_try_acquire_fails_while_held() {
    let (_, zk) = clients("lock-basic", 2);
    let first = Lock::new(&zk[0], "/lock", "first");
    let second = Lock::new(&zk[1], "/lock", "second");
    assert_eq!(first.fencing_token(), None);
    assert!(first.acquire(None).unwrap());
    assert!(first.is_acquired());
    let token = first.fencing_token().expect("a token while held");
    assert!(!second.try_acquire().unwrap());
    assert!(!second.is_acquired());
    assert_eq!(
        children(&zk[0], "/lock").len(),
        1,
        "try_acquire left a node"
    );
    let node = first.node().unwrap();
    assert!(node.starts_with("/lock/"));
    let name = node.trim_start_matches("/lock/");
    assert_eq!(name.len(), 32 + "__lock__".len() + 10, "{name}");
    assert_eq!(zk[1].get(&node).wait().unwrap().0, b"first");

    assert!(first.release().unwrap());
    assert!(!first.is_acquired());
    assert!(!first.release().unwrap());
    assert!(second.try_acquire().unwrap());
    assert!(second.fencing_token().unwrap() > token);
    drop(second); // releases
    assert!(children(&zk[0], "/lock").is_empty());
}

#[test]
fn acquire_times_out_with_false_and_leaves_no_node() {
    let (_, zk) = clients("lock-timeout", 2);
    let holder = Lock::new(&zk[0], "/lock", "holder");
    assert!(holder.acquire(Some(Duration::from_secs(5))).unwrap());
    let waiter = Lock::new(&zk[1], "/lock", "waiter");
    let started = Instant::now();
    assert!(!waiter.acquire(Some(Duration::from_millis(300))).unwrap());
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(300), "{waited:?}");
    assert!(waited < Duration::from_secs(10), "{waited:?}");
    assert_eq!(children(&zk[0], "/lock").len(), 1);
    assert!(holder.is_acquired());
}

#[test]
fn cancel_from_another_thread_unblocks_acquire() {
    let (_, zk) = clients("lock-cancel", 2);
    let holder = Lock::new(&zk[0], "/lock", "holder");
    assert!(holder.acquire(None).unwrap());
    let waiter = Arc::new(Lock::new(&zk[1], "/lock", "waiter"));
    let (tx, rx) = channel();
    let blocked = waiter.clone();
    let thread = std::thread::spawn(move || tx.send(blocked.acquire(None)).unwrap());
    wait_for_children(&zk[0], "/lock", 2);
    let cancelled_at = Instant::now();
    waiter.cancel();
    assert!(!recv(&rx).unwrap());
    assert!(cancelled_at.elapsed() < Duration::from_secs(5));
    thread.join().unwrap();
    assert_eq!(children(&zk[0], "/lock").len(), 1);
    // Cancel does not stick: the next acquire works.
    holder.release().unwrap();
    assert!(waiter.acquire(Some(EVENT_TIMEOUT)).unwrap());
}

#[test]
fn waiters_get_the_lock_in_fifo_order_and_contenders_lists_them() {
    let (_, zk) = clients("lock-fifo", 4);
    let holder = Lock::new(&zk[0], "/lock", "a");
    assert!(holder.acquire(None).unwrap());
    let (tx, rx) = channel();
    let mut threads = Vec::new();
    for (index, name) in ["b", "c", "d"].into_iter().enumerate() {
        let lock = Lock::new(&zk[index + 1], "/lock", name);
        let tx = tx.clone();
        threads.push(std::thread::spawn(move || {
            assert!(lock.acquire(None).unwrap());
            tx.send(name).unwrap();
            lock.release().unwrap();
        }));
        wait_for_children(&zk[0], "/lock", index + 2);
    }
    assert_eq!(holder.contenders().unwrap(), ["a", "b", "c", "d"]);
    holder.release().unwrap();
    let order: Vec<&str> = (0..3).map(|_| recv(&rx)).collect();
    assert_eq!(order, ["b", "c", "d"]);
    for thread in threads {
        thread.join().unwrap();
    }
    assert!(holder.contenders().unwrap().is_empty());
}

#[test]
fn eight_sessions_never_hold_the_lock_at_once() {
    let (_, zk) = clients("lock-safety", 8);
    let held = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = zk
        .into_iter()
        .enumerate()
        .map(|(index, client)| {
            let held = held.clone();
            std::thread::spawn(move || {
                let lock = Lock::new(&client, "/lock", format!("worker-{index}"));
                let mut last_token = -1;
                for _ in 0..100 {
                    assert!(lock.acquire(None).unwrap());
                    assert!(!held.swap(true, Ordering::SeqCst), "two holders at once");
                    let token = lock.fencing_token().unwrap();
                    assert!(token > last_token);
                    last_token = token;
                    std::thread::yield_now();
                    held.store(false, Ordering::SeqCst);
                    assert!(lock.release().unwrap());
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
}

/// The issue's stress case: the server restarts while one session holds the lock and seven
/// wait; nobody else gets it in between, and all 800 acquisitions complete afterwards.
#[test]
fn eight_sessions_never_hold_the_lock_at_once_across_a_server_restart() {
    let cluster = common::Cluster::start("lock-restart", 1, 500);
    let chroot = unique_chroot("lock-restart");
    let held = Arc::new(AtomicBool::new(false));
    let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (holding_tx, holding_rx) = channel();
    let (restarted_tx, restarted_rx) = channel::<()>();
    let restarted_rx = Arc::new(std::sync::Mutex::new(restarted_rx));
    let threads: Vec<_> = (0..8)
        .map(|index| {
            let client = common::connect(
                &cluster.hosts,
                &chroot,
                common::options(Duration::from_secs(10)),
            );
            let (held, count) = (held.clone(), count.clone());
            let (holding_tx, restarted_rx) = (holding_tx.clone(), restarted_rx.clone());
            std::thread::spawn(move || {
                let lock = Lock::new(&client, "/lock", format!("worker-{index}"));
                for _ in 0..100 {
                    assert!(lock.acquire(None).unwrap());
                    assert!(!held.swap(true, Ordering::SeqCst), "two holders at once");
                    if count.fetch_add(1, Ordering::SeqCst) + 1 == 200 {
                        // Hold the lock across the restart.
                        holding_tx.send(()).unwrap();
                        recv(&restarted_rx.lock().unwrap());
                    }
                    std::thread::yield_now();
                    held.store(false, Ordering::SeqCst);
                    assert!(lock.release().unwrap());
                }
            })
        })
        .collect();
    recv(&holding_rx);
    cluster.stop_server(1);
    cluster.start_server(1);
    restarted_tx.send(()).unwrap();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(count.load(Ordering::SeqCst), 800);
}

#[test]
fn readers_share_and_writers_exclude() {
    let (_, zk) = clients("rwlock", 4);
    let reader1 = Lock::read(&zk[0], "/rw", "r1");
    let reader2 = Lock::read(&zk[1], "/rw", "r2");
    assert!(reader1.try_acquire().unwrap());
    assert!(reader2.try_acquire().unwrap(), "two readers hold at once");
    let writer = Arc::new(Lock::write(&zk[2], "/rw", "w"));
    assert!(!writer.try_acquire().unwrap());

    // A writer waits for both readers.
    let (tx, rx) = channel();
    let waiting = writer.clone();
    let thread = std::thread::spawn(move || tx.send(waiting.acquire(None)).unwrap());
    wait_for_children(&zk[0], "/rw", 3);
    assert_eq!(writer.contenders().unwrap(), ["r1", "r2", "w"]);
    reader1.release().unwrap();
    assert!(rx.recv_timeout(Duration::from_millis(300)).is_err());
    assert!(!writer.is_acquired());
    reader2.release().unwrap();
    assert!(recv(&rx).unwrap());
    thread.join().unwrap();

    // A reader waits for the writer.
    let reader3 = Arc::new(Lock::read(&zk[3], "/rw", "r3"));
    assert!(!reader3.try_acquire().unwrap());
    let (tx, rx) = channel();
    let waiting = reader3.clone();
    let thread = std::thread::spawn(move || tx.send(waiting.acquire(None)).unwrap());
    wait_for_children(&zk[0], "/rw", 2);
    writer.release().unwrap();
    assert!(recv(&rx).unwrap());
    thread.join().unwrap();
    // An exclusive Lock on the same path ignores readers (kazoo's Lock counts `__lock__` only).
    let exclusive = Lock::with_options(&zk[0], "/rw", "x", LockOptions::default()).unwrap();
    assert!(exclusive.try_acquire().unwrap());
}

#[test]
fn semaphore_admits_max_leases_holders() {
    let (_, zk) = clients("semaphore", 3);
    let one = Semaphore::new(&zk[0], "/sem", "one", 2).unwrap();
    let two = Semaphore::new(&zk[1], "/sem", "two", 2).unwrap();
    let three = Arc::new(Semaphore::new(&zk[2], "/sem", "three", 2).unwrap());
    assert!(one.acquire(Some(EVENT_TIMEOUT)).unwrap());
    assert!(two.acquire(Some(EVENT_TIMEOUT)).unwrap());
    assert_eq!(zk[0].get("/sem").wait().unwrap().0, b"2");
    assert!(!three.acquire(Some(Duration::from_millis(300))).unwrap());
    let mut holders = one.lease_holders().unwrap();
    holders.sort();
    assert_eq!(holders, ["one", "two"]);
    assert!(
        children(&zk[0], "/sem-__lock__").is_empty(),
        "lock left held"
    );

    let (tx, rx) = channel();
    let waiting = three.clone();
    let thread = std::thread::spawn(move || tx.send(waiting.acquire(None)).unwrap());
    wait_for_children(&zk[0], "/sem-__lock__", 1); // it waits under the lock
    one.release().unwrap();
    assert!(recv(&rx).unwrap());
    thread.join().unwrap();
    let mut holders = two.lease_holders().unwrap();
    holders.sort();
    assert_eq!(holders, ["three", "two"]);

    let other = Semaphore::new(&zk[0], "/sem", "other", 3).unwrap();
    match other.acquire(Some(EVENT_TIMEOUT)) {
        Err(Error::InvalidArgument(message)) => assert!(message.contains("max leases")),
        result => panic!("a mismatched max_leases was accepted: {result:?}"),
    }
    assert!(Semaphore::new(&zk[0], "/sem", "zero", 0).is_err());
}

#[test]
fn semaphore_cancel_unblocks_waiters_for_a_lease_and_for_its_lock() {
    let (_, zk) = clients("semaphore-cancel", 3);
    let holder = Semaphore::new(&zk[0], "/sem", "holder", 1).unwrap();
    assert!(holder.acquire(Some(EVENT_TIMEOUT)).unwrap());
    let mut waiters = Vec::new();
    for (index, name) in ["for-lease", "for-lock"].into_iter().enumerate() {
        let semaphore = Arc::new(Semaphore::new(&zk[index + 1], "/sem", name, 1).unwrap());
        let (tx, rx) = channel();
        let waiting = semaphore.clone();
        let thread = std::thread::spawn(move || tx.send(waiting.acquire(None)).unwrap());
        // The first waits for a lease holding the lock; the second waits for the lock.
        wait_for_children(&zk[0], "/sem-__lock__", index + 1);
        waiters.push((semaphore, rx, thread));
    }
    for (semaphore, rx, thread) in waiters.into_iter().rev() {
        semaphore.cancel();
        assert!(!recv(&rx).unwrap());
        thread.join().unwrap();
        assert!(!semaphore.is_acquired());
    }
    assert!(children(&zk[0], "/sem-__lock__").is_empty());
    assert_eq!(holder.lease_holders().unwrap(), ["holder"]);
}

#[test]
fn session_loss_while_holding_deletes_the_node_and_tells_the_holder() {
    let hosts = shared_hosts();
    let chroot = unique_chroot("lock-expire");
    let observer = common::connect(&hosts, &chroot, ClientOptions::default());
    let proxy = Proxy::start(&hosts);
    let zk = common::connect(
        &proxy.hosts(),
        &chroot,
        common::options(Duration::from_secs(6)),
    );
    let mut states = StateRecorder::attach(&zk);
    let (tx, rx) = channel();
    let tx = std::sync::Mutex::new(tx);
    let lock = Lock::with_options(
        &zk,
        "/lock",
        "doomed",
        LockOptions {
            on_state: Some(Box::new(move |state| {
                let _ = tx.lock().unwrap().send(state);
            })),
            ..LockOptions::default()
        },
    )
    .unwrap();
    assert!(lock.acquire(None).unwrap());
    let node = lock.node().unwrap();
    proxy.expire_session(&format!("{hosts}{chroot}"), &zk, &mut states, || {
        assert_eq!(observer.exists(&node).wait().unwrap(), None);
    });
    let deadline = Instant::now() + EVENT_TIMEOUT;
    let mut seen = Vec::new();
    while !seen.contains(&State::Lost) {
        seen.push(
            rx.recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .unwrap_or_else(|_| panic!("no LOST, saw {seen:?}")),
        );
    }
    assert_eq!(seen.first(), Some(&State::Suspended), "{seen:?}");
    assert!(!lock.is_acquired());
    assert_eq!(lock.fencing_token(), None);
    // Another session can take it at once.
    let other = Lock::new(&observer, "/lock", "next");
    assert!(other.try_acquire().unwrap());
}

/// kazoo #732: the create of our contender node reaches the server but its reply is lost
/// (the connection fails first). The retry finds the node by its guid instead of leaking a
/// second one that would block every other contender until the session ended.
#[test]
fn a_contender_whose_create_reply_is_lost_is_found_by_its_guid_not_made_twice() {
    let common::BehindProxy {
        proxy,
        client: zk,
        observer,
        ..
    } = common::BehindProxy::start("lock-lost-reply");
    zk.ensure_path("/lock", None).wait().unwrap();
    proxy.lose_reply_to(|op, path| (op == 1 || op == 15) && path.contains("__lock__"));
    let lock = Lock::new(&zk, "/lock", "once");
    assert!(lock.acquire(Some(EVENT_TIMEOUT)).unwrap());
    assert_eq!(proxy.lost(), 1, "the create's reply was not lost");
    let nodes = children(&observer, "/lock");
    assert_eq!(
        nodes.len(),
        1,
        "a second contender node was made: {nodes:?}"
    );
    assert_eq!(lock.node().unwrap(), format!("/lock/{}", nodes[0]));
    // And it is a working lock: another session waits for it, then gets it.
    let other = Lock::new(&observer, "/lock", "other");
    assert!(!other.try_acquire().unwrap());
    lock.release().unwrap();
    assert!(other.try_acquire().unwrap());
}

/// A try-acquire whose create reply is lost gives up (it may not wait), and its clean-up
/// finds and deletes the node the server made once the client is back: no orphan is left to
/// block the next contender for as long as the session lives (kazoo's clean-up tries once).
#[test]
fn a_failed_acquire_whose_create_reply_was_lost_leaves_no_node() {
    let common::BehindProxy {
        proxy,
        client: zk,
        observer,
        ..
    } = common::BehindProxy::start("lock-lost-reply-cleanup");
    let holder = Lock::new(&observer, "/lock", "holder");
    assert!(holder.acquire(None).unwrap());
    proxy.lose_reply_to(|op, path| (op == 1 || op == 15) && path.contains("__lock__"));
    let lock = Lock::new(&zk, "/lock", "gives-up");
    assert!(!lock.try_acquire().unwrap());
    assert_eq!(proxy.lost(), 1, "the create's reply was not lost");
    assert_eq!(lock.node(), None);
    assert_eq!(observer.get_children("/lock").wait().unwrap().0.len(), 1);
    holder.release().unwrap();
    let next = Lock::new(&observer, "/lock", "next");
    assert!(next.try_acquire().unwrap(), "nothing stands in line");
}

/// kazoo's `extra_lock_patterns`: with `-lock-`, a Curator/go-zk style contender
/// (`_c_<guid>-lock-<seq>`) excludes us in sequence order; without, it is ignored as kazoo's
/// plain Lock ignores it.
#[test]
fn extra_patterns_make_foreign_contenders_count() {
    let (_, zk) = clients("lock-extra", 2);
    let foreign = zk[1]
        .create(
            "/lock/_c_0f1e2d3c-lock-",
            b"curator",
            &CreateOptions {
                mode: CreateMode::EphemeralSequential,
                makepath: true,
                ..CreateOptions::default()
            },
        )
        .wait()
        .unwrap()
        .path;
    let plain = Lock::new(&zk[0], "/lock", "plain");
    assert!(
        plain.try_acquire().unwrap(),
        "kazoo's plain Lock ignores it"
    );
    plain.release().unwrap();

    let options = || LockOptions {
        extra_patterns: vec!["-lock-".to_string()],
        ..LockOptions::default()
    };
    let aware = Arc::new(Lock::with_options(&zk[0], "/lock", "aware", options()).unwrap());
    assert!(!aware.try_acquire().unwrap());
    assert_eq!(aware.contenders().unwrap(), ["curator"]);
    let (tx, rx) = channel();
    let waiting = aware.clone();
    let thread = std::thread::spawn(move || tx.send(waiting.acquire(None)).unwrap());
    wait_for_children(&zk[1], "/lock", 2);
    assert_eq!(aware.contenders().unwrap(), ["curator", "aware"]);
    assert!(rx.recv_timeout(Duration::from_millis(300)).is_err());
    zk[1].delete(&foreign, -1).wait().unwrap();
    assert!(recv(&rx).unwrap());
    thread.join().unwrap();

    for bad in ["", "a/b"] {
        let options = LockOptions {
            extra_patterns: vec![bad.to_string()],
            ..LockOptions::default()
        };
        assert!(matches!(
            Lock::with_options(&zk[0], "/lock", "x", options),
            Err(Error::InvalidArgument(_))
        ));
    }
}

/// A reader times out behind a writer, a writer behind a reader, and neither leaves a node.
#[test]
fn read_and_write_locks_time_out_and_leave_no_node() {
    let (_, zk) = clients("rwlock-timeout", 2);
    let writer = Lock::write(&zk[0], "/rw", "w");
    assert!(writer.acquire(None).unwrap());
    let reader = Lock::read(&zk[1], "/rw", "r");
    assert!(!reader.acquire(Some(Duration::from_millis(300))).unwrap());
    assert_eq!(children(&zk[0], "/rw").len(), 1);
    writer.release().unwrap();
    assert!(reader.acquire(Some(EVENT_TIMEOUT)).unwrap());
    assert!(!writer.acquire(Some(Duration::from_millis(300))).unwrap());
    assert_eq!(writer.contenders().unwrap(), ["r"]);
}

/// A semaphore holder whose session ends loses its lease (the node goes with the session),
/// is no longer told it holds one, and a waiter takes the freed lease.
#[test]
fn semaphore_session_loss_frees_the_lease_for_a_waiter() {
    let mut doomed_session = common::BehindProxy::start("semaphore-expire");
    let doomed = Semaphore::new(&doomed_session.client, "/sem", "doomed", 1).unwrap();
    assert!(doomed.acquire(Some(EVENT_TIMEOUT)).unwrap());
    let waiter = Arc::new(Semaphore::new(&doomed_session.observer, "/sem", "waiter", 1).unwrap());
    let (tx, rx) = channel();
    let waiting = waiter.clone();
    let thread = std::thread::spawn(move || tx.send(waiting.acquire(None)).unwrap());
    doomed_session.expire_session(|| {
        assert!(recv(&rx).unwrap(), "the waiter gets the freed lease");
    });
    thread.join().unwrap();
    doomed_session
        .states
        .wait_for(zkclient::KeeperState::Expired, EVENT_TIMEOUT);
    assert!(!doomed.is_acquired());
    assert_eq!(waiter.lease_holders().unwrap(), ["waiter"]);
}

/// Two leases held across a server restart stay held (the sessions survive), a third
/// contender still waits, and gets a lease once one is released.
#[test]
fn semaphore_leases_survive_a_server_restart() {
    let cluster = common::Cluster::start("semaphore-restart", 1, 500);
    let zk = cluster.clients("semaphore-restart", 3);
    let one = Semaphore::new(&zk[0], "/sem", "one", 2).unwrap();
    let two = Semaphore::new(&zk[1], "/sem", "two", 2).unwrap();
    assert!(one.acquire(Some(EVENT_TIMEOUT)).unwrap());
    assert!(two.acquire(Some(EVENT_TIMEOUT)).unwrap());
    let three = Arc::new(Semaphore::new(&zk[2], "/sem", "three", 2).unwrap());
    let (tx, rx) = channel();
    let waiting = three.clone();
    let thread = std::thread::spawn(move || tx.send(waiting.acquire(None)).unwrap());
    wait_for_children(&zk[0], "/sem-__lock__", 1); // the third waits under the lock
    cluster.restart_server(1, &[&zk[0], &zk[1], &zk[2]]);
    let mut holders = one.lease_holders().unwrap();
    holders.sort();
    assert_eq!(holders, ["one", "two"]);
    assert!(one.is_acquired() && two.is_acquired());
    assert!(rx.recv_timeout(Duration::from_millis(300)).is_err());
    one.release().unwrap();
    assert!(recv(&rx).unwrap());
    thread.join().unwrap();
    let mut holders = two.lease_holders().unwrap();
    holders.sort();
    assert_eq!(holders, ["three", "two"]);
}

/// A lock acquire, a semaphore acquire and a blocking queue get made inside a watch callback
/// of the same client: the watch events they wait for do not queue behind that callback (they
/// wake the waiter from the network thread), so each returns as soon as it can, not at its
/// timeout.
#[test]
fn blocking_recipe_calls_work_inside_a_callback_of_the_same_client() {
    use zkclient::recipe::queue::Queue;
    let (_, zk) = clients("lock-in-callback", 2);
    let holder = Lock::new(&zk[1], "/lock", "holder");
    assert!(holder.acquire(None).unwrap());
    let lease = Semaphore::new(&zk[1], "/sem", "holder", 1).unwrap();
    assert!(lease.acquire(None).unwrap());
    let (tx, rx) = channel();
    let client = zk[0].clone();
    let limit = Some(Duration::from_secs(20)); // the old behaviour: a false at the timeout
    zk[0]
        .exists_watch("/go", move |_| {
            let lock = Lock::new(&client, "/lock", "in-callback");
            tx.send(("lock", lock.acquire(limit).unwrap())).unwrap();
            let semaphore = Semaphore::new(&client, "/sem", "in-callback", 1).unwrap();
            tx.send(("semaphore", semaphore.acquire(limit).unwrap()))
                .unwrap();
            let job = Queue::new(&client, "/q").get(limit).unwrap();
            tx.send(("queue", job == Some(b"job".to_vec()))).unwrap();
        })
        .wait()
        .unwrap();
    zk[1]
        .create("/go", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    // Each time, the change comes once the callback waits on its watch.
    let waiting_on_a_watch = || {
        let deadline = Instant::now() + EVENT_TIMEOUT;
        while zk[0].watch_count() != 1 {
            assert!(
                Instant::now() < deadline,
                "the callback never set its watch"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    };
    waiting_on_a_watch();
    holder.release().unwrap();
    assert_eq!(recv(&rx), ("lock", true));
    waiting_on_a_watch();
    lease.release().unwrap();
    assert_eq!(recv(&rx), ("semaphore", true));
    waiting_on_a_watch();
    Queue::new(&zk[1], "/q").put(b"job", 100).unwrap();
    assert_eq!(recv(&rx), ("queue", true));
}

#[test]
fn kazoo_and_zkclient_locks_exclude_each_other() {
    let (hosts, zk) = clients("lock-kazoo", 1);
    let zk = &zk[0];
    let lock = Lock::new(zk, "/lock", "rust");
    assert!(lock.acquire(None).unwrap());
    // kazoo cannot take it, and sees zkclient as a contender.
    let out = common::kazoo(
        &hosts,
        "from kazoo.exceptions import LockTimeout\n\
         lock = zk.Lock('/lock', 'py')\n\
         print(lock.contenders())\n\
         try:\n    print(lock.acquire(timeout=1))\nexcept LockTimeout:\n    print('timeout')\n\
         print(lock.acquire(blocking=False))\n\
         print(len(zk.get_children('/lock')))",
    );
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        ["['rust']", "timeout", "False", "1"]
    );

    // A kazoo contender waits behind zkclient, is seen by contenders(), gets it on release.
    let (tx, rx) = channel();
    let kazoo_hosts = hosts.clone();
    let thread = std::thread::spawn(move || {
        tx.send(common::kazoo(
            &kazoo_hosts,
            "lock = zk.Lock('/lock', 'py')\n\
             print(lock.acquire(timeout=30))\n\
             print(lock.contenders())\n\
             lock.release()",
        ))
        .unwrap()
    });
    wait_for_children(zk, "/lock", 2);
    assert_eq!(lock.contenders().unwrap(), ["rust", "py"]);
    lock.release().unwrap();
    assert_eq!(recv(&rx), "True\n['py']\n");
    thread.join().unwrap();

    // The other way: kazoo holds until zkclient queues behind it.
    let (tx, rx) = channel();
    let kazoo_hosts = hosts.clone();
    let thread = std::thread::spawn(move || {
        tx.send(common::kazoo(
            &kazoo_hosts,
            // zkclient's try_acquire makes a node for a moment: wait until zkclient says its
            // acquire is under way (/queued), then until its queued contender is there,
            // re-checking on every change of the children.
            "import threading\n\
             lock = zk.Lock('/lock', 'py')\n\
             lock.acquire()\n\
             queued = threading.Event()\n\
             if zk.exists('/queued', watch=lambda event: queued.set()):\n\
             \x20   queued.set()\n\
             queued.wait(30)\n\
             changed = threading.Event()\n\
             zk.ChildrenWatch('/lock', lambda c: changed.set())\n\
             found = False\n\
             while not found and changed.wait(30):\n\
             \x20   changed.clear()\n\
             \x20   found = 'rust' in lock.contenders()\n\
             print(found)\n\
             print(lock.contenders())\n\
             lock.release()",
        ))
        .unwrap()
    });
    wait_for_children(zk, "/lock", 1);
    assert!(!lock.try_acquire().unwrap());
    assert_eq!(lock.contenders().unwrap(), ["py"]);
    zk.create("/queued", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    assert!(lock.acquire(Some(EVENT_TIMEOUT)).unwrap());
    assert_eq!(recv(&rx), "True\n['py', 'rust']\n");
    thread.join().unwrap();
    lock.release().unwrap();
}

#[test]
fn kazoo_read_and_write_locks_interoperate() {
    let (hosts, zk) = clients("rwlock-kazoo", 1);
    let reader = Lock::read(&zk[0], "/rw", "rust-reader");
    assert!(reader.try_acquire().unwrap());
    let out = common::kazoo(
        &hosts,
        "print(zk.ReadLock('/rw', 'py-reader').acquire(blocking=False))\n\
         print(zk.WriteLock('/rw', 'py-writer').acquire(blocking=False))",
    );
    assert_eq!(out, "True\nFalse\n");
    reader.release().unwrap();
}

#[test]
fn kazoo_and_zkclient_semaphores_exclude_each_other() {
    let (hosts, zk) = clients("semaphore-kazoo", 1);
    let semaphore = Semaphore::new(&zk[0], "/sem", "rust", 1).unwrap();
    assert!(semaphore.acquire(Some(EVENT_TIMEOUT)).unwrap());
    let out = common::kazoo(
        &hosts,
        "sem = zk.Semaphore('/sem', 'py', max_leases=1)\n\
         print(sem.lease_holders())\n\
         print(sem.acquire(blocking=False))",
    );
    assert_eq!(out, "['rust']\nFalse\n");
    semaphore.release().unwrap();

    // kazoo holds; zkclient cannot.
    let (tx, rx) = channel();
    let kazoo_hosts = hosts.clone();
    let thread = std::thread::spawn(move || {
        tx.send(common::kazoo(
            &kazoo_hosts,
            "import threading\n\
             sem = zk.Semaphore('/sem', 'py', max_leases=1)\n\
             print(sem.acquire())\n\
             gone = threading.Event()\n\
             zk.DataWatch('/sem-done', lambda d, s: gone.set() if s is not None else None)\n\
             print(gone.wait(30))\n\
             sem.release()",
        ))
        .unwrap()
    });
    wait_for_children(&zk[0], "/sem", 1);
    assert_eq!(semaphore.lease_holders().unwrap(), ["py"]);
    assert!(!semaphore.acquire(Some(Duration::from_millis(300))).unwrap());
    zk[0]
        .create("/sem-done", b"", &Default::default())
        .wait()
        .unwrap();
    assert!(semaphore.acquire(Some(EVENT_TIMEOUT)).unwrap());
    assert_eq!(recv(&rx), "True\nTrue\n");
    thread.join().unwrap();
}

mod c_api {
    use std::ffi::{CStr, CString};
    use std::ptr::{null, null_mut};

    use zkclient::ffi::recipe::lock::*;
    use zkclient::ffi::recipe::semaphore::*;
    use zkclient::ffi::*;

    use crate::common::last_message;

    fn strings(list: &zk_string_list) -> Vec<String> {
        (0..list.count)
            // SAFETY: the library made `count` valid strings.
            .map(|i| {
                unsafe { CStr::from_ptr(*list.items.add(i)) }
                    .to_string_lossy()
                    .into_owned()
            })
            .collect()
    }

    #[test]
    fn lock_and_semaphore_from_c() {
        let hosts = super::shared_hosts();
        let chroot = super::unique_chroot("lock-ffi");
        super::common::connect(&hosts, &chroot, Default::default());
        let connect = CString::new(format!("{hosts}{chroot}")).unwrap();
        let path = CString::new("/lock").unwrap();
        // SAFETY: valid arguments except where NULL is the point.
        unsafe {
            let mut clients = [null_mut(), null_mut()];
            for client in &mut clients {
                assert_eq!(
                    zk_client_new(connect.as_ptr(), null(), client),
                    zk_error::ZK_OK
                );
                assert_eq!(zk_client_start(*client, 30_000), zk_error::ZK_OK);
            }
            let mut lock: *mut zk_lock = 0x1 as *mut zk_lock;
            assert_eq!(
                zk_lock_new(null_mut(), path.as_ptr(), null(), 0, &mut lock),
                zk_error::ZK_EINVAL
            );
            assert!(
                last_message().contains("client is NULL"),
                "{}",
                last_message()
            );
            assert_eq!(
                zk_lock_new(clients[0], null(), null(), 0, &mut lock),
                zk_error::ZK_EINVAL
            );
            assert_eq!(
                zk_lock_new(clients[0], path.as_ptr(), null(), 3, &mut lock),
                zk_error::ZK_EINVAL
            );
            assert!(last_message().contains("identifier"), "{}", last_message());
            assert_eq!(lock as usize, 0x1, "output written on failure");
            assert_eq!(
                zk_lock_new(clients[0], path.as_ptr(), null(), 0, null_mut()),
                zk_error::ZK_EINVAL
            );
            assert_eq!(
                zk_lock_acquire(null_mut(), -1, null_mut()),
                zk_error::ZK_EINVAL
            );
            assert!(
                last_message().contains("lock is NULL"),
                "{}",
                last_message()
            );

            let (mut first, mut second) = (null_mut(), null_mut());
            assert_eq!(
                zk_lock_new(clients[0], path.as_ptr(), b"one".as_ptr(), 3, &mut first),
                zk_error::ZK_OK
            );
            assert_eq!(
                zk_write_lock_new(clients[1], path.as_ptr(), b"two".as_ptr(), 3, &mut second),
                zk_error::ZK_OK
            );
            let mut acquired = false;
            assert_eq!(
                zk_lock_acquire(first, -2, &mut acquired),
                zk_error::ZK_EINVAL
            );
            assert_eq!(zk_lock_acquire(first, -1, &mut acquired), zk_error::ZK_OK);
            assert!(acquired);
            assert!(zk_lock_is_acquired(first));
            let mut token = -7;
            assert_eq!(
                zk_lock_fencing_token(second, &mut token),
                zk_error::ZK_EINVAL
            );
            assert_eq!(token, -7);
            assert_eq!(zk_lock_fencing_token(first, &mut token), zk_error::ZK_OK);
            assert!(token >= 0);
            assert_eq!(zk_lock_try_acquire(second, &mut acquired), zk_error::ZK_OK);
            assert!(!acquired);
            assert_eq!(zk_lock_acquire(second, 100, &mut acquired), zk_error::ZK_OK);
            assert!(!acquired);
            let mut list = zk_string_list {
                items: null_mut(),
                count: 0,
            };
            assert_eq!(zk_lock_contenders(first, &mut list), zk_error::ZK_OK);
            assert_eq!(strings(&list), ["one"]);
            zk_string_list_free(&mut list);
            assert_eq!(zk_lock_cancel(second), zk_error::ZK_OK);
            assert_eq!(zk_lock_acquire(second, -1, &mut acquired), zk_error::ZK_OK);
            assert!(!acquired, "a cancel before acquire makes it return false");
            assert_eq!(zk_lock_release(first), zk_error::ZK_OK);
            assert_eq!(zk_lock_try_acquire(second, &mut acquired), zk_error::ZK_OK);
            assert!(acquired);
            zk_lock_free(second); // releases
            zk_lock_free(null_mut());
            assert_eq!(zk_lock_try_acquire(first, &mut acquired), zk_error::ZK_OK);
            assert!(acquired);
            let mut reader = null_mut();
            assert_eq!(
                zk_read_lock_new(clients[1], path.as_ptr(), b"r".as_ptr(), 1, &mut reader),
                zk_error::ZK_OK
            );
            // A reader waits for writers, and an exclusive lock's `__lock__` node is one.
            assert_eq!(zk_lock_try_acquire(reader, &mut acquired), zk_error::ZK_OK);
            assert!(!acquired);
            zk_lock_free(first);
            assert_eq!(zk_lock_try_acquire(reader, &mut acquired), zk_error::ZK_OK);
            assert!(acquired);
            assert!(!zk_lock_is_acquired(null()));
            zk_lock_free(reader);

            let sem_path = CString::new("/sem").unwrap();
            let mut sem = null_mut();
            assert_eq!(
                zk_semaphore_new(clients[0], sem_path.as_ptr(), null(), 0, 0, &mut sem),
                zk_error::ZK_EINVAL
            );
            assert!(sem.is_null());
            assert_eq!(
                zk_semaphore_new(clients[0], sem_path.as_ptr(), b"s".as_ptr(), 1, 1, &mut sem),
                zk_error::ZK_OK
            );
            assert_eq!(
                zk_semaphore_acquire(sem, 5_000, &mut acquired),
                zk_error::ZK_OK
            );
            assert!(acquired);
            assert_eq!(zk_semaphore_lease_holders(sem, &mut list), zk_error::ZK_OK);
            assert_eq!(strings(&list), ["s"]);
            zk_string_list_free(&mut list);
            assert_eq!(
                zk_semaphore_lease_holders(null_mut(), &mut list),
                zk_error::ZK_EINVAL
            );
            assert_eq!(zk_semaphore_release(sem), zk_error::ZK_OK);
            assert_eq!(zk_semaphore_cancel(sem), zk_error::ZK_OK);
            zk_semaphore_free(sem);
            zk_semaphore_free(null_mut());
            for client in clients {
                zk_client_free(client);
            }
        }
    }

    static FREED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

    type StateSender = std::sync::Mutex<std::sync::mpsc::Sender<zk_state>>;

    unsafe extern "C" fn on_lock_state(state: zk_state, user_data: *mut std::ffi::c_void) {
        // SAFETY: the test registered a StateSender as the user data.
        let sender = unsafe { &*(user_data as *const StateSender) };
        let _ = sender.lock().unwrap().send(state);
    }

    unsafe extern "C" fn free_sender(user_data: *mut std::ffi::c_void) {
        // SAFETY: made by Box::into_raw in the test, freed once.
        drop(unsafe { Box::from_raw(user_data as *mut StateSender) });
        FREED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    fn sender() -> (*mut std::ffi::c_void, std::sync::mpsc::Receiver<zk_state>) {
        let (tx, rx) = std::sync::mpsc::channel();
        let sender: Box<StateSender> = Box::new(std::sync::Mutex::new(tx));
        (Box::into_raw(sender).cast(), rx)
    }

    /// `zk_lock_new_with_options()`: kinds, extra patterns and the state callback, with its
    /// user data freed exactly once whether the call fails or the handle is freed.
    #[test]
    fn lock_options_and_state_callback_from_c() {
        use std::sync::atomic::Ordering;
        use zkclient::Wait;
        let hosts = super::shared_hosts();
        let chroot = super::unique_chroot("lock-options-ffi");
        let observer = super::common::connect(&hosts, &chroot, Default::default());
        let proxy = super::Proxy::start(&hosts);
        let connect = CString::new(format!("{}{chroot}", proxy.hosts())).unwrap();
        let path = CString::new("/lock").unwrap();
        let dash_lock = CString::new("-lock-").unwrap();
        let empty = CString::new("").unwrap();
        // SAFETY: valid arguments except where a bad one is the point.
        unsafe {
            let mut client = null_mut();
            assert_eq!(
                zk_client_new(connect.as_ptr(), null(), &mut client),
                zk_error::ZK_OK
            );
            assert_eq!(zk_client_start(client, 30_000), zk_error::ZK_OK);
            let mut lock: *mut zk_lock = null_mut();

            // Bad options: an error naming what is wrong, the user data freed at once.
            let bad_kind = zk_lock_options {
                kind: 7,
                ..zk_lock_options::default()
            };
            let null_patterns = [null::<std::ffi::c_char>()];
            let null_pattern = zk_lock_options {
                extra_patterns: null_patterns.as_ptr(),
                extra_pattern_count: 1,
                ..zk_lock_options::default()
            };
            let empty_patterns = [empty.as_ptr()];
            let empty_pattern = zk_lock_options {
                extra_patterns: empty_patterns.as_ptr(),
                extra_pattern_count: 1,
                ..zk_lock_options::default()
            };
            let missing_array = zk_lock_options {
                extra_pattern_count: 2,
                ..zk_lock_options::default()
            };
            let unversioned = zk_lock_options {
                version: 0,
                ..zk_lock_options::default()
            };
            let too_new = zk_lock_options {
                version: 99,
                ..zk_lock_options::default()
            };
            for (options, message) in [
                (unversioned, "zk_lock_options has version 0"),
                (
                    too_new,
                    "zk_lock_options has version 99, newer than this library",
                ),
                (bad_kind, "lock kind 7"),
                (null_pattern, "extra_patterns[0] is NULL"),
                (empty_pattern, "must not be empty"),
                (missing_array, "extra_patterns is NULL"),
            ] {
                let before = FREED.load(Ordering::SeqCst);
                let (user_data, _rx) = sender();
                assert_eq!(
                    zk_lock_new_with_options(
                        client,
                        path.as_ptr(),
                        null(),
                        0,
                        &options,
                        Some(on_lock_state),
                        user_data,
                        Some(free_sender),
                        &mut lock,
                    ),
                    zk_error::ZK_EINVAL
                );
                assert!(last_message().contains(message), "{}", last_message());
                assert!(lock.is_null());
                assert_eq!(FREED.load(Ordering::SeqCst), before + 1);
            }

            // A Curator-style contender excludes a lock told of `-lock-`.
            let foreign = observer
                .create(
                    "/lock/_c_4b1d-lock-",
                    b"curator",
                    &zkclient::CreateOptions {
                        mode: zkclient::CreateMode::EphemeralSequential,
                        makepath: true,
                        ..Default::default()
                    },
                )
                .wait()
                .unwrap()
                .path;
            let patterns = [dash_lock.as_ptr()];
            let options = zk_lock_options {
                version: ZK_LOCK_OPTIONS_VERSION,
                kind: zk_lock_kind::ZK_LOCK_WRITE as i32,
                extra_patterns: patterns.as_ptr(),
                extra_pattern_count: 1,
            };
            let (user_data, states) = sender();
            assert_eq!(
                zk_lock_new_with_options(
                    client,
                    path.as_ptr(),
                    b"c".as_ptr(),
                    1,
                    &options,
                    Some(on_lock_state),
                    user_data,
                    Some(free_sender),
                    &mut lock,
                ),
                zk_error::ZK_OK
            );
            let mut acquired = true;
            assert_eq!(zk_lock_try_acquire(lock, &mut acquired), zk_error::ZK_OK);
            assert!(!acquired, "the foreign contender holds it");
            observer.delete(&foreign, -1).wait().unwrap();
            assert_eq!(zk_lock_try_acquire(lock, &mut acquired), zk_error::ZK_OK);
            assert!(acquired);
            assert!(states.try_recv().is_err(), "no state change yet");

            // The holder is told when the connection goes and comes back.
            proxy.cut();
            let state = states.recv_timeout(super::EVENT_TIMEOUT).unwrap();
            assert_eq!(state, zk_state::ZK_STATE_SUSPENDED);
            proxy.restore();
            let state = states.recv_timeout(super::EVENT_TIMEOUT).unwrap();
            assert_eq!(state, zk_state::ZK_STATE_CONNECTED);
            assert!(zk_lock_is_acquired(lock), "the session lived: still held");
            let before = FREED.load(Ordering::SeqCst);
            zk_lock_free(lock);
            assert_eq!(observer.get_children("/lock").wait().unwrap().0.len(), 0);
            zk_client_free(client);
            assert_eq!(FREED.load(Ordering::SeqCst), before + 1, "freed once");
        }
    }

    /// The C fencing token is the holder's node's czxid, and grows across grants even when the
    /// lock's parent node is deleted and made again.
    #[test]
    fn the_c_fencing_token_is_the_czxid_of_the_holders_node() {
        use zkclient::Wait;
        let hosts = super::shared_hosts();
        let chroot = super::unique_chroot("lock-ffi-token");
        let observer = super::common::connect(&hosts, &chroot, Default::default());
        let connect = CString::new(format!("{hosts}{chroot}")).unwrap();
        let path = CString::new("/lock").unwrap();
        // SAFETY: valid arguments.
        unsafe {
            let mut client = null_mut();
            assert_eq!(
                zk_client_new(connect.as_ptr(), null(), &mut client),
                zk_error::ZK_OK
            );
            assert_eq!(zk_client_start(client, 30_000), zk_error::ZK_OK);
            let mut last = i64::MIN;
            for _ in 0..2 {
                let mut lock = null_mut();
                assert_eq!(
                    zk_lock_new(client, path.as_ptr(), b"c".as_ptr(), 1, &mut lock),
                    zk_error::ZK_OK
                );
                let mut acquired = false;
                assert_eq!(
                    zk_lock_acquire(lock, 30_000, &mut acquired),
                    zk_error::ZK_OK
                );
                assert!(acquired);
                let mut token: i64 = -7;
                assert_eq!(zk_lock_fencing_token(lock, &mut token), zk_error::ZK_OK);
                let (children, _) = observer.get_children("/lock").wait().unwrap();
                assert_eq!(children.len(), 1, "{children:?}");
                let (_, stat) = observer
                    .get(&format!("/lock/{}", children[0]))
                    .wait()
                    .unwrap();
                assert_eq!(token, stat.czxid, "the token is the node's czxid");
                assert!(token > last, "{token} after {last}");
                last = token;
                assert_eq!(zk_lock_release(lock), zk_error::ZK_OK);
                assert_eq!(zk_lock_fencing_token(lock, &mut token), zk_error::ZK_EINVAL);
                zk_lock_free(lock);
                observer.delete("/lock", -1).wait().unwrap();
            }
            zk_client_free(client);
        }
    }
}
