"""Lock, Election and Counter, between two clients."""
import queue
import threading

import pytest

import zkclient
from zkclient import exceptions

WAIT = 30


def test_lock_excludes_a_second_holder(make_client):
    first, second = make_client(), make_client()
    held = first.Lock("/locks/report", "first")
    other = second.Lock("/locks/report", "second")
    assert held.acquire() is True and held.is_acquired
    assert other.acquire(timeout=0.5) is False
    assert other.acquire(blocking=False) is False
    assert not other.is_acquired
    assert held.contenders() == ["first"]       # a timed-out acquire leaves no node behind
    token = held.fencing_token
    held.release()
    assert not held.is_acquired
    assert other.acquire(timeout=WAIT) is True
    assert other.fencing_token > token
    other.release()


def test_lock_context_manager_and_a_waiting_acquire(make_client):
    first, second = make_client(), make_client()
    acquired = threading.Event()
    result = queue.Queue()

    def wait_for_it():
        lock = second.Lock("/locks/ctx", "second")
        result.put(lock.acquire(timeout=WAIT))
        acquired.set()
        lock.release()

    with first.Lock("/locks/ctx", "first") as lock:
        assert lock.is_acquired
        waiter = threading.Thread(target=wait_for_it)
        waiter.start()
        # The waiter is queued behind us: wait until its node shows among the contenders.
        seen = queue.Queue()

        def contenders_changed(children):
            seen.put(children)

        first.ChildrenWatch("/locks/ctx", contenders_changed)
        while len(seen.get(timeout=WAIT)) < 2:
            pass
        assert lock.contenders() == ["first", "second"]
        assert not acquired.is_set()
    assert result.get(timeout=WAIT) is True
    waiter.join(WAIT)


def test_lock_cancel_wakes_a_waiting_acquire(make_client):
    first, second = make_client(), make_client()
    holder = first.Lock("/locks/cancel")
    assert holder.acquire()
    waiting = second.Lock("/locks/cancel")
    result = queue.Queue()
    thread = threading.Thread(target=lambda: result.put(waiting.acquire()))
    thread.start()
    seen = queue.Queue()
    first.ChildrenWatch("/locks/cancel", seen.put)
    while len(seen.get(timeout=WAIT)) < 2:
        pass
    waiting.cancel()
    assert result.get(timeout=WAIT) is False
    thread.join(WAIT)
    holder.release()


def test_closing_the_client_wakes_a_waiting_acquire(make_client):
    first, second = make_client(), make_client()
    holder = first.Lock("/locks/close")      # keep a reference: a Lock freed is released
    assert holder.acquire()
    waiting = second.Lock("/locks/close")
    result = queue.Queue()

    def acquire():
        try:
            result.put(waiting.acquire())
        except zkclient.ZookeeperError as error:
            result.put(error)

    thread = threading.Thread(target=acquire)
    thread.start()
    seen = queue.Queue()
    first.ChildrenWatch("/locks/close", seen.put)
    while len(seen.get(timeout=WAIT)) < 2:
        pass
    second.close()
    outcome = result.get(timeout=WAIT)
    assert outcome is False or isinstance(outcome, zkclient.ConnectionClosedError), outcome
    thread.join(WAIT)
    with pytest.raises(zkclient.ConnectionClosedError):
        waiting.acquire()


def test_read_and_write_locks(make_client):
    first, second = make_client(), make_client()
    reader1 = first.ReadLock("/locks/table", "r1")
    reader2 = second.ReadLock("/locks/table", "r2")
    writer = second.WriteLock("/locks/table", "w")
    assert reader1.acquire() and reader2.acquire(timeout=WAIT)   # readers share
    assert writer.acquire(timeout=0.5) is False
    reader1.release()
    reader2.release()
    assert writer.acquire(timeout=WAIT)
    assert reader1.acquire(blocking=False) is False
    writer.release()


def test_lock_bad_input(zk):
    with pytest.raises(TypeError):
        zk.Lock(None)
    with pytest.raises(ValueError):
        zk.Lock("/l", "nul\x00inside")
    with pytest.raises(TypeError):
        zk.Lock("/l", 42)
    lock = zk.Lock("/l")
    for bad in (-1, "1", float("nan")):
        with pytest.raises((TypeError, ValueError)):
            lock.acquire(timeout=bad)
    with pytest.raises(zkclient.BadPathError):
        zk.Lock("relative").acquire()
    with pytest.raises(exceptions.InvalidArgumentError):
        lock.fencing_token                       # not held
    lock.close()
    with pytest.raises(zkclient.ConnectionClosedError):
        lock.acquire()


def test_election(make_client):
    first, second = make_client(), make_client()
    a = first.Election("/election", "host-a")
    b = second.Election("/election", "host-b")
    a_leads, a_may_finish = threading.Event(), threading.Event()
    b_led = queue.Queue()

    def lead_a():
        assert a.is_leader
        a_leads.set()
        assert a_may_finish.wait(WAIT)
        return "a's result"

    outcome = queue.Queue()
    thread_a = threading.Thread(target=lambda: outcome.put(a.run(lead_a)))
    thread_a.start()
    assert a_leads.wait(WAIT)
    thread_b = threading.Thread(target=lambda: outcome.put(b.run(b_led.put, "b leads")))
    thread_b.start()
    seen = queue.Queue()
    first.ChildrenWatch("/election", seen.put)
    while len(seen.get(timeout=WAIT)) < 2:
        pass
    assert a.contenders() == ["host-a", "host-b"]
    assert b_led.empty()                 # b waits while a leads
    a_may_finish.set()
    assert b_led.get(timeout=WAIT) == "b leads"
    results = {outcome.get(timeout=WAIT), outcome.get(timeout=WAIT)}
    assert results == {"a's result", None}
    thread_a.join(WAIT)
    thread_b.join(WAIT)
    assert not a.is_leader


def test_election_cancel_and_errors(make_client):
    first, second = make_client(), make_client()
    leader = first.Election("/election2", "leader")
    started, finish = threading.Event(), threading.Event()
    thread = threading.Thread(target=leader.run,
                              args=(lambda: (started.set(), finish.wait(WAIT)),))
    thread.start()
    assert started.wait(WAIT)
    waiting = second.Election("/election2", "waiting")
    called = []
    result = queue.Queue()
    waiter = threading.Thread(target=lambda: result.put(waiting.run(called.append, 1)))
    waiter.start()
    seen = queue.Queue()
    first.ChildrenWatch("/election2", seen.put)
    while len(seen.get(timeout=WAIT)) < 2:
        pass
    waiting.cancel()
    assert result.get(timeout=WAIT) is None and called == []
    finish.set()
    thread.join(WAIT)
    waiter.join(WAIT)

    def fails():
        raise LookupError("the leader function failed")

    with pytest.raises(LookupError):
        first.Election("/election2", "again").run(fails)
    with pytest.raises(TypeError):
        leader.run("not callable")


def test_counter(make_client):
    first, second = make_client(), make_client()
    counter = first.Counter("/hits")
    assert counter.value == 0
    counter += 5
    assert (counter.pre_value, counter.post_value) == (0, 5)
    counter -= 2
    assert counter.value == 3
    assert first.get("/hits")[0] == b"3"                # kazoo's ASCII decimal
    other = second.Counter("/hits")
    assert other.add(10) == 13

    def bump(client):
        mine = client.Counter("/hits")
        for _ in range(25):
            mine += 1

    threads = [threading.Thread(target=bump, args=(c,)) for c in (first, second, first)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert counter.value == 13 + 75                       # no update lost

    curator = first.Counter("/curator", default=7, support_curator=True)
    curator += 1
    assert first.get("/curator")[0] == (8).to_bytes(4, "big")
    with pytest.raises(TypeError):
        counter += "1"
    with pytest.raises(ValueError):
        first.Counter("/bad", default=2**63)
    first.set("/hits", b"not a number")
    with pytest.raises(exceptions.InvalidArgumentError):
        counter.value
