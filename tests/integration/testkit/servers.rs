//! Real OpenBao servers on loopback: dev mode, an uninitialized raft node, and a 3-node
//! raft cluster with TLS.

use std::fs::File;
use std::io::Read;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use serde_json::{json, Value};
use tempfile::TempDir;

use super::admin::Admin;
use super::pki::TestPki;
use super::{io_err, Result, TestkitError};

/// The pinned server version every harness server runs unless told otherwise.
pub const BAO_VERSION: &str = "2.7.2";
/// The second pinned version (one node of [`TlsCluster::start_mixed`]).
pub const BAO_OLD_VERSION: &str = "2.7.1";
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Path of the pinned `bao` binary; runs `scripts/fetch-bao.sh` when it is missing and
/// fails loudly if that fails (tests never skip silently). `VAULTSEC_BAO` overrides.
pub fn bao_binary() -> Result<PathBuf> {
    static BIN: OnceLock<std::result::Result<PathBuf, String>> = OnceLock::new();
    BIN.get_or_init(|| pinned_binary(BAO_VERSION, "VAULTSEC_BAO"))
        .clone()
        .map_err(TestkitError::Bao)
}

/// Path of the older pinned `bao` (2.7.1), as [`bao_binary`]; `VAULTSEC_BAO_OLD` overrides.
pub fn bao_old_binary() -> Result<PathBuf> {
    static BIN: OnceLock<std::result::Result<PathBuf, String>> = OnceLock::new();
    BIN.get_or_init(|| pinned_binary(BAO_OLD_VERSION, "VAULTSEC_BAO_OLD"))
        .clone()
        .map_err(TestkitError::Bao)
}

fn pinned_binary(version: &str, env_var: &str) -> std::result::Result<PathBuf, String> {
    if let Some(p) = std::env::var_os(env_var) {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!("{env_var}={} is not a file", p.display()))
        };
    }
    // Walk up from this crate to the repository that holds scripts/fetch-bao.sh.
    let mut dir = Some(Path::new(env!("CARGO_MANIFEST_DIR")));
    while let Some(d) = dir {
        let script = d.join("scripts/fetch-bao.sh");
        if script.is_file() {
            let bin = d.join(format!(".tools/openbao-{version}/bao"));
            if bin.is_file() {
                return Ok(bin);
            }
            let out = Command::new("bash")
                .arg(&script)
                .arg(version)
                .output()
                .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
            if !out.status.success() || !bin.is_file() {
                return Err(format!(
                    "{} {version} failed: {}",
                    script.display(),
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
            return Ok(bin);
        }
        dir = d.parent();
    }
    Err("scripts/fetch-bao.sh not found above the crate directory".into())
}

/// `n` distinct free loopback ports (all bound at once so they differ).
pub fn free_ports(n: usize) -> Result<Vec<u16>> {
    let listeners: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<std::io::Result<_>>()
        .map_err(io_err("bind a free port"))?;
    listeners
        .iter()
        .map(|l| l.local_addr().map(|a| a.port()))
        .collect::<std::io::Result<_>>()
        .map_err(io_err("local addr"))
}

/// A random hex token (dev root token ids, etc.).
pub fn random_token() -> Result<String> {
    let mut buf = [0u8; 16];
    File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .map_err(io_err("read /dev/urandom"))?;
    Ok(format!(
        "tk-{}",
        buf.iter().map(|b| format!("{b:02x}")).collect::<String>()
    ))
}

type SpawnRequest = (Command, mpsc::Sender<std::io::Result<Child>>);

/// Spawns through one long-lived thread: `PR_SET_PDEATHSIG` fires when the *spawning
/// thread* exits, so spawning from short-lived test threads would kill shared servers
/// early. With this thread the kernel kills children only when the test process ends.
fn spawn(cmd: Command) -> std::io::Result<Child> {
    static SPAWNER: OnceLock<Mutex<mpsc::Sender<SpawnRequest>>> = OnceLock::new();
    let tx = SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<SpawnRequest>();
        std::thread::spawn(move || {
            for (mut cmd, reply) in rx {
                let _ = reply.send(cmd.spawn());
            }
        });
        Mutex::new(tx)
    });
    let (reply_tx, reply_rx) = mpsc::channel();
    tx.lock()
        .map_err(|_| std::io::Error::other("spawner poisoned"))?
        .send((cmd, reply_tx))
        .map_err(|_| std::io::Error::other("spawner gone"))?;
    reply_rx
        .recv()
        .map_err(|_| std::io::Error::other("spawner gone"))?
}

/// A running `bao` process; killed (and reaped) on drop.
pub struct ServerProcess {
    child: Child,
    /// Combined stdout/stderr of the server.
    pub log: PathBuf,
}

impl ServerProcess {
    fn start(args: &[String], dir: &Path, name: &str) -> Result<ServerProcess> {
        ServerProcess::start_bin(&bao_binary()?, args, dir, name)
    }

    fn start_bin(bin: &Path, args: &[String], dir: &Path, name: &str) -> Result<ServerProcess> {
        let log = dir.join(format!("{name}.log"));
        let out = File::create(&log).map_err(io_err("create server log"))?;
        let err = out.try_clone().map_err(io_err("dup server log"))?;
        let mut cmd = Command::new(bin);
        cmd.args(args)
            // No VAULT_*/BAO_* from the developer's shell; dev mode writes ~/.vault-token,
            // so HOME points into the temp dir.
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", dir)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let child = spawn(cmd).map_err(io_err("spawn bao"))?;
        Ok(ServerProcess { child, log })
    }

    /// Process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the server (SIGKILL, as a crash or power loss would) and reaps it.
    pub fn kill(&mut self) -> Result<()> {
        self.child.kill().map_err(io_err("kill bao"))?;
        self.child.wait().map_err(io_err("reap bao"))?;
        Ok(())
    }

    /// The tail of the server log (for failure messages).
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_health(admin: &Admin, proc: &ServerProcess, ok: &[u16]) -> Result<()> {
    admin
        .wait_until("server health", START_TIMEOUT, |a| {
            a.health_status().is_some_and(|s| ok.contains(&s))
        })
        .map_err(|e| TestkitError::Timeout(format!("{e}; server log:\n{}", proc.log_tail())))
}

/// `bao server -dev` on a random loopback port with a random root token.
pub struct DevServer {
    // Declared first: dropped (killed) before the temp dir is removed.
    proc: ServerProcess,
    /// `http://127.0.0.1:<port>`.
    pub addr: String,
    /// The dev root token.
    pub root_token: String,
    /// The file audit log, when started with one.
    pub audit_log: Option<PathBuf>,
    dir: TempDir,
}

impl DevServer {
    /// Starts a dev server and waits until it is active.
    pub fn start() -> Result<DevServer> {
        DevServer::start_inner(false, None)
    }

    /// Same, with a declarative file audit device (`audit "file" "file-audit"`).
    pub fn start_with_audit() -> Result<DevServer> {
        DevServer::start_inner(true, None)
    }

    /// Same, with extra config text (`{dir}` stands for the server's directory).
    pub fn start_with_config(extra: &str) -> Result<DevServer> {
        DevServer::start_inner(false, Some(extra))
    }

    fn start_inner(audit: bool, extra: Option<&str>) -> Result<DevServer> {
        let dir = tempfile::tempdir().map_err(io_err("temp dir"))?;
        let port = free_ports(1)?.first().copied().unwrap_or(0);
        let root_token = random_token()?;
        let mut args = vec![
            "server".to_owned(),
            "-dev".to_owned(),
            format!("-dev-root-token-id={root_token}"),
            format!("-dev-listen-address=127.0.0.1:{port}"),
        ];
        let mut audit_log = None;
        if audit {
            let log = dir.path().join("audit.log");
            let cfg = dir.path().join("audit.hcl");
            let text = format!(
                "audit \"file\" \"file-audit\" {{\n  options {{\n    file_path = \"{}\"\n  }}\n}}\n",
                log.display()
            );
            std::fs::write(&cfg, text).map_err(io_err("write audit.hcl"))?;
            args.push(format!("-config={}", cfg.display()));
            audit_log = Some(log);
        }
        if let Some(extra) = extra {
            let cfg = dir.path().join("extra.hcl");
            let text = extra.replace("{dir}", &dir.path().display().to_string());
            std::fs::write(&cfg, text).map_err(io_err("write extra.hcl"))?;
            args.push(format!("-config={}", cfg.display()));
        }
        let proc = ServerProcess::start(&args, dir.path(), "dev")?;
        let addr = format!("http://127.0.0.1:{port}");
        let admin = Admin::new(&addr, None, Some(&root_token))?;
        wait_health(&admin, &proc, &[200])?;
        Ok(DevServer {
            proc,
            addr,
            root_token,
            audit_log,
            dir,
        })
    }

    /// An admin client with the root token.
    pub fn admin(&self) -> Result<Admin> {
        Admin::new(&self.addr, None, Some(&self.root_token))
    }

    /// Working directory of the server.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Process id.
    pub fn pid(&self) -> u32 {
        self.proc.pid()
    }
}

/// Settings of one raft node's config file.
struct NodeConfig<'a> {
    node_id: &'a str,
    dir: &'a Path,
    api_port: u16,
    cluster_port: u16,
    tls: Option<(&'a Path, &'a Path)>,
    join: &'a [(u16, &'a Path)],
    audit_log: Option<&'a Path>,
    client_ca: Option<&'a Path>,
    tls_min_version: &'a str,
    /// Autopilot reconciles and refreshes its view every second instead of every 10 s.
    fast_autopilot: bool,
}

fn raft_config(c: &NodeConfig<'_>) -> String {
    let NodeConfig {
        node_id,
        dir,
        api_port,
        cluster_port,
        tls,
        join,
        audit_log,
        client_ca,
        tls_min_version,
        fast_autopilot,
    } = *c;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let mut s = format!(
        "api_addr = \"{scheme}://127.0.0.1:{api_port}\"\ncluster_addr = \"https://127.0.0.1:{cluster_port}\"\ndisable_mlock = true\n\nstorage \"raft\" {{\n  path = \"{}\"\n  node_id = \"{node_id}\"\n",
        dir.join("data").display()
    );
    if fast_autopilot {
        s.push_str(
            "  autopilot_reconcile_interval = \"1s\"\n  autopilot_update_interval = \"1s\"\n",
        );
    }
    for (port, ca) in join {
        s.push_str(&format!(
            "  retry_join {{\n    leader_api_addr = \"https://127.0.0.1:{port}\"\n    leader_ca_cert_file = \"{}\"\n    leader_tls_servername = \"localhost\"\n  }}\n",
            ca.display()
        ));
    }
    s.push_str("}\n\n");
    s.push_str(&format!(
        "listener \"tcp\" {{\n  address = \"127.0.0.1:{api_port}\"\n  cluster_address = \"127.0.0.1:{cluster_port}\"\n"
    ));
    match tls {
        Some((cert, key)) => s.push_str(&format!(
            "  tls_cert_file = \"{}\"\n  tls_key_file = \"{}\"\n  tls_min_version = \"{tls_min_version}\"\n",
            cert.display(),
            key.display()
        )),
        None => s.push_str("  tls_disable = true\n"),
    }
    if let Some(ca) = client_ca {
        s.push_str(&format!(
            "  tls_require_and_verify_client_cert = true\n  tls_client_ca_file = \"{}\"\n",
            ca.display()
        ));
    }
    s.push_str("  telemetry {\n    unauthenticated_metrics_access = false\n  }\n}\n\n");
    s.push_str(
        "telemetry {\n  disable_hostname = true\n  prometheus_retention_time = \"30s\"\n}\n",
    );
    if let Some(log) = audit_log {
        s.push_str(&format!(
            "\naudit \"file\" \"file-audit\" {{\n  description = \"testkit file audit\"\n  options {{\n    file_path = \"{}\"\n  }}\n}}\n",
            log.display()
        ));
    }
    s
}

thread_local! {
    /// Set while [`RaftServer::start_self_signed`] builds its node.
    static SELF_SIGNED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// One uninitialized raft node (TLS or plain HTTP).
pub struct RaftServer {
    proc: ServerProcess,
    /// `http(s)://127.0.0.1:<port>`.
    pub addr: String,
    /// CA certificate (TLS only).
    pub ca_cert: Option<PathBuf>,
    dir: TempDir,
}

impl RaftServer {
    /// Starts an uninitialized single raft node and waits until `sys/health` answers 501.
    pub fn start(tls: bool) -> Result<RaftServer> {
        RaftServer::start_inner(tls, false, "tls12").map(|(s, _)| s)
    }

    /// An uninitialized TLS node serving a self-signed certificate (`ca_cert` is that
    /// certificate; clients must skip verification).
    pub fn start_self_signed() -> Result<RaftServer> {
        SELF_SIGNED.with(|f| f.set(true));
        let r = RaftServer::start_inner(true, false, "tls12").map(|(s, _)| s);
        SELF_SIGNED.with(|f| f.set(false));
        r
    }

    /// An uninitialized TLS node whose listener accepts TLS from `min_version` (`tls10`…).
    pub fn start_tls_min(min_version: &str) -> Result<RaftServer> {
        RaftServer::start_inner(true, false, min_version).map(|(s, _)| s)
    }

    /// An uninitialized TLS node that requires client certificates (mutual TLS). Returns
    /// the server and a client (certificate, key) pair issued by its CA.
    pub fn start_mtls() -> Result<(RaftServer, (PathBuf, PathBuf))> {
        let (s, client) = RaftServer::start_inner(true, true, "tls12")?;
        let client = client.ok_or_else(|| TestkitError::Pki("no client certificate".into()))?;
        Ok((s, client))
    }

    fn start_inner(
        tls: bool,
        client_ca: bool,
        tls_min_version: &str,
    ) -> Result<(RaftServer, Option<(PathBuf, PathBuf)>)> {
        let dir = tempfile::tempdir().map_err(io_err("temp dir"))?;
        std::fs::create_dir_all(dir.path().join("data")).map_err(io_err("raft dir"))?;
        let ports = free_ports(2)?;
        let (api, cluster) = (ports[0], ports[1]);
        let pki = if tls {
            Some(TestPki::new(dir.path())?)
        } else {
            None
        };
        let self_signed = SELF_SIGNED.with(std::cell::Cell::get);
        let certs = match &pki {
            Some(_) if self_signed => Some(TestPki::self_signed(dir.path(), "node")?),
            Some(p) => Some(p.issue("node")?),
            None => None,
        };
        let cfg = raft_config(&NodeConfig {
            node_id: "solo",
            dir: dir.path(),
            api_port: api,
            cluster_port: cluster,
            tls: certs.as_ref().map(|(c, k)| (c.as_path(), k.as_path())),
            join: &[],
            audit_log: None,
            client_ca: pki
                .as_ref()
                .filter(|_| client_ca)
                .map(|p| p.ca_cert.as_path()),
            tls_min_version,
            fast_autopilot: false,
        });
        let cfg_path = dir.path().join("config.hcl");
        std::fs::write(&cfg_path, cfg).map_err(io_err("write config"))?;
        let proc = ServerProcess::start(
            &["server".into(), format!("-config={}", cfg_path.display())],
            dir.path(),
            "raft",
        )?;
        let scheme = if tls { "https" } else { "http" };
        let addr = format!("{scheme}://127.0.0.1:{api}");
        let client = match (&pki, client_ca) {
            (Some(p), true) => Some(p.issue("client")?),
            _ => None,
        };
        let ca_cert = match (&certs, self_signed) {
            (Some((cert, _)), true) => Some(cert.clone()),
            _ => pki.map(|p| p.ca_cert),
        };
        let admin = if self_signed {
            Admin::new_insecure(&addr)?
        } else {
            Admin::new_with_client_cert(&addr, ca_cert.as_deref(), None, client.as_ref())?
        };
        wait_health(&admin, &proc, &[501])?;
        Ok((
            RaftServer {
                proc,
                addr,
                ca_cert,
                dir,
            },
            client,
        ))
    }

    /// Admin client (optionally with a token).
    pub fn admin(&self, token: Option<&str>) -> Result<Admin> {
        Admin::new(&self.addr, self.ca_cert.as_deref(), token)
    }

    /// Initializes (1 share) and unseals; returns the root token and the unseal key.
    pub fn init_unseal(&self) -> Result<(String, String)> {
        let admin = self.admin(None)?;
        let init = admin.init(1, 1)?;
        admin.unseal(&init.keys_base64)?;
        wait_health(&admin, &self.proc, &[200])?;
        let key = init.keys_base64.first().cloned().unwrap_or_default();
        Ok((init.root_token, key))
    }

    /// Working directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The config file the server was started with.
    pub fn config_file(&self) -> PathBuf {
        self.dir.path().join("config.hcl")
    }
}

/// One node of a [`TlsCluster`].
pub struct TlsNode {
    proc: ServerProcess,
    /// Node id (`n1`…).
    pub name: String,
    /// `https://127.0.0.1:<api port>`.
    pub addr: String,
    /// API port.
    pub api_port: u16,
    /// Cluster port.
    pub cluster_port: u16,
    /// File audit log of this node (one file for all nodes of [`TlsCluster::start_mixed`]).
    pub audit_log: PathBuf,
}

impl TlsNode {
    /// Process id.
    pub fn pid(&self) -> u32 {
        self.proc.pid()
    }

    /// Kills this node's server (its raft peers see it stop answering).
    pub fn kill(&mut self) -> Result<()> {
        self.proc.kill()
    }

    /// The tail of this node's server log (for failure messages).
    pub fn log_tail(&self) -> String {
        self.proc.log_tail()
    }
}

/// How [`TlsCluster::start_with`] builds a cluster.
struct ClusterSpec {
    /// The `bao` binary of each node.
    bins: [PathBuf; 3],
    /// One audit log file declared by every node (else one per node).
    one_audit_log: bool,
    /// Autopilot reconcile/update every second.
    fast_autopilot: bool,
}

/// Three raft nodes with TLS, initialized and unsealed through the API, three healthy voters.
pub struct TlsCluster {
    /// Nodes; `nodes[0]` was initialized first and is the leader at start.
    pub nodes: Vec<TlsNode>,
    /// Root token from `sys/init`.
    pub root_token: String,
    /// Unseal keys.
    pub unseal_keys: Vec<String>,
    /// CA certificate (PEM).
    pub ca_cert: PathBuf,
    dir: TempDir,
}

impl TlsCluster {
    /// Starts the cluster (about 10–20 s). Every node declares the same audit device, as
    /// OpenBao requires of declarative audit blocks: with per-node paths the standbys' set-up
    /// keeps failing and, on a loaded machine, they serve local reads too late.
    pub fn start() -> Result<TlsCluster> {
        let bin = bao_binary()?;
        TlsCluster::start_with(ClusterSpec {
            bins: [bin.clone(), bin.clone(), bin],
            one_audit_log: true,
            fast_autopilot: false,
        })
    }

    /// A cluster of its own whose third node (`nodes[2]`, a standby at start) runs the
    /// older pinned version [`BAO_OLD_VERSION`], as in the middle of a rolling upgrade.
    /// Its API address sorts last, so per-node lists (sorted by address) are stable.
    /// Every node declares the same audit device (one shared log file): OpenBao checks a
    /// standby's declared audit devices against the cluster's table, and with per-node
    /// paths the standbys' read-only setup fails, so they cannot even serve `sys/seal`.
    /// Autopilot runs every second, so joiners are promoted without 10 s ticks.
    pub fn start_mixed() -> Result<TlsCluster> {
        let bin = bao_binary()?;
        TlsCluster::start_with(ClusterSpec {
            bins: [bin.clone(), bin, bao_old_binary()?],
            one_audit_log: true,
            fast_autopilot: true,
        })
    }

    fn start_with(spec: ClusterSpec) -> Result<TlsCluster> {
        let ClusterSpec {
            bins,
            one_audit_log,
            fast_autopilot,
        } = spec;
        let dir = tempfile::tempdir().map_err(io_err("temp dir"))?;
        let pki = TestPki::new(dir.path())?;
        let ports = free_ports(6)?;
        let mut api: Vec<u16> = vec![ports[0], ports[2], ports[4]];
        // The scanner sorts nodes by address string: give node i the i-th in that order.
        api.sort_by_key(u16::to_string);
        let cl: Vec<u16> = vec![ports[1], ports[3], ports[5]];
        let mut nodes = Vec::new();
        for (i, bin) in bins.iter().enumerate() {
            let name = format!("n{}", i + 1);
            let ndir = dir.path().join(&name);
            std::fs::create_dir_all(ndir.join("data")).map_err(io_err("node dir"))?;
            let (cert, key) = pki.issue(&name)?;
            let join: Vec<(u16, &Path)> = (0..3)
                .filter(|j| *j != i)
                .map(|j| (api[j], pki.ca_cert.as_path()))
                .collect();
            let audit_log = if one_audit_log {
                dir.path().join("audit.log")
            } else {
                ndir.join("audit.log")
            };
            let cfg = raft_config(&NodeConfig {
                node_id: &name,
                dir: &ndir,
                api_port: api[i],
                cluster_port: cl[i],
                tls: Some((&cert, &key)),
                join: &join,
                audit_log: Some(&audit_log),
                client_ca: None,
                tls_min_version: "tls12",
                fast_autopilot,
            });
            let cfg_path = ndir.join("config.hcl");
            std::fs::write(&cfg_path, cfg).map_err(io_err("write node config"))?;
            let proc = ServerProcess::start_bin(
                bin,
                &["server".into(), format!("-config={}", cfg_path.display())],
                &ndir,
                &name,
            )?;
            nodes.push(TlsNode {
                proc,
                name,
                addr: format!("https://127.0.0.1:{}", api[i]),
                api_port: api[i],
                cluster_port: cl[i],
                audit_log,
            });
        }
        let ca = pki.ca_cert.clone();
        let admins: Vec<Admin> = nodes
            .iter()
            .map(|n| Admin::new(&n.addr, Some(&ca), None))
            .collect::<Result<_>>()?;
        for (a, n) in admins.iter().zip(&nodes) {
            wait_health(a, &n.proc, &[501])?;
        }
        let init = admins[0].init(1, 1)?;
        admins[0].unseal(&init.keys_base64)?;
        wait_health(&admins[0], &nodes[0].proc, &[200])?;
        let root = admins[0].with_token(&init.root_token)?;
        // Promote joiners quickly (default stabilization is 10 s).
        root.must(
            "POST",
            "sys/storage/raft/autopilot/configuration",
            Some(json!({"server_stabilization_time": "2s", "cleanup_dead_servers": false})),
        )?;
        for (a, n) in admins.iter().zip(&nodes).skip(1) {
            // retry_join needs the node unsealed; it reports initialized once it reached the leader.
            a.wait_until("follower sees initialized cluster", START_TIMEOUT, |a| {
                a.call("GET", "sys/seal-status", None)
                    .ok()
                    .is_some_and(|(_, v)| v.get("initialized") == Some(&Value::Bool(true)))
            })
            .map_err(|e| TestkitError::Timeout(format!("{e}; log:\n{}", n.proc.log_tail())))?;
            a.submit_unseal_keys(&init.keys_base64)?;
            wait_health(a, &n.proc, &[429])?;
        }
        root.wait_until("3 healthy raft voters", Duration::from_secs(90), |r| {
            r.call("GET", "sys/storage/raft/autopilot/state", None)
                .ok()
                .and_then(|(_, v)| v.get("data").cloned())
                .is_some_and(|d| {
                    d.get("healthy") == Some(&Value::Bool(true))
                        && d.get("voters").and_then(Value::as_array).map(Vec::len) == Some(3)
                })
        })?;
        Ok(TlsCluster {
            nodes,
            root_token: init.root_token,
            unseal_keys: init.keys_base64,
            ca_cert: ca,
            dir,
        })
    }

    /// One cluster shared by every test of a test binary (started on first use, killed at
    /// process exit through the parent-death signal). Tests must not seal or stop its nodes.
    pub fn shared() -> Result<&'static TlsCluster> {
        static CLUSTER: OnceLock<std::result::Result<TlsCluster, String>> = OnceLock::new();
        static START: Mutex<()> = Mutex::new(());
        let _serial = START.lock();
        CLUSTER
            .get_or_init(|| {
                let c = TlsCluster::start().map_err(|e| e.to_string())?;
                register_exit_cleanup(
                    c.nodes.iter().map(TlsNode::pid).collect(),
                    c.dir().to_owned(),
                );
                Ok(c)
            })
            .as_ref()
            .map_err(|e| TestkitError::Http(format!("shared cluster failed to start: {e}")))
    }

    /// Index of the node that answers `sys/health` with `code` (200 active, 429 standby).
    /// Leadership can move when the machine is loaded: tests ask instead of assuming node 0.
    pub fn node_with_health(&self, code: u16) -> Result<usize> {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            for (i, n) in self.nodes.iter().enumerate() {
                let a = Admin::new(&n.addr, Some(&self.ca_cert), None)?;
                if a.health_status() == Some(code) {
                    return Ok(i);
                }
            }
            if std::time::Instant::now() > deadline {
                return Err(TestkitError::Timeout(format!("a node with health {code}")));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Admin client on node `i` with the root token.
    pub fn admin(&self, i: usize) -> Result<Admin> {
        let n = self
            .nodes
            .get(i)
            .ok_or_else(|| TestkitError::Http(format!("no node {i}")))?;
        Admin::new(&n.addr, Some(&self.ca_cert), Some(&self.root_token))
    }

    /// Working directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

static EXIT_CLEANUP: Mutex<Vec<(Vec<u32>, PathBuf)>> = Mutex::new(Vec::new());

extern "C" fn cleanup_at_exit() {
    if let Ok(list) = EXIT_CLEANUP.lock() {
        for (pids, dir) in list.iter() {
            for pid in pids {
                if let Ok(pid) = libc::pid_t::try_from(*pid) {
                    // SAFETY: plain kill(2) on a child we started.
                    unsafe {
                        libc::kill(pid, libc::SIGKILL);
                    }
                }
            }
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Statics are never dropped: kill shared servers and remove their files at process exit.
fn register_exit_cleanup(pids: Vec<u32>, dir: PathBuf) {
    static REGISTERED: OnceLock<()> = OnceLock::new();
    if let Ok(mut l) = EXIT_CLEANUP.lock() {
        l.push((pids, dir));
    }
    REGISTERED.get_or_init(|| {
        // SAFETY: registering a plain extern "C" function.
        unsafe {
            libc::atexit(cleanup_at_exit);
        }
    });
}
