//! Certificate rules (`tls.cert-*`, `tls.key-in-cert-file`): a passing and a failing scenario
//! each. The config is `fixtures/certs/vault.hcl`; the certificates and keys are generated at
//! test time (rcgen, or openssl for what rcgen cannot make: RSA-1024, SHA-1) into a fixture host
//! root, so no private key is ever committed. Dates are fixed, and `--now` pins the clock, so
//! the JSON snapshots are stable.

use crate::common::{now, repo};
use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair,
};
use std::path::Path;
use std::process::Command;
use vaultsec::engine::{self, Settings};
use vaultsec::model::{Finding, Profile, Status};
use vaultsec::rules::RuleSet;
use vaultsec::scan::{self, SourceOptions};

struct Material {
    cert_pem: Option<String>,
    key_pem: String,
}

fn leaf_params(names: &[&str], until: (i32, u8, u8)) -> CertificateParams {
    let mut p = CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        .expect("params");
    p.distinguished_name.push(DnType::CommonName, names[0]);
    p.not_before = date_time_ymd(2025, 1, 1);
    p.not_after = date_time_ymd(until.0, until.1, until.2);
    p
}

/// A leaf for `vault.example.com` issued by a test CA, valid 2025-01-01..`until`.
fn ca_issued(names: &[&str], until: (i32, u8, u8)) -> Material {
    ca_issued_with(leaf_params(names, until))
}

/// A leaf with the given parameters issued by a fresh test CA.
fn ca_issued_with(leaf: CertificateParams) -> Material {
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca.distinguished_name
        .push(DnType::CommonName, "vaultsec test CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.not_before = date_time_ymd(2025, 1, 1);
    ca.not_after = date_time_ymd(2099, 1, 1);
    let ca_cert = ca.self_signed(&ca_key).expect("CA cert");
    let issuer = Issuer::from_params(&ca, &ca_key);
    let key = KeyPair::generate().expect("leaf key");
    let leaf = leaf.signed_by(&key, &issuer).expect("leaf cert");
    Material {
        cert_pem: Some(leaf.pem() + &ca_cert.pem()),
        key_pem: key.serialize_pem(),
    }
}

fn self_signed(names: &[&str]) -> Material {
    let key = KeyPair::generate().expect("key");
    let cert = leaf_params(names, (2099, 1, 1))
        .self_signed(&key)
        .expect("cert");
    Material {
        cert_pem: Some(cert.pem()),
        key_pem: key.serialize_pem(),
    }
}

/// What rcgen (on ring) cannot produce: weak RSA keys and SHA-1 signatures. OpenSSL's dates are
/// relative to the real clock, so these scenarios' snapshots redact dates.
fn openssl(dir: &Path, args: &[&str]) -> Material {
    let key = dir.join("gen.key");
    let cert = dir.join("gen.crt");
    let status = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-nodes",
            "-subj",
            "/CN=vault.example.com",
            "-addext",
            "subjectAltName=DNS:vault.example.com",
            "-days",
            "3650",
        ])
        .args(args)
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("the openssl command runs (Debian's openssl package)");
    assert!(
        status.status.success(),
        "openssl: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    Material {
        cert_pem: Some(std::fs::read_to_string(&cert).unwrap()),
        key_pem: std::fs::read_to_string(&key).unwrap(),
    }
}

fn scenario(rule: &str, kind: &str, tmp: &Path) -> Material {
    let good = || ca_issued(&["vault.example.com"], (2099, 1, 1));
    match (rule, kind) {
        ("tls.cert-unreadable", "fail") => Material {
            cert_pem: None,
            ..good()
        },
        ("tls.cert-expired", "fail") => ca_issued(&["vault.example.com"], (2026, 1, 31)),
        ("tls.cert-expiring", "fail") => ca_issued(&["vault.example.com"], (2026, 12, 3)),
        ("tls.cert-self-signed", "fail") => self_signed(&["vault.example.com"]),
        ("tls.cert-weak-key", "fail") => openssl(tmp, &["-newkey", "rsa:1024"]),
        ("tls.cert-weak-key", "pass") => openssl(tmp, &["-newkey", "rsa:2048"]),
        ("tls.cert-weak-signature", "fail") => openssl(tmp, &["-newkey", "rsa:2048", "-sha1"]),
        ("tls.cert-weak-signature", "pass") => openssl(tmp, &["-newkey", "rsa:2048", "-sha256"]),
        ("tls.cert-key-mismatch", "fail") => Material {
            key_pem: KeyPair::generate().unwrap().serialize_pem(),
            ..good()
        },
        ("tls.cert-hostname", "fail") => ca_issued(&["other.example.com"], (2099, 1, 1)),
        // A CA certificate as the leaf (bao operator diagnose flags it too).
        ("tls.cert-not-server", "fail") => {
            let mut p = leaf_params(&["vault.example.com"], (2099, 1, 1));
            p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            ca_issued_with(p)
        }
        ("tls.cert-not-server", "pass") => {
            let mut p = leaf_params(&["vault.example.com"], (2099, 1, 1));
            p.extended_key_usages = vec![
                ExtendedKeyUsagePurpose::ServerAuth,
                ExtendedKeyUsagePurpose::ClientAuth,
            ];
            ca_issued_with(p)
        }
        // A client certificate as the leaf: Go clients refuse it; nothing else catches it.
        ("tls.cert-not-server", "client-only") => {
            let mut p = leaf_params(&["vault.example.com"], (2099, 1, 1));
            p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
            ca_issued_with(p)
        }
        ("tls.key-in-cert-file", "fail") => {
            let m = good();
            Material {
                cert_pem: m.cert_pem.map(|c| c + &m.key_pem),
                key_pem: m.key_pem,
            }
        }
        (_, _) => good(),
    }
}

/// Builds a host root with the scenario's files and scans it with the rule selected.
fn run(rule: &str, kind: &str) -> Vec<Finding> {
    let root = tempfile::tempdir().unwrap();
    let tls_dir = root.path().join("opt/vault/tls");
    std::fs::create_dir_all(&tls_dir).unwrap();
    let m = scenario(rule, kind, root.path());
    if let Some(cert) = &m.cert_pem {
        std::fs::write(tls_dir.join("tls.crt"), cert).unwrap();
    }
    std::fs::write(tls_dir.join("tls.key"), &m.key_pem).unwrap();
    std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")).unwrap();
    let opts = SourceOptions {
        config_paths: vec!["fixtures/certs/vault.hcl".into()],
        root: root.path().to_path_buf(),
        no_api: true,
        now: now(),
        ..SourceOptions::default()
    };
    let facts = scan::collect(&opts).unwrap();
    let settings = Settings {
        profile: Profile::Strict,
        select: vec![rule.to_string()],
        ..Settings::default()
    };
    engine::evaluate(&RuleSet::builtin().unwrap(), &facts, &settings)
}

const CERT_RULES: &[&str] = &[
    "tls.cert-unreadable",
    "tls.cert-expired",
    "tls.cert-expiring",
    "tls.cert-self-signed",
    "tls.cert-weak-key",
    "tls.cert-weak-signature",
    "tls.cert-key-mismatch",
    "tls.cert-hostname",
    "tls.key-in-cert-file",
    "tls.cert-not-server",
];

#[test]
fn every_certificate_rule_passes_and_fails_its_scenario() {
    assert!(repo("fixtures/certs/vault.hcl").exists());
    let rules = RuleSet::builtin().unwrap();
    let file_rules: Vec<&str> = rules
        .rules
        .iter()
        .filter(|r| r.sources.contains(&vaultsec::model::Source::File))
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(
        file_rules, CERT_RULES,
        "every file rule has a scenario here"
    );
    for rule in CERT_RULES {
        for kind in ["pass", "fail"] {
            let findings = run(rule, kind);
            assert_eq!(findings.len(), 1, "{rule} {kind}: {findings:#?}");
            let want = if kind == "pass" {
                Status::Pass
            } else {
                Status::Fail
            };
            assert_eq!(
                findings[0].status, want,
                "{rule} {kind}: {:#?}",
                findings[0]
            );
            let openssl_made = rule.contains("weak-key") || rule.contains("weak-signature");
            insta::with_settings!({ filters => if openssl_made { vec![(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[date]")] } else { vec![] } }, {
                insta::assert_json_snapshot!(format!("{rule}__{kind}"), findings);
            });
        }
    }
}

#[test]
fn a_leaf_whose_extended_key_usage_lacks_server_auth_is_not_a_server_certificate() {
    let findings = run("tls.cert-not-server", "client-only");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].status, Status::Fail, "{:#?}", findings[0]);
    assert!(
        findings[0]
            .message
            .contains("has an extended key usage without serverAuth (client_auth)"),
        "{}",
        findings[0].message
    );
    assert!(!findings[0].message.contains("CA certificate"));
}

#[test]
fn with_no_host_certificate_rules_are_skipped_with_the_reason() {
    std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")).unwrap();
    let opts = SourceOptions {
        config_paths: vec!["fixtures/certs/vault.hcl".into()],
        no_host: true,
        no_api: true,
        now: now(),
        ..SourceOptions::default()
    };
    let facts = scan::collect(&opts).unwrap();
    let settings = Settings {
        select: vec!["tls.cert-".into(), "tls.key-in-cert-file".into()],
        ..Settings::default()
    };
    let findings = engine::evaluate(&RuleSet::builtin().unwrap(), &facts, &settings);
    assert!(!findings.is_empty());
    for f in findings {
        assert_eq!(f.status, Status::Skip, "{f:?}");
        assert!(f.message.contains("--no-host"), "{}", f.message);
    }
}

#[test]
fn a_passing_certificate_rule_shows_the_certificates_it_judged() {
    // Issue 10: a pass of tls.cert-expired showed `{"certificates": []}`, i.e. nothing.
    for rule in [
        "tls.cert-expired",
        "tls.cert-expiring",
        "tls.cert-weak-key",
        "tls.cert-weak-signature",
    ] {
        let findings = run(rule, "pass");
        assert_eq!(
            findings[0].status,
            Status::Pass,
            "{rule}: {:#?}",
            findings[0]
        );
        let evidence = serde_json::to_string(&findings[0].evidence).unwrap();
        // Every certificate judged, named by subject (the weak-key and weak-signature
        // scenarios are single self-signed certificates made by openssl).
        assert!(evidence.contains("vault.example.com"), "{rule}: {evidence}");
        if !rule.contains("weak") {
            assert!(evidence.contains("vaultsec test CA"), "{rule}: {evidence}");
        }
    }
    let expired = run("tls.cert-expired", "pass");
    let certs = expired[0].evidence["certificates"].as_array().unwrap();
    assert_eq!(certs.len(), 2, "{certs:#?}");
    for c in certs {
        assert_eq!(c["expired"], false);
        assert_eq!(c["not_yet_valid"], false);
        assert!(c["not_after"].is_string());
    }
}
