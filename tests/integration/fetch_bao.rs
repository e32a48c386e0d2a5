//! scripts/fetch-bao.sh: no argument is the pinned 2.7.2 (as before), `2.7.1` the second
//! pinned version; anything else is refused before any download.

use crate::common::{bao, bao_old, repo};
use std::path::Path;
use std::process::Command;

fn fetch(arg: Option<&str>) -> std::process::Output {
    Command::new("bash")
        .arg(repo("scripts/fetch-bao.sh"))
        .args(arg)
        .output()
        .expect("run scripts/fetch-bao.sh")
}

/// `bao version`'s first line.
fn version_of(bin: &Path) -> String {
    let out = Command::new(bin)
        .arg("version")
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", bin.display()));
    String::from_utf8_lossy(&out.stdout).to_string()
}

#[test]
fn fetch_script_prints_each_pinned_binary() {
    for (arg, dir, version) in [
        (None, ".tools/openbao-2.7.2/bao", "OpenBao v2.7.2 "),
        (Some("2.7.1"), ".tools/openbao-2.7.1/bao", "OpenBao v2.7.1 "),
    ] {
        let out = fetch(arg);
        assert!(
            out.status.success(),
            "{arg:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert!(path.ends_with(dir), "{arg:?} printed {path:?}");
        assert!(version_of(Path::new(&path)).starts_with(version));
    }
    // What the tests run (VAULTSEC_BAO / VAULTSEC_BAO_OLD from scripts/test.sh, or fetched).
    assert!(version_of(&bao()).starts_with("OpenBao v2.7.2 "));
    assert!(version_of(&bao_old()).starts_with("OpenBao v2.7.1 "));
}

#[test]
fn fetch_script_refuses_a_version_that_is_not_pinned() {
    let out = fetch(Some("2.7.0"));
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "fetch-bao: version 2.7.0 is not pinned (pinned: 2.7.2, 2.7.1)"
    );
    assert!(!repo(".tools/openbao-2.7.0").exists());
}
