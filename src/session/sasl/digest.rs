//! SASL DIGEST-MD5 (RFC 2831), the client side, as ZooKeeper's DigestLoginModule expects it.

use super::Mechanism;
use crate::secret::Secret;

/// The DIGEST-MD5 client of one connection.
pub(crate) struct DigestMd5 {
    username: String,
    password: Secret,
}

impl DigestMd5 {
    pub(crate) fn new(username: String, password: Secret) -> DigestMd5 {
        DigestMd5 { username, password }
    }
}

impl Mechanism for DigestMd5 {
    fn name(&self) -> &'static str {
        "DIGEST-MD5"
    }

    fn initial(&mut self) -> Result<Vec<u8>, String> {
        Ok(Vec::new())
    }

    fn step(&mut self, _challenge: &[u8]) -> Result<Option<Vec<u8>>, String> {
        let _ = (&self.username, &self.password);
        Err("DIGEST-MD5 is not written yet".to_string())
    }

    fn is_complete(&self) -> bool {
        false
    }
}
