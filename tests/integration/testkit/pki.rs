//! A throw-away CA and server certificates, generated at test time with rcgen.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};

use super::{io_err, Result, TestkitError};

/// A CA written to a directory, able to issue node certificates.
pub struct TestPki {
    dir: PathBuf,
    issuer: Issuer<'static, KeyPair>,
    /// PEM file of the CA certificate.
    pub ca_cert: PathBuf,
}

fn pki_err(e: rcgen::Error) -> TestkitError {
    TestkitError::Pki(e.to_string())
}

impl TestPki {
    /// Creates the CA in `dir` (`ca.pem`).
    pub fn new(dir: &Path) -> Result<TestPki> {
        let key = KeyPair::generate().map_err(pki_err)?;
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(pki_err)?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params
            .distinguished_name
            .push(DnType::CommonName, "vaultsec-testkit-ca");
        let cert = params.self_signed(&key).map_err(pki_err)?;
        let ca_cert = dir.join("ca.pem");
        std::fs::write(&ca_cert, cert.pem()).map_err(io_err("write ca.pem"))?;
        Ok(TestPki {
            dir: dir.to_owned(),
            issuer: Issuer::new(params, key),
            ca_cert,
        })
    }

    /// A self-signed server certificate for 127.0.0.1 and localhost, written to `dir`.
    pub fn self_signed(dir: &Path, name: &str) -> Result<(PathBuf, PathBuf)> {
        let key = KeyPair::generate().map_err(pki_err)?;
        let mut params = CertificateParams::new(vec!["localhost".to_owned()]).map_err(pki_err)?;
        params
            .subject_alt_names
            .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        let cert = params.self_signed(&key).map_err(pki_err)?;
        let cert_path = dir.join(format!("{name}.pem"));
        let key_path = dir.join(format!("{name}-key.pem"));
        std::fs::write(&cert_path, cert.pem()).map_err(io_err("write self-signed cert"))?;
        std::fs::write(&key_path, key.serialize_pem()).map_err(io_err("write self-signed key"))?;
        Ok((cert_path, key_path))
    }

    /// Issues a server/client certificate for 127.0.0.1 and localhost; returns (cert, key) paths.
    pub fn issue(&self, name: &str) -> Result<(PathBuf, PathBuf)> {
        let key = KeyPair::generate().map_err(pki_err)?;
        let mut params = CertificateParams::new(vec!["localhost".to_owned()]).map_err(pki_err)?;
        params
            .subject_alt_names
            .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        let cert = params.signed_by(&key, &self.issuer).map_err(pki_err)?;
        let cert_path = self.dir.join(format!("{name}.pem"));
        let key_path = self.dir.join(format!("{name}-key.pem"));
        std::fs::write(&cert_path, cert.pem()).map_err(io_err("write node cert"))?;
        std::fs::write(&key_path, key.serialize_pem()).map_err(io_err("write node key"))?;
        Ok((cert_path, key_path))
    }
}
