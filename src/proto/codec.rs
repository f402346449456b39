//! Jute, ZooKeeper's serialization: big-endian ints and longs, one-byte booleans,
//! length-prefixed buffers and strings (length -1 = null), count-prefixed vectors, and records
//! that are their fields in order. Framing lives in `frame.rs`.

/// Why bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The input ended inside a value (or a length claims more bytes than are left).
    #[error("unexpected end of input: {needed} more bytes needed")]
    UnexpectedEof {
        /// How many more bytes the value needs.
        needed: usize,
    },
    /// A length or count that no encoding can have (negative and not -1; for a frame's
    /// length, any negative value).
    #[error("invalid length {0}")]
    InvalidLength(i64),
    /// A string whose bytes are not UTF-8.
    #[error("string is not valid UTF-8")]
    InvalidUtf8,
    /// Bytes left over after a complete record.
    #[error("{0} unexpected trailing bytes")]
    TrailingBytes(usize),
    /// A transaction result of an operation type this client does not know.
    #[error("unknown multi op type {0}")]
    UnknownOpType(i32),
}

/// Reads jute values from the front of a byte slice.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    /// The bytes not read yet.
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader over `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { rest: buf }
    }

    /// How many bytes are left.
    pub fn remaining(&self) -> usize {
        self.rest.len()
    }

    /// True when every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The next `n` bytes, or `UnexpectedEof` (without consuming anything).
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.rest.len() {
            return Err(DecodeError::UnexpectedEof {
                needed: n - self.rest.len(),
            });
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    /// The next `N` bytes as an array.
    fn take_array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let (head, tail) =
            self.rest
                .split_first_chunk::<N>()
                .ok_or_else(|| DecodeError::UnexpectedEof {
                    needed: N - self.rest.len(),
                })?;
        self.rest = tail;
        Ok(*head)
    }

    /// A length or count prefix: `None` for -1 (null), an error for any other negative value.
    fn read_len(&mut self) -> Result<Option<usize>, DecodeError> {
        match self.read_i32()? {
            -1 => Ok(None),
            len => usize::try_from(len)
                .map(Some)
                .map_err(|_| DecodeError::InvalidLength(len.into())),
        }
    }

    /// A big-endian int32.
    pub fn read_i32(&mut self) -> Result<i32, DecodeError> {
        self.take_array().map(i32::from_be_bytes)
    }

    /// A big-endian int64.
    pub fn read_i64(&mut self) -> Result<i64, DecodeError> {
        self.take_array().map(i64::from_be_bytes)
    }

    /// A one-byte boolean; any nonzero byte is true.
    pub fn read_bool(&mut self) -> Result<bool, DecodeError> {
        self.take_array().map(|[byte]| byte != 0)
    }

    /// A length-prefixed buffer, borrowed from the input; `None` when null (length -1).
    pub fn read_buffer(&mut self) -> Result<Option<&'a [u8]>, DecodeError> {
        match self.read_len()? {
            None => Ok(None),
            Some(len) => self.take(len).map(Some),
        }
    }

    /// A length-prefixed UTF-8 string, borrowed from the input; `None` when null.
    pub fn read_string(&mut self) -> Result<Option<&'a str>, DecodeError> {
        match self.read_buffer()? {
            None => Ok(None),
            Some(bytes) => std::str::from_utf8(bytes)
                .map(Some)
                .map_err(|_| DecodeError::InvalidUtf8),
        }
    }

    /// A string, copied; null reads as the empty string.
    pub fn read_owned_string(&mut self) -> Result<String, DecodeError> {
        Ok(self.read_string()?.unwrap_or_default().to_owned())
    }

    /// A buffer, copied; null reads as empty.
    pub fn read_owned_buffer(&mut self) -> Result<Vec<u8>, DecodeError> {
        Ok(self.read_buffer()?.unwrap_or_default().to_vec())
    }

    /// A count-prefixed vector of records; null (count -1) reads as empty. The count is
    /// checked against the bytes left before anything is allocated.
    pub fn read_vec<T: Decode>(&mut self) -> Result<Vec<T>, DecodeError> {
        let Some(count) = self.read_len()? else {
            return Ok(Vec::new());
        };
        let needed = count.saturating_mul(T::MIN_ENCODED_LEN.max(1));
        if needed > self.rest.len() {
            return Err(DecodeError::UnexpectedEof {
                needed: needed - self.rest.len(),
            });
        }
        let mut items = Vec::with_capacity(count);
        for _ in 0..count {
            items.push(T::decode(self)?);
        }
        Ok(items)
    }

    /// A vector of strings (null strings read as empty ones).
    pub fn read_string_vec(&mut self) -> Result<Vec<String>, DecodeError> {
        self.read_vec()
    }

    /// `TrailingBytes` if anything is left unread.
    pub fn finish(&self) -> Result<(), DecodeError> {
        match self.rest.len() {
            0 => Ok(()),
            left => Err(DecodeError::TrailingBytes(left)),
        }
    }
}

/// Appends a big-endian int32.
pub fn put_i32(buf: &mut Vec<u8>, v: i32) {
    buf.extend_from_slice(&v.to_be_bytes());
}

/// Appends a big-endian int64.
pub fn put_i64(buf: &mut Vec<u8>, v: i64) {
    buf.extend_from_slice(&v.to_be_bytes());
}

/// Appends a one-byte boolean.
pub fn put_bool(buf: &mut Vec<u8>, v: bool) {
    buf.push(u8::from(v));
}

/// Appends a length or count prefix. Jute lengths are int32; anything longer (far over any
/// server's `jute.maxbuffer`, so refused before sending) is clamped rather than wrapped.
fn put_len(buf: &mut Vec<u8>, len: usize) {
    put_i32(buf, i32::try_from(len).unwrap_or(i32::MAX));
}

/// Appends a count prefix and each item, written by `put_item`.
fn put_items<T>(buf: &mut Vec<u8>, items: &[T], put_item: impl Fn(&mut Vec<u8>, &T)) {
    put_len(buf, items.len());
    for item in items {
        put_item(buf, item);
    }
}

/// Appends a length-prefixed buffer; `None` is written as null (length -1).
pub fn put_buffer(buf: &mut Vec<u8>, v: Option<&[u8]>) {
    match v {
        None => put_i32(buf, -1),
        Some(bytes) => {
            put_len(buf, bytes.len());
            buf.extend_from_slice(bytes);
        }
    }
}

/// Appends a length-prefixed UTF-8 string.
pub fn put_string(buf: &mut Vec<u8>, v: &str) {
    put_buffer(buf, Some(v.as_bytes()));
}

/// Appends a vector of strings.
pub fn put_string_vec<S: AsRef<str>>(buf: &mut Vec<u8>, v: &[S]) {
    put_items(buf, v, |buf, s| put_string(buf, s.as_ref()));
}

/// Appends a vector of records.
pub fn put_vec<T: Encode>(buf: &mut Vec<u8>, v: &[T]) {
    put_items(buf, v, |buf, item| item.encode(buf));
}

/// A value that can be written in jute.
pub trait Encode {
    /// Appends the encoding of `self` to `buf`.
    fn encode(&self, buf: &mut Vec<u8>);
}

/// A value that can be read from jute.
pub trait Decode: Sized {
    /// The fewest bytes any encoding of this type takes; [`Reader::read_vec`] uses it to
    /// reject impossible counts before allocating.
    const MIN_ENCODED_LEN: usize = 1;

    /// Reads one value from the front of `r`.
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError>;
}

/// The empty record: the body of a request that has none (ping, closeSession).
impl Encode for () {
    fn encode(&self, _buf: &mut Vec<u8>) {}
}

impl<T: Encode + ?Sized> Encode for &T {
    fn encode(&self, buf: &mut Vec<u8>) {
        (**self).encode(buf);
    }
}

/// Jute `int`.
impl Encode for i32 {
    fn encode(&self, buf: &mut Vec<u8>) {
        put_i32(buf, *self);
    }
}

impl Decode for i32 {
    const MIN_ENCODED_LEN: usize = 4;

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.read_i32()
    }
}

/// Jute `long`.
impl Encode for i64 {
    fn encode(&self, buf: &mut Vec<u8>) {
        put_i64(buf, *self);
    }
}

impl Decode for i64 {
    const MIN_ENCODED_LEN: usize = 8;

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.read_i64()
    }
}

/// Jute `boolean`.
impl Encode for bool {
    fn encode(&self, buf: &mut Vec<u8>) {
        put_bool(buf, *self);
    }
}

impl Decode for bool {
    const MIN_ENCODED_LEN: usize = 1;

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.read_bool()
    }
}

/// Jute `ustring`.
impl Encode for str {
    fn encode(&self, buf: &mut Vec<u8>) {
        put_string(buf, self);
    }
}

/// Jute `ustring`.
impl Encode for String {
    fn encode(&self, buf: &mut Vec<u8>) {
        put_string(buf, self);
    }
}

/// Jute `ustring`; null reads as the empty string.
impl Decode for String {
    const MIN_ENCODED_LEN: usize = 4;

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.read_owned_string()
    }
}

/// A jute `ustring` that may be null: `None` is written as length -1.
impl Encode for Option<&str> {
    fn encode(&self, buf: &mut Vec<u8>) {
        put_buffer(buf, self.map(str::as_bytes));
    }
}

/// A byte slice is a jute `buffer` (never null).
impl Encode for [u8] {
    fn encode(&self, buf: &mut Vec<u8>) {
        put_buffer(buf, Some(self));
    }
}

/// `Vec<u8>` is a jute `buffer` (never null).
impl Encode for Vec<u8> {
    fn encode(&self, buf: &mut Vec<u8>) {
        put_buffer(buf, Some(self));
    }
}

/// `Vec<u8>` is a jute `buffer`; null reads as empty.
impl Decode for Vec<u8> {
    const MIN_ENCODED_LEN: usize = 4;

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.read_owned_buffer()
    }
}

/// Any other slice is a jute `vector` (never null).
impl<T: Encode> Encode for [T] {
    fn encode(&self, buf: &mut Vec<u8>) {
        put_vec(buf, self);
    }
}

/// Any other `Vec` is a jute `vector` (never null).
impl<T: Encode> Encode for Vec<T> {
    fn encode(&self, buf: &mut Vec<u8>) {
        put_vec(buf, self);
    }
}

/// Any other `Vec` is a jute `vector`; null reads as empty.
impl<T: Decode> Decode for Vec<T> {
    const MIN_ENCODED_LEN: usize = 4;

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.read_vec()
    }
}

/// Decode a whole record from `bytes`; trailing bytes are an error.
pub fn decode_all<T: Decode>(bytes: &[u8]) -> Result<T, DecodeError> {
    let mut r = Reader::new(bytes);
    let value = T::decode(&mut r)?;
    r.finish()?;
    Ok(value)
}

/// Decode a record from the front of `bytes`, returning it and the rest.
pub fn decode_prefix<T: Decode>(bytes: &[u8]) -> Result<(T, &[u8]), DecodeError> {
    let mut r = Reader::new(bytes);
    let value = T::decode(&mut r)?;
    Ok((value, r.rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primitives_are_big_endian() {
        let mut buf = Vec::new();
        put_i32(&mut buf, 0x0102_0304);
        put_i64(&mut buf, -2);
        put_bool(&mut buf, true);
        put_bool(&mut buf, false);
        assert_eq!(
            buf,
            [1, 2, 3, 4, 255, 255, 255, 255, 255, 255, 255, 254, 1, 0]
        );
        let mut r = Reader::new(&buf);
        assert_eq!(r.read_i32(), Ok(0x0102_0304));
        assert_eq!(r.read_i64(), Ok(-2));
        assert_eq!(r.read_bool(), Ok(true));
        assert_eq!(r.read_bool(), Ok(false));
        assert!(r.is_empty());
        assert_eq!(r.finish(), Ok(()));
        assert_eq!(Reader::new(&[7]).read_bool(), Ok(true));
    }

    #[test]
    fn short_input_reports_missing_bytes() {
        let mut r = Reader::new(&[0, 0, 1]);
        assert_eq!(r.read_i32(), Err(DecodeError::UnexpectedEof { needed: 1 }));
        assert_eq!(r.remaining(), 3, "a failed read consumes nothing");
        assert_eq!(
            Reader::new(&[]).read_i64(),
            Err(DecodeError::UnexpectedEof { needed: 8 })
        );
        assert_eq!(
            Reader::new(&[]).read_bool(),
            Err(DecodeError::UnexpectedEof { needed: 1 })
        );
    }

    #[test]
    fn buffers_and_strings_with_null() {
        let mut buf = Vec::new();
        put_buffer(&mut buf, None);
        put_buffer(&mut buf, Some(b"ab"));
        put_string(&mut buf, "héllo");
        put_string(&mut buf, "");
        put_buffer(&mut buf, None);
        put_buffer(&mut buf, None);
        assert_eq!(&buf[..10], &[255, 255, 255, 255, 0, 0, 0, 2, b'a', b'b']);
        let mut r = Reader::new(&buf);
        assert_eq!(r.read_buffer(), Ok(None));
        assert_eq!(r.read_buffer(), Ok(Some(&b"ab"[..])));
        assert_eq!(r.read_string(), Ok(Some("héllo")));
        assert_eq!(r.read_string(), Ok(Some("")));
        assert_eq!(r.read_owned_string(), Ok(String::new()));
        assert_eq!(r.read_owned_buffer(), Ok(Vec::new()));
        assert_eq!(r.finish(), Ok(()));
    }

    #[test]
    fn bad_lengths_are_errors() {
        let minus_two = (-2i32).to_be_bytes();
        assert_eq!(
            Reader::new(&minus_two).read_buffer(),
            Err(DecodeError::InvalidLength(-2))
        );
        assert_eq!(
            Reader::new(&minus_two).read_string(),
            Err(DecodeError::InvalidLength(-2))
        );
        assert_eq!(
            Reader::new(&minus_two).read_vec::<i64>(),
            Err(DecodeError::InvalidLength(-2))
        );
        let mut huge = i32::MAX.to_be_bytes().to_vec();
        huge.extend_from_slice(b"abc");
        let missing = i32::MAX as usize - 3;
        let eof = Err(DecodeError::UnexpectedEof { needed: missing });
        assert_eq!(Reader::new(&huge).read_buffer(), eof);
        assert_eq!(Reader::new(&huge).read_string(), eof.map(|_| None));
        assert!(matches!(
            Reader::new(&huge).read_string_vec(),
            Err(DecodeError::UnexpectedEof { .. })
        ));
        // Two claimed longs need 16 bytes, not 2.
        let mut short = 2i32.to_be_bytes().to_vec();
        short.extend_from_slice(&[0, 0]);
        assert_eq!(
            Reader::new(&short).read_vec::<i64>(),
            Err(DecodeError::UnexpectedEof { needed: 14 })
        );
    }

    #[test]
    fn invalid_utf8_is_an_error() {
        let bytes = [0, 0, 0, 2, 0xc3, 0x28];
        assert_eq!(
            Reader::new(&bytes).read_string(),
            Err(DecodeError::InvalidUtf8)
        );
        assert_eq!(
            Reader::new(&bytes).read_owned_string(),
            Err(DecodeError::InvalidUtf8)
        );
        assert_eq!(
            Reader::new(&bytes).read_owned_buffer(),
            Ok(vec![0xc3, 0x28])
        );
    }

    #[test]
    fn vectors() {
        let mut buf = Vec::new();
        put_string_vec(&mut buf, &["a", "bc"]);
        put_i32(&mut buf, -1);
        put_vec(&mut buf, &[7i32, 8]);
        assert_eq!(&buf[..13], &[0, 0, 0, 2, 0, 0, 0, 1, b'a', 0, 0, 0, 2]);
        let mut r = Reader::new(&buf);
        assert_eq!(
            r.read_string_vec(),
            Ok(vec!["a".to_string(), "bc".to_string()])
        );
        assert_eq!(r.read_string_vec(), Ok(Vec::new()));
        assert_eq!(r.read_vec::<i32>(), Ok(vec![7, 8]));
        assert_eq!(r.finish(), Ok(()));
    }

    #[test]
    fn decode_all_rejects_trailing_bytes_and_decode_prefix_returns_them() {
        let bytes = [0, 0, 0, 5, 9, 9];
        assert_eq!(
            decode_all::<i32>(&bytes),
            Err(DecodeError::TrailingBytes(2))
        );
        assert_eq!(decode_prefix::<i32>(&bytes), Ok((5, &[9u8, 9][..])));
        assert_eq!(decode_all::<i32>(&bytes[..4]), Ok(5));
    }
}
