//! Every config rule has a passing and a failing fixture under `fixtures/config/<rule>/`;
//! the findings are pinned as JSON snapshots (ruff style: one fixture, one snapshot per rule).

use crate::common::{repo, scan_config};
use vaultsec::model::{Source, Status};
use vaultsec::rules::RuleSet;

fn fixture(rule: &str, kind: &str) -> Option<String> {
    [
        format!("fixtures/config/{rule}/{kind}.hcl"),
        format!("fixtures/config/{rule}/{kind}.json"),
        format!("fixtures/config/{rule}/{kind}"),
    ]
    .into_iter()
    .find(|candidate| repo(candidate).exists())
}

#[test]
fn every_config_rule_passes_and_fails_its_fixtures() {
    let rules = RuleSet::builtin().expect("built-in rules load");
    let config_rules: Vec<_> = rules
        .rules
        .iter()
        .filter(|r| !r.manual && r.sources == [Source::Config])
        .collect();
    assert!(
        config_rules.len() >= 26,
        "expected every config rule of the catalogue, got {}",
        config_rules.len()
    );
    let mut missing = Vec::new();
    for rule in config_rules {
        for kind in ["pass", "fail"] {
            let Some(path) = fixture(&rule.id, kind) else {
                missing.push(format!("{}/{kind}", rule.id));
                continue;
            };
            let findings = scan_config(&rule.id, &path);
            assert!(!findings.is_empty(), "{path}: no finding for {}", rule.id);
            assert!(findings.iter().all(|f| f.rule == rule.id));
            match kind {
                "fail" => assert!(
                    findings.iter().any(|f| f.status == Status::Fail),
                    "{path}: expected a failure of {}, got {:#?}",
                    rule.id,
                    findings
                ),
                _ => assert!(
                    findings.iter().all(|f| f.status == Status::Pass),
                    "{path}: expected only passes of {}, got {:#?}",
                    rule.id,
                    findings
                ),
            }
            insta::assert_json_snapshot!(format!("{}__{kind}", rule.id), findings);
        }
    }
    assert!(missing.is_empty(), "rules without fixtures: {missing:?}");
}

#[test]
fn failing_config_findings_point_at_the_offending_line() {
    // tls_disable is on line 3 of the failing fixture.
    let findings = scan_config(
        "tls.listener-disabled",
        "fixtures/config/tls.listener-disabled/fail.hcl",
    );
    let loc = findings[0].location.as_ref().expect("a location");
    assert_eq!(
        (loc.file.as_str(), loc.line, loc.column),
        ("fixtures/config/tls.listener-disabled/fail.hcl", 3, 3)
    );
}

#[test]
fn manual_practices_are_listed_and_never_pass() {
    let rules = RuleSet::builtin().expect("built-in rules load");
    let manual: Vec<&str> = rules
        .rules
        .iter()
        .filter(|r| r.manual)
        .map(|r| r.id.as_str())
        .collect();
    for id in [
        "ops.siem-shipping",
        "ops.snapshot-restore-tested",
        "ops.offboarding",
        "ops.firewall-review",
        "ops.upgrade-cadence",
    ] {
        assert!(manual.contains(&id), "{id} missing");
        let findings = scan_config(id, "fixtures/config/storage.inmem/pass.hcl");
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].status, Status::Manual);
    }
}

/// memory.mlock-disabled never calls mlock "on" for a config OpenBao refuses
/// (`disable_mlock = false`): on a config that shows OpenBao the rule does not apply, and with
/// the product unknown it says what OpenBao would do.
#[test]
fn mlock_rule_does_not_call_mlock_on_for_a_config_openbao_refuses() {
    let openbao = scan_config(
        "memory.mlock-disabled",
        "fixtures/config/config.product-incompatible/fail.hcl",
    );
    assert_eq!(openbao.len(), 1);
    assert_eq!(openbao[0].status, Status::Skip, "{:?}", openbao[0].message);
    assert!(
        openbao[0].message.contains("openbao"),
        "{}",
        openbao[0].message
    );

    let dir = tempfile::tempdir().unwrap();
    let unknown = dir.path().join("vault.hcl");
    std::fs::write(
        &unknown,
        "disable_mlock = false\nstorage \"raft\" {\n  path = \"/srv/data\"\n}\n",
    )
    .unwrap();
    let findings = scan_config("memory.mlock-disabled", unknown.to_str().unwrap());
    assert_eq!(findings.len(), 1);
    let message = &findings[0].message;
    assert_ne!(message, "mlock is on");
    assert!(
        message.contains("OpenBao would refuse to start") && message.contains("--product"),
        "{message}"
    );
}
