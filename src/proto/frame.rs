//! Framing: every message, both ways and the handshake included, is a big-endian int32 length
//! counting the bytes after it, then that many bytes of payload.
//!
//! [`split_frame`] is the one place that reads a length prefix: the session uses it for the
//! handshake reply and for every reply after it, and the tests' fault-injecting proxy for
//! both directions. It is pure (no I/O, no clock): it looks at the bytes buffered so far and
//! says what they hold. The encoders here build whole request frames.

use super::codec::{DecodeError, Encode};
use super::opcode::OpCode;
use super::records::RequestHeader;

/// The length prefix in front of every frame.
pub const FRAME_PREFIX_LEN: usize = 4;

/// What the front of a read buffer holds, according to [`split_frame`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// A whole frame: its payload is `buf[FRAME_PREFIX_LEN..consumed]`, `len` bytes, and the
    /// next frame starts at `consumed` (`FRAME_PREFIX_LEN + len`).
    Frame {
        /// The payload's length.
        len: usize,
        /// The bytes the frame takes in the buffer, prefix included.
        consumed: usize,
    },
    /// The prefix declares a payload longer than the limit. Reported as soon as the prefix is
    /// there, so nothing is ever buffered toward a length no one should accept.
    Oversize {
        /// The payload length the prefix declares.
        declared: usize,
    },
    /// The frame is not complete: at least `needed` more bytes must arrive before anything
    /// else can be said. Reading exactly `needed` bytes never reads past the frame.
    NeedMore {
        /// How many more bytes are needed, at least.
        needed: usize,
    },
}

/// Splits the first frame off `buf`, the bytes buffered so far, whose payload may be at most
/// `max_len` bytes. A negative declared length is [`DecodeError::InvalidLength`]: the stream
/// is broken.
pub fn split_frame(buf: &[u8], max_len: usize) -> Result<Split, DecodeError> {
    let Some((prefix, rest)) = buf.split_first_chunk::<FRAME_PREFIX_LEN>() else {
        return Ok(Split::NeedMore {
            needed: FRAME_PREFIX_LEN - buf.len(),
        });
    };
    let declared = i32::from_be_bytes(*prefix);
    let len = usize::try_from(declared).map_err(|_| DecodeError::InvalidLength(declared.into()))?;
    if len > max_len {
        return Ok(Split::Oversize { declared: len });
    }
    if rest.len() < len {
        return Ok(Split::NeedMore {
            needed: len - rest.len(),
        });
    }
    Ok(Split::Frame {
        len,
        consumed: FRAME_PREFIX_LEN + len,
    })
}

/// The initial capacity of an encoded frame: room for the prefix, a header and a typical path,
/// so that most requests never reallocate.
const FRAME_CAPACITY: usize = 128;

/// A frame: the length prefix, then what `write` appends.
fn frame(write: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut buf = Vec::with_capacity(FRAME_CAPACITY);
    buf.extend_from_slice(&[0; FRAME_PREFIX_LEN]);
    write(&mut buf);
    let len = i32::try_from(buf.len() - FRAME_PREFIX_LEN).unwrap_or(i32::MAX);
    if let Some(prefix) = buf.first_chunk_mut::<FRAME_PREFIX_LEN>() {
        *prefix = len.to_be_bytes();
    }
    buf
}

/// A complete request frame: the length prefix, `RequestHeader{xid, op}`, then `body`.
/// The session assigns the real xid later with [`patch_xid`].
pub fn encode_request<R: Encode + ?Sized>(xid: i32, op: OpCode, body: &R) -> Vec<u8> {
    frame(|buf| {
        RequestHeader {
            xid,
            op: op.as_i32(),
        }
        .encode(buf);
        body.encode(buf);
    })
}

/// A complete request frame with no body (ping, closeSession).
pub fn encode_empty_request(xid: i32, op: OpCode) -> Vec<u8> {
    encode_request(xid, op, &())
}

/// A frame holding just `record` (the ConnectRequest handshake): length prefix + record.
pub fn encode_frame<R: Encode + ?Sized>(record: &R) -> Vec<u8> {
    frame(|buf| record.encode(buf))
}

/// Overwrites the xid of a frame made by [`encode_request`] (bytes 4..8); a frame shorter than
/// 8 bytes is left alone.
pub fn patch_xid(frame: &mut [u8], xid: i32) {
    if let Some(slot) = frame.get_mut(FRAME_PREFIX_LEN..FRAME_PREFIX_LEN + 4) {
        slot.copy_from_slice(&xid.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{
        Acl, ConnectRequest, CreateRequest, PathWatchRequest, ReplyHeader, PING_XID,
    };

    fn encode<T: Encode + ?Sized>(value: &T) -> Vec<u8> {
        let mut buf = Vec::new();
        value.encode(&mut buf);
        buf
    }

    #[test]
    fn a_short_prefix_needs_the_rest_of_the_prefix() {
        for (have, needed) in [(0, 4), (1, 3), (2, 2), (3, 1)] {
            let buf = [0u8, 0, 0, 9];
            assert_eq!(
                split_frame(&buf[..have], 100),
                Ok(Split::NeedMore { needed }),
                "{have} bytes"
            );
        }
    }

    #[test]
    fn a_partial_frame_needs_exactly_its_missing_bytes() {
        let mut buf = vec![0, 0, 0, 5];
        assert_eq!(split_frame(&buf, 5), Ok(Split::NeedMore { needed: 5 }));
        buf.extend_from_slice(b"abc");
        assert_eq!(split_frame(&buf, 5), Ok(Split::NeedMore { needed: 2 }));
        buf.extend_from_slice(b"de");
        assert_eq!(
            split_frame(&buf, 5),
            Ok(Split::Frame {
                len: 5,
                consumed: 9
            })
        );
    }

    #[test]
    fn the_first_frame_is_split_off_and_the_next_one_follows() {
        let mut buf = encode_frame(&7i32);
        buf.extend_from_slice(&encode_frame(&()));
        buf.extend_from_slice(&[0, 0, 0, 2, b'x']);
        assert_eq!(
            split_frame(&buf, 16),
            Ok(Split::Frame {
                len: 4,
                consumed: 8
            })
        );
        assert_eq!(&buf[FRAME_PREFIX_LEN..8], &[0, 0, 0, 7]);
        let buf = &buf[8..];
        assert_eq!(
            split_frame(buf, 16),
            Ok(Split::Frame {
                len: 0,
                consumed: 4
            })
        );
        assert_eq!(
            split_frame(&buf[4..], 16),
            Ok(Split::NeedMore { needed: 1 })
        );
    }

    #[test]
    fn oversize_is_reported_from_the_prefix_alone() {
        let huge = i32::MAX.to_be_bytes();
        assert_eq!(
            split_frame(&huge, 1 << 20),
            Ok(Split::Oversize {
                declared: i32::MAX as usize
            })
        );
        let mut buf = 11i32.to_be_bytes().to_vec();
        assert_eq!(split_frame(&buf, 10), Ok(Split::Oversize { declared: 11 }));
        buf.extend_from_slice(&[0; 11]);
        assert_eq!(
            split_frame(&buf, 10),
            Ok(Split::Oversize { declared: 11 }),
            "still oversize when the whole frame is there"
        );
        assert_eq!(
            split_frame(&buf, 11),
            Ok(Split::Frame {
                len: 11,
                consumed: 15
            }),
            "the limit itself is allowed"
        );
        assert_eq!(
            split_frame(&[0, 0, 0, 1], 0),
            Ok(Split::Oversize { declared: 1 })
        );
        assert_eq!(
            split_frame(&[0, 0, 0, 0], 0),
            Ok(Split::Frame {
                len: 0,
                consumed: 4
            })
        );
    }

    #[test]
    fn a_negative_length_is_an_error() {
        for declared in [-1i32, -2, i32::MIN] {
            assert_eq!(
                split_frame(&declared.to_be_bytes(), usize::MAX),
                Err(DecodeError::InvalidLength(declared.into()))
            );
        }
    }

    #[test]
    fn a_stream_fed_in_any_chunks_splits_into_the_same_frames() {
        let frames: Vec<Vec<u8>> = vec![
            encode_frame(&ReplyHeader {
                xid: 1,
                zxid: 2,
                err: 0,
            }),
            encode_frame(&()),
            encode_frame(&"a path".to_string()),
            encode_frame(&vec![9u8; 300]),
        ];
        let stream = frames.concat();
        for chunk in [1, 2, 3, 5, 64, stream.len()] {
            let (mut buffered, mut got) = (Vec::new(), Vec::new());
            for piece in stream.chunks(chunk) {
                buffered.extend_from_slice(piece);
                while let Ok(Split::Frame { consumed, .. }) = split_frame(&buffered, 1024) {
                    got.push(buffered.drain(..consumed).collect::<Vec<u8>>());
                }
            }
            assert_eq!(got, frames, "chunks of {chunk}");
            assert!(buffered.is_empty());
        }
    }

    #[test]
    fn request_frames() {
        let exists = PathWatchRequest {
            path: "/a",
            watch: true,
        };
        let frame = encode_request(7, OpCode::Exists, &exists);
        // length 4+4 + (4+2) + 1 = 15
        assert_eq!(
            frame,
            [0, 0, 0, 15, 0, 0, 0, 7, 0, 0, 0, 3, 0, 0, 0, 2, b'/', b'a', 1]
        );
        assert_eq!(
            split_frame(&frame, 15),
            Ok(Split::Frame {
                len: 15,
                consumed: 19
            })
        );
        let mut frame = frame;
        patch_xid(&mut frame, 0x0a0b_0c0d);
        assert_eq!(
            &frame[..12],
            &[0, 0, 0, 15, 0x0a, 0x0b, 0x0c, 0x0d, 0, 0, 0, 3]
        );
        let mut tiny = [1, 2, 3];
        patch_xid(&mut tiny, 5);
        assert_eq!(tiny, [1, 2, 3]);

        let ping = encode_empty_request(PING_XID, OpCode::Ping);
        assert_eq!(ping, [0, 0, 0, 8, 255, 255, 255, 254, 0, 0, 0, 11]);
        let close = encode_empty_request(3, OpCode::CloseSession);
        assert_eq!(close, [0, 0, 0, 8, 0, 0, 0, 3, 255, 255, 255, 245]);

        assert_eq!(encode_frame(&42i32), [0, 0, 0, 4, 0, 0, 0, 42]);
        assert_eq!(encode_frame(&()), [0, 0, 0, 0]);
    }

    #[test]
    fn request_frame_length_and_xid() {
        let acl = Acl::open_unsafe();
        let request = CreateRequest {
            path: "/a",
            data: b"x",
            acl: &acl,
            flags: 1,
        };
        let body = encode(&request);
        let mut frame = encode_request(0, OpCode::Create, &request);
        let len = (8 + body.len()) as u8;
        assert_eq!(&frame[..12], &[0, 0, 0, len, 0, 0, 0, 0, 0, 0, 0, 1]);
        assert_eq!(&frame[12..], body);
        patch_xid(&mut frame, 0x7fff_fffe);
        assert_eq!(
            &frame[..12],
            &[0, 0, 0, len, 0x7f, 0xff, 0xff, 0xfe, 0, 0, 0, 1]
        );
        assert_eq!(&frame[12..], body);
    }

    #[test]
    fn the_handshake_is_a_frame_too() {
        let request = ConnectRequest {
            protocol_version: 0,
            last_zxid_seen: 0,
            timeout: 10_000,
            session_id: 0,
            passwd: vec![0; 16],
            read_only: false,
        };
        let frame = encode_frame(&request);
        assert_eq!(&frame[..4], &[0, 0, 0, 45]);
        assert_eq!(&frame[4..], &encode(&request)[..]);
    }
}
