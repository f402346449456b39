//! kazoo's Party and ShallowParty: a pool of members, each an ephemeral node under one path.
//!
//! A [`Party`] member is `<path>/<32 hex digits>__party__` holding the member's identifier;
//! a [`ShallowParty`] member is `<path>/<32 hex digits>-<identifier>` (holding the identifier
//! too, as kazoo 2.11 does), so its members are listed with one call. Both interoperate with
//! kazoo's recipes of the same names.
//!
//! The member node is ours only while its `ephemeralOwner` is the client's current session.
//! After the client declared a session LOST the server may still hold that session and our
//! node for a while: joining again deletes that node and makes it anew (never adopts it), our
//! own listings do not count it, and a leave returns only once the node is gone from the
//! server (or says it may remain, [`Error::MayRemain`](crate::Error::MayRemain)).

use std::sync::Arc;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::proto::ErrorCode;
use crate::runtime::Wait;

use super::common::{guid, Waker};
use super::ephemeral::{create_current, delete_own, is_current};

/// What kazoo's Party puts after the guid of each member node.
pub const PARTY_NODE_SUFFIX: &str = "__party__";

/// The state both kinds share: where the member node goes and what it holds.
#[derive(Clone)]
struct Member {
    client: Client,
    path: String,
    /// This member's node name (no path).
    node: String,
    data: Vec<u8>,
    /// Paces the retries of a leave.
    waker: Arc<Waker>,
}

impl Member {
    fn node_path(&self) -> String {
        format!("{}/{}", self.path.trim_end_matches('/'), self.node)
    }

    fn new(client: &Client, path: &str, node: String, identifier: &str) -> Member {
        Member {
            client: client.clone(),
            path: path.to_string(),
            node,
            data: identifier.as_bytes().to_vec(),
            waker: Arc::new(Waker::default()),
        }
    }

    /// Makes our node in the current session; one of an earlier session is deleted first.
    fn join(&self) -> Result<()> {
        self.client.retry(|| {
            self.client.ensure_path(&self.path, None).wait()?;
            create_current(&self.client, &self.node_path(), &self.data).map(drop)
        })?;
        log::info!("joined party {} ({})", self.path, self.node_path());
        Ok(())
    }

    fn leave(&self) -> Result<bool> {
        let left = delete_own(&self.client, &self.waker, &self.node_path())?;
        log::info!("left party {} ({})", self.path, self.node_path());
        Ok(left)
    }

    /// Drops our own node from `children` unless it belongs to the current session (a node
    /// of a lost session is no membership of ours; the next join or leave deletes it).
    fn without_stale_self(&self, mut children: Vec<String>) -> Result<Vec<String>> {
        if children.contains(&self.node) {
            let path = self.node_path();
            let stat = self.client.retry(|| self.client.exists(&path).wait())?;
            if !stat.is_some_and(|stat| is_current(&self.client, &stat)) {
                children.retain(|child| *child != self.node);
            }
        }
        Ok(children)
    }

    fn children(&self) -> Result<Vec<String>> {
        self.client.retry(|| {
            self.client.ensure_path(&self.path, None).wait()?;
            let (mut children, _) = self.client.get_children(&self.path).wait()?;
            children.sort();
            Ok(children)
        })
    }
}

/// kazoo's Party: members' identifiers are the data of their nodes. Cheap to clone; safe to
/// use from many threads.
#[derive(Clone)]
pub struct Party {
    member: Member,
}

impl Party {
    /// A party at `path` with this process's member identified by `identifier` (kazoo's
    /// `zk.Party(path, identifier)`). Nothing is sent until a call.
    pub fn new(client: &Client, path: &str, identifier: &str) -> Party {
        Party {
            member: Member::new(
                client,
                path,
                format!("{}{PARTY_NODE_SUFFIX}", guid()),
                identifier,
            ),
        }
    }

    /// This member's node: `<path>/<guid>__party__`.
    pub fn node_path(&self) -> String {
        self.member.node_path()
    }

    /// Joins: creates the member node (ephemeral) and the party path if missing. Joining
    /// twice is fine. Our node left by a session the client has given up on (the server may
    /// still hold it) is deleted and made again in the current session, never adopted.
    pub fn join(&self) -> Result<()> {
        self.member.join()
    }

    /// Leaves: deletes the member node (one of an earlier session of ours too), retrying
    /// connection losses through reconnects and new sessions for up to twice the session
    /// timeout. Ok(true) once a delete removed it, Ok(false) when it was not there (a delete
    /// whose reply was lost may have removed it): either way it is gone from the server.
    /// [`Error::MayRemain`](crate::Error::MayRemain) when it could not be deleted in that
    /// time: it may stay until the server expires the session that made it.
    pub fn leave(&self) -> Result<bool> {
        self.member.leave()
    }

    /// The identifiers of the members (kazoo's `list(party)`), in node-name order; a member
    /// that leaves while being listed is skipped. Identifiers that are not UTF-8 are converted
    /// lossily. Our own node counts only while it belongs to the current session.
    pub fn members(&self) -> Result<Vec<String>> {
        let mut members = Vec::new();
        for child in self.member_nodes()? {
            let path = format!("{}/{child}", self.member.path.trim_end_matches('/'));
            let client = &self.member.client;
            match client.retry(|| client.get(&path).wait()) {
                Ok((_, stat)) if child == self.member.node && !is_current(client, &stat) => {}
                Ok((data, _)) => members.push(String::from_utf8_lossy(&data).into_owned()),
                Err(error) if error.is(ErrorCode::NO_NODE) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(members)
    }

    /// How many members there are (kazoo's `len(party)`); our own node counts only while it
    /// belongs to the current session.
    pub fn len(&self) -> Result<usize> {
        Ok(self.member.without_stale_self(self.member_nodes()?)?.len())
    }

    /// True when nobody is a member.
    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }

    fn member_nodes(&self) -> Result<Vec<String>> {
        let mut children = self.member.children()?;
        children.retain(|child| child.contains(PARTY_NODE_SUFFIX));
        Ok(children)
    }
}

/// kazoo's ShallowParty: members' identifiers are in their node names, listed with one call.
/// Cheap to clone; safe to use from many threads.
#[derive(Clone)]
pub struct ShallowParty {
    member: Member,
}

impl ShallowParty {
    /// A shallow party at `path` with this process's member identified by `identifier`,
    /// which goes into the member's node name: one with a `/` or a NUL is refused with
    /// [`Error::InvalidArgument`]. Nothing is sent until a call.
    pub fn new(client: &Client, path: &str, identifier: &str) -> Result<ShallowParty> {
        check_shallow_identifier(identifier)?;
        Ok(ShallowParty {
            member: Member::new(client, path, format!("{}-{identifier}", guid()), identifier),
        })
    }

    /// This member's node: `<path>/<guid>-<identifier>`.
    pub fn node_path(&self) -> String {
        self.member.node_path()
    }

    /// Joins, as [`Party::join`].
    pub fn join(&self) -> Result<()> {
        self.member.join()
    }

    /// Leaves, as [`Party::leave`].
    pub fn leave(&self) -> Result<bool> {
        self.member.leave()
    }

    /// The identifiers of the members: each child's name after its first `-` (the whole name
    /// when it has none, as kazoo does), in node-name order. Our own node counts only while
    /// it belongs to the current session.
    pub fn members(&self) -> Result<Vec<String>> {
        let children = self.member.children()?;
        Ok(self
            .member
            .without_stale_self(children)?
            .into_iter()
            .map(|child| identifier_of(&child).to_string())
            .collect())
    }

    /// How many members there are: every child of the path, as kazoo counts, except our own
    /// node while it belongs to an earlier session.
    pub fn len(&self) -> Result<usize> {
        let children = self.member.children()?;
        Ok(self.member.without_stale_self(children)?.len())
    }

    /// True when nobody is a member.
    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }
}

/// A shallow member's identifier is part of a node name: no `/` (it would make a deeper
/// path) and no NUL.
fn check_shallow_identifier(identifier: &str) -> Result<()> {
    if identifier.contains(['/', '\0']) {
        return Err(Error::InvalidArgument(format!(
            "a shallow party identifier must not contain '/' or NUL: {identifier:?}"
        )));
    }
    Ok(())
}

/// A shallow member's identifier: what follows the first `-` of its node name.
fn identifier_of(child: &str) -> &str {
    child.find('-').map_or(child, |dash| &child[dash + 1..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shallow_identifier_must_fit_in_a_node_name() {
        assert!(check_shallow_identifier("worker-1").is_ok());
        assert!(check_shallow_identifier("").is_ok());
        for bad in ["a/b", "/", "a\0b"] {
            assert!(
                matches!(
                    check_shallow_identifier(bad),
                    Err(Error::InvalidArgument(_))
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn shallow_identifiers_follow_the_first_dash() {
        assert_eq!(identifier_of("0123abcd-worker-1"), "worker-1");
        assert_eq!(identifier_of("0123abcd-"), "");
        assert_eq!(identifier_of("nodash"), "nodash");
    }
}
