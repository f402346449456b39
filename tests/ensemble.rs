//! Failover in a real 3-node ensemble: the server a client is on is stopped, and the client
//! moves to another with its session and ephemeral nodes intact.

mod common;

use std::time::Duration;

use common::{options, unique_chroot, Cluster, StateRecorder, EVENT_TIMEOUT};
use zkclient::{CreateMode, CreateOptions, KeeperState, Wait};

#[test]
fn stopping_the_clients_server_moves_it_to_another_with_the_session_intact() {
    let cluster = Cluster::start("failover", 3, 500);
    let zk = common::connect(
        &cluster.hosts,
        &unique_chroot("failover"),
        options(Duration::from_secs(10)),
    );
    let mut states = StateRecorder::attach(&zk);
    zk.create(
        "/eph",
        b"mine",
        &CreateOptions {
            mode: CreateMode::Ephemeral,
            ..CreateOptions::default()
        },
    )
    .wait()
    .unwrap();
    let before = zk.session_info();
    let server =
        cluster.server_with_port(before.server.clone().expect("connected to a server").port);

    cluster.stop_server(server);
    states.wait_for(KeeperState::Disconnected, EVENT_TIMEOUT);
    states.wait_for(KeeperState::SyncConnected, EVENT_TIMEOUT);

    let after = zk.session_info();
    assert_eq!(
        after.session_id, before.session_id,
        "the session did not survive the failover"
    );
    assert_ne!(after.server, before.server, "still on the stopped server");
    let (data, stat) = zk.get("/eph").wait().unwrap();
    assert_eq!(data, b"mine");
    assert_eq!(stat.ephemeral_owner, before.session_id);
    // Writes work on the remaining quorum.
    zk.create("/after", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    cluster.start_server(server);
}
