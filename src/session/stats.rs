//! The client's counters: relaxed atomics written by the session task and read by anyone, one
//! set per client (kept across reconnects and restarts of the session), and a latency
//! histogram of fixed buckets. Recording costs a few relaxed atomic increments and never
//! allocates, except once: the histogram is allocated with the first reply, so that idle
//! clients (a thousand sessions that only ping) stay light.
//!
//! What counts:
//! - a *request* is a frame the session matches a reply to by its xid: the caller's requests,
//!   and the removeWatches and closeSession the session sends itself. Pings, auth packets,
//!   SetWatches and the handshake are not requests (their bytes are in the byte counts, the
//!   handshake's and SASL's excepted);
//! - a request is *sent* when it is queued to the connection's socket (the outbound buffer the
//!   task writes from at once), and ends either *answered* (its reply matched) or *failed*
//!   (the connection broke before the reply, or the reply was over the inbound limit):
//!   in flight = sent - answered - failed;
//! - latency runs from the moment a request is queued to the moment its reply is matched, both
//!   taken from clock reads the task makes anyway (one per batch of commands, one per read);
//! - bytes are the ZooKeeper protocol bytes read from and written to established connections
//!   (after TLS decryption: what TLS adds is not counted), pings and events included.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::OnceLock;
use std::time::Duration;

/// Values below this many microseconds have a bucket each.
const EXACT: u64 = 64;
/// Sub-buckets per power of two above `EXACT`: each is at most 1/32 of its values wide, so a
/// bucket's midpoint is within 1.6 % of any value in it.
const SUB_BUCKETS: u64 = 32;
/// log2 of `EXACT`.
const EXACT_BITS: u32 = 6;
/// Latencies are kept up to 2^26 µs (67 s); longer ones count as 67 s (the maximum is exact).
const TOP_BITS: u32 = 26;
const BUCKETS: usize = (EXACT + (TOP_BITS - EXACT_BITS) as u64 * SUB_BUCKETS) as usize;

/// The bucket of a latency of `micros`.
fn bucket(micros: u64) -> usize {
    let v = micros.min((1 << TOP_BITS) - 1);
    if v < EXACT {
        return v as usize;
    }
    let exponent = 63 - v.leading_zeros(); // EXACT_BITS..TOP_BITS
    let sub = (v >> (exponent - 5)) & (SUB_BUCKETS - 1);
    (EXACT + u64::from(exponent - EXACT_BITS) * SUB_BUCKETS + sub) as usize
}

/// The smallest value of bucket `index` and its width, in microseconds.
fn bucket_range(index: usize) -> (u64, u64) {
    let index = index as u64;
    if index < EXACT {
        return (index, 1);
    }
    let exponent = (index - EXACT) / SUB_BUCKETS + u64::from(EXACT_BITS);
    let sub = (index - EXACT) % SUB_BUCKETS;
    let width = 1 << (exponent - 5);
    ((1 << exponent) + sub * width, width)
}

struct Histogram {
    counts: [AtomicU64; BUCKETS],
}

/// The counters of one client. Only the session task writes them.
#[derive(Default)]
pub struct Stats {
    requests_sent: AtomicU64,
    replies_received: AtomicU64,
    requests_failed: AtomicU64,
    watch_events: AtomicU64,
    connection_attempts: AtomicU64,
    connections: AtomicU64,
    reconnects: AtomicU64,
    expirations: AtomicU64,
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
    latency_max_us: AtomicU64,
    latency: OnceLock<Box<Histogram>>,
}

/// A snapshot of a client's counters since it was created ([`crate::Client::stats`]). Each
/// counter only grows (the in-flight gauge and the latency figures aside); counters are read
/// one after the other, so two of them may be a few requests apart.
///
/// New fields may be added in later versions (the struct is `#[non_exhaustive]`): read the
/// fields by name, build one with `ClientStats::default()`.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// Requests queued to a server (the caller's, and the removeWatches and closeSession the
    /// session sends on its own); pings, auth packets and SetWatches are not requests.
    pub requests_sent: u64,
    /// Replies matched to their request (the server's errors included).
    pub replies_received: u64,
    /// Requests sent that got no reply: their connection broke first (they failed with
    /// connection-loss), or the reply was over the inbound limit.
    pub requests_failed: u64,
    /// Requests sent and not answered yet: sent - received - failed.
    pub requests_in_flight: u64,
    /// Watch notifications the server sent (one may call several watchers).
    pub watch_events: u64,
    /// Connection attempts (TCP connect and handshake) to a server.
    pub connection_attempts: u64,
    /// Connections whose handshake (and SASL, if any) succeeded.
    pub connections: u64,
    /// Connections made after the first of the same session task (a lost connection
    /// replaced, possibly with a new session after an expiry); a start after a stop is not a
    /// reconnect.
    pub reconnects: u64,
    /// Sessions expired: said by the server, or by the local timer when no server answered
    /// for a whole session timeout.
    pub expirations: u64,
    /// ZooKeeper protocol bytes read on established connections (after TLS decryption; the
    /// handshake and SASL exchange are not counted).
    pub bytes_in: u64,
    /// ZooKeeper protocol bytes written on established connections (same rule).
    pub bytes_out: u64,
    /// The median latency of the replies since the client was created (from the moment the
    /// request was queued to the socket to the moment its reply was matched), within 1.6 %;
    /// zero before any reply.
    pub latency_p50: Duration,
    /// The 99th percentile latency, within 1.6 % (and never above `latency_max`).
    pub latency_p99: Duration,
    /// The longest latency, exact to the microsecond.
    pub latency_max: Duration,
}

impl Stats {
    /// A request was queued to the socket.
    pub(crate) fn request_sent(&self) {
        self.requests_sent.fetch_add(1, Relaxed);
    }

    /// A reply was matched to its request, `latency` after the request was queued.
    pub(crate) fn reply_received(&self, latency: Duration) {
        self.replies_received.fetch_add(1, Relaxed);
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        let histogram = self.latency.get_or_init(|| {
            Box::new(Histogram {
                counts: std::array::from_fn(|_| AtomicU64::new(0)),
            })
        });
        histogram.counts[bucket(micros)].fetch_add(1, Relaxed);
        // A plain load first: the maximum rarely changes.
        if micros > self.latency_max_us.load(Relaxed) {
            self.latency_max_us.fetch_max(micros, Relaxed);
        }
    }

    /// `count` requests sent will get no reply.
    pub(crate) fn requests_failed(&self, count: usize) {
        if count > 0 {
            self.requests_failed.fetch_add(count as u64, Relaxed);
        }
    }

    /// The server sent a watch notification.
    pub(crate) fn watch_event(&self) {
        self.watch_events.fetch_add(1, Relaxed);
    }

    /// A connection attempt begins.
    pub(crate) fn connection_attempt(&self) {
        self.connection_attempts.fetch_add(1, Relaxed);
    }

    /// A handshake succeeded; `reconnect` when the session task had a connection before.
    pub(crate) fn connected(&self, reconnect: bool) {
        self.connections.fetch_add(1, Relaxed);
        if reconnect {
            self.reconnects.fetch_add(1, Relaxed);
        }
    }

    /// The session expired.
    pub(crate) fn expired(&self) {
        self.expirations.fetch_add(1, Relaxed);
    }

    /// `count` bytes were read.
    pub(crate) fn bytes_in(&self, count: usize) {
        self.bytes_in.fetch_add(count as u64, Relaxed);
    }

    /// `count` bytes were written.
    pub(crate) fn bytes_out(&self, count: usize) {
        self.bytes_out.fetch_add(count as u64, Relaxed);
    }

    /// The counters now. Reads about 700 relaxed atomics (the histogram) and allocates
    /// nothing: cheap enough to call every second, or far more often.
    pub fn snapshot(&self) -> ClientStats {
        // The answered and failed counts first: the sent count read after them is at least
        // their sum, so the in-flight gauge is never made up of counts read out of order.
        let replies_received = self.replies_received.load(Relaxed);
        let requests_failed = self.requests_failed.load(Relaxed);
        let requests_sent = self.requests_sent.load(Relaxed);
        let max = self.latency_max_us.load(Relaxed);
        let (p50, p99) = match self.latency.get() {
            Some(histogram) => percentiles(&histogram.counts, max),
            None => (0, 0),
        };
        ClientStats {
            requests_sent,
            replies_received,
            requests_failed,
            requests_in_flight: requests_sent.saturating_sub(replies_received + requests_failed),
            watch_events: self.watch_events.load(Relaxed),
            connection_attempts: self.connection_attempts.load(Relaxed),
            connections: self.connections.load(Relaxed),
            reconnects: self.reconnects.load(Relaxed),
            expirations: self.expirations.load(Relaxed),
            bytes_in: self.bytes_in.load(Relaxed),
            bytes_out: self.bytes_out.load(Relaxed),
            latency_p50: Duration::from_micros(p50),
            latency_p99: Duration::from_micros(p99),
            latency_max: Duration::from_micros(max),
        }
    }
}

/// The 50th and 99th percentiles (µs) of the histogram: the midpoint of the bucket that holds
/// each, never above `max`.
fn percentiles(counts: &[AtomicU64; BUCKETS], max: u64) -> (u64, u64) {
    let counts: [u64; BUCKETS] = std::array::from_fn(|i| counts[i].load(Relaxed));
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return (0, 0);
    }
    // The rank of the q-th quantile: the smallest value with at least q of all below or at it.
    let rank = |q_percent: u64| (total * q_percent).div_ceil(100).max(1);
    let value_at = |rank: u64| {
        let mut seen = 0;
        for (index, count) in counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                let (low, width) = bucket_range(index);
                return (low + width / 2).min(max);
            }
        }
        max
    };
    (value_at(rank(50)), value_at(rank(99)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cover_every_value_in_order_and_are_at_most_a_32nd_of_their_values_wide() {
        assert_eq!(bucket(0), 0);
        assert_eq!(bucket(63), 63);
        assert_eq!(bucket(64), 64);
        assert_eq!(bucket(u64::MAX), BUCKETS - 1);
        let mut last = 0;
        for v in (0..(1u64 << TOP_BITS)).step_by(7) {
            let index = bucket(v);
            assert!(index >= last, "bucket of {v} goes back");
            last = index;
            let (low, width) = bucket_range(index);
            assert!(low <= v && v < low + width, "{v} outside bucket {index}");
            assert!(low < EXACT || width * 32 <= low, "bucket {index} too wide");
        }
        assert_eq!(
            bucket_range(BUCKETS - 1).0 + bucket_range(BUCKETS - 1).1,
            1 << TOP_BITS
        );
    }

    #[test]
    fn percentiles_are_within_two_percent_and_never_above_the_maximum() {
        let stats = Stats::default();
        assert_eq!(stats.snapshot().latency_p99, Duration::ZERO);
        // 1..=1000 ms, one each: p50 = 500 ms, p99 = 990 ms, max = 1000 ms.
        for ms in 1..=1000u64 {
            stats.reply_received(Duration::from_millis(ms));
        }
        let snapshot = stats.snapshot();
        let near = |got: Duration, want_ms: f64| {
            let got = got.as_secs_f64() * 1000.0;
            assert!(
                (got - want_ms).abs() <= want_ms * 0.02,
                "{got} ms, want {want_ms}"
            );
        };
        near(snapshot.latency_p50, 500.0);
        near(snapshot.latency_p99, 990.0);
        assert_eq!(snapshot.latency_max, Duration::from_millis(1000));
        assert!(snapshot.latency_p99 <= snapshot.latency_max);
        // One very long reply: clamped into the top bucket, the maximum exact.
        stats.reply_received(Duration::from_secs(600));
        assert_eq!(stats.snapshot().latency_max, Duration::from_secs(600));
        assert_eq!(stats.snapshot().replies_received, 1001);
    }

    #[test]
    fn in_flight_is_sent_minus_answered_minus_failed() {
        let stats = Stats::default();
        for _ in 0..5 {
            stats.request_sent();
        }
        stats.reply_received(Duration::from_micros(10));
        stats.requests_failed(2);
        let snapshot = stats.snapshot();
        assert_eq!(snapshot.requests_in_flight, 2);
        assert_eq!(snapshot.latency_p50, Duration::from_micros(10));
        assert_eq!(snapshot.latency_max, Duration::from_micros(10));
    }
}

/// The recording cost, for the record: `cargo test --release --lib recording_cost -- --ignored
/// --nocapture`.
#[cfg(test)]
mod cost {
    use super::*;
    use std::time::Instant;

    #[test]
    #[ignore]
    fn recording_cost() {
        const N: u32 = 10_000_000;
        let stats = Stats::default();
        let start = Instant::now();
        for i in 0..N {
            stats.request_sent();
            stats.reply_received(Duration::from_micros(u64::from(i % 5000) + 100));
        }
        let per_request = start.elapsed() / N;
        let start = Instant::now();
        let mut last = start;
        for _ in 0..N {
            last = std::hint::black_box(Instant::now());
        }
        let per_clock_read = (last - start) / N;
        let start = Instant::now();
        for _ in 0..1000 {
            std::hint::black_box(stats.snapshot());
        }
        let per_snapshot = start.elapsed() / 1000;
        println!(
            "per request (sent + reply recorded): {per_request:?}; Instant::now: \
             {per_clock_read:?}; snapshot: {per_snapshot:?}"
        );
    }
}
