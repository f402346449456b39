"""Lock, ReadLock and WriteLock (kazoo's `kazoo.recipe.lock`), interoperable with kazoo's."""
from __future__ import annotations

from ctypes import byref, c_bool, c_int64, c_void_p
from typing import List

from .. import _args
from .._native import LOCK_OPTIONS_VERSION, NO_FREE_FN, NO_LOCK_STATE_FN, LockOptions, \
    StringList, check, take_string_list
from ..exceptions import CancelledError
from ._base import Recipe


class Lock(Recipe):
    """kazoo's `Lock(client, path, identifier)`: contenders are ephemeral sequential nodes
    `<path>/<guid>__lock__<seq>` holding the identifier, the first holds the lock. Nothing is
    sent until the first acquire.

        with client.Lock("/locks/report", "worker-1"):
            ...   # held here

    `acquire(blocking=True, timeout=None)` returns True once held, False when `blocking` is
    False and the lock is taken, or when `timeout` seconds passed (kazoo raises LockTimeout
    there). `cancel()` from another thread makes a waiting acquire return False.
    """
    _kind = 0
    _what = "lock"
    _free = "zk_lock_free"
    _cancel = "zk_lock_cancel"  # close() wakes a waiting acquire first

    def __init__(self, client, path: str, identifier=None):
        self.path = path
        encoded = _args.path(path)
        self.identifier = identifier
        ident = _args.identifier(identifier)
        options = LockOptions()
        check(client._lib.zk_lock_options_init(byref(options), LOCK_OPTIONS_VERSION))
        options.kind = self._kind
        pointer = c_void_p()
        with client._handle as zk:
            check(client._lib.zk_lock_new_with_options(zk, encoded, ident, len(ident),
                                                       byref(options), NO_LOCK_STATE_FN, None,
                                                       NO_FREE_FN,
                                                       byref(pointer)))
        self._adopt(client, pointer.value, "the %s on %s" % (self._what, path))

    def acquire(self, blocking: bool = True, timeout=None) -> bool:
        """Takes the lock: waits up to `timeout` seconds (None: forever) unless `blocking`
        is False (then no wait at all). Returns whether it is held. Connection losses and
        session expiry are ridden out until the timeout."""
        acquired = c_bool()
        if not _args.boolean(blocking, "blocking"):
            with self._use() as lock:
                check(self._lib.zk_lock_try_acquire(lock, byref(acquired)))
            return acquired.value
        timeout_ms = _args.seconds_to_ms(timeout, "timeout", _args.INT64_MAX, allow_none=True)
        with self._use() as lock:
            check(self._lib.zk_lock_acquire(lock, timeout_ms, byref(acquired)))
        return acquired.value

    def release(self) -> bool:
        """Releases the lock (deleting its node; True once it is gone from the server).
        Releasing a lock not held is fine."""
        with self._use() as lock:
            check(self._lib.zk_lock_release(lock))
        return True

    def cancel(self) -> None:
        """Makes an acquire waiting on another thread return False (or the next one)."""
        with self._use() as lock:
            check(self._lib.zk_lock_cancel(lock))

    @property
    def is_acquired(self) -> bool:
        """Whether the lock is held now (False once released or once the session was lost)."""
        handle = self._handle
        if handle.closed:
            return False
        with self._use() as lock:
            return bool(self._lib.zk_lock_is_acquired(lock))

    def contenders(self) -> List[str]:
        """The identifiers of every contender, in lock order (the holder first)."""
        out = StringList()
        with self._use() as lock:
            check(self._lib.zk_lock_contenders(lock, byref(out)))
        return take_string_list(out)

    @property
    def fencing_token(self) -> int:
        """A number strictly larger for every later grant of this lock (the czxid of the
        holder's node): hand it to the guarded resource, which refuses smaller ones.
        InvalidArgumentError when the lock is not held."""
        token = c_int64()
        with self._use() as lock:
            check(self._lib.zk_lock_fencing_token(lock, byref(token)))
        return token.value

    def __enter__(self):
        if not self.acquire():
            raise CancelledError("the acquire of %s was cancelled" % self.path)
        return self

    def __exit__(self, *exc):
        self.release()

    def __repr__(self):
        return "<zkclient.%s %s>" % (type(self).__name__, self.path)


class ReadLock(Lock):
    """kazoo's `ReadLock`: shared among readers, waits only for earlier writers
    (`__rlock__` nodes)."""
    _kind = 1
    _what = "read lock"


class WriteLock(Lock):
    """kazoo's `WriteLock`: exclusive, waits for every earlier reader and writer."""
    _kind = 2
    _what = "write lock"
