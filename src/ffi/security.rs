//! Secured connections: TLS options and SASL credentials, given to `zk_options`.

use std::ffi::c_char;
use std::path::PathBuf;

use super::client::{change_options, zk_options};
use super::{bytes_arg, free_handle, guard, guard_value, into_handle, required, required_mut};
use super::{required_str, zk_error};
use crate::client::{GssapiOptions, Pem, SaslOptions, TlsOptions};
use crate::error::{Error, Result};
use crate::secret::Secret;

/// How a client speaks TLS to the servers' `secureClientPort`s: the CAs to trust, a client
/// certificate for mutual TLS, and hostname verification. Create with `zk_tls_options_new()`,
/// adjust with the `zk_tls_options_set_*` functions, give to `zk_options_set_tls()` (which
/// copies it), and release with `zk_tls_options_free()`, which wipes any key held in memory.
/// Not thread-safe: one thread at a time may use one TLS options object.
pub struct zk_tls_options {
    options: TlsOptions,
}

/// SASL credentials a client authenticates with on every connection, before CONNECTED:
/// DIGEST-MD5 (`zk_sasl_options_new_digest()`) or Kerberos (`zk_sasl_options_new_gssapi()`).
/// Give to `zk_options_set_sasl()` (which copies it), and release with
/// `zk_sasl_options_free()`, which wipes the password. Not thread-safe: one thread at a time
/// may use one SASL options object.
pub struct zk_sasl_options {
    options: SaslOptions,
}

/// New TLS options: the system's CA bundle, no client certificate, hostname verification on
/// (ZooKeeper's default). Release with `zk_tls_options_free()`. Returns NULL only on an
/// internal error (`zk_last_error_message()` says which).
#[no_mangle]
pub extern "C" fn zk_tls_options_new() -> *mut zk_tls_options {
    guard_value(std::ptr::null_mut(), || {
        into_handle(zk_tls_options {
            options: TlsOptions::default(),
        })
    })
}

/// Releases TLS options, wiping the keys and PEM text held in memory. NULL is fine.
///
/// # Safety
/// `tls` is NULL or came from `zk_tls_options_new()` and was not freed before.
#[no_mangle]
pub unsafe extern "C" fn zk_tls_options_free(tls: *mut zk_tls_options) {
    guard_value((), || {
        // SAFETY: NULL or a handle from its constructor, not freed before, per the contract.
        unsafe { free_handle(tls) };
    })
}

/// # Safety
/// `tls` is NULL or live.
unsafe fn tls_mut<'a>(tls: *mut zk_tls_options) -> Result<&'a mut TlsOptions> {
    // SAFETY: per the contract.
    unsafe { required_mut(tls, "tls") }.map(|t| &mut t.options)
}

/// # Safety
/// `path` is NULL or a NUL-terminated string.
unsafe fn file_arg(path: *const c_char, name: &str) -> Result<PathBuf> {
    // SAFETY: per the contract.
    let path = unsafe { required_str(path, name) }?;
    if path.is_empty() {
        return Err(Error::InvalidArgument(format!("{name} is empty")));
    }
    Ok(PathBuf::from(path))
}

/// # Safety
/// `pem` readable for `len` bytes (or NULL).
unsafe fn pem_arg(pem: *const u8, len: usize, name: &str) -> Result<Pem> {
    // SAFETY: per the contract.
    let text = unsafe { bytes_arg(pem, len, name) }?;
    if text.is_empty() {
        return Err(Error::InvalidArgument(format!("{name} is empty")));
    }
    Ok(Pem::Memory(Secret::copy_of(text)))
}

/// Trusts the CA certificates of the PEM file at `path` (one or more), instead of the system's
/// CA bundle. The file is read by `zk_options_set_tls()` (and its errors reported there).
///
/// # Safety
/// `tls` NULL or live; `path` NULL or a NUL-terminated string, copied.
#[no_mangle]
pub unsafe extern "C" fn zk_tls_options_set_ca_file(
    tls: *mut zk_tls_options,
    path: *const c_char,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let (tls, path) = unsafe { (tls_mut(tls)?, file_arg(path, "path")?) };
        tls.ca = Some(Pem::File(path));
        Ok(())
    })
}

/// Trusts the CA certificates of `pem` (`pem_len` bytes of PEM text, copied), instead of the
/// system's CA bundle.
///
/// # Safety
/// `tls` NULL or live; `pem` readable for `pem_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn zk_tls_options_set_ca_pem(
    tls: *mut zk_tls_options,
    pem: *const u8,
    pem_len: usize,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let (tls, pem) = unsafe { (tls_mut(tls)?, pem_arg(pem, pem_len, "pem")?) };
        tls.ca = Some(pem);
        Ok(())
    })
}

/// Presents a client certificate (mutual TLS): `cert_path`, a PEM file with the certificate
/// chain (leaf first), and `key_path`, a PEM file with its private key (PKCS#8, PKCS#1 RSA or
/// SEC1 EC; unencrypted). Both files are read by `zk_options_set_tls()`.
///
/// # Safety
/// `tls` NULL or live; `cert_path` and `key_path` NULL or NUL-terminated strings, copied.
#[no_mangle]
pub unsafe extern "C" fn zk_tls_options_set_client_cert_file(
    tls: *mut zk_tls_options,
    cert_path: *const c_char,
    key_path: *const c_char,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let (tls, cert, key) = unsafe {
            (
                tls_mut(tls)?,
                file_arg(cert_path, "cert_path")?,
                file_arg(key_path, "key_path")?,
            )
        };
        tls.client_certificate = Some((Pem::File(cert), Pem::File(key)));
        Ok(())
    })
}

/// Presents a client certificate (mutual TLS) from memory: `cert` (`cert_len` bytes of PEM, the
/// chain, leaf first) and `key` (`key_len` bytes of PEM: PKCS#8, PKCS#1 RSA or SEC1 EC). Both
/// are copied; the copy of the key is wiped when the options are freed. The caller keeps (and
/// wipes) its own buffers.
///
/// # Safety
/// `tls` NULL or live; `cert` and `key` readable for their lengths.
#[no_mangle]
pub unsafe extern "C" fn zk_tls_options_set_client_cert_pem(
    tls: *mut zk_tls_options,
    cert: *const u8,
    cert_len: usize,
    key: *const u8,
    key_len: usize,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let (tls, cert, key) = unsafe {
            (
                tls_mut(tls)?,
                pem_arg(cert, cert_len, "cert")?,
                pem_arg(key, key_len, "key")?,
            )
        };
        tls.client_certificate = Some((cert, key));
        Ok(())
    })
}

/// Whether to check that each server's certificate is valid for its name (default true, as
/// ZooKeeper's `ssl.hostnameVerification`). Off, the certificate chain is still checked against
/// the trusted CAs, and a man in the middle with any certificate of those CAs is accepted.
///
/// # Safety
/// `tls` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn zk_tls_options_set_verify_hostname(
    tls: *mut zk_tls_options,
    verify: bool,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        unsafe { tls_mut(tls) }?.verify_hostname = verify;
        Ok(())
    })
}

/// Checks every server's certificate against `name` (a DNS name or an IP address) instead of
/// the host of its connect-string entry: for servers given by IP address whose certificates
/// name a DNS name. NULL goes back to the connect-string hosts.
///
/// # Safety
/// `tls` NULL or live; `name` NULL or a NUL-terminated string, copied.
#[no_mangle]
pub unsafe extern "C" fn zk_tls_options_set_server_name(
    tls: *mut zk_tls_options,
    name: *const c_char,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let tls = unsafe { tls_mut(tls) }?;
        tls.server_name = if name.is_null() {
            None
        } else {
            // SAFETY: per the contract.
            Some(unsafe { required_str(name, "name") }?.to_string())
        };
        Ok(())
    })
}

/// Makes the client speak TLS to every server of its connect string (give the servers'
/// `secureClientPort`s): reconnects, failover and read-only probes too. `tls` is copied (free
/// it when convenient); the PEM files it names are read now, and a file that cannot be read,
/// holds no certificate, or a key that does not parse gives `ZK_EINVAL` with the file named
/// (never the key) and changes nothing. They are read again by each `zk_client_new()`, whose
/// client keeps what they held then. NULL turns TLS off.
///
/// A server whose certificate or protocol fails is a failed connection attempt, with the
/// codes `ZK_ETLSUNKNOWNCA`, `ZK_ETLSHOSTNAME`, `ZK_ETLSEXPIRED`, `ZK_ETLSCLIENTCERT`,
/// `ZK_ENOTTLS` and `ZK_ETLS`. When every server failed this way before the session ever
/// connected, the session ends (AUTH_FAILED, LOST) and `zk_client_start()` returns that code.
///
/// # Safety
/// `options` NULL or live; `tls` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn zk_options_set_tls(
    options: *mut zk_options,
    tls: *const zk_tls_options,
) -> zk_error {
    guard(|| {
        let tls = if tls.is_null() {
            None
        } else {
            // SAFETY: per the contract.
            Some(unsafe { required(tls, "tls") }?.options.clone())
        };
        // SAFETY: per the contract.
        unsafe { change_options(options, |options| options.tls = tls) }
    })
}

/// New SASL DIGEST-MD5 credentials (what ZooKeeper's `DigestLoginModule` serves): `username`
/// (copied) and `password_len` bytes of `password` (copied; the copy is wiped when freed, and
/// never appears in a message). Release with `zk_sasl_options_free()`. Returns NULL on bad
/// arguments (a NULL or empty user name; `zk_last_error_message()` says which).
///
/// # Safety
/// `username` NULL or a NUL-terminated string; `password` readable for `password_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn zk_sasl_options_new_digest(
    username: *const c_char,
    password: *const u8,
    password_len: usize,
) -> *mut zk_sasl_options {
    let mut made = std::ptr::null_mut();
    let _ = guard(|| {
        // SAFETY: per the contract.
        let username = unsafe { required_str(username, "username") }?;
        // SAFETY: per the contract.
        let password = unsafe { bytes_arg(password, password_len, "password") }?;
        let options = SaslOptions::Digest {
            username: username.to_string(),
            password: Secret::copy_of(password),
        };
        options.validate()?;
        made = into_handle(zk_sasl_options { options });
        Ok(())
    });
    made
}

/// New SASL GSSAPI (Kerberos) settings: service `zookeeper` on each connect-string host, the
/// default credential cache. Adjust with the `zk_sasl_options_set_*` functions. Available when
/// the library is built with the `gssapi` feature; otherwise `zk_options_set_sasl()` refuses it
/// with `ZK_EUNIMPLEMENTED`. Release with `zk_sasl_options_free()`.
#[no_mangle]
pub extern "C" fn zk_sasl_options_new_gssapi() -> *mut zk_sasl_options {
    guard_value(std::ptr::null_mut(), || {
        into_handle(zk_sasl_options {
            options: SaslOptions::Gssapi(GssapiOptions::default()),
        })
    })
}

/// Releases SASL options, wiping the password. NULL is fine.
///
/// # Safety
/// `sasl` is NULL or came from a `zk_sasl_options_new_*` function and was not freed before.
#[no_mangle]
pub unsafe extern "C" fn zk_sasl_options_free(sasl: *mut zk_sasl_options) {
    guard_value((), || {
        // SAFETY: NULL or a handle from its constructor, not freed before, per the contract.
        unsafe { free_handle(sasl) };
    })
}

/// Changes a GSSAPI setting of `sasl` with `change` given the string `value` (NULL: the
/// default); DIGEST-MD5 options refuse it.
///
/// # Safety
/// `sasl` NULL or live; `value` NULL or a NUL-terminated string.
unsafe fn change_gssapi(
    sasl: *mut zk_sasl_options,
    value: *const c_char,
    name: &str,
    change: impl FnOnce(&mut GssapiOptions, Option<String>),
) -> Result<()> {
    // SAFETY: per the contract.
    let sasl = unsafe { required_mut(sasl, "sasl") }?;
    let SaslOptions::Gssapi(gssapi) = &mut sasl.options else {
        return Err(Error::InvalidArgument(format!(
            "{name} is a GSSAPI setting, and these are DIGEST-MD5 options"
        )));
    };
    let value = if value.is_null() {
        None
    } else {
        // SAFETY: per the contract.
        let text = unsafe { required_str(value, name) }?;
        if text.is_empty() {
            return Err(Error::InvalidArgument(format!("{name} is empty")));
        }
        Some(text.to_string())
    };
    change(gssapi, value);
    Ok(())
}

/// GSSAPI: the service part of the servers' principal (default, and with NULL: `zookeeper`).
/// The client asks for `SERVICE@HOST`.
///
/// # Safety
/// `sasl` NULL or live; `service` NULL or a NUL-terminated string, copied.
#[no_mangle]
pub unsafe extern "C" fn zk_sasl_options_set_service(
    sasl: *mut zk_sasl_options,
    service: *const c_char,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        unsafe {
            change_gssapi(sasl, service, "service", |gssapi, value| {
                gssapi.service = value.unwrap_or_else(|| GssapiOptions::default().service);
            })
        }
    })
}

/// GSSAPI: the host part of the servers' principal, for every server (default, and with
/// NULL: the host of each connect-string entry as written, so connect to the names the
/// servers' principals have).
///
/// # Safety
/// `sasl` NULL or live; `host` NULL or a NUL-terminated string, copied.
#[no_mangle]
pub unsafe extern "C" fn zk_sasl_options_set_service_host(
    sasl: *mut zk_sasl_options,
    host: *const c_char,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        unsafe {
            change_gssapi(sasl, host, "host", |gssapi, value| {
                gssapi.service_host = value
            })
        }
    })
}

/// GSSAPI: the client's principal (`client@EXAMPLE.COM`); default (and NULL): the one of the
/// keytab or the credential cache.
///
/// # Safety
/// `sasl` NULL or live; `principal` NULL or a NUL-terminated string, copied.
#[no_mangle]
pub unsafe extern "C" fn zk_sasl_options_set_principal(
    sasl: *mut zk_sasl_options,
    principal: *const c_char,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        unsafe {
            change_gssapi(sasl, principal, "principal", |gssapi, value| {
                gssapi.principal = value;
            })
        }
    })
}

/// GSSAPI: a client keytab to get credentials from (MIT's `client_keytab`); default (and
/// NULL): the credential cache only.
///
/// # Safety
/// `sasl` NULL or live; `path` NULL or a NUL-terminated string, copied.
#[no_mangle]
pub unsafe extern "C" fn zk_sasl_options_set_keytab(
    sasl: *mut zk_sasl_options,
    path: *const c_char,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        unsafe {
            change_gssapi(sasl, path, "path", |gssapi, value| {
                gssapi.keytab = value.map(PathBuf::from);
            })
        }
    })
}

/// GSSAPI: the credential cache (`FILE:/tmp/krb5cc_app`); default (and NULL): `KRB5CCNAME`
/// or the system default.
///
/// # Safety
/// `sasl` NULL or live; `cache` NULL or a NUL-terminated string, copied.
#[no_mangle]
pub unsafe extern "C" fn zk_sasl_options_set_credential_cache(
    sasl: *mut zk_sasl_options,
    cache: *const c_char,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        unsafe {
            change_gssapi(sasl, cache, "cache", |gssapi, value| {
                gssapi.credential_cache = value;
            })
        }
    })
}

/// Makes the client authenticate with `sasl` on every connection, right after the handshake
/// and before anything else; CONNECTED is announced only once the server accepted it. `sasl` is
/// copied (free it when convenient). NULL turns SASL off. GSSAPI settings in a library built
/// without the `gssapi` feature are `ZK_EUNIMPLEMENTED`, and change nothing.
///
/// Credentials the server refuses end the session: `zk_client_start()` returns
/// `ZK_EAUTHFAILED` and the state listeners hear AUTH_FAILED (LOST); a client is never retried
/// in a loop. A server that requires SASL (`sessionRequireClientSASLAuth`) ends the session of
/// a client without it with `ZK_ESESSIONCLOSEDREQUIRESASLAUTH`.
///
/// # Safety
/// `options` NULL or live; `sasl` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn zk_options_set_sasl(
    options: *mut zk_options,
    sasl: *const zk_sasl_options,
) -> zk_error {
    guard(|| {
        let sasl = if sasl.is_null() {
            None
        } else {
            // SAFETY: per the contract.
            Some(unsafe { required(sasl, "sasl") }?.options.clone())
        };
        // SAFETY: per the contract.
        unsafe { change_options(options, |options| options.sasl = sasl) }
    })
}
