//! No secret and no node data in any log line: a capturing `log` logger at trace level sees a
//! client with a digest credential connect, create a node with recognisable data, lose its
//! connection, have its session resumed by another client with the session password, come back
//! to find the session expired, plus a session whose credential is refused. No captured line
//! may hold the credentials, the session password (as hex or as a Debug list) or the data.
//! Its own test binary: the logger is process-wide. It also shows that `zk_set_log_callback`
//! refuses to take over from a Rust program's own logger.

mod common;

use std::sync::Mutex;
use std::time::Duration;

use common::{shared_hosts, unique_chroot, Proxy, StateRecorder, EVENT_TIMEOUT};
use zkclient::ffi::{zk_error, zk_log_level, zk_set_log_callback};
use zkclient::recipe::lock::Lock;
use zkclient::{Client, ClientOptions, CreateMode, CreateOptions, KeeperState, Wait};

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        let line = format!("{} {} {}", record.level(), record.target(), record.args());
        LINES.lock().unwrap_or_else(|p| p.into_inner()).push(line);
    }
    fn flush(&self) {}
}

static CAPTURE: Capture = Capture;

const PASSWORD: &str = "Pa55w0rd-SECRET";
const CREDENTIAL: &str = "logger:Pa55w0rd-SECRET";
const WRONG: &str = "WrongCredential-SECRET";
const DATA: &str = "RECOGNISABLE-DATA-7f3a";
const DATA_2: &str = "SECOND-DATA-c41d";

fn with_auth(credential: &str) -> ClientOptions {
    ClientOptions {
        session_timeout: Duration::from_secs(6),
        auth: vec![("digest".into(), credential.as_bytes().to_vec().into())],
        ..ClientOptions::default()
    }
}

#[test]
fn no_log_line_holds_a_secret_or_node_data() {
    log::set_logger(&CAPTURE).unwrap();
    log::set_max_level(log::LevelFilter::Trace);

    // A Rust program's own logger is kept: the C hook refuses to take over.
    // SAFETY: no callback, nothing to free.
    let code = unsafe {
        extern "C" fn ignore(
            _: zk_log_level,
            _: *const std::ffi::c_char,
            _: *const std::ffi::c_char,
            _: *mut std::ffi::c_void,
        ) {
        }
        zk_set_log_callback(
            zk_log_level::ZK_LOG_INFO as i32,
            Some(ignore),
            std::ptr::null_mut(),
            None,
        )
    };
    assert_eq!(code, zk_error::ZK_EINVAL);
    assert!(
        common::last_message().contains("another logger"),
        "{}",
        common::last_message()
    );
    assert_eq!(log::max_level(), log::LevelFilter::Trace);

    let proxy = Proxy::start(&shared_hosts());
    let chroot = unique_chroot("log-secrets");
    let zk = common::connect(&proxy.hosts(), &chroot, with_auth(CREDENTIAL));
    let mut states = StateRecorder::attach(&zk);
    let info = zk.session_info();
    let session_password = info.password.expose().to_vec();
    assert_eq!(session_password.len(), 16);

    zk.create("/node", DATA.as_bytes(), &CreateOptions::default())
        .wait()
        .unwrap();
    let ephemeral = CreateOptions {
        mode: CreateMode::Ephemeral,
        ..CreateOptions::default()
    };
    zk.create("/mine", DATA.as_bytes(), &ephemeral)
        .wait()
        .unwrap();
    assert_eq!(zk.get("/node").wait().unwrap().0, DATA.as_bytes());
    let lock = Lock::new(&zk, "/lock", DATA);
    assert!(lock.acquire(Some(EVENT_TIMEOUT)).unwrap());
    zk.exists_watch("/node", |_| {}).wait().unwrap();

    // Cut off and back: the session is resumed (with its password) and the watch re-armed.
    proxy.cut();
    states.wait_for(KeeperState::Disconnected, EVENT_TIMEOUT);
    proxy.restore();
    states.wait_for(KeeperState::SyncConnected, EVENT_TIMEOUT);
    assert_eq!(zk.session_info().session_id, info.session_id);

    // Cut off again; another client resumes the session with its password, writes, and closes it.
    proxy.cut();
    states.wait_for(KeeperState::Disconnected, EVENT_TIMEOUT);
    let mut resume = with_auth(CREDENTIAL);
    resume
        .resume_session(info.session_id, &session_password)
        .unwrap();
    let other = Client::new(&format!("{}{chroot}", shared_hosts()), resume).unwrap();
    other.start(EVENT_TIMEOUT).unwrap();
    assert_eq!(other.session_info().session_id, info.session_id);
    other.set("/node", DATA_2.as_bytes(), -1).wait().unwrap();
    assert_eq!(other.get("/node").wait().unwrap().0, DATA_2.as_bytes());
    other.stop().unwrap();

    // Back: the server says the session expired; a new one follows.
    proxy.restore();
    states.wait_for(KeeperState::Expired, EVENT_TIMEOUT);
    states.wait_for(KeeperState::SyncConnected, EVENT_TIMEOUT);
    assert_eq!(zk.get("/node").wait().unwrap().0, DATA_2.as_bytes());
    let _ = lock.release();
    zk.stop().unwrap();

    // A credential the server refuses.
    let refused = Client::new(
        &shared_hosts(),
        ClientOptions {
            auth: vec![("no-such-scheme".into(), WRONG.as_bytes().to_vec().into())],
            ..ClientOptions::default()
        },
    )
    .unwrap();
    assert!(refused.start(EVENT_TIMEOUT).is_err());

    let lines = LINES.lock().unwrap().clone();
    if std::env::var_os("ZK_LOG_DUMP").is_some() {
        lines.iter().for_each(|line| eprintln!("{line}"));
    }
    let hex = |bytes: &[u8], upper: bool| -> String {
        bytes
            .iter()
            .map(|b| {
                if upper {
                    format!("{b:02X}")
                } else {
                    format!("{b:02x}")
                }
            })
            .collect()
    };
    let debug_list = format!("{session_password:?}");
    // The first four bytes as a Debug list would print them ("12, 34, 56, 78").
    let debug_head = debug_list
        .trim_start_matches('[')
        .split(", ")
        .take(4)
        .collect::<Vec<_>>()
        .join(", ");
    let forbidden = [
        PASSWORD.to_string(),
        CREDENTIAL.to_string(),
        WRONG.to_string(),
        DATA.to_string(),
        DATA_2.to_string(),
        hex(&session_password, false),
        hex(&session_password, true),
        hex(&session_password[..8], false),
        debug_list.clone(),
        debug_head,
        format!("{:?}", DATA.as_bytes()),
        format!("{:?}", CREDENTIAL.as_bytes()),
    ];
    for line in &lines {
        for secret in &forbidden {
            assert!(!line.contains(secret.as_str()), "{line:?} holds {secret:?}");
        }
    }
    // And the run did log what it went through.
    let has = |needle: &str| lines.iter().any(|line| line.contains(needle));
    for needle in [
        "connecting to 127.0.0.1:",
        "with session 0x",
        "(resumed)",
        "replaying 1 credential(s)",
        "sent Create xid",
        "reply to GetData xid",
        "lost:",
        "expired (told by",
        "re-arming",
        "lock /lock acquired",
        "authentication failed",
        "-> AuthFailed",
    ] {
        assert!(has(needle), "no line with {needle:?} in {lines:#?}");
    }
}
