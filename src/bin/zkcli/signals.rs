//! SIGINT, SIGTERM and SIGHUP (those not ignored when zkcli started), taken synchronously by one thread (`sigwaitinfo`) instead of
//! an asynchronous handler: [`block`] masks them in the main thread before any other thread
//! exists (every thread inherits the mask), and the signal thread hands each one to the hook
//! the running command installed: `watch` ends its loop, `lock` cancels its wait or forwards
//! the signal to its command. Without a hook the process exits with 128 + the signal number,
//! as if the signal had killed it.

use std::sync::{Mutex, OnceLock};

/// A signal as the signal thread took it.
#[derive(Debug, Clone, Copy)]
pub struct Signal {
    /// SIGINT, SIGTERM or SIGHUP.
    pub number: i32,
    /// The process that sent it with kill(2) and friends; `None` when the kernel sent it (a
    /// terminal's ^C or hang-up), which it sends to the whole foreground process group.
    pub sender: Option<i32>,
}

type Hook = Box<dyn Fn(Signal) + Send>;

static HOOK: Mutex<Option<Hook>> = Mutex::new(None);

const SIGNALS: [i32; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

/// The signals zkcli takes: those of [`SIGNALS`] not ignored when it started (`nohup` ignores
/// SIGHUP, a shell SIGINT for a background job: they stay ignored, in the command of `lock`
/// too).
static TAKEN: OnceLock<libc::sigset_t> = OnceLock::new();

fn signal_set() -> libc::sigset_t {
    *TAKEN.get_or_init(|| {
        // SAFETY: sigemptyset and sigaddset only write into the set they are given, a plain
        // value here; sigaction with a null new action only reads the current one.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            for signal in SIGNALS {
                let mut current: libc::sigaction = std::mem::zeroed();
                let ignored = libc::sigaction(signal, std::ptr::null(), &mut current) == 0
                    && current.sa_sigaction == libc::SIG_IGN;
                if !ignored {
                    libc::sigaddset(&mut set, signal);
                }
            }
            set
        }
    })
}

/// Blocks the signals in the calling thread (call it first thing in `main`, before any other
/// thread starts) and starts the thread that takes them. A child process inherits the mask:
/// see [`unblock_in_child`].
pub fn block() {
    let set = signal_set();
    // SAFETY: `set` is a valid signal set; a null old-set pointer is allowed.
    let blocked = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) };
    assert_eq!(blocked, 0, "pthread_sigmask failed");
    std::thread::Builder::new()
        .name("zkcli-signals".into())
        .spawn(move || loop {
            // SAFETY: `set` is valid; `info` is written by sigwaitinfo before it is read.
            let (number, info) = unsafe {
                let mut info: libc::siginfo_t = std::mem::zeroed();
                (libc::sigwaitinfo(&set, &mut info), info)
            };
            if number < 0 {
                continue; // EINTR
            }
            // si_code <= 0: sent by a process (SI_USER, SI_QUEUE, SI_TKILL); SI_KERNEL: a tty.
            let sender = if info.si_code <= 0 {
                // SAFETY: for these codes the kernel filled in the sender's pid.
                Some(unsafe { info.si_pid() })
            } else {
                None
            };
            let signal = Signal { number, sender };
            let hook = HOOK.lock().unwrap_or_else(|p| p.into_inner());
            match hook.as_ref() {
                Some(hook) => hook(signal),
                None => std::process::exit(128 + number),
            }
        })
        .expect("the signal thread starts");
}

/// Installs the hook every later signal goes to (replacing the previous one).
pub fn set_hook(hook: impl Fn(Signal) + Send + 'static) {
    *HOOK.lock().unwrap_or_else(|p| p.into_inner()) = Some(Box::new(hook));
}

/// The conventional name of a signal, for messages.
pub fn name(number: i32) -> &'static str {
    match number {
        libc::SIGINT => "SIGINT",
        libc::SIGTERM => "SIGTERM",
        libc::SIGHUP => "SIGHUP",
        libc::SIGKILL => "SIGKILL",
        _ => "a signal",
    }
}

/// Makes `command`'s process start with the signals unblocked (a child inherits the mask
/// that [`block`] set, and std's `Command` keeps it).
pub fn unblock_in_child(command: &mut std::process::Command) {
    use std::os::unix::process::CommandExt;
    let set = signal_set();
    // SAFETY: the closure runs in the child between fork and exec, and calls only
    // pthread_sigmask, which is async-signal-safe, on a set made before the fork.
    unsafe {
        command.pre_exec(move || {
            match libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut()) {
                0 => Ok(()),
                error => Err(std::io::Error::from_raw_os_error(error)),
            }
        });
    }
}
