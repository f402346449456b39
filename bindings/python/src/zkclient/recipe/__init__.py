"""kazoo's recipes over the library's own (interoperable with kazoo on the same paths)."""
from .counter import Counter
from .election import Election
from .lock import Lock, ReadLock, WriteLock
from .watchers import ChildrenWatch, DataWatch

__all__ = ["Counter", "Election", "Lock", "ReadLock", "WriteLock", "ChildrenWatch",
           "DataWatch"]
