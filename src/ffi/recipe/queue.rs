//! kazoo's Queue and LockingQueue from C.

use std::ffi::c_char;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::ffi::client::{client_arg, zk_client};
use crate::ffi::types::zk_buffer;
use crate::ffi::{
    bytes_arg, free_handle, guard, guard_value, new_handle, path_arg, required, required_out,
    timeout_arg, zk_error,
};
use crate::recipe::queue::{LockingQueue, Queue};

/// `count` byte buffers given as two parallel arrays: `values[i]` holds `lens[i]` bytes
/// (NULL when that length is 0). Both arrays may be NULL when `count` is 0.
///
/// # Safety
/// `values` and `lens` NULL or `count` readable entries each; every `values[i]` NULL or
/// `lens[i]` readable bytes, for `'a`.
unsafe fn buffers_arg<'a>(
    values: *const *const u8,
    lens: *const usize,
    count: usize,
) -> Result<Vec<&'a [u8]>> {
    if count == 0 {
        return Ok(Vec::new());
    }
    if values.is_null() || lens.is_null() {
        let name = if values.is_null() { "values" } else { "lens" };
        return Err(crate::ffi::null_argument(name));
    }
    if count > isize::MAX as usize / std::mem::size_of::<usize>() {
        return Err(Error::InvalidArgument(format!(
            "count {count} is too large"
        )));
    }
    // SAFETY: non-NULL with `count` readable entries each, per the contract.
    let (values, lens) = unsafe {
        (
            std::slice::from_raw_parts(values, count),
            std::slice::from_raw_parts(lens, count),
        )
    };
    values
        .iter()
        .zip(lens)
        .enumerate()
        // SAFETY: each value NULL or `len` readable bytes, per the contract.
        .map(|(index, (value, len))| unsafe {
            bytes_arg(*value, *len, &format!("values[{index}]"))
        })
        .collect()
}

/// A distributed priority queue (kazoo's `Queue`, interoperable with it): see
/// `zk_queue_new()`. Thread-safe: any thread may use a handle, several at once.
pub struct zk_queue {
    queue: Queue,
}

/// A distributed priority queue with claimed entries (kazoo's `LockingQueue`, interoperable
/// with it): see `zk_locking_queue_new()`. Thread-safe: any thread may use a handle; it
/// processes one entry at a time.
pub struct zk_locking_queue {
    queue: LockingQueue,
}

/// The one path of `zk_queue_get()` and `zk_locking_queue_get()`: checks the arguments, runs
/// `get` with the timeout, and writes what it returned: the data (or `{NULL, 0}`) and whether
/// there was any. On failure the outputs are unmodified.
///
/// # Safety
/// `out_data` and `out_got` NULL or writable.
unsafe fn get_entry(
    timeout_ms: i64,
    out_data: *mut zk_buffer,
    out_got: *mut bool,
    get: impl FnOnce(Option<Duration>) -> Result<Option<Vec<u8>>>,
) -> Result<()> {
    let timeout = timeout_arg(timeout_ms)?;
    let out_data = required_out(out_data, "out_data")?;
    let out_got = required_out(out_got, "out_got")?;
    let taken = get(timeout)?;
    let got = taken.is_some();
    // SAFETY: checked non-NULL; writable per the contract.
    unsafe {
        out_data.write(zk_buffer::from_vec(taken.unwrap_or_default()));
        out_got.write(got);
    }
    Ok(())
}

/// A queue at `path` (kazoo's `zk.Queue(path)`): entries are persistent sequential children
/// `<path>/entry-<priority>-<sequence>`, taken lowest priority number first, oldest first
/// within a priority. Nothing is sent yet; `path` is copied. On success `*out_queue` owns the
/// handle (release with `zk_queue_free()`); on failure it is unmodified.
///
/// # Safety
/// `client` NULL or live; `path` NULL or a string; `out_queue` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_queue_new(
    client: *mut zk_client,
    path: *const c_char,
    out_queue: *mut *mut zk_queue,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let path = unsafe { path_arg(path) }?;
        let out_queue = required_out(out_queue, "out_queue")?;
        let queue = Queue::new(client, path);
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { new_handle(out_queue, zk_queue { queue }) };
        Ok(())
    })
}

/// Adds an entry holding `data` (`len` bytes, borrowed for the call; NULL when 0) with
/// `priority` from 0 to 999 (lower is taken first; kazoo's default is 100). A priority
/// outside that range is `ZK_EINVAL`.
///
/// # Safety
/// `queue` NULL or live; `data` NULL or `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn zk_queue_put(
    queue: *mut zk_queue,
    data: *const u8,
    len: usize,
    priority: i32,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let queue = unsafe { required(queue, "queue") }?;
        // SAFETY: per the contract.
        let data = unsafe { bytes_arg(data, len, "data") }?;
        queue.queue.put(data, priority)
    })
}

/// Adds `count` entries with `priority` in one transaction: all of them or, on an error,
/// none (kazoo's `put_all`). Entry `i` holds `values[i]` (`lens[i]` bytes; NULL when 0); the
/// arrays are borrowed for the call and may be NULL when `count` is 0. A priority outside 0
/// to 999 is `ZK_EINVAL`. The entries keep their order within the priority.
///
/// # Safety
/// `queue` NULL or live; `values` and `lens` NULL or `count` readable entries each, every
/// `values[i]` NULL or `lens[i]` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn zk_queue_put_all(
    queue: *mut zk_queue,
    values: *const *const u8,
    lens: *const usize,
    count: usize,
    priority: i32,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let queue = unsafe { required(queue, "queue") }?;
        // SAFETY: per the contract.
        let values = unsafe { buffers_arg(values, lens, count) }?;
        queue.queue.put_all(&values, priority)
    })
}

/// Takes the first entry: `*out_got` is true and `*out_data` owns its bytes (release with
/// `zk_buffer_free()`), or `*out_got` is false and `*out_data` is `{NULL, 0}` when the queue
/// stayed empty. `timeout_ms`: 0 = do not wait, -1 = wait for ever, otherwise wait (on a
/// children watch) up to that many milliseconds for an entry. On failure the outputs are
/// unmodified.
///
/// # Safety
/// `queue` NULL or live; `out_data` and `out_got` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_queue_get(
    queue: *mut zk_queue,
    timeout_ms: i64,
    out_data: *mut zk_buffer,
    out_got: *mut bool,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let queue = unsafe { required(queue, "queue") }?;
        // SAFETY: per the contract.
        unsafe {
            get_entry(timeout_ms, out_data, out_got, |timeout| {
                queue.queue.get(timeout)
            })
        }
    })
}

/// Writes the number of entries to `*out_len`. On failure it is unmodified.
///
/// # Safety
/// `queue` NULL or live; `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_queue_len(queue: *mut zk_queue, out_len: *mut usize) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let queue = unsafe { required(queue, "queue") }?;
        let out_len = required_out(out_len, "out_len")?;
        let len = queue.queue.len()?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out_len.write(len) };
        Ok(())
    })
}

/// Releases a queue handle (the entries stay). NULL is fine.
///
/// # Safety
/// `queue` NULL or from `zk_queue_new()`, not freed before.
#[no_mangle]
pub unsafe extern "C" fn zk_queue_free(queue: *mut zk_queue) {
    guard_value((), || {
        // SAFETY: NULL or a handle from its constructor, not freed before, per the contract.
        unsafe { free_handle(queue) };
    })
}

/// A locking queue at `path` (kazoo's `zk.LockingQueue(path)`): entries are
/// `<path>/entries/entry-<priority>-<sequence>`, claims ephemeral `<path>/taken/<entry>`
/// holding the handle's 32-hex-digit id. Nothing is sent yet; `path` is copied. On success
/// `*out_queue` owns the handle (release with `zk_locking_queue_free()`); on failure it is
/// unmodified.
///
/// # Safety
/// `client` NULL or live; `path` NULL or a string; `out_queue` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_locking_queue_new(
    client: *mut zk_client,
    path: *const c_char,
    out_queue: *mut *mut zk_locking_queue,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let path = unsafe { path_arg(path) }?;
        let out_queue = required_out(out_queue, "out_queue")?;
        let queue = LockingQueue::new(client, path);
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { new_handle(out_queue, zk_locking_queue { queue }) };
        Ok(())
    })
}

/// As `zk_queue_put()`, for a locking queue.
///
/// # Safety
/// `queue` NULL or live; `data` NULL or `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn zk_locking_queue_put(
    queue: *mut zk_locking_queue,
    data: *const u8,
    len: usize,
    priority: i32,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let queue = unsafe { required(queue, "queue") }?;
        // SAFETY: per the contract.
        let data = unsafe { bytes_arg(data, len, "data") }?;
        queue.queue.put(data, priority)
    })
}

/// As `zk_queue_put_all()`, for a locking queue.
///
/// # Safety
/// As `zk_queue_put_all()`.
#[no_mangle]
pub unsafe extern "C" fn zk_locking_queue_put_all(
    queue: *mut zk_locking_queue,
    values: *const *const u8,
    lens: *const usize,
    count: usize,
    priority: i32,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let queue = unsafe { required(queue, "queue") }?;
        // SAFETY: per the contract.
        let values = unsafe { buffers_arg(values, lens, count) }?;
        queue.queue.put_all(&values, priority)
    })
}

/// Whether this handle has claimed an entry and its claim still holds the handle's id and
/// belongs to the client's current session (kazoo's `holds_lock()`; asked of the server after
/// a sync), into `*out_holds`. False once the client has declared the session that made the
/// claim LOST, even while the server still holds it. On failure it is unmodified.
///
/// # Safety
/// `queue` NULL or live; `out_holds` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_locking_queue_holds_lock(
    queue: *mut zk_locking_queue,
    out_holds: *mut bool,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let queue = unsafe { required(queue, "queue") }?;
        let out_holds = required_out(out_holds, "out_holds")?;
        let holds = queue.queue.holds_lock()?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out_holds.write(holds) };
        Ok(())
    })
}

/// Claims the first unclaimed entry and returns its data as `zk_queue_get()` does (same
/// `timeout_ms`, `*out_data` released with `zk_buffer_free()`). While a claimed entry is not
/// yet consumed or released, returns that entry again. A claim of ours left by a session the
/// client declared LOST is deleted and the entry claimed afresh, never adopted. On failure
/// the outputs are unmodified.
///
/// # Safety
/// `queue` NULL or live; `out_data` and `out_got` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_locking_queue_get(
    queue: *mut zk_locking_queue,
    timeout_ms: i64,
    out_data: *mut zk_buffer,
    out_got: *mut bool,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let queue = unsafe { required(queue, "queue") }?;
        // SAFETY: per the contract.
        unsafe {
            get_entry(timeout_ms, out_data, out_got, |timeout| {
                queue.queue.get(timeout)
            })
        }
    })
}

/// Removes the claimed entry and its claim in one transaction, only while the claim belongs
/// to the client's current session; `*out_done` is true once both are gone. It is false when
/// nothing was claimed or the claim was lost: gone with an expired session, or of a session
/// the client declared LOST (that claim is deleted, retrying through new sessions for up to
/// twice the session timeout): the entry is not consumed and stays for whoever claims it
/// next. `ZK_ECONNECTIONLOSS` when the commit's reply was lost and, the session having
/// changed meanwhile, the entry is gone without telling whether this consumer or another
/// removed it (it may or may not have happened; nothing is claimed afterwards), and when a
/// claim of a lost session could not be deleted (it may block the entry until the server
/// expires that session). On other failures `*out_done` is unmodified and the claim is kept,
/// for a later call.
///
/// # Safety
/// `queue` NULL or live; `out_done` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_locking_queue_consume(
    queue: *mut zk_locking_queue,
    out_done: *mut bool,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let queue = unsafe { required(queue, "queue") }?;
        let out_done = required_out(out_done, "out_done")?;
        let done = queue.queue.consume()?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out_done.write(done) };
        Ok(())
    })
}

/// Gives the claim up, leaving the entry to others; `*out_done` is true once the claim is
/// gone from the server, false when nothing was claimed or the claim was lost (a claim of a
/// session the client declared LOST is deleted then too, retrying through new sessions for
/// up to twice the session timeout). `ZK_ECONNECTIONLOSS` when such a claim could not be
/// deleted in that time: it may block the entry until the server expires that session. On
/// failure `*out_done` is unmodified.
///
/// # Safety
/// `queue` NULL or live; `out_done` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_locking_queue_release(
    queue: *mut zk_locking_queue,
    out_done: *mut bool,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let queue = unsafe { required(queue, "queue") }?;
        let out_done = required_out(out_done, "out_done")?;
        let done = queue.queue.release()?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out_done.write(done) };
        Ok(())
    })
}

/// Writes the number of entries, claimed ones included, to `*out_len`. On failure it is
/// unmodified.
///
/// # Safety
/// `queue` NULL or live; `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_locking_queue_len(
    queue: *mut zk_locking_queue,
    out_len: *mut usize,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let queue = unsafe { required(queue, "queue") }?;
        let out_len = required_out(out_len, "out_len")?;
        let len = queue.queue.len()?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out_len.write(len) };
        Ok(())
    })
}

/// Releases a locking queue handle (a claim stays until released, consumed or the server
/// expires the session that made it). NULL is fine.
///
/// # Safety
/// `queue` NULL or from `zk_locking_queue_new()`, not freed before.
#[no_mangle]
pub unsafe extern "C" fn zk_locking_queue_free(queue: *mut zk_locking_queue) {
    guard_value((), || {
        // SAFETY: NULL or a handle from its constructor, not freed before, per the contract.
        unsafe { free_handle(queue) };
    })
}
