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
pub struct HostList {
    hosts: Vec<HostAddr>,
    next: usize,
    failures_in_round: usize,
    policy: RetryPolicy,
    schedule: Schedule<Random>,
    /// When the first attempt of the current run of failures failed.
    failing_since: Option<Instant>,
}

fn random_source() -> Random {
    let mut rng = XorShift::from_clock();
    Box::new(move || rng.next_f64())
}

impl HostList {
    /// A list over `hosts`, shuffled when `randomize` is set, retried under `policy`.
    pub fn new(mut hosts: Vec<HostAddr>, randomize: bool, policy: &RetryPolicy) -> HostList {
        if randomize {
            let mut rng = XorShift::from_clock();
            for i in (1..hosts.len()).rev() {
                hosts.swap(i, rng.below(i + 1));
            }
        }
        HostList {
            hosts,
            next: 0,
            failures_in_round: 0,
            policy: policy.clone(),
            schedule: Schedule::new(policy, random_source()),
            failing_since: None,
        }
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
        let host = self.hosts[self.next % self.hosts.len()].clone();
        self.next = (self.next + 1) % self.hosts.len();
        Some((host, pause))
    }

    /// Makes `host` the next one tried (a read-write server found while on a read-only one).
    pub fn prefer(&mut self, host: &HostAddr) {
        if let Some(index) = self.hosts.iter().position(|each| each == host) {
            self.next = index;
        }
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
}
