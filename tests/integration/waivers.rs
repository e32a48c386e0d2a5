//! `--waivers FILE` (`cli.md` "Waivers"): live, expired, unmatched and invalid waivers, with
//! the exit codes they lead to. "Today" is the scan clock's day (`--now`).

use crate::common::{node_root, scan_node};
use predicates::prelude::*;
use std::fs;

const FAIL: &str = "fixtures/config/tls.listener-disabled/fail.hcl";

/// Scans FAIL (a critical listener failure) with this waiver file: (exit code, report).
fn scan_with(waivers: &str, fail_on: &str) -> (i32, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("waivers.toml");
    fs::write(&file, waivers).unwrap();
    let root = node_root("node-a");
    let out = scan_node(root.path(), FAIL)
        .args(["--format", "json", "--fail-on", fail_on, "--waivers"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        out.status.code().unwrap(),
        serde_json::from_slice(&out.stdout).unwrap(),
    )
}

fn listener(report: &serde_json::Value) -> serde_json::Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "tls.listener-disabled")
        .cloned()
        .unwrap()
}

fn waiver(subject: &str, expires: &str) -> String {
    format!(
        "# accepted risks\n[[waiver]]\nrule    = \"tls.listener-disabled\"\n{subject}reason  = \"loopback-only lab listener\"\nowner   = \"platform-team\"\nexpires = {expires}\n"
    )
}

#[test]
fn a_live_waiver_turns_the_failure_into_waived_and_keeps_the_evidence() {
    let (code, report) = scan_with(
        &waiver("subject = \"*10.0.0.5:8200*\"\n", "2027-03-31"),
        "high",
    );
    // The only critical failure is waived: nothing fails at the default threshold.
    assert_eq!(code, 0);
    let f = listener(&report);
    assert_eq!(f["status"], "waived");
    assert_eq!(f["evidence"], serde_json::json!({"tls_disable": "true"}));
    assert_eq!(
        f["waiver"],
        serde_json::json!({"reason": "loopback-only lab listener", "owner": "platform-team", "expires": "2027-03-31"})
    );
    assert_eq!(report["summary"]["waived"], 1);
    assert_eq!(report["waivers_expired"], serde_json::json!([]));
    assert_eq!(report["waivers_unmatched"], serde_json::json!([]));
    // Without a subject, a waiver covers every subject of the rule.
    let (code, report) = scan_with(&waiver("", "2027-03-31"), "high");
    assert_eq!(
        (code, listener(&report)["status"].as_str()),
        (0, Some("waived"))
    );
    // It applies through its expiry day (the scan's day is 2026-11-23).
    let (code, report) = scan_with(&waiver("", "2026-11-23"), "high");
    assert_eq!(
        (code, listener(&report)["status"].as_str()),
        (0, Some("waived"))
    );
}

#[test]
fn an_expired_waiver_no_longer_applies_and_is_reported() {
    let (code, report) = scan_with(&waiver("", "2026-11-22"), "high");
    assert_eq!(code, 1);
    let f = listener(&report);
    assert_eq!(f["status"], "fail");
    assert!(f.get("waiver").is_none());
    let expired = report["waivers_expired"].as_array().unwrap();
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0]["rule"], "tls.listener-disabled");
    assert_eq!(expired[0]["owner"], "platform-team");
    assert_eq!(expired[0]["expires"], "2026-11-22");
    assert!(expired[0]["at"]
        .as_str()
        .unwrap()
        .ends_with("waivers.toml:2"));
    assert_eq!(report["waivers_unmatched"], serde_json::json!([]));
}

#[test]
fn a_waiver_that_matches_no_failure_is_reported_as_unmatched() {
    // Another subject: the failure stays, the waiver matched nothing.
    let (code, report) = scan_with(&waiver("subject = \"*10.9.9.9*\"\n", "2027-03-31"), "high");
    assert_eq!(code, 1);
    assert_eq!(listener(&report)["status"], "fail");
    let unmatched = report["waivers_unmatched"].as_array().unwrap();
    assert_eq!(unmatched.len(), 1);
    assert_eq!(unmatched[0]["subject"], "*10.9.9.9*");
    // A rule that passes: the waiver is stale.
    let stale = "[[waiver]]\nrule = \"tls.insecure-addr\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2027-01-01\n";
    let (code, report) = scan_with(stale, "never");
    assert_eq!(code, 0);
    assert_eq!(report["waivers_unmatched"][0]["rule"], "tls.insecure-addr");
    // A rule that was skipped (its source is off) cannot be judged: not reported as stale.
    let unjudged = "[[waiver]]\nrule = \"tls.cert-expired\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2027-01-01\n";
    let (_, report) = scan_with(unjudged, "never");
    assert_eq!(report["waivers_unmatched"], serde_json::json!([]));
}

/// An invalid waiver file: exit 2 naming the file and line, before anything is scanned.
fn invalid(waivers: &str, line: usize, message: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("waivers.toml");
    fs::write(&file, waivers).unwrap();
    let root = node_root("node-a");
    scan_node(root.path(), FAIL)
        .args(["--format", "json", "--waivers"])
        .arg(&file)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(format!(
            "{}:{line}:",
            file.display()
        )))
        .stderr(predicate::str::contains(message));
}

#[test]
fn invalid_waiver_files_are_input_errors_naming_the_line() {
    let ok = "[[waiver]]\nrule = \"tls.listener-disabled\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2027-01-01\n";
    // Missing fields: the line of the waiver's table.
    invalid(
        "\n[[waiver]]\nrule = \"tls.listener-disabled\"\nreason = \"r\"\nexpires = 2027-01-01\n",
        2,
        "waiver has no owner",
    );
    invalid(
        &format!("{ok}\n[[waiver]]\nrule = \"tls.listener-disabled\"\nowner = \"o\"\nexpires = 2027-01-01\n"),
        7,
        "waiver has no reason",
    );
    invalid(
        "[[waiver]]\nrule = \"tls.listener-disabled\"\nreason = \"r\"\nowner = \"o\"\n",
        1,
        "waiver has no expires",
    );
    invalid(
        "[[waiver]]\nrule = \"tls.listener-disabled\"\nreason = \"  \"\nowner = \"o\"\nexpires = 2027-01-01\n",
        3,
        "waiver reason is empty",
    );
    // Unknown rule, with a suggestion.
    invalid(
        "[[waiver]]\nrule = \"tls.listener-disabeld\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2027-01-01\n",
        2,
        "unknown rule \"tls.listener-disabeld\" (did you mean tls.listener-disabled?)",
    );
    // Bad dates: quoted, a date-time, not a day of the calendar.
    invalid(
        "[[waiver]]\nrule = \"tls.listener-disabled\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2027-01-01\"\n",
        5,
        "expires must be a date such as 2027-03-31",
    );
    invalid(
        "[[waiver]]\nrule = \"tls.listener-disabled\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2027-01-01T10:00:00Z\n",
        5,
        "not the date-time",
    );
    invalid(
        "[[waiver]]\nrule = \"tls.listener-disabled\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2027-02-30\n",
        5,
        "",
    );
    // Unknown fields and TOML syntax errors.
    invalid(&format!("{ok}ownr = \"x\"\n"), 6, "unknown field `ownr`");
    invalid("[[waiver]\nrule = 1\n", 1, "");
    invalid("[[waivers]]\nrule = \"x\"\n", 1, "unknown field `waivers`");
}

#[test]
fn an_unreadable_waiver_file_is_an_input_error() {
    let root = node_root("node-a");
    scan_node(root.path(), FAIL)
        .args(["--waivers", "no-such-waivers.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no-such-waivers.toml:0:0: cannot read waiver file: no such file or directory",
        ));
}

#[test]
fn the_table_shows_waivers_and_their_state() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("waivers.toml");
    fs::write(
        &file,
        waiver("", "2027-03-31")
            + "\n[[waiver]]\nrule = \"tls.insecure-addr\"\nreason = \"stale\"\nowner = \"o\"\nexpires = 2027-01-01\n\n[[waiver]]\nrule = \"tls.skip-verify\"\nreason = \"old\"\nowner = \"o\"\nexpires = 2020-01-01\n",
    )
    .unwrap();
    let root = node_root("node-a");
    scan_node(root.path(), FAIL)
        .args(["--select", "tls.", "--waivers"])
        .arg(&file)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("WAIVED"))
        .stdout(predicate::str::contains(
            "waived until 2027-03-31 by platform-team",
        ))
        .stdout(predicate::str::contains(
            "Expired waivers (no longer applied)",
        ))
        .stdout(predicate::str::contains(
            "tls.skip-verify [any subject] owner o, expires 2020-01-01",
        ))
        .stdout(predicate::str::contains(
            "Waivers matching no failure (remove them)",
        ))
        .stdout(predicate::str::contains("tls.insecure-addr"));
}
