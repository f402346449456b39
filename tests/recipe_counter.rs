//! Counter: no lost update, kazoo's and Curator's formats, writes in doubt, its C API.

mod common;

use std::sync::{Arc, Barrier as Rendezvous};

use common::{data, shared_clients};
use zkclient::recipe::counter::{Counter, CounterFormat};
use zkclient::{Client, CreateOptions, Error, Wait};

#[test]
fn counter_adds_subtracts_and_creates_with_the_default() {
    let (_, zk) = shared_clients("counter-basic", 1);
    let zk = &zk[0];
    let counter = Counter::new(zk, "/a/count", 10);
    assert_eq!(counter.value().unwrap(), 10);
    assert_eq!(data(zk, "/a/count"), b"10");
    assert_eq!(counter.add(5).unwrap(), 15);
    assert_eq!(counter.add(-20).unwrap(), -5);
    assert_eq!(counter.value().unwrap(), -5);
    assert_eq!(data(zk, "/a/count"), b"-5");
    // Another handle on the same node ignores its own default: the node has a value.
    assert_eq!(Counter::new(zk, "/a/count", 99).value().unwrap(), -5);
    // Empty data (kazoo's ensure_path) reads as the default.
    zk.create("/empty", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    let empty = Counter::new(zk, "/empty", 3);
    assert_eq!(empty.value().unwrap(), 3);
    assert_eq!(empty.add(1).unwrap(), 4);
    assert_eq!(data(zk, "/empty"), b"4");
}

#[test]
fn concurrent_increments_from_eight_clients_lose_nothing() {
    let (_, zk) = shared_clients("counter-race", 8);
    let threads: Vec<_> = zk
        .into_iter()
        .map(|client| {
            std::thread::spawn(move || {
                let counter = Counter::new(&client, "/hits", 0);
                for _ in 0..50 {
                    counter.add(1).unwrap();
                }
                client
            })
        })
        .collect();
    let clients: Vec<Client> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(Counter::new(&clients[0], "/hits", 0).value().unwrap(), 400);
    assert_eq!(data(&clients[0], "/hits"), b"400");
}

#[test]
fn curator_formats_store_big_endian_integers() {
    let (_, zk) = shared_clients("counter-curator", 1);
    let zk = &zk[0];
    let counter = Counter::with_format(zk, "/shared", 0, CounterFormat::Int32Be).unwrap();
    assert_eq!(counter.add(258).unwrap(), 258);
    assert_eq!(data(zk, "/shared"), [0, 0, 1, 2]);
    assert_eq!(counter.add(-259).unwrap(), -1);
    assert_eq!(data(zk, "/shared"), [0xff, 0xff, 0xff, 0xff]);
    assert_eq!(counter.value().unwrap(), -1);
    // Past 32 bits is refused and changes nothing.
    assert!(matches!(
        counter.add(i64::from(i32::MIN) - 1),
        Err(Error::InvalidArgument(_))
    ));
    assert_eq!(counter.value().unwrap(), -1);

    let long = Counter::with_format(zk, "/long", 0, CounterFormat::Int64Be).unwrap();
    assert_eq!(long.add(1 << 40).unwrap(), 1 << 40);
    assert_eq!(data(zk, "/long"), [0, 0, 1, 0, 0, 0, 0, 0]);
}

#[test]
fn a_node_that_is_not_an_integer_gives_a_clear_error() {
    let (_, zk) = shared_clients("counter-bad", 1);
    let zk = &zk[0];
    zk.create("/text", b"hello", &CreateOptions::default())
        .wait()
        .unwrap();
    let error = Counter::new(zk, "/text", 0).add(1).unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(error, Error::InvalidArgument(_)) && message.contains("/text"),
        "{message}"
    );
    assert!(
        message.contains("hello") && message.contains("not an integer"),
        "{message}"
    );
    assert_eq!(data(zk, "/text"), b"hello");
    // A float (kazoo's Counter(default=0.0)) is not an integer either.
    zk.set("/text", b"1.5", -1).wait().unwrap();
    assert!(Counter::new(zk, "/text", 0).value().is_err());
    // Three bytes are not a 32-bit integer.
    zk.set("/text", b"abc", -1).wait().unwrap();
    assert!(Counter::with_format(zk, "/text", 0, CounterFormat::Int32Be)
        .unwrap()
        .value()
        .is_err());
}

/// An increment whose request is lost is retried (the version proves it never happened); one
/// whose reply is lost is reported as CONNECTION_LOSS (it may have happened) and never
/// applied a second time (kazoo's and Curator's blind retry can apply it twice).
#[test]
fn a_counter_write_in_doubt_is_never_applied_twice() {
    let common::BehindProxy {
        proxy,
        client: zk,
        observer,
        ..
    } = common::BehindProxy::start("counter-in-doubt");
    let counter = Counter::new(&zk, "/count", 0);
    assert_eq!(counter.value().unwrap(), 0);
    let is_counter_set = |op: i32, path: &str| op == 5 && path.ends_with("/count");

    proxy.lose_request_to(is_counter_set);
    assert_eq!(counter.add(1).unwrap(), 1);
    assert_eq!(proxy.lost(), 1, "the set was not lost");
    assert_eq!(data(&observer, "/count"), b"1");

    proxy.lose_reply_to(is_counter_set);
    let error = counter.add(1).unwrap_err();
    assert!(error.is(zkclient::ErrorCode::CONNECTION_LOSS), "{error}");
    assert_eq!(proxy.lost(), 2, "the reply was not lost");
    assert_eq!(data(&observer, "/count"), b"2", "applied once, not twice");
    assert_eq!(counter.add(1).unwrap(), 3);
}

/// Four clients increment across a server restart: every increment reported done is in the
/// total, and the only others in it are those reported in doubt (CONNECTION_LOSS).
#[test]
fn counter_increments_across_a_server_restart_add_up() {
    let cluster = common::Cluster::start("counter-restart", 1, 500);
    let zk = cluster.clients("counter-restart", 4);
    let rendezvous = Arc::new(Rendezvous::new(5));
    let threads: Vec<_> = zk
        .iter()
        .cloned()
        .map(|client| {
            let rendezvous = rendezvous.clone();
            std::thread::spawn(move || {
                let counter = Counter::new(&client, "/count", 0);
                let (mut done, mut in_doubt) = (0i64, 0i64);
                for round in 0..50 {
                    if round == 10 {
                        rendezvous.wait(); // the restart begins
                    }
                    match counter.add(1) {
                        Ok(_) => done += 1,
                        Err(error) if error.is(zkclient::ErrorCode::CONNECTION_LOSS) => {
                            in_doubt += 1
                        }
                        Err(Error::RetryFailed { last, .. })
                            if last.is(zkclient::ErrorCode::CONNECTION_LOSS) =>
                        {
                            in_doubt += 1
                        }
                        Err(error) => panic!("add: {error}"),
                    }
                }
                (done, in_doubt)
            })
        })
        .collect();
    rendezvous.wait();
    cluster.stop_server(1);
    cluster.start_server(1);
    let (mut done, mut in_doubt) = (0, 0);
    for thread in threads {
        let (d, i) = thread.join().unwrap();
        done += d;
        in_doubt += i;
    }
    let total = Counter::new(&zk[0], "/count", 0).value().unwrap();
    assert!(
        done <= total && total <= done + in_doubt,
        "total {total}, done {done}, in doubt {in_doubt}"
    );
}

#[test]
fn kazoo_and_zkclient_share_a_counter() {
    let (hosts, zk) = shared_clients("counter-kazoo", 1);
    let zk = &zk[0];
    let out = common::kazoo(&hosts, "c = zk.Counter('/count')\nc += 5\nprint(c.value)");
    assert_eq!(out.trim(), "5");
    let counter = Counter::new(zk, "/count", 0);
    assert_eq!(counter.add(3).unwrap(), 8);
    let out = common::kazoo(
        &hosts,
        "c = zk.Counter('/count')\nprint(c.value)\nc -= 10\nprint(c.value)",
    );
    assert_eq!(out.lines().collect::<Vec<_>>(), ["8", "-2"]);
    assert_eq!(counter.value().unwrap(), -2);
    // Curator mode: kazoo's support_curator reads zkclient's 4 bytes, and back.
    let curator = Counter::with_format(zk, "/curator", 0, CounterFormat::Int32Be).unwrap();
    assert_eq!(curator.add(70000).unwrap(), 70000);
    let out = common::kazoo(
        &hosts,
        "c = zk.Counter('/curator', support_curator=True)\nprint(c.value)\nc += 1\nprint(c.value)",
    );
    assert_eq!(out.lines().collect::<Vec<_>>(), ["70000", "70001"]);
    assert_eq!(curator.value().unwrap(), 70001);
}

mod c_api {
    use std::ptr::null_mut;

    use zkclient::ffi::recipe::counter::*;
    use zkclient::ffi::*;

    use crate::common::{c, c_client, last_message};

    #[test]
    fn counter_through_the_c_api() {
        let client = c_client("c-counter");
        // SAFETY: valid or deliberately NULL arguments throughout.
        unsafe {
            let mut counter = null_mut();
            assert_eq!(
                zk_counter_new(null_mut(), c("/n").as_ptr(), 0, &mut counter),
                zk_error::ZK_EINVAL
            );
            assert!(last_message().contains("client"), "{}", last_message());
            assert_eq!(
                zk_counter_new(client, c("/n").as_ptr(), 0, null_mut()),
                zk_error::ZK_EINVAL
            );
            assert!(last_message().contains("out_counter"));
            assert_eq!(
                zk_counter_new_int32(client, c("/n").as_ptr(), 1 << 40, &mut counter),
                zk_error::ZK_EINVAL
            );
            assert!(counter.is_null());
            assert_eq!(
                zk_counter_new(client, c("/n").as_ptr(), 4, &mut counter),
                zk_error::ZK_OK
            );
            let mut value = -99;
            assert_eq!(
                zk_counter_value(null_mut(), &mut value),
                zk_error::ZK_EINVAL
            );
            assert_eq!(zk_counter_value(counter, null_mut()), zk_error::ZK_EINVAL);
            assert_eq!(value, -99);
            assert_eq!(zk_counter_value(counter, &mut value), zk_error::ZK_OK);
            assert_eq!(value, 4);
            assert_eq!(zk_counter_add(counter, 6, &mut value), zk_error::ZK_OK);
            assert_eq!(value, 10);
            assert_eq!(zk_counter_add(counter, -1, null_mut()), zk_error::ZK_OK);
            assert_eq!(zk_counter_value(counter, &mut value), zk_error::ZK_OK);
            assert_eq!(value, 9);
            zk_counter_free(counter);

            let mut curator = null_mut();
            assert_eq!(
                zk_counter_new_int32(client, c("/c").as_ptr(), 0, &mut curator),
                zk_error::ZK_OK
            );
            assert_eq!(zk_counter_add(curator, 1, &mut value), zk_error::ZK_OK);
            assert_eq!(value, 1);
            let mut long = null_mut();
            assert_eq!(
                zk_counter_new_int64(client, c("/l").as_ptr(), 1 << 40, &mut long),
                zk_error::ZK_OK
            );
            assert_eq!(zk_counter_add(long, 1, &mut value), zk_error::ZK_OK);
            assert_eq!(value, (1 << 40) + 1);
            zk_counter_free(long);
            // Four binary bytes are not ASCII decimal: EINVAL naming the node, output untouched.
            let mut ascii = null_mut();
            assert_eq!(
                zk_counter_new(client, c("/c").as_ptr(), 0, &mut ascii),
                zk_error::ZK_OK
            );
            value = -99;
            assert_eq!(zk_counter_add(ascii, 1, &mut value), zk_error::ZK_EINVAL);
            assert!(last_message().contains("/c"), "{}", last_message());
            assert_eq!(value, -99);
            zk_counter_free(ascii);
            zk_counter_free(curator);
            zk_counter_free(null_mut());
            zk_client_free(client);
        }
    }
}
