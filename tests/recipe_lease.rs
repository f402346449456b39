//! NonBlockingLease and MultiNonBlockingLease against the real server: kazoo's record byte for
//! byte, refusal while another identity holds an unexpired lease, renewal, take-over after the
//! end (with an injected clock, never a sleep), other record versions, malformed records,
//! racing clients, kazoo 2.11 on the same leases both ways, and the C API.

mod common;

use std::ptr::{null, null_mut};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::mpsc::channel;
use std::sync::{Arc, Barrier};
use std::time::{Duration, UNIX_EPOCH};

use common::{connect, shared_hosts, unique_chroot};
use zkclient::ffi::recipe::lease::*;
use zkclient::ffi::*;
use zkclient::recipe::lease::{
    default_identifier, LeaseOptions, MultiNonBlockingLease, NonBlockingLease,
};
use zkclient::recipe::lock::Lock;
use zkclient::{Client, ClientOptions, CreateOptions, Error, Wait};

/// 2026-11-25T10:00:00 UTC.
const T: i64 = 1_795_600_800;
const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

/// `count` clients under one fresh chroot, and the connect string (with chroot) for kazoo.
fn clients(name: &str, count: usize) -> (String, Vec<Client>) {
    let hosts = shared_hosts();
    let chroot = unique_chroot(name);
    let clients = (0..count)
        .map(|_| connect(&hosts, &chroot, ClientOptions::default()))
        .collect();
    (format!("{hosts}{chroot}"), clients)
}

/// A clock the test moves: it reads `seconds` (Unix time) plus a quarter of a second, so that
/// the fraction kazoo drops is there to drop.
fn clock(seconds: &Arc<AtomicI64>) -> LeaseOptions {
    let seconds = seconds.clone();
    LeaseOptions {
        clock: Arc::new(move || {
            UNIX_EPOCH
                + Duration::from_secs(seconds.load(Ordering::SeqCst) as u64)
                + Duration::from_millis(250)
        }),
        ..LeaseOptions::default()
    }
}

/// kazoo's record for `holder` ending at `end`, as Python's json.dumps writes it.
fn record(holder: &str, end: &str) -> String {
    format!(r#"{{"version": 1, "holder": "{holder}", "end": "{end}"}}"#)
}

/// The record at `<path>/lease_holder`, as text.
fn stored(zk: &Client, path: &str) -> String {
    let (data, _) = zk.get(&format!("{path}/lease_holder")).wait().unwrap();
    String::from_utf8(data).unwrap()
}

fn children(zk: &Client, path: &str) -> Vec<String> {
    zk.get_children(path).wait().unwrap().0
}

#[test]
fn a_fresh_lease_is_obtained_and_recorded_as_kazoo_records_it() {
    let (_, zk) = clients("lease-fresh", 1);
    let zk = &zk[0];
    let now = Arc::new(AtomicI64::new(T));
    let obtained =
        NonBlockingLease::obtain_with(zk, "/jobs/cleanup", HOUR, "host-1", &clock(&now)).unwrap();
    assert!(obtained);
    assert_eq!(
        stored(zk, "/jobs/cleanup"),
        record("host-1", "2026-11-25T11:00:00")
    );
    // The lock's contender node is gone: only the record is left.
    assert_eq!(children(zk, "/jobs/cleanup"), ["lease_holder"]);
    // A record under the root path works too, with the real clock.
    assert!(NonBlockingLease::obtain(zk, "/", MINUTE, "host-1").unwrap());
    let (root, _) = zk.get("/lease_holder").wait().unwrap();
    assert!(String::from_utf8(root)
        .unwrap()
        .starts_with(r#"{"version": 1, "holder": "host-1", "end": "2"#));
}

#[test]
fn another_identity_is_refused_until_the_end_and_then_takes_over() {
    let (_, zk) = clients("lease-expiry", 2);
    let now = Arc::new(AtomicI64::new(T));
    let options = clock(&now);
    assert!(NonBlockingLease::obtain_with(&zk[0], "/lease", MINUTE, "a", &options).unwrap());
    let held = record("a", "2026-11-25T10:01:00");
    now.store(T + 59, Ordering::SeqCst);
    assert!(!NonBlockingLease::obtain_with(&zk[1], "/lease", HOUR, "b", &options).unwrap());
    assert_eq!(stored(&zk[1], "/lease"), held);
    // At the end (10:01:00.25 is not before 10:01:00) the lease is free.
    now.store(T + 60, Ordering::SeqCst);
    assert!(NonBlockingLease::obtain_with(&zk[1], "/lease", HOUR, "b", &options).unwrap());
    assert_eq!(stored(&zk[0], "/lease"), record("b", "2026-11-25T11:01:00"));
    // And now "a" is the one refused.
    assert!(!NonBlockingLease::obtain_with(&zk[0], "/lease", MINUTE, "a", &options).unwrap());
    assert_eq!(children(&zk[0], "/lease"), ["lease_holder"]);
}

#[test]
fn the_holder_renews_and_the_end_moves() {
    let (_, zk) = clients("lease-renew", 1);
    let zk = &zk[0];
    let now = Arc::new(AtomicI64::new(T));
    let options = clock(&now);
    assert!(NonBlockingLease::obtain_with(zk, "/lease", MINUTE, "a", &options).unwrap());
    let (_, first) = zk.get("/lease/lease_holder").wait().unwrap();
    now.store(T + 30, Ordering::SeqCst);
    assert!(NonBlockingLease::obtain_with(zk, "/lease", MINUTE, "a", &options).unwrap());
    assert_eq!(stored(zk, "/lease"), record("a", "2026-11-25T10:01:30"));
    // Renewal can also shorten the lease, and works after the end too.
    now.store(T + 3600, Ordering::SeqCst);
    assert!(
        NonBlockingLease::obtain_with(zk, "/lease", Duration::from_secs(1), "a", &options).unwrap()
    );
    assert_eq!(stored(zk, "/lease"), record("a", "2026-11-25T11:00:01"));
    // The record was replaced (deleted and created again), as kazoo does.
    let (_, last) = zk.get("/lease/lease_holder").wait().unwrap();
    assert!(last.czxid > first.czxid);
    assert_eq!(last.version, 0);
}

#[test]
fn a_record_of_another_version_is_left_alone() {
    let (_, zk) = clients("lease-version", 1);
    let zk = &zk[0];
    zk.ensure_path("/lease", None).wait().unwrap();
    let newer = r#"{"version": 2, "holder": "a", "end": "2000-01-01T00:00:00"}"#;
    zk.create(
        "/lease/lease_holder",
        newer.as_bytes(),
        &CreateOptions::default(),
    )
    .wait()
    .unwrap();
    for identity in ["a", "b"] {
        assert!(!NonBlockingLease::obtain(zk, "/lease", MINUTE, identity).unwrap());
    }
    assert_eq!(stored(zk, "/lease"), newer);
    assert_eq!(children(zk, "/lease"), ["lease_holder"]);
}

#[test]
fn a_malformed_record_is_an_error_naming_the_node_and_the_lock_is_released() {
    let (_, zk) = clients("lease-malformed", 1);
    let zk = &zk[0];
    zk.ensure_path("/lease", None).wait().unwrap();
    zk.create(
        "/lease/lease_holder",
        b"{\"version\": 1, \"holder\": \"a\"",
        &CreateOptions::default(),
    )
    .wait()
    .unwrap();
    for bad in [
        &b"{\"version\": 1, \"holder\": \"a\""[..],
        b"not json",
        br#"{"version": 1, "holder": "a", "end": "2026-02-30T00:00:00"}"#,
        br#"{"version": 1, "end": "2026-01-01T00:00:00"}"#,
        b"\xff\xfe",
    ] {
        zk.set("/lease/lease_holder", bad, -1).wait().unwrap();
        let error = NonBlockingLease::obtain(zk, "/lease", MINUTE, "b").unwrap_err();
        let message = error.to_string();
        assert!(matches!(error, Error::InvalidArgument(_)), "{error:?}");
        assert!(message.contains("/lease/lease_holder"), "{message}");
        // Untouched, and no contender node left behind by the error.
        assert_eq!(zk.get("/lease/lease_holder").wait().unwrap().0, bad);
        assert_eq!(children(zk, "/lease"), ["lease_holder"]);
    }
    // Once the node is fixed, the lease works again.
    zk.delete("/lease/lease_holder", -1).wait().unwrap();
    assert!(NonBlockingLease::obtain(zk, "/lease", MINUTE, "b").unwrap());
}

#[test]
fn a_lease_ending_after_the_year_9999_is_an_error_and_writes_nothing() {
    let (_, zk) = clients("lease-9999", 1);
    let zk = &zk[0];
    let now = Arc::new(AtomicI64::new(T));
    let forever = Duration::from_secs(8000 * 365 * 86_400);
    let error =
        NonBlockingLease::obtain_with(zk, "/lease", forever, "a", &clock(&now)).unwrap_err();
    assert!(matches!(error, Error::InvalidArgument(_)), "{error:?}");
    assert!(error.to_string().contains("9999"), "{error}");
    assert!(children(zk, "/lease").is_empty(), "no record, no lock node");
    // The last second Python can write is fine.
    let last = Duration::from_secs(253_402_300_799 - T as u64);
    assert!(NonBlockingLease::obtain_with(zk, "/lease", last, "a", &clock(&now)).unwrap());
    assert_eq!(stored(zk, "/lease"), record("a", "9999-12-31T23:59:59"));
}

#[test]
fn a_lease_whose_lock_is_busy_is_not_obtained_within_the_lock_timeout() {
    let (_, zk) = clients("lease-lock-timeout", 2);
    let lock = Lock::new(&zk[0], "/lease", "someone");
    assert!(lock.acquire(None).unwrap());
    let options = LeaseOptions {
        lock_timeout: Some(Duration::from_millis(200)),
        ..LeaseOptions::default()
    };
    assert!(!NonBlockingLease::obtain_with(&zk[1], "/lease", MINUTE, "b", &options).unwrap());
    assert_eq!(
        children(&zk[1], "/lease").len(),
        1,
        "only the holder's lock node"
    );
    assert!(zk[1]
        .exists("/lease/lease_holder")
        .wait()
        .unwrap()
        .is_none());
    lock.release().unwrap();
    assert!(NonBlockingLease::obtain_with(&zk[1], "/lease", MINUTE, "b", &options).unwrap());
}

#[test]
fn racing_clients_obtain_each_fresh_lease_exactly_once() {
    const ROUNDS: usize = 25;
    const RACERS: usize = 3;
    let (_, zk) = clients("lease-race", RACERS);
    let start = Arc::new(Barrier::new(RACERS));
    let (tx, rx) = channel();
    let threads: Vec<_> = zk
        .into_iter()
        .enumerate()
        .map(|(index, client)| {
            let (start, tx) = (start.clone(), tx.clone());
            std::thread::spawn(move || {
                for round in 0..ROUNDS {
                    start.wait();
                    let obtained = NonBlockingLease::obtain(
                        &client,
                        &format!("/race/{round}"),
                        HOUR,
                        &format!("racer-{index}"),
                    )
                    .unwrap();
                    tx.send((round, index, obtained)).unwrap();
                }
                client
            })
        })
        .collect();
    drop(tx);
    let clients: Vec<Client> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let mut winners = vec![Vec::new(); ROUNDS];
    for (round, index, obtained) in rx {
        if obtained {
            winners[round].push(index);
        }
    }
    for (round, winners) in winners.iter().enumerate() {
        assert_eq!(winners.len(), 1, "round {round}: winners {winners:?}");
        let holder = format!(r#""holder": "racer-{}""#, winners[0]);
        assert!(stored(&clients[0], &format!("/race/{round}")).contains(&holder));
    }
}

#[test]
fn a_multi_lease_of_two_refuses_the_third_identity() {
    let (_, zk) = clients("lease-multi", 3);
    let now = Arc::new(AtomicI64::new(T));
    let options = clock(&now);
    let obtain = |client: &Client, identity: &str| {
        MultiNonBlockingLease::obtain_with(client, 2, "/multi", MINUTE, identity, &options).unwrap()
    };
    assert_eq!(obtain(&zk[0], "a"), Some(0));
    assert_eq!(obtain(&zk[1], "b"), Some(1));
    assert_eq!(obtain(&zk[2], "c"), None);
    assert_eq!(
        stored(&zk[0], "/multi/0"),
        record("a", "2026-11-25T10:01:00")
    );
    assert_eq!(
        stored(&zk[0], "/multi/1"),
        record("b", "2026-11-25T10:01:00")
    );
    assert!(zk[0].exists("/multi/2").wait().unwrap().is_none());
    // Holders renew their own slot.
    now.store(T + 30, Ordering::SeqCst);
    assert_eq!(obtain(&zk[1], "b"), Some(1));
    assert_eq!(
        stored(&zk[0], "/multi/1"),
        record("b", "2026-11-25T10:01:30")
    );
    // Once "a"'s lease has ended, "c" gets slot 0.
    now.store(T + 60, Ordering::SeqCst);
    assert_eq!(obtain(&zk[2], "c"), Some(0));
    assert_eq!(obtain(&zk[0], "a"), None);
    assert!(matches!(
        MultiNonBlockingLease::obtain(&zk[0], 0, "/multi", MINUTE, "a"),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn kazoo_is_refused_while_zkclient_holds_the_lease_and_renews_it_as_the_same_identity() {
    let (hosts, zk) = clients("lease-kazoo-refused", 1);
    let zk = &zk[0];
    let now = Arc::new(AtomicI64::new(T));
    let identity = "Zoë 🦀 \"rust\"";
    assert!(NonBlockingLease::obtain_with(zk, "/lease", MINUTE, identity, &clock(&now)).unwrap());
    let out = common::kazoo(
        &hosts,
        "import json\nfrom datetime import datetime, timedelta\n\
         ident = 'Zo\\u00eb \\U0001f980 \"rust\"'\n\
         raw = zk.get('/lease/lease_holder')[0]\n\
         print(raw == json.dumps({'version': 1, 'holder': ident, 'end': '2026-11-25T10:01:00'}).encode())\n\
         at = lambda *t: (lambda: datetime(*t))\n\
         print(bool(zk.NonBlockingLease('/lease', timedelta(hours=1), identifier='py', utcnow=at(2026, 11, 25, 10, 0, 59, 999999))))\n\
         print(bool(zk.NonBlockingLease('/lease', timedelta(hours=1), identifier=ident, utcnow=at(2026, 11, 25, 10, 0, 30))))\n\
         print(zk.get('/lease/lease_holder')[0].decode())",
    );
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "True",
            "False",
            "True",
            r#"{"version": 1, "holder": "Zo\u00eb \ud83e\udd80 \"rust\"", "end": "2026-11-25T11:00:30"}"#
        ]
    );
    // zkclient reads kazoo's renewal: another identity is refused until 11:00:30.
    now.store(T + 3629, Ordering::SeqCst);
    assert!(!NonBlockingLease::obtain_with(zk, "/lease", MINUTE, "py", &clock(&now)).unwrap());
    now.store(T + 3630, Ordering::SeqCst);
    assert!(NonBlockingLease::obtain_with(zk, "/lease", MINUTE, "py", &clock(&now)).unwrap());
}

#[test]
fn zkclient_is_refused_while_kazoo_holds_the_lease() {
    let (hosts, zk) = clients("lease-kazoo-holds", 1);
    let zk = &zk[0];
    let out = common::kazoo(
        &hosts,
        "from datetime import datetime, timedelta\n\
         print(bool(zk.NonBlockingLease('/lease', timedelta(minutes=1), identifier='py', utcnow=lambda: datetime(2026, 11, 25, 10, 0, 0, 250000))))",
    );
    assert_eq!(out, "True\n");
    assert_eq!(stored(zk, "/lease"), record("py", "2026-11-25T10:01:00"));
    let now = Arc::new(AtomicI64::new(T + 59));
    assert!(!NonBlockingLease::obtain_with(zk, "/lease", HOUR, "rust", &clock(&now)).unwrap());
    // The same identity renews kazoo's lease.
    assert!(NonBlockingLease::obtain_with(zk, "/lease", HOUR, "py", &clock(&now)).unwrap());
    assert_eq!(stored(zk, "/lease"), record("py", "2026-11-25T11:00:59"));
    // After its end, another identity takes it, and kazoo sees that.
    now.store(T + 3659, Ordering::SeqCst);
    assert!(NonBlockingLease::obtain_with(zk, "/lease", HOUR, "rust", &clock(&now)).unwrap());
    let out = common::kazoo(
        &hosts,
        "from datetime import datetime, timedelta\n\
         print(bool(zk.NonBlockingLease('/lease', timedelta(minutes=1), identifier='py', utcnow=lambda: datetime(2026, 11, 25, 11, 59, 58))))\n\
         print(zk.get_children('/lease'))",
    );
    assert_eq!(out, "False\n['lease_holder']\n");
}

#[test]
fn kazoo_and_zkclient_share_multi_lease_slots() {
    let (hosts, zk) = clients("lease-kazoo-multi", 1);
    let zk = &zk[0];
    let kazoo_multi = |identity: &str| {
        common::kazoo(
            &hosts,
            &format!(
                "from datetime import datetime, timedelta\n\
                 print(bool(zk.MultiNonBlockingLease(2, '/multi', timedelta(minutes=1), identifier='{identity}', utcnow=lambda: datetime(2026, 11, 25, 10))))"
            ),
        )
    };
    assert_eq!(kazoo_multi("py"), "True\n");
    assert_eq!(stored(zk, "/multi/0"), record("py", "2026-11-25T10:01:00"));
    let now = Arc::new(AtomicI64::new(T + 10));
    let obtain = |identity: &str| {
        MultiNonBlockingLease::obtain_with(zk, 2, "/multi", MINUTE, identity, &clock(&now)).unwrap()
    };
    assert_eq!(obtain("rust"), Some(1));
    assert_eq!(
        stored(zk, "/multi/1"),
        record("rust", "2026-11-25T10:01:10")
    );
    assert_eq!(obtain("other"), None);
    assert_eq!(kazoo_multi("py-2"), "False\n");
    // kazoo as "rust" renews zkclient's slot 1 (slot 0 is held by "py").
    assert_eq!(kazoo_multi("rust"), "True\n");
    assert_eq!(
        stored(zk, "/multi/1"),
        record("rust", "2026-11-25T10:01:00")
    );
    assert_eq!(stored(zk, "/multi/0"), record("py", "2026-11-25T10:01:00"));
    // zkclient as "py" renews kazoo's slot 0.
    assert_eq!(obtain("py"), Some(0));
    assert_eq!(stored(zk, "/multi/0"), record("py", "2026-11-25T10:01:10"));
}

#[test]
fn no_identifier_means_the_host_name_as_in_kazoo() {
    let (hosts, zk) = clients("lease-hostname", 1);
    let zk = &zk[0];
    assert!(NonBlockingLease::obtain(zk, "/lease", HOUR, "").unwrap());
    let host = default_identifier().unwrap();
    assert!(
        stored(zk, "/lease").contains(&format!(r#""holder": "{host}""#)),
        "{}",
        stored(zk, "/lease")
    );
    let out = common::kazoo(
        &hosts,
        "import socket\nfrom datetime import timedelta\n\
         print(socket.gethostname())\n\
         print(bool(zk.NonBlockingLease('/lease', timedelta(hours=1))))\n\
         print(bool(zk.NonBlockingLease('/lease', timedelta(hours=1), identifier='elsewhere')))",
    );
    assert_eq!(out, format!("{host}\nTrue\nFalse\n"));
}

use crate::common::{c, last_message};

#[test]
fn leases_through_the_c_api() {
    let hosts = shared_hosts();
    let chroot = unique_chroot("lease-c");
    let zk = connect(&hosts, &chroot, ClientOptions::default());
    let mut client = null_mut();
    // SAFETY: valid or deliberately invalid arguments throughout, as each assert says.
    unsafe {
        assert_eq!(
            zk_client_new(c(&format!("{hosts}{chroot}")).as_ptr(), null(), &mut client),
            zk_error::ZK_OK
        );
        assert_eq!(zk_client_start(client, 30_000), zk_error::ZK_OK);
        let path = c("/lease");
        let id = |text: &'static str| (text.as_ptr(), text.len());
        let (a, a_len) = id("a");
        let mut obtained = false;

        // Each refusal is checked at once: the message is the last one on this thread.
        let refused = |code: zk_error, expected: zk_error, names: &str| {
            assert_eq!(code, expected, "{names}");
            assert!(
                last_message().contains(names),
                "{names}: {}",
                last_message()
            );
        };
        let einval = zk_error::ZK_EINVAL;
        let lease = path.as_ptr();
        let out: *mut bool = &mut obtained;
        refused(
            zk_lease_obtain(null_mut(), lease, 1000, a, a_len, -1, out),
            einval,
            "client",
        );
        refused(
            zk_lease_obtain(client, null(), 1000, a, a_len, -1, out),
            einval,
            "path",
        );
        refused(
            zk_lease_obtain(client, lease, 1000, a, a_len, -1, null_mut()),
            einval,
            "out_obtained",
        );
        refused(
            zk_lease_obtain(client, lease, -1, a, a_len, -1, out),
            einval,
            "duration_ms",
        );
        refused(
            zk_lease_obtain(client, lease, 1000, a, a_len, -2, out),
            einval,
            "timeout_ms",
        );
        refused(
            zk_lease_obtain(client, lease, 1000, b"\xff".as_ptr(), 1, -1, out),
            einval,
            "UTF-8",
        );
        refused(
            zk_lease_obtain(client, c("no-slash").as_ptr(), 1000, a, a_len, -1, out),
            zk_error::ZK_EBADPATH,
            "no-slash",
        );
        // NULL identifier with a length is refused; nothing was written anywhere.
        assert_eq!(
            zk_lease_obtain(client, path.as_ptr(), 1000, null(), 3, -1, &mut obtained),
            zk_error::ZK_EINVAL
        );
        assert!(!obtained, "outputs untouched on failure");
        assert!(zk.exists("/lease").wait().unwrap().is_none());

        assert_eq!(
            zk_lease_obtain(
                client,
                path.as_ptr(),
                3_600_000,
                a,
                a_len,
                -1,
                &mut obtained
            ),
            zk_error::ZK_OK
        );
        assert!(obtained);
        assert!(stored(&zk, "/lease").starts_with(r#"{"version": 1, "holder": "a", "end": ""#));
        let (b, b_len) = id("b");
        assert_eq!(
            zk_lease_obtain(client, path.as_ptr(), 1000, b, b_len, 5000, &mut obtained),
            zk_error::ZK_OK
        );
        assert!(!obtained);
        // NULL identifier with length 0: this host's name, as kazoo.
        assert_eq!(
            zk_lease_obtain(
                client,
                c("/host").as_ptr(),
                1000,
                null(),
                0,
                -1,
                &mut obtained
            ),
            zk_error::ZK_OK
        );
        assert!(obtained);
        let host = default_identifier().unwrap();
        assert!(stored(&zk, "/host").contains(&format!(r#""holder": "{host}""#)));

        // A record that is not kazoo's JSON: EINVAL naming the node.
        zk.set("/lease/lease_holder", b"garbage", -1)
            .wait()
            .unwrap();
        obtained = true;
        assert_eq!(
            zk_lease_obtain(client, path.as_ptr(), 1000, b, b_len, -1, &mut obtained),
            zk_error::ZK_EINVAL
        );
        assert!(
            last_message().contains("/lease/lease_holder"),
            "{}",
            last_message()
        );
        assert!(last_message().contains("garbage"), "{}", last_message());
        assert!(obtained);

        // Multi-leases.
        let multi = c("/multi");
        let mut slot = -99;
        assert_eq!(
            zk_multi_lease_obtain(client, multi.as_ptr(), 0, 1000, a, a_len, -1, &mut slot),
            zk_error::ZK_EINVAL
        );
        assert!(last_message().contains("count"), "{}", last_message());
        assert_eq!(
            zk_multi_lease_obtain(
                client,
                multi.as_ptr(),
                1 << 31,
                1000,
                a,
                a_len,
                -1,
                &mut slot
            ),
            zk_error::ZK_EINVAL
        );
        assert_eq!(
            zk_multi_lease_obtain(client, multi.as_ptr(), 2, 1000, a, a_len, -1, null_mut()),
            zk_error::ZK_EINVAL
        );
        assert!(last_message().contains("out_slot"), "{}", last_message());
        assert_eq!(slot, -99);
        let (c_id, c_len) = id("c");
        for ((identity, len), expected) in [((a, a_len), 0), ((b, b_len), 1), ((c_id, c_len), -1)] {
            assert_eq!(
                zk_multi_lease_obtain(
                    client,
                    multi.as_ptr(),
                    2,
                    3_600_000,
                    identity,
                    len,
                    -1,
                    &mut slot
                ),
                zk_error::ZK_OK
            );
            assert_eq!(slot, expected);
        }
        zk_client_free(client);
    }
    // A stopped client is refused.
    zk.stop().unwrap();
    let error = NonBlockingLease::obtain(&zk, "/lease", MINUTE, "x").unwrap_err();
    assert!(matches!(error, Error::Closed), "{error:?}");
}
