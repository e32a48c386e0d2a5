//! Files that cannot hurt the scanner (issue 9 §3, §4, §5, §7): FIFOs and devices where a file
//! is expected, hostile sizes, `--root` escapes, and outputs that are devices, links or
//! directories.

use crate::common::{now, repo, vaultsec, NOW};
use std::os::unix::fs::{symlink, FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;
use vaultsec::facts::host::testkit::{FakeProcess, HostTree};
use vaultsec::scan::{self, SourceOptions};

/// A regression hangs; the timeout turns that into a failure.
const HANG: Duration = Duration::from_secs(20);

fn mkfifo(path: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo")
        .success();
    assert!(ok, "mkfifo {}", path.display());
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A JSON report to use as a valid baseline or merge input.
fn json_report(dir: &Path) -> PathBuf {
    let out = dir.join("report.json");
    vaultsec()
        .args([
            "scan",
            "--no-host",
            "--no-api",
            "--now",
            NOW,
            "--fail-on",
            "never",
        ])
        .arg("-c")
        .arg(repo("fixtures/config/config.ui-enabled/pass.hcl"))
        .args(["--format", "json", "-o"])
        .arg(&out)
        .assert()
        .success();
    out
}

#[test]
fn a_fifo_given_as_any_input_is_an_input_error_not_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.hcl");
    mkfifo(&fifo);
    let config = repo("fixtures/config/config.ui-enabled/pass.hcl");
    let report = json_report(dir.path());
    let runs: Vec<(&str, Vec<std::ffi::OsString>)> = vec![
        (
            "-c",
            vec![
                "scan".into(),
                "--no-host".into(),
                "--no-api".into(),
                "-c".into(),
                fifo.clone().into(),
            ],
        ),
        (
            "--waivers",
            vec![
                "scan".into(),
                "--no-host".into(),
                "--no-api".into(),
                "-c".into(),
                config.clone().into(),
                "--waivers".into(),
                fifo.clone().into(),
            ],
        ),
        (
            "--baseline",
            vec![
                "scan".into(),
                "--no-host".into(),
                "--no-api".into(),
                "-c".into(),
                config.clone().into(),
                "--baseline".into(),
                fifo.clone().into(),
            ],
        ),
        (
            "merge",
            vec!["merge".into(), report.clone().into(), fifo.clone().into()],
        ),
    ];
    for (what, args) in runs {
        let out = vaultsec().args(&args).timeout(HANG).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{what}: {}", stderr_of(&out));
        assert!(
            stderr_of(&out).contains("not a regular file (a FIFO)"),
            "{what}: {}",
            stderr_of(&out)
        );
    }
}

#[test]
fn dev_zero_as_the_config_is_refused_at_once() {
    let out = vaultsec()
        .args(["scan", "--no-host", "--no-api", "-c", "/dev/zero"])
        .timeout(HANG)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains(
            "/dev/zero: cannot read config file: not a regular file (a character device)"
        ),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn a_sparse_gigabyte_config_is_refused_by_its_size() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("vault.hcl");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    let out = vaultsec()
        .args(["scan", "--no-host", "--no-api", "-c"])
        .arg(&big)
        .timeout(HANG)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("larger than the 4 MiB limit"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn a_fifo_as_a_config_under_root_or_as_etc_hostname_does_not_hang() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("etc/vault.d")).unwrap();
    mkfifo(&root.join("etc/vault.d/vault.hcl"));
    mkfifo(&root.join("etc/hostname"));
    let out = vaultsec()
        .args(["scan", "--no-host", "--no-api", "--root"])
        .arg(root)
        .timeout(HANG)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains(
            "/etc/vault.d/vault.hcl: cannot read config file: not a regular file (a FIFO)"
        ),
        "{}",
        stderr_of(&out)
    );
    // With a config that reads, the FIFO hostname just leaves the node unnamed.
    std::fs::remove_file(root.join("etc/vault.d/vault.hcl")).unwrap();
    std::fs::copy(
        repo("fixtures/config/config.ui-enabled/pass.hcl"),
        root.join("etc/vault.d/vault.hcl"),
    )
    .unwrap();
    let out = vaultsec()
        .args([
            "scan",
            "--no-host",
            "--no-api",
            "--fail-on",
            "never",
            "--format",
            "json",
            "--root",
        ])
        .arg(root)
        .timeout(HANG)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["host"], "unknown");
}

#[test]
fn a_fifo_where_the_host_source_reads_does_not_hang() {
    // Another process's stat and comm, the server's status, /etc/passwd, a unit and a shell
    // history, all FIFOs.
    let t = HostTree::new("fifos").unwrap();
    let p = FakeProcess::new(4242, "bao", &["bao", "server", "-config=/etc/openbao"]);
    t.process(&p).unwrap();
    for host in [
        "/proc/4343/stat",
        "/proc/4343/comm",
        "/proc/4242/status",
        "/etc/passwd",
        "/etc/systemd/system/openbao.service",
        "/root/.bash_history",
        "/etc/hostname",
    ] {
        let path = t.path(host);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let _ = std::fs::remove_file(&path);
        mkfifo(&path);
    }
    let out = vaultsec()
        .args(["facts", "--no-api", "--no-config", "--root"])
        .arg(t.root())
        .timeout(HANG)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let facts = String::from_utf8_lossy(&out.stdout);
    for host in [
        "/proc/4242/status",
        "/etc/systemd/system/openbao.service",
        "/root/.bash_history",
    ] {
        let reason = format!("cannot read {host}: not a regular file (a FIFO)");
        assert!(facts.contains(&reason), "{reason}: {facts}");
    }
}

// ---------------------------------------------------------------------------------------
// --root is a root

const CANARY: &str = "canary.outside.example";
const INSIDE: &str = "inside.root.example";

/// A config naming `host` as its api_addr, so the facts tell which file was read.
fn config_text(host: &str) -> String {
    format!("api_addr = \"https://{host}:8200\"\nui = true\n")
}

/// A canary config outside the root; returns its absolute path.
fn canary(outside: &Path) -> PathBuf {
    let file = outside.join("canary/vault.hcl");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, config_text(CANARY)).unwrap();
    file
}

/// Where `abs` lands when re-rooted under `root`.
fn rerooted(root: &Path, abs: &Path) -> PathBuf {
    root.join(abs.strip_prefix("/").unwrap())
}

/// `../` enough times to climb from anywhere to `/`, then `abs`.
fn climbing(abs: &Path) -> String {
    format!(
        "{}{}",
        "../".repeat(40),
        abs.strip_prefix("/").unwrap().display()
    )
}

/// Collects facts of `root` (config and, with `host`, the host source) as one string, or the
/// input error's text.
fn collect_text(root: &Path, host: bool) -> String {
    let opts = SourceOptions {
        root: root.to_path_buf(),
        no_api: true,
        no_host: !host,
        now: now(),
        ..SourceOptions::default()
    };
    match scan::collect(&opts) {
        Ok(f) => f.doc.to_string(),
        Err(e) => format!("input error: {e}"),
    }
}

/// Plants `link` in a fresh root for each way out, checks the canary is never read, then
/// puts the re-rooted file in place and checks it is read instead.
fn assert_confined(plant: impl Fn(&Path, &Path) -> PathBuf) {
    let outside = tempfile::tempdir().unwrap();
    let canary_file = canary(outside.path());
    let root_dir = tempfile::tempdir().unwrap();
    let root = root_dir.path();
    std::fs::create_dir_all(root.join("etc/vault.d")).unwrap();
    let target_in_root = plant(root, &canary_file);
    let text = collect_text(root, false);
    assert!(!text.contains(CANARY), "read outside the root: {text}");
    std::fs::create_dir_all(target_in_root.parent().unwrap()).unwrap();
    std::fs::write(&target_in_root, config_text(INSIDE)).unwrap();
    let text = collect_text(root, false);
    assert!(!text.contains(CANARY), "read outside the root: {text}");
    assert!(text.contains(INSIDE), "the re-rooted file is read: {text}");
}

#[test]
fn root_absolute_symlink_is_rerooted() {
    assert_confined(|root, canary| {
        symlink(canary, root.join("etc/vault.d/vault.hcl")).unwrap();
        rerooted(root, canary)
    });
}

#[test]
fn root_relative_symlink_never_climbs_above_the_root() {
    assert_confined(|root, canary| {
        symlink(climbing(canary), root.join("etc/vault.d/vault.hcl")).unwrap();
        rerooted(root, canary)
    });
}

#[test]
fn root_symlink_chain_and_directory_link_stay_inside() {
    // /etc/vault.d -> /srv/conf (absolute), /srv/conf -> ../../../..<canary dir> (relative).
    assert_confined(|root, canary| {
        std::fs::remove_dir(root.join("etc/vault.d")).unwrap();
        symlink("/srv/conf", root.join("etc/vault.d")).unwrap();
        std::fs::create_dir_all(root.join("srv")).unwrap();
        symlink(climbing(canary.parent().unwrap()), root.join("srv/conf")).unwrap();
        rerooted(root, canary)
    });
}

#[test]
fn root_process_config_with_dotdot_stays_inside() {
    let outside = tempfile::tempdir().unwrap();
    let canary_file = canary(outside.path());
    let t = HostTree::new("dotdot").unwrap();
    t.dir("/var/lib/openbao", 0o755).unwrap();
    let mut p = FakeProcess::new(
        4242,
        "bao",
        &[
            "bao",
            "server",
            &format!("-config={}", climbing(&canary_file)),
        ],
    );
    p.cwd = Some("/var/lib/openbao".into());
    t.process(&p).unwrap();
    let text = collect_text(t.root(), true);
    assert!(!text.contains(CANARY), "read outside the root: {text}");
    let inside = rerooted(t.root(), &canary_file);
    std::fs::create_dir_all(inside.parent().unwrap()).unwrap();
    std::fs::write(&inside, config_text(INSIDE)).unwrap();
    let text = collect_text(t.root(), true);
    assert!(!text.contains(CANARY), "read outside the root: {text}");
    assert!(text.contains(INSIDE), "the re-rooted file is read: {text}");
}

#[test]
fn root_hostname_symlink_is_rerooted() {
    let outside = tempfile::tempdir().unwrap();
    let name = outside.path().join("hostname");
    std::fs::write(&name, "canary-host\n").unwrap();
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("etc")).unwrap();
    symlink(&name, root.path().join("etc/hostname")).unwrap();
    assert_eq!(scan::host_name(root.path()), "unknown");
    let inside = rerooted(root.path(), &name);
    std::fs::create_dir_all(inside.parent().unwrap()).unwrap();
    std::fs::write(&inside, "inside-host\n").unwrap();
    assert_eq!(scan::host_name(root.path()), "inside-host");
}

#[test]
fn root_certificate_symlink_is_rerooted() {
    let outside = tempfile::tempdir().unwrap();
    let cert = rcgen::generate_simple_self_signed(vec![CANARY.to_string()]).unwrap();
    let canary_cert = outside.path().join("canary.pem");
    std::fs::write(&canary_cert, cert.cert.pem()).unwrap();
    let root_dir = tempfile::tempdir().unwrap();
    let root = root_dir.path();
    std::fs::create_dir_all(root.join("etc/vault.d")).unwrap();
    std::fs::write(
        root.join("etc/vault.d/vault.hcl"),
        "listener \"tcp\" {\n  address = \"0.0.0.0:8200\"\n  tls_cert_file = \"/etc/vault.d/tls.crt\"\n  tls_key_file = \"/etc/vault.d/tls.key\"\n}\n",
    )
    .unwrap();
    symlink(&canary_cert, root.join("etc/vault.d/tls.crt")).unwrap();
    let opts = SourceOptions {
        root: root.to_path_buf(),
        no_api: true,
        now: now(),
        ..SourceOptions::default()
    };
    let facts = scan::collect(&opts).unwrap();
    let tls = facts.doc["tls"].to_string();
    assert!(!tls.contains(CANARY), "read outside the root: {tls}");
    assert!(
        tls.contains("not found"),
        "the re-rooted path is absent: {tls}"
    );
}

// ---------------------------------------------------------------------------------------
// Output that cannot destroy anything

fn scan_to(outputs: &[(&str, &Path)]) -> std::process::Output {
    let mut cmd = vaultsec();
    cmd.args([
        "scan",
        "--no-host",
        "--no-api",
        "--now",
        NOW,
        "--fail-on",
        "never",
        "-q",
        "-c",
    ])
    .arg(repo("fixtures/config/config.ui-enabled/pass.hcl"));
    for (format, path) in outputs {
        cmd.args(["--format", format, "-o"]).arg(path);
    }
    cmd.timeout(HANG).output().unwrap()
}

#[test]
fn output_to_dev_null_keeps_the_device() {
    // A device node of our own (as root), so a regression cannot take the machine's
    // /dev/null with it; /dev/null itself otherwise.
    let dir = tempfile::tempdir().unwrap();
    let own = dir.path().join("null");
    let made = std::process::Command::new("mknod")
        .arg(&own)
        .args(["c", "1", "3"])
        .status()
        .is_ok_and(|s| s.success());
    let null = if made {
        own.as_path()
    } else {
        Path::new("/dev/null")
    };
    let is_device = |p: &Path| {
        std::fs::symlink_metadata(p)
            .unwrap()
            .file_type()
            .is_char_device()
    };
    assert!(
        is_device(null),
        "{} is a device before the test",
        null.display()
    );
    let out = scan_to(&[("json", null)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(is_device(null), "{} is still a device", null.display());
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), usize::from(made), "no temporary beside it");
}

#[test]
fn output_to_a_fifo_writes_through_to_its_reader() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("report.fifo");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let out = scan_to(&[("json", &fifo)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let got = reader.join().unwrap();
    let report: serde_json::Value =
        serde_json::from_slice(&got).expect("the reader got the report");
    assert_eq!(report["schema_version"], 1);
    let md = std::fs::symlink_metadata(&fifo).unwrap();
    assert!(md.file_type().is_fifo(), "the FIFO is still a FIFO");
}

#[test]
fn output_to_a_fifo_without_a_reader_is_an_error_not_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("report.fifo");
    mkfifo(&fifo);
    let json = dir.path().join("report.json");
    std::fs::write(&json, "old").unwrap();
    let out = scan_to(&[("json", &json), ("json", &fifo)]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("no reader"), "{}", stderr_of(&out));
    let fifo_type = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(fifo_type.is_fifo());
    // The failure came before any rename: the other output is untouched, no temporary left.
    assert_eq!(std::fs::read_to_string(&json).unwrap(), "old");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

#[test]
fn output_through_a_symlink_keeps_the_link_and_replaces_its_target() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("real")).unwrap();
    let target = dir.path().join("real/report.json");
    std::fs::write(&target, "old").unwrap();
    let link = dir.path().join("report.json");
    symlink("real/report.json", &link).unwrap();
    let out = scan_to(&[("json", &link)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        std::fs::read_link(&link).unwrap(),
        Path::new("real/report.json")
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&target).unwrap()).unwrap();
    assert_eq!(report["schema_version"], 1);
    // No temporary left in either directory.
    for d in [dir.path().to_path_buf(), dir.path().join("real")] {
        let names: Vec<String> = std::fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("vaultsec"))
            .collect();
        assert!(names.is_empty(), "{names:?}");
    }
}

#[test]
fn output_to_a_directory_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = scan_to(&[("json", dir.path())]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("is a directory"),
        "{}",
        stderr_of(&out)
    );
    assert!(std::fs::metadata(dir.path()).unwrap().is_dir());
}

#[test]
fn stale_temporaries_of_a_killed_run_are_removed_and_live_ones_kept() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("report.json");
    // pid 0 is never a process; pid 1 always runs.
    let stale = dir.path().join(".report.json.vaultsec-0-AbC123.tmp");
    let live = dir.path().join(".report.json.vaultsec-1-XyZ789.tmp");
    let other = dir.path().join(".other.json.vaultsec-0-AbC123.tmp");
    for f in [&stale, &live, &other] {
        std::fs::write(f, "partial").unwrap();
    }
    let out = scan_to(&[("json", &target)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(!stale.exists(), "the stale temporary is removed");
    assert!(live.exists(), "a running writer's temporary is kept");
    assert!(
        other.exists(),
        "another target's temporary is not ours to remove"
    );
    let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode & 0o600, 0o600, "the report is readable: {mode:o}");
}

#[test]
fn several_outputs_are_all_written_with_no_temporary_left() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let html = dir.path().join("report.html");
    std::fs::write(&json, "old json").unwrap();
    std::fs::write(&html, "old html").unwrap();
    let out = scan_to(&[("json", &json), ("html", &html)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(std::fs::read_to_string(&json).unwrap().starts_with('{'));
    assert!(std::fs::read_to_string(&html).unwrap().contains("<html"));
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().contains("vaultsec"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_huge_shell_history_or_line_is_an_error_never_a_clean_pass() {
    let t = HostTree::new("history").unwrap();
    t.process(&FakeProcess::new(4242, "bao", &["bao", "server"]))
        .unwrap();
    // 5 GiB sparse: refused by its size, nothing read.
    std::fs::create_dir_all(t.path("/root")).unwrap();
    std::fs::File::create(t.path("/root/.bash_history"))
        .unwrap()
        .set_len(5 << 30)
        .unwrap();
    // One line of 100 KiB: never held whole; it may hide a secret, so the file is not clean.
    let mut long = b"ls\n".to_vec();
    long.extend(vec![b'x'; 100 * 1024]);
    long.extend(b"\nvault login\n");
    t.file("/home/alice/.bash_history", &long).unwrap();
    let out = vaultsec()
        .args(["facts", "--no-api", "--no-config", "--root"])
        .arg(t.root())
        .timeout(HANG)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let facts: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = facts["host"]["history"]["files"]
        .as_array()
        .expect("history files");
    let lines = |path: &str| {
        files
            .iter()
            .find(|f| f["path"] == path)
            .map(|f| f["lines"].clone())
            .unwrap_or_else(|| panic!("{path} listed: {files:?}"))
    };
    let root_history = lines("/root/.bash_history");
    assert_eq!(root_history["state"], "error", "{root_history}");
    assert!(
        root_history["reason"]
            .as_str()
            .unwrap()
            .contains("is larger than"),
        "{root_history}"
    );
    let alice = lines("/home/alice/.bash_history");
    assert_eq!(alice["state"], "error", "{alice}");
    assert_eq!(
        alice["reason"],
        "/home/alice/.bash_history: line 2 is longer than 64 KiB; not scanned"
    );
}

#[test]
fn output_to_dev_stdout_redirected_to_a_file_writes_through_the_descriptor() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("redirected.json");
    let stdout = std::fs::File::create(&file).unwrap();
    let inode = |p: &Path| std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(p).unwrap());
    let before = inode(&file);
    let status = std::process::Command::new(assert_cmd::cargo::cargo_bin("vaultsec"))
        .args([
            "scan",
            "--no-host",
            "--no-api",
            "--now",
            NOW,
            "--fail-on",
            "never",
            "-q",
            "-c",
        ])
        .arg(repo("fixtures/config/config.ui-enabled/pass.hcl"))
        .args(["--format", "json", "-o", "/dev/stdout"])
        .stdout(stdout)
        .env_remove("VAULT_ADDR")
        .env_remove("BAO_ADDR")
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(inode(&file), before, "the file was written, not replaced");
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(report["schema_version"], 1);
    assert!(std::fs::symlink_metadata("/dev/stdout")
        .unwrap()
        .file_type()
        .is_symlink());
}
