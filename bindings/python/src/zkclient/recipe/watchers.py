"""DataWatch and ChildrenWatch (kazoo's `kazoo.recipe.watchers`), on the library's re-arming
watches: the function is called at once with the current value, then after every change,
until it returns False or the watch is cancelled.

Unlike kazoo's, they follow the node through deletion and re-creation: a missing node is
reported (`data` and `stat` None for a DataWatch, `children` None for a ChildrenWatch) and
the watch goes on; after a reconnect or a new session they re-read and call back only if
something changed.
"""
from __future__ import annotations

import ctypes
import inspect
import threading
from ctypes import c_void_p

from .. import _args, _native
from .._native import callback_scope, check, free_token, read_stat, read_string_list, \
    register, registered, report_callback_error
from ..states import read_event
from ._base import Recipe


def _on_data(data, length, stat_ptr, event_ptr, user_data):
    watch = registered(user_data)
    if watch is None:
        return False
    try:
        stat = read_stat(stat_ptr)
        value = ctypes.string_at(data, length) if length else (b"" if stat is not None else None)
    except BaseException:
        report_callback_error("DataWatch on %s" % watch.path)
        return True
    return watch._deliver((value, stat), event_ptr)


def _on_children(children_ptr, stat_ptr, event_ptr, user_data):
    watch = registered(user_data)
    if watch is None:
        return False
    try:
        children = read_string_list(children_ptr.contents) if children_ptr else None
    except BaseException:
        report_callback_error("ChildrenWatch on %s" % watch.path)
        return True
    return watch._deliver((children,), event_ptr)


_data_fn = _native.DATA_WATCH_FN(_on_data)
_children_fn = _native.CHILDREN_WATCH_FN(_on_children)


def _takes(func, count):
    """Whether `func` can be called with `count` positional arguments."""
    try:
        inspect.signature(func).bind(*range(count))
        return True
    except TypeError:
        return False
    except ValueError:   # no signature (a builtin): assume the short form
        return False


class _Watch(Recipe):
    _new = None
    _trampoline = None
    _what = "watch"

    def __init__(self, client, path, func=None):
        self.path = path
        self._encoded = _args.path(path)
        self.client = client
        self._func = None
        self._stopped = False
        self._callback_thread = None
        if func is not None:
            self(func)

    def __call__(self, func):
        """Starts the watch with `func` (the decorator form: `@client.DataWatch(path)`);
        returns `func`."""
        _args.callback(func, "func")
        if self._func is not None:
            raise ValueError("this %s has a function already" % self._what)
        self._func = func
        self._send_event = self._wants_event(func)
        self.client._reap_watches()   # free watches that stopped inside their callbacks
        pointer = c_void_p()
        token = register(self)
        with self.client._handle as zk:
            check(getattr(self.client._lib, self._new)(zk, self._encoded, self._trampoline,
                                                       token, free_token,
                                                       ctypes.byref(pointer)))
        self._adopt(self.client, pointer.value, "the %s on %s" % (self._what, self.path))
        if self._stopped:    # the first call returned False: nothing more will come
            self.close()
        return func

    def _deliver(self, values, event_ptr):
        if self._stopped:
            return False
        args = values + ((read_event(event_ptr),) if self._send_event else ())
        self._callback_thread = threading.get_ident()
        try:
            with callback_scope():
                keep = self._func(*args)
        except BaseException:
            report_callback_error("%s function %r on %s" % (self._what, self._func, self.path))
            keep = None
        finally:
            self._callback_thread = None
        if keep is False:
            self._stop_from_callback()
            return False
        return True

    def _stop_from_callback(self):
        self._stopped = True
        if getattr(self, "_handle", None) is not None:
            # Not freed from inside its own callback (the C API forbids it): later.
            self.client._defer_free(self)

    def cancel(self) -> None:
        """Stops the watch: no call starts afterwards (one under way finishes). Any thread,
        the watch's own function included."""
        self._stopped = True
        handle = getattr(self, "_handle", None)
        if handle is None or handle.closed:
            return
        self.close()

    def close(self) -> None:
        """Cancels the watch and frees its handle (from inside its own function, where the
        handle cannot be freed, it is cancelled and freed later)."""
        self._stopped = True
        handle = getattr(self, "_handle", None)
        if handle is None or handle.closed:
            return
        if self._callback_thread == threading.get_ident():
            getattr(self._lib, self._cancel)(handle.pointer)
            self.client._defer_free(self)
            return
        super().close()

    def _wants_event(self, func):
        raise NotImplementedError


class DataWatch(_Watch):
    """kazoo's `DataWatch(client, path, func)`: `func(data, stat)` — or `func(data, stat,
    event)` if it takes three arguments — is called at once on the calling thread, then on
    the client's dispatcher thread after every change, with the node's data (bytes) and
    ZnodeStat, both None while the node does not exist, and the WatchedEvent that caused the
    call (None for the first call and re-reads). Return False to stop.

        @client.DataWatch("/config")
        def on_config(data, stat):
            ...
    """
    _new = "zk_data_watch_new"
    _trampoline = _data_fn
    _free = "zk_data_watch_free"
    _cancel = "zk_data_watch_cancel"
    _what = "DataWatch"

    def __init__(self, client, path: str, func=None):
        super().__init__(client, path, func)

    def _wants_event(self, func):
        return _takes(func, 3)


class ChildrenWatch(_Watch):
    """kazoo's `ChildrenWatch(client, path, func, send_event=False)`: `func(children)` — or
    `func(children, event)` with `send_event` — is called at once, then after every change of
    the children, with their sorted names (None while the node does not exist: kazoo stops
    watching there, this one goes on and reports the re-created node). Return False to stop.
    """
    _new = "zk_children_watch_new"
    _trampoline = _children_fn
    _free = "zk_children_watch_free"
    _cancel = "zk_children_watch_cancel"
    _what = "ChildrenWatch"

    def __init__(self, client, path: str, func=None, allow_session_lost: bool = True,
                 send_event: bool = False):
        self._send_event_arg = _args.boolean(send_event, "send_event")
        super().__init__(client, path, func)

    def _wants_event(self, func):
        return self._send_event_arg
