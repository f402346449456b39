//! Four-letter words (ZooKeeper's admin commands on the client port), and the search for a
//! read-write server while connected to a read-only one.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::{sleep, timeout};

use super::hosts::HostAddr;
use super::resolve::Resolver;
use super::tls::TlsConnector;
use super::transport::{OpenFailure, Stream};

/// Sends a four-letter word (`ruok`, `srvr`, `isro`, ...) to `host`, over TLS when `tls` is
/// given (a `secureClientPort`), and returns its whole answer (the server writes it and
/// closes), at most `max_reply` bytes, within `limit`.
pub(crate) async fn four_letter_word(
    host: &HostAddr,
    resolver: &Resolver,
    tls: Option<&TlsConnector>,
    word: &str,
    limit: Duration,
    max_reply: usize,
) -> io::Result<String> {
    let exchange = async {
        let mut stream = Stream::open(host, resolver, tls, None)
            .await
            .map_err(|failure| match failure {
                OpenFailure::Network(why) => io::Error::new(io::ErrorKind::ConnectionRefused, why),
                OpenFailure::Tls(error) => io::Error::other(error.to_string()),
            })?;
        stream.write_all(word.as_bytes()).await?;
        let mut reply = Vec::new();
        (&mut stream)
            .take(max_reply as u64 + 1)
            .read_to_end(&mut reply)
            .await?;
        if reply.len() > max_reply {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("answer over {max_reply} bytes"),
            ));
        }
        Ok(String::from_utf8_lossy(&reply).into_owned())
    };
    timeout(limit, exchange).await.map_err(|_| {
        io::Error::new(
            io::ErrorKind::TimedOut,
            format!("{host} did not answer {word:?} in {limit:?}"),
        )
    })?
}

/// The first pause between rounds of probes for a read-write server.
const PROBE_START: Duration = Duration::from_millis(500);
/// The longest pause between rounds of probes.
const PROBE_CEILING: Duration = Duration::from_secs(60);

/// Asks the other servers, with growing pauses, until one says it is read-write (`isro` →
/// `rw`), and returns it. Never returns when none ever does.
pub(super) async fn find_read_write_server(
    hosts: Vec<HostAddr>,
    current: Option<HostAddr>,
    resolver: Resolver,
    tls: Option<TlsConnector>,
) -> HostAddr {
    let mut pause = PROBE_START;
    loop {
        sleep(pause).await;
        for host in hosts.iter().filter(|host| Some(*host) != current.as_ref()) {
            if let Ok(answer) = four_letter_word(
                host,
                &resolver,
                tls.as_ref(),
                "isro",
                Duration::from_secs(1),
                64,
            )
            .await
            {
                if answer.trim() == "rw" {
                    return host.clone();
                }
            }
        }
        pause = (pause * 2).min(PROBE_CEILING);
    }
}
