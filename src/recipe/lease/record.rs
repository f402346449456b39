//! The lease record: kazoo's JSON, written byte for byte as Python's `json.dumps` writes it,
//! read as leniently as `json.loads` reads it, and judged as kazoo judges it.

use super::time::parse_utc;
use super::RECORD_VERSION;

/// Whether a lease recorded as `data` may be taken by `identifier` at `now` (Unix seconds),
/// judged as kazoo judges it: a record of another version is never taken; another holder's is
/// taken only once `now` has reached its end. Err says why `data` is not a lease record
/// (where kazoo raises an exception).
pub(super) fn may_take(
    data: &[u8],
    identifier: &str,
    now: i64,
) -> std::result::Result<bool, String> {
    let text = std::str::from_utf8(data).map_err(|_| "not UTF-8".to_string())?;
    let Json::Object(fields) = parse_json(text)? else {
        return Err("not a JSON object".into());
    };
    // Later duplicates win, as in Python's json.
    let field = |name: &str| {
        fields
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
            .ok_or_else(|| format!("no \"{name}\""))
    };
    // Python's `data["version"] != 1`: 1, 1.0 and true are version 1.
    let version_one = match field("version")? {
        Json::Number(number) => *number == RECORD_VERSION as f64,
        Json::Bool(value) => *value,
        _ => false,
    };
    if !version_one {
        return Ok(false);
    }
    let end = match field("end")? {
        Json::String(end) => {
            parse_utc(end).ok_or_else(|| format!("end {end:?} is not a %Y-%m-%dT%H:%M:%S time"))?
        }
        _ => return Err("end is not a string".into()),
    };
    let same_holder = matches!(field("holder")?, Json::String(holder) if holder == identifier);
    Ok(same_holder || now >= end)
}

/// kazoo's record for `identifier`, ending at `end`: Python's `json.dumps` of
/// `{"version": 1, "holder": identifier, "end": end}`, UTF-8.
pub(super) fn encode_record(identifier: &str, end: &str) -> Vec<u8> {
    let mut out = format!("{{\"version\": {RECORD_VERSION}, \"holder\": ");
    push_json_string(&mut out, identifier);
    out.push_str(", \"end\": ");
    push_json_string(&mut out, end);
    out.push('}');
    out.into_bytes()
}

/// Appends `text` as Python's `json.dumps` writes a string (`ensure_ascii=True`): short
/// escapes for `"` `\` and the five named controls, `\u00XX` for other controls and DEL, and
/// `\uXXXX` (lowercase hex, surrogate pairs above the BMP) for everything beyond ASCII.
fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(ch),
            _ => {
                let mut units = [0u16; 2];
                for unit in ch.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
}

/// A JSON value, as far as a lease record needs one.
#[derive(Debug, Clone, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Json>),
    /// Members in document order, duplicates kept.
    Object(Vec<(String, Json)>),
}

/// How deep arrays and objects may nest: deeper input is refused instead of exhausting the
/// stack.
const MAX_DEPTH: usize = 64;

/// Parses `text` as one JSON value as Python's `json.loads` does (whitespace around it,
/// `NaN` and `Infinity` accepted); Err says what is wrong and where.
fn parse_json(text: &str) -> std::result::Result<Json, String> {
    let mut parser = Parser {
        text: text.as_bytes(),
        at: 0,
    };
    let value = parser.value(0)?;
    parser.whitespace();
    if parser.at != parser.text.len() {
        return Err(parser.error("extra data after the value"));
    }
    Ok(value)
}

struct Parser<'a> {
    text: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn error(&self, what: &str) -> String {
        format!("{what} at byte {}", self.at)
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn eat(&mut self, literal: &str) -> bool {
        if self.text[self.at..].starts_with(literal.as_bytes()) {
            self.at += literal.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, byte: u8) -> std::result::Result<(), String> {
        self.whitespace();
        if self.peek() == Some(byte) {
            self.at += 1;
            Ok(())
        } else {
            Err(self.error(&format!("expected '{}'", byte as char)))
        }
    }

    fn value(&mut self, depth: usize) -> std::result::Result<Json, String> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        self.whitespace();
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(Json::String),
            Some(b'-' | b'0'..=b'9') if !self.text[self.at..].starts_with(b"-Infinity") => {
                self.number()
            }
            _ => {
                for (literal, value) in [
                    ("null", Json::Null),
                    ("true", Json::Bool(true)),
                    ("false", Json::Bool(false)),
                    ("NaN", Json::Number(f64::NAN)),
                    ("Infinity", Json::Number(f64::INFINITY)),
                    ("-Infinity", Json::Number(f64::NEG_INFINITY)),
                ] {
                    if self.eat(literal) {
                        return Ok(value);
                    }
                }
                Err(self.error("expected a value"))
            }
        }
    }

    fn object(&mut self, depth: usize) -> std::result::Result<Json, String> {
        self.at += 1;
        let mut fields = Vec::new();
        self.whitespace();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(Json::Object(fields));
        }
        loop {
            self.whitespace();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a member name"));
            }
            let key = self.string()?;
            self.expect(b':')?;
            let value = self.value(depth + 1)?;
            fields.push((key, value));
            self.whitespace();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(Json::Object(fields));
                }
                _ => return Err(self.error("expected ',' or '}'")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> std::result::Result<Json, String> {
        self.at += 1;
        let mut items = Vec::new();
        self.whitespace();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(Json::Array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.whitespace();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    return Ok(Json::Array(items));
                }
                _ => return Err(self.error("expected ',' or ']'")),
            }
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`
    fn number(&mut self) -> std::result::Result<Json, String> {
        let start = self.at;
        let digits = |parser: &mut Self| {
            let from = parser.at;
            while matches!(parser.peek(), Some(b'0'..=b'9')) {
                parser.at += 1;
            }
            parser.at - from
        };
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek() {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return Err(self.error("expected a digit")),
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            if digits(self) == 0 {
                return Err(self.error("expected a digit after '.'"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if digits(self) == 0 {
                return Err(self.error("expected a digit in the exponent"));
            }
        }
        // The slice is ASCII digits and signs, so it is UTF-8 and a valid float literal.
        std::str::from_utf8(&self.text[start..self.at])
            .ok()
            .and_then(|number| number.parse().ok())
            .map(Json::Number)
            .ok_or_else(|| self.error("bad number"))
    }

    /// A string starting at the opening quote: escapes decoded, `\uXXXX` surrogate pairs
    /// joined; raw control characters and unpaired surrogates are errors.
    fn string(&mut self) -> std::result::Result<String, String> {
        self.at += 1;
        let mut out = String::new();
        loop {
            let run = self.at;
            while matches!(self.peek(), Some(byte) if byte != b'"' && byte != b'\\' && byte >= 0x20)
            {
                self.at += 1;
            }
            // The input is a &str and the run stops only at ASCII bytes: char boundaries.
            out.push_str(
                std::str::from_utf8(&self.text[run..self.at])
                    .map_err(|_| self.error("bad UTF-8"))?,
            );
            match self.peek() {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.at += 1;
                    let escape = self
                        .peek()
                        .ok_or_else(|| self.error("unterminated escape"))?;
                    self.at += 1;
                    match escape {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => out.push(self.unicode_escape()?),
                        _ => {
                            self.at -= 1;
                            return Err(self.error("invalid escape"));
                        }
                    }
                }
                Some(_) => return Err(self.error("control character in a string")),
                None => return Err(self.error("unterminated string")),
            }
        }
    }

    /// The character of a `\uXXXX` escape (its `\u` already read), with the low half of a
    /// surrogate pair when the first is a high half.
    fn unicode_escape(&mut self) -> std::result::Result<char, String> {
        let high = self.hex4()?;
        let code = match high {
            0xd800..=0xdbff => {
                if !self.eat("\\u") {
                    return Err(self.error("unpaired surrogate"));
                }
                let low = self.hex4()?;
                if !(0xdc00..=0xdfff).contains(&low) {
                    return Err(self.error("unpaired surrogate"));
                }
                0x10000 + ((u32::from(high) - 0xd800) << 10) + (u32::from(low) - 0xdc00)
            }
            0xdc00..=0xdfff => return Err(self.error("unpaired surrogate")),
            _ => u32::from(high),
        };
        char::from_u32(code).ok_or_else(|| self.error("invalid \\u escape"))
    }

    fn hex4(&mut self) -> std::result::Result<u16, String> {
        let digits = self
            .text
            .get(self.at..self.at + 4)
            .filter(|digits| digits.iter().all(u8::is_ascii_hexdigit))
            .ok_or_else(|| self.error("expected 4 hex digits"))?;
        let value = digits.iter().fold(0u16, |value, digit| {
            // A hex digit, checked above.
            value * 16 + (*digit as char).to_digit(16).unwrap_or(0) as u16
        });
        self.at += 4;
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recipe::lease::time::format_utc;

    const NOW: i64 = 1_795_600_800; // 2026-11-25T10:00:00

    #[test]
    fn records_are_pythons_json_dumps_byte_for_byte() {
        assert_eq!(
            encode_record("host-1", "2026-11-25T10:00:00"),
            br#"{"version": 1, "holder": "host-1", "end": "2026-11-25T10:00:00"}"#
        );
        // Python 3.11: json.dumps({"version": 1, "holder": "Zoë 東京 🦀 \"q\" \\ \t\x00\x1f\x7f",
        // "end": ...}).
        assert_eq!(
            String::from_utf8(encode_record(
                "Zoë 東京 🦀 \"q\" \\ \t\u{0}\u{1f}\u{7f}",
                "2026-11-25T10:00:00"
            ))
            .unwrap(),
            r#"{"version": 1, "holder": "Zo\u00eb \u6771\u4eac \ud83e\udd80 \"q\" \\ \t\u0000\u001f\u007f", "end": "2026-11-25T10:00:00"}"#
        );
        let mut escaped = String::new();
        push_json_string(&mut escaped, "\n\r\u{8}\u{c}/~");
        assert_eq!(escaped, r#""\n\r\b\f/~""#);
    }

    #[test]
    fn strings_round_trip_through_the_encoder_and_the_parser() {
        for text in [
            "",
            "host-1",
            "Zoë 東京 🦀 \"q\" \\ \t\u{0}\u{1f}\u{7f}",
            "\u{10ffff}\u{fffd}\u{d7ff}\u{e000}",
        ] {
            let mut encoded = String::new();
            push_json_string(&mut encoded, text);
            assert!(encoded.is_ascii());
            assert_eq!(parse_json(&encoded), Ok(Json::String(text.to_string())));
        }
        let record = encode_record("Zoë 🦀", "2026-11-25T10:00:00");
        let parsed = parse_json(std::str::from_utf8(&record).unwrap()).unwrap();
        assert_eq!(
            parsed,
            Json::Object(vec![
                ("version".into(), Json::Number(1.0)),
                ("holder".into(), Json::String("Zoë 🦀".into())),
                ("end".into(), Json::String("2026-11-25T10:00:00".into())),
            ])
        );
    }

    #[test]
    fn the_parser_takes_any_valid_json_and_refuses_the_rest() {
        assert_eq!(
            parse_json(" \n{\"a\" :[1, -2.5e3, 0.0, true, false, null, {}, []] }\t\r"),
            Ok(Json::Object(vec![(
                "a".into(),
                Json::Array(vec![
                    Json::Number(1.0),
                    Json::Number(-2500.0),
                    Json::Number(0.0),
                    Json::Bool(true),
                    Json::Bool(false),
                    Json::Null,
                    Json::Object(vec![]),
                    Json::Array(vec![]),
                ])
            )]))
        );
        assert_eq!(
            parse_json(r#""\"\\\/\b\f\n\r\t\u00E9\uD83D\uDE00 raw é""#),
            Ok(Json::String("\"\\/\u{8}\u{c}\n\r\té😀 raw é".into()))
        );
        assert_eq!(parse_json("-Infinity"), Ok(Json::Number(f64::NEG_INFINITY)));
        assert!(matches!(parse_json("NaN"), Ok(Json::Number(n)) if n.is_nan()));
        let deep_ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse_json(&deep_ok).is_ok());
        for bad in [
            "",
            " ",
            "{",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{a:1}",
            "{'a':1}",
            "[1,]",
            "[1 2]",
            "01",
            "1.",
            ".5",
            "1e",
            "+1",
            "-",
            "tru",
            "\"abc",
            "\"a\nb\"",
            "\"\\x\"",
            "\"\\u12\"",
            "\"\\ud83d\"",
            "\"\\ud83d\\u0041\"",
            "\"\\ude00\"",
            "{} {}",
            "\u{feff}{}",
            &"[".repeat(100_000),
        ] {
            assert!(parse_json(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn decisions_follow_kazoo() {
        let record = |holder: &str, end: i64| encode_record(holder, &format_utc(end).unwrap());
        // Another holder: refused until the end, taken from the end on.
        assert_eq!(may_take(&record("a", NOW + 10), "b", NOW + 9), Ok(false));
        assert_eq!(may_take(&record("a", NOW + 10), "b", NOW + 10), Ok(true));
        // The same holder renews at any time.
        assert_eq!(may_take(&record("a", NOW + 10), "a", NOW), Ok(true));
        // Any key order and whitespace; 1.0 and true are version 1 (Python's ==).
        let reordered = br#"{ "end":"2026-11-25T10:00:10","holder" :"a","version":1.0 }"#;
        assert_eq!(may_take(reordered, "b", NOW), Ok(false));
        assert_eq!(may_take(reordered, "a", NOW), Ok(true));
        let boolean = br#"{"version": true, "holder": "a", "end": "2026-11-25T10:00:10"}"#;
        assert_eq!(may_take(boolean, "b", NOW), Ok(false));
        // Escaped holders compare by their text.
        let escaped =
            br#"{"version": 1, "holder": "\u00e9\ud83e\udd80", "end": "2026-11-25T10:00:10"}"#;
        assert_eq!(may_take(escaped, "é🦀", NOW), Ok(true));
        assert_eq!(may_take(escaped, "e", NOW), Ok(false));
        // Another version is never taken, whatever else the record says.
        for other in [
            &br#"{"version": 2, "holder": "a", "end": "2000-01-01T00:00:00"}"#[..],
            br#"{"version": "1", "holder": "b"}"#,
            br#"{"version": null}"#,
        ] {
            assert_eq!(may_take(other, "b", NOW), Ok(false));
        }
        // A holder that is not a string is another holder.
        let numeric = br#"{"version": 1, "holder": 7, "end": "2026-11-25T10:00:10"}"#;
        assert_eq!(may_take(numeric, "7", NOW), Ok(false));
        // Where kazoo raises, this is an error.
        for bad in [
            &b""[..],
            b"\xff",
            b"[]",
            b"{\"version\": 1",
            br#"{"holder": "a", "end": "2026-11-25T10:00:10"}"#,
            br#"{"version": 1, "holder": "a"}"#,
            br#"{"version": 1, "end": "2026-11-25T10:00:10"}"#,
            br#"{"version": 1, "holder": "a", "end": 5}"#,
            br#"{"version": 1, "holder": "a", "end": "2026-02-30T00:00:00"}"#,
            br#"{"version": 1, "holder": "a", "end": "tomorrow"}"#,
        ] {
            assert!(
                may_take(bad, "a", NOW).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        // Later duplicates win, as in Python.
        let duplicate =
            br#"{"version": 2, "version": 1, "holder": "a", "end": "2026-11-25T10:00:10"}"#;
        assert_eq!(may_take(duplicate, "b", NOW), Ok(false));
        assert_eq!(may_take(duplicate, "a", NOW), Ok(true));
    }
}
