"""zkclient: a ZooKeeper client for Python with kazoo's names, over libzkclient (ctypes).

    from zkclient import Client

    with Client("127.0.0.1:2181") as zk:
        zk.ensure_path("/my/favorite")
        zk.create("/my/favorite/node", b"a value")
        data, stat = zk.get("/my/favorite/node")

The library is loaded on first use from $ZKCLIENT_LIBRARY (a path), else wherever the
dynamic loader finds libzkclient.so.0.
"""
from . import exceptions
from .client import Client, KazooClient, Transaction
from .ensemble import EnsembleConfig, Member, MemberRole
from .exceptions import (BadArgumentsError, BadPathError, BadVersionError, ConnectionClosedError,
                         ConnectionLoss, KazooException, NewConfigNoQuorumError, NoAuthError,
                         NodeExistsError, NoNodeError, NotEmptyError, ReconfigDisabledError,
                         ReconfigInProcessError, SessionExpiredError, ZkTimeoutError,
                         ZookeeperError)
from .recipe import ChildrenWatch, Counter, DataWatch, Election, Lock, ReadLock, WriteLock
from .retry import KazooRetry, RetryPolicy
from .security import ACL, Id, Permissions, OPEN_ACL_UNSAFE, READ_ACL_UNSAFE, CREATOR_ALL_ACL, \
    make_acl, make_digest_acl
from .states import AddWatchMode, EventType, KazooState, KeeperState, State, WatchedEvent, ZnodeStat

__version__ = "0.1.0"


def library_version() -> str:
    """The version of the libzkclient loaded (loading it if needed)."""
    from ._native import lib
    return lib().zk_version().decode()


__all__ = [
    "Client", "KazooClient", "Transaction", "AddWatchMode", "State", "KazooState", "KeeperState", "EventType",
    "WatchedEvent", "ZnodeStat", "Lock", "ReadLock", "WriteLock", "Election", "Counter",
    "DataWatch", "ChildrenWatch", "RetryPolicy", "KazooRetry", "ACL", "Id", "Permissions",
    "OPEN_ACL_UNSAFE", "READ_ACL_UNSAFE", "CREATOR_ALL_ACL", "make_acl", "make_digest_acl",
    "exceptions", "KazooException", "ZookeeperError", "NoNodeError", "NodeExistsError",
    "BadVersionError", "NotEmptyError", "NoAuthError", "ConnectionLoss", "SessionExpiredError",
    "ConnectionClosedError", "BadArgumentsError", "BadPathError", "ZkTimeoutError",
    "EnsembleConfig", "Member", "MemberRole", "NewConfigNoQuorumError",
    "ReconfigInProcessError", "ReconfigDisabledError", "library_version",
]
