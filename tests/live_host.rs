//! A real `bao server` process found by a flagless `vaultsec scan --no-api`.
//!
//! This is its own test binary on purpose: a flagless scan audits whatever server runs on the
//! machine, so the flagless scenario runs again inside a PID namespace of its own (`unshare`),
//! where it sees only the server it starts, whatever else runs on the machine; the scenarios
//! run in sequence.

use std::io::Read;
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The scenarios audit the whole machine: one at a time.
static MACHINE: Mutex<()> = Mutex::new(());

/// Set in the copy of this test binary that runs inside its own PID namespace.
const IN_PID_NAMESPACE: &str = "VAULTSEC_TEST_IN_PID_NAMESPACE";

/// Runs the test `name` again inside a PID namespace of its own with a private `/proc`, where
/// the only servers are the ones it starts: a flagless scan audits whatever server runs, and a
/// Vault node or a laptop with a dev server has others. Returns false when already inside.
fn isolated(name: &str) -> bool {
    if std::env::var_os(IN_PID_NAMESPACE).is_some() {
        return false;
    }
    let mut cmd = Command::new("unshare");
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        cmd.arg("--map-root-user");
    }
    let status = cmd
        .args(["--pid", "--fork", "--mount-proc"])
        .arg(std::env::current_exe().unwrap())
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env(IN_PID_NAMESPACE, "1")
        .status()
        .expect("run unshare (util-linux) for a private PID namespace");
    assert!(
        status.success(),
        "{name} in its own PID namespace: {status}"
    );
    true
}

/// Waits until no Vault/OpenBao server runs (those of earlier scenarios may still be exiting).
fn wait_alone() {
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut others = running_servers();
    while !others.is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(250));
        others = running_servers();
    }
    // Pids and programs only: a command line can carry a token (`-dev-root-token-id=`).
    let others: Vec<(u32, &str)> = others
        .iter()
        .map(|(pid, argv)| (*pid, argv[0].as_str()))
        .collect();
    assert!(
        others.is_empty(),
        "another Vault/OpenBao server runs in this test's PID namespace ({others:?}); this test \
         audits the machine with a flagless scan and must be alone"
    );
}

fn bao() -> PathBuf {
    if let Some(p) = std::env::var_os("VAULTSEC_BAO") {
        return PathBuf::from(p);
    }
    let out = Command::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/fetch-bao.sh"))
        .output()
        .expect("run scripts/fetch-bao.sh");
    assert!(
        out.status.success(),
        "scripts/fetch-bao.sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Vault or OpenBao servers running on this machine (pid, argv).
fn running_servers() -> Vec<(u32, Vec<String>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(raw) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let argv: Vec<String> = raw
            .split(|b| *b == 0)
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect();
        let binary = argv
            .first()
            .map(|a| a.rsplit('/').next().unwrap_or("").to_string())
            .unwrap_or_default();
        if (binary == "bao" || binary == "vault") && argv.iter().any(|a| a == "server") {
            out.push((pid, argv));
        }
    }
    out
}

/// Kills the server when the test ends, whatever happens.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const INFINITY: libc::rlim_t = libc::RLIM_INFINITY;

fn start(dir: &std::path::Path, core: (libc::rlim_t, libc::rlim_t)) -> (Server, PathBuf) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = dir.join("server.hcl");
    std::fs::write(
        &config,
        format!("storage \"inmem\" {{}}\nlistener \"tcp\" {{\n  address = \"127.0.0.1:{port}\"\n  tls_disable = true\n}}\ndisable_mlock = true\n"),
    )
    .unwrap();
    let mut cmd = Command::new(bao());
    cmd.arg("server")
        .arg(format!("-config={}", config.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            let lim = libc::rlimit {
                rlim_cur: core.0,
                rlim_max: core.1,
            };
            if libc::setrlimit(libc::RLIMIT_CORE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().expect("start bao server");
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            let _ = child.stderr.take().map(|mut e| e.read_to_string(&mut err));
            panic!("bao server exited ({status}): {err}");
        }
        assert!(
            Instant::now() < deadline,
            "bao server did not listen on {port} within 20 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    (Server(child), config)
}

fn vaultsec(args: &[&str]) -> (Option<i32>, serde_json::Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_vaultsec"))
        .args(args)
        .env_remove("VAULT_ADDR")
        .env_remove("BAO_ADDR")
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), json)
}

#[test]
fn flagless_scan_finds_the_running_server_and_judges_its_core_limit() {
    let _alone = MACHINE.lock().unwrap_or_else(|e| e.into_inner());
    if isolated("flagless_scan_finds_the_running_server_and_judges_its_core_limit") {
        return;
    }
    wait_alone();
    let dir = tempfile::tempdir().unwrap();
    for (core, want) in [
        ((0, 0), "pass"),
        ((INFINITY, INFINITY), "fail"),
        ((0, INFINITY), "fail"),
    ] {
        let (server, config) = start(dir.path(), core);
        let pid = server.0.id();

        let (code, facts) = vaultsec(&["facts", "--no-api"]);
        assert_eq!(code, Some(0));
        let host = &facts["host"];
        assert_eq!(facts["sources"]["host"], "available");
        assert_eq!(host["effective"]["pid"], pid, "the scan judged our server");
        assert_eq!(host["product"]["name"], "openbao");
        // SAFETY: geteuid has no preconditions.
        let uid = unsafe { libc::geteuid() };
        assert_eq!(host["effective"]["user"]["value"]["uid"], uid);
        let limit = &host["effective"]["core_limit"]["value"];
        let shown = |v: libc::rlim_t| {
            if v == INFINITY {
                serde_json::json!("unlimited")
            } else {
                serde_json::json!(v)
            }
        };
        assert_eq!(
            (&limit["soft"], &limit["hard"]),
            (&shown(core.0), &shown(core.1))
        );
        assert_eq!(limit["source"], "process");
        // The server's -config became the config source.
        assert_eq!(facts["config"]["files"][0], config.display().to_string());

        let (code, report) = vaultsec(&[
            "scan",
            "--no-api",
            "--format",
            "json",
            "--select",
            "host.core-dumps,host.service-user-root",
            "--fail-on",
            "never",
        ]);
        assert_eq!(code, Some(0));
        let finding = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == "host.core-dumps")
            .unwrap();
        assert_eq!(finding["status"], want, "core limit {core:?}: {finding}");
        drop(server);
    }
}

/// The finding of `rule` in a JSON report.
fn finding<'a>(report: &'a serde_json::Value, rule: &str) -> &'a serde_json::Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} finding: {report}"))
}

#[test]
fn with_two_servers_the_config_names_the_process_and_otherwise_nothing_is_judged() {
    // Not alone on the machine: other servers are more candidates, and -c still tells ours.
    let _alone = MACHINE.lock().unwrap_or_else(|e| e.into_inner());
    // Two real servers on one host: one without core dumps, one with them.
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, config_a) = start(dir_a.path(), (0, 0));
    let (b, config_b) = start(dir_b.path(), (INFINITY, INFINITY));
    let (pid_a, pid_b) = (a.0.id(), b.0.id());
    let (config_a, config_b) = (
        config_a.display().to_string(),
        config_b.display().to_string(),
    );
    let scan = |extra: &[&str]| {
        let mut args = vec![
            "scan",
            "--no-api",
            "--format",
            "json",
            "--select",
            "host.core-dumps,host.service-user-root",
            "--fail-on",
            "never",
        ];
        args.extend_from_slice(extra);
        let (code, report) = vaultsec(&args);
        assert_eq!(code, Some(0), "{report}");
        report
    };

    // -c names the server: its limits are judged, and the evidence names its pid.
    for (config, pid, want) in [(&config_b, pid_b, "fail"), (&config_a, pid_a, "pass")] {
        let report = scan(&["-c", config.as_str()]);
        let core = finding(&report, "host.core-dumps");
        assert_eq!(core["status"], want, "-c {config}: {core}");
        assert_eq!(core["evidence"]["pid"], pid, "-c {config}: {core}");
        assert_eq!(core["evidence"]["source"], "process");
        let user = finding(&report, "host.service-user-root");
        assert_eq!(user["evidence"]["pid"], pid, "{user}");
    }

    // Without -c, or with a config neither runs: skip, naming both candidates.
    let elsewhere = dir_a.path().join("elsewhere.hcl");
    std::fs::copy(&config_a, &elsewhere).unwrap();
    let elsewhere = elsewhere.display().to_string();
    for extra in [vec![], vec!["-c", elsewhere.as_str()]] {
        let report = scan(&extra);
        for rule in ["host.core-dumps", "host.service-user-root"] {
            let f = finding(&report, rule);
            assert_eq!(f["status"], "skip", "{extra:?}: {f}");
            let m = f["message"].as_str().unwrap_or_default();
            for want in [
                format!("pid {pid_a} (-config {config_a})"),
                format!("pid {pid_b} (-config {config_b})"),
            ] {
                assert!(m.contains(&want), "{extra:?}: {m}");
            }
        }
    }
    drop((a, b));
}
