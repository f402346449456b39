//! kazoo's Election: contenders queue as kazoo's Lock does, so that kazoo and zkclient
//! contenders on one path see each other.
//!
//! Each contender is an ephemeral-sequential node `<path>/<guid>__lock__<sequence>` holding
//! its identifier. Contenders are ordered by sequence; the first is the leader. Each other
//! contender waits on an exists watch for its predecessor (no polling, no herd).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};

use crate::client::{Client, CreateOptions};
use crate::error::{Error, Result};
use crate::proto::{CreateMode, ErrorCode};
use crate::runtime::Wait;

use super::common::{guid, lock, Waker};
use crate::client::path::join;

/// The node names kazoo's Lock counts as contenders (`__lock__`, and `__rlock__` of readers).
const NAMES: [&str; 2] = ["__lock__", "__rlock__"];

/// The sequence part of a contender node (kazoo's `(__lock__|__rlock__)(-?\d{10})$`), or
/// `None` if the node is no contender.
fn sequence(child: &str) -> Option<&str> {
    NAMES.iter().find_map(|name| {
        let at = child.rfind(name)? + name.len();
        let seq = &child[at..];
        let digits = seq.strip_prefix('-').unwrap_or(seq);
        (digits.len() == 10 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(seq)
    })
}

/// The contenders among `children`, ordered by sequence as kazoo orders them.
fn ordered(children: &[String]) -> Vec<(&str, &str)> {
    let mut contenders: Vec<(&str, &str)> = children
        .iter()
        .filter_map(|child| sequence(child).map(|seq| (seq, child.as_str())))
        .collect();
    contenders.sort();
    contenders
}

/// kazoo's `zk.Election(path, identifier)`. Cheap to clone (clones share the handle, so
/// [`Election::cancel`] from one stops a [`Election::run`] waiting in another). Safe to use
/// from many threads; one run at a time per handle.
#[derive(Clone)]
pub struct Election {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    path: String,
    identifier: Vec<u8>,
    waker: Waker,
    cancelled: AtomicBool,
    running: Mutex<()>,
}

/// Deletes our contender node however the run ends (also when the leader function panics).
struct Contender<'a> {
    client: &'a Client,
    node: Option<String>,
}

impl Drop for Contender<'_> {
    fn drop(&mut self) {
        if let Some(node) = self.node.take() {
            let _ = self.client.delete(&node, -1).wait();
        }
    }
}

impl Election {
    /// An election at `path`; `identifier` is what [`Election::contenders`] (here and in
    /// kazoo) shows for this contender. Nothing is sent until [`Election::run`].
    pub fn new(client: &Client, path: &str, identifier: impl AsRef<[u8]>) -> Election {
        Election {
            inner: Arc::new(Inner {
                client: client.clone(),
                path: path.to_string(),
                identifier: identifier.as_ref().to_vec(),
                waker: Waker::default(),
                cancelled: AtomicBool::new(false),
                running: Mutex::new(()),
            }),
        }
    }

    /// The election's path.
    pub fn path(&self) -> &str {
        &self.inner.path
    }

    /// Joins the election, waits until elected, then calls `leader` and gives leadership up
    /// when it returns (or panics). `Ok(Some(value))`: `leader` ran and returned `value`;
    /// `Ok(None)`: [`Election::cancel`] stopped the wait (`leader` did not run). A cancel made
    /// while no run is waiting stops the next run at once.
    pub fn run<T>(&self, leader: impl FnOnce() -> T) -> Result<Option<T>> {
        let inner = &self.inner;
        let _one = lock(&inner.running);
        let outcome = self.elect(leader);
        inner.cancelled.store(false, Ordering::SeqCst);
        outcome
    }

    fn elect<T>(&self, leader: impl FnOnce() -> T) -> Result<Option<T>> {
        let inner = &self.inner;
        let client = &inner.client;
        if inner.cancelled.load(Ordering::SeqCst) {
            return Ok(None);
        }
        client.retry(|| client.ensure_path(&inner.path, None).wait())?;
        let prefix = format!("{}{}", guid(), NAMES[0]);
        let options = CreateOptions {
            mode: CreateMode::EphemeralSequential,
            ..CreateOptions::default()
        };
        let created = client
            .create(&join(&inner.path, &prefix), &inner.identifier, &options)
            .wait()?;
        let mut contender = Contender {
            client,
            node: Some(created.path.clone()),
        };
        let name = created
            .path
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let ours = sequence(&name)
            .ok_or_else(|| Error::InvalidArgument(format!("unexpected node name {name}")))?
            .to_string();
        loop {
            let seen = inner.waker.generation();
            if inner.cancelled.load(Ordering::SeqCst) {
                return Ok(None);
            }
            let (children, _) = client.get_children(&inner.path).wait()?;
            if !children.contains(&name) {
                // Our ephemeral node went with an expired session.
                contender.node = None;
                return Err(Error::Keeper(ErrorCode::SESSION_EXPIRED));
            }
            let before = ordered(&children)
                .into_iter()
                .rfind(|(seq, _)| *seq < ours.as_str())
                .map(|(_, child)| child.to_string());
            let Some(before) = before else {
                let value = leader();
                drop(contender);
                return Ok(Some(value));
            };
            let weak: Weak<Inner> = Arc::downgrade(inner);
            let (stat, id) = client
                .exists_watch(&join(&inner.path, &before), move |_| {
                    if let Some(inner) = weak.upgrade() {
                        inner.waker.wake();
                    }
                })
                .wait()?;
            if stat.is_some() {
                inner.waker.wait(seen, None);
            }
            let _ = client.remove_watch(id).wait();
        }
    }

    /// Stops a [`Election::run`] that waits to be elected (it returns `Ok(None)`); a leader
    /// function already running is not interrupted.
    pub fn cancel(&self) {
        self.inner.cancelled.store(true, Ordering::SeqCst);
        self.inner.waker.wake();
    }

    /// The identifiers of the contenders, the leader first (kazoo's `contenders()`).
    pub fn contenders(&self) -> Result<Vec<String>> {
        let inner = &self.inner;
        let client = &inner.client;
        let children = match client.get_children(&inner.path).wait() {
            Ok((children, _)) => children,
            Err(error) if error.is(ErrorCode::NO_NODE) => return Ok(Vec::new()),
            Err(error) => return Err(error),
        };
        let mut identifiers = Vec::new();
        for (_, child) in ordered(&children) {
            match client.get(&join(&inner.path, child)).wait() {
                Ok((data, _)) => identifiers.push(String::from_utf8_lossy(&data).into_owned()),
                Err(error) if error.is(ErrorCode::NO_NODE) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(identifiers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contenders_are_ordered_by_sequence_as_kazoo_does() {
        let children: Vec<String> = [
            "bbbb__lock__0000000003",
            "aaaa__rlock__0000000001",
            "cccc__lock__0000000002",
            "other",
            "dddd__lock__12",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let names: Vec<&str> = ordered(&children).into_iter().map(|(_, c)| c).collect();
        assert_eq!(
            names,
            [
                "aaaa__rlock__0000000001",
                "cccc__lock__0000000002",
                "bbbb__lock__0000000003"
            ]
        );
    }
}
