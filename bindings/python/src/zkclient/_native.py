"""The C library, loaded with ctypes: its structs, its function signatures, and the static
callback trampolines every registration goes through.

Nothing here is public API. The rest of the package calls `lib()` for the loaded library,
`check(rc)` to turn a `zk_error` into an exception, and `register(obj)` to hand a Python
object to C as `user_data` (see "Callbacks" below).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import itertools
import logging
import os
import threading
from ctypes import (CFUNCTYPE, POINTER, Structure, c_bool, c_char_p, c_double, c_int32,
                    c_int64, c_size_t, c_uint32, c_uint64, c_void_p)

log = logging.getLogger("zkclient")

ENV_VAR = "ZKCLIENT_LIBRARY"

# Versions of the versioned option structs as this package lays them out (the header's
# ZK_*_VERSION constants when this package was written). A newer library reads these
# versions' fields and keeps its defaults for fields added later.
CREATE_OPTIONS_VERSION = 1
LOCK_OPTIONS_VERSION = 1
RETRY_POLICY_VERSION = 1


class Stat(Structure):
    """`zk_stat` (frozen)."""
    _fields_ = [("czxid", c_int64), ("mzxid", c_int64), ("ctime", c_int64), ("mtime", c_int64),
                ("version", c_int32), ("cversion", c_int32), ("aversion", c_int32),
                ("ephemeral_owner", c_int64), ("data_length", c_int32),
                ("num_children", c_int32), ("pzxid", c_int64)]


class Buffer(Structure):
    """`zk_buffer` (frozen)."""
    _fields_ = [("data", c_void_p), ("len", c_size_t)]


class StringList(Structure):
    """`zk_string_list` (frozen)."""
    _fields_ = [("items", POINTER(c_char_p)), ("count", c_size_t)]


class Acl(Structure):
    """`zk_acl` (frozen)."""
    _fields_ = [("perms", c_int32), ("scheme", c_char_p), ("id", c_char_p)]


class AclList(Structure):
    """`zk_acl_list` (frozen)."""
    _fields_ = [("items", POINTER(Acl)), ("count", c_size_t)]


class WatchEvent(Structure):
    """The fields of `zk_watch_event` this package reads (the library may append more:
    read through the pointer only)."""
    _fields_ = [("event_type", c_int32), ("keeper_state", c_int32), ("path", c_char_p)]


class CreateOptions(Structure):
    """`zk_create_options`, version 1."""
    _fields_ = [("version", c_uint32), ("mode", c_int32), ("makepath", c_bool),
                ("ttl_ms", c_int64), ("acl", POINTER(Acl)), ("acl_count", c_size_t)]


class LockOptions(Structure):
    """`zk_lock_options`, version 1."""
    _fields_ = [("version", c_uint32), ("kind", c_int32),
                ("extra_patterns", POINTER(c_char_p)), ("extra_pattern_count", c_size_t)]


class RetryPolicy(Structure):
    """`zk_retry_policy`, version 1."""
    _fields_ = [("version", c_uint32), ("max_tries", c_int32), ("delay_ms", c_uint32),
                ("backoff", c_double), ("max_jitter", c_double), ("max_delay_ms", c_uint32),
                ("deadline_ms", c_int64), ("retry_session_expired", c_bool)]


class OpResult(Structure):
    """`zk_op_result` (frozen)."""
    _fields_ = [("op_type", c_int32), ("rc", c_int32), ("path", c_char_p), ("stat", Stat),
                ("data", Buffer), ("children", StringList)]


class OpResults(Structure):
    """`zk_op_results` (frozen)."""
    _fields_ = [("items", POINTER(OpResult)), ("count", c_size_t)]


class Identity(Structure):
    """`zk_identity` (frozen)."""
    _fields_ = [("scheme", c_char_p), ("id", c_char_p)]


class IdentityList(Structure):
    """`zk_identity_list` (frozen)."""
    _fields_ = [("items", POINTER(Identity)), ("count", c_size_t)]


# Callback types. user_data is a c_void_p: ctypes hands it to Python as an int (or None).
STATE_LISTENER = CFUNCTYPE(None, c_int32, c_int32, c_void_p)
FREE_FN = CFUNCTYPE(None, c_void_p)
WATCHER = CFUNCTYPE(None, POINTER(WatchEvent), c_void_p)
DATA_WATCH_FN = CFUNCTYPE(c_bool, c_void_p, c_size_t, POINTER(Stat), POINTER(WatchEvent),
                          c_void_p)
CHILDREN_WATCH_FN = CFUNCTYPE(c_bool, POINTER(StringList), POINTER(Stat), POINTER(WatchEvent),
                              c_void_p)
LOCK_STATE_FN = CFUNCTYPE(None, c_int32, c_void_p)
LEADER_FN = CFUNCTYPE(c_int32, c_void_p)
RETRY_FN = CFUNCTYPE(c_int32, c_void_p, c_void_p)

# NULL function pointers, for optional callbacks not given.
NO_LOCK_STATE_FN = LOCK_STATE_FN()
NO_FREE_FN = FREE_FN()

P = c_void_p  # an opaque handle (zk_client *, zk_lock *, ...)
S = c_char_p  # a NUL-terminated string, or bytes passed with a length
OUT_P = POINTER(c_void_p)

SIGNATURES = {
    "zk_version": (c_char_p, []),
    "zk_error_str": (c_char_p, [c_int32]),
    "zk_last_error_message": (c_char_p, []),
    "zk_state_str": (c_char_p, [c_int32]),
    "zk_keeper_state_str": (c_char_p, [c_int32]),
    "zk_event_type_str": (c_char_p, [c_int32]),
    "zk_buffer_free": (None, [POINTER(Buffer)]),
    "zk_string_list_free": (None, [POINTER(StringList)]),
    "zk_string_free": (None, [c_void_p]),
    "zk_acl_list_free": (None, [POINTER(AclList)]),
    "zk_op_results_free": (None, [POINTER(OpResults)]),
    # options and client
    "zk_options_new": (c_void_p, []),
    "zk_options_free": (None, [P]),
    "zk_options_set_session_timeout": (c_int32, [P, c_uint32]),
    "zk_options_set_randomize_hosts": (c_int32, [P, c_bool]),
    "zk_options_set_session": (c_int32, [P, c_int64, S, c_size_t]),
    "zk_options_set_read_only": (c_int32, [P, c_bool]),
    "zk_options_add_auth": (c_int32, [P, S, S, c_size_t]),
    "zk_options_set_default_acl": (c_int32, [P, POINTER(Acl), c_size_t]),
    "zk_options_set_command_retry": (c_int32, [P, POINTER(RetryPolicy)]),
    "zk_options_set_connection_retry": (c_int32, [P, POINTER(RetryPolicy)]),
    "zk_retry_policy_init": (c_int32, [POINTER(RetryPolicy), c_uint32]),
    "zk_client_new": (c_int32, [S, P, OUT_P]),
    "zk_client_start": (c_int32, [P, c_uint32]),
    "zk_client_stop": (c_int32, [P]),
    "zk_client_free": (None, [P]),
    "zk_client_state": (c_int32, [P, POINTER(c_int32), POINTER(c_int32)]),
    "zk_client_session": (c_int32, [P, POINTER(c_int64), c_void_p, POINTER(c_uint32)]),
    "zk_client_add_listener": (c_int32, [P, STATE_LISTENER, c_void_p, FREE_FN,
                                         POINTER(c_uint64)]),
    "zk_client_server": (c_int32, [P, POINTER(c_void_p)]),
    "zk_add_auth": (c_int32, [P, S, S, c_size_t]),
    "zk_retry": (c_int32, [P, POINTER(RetryPolicy), RETRY_FN, c_void_p]),
    # host lists, the ensemble's configuration, reconfig, whoAmI
    "zk_options_set_follow_ensemble_config": (c_int32, [P, c_bool]),
    "zk_options_set_host_resolution_delay": (c_int32, [P, c_uint32]),
    "zk_client_update_hosts": (c_int32, [P, S]),
    "zk_client_hosts": (c_int32, [P, POINTER(c_void_p)]),
    "zk_get_config": (c_int32, [P, OUT_P]),
    "zk_get_config_watch": (c_int32, [P, WATCHER, c_void_p, FREE_FN, OUT_P,
                                      POINTER(c_uint64)]),
    "zk_reconfig_incremental": (c_int32, [P, POINTER(c_char_p), c_size_t, POINTER(c_uint64),
                                          c_size_t, c_int64, OUT_P]),
    "zk_reconfig_bulk": (c_int32, [P, POINTER(c_char_p), c_size_t, c_int64, OUT_P]),
    "zk_ensemble_config_free": (None, [P]),
    "zk_ensemble_config_version": (c_int64, [P]),
    "zk_ensemble_config_member_count": (c_size_t, [P]),
    "zk_ensemble_config_member": (c_void_p, [P, c_size_t]),
    "zk_ensemble_config_data": (c_void_p, [P, POINTER(c_size_t)]),
    "zk_ensemble_config_stat": (c_int32, [P, POINTER(Stat)]),
    "zk_ensemble_config_connect_string": (c_char_p, [P]),
    "zk_ensemble_member_id": (c_uint64, [P]),
    "zk_ensemble_member_role": (c_int32, [P]),
    "zk_ensemble_member_quorum_host": (c_char_p, [P]),
    "zk_ensemble_member_quorum_port": (ctypes.c_uint16, [P]),
    "zk_ensemble_member_election_port": (ctypes.c_uint16, [P]),
    "zk_ensemble_member_client_host": (c_char_p, [P]),
    "zk_ensemble_member_client_port": (ctypes.c_uint16, [P]),
    "zk_ensemble_member_connect_host": (c_char_p, [P]),
    "zk_ensemble_member_spec": (c_char_p, [P]),
    "zk_who_am_i": (c_int32, [P, POINTER(IdentityList)]),
    "zk_identity_list_free": (None, [POINTER(IdentityList)]),
    # operations
    "zk_create_options_init": (c_int32, [POINTER(CreateOptions), c_uint32]),
    "zk_create": (c_int32, [P, S, S, c_size_t, POINTER(CreateOptions), POINTER(c_void_p),
                            POINTER(Stat)]),
    "zk_ensure_path": (c_int32, [P, S]),
    "zk_exists": (c_int32, [P, S, POINTER(c_bool), POINTER(Stat)]),
    "zk_get": (c_int32, [P, S, POINTER(Buffer), POINTER(Stat)]),
    "zk_get_children": (c_int32, [P, S, POINTER(StringList), POINTER(Stat)]),
    "zk_set": (c_int32, [P, S, S, c_size_t, c_int32, POINTER(Stat)]),
    "zk_delete": (c_int32, [P, S, c_int32, c_bool]),
    "zk_sync": (c_int32, [P, S]),
    "zk_get_acl": (c_int32, [P, S, POINTER(AclList), POINTER(Stat)]),
    "zk_set_acl": (c_int32, [P, S, POINTER(Acl), c_size_t, c_int32, POINTER(Stat)]),
    "zk_digest_acl_id": (c_int32, [S, S, POINTER(c_void_p)]),
    "zk_server_version": (c_int32, [P, POINTER(c_uint32), POINTER(c_uint32),
                                    POINTER(c_uint32)]),
    # watches
    "zk_exists_watch": (c_int32, [P, S, WATCHER, c_void_p, FREE_FN, POINTER(c_bool),
                                  POINTER(Stat), POINTER(c_uint64)]),
    "zk_get_watch": (c_int32, [P, S, WATCHER, c_void_p, FREE_FN, POINTER(Buffer),
                               POINTER(Stat), POINTER(c_uint64)]),
    "zk_get_children_watch": (c_int32, [P, S, WATCHER, c_void_p, FREE_FN,
                                        POINTER(StringList), POINTER(Stat),
                                        POINTER(c_uint64)]),
    "zk_add_watch": (c_int32, [P, S, c_int32, WATCHER, c_void_p, FREE_FN, POINTER(c_uint64)]),
    "zk_remove_watch": (c_int32, [P, c_uint64]),
    "zk_data_watch_new": (c_int32, [P, S, DATA_WATCH_FN, c_void_p, FREE_FN, OUT_P]),
    "zk_data_watch_cancel": (c_int32, [P]),
    "zk_data_watch_free": (None, [P]),
    "zk_children_watch_new": (c_int32, [P, S, CHILDREN_WATCH_FN, c_void_p, FREE_FN, OUT_P]),
    "zk_children_watch_cancel": (c_int32, [P]),
    "zk_children_watch_free": (None, [P]),
    # transactions
    "zk_transaction_new": (c_int32, [P, OUT_P]),
    "zk_transaction_create": (c_int32, [P, S, S, c_size_t, POINTER(CreateOptions)]),
    "zk_transaction_delete": (c_int32, [P, S, c_int32]),
    "zk_transaction_set": (c_int32, [P, S, S, c_size_t, c_int32]),
    "zk_transaction_check": (c_int32, [P, S, c_int32]),
    "zk_transaction_commit": (c_int32, [P, POINTER(OpResults)]),
    "zk_transaction_free": (None, [P]),
    # recipes
    "zk_lock_options_init": (c_int32, [POINTER(LockOptions), c_uint32]),
    "zk_lock_new_with_options": (c_int32, [P, S, S, c_size_t, POINTER(LockOptions),
                                           LOCK_STATE_FN, c_void_p, FREE_FN, OUT_P]),
    "zk_lock_acquire": (c_int32, [P, c_int64, POINTER(c_bool)]),
    "zk_lock_try_acquire": (c_int32, [P, POINTER(c_bool)]),
    "zk_lock_release": (c_int32, [P]),
    "zk_lock_cancel": (c_int32, [P]),
    "zk_lock_contenders": (c_int32, [P, POINTER(StringList)]),
    "zk_lock_fencing_token": (c_int32, [P, POINTER(c_int64)]),
    "zk_lock_is_acquired": (c_bool, [P]),
    "zk_lock_free": (None, [P]),
    "zk_election_new_with_listener": (c_int32, [P, S, S, c_size_t, LOCK_STATE_FN, c_void_p,
                                                FREE_FN, OUT_P]),
    "zk_election_is_leader": (c_bool, [P]),
    "zk_election_run": (c_int32, [P, LEADER_FN, c_void_p]),
    "zk_election_cancel": (c_int32, [P]),
    "zk_election_contenders": (c_int32, [P, POINTER(StringList)]),
    "zk_election_free": (None, [P]),
    "zk_counter_new": (c_int32, [P, S, c_int64, OUT_P]),
    "zk_counter_new_int32": (c_int32, [P, S, c_int64, OUT_P]),
    "zk_counter_new_int64": (c_int32, [P, S, c_int64, OUT_P]),
    "zk_counter_value": (c_int32, [P, POINTER(c_int64)]),
    "zk_counter_add": (c_int32, [P, c_int64, POINTER(c_int64)]),
    "zk_counter_free": (None, [P]),
}

_lib = None
_load_lock = threading.Lock()


def _candidates():
    explicit = os.environ.get(ENV_VAR)
    if explicit:
        # A path (relative ones are taken from the current directory, as dlopen would).
        return [os.path.abspath(explicit) if os.sep in explicit else explicit], True
    found = ctypes.util.find_library("zkclient")
    names = [found] if found else []
    return names + ["libzkclient.so.0", "libzkclient.so"], False


def lib():
    """The loaded library (loaded on first use, once per process)."""
    global _lib
    if _lib is not None:
        return _lib
    with _load_lock:
        if _lib is not None:
            return _lib
        names, explicit = _candidates()
        errors = []
        loaded = None
        for name in names:
            try:
                loaded = ctypes.CDLL(name)
                break
            except OSError as error:
                errors.append("%s: %s" % (name, error))
        if loaded is None:
            where = ("%s=%s" % (ENV_VAR, os.environ.get(ENV_VAR)) if explicit else
                     "set %s to the path of libzkclient.so, or install it where the "
                     "dynamic loader finds it" % ENV_VAR)
            raise ImportError("zkclient: cannot load libzkclient (%s): %s"
                              % (where, "; ".join(errors)))
        missing = []
        for name, (restype, argtypes) in SIGNATURES.items():
            try:
                function = getattr(loaded, name)
            except AttributeError:
                missing.append(name)
                continue
            function.restype, function.argtypes = restype, argtypes
        version = loaded.zk_version().decode()
        major, minor = (int(part) for part in version.split(".")[:2])
        if missing or major != 0 or minor < 1:
            raise ImportError("zkclient: %s is version %s, this package needs 0.x from 0.1 "
                              "on%s" % (getattr(loaded, "_name", "the library"), version,
                                        (" (missing: %s)" % ", ".join(missing))
                                        if missing else ""))
        _lib = loaded
        return _lib


def last_error_message():
    """This thread's last error message from the library (read right after the failure)."""
    text = lib().zk_last_error_message()
    return text.decode("utf-8", "replace") if text else ""


def check(rc):
    """Raises the exception for a `zk_error` that is not ZK_OK."""
    if rc != 0:
        from .exceptions import error_for_code
        raise error_for_code(rc, last_error_message())


# ---- Callbacks -------------------------------------------------------------------------
#
# C keeps a `void *user_data` per registration and calls a function pointer with it. Every
# registration here passes one of the module-level trampolines below (created once, alive for
# the life of the process, so C can never call a freed ctypes thunk) and, as user_data, a
# token: a key of `_registry`, which holds the Python object the callback is for. The C API
# calls `free_user_data` exactly once when a registration ends (the watch fired, the listener
# or handle was freed, or the registering call failed); `_free_token` then drops the entry,
# and with it the last reference C needed.

_registry = {}
_tokens = itertools.count(1)


def register(obj):
    """Keeps `obj` alive until C releases the token; returns the token (the user_data)."""
    token = next(_tokens)
    _registry[token] = obj
    return token


def registered(token):
    return _registry.get(token)


def _free_token(user_data):
    _registry.pop(user_data, None)


free_token = FREE_FN(_free_token)


_callback_local = threading.local()


class callback_scope:
    """Marks the calling thread as running a user callback of the library (a dispatcher
    thread), so that `Client.close()` there does not wait for calls that may need the
    dispatcher to go on."""

    def __enter__(self):
        _callback_local.depth = getattr(_callback_local, "depth", 0) + 1

    def __exit__(self, *exc):
        _callback_local.depth -= 1
        return False


def in_callback():
    return getattr(_callback_local, "depth", 0) > 0


def report_callback_error(what):
    """Logs the exception a user callback raised (C cannot take it)."""
    log.exception("zkclient: exception in %s", what)


def read_stat(stat_ptr):
    """A ZnodeStat from a `const zk_stat *` (None for NULL)."""
    from .states import ZnodeStat
    if not stat_ptr:
        return None
    return ZnodeStat.from_c(stat_ptr.contents)


def read_string_list(string_list):
    """A list of str from a `zk_string_list` (not freed here)."""
    return [string_list.items[i].decode("utf-8", "replace") for i in range(string_list.count)]


def take_string_list(string_list):
    """A list of str from a `zk_string_list` the caller owns, which is freed."""
    try:
        return read_string_list(string_list)
    finally:
        lib().zk_string_list_free(ctypes.byref(string_list))


def take_buffer(buffer):
    """The bytes of a `zk_buffer` the caller owns, which is freed."""
    try:
        return ctypes.string_at(buffer.data, buffer.len) if buffer.len else b""
    finally:
        lib().zk_buffer_free(ctypes.byref(buffer))


def take_string(pointer):
    """A str from a `char *` the caller owns, which is freed."""
    if not pointer.value:
        return None
    try:
        return ctypes.string_at(pointer.value).decode("utf-8", "replace")
    finally:
        lib().zk_string_free(pointer)
