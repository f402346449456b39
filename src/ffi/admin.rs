//! Administrative calls from C: the session's ephemeral nodes, the size of a subtree,
//! four-letter words and the server's version.

use std::ffi::c_char;
use std::time::Duration;

use super::client::{client_arg, zk_client};
use super::types::{owned_c_string, zk_string_list};
use super::{guard, null_argument, path_arg, required_out, required_str, write_optional, zk_error};
use crate::client::four_letter_word;
use crate::runtime::Wait;

/// Lists this session's ephemeral nodes whose path starts with `prefix` (compared as strings,
/// as the server does: `"/lock"` matches `/lock`, `/lock/x` and `/locks`; `"/"` matches all).
/// `*out` (required) receives their full paths, without the chroot, in a list the caller owns
/// (release with `zk_string_list_free()`); nodes outside the chroot are left out. Errors:
/// `ZK_EBADPATH` (a `prefix` that is not a valid path), `ZK_EINVAL` (NULL `prefix` or `out`),
/// and the connection errors. On failure `*out` is unmodified.
///
/// # Safety
/// `client` NULL or live; `prefix` NULL or a NUL-terminated string; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_get_ephemerals(
    client: *mut zk_client,
    prefix: *const c_char,
    out: *mut zk_string_list,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        if prefix.is_null() {
            return Err(null_argument("prefix"));
        }
        // SAFETY: non-NULL and NUL-terminated per the contract.
        let prefix = unsafe { path_arg(prefix) }?;
        let out = required_out(out, "out")?;
        let paths = client.get_ephemerals(prefix).wait()?;
        let list = zk_string_list::from_strings(paths)?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(list) };
        Ok(())
    })
}

/// The number of nodes under `path` — all descendants, not `path` itself — into `*out`
/// (required). Errors: `ZK_ENONODE`, `ZK_EBADPATH`, `ZK_EINVAL`, and the connection errors.
/// On failure `*out` is unmodified.
///
/// # Safety
/// `client` NULL or live; `path` NULL or a NUL-terminated string; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_get_all_children_number(
    client: *mut zk_client,
    path: *const c_char,
    out: *mut i32,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let path = unsafe { path_arg(path) }?;
        let out = required_out(out, "out")?;
        let count = client.get_all_children_number(path).wait()?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(count) };
        Ok(())
    })
}

/// Sends the four-letter word `word` (`"ruok"`, `"srvr"`, `"mntr"`, `"conf"`, `"cons"`, ...)
/// to the server `client` is connected to, and returns its answer in `*out_text` (required), a
/// string the caller owns (release with `zk_string_free()`); invalid UTF-8 is replaced, a NUL
/// byte appears as the two characters `\0`, and the answer is at most 16 MiB. The server answers only the words of its
/// `4lw.commands.whitelist`. Bounded by the negotiated session timeout. Errors: `ZK_EINVAL` (a
/// word that is not 4 lowercase ASCII letters; NULL arguments), `ZK_ECONNECTIONLOSS` (not
/// connected right now, or the server could not be reached), `ZK_ECLOSED` (client stopped),
/// `ZK_ETIMEOUT`, `ZK_EREPLYTOOLARGE`. On failure `*out_text` is unmodified.
///
/// # Safety
/// `client` NULL or live; `word` NULL or a NUL-terminated string; `out_text` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_four_letter_word(
    client: *mut zk_client,
    word: *const c_char,
    out_text: *mut *mut c_char,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let word = unsafe { required_str(word, "word") }?;
        let out_text = required_out(out_text, "out_text")?;
        let text = owned_c_string(client.four_letter_word(word).wait()?.replace('\0', "\\0"))?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out_text.write(text) };
        Ok(())
    })
}

/// Sends the four-letter word `word` to the server `host_port` (`"host:port"`,
/// `"[::1]:port"`; port 2181 when omitted) without any session, waiting at most `timeout_ms`
/// (which must be positive) for the whole exchange, and returns its answer in `*out_text`
/// (required), a string the caller owns (release with `zk_string_free()`). Errors:
/// `ZK_EINVAL` (a bad word, host or timeout; NULL arguments), `ZK_ECONNECTIONLOSS` (the server
/// could not be reached), `ZK_ETIMEOUT`, `ZK_EREPLYTOOLARGE`. On failure `*out_text` is
/// unmodified.
///
/// # Safety
/// `host_port` and `word` NULL or NUL-terminated strings; `out_text` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_four_letter_word_host(
    host_port: *const c_char,
    word: *const c_char,
    timeout_ms: u32,
    out_text: *mut *mut c_char,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let host = unsafe { required_str(host_port, "host_port") }?;
        // SAFETY: per the contract.
        let word = unsafe { required_str(word, "word") }?;
        let out_text = required_out(out_text, "out_text")?;
        let timeout = Duration::from_millis(timeout_ms.into());
        let answer = four_letter_word(host, word, timeout).wait()?;
        let text = owned_c_string(answer.replace('\0', "\\0"))?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out_text.write(text) };
        Ok(())
    })
}

/// The version of the server `client` is connected to, from its answer to `srvr`:
/// `*out_major`, `*out_minor`, `*out_patch` (each optional) receive, for `3.8.0`, 3, 8 and 0.
/// Errors: as `zk_four_letter_word()`, and `ZK_EINVAL` when the answer names no version (for
/// example `srvr` is not in the server's `4lw.commands.whitelist`). On failure the outputs are
/// unmodified.
///
/// # Safety
/// `client` NULL or live; outputs NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_server_version(
    client: *mut zk_client,
    out_major: *mut u32,
    out_minor: *mut u32,
    out_patch: *mut u32,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        let (major, minor, patch) = client.server_version().wait()?;
        // SAFETY: NULL or writable per the contract.
        unsafe {
            write_optional(out_major, major);
            write_optional(out_minor, minor);
            write_optional(out_patch, patch);
        }
        Ok(())
    })
}
