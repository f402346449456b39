//! `zk_error`: the one error enum of the C API, and its names.

use std::ffi::{c_char, CStr};

use crate::error::{Error, TlsFailure};
use crate::proto::ErrorCode;

/// The result of every zkclient function that can fail. `ZK_OK` (0) is success. Server
/// errors keep ZooKeeper's own numbers (as in every ZooKeeper client: `ZK_ENONODE` is -101);
/// errors raised by this library are -1000 and below. Values never change between versions.
/// `zk_error_str()` names a code; `zk_last_error_message()` gives the details of the last
/// failure on the calling thread.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum zk_error {
    /// Success.
    ZK_OK = 0,
    /// A server-side system error.
    ZK_ESYSTEMERROR = -1,
    /// A transaction step failed because an earlier one did (transaction results).
    ZK_ERUNTIMEINCONSISTENCY = -2,
    /// The server found its data inconsistent.
    ZK_EDATAINCONSISTENCY = -3,
    /// The connection was lost before the reply came: the request MAY OR MAY NOT have been
    /// applied. Retry idempotent requests; check before retrying others.
    ZK_ECONNECTIONLOSS = -4,
    /// A request or reply could not be encoded or decoded.
    ZK_EMARSHALLINGERROR = -5,
    /// The server does not implement this operation.
    ZK_EUNIMPLEMENTED = -6,
    /// The operation timed out on the server.
    ZK_EOPERATIONTIMEOUT = -7,
    /// The server rejected an argument.
    ZK_EBADARGUMENTS = -8,
    /// The session is unknown to the server.
    ZK_EUNKNOWNSESSION = -12,
    /// A reconfiguration would leave no quorum.
    ZK_ENEWCONFIGNOQUORUM = -13,
    /// Another reconfiguration is in progress.
    ZK_ERECONFIGINPROGRESS = -14,
    /// A generic API error.
    ZK_EAPIERROR = -100,
    /// The node does not exist.
    ZK_ENONODE = -101,
    /// Not authorized by the node's ACL.
    ZK_ENOAUTH = -102,
    /// The node's version is not the one given.
    ZK_EBADVERSION = -103,
    /// Ephemeral nodes cannot have children.
    ZK_ENOCHILDRENFOREPHEMERALS = -108,
    /// The node already exists.
    ZK_ENODEEXISTS = -110,
    /// The node has children.
    ZK_ENOTEMPTY = -111,
    /// The session has expired; its ephemeral nodes are gone.
    ZK_ESESSIONEXPIRED = -112,
    /// An invalid callback was given.
    ZK_EINVALIDCALLBACK = -113,
    /// The ACL is invalid.
    ZK_EINVALIDACL = -114,
    /// Authentication failed.
    ZK_EAUTHFAILED = -115,
    /// The client is closing.
    ZK_ECLOSING = -116,
    /// No server responses to process.
    ZK_ENOTHING = -117,
    /// The session moved to another server.
    ZK_ESESSIONMOVED = -118,
    /// A write was sent to a read-only server.
    ZK_ENOTREADONLY = -119,
    /// Ephemeral nodes cannot be created by a local session.
    ZK_EEPHEMERALONLOCALSESSION = -120,
    /// The watch to remove does not exist.
    ZK_ENOWATCHER = -121,
    /// The request timed out on the client side of the server.
    ZK_EREQUESTTIMEOUT = -122,
    /// Dynamic reconfiguration is disabled.
    ZK_ERECONFIGDISABLED = -123,
    /// The session was closed because SASL authentication is required.
    ZK_ESESSIONCLOSEDREQUIRESASLAUTH = -124,
    /// A quota was exceeded.
    ZK_EQUOTAEXCEEDED = -125,
    /// The server is throttling requests.
    ZK_ETHROTTLED = -127,
    /// An argument is invalid (a NULL pointer, a value out of range); nothing was sent.
    ZK_EINVAL = -1001,
    /// The path breaks ZooKeeper's path rules; nothing was sent.
    ZK_EBADPATH = -1002,
    /// The request is larger than the server accepts (1 MiB); nothing was sent.
    ZK_ETOOLARGE = -1003,
    /// The reply was larger than the client's limit; the request WAS applied.
    ZK_EREPLYTOOLARGE = -1004,
    /// A wait ran out of time (for example `zk_client_start`).
    ZK_ETIMEOUT = -1005,
    /// The client is stopped (or was never started).
    ZK_ECLOSED = -1006,
    /// An internal error (a bug in zkclient); the process is intact.
    ZK_EPANIC = -1007,
    /// Returned by a function run under `zk_retry()` to ask for another attempt.
    ZK_EFORCERETRY = -1008,
    /// The client was created before `fork()` and belongs to the parent process: a child
    /// cannot use it (`zk_client_free()` it, which sends nothing) and must create its own.
    ZK_EFORKED = -1009,
    /// The library's network threads could not be started (out of threads or file
    /// descriptors); nothing was sent. A later call may succeed.
    ZK_ERUNTIME = -1010,
    /// A TLS connection failed for a reason without a code of its own (no common protocol
    /// version or cipher, a malformed certificate, ...); the message says which.
    ZK_ETLS = -1011,
    /// TLS: the server's certificate is not signed by a CA the client trusts (see
    /// `zk_tls_options_set_ca_file()`).
    ZK_ETLSUNKNOWNCA = -1012,
    /// TLS: the server's certificate is not valid for the server name checked (the host of
    /// the connect string, or `zk_tls_options_set_server_name()`).
    ZK_ETLSHOSTNAME = -1013,
    /// TLS: the server's certificate has expired (or is not valid yet).
    ZK_ETLSEXPIRED = -1014,
    /// TLS: the server requires a client certificate and none is configured, or it refused
    /// the one given (see `zk_tls_options_set_client_cert_file()`).
    ZK_ETLSCLIENTCERT = -1015,
    /// TLS: the server does not speak TLS on this port (a plain `clientPort`, or another
    /// service).
    ZK_ENOTTLS = -1016,
}

/// The one conversion of a number C hands back (a callback's result) to a code: every
/// `zk_error` value maps to itself; any other number is refused, with an error that names it
/// (`what` returned `number`, which is not a zk_error code) and maps to `ZK_EINVAL`.
impl TryFrom<i32> for zk_error {
    type Error = i32;

    fn try_from(number: i32) -> std::result::Result<zk_error, i32> {
        zk_error::ALL
            .iter()
            .find(|each| **each as i32 == number)
            .copied()
            .ok_or(number)
    }
}

impl zk_error {
    /// The code a C callback (`what`) returned, or the error saying the number is not one.
    pub(crate) fn from_callback(number: i32, what: &str) -> Result<zk_error, Error> {
        zk_error::try_from(number).map_err(|number| {
            Error::InvalidArgument(format!(
                "{what} returned {number}, which is not a zk_error code"
            ))
        })
    }

    /// Every code, in declaration order.
    pub const ALL: [zk_error; 50] = {
        use zk_error::*;
        [
            ZK_OK,
            ZK_ESYSTEMERROR,
            ZK_ERUNTIMEINCONSISTENCY,
            ZK_EDATAINCONSISTENCY,
            ZK_ECONNECTIONLOSS,
            ZK_EMARSHALLINGERROR,
            ZK_EUNIMPLEMENTED,
            ZK_EOPERATIONTIMEOUT,
            ZK_EBADARGUMENTS,
            ZK_EUNKNOWNSESSION,
            ZK_ENEWCONFIGNOQUORUM,
            ZK_ERECONFIGINPROGRESS,
            ZK_EAPIERROR,
            ZK_ENONODE,
            ZK_ENOAUTH,
            ZK_EBADVERSION,
            ZK_ENOCHILDRENFOREPHEMERALS,
            ZK_ENODEEXISTS,
            ZK_ENOTEMPTY,
            ZK_ESESSIONEXPIRED,
            ZK_EINVALIDCALLBACK,
            ZK_EINVALIDACL,
            ZK_EAUTHFAILED,
            ZK_ECLOSING,
            ZK_ENOTHING,
            ZK_ESESSIONMOVED,
            ZK_ENOTREADONLY,
            ZK_EEPHEMERALONLOCALSESSION,
            ZK_ENOWATCHER,
            ZK_EREQUESTTIMEOUT,
            ZK_ERECONFIGDISABLED,
            ZK_ESESSIONCLOSEDREQUIRESASLAUTH,
            ZK_EQUOTAEXCEEDED,
            ZK_ETHROTTLED,
            ZK_EINVAL,
            ZK_EBADPATH,
            ZK_ETOOLARGE,
            ZK_EREPLYTOOLARGE,
            ZK_ETIMEOUT,
            ZK_ECLOSED,
            ZK_EPANIC,
            ZK_EFORCERETRY,
            ZK_EFORKED,
            ZK_ERUNTIME,
            ZK_ETLS,
            ZK_ETLSUNKNOWNCA,
            ZK_ETLSHOSTNAME,
            ZK_ETLSEXPIRED,
            ZK_ETLSCLIENTCERT,
            ZK_ENOTTLS,
        ]
    };

    /// The code with number `code` (ZooKeeper's, or one of the library's when a C function
    /// run under `zk_retry()` returned it); unknown codes fall into their class (system errors
    /// above -100, API errors from -100 down).
    pub fn from_keeper(code: ErrorCode) -> zk_error {
        if let Ok(known) = zk_error::try_from(code.0) {
            return known;
        }
        if code.0 > -100 {
            zk_error::ZK_ESYSTEMERROR
        } else {
            zk_error::ZK_EAPIERROR
        }
    }

    /// The code of a Rust-side error.
    pub fn from_error(error: &Error) -> zk_error {
        match error {
            Error::Keeper(code) | Error::ReconfigRefused { code, .. } => Self::from_keeper(*code),
            Error::AuthFailed { .. } => zk_error::ZK_EAUTHFAILED,
            Error::SessionExpired { .. } => zk_error::ZK_ESESSIONEXPIRED,
            Error::InvalidPath { .. } => zk_error::ZK_EBADPATH,
            Error::InvalidArgument(_) => zk_error::ZK_EINVAL,
            Error::RequestTooLarge { .. } => zk_error::ZK_ETOOLARGE,
            Error::ReplyTooLarge { .. } => zk_error::ZK_EREPLYTOOLARGE,
            Error::Timeout(_) => zk_error::ZK_ETIMEOUT,
            Error::Closed => zk_error::ZK_ECLOSED,
            Error::Malformed(_) => zk_error::ZK_EMARSHALLINGERROR,
            Error::ForceRetry => zk_error::ZK_EFORCERETRY,
            Error::RetryFailed { last, .. } => Self::from_error(last),
            Error::MayRemain { cause, .. } => Self::from_error(cause),
            Error::Forked => zk_error::ZK_EFORKED,
            Error::Runtime(_) => zk_error::ZK_ERUNTIME,
            Error::Tls { failure, .. } => match failure {
                TlsFailure::UnknownCa => zk_error::ZK_ETLSUNKNOWNCA,
                TlsFailure::HostnameMismatch => zk_error::ZK_ETLSHOSTNAME,
                TlsFailure::CertificateExpired => zk_error::ZK_ETLSEXPIRED,
                TlsFailure::ClientCertificateRequired | TlsFailure::ClientCertificateRejected => {
                    zk_error::ZK_ETLSCLIENTCERT
                }
                TlsFailure::NotTls => zk_error::ZK_ENOTTLS,
                TlsFailure::Other => zk_error::ZK_ETLS,
            },
            Error::SaslFailed { .. } => zk_error::ZK_EAUTHFAILED,
            Error::SaslRequired => zk_error::ZK_ESESSIONCLOSEDREQUIRESASLAUTH,
            Error::Unimplemented(_) => zk_error::ZK_EUNIMPLEMENTED,
        }
    }

    fn name(self) -> &'static CStr {
        use zk_error::*;
        match self {
            ZK_OK => c"ZK_OK",
            ZK_ESYSTEMERROR => c"ZK_ESYSTEMERROR",
            ZK_ERUNTIMEINCONSISTENCY => c"ZK_ERUNTIMEINCONSISTENCY",
            ZK_EDATAINCONSISTENCY => c"ZK_EDATAINCONSISTENCY",
            ZK_ECONNECTIONLOSS => c"ZK_ECONNECTIONLOSS",
            ZK_EMARSHALLINGERROR => c"ZK_EMARSHALLINGERROR",
            ZK_EUNIMPLEMENTED => c"ZK_EUNIMPLEMENTED",
            ZK_EOPERATIONTIMEOUT => c"ZK_EOPERATIONTIMEOUT",
            ZK_EBADARGUMENTS => c"ZK_EBADARGUMENTS",
            ZK_EUNKNOWNSESSION => c"ZK_EUNKNOWNSESSION",
            ZK_ENEWCONFIGNOQUORUM => c"ZK_ENEWCONFIGNOQUORUM",
            ZK_ERECONFIGINPROGRESS => c"ZK_ERECONFIGINPROGRESS",
            ZK_EAPIERROR => c"ZK_EAPIERROR",
            ZK_ENONODE => c"ZK_ENONODE",
            ZK_ENOAUTH => c"ZK_ENOAUTH",
            ZK_EBADVERSION => c"ZK_EBADVERSION",
            ZK_ENOCHILDRENFOREPHEMERALS => c"ZK_ENOCHILDRENFOREPHEMERALS",
            ZK_ENODEEXISTS => c"ZK_ENODEEXISTS",
            ZK_ENOTEMPTY => c"ZK_ENOTEMPTY",
            ZK_ESESSIONEXPIRED => c"ZK_ESESSIONEXPIRED",
            ZK_EINVALIDCALLBACK => c"ZK_EINVALIDCALLBACK",
            ZK_EINVALIDACL => c"ZK_EINVALIDACL",
            ZK_EAUTHFAILED => c"ZK_EAUTHFAILED",
            ZK_ECLOSING => c"ZK_ECLOSING",
            ZK_ENOTHING => c"ZK_ENOTHING",
            ZK_ESESSIONMOVED => c"ZK_ESESSIONMOVED",
            ZK_ENOTREADONLY => c"ZK_ENOTREADONLY",
            ZK_EEPHEMERALONLOCALSESSION => c"ZK_EEPHEMERALONLOCALSESSION",
            ZK_ENOWATCHER => c"ZK_ENOWATCHER",
            ZK_EREQUESTTIMEOUT => c"ZK_EREQUESTTIMEOUT",
            ZK_ERECONFIGDISABLED => c"ZK_ERECONFIGDISABLED",
            ZK_ESESSIONCLOSEDREQUIRESASLAUTH => c"ZK_ESESSIONCLOSEDREQUIRESASLAUTH",
            ZK_EQUOTAEXCEEDED => c"ZK_EQUOTAEXCEEDED",
            ZK_ETHROTTLED => c"ZK_ETHROTTLED",
            ZK_EINVAL => c"ZK_EINVAL",
            ZK_EBADPATH => c"ZK_EBADPATH",
            ZK_ETOOLARGE => c"ZK_ETOOLARGE",
            ZK_EREPLYTOOLARGE => c"ZK_EREPLYTOOLARGE",
            ZK_ETIMEOUT => c"ZK_ETIMEOUT",
            ZK_ECLOSED => c"ZK_ECLOSED",
            ZK_EPANIC => c"ZK_EPANIC",
            ZK_EFORCERETRY => c"ZK_EFORCERETRY",
            ZK_EFORKED => c"ZK_EFORKED",
            ZK_ERUNTIME => c"ZK_ERUNTIME",
            ZK_ETLS => c"ZK_ETLS",
            ZK_ETLSUNKNOWNCA => c"ZK_ETLSUNKNOWNCA",
            ZK_ETLSHOSTNAME => c"ZK_ETLSHOSTNAME",
            ZK_ETLSEXPIRED => c"ZK_ETLSEXPIRED",
            ZK_ETLSCLIENTCERT => c"ZK_ETLSCLIENTCERT",
            ZK_ENOTTLS => c"ZK_ENOTTLS",
        }
    }
}

/// The name of an error code (`"ZK_ENONODE"`), or `"ZK_UNKNOWN"` for a number that is not
/// one. The string is static: never free it.
#[no_mangle]
pub extern "C" fn zk_error_str(code: i32) -> *const c_char {
    super::guard_value(c"ZK_UNKNOWN".as_ptr(), || {
        zk_error::try_from(code)
            .map_or(c"ZK_UNKNOWN", zk_error::name)
            .as_ptr()
    })
}

/// A readable description of the last error on the calling thread: why it failed and, for
/// errors from the server or a wait, the path the call was about (`no node (path "/a/b")`).
/// Empty before any failure. The string belongs to the library and stays valid
/// until the next zkclient call that fails on this thread; copy it to keep it.
#[no_mangle]
pub extern "C" fn zk_last_error_message() -> *const c_char {
    super::last_error_ptr()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_server_code_maps_to_its_own_number() {
        for code in ErrorCode::ALL {
            let mapped = zk_error::from_keeper(*code);
            assert_eq!(mapped as i32, code.0, "{code:?}");
        }
        assert_eq!(
            zk_error::from_keeper(ErrorCode(-126)),
            zk_error::ZK_EAPIERROR
        );
        assert_eq!(
            zk_error::from_keeper(ErrorCode(-9)),
            zk_error::ZK_ESYSTEMERROR
        );
    }

    #[test]
    fn names_are_distinct_and_match_the_variant() {
        let mut names: Vec<String> = Vec::new();
        for code in &zk_error::ALL {
            // SAFETY: zk_error_str returns a static NUL-terminated string.
            let name = unsafe { CStr::from_ptr(zk_error_str(*code as i32)) }
                .to_str()
                .unwrap()
                .to_string();
            assert_eq!(name, format!("{code:?}"));
            names.push(name);
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), zk_error::ALL.len());
        // SAFETY: as above.
        assert_eq!(
            unsafe { CStr::from_ptr(zk_error_str(12345)) }
                .to_str()
                .unwrap(),
            "ZK_UNKNOWN"
        );
    }
}
