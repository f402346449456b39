//! ACLs (get/set, versions, read-only and digest ACLs), digest ids, getEphemerals,
//! getAllChildrenNumber, whoAmI and four-letter words against the shared real server, in Rust
//! and through the C API. Each test works under its own chroot.

mod common;

use std::ffi::{c_char, CStr};
use std::ptr::{null, null_mut};
use std::time::Duration;

use common::{connect, shared_client, shared_hosts, unique_chroot};
use zkclient::client::{digest_acl, digest_acl_id, four_letter_word};
use zkclient::ffi::*;
use zkclient::proto::perms;
use zkclient::{Acl, ClientOptions, CreateMode, CreateOptions, Error, ErrorCode, Id, Wait};

fn assert_keeper<T: std::fmt::Debug>(result: zkclient::Result<T>, code: ErrorCode) {
    match result {
        Err(Error::Keeper(got)) if got == code => {}
        other => panic!("expected {code:?}, got {other:?}"),
    }
}

fn with_acl(acl: Vec<Acl>) -> CreateOptions {
    CreateOptions {
        acl: Some(acl),
        ..CreateOptions::default()
    }
}

fn ephemeral() -> CreateOptions {
    CreateOptions {
        mode: CreateMode::Ephemeral,
        ..CreateOptions::default()
    }
}

fn sorted(mut paths: Vec<String>) -> Vec<String> {
    paths.sort();
    paths
}

/// The first server of the shared connect string (four-letter words go to one server).
fn first_host() -> String {
    shared_hosts()
        .split(',')
        .next()
        .expect("a host")
        .to_string()
}

#[test]
fn a_default_node_has_the_open_acl_and_set_acl_checks_the_acl_version() {
    let zk = shared_client("acl-version");
    zk.create("/n", b"x", &CreateOptions::default())
        .wait()
        .unwrap();
    let (acl, stat) = zk.get_acl("/n").wait().unwrap();
    assert_eq!(acl, Acl::open_unsafe());
    assert_eq!(stat.aversion, 0);

    let mut both = Acl::read_unsafe();
    both.push(digest_acl("alice", "secret", perms::ALL));
    assert_keeper(zk.set_acl("/n", &both, 5).wait(), ErrorCode::BAD_VERSION);
    let stat = zk.set_acl("/n", &both, 0).wait().unwrap();
    assert_eq!(stat.aversion, 1);
    assert_eq!(stat.version, 0, "the data version is untouched");
    // Without ADMIN on the node the server hides the hash of digest ids.
    let (acl, stat) = zk.get_acl("/n").wait().unwrap();
    let mut redacted = both.clone();
    redacted[1].id.id = "alice:x".into();
    assert_eq!(acl, redacted);
    assert_eq!(stat.aversion, 1);

    // The node is now read-only for this session (the digest entry is not ours).
    assert_keeper(zk.set("/n", b"y", -1).wait(), ErrorCode::NO_AUTH);
    assert_keeper(
        zk.set_acl("/n", &Acl::open_unsafe(), -1).wait(),
        ErrorCode::NO_AUTH,
    );

    zk.create("/m", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    // With ADMIN (here through world:anyone) digest ids come back whole.
    let mut admin = Acl::open_unsafe();
    admin.push(Acl::digest("bob", "pw", perms::READ));
    let stat = zk.set_acl("/m", &admin, -1).wait().unwrap();
    assert_eq!(stat.aversion, 1);
    assert_eq!(zk.get_acl("/m").wait().unwrap().0, admin);
    assert_keeper(zk.set_acl("/m", &admin, 0).wait(), ErrorCode::BAD_VERSION);
    assert_eq!(zk.set_acl("/m", &admin, 1).wait().unwrap().aversion, 2);
    assert_keeper(zk.set_acl("/m", &[], -1).wait(), ErrorCode::INVALID_ACL);
    assert_keeper(zk.get_acl("/missing").wait(), ErrorCode::NO_NODE);
    assert_keeper(
        zk.set_acl("/missing", &Acl::open_unsafe(), -1).wait(),
        ErrorCode::NO_NODE,
    );
    assert!(matches!(
        zk.get_acl("bad").wait(),
        Err(Error::InvalidPath { .. })
    ));
    // An unknown scheme, and `auth` without credentials, are the server's INVALID_ACL.
    let unknown = vec![Acl {
        perms: perms::ALL,
        id: Id {
            scheme: "nosuchscheme".into(),
            id: "x".into(),
        },
    }];
    assert_keeper(
        zk.set_acl("/m", &unknown, -1).wait(),
        ErrorCode::INVALID_ACL,
    );
    assert_keeper(
        zk.set_acl("/m", &Acl::creator_all(), -1).wait(),
        ErrorCode::INVALID_ACL,
    );
}

#[test]
fn a_read_only_node_refuses_writes_acl_changes_and_children() {
    let zk = shared_client("acl-read-only");
    zk.create("/ro", b"data", &with_acl(Acl::read_unsafe()))
        .wait()
        .unwrap();
    assert_eq!(zk.get("/ro").wait().unwrap().0, b"data");
    assert_eq!(zk.get_acl("/ro").wait().unwrap().0, Acl::read_unsafe());
    assert_keeper(zk.set("/ro", b"new", -1).wait(), ErrorCode::NO_AUTH);
    assert_keeper(
        zk.set_acl("/ro", &Acl::open_unsafe(), -1).wait(),
        ErrorCode::NO_AUTH,
    );
    assert_keeper(
        zk.create("/ro/child", b"", &CreateOptions::default())
            .wait(),
        ErrorCode::NO_AUTH,
    );
    // Deleting a node needs DELETE on its parent, which is open: allowed.
    zk.delete("/ro", -1).wait().unwrap();
}

#[test]
fn a_digest_acl_shuts_out_an_unauthenticated_session() {
    let zk = shared_client("acl-digest");
    let alice = vec![digest_acl("alice", "secret", perms::ALL)];
    assert_eq!(alice[0], Acl::digest("alice", "secret", perms::ALL));
    zk.create("/secret", b"hidden", &with_acl(alice.clone()))
        .wait()
        .unwrap();
    // exists needs no permission; everything else does.
    assert!(zk.exists("/secret").wait().unwrap().is_some());
    assert_keeper(zk.get("/secret").wait(), ErrorCode::NO_AUTH);
    assert_keeper(zk.get_children("/secret").wait(), ErrorCode::NO_AUTH);
    // Reading an ACL needs READ or ADMIN.
    assert_keeper(zk.get_acl("/secret").wait(), ErrorCode::NO_AUTH);
    assert_keeper(zk.set("/secret", b"", -1).wait(), ErrorCode::NO_AUTH);
    assert_keeper(
        zk.set_acl("/secret", &Acl::open_unsafe(), -1).wait(),
        ErrorCode::NO_AUTH,
    );
    assert_keeper(
        zk.create("/secret/x", b"", &CreateOptions::default())
            .wait(),
        ErrorCode::NO_AUTH,
    );
    // With alice's credential the same session gets in, and sees the ACL's full digest id.
    zk.add_auth("digest", b"alice:secret").wait().unwrap();
    assert_eq!(zk.get("/secret").wait().unwrap().0, b"hidden");
    let (acl, _) = zk.get_acl("/secret").wait().unwrap();
    assert_eq!(acl, alice);
    let who = zk.who_am_i().wait().unwrap();
    assert!(
        who.iter()
            .any(|info| info.auth_scheme == "digest" && info.user == "alice"),
        "{who:?}"
    );
}

#[test]
fn digest_ids_match_zookeeper_and_openssl() {
    assert_eq!(
        digest_acl_id("super", "test"),
        "super:D/InIHSb7yEEbrWz8b9l71RjZJU="
    );
    // The same computed by openssl, when it is installed.
    let openssl = std::process::Command::new("sh")
        .args([
            "-c",
            "printf %s alice:secret | openssl dgst -binary -sha1 | base64",
        ])
        .output();
    if let Ok(output) = openssl {
        let hash = String::from_utf8_lossy(&output.stdout).trim().to_string();
        if output.status.success() && hash.len() == 28 {
            assert_eq!(digest_acl_id("alice", "secret"), format!("alice:{hash}"));
        }
    }
    assert_ne!(
        digest_acl_id("alice", "secret"),
        digest_acl_id("alice", "Secret")
    );
}

#[test]
fn get_ephemerals_lists_this_sessions_nodes_only_without_the_chroot() {
    let hosts = shared_hosts();
    let chroot = unique_chroot("ephemerals");
    let zk = connect(&hosts, &chroot, ClientOptions::default());
    let other = connect(&hosts, &chroot, ClientOptions::default());
    zk.create("/e1", b"", &ephemeral()).wait().unwrap();
    zk.create("/dir", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    zk.create("/dir/e2", b"", &ephemeral()).wait().unwrap();
    zk.create("/persistent", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    other.create("/theirs", b"", &ephemeral()).wait().unwrap();
    other.create("/dir/e3", b"", &ephemeral()).wait().unwrap();

    assert_eq!(
        sorted(zk.get_ephemerals("/").wait().unwrap()),
        ["/dir/e2", "/e1"]
    );
    assert_eq!(zk.get_ephemerals("/dir").wait().unwrap(), ["/dir/e2"]);
    assert_eq!(zk.get_ephemerals("/e").wait().unwrap(), ["/e1"]);
    assert!(zk.get_ephemerals("/nothing").wait().unwrap().is_empty());
    assert_eq!(
        sorted(other.get_ephemerals("/").wait().unwrap()),
        ["/dir/e3", "/theirs"]
    );
    assert!(matches!(
        zk.get_ephemerals("/dir/").wait(),
        Err(Error::InvalidPath { .. })
    ));

    // Without a chroot the server's full paths come back.
    let root = zkclient::Client::new(&hosts, ClientOptions::default()).unwrap();
    root.start(common::EVENT_TIMEOUT).unwrap();
    root.create(&format!("{chroot}/root-eph"), b"", &ephemeral())
        .wait()
        .unwrap();
    assert_eq!(
        root.get_ephemerals(&chroot).wait().unwrap(),
        [format!("{chroot}/root-eph")]
    );
    root.stop().unwrap();

    other.stop().unwrap();
    assert!(zk.exists("/theirs").wait().unwrap().is_none());
}

#[test]
fn get_all_children_number_counts_every_descendant() {
    let zk = shared_client("children-number");
    let makepath = CreateOptions {
        makepath: true,
        ..CreateOptions::default()
    };
    for path in ["/t/a/b/c", "/t/a/d", "/t/e", "/tt/x"] {
        zk.create(path, b"", &makepath).wait().unwrap();
    }
    assert_eq!(zk.get_all_children_number("/t").wait().unwrap(), 5);
    assert_eq!(zk.get_all_children_number("/t/a").wait().unwrap(), 3);
    assert_eq!(zk.get_all_children_number("/t/e").wait().unwrap(), 0);
    assert_eq!(zk.get_all_children_number("/").wait().unwrap(), 8);
    assert_keeper(
        zk.get_all_children_number("/missing").wait(),
        ErrorCode::NO_NODE,
    );
}

#[test]
fn who_am_i_names_the_unauthenticated_session_by_its_ip() {
    let zk = shared_client("who-am-i");
    let identities = zk.who_am_i().wait().unwrap();
    assert!(
        identities
            .iter()
            .any(|info| info.auth_scheme == "ip" && info.user == "127.0.0.1"),
        "{identities:?}"
    );
}

#[test]
fn four_letter_words_and_the_server_version() {
    let zk = shared_client("four-letter-words");
    assert_eq!(zk.four_letter_word("ruok").wait().unwrap(), "imok");
    let srvr = zk.four_letter_word("srvr").wait().unwrap();
    assert!(srvr.contains("Mode"), "{srvr}");
    let mntr = zk.four_letter_word("mntr").wait().unwrap();
    assert!(mntr.contains("zk_version"), "{mntr}");

    let (major, minor, _patch) = zk.server_version().wait().unwrap();
    assert_eq!(major, 3);
    assert!(minor >= 5, "3.{minor}");

    let host = first_host();
    let second = Duration::from_secs(10);
    assert_eq!(
        four_letter_word(&host, "ruok", second).wait().unwrap(),
        "imok"
    );
    for bad in ["RUOK", "ruo", "ruokk", "ru k", ""] {
        assert!(
            matches!(
                zk.four_letter_word(bad).wait(),
                Err(Error::InvalidArgument(_))
            ),
            "{bad:?}"
        );
        assert!(
            matches!(
                four_letter_word(&host, bad, second).wait(),
                Err(Error::InvalidArgument(_))
            ),
            "{bad:?}"
        );
    }
    // A well-formed word the server does not know: it closes without a word.
    assert_eq!(four_letter_word(&host, "zzzz", second).wait().unwrap(), "");

    zk.stop().unwrap();
    assert_eq!(zk.four_letter_word("ruok").wait(), Err(Error::Closed));
    assert_eq!(zk.server_version().wait(), Err(Error::Closed));
}

// ---- The C API ----

use crate::common::{c, last_message};

/// Takes a string the library returned and frees it.
fn take_string(text: *mut c_char) -> String {
    assert!(!text.is_null());
    // SAFETY: a NUL-terminated string from the library, freed once right after.
    unsafe {
        let owned = CStr::from_ptr(text).to_string_lossy().into_owned();
        zk_string_free(text);
        owned
    }
}

/// A started C client on the shared server under a fresh chroot.
fn started_c_client(name: &str) -> *mut zk_client {
    let hosts = shared_hosts();
    let chroot = unique_chroot(name);
    connect(&hosts, &chroot, ClientOptions::default())
        .stop()
        .unwrap();
    let mut client = null_mut();
    // SAFETY: valid arguments.
    unsafe {
        assert_eq!(
            zk_client_new(c(&format!("{hosts}{chroot}")).as_ptr(), null(), &mut client),
            zk_error::ZK_OK
        );
        assert_eq!(zk_client_start(client, 30_000), zk_error::ZK_OK);
    }
    client
}

/// The entries of an ACL list as (perms, scheme, id).
fn acl_entries(list: &zk_acl_list) -> Vec<(i32, String, String)> {
    if list.count == 0 {
        assert!(list.items.is_null());
        return Vec::new();
    }
    // SAFETY: a list filled by zk_get_acl: `count` entries with valid strings.
    unsafe { std::slice::from_raw_parts(list.items, list.count) }
        .iter()
        .map(|entry| {
            // SAFETY: as above.
            let text = |ptr| unsafe { CStr::from_ptr(ptr) }.to_str().unwrap().to_string();
            (entry.perms, text(entry.scheme), text(entry.id))
        })
        .collect()
}

#[test]
fn c_get_acl_set_acl_and_digest_ids() {
    let zk = started_c_client("c-acl");
    let path = c("/node");
    // SAFETY: valid arguments, and NULL where the test says so.
    unsafe {
        assert_eq!(
            zk_create(zk, path.as_ptr(), null(), 0, null(), null_mut(), null_mut()),
            zk_error::ZK_OK
        );
        let mut list = zk_acl_list {
            items: 0x1 as *mut zk_acl,
            count: 77,
        };
        let mut stat = zk_stat::default();
        assert_eq!(
            zk_get_acl(zk, path.as_ptr(), &mut list, &mut stat),
            zk_error::ZK_OK
        );
        assert_eq!(
            acl_entries(&list),
            [(31, "world".to_string(), "anyone".to_string())]
        );
        assert_eq!(stat.aversion, 0);
        zk_acl_list_free(&mut list);
        assert!(list.items.is_null());
        assert_eq!(list.count, 0);
        zk_acl_list_free(&mut list); // reset: freeing again is fine
        zk_acl_list_free(null_mut());
        // Both outputs are optional.
        assert_eq!(
            zk_get_acl(zk, path.as_ptr(), null_mut(), null_mut()),
            zk_error::ZK_OK
        );

        // A digest id for a digest entry.
        let mut id: *mut c_char = null_mut();
        assert_eq!(
            zk_digest_acl_id(c("super").as_ptr(), c("test").as_ptr(), &mut id),
            zk_error::ZK_OK
        );
        assert_eq!(take_string(id), "super:D/InIHSb7yEEbrWz8b9l71RjZJU=");
        let mut id: *mut c_char = null_mut();
        assert_eq!(
            zk_digest_acl_id(c("alice").as_ptr(), c("secret").as_ptr(), &mut id),
            zk_error::ZK_OK
        );
        let alice_id = take_string(id);
        assert_eq!(alice_id, digest_acl_id("alice", "secret"));

        let (world, anyone, digest, alice) = (c("world"), c("anyone"), c("digest"), c(&alice_id));
        let entries = [
            zk_acl {
                perms: zk_perm::ZK_PERM_READ as i32,
                scheme: world.as_ptr(),
                id: anyone.as_ptr(),
            },
            zk_acl {
                perms: zk_perm::ZK_PERM_ALL as i32,
                scheme: digest.as_ptr(),
                id: alice.as_ptr(),
            },
        ];
        let mut stat = zk_stat {
            aversion: 99,
            ..zk_stat::default()
        };
        assert_eq!(
            zk_set_acl(zk, path.as_ptr(), entries.as_ptr(), 2, 3, &mut stat),
            zk_error::ZK_EBADVERSION
        );
        assert_eq!(stat.aversion, 99, "output written on failure");
        assert_eq!(
            zk_set_acl(zk, path.as_ptr(), entries.as_ptr(), 2, 0, &mut stat),
            zk_error::ZK_OK
        );
        assert_eq!(stat.aversion, 1);
        let mut list = zk_acl_list {
            items: null_mut(),
            count: 0,
        };
        assert_eq!(
            zk_get_acl(zk, path.as_ptr(), &mut list, null_mut()),
            zk_error::ZK_OK
        );
        assert_eq!(
            acl_entries(&list),
            [
                (1, "world".to_string(), "anyone".to_string()),
                // No ADMIN for this session: the server hides the hash.
                (31, "digest".to_string(), "alice:x".to_string()),
            ]
        );
        zk_acl_list_free(&mut list);
        // Read-only for us now.
        assert_eq!(
            zk_set(zk, path.as_ptr(), null(), 0, -1, null_mut()),
            zk_error::ZK_ENOAUTH
        );
        assert_eq!(
            zk_set_acl(zk, path.as_ptr(), entries.as_ptr(), 1, -1, null_mut()),
            zk_error::ZK_ENOAUTH
        );

        // NULL handling: ZK_EINVAL naming the argument, outputs untouched.
        let mut list = zk_acl_list {
            items: 0x1 as *mut zk_acl,
            count: 5,
        };
        assert_eq!(
            zk_get_acl(null_mut(), path.as_ptr(), &mut list, null_mut()),
            zk_error::ZK_EINVAL
        );
        assert!(
            last_message().contains("client is NULL"),
            "{}",
            last_message()
        );
        assert_eq!(
            zk_get_acl(zk, null(), &mut list, null_mut()),
            zk_error::ZK_EINVAL
        );
        assert_eq!(
            zk_get_acl(zk, c("/missing").as_ptr(), &mut list, null_mut()),
            zk_error::ZK_ENONODE
        );
        assert_eq!(
            zk_get_acl(zk, c("bad").as_ptr(), &mut list, null_mut()),
            zk_error::ZK_EBADPATH
        );
        assert_eq!((list.items, list.count), (0x1 as *mut zk_acl, 5));
        assert_eq!(
            zk_set_acl(zk, path.as_ptr(), null(), 1, -1, null_mut()),
            zk_error::ZK_EINVAL
        );
        assert!(last_message().contains("acl is NULL"), "{}", last_message());
        assert_eq!(
            zk_set_acl(zk, path.as_ptr(), null(), 0, -1, null_mut()),
            zk_error::ZK_EINVALIDACL
        );
        let no_id = [zk_acl {
            perms: 31,
            scheme: world.as_ptr(),
            id: null(),
        }];
        assert_eq!(
            zk_set_acl(zk, path.as_ptr(), no_id.as_ptr(), 1, -1, null_mut()),
            zk_error::ZK_EINVAL
        );
        assert_eq!(
            zk_set_acl(
                null_mut(),
                path.as_ptr(),
                entries.as_ptr(),
                1,
                -1,
                null_mut()
            ),
            zk_error::ZK_EINVAL
        );
        let mut id: *mut c_char = 0x1 as *mut c_char;
        assert_eq!(
            zk_digest_acl_id(null(), c("pw").as_ptr(), &mut id),
            zk_error::ZK_EINVAL
        );
        assert!(
            last_message().contains("user is NULL"),
            "{}",
            last_message()
        );
        assert_eq!(
            zk_digest_acl_id(c("u").as_ptr(), null(), &mut id),
            zk_error::ZK_EINVAL
        );
        assert_eq!(id, 0x1 as *mut c_char);
        assert_eq!(
            zk_digest_acl_id(c("u").as_ptr(), c("pw").as_ptr(), null_mut()),
            zk_error::ZK_EINVAL
        );
        zk_client_free(zk);
    }
}

#[test]
fn c_ephemerals_children_number_four_letter_words_and_version() {
    let zk = started_c_client("c-admin");
    // SAFETY: valid arguments, and NULL where the test says so.
    unsafe {
        let mut options = std::mem::MaybeUninit::<zk_create_options>::uninit();
        assert_eq!(
            zk_create_options_init(options.as_mut_ptr(), ZK_CREATE_OPTIONS_VERSION),
            zk_error::ZK_OK
        );
        let mut options = options.assume_init();
        options.mode = zk_create_mode::ZK_EPHEMERAL as i32;
        options.makepath = true;
        for path in ["/a/e1", "/a/e2"] {
            assert_eq!(
                zk_create(
                    zk,
                    c(path).as_ptr(),
                    null(),
                    0,
                    &options,
                    null_mut(),
                    null_mut()
                ),
                zk_error::ZK_OK
            );
        }
        let mut list = zk_string_list {
            items: null_mut(),
            count: 0,
        };
        assert_eq!(
            zk_get_ephemerals(zk, c("/").as_ptr(), &mut list),
            zk_error::ZK_OK
        );
        // SAFETY: a list filled by the library.
        let mut paths: Vec<String> = std::slice::from_raw_parts(list.items, list.count)
            .iter()
            .map(|item| CStr::from_ptr(*item).to_str().unwrap().to_string())
            .collect();
        paths.sort();
        assert_eq!(paths, ["/a/e1", "/a/e2"]);
        zk_string_list_free(&mut list);
        assert_eq!(
            zk_get_ephemerals(zk, null(), &mut list),
            zk_error::ZK_EINVAL
        );
        assert!(
            last_message().contains("prefix is NULL"),
            "{}",
            last_message()
        );
        assert_eq!(
            zk_get_ephemerals(zk, c("/").as_ptr(), null_mut()),
            zk_error::ZK_EINVAL
        );
        assert_eq!(
            zk_get_ephemerals(zk, c("/a/").as_ptr(), &mut list),
            zk_error::ZK_EBADPATH
        );

        let mut count = -7;
        assert_eq!(
            zk_get_all_children_number(zk, c("/a").as_ptr(), &mut count),
            zk_error::ZK_OK
        );
        assert_eq!(count, 2);
        count = -7;
        assert_eq!(
            zk_get_all_children_number(zk, c("/nope").as_ptr(), &mut count),
            zk_error::ZK_ENONODE
        );
        assert_eq!(
            zk_get_all_children_number(zk, c("/a").as_ptr(), null_mut()),
            zk_error::ZK_EINVAL
        );
        assert_eq!(count, -7);

        let mut text: *mut c_char = null_mut();
        assert_eq!(
            zk_four_letter_word(zk, c("ruok").as_ptr(), &mut text),
            zk_error::ZK_OK
        );
        assert_eq!(take_string(text), "imok");
        let mut text: *mut c_char = 0x1 as *mut c_char;
        assert_eq!(
            zk_four_letter_word(zk, c("RUOK").as_ptr(), &mut text),
            zk_error::ZK_EINVAL
        );
        assert!(
            last_message().contains("not a four-letter word"),
            "{}",
            last_message()
        );
        assert_eq!(
            zk_four_letter_word(zk, null(), &mut text),
            zk_error::ZK_EINVAL
        );
        assert_eq!(
            zk_four_letter_word(null_mut(), c("ruok").as_ptr(), &mut text),
            zk_error::ZK_EINVAL
        );
        assert_eq!(
            zk_four_letter_word(zk, c("ruok").as_ptr(), null_mut()),
            zk_error::ZK_EINVAL
        );
        assert_eq!(text, 0x1 as *mut c_char);

        let host = c(&first_host());
        let mut text: *mut c_char = null_mut();
        assert_eq!(
            zk_four_letter_word_host(host.as_ptr(), c("srvr").as_ptr(), 10_000, &mut text),
            zk_error::ZK_OK
        );
        assert!(take_string(text).contains("Mode"));
        let mut text: *mut c_char = 0x1 as *mut c_char;
        assert_eq!(
            zk_four_letter_word_host(null(), c("ruok").as_ptr(), 10_000, &mut text),
            zk_error::ZK_EINVAL
        );
        assert_eq!(
            zk_four_letter_word_host(host.as_ptr(), c("ruok").as_ptr(), 0, &mut text),
            zk_error::ZK_EINVAL
        );
        assert_eq!(
            zk_four_letter_word_host(c("a:1,b:2").as_ptr(), c("ruok").as_ptr(), 10, &mut text),
            zk_error::ZK_EINVAL
        );
        assert_eq!(text, 0x1 as *mut c_char);

        let (mut major, mut minor, mut patch) = (0u32, 0u32, u32::MAX);
        assert_eq!(
            zk_server_version(zk, &mut major, &mut minor, &mut patch),
            zk_error::ZK_OK
        );
        assert_eq!(major, 3);
        assert!(minor >= 5);
        assert_ne!(patch, u32::MAX);
        assert_eq!(
            zk_server_version(zk, null_mut(), null_mut(), null_mut()),
            zk_error::ZK_OK
        );
        assert_eq!(
            zk_server_version(null_mut(), &mut major, null_mut(), null_mut()),
            zk_error::ZK_EINVAL
        );

        assert_eq!(zk_client_stop(zk), zk_error::ZK_OK);
        assert_eq!(
            zk_four_letter_word(zk, c("ruok").as_ptr(), &mut text),
            zk_error::ZK_ECLOSED
        );
        zk_client_free(zk);
    }
}
