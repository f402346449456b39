//! Every CRUD operation against the shared real server, success and each documented failure.
//! Each test works under its own chroot, so the suite runs in parallel on one server.

mod common;

use std::time::Duration;

use common::{shared_client, shared_hosts, unique_chroot};
use zkclient::{Acl, Client, ClientOptions, CreateMode, CreateOptions, Error, ErrorCode, Wait};

fn persistent() -> CreateOptions {
    CreateOptions::default()
}

fn mode(mode: CreateMode) -> CreateOptions {
    CreateOptions {
        mode,
        ..CreateOptions::default()
    }
}

fn assert_keeper<T: std::fmt::Debug>(result: zkclient::Result<T>, code: ErrorCode) {
    match result {
        Err(Error::Keeper(got)) if got == code => {}
        other => panic!("expected {code:?}, got {other:?}"),
    }
}

#[test]
fn create_returns_path_and_stat_and_refuses_duplicates() {
    let zk = shared_client("create");
    let created = zk.create("/node", b"hello", &persistent()).wait().unwrap();
    assert_eq!(created.path, "/node");
    assert_eq!(created.stat.version, 0);
    assert_eq!(created.stat.data_length, 5);
    assert_eq!(created.stat.ephemeral_owner, 0);
    assert!(created.stat.czxid > 0);
    assert_keeper(
        zk.create("/node", b"", &persistent()).wait(),
        ErrorCode::NODE_EXISTS,
    );
    assert_keeper(
        zk.create("/missing/child", b"", &persistent()).wait(),
        ErrorCode::NO_NODE,
    );
}

#[test]
fn makepath_and_ensure_path_create_parents() {
    let zk = shared_client("makepath");
    let made = CreateOptions {
        makepath: true,
        ..persistent()
    };
    assert_eq!(
        zk.create("/a/b/c", b"x", &made).wait().unwrap().path,
        "/a/b/c"
    );
    assert!(zk.exists("/a/b").wait().unwrap().is_some());
    zk.ensure_path("/d/e/f", None).wait().unwrap();
    zk.ensure_path("/d/e/f", None).wait().unwrap();
    zk.ensure_path("/", None).wait().unwrap();
    let (children, stat) = zk.get_children("/d/e").wait().unwrap();
    assert_eq!(children, ["f"]);
    assert_eq!(stat.num_children, 1);
}

#[test]
fn ephemeral_nodes_belong_to_the_session_and_take_no_children() {
    let zk = shared_client("ephemeral");
    let created = zk
        .create("/eph", b"", &mode(CreateMode::Ephemeral))
        .wait()
        .unwrap();
    assert_eq!(created.stat.ephemeral_owner, zk.session_info().session_id);
    assert_keeper(
        zk.create("/eph/child", b"", &persistent()).wait(),
        ErrorCode::NO_CHILDREN_FOR_EPHEMERALS,
    );
}

#[test]
fn sequential_nodes_get_increasing_ten_digit_suffixes() {
    let zk = shared_client("sequential");
    zk.ensure_path("/q", None).wait().unwrap();
    let first = zk
        .create("/q/item-", b"", &mode(CreateMode::PersistentSequential))
        .wait()
        .unwrap()
        .path;
    let second = zk
        .create("/q/item-", b"", &mode(CreateMode::EphemeralSequential))
        .wait()
        .unwrap()
        .path;
    let bare = zk
        .create("/q/", b"", &mode(CreateMode::PersistentSequential))
        .wait()
        .unwrap()
        .path;
    assert_eq!(first, "/q/item-0000000000");
    assert_eq!(second, "/q/item-0000000001");
    assert_eq!(bare, "/q/0000000002");
}

#[test]
fn container_and_ttl_nodes() {
    let zk = shared_client("container-ttl");
    let container = zk
        .create("/box", b"", &mode(CreateMode::Container))
        .wait()
        .unwrap();
    assert_eq!(container.path, "/box");
    let ttl = CreateOptions {
        mode: CreateMode::PersistentWithTtl,
        ttl: Some(Duration::from_secs(600)),
        ..persistent()
    };
    let created = zk.create("/ttl", b"t", &ttl).wait().unwrap();
    assert_eq!(created.stat.data_length, 1);
    let ttl_seq = CreateOptions {
        mode: CreateMode::PersistentSequentialWithTtl,
        ..ttl.clone()
    };
    assert!(zk
        .create("/ttl-", b"", &ttl_seq)
        .wait()
        .unwrap()
        .path
        .starts_with("/ttl-00000"));
    // A TTL mode without a TTL, or a TTL on another mode, is refused before sending.
    let no_ttl = CreateOptions {
        ttl: None,
        ..ttl.clone()
    };
    assert!(matches!(
        zk.create("/x", b"", &no_ttl).wait(),
        Err(Error::InvalidArgument(_))
    ));
    let stray_ttl = CreateOptions {
        mode: CreateMode::Persistent,
        ..ttl
    };
    assert!(matches!(
        zk.create("/x", b"", &stray_ttl).wait(),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn exists_get_and_set_with_versions() {
    let zk = shared_client("get-set");
    assert_eq!(zk.exists("/n").wait().unwrap(), None);
    assert_keeper(zk.get("/n").wait(), ErrorCode::NO_NODE);
    assert_keeper(zk.set("/n", b"x", -1).wait(), ErrorCode::NO_NODE);
    zk.create("/n", b"one", &persistent()).wait().unwrap();
    let (data, stat) = zk.get("/n").wait().unwrap();
    assert_eq!((data.as_slice(), stat.version), (&b"one"[..], 0));
    let stat = zk.set("/n", b"two", 0).wait().unwrap();
    assert_eq!(stat.version, 1);
    assert_keeper(zk.set("/n", b"three", 0).wait(), ErrorCode::BAD_VERSION);
    assert_eq!(zk.set("/n", b"", -1).wait().unwrap().version, 2);
    let (data, stat) = zk.get("/n").wait().unwrap();
    assert!(data.is_empty());
    assert_eq!(Some(stat), zk.exists("/n").wait().unwrap());
    // Binary data, zeros included, survives the trip.
    let binary: Vec<u8> = (0..=255u8).collect();
    zk.set("/n", &binary, -1).wait().unwrap();
    assert_eq!(zk.get("/n").wait().unwrap().0, binary);
}

#[test]
fn get_children_lists_names_and_the_parent_stat() {
    let zk = shared_client("children");
    assert_keeper(zk.get_children("/p").wait(), ErrorCode::NO_NODE);
    zk.create("/p", b"", &persistent()).wait().unwrap();
    for name in ["a", "b", "c"] {
        zk.create(&format!("/p/{name}"), b"", &persistent())
            .wait()
            .unwrap();
    }
    let (mut children, stat) = zk.get_children("/p").wait().unwrap();
    children.sort();
    assert_eq!(children, ["a", "b", "c"]);
    assert_eq!(stat.num_children, 3);
    assert_eq!(stat.cversion, 3);
}

#[test]
fn delete_checks_version_and_children_and_recursive_removes_subtrees() {
    let zk = shared_client("delete");
    assert_keeper(zk.delete("/d", -1).wait(), ErrorCode::NO_NODE);
    assert_keeper(zk.delete_recursive("/d", -1).wait(), ErrorCode::NO_NODE);
    zk.ensure_path("/d/x/y", None).wait().unwrap();
    zk.create("/d/z", b"", &persistent()).wait().unwrap();
    assert_keeper(zk.delete("/d", -1).wait(), ErrorCode::NOT_EMPTY);
    assert_keeper(zk.delete("/d/z", 5).wait(), ErrorCode::BAD_VERSION);
    zk.delete("/d/z", 0).wait().unwrap();
    assert_keeper(zk.delete_recursive("/d", 7).wait(), ErrorCode::BAD_VERSION);
    zk.delete_recursive("/d", -1).wait().unwrap();
    assert_eq!(zk.exists("/d").wait().unwrap(), None);
}

#[test]
fn invalid_paths_are_refused_before_sending() {
    let zk = shared_client("paths");
    for bad in [
        "",
        "x",
        "/a/",
        "/a//b",
        "/a/./b",
        "/a/../b",
        "/a\0b",
        "/\u{1F600}",
    ] {
        match zk.create(bad, b"", &persistent()).wait() {
            Err(Error::InvalidPath { path, .. }) => assert_eq!(path, bad),
            other => panic!("{bad:?}: {other:?}"),
        }
        assert!(
            matches!(zk.exists(bad).wait(), Err(Error::InvalidPath { .. })),
            "{bad:?}"
        );
        assert!(
            matches!(zk.get(bad).wait(), Err(Error::InvalidPath { .. })),
            "{bad:?}"
        );
    }
    // The session is unharmed.
    assert!(zk.exists("/").wait().unwrap().is_some());
}

#[test]
fn data_over_one_mebibyte_is_refused_locally_and_the_session_survives() {
    let zk = shared_client("big-data");
    let big = vec![7u8; 1 << 20];
    match zk.create("/big", &big, &persistent()).wait() {
        Err(Error::RequestTooLarge { size, limit }) => assert!(size > limit),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        zk.set("/", &big, -1).wait(),
        Err(Error::RequestTooLarge { .. })
    ));
    let almost = vec![9u8; 1_000_000];
    zk.create("/big", &almost, &persistent()).wait().unwrap();
    assert_eq!(zk.get("/big").wait().unwrap().0, almost);
}

#[test]
fn a_reply_over_the_inbound_limit_fails_its_request_and_keeps_the_session() {
    let hosts = shared_hosts();
    let chroot = unique_chroot("big-reply");
    let options = ClientOptions {
        max_reply_size: 4096,
        ..ClientOptions::default()
    };
    let zk = common::connect(&hosts, &chroot, options);
    zk.create("/large", &[1u8; 10_000], &persistent())
        .wait()
        .unwrap();
    zk.create("/small", b"ok", &persistent()).wait().unwrap();
    match zk.get("/large").wait() {
        Err(Error::ReplyTooLarge { size, limit }) => {
            assert!(size > 10_000 && limit == 4096, "{size} {limit}")
        }
        other => panic!("{other:?}"),
    }
    // The frame is not read: the connection is reopened, the session kept (requests in
    // flight meanwhile fail with connection-loss, hence the retry).
    let session = zk.session_info().session_id;
    assert_eq!(zk.retry(|| zk.get("/small").wait()).unwrap().0, b"ok");
    assert!(zk.retry(|| zk.exists("/large").wait()).unwrap().is_some());
    assert_eq!(zk.session_info().session_id, session);
}

#[test]
fn chroot_is_applied_and_stripped() {
    let hosts = shared_hosts();
    let chroot = unique_chroot("chroot");
    let zk = Client::new(&format!("{hosts}{chroot}"), ClientOptions::default()).unwrap();
    zk.start(common::EVENT_TIMEOUT).unwrap();
    // ensure_path creates the chroot itself when missing.
    zk.ensure_path("/inside", None).wait().unwrap();
    let created = zk
        .create("/inside/seq-", b"", &mode(CreateMode::PersistentSequential))
        .wait()
        .unwrap();
    assert_eq!(created.path, "/inside/seq-0000000000");
    let root = Client::new(&hosts, ClientOptions::default()).unwrap();
    root.start(common::EVENT_TIMEOUT).unwrap();
    assert!(root
        .exists(&format!("{chroot}/inside/seq-0000000000"))
        .wait()
        .unwrap()
        .is_some());
    assert_eq!(zk.get_children("/").wait().unwrap().0, ["inside"]);
    assert_eq!(zk.chroot(), Some(chroot.as_str()));
}

#[test]
fn sync_and_acl_choices() {
    let zk = shared_client("sync");
    zk.sync("/").wait().unwrap();
    let read_only = CreateOptions {
        acl: Some(Acl::read_unsafe()),
        ..persistent()
    };
    zk.create("/ro", b"r", &read_only).wait().unwrap();
    assert_keeper(zk.set("/ro", b"w", -1).wait(), ErrorCode::NO_AUTH);
    let no_acl = CreateOptions {
        acl: Some(Vec::new()),
        ..persistent()
    };
    assert_keeper(
        zk.create("/none", b"", &no_acl).wait(),
        ErrorCode::INVALID_ACL,
    );
}

#[test]
fn stop_closes_the_session_ephemerals_go_at_once_and_calls_fail_closed() {
    let hosts = shared_hosts();
    let chroot = unique_chroot("stop");
    let owner = common::connect(&hosts, &chroot, ClientOptions::default());
    let observer = common::connect(&hosts, &chroot, ClientOptions::default());
    owner
        .create("/mine", b"", &mode(CreateMode::Ephemeral))
        .wait()
        .unwrap();
    owner.stop().unwrap();
    owner.stop().unwrap();
    assert_eq!(
        observer.exists("/mine").wait().unwrap(),
        None,
        "ephemeral survived stop()"
    );
    assert!(matches!(owner.get("/").wait(), Err(Error::Closed)));
    assert_eq!(owner.state(), zkclient::State::Lost);
    // A stopped client can start again, with a new session.
    owner.start(common::EVENT_TIMEOUT).unwrap();
    assert!(owner.exists("/").wait().unwrap().is_some());
}

#[test]
fn start_times_out_without_a_server() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let zk = Client::new(&format!("127.0.0.1:{port}"), ClientOptions::default()).unwrap();
    match zk.start(Duration::from_millis(700)) {
        Err(Error::Timeout(message)) => assert!(message.contains(&port.to_string()), "{message}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(zk.state(), zkclient::State::Lost);
    assert!(matches!(zk.exists("/").wait(), Err(Error::Closed)));
}

#[test]
fn many_threads_share_one_client() {
    let zk = shared_client("threads");
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let zk = zk.clone();
            std::thread::spawn(move || {
                for i in 0..50 {
                    let path = format!("/t{t}-{i}");
                    zk.create(&path, path.as_bytes(), &CreateOptions::default())
                        .wait()
                        .unwrap();
                    assert_eq!(zk.get(&path).wait().unwrap().0, path.as_bytes());
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(zk.get_children("/").wait().unwrap().0.len(), 400);
}
