//! The ensemble's configuration and dynamic reconfiguration against real servers: getConfig
//! (through a chroot too, and watched), incremental and bulk reconfigs, each refusal with its
//! code, its message and the configuration unchanged, the shared standalone server's answers,
//! and whoAmI with digest and x509 credentials; in Rust and through the C API.
//!
//! The ensembles come from `scripts/zk-server.sh start --reconfig` (reconfigEnabled, a
//! superuser `super`/`supersecret`); each test starts and stops its own.

mod common;

use std::ffi::{c_char, c_void, CStr};
use std::ptr::{null, null_mut};
use std::sync::mpsc::{channel, Sender};
use std::time::Duration;

use common::{c, last_message, shared_client, unique_chroot, Cluster, EVENT_TIMEOUT};
use zkclient::client::CONFIG_NODE;
use zkclient::ffi::*;
use zkclient::proto::EventType;
use zkclient::{
    Client, ClientOptions, EnsembleConfig, EnsembleMember, Error, ErrorCode, HostAddr, MemberRole,
    Pem, TlsOptions, Wait,
};

const SUPERUSER: &[u8] = b"super:supersecret";

/// Server `id`'s spec as the script writes it (`server.N=127.0.0.1:Q:E:ROLE;127.0.0.1:C`).
fn spec(cluster: &Cluster, id: usize, role: &str) -> EnsembleMember {
    let line = cluster.server_spec(id, role);
    line.parse()
        .unwrap_or_else(|e| panic!("the script's spec {line:?}: {e}"))
}

/// A started client on server `id` only (so that a reconfig that removes another server
/// does not move it), under `chroot` if given, with the superuser's credential if asked.
fn client_on(cluster: &Cluster, id: usize, chroot: Option<&str>, superuser: bool) -> Client {
    let mut options = ClientOptions::default();
    if superuser {
        options.add_auth("digest", SUPERUSER).unwrap();
    }
    let host = format!("127.0.0.1:{}", cluster.port(id));
    match chroot {
        Some(chroot) => common::connect(&host, chroot, options),
        None => {
            let client = Client::new(&host, options).unwrap();
            client.start(EVENT_TIMEOUT).unwrap();
            client
        }
    }
}

/// The configuration as the leader committed it (sync first).
fn current(zk: &Client) -> EnsembleConfig {
    zk.sync("/").wait().unwrap();
    zk.get_config().wait().unwrap()
}

fn ids(config: &EnsembleConfig) -> Vec<u64> {
    let mut ids: Vec<u64> = config.members.iter().map(|m| m.id).collect();
    ids.sort();
    ids
}

/// `result` is the refusal `code`, its message says `says`, and the configuration is still
/// `before`.
fn assert_refused(
    result: zkclient::Result<EnsembleConfig>,
    code: ErrorCode,
    says: &str,
    zk: &Client,
    before: &EnsembleConfig,
) {
    match result {
        Err(error @ Error::ReconfigRefused { .. }) => {
            assert!(error.is(code), "expected {code:?}, got {error:?}");
            let message = error.to_string();
            assert!(message.contains(says), "{code:?}: {message}");
        }
        other => panic!("expected the refusal {code:?}, got {other:?}"),
    }
    let after = current(zk);
    assert_eq!(
        after.version, before.version,
        "{code:?} changed the version"
    );
    assert_eq!(
        after.members, before.members,
        "{code:?} changed the members"
    );
}

fn member_of(config: &EnsembleConfig, id: u64) -> &EnsembleMember {
    config
        .member(id)
        .unwrap_or_else(|| panic!("no server {id} in {config:?}"))
}

#[test]
fn an_ensemble_is_read_watched_and_reconfigured_and_refusals_leave_it_unchanged() {
    // Servers 1-3 form the ensemble; 4 is a spare.
    let cluster = Cluster::start_reconfig("reconfig", 4, 3, 1, 500);

    // Removing the leader would end every connection while a new one is elected: the
    // admin client sits on one follower, the watcher on the leader, and `victim` (the other
    // follower) is the one removed and added back.
    let leader = cluster.leader().expect("the ensemble has a leader");
    let followers: Vec<usize> = (1..=3).filter(|id| *id != leader).collect();
    let (home, victim) = (followers[0], followers[1] as u64);

    // getConfig: the members with their roles and the cluster's client ports.
    let admin = client_on(&cluster, home, None, true);
    let first = current(&admin);
    assert_eq!(ids(&first), [1, 2, 3], "{first:?}");
    assert!(first.version > 0, "{first:?}");
    assert_eq!(String::from_utf8_lossy(&first.data), cluster.config());
    for id in 1..=3 {
        let member = member_of(&first, id);
        assert_eq!(member.role, MemberRole::Participant, "{member:?}");
        assert_eq!(member, &spec(&cluster, id as usize, "participant"));
        assert_eq!(
            member.client_connect_address(),
            Some(HostAddr {
                host: "127.0.0.1".into(),
                port: cluster.port(id as usize)
            })
        );
    }
    let ports: Vec<String> = (1..=3)
        .map(|id| format!("127.0.0.1:{}", cluster.port(id)))
        .collect();
    assert_eq!(first.connect_string(), ports.join(","));

    // Through a chroot: the real /zookeeper/config, not /chroot/zookeeper/config; and a watch.
    let chroot = unique_chroot("reconfig");
    let watcher = client_on(&cluster, leader, Some(&chroot), false);
    let (tx, events) = channel();
    let (seen, _) = watcher
        .get_config_watch(move |event| tx.send(event).unwrap())
        .wait()
        .unwrap();
    assert_eq!(seen.members, first.members);
    assert_eq!(seen.version, first.version);

    // Refusals, each leaving the configuration as it was.
    let plain = client_on(&cluster, home, None, false);
    assert_refused(
        plain.reconfig_incremental(&[], &[victim], -1).wait(),
        ErrorCode::NO_AUTH,
        "superuser",
        &admin,
        &first,
    );
    assert_refused(
        admin
            .reconfig_incremental(&[], &[victim], first.version + 1)
            .wait(),
        ErrorCode::BAD_VERSION,
        &format!("{:#x}", first.version + 1),
        &admin,
        &first,
    );
    // {home, 4} would need the spare 4, which is not running.
    let others: Vec<u64> = (1..=3).filter(|id| *id != home as u64).collect();
    assert_refused(
        admin
            .reconfig_incremental(&[spec(&cluster, 4, "participant")], &others, first.version)
            .wait(),
        ErrorCode::NEW_CONFIG_NO_QUORUM,
        "quorum",
        &admin,
        &first,
    );
    // No voting member left.
    assert_refused(
        admin
            .reconfig_incremental(&[], &[1, 2, 3], first.version)
            .wait(),
        ErrorCode::BAD_ARGUMENTS,
        "voting members",
        &admin,
        &first,
    );
    // Only an observer: 3.8.0's parser throws, which the server answers as a marshalling
    // error.
    assert_refused(
        admin
            .reconfig_bulk(&[spec(&cluster, 4, "observer")], first.version)
            .wait(),
        ErrorCode::MARSHALLING_ERROR,
        "without any participant",
        &admin,
        &first,
    );
    assert!(
        events.try_recv().is_err(),
        "the watch fired without a change"
    );

    // Incremental: remove the victim, guarded by the version read.
    let removed = admin
        .reconfig_incremental(&[], &[victim], first.version)
        .wait()
        .unwrap();
    let remaining: Vec<u64> = (1..=3).filter(|id| *id != victim).collect();
    assert_eq!(ids(&removed), remaining, "{removed:?}");
    assert!(removed.version > first.version);
    assert_eq!(current(&admin), removed);
    let event = events
        .recv_timeout(EVENT_TIMEOUT)
        .expect("the config watch fires after the reconfig");
    assert_eq!(event.event_type, EventType::NodeDataChanged);
    assert_eq!(event.path, CONFIG_NODE);
    watcher.sync("/").wait().unwrap();
    assert_eq!(ids(&watcher.get_config().wait().unwrap()), remaining);

    // The old version no longer applies; add the victim back from the new one.
    assert_refused(
        admin
            .reconfig_incremental(&[member_of(&first, victim).clone()], &[], first.version)
            .wait(),
        ErrorCode::BAD_VERSION,
        "get_config",
        &admin,
        &removed,
    );
    let back = admin
        .reconfig_incremental(&[member_of(&first, victim).clone()], &[], removed.version)
        .wait()
        .unwrap();
    assert_eq!(ids(&back), [1, 2, 3]);
    assert_eq!(member_of(&back, victim), member_of(&first, victim));
    assert!(back.version > removed.version);

    // Bulk: the three participants and the spare 4, started, as an observer.
    cluster.join_server(4, true);
    let mut members = back.members.clone();
    members.push(spec(&cluster, 4, "observer"));
    let bulk = admin.reconfig_bulk(&members, back.version).wait().unwrap();
    assert_eq!(ids(&bulk), [1, 2, 3, 4]);
    assert_eq!(member_of(&bulk, 4).role, MemberRole::Observer);
    assert_eq!(
        member_of(&bulk, 4).client_connect_address().unwrap().port,
        cluster.port(4)
    );
    let seen = current(&watcher);
    assert_eq!(seen.version, bulk.version);
    assert_eq!(seen.members, bulk.members);
    assert_eq!(
        seen.connect_string().split(',').count(),
        4,
        "{}",
        seen.connect_string()
    );

    // The C API reads the same, and refuses the same way.
    let connect = format!("127.0.0.1:{}", cluster.port(home));
    c_reads_and_refuses(&connect, &bulk);

    for zk in [admin, watcher, plain] {
        zk.stop().unwrap();
    }
}

/// Through the C API on `connect` (as the superuser): zk_get_config's accessors match
/// `expected`, and a reconfig from a stale version is ZK_EBADVERSION with its message.
fn c_reads_and_refuses(connect: &str, expected: &EnsembleConfig) {
    // SAFETY: valid arguments throughout; everything the library returns is freed once.
    unsafe {
        let options = zk_options_new();
        assert_eq!(
            zk_options_add_auth(
                options,
                c("digest").as_ptr(),
                SUPERUSER.as_ptr(),
                SUPERUSER.len()
            ),
            zk_error::ZK_OK
        );
        let mut client = null_mut();
        assert_eq!(
            zk_client_new(c(connect).as_ptr(), options, &mut client),
            zk_error::ZK_OK
        );
        zk_options_free(options);
        assert_eq!(zk_client_start(client, 30_000), zk_error::ZK_OK);
        assert_eq!(zk_sync(client, c("/").as_ptr()), zk_error::ZK_OK);

        let mut config = null_mut();
        assert_eq!(zk_get_config(client, &mut config), zk_error::ZK_OK);
        assert_eq!(zk_ensemble_config_version(config), expected.version);
        assert_eq!(
            zk_ensemble_config_member_count(config),
            expected.members.len()
        );
        let text = |ptr: *const c_char| CStr::from_ptr(ptr).to_str().unwrap().to_string();
        for (index, want) in expected.members.iter().enumerate() {
            let member = zk_ensemble_config_member(config, index);
            assert!(!member.is_null());
            assert_eq!(zk_ensemble_member_id(member), want.id);
            let role = match want.role {
                MemberRole::Participant => zk_member_role::ZK_MEMBER_PARTICIPANT,
                MemberRole::Observer => zk_member_role::ZK_MEMBER_OBSERVER,
            };
            assert_eq!(zk_ensemble_member_role(member), role);
            assert_eq!(
                text(zk_ensemble_member_quorum_host(member)),
                want.quorum_address.host
            );
            assert_eq!(
                zk_ensemble_member_quorum_port(member),
                want.quorum_address.port
            );
            assert_eq!(zk_ensemble_member_election_port(member), want.election_port);
            let client_address = want.client_address.as_ref().unwrap();
            assert_eq!(
                text(zk_ensemble_member_client_host(member)),
                client_address.host
            );
            assert_eq!(zk_ensemble_member_client_port(member), client_address.port);
            assert_eq!(
                text(zk_ensemble_member_connect_host(member)),
                want.client_connect_address().unwrap().host
            );
            assert_eq!(text(zk_ensemble_member_spec(member)), want.to_string());
            assert_eq!(zk_ensemble_config_member_by_id(config, want.id), member);
        }
        assert!(zk_ensemble_config_member(config, expected.members.len()).is_null());
        assert!(zk_ensemble_config_member_by_id(config, 99).is_null());
        assert_eq!(
            text(zk_ensemble_config_connect_string(config)),
            expected.connect_string()
        );
        let mut len = 0;
        let data = zk_ensemble_config_data(config, &mut len);
        assert_eq!(std::slice::from_raw_parts(data, len), &expected.data[..]);
        let mut stat = zk_stat::default();
        assert_eq!(zk_ensemble_config_stat(config, &mut stat), zk_error::ZK_OK);
        assert_eq!(stat.mzxid, expected.stat.mzxid);

        // Remove the first member from a stale version: refused, *out untouched.
        let leaving = [expected.members[0].id];
        let mut out = null_mut();
        assert_eq!(
            zk_reconfig_incremental(
                client,
                null(),
                0,
                leaving.as_ptr(),
                1,
                expected.version - 1,
                &mut out
            ),
            zk_error::ZK_EBADVERSION
        );
        assert!(out.is_null());
        assert!(
            last_message().contains("is not version"),
            "{}",
            last_message()
        );
        // The same from the current version, with a spec that is not one: nothing sent.
        let bad_spec = c("server.9=nohost");
        let bad = [bad_spec.as_ptr()];
        assert_eq!(
            zk_reconfig_incremental(
                client,
                bad.as_ptr(),
                1,
                null(),
                0,
                expected.version,
                &mut out
            ),
            zk_error::ZK_EINVAL
        );
        assert!(
            last_message().contains("server.9=nohost"),
            "{}",
            last_message()
        );
        let mut after = null_mut();
        assert_eq!(zk_get_config(client, &mut after), zk_error::ZK_OK);
        assert_eq!(zk_ensemble_config_version(after), expected.version);
        zk_ensemble_config_free(after);
        zk_ensemble_config_free(config);
        zk_client_free(client);
    }
}

#[test]
fn the_shared_standalone_server_has_an_empty_config_and_refuses_reconfig() {
    // 3.8 standalone without a dynamic configuration: an empty node.
    let zk = shared_client("config-standalone");
    let config = zk.get_config().wait().unwrap();
    assert!(config.members.is_empty(), "{config:?}");
    assert_eq!(config.version, 0);
    assert!(config.data.is_empty());
    assert_eq!(config.connect_string(), "");
    let member: EnsembleMember = "server.2=127.0.0.1:2888:3888;2181".parse().unwrap();
    let refused = zk.reconfig_incremental(&[member], &[], -1).wait();
    match &refused {
        Err(error @ Error::ReconfigRefused { .. }) => {
            assert!(error.is(ErrorCode::RECONFIG_DISABLED), "{error:?}");
            assert!(error.to_string().contains("reconfigEnabled"), "{error}");
        }
        other => panic!("expected RECONFIG_DISABLED, got {other:?}"),
    }
    // Nothing to change is refused before anything is sent.
    for refused in [
        zk.reconfig_incremental(&[], &[], -1).wait(),
        zk.reconfig_bulk(&[], -1).wait(),
    ] {
        assert!(
            matches!(refused, Err(Error::InvalidArgument(_))),
            "{refused:?}"
        );
    }
    let no_client_port: EnsembleMember = "server.2=h:1:2".parse().unwrap();
    let refused = zk.reconfig_incremental(&[no_client_port], &[], -1).wait();
    assert!(
        matches!(&refused, Err(Error::InvalidArgument(m)) if m.contains("client port")),
        "{refused:?}"
    );
    zk.stop().unwrap();
}

#[test]
fn who_am_i_names_a_digest_user_in_rust_and_in_c() {
    let mut options = ClientOptions::default();
    options.add_auth("digest", b"carol:secret").unwrap();
    let zk = common::connect(
        &common::shared_hosts(),
        &unique_chroot("whoami-digest"),
        options,
    );
    let identities = zk.who_am_i().wait().unwrap();
    assert!(
        identities
            .iter()
            .any(|id| id.auth_scheme == "digest" && id.user == "carol"),
        "{identities:?}"
    );
    zk.stop().unwrap();

    let client = common::c_client("whoami-digest-c");
    let credential = b"dave:secret";
    // SAFETY: valid arguments; the list is freed once.
    unsafe {
        assert_eq!(
            zk_add_auth(
                client,
                c("digest").as_ptr(),
                credential.as_ptr(),
                credential.len()
            ),
            zk_error::ZK_OK
        );
        let mut list = zk_identity_list {
            items: null_mut(),
            count: 0,
        };
        assert_eq!(zk_who_am_i(client, &mut list), zk_error::ZK_OK);
        let entries = std::slice::from_raw_parts(list.items, list.count);
        let pairs: Vec<(String, String)> = entries
            .iter()
            .map(|entry| {
                (
                    CStr::from_ptr(entry.scheme).to_string_lossy().into_owned(),
                    CStr::from_ptr(entry.id).to_string_lossy().into_owned(),
                )
            })
            .collect();
        assert!(
            pairs.contains(&("digest".into(), "dave".into())),
            "{pairs:?}"
        );
        assert!(
            pairs.contains(&("ip".into(), "127.0.0.1".into())),
            "{pairs:?}"
        );
        zk_identity_list_free(&mut list);
        assert!(list.items.is_null() && list.count == 0);
        zk_identity_list_free(&mut list);
        zk_identity_list_free(null_mut());
        zk_client_free(client);
    }
}

#[test]
fn who_am_i_names_an_x509_client_by_its_certificate() {
    let cluster = Cluster::start_with("whoami-tls", 1, 2000, &["--tls", "need"]);
    let tls = TlsOptions {
        ca: Some(Pem::File(cluster.tls_file("ca.pem"))),
        client_certificate: Some((
            Pem::File(cluster.tls_file("client1.pem")),
            Pem::File(cluster.tls_file("client1.key")),
        )),
        ..TlsOptions::default()
    };
    let zk = Client::new(
        &cluster.secure_hosts(),
        ClientOptions {
            tls: Some(tls),
            ..ClientOptions::default()
        },
    )
    .unwrap();
    zk.start(EVENT_TIMEOUT).unwrap();
    let identities = zk.who_am_i().wait().unwrap();
    assert!(
        identities
            .iter()
            .any(|id| id.auth_scheme == "x509" && id.user == "CN=client1"),
        "{identities:?}"
    );
    zk.stop().unwrap();
}

unsafe extern "C" fn record_event(event: *const zk_watch_event, user_data: *mut c_void) {
    // SAFETY: user_data is the Sender given with the watch; the event lives for the call.
    unsafe {
        let sender = &*(user_data as *const Sender<i32>);
        let _ = sender.send((*event).event_type as i32);
    }
}

unsafe extern "C" fn free_sender(user_data: *mut c_void) {
    // SAFETY: boxed by the test, freed exactly once by the library.
    drop(unsafe { Box::from_raw(user_data as *mut Sender<i32>) });
}

#[test]
fn the_c_functions_check_their_arguments() {
    let client = common::c_client("config-c-arguments");
    let text = |ptr: *const c_char| {
        // SAFETY: the library returns NUL-terminated strings.
        unsafe { CStr::from_ptr(ptr) }
            .to_string_lossy()
            .into_owned()
    };
    // SAFETY: the calls are given NULL or valid pointers, as each test case says.
    unsafe {
        let mut config = null_mut();
        assert_eq!(zk_get_config(null_mut(), &mut config), zk_error::ZK_EINVAL);
        assert!(
            last_message().contains("client is NULL"),
            "{}",
            last_message()
        );
        assert_eq!(zk_get_config(client, null_mut()), zk_error::ZK_EINVAL);
        assert!(last_message().contains("out is NULL"), "{}", last_message());

        // The standalone shared server: an empty configuration.
        assert_eq!(zk_get_config(client, &mut config), zk_error::ZK_OK);
        assert_eq!(zk_ensemble_config_member_count(config), 0);
        assert_eq!(zk_ensemble_config_version(config), 0);
        assert_eq!(text(zk_ensemble_config_connect_string(config)), "");
        let mut len = 7;
        assert!(zk_ensemble_config_data(config, &mut len).is_null());
        assert_eq!(len, 0);
        assert!(zk_ensemble_config_member(config, 0).is_null());
        zk_ensemble_config_free(config);

        // NULL handles read as nothing.
        zk_ensemble_config_free(null_mut());
        assert_eq!(zk_ensemble_config_version(null()), 0);
        assert_eq!(zk_ensemble_config_member_count(null()), 0);
        assert!(zk_ensemble_config_member(null(), 0).is_null());
        assert!(zk_ensemble_config_member_by_id(null(), 1).is_null());
        assert!(zk_ensemble_config_data(null(), null_mut()).is_null());
        assert!(zk_ensemble_config_connect_string(null()).is_null());
        let mut stat = zk_stat::default();
        assert_eq!(
            zk_ensemble_config_stat(null(), &mut stat),
            zk_error::ZK_EINVAL
        );
        assert_eq!(zk_ensemble_member_id(null()), 0);
        assert_eq!(
            zk_ensemble_member_role(null()),
            zk_member_role::ZK_MEMBER_ROLE_NONE
        );
        assert!(zk_ensemble_member_quorum_host(null()).is_null());
        assert_eq!(zk_ensemble_member_quorum_port(null()), 0);
        assert_eq!(zk_ensemble_member_election_port(null()), 0);
        assert!(zk_ensemble_member_client_host(null()).is_null());
        assert!(zk_ensemble_member_connect_host(null()).is_null());
        assert_eq!(zk_ensemble_member_client_port(null()), 0);
        assert!(zk_ensemble_member_spec(null()).is_null());

        // The watch variant: a NULL watcher is refused and the user data freed at once.
        let (tx, rx) = channel::<i32>();
        let user_data = Box::into_raw(Box::new(tx)) as *mut c_void;
        assert_eq!(
            zk_get_config_watch(
                client,
                None,
                user_data,
                Some(free_sender),
                &mut config,
                null_mut()
            ),
            zk_error::ZK_EINVAL
        );
        assert!(
            last_message().contains("watcher is NULL"),
            "{}",
            last_message()
        );
        assert!(
            matches!(
                rx.recv_timeout(Duration::ZERO),
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected)
            ),
            "the user data was not freed"
        );
        // A watch set, then removed: the user data goes with it.
        let (tx, rx) = channel::<i32>();
        let user_data = Box::into_raw(Box::new(tx)) as *mut c_void;
        let mut id = 0;
        assert_eq!(
            zk_get_config_watch(
                client,
                Some(record_event),
                user_data,
                Some(free_sender),
                &mut config,
                &mut id
            ),
            zk_error::ZK_OK
        );
        assert_ne!(id, 0);
        zk_ensemble_config_free(config);
        assert_eq!(zk_remove_watch(client, id), zk_error::ZK_OK);
        assert!(matches!(
            rx.recv_timeout(EVENT_TIMEOUT),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected)
        ));

        // Reconfig arguments: NULL arrays with counts, NULL or bad specs, nothing to change.
        let mut out = null_mut();
        assert_eq!(
            zk_reconfig_incremental(client, null(), 1, null(), 0, -1, &mut out),
            zk_error::ZK_EINVAL
        );
        assert!(
            last_message().contains("joining is NULL"),
            "{}",
            last_message()
        );
        assert_eq!(
            zk_reconfig_incremental(client, null(), 0, null(), 2, -1, &mut out),
            zk_error::ZK_EINVAL
        );
        assert!(
            last_message().contains("leaving is NULL"),
            "{}",
            last_message()
        );
        assert_eq!(
            zk_reconfig_incremental(client, null(), 0, null(), 0, -1, &mut out),
            zk_error::ZK_EINVAL
        );
        assert!(
            last_message().contains("at least one joining or leaving"),
            "{}",
            last_message()
        );
        let null_spec = [null::<c_char>()];
        assert_eq!(
            zk_reconfig_bulk(client, null_spec.as_ptr(), 1, -1, &mut out),
            zk_error::ZK_EINVAL
        );
        assert!(
            last_message().contains("members[0] is NULL"),
            "{}",
            last_message()
        );
        let not_utf8 = [c"server.1=\xff:1:2;3".as_ptr()];
        assert_eq!(
            zk_reconfig_bulk(client, not_utf8.as_ptr(), 1, -1, &mut out),
            zk_error::ZK_EINVAL
        );
        assert!(last_message().contains("UTF-8"), "{}", last_message());
        let bad_role = c("server.1=h:1:2:leader;3");
        assert_eq!(
            zk_reconfig_bulk(client, [bad_role.as_ptr()].as_ptr(), 1, -1, &mut out),
            zk_error::ZK_EINVAL
        );
        assert!(
            last_message().contains("unknown role"),
            "{}",
            last_message()
        );
        assert_eq!(
            zk_reconfig_bulk(client, null(), 0, -1, &mut out),
            zk_error::ZK_EINVAL
        );
        // A valid request reaches the standalone server, which has reconfig disabled.
        let spec = c("server.2=127.0.0.1:2888:3888:participant;127.0.0.1:2181");
        assert_eq!(
            zk_reconfig_incremental(client, [spec.as_ptr()].as_ptr(), 1, null(), 0, -1, &mut out),
            zk_error::ZK_ERECONFIGDISABLED
        );
        assert!(
            last_message().contains("reconfigEnabled"),
            "{}",
            last_message()
        );
        assert!(out.is_null(), "*out was written on failure");

        // whoAmI arguments.
        let mut list = zk_identity_list {
            items: null_mut(),
            count: 0,
        };
        assert_eq!(zk_who_am_i(null_mut(), &mut list), zk_error::ZK_EINVAL);
        assert_eq!(zk_who_am_i(client, null_mut()), zk_error::ZK_EINVAL);

        // A stopped client.
        assert_eq!(zk_client_stop(client), zk_error::ZK_OK);
        assert_eq!(zk_get_config(client, &mut config), zk_error::ZK_ECLOSED);
        assert_eq!(
            zk_reconfig_incremental(client, [spec.as_ptr()].as_ptr(), 1, null(), 0, -1, &mut out),
            zk_error::ZK_ECLOSED
        );
        assert_eq!(zk_who_am_i(client, &mut list), zk_error::ZK_ECLOSED);
        assert!(list.items.is_null());
        zk_client_free(client);
    }
}
