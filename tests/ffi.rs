//! The C API called from Rust: argument checks, error codes and messages, ownership of what
//! it returns, and user-data destructors, against the shared real server.

mod common;

use std::ffi::{c_void, CStr};
use std::ptr::{null, null_mut};
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{shared_hosts, unique_chroot};
use zkclient::ffi::recipe::election::*;
use zkclient::ffi::recipe::lock::*;
use zkclient::ffi::recipe::partitioner::*;
use zkclient::ffi::recipe::party::*;
use zkclient::ffi::recipe::semaphore::*;
use zkclient::ffi::*;

use crate::common::{c, last_message};

/// A started client on the shared server under a fresh chroot.
fn started_client(name: &str) -> *mut zk_client {
    let hosts = shared_hosts();
    let chroot = unique_chroot(name);
    let mut root = null_mut();
    // SAFETY: valid arguments throughout.
    unsafe {
        assert_eq!(
            zk_client_new(c(&hosts).as_ptr(), null(), &mut root),
            zk_error::ZK_OK
        );
        assert_eq!(zk_client_start(root, 30_000), zk_error::ZK_OK);
        assert_eq!(zk_ensure_path(root, c(&chroot).as_ptr()), zk_error::ZK_OK);
        zk_client_free(root);
        let mut client = null_mut();
        assert_eq!(
            zk_client_new(c(&format!("{hosts}{chroot}")).as_ptr(), null(), &mut client),
            zk_error::ZK_OK
        );
        assert_eq!(zk_client_start(client, 30_000), zk_error::ZK_OK);
        client
    }
}

#[test]
fn null_and_bad_arguments_get_clear_errors_and_leave_outputs_alone() {
    let mut client: *mut zk_client = 0x1 as *mut zk_client;
    // SAFETY: NULL is a documented input; out pointers are valid.
    unsafe {
        assert_eq!(
            zk_client_new(null(), null(), &mut client),
            zk_error::ZK_EINVAL
        );
        assert!(
            last_message().contains("connect_string is NULL"),
            "{}",
            last_message()
        );
        assert_eq!(client, 0x1 as *mut zk_client, "output written on failure");
        assert_eq!(
            zk_client_new(c("h:99999").as_ptr(), null(), &mut client),
            zk_error::ZK_EINVAL
        );
        assert!(
            last_message().contains("invalid port"),
            "{}",
            last_message()
        );
        assert_eq!(
            zk_client_new(c("h/bad/").as_ptr(), null(), &mut client),
            zk_error::ZK_EBADPATH
        );
        assert_eq!(
            zk_client_new(c("h:2181").as_ptr(), null(), null_mut()),
            zk_error::ZK_EINVAL
        );
        assert_eq!(zk_client_start(null_mut(), 10), zk_error::ZK_EINVAL);
        assert!(last_message().contains("client is NULL"));
        assert_eq!(
            zk_get(null_mut(), c("/").as_ptr(), null_mut(), null_mut()),
            zk_error::ZK_EINVAL
        );
        zk_client_free(null_mut());
        zk_options_free(null_mut());
        zk_buffer_free(null_mut());
        zk_string_list_free(null_mut());
        zk_string_free(null_mut());

        let options = zk_options_new();
        assert_eq!(
            zk_options_set_session_timeout(options, 0),
            zk_error::ZK_EINVAL
        );
        assert_eq!(
            zk_options_set_session(options, 1, [0u8; 3].as_ptr(), 3),
            zk_error::ZK_EINVAL
        );
        assert!(last_message().contains("16 bytes"));
        assert_eq!(
            zk_options_set_session_timeout(null_mut(), 5),
            zk_error::ZK_EINVAL
        );
        assert_eq!(
            zk_options_set_max_reply_size(options, 10),
            zk_error::ZK_EINVAL
        );
        assert_eq!(
            zk_options_set_session_timeout(options, 4000),
            zk_error::ZK_OK
        );
        zk_options_free(options);
    }
}

#[test]
fn error_names_and_version() {
    // SAFETY: static strings.
    unsafe {
        assert_eq!(
            CStr::from_ptr(zk_error_str(-101)).to_str().unwrap(),
            "ZK_ENONODE"
        );
        assert_eq!(CStr::from_ptr(zk_error_str(0)).to_str().unwrap(), "ZK_OK");
        assert_eq!(
            CStr::from_ptr(zk_error_str(-1006)).to_str().unwrap(),
            "ZK_ECLOSED"
        );
        assert_eq!(
            CStr::from_ptr(zk_error_str(77)).to_str().unwrap(),
            "ZK_UNKNOWN"
        );
        assert_eq!(
            CStr::from_ptr(zk_version()).to_str().unwrap(),
            env!("CARGO_PKG_VERSION")
        );
        let name = |ptr: *const std::ffi::c_char| CStr::from_ptr(ptr).to_str().unwrap().to_string();
        assert_eq!(
            name(zk_state_str(zk_state::ZK_STATE_SUSPENDED as i32)),
            "SUSPENDED"
        );
        assert_eq!(name(zk_keeper_state_str(-112)), "EXPIRED");
        assert_eq!(name(zk_event_type_str(4)), "CHILD");
        assert_eq!(name(zk_event_type_str(99)), "UNKNOWN");
    }
    assert_eq!(zk_set_io_threads(0), zk_error::ZK_EINVAL);
}

#[test]
fn crud_through_the_c_api() {
    let client = started_client("ffi-crud");
    // SAFETY: valid arguments; everything returned is freed with its free function.
    unsafe {
        let mut created: *mut std::ffi::c_char = null_mut();
        let mut stat = zk_stat::default();
        let options = zk_create_options {
            version: ZK_CREATE_OPTIONS_VERSION,
            mode: zk_create_mode::ZK_PERSISTENT_SEQUENTIAL as i32,
            makepath: true,
            ttl_ms: 0,
            acl: null(),
            acl_count: 0,
        };
        let data = b"bytes\0with zero";
        assert_eq!(
            zk_create(
                client,
                c("/a/b/item-").as_ptr(),
                data.as_ptr(),
                data.len(),
                &options,
                &mut created,
                &mut stat
            ),
            zk_error::ZK_OK
        );
        assert_eq!(
            CStr::from_ptr(created).to_str().unwrap(),
            "/a/b/item-0000000000"
        );
        assert_eq!(stat.data_length, data.len() as i32);
        zk_string_free(created);

        let mut buffer = zk_buffer {
            data: null_mut(),
            len: 0,
        };
        assert_eq!(
            zk_get(
                client,
                c("/a/b/item-0000000000").as_ptr(),
                &mut buffer,
                &mut stat
            ),
            zk_error::ZK_OK
        );
        assert_eq!(std::slice::from_raw_parts(buffer.data, buffer.len), data);
        zk_buffer_free(&mut buffer);
        assert!(buffer.data.is_null());
        zk_buffer_free(&mut buffer);

        let mut exists = true;
        assert_eq!(
            zk_exists(client, c("/nope").as_ptr(), &mut exists, null_mut()),
            zk_error::ZK_OK
        );
        assert!(!exists);
        assert_eq!(
            zk_exists(client, c("/a").as_ptr(), null_mut(), null_mut()),
            zk_error::ZK_EINVAL
        );

        let mut list = zk_string_list {
            items: null_mut(),
            count: 0,
        };
        assert_eq!(
            zk_get_children(client, c("/a/b").as_ptr(), &mut list, null_mut()),
            zk_error::ZK_OK
        );
        assert_eq!(list.count, 1);
        assert_eq!(
            CStr::from_ptr(*list.items).to_str().unwrap(),
            "item-0000000000"
        );
        zk_string_list_free(&mut list);

        assert_eq!(
            zk_set(client, c("/a/b").as_ptr(), b"v".as_ptr(), 1, 3, null_mut()),
            zk_error::ZK_EBADVERSION
        );
        assert!(last_message().contains("version"), "{}", last_message());
        assert_eq!(
            zk_set(client, c("/a/b").as_ptr(), null(), 5, -1, null_mut()),
            zk_error::ZK_EINVAL
        );
        assert_eq!(
            zk_get(client, c("/missing").as_ptr(), &mut buffer, null_mut()),
            zk_error::ZK_ENONODE
        );
        assert!(buffer.data.is_null(), "output written on failure");
        // The server's error names the path the call was about.
        assert!(
            last_message().contains("\"/missing\""),
            "{}",
            last_message()
        );
        assert_eq!(
            zk_get(client, c("/bad/").as_ptr(), null_mut(), null_mut()),
            zk_error::ZK_EBADPATH
        );
        assert!(last_message().contains("/bad/"), "{}", last_message());
        let big = vec![0u8; 2 << 20];
        assert_eq!(
            zk_set(
                client,
                c("/a").as_ptr(),
                big.as_ptr(),
                big.len(),
                -1,
                null_mut()
            ),
            zk_error::ZK_ETOOLARGE
        );
        let bad_mode = zk_create_options {
            mode: 42,
            ..options
        };
        assert_eq!(
            zk_create(
                client,
                c("/x").as_ptr(),
                null(),
                0,
                &bad_mode,
                null_mut(),
                null_mut()
            ),
            zk_error::ZK_EINVAL
        );

        assert_eq!(
            zk_delete(client, c("/a").as_ptr(), -1, false),
            zk_error::ZK_ENOTEMPTY
        );
        assert_eq!(
            zk_delete(client, c("/a").as_ptr(), -1, true),
            zk_error::ZK_OK
        );
        assert_eq!(zk_sync(client, c("/").as_ptr()), zk_error::ZK_OK);

        let mut session_id = 0i64;
        let mut password = [0u8; 16];
        let mut timeout = 0u32;
        assert_eq!(
            zk_client_session(client, &mut session_id, password.as_mut_ptr(), &mut timeout),
            zk_error::ZK_OK
        );
        assert_ne!(session_id, 0);
        assert_ne!(password, [0u8; 16]);
        assert!(timeout > 0);
        let mut server: *mut std::ffi::c_char = null_mut();
        assert_eq!(zk_client_server(client, &mut server), zk_error::ZK_OK);
        let server_text = CStr::from_ptr(server).to_str().unwrap().to_string();
        assert!(shared_hosts().contains(&server_text), "{server_text}");
        zk_string_free(server);

        assert_eq!(zk_client_stop(client), zk_error::ZK_OK);
        assert_eq!(zk_client_stop(client), zk_error::ZK_OK);
        assert_eq!(zk_sync(client, c("/").as_ptr()), zk_error::ZK_ECLOSED);
        let mut state = zk_state::ZK_STATE_CONNECTED;
        assert_eq!(
            zk_client_state(client, &mut state, null_mut()),
            zk_error::ZK_OK
        );
        assert_eq!(state, zk_state::ZK_STATE_LOST);
        zk_client_free(client);
    }
}

static FREED: AtomicUsize = AtomicUsize::new(0);
static CALLS: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn count_free(user_data: *mut c_void) {
    assert_eq!(user_data as usize, 0xabc);
    FREED.fetch_add(1, Ordering::SeqCst);
}

unsafe extern "C" fn count_calls(
    _state: zk_state,
    _keeper: zk_keeper_state,
    user_data: *mut c_void,
) {
    assert_eq!(user_data as usize, 0xabc);
    CALLS.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn listener_user_data_is_freed_exactly_once_however_the_registration_ends() {
    let client = started_client("ffi-listener");
    let user_data = 0xabc as *mut c_void;
    // SAFETY: valid arguments.
    unsafe {
        assert_eq!(
            zk_client_add_listener(client, None, user_data, Some(count_free), null_mut()),
            zk_error::ZK_EINVAL
        );
        assert_eq!(
            FREED.load(Ordering::SeqCst),
            1,
            "a failed registration releases its user data at once"
        );
        let mut removed_id = 0;
        assert_eq!(
            zk_client_add_listener(
                client,
                Some(count_calls),
                user_data,
                Some(count_free),
                &mut removed_id
            ),
            zk_error::ZK_OK
        );
        assert_eq!(
            zk_client_add_listener(
                client,
                Some(count_calls),
                user_data,
                Some(count_free),
                null_mut()
            ),
            zk_error::ZK_OK
        );
        assert_eq!(
            zk_client_remove_listener(client, removed_id),
            zk_error::ZK_OK
        );
        assert_eq!(FREED.load(Ordering::SeqCst), 2);
        assert_eq!(
            zk_client_remove_listener(client, removed_id),
            zk_error::ZK_EINVAL
        );
        zk_client_free(client);
    }
    assert_eq!(FREED.load(Ordering::SeqCst), 3);
}

/// Counts for one watch registration: calls with each event type, and destructor runs.
#[derive(Default)]
struct WatchLog {
    events: std::sync::Mutex<Vec<(zk_event_type, String)>>,
    freed: AtomicUsize,
}

unsafe extern "C" fn log_event(event: *const zk_watch_event, user_data: *mut c_void) {
    // SAFETY: the library passes a valid event; user_data is a &WatchLog kept alive by the test.
    let (event, log) = unsafe { (&*event, &*(user_data as *const WatchLog)) };
    assert_eq!(
        log.freed.load(Ordering::SeqCst),
        0,
        "called after its destructor"
    );
    // SAFETY: the path is a valid string for the call.
    let path = unsafe { CStr::from_ptr(event.path) }
        .to_string_lossy()
        .into_owned();
    log.events.lock().unwrap().push((event.event_type, path));
}

unsafe extern "C" fn log_free(user_data: *mut c_void) {
    // SAFETY: as above.
    let log = unsafe { &*(user_data as *const WatchLog) };
    log.freed.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn watch_user_data_is_freed_exactly_once_however_the_watch_ends() {
    let client = started_client("ffi-watch");
    let fired = WatchLog::default();
    let failed = WatchLog::default();
    let removed = WatchLog::default();
    let pending = WatchLog::default();
    let persistent = WatchLog::default();
    let ud = |log: &WatchLog| log as *const WatchLog as *mut c_void;
    // SAFETY: valid arguments; the logs outlive the client.
    unsafe {
        let mut exists = true;
        let mut id = 0u64;
        // Fires once: destructor after the call.
        assert_eq!(
            zk_exists_watch(
                client,
                c("/w").as_ptr(),
                Some(log_event),
                ud(&fired),
                Some(log_free),
                &mut exists,
                null_mut(),
                &mut id
            ),
            zk_error::ZK_OK
        );
        assert!(!exists);
        // Fails (no node): no watch, destructor at once.
        assert_eq!(
            zk_get_watch(
                client,
                c("/w").as_ptr(),
                Some(log_event),
                ud(&failed),
                Some(log_free),
                null_mut(),
                null_mut(),
                null_mut()
            ),
            zk_error::ZK_ENONODE
        );
        assert_eq!(failed.freed.load(Ordering::SeqCst), 1);
        assert_eq!(
            zk_exists_watch(
                client,
                c("bad").as_ptr(),
                Some(log_event),
                ud(&failed),
                Some(log_free),
                &mut exists,
                null_mut(),
                null_mut()
            ),
            zk_error::ZK_EBADPATH
        );
        assert_eq!(failed.freed.load(Ordering::SeqCst), 2);
        assert_eq!(
            zk_create(
                client,
                c("/w").as_ptr(),
                null(),
                0,
                null(),
                null_mut(),
                null_mut()
            ),
            zk_error::ZK_OK
        );
        // Removed before it fires.
        let mut removed_id = 0u64;
        assert_eq!(
            zk_get_watch(
                client,
                c("/w").as_ptr(),
                Some(log_event),
                ud(&removed),
                Some(log_free),
                null_mut(),
                null_mut(),
                &mut removed_id
            ),
            zk_error::ZK_OK
        );
        assert_eq!(zk_remove_watch(client, removed_id), zk_error::ZK_OK);
        assert_eq!(removed.freed.load(Ordering::SeqCst), 1);
        assert_eq!(zk_remove_watch(client, removed_id), zk_error::ZK_ENOWATCHER);
        // Still pending when the client is freed: told of the end, then freed.
        assert_eq!(
            zk_get_children_watch(
                client,
                c("/w").as_ptr(),
                Some(log_event),
                ud(&pending),
                Some(log_free),
                null_mut(),
                null_mut(),
                null_mut()
            ),
            zk_error::ZK_OK
        );
        assert_eq!(
            zk_add_watch(
                client,
                c("/").as_ptr(),
                zk_add_watch_mode::ZK_WATCH_PERSISTENT_RECURSIVE as i32,
                Some(log_event),
                ud(&persistent),
                Some(log_free),
                null_mut()
            ),
            zk_error::ZK_OK
        );
        assert_eq!(
            zk_add_watch(
                client,
                c("/").as_ptr(),
                9,
                Some(log_event),
                ud(&failed),
                Some(log_free),
                null_mut()
            ),
            zk_error::ZK_EINVAL
        );
        assert_eq!(failed.freed.load(Ordering::SeqCst), 3);
        assert_eq!(
            zk_check_watches(
                client,
                c("/w").as_ptr(),
                zk_watcher_type::ZK_WATCHER_CHILDREN as i32
            ),
            zk_error::ZK_OK
        );
        assert_eq!(
            zk_set(client, c("/w").as_ptr(), b"x".as_ptr(), 1, -1, null_mut()),
            zk_error::ZK_OK
        );
        zk_client_free(client);
    }
    let created = (zk_event_type::ZK_EVENT_CREATED, "/w".to_string());
    assert_eq!(*fired.events.lock().unwrap(), [created]);
    assert_eq!(fired.freed.load(Ordering::SeqCst), 1);
    assert!(failed.events.lock().unwrap().is_empty());
    assert!(removed.events.lock().unwrap().is_empty());
    assert_eq!(
        *pending.events.lock().unwrap(),
        [(zk_event_type::ZK_EVENT_SESSION, "/w".to_string())]
    );
    assert_eq!(pending.freed.load(Ordering::SeqCst), 1);
    let persistent_events = persistent.events.lock().unwrap().clone();
    assert_eq!(
        persistent_events,
        [
            (zk_event_type::ZK_EVENT_CHANGED, "/w".to_string()),
            (zk_event_type::ZK_EVENT_SESSION, "/".to_string())
        ]
    );
    assert_eq!(persistent.freed.load(Ordering::SeqCst), 1);
}

unsafe extern "C" fn force_twice(_client: *mut zk_client, user_data: *mut c_void) -> i32 {
    // SAFETY: user_data is the test's counter.
    let calls = unsafe { &*(user_data as *const AtomicUsize) };
    if calls.fetch_add(1, Ordering::SeqCst) < 2 {
        zk_error::ZK_EFORCERETRY as i32
    } else {
        zk_error::ZK_OK as i32
    }
}

unsafe extern "C" fn read_missing(client: *mut zk_client, user_data: *mut c_void) -> i32 {
    // SAFETY: as above; the client is live for the call.
    unsafe {
        (*(user_data as *const AtomicUsize)).fetch_add(1, Ordering::SeqCst);
        zk_get(client, c("/missing").as_ptr(), null_mut(), null_mut()) as i32
    }
}

unsafe extern "C" fn always_lost(_client: *mut zk_client, user_data: *mut c_void) -> i32 {
    // SAFETY: as above.
    unsafe { (*(user_data as *const AtomicUsize)).fetch_add(1, Ordering::SeqCst) };
    zk_error::ZK_ECONNECTIONLOSS as i32
}

/// Returns a number that is no zk_error code (C can return any int).
unsafe extern "C" fn not_a_code(_client: *mut zk_client, user_data: *mut c_void) -> i32 {
    // SAFETY: as above.
    unsafe { (*(user_data as *const AtomicUsize)).fetch_add(1, Ordering::SeqCst) };
    12345
}

unsafe extern "C" fn leader_not_a_code(user_data: *mut c_void) -> i32 {
    // SAFETY: the test passes a live counter.
    unsafe { (*(user_data as *const AtomicUsize)).fetch_add(1, Ordering::SeqCst) };
    12345
}

unsafe extern "C" fn leader_no_node(_user_data: *mut c_void) -> i32 {
    zk_error::ZK_ENONODE as i32
}

/// What C hands back is a plain integer: a retry function or a leader function returning a
/// number that is no `zk_error` ends the call with ZK_EINVAL naming the number (before, the
/// retry helper turned 12345 into ZK_ESYSTEMERROR and the election passed it through raw).
#[test]
fn callback_results_that_are_no_error_code_are_refused_by_name() {
    let client = started_client("ffi-callback-results");
    let calls = AtomicUsize::new(0);
    let ud = &calls as *const AtomicUsize as *mut c_void;
    // SAFETY: valid arguments throughout.
    unsafe {
        assert_eq!(
            zk_retry(client, null(), Some(not_a_code), ud),
            zk_error::ZK_EINVAL
        );
        assert!(
            last_message().contains("returned 12345, which is not a zk_error code"),
            "{}",
            last_message()
        );
        assert_eq!(
            calls.swap(0, Ordering::SeqCst),
            1,
            "an unknown code was retried"
        );

        let mut election = null_mut();
        assert_eq!(
            zk_election_new(
                client,
                c("/election").as_ptr(),
                b"me".as_ptr(),
                2,
                &mut election
            ),
            zk_error::ZK_OK
        );
        let rc = zk_election_run(election, Some(leader_not_a_code), ud);
        assert_eq!(rc as i32, zk_error::ZK_EINVAL as i32);
        assert!(
            last_message().contains("the leader function returned 12345"),
            "{}",
            last_message()
        );
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // A real code still comes through as itself.
        assert_eq!(
            zk_election_run(election, Some(leader_no_node), null_mut()),
            zk_error::ZK_ENONODE
        );
        zk_election_free(election);
        zk_client_free(client);
    }
    for number in [-1009, -1010, 0, -101, 12345, i32::MIN] {
        // SAFETY: zk_error_str returns a static string.
        let name = unsafe { CStr::from_ptr(zk_error_str(number)) }.to_string_lossy();
        let expected = match number {
            -1009 => "ZK_EFORKED",
            -1010 => "ZK_ERUNTIME",
            0 => "ZK_OK",
            -101 => "ZK_ENONODE",
            _ => "ZK_UNKNOWN",
        };
        assert_eq!(name, expected);
    }
}

/// An identifier with a NUL byte would be stored in the recipe's node, and every listing of
/// contenders, members or holders (C strings) would then fail for every client: refused at
/// construction, with nothing sent.
#[test]
fn recipe_identifiers_with_a_nul_byte_are_refused_at_construction() {
    let client = started_client("ffi-nul-identifier");
    let bad = b"ali\0ce";
    let path = c("/recipe");
    let check = |rc: zk_error, what: &str| {
        assert_eq!(rc, zk_error::ZK_EINVAL, "{what}");
        assert!(
            last_message().contains("identifier has a NUL byte at offset 3"),
            "{what}: {}",
            last_message()
        );
    };
    // SAFETY: valid arguments throughout; the outputs stay untouched on failure.
    unsafe {
        let mut lock = null_mut();
        check(
            zk_lock_new(client, path.as_ptr(), bad.as_ptr(), bad.len(), &mut lock),
            "lock",
        );
        check(
            zk_read_lock_new(client, path.as_ptr(), bad.as_ptr(), bad.len(), &mut lock),
            "read lock",
        );
        check(
            zk_write_lock_new(client, path.as_ptr(), bad.as_ptr(), bad.len(), &mut lock),
            "write lock",
        );
        check(
            zk_lock_new_with_options(
                client,
                path.as_ptr(),
                bad.as_ptr(),
                bad.len(),
                null(),
                None,
                null_mut(),
                None,
                &mut lock,
            ),
            "lock with options",
        );
        assert!(lock.is_null());
        let mut party = null_mut();
        check(
            zk_party_new(client, path.as_ptr(), bad.as_ptr(), bad.len(), &mut party),
            "party",
        );
        check(
            zk_shallow_party_new(client, path.as_ptr(), bad.as_ptr(), bad.len(), &mut party),
            "shallow party",
        );
        assert!(party.is_null());
        let mut semaphore = null_mut();
        check(
            zk_semaphore_new(
                client,
                path.as_ptr(),
                bad.as_ptr(),
                bad.len(),
                2,
                &mut semaphore,
            ),
            "semaphore",
        );
        assert!(semaphore.is_null());
        let mut election = null_mut();
        check(
            zk_election_new(
                client,
                path.as_ptr(),
                bad.as_ptr(),
                bad.len(),
                &mut election,
            ),
            "election",
        );
        assert!(election.is_null());
        let mut exists = true;
        assert_eq!(
            zk_exists(client, path.as_ptr(), &mut exists, null_mut()),
            zk_error::ZK_OK
        );
        assert!(!exists, "a refused recipe sent something");

        // Without the NUL, the same identifier is listed back as given.
        let good = b"alice";
        assert_eq!(
            zk_lock_new(client, path.as_ptr(), good.as_ptr(), good.len(), &mut lock),
            zk_error::ZK_OK
        );
        let mut acquired = false;
        assert_eq!(
            zk_lock_acquire(lock, 10_000, &mut acquired),
            zk_error::ZK_OK
        );
        assert!(acquired);
        let mut contenders = zk_string_list {
            items: null_mut(),
            count: 0,
        };
        assert_eq!(zk_lock_contenders(lock, &mut contenders), zk_error::ZK_OK);
        assert_eq!(contenders.count, 1);
        assert_eq!(CStr::from_ptr(*contenders.items).to_bytes(), good);
        zk_string_list_free(&mut contenders);
        zk_lock_free(lock);
        zk_client_free(client);
    }
}

/// `init(out, version)` through the C function: the filled struct, or the error code.
fn init_with<T>(init: unsafe extern "C" fn(*mut T, u32) -> zk_error, version: u32) -> T {
    let mut value = std::mem::MaybeUninit::<T>::uninit();
    // SAFETY: the struct is writable; a failed init is a test failure before it is read.
    unsafe {
        assert_eq!(init(value.as_mut_ptr(), version), zk_error::ZK_OK);
        value.assume_init()
    }
}

/// An init function refuses version 0, a version newer than the library and NULL, naming the
/// struct, and writes nothing then.
fn init_refuses_bad_versions<T: Copy>(
    init: unsafe extern "C" fn(*mut T, u32) -> zk_error,
    current: u32,
    name: &str,
    argument: &str,
) {
    let mut value = init_with(init, current);
    let before: Vec<u8> = bytes_of(&value);
    for (version, message) in [
        (0, format!("{name} has version 0")),
        (
            99,
            format!("{name} has version 99, newer than this library knows (versions 1 to 1)"),
        ),
        (
            current + 1,
            format!("{name} has version {}, newer", current + 1),
        ),
    ] {
        // SAFETY: `value` is writable.
        assert_eq!(unsafe { init(&mut value, version) }, zk_error::ZK_EINVAL);
        assert!(last_message().contains(&message), "{}", last_message());
        assert_eq!(
            bytes_of(&value),
            before,
            "{name}: written for version {version}"
        );
    }
    // SAFETY: NULL is refused.
    assert_eq!(unsafe { init(null_mut(), current) }, zk_error::ZK_EINVAL);
    let null = format!("{argument} is NULL");
    assert!(last_message().contains(&null), "{}", last_message());
}

fn bytes_of<T>(value: &T) -> Vec<u8> {
    // SAFETY: reads the struct's bytes (these structs have padding only after fields that
    // are initialised by the same writes in both copies compared).
    unsafe {
        std::slice::from_raw_parts((value as *const T).cast::<u8>(), std::mem::size_of::<T>())
    }
    .to_vec()
}

#[test]
fn option_structs_are_versioned_and_their_init_functions_set_the_defaults() {
    assert_eq!(ZK_CREATE_OPTIONS_VERSION, 1);
    assert_eq!(ZK_LOCK_OPTIONS_VERSION, 1);
    assert_eq!(ZK_PARTITIONER_OPTIONS_VERSION, 1);
    assert_eq!(ZK_RETRY_POLICY_VERSION, 1);

    let create = init_with(zk_create_options_init, ZK_CREATE_OPTIONS_VERSION);
    assert_eq!(create.version, 1);
    assert_eq!(create.mode, zk_create_mode::ZK_PERSISTENT as i32);
    assert!(!create.makepath);
    assert_eq!(create.ttl_ms, 0);
    assert!(create.acl.is_null());
    assert_eq!(create.acl_count, 0);
    init_refuses_bad_versions(zk_create_options_init, 1, "zk_create_options", "options");

    let lock = init_with(zk_lock_options_init, ZK_LOCK_OPTIONS_VERSION);
    assert_eq!(lock.version, 1);
    assert_eq!(lock.kind, zk_lock_kind::ZK_LOCK_EXCLUSIVE as i32);
    assert!(lock.extra_patterns.is_null());
    assert_eq!(lock.extra_pattern_count, 0);
    init_refuses_bad_versions(zk_lock_options_init, 1, "zk_lock_options", "options");

    let partitioner = init_with(zk_partitioner_options_init, ZK_PARTITIONER_OPTIONS_VERSION);
    assert_eq!(partitioner.version, 1);
    assert!(partitioner.identifier.is_null());
    assert_eq!(partitioner.time_boundary_ms, 30_000);
    assert_eq!(partitioner.max_reaction_time_ms, 1_000);
    assert!(partitioner.partition_func.is_none());
    init_refuses_bad_versions(
        zk_partitioner_options_init,
        1,
        "zk_partitioner_options",
        "options",
    );

    let retry = init_with(zk_retry_policy_init, ZK_RETRY_POLICY_VERSION);
    assert_eq!(retry.version, 1);
    assert_eq!(retry.max_tries, 5);
    assert_eq!(retry.delay_ms, 100);
    assert_eq!(retry.backoff, 2.0);
    assert_eq!(retry.max_jitter, 0.2);
    assert_eq!(retry.max_delay_ms, 60_000);
    assert_eq!(retry.deadline_ms, -1);
    assert!(retry.retry_session_expired);
    init_refuses_bad_versions(zk_retry_policy_init, 1, "zk_retry_policy", "policy");
}

unsafe extern "C" fn succeed(_client: *mut zk_client, user_data: *mut c_void) -> i32 {
    // SAFETY: the test passes an AtomicUsize.
    unsafe { &*(user_data as *const AtomicUsize) }.fetch_add(1, Ordering::SeqCst);
    zk_error::ZK_OK as i32
}

#[test]
fn functions_taking_option_structs_check_the_version() {
    let client = started_client("ffi-versions");
    let with_version = |version: u32| zk_create_options {
        version,
        ..init_with(zk_create_options_init, ZK_CREATE_OPTIONS_VERSION)
    };
    let refused = |what: &str, rc: zk_error, name: &str, version: u32| {
        assert_eq!(rc, zk_error::ZK_EINVAL, "{what} with version {version}");
        let message = last_message();
        assert!(
            message.contains(&format!("{name} has version {version}")),
            "{message}"
        );
        assert!(message.contains("versions 1 to 1"), "{message}");
    };
    // SAFETY: valid arguments; the version is what each call is about.
    unsafe {
        // zk_create: version 1 from the init function works end to end (ephemeral,
        // sequential), NULL is a plain persistent node, 0 and 99 are refused with nothing
        // sent.
        let mut v1 = with_version(ZK_CREATE_OPTIONS_VERSION);
        v1.mode = zk_create_mode::ZK_EPHEMERAL_SEQUENTIAL as i32;
        v1.makepath = true;
        let mut created = null_mut();
        let mut stat = zk_stat::default();
        assert_eq!(
            zk_create(
                client,
                c("/v/e-").as_ptr(),
                b"v1".as_ptr(),
                2,
                &v1,
                &mut created,
                &mut stat
            ),
            zk_error::ZK_OK,
            "{}",
            last_message()
        );
        assert_eq!(CStr::from_ptr(created).to_str().unwrap(), "/v/e-0000000000");
        zk_string_free(created);
        assert_ne!(
            stat.ephemeral_owner, 0,
            "created as version 1 said: ephemeral"
        );
        assert_eq!(stat.data_length, 2);
        assert_eq!(
            zk_create(
                client,
                c("/v/plain").as_ptr(),
                null(),
                0,
                null(),
                null_mut(),
                &mut stat
            ),
            zk_error::ZK_OK
        );
        assert_eq!(stat.ephemeral_owner, 0, "NULL options: persistent");
        for version in [0, 99] {
            let options = with_version(version);
            let rc = zk_create(
                client,
                c("/v/refused").as_ptr(),
                null(),
                0,
                &options,
                null_mut(),
                null_mut(),
            );
            refused("zk_create", rc, "zk_create_options", version);
            let rc = zk_create_async(
                client,
                c("/v/refused").as_ptr(),
                null(),
                0,
                &options,
                None,
                null_mut(),
            );
            refused("zk_create_async", rc, "zk_create_options", version);
            let mut transaction = null_mut();
            assert_eq!(
                zk_transaction_new(client, &mut transaction),
                zk_error::ZK_OK
            );
            let rc =
                zk_transaction_create(transaction, c("/v/refused").as_ptr(), null(), 0, &options);
            refused("zk_transaction_create", rc, "zk_create_options", version);
            zk_transaction_free(transaction);
        }
        let mut exists = true;
        assert_eq!(
            zk_exists(client, c("/v/refused").as_ptr(), &mut exists, null_mut()),
            zk_error::ZK_OK
        );
        assert!(!exists, "a refused version sent nothing");

        // zk_lock_new_with_options: NULL and version 1 make a working lock; 0 and 99 are
        // refused.
        let lock_v1 = init_with(zk_lock_options_init, ZK_LOCK_OPTIONS_VERSION);
        for options in [null(), &lock_v1 as *const zk_lock_options] {
            let mut lock = null_mut();
            assert_eq!(
                zk_lock_new_with_options(
                    client,
                    c("/v/lock").as_ptr(),
                    b"me".as_ptr(),
                    2,
                    options,
                    None,
                    null_mut(),
                    None,
                    &mut lock
                ),
                zk_error::ZK_OK
            );
            let mut acquired = false;
            assert_eq!(zk_lock_try_acquire(lock, &mut acquired), zk_error::ZK_OK);
            assert!(acquired);
            assert_eq!(zk_lock_release(lock), zk_error::ZK_OK);
            zk_lock_free(lock);
        }
        for version in [0, 99] {
            let options = zk_lock_options { version, ..lock_v1 };
            let mut lock = null_mut();
            let rc = zk_lock_new_with_options(
                client,
                c("/v/lock").as_ptr(),
                null(),
                0,
                &options,
                None,
                null_mut(),
                None,
                &mut lock,
            );
            refused("zk_lock_new_with_options", rc, "zk_lock_options", version);
            assert!(lock.is_null());
        }

        // zk_partitioner_new: NULL and version 1 join; 0 and 99 are refused before any node
        // is created.
        let item = c("item");
        let items = [item.as_ptr()];
        let mut part_v1 = init_with(zk_partitioner_options_init, ZK_PARTITIONER_OPTIONS_VERSION);
        part_v1.time_boundary_ms = 0;
        for (path, options) in [
            ("/v/part-null", null()),
            ("/v/part-v1", &part_v1 as *const zk_partitioner_options),
        ] {
            let mut partitioner = null_mut();
            assert_eq!(
                zk_partitioner_new(
                    client,
                    c(path).as_ptr(),
                    items.as_ptr(),
                    1,
                    options,
                    None,
                    null_mut(),
                    None,
                    &mut partitioner
                ),
                zk_error::ZK_OK,
                "{}",
                last_message()
            );
            zk_partitioner_free(partitioner);
        }
        for version in [0, 99] {
            let options = zk_partitioner_options { version, ..part_v1 };
            let mut partitioner = null_mut();
            let rc = zk_partitioner_new(
                client,
                c("/v/part-refused").as_ptr(),
                items.as_ptr(),
                1,
                &options,
                None,
                null_mut(),
                None,
                &mut partitioner,
            );
            refused("zk_partitioner_new", rc, "zk_partitioner_options", version);
            assert!(partitioner.is_null());
        }
        assert_eq!(
            zk_exists(
                client,
                c("/v/part-refused").as_ptr(),
                &mut exists,
                null_mut()
            ),
            zk_error::ZK_OK
        );
        assert!(!exists);

        // zk_retry and the client's policies: version 1 works, NULL means the client's
        // policy for zk_retry and is refused by the setters, 0 and 99 are refused.
        let calls = AtomicUsize::new(0);
        let ud = &calls as *const AtomicUsize as *mut c_void;
        let retry_v1 = init_with(zk_retry_policy_init, ZK_RETRY_POLICY_VERSION);
        assert_eq!(
            zk_retry(client, &retry_v1, Some(succeed), ud),
            zk_error::ZK_OK
        );
        assert_eq!(zk_retry(client, null(), Some(succeed), ud), zk_error::ZK_OK);
        assert_eq!(calls.swap(0, Ordering::SeqCst), 2);
        let options = zk_options_new();
        assert_eq!(
            zk_options_set_command_retry(options, &retry_v1),
            zk_error::ZK_OK
        );
        assert_eq!(
            zk_options_set_connection_retry(options, &retry_v1),
            zk_error::ZK_OK
        );
        assert_eq!(
            zk_options_set_command_retry(options, null()),
            zk_error::ZK_EINVAL
        );
        assert!(
            last_message().contains("policy is NULL"),
            "{}",
            last_message()
        );
        assert_eq!(
            zk_options_set_connection_retry(options, null()),
            zk_error::ZK_EINVAL
        );
        for version in [0, 99] {
            let policy = zk_retry_policy {
                version,
                ..retry_v1
            };
            let rc = zk_retry(client, &policy, Some(succeed), ud);
            refused("zk_retry", rc, "zk_retry_policy", version);
            let rc = zk_options_set_command_retry(options, &policy);
            refused(
                "zk_options_set_command_retry",
                rc,
                "zk_retry_policy",
                version,
            );
            let rc = zk_options_set_connection_retry(options, &policy);
            refused(
                "zk_options_set_connection_retry",
                rc,
                "zk_retry_policy",
                version,
            );
        }
        assert_eq!(
            calls.load(Ordering::SeqCst),
            0,
            "a refused policy ran nothing"
        );
        zk_options_free(options);
        zk_client_free(client);
    }
}

#[test]
fn zk_retry_runs_a_c_function_under_a_policy() {
    let client = started_client("ffi-retry");
    let calls = AtomicUsize::new(0);
    let ud = &calls as *const AtomicUsize as *mut c_void;
    let quick = zk_retry_policy {
        delay_ms: 1,
        max_delay_ms: 5,
        ..zk_retry_policy::default()
    };
    // SAFETY: valid arguments.
    unsafe {
        assert_eq!(
            zk_retry(client, &quick, Some(force_twice), ud),
            zk_error::ZK_OK
        );
        assert_eq!(calls.swap(0, Ordering::SeqCst), 3);
        assert_eq!(
            zk_retry(client, null(), Some(read_missing), ud),
            zk_error::ZK_ENONODE
        );
        assert_eq!(
            calls.swap(0, Ordering::SeqCst),
            1,
            "a non-retryable error was retried"
        );
        let three = zk_retry_policy {
            max_tries: 3,
            ..quick
        };
        assert_eq!(
            zk_retry(client, &three, Some(always_lost), ud),
            zk_error::ZK_ECONNECTIONLOSS
        );
        assert_eq!(calls.swap(0, Ordering::SeqCst), 3);
        assert!(
            last_message().contains("gave up after 3 attempt"),
            "{}",
            last_message()
        );
        let bad = zk_retry_policy {
            max_tries: 0,
            ..quick
        };
        assert_eq!(
            zk_retry(client, &bad, Some(always_lost), ud),
            zk_error::ZK_EINVAL
        );
        assert_eq!(zk_retry(client, &quick, None, ud), zk_error::ZK_EINVAL);
        assert_eq!(calls.load(Ordering::SeqCst), 0);
        let options = zk_options_new();
        assert_eq!(
            zk_options_set_command_retry(options, &bad),
            zk_error::ZK_EINVAL
        );
        assert_eq!(
            zk_options_set_connection_retry(options, &quick),
            zk_error::ZK_OK
        );
        assert_eq!(
            zk_options_set_command_retry(options, null()),
            zk_error::ZK_EINVAL
        );
        zk_options_free(options);
        zk_client_free(client);
    }
}

static DISPATCHED_ON: std::sync::Mutex<Vec<(zk_state, std::thread::ThreadId)>> =
    std::sync::Mutex::new(Vec::new());

unsafe extern "C" fn note_thread(
    state: zk_state,
    _keeper: zk_keeper_state,
    _user_data: *mut c_void,
) {
    DISPATCHED_ON
        .lock()
        .unwrap()
        .push((state, std::thread::current().id()));
}

unsafe extern "C" fn read_in_callback(event: *const zk_watch_event, user_data: *mut c_void) {
    // SAFETY: user_data is the client, live while the test dispatches.
    let client = user_data as *mut zk_client;
    let mut exists = false;
    // SAFETY: valid arguments; a blocking call from a manually dispatched callback.
    let rc = unsafe { zk_exists(client, (*event).path, &mut exists, null_mut()) };
    assert_eq!(rc, zk_error::ZK_OK);
    DISPATCHED_ON
        .lock()
        .unwrap()
        .push((zk_state::ZK_STATE_CONNECTED, std::thread::current().id()));
}

fn readable(fd: i32, timeout_ms: i32) -> bool {
    let mut poll = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd.
    unsafe { libc::poll(&mut poll, 1, timeout_ms) == 1 }
}

#[test]
fn an_event_loop_can_run_the_callbacks_itself() {
    let hosts = shared_hosts();
    let me = std::thread::current().id();
    // SAFETY: valid arguments throughout.
    unsafe {
        let mut client = null_mut();
        assert_eq!(
            zk_client_new(c(&hosts).as_ptr(), null(), &mut client),
            zk_error::ZK_OK
        );
        assert_eq!(zk_client_dispatch(client, null_mut()), zk_error::ZK_EINVAL);
        let mut fd = -1;
        assert_eq!(zk_client_dispatch_fd(client, &mut fd), zk_error::ZK_OK);
        assert!(fd >= 0);
        assert_eq!(
            zk_client_add_listener(client, Some(note_thread), null_mut(), None, null_mut()),
            zk_error::ZK_OK
        );
        assert_eq!(zk_client_start(client, 30_000), zk_error::ZK_OK);
        // The CONNECTED callback waits for the loop.
        assert!(readable(fd, 30_000));
        assert!(DISPATCHED_ON.lock().unwrap().is_empty());
        let mut ran = 0;
        assert_eq!(zk_client_dispatch(client, &mut ran), zk_error::ZK_OK);
        assert_eq!(ran, 1);
        assert!(!readable(fd, 0));
        // A watch callback, dispatched here, may make blocking calls.
        let path = c(&unique_chroot("ffi-loop"));
        let mut exists = true;
        assert_eq!(
            zk_exists_watch(
                client,
                path.as_ptr(),
                Some(read_in_callback),
                client as *mut c_void,
                None,
                &mut exists,
                null_mut(),
                null_mut()
            ),
            zk_error::ZK_OK
        );
        let options = zk_create_options {
            makepath: true,
            ..zk_create_options::default()
        };
        assert_eq!(
            zk_create(
                client,
                path.as_ptr(),
                null(),
                0,
                &options,
                null_mut(),
                null_mut()
            ),
            zk_error::ZK_OK
        );
        assert!(readable(fd, 30_000));
        assert_eq!(zk_client_dispatch(client, &mut ran), zk_error::ZK_OK);
        assert_eq!(ran, 1);
        // Stop runs the LOST callback on this thread.
        assert_eq!(zk_client_stop(client), zk_error::ZK_OK);
        zk_client_free(client);
    }
    let seen = DISPATCHED_ON.lock().unwrap().clone();
    let states: Vec<zk_state> = seen.iter().map(|s| s.0).collect();
    assert_eq!(
        states,
        [
            zk_state::ZK_STATE_CONNECTED,
            zk_state::ZK_STATE_CONNECTED,
            zk_state::ZK_STATE_LOST
        ]
    );
    assert!(
        seen.iter().all(|s| s.1 == me),
        "a callback ran on another thread"
    );
}

#[test]
fn auth_and_default_acl_through_the_c_api() {
    let hosts = shared_hosts();
    let chroot = unique_chroot("ffi-auth");
    drop(started_client_root(&hosts, &chroot));
    // SAFETY: valid arguments; everything returned is freed.
    unsafe {
        let options = zk_options_new();
        let credential = b"carol:pw";
        assert_eq!(
            zk_options_add_auth(
                options,
                c("digest").as_ptr(),
                credential.as_ptr(),
                credential.len()
            ),
            zk_error::ZK_OK
        );
        assert_eq!(
            zk_options_add_auth(options, c("").as_ptr(), null(), 0),
            zk_error::ZK_EINVAL
        );
        let (auth, empty) = (c("auth"), c(""));
        let creator = zk_acl {
            perms: zk_perm::ZK_PERM_ALL as i32,
            scheme: auth.as_ptr(),
            id: empty.as_ptr(),
        };
        assert_eq!(
            zk_options_set_default_acl(options, &creator, 1),
            zk_error::ZK_OK
        );
        assert_eq!(
            zk_options_set_default_acl(options, null(), 0),
            zk_error::ZK_EINVAL
        );
        let mut owner = null_mut();
        assert_eq!(
            zk_client_new(c(&format!("{hosts}{chroot}")).as_ptr(), options, &mut owner),
            zk_error::ZK_OK
        );
        zk_options_free(options);
        assert_eq!(zk_client_start(owner, 30_000), zk_error::ZK_OK);
        assert_eq!(
            zk_create(
                owner,
                c("/mine").as_ptr(),
                b"x".as_ptr(),
                1,
                null(),
                null_mut(),
                null_mut()
            ),
            zk_error::ZK_OK
        );

        let mut stranger = null_mut();
        assert_eq!(
            zk_client_new(
                c(&format!("{hosts}{chroot}")).as_ptr(),
                null(),
                &mut stranger
            ),
            zk_error::ZK_OK
        );
        assert_eq!(zk_client_start(stranger, 30_000), zk_error::ZK_OK);
        assert_eq!(
            zk_get(stranger, c("/mine").as_ptr(), null_mut(), null_mut()),
            zk_error::ZK_ENOAUTH
        );
        assert_eq!(
            zk_add_auth(
                stranger,
                c("digest").as_ptr(),
                credential.as_ptr(),
                credential.len()
            ),
            zk_error::ZK_OK
        );
        assert_eq!(
            zk_get(stranger, c("/mine").as_ptr(), null_mut(), null_mut()),
            zk_error::ZK_OK
        );
        assert_eq!(
            zk_add_auth(stranger, c("no-such-scheme").as_ptr(), null(), 0),
            zk_error::ZK_EAUTHFAILED
        );
        let mut state = zk_state::ZK_STATE_CONNECTED;
        assert_eq!(
            zk_client_state(stranger, &mut state, null_mut()),
            zk_error::ZK_OK
        );
        assert_eq!(state, zk_state::ZK_STATE_LOST);
        zk_client_free(stranger);
        zk_client_free(owner);
    }
}

fn started_client_root(hosts: &str, chroot: &str) -> zkclient::Client {
    common::connect(hosts, chroot, Default::default())
}

#[test]
fn oversize_credentials_expired_resumes_and_refused_credentials_say_what_happened() {
    let hosts = shared_hosts();
    let huge = vec![b'a'; 2 << 20];
    let mut exists = false;
    // SAFETY: valid arguments throughout; every handle is freed once.
    unsafe {
        // Over the request limit: refused at once, not stored.
        let options = zk_options_new();
        assert_eq!(
            zk_options_add_auth(options, c("digest").as_ptr(), huge.as_ptr(), huge.len()),
            zk_error::ZK_ETOOLARGE
        );
        assert!(last_message().contains("bytes"), "{}", last_message());
        let mut client = null_mut();
        assert_eq!(
            zk_client_new(c(&hosts).as_ptr(), options, &mut client),
            zk_error::ZK_OK
        );
        zk_options_free(options);
        assert_eq!(zk_client_start(client, 30_000), zk_error::ZK_OK);
        assert_eq!(
            zk_add_auth(client, c("digest").as_ptr(), huge.as_ptr(), huge.len()),
            zk_error::ZK_ETOOLARGE
        );
        let mut state = zk_state::ZK_STATE_LOST;
        assert_eq!(
            zk_client_state(client, &mut state, null_mut()),
            zk_error::ZK_OK
        );
        assert_eq!(state, zk_state::ZK_STATE_CONNECTED);
        assert_eq!(
            zk_exists(client, c("/").as_ptr(), &mut exists, null_mut()),
            zk_error::ZK_OK
        );

        // A session the server no longer has: start says so.
        let (mut session_id, mut password) = (0i64, [0u8; 16]);
        assert_eq!(
            zk_client_session(client, &mut session_id, password.as_mut_ptr(), null_mut()),
            zk_error::ZK_OK
        );
        zk_client_free(client); // closes the session
        let options = zk_options_new();
        assert_eq!(
            zk_options_set_session(options, session_id, password.as_ptr(), 16),
            zk_error::ZK_OK
        );
        let mut resumer = null_mut();
        assert_eq!(
            zk_client_new(c(&hosts).as_ptr(), options, &mut resumer),
            zk_error::ZK_OK
        );
        zk_options_free(options);
        assert_eq!(
            zk_client_start(resumer, 30_000),
            zk_error::ZK_ESESSIONEXPIRED
        );
        let message = last_message();
        assert!(
            message.contains(&format!("0x{session_id:x}")) && message.contains("no longer exists"),
            "{message}"
        );
        zk_client_free(resumer);

        // After a refused credential, calls say authentication failed, naming the scheme.
        let mut refused = null_mut();
        assert_eq!(
            zk_client_new(c(&hosts).as_ptr(), null(), &mut refused),
            zk_error::ZK_OK
        );
        assert_eq!(zk_client_start(refused, 30_000), zk_error::ZK_OK);
        assert_eq!(
            zk_add_auth(
                refused,
                c("no-such-scheme").as_ptr(),
                b"secret-x".as_ptr(),
                8
            ),
            zk_error::ZK_EAUTHFAILED
        );
        assert_eq!(
            zk_exists(refused, c("/").as_ptr(), &mut exists, null_mut()),
            zk_error::ZK_EAUTHFAILED
        );
        let message = last_message();
        assert!(
            message.contains("authentication failed") && message.contains("no-such-scheme"),
            "{message}"
        );
        assert!(!message.contains("secret-x"), "{message}");
        zk_client_free(refused);
    }
}
