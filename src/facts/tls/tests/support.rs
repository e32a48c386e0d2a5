//! Test helpers: temporary directories, rcgen certificate builders, openssl invocations.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SignatureAlgorithm,
};
use time::OffsetDateTime;

use crate::facts::tls::{CertFacts, CertOptions};

pub const DAY: i64 = 86_400;

/// The real current time: openssl stamps certificates with it, so generated material
/// is judged against it too (the corpus uses a fixed date instead).
pub fn now() -> i64 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    i64::try_from(secs).expect("time fits i64")
}

pub fn opts(now: i64, host: Option<&str>) -> CertOptions {
    CertOptions {
        now_unix: now,
        expected_host: host.map(str::to_string),
    }
}

/// A directory removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let p = std::env::temp_dir().join(format!("vaultsec-tls-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("create temp dir");
        TempDir(p)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn write(&self, name: &str, data: impl AsRef<[u8]>) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, data).expect("write temp file");
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs openssl in `dir`; a missing openssl fails the test with the reason.
pub fn openssl(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| {
            panic!("this test needs the openssl CLI (apt-get install openssl): {e}")
        });
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

pub fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn ts(unix: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix).expect("valid timestamp")
}

/// Leaf parameters: SANs (IPs recognised by rcgen), CN, validity window.
pub fn leaf_params(sans: &[&str], cn: &str, not_before: i64, not_after: i64) -> CertificateParams {
    let mut p = CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        .expect("leaf params");
    p.distinguished_name = DistinguishedName::new();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.not_before = ts(not_before);
    p.not_after = ts(not_after);
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    p.use_authority_key_identifier_extension = true;
    p
}

pub fn ca_params(cn: &str, not_before: i64, not_after: i64) -> CertificateParams {
    let mut p = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    p.distinguished_name = DistinguishedName::new();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.distinguished_name
        .push(DnType::OrganizationName, "vaultsec test");
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    p.not_before = ts(not_before);
    p.not_after = ts(not_after);
    p.use_authority_key_identifier_extension = true;
    p
}

pub fn key(alg: &'static SignatureAlgorithm) -> KeyPair {
    KeyPair::generate_for(alg).expect("generate key")
}

/// A generated certificate with its key, PEM.
pub struct Generated {
    pub cert_pem: String,
    pub der: Vec<u8>,
    pub key_pem: String,
}

pub fn self_signed(params: &CertificateParams, key: &KeyPair) -> Generated {
    let c = params.self_signed(key).expect("self-sign");
    Generated {
        cert_pem: c.pem(),
        der: c.der().to_vec(),
        key_pem: key.serialize_pem(),
    }
}

pub fn signed(
    params: &CertificateParams,
    key: &KeyPair,
    issuer: &Issuer<'_, &KeyPair>,
) -> Generated {
    let c = params.signed_by(key, issuer).expect("sign");
    Generated {
        cert_pem: c.pem(),
        der: c.der().to_vec(),
        key_pem: key.serialize_pem(),
    }
}

/// root (P-384) -> intermediate (P-256) -> leaf (P-256, SAN localhost + 127.0.0.1).
pub struct Pki {
    pub root: Generated,
    pub int: Generated,
    pub leaf: Generated,
    /// Kept so that tests can issue more certificates from the intermediate.
    pub int_params: CertificateParams,
    pub int_key: KeyPair,
}

pub fn pki(now: i64, leaf_not_after: i64) -> Pki {
    let root_key = key(&rcgen::PKCS_ECDSA_P384_SHA384);
    let root_params = ca_params("vaultsec test root", now - DAY, now + 3650 * DAY);
    let root = self_signed(&root_params, &root_key);
    let root_issuer = Issuer::from_params(&root_params, &root_key);

    let int_key = key(&rcgen::PKCS_ECDSA_P256_SHA256);
    let int_params = ca_params("vaultsec test intermediate", now - DAY, now + 1825 * DAY);
    let int = signed(&int_params, &int_key, &root_issuer);
    let int_issuer = Issuer::from_params(&int_params, &int_key);

    let leaf_key = key(&rcgen::PKCS_ECDSA_P256_SHA256);
    let leaf_params = leaf_params(
        &["localhost", "127.0.0.1"],
        "localhost",
        now - DAY,
        leaf_not_after,
    );
    let leaf = signed(&leaf_params, &leaf_key, &int_issuer);
    Pki {
        root,
        int,
        leaf,
        int_params,
        int_key,
    }
}

pub fn concat(parts: &[&str]) -> String {
    parts.concat()
}

pub fn only_cert(facts: &CertFacts) -> &crate::facts::tls::CertificateFacts {
    assert_eq!(facts.certificates.len(), 1, "{facts:#?}");
    &facts.certificates[0]
}
