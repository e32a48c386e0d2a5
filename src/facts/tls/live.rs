//! The live listener: fetch the served chain with a rustls handshake that accepts any
//! certificate (so expired or self-signed ones can still be inspected), then verify that
//! chain separately, as a client would, for the verdict.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::{
    CertificateError, ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore,
    SignatureScheme,
};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use serde::Serialize;

use super::cert::{analyze_der_chain, CertFacts, CertOptions, FactState};
use super::legacy::{probe_legacy_protocol, LegacyProbe, LegacyVersion};
use super::net::{self, DeadlineStream};
use super::pem;

/// Where and how to reach the live listener.
#[derive(Debug, Clone)]
pub struct LiveTlsOptions {
    /// `host:port` or `ip:port` (`[v6]:port`), e.g. the authority of `--addr`.
    pub addr: String,
    /// SNI and the name verified (`--tls-server-name`, else the host of `--addr`); may be an IP.
    pub server_name: String,
    /// Bound on the whole exchange (resolution, connect and handshake together).
    pub timeout: Duration,
    /// CA bundle PEM (`--ca-cert`); `None` uses the system roots.
    pub ca_pem: Option<Vec<u8>>,
    /// Client certificate chain PEM and private key PEM (`--client-cert`, `--client-key`),
    /// for listeners that require client certificates.
    pub client_cert: Option<(Vec<u8>, Vec<u8>)>,
}

/// Why the live listener could not be inspected.
#[derive(Debug, thiserror::Error)]
pub enum TlsProbeError {
    /// The address is not `host:port`.
    #[error("invalid address {addr:?}: {reason}")]
    InvalidAddress { addr: String, reason: String },
    /// Name resolution failed.
    #[error("cannot resolve {addr}: {reason}")]
    Resolve { addr: String, reason: String },
    /// The deadline passed.
    #[error("timed out after {timeout:?} while {stage} {addr}")]
    Timeout {
        addr: String,
        stage: &'static str,
        timeout: Duration,
    },
    /// TCP connect failed (refused, unreachable).
    #[error("{}", connect_reason(addr, source))]
    Connect {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    /// The connection broke during the handshake.
    #[error("I/O error with {addr} during the TLS handshake: {source}")]
    Io {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    /// The server closed the connection before sending its certificate.
    #[error("{addr} closed the connection during the TLS handshake")]
    Closed { addr: String },
    /// The TLS handshake failed before any certificate was received.
    #[error("TLS handshake with {addr} failed: {message}")]
    Handshake { addr: String, message: String },
    /// The server name is neither a DNS name nor an IP address.
    #[error("invalid TLS server name {0:?}")]
    InvalidServerName(String),
    /// The client certificate or key cannot be used.
    #[error("client certificate: {0}")]
    ClientCert(String),
    /// rustls refused the client configuration.
    #[error("TLS client configuration: {0}")]
    Config(String),
}

impl TlsProbeError {
    /// Short machine-readable kind, for facts.
    pub fn kind(&self) -> &'static str {
        match self {
            TlsProbeError::InvalidAddress { .. } => "invalid_address",
            TlsProbeError::Resolve { .. } => "resolve",
            TlsProbeError::Timeout { .. } => "timeout",
            TlsProbeError::Connect { .. } => "connect",
            TlsProbeError::Io { .. } => "io",
            TlsProbeError::Closed { .. } => "closed",
            TlsProbeError::Handshake { .. } => "handshake",
            TlsProbeError::InvalidServerName(_) => "invalid_server_name",
            TlsProbeError::ClientCert(_) => "client_cert",
            TlsProbeError::Config(_) => "config",
        }
    }
}

/// What the handshake showed.
#[derive(Debug, Clone, Serialize)]
pub struct LiveHandshake {
    /// The address that was connected to.
    pub peer_addr: String,
    /// SNI / name used.
    pub server_name: String,
    /// Negotiated version: `TLSv1.2` or `TLSv1.3` (rustls speaks nothing older).
    pub protocol_version: Option<String>,
    /// Negotiated cipher suite, IANA-style name as rustls spells it.
    pub cipher_suite: Option<String>,
    /// False when the server aborted after sending its certificate (e.g. it requires a
    /// client certificate and none was given); the chain is still reported.
    pub completed: bool,
    /// The error that ended an incomplete handshake.
    pub handshake_error: Option<String>,
    /// Number of certificates served.
    pub chain_length: usize,
    /// The served chain, DER, leaf first (not serialised; see the certificate facts).
    #[serde(skip)]
    pub chain: Vec<Vec<u8>>,
}

/// Roots used for verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RootsSource {
    /// The CA bundle given with `--ca-cert`.
    CaFile,
    /// The operating system's trust store.
    System,
}

/// Why verification failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VerifyErrorKind {
    /// A certificate of the chain is past its `not_after`.
    Expired,
    /// A certificate of the chain is before its `not_before`.
    NotValidYet,
    /// No path from the leaf to a trusted root.
    UnknownIssuer,
    /// The leaf is not valid for `server_name`.
    NameMismatch,
    /// A signature in the chain does not verify.
    BadSignature,
    /// A signature algorithm or key the verifier refuses (SHA-1, RSA under 2048 bits, …).
    UnsupportedSignatureAlgorithm,
    /// The leaf's extended key usage does not allow TLS server authentication.
    InvalidPurpose,
    /// A certificate is revoked (only with revocation data, which is not used here).
    Revoked,
    /// A certificate is not valid DER.
    BadEncoding,
    /// The server sent no certificate.
    EmptyChain,
    /// `server_name` is neither a DNS name nor an IP address.
    InvalidServerName,
    /// The CA bundle holds no usable certificate.
    CaInvalid,
    /// No system roots could be loaded.
    NoSystemRoots,
    /// Anything else; see `reason`.
    Other,
}

/// Verdict of verifying the served chain as a (webpki) client would.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyOutcome {
    /// The chain verifies for `server_name` at the given time.
    pub verified: bool,
    /// Why not, when it does not.
    pub error_kind: Option<VerifyErrorKind>,
    /// Human-readable reason from the verifier.
    pub reason: Option<String>,
    /// Which roots were used.
    pub roots: RootsSource,
    /// Number of root certificates loaded.
    pub roots_loaded: usize,
}

/// Everything about the live listener, for `vaultsec facts`.
#[derive(Debug, Clone, Serialize)]
pub struct LiveTlsFacts {
    /// `host:port` probed.
    pub addr: String,
    /// SNI / verified name.
    pub server_name: String,
    /// `ok` when a chain was fetched; `error` when the listener could not be inspected.
    pub state: FactState,
    /// [`TlsProbeError::kind`] when `state` is `error`.
    pub error_kind: Option<String>,
    /// Error message when `state` is `error`.
    pub reason: Option<String>,
    /// The rustls handshake (TLS 1.2/1.3).
    pub handshake: Option<LiveHandshake>,
    /// Facts about the served chain (same shape as for files; `key` is `absent`).
    pub certificates: Option<CertFacts>,
    /// Verification of the served chain.
    pub verification: Option<VerifyOutcome>,
    /// Whether the chain leads to a trusted root whatever the clock says: `verification`, or,
    /// when that failed on validity dates only, a verification at a moment inside every
    /// certificate's validity (expiry is judged by `tls.cert-expired`, trust here).
    pub trust: Option<VerifyOutcome>,
    /// TLS 1.0 and TLS 1.1 probes (run even when the rustls handshake fails).
    pub legacy_protocols: Vec<LegacyProbe>,
}

/// ring, not aws-lc-rs: no cmake/nasm needed to build.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Accepts every certificate and handshake signature, and keeps the chain it was shown.
/// Safe here because nothing is sent over the connection: it only looks at the server.
#[derive(Debug)]
struct CapturingVerifier {
    seen: Mutex<Option<Vec<Vec<u8>>>>,
    schemes: Vec<SignatureScheme>,
}

impl ServerCertVerifier for CapturingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut chain = vec![end_entity.as_ref().to_vec()];
        chain.extend(intermediates.iter().map(|c| c.as_ref().to_vec()));
        let mut guard = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        *guard = Some(chain);
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.schemes.clone()
    }
}

fn client_config(
    opts: &LiveTlsOptions,
    verifier: Arc<CapturingVerifier>,
) -> Result<ClientConfig, TlsProbeError> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| TlsProbeError::Config(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    match &opts.client_cert {
        None => Ok(builder.with_no_client_auth()),
        Some((cert_pem, key_pem)) => {
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem)
                .collect::<Result<_, _>>()
                .map_err(|e| TlsProbeError::ClientCert(format!("certificate PEM: {e}")))?;
            if certs.is_empty() {
                return Err(TlsProbeError::ClientCert("no CERTIFICATE block".into()));
            }
            // The error text of pki-types never contains key bytes.
            let key = PrivateKeyDer::from_pem_slice(key_pem)
                .map_err(|e| TlsProbeError::ClientCert(format!("private key PEM: {e}")))?;
            builder
                .with_client_auth_cert(certs, key)
                .map_err(|e| TlsProbeError::ClientCert(e.to_string()))
        }
    }
}

fn version_name(v: rustls::ProtocolVersion) -> String {
    match v {
        rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".into(),
        rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".into(),
        rustls::ProtocolVersion::TLSv1_1 => "TLSv1.1".into(),
        rustls::ProtocolVersion::TLSv1_0 => "TLSv1.0".into(),
        other => format!("{other:?}"),
    }
}

/// Connects and runs a TLS 1.2/1.3 handshake that accepts any certificate; returns the
/// served chain, the negotiated version and cipher suite. Bounded by `opts.timeout`.
pub fn fetch_chain(opts: &LiveTlsOptions) -> Result<LiveHandshake, TlsProbeError> {
    let deadline = net::deadline_after(opts.timeout);
    let addr = opts.addr.as_str();
    let server_name = ServerName::try_from(opts.server_name.clone())
        .map_err(|_| TlsProbeError::InvalidServerName(opts.server_name.clone()))?;
    let prov = provider();
    let mut schemes = prov.signature_verification_algorithms.supported_schemes();
    // Offer the SHA-1 schemes too so that an old server still shows its certificate.
    for legacy in [
        SignatureScheme::RSA_PKCS1_SHA1,
        SignatureScheme::ECDSA_SHA1_Legacy,
    ] {
        if !schemes.contains(&legacy) {
            schemes.push(legacy);
        }
    }
    let verifier = Arc::new(CapturingVerifier {
        seen: Mutex::new(None),
        schemes,
    });
    let config = client_config(opts, verifier.clone())?;
    let mut conn = ClientConnection::new(Arc::new(config), server_name)
        .map_err(|e| TlsProbeError::Config(e.to_string()))?;
    let mut tcp = net::connect(addr, deadline, opts.timeout)?;
    let peer_addr = tcp
        .peer_addr()
        .map(|a| a.to_string())
        .unwrap_or_else(|_| addr.to_string());
    let mut io = DeadlineStream {
        stream: &mut tcp,
        deadline,
    };

    let outcome = drive_handshake(&mut conn, &mut io, addr, opts.timeout);
    let captured = verifier
        .seen
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    let chain = captured.or_else(|| {
        conn.peer_certificates()
            .map(|c| c.iter().map(|d| d.as_ref().to_vec()).collect())
    });
    let Some(chain) = chain else {
        return Err(outcome.err().unwrap_or_else(|| TlsProbeError::Handshake {
            addr: addr.to_string(),
            message: "the server sent no certificate".into(),
        }));
    };
    if outcome.is_ok() {
        // Polite close; failure is irrelevant, we have what we came for.
        conn.send_close_notify();
        let _ = conn.write_tls(&mut io);
        let _ = io.flush();
    }
    Ok(LiveHandshake {
        peer_addr,
        server_name: opts.server_name.clone(),
        protocol_version: conn.protocol_version().map(version_name),
        cipher_suite: conn.negotiated_cipher_suite().map(|s| {
            let suite = s.suite();
            suite
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| format!("{suite:?}"))
        }),
        completed: outcome.is_ok(),
        handshake_error: outcome.err().map(|e| e.to_string()),
        chain_length: chain.len(),
        chain,
    })
}

fn drive_handshake(
    conn: &mut ClientConnection,
    io: &mut DeadlineStream<'_>,
    addr: &str,
    timeout: Duration,
) -> Result<(), TlsProbeError> {
    let io_err = |e: std::io::Error| {
        if net::is_timeout(&e) {
            net::timeout_err(addr, "in the TLS handshake with", timeout)
        } else {
            TlsProbeError::Io {
                addr: addr.to_string(),
                source: e,
            }
        }
    };
    while conn.is_handshaking() {
        if conn.wants_write() {
            conn.write_tls(io).map_err(io_err)?;
            continue;
        }
        let n = conn.read_tls(io).map_err(io_err)?;
        if n == 0 {
            return Err(TlsProbeError::Closed {
                addr: addr.to_string(),
            });
        }
        if let Err(e) = conn.process_new_packets() {
            // Let the server see our alert; best effort.
            let _ = conn.write_tls(io);
            return Err(TlsProbeError::Handshake {
                addr: addr.to_string(),
                message: e.to_string(),
            });
        }
    }
    // Flush our Finished so the server does not log a half-open handshake.
    while conn.wants_write() {
        conn.write_tls(io).map_err(io_err)?;
    }
    Ok(())
}

fn system_roots() -> &'static (Arc<RootCertStore>, usize) {
    static ROOTS: OnceLock<(Arc<RootCertStore>, usize)> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let mut store = RootCertStore::empty();
        let loaded = rustls_native_certs::load_native_certs();
        let (added, _ignored) = store.add_parsable_certificates(loaded.certs);
        (Arc::new(store), added)
    })
}

// The deprecated context-free variants are still matched: older rustls paths produce them.
#[allow(deprecated)]
fn map_verify_error(e: &rustls::Error) -> VerifyErrorKind {
    match e {
        rustls::Error::InvalidCertificate(ce) => {
            match ce {
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                    VerifyErrorKind::Expired
                }
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                    VerifyErrorKind::NotValidYet
                }
                CertificateError::UnknownIssuer => VerifyErrorKind::UnknownIssuer,
                CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. } => VerifyErrorKind::NameMismatch,
                CertificateError::BadSignature => VerifyErrorKind::BadSignature,
                CertificateError::UnsupportedSignatureAlgorithm
                | CertificateError::UnsupportedSignatureAlgorithmContext { .. }
                | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
                    VerifyErrorKind::UnsupportedSignatureAlgorithm
                }
                CertificateError::InvalidPurpose
                | CertificateError::InvalidPurposeContext { .. } => VerifyErrorKind::InvalidPurpose,
                CertificateError::Revoked => VerifyErrorKind::Revoked,
                CertificateError::BadEncoding => VerifyErrorKind::BadEncoding,
                _ => VerifyErrorKind::Other,
            }
        }
        _ => VerifyErrorKind::Other,
    }
}

/// Verifies a served chain (leaf first) for `server_name` at `now_unix`, against the CA
/// bundle `ca_pem` or, without one, the system roots. Uses rustls' webpki verifier, so the
/// verdict is that of a strict modern client (SHA-1 signatures and RSA under 2048 bits fail).
pub fn verify_chain(
    chain: &[Vec<u8>],
    server_name: &str,
    ca_pem: Option<&[u8]>,
    now_unix: i64,
) -> VerifyOutcome {
    let (roots, roots_loaded, source) = match ca_pem {
        Some(pem_data) => {
            let mut store = RootCertStore::empty();
            let mut added = 0;
            for block in pem::scan(pem_data).blocks {
                if let (true, Ok(der)) = (block.label == "CERTIFICATE", block.der) {
                    if store.add(CertificateDer::from(der.to_vec())).is_ok() {
                        added += 1;
                    }
                }
            }
            (Arc::new(store), added, RootsSource::CaFile)
        }
        None => {
            let (store, n) = system_roots();
            (store.clone(), *n, RootsSource::System)
        }
    };
    let fail = |kind: VerifyErrorKind, reason: String| VerifyOutcome {
        verified: false,
        error_kind: Some(kind),
        reason: Some(reason),
        roots: source,
        roots_loaded,
    };
    if roots_loaded == 0 {
        return match source {
            RootsSource::CaFile => fail(
                VerifyErrorKind::CaInvalid,
                "the CA bundle holds no usable CERTIFICATE".into(),
            ),
            RootsSource::System => fail(
                VerifyErrorKind::NoSystemRoots,
                "no system root certificates could be loaded".into(),
            ),
        };
    }
    let Some((leaf, rest)) = chain.split_first() else {
        return fail(
            VerifyErrorKind::EmptyChain,
            "the server sent no certificate".into(),
        );
    };
    let Ok(name) = ServerName::try_from(server_name.to_string()) else {
        return fail(
            VerifyErrorKind::InvalidServerName,
            format!("invalid TLS server name {server_name:?}"),
        );
    };
    let verifier = match WebPkiServerVerifier::builder_with_provider(roots, provider()).build() {
        Ok(v) => v,
        Err(e) => return fail(VerifyErrorKind::Other, e.to_string()),
    };
    let leaf = CertificateDer::from(leaf.as_slice());
    let intermediates: Vec<CertificateDer<'_>> = rest
        .iter()
        .map(|c| CertificateDer::from(c.as_slice()))
        .collect();
    let now = UnixTime::since_unix_epoch(Duration::from_secs(u64::try_from(now_unix).unwrap_or(0)));
    match verifier.verify_server_cert(&leaf, &intermediates, &name, &[], now) {
        Ok(_) => VerifyOutcome {
            verified: true,
            error_kind: None,
            reason: None,
            roots: source,
            roots_loaded,
        },
        Err(e) => fail(map_verify_error(&e), e.to_string()),
    }
}

/// Whether `chain` leads to a trusted root, independent of the clock. A verification that
/// failed on dates is repeated at the latest `not_before` of the chain, when that moment lies
/// inside every certificate's validity; otherwise (or on any other outcome) it stands.
pub fn trust_outcome(
    chain: &[Vec<u8>],
    server_name: &str,
    ca_pem: Option<&[u8]>,
    certificates: &CertFacts,
    at_now: &VerifyOutcome,
) -> VerifyOutcome {
    let on_dates = matches!(
        at_now.error_kind,
        Some(VerifyErrorKind::Expired | VerifyErrorKind::NotValidYet)
    );
    let certs = &certificates.certificates;
    let latest_start = certs.iter().map(|c| c.not_before_unix).max();
    let earliest_end = certs.iter().map(|c| c.not_after_unix).min();
    match (on_dates, latest_start, earliest_end) {
        (true, Some(start), Some(end)) if start <= end => {
            verify_chain(chain, server_name, ca_pem, start)
        }
        _ => at_now.clone(),
    }
}

/// Fetches, analyses and verifies the live chain and probes TLS 1.0 and 1.1.
/// `cert_opts.expected_host` is the host clients use (normally that of `--addr`).
pub fn live_facts(opts: &LiveTlsOptions, cert_opts: &CertOptions) -> LiveTlsFacts {
    let sni = Some(opts.server_name.as_str());
    let legacy_protocols = [LegacyVersion::Tls10, LegacyVersion::Tls11]
        .into_iter()
        .map(|v| probe_legacy_protocol(&opts.addr, sni, v, opts.timeout))
        .collect();
    match fetch_chain(opts) {
        Ok(hs) => {
            let certificates = analyze_der_chain(&hs.chain, cert_opts);
            let verification = verify_chain(
                &hs.chain,
                &opts.server_name,
                opts.ca_pem.as_deref(),
                cert_opts.now_unix,
            );
            let trust = trust_outcome(
                &hs.chain,
                &opts.server_name,
                opts.ca_pem.as_deref(),
                &certificates,
                &verification,
            );
            LiveTlsFacts {
                addr: opts.addr.clone(),
                server_name: opts.server_name.clone(),
                state: FactState::Ok,
                error_kind: None,
                reason: None,
                handshake: Some(hs),
                certificates: Some(certificates),
                verification: Some(verification),
                trust: Some(trust),
                legacy_protocols,
            }
        }
        Err(e) => LiveTlsFacts {
            addr: opts.addr.clone(),
            server_name: opts.server_name.clone(),
            state: FactState::Error,
            error_kind: Some(e.kind().to_string()),
            reason: Some(e.to_string()),
            handshake: None,
            certificates: None,
            verification: None,
            trust: None,
            legacy_protocols,
        },
    }
}

/// A refused connection says what it means: nothing listens there.
fn connect_reason(addr: &str, e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::ConnectionRefused {
        format!("nothing listens on {addr} (connection refused)")
    } else {
        format!("cannot connect to {addr}: {e}")
    }
}
