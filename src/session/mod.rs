//! The session: one task per client that owns the socket. It performs the handshake, keeps the
//! connection alive with pings, matches replies to requests, coalesces writes, reconnects
//! across the host list, and tracks `lastZxid` and expiry. It knows nothing of the C layer.

mod hosts;
mod probe;
mod resolve;
mod sasl;
mod stats;
mod task;
mod tls;
mod transport;
mod watches;

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};

use crate::error::{Error, Result};
use crate::proto::{ErrorCode, KeeperState, OpCode};
use crate::secret::Secret;

pub use hosts::{parse_hosts, HostAddr, DEFAULT_PORT};
pub(crate) use probe::four_letter_word;
pub use resolve::{HostResolver, Resolver};
pub use sasl::{GssapiOptions, SaslOptions};
pub use stats::{ClientStats, Stats};
pub(crate) use tls::TlsConnector;
pub use tls::{Pem, TlsOptions};
pub use watches::{
    OnceWatcher, PendingWatch, PersistentWatcher, WatchEvent, WatchKind, WatchRegistry,
};

/// What a session needs to know to run.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// The servers to connect to.
    pub hosts: Vec<HostAddr>,
    /// Shuffle `hosts` before walking them.
    pub randomize_hosts: bool,
    /// The session timeout to ask for (the server clamps it).
    pub session_timeout: Duration,
    /// Resume this session instead of creating one (0 = new).
    pub session_id: i64,
    /// The password of the session to resume.
    pub session_password: Secret,
    /// Accept read-only servers (a partitioned minority).
    pub can_be_read_only: bool,
    /// Largest reply frame accepted; bigger replies fail their request only.
    pub max_reply_size: usize,
    /// How connection attempts back off, and when they give up (the session then ends).
    pub connection_retry: crate::retry::RetryPolicy,
    /// Credentials (scheme, credential) sent on every new connection before CONNECTED.
    pub auth: Vec<(String, Secret)>,
    /// Speak TLS to every server.
    pub tls: Option<TlsConnector>,
    /// Authenticate with SASL on every connection, right after the handshake.
    pub sasl: Option<SaslOptions>,
    /// Turns host names into addresses before each connection attempt.
    pub resolver: Resolver,
}

/// A reply from the server: the header's error, and the body that follows it.
#[derive(Debug)]
pub struct Reply {
    /// The error of the reply header.
    pub err: ErrorCode,
    /// The reply record (empty when `err` is not OK).
    pub body: Bytes,
}

impl Reply {
    /// The body, or the server's error.
    pub fn into_body(self) -> Result<Bytes> {
        if self.err.is_ok() {
            Ok(self.body)
        } else {
            Err(Error::Keeper(self.err))
        }
    }
}

/// What the session answers a request: the reply or the failure, and the request's watch if it
/// was not registered (handed back so that the caller drops it, and with it any user data, on
/// its own thread before it returns).
pub struct Answer {
    /// The reply, or why there is none.
    pub result: Result<Reply>,
    /// The watch of the request, when it was not registered.
    pub unregistered: Option<PendingWatch>,
}

/// One request on its way to the server.
pub struct Request {
    /// The whole frame from `proto::encode_request`; its xid is assigned by the session.
    pub frame: Vec<u8>,
    /// The operation, for bookkeeping.
    pub op: OpCode,
    /// Where the answer goes.
    pub reply: ReplyTo,
    /// A watch to register if the reply confirms it.
    pub watch: Option<PendingWatch>,
}

/// Where a request's answer goes.
pub enum ReplyTo {
    /// A waiting caller (blocking or `.await`).
    Caller(oneshot::Sender<Answer>),
    /// A callback, run on the client's dispatcher: after every event and completion the
    /// server sent before this reply, before any it sent after.
    Callback(Box<dyn Completion>),
}

impl ReplyTo {
    /// A callback for the answer, in one allocation that later carries the answer too.
    pub fn callback(callback: impl FnOnce(Answer) + Send + 'static) -> ReplyTo {
        ReplyTo::Callback(Box::new(Answered {
            callback,
            answer: None,
        }))
    }

    /// Delivers `answer`. Returns the unregistered watch when nobody took the answer (the
    /// caller stopped waiting), to be released off the runtime.
    fn deliver(self, answer: Answer, events: &dyn SessionEvents) -> Option<PendingWatch> {
        match self {
            ReplyTo::Caller(caller) => caller.send(answer).err().and_then(|lost| lost.unregistered),
            ReplyTo::Callback(callback) => {
                events.dispatch(callback.answered(answer));
                None
            }
        }
    }
}

/// Something the client's dispatcher runs once: any `FnOnce()`, or an answered callback.
pub trait Job: Send {
    /// Runs it.
    fn run(self: Box<Self>);
}

impl<F: FnOnce() + Send> Job for F {
    fn run(self: Box<Self>) {
        (*self)()
    }
}

/// A request's callback waiting for its answer; answered, it becomes the job that calls it,
/// in the same allocation (a pipelined request costs one box for its callback, not two).
pub trait Completion: Send {
    /// Stores the answer and hands the callback over as a job.
    fn answered(self: Box<Self>, answer: Answer) -> Box<dyn Job>;
}

struct Answered<F> {
    callback: F,
    answer: Option<Answer>,
}

impl<F: FnOnce(Answer) + Send + 'static> Completion for Answered<F> {
    fn answered(mut self: Box<Self>, answer: Answer) -> Box<dyn Job> {
        self.answer = Some(answer);
        self
    }
}

impl<F: FnOnce(Answer) + Send + 'static> Job for Answered<F> {
    fn run(self: Box<Self>) {
        let Answered { callback, answer } = *self;
        if let Some(answer) = answer {
            callback(answer);
        }
    }
}

impl Request {
    /// Fails the request; its watch goes back to the caller unregistered.
    fn fail(self, error: Error, events: &dyn SessionEvents) -> Option<PendingWatch> {
        let answer = Answer {
            result: Err(error),
            unregistered: self.watch,
        };
        self.reply.deliver(answer, events)
    }
}

/// What the client sends its session task.
pub enum Command {
    /// Send a request.
    Request(Request),
    /// Close the session (its ephemeral nodes go at once); the sender is told when done.
    Close(oneshot::Sender<()>),
    /// Remove one watch registration. The server is told, in order with the requests around
    /// it, only when no other watcher of that kind on that path remains or is being set.
    RemoveWatch {
        /// The registration.
        id: u64,
        /// Receives the removed watcher (to be dropped by the caller), or `None`.
        done: oneshot::Sender<Option<Box<dyn std::any::Any + Send>>>,
    },
    /// Remove every watch of `kinds` on `path` (ZooKeeper's removeWatches), in order with the
    /// requests around it: the registered ones, and those still being set by requests sent
    /// before it (the server removes those with it); then `request`, the removeWatches frame,
    /// is sent.
    RemoveWatches {
        /// The server path.
        path: String,
        /// The local kinds to remove.
        kinds: &'static [WatchKind],
        /// The removeWatches request.
        request: Request,
        /// Receives the removed watchers (to be dropped by the caller), before the answer.
        removed: oneshot::Sender<Vec<Box<dyn std::any::Any + Send>>>,
    },
    /// Replace the host list (`zoo_set_servers`): the connection moves when the current server
    /// left the list, or by chance when the list grew (see `HostList::update`), so that load
    /// spreads over the new list; the session is kept either way.
    UpdateHosts {
        /// The new servers (not empty).
        hosts: Vec<HostAddr>,
        /// Told whether the connection moves.
        done: oneshot::Sender<bool>,
    },
    /// Add a credential: sent now when connected, and replayed on every new connection.
    AddAuth {
        /// The scheme (`digest`, ...).
        scheme: String,
        /// The credential (`user:password` for digest).
        credential: Secret,
        /// Told when the server accepted it (or why not).
        done: oneshot::Sender<Result<()>>,
    },
}

/// What the session tells its owner; called on the runtime thread, so it must only queue.
pub trait SessionEvents: Send + Sync + 'static {
    /// The keeper state changed (connected, disconnected, expired, closed, ...).
    fn state_changed(&self, state: KeeperState);
    /// Runs `job` (watchers to call) after every event queued before it, off the runtime.
    fn dispatch(&self, job: Box<dyn Job>);
    /// Jobs dispatched from now until `end_batch` may wait for it before the thread that
    /// runs them is woken: one wake-up for everything one read brought.
    fn begin_batch(&self) {}
    /// Ends a batch: wakes the callback thread once if jobs were queued meanwhile.
    fn end_batch(&self) {}
}

/// What is known of the session right now, shared between the task and the client.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    /// The current keeper state.
    pub state: KeeperState,
    /// The session id (0 before the first handshake).
    pub session_id: i64,
    /// The session password (never printed; wiped when dropped).
    pub password: Secret,
    /// The timeout the server granted (the requested one until then).
    pub negotiated_timeout: Duration,
    /// The server of the current connection.
    pub server: Option<HostAddr>,
    /// The highest zxid seen in a reply.
    pub last_zxid: i64,
    /// Bumped at every change.
    pub generation: u64,
    /// A session task is running (between `spawn` and the end of the task).
    pub running: bool,
    /// Why the last session task ended on its own (a refused credential, a session to resume
    /// that the server no longer has); `None` while one runs or when it was closed.
    pub end_reason: Option<Error>,
    /// Why the last connection attempt failed (refused, timed out, TLS, a closed handshake,
    /// ...), for messages; `None` before any failure and once a connection is announced.
    pub last_connect_failure: Option<String>,
}

/// The shared [`SessionInfo`] and a condition variable for waiting on its changes, and the
/// client's [`Stats`] (one set per client: they outlive every session task).
pub struct Status {
    info: Mutex<SessionInfo>,
    changed: Condvar,
    stats: Stats,
}

impl Status {
    /// A status for a client not started yet.
    pub fn new(config: &SessionConfig) -> Status {
        Status {
            info: Mutex::new(SessionInfo {
                state: KeeperState::Closed,
                session_id: config.session_id,
                password: config.session_password.clone(),
                negotiated_timeout: config.session_timeout,
                server: None,
                last_zxid: 0,
                generation: 0,
                running: false,
                end_reason: None,
                last_connect_failure: None,
            }),
            changed: Condvar::new(),
            stats: Stats::default(),
        }
    }

    /// The client's counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// A copy of the current information.
    pub fn snapshot(&self) -> SessionInfo {
        self.lock().clone()
    }

    fn lock(&self) -> MutexGuard<'_, SessionInfo> {
        self.info
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn update(&self, change: impl FnOnce(&mut SessionInfo)) {
        let mut info = self.lock();
        change(&mut info);
        info.generation += 1;
        drop(info);
        self.changed.notify_all();
    }

    /// Blocks until `done` holds or `timeout` passes; returns the last information seen and
    /// whether `done` held.
    pub fn wait_until(
        &self,
        timeout: Duration,
        done: impl Fn(&SessionInfo) -> bool,
    ) -> (SessionInfo, bool) {
        let deadline = Instant::now() + timeout;
        let mut info = self.lock();
        loop {
            if done(&info) {
                return (info.clone(), true);
            }
            let now = Instant::now();
            if now >= deadline {
                return (info.clone(), false);
            }
            info = self
                .changed
                .wait_timeout(info, deadline - now)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
    }
}

/// Starts a session task on the shared runtime; requests go through the returned sender. The
/// task ends after a [`Command::Close`] or when every sender is dropped.
pub fn spawn(
    config: SessionConfig,
    status: Arc<Status>,
    events: Arc<dyn SessionEvents>,
    watches: Arc<Mutex<WatchRegistry>>,
) -> mpsc::UnboundedSender<Command> {
    let (sender, receiver) = mpsc::unbounded_channel();
    status.update(|info| {
        info.running = true;
        info.end_reason = None;
    });
    crate::runtime::handle().spawn(task::run(config, receiver, status, events, watches));
    sender
}
