//! A bounded chaos run on a 3-node ensemble: sessions contend for one lock, each holding it a
//! short random time, while the ensemble loses its leader, loses its quorum, and some clients
//! are cut off by a partition the server outlives. A fenced resource checks every hold: no
//! two holders that both believe they hold the lock are let in at once, tokens only grow,
//! and a holder whose session is gone is told so.
//!
//! `make test` runs the short default; `make chaos` (scripts/chaos.sh) a longer one. Settings
//! (environment): `ZK_CHAOS_SESSIONS` (8), `ZK_CHAOS_PROXIED` (how many of them connect through
//! partitionable proxies, 2), `ZK_CHAOS_ACQUISITIONS` (per session, 100), `ZK_CHAOS_SECONDS`
//! (bound on the contention, 60), `ZK_CHAOS_FAULTS` (4), `ZK_CHAOS_HOLD_MS` (longest hold
//! in ms, 40: the 800 acquisitions then span the default fault schedule),
//! `ZK_CHAOS_SEED` (the schedule's random seed; printed, so a run can be repeated).

mod common;

use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use common::{connect, options, unique_chroot, Cluster, Proxy};
use zkclient::recipe::lock::{Lock, LockOptions};
use zkclient::{Client, State, Wait};

/// The sessions' timeout: short, so that partitions and quorum losses outlast it quickly.
const SESSION_TIMEOUT: Duration = Duration::from_secs(5);
/// tickTime: elections are quick, and 5 s sessions are within the 2..20 ticks allowed.
const TICK_MS: u32 = 300;
/// How often a partitioning proxy pings the server for the sessions it holds.
const HOLD_PING: Duration = Duration::from_millis(1000);
/// The longest single acquire; the run's time bound cuts it shorter.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(20);
/// How long the chaos waits for something that must happen (a leader, a LOST).
const CHAOS_WAIT: Duration = Duration::from_secs(60);

fn env_or<T: FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(value) => value
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value:?} is not a valid value")),
        Err(_) => default,
    }
}

#[derive(Clone, Debug)]
struct Settings {
    sessions: usize,
    proxied: usize,
    acquisitions: u64,
    seconds: u64,
    faults: u64,
    hold_ms: u64,
    seed: u64,
}

impl Settings {
    fn from_env() -> Settings {
        let clock = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("the clock is after 1970")
            .as_nanos() as u64;
        let settings = Settings {
            sessions: env_or("ZK_CHAOS_SESSIONS", 8),
            proxied: env_or("ZK_CHAOS_PROXIED", 2),
            acquisitions: env_or("ZK_CHAOS_ACQUISITIONS", 100),
            seconds: env_or("ZK_CHAOS_SECONDS", 60),
            faults: env_or("ZK_CHAOS_FAULTS", 4),
            hold_ms: env_or("ZK_CHAOS_HOLD_MS", 40),
            seed: env_or("ZK_CHAOS_SEED", clock | 1),
        };
        assert!(settings.sessions >= 2, "chaos needs at least two sessions");
        assert!(settings.proxied <= settings.sessions);
        settings
    }
}

/// xorshift64*: a small, seedable generator, so that a schedule can be repeated.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 {
            0
        } else {
            self.next() % bound
        }
    }

    /// A duration in `[low, high]`.
    fn between(&mut self, low: Duration, high: Duration) -> Duration {
        let span = high.saturating_sub(low).as_millis() as u64;
        low + Duration::from_millis(self.below(span + 1))
    }
}

/// What the resource the lock guards saw. A real fenced resource rejects a token that is not
/// larger than every token it has accepted; this one also looks at who is inside.
#[derive(Default)]
struct ResourceState {
    /// Who is inside now, with their lock (to ask it whether it still holds).
    occupant: Option<(usize, Arc<Lock>)>,
    max_token: Option<i64>,
    accepted: u64,
    /// Tokens not larger than one accepted before (rejected, as fencing does).
    stale_rejected: u64,
    /// Of those, presented by a holder whose lock still said it held: an unfenced resource
    /// would have accepted them. Must be none.
    stale_from_believers: u64,
    /// Someone entered while the occupant's lock still said it held. Must be none.
    overlaps: u64,
    /// Someone entered while the occupant (not yet out) no longer held: a holder that lost
    /// its session while inside, and was told.
    taken_over_from_lost: u64,
}

#[derive(Default)]
struct Resource {
    state: Mutex<ResourceState>,
}

impl Resource {
    /// `worker` presents `token`; true if let in.
    fn enter(&self, worker: usize, token: Option<i64>, lock: &Arc<Lock>) -> bool {
        let mut state = self.state.lock().unwrap();
        let Some(token) = token else {
            return false; // lost before it could present a token: not a holder
        };
        if state.max_token.is_some_and(|max| token <= max) {
            state.stale_rejected += 1;
            if lock.is_acquired() {
                state.stale_from_believers += 1;
                println!(
                    "chaos: STALE worker {worker} token {token} <= {:?}, its lock says held",
                    state.max_token
                );
            }
            return false;
        }
        let occupant = state
            .occupant
            .as_ref()
            .map(|(other, other_lock)| (*other, other_lock.is_acquired()));
        if let Some((other, still_held)) = occupant {
            if still_held {
                state.overlaps += 1;
                println!(
                    "chaos: OVERLAP worker {worker} (token {token}) entered while worker \
                     {other} still holds (its lock says so)"
                );
            } else {
                state.taken_over_from_lost += 1;
            }
        }
        state.occupant = Some((worker, lock.clone()));
        state.max_token = Some(token);
        state.accepted += 1;
        true
    }

    fn exit(&self, worker: usize) {
        let mut state = self.state.lock().unwrap();
        if state.occupant.as_ref().is_some_and(|(w, _)| *w == worker) {
            state.occupant = None;
        }
    }
}

/// What a lock's state listener has been told, for a holder to wait on.
#[derive(Default)]
struct LockEvents {
    counts: Mutex<(u64, u64)>, // (lost, suspended)
    changed: Condvar,
}

impl LockEvents {
    fn record(&self, state: State) {
        let mut counts = self.counts.lock().unwrap();
        match state {
            State::Lost => counts.0 += 1,
            State::Suspended => counts.1 += 1,
            State::Connected => {}
        }
        self.changed.notify_all();
    }

    fn counts(&self) -> (u64, u64) {
        *self.counts.lock().unwrap()
    }

    /// Waits up to `timeout` until more than `seen` LOSTs were reported.
    fn wait_lost_after(&self, seen: u64, timeout: Duration) -> bool {
        let counts = self.counts.lock().unwrap();
        let (counts, _) = self
            .changed
            .wait_timeout_while(counts, timeout, |counts| counts.0 <= seen)
            .unwrap();
        counts.0 > seen
    }
}

/// The chaos asks whoever holds the lock next to keep it across a fault: across a leader
/// kill the session lives and the hold with it; across a partition or a quorum loss that
/// outlasts the session the holder must be told it lost the lock.
#[derive(Default)]
struct HoldAcross {
    state: Mutex<Across>,
    changed: Condvar,
}

#[derive(Default)]
struct Across {
    /// The request under way (its number), and whether only a proxied worker may take it.
    wanted: Option<(u64, bool)>,
    requests: u64,
    taken_by: Option<usize>,
    /// The last request whose fault is over.
    ended: u64,
}

impl HoldAcross {
    fn request(&self, proxied_only: bool) {
        let mut state = self.state.lock().unwrap();
        state.requests += 1;
        state.wanted = Some((state.requests, proxied_only));
        state.taken_by = None;
    }

    /// The chaos waits up to `timeout` for a holder to take the request.
    fn wait_taken(&self, timeout: Duration) -> Option<usize> {
        let state = self.state.lock().unwrap();
        let (state, _) = self
            .changed
            .wait_timeout_while(state, timeout, |state| state.taken_by.is_none())
            .unwrap();
        state.taken_by
    }

    /// A holder takes the request if there is one for it: the request's number.
    fn take(&self, worker: usize, proxied: bool) -> Option<u64> {
        let mut state = self.state.lock().unwrap();
        let (request, proxied_only) = state.wanted?;
        if proxied_only && !proxied {
            return None;
        }
        state.wanted = None;
        state.taken_by = Some(worker);
        self.changed.notify_all();
        Some(request)
    }

    /// The fault is over (or was injected without a holder).
    fn end(&self) {
        let mut state = self.state.lock().unwrap();
        state.wanted = None;
        state.ended = state.requests;
        self.changed.notify_all();
    }

    /// A holder waits (bounded) until the fault of `request` is over.
    fn wait_over(&self, request: u64, timeout: Duration) {
        let state = self.state.lock().unwrap();
        let _ = self
            .changed
            .wait_timeout_while(state, timeout, |state| state.ended < request)
            .unwrap();
    }
}

/// One hold of the lock, as its holder saw it.
struct Hold {
    worker: usize,
    token: Option<i64>,
    /// Taken after `acquire` returned true.
    start: Instant,
    /// Taken before the final `is_acquired()`.
    end: Instant,
    /// `is_acquired()` was still true at the end: held throughout `start..end`.
    verified: bool,
    accepted: bool,
}

#[derive(Default)]
struct WorkerStats {
    acquisitions: u64,
    verified: u64,
    /// Holds whose lock said, at their end, it no longer held (the session was lost).
    interrupted: u64,
    /// Of those, the lock's state listener reported LOST.
    told_by_listener: u64,
    /// Holds during which the listener reported SUSPENDED (held across a disconnect).
    suspended: u64,
    /// Holds kept across a whole fault at the chaos' request, and of those the ones that
    /// ended still held (the session lived through it).
    across_fault: u64,
    across_fault_kept: u64,
    /// The server said our node was gone while our lock still said held afterwards: the
    /// session it was made in is over and the holder was never told. Must be none.
    untold_gone: u64,
    /// The server said our node belongs to another session (an earlier one of ours, which
    /// the server still keeps) while our lock still said held afterwards: the lock was
    /// granted on a node of a lost session. Must be none.
    untold_not_ours: u64,
    /// The server could not be asked at the end of a hold (connection loss).
    unchecked: u64,
    no_token: u64,
    acquire_timeouts: u64,
    acquire_errors: u64,
    release_not_held: u64,
    release_errors: u64,
    holds: Vec<Hold>,
    last_error: Option<String>,
}

fn worker(
    index: usize,
    client: Client,
    settings: Settings,
    resource: Arc<Resource>,
    across: Arc<HoldAcross>,
    deadline: Instant,
) -> WorkerStats {
    let proxied = index < settings.proxied;
    let events = Arc::new(LockEvents::default());
    let told = events.clone();
    let lock = Arc::new(
        Lock::with_options(
            &client,
            "/lock",
            format!("worker-{index}"),
            LockOptions {
                on_state: Some(Box::new(move |state| told.record(state))),
                ..LockOptions::default()
            },
        )
        .expect("valid lock options"),
    );
    let mut rng =
        Rng::new(settings.seed ^ (0x9e37_79b9_7f4a_7c15u64.wrapping_mul(index as u64 + 1)));
    let mut stats = WorkerStats::default();
    while stats.acquisitions < settings.acquisitions {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        match lock.acquire(Some(left.min(ACQUIRE_TIMEOUT))) {
            Ok(true) => {}
            Ok(false) => {
                stats.acquire_timeouts += 1;
                continue;
            }
            Err(error) => {
                stats.acquire_errors += 1;
                stats.last_error = Some(format!("acquire: {error}"));
                std::thread::sleep(Duration::from_millis(100)); // pacing a retry
                continue;
            }
        }
        let start = Instant::now();
        stats.acquisitions += 1;
        let (lost_before, suspended_before) = events.counts();
        let session = client.session_info().session_id;
        let token = lock.fencing_token();
        let node = lock.node();
        if token.is_none() {
            stats.no_token += 1;
        }
        let accepted = resource.enter(index, token, &lock);
        let held_across = accepted.then(|| across.take(index, proxied)).flatten();
        if let Some(request) = held_across {
            across.wait_over(request, 4 * CHAOS_WAIT);
        }
        // The work under the lock; its length is the workload, not a synchronisation.
        std::thread::sleep(Duration::from_millis(rng.below(settings.hold_ms + 1)));
        // The server's view: our node is there and belongs to the session we hold it in.
        let server_view = node.map(|node| client.exists(&node).wait());
        let end = Instant::now();
        let verified = lock.is_acquired();
        resource.exit(index);
        match server_view {
            Some(Ok(Some(stat))) if stat.ephemeral_owner == session => {}
            Some(Ok(other)) if verified => {
                match other {
                    None => stats.untold_gone += 1,
                    Some(_) => stats.untold_not_ours += 1,
                }
                println!(
                    "chaos: UNTOLD worker {index} token {token:?}: the server has its node {}, \
                     the lock says held in session {session:#x}",
                    other.map_or("gone".to_string(), |stat| format!(
                        "owned by session {:#x}",
                        stat.ephemeral_owner
                    ))
                );
            }
            Some(Ok(_)) => {} // the lock said it no longer held: told
            Some(Err(_)) => stats.unchecked += 1,
            None => {}
        }
        if verified {
            stats.verified += 1;
        } else {
            stats.interrupted += 1;
            if events.wait_lost_after(lost_before, 2 * SESSION_TIMEOUT) {
                stats.told_by_listener += 1;
            }
        }
        if events.counts().1 > suspended_before {
            stats.suspended += 1;
        }
        if held_across.is_some() {
            stats.across_fault += 1;
            stats.across_fault_kept += u64::from(verified);
        }
        stats.holds.push(Hold {
            worker: index,
            token,
            start,
            end,
            verified,
            accepted,
        });
        match lock.release() {
            Ok(true) => {}
            Ok(false) => stats.release_not_held += 1,
            Err(error) => {
                stats.release_errors += 1;
                stats.last_error = Some(format!("release: {error}"));
            }
        }
    }
    stats
}

#[derive(Default, Debug)]
struct ChaosStats {
    faults: u64,
    leader_kills: u64,
    quorum_losses: u64,
    partitions: u64,
    /// Proxied clients that reported LOST during a partition.
    partitioned_lost: u64,
    /// Connections the proxies held for the server (sessions it outlived the client with).
    held_released: u64,
    /// Faults a holder kept the lock across.
    held_across: u64,
}

#[derive(Clone, Copy, Debug)]
enum Fault {
    LeaderKill,
    QuorumLoss,
    Partition,
}

/// A client's connection states, for the chaos to wait on.
struct Watched {
    client: Client,
    states: Receiver<State>,
}

impl Watched {
    fn new(client: &Client) -> Watched {
        let (tx, states) = channel();
        client.add_listener(move |state, _| {
            let _ = tx.send(state);
        });
        Watched {
            client: client.clone(),
            states,
        }
    }

    fn drain(&self) {
        while self.states.try_recv().is_ok() {}
    }

    /// Waits up to `timeout` for `want` to be reported (or to be the state now, for
    /// CONNECTED); false if it was not.
    fn wait_for(&self, want: State, timeout: Duration) -> bool {
        if want == State::Connected && self.client.state() == State::Connected {
            return true;
        }
        let deadline = Instant::now() + timeout;
        loop {
            match self
                .states
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(state) if state == want => return true,
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => {
                    return false
                }
            }
        }
    }
}

/// Waits (polling `srvr` through the script: an election announces itself no other way)
/// until one server leads.
fn wait_for_leader(cluster: &Cluster) -> usize {
    let deadline = Instant::now() + CHAOS_WAIT;
    loop {
        if let Some(leader) = cluster.leader() {
            return leader;
        }
        assert!(Instant::now() < deadline, "no leader within {CHAOS_WAIT:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

struct Chaos<'a> {
    cluster: &'a Cluster,
    proxies: &'a [Proxy],
    proxied: &'a [Watched],
    across: &'a HoldAcross,
    rng: Rng,
    stats: ChaosStats,
    started: Instant,
}

impl Chaos<'_> {
    fn log(&self, what: &str) {
        println!(
            "chaos: {:>6.1}s {what}",
            self.started.elapsed().as_secs_f64()
        );
    }

    /// Asks the next holder (a proxied one for a partition) to keep the lock until the fault
    /// is over, and waits until one does.
    fn hold_across(&mut self, fault: Fault) {
        self.across.request(matches!(fault, Fault::Partition));
        match self.across.wait_taken(Duration::from_secs(10)) {
            Some(worker) => {
                self.stats.held_across += 1;
                self.log(&format!("worker {worker} holds the lock across the fault"));
            }
            None => self.log("nobody took the lock to hold across the fault"),
        }
    }

    fn inject(&mut self, fault: Fault, hold_across: bool) {
        if hold_across && !matches!(fault, Fault::Partition) {
            self.hold_across(fault);
        }
        match fault {
            Fault::LeaderKill => {
                let leader = wait_for_leader(self.cluster);
                self.log(&format!("kill leader {leader}"));
                self.cluster.kill_server(leader);
                // Down long enough for the other two to elect a leader and carry on.
                std::thread::sleep(
                    self.rng
                        .between(Duration::from_millis(1000), Duration::from_millis(3000)),
                );
                self.cluster.start_server_serving(leader);
                let now = wait_for_leader(self.cluster);
                self.log(&format!("server {leader} back, leader {now}"));
                self.stats.leader_kills += 1;
            }
            Fault::QuorumLoss => {
                let leader = wait_for_leader(self.cluster);
                let other = [1, 2, 3]
                    .into_iter()
                    .filter(|id| *id != leader)
                    .nth(self.rng.below(2) as usize)
                    .expect("three servers");
                self.log(&format!("quorum loss: kill {leader} (leader) and {other}"));
                self.cluster.kill_server(leader);
                self.cluster.kill_server(other);
                // Sometimes shorter than the sessions' timeout, sometimes longer: then the
                // clients declare LOST on their own timer while the servers, back, keep the
                // sessions a while (a new leader gives every session a fresh timeout). Longer
                // whenever a holder keeps the lock across it: it must be told it lost it.
                let down = if hold_across {
                    self.rng
                        .between(SESSION_TIMEOUT * 6 / 5, SESSION_TIMEOUT * 8 / 5)
                } else {
                    self.rng
                        .between(SESSION_TIMEOUT / 2, SESSION_TIMEOUT * 3 / 2)
                };
                std::thread::sleep(down);
                self.cluster.start_server(other);
                self.cluster.start_server_serving(leader);
                let now = wait_for_leader(self.cluster);
                self.log(&format!("quorum back, leader {now}"));
                self.stats.quorum_losses += 1;
            }
            Fault::Partition => {
                for watched in self.proxied {
                    watched.drain();
                    if !watched.wait_for(State::Connected, CHAOS_WAIT) {
                        self.log("a proxied client did not connect before the partition");
                    }
                }
                if hold_across {
                    self.hold_across(fault);
                }
                self.log(&format!(
                    "partition {} proxied client(s)",
                    self.proxied.len()
                ));
                for proxy in self.proxies {
                    proxy.partition(HOLD_PING);
                }
                for watched in self.proxied {
                    // Its own timer ends its session; the server keeps it (the proxy pings).
                    if watched.wait_for(State::Lost, SESSION_TIMEOUT * 3) {
                        self.stats.partitioned_lost += 1;
                    }
                }
                for proxy in self.proxies {
                    proxy.heal();
                }
                // The clients come back on new sessions while the server still holds the
                // old ones and their nodes.
                std::thread::sleep(
                    self.rng
                        .between(Duration::from_millis(500), Duration::from_millis(2500)),
                );
                let released: usize = self.proxies.iter().map(Proxy::release_held).sum();
                self.stats.held_released += released as u64;
                self.log(&format!("healed; {released} held connection(s) released"));
                self.stats.partitions += 1;
            }
        }
        self.across.end();
        self.stats.faults += 1;
    }
}

/// Looks at the holds after the fact: two holds that were both verified (the lock said held
/// at their start and at their end) and both let in must not overlap in time, and in time
/// order their tokens must grow. Returns (overlapping pairs, token order violations).
fn check_holds(holds: &mut [Hold]) -> (u64, u64) {
    holds.sort_by_key(|hold| hold.start);
    let (mut overlaps, mut disorder) = (0, 0);
    let mut latest: Option<&Hold> = None; // the verified hold that ends last so far
    let mut last_token: Option<i64> = None;
    for hold in holds.iter().filter(|hold| hold.verified && hold.accepted) {
        if let Some(before) = latest {
            if hold.start < before.end {
                overlaps += 1;
                println!(
                    "chaos: OVERLAPPING HOLDS worker {} token {:?} and worker {} token {:?}",
                    before.worker, before.token, hold.worker, hold.token
                );
            }
        }
        if let (Some(before), Some(token)) = (last_token, hold.token) {
            if token <= before {
                disorder += 1;
                println!(
                    "chaos: TOKEN ORDER worker {} token {token} after token {before}",
                    hold.worker
                );
            }
        }
        last_token = hold.token.or(last_token);
        if latest.map_or(true, |before| hold.end > before.end) {
            latest = Some(hold);
        }
    }
    (overlaps, disorder)
}

#[test]
fn eight_sessions_keep_the_lock_exclusive_through_leader_kills_quorum_loss_and_partitions() {
    let settings = Settings::from_env();
    println!("chaos: settings {settings:?}");
    let begun = Instant::now();
    let cluster = Cluster::start("chaos", 3, TICK_MS);
    let chroot = unique_chroot("chaos");
    // The proxied clients reach every server through a proxy of its own, so a partition of
    // all three cuts them off while the ensemble carries on.
    let proxies: Vec<Proxy> = if settings.proxied == 0 {
        Vec::new()
    } else {
        (1..=3)
            .map(|id| Proxy::start(&format!("127.0.0.1:{}", cluster.port(id))))
            .collect()
    };
    let proxy_hosts = proxies
        .iter()
        .map(Proxy::hosts)
        .collect::<Vec<_>>()
        .join(",");
    let clients: Vec<Client> = (0..settings.sessions)
        .map(|index| {
            let hosts = if index < settings.proxied {
                &proxy_hosts
            } else {
                &cluster.hosts
            };
            connect(hosts, &chroot, options(SESSION_TIMEOUT))
        })
        .collect();
    let proxied: Vec<Watched> = clients[..settings.proxied]
        .iter()
        .map(Watched::new)
        .collect();
    println!(
        "chaos: ensemble and {} sessions up in {:.1}s",
        clients.len(),
        begun.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let deadline = started + Duration::from_secs(settings.seconds);
    let resource = Arc::new(Resource::default());
    let across = Arc::new(HoldAcross::default());
    let (done_tx, done_rx) = channel::<()>();
    let workers: Vec<_> = clients
        .iter()
        .enumerate()
        .map(|(index, client)| {
            let (client, settings) = (client.clone(), settings.clone());
            let (resource, across) = (resource.clone(), across.clone());
            let done = done_tx.clone();
            std::thread::spawn(move || {
                let stats = worker(index, client, settings, resource, across, deadline);
                drop(done);
                stats
            })
        })
        .collect();
    drop(done_tx);

    // The fault schedule, on this thread; it stops early once every worker is done.
    let schedule: &[Fault] = if proxies.is_empty() {
        &[Fault::LeaderKill, Fault::QuorumLoss, Fault::LeaderKill]
    } else {
        &[
            Fault::LeaderKill,
            Fault::Partition,
            Fault::LeaderKill,
            Fault::QuorumLoss,
        ]
    };
    let mut chaos = Chaos {
        cluster: &cluster,
        proxies: &proxies,
        proxied: &proxied,
        across: &across,
        rng: Rng::new(settings.seed),
        stats: ChaosStats::default(),
        started,
    };
    let workers_done = AtomicBool::new(false);
    let mut pause = chaos
        .rng
        .between(Duration::from_millis(300), Duration::from_millis(1500));
    for step in 0..settings.faults {
        // The gap before the next fault (pacing), cut short when the workers finish.
        match done_rx.recv_timeout(pause) {
            Err(RecvTimeoutError::Timeout) => {}
            _ => {
                workers_done.store(true, Ordering::SeqCst);
                break;
            }
        }
        if Instant::now() >= deadline {
            break;
        }
        // In the first round of the schedule a holder keeps the lock across each leader kill
        // and quorum loss, but not across the partition: there the proxied clients are
        // waiting for the lock (a holder across would keep it from them until their old
        // sessions end). Later faults do either at random.
        let fault = schedule[step as usize % schedule.len()];
        let hold_across = if step < schedule.len() as u64 {
            !matches!(fault, Fault::Partition)
        } else {
            chaos.rng.below(2) == 0
        };
        chaos.inject(fault, hold_across);
        pause = chaos
            .rng
            .between(Duration::from_millis(500), Duration::from_millis(3000));
    }
    chaos.log(&format!(
        "schedule over (workers done first: {})",
        workers_done.load(Ordering::SeqCst)
    ));
    let chaos_stats = chaos.stats;

    let mut stats: Vec<WorkerStats> = workers
        .into_iter()
        .map(|worker| worker.join().expect("a worker panicked"))
        .collect();
    let elapsed = started.elapsed();
    let mut holds: Vec<Hold> = stats
        .iter_mut()
        .flat_map(|stats| std::mem::take(&mut stats.holds))
        .collect();
    let (overlapping_holds, token_disorder) = check_holds(&mut holds);
    let resource = resource.state.lock().unwrap();
    let sum = |field: fn(&WorkerStats) -> u64| stats.iter().map(field).sum::<u64>();
    let acquisitions = sum(|s| s.acquisitions);
    let untold = sum(|s| s.untold_gone) + sum(|s| s.untold_not_ours);
    let target = settings.acquisitions * settings.sessions as u64;
    let hit_time_bound = elapsed >= Duration::from_secs(settings.seconds);

    println!("chaos: seed {}", settings.seed);
    println!(
        "chaos: acquisitions {acquisitions}/{target} per session {:?}",
        stats.iter().map(|s| s.acquisitions).collect::<Vec<_>>()
    );
    println!(
        "chaos: faults {} (leader kills {}, quorum losses {}, partitions {}: {} proxied \
         LOST, {} held connections released; held across {}: {} kept, the rest told LOST)",
        chaos_stats.faults,
        chaos_stats.leader_kills,
        chaos_stats.quorum_losses,
        chaos_stats.partitions,
        chaos_stats.partitioned_lost,
        chaos_stats.held_released,
        sum(|s| s.across_fault),
        sum(|s| s.across_fault_kept)
    );
    println!(
        "chaos: holds verified {}, interrupted {} (listener told LOST {}), across a \
         disconnect {}, server unchecked {}, no token {}",
        sum(|s| s.verified),
        sum(|s| s.interrupted),
        sum(|s| s.told_by_listener),
        sum(|s| s.suspended),
        sum(|s| s.unchecked),
        sum(|s| s.no_token)
    );
    println!(
        "chaos: resource accepted {}, stale rejected {} (from holders whose lock said held {}), \
         taken over from lost holders {}, max token {:?}",
        resource.accepted,
        resource.stale_rejected,
        resource.stale_from_believers,
        resource.taken_over_from_lost,
        resource.max_token
    );
    println!(
        "chaos: acquire timeouts {}, acquire errors {}, release not held {}, release errors {}",
        sum(|s| s.acquire_timeouts),
        sum(|s| s.acquire_errors),
        sum(|s| s.release_not_held),
        sum(|s| s.release_errors)
    );
    for (index, error) in stats
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.last_error.as_ref().map(|e| (i, e)))
    {
        println!("chaos: worker {index} last error: {error}");
    }
    println!(
        "chaos: overlaps {} at entry, {overlapping_holds} overlapping verified holds, token \
         order violations {token_disorder}, holders never told LOST {untold} (node gone {}, \
         node of another session {})",
        resource.overlaps,
        sum(|s| s.untold_gone),
        sum(|s| s.untold_not_ours)
    );
    println!(
        "chaos: elapsed {:.1}s (contention), {:.1}s in all; time bound hit: {hit_time_bound}",
        elapsed.as_secs_f64(),
        begun.elapsed().as_secs_f64()
    );

    assert_eq!(resource.overlaps, 0, "two holders in the resource at once");
    assert_eq!(
        overlapping_holds, 0,
        "two verified holds overlapped in time"
    );
    assert_eq!(
        resource.stale_from_believers, 0,
        "a holder whose lock said held presented a stale token"
    );
    assert_eq!(token_disorder, 0, "tokens did not grow with time");
    assert_eq!(
        untold, 0,
        "a holder whose node was gone or not its session's was never told"
    );
    assert!(chaos_stats.faults >= 1, "no fault was injected");
    if hit_time_bound {
        assert!(
            acquisitions * 2 >= target,
            "only {acquisitions} of {target} acquisitions within {}s",
            settings.seconds
        );
    } else {
        for (index, stats) in stats.iter().enumerate() {
            assert_eq!(
                stats.acquisitions, settings.acquisitions,
                "worker {index} stopped early"
            );
        }
    }
}
