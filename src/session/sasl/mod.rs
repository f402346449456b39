//! SASL: the mechanisms (DIGEST-MD5 always, GSSAPI with the `gssapi` feature) and the exchange
//! the session runs on each new connection, right after the handshake and before anything
//! else (a ping included: a server with `sessionRequireClientSASLAuth` closes the session of
//! a client that sends anything else first).

mod digest;
#[cfg(feature = "gssapi")]
mod gssapi;

use std::path::PathBuf;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

use super::transport::{read_frame, FrameError};
use crate::error::{Error, Result};
use crate::proto::{decode_prefix, encode_request, ErrorCode, OpCode, ReplyHeader, SaslToken};
use crate::secret::Secret;

/// How the client authenticates with SASL on every connection.
#[derive(Clone, PartialEq, Eq)]
pub enum SaslOptions {
    /// DIGEST-MD5 (RFC 2831), what ZooKeeper's `DigestLoginModule` serves: a user and its
    /// password from the server's JAAS file.
    Digest {
        /// The user name.
        username: String,
        /// The password (never printed, wiped when dropped).
        password: Secret,
    },
    /// GSSAPI (Kerberos V5, RFC 4752) through the system's MIT GSSAPI library; needs the
    /// `gssapi` cargo feature.
    Gssapi(GssapiOptions),
}

impl std::fmt::Debug for SaslOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SaslOptions::Digest { username, .. } => f
                .debug_struct("Digest")
                .field("username", username)
                .field("password", &"<redacted>")
                .finish(),
            SaslOptions::Gssapi(options) => f.debug_tuple("Gssapi").field(options).finish(),
        }
    }
}

/// Kerberos settings of [`SaslOptions::Gssapi`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GssapiOptions {
    /// The service part of the server's principal (default `zookeeper`): the client asks for
    /// the host-based service `SERVICE@HOST`.
    pub service: String,
    /// The host part of the server's principal; default: the host of each connect-string entry
    /// as written (so connect to the name the server's principal has, e.g. `localhost`).
    pub service_host: Option<String>,
    /// The client's principal (e.g. `client@EXAMPLE.COM`); default: the one of the keytab or
    /// of the credential cache.
    pub principal: Option<String>,
    /// A client keytab to get credentials from (MIT's `client_keytab`); default: the
    /// credential cache only.
    pub keytab: Option<PathBuf>,
    /// The credential cache (e.g. `FILE:/tmp/krb5cc_app`); default: `KRB5CCNAME` or the
    /// system default.
    pub credential_cache: Option<String>,
}

impl Default for GssapiOptions {
    fn default() -> Self {
        GssapiOptions {
            service: "zookeeper".to_string(),
            service_host: None,
            principal: None,
            keytab: None,
            credential_cache: None,
        }
    }
}

impl SaslOptions {
    /// The mechanism's SASL name.
    pub fn mechanism_name(&self) -> &'static str {
        match self {
            SaslOptions::Digest { .. } => "DIGEST-MD5",
            SaslOptions::Gssapi(_) => "GSSAPI",
        }
    }

    /// Checks the options: a user name for DIGEST-MD5; GSSAPI only when built with it.
    pub fn validate(&self) -> Result<()> {
        match self {
            SaslOptions::Digest { username, .. } if username.is_empty() => Err(
                Error::InvalidArgument("SASL DIGEST-MD5 needs a user name".to_string()),
            ),
            SaslOptions::Digest { .. } => Ok(()),
            SaslOptions::Gssapi(options) => {
                if options.service.is_empty() {
                    return Err(Error::InvalidArgument(
                        "SASL GSSAPI needs a service name (zookeeper)".to_string(),
                    ));
                }
                if cfg!(feature = "gssapi") {
                    Ok(())
                } else {
                    Err(Error::Unimplemented(
                        "SASL GSSAPI: this zkclient was built without the gssapi feature"
                            .to_string(),
                    ))
                }
            }
        }
    }

    /// A fresh client-side mechanism for one connection to `host`.
    fn start(&self, host: &str) -> Result<Box<dyn Mechanism>> {
        match self {
            SaslOptions::Digest { username, password } => Ok(Box::new(digest::DigestMd5::new(
                username.clone(),
                password.clone(),
            ))),
            #[cfg(feature = "gssapi")]
            SaslOptions::Gssapi(options) => Ok(Box::new(gssapi::Gssapi::new(options, host)?)),
            #[cfg(not(feature = "gssapi"))]
            SaslOptions::Gssapi(_) => {
                let _ = host;
                // validate() refuses GSSAPI in this build: its error says why.
                Err(self.validate().err().unwrap_or_else(|| {
                    Error::Unimplemented("SASL GSSAPI needs the gssapi feature".to_string())
                }))
            }
        }
    }
}

/// The client side of one SASL mechanism on one connection.
pub(crate) trait Mechanism: Send {
    /// The token of the first packet (empty when the mechanism has no initial response, as
    /// DIGEST-MD5).
    fn initial(&mut self) -> std::result::Result<Vec<u8>, String>;
    /// Answers the server's `challenge`: the token to send next, or `None` when the exchange is
    /// complete and nothing more is sent. An error says why the client gives up (a server that
    /// failed to prove itself, a local credential problem); it never contains a secret.
    fn step(&mut self, challenge: &[u8]) -> std::result::Result<Option<Vec<u8>>, String>;
    /// The client has finished: the answer to the last token sent ends the exchange.
    fn is_complete(&self) -> bool;
}

/// Runs `call` on `mechanism`: on a blocking-pool thread for GSSAPI (its calls may wait for
/// the KDC, and must not hold up the network thread's other sessions), inline otherwise.
async fn on_mechanism<T: Send + 'static>(
    mut mechanism: Box<dyn Mechanism>,
    blocking: bool,
    call: impl FnOnce(&mut dyn Mechanism) -> T + Send + 'static,
) -> std::result::Result<(Box<dyn Mechanism>, T), SaslOutcome> {
    if !blocking {
        let result = call(mechanism.as_mut());
        return Ok((mechanism, result));
    }
    tokio::task::spawn_blocking(move || {
        let result = call(mechanism.as_mut());
        (mechanism, result)
    })
    .await
    .map_err(|_| {
        SaslOutcome::Refused(Error::SaslFailed {
            mechanism: "GSSAPI",
            reason: "the mechanism failed (panicked)".to_string(),
        })
    })
}

/// The largest SASL reply accepted (a Kerberos ticket is a few KiB).
const MAX_SASL_REPLY: usize = 1 << 20;

/// Runs the SASL exchange of `options` on a connection to `host` whose handshake just
/// finished. `inbound` holds what was read after the handshake reply and keeps what is read
/// after the last SASL reply. `next_xid` gives the xids. On the server's refusal the error is
/// [`Error::AuthFailed`]; a local failure (or a server that fails to prove itself) is
/// [`Error::SaslFailed`]; both end the session ([`SaslOutcome::Refused`]). A broken connection
/// is [`SaslOutcome::Broken`], a failed attempt.
pub(crate) async fn authenticate<S: AsyncRead + AsyncWrite + Unpin>(
    options: &SaslOptions,
    host: &str,
    stream: &mut S,
    inbound: &mut BytesMut,
    mut next_xid: impl FnMut() -> i32,
) -> std::result::Result<(), SaslOutcome> {
    let blocking = matches!(options, SaslOptions::Gssapi(_));
    let name = options.mechanism_name();
    let failed = |reason: String| {
        SaslOutcome::Refused(Error::SaslFailed {
            mechanism: name,
            reason,
        })
    };
    let mechanism = if blocking {
        let (options, host) = (options.clone(), host.to_string());
        tokio::task::spawn_blocking(move || options.start(&host))
            .await
            .map_err(|_| failed("the mechanism failed (panicked)".to_string()))?
    } else {
        options.start(host)
    }
    .map_err(SaslOutcome::Refused)?;
    let (mut mechanism, initial) = on_mechanism(mechanism, blocking, |m| m.initial()).await?;
    let mut token = initial.map_err(failed)?;
    loop {
        let xid = next_xid();
        let frame = encode_request(xid, OpCode::Sasl, &SaslToken { token });
        let sent = async {
            stream.write_all(&frame).await?;
            stream.flush().await
        };
        sent.await
            .map_err(|e| SaslOutcome::Broken(format!("SASL with {host}: {e}")))?;
        let (header, reply) = read_reply(stream, inbound, host).await?;
        if header.err != 0 {
            let code = ErrorCode(header.err);
            return Err(SaslOutcome::Refused(refusal(code, name)));
        }
        if header.xid != xid {
            return Err(SaslOutcome::Broken(format!(
                "{host} answered SASL xid {xid} with xid {}",
                header.xid
            )));
        }
        if mechanism.is_complete() {
            return Ok(());
        }
        let challenge = reply.token;
        let (stepped, answer) =
            on_mechanism(mechanism, blocking, move |m| m.step(&challenge)).await?;
        mechanism = stepped;
        match answer.map_err(failed)? {
            Some(next) => token = next,
            None => return Ok(()),
        }
    }
}

/// How a SASL exchange that did not succeed ended.
#[derive(Debug)]
pub(crate) enum SaslOutcome {
    /// The connection broke (or the server sent garbage): a failed attempt, tried again.
    Broken(String),
    /// The credentials were refused, or the client cannot authenticate: the session ends.
    Refused(Error),
}

/// The error of a SASL reply with error `code`: AUTH_FAILED, or SESSION_CLOSED_REQUIRE_SASL_AUTH
/// from a server that demands SASL, both say the credential was refused.
fn refusal(code: ErrorCode, mechanism: &'static str) -> Error {
    if code == ErrorCode::AUTH_FAILED || code == ErrorCode::SESSION_CLOSED_REQUIRE_SASL_AUTH {
        Error::AuthFailed {
            scheme: format!("sasl ({mechanism})"),
        }
    } else {
        Error::SaslFailed {
            mechanism,
            reason: format!("the server answered {code}"),
        }
    }
}

/// Reads one reply frame: its header and token.
async fn read_reply<S: AsyncRead + Unpin>(
    stream: &mut S,
    inbound: &mut BytesMut,
    host: &str,
) -> std::result::Result<(ReplyHeader, SaslToken), SaslOutcome> {
    let broken = SaslOutcome::Broken;
    let frame = read_frame(stream, inbound, MAX_SASL_REPLY)
        .await
        .map_err(|failure| {
            broken(match failure {
                FrameError::Malformed(e) => format!("{host} sent a malformed SASL reply: {e}"),
                FrameError::Oversize(declared) => {
                    format!("{host} sent a SASL reply of length {declared}")
                }
                FrameError::Closed => {
                    format!("{host} closed the connection during SASL authentication")
                }
                FrameError::Io(e) => format!("SASL with {host}: {e}"),
            })
        })?;
    let (header, body) = decode_prefix::<ReplyHeader>(&frame[4..])
        .map_err(|e| broken(format!("{host} SASL reply: {e}")))?;
    if header.err != 0 {
        return Ok((header, SaslToken::default()));
    }
    let (token, _) =
        decode_prefix::<SaslToken>(body).map_err(|e| broken(format!("{host} SASL reply: {e}")))?;
    Ok((header, token))
}
