//! The small enums and constants that travel inside records: create modes, watch event types,
//! keeper states, permissions and watch modes.

wire_enum! {
    /// How a node is created; its number is the `flags` of a create request.
    #[derive(Default)]
    pub enum CreateMode {
        /// A node that lives until deleted.
        #[default]
        Persistent = 0,
        /// A node deleted when its session ends.
        Ephemeral = 1,
        /// A persistent node with a sequence suffix.
        PersistentSequential = 2,
        /// An ephemeral node with a sequence suffix.
        EphemeralSequential = 3,
        /// A node the server deletes once its last child is gone (opcode createContainer).
        Container = 4,
        /// A persistent node deleted after its TTL when it has no children (opcode createTTL).
        PersistentWithTtl = 5,
        /// A sequential node with a TTL (opcode createTTL).
        PersistentSequentialWithTtl = 6,
    }
}

impl CreateMode {
    /// True for the modes whose node ends with its session.
    pub fn is_ephemeral(self) -> bool {
        matches!(
            self,
            CreateMode::Ephemeral | CreateMode::EphemeralSequential
        )
    }

    /// True for the modes that append a sequence number to the name.
    pub fn is_sequential(self) -> bool {
        matches!(
            self,
            CreateMode::PersistentSequential
                | CreateMode::EphemeralSequential
                | CreateMode::PersistentSequentialWithTtl
        )
    }

    /// True for a container node.
    pub fn is_container(self) -> bool {
        self == CreateMode::Container
    }

    /// True for the modes that need a TTL.
    pub fn is_ttl(self) -> bool {
        matches!(
            self,
            CreateMode::PersistentWithTtl | CreateMode::PersistentSequentialWithTtl
        )
    }

    /// The wire `flags` of a create request.
    pub fn flags(self) -> i32 {
        self.as_i32()
    }
}

wire_enum! {
    /// What a watch event reports.
    pub enum EventType {
        /// A change of connection state, not of a node.
        None = -1,
        /// The node was created.
        NodeCreated = 1,
        /// The node was deleted.
        NodeDeleted = 2,
        /// The node's data changed.
        NodeDataChanged = 3,
        /// The node's children changed.
        NodeChildrenChanged = 4,
        /// A data watch was removed.
        DataWatchRemoved = 5,
        /// A child watch was removed.
        ChildWatchRemoved = 6,
        /// A persistent watch was removed.
        PersistentWatchRemoved = 7,
    }
}

wire_enum! {
    /// The state of the session's connection, as reported in events.
    pub enum KeeperState {
        /// Not connected to any server.
        Disconnected = 0,
        /// Connected to a server that has a quorum.
        SyncConnected = 3,
        /// Authentication failed; the session is unusable.
        AuthFailed = 4,
        /// Connected to a read-only server (one cut off from the quorum).
        ConnectedReadOnly = 5,
        /// SASL authentication succeeded.
        SaslAuthenticated = 6,
        /// The session expired.
        Expired = -112,
        /// The client closed the session.
        Closed = 7,
    }
}

/// ACL permission bits.
pub mod perms {
    /// Read the node's data and list its children.
    pub const READ: i32 = 1;
    /// Write the node's data.
    pub const WRITE: i32 = 2;
    /// Create children.
    pub const CREATE: i32 = 4;
    /// Delete children.
    pub const DELETE: i32 = 8;
    /// Change the node's ACL.
    pub const ADMIN: i32 = 16;
    /// All of the above.
    pub const ALL: i32 = READ | WRITE | CREATE | DELETE | ADMIN;
}

wire_enum! {
    /// The kind of watch addWatch adds.
    pub enum AddWatchMode {
        /// Fires on every change of the node, and stays.
        Persistent = 0,
        /// Fires on every change of the node and its descendants, and stays.
        PersistentRecursive = 1,
    }
}

wire_enum! {
    /// Which watches removeWatches and checkWatches act on.
    pub enum WatcherType {
        /// Child watches.
        Children = 1,
        /// Data (and exist) watches.
        Data = 2,
        /// Every kind.
        Any = 3,
        /// Persistent watches.
        Persistent = 4,
        /// Persistent recursive watches.
        PersistentRecursive = 5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_modes() {
        use CreateMode::*;
        let all = [
            Persistent,
            Ephemeral,
            PersistentSequential,
            EphemeralSequential,
            Container,
            PersistentWithTtl,
            PersistentSequentialWithTtl,
        ];
        for (flags, mode) in all.into_iter().enumerate() {
            assert_eq!(mode.flags(), flags as i32);
            assert_eq!(CreateMode::from_i32(flags as i32), Some(mode));
        }
        assert_eq!(CreateMode::from_i32(7), None);
        assert_eq!(CreateMode::default(), Persistent);
        let pick =
            |test: fn(CreateMode) -> bool| all.into_iter().filter(|m| test(*m)).collect::<Vec<_>>();
        assert_eq!(
            pick(CreateMode::is_ephemeral),
            [Ephemeral, EphemeralSequential]
        );
        assert_eq!(
            pick(CreateMode::is_sequential),
            [
                PersistentSequential,
                EphemeralSequential,
                PersistentSequentialWithTtl
            ]
        );
        assert_eq!(pick(CreateMode::is_container), [Container]);
        assert_eq!(
            pick(CreateMode::is_ttl),
            [PersistentWithTtl, PersistentSequentialWithTtl]
        );
    }

    #[test]
    fn wire_values() {
        assert_eq!(EventType::from_i32(-1), Some(EventType::None));
        assert_eq!(EventType::from_i32(4), Some(EventType::NodeChildrenChanged));
        assert_eq!(EventType::from_i32(0), None);
        assert_eq!(KeeperState::from_i32(-112), Some(KeeperState::Expired));
        assert_eq!(KeeperState::from_i32(3), Some(KeeperState::SyncConnected));
        assert_eq!(KeeperState::from_i32(1), None);
        assert_eq!(KeeperState::Closed.as_i32(), 7);
        assert_eq!(
            AddWatchMode::from_i32(1),
            Some(AddWatchMode::PersistentRecursive)
        );
        assert_eq!(WatcherType::from_i32(3), Some(WatcherType::Any));
        assert_eq!(WatcherType::from_i32(0), None);
        assert_eq!(perms::ALL, 31);
    }
}
