//! TreeCache from C.

use std::ffi::{c_char, c_void, CString};

use crate::error::Error;
use crate::ffi::client::{client_arg, zk_client};
use crate::ffi::types::{zk_buffer, zk_free_fn, zk_stat, zk_string_list};
use crate::ffi::{
    free_handle, guard, guard_value, new_handle, path_arg, required, required_fn, required_out,
    write_optional, write_optional_with, zk_error, UserData,
};
use crate::proto::ErrorCode;
use crate::recipe::tree_cache::{TreeCache, TreeCacheOptions, TreeEvent};

/// What a `zk_tree_event` reports (kazoo's `TreeEvent` types, plus failures).
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum zk_tree_event_type {
    /// A node appeared in the cache: `path`, `data`, `stat` are the node's.
    ZK_TREE_NODE_ADDED = 0,
    /// A cached node's data changed: `path`, `data`, `stat` are the new ones.
    ZK_TREE_NODE_UPDATED = 1,
    /// A cached node was deleted: `path`, `data`, `stat` are what the cache last held.
    /// Children are reported before their parent.
    ZK_TREE_NODE_REMOVED = 2,
    /// The connection was lost; the cache keeps its nodes and catches up on reconnection.
    ZK_TREE_CONNECTION_SUSPENDED = 3,
    /// Connected again (same session, or a new one after `ZK_TREE_CONNECTION_LOST`).
    ZK_TREE_CONNECTION_RECONNECTED = 4,
    /// The session ended; the tree is re-read once connected again, and
    /// `ZK_TREE_INITIALIZED` comes again.
    ZK_TREE_CONNECTION_LOST = 5,
    /// Every node has been read (after start, and after each new session).
    ZK_TREE_INITIALIZED = 6,
    /// `path` could not be read for a reason other than the connection (`error`, for
    /// example `ZK_ENOAUTH`); it stays as cached.
    ZK_TREE_NODE_FAILED = 7,
}

/// One event of a tree cache, borrowed by the listener for the duration of its call. The
/// library owns it, so it may grow: later releases only append fields (each documented with
/// the release that added it; read one only when `zk_version()` is at least that). Read it
/// through the pointer; never copy it by value, allocate one, or keep it past the call.
#[repr(C)]
#[derive(Debug)]
pub struct zk_tree_event {
    /// What happened.
    pub event_type: zk_tree_event_type,
    /// The node (chroot removed) for node events and failures; NULL for the others.
    pub path: *const c_char,
    /// The node's data (`data_len` bytes; NULL when empty or not a node event).
    pub data: *const u8,
    /// How many bytes `data` holds.
    pub data_len: usize,
    /// The node's stat for node events; NULL for the others.
    pub stat: *const zk_stat,
    /// Why, for `ZK_TREE_NODE_FAILED`; `ZK_OK` otherwise.
    pub error: zk_error,
}

/// A tree cache listener: called with each event, on the client's dispatcher thread (one
/// callback of this client at a time, in the order things happened on the server). It may call
/// any zkclient function, the cache's own included (`zk_tree_cache_get_data()`,
/// `zk_tree_cache_close()`…). Everything it receives is borrowed for the call.
pub type zk_tree_cache_fn =
    Option<unsafe extern "C" fn(event: *const zk_tree_event, user_data: *mut c_void)>;

/// A local mirror of a subtree (kazoo's `TreeCache`): see `zk_tree_cache_new()`.
/// Thread-safe: any thread may read it while the dispatcher keeps it current.
pub struct zk_tree_cache {
    cache: TreeCache,
}

/// Makes a cache of the subtree at `path` (borrowed for the call), at most `max_depth` levels
/// below it (0: the root only; -1: every level). Nothing is read until `zk_tree_cache_start()`;
/// the root need not exist (it is cached once created). `ZK_EBADPATH` for a bad path,
/// `ZK_EINVAL` for a depth below -1. On success `*out_cache` owns the handle: release it with
/// `zk_tree_cache_free()`, before the client.
///
/// # Safety
/// `client` NULL or live; `path` NULL or a string; `out_cache` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_tree_cache_new(
    client: *mut zk_client,
    path: *const c_char,
    max_depth: i32,
    out_cache: *mut *mut zk_tree_cache,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let path = unsafe { path_arg(path) }?;
        let out_cache = required_out(out_cache, "out_cache")?;
        let max_depth =
            match max_depth {
                -1 => None,
                depth => Some(usize::try_from(depth).map_err(|_| {
                    Error::InvalidArgument(format!("max_depth {depth} is below -1"))
                })?),
            };
        let cache = TreeCache::new(client, path, TreeCacheOptions { max_depth })?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { new_handle(out_cache, zk_tree_cache { cache }) };
        Ok(())
    })
}

/// Calls `body` with the C form of `event`.
fn with_c_event(event: &TreeEvent, body: impl FnOnce(&zk_tree_event)) {
    use zk_tree_event_type::*;
    let (event_type, node, failed) = match event {
        TreeEvent::NodeAdded(node) => (ZK_TREE_NODE_ADDED, Some(node), None),
        TreeEvent::NodeUpdated(node) => (ZK_TREE_NODE_UPDATED, Some(node), None),
        TreeEvent::NodeRemoved(node) => (ZK_TREE_NODE_REMOVED, Some(node), None),
        TreeEvent::ConnectionSuspended => (ZK_TREE_CONNECTION_SUSPENDED, None, None),
        TreeEvent::ConnectionReconnected => (ZK_TREE_CONNECTION_RECONNECTED, None, None),
        TreeEvent::ConnectionLost => (ZK_TREE_CONNECTION_LOST, None, None),
        TreeEvent::Initialized => (ZK_TREE_INITIALIZED, None, None),
        TreeEvent::Failed { path, error } => (ZK_TREE_NODE_FAILED, None, Some((path, error))),
    };
    let path = node
        .map(|node| node.path.as_str())
        .or(failed.map(|(path, _)| path.as_str()))
        .map(|path| CString::new(path).unwrap_or_default());
    let stat = node.map(|node| zk_stat::from(node.stat));
    let data = node.map_or(&[][..], |node| node.data.as_slice());
    let c_event = zk_tree_event {
        event_type,
        path: path.as_ref().map_or(std::ptr::null(), |path| path.as_ptr()),
        data: if data.is_empty() {
            std::ptr::null()
        } else {
            data.as_ptr()
        },
        data_len: data.len(),
        stat: stat
            .as_ref()
            .map_or(std::ptr::null(), |stat| stat as *const zk_stat),
        error: failed.map_or(zk_error::ZK_OK, |(_, error)| zk_error::from_error(error)),
    };
    body(&c_event);
}

/// Adds a listener; add them before `zk_tree_cache_start()` to see every event.
/// `*out_listener_id` (if not NULL) receives an id for `zk_tree_cache_unlisten()`.
/// `user_data` belongs to the library from this call on: `free_user_data` runs exactly once,
/// after the listener's last call (when it is removed, or the cache freed), or at once if the
/// call fails.
///
/// # Safety
/// `cache` NULL or live; `out_listener_id` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_tree_cache_listen(
    cache: *mut zk_tree_cache,
    listener: zk_tree_cache_fn,
    user_data: *mut c_void,
    free_user_data: zk_free_fn,
    out_listener_id: *mut u64,
) -> zk_error {
    guard(|| {
        let user_data = UserData::new(user_data, free_user_data);
        // SAFETY: per the contract.
        let cache = unsafe { required(cache, "cache") }?;
        let listener = required_fn(listener, "listener")?;
        let id = cache.cache.listen(move |event| {
            with_c_event(event, |c_event| {
                // SAFETY: the caller registered this listener for this user data; the event
                // lives for the call.
                unsafe { listener(c_event, user_data.ptr()) }
            })
        });
        // SAFETY: NULL or writable per the contract.
        unsafe { write_optional(out_listener_id, id) };
        Ok(())
    })
}

/// Removes a listener. `ZK_ENOTHING` when no listener has that id. An event being delivered to
/// it may still complete on the dispatcher thread; its user data is released after that.
///
/// # Safety
/// `cache` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn zk_tree_cache_unlisten(
    cache: *mut zk_tree_cache,
    listener_id: u64,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let cache = unsafe { required(cache, "cache") }?;
        if cache.cache.unlisten(listener_id) {
            Ok(())
        } else {
            Err(Error::Keeper(ErrorCode::NOTHING))
        }
    })
}

/// Starts mirroring: the root is read, then every node found below it, and the copy is kept
/// current; `ZK_TREE_INITIALIZED` says when the first copy is complete. Returns at once.
/// `ZK_EINVAL` when already started or closed.
///
/// # Safety
/// `cache` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn zk_tree_cache_start(cache: *mut zk_tree_cache) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let cache = unsafe { required(cache, "cache") }?;
        cache.cache.start()
    })
}

/// Stops mirroring: no event is delivered afterwards (one being delivered completes), the
/// nodes are dropped and the cache's watches removed. It cannot be started again; closing
/// twice is fine.
///
/// # Safety
/// `cache` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn zk_tree_cache_close(cache: *mut zk_tree_cache) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let cache = unsafe { required(cache, "cache") }?;
        cache.cache.close();
        Ok(())
    })
}

/// The cached data of `path` (borrowed for the call): `*out_data` (if not NULL) receives a
/// copy the caller owns (release with `zk_buffer_free()`), `*out_stat` (if not NULL) its stat
/// when last read. No server round trip. `ZK_ENONODE` when the node is not in the cache
/// (missing, or not read yet); `ZK_EINVAL` when `path` is outside the cached subtree.
///
/// # Safety
/// `cache` NULL or live; `path` NULL or a string; outputs NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_tree_cache_get_data(
    cache: *mut zk_tree_cache,
    path: *const c_char,
    out_data: *mut zk_buffer,
    out_stat: *mut zk_stat,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let cache = unsafe { required(cache, "cache") }?;
        // SAFETY: per the contract.
        let path = unsafe { path_arg(path) }?;
        let node = cache.cache.get_data(path)?.ok_or_else(not_cached)?;
        // SAFETY: NULL or writable per the contract.
        unsafe {
            write_optional_with(out_data, || Ok(zk_buffer::from_vec(node.data.clone())))?;
            write_optional(out_stat, node.stat.into());
        }
        Ok(())
    })
}

/// The cached children of `path` (borrowed for the call), sorted: `*out_children` receives a
/// list the caller owns (release with `zk_string_list_free()`). Below the maximum depth a node
/// has no cached children. `ZK_ENONODE` when the node is not in the cache; `ZK_EINVAL`
/// when `path` is outside the cached subtree.
///
/// # Safety
/// `cache` NULL or live; `path` NULL or a string; `out_children` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_tree_cache_get_children(
    cache: *mut zk_tree_cache,
    path: *const c_char,
    out_children: *mut zk_string_list,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let cache = unsafe { required(cache, "cache") }?;
        // SAFETY: per the contract.
        let path = unsafe { path_arg(path) }?;
        let out_children = required_out(out_children, "out_children")?;
        let children = cache.cache.get_children(path)?.ok_or_else(not_cached)?;
        let list = zk_string_list::from_strings(children)?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out_children.write(list) };
        Ok(())
    })
}

/// `ZK_ENONODE`: the node is not in the cache.
fn not_cached() -> Error {
    Error::Keeper(ErrorCode::NO_NODE)
}

/// How many nodes the cache holds (read and present); 0 for NULL.
///
/// # Safety
/// `cache` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn zk_tree_cache_size(cache: *const zk_tree_cache) -> usize {
    guard_value(0, || {
        // SAFETY: NULL or live per the contract.
        unsafe { cache.as_ref() }.map_or(0, |cache| cache.cache.len())
    })
}

/// True once the first complete copy has been made (and again after each new session's);
/// false for NULL.
///
/// # Safety
/// `cache` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn zk_tree_cache_is_initialized(cache: *const zk_tree_cache) -> bool {
    guard_value(false, || {
        // SAFETY: NULL or live per the contract.
        unsafe { cache.as_ref() }.is_some_and(|cache| cache.cache.is_initialized())
    })
}

/// Closes (as `zk_tree_cache_close()`) and releases a cache. NULL is fine. It may be called
/// from the cache's own listener; listeners' user data is released once no call of theirs is
/// running.
///
/// # Safety
/// `cache` NULL or from `zk_tree_cache_new()`, not freed before.
#[no_mangle]
pub unsafe extern "C" fn zk_tree_cache_free(cache: *mut zk_tree_cache) {
    guard_value((), || {
        // SAFETY: NULL or a handle from its constructor, not freed before, per the contract.
        unsafe { free_handle(cache) };
    })
}
