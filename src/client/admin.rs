//! Administrative operations: the session's ephemeral nodes (getEphemerals), the size of a
//! subtree (getAllChildrenNumber), the session's identities (whoAmI), and ZooKeeper's
//! four-letter words (`ruok`, `srvr`, `mntr`, ...) with the server version parsed from `srvr`.

use std::time::Duration;

use super::path::strip_chroot;
use super::Client;
use crate::error::{Error, Result};
use crate::proto::{
    decode_all, encode_empty_request, encode_request, ClientInfo, ErrorCode,
    GetAllChildrenNumberResponse, GetEphemeralsResponse, OpCode, PathRequest, WhoAmIResponse,
};
use crate::session::{self, parse_hosts, Resolver, TlsConnector};

/// The most a four-letter word's answer may be (`dump`, `wchp` and `cons` grow with the number
/// of sessions and watches).
pub const MAX_FOUR_LETTER_WORD_REPLY: usize = 16 << 20;

/// Checks that `word` is exactly four lowercase ASCII letters.
fn validate_word(word: &str) -> Result<()> {
    if word.len() == 4 && word.bytes().all(|b| b.is_ascii_lowercase()) {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "{word:?} is not a four-letter word (exactly 4 lowercase ASCII letters)"
        )))
    }
}

/// Sends the four-letter word `word` (`ruok`, `srvr`, `stat`, `mntr`, `conf`, `cons`, `envi`,
/// `dump`, `wchs`, ...) to the server `host` (`"host:port"`, `"[::1]:port"`; port 2181 when
/// omitted) and returns its answer, read until the server closes the connection (at most
/// [`MAX_FOUR_LETTER_WORD_REPLY`] bytes, invalid UTF-8 replaced).
///
/// The server answers only the words of its `4lw.commands.whitelist` (3.5+: `srvr` alone by
/// default); for others it answers a sentence saying so, or closes without a word. Errors:
/// `InvalidArgument` for a word that is not 4 lowercase ASCII letters, a bad host or a zero
/// `timeout`; `Timeout` when the whole exchange takes longer than `timeout`; `CONNECTION_LOSS`
/// when the server cannot be reached; `ReplyTooLarge`. It needs no session and runs on the
/// shared runtime, so it can be awaited anywhere and `.wait()`ed from blocking code.
pub async fn four_letter_word(host: &str, word: &str, timeout: Duration) -> Result<String> {
    four_letter_word_over(host, &Resolver::default(), None, word, timeout).await
}

/// [`four_letter_word`], over TLS when `tls` is given.
async fn four_letter_word_over(
    host: &str,
    resolver: &Resolver,
    tls: Option<&TlsConnector>,
    word: &str,
    timeout: Duration,
) -> Result<String> {
    validate_word(word)?;
    if timeout.is_zero() {
        return Err(Error::InvalidArgument(
            "the timeout of a four-letter word must be positive".into(),
        ));
    }
    let mut hosts = parse_hosts(host)?;
    let address = match (hosts.pop(), hosts.is_empty()) {
        (Some(one), true) => one,
        _ => {
            return Err(Error::InvalidArgument(format!(
                "{host:?}: a four-letter word goes to one server"
            )))
        }
    };
    let limit = MAX_FOUR_LETTER_WORD_REPLY;
    session::four_letter_word(&address, resolver, tls, word, timeout, limit)
        .await
        .map_err(|error| match error.kind() {
            std::io::ErrorKind::TimedOut => Error::Timeout(format!(
                "four-letter word {word:?} to {address} did not finish within {timeout:?}"
            )),
            // The answer went over the limit (read up to one byte past it).
            std::io::ErrorKind::InvalidData => Error::ReplyTooLarge {
                size: limit + 1,
                limit,
            },
            _ => Error::connection_loss(),
        })
}

/// The version `major.minor.patch` in the answer to `srvr` (or `stat`): the line
/// `Zookeeper version: 3.8.0-<commit>, built on ...`.
fn parse_server_version(srvr: &str) -> Option<(u32, u32, u32)> {
    let line = srvr
        .lines()
        .find_map(|line| line.trim().strip_prefix("Zookeeper version:"))?;
    let mut parts = line.trim_start().splitn(3, '.');
    let number = |part: Option<&str>| -> Option<u32> {
        let part = part?;
        let end = part
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(part.len());
        part[..end].parse().ok()
    };
    let major = number(parts.next())?;
    let minor = number(parts.next())?;
    let patch = number(parts.next())?;
    Some((major, minor, patch))
}

impl Client {
    /// The paths of this session's ephemeral nodes whose path starts with `prefix` (a string
    /// prefix, as the server compares them: `/lock` matches `/lock`, `/lock/x` and `/locks`;
    /// `/` matches all of them), chroot removed and nodes outside the chroot left out, in the
    /// server's order.
    pub async fn get_ephemerals(&self, prefix: &str) -> Result<Vec<String>> {
        let server_prefix = self.server_path(prefix, false)?;
        let request = PathRequest {
            path: &server_prefix,
        };
        let body = self
            .call(
                OpCode::GetEphemerals,
                encode_request(0, OpCode::GetEphemerals, &request),
            )
            .await?;
        let reply: GetEphemeralsResponse = decode_all(&body)?;
        let chroot = self.chroot();
        Ok(reply
            .ephemerals
            .into_iter()
            .filter(|path| match chroot {
                None => true,
                Some(root) => path
                    .strip_prefix(root)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/')),
            })
            .map(|path| strip_chroot(chroot, &path))
            .collect())
    }

    /// The number of nodes under `path` (all descendants, not `path` itself).
    pub async fn get_all_children_number(&self, path: &str) -> Result<i32> {
        let server_path = self.server_path(path, false)?;
        let request = PathRequest { path: &server_path };
        let body = self
            .call(
                OpCode::GetAllChildrenNumber,
                encode_request(0, OpCode::GetAllChildrenNumber, &request),
            )
            .await?;
        Ok(decode_all::<GetAllChildrenNumberResponse>(&body)?.total_number)
    }

    /// The identities the server knows this session by (ZooKeeper 3.7+): an unauthenticated
    /// session has its `ip` identity; each credential added gives another (`digest` with the
    /// user name, ...).
    pub async fn who_am_i(&self) -> Result<Vec<ClientInfo>> {
        let body = self
            .call(OpCode::WhoAmI, encode_empty_request(0, OpCode::WhoAmI))
            .await?;
        Ok(decode_all::<WhoAmIResponse>(&body)?.client_info)
    }

    /// Sends the four-letter word `word` to the server this client is connected to (see
    /// [`four_letter_word`]), within the negotiated session timeout. `CONNECTION_LOSS` when the
    /// client is not connected right now, `Closed` when it is stopped.
    pub async fn four_letter_word(&self, word: &str) -> Result<String> {
        validate_word(word)?;
        let info = self.session_info();
        let Some(server) = info.server else {
            return Err(if info.running {
                Error::Keeper(ErrorCode::CONNECTION_LOSS)
            } else {
                Error::Closed
            });
        };
        let timeout = info.negotiated_timeout.max(Duration::from_secs(1));
        four_letter_word_over(
            &server.to_string(),
            &self.inner.resolver,
            self.inner.tls.as_ref(),
            word,
            timeout,
        )
        .await
    }

    /// The version (major, minor, patch) of the server this client is connected to, from its
    /// answer to `srvr` (the one word every 3.5+ server allows by default).
    pub async fn server_version(&self) -> Result<(u32, u32, u32)> {
        let srvr = self.four_letter_word("srvr").await?;
        parse_server_version(&srvr).ok_or_else(|| {
            let first = srvr.lines().next().unwrap_or("");
            Error::InvalidArgument(format!(
                "the server's answer to srvr names no version (first line {first:?}; is srvr \
                 in its 4lw.commands.whitelist?)"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::Wait;

    #[test]
    fn words_are_four_lowercase_ascii_letters() {
        for good in ["ruok", "srvr", "mntr", "wchp"] {
            assert!(validate_word(good).is_ok(), "{good}");
        }
        for bad in ["", "ruo", "ruokk", "RUOK", "ru0k", "ru k", "rüok", "ruo\n"] {
            assert!(
                matches!(validate_word(bad), Err(Error::InvalidArgument(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn bad_arguments_are_refused_before_connecting() {
        let second = Duration::from_secs(1);
        for (host, word, timeout) in [
            ("127.0.0.1:1", "RUOK", second),
            ("127.0.0.1:1", "ruok", Duration::ZERO),
            ("", "ruok", second),
            ("a:1,b:2", "ruok", second),
            ("h:0", "ruok", second),
        ] {
            assert!(
                matches!(
                    four_letter_word(host, word, timeout).wait(),
                    Err(Error::InvalidArgument(_))
                ),
                "{host:?} {word:?} {timeout:?}"
            );
        }
    }

    #[test]
    fn an_unreachable_server_is_connection_loss() {
        // Bind then drop a listener: its port refuses connections for a while.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|address| address.port())
            .unwrap();
        let result =
            four_letter_word(&format!("127.0.0.1:{port}"), "ruok", Duration::from_secs(5)).wait();
        assert_eq!(result, Err(Error::connection_loss()));
    }

    #[test]
    fn a_silent_server_times_out() {
        // Connections wait in the backlog, never accepted, never answered.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let host = format!("127.0.0.1:{}", listener.local_addr().unwrap().port());
        let result = four_letter_word(&host, "ruok", Duration::from_millis(200)).wait();
        assert!(matches!(result, Err(Error::Timeout(_))), "{result:?}");
    }

    #[test]
    fn the_answer_is_read_until_the_server_closes() {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let host = format!("127.0.0.1:{}", listener.local_addr().unwrap().port());
        let server = std::thread::spawn(move || {
            let (mut socket, _) = listener.accept().unwrap();
            let mut word = [0; 4];
            socket.read_exact(&mut word).unwrap();
            socket.write_all(b"im").unwrap();
            socket.flush().unwrap();
            std::thread::sleep(Duration::from_millis(50));
            socket.write_all(b"ok").unwrap();
            word
        });
        let answer = four_letter_word(&host, "ruok", Duration::from_secs(10)).wait();
        assert_eq!(&server.join().unwrap(), b"ruok");
        assert_eq!(answer, Ok("imok".to_string()));
    }

    #[test]
    fn version_from_srvr() {
        let srvr = "Zookeeper version: 3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC\n\
                    Latency min/avg/max: 0/0.0/0\nMode: standalone\n";
        assert_eq!(parse_server_version(srvr), Some((3, 8, 0)));
        assert_eq!(
            parse_server_version(
                "Zookeeper version: 3.9.2-e454e8c7283100c7caec6dcae2bc82aaecb63023, built on"
            ),
            Some((3, 9, 2))
        );
        assert_eq!(
            parse_server_version("Zookeeper version: 3.4.14, built on"),
            Some((3, 4, 14))
        );
        assert_eq!(parse_server_version("Mode: standalone"), None);
        assert_eq!(parse_server_version("Zookeeper version: 3.x.0"), None);
        assert_eq!(parse_server_version(""), None);
    }
}
