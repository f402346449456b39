"""What every recipe handle shares: its C pointer, freed once no call uses it, and before
its client."""
from __future__ import annotations

import contextlib

from .._handle import Handle


class Recipe:
    _free = None     # the library function that frees the handle
    _cancel = None   # the one that wakes a blocking wait on it, if any

    def _adopt(self, client, pointer, what):
        self.client = client
        self._lib = client._lib
        self._handle = Handle(pointer, what)
        client._adopt(self)

    @contextlib.contextmanager
    def _use(self):
        """The handle's pointer for one call (the client must be open too)."""
        with self.client._handle, self._handle as pointer:
            yield pointer

    def _cancel_for_close(self):
        handle = getattr(self, "_handle", None)
        if self._cancel and handle is not None and handle.pointer and not handle.closed:
            getattr(self._lib, self._cancel)(handle.pointer)

    def close(self):
        """Frees the handle (releasing what it holds); later calls raise
        ConnectionClosedError. Closing the client closes its recipes."""
        handle = getattr(self, "_handle", None)
        if handle is None or not handle.begin_close():
            return
        if self._cancel:
            getattr(self._lib, self._cancel)(handle.pointer)
        getattr(self._lib, self._free)(handle.wait_idle())
        self.client._recipes.discard(self)

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
