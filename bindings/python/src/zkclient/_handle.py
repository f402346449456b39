"""The lifetime of a C handle shared by threads: calls in flight are counted, and the handle
is freed only when none is (C forbids freeing a handle while another thread is in a call on
it)."""
from __future__ import annotations

import threading

from .exceptions import ConnectionClosedError

_local = threading.local()


def _depths():
    depths = getattr(_local, "depths", None)
    if depths is None:
        depths = _local.depths = {}
    return depths


class Handle:
    """A C pointer with a count of the calls using it.

    `with handle as pointer:` gives the pointer for one call, or raises
    ConnectionClosedError once closing began. `begin_close()` refuses new calls,
    `wait_idle()` waits for the calls in flight, then the owner frees the pointer.
    """

    def __init__(self, pointer, what):
        self.pointer = pointer
        self.what = what
        self._cond = threading.Condition()
        self._active = 0
        self._closing = False

    @property
    def closed(self):
        return self._closing

    def __enter__(self):
        with self._cond:
            if self._closing:
                raise ConnectionClosedError("%s is closed" % self.what)
            self._active += 1
        depths = _depths()
        depths[id(self)] = depths.get(id(self), 0) + 1
        return self.pointer

    def __exit__(self, *exc):
        depths = _depths()
        depth = depths.pop(id(self), 1) - 1
        if depth:
            depths[id(self)] = depth
        with self._cond:
            self._active -= 1
            if self._active == 0:
                self._cond.notify_all()
        return False

    def in_call_here(self):
        """Whether the calling thread is inside a call on this handle (a callback the
        library runs on the caller's thread, such as a DataWatch's first call)."""
        return _depths().get(id(self), 0) > 0

    def begin_close(self):
        """Refuses new calls. Returns False if closing had begun already."""
        if self.in_call_here():
            raise RuntimeError("cannot close %s from a callback that runs inside a call on it "
                               "(close it after that call returns)" % self.what)
        with self._cond:
            if self._closing:
                return False
            self._closing = True
            return True

    def wait_idle(self):
        """Waits until no call is in flight; returns the pointer, now the caller's to free."""
        with self._cond:
            while self._active:
                self._cond.wait()
            pointer, self.pointer = self.pointer, None
            return pointer
