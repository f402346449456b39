//! The commands on a started client (ls, get, set, create, delete, stat, tree, acl, whoami,
//! config, reconfig) and the four-letter words, with their plain and JSON output.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::time::Duration;

use zkclient::client::parse_connect_string;
use zkclient::client::path::join;
use zkclient::{Client, CreateMode, CreateOptions, EnsembleConfig, Error, ErrorCode, Stat, Wait};

use crate::args::{perms_letters, CreateFlags, Data, Globals, Reconfig};
use crate::failure::{Failure, EXIT_OK, EXIT_ZOOKEEPER};
use crate::json;

/// Standard output, written through a lock and flushed after every write (so that a reader
/// of a pipe sees each line at once); errors become [`Failure::Output`].
pub struct Out {
    stdout: std::io::Stdout,
}

impl Out {
    pub fn new() -> Out {
        Out {
            stdout: std::io::stdout(),
        }
    }

    pub fn bytes(&self, bytes: &[u8]) -> Result<(), Failure> {
        let mut out = self.stdout.lock();
        out.write_all(bytes)
            .and_then(|()| out.flush())
            .map_err(Failure::Output)
    }

    pub fn line(&self, line: &str) -> Result<(), Failure> {
        let mut text = String::with_capacity(line.len() + 1);
        text.push_str(line);
        text.push('\n');
        self.bytes(text.as_bytes())
    }
}

/// The stat fields with ZooKeeper's names, in ZooKeeper's order.
fn stat_fields(stat: &Stat) -> [(&'static str, i64); 11] {
    [
        ("czxid", stat.czxid),
        ("mzxid", stat.mzxid),
        ("ctime", stat.ctime),
        ("mtime", stat.mtime),
        ("version", stat.version.into()),
        ("cversion", stat.cversion.into()),
        ("aversion", stat.aversion.into()),
        ("ephemeralOwner", stat.ephemeral_owner),
        ("dataLength", stat.data_length.into()),
        ("numChildren", stat.num_children.into()),
        ("pzxid", stat.pzxid),
    ]
}

/// `key=value` lines, each ending with a newline.
pub fn stat_lines(stat: &Stat) -> String {
    stat_fields(stat)
        .iter()
        .map(|(key, value)| format!("{key}={value}\n"))
        .collect()
}

pub fn stat_json(stat: &Stat) -> String {
    let fields: Vec<(&str, String)> = stat_fields(stat)
        .iter()
        .map(|(key, value)| (*key, value.to_string()))
        .collect();
    json::object(&fields)
}

fn path_and_stat_json(path: &str, stat: &Stat) -> String {
    json::object(&[("path", json::string(path)), ("stat", stat_json(stat))])
}

/// The bytes a data source gives (read before connecting, so a bad file costs no session).
pub fn read_data(data: &Data) -> Result<Vec<u8>, Failure> {
    match data {
        Data::None => Ok(Vec::new()),
        Data::Inline(bytes) => Ok(bytes.clone()),
        Data::Stdin => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|e| Failure::Usage(format!("cannot read the data from stdin: {e}")))?;
            Ok(bytes)
        }
        Data::File(path) => std::fs::read(path)
            .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", path.display()))),
    }
}

/// A read under the client's retry policy (connection losses retried a few times).
fn read<T>(client: &Client, operation: impl FnMut() -> zkclient::Result<T>) -> zkclient::Result<T> {
    client.retry(operation)
}

pub fn ls(client: &Client, out: &Out, json_out: bool, path: &str) -> Result<i32, Failure> {
    let (mut children, _) =
        read(client, || client.get_children(path).wait()).map_err(Failure::zk("ls", path))?;
    children.sort();
    if json_out {
        out.line(&json::array(children.iter().map(|c| json::string(c))))?;
    } else {
        let mut text = String::new();
        for child in &children {
            text.push_str(child);
            text.push('\n');
        }
        out.bytes(text.as_bytes())?;
    }
    Ok(EXIT_OK)
}

pub fn get(
    client: &Client,
    out: &Out,
    json_out: bool,
    path: &str,
    with_stat: bool,
    base64: bool,
) -> Result<i32, Failure> {
    let (data, stat) =
        read(client, || client.get(path).wait()).map_err(Failure::zk("get", path))?;
    if json_out {
        let mut fields = vec![("path", json::string(path))];
        fields.extend(json::data_fields(&data, base64));
        fields.push(("stat", stat_json(&stat)));
        out.line(&json::object(&fields))?;
    } else {
        out.bytes(&data)?;
        if with_stat {
            out.bytes(format!("\n{}", stat_lines(&stat)).as_bytes())?;
        }
    }
    Ok(EXIT_OK)
}

pub fn stat(client: &Client, out: &Out, json_out: bool, path: &str) -> Result<i32, Failure> {
    let stat = read(client, || client.exists(path).wait())
        .map_err(Failure::zk("stat", path))?
        .ok_or_else(|| Failure::Zk {
            operation: "stat",
            subject: Some(path.to_string()),
            error: Error::Keeper(ErrorCode::NO_NODE),
        })?;
    if json_out {
        out.line(&stat_json(&stat))?;
    } else {
        out.bytes(stat_lines(&stat).as_bytes())?;
    }
    Ok(EXIT_OK)
}

#[allow(clippy::too_many_arguments)]
pub fn set(
    client: &Client,
    out: &Out,
    json_out: bool,
    path: &str,
    data: &[u8],
    version: i32,
    with_stat: bool,
) -> Result<i32, Failure> {
    let stat = client
        .set(path, data, version)
        .wait()
        .map_err(Failure::zk("set", path))?;
    if json_out {
        out.line(&path_and_stat_json(path, &stat))?;
    } else if with_stat {
        out.bytes(stat_lines(&stat).as_bytes())?;
    }
    Ok(EXIT_OK)
}

pub fn create_options(flags: &CreateFlags) -> CreateOptions {
    let mode = match (
        flags.container,
        flags.ttl_ms,
        flags.ephemeral,
        flags.sequential,
    ) {
        (true, ..) => CreateMode::Container,
        (_, Some(_), _, false) => CreateMode::PersistentWithTtl,
        (_, Some(_), _, true) => CreateMode::PersistentSequentialWithTtl,
        (_, None, true, false) => CreateMode::Ephemeral,
        (_, None, true, true) => CreateMode::EphemeralSequential,
        (_, None, false, false) => CreateMode::Persistent,
        (_, None, false, true) => CreateMode::PersistentSequential,
    };
    CreateOptions {
        mode,
        acl: (!flags.acl.is_empty()).then(|| flags.acl.clone()),
        makepath: flags.parents,
        ttl: flags.ttl_ms.map(Duration::from_millis),
    }
}

pub fn create(
    client: &Client,
    out: &Out,
    json_out: bool,
    path: &str,
    data: &[u8],
    flags: &CreateFlags,
) -> Result<i32, Failure> {
    let created = client
        .create(path, data, &create_options(flags))
        .wait()
        .map_err(Failure::zk("create", path))?;
    if json_out {
        out.line(&path_and_stat_json(&created.path, &created.stat))?;
    } else {
        out.line(&created.path)?;
    }
    Ok(EXIT_OK)
}

pub fn delete(client: &Client, path: &str, recursive: bool, version: i32) -> Result<i32, Failure> {
    let result = if recursive {
        client.delete_recursive(path, version).wait()
    } else {
        client.delete(path, version).wait()
    };
    result.map_err(Failure::zk("delete", path))?;
    Ok(EXIT_OK)
}

/// How many listings `tree` keeps in flight.
const TREE_WINDOW: usize = 64;

/// Every node from `root` down, each node's children sorted, depth first. Listings run
/// `TREE_WINDOW` at a time on the client's runtime; nodes deleted meanwhile are left out.
fn walk(client: &Client, root: &str) -> zkclient::Result<Vec<String>> {
    let mut children: HashMap<String, Vec<String>> = HashMap::new();
    let mut level = vec![root.to_string()];
    while !level.is_empty() {
        let mut next = Vec::new();
        for window in level.chunks(TREE_WINDOW) {
            let tasks: Vec<_> = window
                .iter()
                .map(|path| {
                    let (client, path) = (client.clone(), path.clone());
                    zkclient::runtime::handle().spawn(async move {
                        let listed = client.get_children(&path).await;
                        (path, listed)
                    })
                })
                .collect();
            for task in tasks {
                let (path, listed) = task
                    .wait()
                    .map_err(|e| Error::InvalidArgument(format!("a listing task failed: {e}")))?;
                match listed {
                    Ok((mut names, _)) => {
                        names.sort();
                        next.extend(names.iter().map(|name| join(&path, name)));
                        children.insert(path, names);
                    }
                    // Deleted since its parent was listed.
                    Err(error) if error.is(ErrorCode::NO_NODE) && path != root => {}
                    Err(error) => return Err(error),
                }
            }
        }
        level = next;
    }
    let mut order = Vec::with_capacity(children.len());
    let mut stack = vec![root.to_string()];
    while let Some(path) = stack.pop() {
        if let Some(names) = children.get(&path) {
            stack.extend(names.iter().rev().map(|name| join(&path, name)));
            order.push(path);
        }
    }
    Ok(order)
}

pub fn tree(client: &Client, out: &Out, json_out: bool, root: &str) -> Result<i32, Failure> {
    let paths = read(client, || walk(client, root)).map_err(Failure::zk("tree", root))?;
    if json_out {
        out.line(&json::array(paths.iter().map(|p| json::string(p))))?;
    } else {
        let mut text = String::new();
        for path in &paths {
            text.push_str(path);
            text.push('\n');
        }
        out.bytes(text.as_bytes())?;
    }
    Ok(EXIT_OK)
}

pub fn acl_get(client: &Client, out: &Out, json_out: bool, path: &str) -> Result<i32, Failure> {
    let (acl, _) =
        read(client, || client.get_acl(path).wait()).map_err(Failure::zk("acl get", path))?;
    if json_out {
        out.line(&json::array(acl.iter().map(|entry| {
            json::object(&[
                ("scheme", json::string(&entry.id.scheme)),
                ("id", json::string(&entry.id.id)),
                ("perms", json::string(&perms_letters(entry.perms))),
            ])
        })))?;
    } else {
        let text: String = acl
            .iter()
            .map(|entry| {
                format!(
                    "{}:{}:{}\n",
                    entry.id.scheme,
                    entry.id.id,
                    perms_letters(entry.perms)
                )
            })
            .collect();
        out.bytes(text.as_bytes())?;
    }
    Ok(EXIT_OK)
}

pub fn acl_set(
    client: &Client,
    out: &Out,
    json_out: bool,
    path: &str,
    acl: &[zkclient::Acl],
    version: i32,
) -> Result<i32, Failure> {
    let stat = client
        .set_acl(path, acl, version)
        .wait()
        .map_err(Failure::zk("acl set", path))?;
    if json_out {
        out.line(&path_and_stat_json(path, &stat))?;
    }
    Ok(EXIT_OK)
}

/// The digest id of `user` with the password on stdin (one line; its line end dropped).
pub fn acl_digest(out: &Out, json_out: bool, user: &str) -> Result<i32, Failure> {
    let mut input = Vec::new();
    std::io::stdin()
        .read_to_end(&mut input)
        .map_err(|e| Failure::Usage(format!("acl digest: cannot read the password: {e}")))?;
    let input = zkclient::secret::Secret::new(input);
    let bytes = input.expose();
    let line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let password = std::str::from_utf8(line)
        .map_err(|_| Failure::Usage("acl digest: the password is not valid UTF-8".into()))?;
    if password.is_empty() {
        return Err(Failure::Usage(
            "acl digest: no password on stdin (one line)".into(),
        ));
    }
    let id = zkclient::client::digest_acl_id(user, password);
    if json_out {
        out.line(&json::string(&id))?;
    } else {
        out.line(&id)?;
    }
    Ok(EXIT_OK)
}

pub fn whoami(client: &Client, out: &Out, json_out: bool) -> Result<i32, Failure> {
    let identities = read(client, || client.who_am_i().wait()).map_err(|error| Failure::Zk {
        operation: "whoami",
        subject: None,
        error,
    })?;
    if json_out {
        out.line(&json::array(identities.iter().map(|info| {
            json::object(&[
                ("scheme", json::string(&info.auth_scheme)),
                ("user", json::string(&info.user)),
            ])
        })))?;
    } else {
        let text: String = identities
            .iter()
            .map(|info| format!("{}:{}\n", info.auth_scheme, info.user))
            .collect();
        out.bytes(text.as_bytes())?;
    }
    Ok(EXIT_OK)
}

/// A configuration as `config` prints it: the members' specs, then `version=HEX`; as JSON,
/// one object. Nothing in plain text for an empty (standalone) configuration.
fn print_config(out: &Out, json_out: bool, config: &EnsembleConfig) -> Result<(), Failure> {
    if json_out {
        let members = config.members.iter().map(|member| {
            let client = member.client_address.as_ref();
            json::object(&[
                ("id", member.id.to_string()),
                ("role", json::string(member.role.as_str())),
                ("spec", json::string(&member.to_string())),
                ("quorumHost", json::string(&member.quorum_address.host)),
                ("quorumPort", member.quorum_address.port.to_string()),
                ("electionPort", member.election_port.to_string()),
                (
                    "clientHost",
                    client.map_or_else(|| "null".into(), |c| json::string(&c.host)),
                ),
                (
                    "clientPort",
                    client.map_or_else(|| "null".into(), |c| c.port.to_string()),
                ),
            ])
        });
        return out.line(&json::object(&[
            ("version", json::string(&format!("{:x}", config.version))),
            ("connect", json::string(&config.connect_string())),
            ("members", json::array(members)),
        ]));
    }
    if config.members.is_empty() {
        eprintln!(
            "zkcli: config: the configuration is empty (a standalone server, without a dynamic \
             configuration)"
        );
        return Ok(());
    }
    let mut text: String = config
        .members
        .iter()
        .map(|member| format!("{member}\n"))
        .collect();
    text.push_str(&format!("version={:x}\n", config.version));
    out.bytes(text.as_bytes())
}

pub fn config(client: &Client, out: &Out, json_out: bool) -> Result<i32, Failure> {
    let config = read(client, || {
        // The leader's latest, not only what the server connected to has applied.
        client.sync("/").wait()?;
        client.get_config().wait()
    })
    .map_err(Failure::zk("config", zkclient::client::CONFIG_NODE))?;
    print_config(out, json_out, &config)?;
    Ok(EXIT_OK)
}

pub fn reconfig(
    client: &Client,
    out: &Out,
    json_out: bool,
    change: &Reconfig,
    from_version: i64,
) -> Result<i32, Failure> {
    let result = match change {
        Reconfig::Incremental { add, remove } => client
            .reconfig_incremental(add, remove, from_version)
            .wait(),
        Reconfig::Bulk { members } => client.reconfig_bulk(members, from_version).wait(),
    };
    let config = result.map_err(|error| Failure::Zk {
        operation: "reconfig",
        subject: None,
        error,
    })?;
    print_config(out, json_out, &config)?;
    Ok(EXIT_OK)
}

/// The server's answer to a word that is not in its `4lw.commands.whitelist`.
fn refused(answer: &str) -> bool {
    answer.contains("is not executed because it is not in the whitelist")
}

/// The four-letter word to every server of the connect string (to the one the session
/// connected to, over TLS); answers in the order of the connect string.
pub fn four_letter_word(globals: &Globals, out: &Out, word: &str) -> Result<i32, Failure> {
    let hosts = crate::session::connect_string(globals);
    let mut answers: Vec<(String, zkclient::Result<String>)> = Vec::new();
    if globals.tls.enabled {
        let client = crate::session::connect(globals)?;
        let server = client
            .session_info()
            .server
            .map_or_else(|| hosts.clone(), |server| server.to_string());
        answers.push((server, client.four_letter_word(word).wait()));
        let _ = client.stop();
    } else {
        let (servers, _chroot) =
            parse_connect_string(&hosts).map_err(Failure::zk("4lw", &hosts))?;
        for server in servers {
            let server = server.to_string();
            let answer = zkclient::four_letter_word(&server, word, globals.connect_timeout).wait();
            answers.push((server, answer));
        }
    }
    let mut status = EXIT_OK;
    let mut answered = Vec::new();
    for (server, answer) in answers {
        match answer {
            Ok(text) if refused(&text) => {
                eprintln!(
                    "zkcli: 4lw {word} to {server}: the server does not allow {word:?} (not in \
                     its 4lw.commands.whitelist): {}",
                    text.trim_end()
                );
                status = status.max(EXIT_ZOOKEEPER);
            }
            Ok(text) => answered.push((server, text)),
            Err(error) => {
                let failure = Failure::Zk {
                    operation: "4lw",
                    subject: Some(server),
                    error,
                };
                failure.report(globals.json);
                if failure.code() == crate::failure::EXIT_USAGE {
                    return Ok(failure.code());
                }
                status = status.max(failure.code());
            }
        }
    }
    if globals.json && !answered.is_empty() {
        let fields: Vec<(&str, String)> = answered
            .iter()
            .map(|(server, text)| (server.as_str(), json::string(text)))
            .collect();
        out.line(&json::object(&fields))?;
    } else if let [(_, text)] = answered.as_slice() {
        let mut text = text.clone();
        if !text.ends_with('\n') {
            text.push('\n');
        }
        out.bytes(text.as_bytes())?;
    } else {
        let text: String = answered
            .iter()
            .flat_map(|(server, text)| text.lines().map(move |line| format!("{server}: {line}\n")))
            .collect();
        out.bytes(text.as_bytes())?;
    }
    Ok(status)
}
