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
