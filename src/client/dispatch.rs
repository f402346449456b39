//! Runs user callbacks off the runtime: each client has a queue of jobs run one at a time, in
//! order, on the runtime's elastic blocking pool (a thread is added when all are busy and
//! retires when idle). A callback that blocks holds up only its own client.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::{self, ThreadId};

/// A queued callback.
pub type Job = Box<dyn FnOnce() + Send + 'static>;

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    running: bool,
    /// The thread running this queue's jobs right now, if any.
    runner: Option<ThreadId>,
}

/// One client's callback queue.
#[derive(Clone, Default)]
pub struct Dispatcher {
    queue: Arc<Mutex<Queue>>,
}

impl Dispatcher {
    /// Queues `job`; it runs after every job queued before it, never at the same time as another
    /// job of this dispatcher.
    pub fn push(&self, job: Job) {
        let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        queue.jobs.push_back(job);
        if queue.running {
            return;
        }
        queue.running = true;
        drop(queue);
        let queue = self.queue.clone();
        crate::runtime::handle().spawn_blocking(move || drain(&queue));
    }

    /// Waits until every job queued so far has finished. Called from one of this dispatcher's
    /// own jobs it returns at once (it cannot wait for itself).
    pub fn flush(&self) {
        let runner = self.queue.lock().unwrap_or_else(|p| p.into_inner()).runner;
        if runner == Some(thread::current().id()) {
            return;
        }
        let (done, finished) = mpsc::channel();
        self.push(Box::new(move || {
            let _ = done.send(());
        }));
        let _ = finished.recv();
    }
}

fn drain(queue: &Mutex<Queue>) {
    loop {
        let job = {
            let mut queue = queue.lock().unwrap_or_else(|p| p.into_inner());
            match queue.jobs.pop_front() {
                Some(job) => {
                    queue.runner = Some(thread::current().id());
                    job
                }
                None => {
                    queue.running = false;
                    queue.runner = None;
                    return;
                }
            }
        };
        // A panicking callback must not take the dispatcher (and later callbacks) with it.
        let _ = catch_unwind(AssertUnwindSafe(job));
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
}
