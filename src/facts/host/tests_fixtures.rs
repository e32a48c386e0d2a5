//! Whole-host collection over fixture trees built at test time (see `testkit`).

use std::path::PathBuf;

use super::common::{LimitValue, ProbeState, Product, RLimit};
use super::secrets::SecretKind;
use super::testkit::{self, HostTree};
use super::{collect, stat_paths, FileFact, HostFacts, HostOptions};

fn scan(t: &HostTree) -> HostFacts {
    collect(&HostOptions {
        root: t.root().to_path_buf(),
        ..HostOptions::default()
    })
}

fn find<'a>(files: &'a [FileFact], role: &str, path: &str) -> &'a FileFact {
    files
        .iter()
        .find(|f| f.role == role && f.path == path)
        .unwrap_or_else(|| panic!("no {role} fact for {path}: {files:#?}"))
}

/// The facts must never carry a planted secret, in JSON or in Debug (error strings included).
fn assert_no_leak(h: &HostFacts, secrets: &[&str]) {
    let json = serde_json::to_string(h).unwrap();
    let debug = format!("{h:?}");
    for s in secrets {
        assert!(!json.contains(s), "secret {s:?} leaked into the JSON facts");
        assert!(!debug.contains(s), "secret {s:?} leaked into Debug output");
    }
}

#[test]
fn weak_node() {
    let t = testkit::weak_node().unwrap();
    let h = scan(&t);

    let procs = h.processes.get().expect("process found");
    assert_eq!(procs.len(), 1);
    let p = &procs[0];
    assert_eq!((p.pid, p.product), (4242, Product::Vault));
    assert_eq!(p.status.get().unwrap().uid.effective, 0);
    assert_eq!(p.config_paths[0].path, "/etc/vault.d/vault.hcl");
    let env = p.environ.get().unwrap();
    assert_eq!(env.variables.get("VAULT_TOKEN"), Some(&None));
    assert_eq!(env.secrets[0].kind, SecretKind::VaultTokenAssignment);

    let user = h.effective.user.get().unwrap();
    assert!(user.is_root);
    assert_eq!(user.source, "process");
    let acct = h.account.get().unwrap();
    assert_eq!(acct.name.as_deref(), Some("root"));
    assert_eq!(acct.login_shell, Some(true));

    let core = h.effective.core_limit.get().unwrap();
    assert_eq!(
        (core.soft, core.hard),
        (LimitValue::Value(0), LimitValue::Unlimited)
    );
    assert!(!core.disabled);
    assert_eq!(core.source, "process");

    assert!(h.swap.get().unwrap().active);
    let fence = h.effective.swap_fence.get().unwrap();
    assert!(!fence.fenced);
    assert_eq!(fence.source, "process");

    let unit = h.unit.get().unwrap();
    assert_eq!(unit.fragment, "/etc/systemd/system/vault.service");
    assert!(unit.user.is_none() && unit.limit_core.is_none() && unit.protect_system.is_none());
    assert_eq!(unit.secrets.len(), 1);
    assert_eq!(unit.secrets[0].variable.as_deref(), Some("DB_PASSWORD"));
    assert_eq!(unit.secrets[0].line, 6);

    let bin = find(&h.files.binary, "server_binary", "/usr/local/bin/vault");
    let s = bin.stat.get().unwrap();
    assert_eq!(s.mode, "0777");
    assert!(s.writable_by_others && s.writable_by_account == Some(true));
    assert!(
        find(&h.files.binary, "server_binary_dir", "/usr/local/bin")
            .stat
            .get()
            .unwrap()
            .writable_by_others
    );
    assert_eq!(
        find(&h.files.config, "config_file", "/etc/vault.d/vault.hcl")
            .stat
            .get()
            .unwrap()
            .mode,
        "0666"
    );
    assert_eq!(
        find(&h.files.config, "config_dir", "/etc/vault.d")
            .stat
            .get()
            .unwrap()
            .mode,
        "0777"
    );

    let hits: Vec<(&str, u32, SecretKind)> = h
        .history
        .secrets
        .iter()
        .map(|s| (s.file.as_str(), s.line, s.kind))
        .collect();
    assert_eq!(
        hits,
        vec![
            ("/root/.bash_history", 3, SecretKind::VaultToken),
            ("/root/.bash_history", 4, SecretKind::VaultTokenAssignment),
            ("/home/alice/.zsh_history", 1, SecretKind::UnsealKeyArgument),
        ]
    );
    assert!(!h.history.histignore.covers_vault);
    assert_eq!(
        h.history.histignore.histcontrol.as_deref(),
        Some("ignoredups")
    );
    let tok = &h.history.token_files[0];
    assert_eq!(tok.path, "/root/.vault-token");
    assert_eq!(tok.stat.get().unwrap().mode, "0644");

    let l = h.listeners.get().unwrap();
    let by_port = |port: u16| l.listeners.iter().find(|x| x.port == port).unwrap();
    assert!(by_port(8200).server && by_port(8200).pid == Some(4242));
    assert_eq!(by_port(22).comm.as_deref(), Some("sshd"));
    assert_eq!(by_port(5432).comm.as_deref(), Some("postgres"));
    assert_eq!(by_port(9100).pid, None);
    assert_eq!(l.unmapped, 1);
    assert!(by_port(8200).all_interfaces);

    assert_eq!(h.firewall.status, "inactive");
    assert_eq!(h.time_sync.status, "inactive");
    assert!(h.snapshot_schedule.get().unwrap().jobs.is_empty());
    assert!(
        !h.effective.ipc_lock.sources.is_empty(),
        "root has CAP_IPC_LOCK in CapEff"
    );
    assert_eq!(h.kernel.swappiness.get(), Some(&60));

    assert_no_leak(
        &h,
        &[
            testkit::PLANTED_TOKEN,
            testkit::PLANTED_UNSEAL_KEY,
            testkit::PLANTED_PASSWORD,
        ],
    );
}

#[test]
fn hardened_node() {
    let t = testkit::hardened_node().unwrap_or_else(|e| panic!("{e}"));
    let h = scan(&t);

    let user = h.effective.user.get().unwrap();
    assert_eq!((user.uid, user.is_root), (Some(testkit::VAULT_UID), false));
    let acct = h.account.get().unwrap();
    assert_eq!(acct.login_shell, Some(false));
    assert!(acct.group_ids().contains(&testkit::VAULT_GID));

    let core = h.effective.core_limit.get().unwrap();
    assert!(core.disabled && core.source == "process");
    assert!(!h.swap.get().unwrap().active);
    let fence = h.effective.swap_fence.get().unwrap();
    assert!(fence.fenced && fence.source == "process");

    let unit = h.unit.get().unwrap();
    assert_eq!(
        unit.files,
        vec![
            "/usr/lib/systemd/system/vault.service",
            "/etc/systemd/system/vault.service.d/10-swap.conf"
        ]
    );
    let swap = unit.memory_swap_max.as_ref().unwrap();
    assert_eq!(swap.value, Some(LimitValue::Value(0)));
    assert_eq!(
        (swap.file.as_str(), swap.line),
        ("/etc/systemd/system/vault.service.d/10-swap.conf", 2)
    );
    assert_eq!(
        unit.environment_files[0].keys.get().unwrap(),
        &vec!["VAULT_ADDR".to_string()]
    );

    let bin = find(&h.files.binary, "server_binary", "/usr/bin/vault");
    let s = bin.stat.get().unwrap();
    assert!(s.owned_by_root && s.writable_by_account == Some(false) && !s.writable_by_others);
    assert!(s.capabilities.as_ref().unwrap().get().unwrap().ipc_lock);
    assert_eq!(
        h.effective.ipc_lock.sources.len(),
        3,
        "{:?}",
        h.effective.ipc_lock
    );
    assert_eq!(h.effective.ipc_lock.memlock_unlimited, Some(true));

    let cfg = find(&h.files.config, "config_file", "/etc/vault.d/vault.hcl")
        .stat
        .get()
        .unwrap();
    assert_eq!(
        (
            cfg.mode.as_str(),
            cfg.owner.as_deref(),
            cfg.group.as_deref()
        ),
        ("0640", Some("root"), Some("vault"))
    );
    assert_eq!(
        (cfg.writable_by_account, cfg.readable_by_account),
        (Some(false), Some(true))
    );
    let dir = find(&h.files.config, "config_dir", "/etc/vault.d")
        .stat
        .get()
        .unwrap();
    assert_eq!(
        (dir.mode.as_str(), dir.writable_by_account),
        ("0750", Some(false))
    );
    assert_eq!(
        h.files.environment_files[0].stat.get().unwrap().mode,
        "0640"
    );

    // What the integrator will pass for config-named paths.
    let extra = stat_paths(
        t.root(),
        h.account(),
        &[
            (
                "tls_key".to_string(),
                PathBuf::from("/opt/vault/tls/tls.key"),
            ),
            ("storage".to_string(), PathBuf::from("/opt/vault/data")),
            (
                "audit_log".to_string(),
                PathBuf::from("/var/log/vault/audit.log"),
            ),
        ],
    );
    let key = extra[0].stat.get().unwrap();
    assert_eq!(
        (
            key.mode.as_str(),
            key.owned_by_account,
            key.readable_by_others,
            key.group_readable
        ),
        ("0600", Some(true), false, false)
    );
    let data = extra[1].stat.get().unwrap();
    assert_eq!((data.kind.as_str(), data.mode.as_str()), ("dir", "0700"));
    assert_eq!(extra[2].stat.state, ProbeState::Skip);

    assert_eq!(h.time_sync.status, "active");
    assert_eq!(h.firewall.status, "active");
    let jobs = &h.snapshot_schedule.get().unwrap().jobs;
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        (
            jobs[0].file.as_str(),
            jobs[0].line,
            jobs[0].method.as_str(),
            jobs[0].user.as_deref()
        ),
        ("/etc/cron.d/vault-snapshot", 2, "cli", Some("vault"))
    );
    let hi = &h.history.histignore;
    assert!(hi.covers_vault && hi.covers_bao);
    assert!(h.history.secrets.is_empty());
    assert!(h.history.token_files.is_empty());
    let l = h.listeners.get().unwrap();
    assert_eq!(l.listeners.iter().filter(|x| x.server).count(), 2);
    assert_eq!(l.unmapped, 0);
    assert_eq!(
        h.kernel.core_pattern.get().map(|s| s.starts_with('|')),
        Some(true)
    );
}

#[test]
fn openbao_packaging() {
    let t = testkit::openbao_packaging().unwrap_or_else(|e| panic!("{e}"));
    let h = scan(&t);
    assert_eq!(h.processes.state, ProbeState::Skip);
    assert_eq!(
        h.processes.reason.as_deref(),
        Some("no running vault/bao server process found under /proc")
    );
    let product = h.product.as_ref().unwrap();
    assert_eq!(
        (product.name, product.source.as_str()),
        (Product::Openbao, "unit")
    );
    let user = h.effective.user.get().unwrap();
    assert_eq!(
        (user.name.as_deref(), user.is_root, user.source.as_str()),
        (Some("openbao"), false, "unit")
    );
    assert_eq!(h.account.get().unwrap().login_shell, Some(false));

    let core = h.effective.core_limit.get().unwrap();
    assert_eq!(core.source, "unit");
    assert_eq!(core.set_in_unit, Some(false));
    assert_eq!(
        RLimit {
            soft: core.soft,
            hard: core.hard
        },
        RLimit {
            soft: LimitValue::Value(0),
            hard: LimitValue::Unlimited
        }
    );
    assert!(!core.disabled);

    let fence = h.effective.swap_fence.get().unwrap();
    assert!(fence.fenced && fence.source == "unit");
    assert!(h.swap.get().unwrap().entries[0].device_mapper);

    let cfg = find(&h.files.config, "config_file", "/etc/openbao/openbao.hcl")
        .stat
        .get()
        .unwrap();
    assert_eq!(
        (cfg.owned_by_account, cfg.writable_by_account),
        (Some(true), Some(true))
    );
    let bin = find(&h.files.binary, "server_binary", "/usr/bin/bao")
        .stat
        .get()
        .unwrap();
    assert!(bin.owned_by_root && bin.writable_by_account == Some(false));
    assert_eq!(
        bin.capabilities.as_ref().unwrap().get().map(|c| c.present),
        Some(false)
    );
    assert!(!h.effective.ipc_lock.cap_ipc_lock);
    assert!(h.history.histignore.covers_vault && !h.history.histignore.covers_bao);
    assert_eq!(
        h.config_paths(),
        vec![PathBuf::from("/etc/openbao/openbao.hcl")]
    );

    // `-c` paths: an absolute one is stat'ed (once), a relative one cannot name a path of
    // another root.
    let h2 = collect(&HostOptions {
        root: t.root().to_path_buf(),
        explicit_config_paths: vec![
            PathBuf::from("/etc/openbao/openbao.hcl"),
            PathBuf::from("/etc/openbao/extra.hcl"),
            PathBuf::from("deploy/vault.hcl"),
        ],
        ..HostOptions::default()
    });
    let cfg: Vec<(&str, &str, ProbeState)> = h2
        .files
        .config
        .iter()
        .map(|f| (f.role.as_str(), f.path.as_str(), f.stat.state))
        .collect();
    assert_eq!(
        cfg,
        vec![
            ("config", "deploy/vault.hcl", ProbeState::Skip),
            ("config_file", "/etc/openbao/openbao.hcl", ProbeState::Ok),
            ("config_dir", "/etc/openbao", ProbeState::Ok),
            ("config_file", "/etc/openbao/extra.hcl", ProbeState::Skip),
        ]
    );
}

#[test]
fn container_root_without_systemd() {
    let t = testkit::container_root().unwrap();
    let h = scan(&t);
    assert!(h.environment.container.is_some());
    assert!(!h.environment.systemd_booted);
    assert_eq!(h.unit.state, ProbeState::Skip);
    assert!(h
        .unit
        .reason
        .as_deref()
        .unwrap()
        .contains("no vault.service or openbao.service unit"));

    let p = &h.processes.get().unwrap()[0];
    assert_eq!((p.pid, p.product), (1, Product::Openbao));
    assert_eq!(p.argv_secret_kinds, vec![SecretKind::DevRootTokenId]);
    assert!(p
        .argv
        .contains(&"-dev-root-token-id=<redacted>".to_string()));
    let user = h.effective.user.get().unwrap();
    assert_eq!((user.uid, user.is_root), (Some(100), false));
    assert_eq!(h.account.get().unwrap().name.as_deref(), Some("openbao"));

    assert_eq!(h.config_paths(), vec![PathBuf::from("/openbao/config")]);
    find(&h.files.config, "config_dir", "/openbao/config");
    find(&h.files.config, "config_file", "/openbao/config/local.json");
    find(&h.files.binary, "server_binary", "/bin/bao");

    let core = h.effective.core_limit.get().unwrap();
    assert_eq!(core.hard, LimitValue::Unlimited);
    // No memory.swap.max under the root and no unit: unknown, never "not fenced".
    assert_eq!(h.effective.swap_fence.state, ProbeState::Skip);
    assert_ne!(h.listeners.state, ProbeState::Ok);
    assert_eq!(h.time_sync.status, "inactive");
    assert_no_leak(&h, &["container-secret-root"]);
}

#[test]
fn empty_root_reports_unavailable_facts_not_benign_values() {
    let t = HostTree::new("empty").unwrap();
    let h = scan(&t);
    assert_eq!(h.processes.state, ProbeState::Skip);
    assert!(h
        .processes
        .reason
        .as_deref()
        .unwrap()
        .contains("cannot list processes"));
    assert_eq!(
        h.swap.state,
        ProbeState::Skip,
        "a missing /proc/swaps is not 'no swap'"
    );
    assert!(h.swap.value.is_none());
    assert_eq!(h.unit.state, ProbeState::Skip);
    assert_eq!(h.account.state, ProbeState::Skip);
    assert_eq!(h.effective.user.state, ProbeState::Skip);
    assert_eq!(h.effective.core_limit.state, ProbeState::Skip);
    assert_eq!(h.effective.swap_fence.state, ProbeState::Skip);
    assert_eq!(h.kernel.core_pattern.state, ProbeState::Skip);
    assert_eq!(h.firewall.status, "unknown");
    assert_eq!(h.snapshot_schedule.state, ProbeState::Skip);
    assert!(!h.environment.proc_available);
}

#[test]
fn dropin_order_masking_and_resets() {
    let t = HostTree::new("dropins").unwrap();
    t.file(
        "/usr/lib/systemd/system/vault.service",
        "[Service]\nUser=packaged\nExecStart=/usr/bin/vault server -config=/packaged.hcl\n",
    )
    .unwrap();
    // A full override in /etc wins over the packaged fragment.
    t.file(
        "/etc/systemd/system/vault.service",
        "[Service]\nUser=vault\nExecStart=/usr/bin/vault server -config=/etc/vault.d\n\
         CapabilityBoundingSet=CAP_SYSLOG\nAmbientCapabilities=CAP_IPC_LOCK\n",
    )
    .unwrap();
    t.file(
        "/usr/lib/systemd/system/vault.service.d/10-a.conf",
        "[Service]\nUser=masked-away\n",
    )
    .unwrap();
    t.file(
        "/etc/systemd/system/vault.service.d/10-a.conf",
        "[Service]\nUser=svc\nCapabilityBoundingSet=CAP_IPC_LOCK\n",
    )
    .unwrap();
    t.file(
        "/run/systemd/system/vault.service.d/20-b.conf",
        "[Service]\nAmbientCapabilities=\nExecStart=\nExecStart=/usr/bin/vault server -config=/etc/vault.d/from-dropin.hcl\n",
    )
    .unwrap();
    t.file(
        "/etc/systemd/system/vault.service.d/05-c.conf",
        "[Service]\nUser=early\nProtectSystem=strict\n",
    )
    .unwrap();
    t.file(
        "/usr/lib/systemd/system/service.d/99-z.conf",
        "[Service]\nLimitCORE=0\n",
    )
    .unwrap();
    t.file(
        "/usr/lib/systemd/system/vault.service.d/30-d.conf",
        "[Service]\nNoNewPrivileges=no\n",
    )
    .unwrap();
    t.symlink("/etc/systemd/system/vault.service.d/30-d.conf", "/dev/null")
        .unwrap();
    let h = scan(&t);
    let u = h.unit.get().unwrap();
    assert_eq!(
        u.files,
        vec![
            "/etc/systemd/system/vault.service",
            "/etc/systemd/system/vault.service.d/05-c.conf",
            "/etc/systemd/system/vault.service.d/10-a.conf",
            "/run/systemd/system/vault.service.d/20-b.conf",
            "/usr/lib/systemd/system/service.d/99-z.conf",
        ]
    );
    let shadowed: Vec<&str> = u.shadowed_dropins.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(
        shadowed,
        vec![
            "/usr/lib/systemd/system/vault.service.d/10-a.conf",
            "/usr/lib/systemd/system/vault.service.d/30-d.conf"
        ]
    );
    let user = u.user.as_ref().unwrap();
    assert_eq!(
        (user.value.as_str(), user.file.as_str()),
        ("svc", "/etc/systemd/system/vault.service.d/10-a.conf")
    );
    assert_eq!(u.protect_system.as_ref().unwrap().value, "strict");
    assert!(
        u.no_new_privileges.is_none(),
        "the /dev/null drop-in contributes nothing"
    );
    let bnd = u.capability_bounding_set.as_ref().unwrap();
    assert_eq!(bnd.set.names, vec!["CAP_IPC_LOCK", "CAP_SYSLOG"]);
    assert_eq!(bnd.assignments.len(), 2);
    assert!(u
        .ambient_capabilities
        .as_ref()
        .unwrap()
        .set
        .names
        .is_empty());
    assert_eq!(u.exec_start_count, 1);
    assert_eq!(
        u.exec_start.as_ref().unwrap().config_paths,
        vec!["/etc/vault.d/from-dropin.hcl"]
    );
    assert_eq!(
        u.limit_core.as_ref().unwrap().file,
        "/usr/lib/systemd/system/service.d/99-z.conf"
    );
    // No process: the unit's values are the effective ones.
    let core = h.effective.core_limit.get().unwrap();
    assert!(core.disabled && core.set_in_unit == Some(true));
    assert_eq!(h.effective.user.get().unwrap().name.as_deref(), Some("svc"));
    assert!(!h.effective.ipc_lock.cap_ipc_lock);
}

#[test]
fn masked_unit_and_environment_file_expansion() {
    let t = HostTree::new("envfile").unwrap();
    t.file(
        "/usr/lib/systemd/system/vault.service",
        "[Service]\nEnvironmentFile=-/etc/sysconfig/vault.conf\nEnvironmentFile=-/etc/sysconfig/missing.conf\n\
         ExecStart=/usr/bin/vault $VAULT_ARGS\n",
    )
    .unwrap();
    t.file_mode(
        "/etc/sysconfig/vault.conf",
        format!(
            "# args\nVAULT_ARGS=\"server -config=/etc/vault.d/x.hcl\"\nVAULT_TOKEN={}\n",
            testkit::PLANTED_TOKEN
        ),
        0o600,
    )
    .unwrap();
    t.file(
        "/usr/lib/systemd/system/openbao.service",
        "[Service]\nExecStart=/usr/bin/bao server\n",
    )
    .unwrap();
    t.symlink("/etc/systemd/system/openbao.service", "/dev/null")
        .unwrap();
    let h = scan(&t);
    let u = h.unit.get().unwrap();
    let x = u.exec_start.as_ref().unwrap();
    assert!(x.is_server);
    assert_eq!(x.config_paths, vec!["/etc/vault.d/x.hcl"]);
    assert_eq!(u.environment_files[1].keys.state, ProbeState::Skip);
    let s = &u.secrets[0];
    assert_eq!(
        (s.file.as_str(), s.line, s.kind),
        (
            "/etc/sysconfig/vault.conf",
            3,
            SecretKind::VaultTokenAssignment
        )
    );
    assert_eq!(h.config_paths(), vec![PathBuf::from("/etc/vault.d/x.hcl")]);
    assert_no_leak(&h, &[testkit::PLANTED_TOKEN]);

    let masked =
        super::systemd::collect_unit(&super::common::Root::new(t.root()), "openbao.service")
            .unwrap()
            .unwrap();
    assert!(masked.masked);
    assert!(masked.exec_start.is_none());
}

/// Deterministic pseudo-random bytes (xorshift), so failures reproduce.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Bias towards characters the parsers care about.
            const SPECIAL: &[u8] = b" \t\n=:;#[]\\\"'(){}$`|&0Aa.-/\0";
            match x % 4 {
                0 => SPECIAL[(x >> 8) as usize % SPECIAL.len()],
                _ => (x >> 16) as u8,
            }
        })
        .collect()
}

#[test]
fn garbage_everywhere_never_panics() {
    let files = [
        "/proc/4242/cmdline",
        "/proc/4242/status",
        "/proc/4242/limits",
        "/proc/4242/cgroup",
        "/proc/4242/environ",
        "/proc/4242/stat",
        "/proc/swaps",
        "/proc/net/tcp",
        "/proc/net/tcp6",
        "/etc/passwd",
        "/etc/group",
        "/etc/systemd/system/vault.service",
        "/etc/systemd/system/vault.service.d/x.conf",
        "/etc/crontab",
        "/etc/cron.d/job",
        "/etc/nftables.conf",
        "/etc/ufw/ufw.conf",
        "/etc/profile",
        "/root/.bash_history",
        "/root/.zsh_history",
        "/root/.local/share/fish/fish_history",
        "/sys/fs/cgroup/memory.swap.max",
        "/usr/lib/systemd/system/x.timer",
    ];
    for seed in 1..40u64 {
        let t = HostTree::new("garbage").unwrap();
        t.file("/proc/4242/comm", "vault\n").unwrap();
        // A plausible server command line half the time, so the deeper parsers run.
        if seed % 2 == 0 {
            t.file("/proc/4242/cmdline", b"vault\0server\0-config=/x\0")
                .unwrap();
        }
        for (i, f) in files.iter().enumerate() {
            if seed % 2 == 0 && f.ends_with("cmdline") {
                continue;
            }
            t.file(
                f,
                noise(seed * 1000 + i as u64, 64 + (seed as usize * 37) % 900),
            )
            .unwrap();
        }
        t.enable("timers.target", "x.timer").unwrap();
        let h = scan(&t);
        serde_json::to_string(&h).unwrap();
    }
}

#[test]
fn fifo_in_place_of_a_file_does_not_hang() {
    let t = HostTree::new("fifo").unwrap();
    t.dir("/root", 0o700).unwrap().dir("/etc", 0o755).unwrap();
    for p in ["/root/.bash_history", "/etc/crontab", "/etc/passwd"] {
        let c = std::ffi::CString::new(t.path(p).to_string_lossy().into_owned()).unwrap();
        // SAFETY: valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    }
    let h = scan(&t);
    let hist = &h.history.files[0];
    assert_eq!(hist.lines.state, ProbeState::Error);
    assert!(hist
        .lines
        .reason
        .as_deref()
        .unwrap()
        .contains("not a regular file"));
    assert_eq!(h.account.state, ProbeState::Skip);
}

/// Two servers: the unit's (its `ExecStart=` names the config; the process itself names none)
/// and a stray one with its own `-config`.
fn two_servers() -> HostTree {
    let t = HostTree::new("two-servers").unwrap();
    t.file(
        "/usr/lib/systemd/system/vault.service",
        "[Service]\nUser=vault\nExecStart=/usr/bin/vault server -config=/etc/vault.d/vault.hcl\n",
    )
    .unwrap();
    let mut unit_proc = testkit::FakeProcess::new(300, "vault", &["/usr/bin/vault", "server"]);
    unit_proc.cgroup = "0::/system.slice/vault.service\n".into();
    unit_proc.core = ("0".into(), "0".into());
    let stray = testkit::FakeProcess::new(
        200,
        "vault",
        &["/usr/bin/vault", "server", "-config=/srv/stray.hcl"],
    );
    t.process(&stray).unwrap().process(&unit_proc).unwrap();
    t
}

#[test]
fn the_unit_that_names_the_config_picks_its_process_among_several() {
    use super::ChoiceKind;
    let t = two_servers();
    let with_config = |paths: &[&str]| {
        collect(&HostOptions {
            root: t.root().to_path_buf(),
            explicit_config_paths: paths.iter().map(PathBuf::from).collect(),
            ..HostOptions::default()
        })
    };
    // -c names the unit's config: the process in that unit's cgroup.
    let h = with_config(&["/etc/vault.d/vault.hcl"]);
    assert_eq!(h.effective.process.kind, ChoiceKind::Config);
    assert_eq!(h.effective.pid, Some(300));
    assert_eq!(
        h.effective.core_limit.get().map(|c| c.disabled),
        Some(true),
        "{:?}",
        h.effective.core_limit
    );
    // -c names the stray one's config.
    let h = with_config(&["/srv/stray.hcl"]);
    assert_eq!(
        (h.effective.process.kind, h.effective.pid),
        (ChoiceKind::Config, Some(200))
    );
    // Without -c the unit's process; with an unknown config nothing is judged.
    let h = with_config(&[]);
    assert_eq!(
        (h.effective.process.kind, h.effective.pid),
        (ChoiceKind::Unit, Some(300))
    );
    let h = with_config(&["/home/ci/vault.hcl"]);
    assert_eq!(h.effective.process.kind, ChoiceKind::Ambiguous);
    assert_eq!(h.effective.pid, None);
    assert_eq!(h.effective.core_limit.state, ProbeState::Skip);
    assert_eq!(h.effective.user.state, ProbeState::Skip);
    let reason = h.effective.core_limit.reason.clone().unwrap_or_default();
    assert!(
        reason.contains("pid 200 (-config /srv/stray.hcl)")
            && reason.contains("pid 300 (no -config)"),
        "{reason}"
    );
}
