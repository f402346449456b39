//! Helpers shared by the integration tests: the shared server, private clusters started
//! through `scripts/zk-server.sh`, unique chroots, and event recorders that wait on events
//! instead of sleeping.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use zkclient::{Client, ClientOptions, KeeperState, State, Wait};

mod proxy;
#[allow(unused_imports)] // each test binary uses some of the helpers
pub use proxy::{BehindProxy, Proxy};

/// How long any single expected event may take before a test fails.
pub const EVENT_TIMEOUT: Duration = Duration::from_secs(30);

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The connect string of the shared standalone server that `make test` starts. Fails loudly
/// when it is not set: tests never pass without a server.
pub fn shared_hosts() -> String {
    match std::env::var("ZK_TEST_HOSTS") {
        Ok(hosts) if !hosts.trim().is_empty() => hosts.trim().to_string(),
        _ => panic!(
            "ZK_TEST_HOSTS is not set. These tests need a real ZooKeeper: run `make test`, or \
             `scripts/zk-server.sh start /tmp/zk && export ZK_TEST_HOSTS=$(cat /tmp/zk/hosts)`"
        ),
    }
}

/// A chroot no other test (or earlier run) uses: `/zkclient-tests/<name>-<pid>-<n>-<nanos>`.
pub fn unique_chroot(name: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "/zkclient-tests/{name}-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Options with a short session timeout, for tests that wait on expiry or reconnects.
pub fn options(session_timeout: Duration) -> ClientOptions {
    ClientOptions {
        session_timeout,
        ..ClientOptions::default()
    }
}

/// A started client on `hosts` + `chroot`, the chroot created.
pub fn connect(hosts: &str, chroot: &str, options: ClientOptions) -> Client {
    let root = Client::new(hosts, options.clone()).expect("connect string");
    root.start(EVENT_TIMEOUT).expect("root client connects");
    root.ensure_path(chroot, None)
        .wait()
        .expect("chroot created");
    root.stop().unwrap();
    let client = Client::new(&format!("{hosts}{chroot}"), options).expect("connect string");
    client.start(EVENT_TIMEOUT).expect("client connects");
    client
}

/// A client on the shared server under its own fresh chroot.
pub fn shared_client(name: &str) -> Client {
    connect(
        &shared_hosts(),
        &unique_chroot(name),
        ClientOptions::default(),
    )
}

/// `count` clients on the shared server under one fresh chroot, and the connect string (with
/// the chroot) for kazoo.
pub fn shared_clients(name: &str, count: usize) -> (String, Vec<Client>) {
    let hosts = shared_hosts();
    let chroot = unique_chroot(name);
    let clients = (0..count)
        .map(|_| connect(&hosts, &chroot, ClientOptions::default()))
        .collect();
    (format!("{hosts}{chroot}"), clients)
}

/// The data of `path`.
pub fn data(zk: &Client, path: &str) -> Vec<u8> {
    zk.get(path).wait().unwrap().0
}

/// Records every state change a client's listener sees, for tests to wait on.
pub struct StateRecorder {
    events: Receiver<(State, KeeperState)>,
    pub seen: Vec<(State, KeeperState)>,
}

impl StateRecorder {
    pub fn attach(client: &Client) -> StateRecorder {
        let (tx, rx) = channel();
        client.add_listener(move |state, keeper| {
            let _ = tx.send((state, keeper));
        });
        StateRecorder {
            events: rx,
            seen: Vec::new(),
        }
    }

    /// Takes every change reported so far into `seen`, without waiting.
    pub fn drain(&mut self) {
        while let Ok(event) = self.events.try_recv() {
            self.seen.push(event);
        }
    }

    /// Waits until the listener reports `want`; panics with what was seen otherwise.
    pub fn wait_for(&mut self, want: KeeperState, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok(event) => {
                    self.seen.push(event);
                    if event.1 == want {
                        return;
                    }
                }
                Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => {
                    panic!(
                        "no {want:?} within {timeout:?}; listener saw {:?}",
                        self.seen
                    )
                }
            }
        }
    }
}

/// A private standalone server or 3-node ensemble, started through the project's script and
/// stopped (with its data removed) when dropped.
pub struct Cluster {
    dir: PathBuf,
    /// The connect string of the servers `start` started (with `--members M`: 1..M).
    pub hosts: String,
    /// How many servers are configured, spares included (`--servers N`).
    servers: usize,
}

/// The last line of `scripts/zk-server.sh ARGS`'s stdout; panics if it fails.
fn script(args: &[&str]) -> String {
    script_output(args)
        .trim()
        .lines()
        .last()
        .unwrap_or("")
        .to_string()
}

/// All of `scripts/zk-server.sh ARGS`'s stdout; panics with its output if it fails.
fn script_output(args: &[&str]) -> String {
    let output = Command::new(repo_root().join("scripts/zk-server.sh"))
        .args(args)
        .output()
        .expect("scripts/zk-server.sh runs");
    if !output.status.success() {
        panic!(
            "scripts/zk-server.sh {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    String::from_utf8_lossy(&output.stdout).into_owned()
}

impl Cluster {
    /// Starts `servers` (1 or 3) servers with tickTime `tick_ms` and waits until they serve.
    pub fn start(name: &str, servers: usize, tick_ms: u32) -> Cluster {
        Self::start_with(name, servers, tick_ms, &[])
    }

    /// As [`Cluster::start`], with more options of `scripts/zk-server.sh start`.
    pub fn start_with(name: &str, servers: usize, tick_ms: u32, extra: &[&str]) -> Cluster {
        let base = std::env::var("ZK_TEST_STATE_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|_| std::env::temp_dir());
        let dir = base.join(format!(
            "zkclient-{name}-{}-{}",
            std::process::id(),
            unique_chroot("").replace('/', "_")
        ));
        let (count, tick) = (servers.to_string(), tick_ms.to_string());
        let mut args = vec![
            "start",
            path_str(&dir),
            "--servers",
            &count,
            "--tick-time",
            &tick,
        ];
        args.extend_from_slice(extra);
        let hosts = script(&args);
        Cluster {
            dir,
            hosts,
            servers,
        }
    }

    pub fn stop_server(&self, id: usize) {
        script(&["stop-one", path_str(&self.dir), &id.to_string()]);
    }

    pub fn start_server(&self, id: usize) {
        script(&["start-one", path_str(&self.dir), &id.to_string()]);
    }

    /// The client port of server `id` (1-based).
    pub fn port(&self, id: usize) -> u16 {
        script(&["port", path_str(&self.dir), &id.to_string()])
            .parse()
            .expect("a port number")
    }

    /// The state directory of this cluster (`scripts/zk-server.sh`'s DIR).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The connect string of the servers' TLS ports (`127.0.0.1:P1,...` in server-id order),
    /// read from DIR/secure-hosts; the cluster must have been started with `--tls MODE`.
    pub fn secure_hosts(&self) -> String {
        let file = self.dir.join("secure-hosts");
        std::fs::read_to_string(&file)
            .unwrap_or_else(|e| {
                panic!(
                    "{} (was the cluster started with --tls?): {e}",
                    file.display()
                )
            })
            .trim()
            .to_string()
    }

    /// DIR/tls/`name`, one of the files `--tls` makes (`ca.pem`, `other-ca.pem`,
    /// `client1.pem`/`.key` (PKCS#8 RSA), `client2` (SEC1 EC), `client3` (PKCS#1 RSA),
    /// `stranger` (signed by other-ca), `expired.pem`, `server.pem`, ...: see
    /// `scripts/zk-server.sh --help`). Panics if it does not exist.
    pub fn tls_file(&self, name: &str) -> PathBuf {
        let file = self.dir.join("tls").join(name);
        assert!(
            file.exists(),
            "{} does not exist (was the cluster started with --tls?)",
            file.display()
        );
        file
    }

    /// The environment a Kerberos client needs (`KRB5_CONFIG`, `KRB5CCNAME`), parsed from
    /// DIR/krb5/env; the cluster must have been started with `--kerberos`. The ticket cache
    /// already holds a ticket of `client@ZK.TEST` (the script's readiness check).
    pub fn krb5_env(&self) -> Vec<(String, String)> {
        let file = self.krb5_file("env");
        std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
            .lines()
            .filter_map(|line| line.split_once('='))
            .map(|(key, value)| (key.trim().to_string(), value.trim().to_string()))
            .collect()
    }

    /// DIR/krb5/`name`, one of the files `--kerberos` makes (`krb5.conf`, `client.keytab`,
    /// `client2.keytab`, `zookeeper.keytab`, `ccache`, `kdc.log`, `env`, ...). Panics if it
    /// does not exist.
    pub fn krb5_file(&self, name: &str) -> PathBuf {
        let file = self.dir.join("krb5").join(name);
        assert!(
            file.exists(),
            "{} does not exist (was the cluster started with --kerberos?)",
            file.display()
        );
        file
    }

    /// The secure client port of server `id` (1-based); the cluster was started with `--tls`.
    pub fn secure_port(&self, id: usize) -> u16 {
        script(&["secure-port", path_str(&self.dir), &id.to_string()])
            .parse()
            .expect("a port number")
    }

    /// The id of the server listening on `port` (spare servers included).
    pub fn server_with_port(&self, port: u16) -> usize {
        (1..=self.servers)
            .find(|id| self.port(*id) == port)
            .expect("a server of this cluster has that port")
    }
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(repo_root().join("scripts/zk-server.sh"))
            .args(["cleanup", path_str(&self.dir)])
            .output();
    }
}

/// Runs a Python snippet with kazoo 2.11 (installed by `scripts/kazoo-venv.sh` into .venv/) and
/// returns its standard output. The snippet gets `HOSTS` (the connect string, chroot
/// included) as a global and a started `zk = KazooClient(HOSTS)`; it is stopped afterwards.
/// Fails loudly when Python or kazoo are missing: interop tests never pass without kazoo.
pub fn kazoo(hosts: &str, snippet: &str) -> String {
    kazoo_with(hosts, "", snippet)
}

/// As [`kazoo`], with more keyword arguments for `KazooClient(hosts=HOSTS, ...)` (Python
/// source, e.g. `use_ssl=True, ca="/path/ca.pem"`).
pub fn kazoo_with(hosts: &str, client_args: &str, snippet: &str) -> String {
    kazoo_in(&[], hosts, client_args, snippet)
}

/// As [`kazoo_with`], with the Python of `scripts/kazoo-venv.sh --gssapi` (Debian's python3
/// with python3-kerberos: kazoo's SASL GSSAPI), in this process's environment (KRB5_CONFIG).
pub fn kazoo_gssapi(hosts: &str, client_args: &str, snippet: &str) -> String {
    kazoo_in(&["--gssapi"], hosts, client_args, snippet)
}

fn kazoo_in(venv_args: &[&str], hosts: &str, client_args: &str, snippet: &str) -> String {
    let setup = Command::new(repo_root().join("scripts/kazoo-venv.sh"))
        .args(venv_args)
        .output()
        .expect("kazoo-venv.sh runs");
    assert!(
        setup.status.success(),
        "kazoo-venv.sh failed: {}",
        String::from_utf8_lossy(&setup.stderr)
    );
    let python = String::from_utf8_lossy(&setup.stdout).trim().to_string();
    let program = format!(
        "import sys, logging\nlogging.basicConfig(level=logging.ERROR)\nfrom kazoo.client import KazooClient\n\
         HOSTS = {hosts:?}\nzk = KazooClient(hosts=HOSTS{sep}{client_args})\nzk.start(timeout=30)\ntry:\n{}\nfinally:\n    zk.stop()\n    zk.close()\n",
        snippet.lines().map(|line| format!("    {line}")).collect::<Vec<_>>().join("\n"),
        sep = if client_args.is_empty() { "" } else { ", " },
    );
    let output = Command::new(python)
        .arg("-c")
        .arg(&program)
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "kazoo snippet failed:\n{program}\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Waits (on children watches, no polling) until `path` has `count` children.
pub fn wait_for_children(zk: &Client, path: &str, count: usize) {
    let deadline = Instant::now() + EVENT_TIMEOUT;
    loop {
        let (tx, rx) = channel();
        let now = match zk
            .get_children_watch(path, move |_| {
                let _ = tx.send(());
            })
            .wait()
        {
            Ok((children, _, _)) => children.len(),
            Err(error) if error.is(zkclient::ErrorCode::NO_NODE) => {
                let (tx, rx2) = channel();
                let (stat, _) = zk
                    .exists_watch(path, move |_| {
                        let _ = tx.send(());
                    })
                    .wait()
                    .unwrap();
                if stat.is_none() {
                    rx2.recv_timeout(deadline - Instant::now())
                        .expect("the node appears");
                }
                continue;
            }
            Err(error) => panic!("get_children_watch {path}: {error}"),
        };
        if now == count {
            return;
        }
        rx.recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| panic!("{path} never had {count} children (has {now})"));
    }
}

/// Waits (on an exists watch, not by polling) until `path` no longer exists.
pub fn wait_until_gone(zk: &Client, path: &str) {
    let deadline = Instant::now() + EVENT_TIMEOUT;
    loop {
        let (tx, rx) = channel();
        let (stat, _) = zk
            .exists_watch(path, move |_| {
                let _ = tx.send(());
            })
            .wait()
            .expect("exists");
        if stat.is_none() {
            return;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        rx.recv_timeout(left)
            .unwrap_or_else(|_| panic!("{path} still exists after {EVENT_TIMEOUT:?}"));
    }
}

/// Waits until `zk` holds `count` watch registrations, e.g. until a thread blocked on a watch
/// has set it. A watch is counted once the server has answered the request that set it, so
/// the server holds it too: what the thread saw then is what it waits on. No event marks a
/// watch set, so this polls the client's count (no sleep).
pub fn wait_for_watches(zk: &Client, count: usize) {
    let deadline = Instant::now() + EVENT_TIMEOUT;
    while zk.watch_count() != count {
        assert!(
            Instant::now() < deadline,
            "the client holds {} watches, not {count}, after {EVENT_TIMEOUT:?}",
            zk.watch_count()
        );
        std::thread::yield_now();
    }
}

/// A C string for the tests of the C API.
pub fn c(text: &str) -> std::ffi::CString {
    std::ffi::CString::new(text).expect("no NUL in a test string")
}

/// The C API's last error message on this thread.
pub fn last_message() -> String {
    // SAFETY: the library returns a valid NUL-terminated string.
    unsafe { std::ffi::CStr::from_ptr(zkclient::ffi::zk_last_error_message()) }
        .to_string_lossy()
        .into_owned()
}

/// A started C client on the shared server under a fresh chroot.
pub fn c_client(name: &str) -> *mut zkclient::ffi::zk_client {
    use zkclient::ffi::{zk_client_new, zk_client_start, zk_error};
    let hosts = shared_hosts();
    let chroot = unique_chroot(name);
    let root = connect(&hosts, &chroot, ClientOptions::default());
    root.stop().unwrap();
    let mut client = std::ptr::null_mut();
    // SAFETY: valid arguments.
    unsafe {
        assert_eq!(
            zk_client_new(
                c(&format!("{hosts}{chroot}")).as_ptr(),
                std::ptr::null(),
                &mut client
            ),
            zk_error::ZK_OK
        );
        assert_eq!(zk_client_start(client, 30_000), zk_error::ZK_OK);
    }
    client
}

impl Cluster {
    /// `count` clients on this cluster under one fresh chroot, with 10 s sessions (they
    /// outlive a restart).
    pub fn clients(&self, name: &str, count: usize) -> Vec<Client> {
        let chroot = unique_chroot(name);
        (0..count)
            .map(|_| connect(&self.hosts, &chroot, options(Duration::from_secs(10))))
            .collect()
    }

    /// Stops server `id` and starts it again; returns once each of `clients` has lost its
    /// connection and has it back.
    pub fn restart_server(&self, id: usize, clients: &[&Client]) {
        let mut states: Vec<StateRecorder> =
            clients.iter().map(|c| StateRecorder::attach(c)).collect();
        self.stop_server(id);
        for states in &mut states {
            states.wait_for(KeeperState::Disconnected, EVENT_TIMEOUT);
        }
        self.start_server(id);
        for states in &mut states {
            states.wait_for(KeeperState::SyncConnected, EVENT_TIMEOUT);
        }
    }
}

impl Cluster {
    /// SIGKILLs server `id` (a crash, no clean shutdown) and returns once it is gone.
    pub fn kill_server(&self, id: usize) {
        script(&["kill-one", path_str(&self.dir), &id.to_string()]);
    }

    /// Starts server `id` again and returns once it serves as leader or follower (so a quorum
    /// must be up with it).
    pub fn start_server_serving(&self, id: usize) {
        script(&[
            "start-one",
            path_str(&self.dir),
            &id.to_string(),
            "--wait-serving",
        ]);
    }

    /// The id of the server that leads now, or `None` while none does (an election, no
    /// quorum, or two servers briefly claiming it).
    pub fn leader(&self) -> Option<usize> {
        let output = Command::new(repo_root().join("scripts/zk-server.sh"))
            .args(["leader", path_str(&self.dir)])
            .output()
            .ok()?;
        if !output.status.success() {
            return None;
        }
        String::from_utf8_lossy(&output.stdout)
            .trim()
            .lines()
            .last()?
            .parse()
            .ok()
    }
}

impl Cluster {
    /// The log of server `id` (1-based): its stdout, stderr and log output, appended on every
    /// start.
    pub fn server_log(&self, id: usize) -> PathBuf {
        self.dir.join(format!("server-{id}")).join("server.log")
    }

    /// How many lines of server `id`'s log contain `needle`.
    pub fn log_lines(&self, id: usize, needle: &str) -> usize {
        std::fs::read_to_string(self.server_log(id))
            .unwrap_or_default()
            .lines()
            .filter(|line| line.contains(needle))
            .count()
    }
}

/// Dynamic reconfiguration (issue 15): ensembles started with `zk-server.sh start --reconfig`.
/// The superuser that may reconfig is [`SUPER_USER`] / [`SUPER_PASSWORD`] (digest scheme).
impl Cluster {
    /// Starts a `--reconfig` ensemble of `servers` configured servers (ports allocated for
    /// all), of which `members` (1..=members) form the initial ensemble and are started; the
    /// others are spares for [`Cluster::join_server`]. The last `observers` of the `servers`
    /// are observers (a spare among them joins as one by default). `hosts` lists the members.
    pub fn start_reconfig(
        name: &str,
        servers: usize,
        members: usize,
        observers: usize,
        tick_ms: u32,
    ) -> Cluster {
        let (members, observers) = (members.to_string(), observers.to_string());
        Self::start_with(
            name,
            servers,
            tick_ms,
            &[
                "--reconfig",
                "--members",
                &members,
                "--observers",
                &observers,
            ],
        )
    }

    /// Starts server `id` (a spare, or one a reconfig removed and that was stopped) with the
    /// ensemble's current membership plus itself, listed as an observer if `observer`, and
    /// returns once it has synced with the leader and serves clients (as a non-voting
    /// follower). A reconfig adding [`Cluster::server_spec`] makes it a member. A no-op if
    /// it runs.
    pub fn join_server(&self, id: usize, observer: bool) {
        let role = if observer {
            "--observer"
        } else {
            "--participant"
        };
        script(&["join", path_str(&self.dir), &id.to_string(), role]);
    }

    /// Server `id`'s spec for a reconfig's joining list or `new_members`, with `role`
    /// "participant" or "observer":
    /// `server.ID=127.0.0.1:QUORUM:ELECTION:ROLE;127.0.0.1:CLIENT`.
    pub fn server_spec(&self, id: usize, role: &str) -> String {
        script(&["server-spec", path_str(&self.dir), &id.to_string(), role])
    }

    /// The ensemble's current configuration as the leader reports it (its `conf` answer): the
    /// text of /zookeeper/config, `server.I=...` lines then `version=HEX`, without a
    /// trailing newline (as the znode's data).
    pub fn config(&self) -> String {
        script_output(&["config", path_str(&self.dir)])
            .trim_end()
            .to_string()
    }

    /// Reconfigures with the real CLI (Debian's zkCli.sh, as the superuser), e.g.
    /// `["-add", &spec]`, `["-remove", "4,5"]`, `["-members", &specs, "-v", "100000000"]`;
    /// returns the committed configuration the CLI prints. Panics if the reconfig fails.
    pub fn reconfig(&self, args: &[&str]) -> String {
        let mut all = vec!["reconfig", path_str(&self.dir)];
        all.extend_from_slice(args);
        script_output(&all)
    }

    /// The connect string of the current members (the newest configuration the servers
    /// wrote to their files), in server-id order.
    pub fn member_hosts(&self) -> String {
        script(&["hosts", path_str(&self.dir)])
    }

    /// How many servers are configured, spares included.
    pub fn server_count(&self) -> usize {
        self.servers
    }

    /// Server `id`'s answer to a four-letter word (`srvr`, `conf`, `mntr`, ...); panics if it
    /// does not answer.
    pub fn four_letter_word(&self, id: usize, word: &str) -> String {
        script_output(&["4lw", path_str(&self.dir), &id.to_string(), word])
    }

    /// Server `id`'s mode as `srvr` reports it: "leader", "follower" (a non-voting member
    /// too), "observer", "standalone", ...
    pub fn mode(&self, id: usize) -> String {
        self.four_letter_word(id, "srvr")
            .lines()
            .find_map(|line| line.strip_prefix("Mode: "))
            .unwrap_or_else(|| panic!("server {id} reports no mode"))
            .trim()
            .to_string()
    }
}

/// The superuser of `--reconfig` ensembles (`addauth digest super:supersecret`).
pub const SUPER_USER: &str = "super";
/// Its password.
pub const SUPER_PASSWORD: &str = "supersecret";
