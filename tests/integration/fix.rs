//! `vaultsec fix`: every fix is proven by applying it with the real `patch`/`git apply` and
//! scanning again; patched corpus configs are judged by the real `bao operator validate-config`.

use crate::common::{bao, corpus_dir, repo, vaultsec};
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use vaultsec::model::Source;
use vaultsec::rules::RuleSet;

/// (rule, subject) -> status of a config-only strict scan of `file` in `dir`.
fn statuses(dir: &Path, file: &str, extra: &[&str]) -> BTreeMap<(String, String), String> {
    let out = vaultsec()
        .current_dir(dir)
        .args(["scan", "--no-host", "--no-api", "--profile", "strict"])
        .args(["--format", "json", "--fail-on", "never", "-c", file])
        .args(extra)
        .output()
        .expect("run vaultsec scan");
    assert!(
        out.status.success(),
        "scan of {file}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                (
                    f["rule"].as_str().unwrap_or_default().to_string(),
                    f["subject"].as_str().unwrap_or_default().to_string(),
                ),
                f["status"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Runs `vaultsec fix` in `dir` on `file`: (patch, summary on standard error).
fn fix(dir: &Path, file: &str, extra: &[&str]) -> (String, String) {
    let out = vaultsec()
        .current_dir(dir)
        .args([
            "fix",
            "--no-host",
            "--no-api",
            "--profile",
            "strict",
            "-c",
            file,
        ])
        .args(extra)
        .output()
        .expect("run vaultsec fix");
    assert!(
        out.status.success(),
        "fix of {file}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8(out.stdout).expect("UTF-8 patch"),
        String::from_utf8(out.stderr).expect("UTF-8 summary"),
    )
}

/// Applies a patch in `dir` with the real tools: `git apply --check`, then `patch -p1`.
fn apply_patch(dir: &Path, patch: &str) {
    std::fs::write(dir.join("fix.patch"), patch).expect("write the patch");
    let check = std::process::Command::new("git")
        .current_dir(dir)
        .args(["apply", "--check", "-v", "fix.patch"])
        .output()
        .expect("run git apply --check");
    assert!(
        check.status.success(),
        "git apply --check refused the patch:\n{patch}\n{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let applied = std::process::Command::new("patch")
        .current_dir(dir)
        .args([
            "-p1",
            "--forward",
            "--no-backup-if-mismatch",
            "-i",
            "fix.patch",
        ])
        .output()
        .expect("run patch -p1");
    assert!(
        applied.status.success(),
        "patch -p1 refused the patch:\n{patch}\n{}",
        String::from_utf8_lossy(&applied.stdout)
    );
}

/// Fixes `rule` in `text` (written as `name` in a fresh directory), applies the patch with
/// the real tools and scans again: the rule no longer fails and no other rule changes status.
/// `opens` names rules that were `skip` as not applicable and apply once this fix is in (TLS
/// turned on makes the TLS listener rules apply).
fn assert_fix_fixes(rule: &str, name: &str, text: &str, extra: &[&str]) -> String {
    assert_fix_fixes_opening(rule, name, text, extra, &[])
}

fn assert_fix_fixes_opening(
    rule: &str,
    name: &str,
    text: &str,
    extra: &[&str],
    opens: &[&str],
) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join(name), text).expect("write the config");
    let before = statuses(dir.path(), name, extra);
    assert!(
        before.iter().any(|((r, _), s)| r == rule && s == "fail"),
        "{rule}: {name} does not fail it: {before:#?}"
    );
    let mut args = vec!["--select", rule];
    args.extend_from_slice(extra);
    let (patch, summary) = fix(dir.path(), name, &args);
    assert!(
        summary.contains(&format!("fixed:  {rule}")),
        "{rule}: not fixed: {summary}"
    );
    assert!(!summary.contains("manual:"), "{rule}: {summary}");
    apply_patch(dir.path(), &patch);
    let after = statuses(dir.path(), name, extra);
    let still: Vec<_> = after
        .iter()
        .filter(|((r, _), s)| r == rule && *s != "pass")
        .collect();
    assert!(still.is_empty(), "{rule}: after the fix {still:?}\n{patch}");
    let opened = |r: &str| {
        opens.contains(&r)
            && before
                .iter()
                .filter(|(k, _)| k.0 == r)
                .all(|(_, s)| s == "skip")
    };
    for (key, status) in &before {
        if key.0 != rule && !opened(&key.0) {
            assert_eq!(
                after.get(key),
                Some(status),
                "{rule}: the fix changed {key:?}\n{patch}"
            );
        }
    }
    for key in after.keys() {
        assert!(
            key.0 == rule || opened(&key.0) || before.contains_key(key),
            "{rule}: the fix made a new finding {key:?}\n{patch}"
        );
    }
    patch
}

#[test]
fn every_config_fix_fixes_its_fail_fixture_and_changes_no_other_rule() {
    let rules = RuleSet::builtin().expect("built-in rules load");
    let with_fix: Vec<_> = rules
        .rules
        .iter()
        .filter(|r| r.fix.is_some() && r.sources == [Source::Config])
        .collect();
    assert!(with_fix.len() >= 12, "{} rules have a fix", with_fix.len());
    for rule in with_fix {
        let path = repo(&format!("fixtures/config/{}/fail.hcl", rule.id));
        let text = std::fs::read_to_string(&path).expect("the fail fixture");
        if rule.id == "tls.listener-disabled" {
            // Its fixture has no certificate: taking TLS off the switch would stop the server.
            let dir = tempfile::tempdir().expect("temp dir");
            std::fs::write(dir.path().join("fail.hcl"), &text).expect("copy");
            let (patch, summary) = fix(dir.path(), "fail.hcl", &["--select", &rule.id]);
            assert_eq!(patch, "", "no patch without a certificate");
            assert!(
                summary.contains("manual: tls.listener-disabled (listener 10.0.0.5:8200) at fail.hcl:3:3: removing tls_disable needs tls_cert_file set beside it first"),
                "{summary}"
            );
            let with_cert = text.replace(
                "  tls_disable = \"true\"\n",
                "  tls_cert_file = \"/opt/vault/tls/tls.crt\"\n  tls_key_file  = \"/opt/vault/tls/tls.key\"\n  tls_disable = \"true\" # lab only\n",
            );
            assert_ne!(with_cert, text);
            let opens = [
                "tls.min-version",
                "tls.weak-cipher-suites",
                "tls.client-cert-not-required",
            ];
            let patch = assert_fix_fixes_opening(&rule.id, "vault.hcl", &with_cert, &[], &opens);
            assert!(
                patch.contains("-  tls_disable = \"true\" # lab only\n"),
                "{patch}"
            );
            continue;
        }
        assert_fix_fixes(&rule.id, "fail.hcl", &text, &[]);
    }
}

#[test]
fn patches_keep_comments_and_layout_and_touch_only_the_changed_lines() {
    let text = "# production node\nui = true   # for the on-call\n\nlog_level   =   \"TRACE\" // loud\n\nlistener \"tcp\" {\n  address         = \"10.0.0.5:8200\"\n  tls_cert_file   = \"/opt/vault/tls/tls.crt\" # issued by corp CA\n  tls_key_file    = \"/opt/vault/tls/tls.key\"\n  tls_min_version = \"tls11\"  # legacy clients\n}\n\nraw_storage_endpoint = true, # break-glass\nstorage \"raft\" {\n  path    = \"/opt/vault/data\"\n  node_id = \"vault-1\"\n}\n";
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("vault.hcl"), text).expect("write");
    let (patch, _) = fix(dir.path(), "vault.hcl", &[]);
    let minus: Vec<&str> = patch
        .lines()
        .filter(|l| l.starts_with('-') && !l.starts_with("---"))
        .collect();
    let plus: Vec<&str> = patch
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .collect();
    assert_eq!(
        minus,
        [
            "-log_level   =   \"TRACE\" // loud",
            "-  tls_min_version = \"tls11\"  # legacy clients",
            "-raw_storage_endpoint = true, # break-glass",
        ],
        "{patch}"
    );
    // The value moves; the spacing and comments around it stay. default_lease_ttl is added.
    assert_eq!(
        plus,
        [
            "+log_level   =   \"info\" // loud",
            "+  tls_min_version = \"tls12\"  # legacy clients",
            "+default_lease_ttl = \"24h\"",
        ],
        "{patch}"
    );
    apply_patch(dir.path(), &patch);
}

#[test]
fn write_applies_atomically_with_a_backup_and_keeps_the_mode() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("vault.hcl");
    let text =
        std::fs::read_to_string(repo("fixtures/config/tls.min-version/fail.hcl")).expect("fixture");
    std::fs::write(&file, &text).expect("write");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let out = vaultsec()
        .current_dir(dir.path())
        .args([
            "fix",
            "--no-host",
            "--no-api",
            "-c",
            "vault.hcl",
            "--write",
            "--select",
            "tls.",
        ])
        .output()
        .expect("run vaultsec fix --write");
    assert!(out.status.success());
    assert!(out.stdout.is_empty(), "--write prints no patch");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("kept the original as vault.hcl.vaultsec-bak"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("vault.hcl.vaultsec-bak")).expect("backup"),
        text
    );
    let patched = std::fs::read_to_string(&file).expect("patched");
    assert_eq!(patched, text.replace("\"tls10\"", "\"tls12\""));
    let mode = std::fs::metadata(&file).expect("stat").permissions().mode() & 0o7777;
    assert_eq!(mode, 0o640, "the config keeps its mode");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary left behind");
    // Fixed now: a second run has nothing to change.
    let (patch, summary) = fix(dir.path(), "vault.hcl", &["--select", "tls."]);
    assert_eq!(patch, "", "{summary}");
}

#[test]
fn a_waived_finding_is_never_fixed() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(
        repo("fixtures/config/tls.min-version/fail.hcl"),
        dir.path().join("vault.hcl"),
    )
    .expect("copy");
    std::fs::write(
        dir.path().join("waivers.toml"),
        "[[waiver]]\nrule = \"tls.min-version\"\nreason = \"legacy clients until March\"\nowner = \"platform\"\nexpires = 2099-03-31\n",
    )
    .expect("waivers");
    let (patch, summary) = fix(
        dir.path(),
        "vault.hcl",
        &["--select", "tls.min-version", "--waivers", "waivers.toml"],
    );
    assert_eq!(patch, "");
    assert!(
        summary.contains("0 fixed, 0 left to do by hand"),
        "{summary}"
    );
    let (patch, _) = fix(dir.path(), "vault.hcl", &["--select", "tls.min-version"]);
    assert!(patch.contains("+  tls_min_version = \"tls12\""), "{patch}");
}

#[test]
fn what_cannot_be_rewritten_safely_is_manual_with_the_reason() {
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "vault.json",
            "{\"raw_storage_endpoint\": true, \"storage\": {\"raft\": {\"path\": \"/d\", \"node_id\": \"n\"}}}\n",
            "config.raw-storage-endpoint",
            "removing a member of a JSON config is left to you",
        ),
        (
            "vault.hcl",
            "listener \"tcp\" {\n  address = \"10.0.0.5:8200\"\n  tls_cert_file = \"/c\"\n  tls_key_file = \"/k\"\n  x_forwarded_for_authorized_addrs = \"0.0.0.0/0\"\n}\n",
            "config.x-forwarded-for-any",
            "x_forwarded_for_authorized_addrs would be empty: name the proxies to trust",
        ),
        (
            "vault.hcl",
            "backend \"file\" {\n  path = \"/d\"\n}\nstorage \"file\" {\n  path = \"/d\"\n}\n",
            "config.deprecated-key",
            "storage is set too",
        ),
        (
            "vault.hcl",
            "listener \"tcp\" {\n  address = \"10.0.0.5:8200\"\n  tls_cert_file = \"/c\"\n  tls_key_file = \"/k\"\n  x_forwarded_for_authorized_addrs = [\n    \"10.0.1.10/32\", # the LB\n    \"0.0.0.0/0\",\n  ]\n}\n",
            "config.x-forwarded-for-any",
            "the list holds comments",
        ),
    ];
    for (name, text, rule, reason) in cases {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join(name), text).expect("write");
        let (patch, summary) = fix(dir.path(), name, &["--select", rule]);
        assert_eq!(patch, "", "{rule}: {summary}");
        assert!(
            summary.contains(&format!("manual: {rule}")) && summary.contains(reason),
            "{rule}: expected {reason:?} in {summary}"
        );
    }
    // A JSON value is rewritten in place, by the same positions.
    let dir = tempfile::tempdir().expect("temp dir");
    let json = "{\n  \"log_level\": \"trace\",\n  \"storage\": {\"raft\": {\"path\": \"/d\", \"node_id\": \"n\"}}\n}\n";
    let patch = assert_fix_fixes("config.log-level-verbose", "vault.json", json, &[]);
    assert!(patch.contains("+  \"log_level\": \"info\","), "{patch}");
    drop(dir);
}

/// Every corpus config that OpenBao accepts is still accepted once every fix is applied.
#[test]
fn openbao_accepts_every_patched_corpus_config_it_accepted() {
    let Some(corpus) = corpus_dir() else {
        panic!("../shared/corpus is not beside this checkout");
    };
    let bao = bao();
    let accepts = |path: &Path| -> (bool, String) {
        let out = std::process::Command::new(&bao)
            .args(["operator", "validate-config"])
            .arg(format!("-config={}", path.display()))
            .output()
            .expect("run bao operator validate-config");
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        // validate-config exits non-zero on mere warnings; a rejection prints "failure".
        (!text.contains("failure"), text)
    };
    let mut files = Vec::new();
    for sub in ["configs", "more-configs"] {
        let mut stack = vec![corpus.join(sub)];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).expect("corpus dir").flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    files.push(p);
                }
            }
        }
    }
    files.sort();
    let (mut accepted, mut patched) = (0, 0);
    for path in files {
        if !accepts(&path).0 {
            continue;
        }
        accepted += 1;
        let dir = tempfile::tempdir().expect("temp dir");
        let name = path
            .file_name()
            .expect("a file name")
            .to_string_lossy()
            .into_owned();
        let copy = dir.path().join(&name);
        std::fs::copy(&path, &copy).expect("copy");
        let out = vaultsec()
            .current_dir(dir.path())
            .args(["fix", "--no-host", "--no-api", "--profile", "strict"])
            .args(["--product", "openbao", "--write", "-q", "-c", &name])
            .output()
            .expect("run vaultsec fix --write");
        assert!(
            out.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let after = std::fs::read_to_string(&copy).unwrap_or_default();
        if after == std::fs::read_to_string(&path).unwrap_or_default() {
            continue;
        }
        patched += 1;
        let (ok, text) = accepts(&copy);
        assert!(
            ok,
            "OpenBao accepts {} but not its patched form:\n{text}\n{}",
            path.display(),
            after
        );
    }
    eprintln!(
        "{accepted} corpus configs accepted by OpenBao, {patched} patched, all still accepted"
    );
    assert!(
        accepted >= 40 && patched >= 20,
        "{accepted} accepted, {patched} patched"
    );
}

/// The drop-in and script for the weak fixture node (`testkit::weak_node`, with `unit` as its
/// vault.service when given): (drop-in, script, summary).
fn host_fix(
    unit: Option<&str>,
) -> (
    String,
    String,
    String,
    vaultsec::facts::host::testkit::HostTree,
) {
    let tree = vaultsec::facts::host::testkit::weak_node().expect("weak node");
    if let Some(text) = unit {
        tree.file("/etc/systemd/system/vault.service", text)
            .expect("the corpus unit");
    }
    let out_dir = tempfile::tempdir().expect("temp dir");
    let out = vaultsec()
        .args(["fix", "--no-api", "--select", "host.", "--root"])
        .arg(tree.root())
        .arg("--drop-in")
        .arg(out_dir.path().join("50-vaultsec.conf"))
        .arg("--script")
        .arg(out_dir.path().join("fix.sh"))
        .output()
        .expect("run vaultsec fix");
    let summary = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{summary}");
    let read = |n: &str| std::fs::read_to_string(out_dir.path().join(n)).expect("an output");
    (read("50-vaultsec.conf"), read("fix.sh"), summary, tree)
}

/// `systemd-analyze verify` of `unit` as vault.service with `dropin` as its drop-in; the
/// unit's ExecStart binary is pointed at one that exists here (verify checks that).
fn verify_with_dropin(unit: &str, dropin: &str) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let unit: String = unit
        .lines()
        .map(|l| match l.trim_start().strip_prefix("ExecStart=") {
            Some(rest) => {
                let args = rest.trim_start_matches(['-', '@', '+', '!', ':']);
                let bin = args.split_whitespace().next().unwrap_or_default();
                format!("ExecStart=/bin/true{}\n", &args[bin.len()..])
            }
            None => format!("{l}\n"),
        })
        .collect();
    std::fs::write(dir.path().join("vault.service"), &unit).expect("unit");
    std::fs::create_dir(dir.path().join("vault.service.d")).expect("drop-in dir");
    std::fs::write(dir.path().join("vault.service.d/50-vaultsec.conf"), dropin).expect("drop-in");
    let out = std::process::Command::new(crate::common::tool("VAULTSEC_SYSTEMD_ANALYZE"))
        .args(["verify", "--man=no", "./vault.service"])
        .env("SYSTEMD_UNIT_PATH", format!("{}:", dir.path().display()))
        .current_dir(dir.path())
        .output()
        .expect("run systemd-analyze verify");
    let text = String::from_utf8_lossy(&out.stdout).to_string()
        + &String::from_utf8_lossy(&out.stderr)
        + if out.status.success() {
            ""
        } else {
            "(exit status not 0)"
        };
    // The same complaint reads the same from any temporary directory.
    text.replace(&dir.path().display().to_string(), "DIR")
}

#[test]
fn host_fixes_are_one_drop_in_and_commands_from_the_facts() {
    let (dropin, script, summary, _tree) = host_fix(None);
    for directive in [
        "LimitCORE=0",
        "MemorySwapMax=0",
        "ProtectSystem=full",
        "ProtectHome=read-only",
        "PrivateTmp=yes",
        "PrivateDevices=yes",
        "NoNewPrivileges=yes",
        // Vault with mlock, put under NoNewPrivileges: it keeps CAP_IPC_LOCK.
        "AmbientCapabilities=CAP_IPC_LOCK",
        "CapabilityBoundingSet=CAP_SYSLOG CAP_IPC_LOCK",
    ] {
        assert!(
            dropin.lines().any(|l| l == directive),
            "{directive} missing:\n{dropin}\n{summary}"
        );
    }
    assert!(dropin.starts_with("# /etc/systemd/system/vault.service.d/50-vaultsec.conf\n"));
    // Every directive once, each after the comment naming its finding.
    let lines: Vec<&str> = dropin
        .lines()
        .filter(|l| l.contains('=') && !l.starts_with('#'))
        .collect();
    let mut unique = lines.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(lines.len(), unique.len(), "{dropin}");
    // The weak node's binary and config are world-writable: commands with their real paths.
    assert!(
        script.contains("chmod go-w /usr/local/bin/vault\n"),
        "{script}"
    );
    assert!(
        script.contains("chown root:vault /etc/vault.d/vault.hcl\n"),
        "{script}"
    );
    assert!(script.contains("# risk: "), "{script}");
    assert!(
        script.ends_with("systemctl daemon-reload && systemctl restart vault.service\n"),
        "{script}"
    );
    // The script is valid shell and runs nothing when parsed.
    let parsed = std::process::Command::new("sh")
        .args(["-n", "-c", &script])
        .status()
        .expect("sh -n");
    assert!(parsed.success());
    // The drop-in passes systemd-analyze verify with the unit it was made for.
    let unit = std::fs::read_to_string(_tree.root().join("etc/systemd/system/vault.service"))
        .expect("the fixture's unit");
    let complaints = verify_with_dropin(&unit, &dropin);
    assert!(
        complaints.is_empty(),
        "systemd-analyze verify:\n{complaints}\n{dropin}"
    );
}

#[test]
fn every_corpus_unit_with_its_drop_in_passes_systemd_analyze_verify() {
    let corpus = corpus_dir().expect("../shared/corpus beside this checkout");
    let (mut checked, mut clean) = (0, 0);
    let mut entries: Vec<_> = std::fs::read_dir(corpus.join("systemd"))
        .expect("corpus units")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "service"))
        .collect();
    entries.sort();
    for path in entries {
        let unit = std::fs::read_to_string(&path).expect("unit");
        // Some corpus units draw warnings of their own: the drop-in must add none.
        let own = verify_with_dropin(&unit, "");
        let (dropin, _, summary, _tree) = host_fix(Some(&unit));
        assert!(
            !dropin.is_empty(),
            "{}: no drop-in\n{summary}",
            path.display()
        );
        let complaints = verify_with_dropin(&unit, &dropin);
        let added: Vec<&str> = complaints
            .lines()
            .filter(|l| !own.lines().any(|o| o == *l))
            .collect();
        assert!(
            added.is_empty(),
            "{}: systemd-analyze verify complains of the drop-in:\n{}\n{dropin}",
            path.display(),
            added.join("\n")
        );
        clean += usize::from(own.is_empty());
        checked += 1;
    }
    eprintln!("{checked} corpus units verified with their drop-ins ({clean} without a warning of their own)");
    assert!(
        checked >= 12 && clean >= 5,
        "{checked} units, {clean} clean"
    );
}

/// On a real dev server: the script's Vault CLI commands (run here with `bao`, as vaultsec
/// writes them for OpenBao) turn the failing API findings they address into passes.
#[test]
fn the_api_script_run_against_a_dev_server_fixes_its_findings() {
    use crate::api_rules::{scan, API_ONLY};
    let dev = crate::testkit::DevServer::start().expect("dev server");
    let admin = dev.admin().expect("admin");
    admin
        .enable_userpass_without_lockout("userpass")
        .expect("userpass without lockout");
    let (_, child_accessor) = admin
        .create_child_root_token()
        .expect("a second root token");
    let select = [
        "--select",
        "api.root-tokens,api.user-lockout-disabled,api.audit-disabled,api.audit-redundancy",
    ];
    let failing = |run: &crate::api_rules::Run| -> Vec<(String, String)> {
        run.report["findings"]
            .as_array()
            .unwrap_or_else(|| panic!("no report: {}{}", run.stdout, run.stderr))
            .iter()
            .filter(|f| f["status"] == "fail")
            .map(|f| {
                (
                    f["rule"].as_str().unwrap_or_default().to_string(),
                    f["subject"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    };
    let before = failing(&scan(
        &dev.addr,
        Some(&dev.root_token),
        &[API_ONLY, &select].concat(),
    ));
    assert!(
        before.contains(&(
            "api.user-lockout-disabled".into(),
            "auth mount userpass/".into()
        )),
        "{before:?}"
    );
    assert!(before
        .iter()
        .any(|(r, s)| r == "api.root-tokens" && s.contains(&child_accessor)));

    // The fix: same flags as scan, the script to a file. The token goes in a file, as for scan.
    let home = tempfile::tempdir().expect("temp home");
    let token_file = home.path().join("token");
    std::fs::write(&token_file, &dev.root_token).expect("token file");
    let script_path = home.path().join("fix.sh");
    let out = vaultsec()
        .env("HOME", home.path())
        .args([
            "fix",
            "--no-host",
            "--no-config",
            "--profile",
            "strict",
            "--addr",
            &dev.addr,
        ])
        .arg("--token-file")
        .arg(&token_file)
        .args(select)
        .arg("--script")
        .arg(&script_path)
        .output()
        .expect("run vaultsec fix");
    let summary = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{summary}");
    assert!(
        out.stdout.is_empty(),
        "no config patch: {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    let script = std::fs::read_to_string(&script_path).expect("the script");
    assert!(
        !script.contains(&dev.root_token),
        "the script holds no token"
    );
    assert!(
        script.contains(&format!("bao token revoke -accessor {child_accessor}\n")),
        "{script}"
    );
    assert!(
        script.contains("bao auth tune -user-lockout-disable=false userpass/\n"),
        "{script}"
    );
    assert!(script.contains("# risk: "), "{script}");
    // The scan's own token is there but commented out.
    assert!(script.contains("# the token this scan used"), "{script}");
    assert!(
        summary.contains("manual: api.root-tokens")
            && summary.contains("commented out; run it last"),
        "{summary}"
    );
    // OpenBao creates audit devices only from its config: those are manual, with the reason.
    assert!(
        summary.contains("manual: api.audit-disabled") && summary.contains("only from its config"),
        "{summary}"
    );

    // A person runs it (here: the test, with the bao CLI on PATH).
    let bin_dir = home.path().join("bin");
    std::fs::create_dir(&bin_dir).expect("bin dir");
    std::os::unix::fs::symlink(crate::common::bao(), bin_dir.join("bao")).expect("bao on PATH");
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let ran = std::process::Command::new("bash")
        .arg(&script_path)
        .env("PATH", path)
        .env("BAO_ADDR", &dev.addr)
        .env("BAO_TOKEN", &dev.root_token)
        .env("HOME", home.path())
        .output()
        .expect("run the script");
    assert!(
        ran.status.success(),
        "the script failed:\n{script}\n{}{}",
        String::from_utf8_lossy(&ran.stdout),
        String::from_utf8_lossy(&ran.stderr)
    );

    let after = failing(&scan(
        &dev.addr,
        Some(&dev.root_token),
        &[API_ONLY, &select].concat(),
    ));
    let fixed: Vec<&(String, String)> = before
        .iter()
        .filter(|(r, s)| summary.contains(&format!("fixed:  {r} ({s})")))
        .collect();
    assert!(fixed.len() >= 2, "{summary}");
    for f in fixed {
        assert!(
            !after.contains(f),
            "still failing after the script: {f:?}\n{after:?}"
        );
    }
    // Nothing new fails.
    for f in &after {
        assert!(before.contains(f), "the script made {f:?} fail");
    }
}
