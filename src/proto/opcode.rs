//! Request opcodes (the `type` of a `RequestHeader`) and the reserved xids.

wire_enum! {
    /// The operation a request asks for, as ZooKeeper's `ZooDefs.OpCode`.
    pub enum OpCode {
        /// A watch notification (never sent by a client).
        Notification = 0,
        /// Create a node (reply: `CreateResponse`).
        Create = 1,
        /// Delete a node.
        Delete = 2,
        /// Stat a node, optionally watching it.
        Exists = 3,
        /// Read a node's data and stat.
        GetData = 4,
        /// Write a node's data.
        SetData = 5,
        /// Read a node's ACL.
        GetAcl = 6,
        /// Write a node's ACL.
        SetAcl = 7,
        /// List a node's children.
        GetChildren = 8,
        /// Sync the server with the leader.
        Sync = 9,
        /// Keep the session alive.
        Ping = 11,
        /// List a node's children with its stat.
        GetChildren2 = 12,
        /// Check a node's version (inside a transaction).
        Check = 13,
        /// A transaction.
        Multi = 14,
        /// Create a node (reply: `Create2Response`, with the stat).
        Create2 = 15,
        /// Change the ensemble's configuration.
        Reconfig = 16,
        /// Ask whether a watch exists.
        CheckWatches = 17,
        /// Remove watches.
        RemoveWatches = 18,
        /// Create a container node.
        CreateContainer = 19,
        /// Delete a container node (server internal).
        DeleteContainer = 20,
        /// Create a node with a time-to-live.
        CreateTtl = 21,
        /// A batch of reads.
        MultiRead = 22,
        /// Add authentication credentials.
        Auth = 100,
        /// Re-arm watches after a reconnect.
        SetWatches = 101,
        /// A SASL exchange.
        Sasl = 102,
        /// List the session's ephemeral nodes.
        GetEphemerals = 103,
        /// Count all descendants of a node.
        GetAllChildrenNumber = 104,
        /// Re-arm watches, persistent ones included.
        SetWatches2 = 105,
        /// Add a persistent (optionally recursive) watch.
        AddWatch = 106,
        /// Ask which identities the session has.
        WhoAmI = 107,
        /// Create a session (server internal).
        CreateSession = -10,
        /// Close the session.
        CloseSession = -11,
        /// An error result inside a transaction reply.
        Error = -1,
    }
}

/// The xid of a watch notification sent by the server.
pub const NOTIFICATION_XID: i32 = -1;
/// The xid of a ping and its reply.
pub const PING_XID: i32 = -2;
/// The xid of an auth packet and its reply.
pub const AUTH_XID: i32 = -4;
/// The xid of a SetWatches / SetWatches2 request and its reply.
pub const SET_WATCHES_XID: i32 = -8;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_opcode_round_trips_through_its_number() {
        for value in -20..200 {
            if let Some(op) = OpCode::from_i32(value) {
                assert_eq!(op.as_i32(), value);
            }
        }
        assert_eq!(OpCode::from_i32(14), Some(OpCode::Multi));
        assert_eq!(OpCode::from_i32(-11), Some(OpCode::CloseSession));
        assert_eq!(OpCode::from_i32(10), None);
        assert_eq!(OpCode::WhoAmI.as_i32(), 107);
        assert_eq!(OpCode::Error.as_i32(), -1);
    }
}
