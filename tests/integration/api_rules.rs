//! The API rules on real OpenBao servers (started by the testkit from the pinned `bao`):
//! every rule of the "Live API" section and tls.live-legacy-protocol has a passing and a
//! failing scenario, run through the `vaultsec` binary as an operator would. Volatile values
//! (ports, accessors, times) are normalised before the JSON snapshots.

use crate::common::vaultsec;
use crate::testkit::{DevServer, MockResponse, MockServer, RaftServer, TlsCluster};
use serde_json::{json, Value};
use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

/// One `vaultsec` run.
pub struct Run {
    pub code: Option<i32>,
    pub report: Value,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// `(status, subject, message)` of every finding of `rule`.
    pub fn of(&self, rule: &str) -> Vec<(String, String, String)> {
        self.report["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| f["rule"] == rule)
            .map(|f| {
                (
                    f["status"].as_str().unwrap_or_default().to_string(),
                    f["subject"].as_str().unwrap_or_default().to_string(),
                    f["message"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    /// The statuses of `rule`'s findings.
    pub fn statuses(&self, rule: &str) -> Vec<String> {
        self.of(rule).into_iter().map(|(s, _, _)| s).collect()
    }

    /// Asserts that every finding of `rule` has `status` (and that there is one).
    #[track_caller]
    pub fn expect(&self, rule: &str, status: &str) {
        let found = self.of(rule);
        assert!(
            !found.is_empty() && found.iter().all(|(s, _, _)| s == status),
            "{rule}: expected {status}, got {found:#?}\nsources: {}",
            self.report["sources"]
        );
    }

    /// The findings of `rule`, normalised for a snapshot.
    pub fn snapshot(&self, rule: &str) -> Value {
        let list: Vec<Value> = self.report["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| f["rule"] == rule)
            .map(normalise)
            .collect();
        // Subjects found in the same second come in an arbitrary order.
        let mut list = list;
        list.sort_by_key(|f| f.to_string());
        Value::Array(list)
    }
}

/// Replaces ports, accessors, Unix times and temp paths so snapshots are stable.
pub fn normalise(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(normalise_text(s)),
        Value::Number(n)
            if n.as_i64()
                .is_some_and(|t| (1_700_000_000..2_000_000_000).contains(&t)) =>
        {
            json!("[unix-time]")
        }
        Value::Array(a) => Value::Array(a.iter().map(normalise).collect()),
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), normalise(v))).collect())
        }
        other => other.clone(),
    }
}

fn normalise_text(s: &str) -> String {
    let rules: [(&str, &str); 6] = [
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
        // A token's remaining life ticks down while the scan runs: 47h or 48h of a 48h token.
        (r"lives \d+h more", "lives [hours]h more"),
        (r"\b[A-Za-z0-9]{24}\b", "[accessor]"),
        (r"\b1[7-9]\d{8}\b", "[unix-time]"),
        (r"/tmp/[^\s,;)]+", "[tmp]"),
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "[time]"),
    ];
    let mut out = s.to_string();
    for (re, with) in rules {
        out = regex::Regex::new(re)
            .expect("valid regex")
            .replace_all(&out, with)
            .into_owned();
    }
    out
}

/// Runs `vaultsec scan` against `addr` with `token` (through a token file, never argv) and
/// the given extra arguments; JSON report on stdout.
pub fn scan(addr: &str, token: Option<&str>, args: &[&str]) -> Run {
    let home = tempfile::tempdir().expect("temp home");
    let mut cmd = vaultsec();
    cmd.env("HOME", home.path())
        .env("NO_COLOR", "1")
        .env_remove("VAULT_CACERT")
        .env_remove("BAO_CACERT")
        .env_remove("VAULT_SKIP_VERIFY")
        .env_remove("VAULT_NAMESPACE")
        .args(["scan", "--format", "json", "--addr", addr]);
    if let Some(t) = token {
        let f = home.path().join("token");
        std::fs::write(&f, t).expect("write token file");
        cmd.arg("--token-file").arg(&f);
    }
    cmd.args(args);
    let out = cmd.output().expect("run vaultsec");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    Run {
        code: out.status.code(),
        report,
        stdout,
        stderr,
    }
}

pub const API_ONLY: &[&str] = &["--no-host", "--no-config", "--profile", "strict"];

pub fn with(base: &[&str], more: &[&str]) -> Vec<String> {
    base.iter().chain(more).map(|s| s.to_string()).collect()
}

pub fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// A TCP sink for a socket audit device (drains what the server writes).
fn audit_sink() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind sink");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for conn in l.incoming().flatten() {
            std::thread::spawn(move || {
                let mut conn = conn;
                let mut buf = [0u8; 4096];
                while matches!(conn.read(&mut buf), Ok(n) if n > 0) {}
            });
        }
    });
    port
}

#[test]
fn dev_server_arranged_to_fail() {
    let dev = DevServer::start().expect("dev server");
    let admin = dev.admin().expect("admin");
    let (_t, child) = admin.create_child_root_token().expect("child root token");
    admin.put_overbroad_policy("too-broad").expect("policy");
    admin
        .enable_userpass_without_lockout("userpass")
        .expect("userpass");
    admin.enable_kv_v1("kv1").expect("kv v1");
    admin.enable_cors(&["*"]).expect("cors");
    admin
        .create_token(json!({"policies": ["default"], "period": "1h", "display_name": "forever"}))
        .expect("periodic token");
    // Over-broad and long-lived, over-broad and short-lived.
    let (_t, long_lived) = admin
        .create_token(
            json!({"policies": ["too-broad"], "ttl": "48h", "display_name": "ops-weekend"}),
        )
        .expect("long-lived privileged token");
    let (_t, short_lived) = admin
        .create_token(json!({"policies": ["too-broad"], "ttl": "1h", "display_name": "ops-now"}))
        .expect("short-lived privileged token");

    let run = scan(
        &dev.addr,
        Some(&dev.root_token),
        &args(&with(
            API_ONLY,
            &[
                "--set",
                "api.version-outdated.minimum=9.0.0",
                "--set",
                "api.clock-skew.seconds=-1",
            ],
        )),
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    for rule in [
        "api.audit-disabled",
        "api.audit-redundancy",
        "api.audit-siem",
        "api.root-tokens",
        "api.scanner-token-root",
        "api.tokens-no-expiry",
        "api.version-outdated",
        "api.user-lockout-disabled",
        "api.metrics-unauthenticated",
        "api.policy-overbroad",
        "api.cors-wildcard",
        "api.clock-skew",
        "api.privileged-token-ttl",
        "api.unseal-threshold",
    ] {
        assert!(
            run.statuses(rule).contains(&"fail".to_string()),
            "{rule}: {:#?}",
            run.of(rule)
        );
    }
    // One finding per live root token: the dev root token (the scan's) and the child.
    let roots = run.of("api.root-tokens");
    assert_eq!(roots.len(), 2, "{roots:#?}");
    assert!(roots
        .iter()
        .any(|(_, subject, m)| subject == &format!("root token {child}")
            && m.contains("auth/token/create")));
    assert!(roots
        .iter()
        .any(|(_, _, m)| m.contains("the token this scan used")));
    // The over-broad policy fails, the default one passes.
    let pol = run.of("api.policy-overbroad");
    assert!(pol.contains(&(
        "fail".into(),
        "policy too-broad".into(),
        "policy too-broad grants capabilities on *".into()
    )));
    assert!(pol
        .iter()
        .any(|(s, subj, _)| s == "pass" && subj == "policy default"));
    // One finding per privileged token: only the long-lived one fails; root tokens are
    // api.root-tokens' and default-only tokens are not judged.
    let privileged = run.of("api.privileged-token-ttl");
    assert_eq!(privileged.len(), 2, "{privileged:#?}");
    let (status, _, m) = privileged
        .iter()
        .find(|(_, subject, _)| subject == &format!("token {long_lived}"))
        .expect("the long-lived token");
    assert_eq!(status, "fail");
    assert!(
        // 48h less the seconds since the token was made: 47h or 48h as the remainder rounds.
        m.contains("holds over-broad too-broad")
            && (m.contains("lives 47h more") || m.contains("lives 48h more")),
        "{m}"
    );
    assert!(privileged
        .iter()
        .any(|(s, subject, _)| s == "pass" && subject == &format!("token {short_lived}")));
    // The dev server's single key share.
    assert_eq!(
        run.of("api.unseal-threshold")[0].2,
        "Shamir unseal keys: threshold 1 of 1 shares: one key holder alone can unseal"
    );
    let kv = run.of("api.kv-v1");
    assert!(kv.contains(&(
        "fail".into(),
        "mount kv1/".into(),
        "KV mount kv1/ is version 1: an overwrite or delete loses the secret for good".into()
    )));
    for rule in [
        "api.audit-disabled",
        "api.root-tokens",
        "api.scanner-token-root",
        "api.tokens-no-expiry",
        "api.user-lockout-disabled",
        "api.metrics-unauthenticated",
        "api.kv-v1",
        "api.policy-overbroad",
        "api.cors-wildcard",
        "api.version-outdated",
    ] {
        insta::assert_json_snapshot!(format!("{rule}__fail"), run.snapshot(rule));
    }
    // The remaining TTL ticks down while the scan runs.
    insta::assert_json_snapshot!(
        "api.privileged-token-ttl__fail",
        run.snapshot("api.privileged-token-ttl"),
        { "[].evidence.ttl_seconds" => "[ttl]" }
    );
}

#[test]
fn dev_server_arranged_to_pass_with_a_token_from_vaultsec_policy() {
    let sink = audit_sink();
    let dev = DevServer::start_with_config(&format!(
        "audit \"file\" \"file-audit\" {{\n  options {{\n    file_path = \"{{dir}}/audit.log\"\n  }}\n}}\n\
         audit \"socket\" \"siem\" {{\n  options {{\n    address = \"127.0.0.1:{sink}\"\n    socket_type = \"tcp\"\n  }}\n}}\n"
    ))
    .expect("dev server");
    let admin = dev.admin().expect("admin");
    admin.enable_auth("userpass", "userpass").expect("userpass");
    admin.enable_auth("approle", "approle").expect("approle");
    admin
        .enable_cors(&["https://ui.example.com"])
        .expect("cors with one origin");

    // The policy exactly as `vaultsec policy` prints it, and an orphan token from it.
    let out = vaultsec().arg("policy").output().expect("vaultsec policy");
    assert!(out.status.success());
    let policy = String::from_utf8(out.stdout).expect("utf-8");
    admin.put_policy("vaultsec-scan", &policy).expect("policy");
    let (scan_token, _) = admin
        .create_token(json!({"policies": ["vaultsec-scan"], "ttl": "30m", "no_parent": true}))
        .expect("scan token");
    // No live root token: the dev root token revokes itself.
    admin
        .must("POST", "auth/token/revoke-self", None)
        .expect("revoke root");

    let run = scan(&dev.addr, Some(&scan_token), API_ONLY);
    for rule in [
        "api.uninitialized-or-sealed",
        "api.audit-disabled",
        "api.audit-redundancy",
        "api.audit-siem",
        "api.audit-log-raw",
        "api.root-tokens",
        "api.scanner-token-root",
        "api.tokens-no-expiry",
        "api.version-outdated",
        "api.user-lockout-disabled",
        "api.kv-v1",
        "api.policy-overbroad",
        "api.cors-wildcard",
        "api.clock-skew",
        "api.privileged-token-ttl",
    ] {
        run.expect(rule, "pass");
    }
    // The scan token's own policy is not over-broad by api.policy-overbroad's judgement.
    assert_eq!(
        run.of("api.privileged-token-ttl"),
        vec![(
            "pass".into(),
            String::new(),
            "no live non-root token holds an over-broad policy (1 tokens looked up)".into()
        )]
    );
    // The scan policy itself needs sudo, and is recognised as the scan policy.
    assert!(run.of("api.policy-overbroad").contains(&(
        "pass".into(),
        "policy vaultsec-scan".into(),
        "grants no more than the vaultsec scan policy (sudo only on the read paths Vault protects)"
            .into()
    )));
    // A token made from `vaultsec policy` is never short of a permission.
    let denied: Vec<_> = run.report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| {
            f["message"]
                .as_str()
                .unwrap_or_default()
                .contains("insufficient permission")
        })
        .collect();
    assert!(denied.is_empty(), "{denied:#?}");
    for rule in [
        "api.audit-disabled",
        "api.audit-redundancy",
        "api.audit-siem",
        "api.audit-log-raw",
        "api.root-tokens",
        "api.scanner-token-root",
        "api.tokens-no-expiry",
        "api.user-lockout-disabled",
        "api.kv-v1",
        "api.policy-overbroad",
        "api.cors-wildcard",
        "api.version-outdated",
        "api.privileged-token-ttl",
    ] {
        insta::assert_json_snapshot!(format!("{rule}__pass"), run.snapshot(rule));
    }
}

#[test]
fn openbao_declared_audit_blocks_count_and_the_api_names_the_product() {
    // The token may not read sys/audit (default policy only): the audit block of the config
    // file still shows a device, on OpenBao, where devices are declared in the config.
    let dev = DevServer::start_with_audit().expect("dev server");
    let (token, _) = dev
        .admin()
        .expect("admin")
        .create_token(json!({"policies": ["default"], "ttl": "1h"}))
        .expect("token");
    let cfg = dev.dir().join("audit.hcl").display().to_string();
    let run = scan(
        &dev.addr,
        Some(&token),
        &[
            "--no-host",
            "-c",
            &cfg,
            "--select",
            "api.audit-disabled,api.audit-log-raw",
        ],
    );
    run.expect("api.audit-disabled", "pass");
    assert!(
        run.of("api.audit-disabled")[0]
            .2
            .contains("file-audit/ (file, from file)"),
        "{:?}",
        run.of("api.audit-disabled")
    );
    // Options come from the file too, so log_raw is judged.
    run.expect("api.audit-log-raw", "pass");
    // Without the file, the 403 on sys/audit leaves it open.
    let run = scan(
        &dev.addr,
        Some(&token),
        &["--no-host", "--no-config", "--select", "api.audit-disabled"],
    );
    assert_eq!(
        run.of("api.audit-disabled")[0],
        (
            "skip".into(),
            String::new(),
            "insufficient permission: GET /v1/sys/audit".into()
        )
    );

    let out = vaultsec()
        .env("HOME", dev.dir())
        .args(["facts", "--no-host", "--no-config", "--addr", &dev.addr])
        .output()
        .expect("facts");
    let facts: Value = serde_json::from_slice(&out.stdout).expect("facts JSON");
    assert_eq!(
        facts["scan"]["product"],
        json!({"name": "openbao", "detected_from": "the API"})
    );
}

#[test]
fn audit_device_with_log_raw_fails() {
    let dev = DevServer::start_with_config(
        "audit \"file\" \"raw-audit\" {\n  options {\n    file_path = \"{dir}/raw.log\"\n    log_raw = \"true\"\n  }\n}\n",
    )
    .expect("dev server");
    let run = scan(&dev.addr, Some(&dev.root_token), API_ONLY);
    run.expect("api.audit-log-raw", "fail");
    run.expect("api.audit-disabled", "pass");
    insta::assert_json_snapshot!("api.audit-log-raw__fail", run.snapshot("api.audit-log-raw"));
}

#[test]
fn single_raft_node_uninitialized_unsealed_drifting_then_sealed() {
    let raft = RaftServer::start(false).expect("raft node");
    let cfg = raft.config_file();
    let cfg_arg = cfg.display().to_string();
    let base = ["--no-host", "--profile", "strict", "-c", cfg_arg.as_str()];

    let run = scan(&raft.addr, None, &base);
    assert_eq!(run.report["sources"]["api"], "available");
    assert_eq!(
        run.of("api.uninitialized-or-sealed"),
        vec![(
            "fail".into(),
            "node [addr]".replace("[addr]", &raft.addr),
            format!(
                "{} is not initialized: anyone who reaches it can initialize it and hold its keys",
                raft.addr
            )
        )]
    );
    assert_eq!(run.code, Some(1));

    // No keys exist before initialisation: the threshold cannot be judged.
    assert_eq!(
        run.of("api.unseal-threshold"),
        vec![(
            "skip".into(),
            String::new(),
            "the server is not initialized: no key shares exist yet".into()
        )]
    );

    // Initialised through the API with secret_shares=1, secret_threshold=1.
    let (root, _) = raft.init_unseal().expect("init and unseal");
    let run = scan(&raft.addr, Some(&root), &base);
    run.expect("api.unseal-threshold", "fail");
    insta::assert_json_snapshot!(
        "api.unseal-threshold__fail",
        run.snapshot("api.unseal-threshold")
    );
    run.expect("api.uninitialized-or-sealed", "pass");
    run.expect("api.raft-quorum", "fail");
    assert!(run.of("api.raft-quorum")[0]
        .2
        .contains("1 voter(s): losing one node loses quorum"));
    run.expect("api.running-config-drift", "pass");
    insta::assert_json_snapshot!("api.raft-quorum__fail", run.snapshot("api.raft-quorum"));
    insta::assert_json_snapshot!(
        "api.running-config-drift__pass",
        run.snapshot("api.running-config-drift")
    );

    // The file changes after the start: a restart is pending.
    let text = std::fs::read_to_string(&cfg).expect("read config");
    std::fs::write(&cfg, format!("{text}\nlog_level = \"debug\"\n")).expect("edit config");
    let run = scan(&raft.addr, Some(&root), &base);
    run.expect("api.running-config-drift", "fail");
    assert!(run.of("api.running-config-drift")[0]
        .2
        .contains("log_level (file \"debug\", running \"info\")"));
    insta::assert_json_snapshot!(
        "api.running-config-drift__fail",
        run.snapshot("api.running-config-drift")
    );

    raft.admin(Some(&root))
        .expect("admin")
        .seal()
        .expect("seal");
    let run = scan(&raft.addr, Some(&root), &base);
    run.expect("api.uninitialized-or-sealed", "fail");
    assert!(run.of("api.uninitialized-or-sealed")[0]
        .2
        .ends_with("is sealed: it serves no request"));
    // Sealed: what needs a token is skipped with the reason, never passed.
    assert_eq!(run.statuses("api.audit-disabled"), vec!["skip"]);
    assert_eq!(run.of("api.audit-disabled")[0].2, "server is sealed");
    insta::assert_json_snapshot!(
        "api.uninitialized-or-sealed__fail",
        run.snapshot("api.uninitialized-or-sealed")
    );
}

#[test]
fn five_key_shares_with_a_threshold_of_three_pass_the_unseal_threshold() {
    let raft = RaftServer::start(false).expect("raft node");
    let admin = raft.admin(None).expect("admin");
    admin.init(5, 3).expect("init with 5 shares, threshold 3");
    // Still sealed: sys/seal-status shows the key configuration without a token.
    let run = scan(
        &raft.addr,
        None,
        &[
            "--no-host",
            "--no-config",
            "--select",
            "api.unseal-threshold",
        ],
    );
    run.expect("api.unseal-threshold", "pass");
    assert_eq!(
        run.of("api.unseal-threshold")[0].2,
        "unseal keys: threshold 3 of 5 shares"
    );
    insta::assert_json_snapshot!(
        "api.unseal-threshold__pass",
        run.snapshot("api.unseal-threshold")
    );
}

#[test]
fn certificate_renewed_on_disk_but_not_served_is_drift() {
    let node = RaftServer::start(true).expect("TLS raft node");
    let (root, _) = node.init_unseal().expect("init and unseal");
    let cfg = node.config_file().display().to_string();
    let ca = node.ca_cert.clone().expect("ca").display().to_string();
    // The file source needs the host source on: the certificate files are read under --root /.
    let base = [
        "-c",
        cfg.as_str(),
        "--ca-cert",
        ca.as_str(),
        "--select",
        "api.running-config-drift,tls.cert-self-signed",
    ];
    let run = scan(&node.addr, Some(&root), &base);
    run.expect("api.running-config-drift", "pass");
    // One subject from the file, one from the live listener.
    let subjects: Vec<String> = run
        .of("tls.cert-self-signed")
        .into_iter()
        .map(|(_, s, _)| s)
        .collect();
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    assert!(subjects
        .iter()
        .any(|s| s.starts_with("live listener 127.0.0.1:")));

    // A new certificate lands on disk; the server still serves the old one (no SIGHUP).
    let fresh = tempfile::tempdir().expect("tmp");
    let (cert, _) = crate::testkit::TestPki::self_signed(fresh.path(), "renewed").expect("cert");
    std::fs::copy(&cert, node.dir().join("node.pem")).expect("replace the cert file");
    let run = scan(&node.addr, Some(&root), &base);
    run.expect("api.running-config-drift", "fail");
    let m = &run.of("api.running-config-drift")[0].2;
    assert!(
        m.contains(": served certificate vs ") && m.contains("node.pem"),
        "{m}"
    );
}

#[test]
fn tls_listener_accepting_tls10_fails_the_legacy_protocol_rule() {
    let node = RaftServer::start_tls_min("tls10").expect("tls10 node");
    let ca = node.ca_cert.clone().expect("ca");
    let ca = ca.display().to_string();
    let run = scan(
        &node.addr,
        None,
        &args(&with(API_ONLY, &["--ca-cert", &ca])),
    );
    run.expect("tls.live-legacy-protocol", "fail");
    assert!(run.of("tls.live-legacy-protocol")[0].2.contains("TLSv1.0"));
    insta::assert_json_snapshot!(
        "tls.live-legacy-protocol__fail",
        run.snapshot("tls.live-legacy-protocol")
    );
}

#[test]
fn live_self_signed_certificate_fails_even_when_the_api_cannot_be_verified() {
    let node = RaftServer::start_self_signed().expect("self-signed node");
    // Verified against the system roots: refused, so the API rules are errors (exit 3)...
    let run = scan(&node.addr, None, API_ONLY);
    assert!(
        run.report["sources"]["api"]
            .as_str()
            .unwrap_or_default()
            .starts_with("unavailable: "),
        "{}",
        run.report["sources"]
    );
    run.expect("api.uninitialized-or-sealed", "error");
    // ...but the served chain is still inspected and judged.
    run.expect("tls.cert-self-signed", "fail");
    assert!(run.of("tls.cert-self-signed")[0]
        .2
        .starts_with("certificate served by 127.0.0.1:"));
    run.expect("tls.cert-expired", "pass");
    // Not issued by a CA the system trusts: a high failure, so exit 1 (not only the API's 3).
    run.expect("tls.live-chain-untrusted", "fail");
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    insta::assert_json_snapshot!(
        "tls.cert-self-signed__live_fail",
        run.snapshot("tls.cert-self-signed")
    );
    // With --tls-skip-verify the API answers (uninitialized), and the verdict stands.
    let run = scan(
        &node.addr,
        None,
        &args(&with(API_ONLY, &["--tls-skip-verify"])),
    );
    assert_eq!(run.report["sources"]["api"], "available");
    run.expect("tls.cert-self-signed", "fail");
    run.expect("api.uninitialized-or-sealed", "fail");
}

fn cluster() -> &'static TlsCluster {
    TlsCluster::shared().expect("shared TLS cluster")
}

#[test]
fn cluster_mode_gives_one_finding_per_node() {
    let c = cluster();
    let ca = c.ca_cert.display().to_string();
    let started = Instant::now();
    let run = scan(
        &c.nodes[0].addr,
        Some(&c.root_token),
        &args(&with(
            API_ONLY,
            &[
                "--cluster",
                "--ca-cert",
                &ca,
                "--set",
                "tls.cert-expiring.days=10000000",
            ],
        )),
    );
    let took = started.elapsed();
    eprintln!("vaultsec scan --cluster (debug build) of the 3-node TLS cluster: {took:?}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_eq!(run.report["sources"]["api"], "available", "{}", run.stderr);

    for rule in [
        "api.uninitialized-or-sealed",
        "api.version-outdated",
        "tls.live-legacy-protocol",
        "tls.cert-expired",
        "tls.cert-self-signed",
        "tls.cert-hostname",
        "tls.cert-weak-key",
        "tls.cert-weak-signature",
        "tls.cert-not-server",
        "tls.live-chain-untrusted",
    ] {
        let f = run.of(rule);
        assert_eq!(f.len(), 3, "{rule}: one finding per node: {f:#?}");
        run.expect(rule, "pass");
        let mut subjects: Vec<&str> = f.iter().map(|(_, s, _)| s.as_str()).collect();
        subjects.dedup();
        assert_eq!(subjects.len(), 3, "{rule}: {subjects:?}");
    }
    for rule in [
        "api.raft-quorum",
        "api.version-skew",
        "api.metrics-unauthenticated",
    ] {
        run.expect(rule, "pass");
    }
    // The served chain goes through the certificate rules (here with an absurd window).
    run.expect("tls.cert-expiring", "fail");
    // File-only certificate rules say why they do not apply to a live listener.
    run.expect("tls.cert-key-mismatch", "skip");
    run.expect("tls.cert-unreadable", "skip");
    // Not pinned: which node leads (raft-quorum evidence) and the clock skew may vary.
    for rule in [
        "api.version-skew",
        "api.metrics-unauthenticated",
        "tls.live-legacy-protocol",
        "api.uninitialized-or-sealed",
        "tls.live-chain-untrusted",
    ] {
        insta::assert_json_snapshot!(format!("{rule}__pass"), run.snapshot(rule));
    }
    assert!(run
        .of("tls.cert-expiring")
        .iter()
        .all(
            |(_, subject, m)| subject.starts_with("live listener 127.0.0.1:")
                && m.starts_with("certificate served by 127.0.0.1:")
        ));
}

#[test]
fn tls_verification_failure_is_an_api_error_but_the_served_chain_is_still_judged() {
    let c = cluster();
    // No --ca-cert: the test CA is not trusted, so the API client refuses the server.
    let run = scan(&c.nodes[0].addr, Some(&c.root_token), API_ONLY);
    // The untrusted chain is a high failure of its own (exit 1), not only an API error.
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let api = run.report["sources"]["api"].as_str().unwrap_or_default();
    assert!(api.starts_with("unavailable: "), "{api}");
    run.expect("api.audit-disabled", "error");
    // The TLS inspection accepts any certificate: the chain is still looked at.
    run.expect("tls.cert-expired", "pass");
    run.expect("tls.live-legacy-protocol", "pass");
    run.expect("tls.live-chain-untrusted", "fail");
    let m = &run.of("tls.live-chain-untrusted")[0].2;
    assert!(
        m.contains("does not verify against the system roots") && m.contains("UnknownIssuer"),
        "{m}"
    );
    insta::assert_json_snapshot!(
        "tls.live-chain-untrusted__fail",
        run.snapshot("tls.live-chain-untrusted")
    );
    // Given the wrong CA (another one than the cluster's), the chain is still untrusted.
    let other = tempfile::tempdir().expect("tmp");
    let (wrong_ca, _) = crate::testkit::TestPki::self_signed(other.path(), "other").expect("ca");
    let wrong_ca = wrong_ca.display().to_string();
    let run = scan(
        &c.nodes[0].addr,
        Some(&c.root_token),
        &args(&with(API_ONLY, &["--ca-cert", &wrong_ca])),
    );
    run.expect("tls.live-chain-untrusted", "fail");
    assert!(run.of("tls.live-chain-untrusted")[0]
        .2
        .contains("does not verify against the CA the scan was given"));
    assert!(!run.stdout.contains(&c.root_token) && !run.stderr.contains(&c.root_token));
}

#[test]
fn running_config_drift_compares_a_config_only_with_the_node_it_describes() {
    let c = cluster();
    let ca = c.ca_cert.display().to_string();
    // sys/config/state/sanitized is node-local and a standby may not serve it: ask the leader.
    let active = c.node_with_health(200).expect("active node");
    let other = (active + 1) % c.nodes.len();
    let config_of = |i: usize| {
        c.dir()
            .join(&c.nodes[i].name)
            .join("config.hcl")
            .display()
            .to_string()
    };
    let (own, foreign) = (config_of(active), config_of(other));
    for cluster_flag in [false, true] {
        let scan_with = |config: &str| {
            let mut extra = vec![
                "--no-host",
                "-c",
                config,
                "--ca-cert",
                ca.as_str(),
                "--select",
                "api.running-config-drift",
            ];
            if cluster_flag {
                extra.push("--cluster");
            }
            scan(&c.nodes[active].addr, Some(&c.root_token), &extra)
        };
        // Its own config: compared, and it matches.
        let run = scan_with(&own);
        run.expect("api.running-config-drift", "pass");
        // Another node's config, scanned through this node (as behind a load balancer): the
        // answering node is named, nothing is judged.
        let run = scan_with(&foreign);
        let found = run.of("api.running-config-drift");
        assert_eq!(found.len(), 1, "{found:#?}");
        let (status, _, m) = &found[0];
        assert_eq!(status, "skip", "--cluster {cluster_flag}: {m}");
        let want = format!(
            "answered by node {} (api_addr {}, cluster_addr https://127.0.0.1:{}), not the node this config describes (node_id {}, api_addr {}",
            c.nodes[active].name,
            c.nodes[active].addr,
            c.nodes[active].cluster_port,
            c.nodes[other].name,
            c.nodes[other].addr
        );
        assert!(m.starts_with(&want), "{m}\nwanted: {want}");
    }
}

#[test]
fn version_skew_fails_when_nodes_report_different_versions() {
    // The real mixed-version cluster is in api_mixed_cluster.rs; this mock pins the message
    // built from sys/ha-status alone, with hostnames that name which node runs what.
    let mock = MockServer::start(|req| match req.path() {
        "/v1/sys/health" => MockResponse::Json(
            200,
            json!({"initialized":true,"sealed":false,"standby":false,"version":"2.7.2","server_time_utc":0})
                .to_string(),
        ),
        "/v1/sys/seal-status" => MockResponse::Json(
            200,
            json!({"initialized":true,"sealed":false,"version":"2.7.2","commit_date":"x","storage_type":"raft"}).to_string(),
        ),
        "/v1/sys/ha-status" => MockResponse::Json(
            200,
            json!({"data":{"nodes":[
                {"hostname":"a","api_address":"https://a:8200","active_node":true,"version":"2.7.2"},
                {"hostname":"b","api_address":"https://b:8200","active_node":false,"version":"2.6.0"}]}})
            .to_string(),
        ),
        _ => MockResponse::Json(404, r#"{"errors":[]}"#.into()),
    })
    .expect("mock");
    let run = scan(
        &mock.url(),
        Some("s.MockToken0123456789ab"),
        &args(&with(API_ONLY, &["--select", "api.version-skew"])),
    );
    run.expect("api.version-skew", "fail");
    assert_eq!(
        run.of("api.version-skew")[0].2,
        "nodes report different versions: https://a:8200 2.7.2, https://b:8200 2.6.0"
    );
    insta::assert_json_snapshot!("api.version-skew__fail", run.snapshot("api.version-skew"));
}

#[test]
fn a_full_scan_issues_no_write_according_to_the_servers_audit_log() {
    let dev = DevServer::start_with_audit().expect("dev server");
    let admin = dev.admin().expect("admin");
    admin
        .enable_userpass_without_lockout("userpass")
        .expect("userpass");
    admin.put_overbroad_policy("broad").expect("policy");
    for _ in 0..5 {
        admin
            .create_token(json!({"policies": ["default"]}))
            .expect("token");
    }
    let log = dev.audit_log.clone().expect("audit log");
    let before = std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0);
    let run = scan(
        &dev.addr,
        Some(&dev.root_token),
        &[
            "--no-host",
            "--no-config",
            "--profile",
            "strict",
            "--cluster",
        ],
    );
    assert!(run.report.is_object(), "{}", run.stderr);
    let text = std::fs::read(&log).expect("read audit log");
    let new = String::from_utf8_lossy(&text[usize::try_from(before).unwrap_or(0)..]).into_owned();
    let mut requests = 0;
    for line in new.lines() {
        let e: Value = serde_json::from_str(line).expect("audit entry is JSON");
        if e["type"] != "request" {
            continue;
        }
        requests += 1;
        let op = e["request"]["operation"].as_str().unwrap_or_default();
        let path = e["request"]["path"].as_str().unwrap_or_default();
        assert!(
            op == "read"
                || op == "list"
                || (op == "update" && path == "auth/token/lookup-accessor"),
            "the scan wrote: {op} {path}"
        );
        assert!(!path.starts_with("sys/storage/raft/snapshot"), "{path}");
    }
    assert!(requests >= 15, "only {requests} audited requests");
}

#[test]
fn no_token_appears_in_any_output_format_or_on_stderr() {
    let dev = DevServer::start().expect("dev server");
    let admin = dev.admin().expect("admin");
    let (child, _) = admin.create_child_root_token().expect("child root");
    let bogus = "s.NotARealTokenButSecret123";
    let secrets = [dev.root_token.as_str(), child.as_str(), bogus];
    let home = tempfile::tempdir().expect("home");
    let tokfile = home.path().join("tok");
    let mut outputs: Vec<String> = Vec::new();
    for token in [dev.root_token.as_str(), bogus] {
        std::fs::write(&tokfile, token).expect("token file");
        for format in ["table", "json", "sarif"] {
            for via_env in [false, true] {
                let mut cmd = vaultsec();
                cmd.env("HOME", home.path()).args([
                    "scan",
                    "--no-host",
                    "--no-config",
                    "--profile",
                    "strict",
                    "--cluster",
                    "--format",
                    format,
                    "--addr",
                    &dev.addr,
                ]);
                if via_env {
                    cmd.env("VAULT_TOKEN", token);
                } else {
                    cmd.arg("--token-file").arg(&tokfile);
                }
                let out = cmd.output().expect("scan");
                outputs.push(String::from_utf8_lossy(&out.stdout).into_owned());
                outputs.push(String::from_utf8_lossy(&out.stderr).into_owned());
            }
        }
        let out = vaultsec()
            .env("HOME", home.path())
            .env("VAULT_TOKEN", token)
            .args([
                "facts",
                "--no-host",
                "--no-config",
                "--cluster",
                "--addr",
                &dev.addr,
            ])
            .output()
            .expect("facts");
        outputs.push(String::from_utf8_lossy(&out.stdout).into_owned());
        outputs.push(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    // ~/.vault-token as the token source, and an -o file.
    std::fs::write(home.path().join(".vault-token"), &dev.root_token).expect("write");
    let report = home.path().join("r.json");
    let out = vaultsec()
        .env("HOME", home.path())
        .args([
            "scan",
            "--no-host",
            "--no-config",
            "--addr",
            &dev.addr,
            "-f",
            "json",
            "-o",
        ])
        .arg(&report)
        .output()
        .expect("scan");
    outputs.push(String::from_utf8_lossy(&out.stderr).into_owned());
    outputs.push(std::fs::read_to_string(&report).expect("report"));
    assert!(outputs[0].contains("api.root-tokens"), "{}", outputs[0]);
    for text in &outputs {
        for secret in secrets {
            assert!(!text.contains(secret), "a token leaked:\n{text}");
        }
    }
}

fn mock_vault(
    extra: impl Fn(&crate::testkit::MockRequest) -> Option<MockResponse> + Send + Sync + 'static,
) -> MockServer {
    MockServer::start(move |req| {
        if let Some(r) = extra(req) {
            return r;
        }
        match req.path() {
            "/v1/sys/health" => MockResponse::Json(
                200,
                json!({"initialized":true,"sealed":false,"standby":false,"version":"2.7.2","server_time_utc":0}).to_string(),
            ),
            "/v1/sys/seal-status" => MockResponse::Json(
                200,
                json!({"initialized":true,"sealed":false,"version":"2.7.2","commit_date":"x"}).to_string(),
            ),
            _ => MockResponse::Json(404, r#"{"errors":[]}"#.into()),
        }
    })
    .expect("mock")
}

#[test]
fn auto_unseal_is_judged_on_its_recovery_keys() {
    // No KMS in the test environment: the seal-status answer of an auto-unseal OpenBao
    // (`type` the seal, `t`/`n` the recovery keys', `recovery_seal` true) comes from a mock.
    let cases = [
        (json!({"t": 1, "n": 1}), "fail", "recovery keys of the transit seal: threshold 1 of 1 shares: one key holder alone can authorise root-token generation and rekey"),
        (json!({"t": 3, "n": 5}), "pass", "recovery keys: threshold 3 of 5 shares"),
        (json!({"t": 0, "n": 0}), "skip", "the transit seal shows no recovery key shares in sys/seal-status"),
    ];
    for (keys, status, message) in cases {
        let mut body = json!({"type": "transit", "initialized": true, "sealed": false,
            "recovery_seal": true, "recovery_seal_type": "shamir", "version": "2.7.2", "commit_date": "x"});
        body["t"] = keys["t"].clone();
        body["n"] = keys["n"].clone();
        let body = body.to_string();
        let mock = mock_vault(move |req| {
            (req.path() == "/v1/sys/seal-status").then(|| MockResponse::Json(200, body.clone()))
        });
        let run = scan(
            &mock.url(),
            None,
            &[
                "--no-host",
                "--no-config",
                "--select",
                "api.unseal-threshold",
            ],
        );
        assert_eq!(
            run.of("api.unseal-threshold"),
            vec![(status.into(), String::new(), message.into())],
            "{keys}"
        );
    }
}

#[test]
fn faults_turn_the_affected_rules_into_errors_and_exit_3() {
    type Fault = fn() -> MockResponse;
    let faults: [(&str, Fault); 4] = [
        ("garbage JSON", || {
            MockResponse::Json(200, "{\"file/\": {not json".into())
        }),
        ("truncated body", || {
            MockResponse::Raw(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"f/\":".to_vec(),
            )
        }),
        ("hanging socket", || MockResponse::Hang),
        ("HTTP 500", || {
            MockResponse::Json(500, r#"{"errors":["internal error"]}"#.into())
        }),
    ];
    for (what, fault) in faults {
        let mock = mock_vault(move |req| (req.path() == "/v1/sys/audit").then(fault));
        let started = Instant::now();
        let run = scan(
            &mock.url(),
            Some("s.MockToken0123456789ab"),
            &[
                "--no-host",
                "--no-config",
                "--timeout",
                "1",
                "--select",
                "api.audit-disabled,api.cors-wildcard",
            ],
        );
        assert!(
            started.elapsed() < Duration::from_secs(8),
            "{what}: {:?}",
            started.elapsed()
        );
        assert_eq!(run.code, Some(3), "{what}: {}\n{}", run.stdout, run.stderr);
        run.expect("api.audit-disabled", "error");
        let m = &run.of("api.audit-disabled")[0].2;
        assert!(m.contains("GET /v1/sys/audit"), "{what}: {m}");
        // The rest of the scan goes on: CORS answered 404 (unsupported) and is skipped.
        run.expect("api.cors-wildcard", "skip");
    }
}

#[test]
fn permission_denied_is_a_skip_naming_the_path() {
    let mock = mock_vault(|req| {
        (req.path() == "/v1/sys/audit").then(|| {
            MockResponse::Json(
                403,
                r#"{"errors":["1 error occurred:\n\t* permission denied\n\n"]}"#.into(),
            )
        })
    });
    let run = scan(
        &mock.url(),
        Some("s.MockToken0123456789ab"),
        &[
            "--no-host",
            "--no-config",
            "--select",
            "api.audit-disabled,api.audit-redundancy,api.audit-siem",
        ],
    );
    // A token short of a capability makes the scan incomplete (cli.md, "Exit codes").
    assert_eq!(run.code, Some(3), "{}", run.stderr);
    assert_eq!(
        run.report["summary"]["incomplete"]
            .as_array()
            .map(|list| list.iter().map(|i| i["cause"].clone()).collect::<Vec<_>>()),
        Some(vec![json!("token_permission"); 3])
    );
    for rule in [
        "api.audit-disabled",
        "api.audit-redundancy",
        "api.audit-siem",
    ] {
        assert_eq!(
            run.of(rule),
            vec![(
                "skip".into(),
                String::new(),
                "insufficient permission: GET /v1/sys/audit".into()
            )],
            "{rule}"
        );
    }
}

#[test]
fn unreachable_or_unconfigured_api() {
    let port = crate::testkit::free_ports(1).expect("port")[0];
    let run = scan(
        &format!("http://127.0.0.1:{port}"),
        None,
        &["--no-host", "--no-config", "--select", "api."],
    );
    assert_eq!(run.code, Some(3), "{}", run.stderr);
    let api = run.report["sources"]["api"].as_str().unwrap_or_default();
    assert!(
        api.starts_with("unavailable: ") && api.contains("cannot connect"),
        "{api}"
    );
    assert!(run.report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .all(|f| f["status"] == "error"));

    // No address at all: skipped with the reason, exit 0.
    let out = vaultsec()
        .env("HOME", tempfile::tempdir().expect("home").path())
        .args([
            "scan",
            "--no-host",
            "--no-config",
            "--select",
            "api.",
            "-f",
            "json",
        ])
        .output()
        .expect("scan");
    assert_eq!(out.status.code(), Some(0));
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        report["sources"]["api"],
        "off: no address: set VAULT_ADDR or --addr"
    );
    // A malformed address or token file is a usage error.
    for bad in [
        vec!["--addr", "ftp://x"],
        vec![
            "--addr",
            "http://127.0.0.1:1",
            "--token-file",
            "/nonexistent/token",
        ],
    ] {
        let out = vaultsec()
            .args(["scan", "--no-host", "--no-config"])
            .args(&bad)
            .output()
            .expect("scan");
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("API settings"));
    }
}

#[test]
fn policy_command_is_the_union_of_api_paths() {
    let out = vaultsec().arg("policy").output().expect("policy");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(text.contains("vault policy write vaultsec-scan -"));
    insta::assert_snapshot!("vaultsec_policy", text);
    let only = vaultsec()
        .args(["policy", "--select", "api.cors-wildcard"])
        .output()
        .expect("policy");
    let only = String::from_utf8_lossy(&only.stdout).into_owned();
    assert_eq!(only.matches("path \"").count(), 1, "{only}");
    assert!(Path::new(crate::common::repo("rules/versions.hcl").as_path()).is_file());
}
