//! Session behaviour against real servers: suspend and resume across a server restart, real
//! expiry (a second connection with the same session), local expiry while no server answers,
//! and resuming a session from its id and password.

mod common;

use std::time::Duration;

use common::{options, shared_hosts, unique_chroot, Cluster, Proxy, StateRecorder, EVENT_TIMEOUT};
use zkclient::{
    Client, ClientOptions, CreateMode, CreateOptions, Error, ErrorCode, KeeperState, State, Wait,
};

fn ephemeral() -> CreateOptions {
    CreateOptions {
        mode: CreateMode::Ephemeral,
        ..CreateOptions::default()
    }
}

#[test]
fn server_restart_within_the_timeout_suspends_then_resumes_the_same_session() {
    let cluster = Cluster::start("restart", 1, 500);
    let zk = common::connect(
        &cluster.hosts,
        &unique_chroot("restart"),
        options(Duration::from_secs(10)),
    );
    let mut states = StateRecorder::attach(&zk);
    zk.create("/alive", b"", &ephemeral()).wait().unwrap();
    let session = zk.session_info().session_id;

    cluster.stop_server(1);
    states.wait_for(KeeperState::Disconnected, EVENT_TIMEOUT);
    assert_eq!(zk.state(), State::Suspended);
    assert!(zk
        .exists("/alive")
        .wait()
        .unwrap_err()
        .is(zkclient::ErrorCode::CONNECTION_LOSS));

    cluster.start_server(1);
    states.wait_for(KeeperState::SyncConnected, EVENT_TIMEOUT);
    assert_eq!(
        zk.session_info().session_id,
        session,
        "a new session was created"
    );
    assert!(
        zk.exists("/alive").wait().unwrap().is_some(),
        "the ephemeral node was lost"
    );
    let kinds: Vec<State> = states.seen.iter().map(|(state, _)| *state).collect();
    assert_eq!(kinds, [State::Suspended, State::Connected]);
}

#[test]
fn expiry_forced_by_a_second_connection_reports_lost_and_removes_ephemerals() {
    let hosts = shared_hosts();
    let chroot = unique_chroot("expiry");
    let observer = common::connect(&hosts, &chroot, ClientOptions::default());
    // The client under test reaches the server through a proxy, so that it can be kept away
    // while its session is ended behind its back.
    let proxy = Proxy::start(&hosts);
    let zk = common::connect(&proxy.hosts(), &chroot, options(Duration::from_secs(6)));
    let mut states = StateRecorder::attach(&zk);
    zk.create("/eph", b"", &ephemeral()).wait().unwrap();
    let info = zk.session_info();
    // Same session id and password from another connection, then closed: the server ends
    // the session (and deletes its ephemeral nodes) while the client is away.
    proxy.expire_session(&format!("{hosts}{chroot}"), &zk, &mut states, || {
        assert_eq!(
            observer.exists("/eph").wait().unwrap(),
            None,
            "ephemeral outlived its session"
        );
    });

    // Back in reach, the client learns from the server that its session expired.
    states.wait_for(KeeperState::Expired, EVENT_TIMEOUT);
    assert!(states.seen.iter().any(|(state, _)| *state == State::Lost));
    // Like kazoo, the client goes on with a new session.
    states.wait_for(KeeperState::SyncConnected, EVENT_TIMEOUT);
    let renewed = zk.session_info().session_id;
    assert_ne!(renewed, info.session_id);
    assert!(zk.exists("/").wait().unwrap().is_some());
}

#[test]
fn no_server_for_a_whole_timeout_is_lost_without_waiting_for_a_server() {
    let cluster = Cluster::start("local-expiry", 1, 500);
    let zk = common::connect(
        &cluster.hosts,
        &unique_chroot("local-expiry"),
        options(Duration::from_secs(2)),
    );
    let mut states = StateRecorder::attach(&zk);
    let session = zk.session_info().session_id;
    cluster.stop_server(1);
    states.wait_for(KeeperState::Disconnected, EVENT_TIMEOUT);
    // No server runs: LOST must come from the client's own timer.
    states.wait_for(KeeperState::Expired, EVENT_TIMEOUT);
    assert_eq!(zk.state(), State::Lost);
    cluster.start_server(1);
    states.wait_for(KeeperState::SyncConnected, EVENT_TIMEOUT);
    assert_ne!(zk.session_info().session_id, session);
}

#[test]
fn a_session_can_be_resumed_from_its_id_and_password() {
    let hosts = shared_hosts();
    let chroot = unique_chroot("resume");
    // The first owner sits behind a proxy: cutting it off stands for a process that died
    // without closing its session (else both would take the session from each other).
    let proxy = Proxy::start(&hosts);
    let first = common::connect(&proxy.hosts(), &chroot, ClientOptions::default());
    let mut states = StateRecorder::attach(&first);
    first.create("/eph", b"", &ephemeral()).wait().unwrap();
    let info = first.session_info();
    assert_eq!(info.password.len(), 16);
    proxy.cut();
    states.wait_for(KeeperState::Disconnected, EVENT_TIMEOUT);

    let resumed = zkclient::Client::new(
        &format!("{hosts}{chroot}"),
        ClientOptions {
            session_id: info.session_id,
            session_password: info.password,
            ..ClientOptions::default()
        },
    )
    .unwrap();
    resumed.start(EVENT_TIMEOUT).unwrap();
    assert_eq!(resumed.session_info().session_id, info.session_id);
    let stat = resumed
        .exists("/eph")
        .wait()
        .unwrap()
        .expect("the ephemeral node of the resumed session");
    assert_eq!(stat.ephemeral_owner, info.session_id);
}

#[test]
fn listeners_can_be_removed_and_may_call_the_client() {
    let hosts = shared_hosts();
    let chroot = unique_chroot("listener");
    let zk = common::connect(&hosts, &chroot, ClientOptions::default());
    let (tx, rx) = std::sync::mpsc::channel();
    let inner = zk.clone();
    let id = zk.add_listener(move |state, _| {
        // A blocking call from inside a callback must not deadlock.
        let answer = inner.exists("/").wait().map(|stat| stat.is_some());
        let _ = tx.send((state, answer));
    });
    let removed = zk.add_listener(|_, _| panic!("a removed listener was called"));
    assert!(zk.remove_listener(removed));
    assert!(!zk.remove_listener(removed));
    zk.stop().unwrap();
    let (state, answer) = rx.recv_timeout(EVENT_TIMEOUT).unwrap();
    assert_eq!(state, State::Lost);
    assert!(matches!(answer, Err(zkclient::Error::Closed)), "{answer:?}");
    zk.start(EVENT_TIMEOUT).unwrap();
    let (state, answer) = rx.recv_timeout(EVENT_TIMEOUT).unwrap();
    assert_eq!(state, State::Connected);
    assert_eq!(answer, Ok(true));
    assert!(zk.remove_listener(id));
}

#[test]
fn a_listener_finds_the_client_in_the_state_it_is_told() {
    let hosts = shared_hosts();
    let chroot = unique_chroot("listener-state");
    let zk = common::connect(&hosts, &chroot, ClientOptions::default());
    let (tx, rx) = std::sync::mpsc::channel();
    let observed = zk.clone();
    zk.add_listener(move |told, _| {
        let _ = tx.send((told, observed.state()));
    });
    // Each change is awaited before the next is made, so the client can be in no other
    // state than the one the listener is told, unless the listener reads a stale one.
    let next = |want: State| {
        let (told, found) = rx.recv_timeout(EVENT_TIMEOUT).expect("a state change");
        assert_eq!(told, want);
        assert_eq!(told, found, "told {told:?}, the client said {found:?}");
    };
    for _ in 0..20 {
        zk.stop().unwrap();
        next(State::Lost);
        zk.start(EVENT_TIMEOUT).unwrap();
        next(State::Connected);
    }
    zk.stop().unwrap();
    next(State::Lost);
    // The listener holds a clone of the client: let it go.
    zk.clear_listeners();
}

/// A server that takes the connection and never answers the handshake (as one still starting
/// up can) costs one connect attempt, not the session: with one host, an attempt used to be
/// allowed the whole session timeout, and the local expiry timer ended the session first.
#[test]
fn a_handshake_that_is_never_answered_costs_an_attempt_not_the_session() {
    let hosts = shared_hosts();
    let chroot = unique_chroot("silent-handshake");
    let proxy = Proxy::start(&hosts);
    let zk = common::connect(&proxy.hosts(), &chroot, options(Duration::from_secs(6)));
    zk.create("/alive", b"", &ephemeral()).wait().unwrap();
    let session = zk.session_info().session_id;
    let mut states = StateRecorder::attach(&zk);
    proxy.hang_next_handshake();
    proxy.cut();
    states.wait_for(KeeperState::Disconnected, EVENT_TIMEOUT);
    proxy.restore();
    states.wait_for(KeeperState::SyncConnected, EVENT_TIMEOUT);
    assert_eq!(proxy.handshakes_hung(), 1, "no handshake was hung");
    assert_eq!(
        zk.session_info().session_id,
        session,
        "the session was lost"
    );
    let kinds: Vec<State> = states.seen.iter().map(|(state, _)| *state).collect();
    assert_eq!(kinds, [State::Suspended, State::Connected]);
    assert!(zk.exists("/alive").wait().unwrap().is_some());
}

#[test]
fn resuming_a_session_the_server_no_longer_has_fails_start_with_session_expired() {
    let hosts = shared_hosts();
    let first = Client::new(&hosts, ClientOptions::default()).unwrap();
    first.start(EVENT_TIMEOUT).unwrap();
    let info = first.session_info();
    first.stop().unwrap(); // the server closes the session
    let resumer = Client::new(
        &hosts,
        ClientOptions {
            session_id: info.session_id,
            session_password: info.password.clone(),
            ..ClientOptions::default()
        },
    )
    .unwrap();
    let error = resumer.start(EVENT_TIMEOUT).unwrap_err();
    assert!(error.is(ErrorCode::SESSION_EXPIRED), "{error:?}");
    assert!(
        matches!(error, Error::SessionExpired { session_id } if session_id == info.session_id),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains(&format!("0x{:x}", info.session_id))
            && message.contains("no longer exists"),
        "{message}"
    );
    assert_eq!(resumer.state(), State::Lost);
    // Started again, it opens a new session.
    resumer.start(EVENT_TIMEOUT).unwrap();
    assert_ne!(resumer.session_info().session_id, info.session_id);
    resumer.stop().unwrap();
}

#[test]
fn the_session_password_and_credentials_never_appear_in_debug_prints() {
    let zk = common::shared_client("secrets");
    let info = zk.session_info();
    let password = info.password.expose().to_vec();
    assert_eq!(password.len(), 16);
    let printed = format!("{info:?} {info:#?}");
    assert!(printed.contains("redacted"), "{printed}");
    // Neither the bytes as Debug prints a Vec<u8>, nor as hex.
    let as_list = format!("{password:?}");
    let as_hex: String = password.iter().map(|b| format!("{b:02x}")).collect();
    assert!(
        !printed.contains(&as_list[1..as_list.len() - 1]),
        "{printed}"
    );
    assert!(!printed.contains(&as_hex), "{printed}");
    let mut options = ClientOptions::default();
    options.add_auth("digest", b"carol:carols-secret").unwrap();
    options.resume_session(info.session_id, &password).unwrap();
    let printed = format!("{options:?}");
    assert!(!printed.contains("carols-secret"), "{printed}");
    assert!(
        !printed.contains(&as_list[1..as_list.len() - 1]),
        "{printed}"
    );
    zk.stop().unwrap();
}
