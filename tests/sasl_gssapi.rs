//! SASL GSSAPI (Kerberos) against a real MIT KDC and ZooKeeper: `scripts/zk-server.sh
//! --kerberos` runs a KDC for realm ZK.TEST on loopback and a server logged in as
//! zookeeper/localhost@ZK.TEST.
//!
//! MIT's library finds the KDC through `KRB5_CONFIG` only: there is no per-call setting for
//! it. Rather than change this process's environment (setenv while other threads may read it
//! is undefined behaviour in C), each `*_server` test starts its own cluster and KDC and runs
//! the `child_*` tests of this binary in a child process whose environment is set by
//! `Command::env` from the start: `KRB5_CONFIG` of that KDC, `KRB5CCNAME` removed (the default
//! cache is krb5.conf's `default_ccache_name`, DIR/krb5/ccache, where the script's readiness
//! `kinit` left a ticket of client@ZK.TEST). The child tests are `#[ignore]`d so that they run
//! only that way.
#![cfg(feature = "gssapi")]

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Cluster, StateRecorder, EVENT_TIMEOUT};
use zkclient::proto::perms;
use zkclient::{
    Acl, Client, ClientOptions, CreateOptions, Error, ErrorCode, GssapiOptions, Id, KeeperState,
    SaslOptions, Wait,
};

/// The child's environment: the cluster's client port and its DIR/krb5.
const PORT_VAR: &str = "ZKCLIENT_GSSAPI_TEST_PORT";
const KRB5_DIR_VAR: &str = "ZKCLIENT_GSSAPI_TEST_KRB5_DIR";

/// Runs the ignored tests of this binary whose names contain `filter` in a child process
/// with `cluster`'s Kerberos environment, and checks that `expected` of them ran and passed.
fn run_children(cluster: &Cluster, filter: &str, expected: usize) {
    let exe = std::env::current_exe().expect("the test binary");
    let output = Command::new(exe)
        .args([filter, "--ignored", "--nocapture", "--test-threads=4"])
        .env("KRB5_CONFIG", cluster.krb5_file("krb5.conf"))
        .env_remove("KRB5CCNAME")
        .env(PORT_VAR, cluster.port(1).to_string())
        .env(KRB5_DIR_VAR, cluster.dir().join("krb5"))
        .output()
        .expect("the child test process runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("--- child `{filter}` stdout:\n{stdout}\n--- child stderr:\n{stderr}");
    assert!(output.status.success(), "the child tests `{filter}` failed");
    let summary = format!("test result: ok. {expected} passed");
    assert!(
        stdout.contains(&summary),
        "expected `{summary}` from the child `{filter}`"
    );
}

#[test]
fn plain_server() {
    let cluster = Cluster::start_with("gssapi", 1, 2000, &["--kerberos"]);
    run_children(&cluster, "child_plain_", 9);
}

#[test]
fn server_requiring_sasl() {
    let cluster = Cluster::start_with("gssapi-req", 1, 2000, &["--kerberos", "--require-sasl"]);
    run_children(&cluster, "child_required_", 2);
}

// ---------------------------------------------------------------------------------------
// The child side
// ---------------------------------------------------------------------------------------

/// `localhost:PORT` of the parent's cluster: the service principal is zookeeper/localhost.
fn hosts() -> String {
    let port = std::env::var(PORT_VAR).unwrap_or_else(|_| {
        panic!("{PORT_VAR} is not set: child_* tests are run by plain_server and server_requiring_sasl")
    });
    format!("localhost:{port}")
}

fn krb5_file(name: &str) -> PathBuf {
    let dir = std::env::var(KRB5_DIR_VAR).unwrap_or_else(|_| panic!("{KRB5_DIR_VAR} is not set"));
    PathBuf::from(dir).join(name)
}

fn gssapi(options: GssapiOptions) -> ClientOptions {
    ClientOptions {
        sasl: Some(SaslOptions::Gssapi(options)),
        ..ClientOptions::default()
    }
}

fn keytab_options(user: &str) -> ClientOptions {
    gssapi(GssapiOptions {
        principal: Some(format!("{user}@ZK.TEST")),
        keytab: Some(krb5_file(&format!("{user}.keytab"))),
        ..GssapiOptions::default()
    })
}

fn started(options: ClientOptions) -> Client {
    let zk = Client::new(&hosts(), options).expect("connect string");
    zk.start(EVENT_TIMEOUT)
        .expect("the Kerberos client connects");
    zk
}

fn unique(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("/gssapi-{name}-{}-{nanos}", std::process::id())
}

fn sasl_acl(principal: &str) -> Vec<Acl> {
    vec![Acl {
        perms: perms::ALL,
        id: Id {
            scheme: "sasl".to_string(),
            id: principal.to_string(),
        },
    }]
}

/// The session's sasl identities, from whoAmI.
fn sasl_ids(zk: &Client) -> Vec<String> {
    zk.who_am_i()
        .wait()
        .unwrap()
        .into_iter()
        .filter(|info| info.auth_scheme == "sasl")
        .map(|info| info.user)
        .collect()
}

/// Creates a node readable only by `principal`, reads it and its ACL back, and checks
/// whoAmI.
fn create_and_read_as(zk: &Client, principal: &str, name: &str) {
    let path = unique(name);
    let options = CreateOptions {
        acl: Some(sasl_acl(principal)),
        ..CreateOptions::default()
    };
    zk.create(&path, b"kerberos data", &options).wait().unwrap();
    assert_eq!(zk.get(&path).wait().unwrap().0, b"kerberos data");
    assert_eq!(zk.get_acl(&path).wait().unwrap().0, sasl_acl(principal));
    assert_eq!(sasl_ids(zk), vec![principal.to_string()]);
    zk.delete(&path, -1).wait().unwrap();
}

/// `kinit -kt DIR/krb5/USER.keytab USER@ZK.TEST` into a fresh cache file; the environment
/// of the kinit process only says where the configuration and the cache are.
fn kinit(user: &str) -> (tempdir::Dir, String) {
    let dir = tempdir::Dir::new(user);
    let cache = format!("FILE:{}", dir.0.join("ccache").display());
    let status = Command::new("kinit")
        .arg("-kt")
        .arg(krb5_file(&format!("{user}.keytab")))
        .arg(format!("{user}@ZK.TEST"))
        .env("KRB5_CONFIG", krb5_file("krb5.conf"))
        .env("KRB5CCNAME", &cache)
        .status()
        .expect("kinit runs");
    assert!(status.success(), "kinit of {user} failed");
    (dir, cache)
}

mod tempdir {
    use std::path::PathBuf;

    /// A scratch directory, removed on drop.
    pub struct Dir(pub PathBuf);

    impl Dir {
        pub fn new(name: &str) -> Dir {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos();
            let path = std::env::temp_dir().join(format!(
                "zkclient-gssapi-{name}-{}-{nanos}",
                std::process::id()
            ));
            std::fs::create_dir_all(&path).unwrap();
            Dir(path)
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// How many times the KDC log mentions `text`.
fn kdc_log_count(text: &str) -> usize {
    std::fs::read_to_string(krb5_file("kdc.log"))
        .unwrap_or_default()
        .matches(text)
        .count()
}

/// Starting `options` fails with SaslFailed (AUTH_FAILED) within a few seconds, the listener
/// sees AUTH_FAILED; the reason is returned.
fn start_fails(options: ClientOptions) -> String {
    let zk = Client::new(&hosts(), options).expect("connect string");
    let mut states = StateRecorder::attach(&zk);
    let began = Instant::now();
    let result = zk.start(EVENT_TIMEOUT);
    let took = began.elapsed();
    let reason = match result {
        Err(Error::SaslFailed { mechanism, reason }) => {
            assert_eq!(mechanism, "GSSAPI");
            reason
        }
        other => panic!("expected SaslFailed, got {other:?}"),
    };
    assert!(took < Duration::from_secs(10), "start took {took:?}");
    states.wait_for(KeeperState::AuthFailed, EVENT_TIMEOUT);
    assert!(!reason.is_empty());
    reason
}

#[test]
#[ignore = "run by plain_server"]
fn child_plain_keytab() {
    let zk = started(keytab_options("client"));
    create_and_read_as(&zk, "client@ZK.TEST", "keytab");
    zk.stop().unwrap();
}

/// A zkclient lock and a kazoo lock (kazoo's GSSAPI, through MIT's library too) exclude each
/// other on the same Kerberos server; kazoo reads a node only client@ZK.TEST may read.
#[test]
#[ignore = "run by plain_server"]
fn child_plain_kazoo_lock_excludes_a_zkclient_lock() {
    let zk = started(keytab_options("client"));
    let root = unique("kazoo");
    zk.create(
        &root,
        b"for client",
        &CreateOptions {
            acl: Some(sasl_acl("client@ZK.TEST")),
            ..CreateOptions::default()
        },
    )
    .wait()
    .unwrap();
    let lock = zkclient::recipe::lock::Lock::new(&zk, &format!("{root}-lock"), "rust");
    assert!(lock.acquire(None).unwrap());
    let kazoo_args = "sasl_options={'mechanism': 'GSSAPI', 'service': 'zookeeper'}";
    let snippet = format!(
        "print(zk.get({root:?})[0])\nlock = zk.Lock('{root}-lock', 'py')\nprint(lock.contenders())\nprint(lock.acquire(blocking=False))"
    );
    let out = common::kazoo_gssapi(&hosts(), kazoo_args, &snippet);
    assert_eq!(out, "b'for client'\n['rust']\nFalse\n");
    lock.release().unwrap();
    let snippet = format!(
        "lock = zk.Lock('{root}-lock', 'py')\nprint(lock.acquire(timeout=10))\nlock.release()"
    );
    assert_eq!(
        common::kazoo_gssapi(&hosts(), kazoo_args, &snippet),
        "True\n"
    );
    zk.stop().unwrap();
}

/// client2 has no ticket in the default cache: only its keytab can have given the session.
#[test]
#[ignore = "run by plain_server"]
fn child_plain_keytab_of_another_principal() {
    let zk = started(keytab_options("client2"));
    create_and_read_as(&zk, "client2@ZK.TEST", "keytab2");
    // A node only client@ZK.TEST may read is closed to client2.
    let path = unique("not-for-client2");
    let options = CreateOptions {
        acl: Some(sasl_acl("client@ZK.TEST")),
        ..CreateOptions::default()
    };
    zk.create(&path, b"x", &options).wait().unwrap();
    match zk.get(&path).wait() {
        Err(e) if e.is(ErrorCode::NO_AUTH) => {}
        other => panic!("client2 read client's node: {other:?}"),
    }
    zk.stop().unwrap();
    let owner = started(keytab_options("client"));
    owner.delete(&path, -1).wait().unwrap();
    owner.stop().unwrap();
}

/// A keytab without a principal: its (first) principal.
#[test]
#[ignore = "run by plain_server"]
fn child_plain_keytab_without_principal() {
    let zk = started(gssapi(GssapiOptions {
        keytab: Some(krb5_file("client2.keytab")),
        ..GssapiOptions::default()
    }));
    assert_eq!(sasl_ids(&zk), vec!["client2@ZK.TEST".to_string()]);
    zk.stop().unwrap();
}

#[test]
#[ignore = "run by plain_server"]
fn child_plain_credential_cache() {
    let (_dir, cache) = kinit("client");
    let zk = started(gssapi(GssapiOptions {
        credential_cache: Some(cache.clone()),
        ..GssapiOptions::default()
    }));
    create_and_read_as(&zk, "client@ZK.TEST", "ccache");
    zk.stop().unwrap();
    // With the principal named too.
    let zk = started(gssapi(GssapiOptions {
        credential_cache: Some(cache),
        principal: Some("client@ZK.TEST".to_string()),
        ..GssapiOptions::default()
    }));
    assert_eq!(sasl_ids(&zk), vec!["client@ZK.TEST".to_string()]);
    zk.stop().unwrap();
}

/// The cache given is the one used: client2's ticket is only there.
#[test]
#[ignore = "run by plain_server"]
fn child_plain_credential_cache_of_another_principal() {
    let (_dir, cache) = kinit("client2");
    let zk = started(gssapi(GssapiOptions {
        credential_cache: Some(cache),
        ..GssapiOptions::default()
    }));
    assert_eq!(sasl_ids(&zk), vec!["client2@ZK.TEST".to_string()]);
    zk.stop().unwrap();
}

/// No keytab, no cache: the default cache (krb5.conf's default_ccache_name).
#[test]
#[ignore = "run by plain_server"]
fn child_plain_default_cache() {
    let zk = started(gssapi(GssapiOptions::default()));
    create_and_read_as(&zk, "client@ZK.TEST", "default-cache");
    zk.stop().unwrap();
}

#[test]
#[ignore = "run by plain_server"]
fn child_plain_wrong_service_host() {
    let asked = "zookeeper/nosuchhost@ZK.TEST";
    let before = kdc_log_count(asked);
    let reason = start_fails(keytab_options("client").with_service_host("nosuchhost"));
    println!("wrong service host: {reason}");
    assert!(
        reason.contains("not found in Kerberos database"),
        "{reason}"
    );
    assert!(reason.contains("zookeeper@nosuchhost"), "{reason}");
    assert_eq!(
        Error::SaslFailed {
            mechanism: "GSSAPI",
            reason: reason.clone()
        }
        .keeper_code(),
        Some(ErrorCode::AUTH_FAILED)
    );
    // One attempt, not a loop: one gss_init_sec_context, whose TGS request MIT sends twice
    // (with the referral realm, then with ZK.TEST: two TGS_REQ lines in the same second).
    std::thread::sleep(Duration::from_secs(2));
    let asked_times = kdc_log_count(asked) - before;
    println!("the KDC was asked {asked_times} time(s) for {asked}");
    assert!(
        (1..=2).contains(&asked_times),
        "the KDC was asked {asked_times} times for {asked}"
    );
}

#[test]
#[ignore = "run by plain_server"]
fn child_plain_missing_keytab() {
    let reason = start_fails(gssapi(GssapiOptions {
        principal: Some("client@ZK.TEST".to_string()),
        keytab: Some(krb5_file("no-such.keytab")),
        ..GssapiOptions::default()
    }));
    println!("missing keytab: {reason}");
    assert!(reason.contains("client@ZK.TEST"), "{reason}");
    assert!(reason.contains("no-such.keytab"), "{reason}");
}

#[test]
#[ignore = "run by server_requiring_sasl"]
fn child_required_kerberos_client_works() {
    let zk = started(keytab_options("client"));
    create_and_read_as(&zk, "client@ZK.TEST", "required");
    // The session keeps working past its first pings.
    std::thread::sleep(Duration::from_secs(3));
    assert!(zk.exists("/").wait().unwrap().is_some());
    zk.stop().unwrap();
}

#[test]
#[ignore = "run by server_requiring_sasl"]
fn child_required_unauthenticated_client_is_refused() {
    let zk = Client::new(&hosts(), ClientOptions::default()).expect("connect string");
    match zk.start(EVENT_TIMEOUT) {
        Err(Error::SaslRequired) => {}
        other => panic!("expected SaslRequired, got {other:?}"),
    }
}

trait WithServiceHost {
    fn with_service_host(self, host: &str) -> Self;
}

impl WithServiceHost for ClientOptions {
    fn with_service_host(mut self, host: &str) -> Self {
        if let Some(SaslOptions::Gssapi(options)) = &mut self.sasl {
            options.service_host = Some(host.to_string());
        }
        self
    }
}
