//! The command line: global options (connection and security), one command and its own
//! options, parsed by hand. Options may come before or after the command word; `--` ends
//! them. Secrets are never taken from the command line's own words except by `--auth`, which
//! the help says shows in `ps` (`--auth-file` and `ZKCLI_AUTH` do not).

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;
use std::time::Duration;

use zkclient::proto::perms;
use zkclient::{Acl, EnsembleMember, Id};

pub const HELP: &str = r#"zkcli: look at and change a ZooKeeper cluster (built on the zkclient library)

usage: zkcli [OPTIONS] COMMAND [ARGS]

commands:
  ls PATH                  the children of PATH, sorted, one per line
  get PATH                 the data of PATH, raw bytes to stdout
        [--stat]             then a newline and PATH's stat lines
        [--base64]           with --json: data always as base64
  set PATH DATA|-          replace the data (`-`: read it from stdin)
        [--file F]           the data from file F instead of DATA (`-`: stdin)
        [--version N]        only if the node's version is N (BAD_VERSION otherwise)
        [--stat]             print the new stat
  create PATH [DATA|-]     create a node (empty data without DATA); prints its path
        [--file F]           the data from file F (`-`: stdin)
        [-e|--ephemeral]     ephemeral: deleted when zkcli's session ends, i.e. when
                             zkcli exits
        [-S|--sequential]    a sequence number is appended to the name
        [--container]        a container node (deleted by the server once its last
                             child is gone)
        [--ttl MS]           a TTL node (the server deletes it after MS milliseconds
                             without changes or children; needs extendedTypesEnabled)
        [-p|--parents]       create missing parents (persistent, empty); also --makepath
        [--acl ACL]...       the node's ACL (default world:anyone:cdrwa), repeatable
  delete PATH              delete a node (also: rm)
        [-r|--recursive]     with everything under it
        [--version N]        only if the node's version is N
  stat PATH                PATH's stat, one key=value per line
  tree [PATH]              PATH (default /) and every node below it, full paths, one per
                           line, depth first, children sorted
  watch PATH               wait for the next change of PATH and print it as one line
                           `EVENT PATH` (NodeCreated, NodeDeleted, NodeDataChanged,
                           NodeChildrenChanged); stderr says `watching PATH` once the watch
                           is set. One-shot by default (an exists watch: creation, deletion,
                           data change)
        [--children]         one-shot watch on PATH's children instead (PATH must exist)
        [--persistent]       a persistent watch on PATH: every event until interrupted
        [--recursive]        a persistent recursive watch on PATH and everything below
        [--count N]          with --persistent/--recursive: stop after N events
                           Ends with 0 after its events or on SIGINT/SIGTERM/SIGHUP.
  lock PATH [--] COMMAND [ARGS...]
                           hold the lock PATH (kazoo's Lock recipe, same nodes) while
                           COMMAND runs, release it after; exits with COMMAND's status
                           (128+N if a signal N killed it). COMMAND gets ZKCLI_LOCK_PATH
                           (its contender node) and ZKCLI_LOCK_TOKEN (a fencing token: the
                           node's czxid, larger for every later holder). SIGINT/SIGTERM/
                           SIGHUP sent to zkcli by a process are passed on to COMMAND (a
                           terminal's ^C reaches COMMAND on its own); while waiting for the
                           lock they cancel the wait. If the session is lost while COMMAND
                           runs, COMMAND gets SIGTERM and zkcli exits with 3.
        [--timeout S]        give up waiting after S seconds (0: do not wait): exit 4
        [--read|--write]     kazoo's ReadLock / WriteLock instead of Lock
  acl get PATH             PATH's ACL, one SCHEME:ID:PERMS per line
  acl set PATH ACL...      replace PATH's ACL
        [--version N]        only if the ACL's version (aversion) is N
  acl digest USER          the digest id USER:BASE64-SHA1 of USER with the password read
                           from stdin (one line), for a digest ACL; needs no server
  whoami                   the identities the server knows this session by (3.7+)
  config                   the ensemble's configuration (/zookeeper/config, after a sync):
                           one line per server as ZooKeeper writes it,
                           server.ID=HOST:QUORUM_PORT:ELECTION_PORT:ROLE;CLIENT_HOST:PORT,
                           then version=HEX; nothing (and a note on stderr) for a
                           standalone server, whose configuration is empty
  reconfig                 change the ensemble's membership (3.5+, reconfigEnabled=true);
                           prints the new configuration as config does. Needs the
                           superuser or WRITE on /zookeeper/config: give credentials with
                           --auth-file/$ZKCLI_AUTH (digest:super:PASSWORD); refused: exit 1
                           with the server's code and the reason
        [--add SPEC]...      add (or change) servers: SPEC as config prints it, the client
                             port required; repeatable, or comma-separated
        [--remove IDS]       remove the servers with these ids (comma-separated, repeatable)
        [--members SPEC,...] bulk: the whole new membership instead (not with --add or
                             --remove)
        [--from-version V]   only if the configuration is still version V (hexadecimal,
                             as config prints it; -1, the default: any), else BAD_VERSION
  4lw WORD                 send a four-letter word (ruok, srvr, mntr, conf, ...) to each
                           server of the connect string and print the answer (a line
                           prefix `HOST:PORT: ` when there are several servers); with TLS,
                           to the server the session connected to
  help                     this text

ACL: SCHEME:ID:PERMS, PERMS a set of the letters c(reate) d(elete) r(ead) w(rite) a(dmin):
  world:anyone:cdrwa, digest:USER:BASE64-SHA1:r (see acl digest), ip:10.0.0.0/8:rw,
  auth::cdrwa, sasl:bob:cdrwa

options (before or after the command):
  -s, --server HOSTS       the connect string: host:port,host:port[/chroot]
                           (default: $ZK_HOSTS, else 127.0.0.1:2181)
  --timeout S              how long to wait for a session, in seconds (default 10; also
                           --connect-timeout; after `lock`, --timeout is the lock's)
  --session-timeout S      the session timeout to ask for (default 10)
  --read-only              accept a read-only server
  --json                   JSON output (see below); errors as JSON on stderr
  --tls                    speak TLS (the servers' secureClientPort), system CAs
  --tls-ca FILE            the CA certificates (PEM) that sign the servers' certificates
  --tls-cert FILE          client certificate chain (PEM), with --tls-key FILE (PKCS#8,
  --tls-key FILE             PKCS#1 or SEC1 PEM): mutual TLS
  --tls-server-name NAME   check the server certificates against NAME
  --tls-no-verify-hostname check the chain but not the name
                           (any --tls-* option implies --tls)
  --sasl-digest USER       SASL DIGEST-MD5 as USER; the password from
  --sasl-password-file F     file F (one line), else from $ZKCLI_SASL_PASSWORD
  --sasl-gssapi            SASL GSSAPI (Kerberos), only in a zkcli built with the gssapi
                           feature; [--sasl-service S] [--sasl-service-host H]
                           [--sasl-principal P] [--sasl-keytab F] [--sasl-ccache C]
  --auth SCHEME:CREDENTIAL add a credential (e.g. digest:user:password); it shows in ps:
                           prefer --auth-file F (one SCHEME:CREDENTIAL per line) or
                           $ZKCLI_AUTH (one SCHEME:CREDENTIAL)
  -h, --help               this text
  -V, --version            zkcli's version

output: plain text by default; stat lines are key=value with ZooKeeper's names (czxid,
mzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner, dataLength,
numChildren, pzxid), every number in decimal, times in milliseconds since the epoch.
--json: one JSON value per command (per event for watch), on one line:
  ls ["a","b"]   get {"path","data","encoding","stat"}   stat {"czxid":..}
  set/acl set {"path","stat"}   create {"path","stat"}   tree ["/","/a"]
  acl get [{"scheme","id","perms"}]   whoami [{"scheme","user"}]
  config, reconfig {"version":"HEX","connect":"h:p,...","members":[{"id","role",
    "spec","quorumHost","quorumPort","electionPort","clientHost","clientPort"}]}
    (clientHost and clientPort null without a client address)
  watch {"type","path"}   4lw {"HOST:PORT":"answer"}   acl digest "USER:HASH"
  delete, lock: nothing
  data is the text when it is valid UTF-8 ("encoding":"utf-8"), else base64
  ("encoding":"base64"); stat fields are JSON numbers (64-bit: zxids and
  ephemeralOwner may exceed 2^53).
Reads (ls, get, stat, tree, acl get, whoami, config) are retried a few times across a lost
connection; writes are not (after exit 3 a write, a reconfig too, may or may not have
been applied).

exit status:
  0  success
  1  ZooKeeper refused the operation (NO_NODE, NODE_EXISTS, BAD_VERSION, NOT_EMPTY,
     NO_AUTH, INVALID_ACL, ...; for reconfig also NEW_CONFIG_NO_QUORUM,
     RECONFIG_IN_PROGRESS, RECONFIG_DISABLED, BAD_ARGUMENTS, UNIMPLEMENTED), or another
     failure of the operation; stderr names the path and the error (`zkcli: get /a:
     NO_NODE: the node does not exist (-101)`), for reconfig the reason
  2  usage error: unknown command or option, bad path, bad ACL, unreadable file, ...
  3  no session: the servers could not be reached in time, TLS or authentication
     failed, the connection or the session was lost during the command
  4  lock: not acquired within --timeout
  lock: otherwise COMMAND's own status (126: COMMAND cannot run, 127: not found)
"#;

/// Where data comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Data {
    /// No data given: empty.
    None,
    /// The bytes of a command-line word.
    Inline(Vec<u8>),
    /// Standard input.
    Stdin,
    /// A file.
    File(PathBuf),
}

/// The one-shot or persistent kind of a watch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchMode {
    Exists,
    Children,
    Persistent,
    Recursive,
}

/// Which of kazoo's locks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockMode {
    Exclusive,
    Read,
    Write,
}

/// What to create.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreateFlags {
    pub ephemeral: bool,
    pub sequential: bool,
    pub container: bool,
    pub ttl_ms: Option<u64>,
    pub parents: bool,
    pub acl: Vec<Acl>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Ls {
        path: String,
    },
    Get {
        path: String,
        stat: bool,
        base64: bool,
    },
    Set {
        path: String,
        data: Data,
        version: i32,
        stat: bool,
    },
    Create {
        path: String,
        data: Data,
        flags: CreateFlags,
    },
    Delete {
        path: String,
        recursive: bool,
        version: i32,
    },
    Stat {
        path: String,
    },
    Tree {
        path: String,
    },
    Watch {
        path: String,
        mode: WatchMode,
        count: Option<u64>,
    },
    Lock {
        path: String,
        timeout: Option<Duration>,
        mode: LockMode,
        command: Vec<OsString>,
    },
    AclGet {
        path: String,
    },
    AclSet {
        path: String,
        acl: Vec<Acl>,
        version: i32,
    },
    AclDigest {
        user: String,
    },
    WhoAmI,
    Config,
    Reconfig {
        change: Reconfig,
        /// The configuration version the change applies to (-1: any).
        from_version: i64,
    },
    FourLetterWord {
        word: String,
    },
    Help,
    Version,
}

/// The membership change of `reconfig`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reconfig {
    /// `--add` and `--remove`.
    Incremental {
        add: Vec<EnsembleMember>,
        remove: Vec<u64>,
    },
    /// `--members`: the whole new membership.
    Bulk { members: Vec<EnsembleMember> },
}

/// Where a credential comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthSource {
    /// `--auth SCHEME:CREDENTIAL` (the word itself; never printed).
    Word(OsString),
    /// `--auth-file F`.
    File(PathBuf),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tls {
    pub enabled: bool,
    pub ca: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    pub server_name: Option<String>,
    pub no_verify_hostname: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Gssapi {
    pub enabled: bool,
    pub service: Option<String>,
    pub service_host: Option<String>,
    pub principal: Option<String>,
    pub keytab: Option<PathBuf>,
    pub ccache: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Globals {
    /// `-s`; `None`: $ZK_HOSTS or 127.0.0.1:2181.
    pub server: Option<String>,
    pub connect_timeout: Duration,
    pub session_timeout: Option<Duration>,
    pub read_only: bool,
    pub json: bool,
    pub tls: Tls,
    pub sasl_digest: Option<String>,
    pub sasl_password_file: Option<PathBuf>,
    pub gssapi: Gssapi,
    pub auth: Vec<AuthSource>,
}

impl Default for Globals {
    fn default() -> Self {
        Globals {
            server: None,
            connect_timeout: Duration::from_secs(10),
            session_timeout: None,
            read_only: false,
            json: false,
            tls: Tls::default(),
            sasl_digest: None,
            sasl_password_file: None,
            gssapi: Gssapi::default(),
            auth: Vec::new(),
        }
    }
}

/// The whole command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub globals: Globals,
    pub command: Command,
}

/// A usage error's message.
pub type Usage = String;

/// One command's own options: (names, canonical name, takes a value).
type Spec = &'static [(&'static [&'static str], &'static str, bool)];

const NO_OPTIONS: Spec = &[];
const GET: Spec = &[
    (&["--stat"], "stat", false),
    (&["--base64"], "base64", false),
];
const SET: Spec = &[
    (&["--file", "-f"], "file", true),
    (&["--version", "-v"], "version", true),
    (&["--stat"], "stat", false),
];
const CREATE: Spec = &[
    (&["--file", "-f"], "file", true),
    (&["--ephemeral", "-e"], "ephemeral", false),
    (&["--sequential", "-S"], "sequential", false),
    (&["--container"], "container", false),
    (&["--ttl"], "ttl", true),
    (&["--parents", "-p", "--makepath"], "parents", false),
    (&["--acl"], "acl", true),
];
const DELETE: Spec = &[
    (&["--recursive", "-r", "-R"], "recursive", false),
    (&["--version", "-v"], "version", true),
];
const WATCH: Spec = &[
    (&["--children"], "children", false),
    (&["--persistent"], "persistent", false),
    (&["--recursive"], "recursive", false),
    (&["--count", "-n"], "count", true),
];
const LOCK: Spec = &[
    (&["--timeout", "-t"], "timeout", true),
    (&["--read"], "read", false),
    (&["--write"], "write", false),
];
const ACL_SET: Spec = &[(&["--version", "-v"], "version", true)];
const RECONFIG: Spec = &[
    (&["--add"], "add", true),
    (&["--remove"], "remove", true),
    (&["--members"], "members", true),
    (&["--from-version", "-v"], "from-version", true),
];

/// The options a command was given, by canonical name, in order.
#[derive(Default)]
struct Given {
    options: Vec<(&'static str, Option<OsString>)>,
    positional: Vec<OsString>,
}

impl Given {
    fn flag(&self, name: &str) -> bool {
        self.options.iter().any(|(n, _)| *n == name)
    }

    /// The last value of a value option.
    fn value(&self, name: &str) -> Option<&OsString> {
        self.options
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| v.as_ref())
    }

    fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a OsString> + 'a {
        self.options
            .iter()
            .filter(move |(n, _)| *n == name)
            .filter_map(|(_, v)| v.as_ref())
    }
}

fn utf8(word: &OsString, what: &str) -> Result<String, Usage> {
    word.to_str()
        .map(str::to_string)
        .ok_or_else(|| format!("{what} is not valid UTF-8"))
}

/// Seconds, fractions allowed: `10`, `0.5`.
pub fn seconds(word: &str, what: &str) -> Result<Duration, Usage> {
    let value: f64 = word
        .parse()
        .map_err(|_| format!("{what}: {word:?} is not a number of seconds"))?;
    if !(0.0..=1e9).contains(&value) {
        return Err(format!("{what}: {word:?} is out of range"));
    }
    Ok(Duration::from_secs_f64(value))
}

fn version(word: &OsString) -> Result<i32, Usage> {
    let word = utf8(word, "--version")?;
    word.parse::<i32>()
        .ok()
        .filter(|v| *v >= -1)
        .ok_or_else(|| format!("--version: {word:?} is not a version (-1 or more)"))
}

/// The permission letters `cdrwa` as ZooKeeper's mask.
pub fn parse_perms(letters: &str) -> Result<i32, Usage> {
    if letters.is_empty() {
        return Err("an ACL needs at least one permission (of cdrwa)".into());
    }
    letters.chars().try_fold(0, |mask, letter| {
        let bit = match letter {
            'c' => perms::CREATE,
            'd' => perms::DELETE,
            'r' => perms::READ,
            'w' => perms::WRITE,
            'a' => perms::ADMIN,
            _ => {
                return Err(format!(
                    "{letters:?}: permissions are letters of cdrwa (create, delete, read, write, admin)"
                ))
            }
        };
        Ok(mask | bit)
    })
}

/// The mask as letters, in ZooKeeper's order `cdrwa`.
pub fn perms_letters(mask: i32) -> String {
    [
        (perms::CREATE, 'c'),
        (perms::DELETE, 'd'),
        (perms::READ, 'r'),
        (perms::WRITE, 'w'),
        (perms::ADMIN, 'a'),
    ]
    .iter()
    .filter(|(bit, _)| mask & bit != 0)
    .map(|(_, letter)| *letter)
    .collect()
}

/// `SCHEME:ID:PERMS`; the id may hold `:` (digest, ipv6), so the scheme ends at the first
/// colon and the permissions start after the last.
pub fn parse_acl(spec: &str) -> Result<Acl, Usage> {
    let bad = || format!("ACL {spec:?}: expected SCHEME:ID:PERMS, e.g. world:anyone:cdrwa");
    let (scheme, rest) = spec.split_once(':').ok_or_else(bad)?;
    let (id, letters) = rest.rsplit_once(':').ok_or_else(bad)?;
    if scheme.is_empty() {
        return Err(bad());
    }
    Ok(Acl {
        perms: parse_perms(letters)?,
        id: Id {
            scheme: scheme.to_string(),
            id: id.to_string(),
        },
    })
}

/// A global option (and its value): true when `name` is one.
fn global(
    globals: &mut Globals,
    name: &str,
    value: &mut dyn FnMut() -> Result<OsString, Usage>,
) -> Result<bool, Usage> {
    let text = |value: &mut dyn FnMut() -> Result<OsString, Usage>| -> Result<String, Usage> {
        utf8(&value()?, name)
    };
    let path = |value: &mut dyn FnMut() -> Result<OsString, Usage>| -> Result<PathBuf, Usage> {
        Ok(PathBuf::from(value()?))
    };
    match name {
        "-s" | "--server" => globals.server = Some(text(value)?),
        "--timeout" | "--connect-timeout" => {
            globals.connect_timeout = seconds(&text(value)?, name)?;
            if globals.connect_timeout.is_zero() {
                return Err(format!("{name} must be more than 0"));
            }
        }
        "--session-timeout" => {
            let timeout = seconds(&text(value)?, name)?;
            if timeout.as_millis() == 0 {
                return Err(format!("{name} must be at least 1 ms"));
            }
            globals.session_timeout = Some(timeout);
        }
        "--read-only" => globals.read_only = true,
        "--json" => globals.json = true,
        "--tls" => globals.tls.enabled = true,
        "--tls-ca" => globals.tls.ca = Some(path(value)?),
        "--tls-cert" => globals.tls.cert = Some(path(value)?),
        "--tls-key" => globals.tls.key = Some(path(value)?),
        "--tls-server-name" => globals.tls.server_name = Some(text(value)?),
        "--tls-no-verify-hostname" => globals.tls.no_verify_hostname = true,
        "--sasl-digest" => globals.sasl_digest = Some(text(value)?),
        "--sasl-password-file" => globals.sasl_password_file = Some(path(value)?),
        "--sasl-gssapi" => globals.gssapi.enabled = true,
        "--sasl-service" => globals.gssapi.service = Some(text(value)?),
        "--sasl-service-host" => globals.gssapi.service_host = Some(text(value)?),
        "--sasl-principal" => globals.gssapi.principal = Some(text(value)?),
        "--sasl-keytab" => globals.gssapi.keytab = Some(path(value)?),
        "--sasl-ccache" => globals.gssapi.ccache = Some(text(value)?),
        // The value is a secret: never echoed, even in errors.
        "--auth" => globals.auth.push(AuthSource::Word(value()?)),
        "--auth-file" => globals.auth.push(AuthSource::File(path(value)?)),
        _ => return Ok(false),
    }
    if name.starts_with("--tls-") {
        globals.tls.enabled = true;
    }
    Ok(true)
}

/// True for a word that is an option: `--name`, `--name=value`, or `-x` with a letter
/// (`-` alone is stdin, `-5` a number).
fn is_option(word: &[u8]) -> bool {
    (word.len() > 2 && word.starts_with(b"--"))
        || (word.len() == 2 && word[0] == b'-' && word[1].is_ascii_alphabetic())
}

fn spec_of(command: &str) -> Option<Spec> {
    Some(match command {
        "get" => GET,
        "set" => SET,
        "create" => CREATE,
        "delete" | "rm" => DELETE,
        "watch" => WATCH,
        "lock" => LOCK,
        "acl set" => ACL_SET,
        "reconfig" => RECONFIG,
        "ls" | "stat" | "tree" | "acl get" | "acl digest" | "whoami" | "config" | "4lw"
        | "help" => NO_OPTIONS,
        _ => return None,
    })
}

/// Parses the arguments after the program name.
pub fn parse(args: Vec<OsString>) -> Result<Invocation, Usage> {
    let mut globals = Globals::default();
    let mut command: Option<String> = None;
    let mut given = Given::default();
    let mut words = args.into_iter();
    let mut options_done = false;
    let mut help = false;
    let mut show_version = false;
    while let Some(word) = words.next() {
        let bytes = word.as_bytes();
        if options_done || !is_option(bytes) {
            if bytes == b"--" && !options_done {
                options_done = true;
                continue;
            }
            match command.as_deref() {
                None => {
                    let name = utf8(&word, "the command")?;
                    if spec_of(&name).is_none() && name != "acl" {
                        return Err(format!("unknown command {name:?} (see zkcli --help)"));
                    }
                    command = Some(name);
                }
                Some("acl") => {
                    let sub = utf8(&word, "the acl command")?;
                    if !["get", "set", "digest"].contains(&sub.as_str()) {
                        return Err(format!(
                            "acl {sub:?}: expected `acl get`, `acl set` or `acl digest`"
                        ));
                    }
                    command = Some(format!("acl {sub}"));
                }
                Some("lock") if !given.positional.is_empty() => {
                    // The lock's command: everything from here on, untouched.
                    given.positional.push(word);
                    given.positional.extend(words.by_ref());
                }
                Some(_) => given.positional.push(word),
            }
            continue;
        }
        let text = utf8(&word, "an option")?;
        let (name, inline) = match text.split_once('=') {
            Some((name, value)) if name.starts_with("--") => {
                (name.to_string(), Some(OsString::from(value)))
            }
            _ => (text.clone(), None),
        };
        let had_inline = inline.is_some();
        let mut inline = inline;
        let mut value = || -> Result<OsString, Usage> {
            if let Some(value) = inline.take() {
                return Ok(value);
            }
            words.next().ok_or_else(|| format!("{name} needs a value"))
        };
        if name == "-h" || name == "--help" {
            help = true;
            continue;
        }
        if name == "-V" || (name == "--version" && command.is_none()) {
            show_version = true;
            continue;
        }
        // The command's own options first (after `lock`, --timeout is the lock's).
        let spec = command.as_deref().and_then(spec_of).unwrap_or(NO_OPTIONS);
        if let Some((_, canonical, takes_value)) = spec
            .iter()
            .find(|(names, _, _)| names.contains(&name.as_str()))
        {
            let value = if *takes_value {
                Some(value()?)
            } else if had_inline {
                return Err(format!("{name} takes no value"));
            } else {
                None
            };
            given.options.push((canonical, value));
            continue;
        }
        if global(&mut globals, &name, &mut value)? {
            continue;
        }
        return Err(match command {
            Some(command) => format!("unknown option {name} for {command} (see zkcli --help)"),
            None => format!("unknown option {name} (see zkcli --help)"),
        });
    }
    if help {
        return Ok(Invocation {
            globals,
            command: Command::Help,
        });
    }
    if show_version {
        return Ok(Invocation {
            globals,
            command: Command::Version,
        });
    }
    let Some(name) = command else {
        return Err("no command given (see zkcli --help)".into());
    };
    let command = build(&name, given)?;
    check_globals(&globals)?;
    Ok(Invocation { globals, command })
}

fn check_globals(globals: &Globals) -> Result<(), Usage> {
    if globals.tls.cert.is_some() != globals.tls.key.is_some() {
        return Err("--tls-cert and --tls-key go together".into());
    }
    if globals.sasl_digest.is_some() && globals.gssapi.enabled {
        return Err("--sasl-digest and --sasl-gssapi exclude each other".into());
    }
    if globals.sasl_password_file.is_some() && globals.sasl_digest.is_none() {
        return Err("--sasl-password-file goes with --sasl-digest USER".into());
    }
    let g = &globals.gssapi;
    let gssapi_details = g.service.is_some()
        || g.service_host.is_some()
        || g.principal.is_some()
        || g.keytab.is_some()
        || g.ccache.is_some();
    if gssapi_details && !g.enabled {
        return Err("--sasl-service, --sasl-principal, ... go with --sasl-gssapi".into());
    }
    if g.enabled && !cfg!(feature = "gssapi") {
        return Err(
            "--sasl-gssapi: this zkcli was built without GSSAPI (build with --features gssapi)"
                .into(),
        );
    }
    Ok(())
}

/// Exactly `count` positional words, as UTF-8.
fn positional(name: &str, given: &Given, usage: &str, count: usize) -> Result<Vec<String>, Usage> {
    if given.positional.len() != count {
        return Err(format!("usage: zkcli {name} {usage}"));
    }
    given
        .positional
        .iter()
        .map(|word| utf8(word, "a path"))
        .collect()
}

fn data_of(given: &Given, word: Option<&OsString>) -> Result<Data, Usage> {
    match (given.value("file"), word) {
        (Some(_), Some(_)) => Err("give the data or --file, not both".into()),
        (Some(file), None) if file.as_bytes() == b"-" => Ok(Data::Stdin),
        (Some(file), None) => Ok(Data::File(PathBuf::from(file))),
        (None, Some(word)) if word.as_bytes() == b"-" => Ok(Data::Stdin),
        (None, Some(word)) => Ok(Data::Inline(word.clone().into_vec())),
        (None, None) => Ok(Data::None),
    }
}

fn build(name: &str, given: Given) -> Result<Command, Usage> {
    let one_path = |usage: &str| -> Result<String, Usage> {
        Ok(positional(name, &given, usage, 1)?.remove(0))
    };
    let version_of = |given: &Given| -> Result<i32, Usage> {
        given.value("version").map(version).unwrap_or(Ok(-1))
    };
    Ok(match name {
        "ls" => Command::Ls {
            path: one_path("PATH")?,
        },
        "get" => Command::Get {
            path: one_path("PATH [--stat]")?,
            stat: given.flag("stat"),
            base64: given.flag("base64"),
        },
        "set" => {
            if given.positional.is_empty() || given.positional.len() > 2 {
                return Err("usage: zkcli set PATH DATA|- [--file F] [--version N]".into());
            }
            let path = utf8(&given.positional[0], "the path")?;
            let data = data_of(&given, given.positional.get(1))?;
            if data == Data::None {
                return Err("set: no data given (DATA, `-` for stdin, or --file F)".into());
            }
            Command::Set {
                path,
                data,
                version: version_of(&given)?,
                stat: given.flag("stat"),
            }
        }
        "create" => {
            if given.positional.is_empty() || given.positional.len() > 2 {
                return Err(
                    "usage: zkcli create PATH [DATA|-] [--file F] [--ephemeral] \
                            [--sequential] [--container] [--ttl MS] [--parents] [--acl ACL]"
                        .into(),
                );
            }
            let path = utf8(&given.positional[0], "the path")?;
            let data = data_of(&given, given.positional.get(1))?;
            let ttl_ms = match given.value("ttl") {
                None => None,
                Some(word) => {
                    let word = utf8(word, "--ttl")?;
                    Some(
                        word.parse::<u64>()
                            .ok()
                            .filter(|ms| *ms > 0)
                            .ok_or_else(|| {
                                format!("--ttl: {word:?} is not a number of milliseconds")
                            })?,
                    )
                }
            };
            let acl = given
                .values("acl")
                .map(|spec| parse_acl(&utf8(spec, "--acl")?))
                .collect::<Result<Vec<_>, _>>()?;
            let flags = CreateFlags {
                ephemeral: given.flag("ephemeral"),
                sequential: given.flag("sequential"),
                container: given.flag("container"),
                ttl_ms,
                parents: given.flag("parents"),
                acl,
            };
            if flags.container && (flags.ephemeral || flags.sequential || flags.ttl_ms.is_some()) {
                return Err("--container excludes --ephemeral, --sequential and --ttl".into());
            }
            if flags.ephemeral && flags.ttl_ms.is_some() {
                return Err("--ttl is for persistent nodes, not --ephemeral ones".into());
            }
            Command::Create { path, data, flags }
        }
        "delete" | "rm" => Command::Delete {
            path: one_path("PATH [--recursive] [--version N]")?,
            recursive: given.flag("recursive"),
            version: version_of(&given)?,
        },
        "stat" => Command::Stat {
            path: one_path("PATH")?,
        },
        "tree" => Command::Tree {
            path: match given.positional.len() {
                0 => "/".to_string(),
                _ => one_path("[PATH]")?,
            },
        },
        "watch" => {
            let path = one_path("PATH [--children|--persistent|--recursive] [--count N]")?;
            let modes: Vec<WatchMode> = [
                ("children", WatchMode::Children),
                ("persistent", WatchMode::Persistent),
                ("recursive", WatchMode::Recursive),
            ]
            .iter()
            .filter(|(flag, _)| given.flag(flag))
            .map(|(_, mode)| *mode)
            .collect();
            let mode = match modes.as_slice() {
                [] => WatchMode::Exists,
                [one] => *one,
                _ => return Err("watch: one of --children, --persistent, --recursive".into()),
            };
            let count =
                match given.value("count") {
                    None => None,
                    Some(word) => {
                        let word = utf8(word, "--count")?;
                        Some(word.parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                            format!("--count: {word:?} is not a count (1 or more)")
                        })?)
                    }
                };
            let one_shot = matches!(mode, WatchMode::Exists | WatchMode::Children);
            if one_shot && count.is_some_and(|n| n > 1) {
                return Err(
                    "watch: a one-shot watch fires once; use --persistent or --recursive \
                     for more events"
                        .into(),
                );
            }
            Command::Watch { path, mode, count }
        }
        "lock" => {
            let mut words = given.positional.clone();
            if words.len() < 2 {
                return Err("usage: zkcli lock PATH [--timeout S] [--] COMMAND [ARGS...]".into());
            }
            let path = utf8(&words.remove(0), "the path")?;
            let timeout = match given.value("timeout") {
                None => None,
                Some(word) => Some(seconds(&utf8(word, "--timeout")?, "lock --timeout")?),
            };
            let mode = match (given.flag("read"), given.flag("write")) {
                (false, false) => LockMode::Exclusive,
                (true, false) => LockMode::Read,
                (false, true) => LockMode::Write,
                (true, true) => return Err("lock: --read or --write, not both".into()),
            };
            Command::Lock {
                path,
                timeout,
                mode,
                command: words,
            }
        }
        "acl get" => Command::AclGet {
            path: one_path("PATH")?,
        },
        "acl set" => {
            if given.positional.len() < 2 {
                return Err("usage: zkcli acl set PATH ACL... [--version N]".into());
            }
            let path = utf8(&given.positional[0], "the path")?;
            let acl = given.positional[1..]
                .iter()
                .map(|spec| parse_acl(&utf8(spec, "an ACL")?))
                .collect::<Result<Vec<_>, _>>()?;
            Command::AclSet {
                path,
                acl,
                version: version_of(&given)?,
            }
        }
        "acl digest" => Command::AclDigest {
            user: one_path("USER (the password on stdin)")?,
        },
        "whoami" => {
            positional(name, &given, "", 0)?;
            Command::WhoAmI
        }
        "config" => {
            positional(name, &given, "", 0)?;
            Command::Config
        }
        "reconfig" => {
            positional(
                name,
                &given,
                "--add SPEC... | --remove IDS | --members SPEC,... [--from-version HEX]",
                0,
            )?;
            reconfig_of(&given)?
        }
        "4lw" => Command::FourLetterWord {
            word: one_path("WORD")?,
        },
        "help" => Command::Help,
        "acl" => {
            return Err("usage: zkcli acl get PATH | acl set PATH ACL... | acl digest USER".into())
        }
        _ => unreachable!("spec_of accepted {name}"),
    })
}

/// Comma-separated server specs (`--add`, `--members`), each checked here.
fn specs(words: &[String], option: &str) -> Result<Vec<EnsembleMember>, Usage> {
    words
        .iter()
        .flat_map(|word| word.split(','))
        .map(str::trim)
        .filter(|spec| !spec.is_empty())
        .map(|spec| {
            spec.parse::<EnsembleMember>()
                .map_err(|error| format!("{option}: {error}"))
        })
        .collect()
}

/// `--from-version`: hexadecimal as `config` prints it (`0x` allowed), or -1.
fn config_version(word: &str) -> Result<i64, Usage> {
    if word == "-1" {
        return Ok(-1);
    }
    let digits = word
        .strip_prefix("0x")
        .or_else(|| word.strip_prefix("0X"))
        .unwrap_or(word);
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return Err(format!(
            "--from-version: {word:?} is not a configuration version (hexadecimal, or -1)"
        ));
    }
    i64::from_str_radix(digits, 16).map_err(|_| {
        format!("--from-version: {word:?} is not a configuration version (hexadecimal, or -1)")
    })
}

fn reconfig_of(given: &Given) -> Result<Command, Usage> {
    let words = |option: &str| -> Result<Vec<String>, Usage> {
        given
            .values(option)
            .map(|word| utf8(word, &format!("--{option}")))
            .collect()
    };
    let add = specs(&words("add")?, "--add")?;
    let members = specs(&words("members")?, "--members")?;
    let remove = words("remove")?
        .iter()
        .flat_map(|word| word.split(','))
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(|id| {
            id.parse::<u64>()
                .map_err(|_| format!("--remove: {id:?} is not a server id"))
        })
        .collect::<Result<Vec<u64>, Usage>>()?;
    let bulk = given.values("members").next().is_some();
    let change = match (bulk, add.is_empty() && remove.is_empty()) {
        (true, false) => return Err("reconfig: --members excludes --add and --remove".into()),
        (true, true) if members.is_empty() => {
            return Err("reconfig --members: no server spec given".into())
        }
        (true, true) => Reconfig::Bulk { members },
        (false, true) => {
            return Err(
                "usage: zkcli reconfig --add SPEC... | --remove IDS | --members SPEC,... \
                 [--from-version HEX]"
                    .into(),
            )
        }
        (false, false) => Reconfig::Incremental { add, remove },
    };
    let from_version = match given.value("from-version") {
        None => -1,
        Some(word) => config_version(&utf8(word, "--from-version")?)?,
    };
    Ok(Command::Reconfig {
        change,
        from_version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_words(words: &[&str]) -> Result<Invocation, Usage> {
        parse(words.iter().map(OsString::from).collect())
    }

    #[test]
    fn globals_go_before_or_after_the_command() {
        let a = parse_words(&["-s", "h:1/r", "--json", "ls", "/x"]).unwrap();
        let b = parse_words(&["ls", "/x", "--server=h:1/r", "--json"]).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.globals.server.as_deref(), Some("h:1/r"));
        assert!(a.globals.json);
        assert_eq!(a.command, Command::Ls { path: "/x".into() });
    }

    #[test]
    fn lock_takes_its_command_untouched() {
        let inv = parse_words(&[
            "--timeout",
            "3",
            "lock",
            "--timeout",
            "0.5",
            "/l",
            "ls",
            "-l",
            "--json",
        ])
        .unwrap();
        assert_eq!(inv.globals.connect_timeout, Duration::from_secs(3));
        assert!(!inv.globals.json);
        match inv.command {
            Command::Lock {
                path,
                timeout,
                command,
                mode,
            } => {
                assert_eq!(path, "/l");
                assert_eq!(timeout, Some(Duration::from_millis(500)));
                assert_eq!(command, ["ls", "-l", "--json"]);
                assert_eq!(mode, LockMode::Exclusive);
            }
            other => panic!("{other:?}"),
        }
        let inv = parse_words(&["lock", "/l", "--", "--weird"]).unwrap();
        assert!(matches!(inv.command, Command::Lock { command, .. } if command == ["--weird"]));
        assert!(parse_words(&["lock", "/l"]).is_err());
    }

    #[test]
    fn data_sources() {
        let data = |words: &[&str]| match parse_words(words).unwrap().command {
            Command::Set { data, .. } | Command::Create { data, .. } => data,
            other => panic!("{other:?}"),
        };
        assert_eq!(data(&["set", "/a", "x"]), Data::Inline(b"x".to_vec()));
        assert_eq!(data(&["set", "/a", "-"]), Data::Stdin);
        assert_eq!(data(&["set", "/a", "-5"]), Data::Inline(b"-5".to_vec()));
        assert_eq!(data(&["set", "/a", "--file", "-"]), Data::Stdin);
        assert_eq!(data(&["create", "/a"]), Data::None);
        assert_eq!(
            data(&["create", "/a", "--", "--x"]),
            Data::Inline(b"--x".to_vec())
        );
        assert!(parse_words(&["set", "/a"]).is_err());
        assert!(parse_words(&["set", "/a", "x", "--file", "f"]).is_err());
    }

    #[test]
    fn usage_errors() {
        for words in [
            &[][..],
            &["frobnicate"],
            &["ls"],
            &["ls", "/a", "/b"],
            &["ls", "/a", "--stat"],
            &["get", "/a", "--stat=1"],
            &["create", "/a", "--container", "--ephemeral"],
            &["create", "/a", "--ttl", "x"],
            &["watch", "/a", "--count", "2"],
            &["watch", "/a", "--persistent", "--recursive"],
            &["acl", "frob", "/a"],
            &["acl", "set", "/a"],
            &["acl", "set", "/a", "world:anyone"],
            &["acl", "set", "/a", "world:anyone:x"],
            &["-s"],
            &["--timeout", "abc", "ls", "/"],
            &["--tls-cert", "c.pem", "ls", "/"],
            &["delete", "/a", "--version", "x"],
        ] {
            assert!(parse_words(words).is_err(), "{words:?}");
        }
    }

    #[test]
    fn an_auth_value_is_never_in_an_error() {
        let error = parse_words(&["--auth", "digest:u:hunter2", "frob"]).unwrap_err();
        assert!(!error.contains("hunter2"), "{error}");
        let error = parse_words(&["--auth=digest:u:hunter2", "ls"]).unwrap_err();
        assert!(!error.contains("hunter2"), "{error}");
    }

    #[test]
    fn acls() {
        let acl = parse_acl("digest:bob:abc=:rw").unwrap();
        assert_eq!(acl.id.scheme, "digest");
        assert_eq!(acl.id.id, "bob:abc=");
        assert_eq!(acl.perms, perms::READ | perms::WRITE);
        assert_eq!(parse_acl("auth::cdrwa").unwrap().perms, perms::ALL);
        assert_eq!(perms_letters(perms::ALL), "cdrwa");
        assert_eq!(perms_letters(perms::READ | perms::ADMIN), "ra");
        assert!(parse_acl(":x:r").is_err());
    }

    #[test]
    fn reconfig_options() {
        let spec4 = "server.4=127.0.0.1:2891:3891:participant;127.0.0.1:2184";
        let spec5 = "server.5=127.0.0.1:2892:3892:observer;2185";
        let inv = parse_words(&[
            "reconfig",
            "--add",
            spec4,
            "--add",
            spec5,
            "--remove",
            "1,2",
            "--remove=3",
            "--from-version",
            "10000000a",
        ])
        .unwrap();
        match inv.command {
            Command::Reconfig {
                change: Reconfig::Incremental { add, remove },
                from_version,
            } => {
                assert_eq!(add.len(), 2);
                assert_eq!(add[0].to_string(), spec4);
                assert_eq!(add[1].id, 5);
                assert_eq!(remove, [1, 2, 3]);
                assert_eq!(from_version, 0x10000000a);
            }
            other => panic!("{other:?}"),
        }
        let both = format!("{spec4},{spec5}");
        let inv = parse_words(&["reconfig", "--members", &both, "-v", "0x1f"]).unwrap();
        match inv.command {
            Command::Reconfig {
                change: Reconfig::Bulk { members },
                from_version,
            } => {
                assert_eq!(members.len(), 2);
                assert_eq!(from_version, 0x1f);
            }
            other => panic!("{other:?}"),
        }
        let inv = parse_words(&["reconfig", "--remove", "4", "--from-version", "-1"]).unwrap();
        assert!(matches!(
            inv.command,
            Command::Reconfig {
                from_version: -1,
                ..
            }
        ));
        for words in [
            &["reconfig"][..],
            &["reconfig", "--add", "server.x=nonsense"],
            &["reconfig", "--remove", "one"],
            &["reconfig", "--remove", "4", "--from-version", "xyz"],
            &["reconfig", "--remove", "4", "--from-version", "-2"],
            &["reconfig", "--members", spec4, "--remove", "1"],
            &["reconfig", "--members", ","],
            &["reconfig", "--remove", "4", "extra"],
            &["config", "extra"],
        ] {
            assert!(parse_words(words).is_err(), "{words:?}");
        }
    }

    #[test]
    fn tls_options_imply_tls() {
        let inv = parse_words(&["--tls-ca", "ca.pem", "ls", "/"]).unwrap();
        assert!(inv.globals.tls.enabled);
        assert_eq!(inv.globals.tls.ca, Some(PathBuf::from("ca.pem")));
    }
}
