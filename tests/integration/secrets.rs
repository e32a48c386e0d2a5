//! A value that a rule flags as a secret never appears in any output or error, in any format.

use crate::common::{vaultsec, NOW};

const SECRETS: &[&str] = &[
    "AKIAFIXTUREACCESSKEY0",
    "fixture/Secret+Key/NotReal/0123456789abcdef",
    "fixture-consul-token-0b5e2c1d",
];

#[test]
fn secrets_never_appear_in_any_output() {
    for config in [
        "fixtures/config/seal.inline-credentials/fail.hcl",
        "fixtures/config/config.inline-secrets/fail.hcl",
    ] {
        let mut outputs = Vec::new();
        for format in ["table", "json", "sarif"] {
            let out = vaultsec()
                .args([
                    "scan",
                    "--no-host",
                    "--no-api",
                    "--now",
                    NOW,
                    "--profile",
                    "strict",
                    "--format",
                    format,
                    "-c",
                    config,
                ])
                .output()
                .unwrap();
            assert_eq!(
                out.status.code(),
                Some(1),
                "{config} {format}: a critical/high failure"
            );
            outputs.push(out.stdout);
            outputs.push(out.stderr);
        }
        let facts = vaultsec()
            .args(["facts", "--no-host", "--no-api", "-c", config])
            .output()
            .unwrap();
        assert!(facts.status.success());
        outputs.push(facts.stdout);
        for out in outputs {
            let text = String::from_utf8_lossy(&out);
            for secret in SECRETS {
                assert!(!text.contains(secret), "{config}: secret leaked:\n{text}");
            }
        }
    }
}

#[test]
fn secret_in_a_config_vault_rejects_is_not_echoed_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("vault.hcl");
    std::fs::write(
        &f,
        "seal \"transit\" {\n  token = \"hvs.SUPERSECRETTOKEN\n}\n",
    )
    .unwrap();
    let out = vaultsec()
        .args(["scan", "--no-host", "--no-api", "-c"])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("SUPERSECRET"));
}
