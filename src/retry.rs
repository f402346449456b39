//! The retry helper: kazoo's `KazooRetry`, with `max_tries` counting every attempt (the first
//! included). An operation failing with connection loss, an operation timeout, an expired
//! session (when so configured) or [`Error::ForceRetry`] is run again after an exponentially
//! growing, jittered pause, until it succeeds, fails otherwise, or the policy gives up.
//!
//! The schedule of pauses is one pure piece (`Schedule`) shared by the blocking
//! [`RetryPolicy::run`] and the async [`RetryPolicy::run_async`].

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::error::{Error, Result};
use crate::proto::ErrorCode;

/// Default [`RetryPolicy::max_tries`]: five attempts in all.
const DEFAULT_RETRY_MAX_TRIES: u32 = 5;
/// Default [`RetryPolicy::delay`]: kazoo's 100 ms.
const DEFAULT_RETRY_DELAY: Duration = Duration::from_millis(100);
/// Default [`RetryPolicy::backoff`]: kazoo's doubling.
const DEFAULT_RETRY_BACKOFF: f64 = 2.0;
/// Default [`RetryPolicy::max_jitter`]: each pause is 80% to 120% of its nominal length.
const DEFAULT_RETRY_MAX_JITTER: f64 = 0.2;
/// Default [`RetryPolicy::max_delay`]: kazoo's 60 s.
const DEFAULT_RETRY_MAX_DELAY: Duration = Duration::from_secs(60);

/// How to retry an operation that failed with a retryable error (see
/// [`RetryPolicy::is_retryable`]). `RetryPolicy::default()` makes 5 attempts, pausing about
/// 100, 200, 400 and 800 ms between them.
///
/// A retried operation is called again from the start. Connection loss leaves it unknown
/// whether the server applied the request, so retry only operations that are idempotent or
/// that check for their own earlier effect.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Total attempts, the first included; `None` = unlimited. `Some(0)` is invalid.
    /// Default `Some(5)`.
    pub max_tries: Option<u32>,
    /// Pause after the first failure. Default 100 ms.
    pub delay: Duration,
    /// Each later pause is the previous one times this (finite, >= 1.0). Default 2.0.
    pub backoff: f64,
    /// Each pause is multiplied by a random factor in `[1 - max_jitter, 1 + max_jitter]`
    /// (`0.0..=1.0`; 0 = no jitter). Default 0.2.
    pub max_jitter: f64,
    /// No pause is longer than this, jitter included. Default 60 s.
    pub max_delay: Duration,
    /// Give up when the next attempt would start more than this long after the first one
    /// started; `None` = no deadline. Default `None`.
    pub deadline: Option<Duration>,
    /// Whether `SESSION_EXPIRED` is retried (kazoo's `ignore_expire`). Default true.
    pub retry_session_expired: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_tries: Some(DEFAULT_RETRY_MAX_TRIES),
            delay: DEFAULT_RETRY_DELAY,
            backoff: DEFAULT_RETRY_BACKOFF,
            max_jitter: DEFAULT_RETRY_MAX_JITTER,
            max_delay: DEFAULT_RETRY_MAX_DELAY,
            deadline: None,
            retry_session_expired: true,
        }
    }
}

impl RetryPolicy {
    /// Checks the fields: `max_tries` of `Some(0)`, a `backoff` below 1.0 or not finite, and a
    /// `max_jitter` outside `0.0..=1.0` are refused with [`Error::InvalidArgument`].
    pub fn validate(&self) -> Result<()> {
        if self.max_tries == Some(0) {
            return Err(Error::InvalidArgument(
                "retry max_tries must be at least 1 (it counts the first attempt), or unlimited"
                    .into(),
            ));
        }
        if !(self.backoff.is_finite() && self.backoff >= 1.0) {
            return Err(Error::InvalidArgument(format!(
                "retry backoff {} must be a finite number >= 1.0",
                self.backoff
            )));
        }
        if !(0.0..=1.0).contains(&self.max_jitter) {
            return Err(Error::InvalidArgument(format!(
                "retry max_jitter {} must be within 0.0..=1.0",
                self.max_jitter
            )));
        }
        Ok(())
    }

    /// True when `error` is worth another attempt: `CONNECTION_LOSS`, `OPERATION_TIMEOUT`,
    /// [`Error::ForceRetry`], and `SESSION_EXPIRED` when
    /// [`retry_session_expired`](RetryPolicy::retry_session_expired) is set. Nothing else.
    pub fn is_retryable(&self, error: &Error) -> bool {
        if matches!(error, Error::ForceRetry) {
            return true;
        }
        match error.keeper_code() {
            Some(code) => {
                code == ErrorCode::CONNECTION_LOSS
                    || code == ErrorCode::OPERATION_TIMEOUT
                    || (code == ErrorCode::SESSION_EXPIRED && self.retry_session_expired)
            }
            None => false,
        }
    }

    /// Runs `operation` until it succeeds (its value is returned), fails with an error that is
    /// not retryable (returned as is), or the policy gives up: then
    /// [`Error::RetryFailed`] with the number of attempts made and the last error. Blocks the
    /// calling thread between attempts. An invalid policy (see [`RetryPolicy::validate`])
    /// returns [`Error::InvalidArgument`] without calling `operation`.
    pub fn run<T>(&self, operation: impl FnMut() -> Result<T>) -> Result<T> {
        let start = Instant::now();
        let mut rng = XorShift::from_clock();
        self.run_with(
            || start.elapsed(),
            std::thread::sleep,
            || rng.next_f64(),
            operation,
        )
    }

    /// [`RetryPolicy::run`] for async code: `operation` returns a future per attempt, and the
    /// pauses are `tokio::time::sleep`, so the returned future must be polled inside a tokio
    /// runtime with timers (any `.await` on this crate's runtime, or [`crate::Wait::wait`]).
    pub async fn run_async<T, F: Future<Output = Result<T>>>(
        &self,
        mut operation: impl FnMut() -> F,
    ) -> Result<T> {
        self.validate()?;
        let start = Instant::now();
        let mut rng = XorShift::from_clock();
        let mut schedule = Schedule::new(self, move || rng.next_f64());
        loop {
            match operation().await {
                Ok(value) => return Ok(value),
                Err(error) => {
                    let pause = self.after_failure(&mut schedule, error, start.elapsed())?;
                    tokio::time::sleep(pause).await;
                }
            }
        }
    }

    /// [`RetryPolicy::run`] with its clock (time elapsed since the first attempt started),
    /// sleep and random source (uniform in `[0, 1)`) given.
    fn run_with<T>(
        &self,
        mut elapsed: impl FnMut() -> Duration,
        mut sleep: impl FnMut(Duration),
        random: impl FnMut() -> f64,
        mut operation: impl FnMut() -> Result<T>,
    ) -> Result<T> {
        self.validate()?;
        let mut schedule = Schedule::new(self, random);
        loop {
            match operation() {
                Ok(value) => return Ok(value),
                Err(error) => sleep(self.after_failure(&mut schedule, error, elapsed())?),
            }
        }
    }

    /// What follows a failed attempt: the pause before the next one, or the error to return.
    fn after_failure<R: FnMut() -> f64>(
        &self,
        schedule: &mut Schedule<R>,
        error: Error,
        elapsed: Duration,
    ) -> Result<Duration> {
        if !self.is_retryable(&error) {
            return Err(error);
        }
        match schedule.next_pause(elapsed) {
            Some(pause) => {
                log::debug!(
                    "attempt {} failed ({error}): retrying in {pause:?}",
                    schedule.attempts()
                );
                Ok(pause)
            }
            None => {
                log::debug!(
                    "attempt {} failed ({error}): the retry policy gives up",
                    schedule.attempts()
                );
                Err(Error::RetryFailed {
                    attempts: schedule.attempts(),
                    last: Box::new(error),
                })
            }
        }
    }
}

/// The pauses of one run of a [`RetryPolicy`]: pure apart from its random source (uniform in
/// `[0, 1)`).
pub(crate) struct Schedule<R> {
    policy: RetryPolicy,
    /// Failed attempts so far.
    attempts: u32,
    /// The nominal (unjittered) next pause, never above `max_delay`.
    delay: Duration,
    random: R,
}

impl<R: FnMut() -> f64> Schedule<R> {
    /// A fresh schedule for `policy`, with `random` uniform in `[0, 1)`.
    pub(crate) fn new(policy: &RetryPolicy, random: R) -> Self {
        Schedule {
            policy: policy.clone(),
            attempts: 0,
            delay: policy.delay.min(policy.max_delay),
            random,
        }
    }

    /// Attempts made (all failed) so far.
    pub(crate) fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Records a failed attempt, `elapsed` after the first one started, and gives the pause
    /// before the next, or `None` when the policy gives up: the tries are used up, or the next
    /// attempt would start after the deadline.
    pub(crate) fn next_pause(&mut self, elapsed: Duration) -> Option<Duration> {
        self.attempts = self.attempts.saturating_add(1);
        if self
            .policy
            .max_tries
            .is_some_and(|max| self.attempts >= max)
        {
            return None;
        }
        let jitter = self.policy.max_jitter * (2.0 * (self.random)() - 1.0);
        let pause = scale(self.delay, 1.0 + jitter, self.policy.max_delay);
        if let Some(deadline) = self.policy.deadline {
            if elapsed.saturating_add(pause) > deadline {
                return None;
            }
        }
        self.delay = scale(self.delay, self.policy.backoff, self.policy.max_delay);
        Some(pause)
    }
}

/// `duration * factor`, rounded to the nanosecond, at most `cap` (0 for a negative or NaN
/// product).
fn scale(duration: Duration, factor: f64, cap: Duration) -> Duration {
    let nanos = duration.as_nanos() as f64 * factor;
    if nanos >= cap.as_nanos() as f64 {
        return cap;
    }
    // `as` saturates: NaN and negatives become 0.
    Duration::from_nanos(nanos.round() as u64).min(cap)
}

/// xorshift64, seeded from the wall clock and a counter: jitter and host shuffling, not
/// cryptography.
pub(crate) struct XorShift(u64);

impl XorShift {
    /// A generator seeded from the clock (two calls give unrelated sequences).
    pub(crate) fn from_clock() -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos() as u64);
        // splitmix64's mixing, so that seeds a nanosecond apart give unrelated sequences.
        let mut seed = nanos ^ COUNTER.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
        seed = (seed ^ (seed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        seed = (seed ^ (seed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        XorShift((seed ^ (seed >> 31)) | 1)
    }

    /// Uniform in `[0, 1)`.
    pub(crate) fn next_f64(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        (x >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..bound` (0 when `bound` is 0).
    pub(crate) fn below(&mut self, bound: usize) -> usize {
        ((self.next_f64() * bound as f64) as usize).min(bound.saturating_sub(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::{Cell, RefCell};

    const MS: Duration = Duration::from_millis(1);

    /// A clock that advances only when slept on, and the pauses slept.
    #[derive(Default)]
    struct FakeTime {
        now: Cell<Duration>,
        pauses: RefCell<Vec<Duration>>,
    }

    impl FakeTime {
        /// Runs `operation` under `policy` with this clock and jitter factor 1.0.
        fn run<T>(&self, policy: &RetryPolicy, operation: impl FnMut() -> Result<T>) -> Result<T> {
            policy.run_with(
                || self.now.get(),
                |pause| {
                    self.pauses.borrow_mut().push(pause);
                    self.now.set(self.now.get() + pause);
                },
                || 0.5,
                operation,
            )
        }

        fn pauses(&self) -> Vec<Duration> {
            self.pauses.borrow().clone()
        }
    }

    /// An operation failing with `errors` in turn, then returning the number of calls.
    fn failing(errors: Vec<Error>, calls: &Cell<u32>) -> impl FnMut() -> Result<u32> + '_ {
        let mut errors = errors.into_iter();
        move || {
            calls.set(calls.get() + 1);
            match errors.next() {
                Some(error) => Err(error),
                None => Ok(calls.get()),
            }
        }
    }

    fn loss() -> Error {
        Error::Keeper(ErrorCode::CONNECTION_LOSS)
    }

    #[test]
    fn success_on_the_first_try_calls_once_and_never_sleeps() {
        let time = FakeTime::default();
        let calls = Cell::new(0);
        let result = time.run(&RetryPolicy::default(), failing(vec![], &calls));
        assert_eq!(result, Ok(1));
        assert_eq!(calls.get(), 1);
        assert!(time.pauses().is_empty());
    }

    #[test]
    fn retryable_errors_then_success_pause_exponentially_up_to_max_delay() {
        let policy = RetryPolicy {
            max_tries: Some(10),
            delay: 100 * MS,
            backoff: 2.0,
            max_delay: 500 * MS,
            ..RetryPolicy::default()
        };
        let time = FakeTime::default();
        let calls = Cell::new(0);
        let result = time.run(&policy, failing(vec![loss(); 6], &calls));
        assert_eq!(result, Ok(7));
        assert_eq!(calls.get(), 7);
        let expected: Vec<Duration> = [100, 200, 400, 500, 500, 500]
            .iter()
            .map(|&ms| ms * MS)
            .collect();
        assert_eq!(time.pauses(), expected);
    }

    #[test]
    fn non_retryable_errors_are_returned_after_one_call() {
        let not_retried = RetryPolicy {
            retry_session_expired: false,
            ..RetryPolicy::default()
        };
        let cases = [
            (RetryPolicy::default(), Error::Keeper(ErrorCode::NO_NODE)),
            (
                RetryPolicy::default(),
                Error::Keeper(ErrorCode::NODE_EXISTS),
            ),
            (
                RetryPolicy::default(),
                Error::Keeper(ErrorCode::BAD_VERSION),
            ),
            (
                RetryPolicy::default(),
                Error::InvalidPath {
                    path: "a".into(),
                    reason: "must start with /",
                },
            ),
            (RetryPolicy::default(), Error::Closed),
            (
                RetryPolicy::default(),
                Error::RequestTooLarge {
                    size: 2 << 20,
                    limit: 1 << 20,
                },
            ),
            (RetryPolicy::default(), Error::Timeout("start".into())),
            (not_retried, Error::Keeper(ErrorCode::SESSION_EXPIRED)),
        ];
        for (policy, error) in cases {
            assert!(!policy.is_retryable(&error), "{error:?}");
            let time = FakeTime::default();
            let calls = Cell::new(0);
            let result = time.run(&policy, failing(vec![error.clone(); 3], &calls));
            assert_eq!(result, Err(error));
            assert_eq!(calls.get(), 1);
            assert!(time.pauses().is_empty());
        }
    }

    #[test]
    fn retryable_errors_are_retried() {
        let retried = [
            Error::ForceRetry,
            loss(),
            Error::Keeper(ErrorCode::OPERATION_TIMEOUT),
            Error::Keeper(ErrorCode::SESSION_EXPIRED),
        ];
        for error in retried {
            let policy = RetryPolicy::default();
            assert!(policy.is_retryable(&error), "{error:?}");
            let time = FakeTime::default();
            let calls = Cell::new(0);
            let result = time.run(&policy, failing(vec![error.clone(); 2], &calls));
            assert_eq!(result, Ok(3), "{error:?}");
            assert_eq!(time.pauses(), vec![100 * MS, 200 * MS]);
        }
        let expired = Error::Keeper(ErrorCode::SESSION_EXPIRED);
        let not_retried = RetryPolicy {
            retry_session_expired: false,
            ..RetryPolicy::default()
        };
        assert!(!not_retried.is_retryable(&expired));
        assert!(not_retried.is_retryable(&loss()));
        assert!(!RetryPolicy::default().is_retryable(&Error::RetryFailed {
            attempts: 1,
            last: Box::new(loss()),
        }));
    }

    #[test]
    fn max_tries_counts_every_attempt() {
        let policy = RetryPolicy {
            max_tries: Some(3),
            ..RetryPolicy::default()
        };
        let time = FakeTime::default();
        let calls = Cell::new(0);
        let result = time.run(&policy, || -> Result<()> {
            calls.set(calls.get() + 1);
            Err(loss())
        });
        assert_eq!(
            result,
            Err(Error::RetryFailed {
                attempts: 3,
                last: Box::new(loss()),
            })
        );
        assert_eq!(calls.get(), 3);
        assert_eq!(time.pauses(), vec![100 * MS, 200 * MS]);

        let once = RetryPolicy {
            max_tries: Some(1),
            ..RetryPolicy::default()
        };
        let calls = Cell::new(0);
        let result = FakeTime::default().run(&once, failing(vec![Error::ForceRetry], &calls));
        assert_eq!(
            result,
            Err(Error::RetryFailed {
                attempts: 1,
                last: Box::new(Error::ForceRetry),
            })
        );
        assert_eq!(calls.get(), 1);
    }

    #[test]
    fn unlimited_tries_keep_going() {
        let policy = RetryPolicy {
            max_tries: None,
            max_delay: Duration::from_secs(1),
            ..RetryPolicy::default()
        };
        let time = FakeTime::default();
        let calls = Cell::new(0);
        let result = time.run(&policy, failing(vec![loss(); 49], &calls));
        assert_eq!(result, Ok(50));
        assert_eq!(time.pauses().len(), 49);
        assert_eq!(time.pauses().last(), Some(&Duration::from_secs(1)));
    }

    #[test]
    fn the_deadline_stops_attempts_that_would_start_after_it() {
        let deadline = Duration::from_secs(1);
        let policy = RetryPolicy {
            max_tries: None,
            delay: 100 * MS,
            backoff: 2.0,
            deadline: Some(deadline),
            ..RetryPolicy::default()
        };
        let time = FakeTime::default();
        let calls = Cell::new(0);
        let result = time.run(&policy, || -> Result<()> {
            calls.set(calls.get() + 1);
            Err(Error::Keeper(ErrorCode::OPERATION_TIMEOUT))
        });
        // Attempts at 0, 100, 300 and 700 ms; the next would start at 1500 ms.
        assert_eq!(
            result,
            Err(Error::RetryFailed {
                attempts: 4,
                last: Box::new(Error::Keeper(ErrorCode::OPERATION_TIMEOUT)),
            })
        );
        assert_eq!(calls.get(), 4);
        assert_eq!(time.pauses(), vec![100 * MS, 200 * MS, 400 * MS]);
        assert!(time.pauses().iter().sum::<Duration>() <= deadline);
    }

    #[test]
    fn the_deadline_counts_time_spent_in_the_operation() {
        let policy = RetryPolicy {
            max_tries: None,
            deadline: Some(Duration::from_secs(1)),
            ..RetryPolicy::default()
        };
        let time = FakeTime::default();
        let calls = Cell::new(0);
        let result = time.run(&policy, || -> Result<()> {
            calls.set(calls.get() + 1);
            time.now.set(time.now.get() + 400 * MS);
            Err(loss())
        });
        // Fails at 400 ms, retried at 500; fails at 900, and 900 + 200 is past the deadline.
        assert!(matches!(
            result,
            Err(Error::RetryFailed { attempts: 2, .. })
        ));
        assert_eq!(calls.get(), 2);
    }

    #[test]
    fn jitter_scales_the_pause_and_stays_under_max_delay() {
        let policy = RetryPolicy {
            max_tries: None,
            delay: 100 * MS,
            backoff: 1.0,
            max_jitter: 0.2,
            ..RetryPolicy::default()
        };
        let mut low = Schedule::new(&policy, || 0.0);
        assert_eq!(low.next_pause(Duration::ZERO), Some(80 * MS));
        let mut middle = Schedule::new(&policy, || 0.5);
        assert_eq!(middle.next_pause(Duration::ZERO), Some(100 * MS));
        let mut high = Schedule::new(&policy, || 0.75);
        assert_eq!(high.next_pause(Duration::ZERO), Some(110 * MS));

        let capped = RetryPolicy {
            max_delay: 105 * MS,
            ..policy.clone()
        };
        let mut high = Schedule::new(&capped, || 0.75);
        assert_eq!(high.next_pause(Duration::ZERO), Some(105 * MS));
        let over = RetryPolicy {
            delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(1),
            ..policy
        };
        let mut low = Schedule::new(&over, || 0.0);
        assert_eq!(low.next_pause(Duration::ZERO), Some(800 * MS));
    }

    #[test]
    fn real_jitter_stays_within_its_bounds() {
        for (max_delay, upper) in [(Duration::from_secs(60), 120 * MS), (110 * MS, 110 * MS)] {
            let policy = RetryPolicy {
                max_tries: None,
                delay: 100 * MS,
                backoff: 1.0,
                max_jitter: 0.2,
                max_delay,
                ..RetryPolicy::default()
            };
            let mut rng = XorShift::from_clock();
            let mut schedule = Schedule::new(&policy, || rng.next_f64());
            let pauses: Vec<Duration> = (0..1000)
                .map(|_| schedule.next_pause(Duration::ZERO).unwrap())
                .collect();
            for pause in &pauses {
                assert!(*pause >= 80 * MS && *pause <= upper, "{pause:?}");
            }
            assert!(*pauses.iter().min().unwrap() < 90 * MS);
            assert!(*pauses.iter().max().unwrap() > upper - 5 * MS);
        }
    }

    #[test]
    fn random_numbers_are_in_the_unit_interval_and_differ_between_seeds() {
        let mut a = XorShift::from_clock();
        let mut b = XorShift::from_clock();
        let first: Vec<f64> = (0..1000).map(|_| a.next_f64()).collect();
        assert!(first.iter().all(|x| (0.0..1.0).contains(x)));
        assert_ne!(
            first[..4],
            (0..4).map(|_| b.next_f64()).collect::<Vec<_>>()[..]
        );
    }

    #[test]
    fn validate_rejects_bad_values() {
        assert_eq!(RetryPolicy::default().validate(), Ok(()));
        let unlimited = RetryPolicy {
            max_tries: None,
            backoff: 1.0,
            max_jitter: 1.0,
            ..RetryPolicy::default()
        };
        assert_eq!(unlimited.validate(), Ok(()));
        let bad = [
            RetryPolicy {
                max_tries: Some(0),
                ..RetryPolicy::default()
            },
            RetryPolicy {
                backoff: 0.5,
                ..RetryPolicy::default()
            },
            RetryPolicy {
                backoff: f64::NAN,
                ..RetryPolicy::default()
            },
            RetryPolicy {
                backoff: f64::INFINITY,
                ..RetryPolicy::default()
            },
            RetryPolicy {
                max_jitter: -0.1,
                ..RetryPolicy::default()
            },
            RetryPolicy {
                max_jitter: 1.5,
                ..RetryPolicy::default()
            },
            RetryPolicy {
                max_jitter: f64::NAN,
                ..RetryPolicy::default()
            },
        ];
        for policy in bad {
            assert!(
                matches!(policy.validate(), Err(Error::InvalidArgument(_))),
                "{policy:?}"
            );
            let calls = Cell::new(0);
            let result = FakeTime::default().run(&policy, failing(vec![], &calls));
            assert!(matches!(result, Err(Error::InvalidArgument(_))));
            assert_eq!(
                calls.get(),
                0,
                "an invalid policy never calls the operation"
            );
        }
    }

    #[test]
    fn run_async_retries_with_tokio_sleeps() {
        let policy = RetryPolicy {
            delay: MS,
            ..RetryPolicy::default()
        };
        let calls = Cell::new(0);
        let result = crate::runtime::block_on(policy.run_async(|| {
            calls.set(calls.get() + 1);
            let call = calls.get();
            async move {
                tokio::time::sleep(Duration::from_micros(100)).await;
                if call < 3 {
                    Err(Error::ForceRetry)
                } else {
                    Ok(call)
                }
            }
        }));
        assert_eq!(result, Ok(3));

        let once = RetryPolicy {
            max_tries: Some(2),
            delay: MS,
            ..RetryPolicy::default()
        };
        let result: Result<()> = crate::runtime::block_on(once.run_async(|| async { Err(loss()) }));
        assert_eq!(
            result,
            Err(Error::RetryFailed {
                attempts: 2,
                last: Box::new(loss()),
            })
        );
        let invalid = RetryPolicy {
            max_tries: Some(0),
            ..RetryPolicy::default()
        };
        let result = crate::runtime::block_on(invalid.run_async(|| async { Ok(()) }));
        assert!(matches!(result, Err(Error::InvalidArgument(_))));
    }

    #[test]
    fn run_really_sleeps() {
        let policy = RetryPolicy {
            max_tries: Some(3),
            delay: 5 * MS,
            backoff: 2.0,
            max_jitter: 0.0,
            ..RetryPolicy::default()
        };
        let start = Instant::now();
        let calls = Cell::new(0);
        let result = policy.run(|| -> Result<()> {
            calls.set(calls.get() + 1);
            Err(loss())
        });
        assert!(matches!(
            result,
            Err(Error::RetryFailed { attempts: 3, .. })
        ));
        assert_eq!(calls.get(), 3);
        assert!(start.elapsed() >= 15 * MS, "{:?}", start.elapsed());
    }
}
