//! The server list of a connect string, the order it is tried in, and the backoff between
//! rounds.

use std::fmt;
use std::time::Duration;

use crate::error::{Error, Result};

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

/// A small xorshift generator: host shuffling and backoff jitter need no cryptography.
pub struct Jitter(u64);

impl Jitter {
    /// Seeded from the clock, the process id and a per-call address.
    pub fn new() -> Jitter {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        let local = 0u8;
        let seed = nanos ^ (u64::from(std::process::id()) << 32) ^ (&local as *const u8 as u64);
        Jitter(seed | 1)
    }

    /// The next pseudo-random number.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `0..bound` (`bound` > 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound.max(1)
    }
}

/// The servers in the order they are tried: shuffled once (unless asked not to), then walked
/// round-robin. After a whole round without a session the walk backs off, exponentially with
/// jitter, up to a ceiling.
pub struct HostList {
    hosts: Vec<HostAddr>,
    next: usize,
    failures_in_a_row: u32,
    jitter: Jitter,
}

/// The first pause after a round of failed attempts.
const BACKOFF_START: Duration = Duration::from_millis(50);
/// The longest pause between rounds.
const BACKOFF_CEILING: Duration = Duration::from_secs(1);

impl HostList {
    /// A list over `hosts`, shuffled when `randomize` is set.
    pub fn new(mut hosts: Vec<HostAddr>, randomize: bool) -> HostList {
        let mut jitter = Jitter::new();
        if randomize {
            for i in (1..hosts.len()).rev() {
                let j = jitter.below(i as u64 + 1) as usize;
                hosts.swap(i, j);
            }
        }
        HostList {
            hosts,
            next: 0,
            failures_in_a_row: 0,
            jitter,
        }
    }

    /// How many servers there are.
    pub fn len(&self) -> usize {
        self.hosts.len()
    }

    /// The next server to try and how long to wait before trying it.
    pub fn next(&mut self) -> (HostAddr, Duration) {
        let host = self.hosts[self.next % self.hosts.len()].clone();
        self.next = (self.next + 1) % self.hosts.len();
        let rounds_failed = self.failures_in_a_row / self.hosts.len() as u32;
        let delay = if self.failures_in_a_row == 0
            || self.failures_in_a_row % self.hosts.len() as u32 != 0
        {
            Duration::ZERO
        } else {
            let exp = BACKOFF_START.saturating_mul(1 << rounds_failed.min(16));
            let base = exp.min(BACKOFF_CEILING);
            // Full jitter on the upper half: between base/2 and base.
            let half = base.as_millis() as u64 / 2;
            Duration::from_millis(half + self.jitter.below(half + 1))
        };
        (host, delay)
    }

    /// Records a failed attempt.
    pub fn failed(&mut self) {
        self.failures_in_a_row = self.failures_in_a_row.saturating_add(1);
    }

    /// Records a session established: the next failure starts a fresh round.
    pub fn connected(&mut self) {
        self.failures_in_a_row = 0;
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

    #[test]
    fn walks_round_robin_and_backs_off_only_after_a_full_round() {
        let hosts = parse_hosts("a:1,b:2,c:3").unwrap();
        let mut list = HostList::new(hosts, false);
        let mut seen = Vec::new();
        for _ in 0..3 {
            let (host, delay) = list.next();
            assert_eq!(delay, Duration::ZERO);
            seen.push(host.host);
            list.failed();
        }
        assert_eq!(seen, ["a", "b", "c"]);
        let (host, delay) = list.next();
        assert_eq!(host.host, "a");
        assert!(
            delay >= BACKOFF_START && delay <= BACKOFF_START * 2,
            "{delay:?}"
        );
        for _ in 0..60 {
            list.failed();
        }
        for _ in 0..3 {
            let (_, delay) = list.next();
            assert!(delay <= BACKOFF_CEILING, "{delay:?}");
            list.failed();
        }
        list.connected();
        assert_eq!(list.next().1, Duration::ZERO);
    }

    #[test]
    fn shuffle_keeps_every_host() {
        let hosts = parse_hosts("a,b,c,d,e,f,g").unwrap();
        let mut list = HostList::new(hosts.clone(), true);
        let mut seen: Vec<HostAddr> = (0..7).map(|_| list.next().0).collect();
        seen.sort_by(|x, y| x.host.cmp(&y.host));
        assert_eq!(seen, hosts);
    }
}
