"""Fixtures: the server named by ZK_TEST_HOSTS (required: the tests fail without it), and a
unique chroot per test, removed at the end."""
import os
import uuid

import pytest

import zkclient

HOSTS = os.environ.get("ZK_TEST_HOSTS")


def pytest_configure(config):
    if not HOSTS:
        raise pytest.UsageError(
            "ZK_TEST_HOSTS is not set: these tests need a real ZooKeeper server "
            "(e.g. HOSTS=$(scripts/zk-server.sh start /tmp/zk-py); ZK_TEST_HOSTS=$HOSTS)")


@pytest.fixture
def hosts():
    return HOSTS


@pytest.fixture
def chroot():
    """A path of this test's own, under which its clients work (as their chroot)."""
    path = "/py-test-%s" % uuid.uuid4().hex
    yield path
    with zkclient.Client(HOSTS) as cleaner:
        try:
            cleaner.delete(path, recursive=True)
        except zkclient.NoNodeError:
            pass


@pytest.fixture
def make_client(chroot):
    """Makes started clients chrooted at this test's path; all closed at the end."""
    made = []

    def make(**kwargs):
        client = zkclient.Client(HOSTS + chroot, **kwargs)
        made.append(client)
        client.start(timeout=30)
        client.ensure_path("/")
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def zk(make_client):
    return make_client()
