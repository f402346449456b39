//! TLS against real servers started by `scripts/zk-server.sh --tls ...`: CRUD, a watch and a
//! lock over mutual TLS, x509 ACLs, every key format, each TLS failure with its error and C
//! code, an expired server certificate, a 3-node TLS ensemble that loses its leader, and a
//! kazoo lock over the same TLS port.

mod common;

use std::path::Path;
use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

use common::{kazoo_with, unique_chroot, Cluster, StateRecorder, EVENT_TIMEOUT};
use zkclient::ffi::zk_error;
use zkclient::recipe::lock::Lock;
use zkclient::secret::Secret;
use zkclient::{
    Acl, Client, ClientOptions, CreateOptions, Error, ErrorCode, Id, KeeperState, Pem, TlsFailure,
    TlsOptions, Wait,
};

/// TLS options trusting the cluster's CA, with client certificate `client` (`client1`, ...)
/// from files, or none.
fn tls(cluster: &Cluster, client: Option<&str>) -> TlsOptions {
    TlsOptions {
        ca: Some(Pem::File(cluster.tls_file("ca.pem"))),
        client_certificate: client.map(|name| {
            (
                Pem::File(cluster.tls_file(&format!("{name}.pem"))),
                Pem::File(cluster.tls_file(&format!("{name}.key"))),
            )
        }),
        ..TlsOptions::default()
    }
}

fn options(tls: TlsOptions) -> ClientOptions {
    ClientOptions {
        tls: Some(tls),
        ..ClientOptions::default()
    }
}

/// A started client over TLS on `hosts` under `chroot` (created first).
fn connect(hosts: &str, chroot: &str, tls: TlsOptions) -> Client {
    common::connect(hosts, chroot, options(tls))
}

/// What `start` gives with these options, and how long it took.
fn start_error(hosts: &str, options: ClientOptions) -> (Error, Duration) {
    let client = Client::new(hosts, options).expect("valid options");
    let began = Instant::now();
    let error = client
        .start(EVENT_TIMEOUT)
        .expect_err("the start must fail");
    (error, began.elapsed())
}

fn tls_failure(error: &Error) -> TlsFailure {
    match error {
        Error::Tls { failure, .. } => *failure,
        other => panic!("expected a TLS error, got {other:?} ({other})"),
    }
}

fn pem(path: &Path) -> Pem {
    Pem::Memory(Secret::new(std::fs::read(path).unwrap()))
}

#[test]
fn mutual_tls_crud_watch_lock_acls_key_formats_failures_and_kazoo() {
    let cluster = Cluster::start_with("tls-need", 1, 2000, &["--tls", "need"]);
    let secure = cluster.secure_hosts();
    let chroot = unique_chroot("tls");

    // CRUD and a watch over mutual TLS.
    let zk = connect(&secure, &chroot, tls(&cluster, Some("client1")));
    assert!(zk.session_info().server.is_some());
    zk.create("/n", b"over tls", &CreateOptions::default())
        .wait()
        .unwrap();
    let (tx, rx) = channel();
    let (data, _, _) = zk
        .get_watch("/n", move |event| tx.send(event).unwrap())
        .wait()
        .unwrap();
    assert_eq!(data, b"over tls");
    zk.set("/n", b"changed", -1).wait().unwrap();
    let event = rx
        .recv_timeout(EVENT_TIMEOUT)
        .expect("the data watch fires");
    assert_eq!(event.path, "/n");
    assert_eq!(common::data(&zk, "/n"), b"changed");
    // The four-letter word goes to the connected server over TLS too.
    assert!(zk
        .four_letter_word("srvr")
        .wait()
        .unwrap()
        .contains("Zookeeper version"));

    // The server knows the session by its certificate's subject.
    let identities = zk.who_am_i().wait().unwrap();
    assert!(
        identities
            .iter()
            .any(|id| id.auth_scheme == "x509" && id.user == "CN=client1"),
        "{identities:?}"
    );

    // An x509 ACL: client1 reads; client2 (an EC key in SEC1 form, from memory) and client3
    // (a PKCS#1 RSA key) connect but may not.
    let only_client1 = [Acl {
        perms: zkclient::proto::perms::ALL,
        id: Id {
            scheme: "x509".into(),
            id: "CN=client1".into(),
        },
    }];
    zk.create(
        "/x509",
        b"for client1",
        &CreateOptions {
            acl: Some(only_client1.to_vec()),
            ..CreateOptions::default()
        },
    )
    .wait()
    .unwrap();
    let client2 = TlsOptions {
        ca: Some(pem(&cluster.tls_file("ca.pem"))),
        client_certificate: Some((
            pem(&cluster.tls_file("client2.pem")),
            pem(&cluster.tls_file("client2.key")),
        )),
        ..TlsOptions::default()
    };
    for other in [client2, tls(&cluster, Some("client3"))] {
        let zk2 = connect(&secure, &chroot, other);
        let refused = zk2.get("/x509").wait().unwrap_err();
        assert!(refused.is(ErrorCode::NO_AUTH), "{refused}");
        zk2.stop().unwrap();
    }
    assert_eq!(common::data(&zk, "/x509"), b"for client1");

    // A lock over TLS, excluding a kazoo lock on the same TLS port.
    let lock = Lock::new(&zk, "/lock", "rust");
    assert!(lock.acquire(None).unwrap());
    let kazoo_tls = format!(
        "use_ssl=True, verify_certs=True, ca={:?}, certfile={:?}, keyfile={:?}",
        cluster.tls_file("ca.pem"),
        cluster.tls_file("client2.pem"),
        cluster.tls_file("client2.key"),
    );
    let out = kazoo_with(
        &format!("{secure}{chroot}"),
        &kazoo_tls,
        "lock = zk.Lock('/lock', 'py')\nprint(lock.contenders())\nprint(lock.acquire(blocking=False))",
    );
    assert_eq!(out, "['rust']\nFalse\n");
    lock.release().unwrap();
    let out = kazoo_with(
        &format!("{secure}{chroot}"),
        &kazoo_tls,
        "lock = zk.Lock('/lock', 'py')\nprint(lock.acquire(timeout=10))\nprint(zk.get('/n')[0])\nlock.release()",
    );
    assert_eq!(out, "True\nb'changed'\n");

    // Every failure, with its error and its C code, promptly: one host that fails on TLS ends
    // a session that never connected.
    let cases: Vec<(&str, ClientOptions, &str, TlsFailure, zk_error)> = vec![
        (
            "no client certificate",
            options(tls(&cluster, None)),
            &secure,
            TlsFailure::ClientCertificateRequired,
            zk_error::ZK_ETLSCLIENTCERT,
        ),
        (
            "a certificate of another CA",
            options(tls(&cluster, Some("stranger"))),
            &secure,
            TlsFailure::ClientCertificateRejected,
            zk_error::ZK_ETLSCLIENTCERT,
        ),
        (
            "trusting another CA",
            options(TlsOptions {
                ca: Some(Pem::File(cluster.tls_file("other-ca.pem"))),
                ..tls(&cluster, Some("client1"))
            }),
            &secure,
            TlsFailure::UnknownCa,
            zk_error::ZK_ETLSUNKNOWNCA,
        ),
        (
            "a server name the certificate lacks",
            options(TlsOptions {
                server_name: Some("zookeeper.example.com".into()),
                ..tls(&cluster, Some("client1"))
            }),
            &secure,
            TlsFailure::HostnameMismatch,
            zk_error::ZK_ETLSHOSTNAME,
        ),
        (
            "TLS to the plain port",
            options(tls(&cluster, Some("client1"))),
            &cluster.hosts,
            TlsFailure::NotTls,
            zk_error::ZK_ENOTTLS,
        ),
    ];
    for (case, options, hosts, want, code) in cases {
        let (error, took) = start_error(hosts, options);
        assert_eq!(tls_failure(&error), want, "{case}: {error}");
        assert_eq!(zk_error::from_error(&error), code, "{case}");
        assert!(took < Duration::from_secs(10), "{case}: took {took:?}");
        let text = error.to_string();
        eprintln!("{case}: {text} ({took:?})");
        assert!(text.contains("TLS with 127.0.0.1:"), "{case}: {text}");
        assert!(!text.contains("PRIVATE KEY"), "{case}: {text}");
    }

    // Without hostname verification, the wrong name is accepted (the chain still is checked);
    // "localhost" (the certificate's DNS name) works for an IP host.
    for options in [
        TlsOptions {
            server_name: Some("zookeeper.example.com".into()),
            verify_hostname: false,
            ..tls(&cluster, Some("client1"))
        },
        TlsOptions {
            server_name: Some("localhost".into()),
            ..tls(&cluster, Some("client1"))
        },
    ] {
        connect(&secure, &chroot, options).stop().unwrap();
    }
    // A host named as the certificate names it.
    let localhost = secure.replace("127.0.0.1", "localhost");
    connect(&localhost, &chroot, tls(&cluster, Some("client1")))
        .stop()
        .unwrap();

    // Plain text to the TLS port: the server never answers a handshake. start() times out
    // and says the server closed the connection or never answered; it does not hang.
    let plain = Client::new(
        &secure,
        ClientOptions {
            session_timeout: Duration::from_secs(4),
            ..ClientOptions::default()
        },
    )
    .unwrap();
    let began = Instant::now();
    let error = plain.start(Duration::from_secs(5)).unwrap_err();
    assert!(matches!(error, Error::Timeout(_)), "{error}");
    // The message says what the last attempt met, and suggests TLS.
    assert!(error.to_string().contains("configure TLS"), "{error}");
    eprintln!("plain text to the TLS port: {error}");
    assert!(began.elapsed() < Duration::from_secs(10));

    // Bad files are refused when the options are checked, naming the file, never the key.
    let missing = ClientOptions {
        tls: Some(TlsOptions {
            ca: Some(Pem::File("/nonexistent/ca.pem".into())),
            ..TlsOptions::default()
        }),
        ..ClientOptions::default()
    };
    let refused = Client::new(&secure, missing).err().unwrap();
    assert!(matches!(refused, Error::InvalidArgument(_)), "{refused}");
    assert!(
        refused.to_string().contains("/nonexistent/ca.pem"),
        "{refused}"
    );
    let key_text = std::fs::read_to_string(cluster.tls_file("client1.key")).unwrap();
    let garbled = ClientOptions {
        tls: Some(TlsOptions {
            client_certificate: Some((
                Pem::File(cluster.tls_file("client1.pem")),
                Pem::Memory(Secret::new(
                    key_text.replace("PRIVATE KEY", "SECRET").into_bytes(),
                )),
            )),
            ..tls(&cluster, None)
        }),
        ..ClientOptions::default()
    };
    let refused = Client::new(&secure, garbled).err().unwrap();
    let printed = format!("{refused} {refused:?}");
    assert!(printed.contains("client key"), "{printed}");
    let body_line = key_text.lines().nth(1).unwrap();
    assert!(!printed.contains(body_line), "the key leaked: {printed}");
    // A certificate with another certificate's key.
    let mismatched = ClientOptions {
        tls: Some(TlsOptions {
            client_certificate: Some((
                Pem::File(cluster.tls_file("client1.pem")),
                Pem::File(cluster.tls_file("client3.key")),
            )),
            ..tls(&cluster, None)
        }),
        ..ClientOptions::default()
    };
    let refused = Client::new(&secure, mismatched).err().unwrap();
    assert!(
        refused.to_string().contains("do not belong together"),
        "{refused}"
    );
    // And the options themselves never print a key kept in memory.
    let in_memory = TlsOptions {
        client_certificate: Some((
            pem(&cluster.tls_file("client1.pem")),
            pem(&cluster.tls_file("client1.key")),
        )),
        ..tls(&cluster, None)
    };
    let printed = format!("{in_memory:?}");
    assert!(!printed.contains(body_line), "{printed}");

    zk.stop().unwrap();
}

#[test]
fn an_expired_server_certificate_is_refused_with_its_own_error() {
    let cluster = Cluster::start_with(
        "tls-expired",
        1,
        2000,
        &["--tls", "none", "--tls-server-cert", "expired"],
    );
    let (error, _) = start_error(&cluster.secure_hosts(), options(tls(&cluster, None)));
    assert_eq!(
        tls_failure(&error),
        TlsFailure::CertificateExpired,
        "{error}"
    );
    assert_eq!(zk_error::from_error(&error), zk_error::ZK_ETLSEXPIRED);
    // The listeners heard AUTH_FAILED: the session is over, not retried for ever.
    let client = Client::new(&cluster.secure_hosts(), options(tls(&cluster, None))).unwrap();
    let mut states = StateRecorder::attach(&client);
    assert!(client.start(EVENT_TIMEOUT).is_err());
    states.wait_for(KeeperState::AuthFailed, EVENT_TIMEOUT);
    assert!(!client.session_info().running);
}

#[test]
fn a_tls_ensemble_keeps_the_session_when_its_leader_is_killed() {
    let cluster = Cluster::start_with("tls-ensemble", 3, 2000, &["--tls", "want"]);
    let leader = cluster.leader().expect("a leader");
    // The leader first, and not shuffled: the client is on the leader when it dies, and has
    // to fail over to the others, over TLS.
    let mut ids = vec![leader];
    ids.extend((1..=3).filter(|id| *id != leader));
    let secure = ids
        .iter()
        .map(|id| format!("127.0.0.1:{}", cluster.secure_port(*id)))
        .collect::<Vec<_>>()
        .join(",");
    let chroot = unique_chroot("tls-ensemble");
    let zk = common::connect(
        &secure,
        &chroot,
        ClientOptions {
            session_timeout: Duration::from_secs(20),
            randomize_hosts: false,
            ..options(tls(&cluster, Some("client1")))
        },
    );
    let on = zk.session_info().server.expect("connected").port;
    assert_eq!(on, cluster.secure_port(leader), "on the leader");
    let session = zk.session_info().session_id;
    let lock = Lock::new(&zk, "/lock", "rust");
    assert!(lock.acquire(None).unwrap());
    zk.create("/before", b"1", &CreateOptions::default())
        .wait()
        .unwrap();

    let mut states = StateRecorder::attach(&zk);
    cluster.kill_server(leader);
    states.wait_for(KeeperState::Disconnected, EVENT_TIMEOUT);
    // Moves to another server (over TLS) if it was on the leader; either way the ensemble
    // elects a new leader and the session carries on.
    let done = zk.retry(|| match zk.set("/before", b"2", -1).wait() {
        Ok(_) => Ok(()),
        Err(e) => Err(e),
    });
    done.expect("a write after the leader's death");
    states.wait_for(KeeperState::SyncConnected, EVENT_TIMEOUT);
    let now_on = zk.session_info().server.expect("connected").port;
    assert_ne!(
        now_on,
        cluster.secure_port(leader),
        "moved to another server"
    );
    assert_eq!(zk.session_info().session_id, session, "the same session");
    assert!(lock.is_acquired());
    assert_eq!(common::data(&zk, "/before"), b"2");
    cluster.start_server_serving(leader);
    lock.release().unwrap();
    zk.stop().unwrap();
}

#[test]
fn a_tls_session_goes_read_only_and_back_and_its_probes_speak_tls() {
    let cluster = Cluster::start_with(
        "tls-read-only",
        3,
        500,
        &["--tls", "want", "--local-sessions"],
    );
    let secure = cluster.secure_hosts();
    let chroot = unique_chroot("tls-read-only");
    let zk = common::connect(
        &secure,
        &chroot,
        ClientOptions {
            can_be_read_only: true,
            session_timeout: Duration::from_secs(10),
            ..options(tls(&cluster, Some("client1")))
        },
    );
    zk.create("/data", b"before", &CreateOptions::default())
        .wait()
        .unwrap();
    let mut states = StateRecorder::attach(&zk);
    cluster.stop_server(2);
    cluster.stop_server(3);
    states.wait_for(KeeperState::ConnectedReadOnly, EVENT_TIMEOUT * 2);
    // The probe for a read-write server is `isro` over TLS: the connected server answers it
    // over TLS too.
    let retry = zkclient::RetryPolicy {
        max_tries: None,
        deadline: Some(EVENT_TIMEOUT),
        ..Default::default()
    };
    let answer = retry.run(|| zk.four_letter_word("isro").wait()).unwrap();
    assert_eq!(answer.trim(), "ro");
    assert_eq!(retry.run(|| zk.get("/data").wait()).unwrap().0, b"before");

    cluster.start_server(2);
    cluster.start_server(3);
    states.wait_for(KeeperState::SyncConnected, EVENT_TIMEOUT * 2);
    retry.run(|| zk.set("/data", b"after", -1).wait()).unwrap();
    assert_eq!(zk.four_letter_word("isro").wait().unwrap().trim(), "rw");
    zk.stop().unwrap();
}
