//! Checks of the reconfigurable ensembles of `scripts/zk-server.sh start --reconfig` and
//! their `Cluster` helpers: spare servers join, are added by a reconfig (as a participant and
//! as an observer) and serve clients, and are removed again.

mod common;

use std::time::Duration;

use common::{options, Cluster, EVENT_TIMEOUT};
use zkclient::{Client, CreateOptions, Wait};

/// The `server.I=...` lines of a configuration text, without its version line.
fn servers(config: &str) -> Vec<&str> {
    config
        .lines()
        .filter(|line| line.starts_with("server."))
        .collect()
}

fn version(config: &str) -> u64 {
    let hex = config
        .lines()
        .find_map(|line| line.strip_prefix("version="))
        .unwrap_or_else(|| panic!("no version line in {config:?}"));
    u64::from_str_radix(hex, 16).expect("the version is hex")
}

/// A client connected to server `id` alone.
fn client_on(cluster: &Cluster, id: usize) -> Client {
    let zk = Client::new(
        &format!("127.0.0.1:{}", cluster.port(id)),
        options(Duration::from_secs(10)),
    )
    .expect("connect string");
    zk.start(EVENT_TIMEOUT).expect("connects to the server");
    zk
}

#[test]
fn spare_servers_join_are_added_as_participant_and_observer_and_removed() {
    let cluster = Cluster::start_reconfig("ens-script", 5, 3, 1, 500);
    assert_eq!(cluster.hosts.split(',').count(), 3, "{}", cluster.hosts);
    let initial = cluster.config();
    assert_eq!(
        servers(&initial),
        (1..=3)
            .map(|id| cluster.server_spec(id, "participant"))
            .collect::<Vec<_>>()
    );
    // The znode holds the same text.
    let zk = client_on(&cluster, 1);
    let (data, _) = zk.get("/zookeeper/config").wait().unwrap();
    assert_eq!(String::from_utf8(data).unwrap(), initial);

    // Spares join as non-voting followers: they serve, the membership is unchanged.
    cluster.join_server(4, false);
    cluster.join_server(5, true);
    assert_eq!(cluster.config(), initial);
    let spec4 = cluster.server_spec(4, "participant");
    let spec5 = cluster.server_spec(5, "observer");
    assert!(spec5.ends_with(&format!(":observer;127.0.0.1:{}", cluster.port(5))));

    let added = cluster.reconfig(&["-add", &format!("{spec4},{spec5}")]);
    let config = cluster.config();
    assert!(added.contains(&config), "{added:?} vs {config:?}");
    assert_eq!(servers(&config)[3..], [spec4.as_str(), spec5.as_str()]);
    assert!(version(&config) > version(&initial));
    assert_eq!(cluster.member_hosts().split(',').count(), 5);
    assert_eq!(cluster.mode(4), "follower");
    assert_eq!(cluster.mode(5), "observer");

    // The observer serves what was written through the ensemble.
    zk.create(
        "/ens-script-node",
        b"written on 1",
        &CreateOptions::default(),
    )
    .wait()
    .unwrap();
    let observer = client_on(&cluster, 5);
    observer.sync("/ens-script-node").wait().unwrap();
    assert_eq!(
        observer.get("/ens-script-node").wait().unwrap().0,
        b"written on 1"
    );
    assert_eq!(client_on(&cluster, 4).get("/").wait().map(|_| ()), Ok(()));

    let removed = cluster.reconfig(&["-remove", "4,5"]);
    let config = cluster.config();
    assert!(removed.contains(&config));
    assert_eq!(servers(&config), servers(&initial));
    assert_eq!(cluster.member_hosts(), cluster.hosts);
    zk.delete("/ens-script-node", -1).wait().unwrap();
}
