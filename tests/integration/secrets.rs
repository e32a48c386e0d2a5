//! A secret never appears in any output or error, in any format, on stdout or stderr: not the
//! full value, not any 8-character piece of it, not its base64 or base64url encoding.

use crate::common::{vaultsec, NOW};
use crate::testkit::{MockResponse, MockServer};
use vaultsec::facts::host::testkit as host_testkit;

const SECRETS: &[&str] = &[
    "AKIAFIXTUREACCESSKEY0",
    "fixture/Secret+Key/NotReal/0123456789abcdef",
    "fixture-consul-token-0b5e2c1d",
];

const FORMATS: &[&str] = &["table", "json", "sarif", "junit", "html", "prometheus"];

/// Shortest piece of a secret that must not appear (the scrub's own threshold).
const PIECE: usize = 8;

fn base64(bytes: &[u8], url: bool) -> String {
    let table: &[u8; 64] = if url {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    } else {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    };
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(table[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// The value's base64 and base64url forms at each of the three alignments it can have inside
/// a longer encoded stream, without the edge characters that depend on the neighbours.
fn encodings(secret: &str) -> Vec<String> {
    let mut out = Vec::new();
    for url in [false, true] {
        for lead in 0..3usize {
            let mut bytes = vec![0u8; lead];
            bytes.extend_from_slice(secret.as_bytes());
            let enc = base64(&bytes, url);
            let skip = if lead == 0 { 0 } else { lead + 1 };
            let end = enc.len().saturating_sub(1);
            if end > skip {
                out.push(enc[skip..end].to_owned());
            }
        }
    }
    out
}

/// Fails when `text` holds the secret, any `PIECE`-character piece of it, or its encodings.
pub fn assert_no_canary(text: &str, secret: &str, context: &str) {
    assert!(
        !text.contains(secret),
        "{context}: the secret itself leaked"
    );
    let chars: Vec<char> = secret.chars().collect();
    for w in chars.windows(PIECE) {
        let piece: String = w.iter().collect();
        assert!(
            !text.contains(&piece),
            "{context}: a piece {piece:?} of the secret leaked in:\n{text}"
        );
    }
    for enc in encodings(secret) {
        assert!(
            !text.contains(&enc),
            "{context}: base64 of the secret leaked"
        );
    }
}

#[test]
fn the_canary_check_sees_pieces_and_encodings() {
    let secret = "s.CanaryCheck0123456789";
    for leaked in [
        format!("x {secret} y"),
        "wrapped s.Canary\n  Check0123 cell".to_owned(),
        format!("b64 {}", base64(secret.as_bytes(), false)),
        format!("b64url {}", base64(format!("ab{secret}").as_bytes(), true)),
    ] {
        let caught = std::panic::catch_unwind(|| assert_no_canary(&leaked, secret, "self-test"));
        assert!(caught.is_err(), "not caught: {leaked}");
    }
    assert_no_canary("nothing here", secret, "self-test");
}

#[test]
fn secrets_never_appear_in_any_output() {
    for config in [
        "fixtures/config/seal.inline-credentials/fail.hcl",
        "fixtures/config/config.inline-secrets/fail.hcl",
    ] {
        let mut outputs = Vec::new();
        for format in FORMATS {
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
            outputs.push((format.to_string(), out.stdout));
            outputs.push((format!("{format} stderr"), out.stderr));
        }
        let facts = vaultsec()
            .args(["facts", "--no-host", "--no-api", "-c", config])
            .output()
            .unwrap();
        assert!(facts.status.success());
        outputs.push(("facts".into(), facts.stdout));
        for (what, out) in outputs {
            let text = String::from_utf8_lossy(&out);
            for secret in SECRETS {
                assert_no_canary(&text, secret, &format!("{config} {what}"));
            }
        }
    }
}

#[test]
fn history_secrets_never_appear_in_any_format() {
    let t = host_testkit::weak_node().expect("weak node");
    let planted = [
        host_testkit::PLANTED_TOKEN,
        host_testkit::PLANTED_UNSEAL_KEY,
        host_testkit::PLANTED_PASSWORD,
    ];
    for format in FORMATS {
        let out = vaultsec()
            .args([
                "scan",
                "--no-api",
                "--profile",
                "strict",
                "--format",
                format,
            ])
            .arg("--root")
            .arg(t.root())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{format}");
        for (what, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            let text = String::from_utf8_lossy(bytes);
            for secret in planted {
                assert_no_canary(&text, secret, &format!("history, {format} {what}"));
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

/// A hostile server between the scanner and Vault: it echoes the token in long error
/// messages (cut at every position through the token) and the address path holds it, so
/// the table wraps it across cell lines.
fn echoing_server(token: &'static str) -> MockServer {
    MockServer::start(move |req| {
        let path = req
            .path()
            .find("/v1/")
            .map(|i| &req.path()[i..])
            .unwrap_or_default()
            .to_owned();
        let echo = |pad: usize| {
            let msg = format!("{}{token} was refused; token={token}", "e".repeat(pad));
            MockResponse::Json(500, serde_json::json!({ "errors": [msg] }).to_string())
        };
        // The collector cuts server messages to 240 bytes: pads put the cut inside the
        // token at its start, middle and end.
        let cut_at = |k: usize| echo(240 - k);
        match path.as_str() {
            "/v1/sys/health" => MockResponse::Json(
                200,
                r#"{"initialized":true,"sealed":false,"standby":false,"version":"2.7.2"}"#.into(),
            ),
            "/v1/sys/seal-status" => MockResponse::Json(
                200,
                r#"{"type":"shamir","initialized":true,"sealed":false,"version":"2.7.2"}"#.into(),
            ),
            "/v1/sys/audit" => cut_at(1),
            "/v1/sys/auth" => cut_at(8),
            "/v1/sys/mounts" => cut_at(12),
            "/v1/sys/config/cors" => cut_at(token.len() - 1),
            "/v1/sys/config/state/sanitized" => cut_at(token.len() / 2),
            "/v1/auth/token/lookup-self" => cut_at(token.len() - 8),
            "/v1/sys/policies/acl" => cut_at(3),
            "/v1/auth/token/accessors" => echo(0),
            _ => MockResponse::Json(
                404,
                serde_json::json!({ "errors": [format!("no handler for {token}")] }).to_string(),
            ),
        }
    })
    .expect("mock")
}

#[test]
fn the_token_from_every_source_never_appears_in_any_format() {
    // One canary per source, each as long as a real service token.
    const FROM_FILE: &str = "s.CnryFile7Qz4KpW2vXm9RtL";
    const FROM_VAULT_ENV: &str = "s.CnryVenv3Hd8NcJ5yUa1GfB";
    const FROM_BAO_ENV: &str = "s.CnryBenv6Tw2LeR9oPq4ZsD";
    const FROM_HOME: &str = "s.CnryHome1Mx5VbK8jYt3WnC";
    for (source, token) in [
        ("--token-file", FROM_FILE),
        ("VAULT_TOKEN", FROM_VAULT_ENV),
        ("BAO_TOKEN", FROM_BAO_ENV),
        ("~/.vault-token", FROM_HOME),
    ] {
        let mock = echoing_server(token);
        let home = tempfile::tempdir().unwrap();
        let tokfile = home.path().join("scan-token");
        std::fs::write(&tokfile, format!("{token}\n")).unwrap();
        // The token also sits in the address path: the table wraps that long subject.
        let addr = format!("{}/proxy/{token}/", mock.url());
        for format in FORMATS {
            let mut cmd = vaultsec();
            cmd.env("HOME", home.path())
                .args(["scan", "--no-host", "--no-config", "--profile", "strict"])
                .args(["--now", NOW, "--format", format, "--addr", &addr]);
            match source {
                "--token-file" => {
                    cmd.arg("--token-file").arg(&tokfile);
                }
                "VAULT_TOKEN" => {
                    cmd.env("VAULT_TOKEN", token);
                }
                "BAO_TOKEN" => {
                    cmd.env("BAO_TOKEN", token);
                }
                _ => std::fs::write(home.path().join(".vault-token"), token).unwrap(),
            }
            let out = cmd.output().unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                matches!(out.status.code(), Some(1 | 3)),
                "{source} {format}: {:?}\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
            // These formats carry the error messages (SARIF only failures, Prometheus only
            // labels): the echoes reached them, scrubbed.
            if ["table", "json", "html", "junit"].contains(format) {
                assert!(
                    stdout.contains("<redacted>") || stdout.contains("&lt;redacted&gt;"),
                    "{source} {format}: the echoes were seen"
                );
            }
            assert_no_canary(&stdout, token, &format!("{source}, {format} stdout"));
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_no_canary(&stderr, token, &format!("{source}, {format} stderr"));
        }
        // `vaultsec facts` too.
        let out = vaultsec()
            .env("HOME", home.path())
            .env("VAULT_TOKEN", token)
            .args(["facts", "--no-host", "--no-config", "--addr", &addr])
            .output()
            .unwrap();
        assert_no_canary(&String::from_utf8_lossy(&out.stdout), token, "facts stdout");
        assert_no_canary(&String::from_utf8_lossy(&out.stderr), token, "facts stderr");
    }
}

#[test]
fn a_token_in_the_address_is_refused_and_never_printed() {
    const TOKEN: &str = "s.CnryAddr2Fh7QmX4cVz9KdP";
    for addr in [
        format!("https://scanner:{TOKEN}@vault.example:8200"),
        format!("https://{TOKEN}@vault.example:8200"),
        format!("https://x:{TOKEN}@[::1"),
        format!("x:{TOKEN}@vault.example:8200"),
    ] {
        for (how, use_env) in [("--addr", false), ("VAULT_ADDR", true)] {
            let mut cmd = vaultsec();
            cmd.args(["scan", "--no-host", "--no-config"]);
            if use_env {
                cmd.env("VAULT_ADDR", &addr);
            } else {
                cmd.args(["--addr", &addr]);
            }
            let out = cmd.output().unwrap();
            assert_eq!(out.status.code(), Some(2), "{how} {addr}");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.contains(how), "{how}: {stderr}");
            assert_no_canary(&stderr, TOKEN, &format!("{how} stderr"));
            assert_no_canary(&String::from_utf8_lossy(&out.stdout), TOKEN, "stdout");
        }
    }
}

#[test]
fn a_token_too_short_to_scrub_is_refused_and_words_stay_intact() {
    // A dev server's token `root` would turn every "root" of the report into <redacted>.
    let out = vaultsec()
        .env("VAULT_TOKEN", "root")
        .args([
            "scan",
            "--no-host",
            "--no-config",
            "--addr",
            "http://127.0.0.1:1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("VAULT_TOKEN") && stderr.contains("at least 16"),
        "{stderr}"
    );

    // A short config secret equal to an ordinary word does not corrupt the report either:
    // it is redacted when read, never printed, so nothing needs scrubbing.
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("vault.hcl");
    std::fs::write(
        &f,
        "storage \"consul\" {\n  token = \"root\"\n}\nseal \"transit\" {\n  token = \"tokens\"\n}\n",
    )
    .unwrap();
    let out = vaultsec()
        .args(["scan", "--no-host", "--no-api", "--format", "json", "-c"])
        .arg(&f)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(rules.contains(&"api.root-tokens"), "{rules:?}");
    assert!(!rules.iter().any(|r| r.contains("<redacted>")), "{rules:?}");
}
