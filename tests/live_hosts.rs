//! Live host lists against real ensembles: `update_hosts` spreads sessions over a grown list
//! and moves them off removed servers without losing them, moves them to a disjoint set of
//! servers (from C too) with the chroot kept, and host names are resolved again on each
//! connection attempt (an injected resolver whose answer changes).

mod common;

use std::collections::BTreeMap;
use std::ffi::{c_void, CStr};
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{c, last_message, options, unique_chroot, Cluster, StateRecorder, EVENT_TIMEOUT};
use zkclient::ffi::{self, zk_error};
use zkclient::{Client, ClientOptions, CreateMode, CreateOptions, HostResolver, KeeperState, Wait};

fn ephemeral() -> CreateOptions {
    CreateOptions {
        mode: CreateMode::Ephemeral,
        ..CreateOptions::default()
    }
}

/// `host:port` of the servers `ids` of `cluster`.
fn hosts_of(cluster: &Cluster, ids: &[usize]) -> String {
    ids.iter()
        .map(|id| format!("127.0.0.1:{}", cluster.port(*id)))
        .collect::<Vec<_>>()
        .join(",")
}

/// The id of the server `client` is connected to.
fn server_of(cluster: &Cluster, client: &Client) -> usize {
    let server = client.session_info().server.expect("connected");
    cluster.server_with_port(server.port)
}

/// Waits until `client` has taken in every update made before (a request made after an
/// update is handled after it; one that meets the move's reconnection is retried).
fn settle(client: &Client) {
    client
        .retry(|| client.exists("/").wait())
        .expect("the client answers after the update");
}

fn distribution(cluster: &Cluster, clients: &[Client]) -> BTreeMap<usize, usize> {
    let mut spread = BTreeMap::new();
    for client in clients {
        *spread.entry(server_of(cluster, client)).or_insert(0) += 1;
    }
    spread
}

/// `count` started clients of `hosts`, a recorder of each one's states, and their sessions.
fn started_clients(
    hosts: &str,
    options: &ClientOptions,
    count: usize,
) -> (Vec<Client>, Vec<StateRecorder>, Vec<i64>) {
    let clients: Vec<Client> = (0..count)
        .map(|_| {
            let client = Client::new(hosts, options.clone()).unwrap();
            client.start(EVENT_TIMEOUT).expect("connects");
            client
        })
        .collect();
    let states = clients.iter().map(StateRecorder::attach).collect();
    let sessions = clients
        .iter()
        .map(|client| client.session_info().session_id)
        .collect();
    (clients, states, sessions)
}

/// No listener of `states` heard the session end.
fn assert_never_lost(states: &mut [StateRecorder]) {
    for (index, states) in states.iter_mut().enumerate() {
        states.drain();
        let lost: Vec<_> = states
            .seen
            .iter()
            .filter(|(_, keeper)| {
                matches!(
                    keeper,
                    KeeperState::Expired | KeeperState::Closed | KeeperState::AuthFailed
                )
            })
            .collect();
        assert!(lost.is_empty(), "client {index} lost its session: {lost:?}");
    }
}

#[test]
fn sessions_spread_over_a_grown_list_and_leave_removed_servers_without_loss() {
    let cluster = Cluster::start("live-hosts-grow", 5, 500);
    let three = hosts_of(&cluster, &[1, 2, 3]);
    let five = hosts_of(&cluster, &[1, 2, 3, 4, 5]);
    let (clients, mut states, sessions) =
        started_clients(&three, &options(Duration::from_secs(10)), 20);
    let before = distribution(&cluster, &clients);
    assert!(before.keys().all(|id| *id <= 3), "{before:?}");
    let chroot = unique_chroot("live-hosts-grow");
    clients[0].ensure_path(&chroot, None).wait().unwrap();
    for (index, client) in clients.iter().enumerate() {
        client
            .create(&format!("{chroot}/{index}"), b"", &ephemeral())
            .wait()
            .unwrap();
    }

    // 3 -> 5: each session moves with probability 2/5, to server 4 or 5.
    for client in &clients {
        client.update_hosts(&five).unwrap();
    }
    clients.iter().for_each(settle);
    let grown = distribution(&cluster, &clients);
    eprintln!("sessions per server: 3 servers {before:?}, grown to 5 {grown:?}");
    let on_added = grown.get(&4).unwrap_or(&0) + grown.get(&5).unwrap_or(&0);
    // All 20 staying has probability 0.6^20 < 1e-4.
    assert!(
        on_added > 0,
        "no session moved to the added servers: {grown:?}"
    );
    assert!(on_added < 20, "every session moved: {grown:?}");
    for (index, client) in clients.iter().enumerate() {
        assert_eq!(client.hosts().len(), 5);
        assert_eq!(client.session_info().session_id, sessions[index]);
    }
    assert_never_lost(&mut states);

    // 5 -> 3: those on 4 and 5 must move; those on 1-3 stay put, without a disconnection.
    let staying: Vec<usize> = (0..clients.len())
        .filter(|index| server_of(&cluster, &clients[*index]) <= 3)
        .collect();
    for states in &mut states {
        states.drain();
        states.seen.clear();
    }
    for client in &clients {
        client.update_hosts(&three).unwrap();
    }
    clients.iter().for_each(settle);
    let shrunk = distribution(&cluster, &clients);
    eprintln!("sessions per server: shrunk back to 3 {shrunk:?}");
    assert!(shrunk.keys().all(|id| *id <= 3), "{shrunk:?}");
    for index in staying {
        states[index].drain();
        assert!(
            states[index].seen.is_empty(),
            "client {index} was on a kept server but saw {:?}",
            states[index].seen
        );
    }
    assert_never_lost(&mut states);
    // Every session, and so every ephemeral node, is still there.
    // Each client wrote through its own server: sync before reading them all from one.
    clients[0].sync(&chroot).wait().unwrap();
    let children = clients[0].get_children(&chroot).wait().unwrap();
    assert_eq!(children.0.len(), 20);
    for (index, client) in clients.iter().enumerate() {
        assert_eq!(client.session_info().session_id, sessions[index]);
        let (_, stat) = client.get(&format!("{chroot}/{index}")).wait().unwrap();
        assert_eq!(stat.ephemeral_owner, sessions[index]);
    }
}

/// The keeper states a C listener of `client` hears, in a channel.
unsafe fn c_states(client: *mut ffi::zk_client) -> Receiver<i32> {
    unsafe extern "C" fn heard(_: ffi::zk_state, keeper: ffi::zk_keeper_state, data: *mut c_void) {
        let sender = unsafe { &*(data as *const Mutex<Sender<i32>>) };
        let _ = sender.lock().unwrap().send(keeper as i32);
    }
    unsafe extern "C" fn free(data: *mut c_void) {
        drop(unsafe { Box::from_raw(data as *mut Mutex<Sender<i32>>) });
    }
    let (sender, receiver) = channel();
    let data = Box::into_raw(Box::new(Mutex::new(sender))) as *mut c_void;
    let added = unsafe {
        ffi::zk_client_add_listener(client, Some(heard), data, Some(free), std::ptr::null_mut())
    };
    assert_eq!(added, zk_error::ZK_OK);
    receiver
}

fn wait_for_state(states: &Receiver<i32>, want: ffi::zk_keeper_state) {
    loop {
        match states.recv_timeout(EVENT_TIMEOUT) {
            Ok(state) if state == want as i32 => return,
            Ok(_) => {}
            Err(error) => panic!("no keeper state {want:?}: {error}"),
        }
    }
}

/// The session id and server id of a C client.
unsafe fn c_session(cluster: &Cluster, client: *mut ffi::zk_client) -> (i64, usize) {
    let mut id = 0;
    let mut server = std::ptr::null_mut();
    unsafe {
        assert_eq!(
            ffi::zk_client_session(client, &mut id, std::ptr::null_mut(), std::ptr::null_mut()),
            zk_error::ZK_OK
        );
        assert_eq!(ffi::zk_client_server(client, &mut server), zk_error::ZK_OK);
        let text = CStr::from_ptr(server).to_str().unwrap().to_string();
        ffi::zk_string_free(server);
        let port = text.rsplit(':').next().unwrap().parse().unwrap();
        (id, cluster.server_with_port(port))
    }
}

#[test]
fn zk_client_update_hosts_moves_a_session_to_disjoint_servers_keeping_its_chroot() {
    let cluster = Cluster::start("live-hosts-disjoint", 3, 500);
    let chroot = unique_chroot("live-hosts-disjoint");
    let first = hosts_of(&cluster, &[1]);
    // On the C client's first server, so that it reads what this one wrote.
    let root = Client::new(&first, ClientOptions::default()).unwrap();
    root.start(EVENT_TIMEOUT).unwrap();
    root.ensure_path(&format!("{chroot}/mine"), None)
        .wait()
        .unwrap();
    let others = hosts_of(&cluster, &[2, 3]);
    let exists = |client: *mut ffi::zk_client, path: &str| -> bool {
        let mut found = false;
        let path = c(path);
        let result =
            unsafe { ffi::zk_exists(client, path.as_ptr(), &mut found, std::ptr::null_mut()) };
        assert_eq!(result, zk_error::ZK_OK, "{}", last_message());
        found
    };
    unsafe {
        let options = ffi::zk_options_new();
        assert_eq!(
            ffi::zk_options_set_session_timeout(options, 10_000),
            zk_error::ZK_OK
        );
        let mut client = std::ptr::null_mut();
        let connect = c(&format!("{first}{chroot}"));
        assert_eq!(
            ffi::zk_client_new(connect.as_ptr(), options, &mut client),
            zk_error::ZK_OK
        );
        ffi::zk_options_free(options);
        assert_eq!(ffi::zk_client_start(client, 10_000), zk_error::ZK_OK);
        let states = c_states(client);
        let (session, server) = c_session(&cluster, client);
        assert_eq!(server, 1);
        assert!(exists(client, "/mine"));

        // Bad input is refused with a message, and changes nothing.
        assert_eq!(
            ffi::zk_client_update_hosts(std::ptr::null_mut(), c(&others).as_ptr()),
            zk_error::ZK_EINVAL
        );
        assert_eq!(
            ffi::zk_client_update_hosts(client, std::ptr::null()),
            zk_error::ZK_EINVAL
        );
        assert!(
            last_message().contains("connect_string"),
            "{}",
            last_message()
        );
        for bad in ["", "host:99999", "[::1"] {
            assert_eq!(
                ffi::zk_client_update_hosts(client, c(bad).as_ptr()),
                zk_error::ZK_EINVAL,
                "{bad:?}"
            );
        }
        let other_chroot = c(&format!("{others}/elsewhere"));
        assert_eq!(
            ffi::zk_client_update_hosts(client, other_chroot.as_ptr()),
            zk_error::ZK_EINVAL
        );
        assert!(last_message().contains("chroot"), "{}", last_message());
        assert_eq!(c_session(&cluster, client), (session, 1));

        // Its own chroot may be repeated; the session moves to 2 or 3, and keeps its chroot.
        let same_chroot = c(&format!("{others}{chroot}"));
        assert_eq!(
            ffi::zk_client_update_hosts(client, same_chroot.as_ptr()),
            zk_error::ZK_OK
        );
        wait_for_state(&states, ffi::zk_keeper_state::ZK_KEEPER_DISCONNECTED);
        wait_for_state(&states, ffi::zk_keeper_state::ZK_KEEPER_SYNC_CONNECTED);
        let (moved_session, moved_to) = c_session(&cluster, client);
        assert_eq!(moved_session, session);
        assert_ne!(moved_to, 1);
        assert!(exists(client, "/mine"));
        // Server 1 is no longer tried: stopping it costs this client nothing.
        cluster.stop_server(1);
        assert!(exists(client, "/mine"));
        assert!(states
            .try_iter()
            .all(|state| state != ffi::zk_keeper_state::ZK_KEEPER_EXPIRED as i32));

        // On a stopped client the list is kept for the next start.
        assert_eq!(ffi::zk_client_stop(client), zk_error::ZK_OK);
        let only_two = c(&hosts_of(&cluster, &[2]));
        assert_eq!(
            ffi::zk_client_update_hosts(client, only_two.as_ptr()),
            zk_error::ZK_OK
        );
        let mut listed = std::ptr::null_mut();
        assert_eq!(ffi::zk_client_hosts(client, &mut listed), zk_error::ZK_OK);
        assert_eq!(
            CStr::from_ptr(listed).to_str().unwrap(),
            hosts_of(&cluster, &[2])
        );
        ffi::zk_string_free(listed);
        assert_eq!(
            ffi::zk_client_hosts(client, std::ptr::null_mut()),
            zk_error::ZK_EINVAL
        );
        assert_eq!(ffi::zk_client_start(client, 10_000), zk_error::ZK_OK);
        assert_eq!(c_session(&cluster, client).1, 2);
        assert!(exists(client, "/mine"));
        ffi::zk_client_free(client);
    }
}

/// A port nothing listens on (refused at once).
fn dead_address() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

#[test]
fn a_host_name_is_resolved_again_and_every_address_is_tried() {
    let cluster = Cluster::start("live-hosts-dns", 3, 500);
    let address = |id: usize| SocketAddr::from(([127, 0, 0, 1], cluster.port(id)));
    // What the name resolves to right now, shared by two clients' resolvers.
    let answer = Arc::new(Mutex::new(vec![address(1)]));
    let resolver = |calls: Arc<AtomicUsize>| {
        let answer = answer.clone();
        HostResolver::new(move |name: &str, port: u16| {
            assert_eq!((name, port), ("zk-moving.test", 2181));
            calls.fetch_add(1, Ordering::SeqCst);
            Ok(answer.lock().unwrap().clone())
        })
    };
    // One resolves before every attempt (the default); one keeps a resolution for an hour.
    let every_calls = Arc::new(AtomicUsize::new(0));
    let kept_calls = Arc::new(AtomicUsize::new(0));
    let every = Client::new(
        "zk-moving.test:2181",
        ClientOptions {
            resolver: Some(resolver(every_calls.clone())),
            ..options(Duration::from_secs(10))
        },
    )
    .unwrap();
    let kept = Client::new(
        "zk-moving.test:2181",
        ClientOptions {
            resolver: Some(resolver(kept_calls.clone())),
            host_resolution_delay: Duration::from_secs(3600),
            ..options(Duration::from_secs(10))
        },
    )
    .unwrap();
    for client in [&every, &kept] {
        client
            .start(EVENT_TIMEOUT)
            .expect("connects through the resolver");
        assert_eq!(server_of_name(client, &address), 1);
    }
    assert_eq!(every_calls.load(Ordering::SeqCst), 1);
    assert_eq!(kept_calls.load(Ordering::SeqCst), 1);
    let sessions = [
        every.session_info().session_id,
        kept.session_info().session_id,
    ];
    let mut states = [StateRecorder::attach(&every), StateRecorder::attach(&kept)];

    // The name moves to server 2, behind an address that refuses: both are tried.
    *answer.lock().unwrap() = vec![dead_address(), address(2)];
    cluster.stop_server(1);
    for states in &mut states {
        states.wait_for(KeeperState::Disconnected, EVENT_TIMEOUT);
        states.wait_for(KeeperState::SyncConnected, EVENT_TIMEOUT);
    }
    for (index, client) in [&every, &kept].into_iter().enumerate() {
        assert_eq!(client.session_info().session_id, sessions[index]);
        assert_eq!(server_of_name(client, &address), 2);
        client.exists("/").wait().unwrap();
    }
    // Resolved again on reconnecting: the hour-long window gives way once the kept
    // addresses refuse.
    assert!(every_calls.load(Ordering::SeqCst) >= 2);
    assert!(kept_calls.load(Ordering::SeqCst) >= 2);
}

/// The server a client that connects through a name is on, found by asking each running
/// server whether it holds the client's session (`cons` lists the sessions of a server).
fn server_of_name(client: &Client, address: &dyn Fn(usize) -> SocketAddr) -> usize {
    let session = format!("sid=0x{:x}", client.session_info().session_id);
    (1..=3)
        .find(|id| {
            zkclient::four_letter_word(&address(*id).to_string(), "cons", Duration::from_secs(5))
                .wait()
                .is_ok_and(|cons| cons.contains(&session))
        })
        .unwrap_or_else(|| panic!("no server lists {session}"))
}

/// Waits (up to the event timeout) until `done` holds, checking every 20 ms: for a change
/// that another thread makes and no event announces (the follower updating the host list).
fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + EVENT_TIMEOUT;
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "not within {EVENT_TIMEOUT:?}: {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn following_the_configuration_spreads_sessions_over_a_grown_ensemble_and_off_a_shrunk_one() {
    let cluster = Cluster::start_reconfig("live-hosts-follow", 5, 3, 0, 500);
    let admin = Client::new(&cluster.hosts, ClientOptions::default()).unwrap();
    admin.start(EVENT_TIMEOUT).unwrap();
    admin
        .add_auth(
            "digest",
            format!("{}:{}", common::SUPER_USER, common::SUPER_PASSWORD).as_bytes(),
        )
        .wait()
        .unwrap();
    let following = ClientOptions {
        follow_ensemble_config: true,
        ..options(Duration::from_secs(10))
    };
    let (clients, mut states, sessions) = started_clients(&cluster.hosts, &following, 20);
    let before = distribution(&cluster, &clients);

    // Grow 3 -> 5: the spares join, then a reconfig adds them.
    cluster.join_server(4, false);
    cluster.join_server(5, false);
    let joining: Vec<zkclient::EnsembleMember> = [4, 5]
        .iter()
        .map(|id| cluster.server_spec(*id, "participant").parse().unwrap())
        .collect();
    let grown_config = admin
        .reconfig_incremental(&joining, &[], -1)
        .wait()
        .expect("the reconfig adds servers 4 and 5");
    assert_eq!(grown_config.members.len(), 5);
    for (index, client) in clients.iter().enumerate() {
        eventually(
            &format!("client {index} follows the configuration to 5 servers"),
            || client.hosts().len() == 5,
        );
    }
    clients.iter().for_each(settle);
    let grown = distribution(&cluster, &clients);
    eprintln!("following: sessions per server: 3 servers {before:?}, reconfigured to 5 {grown:?}");
    let on_added = grown.get(&4).unwrap_or(&0) + grown.get(&5).unwrap_or(&0);
    assert!(
        on_added > 0,
        "no session moved to the added servers: {grown:?}"
    );
    assert_never_lost(&mut states);

    // Shrink 5 -> 3: the sessions on 4 and 5 move to 1-3, without LOST.
    admin
        .reconfig_incremental(&[], &[4, 5], grown_config.version)
        .wait()
        .expect("the reconfig removes servers 4 and 5");
    for (index, client) in clients.iter().enumerate() {
        eventually(
            &format!("client {index} follows the configuration to 3 servers"),
            || client.hosts().len() == 3,
        );
    }
    clients.iter().for_each(settle);
    let shrunk = distribution(&cluster, &clients);
    eprintln!("following: sessions per server: reconfigured back to 3 {shrunk:?}");
    assert!(shrunk.keys().all(|id| *id <= 3), "{shrunk:?}");
    assert_never_lost(&mut states);
    for (index, client) in clients.iter().enumerate() {
        assert_eq!(client.session_info().session_id, sessions[index]);
    }
}

#[test]
fn following_the_configuration_is_refused_with_tls() {
    let options = ClientOptions {
        follow_ensemble_config: true,
        tls: Some(zkclient::TlsOptions::default()),
        ..ClientOptions::default()
    };
    let error = Client::new("127.0.0.1:2181", options)
        .err()
        .expect("refused");
    assert!(error.to_string().contains("TLS"), "{error}");
}

#[test]
fn observers_serve_sessions_that_see_the_leaders_writes_and_come_and_go_by_reconfig() {
    // Four servers: three participants and an observer (server 4).
    let cluster = Cluster::start_reconfig("live-hosts-observer", 4, 4, 1, 500);
    let writer = Client::new(&hosts_of(&cluster, &[1, 2, 3]), ClientOptions::default()).unwrap();
    writer.start(EVENT_TIMEOUT).unwrap();
    writer
        .add_auth(
            "digest",
            format!("{}:{}", common::SUPER_USER, common::SUPER_PASSWORD).as_bytes(),
        )
        .wait()
        .unwrap();
    let config = writer.get_config().wait().unwrap();
    let roles: Vec<(u64, zkclient::MemberRole)> =
        config.members.iter().map(|m| (m.id, m.role)).collect();
    use zkclient::MemberRole::{Observer, Participant};
    assert_eq!(
        roles,
        [
            (1, Participant),
            (2, Participant),
            (3, Participant),
            (4, Observer)
        ]
    );

    // A session on the observer sees what is written through the leader, watches included.
    let observer_only = hosts_of(&cluster, &[4]);
    let reader = Client::new(&observer_only, ClientOptions::default()).unwrap();
    reader.start(EVENT_TIMEOUT).unwrap();
    assert_eq!(server_of(&cluster, &reader), 4);
    let path = unique_chroot("observer");
    writer.ensure_path(&path, None).wait().unwrap();
    // An observer may lag behind the leader: sync before reading what was just written.
    reader.sync(&path).wait().unwrap();
    let (fired, heard) = channel();
    reader
        .get_watch(&path, move |event| {
            let _ = fired.send(event.event_type);
        })
        .wait()
        .unwrap();
    writer.set(&path, b"through the leader", -1).wait().unwrap();
    assert_eq!(
        heard.recv_timeout(EVENT_TIMEOUT).unwrap(),
        zkclient::proto::EventType::NodeDataChanged
    );
    reader.sync(&path).wait().unwrap();
    assert_eq!(common::data(&reader, &path), b"through the leader");

    // A follower of the configuration started on the observer alone learns every member.
    let follower = Client::new(
        &observer_only,
        ClientOptions {
            follow_ensemble_config: true,
            ..ClientOptions::default()
        },
    )
    .unwrap();
    follower.start(EVENT_TIMEOUT).unwrap();
    eventually("the follower learns the 4 members", || {
        follower.hosts().len() == 4
    });

    // The observer leaves by reconfig, and comes back as an observer.
    let without = writer.reconfig_incremental(&[], &[4], -1).wait().unwrap();
    assert!(without.member(4).is_none());
    eventually("the follower drops the observer", || {
        follower.hosts().len() == 3
    });
    settle(&follower);
    assert!(server_of(&cluster, &follower) <= 3);
    cluster.stop_server(4);
    cluster.join_server(4, true);
    let spec: zkclient::EnsembleMember = cluster.server_spec(4, "observer").parse().unwrap();
    let back = writer
        .reconfig_incremental(&[spec], &[], without.version)
        .wait()
        .unwrap();
    assert_eq!(back.member(4).map(|m| m.role), Some(Observer));
    eventually("the follower takes the observer back", || {
        follower.hosts().len() == 4
    });
}

#[test]
fn an_update_while_disconnected_saves_a_session_whose_only_server_died() {
    let cluster = Cluster::start("live-hosts-heal", 3, 500);
    let client = Client::new(&hosts_of(&cluster, &[1]), options(Duration::from_secs(10))).unwrap();
    client.start(EVENT_TIMEOUT).unwrap();
    let mut states = StateRecorder::attach(&client);
    let session = client.session_info().session_id;
    let chroot = unique_chroot("live-hosts-heal");
    client.ensure_path(&chroot, None).wait().unwrap();
    client
        .create(&format!("{chroot}/mine"), b"", &ephemeral())
        .wait()
        .unwrap();
    // Its only server goes: the client reconnects in vain, SUSPENDED.
    cluster.stop_server(1);
    states.wait_for(KeeperState::Disconnected, EVENT_TIMEOUT);
    // Told of the others within the session timeout, it resumes the session there.
    client.update_hosts(&hosts_of(&cluster, &[2, 3])).unwrap();
    states.wait_for(KeeperState::SyncConnected, EVENT_TIMEOUT);
    assert_eq!(client.session_info().session_id, session);
    assert_ne!(server_of(&cluster, &client), 1);
    let (_, stat) = client.get(&format!("{chroot}/mine")).wait().unwrap();
    assert_eq!(stat.ephemeral_owner, session);
    assert_never_lost(std::slice::from_mut(&mut states));
}

#[test]
fn an_update_abandons_an_attempt_on_a_server_it_removed() {
    // Long sessions (tickTime 5 s, 100 s sessions): one connect attempt may take a third
    // of the session timeout, longer than a test waits for an event.
    let cluster = Cluster::start("live-hosts-abandon", 3, 5000);
    let client = Client::new(&hosts_of(&cluster, &[1]), options(Duration::from_secs(100))).unwrap();
    client.start(EVENT_TIMEOUT).unwrap();
    let session = client.session_info().session_id;
    let mut states = StateRecorder::attach(&client);
    // A "server" that takes connections and never answers the handshake.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_address = silent.local_addr().unwrap();
    client.update_hosts(&silent_address.to_string()).unwrap();
    let (mut attempt, _) = silent.accept().expect("the client tries the silent server");
    states.wait_for(KeeperState::Disconnected, EVENT_TIMEOUT);
    // Moved on at once by the next update, not after the attempt's 33 s.
    client.update_hosts(&hosts_of(&cluster, &[2])).unwrap();
    states.wait_for(KeeperState::SyncConnected, EVENT_TIMEOUT);
    assert_eq!(client.session_info().session_id, session);
    assert_eq!(server_of(&cluster, &client), 2);
    // The abandoned attempt's connection was closed.
    attempt.set_read_timeout(Some(EVENT_TIMEOUT)).unwrap();
    let mut rest = Vec::new();
    std::io::Read::read_to_end(&mut attempt, &mut rest).expect("closed, not timed out");
}
