//! SASL GSSAPI (Kerberos V5, RFC 4752), the client side, on the system's MIT GSSAPI library
//! (`libgssapi_krb5`). Built with the `gssapi` feature only.
//!
//! The exchange: `gss_init_sec_context` until the context is established (each output token
//! sent, an empty one when the context completes without output), then the server sends a
//! wrapped 4-octet message (the security layers it offers, its maximum message size); the
//! client unwraps it, picks "no security layer" and answers the wrapped 4-octet choice
//! followed by the authorization id. The server's answer to that ends the exchange.
//!
//! Credentials come from the options' keytab (`client_keytab`) or credential cache (`ccache`)
//! through MIT's `gss_acquire_cred_from`, else from the default credential cache
//! (`KRB5CCNAME`); the library's configuration is whatever `KRB5_CONFIG` (or /etc/krb5.conf)
//! says. Nothing here changes the process environment.

use std::ffi::CString;
use std::ptr;

use super::{GssapiOptions, Mechanism};
use crate::error::{Error, Result};

/// The C declarations: only what this module calls, checked against MIT's gssapi.h and
/// gssapi_ext.h (1.20). Not part of zkclient's C API (kept out of the generated header):
///
/// cbindgen:ignore
#[allow(non_camel_case_types)]
mod sys {
    use libc::{c_char, c_int, c_void, size_t};

    pub type OM_uint32 = u32;

    /// `gss_buffer_desc`.
    #[repr(C)]
    pub struct gss_buffer_desc {
        pub length: size_t,
        pub value: *mut c_void,
    }

    /// `gss_OID_desc`.
    #[repr(C)]
    pub struct gss_OID_desc {
        pub length: OM_uint32,
        pub elements: *mut c_void,
    }

    /// `gss_OID_set_desc`.
    #[repr(C)]
    pub struct gss_OID_set_desc {
        pub count: size_t,
        pub elements: *mut gss_OID_desc,
    }

    /// `gss_key_value_element_desc` (gssapi_ext.h).
    #[repr(C)]
    pub struct gss_key_value_element_desc {
        pub key: *const c_char,
        pub value: *const c_char,
    }

    /// `gss_key_value_set_desc` (gssapi_ext.h).
    #[repr(C)]
    pub struct gss_key_value_set_desc {
        pub count: OM_uint32,
        pub elements: *mut gss_key_value_element_desc,
    }

    #[repr(C)]
    pub struct gss_name_struct {
        _opaque: [u8; 0],
    }
    #[repr(C)]
    pub struct gss_cred_id_struct {
        _opaque: [u8; 0],
    }
    #[repr(C)]
    pub struct gss_ctx_id_struct {
        _opaque: [u8; 0],
    }
    pub type gss_name_t = *mut gss_name_struct;
    pub type gss_cred_id_t = *mut gss_cred_id_struct;
    pub type gss_ctx_id_t = *mut gss_ctx_id_struct;

    pub const GSS_C_MUTUAL_FLAG: OM_uint32 = 2;
    pub const GSS_C_SEQUENCE_FLAG: OM_uint32 = 8;
    pub const GSS_C_CONF_FLAG: OM_uint32 = 16;
    pub const GSS_C_INTEG_FLAG: OM_uint32 = 32;
    pub const GSS_C_INITIATE: c_int = 1;
    pub const GSS_C_GSS_CODE: c_int = 1;
    pub const GSS_C_MECH_CODE: c_int = 2;
    pub const GSS_C_INDEFINITE: OM_uint32 = 0xffff_ffff;
    pub const GSS_C_QOP_DEFAULT: OM_uint32 = 0;
    pub const GSS_S_CONTINUE_NEEDED: OM_uint32 = 1;
    /// The calling and routine error fields (`GSS_ERROR`).
    pub const GSS_ERROR_MASK: OM_uint32 = 0xffff_0000;
    /// `GSS_S_FAILURE`: "unspecified", the minor status says more.
    pub const GSS_S_FAILURE: OM_uint32 = 13 << 16;

    #[link(name = "gssapi_krb5")]
    extern "C" {
        pub fn gss_import_name(
            minor: *mut OM_uint32,
            input_name: *mut gss_buffer_desc,
            name_type: *mut gss_OID_desc,
            output_name: *mut gss_name_t,
        ) -> OM_uint32;
        pub fn gss_release_name(minor: *mut OM_uint32, name: *mut gss_name_t) -> OM_uint32;
        pub fn gss_acquire_cred(
            minor: *mut OM_uint32,
            desired_name: gss_name_t,
            time_req: OM_uint32,
            desired_mechs: *mut gss_OID_set_desc,
            cred_usage: c_int,
            output_cred: *mut gss_cred_id_t,
            actual_mechs: *mut *mut gss_OID_set_desc,
            time_rec: *mut OM_uint32,
        ) -> OM_uint32;
        pub fn gss_acquire_cred_from(
            minor: *mut OM_uint32,
            desired_name: gss_name_t,
            time_req: OM_uint32,
            desired_mechs: *mut gss_OID_set_desc,
            cred_usage: c_int,
            cred_store: *const gss_key_value_set_desc,
            output_cred: *mut gss_cred_id_t,
            actual_mechs: *mut *mut gss_OID_set_desc,
            time_rec: *mut OM_uint32,
        ) -> OM_uint32;
        pub fn gss_release_cred(minor: *mut OM_uint32, cred: *mut gss_cred_id_t) -> OM_uint32;
        pub fn gss_init_sec_context(
            minor: *mut OM_uint32,
            claimant_cred: gss_cred_id_t,
            context: *mut gss_ctx_id_t,
            target_name: gss_name_t,
            mech_type: *mut gss_OID_desc,
            req_flags: OM_uint32,
            time_req: OM_uint32,
            input_chan_bindings: *mut c_void,
            input_token: *mut gss_buffer_desc,
            actual_mech_type: *mut *mut gss_OID_desc,
            output_token: *mut gss_buffer_desc,
            ret_flags: *mut OM_uint32,
            time_rec: *mut OM_uint32,
        ) -> OM_uint32;
        pub fn gss_delete_sec_context(
            minor: *mut OM_uint32,
            context: *mut gss_ctx_id_t,
            output_token: *mut gss_buffer_desc,
        ) -> OM_uint32;
        pub fn gss_wrap(
            minor: *mut OM_uint32,
            context: gss_ctx_id_t,
            conf_req_flag: c_int,
            qop_req: OM_uint32,
            input: *mut gss_buffer_desc,
            conf_state: *mut c_int,
            output: *mut gss_buffer_desc,
        ) -> OM_uint32;
        pub fn gss_unwrap(
            minor: *mut OM_uint32,
            context: gss_ctx_id_t,
            input: *mut gss_buffer_desc,
            output: *mut gss_buffer_desc,
            conf_state: *mut c_int,
            qop_state: *mut OM_uint32,
        ) -> OM_uint32;
        pub fn gss_release_buffer(minor: *mut OM_uint32, buffer: *mut gss_buffer_desc)
            -> OM_uint32;
        pub fn gss_display_status(
            minor: *mut OM_uint32,
            status_value: OM_uint32,
            status_type: c_int,
            mech_type: *mut gss_OID_desc,
            message_context: *mut OM_uint32,
            status_string: *mut gss_buffer_desc,
        ) -> OM_uint32;
    }
}

use sys::*;

/// The DER contents of the OIDs used (RFC 2743, RFC 1964).
mod oid {
    /// 1.2.840.113554.1.2.2: the Kerberos V5 mechanism.
    pub const KRB5: &[u8] = b"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02";
    /// 1.2.840.113554.1.2.1.4: GSS_C_NT_HOSTBASED_SERVICE, `service@host`.
    pub const NT_HOSTBASED_SERVICE: &[u8] = b"\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x04";
    /// 1.2.840.113554.1.2.2.1: GSS_KRB5_NT_PRINCIPAL_NAME, `user@REALM`.
    pub const KRB5_NT_PRINCIPAL_NAME: &[u8] = b"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x01";
}

/// A `gss_OID_desc` over static bytes (the library only reads it).
fn oid_desc(bytes: &'static [u8]) -> gss_OID_desc {
    gss_OID_desc {
        length: bytes.len() as OM_uint32,
        elements: bytes.as_ptr() as *mut libc::c_void,
    }
}

/// A buffer the library reads: borrows `bytes`.
fn input_buffer(bytes: &[u8]) -> gss_buffer_desc {
    gss_buffer_desc {
        length: bytes.len(),
        value: bytes.as_ptr() as *mut libc::c_void,
    }
}

/// A buffer the library fills, released on drop.
struct OutBuffer(gss_buffer_desc);

impl OutBuffer {
    fn new() -> OutBuffer {
        OutBuffer(gss_buffer_desc {
            length: 0,
            value: ptr::null_mut(),
        })
    }

    fn as_slice(&self) -> &[u8] {
        if self.0.value.is_null() || self.0.length == 0 {
            &[]
        } else {
            // SAFETY: the library filled `value` with `length` bytes it owns until released.
            unsafe { std::slice::from_raw_parts(self.0.value as *const u8, self.0.length) }
        }
    }
}

impl Drop for OutBuffer {
    fn drop(&mut self) {
        if !self.0.value.is_null() {
            let mut minor = 0;
            // SAFETY: a buffer the library allocated, released once.
            unsafe { gss_release_buffer(&mut minor, &mut self.0) };
        }
    }
}

/// A `gss_name_t`, released on drop.
struct Name(gss_name_t);

impl Name {
    /// Imports `text` as a name of type `name_type`.
    fn import(text: &str, name_type: &'static [u8]) -> std::result::Result<Name, String> {
        let mut minor = 0;
        let mut buffer = input_buffer(text.as_bytes());
        let mut kind = oid_desc(name_type);
        let mut name: gss_name_t = ptr::null_mut();
        // SAFETY: the buffer and OID point to live memory; `name` receives a new handle.
        let major = unsafe { gss_import_name(&mut minor, &mut buffer, &mut kind, &mut name) };
        let name = Name(name);
        if is_error(major) {
            return Err(status_message(major, minor));
        }
        Ok(name)
    }
}

impl Drop for Name {
    fn drop(&mut self) {
        if !self.0.is_null() {
            let mut minor = 0;
            // SAFETY: a handle from gss_import_name, released once (the call nulls it).
            unsafe { gss_release_name(&mut minor, &mut self.0) };
        }
    }
}

/// A `gss_cred_id_t` (null: GSS_C_NO_CREDENTIAL), released on drop.
struct Cred(gss_cred_id_t);

impl Drop for Cred {
    fn drop(&mut self) {
        if !self.0.is_null() {
            let mut minor = 0;
            // SAFETY: a handle from gss_acquire_cred(_from), released once.
            unsafe { gss_release_cred(&mut minor, &mut self.0) };
        }
    }
}

/// A `gss_ctx_id_t` (null: not started), deleted on drop.
struct Context(gss_ctx_id_t);

impl Drop for Context {
    fn drop(&mut self) {
        if !self.0.is_null() {
            let mut minor = 0;
            // SAFETY: a handle from gss_init_sec_context, deleted once; no output token wanted.
            unsafe { gss_delete_sec_context(&mut minor, &mut self.0, ptr::null_mut()) };
        }
    }
}

fn is_error(major: OM_uint32) -> bool {
    major & GSS_ERROR_MASK != 0
}

/// The library's text for one status value (all its lines, joined).
fn display_status(status: OM_uint32, kind: libc::c_int) -> String {
    let mut parts = Vec::new();
    let mut message_context: OM_uint32 = 0;
    let mut mech = oid_desc(oid::KRB5);
    loop {
        let mut minor = 0;
        let mut text = OutBuffer::new();
        // SAFETY: all pointers are live; `text` receives a buffer released by its drop.
        let major = unsafe {
            gss_display_status(
                &mut minor,
                status,
                kind,
                &mut mech,
                &mut message_context,
                &mut text.0,
            )
        };
        if is_error(major) {
            break;
        }
        let line = String::from_utf8_lossy(text.as_slice()).trim().to_string();
        if !line.is_empty() {
            parts.push(line);
        }
        if message_context == 0 || parts.len() >= 8 {
            break;
        }
    }
    parts.join("; ")
}

/// A readable message for a failed call: the mechanism's (minor) text, which says what
/// Kerberos found ("Server ... not found in Kerberos database"), preceded by the GSS (major)
/// text unless that is only "Unspecified GSS failure".
fn status_message(major: OM_uint32, minor: OM_uint32) -> String {
    let mech = if minor != 0 {
        display_status(minor, GSS_C_MECH_CODE)
    } else {
        String::new()
    };
    let routine = major & GSS_ERROR_MASK;
    let gss = if routine == GSS_S_FAILURE && !mech.is_empty() {
        String::new()
    } else {
        display_status(routine, GSS_C_GSS_CODE)
    };
    match (gss.is_empty(), mech.is_empty()) {
        (false, false) => format!("{gss}: {mech}"),
        (false, true) => gss,
        (true, false) => mech,
        (true, true) => format!("GSS major status {major:#x}, minor status {minor}"),
    }
}

/// The host-based service name the client asks for: `service@host`.
fn target_name(service: &str, host: &str) -> String {
    format!("{service}@{host}")
}

/// "No security layer" in the RFC 4752 bitmask.
const LAYER_NONE: u8 = 1;

/// The server's offer (the unwrapped 4-octet message): the layers bitmask and the maximum
/// message size.
fn parse_offer(message: &[u8]) -> std::result::Result<(u8, u32), String> {
    if message.len() != 4 {
        return Err(format!(
            "the server's security layer message has {} octets instead of 4",
            message.len()
        ));
    }
    let max = u32::from_be_bytes([0, message[1], message[2], message[3]]);
    Ok((message[0], max))
}

/// The client's answer to `offer` before wrapping: "no security layer", maximum size 0 (RFC
/// 4752: 0 when the client supports no layer), then the authorization id (empty: the
/// authenticated principal itself).
fn build_choice(offer: &[u8], authzid: &str) -> std::result::Result<Vec<u8>, String> {
    let (layers, _max) = parse_offer(offer)?;
    if layers & LAYER_NONE == 0 {
        return Err(format!(
            "the server requires a security layer (offered {layers:#04x}); only \"no security \
             layer\" is supported"
        ));
    }
    let mut choice = vec![LAYER_NONE, 0, 0, 0];
    choice.extend_from_slice(authzid.as_bytes());
    Ok(choice)
}

/// Where the exchange is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Nothing sent yet.
    Start,
    /// Establishing the security context: server tokens go to gss_init_sec_context.
    Context,
    /// Established; waiting for the server's wrapped security-layer offer.
    Offer,
    /// The choice was sent: the next reply ends the exchange.
    Done,
    /// A step failed; nothing more is done.
    Failed,
}

/// The GSSAPI client of one connection. Owns its GSS handles (released on drop).
pub(crate) struct Gssapi {
    // Field order is drop order: the context goes before the credential and the names.
    context: Context,
    cred: Cred,
    target: Name,
    /// `service@host`, for messages.
    service: String,
    state: State,
}

// SAFETY: the GSS handles are owned by this value alone and only used through `&mut self`
// (one thread at a time); MIT's library keeps no thread affinity for names, credentials or
// contexts.
unsafe impl Send for Gssapi {}

const REQ_FLAGS: OM_uint32 =
    GSS_C_MUTUAL_FLAG | GSS_C_SEQUENCE_FLAG | GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG;

impl Gssapi {
    /// A client for the server `host` (the host part of its principal unless
    /// `options.service_host` says otherwise).
    pub(crate) fn new(options: &GssapiOptions, host: &str) -> Result<Gssapi> {
        let failed = |reason: String| Error::SaslFailed {
            mechanism: "GSSAPI",
            reason,
        };
        let host = options.service_host.as_deref().unwrap_or(host);
        let service = target_name(&options.service, host);
        let target = Name::import(&service, oid::NT_HOSTBASED_SERVICE)
            .map_err(|e| failed(format!("cannot use the service name {service}: {e}")))?;
        let principal = match &options.principal {
            Some(p) => Some(
                Name::import(p, oid::KRB5_NT_PRINCIPAL_NAME)
                    .map_err(|e| failed(format!("cannot use the principal {p}: {e}")))?,
            ),
            None => None,
        };
        let cred = acquire(options, principal.as_ref()).map_err(|e| {
            let who = options
                .principal
                .as_deref()
                .unwrap_or("the default principal");
            failed(format!("no credentials for {who}: {e}"))
        })?;
        Ok(Gssapi {
            context: Context(ptr::null_mut()),
            cred,
            target,
            service,
            state: State::Start,
        })
    }

    /// One gss_init_sec_context call with the server's `input` (none the first time): the
    /// token to send. Moves to `Offer` when the context is established.
    fn init(&mut self, input: Option<&[u8]>) -> std::result::Result<Vec<u8>, String> {
        let mut minor = 0;
        let mut mech = oid_desc(oid::KRB5);
        let mut in_buf = input_buffer(input.unwrap_or(&[]));
        let in_ptr: *mut gss_buffer_desc = match input {
            Some(_) => &mut in_buf,
            None => ptr::null_mut(),
        };
        let mut out = OutBuffer::new();
        let mut ret_flags: OM_uint32 = 0;
        // SAFETY: every pointer is live for the call; the context handle is ours (null the
        // first time, then the library's); `out` is released by its drop.
        let major = unsafe {
            gss_init_sec_context(
                &mut minor,
                self.cred.0,
                &mut self.context.0,
                self.target.0,
                &mut mech,
                REQ_FLAGS,
                0,
                ptr::null_mut(),
                in_ptr,
                ptr::null_mut(),
                &mut out.0,
                &mut ret_flags,
                ptr::null_mut(),
            )
        };
        if is_error(major) {
            return Err(format!(
                "GSSAPI: {} (for {})",
                status_message(major, minor),
                self.service
            ));
        }
        if major & GSS_S_CONTINUE_NEEDED == 0 {
            if ret_flags & GSS_C_MUTUAL_FLAG == 0 {
                return Err(format!(
                    "GSSAPI: the server {} did not authenticate itself (no mutual authentication)",
                    self.service
                ));
            }
            if ret_flags & GSS_C_INTEG_FLAG == 0 {
                return Err(format!(
                    "GSSAPI: the context with {} offers no integrity protection",
                    self.service
                ));
            }
            self.state = State::Offer;
        } else {
            self.state = State::Context;
        }
        Ok(out.as_slice().to_vec())
    }

    /// Unwraps the server's offer and wraps the answer.
    fn answer_offer(&mut self, challenge: &[u8]) -> std::result::Result<Vec<u8>, String> {
        let mut minor = 0;
        let mut in_buf = input_buffer(challenge);
        let mut offer = OutBuffer::new();
        let mut conf_state: libc::c_int = 0;
        let mut qop: OM_uint32 = 0;
        // SAFETY: the context is established; all pointers are live for the call.
        let major = unsafe {
            gss_unwrap(
                &mut minor,
                self.context.0,
                &mut in_buf,
                &mut offer.0,
                &mut conf_state,
                &mut qop,
            )
        };
        if is_error(major) {
            return Err(format!(
                "GSSAPI: cannot unwrap the security layer message of {}: {}",
                self.service,
                status_message(major, minor)
            ));
        }
        let choice = build_choice(offer.as_slice(), "")?;
        let mut choice_buf = input_buffer(&choice);
        let mut wrapped = OutBuffer::new();
        // SAFETY: as above; integrity only (conf_req_flag 0).
        let major = unsafe {
            gss_wrap(
                &mut minor,
                self.context.0,
                0,
                GSS_C_QOP_DEFAULT,
                &mut choice_buf,
                &mut conf_state,
                &mut wrapped.0,
            )
        };
        if is_error(major) {
            return Err(format!(
                "GSSAPI: cannot wrap the security layer answer: {}",
                status_message(major, minor)
            ));
        }
        Ok(wrapped.as_slice().to_vec())
    }
}

/// The initiator credential of `options`: from its keytab and/or credential cache through
/// the cred store, else the default cache's (for `principal` when given).
fn acquire(options: &GssapiOptions, principal: Option<&Name>) -> std::result::Result<Cred, String> {
    let mut store: Vec<(CString, CString)> = Vec::new();
    let c = |s: &str| CString::new(s).map_err(|_| format!("{s:?} contains a NUL byte"));
    if let Some(keytab) = &options.keytab {
        let path = keytab
            .to_str()
            .ok_or_else(|| format!("the keytab path {} is not UTF-8", keytab.display()))?;
        // MIT would only say "No credentials cache found" (or "No key table entry found").
        std::fs::File::open(keytab)
            .map_err(|e| format!("cannot read the keytab {}: {e}", keytab.display()))?;
        store.push((c("client_keytab")?, c(path)?));
    }
    match (&options.credential_cache, &options.keytab) {
        (Some(ccache), _) => store.push((c("ccache")?, c(ccache)?)),
        // A keytab alone: the tickets it gives go to a memory cache of this process, never
        // the default cache (whose principal may be another one: MIT then refuses with
        // "Principal in credential cache does not match desired name").
        (None, Some(keytab)) => {
            let name = keytab_cache_name(keytab, options.principal.as_deref());
            store.push((c("ccache")?, c(&name)?));
        }
        (None, None) => {}
    }
    let mut elements: Vec<gss_key_value_element_desc> = store
        .iter()
        .map(|(k, v)| gss_key_value_element_desc {
            key: k.as_ptr(),
            value: v.as_ptr(),
        })
        .collect();
    let set = gss_key_value_set_desc {
        count: elements.len() as OM_uint32,
        elements: elements.as_mut_ptr(),
    };
    let mut mech = oid_desc(oid::KRB5);
    let mut mechs = gss_OID_set_desc {
        count: 1,
        elements: &mut mech,
    };
    let name = principal.map_or(ptr::null_mut(), |n| n.0);
    let mut minor = 0;
    let mut cred: gss_cred_id_t = ptr::null_mut();
    // SAFETY: every pointer (the store's strings included) is live for the call; `cred`
    // receives a new handle, owned by the returned Cred.
    let major = unsafe {
        if store.is_empty() {
            gss_acquire_cred(
                &mut minor,
                name,
                GSS_C_INDEFINITE,
                &mut mechs,
                GSS_C_INITIATE,
                &mut cred,
                ptr::null_mut(),
                ptr::null_mut(),
            )
        } else {
            gss_acquire_cred_from(
                &mut minor,
                name,
                GSS_C_INDEFINITE,
                &mut mechs,
                GSS_C_INITIATE,
                &set,
                &mut cred,
                ptr::null_mut(),
                ptr::null_mut(),
            )
        }
    };
    let cred = Cred(cred);
    if is_error(major) {
        return Err(status_message(major, minor));
    }
    Ok(cred)
}

/// The memory credential cache for the tickets of `keytab` (and `principal`): one per pair in
/// the process, so that every connection reuses the ticket-granting ticket (and MIT renews
/// it from the keytab when it expires) instead of each leaving a cache behind.
fn keytab_cache_name(keytab: &std::path::Path, principal: Option<&str>) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    keytab.hash(&mut hasher);
    principal.hash(&mut hasher);
    format!("MEMORY:zkclient-keytab-{:016x}", hasher.finish())
}

impl Mechanism for Gssapi {
    fn initial(&mut self) -> std::result::Result<Vec<u8>, String> {
        if self.state != State::Start {
            return Err("GSSAPI: the exchange was already started".to_string());
        }
        self.init(None).inspect_err(|_| self.state = State::Failed)
    }

    fn step(&mut self, challenge: &[u8]) -> std::result::Result<Option<Vec<u8>>, String> {
        let result = match self.state {
            State::Context => self.init(Some(challenge)).map(Some),
            State::Offer => self.answer_offer(challenge).map(|token| {
                self.state = State::Done;
                Some(token)
            }),
            State::Done => Ok(None),
            State::Start => Err("GSSAPI: a server token before the first one".to_string()),
            State::Failed => Err("GSSAPI: the exchange already failed".to_string()),
        };
        result.inspect_err(|_| self.state = State::Failed)
    }

    fn is_complete(&self) -> bool {
        self.state == State::Done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_names() {
        assert_eq!(target_name("zookeeper", "localhost"), "zookeeper@localhost");
        assert_eq!(target_name("zk", "zk1.example.com"), "zk@zk1.example.com");
    }

    #[test]
    fn keytab_caches_are_per_keytab_and_principal() {
        let a = std::path::Path::new("/etc/a.keytab");
        let b = std::path::Path::new("/etc/b.keytab");
        let name = keytab_cache_name(a, Some("client@ZK.TEST"));
        assert!(name.starts_with("MEMORY:zkclient-keytab-"), "{name}");
        assert_eq!(name, keytab_cache_name(a, Some("client@ZK.TEST")));
        assert_ne!(name, keytab_cache_name(b, Some("client@ZK.TEST")));
        assert_ne!(name, keytab_cache_name(a, Some("client2@ZK.TEST")));
        assert_ne!(name, keytab_cache_name(a, None));
    }

    #[test]
    fn offer_parsing() {
        assert_eq!(parse_offer(&[0x07, 0x01, 0x00, 0x00]), Ok((7, 65536)));
        assert_eq!(parse_offer(&[0x01, 0xff, 0xff, 0xff]), Ok((1, 0xff_ffff)));
        assert!(parse_offer(&[1, 0, 0]).is_err());
        assert!(parse_offer(&[1, 0, 0, 0, 0]).is_err());
        assert!(parse_offer(&[]).is_err());
    }

    #[test]
    fn choice_is_no_layer_and_zero_size() {
        assert_eq!(build_choice(&[0x07, 0, 0x10, 0], ""), Ok(vec![1, 0, 0, 0]));
        assert_eq!(
            build_choice(&[0x01, 0xff, 0xff, 0xff], "client@ZK.TEST"),
            Ok([&[1u8, 0, 0, 0][..], b"client@ZK.TEST"].concat())
        );
    }

    #[test]
    fn choice_refuses_an_offer_without_no_layer() {
        let e = build_choice(&[0x06, 0, 0x10, 0], "").unwrap_err();
        assert!(e.contains("requires a security layer"), "{e}");
        assert!(build_choice(&[0x01, 0], "").is_err());
    }

    #[test]
    fn oids_are_the_der_contents() {
        // 1.2.840.113554.1.2.2: 1*40+2 = 0x2a, 840 = 0x86 0x48, 113554 = 0x86 0xf7 0x12.
        assert_eq!(oid::KRB5, [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 1, 2, 2]);
        assert_eq!(&oid::NT_HOSTBASED_SERVICE[..8], &oid::KRB5[..8]);
        assert_eq!(oid::NT_HOSTBASED_SERVICE[8..], [1, 4]);
        assert_eq!(&oid::KRB5_NT_PRINCIPAL_NAME[..9], oid::KRB5);
        assert_eq!(oid::KRB5_NT_PRINCIPAL_NAME[9], 1);
    }

    #[test]
    fn struct_layouts_match_gssapi_h() {
        use std::mem::{offset_of, size_of};
        assert_eq!(size_of::<gss_buffer_desc>(), 2 * size_of::<usize>());
        assert_eq!(offset_of!(gss_buffer_desc, value), size_of::<usize>());
        assert_eq!(offset_of!(gss_OID_desc, elements), size_of::<usize>());
        assert_eq!(offset_of!(gss_OID_set_desc, elements), size_of::<usize>());
        assert_eq!(
            offset_of!(gss_key_value_set_desc, elements),
            size_of::<usize>()
        );
        assert_eq!(
            size_of::<gss_key_value_element_desc>(),
            2 * size_of::<usize>()
        );
    }

    #[test]
    fn status_text_comes_from_the_library() {
        // GSS_S_BAD_NAME (2 << 16): the library's own text, no KDC involved.
        let text = status_message(2 << 16, 0);
        assert!(text.to_lowercase().contains("name"), "{text}");
    }

    #[test]
    fn an_unusable_principal_is_refused_by_new() {
        let options = GssapiOptions {
            principal: Some("client@ZK.TEST".to_string()),
            credential_cache: Some("FILE:/nonexistent/zkclient-no-such-ccache".to_string()),
            ..GssapiOptions::default()
        };
        match Gssapi::new(&options, "localhost") {
            Err(Error::SaslFailed { mechanism, reason }) => {
                assert_eq!(mechanism, "GSSAPI");
                assert!(reason.contains("client@ZK.TEST"), "{reason}");
            }
            Err(e) => panic!("unexpected error {e}"),
            Ok(_) => panic!("credentials from a cache that does not exist"),
        }
    }
}
