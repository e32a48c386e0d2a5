//! Every file the scanner reads or writes goes through here, so no file can hurt it:
//! - reads open with `O_NONBLOCK` and check the type before reading, so a FIFO or a device
//!   planted where a file is expected is refused instead of hanging or streaming forever;
//! - reads are capped by a limit fitted to the kind of file, so memory stays bounded;
//! - paths under `--root` resolve as the audited machine would see them (a userspace
//!   `RESOLVE_IN_ROOT`): absolute symlinks restart at the root, `..` stops at it, and the
//!   final open refuses a symlink, so nothing outside the root is opened;
//! - reports are written through a 0600 temporary file renamed into place, all renames in
//!   one final step; devices and FIFOs are written through, never replaced.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

/// Size limits by kind of file. Real files are far below them; beyond them the file is not
/// read and whatever needs it says why.
pub mod limit {
    use super::{KIB, MIB};
    /// A Vault/OpenBao config file (real ones are a few KiB).
    pub const CONFIG: u64 = 4 * MIB;
    /// A systemd unit or drop-in.
    pub const UNIT: u64 = MIB;
    /// Any other host file: passwd, group, crontabs, profiles, `/proc` files.
    pub const HOST_FILE: u64 = 4 * MIB;
    /// A certificate or key file (PEM or DER).
    pub const PEM: u64 = MIB;
    /// `/etc/hostname` and the kernel's host name.
    pub const HOSTNAME: u64 = 4 * KIB;
    /// A whole shell history (read line by line; HISTFILESIZE keeps real ones small).
    pub const HISTORY: u64 = 64 * MIB;
    /// One shell history line; a longer one is skipped (and counted), not read into memory.
    pub const HISTORY_LINE: usize = 64 * KIB as usize;
    /// A JSON report given to `--baseline` or `merge`.
    pub const REPORT: u64 = 64 * MIB;
    /// A waiver file.
    pub const WAIVERS: u64 = 4 * MIB;
    /// A rule file (`--rules`).
    pub const RULE: u64 = MIB;
    /// A token file (`--token-file`, `~/.vault-token`).
    pub const TOKEN: u64 = 64 * KIB;
}

/// Symlink hops allowed while resolving a path under a root (the kernel's own limit).
const MAX_SYMLINK_HOPS: usize = 40;

fn size_text(bytes: u64) -> String {
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

fn too_large(limit: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        format!("larger than the {} limit", size_text(limit)),
    )
}

/// What a non-regular file is, for the error message.
fn kind_of(ft: fs::FileType) -> &'static str {
    if ft.is_dir() {
        "a directory"
    } else if ft.is_fifo() {
        "a FIFO"
    } else if ft.is_char_device() {
        "a character device"
    } else if ft.is_block_device() {
        "a block device"
    } else if ft.is_socket() {
        "a socket"
    } else if ft.is_symlink() {
        "a symbolic link"
    } else {
        "a special file"
    }
}

fn not_regular(ft: fs::FileType) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("not a regular file ({})", kind_of(ft)),
    )
}

/// Opens a regular file for reading. The type is checked before opening (opening a device
/// can act: a watchdog starts, a tape rewinds) and again on the open file; `O_NONBLOCK` makes
/// opening a FIFO swapped in between return at once. `follow` = false refuses a symlink as
/// the last component (`O_NOFOLLOW`, for paths already resolved under a root).
fn open_checked(path: &Path, follow: bool) -> io::Result<File> {
    let before = if follow {
        fs::metadata(path)?
    } else {
        fs::symlink_metadata(path)?
    };
    if !before.is_file() {
        return Err(not_regular(before.file_type()));
    }
    let mut flags = libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC;
    if !follow {
        flags |= libc::O_NOFOLLOW;
    }
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)?;
    let md = file.metadata()?;
    if !md.is_file() {
        return Err(not_regular(md.file_type()));
    }
    Ok(file)
}

/// Opens a regular file of the user's own (a `-c` file, a waiver file); symlinks followed.
pub fn open_regular(path: &Path) -> io::Result<File> {
    open_checked(path, true)
}

/// Reads a whole file, refusing anything larger than `limit`. The size is checked before
/// reading (a sparse 5 GB file costs nothing) and again while reading (`/proc` files claim
/// size 0).
pub fn read_file(file: File, limit: u64) -> io::Result<Vec<u8>> {
    let declared = file.metadata()?.len();
    if declared > limit {
        return Err(too_large(limit));
    }
    let mut buf = Vec::with_capacity(usize::try_from(declared).unwrap_or(0));
    file.take(limit + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > limit {
        return Err(too_large(limit));
    }
    Ok(buf)
}

/// [`open_regular`] then [`read_file`].
pub fn read_regular(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    read_file(open_regular(path)?, limit)
}

/// [`read_regular`] as text (invalid UTF-8 is an error, as `fs::read_to_string`).
pub fn read_regular_string(path: &Path, limit: u64) -> io::Result<String> {
    String::from_utf8(read_regular(path, limit)?)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not valid UTF-8"))
}

/// True when `root` is the scanner's own `/` (no confinement needed).
fn is_live(root: &Path) -> bool {
    root.as_os_str().is_empty() || root == Path::new("/")
}

/// `host` under `root`, lexically: `..` never climbs above the root, symlinks untouched.
pub fn join_in_root(root: &Path, host: &Path) -> PathBuf {
    let mut out = if root.as_os_str().is_empty() {
        PathBuf::from("/")
    } else {
        root.to_path_buf()
    };
    let mut depth = 0usize;
    for comp in host.components() {
        match comp {
            Component::Normal(c) => {
                out.push(c);
                depth += 1;
            }
            Component::ParentDir if depth > 0 => {
                out.pop();
                depth -= 1;
            }
            _ => {}
        }
    }
    out
}

fn push_components(out: &mut Vec<std::ffi::OsString>, path: &Path) {
    for comp in path.components() {
        match comp {
            Component::Normal(c) => out.push(c.to_os_string()),
            Component::ParentDir => out.push("..".into()),
            _ => {}
        }
    }
}

/// Resolves the symlinks of a host path *inside the root*, as the audited machine sees it
/// (`openat2` `RESOLVE_IN_ROOT` in userspace): an absolute target restarts at the root, `..`
/// stops at it. Returns the host path (absolute, free of symlinks as of now). With
/// `follow_last` false the final component is kept as is (to report a symlink as one).
/// Missing components are kept lexically; the later open says they are missing.
pub fn resolve_in_root(root: &Path, host: &Path, follow_last: bool) -> io::Result<PathBuf> {
    let mut pending = Vec::new();
    push_components(&mut pending, host);
    pending.reverse();
    let mut current = PathBuf::from("/");
    let mut hops = 0usize;
    while let Some(comp) = pending.pop() {
        if comp == ".." {
            current.pop();
            continue;
        }
        let candidate = current.join(&comp);
        if pending.is_empty() && !follow_last {
            return Ok(candidate);
        }
        let real = join_in_root(root, &candidate);
        match fs::symlink_metadata(&real) {
            Ok(md) if md.file_type().is_symlink() => {
                hops += 1;
                if hops > MAX_SYMLINK_HOPS {
                    return Err(io::Error::from_raw_os_error(libc::ELOOP));
                }
                let target = fs::read_link(&real)?;
                if target.is_absolute() {
                    current = PathBuf::from("/");
                }
                let mut extra = Vec::new();
                push_components(&mut extra, &target);
                pending.extend(extra.into_iter().rev());
            }
            _ => current = candidate,
        }
    }
    Ok(current)
}

/// The path to hand to the OS for `host` under `root`, after [`resolve_in_root`]. On the
/// live root the OS resolves it itself.
pub fn real_in_root(root: &Path, host: &Path, follow_last: bool) -> io::Result<PathBuf> {
    if is_live(root) {
        return Ok(host.to_path_buf());
    }
    Ok(join_in_root(
        root,
        &resolve_in_root(root, host, follow_last)?,
    ))
}

/// Opens a regular file at host path `host` under `root`, confined to the root.
pub fn open_in_root(root: &Path, host: &Path) -> io::Result<File> {
    if is_live(root) {
        return open_checked(host, true);
    }
    // The resolved path holds no symlink; O_NOFOLLOW refuses one planted since.
    open_checked(&real_in_root(root, host, true)?, false)
}

/// Reads a regular file under `root` (confined) up to `limit` bytes.
pub fn read_in_root(root: &Path, host: &Path, limit: u64) -> io::Result<Vec<u8>> {
    read_file(open_in_root(root, host)?, limit)
}

/// Lines of a file, each at most `max_line` bytes (without the newline). A longer line is
/// passed as `None` and never held in memory, so a hostile file of one huge line costs
/// `max_line` bytes. Returns the number of lines.
pub fn for_each_line(
    file: File,
    max_line: usize,
    mut each: impl FnMut(u32, Option<&[u8]>),
) -> io::Result<u32> {
    let mut reader = BufReader::new(file);
    let mut line: Vec<u8> = Vec::new();
    let mut overlong = false;
    let mut n = 0u32;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            if overlong || !line.is_empty() {
                n = n.saturating_add(1);
                each(n, (!overlong).then_some(line.as_slice()));
            }
            return Ok(n);
        }
        let (chunk, ends_line) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..i], true),
            None => (buf, false),
        };
        if !overlong {
            if line.len() + chunk.len() > max_line {
                overlong = true;
                line.clear();
            } else {
                line.extend_from_slice(chunk);
            }
        }
        let used = chunk.len() + usize::from(ends_line);
        reader.consume(used);
        if ends_line {
            n = n.saturating_add(1);
            each(n, (!overlong).then_some(line.as_slice()));
            line.clear();
            overlong = false;
        }
    }
}

// ---------------------------------------------------------------------------------------
// Output

/// Where one report goes, decided before anything is written.
enum Target {
    /// A regular file (or none yet): write a temporary beside it and rename it into place.
    Replace(PathBuf),
    /// A device, FIFO or socket: write through it; renaming over it would destroy it.
    Through(PathBuf),
}

/// An output that cannot be written (exit 2).
#[derive(Debug, thiserror::Error)]
#[error("cannot write {path}: {reason}")]
pub struct OutputError {
    /// The `-o` path as given.
    pub path: String,
    /// Why.
    pub reason: String,
}

fn output_error(path: &Path, reason: impl Into<String>) -> OutputError {
    OutputError {
        path: path.display().to_string(),
        reason: reason.into(),
    }
}

fn io_reason(err: &io::Error) -> String {
    crate::facts::config::io_reason(err)
}

/// Follows a chain of symlinks to the file they finally name (which may not exist yet), so
/// the link itself is kept and its target replaced. Also tells whether the chain went
/// through `/proc` (`/dev/stdout` -> `/proc/self/fd/1`: someone's open descriptor).
fn follow_links(path: &Path) -> io::Result<(PathBuf, bool)> {
    let mut current = path.to_path_buf();
    let mut via_proc = false;
    for _ in 0..MAX_SYMLINK_HOPS {
        via_proc |= current.starts_with("/proc");
        match fs::symlink_metadata(&current) {
            Ok(md) if md.file_type().is_symlink() => {
                let target = fs::read_link(&current)?;
                current = match current.parent() {
                    Some(dir) if target.is_relative() => dir.join(target),
                    _ => target,
                };
            }
            _ => return Ok((current, via_proc)),
        }
    }
    Err(io::Error::from_raw_os_error(libc::ELOOP))
}

fn classify(path: &Path) -> Result<Target, OutputError> {
    // The kernel follows the links (magic ones too: /dev/stdout -> /proc/self/fd/1 -> pipe).
    match fs::metadata(path) {
        Ok(md) if md.is_dir() => return Err(output_error(path, "is a directory")),
        Ok(md) if !md.is_file() => return Ok(Target::Through(path.to_path_buf())),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(output_error(path, io_reason(&e))),
    }
    let (real, via_proc) = follow_links(path).map_err(|e| output_error(path, io_reason(&e)))?;
    // A file reached through /proc/self/fd is someone's open descriptor (`-o /dev/stdout`
    // with standard output redirected to a file): write through it, replace nothing.
    if via_proc && path.exists() {
        return Ok(Target::Through(path.to_path_buf()));
    }
    Ok(Target::Replace(real))
}

/// Opens a device, FIFO or socket for writing. `O_NONBLOCK` makes a FIFO with no reader an
/// error instead of a hang; blocking mode is restored for the write itself.
fn open_through(path: &Path) -> io::Result<File> {
    let file = fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| {
            if e.raw_os_error() == Some(libc::ENXIO) {
                io::Error::other("a FIFO or socket with no reader")
            } else {
                e
            }
        })?;
    let flags = rustix::fs::fcntl_getfl(&file)?;
    rustix::fs::fcntl_setfl(&file, flags - rustix::fs::OFlags::NONBLOCK)?;
    Ok(file)
}

/// Temporary files of a target are `.<name>.vaultsec-<pid>-<random>.tmp`, so a later run
/// can tell its own stale ones (from a process that no longer runs) and remove them.
fn temp_prefix(target: &Path) -> String {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!(".{name}.vaultsec-")
}

const TEMP_SUFFIX: &str = ".tmp";

fn dir_of(target: &Path) -> &Path {
    match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Removes temporaries left beside `target` by runs that were killed (their pid is gone).
fn remove_stale_temps(target: &Path) {
    let prefix = temp_prefix(target);
    let Ok(entries) = fs::read_dir(dir_of(target)) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name
            .strip_prefix(&prefix)
            .and_then(|r| r.strip_suffix(TEMP_SUFFIX))
        else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        let alive = pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists();
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if !alive && is_file {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// A temporary beside `target`, mode 0600 until it is complete.
fn create_temp(target: &Path) -> io::Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(&format!("{}{}-", temp_prefix(target), std::process::id()))
        .suffix(TEMP_SUFFIX)
        .permissions(fs::Permissions::from_mode(0o600))
        .tempfile_in(dir_of(target))
}

/// The process umask, from `/proc/self/status` (reading it otherwise means changing it).
fn umask() -> u32 {
    read_regular_string(Path::new("/proc/self/status"), limit::HOST_FILE)
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Umask:"))
                .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
        })
        .unwrap_or(0o022)
}

/// Writes every report, each to its file. Devices and FIFOs are opened and all temporaries
/// written and synced first; the renames into place come last, one after the other, so a kill
/// leaves every file either the old or the new complete report. Devices and FIFOs are written
/// through after the renames (a FIFO's reader may take its time).
pub fn write_outputs(outputs: &[(&Path, &[u8])]) -> Result<(), OutputError> {
    let targets = outputs
        .iter()
        .map(|(path, bytes)| classify(path).map(|t| (*path, t, *bytes)))
        .collect::<Result<Vec<_>, _>>()?;
    // Reports hold no secret and are read by others: 0644 less the umask once complete.
    let final_mode = 0o644 & !umask();
    let mut staged = Vec::new();
    let mut through = Vec::new();
    for (shown, target, bytes) in targets {
        match target {
            // Opened now (a FIFO with no reader fails before any file is replaced).
            Target::Through(real) => {
                let f = open_through(&real).map_err(|e| output_error(shown, io_reason(&e)))?;
                through.push((shown, f, bytes));
            }
            Target::Replace(real) => {
                remove_stale_temps(&real);
                let tmp = create_temp(&real).map_err(|e| output_error(shown, io_reason(&e)))?;
                let write = |mut f: &File| -> io::Result<()> {
                    f.write_all(bytes)?;
                    f.set_permissions(fs::Permissions::from_mode(final_mode))?;
                    f.sync_all()
                };
                write(tmp.as_file()).map_err(|e| output_error(shown, io_reason(&e)))?;
                staged.push((shown, real, tmp));
            }
        }
    }
    for (shown, real, tmp) in staged {
        tmp.persist(&real)
            .map_err(|e| output_error(shown, io_reason(&e.error)))?;
    }
    for (shown, mut f, bytes) in through {
        f.write_all(bytes)
            .map_err(|e| output_error(shown, io_reason(&e)))?;
    }
    Ok(())
}

/// Replaces one file atomically (a temporary beside it, renamed into place) with the mode and
/// owner of `like` when it exists (a config file keeps its `0640 vault:vault`); a symlink is
/// kept and its target replaced; a device or FIFO is written through.
pub fn replace_keeping_owner(
    path: &Path,
    bytes: &[u8],
    like: Option<&Path>,
) -> Result<(), OutputError> {
    use std::os::unix::fs::MetadataExt;
    let original = like.and_then(|l| fs::metadata(l).ok());
    match classify(path)? {
        Target::Through(real) => {
            let mut f = open_through(&real).map_err(|e| output_error(path, io_reason(&e)))?;
            f.write_all(bytes)
                .map_err(|e| output_error(path, io_reason(&e)))
        }
        Target::Replace(real) => {
            remove_stale_temps(&real);
            let tmp = create_temp(&real).map_err(|e| output_error(path, io_reason(&e)))?;
            let write = |mut f: &File| -> io::Result<()> {
                f.write_all(bytes)?;
                let mode = match &original {
                    Some(md) => md.mode() & 0o7777,
                    None => 0o644 & !umask(),
                };
                if let Some(md) = &original {
                    let current = f.metadata()?;
                    if current.uid() != md.uid() || current.gid() != md.gid() {
                        std::os::unix::fs::fchown(f, Some(md.uid()), Some(md.gid()))?;
                    }
                }
                f.set_permissions(fs::Permissions::from_mode(mode))?;
                f.sync_all()
            };
            write(tmp.as_file()).map_err(|e| output_error(path, io_reason(&e)))?;
            tmp.persist(&real)
                .map(|_| ())
                .map_err(|e| output_error(path, io_reason(&e.error)))
        }
    }
}

#[cfg(test)]
mod tests;
