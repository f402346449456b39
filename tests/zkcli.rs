//! zkcli, the built binary, against the real server of ZK_TEST_HOSTS (and a private TLS +
//! SASL server, and a private reconfig-enabled ensemble for `config` and `reconfig`): every
//! command, its plain and JSON output, the exit statuses, `watch` woken by another client,
//! `lock` excluding a second holder, credentials and TLS. Each test works
//! under its own chroot, removed at the end. No sleeps: every wait is on output lines, exit
//! statuses or watches.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::mpsc::{channel, Receiver};

use common::{shared_hosts, unique_chroot, Cluster, EVENT_TIMEOUT};
use zkclient::{Client, ClientOptions, CreateOptions, Wait};

const ZKCLI: &str = env!("CARGO_BIN_EXE_zkcli");

/// One test's chroot on the shared server: `connect` is the connect string with it, `zk` a
/// client under it to check what zkcli did. Dropping it deletes the chroot.
struct Env {
    connect: String,
    zk: Client,
    hosts: String,
    chroot: String,
}

impl Env {
    fn new(name: &str) -> Env {
        let hosts = shared_hosts();
        let chroot = unique_chroot(&format!("zkcli-{name}"));
        let zk = common::connect(&hosts, &chroot, ClientOptions::default());
        Env {
            connect: format!("{hosts}{chroot}"),
            zk,
            hosts,
            chroot,
        }
    }

    /// zkcli with `-s CONNECT` and a clean environment (no ZK_HOSTS, no credentials).
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(ZKCLI);
        command
            .arg("-s")
            .arg(&self.connect)
            .args(args)
            .env_remove("ZK_HOSTS")
            .env_remove("ZKCLI_AUTH")
            .env_remove("ZKCLI_SASL_PASSWORD")
            .stdin(Stdio::null());
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("zkcli runs")
    }

    /// Runs zkcli, asserts exit 0, returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        String::from_utf8(expect_status(self.run(args), 0, args).stdout).expect("UTF-8 stdout")
    }

    /// Runs zkcli, asserts exit `code`, returns stderr.
    fn fails(&self, args: &[&str], code: i32) -> String {
        String::from_utf8_lossy(&expect_status(self.run(args), code, args).stderr).into_owned()
    }

    /// Runs zkcli with `input` on stdin.
    fn with_stdin(&self, args: &[&str], input: &[u8]) -> Output {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("zkcli runs");
        child.stdin.take().unwrap().write_all(input).unwrap();
        child.wait_with_output().unwrap()
    }

    /// Starts zkcli in the background with stdout and stderr read line by line.
    fn spawn(&self, args: &[&str]) -> Background {
        Background::start(self.command(args))
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = self.zk.stop();
        if let Ok(root) = Client::new(&self.hosts, ClientOptions::default()) {
            if root.start(EVENT_TIMEOUT).is_ok() {
                let _ = root.delete_recursive(&self.chroot, -1).wait();
                let _ = root.stop();
            }
        }
    }
}

fn expect_status(output: Output, code: i32, args: &[&str]) -> Output {
    assert_eq!(
        output.status.code(),
        Some(code),
        "zkcli {args:?}: expected exit {code}\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A zkcli running in the background: its output lines arrive on channels.
struct Background {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
}

fn line_reader(pipe: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

impl Background {
    fn start(mut command: Command) -> Background {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("zkcli runs");
        Background {
            stdin: child.stdin.take(),
            stdout: line_reader(child.stdout.take().unwrap()),
            stderr: line_reader(child.stderr.take().unwrap()),
            child,
        }
    }

    fn next(rx: &Receiver<String>, what: &str) -> String {
        rx.recv_timeout(EVENT_TIMEOUT)
            .unwrap_or_else(|_| panic!("no {what} line within {EVENT_TIMEOUT:?}"))
    }

    fn stdout_line(&self) -> String {
        Self::next(&self.stdout, "stdout")
    }

    /// Waits for the stderr line `want`, skipping others.
    fn await_stderr(&self, want: &str) {
        loop {
            if Self::next(&self.stderr, &format!("stderr {want:?}")) == want {
                return;
            }
        }
    }

    fn signal(&self, signal: i32) {
        // SAFETY: kill has no memory effects; the child is ours and not yet reaped.
        assert_eq!(unsafe { libc::kill(self.child.id() as i32, signal) }, 0);
    }

    /// Waits for the exit status (the process must end within EVENT_TIMEOUT).
    fn status(self) -> i32 {
        self.exit().0
    }

    /// Waits for the exit status and the rest of stderr.
    fn exit(mut self) -> (i32, String) {
        drop(self.stdin.take());
        let (tx, rx) = channel();
        let mut child = self.child;
        std::thread::spawn(move || {
            let _ = tx.send(child.wait());
        });
        let status = rx
            .recv_timeout(EVENT_TIMEOUT)
            .expect("zkcli exits")
            .expect("wait");
        let stderr: Vec<String> = self.stderr.iter().collect();
        let code = status
            .code()
            .unwrap_or_else(|| panic!("killed by a signal; stderr: {stderr:?}"));
        (code, stderr.join("\n"))
    }
}

// A tiny JSON reader, enough to parse zkcli's output back.
#[derive(Debug, Clone, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    fn parse(text: &str) -> Json {
        let mut parser = JsonParser {
            chars: text.trim().chars().collect(),
            at: 0,
        };
        let value = parser.value();
        assert_eq!(parser.at, parser.chars.len(), "trailing text in {text:?}");
        value
    }

    fn get(&self, key: &str) -> &Json {
        match self {
            Json::Object(fields) => fields
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v)
                .unwrap_or_else(|| panic!("no {key:?} in {self:?}")),
            other => panic!("not an object: {other:?}"),
        }
    }

    fn str(&self) -> &str {
        match self {
            Json::String(s) => s,
            other => panic!("not a string: {other:?}"),
        }
    }

    fn i64(&self) -> i64 {
        match self {
            Json::Number(n) => n.parse().unwrap_or_else(|_| panic!("not an i64: {n}")),
            other => panic!("not a number: {other:?}"),
        }
    }

    fn array(&self) -> &[Json] {
        match self {
            Json::Array(items) => items,
            other => panic!("not an array: {other:?}"),
        }
    }

    fn strings(&self) -> Vec<String> {
        self.array().iter().map(|v| v.str().to_string()).collect()
    }
}

struct JsonParser {
    chars: Vec<char>,
    at: usize,
}

impl JsonParser {
    fn peek(&self) -> char {
        *self.chars.get(self.at).expect("unexpected end of JSON")
    }

    fn bump(&mut self) -> char {
        let c = self.peek();
        self.at += 1;
        c
    }

    fn expect(&mut self, want: char) {
        let got = self.bump();
        assert_eq!(got, want, "JSON: expected {want:?} at {}", self.at - 1);
    }

    fn literal(&mut self, word: &str, value: Json) -> Json {
        for c in word.chars() {
            self.expect(c);
        }
        value
    }

    fn value(&mut self) -> Json {
        match self.peek() {
            '{' => {
                self.bump();
                let mut fields = Vec::new();
                if self.peek() == '}' {
                    self.bump();
                    return Json::Object(fields);
                }
                loop {
                    let Json::String(key) = self.value() else {
                        panic!("JSON: object key is not a string")
                    };
                    self.expect(':');
                    fields.push((key, self.value()));
                    match self.bump() {
                        ',' => continue,
                        '}' => return Json::Object(fields),
                        c => panic!("JSON: unexpected {c:?} in object"),
                    }
                }
            }
            '[' => {
                self.bump();
                let mut items = Vec::new();
                if self.peek() == ']' {
                    self.bump();
                    return Json::Array(items);
                }
                loop {
                    items.push(self.value());
                    match self.bump() {
                        ',' => continue,
                        ']' => return Json::Array(items),
                        c => panic!("JSON: unexpected {c:?} in array"),
                    }
                }
            }
            '"' => {
                self.bump();
                let mut text = String::new();
                loop {
                    match self.bump() {
                        '"' => return Json::String(text),
                        '\\' => match self.bump() {
                            'n' => text.push('\n'),
                            't' => text.push('\t'),
                            'r' => text.push('\r'),
                            'b' => text.push('\u{8}'),
                            'f' => text.push('\u{c}'),
                            'u' => {
                                let hex: String = (0..4).map(|_| self.bump()).collect();
                                let code = u32::from_str_radix(&hex, 16).expect("hex escape");
                                text.push(char::from_u32(code).expect("no surrogates here"));
                            }
                            c @ ('"' | '\\' | '/') => text.push(c),
                            c => panic!("JSON: bad escape \\{c}"),
                        },
                        c if (c as u32) < 0x20 => panic!("JSON: raw control character {c:?}"),
                        c => text.push(c),
                    }
                }
            }
            't' => self.literal("true", Json::Bool(true)),
            'f' => self.literal("false", Json::Bool(false)),
            'n' => self.literal("null", Json::Null),
            _ => {
                let start = self.at;
                while self.at < self.chars.len()
                    && matches!(self.peek(), '-' | '+' | '.' | 'e' | 'E' | '0'..='9')
                {
                    self.at += 1;
                }
                assert!(self.at > start, "JSON: unexpected {:?}", self.peek());
                Json::Number(self.chars[start..self.at].iter().collect())
            }
        }
    }
}

/// `key=value` lines as pairs.
fn stat_lines(text: &str) -> Vec<(String, i64)> {
    text.lines()
        .map(|line| {
            let (key, value) = line.split_once('=').expect("key=value");
            (key.to_string(), value.parse().expect("a decimal number"))
        })
        .collect()
}

const STAT_KEYS: [&str; 11] = [
    "czxid",
    "mzxid",
    "ctime",
    "mtime",
    "version",
    "cversion",
    "aversion",
    "ephemeralOwner",
    "dataLength",
    "numChildren",
    "pzxid",
];

fn stat_values(stat: &zkclient::Stat) -> Vec<i64> {
    vec![
        stat.czxid,
        stat.mzxid,
        stat.ctime,
        stat.mtime,
        stat.version.into(),
        stat.cversion.into(),
        stat.aversion.into(),
        stat.ephemeral_owner,
        stat.data_length.into(),
        stat.num_children.into(),
        stat.pzxid,
    ]
}

#[test]
fn create_get_set_ls_stat_tree_delete() {
    let env = Env::new("crud");
    assert_eq!(env.ok(&["create", "/a", "hello"]), "/a\n");
    assert_eq!(
        env.ok(&["get", "/a"]),
        "hello",
        "raw data, no newline added"
    );
    assert_eq!(env.ok(&["set", "/a", "world"]), "");
    assert_eq!(common::data(&env.zk, "/a"), b"world");
    env.ok(&["create", "/c"]);
    env.ok(&["create", "/b", ""]);
    assert_eq!(env.ok(&["ls", "/"]), "a\nb\nc\n", "sorted");
    assert_eq!(
        env.ok(&["create", "--parents", "/x/y/z", "deep"]),
        "/x/y/z\n"
    );
    env.ok(&["create", "-p", "/x/w"]);
    assert_eq!(
        env.ok(&["tree", "/"]),
        "/\n/a\n/b\n/c\n/x\n/x/w\n/x/y\n/x/y/z\n"
    );
    assert_eq!(env.ok(&["tree", "/x/y"]), "/x/y\n/x/y/z\n");

    // stat: ZooKeeper's names, in its order, the same values as the library's Stat.
    let stat = stat_lines(&env.ok(&["stat", "/a"]));
    let keys: Vec<&str> = stat.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, STAT_KEYS);
    let (_, expected) = env.zk.get("/a").wait().unwrap();
    let values: Vec<i64> = stat.iter().map(|(_, v)| *v).collect();
    assert_eq!(values, stat_values(&expected));
    assert_eq!(expected.version, 1);

    // get --stat: the data, a newline, the stat lines.
    let text = env.ok(&["get", "--stat", "/a"]);
    let (data, lines) = text.split_once('\n').unwrap();
    assert_eq!(data, "world");
    assert_eq!(stat_lines(lines).len(), 11);

    // set --version, set --stat.
    env.fails(&["set", "/a", "x", "--version", "0"], 1);
    let lines = stat_lines(&env.ok(&["set", "/a", "again", "--version", "1", "--stat"]));
    assert!(lines.contains(&("version".to_string(), 2)), "{lines:?}");

    env.ok(&["delete", "/a"]);
    assert!(env.zk.exists("/a").wait().unwrap().is_none());
    let stderr = env.fails(&["delete", "/x"], 1);
    assert!(stderr.contains("delete /x: NOT_EMPTY"), "{stderr}");
    env.fails(&["delete", "/b", "--version", "3"], 1);
    env.ok(&["delete", "/b", "--version", "0"]);
    env.ok(&["delete", "--recursive", "/x"]);
    assert!(env.zk.exists("/x").wait().unwrap().is_none());
    assert_eq!(env.ok(&["ls", "/"]), "c\n");
}

#[test]
fn data_from_stdin_and_files_binary_and_text_json() {
    let env = Env::new("data");
    let binary = b"\x00\xff\n\x80";
    env.ok(&["create", "/bin"]);
    let out = env.with_stdin(&["set", "/bin", "-"], binary);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(common::data(&env.zk, "/bin"), binary);
    assert_eq!(env.run(&["get", "/bin"]).stdout, binary, "raw bytes out");
    let value = Json::parse(&env.ok(&["--json", "get", "/bin"]));
    assert_eq!(value.get("encoding").str(), "base64");
    assert_eq!(value.get("data").str(), "AP8KgA==");
    assert_eq!(value.get("path").str(), "/bin");

    // Text with everything JSON must escape comes back intact.
    let text = "quote\" backslash\\ newline\n tab\t bell\u{7} é ✓";
    env.ok(&["create", "/text", text]);
    let value = Json::parse(&env.ok(&["get", "/text", "--json"]));
    assert_eq!(value.get("encoding").str(), "utf-8");
    assert_eq!(value.get("data").str(), text);
    let value = Json::parse(&env.ok(&["get", "/text", "--json", "--base64"]));
    assert_eq!(value.get("encoding").str(), "base64");

    // --file, and create from stdin.
    let file = std::env::temp_dir().join(format!("zkcli-test-{}", std::process::id()));
    std::fs::write(&file, b"from a file").unwrap();
    let file_arg = file.to_str().unwrap();
    env.ok(&["create", "/f", "--file", file_arg]);
    assert_eq!(common::data(&env.zk, "/f"), b"from a file");
    env.ok(&["set", "/f", "--file", file_arg, "--version", "0"]);
    std::fs::remove_file(&file).unwrap();
    let stderr = env.fails(&["set", "/f", "--file", file_arg], 2);
    assert!(stderr.contains("cannot read"), "{stderr}");
    let out = env.with_stdin(&["create", "/s", "-"], b"piped");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "/s\n");
    assert_eq!(common::data(&env.zk, "/s"), b"piped");
    // Data that looks like an option, after --.
    env.ok(&["create", "/dash", "--", "--not-an-option"]);
    assert_eq!(common::data(&env.zk, "/dash"), b"--not-an-option");
}

#[test]
fn json_output_parses_back() {
    let env = Env::new("json");
    let created = Json::parse(&env.ok(&["--json", "create", "/n", "v"]));
    assert_eq!(created.get("path").str(), "/n");
    let (_, stat) = env.zk.get("/n").wait().unwrap();
    assert_eq!(created.get("stat").get("czxid").i64(), stat.czxid);
    env.ok(&["create", "/n/k2"]);
    env.ok(&["create", "/n/k1"]);
    let children = Json::parse(&env.ok(&["ls", "/n", "--json"]));
    assert_eq!(children.strings(), ["k1", "k2"]);
    let (_, stat) = env.zk.get("/n").wait().unwrap();
    let value = Json::parse(&env.ok(&["stat", "/n", "--json"]));
    let Json::Object(fields) = &value else {
        panic!("{value:?}")
    };
    let keys: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, STAT_KEYS);
    let values: Vec<i64> = fields.iter().map(|(_, v)| v.i64()).collect();
    assert_eq!(values, stat_values(&stat));
    let tree = Json::parse(&env.ok(&["tree", "/n", "--json"]));
    assert_eq!(tree.strings(), ["/n", "/n/k1", "/n/k2"]);
    let set = Json::parse(&env.ok(&["set", "/n", "w", "--json"]));
    assert_eq!(set.get("stat").get("version").i64(), 1);
    assert_eq!(env.ok(&["delete", "/n/k1", "--json"]), "");
    // Errors: one JSON object on stderr.
    let stderr = env.fails(&["--json", "get", "/missing"], 1);
    let error = Json::parse(&stderr);
    assert_eq!(error.get("error").str(), "NO_NODE");
    assert_eq!(error.get("code").i64(), -101);
    assert_eq!(error.get("path").str(), "/missing");
    assert_eq!(error.get("operation").str(), "get");
}

#[test]
fn create_modes() {
    let env = Env::new("modes");
    // Ephemeral: owned by zkcli's session while it lived, gone once zkcli exited.
    let created = Json::parse(&env.ok(&["create", "--ephemeral", "/e", "--json"]));
    assert_ne!(created.get("stat").get("ephemeralOwner").i64(), 0);
    assert!(env.zk.exists("/e").wait().unwrap().is_none());

    env.ok(&["create", "/seq"]);
    let first = env.ok(&["create", "--sequential", "/seq/n-"]);
    let second = env.ok(&["create", "-S", "/seq/n-"]);
    let number = |path: &str| -> u64 {
        let digits = path.trim().strip_prefix("/seq/n-").expect("the prefix");
        assert_eq!(digits.len(), 10, "{path}");
        digits.parse().unwrap()
    };
    assert!(number(&second) > number(&first));
    let both = env.ok(&["create", "-e", "-S", "/seq/e-"]);
    assert!(both.starts_with("/seq/e-"), "{both}");
    let (children, _) = env.zk.get_children("/seq").wait().unwrap();
    assert_eq!(
        children.len(),
        2,
        "the ephemeral sequential one is gone: {children:?}"
    );

    // A container goes once its last child is gone; a TTL node once its TTL passed
    // without a change (the test servers check every second).
    env.ok(&["create", "--container", "/box"]);
    env.ok(&["create", "/box/kid"]);
    env.ok(&["delete", "/box/kid"]);
    common::wait_until_gone(&env.zk, "/box");
    env.ok(&["create", "--ttl", "300", "/ttl"]);
    common::wait_until_gone(&env.zk, "/ttl");
    env.ok(&["create", "--container", "/box"]);
    let path = env.ok(&["create", "--ttl", "600000", "--sequential", "/ttl-"]);
    assert!(path.starts_with("/ttl-00"), "{path}");

    env.fails(&["create", "/box"], 1); // NODE_EXISTS
    let stderr = env.fails(&["create", "/missing/child"], 1);
    assert!(stderr.contains("NO_NODE"), "{stderr}");
    env.fails(&["create", "--container", "--ephemeral", "/bad"], 2);
}

#[test]
fn exit_statuses() {
    let env = Env::new("exits");
    let stderr = env.fails(&["get", "/nope"], 1);
    assert!(
        stderr.contains("get /nope") && stderr.contains("NO_NODE"),
        "names the path and the error: {stderr}"
    );
    env.fails(&["stat", "/nope"], 1);
    env.fails(&["ls", "/nope"], 1);
    env.fails(&["tree", "/nope"], 1);
    env.fails(&["delete", "/nope"], 1);
    for usage in [
        &["frobnicate"][..],
        &[],
        &["get"],
        &["get", "/a", "/b"],
        &["ls", "/", "--bogus"],
        &["watch", "/a", "--count", "0"],
        &["acl", "set", "/a", "world:anyone:xyz"],
        &["--timeout", "soon", "ls", "/"],
    ] {
        let stderr = env.fails(usage, 2);
        assert!(stderr.starts_with("zkcli: "), "{usage:?}: {stderr}");
    }
    // A path the library refuses is a usage error too.
    let stderr = env.fails(&["get", "no-slash"], 2);
    assert!(stderr.contains("INVALID_PATH"), "{stderr}");
    // Nothing listens on port 1.
    let out = Command::new(ZKCLI)
        .args(["-s", "127.0.0.1:1", "--timeout", "0.5", "ls", "/"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("TIMEOUT"));
    // ZK_HOSTS is the default connect string.
    let out = Command::new(ZKCLI)
        .args(["stat", "/"])
        .env("ZK_HOSTS", &env.connect)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    // --help documents the exit statuses.
    let help = env.ok(&["--help"]);
    assert!(help.contains("exit status"), "{help}");
    assert!(help.contains("3  no session"), "{help}");
}

#[test]
fn watch_prints_the_event_another_client_causes() {
    let env = Env::new("watch");
    env.zk
        .create("/w", b"0", &CreateOptions::default())
        .wait()
        .unwrap();
    // One-shot (an exists watch): a data change.
    let watcher = env.spawn(&["watch", "/w", "--count", "1"]);
    watcher.await_stderr("watching /w");
    env.zk.set("/w", b"1", -1).wait().unwrap();
    assert_eq!(watcher.stdout_line(), "NodeDataChanged /w");
    assert_eq!(watcher.status(), 0);

    // One-shot on a node that does not exist yet: its creation.
    let watcher = env.spawn(&["watch", "/later"]);
    watcher.await_stderr("watching /later");
    env.zk
        .create("/later", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    assert_eq!(watcher.stdout_line(), "NodeCreated /later");
    assert_eq!(watcher.status(), 0);

    // Children.
    let watcher = env.spawn(&["watch", "--children", "/w"]);
    watcher.await_stderr("watching /w");
    env.zk
        .create("/w/kid", b"", &CreateOptions::default())
        .wait()
        .unwrap();
    assert_eq!(watcher.stdout_line(), "NodeChildrenChanged /w");
    assert_eq!(watcher.status(), 0);

    // Persistent: several events, then --count ends it.
    let watcher = env.spawn(&["watch", "--persistent", "--count", "2", "/w"]);
    watcher.await_stderr("watching /w");
    env.zk.set("/w", b"2", -1).wait().unwrap();
    assert_eq!(watcher.stdout_line(), "NodeDataChanged /w");
    env.zk.set("/w", b"3", -1).wait().unwrap();
    assert_eq!(watcher.stdout_line(), "NodeDataChanged /w");
    assert_eq!(watcher.status(), 0);

    // Recursive, as JSON: events below the node.
    let watcher = env.spawn(&["--json", "watch", "--recursive", "-n", "2", "/w"]);
    watcher.await_stderr("watching /w");
    env.zk.set("/w/kid", b"x", -1).wait().unwrap();
    env.zk.delete("/w/kid", -1).wait().unwrap();
    let first = Json::parse(&watcher.stdout_line());
    assert_eq!(first.get("type").str(), "NodeDataChanged");
    assert_eq!(first.get("path").str(), "/w/kid");
    let second = Json::parse(&watcher.stdout_line());
    assert_eq!(second.get("type").str(), "NodeDeleted");
    assert_eq!(watcher.status(), 0);

    // Without --count it runs until a signal.
    let watcher = env.spawn(&["watch", "--persistent", "/w"]);
    watcher.await_stderr("watching /w");
    env.zk.set("/w", b"4", -1).wait().unwrap();
    assert_eq!(watcher.stdout_line(), "NodeDataChanged /w");
    watcher.signal(libc::SIGTERM);
    assert_eq!(watcher.status(), 0);

    env.fails(&["watch", "--children", "/missing"], 1);
}

#[test]
fn lock_excludes_a_second_holder_and_passes_the_status_on() {
    let env = Env::new("lock");
    // The holder runs a command that says so, then waits for a line on its stdin.
    let mut holder = env.spawn(&[
        "lock",
        "/l",
        "--",
        "sh",
        "-c",
        "echo held $ZKCLI_LOCK_TOKEN $ZKCLI_LOCK_PATH; read line; exit 0",
    ]);
    let held = holder.stdout_line();
    let parts: Vec<&str> = held.split(' ').collect();
    assert_eq!(parts[0], "held", "{held}");
    let first_token: i64 = parts[1].parse().expect("a numeric fencing token");
    assert!(first_token > 0);
    assert!(
        parts[2].starts_with("/l/") && parts[2].contains("__lock__"),
        "{held}"
    );
    // kazoo's layout: the library's own Lock sees it held.
    let other = zkclient::recipe::lock::Lock::new(&env.zk, "/l", "rust");
    assert!(!other.try_acquire().unwrap());

    let stderr = env.fails(&["lock", "--timeout", "0.5", "/l", "--", "true"], 4);
    assert!(stderr.contains("not acquired"), "{stderr}");
    env.fails(&["lock", "-t", "0", "/l", "true"], 4);

    holder.stdin.take().unwrap().write_all(b"go\n").unwrap();
    assert_eq!(holder.status(), 0);

    let out = env.ok(&[
        "lock",
        "--timeout",
        "10",
        "/l",
        "--",
        "sh",
        "-c",
        "echo $ZKCLI_LOCK_TOKEN",
    ]);
    let second_token: i64 = out.trim().parse().unwrap();
    assert!(second_token > first_token, "fencing tokens grow");
    // The command's status, and the shell's codes for commands that cannot run.
    env.fails(&["lock", "/l", "--", "sh", "-c", "exit 7"], 7);
    env.fails(&["lock", "/l", "--", "/nonexistent/command"], 127);
    // Released every time: no contender node is left.
    assert_eq!(env.ok(&["ls", "/l"]), "");

    // A SIGTERM sent to zkcli reaches the command; the lock is released after it.
    let holder = env.spawn(&["lock", "/l", "--", "sh", "-c", "echo held; exec sleep 600"]);
    assert_eq!(holder.stdout_line(), "held");
    holder.signal(libc::SIGTERM);
    assert_eq!(holder.status(), 128 + libc::SIGTERM);
    env.ok(&["lock", "--timeout", "10", "/l", "true"]);

    // A signal while waiting cancels the wait.
    let holder = env.spawn(&["lock", "/l", "--", "sh", "-c", "echo held; read line; true"]);
    assert_eq!(holder.stdout_line(), "held");
    let waiter = env.spawn(&["lock", "/l", "--", "echo", "never"]);
    common::wait_for_children(&env.zk, "/l", 2);
    waiter.signal(libc::SIGINT);
    let (code, stderr) = waiter.exit();
    assert_eq!(code, 128 + libc::SIGINT, "{stderr}");
    assert!(stderr.contains("interrupted by SIGINT"), "{stderr}");
    assert_eq!(holder.status(), 0);

    // Readers share, a writer waits for them.
    let reader = env.spawn(&[
        "lock",
        "--read",
        "/rw",
        "--",
        "sh",
        "-c",
        "echo reading; read line; true",
    ]);
    assert_eq!(reader.stdout_line(), "reading");
    env.ok(&["lock", "--read", "-t", "10", "/rw", "true"]);
    env.fails(&["lock", "--write", "-t", "0.2", "/rw", "true"], 4);
    assert_eq!(reader.status(), 0);
    env.ok(&["lock", "--write", "-t", "10", "/rw", "true"]);
}

#[test]
fn acl_get_set_and_credentials() {
    let env = Env::new("acl");
    env.ok(&["create", "/open"]);
    assert_eq!(env.ok(&["acl", "get", "/open"]), "world:anyone:cdrwa\n");
    let hash = zkclient::client::digest_acl_id("bob", "secret");
    let out = env.with_stdin(&["acl", "digest", "bob"], b"secret\n");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{hash}\n"),
        "{out:?}"
    );
    let bob = format!("digest:{hash}:cdrwa");
    env.ok(&["acl", "set", "/open", "world:anyone:r", &bob]);
    // Without ADMIN the server hides the hash.
    let lines = env.ok(&["acl", "get", "/open"]);
    assert_eq!(lines, "world:anyone:r\ndigest:bob:x:cdrwa\n");
    let lines = env.ok(&["acl", "get", "/open", "--auth", "digest:bob:secret"]);
    assert_eq!(lines, format!("world:anyone:r\n{bob}\n"));
    let acl = Json::parse(&env.ok(&[
        "acl",
        "get",
        "/open",
        "--json",
        "--auth",
        "digest:bob:secret",
    ]));
    let entries = acl.array();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].get("scheme").str(), "world");
    assert_eq!(entries[0].get("id").str(), "anyone");
    assert_eq!(entries[0].get("perms").str(), "r");
    assert_eq!(entries[1].get("id").str(), hash);

    // Without bob's credential: read only.
    assert_eq!(env.ok(&["get", "/open"]), "");
    let stderr = env.fails(&["set", "/open", "x"], 1);
    assert!(stderr.contains("NO_AUTH"), "{stderr}");
    // With it, from each source; the secret is never printed.
    env.ok(&["--auth", "digest:bob:secret", "set", "/open", "1"]);
    let file = std::env::temp_dir().join(format!("zkcli-auth-{}", std::process::id()));
    std::fs::write(&file, "# bob\ndigest:bob:secret\n").unwrap();
    env.ok(&["--auth-file", file.to_str().unwrap(), "set", "/open", "2"]);
    std::fs::remove_file(&file).unwrap();
    let out = env
        .command(&["set", "/open", "3"])
        .env("ZKCLI_AUTH", "digest:bob:secret")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let who = env.ok(&["--auth", "digest:bob:secret", "whoami"]);
    assert!(who.lines().any(|line| line == "digest:bob"), "{who}");
    let who = Json::parse(&env.ok(&["whoami", "--json"]));
    assert!(
        who.array().iter().any(|id| id.get("scheme").str() == "ip"),
        "{who:?}"
    );
    let stderr = env.fails(&["--auth", "digest-secret-no-colon", "ls", "/"], 2);
    assert!(!stderr.contains("digest-secret"), "{stderr}");

    // acl set --version, and the ACL of a create.
    env.fails(
        &[
            "--auth",
            "digest:bob:secret",
            "acl",
            "set",
            "/open",
            "--version",
            "9",
            "world:anyone:cdrwa",
        ],
        1,
    );
    env.ok(&[
        "--auth",
        "digest:bob:secret",
        "acl",
        "set",
        "/open",
        "--version",
        "1",
        "world:anyone:cdrwa",
    ]);
    env.ok(&["create", "/ro", "--acl", "world:anyone:r"]);
    assert_eq!(env.ok(&["acl", "get", "/ro"]), "world:anyone:r\n");
    env.fails(&["delete", "/ro/none"], 1);
}

#[test]
fn four_letter_words() {
    let env = Env::new("4lw");
    assert_eq!(env.ok(&["4lw", "ruok"]), "imok\n");
    let value = Json::parse(&env.ok(&["4lw", "ruok", "--json"]));
    let server = env.hosts.split(',').next().unwrap();
    assert_eq!(value.get(server).str(), "imok");
    assert!(env.ok(&["4lw", "srvr"]).contains("Zookeeper version:"));
    env.fails(&["4lw", "RUOK"], 2);
    let out = Command::new(ZKCLI)
        .args(["-s", "127.0.0.1:1", "--timeout", "2", "4lw", "ruok"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{out:?}");
}

#[test]
fn tls_and_sasl_digest_on_a_secured_server() {
    let cluster = Cluster::start_with("zkcli-secure", 1, 200, &["--tls", "need", "--sasl-digest"]);
    let secure = cluster.secure_hosts();
    let file = |name: &str| cluster.tls_file(name).to_str().unwrap().to_string();
    let (ca, cert, key) = (file("ca.pem"), file("client1.pem"), file("client1.key"));
    let zkcli = |args: &[&str], password: Option<&str>| -> Output {
        let mut command = Command::new(ZKCLI);
        command
            .args(["-s", &secure, "--timeout", "15", "--tls-ca", &ca])
            .args(args)
            .env_remove("ZKCLI_SASL_PASSWORD")
            .env_remove("ZKCLI_AUTH");
        if let Some(password) = password {
            command.env("ZKCLI_SASL_PASSWORD", password);
        }
        command.output().unwrap()
    };
    let identity = [
        "--tls-cert",
        &cert,
        "--tls-key",
        &key,
        "--sasl-digest",
        "bob",
    ];
    let out = zkcli(&[&identity[..], &["whoami"]].concat(), Some("bobsecret"));
    assert!(out.status.success(), "{out:?}");
    let who = String::from_utf8_lossy(&out.stdout);
    assert!(who.lines().any(|l| l == "x509:CN=client1"), "{who}");
    assert!(who.lines().any(|l| l == "sasl:bob"), "{who}");
    let out = zkcli(
        &[&identity[..], &["create", "/secured", "s"]].concat(),
        Some("bobsecret"),
    );
    assert!(out.status.success(), "{out:?}");
    let out = zkcli(
        &[&identity[..], &["4lw", "ruok"]].concat(),
        Some("bobsecret"),
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "imok\n", "{out:?}");

    // The password from a file; a wrong one is exit 3 and is never printed.
    let password_file = cluster.dir().join("bob.password");
    std::fs::write(&password_file, "wrong-password-xyz\n").unwrap();
    let args = [
        "--tls-cert",
        &cert,
        "--tls-key",
        &key,
        "--sasl-digest",
        "bob",
        "--sasl-password-file",
        password_file.to_str().unwrap(),
        "ls",
        "/",
    ];
    let out = zkcli(&args, None);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("wrong-password-xyz"), "{stderr}");
    std::fs::write(&password_file, "bobsecret\n").unwrap();
    let out = zkcli(&args, None);
    assert!(out.status.success(), "{out:?}");
    // No password at all: a usage error; no client certificate: no session.
    let out = zkcli(&[&identity[..], &["ls", "/"]].concat(), None);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let out = zkcli(&["--timeout", "3", "ls", "/"], None);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("TLS"),
        "{out:?}"
    );
}

#[test]
fn config_on_a_standalone_server_is_empty_and_reconfig_is_refused() {
    let env = Env::new("config-standalone");
    let out = env.run(&["config"]);
    let out = expect_status(out, 0, &["config"]);
    assert!(out.stdout.is_empty(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("the configuration is empty"),
        "{out:?}"
    );
    let value = Json::parse(&env.ok(&["config", "--json"]));
    assert_eq!(value.get("version").str(), "0");
    assert!(value.get("members").array().is_empty());
    // The shared server does not allow reconfiguration: refused by the server, exit 1.
    let stderr = env.fails(&["reconfig", "--remove", "3"], 1);
    assert!(stderr.contains("zkcli: reconfig: "), "{stderr}");
    // Bad arguments never reach it.
    let stderr = env.fails(&["reconfig", "--add", "server.4=127.0.0.1:1"], 2);
    assert!(stderr.contains("server.4=127.0.0.1:1"), "{stderr}");
    env.fails(
        &[
            "reconfig",
            "--members",
            "server.1=127.0.0.1:1:2;3",
            "--remove",
            "2",
        ],
        2,
    );
    env.fails(&["reconfig", "--remove", "2", "--from-version", "zz"], 2);
    env.fails(&["reconfig"], 2);
}

/// zkcli against a reconfig-enabled ensemble, with no credentials but those given in `auth`
/// (the ZKCLI_AUTH variable).
fn ensemble_zkcli(hosts: &str, args: &[&str], auth: Option<&str>) -> Output {
    let mut command = Command::new(ZKCLI);
    command
        .args(["-s", hosts, "--timeout", "20"])
        .args(args)
        .env_remove("ZK_HOSTS")
        .env_remove("ZKCLI_AUTH")
        .env_remove("ZKCLI_SASL_PASSWORD")
        .stdin(Stdio::null());
    if let Some(auth) = auth {
        command.env("ZKCLI_AUTH", auth);
    }
    command.output().expect("zkcli runs")
}

/// The `version=HEX` line of `config`'s output.
fn config_version(text: &str) -> String {
    text.lines()
        .find_map(|line| line.strip_prefix("version="))
        .unwrap_or_else(|| panic!("no version line in {text:?}"))
        .to_string()
}

#[test]
fn config_and_reconfig_on_an_ensemble() {
    let cluster = Cluster::start_reconfig("zkcli-reconfig", 4, 3, 0, 500);
    let hosts = cluster.hosts.clone();
    let superuser = format!("digest:{}:{}", common::SUPER_USER, common::SUPER_PASSWORD);
    let ok = |args: &[&str], auth: Option<&str>| -> String {
        let out = expect_status(ensemble_zkcli(&hosts, args, auth), 0, args);
        String::from_utf8(out.stdout).expect("UTF-8 stdout")
    };
    let fails = |args: &[&str], auth: Option<&str>| -> String {
        let out = expect_status(ensemble_zkcli(&hosts, args, auth), 1, args);
        String::from_utf8_lossy(&out.stderr).into_owned()
    };

    // config: the members as ZooKeeper writes them, then the version; the same as the
    // leader's own text. And as JSON.
    let text = ok(&["config"], None);
    assert_eq!(text.trim_end(), cluster.config(), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    for (id, line) in (1..=3).zip(&lines) {
        assert_eq!(*line, cluster.server_spec(id, "participant"));
    }
    let version = config_version(&text);
    let value = Json::parse(&ok(&["config", "--json"], None));
    assert_eq!(value.get("version").str(), version);
    let members = value.get("members").array();
    assert_eq!(members.len(), 3);
    assert_eq!(members[0].get("id").i64(), 1);
    assert_eq!(members[0].get("role").str(), "participant");
    assert_eq!(members[0].get("spec").str(), lines[0]);
    assert_eq!(members[0].get("quorumHost").str(), "127.0.0.1");
    assert_eq!(
        members[2].get("clientPort").i64(),
        i64::from(cluster.port(3))
    );
    assert_eq!(value.get("connect").str(), cluster.member_hosts());

    // Refused without the superuser: exit 1, the server's code and the reason; nothing
    // changed.
    let stderr = fails(&["reconfig", "--remove", "3"], None);
    assert!(stderr.contains("NO_AUTH"), "{stderr}");
    assert!(stderr.contains("superuser"), "{stderr}");
    let value = Json::parse(&String::from_utf8_lossy(
        &ensemble_zkcli(&hosts, &["reconfig", "--json", "--remove", "3"], None).stderr,
    ));
    assert_eq!(value.get("error").str(), "NO_AUTH");
    assert_eq!(value.get("operation").str(), "reconfig");
    assert_eq!(config_version(&ok(&["config"], None)), version);

    // --add, as the superuser (ZKCLI_AUTH), guarded by the version read: server 4 joins.
    cluster.join_server(4, false);
    let spec4 = cluster.server_spec(4, "participant");
    let grown = ok(
        &["reconfig", "--add", &spec4, "--from-version", &version],
        Some(&superuser),
    );
    assert!(grown.lines().any(|line| line == spec4), "{grown}");
    assert_eq!(grown.lines().count(), 5, "{grown}");
    let grown_version = config_version(&grown);
    assert_ne!(grown_version, version);
    assert_eq!(ok(&["config"], None), grown);

    // A stale version is refused (BAD_VERSION), with the reason.
    let stderr = fails(
        &["reconfig", "--remove", "4", "--from-version", &version],
        Some(&superuser),
    );
    assert!(stderr.contains("BAD_VERSION"), "{stderr}");
    // The reason names the stale version.
    assert!(stderr.contains(&format!("0x{version}")), "{stderr}");

    // --remove with the credential from a file (--auth-file), as JSON.
    let auth_file = cluster.dir().join("super.auth");
    std::fs::write(&auth_file, format!("{superuser}\n")).unwrap();
    let value = Json::parse(&ok(
        &[
            "--auth-file",
            auth_file.to_str().unwrap(),
            "reconfig",
            "--json",
            "--remove",
            "4",
            "--from-version",
            &grown_version,
        ],
        None,
    ));
    let ids: Vec<i64> = value
        .get("members")
        .array()
        .iter()
        .map(|member| member.get("id").i64())
        .collect();
    assert_eq!(ids, [1, 2, 3]);
    assert_ne!(value.get("version").str(), grown_version);
    let shrunk = ok(&["config"], None);
    assert_eq!(config_version(&shrunk), value.get("version").str());
    assert!(!shrunk.contains("server.4="), "{shrunk}");

    // Bulk: the whole membership, here the same three servers again.
    let specs: Vec<String> = (1..=3)
        .map(|id| cluster.server_spec(id, "participant"))
        .collect();
    let bulk = ok(
        &["reconfig", "--members", &specs.join(",")],
        Some(&superuser),
    );
    let bulk_lines: Vec<&str> = bulk.lines().collect();
    assert_eq!(
        bulk_lines[..3],
        specs.iter().map(String::as_str).collect::<Vec<_>>()[..]
    );
}
