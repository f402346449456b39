//! From the global options to a started client: the connect string, the session settings,
//! TLS, SASL and credentials (read from files and the environment, kept in `Secret`s).

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::Path;

use zkclient::secret::Secret;
use zkclient::{Client, ClientOptions, GssapiOptions, Pem, SaslOptions, TlsOptions};

use crate::args::{AuthSource, Globals};
use crate::failure::Failure;

/// The environment variable with the SASL DIGEST-MD5 password.
pub const SASL_PASSWORD_ENV: &str = "ZKCLI_SASL_PASSWORD";
/// The environment variable with one `SCHEME:CREDENTIAL`.
pub const AUTH_ENV: &str = "ZKCLI_AUTH";

/// `-s`, else $ZK_HOSTS, else 127.0.0.1:2181.
pub fn connect_string(globals: &Globals) -> String {
    globals
        .server
        .clone()
        .or_else(|| {
            std::env::var("ZK_HOSTS")
                .ok()
                .map(|hosts| hosts.trim().to_string())
                .filter(|hosts| !hosts.is_empty())
        })
        .unwrap_or_else(|| "127.0.0.1:2181".to_string())
}

fn read_secret_file(path: &Path, what: &str) -> Result<Secret, Failure> {
    std::fs::read(path)
        .map(Secret::new)
        .map_err(|e| Failure::Usage(format!("{what}: cannot read {}: {e}", path.display())))
}

/// Without one trailing line end (`\n` or `\r\n`), as a file written by `echo` has.
fn without_line_end(secret: Secret) -> Secret {
    let bytes = secret.expose();
    let end = bytes
        .strip_suffix(b"\r\n")
        .or_else(|| bytes.strip_suffix(b"\n"))
        .map_or(bytes.len(), <[u8]>::len);
    if end == bytes.len() {
        secret
    } else {
        Secret::copy_of(&bytes[..end])
    }
}

/// `SCHEME:CREDENTIAL` split at the first colon; `what` names the source in errors (the
/// credential itself never appears).
fn credential(line: &[u8], what: &str) -> Result<(String, Secret), Failure> {
    let bad = || {
        Failure::Usage(format!(
            "{what}: expected SCHEME:CREDENTIAL, e.g. digest:user:password (the value is not shown)"
        ))
    };
    let colon = line.iter().position(|b| *b == b':').ok_or_else(bad)?;
    let scheme = std::str::from_utf8(&line[..colon]).map_err(|_| bad())?;
    if scheme.is_empty() {
        return Err(bad());
    }
    Ok((scheme.to_string(), Secret::copy_of(&line[colon + 1..])))
}

fn credentials(globals: &Globals) -> Result<Vec<(String, Secret)>, Failure> {
    let mut all = Vec::new();
    for source in &globals.auth {
        match source {
            AuthSource::Word(word) => {
                let word = Secret::new(word.clone().into_vec());
                all.push(credential(word.expose(), "--auth")?);
            }
            AuthSource::File(path) => {
                let text = read_secret_file(path, "--auth-file")?;
                let what = format!("--auth-file {}", path.display());
                for line in text.expose().split(|b| *b == b'\n') {
                    let line = line.strip_suffix(b"\r").unwrap_or(line);
                    if line.is_empty() || line.starts_with(b"#") {
                        continue;
                    }
                    all.push(credential(line, &what)?);
                }
            }
        }
    }
    if let Some(word) = std::env::var_os(AUTH_ENV).filter(|word| !word.is_empty()) {
        let word = Secret::new(word.into_vec());
        all.push(credential(word.expose(), AUTH_ENV)?);
    }
    Ok(all)
}

fn sasl(globals: &Globals) -> Result<Option<SaslOptions>, Failure> {
    if let Some(username) = &globals.sasl_digest {
        let password = match &globals.sasl_password_file {
            Some(file) => without_line_end(read_secret_file(file, "--sasl-password-file")?),
            None => match std::env::var_os(SASL_PASSWORD_ENV) {
                Some(word) => Secret::new(OsString::into_vec(word)),
                None => {
                    return Err(Failure::Usage(format!(
                        "--sasl-digest {username}: no password: give --sasl-password-file F or \
                         set ${SASL_PASSWORD_ENV} (never on the command line)"
                    )))
                }
            },
        };
        return Ok(Some(SaslOptions::Digest {
            username: username.clone(),
            password,
        }));
    }
    let g = &globals.gssapi;
    if g.enabled {
        let defaults = GssapiOptions::default();
        return Ok(Some(SaslOptions::Gssapi(GssapiOptions {
            service: g.service.clone().unwrap_or(defaults.service),
            service_host: g.service_host.clone(),
            principal: g.principal.clone(),
            keytab: g.keytab.clone(),
            credential_cache: g.ccache.clone(),
        })));
    }
    Ok(None)
}

/// The client options the global options describe.
pub fn options(globals: &Globals) -> Result<ClientOptions, Failure> {
    let mut options = ClientOptions::default();
    if let Some(timeout) = globals.session_timeout {
        options.session_timeout = timeout;
    }
    options.can_be_read_only = globals.read_only;
    for (scheme, secret) in credentials(globals)? {
        options
            .add_auth(&scheme, secret.expose())
            .map_err(|error| Failure::Zk {
                operation: "auth",
                subject: Some(scheme.clone()),
                error,
            })?;
    }
    let tls = &globals.tls;
    if tls.enabled {
        options.tls = Some(TlsOptions {
            ca: tls.ca.clone().map(Pem::File),
            client_certificate: tls
                .cert
                .clone()
                .zip(tls.key.clone())
                .map(|(cert, key)| (Pem::File(cert), Pem::File(key))),
            verify_hostname: !tls.no_verify_hostname,
            server_name: tls.server_name.clone(),
        });
    }
    options.sasl = sasl(globals)?;
    Ok(options)
}

/// A client for the global options, started (a session within `--timeout`).
pub fn connect(globals: &Globals) -> Result<Client, Failure> {
    let hosts = connect_string(globals);
    let options = options(globals)?;
    let client = Client::new(&hosts, options).map_err(Failure::zk("connect", &hosts))?;
    client
        .start(globals.connect_timeout)
        .map_err(Failure::zk("connect", &hosts))?;
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_split_at_the_first_colon() {
        let (scheme, secret) = credential(b"digest:bob:pa:ss", "--auth").unwrap();
        assert_eq!(scheme, "digest");
        assert_eq!(secret.expose(), b"bob:pa:ss");
        for bad in [&b"s3cret"[..], b":s3cret", b"\xff:s3cret"] {
            let Err(Failure::Usage(message)) = credential(bad, "--auth") else {
                panic!("{bad:?} accepted");
            };
            assert!(!message.contains("s3cret"), "{message}");
        }
    }

    #[test]
    fn one_line_end_is_dropped() {
        let strip = |bytes: &[u8]| without_line_end(Secret::copy_of(bytes)).expose().to_vec();
        assert_eq!(strip(b"pw\n"), b"pw");
        assert_eq!(strip(b"pw\r\n"), b"pw");
        assert_eq!(strip(b"pw\n\n"), b"pw\n");
        assert_eq!(strip(b"pw"), b"pw");
    }
}
