//! Plain C types of the API (stat, buffers, lists, ACL entries, options), enums, callback
//! types, and the functions that free what the library hands out.

use std::ffi::{c_char, c_void, CString};

use crate::client::State;
use crate::error::{Error, Result};
use crate::proto::{Acl, Id, KeeperState, Stat};

/// A node's metadata, as ZooKeeper's `Stat` (fixed by the protocol). Plain data: copy it
/// freely. Frozen: its layout never changes (a change would be a new soname; see README.md,
/// "ABI rules").
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct zk_stat {
    /// zxid of the change that created the node.
    pub czxid: i64,
    /// zxid of the last change of the node's data.
    pub mzxid: i64,
    /// Creation time, milliseconds since the epoch.
    pub ctime: i64,
    /// Last modification time, milliseconds since the epoch.
    pub mtime: i64,
    /// Number of changes to the data.
    pub version: i32,
    /// Number of changes to the children.
    pub cversion: i32,
    /// Number of changes to the ACL.
    pub aversion: i32,
    /// Session id of the owner of an ephemeral node; 0 otherwise.
    pub ephemeral_owner: i64,
    /// Length of the data in bytes.
    pub data_length: i32,
    /// Number of children.
    pub num_children: i32,
    /// zxid of the last change of the children.
    pub pzxid: i64,
}

impl From<Stat> for zk_stat {
    fn from(stat: Stat) -> Self {
        zk_stat {
            czxid: stat.czxid,
            mzxid: stat.mzxid,
            ctime: stat.ctime,
            mtime: stat.mtime,
            version: stat.version,
            cversion: stat.cversion,
            aversion: stat.aversion,
            ephemeral_owner: stat.ephemeral_owner,
            data_length: stat.data_length,
            num_children: stat.num_children,
            pzxid: stat.pzxid,
        }
    }
}

/// Bytes owned by the caller, returned by the library (for example a node's data). Release
/// with `zk_buffer_free()`. Empty data is `{NULL, 0}`. Frozen: its layout never changes (a
/// change would be a new soname).
#[repr(C)]
#[derive(Debug)]
pub struct zk_buffer {
    /// The bytes (not NUL-terminated; may contain zeros).
    pub data: *mut u8,
    /// How many bytes `data` holds.
    pub len: usize,
}

impl zk_buffer {
    pub(crate) fn from_vec(bytes: Vec<u8>) -> zk_buffer {
        if bytes.is_empty() {
            return zk_buffer {
                data: std::ptr::null_mut(),
                len: 0,
            };
        }
        let boxed = bytes.into_boxed_slice();
        let len = boxed.len();
        zk_buffer {
            data: Box::into_raw(boxed).cast::<u8>(),
            len,
        }
    }
}

/// A list of NUL-terminated strings owned by the caller (for example the names of a node's
/// children). Release with `zk_string_list_free()`. An empty list is `{NULL, 0}`. Frozen: its
/// layout never changes (a change would be a new soname).
#[repr(C)]
#[derive(Debug)]
pub struct zk_string_list {
    /// `count` strings.
    pub items: *mut *mut c_char,
    /// How many strings `items` holds.
    pub count: usize,
}

/// A C string the library allocated, owned by the caller.
pub(crate) fn owned_c_string(text: String) -> Result<*mut c_char> {
    CString::new(text)
        .map(CString::into_raw)
        .map_err(|_| Error::InvalidArgument("the server returned a string containing NUL".into()))
}

impl zk_string_list {
    pub(crate) fn from_strings(strings: Vec<String>) -> Result<zk_string_list> {
        zk_string_list::packed(strings.iter().map(String::as_str))
    }

    /// A list of `strings` in one allocation: the `count` pointers, then every string with
    /// its NUL, back to back (about half the memory of one allocation per string, and one
    /// `free`). A string holding NUL is refused.
    pub(crate) fn packed<'a>(
        strings: impl Iterator<Item = &'a str> + Clone,
    ) -> Result<zk_string_list> {
        let (mut count, mut text_len) = (0usize, 0usize);
        for text in strings.clone() {
            if text.as_bytes().contains(&0) {
                return Err(Error::InvalidArgument(
                    "the server returned a string containing NUL".into(),
                ));
            }
            count += 1;
            text_len += text.len() + 1;
        }
        if count == 0 {
            return Ok(zk_string_list {
                items: std::ptr::null_mut(),
                count: 0,
            });
        }
        let pointers_len = count * std::mem::size_of::<*mut c_char>();
        let size = pointers_len
            .checked_add(text_len)
            .ok_or_else(|| Error::InvalidArgument("string list too large".into()))?;
        // SAFETY: a plain allocation of `size` (> 0) bytes, checked below; malloc's alignment
        // suits the pointers at its start.
        let block = unsafe { libc::malloc(size) }.cast::<u8>();
        if block.is_null() {
            return Err(Error::Runtime(format!(
                "out of memory for a list of {count} strings"
            )));
        }
        let items = block.cast::<*mut c_char>();
        // SAFETY: `block` holds `count` pointers and then `text_len` bytes, which the loop
        // fills exactly: each string's bytes and a NUL, its pointer in its slot.
        unsafe {
            let mut text = block.add(pointers_len);
            for (slot, string) in strings.take(count).enumerate() {
                std::ptr::copy_nonoverlapping(string.as_ptr(), text, string.len());
                *text.add(string.len()) = 0;
                *items.add(slot) = text.cast::<c_char>();
                text = text.add(string.len() + 1);
            }
        }
        Ok(zk_string_list { items, count })
    }

    /// Frees what [`zk_string_list::packed`] allocated and empties the list.
    ///
    /// # Safety
    /// `self` was made by `packed` (or is empty) and not freed since.
    pub(crate) unsafe fn release(&mut self) {
        let items = std::mem::replace(&mut self.items, std::ptr::null_mut());
        self.count = 0;
        if !items.is_null() {
            // SAFETY: the block came from libc::malloc in `packed`.
            unsafe { libc::free(items.cast()) };
        }
    }
}

/// One ACL entry: who (`scheme`:`id`) may do what (`perms`, a mask of `ZK_PERM_*`). The
/// strings are borrowed for the duration of the call they are passed to. Frozen: its layout
/// never changes (callers pass arrays of it; a change would be a new soname).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct zk_acl {
    /// A mask of `zk_perm` bits.
    pub perms: i32,
    /// The scheme: `"world"`, `"auth"`, `"digest"`, `"ip"`, ...
    pub scheme: *const c_char,
    /// The identity within the scheme: `"anyone"`, `"user:base64hash"`, `"10.0.0.0/8"`, ...
    pub id: *const c_char,
}

/// ACL permission bits, ZooKeeper's values.
#[repr(i32)]
#[derive(Debug, Clone, Copy)]
pub enum zk_perm {
    /// Read the data and list the children.
    ZK_PERM_READ = 1,
    /// Set the data.
    ZK_PERM_WRITE = 2,
    /// Create children.
    ZK_PERM_CREATE = 4,
    /// Delete children.
    ZK_PERM_DELETE = 8,
    /// Set the ACL.
    ZK_PERM_ADMIN = 16,
    /// All of the above.
    ZK_PERM_ALL = 31,
}

/// Reads `count` ACL entries (NULL with count 0 = none given).
///
/// # Safety
/// `acl` is NULL or points to `count` entries whose strings are valid NUL-terminated strings.
pub(crate) unsafe fn acl_arg(acl: *const zk_acl, count: usize) -> Result<Option<Vec<Acl>>> {
    if acl.is_null() {
        return if count == 0 {
            Ok(None)
        } else {
            Err(super::null_argument("acl"))
        };
    }
    // SAFETY: non-NULL with `count` entries per the caller's contract.
    let entries = unsafe { std::slice::from_raw_parts(acl, count) };
    let mut out = Vec::with_capacity(count);
    for entry in entries {
        // SAFETY: the entry's strings are valid per the caller's contract (NULL is checked).
        let scheme = unsafe { super::required_str(entry.scheme, "acl scheme") }?;
        // SAFETY: as above.
        let id = unsafe { super::required_str(entry.id, "acl id") }?;
        out.push(Acl {
            perms: entry.perms,
            id: Id {
                scheme: scheme.to_string(),
                id: id.to_string(),
            },
        });
    }
    Ok(Some(out))
}

/// How nodes are created: ZooKeeper's create modes.
#[repr(i32)]
#[derive(Debug, Clone, Copy)]
pub enum zk_create_mode {
    /// A node that lives until deleted.
    ZK_PERSISTENT = 0,
    /// A node deleted when its session ends.
    ZK_EPHEMERAL = 1,
    /// Persistent, with a 10-digit sequence number appended to the name.
    ZK_PERSISTENT_SEQUENTIAL = 2,
    /// Ephemeral, with a sequence number appended.
    ZK_EPHEMERAL_SEQUENTIAL = 3,
    /// A container: the server deletes it some time after its last child goes.
    ZK_CONTAINER = 4,
    /// Persistent, deleted by the server when it has had no children and no change for
    /// `ttl_ms` (needs `zookeeper.extendedTypesEnabled=true` on the server).
    ZK_PERSISTENT_WITH_TTL = 5,
    /// As `ZK_PERSISTENT_WITH_TTL`, with a sequence number appended.
    ZK_PERSISTENT_SEQUENTIAL_WITH_TTL = 6,
}

/// The connection state, as kazoo names it.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum zk_state {
    /// No session: not started, stopped, session expired, or authentication failed. Ephemeral
    /// nodes of the old session are gone (or about to be); locks it held are lost.
    ZK_STATE_LOST = 0,
    /// The connection was lost; the session may still be alive and the client is reconnecting.
    /// Treat locks and leadership as uncertain until CONNECTED or LOST.
    ZK_STATE_SUSPENDED = 1,
    /// Connected with a live session.
    ZK_STATE_CONNECTED = 2,
}

impl From<State> for zk_state {
    fn from(state: State) -> Self {
        match state {
            State::Lost => zk_state::ZK_STATE_LOST,
            State::Suspended => zk_state::ZK_STATE_SUSPENDED,
            State::Connected => zk_state::ZK_STATE_CONNECTED,
        }
    }
}

/// The raw ZooKeeper keeper state, with ZooKeeper's numbers.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum zk_keeper_state {
    /// Disconnected; reconnecting (SUSPENDED).
    ZK_KEEPER_DISCONNECTED = 0,
    /// Connected to a read-write server (CONNECTED).
    ZK_KEEPER_SYNC_CONNECTED = 3,
    /// Authentication failed; terminal (LOST).
    ZK_KEEPER_AUTH_FAILED = 4,
    /// Connected to a read-only server (CONNECTED).
    ZK_KEEPER_CONNECTED_READ_ONLY = 5,
    /// SASL authentication succeeded (CONNECTED).
    ZK_KEEPER_SASL_AUTHENTICATED = 6,
    /// The session expired (LOST); the client goes on with a new session.
    ZK_KEEPER_EXPIRED = -112,
    /// The client was stopped or not started yet (LOST).
    ZK_KEEPER_CLOSED = 7,
}

impl From<KeeperState> for zk_keeper_state {
    fn from(state: KeeperState) -> Self {
        match state {
            KeeperState::Disconnected => zk_keeper_state::ZK_KEEPER_DISCONNECTED,
            KeeperState::SyncConnected => zk_keeper_state::ZK_KEEPER_SYNC_CONNECTED,
            KeeperState::AuthFailed => zk_keeper_state::ZK_KEEPER_AUTH_FAILED,
            KeeperState::ConnectedReadOnly => zk_keeper_state::ZK_KEEPER_CONNECTED_READ_ONLY,
            KeeperState::SaslAuthenticated => zk_keeper_state::ZK_KEEPER_SASL_AUTHENTICATED,
            KeeperState::Expired => zk_keeper_state::ZK_KEEPER_EXPIRED,
            KeeperState::Closed => zk_keeper_state::ZK_KEEPER_CLOSED,
        }
    }
}

/// Destructor for user data: called exactly once, when the registration that holds the user
/// data ends — including when the registering call itself fails, so that a caller never has to
/// track whether a registration took. It runs on a zkclient thread or the caller's, never while
/// a callback with the same user data is running.
pub type zk_free_fn = Option<unsafe extern "C" fn(user_data: *mut c_void)>;

/// Releases a buffer the library returned and resets it to `{NULL, 0}`. NULL and empty
/// buffers are fine; releasing the same buffer twice is fine once it was reset.
///
/// # Safety
/// `buffer` is NULL or a `zk_buffer` filled by this library and not modified since.
#[no_mangle]
pub unsafe extern "C" fn zk_buffer_free(buffer: *mut zk_buffer) {
    super::guard_value((), || {
        // SAFETY: NULL or valid per the contract.
        let Some(buffer) = (unsafe { buffer.as_mut() }) else {
            return;
        };
        // SAFETY: data/len came from Box<[u8]>::into_raw in zk_buffer::from_vec.
        drop(unsafe { super::take_array(&mut buffer.data, &mut buffer.len) });
    })
}

/// Releases a string list the library returned and resets it to `{NULL, 0}`. NULL is fine.
///
/// # Safety
/// `list` is NULL or a `zk_string_list` filled by this library and not modified since.
#[no_mangle]
pub unsafe extern "C" fn zk_string_list_free(list: *mut zk_string_list) {
    super::guard_value((), || {
        // SAFETY: NULL or valid per the contract.
        if let Some(list) = unsafe { list.as_mut() } {
            // SAFETY: the library made the list (zk_string_list::packed), not freed since.
            unsafe { list.release() };
        }
    })
}

/// Releases a string the library returned (for example the path of a created node). NULL is
/// fine.
///
/// # Safety
/// `text` is NULL or a string returned by this library, not freed before.
#[no_mangle]
pub unsafe extern "C" fn zk_string_free(text: *mut c_char) {
    super::guard_value((), || {
        if !text.is_null() {
            // SAFETY: the string came from CString::into_raw.
            drop(unsafe { CString::from_raw(text) });
        }
    })
}

/// The name of a connection state (`"CONNECTED"`, `"SUSPENDED"`, `"LOST"`), or `"UNKNOWN"`.
/// Static: never free it.
#[no_mangle]
pub extern "C" fn zk_state_str(state: i32) -> *const c_char {
    let name = match state {
        0 => c"LOST",
        1 => c"SUSPENDED",
        2 => c"CONNECTED",
        _ => c"UNKNOWN",
    };
    name.as_ptr()
}

/// The name of a keeper state (`"SYNC_CONNECTED"`, `"EXPIRED"`, ...), or `"UNKNOWN"`. Static.
#[no_mangle]
pub extern "C" fn zk_keeper_state_str(state: i32) -> *const c_char {
    let name = match KeeperState::from_i32(state) {
        Some(KeeperState::Disconnected) => c"DISCONNECTED",
        Some(KeeperState::SyncConnected) => c"SYNC_CONNECTED",
        Some(KeeperState::AuthFailed) => c"AUTH_FAILED",
        Some(KeeperState::ConnectedReadOnly) => c"CONNECTED_READ_ONLY",
        Some(KeeperState::SaslAuthenticated) => c"SASL_AUTHENTICATED",
        Some(KeeperState::Expired) => c"EXPIRED",
        Some(KeeperState::Closed) => c"CLOSED",
        None => c"UNKNOWN",
    };
    name.as_ptr()
}
