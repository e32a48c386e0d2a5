//! SARIF: valid against the vendored OASIS 2.1.0 schema, with what GitHub code scanning needs.

use crate::common::{repo, vaultsec, NOW};

fn sarif_of(config: &str) -> serde_json::Value {
    let assert = vaultsec()
        .args([
            "scan",
            "--no-host",
            "--no-api",
            "--now",
            NOW,
            "--profile",
            "strict",
            "--format",
            "sarif",
            "--fail-on",
            "never",
            "-c",
            config,
        ])
        .assert()
        .code(0);
    serde_json::from_slice(&assert.get_output().stdout).expect("SARIF is JSON")
}

#[test]
fn sarif_validates_against_the_oasis_schema_and_carries_github_fields() {
    let schema: serde_json::Value = serde_json::from_slice(
        &std::fs::read(repo("fixtures/schemas/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .build(&schema)
        .expect("the schema compiles");
    for config in [
        "fixtures/config/tls.listener-disabled/fail.hcl",
        "fixtures/config/seal.inline-credentials/fail.hcl",
        "fixtures/config/config.merge-conflict/fail",
        "fixtures/config/storage.inmem/pass.hcl",
    ] {
        let sarif = sarif_of(config);
        let errors: Vec<String> = validator
            .iter_errors(&sarif)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{config}: {errors:#?}");

        let run = &sarif["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert!(rules.len() >= 31);
        for r in rules {
            assert!(
                r["help"]["text"].as_str().is_some_and(|t| !t.is_empty()),
                "{r}"
            );
            assert!(r["shortDescription"]["text"].is_string());
            let sev: f64 = r["properties"]["security-severity"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((0.0..=10.0).contains(&sev));
            assert!(r["properties"]["tags"]
                .as_array()
                .unwrap()
                .contains(&serde_json::json!("security")));
        }
        for result in run["results"].as_array().unwrap() {
            let rule_id = result["ruleId"].as_str().unwrap();
            let index = result["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index]["id"], rule_id);
            assert!(result["partialFingerprints"]
                .as_object()
                .is_some_and(|m| !m.is_empty()));
            if let Some(loc) = result["locations"].as_array().and_then(|l| l.first()) {
                let uri = loc["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap();
                assert!(
                    uri.starts_with("fixtures/"),
                    "repository-relative URI: {uri}"
                );
                assert!(
                    loc["physicalLocation"]["region"]["startLine"]
                        .as_u64()
                        .unwrap()
                        >= 1
                );
            }
        }
    }
}

#[test]
fn sarif_points_at_the_offending_key_and_fingerprints_are_stable() {
    let a = sarif_of("fixtures/config/tls.listener-disabled/fail.hcl");
    let b = sarif_of("fixtures/config/tls.listener-disabled/fail.hcl");
    let result = a["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "tls.listener-disabled")
        .unwrap();
    assert_eq!(result["level"], "error");
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 3);
    assert_eq!(a["runs"][0]["results"], b["runs"][0]["results"]);
}
