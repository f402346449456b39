//! The retry helper against a real server: an operation retried across a server restart,
//! and a connection retry policy that gives up. (Schedules, deadlines and which errors are
//! retried are unit-tested with an injected clock in src/retry.rs.)

mod common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use common::{options, unique_chroot, Cluster, StateRecorder, EVENT_TIMEOUT};
use zkclient::{Client, ClientOptions, Error, ErrorCode, KeeperState, RetryPolicy, Wait};

#[test]
fn a_write_retried_across_a_server_restart_succeeds_once() {
    let cluster = Cluster::start("retry-restart", 1, 500);
    let policy = RetryPolicy {
        max_tries: None,
        delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(200),
        deadline: Some(Duration::from_secs(60)),
        ..RetryPolicy::default()
    };
    let zk_options = ClientOptions {
        command_retry: policy,
        ..options(Duration::from_secs(10))
    };
    let zk = common::connect(&cluster.hosts, &unique_chroot("retry"), zk_options);
    let mut states = StateRecorder::attach(&zk);
    zk.create("/counter", b"0", &Default::default())
        .wait()
        .unwrap();
    cluster.stop_server(1);
    states.wait_for(KeeperState::Disconnected, EVENT_TIMEOUT);

    let attempts = AtomicU32::new(0);
    std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            zk.retry(|| {
                attempts.fetch_add(1, Ordering::SeqCst);
                zk.set("/counter", b"1", 0).wait()
            })
        });
        // The writer is failing with connection-loss while the server is down.
        while attempts.load(Ordering::SeqCst) < 2 {
            std::thread::yield_now();
        }
        cluster.start_server(1);
        let stat = writer.join().unwrap().expect("the retried write succeeded");
        assert_eq!(stat.version, 1);
    });
    assert!(attempts.load(Ordering::SeqCst) >= 2);
    assert_eq!(zk.get("/counter").wait().unwrap().0, b"1");
    // A non-retryable error is returned after one attempt.
    let calls = AtomicU32::new(0);
    let result = zk.retry(|| {
        calls.fetch_add(1, Ordering::SeqCst);
        zk.set("/counter", b"2", 0).wait()
    });
    assert!(result.unwrap_err().is(ErrorCode::BAD_VERSION));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn a_connection_retry_policy_that_gives_up_ends_the_session() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let policy = RetryPolicy {
        max_tries: Some(3),
        delay: Duration::from_millis(10),
        ..RetryPolicy::default()
    };
    let zk = Client::new(
        &format!("127.0.0.1:{port}"),
        ClientOptions {
            connection_retry: policy,
            ..ClientOptions::default()
        },
    )
    .unwrap();
    // It gives up long before the start timeout.
    match zk.start(Duration::from_secs(120)) {
        Err(Error::Timeout(message)) => assert!(message.contains("Closed"), "{message}"),
        other => panic!("{other:?}"),
    }
    assert!(!zk.session_info().running);
    let invalid = RetryPolicy {
        max_tries: Some(0),
        ..RetryPolicy::default()
    };
    let refused = Client::new(
        "127.0.0.1:1",
        ClientOptions {
            command_retry: invalid,
            ..ClientOptions::default()
        },
    );
    assert!(matches!(refused, Err(Error::InvalidArgument(_))));
}
