//! The Lock, ReadLock and WriteLock recipes from C.

use std::ffi::c_char;

use super::client::{client_arg, zk_client};
use super::types::zk_string_list;
use super::{
    bytes_arg, guard, guard_value, path_arg, required, required_out, timeout_arg, zk_error,
};
use crate::error::Error;
use crate::recipe::lock::{Lock, LockKind};

/// A lock (kazoo's `Lock`, `ReadLock` or `WriteLock`, interoperable with them): see
/// `zk_lock_new()`. Thread-safe: `zk_lock_cancel()` may be called from another thread while
/// `zk_lock_acquire()` waits; one acquire runs at a time (a second one waits for the first).
pub struct zk_lock {
    lock: Lock,
}

/// Makes a lock handle of `kind`.
///
/// # Safety
/// As `zk_lock_new()`.
unsafe fn new_lock(
    kind: LockKind,
    client: *mut zk_client,
    path: *const c_char,
    identifier: *const u8,
    identifier_len: usize,
    out_lock: *mut *mut zk_lock,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let path = unsafe { path_arg(path) }?;
        // SAFETY: per the contract.
        let identifier = unsafe { bytes_arg(identifier, identifier_len, "identifier") }?;
        let out_lock = required_out(out_lock, "out_lock")?;
        let lock = Lock::with_listener(client, path, identifier, kind, None);
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out_lock.write(Box::into_raw(Box::new(zk_lock { lock }))) };
        Ok(())
    })
}

/// Makes an exclusive lock on `path` (kazoo's `Lock(path, identifier)`): contenders are
/// ephemeral sequential children `<path>/<guid>__lock__<sequence>` holding their identifier.
/// Nothing is sent until the first acquire. `identifier` (`identifier_len` bytes, NULL when 0;
/// UTF-8 for kazoo to read it) and `path` are borrowed for the call. On success `*out_lock`
/// owns the handle: release it with `zk_lock_free()`.
///
/// # Safety
/// `client` NULL or live (it must outlive the handle); `path` NULL or a string; `identifier`
/// NULL or `identifier_len` readable bytes; `out_lock` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_lock_new(
    client: *mut zk_client,
    path: *const c_char,
    identifier: *const u8,
    identifier_len: usize,
    out_lock: *mut *mut zk_lock,
) -> zk_error {
    // SAFETY: the caller's contract is the same.
    unsafe {
        new_lock(
            LockKind::Exclusive,
            client,
            path,
            identifier,
            identifier_len,
            out_lock,
        )
    }
}

/// Makes the read side of a shared lock on `path` (kazoo's `ReadLock`): readers hold it
/// together and wait only for earlier writers. Arguments and ownership as `zk_lock_new()`.
///
/// # Safety
/// As `zk_lock_new()`.
#[no_mangle]
pub unsafe extern "C" fn zk_read_lock_new(
    client: *mut zk_client,
    path: *const c_char,
    identifier: *const u8,
    identifier_len: usize,
    out_lock: *mut *mut zk_lock,
) -> zk_error {
    // SAFETY: the caller's contract is the same.
    unsafe {
        new_lock(
            LockKind::Read,
            client,
            path,
            identifier,
            identifier_len,
            out_lock,
        )
    }
}

/// Makes the write side of a shared lock on `path` (kazoo's `WriteLock`): a writer waits for
/// every earlier reader and writer. Arguments and ownership as `zk_lock_new()`.
///
/// # Safety
/// As `zk_lock_new()`.
#[no_mangle]
pub unsafe extern "C" fn zk_write_lock_new(
    client: *mut zk_client,
    path: *const c_char,
    identifier: *const u8,
    identifier_len: usize,
    out_lock: *mut *mut zk_lock,
) -> zk_error {
    // SAFETY: the caller's contract is the same.
    unsafe {
        new_lock(
            LockKind::Write,
            client,
            path,
            identifier,
            identifier_len,
            out_lock,
        )
    }
}

/// Waits up to `timeout_ms` milliseconds (-1: forever) for the lock. `*out_acquired` is true
/// once it is held (at once if already held), false on timeout or `zk_lock_cancel()`, and
/// then no contender node of this handle is left. Connection losses and session expiry are
/// retried until the timeout. Blocks the calling thread; not from a callback of the same
/// client.
///
/// # Safety
/// `lock` NULL or live; `out_acquired` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_lock_acquire(
    lock: *mut zk_lock,
    timeout_ms: i64,
    out_acquired: *mut bool,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let lock = unsafe { required(lock, "lock") }?;
        let out_acquired = required_out(out_acquired, "out_acquired")?;
        let timeout = timeout_arg(timeout_ms)?;
        let acquired = lock.lock.acquire(timeout)?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out_acquired.write(acquired) };
        Ok(())
    })
}

/// Takes the lock only if that needs no wait (kazoo's `acquire(blocking=False)`):
/// `*out_acquired` says whether it is held now.
///
/// # Safety
/// `lock` NULL or live; `out_acquired` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_lock_try_acquire(
    lock: *mut zk_lock,
    out_acquired: *mut bool,
) -> zk_error {
    // SAFETY: the caller's contract is the same.
    unsafe { zk_lock_acquire(lock, 0, out_acquired) }
}

/// Releases the lock (deletes its node, retrying connection losses until the node or the
/// session is gone). Releasing a lock that is not held does nothing.
///
/// # Safety
/// `lock` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn zk_lock_release(lock: *mut zk_lock) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let lock = unsafe { required(lock, "lock") }?;
        lock.lock.release()?;
        Ok(())
    })
}

/// Makes a `zk_lock_acquire()` waiting on another thread return promptly with
/// `*out_acquired` false (or the next one, if none is waiting). Any thread may call it.
///
/// # Safety
/// `lock` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn zk_lock_cancel(lock: *mut zk_lock) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let lock = unsafe { required(lock, "lock") }?;
        lock.lock.cancel();
        Ok(())
    })
}

/// The identifiers of every contender for the lock, in lock order (kazoo's `contenders()`):
/// `*out_contenders` receives a list the caller owns (release with `zk_string_list_free()`).
///
/// # Safety
/// `lock` NULL or live; `out_contenders` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_lock_contenders(
    lock: *mut zk_lock,
    out_contenders: *mut zk_string_list,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let lock = unsafe { required(lock, "lock") }?;
        let out_contenders = required_out(out_contenders, "out_contenders")?;
        let list = zk_string_list::from_strings(lock.lock.contenders()?)?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out_contenders.write(list) };
        Ok(())
    })
}

/// A fencing token for the held lock: the sequence number of its node, larger for every
/// later holder of the same lock path. `ZK_EINVAL` (and `*out_token` unmodified) when the
/// lock is not held.
///
/// # Safety
/// `lock` NULL or live; `out_token` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_lock_fencing_token(
    lock: *mut zk_lock,
    out_token: *mut i64,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let lock = unsafe { required(lock, "lock") }?;
        let out_token = required_out(out_token, "out_token")?;
        let token = lock
            .lock
            .fencing_token()
            .ok_or_else(|| Error::InvalidArgument("the lock is not held".into()))?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out_token.write(token) };
        Ok(())
    })
}

/// Whether the lock is held now (false once released, or once the session was lost).
/// False for NULL.
///
/// # Safety
/// `lock` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn zk_lock_is_acquired(lock: *const zk_lock) -> bool {
    guard_value(false, || {
        // SAFETY: per the contract.
        unsafe { lock.as_ref() }.is_some_and(|lock| lock.lock.is_acquired())
    })
}

/// Releases the lock if held (as `zk_lock_release()`, best effort) and frees the handle.
/// NULL is fine. Not while another thread is in a call on the same handle.
///
/// # Safety
/// `lock` NULL or from a `zk_*lock_new()`, not freed before.
#[no_mangle]
pub unsafe extern "C" fn zk_lock_free(lock: *mut zk_lock) {
    guard_value((), || {
        if !lock.is_null() {
            // SAFETY: came from Box::into_raw in new_lock.
            drop(unsafe { Box::from_raw(lock) });
        }
    })
}
