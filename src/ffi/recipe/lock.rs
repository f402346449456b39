//! The Lock, ReadLock and WriteLock recipes from C.

use std::ffi::{c_char, c_void};

use crate::error::{Error, Result};
use crate::ffi::client::{client_arg, zk_client};
use crate::ffi::types::{zk_free_fn, zk_state, zk_string_list};
use crate::ffi::versioned::{end_of, init_options, read_options, Versioned};
use crate::ffi::{
    free_handle, guard, guard_value, listed_identifier_arg, new_handle, path_arg, required,
    required_out, state_listener, string_array_arg, timeout_arg, zk_error, UserData,
};
use crate::recipe::lock::{Lock, LockKind, LockOptions};

/// A lock (kazoo's `Lock`, `ReadLock` or `WriteLock`, interoperable with them): see
/// `zk_lock_new()`. Thread-safe: `zk_lock_cancel()` may be called from another thread while
/// `zk_lock_acquire()` waits; one acquire runs at a time (a second one waits for the first).
pub struct zk_lock {
    lock: Lock,
}

/// Which of kazoo's locks `zk_lock_new_with_options()` makes.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum zk_lock_kind {
    /// kazoo's `Lock` (as `zk_lock_new()`): exclusive among `__lock__` contenders.
    ZK_LOCK_EXCLUSIVE = 0,
    /// kazoo's `ReadLock` (as `zk_read_lock_new()`): shared, waits for earlier writers.
    ZK_LOCK_READ = 1,
    /// kazoo's `WriteLock` (as `zk_write_lock_new()`): waits for every earlier contender.
    ZK_LOCK_WRITE = 2,
}

fn lock_kind_arg(kind: i32) -> Result<LockKind> {
    match kind {
        0 => Ok(LockKind::Exclusive),
        1 => Ok(LockKind::Read),
        2 => Ok(LockKind::Write),
        other => Err(Error::InvalidArgument(format!(
            "lock kind {other} is not one of zk_lock_kind"
        ))),
    }
}

/// The current version of `zk_lock_options`: what `zk_lock_options_init()` is given by a
/// program built against this header.
pub const ZK_LOCK_OPTIONS_VERSION: u32 = 1;

/// How `zk_lock_new_with_options()` contends. Initialise it with
/// `zk_lock_options_init(&opts, ZK_LOCK_OPTIONS_VERSION)` (kazoo's plain `Lock`), then set
/// what you need. All zeros is not valid (version 0: `ZK_EINVAL`). Borrowed for the call.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct zk_lock_options {
    /// The version of this struct the caller was built with (`ZK_LOCK_OPTIONS_VERSION`), set by
    /// `zk_lock_options_init()`. The library reads only that version's fields.
    pub version: u32,
    /// One of `zk_lock_kind` (0 = `ZK_LOCK_EXCLUSIVE`).
    pub kind: i32,
    /// More contender markers to wait for (kazoo's `extra_lock_patterns`): a child of the
    /// lock path named `...<marker><10 digits>` (or `...<marker>-<10 digits>`) counts as a
    /// contender too, in sequence order. `"-lock-"` makes Curator's and go-zk's lock nodes
    /// (`_c_<guid>-lock-<sequence>`) exclude ours. `extra_pattern_count` UTF-8 strings, each
    /// literal text (kazoo takes regular expressions), not empty, no `/`; copied. NULL when
    /// the count is 0.
    pub extra_patterns: *const *const c_char,
    /// How many strings `extra_patterns` holds.
    pub extra_pattern_count: usize,
}

// SAFETY: repr(C), version first, plain fields; the sizes end at each version's last field.
unsafe impl Versioned for zk_lock_options {
    const NAME: &'static str = "zk_lock_options";
    const SET_VERSION: &'static str = "call zk_lock_options_init() with the header's version";
    const SIZES: &'static [usize] = &[end_of!(zk_lock_options, extra_pattern_count)];
    fn defaults() -> Self {
        zk_lock_options {
            version: ZK_LOCK_OPTIONS_VERSION,
            kind: zk_lock_kind::ZK_LOCK_EXCLUSIVE as i32,
            extra_patterns: std::ptr::null(),
            extra_pattern_count: 0,
        }
    }
}

/// The current version's defaults (for Rust callers; C calls `zk_lock_options_init()`).
impl Default for zk_lock_options {
    fn default() -> Self {
        <Self as Versioned>::defaults()
    }
}

/// Fills `*options` with the defaults of version `version` of `zk_lock_options` (pass
/// `ZK_LOCK_OPTIONS_VERSION`): kazoo's plain `Lock` (`ZK_LOCK_EXCLUSIVE`, no extra patterns:
/// NULL, 0). Writes only the fields that version has. `ZK_EINVAL` (nothing written) for a NULL
/// `options`, version 0, or a version newer than the library.
///
/// # Safety
/// `options` NULL or writable for the struct of that version.
#[no_mangle]
pub unsafe extern "C" fn zk_lock_options_init(
    options: *mut zk_lock_options,
    version: u32,
) -> zk_error {
    // SAFETY: per the contract.
    guard(|| unsafe { init_options(options, version, "options") })
}

/// Told each connection-state change (`ZK_STATE_SUSPENDED`, `ZK_STATE_CONNECTED`,
/// `ZK_STATE_LOST`) while the lock is held: when SUSPENDED the holder can no longer be sure it
/// holds the lock (stop touching the guarded resource until CONNECTED); after LOST it does
/// not (the session and its node are gone, `zk_lock_is_acquired()` is false). A state may
/// repeat. Runs on the client's dispatcher thread, in order with the client's other
/// callbacks; it may call any zkclient function except a blocking wait on this lock
/// (`zk_lock_acquire()` with a timeout other than 0) and `zk_lock_free()` of this handle.
pub type zk_lock_state_fn = Option<unsafe extern "C" fn(state: zk_state, user_data: *mut c_void)>;

/// Makes a lock on `path` as `options` say (NULL: the defaults of `zk_lock_options_init()`;
/// `ZK_EINVAL` for version 0 or an unknown one), with kazoo's node layout for its kind. `on_state` (may be NULL) is told of connection-state changes
/// while the lock is held (see `zk_lock_state_fn`). `user_data` goes to `on_state`; it belongs
/// to the library from this call on: `free_user_data` (may be NULL) runs exactly once, after
/// the last callback (or before this call returns, if it fails): usually before
/// `zk_lock_free()` returns, at the latest when the client's dispatcher has run what was
/// queued (`zk_client_free()` waits for that). Arguments otherwise as `zk_lock_new()`;
/// `ZK_EINVAL` for an unknown kind or a bad extra pattern.
///
/// # Safety
/// `client` NULL or live (it must outlive the handle); `path` NULL or a string; `identifier`
/// NULL or `identifier_len` readable bytes; `options` NULL or valid for its version, its
/// `extra_patterns` NULL or `extra_pattern_count` pointers, each NULL or a string; `out_lock`
/// NULL or writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn zk_lock_new_with_options(
    client: *mut zk_client,
    path: *const c_char,
    identifier: *const u8,
    identifier_len: usize,
    options: *const zk_lock_options,
    on_state: zk_lock_state_fn,
    user_data: *mut c_void,
    free_user_data: zk_free_fn,
    out_lock: *mut *mut zk_lock,
) -> zk_error {
    let user_data = UserData::new(user_data, free_user_data);
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let path = unsafe { path_arg(path) }?;
        // SAFETY: per the contract.
        let identifier = unsafe { listed_identifier_arg(identifier, identifier_len) }?;
        let out_lock = required_out(out_lock, "out_lock")?;
        // SAFETY: NULL or valid for its version per the contract.
        let options = unsafe { read_options(options) }?.unwrap_or_default();
        let kind = lock_kind_arg(options.kind)?;
        // SAFETY: per the contract.
        let extra_patterns = unsafe {
            string_array_arg(
                options.extra_patterns,
                options.extra_pattern_count,
                "extra_patterns",
            )
        }?;
        let on_state = state_listener(on_state, user_data);
        let lock = Lock::with_options(
            client,
            path,
            identifier,
            LockOptions {
                kind,
                extra_patterns,
                on_state,
            },
        )?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { new_handle(out_lock, zk_lock { lock }) };
        Ok(())
    })
}

/// Makes a lock of `kind` with no extra patterns and no state callback.
///
/// # Safety
/// As `zk_lock_new()`.
unsafe fn new_plain_lock(
    kind: zk_lock_kind,
    client: *mut zk_client,
    path: *const c_char,
    identifier: *const u8,
    identifier_len: usize,
    out_lock: *mut *mut zk_lock,
) -> zk_error {
    let options = zk_lock_options {
        kind: kind as i32,
        ..zk_lock_options::default()
    };
    // SAFETY: the caller's contract is the same; `options` lives for the call.
    unsafe {
        zk_lock_new_with_options(
            client,
            path,
            identifier,
            identifier_len,
            &options,
            None,
            std::ptr::null_mut(),
            None,
            out_lock,
        )
    }
}

/// Makes an exclusive lock on `path` (kazoo's `Lock(path, identifier)`): contenders are
/// ephemeral sequential children `<path>/<guid>__lock__<sequence>` holding their identifier.
/// Nothing is sent until the first acquire. `identifier` (`identifier_len` bytes, NULL when 0;
/// UTF-8 for kazoo to read it; no NUL byte, as `zk_lock_contenders()` returns it as a C
/// string: `ZK_EINVAL`) and `path` are borrowed for the call. On success `*out_lock`
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
        new_plain_lock(
            zk_lock_kind::ZK_LOCK_EXCLUSIVE,
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
        new_plain_lock(
            zk_lock_kind::ZK_LOCK_READ,
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
        new_plain_lock(
            zk_lock_kind::ZK_LOCK_WRITE,
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
/// retried until the timeout. Blocks the calling thread; it may be called from any callback,
/// of this client too (the watch events it waits for do not queue behind the callback).
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

/// Releases the lock: deletes its node, retrying connection losses through reconnects and new
/// sessions for up to twice the session timeout. `ZK_OK` only once the node is gone from the
/// server (releasing a lock that is not held is `ZK_OK` too, after deleting any node a lost
/// session left). `ZK_ECONNECTIONLOSS` (or the last attempt's `ZK_ESESSIONEXPIRED` or
/// `ZK_EOPERATIONTIMEOUT`; `ZK_ECLOSED` for a stopped client) when the node could not be
/// deleted in that time: it may remain until the server expires the session that
/// made it, so no other contender holds the lock before then; the next acquire deletes it
/// first. Either way the lock is no longer held. Blocks the calling thread meanwhile.
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

/// A fencing token for the held lock: a signed 64-bit integer, the `czxid` of the lock's
/// contender node (the zxid of the transaction that created it). Strictly larger for every
/// later grant of the same lock path, for the life of the ensemble, even when the lock's
/// parent node is deleted and made again. Hand it to the guarded resource, which refuses any
/// token smaller than the largest it has accepted. `ZK_EINVAL` (and `*out_token` unmodified)
/// when the lock is not held.
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
/// `lock` NULL or from `zk_lock_new()`, `zk_read_lock_new()`, `zk_write_lock_new()` or
/// `zk_lock_new_with_options()`, not freed before.
#[no_mangle]
pub unsafe extern "C" fn zk_lock_free(lock: *mut zk_lock) {
    guard_value((), || {
        // SAFETY: NULL or a handle from its constructor, not freed before, per the contract.
        unsafe { free_handle(lock) };
    })
}
