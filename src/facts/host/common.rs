//! Shared plumbing for the host collectors: the probe envelope, the error type, and
//! reading files under a root prefix (`--root`) without ever escaping it.

use serde::{Serialize, Serializer};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Largest regular file the collectors read in one piece. Config-like files are tiny; the
/// cap only protects against a hostile or corrupt tree (a 10 GB "crontab").
pub(crate) const MAX_FILE_BYTES: u64 = crate::fsutil::limit::HOST_FILE;

/// Whether a probe could be carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProbeState {
    /// The fact was read; `value` holds it.
    Ok,
    /// The fact does not apply or cannot be read here (absent, permission denied); `reason` says why.
    Skip,
    /// Reading failed unexpectedly (I/O error, garbage); `reason` says why.
    Error,
}

/// A fact that may be unavailable. `value` is present only when `state` is `ok`, so an
/// unreadable fact can never be mistaken for a benign one.
#[derive(Debug, Clone, Serialize)]
pub struct Probe<T> {
    /// `ok`, `skip` or `error`.
    pub state: ProbeState,
    /// Why the fact is missing (for `skip` and `error`); `null` when `ok`.
    pub reason: Option<String>,
    /// The fact itself when `ok`, else `null`.
    pub value: Option<T>,
}

impl<T> Probe<T> {
    /// A fact that was read.
    pub fn ok(value: T) -> Self {
        Probe {
            state: ProbeState::Ok,
            reason: None,
            value: Some(value),
        }
    }

    /// A fact that does not apply or cannot be read here.
    pub fn skip(reason: impl Into<String>) -> Self {
        Probe {
            state: ProbeState::Skip,
            reason: Some(reason.into()),
            value: None,
        }
    }

    /// A fact whose reading failed.
    pub fn error(reason: impl Into<String>) -> Self {
        Probe {
            state: ProbeState::Error,
            reason: Some(reason.into()),
            value: None,
        }
    }

    /// Absent and permission-denied files are `skip`; anything else is `error`.
    pub fn from_error(err: &HostError) -> Self {
        if err.is_unavailable() {
            Probe::skip(err.to_string())
        } else {
            Probe::error(err.to_string())
        }
    }

    /// `ok` for a value, [`Probe::from_error`] for an error.
    pub fn from_result(result: Result<T, HostError>) -> Self {
        match result {
            Ok(v) => Probe::ok(v),
            Err(e) => Probe::from_error(&e),
        }
    }

    /// The value when the probe is `ok`.
    pub fn get(&self) -> Option<&T> {
        self.value.as_ref()
    }

    /// True when the probe is `ok`.
    pub fn is_ok(&self) -> bool {
        self.state == ProbeState::Ok
    }

    /// Transforms the value, keeping state and reason.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Probe<U> {
        Probe {
            state: self.state,
            reason: self.reason,
            value: self.value.map(f),
        }
    }
}

/// Errors met while reading the host. Messages name host paths (as seen without the root
/// prefix) and never any file content, so they are safe to show.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    /// The file does not exist under the root.
    #[error("{path} not found")]
    NotFound {
        /// Host path.
        path: String,
    },
    /// The scanner may not read the file.
    #[error("{}", crate::facts::scanner_cannot_read(path))]
    PermissionDenied {
        /// Host path.
        path: String,
    },
    /// Any other I/O failure.
    #[error("cannot read {path}: {message}")]
    Io {
        /// Host path.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// The file is larger than the collectors accept.
    #[error("{path} is larger than {limit} bytes; not read")]
    TooLarge {
        /// Host path.
        path: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// Symlink resolution did not terminate.
    #[error("{path}: too many levels of symbolic links")]
    SymlinkLoop {
        /// Host path.
        path: String,
    },
    /// The content could not be understood.
    #[error("{path}: {message}")]
    Invalid {
        /// Host path.
        path: String,
        /// What is wrong (never the content itself).
        message: String,
    },
}

impl HostError {
    /// Absent or forbidden: the fact is unavailable rather than broken.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            HostError::NotFound { .. } | HostError::PermissionDenied { .. }
        )
    }

    /// True for [`HostError::NotFound`].
    pub fn is_not_found(&self) -> bool {
        matches!(self, HostError::NotFound { .. })
    }

    pub(crate) fn from_io(path: &Path, err: &io::Error) -> Self {
        let path = display(path);
        match err.kind() {
            io::ErrorKind::NotFound => HostError::NotFound { path },
            io::ErrorKind::PermissionDenied => HostError::PermissionDenied { path },
            _ if err.raw_os_error() == Some(libc::ENOTDIR) => HostError::NotFound { path },
            _ if err.raw_os_error() == Some(libc::ELOOP) => HostError::SymlinkLoop { path },
            _ => HostError::Io {
                path,
                message: err.to_string(),
            },
        }
    }
}

/// Lossy display of a path (host paths may hold non-UTF-8 bytes).
pub(crate) fn display(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// A resource limit value: a number, or no limit. Serialized as a JSON number or the
/// string `"unlimited"` so rules can write `core.hard == 0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitValue {
    /// A finite limit (bytes, files, … depending on the resource).
    Value(u64),
    /// No limit (`unlimited` in /proc, `infinity` in units, `max` in cgroup v2).
    Unlimited,
}

impl LimitValue {
    /// True for a finite zero.
    pub fn is_zero(&self) -> bool {
        *self == LimitValue::Value(0)
    }
}

impl Serialize for LimitValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            LimitValue::Value(v) => s.serialize_u64(*v),
            LimitValue::Unlimited => s.serialize_str("unlimited"),
        }
    }
}

/// A soft/hard resource limit pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RLimit {
    /// The soft limit (what applies now).
    pub soft: LimitValue,
    /// The hard limit (how far the process may raise the soft one itself).
    pub hard: LimitValue,
}

impl RLimit {
    /// Both soft and hard limits are zero: the resource is fully denied.
    pub fn is_zero(&self) -> bool {
        self.soft.is_zero() && self.hard.is_zero()
    }
}

/// Which product a binary or unit belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Product {
    /// HashiCorp Vault (`vault`).
    Vault,
    /// OpenBao (`bao`).
    Openbao,
}

impl Product {
    /// Tells the product from a binary path or name (`/usr/bin/bao` → OpenBao).
    pub(crate) fn from_binary(word: &str) -> Option<Product> {
        let b = basename(word).to_ascii_lowercase();
        if b.contains("bao") {
            Some(Product::Openbao)
        } else if b.contains("vault") {
            Some(Product::Vault)
        } else {
            None
        }
    }
}

/// The filesystem root the host is read under.
#[derive(Debug, Clone)]
pub(crate) struct Root {
    base: PathBuf,
}

impl Root {
    pub(crate) fn new(base: &Path) -> Self {
        let base = if base.as_os_str().is_empty() {
            PathBuf::from("/")
        } else {
            base.to_path_buf()
        };
        Root { base }
    }

    /// The root is the scanner's own `/` (live kernel interfaces describe it).
    pub(crate) fn is_live(&self) -> bool {
        self.base == Path::new("/")
    }

    /// Maps a host path to the path that is actually opened. Lexical only: `..` never climbs
    /// above the root, and symlinks are not resolved (see [`Root::resolve`]).
    pub(crate) fn join(&self, host: &Path) -> PathBuf {
        crate::fsutil::join_in_root(&self.base, host)
    }

    /// The path to open for `host`, its symlinks resolved inside the root (see
    /// [`Root::resolve`]), so nothing outside the root is ever touched.
    fn real(&self, host: &Path, follow_last: bool) -> Result<PathBuf, HostError> {
        crate::fsutil::real_in_root(&self.base, host, follow_last)
            .map_err(|e| HostError::from_io(host, &e))
    }

    /// Reads a whole file (up to [`MAX_FILE_BYTES`]).
    pub(crate) fn read(&self, host: &Path) -> Result<Vec<u8>, HostError> {
        self.read_limited(host, MAX_FILE_BYTES)
    }

    /// Reads a whole regular file of at most `limit` bytes, confined to the root.
    pub(crate) fn read_limited(&self, host: &Path, limit: u64) -> Result<Vec<u8>, HostError> {
        crate::fsutil::read_in_root(&self.base, host, limit)
            .map_err(|e| to_host_error(host, &e, limit))
    }

    /// Opens a regular file for reading, confined to the root (a FIFO never blocks).
    pub(crate) fn open(&self, host: &Path) -> Result<fs::File, HostError> {
        crate::fsutil::open_in_root(&self.base, host).map_err(|e| to_host_error(host, &e, 0))
    }

    /// Reads a whole file as text, replacing invalid UTF-8.
    pub(crate) fn read_string(&self, host: &str) -> Result<String, HostError> {
        self.read_string_path(Path::new(host))
    }

    /// [`Root::read_string`] for a path.
    pub(crate) fn read_string_path(&self, host: &Path) -> Result<String, HostError> {
        self.read_string_limited(host, MAX_FILE_BYTES)
    }

    /// [`Root::read_string`] with a limit fitted to the kind of file.
    pub(crate) fn read_string_limited(&self, host: &Path, limit: u64) -> Result<String, HostError> {
        let bytes = self.read_limited(host, limit)?;
        Ok(match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        })
    }

    /// The entry names of a directory, sorted bytewise (systemd's and run-parts' order).
    pub(crate) fn read_dir_names(&self, host: &Path) -> Result<Vec<String>, HostError> {
        let rd = fs::read_dir(self.real(host, true)?).map_err(|e| HostError::from_io(host, &e))?;
        let mut names: Vec<String> = rd
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        Ok(names)
    }

    /// `lstat` of a host path (intermediate symlinks are followed by the OS).
    pub(crate) fn lstat(&self, host: &Path) -> Result<fs::Metadata, HostError> {
        fs::symlink_metadata(self.real(host, false)?).map_err(|e| HostError::from_io(host, &e))
    }

    /// True when the path, its symlinks followed inside the root, is a regular file.
    pub(crate) fn is_regular_file(&self, host: &str) -> bool {
        self.real(Path::new(host), true)
            .and_then(|p| fs::metadata(p).map_err(|e| HostError::from_io(Path::new(host), &e)))
            .is_ok_and(|md| md.is_file())
    }

    /// True when the path exists (as any file type, a dangling symlink included).
    pub(crate) fn exists(&self, host: &str) -> bool {
        self.lstat(Path::new(host)).is_ok()
    }

    /// The raw target of a symlink.
    pub(crate) fn read_link(&self, host: &Path) -> Result<String, HostError> {
        fs::read_link(self.real(host, false)?)
            .map(|p| display(&p))
            .map_err(|e| HostError::from_io(host, &e))
    }

    /// Resolves symlinks of a host path *inside the root*, as `chroot` would: an absolute
    /// link target restarts at the root instead of escaping to the scanner's own `/`.
    /// With `follow_last = false` the final component is left as is (so a symlink can be
    /// reported as one). Missing components are kept lexically; the later stat says so.
    pub(crate) fn resolve(&self, host: &Path, follow_last: bool) -> Result<PathBuf, HostError> {
        crate::fsutil::resolve_in_root(&self.base, host, follow_last)
            .map_err(|e| HostError::from_io(host, &e))
    }
}

/// An [`io::Error`] from the file layer as a [`HostError`] (the size limit keeps its own
/// variant).
fn to_host_error(host: &Path, err: &io::Error, limit: u64) -> HostError {
    if err.kind() == io::ErrorKind::FileTooLarge {
        return HostError::TooLarge {
            path: display(host),
            limit,
        };
    }
    HostError::from_io(host, err)
}

/// The last path component, or the whole string.
pub(crate) fn basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

/// Parent directory of an absolute host path (`/` for top-level entries).
pub(crate) fn parent_dir(path: &str) -> String {
    match path.trim_end_matches('/').rsplit_once('/') {
        Some(("", _)) | None => "/".to_string(),
        Some((dir, _)) => dir.to_string(),
    }
}

/// Host path `dir/name`.
pub(crate) fn host_join(dir: &str, name: &str) -> String {
    if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// One process of `<root>/proc`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProcEntry {
    pub(crate) pid: u32,
    /// `comm` (empty when unreadable).
    pub(crate) comm: String,
    /// A kernel thread (`PF_KTHREAD`): it has no files, sockets or command line.
    pub(crate) kthread: bool,
}

/// Parses `/proc/<pid>/stat`: `pid (comm) state ppid pgrp session tty tpgid flags …`.
/// `comm` may itself hold spaces and parentheses, so it ends at the *last* `)`.
fn parse_stat(text: &str) -> Option<(String, bool)> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text.get(open + 1..close)?.to_string();
    let flags: u64 = text
        .get(close + 1..)?
        .split_whitespace()
        .nth(6)?
        .parse()
        .ok()?;
    const PF_KTHREAD: u64 = 0x0020_0000;
    Some((comm, flags & PF_KTHREAD != 0))
}

/// The processes listed in `<root>/proc`, read once per collection (one `stat` read each)
/// and shared by every collector that looks for a process.
#[derive(Debug, Clone, Default)]
pub(crate) struct ProcTable {
    /// `None` when `/proc` could be listed; else why not.
    pub(crate) unavailable: Option<HostError>,
    /// Sorted by pid.
    pub(crate) entries: Vec<ProcEntry>,
}

impl ProcTable {
    pub(crate) fn scan(root: &Root) -> Self {
        let proc_dir = Path::new("/proc");
        let rd = match root
            .real(proc_dir, true)
            .and_then(|p| fs::read_dir(p).map_err(|e| HostError::from_io(proc_dir, &e)))
        {
            Ok(rd) => rd,
            Err(e) => {
                return ProcTable {
                    unavailable: Some(e),
                    entries: Vec::new(),
                }
            }
        };
        let mut entries: Vec<ProcEntry> = rd
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
            .map(|pid| {
                let stat = root
                    .read(Path::new(&format!("/proc/{pid}/stat")))
                    .ok()
                    .and_then(|b| parse_stat(&String::from_utf8_lossy(&b)));
                let (comm, kthread) = match stat {
                    Some(s) => s,
                    // A tree with only `comm` (older fixtures, odd mounts).
                    None => (
                        root.read(Path::new(&format!("/proc/{pid}/comm")))
                            .map(|b| String::from_utf8_lossy(&b).trim_end().to_string())
                            .unwrap_or_default(),
                        false,
                    ),
                };
                ProcEntry { pid, comm, kthread }
            })
            .collect();
        entries.sort_by_key(|e| e.pid);
        // A tree whose /proc holds no process directory at all (a mounted image, a fixture
        // without one) cannot tell what runs: treat it as unavailable, not as "nothing runs".
        if entries.is_empty() {
            return ProcTable {
                unavailable: Some(HostError::NotFound {
                    path: "/proc/<pid>".to_string(),
                }),
                entries,
            };
        }
        ProcTable {
            unavailable: None,
            entries,
        }
    }

    /// Pids whose `comm` equals one of `names`.
    pub(crate) fn pids_named(&self, names: &[&str]) -> Vec<u32> {
        self.entries
            .iter()
            .filter(|e| names.contains(&e.comm.as_str()))
            .map(|e| e.pid)
            .collect()
    }

    pub(crate) fn comm(&self, pid: u32) -> Option<&str> {
        self.entries
            .binary_search_by_key(&pid, |e| e.pid)
            .ok()
            .and_then(|i| self.entries.get(i))
            .map(|e| e.comm.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_never_climbs_above_root() {
        let r = Root::new(Path::new("/srv/host"));
        assert_eq!(
            r.join(Path::new("/../../etc/passwd")),
            PathBuf::from("/srv/host/etc/passwd")
        );
        assert_eq!(
            r.join(Path::new("/etc/../proc/1")),
            PathBuf::from("/srv/host/proc/1")
        );
    }

    #[test]
    fn resolve_keeps_absolute_links_inside_root() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path();
        fs::create_dir_all(base.join("usr/bin")).unwrap();
        fs::write(base.join("usr/bin/vault"), b"x").unwrap();
        std::os::unix::fs::symlink("/usr/bin", base.join("bin")).unwrap();
        std::os::unix::fs::symlink("../usr/bin/vault", base.join("usr/vault-link")).unwrap();
        let r = Root::new(base);
        assert_eq!(
            r.resolve(Path::new("/bin/vault"), true).unwrap(),
            PathBuf::from("/usr/bin/vault")
        );
        assert_eq!(
            r.resolve(Path::new("/usr/vault-link"), false).unwrap(),
            PathBuf::from("/usr/vault-link")
        );
        assert_eq!(
            r.resolve(Path::new("/usr/vault-link"), true).unwrap(),
            PathBuf::from("/usr/bin/vault")
        );
        std::os::unix::fs::symlink("/loop", base.join("loop")).unwrap();
        assert!(matches!(
            r.resolve(Path::new("/loop"), true),
            Err(HostError::SymlinkLoop { .. })
        ));
    }

    #[test]
    fn stat_lines() {
        assert_eq!(
            parse_stat("42 (bao) S 1 42 42 0 -1 4194560 100 0"),
            Some(("bao".to_string(), false))
        );
        assert_eq!(
            parse_stat("2 (kthreadd) S 0 0 0 0 -1 2129984 0 0"),
            Some(("kthreadd".to_string(), true))
        );
        assert_eq!(
            parse_stat("7 (a) b) (c) S 1 1 1 0 -1 0"),
            Some(("a) b) (c".to_string(), false))
        );
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn path_helpers() {
        assert_eq!(parent_dir("/usr/bin/vault"), "/usr/bin");
        assert_eq!(parent_dir("/vault"), "/");
        assert_eq!(basename("/usr/bin/bao"), "bao");
        assert_eq!(host_join("/", "etc"), "/etc");
    }

    #[test]
    fn limit_value_serializes_as_number_or_unlimited() {
        let l = RLimit {
            soft: LimitValue::Value(0),
            hard: LimitValue::Unlimited,
        };
        assert_eq!(
            serde_json::to_string(&l).unwrap(),
            r#"{"soft":0,"hard":"unlimited"}"#
        );
    }
}
