//! The Rust API: [`Client`] (cheap to clone, `Send + Sync`), its options, connection-state
//! listeners, chroot and path rules, and every operation, usable with `.await` in async code
//! or `.wait()` (see [`crate::Wait`]) from any other thread.

mod acl;
mod admin;
mod config;
mod dispatch;
mod follow;
mod listeners;
mod ops;
pub mod path;
mod pipelined;
mod transaction;
mod watch;

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use crate::error::{Error, Result};
use crate::proto::{Acl, KeeperState};
use crate::runtime::Wait;
use crate::secret::Secret;
use crate::session::{
    self, parse_hosts, Command, Resolver, SessionConfig, Status, TlsConnector, WatchRegistry,
};

pub use crate::retry::RetryPolicy;
pub use crate::session::{
    ClientStats, GssapiOptions, HostAddr, HostResolver, Pem, SaslOptions, SessionInfo, TlsOptions,
    DEFAULT_PORT,
};
pub use acl::{digest_acl, digest_acl_id};
pub use admin::{four_letter_word, MAX_FOUR_LETTER_WORD_REPLY};
pub use config::{EnsembleConfig, EnsembleMember, MemberRole, CONFIG_NODE};
pub use listeners::{Listener, ListenerId, State};
pub use ops::{ChildNames, CreateOptions, Created};
pub use transaction::{OpResult, Transaction};
pub use watch::{WatchId, WatchedEvent};

/// The server's default `jute.maxbuffer`: the largest request frame it reads (1 MiB - 1).
pub const DEFAULT_MAX_REQUEST_SIZE: usize = 0xfffff;
/// The default inbound limit: large enough for a listing of 100,000 children.
pub const DEFAULT_MAX_REPLY_SIZE: usize = 16 << 20;
/// The smallest `max_reply_size` accepted: room for any reply header and a small node.
pub const MIN_MAX_REPLY_SIZE: usize = 1024;
/// The length of a session password, as the server hands it out.
pub const SESSION_PASSWORD_LEN: usize = 16;
/// kazoo's default session timeout.
pub const DEFAULT_SESSION_TIMEOUT: Duration = Duration::from_secs(10);

/// How a client connects and behaves. `ClientOptions::default()` suits most uses.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// The session timeout to ask for; the server clamps it to [2, 20] x its tickTime.
    pub session_timeout: Duration,
    /// Shuffle the hosts of the connect string before walking them (default true).
    pub randomize_hosts: bool,
    /// Resume this session (with `session_password`) instead of creating one; 0 = new.
    pub session_id: i64,
    /// The password of the session to resume: [`SESSION_PASSWORD_LEN`] bytes, or empty.
    pub session_password: Secret,
    /// Accept a read-only server when no read-write one answers (default false).
    pub can_be_read_only: bool,
    /// Requests larger than this are refused locally (the server would drop the connection).
    pub max_request_size: usize,
    /// Replies larger than this fail their request, as soon as their length is read; the
    /// connection is reopened (the session is kept), and requests in flight with it fail
    /// with connection-loss. At least [`MIN_MAX_REPLY_SIZE`].
    pub max_reply_size: usize,
    /// The ACL of nodes created without an explicit one (default: open to everyone); not
    /// empty.
    pub default_acl: Vec<Acl>,
    /// Credentials (scheme, credential) sent on every connection before CONNECTED is
    /// announced, e.g. `("digest", b"user:password")` (kazoo's `auth_data`).
    pub auth: Vec<(String, Secret)>,
    /// Speak TLS to every server of the connect string (their `secureClientPort`s); `None`:
    /// plain TCP.
    pub tls: Option<TlsOptions>,
    /// Authenticate with SASL (DIGEST-MD5 or GSSAPI) on every connection, before CONNECTED
    /// is announced; `None`: no SASL.
    pub sasl: Option<SaslOptions>,
    /// The policy of [`Client::retry`] (kazoo's `command_retry`).
    pub command_retry: RetryPolicy,
    /// How reconnection backs off between rounds over the hosts, and when it gives up (kazoo's
    /// `connection_retry`; default: never gives up, pauses from 50 ms up to 1 s).
    pub connection_retry: RetryPolicy,
    /// Run this client's callbacks (completions, watches, listeners) on the network thread,
    /// right as replies are read, instead of on a dispatcher thread (default false). It saves
    /// a thread hand-off and a wake-up per burst of replies; in exchange every callback must
    /// be short and must not block: a blocking call of any client from inside one is refused
    /// (the C functions return `ZK_EAPIERROR`, a Rust call panics), and a slow callback
    /// delays every session of the network thread. Asynchronous calls are fine. Order is
    /// kept: one callback at a time, in the order the server answered. Incompatible with
    /// manual dispatch.
    pub inline_callbacks: bool,
    /// How long a host name's resolution is reused (default zero: every name is resolved
    /// again before each connection attempt, so that a name whose address changed reaches the
    /// new one). Every address of a name is tried, in the resolver's order. A name none of
    /// whose addresses took the connection is resolved again at the next attempt, whatever
    /// this window (the C client's `zoo_set_servers_resolution_delay`).
    pub host_resolution_delay: Duration,
    /// Resolve host names with this instead of the system's resolver (`getaddrinfo`): for
    /// service discovery, or for tests. IP literals are never passed to it.
    pub resolver: Option<HostResolver>,
    /// Follow the ensemble's own configuration (Curator's `EnsembleTracker`; default false):
    /// the client watches `/zookeeper/config` and, whenever a newer configuration is
    /// committed (a reconfig), takes its members' client addresses, participants and
    /// observers, as its host list, as [`Client::update_hosts`] does (rebalancing included).
    /// It is read again on every connection, so a change made while disconnected is not
    /// missed. The configuration names plain client ports only, so this cannot be combined
    /// with [`ClientOptions::tls`].
    pub follow_ensemble_config: bool,
}

/// The default connection retry: unlimited rounds over the hosts, pausing 50 ms, doubling up
/// to 1 s, with jitter.
pub fn default_connection_retry() -> RetryPolicy {
    RetryPolicy {
        max_tries: None,
        delay: Duration::from_millis(50),
        backoff: 2.0,
        max_jitter: 0.5,
        max_delay: Duration::from_secs(1),
        deadline: None,
        retry_session_expired: true,
    }
}

impl ClientOptions {
    /// Checks every option, as [`Client::new`] does before it takes them: the session timeout
    /// is 1 ms to `i32::MAX` ms (24 days, what the handshake carries); the session password is
    /// empty (a new session) or [`SESSION_PASSWORD_LEN`] bytes; `max_reply_size` is
    /// [`MIN_MAX_REPLY_SIZE`] to `i32::MAX` bytes (a frame length is an `i32`); the default ACL
    /// has at least one entry; both retry policies are valid; and every credential passes the
    /// checks of [`ClientOptions::add_auth`]. [`Error::InvalidArgument`] names the first
    /// option that breaks its rule ([`Error::RequestTooLarge`] for a credential).
    pub fn validate(&self) -> Result<()> {
        self.checked().map(drop)
    }

    /// [`ClientOptions::validate`], and the TLS configuration made from the options (its PEM
    /// files read once).
    fn checked(&self) -> Result<Option<TlsConnector>> {
        let timeout_ms = self.session_timeout.as_millis();
        if timeout_ms == 0 || timeout_ms > i32::MAX as u128 {
            return Err(Error::InvalidArgument(format!(
                "session timeout {:?} is out of range (1 ms to 24 days)",
                self.session_timeout
            )));
        }
        if !self.session_password.is_empty() {
            check_session_password(self.session_password.expose())?;
        }
        if self.max_reply_size < MIN_MAX_REPLY_SIZE || self.max_reply_size > i32::MAX as usize {
            return Err(Error::InvalidArgument(format!(
                "max reply size {} is out of range ({MIN_MAX_REPLY_SIZE} to {} bytes)",
                self.max_reply_size,
                i32::MAX
            )));
        }
        if self.default_acl.is_empty() {
            return Err(Error::InvalidArgument(
                "the default ACL needs at least one entry".into(),
            ));
        }
        self.command_retry.validate()?;
        self.connection_retry.validate()?;
        for (scheme, credential) in &self.auth {
            check_credential(scheme, credential.expose(), self.max_request_size)?;
        }
        if let Some(sasl) = &self.sasl {
            sasl.validate()?;
        }
        if self.follow_ensemble_config && self.tls.is_some() {
            return Err(Error::InvalidArgument(
                "follow_ensemble_config cannot be combined with TLS: the ensemble configuration \
                 names only the servers' plain client ports"
                    .into(),
            ));
        }
        self.tls.as_ref().map(TlsOptions::connector).transpose()
    }

    /// Resumes the session `session_id` with its password (from [`Client::session_info`] of
    /// another client) instead of creating one: refused, and nothing changed, unless the
    /// password is [`SESSION_PASSWORD_LEN`] bytes.
    pub fn resume_session(&mut self, session_id: i64, password: &[u8]) -> Result<()> {
        check_session_password(password)?;
        self.session_id = session_id;
        self.session_password = Secret::copy_of(password);
        Ok(())
    }

    /// Adds a credential to [`ClientOptions::auth`] (kazoo's `auth_data`): refused, and not
    /// stored, when the scheme is empty or the auth packet would be over
    /// [`ClientOptions::max_request_size`] ([`Error::RequestTooLarge`]: the server would close
    /// every connection it is replayed on).
    pub fn add_auth(&mut self, scheme: &str, credential: &[u8]) -> Result<()> {
        check_credential(scheme, credential, self.max_request_size)?;
        self.auth
            .push((scheme.to_string(), Secret::copy_of(credential)));
        Ok(())
    }
}

/// A session password has exactly this many bytes.
fn check_session_password(password: &[u8]) -> Result<()> {
    if password.len() == SESSION_PASSWORD_LEN {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "a session password is {SESSION_PASSWORD_LEN} bytes, not {}",
            password.len()
        )))
    }
}

/// The size of the auth packet of a credential, as the server counts it against its
/// `jute.maxbuffer`: RequestHeader {xid, type} and AuthPacket {type; string scheme; buffer
/// auth}, each string and buffer with its 4-byte length.
fn auth_request_size(scheme: &str, credential: &[u8]) -> usize {
    8 + 4 + (4 + scheme.len()) + (4 + credential.len())
}

/// A credential is refused before it is stored: a server closes, without an answer, every
/// connection that sends a request over its limit, so a stored one would cost every
/// connection of the session.
fn check_credential(scheme: &str, credential: &[u8], max_request_size: usize) -> Result<()> {
    if scheme.is_empty() {
        return Err(Error::InvalidArgument("the auth scheme is empty".into()));
    }
    let size = auth_request_size(scheme, credential);
    if size > max_request_size {
        return Err(Error::RequestTooLarge {
            size,
            limit: max_request_size,
        });
    }
    Ok(())
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            session_timeout: DEFAULT_SESSION_TIMEOUT,
            randomize_hosts: true,
            session_id: 0,
            session_password: Secret::default(),
            can_be_read_only: false,
            max_request_size: DEFAULT_MAX_REQUEST_SIZE,
            max_reply_size: DEFAULT_MAX_REPLY_SIZE,
            default_acl: Acl::open_unsafe(),
            auth: Vec::new(),
            tls: None,
            sasl: None,
            command_retry: RetryPolicy::default(),
            connection_retry: default_connection_retry(),
            inline_callbacks: false,
            host_resolution_delay: Duration::ZERO,
            resolver: None,
            follow_ensemble_config: false,
        }
    }
}

/// A ZooKeeper client: one session, reconnected across the servers of its connect string.
/// Clones share the session. Dropping the last clone closes the session.
///
/// A client belongs to the process that created it. In a child of `fork()` every call on an
/// inherited client fails with [`Error::Forked`] at once, and dropping it frees nothing and
/// sends nothing (its locks may have been held by the parent's threads, and its session is
/// the parent's); a client created in the child works.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl Drop for Client {
    fn drop(&mut self) {
        if self.is_inherited() {
            // Never freed in this process: its drop would take locks and wake tasks of the
            // parent's threads, which do not exist here.
            std::mem::forget(Arc::clone(&self.inner));
        }
    }
}

struct Inner {
    /// The process that created the client.
    pid: u32,
    /// The servers: the connect string's, then those of the last update.
    hosts: RwLock<Vec<HostAddr>>,
    chroot: Option<String>,
    options: ClientOptions,
    /// Host names to addresses, for every session of the client (one cache).
    resolver: Resolver,
    /// The TLS configuration, built once from `options.tls`.
    tls: Option<TlsConnector>,
    status: Arc<Status>,
    notifier: Arc<listeners::Notifier>,
    session: RwLock<Option<mpsc::UnboundedSender<Command>>>,
    watches: Arc<Mutex<WatchRegistry>>,
    next_watch_id: AtomicU64,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Listeners may own resources (a C user-data destructor): release them now.
        self.notifier.clear();
    }
}

/// Splits a connect string into its hosts and its chroot.
pub fn parse_connect_string(connect_string: &str) -> Result<(Vec<HostAddr>, Option<String>)> {
    let (hosts, chroot) = match connect_string.find('/') {
        Some(slash) => (&connect_string[..slash], Some(&connect_string[slash..])),
        None => (connect_string, None),
    };
    let hosts = parse_hosts(hosts)?;
    let chroot = match chroot {
        Some(chroot) => path::validate_chroot(chroot)?,
        None => None,
    };
    Ok((hosts, chroot))
}

impl Client {
    /// A client for `connect_string` (`"h1:2181,h2:2182,[::1]:2183/optional/chroot"`). Nothing
    /// is connected until [`Client::start`].
    pub fn new(connect_string: &str, options: ClientOptions) -> Result<Client> {
        let (hosts, chroot) = parse_connect_string(connect_string)?;
        let tls = options.checked()?;
        let resolver = Resolver::new(options.resolver.as_ref(), options.host_resolution_delay);
        let config = Self::session_config(
            &hosts,
            &options,
            tls.clone(),
            resolver.clone(),
            options.session_id,
            options.session_password.expose(),
        );
        // The sessions' runtime (this process's own, after a fork) must exist before a
        // client does.
        crate::runtime::try_handle()?;
        let notifier = Arc::new(listeners::Notifier::new(options.inline_callbacks));
        let follow = options.follow_ensemble_config;
        let client = Client {
            inner: Arc::new(Inner {
                pid: crate::runtime::process_id(),
                status: Arc::new(Status::new(&config)),
                hosts: RwLock::new(hosts),
                chroot,
                resolver,
                options,
                tls,
                notifier,
                session: RwLock::new(None),
                watches: Arc::default(),
                next_watch_id: AtomicU64::new(1),
            }),
        };
        if follow {
            // Holds the client weakly: following never keeps a dropped client alive.
            let follower = Arc::new(follow::Follower::default());
            let weak = Arc::downgrade(&client.inner);
            client
                .inner
                .notifier
                .set_internal(Arc::new(move |_, keeper| {
                    follower.state_changed(&weak, keeper);
                }));
        }
        Ok(client)
    }

    fn session_config(
        hosts: &[HostAddr],
        options: &ClientOptions,
        tls: Option<TlsConnector>,
        resolver: Resolver,
        id: i64,
        password: &[u8],
    ) -> SessionConfig {
        SessionConfig {
            hosts: hosts.to_vec(),
            randomize_hosts: options.randomize_hosts,
            session_timeout: options.session_timeout,
            session_id: id,
            session_password: Secret::copy_of(password),
            can_be_read_only: options.can_be_read_only,
            max_reply_size: options.max_reply_size,
            connection_retry: options.connection_retry.clone(),
            auth: options.auth.clone(),
            tls,
            sasl: options.sasl.clone(),
            resolver,
        }
    }

    /// Starts the session and waits up to `timeout` for CONNECTED. On timeout the client is
    /// stopped again and [`Error::Timeout`] returned. When the session asked to be resumed
    /// (`session_id`) no longer exists, [`Error::SessionExpired`] (the client is stopped; start
    /// it again for a new session); a refused credential gives [`Error::AuthFailed`]. Starting a started client just waits.
    /// After [`Client::stop`], `start` opens a new session.
    pub fn start(&self, timeout: Duration) -> Result<()> {
        self.check_process()?;
        {
            let mut session = self
                .inner
                .session
                .write()
                .unwrap_or_else(|p| p.into_inner());
            if session.is_none() {
                // The configured session is resumed only by the first start.
                let first = self.inner.status.snapshot().generation == 0;
                let (id, password) = if first {
                    (
                        self.inner.options.session_id,
                        self.inner.options.session_password.clone(),
                    )
                } else {
                    (0, Secret::default())
                };
                let config = Self::session_config(
                    &self.hosts(),
                    &self.inner.options,
                    self.inner.tls.clone(),
                    self.inner.resolver.clone(),
                    id,
                    password.expose(),
                );
                *session = Some(session::spawn(
                    config,
                    self.inner.status.clone(),
                    self.inner.notifier.clone(),
                    self.inner.watches.clone(),
                ));
            }
        }
        let (info, connected) = self
            .inner
            .status
            .wait_until(timeout, |info| is_connected(info.state) || !info.running);
        if connected && is_connected(info.state) {
            return Ok(());
        }
        let _ = self.stop();
        // The session ended on its own: a refused credential, or a session to resume that
        // the server no longer has.
        if let Some(why) = info.end_reason {
            return Err(why);
        }
        let hosts: Vec<String> = self.hosts().iter().map(ToString::to_string).collect();
        let last_failure = info
            .last_connect_failure
            .map(|why| format!("; the last attempt: {why}"))
            .unwrap_or_default();
        Err(Error::Timeout(format!(
            "no ZooKeeper server of [{}] gave a session within {timeout:?} (last state {:?}){last_failure}",
            hosts.join(", "),
            info.state
        )))
    }

    /// Closes the session: the server deletes its ephemeral nodes at once, and listeners see
    /// LOST before `stop` returns (unless it is called from inside one of this client's
    /// callbacks). Requests still in flight fail with connection-loss. Safe to call twice.
    pub fn stop(&self) -> Result<()> {
        self.check_process()?;
        let sender = self
            .inner
            .session
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        let Some(sender) = sender else { return Ok(()) };
        let (done, finished) = oneshot::channel();
        if sender.send(Command::Close(done)).is_ok() {
            let _ = finished.wait();
        }
        // Listeners have been told LOST when stop returns (unless stop runs inside one).
        self.inner.notifier.dispatcher.flush();
        Ok(())
    }

    /// Runs `operation` under the client's command retry policy (kazoo's
    /// `zk.retry(zk.get, path)`): connection-loss, operation-timeout, `ForceRetry` and (if the
    /// policy says so) session-expired are retried with backoff; anything else is returned.
    pub fn retry<T>(&self, operation: impl FnMut() -> Result<T>) -> Result<T> {
        self.inner.options.command_retry.run(operation)
    }

    /// Adds a credential (kazoo's `add_auth`): sent now, and again before CONNECTED on every
    /// later connection. Ok once the server accepted it; `AUTH_FAILED` ends the session for
    /// good; connection-loss means it will be sent on the next connection. A credential whose
    /// auth packet is over `max_request_size` is refused at once with
    /// [`Error::RequestTooLarge`] and not stored.
    pub async fn add_auth(&self, scheme: &str, credential: &[u8]) -> Result<()> {
        check_credential(scheme, credential, self.inner.options.max_request_size)?;
        let (done, answer) = oneshot::channel();
        let (scheme, credential) = (scheme.to_string(), Secret::copy_of(credential));
        self.send(Command::AddAuth {
            scheme,
            credential,
            done,
        })?;
        answer
            .await
            .unwrap_or_else(|_| Err(Error::connection_loss()))
    }

    /// The connection state, kazoo's way.
    pub fn state(&self) -> State {
        State::from_keeper(self.keeper_state())
    }

    /// The raw keeper state.
    pub fn keeper_state(&self) -> KeeperState {
        self.session_info().state
    }

    /// Session id, password, negotiated timeout, server and last zxid, as known now. For a
    /// client inherited over `fork()`: no session, CLOSED (the session is the parent's, and
    /// so is the lock on this information, which a parent's thread may have held at the fork),
    /// so that nothing in the child believes it holds what the parent holds.
    pub fn session_info(&self) -> SessionInfo {
        if self.is_inherited() {
            return SessionInfo {
                state: KeeperState::Closed,
                session_id: 0,
                password: Secret::default(),
                negotiated_timeout: self.inner.options.session_timeout,
                server: None,
                last_zxid: 0,
                generation: 0,
                running: false,
                end_reason: Some(Error::Forked),
                last_connect_failure: None,
            };
        }
        self.inner.status.snapshot()
    }

    /// The client's counters since it was created, across reconnects and restarts of its
    /// session: requests, replies, watch events, connections, expirations, bytes and reply
    /// latency (see [`ClientStats`]). Lock-free and allocation-free: cheap enough to call every
    /// second from any thread, callbacks included. A stopped client answers with its counters;
    /// so does one inherited over `fork()` (the parent's counters at the fork).
    pub fn stats(&self) -> ClientStats {
        self.inner.status.stats().snapshot()
    }

    /// The chroot of the connect string, if any.
    pub fn chroot(&self) -> Option<&str> {
        self.inner.chroot.as_deref()
    }

    /// The servers the client connects to: those of the connect string, or of the last
    /// [`Client::update_hosts`].
    pub fn hosts(&self) -> Vec<HostAddr> {
        self.inner
            .hosts
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Replaces the servers the client connects to (the C client's `zoo_set_servers`, Curator's
    /// `updateServerList`): `connect_string` is `"h1:2181,h2:2181"`, and may end with the
    /// client's own chroot (any other chroot is refused: a client's chroot never changes).
    ///
    /// The session is kept. So is its connection, unless the current server is not in the new
    /// list or, when the list grew, by chance: with probability 1 - old/new, the share of
    /// sessions that the added servers should take, so that the sessions of many clients
    /// spread over the new list (ZOOKEEPER-1355). A connection that moves first waits for
    /// the answers to what was sent on it, then reconnects (listeners see SUSPENDED, then
    /// CONNECTED); requests made during the reconnection fail with connection-loss, as
    /// during any. Takes effect in order with the requests made before it; on a stopped
    /// client, at the next start.
    pub fn update_hosts(&self, connect_string: &str) -> Result<()> {
        self.check_process()?;
        let (hosts, chroot) = parse_connect_string(connect_string)?;
        if chroot.is_some() && chroot != self.inner.chroot {
            return Err(Error::InvalidArgument(format!(
                "{connect_string:?}: a client's chroot cannot change (it is {})",
                self.inner.chroot.as_deref().unwrap_or("none")
            )));
        }
        self.replace_hosts(hosts)
    }

    /// [`Client::update_hosts`] with the hosts parsed.
    fn replace_hosts(&self, hosts: Vec<HostAddr>) -> Result<()> {
        self.check_process()?;
        // Under the session's lock: a start at the same time sees either list, and the
        // session it starts hears of a later update.
        let session = self.inner.session.read().unwrap_or_else(|p| p.into_inner());
        *self.inner.hosts.write().unwrap_or_else(|p| p.into_inner()) = hosts.clone();
        if let Some(sender) = session.as_ref() {
            let (done, _moved) = oneshot::channel();
            let _ = sender.send(Command::UpdateHosts { hosts, done });
        }
        Ok(())
    }

    /// Adds a listener called on every connection-state change, on the client's dispatcher
    /// thread (never on the runtime), one callback at a time, in order. It may call the client.
    pub fn add_listener(
        &self,
        listener: impl Fn(State, KeeperState) + Send + Sync + 'static,
    ) -> ListenerId {
        self.inner.notifier.add(Arc::new(listener))
    }

    /// Removes a listener; false if it was not registered. A call already under way finishes.
    pub fn remove_listener(&self, id: ListenerId) -> bool {
        self.inner.notifier.remove(id)
    }

    /// Removes every listener, then waits until every callback already queued for this client
    /// has run (unless called from one of them), so that listener resources are released when
    /// it returns.
    pub fn clear_listeners(&self) {
        if self.is_inherited() {
            return;
        }
        self.inner.notifier.clear();
        self.inner.notifier.dispatcher.flush();
    }

    /// Hands callback dispatch to the application (event loops): from now on this client's
    /// callbacks (listeners, watchers, watch recipes) wait until [`Client::dispatch_pending`]
    /// runs them on the calling thread, and the returned descriptor is readable while any wait.
    /// Call it before [`Client::start`]. The descriptor belongs to the client.
    pub fn enable_manual_dispatch(&self) -> Result<std::os::fd::RawFd> {
        self.check_process()?;
        self.inner
            .notifier
            .dispatcher
            .enable_manual()
            .map_err(|error| {
                Error::InvalidArgument(format!("no descriptor for manual dispatch: {error}"))
            })
    }

    /// Manual dispatch: runs every waiting callback on the calling thread, in order, and
    /// returns how many ran (0 when another thread is dispatching this client right now).
    pub fn dispatch_pending(&self) -> Result<usize> {
        self.check_process()?;
        let dispatcher = &self.inner.notifier.dispatcher;
        if !dispatcher.is_manual() {
            return Err(Error::InvalidArgument(
                "manual dispatch is not enabled for this client (zk_client_dispatch_fd first)"
                    .into(),
            ));
        }
        Ok(dispatcher.run_pending())
    }

    /// True in a child of `fork()` for a client its parent created: see [`Client`].
    pub fn is_inherited(&self) -> bool {
        self.inner.pid != crate::runtime::process_id()
    }

    /// [`Error::Forked`] when the client was inherited over `fork()` (see [`Client`]). Checked
    /// before anything else by every call that takes a lock or talks to the session.
    pub fn check_process(&self) -> Result<()> {
        if self.is_inherited() {
            Err(Error::Forked)
        } else {
            Ok(())
        }
    }

    pub(crate) fn lock_watches(&self) -> MutexGuard<'_, WatchRegistry> {
        self.inner.watches.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn options(&self) -> &ClientOptions {
        &self.inner.options
    }

    pub(crate) fn send(&self, command: Command) -> Result<()> {
        self.check_process()?;
        let session = self.inner.session.read().unwrap_or_else(|p| p.into_inner());
        match session.as_ref() {
            Some(sender) => sender.send(command).map_err(|_| self.closed()),
            None => Err(self.closed()),
        }
    }

    /// Why no session takes requests: what ended it on its own (authentication failed, ...),
    /// else [`Error::Closed`].
    fn closed(&self) -> Error {
        self.inner
            .status
            .snapshot()
            .end_reason
            .unwrap_or(Error::Closed)
    }
}

fn is_connected(state: KeeperState) -> bool {
    matches!(
        state,
        KeeperState::SyncConnected | KeeperState::ConnectedReadOnly
    )
}
