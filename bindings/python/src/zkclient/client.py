"""The client: one ZooKeeper session (kazoo's `KazooClient`)."""
from __future__ import annotations

import atexit
import ctypes
import logging
import threading
import weakref
from ctypes import byref, c_bool, c_int32, c_int64, c_uint32, c_uint64, c_void_p
from typing import Callable, List, Optional, Tuple, Union

from . import _args, _native, security
from .ensemble import EnsembleConfig, take_config
from ._handle import Handle
from ._native import (Buffer, CreateOptions, CREATE_OPTIONS_VERSION, OpResults, Stat,
                      StringList, callback_scope, check, free_token, in_callback, register,
                      registered, report_callback_error, take_buffer, take_string,
                      take_string_list)
from .exceptions import ConnectionClosedError, ForceRetryError, NodeExistsError, \
    ZookeeperError, error_for_code
from .states import AddWatchMode, State, WatchedEvent, ZnodeStat, keeper_state_name, \
    read_event, state_name

log = logging.getLogger("zkclient")

UINT32_MAX = 2**32 - 1

# ---- trampolines (module-level: alive as long as the process) --------------------------


def _on_state(state, keeper_state, user_data):
    ref = registered(user_data)
    client = ref() if ref is not None else None
    if client is not None:
        with callback_scope():
            client._state_changed(state, keeper_state)


def _on_watch(event_ptr, user_data):
    function = registered(user_data)
    if function is None:
        return
    try:
        with callback_scope():
            function(read_event(event_ptr))
    except BaseException:
        report_callback_error("watch function %r" % (function,))


def _on_retry(_client, user_data):
    attempt = registered(user_data)
    if attempt is None:
        return -1001
    return attempt.run()


_state_listener = _native.STATE_LISTENER(_on_state)
_watcher = _native.WATCHER(_on_watch)
_retry_fn = _native.RETRY_FN(_on_retry)


class _Attempt:
    """One `Client.retry` call: runs the function, keeps its result or exception, and tells
    the library the code to decide on."""

    def __init__(self, function, args, kwargs):
        self.function, self.args, self.kwargs = function, args, kwargs
        self.result = None
        self.error = None

    def run(self):
        self.error = None
        try:
            self.result = self.function(*self.args, **self.kwargs)
            return 0
        except ZookeeperError as error:
            self.error = error
            return error.code if error.code is not None else -1
        except BaseException as error:  # not the library's: not retried, raised by retry()
            self.error = error
            return 0


_live_clients = weakref.WeakSet()


@atexit.register
def _close_all():
    """Closes every client still open when the interpreter exits, so that no library thread
    calls into Python while it shuts down."""
    for client in list(_live_clients):
        try:
            client.close()
        except Exception:
            pass


def _hosts_arg(hosts):
    if isinstance(hosts, (list, tuple)):
        if not hosts or not all(isinstance(host, str) for host in hosts):
            raise TypeError("hosts must be a str or a non-empty list of 'host:port' strings")
        hosts = ",".join(hosts)
    return _args.text(hosts, "hosts")


def _watch_arg(watch):
    return None if watch is None else _args.callback(watch, "watch")


class Client:
    """A ZooKeeper client: one session, reconnected across the servers of `hosts`.

    `hosts` is a connect string (`"10.0.0.1:2181,10.0.0.2:2181/optional/chroot"`) or a list
    of `"host:port"` strings. `timeout` is the session timeout to ask for, in seconds.
    `client_id` a `(session_id, password)` pair to resume (from `Client.client_id`),
    `read_only` accepts read-only servers, `auth_data` a list of `(scheme, credential)` sent
    on every connection before CONNECTED, `default_acl` the ACL of nodes created without one,
    `command_retry` the `RetryPolicy` of `retry()`, `connection_retry` how reconnection backs
    off (default: forever). `follow_ensemble_config` makes the client follow the ensemble's
    own configuration: after every reconfig its host list becomes the members' client
    addresses (the session is kept; not with TLS). `host_resolution_delay` is how long, in
    seconds, a host name's resolved addresses are reused (default 0: resolved again before
    each connection attempt).

    Nothing connects until `start()`. Every method may be called from any thread, and from
    inside the client's own callbacks (listeners, watches), blocking ones included. Used as a
    context manager (`with Client(hosts) as zk:`), it is started on entry and closed on exit.
    """

    def __init__(self, hosts: Union[str, List[str]] = "127.0.0.1:2181", timeout: float = 10.0,
                 client_id: Optional[Tuple[int, bytes]] = None, read_only: bool = False,
                 randomize_hosts: bool = True, auth_data=None, default_acl=None,
                 command_retry=None, connection_retry=None,
                 follow_ensemble_config: bool = False,
                 host_resolution_delay: Optional[float] = None):
        self._handle = None
        self._lib = lib = _native.lib()
        connect = _hosts_arg(hosts)
        self._connect = connect.decode()
        timeout_ms = _args.seconds_to_ms(timeout, "timeout", UINT32_MAX)
        self._listeners: List[Callable[[str], Optional[bool]]] = []
        self._listeners_lock = threading.Lock()
        self._last_state = State.LOST
        self._recipes = weakref.WeakSet()   # recipe handles to free before the client
        self._reap = []                     # stopped watch handles to free later
        self._reap_lock = threading.Lock()

        options = lib.zk_options_new()
        if not options:
            check(-1007)
        try:
            check(lib.zk_options_set_session_timeout(options, timeout_ms))
            check(lib.zk_options_set_randomize_hosts(options, _args.boolean(
                randomize_hosts, "randomize_hosts")))
            check(lib.zk_options_set_read_only(options, _args.boolean(read_only, "read_only")))
            if client_id is not None:
                try:
                    session_id, password = client_id
                except (TypeError, ValueError):
                    raise TypeError("client_id must be a (session_id, password) pair") from None
                session_id = _args.integer(session_id, "client_id[0]", -2**63, 2**63 - 1)
                password = _args.data(password, "client_id[1]")
                check(lib.zk_options_set_session(options, session_id, password, len(password)))
            check(lib.zk_options_set_follow_ensemble_config(options, _args.boolean(
                follow_ensemble_config, "follow_ensemble_config")))
            if host_resolution_delay is not None:
                check(lib.zk_options_set_host_resolution_delay(options, _args.seconds_to_ms(
                    host_resolution_delay, "host_resolution_delay", UINT32_MAX)))
            for entry in auth_data or ():
                try:
                    scheme, credential = entry
                except (TypeError, ValueError):
                    raise TypeError("auth_data must be a list of (scheme, credential) "
                                    "pairs") from None
                credential = _credential_arg(credential)
                check(lib.zk_options_add_auth(options, _args.text(scheme, "scheme"),
                                              credential, len(credential)))
            if default_acl is not None:
                acl = security.to_c(default_acl, "default_acl")
                check(lib.zk_options_set_default_acl(options, acl, len(acl)))
            for name, policy in (("command_retry", command_retry),
                                 ("connection_retry", connection_retry)):
                if policy is not None:
                    policy = _retry_arg(policy, name)
                    setter = getattr(lib, "zk_options_set_" + name)
                    check(setter(options, byref(policy)))
            pointer = c_void_p()
            check(lib.zk_client_new(connect, options, byref(pointer)))
        finally:
            lib.zk_options_free(options)
        self._handle = Handle(pointer.value, "the client")
        _live_clients.add(self)
        # One C listener per client, holding only a weak reference: an unreferenced client
        # can still be garbage-collected (and is closed then).
        token = register(weakref.ref(self))
        check(lib.zk_client_add_listener(self._handle.pointer, _state_listener, token,
                                         free_token, None))

    # ---- lifecycle -----------------------------------------------------------------------

    def start(self, timeout: float = 15.0) -> None:
        """Starts the session and waits up to `timeout` seconds for CONNECTED (kazoo's
        `start`). Raises ZkTimeoutError (a TimeoutError) when no server gave a session in
        time; the client is stopped again and may be started again. After `stop()` it opens a
        new session."""
        timeout_ms = _args.seconds_to_ms(timeout, "timeout", UINT32_MAX)
        with self._handle as zk:
            check(self._lib.zk_client_start(zk, timeout_ms))

    def stop(self) -> None:
        """Closes the session: the server deletes its ephemeral nodes at once; listeners have
        seen LOST when it returns (unless called from one of this client's callbacks). The
        client may be started again. Stopping a closed client does nothing."""
        handle = self._handle
        if handle is None or handle.closed:
            return
        try:
            with handle as zk:
                check(self._lib.zk_client_stop(zk))
        except ConnectionClosedError:
            pass

    def restart(self) -> None:
        """Stops the session and starts a new one (kazoo's `restart`)."""
        self.stop()
        self.start()

    def close(self) -> None:
        """Stops the session (if started) and frees the client and every recipe handle made
        from it (locks, watches, elections, counters). Later calls raise
        ConnectionClosedError. Calling it again does nothing; calls in flight on other
        threads finish first (they fail fast: the session is stopped)."""
        handle = self._handle
        if handle is None or not handle.begin_close():
            return
        recipes = list(self._recipes)
        for recipe in recipes:      # wake blocking waits (lock acquire, election run)
            recipe._cancel_for_close()
        self._lib.zk_client_stop(handle.pointer)
        if in_callback():
            # On the dispatcher thread: a call in flight on another thread (a stop waiting
            # for the listeners to hear LOST) may need this thread to return first. The rest
            # is done on a thread of its own (not a daemon: Python waits for it at exit).
            threading.Thread(target=self._free, args=(recipes,), name="zkclient-close").start()
        else:
            self._free(recipes)

    def _free(self, recipes):
        for recipe in recipes:
            recipe.close()
        self._reap_watches()
        pointer = self._handle.wait_idle()
        self._lib.zk_client_free(pointer)   # runs the remaining user-data destructors
        _live_clients.discard(self)

    def __enter__(self) -> "Client":
        if self.state != State.CONNECTED:
            self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self):
        return "<zkclient.Client %s %s>" % (self._connect, self.state if self._handle else "?")

    # ---- state ---------------------------------------------------------------------------

    def _state_now(self):
        handle = self._handle
        if handle is None or handle.closed:
            return 0, 7
        state, keeper = c_int32(), c_int32()
        try:
            with handle as zk:
                check(self._lib.zk_client_state(zk, byref(state), byref(keeper)))
        except ConnectionClosedError:
            return 0, 7
        return state.value, keeper.value

    @property
    def state(self) -> str:
        """The connection state now: State.CONNECTED, SUSPENDED or LOST (closed: LOST)."""
        return state_name(self._state_now()[0])

    @property
    def client_state(self) -> str:
        """ZooKeeper's raw connection state now (a KeeperState)."""
        return keeper_state_name(self._state_now()[1])

    @property
    def connected(self) -> bool:
        return self.state == State.CONNECTED

    @property
    def closed(self) -> bool:
        return self._handle is None or self._handle.closed

    @property
    def client_id(self) -> Optional[Tuple[int, bytes]]:
        """The session as `(session_id, password)`, to resume it with `Client(client_id=)`;
        None before the first session."""
        session_id, password = c_int64(), (ctypes.c_uint8 * 16)()
        with self._handle as zk:
            check(self._lib.zk_client_session(zk, byref(session_id), password, None))
        return (session_id.value, bytes(password)) if session_id.value else None

    @property
    def server(self) -> str:
        """The server connected to now, `"host:port"` (ConnectionLoss while not connected)."""
        out = c_void_p()
        with self._handle as zk:
            check(self._lib.zk_client_server(zk, byref(out)))
        return take_string(out)

    @property
    def hosts(self) -> str:
        """The servers the client connects to now, a connect string without the chroot
        (`"h1:2181,h2:2181"`): those given, or to the last `set_hosts`, or the ensemble's
        members when it follows the configuration (`follow_ensemble_config`)."""
        out = c_void_p()
        with self._handle as zk:
            check(self._lib.zk_client_hosts(zk, byref(out)))
        return take_string(out) or ""

    def set_hosts(self, hosts: Union[str, List[str]]) -> None:
        """Replaces the servers the client connects to (kazoo's `set_hosts`): a connect string
        or a list of `"host:port"`. It may end with the client's own chroot (the chroot never
        changes: another one raises InvalidArgumentError, a ValueError). The session is kept;
        the connection too, unless its server left the list or the client is picked to move
        to an added server (listeners then see SUSPENDED, then CONNECTED)."""
        connect = _hosts_arg(hosts)
        with self._handle as zk:
            check(self._lib.zk_client_update_hosts(zk, connect))

    def add_listener(self, listener: Callable[[str], Optional[bool]]) -> None:
        """Calls `listener(state)` on every change of the connection state (State.CONNECTED,
        SUSPENDED, LOST), on the client's dispatcher thread. A listener that returns True is
        removed (as in kazoo). It may call the client, blocking calls included."""
        _args.callback(listener, "listener")
        with self._listeners_lock:
            self._listeners.append(listener)

    def remove_listener(self, listener) -> None:
        with self._listeners_lock:
            try:
                self._listeners.remove(listener)
            except ValueError:
                pass

    def _state_changed(self, state, keeper_state):
        name = state_name(state)
        with self._listeners_lock:
            if name == self._last_state:
                return   # a new keeper state with the same kazoo state (EXPIRED, CLOSED)
            self._last_state = name
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                if listener(name) is True:
                    self.remove_listener(listener)
            except BaseException:
                report_callback_error("listener %r" % (listener,))

    # ---- operations ----------------------------------------------------------------------

    def _create_options(self, acl, ephemeral, sequence, makepath, container=False, ttl=None):
        options = CreateOptions()
        check(self._lib.zk_create_options_init(byref(options), CREATE_OPTIONS_VERSION))
        ephemeral = _args.boolean(ephemeral, "ephemeral")
        sequence = _args.boolean(sequence, "sequence")
        if container:
            if ephemeral or sequence or ttl is not None:
                raise ValueError("a container node cannot be ephemeral, sequential or have a "
                                 "ttl")
            options.mode = 4
        elif ttl is not None:
            if ephemeral:
                raise ValueError("an ephemeral node cannot have a ttl")
            options.mode = 6 if sequence else 5
            options.ttl_ms = _args.seconds_to_ms(ttl, "ttl", _args.INT64_MAX)
        else:
            options.mode = (1 if ephemeral else 0) | (2 if sequence else 0)
        options.makepath = _args.boolean(makepath, "makepath")
        keep = None
        if acl is not None:
            keep = security.to_c(acl)
            options.acl = ctypes.cast(keep, ctypes.POINTER(_native.Acl))
            options.acl_count = len(keep)
        return options, keep

    def create(self, path: str, value: bytes = b"", acl=None, ephemeral: bool = False,
               sequence: bool = False, makepath: bool = False, include_data: bool = False,
               container: bool = False, ttl: Optional[float] = None):
        """Creates a node holding `value` (bytes) and returns its path (with the sequence
        number for `sequence`, without the chroot), or `(path, ZnodeStat)` with
        `include_data`. `makepath` creates missing parents; `acl` a list of ACL entries;
        `container` makes a container node, `ttl` (seconds) a TTL node. Raises
        NodeExistsError, NoNodeError (no parent), NoChildrenForEphemeralsError, ..."""
        encoded = _args.path(path)
        value = _args.data(value)
        options, _keep = self._create_options(acl, ephemeral, sequence, makepath, container, ttl)
        out_path, stat = c_void_p(), Stat()
        with self._handle as zk:
            check(self._lib.zk_create(zk, encoded, value, len(value), byref(options),
                                      byref(out_path), byref(stat)))
        created = take_string(out_path)
        return (created, ZnodeStat.from_c(stat)) if include_data else created

    def ensure_path(self, path: str, acl=None) -> bool:
        """Creates `path` and any missing parents (empty, persistent); fine if it exists."""
        encoded = _args.path(path)
        if acl is not None:
            try:
                self.create(path, b"", acl=acl, makepath=True)
            except NodeExistsError:
                pass
            return True
        with self._handle as zk:
            check(self._lib.zk_ensure_path(zk, encoded))
        return True

    def exists(self, path: str, watch: Optional[Callable[[WatchedEvent], None]] = None
               ) -> Optional[ZnodeStat]:
        """The node's ZnodeStat, or None when it does not exist. `watch` (a one-shot watch
        function) is called once with a WatchedEvent when the node is created, deleted or its
        data changes (or with EventType.NONE if the session ends first)."""
        encoded = _args.path(path)
        watch = _watch_arg(watch)
        found, stat = c_bool(), Stat()
        with self._handle as zk:
            if watch is None:
                rc = self._lib.zk_exists(zk, encoded, byref(found), byref(stat))
            else:
                rc = self._lib.zk_exists_watch(zk, encoded, _watcher, register(watch),
                                               free_token, byref(found), byref(stat), None)
            check(rc)
        return ZnodeStat.from_c(stat) if found.value else None

    def get(self, path: str, watch: Optional[Callable[[WatchedEvent], None]] = None
            ) -> Tuple[bytes, ZnodeStat]:
        """The node's data (bytes) and ZnodeStat. Raises NoNodeError. `watch` is called once
        when the data changes or the node is deleted (no watch is set on NoNodeError)."""
        encoded = _args.path(path)
        watch = _watch_arg(watch)
        buffer, stat = Buffer(), Stat()
        with self._handle as zk:
            if watch is None:
                rc = self._lib.zk_get(zk, encoded, byref(buffer), byref(stat))
            else:
                rc = self._lib.zk_get_watch(zk, encoded, _watcher, register(watch), free_token,
                                            byref(buffer), byref(stat), None)
            check(rc)
        return take_buffer(buffer), ZnodeStat.from_c(stat)

    def get_children(self, path: str, watch: Optional[Callable[[WatchedEvent], None]] = None,
                     include_data: bool = False):
        """The names of the node's children, or `(names, ZnodeStat)` with `include_data`.
        Raises NoNodeError. `watch` is called once when the children change or the node is
        deleted."""
        encoded = _args.path(path)
        watch = _watch_arg(watch)
        children, stat = StringList(), Stat()
        with self._handle as zk:
            if watch is None:
                rc = self._lib.zk_get_children(zk, encoded, byref(children), byref(stat))
            else:
                rc = self._lib.zk_get_children_watch(zk, encoded, _watcher, register(watch),
                                                     free_token, byref(children), byref(stat),
                                                     None)
            check(rc)
        names = take_string_list(children)
        return (names, ZnodeStat.from_c(stat)) if include_data else names

    def add_watch(self, path: str, watch: Callable[[WatchedEvent], None],
                  mode: int = AddWatchMode.PERSISTENT) -> int:
        """Sets a persistent watch (ZooKeeper 3.6+): `watch` is called with a WatchedEvent for
        every change of the node (AddWatchMode.PERSISTENT) or of its whole subtree
        (PERSISTENT_RECURSIVE: creations, deletions, data changes) until `remove_watch`, and
        a last time with EventType.NONE if the session ends. It survives reconnects, but
        changes made while disconnected are not replayed. Returns the watch's id."""
        encoded = _args.path(path)
        watch = _args.callback(watch, "watch")
        mode = _args.integer(mode, "mode", AddWatchMode.PERSISTENT,
                             AddWatchMode.PERSISTENT_RECURSIVE)
        watch_id = c_uint64()
        with self._handle as zk:
            check(self._lib.zk_add_watch(zk, encoded, mode, _watcher, register(watch),
                                         free_token, byref(watch_id)))
        return watch_id.value

    def remove_watch(self, watch_id: int) -> None:
        """Removes a watch by the id `add_watch` returned; NoWatcherError when it is not
        registered (removed already, or its session ended)."""
        watch_id = _args.integer(watch_id, "watch_id", 0, 2**64 - 1)
        with self._handle as zk:
            check(self._lib.zk_remove_watch(zk, watch_id))

    def set(self, path: str, value: bytes, version: int = -1) -> ZnodeStat:
        """Replaces the node's data with `value` if its version is `version` (-1: any);
        returns the new ZnodeStat. Raises NoNodeError, BadVersionError."""
        encoded = _args.path(path)
        value = _args.data(value)
        version = _args.version(version)
        stat = Stat()
        with self._handle as zk:
            check(self._lib.zk_set(zk, encoded, value, len(value), version, byref(stat)))
        return ZnodeStat.from_c(stat)

    def delete(self, path: str, version: int = -1, recursive: bool = False) -> bool:
        """Deletes the node if its version is `version` (-1: any); `recursive` deletes its
        subtree first. Raises NoNodeError, BadVersionError, NotEmptyError."""
        encoded = _args.path(path)
        version = _args.version(version)
        recursive = _args.boolean(recursive, "recursive")
        with self._handle as zk:
            check(self._lib.zk_delete(zk, encoded, version, recursive))
        return True

    def sync(self, path: str) -> str:
        """Waits until the server connected to has caught up with the leader on `path`."""
        encoded = _args.path(path)
        with self._handle as zk:
            check(self._lib.zk_sync(zk, encoded))
        return path

    def get_acl(self, path: str):
        """The node's ACL (a list of ACL entries) and its ZnodeStat (`aversion` is the ACL's
        version for `set_acl`)."""
        encoded = _args.path(path)
        acl, stat = _native.AclList(), Stat()
        with self._handle as zk:
            check(self._lib.zk_get_acl(zk, encoded, byref(acl), byref(stat)))
        try:
            return security.from_c(acl), ZnodeStat.from_c(stat)
        finally:
            self._lib.zk_acl_list_free(byref(acl))

    def set_acl(self, path: str, acls, version: int = -1) -> ZnodeStat:
        """Replaces the node's ACL if its ACL version is `version` (-1: any)."""
        encoded = _args.path(path)
        array = security.to_c(acls, "acls")
        version = _args.version(version)
        stat = Stat()
        with self._handle as zk:
            check(self._lib.zk_set_acl(zk, encoded, array, len(array), version, byref(stat)))
        return ZnodeStat.from_c(stat)

    def add_auth(self, scheme: str, credential) -> bool:
        """Adds a credential to the session now and to every later connection (kazoo's
        `add_auth`). Raises AuthFailedError when the server refuses it (the session is then
        over for good)."""
        encoded = _args.text(scheme, "scheme")
        credential = _credential_arg(credential)
        with self._handle as zk:
            check(self._lib.zk_add_auth(zk, encoded, credential, len(credential)))
        return True

    def server_version(self) -> Tuple[int, int, int]:
        """The version of the server connected to, e.g. (3, 8, 0)."""
        major, minor, patch = c_uint32(), c_uint32(), c_uint32()
        with self._handle as zk:
            check(self._lib.zk_server_version(zk, byref(major), byref(minor), byref(patch)))
        return major.value, minor.value, patch.value

    def get_config(self, watch: Optional[Callable[[WatchedEvent], None]] = None
                   ) -> EnsembleConfig:
        """The ensemble's configuration (`/zookeeper/config`, whatever the chroot), parsed: an
        EnsembleConfig with its `version`, `members`, raw `data` and `stat`. A standalone
        server without a dynamic configuration has none: no members, version 0. It is what
        the server connected to has seen (`sync("/")` first for the leader's latest).
        `watch` is called once with a WatchedEvent (path `"/zookeeper/config"`) when a
        reconfig is committed (or with EventType.NONE if the session ends first)."""
        watch = _watch_arg(watch)
        out = c_void_p()
        with self._handle as zk:
            if watch is None:
                rc = self._lib.zk_get_config(zk, byref(out))
            else:
                rc = self._lib.zk_get_config_watch(zk, _watcher, register(watch), free_token,
                                                   byref(out), None)
            check(rc)
        return take_config(out)

    def reconfig(self, joining=None, leaving=None, new_members=None, from_config: int = -1
                 ) -> EnsembleConfig:
        """Changes the ensemble's membership (kazoo's `reconfig`; ZooKeeper 3.5+ with
        reconfigEnabled, as the superuser or with WRITE on /zookeeper/config) and returns the
        new configuration. Incremental: `joining` adds servers (specs such as
        `"server.4=10.0.0.4:2888:3888:participant;10.0.0.4:2181"`, comma-separated or a
        list; `Member.spec` gives one), `leaving` removes servers by id (`"3,4"`, an int or a
        list). Or bulk: `new_members` (specs) replaces the whole membership. Only if the
        configuration's version is `from_config` (-1: any; `EnsembleConfig.version`).
        Raises BadVersionError (the configuration changed), NewConfigNoQuorumError,
        ReconfigInProcessError, NoAuthError, ReconfigDisabledError, BadArgumentsError (the
        server refused a spec), UnimplementedError (standalone server), and
        InvalidArgumentError (a ValueError: nothing to change, a malformed spec; nothing
        sent). After ConnectionLoss the change may or may not have happened."""
        from_config = _args.integer(from_config, "from_config", -1, _args.INT64_MAX)
        out = c_void_p()
        if new_members is not None:
            if joining or leaving:
                raise ValueError("new_members replaces the whole membership: give it alone, "
                                 "without joining or leaving")
            members = _specs_arg(new_members, "new_members")
            array = (ctypes.c_char_p * len(members))(*members)
            with self._handle as zk:
                check(self._lib.zk_reconfig_bulk(zk, array, len(members), from_config,
                                                 byref(out)))
        else:
            joiners = _specs_arg(joining, "joining")
            leavers = _ids_arg(leaving)
            joining_array = (ctypes.c_char_p * len(joiners))(*joiners)
            leaving_array = (c_uint64 * len(leavers))(*leavers)
            with self._handle as zk:
                check(self._lib.zk_reconfig_incremental(zk, joining_array, len(joiners),
                                                        leaving_array, len(leavers),
                                                        from_config, byref(out)))
        return take_config(out)

    def who_am_i(self) -> List[security.Id]:
        """The identities the server knows this session by (ZooKeeper 3.7+ whoAmI), as
        `Id(scheme, id)` pairs: `("ip", "127.0.0.1")` for every session, plus one per
        credential added (`("digest", "user")`, `("x509", "CN=...")`, `("sasl", ...)`)."""
        identities = _native.IdentityList()
        with self._handle as zk:
            check(self._lib.zk_who_am_i(zk, byref(identities)))
        try:
            return [security.Id(_decode(identities.items[i].scheme),
                                _decode(identities.items[i].id))
                    for i in range(identities.count)]
        finally:
            self._lib.zk_identity_list_free(byref(identities))

    whoami = who_am_i

    def retry(self, function, *args, **kwargs):
        """Calls `function(*args, **kwargs)` under the client's command retry policy (kazoo's
        `client.retry`): ConnectionLoss, OperationTimeoutError, ForceRetryError (raise it to
        ask for another attempt) and SessionExpiredError (unless the policy says otherwise)
        are retried with backoff; any other exception is raised at once. Returns the
        function's result; when the policy gives up, raises the last attempt's error."""
        _args.callback(function, "function")
        attempt = _Attempt(function, args, kwargs)
        token = register(attempt)
        try:
            with self._handle as zk:
                rc = self._lib.zk_retry(zk, None, _retry_fn, token)
                message = _native.last_error_message() if rc else ""
        finally:
            _native._registry.pop(token, None)
        if attempt.error is not None and (rc == 0 or rc == getattr(attempt.error, "code", None)
                                          or isinstance(attempt.error, ForceRetryError)):
            raise attempt.error
        if rc != 0:
            raise error_for_code(rc, message)
        return attempt.result

    def transaction(self) -> "Transaction":
        """A transaction (kazoo's `client.transaction()`): add operations, then `commit()`;
        as a context manager it commits on exit."""
        return Transaction(self)

    # ---- recipes (kazoo's names) ---------------------------------------------------------

    def Lock(self, path: str, identifier=None):
        from .recipe.lock import Lock
        return Lock(self, path, identifier)

    def ReadLock(self, path: str, identifier=None):
        from .recipe.lock import ReadLock
        return ReadLock(self, path, identifier)

    def WriteLock(self, path: str, identifier=None):
        from .recipe.lock import WriteLock
        return WriteLock(self, path, identifier)

    def Election(self, path: str, identifier=None):
        from .recipe.election import Election
        return Election(self, path, identifier)

    def Counter(self, path: str, default: int = 0, support_curator: bool = False):
        from .recipe.counter import Counter
        return Counter(self, path, default, support_curator)

    def DataWatch(self, path: str, func=None, *args, **kwargs):
        from .recipe.watchers import DataWatch
        return DataWatch(self, path, func, *args, **kwargs)

    def ChildrenWatch(self, path: str, func=None, *args, **kwargs):
        from .recipe.watchers import ChildrenWatch
        return ChildrenWatch(self, path, func, *args, **kwargs)

    # ---- recipe bookkeeping ----------------------------------------------------------------

    def _adopt(self, recipe):
        self._recipes.add(recipe)

    def _defer_free(self, recipe):
        """A watch that stopped inside its own callback, where it cannot be freed: freed at
        the next watch creation or at close."""
        with self._reap_lock:
            self._reap.append(recipe)

    def _reap_watches(self):
        with self._reap_lock:
            stopped, self._reap = self._reap, []
        for recipe in stopped:
            recipe.close()


def _credential_arg(credential):
    """A credential as bytes (passed with its length): str is taken as UTF-8. Errors never
    repeat it."""
    if isinstance(credential, str):
        try:
            return credential.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("credential is not valid Unicode") from None
    return _args.data(credential, "credential")


def _decode(value):
    return value.decode("utf-8", "replace") if value is not None else ""


def _specs_arg(specs, what):
    """Server specs: None (none), a comma-separated str or a list of str; as UTF-8."""
    if specs is None:
        return []
    if isinstance(specs, str):
        specs = [spec for spec in specs.split(",") if spec.strip()]
    elif not isinstance(specs, (list, tuple)):
        raise TypeError("%s must be a comma-separated str or a list of server specs, not %s"
                        % (what, type(specs).__name__))
    return [_args.text(spec, what).strip() for spec in specs]


def _ids_arg(ids):
    """Server ids: None, an int, a comma-separated str ("3,4") or a list of int."""
    if ids is None:
        return []
    if isinstance(ids, str):
        try:
            ids = [int(part) for part in ids.split(",") if part.strip()]
        except ValueError:
            raise ValueError("leaving must list server ids (\"3,4\"), not %r" % ids) from None
    elif isinstance(ids, int) and not isinstance(ids, bool):
        ids = [ids]
    elif not isinstance(ids, (list, tuple)):
        raise TypeError("leaving must be a server id, a comma-separated str or a list of ids, "
                        "not %s" % type(ids).__name__)
    return [_args.integer(server_id, "leaving", 0, 2**64 - 1) for server_id in ids]


def _retry_arg(policy, what):
    from .retry import RetryPolicy
    if isinstance(policy, dict):
        policy = RetryPolicy(**policy)
    if not isinstance(policy, RetryPolicy):
        raise TypeError("%s must be a RetryPolicy or a dict of its fields" % what)
    return policy.to_c()


KazooClient = Client


class Transaction:
    """A transaction (kazoo's `TransactionRequest`): writes applied atomically, all or none.
    `commit()` returns one result per operation: the created path for `create`, a ZnodeStat
    for `set_data`, True for `delete` and `check`; when the server refused the transaction,
    the failing operation's exception instance and RolledBackError for the others."""

    def __init__(self, client: Client):
        self.client = client
        self.committed = False
        pointer = c_void_p()
        with client._handle as zk:
            check(client._lib.zk_transaction_new(zk, byref(pointer)))
        self._handle = Handle(pointer.value, "the transaction")
        client._adopt(self)

    def _add(self, name, *args):
        if self.committed:
            raise ValueError("the transaction was committed already")
        with self.client._handle, self._handle as txn:
            check(getattr(self.client._lib, name)(txn, *args))

    def create(self, path: str, value: bytes = b"", acl=None, ephemeral: bool = False,
               sequence: bool = False, container: bool = False, ttl: Optional[float] = None):
        encoded = _args.path(path)
        value = _args.data(value)
        options, _keep = self.client._create_options(acl, ephemeral, sequence, False,
                                                     container, ttl)
        self._add("zk_transaction_create", encoded, value, len(value), byref(options))

    def delete(self, path: str, version: int = -1):
        self._add("zk_transaction_delete", _args.path(path), _args.version(version))

    def set_data(self, path: str, value: bytes, version: int = -1):
        value = _args.data(value)
        self._add("zk_transaction_set", _args.path(path), value, len(value),
                  _args.version(version))

    def check(self, path: str, version: int):
        self._add("zk_transaction_check", _args.path(path), _args.version(version))

    def commit(self) -> list:
        if self.committed:
            raise ValueError("the transaction was committed already")
        results = OpResults()
        with self.client._handle, self._handle as txn:
            rc = self.client._lib.zk_transaction_commit(txn, byref(results))
            message = _native.last_error_message() if rc else ""
        if rc != 0 and results.count == 0:
            raise error_for_code(rc, message)
        self.committed = True
        try:
            return [_op_result(results.items[i], refused=rc != 0) for i in range(results.count)]
        finally:
            self.client._lib.zk_op_results_free(byref(results))
            self.close()

    def close(self):
        handle = self._handle
        if handle is None or not handle.begin_close():
            return
        self.client._lib.zk_transaction_free(handle.wait_idle())

    def _cancel_for_close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc):
        if exc_type is None and not self.committed:
            self.commit()
        else:
            self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


def _op_result(result, refused):
    from .exceptions import RolledBackError
    if refused and result.rc in (0, RolledBackError.CODE):
        return RolledBackError("not applied: another operation of the transaction failed")
    if result.rc != 0:
        return error_for_code(result.rc)
    if result.op_type == 1:     # create
        return result.path.decode("utf-8", "replace") if result.path else None
    if result.op_type == 5:     # set
        return ZnodeStat.from_c(result.stat)
    return True                 # delete, check
