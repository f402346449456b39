//! The client's counters (`Client::stats`, `zk_client_stats`): requests, replies, in flight,
//! bytes and latency on the shared server; a watch event; a server restart (a reconnect); a
//! session expired by the server; the C function's version handling and NULLs.

mod common;

use std::sync::mpsc::channel;
use std::time::Duration;

use common::{c, shared_client, BehindProxy, Cluster, EVENT_TIMEOUT};
use zkclient::ffi::{zk_client_free, zk_client_stats, zk_client_stop, zk_error, zk_stats};
use zkclient::{ClientStats, CreateOptions, KeeperState, Wait};

/// Fails unless p50 <= p99 <= max, and max > 0.
fn assert_latency_ordered(stats: &ClientStats) {
    assert!(stats.latency_max > Duration::ZERO, "{stats:?}");
    assert!(stats.latency_p50 <= stats.latency_p99, "{stats:?}");
    assert!(stats.latency_p99 <= stats.latency_max, "{stats:?}");
}

#[test]
fn requests_replies_bytes_and_latency_move_with_the_requests() {
    let zk = shared_client("stats-requests");
    let start = zk.stats();
    assert_eq!(start.connections, 1);
    assert_eq!(start.reconnects, 0);
    assert!(start.connection_attempts >= 1);
    assert_eq!(start.requests_in_flight, 0);
    zk.create("/node", b"some data", &CreateOptions::default())
        .wait()
        .unwrap();

    // N blocking gets: sent and received grow by N, nothing fails, nothing stays in flight.
    const N: u64 = 100;
    let before = zk.stats();
    for _ in 0..N {
        zk.get("/node").wait().unwrap();
    }
    let after = zk.stats();
    assert_eq!(after.requests_sent - before.requests_sent, N);
    assert_eq!(after.replies_received - before.replies_received, N);
    assert_eq!(after.requests_failed, 0);
    assert_eq!(after.requests_in_flight, 0);
    // A get request is at least 4 (length) + 8 (header) + the path; a reply at least 16 +
    // the data.
    assert!(after.bytes_out - before.bytes_out >= N * 20, "{after:?}");
    assert!(after.bytes_in - before.bytes_in >= N * 25, "{after:?}");
    assert_latency_ordered(&after);

    // Pipelined: 1000 gets in flight at once, every one answered in the end. An error reply
    // (no node) is a reply too.
    const PIPELINED: u64 = 1000;
    let before = zk.stats();
    let (done, answers) = channel();
    for i in 0..PIPELINED {
        let done = done.clone();
        let path = if i % 10 == 0 { "/missing" } else { "/node" };
        zk.get_then(path, move |result| {
            let _ = done.send(result.is_ok());
        })
        .unwrap();
    }
    let ok = (0..PIPELINED)
        .filter(|_| answers.recv_timeout(EVENT_TIMEOUT).unwrap())
        .count() as u64;
    assert_eq!(ok, PIPELINED - PIPELINED / 10);
    let after = zk.stats();
    assert_eq!(after.requests_sent - before.requests_sent, PIPELINED);
    assert_eq!(after.replies_received - before.replies_received, PIPELINED);
    assert_eq!(after.requests_in_flight, 0);
    assert_latency_ordered(&after);
    assert_eq!(after.watch_events, 0);
    assert_eq!(after.expirations, 0);

    // A stopped client still answers: its closeSession was a request, answered.
    zk.stop().unwrap();
    let stopped = zk.stats();
    assert_eq!(stopped.requests_sent, after.requests_sent + 1);
    assert_eq!(stopped.replies_received, after.replies_received + 1);
    assert_eq!(stopped.requests_in_flight, 0);
    assert_eq!(zk.stats(), stopped, "a stopped client's counters moved");
}

#[test]
fn a_watch_event_is_counted() {
    let zk = shared_client("stats-watch");
    let (fired, events) = channel();
    zk.exists_watch("/watched", move |event| {
        let _ = fired.send(event);
    })
    .wait()
    .unwrap();
    assert_eq!(zk.stats().watch_events, 0);
    zk.create("/watched", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    events.recv_timeout(EVENT_TIMEOUT).unwrap();
    assert_eq!(zk.stats().watch_events, 1);
}

#[test]
fn a_server_restart_counts_a_reconnect_and_the_attempts() {
    let cluster = Cluster::start("stats-restart", 1, 500);
    let zk = cluster.clients("stats-restart", 1).pop().unwrap();
    let before = zk.stats();
    assert_eq!((before.connections, before.reconnects), (1, 0));

    let mut states = common::StateRecorder::attach(&zk);
    cluster.stop_server(1);
    states.wait_for(KeeperState::Disconnected, EVENT_TIMEOUT);
    // While disconnected a request fails at once: it was never sent.
    let sent = zk.stats().requests_sent;
    assert!(zk.exists("/").wait().is_err());
    assert_eq!(zk.stats().requests_sent, sent);
    // The server is down for a while: the client keeps trying.
    std::thread::sleep(Duration::from_millis(500));
    cluster.start_server(1);
    states.wait_for(KeeperState::SyncConnected, EVENT_TIMEOUT);

    let after = zk.stats();
    assert_eq!(after.connections, 2, "{after:?}");
    assert_eq!(after.reconnects, 1, "{after:?}");
    // The refused attempts while the server was down, and the one that succeeded.
    assert!(
        after.connection_attempts >= before.connection_attempts + 2,
        "{before:?} {after:?}"
    );
    assert_eq!(after.expirations, 0);
    assert_eq!(after.requests_in_flight, 0);
}

#[test]
fn a_session_expired_by_the_server_is_counted() {
    let mut setup = BehindProxy::start("stats-expiry");
    assert_eq!(setup.client.stats().expirations, 0);
    setup.expire_session(|| {});
    setup.states.wait_for(KeeperState::Expired, EVENT_TIMEOUT);
    setup
        .states
        .wait_for(KeeperState::SyncConnected, EVENT_TIMEOUT);
    let stats = setup.client.stats();
    assert_eq!(stats.expirations, 1, "{stats:?}");
    // The new session's connection replaced the lost one.
    assert!(stats.reconnects >= 1, "{stats:?}");
    assert_eq!(stats.connections, stats.reconnects + 1, "{stats:?}");
}

/// A `zk_stats` followed by bytes that must stay as they were.
#[repr(C)]
struct Guarded {
    stats: zk_stats,
    canary: [u64; 4],
}

const CANARY: u64 = 0x5a5a_5a5a_5a5a_5a5a;

#[test]
fn the_c_function_checks_its_arguments_and_the_version() {
    let client = common::c_client("stats-ffi");
    let mut out = Guarded {
        stats: zk_stats::default(),
        canary: [CANARY; 4],
    };
    // SAFETY: a live client and a writable zk_stats throughout.
    unsafe {
        // Version 0 (a caller that forgot to set it) and a future version are refused, and
        // nothing is written.
        for version in [0, zkclient::ffi::ZK_STATS_VERSION + 1, u32::MAX] {
            out.stats.version = version;
            out.stats.requests_sent = 12345;
            assert_eq!(
                zk_client_stats(client, &mut out.stats),
                zk_error::ZK_EINVAL,
                "version {version}"
            );
            assert!(common::last_message().contains("version"));
            assert_eq!(out.stats.version, version);
            assert_eq!(out.stats.requests_sent, 12345);
        }
        assert_eq!(
            zk_client_stats(std::ptr::null(), &mut out.stats),
            zk_error::ZK_EINVAL
        );
        assert_eq!(
            zk_client_stats(client, std::ptr::null_mut()),
            zk_error::ZK_EINVAL
        );

        out.stats.version = zkclient::ffi::ZK_STATS_VERSION;
        assert_eq!(zk_client_stats(client, &mut out.stats), zk_error::ZK_OK);
        assert_eq!(out.stats.version, 1);
        assert_eq!(out.stats.connections, 1);
        assert_eq!(out.stats.requests_in_flight, 0);
        assert!(out.stats.bytes_in > 0 && out.stats.bytes_out > 0);
        assert_eq!(out.canary, [CANARY; 4], "written beyond the struct");

        let path = c("/ffi-node");
        assert_eq!(
            zkclient::ffi::zk_create(
                client,
                path.as_ptr(),
                b"x".as_ptr(),
                1,
                std::ptr::null(),
                std::ptr::null_mut(),
                std::ptr::null_mut()
            ),
            zk_error::ZK_OK
        );
        let before = out.stats;
        assert_eq!(zk_client_stats(client, &mut out.stats), zk_error::ZK_OK);
        assert_eq!(out.stats.requests_sent, before.requests_sent + 1);
        assert_eq!(out.stats.replies_received, before.replies_received + 1);
        assert!(out.stats.latency_max_us > 0);
        assert!(out.stats.latency_p50_us <= out.stats.latency_p99_us);
        assert!(out.stats.latency_p99_us <= out.stats.latency_max_us);

        // A stopped client still answers.
        assert_eq!(zk_client_stop(client), zk_error::ZK_OK);
        assert_eq!(zk_client_stats(client, &mut out.stats), zk_error::ZK_OK);
        assert_eq!(out.stats.requests_sent, before.requests_sent + 2);
        assert_eq!(out.stats.requests_in_flight, 0);
        assert_eq!(out.canary, [CANARY; 4]);
        zk_client_free(client);
    }
}
