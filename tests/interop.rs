//! kazoo (Python) on the same server as zkclient: the harness itself, and basic agreement on
//! paths, data and ephemeral nodes. Recipe interop tests live beside each recipe.

mod common;

use zkclient::{CreateMode, CreateOptions, Wait};

#[test]
fn kazoo_and_zkclient_see_the_same_tree() {
    let hosts = common::shared_hosts();
    let chroot = common::unique_chroot("interop");
    let zk = common::connect(&hosts, &chroot, Default::default());
    zk.create("/from-zkclient", b"\x00bytes", &CreateOptions::default())
        .wait()
        .unwrap();
    let ephemeral = CreateOptions {
        mode: CreateMode::Ephemeral,
        ..CreateOptions::default()
    };
    zk.create("/eph", b"", &ephemeral).wait().unwrap();
    let out = common::kazoo(
        &format!("{hosts}{chroot}"),
        "data, stat = zk.get('/from-zkclient')\n\
         print(repr(data))\n\
         print(zk.get('/eph')[1].ephemeralOwner)\n\
         zk.create('/from-kazoo', b'py')",
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "b'\\x00bytes'");
    assert_eq!(
        lines[1].parse::<i64>().unwrap(),
        zk.session_info().session_id
    );
    assert_eq!(zk.get("/from-kazoo").wait().unwrap().0, b"py");
}
