//! Helpers shared by the integration tests.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use vaultsec::engine::{self, Settings};
use vaultsec::model::{Finding, Profile};
use vaultsec::rules::RuleSet;
use vaultsec::scan::{self, SourceOptions};

/// A fixed "now" so certificate and date-based facts are reproducible in snapshots.
pub const NOW: &str = "2026-11-23T00:00:00Z";

pub fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::parse(NOW, &time::format_description::well_known::Rfc3339)
        .expect("NOW is RFC 3339")
}

/// The `vaultsec` binary, run from the package root.
pub fn vaultsec() -> Command {
    let mut cmd = Command::cargo_bin("vaultsec").expect("the vaultsec binary is built");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd.env_remove("VAULT_ADDR")
        .env_remove("BAO_ADDR")
        .env_remove("VAULT_TOKEN")
        .env_remove("BAO_TOKEN");
    cmd
}

pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The shared corpus of real configs, when the checkout has it beside it.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = repo("../shared/corpus");
    dir.is_dir().then_some(dir)
}

/// Config-only scan of `path` (relative to the package root) restricted to `rule`, in-process.
pub fn scan_config(rule: &str, path: &str) -> Vec<Finding> {
    std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")).expect("cd to the package root");
    let rules = RuleSet::builtin().expect("built-in rules load");
    let opts = SourceOptions {
        config_paths: vec![PathBuf::from(path)],
        no_host: true,
        no_api: true,
        now: now(),
        ..SourceOptions::default()
    };
    let facts = scan::collect(&opts).unwrap_or_else(|e| panic!("{path}: {e}"));
    let settings = Settings {
        profile: Profile::Strict,
        select: vec![rule.to_string()],
        ..Settings::default()
    };
    engine::evaluate(&rules, &facts, &settings)
}

/// The pinned OpenBao binary: `VAULTSEC_BAO` (set by scripts/test.sh), else fetched now.
pub fn bao() -> PathBuf {
    pinned_bao("VAULTSEC_BAO", None)
}

/// The older pinned OpenBao (2.7.1): `VAULTSEC_BAO_OLD` (set by scripts/test.sh), else
/// fetched now with `scripts/fetch-bao.sh 2.7.1`.
pub fn bao_old() -> PathBuf {
    pinned_bao("VAULTSEC_BAO_OLD", Some("2.7.1"))
}

fn pinned_bao(env_var: &str, version: Option<&str>) -> PathBuf {
    if let Some(p) = std::env::var_os(env_var) {
        return PathBuf::from(p);
    }
    let out = std::process::Command::new("bash")
        .arg(repo("scripts/fetch-bao.sh"))
        .args(version)
        .output()
        .expect("run scripts/fetch-bao.sh");
    assert!(
        out.status.success(),
        "the tests need the pinned OpenBao binary and scripts/fetch-bao.sh failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// A scratch `--root` whose `etc/hostname` names the node, so reports carry a fixed host.
pub fn node_root(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::create_dir_all(dir.path().join("etc")).expect("etc/");
    std::fs::write(dir.path().join("etc/hostname"), format!("{name}\n")).expect("etc/hostname");
    dir
}

/// A config-only scan of `config` as node `root` at `NOW` (add format and output flags).
pub fn scan_node(root: &Path, config: &str) -> Command {
    let mut cmd = vaultsec();
    cmd.args(["scan", "--no-host", "--no-api", "--now", NOW, "--root"])
        .arg(root)
        .args(["-c", config]);
    cmd
}

/// The third-party checkers (chromium, promtool, systemd-analyze, pinned Python tools), as
/// installed by scripts/test-tools.sh: from the environment scripts/test.sh sets, else by
/// running the script now. A tool that cannot be had fails the test that needs it.
pub fn tool(key: &str) -> PathBuf {
    use std::sync::OnceLock;
    static FROM_SCRIPT: OnceLock<Result<Vec<(String, String)>, String>> = OnceLock::new();
    if let Some(p) = std::env::var_os(key) {
        return PathBuf::from(p);
    }
    let listed = FROM_SCRIPT.get_or_init(|| {
        let out = std::process::Command::new("bash")
            .arg(repo("scripts/test-tools.sh"))
            .output()
            .map_err(|e| format!("cannot run scripts/test-tools.sh: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "scripts/test-tools.sh failed, so the checkers these tests need are missing:\n{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect())
    });
    match listed {
        Ok(list) => list
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| PathBuf::from(v))
            .unwrap_or_else(|| panic!("scripts/test-tools.sh does not provide {key}")),
        Err(e) => panic!("{e}"),
    }
}
