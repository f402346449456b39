//! The server list of a connect string, the order it is tried in, and the backoff between
//! rounds.

use std::fmt;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::retry::{RetryPolicy, Schedule, XorShift};

/// ZooKeeper's default client port.
pub const DEFAULT_PORT: u16 = 2181;

/// One server of the connect string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostAddr {
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    /// Client port.
    pub port: u16,
}

impl fmt::Display for HostAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// Parses the host part of a connect string: `h1:2181,h2,[::1]:2183` (no chroot).
pub fn parse_hosts(hosts: &str) -> Result<Vec<HostAddr>> {
    let bad = |why: String| Error::InvalidArgument(format!("connect string {hosts:?}: {why}"));
    let mut out = Vec::new();
    for entry in hosts.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (host, port) = if let Some(rest) = entry.strip_prefix('[') {
            let (host, after) = rest
                .split_once(']')
                .ok_or_else(|| bad(format!("{entry:?} lacks its closing ']'")))?;
            match after {
                "" => (host, None),
                _ => match after.strip_prefix(':') {
                    Some(port) => (host, Some(port)),
                    None => return Err(bad(format!("{entry:?}: expected ':port' after ']'"))),
                },
            }
        } else {
            match entry.split_once(':') {
                Some((_, port)) if port.contains(':') => {
                    return Err(bad(format!(
                        "{entry:?}: write IPv6 addresses as [addr]:port"
                    )))
                }
                Some((host, port)) => (host, Some(port)),
                None => (entry, None),
            }
        };
        if host.is_empty() {
            return Err(bad(format!("{entry:?} has an empty host")));
        }
        let port = match port {
            None => DEFAULT_PORT,
            Some(p) => match p.parse::<u16>() {
                Ok(port) if port != 0 => port,
                _ => return Err(bad(format!("{entry:?} has an invalid port {p:?}"))),
            },
        };
        out.push(HostAddr {
            host: host.to_string(),
            port,
        });
    }
    if out.is_empty() {
        return Err(bad("no servers given".into()));
    }
    Ok(out)
}

/// A random source for the connection backoff's jitter.
type Random = Box<dyn FnMut() -> f64 + Send>;

/// The servers in the order they are tried: shuffled once (unless asked not to), then walked
/// round-robin. A round that ends without a session counts as one failed try of the
/// connection retry policy, which sets the pause before the next round and when to give up.
///
/// The list can be replaced while the session runs ([`HostList::update`]); the next servers
/// are then chosen with the Apache clients' probabilistic rebalancing (ZOOKEEPER-1355), so
/// that the sessions of many clients spread evenly over the new list.
pub struct HostList {
    hosts: Vec<HostAddr>,
    next: usize,
    failures_in_round: usize,
    policy: RetryPolicy,
    schedule: Schedule<Random>,
    /// When the first attempt of the current run of failures failed.
    failing_since: Option<Instant>,
    randomize: bool,
    rng: XorShift,
    /// After an update that moves the connection: how the next server is chosen.
    rebalance: Option<Rebalance>,
}

/// The choice of the next server after an update that moves the connection: with
/// probability `p_new` one of the servers the old list did not have, else one it had; each
/// group is walked in order, and once both are exhausted the list is walked as usual.
struct Rebalance {
    kept: Vec<HostAddr>,
    added: Vec<HostAddr>,
    next_kept: usize,
    next_added: usize,
    p_new: f64,
}

fn random_source() -> Random {
    let mut rng = XorShift::from_clock();
    Box::new(move || rng.next_f64())
}

impl HostList {
    /// A list over `hosts`, shuffled when `randomize` is set, retried under `policy`.
    pub fn new(hosts: Vec<HostAddr>, randomize: bool, policy: &RetryPolicy) -> HostList {
        let mut list = HostList {
            hosts: Vec::new(),
            next: 0,
            failures_in_round: 0,
            policy: policy.clone(),
            schedule: Schedule::new(policy, random_source()),
            failing_since: None,
            randomize,
            rng: XorShift::from_clock(),
            rebalance: None,
        };
        list.hosts = list.arranged(hosts);
        list
    }

    /// `hosts` without repeats, shuffled when the list is randomized.
    fn arranged(&mut self, hosts: Vec<HostAddr>) -> Vec<HostAddr> {
        let mut unique: Vec<HostAddr> = Vec::with_capacity(hosts.len());
        for host in hosts {
            if !unique.contains(&host) {
                unique.push(host);
            }
        }
        if self.randomize {
            for i in (1..unique.len()).rev() {
                unique.swap(i, self.rng.below(i + 1));
            }
        }
        unique
    }

    /// How many servers there are.
    pub fn len(&self) -> usize {
        self.hosts.len()
    }

    /// The next server to try and how long to wait before trying it; `None` when the
    /// connection retry policy gives up.
    pub fn next(&mut self) -> Option<(HostAddr, Duration)> {
        let mut pause = Duration::ZERO;
        if self.failures_in_round >= self.hosts.len() {
            self.failures_in_round = 0;
            let elapsed = self
                .failing_since
                .map_or(Duration::ZERO, |since| since.elapsed());
            pause = self.schedule.next_pause(elapsed)?;
        }
        if let Some(host) = self.next_rebalanced() {
            return Some((host, pause));
        }
        let host = self.hosts[self.next % self.hosts.len()].clone();
        self.next = (self.next + 1) % self.hosts.len();
        Some((host, pause))
    }

    /// The next server of a rebalancing move, if one is under way.
    fn next_rebalanced(&mut self) -> Option<HostAddr> {
        let rebalance = self.rebalance.as_mut()?;
        let take_added = self.rng.next_f64() < rebalance.p_new;
        let added_left = rebalance.next_added < rebalance.added.len();
        let kept_left = rebalance.next_kept < rebalance.kept.len();
        let host = if added_left && (take_added || !kept_left) {
            rebalance.next_added += 1;
            rebalance.added[rebalance.next_added - 1].clone()
        } else if kept_left {
            rebalance.next_kept += 1;
            rebalance.kept[rebalance.next_kept - 1].clone()
        } else {
            // Every server was tried once: back to walking the list.
            self.rebalance = None;
            return None;
        };
        if let Some(index) = self.hosts.iter().position(|each| *each == host) {
            self.next = (index + 1) % self.hosts.len();
        }
        Some(host)
    }

    /// Replaces the servers with `hosts` (not empty), `current` being the server of the
    /// connection (if any). True when the connection should move: always when `current` is
    /// not in the new list; with probability 1 - old/new when the list grew (the share of
    /// sessions the added servers should take). When it moves, an added server is chosen
    /// with the probability that evens the load out (ZOOKEEPER-1355). The backoff's round
    /// starts over.
    pub fn update(&mut self, hosts: Vec<HostAddr>, current: Option<&HostAddr>) -> bool {
        let hosts = self.arranged(hosts);
        let (kept, added): (Vec<HostAddr>, Vec<HostAddr>) = hosts
            .iter()
            .cloned()
            .partition(|host| self.hosts.contains(host));
        let stays = current.is_some_and(|current| hosts.contains(current));
        let (old_len, new_len, kept_len) = (
            self.hosts.len() as f64,
            hosts.len() as f64,
            kept.len() as f64,
        );
        let p_new = if new_len > old_len {
            // More servers: the added ones take 1 - old/new of the sessions.
            match stays {
                true if self.rng.next_f64() >= 1.0 - old_len / new_len => None,
                _ => Some(1.0),
            }
        } else if stays {
            // As many servers or fewer: the kept ones take on load; a session on one stays.
            None
        } else if old_len > kept_len {
            // The connection's server left: spread its sessions so that kept and added
            // servers end up with the same load.
            let p_kept = kept_len * (old_len - new_len) / (new_len * (old_len - kept_len));
            Some(1.0 - p_kept)
        } else {
            Some(0.0)
        };
        self.rebalance = p_new.map(|p_new| Rebalance {
            kept,
            added,
            next_kept: 0,
            next_added: 0,
            p_new,
        });
        self.next = current
            .and_then(|current| hosts.iter().position(|each| each == current))
            .map_or(0, |index| (index + 1) % hosts.len());
        self.hosts = hosts;
        self.failures_in_round = 0;
        current.is_some() && self.rebalance.is_some()
    }

    /// Makes `host` the next one tried (a read-write server found while on a read-only one).
    pub fn prefer(&mut self, host: &HostAddr) {
        if let Some(index) = self.hosts.iter().position(|each| each == host) {
            self.next = index;
            self.rebalance = None;
        }
    }

    /// Whether `host` is in the list.
    pub fn contains(&self, host: &HostAddr) -> bool {
        self.hosts.contains(host)
    }

    /// Every server, in walking order.
    pub fn all(&self) -> Vec<HostAddr> {
        self.hosts.clone()
    }

    /// Records a failed attempt.
    pub fn failed(&mut self) {
        self.failures_in_round += 1;
        self.failing_since.get_or_insert_with(Instant::now);
    }

    /// Records a connection that proved itself and lived a while: failures start over.
    pub fn connected(&mut self) {
        self.failures_in_round = 0;
        self.failing_since = None;
        self.schedule = Schedule::new(&self.policy, random_source());
    }

    /// A handshake succeeded: a rebalancing move is over.
    pub fn settled(&mut self) {
        self.rebalance = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hosts_ports_and_ipv6() {
        let hosts = parse_hosts("h1:2181, h2 ,[::1]:2183,[fe80::1]").unwrap();
        let shown: Vec<String> = hosts.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            ["h1:2181", "h2:2181", "[::1]:2183", "[fe80::1]:2181"]
        );
    }

    #[test]
    fn rejects_bad_hosts() {
        for bad in [
            "", ",", "h:0", "h:x", "h:70000", "[::1", "[::1]x", "::1:2181", ":2181",
        ] {
            assert!(parse_hosts(bad).is_err(), "{bad:?} was accepted");
        }
    }

    fn policy(max_tries: Option<u32>) -> RetryPolicy {
        RetryPolicy {
            max_tries,
            delay: Duration::from_millis(50),
            max_jitter: 0.0,
            max_delay: Duration::from_millis(150),
            ..RetryPolicy::default()
        }
    }

    #[test]
    fn walks_round_robin_and_backs_off_only_after_a_full_round() {
        let hosts = parse_hosts("a:1,b:2,c:3").unwrap();
        let mut list = HostList::new(hosts, false, &policy(None));
        let mut seen = Vec::new();
        for _ in 0..3 {
            let (host, delay) = list.next().unwrap();
            assert_eq!(delay, Duration::ZERO);
            seen.push(host.host);
            list.failed();
        }
        assert_eq!(seen, ["a", "b", "c"]);
        // Each round: the first attempt waits the round's pause, the others none.
        let pauses: Vec<Duration> = (0..4)
            .map(|_| {
                let (_, pause) = list.next().unwrap();
                list.failed();
                for _ in 0..2 {
                    assert_eq!(list.next().unwrap().1, Duration::ZERO);
                    list.failed();
                }
                pause
            })
            .collect();
        let ms = |n| Duration::from_millis(n);
        assert_eq!(pauses, [ms(50), ms(100), ms(150), ms(150)]);
        list.connected();
        assert_eq!(list.next().unwrap().1, Duration::ZERO);
    }

    #[test]
    fn gives_up_when_the_connection_retry_policy_does() {
        let hosts = parse_hosts("a,b").unwrap();
        let mut list = HostList::new(hosts, false, &policy(Some(2)));
        let mut attempts = 0;
        while list.next().is_some() {
            attempts += 1;
            list.failed();
        }
        // Two tries of a whole round each.
        assert_eq!(attempts, 4);
    }

    #[test]
    fn shuffle_keeps_every_host() {
        let hosts = parse_hosts("a,b,c,d,e,f,g").unwrap();
        let mut list = HostList::new(hosts.clone(), true, &policy(None));
        let mut seen: Vec<HostAddr> = (0..7).map(|_| list.next().unwrap().0).collect();
        seen.sort_by(|x, y| x.host.cmp(&y.host));
        assert_eq!(seen, hosts);
    }

    fn names(hosts: &[HostAddr]) -> Vec<String> {
        hosts.iter().map(|host| host.host.clone()).collect()
    }

    fn host(name: &str) -> HostAddr {
        HostAddr {
            host: name.into(),
            port: 1,
        }
    }

    /// Lists of `old` connected to `current`, updated to `new`, many times: how often the
    /// connection moved, and where the moved ones went first (by host name).
    fn moves(
        old: &str,
        current: &str,
        new: &str,
    ) -> (f64, std::collections::BTreeMap<String, usize>) {
        let runs = 20_000;
        let mut moved = 0;
        let mut first = std::collections::BTreeMap::new();
        for _ in 0..runs {
            let mut list = HostList::new(parse_hosts(old).unwrap(), true, &policy(None));
            if list.update(parse_hosts(new).unwrap(), Some(&host(current))) {
                moved += 1;
                *first.entry(list.next().unwrap().0.host).or_insert(0) += 1;
            }
        }
        (f64::from(moved) / f64::from(runs), first)
    }

    #[test]
    fn growth_moves_the_share_the_added_servers_should_take() {
        // 3 -> 5: 40% move, all of them to one of the two added servers, evenly.
        let (share, first) = moves("a:1,b:1,c:1", "a", "a:1,b:1,c:1,d:1,e:1");
        assert!((share - 0.4).abs() < 0.02, "{share}");
        assert_eq!(first.keys().collect::<Vec<_>>(), ["d", "e"]);
        let (d, e) = (first["d"] as f64, first["e"] as f64);
        assert!((d / (d + e) - 0.5).abs() < 0.03, "{first:?}");
    }

    #[test]
    fn shrinking_keeps_a_kept_server_and_moves_a_removed_one_to_the_kept() {
        let (share, _) = moves("a:1,b:1,c:1,d:1,e:1", "a", "a:1,b:1,c:1");
        assert_eq!(share, 0.0);
        let (share, first) = moves("a:1,b:1,c:1,d:1,e:1", "e", "a:1,b:1,c:1");
        assert_eq!(share, 1.0);
        assert_eq!(first.keys().collect::<Vec<_>>(), ["a", "b", "c"]);
        for count in first.values() {
            assert!(
                (*count as f64 / 20_000.0 - 1.0 / 3.0).abs() < 0.02,
                "{first:?}"
            );
        }
    }

    #[test]
    fn a_disjoint_list_moves_to_its_servers_and_keeps_the_chosen_order() {
        let (share, first) = moves("a:1,b:1,c:1", "b", "x:1,y:1,z:1");
        assert_eq!(share, 1.0);
        assert_eq!(first.keys().collect::<Vec<_>>(), ["x", "y", "z"]);
        // Replacing 2 of 5 servers: the sessions of a removed one go to the added ones with
        // the probability that evens the load: 1 - p_kept, p_kept = 3*0 / (5*2) = 0.
        let (share, first) = moves("a:1,b:1,c:1,d:1,e:1", "e", "a:1,b:1,c:1,x:1,y:1");
        assert_eq!(share, 1.0);
        assert_eq!(first.keys().collect::<Vec<_>>(), ["x", "y"]);
    }

    #[test]
    fn a_move_tries_every_server_once_then_walks_the_list() {
        let mut list = HostList::new(parse_hosts("a:1,b:1").unwrap(), false, &policy(None));
        assert!(list.update(parse_hosts("c:1,d:1,a:1").unwrap(), Some(&host("b"))));
        let mut tried: Vec<String> = (0..3)
            .map(|_| {
                let (host, pause) = list.next().unwrap();
                assert_eq!(pause, Duration::ZERO);
                list.failed();
                host.host
            })
            .collect();
        tried.sort();
        assert_eq!(tried, ["a", "c", "d"]);
        // Then the usual rounds, paused between them.
        let (_, pause) = list.next().unwrap();
        assert_eq!(pause, Duration::from_millis(50));
        assert_eq!(names(&list.all()), ["c", "d", "a"]);
    }

    #[test]
    fn an_update_without_a_connection_never_moves_and_repeats_are_dropped() {
        let mut list = HostList::new(parse_hosts("a:1").unwrap(), false, &policy(None));
        assert!(!list.update(parse_hosts("b:1,b:1,c:1").unwrap(), None));
        assert_eq!(names(&list.all()), ["b", "c"]);
        // The current server stays: no move, and the walk goes on after it.
        assert!(!list.update(parse_hosts("b:1,c:1").unwrap(), Some(&host("b"))));
        assert_eq!(list.next().unwrap().0.host, "c");
    }
}
