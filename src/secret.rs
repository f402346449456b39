//! Secrets: bytes that never appear in a message, a log line or a debug print, and are wiped
//! from memory when dropped (session passwords, SASL passwords, private keys).

use zeroize::Zeroizing;

/// Bytes that are secret: `Debug` prints only their length, and the memory is zeroed when the
/// value is dropped. Read them with [`Secret::expose`], only where they are used.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(Zeroizing<Vec<u8>>);

impl Secret {
    /// Takes `bytes` as a secret.
    pub fn new(bytes: Vec<u8>) -> Secret {
        Secret(Zeroizing::new(bytes))
    }

    /// A copy of `bytes` as a secret.
    pub fn copy_of(bytes: &[u8]) -> Secret {
        Secret::new(bytes.to_vec())
    }

    /// The secret bytes.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// The number of bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// No bytes at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Vec<u8>> for Secret {
    fn from(bytes: Vec<u8>) -> Secret {
        Secret::new(bytes)
    }
}

impl From<&[u8]> for Secret {
    fn from(bytes: &[u8]) -> Secret {
        Secret::copy_of(bytes)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret(<{} bytes, redacted>)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_debug_print_shows_the_length_and_never_the_bytes() {
        let secret = Secret::copy_of(b"hunter2");
        let printed = format!("{secret:?} {:?}", Some(secret.clone()));
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(!printed.contains("104"), "no byte values either: {printed}");
        assert!(printed.contains("7 bytes"), "{printed}");
        assert_eq!(secret.expose(), b"hunter2");
    }
}
