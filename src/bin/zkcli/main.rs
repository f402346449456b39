//! zkcli: the command line tool to look at and change a ZooKeeper cluster, on zkclient's Rust
//! API (`zkclient::Client`, its options and the lock recipe). `zkcli --help` documents the
//! commands, the output and the exit statuses; README.md, "Command line: zkcli", too.

mod args;
mod commands;
mod failure;
mod json;
mod lock;
mod session;
mod signals;
mod watch;

use args::{Command, Invocation};
use commands::Out;
use failure::{Failure, EXIT_OK, EXIT_USAGE};

fn main() {
    // First, before any other thread exists: every thread inherits the mask.
    signals::block();
    let words: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let invocation = match args::parse(words.clone()) {
        Ok(invocation) => invocation,
        Err(usage) => {
            let json = words
                .iter()
                .take_while(|word| *word != "--")
                .any(|word| word == "--json");
            Failure::Usage(usage).report(json);
            std::process::exit(EXIT_USAGE);
        }
    };
    let json = invocation.globals.json;
    let code = execute(&invocation).unwrap_or_else(|failure| {
        failure.report(json);
        failure.code()
    });
    std::process::exit(code);
}

fn execute(invocation: &Invocation) -> Result<i32, Failure> {
    let globals = &invocation.globals;
    let out = Out::new();
    let json = globals.json;
    // The commands that need no session, and the data read before connecting.
    let data = match &invocation.command {
        Command::Help => {
            out.bytes(args::HELP.as_bytes())?;
            return Ok(EXIT_OK);
        }
        Command::Version => {
            out.line(&format!("zkcli {}", env!("CARGO_PKG_VERSION")))?;
            return Ok(EXIT_OK);
        }
        Command::FourLetterWord { word } => return commands::four_letter_word(globals, &out, word),
        Command::AclDigest { user } => return commands::acl_digest(&out, json, user),
        Command::Set { data, .. } | Command::Create { data, .. } => commands::read_data(data)?,
        _ => Vec::new(),
    };
    let client = session::connect(globals)?;
    let result = match &invocation.command {
        Command::Ls { path } => commands::ls(&client, &out, json, path),
        Command::Get { path, stat, base64 } => {
            commands::get(&client, &out, json, path, *stat, *base64)
        }
        Command::Set {
            path,
            version,
            stat,
            ..
        } => commands::set(&client, &out, json, path, &data, *version, *stat),
        Command::Create { path, flags, .. } => {
            commands::create(&client, &out, json, path, &data, flags)
        }
        Command::Delete {
            path,
            recursive,
            version,
        } => commands::delete(&client, path, *recursive, *version),
        Command::Stat { path } => commands::stat(&client, &out, json, path),
        Command::Tree { path } => commands::tree(&client, &out, json, path),
        Command::Watch { path, mode, count } => {
            watch::watch(&client, &out, json, path, *mode, *count)
        }
        Command::Lock {
            path,
            timeout,
            mode,
            command,
        } => lock::lock(&client, path, *timeout, *mode, command),
        Command::AclGet { path } => commands::acl_get(&client, &out, json, path),
        Command::AclSet { path, acl, version } => {
            commands::acl_set(&client, &out, json, path, acl, *version)
        }
        Command::WhoAmI => commands::whoami(&client, &out, json),
        Command::Config => commands::config(&client, &out, json),
        Command::Reconfig {
            change,
            from_version,
        } => commands::reconfig(&client, &out, json, change, *from_version),
        Command::Help
        | Command::Version
        | Command::FourLetterWord { .. }
        | Command::AclDigest { .. } => {
            unreachable!("handled above")
        }
    };
    // Closing the session deletes its ephemeral nodes at once (an ephemeral `create`'s too).
    let _ = client.stop();
    result
}
