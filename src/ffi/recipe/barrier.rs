//! kazoo's Barrier and DoubleBarrier from C.

use std::ffi::c_char;

use crate::error::Error;
use crate::ffi::client::{client_arg, zk_client};
use crate::ffi::{
    bytes_arg, free_handle, guard, guard_value, new_handle, path_arg, required, required_out,
    timeout_arg, zk_error,
};
use crate::recipe::barrier::{Barrier, DoubleBarrier};

/// A barrier (kazoo's `Barrier`), up while its node exists: see `zk_barrier_new()`.
/// Thread-safe: any thread may use a handle, several at once.
pub struct zk_barrier {
    barrier: Barrier,
}

/// One participant of a double barrier (kazoo's `DoubleBarrier`): see
/// `zk_double_barrier_new()`. Thread-safe, though a participant enters and leaves from one
/// place.
pub struct zk_double_barrier {
    barrier: DoubleBarrier,
}

/// A barrier at `path` (copied). Nothing is sent yet. On success `*out_barrier` owns the
/// handle (release with `zk_barrier_free()`); on failure it is unmodified.
///
/// # Safety
/// `client` NULL or live; `path` NULL or a string; `out_barrier` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_barrier_new(
    client: *mut zk_client,
    path: *const c_char,
    out_barrier: *mut *mut zk_barrier,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let path = unsafe { path_arg(path) }?;
        let out_barrier = required_out(out_barrier, "out_barrier")?;
        let barrier = Barrier::new(client, path);
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { new_handle(out_barrier, zk_barrier { barrier }) };
        Ok(())
    })
}

/// Puts the barrier up: creates its node (and parents) if missing.
///
/// # Safety
/// `barrier` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn zk_barrier_create(barrier: *mut zk_barrier) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let barrier = unsafe { required(barrier, "barrier") }?;
        barrier.barrier.create()
    })
}

/// Takes the barrier down (deletes its node). `*out_removed` (if not NULL) is false when it
/// was not up. On failure `*out_removed` is unmodified.
///
/// # Safety
/// `barrier` NULL or live; `out_removed` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_barrier_remove(
    barrier: *mut zk_barrier,
    out_removed: *mut bool,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let barrier = unsafe { required(barrier, "barrier") }?;
        let removed = barrier.barrier.remove()?;
        // SAFETY: NULL or writable per the contract.
        unsafe { crate::ffi::write_optional(out_removed, removed) };
        Ok(())
    })
}

/// Blocks until the barrier is down, at most `timeout_ms` (-1: no limit), with an exists
/// watch (no polling). `*out_passed` is true when it is down, false when the time ran out.
/// On failure `*out_passed` is unmodified.
///
/// # Safety
/// `barrier` NULL or live; `out_passed` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_barrier_wait(
    barrier: *mut zk_barrier,
    timeout_ms: i64,
    out_passed: *mut bool,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let barrier = unsafe { required(barrier, "barrier") }?;
        let timeout = timeout_arg(timeout_ms)?;
        let out_passed = required_out(out_passed, "out_passed")?;
        let passed = barrier.barrier.wait(timeout)?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out_passed.write(passed) };
        Ok(())
    })
}

/// Releases a barrier handle (the barrier's node stays). NULL is fine.
///
/// # Safety
/// `barrier` NULL or from `zk_barrier_new()`, not freed before.
#[no_mangle]
pub unsafe extern "C" fn zk_barrier_free(barrier: *mut zk_barrier) {
    guard_value((), || {
        // SAFETY: NULL or a handle from its constructor, not freed before, per the contract.
        unsafe { free_handle(barrier) };
    })
}

/// A participant of the double barrier at `path` (copied) that opens when `num_clients`
/// participants have entered. `identifier` (`identifier_len` bytes of UTF-8, copied; NULL only
/// with length 0) is stored in the participant's ephemeral node `<path>/<32 hex digits>`.
/// Nothing is sent yet. On success `*out_barrier` owns the handle (release with
/// `zk_double_barrier_free()`); on failure it is unmodified.
///
/// # Safety
/// `client` NULL or live; `path` NULL or a string; `identifier` NULL or `identifier_len`
/// readable bytes; `out_barrier` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_double_barrier_new(
    client: *mut zk_client,
    path: *const c_char,
    num_clients: u32,
    identifier: *const u8,
    identifier_len: usize,
    out_barrier: *mut *mut zk_double_barrier,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let path = unsafe { path_arg(path) }?;
        // SAFETY: per the contract.
        let identifier = unsafe { bytes_arg(identifier, identifier_len, "identifier") }?;
        let identifier = std::str::from_utf8(identifier)
            .map_err(|_| Error::InvalidArgument("identifier is not valid UTF-8".into()))?;
        let out_barrier = required_out(out_barrier, "out_barrier")?;
        let barrier = DoubleBarrier::new(client, path, num_clients as usize, identifier)?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { new_handle(out_barrier, zk_double_barrier { barrier }) };
        Ok(())
    })
}

/// Enters: blocks until `num_clients` participants are in, at most `timeout_ms` (-1: no
/// limit). `*out_entered` is true once all are in; false when the time ran out (this
/// participant's node is then removed, as kazoo does on a failed enter). The node is made in
/// the client's current session: one of this participant's left by a session the client
/// declared LOST (the server may still hold it) is deleted first, never counted. On a failed
/// enter the node is removed retrying connection losses, through new sessions, for up to
/// twice the session timeout; if it could not be, the call fails with `ZK_ECONNECTIONLOSS`
/// (or `ZK_ECLOSED` for a stopped client) whatever the enter's own outcome: the node may
/// remain, counting as a participant, until the server expires its session. On failure
/// `*out_entered` is unmodified.
///
/// # Safety
/// `barrier` NULL or live; `out_entered` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_double_barrier_enter(
    barrier: *mut zk_double_barrier,
    timeout_ms: i64,
    out_entered: *mut bool,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let barrier = unsafe { required(barrier, "barrier") }?;
        let timeout = timeout_arg(timeout_ms)?;
        let out_entered = required_out(out_entered, "out_entered")?;
        let entered = barrier.barrier.enter(timeout)?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out_entered.write(entered) };
        Ok(())
    })
}

/// Leaves: blocks until every participant has left, at most `timeout_ms` (-1: no limit).
/// `*out_left` is true once all are out (this participant's node is gone from the server);
/// false when the time ran out (this participant's node is removed all the same, retrying
/// connection losses, through new sessions, for up to twice the session timeout;
/// `ZK_ECONNECTIONLOSS` or `ZK_ECLOSED` instead when it could not be: it may remain until
/// the server expires the session that made it). On failure `*out_left` is unmodified.
///
/// # Safety
/// `barrier` NULL or live; `out_left` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_double_barrier_leave(
    barrier: *mut zk_double_barrier,
    timeout_ms: i64,
    out_left: *mut bool,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let barrier = unsafe { required(barrier, "barrier") }?;
        let timeout = timeout_arg(timeout_ms)?;
        let out_left = required_out(out_left, "out_left")?;
        let left = barrier.barrier.leave(timeout)?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out_left.write(left) };
        Ok(())
    })
}

/// Releases a double-barrier handle. Its node (if still there) stays until the server expires
/// the session that made it:
/// call `zk_double_barrier_leave()` first to leave cleanly. NULL is fine.
///
/// # Safety
/// `barrier` NULL or from `zk_double_barrier_new()`, not freed before.
#[no_mangle]
pub unsafe extern "C" fn zk_double_barrier_free(barrier: *mut zk_double_barrier) {
    guard_value((), || {
        // SAFETY: NULL or a handle from its constructor, not freed before, per the contract.
        unsafe { free_handle(barrier) };
    })
}
