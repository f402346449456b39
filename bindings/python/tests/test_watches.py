"""One-shot watches, DataWatch and ChildrenWatch."""
import queue
import threading

import pytest

import zkclient

from zkclient import AddWatchMode, EventType, KeeperState, WatchedEvent, ZnodeStat

WAIT = 30   # seconds: the longest any event may take; the tests wait on queues, never sleep


def test_get_watch_fires_once_on_change(zk):
    zk.create("/node", b"a")
    events = queue.Queue()
    data, _ = zk.get("/node", watch=events.put)
    assert data == b"a"
    zk.set("/node", b"b")
    event = events.get(timeout=WAIT)
    assert isinstance(event, WatchedEvent)
    assert event == WatchedEvent(EventType.CHANGED, KeeperState.CONNECTED, "/node")
    # One-shot: a second change does not call it again; a new watch sees the deletion.
    zk.set("/node", b"c")
    zk.exists("/node", watch=events.put)
    zk.delete("/node")
    assert events.get(timeout=WAIT).type == EventType.DELETED
    assert events.empty()


def test_exists_watch_fires_on_creation(zk):
    events = queue.Queue()
    assert zk.exists("/later", watch=events.put) is None
    zk.create("/later", b"now")
    assert events.get(timeout=WAIT) == WatchedEvent(EventType.CREATED, KeeperState.CONNECTED,
                                                    "/later")


def test_children_watch_fires_on_child(zk):
    zk.create("/parent")
    events = queue.Queue()
    assert zk.get_children("/parent", watch=events.put) == []
    zk.create("/parent/kid")
    event = events.get(timeout=WAIT)
    assert (event.type, event.path) == (EventType.CHILD, "/parent")


def test_watch_is_told_when_the_session_ends(zk):
    zk.create("/node")
    events = queue.Queue()
    zk.get("/node", watch=events.put)
    zk.stop()
    event = events.get(timeout=WAIT)
    assert event.type == EventType.NONE and event.state == KeeperState.CLOSED


def test_watch_function_that_raises_does_not_break_the_client(zk):
    zk.create("/node")
    fired = threading.Event()

    def bad(event):
        fired.set()
        raise RuntimeError("a bug in the watch function")

    zk.get("/node", watch=bad)
    zk.set("/node", b"x")
    assert fired.wait(WAIT)
    events = queue.Queue()
    zk.get("/node", watch=events.put)
    zk.set("/node", b"y")
    assert events.get(timeout=WAIT).type == EventType.CHANGED


def test_data_watch_decorator_follows_the_node(zk):
    calls = queue.Queue()

    @zk.DataWatch("/config")
    def on_config(data, stat):
        calls.put((data, stat))

    assert calls.get(timeout=WAIT) == (None, None)      # first call: the node is missing
    zk.create("/config", b"v1")
    data, stat = calls.get(timeout=WAIT)
    assert data == b"v1" and isinstance(stat, ZnodeStat) and stat.version == 0
    zk.set("/config", b"")
    data, stat = calls.get(timeout=WAIT)
    assert data == b"" and stat.version == 1             # empty data, not a missing node
    zk.delete("/config")
    assert calls.get(timeout=WAIT) == (None, None)
    zk.create("/config", b"again")                      # kazoo's would be silent by now
    assert calls.get(timeout=WAIT)[0] == b"again"


def test_data_watch_with_event_and_stopping(zk):
    zk.create("/node", b"0")
    calls = queue.Queue()

    def watcher(data, stat, event):
        calls.put((data, event))
        return data != b"2"          # False stops the watch

    watch = zk.DataWatch("/node", watcher)
    assert calls.get(timeout=WAIT) == (b"0", None)      # no event for the first call
    zk.set("/node", b"1")
    data, event = calls.get(timeout=WAIT)
    assert data == b"1" and event.type == EventType.CHANGED and event.path == "/node"
    zk.set("/node", b"2")
    assert calls.get(timeout=WAIT)[0] == b"2"
    # Stopped: prove no call comes by waiting for a later watch event of the same client
    # (callbacks of one client run in order).
    fence = queue.Queue()
    zk.set("/node", b"3")
    zk.get("/node", watch=fence.put)
    zk.set("/node", b"4")
    fence.get(timeout=WAIT)
    assert calls.empty()
    watch.cancel()                   # fine after it stopped itself


def test_data_watch_cancel(zk):
    zk.create("/node", b"0")
    calls = queue.Queue()
    watch = zk.DataWatch("/node", lambda data, stat: calls.put(data))
    assert calls.get(timeout=WAIT) == b"0"
    watch.cancel()
    fence = queue.Queue()
    zk.get("/node", watch=fence.put)
    zk.set("/node", b"1")
    fence.get(timeout=WAIT)
    assert calls.empty()


def test_children_watch(zk):
    zk.create("/workers")
    calls = queue.Queue()

    @zk.ChildrenWatch("/workers")
    def on_workers(children):
        calls.put(children)

    assert calls.get(timeout=WAIT) == []
    zk.create("/workers/b")
    assert calls.get(timeout=WAIT) == ["b"]
    zk.create("/workers/a")
    assert calls.get(timeout=WAIT) == ["a", "b"]       # sorted
    zk.delete("/workers", recursive=True)
    while True:                                          # b's removal, then the node's
        children = calls.get(timeout=WAIT)
        if children is None:
            break


def test_children_watch_send_event_and_stop(zk):
    zk.create("/jobs")
    calls = queue.Queue()

    def on_jobs(children, event):
        calls.put((children, event))
        return False

    zk.ChildrenWatch("/jobs", on_jobs, send_event=True)
    assert calls.get(timeout=WAIT) == ([], None)
    fence = queue.Queue()
    zk.get_children("/jobs", watch=fence.put)
    zk.create("/jobs/one")
    fence.get(timeout=WAIT)
    assert calls.empty()


def test_watch_bad_input(zk):
    with pytest.raises(TypeError):
        zk.DataWatch("/x", "not callable")
    with pytest.raises(TypeError):
        zk.DataWatch(None, lambda d, s: None)
    with pytest.raises(TypeError):
        zk.ChildrenWatch("/x", 42)
    with pytest.raises(ValueError):
        zk.DataWatch("/x\x00", lambda d, s: None)


def test_persistent_watches(zk):
    zk.create("/tree")
    events = queue.Queue()
    watch_id = zk.add_watch("/tree", events.put)
    zk.set("/tree", b"1")
    zk.set("/tree", b"2")                                 # fires again: persistent
    zk.create("/tree/a")
    assert [events.get(timeout=WAIT).type for _ in range(3)] == \
        [EventType.CHANGED, EventType.CHANGED, EventType.CHILD]
    zk.remove_watch(watch_id)
    with pytest.raises(zkclient.exceptions.NoWatcherError):
        zk.remove_watch(watch_id)
    # (The server keeps one mode per path and session: the recursive watch comes after.)
    subtree = queue.Queue()
    zk.add_watch("/tree", subtree.put, AddWatchMode.PERSISTENT_RECURSIVE)
    zk.create("/tree/a/b", b"deep")
    zk.set("/tree", b"3")
    assert [subtree.get(timeout=WAIT) for _ in range(2)] == [
        WatchedEvent(EventType.CREATED, KeeperState.CONNECTED, "/tree/a/b"),
        WatchedEvent(EventType.CHANGED, KeeperState.CONNECTED, "/tree")]
    assert events.empty()                                  # removed: nothing more
    with pytest.raises(ValueError):
        zk.add_watch("/tree", events.put, mode=7)
    with pytest.raises(TypeError):
        zk.add_watch("/tree", None)
