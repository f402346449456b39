//! Party and ShallowParty: kazoo's layouts, members leave with their session, the C API.

mod common;

use common::{data, shared_clients, wait_for_children, EVENT_TIMEOUT};
use zkclient::recipe::party::{Party, ShallowParty};
use zkclient::{CreateOptions, Wait};

#[test]
fn party_members_join_list_and_leave() {
    let (_, zk) = shared_clients("party", 2);
    let a = Party::new(&zk[0], "/party", "alpha");
    let b = Party::new(&zk[1], "/party", "beta");
    assert!(a.members().unwrap().is_empty());
    assert!(a.is_empty().unwrap());
    a.join().unwrap();
    a.join().unwrap();
    b.join().unwrap();
    let node = a.node_path();
    let name = node.strip_prefix("/party/").unwrap();
    assert!(
        name.ends_with("__party__") && name.len() == 32 + 9,
        "{name}"
    );
    assert_eq!(data(&zk[1], &node), b"alpha");
    let mut members = b.members().unwrap();
    members.sort();
    assert_eq!(members, ["alpha", "beta"]);
    assert_eq!(a.len().unwrap(), 2);
    // Children without the marker are not members.
    zk[0]
        .create("/party/other", b"x", &CreateOptions::default())
        .wait()
        .unwrap();
    assert_eq!(a.len().unwrap(), 2);
    assert!(a.leave().unwrap());
    assert!(!a.leave().unwrap());
    assert_eq!(b.members().unwrap(), ["beta"]);
    // Ephemeral: the member goes with its session.
    zk[1].stop().unwrap();
    assert!(a.members().unwrap().is_empty());
}

#[test]
fn shallow_party_members_are_in_the_node_names() {
    let (_, zk) = shared_clients("shallow-party", 2);
    let a = ShallowParty::new(&zk[0], "/sp", "worker-1").unwrap();
    let b = ShallowParty::new(&zk[1], "/sp", "worker-2").unwrap();
    a.join().unwrap();
    b.join().unwrap();
    let node = a.node_path();
    let name = node.strip_prefix("/sp/").unwrap();
    assert_eq!(&name[32..], "-worker-1");
    assert_eq!(data(&zk[0], &node), b"worker-1");
    let mut members = a.members().unwrap();
    members.sort();
    assert_eq!(members, ["worker-1", "worker-2"]);
    assert_eq!(b.len().unwrap(), 2);
    assert!(b.leave().unwrap());
    assert_eq!(a.members().unwrap(), ["worker-1"]);
    assert_eq!(a.len().unwrap(), 1);
}

/// Members whose session ends leave both kinds of party, as others see them.
#[test]
fn party_members_leave_with_their_session() {
    let mut doomed_session = common::BehindProxy::start("party-expire");
    let (doomed_zk, zk) = (&doomed_session.client, &doomed_session.observer);
    Party::new(doomed_zk, "/party", "doomed").join().unwrap();
    ShallowParty::new(doomed_zk, "/shallow", "doomed")
        .unwrap()
        .join()
        .unwrap();
    let party = Party::new(zk, "/party", "stays");
    let shallow = ShallowParty::new(zk, "/shallow", "stays").unwrap();
    party.join().unwrap();
    shallow.join().unwrap();
    let mut members = party.members().unwrap();
    members.sort();
    assert_eq!(members, ["doomed", "stays"]);
    assert_eq!(shallow.len().unwrap(), 2);
    doomed_session.expire_session(|| {
        assert_eq!(party.members().unwrap(), ["stays"]);
        assert_eq!(shallow.members().unwrap(), ["stays"]);
    });
    doomed_session
        .states
        .wait_for(zkclient::KeeperState::Expired, EVENT_TIMEOUT);
}

#[test]
fn kazoo_and_zkclient_see_each_others_party_members() {
    let (hosts, zk) = shared_clients("party-kazoo", 1);
    let zk = &zk[0];
    let party = Party::new(zk, "/party", "rust");
    party.join().unwrap();
    let shallow = ShallowParty::new(zk, "/shallow", "rust").unwrap();
    shallow.join().unwrap();
    // kazoo joins both, lists them, and stays in until zkclient creates /done.
    let kazoo_hosts = hosts.clone();
    let thread = std::thread::spawn(move || {
        common::kazoo(
            &kazoo_hosts,
            "import threading\n\
             p = zk.Party('/party', 'py')\np.join()\n\
             s = zk.ShallowParty('/shallow', 'py')\ns.join()\n\
             print(sorted(zk.Party('/party')))\nprint(sorted(zk.ShallowParty('/shallow')))\n\
             print(len(zk.Party('/party')), len(zk.ShallowParty('/shallow')))\n\
             done = threading.Event()\n\
             if zk.exists('/done', watch=lambda e: done.set()):\n    done.set()\n\
             print(done.wait(60))",
        )
    });
    wait_for_children(zk, "/party", 2);
    wait_for_children(zk, "/shallow", 2);
    let mut members = party.members().unwrap();
    members.sort();
    assert_eq!(members, ["py", "rust"]);
    let mut members = shallow.members().unwrap();
    members.sort();
    assert_eq!(members, ["py", "rust"]);
    assert_eq!(party.len().unwrap(), 2);
    zk.create("/done", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    let out = thread.join().unwrap();
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        ["['py', 'rust']", "['py', 'rust']", "2 2", "True"]
    );
    // kazoo's members went with its session.
    assert_eq!(party.members().unwrap(), ["rust"]);
    assert_eq!(shallow.members().unwrap(), ["rust"]);
}

mod c_api {
    use std::ffi::CStr;
    use std::ptr::null_mut;

    use zkclient::ffi::recipe::party::*;
    use zkclient::ffi::*;

    use crate::common::{c, c_client, last_message};

    #[test]
    fn parties_through_the_c_api() {
        let client = c_client("c-party");
        // SAFETY: valid or deliberately NULL arguments throughout.
        unsafe {
            let mut party = null_mut();
            assert_eq!(
                zk_party_new(client, c("/p").as_ptr(), b"x".as_ptr(), 1, null_mut()),
                zk_error::ZK_EINVAL
            );
            assert!(last_message().contains("out_party"));
            assert_eq!(
                zk_shallow_party_new(client, c("/s").as_ptr(), b"a/b".as_ptr(), 3, &mut party),
                zk_error::ZK_EINVAL
            );
            assert!(party.is_null());
            assert_eq!(
                zk_party_new(client, c("/p").as_ptr(), b"deep".as_ptr(), 4, &mut party),
                zk_error::ZK_OK
            );
            let mut shallow = null_mut();
            assert_eq!(
                zk_shallow_party_new(client, c("/p").as_ptr(), b"flat".as_ptr(), 4, &mut shallow),
                zk_error::ZK_OK
            );
            assert_eq!(zk_party_join(null_mut()), zk_error::ZK_EINVAL);
            assert_eq!(zk_party_join(party), zk_error::ZK_OK);
            assert_eq!(zk_party_join(shallow), zk_error::ZK_OK);
            let mut members = zk_string_list {
                items: null_mut(),
                count: 7,
            };
            assert_eq!(zk_party_members(party, null_mut()), zk_error::ZK_EINVAL);
            assert_eq!(members.count, 7);
            assert_eq!(zk_party_members(party, &mut members), zk_error::ZK_OK);
            assert_eq!(members.count, 1);
            assert_eq!(CStr::from_ptr(*members.items).to_str().unwrap(), "deep");
            zk_string_list_free(&mut members);
            assert!(members.items.is_null() && members.count == 0);
            // The shallow party counts every child of the path.
            let mut count = 0usize;
            assert_eq!(zk_party_len(shallow, &mut count), zk_error::ZK_OK);
            assert_eq!(count, 2);
            assert_eq!(zk_party_len(party, &mut count), zk_error::ZK_OK);
            assert_eq!(count, 1);
            let mut left = false;
            assert_eq!(zk_party_leave(party, &mut left), zk_error::ZK_OK);
            assert!(left);
            assert_eq!(zk_party_leave(party, &mut left), zk_error::ZK_OK);
            assert!(!left);
            assert_eq!(zk_party_members(party, &mut members), zk_error::ZK_OK);
            assert_eq!(members.count, 0);
            zk_string_list_free(&mut members);
            // Freeing leaves.
            zk_party_free(shallow);
            assert_eq!(zk_party_len(party, &mut count), zk_error::ZK_OK);
            assert_eq!(count, 0);
            zk_party_free(party);
            zk_party_free(null_mut());
            zk_client_free(client);
        }
    }
}
