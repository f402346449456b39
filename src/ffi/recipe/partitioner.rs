//! kazoo's SetPartitioner from C.

use std::ffi::{c_char, c_void, CStr};
use std::sync::Arc;

use crate::error::Error;
use crate::ffi::client::{client_arg, zk_client};
use crate::ffi::types::{zk_free_fn, zk_string_list, zk_string_list_free};
use crate::ffi::versioned::{end_of, init_options, read_options, Versioned};
use crate::ffi::{
    free_handle, guard, guard_value, new_handle, path_arg, required, required_out,
    string_array_arg, timeout_arg, zk_error, UserData,
};
use crate::recipe::partitioner::{
    PartitionFn, PartitionState, PartitionerOptions, SetPartitioner, StateChangeFn,
    DEFAULT_MAX_REACTION_TIME, DEFAULT_TIME_BOUNDARY,
};

/// A partitioner's state (kazoo's `PartitionState`); `zk_partition_state_str()` names it.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum zk_partition_state {
    /// The set is being divided: waiting until the party has been unchanged for
    /// `time_boundary_ms`, then taking the lock of each item of this member's share.
    ZK_PARTITION_ALLOCATING = 0,
    /// Every item of this member's share is locked: `zk_partitioner_partitions()` lists them.
    ZK_PARTITION_ACQUIRED = 1,
    /// The party or the connection changed: stop using the items, then call
    /// `zk_partitioner_release_set()` (the locks are held until then).
    ZK_PARTITION_RELEASE = 2,
    /// Terminal: the session was lost, an unexpected error happened, or
    /// `zk_partitioner_finish()` was called. Make a new partitioner to take part again (after
    /// `zk_partitioner_finish()`, which waits until the party node and item locks of a lost
    /// session are deleted).
    ZK_PARTITION_FAILURE = 3,
}

impl From<PartitionState> for zk_partition_state {
    fn from(state: PartitionState) -> Self {
        match state {
            PartitionState::Allocating => zk_partition_state::ZK_PARTITION_ALLOCATING,
            PartitionState::Acquired => zk_partition_state::ZK_PARTITION_ACQUIRED,
            PartitionState::Release => zk_partition_state::ZK_PARTITION_RELEASE,
            PartitionState::Failure => zk_partition_state::ZK_PARTITION_FAILURE,
        }
    }
}

fn state_from_i32(state: i32) -> Option<PartitionState> {
    match state {
        0 => Some(PartitionState::Allocating),
        1 => Some(PartitionState::Acquired),
        2 => Some(PartitionState::Release),
        3 => Some(PartitionState::Failure),
        _ => None,
    }
}

/// Told every new state of a partitioner, with the `user_data` given to
/// `zk_partitioner_new()`. It runs on the thread that caused the change: the partitioner's
/// own worker thread, the client's dispatcher thread (party and connection changes), or the
/// thread in `zk_partitioner_release_set()`, `zk_partitioner_finish()` or
/// `zk_partitioner_free()`. Calls for one partitioner never overlap and come in order. It may
/// call `zk_partitioner_state()`, `zk_partitioner_partitions()`,
/// `zk_partitioner_release_set()`, `zk_partitioner_finish()` and any other zkclient function,
/// but not `zk_partitioner_free()` on its own handle nor a wait on the same partitioner.
pub type zk_partitioner_state_fn =
    Option<unsafe extern "C" fn(state: zk_partition_state, user_data: *mut c_void)>;

/// A custom partition function (kazoo's `partition_func`): given this member's `identifier`,
/// every member's identifier (`members`, ours included, in node-name order) and the set
/// (`items`, sorted, no duplicates), it sets `out_selected[i]` to true for each item `i` this
/// member should take (the array has `items->count` entries, all false on entry). Every
/// member must compute disjoint shares from the same inputs; the per-item locks keep two
/// members from holding one item even when they disagree. Everything is borrowed for the
/// call. It runs on the partitioner's worker thread with the `user_data` given to
/// `zk_partitioner_new()`, and must not block on the partitioner.
pub type zk_partition_fn = Option<
    unsafe extern "C" fn(
        identifier: *const c_char,
        members: *const zk_string_list,
        items: *const zk_string_list,
        out_selected: *mut bool,
        user_data: *mut c_void,
    ),
>;

/// The current version of `zk_partitioner_options`: what `zk_partitioner_options_init()` is
/// given by a program built against this header.
pub const ZK_PARTITIONER_OPTIONS_VERSION: u32 = 1;

/// How `zk_partitioner_new()` takes part. Initialise it with
/// `zk_partitioner_options_init(&opts, ZK_PARTITIONER_OPTIONS_VERSION)` (kazoo's defaults),
/// then change what you need. All zeros is not valid (version 0: `ZK_EINVAL`). Borrowed for
/// the call.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct zk_partitioner_options {
    /// The version of this struct the caller was built with (`ZK_PARTITIONER_OPTIONS_VERSION`),
    /// set by `zk_partitioner_options_init()`. The library reads only that version's fields.
    pub version: u32,
    /// This member's identifier (UTF-8, non-empty, no `/`), part of its party node
    /// `<path>/party/<guid>-<identifier>`; copied. NULL: kazoo's default
    /// `<host name>-<process id>`.
    pub identifier: *const c_char,
    /// How long the party's membership must be unchanged before the set is divided, in
    /// milliseconds (kazoo's `time_boundary`, default 30000). 0 divides at once.
    pub time_boundary_ms: u32,
    /// The longest single wait for one item's lock before checking whether the party changed
    /// meanwhile, in milliseconds (kazoo's `max_reaction_time`, default 1000). Must be > 0.
    pub max_reaction_time_ms: u32,
    /// How the set is divided; NULL: kazoo's default (sort the items and the member
    /// identifiers; the member at index `i` of `n` takes items `i`, `i + n`, `i + 2n`, ...).
    pub partition_func: zk_partition_fn,
}

// SAFETY: repr(C), version first, plain fields; the sizes end at each version's last field.
unsafe impl Versioned for zk_partitioner_options {
    const NAME: &'static str = "zk_partitioner_options";
    const SET_VERSION: &'static str =
        "call zk_partitioner_options_init() with the header's version";
    const SIZES: &'static [usize] = &[end_of!(zk_partitioner_options, partition_func)];
    fn defaults() -> Self {
        zk_partitioner_options {
            version: ZK_PARTITIONER_OPTIONS_VERSION,
            identifier: std::ptr::null(),
            time_boundary_ms: DEFAULT_TIME_BOUNDARY.as_millis() as u32,
            max_reaction_time_ms: DEFAULT_MAX_REACTION_TIME.as_millis() as u32,
            partition_func: None,
        }
    }
}

/// The current version's defaults (for Rust callers; C calls `zk_partitioner_options_init()`).
impl Default for zk_partitioner_options {
    fn default() -> Self {
        <Self as Versioned>::defaults()
    }
}

/// Fills `*options` with the defaults of version `version` of `zk_partitioner_options` (pass
/// `ZK_PARTITIONER_OPTIONS_VERSION`): kazoo's defaults, the default identifier (NULL), a 30 s
/// time boundary (30000), a 1 s maximum reaction time (1000), kazoo's partition function
/// (NULL). Writes only the fields that version has. `ZK_EINVAL` (nothing written) for a NULL
/// `options`, version 0, or a version newer than the library.
///
/// # Safety
/// `options` NULL or writable for the struct of that version.
#[no_mangle]
pub unsafe extern "C" fn zk_partitioner_options_init(
    options: *mut zk_partitioner_options,
    version: u32,
) -> zk_error {
    // SAFETY: per the contract.
    guard(|| unsafe { init_options(options, version, "options") })
}

/// A member of a set partition (kazoo's `SetPartitioner`, interoperable with it): see
/// `zk_partitioner_new()`. Thread-safe: any thread may call any function on a handle, several
/// at once (`zk_partitioner_free()` excepted).
pub struct zk_partitioner {
    partitioner: SetPartitioner,
}

/// Wraps a C partition function as a Rust one.
fn c_partition_fn(
    function: unsafe extern "C" fn(
        *const c_char,
        *const zk_string_list,
        *const zk_string_list,
        *mut bool,
        *mut c_void,
    ),
    user_data: Arc<UserData>,
) -> PartitionFn {
    Arc::new(
        move |identifier: &str, members: &[String], items: &[String]| {
            let (Ok(identifier), Ok(mut members), Ok(mut item_list)) = (
                std::ffi::CString::new(identifier),
                zk_string_list::from_strings(members.to_vec()),
                zk_string_list::from_strings(items.to_vec()),
            ) else {
                return Vec::new(); // a NUL inside: not possible for node names
            };
            let mut selected = vec![false; items.len()];
            // SAFETY: the caller registered this function for this user data; every argument
            // lives for the call and `selected` has `items.len()` entries.
            unsafe {
                function(
                    identifier.as_ptr(),
                    &members,
                    &item_list,
                    selected.as_mut_ptr(),
                    user_data.ptr(),
                );
                zk_string_list_free(&mut members);
                zk_string_list_free(&mut item_list);
            }
            items
                .iter()
                .zip(selected)
                .filter(|(_, take)| *take)
                .map(|(item, _)| item.clone())
                .collect()
        },
    )
}

/// Joins the partition of `items` at `path` (kazoo's `zk.SetPartitioner(path, set, ...)`):
/// creates `<path>`, `<path>/locks` and `<path>/party`, joins the party (node
/// `<path>/party/<guid>-<identifier>`) and starts dividing the set on the partitioner's own
/// thread (state `ZK_PARTITION_ALLOCATING`). Each item this member takes is guarded by a
/// kazoo Lock at `<path>/locks/<item>`, so no item is ever held by two members, zkclient or
/// kazoo.
///
/// `items` holds `item_count` UTF-8 strings (NULL only when 0), each a valid node name (not
/// empty, no `/`, not `.` or `..`; duplicates count once); they and `path` are copied.
/// `options` is borrowed; NULL means the defaults of `zk_partitioner_options_init()`.
/// `on_state_change` (may be NULL) is told every state change (see `zk_partitioner_state_fn`).
/// `user_data` goes to `on_state_change` and to `options->partition_func`; it belongs to the
/// library from this call on: `free_user_data` (may be NULL) runs exactly once, after the
/// last callback, before `zk_partitioner_free()` returns (or before this call returns, if it
/// fails).
///
/// Errors: `ZK_EINVAL` (a NULL or invalid argument: an item that is no node name, an
/// identifier with `/`, a zero `max_reaction_time_ms`, options of version 0 or of a version
/// newer than the library; nothing was created), `ZK_EBADPATH`, or the error of creating the
/// nodes. On success `*out_partitioner` owns the handle (release with
/// `zk_partitioner_free()`); on failure it is unmodified.
///
/// # Safety
/// `client` NULL or live (it must outlive the handle); `path` NULL or a string; `items` NULL
/// or `item_count` pointers each NULL or a string; `options` NULL or valid for its version,
/// its `identifier` NULL or a string; `out_partitioner` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_partitioner_new(
    client: *mut zk_client,
    path: *const c_char,
    items: *const *const c_char,
    item_count: usize,
    options: *const zk_partitioner_options,
    on_state_change: zk_partitioner_state_fn,
    user_data: *mut c_void,
    free_user_data: zk_free_fn,
    out_partitioner: *mut *mut zk_partitioner,
) -> zk_error {
    guard(|| {
        let user_data = Arc::new(UserData::new(user_data, free_user_data));
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let path = unsafe { path_arg(path) }?;
        // SAFETY: per the contract.
        let items = unsafe { string_array_arg(items, item_count, "items") }?;
        let out_partitioner = required_out(out_partitioner, "out_partitioner")?;
        // SAFETY: NULL or valid for its version per the contract.
        let options = unsafe { read_options(options) }?.unwrap_or_default();
        let identifier = if options.identifier.is_null() {
            None
        } else {
            // SAFETY: non-NULL and NUL-terminated per the contract.
            let text = unsafe { CStr::from_ptr(options.identifier) };
            Some(
                text.to_str()
                    .map_err(|_| Error::InvalidArgument("identifier is not valid UTF-8".into()))?
                    .to_string(),
            )
        };
        let partition_func = options
            .partition_func
            .map(|function| c_partition_fn(function, user_data.clone()));
        let on_state_change: Option<StateChangeFn> = on_state_change.map(|callback| {
            let user_data = user_data.clone();
            Box::new(move |state: PartitionState| {
                // SAFETY: the caller registered this callback for this user data.
                unsafe { callback(state.into(), user_data.ptr()) }
            }) as StateChangeFn
        });
        drop(user_data); // the callbacks hold it now (or nothing does: freed here)
        let partitioner = SetPartitioner::new(
            client,
            path,
            items,
            PartitionerOptions {
                identifier,
                time_boundary: std::time::Duration::from_millis(options.time_boundary_ms.into()),
                max_reaction_time: std::time::Duration::from_millis(
                    options.max_reaction_time_ms.into(),
                ),
                partition_func,
                on_state_change,
            },
        )?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { new_handle(out_partitioner, zk_partitioner { partitioner }) };
        Ok(())
    })
}

/// The current state, into `*out_state`. On failure it is unmodified.
///
/// # Safety
/// `partitioner` NULL or live; `out_state` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_partitioner_state(
    partitioner: *const zk_partitioner,
    out_state: *mut zk_partition_state,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let partitioner = unsafe { required(partitioner, "partitioner") }?;
        let out_state = required_out(out_state, "out_state")?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out_state.write(partitioner.partitioner.state().into()) };
        Ok(())
    })
}

/// The name of a partition state (`"ALLOCATING"`, `"ACQUIRED"`, `"RELEASE"`, `"FAILURE"`, as
/// kazoo's), or `"UNKNOWN"`. Static: never free it.
#[no_mangle]
pub extern "C" fn zk_partition_state_str(state: i32) -> *const c_char {
    match state_from_i32(state) {
        Some(PartitionState::Allocating) => c"ALLOCATING".as_ptr(),
        Some(PartitionState::Acquired) => c"ACQUIRED".as_ptr(),
        Some(PartitionState::Release) => c"RELEASE".as_ptr(),
        Some(PartitionState::Failure) => c"FAILURE".as_ptr(),
        None => c"UNKNOWN".as_ptr(),
    }
}

/// Waits up to `timeout_ms` milliseconds (-1: no limit) for `ZK_PARTITION_ACQUIRED` (kazoo's
/// `wait_for_acquire`). `*out_acquired` is true once acquired (at once if it is), false on
/// timeout, and false at once in RELEASE or FAILURE (both need the caller to act). Blocks the
/// calling thread; not from a callback of the same client or partitioner. `ZK_EINVAL` for a
/// NULL argument or a `timeout_ms` below -1; then `*out_acquired` is unmodified.
///
/// # Safety
/// `partitioner` NULL or live; `out_acquired` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_partitioner_wait_for_acquire(
    partitioner: *mut zk_partitioner,
    timeout_ms: i64,
    out_acquired: *mut bool,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let partitioner = unsafe { required(partitioner, "partitioner") }?;
        let out_acquired = required_out(out_acquired, "out_acquired")?;
        let timeout = timeout_arg(timeout_ms)?;
        let acquired = partitioner.partitioner.wait_for_acquire(timeout);
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out_acquired.write(acquired) };
        Ok(())
    })
}

/// Waits up to `timeout_ms` milliseconds (-1: no limit) until the state is `state` (one of
/// `zk_partition_state`). `*out_reached` is true when it is (at once if it is now), false on
/// timeout and when `ZK_PARTITION_FAILURE` comes while waiting for another state. Blocks as
/// `zk_partitioner_wait_for_acquire()`. `ZK_EINVAL` for a NULL argument, an unknown state or
/// a `timeout_ms` below -1; then `*out_reached` is unmodified.
///
/// # Safety
/// `partitioner` NULL or live; `out_reached` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_partitioner_wait_for_state(
    partitioner: *mut zk_partitioner,
    state: i32,
    timeout_ms: i64,
    out_reached: *mut bool,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let partitioner = unsafe { required(partitioner, "partitioner") }?;
        let out_reached = required_out(out_reached, "out_reached")?;
        let want = state_from_i32(state)
            .ok_or_else(|| Error::InvalidArgument(format!("{state} is no zk_partition_state")))?;
        let timeout = timeout_arg(timeout_ms)?;
        let reached = partitioner.partitioner.wait_for_state(want, timeout);
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out_reached.write(reached) };
        Ok(())
    })
}

/// The items this member holds, into `*out_partitions` (kazoo's `list(partitioner)`): those
/// of the last acquisition while their locks are held (in ACQUIRED, and in RELEASE until
/// `zk_partitioner_release_set()`); an empty list otherwise. The caller owns the list
/// (release with `zk_string_list_free()`); on failure it is unmodified.
///
/// # Safety
/// `partitioner` NULL or live; `out_partitions` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_partitioner_partitions(
    partitioner: *mut zk_partitioner,
    out_partitions: *mut zk_string_list,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let partitioner = unsafe { required(partitioner, "partitioner") }?;
        let out_partitions = required_out(out_partitions, "out_partitions")?;
        let list = zk_string_list::from_strings(partitioner.partitioner.partitions())?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out_partitions.write(list) };
        Ok(())
    })
}

/// Releases the locks of the items held and divides the set again (state
/// `ZK_PARTITION_ALLOCATING`), kazoo's `release_set`. Call it in RELEASE; in ACQUIRED it gives
/// the items up and re-divides; in FAILURE it only releases what is left. Connection losses
/// while releasing are retried; another error fails the partitioner and is returned.
///
/// # Safety
/// `partitioner` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn zk_partitioner_release_set(partitioner: *mut zk_partitioner) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let partitioner = unsafe { required(partitioner, "partitioner") }?;
        partitioner.partitioner.release_set()
    })
}

/// Releases the items' locks, leaves the party and stops the partitioner's thread; the state
/// becomes `ZK_PARTITION_FAILURE` (kazoo's `finish`). Calling it again does nothing. The
/// handle stays valid until `zk_partitioner_free()`. After a LOST session the partitioner's
/// thread deletes its party node and item lock nodes through the client's new session (the
/// server may still hold the lost one), retrying connection losses for up to twice the
/// session timeout each; this call waits for it, so that a new partitioner of this member is
/// counted once and finds no item held by its predecessor. A node that could not be deleted
/// in that time goes when the server expires its session.
///
/// # Safety
/// `partitioner` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn zk_partitioner_finish(partitioner: *mut zk_partitioner) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let partitioner = unsafe { required(partitioner, "partitioner") }?;
        partitioner.partitioner.finish();
        Ok(())
    })
}

/// Finishes the partitioner (as `zk_partitioner_finish()`, if not done yet) and frees the
/// handle; no callback runs after it returns, and the user data has been freed (once).
/// NULL is fine. Not while another
/// thread is in a call on the same handle, and not from its own state callback.
///
/// # Safety
/// `partitioner` NULL or from `zk_partitioner_new()`, not freed before.
#[no_mangle]
pub unsafe extern "C" fn zk_partitioner_free(partitioner: *mut zk_partitioner) {
    guard_value((), || {
        // SAFETY: NULL or a handle from its constructor, not freed before, per the contract.
        unsafe { free_handle(partitioner) };
    })
}
