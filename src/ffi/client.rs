//! Options, the client handle, its lifecycle, session information and state listeners.

use std::ffi::{c_char, c_void};
use std::time::Duration;

use super::types::{acl_arg, zk_acl, zk_free_fn, zk_keeper_state, zk_state};
use super::{
    bytes_arg, free_handle, guard, guard_value, into_handle, new_handle, required, required_fn,
    required_mut, required_out, required_str, take_handle, write_optional, zk_error, UserData,
};
use crate::client::{Client, ClientOptions, ListenerId, State};
use crate::error::Error;
use crate::proto::KeeperState;
use crate::runtime::Wait;

/// Settings for a new client. Create with `zk_options_new()`, adjust with the
/// `zk_options_set_*` functions, pass to `zk_client_new()` (which copies it), and release with
/// `zk_options_free()`. Not thread-safe: one thread at a time may use one options object.
pub struct zk_options {
    pub(crate) options: ClientOptions,
}

/// A ZooKeeper client: one session, reconnected across the servers of its connect string.
/// Thread-safe: any thread may call any function on it at the same time, including from
/// inside the client's own callbacks. Create with `zk_client_new()`, release with
/// `zk_client_free()`.
pub struct zk_client {
    pub(crate) client: Client,
}

/// A connection-state listener. `state` is kazoo's view (LOST / SUSPENDED / CONNECTED) and
/// `keeper_state` the raw ZooKeeper state; the listener is called on every change of the
/// keeper state, so `state` may repeat (for example EXPIRED then CLOSED are both LOST).
///
/// Runs on one of the library's dispatcher threads, never on a network thread: the listeners
/// and callbacks of one client run one at a time, in the order the events happened. It may
/// call any zkclient function, blocking ones included; blocking delays only this client's
/// later callbacks.
pub type zk_state_listener = Option<
    unsafe extern "C" fn(state: zk_state, keeper_state: zk_keeper_state, user_data: *mut c_void),
>;

/// Sets how many threads run the network side of every session in this process: 1 (the
/// default) to 64; a thousand sessions still need only these. Call it before the first
/// `zk_client_new()` of the process; afterwards, or with a number out of range, it fails with
/// `ZK_EINVAL` and changes nothing. A child of `fork()` may call it before its own first
/// client. Any thread.
#[no_mangle]
pub extern "C" fn zk_set_io_threads(threads: usize) -> zk_error {
    guard(|| crate::runtime::set_worker_threads(threads))
}

/// The library's version, `"MAJOR.MINOR.PATCH"` (the same as `ZKCLIENT_VERSION`). Static.
#[no_mangle]
pub extern "C" fn zk_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// New options with the defaults: 10 s session timeout, hosts shuffled, a new session,
/// read-write servers only, replies up to 16 MiB. Release with `zk_options_free()`. Returns
/// NULL only on an internal error (`zk_last_error_message()` says which); running out of
/// memory aborts the process.
#[no_mangle]
pub extern "C" fn zk_options_new() -> *mut zk_options {
    guard_value(std::ptr::null_mut(), || {
        into_handle(zk_options {
            options: ClientOptions::default(),
        })
    })
}

/// Releases options. NULL is fine.
///
/// # Safety
/// `options` is NULL or came from `zk_options_new()` and was not freed before.
#[no_mangle]
pub unsafe extern "C" fn zk_options_free(options: *mut zk_options) {
    guard_value((), || {
        // SAFETY: NULL or a handle from its constructor, not freed before, per the contract.
        unsafe { free_handle(options) };
    })
}

/// # Safety
/// `options` is NULL or a live options object.
unsafe fn options_mut<'a>(options: *mut zk_options) -> crate::Result<&'a mut ClientOptions> {
    // SAFETY: NULL or valid per the contract.
    unsafe { required_mut(options, "options") }.map(|o| &mut o.options)
}

/// Applies `change` to the options only if they pass [`ClientOptions::validate`] afterwards:
/// a setter refuses a value at once, and leaves the options as they were.
///
/// # Safety
/// `options` is NULL or a live options object.
pub(crate) unsafe fn change_options(
    options: *mut zk_options,
    change: impl FnOnce(&mut ClientOptions),
) -> crate::Result<()> {
    // SAFETY: per the contract.
    let options = unsafe { options_mut(options) }?;
    let mut changed = options.clone();
    change(&mut changed);
    changed.validate()?;
    *options = changed;
    Ok(())
}

/// Sets the session timeout to ask for, in milliseconds (the server clamps it to between 2 and
/// 20 times its tickTime). 0 is `ZK_EINVAL`.
///
/// # Safety
/// `options` is NULL or a live options object.
#[no_mangle]
pub unsafe extern "C" fn zk_options_set_session_timeout(
    options: *mut zk_options,
    timeout_ms: u32,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        unsafe {
            change_options(options, |options| {
                options.session_timeout = Duration::from_millis(timeout_ms.into());
            })
        }
    })
}

/// Whether to shuffle the servers of the connect string before trying them (default true).
///
/// # Safety
/// `options` is NULL or a live options object.
#[no_mangle]
pub unsafe extern "C" fn zk_options_set_randomize_hosts(
    options: *mut zk_options,
    randomize: bool,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        unsafe { options_mut(options) }?.randomize_hosts = randomize;
        Ok(())
    })
}

/// Resume an existing session (from `zk_client_session()` of another client) instead of
/// creating one. `password` is borrowed for the call and must be 16 bytes.
///
/// # Safety
/// `options` is NULL or a live options object; `password` is NULL or `password_len` readable
/// bytes.
#[no_mangle]
pub unsafe extern "C" fn zk_options_set_session(
    options: *mut zk_options,
    session_id: i64,
    password: *const u8,
    password_len: usize,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let options = unsafe { options_mut(options) }?;
        // SAFETY: per the contract.
        let password = unsafe { bytes_arg(password, password_len, "password") }?;
        options.resume_session(session_id, password)
    })
}

/// Whether a read-only server (one cut off from its quorum) is acceptable (default false).
///
/// # Safety
/// `options` is NULL or a live options object.
#[no_mangle]
pub unsafe extern "C" fn zk_options_set_read_only(
    options: *mut zk_options,
    allow: bool,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        unsafe { options_mut(options) }?.can_be_read_only = allow;
        Ok(())
    })
}

/// Whether this client's callbacks (completions, watches, state listeners) run on the network
/// thread, right as the replies are read, instead of on a dispatcher thread (default false).
/// It saves a thread hand-off and a wake-up per burst of replies: for pipelined requests whose
/// completions only record a result or submit more requests. In exchange every callback must
/// be short and must not block: a blocking call of any client inside one returns
/// `ZK_EAPIERROR` at once (asynchronous calls work), and a slow callback delays every session
/// on that network thread. Callbacks still run one at a time, in the order the server
/// answered. `zk_client_dispatch_fd()` is refused for such a client (`ZK_EINVAL`).
///
/// # Safety
/// `options` is NULL or a live options object.
#[no_mangle]
pub unsafe extern "C" fn zk_options_set_inline_callbacks(
    options: *mut zk_options,
    inline: bool,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        unsafe { options_mut(options) }?.inline_callbacks = inline;
        Ok(())
    })
}

/// The largest reply accepted, in bytes (default 16 MiB). A larger reply fails its own
/// request with `ZK_EREPLYTOOLARGE` as soon as its length is read; the connection is then
/// reopened (the session is kept) and requests in flight with it fail with
/// `ZK_ECONNECTIONLOSS`. Below 1 KiB is `ZK_EINVAL`.
///
/// # Safety
/// `options` is NULL or a live options object.
#[no_mangle]
pub unsafe extern "C" fn zk_options_set_max_reply_size(
    options: *mut zk_options,
    bytes: usize,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        unsafe { change_options(options, |options| options.max_reply_size = bytes) }
    })
}

/// Creates a client for `connect_string` (`"host1:2181,host2:2181,[::1]:2181/optional/chroot"`;
/// the port defaults to 2181). `options` may be NULL (defaults) and is copied: free it
/// whenever you like. Nothing connects until `zk_client_start()`. On success `*out_client`
/// owns a new client (release with `zk_client_free()`); on failure it is unchanged. The first
/// client of a process starts the library's network threads (see `zk_set_io_threads()`):
/// `ZK_ERUNTIME` when they cannot be started (out of threads or file descriptors).
///
/// Threads and `fork()`: a client may be used from any thread. It belongs to the process
/// that created it: in a child of `fork()`, every call on a client created before the fork
/// returns `ZK_EFORKED` at once (nothing is sent; the parent's session is untouched), and
/// `zk_client_free()` of it returns at once, sending and freeing nothing (its user-data
/// destructors do not run in the child). Recipe handles of such a client fail the same way.
/// The child creates its own clients, which work as in any process. Between `fork()` and
/// `exec()` only async-signal-safe functions are safe in a multi-threaded process: a child
/// that uses zkclient relies, as most programs do, on the C library's fork handlers.
///
/// # Safety
/// `connect_string` is NULL or a NUL-terminated string; `options` NULL or live; `out_client`
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_client_new(
    connect_string: *const c_char,
    options: *const zk_options,
    out_client: *mut *mut zk_client,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let connect_string = unsafe { required_str(connect_string, "connect_string") }?;
        let out_client = required_out(out_client, "out_client")?;
        // SAFETY: per the contract.
        let options = unsafe { options.as_ref() }
            .map(|o| o.options.clone())
            .unwrap_or_default();
        let client = Client::new(connect_string, options)?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { new_handle(out_client, zk_client { client }) };
        Ok(())
    })
}

/// # Safety
/// `client` is NULL or a live client.
pub(crate) unsafe fn client_arg<'a>(client: *const zk_client) -> crate::Result<&'a Client> {
    // SAFETY: per the contract.
    let client = unsafe { required(client, "client") }.map(|c| &c.client)?;
    // Before anything that could wait on a lock held by a thread lost in a fork().
    client.check_process()?;
    Ok(client)
}

/// Starts the session and waits up to `timeout_ms` for CONNECTED. On `ZK_ETIMEOUT` no server
/// gave a session in time and the client is stopped again (call again to retry). On
/// `ZK_ESESSIONEXPIRED` the session to resume (`zk_options_set_session()`) no longer exists
/// on the server, and on `ZK_EAUTHFAILED` a credential was refused: the client is stopped
/// and the last-error message says which session or scheme (never the credential). Starting a
/// started client waits for CONNECTED again; after `zk_client_stop()` it opens a new session.
///
/// # Safety
/// `client` is NULL or a live client.
#[no_mangle]
pub unsafe extern "C" fn zk_client_start(client: *mut zk_client, timeout_ms: u32) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        unsafe { client_arg(client) }?.start(Duration::from_millis(timeout_ms.into()))
    })
}

/// Closes the session: the server deletes its ephemeral nodes at once; listeners have seen
/// LOST when it returns (unless called from inside one of this client's callbacks);
/// requests in flight fail with `ZK_ECONNECTIONLOSS`, later ones with `ZK_ECLOSED`. Blocks
/// until the server confirmed (bounded by the session timeout). Calling it twice is fine.
///
/// # Safety
/// `client` is NULL or a live client.
#[no_mangle]
pub unsafe extern "C" fn zk_client_stop(client: *mut zk_client) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        unsafe { client_arg(client) }?.stop()
    })
}

/// Stops the client (as `zk_client_stop()`), removes its listeners (running their user-data
/// destructors) and releases it. NULL is fine. Do not use `client` afterwards, and do not free
/// it while another thread still calls it. In a child of `fork()`, for a client the parent
/// created, it returns at once: nothing is sent (the parent's session stays open), nothing
/// is freed and no destructor runs (see `zk_client_new()`).
///
/// # Safety
/// `client` is NULL or came from `zk_client_new()` and was not freed before.
#[no_mangle]
pub unsafe extern "C" fn zk_client_free(client: *mut zk_client) {
    guard_value((), || {
        // SAFETY: NULL or from zk_client_new(), not freed before, per the contract.
        let Some(client) = (unsafe { take_handle(client) }) else {
            return;
        };
        if client.client.is_inherited() {
            // Dropping an inherited client frees nothing (see `Client`).
            return;
        }
        let _ = client.client.stop();
        client.client.clear_listeners();
    })
}

/// The connection state now: kazoo's view in `*out_state`, the raw keeper state in
/// `*out_keeper_state` (either may be NULL).
///
/// # Safety
/// `client` is NULL or a live client; the outputs NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_client_state(
    client: *const zk_client,
    out_state: *mut zk_state,
    out_keeper_state: *mut zk_keeper_state,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let keeper = unsafe { client_arg(client) }?.keeper_state();
        // SAFETY: NULL or writable per the contract.
        unsafe {
            write_optional(out_state, State::from_keeper(keeper).into());
            write_optional(out_keeper_state, keeper.into());
        }
        Ok(())
    })
}

/// The current session: its id, its 16-byte password (written to `out_password`, which must
/// have room for 16 bytes) and the timeout the server granted, in milliseconds. Pass them to
/// `zk_options_set_session()` to resume the session from another client or process. Any
/// output may be NULL. Before the first session the id is 0.
///
/// # Safety
/// `client` is NULL or a live client; `out_password` NULL or 16 writable bytes; the others
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_client_session(
    client: *const zk_client,
    out_session_id: *mut i64,
    out_password: *mut u8,
    out_timeout_ms: *mut u32,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let info = unsafe { client_arg(client) }?.session_info();
        let mut password = [0u8; 16];
        let n = info.password.len().min(16);
        password[..n].copy_from_slice(&info.password.expose()[..n]);
        // SAFETY: NULL or writable per the contract.
        unsafe {
            write_optional(out_session_id, info.session_id);
            write_optional(out_password.cast::<[u8; 16]>(), password);
            write_optional(
                out_timeout_ms,
                info.negotiated_timeout.as_millis().min(u32::MAX as u128) as u32,
            );
        }
        Ok(())
    })
}

/// Adds a connection-state listener (see `zk_state_listener` for where and how it runs). On
/// success `*out_id` (if not NULL) identifies it for `zk_client_remove_listener()`.
///
/// `user_data` belongs to the library from this call on: `free_user_data` (if not NULL) is
/// called with it exactly once: when the listener is removed, when the client is freed, or at
/// once if the call fails.
///
/// # Safety
/// `client` is NULL or a live client; `out_id` NULL or writable; `user_data` is passed back
/// untouched, from other threads.
#[no_mangle]
pub unsafe extern "C" fn zk_client_add_listener(
    client: *mut zk_client,
    listener: zk_state_listener,
    user_data: *mut c_void,
    free_user_data: zk_free_fn,
    out_id: *mut u64,
) -> zk_error {
    guard(|| {
        let user_data = UserData::new(user_data, free_user_data);
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        let listener = required_fn(listener, "listener")?;
        let id = client.add_listener(move |state: State, keeper: KeeperState| {
            // SAFETY: the caller registered this function for this user data.
            unsafe { listener(state.into(), keeper.into(), user_data.ptr()) }
        });
        // SAFETY: NULL or writable per the contract.
        unsafe { write_optional(out_id, id.0) };
        Ok(())
    })
}

/// Removes a listener. A call of it already under way on another thread finishes; none starts
/// afterwards. Its user-data destructor runs once that call (if any) has returned. An unknown
/// id is `ZK_EINVAL`.
///
/// # Safety
/// `client` is NULL or a live client.
#[no_mangle]
pub unsafe extern "C" fn zk_client_remove_listener(
    client: *mut zk_client,
    listener_id: u64,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        if client.remove_listener(ListenerId(listener_id)) {
            Ok(())
        } else {
            Err(Error::InvalidArgument(format!(
                "no listener with id {listener_id}"
            )))
        }
    })
}

/// Hands this client's callbacks to the application's own event loop (libuv, epoll, Go,
/// Ruby): instead of running on a library thread, listeners, watchers and watch recipes wait
/// until the application calls `zk_client_dispatch()`, and `*out_fd` is readable while any
/// wait (poll it for reading; do not read from it, close it or change its flags). The
/// descriptor belongs to the client and is closed by `zk_client_free()`; calling this again
/// returns the same one. Call it before `zk_client_start()` so that every callback goes this
/// way. Blocking calls still work from any thread, and `zk_client_stop()` /
/// `zk_client_free()` run the callbacks still waiting on the calling thread.
///
/// # Safety
/// `client` NULL or live; `out_fd` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_client_dispatch_fd(
    client: *mut zk_client,
    out_fd: *mut i32,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        let out_fd = required_out(out_fd, "out_fd")?;
        let fd = client.enable_manual_dispatch()?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out_fd.write(fd) };
        Ok(())
    })
}

/// Runs every callback of this client that is waiting (see `zk_client_dispatch_fd()`) on the
/// calling thread, one at a time, in order; `*out_ran` (if not NULL) receives how many ran.
/// Returns at once with 0 ran when another thread is dispatching this client. Callbacks run
/// this way may call any zkclient function, blocking ones included. `ZK_EINVAL` when the
/// client is not in this mode.
///
/// # Safety
/// `client` NULL or live; `out_ran` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_client_dispatch(
    client: *mut zk_client,
    out_ran: *mut usize,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let ran = unsafe { client_arg(client) }?.dispatch_pending()?;
        // SAFETY: NULL or writable per the contract.
        unsafe { write_optional(out_ran, ran) };
        Ok(())
    })
}

/// Adds a credential sent on every connection before CONNECTED is announced (kazoo's
/// `auth_data`): `scheme` (`"digest"`, ...) and `credential_len` bytes of `credential`
/// (`"user:password"` for digest), both copied. A credential the server refuses makes
/// `zk_client_start()` fail with `ZK_EAUTHFAILED`. One whose auth packet would be over the
/// request limit (1 MiB - 1, the server's default `jute.maxbuffer`: the server would close
/// every connection it is sent on) is refused with `ZK_ETOOLARGE` and not stored.
///
/// # Safety
/// `options` NULL or live; `scheme` NULL or a string; `credential` readable for
/// `credential_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn zk_options_add_auth(
    options: *mut zk_options,
    scheme: *const c_char,
    credential: *const u8,
    credential_len: usize,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let options = unsafe { options_mut(options) }?;
        // SAFETY: per the contract.
        let scheme = unsafe { required_str(scheme, "scheme") }?;
        // SAFETY: per the contract.
        let credential = unsafe { bytes_arg(credential, credential_len, "credential") }?;
        options.add_auth(scheme, credential)
    })
}

/// Sets the ACL of nodes created without one (default: open to everyone, `world:anyone` with
/// every permission). `acl` (`acl_count` entries) is copied; an empty list is `ZK_EINVAL`.
///
/// # Safety
/// `options` NULL or live; `acl` NULL or `acl_count` valid entries.
#[no_mangle]
pub unsafe extern "C" fn zk_options_set_default_acl(
    options: *mut zk_options,
    acl: *const zk_acl,
    acl_count: usize,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let acl = unsafe { acl_arg(acl, acl_count) }?.unwrap_or_default();
        // SAFETY: per the contract.
        unsafe { change_options(options, |options| options.default_acl = acl) }
    })
}

/// Adds a credential to the session now (kazoo's `add_auth`), and to every later connection,
/// where it is sent before CONNECTED is announced. Blocks until the server answered.
/// `ZK_EAUTHFAILED`: the server refused it, and the session is over for good (LOST), and
/// every later call returns `ZK_EAUTHFAILED` too, its message naming the scheme;
/// `ZK_ECONNECTIONLOSS`: not connected now, it will be sent on the next connection;
/// `ZK_ETOOLARGE`: over the request limit, refused at once and not stored.
///
/// # Safety
/// `client` NULL or live; `scheme` NULL or a string; `credential` readable for
/// `credential_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn zk_add_auth(
    client: *mut zk_client,
    scheme: *const c_char,
    credential: *const u8,
    credential_len: usize,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let scheme = unsafe { required_str(scheme, "scheme") }?;
        // SAFETY: per the contract.
        let credential = unsafe { bytes_arg(credential, credential_len, "credential") }?;
        client.add_auth(scheme, credential).wait()
    })
}

/// The server this client is connected to now, as `"host:port"` (`"[v6addr]:port"`), in
/// `*out_server`, owned by the caller (release with `zk_string_free()`).
/// `ZK_ECONNECTIONLOSS` while not connected; `*out_server` is then unchanged.
///
/// # Safety
/// `client` NULL or live; `out_server` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_client_server(
    client: *const zk_client,
    out_server: *mut *mut c_char,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let info = unsafe { client_arg(client) }?.session_info();
        let out_server = required_out(out_server, "out_server")?;
        let server = info
            .server
            .ok_or_else(crate::error::Error::connection_loss)?;
        let text = super::types::owned_c_string(server.to_string())?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out_server.write(text) };
        Ok(())
    })
}

/// Replaces the servers this client connects to (the C client's `zoo_set_servers()`):
/// `connect_string` is `"host1:2181,host2:2181"`; it may end with the client's own chroot,
/// and any other chroot is `ZK_EINVAL` (a client's chroot never changes). The session is kept.
/// So is the connection, unless its server is not in the new list, or the list grew and this
/// client is among those chosen at random (probability 1 - old/new) to move to an added
/// server, so that the sessions of many clients spread over the new list. A connection that
/// moves first waits for the answers to the requests sent on it, then reconnects: listeners
/// see SUSPENDED then CONNECTED, and requests made during the reconnection fail with
/// `ZK_ECONNECTIONLOSS`. On a stopped client the list is used by the next
/// `zk_client_start()`. Does not block: any thread, callbacks included. `connect_string` is
/// only read during the call.
///
/// # Safety
/// `client` NULL or live; `connect_string` NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn zk_client_update_hosts(
    client: *mut zk_client,
    connect_string: *const c_char,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let connect_string = unsafe { required_str(connect_string, "connect_string") }?;
        client.update_hosts(connect_string)
    })
}

/// How long a host name's addresses are reused once resolved, in milliseconds (default 0:
/// every name is resolved again before each connection attempt, so that a name whose address
/// changed reaches the new one; the C client's `zoo_set_servers_resolution_delay()`). Every
/// address of a name is tried in turn, and a name none of whose addresses took the connection
/// is resolved again at the next attempt, whatever the delay. IP addresses are never
/// resolved.
///
/// # Safety
/// `options` is NULL or a live options object.
#[no_mangle]
pub unsafe extern "C" fn zk_options_set_host_resolution_delay(
    options: *mut zk_options,
    delay_ms: u32,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        unsafe { options_mut(options) }?.host_resolution_delay =
            Duration::from_millis(delay_ms.into());
        Ok(())
    })
}

/// Whether the client follows the ensemble's own configuration (default false; Curator's
/// `EnsembleTracker`): it watches `/zookeeper/config` and, whenever a newer configuration is
/// committed (a reconfig), takes the members' client addresses (participants and observers)
/// as its host list, exactly as `zk_client_update_hosts()` does (the session is kept, and
/// sessions spread over servers that joined). The configuration is read again on every
/// connection, so a change made while disconnected is not missed. It names only plain client
/// ports: with TLS options set, `zk_client_new()` refuses it (`ZK_EINVAL`).
///
/// # Safety
/// `options` is NULL or a live options object.
#[no_mangle]
pub unsafe extern "C" fn zk_options_set_follow_ensemble_config(
    options: *mut zk_options,
    follow: bool,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        unsafe { options_mut(options) }?.follow_ensemble_config = follow;
        Ok(())
    })
}

/// The servers this client connects to now, as a connect string without the chroot
/// (`"host1:2181,host2:2181"`), in `*out_hosts`, owned by the caller (release with
/// `zk_string_free()`): those given to `zk_client_new()`, or to the last
/// `zk_client_update_hosts()`, or those of the ensemble's configuration when the client
/// follows it (`zk_options_set_follow_ensemble_config()`). Any thread.
///
/// # Safety
/// `client` NULL or live; `out_hosts` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_client_hosts(
    client: *const zk_client,
    out_hosts: *mut *mut c_char,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        let out_hosts = required_out(out_hosts, "out_hosts")?;
        client.check_process()?;
        let hosts: Vec<String> = client.hosts().iter().map(ToString::to_string).collect();
        let text = super::types::owned_c_string(hosts.join(","))?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out_hosts.write(text) };
        Ok(())
    })
}
