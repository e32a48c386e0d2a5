//! rustls client configuration (ring provider) built from the Vault CLI TLS settings.

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::options::TlsSettings;

/// A TLS setting that cannot be turned into a client configuration.
#[derive(Debug, thiserror::Error)]
pub enum TlsConfigError {
    /// A CA, certificate or key file cannot be read or holds no usable PEM.
    #[error("{what} {path}: {reason}")]
    File {
        /// Which setting.
        what: &'static str,
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// rustls refused the configuration.
    #[error("TLS configuration: {0}")]
    Rustls(String),
    /// `--tls-server-name` is not a valid DNS name or IP address.
    #[error("invalid TLS server name {0:?}")]
    ServerName(String),
}

pub(crate) fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Builds the client configuration. `https` is false for plain-HTTP addresses, where the
/// system roots are not loaded at all (they cost tens of milliseconds for nothing).
pub(crate) fn client_config(
    tls: &TlsSettings,
    https: bool,
) -> Result<ClientConfig, TlsConfigError> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsConfigError::Rustls(e.to_string()))?;

    let verifier: Arc<dyn ServerCertVerifier> = if tls.skip_verify {
        Arc::new(AcceptAnyCert(provider.clone()))
    } else {
        let roots = root_store(tls, https)?;
        if roots.is_empty() {
            // Plain-HTTP address and no CA: nothing to verify against. Any https URL
            // (a cluster node) then fails verification with a clear message.
            return finish(
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(NoRoots(provider.clone()))),
                tls,
            );
        }
        let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|e| TlsConfigError::Rustls(e.to_string()))?;
        match &tls.server_name {
            Some(name) => {
                let name = ServerName::try_from(name.clone())
                    .map_err(|_| TlsConfigError::ServerName(name.clone()))?;
                Arc::new(NameOverride { inner, name })
            }
            None => inner,
        }
    };
    finish(
        builder
            .dangerous()
            .with_custom_certificate_verifier(verifier),
        tls,
    )
}

fn finish(
    builder: rustls::ConfigBuilder<ClientConfig, rustls::client::WantsClientCert>,
    tls: &TlsSettings,
) -> Result<ClientConfig, TlsConfigError> {
    let mut config = match (&tls.client_cert, &tls.client_key) {
        (Some(cert), Some(key)) => {
            let chain = read_certs(cert, "client certificate")?;
            let key_err = |reason: String| TlsConfigError::File {
                what: "client key",
                path: key.display().to_string(),
                reason,
            };
            let pem = zeroize::Zeroizing::new(
                crate::fsutil::read_regular(key, crate::fsutil::limit::PEM)
                    .map_err(|e| key_err(crate::facts::config::io_reason(&e)))?,
            );
            let key = PrivateKeyDer::from_pem_slice(&pem).map_err(|e| key_err(e.to_string()))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| TlsConfigError::Rustls(e.to_string()))?
        }
        _ => builder.with_no_client_auth(),
    };
    // The client speaks HTTP/1.1 only (keep-alive pool); say so in ALPN.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

fn root_store(tls: &TlsSettings, https: bool) -> Result<RootCertStore, TlsConfigError> {
    let mut roots = RootCertStore::empty();
    // As in the Vault CLI, an explicit CA replaces the system roots.
    if tls.ca_cert.is_some() || tls.ca_path.is_some() {
        if let Some(file) = &tls.ca_cert {
            for c in read_certs(file, "CA certificate")? {
                roots.add(c).map_err(|e| TlsConfigError::File {
                    what: "CA certificate",
                    path: file.display().to_string(),
                    reason: e.to_string(),
                })?;
            }
        }
        if let Some(dir) = &tls.ca_path {
            let entries = std::fs::read_dir(dir).map_err(|e| TlsConfigError::File {
                what: "CA directory",
                path: dir.display().to_string(),
                reason: e.to_string(),
            })?;
            for entry in entries.flatten() {
                let p = entry.path();
                if p.is_file() {
                    // Non-PEM files in a CA directory are common (hash links, README): skip them.
                    if let Ok(certs) = read_certs(&p, "CA certificate") {
                        for c in certs {
                            let _ = roots.add(c);
                        }
                    }
                }
            }
        }
        if roots.is_empty() {
            return Err(TlsConfigError::File {
                what: "CA certificates",
                path: tls
                    .ca_cert
                    .as_ref()
                    .or(tls.ca_path.as_ref())
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                reason: "no certificate found".into(),
            });
        }
    } else if https {
        let found = rustls_native_certs::load_native_certs();
        for c in found.certs {
            let _ = roots.add(c);
        }
    }
    Ok(roots)
}

fn read_certs(
    path: &Path,
    what: &'static str,
) -> Result<Vec<CertificateDer<'static>>, TlsConfigError> {
    let err = |reason: String| TlsConfigError::File {
        what,
        path: path.display().to_string(),
        reason,
    };
    let pem = crate::fsutil::read_regular(path, crate::fsutil::limit::PEM)
        .map_err(|e| err(crate::facts::config::io_reason(&e)))?;
    let certs: Vec<_> = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<_, _>>()
        .map_err(|e| err(e.to_string()))?;
    if certs.is_empty() {
        return Err(err("no PEM certificate in the file".into()));
    }
    Ok(certs)
}

/// Verifies against the configured name instead of the URL host (`VAULT_TLS_SERVER_NAME`).
#[derive(Debug)]
struct NameOverride {
    inner: Arc<WebPkiServerVerifier>,
    name: ServerName<'static>,
}

impl ServerCertVerifier for NameOverride {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.inner
            .verify_server_cert(end_entity, intermediates, &self.name, ocsp, now)
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// The handshake-signature half of `ServerCertVerifier` for a verifier that holds the crypto
/// provider as its `.0`: whatever it decides about the certificate, signatures are checked.
macro_rules! provider_signature_checks {
    () => {
        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            verify_tls12_signature(
                message,
                cert,
                dss,
                &self.0.signature_verification_algorithms,
            )
        }
        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            verify_tls13_signature(
                message,
                cert,
                dss,
                &self.0.signature_verification_algorithms,
            )
        }
        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.0.signature_verification_algorithms.supported_schemes()
        }
    };
}

/// No trust anchors at all (plain-HTTP address without a CA): every certificate fails.
#[derive(Debug)]
struct NoRoots(Arc<CryptoProvider>);

impl ServerCertVerifier for NoRoots {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Err(rustls::Error::General(
            "no trusted CA loaded (the address is http://; set VAULT_CACERT for https nodes)"
                .into(),
        ))
    }
    provider_signature_checks!();
}

/// `VAULT_SKIP_VERIFY`: any certificate, but handshake signatures are still checked.
#[derive(Debug)]
struct AcceptAnyCert(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    provider_signature_checks!();
}
