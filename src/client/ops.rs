//! The operations: create, ensure_path, exists, get, get_children, set, delete, sync.

use std::time::Duration;

use bytes::Bytes;
use tokio::sync::oneshot;

use super::path::{join, parent, prepend_chroot, strip_chroot, validate_path};
use super::Client;
use crate::error::{Error, Result};
use crate::proto::{
    decode_all, encode_request, Acl, Create2Response, CreateMode, CreateRequest, CreateTtlRequest,
    DeleteRequest, ErrorCode, GetChildren2Response, GetDataResponse, OpCode, PathRequest,
    PathWatchRequest, SetDataRequest, Stat, StatResponse,
};
use crate::session::{Answer, Command, PendingWatch, Request};

/// The largest TTL the server accepts (its TTL field has 40 bits of milliseconds).
const MAX_TTL_MS: i64 = 0xff_ffff_ffff;

/// How to create a node. `CreateOptions::default()` is a persistent node with the client's
/// default ACL and no parents created.
#[derive(Debug, Clone, Default)]
pub struct CreateOptions {
    /// Persistent, ephemeral, sequential, container or TTL.
    pub mode: CreateMode,
    /// The node's ACL; `None` = the client's default ACL.
    pub acl: Option<Vec<Acl>>,
    /// Create missing parents (persistent, with the same ACL).
    pub makepath: bool,
    /// For the TTL modes: how long the node may live without children or changes.
    pub ttl: Option<Duration>,
}

/// What a create made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    /// The node's path (with the sequence number of a sequential node; chroot removed).
    pub path: String,
    /// The new node's Stat.
    pub stat: Stat,
}

/// Where a recursive delete gives up when children keep appearing.
const MAX_RECURSIVE_DELETE_PASSES: usize = 100;

impl Client {
    /// Validates a client path and returns the server's form of it.
    pub(super) fn server_path(&self, path: &str, sequential: bool) -> Result<String> {
        validate_path(path, sequential)?;
        Ok(prepend_chroot(self.chroot(), path))
    }

    /// Sends one request frame and waits for the reply body.
    pub(crate) async fn call(&self, op: OpCode, frame: Vec<u8>) -> Result<Bytes> {
        self.call_watched(op, frame, None).await
    }

    /// Sends one request frame with a watch to register when the reply confirms it.
    pub(crate) async fn call_watched(
        &self,
        op: OpCode,
        frame: Vec<u8>,
        watch: Option<PendingWatch>,
    ) -> Result<Bytes> {
        let size = frame.len() - 4;
        let limit = self.options().max_request_size;
        if size > limit {
            return Err(Error::RequestTooLarge { size, limit });
        }
        let (reply, receiver) = oneshot::channel();
        self.send(Command::Request(Request {
            frame,
            op,
            reply,
            watch,
        }))?;
        match receiver.await {
            // An unregistered watch (and its user data) is dropped here, on the caller's
            // thread, before the call returns.
            Ok(Answer {
                result,
                unregistered,
            }) => {
                drop(unregistered);
                result?.into_body()
            }
            // The session ended without answering: the request may have been applied.
            Err(_) => Err(Error::connection_loss()),
        }
    }

    fn check_ttl(mode: CreateMode, ttl: Option<Duration>) -> Result<i64> {
        match (mode.is_ttl(), ttl) {
            (true, Some(ttl)) => {
                let ms = ttl.as_millis();
                if ms == 0 || ms > MAX_TTL_MS as u128 {
                    return Err(Error::InvalidArgument(format!(
                        "TTL {ttl:?} is out of range (1 ms to 2^40-1 ms)"
                    )));
                }
                Ok(ms as i64)
            }
            (true, None) => Err(Error::InvalidArgument(format!("mode {mode:?} needs a TTL"))),
            (false, Some(_)) => Err(Error::InvalidArgument(format!(
                "mode {mode:?} takes no TTL"
            ))),
            (false, None) => Ok(0),
        }
    }

    fn create_frame(
        mode: CreateMode,
        path: &str,
        data: &[u8],
        acl: &[Acl],
        ttl_ms: i64,
    ) -> (OpCode, Vec<u8>) {
        let request = CreateRequest {
            path,
            data,
            acl,
            flags: mode.flags(),
        };
        if mode.is_ttl() {
            let ttl = CreateTtlRequest {
                path,
                data,
                acl,
                flags: mode.flags(),
                ttl: ttl_ms,
            };
            (
                OpCode::CreateTtl,
                encode_request(0, OpCode::CreateTtl, &ttl),
            )
        } else if mode.is_container() {
            (
                OpCode::CreateContainer,
                encode_request(0, OpCode::CreateContainer, &request),
            )
        } else {
            (
                OpCode::Create2,
                encode_request(0, OpCode::Create2, &request),
            )
        }
    }

    /// Creates a node with `data`. See [`CreateOptions`] for modes, ACL, parents and TTL.
    pub async fn create(
        &self,
        path: &str,
        data: &[u8],
        options: &CreateOptions,
    ) -> Result<Created> {
        let server_path = self.server_path(path, options.mode.is_sequential())?;
        let ttl_ms = Self::check_ttl(options.mode, options.ttl)?;
        let acl = options
            .acl
            .as_deref()
            .unwrap_or(&self.options().default_acl);
        let (op, frame) = Self::create_frame(options.mode, &server_path, data, acl, ttl_ms);
        let retry_frame = options.makepath.then(|| frame.clone());
        let body = match (self.call(op, frame).await, retry_frame) {
            (Err(error), Some(frame)) if error.is(ErrorCode::NO_NODE) => {
                self.ensure_server_path(parent(&server_path), acl).await?;
                self.call(op, frame).await?
            }
            (result, _) => result?,
        };
        let created: Create2Response = decode_all(&body)?;
        Ok(Created {
            path: strip_chroot(self.chroot(), &created.path),
            stat: created.stat,
        })
    }

    /// Creates `path` and every missing parent as empty persistent nodes (with `acl`, or the
    /// default ACL). Succeeds when the path already exists. Under a chroot the chroot itself is
    /// created too when missing.
    pub async fn ensure_path(&self, path: &str, acl: Option<&[Acl]>) -> Result<()> {
        let server_path = self.server_path(path, false)?;
        let acl = acl.unwrap_or(&self.options().default_acl);
        self.ensure_server_path(&server_path, acl).await
    }

    async fn ensure_server_path(&self, server_path: &str, acl: &[Acl]) -> Result<()> {
        if server_path == "/" || self.exists_raw(server_path).await?.is_some() {
            return Ok(());
        }
        // Walk up while the parent is missing, then create back down.
        let mut missing = vec![server_path.to_string()];
        while let Some(path) = missing.last() {
            let request = CreateRequest {
                path,
                data: &[],
                acl,
                flags: CreateMode::Persistent.flags(),
            };
            match self
                .call(OpCode::Create, encode_request(0, OpCode::Create, &request))
                .await
            {
                Ok(_) => {
                    missing.pop();
                }
                Err(error) if error.is(ErrorCode::NODE_EXISTS) => {
                    missing.pop();
                }
                Err(error) if error.is(ErrorCode::NO_NODE) && parent(path) != "/" => {
                    let up = parent(path).to_string();
                    missing.push(up);
                }
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }

    async fn exists_raw(&self, server_path: &str) -> Result<Option<Stat>> {
        let request = PathWatchRequest {
            path: server_path,
            watch: false,
        };
        match self
            .call(OpCode::Exists, encode_request(0, OpCode::Exists, &request))
            .await
        {
            Ok(body) => Ok(Some(decode_all::<StatResponse>(&body)?.stat)),
            Err(error) if error.is(ErrorCode::NO_NODE) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// The node's Stat, or `None` when it does not exist.
    pub async fn exists(&self, path: &str) -> Result<Option<Stat>> {
        let server_path = self.server_path(path, false)?;
        self.exists_raw(&server_path).await
    }

    /// The node's data and Stat.
    pub async fn get(&self, path: &str) -> Result<(Vec<u8>, Stat)> {
        let server_path = self.server_path(path, false)?;
        let request = PathWatchRequest {
            path: &server_path,
            watch: false,
        };
        let body = self
            .call(
                OpCode::GetData,
                encode_request(0, OpCode::GetData, &request),
            )
            .await?;
        let reply: GetDataResponse = decode_all(&body)?;
        Ok((reply.data, reply.stat))
    }

    async fn get_children_raw(&self, server_path: &str) -> Result<(Vec<String>, Stat)> {
        let request = PathWatchRequest {
            path: server_path,
            watch: false,
        };
        let body = self
            .call(
                OpCode::GetChildren2,
                encode_request(0, OpCode::GetChildren2, &request),
            )
            .await?;
        let reply: GetChildren2Response = decode_all(&body)?;
        Ok((reply.children, reply.stat))
    }

    /// The names of the node's children (unsorted, as the server lists them) and its Stat.
    pub async fn get_children(&self, path: &str) -> Result<(Vec<String>, Stat)> {
        let server_path = self.server_path(path, false)?;
        self.get_children_raw(&server_path).await
    }

    /// Replaces the node's data if its version is `version` (-1: any version); returns the new
    /// Stat.
    pub async fn set(&self, path: &str, data: &[u8], version: i32) -> Result<Stat> {
        let server_path = self.server_path(path, false)?;
        let request = SetDataRequest {
            path: &server_path,
            data,
            version,
        };
        let body = self
            .call(
                OpCode::SetData,
                encode_request(0, OpCode::SetData, &request),
            )
            .await?;
        Ok(decode_all::<StatResponse>(&body)?.stat)
    }

    async fn delete_raw(&self, server_path: &str, version: i32) -> Result<()> {
        let request = DeleteRequest {
            path: server_path,
            version,
        };
        self.call(OpCode::Delete, encode_request(0, OpCode::Delete, &request))
            .await
            .map(drop)
    }

    /// Deletes the node if its version is `version` (-1: any version). Under a chroot, `/` is
    /// the chroot node itself.
    pub async fn delete(&self, path: &str, version: i32) -> Result<()> {
        let server_path = self.server_path(path, false)?;
        self.delete_raw(&server_path, version).await
    }

    /// Deletes the node and everything under it, deepest first. `version` applies to `path`
    /// itself. Descendants removed by someone else meanwhile are fine; children that keep
    /// appearing make it give up with not-empty after many passes.
    pub async fn delete_recursive(&self, path: &str, version: i32) -> Result<()> {
        let top = self.server_path(path, false)?;
        if top == "/" {
            return Err(Error::InvalidArgument(
                "refusing to delete the whole tree from the server's root".into(),
            ));
        }
        let mut passes = 0;
        // (path, children already listed)
        let mut stack = vec![(top.clone(), false)];
        while let Some((node, listed)) = stack.pop() {
            let is_top = node == top;
            if !listed {
                let children = match self.get_children_raw(&node).await {
                    Ok((children, _)) => children,
                    Err(error) if error.is(ErrorCode::NO_NODE) && !is_top => continue,
                    Err(error) => return Err(error),
                };
                stack.push((node.clone(), true));
                stack.extend(children.iter().map(|child| (join(&node, child), false)));
                continue;
            }
            match self
                .delete_raw(&node, if is_top { version } else { -1 })
                .await
            {
                Ok(()) => {}
                Err(error) if error.is(ErrorCode::NO_NODE) && !is_top => {}
                Err(error)
                    if error.is(ErrorCode::NOT_EMPTY) && passes < MAX_RECURSIVE_DELETE_PASSES =>
                {
                    passes += 1;
                    stack.push((node, false));
                }
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }

    /// Waits until the server this client is connected to has caught up with the leader for
    /// `path`.
    pub async fn sync(&self, path: &str) -> Result<()> {
        let server_path = self.server_path(path, false)?;
        let request = PathRequest { path: &server_path };
        self.call(OpCode::Sync, encode_request(0, OpCode::Sync, &request))
            .await
            .map(drop)
    }
}
