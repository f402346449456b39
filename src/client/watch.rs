//! Watches: one-shot watches set by exists / get / get_children, persistent and recursive
//! watches (addWatch), their removal, and checkWatches.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::ops::{decode_children, decode_data, decode_exists, Prepared};
use super::path::strip_chroot;
use super::Client;
use crate::error::{Error, Result};
use crate::proto::{
    decode_all, encode_request, AddWatchMode, AddWatchRequest, ErrorCode, EventType,
    GetChildren2Response, GetDataResponse, KeeperState, OpCode, PathWatchRequest,
    RemoveWatchesRequest, Stat, StatResponse, WatcherType,
};
use crate::session::{
    Command, OnceWatcher, PendingWatch, PersistentWatcher, Reply, ReplyTo, Request, WatchEvent,
    WatchKind,
};
use tokio::sync::oneshot;

/// What a watcher receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchedEvent {
    /// What happened; `EventType::None` for a session event (the session expired or the
    /// client was stopped: the watch is gone).
    pub event_type: EventType,
    /// The keeper state when it happened.
    pub keeper_state: KeeperState,
    /// The node's path (chroot removed).
    pub path: String,
}

/// Identifies one watch registration, to remove it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WatchId(pub u64);

impl Client {
    fn next_watch_id(&self) -> u64 {
        self.inner.next_watch_id.fetch_add(1, Ordering::Relaxed)
    }

    pub(super) fn once(
        &self,
        kind: WatchKind,
        server_path: &str,
        watcher: impl FnOnce(WatchedEvent) + Send + 'static,
    ) -> (PendingWatch, WatchId) {
        self.once_delivered(kind, server_path, false, watcher)
    }

    fn once_delivered(
        &self,
        kind: WatchKind,
        server_path: &str,
        inline: bool,
        watcher: impl FnOnce(WatchedEvent) + Send + 'static,
    ) -> (PendingWatch, WatchId) {
        let id = self.next_watch_id();
        let chroot = self.clone_chroot();
        let watcher: OnceWatcher =
            Box::new(move |event: WatchEvent| watcher(user_event(chroot.as_deref(), event)));
        (
            PendingWatch::Once {
                path: server_path.to_string(),
                kind,
                id,
                watcher,
                inline,
            },
            WatchId(id),
        )
    }

    fn clone_chroot(&self) -> Option<String> {
        self.chroot().map(str::to_string)
    }

    /// As [`Client::exists`], and sets a one-shot watch: on the node's deletion or data change
    /// when it exists, on its creation when it does not.
    pub async fn exists_watch(
        &self,
        path: &str,
        watcher: impl FnOnce(WatchedEvent) + Send + 'static,
    ) -> Result<(Option<Stat>, WatchId)> {
        self.exists_watching(path, false, watcher).await
    }

    /// As [`Client::exists_watch`], but `wake` runs on the network thread the moment the event
    /// arrives, ahead of the callbacks queued for the dispatcher, and so also while a callback
    /// of this client blocks. It is for waking a waiting thread and nothing more: it must
    /// return at once, and must not call the client. Blocking recipes wait on these, so that
    /// they work from inside a callback too.
    pub async fn exists_wake(
        &self,
        path: &str,
        wake: impl FnOnce(WatchedEvent) + Send + 'static,
    ) -> Result<(Option<Stat>, WatchId)> {
        self.exists_watching(path, true, wake).await
    }

    async fn exists_watching(
        &self,
        path: &str,
        inline: bool,
        watcher: impl FnOnce(WatchedEvent) + Send + 'static,
    ) -> Result<(Option<Stat>, WatchId)> {
        let server_path = self.server_path(path, false)?;
        let (watch, id) = self.once_delivered(WatchKind::Exist, &server_path, inline, watcher);
        let request = PathWatchRequest {
            path: &server_path,
            watch: true,
        };
        let frame = encode_request(0, OpCode::Exists, &request);
        match self.call_watched(OpCode::Exists, frame, Some(watch)).await {
            Ok(body) => Ok((Some(decode_all::<StatResponse>(&body)?.stat), id)),
            Err(error) if error.is(ErrorCode::NO_NODE) => Ok((None, id)),
            Err(error) => Err(error),
        }
    }

    /// As [`Client::get`], and sets a one-shot watch on the node's data change or deletion.
    pub async fn get_watch(
        &self,
        path: &str,
        watcher: impl FnOnce(WatchedEvent) + Send + 'static,
    ) -> Result<(Vec<u8>, Stat, WatchId)> {
        let server_path = self.server_path(path, false)?;
        let (watch, id) = self.once(WatchKind::Data, &server_path, watcher);
        let request = PathWatchRequest {
            path: &server_path,
            watch: true,
        };
        let frame = encode_request(0, OpCode::GetData, &request);
        let body = self
            .call_watched(OpCode::GetData, frame, Some(watch))
            .await?;
        let reply: GetDataResponse = decode_all(&body)?;
        Ok((reply.data, reply.stat, id))
    }

    /// As [`Client::get_children`], and sets a one-shot watch on a change of the children or
    /// the node's deletion.
    pub async fn get_children_watch(
        &self,
        path: &str,
        watcher: impl FnOnce(WatchedEvent) + Send + 'static,
    ) -> Result<(Vec<String>, Stat, WatchId)> {
        self.get_children_watching(path, false, watcher).await
    }

    /// As [`Client::get_children_watch`], with `wake` run on the network thread as
    /// [`Client::exists_wake`] runs it (the same rules).
    pub async fn get_children_wake(
        &self,
        path: &str,
        wake: impl FnOnce(WatchedEvent) + Send + 'static,
    ) -> Result<(Vec<String>, Stat, WatchId)> {
        self.get_children_watching(path, true, wake).await
    }

    async fn get_children_watching(
        &self,
        path: &str,
        inline: bool,
        watcher: impl FnOnce(WatchedEvent) + Send + 'static,
    ) -> Result<(Vec<String>, Stat, WatchId)> {
        let server_path = self.server_path(path, false)?;
        let (watch, id) = self.once_delivered(WatchKind::Child, &server_path, inline, watcher);
        let request = PathWatchRequest {
            path: &server_path,
            watch: true,
        };
        let frame = encode_request(0, OpCode::GetChildren2, &request);
        let body = self
            .call_watched(OpCode::GetChildren2, frame, Some(watch))
            .await?;
        let reply: GetChildren2Response = decode_all(&body)?;
        Ok((reply.children, reply.stat, id))
    }

    /// Sends a watching read of `kind` whose answer goes to `done` on the client's dispatcher,
    /// in the server's order with watch events and every other completion (as
    /// [`Client::submit`]). The watch is registered when the reply confirms it, before `done`
    /// runs; when the request fails it is dropped unregistered. Recipes that mirror server
    /// state (TreeCache) need this order: a reply and a watch event handled out of order
    /// could resurrect a deleted node.
    fn submit_watching<T: 'static>(
        &self,
        kind: WatchKind,
        path: &str,
        decode: fn(&Client, Result<bytes::Bytes>) -> Result<T>,
        watcher: impl FnOnce(WatchedEvent) + Send + 'static,
        done: impl FnOnce(Result<T>) + Send + 'static,
    ) -> Result<WatchId> {
        let server_path = self.server_path(path, false)?;
        let op = match kind {
            WatchKind::Exist => OpCode::Exists,
            WatchKind::Data => OpCode::GetData,
            _ => OpCode::GetChildren2,
        };
        let (watch, id) = self.once(kind, &server_path, watcher);
        let request = PathWatchRequest {
            path: &server_path,
            watch: true,
        };
        let frame = encode_request(0, op, &request);
        self.submit_watched(Prepared::new(op, frame, decode), Some(watch), done)?;
        Ok(id)
    }

    /// [`Client::exists_watch`] answered on the dispatcher in server order (see
    /// `submit_watching`). When this returns an error, `done` is never called.
    pub(crate) fn submit_exists_watch(
        &self,
        path: &str,
        watcher: impl FnOnce(WatchedEvent) + Send + 'static,
        done: impl FnOnce(Result<Option<Stat>>) + Send + 'static,
    ) -> Result<WatchId> {
        self.submit_watching(WatchKind::Exist, path, decode_exists, watcher, done)
    }

    /// [`Client::get_watch`] answered on the dispatcher in server order.
    pub(crate) fn submit_get_watch(
        &self,
        path: &str,
        watcher: impl FnOnce(WatchedEvent) + Send + 'static,
        done: impl FnOnce(Result<(Vec<u8>, Stat)>) + Send + 'static,
    ) -> Result<WatchId> {
        self.submit_watching(WatchKind::Data, path, decode_data, watcher, done)
    }

    /// [`Client::get_children_watch`] answered on the dispatcher in server order.
    pub(crate) fn submit_get_children_watch(
        &self,
        path: &str,
        watcher: impl FnOnce(WatchedEvent) + Send + 'static,
        done: impl FnOnce(Result<(Vec<String>, Stat)>) + Send + 'static,
    ) -> Result<WatchId> {
        self.submit_watching(WatchKind::Child, path, decode_children, watcher, done)
    }

    /// Adds a persistent watch (ZooKeeper 3.6+) that stays until removed: on `path` only
    /// (created, deleted, data changed, children changed), or with
    /// `AddWatchMode::PersistentRecursive` on `path` and every node below it (created,
    /// deleted, data changed). It survives reconnects; changes made while disconnected are
    /// not replayed by the server.
    pub async fn add_watch(
        &self,
        path: &str,
        mode: AddWatchMode,
        watcher: impl Fn(WatchedEvent) + Send + Sync + 'static,
    ) -> Result<WatchId> {
        let server_path = self.server_path(path, false)?;
        let id = self.next_watch_id();
        let chroot = self.clone_chroot();
        let watcher: PersistentWatcher =
            Arc::new(move |event: WatchEvent| watcher(user_event(chroot.as_deref(), event)));
        let recursive = mode == AddWatchMode::PersistentRecursive;
        let watch = PendingWatch::Persistent {
            path: server_path.to_string(),
            recursive,
            id,
            watcher,
        };
        let request = AddWatchRequest {
            path: &server_path,
            mode: mode as i32,
        };
        let frame = encode_request(0, OpCode::AddWatch, &request);
        self.call_watched(OpCode::AddWatch, frame, Some(watch))
            .await?;
        Ok(WatchId(id))
    }

    /// Removes one watch registration; false if it is not registered (it fired, was removed,
    /// or its session ended). Its watcher is dropped before this returns. The server is told
    /// only when no other watcher of that kind on that path remains or is being set (its
    /// removeWatches would take those too).
    pub async fn remove_watch(&self, id: WatchId) -> Result<bool> {
        let (done, answer) = oneshot::channel();
        if self.send(Command::RemoveWatch { id: id.0, done }).is_err() {
            // No session: nothing on a server to tell.
            return Ok(self.lock_watches().remove(id.0).is_some());
        }
        // The watcher (and any user data it owns) is dropped here, on the caller's thread.
        Ok(answer.await.ok().flatten().is_some())
    }

    /// Removes every watch of `kind` on `path`, here and on the server (ZooKeeper's
    /// removeWatches). `NO_WATCHER` when there was none. The session task removes them in
    /// order with the requests around this one: a watch still being set by an earlier request
    /// is removed too (the server removes it with this request), one set by a later request
    /// stays.
    pub async fn remove_watches(&self, path: &str, kind: WatcherType) -> Result<()> {
        let server_path = self.server_path(path, false)?;
        let kinds = local_kinds(kind);
        let request = RemoveWatchesRequest {
            path: &server_path,
            watcher_type: kind as i32,
        };
        let frame = encode_request(0, OpCode::RemoveWatches, &request);
        let (reply, answer) = oneshot::channel();
        let (removed, taken) = oneshot::channel();
        let command = Command::RemoveWatches {
            path: server_path.to_string(),
            kinds,
            request: Request {
                frame,
                op: OpCode::RemoveWatches,
                reply: ReplyTo::Caller(reply),
                watch: None,
            },
            removed,
        };
        if self.send(command).is_err() {
            // No session: nothing on a server to tell.
            drop(self.lock_watches().remove_path(&server_path, kinds));
            return Err(Error::Closed);
        }
        // The watchers (and any user data they own) are dropped here, on the caller's thread.
        let had_local = !taken.await.unwrap_or_default().is_empty();
        let result = match answer.await {
            Ok(answer) => answer.result.and_then(Reply::into_body).map(drop),
            Err(_) => Err(Error::connection_loss()),
        };
        match result {
            Err(error) if error.is(ErrorCode::NO_WATCHER) && had_local => Ok(()),
            other => other,
        }
    }

    /// Asks the server whether a watch of `kind` is set on `path` for this session: Ok, or
    /// `NO_WATCHER`.
    pub async fn check_watches(&self, path: &str, kind: WatcherType) -> Result<()> {
        let server_path = self.server_path(path, false)?;
        let request = RemoveWatchesRequest {
            path: &server_path,
            watcher_type: kind as i32,
        };
        let frame = encode_request(0, OpCode::CheckWatches, &request);
        self.call(OpCode::CheckWatches, frame).await.map(drop)
    }

    /// How many watch registrations this client holds (one-shot and persistent).
    pub fn watch_count(&self) -> usize {
        self.lock_watches().len()
    }
}

/// The local kinds a removeWatches type covers.
fn local_kinds(kind: WatcherType) -> &'static [WatchKind] {
    match kind {
        WatcherType::Children => &[WatchKind::Child],
        WatcherType::Data => &[WatchKind::Data, WatchKind::Exist],
        WatcherType::Any => &[WatchKind::Data, WatchKind::Exist, WatchKind::Child],
        WatcherType::Persistent => &[WatchKind::Persistent],
        WatcherType::PersistentRecursive => &[WatchKind::PersistentRecursive],
    }
}

/// The user's view of a session-level event: chroot removed.
fn user_event(chroot: Option<&str>, event: WatchEvent) -> WatchedEvent {
    WatchedEvent {
        event_type: event.event_type,
        keeper_state: event.state,
        path: strip_chroot(chroot, &event.path),
    }
}
