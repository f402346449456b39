//! `lock PATH -- COMMAND`: the library's lock recipe (kazoo's Lock, ReadLock or WriteLock,
//! on the same nodes) held while COMMAND runs.
//!
//! Signals: while zkcli waits for the lock, SIGINT, SIGTERM and SIGHUP cancel the wait (exit
//! 128 + N). While COMMAND runs, a signal another process sent to zkcli is passed on to
//! COMMAND; one the kernel sent (a terminal's ^C, a hang-up) is not, as it reached COMMAND,
//! which is in the same process group, already. Either way zkcli waits for COMMAND to end and
//! releases the lock after it. When the session is lost while COMMAND runs, the lock is no
//! longer held: COMMAND gets SIGTERM and zkcli exits with 3 once it has ended.

use std::ffi::OsString;
use std::os::unix::process::ExitStatusExt;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use zkclient::recipe::lock::{Lock, LockKind, LockOptions};
use zkclient::{Client, State};

use crate::args::LockMode;
use crate::failure::Failure;
use crate::session::{AUTH_ENV, SASL_PASSWORD_ENV};
use crate::signals::{self, Signal};

/// The command's pid while it runs (0: not yet, -1: finished).
static CHILD: AtomicI32 = AtomicI32::new(0);
/// A signal that came while no command was running (0: none).
static PENDING: AtomicI32 = AtomicI32::new(0);
/// The session was lost while the lock was held.
static LOST: AtomicBool = AtomicBool::new(false);

/// The node data of our contender, as kazoo's identifier: `HOST:PID`.
fn identifier() -> String {
    let mut name = [0u8; 256];
    // SAFETY: gethostname writes at most `name.len()` bytes into the buffer.
    let ok = unsafe { libc::gethostname(name.as_mut_ptr().cast(), name.len()) } == 0;
    let end = name.iter().position(|b| *b == 0).unwrap_or(name.len());
    let host = if ok {
        String::from_utf8_lossy(&name[..end]).into_owned()
    } else {
        "localhost".to_string()
    };
    format!("zkcli@{host}:{}", std::process::id())
}

fn send(pid: i32, signal: i32) {
    if pid > 0 {
        // SAFETY: kill has no memory effects; `pid` is our own child, not yet reaped.
        unsafe {
            libc::kill(pid, signal);
        }
    }
}

/// While COMMAND runs: passes on what other processes send (see the module's comment).
fn forward(signal: Signal) {
    let child = CHILD.load(Ordering::SeqCst);
    if child == 0 {
        PENDING.store(signal.number, Ordering::SeqCst);
    } else if signal.sender.is_some_and(|sender| sender != child) {
        send(child, signal.number);
    }
}

/// The exit status a shell would give for COMMAND's end.
fn status_code(status: std::process::ExitStatus) -> i32 {
    status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
}

fn release(lock: &Lock, path: &str) {
    match lock.release() {
        Ok(_) => {}
        // The session is closed right after, which deletes the node too.
        Err(error) => eprintln!("zkcli: lock {path}: release: {error}"),
    }
}

pub fn lock(
    client: &Client,
    path: &str,
    timeout: Option<Duration>,
    mode: LockMode,
    command: &[OsString],
) -> Result<i32, Failure> {
    let lost_path = path.to_string();
    let options = LockOptions {
        kind: match mode {
            LockMode::Exclusive => LockKind::Exclusive,
            LockMode::Read => LockKind::Read,
            LockMode::Write => LockKind::Write,
        },
        extra_patterns: Vec::new(),
        on_state: Some(Box::new(move |state| match state {
            State::Lost => {
                LOST.store(true, Ordering::SeqCst);
                eprintln!(
                    "zkcli: lock {lost_path}: the session was lost, the lock is no longer held; \
                     sending SIGTERM to the command"
                );
                send(CHILD.load(Ordering::SeqCst), libc::SIGTERM);
            }
            State::Suspended => eprintln!(
                "zkcli: lock {lost_path}: connection lost while holding the lock (still held \
                 if the session survives)"
            ),
            State::Connected => eprintln!("zkcli: lock {lost_path}: reconnected"),
        })),
    };
    let lock = Arc::new(
        Lock::with_options(client, path, identifier(), options)
            .map_err(Failure::zk("lock", path))?,
    );
    // Waiting: a signal cancels the wait.
    {
        let lock = Arc::downgrade(&lock);
        signals::set_hook(move |signal| {
            PENDING.store(signal.number, Ordering::SeqCst);
            if let Some(lock) = lock.upgrade() {
                lock.cancel();
            }
        });
    }
    let acquired = lock.acquire(timeout).map_err(Failure::zk("lock", path))?;
    signals::set_hook(forward);
    let interrupted = PENDING.swap(0, Ordering::SeqCst);
    if interrupted != 0 {
        release(&lock, path);
        eprintln!(
            "zkcli: lock {path}: interrupted by {} while waiting",
            signals::name(interrupted)
        );
        return Ok(128 + interrupted);
    }
    if !acquired {
        let holders = lock
            .contenders()
            .map(|ids| format!(" (contenders: {})", ids.join(", ")))
            .unwrap_or_default();
        let waited = timeout.map_or_else(String::new, |t| format!(" within {t:?}"));
        return Err(Failure::LockTimeout(format!(
            "lock {path}: not acquired{waited}{holders}"
        )));
    }
    if !lock.is_acquired() {
        return Err(Failure::NoSession(format!(
            "lock {path}: the session was lost right after the lock was acquired; the command \
             was not run"
        )));
    }
    let mut child = std::process::Command::new(&command[0]);
    child
        .args(&command[1..])
        .env("ZKCLI_LOCK_PATH", lock.node().unwrap_or_default())
        .env(
            "ZKCLI_LOCK_TOKEN",
            lock.fencing_token().unwrap_or_default().to_string(),
        )
        .env_remove(SASL_PASSWORD_ENV)
        .env_remove(AUTH_ENV);
    signals::unblock_in_child(&mut child);
    let mut child = match child.spawn() {
        Ok(child) => child,
        Err(error) => {
            release(&lock, path);
            eprintln!(
                "zkcli: lock {path}: cannot run {}: {error}",
                command[0].to_string_lossy()
            );
            return Ok(if error.kind() == std::io::ErrorKind::NotFound {
                127
            } else {
                126
            });
        }
    };
    CHILD.store(child.id() as i32, Ordering::SeqCst);
    // A signal taken between the acquisition and the store above.
    let pending = PENDING.swap(0, Ordering::SeqCst);
    if pending != 0 {
        send(child.id() as i32, pending);
    }
    if LOST.load(Ordering::SeqCst) {
        send(child.id() as i32, libc::SIGTERM);
    }
    let status = child.wait();
    CHILD.store(-1, Ordering::SeqCst);
    release(&lock, path);
    let status =
        status.map_err(|e| Failure::Other(format!("lock {path}: waiting for the command: {e}")))?;
    if LOST.load(Ordering::SeqCst) {
        return Err(Failure::NoSession(format!(
            "lock {path}: the session was lost while the command ran (it exited with {}): the \
             lock was not held throughout",
            status_code(status)
        )));
    }
    Ok(status_code(status))
}
