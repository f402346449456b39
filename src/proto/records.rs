//! The jute records of `zookeeper.jute` that a client sends and receives.
//!
//! Owned records (replies, and the few requests a session keeps) implement both [`Encode`]
//! and [`Decode`]; request records borrow their paths, data and ACLs and implement
//! [`Encode`] only.

use super::codec::{put_i32, Decode, DecodeError, Encode, Reader};
use super::opcode::OpCode;
use super::types::perms;

/// Defines a record struct and its [`Encode`]: the fields in order, nothing else.
macro_rules! encode_record {
    (
        $(#[$meta:meta])*
        pub struct $name:ident $(<$lt:lifetime>)? {
            $( $(#[$field_meta:meta])* pub $field:ident : $ty:ty, )*
        }
    ) => {
        $(#[$meta])*
        pub struct $name $(<$lt>)? {
            $( $(#[$field_meta])* pub $field: $ty, )*
        }

        impl $(<$lt>)? Encode for $name $(<$lt>)? {
            fn encode(&self, buf: &mut Vec<u8>) {
                $( Encode::encode(&self.$field, buf); )*
            }
        }
    };
}

/// Defines an owned record: its struct, [`Encode`] and [`Decode`].
macro_rules! record {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$field_meta:meta])* pub $field:ident : $ty:ty, )*
        }
    ) => {
        encode_record! {
            $(#[$meta])*
            pub struct $name {
                $( $(#[$field_meta])* pub $field: $ty, )*
            }
        }

        impl Decode for $name {
            const MIN_ENCODED_LEN: usize = 0 $( + <$ty as Decode>::MIN_ENCODED_LEN )*;

            fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
                Ok(Self { $( $field: Decode::decode(r)?, )* })
            }
        }
    };
}

record! {
    /// A node's metadata (68 bytes on the wire).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct Stat {
        /// The zxid of the change that created the node.
        pub czxid: i64,
        /// The zxid of the change that last modified the node's data.
        pub mzxid: i64,
        /// Creation time, milliseconds since the epoch.
        pub ctime: i64,
        /// Last modification time, milliseconds since the epoch.
        pub mtime: i64,
        /// Number of changes to the node's data.
        pub version: i32,
        /// Number of changes to the node's children.
        pub cversion: i32,
        /// Number of changes to the node's ACL.
        pub aversion: i32,
        /// The session that owns the node if it is ephemeral, else 0.
        pub ephemeral_owner: i64,
        /// Length of the node's data.
        pub data_length: i32,
        /// Number of children.
        pub num_children: i32,
        /// The zxid of the change that last modified the node's children.
        pub pzxid: i64,
    }
}

record! {
    /// An identity: an authentication scheme and an id within it (`world:anyone`,
    /// `digest:user:hash`, `ip:10.0.0.0/8`, ...).
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
    pub struct Id {
        /// The scheme: `world`, `auth`, `digest`, `ip`, `sasl`, `x509`, ...
        pub scheme: String,
        /// The id within the scheme.
        pub id: String,
    }
}

record! {
    /// One ACL entry: permissions granted to an identity.
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
    pub struct Acl {
        /// A bit set of [`perms`].
        pub perms: i32,
        /// Who gets them.
        pub id: Id,
    }
}

/// A one-entry ACL.
fn single_acl(perms: i32, scheme: &str, id: &str) -> Vec<Acl> {
    vec![Acl {
        perms,
        id: Id {
            scheme: scheme.to_owned(),
            id: id.to_owned(),
        },
    }]
}

impl Acl {
    /// Everyone may do everything (`world:anyone`, all permissions).
    pub fn open_unsafe() -> Vec<Acl> {
        single_acl(perms::ALL, "world", "anyone")
    }

    /// The creator's authenticated identities get all permissions (`auth:`, all).
    pub fn creator_all() -> Vec<Acl> {
        single_acl(perms::ALL, "auth", "")
    }

    /// Everyone may read (`world:anyone`, read).
    pub fn read_unsafe() -> Vec<Acl> {
        single_acl(perms::READ, "world", "anyone")
    }
}

record! {
    /// The handshake request, the first frame on every connection.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct ConnectRequest {
        /// Always 0.
        pub protocol_version: i32,
        /// The highest zxid this client has seen (the server refuses to be behind it).
        pub last_zxid_seen: i64,
        /// Requested session timeout, milliseconds.
        pub timeout: i32,
        /// The session to resume, or 0 for a new one.
        pub session_id: i64,
        /// The session's password (16 zero bytes for a new session).
        pub passwd: Vec<u8>,
        /// Whether the client accepts a read-only server.
        pub read_only: bool,
    }
}

encode_record! {
    /// The handshake reply. Old servers omit `read_only`; it then decodes as false.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct ConnectResponse {
        /// The server's protocol version.
        pub protocol_version: i32,
        /// Negotiated session timeout, milliseconds; `<= 0` means the session expired.
        pub timeout: i32,
        /// The session id; 0 means the session expired.
        pub session_id: i64,
        /// The session's password.
        pub passwd: Vec<u8>,
        /// True when the server is read-only.
        pub read_only: bool,
    }
}

impl Decode for ConnectResponse {
    const MIN_ENCODED_LEN: usize = 4 + 4 + 8 + 4;

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(ConnectResponse {
            protocol_version: r.read_i32()?,
            timeout: r.read_i32()?,
            session_id: r.read_i64()?,
            passwd: r.read_owned_buffer()?,
            // Absent in replies of old servers; that is why this reply must be decoded from
            // its own frame.
            read_only: !r.is_empty() && r.read_bool()?,
        })
    }
}

record! {
    /// The header of every request after the handshake.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct RequestHeader {
        /// The request's id (or a reserved xid).
        pub xid: i32,
        /// The [`OpCode`] as its number.
        pub op: i32,
    }
}

record! {
    /// The header of every reply after the handshake; a body follows only when `err` is 0.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub struct ReplyHeader {
        /// The xid of the request answered (or a reserved xid).
        pub xid: i32,
        /// The zxid of the server's state (-1 or real on notifications, depending on version).
        pub zxid: i64,
        /// An error code; 0 = OK.
        pub err: i32,
    }
}

record! {
    /// A watch notification (reply xid -1).
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct WatcherEvent {
        /// The event type as its number (see [`EventType`](super::EventType)).
        pub event_type: i32,
        /// The keeper state as its number (see [`KeeperState`](super::KeeperState)).
        pub state: i32,
        /// The node the event is about.
        pub path: String,
    }
}

record! {
    /// Reply to create: the created path (with its sequence suffix, if any).
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct CreateResponse {
        /// The created node's path.
        pub path: String,
    }
}

record! {
    /// Reply to create2, createContainer and createTTL: the created path and its stat.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct Create2Response {
        /// The created node's path.
        pub path: String,
        /// The created node's stat.
        pub stat: Stat,
    }
}

record! {
    /// Reply to exists, setData and setACL: a stat.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct StatResponse {
        /// The node's stat.
        pub stat: Stat,
    }
}

record! {
    /// Reply to getData.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct GetDataResponse {
        /// The node's data (null reads as empty).
        pub data: Vec<u8>,
        /// The node's stat.
        pub stat: Stat,
    }
}

record! {
    /// Reply to getChildren.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct GetChildrenResponse {
        /// The children's names (not full paths).
        pub children: Vec<String>,
    }
}

record! {
    /// Reply to getChildren2: the children and the parent's stat.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct GetChildren2Response {
        /// The children's names (not full paths).
        pub children: Vec<String>,
        /// The parent's stat.
        pub stat: Stat,
    }
}

record! {
    /// Reply to getACL.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct GetAclResponse {
        /// The node's ACL.
        pub acl: Vec<Acl>,
        /// The node's stat.
        pub stat: Stat,
    }
}

record! {
    /// Reply to sync: the path synced.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct PathResponse {
        /// The path.
        pub path: String,
    }
}

record! {
    /// Reply to getEphemerals.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct GetEphemeralsResponse {
        /// Paths of the session's ephemeral nodes.
        pub ephemerals: Vec<String>,
    }
}

record! {
    /// Reply to getAllChildrenNumber.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct GetAllChildrenNumberResponse {
        /// Number of descendants.
        pub total_number: i32,
    }
}

record! {
    /// One identity of the session, in a whoAmI reply.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct ClientInfo {
        /// The authentication scheme.
        pub auth_scheme: String,
        /// The user within it.
        pub user: String,
    }
}

record! {
    /// Reply to whoAmI.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct WhoAmIResponse {
        /// The session's identities.
        pub client_info: Vec<ClientInfo>,
    }
}

record! {
    /// Precedes each operation (and each result) of a transaction.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct MultiHeader {
        /// The operation's opcode; -1 for an error result and for the end marker.
        pub op_type: i32,
        /// True on the end marker.
        pub done: bool,
        /// -1 in requests; the result's error code in replies.
        pub err: i32,
    }
}

impl MultiHeader {
    /// The marker that ends a transaction's request or reply stream.
    const END: MultiHeader = MultiHeader {
        op_type: -1,
        done: true,
        err: -1,
    };

    /// The header in front of one operation of a request.
    fn op(op: OpCode) -> MultiHeader {
        MultiHeader {
            op_type: op.as_i32(),
            done: false,
            err: -1,
        }
    }
}

record! {
    /// An error result inside a transaction reply.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct ErrorResponse {
        /// The error code.
        pub err: i32,
    }
}

encode_record! {
    /// create, create2 and createContainer (jute `CreateRequest`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct CreateRequest<'a> {
        /// The node to create.
        pub path: &'a str,
        /// Its data.
        pub data: &'a [u8],
        /// Its ACL.
        pub acl: &'a [Acl],
        /// The [`CreateMode`](super::CreateMode) flags.
        pub flags: i32,
    }
}

encode_record! {
    /// createTTL (jute `CreateTTLRequest`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct CreateTtlRequest<'a> {
        /// The node to create.
        pub path: &'a str,
        /// Its data.
        pub data: &'a [u8],
        /// Its ACL.
        pub acl: &'a [Acl],
        /// The [`CreateMode`](super::CreateMode) flags (a TTL mode).
        pub flags: i32,
        /// Time to live, milliseconds.
        pub ttl: i64,
    }
}

encode_record! {
    /// delete.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct DeleteRequest<'a> {
        /// The node to delete.
        pub path: &'a str,
        /// The expected version, or -1 for any.
        pub version: i32,
    }
}

encode_record! {
    /// exists, getData, getChildren and getChildren2 (their jute requests share this layout).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct PathWatchRequest<'a> {
        /// The node.
        pub path: &'a str,
        /// Whether to leave a watch.
        pub watch: bool,
    }
}

encode_record! {
    /// setData.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct SetDataRequest<'a> {
        /// The node.
        pub path: &'a str,
        /// The new data.
        pub data: &'a [u8],
        /// The expected version, or -1 for any.
        pub version: i32,
    }
}

encode_record! {
    /// getACL, sync, getEphemerals (a path prefix) and getAllChildrenNumber.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct PathRequest<'a> {
        /// The node (or path prefix).
        pub path: &'a str,
    }
}

encode_record! {
    /// setACL.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct SetAclRequest<'a> {
        /// The node.
        pub path: &'a str,
        /// The new ACL.
        pub acl: &'a [Acl],
        /// The expected ACL version, or -1 for any.
        pub version: i32,
    }
}

encode_record! {
    /// check (inside a transaction).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct CheckVersionRequest<'a> {
        /// The node.
        pub path: &'a str,
        /// The version it must have.
        pub version: i32,
    }
}

encode_record! {
    /// setWatches: re-arms watches after a reconnect.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct SetWatches<'a> {
        /// The last zxid the client saw; changes after it fire at once.
        pub relative_zxid: i64,
        /// Paths with data watches.
        pub data_watches: &'a [String],
        /// Paths with exist watches.
        pub exist_watches: &'a [String],
        /// Paths with child watches.
        pub child_watches: &'a [String],
    }
}

encode_record! {
    /// setWatches2: as [`SetWatches`], with persistent and persistent-recursive watches.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct SetWatches2<'a> {
        /// The last zxid the client saw; changes after it fire at once.
        pub relative_zxid: i64,
        /// Paths with data watches.
        pub data_watches: &'a [String],
        /// Paths with exist watches.
        pub exist_watches: &'a [String],
        /// Paths with child watches.
        pub child_watches: &'a [String],
        /// Paths with persistent watches.
        pub persistent_watches: &'a [String],
        /// Paths with persistent recursive watches.
        pub persistent_recursive_watches: &'a [String],
    }
}

record! {
    /// sasl: one token of a SASL exchange, both ways (jute's GetSASLRequest and
    /// SetSASLResponse have this one field).
    #[derive(Clone, PartialEq, Eq, Default)]
    pub struct SaslToken {
        /// The mechanism's token (may hold credentials: never printed).
        pub token: Vec<u8>,
    }
}

impl std::fmt::Debug for SaslToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SaslToken({} bytes)", self.token.len())
    }
}

encode_record! {
    /// auth: adds credentials to the session.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct AuthPacket<'a> {
        /// Always 0.
        pub auth_type: i32,
        /// The scheme, e.g. `digest`.
        pub scheme: &'a str,
        /// The credentials, e.g. `user:password`.
        pub auth: &'a [u8],
    }
}

encode_record! {
    /// addWatch.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct AddWatchRequest<'a> {
        /// The node.
        pub path: &'a str,
        /// The [`AddWatchMode`](super::AddWatchMode) as its number.
        pub mode: i32,
    }
}

encode_record! {
    /// removeWatches and checkWatches.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct RemoveWatchesRequest<'a> {
        /// The node.
        pub path: &'a str,
        /// The [`WatcherType`](super::WatcherType) as its number.
        pub watcher_type: i32,
    }
}

encode_record! {
    /// reconfig (jute `ReconfigRequest`): either an incremental change (`joining_servers`
    /// and/or `leaving_servers`, `new_members` null) or a bulk one (`new_members` only). The
    /// reply is a [`GetDataResponse`]: the new configuration's data and stat.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct ReconfigRequest<'a> {
        /// Comma-separated server specs to add or change (`server.4=host:q:e:role;c`); null:
        /// none.
        pub joining_servers: Option<&'a str>,
        /// Comma-separated server ids to remove (`2,3`); null: none.
        pub leaving_servers: Option<&'a str>,
        /// Comma-separated server specs of the whole new membership; null for an
        /// incremental change.
        pub new_members: Option<&'a str>,
        /// The configuration version the change applies to, or -1 for any.
        pub cur_config_id: i64,
    }
}

/// One operation of a transaction (multi) or of a batch of reads (multiRead).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MultiOp<'a> {
    /// create (the result has the path only).
    Create(CreateRequest<'a>),
    /// createTTL.
    CreateTtl(CreateTtlRequest<'a>),
    /// createContainer.
    CreateContainer(CreateRequest<'a>),
    /// create2 (the result has the path and the stat).
    Create2(CreateRequest<'a>),
    /// delete.
    Delete(DeleteRequest<'a>),
    /// setData.
    SetData(SetDataRequest<'a>),
    /// check a version.
    Check(CheckVersionRequest<'a>),
    /// getData without a watch (multiRead only).
    GetData(PathRequest<'a>),
    /// getChildren without a watch (multiRead only).
    GetChildren(PathRequest<'a>),
}

impl MultiOp<'_> {
    /// The opcode written in this operation's header.
    pub fn op_code(&self) -> OpCode {
        match self {
            MultiOp::Create(_) => OpCode::Create,
            MultiOp::CreateTtl(_) => OpCode::CreateTtl,
            MultiOp::CreateContainer(_) => OpCode::CreateContainer,
            MultiOp::Create2(_) => OpCode::Create2,
            MultiOp::Delete(_) => OpCode::Delete,
            MultiOp::SetData(_) => OpCode::SetData,
            MultiOp::Check(_) => OpCode::Check,
            MultiOp::GetData(_) => OpCode::GetData,
            MultiOp::GetChildren(_) => OpCode::GetChildren,
        }
    }
}

/// The operation's header, then its request record.
impl Encode for MultiOp<'_> {
    fn encode(&self, buf: &mut Vec<u8>) {
        MultiHeader::op(self.op_code()).encode(buf);
        match self {
            MultiOp::Create(request)
            | MultiOp::CreateContainer(request)
            | MultiOp::Create2(request) => request.encode(buf),
            MultiOp::CreateTtl(request) => request.encode(buf),
            MultiOp::Delete(request) => request.encode(buf),
            MultiOp::SetData(request) => request.encode(buf),
            MultiOp::Check(request) => request.encode(buf),
            MultiOp::GetData(request) | MultiOp::GetChildren(request) => PathWatchRequest {
                path: request.path,
                watch: false,
            }
            .encode(buf),
        }
    }
}

/// The body of a multi or multiRead request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MultiRequest<'a> {
    /// The operations, in order.
    pub ops: &'a [MultiOp<'a>],
}

/// Each operation with its header, then the end marker.
impl Encode for MultiRequest<'_> {
    fn encode(&self, buf: &mut Vec<u8>) {
        for op in self.ops {
            op.encode(buf);
        }
        MultiHeader::END.encode(buf);
    }
}

/// The result of one operation of a transaction or batch of reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MultiResult {
    /// create succeeded.
    Create {
        /// The created path.
        path: String,
    },
    /// create2, createContainer or createTTL succeeded.
    Create2 {
        /// The created path.
        path: String,
        /// The created node's stat.
        stat: Stat,
    },
    /// delete succeeded.
    Delete,
    /// setData succeeded.
    SetData {
        /// The node's new stat.
        stat: Stat,
    },
    /// check succeeded.
    Check,
    /// getData succeeded.
    GetData {
        /// The node's data.
        data: Vec<u8>,
        /// The node's stat.
        stat: Stat,
    },
    /// getChildren succeeded.
    GetChildren {
        /// The children's names.
        children: Vec<String>,
    },
    /// The operation failed with `err`; in a failed transaction the operations before the
    /// failing one report 0 and those after it -2 (runtime inconsistency).
    Error {
        /// The error code.
        err: i32,
    },
}

impl MultiResult {
    /// The opcode in this result's header.
    pub fn op_code(&self) -> OpCode {
        match self {
            MultiResult::Create { .. } => OpCode::Create,
            MultiResult::Create2 { .. } => OpCode::Create2,
            MultiResult::Delete => OpCode::Delete,
            MultiResult::SetData { .. } => OpCode::SetData,
            MultiResult::Check => OpCode::Check,
            MultiResult::GetData { .. } => OpCode::GetData,
            MultiResult::GetChildren { .. } => OpCode::GetChildren,
            MultiResult::Error { .. } => OpCode::Error,
        }
    }

    /// Reads the record that follows a result header of type `op_type`.
    fn decode_body(op_type: i32, r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let result = match OpCode::from_i32(op_type) {
            Some(OpCode::Error) => MultiResult::Error {
                err: ErrorResponse::decode(r)?.err,
            },
            Some(OpCode::Create) => MultiResult::Create {
                path: CreateResponse::decode(r)?.path,
            },
            Some(OpCode::Create2 | OpCode::CreateTtl | OpCode::CreateContainer) => {
                let Create2Response { path, stat } = Create2Response::decode(r)?;
                MultiResult::Create2 { path, stat }
            }
            Some(OpCode::Delete) => MultiResult::Delete,
            Some(OpCode::SetData) => MultiResult::SetData {
                stat: StatResponse::decode(r)?.stat,
            },
            Some(OpCode::Check) => MultiResult::Check,
            Some(OpCode::GetData) => {
                let GetDataResponse { data, stat } = GetDataResponse::decode(r)?;
                MultiResult::GetData { data, stat }
            }
            Some(OpCode::GetChildren) => MultiResult::GetChildren {
                children: GetChildrenResponse::decode(r)?.children,
            },
            _ => return Err(DecodeError::UnknownOpType(op_type)),
        };
        Ok(result)
    }
}

/// The server's layout: header `{type, false, err}`, then the result's record.
impl Encode for MultiResult {
    fn encode(&self, buf: &mut Vec<u8>) {
        let err = match self {
            MultiResult::Error { err } => *err,
            _ => 0,
        };
        MultiHeader {
            op_type: self.op_code().as_i32(),
            done: false,
            err,
        }
        .encode(buf);
        match self {
            MultiResult::Create { path } => path.encode(buf),
            MultiResult::Create2 { path, stat } => {
                path.encode(buf);
                stat.encode(buf);
            }
            MultiResult::Delete | MultiResult::Check => {}
            MultiResult::SetData { stat } => stat.encode(buf),
            MultiResult::GetData { data, stat } => {
                data.encode(buf);
                stat.encode(buf);
            }
            MultiResult::GetChildren { children } => children.encode(buf),
            MultiResult::Error { err } => put_i32(buf, *err),
        }
    }
}

/// The reply to a multi or multiRead request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MultiResponse {
    /// One result per operation, in order.
    pub results: Vec<MultiResult>,
}

/// Each result with its header, then the end marker.
impl Encode for MultiResponse {
    fn encode(&self, buf: &mut Vec<u8>) {
        for result in &self.results {
            result.encode(buf);
        }
        MultiHeader::END.encode(buf);
    }
}

/// Reads results until the header marked done.
impl Decode for MultiResponse {
    const MIN_ENCODED_LEN: usize = MultiHeader::MIN_ENCODED_LEN;

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut results = Vec::new();
        loop {
            let header = MultiHeader::decode(r)?;
            if header.done {
                return Ok(MultiResponse { results });
            }
            results.push(MultiResult::decode_body(header.op_type, r)?);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Debug;

    use super::*;
    use crate::proto::{decode_all, decode_prefix, put_i64, put_string};

    fn encode<T: Encode + ?Sized>(value: &T) -> Vec<u8> {
        let mut buf = Vec::new();
        value.encode(&mut buf);
        buf
    }

    /// Every strict prefix of `bytes` (a valid encoding of `T`) fails to decode, without panicking.
    fn assert_prefixes_fail<T: Decode + Debug>(bytes: &[u8]) {
        for len in 0..bytes.len() {
            let result = decode_all::<T>(&bytes[..len]);
            assert!(
                result.is_err(),
                "{} of {} bytes decoded: {result:?}",
                len,
                bytes.len()
            );
        }
    }

    /// Encodes `value`, decodes it back, and checks that every strict prefix fails.
    fn round_trip<T: Encode + Decode + PartialEq + Debug>(value: T) {
        let bytes = encode(&value);
        assert!(bytes.len() >= T::MIN_ENCODED_LEN, "{value:?}");
        assert_eq!(decode_all::<T>(&bytes), Ok(value));
        assert_prefixes_fail::<T>(&bytes);
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(
            decode_all::<T>(&longer).err(),
            Some(DecodeError::TrailingBytes(1))
        );
        assert_eq!(
            decode_prefix::<T>(&longer).map(|(_, rest)| rest),
            Ok(&[0u8][..])
        );
    }

    /// The default value has every variable part empty, so it is the shortest encoding.
    fn assert_min_len<T: Encode + Decode + Default>() {
        assert_eq!(
            encode(&T::default()).len(),
            T::MIN_ENCODED_LEN,
            "{}",
            std::any::type_name::<T>()
        );
    }

    fn stat(seed: i64) -> Stat {
        Stat {
            czxid: seed,
            mzxid: seed + 1,
            ctime: 1_700_000_000_000 + seed,
            mtime: 1_700_000_000_001 + seed,
            version: 3,
            cversion: -1,
            aversion: 7,
            ephemeral_owner: 0x0100_0000_0000_0002,
            data_length: 5,
            num_children: 2,
            pzxid: i64::MAX,
        }
    }

    fn digest_acl() -> Acl {
        Acl {
            perms: perms::READ | perms::WRITE,
            id: Id {
                scheme: "digest".into(),
                id: "user:x8Gj2ZpQ0Lz0+k4h3c2pW2b4M1k=".into(),
            },
        }
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn multi_response() -> MultiResponse {
        MultiResponse {
            results: vec![
                MultiResult::Create { path: "/a".into() },
                MultiResult::Create2 {
                    path: "/b0000000001".into(),
                    stat: stat(9),
                },
                MultiResult::Delete,
                MultiResult::SetData { stat: stat(4) },
                MultiResult::Check,
                MultiResult::GetData {
                    data: b"xyz".to_vec(),
                    stat: stat(5),
                },
                MultiResult::GetChildren {
                    children: strings(&["c", "d"]),
                },
                MultiResult::Error { err: -101 },
            ],
        }
    }

    #[test]
    fn every_owned_record_round_trips() {
        round_trip(stat(1));
        round_trip(digest_acl().id);
        round_trip(digest_acl());
        round_trip(ConnectRequest {
            protocol_version: 0,
            last_zxid_seen: 0x1234,
            timeout: 30_000,
            session_id: 0x0100_0000_0000_0042,
            passwd: (0..16).collect(),
            read_only: true,
        });
        round_trip(RequestHeader {
            xid: 17,
            op: OpCode::GetData.as_i32(),
        });
        round_trip(ReplyHeader {
            xid: 17,
            zxid: 0x5_0000_0001,
            err: -101,
        });
        round_trip(WatcherEvent {
            event_type: 3,
            state: 3,
            path: "/ünïcode/path".into(),
        });
        round_trip(CreateResponse {
            path: "/seq0000000010".into(),
        });
        round_trip(Create2Response {
            path: "/n".into(),
            stat: stat(2),
        });
        round_trip(StatResponse { stat: stat(3) });
        round_trip(GetDataResponse {
            data: vec![0, 1, 255],
            stat: stat(4),
        });
        round_trip(GetChildrenResponse {
            children: strings(&["a", "b", ""]),
        });
        round_trip(GetChildren2Response {
            children: strings(&["x"]),
            stat: stat(5),
        });
        round_trip(GetAclResponse {
            acl: vec![digest_acl(), Acl::read_unsafe().remove(0)],
            stat: stat(6),
        });
        round_trip(PathResponse {
            path: "/synced".into(),
        });
        round_trip(GetEphemeralsResponse {
            ephemerals: strings(&["/e1", "/e2/x"]),
        });
        round_trip(GetAllChildrenNumberResponse {
            total_number: 12345,
        });
        round_trip(ClientInfo {
            auth_scheme: "ip".into(),
            user: "127.0.0.1".into(),
        });
        round_trip(WhoAmIResponse {
            client_info: vec![
                ClientInfo {
                    auth_scheme: "ip".into(),
                    user: "127.0.0.1".into(),
                },
                ClientInfo {
                    auth_scheme: "digest".into(),
                    user: "bob".into(),
                },
            ],
        });
        round_trip(MultiHeader {
            op_type: 5,
            done: false,
            err: 0,
        });
        round_trip(ErrorResponse { err: -110 });
        round_trip(multi_response());
        round_trip(MultiResponse::default());

        // ConnectResponse: every prefix but the one missing only read_only fails.
        let response = ConnectResponse {
            protocol_version: 0,
            timeout: 10_000,
            session_id: 0x0100_0000_0000_0042,
            passwd: vec![9; 16],
            read_only: true,
        };
        let bytes = encode(&response);
        assert_eq!(decode_all::<ConnectResponse>(&bytes), Ok(response));
        assert_prefixes_fail::<ConnectResponse>(&bytes[..bytes.len() - 1]);
    }

    #[test]
    fn min_encoded_len_is_the_shortest_encoding() {
        assert_min_len::<Stat>();
        assert_min_len::<Id>();
        assert_min_len::<Acl>();
        assert_min_len::<ConnectRequest>();
        assert_min_len::<RequestHeader>();
        assert_min_len::<ReplyHeader>();
        assert_min_len::<WatcherEvent>();
        assert_min_len::<CreateResponse>();
        assert_min_len::<Create2Response>();
        assert_min_len::<StatResponse>();
        assert_min_len::<GetDataResponse>();
        assert_min_len::<GetChildrenResponse>();
        assert_min_len::<GetChildren2Response>();
        assert_min_len::<GetAclResponse>();
        assert_min_len::<PathResponse>();
        assert_min_len::<GetEphemeralsResponse>();
        assert_min_len::<GetAllChildrenNumberResponse>();
        assert_min_len::<ClientInfo>();
        assert_min_len::<WhoAmIResponse>();
        assert_min_len::<MultiHeader>();
        assert_min_len::<ErrorResponse>();
        assert_min_len::<MultiResponse>();
        assert_eq!(Stat::MIN_ENCODED_LEN, 68);
        assert_eq!(ConnectResponse::MIN_ENCODED_LEN, 20);
    }

    #[test]
    fn connect_request_for_a_new_session() {
        let request = ConnectRequest {
            protocol_version: 0,
            last_zxid_seen: 0,
            timeout: 10_000,
            session_id: 0,
            passwd: vec![0; 16],
            read_only: false,
        };
        let mut expected = vec![0u8; 4 + 8]; // protocolVersion, lastZxidSeen
        expected.extend_from_slice(&[0, 0, 0x27, 0x10]); // timeOut = 10000
        expected.extend_from_slice(&[0; 8]); // sessionId
        expected.extend_from_slice(&[0, 0, 0, 16]); // passwd length
        expected.extend_from_slice(&[0; 16]); // passwd
        expected.push(0); // readOnly
        assert_eq!(expected.len(), 45);
        assert_eq!(encode(&request), expected);
    }

    #[test]
    fn connect_response_without_read_only_byte() {
        let mut bytes = vec![0, 0, 0, 0]; // protocolVersion
        bytes.extend_from_slice(&[0, 0, 0x75, 0x30]); // timeOut = 30000
        bytes.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 7]); // sessionId
        bytes.extend_from_slice(&[0, 0, 0, 2, 0xaa, 0xbb]); // passwd
        let expected = ConnectResponse {
            protocol_version: 0,
            timeout: 30_000,
            session_id: 0x0100_0000_0000_0007,
            passwd: vec![0xaa, 0xbb],
            read_only: false,
        };
        assert_eq!(decode_all::<ConnectResponse>(&bytes), Ok(expected.clone()));
        bytes.push(1);
        assert_eq!(
            decode_all::<ConnectResponse>(&bytes),
            Ok(ConnectResponse {
                read_only: true,
                ..expected
            })
        );
        bytes.push(1);
        assert_eq!(
            decode_all::<ConnectResponse>(&bytes),
            Err(DecodeError::TrailingBytes(1))
        );
    }

    #[test]
    fn request_header_bytes() {
        let header = RequestHeader {
            xid: 1,
            op: OpCode::Create2.as_i32(),
        };
        assert_eq!(encode(&header), [0, 0, 0, 1, 0, 0, 0, 15]);
        let reply = [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0xff, 0xff, 0xff, 0x9b];
        assert_eq!(
            decode_all::<ReplyHeader>(&reply),
            Ok(ReplyHeader {
                xid: 1,
                zxid: 256,
                err: -101
            })
        );
    }

    /// The bytes of `/a` + `x` + open ACL + flags 1, written out by hand.
    const CREATE_BODY: &[u8] = &[
        0, 0, 0, 2, b'/', b'a', // path
        0, 0, 0, 1, b'x', // data
        0, 0, 0, 1, // one ACL
        0, 0, 0, 31, // perms ALL
        0, 0, 0, 5, b'w', b'o', b'r', b'l', b'd', // scheme
        0, 0, 0, 6, b'a', b'n', b'y', b'o', b'n', b'e', // id
        0, 0, 0, 1, // flags EPHEMERAL
    ];

    #[test]
    fn create_request_with_open_acl() {
        let acl = Acl::open_unsafe();
        let request = CreateRequest {
            path: "/a",
            data: b"x",
            acl: &acl,
            flags: 1,
        };
        assert_eq!(encode(&request), CREATE_BODY);

        let ttl = CreateTtlRequest {
            path: "/a",
            data: b"x",
            acl: &acl,
            flags: 1,
            ttl: 0x0102,
        };
        let mut expected = CREATE_BODY.to_vec();
        expected.extend_from_slice(&[0, 0, 0, 0, 0, 0, 1, 2]);
        assert_eq!(encode(&ttl), expected);
    }

    #[test]
    fn small_request_records() {
        assert_eq!(
            encode(&DeleteRequest {
                path: "/d",
                version: -1
            }),
            [0, 0, 0, 2, b'/', b'd', 255, 255, 255, 255]
        );
        assert_eq!(
            encode(&PathWatchRequest {
                path: "/w",
                watch: true
            }),
            [0, 0, 0, 2, b'/', b'w', 1]
        );
        assert_eq!(encode(&PathRequest { path: "/" }), [0, 0, 0, 1, b'/']);
        assert_eq!(
            encode(&ReconfigRequest {
                joining_servers: None,
                leaving_servers: Some("3"),
                new_members: None,
                cur_config_id: -1,
            }),
            [
                255, 255, 255, 255, 0, 0, 0, 1, b'3', 255, 255, 255, 255, 255, 255, 255, 255, 255,
                255, 255, 255
            ]
        );
        assert_eq!(
            encode(&SetDataRequest {
                path: "/s",
                data: b"",
                version: 2
            }),
            [0, 0, 0, 2, b'/', b's', 0, 0, 0, 0, 0, 0, 0, 2]
        );
        assert_eq!(
            encode(&CheckVersionRequest {
                path: "/c",
                version: 3
            }),
            [0, 0, 0, 2, b'/', b'c', 0, 0, 0, 3]
        );
        assert_eq!(
            encode(&AddWatchRequest {
                path: "/p",
                mode: 1
            }),
            [0, 0, 0, 2, b'/', b'p', 0, 0, 0, 1]
        );
        assert_eq!(
            encode(&RemoveWatchesRequest {
                path: "/r",
                watcher_type: 3
            }),
            [0, 0, 0, 2, b'/', b'r', 0, 0, 0, 3]
        );
        assert_eq!(
            encode(&AuthPacket {
                auth_type: 0,
                scheme: "digest",
                auth: b"u:p"
            }),
            [
                0, 0, 0, 0, 0, 0, 0, 6, b'd', b'i', b'g', b'e', b's', b't', 0, 0, 0, 3, b'u', b':',
                b'p'
            ]
        );
        let acl = Acl::read_unsafe();
        let mut expected = vec![0, 0, 0, 2, b'/', b'z', 0, 0, 0, 1, 0, 0, 0, 1];
        expected.extend_from_slice(&CREATE_BODY[19..38]); // world:anyone
        expected.extend_from_slice(&[0, 0, 0, 4]);
        assert_eq!(
            encode(&SetAclRequest {
                path: "/z",
                acl: &acl,
                version: 4
            }),
            expected
        );
    }

    #[test]
    fn acl_constructors() {
        let entry = |perms, scheme: &str, id: &str| Acl {
            perms,
            id: Id {
                scheme: scheme.into(),
                id: id.into(),
            },
        };
        assert_eq!(Acl::open_unsafe(), [entry(31, "world", "anyone")]);
        assert_eq!(Acl::creator_all(), [entry(31, "auth", "")]);
        assert_eq!(Acl::read_unsafe(), [entry(perms::READ, "world", "anyone")]);
    }

    #[test]
    fn set_watches_bytes() {
        let data = strings(&["/a"]);
        let child = strings(&["/b", "/c"]);
        let watches = SetWatches {
            relative_zxid: 0x10,
            data_watches: &data,
            exist_watches: &[],
            child_watches: &child,
        };
        let expected: &[u8] = &[
            0, 0, 0, 0, 0, 0, 0, 0x10, // relativeZxid
            0, 0, 0, 1, 0, 0, 0, 2, b'/', b'a', // dataWatches
            0, 0, 0, 0, // existWatches
            0, 0, 0, 2, 0, 0, 0, 2, b'/', b'b', 0, 0, 0, 2, b'/', b'c', // childWatches
        ];
        assert_eq!(encode(&watches), expected);

        let persistent = strings(&["/p"]);
        let watches2 = SetWatches2 {
            relative_zxid: 0x10,
            data_watches: &data,
            exist_watches: &[],
            child_watches: &child,
            persistent_watches: &persistent,
            persistent_recursive_watches: &[],
        };
        let mut expected2 = expected.to_vec();
        expected2.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 2, b'/', b'p', 0, 0, 0, 0]);
        assert_eq!(encode(&watches2), expected2);
    }

    #[test]
    fn multi_request_with_two_ops() {
        let ops = [
            MultiOp::Check(CheckVersionRequest {
                path: "/a",
                version: 2,
            }),
            MultiOp::Delete(DeleteRequest {
                path: "/b",
                version: -1,
            }),
        ];
        let expected: &[u8] = &[
            0, 0, 0, 13, 0, 255, 255, 255, 255, // header: check, not done, err -1
            0, 0, 0, 2, b'/', b'a', 0, 0, 0, 2, // CheckVersionRequest
            0, 0, 0, 2, 0, 255, 255, 255, 255, // header: delete
            0, 0, 0, 2, b'/', b'b', 255, 255, 255, 255, // DeleteRequest
            255, 255, 255, 255, 1, 255, 255, 255, 255, // end marker
        ];
        assert_eq!(encode(&MultiRequest { ops: &ops }), expected);
    }

    #[test]
    fn multi_ops_use_their_opcodes_and_records() {
        let acl = Acl::open_unsafe();
        let create = CreateRequest {
            path: "/a",
            data: b"x",
            acl: &acl,
            flags: 1,
        };
        let ttl = CreateTtlRequest {
            path: "/a",
            data: b"x",
            acl: &acl,
            flags: 5,
            ttl: 9,
        };
        let cases: [(MultiOp<'_>, i32, Vec<u8>); 9] = [
            (MultiOp::Create(create), 1, encode(&create)),
            (MultiOp::CreateTtl(ttl), 21, encode(&ttl)),
            (MultiOp::CreateContainer(create), 19, encode(&create)),
            (MultiOp::Create2(create), 15, encode(&create)),
            (
                MultiOp::Delete(DeleteRequest {
                    path: "/d",
                    version: 1,
                }),
                2,
                encode(&DeleteRequest {
                    path: "/d",
                    version: 1,
                }),
            ),
            (
                MultiOp::SetData(SetDataRequest {
                    path: "/s",
                    data: b"v",
                    version: 1,
                }),
                5,
                encode(&SetDataRequest {
                    path: "/s",
                    data: b"v",
                    version: 1,
                }),
            ),
            (
                MultiOp::Check(CheckVersionRequest {
                    path: "/c",
                    version: 1,
                }),
                13,
                encode(&CheckVersionRequest {
                    path: "/c",
                    version: 1,
                }),
            ),
            (
                MultiOp::GetData(PathRequest { path: "/g" }),
                4,
                encode(&PathWatchRequest {
                    path: "/g",
                    watch: false,
                }),
            ),
            (
                MultiOp::GetChildren(PathRequest { path: "/k" }),
                8,
                encode(&PathWatchRequest {
                    path: "/k",
                    watch: false,
                }),
            ),
        ];
        for (op, op_type, body) in cases {
            assert_eq!(op.op_code().as_i32(), op_type);
            let mut expected = encode(&MultiHeader {
                op_type,
                done: false,
                err: -1,
            });
            expected.extend_from_slice(&body);
            assert_eq!(encode(&op), expected, "{op:?}");
        }
    }

    /// Appends a result header the way the server writes it.
    fn put_result_header(buf: &mut Vec<u8>, op_type: i32, err: i32) {
        put_i32(buf, op_type);
        buf.push(0);
        put_i32(buf, err);
    }

    fn put_end(buf: &mut Vec<u8>) {
        put_i32(buf, -1);
        buf.push(1);
        put_i32(buf, -1);
    }

    fn put_stat(buf: &mut Vec<u8>, stat: &Stat) {
        for long in [stat.czxid, stat.mzxid, stat.ctime, stat.mtime] {
            put_i64(buf, long);
        }
        for int in [stat.version, stat.cversion, stat.aversion] {
            put_i32(buf, int);
        }
        put_i64(buf, stat.ephemeral_owner);
        put_i32(buf, stat.data_length);
        put_i32(buf, stat.num_children);
        put_i64(buf, stat.pzxid);
    }

    #[test]
    fn stat_layout() {
        let mut expected = Vec::new();
        put_stat(&mut expected, &stat(1));
        assert_eq!(expected.len(), 68);
        assert_eq!(encode(&stat(1)), expected);
    }

    #[test]
    fn multi_response_of_a_failed_transaction() {
        let mut bytes = Vec::new();
        for err in [0, -101, -2] {
            put_result_header(&mut bytes, -1, err);
            put_i32(&mut bytes, err);
        }
        put_end(&mut bytes);
        let response = decode_all::<MultiResponse>(&bytes).unwrap();
        assert_eq!(
            response.results,
            [
                MultiResult::Error { err: 0 },
                MultiResult::Error { err: -101 },
                MultiResult::Error { err: -2 }
            ]
        );
        assert_eq!(encode(&response), bytes);
        assert_prefixes_fail::<MultiResponse>(&bytes);
    }

    #[test]
    fn multi_response_of_a_successful_transaction() {
        let mut bytes = Vec::new();
        put_result_header(&mut bytes, 1, 0);
        put_string(&mut bytes, "/a0000000001");
        put_result_header(&mut bytes, 5, 0);
        put_stat(&mut bytes, &stat(7));
        put_result_header(&mut bytes, 2, 0);
        put_result_header(&mut bytes, 13, 0);
        for op_type in [15, 21, 19] {
            put_result_header(&mut bytes, op_type, 0);
            put_string(&mut bytes, "/c");
            put_stat(&mut bytes, &stat(8));
        }
        put_end(&mut bytes);
        let response = decode_all::<MultiResponse>(&bytes).unwrap();
        let create2 = MultiResult::Create2 {
            path: "/c".into(),
            stat: stat(8),
        };
        assert_eq!(
            response.results,
            [
                MultiResult::Create {
                    path: "/a0000000001".into()
                },
                MultiResult::SetData { stat: stat(7) },
                MultiResult::Delete,
                MultiResult::Check,
                create2.clone(),
                create2.clone(),
                create2,
            ]
        );
        assert_prefixes_fail::<MultiResponse>(&bytes);
    }

    #[test]
    fn multi_response_of_reads() {
        let mut bytes = Vec::new();
        put_result_header(&mut bytes, 4, 0);
        put_i32(&mut bytes, -1); // null data
        put_stat(&mut bytes, &stat(1));
        put_result_header(&mut bytes, 8, 0);
        put_i32(&mut bytes, 1);
        put_string(&mut bytes, "kid");
        put_result_header(&mut bytes, -1, -101);
        put_i32(&mut bytes, -101);
        put_end(&mut bytes);
        assert_eq!(
            decode_all::<MultiResponse>(&bytes).map(|response| response.results),
            Ok(vec![
                MultiResult::GetData {
                    data: Vec::new(),
                    stat: stat(1)
                },
                MultiResult::GetChildren {
                    children: strings(&["kid"])
                },
                MultiResult::Error { err: -101 },
            ])
        );
    }

    #[test]
    fn multi_response_with_an_unknown_op_type() {
        let mut bytes = Vec::new();
        put_result_header(&mut bytes, 3, 0);
        put_end(&mut bytes);
        assert_eq!(
            decode_all::<MultiResponse>(&bytes),
            Err(DecodeError::UnknownOpType(3))
        );
    }

    #[test]
    fn hostile_lengths_inside_records() {
        for len in [-2, i32::MIN, i32::MAX] {
            let mut data = Vec::new();
            put_i32(&mut data, len);
            data.extend_from_slice(&[0; 68]);
            let result = decode_all::<GetDataResponse>(&data);
            assert!(result.is_err(), "{len}: {result:?}");
            assert!(decode_all::<GetChildrenResponse>(&data).is_err());
            assert!(decode_all::<GetAclResponse>(&data).is_err());
            assert!(decode_all::<WhoAmIResponse>(&data).is_err());
            assert!(decode_all::<CreateResponse>(&data).is_err());

            let mut event = vec![0, 0, 0, 1, 0, 0, 0, 3];
            put_i32(&mut event, len);
            assert!(decode_all::<WatcherEvent>(&event).is_err());
        }
        // 1000 claimed ACLs need at least 12,000 bytes.
        let mut acls = Vec::new();
        put_i32(&mut acls, 1000);
        acls.extend_from_slice(&[0; 2000]);
        assert_eq!(
            decode_all::<GetAclResponse>(&acls),
            Err(DecodeError::UnexpectedEof { needed: 10_000 })
        );
    }

    #[test]
    fn invalid_utf8_in_a_record() {
        let mut event = vec![0, 0, 0, 1, 0, 0, 0, 3];
        put_i32(&mut event, 3);
        event.extend_from_slice(&[b'/', 0xff, b'a']);
        assert_eq!(
            decode_all::<WatcherEvent>(&event),
            Err(DecodeError::InvalidUtf8)
        );
        let mut children = Vec::new();
        put_i32(&mut children, 1);
        put_i32(&mut children, 2);
        children.extend_from_slice(&[0xc0, 0x80]);
        assert_eq!(
            decode_all::<GetChildrenResponse>(&children),
            Err(DecodeError::InvalidUtf8)
        );
    }

    /// Decodes `bytes` as `T` both ways; only a panic would fail.
    fn probe<T: Decode>(bytes: &[u8]) {
        let _ = decode_all::<T>(bytes);
        let _ = decode_prefix::<T>(bytes);
    }

    const PROBES: &[fn(&[u8])] = &[
        probe::<Stat>,
        probe::<Id>,
        probe::<Acl>,
        probe::<ConnectRequest>,
        probe::<ConnectResponse>,
        probe::<RequestHeader>,
        probe::<ReplyHeader>,
        probe::<WatcherEvent>,
        probe::<CreateResponse>,
        probe::<Create2Response>,
        probe::<StatResponse>,
        probe::<GetDataResponse>,
        probe::<GetChildrenResponse>,
        probe::<GetChildren2Response>,
        probe::<GetAclResponse>,
        probe::<PathResponse>,
        probe::<GetEphemeralsResponse>,
        probe::<GetAllChildrenNumberResponse>,
        probe::<ClientInfo>,
        probe::<WhoAmIResponse>,
        probe::<MultiHeader>,
        probe::<ErrorResponse>,
        probe::<MultiResponse>,
    ];

    /// A deterministic pseudo-random sequence (xorshift64).
    fn xorshift(mut state: u64) -> impl FnMut() -> u64 {
        move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        }
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
        let mut bytes = Vec::with_capacity(200);
        for _ in 0..20_000 {
            bytes.clear();
            let len = (next() % 200) as usize;
            for _ in 0..len {
                // Mostly small numbers, so lengths and counts are often plausible.
                let roll = next();
                bytes.push(match roll % 8 {
                    0..=3 => 0,
                    4 => 0xff,
                    5 => (roll >> 8) as u8 % 4,
                    _ => (roll >> 8) as u8,
                });
            }
            for probe in PROBES {
                probe(&bytes);
            }
        }
    }

    #[test]
    fn mutated_valid_encodings_never_panic() {
        let mut next = xorshift(0x2545_f491_4f6c_dd1d);
        let originals = [
            encode(&multi_response()),
            encode(&GetAclResponse {
                acl: vec![digest_acl(); 3],
                stat: stat(1),
            }),
            encode(&ConnectResponse {
                passwd: vec![1; 16],
                ..Default::default()
            }),
        ];
        for _ in 0..5_000 {
            for original in &originals {
                let mut bytes = original.clone();
                for _ in 0..1 + next() % 3 {
                    let at = (next() % bytes.len() as u64) as usize;
                    bytes[at] = next() as u8;
                }
                bytes.truncate((next() % (bytes.len() as u64 + 1)) as usize);
                for probe in PROBES {
                    probe(&bytes);
                }
            }
        }
    }
}
