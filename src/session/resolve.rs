//! Host names to socket addresses, again before each connection attempt (ZOOKEEPER-2184: a
//! name whose address changed must reach the server's new address), at most once per
//! configured window, and every address of a name.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::hosts::HostAddr;

/// A resolver the application supplies instead of the system's (`getaddrinfo`): the
/// addresses of `host` (a name, never an IP literal), for `port`. It runs on a blocking
/// thread of the runtime's pool, so it may block; it is called with no lock held.
pub type ResolveFn = dyn Fn(&str, u16) -> io::Result<Vec<SocketAddr>> + Send + Sync;

/// A resolver of the application's (a [`ResolveFn`]), for the client's options.
#[derive(Clone)]
pub struct HostResolver(Arc<ResolveFn>);

impl HostResolver {
    /// Wraps `resolve`.
    pub fn new(
        resolve: impl Fn(&str, u16) -> io::Result<Vec<SocketAddr>> + Send + Sync + 'static,
    ) -> HostResolver {
        HostResolver(Arc::new(resolve))
    }
}

impl fmt::Debug for HostResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HostResolver(..)")
    }
}

/// How a session turns host names into addresses. Clones share the cache.
#[derive(Clone, Default)]
pub struct Resolver {
    custom: Option<Arc<ResolveFn>>,
    /// A successful resolution is reused for this long (0: resolve before every attempt).
    reuse_for: Duration,
    cache: Arc<Mutex<HashMap<(String, u16), Resolved>>>,
}

struct Resolved {
    at: Instant,
    addresses: Vec<SocketAddr>,
}

impl fmt::Debug for Resolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resolver")
            .field("custom", &self.custom.is_some())
            .field("reuse_for", &self.reuse_for)
            .finish()
    }
}

impl Resolver {
    /// Names resolved with `custom` (the system's when `None`), a resolution reused for
    /// `reuse_for` (zero: before every attempt).
    pub fn new(custom: Option<&HostResolver>, reuse_for: Duration) -> Resolver {
        Resolver {
            custom: custom.map(|custom| custom.0.clone()),
            reuse_for,
            cache: Arc::default(),
        }
    }

    /// Every address of `host`, in the resolver's order. An IP literal is its own address,
    /// without a lookup. A name is looked up unless a resolution younger than the window is
    /// kept; an error names the host.
    pub async fn resolve(&self, host: &HostAddr) -> io::Result<Vec<SocketAddr>> {
        if let Ok(ip) = host.host.parse::<IpAddr>() {
            return Ok(vec![SocketAddr::new(ip, host.port)]);
        }
        let key = (host.host.clone(), host.port);
        if !self.reuse_for.is_zero() {
            let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(kept) = cache.get(&key) {
                if kept.at.elapsed() < self.reuse_for {
                    return Ok(kept.addresses.clone());
                }
            }
        }
        let addresses = match &self.custom {
            Some(custom) => {
                let custom = custom.clone();
                let (name, port) = key.clone();
                tokio::task::spawn_blocking(move || custom(&name, port))
                    .await
                    .map_err(|_| io::Error::other("the host resolver panicked"))??
            }
            None => tokio::net::lookup_host((host.host.as_str(), host.port))
                .await?
                .collect(),
        };
        if addresses.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{host} has no address"),
            ));
        }
        log::debug!(
            target: "zkclient::session",
            "resolved {host}: {} address(es)",
            addresses.len()
        );
        if !self.reuse_for.is_zero() {
            let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            cache.insert(
                key,
                Resolved {
                    at: Instant::now(),
                    addresses: addresses.clone(),
                },
            );
        }
        Ok(addresses)
    }

    /// No address of `host` took a connection: the next attempt looks it up again, whatever
    /// the window.
    pub fn forget(&self, host: &HostAddr) {
        if !self.reuse_for.is_zero() {
            let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            cache.remove(&(host.host.clone(), host.port));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn counting(calls: Arc<AtomicUsize>) -> HostResolver {
        HostResolver::new(move |name: &str, port: u16| {
            calls.fetch_add(1, Ordering::SeqCst);
            assert_eq!(name, "zk.example");
            Ok(vec![SocketAddr::from(([127, 0, 0, 9], port))])
        })
    }

    fn host(name: &str) -> HostAddr {
        HostAddr {
            host: name.into(),
            port: 2181,
        }
    }

    #[tokio::test]
    async fn literals_are_not_looked_up_and_names_are_every_time_by_default() {
        let calls = Arc::new(AtomicUsize::new(0));
        let resolver = Resolver::new(Some(&counting(calls.clone())), Duration::ZERO);
        let literal = resolver.resolve(&host("::1")).await.unwrap();
        assert_eq!(
            literal,
            [SocketAddr::from(([0, 0, 0, 0, 0, 0, 0, 1], 2181))]
        );
        assert_eq!(calls.load(Ordering::SeqCst), 0);
        for expected in 1..=3 {
            resolver.resolve(&host("zk.example")).await.unwrap();
            assert_eq!(calls.load(Ordering::SeqCst), expected);
        }
    }

    #[tokio::test]
    async fn a_window_reuses_a_resolution_until_it_is_forgotten() {
        let calls = Arc::new(AtomicUsize::new(0));
        let resolver = Resolver::new(Some(&counting(calls.clone())), Duration::from_secs(3600));
        for _ in 0..3 {
            resolver.resolve(&host("zk.example")).await.unwrap();
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        resolver.forget(&host("zk.example"));
        resolver.resolve(&host("zk.example")).await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn an_empty_answer_is_an_error() {
        let resolver = Resolver::new(
            Some(&HostResolver::new(|_: &str, _| Ok(Vec::new()))),
            Duration::ZERO,
        );
        let error = resolver.resolve(&host("zk.example")).await.unwrap_err();
        assert!(error.to_string().contains("zk.example:2181"), "{error}");
    }
}
