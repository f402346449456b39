//! The one error type of the Rust core. The C layer maps it to `zk_error` in one place
//! (`ffi::error`).

use crate::proto::{DecodeError, ErrorCode};

/// Everything an operation of this crate can fail with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// An error code from ZooKeeper, or one of its client-side codes (`CONNECTION_LOSS`,
    /// `SESSION_EXPIRED`, ...), with ZooKeeper's own number.
    #[error("{0}")]
    Keeper(ErrorCode),
    /// A path that breaks ZooKeeper's path rules; nothing was sent.
    #[error("invalid path {path:?}: {reason}")]
    InvalidPath {
        /// The offending path, as given.
        path: String,
        /// Which rule it breaks.
        reason: &'static str,
    },
    /// An argument outside its allowed range; nothing was sent.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The encoded request is over the server's `jute.maxbuffer`; nothing was sent.
    #[error("request of {size} bytes is over the {limit}-byte limit of the server (jute.maxbuffer); nothing was sent")]
    RequestTooLarge {
        /// Size of the encoded request.
        size: usize,
        /// The limit it broke.
        limit: usize,
    },
    /// The server's reply is over the client's inbound limit; the request itself was applied.
    #[error("reply of {size} bytes is over the client's {limit}-byte limit (raise max_reply_size); the request was applied by the server")]
    ReplyTooLarge {
        /// Size of the reply frame.
        size: usize,
        /// The configured limit.
        limit: usize,
    },
    /// A wait ran out of time.
    #[error("timed out: {0}")]
    Timeout(String),
    /// The server refused a credential (`AUTH_FAILED`): the session is over for good, and
    /// every later call says so. Names the scheme, never the credential.
    #[error("authentication failed: the server refused the {scheme:?} credential and ended the session (a client with a valid credential is needed)")]
    AuthFailed {
        /// The scheme of the refused credential (`digest`, ...).
        scheme: String,
    },
    /// `SESSION_EXPIRED` with what ended: the session asked to be resumed no longer exists.
    #[error("session expired: session 0x{session_id:x} no longer exists on the server (start again for a new session)")]
    SessionExpired {
        /// The session that was asked for.
        session_id: i64,
    },
    /// The client was stopped or never started.
    #[error("the client is closed (never started, or stopped)")]
    Closed,
    /// Returned by a function run under the retry helper to ask for another attempt.
    #[error("the operation asked to be retried")]
    ForceRetry,
    /// The retry helper gave up: too many attempts, or its deadline passed. `last` is the
    /// error of the last attempt.
    #[error("gave up after {attempts} attempt(s): {last}")]
    RetryFailed {
        /// Attempts made.
        attempts: u32,
        /// The last attempt's error.
        last: Box<Error>,
    },
    /// A node of a recipe could not be deleted (the server could not be reached in time, or
    /// the client was stopped): it may remain until the server expires the session that made
    /// it. `cause` is the last attempt's error.
    #[error("{path} may remain on the server until it expires the session that made it: {cause}")]
    MayRemain {
        /// The node (or, for a lock contender, its name without the sequence number).
        path: String,
        /// The last attempt's error.
        cause: Box<Error>,
    },
    /// The server's reply could not be decoded.
    #[error("malformed reply from the server: {0}")]
    Malformed(#[from] DecodeError),
    /// The client was created by another process, which then called `fork()`: it belongs to
    /// that process (its threads and connections did not come along). Nothing was sent.
    #[error("this client was created before fork() and belongs to the parent process: the child cannot use it (free it, nothing is sent), and must create its own client")]
    Forked,
    /// A TLS connection to `host` failed: its certificate, its protocol, or ours. Counted as a
    /// failed connection attempt; a session that never connected ends with it once every host
    /// of the connect string failed this way (a configuration no server accepts).
    #[error("TLS with {host}: {failure}: {detail}")]
    Tls {
        /// The server (`host:port`).
        host: String,
        /// What went wrong, for programs.
        failure: TlsFailure,
        /// The details, for people.
        detail: String,
    },
    /// SASL authentication could not be done on the client's side (GSSAPI found no
    /// credentials, the KDC did not answer, the server failed to prove itself): the session
    /// ends (AUTH_FAILED). Never contains a secret.
    #[error("SASL {mechanism} authentication failed: {reason}")]
    SaslFailed {
        /// The mechanism (`DIGEST-MD5`, `GSSAPI`).
        mechanism: &'static str,
        /// Why.
        reason: String,
    },
    /// The server demands SASL authentication (`sessionRequireClientSASLAuth=true`) and this
    /// client has no SASL credentials: the session ends.
    #[error("the server closed the session because it requires SASL authentication (sessionRequireClientSASLAuth): configure SASL credentials (ClientOptions::sasl; in C zk_options_set_sasl with zk_sasl_options_new_digest or zk_sasl_options_new_gssapi)")]
    SaslRequired,
    /// The server refused a reconfiguration ([`crate::Client::reconfig_incremental`],
    /// [`crate::Client::reconfig_bulk`]): `code` is ZooKeeper's (`BAD_VERSION`,
    /// `NEW_CONFIG_NO_QUORUM`, `RECONFIG_IN_PROGRESS`, `NO_AUTH`, `RECONFIG_DISABLED`,
    /// `BAD_ARGUMENTS`, `UNIMPLEMENTED`), and `reason` says what it means for a
    /// reconfiguration. The configuration is unchanged.
    #[error("reconfig refused, {code}: {reason}")]
    ReconfigRefused {
        /// ZooKeeper's error code.
        code: ErrorCode,
        /// What the code means here, and what to do.
        reason: String,
    },
    /// A feature this build of zkclient does not have.
    #[error("not available: {0}")]
    Unimplemented(String),
    /// The runtime that runs the sessions could not be built (out of threads or file
    /// descriptors). Nothing was sent; a later attempt may succeed.
    #[error("{0}")]
    Runtime(String),
}

impl Error {
    /// `CONNECTION_LOSS`: the request may or may not have been applied.
    pub fn connection_loss() -> Error {
        Error::Keeper(ErrorCode::CONNECTION_LOSS)
    }

    /// The ZooKeeper error code, if this is one.
    pub fn keeper_code(&self) -> Option<ErrorCode> {
        match self {
            Error::Keeper(code) => Some(*code),
            Error::AuthFailed { .. } => Some(ErrorCode::AUTH_FAILED),
            Error::SessionExpired { .. } => Some(ErrorCode::SESSION_EXPIRED),
            Error::SaslFailed { .. } => Some(ErrorCode::AUTH_FAILED),
            Error::SaslRequired => Some(ErrorCode::SESSION_CLOSED_REQUIRE_SASL_AUTH),
            Error::ReconfigRefused { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// True when this is ZooKeeper error `code`.
    pub fn is(&self, code: ErrorCode) -> bool {
        self.keeper_code() == Some(code)
    }
}

/// What failed in a TLS connection ([`Error::Tls`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TlsFailure {
    /// The server's certificate is not signed by a CA the client trusts.
    UnknownCa,
    /// The server's certificate is not valid for the name the client checked (the host of the
    /// connect string, or the configured server name).
    HostnameMismatch,
    /// The server's certificate has expired (or is not valid yet).
    CertificateExpired,
    /// The server demands a client certificate and none was configured.
    ClientCertificateRequired,
    /// The server refused the client's certificate.
    ClientCertificateRejected,
    /// The peer does not speak TLS on this port (a plain ZooKeeper port, or another service).
    NotTls,
    /// Any other TLS failure (a bad certificate, no common protocol version or cipher, ...).
    Other,
}

impl std::fmt::Display for TlsFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TlsFailure::UnknownCa => "the server's certificate is not signed by a trusted CA",
            TlsFailure::HostnameMismatch => {
                "the server's certificate is not valid for the server name checked"
            }
            TlsFailure::CertificateExpired => {
                "the server's certificate has expired or is not valid yet"
            }
            TlsFailure::ClientCertificateRequired => {
                "the server requires a client certificate and none is configured"
            }
            TlsFailure::ClientCertificateRejected => "the server refused the client certificate",
            TlsFailure::NotTls => "the server does not speak TLS on this port",
            TlsFailure::Other => "the TLS handshake failed",
        })
    }
}

impl From<ErrorCode> for Error {
    fn from(code: ErrorCode) -> Self {
        Error::Keeper(code)
    }
}

/// Result with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
