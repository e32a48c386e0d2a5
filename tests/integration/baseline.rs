//! `--baseline previous.json`: `new` on every finding, `resolved` failures, and strict reading
//! of the baseline (another schema version or a corrupt file is exit 2, never an empty diff).

use crate::common::{node_root, scan_node};
use predicates::prelude::*;
use std::fs;
use std::path::Path;

const LISTENER_OFF: &str = "listener \"tcp\" {\n  address = \"10.0.0.5:8200\"\n  tls_disable = true\n}\nstorage \"raft\" {\n  path = \"/v\"\n  node_id = \"n1\"\n}\n";
const LISTENER_ON: &str = "listener \"tcp\" {\n  address = \"10.0.0.5:8200\"\n  tls_cert_file = \"/etc/vault.d/tls.crt\"\n  tls_key_file = \"/etc/vault.d/tls.key\"\n}\nstorage \"raft\" {\n  path = \"/v\"\n  node_id = \"n1\"\n}\n";

/// Scans `cfg` (config only, as node-a); with `baseline` when given. Returns (code, report).
fn scan(cfg: &Path, baseline: Option<&Path>, format: &str) -> (i32, String) {
    let root = node_root("node-a");
    let mut cmd = scan_node(root.path(), cfg.to_str().unwrap());
    cmd.args(["--format", format]);
    if let Some(b) = baseline {
        cmd.arg("--baseline").arg(b);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.code() != Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

fn finding<'a>(report: &'a serde_json::Value, rule: &str) -> &'a serde_json::Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap()
}

#[test]
fn a_fixed_failure_is_resolved_and_a_regression_is_new() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("vault.hcl");
    let base = dir.path().join("baseline.json");

    fs::write(&cfg, LISTENER_OFF).unwrap();
    let (code, text) = scan(&cfg, None, "json");
    assert_eq!(code, 1);
    assert!(json(&text)["findings"][0].get("new").is_none());
    fs::write(&base, &text).unwrap();

    // Same config, same findings: nothing is new, nothing resolved.
    let (_, text) = scan(&cfg, Some(&base), "json");
    let report = json(&text);
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["new"] == false));
    assert_eq!(report["resolved"], serde_json::json!([]));

    // Lines move (the message and the line are not part of a finding's identity).
    fs::write(&cfg, format!("# moved\n\n\n{LISTENER_OFF}")).unwrap();
    let (_, text) = scan(&cfg, Some(&base), "json");
    let report = json(&text);
    let f = finding(&report, "tls.listener-disabled");
    assert_eq!(
        (f["status"].as_str(), f["new"].as_bool()),
        (Some("fail"), Some(false))
    );
    assert_eq!(f["location"]["line"], 6);

    // Fixed: the failure is resolved; the listener's new state is new.
    fs::write(&cfg, LISTENER_ON).unwrap();
    let (code, text) = scan(&cfg, Some(&base), "json");
    assert_eq!(code, 0);
    let report = json(&text);
    let resolved = report["resolved"].as_array().unwrap();
    assert_eq!(resolved.len(), 1, "{resolved:?}");
    assert_eq!(resolved[0]["rule"], "tls.listener-disabled");
    assert_eq!(resolved[0]["subject"], "listener 10.0.0.5:8200");
    assert_eq!(resolved[0]["severity"], "critical");
    assert!(resolved[0]["message"]
        .as_str()
        .unwrap()
        .contains("tls_disable"));
    let f = finding(&report, "tls.listener-disabled");
    assert_eq!(
        (f["status"].as_str(), f["new"].as_bool()),
        (Some("pass"), Some(true))
    );

    // And back: the regression is a new failure.
    fs::write(&base, &text).unwrap();
    fs::write(&cfg, LISTENER_OFF).unwrap();
    let (code, text) = scan(&cfg, Some(&base), "json");
    assert_eq!(code, 1);
    let report = json(&text);
    let f = finding(&report, "tls.listener-disabled");
    assert_eq!(
        (f["status"].as_str(), f["new"].as_bool()),
        (Some("fail"), Some(true))
    );
    assert_eq!(report["resolved"], serde_json::json!([]));
}

#[test]
fn the_table_and_html_show_new_and_resolved() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("vault.hcl");
    let base = dir.path().join("baseline.json");
    fs::write(&cfg, LISTENER_OFF).unwrap();
    let (_, text) = scan(&cfg, None, "json");
    fs::write(&base, text).unwrap();
    fs::write(&cfg, LISTENER_ON).unwrap();
    let (_, table) = scan(&cfg, Some(&base), "table");
    assert!(
        table.contains("Since the baseline: 1 new failure(s), 1 resolved"),
        "{table}"
    );
    assert!(table.contains("resolved: tls.listener-disabled [listener 10.0.0.5:8200]"));
    assert!(table.contains("PASS (new)"));
    let (_, html) = scan(&cfg, Some(&base), "html");
    assert!(html.contains("Resolved since the baseline (1)"));
    assert!(html.contains("<tr data-rule=\"tls.listener-disabled\">"));

    fs::write(&base, scan(&cfg, None, "json").1).unwrap();
    fs::write(&cfg, LISTENER_OFF).unwrap();
    let (_, table) = scan(&cfg, Some(&base), "table");
    assert!(table.contains("FAIL (new)"), "{table}");
    assert!(table.contains("Since the baseline: 1 new failure(s), 0 resolved"));
    // The new failures are listed, not only counted.
    assert!(
        table.contains("  new: tls.listener-disabled [listener 10.0.0.5:8200] listener"),
        "{table}"
    );
    let (_, html) = scan(&cfg, Some(&base), "html");
    assert!(html.contains("New failures and errors (1)"));
    assert!(html.contains("<span class=\"new\">NEW</span>"));
}

/// A baseline that cannot be used: exit 2 with this message, and no report.
fn rejected(baseline_text: &[u8], message: &str) {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("previous.json");
    fs::write(&base, baseline_text).unwrap();
    let root = node_root("node-a");
    scan_node(
        root.path(),
        "fixtures/config/tls.listener-disabled/fail.hcl",
    )
    .args(["--format", "json", "--baseline"])
    .arg(&base)
    .assert()
    .code(2)
    .stdout("")
    .stderr(predicate::str::contains(base.display().to_string()))
    .stderr(predicate::str::contains(message));
}

#[test]
fn corrupt_truncated_foreign_and_other_version_baselines_are_input_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("vault.hcl");
    fs::write(&cfg, LISTENER_OFF).unwrap();
    let (_, good) = scan(&cfg, None, "json");

    rejected(
        &good.as_bytes()[..good.len() / 2],
        "not a valid JSON report (corrupt or truncated?)",
    );
    rejected(b"", "not a valid JSON report (corrupt or truncated?)");
    rejected(b"\x00\xff garbage", "not a valid JSON report");
    let other = good.replacen("\"schema_version\": 1", "\"schema_version\": 2", 1);
    assert_ne!(other, good);
    rejected(
        other.as_bytes(),
        "report schema_version 2, but this vaultsec reads schema_version 1",
    );
    let (_, sarif) = scan(&cfg, None, "sarif");
    rejected(
        sarif.as_bytes(),
        "not a vaultsec JSON report: no schema_version",
    );
    let mangled = good.replacen("\"findings\": [", "\"findings\": [{\"rule\": 1}, ", 1);
    rejected(mangled.as_bytes(), "not a vaultsec JSON report");

    let root = node_root("node-a");
    scan_node(root.path(), cfg.to_str().unwrap())
        .args(["--baseline", "no-such-report.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no-such-report.json: cannot read report: no such file or directory",
        ));
}
