"""Host lists (hosts, set_hosts, follow_ensemble_config), the ensemble's configuration
(get_config), who_am_i against the shared server, and reconfig against an ensemble of this
module's own (scripts/zk-server.sh --reconfig, three servers, removed at the end)."""
import os
import pathlib
import queue
import subprocess
import tempfile
import time
import uuid

import pytest

import zkclient
from zkclient import Client, EnsembleConfig, EventType, exceptions

REPO = pathlib.Path(__file__).resolve().parents[3]
ZK_SERVER = str(REPO / "scripts" / "zk-server.sh")
SUPER = ("digest", "super:supersecret")
WAIT = 30


def same_servers(a, b):
    return sorted(a.split("/")[0].split(",")) == sorted(b.split("/")[0].split(","))


# ---- host lists ----------------------------------------------------------------------------

def test_hosts_and_set_hosts_keep_the_session_and_the_chroot(hosts, chroot, zk):
    assert same_servers(zk.hosts, hosts) and "/" not in zk.hosts     # no chroot in it
    session = zk.client_id
    zk.set_hosts(hosts)                       # the same server: nothing moves
    assert same_servers(zk.hosts, hosts)
    zk.set_hosts(hosts.split(","))            # a list works too
    zk.set_hosts(hosts + chroot)              # the client's own chroot is accepted
    zk.create("/after-set-hosts", b"x")
    assert zk.client_id == session and zk.connected
    with Client(hosts) as plain:              # the node went under the chroot
        assert plain.get(chroot + "/after-set-hosts")[0] == b"x"


def test_set_hosts_refuses_bad_connect_strings(zk, hosts):
    before = zk.hosts
    for bad in ("", ",", "127.0.0.1:99999", hosts + "/another-chroot"):
        with pytest.raises(exceptions.InvalidArgumentError) as raised:
            zk.set_hosts(bad)
        assert isinstance(raised.value, ValueError) and raised.value.message
    with pytest.raises(ValueError):
        zk.set_hosts("127.0.0.1:2181\0,x:1")
    for bad in (None, 2181, [], [1]):
        with pytest.raises(TypeError):
            zk.set_hosts(bad)
    assert zk.hosts == before and zk.connected


def test_follow_and_resolution_delay_options(hosts, chroot):
    with Client(hosts + chroot, follow_ensemble_config=True, host_resolution_delay=1.5) as zk:
        # A standalone server has no configuration to follow: the given list stays.
        assert same_servers(zk.hosts, hosts)
        zk.ensure_path("/")
    for kwargs, error in ((dict(follow_ensemble_config="yes"), TypeError),
                          (dict(host_resolution_delay=-1), ValueError),
                          (dict(host_resolution_delay="1"), TypeError),
                          (dict(host_resolution_delay=2.0**40), ValueError)):
        with pytest.raises(error):
            Client(hosts, **kwargs)


def test_closed_client(hosts):
    client = Client(hosts)
    client.close()
    for call in (lambda: client.hosts, lambda: client.set_hosts(hosts), client.get_config,
                 client.who_am_i, lambda: client.reconfig(leaving=1)):
        with pytest.raises(exceptions.ConnectionClosedError):
            call()


# ---- configuration and identities (shared standalone server) -------------------------------

def test_get_config_of_a_standalone_server(zk):
    config = zk.get_config()
    assert isinstance(config, EnsembleConfig)
    assert (config.version, config.members, config.data, config.connect_string) == (0, (), b"", "")
    assert config.member(1) is None and config.ids == ()
    events = queue.Queue()
    assert zk.get_config(watch=events.put).members == ()    # the watch variant
    with pytest.raises(TypeError):
        zk.get_config(watch="not callable")
    assert events.empty()


def test_who_am_i(hosts, chroot):
    user = "user-%s" % uuid.uuid4().hex[:8]
    with Client(hosts + chroot) as anonymous:
        assert [scheme for scheme, _ in anonymous.who_am_i()] == ["ip"]
    with Client(hosts + chroot, auth_data=[("digest", user + ":secret")]) as zk:
        identities = zk.whoami()
        assert ("digest", user) in identities
        assert any(identity.scheme == "ip" for identity in identities)
        assert all(":secret" not in identity.id for identity in identities)
        zk.add_auth("digest", "second:pw")
        assert ("digest", "second") in zk.who_am_i()


def test_reconfig_bad_input(zk):
    with pytest.raises(exceptions.InvalidArgumentError):
        zk.reconfig()                                     # nothing to change: nothing sent
    with pytest.raises(exceptions.InvalidArgumentError):
        zk.reconfig(joining="bogus")
    with pytest.raises(exceptions.InvalidArgumentError):  # no client port
        zk.reconfig(joining="server.4=127.0.0.1:2888:3888:participant")
    with pytest.raises(exceptions.InvalidArgumentError):
        zk.reconfig(new_members=[])
    for kwargs, error in ((dict(leaving="three"), ValueError),
                          (dict(leaving=-1), ValueError),
                          (dict(leaving=2.5), TypeError),
                          (dict(joining=4), TypeError),
                          (dict(joining=[None]), TypeError),
                          (dict(new_members="server.1=h:1:2;h:3", leaving=2), ValueError),
                          (dict(leaving=1, from_config="0"), TypeError),
                          (dict(leaving=1, from_config=-2), ValueError)):
        with pytest.raises(error):
            zk.reconfig(**kwargs)
    # A server without reconfigEnabled refuses it.
    with pytest.raises((exceptions.ReconfigDisabledError, exceptions.UnimplementedError)):
        zk.reconfig(leaving="3")


# ---- reconfig: an ensemble of this module's own --------------------------------------------

@pytest.fixture(scope="module")
def ensemble():
    """Three servers with reconfigEnabled; yields (directory, connect string)."""
    directory = tempfile.mkdtemp(prefix="zk-py-reconfig-",
                                 dir=os.environ.get("ZK_TEST_STATE_DIR"))
    try:
        started = subprocess.run([ZK_SERVER, "start", directory, "--servers", "3", "--reconfig"],
                                 capture_output=True, text=True, timeout=180)
        assert started.returncode == 0, started.stdout + started.stderr
        yield directory, started.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run([ZK_SERVER, "cleanup", directory], capture_output=True, timeout=120)


def zk_server(*args):
    return subprocess.run([ZK_SERVER, *map(str, args)], capture_output=True, text=True,
                          timeout=60, check=True).stdout.strip()


def wait_for(condition, what):
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, "not within %d s: %s" % (WAIT, what)
        time.sleep(0.05)


def test_reconfig_remove_and_add_back(ensemble):
    """Server 3 leaves and comes back (server 2 instead when 3 leads: removing the leader
    would end every connection with an election). The superuser's client is on the leader,
    which stays."""
    directory, connect = ensemble
    leader = int(zk_server("leader", directory))
    victim = 3 if leader != 3 else 2
    spec = zk_server("server-spec", directory, victim, "participant")
    on_leader = "127.0.0.1:%s" % zk_server("port", directory, leader)
    with Client(connect) as anonymous, \
            Client(on_leader, auth_data=[SUPER]) as admin, \
            Client(connect, follow_ensemble_config=True) as follower:
        session = follower.client_id
        config = anonymous.get_config()
        assert config.ids == (1, 2, 3) and config.version > 0
        assert same_servers(config.connect_string, connect)
        member = config.member(victim)
        assert member.spec == spec and member.role == zkclient.MemberRole.PARTICIPANT
        assert member.client_address == ("127.0.0.1", int(zk_server("port", directory, victim)))
        assert member.client_host == member.connect_host == member.quorum_host == "127.0.0.1"
        assert ("server.%d=" % victim).encode() in config.data
        assert config.stat.dataLength == len(config.data)

        with pytest.raises(zkclient.NoAuthError):           # no superuser: refused
            anonymous.reconfig(leaving=str(victim), from_config=config.version)
        admin.sync("/")
        unchanged = admin.get_config()
        assert (unchanged.version, unchanged.data) == (config.version, config.data)

        events = queue.Queue()
        admin.get_config(watch=events.put)
        removed = admin.reconfig(leaving=str(victim), from_config=config.version)
        assert removed.ids == tuple(i for i in (1, 2, 3) if i != victim)
        assert removed.version > config.version
        event = events.get(timeout=WAIT)
        assert (event.type, event.path) == (EventType.CHANGED, "/zookeeper/config")
        wait_for(lambda: same_servers(follower.hosts, removed.connect_string),
                 "the follower takes the 2-member host list")

        with pytest.raises(zkclient.BadVersionError):       # a stale version
            admin.reconfig(joining=spec, from_config=config.version)

        back = admin.reconfig(joining=[spec], from_config=removed.version)
        assert sorted(back.ids) == [1, 2, 3] and back.member(victim).spec == spec
        assert back.version > removed.version
        wait_for(lambda: same_servers(follower.hosts, connect),
                 "the follower takes the 3-member host list again")
        # It may be moving to the added server (SUSPENDED, then CONNECTED): same session.
        wait_for(lambda: follower.connected, "the follower is connected")
        assert follower.client_id == session
