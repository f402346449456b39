//! kazoo's Election from C.

use std::ffi::{c_char, c_void};

use crate::ffi::client::{client_arg, zk_client};
use crate::ffi::recipe::lock::zk_lock_state_fn;
use crate::ffi::types::{zk_free_fn, zk_string_list};
use crate::ffi::{
    free_handle, guard, guard_value, listed_identifier_arg, new_handle, path_arg, required,
    required_fn, required_out, set_last_error, state_listener, zk_error, UserData,
};
use crate::recipe::election::Election;

/// A leader election (kazoo's `Election`, interoperable with it): see `zk_election_new()`.
/// Thread-safe: `zk_election_cancel()` and `zk_election_contenders()` may be called from
/// other threads while `zk_election_run()` blocks; one run at a time per handle.
pub struct zk_election {
    election: Election,
}

/// The function `zk_election_run()` calls once elected, with the `user_data` given to it.
/// It runs on the thread that called `zk_election_run()`, while this contender is the leader;
/// leadership is given up when it returns. It may call anything, blocking calls included.
/// It returns a `zk_error` value as a plain integer, which `zk_election_run()` returns; a
/// number that is not a `zk_error` code makes `zk_election_run()` return `ZK_EINVAL` (the
/// message names the number).
pub type zk_leader_fn = Option<unsafe extern "C" fn(user_data: *mut c_void) -> i32>;

/// An election at `path` (kazoo's `zk.Election(path, identifier)`): contenders are ephemeral
/// sequential children `<path>/<guid>__lock__<sequence>` holding their identifier, as kazoo's
/// Lock makes them, the first being the leader. `identifier` (`identifier_len` bytes, NULL when
/// 0; UTF-8 for kazoo to read it; no NUL byte, as `zk_election_contenders()` returns it as a C
/// string: `ZK_EINVAL`) and `path` are copied. Nothing is sent yet. On success
/// `*out_election` owns the handle (release with `zk_election_free()`); on failure it is
/// unmodified.
///
/// # Safety
/// `client` NULL or live; `path` NULL or a string; `identifier` NULL or `identifier_len`
/// readable bytes; `out_election` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_election_new(
    client: *mut zk_client,
    path: *const c_char,
    identifier: *const u8,
    identifier_len: usize,
    out_election: *mut *mut zk_election,
) -> zk_error {
    // SAFETY: the caller's contract is the same.
    unsafe {
        zk_election_new_with_listener(
            client,
            path,
            identifier,
            identifier_len,
            None,
            std::ptr::null_mut(),
            None,
            out_election,
        )
    }
}

/// As `zk_election_new()`, and `on_state` (may be NULL) is told of connection-state changes
/// while this contender leads, as `zk_lock_state_fn` describes for a lock: on
/// `ZK_STATE_SUSPENDED` it may no longer be the leader, after `ZK_STATE_LOST` it is not
/// (another contender may lead while the leader function still runs: it should stop).
/// `user_data` goes to `on_state`; it belongs to the library from this call on:
/// `free_user_data` (may be NULL) runs exactly once, after the last callback (or before this
/// call returns, if it fails), at the latest when the client's dispatcher has run what was
/// queued after `zk_election_free()` (`zk_client_free()` waits for that).
///
/// # Safety
/// As `zk_election_new()`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn zk_election_new_with_listener(
    client: *mut zk_client,
    path: *const c_char,
    identifier: *const u8,
    identifier_len: usize,
    on_state: zk_lock_state_fn,
    user_data: *mut c_void,
    free_user_data: zk_free_fn,
    out_election: *mut *mut zk_election,
) -> zk_error {
    let user_data = UserData::new(user_data, free_user_data);
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let path = unsafe { path_arg(path) }?;
        // SAFETY: per the contract.
        let identifier = unsafe { listed_identifier_arg(identifier, identifier_len) }?;
        let out_election = required_out(out_election, "out_election")?;
        let on_state = state_listener(on_state, user_data);
        let election = Election::with_listener(client, path, identifier, on_state);
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { new_handle(out_election, zk_election { election }) };
        Ok(())
    })
}

/// Whether this contender leads now: true from its election until its leader function
/// returns, false once its session is lost (even while the function still runs). False for
/// NULL.
///
/// # Safety
/// `election` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn zk_election_is_leader(election: *const zk_election) -> bool {
    guard_value(false, || {
        // SAFETY: per the contract.
        unsafe { election.as_ref() }.is_some_and(|election| election.election.is_leader())
    })
}

/// Joins the election and blocks until this contender is elected (waiting on an exists watch
/// for its predecessor), then calls `leader(user_data)` and gives leadership up when it
/// returns. Elected means its contender node, of the client's current session, is first: a
/// node of a session the client declared lost is deleted before it joins again, never
/// counted as its own. Giving up deletes the node, retrying through reconnects and new
/// sessions for up to twice the session timeout (this call blocks meanwhile); if it could
/// not, the node may remain until the server expires that session (no other contender is
/// elected before then) and the next run on this handle deletes it first; that failure is
/// not reported. Returns `leader`'s result; `ZK_ECLOSED` (message "election cancelled") when
/// `zk_election_cancel()` stopped the wait before election (`leader` was not called; a
/// cancel made while no run waits stops the next run at once); another error code when the
/// election could not be joined. `user_data` is borrowed for the call.
///
/// # Safety
/// `election` NULL or live (not freed while this runs); `leader` NULL or a function safe to
/// call with `user_data`.
#[no_mangle]
pub unsafe extern "C" fn zk_election_run(
    election: *mut zk_election,
    leader: zk_leader_fn,
    user_data: *mut c_void,
) -> zk_error {
    let mut result = zk_error::ZK_OK;
    let code = guard(|| {
        // SAFETY: per the contract.
        let election = unsafe { required(election, "election") }?;
        let leader = required_fn(leader, "leader")?;
        // SAFETY: per the contract, leader may be called with user_data.
        match election.election.run(|| unsafe { leader(user_data) })? {
            Some(returned) => result = zk_error::from_callback(returned, "the leader function")?,
            None => {
                result = zk_error::ZK_ECLOSED;
                set_last_error("election cancelled before this contender was elected".into());
            }
        }
        Ok(())
    });
    if code == zk_error::ZK_OK {
        result
    } else {
        code
    }
}

/// Stops a `zk_election_run()` waiting to be elected (it returns `ZK_ECLOSED`); a leader
/// function already running is not interrupted. Callable from any thread.
///
/// # Safety
/// `election` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn zk_election_cancel(election: *mut zk_election) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let election = unsafe { required(election, "election") }?;
        election.election.cancel();
        Ok(())
    })
}

/// The identifiers of every contender, the leader first (kazoo's `contenders()`):
/// `*out_contenders` receives a list the caller owns (release with `zk_string_list_free()`).
/// On failure it is unmodified.
///
/// # Safety
/// `election` NULL or live; `out_contenders` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_election_contenders(
    election: *mut zk_election,
    out_contenders: *mut zk_string_list,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let election = unsafe { required(election, "election") }?;
        let out_contenders = required_out(out_contenders, "out_contenders")?;
        let list = zk_string_list::from_strings(election.election.contenders()?)?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out_contenders.write(list) };
        Ok(())
    })
}

/// Releases an election handle; no run may be in progress on it. NULL is fine.
///
/// # Safety
/// `election` NULL or from `zk_election_new()` or `zk_election_new_with_listener()`, not freed
/// before.
#[no_mangle]
pub unsafe extern "C" fn zk_election_free(election: *mut zk_election) {
    guard_value((), || {
        // SAFETY: NULL or a handle from its constructor, not freed before, per the contract.
        unsafe { free_handle(election) };
    })
}
