//! Transactions and read batches from C.

use std::ffi::{c_char, c_void, CString};

use super::client::{client_arg, zk_client};
use super::ops::{create_options_arg, zk_create_options};
use super::types::{zk_buffer, zk_stat, zk_string_list};
use super::{
    bytes_arg, free_handle, guard, guard_value, new_handle, path_arg, required, required_fn,
    required_mut, required_out, set_last_error, take_array, write_optional_with, zk_error,
};
use crate::client::{OpResult, Transaction};
use crate::error::{Error, Result};
use crate::runtime::Wait;

/// A transaction or read batch being built. Not thread-safe: one thread at a time.
pub struct zk_transaction {
    transaction: Transaction,
}

/// What one operation of a committed transaction did.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum zk_op_type {
    /// `zk_transaction_create()`.
    ZK_OP_CREATE = 1,
    /// `zk_transaction_delete()`.
    ZK_OP_DELETE = 2,
    /// `zk_transaction_set()`.
    ZK_OP_SET = 5,
    /// `zk_transaction_check()`.
    ZK_OP_CHECK = 13,
    /// `zk_transaction_get()`.
    ZK_OP_GET = 4,
    /// `zk_transaction_get_children()`.
    ZK_OP_GET_CHILDREN = 8,
    /// The operation failed (see `rc`).
    ZK_OP_ERROR = -1,
}

/// The result of one operation, in the order the operations were added. Owned by the
/// `zk_op_results` list it belongs to. Frozen: its layout never changes (it comes in arrays; a
/// change would be a new soname).
#[repr(C)]
#[derive(Debug)]
pub struct zk_op_result {
    /// What it did, or `ZK_OP_ERROR`.
    pub op_type: zk_op_type,
    /// `ZK_OK`, or its error. When a transaction is refused the failing operation carries the
    /// reason and the others `ZK_ERUNTIMEINCONSISTENCY` (rolled back) or `ZK_OK`.
    pub rc: zk_error,
    /// Create: the created path (chroot removed); NULL otherwise.
    pub path: *mut c_char,
    /// Set, get: the node's stat; create: the new node's stat when the server reports one
    /// (ZooKeeper 3.8 reports none inside a transaction: zeros); zeros otherwise.
    pub stat: zk_stat,
    /// Get: the data.
    pub data: zk_buffer,
    /// Get children: the names.
    pub children: zk_string_list,
}

/// The results of a transaction, owned by the caller: release with `zk_op_results_free()`.
/// Frozen: its layout never changes (a change would be a new soname).
#[repr(C)]
#[derive(Debug)]
pub struct zk_op_results {
    /// `count` results.
    pub items: *mut zk_op_result,
    /// How many.
    pub count: usize,
}

fn empty_result(op_type: zk_op_type, rc: zk_error) -> zk_op_result {
    zk_op_result {
        op_type,
        rc,
        path: std::ptr::null_mut(),
        stat: zk_stat::default(),
        data: zk_buffer {
            data: std::ptr::null_mut(),
            len: 0,
        },
        children: zk_string_list {
            items: std::ptr::null_mut(),
            count: 0,
        },
    }
}

fn c_result(result: OpResult) -> Result<zk_op_result> {
    Ok(match result {
        OpResult::Create { path, stat } => zk_op_result {
            path: CString::new(path)
                .map_err(|_| Error::InvalidArgument("path with NUL".into()))?
                .into_raw(),
            stat: stat.map(zk_stat::from).unwrap_or_default(),
            ..empty_result(zk_op_type::ZK_OP_CREATE, zk_error::ZK_OK)
        },
        OpResult::Delete => empty_result(zk_op_type::ZK_OP_DELETE, zk_error::ZK_OK),
        OpResult::SetData { stat } => zk_op_result {
            stat: stat.into(),
            ..empty_result(zk_op_type::ZK_OP_SET, zk_error::ZK_OK)
        },
        OpResult::Check => empty_result(zk_op_type::ZK_OP_CHECK, zk_error::ZK_OK),
        OpResult::GetData { data, stat } => zk_op_result {
            data: zk_buffer::from_vec(data),
            stat: stat.into(),
            ..empty_result(zk_op_type::ZK_OP_GET, zk_error::ZK_OK)
        },
        OpResult::GetChildren { children } => zk_op_result {
            children: zk_string_list::from_strings(children)?,
            ..empty_result(zk_op_type::ZK_OP_GET_CHILDREN, zk_error::ZK_OK)
        },
        OpResult::Error(code) => empty_result(zk_op_type::ZK_OP_ERROR, zk_error::from_keeper(code)),
    })
}

fn c_results(results: Vec<OpResult>) -> Result<zk_op_results> {
    let items: Vec<zk_op_result> = results.into_iter().map(c_result).collect::<Result<_>>()?;
    let boxed = items.into_boxed_slice();
    let count = boxed.len();
    let items = if count == 0 {
        std::ptr::null_mut()
    } else {
        Box::into_raw(boxed).cast::<zk_op_result>()
    };
    Ok(zk_op_results { items, count })
}

/// The code a transaction reports: OK, or its first real error.
fn outcome(results: &[OpResult]) -> zk_error {
    match Transaction::first_error(results) {
        None => zk_error::ZK_OK,
        Some(code) => {
            set_last_error(format!("the transaction was refused: {code}"));
            zk_error::from_keeper(code)
        }
    }
}

/// Starts a transaction on `client` (kazoo's `client.transaction()`): add operations, then
/// `zk_transaction_commit()`. Writes (create / delete / set / check) are applied atomically,
/// all or none; reads (get / get children) form a read batch answered together. A batch holds
/// writes or reads, not both. Release with `zk_transaction_free()`.
///
/// # Safety
/// `client` NULL or live; `out_transaction` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_transaction_new(
    client: *mut zk_client,
    out_transaction: *mut *mut zk_transaction,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let client = unsafe { client_arg(client) }?;
        let out = required_out(out_transaction, "out_transaction")?;
        let transaction = zk_transaction {
            transaction: client.transaction(),
        };
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { new_handle(out, transaction) };
        Ok(())
    })
}

/// # Safety
/// `transaction` NULL or live.
unsafe fn transaction_mut<'a>(transaction: *mut zk_transaction) -> Result<&'a mut Transaction> {
    // SAFETY: per the contract.
    unsafe { required_mut(transaction, "transaction") }.map(|t| &mut t.transaction)
}

/// Adds a create of `path` with `data_len` bytes of `data` (copied). `options` as for
/// `zk_create()`, except that makepath is refused. Path and options are checked now.
///
/// # Safety
/// `transaction` NULL or live; the rest as for `zk_create()`.
#[no_mangle]
pub unsafe extern "C" fn zk_transaction_create(
    transaction: *mut zk_transaction,
    path: *const c_char,
    data: *const u8,
    data_len: usize,
    options: *const zk_create_options,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract (every dereference below).
        let transaction = unsafe { transaction_mut(transaction) }?;
        let path = unsafe { path_arg(path) }?;
        let data = unsafe { bytes_arg(data, data_len, "data") }?;
        let options = unsafe { create_options_arg(options) }?;
        checked(transaction, |t| t.create(path, data, &options))
    })
}

/// Runs `add` and reports an operation it refused at once (not only at commit); a refused
/// operation is not added.
fn checked(
    transaction: &mut Transaction,
    add: impl FnOnce(&mut Transaction) -> &mut Transaction,
) -> Result<()> {
    match add(transaction).take_invalid() {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// Adds a delete of `path` if its version is `version` (-1: any).
///
/// # Safety
/// `transaction` NULL or live; `path` NULL or a string.
#[no_mangle]
pub unsafe extern "C" fn zk_transaction_delete(
    transaction: *mut zk_transaction,
    path: *const c_char,
    version: i32,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let (transaction, path) = unsafe { (transaction_mut(transaction)?, path_arg(path)?) };
        checked(transaction, |t| t.delete(path, version))
    })
}

/// Adds a set of `path`'s data to `data_len` bytes of `data` (copied) if its version is
/// `version` (-1: any).
///
/// # Safety
/// `transaction` NULL or live; `path` NULL or a string; `data` readable for `data_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn zk_transaction_set(
    transaction: *mut zk_transaction,
    path: *const c_char,
    data: *const u8,
    data_len: usize,
    version: i32,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let (transaction, path) = unsafe { (transaction_mut(transaction)?, path_arg(path)?) };
        // SAFETY: per the contract.
        let data = unsafe { bytes_arg(data, data_len, "data") }?;
        checked(transaction, |t| t.set_data(path, data, version))
    })
}

/// Adds a check that `path`'s version is `version`.
///
/// # Safety
/// `transaction` NULL or live; `path` NULL or a string.
#[no_mangle]
pub unsafe extern "C" fn zk_transaction_check(
    transaction: *mut zk_transaction,
    path: *const c_char,
    version: i32,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let (transaction, path) = unsafe { (transaction_mut(transaction)?, path_arg(path)?) };
        checked(transaction, |t| t.check(path, version))
    })
}

/// Adds a read of `path`'s data (read batches, ZooKeeper 3.6+).
///
/// # Safety
/// `transaction` NULL or live; `path` NULL or a string.
#[no_mangle]
pub unsafe extern "C" fn zk_transaction_get(
    transaction: *mut zk_transaction,
    path: *const c_char,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let (transaction, path) = unsafe { (transaction_mut(transaction)?, path_arg(path)?) };
        checked(transaction, |t| t.get(path))
    })
}

/// Adds a listing of `path`'s children (read batches, ZooKeeper 3.6+).
///
/// # Safety
/// `transaction` NULL or live; `path` NULL or a string.
#[no_mangle]
pub unsafe extern "C" fn zk_transaction_get_children(
    transaction: *mut zk_transaction,
    path: *const c_char,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let (transaction, path) = unsafe { (transaction_mut(transaction)?, path_arg(path)?) };
        checked(transaction, |t| t.get_children(path))
    })
}

/// Commits the operations added so far (the transaction can be committed again). Returns
/// `ZK_OK` when every operation succeeded; when the server refused a write transaction,
/// the failing operation's error (nothing was applied); for a read batch, the first failed
/// read's error. In both of these cases `*out_results` (if not NULL) still receives one result
/// per operation, owned by the caller (release with `zk_op_results_free()`). On other errors
/// (`ZK_ECONNECTIONLOSS`: applied or not, as a whole) it is unchanged.
///
/// # Safety
/// `transaction` NULL or live; `out_results` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn zk_transaction_commit(
    transaction: *mut zk_transaction,
    out_results: *mut zk_op_results,
) -> zk_error {
    let mut rc = zk_error::ZK_OK;
    let status = guard(|| {
        // SAFETY: per the contract.
        let transaction = unsafe { transaction_mut(transaction) }?;
        let results = transaction.commit().wait()?;
        rc = outcome(&results);
        // SAFETY: NULL or writable per the contract.
        unsafe { write_optional_with(out_results, || c_results(results)) }?;
        Ok(())
    });
    if status == zk_error::ZK_OK {
        rc
    } else {
        status
    }
}

/// Completion of `zk_transaction_commit_async()`: `rc` as `zk_transaction_commit()` returns
/// it; `results` (NULL when the transaction was not answered) borrowed for the call.
pub type zk_transaction_completion = Option<
    unsafe extern "C" fn(rc: zk_error, results: *const zk_op_results, user_data: *mut c_void),
>;

/// Submits the transaction without waiting; the completion follows the rules of the other
/// `*_async` functions. The transaction may be freed as soon as this returns.
///
/// # Safety
/// `transaction` NULL or live; `completion` safe to call with `user_data` from another thread.
#[no_mangle]
pub unsafe extern "C" fn zk_transaction_commit_async(
    transaction: *mut zk_transaction,
    completion: zk_transaction_completion,
    user_data: *mut c_void,
) -> zk_error {
    guard(|| {
        // SAFETY: per the contract.
        let transaction = unsafe { required(transaction, "transaction") }?;
        let completion = required_fn(completion, "completion")?;
        let user_data = super::UserData::new(user_data, None);
        transaction
            .transaction
            .commit_then(move |result: Result<Vec<OpResult>>| {
                let (rc, mut results) = match result {
                    Ok(results) => {
                        let rc = outcome(&results);
                        match c_results(results) {
                            Ok(list) => (rc, Some(list)),
                            Err(error) => (zk_error::from_error(&error), None),
                        }
                    }
                    Err(error) => {
                        set_last_error(error.to_string());
                        (zk_error::from_error(&error), None)
                    }
                };
                let results_ptr = results
                    .as_ref()
                    .map_or(std::ptr::null(), |r| r as *const zk_op_results);
                // SAFETY: the caller gave this completion for this user data.
                unsafe { completion(rc, results_ptr, user_data.ptr()) };
                if let Some(results) = results.as_mut() {
                    // SAFETY: made by c_results above.
                    unsafe { zk_op_results_free(results) };
                }
            })
    })
}

/// Releases a transaction handle. NULL is fine.
///
/// # Safety
/// `transaction` NULL or from `zk_transaction_new()`, not freed before.
#[no_mangle]
pub unsafe extern "C" fn zk_transaction_free(transaction: *mut zk_transaction) {
    guard_value((), || {
        // SAFETY: NULL or a handle from its constructor, not freed before, per the contract.
        unsafe { free_handle(transaction) };
    })
}

/// Releases results and resets the list to `{NULL, 0}`. NULL is fine.
///
/// # Safety
/// `results` NULL or filled by this library and not modified since.
#[no_mangle]
pub unsafe extern "C" fn zk_op_results_free(results: *mut zk_op_results) {
    guard_value((), || {
        // SAFETY: NULL or valid per the contract.
        let Some(results) = (unsafe { results.as_mut() }) else {
            return;
        };
        // SAFETY: items/count came from Box<[zk_op_result]>::into_raw in c_results.
        if let Some(mut items) = unsafe { take_array(&mut results.items, &mut results.count) } {
            for item in items.iter_mut() {
                // SAFETY: each part was made by this library.
                unsafe {
                    super::types::zk_string_free(item.path);
                    super::types::zk_buffer_free(&mut item.data);
                    super::types::zk_string_list_free(&mut item.children);
                }
            }
        }
    })
}
