//! The operations: create, ensure_path, exists, get, get_children, set, delete, sync.

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::oneshot;

use super::path::{join, parent, prepend_chroot, strip_chroot, validate_path};
use super::Client;
use crate::error::{Error, Result};
use crate::proto::{
    decode_all, encode_request, Acl, Create2Response, CreateMode, CreateRequest, CreateTtlRequest,
    Decode, DeleteRequest, ErrorCode, GetChildren2Response, GetDataResponse, OpCode, PathRequest,
    PathWatchRequest, Reader, SetDataRequest, Stat, StatResponse,
};
use crate::session::{Answer, Command, PendingWatch, Reply, ReplyTo, Request};

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
    pub(super) fn server_path<'a>(
        &self,
        path: &'a str,
        sequential: bool,
    ) -> Result<std::borrow::Cow<'a, str>> {
        validate_path(path, sequential)?;
        Ok(prepend_chroot(self.chroot(), path))
    }

    /// Sends one request frame and waits for the reply body.
    pub(crate) async fn call(&self, op: OpCode, frame: Vec<u8>) -> Result<Bytes> {
        self.call_watched(op, frame, None).await
    }

    /// Refuses a frame over the server's request limit (it would drop the connection).
    fn check_size(&self, frame: &[u8]) -> Result<()> {
        let size = frame.len() - 4;
        let limit = self.options().max_request_size;
        if size > limit {
            return Err(Error::RequestTooLarge { size, limit });
        }
        Ok(())
    }

    /// Sends one request frame with a watch to register when the reply confirms it.
    pub(crate) async fn call_watched(
        &self,
        op: OpCode,
        frame: Vec<u8>,
        watch: Option<PendingWatch>,
    ) -> Result<Bytes> {
        self.check_size(&frame)?;
        let (reply, receiver) = oneshot::channel();
        let reply = ReplyTo::Caller(reply);
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

    /// Sends a prepared request and waits for its decoded answer.
    pub(crate) async fn run<T>(&self, prepared: Prepared<T>) -> Result<T> {
        let body = self.call(prepared.op, prepared.frame).await;
        (prepared.decode)(self, body)
    }

    /// Sends a prepared request; `done` receives the decoded answer on the client's
    /// dispatcher, after every event and completion the server sent before it. When this
    /// returns an error, `done` is never called.
    pub(crate) fn submit<T: 'static>(
        &self,
        prepared: Prepared<T>,
        done: impl FnOnce(Result<T>) + Send + 'static,
    ) -> Result<()> {
        self.submit_watched(prepared, None, done)
    }

    /// As [`Client::submit`], with a one-shot watch registered when the reply confirms it
    /// (before `done` runs); a request that fails drops it unregistered.
    pub(super) fn submit_watched<T: 'static>(
        &self,
        prepared: Prepared<T>,
        watch: Option<PendingWatch>,
        done: impl FnOnce(Result<T>) + Send + 'static,
    ) -> Result<()> {
        self.check_size(&prepared.frame)?;
        let client = self.clone();
        let decode = prepared.decode;
        let reply = ReplyTo::callback(move |answer: Answer| {
            drop(answer.unregistered);
            done(decode(&client, answer.result.and_then(Reply::into_body)))
        });
        let (frame, op) = (prepared.frame, prepared.op);
        self.send(Command::Request(Request {
            frame,
            op,
            reply,
            watch,
        }))
    }

    /// Runs a multi-step operation on the runtime; `done` receives its result on the client's
    /// dispatcher when the last step has answered.
    pub(crate) fn spawn_then<T: Send + 'static>(
        &self,
        operation: impl Future<Output = Result<T>> + Send + 'static,
        done: impl FnOnce(Result<T>) + Send + 'static,
    ) {
        let dispatcher = self.inner.notifier.dispatcher.clone();
        crate::runtime::handle().spawn(async move {
            let result = operation.await;
            dispatcher.push(Box::new(move || done(result)));
        });
    }

    pub(super) fn check_ttl(mode: CreateMode, ttl: Option<Duration>) -> Result<i64> {
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

    /// The create request for `path` (without makepath's extra steps).
    pub(crate) fn prepare_create(
        &self,
        path: &str,
        data: &[u8],
        options: &CreateOptions,
    ) -> Result<Prepared<Created>> {
        let server_path = self.server_path(path, options.mode.is_sequential())?;
        let ttl_ms = Self::check_ttl(options.mode, options.ttl)?;
        let acl = options
            .acl
            .as_deref()
            .unwrap_or(&self.options().default_acl);
        let (op, frame) = Self::create_frame(options.mode, &server_path, data, acl, ttl_ms);
        Ok(Prepared {
            op,
            frame,
            decode: decode_created,
        })
    }

    /// Creates a node with `data`. See [`CreateOptions`] for modes, ACL, parents and TTL.
    pub async fn create(
        &self,
        path: &str,
        data: &[u8],
        options: &CreateOptions,
    ) -> Result<Created> {
        let prepared = self.prepare_create(path, data, options)?;
        if !options.makepath {
            return self.run(prepared).await;
        }
        let retry_frame = prepared.frame.clone();
        match self.call(prepared.op, prepared.frame).await {
            Err(error) if error.is(ErrorCode::NO_NODE) => {
                let server_path = self.server_path(path, options.mode.is_sequential())?;
                let acl = options
                    .acl
                    .as_deref()
                    .unwrap_or(&self.options().default_acl);
                self.ensure_server_path(parent(&server_path), acl).await?;
                let body = self.call(prepared.op, retry_frame).await;
                decode_created(self, body)
            }
            result => decode_created(self, result),
        }
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
        self.run(prepare_exists(server_path)).await
    }

    /// The exists request for `path`.
    pub(crate) fn prepare_exists(&self, path: &str) -> Result<Prepared<Option<Stat>>> {
        Ok(prepare_exists(&self.server_path(path, false)?))
    }

    /// The node's Stat, or `None` when it does not exist.
    pub async fn exists(&self, path: &str) -> Result<Option<Stat>> {
        self.run(self.prepare_exists(path)?).await
    }

    /// The getData request for `path`.
    pub(crate) fn prepare_get(&self, path: &str) -> Result<Prepared<(Vec<u8>, Stat)>> {
        self.prepare_get_decoded(path, decode_data)
    }

    /// [`Client::prepare_get`] whose data stays a view of the reply.
    pub(crate) fn prepare_get_shared(&self, path: &str) -> Result<Prepared<(Bytes, Stat)>> {
        self.prepare_get_decoded(path, decode_shared_data)
    }

    fn prepare_get_decoded<T>(
        &self,
        path: &str,
        decode: fn(&Client, Result<Bytes>) -> Result<T>,
    ) -> Result<Prepared<T>> {
        let server_path = self.server_path(path, false)?;
        let request = PathWatchRequest {
            path: &server_path,
            watch: false,
        };
        let frame = encode_request(0, OpCode::GetData, &request);
        Ok(Prepared {
            op: OpCode::GetData,
            frame,
            decode,
        })
    }

    /// The node's data and Stat.
    pub async fn get(&self, path: &str) -> Result<(Vec<u8>, Stat)> {
        self.run(self.prepare_get(path)?).await
    }

    async fn get_children_raw(&self, server_path: &str) -> Result<(Vec<String>, Stat)> {
        self.run(prepare_children(server_path)).await
    }

    /// The getChildren2 request for `path`.
    pub(crate) fn prepare_get_children(&self, path: &str) -> Result<Prepared<(Vec<String>, Stat)>> {
        Ok(prepare_children(&self.server_path(path, false)?))
    }

    /// [`Client::prepare_get_children`] whose names stay in the reply ([`ChildNames`]).
    pub(crate) fn prepare_get_children_shared(
        &self,
        path: &str,
    ) -> Result<Prepared<(ChildNames, Stat)>> {
        Ok(prepare_children_decoded(
            &self.server_path(path, false)?,
            decode_shared_children,
        ))
    }

    /// [`Client::get_children`] with the names left in the reply: for the C lists.
    pub(crate) async fn get_children_shared(&self, path: &str) -> Result<(ChildNames, Stat)> {
        self.run(self.prepare_get_children_shared(path)?).await
    }

    /// The names of the node's children (unsorted, as the server lists them) and its Stat.
    pub async fn get_children(&self, path: &str) -> Result<(Vec<String>, Stat)> {
        self.run(self.prepare_get_children(path)?).await
    }

    /// The setData request for `path`.
    pub(crate) fn prepare_set(
        &self,
        path: &str,
        data: &[u8],
        version: i32,
    ) -> Result<Prepared<Stat>> {
        let server_path = self.server_path(path, false)?;
        let request = SetDataRequest {
            path: &server_path,
            data,
            version,
        };
        let frame = encode_request(0, OpCode::SetData, &request);
        Ok(Prepared {
            op: OpCode::SetData,
            frame,
            decode: decode_stat,
        })
    }

    /// Replaces the node's data if its version is `version` (-1: any version); returns the new
    /// Stat.
    pub async fn set(&self, path: &str, data: &[u8], version: i32) -> Result<Stat> {
        self.run(self.prepare_set(path, data, version)?).await
    }

    async fn delete_raw(&self, server_path: &str, version: i32) -> Result<()> {
        self.run(prepare_delete(server_path, version)).await
    }

    /// The delete request for `path`.
    pub(crate) fn prepare_delete(&self, path: &str, version: i32) -> Result<Prepared<()>> {
        Ok(prepare_delete(&self.server_path(path, false)?, version))
    }

    /// Deletes the node if its version is `version` (-1: any version). Under a chroot, `/` is
    /// the chroot node itself.
    pub async fn delete(&self, path: &str, version: i32) -> Result<()> {
        self.run(self.prepare_delete(path, version)?).await
    }

    /// Deletes the node and everything under it, deepest first. `version` applies to `path`
    /// itself. Descendants removed by someone else meanwhile are fine; children that keep
    /// appearing make it give up with not-empty after many passes.
    pub async fn delete_recursive(&self, path: &str, version: i32) -> Result<()> {
        let top = self.server_path(path, false)?.into_owned();
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

    /// The sync request for `path`.
    pub(crate) fn prepare_sync(&self, path: &str) -> Result<Prepared<()>> {
        let server_path = self.server_path(path, false)?;
        let frame = encode_request(0, OpCode::Sync, &PathRequest { path: &server_path });
        Ok(Prepared {
            op: OpCode::Sync,
            frame,
            decode: decode_unit,
        })
    }

    /// Waits until the server this client is connected to has caught up with the leader for
    /// `path`.
    pub async fn sync(&self, path: &str) -> Result<()> {
        self.run(self.prepare_sync(path)?).await
    }
}

/// A request ready to send, and how to read its answer.
pub(crate) struct Prepared<T> {
    op: OpCode,
    frame: Vec<u8>,
    decode: fn(&Client, Result<Bytes>) -> Result<T>,
}

impl<T> Prepared<T> {
    pub(super) fn new(
        op: OpCode,
        frame: Vec<u8>,
        decode: fn(&Client, Result<Bytes>) -> Result<T>,
    ) -> Self {
        Prepared { op, frame, decode }
    }
}

fn prepare_exists(server_path: &str) -> Prepared<Option<Stat>> {
    let frame = encode_request(
        0,
        OpCode::Exists,
        &PathWatchRequest {
            path: server_path,
            watch: false,
        },
    );
    Prepared {
        op: OpCode::Exists,
        frame,
        decode: decode_exists,
    }
}

fn prepare_children(server_path: &str) -> Prepared<(Vec<String>, Stat)> {
    prepare_children_decoded(server_path, decode_children)
}

fn prepare_children_decoded<T>(
    server_path: &str,
    decode: fn(&Client, Result<Bytes>) -> Result<T>,
) -> Prepared<T> {
    let request = PathWatchRequest {
        path: server_path,
        watch: false,
    };
    let frame = encode_request(0, OpCode::GetChildren2, &request);
    Prepared {
        op: OpCode::GetChildren2,
        frame,
        decode,
    }
}

/// The children of a getChildren2 reply, kept as the server sent them: the names are read
/// out of the reply on demand, so a listing of 100,000 children allocates no string (the C
/// layer packs them into one block). Checked whole when made.
pub struct ChildNames {
    /// The reply body: the count, then the length-prefixed names, then the Stat.
    body: Bytes,
    count: usize,
}

impl ChildNames {
    /// How many children.
    pub fn len(&self) -> usize {
        self.count
    }

    /// True without children.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The names, in the server's order (a null name reads as empty).
    pub fn iter(&self) -> impl Iterator<Item = &str> + Clone + '_ {
        let mut reader = Reader::new(self.body.get(4..).unwrap_or_default());
        (0..self.count).map(move |_| reader.read_string().ok().flatten().unwrap_or_default())
    }
}

fn decode_shared_children(_: &Client, body: Result<Bytes>) -> Result<(ChildNames, Stat)> {
    let body = body?;
    let mut reader = Reader::new(&body);
    let count = usize::try_from(reader.read_i32()?).unwrap_or(0);
    for _ in 0..count {
        reader.read_string()?;
    }
    let stat = Stat::decode(&mut reader)?;
    reader.finish()?;
    Ok((ChildNames { body, count }, stat))
}

fn prepare_delete(server_path: &str, version: i32) -> Prepared<()> {
    let frame = encode_request(
        0,
        OpCode::Delete,
        &DeleteRequest {
            path: server_path,
            version,
        },
    );
    Prepared {
        op: OpCode::Delete,
        frame,
        decode: decode_unit,
    }
}

fn decode_created(client: &Client, body: Result<Bytes>) -> Result<Created> {
    let created: Create2Response = decode_all(&body?)?;
    Ok(Created {
        path: strip_chroot(client.chroot(), &created.path),
        stat: created.stat,
    })
}

pub(super) fn decode_exists(_: &Client, body: Result<Bytes>) -> Result<Option<Stat>> {
    match body {
        Ok(body) => Ok(Some(decode_all::<StatResponse>(&body)?.stat)),
        Err(error) if error.is(ErrorCode::NO_NODE) => Ok(None),
        Err(error) => Err(error),
    }
}

pub(super) fn decode_data(_: &Client, body: Result<Bytes>) -> Result<(Vec<u8>, Stat)> {
    let reply: GetDataResponse = decode_all(&body?)?;
    Ok((reply.data, reply.stat))
}

/// The node's data as a view of the reply (no copy) and its Stat: for callers that only
/// lend the data out for a call (the C completion).
pub(super) fn decode_shared_data(_: &Client, body: Result<Bytes>) -> Result<(Bytes, Stat)> {
    let body = body?;
    let mut reader = Reader::new(&body);
    let data = reader
        .read_buffer()?
        .map_or_else(Bytes::new, |data| body.slice_ref(data));
    let stat = Stat::decode(&mut reader)?;
    reader.finish()?;
    Ok((data, stat))
}

pub(super) fn decode_children(_: &Client, body: Result<Bytes>) -> Result<(Vec<String>, Stat)> {
    let reply: GetChildren2Response = decode_all(&body?)?;
    Ok((reply.children, reply.stat))
}

fn decode_stat(_: &Client, body: Result<Bytes>) -> Result<Stat> {
    Ok(decode_all::<StatResponse>(&body?)?.stat)
}

fn decode_unit(_: &Client, body: Result<Bytes>) -> Result<()> {
    body.map(drop)
}
