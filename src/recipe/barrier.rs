//! kazoo's Barrier and DoubleBarrier.
//!
//! A [`Barrier`] is up while its node exists; waiters block on an exists watch until it is
//! deleted. A [`DoubleBarrier`] holds `num_clients` participants at `enter` until all have
//! arrived and at `leave` until all have left: each participant is an ephemeral
//! `<path>/<32 hex digits>` holding its identifier, and the last to arrive creates
//! `<path>/ready` (kazoo's layout and algorithm, so the two interoperate).
//!
//! A participant's node is its own only while its `ephemeralOwner` is the client's current
//! session: one left by a session the client declared LOST (the server may hold it for a
//! while yet) is deleted and made again by `enter`, never counted as this participant. A
//! `leave`, and the cleanup after a failed `enter`, report the node gone only once it is gone
//! from the server.

use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::client::{Client, WatchId, WatchedEvent};
use crate::error::{Error, Result};
use crate::proto::{ErrorCode, EventType};
use crate::runtime::Wait;

use super::common::Waker;
use super::ephemeral::{create_current, delete_own};

/// The name of the node a DoubleBarrier's last arrival creates.
pub const READY_NODE: &str = "ready";

/// When a wait of `timeout` started now ends (`None`: never).
fn deadline(timeout: Option<Duration>) -> Option<Instant> {
    timeout.map(|timeout| Instant::now() + timeout)
}

/// The next watch event, or `None` when `deadline` passed first.
fn next_event(events: &Receiver<WatchedEvent>, deadline: Option<Instant>) -> Option<WatchedEvent> {
    match deadline {
        None => events.recv().ok(),
        Some(deadline) => {
            let left = deadline.saturating_duration_since(Instant::now());
            match events.recv_timeout(left) {
                Ok(event) => Some(event),
                Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => None,
            }
        }
    }
}

/// An exists watch reporting into a channel; removed when dropped, so a wait that gives up
/// leaves nothing registered.
struct ExistsWatch {
    client: Client,
    id: WatchId,
    events: Receiver<WatchedEvent>,
}

impl Drop for ExistsWatch {
    fn drop(&mut self) {
        let _ = self.client.remove_watch(self.id).wait();
    }
}

/// Arms an exists watch on `path`: whether the node exists, and the watch. Its event is sent
/// from the network thread (`exists_wake`), so a wait on it works inside a callback too.
fn watch_exists(client: &Client, path: &str) -> Result<(bool, ExistsWatch)> {
    let (tx, rx) = channel();
    let (stat, id) = client
        .exists_wake(path, move |event| {
            let _ = tx.send(event);
        })
        .wait()?;
    let watch = ExistsWatch {
        client: client.clone(),
        id,
        events: rx,
    };
    Ok((stat.is_some(), watch))
}

fn child_path(parent: &str, child: &str) -> String {
    format!("{}/{child}", parent.trim_end_matches('/'))
}

/// kazoo's Barrier: up while its node exists. Cheap to clone; safe to use from many threads.
#[derive(Clone)]
pub struct Barrier {
    client: Client,
    path: String,
}

impl Barrier {
    /// A barrier at `path`. Nothing is sent until a call.
    pub fn new(client: &Client, path: &str) -> Barrier {
        Barrier {
            client: client.clone(),
            path: path.to_string(),
        }
    }

    /// Puts the barrier up: creates its node (and parents) if missing.
    pub fn create(&self) -> Result<()> {
        self.client
            .retry(|| self.client.ensure_path(&self.path, None).wait())
    }

    /// Takes the barrier down. False when it was not up.
    pub fn remove(&self) -> Result<bool> {
        self.client
            .retry(|| match self.client.delete(&self.path, -1).wait() {
                Ok(()) => Ok(true),
                Err(error) if error.is(ErrorCode::NO_NODE) => Ok(false),
                Err(error) => Err(error),
            })
    }

    /// Waits until the barrier is down (its node deleted), at most `timeout` (`None`: no
    /// limit). True when it is down, false when the time ran out first. Unlike kazoo, a change
    /// of the node's data or a reconnect does not end the wait: the watch is set again.
    pub fn wait(&self, timeout: Option<Duration>) -> Result<bool> {
        let deadline = deadline(timeout);
        loop {
            let (exists, events) = self
                .client
                .retry(|| watch_exists(&self.client, &self.path))?;
            if !exists {
                return Ok(true);
            }
            match next_event(&events.events, deadline) {
                None => return Ok(false),
                Some(event) if event.event_type == EventType::NodeDeleted => return Ok(true),
                Some(_) => continue,
            }
        }
    }
}

/// kazoo's DoubleBarrier. Safe to use from many threads, though one participant enters and
/// leaves from one place.
pub struct DoubleBarrier {
    client: Client,
    path: String,
    num_clients: usize,
    identifier: String,
    node_name: String,
    /// Paces the retries of a node's deletion.
    waker: Arc<Waker>,
}

impl DoubleBarrier {
    /// A participant of the double barrier at `path` that opens when `num_clients`
    /// participants are in. `identifier` is stored in the participant's node (kazoo defaults
    /// it to `<fqdn>-<pid>`). Nothing is sent until a call. `InvalidArgument` when
    /// `num_clients` is 0 (a barrier nobody needs to enter would never open).
    pub fn new(
        client: &Client,
        path: &str,
        num_clients: usize,
        identifier: &str,
    ) -> Result<DoubleBarrier> {
        if num_clients == 0 {
            return Err(Error::InvalidArgument(
                "a double barrier needs num_clients of at least 1".into(),
            ));
        }
        Ok(DoubleBarrier {
            client: client.clone(),
            path: path.to_string(),
            num_clients,
            identifier: identifier.to_string(),
            node_name: super::common::guid(),
            waker: Arc::new(Waker::default()),
        })
    }

    /// This participant's node: `<path>/<guid>`.
    pub fn node_path(&self) -> String {
        child_path(&self.path, &self.node_name)
    }

    /// Enters: blocks until `num_clients` participants have entered, at most `timeout`
    /// (`None`: no limit). True once all are in. This participant's node is made in the
    /// current session: one of ours left by an earlier session (which the server may still
    /// hold) is deleted first, never counted. On a timeout or an error this participant's
    /// node is removed (retrying connection losses, through new sessions, for up to twice the
    /// session timeout) and false or the error is returned;
    /// [`Error::MayRemain`](crate::Error::MayRemain) instead when the node could not be
    /// removed: it may stay (and count as a participant) until the server expires its session.
    pub fn enter(&self, timeout: Option<Duration>) -> Result<bool> {
        let deadline = deadline(timeout);
        let result = self.client.retry(|| self.try_enter(deadline));
        match &result {
            Ok(true) => log::info!("entered double barrier {}", self.path),
            Ok(false) => log::info!("double barrier {}: enter timed out", self.path),
            Err(error) => log::warn!("double barrier {}: enter failed: {error}", self.path),
        }
        if !matches!(result, Ok(true)) {
            self.cleanup()?;
        }
        result
    }

    fn try_enter(&self, deadline: Option<Instant>) -> Result<bool> {
        self.client.ensure_path(&self.path, None).wait()?;
        create_current(&self.client, &self.node_path(), self.identifier.as_bytes())?;
        let ready = child_path(&self.path, READY_NODE);
        let (ready_exists, events) = watch_exists(&self.client, &ready)?;
        if ready_exists {
            return Ok(true);
        }
        let (children, _) = self.client.get_children(&self.path).wait()?;
        if children.len() >= self.num_clients {
            self.client.ensure_path(&ready, None).wait()?;
            return Ok(true);
        }
        match next_event(&events.events, deadline) {
            None => Ok(false),
            Some(event) if event.event_type == EventType::NodeCreated => Ok(true),
            // A session event: let the retry policy start over.
            Some(_) => Err(crate::error::Error::connection_loss()),
        }
    }

    /// Leaves: blocks until every participant has left, at most `timeout` (`None`: no
    /// limit). True once all are out (our node is gone from the server then). On a timeout
    /// or an error this participant's node is removed (retrying connection losses, through
    /// new sessions, for up to twice the session timeout) and false or the error is
    /// returned; [`Error::MayRemain`](crate::Error::MayRemain) instead when the node could not
    /// be removed: it may stay until the server expires the session that made it.
    pub fn leave(&self, timeout: Option<Duration>) -> Result<bool> {
        let deadline = deadline(timeout);
        let result = self.client.retry(|| self.try_leave(deadline));
        if !matches!(result, Ok(true)) {
            self.cleanup()?;
        }
        result
    }

    fn try_leave(&self, deadline: Option<Instant>) -> Result<bool> {
        match self
            .client
            .delete(&child_path(&self.path, READY_NODE), -1)
            .wait()
        {
            Err(error) if !error.is(ErrorCode::NO_NODE) => return Err(error),
            _ => {}
        }
        loop {
            let (mut children, _) = self.client.get_children(&self.path).wait()?;
            children.retain(|child| child != READY_NODE);
            if children.is_empty() {
                return Ok(true);
            }
            if children.len() == 1 && children[0] == self.node_name {
                self.delete_own_node()?;
                return Ok(true);
            }
            children.sort();
            let (first, last) = (&children[0], &children[children.len() - 1]);
            let watched = if *first == self.node_name {
                // The lowest waits for the highest to go.
                last
            } else {
                // Everyone else goes, then waits for the lowest.
                self.delete_own_node()?;
                first
            };
            let (exists, events) = watch_exists(&self.client, &child_path(&self.path, watched))?;
            if !exists {
                continue;
            }
            if next_event(&events.events, deadline).is_none() {
                return Ok(false);
            }
        }
    }

    fn delete_own_node(&self) -> Result<()> {
        match self.client.delete(&self.node_path(), -1).wait() {
            Err(error) if !error.is(ErrorCode::NO_NODE) => Err(error),
            _ => Ok(()),
        }
    }

    /// Removes our node (of whichever session) for good, or says it may remain.
    fn cleanup(&self) -> Result<()> {
        delete_own(&self.client, &self.waker, &self.node_path()).map(drop)
    }
}
