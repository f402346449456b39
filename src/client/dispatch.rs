//! Runs user callbacks off the runtime: each client has a queue of jobs run one at a time, in
//! order, on the runtime's elastic blocking pool (a thread is added when all are busy and
//! retires when idle). A callback that blocks holds up only its own client.
//!
//! In manual mode the application runs the jobs instead, on its own thread, when a file
//! descriptor becomes readable (event loops: libuv, epoll, Go, Ruby).
//!
//! In inline mode (opt-in, [`crate::client::ClientOptions::inline_callbacks`]) a job runs on
//! the thread that pushes it, the session's network thread, as soon as no other job of the
//! client runs: no thread hand-off, no wake-up. Jobs still run one at a time and in order: a
//! job pushed while another runs (by another thread, or by the running job itself) is queued
//! and run by the thread already running them, right after.

use std::collections::VecDeque;
use std::io::Write;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, ThreadId};
use std::time::Duration;

/// A queued callback.
pub type Job = Box<dyn crate::session::Job>;

/// The readable end tells the application that jobs are waiting (manual mode).
struct Wakeup {
    readable: UnixStream,
    writable: UnixStream,
    signalled: bool,
}

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    /// Some thread is running this queue's jobs (or is about to).
    running: bool,
    /// The thread running this queue's jobs right now, if any.
    runner: Option<ThreadId>,
    /// Set in manual mode.
    wakeup: Option<Wakeup>,
    /// The runner is waiting for more jobs (lingering): a push must notify it.
    lingering: bool,
    /// Threads waiting on `idle` (flush, a lingering runner): a notification is a system
    /// call, made only when someone listens.
    idle_waiters: usize,
}

#[derive(Default)]
struct Shared {
    /// Inside `hold` .. `release`: the jobs pushed meanwhile, queued here and moved to
    /// `queue` together at the release, so the thread running them and the network thread
    /// take the queue's lock once per burst, not once per job. Locked before `queue`.
    held: Mutex<Option<VecDeque<Job>>>,
    queue: Mutex<Queue>,
    /// Signalled whenever the queue stops running.
    idle: Condvar,
    /// Inline mode: jobs run on the pushing thread (fixed at creation).
    inline: bool,
    /// Manual mode is on (set once, never cleared): read without the queue's lock.
    manual: AtomicBool,
}

/// One client's callback queue.
#[derive(Clone, Default)]
pub struct Dispatcher {
    shared: Arc<Shared>,
}

impl Dispatcher {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.shared.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn lock_held(&self) -> MutexGuard<'_, Option<VecDeque<Job>>> {
        self.shared.held.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queues `job`; it runs after every job queued before it, never at the same time as another
    /// job of this dispatcher.
    pub fn push(&self, job: Job) {
        if self.shared.inline {
            let mut queue = self.lock();
            queue.jobs.push_back(job);
            if queue.running {
                // The thread running this client's jobs (maybe this one, from inside a job)
                // runs this one next.
                return;
            }
            queue.running = true;
            drop(queue);
            let _blocking_refused = crate::runtime::RefuseBlocking::enter();
            run_jobs(&self.shared);
            return;
        }
        let mut held = self.lock_held();
        if let Some(jobs) = held.as_mut() {
            jobs.push_back(job);
            return;
        }
        // Still holding `held`: a release moving a burst cannot slip in between.
        let mut queue = self.lock();
        queue.jobs.push_back(job);
        self.wake(queue);
    }

    /// Until `release`, pushed jobs are queued (in order, as always) without waking the thread
    /// that runs them, so that a burst of replies costs one wake-up. Only the session task holds.
    /// No effect in inline mode, whose jobs run as they come.
    pub fn hold(&self) {
        if self.shared.inline {
            return;
        }
        let mut held = self.lock_held();
        if held.is_none() {
            *held = Some(VecDeque::new());
        }
    }

    /// Ends `hold`: moves the jobs pushed meanwhile to the queue and wakes the runner once.
    pub fn release(&self) {
        if self.shared.inline {
            return;
        }
        let mut held = self.lock_held();
        let Some(mut jobs) = held.take() else {
            return;
        };
        if jobs.is_empty() {
            return;
        }
        let mut queue = self.lock();
        queue.jobs.append(&mut jobs);
        self.wake(queue);
    }

    /// Makes sure the queued jobs will run: signals the application (manual mode), wakes a
    /// lingering runner, or starts one.
    fn wake(&self, mut queue: MutexGuard<'_, Queue>) {
        if let Some(wakeup) = queue.wakeup.as_mut() {
            if !wakeup.signalled {
                // A full socket buffer (WouldBlock) is readable already.
                let _ = (&wakeup.writable).write(&[1]);
                wakeup.signalled = true;
            }
            return;
        }
        if queue.running {
            // A busy runner finds the job by itself; only a lingering one needs waking.
            if queue.lingering {
                queue.lingering = false;
                self.shared.idle.notify_all();
            }
            return;
        }
        queue.running = true;
        drop(queue);
        let shared = self.shared.clone();
        crate::runtime::handle().spawn_blocking(move || run_jobs(&shared));
    }

    /// A dispatcher in inline mode (see the module's documentation).
    pub fn inline() -> Dispatcher {
        Dispatcher {
            shared: Arc::new(Shared {
                inline: true,
                ..Shared::default()
            }),
        }
    }

    /// Switches to manual mode and returns the descriptor that is readable while jobs wait;
    /// the same descriptor on later calls. It stays open as long as the dispatcher lives.
    /// Refused (`Unsupported`) in inline mode, whose jobs never wait.
    pub fn enable_manual(&self) -> std::io::Result<RawFd> {
        let mut queue = self.lock();
        if self.shared.inline {
            return Err(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "callbacks run inline on the network thread (inline_callbacks): there is \
                 nothing to dispatch",
            ));
        }
        if let Some(wakeup) = &queue.wakeup {
            return Ok(wakeup.readable.as_raw_fd());
        }
        let (readable, writable) = UnixStream::pair()?;
        readable.set_nonblocking(true)?;
        writable.set_nonblocking(true)?;
        let fd = readable.as_raw_fd();
        let signalled = !queue.jobs.is_empty();
        if signalled {
            let _ = (&writable).write(&[1]);
        }
        queue.wakeup = Some(Wakeup {
            readable,
            writable,
            signalled,
        });
        self.shared.manual.store(true, Ordering::Release);
        Ok(fd)
    }

    /// True in manual mode.
    pub fn is_manual(&self) -> bool {
        self.shared.manual.load(Ordering::Acquire)
    }

    /// Manual mode: runs every waiting job on the calling thread and returns how many ran.
    /// Returns 0 at once when another thread is running this client's jobs right now.
    pub fn run_pending(&self) -> usize {
        let mut queue = self.lock();
        if queue.running {
            return 0;
        }
        queue.running = true;
        drop(queue);
        run_jobs(&self.shared)
    }

    /// Waits (on `idle`) until no thread runs this dispatcher's jobs.
    fn wait_until_idle<'a>(&'a self, mut queue: MutexGuard<'a, Queue>) -> MutexGuard<'a, Queue> {
        while queue.running {
            queue.idle_waiters += 1;
            queue = self
                .shared
                .idle
                .wait(queue)
                .unwrap_or_else(|p| p.into_inner());
            queue.idle_waiters -= 1;
        }
        queue
    }

    /// Waits until every job queued so far has finished. Called from one of this dispatcher's
    /// own jobs it returns at once (it cannot wait for itself). In manual mode the waiting
    /// jobs run on the calling thread.
    pub fn flush(&self) {
        let queue = self.lock();
        if queue.runner == Some(thread::current().id()) {
            return;
        }
        if self.shared.inline {
            // Jobs run as they are pushed: once no thread runs them, every job pushed so far
            // has finished.
            drop(self.wait_until_idle(queue));
            return;
        }
        if queue.wakeup.is_some() {
            let mut queue = self.wait_until_idle(queue);
            queue.running = true;
            drop(queue);
            run_jobs(&self.shared);
            return;
        }
        drop(queue);
        let (done, finished) = mpsc::channel();
        self.push(Box::new(move || {
            let _ = done.send(());
        }));
        let _ = finished.recv();
    }
}

/// How long a pool thread that has been busy waits for more jobs before it gives its queue up:
/// under a steady stream of completions this saves a thread hand-off per batch.
const LINGER: Duration = Duration::from_millis(2);

/// Reads everything waiting on the wake-up descriptor `fd` (non-blocking; it lives as long as
/// the dispatcher, which the caller holds).
fn drain(fd: RawFd) {
    let mut sink = [0u8; 64];
    // SAFETY: `fd` is open (see above) and `sink` is writable for its length.
    while unsafe { libc::read(fd, sink.as_mut_ptr().cast(), sink.len()) } > 0 {}
}

/// Runs jobs until the queue is empty (the caller has set `running`); returns how many ran.
/// The jobs waiting are taken out together, one lock for the lot: the thread that queues
/// them (the network thread) and this one do not contend once per job.
fn run_jobs(shared: &Shared) -> usize {
    let mut ran = 0;
    let mut batch: VecDeque<Job> = VecDeque::new();
    // The wake-up descriptor has been emptied since the queue was last found empty.
    let mut drained = false;
    loop {
        {
            let mut queue = shared.queue.lock().unwrap_or_else(|p| p.into_inner());
            // Linger only under a stream (this run already had more than one job): a burst of
            // single events from many clients must not hold a thread each.
            if queue.jobs.is_empty() && queue.wakeup.is_none() && !shared.inline && ran > 1 {
                queue.runner = None;
                queue.lingering = true;
                queue.idle_waiters += 1;
                queue = shared
                    .idle
                    .wait_timeout(queue, LINGER)
                    .unwrap_or_else(|p| p.into_inner())
                    .0;
                queue.idle_waiters -= 1;
                queue.lingering = false;
            }
            if queue.jobs.is_empty() {
                if let Some(wakeup) = queue.wakeup.as_mut() {
                    if wakeup.signalled && !drained {
                        // Emptied outside the lock (the network thread queues meanwhile): no
                        // byte can come while `signalled` holds, so none is lost; the queue
                        // is looked at again before `signalled` is cleared.
                        let fd = wakeup.readable.as_raw_fd();
                        drop(queue);
                        drain(fd);
                        drained = true;
                        continue;
                    }
                    wakeup.signalled = false;
                }
                queue.running = false;
                queue.runner = None;
                if queue.idle_waiters > 0 {
                    shared.idle.notify_all();
                }
                return ran;
            }
            queue.runner = Some(thread::current().id());
            drained = false;
            // The emptied batch of the last round goes back: its capacity is reused.
            std::mem::swap(&mut queue.jobs, &mut batch);
        }
        for job in batch.drain(..) {
            // A panicking callback must not take the dispatcher (and later callbacks) with it.
            let _ = catch_unwind(AssertUnwindSafe(|| job.run()));
            ran += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn runs_jobs_in_order_one_at_a_time_and_survives_panics() {
        let dispatcher = Dispatcher::default();
        let (tx, rx) = mpsc::channel();
        let busy = Arc::new(Mutex::new(()));
        for i in 0..200 {
            let tx = tx.clone();
            let busy = busy.clone();
            dispatcher.push(Box::new(move || {
                if i == 7 {
                    panic!("a callback panicked");
                }
                let _only_one = busy
                    .try_lock()
                    .expect("two jobs of one dispatcher ran at once");
                tx.send(i).unwrap();
            }));
        }
        let got: Vec<i32> = (0..199)
            .map(|_| rx.recv_timeout(Duration::from_secs(10)).unwrap())
            .collect();
        let want: Vec<i32> = (0..200).filter(|&i| i != 7).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn jobs_pushed_while_held_wait_for_the_release_and_keep_their_order() {
        let dispatcher = Dispatcher::default();
        let fd = dispatcher.enable_manual().unwrap();
        let readable = || {
            let mut poll = libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd, no timeout.
            unsafe { libc::poll(&mut poll, 1, 0) == 1 }
        };
        let (tx, rx) = mpsc::channel();
        dispatcher.hold();
        for i in 0..5 {
            let tx = tx.clone();
            dispatcher.push(Box::new(move || tx.send(i).unwrap()));
        }
        assert!(!readable(), "signalled while held");
        dispatcher.release();
        assert!(readable(), "not signalled on release");
        assert_eq!(dispatcher.run_pending(), 5);
        assert_eq!(rx.try_iter().collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
        // A release with nothing pushed signals nothing.
        dispatcher.hold();
        dispatcher.release();
        assert!(!readable());

        // On the pool: the held jobs run once released, in order.
        let pooled = Dispatcher::default();
        pooled.hold();
        for i in 0..100 {
            let tx = tx.clone();
            pooled.push(Box::new(move || tx.send(i).unwrap()));
        }
        // No runner was started while held.
        assert!(rx.try_recv().is_err());
        pooled.release();
        let got: Vec<i32> = (0..100)
            .map(|_| rx.recv_timeout(Duration::from_secs(10)).unwrap())
            .collect();
        assert_eq!(got, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn manual_mode_signals_a_descriptor_and_runs_jobs_on_the_callers_thread() {
        let dispatcher = Dispatcher::default();
        let fd = dispatcher.enable_manual().unwrap();
        assert_eq!(dispatcher.enable_manual().unwrap(), fd);
        let readable = || {
            let mut poll = libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd, no timeout.
            unsafe { libc::poll(&mut poll, 1, 0) == 1 }
        };
        assert!(!readable());
        let (tx, rx) = mpsc::channel();
        for i in 0..3 {
            let tx = tx.clone();
            dispatcher.push(Box::new(move || {
                tx.send((i, thread::current().id())).unwrap()
            }));
        }
        assert!(readable());
        assert!(rx.try_recv().is_err(), "a job ran before dispatch");
        assert_eq!(dispatcher.run_pending(), 3);
        let ran: Vec<_> = rx.try_iter().collect();
        assert_eq!(ran.iter().map(|r| r.0).collect::<Vec<_>>(), [0, 1, 2]);
        assert!(ran.iter().all(|r| r.1 == thread::current().id()));
        assert!(!readable());
        dispatcher.push(Box::new(|| {}));
        dispatcher.flush();
        assert!(!readable());
    }
}
