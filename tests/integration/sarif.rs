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

/// Every config fixture (`fixtures/config/<rule>/{pass,fail}.*`).
fn config_fixtures() -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for dir in std::fs::read_dir(repo("fixtures/config")).unwrap() {
        let dir = dir.unwrap().path();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            let name = path.file_name().and_then(|s| s.to_str()).unwrap_or("");
            if (stem == "pass" || stem == "fail" || name == "pass" || name == "fail")
                && !name.ends_with(".snap")
            {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Runs Microsoft's SARIF Multitool (`validate --rule-kind "Gh;Sarif"`, what GitHub code
/// scanning needs) over every `.sarif` file of `dir`, and returns its errors and warnings as
/// `file: rule: message` lines.
fn multitool_complaints(dir: &std::path::Path) -> Vec<String> {
    let out_file = dir.join("validation.sarif.json");
    let files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sarif"))
        .collect();
    assert!(!files.is_empty());
    let run = std::process::Command::new(crate::common::tool("VAULTSEC_SARIF_MULTITOOL"))
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .args([
            "validate",
            "--rule-kind",
            "Gh;Sarif",
            "--log",
            "ForceOverwrite",
            "-o",
        ])
        .arg(&out_file)
        .args(&files)
        .output()
        .expect("the SARIF Multitool runs (scripts/test-tools.sh installs it)");
    assert!(
        run.status.success(),
        "Multitool failed: {}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let log: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out_file).expect("the Multitool's log")).unwrap();
    let results = log["runs"][0]["results"]
        .as_array()
        .expect("the Multitool's log has results");
    results
        .iter()
        // SARIF's default level is warning; notes are advice (snippets, message ids...).
        .filter(|r| matches!(r["level"].as_str(), None | Some("error") | Some("warning")))
        .map(|r| {
            format!(
                "{}: {} {}",
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                r["ruleId"].as_str().unwrap_or("?"),
                r["message"]["arguments"]
            )
        })
        .collect()
}

#[test]
fn sarif_of_every_config_fixture_passes_the_multitool_for_github() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = config_fixtures();
    assert!(fixtures.len() >= 50, "{} fixtures", fixtures.len());
    let mut with_results = 0;
    for (i, config) in fixtures.iter().enumerate() {
        let sarif = sarif_of(config.to_str().unwrap());
        let results = sarif["runs"][0]["results"].as_array().unwrap();
        with_results += usize::from(!results.is_empty());
        for r in results {
            assert!(
                r["locations"][0]["physicalLocation"]["region"]["startLine"].is_u64(),
                "{}: a result without a location: {r}",
                config.display()
            );
            // The message is the finding, never the rule's title (the state wanted).
            let rule = r["ruleIndex"].as_u64().unwrap() as usize;
            let title = sarif["runs"][0]["tool"]["driver"]["rules"][rule]["shortDescription"]
                ["text"]
                .as_str()
                .unwrap();
            let text = r["message"]["text"].as_str().unwrap();
            assert!(!text.starts_with(title), "{}: {text}", config.display());
        }
        std::fs::write(
            dir.path().join(format!("{i:03}.sarif")),
            serde_json::to_vec_pretty(&sarif).unwrap(),
        )
        .unwrap();
    }
    assert!(with_results > 20, "the fixtures' failures make results");
    let complaints = multitool_complaints(dir.path());
    assert!(
        complaints.is_empty(),
        "{} complaints:\n{}",
        complaints.len(),
        complaints.join("\n")
    );
}

#[test]
fn sarif_of_every_corpus_config_passes_the_multitool_for_github() {
    let Some(corpus) = crate::common::corpus_dir() else {
        panic!("../shared/corpus is not beside this checkout");
    };
    let dir = tempfile::tempdir().unwrap();
    let mut configs = Vec::new();
    for sub in ["configs", "more-configs/configs"] {
        let sub = corpus.join(sub);
        for entry in std::fs::read_dir(&sub).unwrap() {
            configs.push((sub.clone(), entry.unwrap().file_name()));
        }
    }
    // Two scanners at a time (the machine has two cores).
    let scanned = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for half in configs.chunks(configs.len().div_ceil(2)) {
            let (dir, scanned) = (dir.path(), &scanned);
            s.spawn(move || {
                for (sub, name) in half {
                    // As in CI: run in the checkout, the config named relative to it.
                    let out = vaultsec()
                        .current_dir(sub)
                        .args(["scan", "--no-host", "--no-api", "--now", NOW])
                        .args(["--profile", "strict", "--format", "sarif"])
                        .args(["--fail-on", "never", "-c"])
                        .arg(name)
                        .output()
                        .unwrap();
                    // Configs OpenBao refuses are input errors (exit 2), with no report.
                    if out.status.code() != Some(0) {
                        continue;
                    }
                    let n = scanned.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    std::fs::write(dir.join(format!("{n:03}.sarif")), &out.stdout).unwrap();
                }
            });
        }
    });
    let scanned = scanned.into_inner();
    assert!(scanned >= 100, "{scanned} corpus configs scanned");
    let complaints = multitool_complaints(dir.path());
    assert!(
        complaints.is_empty(),
        "{} complaints:\n{}",
        complaints.len(),
        complaints.join("\n")
    );
}
