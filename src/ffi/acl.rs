//! ACLs from C: reading and replacing a node's ACL, and digest identities.

use std::ffi::{c_char, CString};

use super::client::{client_arg, zk_client};
use super::types::{acl_arg, owned_c_string, zk_acl, zk_stat};
use super::{
    guard, guard_value, path_arg, required_out, required_str, take_array, write_optional,
    write_optional_with, zk_error,
};
use crate::client::digest_acl_id;
use crate::error::Result;
use crate::proto::Acl;
use crate::runtime::Wait;

/// An ACL owned by the caller, returned by `zk_get_acl()`: `count` entries whose `scheme` and
/// `id` strings belong to the list too. Release it (entries and strings) with
/// `zk_acl_list_free()`. An empty list is `{NULL, 0}`. Frozen: its layout never changes (a
/// change would be a new soname).
#[repr(C)]
#[derive(Debug)]
pub struct zk_acl_list {
    /// `count` entries.
    pub items: *mut zk_acl,
    /// How many entries `items` holds.
    pub count: usize,
}

/// Releases the strings of entries made by [`zk_acl_list::from_acl`].
///
/// # Safety
/// Every non-NULL string of `entries` came from `CString::into_raw` and is not used again.
unsafe fn free_entries(entries: &[zk_acl]) {
    for entry in entries {
        for text in [entry.scheme, entry.id] {
            if !text.is_null() {
                // SAFETY: per the contract: the string came from CString::into_raw.
                drop(unsafe { CString::from_raw(text.cast_mut()) });
            }
        }
    }
}

impl zk_acl_list {
    pub(crate) fn from_acl(acl: Vec<Acl>) -> Result<zk_acl_list> {
        if acl.is_empty() {
            return Ok(zk_acl_list {
                items: std::ptr::null_mut(),
                count: 0,
            });
        }
        let mut items: Vec<zk_acl> = Vec::with_capacity(acl.len());
        for entry in acl {
            let mut item = zk_acl {
                perms: entry.perms,
                scheme: std::ptr::null(),
                id: std::ptr::null(),
            };
            let made = owned_c_string(entry.id.scheme).and_then(|scheme| {
                item.scheme = scheme;
                owned_c_string(entry.id.id).map(|id| item.id = id)
            });
            items.push(item);
            if let Err(error) = made {
                // SAFETY: every non-NULL string of items came from CString::into_raw above.
                unsafe { free_entries(&items) };
                return Err(error);
            }
        }
        let boxed = items.into_boxed_slice();
        let count = boxed.len();
        Ok(zk_acl_list {
            items: Box::into_raw(boxed).cast::<zk_acl>(),
            count,
        })
    }
}

/// Releases an ACL list returned by `zk_get_acl()` — its entries and their strings — and
/// resets it to `{NULL, 0}`. NULL and empty lists are fine; releasing the same list twice is
/// fine once it was reset.
///
/// # Safety
/// `list` is NULL or a `zk_acl_list` filled by this library and not modified since.
#[no_mangle]
pub unsafe extern "C" fn zk_acl_list_free(list: *mut zk_acl_list) {
    guard_value((), || {
        // SAFETY: NULL or valid per the contract.
        let Some(list) = (unsafe { list.as_mut() }) else {
            return;
        };
        // SAFETY: items/count came from Box<[zk_acl]>::into_raw in from_acl.
        if let Some(items) = unsafe { take_array(&mut list.items, &mut list.count) } {
            // SAFETY: the entries' strings came from CString::into_raw in from_acl.
            unsafe { free_entries(&items) };
        }
    })
}

/// Reads the ACL of `path`: `*out_acl` (if not NULL) receives a list the caller owns (release
/// with `zk_acl_list_free()`), `*out_stat` (if not NULL) the node's stat, whose `aversion` is
/// the ACL's version for `zk_set_acl()`. Needs `ZK_PERM_READ` or `ZK_PERM_ADMIN` on the node;
/// without `ZK_PERM_ADMIN` the server hides the hash of `"digest"` ids (`"alice:x"`). Errors:
/// `ZK_ENOAUTH`, `ZK_ENONODE`, `ZK_EBADPATH`, `ZK_EINVAL`, and the connection errors. On
/// failure the outputs are unmodified.
///
/// # Safety
/// `client` NULL or live; `path` NULL or a NUL-terminated string; outputs NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_get_acl(
    client: *mut zk_client,
    path: *const c_char,
    out_acl: *mut zk_acl_list,
    out_stat: *mut zk_stat,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let path = unsafe { path_arg(path) }?;
        let (acl, stat) = client.get_acl(path).wait()?;
        // SAFETY: NULL or writable per the contract.
        unsafe {
            write_optional_with(out_acl, || zk_acl_list::from_acl(acl))?;
            write_optional(out_stat, stat.into());
        }
        Ok(())
    })
}

/// Replaces the ACL of `path` with the `acl_count` entries of `acl` (borrowed for the call), if
/// the node's ACL version (`zk_stat.aversion`) is `version` (-1: any). `*out_stat` (if not
/// NULL) receives the new stat. Needs the `ZK_PERM_ADMIN` permission on the node. Errors:
/// `ZK_EINVALIDACL` (an empty ACL, refused before anything is sent; or one the server refuses,
/// such as scheme `"auth"` on a session without credentials), `ZK_ENOAUTH`, `ZK_EBADVERSION`,
/// `ZK_ENONODE`, `ZK_EBADPATH`, `ZK_EINVAL` (`acl` NULL with a count, or an entry's string
/// NULL or not UTF-8), and the connection errors (on `ZK_ECONNECTIONLOSS` the change may or may
/// not have happened). On failure `*out_stat` is unmodified.
///
/// # Safety
/// `client` NULL or live; `path` NULL or a NUL-terminated string; `acl` NULL or `acl_count`
/// entries whose strings are NULL or NUL-terminated; `out_stat` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_set_acl(
    client: *mut zk_client,
    path: *const c_char,
    acl: *const zk_acl,
    acl_count: usize,
    version: i32,
    out_stat: *mut zk_stat,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let path = unsafe { path_arg(path) }?;
        // SAFETY: per the contract.
        let acl = unsafe { acl_arg(acl, acl_count) }?.unwrap_or_default();
        let stat = client.set_acl(path, &acl, version).wait()?;
        // SAFETY: NULL or writable per the contract.
        unsafe { write_optional(out_stat, stat.into()) };
        Ok(())
    })
}

/// The id of the `"digest"` scheme for `user` and `password`:
/// `user:base64(sha1("user:password"))`, as the server computes it for a session that
/// authenticated with `user:password`. Put it in a `zk_acl` with scheme `"digest"` to grant
/// that user permissions. `*out_id` (required) receives a string the caller owns (release with
/// `zk_string_free()`). A `user` containing `:` gives an id no session can match (the server
/// splits credentials at the first `:`). Errors: `ZK_EINVAL` for a NULL argument or a string
/// that is not UTF-8; `*out_id` is then unmodified.
///
/// # Safety
/// `user` and `password` NULL or NUL-terminated strings; `out_id` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_digest_acl_id(
    user: *const c_char,
    password: *const c_char,
    out_id: *mut *mut c_char,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let user = unsafe { required_str(user, "user") }?;
        // SAFETY: per the contract.
        let password = unsafe { required_str(password, "password") }?;
        let out_id = required_out(out_id, "out_id")?;
        let id = owned_c_string(digest_acl_id(user, password))?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out_id.write(id) };
        Ok(())
    })
}
