//! The byte stream of one connection: plain TCP, or TLS over it.

use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{timeout, Instant};

use super::hosts::HostAddr;
use super::resolve::Resolver;
use super::tls::TlsConnector;
use crate::error::Error;
use crate::proto::{split_frame, Split};

/// Why [`read_frame`] returned no frame.
pub(crate) enum FrameError {
    /// The length prefix is negative.
    Malformed(String),
    /// The frame declares this many bytes, over the limit (what was read stays buffered).
    Oversize(usize),
    /// The peer closed the connection first.
    Closed,
    /// A read failed.
    Io(std::io::Error),
}

/// Reads from `stream` until `buffer` holds a whole frame of at most `max_len` bytes, and
/// returns it, length prefix included; what follows it stays in `buffer`. For the exchanges
/// before a connection is served (the handshake, SASL), one frame at a time.
pub(crate) async fn read_frame<S: AsyncRead + Unpin>(
    stream: &mut S,
    buffer: &mut BytesMut,
    max_len: usize,
) -> Result<BytesMut, FrameError> {
    loop {
        match split_frame(buffer, max_len) {
            Err(e) => return Err(FrameError::Malformed(e.to_string())),
            Ok(Split::Oversize { declared }) => return Err(FrameError::Oversize(declared)),
            Ok(Split::Frame { consumed, .. }) => return Ok(buffer.split_to(consumed)),
            Ok(Split::NeedMore { .. }) => {}
        }
        match stream.read_buf(buffer).await {
            Ok(0) => return Err(FrameError::Closed),
            Ok(_) => {}
            Err(error) => return Err(FrameError::Io(error)),
        }
    }
}

/// One connection to a server.
pub(crate) enum Stream {
    /// Plain TCP (`clientPort`).
    Plain(TcpStream),
    /// TLS (`secureClientPort`).
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

/// Why a connection could not be opened.
pub(crate) enum OpenFailure {
    /// The network: refused, unreachable, reset (a failed attempt).
    Network(String),
    /// TLS failed ([`Error::Tls`]).
    Tls(Error),
}

impl Stream {
    /// Connects to `host`, over TLS when `tls` is given. The name is resolved by `resolver`
    /// and its addresses are tried in turn until one takes the connection; with a `deadline`,
    /// each gets an equal share of the time left.
    pub(crate) async fn open(
        host: &HostAddr,
        resolver: &Resolver,
        tls: Option<&TlsConnector>,
        deadline: Option<Instant>,
    ) -> Result<Stream, OpenFailure> {
        let addresses = resolver
            .resolve(host)
            .await
            .map_err(|e| OpenFailure::Network(format!("resolve {host}: {e}")))?;
        let tcp = connect_any(host, &addresses, deadline)
            .await
            .map_err(|why| {
                resolver.forget(host);
                OpenFailure::Network(why)
            })?;
        let _ = tcp.set_nodelay(true);
        match tls {
            None => Ok(Stream::Plain(tcp)),
            Some(tls) => tls
                .connect(&host.host, &host.to_string(), tcp)
                .await
                .map(|stream| Stream::Tls(Box::new(stream)))
                .map_err(OpenFailure::Tls),
        }
    }
}

/// The first of `addresses` that takes a TCP connection; else why none did (each failure).
async fn connect_any(
    host: &HostAddr,
    addresses: &[SocketAddr],
    deadline: Option<Instant>,
) -> Result<TcpStream, String> {
    let mut failures = Vec::new();
    for (index, address) in addresses.iter().enumerate() {
        let attempt = TcpStream::connect(address);
        let result = match deadline {
            None => attempt.await,
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                let share = left / u32::try_from(addresses.len() - index).unwrap_or(u32::MAX);
                match timeout(share, attempt).await {
                    Ok(result) => result,
                    Err(_) => Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        format!("no answer within {share:?}"),
                    )),
                }
            }
        };
        match result {
            Ok(tcp) => return Ok(tcp),
            Err(error) => failures.push(if addresses.len() == 1 {
                error.to_string()
            } else {
                format!("{address}: {error}")
            }),
        }
    }
    Err(format!("connect to {host}: {}", failures.join("; ")))
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(tcp) => Pin::new(tcp).poll_read(cx, buf),
            Stream::Tls(tls) => Pin::new(tls.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(tcp) => Pin::new(tcp).poll_write(cx, buf),
            Stream::Tls(tls) => Pin::new(tls.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(tcp) => Pin::new(tcp).poll_flush(cx),
            Stream::Tls(tls) => Pin::new(tls.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(tcp) => Pin::new(tcp).poll_shutdown(cx),
            Stream::Tls(tls) => Pin::new(tls.as_mut()).poll_shutdown(cx),
        }
    }
}
