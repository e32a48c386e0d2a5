//! The report formats, each read back by a real parser: JUnit (roxmltree, and xmllint against
//! Jenkins xunit-plugin's junit-10.xsd), Prometheus (promtool and prometheus_client), HTML
//! (headless chromium); -o atomicity and -q.

use crate::common::{node_root, scan_node, tool, vaultsec, NOW};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command as Process;

const FAIL: &str = "fixtures/config/tls.listener-disabled/fail.hcl";
const ERROR_RULES: &str = "fixtures/rules/error";
/// 2026-11-23T00:00:00Z.
const NOW_UNIX: i64 = 1_795_392_000;

/// A waiver file with one live waiver for the critical listener failure of FAIL.
fn live_waiver(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("waivers.toml");
    fs::write(
        &p,
        r#"[[waiver]]
rule    = "tls.listener-disabled"
subject = "*10.0.0.5:8200*"
reason  = "lab listener behind the <mesh>"
owner   = "platform-team"
expires = 2027-03-31
"#,
    )
    .unwrap();
    p
}

/// Runs one scan writing JSON and `format` to files; returns (json report, other output).
fn scan_both(args: &[&str], format: &str, expect_code: i32) -> (serde_json::Value, String) {
    let root = node_root("node-a");
    let out = tempfile::tempdir().unwrap();
    let json = out.path().join("r.json");
    let other = out.path().join("r.out");
    scan_node(root.path(), FAIL)
        .args(args)
        .args(["--format", "json", "-o"])
        .arg(&json)
        .args(["--format", format, "-o"])
        .arg(&other)
        .assert()
        .code(expect_code);
    (
        serde_json::from_slice(&fs::read(&json).unwrap()).unwrap(),
        fs::read_to_string(&other).unwrap(),
    )
}

fn case_name(f: &serde_json::Value) -> String {
    match f["subject"].as_str() {
        Some(s) => format!("{} ({s})", f["rule"].as_str().unwrap()),
        None => f["rule"].as_str().unwrap().to_string(),
    }
}

#[test]
fn junit_has_a_suite_per_area_and_a_case_per_finding_with_mapped_statuses() {
    let dir = tempfile::tempdir().unwrap();
    let waivers = live_waiver(dir.path());
    let waivers = waivers.to_str().unwrap();
    // FAIL under strict: failures, passes, skips, manual; a waiver; a rule that errors.
    let (report, xml) = scan_both(
        &[
            "--profile",
            "strict",
            "--waivers",
            waivers,
            "--rules",
            ERROR_RULES,
        ],
        "junit",
        3,
    );
    let doc = roxmltree::Document::parse(&xml).expect("JUnit output is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let findings = report["findings"].as_array().unwrap();
    let summary = &report["summary"];
    let count = |k: &str| summary[k].as_u64().unwrap() as usize;
    let attr = |n: roxmltree::Node, a: &str| n.attribute(a).unwrap_or_default().to_string();
    assert_eq!(attr(root, "tests"), findings.len().to_string());
    assert_eq!(attr(root, "failures"), count("fail").to_string());
    assert_eq!(attr(root, "errors"), count("error").to_string());
    // The strict schema has no `skipped` on `testsuites`: the suites carry it.
    assert_eq!(attr(root, "skipped"), "");
    assert!(count("fail") > 0 && count("error") == 1 && count("waived") == 1);
    assert!(count("manual") > 0 && count("skip") > 0 && count("pass") > 0);

    let suites: Vec<roxmltree::Node> = root
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    let mut areas: Vec<String> = findings
        .iter()
        .map(|f| {
            f["rule"]
                .as_str()
                .unwrap()
                .split('.')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    areas.sort();
    areas.dedup();
    let mut names: Vec<String> = suites.iter().map(|s| attr(*s, "name")).collect();
    names.sort();
    assert_eq!(names, areas, "one suite per rule area");

    let skipped: usize = suites
        .iter()
        .map(|s| attr(*s, "skipped").parse::<usize>().unwrap())
        .sum();
    assert_eq!(skipped, count("skip") + count("manual") + count("waived"));

    let mut cases: BTreeMap<String, roxmltree::Node> = BTreeMap::new();
    for suite in &suites {
        assert_eq!(attr(*suite, "hostname"), "node-a");
        assert!(attr(*suite, "timestamp").starts_with("2026-11-23T00:00:00"));
        for case in suite.children().filter(|n| n.has_tag_name("testcase")) {
            assert_eq!(attr(case, "classname"), attr(*suite, "name"));
            cases.insert(attr(case, "name"), case);
        }
    }
    assert_eq!(cases.len(), findings.len(), "one case per finding");
    for f in findings {
        let name = case_name(f);
        let case = cases.get(&name).unwrap_or_else(|| panic!("no case {name}"));
        let child = |tag: &str| case.children().find(|n| n.has_tag_name(tag));
        let message = f["message"].as_str().unwrap();
        match f["status"].as_str().unwrap() {
            "pass" => assert!(child("failure").is_none() && child("skipped").is_none()),
            "fail" => {
                let failure = child("failure").unwrap_or_else(|| panic!("{name}: no failure"));
                let msg = attr(failure, "message");
                assert!(msg.contains(message), "{name}: {msg}");
                assert!(msg.contains(f["remediation"].as_str().unwrap()));
                assert_eq!(attr(failure, "type"), "fail");
            }
            "error" => {
                let error = child("error").unwrap_or_else(|| panic!("{name}: no error"));
                assert!(attr(error, "message").contains("simulated failure"));
            }
            status @ ("skip" | "manual" | "waived") => {
                let skipped = child("skipped").unwrap_or_else(|| panic!("{name}: not skipped"));
                assert_eq!(attr(skipped, "type"), status);
                assert!(attr(skipped, "message").contains(message), "{name}");
                if status == "waived" {
                    let m = attr(skipped, "message");
                    assert!(
                        m.contains("platform-team") && m.contains("2027-03-31"),
                        "{m}"
                    );
                    assert!(m.contains("lab listener behind the <mesh>"), "{m}");
                }
            }
            other => panic!("unexpected status {other}"),
        }
    }
}

/// Validates JUnit XML with xmllint against both junit-10.xsd versions Jenkins' xunit plugin
/// has shipped (the current one is the strict one: required counts, no properties in a case).
fn assert_valid_junit(xml: &str, what: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.xml");
    fs::write(&file, xml).unwrap();
    for xsd in ["VAULTSEC_JUNIT_XSD", "VAULTSEC_JUNIT_XSD_LEGACY"] {
        let out = Process::new(tool("VAULTSEC_XMLLINT"))
            .arg("--noout")
            .arg("--schema")
            .arg(tool(xsd))
            .arg(&file)
            .output()
            .expect("xmllint runs (scripts/test-tools.sh installs it)");
        assert!(
            out.status.success(),
            "{what}: not valid against {xsd}:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn junit_validates_against_the_jenkins_xunit_schema() {
    let dir = tempfile::tempdir().unwrap();
    let waivers = live_waiver(dir.path());
    let waivers = waivers.to_str().unwrap();
    // Every outcome: failures, passes, skips, manual, a waiver, an error; then a baseline (the
    // `new` flag) and a fleet report (node-qualified suites).
    let (report, xml) = scan_both(
        &[
            "--profile",
            "strict",
            "--waivers",
            waivers,
            "--rules",
            ERROR_RULES,
        ],
        "junit",
        3,
    );
    assert_valid_junit(&xml, "a strict scan with a waiver and an error");
    let baseline = dir.path().join("baseline.json");
    fs::write(&baseline, serde_json::to_vec(&report).unwrap()).unwrap();
    let (_, xml) = scan_both(
        &[
            "--baseline",
            baseline.to_str().unwrap(),
            "--fail-on",
            "never",
        ],
        "junit",
        0,
    );
    assert!(xml.contains("new: "), "{xml}");
    assert_valid_junit(&xml, "a scan with a baseline");

    let mut inputs = Vec::new();
    for node in ["node-a", "node-b"] {
        let root = node_root(node);
        let path = dir.path().join(format!("{node}.json"));
        scan_node(root.path(), FAIL)
            .args(["--format", "json", "--fail-on", "never", "-o"])
            .arg(&path)
            .assert()
            .code(0);
        inputs.push(path);
    }
    let out = vaultsec()
        .args(["merge", "--fail-on", "never", "--format", "junit"])
        .args(&inputs)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    assert_valid_junit(&String::from_utf8(out).unwrap(), "a fleet report");
}

#[test]
fn junit_snapshot_of_a_fixed_scan() {
    let root = node_root("node-a");
    let out = scan_node(root.path(), FAIL)
        .args(["--select", "tls.listener-disabled,config.,ops.offboarding"])
        .args(["--rules", ERROR_RULES, "--select", "custom."])
        .args(["--format", "junit"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let xml = String::from_utf8(out).unwrap();
    insta::with_settings!({filters => vec![(r#" time="[0-9.]+""#, r#" time="[duration]""#)]}, {
        insta::assert_snapshot!("junit_fixed_scan", xml);
    });
}

fn prometheus_text(args: &[&str], code: i32) -> String {
    let root = node_root("node-a");
    let out = scan_node(root.path(), FAIL)
        .args(args)
        .args(["--format", "prometheus"])
        .assert()
        .code(code)
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

/// promtool (Prometheus's own parser and linter): no complaint at all.
fn promtool_check(text: &str) {
    let mut child = Process::new(tool("VAULTSEC_PROMTOOL"))
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("promtool runs");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "promtool check metrics: {}{}\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// prometheus_client's parser: every sample as (name, labels, value).
fn parse_exposition(text: &str) -> Vec<(String, BTreeMap<String, String>, f64)> {
    let script = r#"
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for fam in text_string_to_metric_families(sys.stdin.read()):
    assert fam.type == "gauge", (fam.name, fam.type)
    assert fam.documentation, fam.name
    for s in fam.samples:
        out.append([s.name, s.labels, s.value])
print(json.dumps(out))
"#;
    let mut child = Process::new(tool("VAULTSEC_PYTHON"))
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python runs");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "prometheus_client cannot parse it: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn sample<'a>(
    samples: &'a [(String, BTreeMap<String, String>, f64)],
    name: &str,
    labels: &[(&str, &str)],
) -> Vec<&'a (String, BTreeMap<String, String>, f64)> {
    samples
        .iter()
        .filter(|(n, l, _)| {
            n == name
                && labels
                    .iter()
                    .all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v))
        })
        .collect()
}

#[test]
fn prometheus_textfile_parses_and_carries_findings_counts_time_and_completeness() {
    let text = prometheus_text(&["--profile", "strict"], 1);
    promtool_check(&text);
    let samples = parse_exposition(&text);
    let one = |name: &str, labels: &[(&str, &str)]| {
        let found = sample(&samples, name, labels);
        assert_eq!(found.len(), 1, "{name} {labels:?}: {found:?}");
        found[0].2
    };
    assert_eq!(
        one(
            "vaultsec_finding",
            &[
                ("rule", "tls.listener-disabled"),
                ("subject", "listener 10.0.0.5:8200"),
                ("status", "fail"),
                ("severity", "critical"),
                ("area", "tls"),
            ]
        ),
        1.0
    );
    assert_eq!(
        one(
            "vaultsec_info",
            &[("host", "node-a"), ("profile", "strict")]
        ),
        1.0
    );
    assert_eq!(one("vaultsec_scan_timestamp_seconds", &[]), NOW_UNIX as f64);
    assert!(one("vaultsec_scan_duration_seconds", &[]) >= 0.0);
    assert_eq!(one("vaultsec_scan_complete", &[]), 1.0);
    // Counts agree with the per-finding series; every status and severity is present.
    let per_finding = sample(&samples, "vaultsec_finding", &[]);
    for status in ["pass", "fail", "skip", "error", "waived", "manual"] {
        let n: f64 = per_finding
            .iter()
            .filter(|(_, l, _)| l["status"] == status)
            .map(|s| s.2)
            .sum();
        assert_eq!(
            one("vaultsec_findings", &[("status", status)]),
            n,
            "{status}"
        );
        let by_sev: f64 = sample(
            &samples,
            "vaultsec_findings_by_severity",
            &[("status", status)],
        )
        .iter()
        .map(|s| s.2)
        .sum();
        assert_eq!(by_sev, n, "{status} by severity");
    }
    assert_eq!(
        sample(&samples, "vaultsec_findings_by_severity", &[]).len(),
        30
    );
    assert!(one("vaultsec_findings", &[("status", "fail")]) >= 1.0);
    // No baseline: no drift series rather than a false 0.
    assert!(sample(&samples, "vaultsec_new_failures", &[]).is_empty());

    // An incomplete scan says so.
    let text = prometheus_text(&["--rules", ERROR_RULES, "--fail-on", "never"], 3);
    promtool_check(&text);
    let samples = parse_exposition(&text);
    assert_eq!(sample(&samples, "vaultsec_scan_complete", &[])[0].2, 0.0);
    assert_eq!(
        sample(&samples, "vaultsec_findings", &[("status", "error")])[0].2,
        1.0
    );
}

#[test]
fn prometheus_label_values_are_escaped_and_read_back_intact() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("vault.hcl");
    // A listener address with a quote, a backslash and markup: it ends up in the subject label.
    fs::write(
        &cfg,
        "listener \"tcp\" {\n  address = \"10.0.0.7:8200 \\\"q\\\" \\\\ <x>\"\n  tls_disable = true\n}\nstorage \"raft\" {\n  path = \"/v\"\n  node_id = \"n1\"\n}\n",
    )
    .unwrap();
    let root = node_root("node-a");
    let out = scan_node(root.path(), cfg.to_str().unwrap())
        .args([
            "--select",
            "tls.listener-disabled",
            "--format",
            "prometheus",
        ])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains(r#"subject="listener 10.0.0.7:8200 \"q\" \\ <x>""#),
        "{text}"
    );
    promtool_check(&text);
    let samples = parse_exposition(&text);
    let found = sample(
        &samples,
        "vaultsec_finding",
        &[
            ("subject", r#"listener 10.0.0.7:8200 "q" \ <x>"#),
            ("status", "fail"),
        ],
    );
    assert_eq!(found.len(), 1, "{samples:?}");
}

#[test]
fn prometheus_snapshot_of_a_fixed_scan() {
    let text = prometheus_text(
        &[
            "--select",
            "tls.listener-disabled,config.,ops.offboarding",
            "--rules",
            ERROR_RULES,
            "--select",
            "custom.",
        ],
        1,
    );
    insta::with_settings!({filters => vec![(r"(?m)^vaultsec_scan_duration_seconds [0-9.e-]+$", "vaultsec_scan_duration_seconds [duration]")]}, {
        insta::assert_snapshot!("prometheus_fixed_scan", text);
    });
}

/// An HTML report with everything in it: failures with markup in them, a waiver (applied,
/// expired, unmatched), a baseline (new and resolved), an error.
fn rich_html(dir: &Path) -> (String, serde_json::Value) {
    let root = node_root("node-a");
    let cfg = dir.join("vault.hcl");
    let listener = |addr: &str| {
        format!("listener \"tcp\" {{\n  address = \"{addr}\"\n  tls_disable = true\n}}\nstorage \"raft\" {{\n  path = \"/v\"\n  node_id = \"n1\"\n}}\n")
    };
    fs::write(&cfg, listener("10.0.0.5:8200")).unwrap();
    let baseline = dir.join("baseline.json");
    scan_node(root.path(), cfg.to_str().unwrap())
        .args(["--fail-on", "never", "--format", "json", "-o"])
        .arg(&baseline)
        .assert()
        .code(0);
    // The listener changes: the old failure is resolved, the new one (with markup) is new.
    fs::write(&cfg, listener("<script>alert(1)</script>:8200")).unwrap();
    let waivers = dir.join("waivers.toml");
    fs::write(
        &waivers,
        r#"[[waiver]]
rule    = "config.ui-enabled"
reason  = "the UI is behind SSO <b>really</b>"
owner   = "platform & security"
expires = 2027-01-31

[[waiver]]
rule    = "memory.mlock-disabled"
reason  = "old"
owner   = "nobody"
expires = 2026-01-01

[[waiver]]
rule    = "config.log-level-verbose"
reason  = "stale"
owner   = "ops"
expires = 2027-01-31
"#,
    )
    .unwrap();
    let html = dir.join("report.html");
    let json = dir.join("report.json");
    fs::write(dir.join("ui.hcl"), "ui = true\n").unwrap();
    scan_node(root.path(), cfg.to_str().unwrap())
        .arg("-c")
        .arg(dir.join("ui.hcl"))
        .args([
            "--profile",
            "strict",
            "--rules",
            ERROR_RULES,
            "--fail-on",
            "never",
        ])
        .arg("--waivers")
        .arg(&waivers)
        .arg("--baseline")
        .arg(&baseline)
        .args(["--format", "html", "-o"])
        .arg(&html)
        .args(["--format", "json", "-o"])
        .arg(&json)
        .assert()
        .code(3);
    (
        fs::read_to_string(&html).unwrap(),
        serde_json::from_slice(&fs::read(&json).unwrap()).unwrap(),
    )
}

#[test]
fn html_is_self_contained_escaped_and_complete() {
    let dir = tempfile::tempdir().unwrap();
    let (html, report) = rich_html(dir.path());
    // Self-contained: nothing is fetched, nothing runs.
    for banned in ["<script", "<link", "src=", "@import", "url("] {
        assert!(!html.contains(banned), "the report contains {banned:?}");
    }
    // Escaped: the markup from the config and the waiver file is text.
    assert!(html.contains("listener &lt;script&gt;alert(1)&lt;/script&gt;:8200"));
    assert!(html.contains("the UI is behind SSO &lt;b&gt;really&lt;/b&gt;"));
    assert!(html.contains("platform &amp; security"));
    // Where and when.
    assert!(html.contains("node-a") && html.contains(NOW));
    // Drift and waivers, as the JSON has them.
    assert_eq!(report["waivers_expired"].as_array().unwrap().len(), 1);
    assert_eq!(report["waivers_unmatched"].as_array().unwrap().len(), 1);
    assert_eq!(report["resolved"].as_array().unwrap().len(), 1);
    assert_eq!(report["summary"]["waived"], 1);
    for section in [
        "id=\"drift\"",
        "id=\"waivers\"",
        "class=\"resolved\"",
        "class=\"expired\"",
        "class=\"unmatched\"",
        "class=\"applied\"",
        "print-color-adjust",
        "@media print",
    ] {
        assert!(html.contains(section), "missing {section}");
    }
}

/// Runs Debian's chromium headless on the page; returns its serialized DOM.
pub(crate) fn chromium(args: &[&str], page: &Path, profile: &Path) -> std::process::Output {
    Process::new(tool("VAULTSEC_CHROMIUM"))
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs (scripts/test-tools.sh installs it)")
}

#[test]
fn html_renders_in_headless_chromium_with_every_finding() {
    let dir = tempfile::tempdir().unwrap();
    let (_, report) = rich_html(dir.path());
    let page = dir.path().join("report.html");
    let dom = chromium(&["--dump-dom"], &page, &dir.path().join("profile-dom"));
    assert!(
        dom.status.success(),
        "chromium --dump-dom failed: {}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8_lossy(&dom.stdout).into_owned();
    // Every finding is an element of the rendered DOM with its rule and status.
    let findings = report["findings"].as_array().unwrap();
    assert!(findings.len() > 30);
    for f in findings {
        let needle = format!(
            "data-rule=\"{}\" data-status=\"{}\"",
            f["rule"].as_str().unwrap(),
            f["status"].as_str().unwrap()
        );
        assert!(dom.contains(&needle), "not in the DOM: {needle}");
    }
    assert_eq!(
        dom.matches("<article class=\"finding").count(),
        findings.len()
    );
    // The config's markup stayed text: the DOM has no script element.
    assert!(!dom.contains("<script"), "a <script> element was created");
    assert!(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    for status in ["FAIL", "PASS", "SKIP", "ERROR", "WAIVED", "MANUAL", "NEW"] {
        assert!(dom.contains(&format!(">{status}</span>")), "{status}");
    }

    let png = dir.path().join("report.png");
    let shot = chromium(
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=1280,2000",
        ],
        &page,
        &dir.path().join("profile-shot"),
    );
    assert!(
        shot.status.success(),
        "chromium --screenshot failed: {}",
        String::from_utf8_lossy(&shot.stderr)
    );
    let bytes = fs::read(&png).expect("chromium wrote the screenshot");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!((width, height), (1280, 2000));
    // A blank page compresses to a few kilobytes; a rendered report is far larger.
    assert!(
        bytes.len() > 60_000,
        "the screenshot is nearly empty ({} bytes)",
        bytes.len()
    );
    // Kept for a person to look at when VAULTSEC_KEEP_SCREENSHOT names a path.
    if let Some(keep) = std::env::var_os("VAULTSEC_KEEP_SCREENSHOT") {
        fs::copy(&png, keep).unwrap();
    }
}

#[test]
fn every_format_says_where_and_when_the_scan_ran() {
    for format in ["table", "json", "sarif", "junit", "html", "prometheus"] {
        let root = node_root("node-zeta");
        let out = scan_node(root.path(), FAIL)
            .args(["--fail-on", "never", "--format", format])
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("node-zeta"), "{format}: no host name");
        let when = if format == "prometheus" {
            NOW_UNIX.to_string()
        } else {
            "2026-11-23T00:00:00".to_string()
        };
        assert!(text.contains(&when), "{format}: no scan time");
    }
}

#[test]
fn output_files_appear_whole_or_not_at_all() {
    let root = node_root("node-a");
    let dir = tempfile::tempdir().unwrap();
    let formats = [
        ("json", "r.json"),
        ("html", "r.html"),
        ("junit", "r.xml"),
        ("prometheus", "r.prom"),
        ("sarif", "r.sarif"),
    ];
    let mut cmd = scan_node(root.path(), FAIL);
    cmd.args(["--fail-on", "never", "-q"]);
    for (f, name) in formats {
        cmd.args(["--format", f, "-o"]).arg(dir.path().join(name));
    }
    cmd.assert().code(0).stdout("").stderr("");
    // Only the final files: no temporary file is left beside them.
    let mut names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut want: Vec<&str> = formats.iter().map(|(_, n)| *n).collect();
    want.sort();
    assert_eq!(names, want);
    // Readable by others (node_exporter, a web server).
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(dir.path().join("r.prom"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o044, 0o044, "mode {mode:o}");

    // A directory that cannot take the file: exit 2, a clear error, nothing written.
    let blocker = dir.path().join("not-a-dir");
    fs::write(&blocker, "a file").unwrap();
    scan_node(root.path(), FAIL)
        .args(["--fail-on", "never", "--format", "json", "-o"])
        .arg(blocker.join("r.json"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(format!(
            "cannot write {}",
            blocker.join("r.json").display()
        )));
    scan_node(root.path(), FAIL)
        .args(["--fail-on", "never", "--format", "json", "-o"])
        .arg(dir.path().join("missing/r.json"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("cannot write"));
    // The rename itself fails (the target is a directory): the temp file is removed.
    let target = dir.path().join("target.json");
    fs::create_dir(&target).unwrap();
    scan_node(root.path(), FAIL)
        .args(["--fail-on", "never", "--format", "json", "-o"])
        .arg(&target)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("cannot write"));
    let leftovers: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".vaultsec-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert!(fs::read_dir(&target).unwrap().next().is_none());
}

#[test]
fn quiet_prints_nothing_but_errors() {
    let root = node_root("node-a");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.json");
    // Without -q, a run that writes only files says how it went on stderr.
    scan_node(root.path(), FAIL)
        .args(["--format", "json", "-o"])
        .arg(&out)
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicates::str::is_match(r"vaultsec: \d+ pass, \d+ fail").unwrap());
    scan_node(root.path(), FAIL)
        .args(["-q", "--format", "json", "-o"])
        .arg(&out)
        .assert()
        .code(1)
        .stdout("")
        .stderr("");
    // A report for standard output still goes there.
    scan_node(root.path(), FAIL)
        .args(["-q", "--format", "json"])
        .assert()
        .code(1)
        .stdout(predicates::str::contains("\"schema_version\": 1"))
        .stderr("");
    // Errors still do.
    vaultsec()
        .args(["scan", "-q", "--no-host", "--no-api", "-c", "nope.hcl"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("nope.hcl"));
}
