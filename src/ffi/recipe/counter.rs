//! kazoo's Counter from C.

use std::ffi::c_char;

use crate::ffi::client::{client_arg, zk_client};
use crate::ffi::{
    free_handle, guard, guard_value, new_handle, path_arg, required, required_out, zk_error,
};
use crate::recipe::counter::{Counter, CounterFormat};

/// A shared counter (kazoo's `Counter`): see `zk_counter_new()`. Thread-safe: any thread may
/// use a handle, several at once.
pub struct zk_counter {
    counter: Counter,
}

/// Checks the arguments and writes a new counter handle.
///
/// # Safety
/// As `zk_counter_new()`.
unsafe fn new_counter(
    client: *mut zk_client,
    path: *const c_char,
    default_value: i64,
    format: CounterFormat,
    out_counter: *mut *mut zk_counter,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let path = unsafe { path_arg(path) }?;
        let out_counter = required_out(out_counter, "out_counter")?;
        let counter = Counter::with_format(client, path, default_value, format)?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { new_handle(out_counter, zk_counter { counter }) };
        Ok(())
    })
}

/// A counter at `path` whose value is ASCII decimal, kazoo's format (`zk.Counter(path,
/// default)`). Nothing is sent yet: the node is created holding `default_value` by the first
/// read or change that finds it missing; empty data (a node kazoo created) also reads as
/// `default_value`. `path` is copied. On success `*out_counter` owns the handle (release with
/// `zk_counter_free()`); on failure it is unmodified.
///
/// # Safety
/// `client` NULL or live; `path` NULL or a string; `out_counter` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_counter_new(
    client: *mut zk_client,
    path: *const c_char,
    default_value: i64,
    out_counter: *mut *mut zk_counter,
) -> zk_error {
    // SAFETY: forwarded under the same contract.
    unsafe {
        new_counter(
            client,
            path,
            default_value,
            CounterFormat::Ascii,
            out_counter,
        )
    }
}

/// As `zk_counter_new()`, with the value stored as a big-endian signed 32-bit integer:
/// Curator's `SharedCount` and kazoo's `Counter(..., support_curator=True)`. A
/// `default_value` or a result outside 32 bits is `ZK_EINVAL`.
///
/// # Safety
/// As `zk_counter_new()`.
#[no_mangle]
pub unsafe extern "C" fn zk_counter_new_int32(
    client: *mut zk_client,
    path: *const c_char,
    default_value: i64,
    out_counter: *mut *mut zk_counter,
) -> zk_error {
    // SAFETY: forwarded under the same contract.
    unsafe {
        new_counter(
            client,
            path,
            default_value,
            CounterFormat::Int32Be,
            out_counter,
        )
    }
}

/// As `zk_counter_new()`, with the value stored as a big-endian signed 64-bit integer
/// (Curator's `DistributedAtomicLong`).
///
/// # Safety
/// As `zk_counter_new()`.
#[no_mangle]
pub unsafe extern "C" fn zk_counter_new_int64(
    client: *mut zk_client,
    path: *const c_char,
    default_value: i64,
    out_counter: *mut *mut zk_counter,
) -> zk_error {
    // SAFETY: forwarded under the same contract.
    unsafe {
        new_counter(
            client,
            path,
            default_value,
            CounterFormat::Int64Be,
            out_counter,
        )
    }
}

/// Reads the counter's value into `*out_value` (creating the node with the default when
/// missing). A node holding something other than an integer in the counter's format gives
/// `ZK_EINVAL` with a message naming the node and its data. On failure `*out_value` is
/// unmodified.
///
/// # Safety
/// `counter` NULL or live; `out_value` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_counter_value(
    counter: *mut zk_counter,
    out_value: *mut i64,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let counter = unsafe { required(counter, "counter") }?;
        let out_value = required_out(out_value, "out_value")?;
        let value = counter.counter.value()?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out_value.write(value) };
        Ok(())
    })
}

/// Adds `delta` (negative to subtract) by compare-and-set on the node's version, applying it
/// again on the fresh value after a concurrent change (no update is lost), and writes the new
/// value to `*out_new_value` if that is not NULL. A result outside the format's range gives
/// `ZK_EINVAL` and changes nothing. Never applied twice: a write whose reply was lost is
/// retried only when the node's version shows it did not happen; when it may have,
/// `ZK_ECONNECTIONLOSS` says so (kazoo retries blindly and can count it twice). On failure
/// `*out_new_value` is unmodified.
///
/// # Safety
/// `counter` NULL or live; `out_new_value` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_counter_add(
    counter: *mut zk_counter,
    delta: i64,
    out_new_value: *mut i64,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let counter = unsafe { required(counter, "counter") }?;
        let value = counter.counter.add(delta)?;
        // SAFETY: NULL or writable per the contract.
        unsafe { crate::ffi::write_optional(out_new_value, value) };
        Ok(())
    })
}

/// Releases a counter handle (the node stays). NULL is fine.
///
/// # Safety
/// `counter` NULL or from a `zk_counter_new*()` function, not freed before.
#[no_mangle]
pub unsafe extern "C" fn zk_counter_free(counter: *mut zk_counter) {
    guard_value((), || {
        // SAFETY: NULL or a handle from its constructor, not freed before, per the contract.
        unsafe { free_handle(counter) };
    })
}
