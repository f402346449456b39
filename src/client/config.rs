//! The ensemble's configuration: reading `/zookeeper/config` (getConfig), parsing the text
//! ZooKeeper writes there, and changing the membership (reconfig, incremental or bulk).
//!
//! The configuration node is the server's own: its path ignores the client's chroot, as in
//! the Java client's `getConfig`.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use super::ops::decode_data;
use super::{Client, WatchId, WatchedEvent};
use crate::error::{Error, Result};
use crate::proto::{
    decode_all, encode_request, ErrorCode, EventType, GetDataResponse, OpCode, PathWatchRequest,
    ReconfigRequest, Stat,
};
use crate::session::{HostAddr, WatchKind};

/// The node holding the ensemble's configuration, outside any chroot.
pub const CONFIG_NODE: &str = "/zookeeper/config";

/// How a member takes part in the ensemble.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MemberRole {
    /// Votes in elections and in the quorum of every write.
    Participant,
    /// Follows the leader and serves clients, without a vote.
    Observer,
}

impl MemberRole {
    /// The word of the configuration text: `participant` or `observer`.
    pub fn as_str(self) -> &'static str {
        match self {
            MemberRole::Participant => "participant",
            MemberRole::Observer => "observer",
        }
    }
}

impl fmt::Display for MemberRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One server of the configuration: a `server.N=...` line.
///
/// Parsed from (and displayed as) the spec ZooKeeper writes and a reconfig takes:
/// `server.1=10.0.0.1:2888:3888:participant;0.0.0.0:2181` (`"...".parse()`); the role may be
/// missing (a participant), the client part may be a port only (`;2181`, host `0.0.0.0`) or
/// missing (a server with no client port in its dynamic configuration), and IPv6 hosts are
/// written in brackets (`[::1]:2888:3888;[::1]:2181`). A server listening on several
/// addresses (`a:2888:3888|b:2889:3889`) is kept with its first one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnsembleMember {
    /// The server's id (`myid`).
    pub id: u64,
    /// Participant or observer.
    pub role: MemberRole,
    /// Where the server talks to the leader: its host and quorum port.
    pub quorum_address: HostAddr,
    /// The leader-election port, on the same host.
    pub election_port: u16,
    /// Where clients connect (a wildcard host such as `0.0.0.0` means every interface), if
    /// the configuration says.
    pub client_address: Option<HostAddr>,
}

impl EnsembleMember {
    /// The address a client should connect to, if the member has a client port: its client
    /// address, with a wildcard host (`0.0.0.0`, `::`) replaced by the host of its quorum
    /// address (Curator's rule).
    pub fn client_connect_address(&self) -> Option<HostAddr> {
        let client = self.client_address.as_ref()?;
        let host = if is_wildcard(&client.host) {
            self.quorum_address.host.clone()
        } else {
            client.host.clone()
        };
        Some(HostAddr {
            host,
            port: client.port,
        })
    }

    /// Parses the value of a `server.<id>=` line for server `id`.
    fn parse_spec(id: u64, spec: &str) -> std::result::Result<EnsembleMember, String> {
        let mut halves = spec.split(';');
        let server = halves.next().unwrap_or_default().trim();
        let client = halves.next().map(str::trim);
        if halves.next().is_some() {
            return Err("more than one ';' (expected server_spec;client_spec)".into());
        }
        let mut first = None;
        let mut role = None;
        for address in server.split('|') {
            let parts = host_and_ports(address.trim())?;
            let (host, rest) = match parts.split_first() {
                Some((host, rest)) if (2..=3).contains(&rest.len()) => (host, rest),
                _ => {
                    return Err(format!(
                        "{address:?} is not host:quorum_port:election_port[:role]"
                    ))
                }
            };
            let quorum = parse_port(&rest[0], "quorum port")?;
            let election = parse_port(&rest[1], "election port")?;
            if let Some(word) = rest.get(2) {
                role = Some(match word.to_ascii_lowercase().as_str() {
                    "participant" => MemberRole::Participant,
                    "observer" => MemberRole::Observer,
                    _ => return Err(format!("unknown role {word:?} (participant or observer)")),
                });
            }
            first.get_or_insert((host.clone(), quorum, election));
        }
        let Some((host, quorum, election)) = first else {
            return Err("no server address".into());
        };
        let client_address = match client {
            None => None,
            Some(client) => {
                let parts = host_and_ports(client)?;
                let (host, port) = match parts.as_slice() {
                    [port] => ("0.0.0.0".to_string(), port),
                    [host, port] => (host.clone(), port),
                    _ => return Err(format!("client address {client:?} is not [host:]port")),
                };
                Some(HostAddr {
                    host,
                    port: parse_port(port, "client port")?,
                })
            }
        };
        Ok(EnsembleMember {
            id,
            role: role.unwrap_or(MemberRole::Participant),
            quorum_address: HostAddr { host, port: quorum },
            election_port: election,
            client_address,
        })
    }
}

/// `server.<id>=<host>:<quorum>:<election>:<role>[;<client host>:<client port>]`, the form
/// ZooKeeper writes and a reconfig takes (IPv6 hosts in brackets).
impl fmt::Display for EnsembleMember {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "server.{}={}:{}:{}",
            self.id, self.quorum_address, self.election_port, self.role
        )?;
        if let Some(client) = &self.client_address {
            write!(f, ";{client}")?;
        }
        Ok(())
    }
}

/// Parses one `server.<id>=<spec>` line (see [`EnsembleMember`]); [`Error::InvalidArgument`]
/// says what is wrong with it.
impl FromStr for EnsembleMember {
    type Err = Error;

    fn from_str(line: &str) -> Result<EnsembleMember> {
        let bad = |why: String| Error::InvalidArgument(format!("server spec {line:?}: {why}"));
        let (key, value) = line
            .split_once('=')
            .ok_or_else(|| bad("expected server.<id>=<spec>".into()))?;
        let id = server_id(key.trim()).ok_or_else(|| bad("expected server.<id>=<spec>".into()))?;
        EnsembleMember::parse_spec(id, value).map_err(bad)
    }
}

/// The id of a `server.<id>` key.
fn server_id(key: &str) -> Option<u64> {
    let digits = key.strip_prefix("server.")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Splits `host:p1:p2...` or `[v6]:p1:p2...` into the host (brackets removed) and the rest.
fn host_and_ports(text: &str) -> std::result::Result<Vec<String>, String> {
    if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| format!("{text:?} starts with '[' but has no ']'"))?;
        let mut parts = vec![host.to_string()];
        if !after.is_empty() {
            let after = after
                .strip_prefix(':')
                .ok_or_else(|| format!("{text:?}: expected ':' after ']'"))?;
            parts.extend(after.split(':').map(str::to_string));
        }
        Ok(parts)
    } else {
        Ok(text.split(':').map(str::to_string).collect())
    }
}

fn parse_port(text: &str, what: &str) -> std::result::Result<u16, String> {
    match text.trim().parse::<u16>() {
        Ok(port) if port != 0 => Ok(port),
        _ => Err(format!("{what} {text:?} is not a port (1 to 65535)")),
    }
}

/// True for an address that means "every interface": `0.0.0.0`, `::`.
fn is_wildcard(host: &str) -> bool {
    host.parse::<IpAddr>()
        .is_ok_and(|address| address.is_unspecified())
}

/// The ensemble's configuration, as read from `/zookeeper/config` (or returned by a
/// reconfig).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnsembleConfig {
    /// The configuration's version (the `version=` line, hexadecimal in the text: the zxid
    /// of the reconfig that made it); 0 when the text has none (a standalone server without
    /// a dynamic configuration has an empty node). A reconfig's `from_config` guard takes it.
    pub version: i64,
    /// The servers, in the order of the text.
    pub members: Vec<EnsembleMember>,
    /// The node's data as the server sent it.
    pub data: Vec<u8>,
    /// The node's stat.
    pub stat: Stat,
}

impl EnsembleConfig {
    /// Parses the text of a configuration node (`server.N=...` lines and `version=<hex>`;
    /// hierarchical quorums' `group.N=` and `weight.N=` lines, comments and unknown keys are
    /// skipped). [`Error::InvalidArgument`] names the first line that is not valid.
    pub fn parse(data: Vec<u8>, stat: Stat) -> Result<EnsembleConfig> {
        let text = std::str::from_utf8(&data).map_err(|_| {
            Error::InvalidArgument("the ensemble configuration is not valid UTF-8".into())
        })?;
        let mut version = None;
        let mut members: Vec<EnsembleMember> = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
                continue;
            }
            let bad = |why: String| {
                Error::InvalidArgument(format!(
                    "ensemble configuration, line {} {line:?}: {why}",
                    index + 1
                ))
            };
            let (key, value) = line
                .split_once('=')
                .ok_or_else(|| bad("expected key=value".into()))?;
            let (key, value) = (key.trim(), value.trim());
            if key == "version" {
                if version.is_some() {
                    return Err(bad("a second version line".into()));
                }
                let number = i64::from_str_radix(value, 16)
                    .map_err(|_| bad("the version is not a hexadecimal number".into()))?;
                version = Some(number);
            } else if key.starts_with("server.") {
                let id = server_id(key).ok_or_else(|| bad("expected server.<id>".into()))?;
                if members.iter().any(|member| member.id == id) {
                    return Err(bad(format!("server {id} appears twice")));
                }
                members.push(EnsembleMember::parse_spec(id, value).map_err(bad)?);
            }
        }
        Ok(EnsembleConfig {
            version: version.unwrap_or(0),
            members,
            data,
            stat,
        })
    }

    /// The member with id `id`.
    pub fn member(&self, id: u64) -> Option<&EnsembleMember> {
        self.members.iter().find(|member| member.id == id)
    }

    /// Where clients connect: the [`EnsembleMember::client_connect_address`] of every member
    /// that has a client port, in the order of the members.
    pub fn client_hosts(&self) -> Vec<HostAddr> {
        self.members
            .iter()
            .filter_map(EnsembleMember::client_connect_address)
            .collect()
    }

    /// [`EnsembleConfig::client_hosts`] as a connect string (`h1:2181,h2:2181,[::1]:2181`,
    /// no chroot); empty when no member has a client port.
    pub fn connect_string(&self) -> String {
        let hosts: Vec<String> = self
            .client_hosts()
            .iter()
            .map(HostAddr::to_string)
            .collect();
        hosts.join(",")
    }
}

/// The reason a reconfig was refused, for the codes that have a reconfig-specific meaning.
fn refusal(code: ErrorCode, from_config: i64) -> Option<String> {
    let reason = match code {
        ErrorCode::BAD_VERSION => format!(
            "the configuration is not version {from_config:#x} (it changed since that version \
             was read): read it again with get_config and decide again"
        ),
        ErrorCode::NEW_CONFIG_NO_QUORUM => "no quorum of the new configuration's voting \
            members is connected to the leader and in sync (start joining servers before adding \
            them; keep a majority of running participants)"
            .into(),
        ErrorCode::RECONFIG_IN_PROGRESS => "another reconfiguration is being committed: \
            wait for it, read the configuration again and retry"
            .into(),
        ErrorCode::NO_AUTH => {
            "a reconfig needs the superuser (zookeeper.DigestAuthenticationProvider.\
            superDigest) or WRITE permission on /zookeeper/config"
                .into()
        }
        ErrorCode::RECONFIG_DISABLED => "dynamic reconfiguration is disabled on the server \
            (reconfigEnabled=false in its configuration)"
            .into(),
        ErrorCode::BAD_ARGUMENTS => "the server refused the new membership: a malformed \
            server spec, a joining server without its three ports (quorum, election and client), \
            an address or port used twice, or too few voting members (at least 2 unless \
            standaloneEnabled=false)"
            .into(),
        ErrorCode::UNIMPLEMENTED => "the server runs standalone, and a standalone server \
            cannot be reconfigured"
            .into(),
        // 3.8.0's parser throws on a bulk membership without a participant (with
        // standaloneEnabled=false), which the server answers as a marshalling error.
        ErrorCode::MARSHALLING_ERROR => "the server failed to process the new membership (a \
            bulk membership without any participant is answered so)"
            .into(),
        _ => return None,
    };
    Some(reason)
}

impl Client {
    /// The getData request for the configuration node, outside the chroot.
    fn config_frame(watch: bool) -> Vec<u8> {
        let request = PathWatchRequest {
            path: CONFIG_NODE,
            watch,
        };
        encode_request(0, OpCode::GetData, &request)
    }

    /// The ensemble's configuration: the data of `/zookeeper/config` parsed (ZooKeeper
    /// 3.5+). The node is read at its real path whatever the client's chroot. The data is what
    /// the server this client is connected to has seen; `sync("/")` first for the leader's
    /// latest. A standalone server without a dynamic configuration answers an empty node (no
    /// members, version 0).
    pub async fn get_config(&self) -> Result<EnsembleConfig> {
        let body = self.call(OpCode::GetData, Self::config_frame(false)).await;
        let (data, stat) = decode_data(self, body)?;
        EnsembleConfig::parse(data, stat)
    }

    /// As [`Client::get_config`], and sets a one-shot watch on the configuration node,
    /// called when it changes (a reconfig committed) as the watch of [`Client::get_watch`]
    /// is. The event's path is `/zookeeper/config`, whatever the chroot.
    pub async fn get_config_watch(
        &self,
        watcher: impl FnOnce(WatchedEvent) + Send + 'static,
    ) -> Result<(EnsembleConfig, WatchId)> {
        let watcher = move |mut event: WatchedEvent| {
            if event.event_type != EventType::None {
                event.path = CONFIG_NODE.to_string();
            }
            watcher(event)
        };
        let (watch, id) = self.once(WatchKind::Data, CONFIG_NODE, watcher);
        let body = self
            .call_watched(OpCode::GetData, Self::config_frame(true), Some(watch))
            .await?;
        let reply: GetDataResponse = decode_all(&body)?;
        Ok((EnsembleConfig::parse(reply.data, reply.stat)?, id))
    }

    /// Changes the membership incrementally (ZooKeeper 3.5+, `reconfigEnabled=true`): adds
    /// (or changes) the `joining` servers and removes the servers whose ids are in `leaving`,
    /// if the configuration's version is `from_config` (-1: any version). Returns the new
    /// configuration.
    ///
    /// Each joining server needs its client port. The server refuses with
    /// [`Error::ReconfigRefused`], the configuration unchanged: `BAD_VERSION` (it is no longer
    /// version `from_config`), `NEW_CONFIG_NO_QUORUM` (no quorum of the new membership is up
    /// and in sync), `RECONFIG_IN_PROGRESS`, `NO_AUTH` (needs the superuser or WRITE on
    /// `/zookeeper/config`), `RECONFIG_DISABLED`, `BAD_ARGUMENTS`, `UNIMPLEMENTED`
    /// (standalone), `MARSHALLING_ERROR` (3.8's answer to a bulk membership without a
    /// participant). `InvalidArgument` when nothing would change; nothing is sent then.
    /// On `CONNECTION_LOSS` the change may or may not have happened: read the configuration.
    pub async fn reconfig_incremental(
        &self,
        joining: &[EnsembleMember],
        leaving: &[u64],
        from_config: i64,
    ) -> Result<EnsembleConfig> {
        if joining.is_empty() && leaving.is_empty() {
            return Err(Error::InvalidArgument(
                "an incremental reconfig needs at least one joining or leaving server".into(),
            ));
        }
        if let Some(member) = joining.iter().find(|m| m.client_address.is_none()) {
            return Err(Error::InvalidArgument(format!(
                "joining server {member} has no client port (add ;<client port> to its spec)"
            )));
        }
        let joining = join_specs(joining);
        let leaving: Vec<String> = leaving.iter().map(u64::to_string).collect();
        let leaving = leaving.join(",");
        let request = ReconfigRequest {
            joining_servers: (!joining.is_empty()).then_some(joining.as_str()),
            leaving_servers: (!leaving.is_empty()).then_some(leaving.as_str()),
            new_members: None,
            cur_config_id: from_config,
        };
        self.reconfig(&request).await
    }

    /// Replaces the whole membership with `members` (ZooKeeper 3.5+, `reconfigEnabled=true`),
    /// if the configuration's version is `from_config` (-1: any version). Returns the new
    /// configuration. Refusals as [`Client::reconfig_incremental`]; `InvalidArgument` (nothing
    /// sent) for an empty list.
    pub async fn reconfig_bulk(
        &self,
        members: &[EnsembleMember],
        from_config: i64,
    ) -> Result<EnsembleConfig> {
        if members.is_empty() {
            return Err(Error::InvalidArgument(
                "a bulk reconfig needs the new list of members".into(),
            ));
        }
        let members = join_specs(members);
        let request = ReconfigRequest {
            joining_servers: None,
            leaving_servers: None,
            new_members: Some(&members),
            cur_config_id: from_config,
        };
        self.reconfig(&request).await
    }

    async fn reconfig(&self, request: &ReconfigRequest<'_>) -> Result<EnsembleConfig> {
        let frame = encode_request(0, OpCode::Reconfig, request);
        let body = match self.call(OpCode::Reconfig, frame).await {
            Err(Error::Keeper(code)) => {
                return Err(match refusal(code, request.cur_config_id) {
                    Some(reason) => Error::ReconfigRefused { code, reason },
                    None => Error::Keeper(code),
                })
            }
            other => other,
        };
        let (data, stat) = decode_data(self, body)?;
        EnsembleConfig::parse(data, stat)
    }
}

/// The specs of `members`, comma-separated.
fn join_specs(members: &[EnsembleMember]) -> String {
    let specs: Vec<String> = members.iter().map(EnsembleMember::to_string).collect();
    specs.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(host: &str, port: u16) -> HostAddr {
        HostAddr {
            host: host.into(),
            port,
        }
    }

    fn parse(text: &str) -> Result<EnsembleConfig> {
        EnsembleConfig::parse(text.as_bytes().to_vec(), Stat::default())
    }

    #[test]
    fn what_an_ensemble_writes() {
        let text = "server.1=127.0.0.1:2888:3888:participant;0.0.0.0:2181\n\
                    server.2=127.0.0.1:2889:3889:participant;127.0.0.1:2182\n\
                    server.3=zk3.example:2890:3890:observer;2183\n\
                    version=100000003";
        let config = parse(text).unwrap();
        assert_eq!(config.version, 0x1_0000_0003);
        assert_eq!(config.data, text.as_bytes());
        assert_eq!(config.members.len(), 3);
        assert_eq!(
            config.members[0],
            EnsembleMember {
                id: 1,
                role: MemberRole::Participant,
                quorum_address: host("127.0.0.1", 2888),
                election_port: 3888,
                client_address: Some(host("0.0.0.0", 2181)),
            }
        );
        assert_eq!(config.members[2].role, MemberRole::Observer);
        assert_eq!(
            config.members[2].client_address,
            Some(host("0.0.0.0", 2183))
        );
        assert_eq!(
            config.client_hosts(),
            [
                host("127.0.0.1", 2181),
                host("127.0.0.1", 2182),
                host("zk3.example", 2183)
            ]
        );
        assert_eq!(
            config.connect_string(),
            "127.0.0.1:2181,127.0.0.1:2182,zk3.example:2183"
        );
        assert_eq!(config.member(2).unwrap().quorum_address.port, 2889);
        assert!(config.member(4).is_none());
    }

    #[test]
    fn ipv6_no_role_no_client_part() {
        let config = parse(
            "server.7=[::1]:2888:3888;[::]:2181\n\
             server.8=[fe80::1]:2889:3889:participant\n\
             server.9=h:1:2:OBSERVER;[2001:db8::5]:2190\n",
        )
        .unwrap();
        assert_eq!(config.version, 0);
        let [seven, eight, nine] = config.members.as_slice() else {
            panic!("{config:?}")
        };
        assert_eq!(seven.role, MemberRole::Participant);
        assert_eq!(seven.quorum_address, host("::1", 2888));
        assert_eq!(seven.client_address, Some(host("::", 2181)));
        assert_eq!(eight.client_address, None);
        assert_eq!(nine.role, MemberRole::Observer);
        // The wildcard [::] takes the quorum host; 8 has no client port.
        assert_eq!(config.connect_string(), "[::1]:2181,[2001:db8::5]:2190");
    }

    #[test]
    fn multiple_addresses_keep_the_first() {
        let config = parse("server.1=a:2888:3888|b:2889:3889:observer;2181\n").unwrap();
        let member = &config.members[0];
        assert_eq!(member.quorum_address, host("a", 2888));
        assert_eq!(member.election_port, 3888);
        assert_eq!(member.role, MemberRole::Observer);
    }

    #[test]
    fn empty_and_skipped_lines() {
        let config = parse("").unwrap();
        assert!(config.members.is_empty());
        assert_eq!(config.version, 0);
        assert_eq!(config.connect_string(), "");
        let config = parse(
            "# comment\r\n\r\ngroup.1=1:2:3\r\nweight.1=1\r\nserver.1=h:1:2;3\r\nversion=a\r\n",
        )
        .unwrap();
        assert_eq!(config.version, 10);
        assert_eq!(config.connect_string(), "h:3");
    }

    #[test]
    fn parse_errors_name_the_line() {
        for (text, says) in [
            ("server.1=h:1\n", "line 1"),
            ("server.1=h:1:2:leader;3", "unknown role"),
            ("server.1=h:1:2;h:3:4", "client address"),
            ("server.1=h:1:2;3;4", "';'"),
            ("server.1=h:x:2;3", "quorum port"),
            ("server.1=h:1:0;3", "election port"),
            ("server.1=h:1:2;70000", "client port"),
            ("server.1=[::1:1:2;3", "no ']'"),
            ("server.x=h:1:2;3", "server.<id>"),
            ("server.=h:1:2;3", "server.<id>"),
            ("server.1=h:1:2;3\nserver.1=h:4:5;6", "appears twice"),
            ("version=zz", "hexadecimal"),
            ("version=1\nversion=2", "second version"),
            ("server.1=h:1:2;3\njunk", "line 2"),
        ] {
            let error = parse(text).unwrap_err();
            let Error::InvalidArgument(message) = &error else {
                panic!("{text:?}: {error:?}")
            };
            assert!(message.contains(says), "{text:?}: {message}");
        }
        let error = EnsembleConfig::parse(vec![0xff], Stat::default()).unwrap_err();
        assert!(error.to_string().contains("UTF-8"), "{error}");
    }

    #[test]
    fn members_parse_and_display_as_specs() {
        for spec in [
            "server.4=127.0.0.1:2891:3891:participant;127.0.0.1:2184",
            "server.5=[::1]:2892:3892:observer;[::1]:2185",
            "server.6=h:1:2:participant",
        ] {
            let member: EnsembleMember = spec.parse().unwrap();
            assert_eq!(member.to_string(), spec);
        }
        let member: EnsembleMember = "server.4=h:1:2;2184".parse().unwrap();
        assert_eq!(
            member.to_string(),
            "server.4=h:1:2:participant;0.0.0.0:2184"
        );
        assert_eq!(member.client_connect_address(), Some(host("h", 2184)));
        for bad in [
            "",
            "4=h:1:2;3",
            "server.4",
            "server.4=h:1;3",
            "server.4=h:1:2:x",
        ] {
            assert!(
                matches!(
                    bad.parse::<EnsembleMember>(),
                    Err(Error::InvalidArgument(_))
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn refusals_keep_their_code_and_explain() {
        for code in [
            ErrorCode::BAD_VERSION,
            ErrorCode::NEW_CONFIG_NO_QUORUM,
            ErrorCode::RECONFIG_IN_PROGRESS,
            ErrorCode::NO_AUTH,
            ErrorCode::RECONFIG_DISABLED,
            ErrorCode::BAD_ARGUMENTS,
            ErrorCode::UNIMPLEMENTED,
            ErrorCode::MARSHALLING_ERROR,
        ] {
            let reason = refusal(code, 0x1_0000_0000).unwrap();
            let error = Error::ReconfigRefused { code, reason };
            assert!(error.is(code));
            assert!(error.to_string().starts_with("reconfig refused"), "{error}");
        }
        assert!(refusal(ErrorCode::BAD_VERSION, 0x1_0000_0000)
            .unwrap()
            .contains("0x100000000"));
        assert!(refusal(ErrorCode::CONNECTION_LOSS, -1).is_none());
    }
}
