//! Just enough JSON writing for zkcli's output (RFC 8259): strings escaped, objects built from
//! already-encoded values, node data as text or base64.

use std::fmt::Write;

/// `text` as a JSON string literal: `"`, `\` and every control character escaped.
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An object from (key, encoded value) pairs, in order.
pub fn object(fields: &[(&str, String)]) -> String {
    let mut out = String::from("{");
    for (i, (key, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&string(key));
        out.push(':');
        out.push_str(value);
    }
    out.push('}');
    out
}

/// An array of encoded values.
pub fn array(values: impl IntoIterator<Item = String>) -> String {
    let mut out = String::from("[");
    for (i, value) in values.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&value);
    }
    out.push(']');
    out
}

/// Node data as the two fields `"data"` and `"encoding"`: the text itself with encoding
/// `"utf-8"` when it is valid UTF-8 (and `force_base64` is false), else its base64 (RFC 4648,
/// standard alphabet, padded) with encoding `"base64"`.
pub fn data_fields(data: &[u8], force_base64: bool) -> [(&'static str, String); 2] {
    match std::str::from_utf8(data) {
        Ok(text) if !force_base64 => [("data", string(text)), ("encoding", string("utf-8"))],
        _ => [
            ("data", string(&base64(data))),
            ("encoding", string("base64")),
        ],
    }
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Base64 with the standard alphabet and `=` padding (RFC 4648, section 4).
pub fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let group = (u32::from(chunk[0]) << 16)
            | (u32::from(chunk.get(1).copied().unwrap_or(0)) << 8)
            | u32::from(chunk.get(2).copied().unwrap_or(0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(
                    ALPHABET[((group >> (18 - 6 * i)) & 0x3f) as usize],
                ));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped() {
        assert_eq!(string("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(string("\n\t\r\u{1}\u{7f}é"), "\"\\n\\t\\r\\u0001\\u007fé\"");
    }

    #[test]
    fn base64_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected);
        }
        assert_eq!(base64(&[0xfb, 0xff, 0xbf]), "+/+/");
    }

    #[test]
    fn objects_and_arrays() {
        let value = object(&[("a", "1".into()), ("b", array(vec![string("x")]))]);
        assert_eq!(value, r#"{"a":1,"b":["x"]}"#);
    }
}
