//! The rules the C API once enforced alone, proved in the Rust core: client options, the
//! shallow party identifier, the double barrier's count, the 32-bit counter's default, the
//! queue's one `get(timeout)`, the callback-style submits (create with makepath and a
//! transaction's commit included), and what the crate root shows of the session.

mod common;

use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use common::{shared_client, EVENT_TIMEOUT};
use zkclient::client::OpResult;
use zkclient::recipe::barrier::DoubleBarrier;
use zkclient::recipe::counter::{Counter, CounterFormat};
use zkclient::recipe::party::ShallowParty;
use zkclient::recipe::queue::Queue;
use zkclient::{
    Client, ClientOptions, CreateMode, CreateOptions, Error, ErrorCode, SessionInfo, Wait,
};

/// A client that is never started: none of these rules needs a server.
fn unstarted() -> Client {
    Client::new("127.0.0.1:2181", ClientOptions::default()).unwrap()
}

fn is_invalid<T>(result: zkclient::Result<T>) -> bool {
    matches!(result, Err(Error::InvalidArgument(_)))
}

#[test]
fn the_default_options_are_valid() {
    assert_eq!(ClientOptions::default().validate(), Ok(()));
}

#[test]
fn the_max_reply_size_is_at_least_one_kib_in_the_core() {
    for (bytes, valid) in [
        (0, false),
        (1023, false),
        (1024, true),
        (i32::MAX as usize, true),
        (i32::MAX as usize + 1, false),
    ] {
        let options = ClientOptions {
            max_reply_size: bytes,
            ..ClientOptions::default()
        };
        assert_eq!(options.validate().is_ok(), valid, "{bytes}");
        let client = Client::new("127.0.0.1:2181", options);
        assert_eq!(client.is_ok(), valid, "Client::new with {bytes}");
        if !valid {
            assert!(is_invalid(client), "{bytes}");
        }
    }
}

#[test]
fn the_session_timeout_is_one_ms_to_i32_max_ms() {
    for (timeout, valid) in [
        (Duration::ZERO, false),
        (Duration::from_micros(999), false),
        (Duration::from_millis(1), true),
        (Duration::from_millis(i32::MAX as u64), true),
        (Duration::from_millis(i32::MAX as u64 + 1), false),
    ] {
        let options = ClientOptions {
            session_timeout: timeout,
            ..ClientOptions::default()
        };
        assert_eq!(options.validate().is_ok(), valid, "{timeout:?}");
        assert_eq!(
            Client::new("127.0.0.1:2181", options).is_ok(),
            valid,
            "{timeout:?}"
        );
    }
}

#[test]
fn a_session_password_is_empty_or_16_bytes() {
    for (len, valid) in [(0, true), (3, false), (15, false), (16, true), (17, false)] {
        let options = ClientOptions {
            session_password: vec![7; len].into(),
            ..ClientOptions::default()
        };
        assert_eq!(options.validate().is_ok(), valid, "{len}");
        assert_eq!(
            Client::new("127.0.0.1:2181", options).is_ok(),
            valid,
            "{len}"
        );
    }
}

#[test]
fn resuming_a_session_needs_its_16_byte_password() {
    let mut options = ClientOptions::default();
    for len in [0, 3, 17] {
        let refused = options.resume_session(42, &vec![1; len]);
        assert!(
            matches!(&refused, Err(Error::InvalidArgument(m)) if m.contains("16 bytes")),
            "{len}: {refused:?}"
        );
        assert_eq!((options.session_id, options.session_password.len()), (0, 0));
    }
    options.resume_session(42, &[1; 16]).unwrap();
    assert_eq!(options.session_id, 42);
    assert_eq!(options.session_password.expose(), [1; 16]);
    assert_eq!(options.validate(), Ok(()));
}

#[test]
fn the_default_acl_is_not_empty() {
    let options = ClientOptions {
        default_acl: Vec::new(),
        ..ClientOptions::default()
    };
    assert!(is_invalid(options.validate()));
    assert!(is_invalid(Client::new("127.0.0.1:2181", options)));
}

#[test]
fn a_shallow_party_identifier_has_no_slash_and_no_nul() {
    let client = unstarted();
    for bad in ["a/b", "/", "trailing/", "a\0b"] {
        assert!(
            is_invalid(ShallowParty::new(&client, "/party", bad)),
            "{bad:?}"
        );
    }
    let party = ShallowParty::new(&client, "/party", "worker-1").unwrap();
    assert!(party.node_path().ends_with("-worker-1"));
}

#[test]
fn queue_get_with_a_zero_timeout_does_not_wait_and_otherwise_waits_that_long() {
    let zk = shared_client("core-queue-get");
    let queue = Queue::new(&zk, "/q");
    let started = Instant::now();
    assert_eq!(queue.get(Some(Duration::ZERO)).unwrap(), None);
    assert!(started.elapsed() < Duration::from_secs(5));
    let started = Instant::now();
    assert_eq!(queue.get(Some(Duration::from_millis(300))).unwrap(), None);
    assert!(started.elapsed() >= Duration::from_millis(300));
    queue.put(b"first", 100).unwrap();
    queue.put(b"second", 100).unwrap();
    assert_eq!(
        queue.get(Some(Duration::ZERO)).unwrap().as_deref(),
        Some(&b"first"[..])
    );
    assert_eq!(queue.get(None).unwrap().as_deref(), Some(&b"second"[..]));
}

fn one_answer<T: Send + 'static>() -> (
    impl FnOnce(zkclient::Result<T>) + Send + 'static,
    Receiver<zkclient::Result<T>>,
) {
    let (tx, rx) = channel();
    (move |result| tx.send(result).unwrap(), rx)
}

#[test]
fn create_then_with_makepath_creates_the_parents_before_answering() {
    let zk = shared_client("core-create-then");
    let makepath = CreateOptions {
        mode: CreateMode::PersistentSequential,
        makepath: true,
        ..CreateOptions::default()
    };
    let (done, answer) = one_answer();
    zk.create_then("/deep/er/item-", b"v", &makepath, done)
        .unwrap();
    let created = answer.recv_timeout(EVENT_TIMEOUT).unwrap().unwrap();
    assert!(
        created.path.starts_with("/deep/er/item-"),
        "{}",
        created.path
    );
    assert!(answer.recv_timeout(Duration::from_millis(200)).is_err());

    // Without makepath, a missing parent is the server's answer, through `done`.
    let (done, answer) = one_answer();
    zk.create_then("/missing/item", b"", &CreateOptions::default(), done)
        .unwrap();
    let missing = answer.recv_timeout(EVENT_TIMEOUT).unwrap();
    assert!(
        matches!(&missing, Err(e) if e.is(ErrorCode::NO_NODE)),
        "{missing:?}"
    );

    // An invalid path is refused at once, with or without makepath; `done` never runs.
    for options in [makepath.clone(), CreateOptions::default()] {
        let (done, answer) = one_answer();
        assert!(zk.create_then("no-slash", b"", &options, done).is_err());
        assert!(answer.recv_timeout(Duration::from_millis(200)).is_err());
    }
}

#[test]
fn every_callback_submit_answers_once_with_its_result() {
    let zk = shared_client("core-submit-then");
    zk.create("/n", b"one", &CreateOptions::default())
        .wait()
        .unwrap();

    let (done, answer) = one_answer();
    zk.exists_then("/n", done).unwrap();
    let stat = answer.recv_timeout(EVENT_TIMEOUT).unwrap().unwrap();
    assert_eq!(stat.map(|stat| stat.version), Some(0));

    let (done, answer) = one_answer();
    zk.set_then("/n", b"two", 0, done).unwrap();
    assert_eq!(
        answer.recv_timeout(EVENT_TIMEOUT).unwrap().unwrap().version,
        1
    );

    let (done, answer) = one_answer();
    zk.get_then("/n", done).unwrap();
    let (data, stat) = answer.recv_timeout(EVENT_TIMEOUT).unwrap().unwrap();
    assert_eq!((data.as_slice(), stat.version), (&b"two"[..], 1));

    let (done, answer) = one_answer();
    zk.get_children_then("/", done).unwrap();
    let (children, _) = answer.recv_timeout(EVENT_TIMEOUT).unwrap().unwrap();
    assert_eq!(children, ["n"]);

    let (done, answer) = one_answer();
    zk.sync_then("/n", done).unwrap();
    answer.recv_timeout(EVENT_TIMEOUT).unwrap().unwrap();

    let (done, answer) = one_answer();
    zk.delete_then("/n", 1, done).unwrap();
    answer.recv_timeout(EVENT_TIMEOUT).unwrap().unwrap();

    let (done, answer) = one_answer();
    zk.exists_then("/n", done).unwrap();
    assert_eq!(answer.recv_timeout(EVENT_TIMEOUT).unwrap().unwrap(), None);

    // A stopped client refuses at once; `done` never runs.
    zk.stop().unwrap();
    let (done, answer) = one_answer();
    assert!(zk.get_then("/n", done).is_err());
    assert!(answer.recv_timeout(Duration::from_millis(200)).is_err());
}

#[test]
fn the_session_shows_through_the_crate_root() {
    let info: SessionInfo = unstarted().session_info();
    assert_eq!(info.session_id, 0);
    let refused = zkclient::four_letter_word("127.0.0.1:2181", "RUOK", Duration::from_secs(1));
    assert!(is_invalid(refused.wait()));
}

#[test]
fn a_double_barrier_needs_at_least_one_client() {
    let client = unstarted();
    assert!(is_invalid(DoubleBarrier::new(&client, "/b", 0, "x")));
    assert!(DoubleBarrier::new(&client, "/b", 1, "x").is_ok());
}

#[test]
fn a_32_bit_counter_refuses_a_default_outside_32_bits() {
    let client = unstarted();
    let too_big = i64::from(i32::MAX) + 1;
    let too_small = i64::from(i32::MIN) - 1;
    for default in [too_big, too_small] {
        assert!(is_invalid(Counter::with_format(
            &client,
            "/c",
            default,
            CounterFormat::Int32Be
        )));
        assert!(Counter::with_format(&client, "/c", default, CounterFormat::Int64Be).is_ok());
    }
    assert!(
        Counter::with_format(&client, "/c", i64::from(i32::MAX), CounterFormat::Int32Be).is_ok()
    );
}

#[test]
fn a_transaction_commit_then_answers_once_or_refuses_at_once() {
    let zk = shared_client("core-commit-then");
    let mut transaction = zk.transaction();
    transaction.create("/t", b"", &CreateOptions::default());
    let (done, answer) = one_answer();
    transaction.commit_then(done).unwrap();
    let results = answer.recv_timeout(EVENT_TIMEOUT).unwrap().unwrap();
    assert!(
        matches!(results.as_slice(), [OpResult::Create { .. }]),
        "{results:?}"
    );
    assert!(zk.exists("/t").wait().unwrap().is_some());

    // Reads and writes together are refused before anything is sent; `done` is dropped.
    let mut mixed = zk.transaction();
    mixed.check("/t", 0);
    mixed.get("/t");
    let (done, answer) = one_answer::<Vec<OpResult>>();
    assert!(is_invalid(mixed.commit_then(done)));
    assert!(answer.recv().is_err(), "done ran for a refused transaction");
}
