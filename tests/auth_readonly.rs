//! Authentication (credentials in the options, add_auth, replay before CONNECTED, failure)
//! and read-only mode, against real servers.

mod common;

use std::sync::mpsc::channel;
use std::time::Duration;

use common::{options, shared_hosts, unique_chroot, Cluster, StateRecorder, EVENT_TIMEOUT};
use zkclient::{
    Acl, Client, ClientOptions, CreateOptions, Error, ErrorCode, KeeperState, State, Wait,
};

fn alice() -> Vec<(String, zkclient::secret::Secret)> {
    vec![("digest".to_string(), b"alice:secret".to_vec().into())]
}

#[test]
fn a_node_only_its_authenticated_creator_may_read() {
    let hosts = shared_hosts();
    let chroot = unique_chroot("auth");
    let owner = common::connect(
        &hosts,
        &chroot,
        ClientOptions {
            auth: alice(),
            ..ClientOptions::default()
        },
    );
    let creator_only = CreateOptions {
        acl: Some(Acl::creator_all()),
        ..CreateOptions::default()
    };
    owner
        .create("/secret", b"s3cr3t", &creator_only)
        .wait()
        .unwrap();
    let (acl_owner, _) = (owner.get("/secret").wait().unwrap(), ());
    assert_eq!(acl_owner.0, b"s3cr3t");

    let stranger = common::connect(&hosts, &chroot, ClientOptions::default());
    assert!(stranger
        .get("/secret")
        .wait()
        .unwrap_err()
        .is(ErrorCode::NO_AUTH));
    stranger.add_auth("digest", b"alice:wrong").wait().unwrap();
    assert!(stranger
        .get("/secret")
        .wait()
        .unwrap_err()
        .is(ErrorCode::NO_AUTH));
    stranger.add_auth("digest", b"alice:secret").wait().unwrap();
    assert_eq!(stranger.get("/secret").wait().unwrap().0, b"s3cr3t");
}

#[test]
fn credentials_are_replayed_after_a_restart_before_connected_is_announced() {
    let cluster = Cluster::start("auth-replay", 1, 500);
    let chroot = unique_chroot("auth-replay");
    let zk = common::connect(&cluster.hosts, &chroot, options(Duration::from_secs(10)));
    zk.add_auth("digest", b"alice:secret").wait().unwrap();
    let creator_only = CreateOptions {
        acl: Some(Acl::creator_all()),
        ..CreateOptions::default()
    };
    zk.create("/secret", b"mine", &creator_only).wait().unwrap();
    let mut states = StateRecorder::attach(&zk);
    // The first thing a listener does on CONNECTED is read the protected node: it must not
    // race the credentials (kazoo #594, #727).
    let (tx, rx) = channel();
    let reader = zk.clone();
    zk.add_listener(move |state, _| {
        if state == State::Connected {
            let _ = tx.send(reader.get("/secret").wait().map(|(data, _)| data));
        }
    });
    cluster.stop_server(1);
    states.wait_for(KeeperState::Disconnected, EVENT_TIMEOUT);
    cluster.start_server(1);
    states.wait_for(KeeperState::SyncConnected, EVENT_TIMEOUT);
    assert_eq!(
        rx.recv_timeout(EVENT_TIMEOUT).unwrap(),
        Ok(b"mine".to_vec())
    );
}

#[test]
fn a_refused_credential_ends_the_session_for_good() {
    let zk = common::shared_client("auth-failed");
    let mut states = StateRecorder::attach(&zk);
    let error = zk
        .add_auth("no-such-scheme", b"secret-x")
        .wait()
        .unwrap_err();
    assert!(error.is(ErrorCode::AUTH_FAILED), "{error:?}");
    states.wait_for(KeeperState::AuthFailed, EVENT_TIMEOUT);
    assert_eq!(zk.state(), State::Lost);
    // Later calls say what happened, naming the scheme and never the credential (not "the
    // client is closed").
    let later = zk.get("/").wait().unwrap_err();
    assert!(later.is(ErrorCode::AUTH_FAILED), "{later:?}");
    assert!(matches!(&later, Error::AuthFailed { scheme } if scheme == "no-such-scheme"));
    let message = later.to_string();
    assert!(message.contains("authentication failed"), "{message}");
    assert!(message.contains("no-such-scheme"), "{message}");
    assert!(!message.contains("secret-x"), "{message}");
    // Credentials given in the options are checked before start() returns, and calls after
    // the failed start say so too.
    let refused = Client::new(
        &shared_hosts(),
        ClientOptions {
            auth: vec![("no-such-scheme".into(), b"secret-x".to_vec().into())],
            ..ClientOptions::default()
        },
    )
    .unwrap();
    let error = refused.start(EVENT_TIMEOUT).unwrap_err();
    assert!(matches!(&error, Error::AuthFailed { scheme } if scheme == "no-such-scheme"));
    assert!(!error.to_string().contains("secret-x"), "{error}");
    let later = refused.exists("/").wait().unwrap_err();
    assert!(later.is(ErrorCode::AUTH_FAILED), "{later:?}");
}

#[test]
fn an_oversize_credential_is_refused_at_once_and_never_stored() {
    // 2 MiB: over the server's 1 MiB request limit, which would close every connection.
    let huge = vec![b'a'; 2 << 20];
    let mut refused_options = ClientOptions::default();
    let error = refused_options.add_auth("digest", &huge).unwrap_err();
    assert!(matches!(error, Error::RequestTooLarge { .. }), "{error:?}");
    assert!(refused_options.auth.is_empty());
    // Put straight into the options, it is refused by Client::new.
    let direct = ClientOptions {
        auth: vec![("digest".into(), huge.clone().into())],
        ..ClientOptions::default()
    };
    let error = Client::new(&shared_hosts(), direct).err().unwrap();
    assert!(matches!(error, Error::RequestTooLarge { .. }), "{error:?}");

    let proxy = common::Proxy::start(&shared_hosts());
    let zk = common::connect(
        &proxy.hosts(),
        &unique_chroot("huge-auth"),
        options(Duration::from_secs(10)),
    );
    let mut states = StateRecorder::attach(&zk);
    let error = zk.add_auth("digest", &huge).wait().unwrap_err();
    assert!(matches!(error, Error::RequestTooLarge { .. }), "{error:?}");
    assert_eq!(zk.state(), State::Connected);
    zk.exists("/").wait().unwrap();
    // Not stored: a new connection is not refused by its replay.
    let session = zk.session_info().session_id;
    proxy.cut();
    states.wait_for(KeeperState::Disconnected, EVENT_TIMEOUT);
    proxy.restore();
    states.wait_for(KeeperState::SyncConnected, EVENT_TIMEOUT);
    zk.exists("/").wait().unwrap();
    assert_eq!(zk.session_info().session_id, session);
    zk.stop().unwrap();
}

#[test]
fn losing_quorum_moves_to_read_only_and_back_to_read_write() {
    // A read-only server can only give local sessions: the ensemble needs them enabled.
    let cluster = Cluster::start_with("read-only", 3, 500, &["--local-sessions"]);
    let chroot = unique_chroot("read-only");
    let zk = common::connect(
        &cluster.hosts,
        &chroot,
        ClientOptions {
            can_be_read_only: true,
            ..options(Duration::from_secs(10))
        },
    );
    zk.create("/data", b"before", &CreateOptions::default())
        .wait()
        .unwrap();
    let mut states = StateRecorder::attach(&zk);
    // Keep server 1; stop the two others: server 1 loses its quorum and serves read-only.
    cluster.stop_server(2);
    cluster.stop_server(3);
    // The session was local to a server that lost its quorum: expect a new one, and
    // connection-loss while the lone server settles (retried).
    states.wait_for(KeeperState::ConnectedReadOnly, EVENT_TIMEOUT * 2);
    let retry = zkclient::RetryPolicy {
        max_tries: None,
        deadline: Some(EVENT_TIMEOUT),
        ..Default::default()
    };
    let data = retry.run(|| zk.get("/data").wait()).unwrap().0;
    assert_eq!(data, b"before", "reads work read-only");
    let refused = retry
        .run(|| zk.set("/data", b"during", -1).wait())
        .unwrap_err();
    assert!(refused.is(ErrorCode::NOT_READ_ONLY), "{refused:?}");

    cluster.start_server(2);
    cluster.start_server(3);
    states.wait_for(KeeperState::SyncConnected, EVENT_TIMEOUT * 2);
    let retry = zkclient::RetryPolicy {
        max_tries: None,
        deadline: Some(EVENT_TIMEOUT),
        ..Default::default()
    };
    retry.run(|| zk.set("/data", b"after", -1).wait()).unwrap();
    assert_eq!(zk.get("/data").wait().unwrap().0, b"after");
}
