//! The byte stream of one connection: plain TCP, or TLS over it.

use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::hosts::HostAddr;
use super::tls::TlsConnector;
use crate::error::Error;

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
    /// Connects to `host`, over TLS when `tls` is given.
    pub(crate) async fn open(
        host: &HostAddr,
        tls: Option<&TlsConnector>,
    ) -> Result<Stream, OpenFailure> {
        let tcp = TcpStream::connect((host.host.as_str(), host.port))
            .await
            .map_err(|e| OpenFailure::Network(format!("connect to {host}: {e}")))?;
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
