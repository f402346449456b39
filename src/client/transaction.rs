//! Transactions (ZooKeeper's multi): create / delete / set / check committed atomically, and
//! read-only batches (multiRead: getData / getChildren answered together).

use bytes::Bytes;

use super::ops::{CreateOptions, Prepared};
use super::path::strip_chroot;
use super::Client;
use crate::error::{Error, Result};
use crate::proto::{
    decode_all, encode_request, Acl, CheckVersionRequest, CreateMode, CreateRequest,
    CreateTtlRequest, DeleteRequest, ErrorCode, MultiOp, MultiRequest, MultiResponse, MultiResult,
    OpCode, PathRequest, SetDataRequest, Stat,
};

/// One operation of a transaction, paths in the server's form.
#[derive(Debug, Clone)]
enum TxOp {
    Create {
        path: String,
        data: Vec<u8>,
        acl: Vec<Acl>,
        mode: CreateMode,
        ttl_ms: i64,
    },
    Delete {
        path: String,
        version: i32,
    },
    SetData {
        path: String,
        data: Vec<u8>,
        version: i32,
    },
    Check {
        path: String,
        version: i32,
    },
    GetData {
        path: String,
    },
    GetChildren {
        path: String,
    },
}

impl TxOp {
    fn is_read(&self) -> bool {
        matches!(self, TxOp::GetData { .. } | TxOp::GetChildren { .. })
    }

    fn as_multi_op(&self) -> MultiOp<'_> {
        match self {
            TxOp::Create {
                path,
                data,
                acl,
                mode,
                ttl_ms,
            } => {
                let request = CreateRequest {
                    path,
                    data,
                    acl,
                    flags: mode.flags(),
                };
                if mode.is_ttl() {
                    MultiOp::CreateTtl(CreateTtlRequest {
                        path,
                        data,
                        acl,
                        flags: mode.flags(),
                        ttl: *ttl_ms,
                    })
                } else if mode.is_container() {
                    MultiOp::CreateContainer(request)
                } else {
                    MultiOp::Create2(request)
                }
            }
            TxOp::Delete { path, version } => MultiOp::Delete(DeleteRequest {
                path,
                version: *version,
            }),
            TxOp::SetData {
                path,
                data,
                version,
            } => MultiOp::SetData(SetDataRequest {
                path,
                data,
                version: *version,
            }),
            TxOp::Check { path, version } => MultiOp::Check(CheckVersionRequest {
                path,
                version: *version,
            }),
            TxOp::GetData { path } => MultiOp::GetData(PathRequest { path }),
            TxOp::GetChildren { path } => MultiOp::GetChildren(PathRequest { path }),
        }
    }
}

/// The result of one operation of a transaction or read batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpResult {
    /// A node was created.
    Create {
        /// Its path (sequence number included, chroot removed).
        path: String,
        /// Its Stat, when the server reports one (3.8 reports none inside a transaction).
        stat: Option<Stat>,
    },
    /// A node was deleted.
    Delete,
    /// A node's data was set.
    SetData {
        /// The new Stat.
        stat: Stat,
    },
    /// A version check passed.
    Check,
    /// A node's data was read (read batches).
    GetData {
        /// The data.
        data: Vec<u8>,
        /// The Stat.
        stat: Stat,
    },
    /// A node's children were listed (read batches).
    GetChildren {
        /// The children's names.
        children: Vec<String>,
    },
    /// The operation failed: in a transaction, the failing operation carries its error and
    /// the others `RUNTIME_INCONSISTENCY` (rolled back) or OK-but-undone; in a read batch each
    /// read fails on its own.
    Error(ErrorCode),
}

impl OpResult {
    /// The operation's error, if it failed.
    pub fn error(&self) -> Option<ErrorCode> {
        match self {
            OpResult::Error(code) => Some(*code),
            _ => None,
        }
    }
}

/// A transaction (or read batch) being built: operations are validated as they are added and
/// sent together by [`Transaction::commit`]. Writes (create / delete / set / check) are applied
/// atomically: all or none. Reads (get / get_children) form a read batch (ZooKeeper 3.6+); a
/// batch holds writes or reads, not both.
#[derive(Clone)]
pub struct Transaction {
    client: Client,
    ops: Vec<TxOp>,
    /// The first invalid operation added, reported by `commit`.
    invalid: Option<Error>,
}

impl Client {
    /// Starts a transaction (kazoo's `client.transaction()`).
    pub fn transaction(&self) -> Transaction {
        Transaction {
            client: self.clone(),
            ops: Vec::new(),
            invalid: None,
        }
    }
}

impl Transaction {
    fn add(&mut self, op: Result<TxOp>) -> &mut Self {
        match op {
            Ok(op) => self.ops.push(op),
            Err(error) => {
                self.invalid.get_or_insert(error);
            }
        }
        self
    }

    /// Adds a create (makepath is not available inside a transaction).
    pub fn create(&mut self, path: &str, data: &[u8], options: &CreateOptions) -> &mut Self {
        let op = (|| {
            if options.makepath {
                return Err(Error::InvalidArgument(
                    "makepath is not available in a transaction".into(),
                ));
            }
            let ttl_ms = Client::check_ttl(options.mode, options.ttl)?;
            Ok(TxOp::Create {
                path: self
                    .client
                    .server_path(path, options.mode.is_sequential())?
                    .into_owned(),
                data: data.to_vec(),
                acl: options
                    .acl
                    .clone()
                    .unwrap_or_else(|| self.client.options().default_acl.clone()),
                mode: options.mode,
                ttl_ms,
            })
        })();
        self.add(op)
    }

    /// Adds a delete, if the node's version is `version` (-1: any).
    pub fn delete(&mut self, path: &str, version: i32) -> &mut Self {
        let op = self
            .client
            .server_path(path, false)
            .map(std::borrow::Cow::into_owned)
            .map(|path| TxOp::Delete { path, version });
        self.add(op)
    }

    /// Adds a set of the node's data, if its version is `version` (-1: any).
    pub fn set_data(&mut self, path: &str, data: &[u8], version: i32) -> &mut Self {
        let op = self
            .client
            .server_path(path, false)
            .map(std::borrow::Cow::into_owned)
            .map(|path| TxOp::SetData {
                path,
                data: data.to_vec(),
                version,
            });
        self.add(op)
    }

    /// Adds a check that the node's version is `version`.
    pub fn check(&mut self, path: &str, version: i32) -> &mut Self {
        let op = self
            .client
            .server_path(path, false)
            .map(std::borrow::Cow::into_owned)
            .map(|path| TxOp::Check { path, version });
        self.add(op)
    }

    /// Adds a read of the node's data (read batches).
    pub fn get(&mut self, path: &str) -> &mut Self {
        let op = self
            .client
            .server_path(path, false)
            .map(std::borrow::Cow::into_owned)
            .map(|path| TxOp::GetData { path });
        self.add(op)
    }

    /// Adds a listing of the node's children (read batches).
    pub fn get_children(&mut self, path: &str) -> &mut Self {
        let op = self
            .client
            .server_path(path, false)
            .map(std::borrow::Cow::into_owned)
            .map(|path| TxOp::GetChildren { path });
        self.add(op)
    }

    /// The error of the first operation refused since the last call (it was not added), and
    /// forgets it: for callers that check each operation as they add it.
    pub fn take_invalid(&mut self) -> Option<Error> {
        self.invalid.take()
    }

    /// The client the transaction belongs to.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// How many operations were added.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// True when no operation was added.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// The request to send, or why it cannot be sent.
    pub(crate) fn prepare(&self) -> Result<Prepared<Vec<OpResult>>> {
        if let Some(invalid) = &self.invalid {
            return Err(invalid.clone());
        }
        let reads = self.ops.iter().filter(|op| op.is_read()).count();
        if reads != 0 && reads != self.ops.len() {
            return Err(Error::InvalidArgument(
                "a transaction holds writes or reads, not both".into(),
            ));
        }
        let op = if reads == 0 {
            OpCode::Multi
        } else {
            OpCode::MultiRead
        };
        let ops: Vec<MultiOp<'_>> = self.ops.iter().map(TxOp::as_multi_op).collect();
        let frame = encode_request(0, op, &MultiRequest { ops: &ops });
        Ok(Prepared::new(op, frame, decode_results))
    }

    /// Sends the operations. For writes the server applies all or none: the results tell
    /// which operation failed ([`OpResult::Error`]) when it refused them. Err is returned only
    /// when the transaction could not be sent or answered (invalid operation, connection loss:
    /// then it may or may not have been applied, as a whole).
    pub async fn commit(&self) -> Result<Vec<OpResult>> {
        self.client.run(self.prepare()?).await
    }

    /// Submits [`Transaction::commit`] without waiting, as the `*_then` methods of
    /// [`Client`] do: an error (an invalid operation, a closed client) means nothing was sent
    /// and `done` is never called; otherwise `done` gets the results exactly once, on the
    /// dispatcher thread, in server order with the client's other callbacks.
    pub fn commit_then(
        &self,
        done: impl FnOnce(Result<Vec<OpResult>>) + Send + 'static,
    ) -> Result<()> {
        self.client.submit(self.prepare()?, done)
    }

    /// The first error among `results` (the reason a transaction was refused), if any.
    pub fn first_error(results: &[OpResult]) -> Option<ErrorCode> {
        let failing =
            |code: &ErrorCode| *code != ErrorCode::OK && *code != ErrorCode::RUNTIME_INCONSISTENCY;
        let errors = results.iter().filter_map(OpResult::error);
        errors
            .clone()
            .find(failing)
            .or_else(|| errors.into_iter().find(|code| *code != ErrorCode::OK))
    }
}

fn decode_results(client: &Client, body: Result<Bytes>) -> Result<Vec<OpResult>> {
    let response: MultiResponse = decode_all(&body?)?;
    let strip = |path: String| strip_chroot(client.chroot(), &path);
    Ok(response
        .results
        .into_iter()
        .map(|result| match result {
            // Servers answer a create2 inside a transaction with the path only.
            MultiResult::Create { path } => OpResult::Create {
                path: strip(path),
                stat: None,
            },
            MultiResult::Create2 { path, stat } => OpResult::Create {
                path: strip(path),
                stat: Some(stat),
            },
            MultiResult::Delete => OpResult::Delete,
            MultiResult::SetData { stat } => OpResult::SetData { stat },
            MultiResult::Check => OpResult::Check,
            MultiResult::GetData { data, stat } => OpResult::GetData { data, stat },
            MultiResult::GetChildren { children } => OpResult::GetChildren { children },
            MultiResult::Error { err } => OpResult::Error(ErrorCode(err)),
        })
        .collect())
}
