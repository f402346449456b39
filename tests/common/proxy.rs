//! The test [`Proxy`]: a TCP proxy in front of one server that cuts a client off, partitions
//! it, hangs a handshake or loses one request or reply; and [`BehindProxy`], a client behind
//! one with an observer beside it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use zkclient::{Client, ClientOptions, KeeperState};

use super::{connect, options, shared_hosts, unique_chroot, StateRecorder, EVENT_TIMEOUT};

/// Decides whether a request or its reply is to be lost: given its opcode and its path (empty
/// for requests without one).
type ReplyFilter = Box<dyn Fn(i32, &str) -> bool + Send>;

/// What [`Proxy`] loses of a matching request.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Lose {
    /// The request itself: the server never sees it.
    Request,
    /// Its reply: the server carries it out, the client never hears.
    Reply,
}

/// A TCP proxy in front of one server: a test can cut a client off (its connections closed,
/// new ones refused) while the server and other clients carry on, then let it back; or lose
/// the reply to one request (fault injection a real server cannot produce).
pub struct Proxy {
    port: u16,
    open: std::sync::Arc<std::sync::atomic::AtomicBool>,
    connections: std::sync::Arc<std::sync::Mutex<Vec<std::net::TcpStream>>>,
    lose_reply: std::sync::Arc<std::sync::Mutex<Option<(ReplyFilter, Lose)>>>,
    replies_lost: std::sync::Arc<AtomicU64>,
    /// Hang the next connection: take it and never answer (see `hang_next_handshake`).
    hang_next: std::sync::Arc<std::sync::atomic::AtomicBool>,
    handshakes_hung: std::sync::Arc<AtomicU64>,
    /// The connections [`Proxy::partition`] holds: silent towards the client, pinged towards
    /// the server (which keeps their sessions) until [`Proxy::release_held`].
    held: std::sync::Arc<std::sync::Mutex<Vec<Held>>>,
    live: std::sync::Arc<std::sync::Mutex<Vec<Held>>>,
}

/// One proxied connection as [`Proxy::partition`] sees it: its server side (shared by the
/// forwarding thread and the pinger, so that their frames never interleave) and whether it is
/// held.
#[derive(Clone)]
struct Held {
    to_server: std::sync::Arc<std::sync::Mutex<std::net::TcpStream>>,
    held: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// A ping request: xid -2, opcode 11, no body.
const PING_FRAME: [u8; 12] = [0, 0, 0, 8, 0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 11];

/// The proxy passes on frames of any size a test server sends (its replies can exceed 1 MiB).
const PROXY_MAX_FRAME: usize = 64 << 20;

/// One length-prefixed frame (ZooKeeper frames everything, the connect handshake included),
/// split by the library's own splitter: reading exactly what it still needs never reads past
/// the frame.
fn read_frame(from: &mut std::net::TcpStream) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind, Read};
    use zkclient::proto::{split_frame, Split};
    let mut frame = Vec::new();
    loop {
        match split_frame(&frame, PROXY_MAX_FRAME) {
            Ok(Split::Frame { .. }) => return Ok(frame),
            Ok(Split::NeedMore { needed }) => {
                let start = frame.len();
                frame.resize(start + needed, 0);
                from.read_exact(&mut frame[start..])?;
            }
            Ok(Split::Oversize { declared }) => {
                let message = format!("frame of {declared} bytes");
                return Err(Error::new(ErrorKind::InvalidData, message));
            }
            Err(e) => return Err(Error::new(ErrorKind::InvalidData, e)),
        }
    }
}

fn be_i32(bytes: &[u8], at: usize) -> Option<i32> {
    Some(i32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// A request frame's xid, opcode and path (empty when it has none).
fn request_header(frame: &[u8]) -> Option<(i32, i32, String)> {
    let (xid, op) = (be_i32(frame, 4)?, be_i32(frame, 8)?);
    let path = be_i32(frame, 12)
        .and_then(|len| frame.get(16..16 + usize::try_from(len).ok()?))
        .map(|path| String::from_utf8_lossy(path).into_owned())
        .unwrap_or_default();
    Some((xid, op, path))
}

impl Proxy {
    /// A proxy to the first server of `hosts`.
    pub fn start(hosts: &str) -> Proxy {
        use std::io::Write;
        use std::net::{Shutdown, TcpListener, TcpStream};
        use std::sync::{Arc, Mutex};
        let target = hosts.split(',').next().expect("a host").to_string();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a proxy port");
        let port = listener.local_addr().unwrap().port();
        let proxy = Proxy {
            port,
            open: Arc::new(std::sync::atomic::AtomicBool::new(true)),
            connections: Arc::new(Mutex::new(Vec::new())),
            lose_reply: Arc::new(Mutex::new(None)),
            replies_lost: Arc::new(AtomicU64::new(0)),
            hang_next: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            handshakes_hung: Arc::new(AtomicU64::new(0)),
            held: Arc::new(Mutex::new(Vec::new())),
            live: Arc::new(Mutex::new(Vec::new())),
        };
        let live = proxy.live.clone();
        let (open, connections) = (proxy.open.clone(), proxy.connections.clone());
        let (hang_next, handshakes_hung) = (proxy.hang_next.clone(), proxy.handshakes_hung.clone());
        let (lose_reply, replies_lost) = (proxy.lose_reply.clone(), proxy.replies_lost.clone());
        std::thread::spawn(move || {
            for incoming in listener.incoming() {
                let Ok(client) = incoming else { continue };
                if !open.load(Ordering::SeqCst) {
                    continue; // dropped: the connection is closed at once
                }
                if hang_next.swap(false, Ordering::SeqCst) {
                    // Kept open (until `cut`), its handshake never answered.
                    connections.lock().unwrap().push(client);
                    handshakes_hung.fetch_add(1, Ordering::SeqCst);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&target) else {
                    continue;
                };
                let mut tracked = connections.lock().unwrap();
                for stream in [&client, &server] {
                    tracked.push(stream.try_clone().unwrap());
                }
                drop(tracked);
                let this = Held {
                    to_server: Arc::new(Mutex::new(server.try_clone().unwrap())),
                    held: Arc::new(std::sync::atomic::AtomicBool::new(false)),
                };
                live.lock().unwrap().push(this.clone());
                // The xid of the request whose reply is to be lost, on this connection.
                let doomed: Arc<Mutex<Option<i32>>> = Arc::new(Mutex::new(None));
                let both = Arc::new((client.try_clone().unwrap(), server.try_clone().unwrap()));
                let close_both = move || {
                    let _ = both.0.shutdown(Shutdown::Both);
                    let _ = both.1.shutdown(Shutdown::Both);
                };
                let mut from_client = client.try_clone().unwrap();
                let (lose_reply, doomed_out) = (lose_reply.clone(), doomed.clone());
                let replies_lost_out = replies_lost.clone();
                let close = close_both.clone();
                let (out, back) = (this.clone(), this);
                std::thread::spawn(move || {
                    let mut first = true; // the connect request has no request header
                    while let Ok(frame) = read_frame(&mut from_client) {
                        if out.held.load(Ordering::SeqCst) {
                            continue; // partitioned: never reaches the server
                        }
                        if !std::mem::take(&mut first) {
                            if let Some((xid, op, path)) = request_header(&frame) {
                                let mut filter = lose_reply.lock().unwrap();
                                if filter.as_ref().is_some_and(|(lose, _)| lose(op, &path)) {
                                    let (_, what) = filter.take().unwrap(); // once
                                    if what == Lose::Request {
                                        // Never reaches the server.
                                        replies_lost_out.fetch_add(1, Ordering::SeqCst);
                                        break;
                                    }
                                    *doomed_out.lock().unwrap() = Some(xid);
                                }
                            }
                        }
                        if out.to_server.lock().unwrap().write_all(&frame).is_err() {
                            break;
                        }
                    }
                    if !out.held.load(Ordering::SeqCst) {
                        close(); // a held connection stays open towards the server
                    }
                });
                let (mut from_server, mut to_client) = (server, client);
                let replies_lost = replies_lost.clone();
                std::thread::spawn(move || {
                    let mut first = true; // the connect response has no reply header
                    while let Ok(frame) = read_frame(&mut from_server) {
                        if back.held.load(Ordering::SeqCst) {
                            continue; // partitioned: the client never hears
                        }
                        let xid = if std::mem::take(&mut first) {
                            None
                        } else {
                            be_i32(&frame, 4)
                        };
                        if xid.is_some() && xid == *doomed.lock().unwrap() {
                            // The server has done it; the client never hears.
                            replies_lost.fetch_add(1, Ordering::SeqCst);
                            break;
                        }
                        if to_client.write_all(&frame).is_err() {
                            break;
                        }
                    }
                    close_both();
                });
            }
        });
        proxy
    }

    /// Loses the reply to the next request (on any connection) for which `lose(opcode, path)`
    /// is true: the server carries the request out, its reply is swallowed and the connection
    /// closed, so the client sees a connection loss. Once.
    pub fn lose_reply_to(&self, lose: impl Fn(i32, &str) -> bool + Send + 'static) {
        *self.lose_reply.lock().unwrap() = Some((Box::new(lose), Lose::Reply));
    }

    /// As [`Proxy::lose_reply_to`], but the request itself is lost: it never reaches the
    /// server, and the connection is closed.
    pub fn lose_request_to(&self, lose: impl Fn(i32, &str) -> bool + Send + 'static) {
        *self.lose_reply.lock().unwrap() = Some((Box::new(lose), Lose::Request));
    }

    /// Takes the next connection and never answers its handshake, as a server still starting
    /// up can; later connections are proxied again. Once.
    pub fn hang_next_handshake(&self) {
        self.hang_next.store(true, Ordering::SeqCst);
    }

    /// How many connections [`Proxy::hang_next_handshake`] has hung so far.
    pub fn handshakes_hung(&self) -> u64 {
        self.handshakes_hung.load(Ordering::SeqCst)
    }

    /// How many requests or replies [`Proxy::lose_reply_to`] and [`Proxy::lose_request_to`]
    /// have lost so far.
    pub fn lost(&self) -> u64 {
        self.replies_lost.load(Ordering::SeqCst)
    }

    /// The connect string of the proxy.
    pub fn hosts(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Closes every proxied connection and refuses new ones.
    pub fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
        for stream in self.connections.lock().unwrap().drain(..) {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }

    /// Accepts connections again.
    pub fn restore(&self) {
        self.open.store(true, Ordering::SeqCst);
    }

    /// A partition the server outlives: new connections are refused, and every proxied
    /// connection goes silent both ways while the proxy pings the server on it every
    /// `ping_every`, so that the server keeps its session (as it does for longer than the
    /// client expects, after a leader election). The client loses touch, declares its session
    /// LOST on its own timer and, once [`Proxy::heal`] lets it back, opens a new one, while
    /// the old session and its ephemeral nodes live on until [`Proxy::release_held`].
    pub fn partition(&self, ping_every: Duration) {
        self.open.store(false, Ordering::SeqCst);
        let connections: Vec<Held> = self.live.lock().unwrap().drain(..).collect();
        for connection in &connections {
            connection.held.store(true, Ordering::SeqCst);
        }
        self.held.lock().unwrap().extend(connections);
        let held = std::sync::Arc::downgrade(&self.held);
        std::thread::spawn(move || {
            use std::io::Write;
            while let Some(held) = held.upgrade() {
                let mut held = held.lock().unwrap();
                if held.is_empty() {
                    return;
                }
                held.retain(|c| c.to_server.lock().unwrap().write_all(&PING_FRAME).is_ok());
                drop(held);
                std::thread::sleep(ping_every); // a pacing interval, not synchronisation
            }
        });
    }

    /// Ends a [`Proxy::partition`]: new connections are proxied again. The connections it
    /// holds stay held.
    pub fn heal(&self) {
        self.restore();
    }

    /// Closes the server side of every connection [`Proxy::partition`] held: the server
    /// expires their sessions one session timeout later. Returns how many there were.
    pub fn release_held(&self) -> usize {
        let held: Vec<Held> = self.held.lock().unwrap().drain(..).collect();
        for connection in &held {
            let _ = connection
                .to_server
                .lock()
                .unwrap()
                .shutdown(std::net::Shutdown::Both);
        }
        held.len()
    }

    /// Ends the session of `client` (connected through this proxy) behind its back: the client
    /// is cut off, a second connection straight to `hosts` with the same session id and
    /// password closes the session (its ephemeral nodes go), `while_away` runs, and the client
    /// is let back, to learn of the expiry from the server. `states` listens to `client`.
    pub fn expire_session(
        &self,
        hosts: &str,
        client: &Client,
        states: &mut StateRecorder,
        while_away: impl FnOnce(),
    ) {
        let info = client.session_info();
        self.cut();
        states.wait_for(KeeperState::Disconnected, EVENT_TIMEOUT);
        let twin = Client::new(
            hosts,
            ClientOptions {
                session_id: info.session_id,
                session_password: info.password,
                ..ClientOptions::default()
            },
        )
        .expect("connect string");
        twin.start(EVENT_TIMEOUT)
            .expect("the twin takes the session over");
        assert_eq!(twin.session_info().session_id, info.session_id);
        twin.stop().expect("the twin closes the session");
        while_away();
        self.restore();
    }
}

/// A client behind a [`Proxy`] to the shared server (with a 6 s session, so that its end
/// comes quickly), and an observer straight to the server, both under one fresh chroot.
pub struct BehindProxy {
    pub proxy: Proxy,
    pub client: Client,
    pub observer: Client,
    pub states: StateRecorder,
    /// The shared server's connect string with the chroot.
    pub direct_hosts: String,
}

impl BehindProxy {
    pub fn start(name: &str) -> BehindProxy {
        let hosts = shared_hosts();
        let chroot = unique_chroot(name);
        let observer = connect(&hosts, &chroot, ClientOptions::default());
        let proxy = Proxy::start(&hosts);
        let client = connect(&proxy.hosts(), &chroot, options(Duration::from_secs(6)));
        let states = StateRecorder::attach(&client);
        BehindProxy {
            proxy,
            client,
            observer,
            states,
            direct_hosts: format!("{hosts}{chroot}"),
        }
    }

    /// Ends the client's session behind its back, `while_away` running meanwhile (see
    /// [`Proxy::expire_session`]).
    pub fn expire_session(&mut self, while_away: impl FnOnce()) {
        self.proxy.expire_session(
            &self.direct_hosts,
            &self.client,
            &mut self.states,
            while_away,
        );
    }
}
