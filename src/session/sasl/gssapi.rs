//! SASL GSSAPI (Kerberos V5, RFC 4752), the client side, on the system's MIT GSSAPI library
//! (`libgssapi_krb5`). Built with the `gssapi` feature only.

use super::{GssapiOptions, Mechanism};
use crate::error::{Error, Result};

/// The GSSAPI client of one connection.
pub(crate) struct Gssapi {}

impl Gssapi {
    /// A client for the server `host` (the host part of its principal unless
    /// `options.service_host` says otherwise).
    pub(crate) fn new(options: &GssapiOptions, host: &str) -> Result<Gssapi> {
        let _ = (options, host);
        Err(Error::Unimplemented(
            "GSSAPI is not written yet".to_string(),
        ))
    }
}

impl Mechanism for Gssapi {
    fn name(&self) -> &'static str {
        "GSSAPI"
    }

    fn initial(&mut self) -> std::result::Result<Vec<u8>, String> {
        Err("not written yet".to_string())
    }

    fn step(&mut self, _challenge: &[u8]) -> std::result::Result<Option<Vec<u8>>, String> {
        Err("not written yet".to_string())
    }

    fn is_complete(&self) -> bool {
        false
    }
}
