//! Inline callbacks (`ClientOptions::inline_callbacks`, `zk_options_set_inline_callbacks`):
//! completions and watch events run on the network thread, still one at a time and in the
//! server's order; a callback may submit more requests; a blocking call inside one is refused
//! with a clear error, and the session lives on.

mod common;

use std::ffi::c_void;
use std::ptr::null_mut;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;

use common::{c, connect, last_message, shared_hosts, unique_chroot, EVENT_TIMEOUT};
use zkclient::client::{Client, ClientOptions, CreateOptions};
use zkclient::ffi::*;
use zkclient::runtime::Wait;

fn inline_client(name: &str) -> Client {
    connect(
        &shared_hosts(),
        &unique_chroot(name),
        ClientOptions {
            inline_callbacks: true,
            ..ClientOptions::default()
        },
    )
}

#[test]
fn completions_run_on_the_network_thread_one_at_a_time_in_server_order() {
    let zk = inline_client("inline-order");
    zk.create("/n", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let running = Arc::new(AtomicBool::new(false));
    const COUNT: usize = 2000;
    for i in 0..COUNT {
        let (tx, running) = (tx.clone(), running.clone());
        let done = move |result: zkclient::Result<zkclient::proto::Stat>| {
            assert!(
                !running.swap(true, Ordering::SeqCst),
                "two callbacks of one client ran at once"
            );
            let name = thread::current().name().map(str::to_string);
            running.store(false, Ordering::SeqCst);
            tx.send((i, result.map(|stat| stat.version), name)).unwrap();
        };
        zk.set_then("/n", format!("{i}").as_bytes(), -1, done)
            .unwrap();
    }
    let mut versions = Vec::new();
    for want in 0..COUNT {
        let (i, version, thread_name) = rx.recv_timeout(EVENT_TIMEOUT).expect("a completion");
        assert_eq!(i, want, "completions out of submission (= server) order");
        assert_eq!(
            thread_name.as_deref(),
            Some("zkclient-io"),
            "an inline completion ran off the network thread"
        );
        versions.push(version.unwrap());
    }
    // Each set bumped the version by one, in order: the server applied them in this order.
    assert!(versions.windows(2).all(|w| w[1] == w[0] + 1));
    assert!(rx.try_recv().is_err(), "a completion ran twice");
    zk.stop().unwrap();
}

#[test]
fn a_watch_event_runs_before_the_completion_of_the_write_that_fired_it() {
    let zk = inline_client("inline-watch");
    zk.create("/w", b"0", &CreateOptions::default())
        .wait()
        .unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let watched = seen.clone();
    zk.get_watch("/w", move |event| {
        watched
            .lock()
            .unwrap()
            .push(format!("event {:?}", event.event_type))
    })
    .wait()
    .unwrap();
    let (tx, rx) = mpsc::channel();
    let completed = seen.clone();
    zk.set_then("/w", b"1", -1, move |result| {
        completed
            .lock()
            .unwrap()
            .push(format!("set {}", result.is_ok()));
        tx.send(()).unwrap();
    })
    .unwrap();
    rx.recv_timeout(EVENT_TIMEOUT).unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        ["event NodeDataChanged", "set true"],
        "the server sends the notification ahead of the reply"
    );
    zk.stop().unwrap();
}

#[test]
fn a_callback_may_submit_requests_but_a_blocking_call_inside_it_is_refused() {
    let zk = inline_client("inline-reentry");
    zk.create("/r", b"data", &CreateOptions::default())
        .wait()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let inner = zk.clone();
    zk.get_then("/r", move |first| {
        assert_eq!(first.unwrap().0, b"data");
        // Blocking here would wait for the session this thread runs: refused at once.
        let blocking =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.get("/r").wait()));
        let refused = match blocking {
            Ok(_) => "not refused".to_string(),
            Err(payload) => payload
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_default(),
        };
        // Asynchronous calls work: the reply comes to another inline callback.
        let again = tx.clone();
        inner
            .get_then("/r", move |second| {
                again.send(("second", second.map(|r| r.0))).unwrap()
            })
            .unwrap();
        tx.send(("refused", Ok(refused.into_bytes()))).unwrap();
    })
    .unwrap();
    let (what, refused) = rx.recv_timeout(EVENT_TIMEOUT).unwrap();
    assert_eq!(what, "refused");
    let refused = String::from_utf8(refused.unwrap()).unwrap();
    assert!(
        refused.contains("blocking zkclient call") && refused.contains("inline"),
        "{refused}"
    );
    let (what, second) = rx.recv_timeout(EVENT_TIMEOUT).unwrap();
    assert_eq!((what, second.unwrap()), ("second", b"data".to_vec()));
    // The session is unharmed; blocking calls outside callbacks work.
    assert_eq!(zk.get("/r").wait().unwrap().0, b"data");
    assert!(
        zk.enable_manual_dispatch().is_err(),
        "manual dispatch with inline callbacks"
    );
    zk.stop().unwrap();
}

struct Seen {
    rc: Mutex<Option<(zk_error, zk_error, String)>>,
    client: *mut zk_client,
    done: Mutex<Option<mpsc::Sender<()>>>,
}

unsafe extern "C" fn blocking_inside(
    rc: zk_error,
    _data: *const u8,
    _len: usize,
    _stat: *const zk_stat,
    user_data: *mut c_void,
) {
    // SAFETY: the test's Seen outlives the completion.
    let seen = unsafe { &*(user_data as *const Seen) };
    let mut exists = false;
    // SAFETY: a live client and path; the out-parameters are valid.
    let inner = unsafe { zk_exists(seen.client, c("/").as_ptr(), &mut exists, null_mut()) };
    *seen.rc.lock().unwrap() = Some((rc, inner, last_message()));
    if let Some(done) = seen.done.lock().unwrap().take() {
        done.send(()).unwrap();
    }
}

#[test]
fn from_c_a_blocking_call_inside_an_inline_completion_returns_zk_eapierror() {
    let options = zk_options_new();
    // SAFETY: a live options object, then a valid connect string; the client is freed last.
    unsafe {
        assert_eq!(
            zk_options_set_inline_callbacks(options, true),
            zk_error::ZK_OK
        );
        assert_eq!(
            zk_options_set_inline_callbacks(null_mut(), true),
            zk_error::ZK_EINVAL
        );
    }
    let mut client = null_mut();
    let hosts = c(&shared_hosts());
    // SAFETY: as above.
    unsafe {
        assert_eq!(
            zk_client_new(hosts.as_ptr(), options, &mut client),
            zk_error::ZK_OK
        );
        zk_options_free(options);
        assert_eq!(zk_client_start(client, 10_000), zk_error::ZK_OK);
        let mut fd = -1;
        assert_eq!(zk_client_dispatch_fd(client, &mut fd), zk_error::ZK_EINVAL);
    }
    let (tx, rx) = mpsc::channel();
    let seen = Seen {
        rc: Mutex::new(None),
        client,
        done: Mutex::new(Some(tx)),
    };
    // SAFETY: a live client; `seen` outlives the completion (awaited below).
    let rc = unsafe {
        zk_get_async(
            client,
            c("/").as_ptr(),
            Some(blocking_inside),
            &seen as *const Seen as *mut c_void,
        )
    };
    assert_eq!(rc, zk_error::ZK_OK);
    rx.recv_timeout(EVENT_TIMEOUT).unwrap();
    let (outer, inner, message) = seen.rc.lock().unwrap().take().unwrap();
    assert_eq!(outer, zk_error::ZK_OK);
    assert_eq!(inner, zk_error::ZK_EAPIERROR, "{message}");
    assert!(message.contains("inline"), "{message}");
    // The client still works from this thread.
    let mut exists = false;
    // SAFETY: live client, valid arguments.
    unsafe {
        assert_eq!(
            zk_exists(client, c("/").as_ptr(), &mut exists, null_mut()),
            zk_error::ZK_OK
        );
        assert!(exists);
        assert_eq!(zk_client_stop(client), zk_error::ZK_OK);
        zk_client_free(client);
    }
}
