//! The ensemble's configuration from C: reading it (`/zookeeper/config`, outside the chroot),
//! watching it, and reconfiguring the membership (incremental or bulk).

use std::ffi::{c_char, c_void, CString};

use super::client::{client_arg, zk_client};
use super::types::{owned_c_string, zk_free_fn, zk_stat};
use super::watch::{c_watcher, zk_watcher};
use super::{
    free_handle, guard, guard_value, new_handle, null_argument, required_fn, required_out,
    string_array_arg, write_optional, zk_error, UserData,
};
use crate::client::{EnsembleConfig, EnsembleMember, MemberRole};
use crate::error::{Error, Result};
use crate::runtime::Wait;

/// How a member takes part in the ensemble.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum zk_member_role {
    /// Only for a NULL member: no role.
    ZK_MEMBER_ROLE_NONE = -1,
    /// A voting member (elections and the quorum of every write).
    ZK_MEMBER_PARTICIPANT = 0,
    /// A member that follows the leader and serves clients, without a vote.
    ZK_MEMBER_OBSERVER = 1,
}

impl From<MemberRole> for zk_member_role {
    fn from(role: MemberRole) -> Self {
        match role {
            MemberRole::Participant => zk_member_role::ZK_MEMBER_PARTICIPANT,
            MemberRole::Observer => zk_member_role::ZK_MEMBER_OBSERVER,
        }
    }
}

/// One server of an ensemble configuration (a `server.N=` line), borrowed from its
/// `zk_ensemble_config`: valid until that configuration is freed, never freed on its own.
/// Read it with the `zk_ensemble_member_*` functions; immutable, so any thread may read it
/// while the configuration lives.
pub struct zk_ensemble_member {
    member: EnsembleMember,
    quorum_host: CString,
    client_host: Option<CString>,
    connect_host: Option<CString>,
    spec: CString,
}

/// The ensemble's configuration (the data of `/zookeeper/config`, parsed), returned by
/// `zk_get_config()`, `zk_get_config_watch()` and the reconfig functions. The caller owns it
/// and releases it with `zk_ensemble_config_free()`, which also ends every member and string
/// borrowed from it. Immutable: any thread may read it, several at once.
pub struct zk_ensemble_config {
    config: EnsembleConfig,
    members: Vec<zk_ensemble_member>,
    connect_string: CString,
}

fn c_text(text: String) -> Result<CString> {
    CString::new(text).map_err(|_| {
        Error::InvalidArgument("the ensemble configuration holds a string containing NUL".into())
    })
}

impl zk_ensemble_config {
    fn new(config: EnsembleConfig) -> Result<zk_ensemble_config> {
        let members = config
            .members
            .iter()
            .map(|member| {
                Ok(zk_ensemble_member {
                    quorum_host: c_text(member.quorum_address.host.clone())?,
                    client_host: member
                        .client_address
                        .as_ref()
                        .map(|client| c_text(client.host.clone()))
                        .transpose()?,
                    connect_host: member
                        .client_connect_address()
                        .map(|address| c_text(address.host))
                        .transpose()?,
                    spec: c_text(member.to_string())?,
                    member: member.clone(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let connect_string = c_text(config.connect_string())?;
        Ok(zk_ensemble_config {
            config,
            members,
            connect_string,
        })
    }
}

/// Hands a configuration to C through `out` (NULL: not wanted).
///
/// # Safety
/// `out` NULL or writable.
unsafe fn write_config(out: *mut *mut zk_ensemble_config, config: EnsembleConfig) -> Result<()> {
    if !out.is_null() {
        let config = zk_ensemble_config::new(config)?;
        // SAFETY: non-NULL and writable per the contract.
        unsafe { new_handle(out, config) };
    }
    Ok(())
}

/// Reads the ensemble's configuration, the data of `/zookeeper/config` (ZooKeeper 3.5+),
/// at that path whatever the client's chroot. `*out` (required) receives a configuration the
/// caller owns (release with `zk_ensemble_config_free()`). It is what the server this client
/// is connected to has seen; `zk_sync(client, "/")` first for the leader's latest. A
/// standalone server without a dynamic configuration answers an empty node: no members,
/// version 0. Blocking; any thread, callbacks included. Errors: `ZK_EINVAL` (NULL arguments,
/// or data that is not a configuration: the message names the line), and the connection
/// errors. On failure `*out` is unmodified.
///
/// # Safety
/// `client` NULL or live; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_get_config(
    client: *mut zk_client,
    out: *mut *mut zk_ensemble_config,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        let out = required_out(out, "out")?;
        let config = client.get_config().wait()?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { write_config(out, config) }
    })
}

/// As `zk_get_config()`, and sets a one-shot watch on the configuration node: `watcher` is
/// called once when it changes (a reconfig was committed), with the path
/// `"/zookeeper/config"` whatever the chroot, or with `ZK_EVENT_SESSION` when the session
/// ends first (see `zk_watcher` for the thread it runs on). `*out_watch_id` (if not NULL)
/// identifies the watch for `zk_remove_watch()`.
///
/// `user_data` belongs to the library from this call on: `free_user_data` (if not NULL) is
/// called exactly once, after the watcher's last call, or at once if no watch was set (the
/// call failed). On failure the outputs are unmodified.
///
/// # Safety
/// `client` NULL or live; outputs NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_get_config_watch(
    client: *mut zk_client,
    watcher: zk_watcher,
    user_data: *mut c_void,
    free_user_data: zk_free_fn,
    out: *mut *mut zk_ensemble_config,
    out_watch_id: *mut u64,
) -> zk_error {
    guard(|| {
        let user_data = UserData::new(user_data, free_user_data);
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        let watcher = required_fn(watcher, "watcher")?;
        let out = required_out(out, "out")?;
        let watcher = c_watcher(watcher, user_data);
        let (config, id) = client.get_config_watch(watcher).wait()?;
        // SAFETY: checked / NULL or writable per the contract.
        unsafe {
            write_config(out, config)?;
            write_optional(out_watch_id, id.0);
        }
        Ok(())
    })
}

/// The members given to a reconfig: `count` specs, each parsed.
///
/// # Safety
/// As [`string_array_arg`].
unsafe fn members_arg(
    specs: *const *const c_char,
    count: usize,
    name: &str,
) -> Result<Vec<EnsembleMember>> {
    // SAFETY: per the contract.
    let specs = unsafe { string_array_arg(specs, count, name) }?;
    specs.iter().map(|spec| spec.parse()).collect()
}

/// Changes the membership incrementally (ZooKeeper 3.5+ with `reconfigEnabled=true`): adds
/// (or changes) the `joining_count` servers of `joining`, each a spec as the configuration
/// writes it (`"server.4=10.0.0.4:2888:3888:participant;10.0.0.4:2181"`, the client port
/// required; `zk_ensemble_member_spec()` gives one), and removes the `leaving_count` servers
/// whose ids are in `leaving`, if the configuration's version is `from_version` (-1: any;
/// `zk_ensemble_config_version()` gives it). Arrays may be NULL with a count of 0 (none),
/// but not both empty. Borrowed for the call. `*out` (if not NULL) receives the new
/// configuration, owned by the caller (`zk_ensemble_config_free()`).
///
/// Needs the superuser, or WRITE permission on `/zookeeper/config`. Refusals keep
/// ZooKeeper's codes, and the last-error message says why; the configuration is unchanged:
/// `ZK_EBADVERSION` (it is no longer version `from_version`), `ZK_ENEWCONFIGNOQUORUM` (no
/// quorum of the new membership is up and in sync), `ZK_ERECONFIGINPROGRESS`, `ZK_ENOAUTH`,
/// `ZK_ERECONFIGDISABLED`, `ZK_EBADARGUMENTS` (the server refused a spec, or too few voting
/// members), `ZK_EUNIMPLEMENTED` (a standalone server), `ZK_EMARSHALLINGERROR` (3.8's
/// answer to a bulk membership without a participant). `ZK_EINVAL` (nothing sent): NULL
/// arrays with a count, a spec that is not one, nothing to change. On `ZK_ECONNECTIONLOSS`
/// the change may or may not have happened. Blocking; any thread. On failure `*out` is
/// unmodified.
///
/// # Safety
/// `client` NULL or live; `joining` NULL or `joining_count` pointers, each NULL or a
/// NUL-terminated string; `leaving` NULL or `leaving_count` readable ids; `out` NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn zk_reconfig_incremental(
    client: *mut zk_client,
    joining: *const *const c_char,
    joining_count: usize,
    leaving: *const u64,
    leaving_count: usize,
    from_version: i64,
    out: *mut *mut zk_ensemble_config,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let joining = unsafe { members_arg(joining, joining_count, "joining") }?;
        let leaving = if leaving.is_null() {
            if leaving_count != 0 {
                return Err(null_argument("leaving"));
            }
            &[][..]
        } else {
            if leaving_count > isize::MAX as usize / std::mem::size_of::<u64>() {
                return Err(Error::InvalidArgument(format!(
                    "leaving: count {leaving_count} is too large"
                )));
            }
            // SAFETY: non-NULL with `leaving_count` readable ids per the contract.
            unsafe { std::slice::from_raw_parts(leaving, leaving_count) }
        };
        let config = client
            .reconfig_incremental(&joining, leaving, from_version)
            .wait()?;
        // SAFETY: NULL or writable per the contract.
        unsafe { write_config(out, config) }
    })
}

/// Replaces the whole membership with the `member_count` servers of `members` (specs as for
/// `zk_reconfig_incremental()`), if the configuration's version is `from_version` (-1: any).
/// Borrowed for the call; `*out` (if not NULL) receives the new configuration, owned by the
/// caller. Permissions, refusals and errors as `zk_reconfig_incremental()`; an empty list is
/// `ZK_EINVAL`. Blocking; any thread. On failure `*out` is unmodified.
///
/// # Safety
/// `client` NULL or live; `members` NULL or `member_count` pointers, each NULL or a
/// NUL-terminated string; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_reconfig_bulk(
    client: *mut zk_client,
    members: *const *const c_char,
    member_count: usize,
    from_version: i64,
    out: *mut *mut zk_ensemble_config,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        // SAFETY: per the contract.
        let members = unsafe { members_arg(members, member_count, "members") }?;
        let config = client.reconfig_bulk(&members, from_version).wait()?;
        // SAFETY: NULL or writable per the contract.
        unsafe { write_config(out, config) }
    })
}

/// Releases a configuration, and with it every member and string borrowed from it. NULL is
/// fine.
///
/// # Safety
/// `config` NULL or returned by this library and not freed before.
#[no_mangle]
pub unsafe extern "C" fn zk_ensemble_config_free(config: *mut zk_ensemble_config) {
    guard_value((), || {
        // SAFETY: NULL or a handle from this library, not freed before, per the contract.
        unsafe { free_handle(config) };
    })
}

/// The configuration's version: the zxid of the reconfig that made it (the `version=` line,
/// hexadecimal in the text), for the `from_version` guard of a reconfig; 0 when the data has
/// none (standalone), and for NULL.
///
/// # Safety
/// `config` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn zk_ensemble_config_version(config: *const zk_ensemble_config) -> i64 {
    guard_value(0, || {
        // SAFETY: NULL or live per the contract.
        unsafe { config.as_ref() }.map_or(0, |config| config.config.version)
    })
}

/// How many servers the configuration lists; 0 for NULL.
///
/// # Safety
/// `config` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn zk_ensemble_config_member_count(
    config: *const zk_ensemble_config,
) -> usize {
    guard_value(0, || {
        // SAFETY: NULL or live per the contract.
        unsafe { config.as_ref() }.map_or(0, |config| config.members.len())
    })
}

/// Server `index` (0 to `zk_ensemble_config_member_count()` - 1, in the order of the text),
/// borrowed from `config` until it is freed; NULL for a NULL `config` or an index out of
/// range.
///
/// # Safety
/// `config` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn zk_ensemble_config_member(
    config: *const zk_ensemble_config,
    index: usize,
) -> *const zk_ensemble_member {
    guard_value(std::ptr::null(), || {
        // SAFETY: NULL or live per the contract.
        unsafe { config.as_ref() }
            .and_then(|config| config.members.get(index))
            .map_or(std::ptr::null(), |member| member as *const _)
    })
}

/// The server whose id is `id`, borrowed from `config` until it is freed; NULL when there is
/// none (or `config` is NULL).
///
/// # Safety
/// `config` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn zk_ensemble_config_member_by_id(
    config: *const zk_ensemble_config,
    id: u64,
) -> *const zk_ensemble_member {
    guard_value(std::ptr::null(), || {
        // SAFETY: NULL or live per the contract.
        unsafe { config.as_ref() }
            .and_then(|config| config.members.iter().find(|m| m.member.id == id))
            .map_or(std::ptr::null(), |member| member as *const _)
    })
}

/// The configuration node's data as the server sent it (the text the members were parsed
/// from, not NUL-terminated), borrowed from `config` until it is freed; `*out_len` (if not
/// NULL) receives its length. NULL with length 0 for empty data or a NULL `config`.
///
/// # Safety
/// `config` NULL or live; `out_len` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_ensemble_config_data(
    config: *const zk_ensemble_config,
    out_len: *mut usize,
) -> *const u8 {
    guard_value(std::ptr::null(), || {
        // SAFETY: NULL or live per the contract.
        let data = unsafe { config.as_ref() }.map_or(&[][..], |config| &config.config.data[..]);
        // SAFETY: NULL or writable per the contract.
        unsafe { write_optional(out_len, data.len()) };
        if data.is_empty() {
            std::ptr::null()
        } else {
            data.as_ptr()
        }
    })
}

/// The configuration node's stat into `*out` (required). `ZK_EINVAL` for NULL arguments
/// (`*out` unmodified).
///
/// # Safety
/// `config` NULL or live; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_ensemble_config_stat(
    config: *const zk_ensemble_config,
    out: *mut zk_stat,
) -> zk_error {
    guard(|| {
        // SAFETY: NULL or live per the contract.
        let config = unsafe { config.as_ref() }.ok_or_else(|| null_argument("config"))?;
        let out = required_out(out, "out")?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(config.config.stat.into()) };
        Ok(())
    })
}

/// The connect string of the members that have a client port (`"h1:2181,h2:2181"`, no
/// chroot), a wildcard client host (`0.0.0.0`, `::`) replaced by the member's quorum host;
/// empty when none has one. Borrowed from `config` until it is freed; NULL for NULL.
///
/// # Safety
/// `config` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn zk_ensemble_config_connect_string(
    config: *const zk_ensemble_config,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: NULL or live per the contract.
        unsafe { config.as_ref() }.map_or(std::ptr::null(), |config| config.connect_string.as_ptr())
    })
}

/// # Safety
/// `member` NULL or a member of a live configuration.
unsafe fn member_ref<'a>(member: *const zk_ensemble_member) -> Option<&'a zk_ensemble_member> {
    // SAFETY: per the contract.
    unsafe { member.as_ref() }
}

/// The member's server id (`myid`); 0 for NULL.
///
/// # Safety
/// `member` NULL or a member of a live configuration.
#[no_mangle]
pub unsafe extern "C" fn zk_ensemble_member_id(member: *const zk_ensemble_member) -> u64 {
    // SAFETY: per the contract.
    guard_value(0, || {
        unsafe { member_ref(member) }.map_or(0, |m| m.member.id)
    })
}

/// The member's role; `ZK_MEMBER_ROLE_NONE` for NULL.
///
/// # Safety
/// `member` NULL or a member of a live configuration.
#[no_mangle]
pub unsafe extern "C" fn zk_ensemble_member_role(
    member: *const zk_ensemble_member,
) -> zk_member_role {
    guard_value(zk_member_role::ZK_MEMBER_ROLE_NONE, || {
        // SAFETY: per the contract.
        unsafe { member_ref(member) }.map_or(zk_member_role::ZK_MEMBER_ROLE_NONE, |m| {
            m.member.role.into()
        })
    })
}

/// The host of the member's quorum address (IPv6 without brackets), borrowed from its
/// configuration; NULL for NULL.
///
/// # Safety
/// `member` NULL or a member of a live configuration.
#[no_mangle]
pub unsafe extern "C" fn zk_ensemble_member_quorum_host(
    member: *const zk_ensemble_member,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: per the contract.
        unsafe { member_ref(member) }.map_or(std::ptr::null(), |m| m.quorum_host.as_ptr())
    })
}

/// The member's quorum port (followers to the leader); 0 for NULL.
///
/// # Safety
/// `member` NULL or a member of a live configuration.
#[no_mangle]
pub unsafe extern "C" fn zk_ensemble_member_quorum_port(member: *const zk_ensemble_member) -> u16 {
    // SAFETY: per the contract.
    guard_value(0, || {
        unsafe { member_ref(member) }.map_or(0, |m| m.member.quorum_address.port)
    })
}

/// The member's leader-election port (on the quorum host); 0 for NULL.
///
/// # Safety
/// `member` NULL or a member of a live configuration.
#[no_mangle]
pub unsafe extern "C" fn zk_ensemble_member_election_port(
    member: *const zk_ensemble_member,
) -> u16 {
    // SAFETY: per the contract.
    guard_value(0, || {
        unsafe { member_ref(member) }.map_or(0, |m| m.member.election_port)
    })
}

/// The host of the member's client address as the configuration writes it (`0.0.0.0` or
/// `::` for every interface; IPv6 without brackets), borrowed from its configuration; NULL
/// when the member has no client address, and for NULL.
///
/// # Safety
/// `member` NULL or a member of a live configuration.
#[no_mangle]
pub unsafe extern "C" fn zk_ensemble_member_client_host(
    member: *const zk_ensemble_member,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: per the contract.
        unsafe { member_ref(member) }
            .and_then(|m| m.client_host.as_ref())
            .map_or(std::ptr::null(), |host| host.as_ptr())
    })
}

/// The host a client should connect to for this member: its client host, or its quorum host
/// when the client host is a wildcard (`0.0.0.0`, `::`), as in
/// `zk_ensemble_config_connect_string()`; with `zk_ensemble_member_client_port()`. Borrowed
/// from its configuration; NULL when the member has no client address, and for NULL.
///
/// # Safety
/// `member` NULL or a member of a live configuration.
#[no_mangle]
pub unsafe extern "C" fn zk_ensemble_member_connect_host(
    member: *const zk_ensemble_member,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: per the contract.
        unsafe { member_ref(member) }
            .and_then(|m| m.connect_host.as_ref())
            .map_or(std::ptr::null(), |host| host.as_ptr())
    })
}

/// The member's client port; 0 when it has no client address, and for NULL.
///
/// # Safety
/// `member` NULL or a member of a live configuration.
#[no_mangle]
pub unsafe extern "C" fn zk_ensemble_member_client_port(member: *const zk_ensemble_member) -> u16 {
    guard_value(0, || {
        // SAFETY: per the contract.
        unsafe { member_ref(member) }
            .and_then(|m| m.member.client_address.as_ref())
            .map_or(0, |client| client.port)
    })
}

/// The member as a spec (`"server.3=127.0.0.1:2890:3890:participant;127.0.0.1:2183"`), the
/// form `zk_reconfig_incremental()` and `zk_reconfig_bulk()` take: to add a removed member
/// back, keep a copy of its spec. Borrowed from its configuration; NULL for NULL.
///
/// # Safety
/// `member` NULL or a member of a live configuration.
#[no_mangle]
pub unsafe extern "C" fn zk_ensemble_member_spec(
    member: *const zk_ensemble_member,
) -> *const c_char {
    guard_value(std::ptr::null(), || {
        // SAFETY: per the contract.
        unsafe { member_ref(member) }.map_or(std::ptr::null(), |m| m.spec.as_ptr())
    })
}

/// One identity of a session (`zk_who_am_i()`): an authentication scheme and the id within
/// it (`"ip"` and `"127.0.0.1"`, `"digest"` and `"alice"`, `"x509"` and `"CN=client1"`). Its
/// strings belong to the list. Frozen: its layout never changes (a change would be a new
/// soname).
#[repr(C)]
#[derive(Debug)]
pub struct zk_identity {
    /// The scheme.
    pub scheme: *const c_char,
    /// The id within the scheme.
    pub id: *const c_char,
}

/// The identities of a session, owned by the caller (`zk_who_am_i()`): `count` entries whose
/// strings belong to the list too. Release with `zk_identity_list_free()`. An empty list is
/// `{NULL, 0}`. Frozen: its layout never changes.
#[repr(C)]
#[derive(Debug)]
pub struct zk_identity_list {
    /// `count` entries.
    pub items: *mut zk_identity,
    /// How many entries `items` holds.
    pub count: usize,
}

/// Releases the strings of identity entries.
///
/// # Safety
/// Every non-NULL string of `entries` came from `CString::into_raw` and is not used again.
unsafe fn free_identities(entries: &[zk_identity]) {
    for entry in entries {
        for text in [entry.scheme, entry.id] {
            if !text.is_null() {
                // SAFETY: per the contract: the string came from CString::into_raw.
                drop(unsafe { CString::from_raw(text.cast_mut()) });
            }
        }
    }
}

impl zk_identity_list {
    fn new(identities: Vec<crate::proto::ClientInfo>) -> Result<zk_identity_list> {
        if identities.is_empty() {
            return Ok(zk_identity_list {
                items: std::ptr::null_mut(),
                count: 0,
            });
        }
        let mut items: Vec<zk_identity> = Vec::with_capacity(identities.len());
        for identity in identities {
            let mut item = zk_identity {
                scheme: std::ptr::null(),
                id: std::ptr::null(),
            };
            let made = owned_c_string(identity.auth_scheme).and_then(|scheme| {
                item.scheme = scheme;
                owned_c_string(identity.user).map(|id| item.id = id)
            });
            items.push(item);
            if let Err(error) = made {
                // SAFETY: every non-NULL string of items came from CString::into_raw above.
                unsafe { free_identities(&items) };
                return Err(error);
            }
        }
        let boxed = items.into_boxed_slice();
        let count = boxed.len();
        Ok(zk_identity_list {
            items: Box::into_raw(boxed).cast::<zk_identity>(),
            count,
        })
    }
}

/// The identities the server knows this session by (ZooKeeper 3.7+ whoAmI): an
/// unauthenticated session has its `"ip"` identity; each credential added gives another
/// (`"digest"` with the user name, `"x509"` with the certificate's subject, `"sasl"` with the
/// principal). `*out` (required) receives a list the caller owns (release with
/// `zk_identity_list_free()`). Blocking; any thread, callbacks included. Errors: `ZK_EINVAL`
/// (NULL arguments) and the connection errors (a server before 3.7 does not know whoAmI).
/// On failure `*out` is unmodified.
///
/// # Safety
/// `client` NULL or live; `out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_who_am_i(
    client: *mut zk_client,
    out: *mut zk_identity_list,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        let out = required_out(out, "out")?;
        let list = zk_identity_list::new(client.who_am_i().wait()?)?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(list) };
        Ok(())
    })
}

/// Releases an identity list returned by `zk_who_am_i()` — its entries and their strings — and
/// resets it to `{NULL, 0}`. NULL and empty lists are fine; releasing the same list twice is
/// fine once it was reset.
///
/// # Safety
/// `list` is NULL or a `zk_identity_list` filled by this library and not modified since.
#[no_mangle]
pub unsafe extern "C" fn zk_identity_list_free(list: *mut zk_identity_list) {
    guard_value((), || {
        // SAFETY: NULL or valid per the contract.
        let Some(list) = (unsafe { list.as_mut() }) else {
            return;
        };
        // SAFETY: items/count came from Box<[zk_identity]>::into_raw in zk_identity_list::new.
        if let Some(items) = unsafe { super::take_array(&mut list.items, &mut list.count) } {
            // SAFETY: the entries' strings came from CString::into_raw there.
            unsafe { free_identities(&items) };
        }
    })
}
