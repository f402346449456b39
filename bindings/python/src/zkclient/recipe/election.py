"""Election (kazoo's `kazoo.recipe.election`), interoperable with kazoo's."""
from __future__ import annotations

from ctypes import byref, c_void_p
from typing import List

from .. import _args, _native
from .._native import NO_FREE_FN, NO_LOCK_STATE_FN, StringList, check, register, registered, \
    take_string_list
from ..exceptions import ConnectionClosedError
from ._base import Recipe


class _Run:
    def __init__(self, func, args, kwargs):
        self.func, self.args, self.kwargs = func, args, kwargs
        self.called = False
        self.result = None
        self.error = None

    def lead(self):
        self.called = True
        try:
            self.result = self.func(*self.args, **self.kwargs)
        except BaseException as error:   # raised again by run(), on the same thread
            self.error = error
        return 0


def _on_elected(user_data):
    run = registered(user_data)
    return run.lead() if run is not None else 0


_leader_fn = _native.LEADER_FN(_on_elected)


class Election(Recipe):
    """kazoo's `Election(client, path, identifier)`: a kazoo Lock at `path` whose holder
    leads.

        election = client.Election("/elections/scheduler", "host-a")
        election.run(lead)   # blocks until elected, calls lead(), then steps down
    """
    _free = "zk_election_free"
    _cancel = "zk_election_cancel"

    def __init__(self, client, path: str, identifier=None):
        self.path = path
        encoded = _args.path(path)
        ident = _args.identifier(identifier)
        self._cancelled = False
        pointer = c_void_p()
        with client._handle as zk:
            check(client._lib.zk_election_new_with_listener(zk, encoded, ident, len(ident),
                                                            NO_LOCK_STATE_FN, None, NO_FREE_FN,
                                                            byref(pointer)))
        self._adopt(client, pointer.value, "the election on %s" % path)

    def run(self, func, *args, **kwargs):
        """Blocks until this contender is elected, then calls `func(*args, **kwargs)` on this
        thread and gives leadership up when it returns; returns its result (or raises what it
        raised). Returns None, without calling it, when `cancel()` stopped the wait."""
        _args.callback(func, "func")
        run = _Run(func, args, kwargs)
        token = register(run)
        try:
            with self._use() as election:
                rc = self._lib.zk_election_run(election, _leader_fn, token)
                message = _native.last_error_message() if rc else ""
        finally:
            _native._registry.pop(token, None)
        if run.error is not None:
            raise run.error
        if rc == ConnectionClosedError.CODE and not run.called and self._cancelled:
            self._cancelled = False
            return None
        if rc != 0:
            from ..exceptions import error_for_code
            raise error_for_code(rc, message)
        return run.result

    def cancel(self) -> None:
        """Stops a `run()` waiting to be elected (it returns None); a leader function already
        running is not interrupted."""
        self._cancelled = True
        with self._use() as election:
            check(self._lib.zk_election_cancel(election))

    @property
    def is_leader(self) -> bool:
        """Whether this contender leads now (False once its session is lost, even while its
        function still runs: it should stop then)."""
        if self._handle.closed:
            return False
        with self._use() as election:
            return bool(self._lib.zk_election_is_leader(election))

    def contenders(self) -> List[str]:
        """Every contender's identifier, the leader first."""
        out = StringList()
        with self._use() as election:
            check(self._lib.zk_election_contenders(election, byref(out)))
        return take_string_list(out)
