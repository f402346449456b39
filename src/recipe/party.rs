//! kazoo's Party and ShallowParty: a pool of members, each an ephemeral node under one path.
//!
//! A [`Party`] member is `<path>/<32 hex digits>__party__` holding the member's identifier;
//! a [`ShallowParty`] member is `<path>/<32 hex digits>-<identifier>` (holding the identifier
//! too, as kazoo 2.11 does), so its members are listed with one call. Both interoperate with kazoo's recipes of the same names.

use crate::client::{Client, CreateOptions};
use crate::error::Result;
use crate::proto::{CreateMode, ErrorCode};
use crate::runtime::Wait;

use super::common::guid;

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
}

impl Member {
    fn node_path(&self) -> String {
        format!("{}/{}", self.path.trim_end_matches('/'), self.node)
    }

    fn join(&self) -> Result<()> {
        self.client.retry(|| {
            self.client.ensure_path(&self.path, None).wait()?;
            let options = CreateOptions {
                mode: CreateMode::Ephemeral,
                ..CreateOptions::default()
            };
            match self
                .client
                .create(&self.node_path(), &self.data, &options)
                .wait()
            {
                Err(error) if !error.is(ErrorCode::NODE_EXISTS) => Err(error),
                _ => Ok(()),
            }
        })
    }

    fn leave(&self) -> Result<bool> {
        self.client
            .retry(|| match self.client.delete(&self.node_path(), -1).wait() {
                Ok(()) => Ok(true),
                Err(error) if error.is(ErrorCode::NO_NODE) => Ok(false),
                Err(error) => Err(error),
            })
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
            member: Member {
                client: client.clone(),
                path: path.to_string(),
                node: format!("{}{PARTY_NODE_SUFFIX}", guid()),
                data: identifier.as_bytes().to_vec(),
            },
        }
    }

    /// This member's node: `<path>/<guid>__party__`.
    pub fn node_path(&self) -> String {
        self.member.node_path()
    }

    /// Joins: creates the member node (ephemeral) and the party path if missing. Joining
    /// twice is fine.
    pub fn join(&self) -> Result<()> {
        self.member.join()
    }

    /// Leaves: deletes the member node. False when it was not there.
    pub fn leave(&self) -> Result<bool> {
        self.member.leave()
    }

    /// The identifiers of the members (kazoo's `list(party)`), in node-name order; a member
    /// that leaves while being listed is skipped. Identifiers that are not UTF-8 are converted
    /// lossily.
    pub fn members(&self) -> Result<Vec<String>> {
        let mut members = Vec::new();
        for child in self.member_nodes()? {
            let path = format!("{}/{child}", self.member.path.trim_end_matches('/'));
            let client = &self.member.client;
            match client.retry(|| client.get(&path).wait()) {
                Ok((data, _)) => members.push(String::from_utf8_lossy(&data).into_owned()),
                Err(error) if error.is(ErrorCode::NO_NODE) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(members)
    }

    /// How many members there are (kazoo's `len(party)`).
    pub fn len(&self) -> Result<usize> {
        Ok(self.member_nodes()?.len())
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
    /// which must be usable in a node name (no `/`). Nothing is sent until a call.
    pub fn new(client: &Client, path: &str, identifier: &str) -> ShallowParty {
        ShallowParty {
            member: Member {
                client: client.clone(),
                path: path.to_string(),
                node: format!("{}-{identifier}", guid()),
                data: identifier.as_bytes().to_vec(),
            },
        }
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
    /// when it has none, as kazoo does), in node-name order.
    pub fn members(&self) -> Result<Vec<String>> {
        Ok(self
            .member
            .children()?
            .into_iter()
            .map(|child| identifier_of(&child).to_string())
            .collect())
    }

    /// How many members there are: every child of the path, as kazoo counts.
    pub fn len(&self) -> Result<usize> {
        Ok(self.member.children()?.len())
    }

    /// True when nobody is a member.
    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }
}

/// A shallow member's identifier: what follows the first `-` of its node name.
fn identifier_of(child: &str) -> &str {
    child.find('-').map_or(child, |dash| &child[dash + 1..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shallow_identifiers_follow_the_first_dash() {
        assert_eq!(identifier_of("0123abcd-worker-1"), "worker-1");
        assert_eq!(identifier_of("0123abcd-"), "");
        assert_eq!(identifier_of("nodash"), "nodash");
    }
}
