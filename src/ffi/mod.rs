//! The C API: `extern "C"` functions over [`crate::client`], opaque handles, one error enum,
//! callbacks with user data, and owned buffers. It marshals and nothing else.
//!
//! Every exported function runs its body through [`guard`]: a panic becomes `ZK_EPANIC`,
//! an error becomes its code plus a per-thread message (`zk_last_error_message`). The
//! helpers below do the rest of what every function needs: arguments checked for NULL
//! (`required*`, `path_arg`, ...), handles boxed for C and released (`new_handle`,
//! `free_handle`), outputs written only on success.

#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)] // each function's doc comment states its contract

mod acl;
mod admin;
mod async_ops;
mod client;
mod config;
mod error;
mod log;
mod ops;
pub mod recipe;
mod retry;
mod security;
mod stats;
mod transaction;
mod types;
mod versioned;
mod watch;

use std::cell::RefCell;
use std::ffi::{c_char, c_void, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

pub use self::log::*;
pub use acl::*;
pub use admin::*;
pub use async_ops::*;
pub use client::*;
pub use config::*;
pub use error::*;
pub use ops::*;
pub use recipe::watchers::*;
pub use retry::*;
pub use security::*;
pub use stats::*;
pub use transaction::*;
pub use types::*;
pub use watch::*;

use crate::client::State;
use crate::error::{Error, Result};
use crate::recipe::lock::StateListener;
use recipe::lock::zk_lock_state_fn;

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
    /// The path argument of the exported function running on this thread, for its error
    /// message: borrowed from the caller, valid until that function returns.
    static CALL_PATH: std::cell::Cell<*const c_char> = const { std::cell::Cell::new(std::ptr::null()) };
}

pub(crate) fn set_last_error(message: String) {
    let message = CString::new(message.replace('\0', "\\0")).unwrap_or_default();
    LAST_ERROR.with(|last| *last.borrow_mut() = message);
}

/// Pointer to this thread's last error message (empty when none).
pub(crate) fn last_error_ptr() -> *const c_char {
    LAST_ERROR.with(|last| last.borrow().as_ptr())
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "unknown panic".to_string()
    }
}

/// Runs an exported function's body: its error becomes a `zk_error` and this thread's last
/// error message; a panic becomes `ZK_EPANIC`.
pub(crate) fn guard(body: impl FnOnce() -> Result<()>) -> zk_error {
    CALL_PATH.with(|path| path.set(std::ptr::null()));
    let outcome = catch_unwind(AssertUnwindSafe(body));
    let path = CALL_PATH.with(|path| path.replace(std::ptr::null()));
    match outcome {
        Ok(Ok(())) => zk_error::ZK_OK,
        Ok(Err(error)) => {
            // SAFETY: NULL, or the path argument of the function still running (see
            // `path_arg`).
            let path = (!path.is_null()).then(|| unsafe { CStr::from_ptr(path) }.to_string_lossy());
            set_last_error(with_path(&error, path));
            zk_error::from_error(&error)
        }
        Err(payload) => panic_code(&*payload),
    }
}

/// The code and message of a panic caught at the boundary: a blocking call refused inside an
/// inline callback is the caller's mistake (`ZK_EAPIERROR`); anything else is ours.
fn panic_code(payload: &(dyn std::any::Any + Send)) -> zk_error {
    let message = panic_message(payload);
    if message == crate::runtime::BLOCKING_IN_INLINE_CALLBACK {
        set_last_error(message.to_string());
        return zk_error::ZK_EAPIERROR;
    }
    set_last_error(format!(
        "internal error in zkclient (please report): {message}"
    ));
    zk_error::ZK_EPANIC
}

/// An error's message, naming the path the call was about when the error came from the
/// server or a wait (`no node (path "/a/b")`); other errors name what they are about already.
fn with_path(error: &Error, path: Option<std::borrow::Cow<'_, str>>) -> String {
    match (error, path) {
        (Error::Keeper(_) | Error::Timeout(_) | Error::RetryFailed { .. }, Some(path)) => {
            format!("{error} (path {path:?})")
        }
        _ => error.to_string(),
    }
}

/// Like [`guard`] for functions that return a value instead of an error code: `fallback` on
/// panic.
pub(crate) fn guard_value<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(value) => value,
        Err(payload) => {
            set_last_error(format!(
                "internal error in zkclient (please report): {}",
                panic_message(&*payload)
            ));
            fallback
        }
    }
}

/// The error for a required argument given as NULL: `ZK_EINVAL`, "`name` is NULL".
pub(crate) fn null_argument(name: &str) -> Error {
    Error::InvalidArgument(format!("{name} is NULL"))
}

/// A required pointer argument as a reference.
///
/// # Safety
/// `ptr` is NULL or valid for reads for `'a`.
pub(crate) unsafe fn required<'a, T>(ptr: *const T, name: &str) -> Result<&'a T> {
    // SAFETY: the caller guarantees ptr is NULL or valid; NULL is checked here.
    unsafe { ptr.as_ref() }.ok_or_else(|| null_argument(name))
}

/// A required pointer argument as a mutable reference (a handle the call changes).
///
/// # Safety
/// `ptr` is NULL or valid for reads and writes for `'a`, and nothing else uses it meanwhile.
pub(crate) unsafe fn required_mut<'a, T>(ptr: *mut T, name: &str) -> Result<&'a mut T> {
    // SAFETY: the caller guarantees ptr is NULL or valid and unshared; NULL is checked here.
    unsafe { ptr.as_mut() }.ok_or_else(|| null_argument(name))
}

/// A required callback argument (the C types are `Option<extern "C" fn>`, NULL being `None`).
pub(crate) fn required_fn<F>(callback: Option<F>, name: &str) -> Result<F> {
    callback.ok_or_else(|| null_argument(name))
}

/// A required NUL-terminated UTF-8 string argument.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string valid for `'a`.
pub(crate) unsafe fn required_str<'a>(ptr: *const c_char, name: &str) -> Result<&'a str> {
    if ptr.is_null() {
        return Err(null_argument(name));
    }
    // SAFETY: non-NULL and NUL-terminated per the caller's contract.
    let text = unsafe { CStr::from_ptr(ptr) };
    text.to_str()
        .map_err(|_| Error::InvalidArgument(format!("{name} is not valid UTF-8")))
}

/// A path argument: NULL and invalid UTF-8 are path errors, checked like the server would.
///
/// # Safety
/// As [`required_str`].
pub(crate) unsafe fn path_arg<'a>(ptr: *const c_char) -> Result<&'a str> {
    if ptr.is_null() {
        return Err(null_argument("path"));
    }
    // SAFETY: non-NULL and NUL-terminated per the caller's contract.
    let text = unsafe { CStr::from_ptr(ptr) };
    let path = text.to_str().map_err(|_| Error::InvalidPath {
        path: String::from_utf8_lossy(text.to_bytes()).into_owned(),
        reason: "path is not valid UTF-8",
    })?;
    CALL_PATH.with(|call| call.set(ptr));
    Ok(path)
}

/// A `(pointer, length)` byte argument; NULL is allowed only with length 0.
///
/// # Safety
/// `data` is NULL or valid for reads of `len` bytes for `'a`.
pub(crate) unsafe fn bytes_arg<'a>(data: *const u8, len: usize, name: &str) -> Result<&'a [u8]> {
    if data.is_null() {
        return if len == 0 {
            Ok(&[])
        } else {
            Err(null_argument(name))
        };
    }
    if len > isize::MAX as usize {
        return Err(Error::InvalidArgument(format!(
            "{name} length {len} is too large"
        )));
    }
    // SAFETY: non-NULL, len bytes readable per the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts(data, len) })
}

/// A recipe identifier that listings hand back to C (lock and election contenders, party
/// members, semaphore lease holders): `(pointer, length)` bytes as [`bytes_arg`], without a
/// NUL byte, as a listing returns each identifier as a NUL-terminated string. Refused at
/// construction, before the identifier is stored where every listing would trip on it.
///
/// # Safety
/// As [`bytes_arg`].
pub(crate) unsafe fn listed_identifier_arg<'a>(data: *const u8, len: usize) -> Result<&'a [u8]> {
    // SAFETY: per the caller's contract.
    let identifier = unsafe { bytes_arg(data, len, "identifier") }?;
    match identifier.iter().position(|byte| *byte == 0) {
        Some(offset) => Err(Error::InvalidArgument(format!(
            "identifier has a NUL byte at offset {offset}: identifiers are listed back to C as \
             NUL-terminated strings"
        ))),
        None => Ok(identifier),
    }
}

/// A C array of `count` strings (`name`, NULL only when `count` is 0), checked and copied.
///
/// # Safety
/// `items` NULL or `count` readable pointers, each NULL or a NUL-terminated string.
pub(crate) unsafe fn string_array_arg(
    items: *const *const c_char,
    count: usize,
    name: &str,
) -> Result<Vec<String>> {
    if items.is_null() {
        return if count == 0 {
            Ok(Vec::new())
        } else {
            Err(null_argument(name))
        };
    }
    if count > isize::MAX as usize / std::mem::size_of::<*const c_char>() {
        return Err(Error::InvalidArgument(format!(
            "{name}: count {count} is too large"
        )));
    }
    // SAFETY: non-NULL with `count` readable pointers per the contract.
    let pointers = unsafe { std::slice::from_raw_parts(items, count) };
    let mut strings = Vec::with_capacity(count);
    for (index, item) in pointers.iter().enumerate() {
        if item.is_null() {
            return Err(Error::InvalidArgument(format!("{name}[{index}] is NULL")));
        }
        // SAFETY: non-NULL and NUL-terminated per the contract.
        let text = unsafe { CStr::from_ptr(*item) };
        let text = text
            .to_str()
            .map_err(|_| Error::InvalidArgument(format!("{name}[{index}] is not valid UTF-8")))?;
        strings.push(text.to_string());
    }
    Ok(strings)
}

/// Writes `value` to an optional out-parameter.
///
/// # Safety
/// `out` is NULL or valid for writes.
pub(crate) unsafe fn write_optional<T>(out: *mut T, value: T) {
    if !out.is_null() {
        // SAFETY: non-NULL and writable per the caller's contract.
        unsafe { out.write(value) };
    }
}

/// Writes an optional out-parameter whose value takes work (an allocation) to build: built
/// only when wanted. Call it before writing infallible outputs, so that a failure writes none.
///
/// # Safety
/// `out` is NULL or valid for writes.
pub(crate) unsafe fn write_optional_with<T>(
    out: *mut T,
    build: impl FnOnce() -> Result<T>,
) -> Result<()> {
    if !out.is_null() {
        let value = build()?;
        // SAFETY: non-NULL and writable per the caller's contract.
        unsafe { out.write(value) };
    }
    Ok(())
}

/// A wait's `timeout_ms` from C: -1 is no limit, 0 or more a duration, other values invalid.
pub(crate) fn timeout_arg(timeout_ms: i64) -> Result<Option<std::time::Duration>> {
    match timeout_ms {
        -1 => Ok(None),
        ms if ms >= 0 => Ok(Some(std::time::Duration::from_millis(ms.unsigned_abs()))),
        ms => Err(Error::InvalidArgument(format!(
            "timeout_ms is {ms}: use -1 for no limit, or a duration of 0 or more"
        ))),
    }
}

/// A required out-parameter, checked before any work is done.
pub(crate) fn required_out<T>(out: *mut T, name: &str) -> Result<*mut T> {
    if out.is_null() {
        Err(null_argument(name))
    } else {
        Ok(out)
    }
}

/// `handle` boxed, as the pointer C holds; the handle's `zk_*_free()` releases it with
/// [`free_handle`] (or [`take_handle`]).
pub(crate) fn into_handle<T>(handle: T) -> *mut T {
    Box::into_raw(Box::new(handle))
}

/// Hands a new handle to C through an out-parameter: [`into_handle`], written to `out`.
///
/// # Safety
/// `out` is non-NULL (checked with [`required_out`]) and valid for writes.
pub(crate) unsafe fn new_handle<T>(out: *mut *mut T, handle: T) {
    // SAFETY: non-NULL and writable per the caller's contract.
    unsafe { out.write(into_handle(handle)) };
}

/// Takes back a handle that [`into_handle`] (or [`new_handle`]) gave to C, to release it
/// after some last work; `None` for NULL.
///
/// # Safety
/// `handle` is NULL or came from [`into_handle`] and was not taken back before.
pub(crate) unsafe fn take_handle<T>(handle: *mut T) -> Option<Box<T>> {
    // SAFETY: NULL, or boxed by into_handle and not taken back since, per the caller's contract.
    (!handle.is_null()).then(|| unsafe { Box::from_raw(handle) })
}

/// Releases a handle that [`new_handle`] gave to C; NULL is a no-op.
///
/// # Safety
/// As [`take_handle`].
pub(crate) unsafe fn free_handle<T>(handle: *mut T) {
    // SAFETY: per the caller's contract.
    drop(unsafe { take_handle(handle) });
}

/// Takes back an array the library handed to C as `(items, count)`, a boxed slice (a list's
/// entries, a buffer's bytes), and resets the pair to `{NULL, 0}`; `None` when `items` is NULL.
///
/// # Safety
/// `items` is NULL, or it and `count` came from a `Box<[T]>` of `count` entries that was not
/// taken back before.
pub(crate) unsafe fn take_array<T>(items: &mut *mut T, count: &mut usize) -> Option<Box<[T]>> {
    let slice = std::ptr::slice_from_raw_parts_mut(
        std::mem::replace(items, std::ptr::null_mut()),
        std::mem::take(count),
    );
    // SAFETY: NULL, or a boxed slice of `count` entries not taken back since, per the caller's
    // contract.
    (!slice.is_null()).then(|| unsafe { Box::from_raw(slice) })
}

/// A recipe's C state callback (`on_state` of a lock or an election) as a Rust one; it owns
/// `user_data` (freed when it goes, or now when there is no callback).
pub(crate) fn state_listener(
    on_state: zk_lock_state_fn,
    user_data: UserData,
) -> Option<StateListener> {
    on_state.map(|callback| {
        Box::new(move |state: State| {
            // SAFETY: the caller registered this callback for this user data.
            unsafe { callback(state.into(), user_data.ptr()) }
        }) as StateListener
    })
}

/// User data handed to a registration, with its optional destructor, run exactly once when the
/// registration (and with it this value) is dropped.
pub(crate) struct UserData {
    ptr: *mut c_void,
    free: zk_free_fn,
}

// SAFETY: the C API documents that user data is handed to callbacks on other threads; the
// caller takes responsibility for its thread safety, as with every C callback API.
unsafe impl Send for UserData {}
// SAFETY: as above.
unsafe impl Sync for UserData {}

impl UserData {
    pub(crate) fn new(ptr: *mut c_void, free: zk_free_fn) -> UserData {
        UserData { ptr, free }
    }

    pub(crate) fn ptr(&self) -> *mut c_void {
        self.ptr
    }
}

impl Drop for UserData {
    fn drop(&mut self) {
        if let Some(free) = self.free {
            // SAFETY: the caller registered this destructor for this pointer.
            unsafe { free(self.ptr) };
        }
    }
}
