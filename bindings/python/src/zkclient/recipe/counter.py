"""Counter (kazoo's `kazoo.recipe.counter`), interoperable with kazoo's."""
from __future__ import annotations

from ctypes import byref, c_int64, c_void_p

from .. import _args
from .._native import check
from ._base import Recipe


class Counter(Recipe):
    """kazoo's `Counter(client, path, default=0)`: an integer in a node, ASCII decimal as
    kazoo stores it (with `support_curator`, a big-endian 32-bit integer as Curator's
    SharedCount and kazoo's `support_curator=True`). Changes are compare-and-set on the
    node's version: none is lost, none applied twice.

        counter = client.Counter("/stats/hits")
        counter += 1            # counter.pre_value, counter.post_value
        print(counter.value)
    """
    _free = "zk_counter_free"

    def __init__(self, client, path: str, default: int = 0, support_curator: bool = False):
        self.path = path
        encoded = _args.path(path)
        self.default = _args.integer(default, "default", -2**63, 2**63 - 1)
        self.support_curator = _args.boolean(support_curator, "support_curator")
        self.pre_value = None
        self.post_value = None
        new = client._lib.zk_counter_new_int32 if self.support_curator else \
            client._lib.zk_counter_new
        pointer = c_void_p()
        with client._handle as zk:
            check(new(zk, encoded, self.default, byref(pointer)))
        self._adopt(client, pointer.value, "the counter on %s" % path)

    @property
    def value(self) -> int:
        """The value now (the node is created with the default when missing)."""
        out = c_int64()
        with self._use() as counter:
            check(self._lib.zk_counter_value(counter, byref(out)))
        return out.value

    def add(self, delta: int) -> int:
        """Adds `delta` (negative to subtract) and returns the new value."""
        delta = _args.integer(delta, "delta", -2**63, 2**63 - 1)
        out = c_int64()
        with self._use() as counter:
            check(self._lib.zk_counter_add(counter, delta, byref(out)))
        self.pre_value, self.post_value = out.value - delta, out.value
        return out.value

    def __add__(self, delta):
        self.add(delta)
        return self

    def __sub__(self, delta):
        if isinstance(delta, bool) or not isinstance(delta, int):
            raise TypeError("delta must be an int, not %s" % type(delta).__name__)
        self.add(-delta)
        return self

    def __repr__(self):
        return "<zkclient.Counter %s>" % self.path
