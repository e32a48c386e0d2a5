//! The shared corpus of real configs: every file that OpenBao's own
//! `bao operator validate-config` accepts must scan; the others must be a clear input error.

use crate::common::{bao, corpus_dir, vaultsec};
use vaultsec::engine::{self, Settings};
use vaultsec::facts::config::{self, ConfigPath};
use vaultsec::model::{Finding, Profile, Status};
use vaultsec::rules::RuleSet;
use vaultsec::scan::{Product, SourceOptions};

fn load(path: &std::path::Path) -> Result<config::ConfigFacts, config::ConfigError> {
    config::load(&[ConfigPath {
        read: path.to_path_buf(),
        display: path.display().to_string(),
        root: None,
    }])
}

#[test]
fn corpus_configs_scan_exactly_when_openbao_accepts_them() {
    let Some(dir) = corpus_dir() else {
        eprintln!("NOT RUN: ../shared/corpus is not beside this checkout");
        return;
    };
    let bao = bao();
    let mut checked = 0;
    let mut accepted = 0;
    for entry in std::fs::read_dir(dir.join("configs")).expect("corpus configs") {
        let path = entry.expect("dir entry").path();
        let out = std::process::Command::new(&bao)
            .arg("operator")
            .arg("validate-config")
            .arg(format!("-config={}", path.display()))
            .output()
            .expect("run bao operator validate-config");
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        // validate-config exits non-zero on mere warnings; a rejection prints "failure".
        let bao_accepts = !text.contains("failure");
        let ours = load(&path);
        checked += 1;
        if bao_accepts {
            accepted += 1;
            if let Err(e) = &ours {
                panic!("OpenBao accepts {} but vaultsec says: {e}", path.display());
            }
            // The whole config-only scan runs without input errors or rule errors.
            let assert = vaultsec()
                .args([
                    "scan",
                    "--no-host",
                    "--no-api",
                    "--profile",
                    "strict",
                    "--format",
                    "json",
                    "--fail-on",
                    "never",
                    "-c",
                ])
                .arg(&path)
                .assert();
            let output = assert.get_output();
            assert_eq!(
                output.status.code(),
                Some(0),
                "{}: {}",
                path.display(),
                String::from_utf8_lossy(&output.stderr)
            );
            let report: serde_json::Value =
                serde_json::from_slice(&output.stdout).expect("JSON report");
            let errors: Vec<&serde_json::Value> = report["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["status"] == "error")
                .collect();
            assert!(
                errors.is_empty(),
                "{}: rules could not be evaluated: {errors:#?}",
                path.display()
            );
        } else {
            match ours {
                Ok(_) => panic!(
                    "OpenBao rejects {} but vaultsec accepted it",
                    path.display()
                ),
                Err(e) => {
                    let msg = e.to_string();
                    let shown = path.display().to_string();
                    assert!(msg.starts_with(&format!("{shown}:")), "{msg}");
                    let rest = &msg[shown.len() + 1..];
                    let mut parts = rest.splitn(3, ':');
                    let line: u32 = parts
                        .next()
                        .and_then(|l| l.parse().ok())
                        .unwrap_or_else(|| panic!("no line in {msg}"));
                    let col: u32 = parts
                        .next()
                        .and_then(|c| c.parse().ok())
                        .unwrap_or_else(|| panic!("no column in {msg}"));
                    assert!(line >= 1 && col >= 1, "{msg}");
                }
            }
        }
    }
    assert_eq!(checked, 64, "the corpus has 64 configs");
    assert_eq!(
        accepted, 58,
        "OpenBao 2.7.2 accepts 58 of the 64 corpus configs"
    );
}

fn corpus_config(name: &str) -> Option<serde_json::Value> {
    let dir = corpus_dir()?;
    Some(
        load(&dir.join("configs").join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .doc,
    )
}

#[test]
fn corpus_semantics_match_vault() {
    let Some(seals) =
        corpus_config("openbao__openbao__internal_command_server_test-fixtures_config_seals.hcl")
    else {
        eprintln!("NOT RUN: ../shared/corpus is not beside this checkout");
        return;
    };
    // Two seal "pkcs11" blocks with the same label are two seals, each with its own PIN.
    let list = seals["seals"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert!(list.iter().all(|s| s["type"] == "pkcs11"
        && s["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["key"] == "pin")));
    assert_eq!(list[1]["disabled"], true);
    assert_eq!(
        list[0]["raw"]["mechanism"], "0x1082",
        "a quoted hex stays a string"
    );
    assert_eq!(
        list[1]["raw"]["mechanism"], 0x1082,
        "an unquoted hex number decodes as HCL1 does"
    );

    let multi = corpus_config("openbao__openbao__internal_command_server_test-fixtures_config_custom_response_headers_multiple_listeners.hcl").unwrap();
    assert_eq!(multi["listeners"].as_array().unwrap().len(), 4);

    // Weak booleans: "1" string, "false" string, 0 number.
    let raft1 = corpus_config("nhsy-hcp__docker-vault-raft__volumes_vault_raft1.hcl").unwrap();
    assert_eq!(raft1["listeners"][0]["tls_disable"], true);
    assert_eq!(
        raft1["listeners"][0]["unauthenticated_metrics_access"],
        true
    );
    let lie =
        corpus_config("liejuntao001__vault-mutual-auto-unseal__vault_config_vault.json").unwrap();
    assert_eq!(lie["listeners"][0]["tls_disable"], false);
    let san = corpus_config("SanjayaKumarSahoo__consul-in-tls__vault_config_vault.json").unwrap();
    assert_eq!(san["listeners"][0]["tls_disable"], false);
    assert_eq!(
        san["storage"]["type"], "file",
        "the legacy backend key becomes storage"
    );

    // Quoted attribute names and CRLF files.
    let dq = corpus_config("deqode__dq-vault__setup_config.hcl").unwrap();
    assert_eq!(dq["disable_mlock"], true);
    assert!(dq["api_addr"].is_string());
    let crlf = corpus_config("FIR-UIII__VaultLearn__vault_PSQL_vault.hcl").unwrap();
    assert_eq!(crlf["storage"]["type"], "postgresql");
    assert!(crlf["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["kind"] == "password in URL"));

    // The JSON listener array form.
    let arr =
        corpus_config("openbao__openbao__internal_command_server_test-fixtures_config.hcl.json")
            .unwrap();
    assert!(!arr["listeners"].as_array().unwrap().is_empty());

    // Duplicate attributes are kept (last wins) and reported.
    let dup = corpus_config(
        "hashicorp__vault__command_server_test-fixtures_invalid_config_duplicate_key.hcl",
    )
    .unwrap();
    assert!(dup["duplicates"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["key"] == "address"));
}

/// Runs `bao operator validate-config` on one file: does OpenBao accept it?
fn bao_accepts(bao: &std::path::Path, path: &std::path::Path) -> (bool, String) {
    let out = std::process::Command::new(bao)
        .arg("operator")
        .arg("validate-config")
        .arg(format!("-config={}", path.display()))
        .output()
        .expect("run bao operator validate-config");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    // validate-config exits non-zero on mere warnings; a rejection prints "failure".
    (!text.contains("failure"), text)
}

/// Audit blocks in every form OpenBao's `parseAuditDevices` reads, each judged by the real
/// `bao operator validate-config`: where it accepts, vaultsec decodes the same type and path;
/// where it refuses, vaultsec gives an input error at a line and column.
#[test]
fn audit_blocks_are_read_as_openbao_reads_them() {
    let bao = bao();
    let dir = tempfile::tempdir().expect("temp dir");
    let hcl = |audit: &str| format!("storage \"inmem\" {{}}\n{audit}\n");
    let json = |audit: &str| format!("{{\"storage\": {{\"inmem\": {{}}}}, \"audit\": {audit}}}\n");
    // The (type, path) OpenBao reads, or None when it refuses the file.
    type Expected = Option<(&'static str, &'static str)>;
    let cases: Vec<(&str, String, Expected)> = vec![
        ("one-label-with-attributes.hcl", hcl("audit \"file\" {\n  type = \"file\"\n  path = \"file/\"\n  options = { file_path = \"/var/log/a.log\" }\n}"), Some(("file", "file/"))),
        ("unlabelled.hcl", hcl("audit {\n  type = \"file\"\n  path = \"audit-log/\"\n}"), Some(("file", "audit-log/"))),
        ("two-labels.hcl", hcl("audit \"file\" \"file/\" {}"), Some(("file", "file/"))),
        ("attribute-wins-over-label.hcl", hcl("audit \"file\" \"file/\" {\n  type = \"syslog\"\n}"), Some(("syslog", "file/"))),
        ("three-labels-with-attributes.hcl", hcl("audit \"a\" \"b\" \"c\" {\n  type = \"file\"\n  path = \"x/\"\n}"), Some(("file", "x/"))),
        ("attribute-case.hcl", hcl("audit {\n  TYPE = \"file\"\n  Path = \"x/\"\n}"), Some(("file", "x/"))),
        ("one-label-no-path.hcl", hcl("audit \"file\" {\n  type = \"file\"\n}"), None),
        ("one-label-no-type.hcl", hcl("audit \"file\" {\n  path = \"file/\"\n}"), None),
        ("one-label-empty.hcl", hcl("audit \"file\" {}"), None),
        ("unlabelled-empty.hcl", hcl("audit {}"), None),
        ("three-labels.hcl", hcl("audit \"a\" \"b\" \"c\" {}"), None),
        ("nested-block.hcl", hcl("audit \"file\" {\n  file \"x/\" {}\n}"), None),
        ("hcl-list.hcl", hcl("audit = [{ type = \"file\", path = \"x/\" }]"), None),
        ("local-number.hcl", hcl("audit \"file\" \"p/\" {\n  local = 1\n}"), None),
        ("json-list.json", json("[{\"type\": \"file\", \"path\": \"x/\", \"options\": {\"file_path\": \"/tmp/a\"}}]"), Some(("file", "x/"))),
        ("json-one-level.json", json("{\"file\": {\"type\": \"file\", \"path\": \"x/\"}}"), Some(("file", "x/"))),
        ("json-unlabelled.json", json("{\"type\": \"file\", \"path\": \"x/\"}"), Some(("file", "x/"))),
        ("json-list-of-labelled.json", json("[{\"file\": {\"path\": \"x/\", \"type\": \"file\"}}]"), Some(("file", "x/"))),
        ("json-one-level-no-type.json", json("{\"file\": {\"path\": \"x/\"}}"), None),
        ("json-flattened-too-deep.json", json("{\"file\": {\"x/\": {\"options\": {\"file_path\": \"/tmp/a\"}}}}"), None),
        ("json-empty-list.json", json("[]"), None),
        ("json-empty-object.json", json("{}"), None),
    ];
    for (name, text, want) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, &text).expect("write config");
        let (accepts, said) = bao_accepts(&bao, &path);
        assert_eq!(
            accepts,
            want.is_some(),
            "{name}: the table says OpenBao {} it; bao said: {said}",
            if want.is_some() { "accepts" } else { "refuses" }
        );
        match (load(&path), want) {
            (Ok(facts), Some((typ, audit_path))) => {
                let audits = facts.doc["audits"].as_array().expect("audits").clone();
                assert_eq!(audits.len(), 1, "{name}: {audits:?}");
                assert_eq!(
                    (audits[0]["type"].as_str(), audits[0]["path"].as_str()),
                    (Some(typ), Some(audit_path)),
                    "{name}"
                );
            }
            (Err(e), None) => {
                let msg = e.to_string();
                let rest = msg
                    .strip_prefix(&format!("{}:", path.display()))
                    .unwrap_or_else(|| panic!("{name}: {msg}"));
                let mut parts = rest.splitn(3, ':');
                assert!(
                    parts.next().is_some_and(|l| l.parse::<u32>().is_ok())
                        && parts.next().is_some_and(|c| c.parse::<u32>().is_ok()),
                    "{name}: no line and column in {msg}"
                );
            }
            (Ok(facts), None) => panic!(
                "{name}: OpenBao refuses it but vaultsec accepted it: {}",
                facts.doc["audits"]
            ),
            (Err(e), Some(_)) => panic!("{name}: OpenBao accepts it but vaultsec says: {e}"),
        }
    }
}

/// Every finding of a strict config-only scan of `path`, in-process, for `product`.
fn scan_as(path: &std::path::Path, product: Option<vaultsec::scan::Product>) -> Vec<Finding> {
    static RULES: std::sync::OnceLock<RuleSet> = std::sync::OnceLock::new();
    let rules = RULES.get_or_init(|| RuleSet::builtin().expect("built-in rules load"));
    let opts = SourceOptions {
        config_paths: vec![path.to_path_buf()],
        no_host: true,
        no_api: true,
        product,
        now: crate::common::now(),
        ..SourceOptions::default()
    };
    let facts =
        vaultsec::scan::collect(&opts).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let settings = Settings {
        profile: Profile::Strict,
        ..Settings::default()
    };
    engine::evaluate(rules, &facts, &settings)
}

fn fails(findings: &[Finding], rule: &str) -> Vec<String> {
    findings
        .iter()
        .filter(|f| f.rule == rule && f.status == Status::Fail)
        .map(|f| f.message.clone())
        .collect()
}

/// The 177 configs of `more-configs/`, each judged by the real `bao operator validate-config`
/// (which must still say what `oracle.tsv` recorded): vaultsec agrees on every one. What
/// OpenBao accepts scans without an error and is never called refused on OpenBao; what it
/// refuses is an input error at a line and column, or, when Vault accepts it (disable_mlock =
/// false, a wrongly typed OpenBao bool), a config.product-incompatible failure on OpenBao only.
#[test]
fn more_corpus_configs_agree_with_openbao_on_every_file() {
    let Some(dir) = corpus_dir() else {
        eprintln!("NOT RUN: ../shared/corpus is not beside this checkout");
        return;
    };
    let dir = dir.join("more-configs");
    let oracle = std::fs::read_to_string(dir.join("oracle.tsv")).expect("oracle.tsv");
    let verdicts: Vec<(String, bool)> = oracle
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut cols = l.split('\t');
            let file = cols.next().expect("file column").to_string();
            let verdict = cols.next().expect("verdict column");
            assert!(matches!(verdict, "accept" | "reject"), "{l}");
            (file, verdict == "accept")
        })
        .collect();
    let on_disk = std::fs::read_dir(dir.join("configs"))
        .expect("more-configs/configs")
        .count();
    assert_eq!(verdicts.len(), 177, "oracle.tsv lists 177 configs");
    assert_eq!(on_disk, verdicts.len(), "every config has a verdict");

    let bao = bao();
    let mut refused_by_openbao_only = Vec::new();
    let mut input_errors = 0;
    for (name, oracle_accepts) in &verdicts {
        let path = dir.join("configs").join(name);
        let (accepts, said) = bao_accepts(&bao, &path);
        assert_eq!(
            accepts, *oracle_accepts,
            "{name}: bao no longer says what oracle.tsv recorded: {said}"
        );
        match (load(&path), accepts) {
            (Ok(_), true) => {
                for product in [Some(Product::Openbao), Some(Product::Vault), None] {
                    let findings = scan_as(&path, product);
                    let errors: Vec<&Finding> = findings
                        .iter()
                        .filter(|f| f.status == Status::Error)
                        .collect();
                    assert!(errors.is_empty(), "{name}: rules in error: {errors:#?}");
                    let refused = fails(&findings, "config.product-incompatible");
                    assert!(
                        refused.is_empty(),
                        "{name}: OpenBao accepts it, yet vaultsec ({product:?}) says: {refused:?}"
                    );
                }
            }
            (Err(e), true) => panic!("OpenBao accepts {name} but vaultsec says: {e}"),
            (Err(e), false) => {
                let msg = e.to_string();
                let rest = msg
                    .strip_prefix(&format!("{}:", path.display()))
                    .unwrap_or_else(|| panic!("{name}: {msg}"));
                let mut parts = rest.splitn(3, ':');
                assert!(
                    parts
                        .next()
                        .is_some_and(|l| l.parse::<u32>().is_ok_and(|n| n >= 1))
                        && parts
                            .next()
                            .is_some_and(|c| c.parse::<u32>().is_ok_and(|n| n >= 1)),
                    "{name}: no line and column in {msg}"
                );
                input_errors += 1;
            }
            (Ok(_), false) => {
                // Vault accepts it: judged per product.
                let on_openbao = scan_as(&path, Some(Product::Openbao));
                let refused = fails(&on_openbao, "config.product-incompatible");
                assert!(
                    !refused.is_empty()
                        && refused
                            .iter()
                            .all(|m| m.contains("OpenBao would refuse to start")),
                    "{name}: OpenBao refuses it ({said}) but vaultsec on OpenBao says {refused:?}"
                );
                let on_vault = scan_as(&path, Some(Product::Vault));
                assert!(
                    fails(&on_vault, "config.product-incompatible").is_empty(),
                    "{name}: Vault accepts it"
                );
                let unknown = scan_as(&path, None);
                assert!(
                    unknown
                        .iter()
                        .any(|f| f.rule == "config.product-incompatible"
                            && f.status == Status::Skip
                            && f.message.contains("--product")),
                    "{name}: with the product unknown the rule skips and names --product"
                );
                refused_by_openbao_only.push(name.clone());
            }
        }
    }
    refused_by_openbao_only.sort();
    assert_eq!(
        refused_by_openbao_only,
        [
            "Astocanthus__low-layer-vault__vault_config_vault.hcl",
            "Jiostorm__vault-rnd__docker_config.hcl",
            "chuck-hilyard__docker-vault__0.X_config.json",
        ],
        "the three configs only OpenBao refuses (corpus README)"
    );
    assert_eq!(
        input_errors, 12,
        "the 12 others OpenBao refuses are input errors"
    );
}

/// A storage block's disable_clustering goes through Go's strconv.ParseBool on its text (not
/// the weak decoding of top-level bools): vaultsec refuses exactly what `bao` refuses.
#[test]
fn storage_disable_clustering_is_parsed_as_openbao_parses_it() {
    let bao = bao();
    let dir = tempfile::tempdir().expect("temp dir");
    for (value, accepted) in [
        ("\"yes\"", false),
        ("2", false),
        ("1.5", false),
        ("\"\"", false),
        ("1", true),
        ("1.0", true),
        ("\"T\"", true),
        ("true", true),
        ("\"false\"", true),
    ] {
        let path = dir.path().join("storage.hcl");
        std::fs::write(
            &path,
            format!("storage \"raft\" {{\n  path = \"/srv/raft\"\n  node_id = \"a\"\n  disable_clustering = {value}\n}}\n"),
        )
        .expect("write config");
        let (accepts, said) = bao_accepts(&bao, &path);
        assert_eq!(
            accepts, accepted,
            "disable_clustering = {value}: bao said {said}"
        );
        match load(&path) {
            Ok(_) => assert!(accepted, "disable_clustering = {value}: OpenBao refuses it"),
            Err(e) => {
                assert!(!accepted, "disable_clustering = {value}: {e}");
                assert!(e.to_string().contains(":4:3: "), "{e}");
            }
        }
    }
}
