"""zkclient from Python through ctypes: kazoo's "Basic Usage" against the C ABI.

Any language with a C FFI uses zkclient the same way: load libzkclient.so, declare the
functions it calls, pass data as (pointer, length), free what the library hands out with its
own zk_*_free functions, and keep callbacks alive while they are registered.

Usage: python3 quickstart_ctypes.py PATH/TO/libzkclient.so [HOSTS]
       (HOSTS default: $ZK_HOSTS, else 127.0.0.1:2181)
"""
import ctypes
import os
import sys
import threading
import time
from ctypes import (CFUNCTYPE, POINTER, Structure, byref, c_bool, c_char_p, c_int32, c_int64,
                    c_size_t, c_uint8, c_uint32, c_uint64, c_void_p)


class Stat(Structure):
    _fields_ = [("czxid", c_int64), ("mzxid", c_int64), ("ctime", c_int64), ("mtime", c_int64),
                ("version", c_int32), ("cversion", c_int32), ("aversion", c_int32),
                ("ephemeral_owner", c_int64), ("data_length", c_int32),
                ("num_children", c_int32), ("pzxid", c_int64)]


class Buffer(Structure):
    _fields_ = [("data", POINTER(c_uint8)), ("len", c_size_t)]


class StringList(Structure):
    _fields_ = [("items", POINTER(c_char_p)), ("count", c_size_t)]


class WatchEvent(Structure):
    _fields_ = [("event_type", c_int32), ("keeper_state", c_int32), ("path", c_char_p)]


STATE_LISTENER = CFUNCTYPE(None, c_int32, c_int32, c_void_p)
WATCHER = CFUNCTYPE(None, POINTER(WatchEvent), c_void_p)
STATES = {0: "LOST", 1: "SUSPENDED", 2: "CONNECTED"}
ZK_OK, ZK_ENONODE = 0, -101


class ZkError(Exception):
    pass


def load(path):
    lib = ctypes.CDLL(path)
    signatures = {
        "zk_version": (c_char_p, []),
        "zk_error_str": (c_char_p, [c_int32]),
        "zk_last_error_message": (c_char_p, []),
        "zk_client_new": (c_int32, [c_char_p, c_void_p, POINTER(c_void_p)]),
        "zk_client_start": (c_int32, [c_void_p, c_uint32]),
        "zk_client_stop": (c_int32, [c_void_p]),
        "zk_client_free": (None, [c_void_p]),
        "zk_client_add_listener": (c_int32, [c_void_p, STATE_LISTENER, c_void_p, c_void_p,
                                             POINTER(c_uint64)]),
        "zk_ensure_path": (c_int32, [c_void_p, c_char_p]),
        "zk_create": (c_int32, [c_void_p, c_char_p, POINTER(c_uint8), c_size_t, c_void_p,
                                c_void_p, POINTER(Stat)]),
        "zk_exists": (c_int32, [c_void_p, c_char_p, POINTER(c_bool), POINTER(Stat)]),
        "zk_exists_watch": (c_int32, [c_void_p, c_char_p, WATCHER, c_void_p, c_void_p,
                                      POINTER(c_bool), POINTER(Stat), POINTER(c_uint64)]),
        "zk_get": (c_int32, [c_void_p, c_char_p, POINTER(Buffer), POINTER(Stat)]),
        "zk_get_children": (c_int32, [c_void_p, c_char_p, POINTER(StringList), POINTER(Stat)]),
        "zk_set": (c_int32, [c_void_p, c_char_p, POINTER(c_uint8), c_size_t, c_int32,
                             POINTER(Stat)]),
        "zk_delete": (c_int32, [c_void_p, c_char_p, c_int32, c_bool]),
        "zk_buffer_free": (None, [POINTER(Buffer)]),
        "zk_string_list_free": (None, [POINTER(StringList)]),
    }
    for name, (restype, argtypes) in signatures.items():
        function = getattr(lib, name)
        function.restype, function.argtypes = restype, argtypes
    return lib


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    zk_lib = load(sys.argv[1])
    hosts = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("ZK_HOSTS") or "127.0.0.1:2181"

    def check(rc, what):
        if rc != ZK_OK:
            raise ZkError("%s: %s: %s" % (what, zk_lib.zk_error_str(rc).decode(),
                                          zk_lib.zk_last_error_message().decode()))

    def data_arg(data):
        """A (pointer, length) pair for bytes: data is bytes, never a C string."""
        return (c_uint8 * len(data)).from_buffer_copy(data), len(data)

    print("zkclient %s from Python %s" % (zk_lib.zk_version().decode(), sys.version.split()[0]))
    chroot = "/zkclient-ctypes-%d-%d" % (time.time(), os.getpid())
    client = c_void_p()
    check(zk_lib.zk_client_new((hosts + chroot).encode(), None, byref(client)), "zk_client_new")

    # A connection listener (kazoo's add_listener). Keep the callback object alive as long as
    # it is registered: ctypes frees the trampoline with it.
    states = []

    @STATE_LISTENER
    def listener(state, keeper_state, user_data):
        states.append(STATES.get(state, state))
        print("listener: %s" % STATES.get(state, state))

    check(zk_lib.zk_client_add_listener(client, listener, None, None, None), "add_listener")
    check(zk_lib.zk_client_start(client, 15000), "zk_client_start")
    check(zk_lib.zk_ensure_path(client, b"/"), "zk_ensure_path")  # the chroot itself

    # Create, read, update, delete.
    check(zk_lib.zk_ensure_path(client, b"/my/favorite"), "zk_ensure_path")
    payload, length = data_arg(b"a value\x00with a zero byte")
    check(zk_lib.zk_create(client, b"/my/favorite/node", payload, length, None, None, None),
          "zk_create")
    exists = c_bool()
    check(zk_lib.zk_exists(client, b"/my/favorite/node", byref(exists), None), "zk_exists")
    assert exists.value
    buffer, stat = Buffer(), Stat()
    check(zk_lib.zk_get(client, b"/my/favorite/node", byref(buffer), byref(stat)), "zk_get")
    data = ctypes.string_at(buffer.data, buffer.len)
    zk_lib.zk_buffer_free(byref(buffer))  # the library's copy, freed by the library
    print("get /my/favorite/node: %r, version %d" % (data, stat.version))
    assert data == b"a value\x00with a zero byte" and stat.version == 0

    children = StringList()
    check(zk_lib.zk_get_children(client, b"/my/favorite", byref(children), None),
          "zk_get_children")
    names = sorted(children.items[i].decode() for i in range(children.count))
    zk_lib.zk_string_list_free(byref(children))
    print("children of /my/favorite: %s" % names)
    assert names == ["node"]

    # A one-shot watch: fires once, on the dispatcher thread.
    fired = threading.Event()
    seen = []

    @WATCHER
    def watcher(event, user_data):
        seen.append((event.contents.event_type, event.contents.path.decode()))
        fired.set()

    check(zk_lib.zk_exists_watch(client, b"/my/favorite/node", watcher, None, None,
                                 byref(exists), None, None), "zk_exists_watch")
    new, length = data_arg(b"some data")
    check(zk_lib.zk_set(client, b"/my/favorite/node", new, length, stat.version, byref(stat)),
          "zk_set")
    assert fired.wait(30), "the watch did not fire"
    print("watch fired: event %d on %s; version now %d" % (seen[0][0], seen[0][1], stat.version))
    assert seen == [(3, "/my/favorite/node")] and stat.version == 1  # 3: ZK_EVENT_CHANGED

    # A stale version is refused; errors come as codes with a readable message.
    rc = zk_lib.zk_set(client, b"/my/favorite/node", new, length, 0, None)
    print("set with a stale version: %s (%s)" % (zk_lib.zk_error_str(rc).decode(),
                                                 zk_lib.zk_last_error_message().decode()))
    assert zk_lib.zk_error_str(rc) == b"ZK_EBADVERSION"

    check(zk_lib.zk_delete(client, b"/my", -1, True), "zk_delete")
    rc = zk_lib.zk_get(client, b"/my/favorite/node", None, None)
    assert rc == ZK_ENONODE, rc
    check(zk_lib.zk_delete(client, b"/", -1, False), "zk_delete")  # the chroot

    check(zk_lib.zk_client_stop(client), "zk_client_stop")
    zk_lib.zk_client_free(client)
    assert states[0] == "CONNECTED" and states[-1] == "LOST", states
    print("quickstart_ctypes: all steps passed")


if __name__ == "__main__":
    main()
