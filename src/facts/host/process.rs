//! Running `vault server` / `bao server` processes, read from `<root>/proc`: identity,
//! command line, limits, capabilities, cgroup swap fence and environment.

use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

use super::caps::CapSet;
use super::common::{LimitValue, Probe, ProcTable, Product, RLimit, Root};
use super::secrets::{self, SecretHit, SecretKind};
use super::systemd::{env_secret_kind, server_args};

/// The four ids of a `Uid:`/`Gid:` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct IdSet {
    /// Real id.
    pub real: u32,
    /// Effective id (what permission checks use).
    pub effective: u32,
    /// Saved set-id.
    pub saved: u32,
    /// Filesystem id.
    pub fs: u32,
}

/// What `/proc/<pid>/status` says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProcStatus {
    /// Parent pid.
    pub ppid: Option<u32>,
    /// `Uid:` line.
    pub uid: IdSet,
    /// `Gid:` line.
    pub gid: IdSet,
    /// Supplementary groups.
    pub groups: Vec<u32>,
    /// `CapInh`.
    pub cap_inh: Option<CapSet>,
    /// `CapPrm`.
    pub cap_prm: Option<CapSet>,
    /// `CapEff`.
    pub cap_eff: Option<CapSet>,
    /// `CapBnd`.
    pub cap_bnd: Option<CapSet>,
    /// `CapAmb`.
    pub cap_amb: Option<CapSet>,
    /// `NoNewPrivs` (`null` on kernels that do not report it).
    pub no_new_privs: Option<bool>,
    /// `VmLck` in kB: above 0 proves `mlockall` succeeded.
    pub vm_lck_kb: Option<u64>,
}

/// The limits of `/proc/<pid>/limits` the rules use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ProcLimits {
    /// `Max core file size` (bytes).
    pub core: Option<RLimit>,
    /// `Max locked memory` (bytes).
    pub memlock: Option<RLimit>,
    /// `Max open files`.
    pub nofile: Option<RLimit>,
}

/// The cgroup v2 `memory.swap.max` of the process's cgroup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SwapMax {
    /// Value in the process's own cgroup.
    pub value: LimitValue,
    /// Host path it was read from.
    pub read_at: String,
    /// Host path of the file (leaf or ancestor) that holds 0, fencing the process from
    /// swap; `null` when none does.
    pub fenced_at: Option<String>,
}

/// The process's cgroup and its swap controls.
#[derive(Debug, Clone, Serialize)]
pub struct CgroupFacts {
    /// `v2` (unified), `v1` (legacy) or `hybrid` (v1 controllers plus a v2 tree).
    pub hierarchy: String,
    /// The v2 path (`0::/system.slice/vault.service`).
    pub v2_path: Option<String>,
    /// The v1 memory controller path.
    pub memory_v1_path: Option<String>,
    /// The systemd unit or scope the process runs in, from the path.
    pub unit: Option<String>,
    /// cgroup v2 `memory.swap.max` (0 is what `MemorySwapMax=0` sets).
    pub memory_swap_max: Probe<SwapMax>,
    /// cgroup v1 `memory.memsw.limit_in_bytes` (memory+swap), when on v1.
    pub memsw_limit_in_bytes: Option<Probe<LimitValue>>,
    /// cgroup v1 `memory.limit_in_bytes`, when on v1.
    pub memory_limit_in_bytes: Option<Probe<LimitValue>>,
    /// cgroup v1 `memory.swappiness`, when on v1.
    pub swappiness: Option<Probe<u64>>,
}

/// What could be read of `/proc/<pid>/environ` (root only, usually).
#[derive(Debug, Clone, Serialize)]
pub struct ProcEnviron {
    /// `GOTRACEBACK` (`crash` makes a Go panic dump core).
    pub gotraceback: Option<String>,
    /// `VAULT_*`, `BAO_*` and `GO*` variables; credential values withheld (`null`).
    pub variables: BTreeMap<String, Option<String>>,
    /// Config paths from `VAULT_CONFIG_PATH` / `BAO_CONFIG_PATH` (comma-separated).
    pub config_paths: Vec<String>,
    /// Credential variables in the environment (names and kinds only).
    pub secrets: Vec<SecretHit>,
}

/// A config path named by the process, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigPathRef {
    /// The path as given.
    pub path: String,
    /// Absolute host path (relative ones resolved against the process's cwd when readable).
    pub resolved: Option<String>,
    /// `argv`, `VAULT_CONFIG_PATH`, `BAO_CONFIG_PATH`, or `unit` (from `ExecStart=`).
    pub source: String,
}

/// The executable of a process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exe {
    /// Host path of the binary (`/proc/<pid>/exe` target).
    pub path: String,
    /// The binary was replaced or removed after start (`(deleted)`).
    pub deleted: bool,
}

/// One running server process.
#[derive(Debug, Clone, Serialize)]
pub struct ServerProcess {
    /// Process id.
    pub pid: u32,
    /// `vault` or `openbao`.
    pub product: Product,
    /// `/proc/<pid>/comm`.
    pub comm: String,
    /// `/proc/<pid>/exe` (needs the same uid or root).
    pub exe: Probe<Exe>,
    /// Command line, credentials redacted.
    pub argv: Vec<String>,
    /// Kinds of credentials on the command line.
    pub argv_secret_kinds: Vec<SecretKind>,
    /// `-dev`: in-memory, unsealed, root token.
    pub dev_mode: bool,
    /// Config paths from the command line and environment, in order.
    pub config_paths: Vec<ConfigPathRef>,
    /// `/proc/<pid>/status`.
    pub status: Probe<ProcStatus>,
    /// `/proc/<pid>/limits`.
    pub limits: Probe<ProcLimits>,
    /// `/proc/<pid>/cgroup` and the swap files of that cgroup.
    pub cgroup: Probe<CgroupFacts>,
    /// `/proc/<pid>/environ`.
    pub environ: Probe<ProcEnviron>,
}

/// Finds server processes. `skip` when none runs or `/proc` is unavailable.
pub(crate) fn collect(root: &Root, table: &ProcTable) -> Probe<Vec<ServerProcess>> {
    if let Some(e) = &table.unavailable {
        return Probe::skip(format!("cannot list processes: {e}"));
    }
    let mut out = Vec::new();
    for e in table.entries.iter().filter(|e| !e.kthread) {
        let (pid, comm) = (&e.pid, &e.comm);
        let lc = comm.to_ascii_lowercase();
        // comm is cheap and already read; only plausible names cost a cmdline read.
        if !(lc.contains("vault") || lc.contains("bao")) {
            continue;
        }
        if let Some(p) = inspect(root, *pid, comm) {
            out.push(p);
        }
    }
    if out.is_empty() {
        return Probe::skip("no running vault/bao server process found under /proc");
    }
    Probe::ok(out)
}

fn proc_path(pid: u32, leaf: &str) -> String {
    format!("/proc/{pid}/{leaf}")
}

/// Reads one candidate; `None` when it is not a server (agent, CLI call, exited).
pub(crate) fn inspect(root: &Root, pid: u32, comm: &str) -> Option<ServerProcess> {
    let raw = root.read(Path::new(&proc_path(pid, "cmdline"))).ok()?;
    let argv: Vec<String> = raw
        .split(|b| *b == 0)
        .map(|w| String::from_utf8_lossy(w).into_owned())
        .collect::<Vec<_>>();
    let argv: Vec<String> = match argv.iter().rposition(|w| !w.is_empty()) {
        Some(last) => argv
            .get(..=last)
            .map(<[String]>::to_vec)
            .unwrap_or_default(),
        None => return None,
    };
    let at = argv.iter().enumerate().position(|(i, w)| {
        secrets::is_vault_binary(w) || (i == 0 && Product::from_binary(w).is_some())
    })?;
    let server_argv = argv.get(at..)?;
    let args = server_args(server_argv);
    if !args.is_server {
        return None;
    }

    let exe = read_exe(root, pid);
    let product = exe
        .get()
        .and_then(|e| Product::from_binary(&e.path))
        .or_else(|| server_argv.first().and_then(|w| Product::from_binary(w)))
        .or_else(|| Product::from_binary(comm))
        .unwrap_or(Product::Vault);

    let environ = read_environ(root, pid);
    let mut config_paths: Vec<ConfigPathRef> = args
        .config_paths
        .iter()
        .map(|p| ConfigPathRef {
            path: p.clone(),
            resolved: None,
            source: "argv".to_string(),
        })
        .collect();
    if let Some(env) = environ.get() {
        for p in &env.config_paths {
            let source = if env.variables.contains_key("BAO_CONFIG_PATH") {
                "BAO_CONFIG_PATH"
            } else {
                "VAULT_CONFIG_PATH"
            };
            config_paths.push(ConfigPathRef {
                path: p.clone(),
                resolved: None,
                source: source.to_string(),
            });
        }
    }
    if config_paths.iter().any(|c| !c.path.starts_with('/')) {
        let cwd = root.read_link(Path::new(&proc_path(pid, "cwd"))).ok();
        for c in &mut config_paths {
            c.resolved = if c.path.starts_with('/') {
                Some(c.path.clone())
            } else {
                cwd.as_ref()
                    .map(|d| super::common::host_join(d, c.path.trim_start_matches("./")))
            };
        }
    } else {
        for c in &mut config_paths {
            c.resolved = Some(c.path.clone());
        }
    }

    let (redacted, kinds) = secrets::redact_words(&argv);
    Some(ServerProcess {
        pid,
        product,
        comm: comm.to_string(),
        exe,
        argv: redacted,
        argv_secret_kinds: kinds,
        dev_mode: args.dev_mode,
        config_paths,
        status: read_status(root, pid),
        limits: read_limits(root, pid),
        cgroup: read_cgroup(root, pid),
        environ,
    })
}

fn read_exe(root: &Root, pid: u32) -> Probe<Exe> {
    match root.read_link(Path::new(&proc_path(pid, "exe"))) {
        Ok(t) => {
            let (path, deleted) = match t.strip_suffix(" (deleted)") {
                Some(p) => (p.to_string(), true),
                None => (t, false),
            };
            Probe::ok(Exe { path, deleted })
        }
        Err(e) => Probe::from_error(&e),
    }
}

fn parse_ids(v: &str) -> Option<IdSet> {
    let n: Vec<u32> = v
        .split_whitespace()
        .map(|x| x.parse::<u32>())
        .collect::<Result<_, _>>()
        .ok()?;
    match n.as_slice() {
        [real, effective, saved, fs, ..] => Some(IdSet {
            real: *real,
            effective: *effective,
            saved: *saved,
            fs: *fs,
        }),
        _ => None,
    }
}

/// Parses `/proc/<pid>/status` text.
pub(crate) fn parse_status(text: &str) -> Option<ProcStatus> {
    let mut fields: BTreeMap<&str, &str> = BTreeMap::new();
    for line in text.lines() {
        if let Some((k, v)) = line.split_once(':') {
            fields.insert(k.trim(), v.trim());
        }
    }
    let cap = |k: &str| fields.get(k).and_then(|v| CapSet::from_hex(v));
    Some(ProcStatus {
        ppid: fields.get("PPid").and_then(|v| v.parse().ok()),
        uid: parse_ids(fields.get("Uid")?)?,
        gid: parse_ids(fields.get("Gid")?)?,
        groups: fields
            .get("Groups")
            .map(|v| {
                v.split_whitespace()
                    .filter_map(|g| g.parse().ok())
                    .collect()
            })
            .unwrap_or_default(),
        cap_inh: cap("CapInh"),
        cap_prm: cap("CapPrm"),
        cap_eff: cap("CapEff"),
        cap_bnd: cap("CapBnd"),
        cap_amb: cap("CapAmb"),
        no_new_privs: fields.get("NoNewPrivs").map(|v| *v == "1"),
        vm_lck_kb: fields
            .get("VmLck")
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok()),
    })
}

fn read_status(root: &Root, pid: u32) -> Probe<ProcStatus> {
    let p = proc_path(pid, "status");
    match root.read_string(&p) {
        Ok(t) => match parse_status(&t) {
            Some(s) => Probe::ok(s),
            None => Probe::error(format!("{p}: no parsable Uid:/Gid: lines")),
        },
        Err(e) => Probe::from_error(&e),
    }
}

fn limit_value(s: &str) -> Option<LimitValue> {
    if s == "unlimited" {
        Some(LimitValue::Unlimited)
    } else {
        s.parse::<u64>().ok().map(LimitValue::Value)
    }
}

/// Parses `/proc/<pid>/limits` text.
pub(crate) fn parse_limits(text: &str) -> ProcLimits {
    let get = |name: &str| -> Option<RLimit> {
        let line = text.lines().find(|l| l.starts_with(name))?;
        let mut it = line.get(name.len()..)?.split_whitespace();
        Some(RLimit {
            soft: limit_value(it.next()?)?,
            hard: limit_value(it.next()?)?,
        })
    };
    ProcLimits {
        core: get("Max core file size"),
        memlock: get("Max locked memory"),
        nofile: get("Max open files"),
    }
}

fn read_limits(root: &Root, pid: u32) -> Probe<ProcLimits> {
    let p = proc_path(pid, "limits");
    match root.read_string(&p) {
        Ok(t) => {
            let l = parse_limits(&t);
            if l.core.is_none() {
                Probe::error(format!("{p}: no parsable 'Max core file size' line"))
            } else {
                Probe::ok(l)
            }
        }
        Err(e) => Probe::from_error(&e),
    }
}

/// v1 counters report "no limit" as a huge page-aligned number.
fn v1_value(s: &str) -> Option<LimitValue> {
    let n = s.trim().parse::<u64>().ok()?;
    Some(if n >= 1u64 << 60 {
        LimitValue::Unlimited
    } else {
        LimitValue::Value(n)
    })
}

fn v2_value(s: &str) -> Option<LimitValue> {
    let s = s.trim();
    if s == "max" {
        Some(LimitValue::Unlimited)
    } else {
        s.parse::<u64>().ok().map(LimitValue::Value)
    }
}

fn read_parsed<T>(root: &Root, host: &str, parse: impl Fn(&str) -> Option<T>) -> Probe<T> {
    match root.read_string(host) {
        Ok(t) => match parse(&t) {
            Some(v) => Probe::ok(v),
            None => Probe::error(format!("{host}: unexpected content")),
        },
        Err(e) => Probe::from_error(&e),
    }
}

fn cg_join(base: &str, path: &str) -> String {
    let p = path.trim_matches('/');
    if p.is_empty() {
        base.to_string()
    } else {
        format!("{base}/{p}")
    }
}

fn read_cgroup(root: &Root, pid: u32) -> Probe<CgroupFacts> {
    let p = proc_path(pid, "cgroup");
    let text = match root.read_string(&p) {
        Ok(t) => t,
        Err(e) => return Probe::from_error(&e),
    };
    let mut v2_path = None;
    let mut memory_v1_path = None;
    let mut v1_seen = false;
    for line in text.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(id), Some(ctrls), Some(path)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if id == "0" && ctrls.is_empty() {
            v2_path = Some(path.to_string());
        } else {
            v1_seen = true;
            if ctrls.split(',').any(|c| c == "memory") {
                memory_v1_path = Some(path.to_string());
            }
        }
    }
    let hierarchy = match (v2_path.is_some(), v1_seen) {
        (true, false) => "v2",
        (true, true) => "hybrid",
        (false, _) => "v1",
    };
    let unit = v2_path
        .as_deref()
        .or(memory_v1_path.as_deref())
        .and_then(|p| {
            p.rsplit('/')
                .find(|c| c.ends_with(".service") || c.ends_with(".scope"))
        })
        .map(str::to_string);

    let memory_swap_max = match (&v2_path, hierarchy) {
        (Some(path), "v2") => read_swap_max(root, path),
        (Some(_), _) => Probe::skip("the memory controller is on cgroup v1 (hybrid hierarchy)"),
        (None, _) => Probe::skip("no cgroup v2 hierarchy for this process"),
    };
    let (memsw, mem, swappiness) = match &memory_v1_path {
        Some(path) => {
            let dir = cg_join("/sys/fs/cgroup/memory", path);
            (
                Some(read_parsed(
                    root,
                    &format!("{dir}/memory.memsw.limit_in_bytes"),
                    v1_value,
                )),
                Some(read_parsed(
                    root,
                    &format!("{dir}/memory.limit_in_bytes"),
                    v1_value,
                )),
                Some(read_parsed(
                    root,
                    &format!("{dir}/memory.swappiness"),
                    |s| s.trim().parse::<u64>().ok(),
                )),
            )
        }
        None => (None, None, None),
    };
    Probe::ok(CgroupFacts {
        hierarchy: hierarchy.to_string(),
        v2_path,
        memory_v1_path,
        unit,
        memory_swap_max,
        memsw_limit_in_bytes: memsw,
        memory_limit_in_bytes: mem,
        swappiness,
    })
}

/// `memory.swap.max` of the leaf cgroup; ancestors are consulted too, because a 0 set on a
/// parent slice fences every cgroup below it.
fn read_swap_max(root: &Root, cg_path: &str) -> Probe<SwapMax> {
    let leaf = format!("{}/memory.swap.max", cg_join("/sys/fs/cgroup", cg_path));
    let value = match root.read_string(&leaf) {
        Ok(t) => match v2_value(&t) {
            Some(v) => v,
            None => return Probe::error(format!("{leaf}: unexpected content")),
        },
        Err(e) => return Probe::from_error(&e),
    };
    let mut fenced_at = value.is_zero().then(|| leaf.clone());
    let mut path = cg_path.trim_matches('/').to_string();
    while fenced_at.is_none() {
        let Some((parent, _)) = path.rsplit_once('/') else {
            break;
        };
        path = parent.to_string();
        let f = format!("{}/memory.swap.max", cg_join("/sys/fs/cgroup", &path));
        if let Some(v) = root.read_string(&f).ok().and_then(|t| v2_value(&t)) {
            if v.is_zero() {
                fenced_at = Some(f);
            }
        }
    }
    Probe::ok(SwapMax {
        value,
        read_at: leaf,
        fenced_at,
    })
}

fn read_environ(root: &Root, pid: u32) -> Probe<ProcEnviron> {
    let p = proc_path(pid, "environ");
    let raw = match root.read(Path::new(&p)) {
        Ok(r) => r,
        Err(e) => return Probe::from_error(&e),
    };
    Probe::ok(parse_environ(&raw, &p))
}

/// Parses NUL-separated `NAME=value` pairs. Values of credential-named variables are
/// dropped before anything else sees them.
pub(crate) fn parse_environ(raw: &[u8], file: &str) -> ProcEnviron {
    let mut env = ProcEnviron {
        gotraceback: None,
        variables: BTreeMap::new(),
        config_paths: Vec::new(),
        secrets: Vec::new(),
    };
    let mut vault_cfg: Option<String> = None;
    let mut bao_cfg: Option<String> = None;
    for item in raw.split(|b| *b == 0).filter(|i| !i.is_empty()) {
        let item = String::from_utf8_lossy(item);
        let Some((name, value)) = item.split_once('=') else {
            continue;
        };
        let relevant =
            name.starts_with("VAULT_") || name.starts_with("BAO_") || name.starts_with("GO");
        // Values of unrelated variables are never kept, so only their names matter.
        let kind = if relevant {
            env_secret_kind(name, value)
        } else if secrets::is_secret_name(name) && !value.is_empty() {
            Some(SecretKind::SecretVariable)
        } else {
            None
        };
        let secret = kind.is_some();
        if let Some(kind) = kind {
            env.secrets.push(SecretHit::variable(file, 0, kind, name));
        }
        if relevant {
            env.variables
                .insert(name.to_string(), (!secret).then(|| value.to_string()));
        }
        match name {
            "GOTRACEBACK" => env.gotraceback = Some(value.to_string()),
            "VAULT_CONFIG_PATH" => vault_cfg = Some(value.to_string()),
            "BAO_CONFIG_PATH" => bao_cfg = Some(value.to_string()),
            _ => {}
        }
    }
    // OpenBao reads BAO_X first and falls back to VAULT_X.
    if let Some(v) = bao_cfg.or(vault_cfg) {
        env.config_paths = v
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
    }
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = "Name:\tbao\nUmask:\t0022\nState:\tS (sleeping)\nPPid:\t1\n\
Uid:\t997\t997\t997\t997\nGid:\t996\t996\t996\t996\nGroups:\t996 4\nVmLck:\t       0 kB\n\
CapInh:\t0000000000000000\nCapPrm:\t0000000000004000\nCapEff:\t0000000000004000\n\
CapBnd:\t0000000400004000\nCapAmb:\t0000000000004000\nNoNewPrivs:\t1\n";

    #[test]
    fn status_fields() {
        let s = parse_status(STATUS).unwrap();
        assert_eq!(s.uid.effective, 997);
        assert_eq!(s.gid.real, 996);
        assert_eq!(s.groups, vec![996, 4]);
        assert!(s.cap_eff.as_ref().unwrap().ipc_lock);
        assert_eq!(
            s.cap_bnd.as_ref().unwrap().names,
            vec!["CAP_IPC_LOCK", "CAP_SYSLOG"]
        );
        assert_eq!(s.no_new_privs, Some(true));
        assert_eq!(s.vm_lck_kb, Some(0));
        assert!(parse_status("Name: x\nUid: a b\n").is_none());
        assert!(parse_status("").is_none());
    }

    #[test]
    fn limits_fields() {
        let t = "Limit                     Soft Limit           Hard Limit           Units     \n\
Max cpu time              unlimited            unlimited            seconds   \n\
Max core file size        0                    unlimited            bytes     \n\
Max locked memory         8388608              8388608              bytes     \n\
Max open files            1024                 524288               files     \n";
        let l = parse_limits(t);
        assert_eq!(
            l.core,
            Some(RLimit {
                soft: LimitValue::Value(0),
                hard: LimitValue::Unlimited
            })
        );
        assert_eq!(l.memlock.unwrap().hard, LimitValue::Value(8388608));
        assert_eq!(l.nofile.unwrap().soft, LimitValue::Value(1024));
        assert!(parse_limits("Max core file size  x").core.is_none());
    }

    #[test]
    fn environ_redacts_credentials() {
        let raw = b"PATH=/bin\0VAULT_TOKEN=hvs.supersecretvalue\0GOTRACEBACK=crash\0BAO_CONFIG_PATH=/a.hcl, /b\0AWS_SECRET_ACCESS_KEY=xyz\0VAULT_ADDR=https://x\0";
        let e = parse_environ(raw, "/proc/1/environ");
        assert_eq!(e.gotraceback.as_deref(), Some("crash"));
        assert_eq!(e.config_paths, vec!["/a.hcl", "/b"]);
        assert_eq!(e.variables.get("VAULT_TOKEN"), Some(&None));
        assert_eq!(
            e.variables.get("VAULT_ADDR"),
            Some(&Some("https://x".to_string()))
        );
        assert!(!e.variables.contains_key("PATH"));
        assert_eq!(e.secrets.len(), 2);
        let json = serde_json::to_string(&e).unwrap();
        assert!(!json.contains("supersecret") && !json.contains("xyz"));
    }
}
