"""Connection states, watch events and node metadata, with kazoo's names
(`kazoo.protocol.states`)."""
from __future__ import annotations

from typing import NamedTuple, Optional


class State:
    """The connection state as kazoo names it (`KazooState`): what listeners receive.

    - CONNECTED: connected with a live session.
    - SUSPENDED: the connection was lost; the session may still live and the client is
      reconnecting. Treat locks and leadership as uncertain until CONNECTED or LOST.
    - LOST: no session (not started, stopped, expired, or authentication failed); its
      ephemeral nodes are gone, or go once the server expires it.
    """
    CONNECTED = "CONNECTED"
    SUSPENDED = "SUSPENDED"
    LOST = "LOST"


KazooState = State

_STATES = {0: State.LOST, 1: State.SUSPENDED, 2: State.CONNECTED}


class KeeperState:
    """ZooKeeper's raw connection state (kazoo's `KeeperState`), as in `WatchedEvent.state`
    and `Client.client_state`."""
    CONNECTING = "CONNECTING"            # disconnected, reconnecting (SUSPENDED)
    CONNECTED = "CONNECTED"              # connected to a read-write server
    CONNECTED_RO = "CONNECTED_RO"        # connected to a read-only server
    AUTH_FAILED = "AUTH_FAILED"          # a credential was refused: terminal (LOST)
    SASL_AUTHENTICATED = "SASL_AUTHENTICATED"
    EXPIRED_SESSION = "EXPIRED_SESSION"  # the session expired (LOST); a new one follows
    CLOSED = "CLOSED"                    # stopped, or not started yet (LOST)


_KEEPER_STATES = {0: KeeperState.CONNECTING, 3: KeeperState.CONNECTED,
                  4: KeeperState.AUTH_FAILED, 5: KeeperState.CONNECTED_RO,
                  6: KeeperState.SASL_AUTHENTICATED, -112: KeeperState.EXPIRED_SESSION,
                  7: KeeperState.CLOSED}


class EventType:
    """What a watch event reports (kazoo's `EventType`).

    NONE is a session event, not a node event: the session ended (expired, or the client
    was stopped) before the node changed, so the watch is gone and will not fire again.
    kazoo never calls a watch with it; this client does, so that no watch is left waiting.
    """
    CREATED = "CREATED"
    DELETED = "DELETED"
    CHANGED = "CHANGED"
    CHILD = "CHILD"
    NONE = "NONE"
    DATA_WATCH_REMOVED = "DATA_WATCH_REMOVED"
    CHILD_WATCH_REMOVED = "CHILD_WATCH_REMOVED"
    PERSISTENT_WATCH_REMOVED = "PERSISTENT_WATCH_REMOVED"


class AddWatchMode:
    """What `Client.add_watch` watches (kazoo's `AddWatchMode`, ZooKeeper 3.6+)."""
    PERSISTENT = 0            # every change of the node itself
    PERSISTENT_RECURSIVE = 1  # creation, deletion and data changes of the subtree


_EVENT_TYPES = {-1: EventType.NONE, 1: EventType.CREATED, 2: EventType.DELETED,
                3: EventType.CHANGED, 4: EventType.CHILD, 5: EventType.DATA_WATCH_REMOVED,
                6: EventType.CHILD_WATCH_REMOVED, 7: EventType.PERSISTENT_WATCH_REMOVED}


def state_name(number):
    return _STATES.get(number, "UNKNOWN")


def keeper_state_name(number):
    return _KEEPER_STATES.get(number, "UNKNOWN")


class WatchedEvent(NamedTuple):
    """What a watch function receives (kazoo's `WatchedEvent`): the event `type`
    (an `EventType`), the connection `state` (a `KeeperState`) and the node's `path`
    (without the chroot)."""
    type: str
    state: str
    path: str

    @classmethod
    def from_c(cls, event) -> "WatchedEvent":
        path = event.path.decode("utf-8", "replace") if event.path else ""
        return cls(_EVENT_TYPES.get(event.event_type, "UNKNOWN"),
                   keeper_state_name(event.keeper_state), path)


def read_event(event_ptr) -> Optional[WatchedEvent]:
    return WatchedEvent.from_c(event_ptr.contents) if event_ptr else None


class ZnodeStat(NamedTuple):
    """A node's metadata, ZooKeeper's `Stat`, with kazoo's field names (`ZnodeStat`)."""
    czxid: int
    mzxid: int
    ctime: int
    mtime: int
    version: int
    cversion: int
    aversion: int
    ephemeralOwner: int
    dataLength: int
    numChildren: int
    pzxid: int

    @classmethod
    def from_c(cls, stat) -> "ZnodeStat":
        return cls(stat.czxid, stat.mzxid, stat.ctime, stat.mtime, stat.version,
                   stat.cversion, stat.aversion, stat.ephemeral_owner, stat.data_length,
                   stat.num_children, stat.pzxid)

    # kazoo's readable aliases
    @property
    def acl_version(self) -> int:
        return self.aversion

    @property
    def children_version(self) -> int:
        return self.cversion

    @property
    def created(self) -> float:
        """Creation time, seconds since the epoch."""
        return self.ctime / 1000.0

    @property
    def last_modified(self) -> float:
        """Last modification time, seconds since the epoch."""
        return self.mtime / 1000.0

    @property
    def owner_session_id(self) -> Optional[int]:
        """The session id of an ephemeral node's owner, None for other nodes."""
        return self.ephemeralOwner or None

    @property
    def creation_transaction_id(self) -> int:
        return self.czxid

    @property
    def last_modified_transaction_id(self) -> int:
        return self.mzxid

    @property
    def data_length(self) -> int:
        return self.dataLength

    @property
    def children_count(self) -> int:
        return self.numChildren
