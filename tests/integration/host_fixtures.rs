//! Host rules: a passing and a failing fixture host each. The trees are built at test time by
//! `vaultsec::facts::host::testkit` (so modes and, as root, ownership are real): the weak node
//! fails, the hardened node passes, and a few rules get their own variant.

use crate::common::now;
use vaultsec::engine::{self, Settings};
use vaultsec::facts::host::testkit::{self, FakeProcess, HostTree, VAULT_GID, VAULT_UID};
use vaultsec::model::{Finding, Profile, Source, Status};
use vaultsec::rules::RuleSet;
use vaultsec::scan::{self, SourceOptions};

const TLS_CONFIG: &str = r#"storage "raft" {
  path    = "/opt/vault/data"
  node_id = "n1"
}

listener "tcp" {
  address       = "10.0.0.5:8200"
  tls_cert_file = "/opt/vault/tls/tls.crt"
  tls_key_file  = "/opt/vault/tls/tls.key"
}

audit "file" "file-audit" {
  options {
    file_path = "/var/log/vault/audit.log"
  }
}
"#;

/// The hardened node with a TLS listener and a declarative file audit device in its config.
fn hardened_with_files(key_mode: u32, audit_mode: u32, data_mode: u32) -> HostTree {
    let t = testkit::hardened_node().expect("hardened node (tests run as root in CI)");
    t.file_mode("/etc/vault.d/vault.hcl", TLS_CONFIG, 0o640)
        .and_then(|t| t.chown("/etc/vault.d/vault.hcl", 0, VAULT_GID))
        .and_then(|t| {
            t.file_mode(
                "/opt/vault/tls/tls.crt",
                "-----BEGIN CERTIFICATE-----\n",
                0o644,
            )
        })
        .and_then(|t| {
            t.file_mode(
                "/opt/vault/tls/tls.key",
                "-----BEGIN PRIVATE KEY-----\n",
                key_mode,
            )
        })
        .and_then(|t| t.chown("/opt/vault/tls/tls.key", VAULT_UID, VAULT_GID))
        .and_then(|t| t.dir("/var/log/vault", 0o750))
        .and_then(|t| t.file_mode("/var/log/vault/audit.log", "{}\n", audit_mode))
        .and_then(|t| t.chown("/var/log/vault/audit.log", VAULT_UID, VAULT_GID))
        .and_then(|t| t.dir("/opt/vault/data", data_mode))
        .expect("fixture files");
    t
}

/// The weak node, but Vault runs as `vault` without CAP_IPC_LOCK and with a small memlock limit.
fn vault_without_ipc_lock() -> HostTree {
    let t = testkit::weak_node().expect("weak node");
    let mut p = FakeProcess::new(
        4242,
        "vault",
        &[
            "/usr/local/bin/vault",
            "server",
            "-config=/etc/vault.d/vault.hcl",
        ],
    )
    .as_user(VAULT_UID, VAULT_GID, 0);
    p.cgroup = "0::/system.slice/vault.service\n".to_string();
    p.socket_inodes = vec![5001];
    t.process(&p).expect("process");
    t
}

fn tree(rule: &str, kind: &str) -> HostTree {
    match (rule, kind) {
        ("host.tls-key-permissions", "pass") => hardened_with_files(0o600, 0o600, 0o700),
        ("host.tls-key-permissions", "fail") => hardened_with_files(0o644, 0o600, 0o700),
        ("host.audit-log-permissions", "pass") => hardened_with_files(0o600, 0o600, 0o700),
        ("host.audit-log-permissions", "fail") => hardened_with_files(0o600, 0o644, 0o700),
        ("host.storage-permissions", "fail") => hardened_with_files(0o600, 0o600, 0o755),
        ("host.mlock-capability", "fail") => vault_without_ipc_lock(),
        (_, "pass") => testkit::hardened_node().expect("hardened node (tests run as root in CI)"),
        _ => testkit::weak_node().expect("weak node"),
    }
}

fn scan_tree(t: &HostTree, rule: &str) -> Vec<Finding> {
    let opts = SourceOptions {
        root: t.root().to_path_buf(),
        no_api: true,
        now: now(),
        ..SourceOptions::default()
    };
    let facts = scan::collect(&opts).expect("collect");
    let settings = Settings {
        profile: Profile::Strict,
        select: vec![rule.to_string()],
        ..Settings::default()
    };
    engine::evaluate(&RuleSet::builtin().unwrap(), &facts, &settings)
}

#[test]
fn every_host_rule_passes_and_fails_its_fixture_host() {
    let rules = RuleSet::builtin().unwrap();
    let host_rules: Vec<&str> = rules
        .rules
        .iter()
        .filter(|r| r.sources.contains(&Source::Host))
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(
        host_rules.len(),
        18,
        "every rule of the Host section: {host_rules:?}"
    );
    for rule in host_rules {
        for kind in ["pass", "fail"] {
            let t = tree(rule, kind);
            let findings = scan_tree(&t, rule);
            assert!(!findings.is_empty(), "{rule} {kind}");
            if kind == "pass" {
                assert!(
                    findings.iter().all(|f| f.status == Status::Pass),
                    "{rule} pass: {findings:#?}"
                );
            } else {
                assert!(
                    findings.iter().any(|f| f.status == Status::Fail),
                    "{rule} fail: {findings:#?}"
                );
            }
            insta::assert_json_snapshot!(format!("{rule}__{kind}"), findings);
        }
    }
}

#[test]
fn facts_that_cannot_be_read_skip_never_pass() {
    // OpenBao as packaged (no process): no /proc/net/tcp, so the socket rules skip; mlock is
    // Vault-only; the swap fence comes from the unit's MemorySwapMax=0.
    let t = testkit::openbao_packaging().expect("openbao packaging (root)");
    let rules = RuleSet::builtin().unwrap();
    let opts = SourceOptions {
        root: t.root().to_path_buf(),
        no_api: true,
        now: now(),
        ..SourceOptions::default()
    };
    let facts = scan::collect(&opts).unwrap();
    assert_eq!(facts.doc["scan"]["product"]["name"], "openbao");
    let settings = Settings {
        profile: Profile::Strict,
        select: vec!["host.".into()],
        ..Settings::default()
    };
    let by_rule = |id: &str| {
        engine::evaluate(&rules, &facts, &settings)
            .into_iter()
            .filter(|f| f.rule == id)
            .collect::<Vec<_>>()
    };
    for id in [
        "host.single-tenancy",
        "host.firewall",
        "host.mlock-capability",
    ] {
        let f = by_rule(id);
        assert!(f.iter().all(|f| f.status == Status::Skip), "{id}: {f:#?}");
    }
    let swap = by_rule("host.swap-enabled");
    assert_eq!(swap[0].status, Status::Pass);
    assert!(
        swap[0].message.contains("MemorySwapMax=0"),
        "{}",
        swap[0].message
    );
    // OpenBao's unit has no LimitCORE=0: a failure, as the ground truth notes.
    assert_eq!(by_rule("host.core-dumps")[0].status, Status::Fail);
}

#[test]
fn an_empty_root_is_not_a_vault_node() {
    let root = tempfile::tempdir().unwrap();
    let opts = SourceOptions {
        root: root.path().to_path_buf(),
        no_api: true,
        now: now(),
        ..SourceOptions::default()
    };
    let facts = scan::collect(&opts).unwrap();
    let state = facts.source(Source::Host).describe();
    assert!(
        state.starts_with("off: no Vault or OpenBao found"),
        "{state}"
    );
}

#[test]
fn secrets_in_history_never_appear_in_any_format() {
    let t = testkit::weak_node().unwrap();
    let planted = [
        testkit::PLANTED_TOKEN,
        testkit::PLANTED_UNSEAL_KEY,
        testkit::PLANTED_PASSWORD,
    ];
    let mut texts = Vec::new();
    for format in ["table", "json", "sarif"] {
        let out = crate::common::vaultsec()
            .args([
                "scan",
                "--no-api",
                "--profile",
                "strict",
                "--format",
                format,
                "--root",
            ])
            .arg(t.root())
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        texts.push(String::from_utf8_lossy(&out.stdout).into_owned());
        texts.push(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let facts = crate::common::vaultsec()
        .args(["facts", "--no-api", "--root"])
        .arg(t.root())
        .output()
        .unwrap();
    assert!(facts.status.success());
    texts.push(String::from_utf8_lossy(&facts.stdout).into_owned());
    assert!(
        texts[2].contains("host.shell-history"),
        "the history findings are reported"
    );
    for text in texts {
        for secret in planted {
            assert!(!text.contains(secret), "planted secret leaked");
        }
    }
}
