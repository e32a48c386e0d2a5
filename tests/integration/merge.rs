//! `vaultsec merge`: several nodes' JSON reports into one fleet report, in every format.

use crate::common::{node_root, scan_node, vaultsec};
use predicates::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};

const NODES: [(&str, &str); 3] = [
    ("vault-1", "fixtures/config/tls.listener-disabled/fail.hcl"),
    ("vault-2", "fixtures/config/tls.listener-disabled/pass.hcl"),
    ("vault-3", "fixtures/config/config.ui-enabled/fail.hcl"),
];

/// Each node's JSON report, scanned from its fixture config.
fn node_reports(dir: &Path) -> Vec<PathBuf> {
    NODES
        .iter()
        .map(|(node, cfg)| {
            let root = node_root(node);
            let path = dir.join(format!("{node}.json"));
            scan_node(root.path(), cfg)
                .args(["--fail-on", "never", "--format", "json", "-o"])
                .arg(&path)
                .assert()
                .code(0);
            path
        })
        .collect()
}

fn read(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
}

#[test]
fn merge_combines_nodes_with_per_node_findings_and_summaries() {
    let dir = tempfile::tempdir().unwrap();
    let reports = node_reports(dir.path());
    let fleet = dir.path().join("fleet.json");
    vaultsec()
        .args(["merge", "--format", "json", "-o"])
        .arg(&fleet)
        .args(&reports)
        .assert()
        // vault-1 has a critical failure: the fleet fails the default gate.
        .code(1)
        .stderr(predicate::str::contains("vaultsec: 3 node(s):"));
    let fleet = read(&fleet);
    assert_eq!(fleet["schema_version"], 1);
    let nodes = fleet["nodes"].as_array().unwrap();
    let names: Vec<&str> = nodes.iter().map(|n| n["node"].as_str().unwrap()).collect();
    assert_eq!(names, ["vault-1", "vault-2", "vault-3"]);
    let mut total = 0;
    for (node, path) in nodes.iter().zip(&reports) {
        let input = read(path);
        assert_eq!(node["summary"], input["summary"]);
        assert_eq!(node["started_at"], input["started_at"]);
        let findings: Vec<&serde_json::Value> = fleet["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["node"] == node["node"])
            .collect();
        assert_eq!(findings.len(), input["findings"].as_array().unwrap().len());
        // The node's findings are its report's findings, with the node added.
        for (merged, orig) in findings.iter().zip(input["findings"].as_array().unwrap()) {
            let mut merged = (*merged).clone();
            merged.as_object_mut().unwrap().remove("node");
            assert_eq!(&merged, orig);
        }
        total += findings.len();
    }
    assert_eq!(fleet["findings"].as_array().unwrap().len(), total);
    let fails: u64 = nodes
        .iter()
        .map(|n| n["summary"]["fail"].as_u64().unwrap())
        .sum();
    assert_eq!(fleet["summary"]["fail"], fails);
    let failing_nodes: Vec<&str> = fleet["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "tls.listener-disabled" && f["status"] == "fail")
        .map(|f| f["node"].as_str().unwrap())
        .collect();
    assert_eq!(failing_nodes, ["vault-1"]);

    vaultsec()
        .args(["merge", "--fail-on", "never", "-q", "--format", "json"])
        .args(&reports)
        .assert()
        .code(0)
        .stderr("");
}

#[test]
fn merge_renders_every_format_with_the_nodes() {
    let dir = tempfile::tempdir().unwrap();
    let reports = node_reports(dir.path());
    for format in ["table", "json", "sarif", "junit", "html", "prometheus"] {
        let out = vaultsec()
            .args(["merge", "--fail-on", "never", "--format", format])
            .args(&reports)
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone();
        let text = String::from_utf8(out).unwrap();
        for (node, _) in NODES {
            assert!(text.contains(node), "{format}: {node} missing");
        }
        match format {
            "junit" => {
                let doc = roxmltree::Document::parse(&text).unwrap();
                let suites: Vec<&str> = doc
                    .descendants()
                    .filter(|n| n.has_tag_name("testsuite"))
                    .filter_map(|n| n.attribute("name"))
                    .collect();
                assert!(suites.contains(&"vault-1.tls") && suites.contains(&"vault-3.config"));
            }
            "prometheus" => {
                assert!(text
                    .contains("vaultsec_finding{node=\"vault-1\",rule=\"tls.listener-disabled\""));
                assert_eq!(text.matches("\nvaultsec_scan_complete{node=").count(), 3);
            }
            "html" => assert!(text.contains("<section id=\"nodes\">")),
            // The node, then the finding itself (not the rule's title).
            "sarif" => assert!(text.contains("\"vault-1: listener "), "{text}"),
            _ => {}
        }
    }
}

#[test]
fn merge_rejects_mixed_versions_duplicates_fleets_and_corrupt_reports() {
    let dir = tempfile::tempdir().unwrap();
    let reports = node_reports(dir.path());
    let v2 = dir.path().join("v2.json");
    let text = fs::read_to_string(&reports[1]).unwrap();
    fs::write(
        &v2,
        text.replacen("\"schema_version\": 1", "\"schema_version\": 2", 1),
    )
    .unwrap();
    vaultsec()
        .args(["merge"])
        .arg(&reports[0])
        .arg(&v2)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("mixed report schema versions"))
        .stderr(predicate::str::contains("schema_version 2 in"));
    vaultsec()
        .arg("merge")
        .arg(&v2)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "schema_version 2, but this vaultsec reads",
        ));

    vaultsec()
        .arg("merge")
        .arg(&reports[0])
        .arg(&reports[0])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "are both reports of node \"vault-1\"",
        ));

    let fleet = dir.path().join("fleet.json");
    vaultsec()
        .args(["merge", "--fail-on", "never", "-o"])
        .arg(&fleet)
        .args(&reports)
        .assert()
        .code(0);
    vaultsec()
        .arg("merge")
        .arg(&fleet)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already a fleet report"));
    let root = crate::common::node_root("vault-1");
    scan_node(root.path(), NODES[0].1)
        .arg("--baseline")
        .arg(&fleet)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("a fleet report (vaultsec merge)"));

    let truncated = dir.path().join("truncated.json");
    fs::write(&truncated, &text[..text.len() / 3]).unwrap();
    vaultsec()
        .arg("merge")
        .arg(&reports[0])
        .arg(&truncated)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("truncated.json:"))
        .stderr(predicate::str::contains("corrupt or truncated"));
    vaultsec().arg("merge").assert().code(2);
}
