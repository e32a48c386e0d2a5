//! Test support: build host trees (a fake `/` with `/proc`, `/etc`, units, homes) in a
//! temporary directory, with real modes and, when running as root, real ownership.
//! Used by this module's tests and by the CLI's integration tests (`--root <tree>`).
//!
//! Builders return `io::Result` so that a failing fixture says what failed; `chown` needs
//! root and says so instead of silently producing a tree with the wrong owners.

use std::ffi::CString;
use std::fs;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use super::caps;

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Uid/gid of the `vault` account in the fixtures.
pub const VAULT_UID: u32 = 997;
/// Gid of the `vault` group in the fixtures.
pub const VAULT_GID: u32 = 996;
/// Uid of the `openbao` account in the fixtures.
pub const OPENBAO_UID: u32 = 995;
/// Gid of the `openbao` group in the fixtures.
pub const OPENBAO_GID: u32 = 994;

/// A token planted in the weak node's history; it must never appear in any output.
pub const PLANTED_TOKEN: &str = "hvs.CAESIFixtureTokenMustNeverLeak0123456789abcdef";
/// An unseal key planted in the weak node's zsh history.
pub const PLANTED_UNSEAL_KEY: &str = "Fx7UnsealKeyMustNeverLeak+0123456789abcdefGHIJ=";
/// A password planted in the weak node's unit `Environment=`.
pub const PLANTED_PASSWORD: &str = "FixturePasswordMustNeverLeak42";

/// True when the tests run as root (needed for `chown` and for reading other users' /proc).
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// An error saying that `what` needs root, for tests that must not silently skip.
pub fn needs_root(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!("{what} needs root to chown files (CI runs as root); rerun the tests as root"),
    )
}

/// A temporary host tree, removed on drop.
#[derive(Debug)]
pub struct HostTree {
    root: PathBuf,
}

impl Drop for HostTree {
    fn drop(&mut self) {
        // Read-only directories (`/proc/<pid>` is 0555) must be made writable again before
        // their entries can be removed by a non-root user.
        fn unlock(dir: &Path) {
            let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o755));
            if let Ok(rd) = fs::read_dir(dir) {
                for e in rd.flatten() {
                    if e.file_type().is_ok_and(|t| t.is_dir()) {
                        unlock(&e.path());
                    }
                }
            }
        }
        unlock(&self.root);
        let _ = fs::remove_dir_all(&self.root);
    }
}

impl HostTree {
    /// Creates an empty tree in the system temp directory.
    pub fn new(label: &str) -> io::Result<Self> {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let root = std::env::temp_dir().join(format!(
            "vaultsec-host-{label}-{}-{n}-{nanos}",
            std::process::id()
        ));
        fs::create_dir_all(&root)?;
        fs::set_permissions(&root, fs::Permissions::from_mode(0o755))?;
        Ok(HostTree { root })
    }

    /// The tree's root (pass it as `--root`).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where a host path lives in the tree.
    pub fn path(&self, host: &str) -> PathBuf {
        self.root.join(host.trim_start_matches('/'))
    }

    /// Creates a directory (and parents, 0755) with `mode`.
    pub fn dir(&self, host: &str, mode: u32) -> io::Result<&Self> {
        let p = self.path(host);
        fs::create_dir_all(&p)?;
        fs::set_permissions(&p, fs::Permissions::from_mode(mode))?;
        Ok(self)
    }

    /// Writes a 0644 file, creating parent directories.
    pub fn file(&self, host: &str, contents: impl AsRef<[u8]>) -> io::Result<&Self> {
        self.file_mode(host, contents, 0o644)
    }

    /// Writes a file with `mode`, creating parent directories.
    pub fn file_mode(
        &self,
        host: &str,
        contents: impl AsRef<[u8]>,
        mode: u32,
    ) -> io::Result<&Self> {
        let p = self.path(host);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&p, contents)?;
        fs::set_permissions(&p, fs::Permissions::from_mode(mode))?;
        Ok(self)
    }

    /// Creates a symlink at `host` pointing to `target` (kept verbatim, as on the host).
    pub fn symlink(&self, host: &str, target: &str) -> io::Result<&Self> {
        let p = self.path(host);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent)?;
        }
        let _ = fs::remove_file(&p);
        symlink(target, &p)?;
        Ok(self)
    }

    /// Changes the owner of a path (not following symlinks). Needs root.
    pub fn chown(&self, host: &str, uid: u32, gid: u32) -> io::Result<&Self> {
        if !is_root() {
            return Err(needs_root(&format!("chown {host}")));
        }
        let c = CString::new(self.path(host).as_os_str().as_bytes())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        // SAFETY: `c` is a valid NUL-terminated path for the duration of the call.
        if unsafe { libc::lchown(c.as_ptr(), uid, gid) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(self)
    }

    /// Sets `security.capability` on a file (what `setcap` does). Needs CAP_SETFCAP.
    pub fn setcap(&self, host: &str, permitted: u64, effective: bool) -> io::Result<&Self> {
        xattr::set(
            self.path(host),
            "security.capability",
            &caps::encode_vfs_cap_v2(permitted, effective),
        )?;
        Ok(self)
    }

    /// Writes the files of a fake process under `/proc/<pid>/`.
    pub fn process(&self, p: &FakeProcess) -> io::Result<&Self> {
        let d = format!("/proc/{}", p.pid);
        // Writable while it is filled; the real modes are set at the end.
        self.dir(&d, 0o755)?;
        self.file(&format!("{d}/comm"), format!("{}\n", p.comm))?;
        self.file(
            &format!("{d}/stat"),
            format!(
                "{} ({}) S 1 {} {} 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0\n",
                p.pid, p.comm, p.pid, p.pid
            ),
        )?;
        let mut cmdline = Vec::new();
        for a in &p.argv {
            cmdline.extend_from_slice(a.as_bytes());
            cmdline.push(0);
        }
        self.file(&format!("{d}/cmdline"), cmdline)?;
        let status = format!(
            "Name:\t{comm}\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t{pid}\nPid:\t{pid}\nPPid:\t1\n\
             Uid:\t{u}\t{u}\t{u}\t{u}\nGid:\t{g}\t{g}\t{g}\t{g}\nGroups:\t{g}\nVmLck:\t       0 kB\n\
             CapInh:\t0000000000000000\nCapPrm:\t{prm:016x}\nCapEff:\t{eff:016x}\n\
             CapBnd:\t{bnd:016x}\nCapAmb:\t{amb:016x}\nNoNewPrivs:\t{nnp}\n",
            comm = p.comm,
            pid = p.pid,
            u = p.uid,
            g = p.gid,
            prm = p.cap_prm,
            eff = p.cap_eff,
            bnd = p.cap_bnd,
            amb = p.cap_amb,
            nnp = u8::from(p.no_new_privs),
        );
        self.file(&format!("{d}/status"), status)?;
        let limits = format!(
            "Limit                     Soft Limit           Hard Limit           Units     \n\
             Max cpu time              unlimited            unlimited            seconds   \n\
             Max core file size        {:<20} {:<20} bytes     \n\
             Max locked memory         {:<20} {:<20} bytes     \n\
             Max open files            {:<20} {:<20} files     \n",
            p.core.0, p.core.1, p.memlock.0, p.memlock.1, p.nofile.0, p.nofile.1
        );
        self.file(&format!("{d}/limits"), limits)?;
        self.file(&format!("{d}/cgroup"), &p.cgroup)?;
        if let Some(env) = &p.environ {
            let mut raw = Vec::new();
            for (k, v) in env {
                raw.extend_from_slice(format!("{k}={v}").as_bytes());
                raw.push(0);
            }
            self.file_mode(&format!("{d}/environ"), raw, 0o400)?;
        }
        if let Some(exe) = &p.exe {
            self.symlink(&format!("{d}/exe"), exe)?;
        }
        if let Some(cwd) = &p.cwd {
            self.symlink(&format!("{d}/cwd"), cwd)?;
        }
        self.dir(&format!("{d}/fd"), 0o755)?;
        for (i, inode) in p.socket_inodes.iter().enumerate() {
            self.symlink(&format!("{d}/fd/{}", i + 3), &format!("socket:[{inode}]"))?;
        }
        self.dir(&format!("{d}/fd"), 0o500)?;
        self.dir(&d, 0o555)?;
        Ok(self)
    }

    /// Writes `/proc/swaps` with the given area lines after the header.
    pub fn swaps(&self, areas: &[&str]) -> io::Result<&Self> {
        let mut t = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n".to_string();
        for a in areas {
            t.push_str(a);
            t.push('\n');
        }
        self.file("/proc/swaps", t)
    }

    /// Writes `/proc/net/tcp` with LISTEN rows `(ipv4 "a.b.c.d", port, uid, inode)`.
    pub fn tcp_listeners(&self, rows: &[(&str, u16, u32, u64)]) -> io::Result<&Self> {
        let mut t = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n".to_string();
        for (i, (ip, port, uid, inode)) in rows.iter().enumerate() {
            let octets: Vec<u8> = ip.split('.').filter_map(|o| o.parse().ok()).collect();
            let bytes: [u8; 4] = octets.try_into().unwrap_or([0, 0, 0, 0]);
            let word = u32::from_ne_bytes(bytes);
            t.push_str(&format!(
                "{i:4}: {word:08X}:{port:04X} 00000000:0000 0A 00000000:00000000 00:00000000 00000000 {uid:5} 0 {inode} 1 0000000000000000 100 0 0 10 0\n"
            ));
        }
        self.file("/proc/net/tcp", t)
    }

    /// Writes `/etc/passwd` and `/etc/group`.
    pub fn accounts(&self, passwd: &[&str], group: &[&str]) -> io::Result<&Self> {
        self.file("/etc/passwd", passwd.join("\n") + "\n")?;
        self.file("/etc/group", group.join("\n") + "\n")
    }

    /// Enables a unit: `/etc/systemd/system/<target>.wants/<unit>` → the unit file.
    pub fn enable(&self, target: &str, unit: &str) -> io::Result<&Self> {
        self.symlink(
            &format!("/etc/systemd/system/{target}.wants/{unit}"),
            &format!("/usr/lib/systemd/system/{unit}"),
        )
    }
}

/// A fake process for [`HostTree::process`].
#[derive(Debug, Clone)]
pub struct FakeProcess {
    /// Pid.
    pub pid: u32,
    /// `comm`.
    pub comm: String,
    /// Command line.
    pub argv: Vec<String>,
    /// `/proc/<pid>/exe` target.
    pub exe: Option<String>,
    /// `/proc/<pid>/cwd` target.
    pub cwd: Option<String>,
    /// All four uids.
    pub uid: u32,
    /// All four gids.
    pub gid: u32,
    /// CapPrm.
    pub cap_prm: u64,
    /// CapEff.
    pub cap_eff: u64,
    /// CapBnd.
    pub cap_bnd: u64,
    /// CapAmb.
    pub cap_amb: u64,
    /// NoNewPrivs.
    pub no_new_privs: bool,
    /// Core limit (soft, hard) as /proc prints them (`0`, `unlimited`).
    pub core: (String, String),
    /// Locked-memory limit.
    pub memlock: (String, String),
    /// Open-files limit.
    pub nofile: (String, String),
    /// `/proc/<pid>/cgroup` content.
    pub cgroup: String,
    /// Environment, written 0400 when given.
    pub environ: Option<Vec<(String, String)>>,
    /// Socket inodes held open (written as `fd/N` symlinks).
    pub socket_inodes: Vec<u64>,
}

const ROOT_CAPS: u64 = caps::ALL_MASK;

impl FakeProcess {
    /// A generic process.
    pub fn new(pid: u32, comm: &str, argv: &[&str]) -> Self {
        FakeProcess {
            pid,
            comm: comm.to_string(),
            argv: argv.iter().map(|s| s.to_string()).collect(),
            exe: argv.first().map(|s| s.to_string()),
            cwd: Some("/".to_string()),
            uid: 0,
            gid: 0,
            cap_prm: ROOT_CAPS,
            cap_eff: ROOT_CAPS,
            cap_bnd: ROOT_CAPS,
            cap_amb: 0,
            no_new_privs: false,
            core: ("0".to_string(), "unlimited".to_string()),
            memlock: ("8388608".to_string(), "8388608".to_string()),
            nofile: ("1024".to_string(), "524288".to_string()),
            cgroup: "0::/init.scope\n".to_string(),
            environ: None,
            socket_inodes: Vec::new(),
        }
    }

    /// Runs as an unprivileged user with the given capabilities.
    pub fn as_user(mut self, uid: u32, gid: u32, cap_eff: u64) -> Self {
        self.uid = uid;
        self.gid = gid;
        self.cap_prm = cap_eff;
        self.cap_eff = cap_eff;
        self.cap_amb = cap_eff;
        self
    }
}

const VAULT_PASSWD: [&str; 4] = [
    "root:x:0:0:root:/root:/bin/bash",
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
    "sshd:x:105:65534::/run/sshd:/usr/sbin/nologin",
    "alice:x:1000:1000:Alice:/home/alice:/bin/bash",
];
const VAULT_GROUP: [&str; 3] = ["root:x:0:", "adm:x:4:alice", "alice:x:1000:"];

fn with(base: &[&str], extra: &[&str]) -> Vec<String> {
    base.iter().chain(extra).map(|s| s.to_string()).collect()
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// A badly run Vault node: root user, swap on, token in root's history, a writable binary
/// and config, no `LimitCORE`, no hardening, extra listeners, no firewall/time sync/backup.
/// Built without `chown`, so it works as any user (files belong to whoever runs the tests).
pub fn weak_node() -> io::Result<HostTree> {
    let t = HostTree::new("weak")?;
    let pw = with(&VAULT_PASSWD, &["vault:x:997:996::/opt/vault:/bin/bash"]);
    let gr = with(&VAULT_GROUP, &["vault:x:996:"]);
    t.accounts(&refs(&pw), &refs(&gr))?;
    t.dir("/usr/local/bin", 0o777)?
        .file_mode("/usr/local/bin/vault", b"\x7fELF fake vault", 0o777)?
        .file_mode(
            "/etc/vault.d/vault.hcl",
            "storage \"raft\" { path = \"/opt/vault/data\" }\nlistener \"tcp\" { address = \"0.0.0.0:8200\" }\n",
            0o666,
        )?
        .dir("/etc/vault.d", 0o777)?;
    t.file(
        "/etc/systemd/system/vault.service",
        "[Unit]\nDescription=Vault\n\n[Service]\nExecStart=/usr/local/bin/vault server -config=/etc/vault.d/vault.hcl\n\
         Environment=\"VAULT_ADDR=http://127.0.0.1:8200\" \"DB_PASSWORD=FixturePasswordMustNeverLeak42\"\n\
         Restart=on-failure\n\n[Install]\nWantedBy=multi-user.target\n",
    )?;
    t.enable("multi-user.target", "vault.service")?;
    let mut p = FakeProcess::new(
        4242,
        "vault",
        &[
            "/usr/local/bin/vault",
            "server",
            "-config=/etc/vault.d/vault.hcl",
        ],
    );
    p.cgroup = "0::/system.slice/vault.service\n".to_string();
    p.socket_inodes = vec![5001];
    p.environ = Some(vec![
        ("VAULT_ADDR".into(), "http://127.0.0.1:8200".into()),
        ("VAULT_TOKEN".into(), PLANTED_TOKEN.into()),
    ]);
    t.process(&p)?;
    let mut sshd = FakeProcess::new(700, "sshd", &["/usr/sbin/sshd", "-D"]);
    sshd.socket_inodes = vec![5002];
    t.process(&sshd)?;
    let mut pg = FakeProcess::new(800, "postgres", &["/usr/lib/postgresql/bin/postgres"]);
    pg.socket_inodes = vec![5003];
    t.process(&pg)?;
    t.file(
        "/sys/fs/cgroup/system.slice/vault.service/memory.swap.max",
        "max\n",
    )?;
    t.swaps(&["/swap.img                               file\t\t2097148\t\t1024\t\t-2"])?;
    t.tcp_listeners(&[
        ("0.0.0.0", 8200, 0, 5001),
        ("0.0.0.0", 22, 0, 5002),
        ("0.0.0.0", 5432, 105, 5003),
        ("0.0.0.0", 9100, 0, 5004),
    ])?;
    t.file("/proc/sys/kernel/core_pattern", "core\n")?
        .file("/proc/sys/fs/suid_dumpable", "0\n")?
        .file("/proc/sys/vm/swappiness", "60\n")?;
    t.dir("/root", 0o700)?;
    t.file_mode(
        "/root/.bash_history",
        format!(
            "ls -la\nvault status\nvault login {PLANTED_TOKEN}\nexport VAULT_TOKEN={PLANTED_TOKEN}\nvault kv get secret/x\n"
        ),
        0o600,
    )?;
    t.file_mode(
        "/home/alice/.zsh_history",
        format!(": 1700000000:0;vault operator unseal {PLANTED_UNSEAL_KEY}\n: 1700000001:0;ls\n"),
        0o600,
    )?;
    t.file_mode("/root/.vault-token", PLANTED_TOKEN, 0o644)?;
    t.file(
        "/etc/profile",
        "export PATH=/usr/bin:/bin\nHISTCONTROL=ignoredups\n",
    )?;
    t.file(
        "/etc/crontab",
        "SHELL=/bin/sh\n17 * * * * root cd / && run-parts --report /etc/cron.hourly\n",
    )?;
    Ok(t)
}

/// A hardened Vault node: `vault` user with nologin, LimitCORE=0 (live 0/0), swap fenced by
/// the cgroup, root-owned binary with `cap_ipc_lock=+ep`, root:vault config 0640/0750,
/// HISTIGNORE for vault/bao, chrony running, nftables with a drop policy, snapshot cron job.
/// Needs root (ownership).
pub fn hardened_node() -> io::Result<HostTree> {
    if !is_root() {
        return Err(needs_root("the hardened_node fixture"));
    }
    let t = HostTree::new("hardened")?;
    let pw = with(
        &VAULT_PASSWD,
        &["vault:x:997:996::/opt/vault:/usr/sbin/nologin"],
    );
    let gr = with(&VAULT_GROUP, &["vault:x:996:"]);
    t.accounts(&refs(&pw), &refs(&gr))?;
    t.file_mode("/usr/bin/vault", b"\x7fELF fake vault", 0o755)?
        .chown("/usr/bin/vault", 0, 0)?
        .chown("/usr/bin", 0, 0)?;
    t.setcap("/usr/bin/vault", 1 << caps::CAP_IPC_LOCK, true)?;
    t.dir("/etc/vault.d", 0o750)?
        .chown("/etc/vault.d", 0, VAULT_GID)?
        .file_mode(
            "/etc/vault.d/vault.hcl",
            "storage \"raft\" { path = \"/opt/vault/data\" node_id = \"n1\" }\n",
            0o640,
        )?
        .chown("/etc/vault.d/vault.hcl", 0, VAULT_GID)?
        .file_mode(
            "/etc/vault.d/vault.env",
            "VAULT_ADDR=https://127.0.0.1:8200\n",
            0o640,
        )?
        .chown("/etc/vault.d/vault.env", 0, VAULT_GID)?;
    t.dir("/opt/vault/tls", 0o700)?
        .chown("/opt/vault/tls", VAULT_UID, VAULT_GID)?
        .file_mode(
            "/opt/vault/tls/tls.key",
            "-----BEGIN PRIVATE KEY-----\n",
            0o600,
        )?
        .chown("/opt/vault/tls/tls.key", VAULT_UID, VAULT_GID)?
        .dir("/opt/vault/data", 0o700)?
        .chown("/opt/vault/data", VAULT_UID, VAULT_GID)?;
    t.file(
        "/usr/lib/systemd/system/vault.service",
        "[Unit]\nDescription=Vault\n\n[Service]\nType=simple\nEnvironmentFile=/etc/vault.d/vault.env\n\
         User=vault\nGroup=vault\nProtectSystem=full\nProtectHome=read-only\nPrivateTmp=yes\n\
         PrivateDevices=yes\nAmbientCapabilities=CAP_IPC_LOCK\nCapabilityBoundingSet=CAP_SYSLOG CAP_IPC_LOCK\n\
         NoNewPrivileges=yes\nExecStart=/usr/bin/vault server -config=/etc/vault.d/vault.hcl\n\
         LimitNOFILE=65536\nLimitMEMLOCK=infinity\nLimitCORE=0\n\n[Install]\nWantedBy=multi-user.target\n",
    )?;
    t.file(
        "/etc/systemd/system/vault.service.d/10-swap.conf",
        "[Service]\nMemorySwapMax=0\n",
    )?;
    t.enable("multi-user.target", "vault.service")?;
    let mut p = FakeProcess::new(
        4242,
        "vault",
        &["/usr/bin/vault", "server", "-config=/etc/vault.d/vault.hcl"],
    )
    .as_user(VAULT_UID, VAULT_GID, 1 << caps::CAP_IPC_LOCK);
    p.cap_bnd = (1 << caps::CAP_IPC_LOCK) | (1 << 34);
    p.no_new_privs = true;
    p.core = ("0".into(), "0".into());
    p.memlock = ("unlimited".into(), "unlimited".into());
    p.cgroup = "0::/system.slice/vault.service\n".to_string();
    p.socket_inodes = vec![6001, 6002];
    t.process(&p)?;
    let mut sshd = FakeProcess::new(700, "sshd", &["/usr/sbin/sshd", "-D"]);
    sshd.socket_inodes = vec![6003];
    t.process(&sshd)?;
    t.process(&FakeProcess::new(
        650,
        "chronyd",
        &["/usr/sbin/chronyd", "-F", "1"],
    ))?;
    t.file(
        "/sys/fs/cgroup/system.slice/vault.service/memory.swap.max",
        "0\n",
    )?;
    t.swaps(&[])?;
    t.tcp_listeners(&[
        ("10.0.0.5", 8200, VAULT_UID, 6001),
        ("10.0.0.5", 8201, VAULT_UID, 6002),
        ("0.0.0.0", 22, 0, 6003),
    ])?;
    t.file(
        "/proc/sys/kernel/core_pattern",
        "|/usr/lib/systemd/systemd-coredump %P\n",
    )?
    .file("/proc/sys/fs/suid_dumpable", "0\n")?
    .file("/proc/sys/vm/swappiness", "1\n")?;
    t.file(
        "/etc/chrony/chrony.conf",
        "pool 2.debian.pool.ntp.org iburst\n",
    )?
    .file(
        "/usr/lib/systemd/system/chrony.service",
        "[Service]\nExecStart=/usr/sbin/chronyd\n",
    )?
    .enable("multi-user.target", "chrony.service")?;
    t.file(
        "/etc/nftables.conf",
        "table inet filter {\n chain input {\n  type filter hook input priority 0; policy drop;\n  tcp dport { 22, 8200, 8201 } accept\n }\n}\n",
    )?
    .file("/usr/lib/systemd/system/nftables.service", "[Service]\nExecStart=/usr/sbin/nft -f /etc/nftables.conf\n")?
    .enable("sysinit.target", "nftables.service")?;
    t.file(
        "/etc/cron.d/vault-snapshot",
        "# raft snapshots\n0 */6 * * * vault VAULT_TOKEN=$(cat /etc/vault.d/snap.token) /usr/bin/vault operator raft snapshot save /backup/vault-$(date +%s).snap\n",
    )?;
    t.file(
        "/etc/profile.d/vault-history.sh",
        "export HISTCONTROL=ignoreboth\nexport HISTIGNORE=\"&:[ ]*:vault*:bao*\"\n",
    )?;
    t.dir("/root", 0o700)?.file_mode(
        "/root/.bash_history",
        "vault status\nvault login -method=oidc\n",
        0o600,
    )?;
    Ok(t)
}

/// OpenBao as its Linux package installs it: `openbao` user (/bin/false), a unit with
/// `MemorySwapMax=0` and no `LimitCORE`, root-owned `/usr/bin/bao`, `/etc/openbao`
/// owned by openbao (as the package's postinst leaves it). No server process runs.
/// Needs root (ownership).
pub fn openbao_packaging() -> io::Result<HostTree> {
    if !is_root() {
        return Err(needs_root("the openbao_packaging fixture"));
    }
    let t = HostTree::new("openbao")?;
    let pw = with(
        &VAULT_PASSWD,
        &["openbao:x:995:994::/home/openbao:/bin/false"],
    );
    let gr = with(&VAULT_GROUP, &["openbao:x:994:"]);
    t.accounts(&refs(&pw), &refs(&gr))?;
    t.file_mode("/usr/bin/bao", b"\x7fELF fake bao", 0o755)?
        .chown("/usr/bin/bao", 0, 0)?;
    t.dir("/etc/openbao", 0o755)?
        .chown("/etc/openbao", OPENBAO_UID, OPENBAO_GID)?
        .file_mode(
            "/etc/openbao/openbao.hcl",
            "ui = true\nstorage \"file\" { path = \"/opt/openbao/data\" }\n",
            0o644,
        )?
        .chown("/etc/openbao/openbao.hcl", OPENBAO_UID, OPENBAO_GID)?
        .file_mode("/etc/openbao/openbao.env", "", 0o644)?
        .chown("/etc/openbao/openbao.env", OPENBAO_UID, OPENBAO_GID)?;
    t.file(
        "/usr/lib/systemd/system/openbao.service",
        "[Unit]\nDescription=\"OpenBao\"\nConditionFileNotEmpty=/etc/openbao/openbao.hcl\n\n[Service]\nType=notify\n\
         EnvironmentFile=/etc/openbao/openbao.env\nUser=openbao\nGroup=openbao\nProtectSystem=full\n\
         ProtectHome=read-only\nPrivateTmp=yes\nPrivateDevices=yes\nSecureBits=keep-caps\n\
         CapabilityBoundingSet=CAP_SYSLOG\nNoNewPrivileges=yes\n\
         ExecStart=/usr/bin/bao server -config=/etc/openbao/openbao.hcl\nMemorySwapMax=0\n\n\
         [Install]\nWantedBy=multi-user.target\n",
    )?;
    t.enable("multi-user.target", "openbao.service")?;
    t.process(&FakeProcess::new(1, "systemd", &["/sbin/init"]))?;
    t.swaps(&["/dev/dm-1                               partition\t1048572\t\t0\t\t-2"])?;
    t.file("/etc/profile", "HISTIGNORE='vault*'\n")?;
    t.dir("/root", 0o700)?;
    Ok(t)
}

/// A container image root: no systemd at all, `bao server` as pid 1 under uid 100, config
/// in `/openbao/config` given relative to the working directory, `/.dockerenv`.
pub fn container_root() -> io::Result<HostTree> {
    let t = HostTree::new("container")?;
    t.accounts(
        &[
            "root:x:0:0:root:/root:/bin/ash",
            "openbao:x:100:1000::/home/openbao:/sbin/nologin",
        ],
        &["root:x:0:", "openbao:x:1000:"],
    )?;
    t.file("/.dockerenv", "")?;
    t.file_mode("/bin/bao", b"\x7fELF fake bao", 0o755)?;
    t.file_mode(
        "/openbao/config/local.json",
        "{\"storage\":{\"file\":{\"path\":\"/openbao/file\"}}}",
        0o644,
    )?;
    let mut p = FakeProcess::new(
        1,
        "bao",
        &[
            "bao",
            "server",
            "-config",
            "config",
            "-dev-root-token-id=container-secret-root",
        ],
    )
    .as_user(100, 1000, 0);
    p.exe = Some("/bin/bao".to_string());
    p.cwd = Some("/openbao".to_string());
    p.cgroup = "0::/\n".to_string();
    p.core = ("unlimited".into(), "unlimited".into());
    t.process(&p)?;
    t.swaps(&[])?;
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_is_removed_on_drop() {
        let p;
        {
            let t = HostTree::new("drop").unwrap();
            t.file("/etc/x", "y").unwrap();
            p = t.root().to_path_buf();
            assert!(p.join("etc/x").exists());
        }
        assert!(!p.exists());
    }
}
