//! Ownership and permissions of files under the root. Symlinks are reported as such and
//! their targets stat'ed separately, resolved inside the root.

use serde::Serialize;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::accounts::{Account, AccountDb};
use super::caps::{self, FileCaps};
use super::common::{display, parent_dir, HostError, Probe, Root};

/// The stat of one path.
#[derive(Debug, Clone, Serialize)]
pub struct FileStat {
    /// `file`, `dir`, `symlink`, `socket`, `fifo`, `block_device` or `char_device`.
    pub kind: String,
    /// Owner uid.
    pub uid: u32,
    /// Owner gid.
    pub gid: u32,
    /// Owner name from the root's /etc/passwd.
    pub owner: Option<String>,
    /// Group name from the root's /etc/group.
    pub group: Option<String>,
    /// Permission bits in octal, with the setuid/setgid/sticky digit (`0640`).
    pub mode: String,
    /// Size in bytes.
    pub size: u64,
    /// Owned by uid 0.
    pub owned_by_root: bool,
    /// Owned by the service account (`null` without a known account uid).
    pub owned_by_account: Option<bool>,
    /// The service account can write it (root always can; owner/group/other bits as the
    /// kernel checks them otherwise). `null` without a known account uid.
    pub writable_by_account: Option<bool>,
    /// The service account can read it. `null` without a known account uid.
    pub readable_by_account: Option<bool>,
    /// The file's group is one of the account's groups and has write permission.
    pub writable_by_account_group: Option<bool>,
    /// Group write bit.
    pub group_writable: bool,
    /// Group read bit.
    pub group_readable: bool,
    /// Other write bit.
    pub writable_by_others: bool,
    /// Other read bit.
    pub readable_by_others: bool,
    /// A POSIX ACL (`system.posix_acl_access`) grants more than the mode shows; `null`
    /// when it could not be checked.
    pub has_acl: Option<bool>,
    /// Raw target of a symlink.
    pub symlink_target: Option<String>,
    /// File capabilities (`security.capability`), for binaries only.
    pub capabilities: Option<Probe<FileCaps>>,
}

/// One path and what is known about it.
#[derive(Debug, Clone, Serialize)]
pub struct FileFact {
    /// Why the path is looked at (`server_binary`, `config_file`, `tls_key`…).
    pub role: String,
    /// The path as the host sees it.
    pub path: String,
    /// Where it was actually read (under the root, intermediate symlinks resolved).
    pub read_at: String,
    /// The stat, or why it is unavailable.
    pub stat: Probe<FileStat>,
    /// For a symlink: the target, resolved inside the root and stat'ed on its own.
    pub target: Option<Box<FileFact>>,
}

impl FileFact {
    /// The stat of the file itself, or of its target when it is a symlink.
    pub fn effective_stat(&self) -> Option<&FileStat> {
        match &self.target {
            Some(t) => t.effective_stat(),
            None => self.stat.get(),
        }
    }
}

/// What is needed to stat and describe files.
pub(crate) struct FileCtx<'a> {
    pub(crate) root: &'a Root,
    pub(crate) db: &'a AccountDb,
    pub(crate) account: Option<&'a Account>,
}

fn kind_of(ft: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_symlink() {
        "symlink"
    } else if ft.is_dir() {
        "dir"
    } else if ft.is_file() {
        "file"
    } else if ft.is_socket() {
        "socket"
    } else if ft.is_fifo() {
        "fifo"
    } else if ft.is_block_device() {
        "block_device"
    } else if ft.is_char_device() {
        "char_device"
    } else {
        "unknown"
    }
}

/// The kernel's DAC check for one access bit (`shift` 2 = read, 1 = write).
fn can(account: &Account, uid: u32, gid: u32, mode: u32, bit: u32) -> Option<bool> {
    let acc_uid = account.uid?;
    if acc_uid == 0 {
        return Some(true);
    }
    let allowed = if acc_uid == uid {
        mode & (bit << 6) != 0
    } else if account.group_ids().contains(&gid) {
        mode & (bit << 3) != 0
    } else {
        mode & bit != 0
    };
    Some(allowed)
}

impl FileCtx<'_> {
    /// Stats `path` for `role`; `with_caps` also reads `security.capability`.
    pub(crate) fn stat(&self, role: &str, path: &str, with_caps: bool) -> FileFact {
        let host = Path::new(path);
        let resolved = match self.root.resolve(host, false) {
            Ok(r) => r,
            Err(e) => {
                return FileFact {
                    role: role.to_string(),
                    path: path.to_string(),
                    read_at: display(&self.root.join(host)),
                    stat: Probe::from_error(&e),
                    target: None,
                }
            }
        };
        let real = self.root.join(&resolved);
        let md = match std::fs::symlink_metadata(&real) {
            Ok(md) => md,
            Err(e) => {
                return FileFact {
                    role: role.to_string(),
                    path: path.to_string(),
                    read_at: display(&real),
                    stat: Probe::from_error(&HostError::from_io(host, &e)),
                    target: None,
                }
            }
        };
        let is_link = md.file_type().is_symlink();
        let mode = md.permissions().mode();
        let perm = mode & 0o7777;
        let (uid, gid) = (md.uid(), md.gid());
        let symlink_target = if is_link {
            std::fs::read_link(&real).ok().map(|t| display(&t))
        } else {
            None
        };
        let is_regular = md.file_type().is_file();
        let capabilities = (with_caps && is_regular).then(|| read_caps(&real, host));
        let has_acl = if is_link {
            None
        } else {
            match xattr::get(&real, "system.posix_acl_access") {
                Ok(v) => Some(v.is_some()),
                Err(_) => None,
            }
        };
        let acct = self.account;
        let stat = FileStat {
            kind: kind_of(md.file_type()).to_string(),
            uid,
            gid,
            owner: self.db.user_name(uid),
            group: self.db.group_name(gid),
            mode: format!("{perm:04o}"),
            size: md.len(),
            owned_by_root: uid == 0,
            owned_by_account: acct.and_then(|a| a.uid).map(|u| u == uid),
            writable_by_account: acct.and_then(|a| can(a, uid, gid, perm, 0o2)),
            readable_by_account: acct.and_then(|a| can(a, uid, gid, perm, 0o4)),
            writable_by_account_group: acct
                .map(|a| a.group_ids().contains(&gid) && perm & 0o020 != 0),
            group_writable: perm & 0o020 != 0,
            group_readable: perm & 0o040 != 0,
            writable_by_others: perm & 0o002 != 0,
            readable_by_others: perm & 0o004 != 0,
            has_acl,
            symlink_target,
            capabilities,
        };
        let target = if is_link {
            Some(Box::new(match self.root.resolve(host, true) {
                Ok(t) => self.stat(role, &display(&t), with_caps),
                Err(e) => FileFact {
                    role: role.to_string(),
                    path: path.to_string(),
                    read_at: display(&real),
                    stat: Probe::from_error(&e),
                    target: None,
                },
            }))
        } else {
            None
        };
        FileFact {
            role: role.to_string(),
            path: path.to_string(),
            read_at: display(&real),
            stat: Probe::ok(stat),
            target,
        }
    }

    /// A config path: the file and its directory, or the directory and the `*.hcl` /
    /// `*.json` files in it (what Vault loads from a directory).
    pub(crate) fn config(&self, path: &str, out: &mut Vec<FileFact>) {
        let fact = self.stat("config", path, false);
        let is_dir = fact.effective_stat().is_some_and(|s| s.kind == "dir");
        let mut push = |f: FileFact| {
            if !out.iter().any(|o| o.path == f.path && o.role == f.role) {
                out.push(f);
            }
        };
        if is_dir {
            let listed_dir = self
                .root
                .resolve(Path::new(path), true)
                .unwrap_or_else(|_| PathBuf::from(path));
            push(FileFact {
                role: "config_dir".to_string(),
                ..fact
            });
            if let Ok(names) = self.root.read_dir_names(&listed_dir) {
                for n in names
                    .iter()
                    .filter(|n| n.ends_with(".hcl") || n.ends_with(".json"))
                {
                    let p = super::common::host_join(path, n);
                    push(self.stat("config_file", &p, false));
                }
            }
        } else {
            push(FileFact {
                role: "config_file".to_string(),
                ..fact
            });
            push(self.stat("config_dir", &parent_dir(path), false));
        }
    }
}

fn read_caps(real: &Path, host: &Path) -> Probe<FileCaps> {
    match xattr::get(real, "security.capability") {
        Ok(None) => Probe::ok(FileCaps::absent()),
        Ok(Some(bytes)) => match caps::decode_vfs_cap(&bytes) {
            Ok(c) => Probe::ok(c),
            Err(msg) => Probe::error(format!("{}: {msg}", display(host))),
        },
        Err(e) if e.raw_os_error() == Some(libc::ENOTSUP) => Probe::skip(format!(
            "{}: the filesystem does not support extended attributes",
            display(host)
        )),
        Err(e) => Probe::from_error(&HostError::from_io(host, &e)),
    }
}

/// Stats config-named paths (TLS key/cert, storage path, audit log…) for the integrator.
/// Each entry is `(role, host path)`; the paths are read under `root`, and owner/group
/// names come from the root's own /etc/passwd and /etc/group.
pub fn stat_paths(
    root: &Path,
    account: Option<&Account>,
    paths: &[(String, PathBuf)],
) -> Vec<FileFact> {
    let root = Root::new(root);
    let db = AccountDb::load(&root);
    let ctx = FileCtx {
        root: &root,
        db: &db,
        account,
    };
    paths
        .iter()
        .map(|(role, p)| {
            // Relative paths in a config are relative to the server's cwd, unknown here:
            // read them from the root, which the fact's `path` makes visible.
            let host = if p.is_absolute() {
                display(p)
            } else {
                format!("/{}", display(p))
            };
            ctx.stat(role, &host, false)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn account(uid: u32, gids: &[u32]) -> Account {
        Account {
            name: Some("vault".into()),
            uid: Some(uid),
            gid: gids.first().copied(),
            home: None,
            shell: None,
            login_shell: None,
            groups: gids
                .iter()
                .map(|g| super::super::accounts::GroupRef {
                    name: None,
                    gid: *g,
                    primary: false,
                })
                .collect(),
            in_passwd: true,
            source: "test".into(),
        }
    }

    #[test]
    fn dac_checks() {
        let a = account(997, &[996]);
        // Owner match uses owner bits only, even when "other" would allow.
        assert_eq!(can(&a, 997, 0, 0o507, 0o2), Some(false));
        assert_eq!(can(&a, 0, 996, 0o660, 0o2), Some(true));
        assert_eq!(can(&a, 0, 0, 0o644, 0o2), Some(false));
        assert_eq!(can(&a, 0, 0, 0o646, 0o2), Some(true));
        assert_eq!(can(&a, 0, 0, 0o757, 0o2), Some(true));
        assert_eq!(can(&account(0, &[0]), 5, 5, 0o000, 0o2), Some(true));
    }

    #[test]
    fn symlink_is_reported_and_target_stated_inside_root() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path();
        std::fs::create_dir_all(base.join("opt/vault/bin")).unwrap();
        std::fs::write(base.join("opt/vault/bin/vault"), b"bin").unwrap();
        std::fs::set_permissions(
            base.join("opt/vault/bin/vault"),
            std::fs::Permissions::from_mode(0o757),
        )
        .unwrap();
        std::fs::create_dir_all(base.join("usr/bin")).unwrap();
        symlink("/opt/vault/bin/vault", base.join("usr/bin/vault")).unwrap();
        let facts = stat_paths(
            base,
            Some(&account(997, &[996])),
            &[("server_binary".into(), PathBuf::from("/usr/bin/vault"))],
        );
        let f = &facts[0];
        let s = f.stat.get().unwrap();
        assert_eq!(s.kind, "symlink");
        assert_eq!(s.symlink_target.as_deref(), Some("/opt/vault/bin/vault"));
        let t = f.target.as_ref().unwrap();
        assert_eq!(t.path, "/opt/vault/bin/vault");
        let ts = t.stat.get().unwrap();
        assert_eq!((ts.kind.as_str(), ts.mode.as_str()), ("file", "0757"));
        assert!(ts.writable_by_others);
        assert_eq!(f.effective_stat().unwrap().mode, "0757");
        let missing = stat_paths(base, None, &[("tls_key".into(), PathBuf::from("/nope"))]);
        assert_eq!(
            missing[0].stat.state,
            super::super::common::ProbeState::Skip
        );
        assert!(missing[0]
            .stat
            .reason
            .as_deref()
            .unwrap()
            .contains("/nope not found"));
    }
}
