//! kazoo's NonBlockingLease and MultiNonBlockingLease, with kazoo 2.11's node layout and data
//! so that kazoo processes and zkclient processes contend for the same leases.
//!
//! A lease at `<path>` is recorded in the persistent node `<path>/lease_holder`, whose data is
//! the UTF-8 JSON object kazoo writes, byte for byte:
//! `{"version": 1, "holder": "<identifier>", "end": "2026-11-25T10:00:00"}` (Python's
//! `json.dumps`: `", "` and `": "` separators, non-ASCII escaped as `\uXXXX`). `end` is the
//! lease's end in UTC, whole seconds, from the obtaining client's clock (so clocks must be
//! roughly in step, as with kazoo). The record is read and written under kazoo's Lock on
//! `<path>` itself, identified by the contender's identifier. A lease is obtained when there
//! is no record, when the record's holder is the same identifier (a renewal: the end moves),
//! or when the record has expired; it is refused while another identifier holds an
//! unexpired lease, and whenever the record has a version other than 1 (left for a newer
//! client to take). A [`MultiNonBlockingLease`] of `count` tries `<path>/0`, `<path>/1`, ...
//! and stops at the first obtained.
//!
//! Beyond kazoo: the record is replaced atomically (one transaction deletes it at the version
//! that was read and creates the new one), so a crash cannot leave the lease unrecorded and a
//! writer that ignores the lock is detected; connection losses are retried with the client's
//! retry policy; the lock is released on every path out, errors included; the wait for the
//! lock can be bounded ([`LeaseOptions::lock_timeout`]). A record that is not kazoo's JSON is
//! an error ([`Error::InvalidArgument`], naming the node and its bytes) rather than a refusal.
//! Every write is conditional on what was read (create only while absent, delete only at the
//! version read), so the decision stays sound even if the session, and with it the lock, is
//! lost while the decision is retried.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::client::path::join;
use crate::client::{Client, CreateOptions, Transaction};
use crate::error::{Error, Result};
use crate::proto::ErrorCode;
use crate::recipe::lock::Lock;
use crate::runtime::Wait;

/// The name of the node that records a lease, under the lease's path (kazoo's
/// `lease_holder`).
pub const HOLDER_NODE: &str = "lease_holder";

/// The version of the record format this module reads and writes (kazoo's `_version`).
pub const RECORD_VERSION: i64 = 1;

/// A clock giving the current time (kazoo's `utcnow`), for tests that move time.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync + 'static>;

/// How a lease is obtained. `LeaseOptions::default()` waits for the lock as long as it takes
/// and reads the system clock, as kazoo does.
#[derive(Clone)]
pub struct LeaseOptions {
    /// The longest wait for the lease's lock; `None` waits as long as it takes (kazoo).
    /// When the wait runs out the lease is not obtained (`Ok(false)`).
    pub lock_timeout: Option<Duration>,
    /// The current time. Default: [`SystemTime::now`].
    pub clock: Clock,
}

impl Default for LeaseOptions {
    fn default() -> Self {
        LeaseOptions {
            lock_timeout: None,
            clock: Arc::new(SystemTime::now),
        }
    }
}

impl fmt::Debug for LeaseOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LeaseOptions")
            .field("lock_timeout", &self.lock_timeout)
            .finish_non_exhaustive()
    }
}

/// kazoo's `NonBlockingLease`: an exclusive lease held for a duration, obtained without
/// waiting for the current holder. Renew it by obtaining it again with the same identifier.
pub struct NonBlockingLease;

impl NonBlockingLease {
    /// Tries to obtain the lease at `path` for `duration` as `identifier` (kazoo's
    /// `zk.NonBlockingLease(path, duration, identifier)`); an empty identifier means this
    /// host's name ([`default_identifier`]), as in kazoo. Ok(true) when obtained or renewed,
    /// Ok(false) when another identifier holds it, or its record has another version.
    /// Blocks while another contender holds the lease's lock (briefly: a read and a write).
    pub fn obtain(
        client: &Client,
        path: &str,
        duration: Duration,
        identifier: &str,
    ) -> Result<bool> {
        Self::obtain_with(client, path, duration, identifier, &LeaseOptions::default())
    }

    /// [`NonBlockingLease::obtain`] with options: a bound on the wait for the lock (Ok(false)
    /// when it runs out) and the clock. Errors: [`Error::InvalidArgument`] when the record
    /// is not kazoo's JSON, when the lease would end after the year 9999, or when no
    /// identifier was given and the host name cannot be read; server errors as they come
    /// (connection losses are retried with the client's retry policy first).
    pub fn obtain_with(
        client: &Client,
        path: &str,
        duration: Duration,
        identifier: &str,
        options: &LeaseOptions,
    ) -> Result<bool> {
        let identifier = if identifier.is_empty() {
            default_identifier()?
        } else {
            identifier.to_string()
        };
        client.retry(|| client.ensure_path(path, None).wait())?;
        let lock = Lock::new(client, path, identifier.as_bytes());
        if !lock.acquire(options.lock_timeout)? {
            return Ok(false);
        }
        let holder_path = join(path, HOLDER_NODE);
        let obtained = client.retry(|| {
            take(
                client,
                &holder_path,
                duration,
                &identifier,
                options.clock.as_ref(),
            )
        });
        let released = lock.release();
        let obtained = obtained?;
        released?;
        Ok(obtained)
    }
}

/// kazoo's `MultiNonBlockingLease`: one of `count` leases `<path>/0` .. `<path>/<count-1>`,
/// so that at most `count` identifiers hold one at a time.
pub struct MultiNonBlockingLease;

impl MultiNonBlockingLease {
    /// Tries the leases `<path>/0`, `<path>/1`, ... in order, as [`NonBlockingLease::obtain`],
    /// and stops at the first obtained (kazoo's `zk.MultiNonBlockingLease(count, path,
    /// duration, identifier)`): Ok(Some(n)) for lease `n`, Ok(None) when all are held by
    /// others. As in kazoo, an identifier holding lease `n` takes an earlier lease instead
    /// when one is free (and holds both until lease `n` ends). `count` 0 is
    /// [`Error::InvalidArgument`].
    pub fn obtain(
        client: &Client,
        count: u32,
        path: &str,
        duration: Duration,
        identifier: &str,
    ) -> Result<Option<u32>> {
        Self::obtain_with(
            client,
            count,
            path,
            duration,
            identifier,
            &LeaseOptions::default(),
        )
    }

    /// [`MultiNonBlockingLease::obtain`] with options (see [`NonBlockingLease::obtain_with`]).
    pub fn obtain_with(
        client: &Client,
        count: u32,
        path: &str,
        duration: Duration,
        identifier: &str,
        options: &LeaseOptions,
    ) -> Result<Option<u32>> {
        if count == 0 {
            return Err(Error::InvalidArgument(
                "a MultiNonBlockingLease needs a count of at least 1".into(),
            ));
        }
        for slot in 0..count {
            let lease_path = join(path, &slot.to_string());
            if NonBlockingLease::obtain_with(client, &lease_path, duration, identifier, options)? {
                return Ok(Some(slot));
            }
        }
        Ok(None)
    }
}

/// The identifier kazoo uses when none is given: this host's name (`socket.gethostname()`),
/// read from `/proc/sys/kernel/hostname` or `/etc/hostname`. [`Error::InvalidArgument`] when
/// neither can be read.
pub fn default_identifier() -> Result<String> {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .filter_map(|file| std::fs::read_to_string(file).ok())
        .map(|name| name.trim().to_string())
        .find(|name| !name.is_empty())
        .ok_or_else(|| {
            Error::InvalidArgument(
                "no identifier was given and the host name cannot be read; pass an identifier"
                    .into(),
            )
        })
}

/// One decision under the lock: reads the record, and writes ours when the lease may be
/// taken. A write that finds the record changed since the read (a writer ignoring the lock)
/// reads again.
fn take(
    client: &Client,
    holder_path: &str,
    duration: Duration,
    identifier: &str,
    clock: &(dyn Fn() -> SystemTime + Send + Sync),
) -> Result<bool> {
    loop {
        let now = clock();
        let record = || -> Result<Vec<u8>> {
            let end = lease_end(now, duration)?;
            Ok(encode_record(identifier, &format_utc(end)?))
        };
        match client.get(holder_path).wait() {
            Err(error) if error.is(ErrorCode::NO_NODE) => {
                let data = record()?;
                match client
                    .create(holder_path, &data, &CreateOptions::default())
                    .wait()
                {
                    Ok(_) => return Ok(true),
                    Err(error) if error.is(ErrorCode::NODE_EXISTS) => continue,
                    Err(error) => return Err(error),
                }
            }
            Err(error) => return Err(error),
            Ok((data, stat)) => {
                let may_take = may_take(&data, identifier, unix_seconds(now)).map_err(|why| {
                    Error::InvalidArgument(format!(
                        "lease record {holder_path} holds {:?}, not kazoo's lease JSON: {why}",
                        String::from_utf8_lossy(&data)
                    ))
                })?;
                if !may_take {
                    return Ok(false);
                }
                let data = record()?;
                let mut transaction = client.transaction();
                transaction.delete(holder_path, stat.version).create(
                    holder_path,
                    &data,
                    &CreateOptions::default(),
                );
                let results = transaction.commit().wait()?;
                match Transaction::first_error(&results) {
                    None => return Ok(true),
                    Some(code) if code == ErrorCode::BAD_VERSION || code == ErrorCode::NO_NODE => {
                        continue
                    }
                    Some(code) => return Err(code.into()),
                }
            }
        }
    }
}

/// Whether a lease recorded as `data` may be taken by `identifier` at `now` (Unix seconds),
/// judged as kazoo judges it: a record of another version is never taken; another holder's is
/// taken only once `now` has reached its end. Err says why `data` is not a lease record
/// (where kazoo raises an exception).
fn may_take(data: &[u8], identifier: &str, now: i64) -> std::result::Result<bool, String> {
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
fn encode_record(identifier: &str, end: &str) -> Vec<u8> {
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

const NANOS_PER_SECOND: i128 = 1_000_000_000;
const SECONDS_PER_DAY: i64 = 86_400;

/// `time` as nanoseconds since the Unix epoch (negative before it).
fn unix_nanos(time: SystemTime) -> i128 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => after.as_nanos() as i128,
        Err(before) => -(before.duration().as_nanos() as i128),
    }
}

/// `time` as whole seconds since the Unix epoch, rounded down (kazoo compares a time with
/// microseconds to an end in whole seconds: `now < end` exactly when this is below `end`).
fn unix_seconds(time: SystemTime) -> i64 {
    let seconds = unix_nanos(time).div_euclid(NANOS_PER_SECOND);
    seconds.clamp(i64::MIN.into(), i64::MAX.into()) as i64
}

/// The end of a lease obtained at `now` for `duration`, in whole Unix seconds rounded down
/// (`strftime` drops the fraction), or an error past the year 9999 (Python's limit).
fn lease_end(now: SystemTime, duration: Duration) -> Result<i64> {
    let end = (unix_nanos(now) + duration.as_nanos() as i128).div_euclid(NANOS_PER_SECOND);
    i64::try_from(end)
        .ok()
        .filter(|end| *end <= MAX_SECONDS)
        .ok_or_else(|| {
            Error::InvalidArgument(format!(
                "a lease of {duration:?} from now would end after the year 9999"
            ))
        })
}

/// The first second of the year 10000, less one: the last time `%Y` can write.
const MAX_SECONDS: i64 = 253_402_300_799;
/// 0001-01-01T00:00:00, the first time Python's datetime can hold.
const MIN_SECONDS: i64 = -62_135_596_800;

/// Days since 1970-01-01 of a date in the proleptic Gregorian calendar.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date (year, month, day) `days` after 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Unix seconds as kazoo's `%Y-%m-%dT%H:%M:%S` in UTC (`2026-11-25T10:00:00`); years 1 to
/// 9999 only.
fn format_utc(seconds: i64) -> Result<String> {
    if !(MIN_SECONDS..=MAX_SECONDS).contains(&seconds) {
        return Err(Error::InvalidArgument(format!(
            "{seconds} s after 1970 is outside the years 1 to 9999"
        )));
    }
    let (year, month, day) = civil_from_days(seconds.div_euclid(SECONDS_PER_DAY));
    let second_of_day = seconds.rem_euclid(SECONDS_PER_DAY);
    Ok(format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    ))
}

/// Parses a `%Y-%m-%dT%H:%M:%S` time in UTC into Unix seconds, as leniently as Python's
/// `strptime`: four-digit year; one or two digits (or a space and one) for the day, one or
/// two digits for the other fields; `T` or `t`; nothing around it. None when it does not
/// match or names no real time (a 30th of February, a 60th second).
fn parse_utc(text: &str) -> Option<i64> {
    let mut cursor = Cursor {
        bytes: text.as_bytes(),
        at: 0,
    };
    let year = cursor.digits(4, 4)?;
    cursor.separator(b"-")?;
    let month = cursor.digits(1, 2)?;
    cursor.separator(b"-")?;
    let day = match cursor.separator(b" ") {
        Some(()) => cursor.digits(1, 1).filter(|day| *day != 0)?,
        None => cursor.digits(1, 2)?,
    };
    cursor.separator(b"Tt")?;
    let hour = cursor.digits(1, 2)?;
    cursor.separator(b":")?;
    let minute = cursor.digits(1, 2)?;
    cursor.separator(b":")?;
    let second = cursor.digits(1, 2)?;
    if cursor.at != cursor.bytes.len() {
        return None;
    }
    let year = i64::from(year);
    let valid = year >= 1
        && (1..=12).contains(&month)
        && day >= 1
        && day <= days_in_month(year, month)
        && hour < 24
        && minute < 60
        && second < 60;
    valid.then(|| {
        days_from_civil(year, month, day) * SECONDS_PER_DAY
            + i64::from(hour * 3600 + minute * 60 + second)
    })
}

/// Reads [`parse_utc`]'s fields.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    /// `min` to `max` ASCII digits as a number.
    fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.at;
        while self.at - start < max && self.bytes.get(self.at).is_some_and(u8::is_ascii_digit) {
            self.at += 1;
        }
        if self.at - start < min {
            return None;
        }
        self.bytes[start..self.at]
            .iter()
            .try_fold(0u32, |value, digit| {
                Some(value * 10 + u32::from(digit - b'0'))
            })
    }

    /// One byte that is any of `accepted`.
    fn separator(&mut self, accepted: &[u8]) -> Option<()> {
        let byte = self.bytes.get(self.at)?;
        accepted.contains(byte).then(|| self.at += 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_600_800; // 2026-11-25T10:00:00

    fn at(seconds: i64) -> SystemTime {
        if seconds >= 0 {
            UNIX_EPOCH + Duration::from_secs(seconds as u64)
        } else {
            UNIX_EPOCH - Duration::from_secs(seconds.unsigned_abs())
        }
    }

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
    fn times_format_and_parse_as_python_does() {
        // Python 3.11: (datetime(...) - datetime(1970, 1, 1)).total_seconds() and strftime.
        for (seconds, text) in [
            (1_795_600_800, "2026-11-25T10:00:00"),
            (1_709_251_199, "2024-02-29T23:59:59"),
            (951_825_600, "2000-02-29T12:00:00"),
            (-2_203_891_200, "1900-03-01T00:00:00"),
            (-1, "1969-12-31T23:59:59"),
            (0, "1970-01-01T00:00:00"),
            (4_107_459_723, "2100-02-28T01:02:03"),
            (253_402_300_799, "9999-12-31T23:59:59"),
            (-62_135_596_800, "0001-01-01T00:00:00"),
        ] {
            assert_eq!(format_utc(seconds).unwrap(), text);
            assert_eq!(parse_utc(text), Some(seconds), "{text}");
        }
        assert!(format_utc(MAX_SECONDS + 1).is_err());
        assert!(format_utc(MIN_SECONDS - 1).is_err());
        // Every day of four centuries round-trips (leap years, century rules).
        let first = days_from_civil(1900, 1, 1);
        for days in first..first + 146_097 {
            let (year, month, day) = civil_from_days(days);
            assert!(day >= 1 && day <= days_in_month(year, month));
            assert_eq!(days_from_civil(year, month, day), days);
            let text = format_utc(days * SECONDS_PER_DAY + 3661).unwrap();
            assert_eq!(parse_utc(&text), Some(days * SECONDS_PER_DAY + 3661));
        }
    }

    #[test]
    fn parsing_is_as_lenient_as_strptime_and_no_more() {
        let expected = parse_utc("2026-01-05T01:02:03");
        assert!(expected.is_some());
        for same in [
            "2026-1-5T1:2:3",
            "2026-01-05t01:02:03",
            "2026-01- 5T01:02:03",
        ] {
            assert_eq!(parse_utc(same), expected, "{same}");
        }
        assert!(parse_utc("2024-02-29T00:00:00").is_some());
        for bad in [
            "2026-02-29T00:00:00",
            "1900-02-29T00:00:00",
            "2026-04-31T00:00:00",
            "2026-13-01T00:00:00",
            "2026-00-01T00:00:00",
            "2026-01-00T00:00:00",
            "2026-01-01T24:00:00",
            "2026-01-01T00:60:00",
            "2026-01-01T00:00:60",
            "0000-01-01T00:00:00",
            "26-01-01T00:00:00",
            "20260-01-01T00:00:00",
            " 2026-01-01T00:00:00",
            "2026-01-01T00:00:00 ",
            "2026-01-01T00:00:00Z",
            "2026-01-01 00:00:00",
            "2026-01-01T00:00",
            "2026-001-01T00:00:00",
            "",
        ] {
            assert_eq!(parse_utc(bad), None, "{bad}");
        }
    }

    #[test]
    fn lease_ends_drop_the_fraction_and_stop_at_9999() {
        let now = at(NOW) + Duration::from_millis(999);
        assert_eq!(lease_end(now, Duration::from_secs(60)).unwrap(), NOW + 60);
        assert_eq!(lease_end(now, Duration::from_millis(1)).unwrap(), NOW + 1);
        assert_eq!(
            lease_end(at(-1) + Duration::from_millis(500), Duration::ZERO).unwrap(),
            -1
        );
        assert_eq!(unix_seconds(at(-1) + Duration::from_millis(500)), -1);
        assert_eq!(
            unix_seconds(at(NOW) + Duration::from_nanos(999_999_999)),
            NOW
        );
        assert!(lease_end(now, Duration::from_secs(u64::MAX)).is_err());
        assert!(lease_end(at(MAX_SECONDS), Duration::from_secs(1)).is_err());
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
