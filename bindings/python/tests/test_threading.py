"""Callbacks run on the library's dispatcher threads and may call the client back, blocking
calls included; closing and interpreter exit never hang or crash."""
import gc
import os
import queue
import select
import signal
import subprocess
import sys
import textwrap
import threading
import weakref

import pytest

import zkclient
from zkclient import EventType, State

WAIT = 30


def test_watch_function_calls_back_into_the_same_client(zk):
    zk.create("/node", b"first")
    results = queue.Queue()

    def on_change(event):
        # Blocking calls on the client from its own dispatcher thread, a watch included.
        data, stat = zk.get(event.path, watch=on_second_change)
        zk.create("/seen-from-callback", data)
        results.put((threading.current_thread() is not threading.main_thread(), data))

    def on_second_change(event):
        results.put(zk.get(event.path)[0])

    zk.get("/node", watch=on_change)
    zk.set("/node", b"second")
    assert results.get(timeout=WAIT) == (True, b"second")
    assert zk.get("/seen-from-callback")[0] == b"second"
    zk.set("/node", b"third")
    assert results.get(timeout=WAIT) == b"third"


def test_listener_calls_back_into_the_client(make_client):
    client = make_client()
    client.create("/marker", b"m")
    seen = queue.Queue()

    def listener(state):
        if state == State.CONNECTED:
            seen.put(client.get("/marker")[0])

    client.add_listener(listener)
    client.stop()
    client.start()
    assert seen.get(timeout=WAIT) == b"m"


def test_lock_acquired_inside_a_callback_of_the_same_client(make_client):
    first, second = make_client(), make_client()
    holder = second.Lock("/lock")
    assert holder.acquire()
    lock = first.Lock("/lock")
    outcome = queue.Queue()
    first.create("/trigger")

    def on_trigger(event):
        # Waits on the lock's watches while this client's dispatcher is busy right here.
        outcome.put(lock.acquire(timeout=WAIT))
        lock.release()

    first.exists("/trigger", watch=on_trigger)
    first.set("/trigger", b"go")
    seen = queue.Queue()
    second.ChildrenWatch("/lock", seen.put)
    while len(seen.get(timeout=WAIT)) < 2:
        pass
    holder.release()
    assert outcome.get(timeout=WAIT) is True


def test_data_watch_function_uses_the_client(zk):
    zk.create("/config", b"1")
    calls = queue.Queue()

    @zk.DataWatch("/config")
    def on_config(data, stat):
        # The first call runs on the calling thread inside the C call; later ones on the
        # dispatcher: both may use the client.
        zk.ensure_path("/copies")
        zk.create("/copies/c-", data, sequence=True)
        calls.put(data)

    assert calls.get(timeout=WAIT) == b"1"
    zk.set("/config", b"2")
    assert calls.get(timeout=WAIT) == b"2"
    assert sorted(zk.get("/copies/" + name)[0] for name in zk.get_children("/copies")) == \
        [b"1", b"2"]


def test_many_threads_share_one_client(zk):
    zk.create("/shared")
    errors = []

    def work(n):
        try:
            for i in range(20):
                path = zk.create("/shared/t%d-%d" % (n, i), b"%d" % i)
                assert zk.get(path)[0] == b"%d" % i
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert errors == []
    assert len(zk.get_children("/shared")) == 160


def test_close_from_inside_a_callback(make_client):
    client = make_client()
    client.create("/node")
    closed = threading.Event()

    def on_change(event):
        client.close()
        closed.set()

    client.get("/node", watch=on_change)
    client.set("/node", b"x")
    assert closed.wait(WAIT)
    assert client.closed


def test_close_while_other_threads_call(make_client):
    client = make_client()
    client.create("/busy")
    started = threading.Barrier(5)
    outcomes = queue.Queue()

    def hammer():
        started.wait(WAIT)
        try:
            while True:
                client.get("/busy")
        except zkclient.ZookeeperError as error:   # ConnectionClosedError, ConnectionLoss
            outcomes.put(type(error))

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    started.wait(WAIT)
    client.close()
    for _ in threads:
        assert issubclass(outcomes.get(timeout=WAIT), zkclient.ZookeeperError)
    for thread in threads:
        thread.join(WAIT)


def test_an_unreferenced_client_is_collected_and_closed(hosts, chroot, make_client):
    observer = make_client()
    client = zkclient.Client(hosts + chroot)
    client.start()
    client.create("/ephemeral", ephemeral=True)
    gone = queue.Queue()
    observer.exists("/ephemeral", watch=gone.put)
    ref = weakref.ref(client)
    del client
    gc.collect()
    assert ref() is None
    assert gone.get(timeout=WAIT).type == EventType.DELETED   # its session was closed


def test_interpreter_exit_with_open_clients_and_watches(hosts, chroot):
    """A program that never closes its client (watches and a DataWatch pending) exits
    cleanly: the package closes it at exit, before Python shuts down."""
    program = textwrap.dedent("""
        import sys, zkclient
        zk = zkclient.Client(sys.argv[1])
        zk.start()
        zk.ensure_path("/")
        zk.create("/exit", b"x")
        zk.get("/exit", watch=lambda event: None)
        zk.DataWatch("/exit", lambda data, stat: None)
        lock = zk.Lock("/exit-lock")
        lock.acquire()
        print("ready")
    """)
    done = subprocess.run([sys.executable, "-c", program, hosts + chroot], capture_output=True,
                          text=True, timeout=120, env=dict(os.environ))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ready"
    with zkclient.Client(hosts + chroot) as check:
        assert check.get_children("/exit-lock") == []       # its lock went with its session


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")   # 3.12+: fork() with threads
def test_a_forked_child_cannot_use_the_parents_client(zk):
    zk.create("/forked", b"parent's")
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:                                   # the child: report, never return
        outcome = b"?"
        try:
            zk.get("/forked")
            outcome = b"the call went through"
        except zkclient.exceptions.ForkedError as error:
            outcome = b"forked" if error.code == -1009 else b"wrong code"
        except BaseException as error:
            outcome = repr(error).encode()
        finally:
            os.write(write_end, outcome)
            os._exit(0)
    os.close(write_end)
    try:
        ready, _, _ = select.select([read_end], [], [], WAIT)
        outcome = os.read(read_end, 200) if ready else b"the child hung"
    finally:
        os.close(read_end)
        if not ready:
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    assert outcome == b"forked"
    assert zk.get("/forked")[0] == b"parent's"      # the parent's session is untouched


def test_close_inside_the_first_data_watch_call_is_refused(zk):
    refused = []

    def first_call(data, stat):
        if not refused:
            try:
                zk.close()          # still inside the call that creates the watch
            except RuntimeError as error:
                refused.append(error)

    zk.DataWatch("/first", first_call)
    assert len(refused) == 1 and "close" in str(refused[0])
    assert not zk.closed and zk.create("/first") == "/first"
