//! What can go wrong, the exit status of each, and how it is reported on stderr (plain, or
//! one JSON object with `--json`). No message ever holds a credential: the library's errors
//! name schemes and files, never secrets, and zkcli's own never echo `--auth` values.

use zkclient::{Error, ErrorCode};

use crate::json;

/// Exit statuses (documented in `zkcli --help` and README.md).
pub const EXIT_OK: i32 = 0;
pub const EXIT_ZOOKEEPER: i32 = 1;
pub const EXIT_USAGE: i32 = 2;
pub const EXIT_NO_SESSION: i32 = 3;
pub const EXIT_LOCK_TIMEOUT: i32 = 4;

#[derive(Debug)]
pub enum Failure {
    /// A usage or configuration error (exit 2).
    Usage(String),
    /// An operation of the library failed: `operation` (`get`, `connect`, ...) on `subject`
    /// (a path, a host).
    Zk {
        operation: &'static str,
        subject: Option<String>,
        error: Error,
    },
    /// No session, or it was lost (exit 3).
    NoSession(String),
    /// The lock was not acquired in time (exit 4).
    LockTimeout(String),
    /// Writing to stdout failed: a closed pipe ends zkcli quietly (exit 0), anything else
    /// is exit 1.
    Output(std::io::Error),
    /// Any other failure of the operation (exit 1).
    Other(String),
}

impl Failure {
    /// A library error of `operation` on `subject`.
    pub fn zk<'a>(operation: &'static str, subject: &'a str) -> impl FnOnce(Error) -> Failure + 'a {
        move |error| Failure::Zk {
            operation,
            subject: Some(subject.to_string()),
            error,
        }
    }

    pub fn code(&self) -> i32 {
        match self {
            Failure::Usage(_) => EXIT_USAGE,
            Failure::Zk { error, .. } => exit_code(error),
            Failure::NoSession(_) => EXIT_NO_SESSION,
            Failure::LockTimeout(_) => EXIT_LOCK_TIMEOUT,
            Failure::Output(error) if error.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
            Failure::Output(_) | Failure::Other(_) => EXIT_ZOOKEEPER,
        }
    }

    /// Writes the failure to stderr.
    pub fn report(&self, as_json: bool) {
        let (name, code, operation, subject, message) = match self {
            Failure::Usage(message) => ("USAGE", None, None, None, message.clone()),
            Failure::Zk {
                operation,
                subject,
                error,
            } => (
                error_name(error),
                error.keeper_code().map(|code| code.0),
                Some(*operation),
                subject.clone(),
                error_message(error),
            ),
            Failure::NoSession(message) => ("NO_SESSION", None, None, None, message.clone()),
            Failure::LockTimeout(message) => ("LOCK_TIMEOUT", None, None, None, message.clone()),
            Failure::Output(error) if error.kind() == std::io::ErrorKind::BrokenPipe => return,
            Failure::Output(error) => (
                "OUTPUT",
                None,
                None,
                None,
                format!("cannot write to stdout: {error}"),
            ),
            Failure::Other(message) => ("ERROR", None, None, None, message.clone()),
        };
        if as_json {
            let mut fields = vec![("error", json::string(name))];
            if let Some(code) = code {
                fields.push(("code", code.to_string()));
            }
            if let Some(operation) = operation {
                fields.push(("operation", json::string(operation)));
            }
            if let Some(subject) = &subject {
                fields.push(("path", json::string(subject)));
            }
            fields.push(("message", json::string(&message)));
            eprintln!("{}", json::object(&fields));
            return;
        }
        let context = match (operation, &subject) {
            (Some(operation), Some(subject)) => format!("{operation} {subject}: "),
            (Some(operation), None) => format!("{operation}: "),
            _ => String::new(),
        };
        match self {
            Failure::Zk { .. } => eprintln!("zkcli: {context}{name}: {message}"),
            _ => eprintln!("zkcli: {message}"),
        }
    }
}

/// The ZooKeeper codes that mean "no usable session": exit 3.
fn is_session_code(code: ErrorCode) -> bool {
    [
        ErrorCode::CONNECTION_LOSS,
        ErrorCode::SESSION_EXPIRED,
        ErrorCode::OPERATION_TIMEOUT,
        ErrorCode::REQUEST_TIMEOUT,
        ErrorCode::AUTH_FAILED,
        ErrorCode::SESSION_MOVED,
        ErrorCode::CLOSING,
        ErrorCode::UNKNOWN_SESSION,
        ErrorCode::SESSION_CLOSED_REQUIRE_SASL_AUTH,
    ]
    .contains(&code)
}

/// The exit status of a library error.
pub fn exit_code(error: &Error) -> i32 {
    match error {
        Error::Keeper(code) if is_session_code(*code) => EXIT_NO_SESSION,
        Error::Keeper(_) => EXIT_ZOOKEEPER,
        Error::InvalidPath { .. } | Error::InvalidArgument(_) | Error::Unimplemented(_) => {
            EXIT_USAGE
        }
        Error::RetryFailed { last, .. } => exit_code(last),
        Error::Timeout(_)
        | Error::AuthFailed { .. }
        | Error::SessionExpired { .. }
        | Error::Closed
        | Error::Tls { .. }
        | Error::SaslFailed { .. }
        | Error::SaslRequired
        | Error::MayRemain { .. }
        | Error::Malformed(_) => EXIT_NO_SESSION,
        _ => EXIT_ZOOKEEPER,
    }
}

/// A short upper-case name of the error for scripts: ZooKeeper's code name (`NO_NODE`) for
/// its errors, a name of zkclient's kind otherwise.
pub fn error_name(error: &Error) -> &'static str {
    match error {
        Error::Keeper(code) | Error::ReconfigRefused { code, .. } => code.name(),
        Error::InvalidPath { .. } => "INVALID_PATH",
        Error::InvalidArgument(_) => "INVALID_ARGUMENT",
        Error::RequestTooLarge { .. } => "REQUEST_TOO_LARGE",
        Error::ReplyTooLarge { .. } => "REPLY_TOO_LARGE",
        Error::Timeout(_) => "TIMEOUT",
        Error::AuthFailed { .. } => "AUTH_FAILED",
        Error::SessionExpired { .. } => "SESSION_EXPIRED",
        Error::Closed => "CLOSED",
        Error::RetryFailed { last, .. } => error_name(last),
        Error::MayRemain { .. } => "MAY_REMAIN",
        Error::Malformed(_) => "MALFORMED_REPLY",
        Error::Tls { .. } => "TLS",
        Error::SaslFailed { .. } => "SASL_FAILED",
        Error::SaslRequired => "SASL_REQUIRED",
        Error::Unimplemented(_) => "UNIMPLEMENTED",
        _ => "ERROR",
    }
}

fn error_message(error: &Error) -> String {
    match error {
        // ZooKeeper's description and number: `the node does not exist (-101)`.
        Error::Keeper(code) => code.to_string(),
        Error::RetryFailed { last, attempts } => {
            format!("{} (after {attempts} attempts)", error_message(last))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(exit_code(&Error::Keeper(ErrorCode::NO_NODE)), 1);
        assert_eq!(exit_code(&Error::Keeper(ErrorCode::NOT_EMPTY)), 1);
        assert_eq!(exit_code(&Error::connection_loss()), 3);
        assert_eq!(exit_code(&Error::Timeout("x".into())), 3);
        assert_eq!(exit_code(&Error::InvalidArgument("x".into())), 2);
        let retried = Error::RetryFailed {
            attempts: 5,
            last: Box::new(Error::connection_loss()),
        };
        assert_eq!(exit_code(&retried), 3);
        assert_eq!(error_name(&retried), "CONNECTION_LOSS");
    }
}
