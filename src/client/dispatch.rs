//! Runs user callbacks off the runtime: each client has a queue of jobs run one at a time, in
//! order, on the runtime's elastic blocking pool (a thread is added when all are busy and
//! retires when idle). A callback that blocks holds up only its own client.
//!
//! In manual mode the application runs the jobs instead, on its own thread, when a file
//! descriptor becomes readable (event loops: libuv, epoll, Go, Ruby).

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{mpsc, Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, ThreadId};
use std::time::Duration;

/// A queued callback.
pub type Job = Box<dyn FnOnce() + Send + 'static>;

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
    /// Inside `hold` .. `release`: pushes queue their jobs without waking anyone.
    held: bool,
    /// Jobs were pushed while held: `release` wakes the runner.
    wake_on_release: bool,
    /// The runner is waiting for more jobs (lingering): a push must notify it.
    lingering: bool,
}

#[derive(Default)]
struct Shared {
    queue: Mutex<Queue>,
    /// Signalled whenever the queue stops running.
    idle: Condvar,
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

    /// Queues `job`; it runs after every job queued before it, never at the same time as another
    /// job of this dispatcher.
    pub fn push(&self, job: Job) {
        let mut queue = self.lock();
        queue.jobs.push_back(job);
        if queue.held {
            queue.wake_on_release = true;
            return;
        }
        self.wake(queue);
    }

    /// Until `release`, pushed jobs are queued (in order, as always) without waking the thread
    /// that runs them, so that a burst of replies costs one wake-up. Only the session task holds.
    pub fn hold(&self) {
        self.lock().held = true;
    }

    /// Ends `hold`: wakes the runner once if jobs were pushed meanwhile.
    pub fn release(&self) {
        let mut queue = self.lock();
        queue.held = false;
        if std::mem::take(&mut queue.wake_on_release) {
            self.wake(queue);
        }
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

    /// Switches to manual mode and returns the descriptor that is readable while jobs wait;
    /// the same descriptor on later calls. It stays open as long as the dispatcher lives.
    pub fn enable_manual(&self) -> std::io::Result<RawFd> {
        let mut queue = self.lock();
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
        Ok(fd)
    }

    /// True in manual mode.
    pub fn is_manual(&self) -> bool {
        self.lock().wakeup.is_some()
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

    /// Waits until every job queued so far has finished. Called from one of this dispatcher's
    /// own jobs it returns at once (it cannot wait for itself). In manual mode the waiting
    /// jobs run on the calling thread.
    pub fn flush(&self) {
        let mut queue = self.lock();
        if queue.runner == Some(thread::current().id()) {
            return;
        }
        if queue.wakeup.is_some() {
            while queue.running {
                queue = self
                    .shared
                    .idle
                    .wait(queue)
                    .unwrap_or_else(|p| p.into_inner());
            }
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

/// Runs jobs until the queue is empty (the caller has set `running`); returns how many ran.
fn run_jobs(shared: &Shared) -> usize {
    let mut ran = 0;
    loop {
        let job = {
            let mut queue = shared.queue.lock().unwrap_or_else(|p| p.into_inner());
            // Linger only under a stream (this run already had more than one job): a burst of
            // single events from many clients must not hold a thread each.
            if queue.jobs.is_empty() && queue.wakeup.is_none() && ran > 1 {
                queue.runner = None;
                queue.lingering = true;
                queue = shared
                    .idle
                    .wait_timeout(queue, LINGER)
                    .unwrap_or_else(|p| p.into_inner())
                    .0;
                queue.lingering = false;
            }
            match queue.jobs.pop_front() {
                Some(job) => {
                    queue.runner = Some(thread::current().id());
                    job
                }
                None => {
                    queue.running = false;
                    queue.runner = None;
                    if let Some(wakeup) = queue.wakeup.as_mut() {
                        let mut sink = [0u8; 64];
                        while matches!((&wakeup.readable).read(&mut sink), Ok(n) if n > 0) {}
                        wakeup.signalled = false;
                    }
                    shared.idle.notify_all();
                    return ran;
                }
            }
        };
        // A panicking callback must not take the dispatcher (and later callbacks) with it.
        let _ = catch_unwind(AssertUnwindSafe(job));
        ran += 1;
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
