//! The process-wide tokio runtime every session runs on, and a tiny `block_on` that lets any
//! thread (a C caller, a dispatcher thread running a callback) wait for a future without
//! entering the runtime's scheduler.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::Duration;

use once_cell::sync::OnceCell;
use tokio::runtime::{Builder, Handle, Runtime};

static RUNTIME: OnceCell<Runtime> = OnceCell::new();
static WORKER_THREADS: AtomicUsize = AtomicUsize::new(1);

/// How long an idle callback-dispatcher thread lingers before it retires.
const DISPATCHER_KEEP_ALIVE: Duration = Duration::from_secs(10);

/// Sets the number of runtime worker threads. Takes effect only before the first client is
/// created; returns false (and changes nothing) afterwards.
pub fn set_worker_threads(threads: usize) -> bool {
    if RUNTIME.get().is_some() || threads == 0 {
        return false;
    }
    WORKER_THREADS.store(threads, Ordering::SeqCst);
    RUNTIME.get().is_none()
}

/// The shared runtime's handle, creating the runtime on first use.
pub fn handle() -> &'static Handle {
    RUNTIME
        .get_or_init(|| {
            Builder::new_multi_thread()
                .worker_threads(WORKER_THREADS.load(Ordering::SeqCst))
                .thread_name("zkclient-io")
                .thread_keep_alive(DISPATCHER_KEEP_ALIVE)
                .enable_io()
                .enable_time()
                .build()
                .expect("the zkclient runtime could not be created (out of threads or file descriptors)")
        })
        .handle()
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

/// Runs `future` to completion on the calling thread, parking it between polls. Timers and
/// channels used by the future are driven by the shared runtime. Must not be called from a
/// runtime worker thread (use `.await` there).
pub fn block_on<F: Future>(future: F) -> F::Output {
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
