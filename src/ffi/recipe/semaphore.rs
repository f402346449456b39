//! The Semaphore recipe from C.

use std::ffi::c_char;

use crate::ffi::client::{client_arg, zk_client};
use crate::ffi::timeout_arg;
use crate::ffi::types::zk_string_list;
use crate::ffi::{
    free_handle, guard, guard_value, listed_identifier_arg, new_handle, path_arg, required,
    required_out, zk_error,
};
use crate::recipe::semaphore::Semaphore;

/// A counting semaphore (kazoo's `Semaphore`, interoperable with it): see
/// `zk_semaphore_new()`. Thread-safe: `zk_semaphore_cancel()` may be called from another
/// thread while `zk_semaphore_acquire()` waits; one acquire runs at a time.
pub struct zk_semaphore {
    semaphore: Semaphore,
}

/// Makes a semaphore on `path` with `max_leases` leases (kazoo's `Semaphore(path, identifier,
/// max_leases)`): leases are ephemeral children `<path>/<guid>` holding their identifier, taken
/// under a lock at `<path>-__lock__`; `<path>`'s data records `max_leases` (an acquire fails
/// with `ZK_EINVAL` when it records another number). Nothing is sent until the first acquire.
/// `path` and `identifier` (`identifier_len` bytes, NULL when 0; no NUL byte, as
/// `zk_semaphore_lease_holders()` returns it as a C string) are borrowed for the call.
/// `ZK_EINVAL` when `max_leases` is 0 or the identifier has a NUL byte. On success
/// `*out_semaphore` owns the handle: release it with `zk_semaphore_free()`.
///
/// # Safety
/// `client` NULL or live (it must outlive the handle); `path` NULL or a string; `identifier`
/// NULL or `identifier_len` readable bytes; `out_semaphore` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_semaphore_new(
    client: *mut zk_client,
    path: *const c_char,
    identifier: *const u8,
    identifier_len: usize,
    max_leases: u32,
    out_semaphore: *mut *mut zk_semaphore,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let path = unsafe { path_arg(path) }?;
        // SAFETY: per the contract.
        let identifier = unsafe { listed_identifier_arg(identifier, identifier_len) }?;
        let out_semaphore = required_out(out_semaphore, "out_semaphore")?;
        let semaphore = Semaphore::new(client, path, identifier, max_leases)?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { new_handle(out_semaphore, zk_semaphore { semaphore }) };
        Ok(())
    })
}

/// Waits up to `timeout_ms` milliseconds (-1: forever) for a lease: `*out_acquired` is true
/// once one is held (at once if already held), false on timeout or `zk_semaphore_cancel()`.
/// A lease is held only on a node of the client's current session: a lease of ours that a
/// session the client declared lost left on the server is deleted first, never adopted.
/// Connection losses and session expiry are retried until the timeout. Blocks the calling
/// thread; it may be called from any callback, of this client too.
///
/// # Safety
/// `semaphore` NULL or live; `out_acquired` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_semaphore_acquire(
    semaphore: *mut zk_semaphore,
    timeout_ms: i64,
    out_acquired: *mut bool,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let semaphore = unsafe { required(semaphore, "semaphore") }?;
        let out_acquired = required_out(out_acquired, "out_acquired")?;
        let timeout = timeout_arg(timeout_ms)?;
        let acquired = semaphore.semaphore.acquire(timeout)?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out_acquired.write(acquired) };
        Ok(())
    })
}

/// Gives the lease back: deletes its node, retrying connection losses through reconnects and
/// new sessions for up to twice the session timeout. `ZK_OK` only once the node is gone from
/// the server (releasing when no lease is held is `ZK_OK` too, after deleting any lease a lost
/// session left). `ZK_ECONNECTIONLOSS` (or the last attempt's `ZK_ESESSIONEXPIRED` or
/// `ZK_EOPERATIONTIMEOUT`; `ZK_ECLOSED` for a stopped client), with a last-error message
/// saying the node may remain, when it could not be deleted in that time: the lease may stay
/// on the server, and count against `max_leases`, until the server expires the session that
/// made it; the next acquire or release deletes it first. Either way the lease is no longer
/// held. Blocks the calling thread meanwhile.
///
/// # Safety
/// `semaphore` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn zk_semaphore_release(semaphore: *mut zk_semaphore) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let semaphore = unsafe { required(semaphore, "semaphore") }?;
        semaphore.semaphore.release()?;
        Ok(())
    })
}

/// Makes a `zk_semaphore_acquire()` waiting on another thread return promptly with
/// `*out_acquired` false. Any thread may call it.
///
/// # Safety
/// `semaphore` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn zk_semaphore_cancel(semaphore: *mut zk_semaphore) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let semaphore = unsafe { required(semaphore, "semaphore") }?;
        semaphore.semaphore.cancel();
        Ok(())
    })
}

/// The identifiers of the current lease holders, in no particular order (kazoo's
/// `lease_holders()`): `*out_holders` receives a list the caller owns (release with
/// `zk_string_list_free()`).
///
/// # Safety
/// `semaphore` NULL or live; `out_holders` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_semaphore_lease_holders(
    semaphore: *mut zk_semaphore,
    out_holders: *mut zk_string_list,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let semaphore = unsafe { required(semaphore, "semaphore") }?;
        let out_holders = required_out(out_holders, "out_holders")?;
        let list = zk_string_list::from_strings(semaphore.semaphore.lease_holders()?)?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out_holders.write(list) };
        Ok(())
    })
}

/// Releases the lease if held (as `zk_semaphore_release()`, best effort: its error is not
/// reported, and it may block as long) and frees the handle. NULL is fine. Not while another
/// thread is in a call on the same handle.
///
/// # Safety
/// `semaphore` NULL or from `zk_semaphore_new()`, not freed before.
#[no_mangle]
pub unsafe extern "C" fn zk_semaphore_free(semaphore: *mut zk_semaphore) {
    guard_value((), || {
        // SAFETY: NULL or a handle from its constructor, not freed before, per the contract.
        unsafe { free_handle(semaphore) };
    })
}
