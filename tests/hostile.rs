//! A client facing a server that misbehaves: bounded reconnects, one SUSPENDED, and every
//! request ending by its deadline whatever the server sends. A fake server is only for what a
//! real one cannot do; it lives here, the only place that needs it.

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::channel;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::StateRecorder;
use zkclient::{Client, ClientOptions, Error, ErrorCode, KeeperState, State, Wait};

/// The window over which reconnects are counted.
const WINDOW: Duration = Duration::from_secs(5);
/// At most this many connections in [`WINDOW`] (a few per second).
const MAX_CONNECTIONS: u64 = 15;

/// What the fake server does with one connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Behaviour {
    /// Answers the handshake, pings, auth, SetWatches and closeSession; every other request
    /// gets NO_NODE. Closes the connection after its first such answer when `close_after`.
    Good { close_after: bool },
    /// Answers the handshake with timeOut 0.
    TimeoutZero,
    /// Answers the handshake with session id 0.
    SessionIdZero,
    /// Answers the handshake, then closes the connection.
    CloseAfterHandshake,
    /// Answers the handshake and pings, never a request.
    PingsOnly,
    /// Answers the handshake and one ping, then closes the connection.
    OnePingThenClose,
    /// Answers the handshake and pings; the first request gets a frame length of 2^31-1,
    /// then a byte every 250 ms.
    HugeFrame,
}

/// A fake ZooKeeper on 127.0.0.1: the first connection behaves as `first`, every later one
/// as `later`. Counts the connections it accepted.
struct FakeServer {
    port: u16,
    connections: Arc<AtomicU64>,
}

impl FakeServer {
    fn start(first: Behaviour, later: Behaviour) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a port");
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicU64::new(0));
        let counter = connections.clone();
        std::thread::spawn(move || {
            for incoming in listener.incoming() {
                let Ok(stream) = incoming else { continue };
                let n = counter.fetch_add(1, Ordering::SeqCst);
                let behaviour = if n == 0 { first } else { later };
                std::thread::spawn(move || serve(stream, behaviour, 0x5e55_0000 + n as i64));
            }
        });
        FakeServer { port, connections }
    }

    fn hosts(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn connections(&self) -> u64 {
        self.connections.load(Ordering::SeqCst)
    }
}

/// One frame's payload, refusing lengths a client never sends.
fn read_frame(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut length = [0u8; 4];
    stream.read_exact(&mut length).ok()?;
    let length = usize::try_from(i32::from_be_bytes(length)).ok()?;
    if length > 4 << 20 {
        return None;
    }
    let mut payload = vec![0u8; length];
    stream.read_exact(&mut payload).ok()?;
    Some(payload)
}

fn be_i32(bytes: &[u8], at: usize) -> i32 {
    i32::from_be_bytes(bytes[at..at + 4].try_into().unwrap())
}

fn be_i64(bytes: &[u8], at: usize) -> i64 {
    i64::from_be_bytes(bytes[at..at + 8].try_into().unwrap())
}

fn framed(payload: &[u8]) -> Vec<u8> {
    let mut frame = (payload.len() as i32).to_be_bytes().to_vec();
    frame.extend_from_slice(payload);
    frame
}

/// ConnectResponse {protocolVersion; timeOut; sessionId; passwd; readOnly}.
fn connect_response(timeout: i32, session_id: i64) -> Vec<u8> {
    let mut payload = Vec::new();
    payload.extend_from_slice(&0i32.to_be_bytes());
    payload.extend_from_slice(&timeout.to_be_bytes());
    payload.extend_from_slice(&session_id.to_be_bytes());
    payload.extend_from_slice(&16i32.to_be_bytes());
    payload.extend_from_slice(&[7u8; 16]);
    payload.push(0);
    framed(&payload)
}

/// ReplyHeader {xid; zxid; err}, no body.
fn reply_header(xid: i32, err: i32) -> Vec<u8> {
    let mut payload = Vec::new();
    payload.extend_from_slice(&xid.to_be_bytes());
    payload.extend_from_slice(&1i64.to_be_bytes());
    payload.extend_from_slice(&err.to_be_bytes());
    framed(&payload)
}

fn serve(mut stream: TcpStream, behaviour: Behaviour, new_session: i64) {
    // ConnectRequest {protocolVersion; lastZxidSeen; timeOut; sessionId; passwd; readOnly}.
    let Some(request) = read_frame(&mut stream) else {
        return;
    };
    if request.len() < 24 {
        return;
    }
    let (timeout, asked) = (be_i32(&request, 12), be_i64(&request, 16));
    let session = if asked != 0 { asked } else { new_session };
    let response = match behaviour {
        Behaviour::TimeoutZero => connect_response(0, session),
        Behaviour::SessionIdZero => connect_response(timeout, 0),
        _ => connect_response(timeout, session),
    };
    if stream.write_all(&response).is_err() {
        return;
    }
    if behaviour == Behaviour::CloseAfterHandshake {
        let _ = stream.shutdown(Shutdown::Both);
        return;
    }
    while let Some(request) = read_frame(&mut stream) {
        if request.len() < 8 {
            return;
        }
        let (xid, op) = (be_i32(&request, 0), be_i32(&request, 4));
        let answer = match (op, behaviour) {
            (_, Behaviour::TimeoutZero | Behaviour::SessionIdZero) => None,
            (11, Behaviour::OnePingThenClose) => {
                let _ = stream.write_all(&reply_header(-2, 0));
                let _ = stream.shutdown(Shutdown::Both);
                return;
            }
            (11, _) => Some(reply_header(-2, 0)),        // ping
            (100, _) => Some(reply_header(-4, 0)),       // auth
            (101 | 105, _) => Some(reply_header(-8, 0)), // SetWatches
            (-11, _) => {
                let _ = stream.write_all(&reply_header(xid, 0));
                return;
            }
            (_, Behaviour::Good { .. }) => Some(reply_header(xid, -101)), // NO_NODE
            (_, Behaviour::HugeFrame) => {
                if stream.write_all(&i32::MAX.to_be_bytes()).is_err() {
                    return;
                }
                // Until the client gives up the connection.
                while stream.write_all(&[0]).is_ok() {
                    std::thread::sleep(Duration::from_millis(250));
                }
                return;
            }
            _ => None,
        };
        if let Some(answer) = answer {
            if stream.write_all(&answer).is_err() {
                return;
            }
            if behaviour == (Behaviour::Good { close_after: true }) && xid > 0 {
                let _ = stream.shutdown(Shutdown::Both);
                return;
            }
        }
    }
}

/// CPU seconds this process has used (user + system), from /proc/self/stat.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    // The fields after the command name (which ends with the last ')').
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0 // USER_HZ
}

/// Runs `call` on a thread; panics when it has not returned within `limit` (a hang).
fn within<T: Send + 'static>(
    limit: Duration,
    what: &str,
    call: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let _ = tx.send(call());
    });
    rx.recv_timeout(limit)
        .unwrap_or_else(|_| panic!("{what} did not return within {limit:?}"))
}

fn client(hosts: &str, session_timeout: Duration) -> Client {
    Client::new(
        hosts,
        ClientOptions {
            session_timeout,
            ..ClientOptions::default()
        },
    )
    .unwrap()
}

/// Against a server that misbehaves on every connection, start() gets no session, the
/// client makes a few connections a second, and its listeners hear nothing.
fn never_a_session(behaviour: Behaviour) {
    let server = FakeServer::start(behaviour, behaviour);
    let zk = client(&server.hosts(), Duration::from_secs(30));
    let mut states = StateRecorder::attach(&zk);
    let cpu = cpu_seconds();
    let started = Instant::now();
    let result = within(WINDOW * 3, "start", {
        let zk = zk.clone();
        move || zk.start(WINDOW)
    });
    let (connections, elapsed) = (server.connections(), started.elapsed().as_secs_f64());
    eprintln!(
        "{behaviour:?}: {connections} connections in {elapsed:.1} s ({:.1}/s), {:.3} CPU-s/s",
        connections as f64 / elapsed,
        (cpu_seconds() - cpu) / elapsed
    );
    assert!(matches!(result, Err(Error::Timeout(_))), "{result:?}");
    assert!(
        connections <= MAX_CONNECTIONS,
        "{behaviour:?}: {connections} connections in {WINDOW:?}"
    );
    zk.stop().unwrap();
    states.drain();
    assert!(
        states
            .seen
            .iter()
            .all(|(state, _)| *state != State::Connected && *state != State::Suspended),
        "{behaviour:?}: the listener heard {:?}",
        states.seen
    );
}

#[test]
fn a_handshake_with_timeout_zero_is_a_failed_attempt() {
    never_a_session(Behaviour::TimeoutZero);
}

#[test]
fn a_handshake_with_session_id_zero_is_a_failed_attempt() {
    never_a_session(Behaviour::SessionIdZero);
}

#[test]
fn a_server_that_closes_after_the_handshake_is_backed_off() {
    never_a_session(Behaviour::CloseAfterHandshake);
}

/// A session whose server then misbehaves on every reconnection: a few connections a second,
/// and the listener hears one SUSPENDED (and LOST when the server says the session expired).
fn one_suspended(later: Behaviour) {
    let server = FakeServer::start(Behaviour::Good { close_after: true }, later);
    let zk = client(&server.hosts(), Duration::from_secs(30));
    let mut states = StateRecorder::attach(&zk);
    zk.start(common::EVENT_TIMEOUT).unwrap();
    let cpu = cpu_seconds();
    // Answered, then the server closes the connection.
    let answer = zk.get("/x").wait().unwrap_err();
    assert!(answer.is(ErrorCode::NO_NODE), "{answer:?}");
    states.wait_for(KeeperState::Disconnected, common::EVENT_TIMEOUT);
    let after = server.connections();
    std::thread::sleep(WINDOW); // the measurement window, not a synchronisation
    let connections = server.connections() - after;
    eprintln!(
        "{later:?} after a session: {connections} connections in {WINDOW:?}, {:.3} CPU-s/s",
        (cpu_seconds() - cpu) / WINDOW.as_secs_f64()
    );
    assert!(
        connections <= MAX_CONNECTIONS,
        "{later:?}: {connections} connections in {WINDOW:?}"
    );
    states.drain();
    let suspended = states
        .seen
        .iter()
        .filter(|(state, _)| *state == State::Suspended)
        .count();
    let connected = states
        .seen
        .iter()
        .filter(|(state, _)| *state == State::Connected)
        .count();
    assert_eq!(
        (connected, suspended),
        (1, 1),
        "{later:?}: {:?}",
        states.seen
    );
    assert!(states.seen.len() <= 3, "{later:?}: {:?}", states.seen);
    zk.stop().unwrap();
}

#[test]
fn reconnections_answered_with_timeout_zero_give_one_suspended() {
    one_suspended(Behaviour::TimeoutZero);
}

#[test]
fn reconnections_answered_with_session_id_zero_give_one_suspended() {
    one_suspended(Behaviour::SessionIdZero);
}

#[test]
fn reconnections_closed_after_the_handshake_give_one_suspended() {
    one_suspended(Behaviour::CloseAfterHandshake);
}

#[test]
fn a_server_that_answers_one_ping_then_closes_is_backed_off() {
    let server = FakeServer::start(Behaviour::OnePingThenClose, Behaviour::OnePingThenClose);
    let zk = client(&server.hosts(), Duration::from_secs(30));
    let mut states = StateRecorder::attach(&zk);
    zk.start(common::EVENT_TIMEOUT).unwrap();
    let (cpu, after) = (cpu_seconds(), server.connections());
    std::thread::sleep(WINDOW); // the measurement window, not a synchronisation
    let connections = server.connections() - after;
    eprintln!(
        "one ping then close: {connections} connections in {WINDOW:?}, {:.3} CPU-s/s",
        (cpu_seconds() - cpu) / WINDOW.as_secs_f64()
    );
    assert!(
        connections <= MAX_CONNECTIONS,
        "{connections} connections in {WINDOW:?}"
    );
    zk.stop().unwrap();
    states.drain();
    // Each connection answered, so each is announced; but only a few a second.
    assert!(
        states.seen.len() as u64 <= 2 * (MAX_CONNECTIONS + 2),
        "{:?}",
        states.seen
    );
}

#[test]
fn a_request_the_server_never_answers_ends_with_connection_loss_by_its_deadline() {
    let server = FakeServer::start(Behaviour::PingsOnly, Behaviour::PingsOnly);
    let timeout = Duration::from_secs(3);
    let zk = client(&server.hosts(), timeout);
    zk.start(common::EVENT_TIMEOUT).unwrap();
    for call in ["the first get", "the next get"] {
        let started = Instant::now();
        let result = within(common::EVENT_TIMEOUT, call, {
            let zk = zk.clone();
            move || zk.get("/x").wait()
        });
        let elapsed = started.elapsed();
        eprintln!("pings only: {call} ended in {elapsed:?} with {result:?}");
        let error = result.unwrap_err();
        assert!(error.is(ErrorCode::CONNECTION_LOSS), "{call}: {error:?}");
        assert!(elapsed < timeout, "{call} took {elapsed:?}");
    }
    assert!(server.connections() <= 3, "{}", server.connections());
    zk.stop().unwrap();
}

#[test]
fn an_oversize_frame_length_fails_the_request_at_once_and_does_not_block_the_next() {
    let server = FakeServer::start(Behaviour::HugeFrame, Behaviour::HugeFrame);
    let timeout = Duration::from_secs(3);
    let zk = client(&server.hosts(), timeout);
    zk.start(common::EVENT_TIMEOUT).unwrap();
    let started = Instant::now();
    let first = within(common::EVENT_TIMEOUT, "the get", {
        let zk = zk.clone();
        move || zk.get("/x").wait()
    });
    eprintln!("huge frame: the get ended in {:?}", started.elapsed());
    assert!(
        matches!(first, Err(Error::ReplyTooLarge { size, .. }) if size == i32::MAX as usize),
        "{first:?}"
    );
    assert!(started.elapsed() < timeout, "{:?}", started.elapsed());
    // The next call is not held behind the dripping frame: it is either refused while the
    // client reconnects or sent on a new connection (and refused the same way).
    let started = Instant::now();
    let next = within(common::EVENT_TIMEOUT, "the next get", {
        let zk = zk.clone();
        move || zk.get("/x").wait()
    });
    eprintln!("huge frame: the next get ended in {:?}", started.elapsed());
    let next = next.unwrap_err();
    assert!(
        next.is(ErrorCode::CONNECTION_LOSS) || matches!(next, Error::ReplyTooLarge { .. }),
        "{next:?}"
    );
    assert!(started.elapsed() < timeout, "{:?}", started.elapsed());
    zk.stop().unwrap();
}
