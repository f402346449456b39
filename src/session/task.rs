//! The session task: connect, handshake, serve requests, reconnect, expire.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};
use tokio::time::{sleep, sleep_until, timeout, Instant};

use super::hosts::{HostAddr, HostList};
use super::probe::find_read_write_server;
use super::sasl::{self, SaslOutcome};
use super::tls::TlsConnector;
use super::transport::{read_frame, FrameError, OpenFailure, Stream};
use super::watches::{Fired, PendingWatch, WatchKind, WatchRegistry};
use super::{Answer, Command, Reply, ReplyTo, Request, SessionConfig, SessionEvents, Status};
use crate::error::{Error, Result};
use crate::proto::{
    decode_all, decode_prefix, encode_empty_request, encode_frame, encode_request, patch_xid,
    split_frame, AuthPacket, ConnectRequest, ConnectResponse, ErrorCode, KeeperState, OpCode,
    RemoveWatchesRequest, ReplyHeader, Split, WatcherEvent, AUTH_XID, NOTIFICATION_XID, PING_XID,
    SET_WATCHES_XID,
};
use crate::secret::Secret;

/// The target of the session's log lines. They name hosts, session ids (hex), states, opcodes,
/// xids and lengths; never a password, a credential or node data.
const LOG: &str = "zkclient::session";

/// Stop taking new requests while this much is waiting to be written.
const OUTBOUND_HIGH_WATER: usize = 4 << 20;
/// The read buffer of a quiet connection: small, so that a thousand idle sessions stay light.
const READ_CHUNK: usize = 1 << 10;
/// The read buffer of a busy connection (one whose last read filled the buffer).
const BUSY_READ_CHUNK: usize = 64 << 10;
/// A ConnectResponse is about 40 bytes; anything far bigger is not a ZooKeeper server.
const MAX_HANDSHAKE_REPLY: usize = 4096;
/// Every reply frame starts with a 16-byte ReplyHeader.
const REPLY_HEADER_LEN: usize = 16;
/// The shortest connect attempt, however many hosts share the session timeout.
const MIN_CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
/// A connection that answered but lived less than this still counts as a failed attempt for
/// the backoff: a server that answers one ping and closes every connection is not retried
/// at once, again and again.
const MIN_GOOD_CONNECTION: Duration = Duration::from_secs(1);
/// Why a connection ends when the host list moved it elsewhere.
const MOVING: &str = "the host list changed: moving to rebalance the load";

struct Pending {
    xid: i32,
    op: OpCode,
    reply: Option<ReplyTo>,
    watch: Option<PendingWatch>,
    /// When it was queued to the socket (for the latency figures).
    sent: Instant,
}

impl Pending {
    /// Answers the caller (if any), handing back the watch unless it was registered.
    fn answer(self, result: Result<Reply>, task: &Task) {
        let Some(reply) = self.reply else {
            return task.release(self.watch);
        };
        let unclaimed = reply.deliver(
            Answer {
                result,
                unregistered: self.watch,
            },
            &*task.events,
        );
        task.release(unclaimed);
    }
}

/// The task stops; whom to tell when it has (the caller of a close, if one asked).
struct Stop(Option<oneshot::Sender<()>>);

struct Task {
    config: SessionConfig,
    hosts: HostList,
    status: Arc<Status>,
    events: Arc<dyn SessionEvents>,
    watches: Arc<Mutex<WatchRegistry>>,
    session_id: i64,
    password: Secret,
    negotiated_timeout: Duration,
    last_zxid: i64,
    /// When a server last answered us in this session (drives the local expiry timer).
    last_heard: Option<Instant>,
    next_xid: i32,
    state: KeeperState,
    /// Credentials replayed on every new connection.
    auth: Vec<(String, Secret)>,
    /// The server of the current (or last) connection.
    server: Option<HostAddr>,
    /// A connection of this task has proven itself (answered something or sent a watch
    /// event) and announced CONNECTED: a session to resume that the server no longer has is
    /// then an ordinary expiry, not a failed resume.
    ever_connected: bool,
    /// Why the task ends on its own (a refused credential, a failed resume).
    end_reason: Option<Error>,
    /// Connect attempts in a row that failed on TLS (see `tls_failed`).
    tls_failures: usize,
    /// The time of the read, or of the batch of commands, being handled: the send and reply
    /// times of the latency figures, from clock reads made anyway (or one per batch).
    clock: Instant,
}

/// A fresh connection, its session established, before CONNECTED is announced.
struct Established {
    stream: Stream,
    opening: Opening,
}

/// What a fresh connection starts with.
struct Opening {
    leftover: BytesMut,
    /// Auth packets, then watch re-arming, sent before anything else.
    first_frames: Vec<u8>,
    /// The schemes of the auth packets among them, in order (CONNECTED waits for their
    /// answers).
    auth_replays: Vec<String>,
    /// How many SetWatches packets are among them.
    rearm_batches: usize,
    /// The state to announce.
    state: KeeperState,
}

fn auth_frame(scheme: &str, credential: &[u8]) -> Vec<u8> {
    encode_request(
        AUTH_XID,
        OpCode::Auth,
        &AuthPacket {
            auth_type: 0,
            scheme,
            auth: credential,
        },
    )
}

pub(super) async fn run(
    config: SessionConfig,
    mut commands: mpsc::UnboundedReceiver<Command>,
    status: Arc<Status>,
    events: Arc<dyn SessionEvents>,
    watches: Arc<Mutex<WatchRegistry>>,
) {
    let mut task = Task {
        hosts: HostList::new(
            config.hosts.clone(),
            config.randomize_hosts,
            &config.connection_retry,
        ),
        session_id: config.session_id,
        password: config.session_password.clone(),
        negotiated_timeout: config.session_timeout,
        config,
        status,
        events,
        watches,
        last_zxid: 0,
        last_heard: None,
        next_xid: 1,
        state: KeeperState::Closed,
        auth: Vec::new(),
        server: None,
        ever_connected: false,
        end_reason: None,
        tls_failures: 0,
        clock: Instant::now(),
    };
    task.auth = task.config.auth.clone();
    let Stop(done) = task.run(&mut commands).await;
    // Published before the channel closes: a call refused from now on finds why.
    let end_reason = task.end_reason.clone();
    task.status.update(|info| info.end_reason = end_reason);
    commands.close();
    let closed = task.end_reason.clone().unwrap_or(Error::Closed);
    while let Ok(command) = commands.try_recv() {
        task.refuse_command(command, &closed);
    }
    // A session ended by a refused credential stays AUTH_FAILED (LOST), one whose resume
    // failed EXPIRED: the state says why.
    let end = if task.end_reason.is_some() {
        task.state
    } else {
        KeeperState::Closed
    };
    task.set_state(end);
    task.end_watches(end);
    task.status.update(|info| info.running = false);
    log::debug!(target: LOG, "session task stopped ({end:?})");
    if let Some(done) = done {
        let _ = done.send(());
    }
}

impl Task {
    async fn run(&mut self, commands: &mut mpsc::UnboundedReceiver<Command>) -> Stop {
        // Each phase's future lives in a box of its own size while it runs: the task of an
        // idle connected session holds only what serving needs, not the connect phase's
        // (handshake, SASL) state as well (a thousand sessions: about 2 MB less).
        loop {
            let established = match Box::pin(self.connect(commands)).await {
                Ok(established) => established,
                Err(stop) => return stop,
            };
            if let Some(stop) = Box::pin(self.serve(established, commands)).await {
                return stop;
            }
        }
    }

    /// The client's counters.
    fn stats(&self) -> &super::Stats {
        self.status.stats()
    }

    fn set_state(&mut self, state: KeeperState) {
        if self.state == state {
            return;
        }
        if self.session_id == 0 {
            log::info!(target: LOG, "state {:?} -> {state:?}", self.state);
        } else {
            log::info!(
                target: LOG,
                "state {:?} -> {state:?} (session 0x{:x})",
                self.state,
                self.session_id
            );
        }
        self.state = state;
        let (session_id, password, timeout, zxid) = (
            self.session_id,
            self.password.clone(),
            self.negotiated_timeout,
            self.last_zxid,
        );
        let events = &self.events;
        self.status.update(|info| {
            // Queued while the status is locked, so nobody sees the new state before the
            // event is queued (a listener added after `start` returned never receives the
            // change that made it return), and nobody told of the change can still read
            // the old state from the client (a listener's `client.state()` waits for the
            // lock and finds the new one).
            events.state_changed(state);
            info.state = state;
            info.session_id = session_id;
            info.password = password;
            info.negotiated_timeout = timeout;
            info.last_zxid = zxid;
            if !matches!(
                state,
                KeeperState::SyncConnected | KeeperState::ConnectedReadOnly
            ) {
                info.server = None;
            }
        });
    }

    /// Forgets the session: the server said it expired, or no server answered for a whole
    /// session timeout. The next handshake asks for a new session.
    fn expire(&mut self) {
        self.stats().expired();
        self.session_id = 0;
        self.password = Secret::new(vec![0; 16]);
        self.last_heard = None;
        self.set_state(KeeperState::Expired);
        self.end_watches(KeeperState::Expired);
    }

    fn lock_watches(&self) -> MutexGuard<'_, WatchRegistry> {
        self.watches.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Hands fired watchers to the dispatcher, behind every event queued before; inline ones
    /// (which only wake a waiting thread) run here and now, so that a thread waiting for them
    /// inside a callback of this client is not waiting for itself.
    fn deliver(&self, fired: Vec<Fired>) {
        let (inline, queued): (Vec<Fired>, Vec<Fired>) =
            fired.into_iter().partition(Fired::is_inline);
        inline.into_iter().for_each(Fired::run);
        if !queued.is_empty() {
            self.events
                .dispatch(Box::new(move || queued.into_iter().for_each(Fired::run)));
        }
    }

    /// Drops a watcher that was never registered on the dispatcher: it may own user data whose
    /// destructor must not run on the runtime.
    fn release(&self, watch: Option<PendingWatch>) {
        if let Some(watch) = watch {
            self.events.dispatch(Box::new(move || drop(watch)));
        }
    }

    /// The session is over: every watcher hears it once and is dropped.
    fn end_watches(&self, state: KeeperState) {
        let fired = self.lock_watches().drain(state);
        self.deliver(fired);
    }

    fn connect_request(&self) -> ConnectRequest {
        ConnectRequest {
            protocol_version: 0,
            last_zxid_seen: self.last_zxid,
            timeout: millis_i32(self.config.session_timeout),
            session_id: self.session_id,
            passwd: if self.password.is_empty() {
                vec![0; 16]
            } else {
                self.password.expose().to_vec()
            },
            read_only: self.config.can_be_read_only,
        }
    }

    /// Walks the hosts until a handshake succeeds. Requests that arrive meanwhile fail with
    /// connection-loss; a close request ends the task.
    async fn connect(
        &mut self,
        commands: &mut mpsc::UnboundedReceiver<Command>,
    ) -> std::result::Result<Established, Stop> {
        'attempts: loop {
            // The connection retry policy gave up: the session ends (LOST).
            let Some((host, delay)) = self.hosts.next() else {
                log::error!(
                    target: LOG,
                    "the connection retry policy gave up: no server answered; the session ends"
                );
                return Err(Stop(None));
            };
            self.stats().connection_attempt();
            if !delay.is_zero() {
                log::debug!(target: LOG, "backing off {delay:?} before connecting to {host}");
            }
            log::info!(target: LOG, "connecting to {host}");
            let attempt_timeout =
                connect_attempt_timeout(self.negotiated_timeout, self.hosts.len());
            let expiry = self.last_heard.map(|heard| heard + self.negotiated_timeout);
            let attempt = handshake(
                host.clone(),
                self.config.resolver.clone(),
                self.config.tls.clone(),
                self.connect_request(),
                delay,
                attempt_timeout,
            );
            tokio::pin!(attempt);
            let outcome = loop {
                tokio::select! {
                    result = &mut attempt => break Some(result),
                    command = commands.recv() => {
                        if let Some(stop) = self.handle_command_unconnected(command) {
                            return Err(stop);
                        }
                        if !self.hosts.contains(&host) {
                            // An update took this server out of the list: not waited for.
                            log::info!(target: LOG, "{host} left the host list: not connecting");
                            continue 'attempts;
                        }
                    }
                    () = sleep_until_or_never(expiry) => break None,
                }
            };
            let (mut stream, response, mut leftover) = match outcome {
                None => {
                    log::warn!(
                        target: LOG,
                        "session 0x{:x} expired locally: no server answered for its timeout of {:?}",
                        self.session_id,
                        self.negotiated_timeout
                    );
                    self.expire();
                    continue;
                }
                Some(Err(AttemptFailure::Network(why))) => {
                    self.tls_failures = 0;
                    self.attempt_failed(why);
                    continue;
                }
                Some(Err(AttemptFailure::Tls(error))) => {
                    log::warn!(target: LOG, "connect attempt to {host} failed: {error}");
                    self.note_failure(error.to_string());
                    if let Some(stop) = self.tls_failed(error) {
                        return Err(stop);
                    }
                    continue;
                }
                Some(Ok(connected)) => connected,
            };
            self.tls_failures = 0;
            self.hosts.settled();
            let asked = self.session_id;
            match judge_handshake(asked, &response) {
                Handshake::Valid => {}
                // Not a ZooKeeper answer: a failed attempt, backed off like any other.
                Handshake::Invalid => {
                    self.attempt_failed(format!("{host} sent an invalid handshake reply"));
                    continue;
                }
                // The session to resume, given by the user, was gone before this client ever
                // had it: `start` says so instead of handing out a new session as if resumed.
                Handshake::Expired if !self.ever_connected && asked == self.config.session_id => {
                    log::error!(
                        target: LOG,
                        "session 0x{asked:x} to resume no longer exists on {host}: the session ends"
                    );
                    self.end_reason = Some(Error::SessionExpired { session_id: asked });
                    self.expire();
                    return Err(Stop(None));
                }
                Handshake::Expired => {
                    log::warn!(target: LOG, "session 0x{asked:x} expired (told by {host})");
                    self.expire();
                    continue;
                }
            }
            // SASL before anything else, a ping included: a server that requires it closes a
            // session that sends anything first. CONNECTED only once authenticated.
            if let Some(options) = self.config.sasl.clone() {
                let exchange =
                    sasl::authenticate(&options, &host.host, &mut stream, &mut leftover, || {
                        self.next_xid()
                    });
                match timeout(attempt_timeout, exchange).await {
                    Ok(Ok(())) => {}
                    Ok(Err(SaslOutcome::Refused(error))) => {
                        log::error!(
                            target: LOG,
                            "SASL with {host} refused: {error}; the session ends"
                        );
                        // The session the handshake gave is kept (the server may expire it);
                        // the task ends: the credentials will not change.
                        self.session_id = response.session_id;
                        self.set_state(KeeperState::AuthFailed);
                        self.end_reason = Some(error);
                        return Err(Stop(None));
                    }
                    // The connection broke, or the server took too long: a failed attempt.
                    Ok(Err(SaslOutcome::Broken(why))) => {
                        self.attempt_failed(why);
                        continue;
                    }
                    Err(_elapsed) => {
                        self.attempt_failed(format!(
                            "SASL with {host} did not finish within {attempt_timeout:?}"
                        ));
                        continue;
                    }
                }
            }
            // Not yet a success for the backoff, nor a sign of life for the local expiry: the
            // connection has to prove itself by answering something or sending a watch event
            // (see `heard`).
            let resumed = asked != 0;
            log::info!(
                target: LOG,
                "connected to {host} with session 0x{:x} ({})",
                response.session_id,
                if resumed { "resumed" } else { "new" }
            );
            log::debug!(
                target: LOG,
                "handshake with {host}: negotiated timeout {} ms, read-only {}",
                response.timeout,
                response.read_only
            );
            self.session_id = response.session_id;
            self.password = Secret::new(response.passwd);
            self.negotiated_timeout = Duration::from_millis(response.timeout as u64);
            self.status.update(|info| info.server = Some(host.clone()));
            self.stats().connected(self.server.is_some());
            self.server = Some(host);
            let state = if response.read_only {
                KeeperState::ConnectedReadOnly
            } else {
                KeeperState::SyncConnected
            };
            // Credentials first, then the watches of a resumed session (a new session has
            // none: they were told of the expiry and dropped); CONNECTED once the server has
            // accepted the credentials.
            let mut first_frames: Vec<u8> = self
                .auth
                .iter()
                .flat_map(|(scheme, credential)| auth_frame(scheme, credential.expose()))
                .collect();
            let mut rearm_batches = 0;
            if resumed {
                let (batches, watches) = {
                    let registry = self.lock_watches();
                    (registry.rearm_frames(self.last_zxid), registry.len())
                };
                rearm_batches = batches.len();
                first_frames.extend(batches.concat());
                if watches > 0 {
                    log::debug!(
                        target: LOG,
                        "re-arming {watches} watch(es) in {rearm_batches} SetWatches packet(s), \
                         relative to zxid 0x{:x}",
                        self.last_zxid
                    );
                }
            }
            if !self.auth.is_empty() {
                log::debug!(
                    target: LOG,
                    "replaying {} credential(s) before CONNECTED",
                    self.auth.len()
                );
            }
            let auth_replays = self.auth.iter().map(|(scheme, _)| scheme.clone()).collect();
            return Ok(Established {
                stream,
                opening: Opening {
                    leftover,
                    first_frames,
                    auth_replays,
                    rearm_batches,
                    state,
                },
            });
        }
    }

    /// A connect attempt failed (`why`): backed off.
    fn attempt_failed(&mut self, why: String) {
        log::warn!(target: LOG, "connect attempt failed: {why}");
        self.note_failure(why);
        self.hosts.failed();
    }

    /// Publishes why the last connect attempt failed.
    fn note_failure(&self, why: String) {
        self.status
            .update(|info| info.last_connect_failure = Some(why));
    }

    /// A connect attempt failed on TLS. A failed attempt like any other, unless the session
    /// never connected and every host of the connect string failed this way in a row: then no
    /// server accepts this configuration, and the session ends with the TLS error (AUTH_FAILED)
    /// instead of trying for ever. After a first connection it is only a failed attempt (a
    /// certificate being rotated heals).
    fn tls_failed(&mut self, error: Error) -> Option<Stop> {
        self.tls_failures += 1;
        self.hosts.failed();
        if self.ever_connected || self.tls_failures < self.hosts.len() {
            return None;
        }
        log::error!(
            target: LOG,
            "no server of the connect string accepts this TLS configuration: {error}; the \
             session ends"
        );
        self.set_state(KeeperState::AuthFailed);
        self.end_reason = Some(error);
        Some(Stop(None))
    }

    /// One command while no connection is up: requests fail with connection-loss, watches are
    /// removed here only, credentials are kept for the next connection. `Some` when the
    /// command ends the task.
    fn handle_command_unconnected(&mut self, command: Option<Command>) -> Option<Stop> {
        match command {
            None => return Some(Stop(None)),
            Some(Command::Close(done)) => return Some(Stop(Some(done))),
            Some(Command::Request(request)) => {
                log::debug!(
                    target: LOG,
                    "{:?} request failed with connection loss: not connected",
                    request.op
                );
                self.release(request.fail(Error::connection_loss(), &*self.events));
            }
            Some(Command::RemoveWatch { id, done }) => {
                // Not re-armed on the next connection: nothing to tell the server.
                let _ = done.send(self.lock_watches().remove(id).map(|removed| removed.3));
            }
            Some(Command::RemoveWatches {
                path,
                kinds,
                request,
                removed,
            }) => {
                // Not re-armed either; the caller is told the server was not.
                let _ = removed.send(self.lock_watches().remove_path(&path, kinds));
                self.release(request.fail(Error::connection_loss(), &*self.events));
            }
            Some(Command::UpdateHosts { hosts, done }) => {
                // Not connected: the next attempt goes by the new list.
                self.hosts.update(hosts, None);
                let _ = done.send(false);
            }
            Some(Command::AddAuth {
                scheme,
                credential,
                done,
            }) => {
                // Kept and replayed once connected; not confirmed now.
                self.remember_auth(scheme, credential);
                let _ = done.send(Err(Error::connection_loss()));
            }
        }
        None
    }

    /// One command left when the task has stopped: refused with `closed` (the reason the
    /// session ended); a watch removal still takes the watches out here.
    fn refuse_command(&self, command: Command, closed: &Error) {
        match command {
            Command::Request(request) => {
                self.release(request.fail(closed.clone(), &*self.events));
            }
            Command::Close(done) => {
                let _ = done.send(());
            }
            Command::AddAuth { done, .. } => {
                let _ = done.send(Err(closed.clone()));
            }
            Command::UpdateHosts { done, .. } => {
                let _ = done.send(false);
            }
            Command::RemoveWatch { id, done } => {
                let _ = done.send(self.lock_watches().remove(id).map(|removed| removed.3));
            }
            Command::RemoveWatches {
                path,
                kinds,
                request,
                removed,
            } => {
                let _ = removed.send(self.lock_watches().remove_path(&path, kinds));
                self.release(request.fail(closed.clone(), &*self.events));
            }
        }
    }

    fn remember_auth(&mut self, scheme: String, credential: Secret) {
        if !self
            .auth
            .iter()
            .any(|(s, c)| *s == scheme && *c == credential)
        {
            self.auth.push((scheme, credential));
        }
    }

    fn next_xid(&mut self) -> i32 {
        let xid = self.next_xid;
        self.next_xid = if xid == i32::MAX { 1 } else { xid + 1 };
        xid
    }

    /// Serves one connection until it breaks (`None`: reconnect) or the session is closed.
    async fn serve(
        &mut self,
        established: Established,
        commands: &mut mpsc::UnboundedReceiver<Command>,
    ) -> Option<Stop> {
        let Established {
            mut stream,
            opening,
        } = established;
        match &mut stream {
            Stream::Plain(tcp) => {
                let (reader, writer) = tcp.split();
                self.serve_on(reader, writer, false, opening, commands)
                    .await
            }
            Stream::Tls(tls) => {
                let (reader, writer) = tokio::io::split(tls.as_mut());
                self.serve_on(reader, writer, true, opening, commands).await
            }
        }
    }

    /// Serves a connection through its two halves; `buffers_writes`: the writer keeps bytes
    /// the socket did not take (TLS), and needs a flush.
    async fn serve_on<R: AsyncRead + Unpin, W: AsyncWrite + Unpin>(
        &mut self,
        mut reader: R,
        mut writer: W,
        buffers_writes: bool,
        opening: Opening,
        commands: &mut mpsc::UnboundedReceiver<Command>,
    ) -> Option<Stop> {
        let Opening {
            leftover: mut inbound,
            first_frames: mut outbound,
            auth_replays,
            rearm_batches,
            state,
        } = opening;
        let mut conn = Connection {
            auth_replays: auth_replays.len(),
            auth_schemes: auth_replays.into(),
            set_watches: rearm_batches,
            announce: Some(state),
            // The list changed while this connection was being opened, without its server:
            // it moves on at once.
            moving: self
                .server
                .as_ref()
                .is_some_and(|server| !self.hosts.contains(server)),
            ..Connection::default()
        };
        // A ping behind the credentials and the watches: its answer proves the connection (a
        // server that closes or misbehaves right after the handshake never gets CONNECTED
        // announced, nor counts as a success for the backoff), one round trip after the
        // handshake.
        conn.queue_ping(&mut outbound);
        // While on a read-only server, look for a read-write one to move to. Only then: the
        // probe's state (about 2 KB) is not part of every connection.
        let mut probe = (state == KeeperState::ConnectedReadOnly).then(|| {
            Box::pin(find_read_write_server(
                self.hosts.all(),
                self.server.clone(),
                self.config.resolver.clone(),
                self.config.tls.clone(),
            ))
        });
        let mut liveness = Liveness::new(self.negotiated_timeout);
        let timer = sleep_until(liveness.silent_from());
        tokio::pin!(timer);

        let mut broken = self.process(&mut inbound, &mut conn).err();
        let mut unflushed = false;
        while broken.is_none() && !conn.closed && conn.terminal.is_none() {
            conn.time_awaited_answers(liveness.read_timeout);
            let deadline = liveness.next_deadline(&conn);
            if timer.deadline() != deadline {
                timer.as_mut().reset(deadline);
            }
            conn.make_read_room(&mut inbound);
            // A connection that moves takes nothing more, and ends once every answer owed is
            // in: nothing in flight fails because of the move.
            if conn.moving && conn.answers_owed() == 0 && outbound.is_empty() {
                broken = Some(MOVING.to_string());
                break;
            }
            let accepting =
                conn.closing.is_none() && !conn.moving && outbound.len() < OUTBOUND_HIGH_WATER;
            tokio::select! {
                biased;
                read = reader.read_buf(&mut inbound) => {
                    broken = self.take_in(read, &mut inbound, &mut conn, &mut liveness);
                }
                // TLS keeps what the socket did not take yet in its own buffer: it is flushed
                // once nothing else waits to be written.
                written = write_or_flush(&mut writer, &outbound),
                    if !outbound.is_empty() || unflushed => match written {
                    Ok(_) if outbound.is_empty() => unflushed = false,
                    Ok(n) => {
                        self.stats().bytes_out(n);
                        outbound.drain(..n);
                        liveness.last_sent = Instant::now();
                        unflushed = buffers_writes;
                    }
                    Err(error) => broken = Some(format!("write failed: {error}")),
                },
                command = commands.recv(), if accepting => {
                    self.handle_commands(command, commands, &mut outbound, &mut conn);
                }
                found = async {
                    match probe.as_mut() {
                        Some(probe) => probe.await,
                        None => std::future::pending().await,
                    }
                }, if probe.is_some() && self.state == KeeperState::ConnectedReadOnly => {
                    self.hosts.prefer(&found);
                    broken = Some(format!("{found} is read-write: moving there"));
                }
                () = &mut timer => broken = liveness.on_timer(&mut outbound, &mut conn),
            }
        }
        let _ = writer.shutdown().await;
        let server = self
            .server
            .as_ref()
            .map_or_else(String::new, ToString::to_string);
        match &broken {
            Some(why) if why.ends_with("is read-write: moving there") => {
                log::info!(target: LOG, "leaving read-only server {server}: {why}");
            }
            Some(why) if why == MOVING => log::info!(target: LOG, "leaving {server}: {why}"),
            Some(why) => log::warn!(target: LOG, "connection to {server} lost: {why}"),
            None if conn.closed => log::info!(
                target: LOG,
                "session 0x{:x} closed on {server}",
                self.session_id
            ),
            None => {}
        }
        self.end_connection(conn, liveness.opened)
    }

    /// Takes in what a read brought. `Some` says why the connection is broken.
    fn take_in(
        &mut self,
        read: std::io::Result<usize>,
        inbound: &mut BytesMut,
        conn: &mut Connection,
        liveness: &mut Liveness,
    ) -> Option<String> {
        let n = match read {
            Ok(0) => return Some("the server closed the connection".to_string()),
            Ok(n) => n,
            Err(error) => return Some(format!("read failed: {error}")),
        };
        // A read that filled the spare room: expect more, read bigger.
        conn.busy = n >= READ_CHUNK / 2;
        liveness.last_received = Instant::now();
        self.clock = liveness.last_received;
        self.stats().bytes_in(n);
        let broken = self.process(inbound, conn).err();
        if conn.proven {
            self.last_heard = Some(liveness.last_received);
        }
        broken
    }

    /// Handles `first` and the commands already waiting behind it, until the session is
    /// closing or the outbound buffer is full.
    fn handle_commands(
        &mut self,
        first: Option<Command>,
        commands: &mut mpsc::UnboundedReceiver<Command>,
        outbound: &mut Vec<u8>,
        conn: &mut Connection,
    ) {
        let mut next = first;
        self.clock = Instant::now();
        loop {
            self.handle_command(next, outbound, conn);
            if conn.closing.is_some() || outbound.len() >= OUTBOUND_HIGH_WATER {
                return;
            }
            match commands.try_recv() {
                Ok(command) => next = Some(command),
                Err(_) => return,
            }
        }
    }

    /// One command on a live connection. `None` (every handle of the client is gone) closes
    /// the session.
    fn handle_command(
        &mut self,
        command: Option<Command>,
        outbound: &mut Vec<u8>,
        conn: &mut Connection,
    ) {
        match command {
            Some(Command::Request(request)) => self.enqueue(request, outbound, conn),
            Some(Command::Close(done)) => self.begin_close(Some(done), outbound, conn),
            Some(Command::RemoveWatch { id, done }) => {
                let watcher = self.remove_watch(id, outbound, conn);
                let _ = done.send(watcher);
            }
            Some(Command::RemoveWatches {
                path,
                kinds,
                request,
                removed,
            }) => {
                let _ = removed.send(self.remove_path_watches(&path, kinds, conn));
                self.enqueue(request, outbound, conn);
            }
            Some(Command::UpdateHosts { hosts, done }) => {
                let moving = self.hosts.update(hosts, self.server.as_ref());
                if moving {
                    log::info!(
                        target: LOG,
                        "host list updated: leaving {} once the {} answer(s) owed are in",
                        self.server.as_ref().map_or_else(String::new, ToString::to_string),
                        conn.answers_owed()
                    );
                }
                conn.moving |= moving;
                let _ = done.send(moving);
            }
            Some(Command::AddAuth {
                scheme,
                credential,
                done,
            }) => {
                outbound.extend_from_slice(&auth_frame(&scheme, credential.expose()));
                conn.auth_waiters.push_back(done);
                conn.auth_schemes.push_back(scheme.clone());
                self.remember_auth(scheme, credential);
            }
            None => self.begin_close(None, outbound, conn),
        }
    }

    /// The connection is over: counts it for the backoff, sets the state and fails everything
    /// still waiting on it. `Some` when the task stops.
    fn end_connection(&mut self, mut conn: Connection, opened: Instant) -> Option<Stop> {
        // A connection that never proved itself, or lived only briefly, was a failed attempt:
        // the next one backs off, however well its handshake went.
        if conn.proven && (conn.moving || opened.elapsed() >= MIN_GOOD_CONNECTION) {
            self.hosts.connected();
        } else {
            self.hosts.failed();
        }
        let failure = self.connection_ended(&mut conn);
        self.stats().requests_failed(conn.pending.len());
        let failed = conn
            .pending
            .iter()
            .filter(|pending| pending.reply.is_some())
            .count();
        if failed > 0 && !conn.closed {
            log::warn!(
                target: LOG,
                "{failed} request(s) in flight failed: {failure}"
            );
        }
        for pending in conn.pending.drain(..) {
            pending.answer(Err(failure.clone()), self);
        }
        for waiter in conn.auth_waiters.drain(..) {
            let _ = waiter.send(Err(failure.clone()));
        }
        if self.end_reason.is_some() {
            return Some(Stop(conn.closing.flatten()));
        }
        conn.closing.map(Stop)
    }

    /// Sets the state a connection's end leaves, and gives the error its waiting callers get.
    /// The state is set before any caller is answered, so none sees CONNECTED after its
    /// failure. A refused credential is terminal, as in every ZooKeeper client (the
    /// credentials will not change); later calls say so (`end_reason`).
    fn connection_ended(&mut self, conn: &mut Connection) -> Error {
        if let Some(failure) = conn.terminal.take() {
            log::error!(
                target: LOG,
                "session 0x{:x} ends: {failure}",
                self.session_id
            );
            self.set_state(KeeperState::AuthFailed);
            self.end_reason = Some(failure.clone());
            return failure;
        }
        // Only a connection that announced CONNECTED announces its loss: listeners of a
        // server that fails every connection hear one SUSPENDED, not one per attempt.
        if conn.announce.is_none() && conn.closing.is_none() {
            self.set_state(KeeperState::Disconnected);
        }
        Error::connection_loss()
    }

    /// The connection answered something: the clock on the awaited answers starts over, and
    /// the connection is proven (see `heard`).
    fn answered(&mut self, conn: &mut Connection) {
        conn.answer_due = None;
        self.heard(conn);
    }

    /// The server sent something that only a ZooKeeper server in this session sends (an
    /// answer, or a watch event): the connection is proven, and CONNECTED is announced once
    /// the replayed credentials are accepted, before the event is delivered. (The watch
    /// events that re-armed watches bring come ahead of any answer after the handshake, and
    /// listeners hear CONNECTED before them, as in every ZooKeeper client.)
    fn heard(&mut self, conn: &mut Connection) {
        if !conn.proven {
            conn.proven = true;
            self.last_heard = Some(Instant::now());
        }
        if conn.auth_replays == 0 {
            self.announce(conn);
        }
    }

    /// Announces the connection's state (CONNECTED or read-only), once.
    fn announce(&mut self, conn: &mut Connection) {
        if let Some(state) = conn.announce.take() {
            self.ever_connected = true;
            self.status.update(|info| info.last_connect_failure = None);
            self.set_state(state);
        }
    }

    /// The server answered an auth packet: replayed ones come first, in order.
    fn auth_answered(&mut self, err: ErrorCode, conn: &mut Connection) {
        conn.answer_ahead_of_ping();
        let scheme = conn.auth_schemes.pop_front();
        if !err.is_ok() {
            conn.terminal = Some(Error::AuthFailed {
                scheme: scheme.unwrap_or_default(),
            });
            return;
        }
        if conn.auth_replays > 0 {
            conn.auth_replays -= 1;
        } else if let Some(waiter) = conn.auth_waiters.pop_front() {
            let _ = waiter.send(Ok(()));
        }
        self.answered(conn);
    }

    /// Removes a registration; tells the server (in order with the requests around it) when
    /// no watcher of that kind on that path remains here or is on its way.
    fn remove_watch(
        &mut self,
        id: u64,
        outbound: &mut Vec<u8>,
        conn: &mut Connection,
    ) -> Option<Box<dyn std::any::Any + Send>> {
        let (kind, path, others, watcher) = self.lock_watches().remove(id)?;
        let coming = conn.pending.iter().any(|pending| {
            pending
                .watch
                .as_ref()
                .is_some_and(|w| w.same_server_watch(kind, &path))
        });
        if !others && !coming {
            let xid = self.next_xid();
            let request = RemoveWatchesRequest {
                path: &path,
                watcher_type: kind.server_type(),
            };
            outbound.extend_from_slice(&encode_request(xid, OpCode::RemoveWatches, &request));
            conn.pending.push_back(Pending {
                xid,
                op: OpCode::RemoveWatches,
                reply: None,
                watch: None,
                sent: self.clock,
            });
            self.stats().request_sent();
        }
        Some(watcher)
    }

    /// Takes out every watch of `kinds` on `path`: the registered ones and those that requests
    /// sent before now would register (the removeWatches about to be sent removes them from
    /// the server too).
    fn remove_path_watches(
        &mut self,
        path: &str,
        kinds: &[WatchKind],
        conn: &mut Connection,
    ) -> Vec<Box<dyn std::any::Any + Send>> {
        let mut removed = self.lock_watches().remove_path(path, kinds);
        for pending in conn.pending.iter_mut() {
            let doomed = pending.watch.as_ref().is_some_and(|watch| {
                kinds
                    .iter()
                    .any(|kind| watch.same_server_watch(*kind, path))
            });
            if doomed {
                if let Some(watch) = pending.watch.take() {
                    removed.push(Box::new(watch));
                }
            }
        }
        removed
    }

    fn enqueue(&mut self, mut request: Request, outbound: &mut Vec<u8>, conn: &mut Connection) {
        let xid = self.next_xid();
        patch_xid(&mut request.frame, xid);
        log::trace!(
            target: LOG,
            "sent {:?} xid {xid} ({} bytes)",
            request.op,
            request.frame.len()
        );
        outbound.extend_from_slice(&request.frame);
        conn.pending.push_back(Pending {
            xid,
            op: request.op,
            reply: Some(request.reply),
            watch: request.watch,
            sent: self.clock,
        });
        self.stats().request_sent();
    }

    fn begin_close(
        &mut self,
        done: Option<oneshot::Sender<()>>,
        outbound: &mut Vec<u8>,
        conn: &mut Connection,
    ) {
        let xid = self.next_xid();
        log::debug!(
            target: LOG,
            "closing session 0x{:x} (xid {xid})",
            self.session_id
        );
        outbound.extend_from_slice(&encode_empty_request(xid, OpCode::CloseSession));
        conn.pending.push_back(Pending {
            xid,
            op: OpCode::CloseSession,
            reply: None,
            watch: None,
            sent: self.clock,
        });
        self.stats().request_sent();
        conn.closing = Some(done);
    }

    /// Handles every complete frame in `inbound`. An error means the connection is unusable.
    fn process(
        &mut self,
        inbound: &mut BytesMut,
        conn: &mut Connection,
    ) -> std::result::Result<(), String> {
        // Everything this read brings for the callbacks is queued before their thread is
        // woken: one wake-up per read instead of one per reply.
        struct Batch(Arc<dyn SessionEvents>);
        impl Drop for Batch {
            fn drop(&mut self) {
                self.0.end_batch();
            }
        }
        self.events.begin_batch();
        let _batch = Batch(self.events.clone());
        self.process_frames(inbound, conn)
    }

    fn process_frames(
        &mut self,
        inbound: &mut BytesMut,
        conn: &mut Connection,
    ) -> std::result::Result<(), String> {
        loop {
            let split = split_frame(inbound, self.config.max_reply_size)
                .map_err(|e| format!("malformed frame: {e}"))?;
            let len = match split {
                Split::NeedMore { needed } => {
                    inbound.reserve(needed);
                    return Ok(());
                }
                Split::Oversize { declared } => return Err(self.oversized(declared, conn)),
                Split::Frame { len, .. } => len,
            };
            if len < REPLY_HEADER_LEN {
                return Err(format!("malformed frame length {len}"));
            }
            inbound.advance(4);
            let frame = inbound.split_to(len).freeze();
            self.handle_frame(frame, conn)?;
        }
    }

    /// A frame over the inbound limit, known from its 4 length bytes: it is not read (a
    /// hostile length of 2^31-1 dripped byte by byte would hold every later reply back), the
    /// connection is given up. Replies come in order and nothing else a server sends is that
    /// big, so it is the reply to the oldest request: that request fails with
    /// `ReplyTooLarge` (the server did apply it), the others with connection-loss.
    fn oversized(&mut self, len: usize, conn: &mut Connection) -> String {
        let limit = self.config.max_reply_size;
        if let Some(pending) = conn.pending.pop_front() {
            self.stats().requests_failed(1);
            pending.answer(Err(Error::ReplyTooLarge { size: len, limit }), self);
        }
        format!("the server sent a frame of {len} bytes, over the {limit}-byte inbound limit")
    }

    /// The pending request a reply answers: always the oldest, since replies come in order.
    fn reply_slot(
        &mut self,
        header: ReplyHeader,
        conn: &mut Connection,
    ) -> std::result::Result<Pending, String> {
        let mut pending = conn
            .pending
            .pop_front()
            .ok_or_else(|| format!("reply with xid {} but no request pending", header.xid))?;
        if pending.xid != header.xid {
            let expected = pending.xid;
            conn.pending.push_front(pending);
            return Err(format!(
                "reply with xid {} while xid {expected} was expected",
                header.xid
            ));
        }
        if header.zxid > 0 && header.zxid > self.last_zxid {
            self.last_zxid = header.zxid;
        }
        log::trace!(
            target: LOG,
            "reply to {:?} xid {} (zxid 0x{:x}, err {})",
            pending.op,
            header.xid,
            header.zxid,
            header.err
        );
        conn.answer_ahead_of_ping();
        self.answered(conn);
        let latency = self.clock.saturating_duration_since(pending.sent);
        self.stats().reply_received(latency);
        // The watch is registered before the reply is handed over, so no later notification
        // can miss it.
        if let Some(watch) = pending.watch.take() {
            pending.watch = self.lock_watches().confirm(watch, header.err);
        }
        Ok(pending)
    }

    fn handle_frame(
        &mut self,
        frame: Bytes,
        conn: &mut Connection,
    ) -> std::result::Result<(), String> {
        let (header, _) = decode_prefix::<ReplyHeader>(&frame).map_err(|e| e.to_string())?;
        let body = frame.slice(REPLY_HEADER_LEN..);
        if ErrorCode(header.err) == ErrorCode::SESSION_CLOSED_REQUIRE_SASL_AUTH {
            // The server demands SASL (sessionRequireClientSASLAuth) and closes the
            // connection: without SASL credentials every connection would end the same way.
            conn.terminal = Some(Error::SaslRequired);
            return Ok(());
        }
        match header.xid {
            NOTIFICATION_XID => {
                let event: WatcherEvent =
                    decode_all(&body).map_err(|e| format!("bad notification: {e}"))?;
                self.stats().watch_event();
                log::trace!(
                    target: LOG,
                    "watch event {} (state {}) on a path of {} bytes",
                    event.event_type,
                    event.state,
                    event.path.len()
                );
                self.heard(conn);
                let fired = self.lock_watches().fire(&event);
                self.deliver(fired);
            }
            PING_XID => {
                // Answers come in request order: a ping answered before a request sent
                // ahead of it means the server lost or dropped that request.
                if !conn.ping_outstanding || conn.ping_ahead > 0 {
                    return Err(format!(
                        "a ping reply overtook {} earlier request(s): the connection is broken",
                        conn.ping_ahead
                    ));
                }
                conn.ping_outstanding = false;
                self.answered(conn);
            }
            AUTH_XID => {
                log::trace!(target: LOG, "auth reply (err {})", header.err);
                self.auth_answered(ErrorCode(header.err), conn)
            }
            SET_WATCHES_XID => {
                conn.set_watches = conn.set_watches.saturating_sub(1);
                conn.answer_ahead_of_ping();
                self.answered(conn);
            }
            _ => {
                let pending = self.reply_slot(header, conn)?;
                if pending.op == OpCode::CloseSession {
                    conn.closed = true;
                }
                let reply = Reply {
                    err: ErrorCode(header.err),
                    body,
                };
                pending.answer(Ok(reply), self);
            }
        }
        Ok(())
    }
}

#[derive(Default)]
struct Connection {
    /// The last read was large: keep a big read buffer.
    busy: bool,
    /// Replayed credentials not answered yet (CONNECTED waits for them).
    auth_replays: usize,
    /// The schemes of every auth packet not answered yet, in order.
    auth_schemes: VecDeque<String>,
    /// SetWatches packets not answered yet.
    set_watches: usize,
    /// The state to announce once the connection answered and the credentials are accepted;
    /// `None` once announced.
    announce: Option<KeeperState>,
    /// Callers of add_auth waiting for the server's answer, in order.
    auth_waiters: VecDeque<oneshot::Sender<Result<()>>>,
    /// The session ends with this: the server refused a credential, or demands SASL.
    terminal: Option<Error>,
    pending: VecDeque<Pending>,
    ping_outstanding: bool,
    /// Answers due before the outstanding ping's (sent ahead of it, not answered yet).
    ping_ahead: usize,
    /// The connection answered something or sent a watch event since its handshake: it is
    /// good for the local expiry (and, once it has lived a while, for the backoff).
    proven: bool,
    /// When the awaited answers are overdue (none came for a read timeout).
    answer_due: Option<Instant>,
    /// Set once closeSession was queued; holds whom to tell when the task has stopped.
    closing: Option<Option<oneshot::Sender<()>>>,
    /// The server answered closeSession.
    closed: bool,
    /// The host list changed and this connection leaves for another server (see
    /// `HostList::update`).
    moving: bool,
}

impl Connection {
    /// Queues a ping behind everything queued so far.
    fn queue_ping(&mut self, outbound: &mut Vec<u8>) {
        outbound.extend_from_slice(&encode_empty_request(PING_XID, OpCode::Ping));
        self.ping_sent();
    }

    /// Starts the clock on the awaited answers when something begins to wait, stops it when
    /// nothing does. Whatever the server sends meanwhile (events, a drip of bytes), an answer
    /// awaited for a whole read timeout means the connection is broken: every request ends by
    /// then, with connection-loss.
    fn time_awaited_answers(&mut self, read_timeout: Duration) {
        if !self.awaiting() {
            self.answer_due = None;
        } else if self.answer_due.is_none() {
            self.answer_due = Some(Instant::now() + read_timeout);
        }
    }

    /// Makes room for the next read when little is left: a big buffer while the connection is
    /// busy, a small one while it is quiet.
    fn make_read_room(&self, inbound: &mut BytesMut) {
        if inbound.capacity() - inbound.len() < READ_CHUNK / 4 {
            inbound.reserve(if self.busy {
                BUSY_READ_CHUNK
            } else {
                READ_CHUNK
            });
        }
    }

    /// Answers the server owes (requests, auth packets, SetWatches), pings aside.
    fn answers_owed(&self) -> usize {
        self.pending.len() + self.auth_schemes.len() + self.set_watches
    }

    /// Something sent waits for its answer.
    fn awaiting(&self) -> bool {
        self.ping_outstanding || self.answers_owed() > 0
    }

    /// A ping was queued behind everything sent so far.
    fn ping_sent(&mut self) {
        self.ping_outstanding = true;
        self.ping_ahead = self.answers_owed();
    }

    /// An answer other than a ping's came: one fewer that the ping's must follow.
    fn answer_ahead_of_ping(&mut self) {
        if self.ping_outstanding {
            self.ping_ahead = self.ping_ahead.saturating_sub(1);
        }
    }
}

/// The clocks of one connection: when it opened, last brought something and last sent
/// something, against the limits the negotiated session timeout sets.
struct Liveness {
    opened: Instant,
    last_received: Instant,
    last_sent: Instant,
    /// Silence (or awaited answers) this long breaks the connection: two thirds of the
    /// session timeout.
    read_timeout: Duration,
    /// A ping is sent this long after the last write, unless one is outstanding.
    ping_interval: Duration,
}

impl Liveness {
    fn new(session_timeout: Duration) -> Self {
        let read_timeout = session_timeout * 2 / 3;
        let opened = Instant::now();
        Liveness {
            opened,
            last_received: opened,
            last_sent: opened,
            read_timeout,
            ping_interval: read_timeout / 2,
        }
    }

    /// When the connection has been silent for a read timeout.
    fn silent_from(&self) -> Instant {
        self.last_received + self.read_timeout
    }

    /// When the timer must next look at the connection: when it falls silent, when the
    /// awaited answers are overdue, or when a ping is due.
    fn next_deadline(&self, conn: &Connection) -> Instant {
        let mut deadline = self.silent_from();
        if let Some(due) = conn.answer_due {
            deadline = deadline.min(due);
        }
        if !conn.ping_outstanding && conn.closing.is_none() {
            deadline = deadline.min(self.last_sent + self.ping_interval);
        }
        deadline
    }

    /// The timer fired: says why the connection is broken when it fell silent or left the
    /// awaited answers overdue; else queues a ping when one is due.
    fn on_timer(&self, outbound: &mut Vec<u8>, conn: &mut Connection) -> Option<String> {
        let now = Instant::now();
        let read_timeout = self.read_timeout;
        if now >= self.silent_from() {
            return Some(format!("no answer from the server for {read_timeout:?}"));
        }
        if conn.answer_due.is_some_and(|due| now >= due) {
            return Some(format!(
                "the server answered none of the requests waiting for {read_timeout:?}"
            ));
        }
        if !conn.ping_outstanding && now >= self.last_sent + self.ping_interval {
            conn.queue_ping(outbound);
        }
        None
    }
}

/// What a ConnectResponse says.
#[derive(Debug, PartialEq, Eq)]
enum Handshake {
    /// A session, the one asked for (or a new one when none was).
    Valid,
    /// The session asked for is gone (the server's answer: timeOut 0 and session id 0; a
    /// different session id means the same).
    Expired,
    /// Not an answer a ZooKeeper server gives (no timeout or session for a new session, a
    /// password that is not 16 bytes): a failed attempt.
    Invalid,
}

fn judge_handshake(asked: i64, response: &ConnectResponse) -> Handshake {
    if asked != 0
        && (response.timeout <= 0 || response.session_id == 0 || response.session_id != asked)
    {
        return Handshake::Expired;
    }
    if response.timeout <= 0 || response.session_id == 0 || response.passwd.len() != 16 {
        return Handshake::Invalid;
    }
    Handshake::Valid
}

/// Writes some of `outbound`, or flushes the writer when `outbound` is empty (then `Ok(0)`).
async fn write_or_flush<W: AsyncWrite + Unpin>(
    writer: &mut W,
    outbound: &[u8],
) -> std::io::Result<usize> {
    if outbound.is_empty() {
        writer.flush().await.map(|()| 0)
    } else {
        writer.write(outbound).await
    }
}

fn millis_i32(duration: Duration) -> i32 {
    duration.as_millis().min(i32::MAX as u128) as i32
}

async fn sleep_until_or_never(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// How long one connect attempt (TCP connect and handshake) may take: the session timeout
/// shared among the hosts, as the Java and C clients share it, but at most a third of it. A
/// server that takes the connection and never answers (one still starting up) then leaves
/// time for more attempts before the session would expire: with one host given the whole
/// timeout for each attempt, one such connection would cost the session.
fn connect_attempt_timeout(session_timeout: Duration, hosts: usize) -> Duration {
    let hosts = u32::try_from(hosts.max(1)).unwrap_or(u32::MAX);
    (session_timeout / hosts)
        .min(session_timeout / 3)
        .max(MIN_CONNECT_TIMEOUT)
}

/// Why a connect attempt failed.
enum AttemptFailure {
    /// The network, or a server that misbehaved: tried again after the backoff.
    Network(String),
    /// TLS failed ([`Error::Tls`]): see `Task::tls_failed`.
    Tls(Error),
}

/// Connects to `host` (over TLS when `tls` is given) and performs the handshake, within
/// `limit` (after `delay`).
async fn handshake(
    host: HostAddr,
    resolver: super::Resolver,
    tls: Option<TlsConnector>,
    request: ConnectRequest,
    delay: Duration,
    limit: Duration,
) -> std::result::Result<(Stream, ConnectResponse, BytesMut), AttemptFailure> {
    if !delay.is_zero() {
        sleep(delay).await;
    }
    let network = AttemptFailure::Network;
    // A read or write error: a TLS alert (a server that wants a client certificate says so
    // after a TLS 1.3 handshake, at the first read) is a TLS failure.
    let io_failure = |what: &str, error: std::io::Error| match &tls {
        Some(tls) if TlsConnector::is_tls_failure(&error) => {
            AttemptFailure::Tls(tls.failure(&host.to_string(), &error, false))
        }
        _ => network(format!("{what} with {host}: {error}")),
    };
    let deadline = Instant::now() + limit;
    let attempt = async {
        let mut stream = Stream::open(&host, &resolver, tls.as_ref(), Some(deadline))
            .await
            .map_err(|failure| match failure {
                OpenFailure::Network(why) => network(why),
                OpenFailure::Tls(error) => AttemptFailure::Tls(error),
            })?;
        stream
            .write_all(&encode_frame(&request))
            .await
            .map_err(|e| io_failure("handshake", e))?;
        stream
            .flush()
            .await
            .map_err(|e| io_failure("handshake", e))?;
        let mut buffer = BytesMut::with_capacity(READ_CHUNK);
        let frame = match read_frame(&mut stream, &mut buffer, MAX_HANDSHAKE_REPLY).await {
            Ok(frame) => frame,
            Err(FrameError::Malformed(e)) => {
                return Err(network(format!(
                    "{host} sent a malformed handshake reply: {e}"
                )))
            }
            Err(FrameError::Oversize(declared)) => {
                return Err(network(not_plain_zookeeper(&host, &buffer, declared, &tls)));
            }
            Err(FrameError::Io(e)) => return Err(io_failure("handshake", e)),
            Err(FrameError::Closed) => {
                return Err(network(format!(
                    "{host} closed the connection during the handshake (it may be behind this client's last zxid{})",
                    if tls.is_none() { ", or a TLS port: configure TLS" } else { "" }
                )));
            }
        };
        let response: ConnectResponse =
            decode_all(&frame[4..]).map_err(|e| network(format!("{host} handshake reply: {e}")))?;
        Ok((stream, response, buffer))
    };
    timeout(limit, attempt)
        .await
        .map_err(|_| network(format!("handshake with {host} timed out after {limit:?}")))?
}

/// Why a handshake reply of length `declared` is refused: a TLS record (0x15 0x03: an alert)
/// from a server spoken to in plain text means a TLS port.
fn not_plain_zookeeper(
    host: &HostAddr,
    buffer: &[u8],
    declared: usize,
    tls: &Option<TlsConnector>,
) -> String {
    if tls.is_none() && buffer.len() >= 2 && buffer[0] == 0x15 && buffer[1] == 0x03 {
        format!("{host} answered with a TLS alert: it is a TLS port (configure TLS)")
    } else {
        format!("{host} sent a handshake reply of length {declared}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(timeout: i32, session_id: i64, passwd: usize) -> ConnectResponse {
        ConnectResponse {
            protocol_version: 0,
            timeout,
            session_id,
            passwd: vec![7; passwd],
            read_only: false,
        }
    }

    #[test]
    fn a_handshake_without_a_timeout_or_a_session_is_expiry_when_resuming_else_invalid() {
        assert_eq!(judge_handshake(0, &response(4000, 9, 16)), Handshake::Valid);
        assert_eq!(judge_handshake(9, &response(4000, 9, 16)), Handshake::Valid);
        for (timeout, session) in [(0, 9), (-1, 9), (4000, 0), (0, 0)] {
            let answer = response(timeout, session, 16);
            assert_eq!(judge_handshake(0, &answer), Handshake::Invalid);
            assert_eq!(judge_handshake(9, &answer), Handshake::Expired);
        }
        assert_eq!(
            judge_handshake(9, &response(4000, 8, 16)),
            Handshake::Expired
        );
        for length in [0, 15, 17] {
            assert_eq!(
                judge_handshake(0, &response(4000, 9, length)),
                Handshake::Invalid
            );
            assert_eq!(
                judge_handshake(9, &response(4000, 9, length)),
                Handshake::Invalid
            );
        }
    }

    #[test]
    fn a_connect_attempt_gets_its_share_of_the_session_timeout_but_at_most_a_third() {
        let second = Duration::from_secs(1);
        assert_eq!(connect_attempt_timeout(30 * second, 1), 10 * second);
        assert_eq!(connect_attempt_timeout(30 * second, 3), 10 * second);
        assert_eq!(connect_attempt_timeout(30 * second, 5), 6 * second);
        assert_eq!(connect_attempt_timeout(second, 5), MIN_CONNECT_TIMEOUT);
        assert_eq!(connect_attempt_timeout(30 * second, 0), 10 * second);
    }
}

#[cfg(test)]
mod footprint {
    use super::*;

    /// A session costs its task's future for as long as it lives: a thousand idle sessions
    /// must fit in 16 MB (bench/results.md, "sessions"). The connect and serve phases are
    /// boxed while they run, so the task itself stays small whatever they hold.
    #[test]
    fn the_session_task_future_stays_small() {
        let config = SessionConfig {
            hosts: crate::session::parse_hosts("127.0.0.1:1").unwrap(),
            randomize_hosts: false,
            session_timeout: Duration::from_secs(10),
            session_id: 0,
            session_password: Secret::default(),
            can_be_read_only: false,
            max_reply_size: 1 << 20,
            connection_retry: crate::retry::RetryPolicy::default(),
            auth: Vec::new(),
            tls: None,
            sasl: None,
            resolver: super::super::Resolver::default(),
        };
        let status = Arc::new(super::super::Status::new(&config));
        struct Nothing;
        impl SessionEvents for Nothing {
            fn state_changed(&self, _: KeeperState) {}
            fn dispatch(&self, _: Box<dyn super::super::Job>) {}
        }
        let (_commands, receiver) = mpsc::unbounded_channel();
        let task = run(config, receiver, status, Arc::new(Nothing), Arc::default());
        let size = std::mem::size_of_val(&task);
        assert!(size <= 2048, "the session task's future is {size} bytes");
    }
}
