//! The command line: exit codes and error messages for good and bad input (`cli.md`).

use crate::common::{vaultsec, NOW};
use predicates::prelude::*;
use std::fs;

fn scan_ci() -> assert_cmd::Command {
    let mut cmd = vaultsec();
    cmd.args(["scan", "--no-host", "--no-api", "--now", NOW]);
    cmd
}

#[test]
fn malformed_hcl_is_an_input_error_with_file_line_column() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("vault.hcl");
    fs::write(&f, "listener \"tcp\" {\n  address = \"127.0.0.1:8200\"\n").unwrap();
    scan_ci()
        .arg("-c")
        .arg(&f)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!("{}:", f.display())))
        .stderr(predicate::str::is_match(r"vault\.hcl:\d+:\d+: ").unwrap());
}

#[test]
fn jinja_template_is_an_input_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("vault.hcl");
    fs::write(
        &f,
        "{% for l in listeners %}\nlistener \"tcp\" {}\n{% endfor %}\n",
    )
    .unwrap();
    scan_ci()
        .arg("-c")
        .arg(&f)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("vault.hcl:1:"));
}

#[test]
fn unknown_flag_is_a_usage_error() {
    vaultsec()
        .args(["scan", "--no-such-flag"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--no-such-flag"));
}

#[test]
fn missing_and_empty_configs_are_input_errors() {
    let dir = tempfile::tempdir().unwrap();
    scan_ci()
        .arg("-c")
        .arg(dir.path().join("nope.hcl"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "nope.hcl: cannot read config: no such file or directory",
        ));
    let empty = dir.path().join("empty.hcl");
    fs::write(&empty, "").unwrap();
    scan_ci()
        .arg("-c")
        .arg(&empty)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("the configuration is empty"));
    let none = dir.path().join("conf.d");
    fs::create_dir(&none).unwrap();
    fs::write(none.join("README.txt"), "not a config").unwrap();
    scan_ci()
        .arg("-c")
        .arg(&none)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no *.hcl or *.json config file found",
        ));
}

#[test]
fn unreadable_config_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("vault.hcl");
    fs::write(&f, [0xff, 0xfe, 0x00, 0x41]).unwrap();
    scan_ci()
        .arg("-c")
        .arg(&f)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("vault.hcl:1:1:"));
}

#[test]
fn invalid_value_that_vault_rejects_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("vault.hcl");
    fs::write(&f, "listener \"tcp\" {\n  tls_disable = \"yes\"\n}\n").unwrap();
    scan_ci()
        .arg("-c")
        .arg(&f)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "vault.hcl:2:3: invalid value for tls_disable",
        ));
}

#[test]
fn exit_codes_follow_fail_on() {
    // tls_disable: a critical failure.
    let weak = "fixtures/config/tls.listener-disabled/fail.hcl";
    scan_ci()
        .args(["-c", weak, "--format", "json"])
        .assert()
        .code(1);
    scan_ci()
        .args(["-c", weak, "--format", "json", "--fail-on", "never"])
        .assert()
        .code(0);
    scan_ci()
        .args([
            "-c",
            weak,
            "--format",
            "json",
            "--select",
            "config.ui-enabled",
        ])
        .assert()
        .code(0);
    // Only a low-severity failure: passes the default gate (high), fails --fail-on low.
    let low = "fixtures/config/storage.not-integrated/fail.hcl";
    scan_ci()
        .args(["-c", low, "--select", "storage.not-integrated"])
        .assert()
        .code(0);
    scan_ci()
        .args([
            "-c",
            low,
            "--select",
            "storage.not-integrated",
            "--fail-on",
            "low",
        ])
        .assert()
        .code(1);
}

#[test]
fn a_check_that_cannot_be_evaluated_exits_3() {
    let rules = tempfile::tempdir().unwrap();
    fs::write(
        rules.path().join("broken.hcl"),
        r#"
rule "custom.needs-missing-fact" {
  title       = "reads a fact that is not there"
  severity    = "low"
  profile     = "baseline"
  sources     = ["config"]
  condition   = config.no_such_fact == 1
  message     = "m"
  rationale   = "r"
  remediation = "f"
}
"#,
    )
    .unwrap();
    scan_ci()
        .args([
            "-c",
            "fixtures/config/storage.inmem/pass.hcl",
            "--select",
            "custom.",
            "--format",
            "json",
            "--rules",
        ])
        .arg(rules.path())
        .assert()
        .code(3)
        .stdout(predicate::str::contains("\"status\": \"error\""));
}

#[test]
fn invalid_rule_file_is_an_input_error_naming_file_and_line() {
    let rules = tempfile::tempdir().unwrap();
    fs::write(
        rules.path().join("bad.hcl"),
        "rule \"custom.x\" {\n  title = \"t\"\n  severty = \"low\"\n}\n",
    )
    .unwrap();
    vaultsec()
        .args(["rules", "check"])
        .arg(rules.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.hcl:3: rule \"custom.x\": unknown attribute \"severty\" (did you mean \"severity\"?)"));
    scan_ci()
        .args(["-c", "fixtures/config/storage.inmem/pass.hcl", "--rules"])
        .arg(rules.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.hcl:3"));
}

#[test]
fn select_of_an_unknown_rule_is_an_error() {
    scan_ci()
        .args([
            "-c",
            "fixtures/config/storage.inmem/pass.hcl",
            "--select",
            "tls.no-such-rule",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("matches no rule"));
}

#[test]
fn set_overrides_a_parameter() {
    let f = "fixtures/config/config.lease-ttl/fail.hcl";
    scan_ci()
        .args(["-c", f, "--select", "config.lease-ttl", "--fail-on", "low"])
        .assert()
        .code(1);
    scan_ci()
        .args([
            "-c",
            f,
            "--select",
            "config.lease-ttl",
            "--fail-on",
            "low",
            "--set",
            "config.lease-ttl.max_hours=1000",
        ])
        .assert()
        .code(0);
    scan_ci()
        .args(["-c", f, "--set", "config.lease-ttl.nope=1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("has no parameter \"nope\""));
}

#[test]
fn several_reports_in_one_run_are_written_atomically() {
    let out = tempfile::tempdir().unwrap();
    let json = out.path().join("r.json");
    let sarif = out.path().join("r.sarif");
    scan_ci()
        .args([
            "-c",
            "fixtures/config/tls.min-version/fail.hcl",
            "--format",
            "json",
            "-o",
        ])
        .arg(&json)
        .args(["--format", "sarif", "-o"])
        .arg(&sarif)
        .assert()
        .code(1)
        .stdout(predicate::str::is_empty());
    let report: serde_json::Value = serde_json::from_slice(&fs::read(&json).unwrap()).unwrap();
    assert_eq!(report["schema_version"], 1);
    let sarif: serde_json::Value = serde_json::from_slice(&fs::read(&sarif).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    // No temporary file is left behind.
    let names: Vec<String> = fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn json_report_follows_the_contract() {
    let assert = scan_ci()
        .args([
            "-c",
            "fixtures/config/tls.listener-disabled/fail.hcl",
            "--format",
            "json",
        ])
        .assert()
        .code(1);
    let report: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    for key in [
        "schema_version",
        "tool",
        "started_at",
        "profile",
        "sources",
        "summary",
        "findings",
    ] {
        assert!(report.get(key).is_some(), "missing {key}");
    }
    assert_eq!(report["started_at"], NOW);
    assert_eq!(report["sources"]["config"], "available");
    assert!(report["sources"]["host"]
        .as_str()
        .unwrap()
        .starts_with("off"));
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "tls.listener-disabled")
        .unwrap();
    for key in [
        "rule",
        "status",
        "severity",
        "source",
        "title",
        "message",
        "subject",
        "location",
        "evidence",
        "remediation",
    ] {
        assert!(f.get(key).is_some(), "finding lacks {key}");
    }
    assert_eq!(f["status"], "fail");
    assert_eq!(f["evidence"]["tls_disable"], "true");
    // Certificate rules need the files: with --no-host they are skipped, with the reason.
    let summary = &report["summary"];
    let total: u64 = ["pass", "fail", "skip", "error", "waived", "manual"]
        .iter()
        .map(|k| summary[k].as_u64().unwrap())
        .sum();
    assert_eq!(total as usize, report["findings"].as_array().unwrap().len());
}

#[test]
fn table_is_grouped_and_has_a_summary_line() {
    scan_ci()
        .args(["-c", "fixtures/config/tls.listener-disabled/fail.hcl"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("Listener and TLS"))
        .stdout(predicate::str::contains("FAIL"))
        .stdout(
            predicate::str::is_match(
                r"\d+ pass · \d+ fail · \d+ skip · \d+ error · \d+ waived · \d+ manual",
            )
            .unwrap(),
        )
        // Not a terminal: no colour escapes.
        .stdout(predicate::str::contains("\u{1b}[").not());
}

#[test]
fn rules_list_explain_and_facts_work() {
    vaultsec()
        .args(["rules", "list", "--format", "json"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"tls.listener-disabled\""));
    vaultsec()
        .args(["rules", "explain", "config.lease-ttl"])
        .assert()
        .success()
        .stdout(predicate::str::contains("max_hours = 24"))
        .stdout(predicate::str::contains("How to fix"));
    vaultsec()
        .args(["rules", "explain", "tls.min-versoin"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean tls.min-version"));
    let assert = vaultsec()
        .args([
            "facts",
            "--no-host",
            "--no-api",
            "-c",
            "fixtures/config/tls.min-version/fail.hcl",
        ])
        .assert()
        .success();
    let facts: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    assert_eq!(facts["config"]["listeners"][0]["tls_min_version"], "tls10");
}

#[test]
fn audit_of_a_node_without_vault_exits_cleanly() {
    // An empty root: no config, no process, no unit. Every check is skipped with its reason.
    let root = tempfile::tempdir().unwrap();
    let assert = vaultsec()
        .args(["scan", "--no-api", "--format", "json", "--root"])
        .arg(root.path())
        .assert()
        .code(0);
    let report: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    assert!(report["sources"]["config"]
        .as_str()
        .unwrap()
        .contains("no config found"));
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["status"] == "skip" || f["status"] == "manual"));
    // In the table an area skipped for one reason is one line, not a row per check.
    vaultsec()
        .args(["scan", "--no-api", "--root"])
        .arg(root.path())
        .assert()
        .code(0)
        .stdout(
            predicate::str::is_match(
                r"SKIP \d+ checks skipped: host source off: no Vault or OpenBao found",
            )
            .unwrap(),
        );
}

#[test]
fn a_byte_order_mark_is_refused_as_vault_refuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("vault.hcl");
    fs::write(&f, "\u{feff}storage \"raft\" {}\n").unwrap();
    scan_ci()
        .arg("-c")
        .arg(&f)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "vault.hcl:1:1: the file starts with a UTF-8 byte-order mark",
        ));
}

/// `--product` says which product the config is for: it wins over what the config shows, it
/// decides config.product-incompatible, and anything but vault or openbao is a usage error.
#[test]
fn product_flag_decides_what_the_config_is_judged_as() {
    let fixture = "fixtures/config/config.product-incompatible/fail.hcl";
    let run = |product: Option<&str>| {
        let mut cmd = scan_ci();
        cmd.args(["-c", fixture, "--select", "config.product-incompatible"]);
        cmd.args(["--format", "json"]);
        if let Some(p) = product {
            cmd.args(["--product", p]);
        }
        let out = cmd.output().expect("run vaultsec");
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
        let statuses: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["status"].as_str().unwrap().to_string())
            .collect();
        (out.status.code(), statuses)
    };
    // The config's /var/lib/openbao and /etc/openbao paths tell OpenBao.
    assert_eq!(run(None), (Some(1), vec!["fail".into(), "fail".into()]));
    assert_eq!(
        run(Some("openbao")),
        (Some(1), vec!["fail".into(), "fail".into()])
    );
    assert_eq!(
        run(Some("vault")),
        (Some(0), vec!["pass".into(), "pass".into()])
    );

    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("vault.hcl");
    fs::write(&plain, "disable_mlock = false\nstorage \"raft\" {}\n").unwrap();
    let skipped = scan_ci()
        .args(["--select", "config.product-incompatible", "-c"])
        .arg(&plain)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8_lossy(&skipped);
    assert!(text.contains("--product"), "{text}");

    let facts = vaultsec()
        .args([
            "facts",
            "--no-host",
            "--no-api",
            "--product",
            "openbao",
            "-c",
        ])
        .arg(&plain)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let facts: serde_json::Value = serde_json::from_slice(&facts).expect("facts JSON");
    assert_eq!(
        facts["scan"]["product"],
        serde_json::json!({"name": "openbao", "detected_from": "--product"})
    );

    scan_ci()
        .args(["-c", fixture, "--product", "hashicorp"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--product"));
}

/// config.unknown-key knows each product's keys, the storage backends' included, and says
/// what the server does with an unknown one (checked against `bao operator validate-config`:
/// a top-level or listener key gets a warning, a storage key none).
#[test]
fn unknown_keys_are_judged_per_product_and_storage_keys_are_known() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("server.hcl");
    fs::write(
        &config,
        "disable_mlock = true\nplugin_download_behavior = \"fail\"\n\
         storage \"raft\" {\n  path = \"/srv/raft\"\n  node_id = \"a\"\n  advertise_addr = \"https://a:8200\"\n  \
         disable_clustering = false\n  retry_join_as_non_voter = false\n  pathh = \"/srv\"\n}\n",
    )
    .unwrap();
    let unknown = |product: Option<&str>| -> Vec<(String, String)> {
        let mut cmd = scan_ci();
        cmd.args(["--select", "config.unknown-key", "--format", "json", "-c"])
            .arg(&config);
        if let Some(p) = product {
            cmd.args(["--product", p]);
        }
        let out = cmd.output().expect("run vaultsec");
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["status"] == "fail")
            .map(|f| {
                (
                    f["evidence"]["key"].as_str().unwrap().to_string(),
                    f["message"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let keys = |found: &[(String, String)]| -> Vec<String> {
        found.iter().map(|(k, _)| k.clone()).collect()
    };
    let storage_typo = "unknown key pathh in storage \"raft\" (did you mean path?): the server hands storage keys to the raft backend, which ignores one it does not read, without a warning";

    let openbao = unknown(Some("openbao"));
    assert_eq!(keys(&openbao), ["disable_mlock", "pathh"], "{openbao:?}");
    assert_eq!(openbao[1].1, storage_typo);
    // plugin_download_behavior, a key only OpenBao reads, tells the product without the flag.
    assert_eq!(unknown(None), openbao);
    assert_eq!(
        openbao[0].1,
        "disable_mlock is read only by Vault: OpenBao ignores it with a warning"
    );

    let vault = unknown(Some("vault"));
    assert_eq!(
        keys(&vault),
        ["plugin_download_behavior", "pathh"],
        "{vault:?}"
    );
    assert_eq!(
        vault[0].1,
        "plugin_download_behavior is read only by OpenBao: Vault ignores it with a warning"
    );
}
