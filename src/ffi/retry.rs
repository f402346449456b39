//! The retry helper from C: a policy struct, `zk_retry()` (kazoo's `zk.retry(func)`), and the
//! client-wide command and connection retry policies.

use std::ffi::c_void;
use std::time::Duration;

use super::client::{client_arg, zk_client, zk_options};
use super::versioned::{end_of, init_options, read_options, Versioned};
use super::{guard, null_argument, required_fn, required_mut, zk_error};
use crate::client::RetryPolicy;
use crate::error::{Error, Result};
use crate::proto::ErrorCode;

/// The current version of `zk_retry_policy`: what `zk_retry_policy_init()` is given by a
/// program built against this header.
pub const ZK_RETRY_POLICY_VERSION: u32 = 1;

/// How to retry (kazoo's `KazooRetry`). Initialise it with
/// `zk_retry_policy_init(&policy, ZK_RETRY_POLICY_VERSION)` (the default command retry
/// policy), then change what you need. All zeros is not valid (version 0: `ZK_EINVAL`). Plain
/// data, copied by the functions that take it.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct zk_retry_policy {
    /// The version of this struct the caller was built with (`ZK_RETRY_POLICY_VERSION`), set by
    /// `zk_retry_policy_init()`. The library reads only that version's fields.
    pub version: u32,
    /// Total attempts, the first included; -1 = unlimited. 0 is invalid.
    pub max_tries: i32,
    /// Pause after the first failure, in milliseconds.
    pub delay_ms: u32,
    /// Each later pause is the previous one times this (at least 1.0).
    pub backoff: f64,
    /// Each pause is multiplied by a random factor in [1 - max_jitter, 1 + max_jitter]
    /// (0.0 to 1.0), so that many clients do not retry in step.
    pub max_jitter: f64,
    /// No pause is longer than this, in milliseconds.
    pub max_delay_ms: u32,
    /// Give up when the next attempt would start later than this many milliseconds after the
    /// first; -1 = no deadline.
    pub deadline_ms: i64,
    /// Whether `ZK_ESESSIONEXPIRED` is retried (kazoo's `ignore_expire`).
    pub retry_session_expired: bool,
}

// SAFETY: repr(C), version first, plain fields; the sizes end at each version's last field.
unsafe impl Versioned for zk_retry_policy {
    const NAME: &'static str = "zk_retry_policy";
    const SET_VERSION: &'static str = "call zk_retry_policy_init() with the header's version";
    const SIZES: &'static [usize] = &[end_of!(zk_retry_policy, retry_session_expired)];
    fn defaults() -> Self {
        zk_retry_policy::from(&RetryPolicy::default())
    }
}

/// The current version's defaults (for Rust callers; C calls `zk_retry_policy_init()`).
impl Default for zk_retry_policy {
    fn default() -> Self {
        <Self as Versioned>::defaults()
    }
}

impl From<&RetryPolicy> for zk_retry_policy {
    fn from(policy: &RetryPolicy) -> Self {
        let ms = |d: Duration| d.as_millis().min(u32::MAX as u128) as u32;
        zk_retry_policy {
            version: ZK_RETRY_POLICY_VERSION,
            max_tries: policy
                .max_tries
                .map_or(-1, |n| n.min(i32::MAX as u32) as i32),
            delay_ms: ms(policy.delay),
            backoff: policy.backoff,
            max_jitter: policy.max_jitter,
            max_delay_ms: ms(policy.max_delay),
            deadline_ms: policy
                .deadline
                .map_or(-1, |d| d.as_millis().min(i64::MAX as u128) as i64),
            retry_session_expired: policy.retry_session_expired,
        }
    }
}

impl zk_retry_policy {
    fn to_policy(self) -> Result<RetryPolicy> {
        let max_tries = match self.max_tries {
            -1 => None,
            n if n > 0 => Some(n as u32),
            n => {
                return Err(Error::InvalidArgument(format!(
                    "max_tries {n}: use -1 (unlimited) or at least 1"
                )))
            }
        };
        let deadline = match self.deadline_ms {
            -1 => None,
            n if n >= 0 => Some(Duration::from_millis(n as u64)),
            n => {
                return Err(Error::InvalidArgument(format!(
                    "deadline_ms {n}: use -1 (none) or at least 0"
                )))
            }
        };
        let policy = RetryPolicy {
            max_tries,
            delay: Duration::from_millis(self.delay_ms.into()),
            backoff: self.backoff,
            max_jitter: self.max_jitter,
            max_delay: Duration::from_millis(self.max_delay_ms.into()),
            deadline,
            retry_session_expired: self.retry_session_expired,
        };
        policy.validate()?;
        Ok(policy)
    }
}

/// Fills `*policy` with the defaults of version `version` of `zk_retry_policy` (pass
/// `ZK_RETRY_POLICY_VERSION`): the default command retry policy, 5 attempts
/// (`max_tries` 5), pauses from 100 ms (`delay_ms` 100) doubling (`backoff` 2.0) up to 60 s
/// (`max_delay_ms` 60000) with ±20 % jitter (`max_jitter` 0.2), no deadline (`deadline_ms`
/// -1), session expiry retried (`retry_session_expired` true). Writes only the fields that
/// version has. `ZK_EINVAL` (nothing written) for a NULL `policy`, version 0, or a version
/// newer than the library.
///
/// # Safety
/// `policy` NULL or writable for the struct of that version.
#[no_mangle]
pub unsafe extern "C" fn zk_retry_policy_init(
    policy: *mut zk_retry_policy,
    version: u32,
) -> zk_error {
    // SAFETY: per the contract.
    guard(|| unsafe { init_options(policy, version, "policy") })
}

/// A C policy (of its version) as a Rust one.
///
/// # Safety
/// `policy` non-NULL and valid for its version.
unsafe fn policy_arg(policy: *const zk_retry_policy) -> Result<RetryPolicy> {
    // SAFETY: per the contract.
    let policy = unsafe { read_options(policy) }?.ok_or_else(|| null_argument("policy"))?;
    policy.to_policy()
}

/// A function run under `zk_retry()`: it receives the client and the user data, and returns
/// a `zk_error` value as a plain integer: `ZK_OK`, an error, or `ZK_EFORCERETRY` to ask for
/// another attempt. A number that is not a `zk_error` code ends `zk_retry()` with `ZK_EINVAL`
/// (the message names the number). Runs on the thread that called `zk_retry()`.
pub type zk_retry_fn =
    Option<unsafe extern "C" fn(client: *mut zk_client, user_data: *mut c_void) -> i32>;

/// The Rust error a C function's result stands for (`ZK_OK` is not an error).
fn error_from_code(code: zk_error) -> Error {
    match code {
        zk_error::ZK_EFORCERETRY => Error::ForceRetry,
        other => Error::Keeper(ErrorCode(other as i32)),
    }
}

/// Runs `function(client, user_data)` on the calling thread until it returns `ZK_OK`, returns
/// an error that is not retried, or the policy gives up (kazoo's `zk.retry(func)`). Retried
/// are exactly `ZK_ECONNECTIONLOSS`, `ZK_EOPERATIONTIMEOUT`, `ZK_EFORCERETRY`, and
/// `ZK_ESESSIONEXPIRED` when the policy says so. When it gives up, the last error is returned
/// and `zk_last_error_message()` says how many attempts were made. `policy` NULL = the
/// client's command retry policy (see `zk_options_set_command_retry()`); it is copied
/// (`ZK_EINVAL` for version 0 or one newer than the library).
/// `user_data` is passed through untouched and stays the caller's.
///
/// # Safety
/// `client` NULL or live; `policy` NULL or valid for its version; `function` safe to call
/// with these.
#[no_mangle]
pub unsafe extern "C" fn zk_retry(
    client: *mut zk_client,
    policy: *const zk_retry_policy,
    function: zk_retry_fn,
    user_data: *mut c_void,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let rust_client = unsafe { client_arg(client) }?;
        let function = required_fn(function, "function")?;
        // SAFETY: per the contract.
        let policy = match unsafe { read_options(policy) }? {
            Some(policy) => policy.to_policy()?,
            None => rust_client.options().command_retry.clone(),
        };
        policy.run(|| {
            // SAFETY: the caller gave this function for this client and user data.
            let returned = unsafe { function(client, user_data) };
            match zk_error::from_callback(returned, "the function run by zk_retry")? {
                zk_error::ZK_OK => Ok(()),
                code => Err(error_from_code(code)),
            }
        })
    })
}

/// # Safety
/// `options` NULL or live; `policy` NULL or valid for its version.
unsafe fn set_policy(
    options: *mut zk_options,
    policy: *const zk_retry_policy,
    set: impl FnOnce(&mut crate::client::ClientOptions, RetryPolicy),
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let options = unsafe { required_mut(options, "options") }?;
        // SAFETY: per the contract (NULL is refused).
        let policy = unsafe { policy_arg(policy) }?;
        set(&mut options.options, policy);
        Ok(())
    })
}

/// Sets the client's command retry policy, used by `zk_retry()` with a NULL policy (kazoo's
/// `command_retry`). `policy` (required, from `zk_retry_policy_init()`) is copied.
///
/// # Safety
/// `options` NULL or live; `policy` NULL or valid for its version.
#[no_mangle]
pub unsafe extern "C" fn zk_options_set_command_retry(
    options: *mut zk_options,
    policy: *const zk_retry_policy,
) -> zk_error {
    // SAFETY: per the contract.
    unsafe {
        set_policy(options, policy, |options, policy| {
            options.command_retry = policy
        })
    }
}

/// Sets how reconnection backs off (kazoo's `connection_retry`): one try is a round over
/// every server of the connect string; the pause between rounds follows the policy, and when
/// it gives up the session ends (LOST) and `zk_client_start()` fails. The default never gives
/// up and pauses from 50 ms up to 1 s (start from `zk_retry_policy_init()` and change what
/// you need). `policy` (required) is copied.
///
/// # Safety
/// `options` NULL or live; `policy` NULL or valid for its version.
#[no_mangle]
pub unsafe extern "C" fn zk_options_set_connection_retry(
    options: *mut zk_options,
    policy: *const zk_retry_policy,
) -> zk_error {
    // SAFETY: per the contract.
    unsafe {
        set_policy(options, policy, |options, policy| {
            options.connection_retry = policy
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_round_trips_and_bad_values_are_refused() {
        let default = zk_retry_policy::default();
        assert_eq!(default.to_policy().unwrap(), RetryPolicy::default());
        let unlimited = zk_retry_policy {
            max_tries: -1,
            deadline_ms: 2500,
            ..default
        };
        let policy = unlimited.to_policy().unwrap();
        assert_eq!(policy.max_tries, None);
        assert_eq!(policy.deadline, Some(Duration::from_millis(2500)));
        for bad in [
            zk_retry_policy {
                max_tries: 0,
                ..default
            },
            zk_retry_policy {
                max_tries: -2,
                ..default
            },
            zk_retry_policy {
                backoff: 0.5,
                ..default
            },
            zk_retry_policy {
                max_jitter: 1.5,
                ..default
            },
            zk_retry_policy {
                deadline_ms: -5,
                ..default
            },
        ] {
            assert!(bad.to_policy().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn c_results_map_to_retryable_errors() {
        let policy = RetryPolicy::default();
        assert!(policy.is_retryable(&error_from_code(zk_error::ZK_EFORCERETRY)));
        assert!(policy.is_retryable(&error_from_code(zk_error::ZK_ECONNECTIONLOSS)));
        assert!(!policy.is_retryable(&error_from_code(zk_error::ZK_ENONODE)));
        assert!(!policy.is_retryable(&error_from_code(zk_error::ZK_EINVAL)));
        assert_eq!(
            zk_error::from_error(&error_from_code(zk_error::ZK_EINVAL)),
            zk_error::ZK_EINVAL
        );
        assert_eq!(
            zk_error::from_error(&error_from_code(zk_error::ZK_ENONODE)),
            zk_error::ZK_ENONODE
        );
    }
}
