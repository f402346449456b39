"""The quick start, CRUD, errors as exceptions, and bad input."""
import os
import pathlib
import subprocess
import sys

import pytest

import zkclient
from zkclient import exceptions
from zkclient import Client, State, ZnodeStat

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def test_quickstart_example_runs(hosts):
    """examples/quickstart.py, as a user runs it, against the server."""
    done = subprocess.run([sys.executable, str(EXAMPLES / "quickstart.py"), hosts],
                          capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "quickstart: all steps passed" in done.stdout


def test_crud_like_kazoo(zk, hosts):
    assert zk.connected and zk.state == State.CONNECTED
    assert zk.client_state == zkclient.KeeperState.CONNECTED
    ports = [host.rsplit(":", 1)[-1] for host in hosts.split("/")[0].split(",")]
    assert zk.server.rsplit(":", 1)[-1] in ports            # "host:port" of a server
    assert zk.ensure_path("/my/favorite") is True
    assert zk.create("/my/favorite/node", b"a value") == "/my/favorite/node"
    path, stat = zk.create("/my/favorite/zeros", b"\x00\x01\x00", include_data=True)
    assert path == "/my/favorite/zeros" and stat.dataLength == 3

    data, stat = zk.get("/my/favorite/node")
    assert data == b"a value"
    assert isinstance(stat, ZnodeStat)
    assert (stat.version, stat.dataLength, stat.numChildren, stat.ephemeralOwner) == (0, 7, 0, 0)
    assert stat.czxid == stat.mzxid == stat.creation_transaction_id
    assert zk.get("/my/favorite/zeros")[0] == b"\x00\x01\x00"
    assert sorted(zk.get_children("/my/favorite")) == ["node", "zeros"]
    children, parent = zk.get_children("/my/favorite", include_data=True)
    assert parent.numChildren == 2 and parent.children_count == 2

    stat = zk.set("/my/favorite/node", b"some data", version=0)
    assert stat.version == 1 and stat.dataLength == 9
    assert zk.get("/my/favorite/node") == (b"some data", stat)
    assert zk.set("/my/favorite/node", b"", version=-1).dataLength == 0
    assert zk.get("/my/favorite/node")[0] == b""

    assert zk.exists("/my/favorite/missing") is None
    assert zk.exists("/my/favorite").numChildren == 2
    assert zk.delete("/my/favorite", recursive=True) is True
    assert zk.exists("/my") is not None and zk.exists("/my/favorite") is None


def test_create_modes(zk, make_client):
    first = zk.create("/seq/item-", b"1", sequence=True, makepath=True)
    second = zk.create("/seq/item-", b"2", sequence=True)
    assert first == "/seq/item-0000000000" and second == "/seq/item-0000000001"
    ephemeral = zk.create("/eph", ephemeral=True)
    owner = zk.exists(ephemeral).ephemeralOwner
    assert owner == zk.client_id[0] and zk.exists(ephemeral).owner_session_id == owner
    with pytest.raises(exceptions.NoChildrenForEphemeralsError):
        zk.create("/eph/child")
    other = make_client()
    zk.stop()
    assert other.exists("/eph") is None    # the session's ephemeral nodes go at stop
    assert other.exists("/seq/item-0000000001") is not None


def test_errors_are_exceptions_with_code_and_message(zk):
    with pytest.raises(zkclient.NoNodeError) as caught:
        zk.get("/missing")
    error = caught.value
    assert isinstance(error, zkclient.ZookeeperError)
    assert isinstance(error, zkclient.KazooException)
    assert error.code == -101 and error.name == "ZK_ENONODE"
    assert "/missing" in error.message and "ZK_ENONODE" in str(error)

    zk.create("/node", b"v0")
    zk.set("/node", b"v1")
    with pytest.raises(zkclient.BadVersionError) as caught:
        zk.set("/node", b"stale", version=0)
    assert caught.value.code == -103 and "/node" in caught.value.message
    with pytest.raises(zkclient.BadVersionError):
        zk.delete("/node", version=0)
    with pytest.raises(zkclient.NodeExistsError) as caught:
        zk.create("/node")
    assert caught.value.code == -110
    zk.create("/node/child")
    with pytest.raises(zkclient.NotEmptyError):
        zk.delete("/node")
    with pytest.raises(zkclient.NoNodeError):
        zk.create("/no/parent")
    with pytest.raises(zkclient.NoNodeError):
        zk.delete("/missing")
    assert zk.get("/node")[0] == b"v1"


def test_error_for_code_covers_the_codes():
    assert type(exceptions.error_for_code(-4)) is zkclient.ConnectionLoss
    assert type(exceptions.error_for_code(-112)) is zkclient.SessionExpiredError
    assert type(exceptions.error_for_code(-1006)) is zkclient.ConnectionClosedError
    assert issubclass(zkclient.ConnectionClosedError, zkclient.SessionExpiredError)
    assert type(exceptions.error_for_code(-8)) is zkclient.BadArgumentsError
    assert type(exceptions.error_for_code(-102)) is zkclient.NoAuthError
    assert isinstance(exceptions.error_for_code(-1005), TimeoutError)
    assert isinstance(exceptions.error_for_code(-1002), ValueError)
    unknown = exceptions.error_for_code(-999, "odd")
    assert type(unknown) is zkclient.ZookeeperError and unknown.code == -999


def test_no_auth_error_and_acls(zk, make_client):
    acl = [zkclient.make_digest_acl("alice", "secret", all=True)]
    assert acl[0].id.id.startswith("alice:")
    zk.add_auth("digest", "alice:secret")
    zk.create("/secret", b"hidden", acl=acl)
    assert zk.get("/secret")[0] == b"hidden"
    got, stat = zk.get_acl("/secret")
    assert got == acl and stat.aversion == 0
    stranger = make_client()
    with pytest.raises(zkclient.NoAuthError) as caught:
        stranger.get("/secret")
    assert caught.value.code == -102
    zk.set_acl("/secret", zkclient.OPEN_ACL_UNSAFE, version=0)
    assert stranger.get("/secret")[0] == b"hidden"


def test_start_times_out_without_a_server():
    client = Client("127.0.0.1:1", timeout=2.0)
    try:
        with pytest.raises(zkclient.ZkTimeoutError) as caught:
            client.start(timeout=0.5)
        assert isinstance(caught.value, TimeoutError)
        assert client.state == State.LOST
        with pytest.raises(zkclient.ConnectionClosedError):
            client.get("/")
    finally:
        client.close()


def test_bad_input_raises_and_never_crashes(zk):
    for bad in (None, 42, b"/bytes", ["/x"]):
        with pytest.raises(TypeError):
            zk.get(bad)
        with pytest.raises(TypeError):
            zk.create(bad)
    with pytest.raises(ValueError):
        zk.get("/nul\x00byte")
    with pytest.raises(zkclient.BadPathError) as caught:
        zk.get("no-slash")
    assert isinstance(caught.value, ValueError) and caught.value.code == -1002
    with pytest.raises(zkclient.BadPathError):
        zk.create("/trailing/")
    with pytest.raises(ValueError):
        zk.get("/bad\udc80surrogate")
    zk.create("/data")
    for bad in ("text", None, 7, ["list"]):
        with pytest.raises(TypeError):
            zk.set("/data", bad)
    with pytest.raises(TypeError):
        zk.create("/other", "text")
    assert zk.set("/data", bytearray(b"ba")).dataLength == 2   # bytes-like is fine
    assert zk.set("/data", memoryview(b"mv")).dataLength == 2
    with pytest.raises(exceptions.RequestTooLargeError):
        zk.set("/data", b"x" * (1024 * 1024 + 1))
    for bad in (2**31, -2, 1.5, "1", True):
        with pytest.raises((TypeError, ValueError)):
            zk.set("/data", b"", version=bad)
    with pytest.raises(TypeError):
        zk.get("/data", watch="not callable")
    with pytest.raises(TypeError):
        zk.create("/acl", acl="not a list")
    with pytest.raises(TypeError):
        zk.create("/acl", acl=[("perms", "no id")])
    for bad in (-1, float("nan"), "5", None):
        with pytest.raises((TypeError, ValueError)):
            zk.start(timeout=bad)
    with pytest.raises(ValueError):
        zk.create("/eph-ttl", ephemeral=True, ttl=5)
    with pytest.raises(TypeError):
        Client(42)
    with pytest.raises(TypeError):
        Client(["127.0.0.1:2181", None])
    with pytest.raises(ValueError):
        Client("127.0.0.1:2181", timeout=-1)
    with pytest.raises(exceptions.InvalidArgumentError) as caught:
        Client("127.0.0.1:2181", timeout=0)   # the library refuses a 0 session timeout
    assert isinstance(caught.value, ValueError) and caught.value.code == -1001
    with pytest.raises(ValueError) as caught:  # a secret is never repeated in an error
        zkclient.make_digest_acl("alice", "top\x00secret")
    assert "secret" not in str(caught.value)
    with pytest.raises(TypeError):
        zk.add_auth("digest", None)
    assert zk.get("/data")[0] == b"mv"        # the client is fine after all that


def test_stopped_and_closed_clients(zk, make_client):
    zk.create("/x")
    zk.stop()
    assert zk.state == State.LOST
    with pytest.raises(zkclient.ConnectionClosedError) as caught:
        zk.get("/x")
    assert caught.value.code == -1006
    zk.start()                                     # a new session
    assert zk.get("/x")[0] == b""
    lock = zk.Lock("/lock")
    zk.close()
    zk.close()                                     # twice is fine
    zk.stop()                                      # so is stop after close
    assert zk.closed and zk.state == State.LOST
    for call in (lambda: zk.get("/x"), lambda: zk.create("/y"), lambda: zk.start(),
                 lambda: zk.Lock("/l"), lambda: lock.acquire(), lambda: zk.client_id,
                 lambda: zk.DataWatch("/x", lambda d, s: None)):
        with pytest.raises(zkclient.ConnectionClosedError):
            call()
    assert lock.is_acquired is False


def test_context_manager_starts_and_closes(hosts, chroot):
    with Client(hosts + chroot) as client:
        assert client.connected
        client.ensure_path("/in/context")
        assert client.exists("/in/context") is not None
    assert client.closed
    with pytest.raises(zkclient.ConnectionClosedError):
        client.exists("/in")


def test_listener_sees_states_and_can_remove_itself(make_client):
    import queue
    client = make_client()
    seen, once = queue.Queue(), []
    client.add_listener(seen.put)

    def only_once(state):
        once.append(state)
        return True                 # kazoo: a listener returning True is removed

    client.add_listener(only_once)
    client.stop()
    assert seen.get(timeout=10) == State.LOST
    client.start()
    assert seen.get(timeout=10) == State.CONNECTED
    assert once == [State.LOST]
    client.remove_listener(seen.put)
    client.remove_listener(seen.put)   # unknown: fine
    with pytest.raises(TypeError):
        client.add_listener(None)


def test_client_id_resumes_the_session(zk, make_client):
    session = zk.client_id
    assert isinstance(session[0], int) and len(session[1]) == 16
    zk.create("/mine", ephemeral=True)
    resumed = make_client(client_id=session)
    assert resumed.client_id[0] == session[0]
    assert resumed.exists("/mine").ephemeralOwner == session[0]


def test_transaction(zk):
    zk.create("/accounts/alice", b"100", makepath=True)
    with zk.transaction() as txn:
        txn.check("/accounts/alice", 0)
        txn.set_data("/accounts/alice", b"60", version=0)
        txn.create("/accounts/bob", b"40")
    assert zk.get("/accounts/bob")[0] == b"40"

    txn = zk.transaction()
    txn.create("/accounts/carol", b"1")
    txn.check("/accounts/alice", 0)              # stale: version is 1 now
    txn.delete("/accounts/bob")
    results = txn.commit()
    assert isinstance(results[1], zkclient.BadVersionError)
    assert all(isinstance(r, exceptions.RolledBackError) for r in (results[0], results[2]))
    assert zk.exists("/accounts/carol") is None and zk.exists("/accounts/bob") is not None
    with pytest.raises(ValueError):
        txn.commit()

    txn = zk.transaction()
    txn.set_data("/accounts/alice", b"0")
    txn.delete("/accounts/bob")
    path_txn = zk.transaction()
    path_txn.create("/accounts/dave")
    assert path_txn.commit() == ["/accounts/dave"]
    results = txn.commit()
    assert isinstance(results[0], ZnodeStat) and results[1] is True


def test_retry_runs_again_on_force_retry(zk):
    attempts = []

    def flaky(path):
        attempts.append(path)
        if len(attempts) < 3:
            raise exceptions.ForceRetryError("not yet")
        return zk.create(path)

    assert zk.retry(flaky, "/retried") == "/retried"
    assert len(attempts) == 3
    with pytest.raises(zkclient.NoNodeError):     # not retried: raised at once
        zk.retry(zk.get, "/missing")

    def boom():
        raise KeyError("mine")

    with pytest.raises(KeyError):
        zk.retry(boom)
