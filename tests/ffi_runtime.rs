//! `zk_set_io_threads()` and a runtime that cannot be built, through the C API. Its own test
//! binary with one test: it needs a process in which no client was created yet (the runtime
//! is process-wide).

mod common;

use std::ptr::{null, null_mut};

use common::shared_hosts;
use zkclient::ffi::*;

use crate::common::{c, last_message};

fn open_files_limit() -> libc::rlimit {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: a valid out-pointer.
    assert_eq!(
        unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) },
        0
    );
    limit
}

fn set_open_files_limit(limit: libc::rlimit) {
    // SAFETY: a valid limit.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) }, 0);
}

#[test]
fn io_threads_are_bounded_and_fixed_by_the_first_client_and_a_runtime_failure_is_an_error() {
    let connect_string = shared_hosts();

    // Out of range: refused with the range in the message (SIZE_MAX used to be accepted and
    // make the next start panic).
    for threads in [0, 65, usize::MAX] {
        assert_eq!(zk_set_io_threads(threads), zk_error::ZK_EINVAL, "{threads}");
        assert!(
            last_message().contains("between 1 and 64"),
            "{threads}: {}",
            last_message()
        );
    }

    // No file descriptor to spare: the runtime cannot be built, and zk_client_new says so
    // (it used to panic on the first start, and a later zk_client_free hung).
    let limit = open_files_limit();
    set_open_files_limit(libc::rlimit {
        rlim_cur: 0,
        ..limit
    });
    let mut client: *mut zk_client = null_mut();
    // SAFETY: valid arguments.
    let rc = unsafe { zk_client_new(c(&connect_string).as_ptr(), null(), &mut client) };
    let message = last_message();
    set_open_files_limit(limit);
    assert_eq!(rc, zk_error::ZK_ERUNTIME, "{message}");
    assert!(client.is_null(), "output written on failure");
    assert!(message.contains("could not be created"), "{message}");

    // Nothing was built, so the count can still be set; the first client fixes it.
    assert_eq!(zk_set_io_threads(2), zk_error::ZK_OK, "{}", last_message());
    // SAFETY: valid arguments.
    unsafe {
        assert_eq!(
            zk_client_new(c(&connect_string).as_ptr(), null(), &mut client),
            zk_error::ZK_OK,
            "{}",
            last_message()
        );
    }
    assert_eq!(zk_set_io_threads(1), zk_error::ZK_EINVAL);
    assert!(
        last_message().contains("before the first client"),
        "{}",
        last_message()
    );
    assert_eq!(
        zk_set_io_threads(usize::MAX),
        zk_error::ZK_EINVAL,
        "out of range is refused whatever the state"
    );
    // SAFETY: valid arguments; the client is freed once.
    unsafe {
        assert_eq!(zk_client_start(client, 20_000), zk_error::ZK_OK);
        let mut exists = false;
        assert_eq!(
            zk_exists(client, c("/zookeeper").as_ptr(), &mut exists, null_mut()),
            zk_error::ZK_OK
        );
        assert!(exists);
        zk_client_free(client);
    }
}
