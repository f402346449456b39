//! ZooKeeper's error codes (`KeeperException.Code`, plus the C client's `CLOSING` and
//! `NOTHING`), as they appear in reply headers and transaction results.

use std::fmt;

/// A ZooKeeper error code. Any number is representable; the named ones are associated
/// constants, and [`ErrorCode::ALL`] lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ErrorCode(pub i32);

/// Defines the named codes, [`ErrorCode::ALL`], `name` and `description` from one table.
macro_rules! error_codes {
    ( $( $name:ident = $value:literal, $description:literal; )* ) => {
        impl ErrorCode {
            $(
                #[doc = concat!("`", stringify!($value), "`: ", $description, ".")]
                pub const $name: ErrorCode = ErrorCode($value);
            )*

            /// Every named code, in ZooKeeper's order.
            pub const ALL: &'static [ErrorCode] = &[ $( ErrorCode::$name, )* ];

            /// The constant's name without prefix, e.g. `"NO_NODE"`; `"UNKNOWN"` for
            /// unnamed numbers.
            pub fn name(self) -> &'static str {
                match self.0 {
                    $( $value => stringify!($name), )*
                    _ => "UNKNOWN",
                }
            }

            /// A short readable sentence, e.g. `"the node does not exist"`.
            pub fn description(self) -> &'static str {
                match self.0 {
                    $( $value => $description, )*
                    _ => "unknown ZooKeeper error",
                }
            }
        }
    };
}

error_codes! {
    OK = 0, "no error";
    SYSTEM_ERROR = -1, "a system error occurred";
    RUNTIME_INCONSISTENCY = -2,
        "a runtime inconsistency was found (in a transaction: another operation failed)";
    DATA_INCONSISTENCY = -3, "a data inconsistency was found";
    CONNECTION_LOSS = -4,
        "the connection to the server was lost; the request may or may not have been applied";
    MARSHALLING_ERROR = -5, "a request or reply could not be marshalled or unmarshalled";
    UNIMPLEMENTED = -6, "the operation is not implemented by the server";
    OPERATION_TIMEOUT = -7, "the operation timed out";
    BAD_ARGUMENTS = -8, "the arguments are invalid";
    UNKNOWN_SESSION = -12, "the session is unknown to the server";
    NEW_CONFIG_NO_QUORUM = -13, "the new configuration has no quorum";
    RECONFIG_IN_PROGRESS = -14, "another reconfiguration is in progress";
    API_ERROR = -100, "API error";
    NO_NODE = -101, "the node does not exist";
    NO_AUTH = -102, "not authorized for this operation";
    BAD_VERSION = -103, "the version does not match the node's version";
    NO_CHILDREN_FOR_EPHEMERALS = -108, "ephemeral nodes cannot have children";
    NODE_EXISTS = -110, "the node already exists";
    NOT_EMPTY = -111, "the node has children";
    SESSION_EXPIRED = -112, "the session has expired";
    INVALID_CALLBACK = -113, "the callback is invalid";
    INVALID_ACL = -114, "the ACL is invalid";
    AUTH_FAILED = -115, "authentication failed";
    CLOSING = -116, "the client is closing";
    NOTHING = -117, "no server responses to process";
    SESSION_MOVED = -118, "the session moved to another server";
    NOT_READ_ONLY = -119, "a write was sent to a read-only server";
    EPHEMERAL_ON_LOCAL_SESSION = -120, "ephemeral nodes cannot be created by a local session";
    NO_WATCHER = -121, "the watcher does not exist";
    REQUEST_TIMEOUT = -122, "the request did not complete in the allowed time";
    RECONFIG_DISABLED = -123, "dynamic reconfiguration is disabled";
    SESSION_CLOSED_REQUIRE_SASL_AUTH = -124,
        "the session was closed because SASL authentication is required";
    QUOTA_EXCEEDED = -125, "the quota was exceeded";
    THROTTLED = -127, "the server is overloaded and throttled the request";
}

impl ErrorCode {
    /// True for [`ErrorCode::OK`].
    pub fn is_ok(self) -> bool {
        self == ErrorCode::OK
    }
}

/// `"{description} ({code})"`, e.g. `the node does not exist (-101)`.
impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.description(), self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_named_code_has_a_distinct_name_and_a_description() {
        let names: HashSet<_> = ErrorCode::ALL.iter().map(|code| code.name()).collect();
        let numbers: HashSet<_> = ErrorCode::ALL.iter().map(|code| code.0).collect();
        assert_eq!(names.len(), ErrorCode::ALL.len());
        assert_eq!(numbers.len(), ErrorCode::ALL.len());
        assert_eq!(ErrorCode::ALL.len(), 34);
        for code in ErrorCode::ALL {
            assert_ne!(code.name(), "UNKNOWN");
            assert!(!code.description().is_empty());
            assert_ne!(code.description(), "unknown ZooKeeper error");
            assert!(code.to_string().contains(&code.0.to_string()), "{code}");
        }
    }

    #[test]
    fn names_descriptions_and_display() {
        assert_eq!(ErrorCode::NO_NODE, ErrorCode(-101));
        assert_eq!(ErrorCode::NO_NODE.name(), "NO_NODE");
        assert_eq!(ErrorCode::CONNECTION_LOSS.name(), "CONNECTION_LOSS");
        assert_eq!(ErrorCode::CLOSING.0, -116);
        assert_eq!(ErrorCode::NOTHING.0, -117);
        assert_eq!(ErrorCode::THROTTLED.0, -127);
        assert_eq!(
            ErrorCode::NO_NODE.to_string(),
            "the node does not exist (-101)"
        );
        assert_eq!(
            ErrorCode::SESSION_EXPIRED.description(),
            "the session has expired"
        );
        assert_eq!(ErrorCode(-126).name(), "UNKNOWN");
        assert_eq!(
            ErrorCode(-126).to_string(),
            "unknown ZooKeeper error (-126)"
        );
        assert!(ErrorCode::OK.is_ok());
        assert!(!ErrorCode::NO_NODE.is_ok());
    }
}
