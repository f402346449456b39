//! SASL DIGEST-MD5 (RFC 2831), the client side, as ZooKeeper's DigestLoginModule expects it:
//! the server is Java's DIGEST-MD5 `SaslServer` (com.sun.security.sasl.digest.DigestMD5Server)
//! created with protocol `zookeeper` and server name `zk-sasl-md5`, so the digest-uri is
//! `zookeeper/zk-sasl-md5` and the realm it offers is `zk-sasl-md5`.
//!
//! The exchange: the client's first token is empty; the server answers with its challenge
//! (`realm="zk-sasl-md5",nonce="...",qop="auth",charset=utf-8,algorithm=md5-sess`); the client
//! answers with its digest-response; the server answers with `rspauth=...`, its proof that it
//! knows the password too, which the client checks. Only qop `auth` (authentication without a
//! security layer) is done.
//!
//! Strings are hashed the way Java's DigestMD5Base does it (and RFC 2831 §2.1.2.1 asks): with
//! `charset=utf-8`, `username:realm:` and the password are each converted to ISO 8859-1 when
//! all their characters are in it (so any ASCII name hashes the same either way), and are
//! UTF-8 otherwise.
//!
//! The password and every value derived from it before the final MD5s (A1, its hash, the hash
//! of `username:realm:password`) live in [`Zeroizing`] buffers, and the MD5 states that saw
//! them are wiped; none of them ever reaches an error message or a debug print.

use std::fmt;

use md5::{Digest, Md5};
use ring::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use super::Mechanism;
use crate::secret::Secret;

/// The digest-uri ZooKeeper's server checks: `protocol "/" serverName` of its SaslServer.
pub(crate) const ZOOKEEPER_DIGEST_URI: &str = "zookeeper/zk-sasl-md5";

/// The largest challenge RFC 2831 allows (§2.1.1), as Java's client enforces it.
const MAX_CHALLENGE: usize = 2048;
/// The largest server message accepted at the rspauth step.
const MAX_FINAL: usize = 2048;
/// The nonce-count of the only response a client sends on a connection.
const NONCE_COUNT: &str = "00000001";
/// The maxbuf the client announces (Java's default; unused, as there is no security layer).
const MAXBUF: &str = "65536";
/// Random bytes in a cnonce (RFC 2831 asks for at least 64 bits of entropy).
const CNONCE_BYTES: usize = 16;

/// The DIGEST-MD5 client of one connection.
pub(crate) struct DigestMd5 {
    username: String,
    password: Secret,
    digest_uri: String,
    /// A fixed cnonce (tests only); `None`: a fresh random one.
    cnonce: Option<String>,
    state: State,
}

/// Where the exchange is.
enum State {
    /// Waiting for the server's challenge.
    Challenge,
    /// The response was sent; the server must answer with this rspauth (lowercase hex).
    RspAuth { expected: String },
    /// The server proved itself: done.
    Complete,
    /// A step failed; the exchange is over.
    Failed,
}

impl DigestMd5 {
    /// A client for ZooKeeper's server, with a random cnonce.
    pub(crate) fn new(username: String, password: Secret) -> DigestMd5 {
        DigestMd5 {
            username,
            password,
            digest_uri: ZOOKEEPER_DIGEST_URI.to_string(),
            cnonce: None,
            state: State::Challenge,
        }
    }

    /// A client with another digest-uri and a fixed cnonce, for known-answer tests.
    #[cfg(test)]
    fn with(username: &str, password: &str, digest_uri: &str, cnonce: &str) -> DigestMd5 {
        DigestMd5 {
            username: username.to_string(),
            password: Secret::copy_of(password.as_bytes()),
            digest_uri: digest_uri.to_string(),
            cnonce: Some(cnonce.to_string()),
            state: State::Challenge,
        }
    }

    /// The digest-response to `challenge`, and the rspauth the server must answer with.
    fn respond(&self, challenge: &[u8]) -> Result<(Vec<u8>, String), String> {
        let challenge = Challenge::parse(challenge)?;
        let utf8 = challenge.utf8;
        let realm = match challenge.realms.first() {
            Some(realm) => decode(realm, utf8)
                .ok_or_else(|| "the server's realm is not valid UTF-8".to_string())?,
            None => String::new(),
        };
        let username_wire = encode_wire(&self.username, utf8).ok_or_else(|| {
            "the user name is not ISO 8859-1 and the server does not offer charset=utf-8"
                .to_string()
        })?;
        let cnonce = match &self.cnonce {
            Some(cnonce) => cnonce.clone(),
            None => random_cnonce()?,
        };

        // H(username ":" realm ":" password), hashed as Java's server hashes it.
        let prefix = format!("{}:{}:", self.username, realm);
        let prefix = encode_hashed(&prefix, utf8).ok_or_else(|| {
            "the user name or realm is not ISO 8859-1 and the server does not offer \
             charset=utf-8"
                .to_string()
        })?;
        let password = password_bytes(&self.password, utf8).ok_or_else(|| {
            "the password is not ISO 8859-1 and the server does not offer charset=utf-8".to_string()
        })?;
        let user_hash = md5_wiped(&[&prefix, &password]);
        drop(password);

        // A1 = H(username:realm:password) ":" nonce ":" cnonce (no authzid).
        let mut a1 = Zeroizing::new(Vec::with_capacity(
            16 + 2 + challenge.nonce.len() + cnonce.len(),
        ));
        a1.extend_from_slice(&user_hash[..]);
        a1.push(b':');
        a1.extend_from_slice(&challenge.nonce);
        a1.push(b':');
        a1.extend_from_slice(cnonce.as_bytes());
        drop(user_hash);
        let ha1_hex = Zeroizing::new(hex(&md5_wiped(&[&a1])[..]));
        drop(a1);

        let response = kd_response(
            &ha1_hex,
            &challenge.nonce,
            &cnonce,
            "AUTHENTICATE:",
            &self.digest_uri,
        );
        let expected = kd_response(&ha1_hex, &challenge.nonce, &cnonce, ":", &self.digest_uri);

        let mut out = Vec::with_capacity(256);
        if utf8 {
            out.extend_from_slice(b"charset=utf-8,");
        }
        out.extend_from_slice(b"username=\"");
        quote_into(&mut out, &username_wire);
        out.extend_from_slice(b"\",");
        if let Some(realm) = challenge.realms.first() {
            out.extend_from_slice(b"realm=\"");
            quote_into(&mut out, realm);
            out.extend_from_slice(b"\",");
        }
        out.extend_from_slice(b"nonce=\"");
        quote_into(&mut out, &challenge.nonce);
        out.extend_from_slice(b"\",nc=");
        out.extend_from_slice(NONCE_COUNT.as_bytes());
        out.extend_from_slice(b",cnonce=\"");
        quote_into(&mut out, cnonce.as_bytes());
        out.extend_from_slice(b"\",digest-uri=\"");
        quote_into(&mut out, self.digest_uri.as_bytes());
        out.extend_from_slice(b"\",maxbuf=");
        out.extend_from_slice(MAXBUF.as_bytes());
        out.extend_from_slice(b",response=");
        out.extend_from_slice(response.as_bytes());
        out.extend_from_slice(b",qop=auth");
        Ok((out, expected))
    }
}

/// HEX(KD(HEX(H(A1)), nonce ":" nc ":" cnonce ":" qop ":" HEX(H(A2)))) with A2 = `a2_prefix`
/// digest-uri: `AUTHENTICATE:` for the client's response, `:` for the server's rspauth.
fn kd_response(
    ha1_hex: &str,
    nonce: &[u8],
    cnonce: &str,
    a2_prefix: &str,
    digest_uri: &str,
) -> String {
    let ha2 = hex(&Md5::new()
        .chain_update(a2_prefix.as_bytes())
        .chain_update(digest_uri.as_bytes())
        .finalize());
    let digest = md5_wiped(&[
        ha1_hex.as_bytes(),
        b":",
        nonce,
        b":",
        NONCE_COUNT.as_bytes(),
        b":",
        cnonce.as_bytes(),
        b":auth:",
        ha2.as_bytes(),
    ]);
    hex(&digest[..])
}

/// The MD5 of the concatenated `parts`, some of them secret: the result is in a zeroed-on-drop
/// buffer, and the hasher's state and block buffer (which held the last partial block of the
/// input) are overwritten before it is dropped.
fn md5_wiped(parts: &[&[u8]]) -> Zeroizing<[u8; 16]> {
    let mut hasher = Md5::new();
    for part in parts {
        hasher.update(part);
    }
    let mut out = Zeroizing::new([0u8; 16]);
    hasher.finalize_into_reset(md5::digest::generic_array::GenericArray::from_mut_slice(
        &mut out[..],
    ));
    // After the reset the block buffer is empty but still holds the bytes of the last block;
    // 63 zeros (less than a block, so they are buffered, not compressed) overwrite them.
    hasher.update([0u8; 63]);
    std::hint::black_box(&hasher);
    out
}

/// A fresh cnonce: 128 bits from the operating system's random source, in hex.
fn random_cnonce() -> Result<String, String> {
    let mut bytes = [0u8; CNONCE_BYTES];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| "the system's random number generator failed".to_string())?;
    Ok(hex(&bytes))
}

/// Lowercase hex.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(DIGITS[usize::from(byte >> 4)] as char);
        out.push(DIGITS[usize::from(byte & 15)] as char);
    }
    out
}

/// `text` as ISO 8859-1 bytes, if every character is in it.
fn latin1(text: &str) -> Option<Vec<u8>> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect()
}

/// How a string is sent in the response: UTF-8 with charset=utf-8, else ISO 8859-1.
fn encode_wire(text: &str, utf8: bool) -> Option<Vec<u8>> {
    if utf8 {
        Some(text.as_bytes().to_vec())
    } else {
        latin1(text)
    }
}

/// How a string is hashed (Java's `stringToByte_8859_1`): ISO 8859-1 when every character is
/// in it, else UTF-8 (only with charset=utf-8).
fn encode_hashed(text: &str, utf8: bool) -> Option<Zeroizing<Vec<u8>>> {
    match latin1(text) {
        Some(bytes) => Some(Zeroizing::new(bytes)),
        None if utf8 => Some(Zeroizing::new(text.as_bytes().to_vec())),
        None => None,
    }
}

/// The password as hashed: a UTF-8 password as Java hashes a string ([`encode_hashed`]);
/// bytes that are not UTF-8 as they are (already encoded by the caller).
fn password_bytes(password: &Secret, utf8: bool) -> Option<Zeroizing<Vec<u8>>> {
    match std::str::from_utf8(password.expose()) {
        Ok(text) => encode_hashed(text, utf8),
        Err(_) => Some(Zeroizing::new(password.expose().to_vec())),
    }
}

/// A value received from the server as a string: UTF-8 with charset=utf-8, else ISO 8859-1.
fn decode(bytes: &[u8], utf8: bool) -> Option<String> {
    if utf8 {
        String::from_utf8(bytes.to_vec()).ok()
    } else {
        Some(bytes.iter().map(|&b| char::from(b)).collect())
    }
}

/// Appends `value` as the inside of a quoted-string: `"` and `\` are escaped, and so are DEL
/// and the control characters but CR, LF and HT (what Java's client escapes).
fn quote_into(out: &mut Vec<u8>, value: &[u8]) {
    for &byte in value {
        if byte == b'"' || byte == b'\\' || byte == 127 || (byte < 32 && !b"\r\n\t".contains(&byte))
        {
            out.push(b'\\');
        }
        out.push(byte);
    }
}

/// The parts of the server's digest-challenge the client uses.
#[derive(Debug)]
struct Challenge {
    /// Every realm offered, in order.
    realms: Vec<Vec<u8>>,
    nonce: Vec<u8>,
    /// charset=utf-8 was given.
    utf8: bool,
}

impl Challenge {
    fn parse(input: &[u8]) -> Result<Challenge, String> {
        if input.is_empty() {
            return Err("the server's challenge is empty".to_string());
        }
        if input.len() > MAX_CHALLENGE {
            return Err(format!(
                "the server's challenge is {} bytes (at most {MAX_CHALLENGE})",
                input.len()
            ));
        }
        let mut realms = Vec::new();
        let mut nonce = None;
        let mut qop = None;
        let mut charset = None;
        let mut algorithm = None;
        let mut maxbuf = None;
        for (name, value) in parse_directives(input)? {
            let once = |slot: &mut Option<Vec<u8>>, value: Vec<u8>| {
                if slot.replace(value).is_some() {
                    Err(format!("the server's challenge repeats {name}"))
                } else {
                    Ok(())
                }
            };
            match name.as_str() {
                "realm" => realms.push(value),
                "nonce" => once(&mut nonce, value)?,
                "qop" => once(&mut qop, value)?,
                "charset" => once(&mut charset, value)?,
                "algorithm" => once(&mut algorithm, value)?,
                "maxbuf" => once(&mut maxbuf, value)?,
                // stale, cipher and anything unknown: not used.
                _ => {}
            }
        }
        let nonce = match nonce {
            Some(nonce) if !nonce.is_empty() => nonce,
            Some(_) => return Err("the server's challenge has an empty nonce".to_string()),
            None => return Err("the server's challenge has no nonce".to_string()),
        };
        match algorithm {
            Some(value) if value.eq_ignore_ascii_case(b"md5-sess") => {}
            Some(value) => {
                return Err(format!(
                    "the server's challenge asks for algorithm {:?} (only md5-sess is defined)",
                    String::from_utf8_lossy(&value)
                ))
            }
            None => return Err("the server's challenge has no algorithm (md5-sess)".to_string()),
        }
        let utf8 = match charset {
            None => false,
            Some(value) if value.eq_ignore_ascii_case(b"utf-8") => true,
            Some(value) => {
                return Err(format!(
                    "the server's challenge has charset {:?} (only utf-8 is defined)",
                    String::from_utf8_lossy(&value)
                ))
            }
        };
        // No qop: "auth" (RFC 2831 §2.1.1).
        if let Some(qop) = qop {
            let offered: Vec<&[u8]> = qop
                .split(|&b| b == b',')
                .map(trim)
                .filter(|q| !q.is_empty())
                .collect();
            if !offered.iter().any(|q| q.eq_ignore_ascii_case(b"auth")) {
                let list: Vec<String> = offered
                    .iter()
                    .map(|q| String::from_utf8_lossy(q).into_owned())
                    .collect();
                return Err(format!(
                    "the server offers only qop {} (integrity or confidentiality layers), and \
                     this client does authentication only (qop auth)",
                    if list.is_empty() {
                        "(none)".to_string()
                    } else {
                        list.join(", ")
                    }
                ));
            }
        }
        Ok(Challenge {
            realms,
            nonce,
            utf8,
        })
    }
}

/// `bytes` without the linear white space around it.
fn trim(bytes: &[u8]) -> &[u8] {
    let is_lws = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let start = bytes.iter().position(|b| !is_lws(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_lws(b))
        .map_or(start, |i| i + 1);
    &bytes[start..end]
}

/// A token character (RFC 2616 §2.2): a visible ASCII character but the separators.
fn is_token(byte: u8) -> bool {
    byte > 32 && byte < 127 && !b"()<>@,;:\\\"/[]?={}".contains(&byte)
}

/// The directives of a digest-challenge or of the server's final message (RFC 2831 §7.1's
/// `#( name "=" value )`): names are lowercased tokens; values are tokens or quoted strings
/// with backslash escapes, unescaped. Empty list elements (`,,`) and white space around
/// commas and `=` are allowed.
fn parse_directives(input: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    let malformed = |what: &str| format!("the server's message is malformed: {what}");
    let is_lws = |b: u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let mut directives = Vec::new();
    let mut i = 0;
    let skip_lws = |i: &mut usize| {
        while *i < input.len() && is_lws(input[*i]) {
            *i += 1;
        }
    };
    loop {
        // Empty elements and white space before a directive.
        while i < input.len() && (is_lws(input[i]) || input[i] == b',') {
            i += 1;
        }
        if i == input.len() {
            return Ok(directives);
        }
        let start = i;
        while i < input.len() && is_token(input[i]) {
            i += 1;
        }
        if i == start {
            return Err(malformed("a directive name is expected"));
        }
        let name = String::from_utf8_lossy(&input[start..i]).to_ascii_lowercase();
        skip_lws(&mut i);
        if i == input.len() || input[i] != b'=' {
            return Err(malformed(&format!("{name} has no value")));
        }
        i += 1;
        skip_lws(&mut i);
        let mut value = Vec::new();
        if i < input.len() && input[i] == b'"' {
            i += 1;
            loop {
                match input.get(i) {
                    None => return Err(malformed(&format!("the value of {name} is unterminated"))),
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(b'\\') => match input.get(i + 1) {
                        Some(&escaped) => {
                            value.push(escaped);
                            i += 2;
                        }
                        None => {
                            return Err(malformed(&format!("the value of {name} is unterminated")))
                        }
                    },
                    Some(&byte) => {
                        value.push(byte);
                        i += 1;
                    }
                }
            }
        } else {
            let start = i;
            while i < input.len() && is_token(input[i]) {
                i += 1;
            }
            if i == start {
                return Err(malformed(&format!("{name} has an empty value")));
            }
            value.extend_from_slice(&input[start..i]);
        }
        skip_lws(&mut i);
        if i < input.len() && input[i] != b',' {
            return Err(malformed(&format!(
                "unexpected text after the value of {name}"
            )));
        }
        directives.push((name, value));
    }
}

impl fmt::Debug for DigestMd5 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            State::Challenge => "challenge",
            State::RspAuth { .. } => "rspauth",
            State::Complete => "complete",
            State::Failed => "failed",
        };
        f.debug_struct("DigestMd5")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("digest_uri", &self.digest_uri)
            .field("state", &state)
            .finish()
    }
}

impl Mechanism for DigestMd5 {
    fn initial(&mut self) -> Result<Vec<u8>, String> {
        // No initial response: the server speaks first.
        Ok(Vec::new())
    }

    fn step(&mut self, challenge: &[u8]) -> Result<Option<Vec<u8>>, String> {
        match std::mem::replace(&mut self.state, State::Failed) {
            State::Challenge => {
                let (response, expected) = self.respond(challenge)?;
                self.state = State::RspAuth { expected };
                Ok(Some(response))
            }
            State::RspAuth { expected } => {
                if challenge.len() > MAX_FINAL {
                    return Err(format!(
                        "the server's final message is {} bytes",
                        challenge.len()
                    ));
                }
                let directives = parse_directives(challenge)?;
                let mut rspauth = directives.iter().filter(|(name, _)| name == "rspauth");
                let Some((_, value)) = rspauth.next() else {
                    return Err(
                        "the server's final message has no rspauth (it did not prove it \
                         knows the password)"
                            .to_string(),
                    );
                };
                if rspauth.next().is_some() {
                    return Err("the server's final message repeats rspauth".to_string());
                }
                let matches = value.len() == expected.len()
                    && value
                        .iter()
                        .zip(expected.as_bytes())
                        .fold(0u8, |diff, (a, b)| diff | (a.to_ascii_lowercase() ^ b))
                        == 0;
                if !matches {
                    return Err("the server failed to prove it knows the password (wrong \
                                rspauth)"
                        .to_string());
                }
                self.state = State::Complete;
                Ok(None)
            }
            State::Complete => {
                self.state = State::Complete;
                Err("the server sent a message after the exchange was complete".to_string())
            }
            State::Failed => Err("the exchange has already failed".to_string()),
        }
    }

    fn is_complete(&self) -> bool {
        matches!(self.state, State::Complete)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_CHALLENGE: &[u8] =
        b"realm=\"elwood.innosoft.com\",nonce=\"OA6MG9tEQGm2hh\",qop=\"auth\",algorithm=md5-sess,charset=utf-8";

    fn rfc_client() -> DigestMd5 {
        DigestMd5::with(
            "chris",
            "secret",
            "imap/elwood.innosoft.com",
            "OA6MHXh6VqTrRk",
        )
    }

    fn text(bytes: &[u8]) -> String {
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[test]
    fn the_rfc_2831_example_gives_its_response_and_accepts_its_rspauth() {
        let mut client = rfc_client();
        assert_eq!(client.initial().unwrap(), b"");
        assert!(!client.is_complete());
        let response = text(&client.step(RFC_CHALLENGE).unwrap().unwrap());
        assert_eq!(
            response,
            "charset=utf-8,username=\"chris\",realm=\"elwood.innosoft.com\",\
             nonce=\"OA6MG9tEQGm2hh\",nc=00000001,cnonce=\"OA6MHXh6VqTrRk\",\
             digest-uri=\"imap/elwood.innosoft.com\",maxbuf=65536,\
             response=d388dad90d4bbd760a152321f2143af7,qop=auth"
        );
        assert!(!client.is_complete());
        assert_eq!(
            client
                .step(b"rspauth=ea40f60335c427b5527b84dbabcdfffd")
                .unwrap(),
            None
        );
        assert!(client.is_complete());
        // Anything after completion is refused.
        assert!(client.step(b"rspauth=x").is_err());
    }

    #[test]
    fn a_wrong_rspauth_is_an_error_that_says_the_server_did_not_prove_itself() {
        let mut client = rfc_client();
        client.step(RFC_CHALLENGE).unwrap().unwrap();
        let error = client
            .step(b"rspauth=ea40f60335c427b5527b84dbabcdfffe")
            .unwrap_err();
        assert!(
            error.contains("the server failed to prove it knows the password"),
            "{error}"
        );
        assert!(!client.is_complete());
        // The exchange is over.
        assert!(client
            .step(b"rspauth=ea40f60335c427b5527b84dbabcdfffd")
            .is_err());

        let mut client = rfc_client();
        client.step(RFC_CHALLENGE).unwrap().unwrap();
        let error = client.step(b"").unwrap_err();
        assert!(error.contains("no rspauth"), "{error}");

        // rspauth in upper case hex is the same proof.
        let mut client = rfc_client();
        client.step(RFC_CHALLENGE).unwrap().unwrap();
        assert_eq!(
            client
                .step(b"rspauth=EA40F60335C427B5527B84DBABCDFFFD")
                .unwrap(),
            None
        );
    }

    #[test]
    fn zookeepers_challenge_gets_the_uri_and_realm_zookeeper_checks() {
        let mut client = DigestMd5::new("bob".to_string(), Secret::copy_of(b"bobsecret"));
        let response = text(
            &client
                .step(b"realm=\"zk-sasl-md5\",nonce=\"n0nce+/=\",qop=\"auth\",charset=utf-8,algorithm=md5-sess")
                .unwrap()
                .unwrap(),
        );
        assert!(
            response.starts_with(
                "charset=utf-8,username=\"bob\",realm=\"zk-sasl-md5\",nonce=\"n0nce+/=\",nc=00000001,cnonce=\""
            ),
            "{response}"
        );
        assert!(
            response.contains(",digest-uri=\"zookeeper/zk-sasl-md5\",maxbuf=65536,response="),
            "{response}"
        );
        assert!(response.ends_with(",qop=auth"), "{response}");
        let cnonce = response
            .split("cnonce=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert_eq!(cnonce.len(), 2 * CNONCE_BYTES);
        let value = response.split("response=").nth(1).unwrap();
        let value = &value[..value.find(',').unwrap()];
        assert_eq!(value.len(), 32);
        assert!(value
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        // Two connections never share a cnonce.
        let mut other = DigestMd5::new("bob".to_string(), Secret::copy_of(b"bobsecret"));
        let again = text(
            &other
                .step(b"realm=\"zk-sasl-md5\",nonce=\"n0nce+/=\",algorithm=md5-sess")
                .unwrap()
                .unwrap(),
        );
        assert!(!again.contains(cnonce), "{again}");
        // Without charset=utf-8 the response says nothing about it.
        assert!(again.starts_with("username=\"bob\""), "{again}");
    }

    #[test]
    fn directives_parse_quoted_strings_tokens_and_white_space() {
        let parsed = parse_directives(
            b"  realm=\"a\\\"b\\\\c\" ,, , NONCE = \"x,y=z\",qop=\"auth, auth-int\"\t,\r\n stale=true,",
        )
        .unwrap();
        let parsed: Vec<(String, String)> =
            parsed.into_iter().map(|(n, v)| (n, text(&v))).collect();
        assert_eq!(
            parsed,
            vec![
                ("realm".to_string(), "a\"b\\c".to_string()),
                ("nonce".to_string(), "x,y=z".to_string()),
                ("qop".to_string(), "auth, auth-int".to_string()),
                ("stale".to_string(), "true".to_string()),
            ]
        );
        assert_eq!(parse_directives(b"").unwrap(), vec![]);
        assert_eq!(
            parse_directives(b"a=\"\"").unwrap(),
            vec![("a".to_string(), vec![])]
        );
        for bad in [
            &b"realm"[..],
            b"realm=",
            b"realm=\"abc",
            b"realm=\"abc\\",
            b"realm=\"abc\"def",
            b"realm=abc def",
            b"=abc",
            b"\"realm\"=abc",
            b"realm=abc;nonce=x",
        ] {
            let error = parse_directives(bad).unwrap_err();
            assert!(
                error.starts_with("the server's message is malformed"),
                "{error}"
            );
        }
    }

    #[test]
    fn the_first_realm_is_used_and_unknown_directives_are_ignored() {
        let mut client = rfc_client();
        let challenge = b"realm=\"elwood.innosoft.com\",realm=\"other\",future=\"x\",nonce=\"OA6MG9tEQGm2hh\",cipher=\"rc4\",qop=\"auth-conf,auth\",algorithm=md5-sess,charset=utf-8,maxbuf=1024";
        let response = text(&client.step(challenge).unwrap().unwrap());
        assert!(
            response.contains("realm=\"elwood.innosoft.com\","),
            "{response}"
        );
        assert!(!response.contains("other"), "{response}");
        // The same values, so the same response as the RFC's.
        assert!(
            response.contains("response=d388dad90d4bbd760a152321f2143af7"),
            "{response}"
        );
    }

    #[test]
    fn without_a_realm_the_realm_is_empty_and_not_sent() {
        let mut client = DigestMd5::with("u", "p", "zookeeper/zk-sasl-md5", "c");
        let response = text(
            &client
                .step(b"nonce=\"n\",algorithm=md5-sess,charset=utf-8")
                .unwrap()
                .unwrap(),
        );
        assert!(!response.contains("realm"), "{response}");
        // H(A1) over "u::p": computed independently here.
        let inner = Md5::digest(b"u::p");
        let mut a1 = inner.to_vec();
        a1.extend_from_slice(b":n:c");
        let ha1 = hex(&Md5::digest(&a1));
        let ha2 = hex(&Md5::digest(b"AUTHENTICATE:zookeeper/zk-sasl-md5"));
        let want = hex(&Md5::digest(
            format!("{ha1}:n:00000001:c:auth:{ha2}").as_bytes(),
        ));
        assert!(
            response.contains(&format!("response={want},")),
            "{response}"
        );
    }

    #[test]
    fn names_and_realms_are_quoted_and_hashed_as_java_hashes_them() {
        // A quote and a backslash in the user name are escaped on the wire, and hashed as
        // they are.
        let mut client = DigestMd5::with("a\"b\\c", "pw", "zookeeper/zk-sasl-md5", "c");
        let response = client
            .step(b"realm=\"r\",nonce=\"n\",algorithm=md5-sess,charset=utf-8")
            .unwrap()
            .unwrap();
        assert!(text(&response).contains("username=\"a\\\"b\\\\c\","));
        let want = |prefix: &[u8], password: &[u8]| {
            let mut inner = prefix.to_vec();
            inner.extend_from_slice(password);
            let mut a1 = Md5::digest(&inner).to_vec();
            a1.extend_from_slice(b":n:c");
            let ha1 = hex(&Md5::digest(&a1));
            let ha2 = hex(&Md5::digest(b"AUTHENTICATE:zookeeper/zk-sasl-md5"));
            hex(&Md5::digest(
                format!("{ha1}:n:00000001:c:auth:{ha2}").as_bytes(),
            ))
        };
        assert!(text(&response).contains(&want(b"a\"b\\c:r:", b"pw")));

        // ISO 8859-1 characters are sent as UTF-8 but hashed as ISO 8859-1; others are UTF-8.
        let mut client = DigestMd5::with(
            "jos\u{e9}",
            "p\u{e4}ss\u{20ac}",
            "zookeeper/zk-sasl-md5",
            "c",
        );
        let response = client
            .step(b"realm=\"r\",nonce=\"n\",algorithm=md5-sess,charset=utf-8")
            .unwrap()
            .unwrap();
        assert!(text(&response).contains("username=\"jos\u{e9}\","));
        assert!(text(&response).contains(&want(b"jos\xe9:r:", "p\u{e4}ss\u{20ac}".as_bytes())));

        // Without charset=utf-8 a name outside ISO 8859-1 cannot be sent.
        let mut client = DigestMd5::with("\u{20ac}", "p", "zookeeper/zk-sasl-md5", "c");
        let error = client
            .step(b"realm=\"r\",nonce=\"n\",algorithm=md5-sess")
            .unwrap_err();
        assert!(error.contains("charset=utf-8"), "{error}");
    }

    #[test]
    fn challenges_without_what_the_client_needs_are_refused_clearly() {
        let cases: &[(&[u8], &str)] = &[
            (
                b"realm=\"zk-sasl-md5\",qop=\"auth\",charset=utf-8,algorithm=md5-sess",
                "the server's challenge has no nonce",
            ),
            (b"nonce=\"\",algorithm=md5-sess", "empty nonce"),
            (b"nonce=\"n\"", "no algorithm"),
            (b"nonce=\"n\",algorithm=md5", "algorithm \"md5\""),
            (
                b"nonce=\"n\",nonce=\"m\",algorithm=md5-sess",
                "repeats nonce",
            ),
            (
                b"nonce=\"n\",algorithm=md5-sess,charset=latin1",
                "charset \"latin1\"",
            ),
            (
                b"nonce=\"n\",algorithm=md5-sess,qop=\"auth-int,auth-conf\"",
                "only qop auth-int, auth-conf",
            ),
            (b"", "empty"),
            (b"nonce=\"n", "malformed"),
        ];
        for (challenge, want) in cases {
            let mut client = rfc_client();
            let error = client.step(challenge).unwrap_err();
            assert!(error.contains(want), "{error:?} should say {want:?}");
            assert!(!client.is_complete());
        }
        let mut client = rfc_client();
        let huge = vec![b'a'; MAX_CHALLENGE + 1];
        assert!(client.step(&huge).unwrap_err().contains("2048"));
    }

    #[test]
    fn neither_debug_nor_errors_ever_show_the_password() {
        let mut client = DigestMd5::with("chris", "hunter2-pass", "imap/x", "c");
        let printed = format!("{client:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(
            printed.contains("chris") && printed.contains("<redacted>"),
            "{printed}"
        );
        client.step(RFC_CHALLENGE).unwrap().unwrap();
        let printed = format!("{client:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        let error = client.step(b"rspauth=00").unwrap_err();
        assert!(!error.contains("hunter2"), "{error}");
    }
}
