//! TLS: the options a user gives, the rustls client configuration made from them, and the
//! classification of TLS failures into [`TlsFailure`].

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ResolvesClientCert, WebPkiServerVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use zeroize::Zeroizing;

use crate::error::{Error, Result, TlsFailure};
use crate::secret::Secret;

/// Where PEM text comes from: a file (read when the client is created), or memory.
#[derive(Clone, PartialEq, Eq)]
pub enum Pem {
    /// A PEM file.
    File(PathBuf),
    /// PEM text in memory (wiped when dropped: it may hold a private key).
    Memory(Secret),
}

impl std::fmt::Debug for Pem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Pem::File(path) => f.debug_tuple("File").field(path).finish(),
            Pem::Memory(text) => write!(f, "Memory(<{} bytes>)", text.len()),
        }
    }
}

impl Pem {
    /// The PEM text (`what` names it in errors).
    fn read(&self, what: &str) -> Result<Secret> {
        match self {
            Pem::Memory(text) => Ok(text.clone()),
            Pem::File(path) => std::fs::read(path).map(Secret::new).map_err(|e| {
                Error::InvalidArgument(format!("TLS {what}: cannot read {}: {e}", path.display()))
            }),
        }
    }
}

/// The system's CA bundles, the first that exists is used when no CA is given
/// (`SSL_CERT_FILE` first, as OpenSSL does).
const SYSTEM_CA_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
];

/// How the client speaks TLS to every server of its connect string (ZooKeeper's
/// `secureClientPort`): reconnects, failover and read-only probes included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsOptions {
    /// The CAs that sign the servers' certificates; `None`: the system's CA bundle
    /// (`SSL_CERT_FILE`, else `/etc/ssl/certs/ca-certificates.crt` and the usual others).
    pub ca: Option<Pem>,
    /// For mutual TLS: the client's certificate chain (leaf first) and its private key
    /// (PKCS#8, PKCS#1 RSA or SEC1 EC, in PEM).
    pub client_certificate: Option<(Pem, Pem)>,
    /// Check that the server's certificate is valid for the server's name (default true, as
    /// ZooKeeper's `ssl.hostnameVerification`). Off, the chain is still checked against the CAs.
    pub verify_hostname: bool,
    /// The name to check the server's certificate against, instead of each host of the
    /// connect string (for hosts given as IP addresses whose certificates name a DNS name).
    pub server_name: Option<String>,
}

impl Default for TlsOptions {
    fn default() -> Self {
        TlsOptions {
            ca: None,
            client_certificate: None,
            verify_hostname: true,
            server_name: None,
        }
    }
}

impl TlsOptions {
    /// Reads the PEM files and builds the TLS configuration: the errors a bad file, a PEM
    /// without a certificate or a key that does not parse give are [`Error::InvalidArgument`]
    /// and name the file, never the key's bytes.
    pub(crate) fn connector(&self) -> Result<TlsConnector> {
        let mut roots = RootCertStore::empty();
        let ca_text = match &self.ca {
            Some(pem) => pem.read("CA")?,
            None => Pem::File(system_ca_bundle()?).read("CA")?,
        };
        let cas = certificates(&ca_text, "CA")?;
        let (added, _ignored) = roots.add_parsable_certificates(cas);
        if added == 0 {
            return Err(Error::InvalidArgument(
                "TLS CA: no usable CA certificate in it".to_string(),
            ));
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier =
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .map_err(|e| Error::InvalidArgument(format!("TLS CA: {e}")))?;
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::InvalidArgument(format!("TLS: {e}")))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Verifier {
                inner: verifier,
                verify_hostname: self.verify_hostname,
            }));
        let config = match &self.client_certificate {
            None => builder.with_no_client_auth(),
            Some((chain, key)) => {
                let chain = certificates(&chain.read("client certificate")?, "client certificate")?;
                let key_text = key.read("client key")?;
                // The DER is wiped once the signing key is made from it, as the PEM text is
                // when dropped (the signing key inside ring is not: ring does not zeroize).
                let key = Zeroizing::new(
                    PrivateKeyDer::from_pem_slice(key_text.expose()).map_err(|e| {
                        Error::InvalidArgument(format!(
                            "TLS client key: no PKCS#8, RSA or EC private key in PEM form ({e})"
                        ))
                    })?,
                );
                let signing_key = rustls::crypto::ring::sign::any_supported_type(&key)
                    .map_err(|e| Error::InvalidArgument(format!("TLS client key: {e}")))?;
                drop(key);
                let certified = CertifiedKey::new(chain, signing_key);
                certified.keys_match().map_err(|e| {
                    Error::InvalidArgument(format!(
                        "TLS client certificate and key do not belong together ({e})"
                    ))
                })?;
                builder.with_client_cert_resolver(Arc::new(ClientCertificate(Arc::new(certified))))
            }
        };
        let server_name = match &self.server_name {
            None => None,
            Some(name) => Some(ServerName::try_from(name.clone()).map_err(|_| {
                Error::InvalidArgument(format!("TLS server name {name:?} is not a DNS name or IP"))
            })?),
        };
        Ok(TlsConnector {
            connector: tokio_rustls::TlsConnector::from(Arc::new(config)),
            server_name,
            client_certificate: self.client_certificate.is_some(),
        })
    }
}

fn system_ca_bundle() -> Result<PathBuf> {
    if let Some(file) = std::env::var_os("SSL_CERT_FILE") {
        return Ok(PathBuf::from(file));
    }
    SYSTEM_CA_BUNDLES
        .iter()
        .map(Path::new)
        .find(|path| path.exists())
        .map(Path::to_path_buf)
        .ok_or_else(|| {
            Error::InvalidArgument(
                "TLS CA: none given and no system CA bundle found (give the CA that signs the servers' certificates)".to_string(),
            )
        })
}

fn certificates(pem: &Secret, what: &str) -> Result<Vec<CertificateDer<'static>>> {
    let certificates = CertificateDer::pem_slice_iter(pem.expose())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::InvalidArgument(format!("TLS {what}: bad PEM ({e})")))?;
    if certificates.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "TLS {what}: no certificate in it"
        )));
    }
    Ok(certificates)
}

/// The TLS client of a session: connects any host of the connect string.
#[derive(Clone)]
pub(crate) struct TlsConnector {
    connector: tokio_rustls::TlsConnector,
    server_name: Option<ServerName<'static>>,
    client_certificate: bool,
}

impl std::fmt::Debug for TlsConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsConnector")
            .field("server_name", &self.server_name)
            .field("client_certificate", &self.client_certificate)
            .finish_non_exhaustive()
    }
}

impl TlsConnector {
    /// Runs the TLS handshake with `host` (`address` is `host:port`, for messages) over `tcp`.
    pub(crate) async fn connect(
        &self,
        host: &str,
        address: &str,
        tcp: tokio::net::TcpStream,
    ) -> Result<tokio_rustls::client::TlsStream<tokio::net::TcpStream>> {
        let name = match &self.server_name {
            Some(name) => name.clone(),
            None => ServerName::try_from(host.to_string()).map_err(|_| Error::Tls {
                host: address.to_string(),
                failure: TlsFailure::Other,
                detail: format!("{host:?} is not a DNS name or IP address to verify"),
            })?,
        };
        self.connector
            .connect(name, tcp)
            .await
            .map_err(|e| self.failure(address, &e, true))
    }

    /// The error of a failed read or write on a TLS connection to `address`; `handshake`:
    /// during the TLS handshake, when an end of stream means the peer does not speak TLS.
    pub(crate) fn failure(&self, address: &str, error: &std::io::Error, handshake: bool) -> Error {
        let (failure, detail) = classify(error, self.client_certificate, handshake);
        Error::Tls {
            host: address.to_string(),
            failure,
            detail,
        }
    }

    /// Whether `error` of a read or write on an established TLS connection is a TLS failure
    /// (an alert from the server, a bad record), not a plain network one.
    pub(crate) fn is_tls_failure(error: &std::io::Error) -> bool {
        error
            .get_ref()
            .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some())
    }
}

/// What `error` says failed, and its details.
fn classify(
    error: &std::io::Error,
    client_certificate: bool,
    handshake: bool,
) -> (TlsFailure, String) {
    use rustls::AlertDescription as Alert;
    let Some(tls) = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    else {
        let failure = if handshake
            && matches!(
                error.kind(),
                std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionReset
            ) {
            TlsFailure::NotTls
        } else {
            TlsFailure::Other
        };
        let detail = if failure == TlsFailure::NotTls {
            format!("the server closed the connection during the TLS handshake ({error}): is this its secureClientPort?")
        } else {
            error.to_string()
        };
        return (failure, detail);
    };
    let failure = match tls {
        rustls::Error::InvalidCertificate(certificate) => match certificate {
            CertificateError::UnknownIssuer | CertificateError::BadSignature => {
                TlsFailure::UnknownCa
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                TlsFailure::HostnameMismatch
            }
            CertificateError::Expired
            | CertificateError::ExpiredContext { .. }
            | CertificateError::NotValidYet
            | CertificateError::NotValidYetContext { .. } => TlsFailure::CertificateExpired,
            _ => TlsFailure::Other,
        },
        rustls::Error::AlertReceived(alert) => match alert {
            Alert::CertificateRequired => TlsFailure::ClientCertificateRequired,
            Alert::BadCertificate
            | Alert::UnsupportedCertificate
            | Alert::CertificateRevoked
            | Alert::CertificateExpired
            | Alert::CertificateUnknown
            | Alert::UnknownCA
            | Alert::AccessDenied
            | Alert::HandshakeFailure => {
                if client_certificate {
                    TlsFailure::ClientCertificateRejected
                } else {
                    TlsFailure::ClientCertificateRequired
                }
            }
            _ => TlsFailure::Other,
        },
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => {
            TlsFailure::NotTls
        }
        _ => TlsFailure::Other,
    };
    (failure, tls.to_string())
}

/// The one client certificate of a connector, presented to every server that asks.
#[derive(Debug)]
struct ClientCertificate(Arc<CertifiedKey>);

impl ResolvesClientCert for ClientCertificate {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }

    fn has_certs(&self) -> bool {
        true
    }
}

/// The web PKI verifier, with hostname verification optional.
#[derive(Debug)]
struct Verifier {
    inner: Arc<WebPkiServerVerifier>,
    verify_hostname: bool,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        match self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if !self.verify_hostname => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
