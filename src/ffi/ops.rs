//! Blocking CRUD from C: create, ensure_path, exists, get, get_children, set, delete, sync.
//!
//! Each call parks the calling thread until its own reply arrives (replies never wait for
//! callbacks), so these may be called from any thread, including inside callbacks.

use std::ffi::c_char;
use std::time::Duration;

use super::client::{client_arg, zk_client};
use super::types::{
    acl_arg, owned_c_string, zk_acl, zk_buffer, zk_create_mode, zk_stat, zk_string_list,
};
use super::versioned::{end_of, init_options, read_options, Versioned};
use super::{
    bytes_arg, guard, path_arg, required_out, write_optional, write_optional_with, zk_error,
};
use crate::client::CreateOptions;
use crate::error::Error;
use crate::proto::CreateMode;
use crate::runtime::Wait;

/// The current version of `zk_create_options`: what `zk_create_options_init()` is given by a
/// program built against this header.
pub const ZK_CREATE_OPTIONS_VERSION: u32 = 1;

/// How `zk_create()` (and `zk_create_async()`, `zk_transaction_create()`) create a node.
/// Initialise it with `zk_create_options_init(&opts, ZK_CREATE_OPTIONS_VERSION)` (a
/// persistent node with the client's default ACL, open to everyone, no parents created), then
/// set what you need. All zeros is not valid (version 0: `ZK_EINVAL`). Borrowed for the call.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct zk_create_options {
    /// The version of this struct the caller was built with (`ZK_CREATE_OPTIONS_VERSION`), set
    /// by `zk_create_options_init()`. The library reads only that version's fields.
    pub version: u32,
    /// One of `zk_create_mode` (0 = `ZK_PERSISTENT`).
    pub mode: i32,
    /// Create missing parent nodes (persistent, with the same ACL), like kazoo's `makepath`.
    pub makepath: bool,
    /// For the TTL modes: milliseconds the node may live without children or changes. Must be
    /// 0 for the other modes.
    pub ttl_ms: i64,
    /// The node's ACL (`acl_count` entries, borrowed for the call); NULL = the default ACL.
    pub acl: *const zk_acl,
    /// Number of entries in `acl`.
    pub acl_count: usize,
}

// SAFETY: repr(C), version first, plain fields; the sizes end at each version's last field.
unsafe impl Versioned for zk_create_options {
    const NAME: &'static str = "zk_create_options";
    const SET_VERSION: &'static str = "call zk_create_options_init() with the header's version";
    const SIZES: &'static [usize] = &[end_of!(zk_create_options, acl_count)];
    fn defaults() -> Self {
        zk_create_options {
            version: ZK_CREATE_OPTIONS_VERSION,
            mode: zk_create_mode::ZK_PERSISTENT as i32,
            makepath: false,
            ttl_ms: 0,
            acl: std::ptr::null(),
            acl_count: 0,
        }
    }
}

/// The current version's defaults (for Rust callers; C calls `zk_create_options_init()`).
impl Default for zk_create_options {
    fn default() -> Self {
        <Self as Versioned>::defaults()
    }
}

/// Fills `*options` with the defaults of version `version` of `zk_create_options` (pass
/// `ZK_CREATE_OPTIONS_VERSION`): mode `ZK_PERSISTENT`, no parents created, no TTL, the
/// client's default ACL (NULL, 0). Writes only the fields that version has, so a program built
/// against an older header is never written past its struct. `ZK_EINVAL` (nothing written)
/// for a NULL `options`, version 0, or a version newer than the library.
///
/// `zk_create_options opts; zk_create_options_init(&opts, ZK_CREATE_OPTIONS_VERSION);
/// opts.mode = ZK_EPHEMERAL;`
///
/// # Safety
/// `options` NULL or writable for the struct of that version.
#[no_mangle]
pub unsafe extern "C" fn zk_create_options_init(
    options: *mut zk_create_options,
    version: u32,
) -> zk_error {
    // SAFETY: per the contract.
    guard(|| unsafe { init_options(options, version, "options") })
}

/// The Rust form of C create options (NULL = defaults).
///
/// # Safety
/// `options` NULL or valid for its version, its ACL entries as `acl_arg` requires.
pub(crate) unsafe fn create_options_arg(
    options: *const zk_create_options,
) -> crate::Result<CreateOptions> {
    // SAFETY: per the contract.
    let Some(given) = (unsafe { read_options(options) })? else {
        return Ok(CreateOptions::default());
    };
    let mode = CreateMode::from_i32(given.mode)
        .ok_or_else(|| Error::InvalidArgument(format!("unknown create mode {}", given.mode)))?;
    let ttl = match given.ttl_ms {
        0 => None,
        ms if ms < 0 => return Err(Error::InvalidArgument(format!("negative TTL {ms}"))),
        ms => Some(Duration::from_millis(ms as u64)),
    };
    // SAFETY: per the contract.
    let acl = unsafe { acl_arg(given.acl, given.acl_count) }?;
    Ok(CreateOptions {
        mode,
        acl,
        makepath: given.makepath,
        ttl,
    })
}

/// Creates the node `path` holding `data_len` bytes of `data` (borrowed for the call; NULL
/// with length 0 for none). `options` may be NULL for a plain persistent node; otherwise
/// initialised by `zk_create_options_init()` (`ZK_EINVAL` for version 0 or an unknown one).
/// On success, `*out_path` (if not NULL) receives the created path — with the sequence number
/// for sequential modes, without the chroot — to be released with `zk_string_free()`, and
/// `*out_stat` (if not NULL) the new node's stat. Errors: `ZK_ENODEEXISTS`, `ZK_ENONODE` (no
/// parent, without makepath), `ZK_ENOCHILDRENFOREPHEMERALS`, `ZK_EBADPATH`, `ZK_ETOOLARGE`
/// (data over the server's 1 MiB limit), `ZK_EINVAL`, and the connection errors. On
/// `ZK_ECONNECTIONLOSS` the node may or may not have been created.
///
/// # Safety
/// Pointers are NULL or valid as described; `data` readable for `data_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn zk_create(
    client: *mut zk_client,
    path: *const c_char,
    data: *const u8,
    data_len: usize,
    options: *const zk_create_options,
    out_path: *mut *mut c_char,
    out_stat: *mut zk_stat,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract (applies to every dereference below).
        let client = unsafe { client_arg(client) }?;
        let path = unsafe { path_arg(path) }?;
        let data = unsafe { bytes_arg(data, data_len, "data") }?;
        let options = unsafe { create_options_arg(options) }?;
        let created = client.create(path, data, &options).wait()?;
        unsafe {
            write_optional_with(out_path, || owned_c_string(created.path))?;
            write_optional(out_stat, created.stat.into());
        }
        Ok(())
    })
}

/// Creates `path` and any missing parents as empty persistent nodes with the default ACL,
/// like kazoo's `ensure_path`. Succeeds if the path exists already. Under a chroot, the chroot
/// node is created too when missing.
///
/// # Safety
/// `client` NULL or live; `path` NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn zk_ensure_path(client: *mut zk_client, path: *const c_char) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let path = unsafe { path_arg(path) }?;
        client.ensure_path(path, None).wait()
    })
}

/// Whether `path` exists: `*out_exists` (required) is set to true or false, and when it
/// exists `*out_stat` (if not NULL) receives its stat. A missing node is not an error.
///
/// # Safety
/// `client` NULL or live; `path` NULL or a string; outputs NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_exists(
    client: *mut zk_client,
    path: *const c_char,
    out_exists: *mut bool,
    out_stat: *mut zk_stat,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let path = unsafe { path_arg(path) }?;
        let out_exists = required_out(out_exists, "out_exists")?;
        let stat = client.exists(path).wait()?;
        // SAFETY: checked / NULL or writable per the contract.
        unsafe {
            out_exists.write(stat.is_some());
            if let Some(stat) = stat {
                write_optional(out_stat, stat.into());
            }
        }
        Ok(())
    })
}

/// Reads the data of `path`: `*out_data` (if not NULL) receives a copy the caller owns
/// (release with `zk_buffer_free()`), `*out_stat` (if not NULL) its stat. `ZK_ENONODE` when it
/// does not exist.
///
/// # Safety
/// `client` NULL or live; `path` NULL or a string; outputs NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_get(
    client: *mut zk_client,
    path: *const c_char,
    out_data: *mut zk_buffer,
    out_stat: *mut zk_stat,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let path = unsafe { path_arg(path) }?;
        let (data, stat) = client.get(path).wait()?;
        // SAFETY: NULL or writable per the contract.
        unsafe {
            write_optional_with(out_data, || Ok(zk_buffer::from_vec(data)))?;
            write_optional(out_stat, stat.into());
        }
        Ok(())
    })
}

/// Lists the children of `path` (names only, in the server's order): `*out_children` (if not
/// NULL) receives a list the caller owns (release with `zk_string_list_free()`), `*out_stat`
/// (if not NULL) the parent's stat. `ZK_ENONODE` when it does not exist.
///
/// # Safety
/// `client` NULL or live; `path` NULL or a string; outputs NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_get_children(
    client: *mut zk_client,
    path: *const c_char,
    out_children: *mut zk_string_list,
    out_stat: *mut zk_stat,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let path = unsafe { path_arg(path) }?;
        let (children, stat) = client.get_children_shared(path).wait()?;
        // SAFETY: NULL or writable per the contract.
        unsafe {
            write_optional_with(out_children, || zk_string_list::packed(children.iter()))?;
            write_optional(out_stat, stat.into());
        }
        Ok(())
    })
}

/// Replaces the data of `path` with `data_len` bytes of `data` (borrowed), if the node's
/// version is `version` (-1: any). `*out_stat` (if not NULL) receives the new stat. Errors:
/// `ZK_ENONODE`, `ZK_EBADVERSION`, `ZK_ETOOLARGE`, and the connection errors (on
/// `ZK_ECONNECTIONLOSS` the write may or may not have happened).
///
/// # Safety
/// `client` NULL or live; `path` NULL or a string; `data` readable for `data_len` bytes;
/// `out_stat` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_set(
    client: *mut zk_client,
    path: *const c_char,
    data: *const u8,
    data_len: usize,
    version: i32,
    out_stat: *mut zk_stat,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let path = unsafe { path_arg(path) }?;
        // SAFETY: per the contract.
        let data = unsafe { bytes_arg(data, data_len, "data") }?;
        let stat = client.set(path, data, version).wait()?;
        // SAFETY: NULL or writable per the contract.
        unsafe { write_optional(out_stat, stat.into()) };
        Ok(())
    })
}

/// Deletes `path` if its version is `version` (-1: any). With `recursive`, deletes everything
/// under it first (deepest first; `version` applies to `path` itself). Under a chroot, `"/"` is
/// the chroot node itself (as in every ZooKeeper client); a recursive delete of the server's
/// own root is refused (`ZK_EINVAL`). Errors: `ZK_ENONODE`,
/// `ZK_EBADVERSION`, `ZK_ENOTEMPTY` (children, without `recursive`), and the connection errors.
///
/// # Safety
/// `client` NULL or live; `path` NULL or a string.
#[no_mangle]
pub unsafe extern "C" fn zk_delete(
    client: *mut zk_client,
    path: *const c_char,
    version: i32,
    recursive: bool,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let path = unsafe { path_arg(path) }?;
        if recursive {
            client.delete_recursive(path, version).wait()
        } else {
            client.delete(path, version).wait()
        }
    })
}

/// Waits until the server this client is connected to has caught up with the leader on
/// `path`, so that a following read sees every write committed before the call.
///
/// # Safety
/// `client` NULL or live; `path` NULL or a string.
#[no_mangle]
pub unsafe extern "C" fn zk_sync(client: *mut zk_client, path: *const c_char) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let path = unsafe { path_arg(path) }?;
        client.sync(path).wait()
    })
}
