//! DataWatch and ChildrenWatch from C.

use std::ffi::{c_char, c_void, CString};

use crate::client::WatchedEvent;
use crate::ffi::client::{client_arg, zk_client};
use crate::ffi::types::{zk_free_fn, zk_stat, zk_string_list};
use crate::ffi::watch::zk_watch_event;
use crate::ffi::{
    guard, guard_value, new_handle, path_arg, required_fn, required_out, take_handle, zk_error,
    UserData,
};
use crate::recipe::{ChildrenWatch, DataWatch};

/// Called with a node's data by a `zk_data_watch`: at once, then after every change. `data`
/// (`len` bytes) and `stat` describe the node; `stat` is NULL (and `data` NULL, `len` 0)
/// while the node does not exist. An existing node with empty data also has `data` NULL and
/// `len` 0: only `stat` tells the two apart. `event` is the change that caused the call, or NULL for the
/// first call and for re-reads after a reconnect or a new session (which call back only if
/// something changed). Everything is borrowed for the call. Return true to keep watching,
/// false to stop.
///
/// The first call runs on the thread calling `zk_data_watch_new()`; later ones on the client's
/// dispatcher thread (one callback of this client at a time, in order). It may call any
/// zkclient function, `zk_data_watch_cancel()` on its own watch included.
pub type zk_data_watch_fn = Option<
    unsafe extern "C" fn(
        data: *const u8,
        len: usize,
        stat: *const zk_stat,
        event: *const zk_watch_event,
        user_data: *mut c_void,
    ) -> bool,
>;

/// Called with a node's children (sorted) by a `zk_children_watch`: at once, then after every
/// change of them. `children` and `stat` are NULL while the node does not exist (kazoo's
/// ChildrenWatch goes silent there; this one reports it and resumes when the node is
/// created). `event` and threading as for `zk_data_watch_fn`. Return true to keep watching.
pub type zk_children_watch_fn = Option<
    unsafe extern "C" fn(
        children: *const zk_string_list,
        stat: *const zk_stat,
        event: *const zk_watch_event,
        user_data: *mut c_void,
    ) -> bool,
>;

/// A DataWatch: see `zk_data_watch_new()`. Thread-safe.
pub struct zk_data_watch {
    watch: DataWatch,
}

/// A ChildrenWatch: see `zk_children_watch_new()`. Thread-safe.
pub struct zk_children_watch {
    watch: ChildrenWatch,
}

/// Calls `body` with the C form of an optional event.
fn with_c_event<R>(
    event: Option<&WatchedEvent>,
    body: impl FnOnce(*const zk_watch_event) -> R,
) -> R {
    match event {
        None => body(std::ptr::null()),
        Some(event) => {
            let path = CString::new(event.path.as_str()).unwrap_or_default();
            let c_event = zk_watch_event {
                event_type: event.event_type.into(),
                keeper_state: event.keeper_state.into(),
                path: path.as_ptr(),
            };
            body(&c_event)
        }
    }
}

/// Starts a DataWatch on `path` (kazoo's `DataWatch`): `callback` is called at once with the
/// current data, then after every change, until it returns false or the watch is cancelled.
/// It follows the node through deletion and re-creation. On success `*out_watch` owns the
/// handle (release with `zk_data_watch_free()`). `user_data` belongs to the library from this
/// call on: `free_user_data` runs exactly once, after the last callback (or at once if the
/// call fails).
///
/// # Safety
/// `client` NULL or live; `path` NULL or a string; `out_watch` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_data_watch_new(
    client: *mut zk_client,
    path: *const c_char,
    callback: zk_data_watch_fn,
    user_data: *mut c_void,
    free_user_data: zk_free_fn,
    out_watch: *mut *mut zk_data_watch,
) -> zk_error {
    guard(|| {
        let user_data = UserData::new(user_data, free_user_data);
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let path = unsafe { path_arg(path) }?;
        let out_watch = required_out(out_watch, "out_watch")?;
        let callback = required_fn(callback, "callback")?;
        let watch = DataWatch::new(client, path, move |value, event| {
            let (data, len, stat) = match value {
                Some((data, stat)) => (
                    data.as_ptr(),
                    data.len(),
                    Some(crate::ffi::types::zk_stat::from(*stat)),
                ),
                None => (std::ptr::null(), 0, None),
            };
            let stat_ptr = stat
                .as_ref()
                .map_or(std::ptr::null(), |s| s as *const zk_stat);
            let data = if len == 0 { std::ptr::null() } else { data };
            // SAFETY: the caller registered this callback for this user data; the arguments
            // live for the call.
            with_c_event(event, |event| unsafe {
                callback(data, len, stat_ptr, event, user_data.ptr())
            })
        })?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { new_handle(out_watch, zk_data_watch { watch }) };
        Ok(())
    })
}

/// Stops a DataWatch: no callback starts afterwards. Any thread may call it, its own callback
/// included; calling it again is fine.
///
/// # Safety
/// `watch` NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn zk_data_watch_cancel(watch: *mut zk_data_watch) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let watch = unsafe { crate::ffi::required(watch, "watch") }?;
        watch.watch.cancel();
        Ok(())
    })
}

/// Cancels (as `zk_data_watch_cancel()`) and releases a DataWatch handle. NULL is fine. Not
/// from inside its own callback (cancel there, free later). The user data is released once no
/// callback of the watch is running or queued: usually before this returns, at the latest
/// when the client's dispatcher has run what was queued (`zk_client_free()` waits for that).
///
/// # Safety
/// `watch` NULL or from `zk_data_watch_new()`, not freed before.
#[no_mangle]
pub unsafe extern "C" fn zk_data_watch_free(watch: *mut zk_data_watch) {
    guard_value((), || {
        // SAFETY: NULL or a handle from its constructor, not freed before, per the contract.
        if let Some(watch) = unsafe { take_handle(watch) } {
            watch.watch.cancel();
        }
    })
}

/// Starts a ChildrenWatch on `path` (kazoo's `ChildrenWatch`): `callback` is called at once
/// with the current children, then after every change of them, until it returns false or the
/// watch is cancelled. Handle and user data as for `zk_data_watch_new()`; release with
/// `zk_children_watch_free()`.
///
/// # Safety
/// `client` NULL or live; `path` NULL or a string; `out_watch` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_children_watch_new(
    client: *mut zk_client,
    path: *const c_char,
    callback: zk_children_watch_fn,
    user_data: *mut c_void,
    free_user_data: zk_free_fn,
    out_watch: *mut *mut zk_children_watch,
) -> zk_error {
    guard(|| {
        let user_data = UserData::new(user_data, free_user_data);
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let path = unsafe { path_arg(path) }?;
        let out_watch = required_out(out_watch, "out_watch")?;
        let callback = required_fn(callback, "callback")?;
        let watch = ChildrenWatch::new(client, path, move |value, event| {
            let (mut list, stat) = match value {
                Some((children, stat)) => match zk_string_list::from_strings(children.clone()) {
                    Ok(list) => (Some(list), Some(zk_stat::from(*stat))),
                    Err(_) => return true,
                },
                None => (None, None),
            };
            let list_ptr = list
                .as_ref()
                .map_or(std::ptr::null(), |l| l as *const zk_string_list);
            let stat_ptr = stat
                .as_ref()
                .map_or(std::ptr::null(), |s| s as *const zk_stat);
            // SAFETY: the caller registered this callback for this user data; the arguments
            // live for the call.
            let keep = with_c_event(event, |event| unsafe {
                callback(list_ptr, stat_ptr, event, user_data.ptr())
            });
            if let Some(list) = list.as_mut() {
                // SAFETY: the list was made by from_strings just above.
                unsafe { crate::ffi::types::zk_string_list_free(list) };
            }
            keep
        })?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { new_handle(out_watch, zk_children_watch { watch }) };
        Ok(())
    })
}

/// Stops a ChildrenWatch, as `zk_data_watch_cancel()`.
///
/// # Safety
/// `watch` NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn zk_children_watch_cancel(watch: *mut zk_children_watch) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let watch = unsafe { crate::ffi::required(watch, "watch") }?;
        watch.watch.cancel();
        Ok(())
    })
}

/// Cancels and releases a ChildrenWatch handle, as `zk_data_watch_free()`.
///
/// # Safety
/// `watch` NULL or from `zk_children_watch_new()`, not freed before.
#[no_mangle]
pub unsafe extern "C" fn zk_children_watch_free(watch: *mut zk_children_watch) {
    guard_value((), || {
        // SAFETY: NULL or a handle from its constructor, not freed before, per the contract.
        if let Some(watch) = unsafe { take_handle(watch) } {
            watch.watch.cancel();
        }
    })
}
