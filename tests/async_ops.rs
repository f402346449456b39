//! The pipelined C API against the shared real server: many requests in flight from several
//! threads, every completion exactly once, in the server's order; stopping with requests in
//! flight loses none.

mod common;

use std::ffi::{c_char, c_void, CStr};
use std::ptr::{null, null_mut};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

use common::{shared_hosts, unique_chroot, EVENT_TIMEOUT};
use zkclient::ffi::*;

use crate::common::c;

/// What the completions of one test saw.
#[derive(Default)]
struct Tally {
    calls: AtomicUsize,
    errors: Mutex<Vec<zk_error>>,
    versions: Mutex<Vec<i32>>,
    done: (Mutex<usize>, Condvar),
}

impl Tally {
    fn completed(&self, rc: zk_error) {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if rc != zk_error::ZK_OK {
            self.errors.lock().unwrap().push(rc);
        }
        let (count, changed) = &self.done;
        *count.lock().unwrap() += 1;
        changed.notify_all();
    }

    fn wait_for(&self, n: usize) {
        let (count, changed) = &self.done;
        let (count, timeout) = changed
            .wait_timeout_while(count.lock().unwrap(), EVENT_TIMEOUT * 4, |count| *count < n)
            .unwrap();
        assert!(!timeout.timed_out(), "only {} of {n} completions", *count);
    }
}

fn tally<'a>(user_data: *mut c_void) -> &'a Tally {
    // SAFETY: every test passes a &Tally that outlives its completions.
    unsafe { &*(user_data as *const Tally) }
}

unsafe extern "C" fn on_set(rc: zk_error, stat: *const zk_stat, user_data: *mut c_void) {
    let tally = tally(user_data);
    if rc == zk_error::ZK_OK {
        // SAFETY: a valid stat on success.
        tally
            .versions
            .lock()
            .unwrap()
            .push(unsafe { (*stat).version });
    }
    tally.completed(rc);
}

unsafe extern "C" fn on_get(
    rc: zk_error,
    data: *const u8,
    len: usize,
    stat: *const zk_stat,
    user_data: *mut c_void,
) {
    if rc == zk_error::ZK_OK {
        // SAFETY: valid for the call on success.
        let (data, stat) = unsafe { (std::slice::from_raw_parts(data, len), &*stat) };
        assert_eq!(data, b"payload");
        assert_eq!(stat.data_length, 7);
    }
    tally(user_data).completed(rc);
}

unsafe extern "C" fn on_create(
    rc: zk_error,
    path: *const c_char,
    stat: *const zk_stat,
    user_data: *mut c_void,
) {
    if rc == zk_error::ZK_OK {
        // SAFETY: valid for the call on success.
        let path = unsafe { CStr::from_ptr(path) }
            .to_str()
            .unwrap()
            .to_string();
        assert!(path.starts_with("/deep/er/item-"), "{path}");
        assert!(!stat.is_null());
    } else {
        assert!(path.is_null() && stat.is_null());
    }
    tally(user_data).completed(rc);
}

unsafe extern "C" fn on_exists(rc: zk_error, stat: *const zk_stat, user_data: *mut c_void) {
    assert_eq!(rc, zk_error::ZK_OK);
    tally(user_data)
        .versions
        .lock()
        .unwrap()
        .push(if stat.is_null() { -1 } else { 1 });
    tally(user_data).completed(rc);
}

unsafe extern "C" fn on_children(
    rc: zk_error,
    children: *const zk_string_list,
    _stat: *const zk_stat,
    user_data: *mut c_void,
) {
    assert_eq!(rc, zk_error::ZK_OK);
    // SAFETY: valid for the call.
    let count = unsafe { (*children).count };
    tally(user_data).versions.lock().unwrap().push(count as i32);
    tally(user_data).completed(rc);
}

unsafe extern "C" fn on_void(rc: zk_error, user_data: *mut c_void) {
    tally(user_data).completed(rc);
}

fn client_under(name: &str) -> (*mut zk_client, String) {
    let hosts = shared_hosts();
    let chroot = unique_chroot(name);
    let root = common::connect(&hosts, &chroot, Default::default());
    drop(root);
    let mut client = null_mut();
    // SAFETY: valid arguments.
    unsafe {
        assert_eq!(
            zk_client_new(c(&format!("{hosts}{chroot}")).as_ptr(), null(), &mut client),
            zk_error::ZK_OK
        );
        assert_eq!(zk_client_start(client, 30_000), zk_error::ZK_OK);
    }
    (client, chroot)
}

struct SendClient(*mut zk_client);
// SAFETY: zk_client is thread-safe by contract.
unsafe impl Send for SendClient {}
unsafe impl Sync for SendClient {}

#[test]
fn a_hundred_thousand_pipelined_requests_from_four_threads_complete_once_in_server_order() {
    let (client, _) = client_under("async-many");
    let node = c("/n");
    // SAFETY: valid arguments.
    unsafe {
        assert_eq!(
            zk_create(
                client,
                node.as_ptr(),
                b"payload".as_ptr(),
                7,
                null(),
                null_mut(),
                null_mut()
            ),
            zk_error::ZK_OK
        );
    }
    let tally = Tally::default();
    let shared = SendClient(client);
    const PER_THREAD: usize = 25_000;
    std::thread::scope(|scope| {
        for thread in 0..4 {
            let (shared, tally, node) = (&shared, &tally, &node);
            scope.spawn(move || {
                let ud = tally as *const Tally as *mut c_void;
                for i in 0..PER_THREAD {
                    // SAFETY: valid arguments; the tally outlives the completions.
                    let rc = unsafe {
                        if (i + thread) % 2 == 0 {
                            zk_set_async(
                                shared.0,
                                node.as_ptr(),
                                b"payload".as_ptr(),
                                7,
                                -1,
                                Some(on_set),
                                ud,
                            )
                        } else {
                            zk_get_async(shared.0, node.as_ptr(), Some(on_get), ud)
                        }
                    };
                    assert_eq!(rc, zk_error::ZK_OK);
                }
            });
        }
    });
    tally.wait_for(4 * PER_THREAD);
    assert_eq!(
        tally.calls.load(Ordering::SeqCst),
        4 * PER_THREAD,
        "a completion ran twice"
    );
    assert!(
        tally.errors.lock().unwrap().is_empty(),
        "{:?}",
        tally.errors.lock().unwrap()
    );
    // Completions arrive in the order the server applied the writes: versions 1, 2, 3, ...
    let versions = tally.versions.lock().unwrap().clone();
    assert_eq!(versions.len(), 2 * PER_THREAD);
    assert!(
        versions.iter().enumerate().all(|(i, v)| *v == i as i32 + 1),
        "completions out of server order"
    );
    // SAFETY: valid handle.
    unsafe { zk_client_free(client) };
}

#[test]
fn every_async_operation_completes_with_its_result() {
    let (client, _) = client_under("async-each");
    let tally = Tally::default();
    let ud = &tally as *const Tally as *mut c_void;
    // SAFETY: valid arguments; the tally outlives the completions.
    unsafe {
        let mut options = std::mem::MaybeUninit::<zk_create_options>::uninit();
        assert_eq!(
            zk_create_options_init(options.as_mut_ptr(), ZK_CREATE_OPTIONS_VERSION),
            zk_error::ZK_OK
        );
        let mut options = options.assume_init();
        options.mode = zk_create_mode::ZK_PERSISTENT_SEQUENTIAL as i32;
        options.makepath = true;
        assert_eq!(
            zk_create_async(
                client,
                c("/deep/er/item-").as_ptr(),
                null(),
                0,
                &options,
                Some(on_create),
                ud
            ),
            zk_error::ZK_OK
        );
        tally.wait_for(1);
        options.makepath = false;
        assert_eq!(
            zk_create_async(
                client,
                c("/deep/er/item-").as_ptr(),
                null(),
                0,
                &options,
                Some(on_create),
                ud
            ),
            zk_error::ZK_OK
        );
        assert_eq!(
            zk_exists_async(client, c("/deep").as_ptr(), Some(on_exists), ud),
            zk_error::ZK_OK
        );
        assert_eq!(
            zk_exists_async(client, c("/nothing").as_ptr(), Some(on_exists), ud),
            zk_error::ZK_OK
        );
        assert_eq!(
            zk_get_children_async(client, c("/deep/er").as_ptr(), Some(on_children), ud),
            zk_error::ZK_OK
        );
        assert_eq!(
            zk_sync_async(client, c("/").as_ptr(), Some(on_void), ud),
            zk_error::ZK_OK
        );
        assert_eq!(
            zk_delete_async(client, c("/deep").as_ptr(), -1, Some(on_void), ud),
            zk_error::ZK_OK
        );
        tally.wait_for(7);
        assert_eq!(*tally.versions.lock().unwrap(), [1, -1, 2]);
        assert_eq!(*tally.errors.lock().unwrap(), [zk_error::ZK_ENOTEMPTY]);
        // Refused submissions never call their completion.
        assert_eq!(
            zk_get_async(client, c("bad").as_ptr(), Some(on_get), ud),
            zk_error::ZK_EBADPATH
        );
        assert_eq!(
            zk_get_async(client, c("/").as_ptr(), None, ud),
            zk_error::ZK_EINVAL
        );
        let big = vec![0u8; 2 << 20];
        assert_eq!(
            zk_set_async(
                client,
                c("/").as_ptr(),
                big.as_ptr(),
                big.len(),
                -1,
                Some(on_set),
                ud
            ),
            zk_error::ZK_ETOOLARGE
        );
        assert_eq!(tally.calls.load(Ordering::SeqCst), 7);
        zk_client_free(client);
    }
}

#[test]
fn stopping_with_requests_in_flight_completes_each_exactly_once() {
    let (client, _) = client_under("async-stop");
    let node = c("/n");
    let tally = Tally::default();
    let ud = &tally as *const Tally as *mut c_void;
    const N: usize = 20_000;
    // SAFETY: valid arguments; the tally outlives the completions.
    unsafe {
        assert_eq!(
            zk_create(
                client,
                node.as_ptr(),
                b"payload".as_ptr(),
                7,
                null(),
                null_mut(),
                null_mut()
            ),
            zk_error::ZK_OK
        );
        let mut submitted = 0;
        for _ in 0..N {
            if zk_get_async(client, node.as_ptr(), Some(on_get), ud) == zk_error::ZK_OK {
                submitted += 1;
            }
        }
        assert_eq!(submitted, N);
        assert_eq!(zk_client_stop(client), zk_error::ZK_OK);
        tally.wait_for(N);
        assert_eq!(
            tally.calls.load(Ordering::SeqCst),
            N,
            "a completion was lost or ran twice"
        );
        let errors = tally.errors.lock().unwrap().clone();
        assert!(
            errors
                .iter()
                .all(|rc| matches!(rc, zk_error::ZK_ECONNECTIONLOSS | zk_error::ZK_ECLOSED)),
            "{errors:?}"
        );
        // After the stop, submissions are refused and never complete.
        assert_eq!(
            zk_get_async(client, node.as_ptr(), Some(on_get), ud),
            zk_error::ZK_ECLOSED
        );
        zk_client_free(client);
    }
    assert_eq!(tally.calls.load(Ordering::SeqCst), N);
}
