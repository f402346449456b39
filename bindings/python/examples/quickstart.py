"""kazoo's "Basic Usage" with the zkclient package (libzkclient through ctypes).

Usage: ZKCLIENT_LIBRARY=path/to/libzkclient.so python3 quickstart.py [HOSTS]
       (HOSTS default: $ZK_HOSTS, else 127.0.0.1:2181; the package must be importable:
       pip install bindings/python, or PYTHONPATH=bindings/python/src)

Everything happens under a chroot of its own, removed at the end.
"""
import os
import queue
import sys
import time

from zkclient import BadVersionError, Client, EventType, NoNodeError, State, library_version


def main():
    hosts = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("ZK_HOSTS") or "127.0.0.1:2181"
    chroot = "/zkclient-python-quickstart-%d-%d" % (time.time(), os.getpid())
    print("zkclient %s from Python %s" % (library_version(), sys.version.split()[0]))

    zk = Client(hosts + chroot, timeout=10.0)
    states = []
    zk.add_listener(states.append)           # State.CONNECTED / SUSPENDED / LOST
    zk.start(timeout=15)
    zk.ensure_path("/")                      # the chroot itself

    # Create
    zk.ensure_path("/my/favorite")
    zk.create("/my/favorite/node", b"a value\x00with a zero byte")
    worker = zk.create("/workers/worker-", ephemeral=True, sequence=True, makepath=True)
    print("created %s" % worker)

    # Read
    assert zk.exists("/my/favorite") is not None
    data, stat = zk.get("/my/favorite/node")
    print("version %d: %r" % (stat.version, data))
    assert data == b"a value\x00with a zero byte" and stat.version == 0
    children = zk.get_children("/my/favorite")
    print("children of /my/favorite: %s" % children)
    assert children == ["node"]

    # A one-shot watch: called once, on the client's dispatcher thread.
    events = queue.Queue()
    zk.get("/my/favorite/node", watch=events.put)

    # Update, with the version read
    stat = zk.set("/my/favorite/node", b"some data", version=stat.version)
    event = events.get(timeout=30)
    print("watch: %s on %s; version now %d" % (event.type, event.path, stat.version))
    assert event.type == EventType.CHANGED and event.path == "/my/favorite/node"

    # A stale version is refused, as an exception carrying the code and the message
    try:
        zk.set("/my/favorite/node", b"lost update", version=0)
        raise AssertionError("a stale version was accepted")
    except BadVersionError as error:
        print("stale version: %s" % error)

    # A lock, as a context manager
    with zk.Lock("/locks/report", "quickstart") as lock:
        print("holding the lock, fencing token %d" % lock.fencing_token)

    # Delete
    zk.delete("/my/favorite", recursive=True)
    try:
        zk.get("/my/favorite/node")
        raise AssertionError("the node is still there")
    except NoNodeError:
        pass
    zk.delete("/", recursive=True)           # the chroot and everything under it

    zk.stop()
    zk.close()
    assert states == [State.CONNECTED, State.LOST], states
    print("quickstart: all steps passed")


if __name__ == "__main__":
    main()
