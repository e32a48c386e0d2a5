//! Host facts: the node Vault/OpenBao runs on, read under a root prefix (`--root`).
//!
//! [`collect`] gathers everything once into [`HostFacts`], which serializes to the `host`
//! object of the fact document. Collectors only read files (never run host programs) and
//! never write; the one exception to "files" is a read-only sock_diag netlink query for
//! listening sockets on the live root (see `sockets`). Anything that may be unavailable is a [`Probe`] whose `state` says whether
//! it could be read; an unreadable fact is never reported as a benign value. Secrets seen
//! in histories, units or command lines are reduced to file, line and kind.

pub mod accounts;
pub mod caps;
pub mod choice;
pub mod common;
pub mod files;
pub mod firewall;
pub mod history;
pub mod process;
pub mod schedule;
pub mod secrets;
pub mod sockets;
pub mod swap;
pub mod systemd;
pub mod testkit;
pub mod timesync;

use serde::Serialize;
use std::path::{Path, PathBuf};

pub use accounts::{Account, GroupRef};
pub use caps::{CapSet, FileCaps};
pub use choice::{ChoiceKind, ProcessChoice};
pub use common::{HostError, LimitValue, Probe, ProbeState, Product, RLimit};
pub use files::{stat_paths, FileFact, FileStat};
pub use firewall::FirewallFacts;
pub use history::HistoryFacts;
pub use process::{ConfigPathRef, ServerProcess};
pub use schedule::ScheduleFacts;
pub use secrets::{SecretHit, SecretKind};
pub use sockets::ListenerFacts;
pub use swap::SwapFacts;
pub use systemd::{evaluate_unit_texts, UnitFacts};
pub use timesync::TimeSyncFacts;

use accounts::AccountDb;
use common::{display, parent_dir, ProcTable, Root};
use files::FileCtx;
use systemd::UnitIndex;

/// What to collect and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostOptions {
    /// The host's filesystem root (`/`, or `/host` for a host mounted into a container).
    pub root: PathBuf,
    /// Unit names to look for, in preference order.
    pub unit_names: Vec<String>,
    /// Config paths the user gave (`-c`); stat'ed in addition to those found.
    pub explicit_config_paths: Vec<PathBuf>,
}

impl Default for HostOptions {
    fn default() -> Self {
        HostOptions {
            root: PathBuf::from("/"),
            unit_names: vec!["vault.service".to_string(), "openbao.service".to_string()],
            explicit_config_paths: Vec::new(),
        }
    }
}

/// Facts about the host (the `host` object of the fact document).
#[derive(Debug, Clone, Serialize)]
pub struct HostFacts {
    /// The root the host was read under.
    pub root: String,
    /// Container / systemd / `/proc` availability.
    pub environment: EnvironmentFacts,
    /// Vault or OpenBao, and how it was told.
    pub product: Option<ProductFact>,
    /// Running server processes.
    pub processes: Probe<Vec<ServerProcess>>,
    /// The server's systemd unit with its drop-ins.
    pub unit: Probe<UnitFacts>,
    /// Values the rules use, live process values preferred over the unit's.
    pub effective: EffectiveFacts,
    /// The service account.
    pub account: Probe<Account>,
    /// Binary, config and environment file permissions.
    pub files: FilesFacts,
    /// Kernel settings that bear on core dumps and swap.
    pub kernel: KernelFacts,
    /// `/proc/swaps`.
    pub swap: Probe<SwapFacts>,
    /// Time synchronisation.
    pub time_sync: TimeSyncFacts,
    /// Listening TCP sockets.
    pub listeners: Probe<ListenerFacts>,
    /// Host firewall.
    pub firewall: FirewallFacts,
    /// Cron jobs and timers that take raft snapshots.
    pub snapshot_schedule: Probe<ScheduleFacts>,
    /// Shell histories, HISTIGNORE, token files.
    pub history: HistoryFacts,
}

impl HostFacts {
    /// Config paths of the running server (its `-config` flags and `*_CONFIG_PATH`), else
    /// of the unit's `ExecStart=`: host paths, to be read under the same root. Empty when
    /// neither names one.
    pub fn config_paths(&self) -> Vec<PathBuf> {
        self.effective
            .config_paths
            .iter()
            .map(|c| PathBuf::from(c.resolved.as_deref().unwrap_or(&c.path)))
            .collect()
    }

    /// The service account, when known.
    pub fn account(&self) -> Option<&Account> {
        self.account.get()
    }
}

/// Where the scan runs.
#[derive(Debug, Clone, Serialize)]
pub struct EnvironmentFacts {
    /// Evidence that the root is a container (`/.dockerenv`, `/run/.containerenv`, the
    /// cgroup of pid 1), else `null`.
    pub container: Option<String>,
    /// `/run/systemd/system` exists: the root was booted with systemd.
    pub systemd_booted: bool,
    /// `/proc` lists processes.
    pub proc_available: bool,
    /// Why it does not.
    pub proc_problem: Option<String>,
}

/// The product and its evidence.
#[derive(Debug, Clone, Serialize)]
pub struct ProductFact {
    /// `vault` or `openbao`.
    pub name: Product,
    /// `process` (the running binary), `unit` (ExecStart= binary or unit name).
    pub source: String,
}

/// Who the server runs as.
#[derive(Debug, Clone, Serialize)]
pub struct EffectiveUser {
    /// Effective uid (`null` for `DynamicUser=` or a name missing from /etc/passwd).
    pub uid: Option<u32>,
    /// User name.
    pub name: Option<String>,
    /// Runs as root.
    pub is_root: bool,
    /// `process` or `unit`.
    pub source: String,
    /// What exactly was read (`/proc/123/status Uid:`, `User= at file:line`, …).
    pub detail: String,
}

/// The core-dump limit that applies.
#[derive(Debug, Clone, Serialize)]
pub struct EffectiveCoreLimit {
    /// Soft limit.
    pub soft: LimitValue,
    /// Hard limit.
    pub hard: LimitValue,
    /// Both are 0: no core dump can be written.
    pub disabled: bool,
    /// `process` or `unit`.
    pub source: String,
    /// What exactly was read.
    pub detail: String,
    /// For `unit`: whether the unit sets `LimitCORE=` itself (else the systemd default applies).
    pub set_in_unit: Option<bool>,
}

/// Whether the server is kept out of swap by its cgroup.
#[derive(Debug, Clone, Serialize)]
pub struct EffectiveSwapFence {
    /// The server cannot be swapped out (`memory.swap.max` = 0, `MemorySwapMax=0`, or on
    /// cgroup v1 a memory+swap limit equal to the memory limit).
    pub fenced: bool,
    /// `process` (its cgroup) or `unit` (`MemorySwapMax=`).
    pub source: String,
    /// What exactly was read.
    pub detail: String,
}

/// Whether the server holds `CAP_IPC_LOCK` (needed by Vault's mlock).
#[derive(Debug, Clone, Serialize)]
pub struct EffectiveIpcLock {
    /// Some source grants it.
    pub cap_ipc_lock: bool,
    /// Which: `file capability on /usr/bin/vault`, `AmbientCapabilities=`, `process CapEff`.
    pub sources: Vec<String>,
    /// `RLIMIT_MEMLOCK` is unlimited (lets mlock work without the capability); `null` when unknown.
    pub memlock_unlimited: Option<bool>,
}

/// The binary that runs (or would run) the server.
#[derive(Debug, Clone, Serialize)]
pub struct BinaryRef {
    /// Host path.
    pub path: String,
    /// `process` (`/proc/<pid>/exe` or argv[0]) or `unit` (`ExecStart=`).
    pub source: String,
}

/// Effective values, each saying which source it used.
#[derive(Debug, Clone, Serialize)]
pub struct EffectiveFacts {
    /// Pid of the server process the effective values come from (see `process`).
    pub pid: Option<u32>,
    /// How that process was chosen among the running servers (`-c`, the unit, the only one),
    /// or why none was (several, none matching).
    pub process: ProcessChoice,
    /// Service user.
    pub user: Probe<EffectiveUser>,
    /// Core-dump limit.
    pub core_limit: Probe<EffectiveCoreLimit>,
    /// Swap fence.
    pub swap_fence: Probe<EffectiveSwapFence>,
    /// `CAP_IPC_LOCK`.
    pub ipc_lock: EffectiveIpcLock,
    /// The server binary.
    pub binary: Option<BinaryRef>,
    /// Config paths (process, else unit).
    pub config_paths: Vec<ConfigPathRef>,
}

/// File permission facts.
#[derive(Debug, Clone, Serialize)]
pub struct FilesFacts {
    /// The server binary and its directory.
    pub binary: Vec<FileFact>,
    /// Config files and directories (found and `-c`).
    pub config: Vec<FileFact>,
    /// The unit's `EnvironmentFile=`s.
    pub environment_files: Vec<FileFact>,
}

/// Kernel settings.
#[derive(Debug, Clone, Serialize)]
pub struct KernelFacts {
    /// `/proc/sys/kernel/core_pattern` (starting with `|`: piped to a helper).
    pub core_pattern: Probe<String>,
    /// `/proc/sys/fs/suid_dumpable`.
    pub suid_dumpable: Probe<u32>,
    /// `/proc/sys/vm/swappiness`.
    pub swappiness: Probe<u32>,
}

fn read_trimmed(root: &Root, p: &str) -> Probe<String> {
    match root.read_string(p) {
        Ok(t) => Probe::ok(t.trim().to_string()),
        Err(e) => Probe::from_error(&e),
    }
}

fn read_u32(root: &Root, p: &str) -> Probe<u32> {
    match root.read_string(p) {
        Ok(t) => match t.trim().parse::<u32>() {
            Ok(v) => Probe::ok(v),
            Err(_) => Probe::error(format!("{p}: not a number")),
        },
        Err(e) => Probe::from_error(&e),
    }
}

fn environment(root: &Root, procs: &ProcTable) -> EnvironmentFacts {
    let container = if root.exists("/.dockerenv") {
        Some("/.dockerenv exists".to_string())
    } else if root.exists("/run/.containerenv") {
        Some("/run/.containerenv exists".to_string())
    } else {
        root.read_string("/proc/1/cgroup").ok().and_then(|t| {
            ["docker", "kubepods", "containerd", "lxc", "libpod"]
                .iter()
                .find(|m| t.contains(*m))
                .map(|m| format!("/proc/1/cgroup mentions {m}"))
        })
    };
    EnvironmentFacts {
        container,
        systemd_booted: root.exists("/run/systemd/system"),
        proc_available: procs.unavailable.is_none(),
        proc_problem: procs.unavailable.as_ref().map(|e| e.to_string()),
    }
}

/// The systemd default core limit (`DefaultLimitCORE=` in system.conf, else 0:infinity).
fn default_limit_core(root: &Root) -> (RLimit, String) {
    let mut files = vec!["/etc/systemd/system.conf".to_string()];
    if let Ok(names) = root.read_dir_names(Path::new("/etc/systemd/system.conf.d")) {
        files.extend(
            names
                .iter()
                .filter(|n| n.ends_with(".conf"))
                .map(|n| common::host_join("/etc/systemd/system.conf.d", n)),
        );
    }
    let mut found = None;
    for f in files {
        let Ok(text) = root.read_string(&f) else {
            continue;
        };
        let (entries, _) = systemd::parse_entries(&text, &f);
        for e in entries
            .iter()
            .filter(|e| e.section == "Manager" && e.key == "DefaultLimitCORE")
        {
            if let Some(l) = systemd::parse_rlimit(&e.value, true) {
                found = Some((
                    l,
                    format!("DefaultLimitCORE={} at {}:{}", e.value, e.file, e.line),
                ));
            }
        }
    }
    found.unwrap_or((
        RLimit {
            soft: LimitValue::Value(0),
            hard: LimitValue::Unlimited,
        },
        "systemd's built-in default (DefaultLimitCORE=0:infinity)".to_string(),
    ))
}

fn pick_unit(root: &Root, names: &[String], primary: Option<&ServerProcess>) -> Probe<UnitFacts> {
    let mut found: Vec<UnitFacts> = Vec::new();
    let mut errors: Vec<HostError> = Vec::new();
    for n in names {
        match systemd::collect_unit(root, n) {
            Ok(Some(u)) => found.push(u),
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    let cg_unit = primary
        .and_then(|p| p.cgroup.get())
        .and_then(|c| c.unit.clone());
    let product = primary.map(|p| p.product);
    let idx = found
        .iter()
        .position(|u| Some(&u.name) == cg_unit.as_ref())
        .or_else(|| {
            found.iter().position(|u| {
                product.is_some()
                    && u.exec_start
                        .as_ref()
                        .and_then(|x| x.product)
                        .or_else(|| Product::from_binary(&u.name))
                        == product
            })
        })
        .or(if found.is_empty() { None } else { Some(0) });
    match idx {
        Some(i) if i < found.len() => Probe::ok(found.swap_remove(i)),
        _ => match errors.first() {
            Some(e) => Probe::from_error(e),
            None => Probe::skip(format!(
                "no {} unit found in {}",
                names.join(" or "),
                systemd::UNIT_DIRS.join(", ")
            )),
        },
    }
}

/// Collects every host fact under `opts.root`.
pub fn collect(opts: &HostOptions) -> HostFacts {
    let root = Root::new(&opts.root);
    let procs = ProcTable::scan(&root);
    let processes = process::collect(&root, &procs);
    let server_list: Vec<&ServerProcess> = processes
        .get()
        .map(|v| v.iter().collect())
        .unwrap_or_default();

    // The unit first (its cgroup name helps choose among several processes).
    let prelim = server_list.first().copied();
    let unit = pick_unit(&root, &opts.unit_names, prelim);
    let unit_ref = unit.get();
    let wanted: Vec<String> = opts
        .explicit_config_paths
        .iter()
        .filter_map(|p| host_config_path(&root, p))
        .collect();
    let process_choice = choice::choose(&server_list, unit_ref, &wanted);
    let primary: Option<&ServerProcess> = process_choice
        .pid
        .and_then(|pid| server_list.iter().copied().find(|p| p.pid == pid));
    // Several servers of one product still tell the product.
    let same_product = server_list
        .first()
        .filter(|first| server_list.iter().all(|p| p.product == first.product))
        .copied();

    let db = AccountDb::load(&root);
    let product = primary
        .or(same_product)
        .map(|p| ProductFact {
            name: p.product,
            source: "process".to_string(),
        })
        .or_else(|| {
            unit_ref.and_then(|u| {
                u.exec_start
                    .as_ref()
                    .and_then(|x| x.product)
                    .or_else(|| Product::from_binary(&u.name))
                    .map(|name| ProductFact {
                        name,
                        source: "unit".to_string(),
                    })
            })
        });

    // Service account and effective user.
    let (account, mut user) = service_account(&db, primary, unit_ref, product.as_ref());

    let mut core_limit = effective_core(&root, primary, unit_ref);
    let mut swap_fence = effective_swap(primary, unit_ref);
    // Servers run but which one is meant cannot be told: the unit's values would describe
    // none of them for sure, so the process-derived facts are not judged.
    if let Some(reason) = &process_choice.reason {
        user = Probe::skip(reason.clone());
        core_limit = Probe::skip(reason.clone());
        swap_fence = Probe::skip(reason.clone());
    }

    // Binary.
    let binary = primary
        .and_then(|p| {
            p.exe
                .get()
                .map(|e| e.path.clone())
                .or_else(|| p.argv.first().filter(|a| a.starts_with('/')).cloned())
        })
        .map(|path| BinaryRef {
            path,
            source: "process".to_string(),
        })
        .or_else(|| {
            unit_ref
                .and_then(|u| u.exec_start.as_ref())
                .and_then(|x| x.server_binary.clone().or_else(|| x.binary.clone()))
                .filter(|b| b.starts_with('/'))
                .map(|path| BinaryRef {
                    path,
                    source: "unit".to_string(),
                })
        });

    let config_paths: Vec<ConfigPathRef> = match primary {
        Some(p) if !p.config_paths.is_empty() => p.config_paths.clone(),
        _ => unit_ref
            .and_then(|u| u.exec_start.as_ref())
            .map(|x| {
                x.config_paths
                    .iter()
                    .map(|c| ConfigPathRef {
                        path: c.clone(),
                        resolved: c.starts_with('/').then(|| c.clone()),
                        source: "unit".to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    };

    let ctx = FileCtx {
        root: &root,
        db: &db,
        account: account.get(),
    };
    let mut binary_files = Vec::new();
    if let Some(b) = &binary {
        binary_files.push(ctx.stat("server_binary", &b.path, true));
        binary_files.push(ctx.stat("server_binary_dir", &parent_dir(&b.path), false));
    }
    let mut config_files = Vec::new();
    let mut config_inputs: Vec<String> = config_paths
        .iter()
        .filter_map(|c| c.resolved.clone())
        .collect();
    for p in &opts.explicit_config_paths {
        match host_config_path(&root, p) {
            Some(s) if !config_inputs.contains(&s) => config_inputs.push(s),
            Some(_) => {}
            None => config_files.push(FileFact {
                role: "config".to_string(),
                path: display(p),
                read_at: display(p),
                stat: Probe::skip(format!(
                    "relative config path {} is not a path on the host under --root",
                    display(p)
                )),
                target: None,
            }),
        }
    }
    for p in &config_inputs {
        ctx.config(p, &mut config_files);
    }
    let environment_files = unit_ref
        .map(|u| {
            u.environment_files
                .iter()
                .filter(|f| f.path.starts_with('/'))
                .map(|f| ctx.stat("environment_file", &f.path, false))
                .collect()
        })
        .unwrap_or_default();

    let ipc_lock = effective_ipc_lock(primary, unit_ref, &binary_files);

    let units = UnitIndex::build(&root);
    let server_pids: Vec<u32> = server_list.iter().map(|p| p.pid).collect();
    let extra_home = account.get().and_then(|a| a.home.clone());

    HostFacts {
        root: display(&opts.root),
        environment: environment(&root, &procs),
        product,
        effective: EffectiveFacts {
            pid: primary.map(|p| p.pid),
            process: process_choice,
            user,
            core_limit,
            swap_fence,
            ipc_lock,
            binary,
            config_paths,
        },
        files: FilesFacts {
            binary: binary_files,
            config: config_files,
            environment_files,
        },
        kernel: KernelFacts {
            core_pattern: read_trimmed(&root, "/proc/sys/kernel/core_pattern"),
            suid_dumpable: read_u32(&root, "/proc/sys/fs/suid_dumpable"),
            swappiness: read_u32(&root, "/proc/sys/vm/swappiness"),
        },
        swap: swap::collect(&root),
        time_sync: timesync::collect(&root, &procs, &units),
        listeners: sockets::collect(&root, &procs, &server_pids),
        firewall: firewall::collect(&root, &procs, &units),
        snapshot_schedule: schedule::collect(&root, &units),
        history: history::collect(&root, &ctx, extra_home.as_deref()),
        account,
        unit,
        processes,
    }
}

/// A `-c` path as a host path. `-c` paths are the user's; a relative one names a host path
/// only on the live root (resolved against the working directory). Under another root it is
/// not a path of that host, so it is reported as such rather than guessed.
fn host_config_path(root: &Root, p: &Path) -> Option<String> {
    if p.is_absolute() {
        Some(display(p))
    } else if root.is_live() {
        std::env::current_dir().ok().map(|d| display(&d.join(p)))
    } else {
        None
    }
}

fn service_account(
    db: &AccountDb,
    primary: Option<&ServerProcess>,
    unit: Option<&UnitFacts>,
    product: Option<&ProductFact>,
) -> (Probe<Account>, Probe<EffectiveUser>) {
    if let Some(p) = primary {
        match p.status.get() {
            Some(s) => {
                let a = db.for_uid(s.uid.effective, Some(s.gid.effective), "process");
                let u = EffectiveUser {
                    uid: Some(s.uid.effective),
                    name: a.name.clone(),
                    is_root: s.uid.effective == 0,
                    source: "process".to_string(),
                    detail: format!("/proc/{}/status Uid: effective {}", p.pid, s.uid.effective),
                };
                return (Probe::ok(a), Probe::ok(u));
            }
            None => {
                // The process exists but its status is unreadable: do not guess from the unit.
                let why = format!(
                    "server process {} found but its status is unavailable: {}",
                    p.pid,
                    p.status.reason.clone().unwrap_or_default()
                );
                return (Probe::skip(why.clone()), Probe::skip(why));
            }
        }
    }
    if let Some(u) = unit {
        if u.dynamic_user.as_ref().is_some_and(|d| d.value) {
            let eu = EffectiveUser {
                uid: None,
                name: u.user.as_ref().map(|s| s.value.clone()),
                is_root: false,
                source: "unit".to_string(),
                detail: "DynamicUser=yes: a transient unprivileged user".to_string(),
            };
            let why = "DynamicUser=yes: the account exists only while the service runs".to_string();
            return (Probe::skip(why), Probe::ok(eu));
        }
        let (a, detail) = match &u.user {
            Some(s) => (
                db.for_user(&s.value, "unit"),
                format!("User={} at {}:{}", s.value, s.file, s.line),
            ),
            None => (
                db.for_uid(0, Some(0), "unit-default"),
                format!("{} sets no User=: systemd runs it as root", u.name),
            ),
        };
        let is_root = a.uid == Some(0) || a.name.as_deref() == Some("root");
        let eu = EffectiveUser {
            uid: a.uid,
            name: a.name.clone(),
            is_root,
            source: "unit".to_string(),
            detail,
        };
        return (Probe::ok(a), Probe::ok(eu));
    }
    let names: &[&str] = match product.map(|p| p.name) {
        Some(Product::Openbao) => &["openbao", "vault"],
        _ => &["vault", "openbao"],
    };
    let account = names
        .iter()
        .find(|n| db.has_user(n))
        .map(|n| db.for_user(n, "conventional-name"));
    let why = match db.passwd_problem() {
        Some(p) => format!("no server process or unit, and {p}"),
        None => "no server process, no unit, and no vault/openbao user in /etc/passwd".to_string(),
    };
    let user_probe = Probe::skip("no running server process and no systemd unit found");
    (accounts::probe(account, why), user_probe)
}

fn effective_core(
    root: &Root,
    primary: Option<&ServerProcess>,
    unit: Option<&UnitFacts>,
) -> Probe<EffectiveCoreLimit> {
    if let Some(p) = primary {
        match p.limits.get().and_then(|l| l.core) {
            Some(core) => {
                return Probe::ok(EffectiveCoreLimit {
                    soft: core.soft,
                    hard: core.hard,
                    disabled: core.is_zero(),
                    source: "process".to_string(),
                    detail: format!("/proc/{}/limits Max core file size", p.pid),
                    set_in_unit: None,
                })
            }
            None => {
                let why = format!(
                    "server process {} found but its limits are unavailable: {}",
                    p.pid,
                    p.limits.reason.clone().unwrap_or_default()
                );
                return Probe::skip(why);
            }
        }
    }
    let Some(u) = unit else {
        return Probe::skip("no running server process and no systemd unit found");
    };
    let (limit, detail, set) = match &u.limit_core {
        Some(s) => (
            s.value,
            format!("LimitCORE={} at {}:{}", s.raw, s.file, s.line),
            true,
        ),
        None => {
            let (l, origin) = default_limit_core(root);
            (l, format!("{} sets no LimitCORE=; {origin}", u.name), false)
        }
    };
    Probe::ok(EffectiveCoreLimit {
        soft: limit.soft,
        hard: limit.hard,
        disabled: limit.is_zero(),
        source: "unit".to_string(),
        detail,
        set_in_unit: Some(set),
    })
}

fn effective_swap(
    primary: Option<&ServerProcess>,
    unit: Option<&UnitFacts>,
) -> Probe<EffectiveSwapFence> {
    let mut process_note = None;
    if let Some(p) = primary {
        if let Some(cg) = p.cgroup.get() {
            if let Some(sm) = cg.memory_swap_max.get() {
                let fenced = sm.fenced_at.is_some();
                let detail = match &sm.fenced_at {
                    Some(f) => format!("{f} = 0"),
                    None => format!("{} = {}", sm.read_at, limit_text(sm.value)),
                };
                return Probe::ok(EffectiveSwapFence {
                    fenced,
                    source: "process".to_string(),
                    detail,
                });
            }
            let v1 = (
                cg.memsw_limit_in_bytes.as_ref().and_then(|p| p.get()),
                cg.memory_limit_in_bytes.as_ref().and_then(|p| p.get()),
            );
            if let (Some(memsw), Some(mem)) = v1 {
                let fenced = matches!(mem, LimitValue::Value(_)) && memsw == mem;
                return Probe::ok(EffectiveSwapFence {
                    fenced,
                    source: "process".to_string(),
                    detail: format!(
                        "cgroup v1 {}: memory.memsw.limit_in_bytes = {}, memory.limit_in_bytes = {}",
                        cg.memory_v1_path.clone().unwrap_or_default(),
                        limit_text(*memsw),
                        limit_text(*mem)
                    ),
                });
            }
            process_note = cg.memory_swap_max.reason.clone();
        } else {
            process_note = p.cgroup.reason.clone();
        }
    }
    match unit {
        Some(u) => {
            let (fenced, detail) = match &u.memory_swap_max {
                Some(s) => (
                    s.value == Some(LimitValue::Value(0)),
                    format!("MemorySwapMax={} at {}:{}", s.raw, s.file, s.line),
                ),
                None => (false, format!("{} sets no MemorySwapMax=", u.name)),
            };
            let detail = match process_note {
                Some(n) => format!("{detail} (process cgroup unreadable: {n})"),
                None => detail,
            };
            Probe::ok(EffectiveSwapFence {
                fenced,
                source: "unit".to_string(),
                detail,
            })
        }
        None => match process_note {
            Some(n) => Probe::skip(format!("cannot read the server's cgroup swap limit: {n}")),
            None => Probe::skip("no running server process and no systemd unit found"),
        },
    }
}

fn limit_text(v: LimitValue) -> String {
    match v {
        LimitValue::Value(n) => n.to_string(),
        LimitValue::Unlimited => "unlimited".to_string(),
    }
}

fn effective_ipc_lock(
    primary: Option<&ServerProcess>,
    unit: Option<&UnitFacts>,
    binary_files: &[FileFact],
) -> EffectiveIpcLock {
    let mut sources = Vec::new();
    if let Some(b) = binary_files.iter().find(|f| f.role == "server_binary") {
        let stat = b.effective_stat();
        if stat
            .and_then(|s| s.capabilities.as_ref())
            .and_then(|c| c.get())
            .is_some_and(|c| c.ipc_lock)
        {
            sources.push(format!("file capability on {}", b.path));
        }
    }
    if let Some(u) = unit {
        let ambient = u
            .ambient_capabilities
            .as_ref()
            .is_some_and(|a| a.set.ipc_lock);
        let bounded_out = u
            .capability_bounding_set
            .as_ref()
            .is_some_and(|b| !b.set.ipc_lock);
        if ambient && !bounded_out {
            sources.push(format!("AmbientCapabilities= in {}", u.name));
        }
    }
    if let Some(p) = primary {
        if p.status
            .get()
            .and_then(|s| s.cap_eff.as_ref())
            .is_some_and(|c| c.ipc_lock)
        {
            sources.push(format!("process {} CapEff", p.pid));
        }
    }
    let memlock_unlimited = match primary.and_then(|p| p.limits.get()).and_then(|l| l.memlock) {
        Some(m) => Some(m.soft == LimitValue::Unlimited),
        None if primary.is_some() => None,
        None => unit
            .and_then(|u| u.limit_memlock.as_ref())
            .map(|s| s.value.soft == LimitValue::Unlimited),
    };
    EffectiveIpcLock {
        cap_ipc_lock: !sources.is_empty(),
        sources,
        memlock_unlimited,
    }
}

#[cfg(test)]
mod tests_corpus;
#[cfg(test)]
mod tests_fixtures;
#[cfg(test)]
mod tests_live;
