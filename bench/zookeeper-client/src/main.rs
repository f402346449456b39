//! zkrs_bench: the benchmark workloads of WORKLOADS.md through the async Rust crate
//! `zookeeper-client` 0.11, the third client of scripts/bench.sh. Same command line and the
//! same result line as bench/zkc_bench.c and bench/zoo_bench.c (see bench/common.h):
//!
//!     zkrs_bench WORKLOAD HOSTS COUNT [WINDOW]
//!
//! It prints one line of `key=value` pairs on stdout, or exits with status 1 on any error (a
//! failed completion included). Written as a user of the crate would: `#[tokio::main]` (the
//! multi-thread runtime, one worker per CPU; the crate spawns its session task on it through
//! its `tokio` feature, and drives its sockets with async-io's reactor), `.await` for the
//! blocking workloads, a `FuturesUnordered` of at most WINDOW futures for the pipelined ones.
//!
//! The window is real: the crate marshals a request and queues it to the session task when
//! the method is called (`Client::send_request` in its client/mod.rs runs before the future
//! is returned; its README: "data operations are ordered at future creation time but not
//! polling time"), so every future pushed into the set is a request sent, and the set holds
//! WINDOW of them until the last ones drain.
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::stream::{FuturesUnordered, StreamExt};
use futures::Future;
use zookeeper_client as zk;

const CLIENT_NAME: &str = "zookeeper-client";
const USAGE: &str = "workloads: connect sync_get sync_set async_get async_set async_create sessions\n           sessions_10k watch_fanout big_children lock\n";

// ---- the node layout of bench/common.h (created by `zoo_bench setup`) ----
const B_ROOT: &str = "/zkbench";
const B_GET_NODE: &str = "/zkbench/get";
const B_SET_NODE: &str = "/zkbench/set";
const B_SEQ_PREFIX: &str = "/zkbench/create/n-";
const B_WATCH_PARENT: &str = "/zkbench/watch";
const B_DATA: &[u8; 100] =
    b"0123456789abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqr";
const B_SESSION_TIMEOUT: Duration = Duration::from_millis(10_000);
const B_CONNECT_TIMEOUT: Duration = Duration::from_millis(30_000);
/// The lock's directory: its own, since the crate names its nodes Curator's way.
const LOCK_DIR: &str = "/bench-lock-rs";
const LOCK_THREADS: usize = 8;
const BIG_REPS: usize = 3;

fn watch_path(i: usize) -> String {
    format!("{B_WATCH_PARENT}/w-{i:05}")
}

// ---- failure ----
fn die(msg: impl std::fmt::Display) -> ! {
    eprintln!("bench: FAILED: {msg}");
    let _ = std::io::stderr().flush();
    // no destructors racing with the runtime's threads (as common.h's _exit)
    unsafe { libc::_exit(1) }
}

trait OrDie<T> {
    fn or_die(self, what: &str) -> T;
}
impl<T, E: std::fmt::Display> OrDie<T> for Result<T, E> {
    fn or_die(self, what: &str) -> T {
        self.unwrap_or_else(|e| die(format!("{what}: {e}")))
    }
}

// ---- process figures ----
fn rusage() -> libc::rusage {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) } != 0 {
        die(format!("getrusage: {}", std::io::Error::last_os_error()));
    }
    ru
}
/// user+sys CPU of the whole process (every thread), µs
fn cpu_us(ru: &libc::rusage) -> u64 {
    (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) as u64 * 1_000_000
        + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) as u64
}
/// voluntary + involuntary context switches of the whole process (every thread)
fn ctx_switches(ru: &libc::rusage) -> u64 {
    (ru.ru_nvcsw + ru.ru_nivcsw) as u64
}

fn status_field(key: &str) -> i64 {
    let status = std::fs::read_to_string("/proc/self/status").or_die("read /proc/self/status");
    for line in status.lines() {
        if let Some(rest) = line.strip_prefix(key).and_then(|r| r.strip_prefix(':')) {
            if let Some(v) = rest.split_whitespace().next().and_then(|v| v.parse().ok()) {
                return v;
            }
        }
    }
    die(format!("no {key} in /proc/self/status"))
}
fn threads() -> i64 {
    status_field("Threads")
}
fn rss_kb() -> i64 {
    status_field("VmRSS")
}
fn hwm_kb() -> i64 {
    status_field("VmHWM")
}

/// percentile (0..100) of samples in ns, in µs; sorts them (the index rule of common.h)
fn percentile_us(ns: &mut [u64], pct: f64) -> f64 {
    if ns.is_empty() {
        return 0.0;
    }
    ns.sort_unstable();
    let idx = ((pct / 100.0 * (ns.len() - 1) as f64 + 0.5) as usize).min(ns.len() - 1);
    ns[idx] as f64 / 1000.0
}

/// raise the descriptor limit to the hard limit (1,000 sessions need more than 1,024)
fn raise_nofile() {
    let mut rl: libc::rlimit = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl) } == 0 && rl.rlim_cur < rl.rlim_max {
        rl.rlim_cur = rl.rlim_max;
        unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &rl) };
    }
}

// ---- the result line: built in memory, printed whole at the end ----
struct Line(String);
impl Line {
    fn new(a: &Args) -> Line {
        Line(format!(
            "client={CLIENT_NAME} workload={} count={}",
            a.workload, a.count
        ))
    }
    fn d(&mut self, key: &str, v: f64) {
        self.0.push_str(&format!(" {key}={v:.3}"));
    }
    fn l(&mut self, key: &str, v: i64) {
        self.0.push_str(&format!(" {key}={v}"));
    }
}

/// timing of a workload: secs, ops_per_s, cpu_us_per_op and cs_per_op (common.h's b_timer)
struct Timer {
    t0: Instant,
    cpu0: u64,
    cs0: u64,
}
impl Timer {
    fn start() -> Timer {
        let ru = rusage();
        Timer {
            cpu0: cpu_us(&ru),
            cs0: ctx_switches(&ru),
            t0: Instant::now(),
        }
    }
    fn report(&self, line: &mut Line, ops: usize) {
        let secs = self.t0.elapsed().as_secs_f64();
        let ru = rusage();
        line.d("secs", secs);
        line.d("ops_per_s", ops as f64 / secs);
        line.d(
            "cpu_us_per_op",
            (cpu_us(&ru) - self.cpu0) as f64 / ops as f64,
        );
        line.d(
            "cs_per_op",
            (ctx_switches(&ru) - self.cs0) as f64 / ops as f64,
        );
    }
}

// ---- arguments ----
struct Args {
    workload: String,
    hosts: String,
    count: usize,
    window: usize,
}

fn parse_args() -> Args {
    let argv: Vec<String> = std::env::args().collect();
    if argv.len() < 4 || argv.len() > 5 {
        eprint!("usage: {} WORKLOAD HOSTS COUNT [WINDOW]\n{USAGE}", argv[0]);
        std::process::exit(2);
    }
    let count = match argv[3].parse::<usize>() {
        Ok(n) if n > 0 => n,
        _ => die(format!("bad COUNT '{}'", argv[3])),
    };
    let window = match argv.get(4).map(|w| w.parse::<usize>()) {
        None => 1000,
        Some(Ok(w)) if w > 0 => w,
        Some(_) => die(format!("bad WINDOW '{}'", argv[4])),
    };
    Args {
        workload: argv[1].clone(),
        hosts: argv[2].clone(),
        count,
        window,
    }
}

// ---- sessions ----

/// opens a session and waits for it (Client::connect returns once the server gave one)
async fn open_client(hosts: &str) -> zk::Client {
    let connect = zk::Client::connector()
        .with_session_timeout(B_SESSION_TIMEOUT)
        .connect(hosts);
    match tokio::time::timeout(B_CONNECT_TIMEOUT, connect).await {
        Ok(Ok(client)) => client,
        Ok(Err(e)) => die(format!("connect: {e}")),
        Err(_) => die(format!("connect: no session after {B_CONNECT_TIMEOUT:?}")),
    }
}

/// closes the session and waits until the server confirmed it: the crate closes a session
/// when its last Client is dropped and reports Closed once the reply came (as
/// zk_client_stop and zookeeper_close block until then)
async fn close_client(client: zk::Client) {
    let mut state = client.state_watcher();
    drop(client);
    loop {
        match tokio::time::timeout(B_SESSION_TIMEOUT, state.changed()).await {
            Ok(zk::SessionState::Closed) => return,
            Ok(s @ (zk::SessionState::Expired | zk::SessionState::AuthFailed)) => {
                die(format!("close: session {s}"))
            }
            Ok(_) => continue,
            Err(_) => die("close: not closed after the session timeout"),
        }
    }
}

// ---- workloads ----

async fn do_connect(a: &Args, line: &mut Line) {
    let t = Timer::start();
    for _ in 0..a.count {
        close_client(open_client(&a.hosts).await).await;
    }
    t.report(line, a.count);
    line.l("threads", threads());
    line.l("rss_kb", rss_kb());
}

async fn do_sync(a: &Args, line: &mut Line, is_set: bool) {
    let client = open_client(&a.hosts).await;
    let mut lat = Vec::with_capacity(a.count);
    let t = Timer::start();
    for i in 0..a.count {
        let t0 = Instant::now();
        if is_set {
            client
                .set_data(B_SET_NODE, B_DATA, None)
                .await
                .or_die(&format!("set_data #{i}"));
        } else {
            let (data, _stat) = client
                .get_data(B_GET_NODE)
                .await
                .or_die(&format!("get_data #{i}"));
            if data.len() != B_DATA.len() {
                die(format!("get returned {} bytes", data.len()));
            }
        }
        lat.push(t0.elapsed().as_nanos() as u64);
    }
    t.report(line, a.count);
    line.d("p50_us", percentile_us(&mut lat, 50.0));
    line.d("p99_us", percentile_us(&mut lat, 99.0));
    line.l("threads", threads());
    line.l("rss_kb", rss_kb());
    close_client(client).await;
}

/// `count` requests, at most `window` in flight: `submit(i)` sends request i and returns the
/// future of its reply (true when it is the expected one). Returns (completed, errors, first
/// error).
async fn pipeline<F, Fut>(
    count: usize,
    window: usize,
    mut submit: F,
) -> (usize, usize, Option<String>)
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = Result<bool, zk::Error>>,
{
    let mut inflight = FuturesUnordered::new();
    let (mut completed, mut errors, mut first) = (0, 0, None);
    let mut account = |r: Result<bool, zk::Error>| {
        completed += 1;
        let error = match r {
            Ok(true) => return,
            Ok(false) => "unexpected reply".to_string(),
            Err(e) => e.to_string(),
        };
        errors += 1;
        first.get_or_insert(error);
    };
    for i in 0..count {
        if inflight.len() >= window {
            match tokio::time::timeout(Duration::from_secs(60), inflight.next()).await {
                Ok(Some(r)) => account(r),
                Ok(None) => unreachable!("a full window is not empty"),
                Err(_) => die(format!(
                    "no completion for 60 s ({} in flight, {i} sent)",
                    inflight.len()
                )),
            }
        }
        inflight.push(submit(i));
    }
    loop {
        match tokio::time::timeout(Duration::from_secs(60), inflight.next()).await {
            Ok(Some(r)) => account(r),
            Ok(None) => break,
            Err(_) => die(format!(
                "no completion for 60 s ({} in flight)",
                inflight.len()
            )),
        }
    }
    (completed, errors, first)
}

fn pipeline_check(
    what: &str,
    count: usize,
    (completed, errors, first): (usize, usize, Option<String>),
) {
    if errors != 0 {
        die(format!(
            "{what}: {errors} of {completed} completions failed (first: {})",
            first.unwrap_or_default()
        ));
    }
    if completed != count {
        die(format!("{completed} completions for {count} requests"));
    }
}

#[derive(Clone, Copy)]
enum Op {
    Get,
    Set,
    Create,
}

async fn do_async(a: &Args, line: &mut Line, op: Op) {
    let client = open_client(&a.hosts).await;
    let c = &client;
    let create = zk::CreateMode::EphemeralSequential.with_acls(zk::Acls::anyone_all());
    let t = Timer::start();
    let result = match op {
        Op::Get => {
            pipeline(a.count, a.window, |_| {
                let reply = c.get_data(B_GET_NODE);
                async move { reply.await.map(|(data, _stat)| data.len() == B_DATA.len()) }
            })
            .await
        }
        Op::Set => {
            pipeline(a.count, a.window, |_| {
                let reply = c.set_data(B_SET_NODE, B_DATA, None);
                async move { reply.await.map(|_stat| true) }
            })
            .await
        }
        Op::Create => {
            pipeline(a.count, a.window, |_| {
                let reply = c.create(B_SEQ_PREFIX, B_DATA, &create);
                async move { reply.await.map(|(_stat, seq)| seq.into_i64() >= 0) }
            })
            .await
        }
    };
    t.report(line, a.count);
    pipeline_check(&a.workload, a.count, result);
    line.l("threads", threads());
    line.l("rss_kb", rss_kb());
    close_client(client).await;
}

async fn do_sessions(a: &Args, line: &mut Line) {
    let mut clients = Vec::with_capacity(a.count);
    let rss0 = rss_kb();
    let t = Timer::start();
    // one after the other, each waiting for its session (as zkc_bench's zk_client_start)
    for _ in 0..a.count {
        clients.push(open_client(&a.hosts).await);
    }
    t.report(line, a.count); // ops_per_s: sessions opened per second
    tokio::time::sleep(Duration::from_millis(1000)).await; // let every thread settle
    line.l("threads", threads());
    line.l("rss_kb", rss_kb());
    line.l("rss0_kb", rss0);
    // one after the other as well (10,000 closes at once swamp the server: sessions whose
    // reply is late reconnect and find their session gone)
    for client in clients {
        close_client(client).await;
    }
}

// ---- watch_fanout: the setting client is a child process (this program, workload
// fanout_setter), so the watcher's RSS and CPU are its own; it says 'r' on its stdout when
// connected and starts on 'g' on its stdin ----

async fn fanout_setter(a: &Args) {
    let client = open_client(&a.hosts).await;
    let mut out = std::io::stdout();
    out.write_all(b"r")
        .and_then(|_| out.flush())
        .or_die("setter: write");
    let mut go = [0u8; 1];
    std::io::stdin().read_exact(&mut go).or_die("setter: read");
    if go[0] != b'g' {
        die("setter: expected 'g'");
    }
    let c = &client;
    let result = pipeline(a.count, a.window, |i| {
        let reply = c.set_data(&watch_path(i), B_DATA, None);
        async move { reply.await.map(|_stat| true) }
    })
    .await;
    pipeline_check("setter", a.count, result);
    close_client(client).await;
}

async fn do_watch_fanout(a: &Args, line: &mut Line) {
    if a.count > 10_000 {
        die("watch_fanout: at most 10000 nodes");
    }
    let exe = std::env::current_exe().or_die("current_exe");
    let mut child = Command::new(exe)
        .args([
            "fanout_setter",
            &a.hosts,
            &a.count.to_string(),
            &a.window.to_string(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .or_die("spawn the setter");
    let client = open_client(&a.hosts).await;
    let mut watchers = Vec::with_capacity(a.count);
    for i in 0..a.count {
        let (_data, _stat, watcher) = client
            .get_and_watch_data(&watch_path(i))
            .await
            .or_die("get_and_watch_data");
        watchers.push(watcher);
    }
    let mut events: FuturesUnordered<_> = watchers.into_iter().map(|w| w.changed()).collect();
    let mut ready = [0u8; 1];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut ready)
        .or_die("pipe: expected 'r'");
    let t = Timer::start();
    child
        .stdin
        .as_mut()
        .unwrap()
        .write_all(b"g")
        .and_then(|_| child.stdin.as_mut().unwrap().flush())
        .or_die("pipe write");
    let mut got = 0;
    let wait = async {
        while let Some(event) = events.next().await {
            if event.event_type != zk::EventType::NodeDataChanged {
                die(format!("watch events: unexpected event {event:?}"));
            }
            got += 1;
        }
    };
    if tokio::time::timeout(Duration::from_secs(120), wait)
        .await
        .is_err()
    {
        die(format!(
            "watch events: only {got} of {} after 120000 ms",
            a.count
        ));
    }
    t.report(line, a.count); // ops_per_s: events/s; cpu: the watcher's per event
    line.l("threads", threads());
    line.l("rss_kb", rss_kb());
    drop(child.stdin.take());
    let status = child.wait().or_die("waitpid");
    if !status.success() {
        die("the setter process failed");
    }
    close_client(client).await;
}

// ---- big_children ----

async fn do_big_children(a: &Args, line: &mut Line) {
    let big = format!("{B_ROOT}/big-{}", a.count);
    let client = open_client(&a.hosts).await;
    let rss0 = rss_kb();
    let mut ns = [0u64; BIG_REPS];
    for slot in ns.iter_mut() {
        let t0 = Instant::now();
        let children = client.list_children(&big).await;
        *slot = t0.elapsed().as_nanos() as u64;
        let children = children.or_die("list_children");
        if children.len() != a.count {
            die(format!(
                "{big}: {} children, want {}",
                children.len(),
                a.count
            ));
        }
    }
    let first_ms = ns[0] as f64 / 1e6;
    line.d("ms", percentile_us(&mut ns, 50.0) / 1000.0);
    line.d("first_ms", first_ms);
    line.l("hwm_kb", hwm_kb());
    line.l("rss0_kb", rss0);
    line.l("threads", threads());
    close_client(client).await;
}

// ---- lock: LOCK_THREADS tasks, each its own session, take and release one lock COUNT times
// each (the crate's lock recipe, Client::lock; dropping the LockClient releases it); a shared
// holder count proves exclusion ----

async fn lock_worker(hosts: String, count: usize, holders: Arc<AtomicI32>) {
    let client = open_client(&hosts).await;
    for _ in 0..count {
        let prefix = zk::LockPrefix::new_curator(LOCK_DIR, "lock-").or_die("LockPrefix");
        let options = zk::LockOptions::new(zk::Acls::anyone_all())
            .with_ancestor_options(zk::CreateMode::Persistent.with_acls(zk::Acls::anyone_all()))
            .or_die("LockOptions");
        let lock = client.lock(prefix, b"bench", options).await.or_die("lock");
        if holders.fetch_add(1, Ordering::SeqCst) != 0 {
            die("two holders of one lock");
        }
        holders.fetch_sub(1, Ordering::SeqCst);
        drop(lock); // releases: deletes the lock node
    }
    close_client(client).await;
}

async fn do_lock(a: &Args, line: &mut Line) {
    let holders = Arc::new(AtomicI32::new(0));
    let t = Timer::start();
    let tasks: Vec<_> = (0..LOCK_THREADS)
        .map(|_| tokio::spawn(lock_worker(a.hosts.clone(), a.count, holders.clone())))
        .collect();
    for task in tasks {
        task.await.or_die("lock task");
    }
    t.report(line, LOCK_THREADS * a.count);
    line.l("rss_kb", rss_kb());
}

#[tokio::main]
async fn main() {
    let a = parse_args();
    raise_nofile();
    let mut line = Line::new(&a);
    match a.workload.as_str() {
        "connect" => do_connect(&a, &mut line).await,
        "sync_get" => do_sync(&a, &mut line, false).await,
        "sync_set" => do_sync(&a, &mut line, true).await,
        "async_get" => do_async(&a, &mut line, Op::Get).await,
        "async_set" => do_async(&a, &mut line, Op::Set).await,
        "async_create" => do_async(&a, &mut line, Op::Create).await,
        "sessions" | "sessions_10k" => do_sessions(&a, &mut line).await,
        "watch_fanout" => do_watch_fanout(&a, &mut line).await,
        "fanout_setter" => {
            fanout_setter(&a).await;
            return;
        }
        "big_children" => do_big_children(&a, &mut line).await,
        "lock" => do_lock(&a, &mut line).await,
        other => {
            eprint!("unknown workload '{other}'\n{USAGE}");
            std::process::exit(2);
        }
    }
    println!("{}", line.0);
    let _ = std::io::stdout().flush();
}
