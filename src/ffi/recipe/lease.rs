//! kazoo's NonBlockingLease and MultiNonBlockingLease from C.

use std::ffi::c_char;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::ffi::client::{client_arg, zk_client};
use crate::ffi::{bytes_arg, guard, path_arg, required_out, timeout_arg, zk_error};
use crate::recipe::lease::{LeaseOptions, MultiNonBlockingLease, NonBlockingLease};

/// A lease duration from C: 0 or more milliseconds.
fn duration_arg(duration_ms: i64) -> Result<Duration> {
    u64::try_from(duration_ms)
        .map(Duration::from_millis)
        .map_err(|_| {
            Error::InvalidArgument(format!(
                "duration_ms is {duration_ms}: a lease lasts 0 milliseconds or more"
            ))
        })
}

/// A lease identifier from C: UTF-8 bytes; none (NULL or length 0) means this host's name.
///
/// # Safety
/// `identifier` is NULL or valid for reads of `identifier_len` bytes for `'a`.
unsafe fn identifier_arg<'a>(identifier: *const u8, identifier_len: usize) -> Result<&'a str> {
    // SAFETY: per the caller's contract.
    let bytes = unsafe { bytes_arg(identifier, identifier_len, "identifier") }?;
    std::str::from_utf8(bytes)
        .map_err(|_| Error::InvalidArgument("identifier is not valid UTF-8".into()))
}

/// Tries to obtain the lease at `path` for `duration_ms` milliseconds as `identifier`
/// (kazoo's `NonBlockingLease(path, timedelta(milliseconds=duration_ms), identifier)`, and
/// interoperable with it): `*out_obtained` is true when the lease was obtained or renewed
/// (the same identifier held it), false when another identifier holds an unexpired lease or
/// the record has another format version. The lease is recorded in the persistent node
/// `<path>/lease_holder` as kazoo's JSON (`{"version": 1, "holder": ..., "end":
/// "%Y-%m-%dT%H:%M:%S"}`, UTC, whole seconds), read and replaced under kazoo's Lock on `path`;
/// the record is replaced in one transaction. Clocks of the clients sharing a lease must be
/// roughly in step.
///
/// `identifier` is `identifier_len` UTF-8 bytes; NULL or length 0 means this host's name, as
/// in kazoo. `lock_timeout_ms` bounds the wait for the lease's lock: -1 waits as long as it
/// takes (kazoo), 0 or more gives up after that long with `*out_obtained` false. Blocks the
/// calling thread (any callback may call it, of this client too). `path` and `identifier` are
/// borrowed for the call; nothing is allocated for the caller.
///
/// Errors (`*out_obtained` unmodified): `ZK_EINVAL` for a NULL `client`, `path` or
/// `out_obtained`, a negative `duration_ms`, a `lock_timeout_ms` below -1, an `identifier`
/// that is not UTF-8 (or NULL with a length), a lease that would end after the year 9999,
/// no identifier when the host name cannot be read, or a record at `<path>/lease_holder`
/// that is not kazoo's lease JSON (the message names the node and its bytes); `ZK_EBADPATH`
/// for a `path` that is not UTF-8 or breaks ZooKeeper's path rules; `ZK_ECLOSED` when the
/// client is stopped; server errors as they come (connection losses are retried with the
/// client's retry policy first).
///
/// # Safety
/// `client` NULL or live; `path` NULL or a NUL-terminated string; `identifier` NULL or
/// `identifier_len` readable bytes; `out_obtained` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_lease_obtain(
    client: *mut zk_client,
    path: *const c_char,
    duration_ms: i64,
    identifier: *const u8,
    identifier_len: usize,
    lock_timeout_ms: i64,
    out_obtained: *mut bool,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let path = unsafe { path_arg(path) }?;
        // SAFETY: per the contract.
        let identifier = unsafe { identifier_arg(identifier, identifier_len) }?;
        let out_obtained = required_out(out_obtained, "out_obtained")?;
        let duration = duration_arg(duration_ms)?;
        let options = LeaseOptions {
            lock_timeout: timeout_arg(lock_timeout_ms)?,
            ..LeaseOptions::default()
        };
        let obtained = NonBlockingLease::obtain_with(client, path, duration, identifier, &options)?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out_obtained.write(obtained) };
        Ok(())
    })
}

/// Tries to obtain one of `count` leases `<path>/0` .. `<path>/<count - 1>` in order, each as
/// `zk_lease_obtain()`, stopping at the first obtained (kazoo's `MultiNonBlockingLease(count,
/// path, duration, identifier)`, and interoperable with it): `*out_slot` is the number of the
/// lease obtained (or renewed), or -1 when every one is held by another identifier. Arguments
/// as in `zk_lease_obtain()`; `lock_timeout_ms` applies to each lease's lock in turn.
///
/// Errors (`*out_slot` unmodified): those of `zk_lease_obtain()` (an error on one lease ends
/// the call: later leases are not tried), and `ZK_EINVAL` for a `count` of 0 or above
/// `INT32_MAX`, or a NULL `out_slot`.
///
/// # Safety
/// As `zk_lease_obtain()`; `out_slot` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_multi_lease_obtain(
    client: *mut zk_client,
    path: *const c_char,
    count: u32,
    duration_ms: i64,
    identifier: *const u8,
    identifier_len: usize,
    lock_timeout_ms: i64,
    out_slot: *mut i32,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let path = unsafe { path_arg(path) }?;
        // SAFETY: per the contract.
        let identifier = unsafe { identifier_arg(identifier, identifier_len) }?;
        let out_slot = required_out(out_slot, "out_slot")?;
        if count == 0 || i32::try_from(count).is_err() {
            return Err(Error::InvalidArgument(format!(
                "count is {count}: a multi-lease has 1 to INT32_MAX leases"
            )));
        }
        let duration = duration_arg(duration_ms)?;
        let options = LeaseOptions {
            lock_timeout: timeout_arg(lock_timeout_ms)?,
            ..LeaseOptions::default()
        };
        let slot = MultiNonBlockingLease::obtain_with(
            client, count, path, duration, identifier, &options,
        )?;
        // The count fits an i32, so every slot does.
        let slot = slot.map_or(-1, |slot| slot as i32);
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out_slot.write(slot) };
        Ok(())
    })
}
