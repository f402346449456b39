//! `fork()` with live clients, through the C API. Its own test binary: the child must start
//! from a process whose only other threads are the library's.
//!
//! In the child, a client of the parent fails fast with ZK_EFORKED and its free sends
//! nothing; a new client connects and works; the parent's client and session are untouched.

mod common;

use std::ffi::{c_void, CStr};
use std::ptr::{null, null_mut};
use std::time::Instant;

use common::{shared_hosts, unique_chroot};
use zkclient::ffi::recipe::lock::*;
use zkclient::ffi::*;

use crate::common::{c, last_message};

/// A started client on `connect_string`.
fn started(connect_string: &str) -> Result<*mut zk_client, String> {
    let mut client = null_mut();
    // SAFETY: valid arguments.
    unsafe {
        let rc = zk_client_new(c(connect_string).as_ptr(), null(), &mut client);
        if rc != zk_error::ZK_OK {
            return Err(format!("zk_client_new: {rc:?}: {}", last_message()));
        }
        let rc = zk_client_start(client, 20_000);
        if rc != zk_error::ZK_OK {
            zk_client_free(client);
            return Err(format!("zk_client_start: {rc:?}: {}", last_message()));
        }
    }
    Ok(client)
}

fn session_id(client: *mut zk_client) -> i64 {
    let mut id = 0;
    // SAFETY: valid arguments.
    let rc = unsafe { zk_client_session(client, &mut id, null_mut(), null_mut()) };
    assert_eq!(rc, zk_error::ZK_OK);
    id
}

/// What the child does with the parent's client and a client of its own. No panics here:
/// the child reports through its exit status.
fn child(
    inherited: *mut zk_client,
    lock: *mut zk_lock,
    connect_string: &str,
) -> Result<(), String> {
    let path = c("/owned");
    let began = Instant::now();
    let mut data = zk_buffer {
        data: null_mut(),
        len: 0,
    };
    // SAFETY: valid arguments; `inherited` is the parent's live client, copied by fork().
    let rc = unsafe { zk_get(inherited, path.as_ptr(), &mut data, null_mut()) };
    if rc != zk_error::ZK_EFORKED {
        return Err(format!(
            "zk_get on the inherited client: {rc:?}, not ZK_EFORKED"
        ));
    }
    let message = last_message();
    if !message.contains("belongs to the parent process") || !message.contains("its own client") {
        return Err(format!("unclear message: {message}"));
    }
    let mut state = zk_state::ZK_STATE_LOST;
    // SAFETY: as above.
    let rc = unsafe { zk_client_state(inherited, &mut state, null_mut()) };
    if rc != zk_error::ZK_EFORKED {
        return Err(format!("zk_client_state on the inherited client: {rc:?}"));
    }
    // The parent's lock, held by the parent: not held here, and not to be taken or released.
    // SAFETY: `lock` is the parent's live lock handle, copied by fork().
    unsafe {
        if zk_lock_is_acquired(lock) {
            return Err("the child believes it holds the parent's lock".into());
        }
        let mut acquired = false;
        let rc = zk_lock_acquire(lock, 1_000, &mut acquired);
        if rc != zk_error::ZK_EFORKED {
            return Err(format!("zk_lock_acquire on the inherited lock: {rc:?}"));
        }
        zk_lock_free(lock);
    }
    // SAFETY: as above; freed once, here.
    unsafe { zk_client_free(inherited) };
    // Not a performance figure: a hang would be caught by the alarm; this tells "fast" from
    // "returned after some timeout".
    let took = began.elapsed();
    if took.as_secs() >= 2 {
        return Err(format!(
            "the inherited client took {took:?} to fail and be freed"
        ));
    }

    let own = started(connect_string)?;
    let child_path = c("/from-child");
    // SAFETY: valid arguments; `own` is this process's client.
    unsafe {
        let rc = zk_create(
            own,
            child_path.as_ptr(),
            b"hello".as_ptr(),
            5,
            null(),
            null_mut(),
            null_mut(),
        );
        if rc != zk_error::ZK_OK {
            return Err(format!(
                "zk_create in the child: {rc:?}: {}",
                last_message()
            ));
        }
        let rc = zk_get(own, child_path.as_ptr(), &mut data, null_mut());
        if rc != zk_error::ZK_OK {
            return Err(format!("zk_get in the child: {rc:?}: {}", last_message()));
        }
        let read = std::slice::from_raw_parts(data.data, data.len).to_vec();
        zk_buffer_free(&mut data);
        if read != b"hello" {
            return Err(format!("the child read {read:?}"));
        }
        zk_client_free(own);
    }
    Ok(())
}

#[test]
fn a_forked_child_gets_zk_eforked_from_inherited_clients_and_new_clients_work() {
    let hosts = shared_hosts();
    let chroot = unique_chroot("ffi-fork");
    let root = started(&hosts).unwrap();
    // SAFETY: valid arguments.
    unsafe {
        assert_eq!(zk_ensure_path(root, c(&chroot).as_ptr()), zk_error::ZK_OK);
        zk_client_free(root);
    }
    let connect_string = format!("{hosts}{chroot}");
    let parent = started(&connect_string).unwrap();
    let parent_session = session_id(parent);
    let options = zk_create_options {
        mode: zk_create_mode::ZK_EPHEMERAL as i32,
        ..zk_create_options::default()
    };
    // SAFETY: valid arguments.
    unsafe {
        assert_eq!(
            zk_create(
                parent,
                c("/owned").as_ptr(),
                null(),
                0,
                &options,
                null_mut(),
                null_mut()
            ),
            zk_error::ZK_OK
        );
    }

    let mut lock = null_mut();
    let mut acquired = false;
    // SAFETY: valid arguments.
    unsafe {
        assert_eq!(
            zk_lock_new(
                parent,
                c("/lock").as_ptr(),
                b"parent".as_ptr(),
                6,
                &mut lock
            ),
            zk_error::ZK_OK
        );
        assert_eq!(
            zk_lock_acquire(lock, 10_000, &mut acquired),
            zk_error::ZK_OK
        );
        assert!(acquired);
    }

    // SAFETY: the child runs only `child` and then _exit()s; it never returns into the test
    // harness, and it is killed by SIGALRM if anything in it hangs.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        // SAFETY: plain libc calls in the child.
        unsafe { libc::alarm(30) };
        let code = match child(parent, lock, &connect_string) {
            Ok(()) => 0,
            Err(problem) => {
                let line = format!("child: {problem}\n");
                // SAFETY: writes a buffer we own to stderr.
                unsafe { libc::write(2, line.as_ptr().cast::<c_void>(), line.len()) };
                1
            }
        };
        // SAFETY: ends the child without running the parent's exit handlers.
        unsafe { libc::_exit(code) };
    }
    let mut status = 0;
    // SAFETY: waits for our own child.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(
        !libc::WIFSIGNALED(status),
        "the child was killed by signal {} (SIGALRM {}: it hung)",
        libc::WTERMSIG(status),
        libc::SIGALRM
    );
    assert!(libc::WIFEXITED(status));
    assert_eq!(
        libc::WEXITSTATUS(status),
        0,
        "the child failed (see stderr)"
    );

    // The parent's client and session are untouched: still connected, same session, its
    // ephemeral node still there, and it sees the child's node.
    let mut state = zk_state::ZK_STATE_LOST;
    let mut stat = zk_stat::default();
    let mut exists = false;
    // SAFETY: valid arguments.
    unsafe {
        assert_eq!(
            zk_client_state(parent, &mut state, null_mut()),
            zk_error::ZK_OK
        );
        assert_eq!(state, zk_state::ZK_STATE_CONNECTED);
        assert_eq!(session_id(parent), parent_session);
        assert_eq!(
            zk_exists(parent, c("/owned").as_ptr(), &mut exists, &mut stat),
            zk_error::ZK_OK
        );
        assert!(exists, "the child closed the parent's session");
        assert_eq!(stat.ephemeral_owner, parent_session);
        assert_eq!(
            zk_exists(parent, c("/from-child").as_ptr(), &mut exists, null_mut()),
            zk_error::ZK_OK
        );
        assert!(exists, "the child's create did not happen");
        assert!(
            zk_lock_is_acquired(lock),
            "the child released the parent's lock"
        );
        let mut contenders = zk_string_list {
            items: null_mut(),
            count: 0,
        };
        assert_eq!(zk_lock_contenders(lock, &mut contenders), zk_error::ZK_OK);
        assert_eq!(contenders.count, 1);
        assert_eq!(CStr::from_ptr(*contenders.items).to_bytes(), b"parent");
        zk_string_list_free(&mut contenders);
        zk_lock_free(lock);
        zk_client_free(parent);
    }
}
