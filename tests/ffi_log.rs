//! The log hook through the C API (`zk_set_log_callback`): levels, targets, replacing and
//! removing the callback (its user data freed exactly once, never called after), concurrent
//! lines while the callback is swapped, a callback that sets another from inside. Its own
//! test binary: the logger is process-wide. The tests take turns (one callback per process).

mod common;

use std::ffi::{c_char, c_void, CStr};
use std::ptr::{null, null_mut};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use common::{c, c_client, last_message};
use zkclient::ffi::recipe::lock::*;
use zkclient::ffi::*;

/// One test at a time: they share the process's callback.
fn serial() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(|p| p.into_inner())
}

/// What a callback saw, behind its user data.
#[derive(Default)]
struct Seen {
    lines: Mutex<Vec<(i32, String, String)>>,
    freed: AtomicUsize,
    /// Set by the destructor: a call after it is a bug.
    dead: AtomicBool,
    called_after_free: AtomicBool,
}

impl Seen {
    fn leak() -> &'static Seen {
        Box::leak(Box::default())
    }
    fn ptr(&'static self) -> *mut c_void {
        self as *const Seen as *mut c_void
    }
    fn lines(&self) -> Vec<(i32, String, String)> {
        self.lines.lock().unwrap().clone()
    }
    fn any(&self, target: &str, needle: &str) -> bool {
        self.lines()
            .iter()
            .any(|(_, t, m)| t == target && m.contains(needle))
    }
}

unsafe extern "C" fn record(
    level: zk_log_level,
    target: *const c_char,
    message: *const c_char,
    user_data: *mut c_void,
) {
    // SAFETY: the tests pass a leaked `Seen`; the strings are valid during the call.
    let seen = unsafe { &*(user_data as *const Seen) };
    if seen.dead.load(Ordering::SeqCst) {
        seen.called_after_free.store(true, Ordering::SeqCst);
    }
    let (target, message) = unsafe {
        (
            CStr::from_ptr(target).to_string_lossy().into_owned(),
            CStr::from_ptr(message).to_string_lossy().into_owned(),
        )
    };
    seen.lines
        .lock()
        .unwrap()
        .push((level as i32, target, message));
}

unsafe extern "C" fn free_seen(user_data: *mut c_void) {
    // SAFETY: as above.
    let seen = unsafe { &*(user_data as *const Seen) };
    seen.dead.store(true, Ordering::SeqCst);
    seen.freed.fetch_add(1, Ordering::SeqCst);
}

/// Waits (up to 10 s) until `seen` was freed, and says how often: a line being written on
/// another thread when the callback was replaced frees it when that call returns.
fn freed(seen: &Seen) -> usize {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while seen.freed.load(Ordering::SeqCst) == 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    seen.freed.load(Ordering::SeqCst)
}

fn set(level: i32, seen: Option<&'static Seen>) -> zk_error {
    // SAFETY: `record` and `free_seen` are safe with a leaked `Seen`, from any thread.
    unsafe {
        match seen {
            Some(seen) => zk_set_log_callback(level, Some(record), seen.ptr(), Some(free_seen)),
            None => zk_set_log_callback(level, None, null_mut(), None),
        }
    }
}

/// Connects, writes, takes and releases a lock, stops: lines of every level.
fn some_work(name: &str) {
    let client = c_client(name);
    // SAFETY: valid arguments throughout.
    unsafe {
        let data = b"some data";
        assert_eq!(
            zk_create(
                client,
                c("/node").as_ptr(),
                data.as_ptr(),
                data.len(),
                null(),
                null_mut(),
                null_mut()
            ),
            zk_error::ZK_OK
        );
        let mut lock = null_mut();
        let id = b"me";
        assert_eq!(
            zk_lock_new(
                client,
                c("/lock").as_ptr(),
                id.as_ptr(),
                id.len(),
                &mut lock
            ),
            zk_error::ZK_OK
        );
        let mut acquired = false;
        assert_eq!(
            zk_lock_acquire(lock, 10_000, &mut acquired),
            zk_error::ZK_OK
        );
        assert!(acquired);
        assert_eq!(zk_lock_release(lock), zk_error::ZK_OK);
        zk_lock_free(lock);
        assert_eq!(zk_client_stop(client), zk_error::ZK_OK);
        zk_client_free(client);
    }
}

#[test]
fn lines_come_at_the_levels_asked_for_and_the_replaced_user_data_is_freed_once() {
    let _turn = serial();
    let first = Seen::leak();
    assert_eq!(
        set(zk_log_level::ZK_LOG_INFO as i32, Some(first)),
        zk_error::ZK_OK
    );
    assert_eq!(log::max_level(), log::LevelFilter::Info);
    some_work("log-levels");
    let lines = first.lines();
    assert!(!lines.is_empty());
    assert!(
        lines
            .iter()
            .all(|(level, target, message)| (1..=3).contains(level)
                && target.starts_with("zkclient")
                && !message.ends_with('\n')),
        "{lines:#?}"
    );
    assert!(
        first.any("zkclient::session", "connecting to "),
        "{lines:#?}"
    );
    assert!(
        first.any("zkclient::session", "connected to "),
        "{lines:#?}"
    );
    assert!(
        first.any("zkclient::session", "with session 0x"),
        "{lines:#?}"
    );
    assert!(
        first.any("zkclient::recipe::lock", "acquired"),
        "{lines:#?}"
    );
    assert!(
        first.any("zkclient::recipe::lock", "released"),
        "{lines:#?}"
    );
    assert!(
        first.any("zkclient::session", "-> SyncConnected"),
        "{lines:#?}"
    );

    // Replaced: the first user data is freed once, and hears nothing more.
    let second = Seen::leak();
    assert_eq!(
        set(zk_log_level::ZK_LOG_TRACE as i32, Some(second)),
        zk_error::ZK_OK
    );
    assert_eq!(freed(first), 1);
    let heard = first.lines().len();
    some_work("log-trace");
    assert_eq!(first.lines().len(), heard);
    assert!(!first.called_after_free.load(Ordering::SeqCst));
    assert!(second.lines().iter().any(|(level, _, _)| *level == 5));
    assert!(
        second.any("zkclient::session", "sent Create xid "),
        "{:#?}",
        second.lines()
    );
    assert!(second.any("zkclient::session", "negotiated timeout"));

    // Off: freed once, nothing more arrives, nothing is formatted.
    assert_eq!(
        set(zk_log_level::ZK_LOG_OFF as i32, Some(Seen::leak())),
        zk_error::ZK_OK
    );
    assert_eq!(freed(second), 1);
    assert_eq!(log::max_level(), log::LevelFilter::Off);
    let heard = second.lines().len();
    some_work("log-off");
    assert_eq!(second.lines().len(), heard);
    assert_eq!(set(0, None), zk_error::ZK_OK);
}

#[test]
fn a_level_that_is_not_one_is_refused_and_its_user_data_freed() {
    let _turn = serial();
    for bad in [-1, 6, 1000, i32::MIN] {
        let seen = Seen::leak();
        assert_eq!(set(bad, Some(seen)), zk_error::ZK_EINVAL);
        assert!(
            last_message().contains(&format!("max_level is {bad}")),
            "{}",
            last_message()
        );
        assert_eq!(seen.freed.load(Ordering::SeqCst), 1);
    }
    // NULL callback: logging off, the user data freed at once.
    let seen = Seen::leak();
    // SAFETY: a NULL callback with a valid destructor.
    let code = unsafe {
        zk_set_log_callback(
            zk_log_level::ZK_LOG_DEBUG as i32,
            None,
            seen.ptr(),
            Some(free_seen),
        )
    };
    assert_eq!(code, zk_error::ZK_OK);
    assert_eq!(seen.freed.load(Ordering::SeqCst), 1);
    assert_eq!(log::max_level(), log::LevelFilter::Off);
}

#[test]
fn swapping_the_callback_while_lines_flow_frees_each_user_data_once_after_its_last_call() {
    let _turn = serial();
    let stop = AtomicBool::new(false);
    let sinks: Vec<&'static Seen> = (0..200).map(|_| Seen::leak()).collect();
    std::thread::scope(|scope| {
        for worker in 0..3 {
            let stop = &stop;
            scope.spawn(move || {
                let client = c_client(&format!("log-swap-{worker}"));
                while !stop.load(Ordering::SeqCst) {
                    let mut exists = false;
                    // SAFETY: a live client, valid arguments.
                    let code =
                        unsafe { zk_exists(client, c("/").as_ptr(), &mut exists, null_mut()) };
                    assert_eq!(code, zk_error::ZK_OK, "{}", last_message());
                }
                // SAFETY: a live client, freed once.
                unsafe { zk_client_free(client) };
            });
        }
        for sink in &sinks {
            assert_eq!(
                set(zk_log_level::ZK_LOG_TRACE as i32, Some(sink)),
                zk_error::ZK_OK
            );
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        assert_eq!(set(0, None), zk_error::ZK_OK);
        stop.store(true, Ordering::SeqCst);
    });
    for (index, sink) in sinks.iter().enumerate() {
        assert_eq!(freed(sink), 1, "sink {index}");
        assert!(
            !sink.called_after_free.load(Ordering::SeqCst),
            "sink {index}"
        );
    }
    assert!(sinks.iter().filter(|sink| !sink.lines().is_empty()).count() > 10);
}

/// A callback that replaces itself with the `Seen` its user data points to, from inside.
unsafe extern "C" fn hand_over(
    _level: zk_log_level,
    _target: *const c_char,
    _message: *const c_char,
    user_data: *mut c_void,
) {
    // SAFETY: the test passes a leaked (&Seen, &Seen): this callback's own and the next.
    let (own, next) = unsafe { *(user_data as *const (&'static Seen, &'static Seen)) };
    own.lines
        .lock()
        .unwrap()
        .push((0, String::new(), String::new()));
    if own.lines.lock().unwrap().len() == 1 {
        // SAFETY: `record` is safe with a leaked `Seen`.
        let code = unsafe {
            zk_set_log_callback(
                zk_log_level::ZK_LOG_TRACE as i32,
                Some(record),
                next.ptr(),
                Some(free_seen),
            )
        };
        assert_eq!(code, zk_error::ZK_OK);
        // Still running: not freed yet.
        assert_eq!(own.freed.load(Ordering::SeqCst), 0);
    }
}

unsafe extern "C" fn free_hand_over(user_data: *mut c_void) {
    // SAFETY: as in `hand_over`.
    let (own, _) = unsafe { *(user_data as *const (&'static Seen, &'static Seen)) };
    own.freed.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn a_callback_may_set_the_next_one_from_inside() {
    let _turn = serial();
    let (own, next) = (Seen::leak(), Seen::leak());
    let pair: &'static (&Seen, &Seen) = Box::leak(Box::new((own, next)));
    // SAFETY: `hand_over` and its destructor are safe with the leaked pair.
    let code = unsafe {
        zk_set_log_callback(
            zk_log_level::ZK_LOG_TRACE as i32,
            Some(hand_over),
            pair as *const _ as *mut c_void,
            Some(free_hand_over),
        )
    };
    assert_eq!(code, zk_error::ZK_OK);
    some_work("log-hand-over");
    assert_eq!(freed(own), 1);
    assert!(!next.lines().is_empty());
    assert_eq!(set(0, None), zk_error::ZK_OK);
    assert_eq!(freed(next), 1);
}
