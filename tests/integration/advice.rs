//! Remediation that fits the subject (issue 10 §3): no advice that would break the node or
//! change nothing, one cause named by the findings it explains, the product's own paths,
//! users and unit, what mTLS changes, and reports titled with the product.

use crate::common::{node_root, now, scan_node, vaultsec, NOW};
use std::fs;
use vaultsec::engine::{self, Settings};
use vaultsec::facts::host::testkit::{self, HostTree};
use vaultsec::model::{Finding, Profile, Status};
use vaultsec::rules::RuleSet;
use vaultsec::scan::{self, Product, SourceOptions};

fn scan_tree(t: &HostTree, select: &[&str]) -> Vec<Finding> {
    let opts = SourceOptions {
        root: t.root().to_path_buf(),
        no_api: true,
        now: now(),
        ..SourceOptions::default()
    };
    let facts = scan::collect(&opts).expect("collect");
    let settings = Settings {
        profile: Profile::Strict,
        select: select.iter().map(|s| s.to_string()).collect(),
        ..Settings::default()
    };
    engine::evaluate(&RuleSet::builtin().unwrap(), &facts, &settings)
}

fn failing<'a>(findings: &'a [Finding], rule: &str) -> Vec<&'a Finding> {
    let out: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.rule == rule && f.status == Status::Fail)
        .collect();
    assert!(!out.is_empty(), "{rule} should fail: {findings:#?}");
    out
}

/// The weak node (Vault as root), with its binary and config already as the advice would
/// leave them: root:root, no group or other write.
fn root_run_node_with_tidy_files() -> HostTree {
    let t = testkit::weak_node().expect("weak node");
    t.dir("/usr/local/bin", 0o755)
        .and_then(|t| t.file_mode("/usr/local/bin/vault", b"\x7fELF fake vault", 0o755))
        .and_then(|t| t.dir("/etc/vault.d", 0o750))
        .and_then(|t| {
            t.file_mode(
                "/etc/vault.d/vault.hcl",
                "storage \"raft\" { path = \"/opt/vault/data\" }\n",
                0o640,
            )
        })
        .and_then(|t| t.chown("/usr/local/bin/vault", 0, 0))
        .and_then(|t| t.chown("/usr/local/bin", 0, 0))
        .and_then(|t| t.chown("/etc/vault.d", 0, 0))
        .and_then(|t| t.chown("/etc/vault.d/vault.hcl", 0, 0))
        .expect("fixture files (tests run as root in CI)");
    t
}

#[test]
fn root_is_never_told_to_lose_its_shell() {
    let t = testkit::weak_node().expect("weak node");
    let findings = scan_tree(
        &t,
        &["host.service-account-shell", "host.service-user-root"],
    );
    let shell = failing(&findings, "host.service-account-shell")[0];
    assert!(
        !shell.remediation.contains("usermod --shell"),
        "usermod on root locks root out: {}",
        shell.remediation
    );
    assert!(shell.remediation.contains("Leave root's shell alone"));
    assert_eq!(shell.caused_by.as_deref(), Some("host.service-user-root"));

    let root = failing(&findings, "host.service-user-root")[0];
    assert_eq!(root.caused_by, None);
    for name in [
        "useradd --system",
        "--shell /usr/sbin/nologin vault",
        "User=vault",
        "Group=vault",
        "vault.service",
        "chown -R vault:vault /opt/vault/data",
        "CAP_IPC_LOCK",
    ] {
        assert!(
            root.remediation.contains(name),
            "{name}: {}",
            root.remediation
        );
    }
}

#[test]
fn a_non_root_account_with_a_shell_gets_usermod_on_its_own_name() {
    let t = testkit::weak_node().expect("weak node");
    let mut p = testkit::FakeProcess::new(
        4242,
        "vault",
        &[
            "/usr/local/bin/vault",
            "server",
            "-config=/etc/vault.d/vault.hcl",
        ],
    )
    .as_user(testkit::VAULT_UID, testkit::VAULT_GID, 0);
    p.cgroup = "0::/system.slice/vault.service\n".to_string();
    t.process(&p).expect("process");
    let findings = scan_tree(&t, &["host.service-account-shell"]);
    let shell = failing(&findings, "host.service-account-shell")[0];
    assert!(
        shell
            .remediation
            .starts_with("usermod --shell /usr/sbin/nologin vault "),
        "{}",
        shell.remediation
    );
    assert_eq!(shell.caused_by, None);
}

#[test]
fn files_already_as_advised_are_blamed_on_root_not_given_a_no_op_chown() {
    let t = root_run_node_with_tidy_files();
    let findings = scan_tree(
        &t,
        &[
            "host.binary-writable",
            "host.config-writable",
            "host.service-user-root",
        ],
    );
    let binaries = failing(&findings, "host.binary-writable");
    assert_eq!(binaries.len(), 2, "the binary and its directory");
    for f in binaries {
        assert!(
            !f.remediation.contains("chown") && !f.remediation.contains("chmod"),
            "a no-op: {}",
            f.remediation
        );
        assert!(
            f.remediation.contains("nothing to change"),
            "{}",
            f.remediation
        );
        assert!(
            f.remediation.contains("root:root 0755"),
            "{}",
            f.remediation
        );
        assert_eq!(f.caused_by.as_deref(), Some("host.service-user-root"));
    }
    let configs = failing(&findings, "host.config-writable");
    assert_eq!(configs.len(), 2, "the file and its directory");
    for f in configs {
        assert!(
            f.remediation
                .starts_with("fix host.service-user-root first"),
            "{}",
            f.remediation
        );
        assert!(
            !f.remediation.contains("chown root:root"),
            "{}",
            f.remediation
        );
        // The mode is already what the advice asks for: no chmod to the same mode.
        assert!(!f.remediation.contains("chmod"), "{}", f.remediation);
        // The group the new account needs to read the config is still to be given.
        assert!(
            f.remediation.contains("chown root:vault /etc/vault.d"),
            "{}",
            f.remediation
        );
        assert_eq!(f.caused_by.as_deref(), Some("host.service-user-root"));
    }
}

#[test]
fn files_wrong_on_their_own_get_the_commands_that_change_them() {
    // The weak node's binary is root:root 0777: others can write it whatever the user.
    let t = testkit::weak_node().expect("weak node");
    let findings = scan_tree(&t, &["host.binary-writable", "host.service-user-root"]);
    let binary = failing(&findings, "host.binary-writable")
        .into_iter()
        .find(|f| f.subject.as_deref() == Some("binary /usr/local/bin/vault"))
        .expect("the binary's finding");
    assert!(
        binary
            .remediation
            .starts_with("chmod go-w /usr/local/bin/vault"),
        "{}",
        binary.remediation
    );
    assert!(
        !binary.remediation.contains("chown"),
        "already root's: {}",
        binary.remediation
    );
    assert!(binary
        .remediation
        .contains("then run the server as vault, not root"));
    assert_eq!(
        binary.caused_by, None,
        "chmod is needed whoever runs the server"
    );
}

#[test]
fn causes_are_named_on_a_root_node_and_never_on_a_hardened_one() {
    // As root, host.service-user-root runs and fails: the findings it explains name it.
    // (A cause that ran and passed is dropped: engine::tests covers that.)
    let t = root_run_node_with_tidy_files();
    let with_cause = scan_tree(&t, &["host.config-writable", "host.service-user-root"]);
    assert!(failing(&with_cause, "host.config-writable")
        .iter()
        .all(|f| f.caused_by.is_some()));
    // On the hardened node (not root) nothing names a cause.
    let hardened = testkit::hardened_node().expect("hardened node (root)");
    let findings = scan_tree(&hardened, &["host."]);
    assert!(
        findings.iter().all(|f| f.caused_by.is_none()),
        "{findings:#?}"
    );
}

#[test]
fn openbao_remediation_names_openbaos_paths_account_and_unit() {
    let t = testkit::openbao_packaging().expect("openbao packaging (root)");
    let findings = scan_tree(&t, &["host.config-writable", "host.core-dumps"]);
    let dir = failing(&findings, "host.config-writable")
        .into_iter()
        .find(|f| f.subject.as_deref() == Some("directory /etc/openbao"))
        .expect("the config directory's finding");
    assert_eq!(
        dir.remediation,
        "chown root:openbao /etc/openbao; chmod 0750 /etc/openbao"
    );
    let file = failing(&findings, "host.config-writable")
        .into_iter()
        .find(|f| f.subject.as_deref() == Some("config /etc/openbao/openbao.hcl"))
        .expect("the config file's finding");
    assert_eq!(
        file.remediation,
        "chown root:openbao /etc/openbao/openbao.hcl; chmod 0640 /etc/openbao/openbao.hcl"
    );
    let core = failing(&findings, "host.core-dumps")[0];
    assert!(
        core.remediation.contains("systemctl edit openbao.service"),
        "{}",
        core.remediation
    );
    for f in findings.iter().filter(|f| f.status == Status::Fail) {
        assert!(!f.remediation.contains("vault"), "{}", f.remediation);
    }
}

#[test]
fn openbao_run_as_root_is_told_openbaos_account_and_no_mlock() {
    let t = testkit::openbao_packaging().expect("openbao packaging (root)");
    let mut p = testkit::FakeProcess::new(
        4343,
        "bao",
        &["/usr/bin/bao", "server", "-config=/etc/openbao/openbao.hcl"],
    );
    p.cgroup = "0::/system.slice/openbao.service\n".to_string();
    t.process(&p).expect("process");
    let findings = scan_tree(&t, &["host.service-user-root"]);
    let root = failing(&findings, "host.service-user-root")[0];
    for name in [
        "--shell /usr/sbin/nologin openbao",
        "User=openbao",
        "Group=openbao",
        "systemctl edit openbao.service",
        "chown -R openbao:openbao /opt/openbao/data",
    ] {
        assert!(
            root.remediation.contains(name),
            "{name}: {}",
            root.remediation
        );
    }
    // OpenBao dropped mlock: no capability to give.
    assert!(
        !root.remediation.contains("CAP_IPC_LOCK"),
        "{}",
        root.remediation
    );
    assert!(!root.remediation.contains("vault"), "{}", root.remediation);
}

const NO_MTLS: &str = "fixtures/config/tls.client-cert-not-required/fail.hcl";

fn mtls_remediation(product: Option<Product>) -> String {
    std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")).expect("cd to the package root");
    let opts = SourceOptions {
        config_paths: vec![NO_MTLS.into()],
        no_host: true,
        no_api: true,
        product,
        now: now(),
        ..SourceOptions::default()
    };
    let facts = scan::collect(&opts).expect("collect");
    let settings = Settings {
        profile: Profile::Strict,
        select: vec!["tls.client-cert-not-required".into()],
        ..Settings::default()
    };
    let findings = engine::evaluate(&RuleSet::builtin().unwrap(), &facts, &settings);
    failing(&findings, "tls.client-cert-not-required")[0]
        .remediation
        .clone()
}

#[test]
fn mtls_advice_names_what_else_must_present_a_certificate() {
    let bao = mtls_remediation(Some(Product::Openbao));
    for what in [
        "tls_require_and_verify_client_cert = true",
        "retry_join",
        "leader_client_cert_file",
        "leader_client_key_file",
        "load-balancer health checks",
        "the UI",
        "BAO_CLIENT_CERT",
        "bao CLI",
    ] {
        assert!(bao.contains(what), "{what}: {bao}");
    }
    let vault = mtls_remediation(Some(Product::Vault));
    assert!(vault.contains("VAULT_CLIENT_CERT"), "{vault}");
    assert!(!vault.contains("BAO_"), "{vault}");
}

#[test]
fn the_catalogue_shows_remediation_read_without_a_scan() {
    let out = vaultsec()
        .args(["rules", "explain", "host.config-writable"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "chown -R root:vault /etc/vault.d; chmod 0750 the directory and 0640 the files."
        ),
        "{text}"
    );
}

#[test]
fn html_and_table_are_titled_with_openbao() {
    let dir = tempfile::tempdir().unwrap();
    let root = node_root("bao-1");
    let page = dir.path().join("report.html");
    let table = dir.path().join("report.txt");
    scan_node(root.path(), NO_MTLS)
        .args(["--product", "openbao", "--format", "html", "-o"])
        .arg(&page)
        .args(["--format", "table", "-o"])
        .arg(&table)
        .assert()
        .code(0); // tls.client-cert-not-required is medium, under --fail-on high
    let dom = crate::reports::chromium(&["--dump-dom"], &page, &dir.path().join("profile"));
    assert!(
        dom.status.success(),
        "chromium --dump-dom failed: {}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom.contains("<title>vaultsec OpenBao audit · bao-1 · 2026-11-23T00:00:00Z</title>"),
        "{}",
        &dom[..dom.len().min(600)]
    );
    assert!(dom.contains("<h1>OpenBao hardening audit</h1>"));
    assert!(!dom.contains("Vault hardening audit"));
    let table = fs::read_to_string(&table).unwrap();
    assert!(
        table
            .lines()
            .next()
            .unwrap()
            .contains("OpenBao hardening audit"),
        "{table}"
    );

    // Unknown product: as the rules take it, Vault.
    let vault_page = dir.path().join("vault.html");
    scan_node(root.path(), NO_MTLS)
        .args(["--format", "html", "-o"])
        .arg(&vault_page)
        .assert()
        .code(0);
    assert!(fs::read_to_string(&vault_page)
        .unwrap()
        .contains("<h1>Vault hardening audit</h1>"));
}

#[test]
fn caused_by_is_rendered_in_json_table_and_html() {
    let t = root_run_node_with_tidy_files();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let page = dir.path().join("r.html");
    let table = dir.path().join("r.txt");
    vaultsec()
        .args([
            "scan", "--no-api", "--now", NOW, "--select", "host.", "--root",
        ])
        .arg(t.root())
        .args(["--format", "json", "-o"])
        .arg(&json)
        .args(["--format", "html", "-o"])
        .arg(&page)
        .args(["--format", "table", "-o"])
        .arg(&table)
        .assert()
        .code(1);
    let report: serde_json::Value = serde_json::from_slice(&fs::read(&json).unwrap()).unwrap();
    let caused: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["caused_by"] == "host.service-user-root")
        .collect();
    assert!(
        caused.len() >= 5,
        "binary, its dir, config, its dir, shell: {caused:#?}"
    );
    let html = fs::read_to_string(&page).unwrap();
    assert!(html.contains(
        "<dt>Caused by</dt><dd class=\"cause\"><code>host.service-user-root</code> failing: fix it first</dd>"
    ));
    // The table wraps long lines to its width, with continuation lines indented.
    let table = fs::read_to_string(&table).unwrap().replace("\n    ", " ");
    assert!(
        table.contains("host.service-account-shell: [caused by host.service-user-root: fix it first] Leave root's shell alone"),
        "{table}"
    );
}

#[test]
fn a_fleet_of_both_products_is_titled_with_both() {
    let dir = tempfile::tempdir().unwrap();
    let mut inputs = Vec::new();
    for (node, product) in [("vault-1", "vault"), ("bao-1", "openbao")] {
        let root = node_root(node);
        let json = dir.path().join(format!("{node}.json"));
        scan_node(root.path(), NO_MTLS)
            .args(["--product", product, "--format", "json", "-o"])
            .arg(&json)
            .assert()
            .code(0);
        let report: serde_json::Value = serde_json::from_slice(&fs::read(&json).unwrap()).unwrap();
        assert_eq!(report["product"], product);
        inputs.push(json);
    }
    let merged = vaultsec()
        .arg("merge")
        .args(&inputs)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        merged.status.success(),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    let fleet: serde_json::Value = serde_json::from_slice(&merged.stdout).unwrap();
    assert_eq!(fleet["product"], "mixed");
    let html = vaultsec()
        .arg("merge")
        .args(&inputs)
        .args(["--format", "html"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&html.stdout)
        .contains("<h1>Vault and OpenBao hardening audit</h1>"));
    let one = vaultsec()
        .arg("merge")
        .arg(&inputs[1])
        .args(["--format", "table"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&one.stdout).contains("OpenBao hardening audit"));
}
