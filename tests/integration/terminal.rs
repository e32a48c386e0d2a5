//! The table on a terminal (issue 10 §1): laid out to the width, compact by default, colour
//! as the ecosystem sets it.

use crate::common::{node_root, scan_node};

const FAILING: &str = "fixtures/config/tls.listener-disabled/fail.hcl";

/// The table of a config-only scan of `FAILING` with this environment and these flags.
fn table(env: &[(&str, &str)], flags: &[&str]) -> String {
    let root = node_root("node-a");
    let mut cmd = scan_node(root.path(), FAILING);
    cmd.env_remove("COLUMNS")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.args(flags).output().expect("run vaultsec");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    String::from_utf8(out.stdout).expect("UTF-8 table")
}

/// Every line fits in `width` columns, and every rule id the table names is whole on a line.
fn assert_fits(text: &str, width: usize) {
    for line in text.lines() {
        assert!(
            line.chars().count() <= width,
            "{} columns > {width}: {line:?}",
            line.chars().count()
        );
    }
    let rules = vaultsec::rules::RuleSet::builtin().expect("built-in rules");
    for rule in &rules.rules {
        // A rule id cut at a line end would leave its first part ending a line.
        for line in text.lines() {
            let last = line.split(' ').next_back().unwrap_or("");
            if last.len() >= 4 && last.len() < rule.id.len() && rule.id.starts_with(last) {
                assert!(
                    !last.contains('.') || last.ends_with('.'),
                    "rule id {} cut at a line end: {line:?}",
                    rule.id
                );
            }
        }
    }
}

#[test]
fn the_table_fits_80_and_200_columns() {
    for width in [80usize, 200] {
        let text = table(&[("COLUMNS", &width.to_string())], &[]);
        assert_fits(&text, width);
        assert!(text.contains("tls.listener-disabled · listener 10.0.0.5:8200"));
        insta::assert_snapshot!(format!("table_{width}_columns"), text);
    }
    // Not a terminal and no COLUMNS: 100 columns.
    let text = table(&[], &[]);
    assert_fits(&text, 100);
    assert!(text.lines().any(|l| l.chars().count() > 80), "{text}");
}

#[test]
fn compact_by_default_every_finding_with_show_all() {
    let compact = table(&[("COLUMNS", "100")], &[]);
    assert!(!compact.contains("PASS"), "{compact}");
    assert!(
        compact.contains("2 pass · 15 skip (--show all lists them)"),
        "{compact}"
    );
    assert!(compact.contains("FAIL    critical  tls.listener-disabled"));
    assert!(compact.contains("MANUAL  medium    ops.siem-shipping"));
    for flags in [&["-v"][..], &["--show", "all"]] {
        let all = table(&[("COLUMNS", "100")], flags);
        assert!(all.contains("PASS    high      tls.skip-verify"), "{all}");
        assert!(!all.contains("--show all lists them"));
        assert!(all.lines().count() > compact.lines().count() + 20);
    }
}

#[test]
fn colour_follows_no_color_clicolor_force_and_the_flag() {
    let esc = "\u{1b}[";
    // Not a terminal: no colour, unless forced.
    assert!(!table(&[], &[]).contains(esc));
    assert!(table(&[("CLICOLOR_FORCE", "1")], &[]).contains(esc));
    assert!(!table(&[("CLICOLOR_FORCE", "0")], &[]).contains(esc));
    assert!(!table(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")], &[]).contains(esc));
    assert!(table(&[("NO_COLOR", "1")], &["--color", "always"]).contains(esc));
    assert!(!table(&[("CLICOLOR_FORCE", "1")], &["--color", "never"]).contains(esc));
    // Colour does not change the layout.
    let plain = table(&[("COLUMNS", "80")], &[]);
    let coloured = table(&[("COLUMNS", "80")], &["--color", "always"]);
    let stripped = regex::Regex::new("\u{1b}\\[[0-9;]*m")
        .unwrap()
        .replace_all(&coloured, "");
    assert_eq!(plain, stripped);
}

#[test]
fn a_table_file_is_laid_out_too() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.txt");
    let root = node_root("node-a");
    let mut cmd = scan_node(root.path(), FAILING);
    cmd.env("COLUMNS", "80")
        .env("CLICOLOR_FORCE", "1")
        .arg("-o")
        .arg(&out)
        .assert()
        .code(1);
    let text = std::fs::read_to_string(&out).unwrap();
    assert_fits(&text, 80);
    assert!(!text.contains("\u{1b}["), "no colour in a file");
}

#[test]
fn completions_come_from_the_command_line_definition() {
    let bash = crate::common::vaultsec()
        .args(["completions", "bash"])
        .output()
        .unwrap();
    assert!(bash.status.success());
    let script = String::from_utf8(bash.stdout).unwrap();
    assert!(script.contains("--tls-server-name") && script.contains("--show"));
    // Real bash loads it and registers the completion.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("vaultsec.bash");
    std::fs::write(&file, &script).unwrap();
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!("source {} && complete -p vaultsec", file.display()))
        .output()
        .expect("run bash");
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("vaultsec"));
    for shell in ["zsh", "fish"] {
        let out = crate::common::vaultsec()
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success());
        assert!(String::from_utf8_lossy(&out.stdout).contains("tls-server-name"));
    }
}

#[test]
fn the_man_pages_come_from_the_same_definition_and_render() {
    let dir = tempfile::tempdir().unwrap();
    crate::common::vaultsec()
        .arg("man")
        .arg(dir.path())
        .assert()
        .success();
    for page in ["vaultsec.1", "vaultsec-scan.1", "vaultsec-completions.1"] {
        assert!(dir.path().join(page).is_file(), "{page}");
    }
    // man(1) renders the scan page, with the flags of this turn.
    let out = std::process::Command::new("man")
        .arg("-l")
        .arg(dir.path().join("vaultsec-scan.1"))
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .output()
        .expect("run man");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    for flag in ["--select", "--color", "--show", "--tls-server-name"] {
        assert!(text.contains(flag), "{flag} not in:\n{text}");
    }
    let page = crate::common::vaultsec().arg("man").output().unwrap();
    assert!(String::from_utf8_lossy(&page.stdout).starts_with(".ie"));
    assert!(String::from_utf8_lossy(&page.stdout).contains(".TH vaultsec 1"));
}

/// `vaultsec scan` of the API at `addr` only, JSON report, with these extra flags.
fn api_scan(addr: &str, flags: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let home = tempfile::tempdir().unwrap();
    let out = crate::common::vaultsec()
        .env("HOME", home.path())
        .env_remove("VAULT_CACERT")
        .env_remove("BAO_CACERT")
        .env_remove("VAULT_SKIP_VERIFY")
        .env_remove("VAULT_TLS_SERVER_NAME")
        .args([
            "scan",
            "--no-host",
            "--no-config",
            "--format",
            "json",
            "--addr",
            addr,
        ])
        .args(flags)
        .output()
        .expect("run vaultsec");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let report = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    (
        out.status.code(),
        report,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn api_source(report: &serde_json::Value) -> &str {
    report["sources"]["api"].as_str().unwrap_or_default()
}

#[test]
fn connection_refused_says_nothing_listens_there() {
    let port = crate::testkit::servers::free_ports(1).unwrap()[0];
    let (code, report, _) = api_scan(&format!("https://127.0.0.1:{port}"), &[]);
    assert_eq!(code, Some(3));
    let expected = format!("nothing listens on 127.0.0.1:{port}");
    assert!(
        api_source(&report).contains(&expected),
        "{}",
        report["sources"]
    );
    // Every rule the unreachable address prevents says why, none an internal error.
    for f in report["findings"].as_array().unwrap() {
        let message = f["message"].as_str().unwrap();
        assert!(!message.contains("cannot evaluate"), "{f}");
        if f["status"] == "error" {
            assert!(message.contains(&expected), "{f}");
        }
    }
    let expiring = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "tls.cert-expiring")
        .expect("tls.cert-expiring");
    assert_eq!(expiring["status"], "error", "{expiring}");
}

#[test]
fn tls_mistakes_get_advice_from_a_real_server() {
    let server = crate::testkit::servers::RaftServer::start(true).expect("TLS raft node");
    let ca = server.ca_cert.clone().unwrap();
    let ca = ca.to_str().unwrap();
    let https = server.addr.clone();
    let http = https.replacen("https://", "http://", 1);
    let authority = https.trim_start_matches("https://");

    // No CA given: the certificate's issuer is unknown.
    let (_, report, _) = api_scan(&https, &[]);
    assert!(
        api_source(&report).contains(
            "the server's certificate is not signed by a trusted CA: pass --ca-cert FILE or set \
             VAULT_CACERT"
        ),
        "{}",
        report["sources"]
    );

    // Plain http to the TLS listener: the source is unavailable, with the fix.
    let (code, report, _) = api_scan(&http, &["--ca-cert", ca]);
    assert_eq!(code, Some(3));
    assert!(
        api_source(&report).starts_with("unavailable: ")
            && api_source(&report).contains(&format!(
                "this listener speaks TLS: use https://{authority}"
            )),
        "{}",
        report["sources"]
    );
    let api_findings: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"].as_str().unwrap().starts_with("api."))
        .collect();
    assert!(
        api_findings.iter().all(|f| f["status"] == "error"),
        "{api_findings:#?}"
    );

    // A name the certificate does not hold: --tls-server-name is the way out.
    let (_, report, _) = api_scan(
        &https,
        &["--ca-cert", ca, "--tls-server-name", "other.example"],
    );
    assert!(
        api_source(&report).contains("--tls-server-name"),
        "{}",
        report["sources"]
    );

    // The right settings: the API answers (an uninitialized, sealed node), and the table
    // says so in one line.
    let (_, report, _) = api_scan(&https, &["--ca-cert", ca]);
    assert_eq!(api_source(&report), "available", "{}", report["sources"]);
    let table = api_table(&https, ca);
    let said: Vec<&str> = table.lines().filter(|l| l.starts_with("NOTE:")).collect();
    assert!(
        said.len() == 1 && said[0].starts_with("NOTE: the server is not initialized: "),
        "{table}"
    );

    // Initialized, unsealed, then sealed again (PUT sys/seal by the test's admin client).
    let (root, _) = server.init_unseal().expect("init and unseal");
    server.admin(Some(&root)).unwrap().seal().expect("seal");
    let table = api_table(&https, ca);
    let said: Vec<&str> = table.lines().filter(|l| l.starts_with("NOTE:")).collect();
    assert!(
        said.len() == 1 && said[0].starts_with("NOTE: the server is sealed: "),
        "{table}"
    );
}

/// The table of an API-only scan (no token), 100 columns.
fn api_table(addr: &str, ca: &str) -> String {
    let home = tempfile::tempdir().unwrap();
    let out = crate::common::vaultsec()
        .env("HOME", home.path())
        .env("COLUMNS", "100")
        .args([
            "scan",
            "--no-host",
            "--no-config",
            "--addr",
            addr,
            "--ca-cert",
            ca,
        ])
        .output()
        .expect("run vaultsec");
    String::from_utf8_lossy(&out.stdout).into_owned()
}
