//! ACLs: reading and replacing a node's ACL, and the identities of the `digest` scheme.

use super::Client;
use crate::error::{Error, Result};
use crate::proto::{
    decode_all, encode_request, Acl, ErrorCode, GetAclResponse, Id, OpCode, PathRequest,
    SetAclRequest, Stat, StatResponse,
};

/// The id of the `digest` scheme for `user` and `password`, as the server computes it when a
/// session authenticates with `user:password`: `user:base64(sha1("user:password"))`.
///
/// The server splits credentials at the first `:`, so a `user` containing `:` gives an id that
/// no session can ever match.
pub fn digest_acl_id(user: &str, password: &str) -> String {
    let hash = sha1_smol::Sha1::from(format!("{user}:{password}")).digest();
    format!("{user}:{}", base64(&hash.bytes()))
}

/// An ACL entry granting `perms` (a mask of [`perms`](crate::proto::perms)) to the `digest`
/// identity `user` with `password` (see [`digest_acl_id`]). The same as [`Acl::digest`].
pub fn digest_acl(user: &str, password: &str, perms: i32) -> Acl {
    Acl {
        perms,
        id: Id {
            scheme: "digest".to_string(),
            id: digest_acl_id(user, password),
        },
    }
}

impl Acl {
    /// An ACL entry granting `perms` to the `digest` identity `user` with `password`: a session
    /// that authenticated with scheme `digest` and `user:password` gets them.
    pub fn digest(user: &str, password: &str, perms: i32) -> Acl {
        digest_acl(user, password, perms)
    }
}

const BASE64_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Base64 with the standard alphabet and `=` padding (RFC 4648, section 4), as Java's
/// `Base64.getEncoder()` that the server uses for digest ids.
fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let group = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                let index = (group >> (18 - 6 * i)) & 0x3f;
                out.push(char::from(BASE64_ALPHABET[index as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

impl Client {
    /// The node's ACL and Stat (the ACL's version is `stat.aversion`). Needs the READ or ADMIN
    /// permission on the node (`NO_AUTH` otherwise); without ADMIN the server hides the hash of
    /// `digest` ids (`alice:x` instead of `alice:<hash>`).
    pub async fn get_acl(&self, path: &str) -> Result<(Vec<Acl>, Stat)> {
        let server_path = self.server_path(path, false)?;
        let request = PathRequest { path: &server_path };
        let body = self
            .call(OpCode::GetAcl, encode_request(0, OpCode::GetAcl, &request))
            .await?;
        let reply: GetAclResponse = decode_all(&body)?;
        Ok((reply.acl, reply.stat))
    }

    /// Replaces the node's ACL if its ACL version (`stat.aversion`) is `version` (-1: any);
    /// returns the new Stat. An empty `acl` is refused with `INVALID_ACL` before anything is
    /// sent, as the Java client does. Needs the ADMIN permission on the node (`NO_AUTH`
    /// otherwise).
    pub async fn set_acl(&self, path: &str, acl: &[Acl], version: i32) -> Result<Stat> {
        let server_path = self.server_path(path, false)?;
        if acl.is_empty() {
            return Err(Error::Keeper(ErrorCode::INVALID_ACL));
        }
        let request = SetAclRequest {
            path: &server_path,
            acl,
            version,
        };
        let body = self
            .call(OpCode::SetAcl, encode_request(0, OpCode::SetAcl, &request))
            .await?;
        Ok(decode_all::<StatResponse>(&body)?.stat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::perms;

    #[test]
    fn base64_matches_rfc_4648_test_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected, "{input:?}");
        }
    }

    #[test]
    fn base64_uses_the_standard_alphabet() {
        assert_eq!(base64(&[0xfb, 0xff, 0xbf]), "+/+/");
        assert_eq!(base64(&[0, 0, 0]), "AAAA");
        assert_eq!(base64(&[0xff]), "/w==");
        let all: Vec<u8> = (0..=255).collect();
        let encoded = base64(&all);
        assert_eq!(encoded.len(), 344);
        assert!(encoded.starts_with("AAECAwQFBgcICQoL"));
        assert!(encoded.ends_with("/P3+/w=="));
    }

    #[test]
    fn digest_id_matches_zookeeper() {
        // ZooKeeper's documented vector (and `openssl dgst -binary -sha1 | base64`).
        assert_eq!(
            digest_acl_id("super", "test"),
            "super:D/InIHSb7yEEbrWz8b9l71RjZJU="
        );
        let acl = Acl::digest("alice", "secret", perms::READ);
        assert_eq!(acl.perms, perms::READ);
        assert_eq!(acl.id.scheme, "digest");
        assert!(acl.id.id.starts_with("alice:"));
        assert_eq!(acl.id.id.len(), "alice:".len() + 28);
        assert_eq!(acl, digest_acl("alice", "secret", perms::READ));
    }
}
