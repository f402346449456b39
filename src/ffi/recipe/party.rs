//! kazoo's Party and ShallowParty from C (one handle type for both).

use std::ffi::c_char;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::ffi::client::{client_arg, zk_client};
use crate::ffi::types::zk_string_list;
use crate::ffi::{
    guard, guard_value, listed_identifier_arg, new_handle, path_arg, required, required_out,
    take_handle, zk_error,
};
use crate::recipe::party::{Party, ShallowParty};

enum Kind {
    Deep(Party),
    Shallow(ShallowParty),
}

/// A member of a party (kazoo's `Party` or `ShallowParty`): see `zk_party_new()` and
/// `zk_shallow_party_new()`. Thread-safe: any thread may use a handle, several at once.
pub struct zk_party {
    kind: Kind,
}

/// The common part of the two constructors.
///
/// # Safety
/// As `zk_party_new()`.
unsafe fn new_party(
    client: *mut zk_client,
    path: *const c_char,
    identifier: *const u8,
    identifier_len: usize,
    out_party: *mut *mut zk_party,
    make: impl FnOnce(&Client, &str, &str) -> Result<Kind>,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let path = unsafe { path_arg(path) }?;
        // SAFETY: per the contract.
        let identifier = unsafe { listed_identifier_arg(identifier, identifier_len) }?;
        let identifier = std::str::from_utf8(identifier)
            .map_err(|_| Error::InvalidArgument("identifier is not valid UTF-8".into()))?;
        let out_party = required_out(out_party, "out_party")?;
        let kind = make(client, path, identifier)?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { new_handle(out_party, zk_party { kind }) };
        Ok(())
    })
}

/// A member of the party at `path` (kazoo's `zk.Party(path, identifier)`), whose node
/// `<path>/<32 hex digits>__party__` holds `identifier` (`identifier_len` bytes of UTF-8,
/// copied; NULL only with length 0; no NUL byte, as member listings return it as a C string:
/// `ZK_EINVAL`). Nothing is sent until `zk_party_join()`. On success
/// `*out_party` owns the handle (release with `zk_party_free()`); on failure it is unmodified.
///
/// # Safety
/// `client` NULL or live; `path` NULL or a string; `identifier` NULL or `identifier_len`
/// readable bytes; `out_party` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_party_new(
    client: *mut zk_client,
    path: *const c_char,
    identifier: *const u8,
    identifier_len: usize,
    out_party: *mut *mut zk_party,
) -> zk_error {
    // SAFETY: forwarded under the same contract.
    unsafe {
        new_party(
            client,
            path,
            identifier,
            identifier_len,
            out_party,
            |c, p, i| Ok(Kind::Deep(Party::new(c, p, i))),
        )
    }
}

/// A member of the shallow party at `path` (kazoo's `zk.ShallowParty(path, identifier)`),
/// whose node is `<path>/<32 hex digits>-<identifier>`, so listing takes one call. The
/// identifier must not contain `/` (`ZK_EINVAL`). Otherwise as `zk_party_new()`.
///
/// # Safety
/// As `zk_party_new()`.
#[no_mangle]
pub unsafe extern "C" fn zk_shallow_party_new(
    client: *mut zk_client,
    path: *const c_char,
    identifier: *const u8,
    identifier_len: usize,
    out_party: *mut *mut zk_party,
) -> zk_error {
    // SAFETY: forwarded under the same contract.
    unsafe {
        new_party(
            client,
            path,
            identifier,
            identifier_len,
            out_party,
            |c, p, i| ShallowParty::new(c, p, i).map(Kind::Shallow),
        )
    }
}

/// Joins: creates this member's ephemeral node (and the party path if missing). Joining
/// twice is fine. The node is ours only while its `ephemeralOwner` is the client's current
/// session: this member's node left by a session the client declared LOST (the server may
/// still hold it) is deleted and made again, never adopted.
///
/// # Safety
/// `party` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn zk_party_join(party: *mut zk_party) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let party = unsafe { required(party, "party") }?;
        match &party.kind {
            Kind::Deep(party) => party.join(),
            Kind::Shallow(party) => party.join(),
        }
    })
}

/// Leaves: deletes this member's node (one left by a lost session too), retrying connection
/// losses through reconnects and new sessions for up to twice the session timeout; blocks
/// the calling thread meanwhile. `ZK_OK` only once the node is gone from the server:
/// `*out_left` (if not NULL) is false when it was not there. `ZK_ECONNECTIONLOSS` (or
/// `ZK_ECLOSED` for a stopped client) when it could not be deleted in that time: it may
/// remain, and count as a member, until the server expires the session that made it. On
/// failure `*out_left` is unmodified.
///
/// # Safety
/// `party` NULL or live; `out_left` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_party_leave(party: *mut zk_party, out_left: *mut bool) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let party = unsafe { required(party, "party") }?;
        let left = match &party.kind {
            Kind::Deep(party) => party.leave(),
            Kind::Shallow(party) => party.leave(),
        }?;
        // SAFETY: NULL or writable per the contract.
        unsafe { crate::ffi::write_optional(out_left, left) };
        Ok(())
    })
}

/// Lists the members' identifiers (kazoo's `list(party)`) into `*out_members`, in node-name
/// order (this member's own node counts only while it belongs to the current session); the
/// caller releases it with `zk_string_list_free()`. On failure `*out_members` is
/// unmodified.
///
/// # Safety
/// `party` NULL or live; `out_members` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_party_members(
    party: *mut zk_party,
    out_members: *mut zk_string_list,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let party = unsafe { required(party, "party") }?;
        let out_members = required_out(out_members, "out_members")?;
        let members = match &party.kind {
            Kind::Deep(party) => party.members(),
            Kind::Shallow(party) => party.members(),
        }?;
        let list = zk_string_list::from_strings(members)?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out_members.write(list) };
        Ok(())
    })
}

/// Counts the members (kazoo's `len(party)`) into `*out_count`, this member's own node only
/// while it belongs to the current session. On failure `*out_count` is
/// unmodified.
///
/// # Safety
/// `party` NULL or live; `out_count` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_party_len(party: *mut zk_party, out_count: *mut usize) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let party = unsafe { required(party, "party") }?;
        let out_count = required_out(out_count, "out_count")?;
        let count = match &party.kind {
            Kind::Deep(party) => party.len(),
            Kind::Shallow(party) => party.len(),
        }?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out_count.write(count) };
        Ok(())
    })
}

/// Leaves the party as `zk_party_leave()` does (blocking for up to twice the session timeout
/// while the server cannot be reached; errors are ignored: a node that could not be deleted
/// goes when the server expires its session) and releases the handle. NULL is fine.
///
/// # Safety
/// `party` NULL or from `zk_party_new()`/`zk_shallow_party_new()`, not freed before.
#[no_mangle]
pub unsafe extern "C" fn zk_party_free(party: *mut zk_party) {
    guard_value((), || {
        // SAFETY: NULL or a handle from its constructor, not freed before, per the contract.
        if let Some(party) = unsafe { take_handle(party) } {
            let _ = match &party.kind {
                Kind::Deep(party) => party.leave(),
                Kind::Shallow(party) => party.leave(),
            };
        }
    })
}
