//! The pipelined API from C: every operation submitted without waiting; a completion callback
//! receives the result.
//!
//! Rules for every `*_async` function: if it returns an error, nothing was sent and the
//! completion is never called; if it returns `ZK_OK`, the completion is called exactly once,
//! with the result (the client's stop makes it `ZK_ECONNECTIONLOSS` or `ZK_ECLOSED`).
//! Completions run on the client's dispatcher thread (or the application's, see
//! `zk_client_dispatch_fd()`), one at a time, in the order the server answered, interleaved in
//! that same order with watch events. What a completion receives is borrowed for the call;
//! inside it, `zk_last_error_message()` explains a failing `rc`.

use std::ffi::{c_char, c_void, CString};

use super::client::{client_arg, zk_client};
use super::ops::{create_options_arg, zk_create_options};
use super::types::{zk_stat, zk_string_list};
use super::{bytes_arg, guard, path_arg, required_fn, set_last_error, zk_error, UserData};
use crate::error::Result;

/// Completion of `zk_create_async()`: the created path (sequence number included, chroot
/// removed) and the new node's stat; both NULL when `rc` is not `ZK_OK`.
pub type zk_create_completion = Option<
    unsafe extern "C" fn(
        rc: zk_error,
        path: *const c_char,
        stat: *const zk_stat,
        user_data: *mut c_void,
    ),
>;
/// Completion with a stat: `zk_set_async()` (the new stat) and `zk_exists_async()` (`rc`
/// `ZK_OK` with `stat` NULL when the node does not exist). `stat` is NULL on errors.
pub type zk_stat_completion =
    Option<unsafe extern "C" fn(rc: zk_error, stat: *const zk_stat, user_data: *mut c_void)>;
/// Completion of `zk_get_async()`: the data (`len` bytes; NULL when empty or on error) and
/// the stat (NULL on error).
pub type zk_data_completion = Option<
    unsafe extern "C" fn(
        rc: zk_error,
        data: *const u8,
        len: usize,
        stat: *const zk_stat,
        user_data: *mut c_void,
    ),
>;
/// Completion of `zk_get_children_async()`: the children and the parent's stat (both NULL on
/// error).
pub type zk_children_completion = Option<
    unsafe extern "C" fn(
        rc: zk_error,
        children: *const zk_string_list,
        stat: *const zk_stat,
        user_data: *mut c_void,
    ),
>;
/// Completion with no result but its code: `zk_delete_async()`, `zk_sync_async()`.
pub type zk_void_completion = Option<unsafe extern "C" fn(rc: zk_error, user_data: *mut c_void)>;

/// The code of a result, with the thread's last error message set for the completion.
fn code_of<T>(result: &Result<T>) -> zk_error {
    match result {
        Ok(_) => zk_error::ZK_OK,
        Err(error) => {
            set_last_error(error.to_string());
            zk_error::from_error(error)
        }
    }
}

fn stat_ptr(stat: &Option<zk_stat>) -> *const zk_stat {
    stat.as_ref()
        .map_or(std::ptr::null(), |stat| stat as *const zk_stat)
}

/// Submits the creation of `path` (see `zk_create()` for the arguments; `data` and `options`
/// are copied before this returns). With `makepath`, missing parents are created first and
/// the completion comes when the node itself has been answered; an invalid path or TTL is
/// refused at once, as without it.
///
/// # Safety
/// As `zk_create()`; `completion` safe to call with `user_data` from another thread.
#[no_mangle]
pub unsafe extern "C" fn zk_create_async(
    client: *mut zk_client,
    path: *const c_char,
    data: *const u8,
    data_len: usize,
    options: *const zk_create_options,
    completion: zk_create_completion,
    user_data: *mut c_void,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract (every dereference below).
        let client = unsafe { client_arg(client) }?;
        let path = unsafe { path_arg(path) }?;
        let data = unsafe { bytes_arg(data, data_len, "data") }?;
        let options = unsafe { create_options_arg(options) }?;
        let completion = required_fn(completion, "completion")?;
        let user_data = UserData::new(user_data, None);
        let done = move |result: Result<crate::client::Created>| {
            let rc = code_of(&result);
            let (path, stat) = match result {
                Ok(created) => (
                    CString::new(created.path).ok(),
                    Some(zk_stat::from(created.stat)),
                ),
                Err(_) => (None, None),
            };
            let path_ptr = path.as_ref().map_or(std::ptr::null(), |p| p.as_ptr());
            // SAFETY: the caller gave this completion for this user data; arguments live for
            // the call.
            unsafe { completion(rc, path_ptr, stat_ptr(&stat), user_data.ptr()) };
        };
        client.create_then(path, data, &options, done)
    })
}

/// Submits an exists check of `path`; the completion gets `ZK_OK` with the stat, or `ZK_OK`
/// with `stat` NULL when the node does not exist.
///
/// # Safety
/// `client` NULL or live; `path` NULL or a string; `completion` safe to call with `user_data`
/// from another thread.
#[no_mangle]
pub unsafe extern "C" fn zk_exists_async(
    client: *mut zk_client,
    path: *const c_char,
    completion: zk_stat_completion,
    user_data: *mut c_void,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let path = unsafe { path_arg(path) }?;
        let completion = required_fn(completion, "completion")?;
        let user_data = UserData::new(user_data, None);
        client.exists_then(path, move |result| {
            let rc = code_of(&result);
            let stat = result.ok().flatten().map(zk_stat::from);
            // SAFETY: as in zk_create_async.
            unsafe { completion(rc, stat_ptr(&stat), user_data.ptr()) };
        })
    })
}

/// Submits a read of `path`'s data and stat.
///
/// # Safety
/// As `zk_exists_async()`.
#[no_mangle]
pub unsafe extern "C" fn zk_get_async(
    client: *mut zk_client,
    path: *const c_char,
    completion: zk_data_completion,
    user_data: *mut c_void,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let path = unsafe { path_arg(path) }?;
        let completion = required_fn(completion, "completion")?;
        let user_data = UserData::new(user_data, None);
        client.get_shared_then(path, move |result| {
            let rc = code_of(&result);
            let (data, stat) = match &result {
                Ok((data, stat)) => (&data[..], Some(zk_stat::from(*stat))),
                Err(_) => (&[][..], None),
            };
            let data_ptr = if data.is_empty() {
                std::ptr::null()
            } else {
                data.as_ptr()
            };
            // SAFETY: as in zk_create_async.
            unsafe { completion(rc, data_ptr, data.len(), stat_ptr(&stat), user_data.ptr()) };
        })
    })
}

/// Submits a listing of `path`'s children.
///
/// # Safety
/// As `zk_exists_async()`.
#[no_mangle]
pub unsafe extern "C" fn zk_get_children_async(
    client: *mut zk_client,
    path: *const c_char,
    completion: zk_children_completion,
    user_data: *mut c_void,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let path = unsafe { path_arg(path) }?;
        let completion = required_fn(completion, "completion")?;
        let user_data = UserData::new(user_data, None);
        client.get_children_shared_then(path, move |result| {
            let (result, stat) = match result {
                Ok((children, stat)) => (
                    zk_string_list::packed(children.iter()),
                    Some(zk_stat::from(stat)),
                ),
                Err(error) => (Err(error), None),
            };
            let rc = code_of(&result);
            let mut list = result.ok();
            let list_ptr = list
                .as_ref()
                .map_or(std::ptr::null(), |l| l as *const zk_string_list);
            // SAFETY: as in zk_create_async.
            unsafe { completion(rc, list_ptr, stat_ptr(&stat), user_data.ptr()) };
            if let Some(list) = list.as_mut() {
                // SAFETY: made by from_strings above.
                unsafe { super::types::zk_string_list_free(list) };
            }
        })
    })
}

/// Submits a write of `data_len` bytes of `data` (copied before this returns) to `path` if
/// its version is `version` (-1: any); the completion gets the new stat.
///
/// # Safety
/// As `zk_set()`; `completion` safe to call with `user_data` from another thread.
#[no_mangle]
pub unsafe extern "C" fn zk_set_async(
    client: *mut zk_client,
    path: *const c_char,
    data: *const u8,
    data_len: usize,
    version: i32,
    completion: zk_stat_completion,
    user_data: *mut c_void,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract (every dereference below).
        let client = unsafe { client_arg(client) }?;
        let path = unsafe { path_arg(path) }?;
        let data = unsafe { bytes_arg(data, data_len, "data") }?;
        let completion = required_fn(completion, "completion")?;
        let user_data = UserData::new(user_data, None);
        client.set_then(path, data, version, move |result| {
            let rc = code_of(&result);
            let stat = result.ok().map(zk_stat::from);
            // SAFETY: as in zk_create_async.
            unsafe { completion(rc, stat_ptr(&stat), user_data.ptr()) };
        })
    })
}

fn void_done(
    completion: unsafe extern "C" fn(zk_error, *mut c_void),
    user_data: UserData,
) -> impl FnOnce(Result<()>) + Send {
    move |result| {
        let rc = code_of(&result);
        // SAFETY: the caller gave this completion for this user data.
        unsafe { completion(rc, user_data.ptr()) };
    }
}

/// Submits the deletion of `path` if its version is `version` (-1: any).
///
/// # Safety
/// As `zk_exists_async()`.
#[no_mangle]
pub unsafe extern "C" fn zk_delete_async(
    client: *mut zk_client,
    path: *const c_char,
    version: i32,
    completion: zk_void_completion,
    user_data: *mut c_void,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let path = unsafe { path_arg(path) }?;
        let completion = required_fn(completion, "completion")?;
        let done = void_done(completion, UserData::new(user_data, None));
        client.delete_then(path, version, done)
    })
}

/// Submits a sync of `path` (see `zk_sync()`).
///
/// # Safety
/// As `zk_exists_async()`.
#[no_mangle]
pub unsafe extern "C" fn zk_sync_async(
    client: *mut zk_client,
    path: *const c_char,
    completion: zk_void_completion,
    user_data: *mut c_void,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let path = unsafe { path_arg(path) }?;
        let completion = required_fn(completion, "completion")?;
        let done = void_done(completion, UserData::new(user_data, None));
        client.sync_then(path, done)
    })
}
