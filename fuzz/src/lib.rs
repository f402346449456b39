//! The fuzz targets of `zkclient::proto`, and the seeds of their corpus.
//!
//! - [`frame`]: the frame splitter on an arbitrary byte stream, whole and fed in chunks, with
//!   each frame then decoded as the session does (a ConnectResponse first, then a ReplyHeader
//!   and a notification or a reply body).
//! - [`reply`]: every reply decoder, chosen by the first byte (see [`DECODERS`]).
//!
//! Both assert more than "no panic": the splitter's answers are checked against its contract,
//! and whatever decodes must re-encode to the same value. While a target runs, every single
//! allocation is bounded by a multiple of the input's length, and so is their sum: a decoder
//! that trusted a count from the input to size a buffer aborts the run (libFuzzer then keeps the
//! input as a crash).

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Debug;
use std::sync::atomic::{AtomicUsize, Ordering};

use zkclient::proto::{
    decode_all, decode_prefix, split_frame, Acl, ClientInfo, ConnectRequest, ConnectResponse,
    Create2Response, CreateResponse, Decode, DecodeError, Encode, ErrorResponse, EventType,
    GetAclResponse, GetAllChildrenNumberResponse, GetChildren2Response, GetChildrenResponse,
    GetDataResponse, GetEphemeralsResponse, Id, KeeperState, MultiHeader, MultiResponse,
    MultiResult, PathResponse, ReplyHeader, RequestHeader, SaslToken, Split, Stat, StatResponse,
    WatcherEvent, WhoAmIResponse, FRAME_PREFIX_LEN, NOTIFICATION_XID,
};

/// An allocation may take this many bytes per input byte...
const ALLOWED_PER_BYTE: usize = 32;
/// ...plus this many (panic messages, small fixed buffers).
const ALLOWED_BASE: usize = 16 << 10;
/// All allocations of one run together may take this many bytes per input byte (plus the base).
const ALLOWED_TOTAL_PER_BYTE: usize = 256;

/// The largest single allocation allowed now; `usize::MAX` outside a run.
static LIMIT: AtomicUsize = AtomicUsize::new(usize::MAX);
/// What the allocations of the current run may still take in all.
static BUDGET: AtomicUsize = AtomicUsize::new(usize::MAX);

/// The system allocator, with the bounds of the current run checked first.
struct Bounded;

fn check(size: usize) {
    let limit = LIMIT.load(Ordering::Relaxed);
    let budget = BUDGET.load(Ordering::Relaxed);
    if size > limit || size > budget {
        // Lift the bounds so that the report itself can allocate.
        LIMIT.store(usize::MAX, Ordering::Relaxed);
        BUDGET.store(usize::MAX, Ordering::Relaxed);
        eprintln!(
            "unbounded allocation: {size} bytes (bound per allocation {limit}, left for this \
             input {budget})"
        );
        std::process::abort();
    }
    if budget != usize::MAX {
        BUDGET.store(budget - size, Ordering::Relaxed);
    }
}

// SAFETY: every call goes to the system allocator with its arguments unchanged; `check` only
// looks at the size (and aborts before allocating when it is over the bound).
unsafe impl GlobalAlloc for Bounded {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        check(layout.size());
        // SAFETY: the caller's contract for `alloc` is passed on as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        check(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` through this allocator, with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        check(new_size);
        // SAFETY: as for `dealloc`; `new_size` is the caller's, passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Bounded = Bounded;

/// Runs `f` with allocations bounded by the length of the input it works on.
fn bounded<R>(input_len: usize, f: impl FnOnce() -> R) -> R {
    struct Lift;
    impl Drop for Lift {
        fn drop(&mut self) {
            LIMIT.store(usize::MAX, Ordering::Relaxed);
            BUDGET.store(usize::MAX, Ordering::Relaxed);
        }
    }
    let bound = |per_byte: usize| {
        input_len
            .saturating_mul(per_byte)
            .saturating_add(ALLOWED_BASE)
    };
    BUDGET.store(bound(ALLOWED_TOTAL_PER_BYTE), Ordering::Relaxed);
    LIMIT.store(bound(ALLOWED_PER_BYTE), Ordering::Relaxed);
    let _lift = Lift;
    f()
}

/// Decodes `bytes` as a `T` whole and as a prefix, and checks that the two agree and that what
/// decodes survives a round trip through the encoder.
fn round_trip<T: Decode + Encode + PartialEq + Debug>(bytes: &[u8]) {
    let whole = decode_all::<T>(bytes);
    match decode_prefix::<T>(bytes) {
        Ok((value, rest)) => {
            let used = bytes.len() - rest.len();
            assert!(
                used >= T::MIN_ENCODED_LEN,
                "{used} bytes decoded, below MIN_ENCODED_LEN"
            );
            match &whole {
                Ok(all) => assert!(rest.is_empty() && *all == value, "{whole:?} vs {value:?}"),
                Err(e) => assert_eq!(*e, DecodeError::TrailingBytes(rest.len())),
            }
            let mut again = Vec::new();
            value.encode(&mut again);
            assert_eq!(
                decode_all::<T>(&again).as_ref(),
                Ok(&value),
                "the encoder does not give back what was decoded"
            );
        }
        Err(e) => assert_eq!(whole, Err(e)),
    }
}

/// Decodes and checks one input (a [`round_trip`] of one record type).
pub type Check = fn(&[u8]);

/// The reply decoders [`reply`] chooses from by its first byte (modulo their number).
pub const DECODERS: &[(&str, Check)] = &[
    ("connect_response", round_trip::<ConnectResponse>),
    ("reply_header", round_trip::<ReplyHeader>),
    ("watcher_event", round_trip::<WatcherEvent>),
    ("create_response", round_trip::<CreateResponse>),
    ("create2_response", round_trip::<Create2Response>),
    ("stat_response", round_trip::<StatResponse>),
    ("get_data_response", round_trip::<GetDataResponse>),
    ("get_children_response", round_trip::<GetChildrenResponse>),
    ("get_children2_response", round_trip::<GetChildren2Response>),
    ("get_acl_response", round_trip::<GetAclResponse>),
    ("path_response", round_trip::<PathResponse>),
    (
        "get_ephemerals_response",
        round_trip::<GetEphemeralsResponse>,
    ),
    (
        "get_all_children_number_response",
        round_trip::<GetAllChildrenNumberResponse>,
    ),
    ("who_am_i_response", round_trip::<WhoAmIResponse>),
    ("multi_header", round_trip::<MultiHeader>),
    ("multi_response", round_trip::<MultiResponse>),
    ("error_response", round_trip::<ErrorResponse>),
    ("stat", round_trip::<Stat>),
    ("acl", round_trip::<Acl>),
    ("id", round_trip::<Id>),
    ("client_info", round_trip::<ClientInfo>),
    // What a server decodes, cheap to include.
    ("connect_request", round_trip::<ConnectRequest>),
    ("request_header", round_trip::<RequestHeader>),
    // The token of a SASL reply (the session's SASL exchange decodes it).
    ("sasl_token", round_trip::<SaslToken>),
];

/// The `reply` target: the first byte picks a decoder, the rest is its input.
pub fn reply(data: &[u8]) {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let (_, check) = DECODERS[usize::from(selector) % DECODERS.len()];
    bounded(data.len(), || check(bytes));
}

/// The payload limits [`frame`] chooses from by its first byte: none, less than a reply
/// header, a reply header, a handshake, a small and the session's default-sized frame.
const MAX_LENS: [usize; 6] = [0, 15, 16, 45, 4096, 3 << 19];

/// How a stream ended, after its last whole frame.
#[derive(Debug, PartialEq, Eq)]
enum End {
    /// A partial frame of this many bytes is left.
    NeedMore(usize),
    /// A frame declared this many bytes, over the limit.
    Oversize(usize),
    /// A negative length.
    Invalid,
}

/// Splits `stream`, fed `chunk` bytes at a time, into frames (their offsets and lengths in
/// `stream`), checking each answer of the splitter against its contract.
fn split_stream(stream: &[u8], chunk: usize, max_len: usize) -> (Vec<(usize, usize)>, End) {
    let mut frames = Vec::new();
    let mut start = 0; // where `stream[start..fed]` is what is buffered
    for fed in (chunk..stream.len() + chunk).step_by(chunk) {
        let fed = fed.min(stream.len());
        loop {
            let buffered = &stream[start..fed];
            match split_frame(buffered, max_len) {
                Ok(Split::Frame { len, consumed }) => {
                    assert_eq!(consumed, FRAME_PREFIX_LEN + len);
                    assert!(consumed <= buffered.len() && len <= max_len);
                    assert_eq!(buffered[..4], (len as i32).to_be_bytes());
                    frames.push((start + FRAME_PREFIX_LEN, len));
                    start += consumed;
                }
                Ok(Split::NeedMore { needed }) => {
                    assert!(needed > 0);
                    assert!(
                        buffered.len() + needed <= FRAME_PREFIX_LEN + max_len,
                        "buffering toward more than the limit"
                    );
                    if fed == stream.len() {
                        return (frames, End::NeedMore(buffered.len()));
                    }
                    break;
                }
                Ok(Split::Oversize { declared }) => {
                    assert!(declared > max_len && buffered.len() >= FRAME_PREFIX_LEN);
                    assert_eq!(buffered[..4], (declared as i32).to_be_bytes());
                    return (frames, End::Oversize(declared));
                }
                Err(e) => {
                    let prefix = buffered.first_chunk::<4>().map(|p| i32::from_be_bytes(*p));
                    assert!(prefix.is_some_and(|declared| declared < 0), "{e}");
                    return (frames, End::Invalid);
                }
            }
        }
    }
    (frames, End::NeedMore(0))
}

/// Decodes a frame's payload as the session does: the handshake reply first, then a reply
/// header followed by a notification or (chosen by the xid) a reply body.
fn decode_payload(first: bool, payload: &[u8]) {
    if first {
        round_trip::<ConnectResponse>(payload);
        return;
    }
    let Ok((header, body)) = decode_prefix::<ReplyHeader>(payload) else {
        return;
    };
    if header.xid == NOTIFICATION_XID {
        if let Ok(event) = decode_all::<WatcherEvent>(body) {
            let _ = (
                EventType::from_i32(event.event_type),
                KeeperState::from_i32(event.state),
            );
        }
    } else if header.err == 0 {
        let index = header.xid.unsigned_abs() as usize % DECODERS.len();
        (DECODERS[index].1)(body);
    }
}

/// The `frame` target: the first byte picks the limit, the second the size of the chunks the
/// rest (the stream) is fed in.
pub fn frame(data: &[u8]) {
    let [limit, chunk, stream @ ..] = data else {
        return;
    };
    let max_len = MAX_LENS[usize::from(*limit) % MAX_LENS.len()];
    let chunk = usize::from(*chunk).max(1);
    bounded(data.len(), || {
        let whole = split_stream(stream, stream.len().max(1), max_len);
        let chunked = split_stream(stream, chunk, max_len);
        assert_eq!(whole, chunked, "fed in chunks of {chunk}");
        for (i, &(at, len)) in whole.0.iter().enumerate() {
            decode_payload(i == 0, &stream[at..at + len]);
        }
    });
}

fn encode<T: Encode + ?Sized>(value: &T) -> Vec<u8> {
    let mut buf = Vec::new();
    value.encode(&mut buf);
    buf
}

fn stat(seed: i64) -> Stat {
    Stat {
        czxid: seed,
        mzxid: seed + 1,
        ctime: 1_700_000_000_000 + seed,
        mtime: 1_700_000_000_001 + seed,
        version: 3,
        cversion: 2,
        aversion: 0,
        ephemeral_owner: 0x0100_0000_0000_0002,
        data_length: 5,
        num_children: 2,
        pzxid: seed + 2,
    }
}

fn digest_acl() -> Acl {
    Acl {
        perms: 31,
        id: Id {
            scheme: "digest".into(),
            id: "user:tpUq/4Pn5A64fVZyQ0gOJ8ZWqkY=".into(),
        },
    }
}

fn connect_response() -> ConnectResponse {
    ConnectResponse {
        protocol_version: 0,
        timeout: 10_000,
        session_id: 0x0100_0000_0000_0002,
        passwd: (1..=16).collect(),
        read_only: false,
    }
}

fn multi_response() -> MultiResponse {
    MultiResponse {
        results: vec![
            MultiResult::Create { path: "/a".into() },
            MultiResult::Create2 {
                path: "/b0000000001".into(),
                stat: stat(7),
            },
            MultiResult::Delete,
            MultiResult::SetData { stat: stat(8) },
            MultiResult::Check,
            MultiResult::GetData {
                data: b"value".to_vec(),
                stat: stat(9),
            },
            MultiResult::GetChildren {
                children: vec!["x".into(), "y".into()],
            },
            MultiResult::Error { err: -101 },
        ],
    }
}

/// Real encodings of each decoder's record (made with the library's encoders).
fn samples(name: &str) -> Vec<Vec<u8>> {
    let children = vec!["lock-0000000001".to_string(), "lock-0000000002".into()];
    match name {
        "connect_response" => {
            let full = encode(&connect_response());
            // Old servers omit the read-only flag.
            vec![full[..full.len() - 1].to_vec(), full]
        }
        "reply_header" => vec![
            encode(&ReplyHeader {
                xid: 1,
                zxid: 0x1_0000_0005,
                err: 0,
            }),
            encode(&ReplyHeader {
                xid: -1,
                zxid: -1,
                err: 0,
            }),
        ],
        "watcher_event" => vec![encode(&WatcherEvent {
            event_type: 3,
            state: 3,
            path: "/app/config".into(),
        })],
        "create_response" => vec![encode(&CreateResponse {
            path: "/q/entry-0000000012".into(),
        })],
        "create2_response" => vec![encode(&Create2Response {
            path: "/a".into(),
            stat: stat(1),
        })],
        "stat_response" => vec![encode(&StatResponse { stat: stat(2) })],
        "get_data_response" => vec![
            encode(&GetDataResponse {
                data: b"hello".to_vec(),
                stat: stat(3),
            }),
            // Null data.
            [&(-1i32).to_be_bytes()[..], &encode(&stat(3))].concat(),
        ],
        "get_children_response" => vec![encode(&GetChildrenResponse {
            children: children.clone(),
        })],
        "get_children2_response" => vec![encode(&GetChildren2Response {
            children,
            stat: stat(4),
        })],
        "get_acl_response" => vec![encode(&GetAclResponse {
            acl: vec![digest_acl(), Acl::open_unsafe().remove(0)],
            stat: stat(5),
        })],
        "path_response" => vec![encode(&PathResponse { path: "/".into() })],
        "get_ephemerals_response" => vec![encode(&GetEphemeralsResponse {
            ephemerals: vec!["/e1".into(), "/app/e2".into()],
        })],
        "get_all_children_number_response" => {
            vec![encode(&GetAllChildrenNumberResponse { total_number: 12 })]
        }
        "who_am_i_response" => vec![encode(&WhoAmIResponse {
            client_info: vec![
                ClientInfo {
                    auth_scheme: "ip".into(),
                    user: "127.0.0.1".into(),
                },
                ClientInfo {
                    auth_scheme: "digest".into(),
                    user: "user".into(),
                },
            ],
        })],
        "multi_header" => vec![encode(&MultiHeader {
            op_type: 1,
            done: false,
            err: 0,
        })],
        "multi_response" => vec![
            encode(&multi_response()),
            encode(&MultiResponse {
                results: vec![
                    MultiResult::Error { err: 0 },
                    MultiResult::Error { err: -110 },
                    MultiResult::Error { err: -2 },
                ],
            }),
        ],
        "error_response" => vec![encode(&ErrorResponse { err: -101 })],
        "stat" => vec![encode(&stat(6))],
        "acl" => vec![encode(&digest_acl())],
        "id" => vec![encode(&digest_acl().id)],
        "sasl_token" => vec![
            encode(&SaslToken {
                token: b"realm=\"zk-sasl-md5\",nonce=\"abc\",qop=\"auth\",charset=utf-8,algorithm=md5-sess".to_vec(),
            }),
            encode(&SaslToken { token: Vec::new() }),
        ],
        "client_info" => vec![encode(&ClientInfo {
            auth_scheme: "sasl".into(),
            user: "zk@EXAMPLE.COM".into(),
        })],
        "connect_request" => vec![encode(&ConnectRequest {
            protocol_version: 0,
            last_zxid_seen: 0x1_0000_0005,
            timeout: 30_000,
            session_id: 0,
            passwd: vec![0; 16],
            read_only: true,
        })],
        "request_header" => vec![encode(&RequestHeader { xid: 7, op: 4 })],
        _ => Vec::new(),
    }
}

/// A reply's payload: the header, then `body`.
fn reply_payload(xid: i32, zxid: i64, err: i32, body: &[u8]) -> Vec<u8> {
    let mut payload = encode(&ReplyHeader { xid, zxid, err });
    payload.extend_from_slice(body);
    payload
}

/// The seed corpus: `(target, file name, bytes)` for each seed.
pub fn seeds() -> Vec<(&'static str, String, Vec<u8>)> {
    let mut out = Vec::new();
    for (index, (name, _)) in DECODERS.iter().enumerate() {
        for (n, sample) in samples(name).into_iter().enumerate() {
            let selector = u8::try_from(index).unwrap_or(u8::MAX);
            out.push((
                "reply",
                format!("{name}-{n}"),
                [&[selector], &sample[..]].concat(),
            ));
        }
    }

    // A connection's worth of frames: the handshake reply, a reply, a notification, a ping
    // reply, a multi reply and an error reply.
    let frame = |payload: &[u8]| {
        let mut framed = (payload.len() as i32).to_be_bytes().to_vec();
        framed.extend_from_slice(payload);
        framed
    };
    let notification = encode(&WatcherEvent {
        event_type: 4,
        state: 3,
        path: "/app".into(),
    });
    let selector = |name: &str| {
        DECODERS
            .iter()
            .position(|(n, _)| *n == name)
            .and_then(|i| i32::try_from(i).ok())
            .unwrap_or(0)
    };
    let stream = [
        frame(&encode(&connect_response())),
        frame(&reply_payload(
            selector("get_data_response"),
            5,
            0,
            &samples("get_data_response")[0],
        )),
        frame(&reply_payload(NOTIFICATION_XID, -1, 0, &notification)),
        frame(&reply_payload(-2, 5, 0, &[])),
        frame(&reply_payload(
            selector("multi_response"),
            6,
            0,
            &encode(&multi_response()),
        )),
        frame(&reply_payload(selector("stat_response"), 6, -101, &[])),
    ]
    .concat();
    // Limit 4096; whole, in chunks of 1 and of 7.
    for (name, chunk) in [
        ("connection", 0u8),
        ("connection-bytewise", 1),
        ("connection-7", 7),
    ] {
        out.push(("frame", name.into(), [&[4u8, chunk][..], &stream].concat()));
    }
    // The same stream under a limit below a reply header, an oversize frame, a negative
    // length, and a partial frame.
    out.push((
        "frame",
        "limit-15".into(),
        [&[1u8, 3][..], &stream].concat(),
    ));
    let oversize = [&[4u8, 0][..], &(1i32 << 20).to_be_bytes(), &[0; 16]].concat();
    out.push(("frame", "oversize".into(), oversize));
    out.push((
        "frame",
        "negative".into(),
        vec![4, 0, 0xff, 0xff, 0xff, 0xfe],
    ));
    out.push((
        "frame",
        "partial".into(),
        [&[4u8, 2][..], &stream[..30]].concat(),
    ));
    out
}
