//! A scan that could not see is not complete (issue 8 §2, §3, §6): a rejected token is a
//! source failure, a token short of a capability makes the scan incomplete (exit 3), the
//! scanner's own permission denials are skips, and absent facts are never expression errors.
//! Tokens come from real OpenBao dev servers; privileges are really dropped with `setpriv`.

use crate::api_rules::{args, scan, with, Run, API_ONLY};
use crate::common::{now, repo};
use crate::testkit::{DevServer, TestPki};
use serde_json::{json, Value};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use vaultsec::engine::{self, Settings};
use vaultsec::facts::api::ApiOptions;
use vaultsec::model::{Profile, Status};
use vaultsec::rules::RuleSet;
use vaultsec::scan::{self, SourceOptions};

/// `summary.incomplete` as `(rule, cause)` pairs.
fn incomplete(run: &Run) -> Vec<(String, String)> {
    run.report["summary"]["incomplete"]
        .as_array()
        .unwrap_or_else(|| panic!("no summary.incomplete: {}", run.stdout))
        .iter()
        .map(|i| {
            (
                i["rule"].as_str().unwrap_or_default().to_string(),
                i["cause"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Where the JSON report of a run goes when standard output shows another format.
fn json_aside(dir: &tempfile::TempDir) -> String {
    dir.path().join("report.json").display().to_string()
}

/// Waits until the server rejects `token` (it expired or was revoked).
fn wait_rejected(dev: &DevServer, token: &str) {
    let admin = dev
        .admin()
        .expect("admin")
        .with_token(token)
        .expect("admin");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, _) = admin
            .call("GET", "auth/token/lookup-self", None)
            .expect("lookup-self");
        if status == 403 {
            return;
        }
        assert!(Instant::now() < deadline, "token still valid after 20 s");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[track_caller]
fn assert_token_rejected(run: &Run) {
    assert_eq!(run.code, Some(3), "{}\n{}", run.stderr, run.stdout);
    let api = run.report["sources"]["api"].as_str().unwrap_or_default();
    assert!(
        api.starts_with("unavailable: the token is invalid or expired"),
        "{api}"
    );
    // The authenticated rules are errors naming the token, never a pass or a permission skip.
    for rule in [
        "api.audit-disabled",
        "api.root-tokens",
        "api.scanner-token-root",
    ] {
        let found = run.of(rule);
        assert!(
            !found.is_empty()
                && found
                    .iter()
                    .all(|(s, _, m)| s == "error" && m.contains("the token is invalid or expired")),
            "{rule}: {found:?}"
        );
    }
    let listed = incomplete(run);
    assert!(
        listed.contains(&("api.audit-disabled".into(), "error".into())),
        "{listed:?}"
    );
}

#[test]
fn an_expired_or_revoked_token_is_a_source_error_and_exit_3() {
    let dev = DevServer::start().expect("dev server");
    let admin = dev.admin().expect("admin");
    let (short, _) = admin
        .create_token(json!({"policies": ["default"], "ttl": "2s"}))
        .expect("short-lived token");
    let (revoked, _) = admin
        .create_token(json!({"policies": ["default"], "ttl": "1h"}))
        .expect("token to revoke");
    admin
        .must(
            "POST",
            "auth/token/revoke",
            Some(json!({ "token": revoked })),
        )
        .expect("revoke");
    wait_rejected(&dev, &short);

    let select = with(API_ONLY, &["--select", "api."]);
    assert_token_rejected(&scan(&dev.addr, Some(&short), &args(&select)));
    let run = scan(&dev.addr, Some(&revoked), &args(&select));
    assert_token_rejected(&run);
    // The token itself never shows, and the Prometheus gauge says incomplete.
    assert!(!run.stdout.contains(&revoked) && !run.stderr.contains(&revoked));
    let aside = tempfile::tempdir().expect("temp dir");
    let prom = scan(
        &dev.addr,
        Some(&revoked),
        &args(&with(
            &args(&select),
            &["-o", &json_aside(&aside), "--format", "prometheus"],
        )),
    );
    assert!(
        prom.stdout.contains("\nvaultsec_scan_complete 0\n"),
        "{}",
        prom.stdout
    );
}

#[test]
fn a_token_of_a_too_narrow_policy_makes_the_scan_incomplete_until_those_rules_are_ignored() {
    let dev = DevServer::start().expect("dev server");
    let (token, _) = dev
        .admin()
        .expect("admin")
        .create_token(json!({"policies": ["default"], "ttl": "1h"}))
        .expect("default-policy token");
    // A dev server is unsealed by one key of one share: api.unseal-threshold fails there by
    // design, and a failure would hide the exit code 3 under test.
    let select = with(
        API_ONLY,
        &["--select", "api.", "--ignore", "api.unseal-threshold"],
    );
    let run = scan(&dev.addr, Some(&token), &args(&select));
    assert_eq!(run.code, Some(3), "{}\n{}", run.stderr, run.stdout);
    assert_eq!(run.report["sources"]["api"], "available");

    // Every permission skip is marked and listed, with the path it needed; nothing else is.
    let findings = run.report["findings"].as_array().expect("findings");
    let denied: Vec<&Value> = findings
        .iter()
        .filter(|f| f["skip_cause"] == "token_permission")
        .collect();
    assert!(
        denied.iter().any(|f| f["rule"] == "api.audit-disabled"
            && f["message"] == "insufficient permission: GET /v1/sys/audit"),
        "{denied:#?}"
    );
    assert!(denied.iter().all(|f| f["status"] == "skip"));
    let listed = incomplete(&run);
    assert_eq!(
        listed.len(),
        denied.len(),
        "only the permission skips: {listed:?}"
    );
    assert!(listed.iter().all(|(_, cause)| cause == "token_permission"));

    // The table says so first.
    let aside = tempfile::tempdir().expect("temp dir");
    let table = scan(
        &dev.addr,
        Some(&token),
        &args(&with(
            &args(&select),
            &["-o", &json_aside(&aside), "--format", "table"],
        )),
    );
    assert_eq!(table.code, Some(3));
    // The table wraps long lines with a two-space indent: read them back whole.
    let unwrapped = table.stdout.replace("\n  ", " ");
    let top: Vec<&str> = unwrapped.lines().take(4).collect();
    assert!(
        top.iter().any(|l| l.starts_with(&format!(
            "INCOMPLETE: {} check(s) could not run: the token lacks capabilities",
            denied.len()
        )) && l.contains("vaultsec policy")),
        "{top:#?}"
    );

    // Leaving those rules out on purpose makes the scan complete again.
    let mut rules: Vec<String> = listed.into_iter().map(|(r, _)| r).collect();
    rules.dedup();
    let ignored = with(&args(&select), &["--ignore", &rules.join(",")]);
    let run = scan(&dev.addr, Some(&token), &args(&ignored));
    assert_eq!(run.code, Some(0), "{}\n{}", run.stderr, run.stdout);
    assert_eq!(run.report["summary"]["incomplete"], json!([]));
}

#[test]
fn no_token_at_all_is_a_deliberate_choice_not_an_incomplete_scan() {
    let dev = DevServer::start().expect("dev server");
    let run = scan(
        &dev.addr,
        None,
        // api.unseal-threshold fails on a dev server's one-of-one seal, by design.
        &args(&with(
            API_ONLY,
            &["--select", "api.", "--ignore", "api.unseal-threshold"],
        )),
    );
    assert_eq!(run.code, Some(0), "{}\n{}", run.stderr, run.stdout);
    let (status, _, message) = run.of("api.audit-disabled").remove(0);
    assert_eq!(status, "skip");
    assert!(message.starts_with("no token"), "{message}");
    assert_eq!(run.report["summary"]["incomplete"], json!([]));
}

/// Is this process root? (Its effective uid from /proc: no `unsafe` needed.)
fn running_as_root() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|u| u.split_whitespace().nth(1))
        == Some("0")
}

/// A host root whose TLS listener names a certificate and a key only root may read.
fn root_with_private_tls(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir.join("etc/vault.d")).expect("etc");
    std::fs::create_dir_all(dir.join("tls")).expect("tls");
    let (cert, key) = TestPki::self_signed(&dir.join("tls"), "server").expect("certificate");
    std::fs::set_permissions(&cert, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let config = dir.join("etc/vault.d/vault.hcl");
    std::fs::write(
        &config,
        "listener \"tcp\" {\n  address = \"127.0.0.1:8200\"\n  tls_cert_file = \"/tls/server.pem\"\n  tls_key_file = \"/tls/server-key.pem\"\n}\n",
    )
    .expect("config");
    for d in [
        dir,
        &dir.join("etc"),
        &dir.join("etc/vault.d"),
        &dir.join("tls"),
    ] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    config
}

fn scan_tls_as(uid: Option<u32>, root: &Path, config: &Path) -> (Option<i32>, Value) {
    let bin = assert_cmd::cargo::cargo_bin("vaultsec");
    let mut cmd = match uid {
        Some(uid) => {
            let mut c = std::process::Command::new("setpriv");
            c.arg(format!("--reuid={uid}"))
                .arg(format!("--regid={uid}"))
                .arg("--clear-groups")
                .arg(&bin);
            c
        }
        None => std::process::Command::new(&bin),
    };
    cmd.env_remove("VAULT_ADDR")
        .env_remove("BAO_ADDR")
        .args(["scan", "--no-api", "--format", "json", "--select", "tls."])
        .arg("--root")
        .arg(root)
        .arg("-c")
        .arg(config);
    let out = cmd
        .output()
        .expect("run vaultsec (setpriv from util-linux)");
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("no JSON report: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), report)
}

fn finding<'r>(report: &'r Value, rule: &str) -> &'r Value {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} finding"))
}

#[test]
fn a_file_the_scanner_itself_cannot_read_is_a_skip_never_a_failure() {
    assert!(
        running_as_root(),
        "this test drops privileges with setpriv, so it must run as root (as the suite does)"
    );
    let dir = tempfile::tempdir().expect("temp root");
    let config = root_with_private_tls(dir.path());

    // As root the files are readable PEM: the rule passes, so the denial below is the cause.
    let (_, report) = scan_tls_as(None, dir.path(), &config);
    assert_eq!(finding(&report, "tls.cert-unreadable")["status"], "pass");
    assert_eq!(finding(&report, "tls.cert-key-mismatch")["status"], "pass");

    // As nobody the kernel refuses to open the key (EACCES): the scanner's limit, not the
    // server's fault.
    let (code, report) = scan_tls_as(Some(65534), dir.path(), &config);
    for rule in ["tls.cert-unreadable", "tls.cert-key-mismatch"] {
        let f = finding(&report, rule);
        assert_eq!(f["status"], "skip", "{rule}: {f:#}");
        assert_eq!(
            f["message"],
            "cannot read /tls/server-key.pem as uid 65534: run as root or as the service account",
            "{rule}"
        );
        assert_eq!(f["skip_cause"], "scanner_permission", "{rule}");
    }
    // The certificate itself is readable and still judged.
    assert_eq!(finding(&report, "tls.cert-expired")["status"], "pass");
    assert!(!report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .any(|f| f["status"] == "fail" && f["rule"] == "tls.cert-unreadable"),);
    assert_ne!(code, Some(2), "{report:#}");
}

/// A root holding nothing but `config` (a fixture file or directory) in /etc/vault.d, where a
/// flagless scan finds it: the host source is on, with no process, unit or account.
fn root_with_only(config: &Path) -> tempfile::TempDir {
    let root = tempfile::tempdir().expect("temp root");
    let etc = root.path().join("etc/vault.d");
    std::fs::create_dir_all(&etc).expect("etc/vault.d");
    if config.is_dir() {
        for f in std::fs::read_dir(config).expect("fixture dir").flatten() {
            std::fs::copy(f.path(), etc.join(f.file_name())).expect("copy");
        }
    } else {
        let ext = config.extension().and_then(|e| e.to_str()).unwrap_or("hcl");
        std::fs::copy(config, etc.join(format!("vault.{ext}"))).expect("copy");
    }
    root
}

/// The fact documents of an empty root (no process, no unit) and of a root with only a
/// config, with each config fixture or none, no API or an API without a token, for each
/// product: no built-in rule ends in `error` unless a source itself failed.
#[test]
fn no_built_in_rule_errors_over_absent_facts() {
    let dev = DevServer::start().expect("dev server");
    let rules = RuleSet::builtin().expect("built-in rules");
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(repo("fixtures/config"))
        .expect("fixtures")
        .flatten()
        .flat_map(|d| std::fs::read_dir(d.path()).into_iter().flatten().flatten())
        .map(|e| e.path())
        .collect();
    fixtures.sort();
    // (what, root, -c paths, --no-config)
    let mut cases: Vec<(String, tempfile::TempDir, Vec<PathBuf>, bool)> = vec![(
        "empty root, no config".into(),
        tempfile::tempdir().expect("empty root"),
        Vec::new(),
        true,
    )];
    for f in &fixtures {
        let shown = f.strip_prefix(repo("")).unwrap_or(f).display().to_string();
        cases.push((
            format!("empty root, -c {shown}"),
            tempfile::tempdir().expect("empty root"),
            vec![f.clone()],
            false,
        ));
        cases.push((
            format!("root with only {shown}"),
            root_with_only(f),
            Vec::new(),
            false,
        ));
    }
    let settings = Settings {
        profile: Profile::Strict,
        ..Settings::default()
    };
    let addr = url::Url::parse(&dev.addr).expect("address");
    let mut problems = Vec::new();
    let mut documents = 0;
    for (what, root, config_paths, no_config) in &cases {
        // The API without a token reads the same whether the config is found under the root
        // or given with -c: once per config is enough (each API scan costs a client set-up).
        let apis = if what.starts_with("root with only") {
            vec![None]
        } else {
            vec![None, Some(ApiOptions::new(addr.clone(), None))]
        };
        for api in apis {
            let opts = SourceOptions {
                config_paths: config_paths.clone(),
                no_config: *no_config,
                root: root.path().to_path_buf(),
                no_api: api.is_none(),
                api: api.clone(),
                now: now(),
                ..SourceOptions::default()
            };
            // A config Vault would refuse is an input error, not a fact document.
            let Ok(mut facts) = scan::collect(&opts) else {
                continue;
            };
            for product in ["vault", "openbao"] {
                facts.doc["scan"]["product"]["name"] = json!(product);
                documents += 1;
                for f in engine::evaluate(&rules, &facts, &settings) {
                    if f.status == Status::Error && !f.message.contains("source unavailable") {
                        problems.push(format!(
                            "{} [{product}, api {}, {what}]: {}",
                            f.rule,
                            if api.is_some() {
                                "without token"
                            } else {
                                "off"
                            },
                            f.message
                        ));
                    }
                }
            }
        }
    }
    assert!(documents > 300, "only {documents} fact documents");
    assert!(problems.is_empty(), "{problems:#?}");
}

/// A node report as an older vaultsec wrote it: no `summary.incomplete`, no `skip_cause`, and
/// a check its token could not run.
fn older_report_with_a_permission_skip(path: &Path) {
    let mut report: Value =
        serde_json::from_slice(&std::fs::read(path).expect("report")).expect("JSON report");
    report["summary"]
        .as_object_mut()
        .expect("summary")
        .remove("incomplete")
        .expect("this build writes summary.incomplete");
    report["findings"]
        .as_array_mut()
        .expect("findings")
        .push(json!({
            "rule": "api.audit-disabled", "status": "skip", "severity": "high",
            "source": "api", "title": "At least one audit device is enabled",
            "message": "insufficient permission: GET /v1/sys/audit", "subject": null,
            "location": null, "evidence": null, "remediation": "Enable an audit device."
        }));
    report["summary"]["skip"] = json!(report["summary"]["skip"].as_u64().unwrap_or(0) + 1);
    std::fs::write(path, report.to_string()).expect("write report");
}

#[test]
fn a_fleet_is_incomplete_when_any_node_is_and_every_format_says_so() {
    use crate::common::{node_root, scan_node, vaultsec};
    let dir = tempfile::tempdir().expect("temp dir");
    let mut reports = Vec::new();
    for node in ["vault-1", "vault-2"] {
        let root = node_root(node);
        let path = dir.path().join(format!("{node}.json"));
        scan_node(
            root.path(),
            "fixtures/config/tls.listener-disabled/pass.hcl",
        )
        .args(["--fail-on", "never", "--format", "json", "-o"])
        .arg(&path)
        .assert()
        .code(0);
        reports.push(path);
    }
    older_report_with_a_permission_skip(&reports[1]);

    let out = |ext: &str| dir.path().join(format!("fleet.{ext}"));
    let mut merge = vaultsec();
    merge.args(["merge", "--fail-on", "never"]).args(&reports);
    for (format, ext) in [
        ("json", "json"),
        ("sarif", "sarif"),
        ("prometheus", "prom"),
        ("junit", "xml"),
        ("html", "html"),
        ("table", "txt"),
    ] {
        merge.args(["--format", format, "-o"]).arg(out(ext));
    }
    // Incomplete: exit 3 even with --fail-on never.
    merge.assert().code(3);
    let read = |ext: &str| std::fs::read_to_string(out(ext)).expect("fleet output");

    let fleet: Value = serde_json::from_str(&read("json")).expect("fleet JSON");
    assert_eq!(
        fleet["summary"]["incomplete"],
        json!([{
            "rule": "api.audit-disabled", "subject": null, "status": "skip",
            "cause": "token_permission",
            "reason": "insufficient permission: GET /v1/sys/audit", "node": "vault-2"
        }])
    );
    let per_node: Vec<usize> = fleet["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["summary"]["incomplete"].as_array().map_or(99, Vec::len))
        .collect();
    assert_eq!(per_node, [0, 1]);

    let sarif: Value = serde_json::from_str(&read("sarif")).expect("SARIF");
    let schema: Value = serde_json::from_slice(
        &std::fs::read(repo("fixtures/schemas/sarif-schema-2.1.0.json")).expect("schema"),
    )
    .expect("schema JSON");
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .build(&schema)
        .expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let note = &invocation["toolExecutionNotifications"][0];
    assert_eq!(note["associatedRule"]["id"], "api.audit-disabled");
    assert_eq!(note["level"], "warning");
    assert!(note["message"]["text"]
        .as_str()
        .is_some_and(|t| t.contains("vault-2") && t.contains("insufficient permission")));

    let prom = read("prom");
    assert!(
        prom.contains("\nvaultsec_scan_complete{node=\"vault-1\"} 1\n"),
        "{prom}"
    );
    assert!(
        prom.contains("\nvaultsec_scan_complete{node=\"vault-2\"} 0\n"),
        "{prom}"
    );
    assert!(prom
        .contains("\nvaultsec_incomplete_checks{node=\"vault-2\",cause=\"token_permission\"} 1\n"));

    let xml = read("xml");
    let doc = roxmltree::Document::parse(&xml).expect("JUnit XML");
    assert!(doc
        .descendants()
        .any(|n| n.attribute("name") == Some("scan_complete")
            && n.attribute("value") == Some("false")));
    // The strict junit-10.xsd allows no properties on a test case: its system-out says it.
    assert!(doc.descendants().any(|n| n.has_tag_name("system-out")
        && n.text()
            .is_some_and(|t| t.contains("skip_cause: token_permission"))));

    let html = read("html");
    assert!(
        html.contains("incomplete: 1 check(s) could not run: the token lacks capabilities"),
        "{html}"
    );
    assert!(html
        .contains("<li data-cause=\"token_permission\">vault-2: <code>api.audit-disabled</code>"));

    // The table wraps long lines with a two-space indent: read them back whole.
    let table = read("txt").replace("\n  ", " ");
    assert!(
        table.lines().take(3).any(|l| l
            == "INCOMPLETE: 1 check(s) could not run: the token lacks capabilities \
                 they need (GET /v1/sys/audit) — see `vaultsec policy`"),
        "{table}"
    );
}
