//! The log hook: `zk_set_log_callback()` makes the library's `log` lines (targets
//! `zkclient::*`) go to a C callback. It marshals and nothing else: the lines themselves are
//! written in the core.
//!
//! The sink is an `Arc` in a `RwLock`: a line clones the `Arc` under the read lock and calls
//! the callback without any lock held, so a callback may run on many threads at once, and a
//! new callback set meanwhile waits for nobody. The old user data is freed when the last
//! `Arc` goes: at once when no line is being written, else by the thread whose call of the
//! old callback returns last. No thread calls the old callback after that.

use std::cell::Cell;
use std::ffi::{c_char, c_void, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, OnceLock, RwLock};

use ::log::{Level, LevelFilter, Log, Metadata, Record};

use super::types::zk_free_fn;
use super::{guard, zk_error, UserData};
use crate::error::Error;

/// The levels of the library's log lines, most severe first. `zk_set_log_callback()` takes
/// the most detailed level wanted as a plain `int32_t` (one of these numbers); the callback
/// receives the level of each line.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum zk_log_level {
    /// No lines at all (the default).
    ZK_LOG_OFF = 0,
    /// The session ends on its own: a refused credential, a TLS configuration no server
    /// accepts, SASL required, the connection retry policy given up.
    ZK_LOG_ERROR = 1,
    /// A connection lost, a session expired, requests failed by a disconnect, a lock or lease
    /// lost, a release that may leave a node on the server.
    ZK_LOG_WARN = 2,
    /// Connecting to a server, connected (with the session id), state changes, recipe
    /// decisions (lock acquired and released, party joined, queue entry consumed).
    ZK_LOG_INFO = 3,
    /// Handshake details, backoff delays, re-armed watches, retries of the retry helper,
    /// stale recipe nodes deleted.
    ZK_LOG_DEBUG = 4,
    /// Every request sent and reply received (opcode, xid, lengths), every watch event.
    ZK_LOG_TRACE = 5,
}

/// The one conversion of the number C gives (`max_level`): each `zk_log_level` value maps to
/// itself; any other number is refused with `ZK_EINVAL`, naming it.
impl TryFrom<i32> for zk_log_level {
    type Error = Error;

    fn try_from(number: i32) -> Result<zk_log_level, Error> {
        use zk_log_level::*;
        [
            ZK_LOG_OFF,
            ZK_LOG_ERROR,
            ZK_LOG_WARN,
            ZK_LOG_INFO,
            ZK_LOG_DEBUG,
            ZK_LOG_TRACE,
        ]
        .into_iter()
        .find(|level| *level as i32 == number)
        .ok_or_else(|| {
            Error::InvalidArgument(format!(
                "max_level is {number}, which is not a zk_log_level (ZK_LOG_OFF = 0 to \
                 ZK_LOG_TRACE = 5)"
            ))
        })
    }
}

impl zk_log_level {
    fn filter(self) -> LevelFilter {
        match self {
            zk_log_level::ZK_LOG_OFF => LevelFilter::Off,
            zk_log_level::ZK_LOG_ERROR => LevelFilter::Error,
            zk_log_level::ZK_LOG_WARN => LevelFilter::Warn,
            zk_log_level::ZK_LOG_INFO => LevelFilter::Info,
            zk_log_level::ZK_LOG_DEBUG => LevelFilter::Debug,
            zk_log_level::ZK_LOG_TRACE => LevelFilter::Trace,
        }
    }
}

impl From<Level> for zk_log_level {
    fn from(level: Level) -> Self {
        match level {
            Level::Error => zk_log_level::ZK_LOG_ERROR,
            Level::Warn => zk_log_level::ZK_LOG_WARN,
            Level::Info => zk_log_level::ZK_LOG_INFO,
            Level::Debug => zk_log_level::ZK_LOG_DEBUG,
            Level::Trace => zk_log_level::ZK_LOG_TRACE,
        }
    }
}

/// Receives one log line: its `level`, its `target` (`"zkclient::session"`,
/// `"zkclient::recipe::lock"`, ...) and its `message`, both NUL-terminated, without a trailing
/// newline, and valid only during the call (copy what you keep). `user_data` is the pointer
/// given to `zk_set_log_callback()`.
///
/// May be called from any thread, the library's network thread included, and from several
/// threads at once: it must be thread-safe and return quickly (a slow callback slows every
/// session of the process). Lines that zkclient functions called from inside the callback
/// would write, on the callback's thread, are dropped (no recursion). It may call
/// `zk_set_log_callback()`: the new callback takes the next lines, and the old `user_data` is
/// freed once this call (and every other call of the old callback) has returned. A C++
/// exception must not leave it.
///
/// Lines name servers, session ids (in hex), states, paths, opcodes, xids and lengths. They
/// never contain a session password, a credential, a SASL password, a key, or node data.
pub type zk_log_fn = Option<
    unsafe extern "C" fn(
        level: zk_log_level,
        target: *const c_char,
        message: *const c_char,
        user_data: *mut c_void,
    ),
>;

/// Where lines go: the callback, its level, and its user data (freed when the last `Arc` of
/// the sink goes).
struct Sink {
    callback: unsafe extern "C" fn(zk_log_level, *const c_char, *const c_char, *mut c_void),
    max: LevelFilter,
    user_data: UserData,
}

static SINK: RwLock<Option<Arc<Sink>>> = RwLock::new(None);

/// Whether the process's `log` logger is ours: decided by the first callback set (a Rust
/// program may have installed its own logger before).
static INSTALLED: OnceLock<bool> = OnceLock::new();

thread_local! {
    /// This thread is inside the log callback: lines it writes meanwhile are dropped.
    static IN_CALLBACK: Cell<bool> = const { Cell::new(false) };
}

/// The sink now, if any (the read lock is held only to clone the `Arc`).
fn current_sink() -> Option<Arc<Sink>> {
    SINK.read().unwrap_or_else(|p| p.into_inner()).clone()
}

fn is_ours(target: &str) -> bool {
    target == "zkclient" || target.starts_with("zkclient::")
}

/// `text` as a C string: a NUL byte inside becomes `\0`, a trailing newline goes.
fn c_text(text: &str) -> CString {
    let text = text.trim_end_matches(['\n', '\r']);
    CString::new(text.replace('\0', "\\0")).unwrap_or_default()
}

struct CLogger;

static LOGGER: CLogger = CLogger;

impl Log for CLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        is_ours(metadata.target())
            && current_sink().is_some_and(|sink| metadata.level() <= sink.max)
    }

    fn log(&self, record: &Record<'_>) {
        if !is_ours(record.target()) || IN_CALLBACK.with(Cell::get) {
            return;
        }
        let Some(sink) = current_sink() else {
            return;
        };
        if record.level() > sink.max {
            return;
        }
        // Nothing of ours unwinds into the library's threads; the callback is C's.
        let _ = catch_unwind(AssertUnwindSafe(|| {
            let message = match record.args().as_str() {
                Some(text) => c_text(text),
                None => c_text(&record.args().to_string()),
            };
            let target = c_text(record.target());
            IN_CALLBACK.with(|inside| inside.set(true));
            struct Leave;
            impl Drop for Leave {
                fn drop(&mut self) {
                    IN_CALLBACK.with(|inside| inside.set(false));
                }
            }
            let _leave = Leave;
            // SAFETY: the caller of zk_set_log_callback registered this callback for this user
            // data; the strings live until it returns.
            unsafe {
                (sink.callback)(
                    record.level().into(),
                    target.as_ptr(),
                    message.as_ptr(),
                    sink.user_data.ptr(),
                )
            };
        }));
        // `sink` goes here: if a new callback was set meanwhile, this may free the old
        // user data (after the call above returned).
    }

    fn flush(&self) {}
}

/// Makes the library's log lines go to `callback`, up to `max_level` (a `zk_log_level`
/// number: `ZK_LOG_ERROR` = 1 for the fewest lines to `ZK_LOG_TRACE` = 5 for every request),
/// or turns them off (`callback` NULL or `max_level` `ZK_LOG_OFF`). By default nothing is
/// logged, and nothing is even formatted.
///
/// One callback per process, for every client. Setting another replaces it: the previous
/// `user_data` is released with its `free_user_data` exactly once, after every call of the
/// previous callback under way has returned (possibly on the thread of that call). The new
/// `user_data` is released with `free_user_data` (NULL: not at all) when it is replaced in
/// turn, or at once when this call sets no callback or fails. Any thread, any time, including
/// from inside the callback; see `zk_log_fn` for where the callback runs.
///
/// `ZK_EINVAL` when `max_level` is not a `zk_log_level`, or when the program has installed a
/// logger of its own through Rust's `log` crate (a Rust program linking zkclient's crate):
/// the lines go to that logger, and this hook cannot take them. Nothing changes then.
///
/// In a child of `fork()` the callback stays set (the child's clients log to it), and the
/// child may set another.
///
/// # Safety
/// `callback` NULL or safe to call, from any thread, with `user_data`; `free_user_data` NULL
/// or safe to call once with `user_data`.
#[no_mangle]
pub unsafe extern "C" fn zk_set_log_callback(
    max_level: i32,
    callback: zk_log_fn,
    user_data: *mut c_void,
    free_user_data: zk_free_fn,
) -> zk_error {
    guard(|| {
        // Released on every path that does not keep it.
        let user_data = UserData::new(user_data, free_user_data);
        let level = zk_log_level::try_from(max_level)?;
        let sink = match callback {
            Some(callback) if level != zk_log_level::ZK_LOG_OFF => Some(Arc::new(Sink {
                callback,
                max: level.filter(),
                user_data,
            })),
            _ => None,
        };
        let installed = match (&sink, INSTALLED.get()) {
            (Some(_), _) => *INSTALLED.get_or_init(|| ::log::set_logger(&LOGGER).is_ok()),
            (None, installed) => installed.copied().unwrap_or(false),
        };
        if sink.is_some() && !installed {
            return Err(Error::InvalidArgument(
                "another logger of Rust's `log` crate is installed in this process: zkclient's \
                 lines go to it, and zk_set_log_callback cannot take them"
                    .into(),
            ));
        }
        let previous = {
            let mut slot = SINK.write().unwrap_or_else(|p| p.into_inner());
            let max = sink.as_ref().map_or(LevelFilter::Off, |sink| sink.max);
            let previous = std::mem::replace(&mut *slot, sink);
            if installed {
                ::log::set_max_level(max);
            }
            previous
        };
        // Frees the previous user data now, unless a call of the previous callback is under
        // way: then when the last one returns.
        drop(previous);
        Ok(())
    })
}
