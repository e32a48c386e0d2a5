//! Inputs made to break the parsers (issue 9 §3), through the paths a user takes.

use crate::api_rules::{scan, API_ONLY};
use crate::testkit::DevServer;

/// One line of valid HCL1 that OpenBao stores, whose second `path` block starts past column
/// 65,535: hcl-edit panicked formatting its own error there, so every authenticated scan
/// exited 101 with no report.
fn long_one_line_policy(second_path: &str) -> String {
    let caps = vec!["\"read\""; 9_000].join(", ");
    format!(
        "path \"secret/a\" {{ capabilities = [{caps}] }} path \"{second_path}\" {{ capabilities = [\"read\"] }}"
    )
}

#[test]
fn a_stored_one_line_policy_past_column_65535_is_judged_on_a_real_server() {
    let dev = DevServer::start().expect("dev server");
    let admin = dev.admin().expect("admin");
    let policy = long_one_line_policy("*");
    assert!(policy.len() > 70_000 && !policy.contains('\n'));
    admin
        .put_policy("one-line", &policy)
        .expect("OpenBao accepts the policy");
    admin
        .put_policy("narrow", "path \"secret/b\" { capabilities = [\"read\"] }")
        .expect("policy");

    let run = scan(&dev.addr, Some(&dev.root_token), API_ONLY);
    assert!(
        matches!(run.code, Some(1 | 3)),
        "exit {:?}, stderr: {}",
        run.code,
        run.stderr
    );
    let findings = run.of("api.policy-overbroad");
    assert!(
        findings.contains(&(
            "fail".into(),
            "policy one-line".into(),
            "policy one-line grants capabilities on *".into()
        )),
        "{findings:#?}"
    );
    assert!(findings
        .iter()
        .any(|(s, subject, _)| s == "pass" && subject == "policy narrow"));
}

/// `vaultsec scan` of a config only, as in CI.
fn scan_config(src: &str) -> std::process::Output {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("vault.hcl");
    std::fs::write(&file, src).expect("write config");
    crate::common::vaultsec()
        .args(["scan", "--no-host", "--no-api", "--format", "json", "-c"])
        .arg(&file)
        .output()
        .expect("run vaultsec")
}

#[test]
fn a_config_item_with_16000_keys_is_a_clear_error() {
    // Before: quadratic time (8,000 keys: over a minute) and then a stack overflow.
    let out = scan_config(&format!("{}{{}}\n", "a ".repeat(16_000)));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("vault.hcl:1:259: nesting deeper than 128 levels"),
        "{stderr}"
    );
}

#[test]
fn a_config_item_with_keys_up_to_the_nesting_limit_is_scanned() {
    let src = format!(
        "{}{{}}\nstorage \"raft\" {{\n  path = \"/opt/vault/data\"\n}}\n",
        "a ".repeat(128)
    );
    let out = scan_config(&src);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    assert!(report["findings"].as_array().is_some_and(|f| !f.is_empty()));
}
