//! contrib/: the systemd units (systemd-analyze verify, and the nightly wrapper run for real),
//! the Kubernetes CronJob (YAML, structure) and the Ansible playbook (ansible-playbook
//! --syntax-check, then a real run over two local "nodes" and the merge).

use crate::common::{node_root, repo, tool, NOW};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command as Process;

fn vaultsec_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_vaultsec"))
}

fn run(cmd: &mut Process) -> std::process::Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `[Section]` → key → values, as systemd reads a unit file (comments and blanks skipped).
fn unit_keys(text: &str) -> Vec<(String, String, String)> {
    let mut section = String::new();
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = s.to_string();
            continue;
        }
        let (k, v) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("not key=value: {line}"));
        out.push((section.clone(), k.trim().to_string(), v.trim().to_string()));
    }
    out
}

#[test]
fn systemd_units_pass_systemd_analyze_verify() {
    let dir = tempfile::tempdir().unwrap();
    let src = repo("contrib/systemd");
    // verify checks that ExecStart exists: point it at the wrapper in the checkout.
    let service = fs::read_to_string(src.join("vaultsec.service")).unwrap();
    assert!(service.contains("ExecStart=/usr/local/libexec/vaultsec-nightly $VAULTSEC_ARGS"));
    let service = service.replace(
        "/usr/local/libexec/vaultsec-nightly",
        src.join("vaultsec-nightly").to_str().unwrap(),
    );
    fs::write(dir.path().join("vaultsec.service"), service).unwrap();
    fs::copy(
        src.join("vaultsec.timer"),
        dir.path().join("vaultsec.timer"),
    )
    .unwrap();
    let out = run(Process::new(tool("VAULTSEC_SYSTEMD_ANALYZE"))
        .args([
            "verify",
            "--man=no",
            "./vaultsec.service",
            "./vaultsec.timer",
        ])
        .current_dir(dir.path()));
    // verify reports unknown keys and bad values as warnings with exit 0: none is allowed.
    assert!(
        out.stderr.is_empty() && out.stdout.is_empty(),
        "systemd-analyze verify complained:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // What the brief of the unit is: unprivileged, two capabilities, read-only system.
    let keys = unit_keys(&fs::read_to_string(src.join("vaultsec.service")).unwrap());
    let get = |k: &str| {
        keys.iter()
            .filter(|(s, key, _)| s == "Service" && key == k)
            .map(|(_, _, v)| v.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(get("User"), ["vaultsec"]);
    assert_eq!(
        get("AmbientCapabilities"),
        ["CAP_DAC_READ_SEARCH CAP_SYS_PTRACE"]
    );
    assert_eq!(
        get("CapabilityBoundingSet"),
        ["CAP_DAC_READ_SEARCH CAP_SYS_PTRACE"]
    );
    assert_eq!(get("NoNewPrivileges"), ["yes"]);
    assert_eq!(get("ProtectSystem"), ["strict"]);
    assert_eq!(get("StateDirectory"), ["vaultsec"]);
    let timer = unit_keys(&fs::read_to_string(src.join("vaultsec.timer")).unwrap());
    assert!(timer.contains(&("Timer".into(), "OnCalendar".into(), "*-*-* 03:15:00".into())));
    assert!(timer.contains(&("Install".into(), "WantedBy".into(), "timers.target".into())));
}

#[test]
fn the_nightly_wrapper_writes_json_html_and_textfile_with_drift_on_the_second_night() {
    let wrapper = repo("contrib/systemd/vaultsec-nightly");
    run(Process::new("sh").arg("-n").arg(&wrapper));
    let state = tempfile::tempdir().unwrap();
    let textfile = tempfile::tempdir().unwrap();
    let root = node_root("vault-1");
    let night = || {
        run(Process::new(&wrapper)
            .env("VAULTSEC", vaultsec_bin())
            .env("STATE_DIR", state.path())
            .env("TEXTFILE_DIR", textfile.path())
            .env("WAIVERS", state.path().join("no-waivers.toml"))
            .current_dir(repo(""))
            .args(["--no-host", "--no-api", "--now", NOW, "--root"])
            .arg(root.path())
            .args(["-c", "fixtures/config/tls.listener-disabled/fail.hcl"]))
    };
    let first = night();
    assert!(
        first.stdout.is_empty() && first.stderr.is_empty(),
        "-q: quiet"
    );
    let report: serde_json::Value =
        serde_json::from_slice(&fs::read(state.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(report["host"], "vault-1");
    assert!(
        report.get("resolved").is_none(),
        "no baseline on the first night"
    );
    assert!(fs::read_to_string(state.path().join("report.html"))
        .unwrap()
        .contains("vault-1"));
    let prom = fs::read_to_string(textfile.path().join("vaultsec.prom")).unwrap();
    assert!(prom.contains("vaultsec_scan_complete 1"));

    night();
    assert!(state.path().join("previous.json").is_file());
    let report: serde_json::Value =
        serde_json::from_slice(&fs::read(state.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(report["resolved"], serde_json::json!([]));
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["new"] == false));
    let prom = fs::read_to_string(textfile.path().join("vaultsec.prom")).unwrap();
    assert!(prom.contains("vaultsec_new_failures 0"));
}

/// The CronJob manifest read by PyYAML: the documents, as JSON.
fn yaml_documents(path: &Path) -> Vec<serde_json::Value> {
    let out = run(Process::new(tool("VAULTSEC_PYTHON"))
        .args([
            "-c",
            "import json, sys, yaml\nprint(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))",
        ])
        .arg(path));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_kubernetes_cronjob_is_valid_yaml_that_audits_through_the_api() {
    let docs = yaml_documents(&repo("contrib/kubernetes/vaultsec-cronjob.yaml"));
    let kinds: Vec<&str> = docs.iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["ServiceAccount", "CronJob"]);
    let cron = &docs[1];
    assert_eq!(cron["apiVersion"], "batch/v1");
    assert_eq!(cron["spec"]["schedule"], "15 3 * * *");
    assert_eq!(cron["spec"]["concurrencyPolicy"], "Forbid");
    let pod = &cron["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    assert_eq!(pod["restartPolicy"], "Never");
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    let container = &pod["containers"][0];
    let args: Vec<&str> = container["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(args[0], "scan");
    for flag in [
        "--no-host",
        "--no-config",
        "--addr",
        "--token-file",
        "--ca-cert",
    ] {
        assert!(args.contains(&flag), "{flag} missing: {args:?}");
    }
    // The token comes from the Secret, mounted where --token-file reads it.
    let token = args[args.iter().position(|a| *a == "--token-file").unwrap() + 1];
    let mount = &container["volumeMounts"][0];
    assert!(token.starts_with(mount["mountPath"].as_str().unwrap()));
    let volume = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == mount["name"])
        .unwrap();
    assert_eq!(volume["secret"]["secretName"], "vaultsec-token");
    assert_eq!(container["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(
        container["securityContext"]["allowPrivilegeEscalation"],
        false
    );
    // Every flag of the manifest is one vaultsec knows.
    let help = run(Process::new(vaultsec_bin()).args(["scan", "--help"]));
    let help = String::from_utf8_lossy(&help.stdout);
    for flag in args.iter().filter(|a| a.starts_with("--")) {
        assert!(help.contains(flag), "vaultsec scan has no {flag}");
    }
}

#[test]
fn the_ansible_playbook_passes_syntax_check_and_merges_a_local_fleet() {
    let playbook = repo("contrib/ansible/vaultsec-fleet.yml");
    let ansible = tool("VAULTSEC_ANSIBLE_PLAYBOOK");
    let python = tool("VAULTSEC_PYTHON");
    let work = tempfile::tempdir().unwrap();
    let env = |cmd: &mut Process| {
        cmd.env("ANSIBLE_NOCOLOR", "1")
            .env("ANSIBLE_LOCAL_TEMP", work.path().join("ansible-local"))
            .env("ANSIBLE_REMOTE_TEMP", work.path().join("ansible-remote"))
            .env("ANSIBLE_RETRY_FILES_ENABLED", "0");
    };
    let mut check = Process::new(&ansible);
    check
        .arg("--syntax-check")
        .arg("-i")
        .arg(repo("contrib/ansible/inventory.example.ini"))
        .arg(&playbook);
    env(&mut check);
    run(&mut check);

    // Two "nodes" on this machine (local connection), each with its own host name and config.
    let roots = [node_root("vault-a"), node_root("vault-b")];
    let configs = [
        "fixtures/config/tls.listener-disabled/fail.hcl",
        "fixtures/config/tls.listener-disabled/pass.hcl",
    ];
    let mut inventory = String::from("[vault]\n");
    for ((name, root), cfg) in ["vault-a", "vault-b"].iter().zip(&roots).zip(configs) {
        let args = serde_json::json!([
            "--no-host",
            "--no-api",
            "--now",
            NOW,
            "--root",
            root.path(),
            "-c",
            repo(cfg),
        ]);
        inventory.push_str(&format!(
            "{name} vaultsec_scan_args='{args}' vaultsec_remote_report={}\n",
            work.path().join(format!("{name}-remote.json")).display()
        ));
    }
    inventory.push_str(&format!(
        "\n[vault:vars]\nansible_connection=local\nansible_python_interpreter={}\n",
        python.display()
    ));
    let inv = work.path().join("inventory.ini");
    fs::write(&inv, inventory).unwrap();
    let reports = work.path().join("reports");
    let mut play = Process::new(&ansible);
    play.arg("-i")
        .arg(&inv)
        .arg(&playbook)
        .args(["-e", "vaultsec_become=false"])
        .arg("-e")
        .arg(format!("vaultsec_bin={}", vaultsec_bin().display()))
        .arg("-e")
        .arg(format!("vaultsec_merge_bin={}", vaultsec_bin().display()))
        .arg("-e")
        .arg(format!("vaultsec_reports_dir={}", reports.display()));
    env(&mut play);
    run(&mut play);

    for node in ["vault-a", "vault-b"] {
        assert!(reports.join(format!("nodes/{node}.json")).is_file());
    }
    let fleet: serde_json::Value =
        serde_json::from_slice(&fs::read(reports.join("fleet.json")).unwrap()).unwrap();
    let nodes: Vec<&str> = fleet["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["node"].as_str().unwrap())
        .collect();
    assert_eq!(nodes, ["vault-a", "vault-b"]);
    assert!(fleet["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["node"] == "vault-a" && f["status"] == "fail"));
    assert!(fs::read_to_string(reports.join("fleet.html"))
        .unwrap()
        .contains("vault-b"));
    roxmltree::Document::parse(&fs::read_to_string(reports.join("fleet.xml")).unwrap())
        .expect("fleet.xml is JUnit XML");
}
