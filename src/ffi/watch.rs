//! Watches from C: one-shot watches on exists / get / get_children, persistent and recursive
//! watches, their removal, and checkWatches.

use std::ffi::{c_char, c_void, CString};

use super::client::{client_arg, zk_client};
use super::types::{zk_buffer, zk_free_fn, zk_keeper_state, zk_stat, zk_string_list};
use super::{
    guard, path_arg, required_fn, required_out, write_optional, write_optional_with, zk_error,
    UserData,
};
use crate::client::{Client, WatchId, WatchedEvent};
use crate::error::{Error, Result};
use crate::proto::{AddWatchMode, EventType, WatcherType};
use crate::runtime::Wait;

/// What happened to a watched node, with ZooKeeper's numbers.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum zk_event_type {
    /// A session event, not a node event: the session expired or the client was stopped.
    /// The watch is gone; no more events follow for it.
    ZK_EVENT_SESSION = -1,
    /// The node was created.
    ZK_EVENT_CREATED = 1,
    /// The node was deleted.
    ZK_EVENT_DELETED = 2,
    /// The node's data changed.
    ZK_EVENT_CHANGED = 3,
    /// The node's children changed.
    ZK_EVENT_CHILD = 4,
    /// A data watch was removed (server notice).
    ZK_EVENT_DATA_WATCH_REMOVED = 5,
    /// A child watch was removed (server notice).
    ZK_EVENT_CHILD_WATCH_REMOVED = 6,
    /// A persistent watch was removed (server notice).
    ZK_EVENT_PERSISTENT_WATCH_REMOVED = 7,
}

impl From<EventType> for zk_event_type {
    fn from(event: EventType) -> Self {
        match event {
            EventType::None => zk_event_type::ZK_EVENT_SESSION,
            EventType::NodeCreated => zk_event_type::ZK_EVENT_CREATED,
            EventType::NodeDeleted => zk_event_type::ZK_EVENT_DELETED,
            EventType::NodeDataChanged => zk_event_type::ZK_EVENT_CHANGED,
            EventType::NodeChildrenChanged => zk_event_type::ZK_EVENT_CHILD,
            EventType::DataWatchRemoved => zk_event_type::ZK_EVENT_DATA_WATCH_REMOVED,
            EventType::ChildWatchRemoved => zk_event_type::ZK_EVENT_CHILD_WATCH_REMOVED,
            EventType::PersistentWatchRemoved => zk_event_type::ZK_EVENT_PERSISTENT_WATCH_REMOVED,
        }
    }
}

/// A watch event, borrowed by the watcher for the duration of its call. The library owns it,
/// so it may grow: later releases only append fields (each documented with the release that
/// added it; read one only when `zk_version()` is at least that). Read it through the pointer;
/// never copy it by value, allocate one, or keep it past the call.
#[repr(C)]
#[derive(Debug)]
pub struct zk_watch_event {
    /// What happened.
    pub event_type: zk_event_type,
    /// The connection's keeper state when it happened (`ZK_KEEPER_EXPIRED` or
    /// `ZK_KEEPER_CLOSED` with `ZK_EVENT_SESSION`).
    pub keeper_state: zk_keeper_state,
    /// The watched node's path, without the chroot.
    pub path: *const c_char,
}

/// Which watches `zk_add_watch()` sets (ZooKeeper 3.6+).
#[repr(i32)]
#[derive(Debug, Clone, Copy)]
pub enum zk_add_watch_mode {
    /// Every change of the node itself (created, deleted, data changed, children changed).
    ZK_WATCH_PERSISTENT = 0,
    /// Creation, deletion and data changes of the node and of every node below it.
    ZK_WATCH_PERSISTENT_RECURSIVE = 1,
}

/// Which watches `zk_remove_watches()` and `zk_check_watches()` mean, ZooKeeper's numbers.
#[repr(i32)]
#[derive(Debug, Clone, Copy)]
pub enum zk_watcher_type {
    /// Child watches (from `zk_get_children_watch()`).
    ZK_WATCHER_CHILDREN = 1,
    /// Data watches (from `zk_get_watch()` and `zk_exists_watch()`).
    ZK_WATCHER_DATA = 2,
    /// Data and child watches.
    ZK_WATCHER_ANY = 3,
    /// Persistent watches.
    ZK_WATCHER_PERSISTENT = 4,
    /// Persistent recursive watches.
    ZK_WATCHER_PERSISTENT_RECURSIVE = 5,
}

/// A watcher. One-shot watchers are called at most once: with the node event, or with a
/// `ZK_EVENT_SESSION` event when the session ends first. Persistent watchers are called for
/// every matching event until removed (and a last time with `ZK_EVENT_SESSION` if the session
/// ends). `event` and its path are borrowed for the call.
///
/// Runs on the client's dispatcher thread, never on a network thread, one callback of this
/// client at a time, in the order the server sent the events (a watch event comes before the
/// reply of any request made after the change). It may call any zkclient function, blocking
/// ones included.
pub type zk_watcher =
    Option<unsafe extern "C" fn(event: *const zk_watch_event, user_data: *mut c_void)>;

/// Wraps a C watcher as a Rust closure owning its user data.
pub(super) fn c_watcher(
    watcher: unsafe extern "C" fn(*const zk_watch_event, *mut c_void),
    user_data: UserData,
) -> impl Fn(WatchedEvent) + Send + Sync + 'static {
    move |event: WatchedEvent| {
        let path = CString::new(event.path).unwrap_or_default();
        let c_event = zk_watch_event {
            event_type: event.event_type.into(),
            keeper_state: event.keeper_state.into(),
            path: path.as_ptr(),
        };
        // SAFETY: the caller registered this function for this user data; the event lives
        // for the call.
        unsafe { watcher(&c_event, user_data.ptr()) };
    }
}

/// The client, path and watcher of a watch-setting call. The user data is owned from the
/// start, so that every early return releases it (exactly once).
///
/// # Safety
/// As the exported functions' contracts.
unsafe fn watch_args<'a>(
    client: *mut zk_client,
    path: *const c_char,
    watcher: zk_watcher,
    user_data: *mut c_void,
    free_user_data: zk_free_fn,
) -> Result<(
    &'a Client,
    &'a str,
    impl Fn(WatchedEvent) + Send + Sync + 'static,
)> {
    let user_data = UserData::new(user_data, free_user_data);
    // SAFETY: per the contract.
    let client = unsafe { client_arg(client) }?;
    // SAFETY: per the contract.
    let path = unsafe { path_arg(path) }?;
    let watcher = required_fn(watcher, "watcher")?;
    Ok((client, path, c_watcher(watcher, user_data)))
}

/// As `zk_exists()`, and sets a one-shot watch: on the node's deletion or data change when it
/// exists, on its creation when it does not. `*out_watch_id` (if not NULL) identifies the
/// watch for `zk_remove_watch()`.
///
/// `user_data` belongs to the library from this call on: `free_user_data` (if not NULL) is
/// called exactly once, after the watcher's last call, or at once if no watch was set (the
/// call failed).
///
/// # Safety
/// `client` NULL or live; `path` NULL or a string; outputs NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_exists_watch(
    client: *mut zk_client,
    path: *const c_char,
    watcher: zk_watcher,
    user_data: *mut c_void,
    free_user_data: zk_free_fn,
    out_exists: *mut bool,
    out_stat: *mut zk_stat,
    out_watch_id: *mut u64,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let (client, path, watcher) =
            unsafe { watch_args(client, path, watcher, user_data, free_user_data) }?;
        let out_exists = required_out(out_exists, "out_exists")?;
        let (stat, id) = client.exists_watch(path, watcher).wait()?;
        // SAFETY: checked / NULL or writable per the contract.
        unsafe {
            out_exists.write(stat.is_some());
            if let Some(stat) = stat {
                write_optional(out_stat, stat.into());
            }
            write_optional(out_watch_id, id.0);
        }
        Ok(())
    })
}

/// As `zk_get()`, and sets a one-shot watch on the node's data change or deletion. On
/// `ZK_ENONODE` no watch is set (use `zk_exists_watch()` to wait for a creation). User data
/// and `*out_watch_id` as for `zk_exists_watch()`.
///
/// # Safety
/// `client` NULL or live; `path` NULL or a string; outputs NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_get_watch(
    client: *mut zk_client,
    path: *const c_char,
    watcher: zk_watcher,
    user_data: *mut c_void,
    free_user_data: zk_free_fn,
    out_data: *mut zk_buffer,
    out_stat: *mut zk_stat,
    out_watch_id: *mut u64,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let (client, path, watcher) =
            unsafe { watch_args(client, path, watcher, user_data, free_user_data) }?;
        let (data, stat, id) = client.get_watch(path, watcher).wait()?;
        // SAFETY: NULL or writable per the contract.
        unsafe {
            write_optional_with(out_data, || Ok(zk_buffer::from_vec(data)))?;
            write_optional(out_stat, stat.into());
            write_optional(out_watch_id, id.0);
        }
        Ok(())
    })
}

/// As `zk_get_children()`, and sets a one-shot watch on a change of the children or the node's
/// deletion. User data and `*out_watch_id` as for `zk_exists_watch()`.
///
/// # Safety
/// `client` NULL or live; `path` NULL or a string; outputs NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_get_children_watch(
    client: *mut zk_client,
    path: *const c_char,
    watcher: zk_watcher,
    user_data: *mut c_void,
    free_user_data: zk_free_fn,
    out_children: *mut zk_string_list,
    out_stat: *mut zk_stat,
    out_watch_id: *mut u64,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let (client, path, watcher) =
            unsafe { watch_args(client, path, watcher, user_data, free_user_data) }?;
        let (children, stat, id) = client.get_children_watch(path, watcher).wait()?;
        // SAFETY: NULL or writable per the contract.
        unsafe {
            write_optional_with(out_children, || zk_string_list::from_strings(children))?;
            write_optional(out_stat, stat.into());
            write_optional(out_watch_id, id.0);
        }
        Ok(())
    })
}

/// Sets a persistent watch (`mode`: one of `zk_add_watch_mode`) on `path`, called for every
/// matching change until `zk_remove_watch()`, the session's end, or `zk_client_free()`. It
/// survives reconnects, but changes made while disconnected are not replayed (re-read what
/// you cache after SUSPENDED). User data and `*out_watch_id` as for `zk_exists_watch()`.
///
/// # Safety
/// `client` NULL or live; `path` NULL or a string; `out_watch_id` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_add_watch(
    client: *mut zk_client,
    path: *const c_char,
    mode: i32,
    watcher: zk_watcher,
    user_data: *mut c_void,
    free_user_data: zk_free_fn,
    out_watch_id: *mut u64,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let (client, path, watcher) =
            unsafe { watch_args(client, path, watcher, user_data, free_user_data) }?;
        let mode = AddWatchMode::from_i32(mode)
            .ok_or_else(|| Error::InvalidArgument(format!("unknown watch mode {mode}")))?;
        let id = client.add_watch(path, mode, watcher).wait()?;
        // SAFETY: NULL or writable per the contract.
        unsafe { write_optional(out_watch_id, id.0) };
        Ok(())
    })
}

/// Removes one watch by the id its call returned. Its user-data destructor runs once no call
/// of it is under way. `ZK_ENOWATCHER` when it is not registered (it fired, was removed, or
/// its session ended).
///
/// # Safety
/// `client` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn zk_remove_watch(client: *mut zk_client, watch_id: u64) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        if client.remove_watch(WatchId(watch_id)).wait()? {
            Ok(())
        } else {
            Err(Error::Keeper(crate::proto::ErrorCode::NO_WATCHER))
        }
    })
}

fn watcher_type_arg(kind: i32) -> Result<WatcherType> {
    WatcherType::from_i32(kind)
        .ok_or_else(|| Error::InvalidArgument(format!("unknown watcher type {kind}")))
}

/// Removes every watch of `watcher_type` (one of `zk_watcher_type`) on `path`, in this client
/// and on the server (ZooKeeper's removeWatches). `ZK_ENOWATCHER` when there was none. It
/// takes effect in order with the client's other requests: a watch still being set by a
/// request sent earlier is removed too, one set by a later request stays. The removed
/// watchers' user data is released before this returns.
///
/// # Safety
/// `client` NULL or live; `path` NULL or a string.
#[no_mangle]
pub unsafe extern "C" fn zk_remove_watches(
    client: *mut zk_client,
    path: *const c_char,
    watcher_type: i32,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let path = unsafe { path_arg(path) }?;
        client
            .remove_watches(path, watcher_type_arg(watcher_type)?)
            .wait()
    })
}

/// Asks the server whether this session has a watch of `watcher_type` (one of
/// `zk_watcher_type`) on `path`: `ZK_OK`, or `ZK_ENOWATCHER`.
///
/// # Safety
/// `client` NULL or live; `path` NULL or a string.
#[no_mangle]
pub unsafe extern "C" fn zk_check_watches(
    client: *mut zk_client,
    path: *const c_char,
    watcher_type: i32,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let path = unsafe { path_arg(path) }?;
        client
            .check_watches(path, watcher_type_arg(watcher_type)?)
            .wait()
    })
}

/// The name of a watch event type (`"CREATED"`, `"DELETED"`, `"CHANGED"`, `"CHILD"`,
/// `"SESSION"`, ...), or `"UNKNOWN"`. Static: never free it.
#[no_mangle]
pub extern "C" fn zk_event_type_str(event_type: i32) -> *const c_char {
    let name = match EventType::from_i32(event_type) {
        Some(EventType::None) => c"SESSION",
        Some(EventType::NodeCreated) => c"CREATED",
        Some(EventType::NodeDeleted) => c"DELETED",
        Some(EventType::NodeDataChanged) => c"CHANGED",
        Some(EventType::NodeChildrenChanged) => c"CHILD",
        Some(EventType::DataWatchRemoved) => c"DATA_WATCH_REMOVED",
        Some(EventType::ChildWatchRemoved) => c"CHILD_WATCH_REMOVED",
        Some(EventType::PersistentWatchRemoved) => c"PERSISTENT_WATCH_REMOVED",
        None => c"UNKNOWN",
    };
    name.as_ptr()
}
