//! The client's counters as a versioned struct.

use super::client::{client_arg, zk_client};
use super::versioned::{end_of, write_versioned, Versioned};
use super::{guard, required_out, zk_error};

/// The version of `zk_stats` this header describes: set `version` to it before calling
/// `zk_client_stats()`.
pub const ZK_STATS_VERSION: u32 = 1;

/// A snapshot of a client's counters since it was created (`zk_client_stats()`), across
/// reconnects and restarts of its session. Each counter only grows, the in-flight gauge and
/// the latency figures aside; counters are read one after the other, so two of them may be a
/// few requests apart.
///
/// Versioned: the caller sets `version` (to `ZK_STATS_VERSION`), and the library fills the
/// fields of that version and writes nothing beyond them. Later versions only add fields at
/// the end, so a program built with an older header keeps working with a newer library.
///
/// A *request* is a frame the server answers by its xid: the caller's requests, and the
/// removeWatches and closeSession the session sends on its own. Pings, auth packets and
/// SetWatches are not requests (their bytes are counted).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct zk_stats {
    /// Set by the caller to `ZK_STATS_VERSION`; left as it was.
    pub version: u32,
    /// Requests queued to a server.
    pub requests_sent: u64,
    /// Replies matched to their request (the server's errors included).
    pub replies_received: u64,
    /// Requests sent that got no reply: the connection broke first (they failed with
    /// `ZK_ECONNECTIONLOSS`), or the reply was over the inbound limit.
    pub requests_failed: u64,
    /// Requests sent and not answered yet: sent - received - failed.
    pub requests_in_flight: u64,
    /// Watch notifications the server sent (one may call several watchers).
    pub watch_events: u64,
    /// Connection attempts (TCP connect and handshake) to a server.
    pub connection_attempts: u64,
    /// Connections whose handshake (and SASL, if any) succeeded.
    pub connections: u64,
    /// Connections made after the first of the same session (a lost connection replaced,
    /// possibly with a new session after an expiry); a start after a stop is not one.
    pub reconnects: u64,
    /// Sessions expired: said by the server, or by the local timer when no server answered
    /// for a whole session timeout.
    pub expirations: u64,
    /// ZooKeeper protocol bytes read on established connections, after TLS decryption (what
    /// TLS adds, the handshake and the SASL exchange are not counted).
    pub bytes_in: u64,
    /// ZooKeeper protocol bytes written on established connections (same rule).
    pub bytes_out: u64,
    /// The median reply latency since the client was created, in microseconds, within 1.6 %
    /// (from the moment the request is queued to the socket to the moment its reply is
    /// matched); 0 before any reply.
    pub latency_p50_us: u64,
    /// The 99th percentile reply latency, in microseconds, within 1.6 % (at most
    /// `latency_max_us`).
    pub latency_p99_us: u64,
    /// The longest reply latency, in microseconds (exact).
    pub latency_max_us: u64,
}

/// How many bytes of `zk_stats` version `version` has; `None` for a version this library
/// does not know. (Version 2 would add fields at the end; version 1 would then be the offset
/// of its first new field.)
// SAFETY: repr(C), version first, plain integers; the size ends at its last field.
unsafe impl Versioned for zk_stats {
    const NAME: &'static str = "zk_stats";
    const SET_VERSION: &'static str = "set its version to ZK_STATS_VERSION";
    const SIZES: &'static [usize] = &[end_of!(zk_stats, latency_max_us)];
    fn defaults() -> Self {
        zk_stats {
            version: ZK_STATS_VERSION,
            ..zk_stats::default()
        }
    }
}

/// Fills `*out` with the client's counters (see `zk_stats`): set `out->version` to
/// `ZK_STATS_VERSION` first. Writes exactly the fields of that version. `ZK_EINVAL` when
/// `client` or `out` is NULL, or when `out->version` is 0 or a version this library does not
/// know (a header newer than the library); `*out` is then left as it was.
///
/// Any thread, at any time, from inside the client's callbacks too; a stopped client answers
/// with its counters (a client inherited over `fork()` gives `ZK_EFORKED`, like every call).
/// Lock-free and allocation-free (about 700 relaxed loads): cheap enough to call every
/// second, or far more often. `out` belongs to the caller; nothing is kept.
///
/// # Safety
/// `client` is NULL or a live client; `out` is NULL or points to a writable `zk_stats` of the
/// version it says (at least its `version` field readable).
#[no_mangle]
pub unsafe extern "C" fn zk_client_stats(client: *const zk_client, out: *mut zk_stats) -> zk_error {
    guard(|| {
        // SAFETY: NULL or a live client, per the contract.
        let client = unsafe { client_arg(client) }?;
        let out = required_out(out, "out")?;
        // SAFETY: `out` is not NULL and its `version` field is readable, per the contract.
        let version = unsafe { out.cast::<u32>().read() };
        let stats = client.stats();
        let full = zk_stats {
            version,
            requests_sent: stats.requests_sent,
            replies_received: stats.replies_received,
            requests_failed: stats.requests_failed,
            requests_in_flight: stats.requests_in_flight,
            watch_events: stats.watch_events,
            connection_attempts: stats.connection_attempts,
            connections: stats.connections,
            reconnects: stats.reconnects,
            expirations: stats.expirations,
            bytes_in: stats.bytes_in,
            bytes_out: stats.bytes_out,
            latency_p50_us: micros(stats.latency_p50),
            latency_p99_us: micros(stats.latency_p99),
            latency_max_us: micros(stats.latency_max),
        };
        // SAFETY: `out` starts with its version and has room for that version's fields, per
        // the contract.
        unsafe { write_versioned(out, &full) }
    })
}

fn micros(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

// The header's version is the length of the size table.
const _: () = assert!(ZK_STATS_VERSION as usize == <zk_stats as Versioned>::SIZES.len());
