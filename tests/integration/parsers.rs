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
