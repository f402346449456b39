//! The process-wide tokio runtime every session runs on, and a tiny `block_on` that lets any
//! thread (a C caller, a dispatcher thread running a callback) wait for a future without
//! entering the runtime's scheduler.
//!
//! `fork()` copies the runtime's memory but none of its threads: in a child the runtime
//! inherited from the parent is dead. Each runtime records the process that built it; a
//! process that finds only another process's runtime builds its own (the dead one is leaked:
//! dropping it would wait for threads that do not exist). Nothing here takes a lock that a
//! thread of the parent could have held at the moment of the fork.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::Duration;

use once_cell::sync::OnceCell;
use tokio::runtime::{Builder, Handle, Runtime};

use crate::error::{Error, Result};

/// The most runtime worker threads [`set_worker_threads`] accepts.
pub const MAX_WORKER_THREADS: usize = 64;

/// How many processes of one line of descent (a process, its child, the child's child, ...)
/// can each build a runtime; `fork()` nested deeper than this cannot create clients.
const MAX_GENERATIONS: usize = 32;

/// A runtime and the process that built it.
struct ProcessRuntime {
    pid: u32,
    runtime: Runtime,
}

/// One slot per generation, each filled at most once: a child never writes to the slot of a
/// runtime its parent may have been building at the moment of the fork.
static RUNTIMES: [OnceCell<ProcessRuntime>; MAX_GENERATIONS] =
    [const { OnceCell::new() }; MAX_GENERATIONS];
/// The slot of the newest runtime (`usize::MAX`: none yet).
static CURRENT: AtomicUsize = AtomicUsize::new(usize::MAX);
/// The next free slot.
static NEXT: AtomicUsize = AtomicUsize::new(0);
/// The process holding the build lock (0: free). A lock held by another process was held by
/// a parent's thread when it forked: that thread does not exist here, so it is taken over.
static BUILDER: AtomicU32 = AtomicU32::new(0);
static WORKER_THREADS: AtomicUsize = AtomicUsize::new(1);

/// How long an idle callback-dispatcher thread lingers before it retires.
const DISPATCHER_KEEP_ALIVE: Duration = Duration::from_millis(500);

/// Serialises building a runtime and setting the thread count, within one process.
struct BuildLock;

impl BuildLock {
    fn take() -> BuildLock {
        let me = process_id();
        loop {
            let holder = BUILDER.load(Ordering::Acquire);
            if holder != me
                && BUILDER
                    .compare_exchange(holder, me, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
            {
                return BuildLock;
            }
            // Another thread of this process builds a runtime: a short wait, once per process.
            thread::yield_now();
        }
    }
}

impl Drop for BuildLock {
    fn drop(&mut self) {
        BUILDER.store(0, Ordering::Release);
    }
}

/// This process's id, as `std::process::id()` but without a system call on every request:
/// cached, and forgotten in the child of a `fork()` (a `pthread_atfork` child handler).
/// 0: not known yet.
static PROCESS_ID: AtomicU32 = AtomicU32::new(0);

extern "C" fn forget_process_id() {
    // Runs in the child right after fork(): one atomic store, nothing that could take a lock.
    PROCESS_ID.store(0, Ordering::Relaxed);
}

/// The calling process's id. Every call that checks for an inherited client asks this, so
/// it costs an atomic load, not a `getpid` system call (three per request before).
pub fn process_id() -> u32 {
    let cached = PROCESS_ID.load(Ordering::Relaxed);
    if cached != 0 {
        return cached;
    }
    static REGISTER: std::sync::Once = std::sync::Once::new();
    REGISTER.call_once(|| {
        // SAFETY: registers a handler that only stores to an atomic; no prepare or parent
        // handler. A failure (ENOMEM) leaves the cache off: every call asks the kernel.
        let registered = unsafe { libc::pthread_atfork(None, None, Some(forget_process_id)) } == 0;
        CACHE_PROCESS_ID.store(registered, Ordering::Relaxed);
    });
    let pid = std::process::id();
    if CACHE_PROCESS_ID.load(Ordering::Relaxed) {
        PROCESS_ID.store(pid, Ordering::Relaxed);
    }
    pid
}

/// The fork handler is registered: the cached id is forgotten in every child.
static CACHE_PROCESS_ID: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// This process's runtime, if it has built one.
fn current() -> Option<&'static Runtime> {
    let slot = RUNTIMES.get(CURRENT.load(Ordering::Acquire))?;
    slot.get()
        .filter(|built| built.pid == process_id())
        .map(|built| &built.runtime)
}

/// True when this process has built its runtime (a client was created in it). A runtime
/// inherited over `fork()` does not count.
pub fn is_running() -> bool {
    current().is_some()
}

/// Sets the number of runtime worker threads (1 to [`MAX_WORKER_THREADS`]). Only before this
/// process's runtime exists, that is before its first client: afterwards, or out of range,
/// an [`Error::InvalidArgument`] and nothing changes. A child of `fork()` may set it again
/// before its own first client.
pub fn set_worker_threads(threads: usize) -> Result<()> {
    if !(1..=MAX_WORKER_THREADS).contains(&threads) {
        return Err(Error::InvalidArgument(format!(
            "io threads must be between 1 and {MAX_WORKER_THREADS}, not {threads}"
        )));
    }
    let _lock = BuildLock::take();
    if current().is_some() {
        return Err(Error::InvalidArgument(
            "io threads can only be set before the first client of this process is created".into(),
        ));
    }
    WORKER_THREADS.store(threads, Ordering::SeqCst);
    Ok(())
}

fn build(threads: usize) -> Result<Runtime> {
    let built = catch_unwind(AssertUnwindSafe(|| {
        Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("zkclient-io")
            .thread_keep_alive(DISPATCHER_KEEP_ALIVE)
            .enable_io()
            .enable_time()
            .build()
    }));
    match built {
        Ok(Ok(runtime)) => Ok(runtime),
        Ok(Err(error)) => Err(Error::Runtime(format!(
            "the zkclient runtime ({threads} io thread(s)) could not be created: {error}"
        ))),
        // tokio panics when a worker thread cannot be spawned.
        Err(_) => Err(Error::Runtime(format!(
            "the zkclient runtime could not start its {threads} io thread(s) (out of threads?)"
        ))),
    }
}

/// This process's runtime, built on first use (in a child of `fork()`: its own, not the
/// parent's). [`Error::Runtime`] when it cannot be built (out of threads or file descriptors);
/// a later call tries again.
pub fn try_handle() -> Result<&'static Handle> {
    if let Some(runtime) = current() {
        return Ok(runtime.handle());
    }
    let _lock = BuildLock::take();
    if let Some(runtime) = current() {
        return Ok(runtime.handle());
    }
    let index = NEXT.load(Ordering::SeqCst);
    let Some(slot) = RUNTIMES.get(index) else {
        return Err(Error::Runtime(format!(
            "no runtime can be built: {MAX_GENERATIONS} generations of fork() built one already"
        )));
    };
    let runtime = build(WORKER_THREADS.load(Ordering::SeqCst))?;
    // The slot is taken before it is filled: a child forked in between uses the next one.
    NEXT.store(index + 1, Ordering::SeqCst);
    let pid = process_id();
    if let Err(ProcessRuntime { runtime, .. }) = slot.set(ProcessRuntime { pid, runtime }) {
        // Unreachable: each slot is handed out once, under the build lock.
        runtime.shutdown_background();
        return Err(Error::Runtime("the runtime's slot was taken".into()));
    }
    CURRENT.store(index, Ordering::Release);
    slot.get()
        .map(|built| built.runtime.handle())
        .ok_or_else(|| Error::Runtime("the runtime's slot is empty".into()))
}

/// The shared runtime's handle. For code that runs once a client exists in this process (its
/// creation built the runtime, see [`try_handle`]); panics if the runtime cannot be built.
pub fn handle() -> &'static Handle {
    match try_handle() {
        Ok(handle) => handle,
        Err(error) => panic!("{error}"),
    }
}

struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

thread_local! {
    /// Inside a callback that runs on a network thread (inline callbacks): blocking there
    /// would stop the very session that has to answer.
    static BLOCKING_REFUSED: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// While alive, [`block_on`] on this thread panics instead of parking the network thread.
pub struct RefuseBlocking(());

impl RefuseBlocking {
    /// Refuses blocking on this thread until the guard drops.
    pub fn enter() -> RefuseBlocking {
        BLOCKING_REFUSED.with(|depth| depth.set(depth.get() + 1));
        RefuseBlocking(())
    }
}

impl Drop for RefuseBlocking {
    fn drop(&mut self) {
        BLOCKING_REFUSED.with(|depth| depth.set(depth.get().saturating_sub(1)));
    }
}

/// The message of the panic that refuses a blocking call inside an inline callback.
pub const BLOCKING_IN_INLINE_CALLBACK: &str = "a blocking zkclient call inside a callback that \
     runs on the network thread (inline_callbacks): it would wait for the session it stops; \
     use the asynchronous calls there";

/// Runs `future` to completion on the calling thread, parking it between polls. Timers and
/// channels used by the future are driven by the shared runtime. Must not be called from a
/// runtime worker thread (use `.await` there); inside an inline callback it panics with
/// [`BLOCKING_IN_INLINE_CALLBACK`] (the C layer turns that into an error code), as tokio's
/// own `block_on` does on a runtime thread.
pub fn block_on<F: Future>(future: F) -> F::Output {
    if BLOCKING_REFUSED.with(|depth| depth.get()) > 0 {
        panic!("{BLOCKING_IN_INLINE_CALLBACK}");
    }
    let _context = handle().enter();
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
        thread::park();
    }
}

/// Lets any future be waited for from blocking code: `client.get("/a").wait()`.
pub trait Wait: Future + Sized {
    /// Blocks the calling thread until the future completes (see [`block_on`]).
    fn wait(self) -> Self::Output {
        block_on(self)
    }
}

impl<F: Future> Wait for F {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_on_drives_runtime_timers_and_channels() {
        let (tx, rx) = tokio::sync::oneshot::channel();
        handle().spawn(async move {
            tokio::time::sleep(Duration::from_millis(5)).await;
            let _ = tx.send(42);
        });
        assert_eq!(rx.wait().unwrap(), 42);
        block_on(async { tokio::time::sleep(Duration::from_millis(1)).await });
    }
}
