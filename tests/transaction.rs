//! Transactions and read batches against the shared real server, from Rust and from C.

mod common;

use std::ffi::{CStr, CString};
use std::ptr::{null, null_mut};

use zkclient::client::{OpResult, Transaction};
use zkclient::ffi::*;
use zkclient::{CreateMode, CreateOptions, ErrorCode, Wait};

#[test]
fn a_transaction_applies_all_operations_or_none() {
    let zk = common::shared_client("txn");
    zk.create("/a", b"1", &CreateOptions::default())
        .wait()
        .unwrap();
    zk.create("/gone", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    let sequential = CreateOptions {
        mode: CreateMode::PersistentSequential,
        ..CreateOptions::default()
    };
    let results = zk
        .transaction()
        .check("/a", 0)
        .create("/b", b"new", &CreateOptions::default())
        .create("/seq-", b"", &sequential)
        .set_data("/a", b"2", 0)
        .delete("/gone", -1)
        .commit()
        .wait()
        .unwrap();
    assert_eq!(results.len(), 5);
    assert_eq!(results[0], OpResult::Check);
    assert!(
        matches!(&results[1], OpResult::Create { path, stat } if path == "/b" && stat.map_or(true, |s| s.data_length == 3)),
        "{:?}",
        results[1]
    );
    assert!(matches!(&results[2], OpResult::Create { path, .. } if path.starts_with("/seq-00000")));
    assert!(matches!(&results[3], OpResult::SetData { stat } if stat.version == 1));
    assert_eq!(results[4], OpResult::Delete);
    assert_eq!(Transaction::first_error(&results), None);

    // One failing operation: nothing is applied; it carries the reason, the others roll back.
    let results = zk
        .transaction()
        .create("/c", b"", &CreateOptions::default())
        .set_data("/a", b"3", 0)
        .delete("/b", -1)
        .commit()
        .wait()
        .unwrap();
    assert_eq!(results[1], OpResult::Error(ErrorCode::BAD_VERSION));
    assert_eq!(
        Transaction::first_error(&results),
        Some(ErrorCode::BAD_VERSION)
    );
    assert!(results.iter().all(|r| r.error().is_some()));
    assert_eq!(
        zk.exists("/c").wait().unwrap(),
        None,
        "a refused transaction was applied"
    );
    assert!(zk.exists("/b").wait().unwrap().is_some());
    assert_eq!(zk.get("/a").wait().unwrap().0, b"2");
}

#[test]
fn invalid_operations_are_refused_before_sending() {
    let zk = common::shared_client("txn-invalid");
    let err = zk
        .transaction()
        .create("relative", b"", &CreateOptions::default())
        .commit()
        .wait()
        .unwrap_err();
    assert!(matches!(err, zkclient::Error::InvalidPath { .. }));
    let makepath = CreateOptions {
        makepath: true,
        ..CreateOptions::default()
    };
    assert!(matches!(
        zk.transaction()
            .create("/x/y", b"", &makepath)
            .commit()
            .wait(),
        Err(zkclient::Error::InvalidArgument(_))
    ));
    assert!(matches!(
        zk.transaction().get("/").delete("/x", -1).commit().wait(),
        Err(zkclient::Error::InvalidArgument(_))
    ));
    assert_eq!(zk.transaction().commit().wait().unwrap(), vec![]);
}

#[test]
fn a_read_batch_answers_every_read_on_its_own() {
    let zk = common::shared_client("multiread");
    zk.create("/r", b"data", &CreateOptions::default())
        .wait()
        .unwrap();
    zk.create("/r/kid", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    let results = zk
        .transaction()
        .get("/r")
        .get_children("/r")
        .get("/missing")
        .commit()
        .wait()
        .unwrap();
    assert!(
        matches!(&results[0], OpResult::GetData { data, stat } if data == b"data" && stat.num_children == 1)
    );
    assert_eq!(
        results[1],
        OpResult::GetChildren {
            children: vec!["kid".to_string()]
        }
    );
    assert_eq!(results[2], OpResult::Error(ErrorCode::NO_NODE));
}

#[test]
fn transactions_through_the_c_api() {
    let hosts = common::shared_hosts();
    let chroot = common::unique_chroot("txn-c");
    drop(common::connect(&hosts, &chroot, Default::default()));
    let c = |s: &str| CString::new(s).unwrap();
    // SAFETY: valid arguments; everything returned is freed with its function.
    unsafe {
        let mut client = null_mut();
        assert_eq!(
            zk_client_new(c(&format!("{hosts}{chroot}")).as_ptr(), null(), &mut client),
            zk_error::ZK_OK
        );
        assert_eq!(zk_client_start(client, 30_000), zk_error::ZK_OK);
        let mut txn = null_mut();
        assert_eq!(zk_transaction_new(client, &mut txn), zk_error::ZK_OK);
        assert_eq!(
            zk_transaction_create(txn, c("/t").as_ptr(), b"v".as_ptr(), 1, null()),
            zk_error::ZK_OK
        );
        assert_eq!(
            zk_transaction_check(txn, c("bad path").as_ptr(), 0),
            zk_error::ZK_EBADPATH
        );
        assert_eq!(
            zk_transaction_set(txn, c("/t").as_ptr(), b"w".as_ptr(), 1, 0),
            zk_error::ZK_OK
        );
        assert_eq!(
            zk_transaction_get(txn, c("/t").as_ptr()),
            zk_error::ZK_OK,
            "mixing is refused at commit"
        );
        let mut results = zk_op_results {
            items: null_mut(),
            count: 0,
        };
        assert_eq!(
            zk_transaction_commit(txn, &mut results),
            zk_error::ZK_EINVAL
        );
        zk_transaction_free(txn);

        assert_eq!(zk_transaction_new(client, &mut txn), zk_error::ZK_OK);
        assert_eq!(
            zk_transaction_create(txn, c("/t").as_ptr(), b"v".as_ptr(), 1, null()),
            zk_error::ZK_OK
        );
        assert_eq!(
            zk_transaction_set(txn, c("/t").as_ptr(), b"w".as_ptr(), 1, 0),
            zk_error::ZK_OK
        );
        assert_eq!(zk_transaction_commit(txn, &mut results), zk_error::ZK_OK);
        assert_eq!(results.count, 2);
        let items = std::slice::from_raw_parts(results.items, results.count);
        assert_eq!(items[0].op_type, zk_op_type::ZK_OP_CREATE);
        assert_eq!(CStr::from_ptr(items[0].path).to_str().unwrap(), "/t");
        assert_eq!(
            (items[1].op_type, items[1].stat.version),
            (zk_op_type::ZK_OP_SET, 1)
        );
        zk_op_results_free(&mut results);
        assert!(results.items.is_null());
        // Committed again: the create now fails, nothing is applied, results say why.
        assert_eq!(
            zk_transaction_commit(txn, &mut results),
            zk_error::ZK_ENODEEXISTS
        );
        let items = std::slice::from_raw_parts(results.items, results.count);
        assert_eq!(
            (items[0].op_type, items[0].rc),
            (zk_op_type::ZK_OP_ERROR, zk_error::ZK_ENODEEXISTS)
        );
        assert_eq!(items[1].rc, zk_error::ZK_ERUNTIMEINCONSISTENCY);
        zk_op_results_free(&mut results);
        zk_transaction_free(txn);
        zk_transaction_free(null_mut());
        zk_op_results_free(null_mut());
        zk_client_free(client);
    }
}
