//! Scheduled raft snapshots: cron tables and systemd timers whose command (or the script
//! it runs, one level deep) takes `vault|bao operator raft snapshot save`, or calls the
//! `sys/storage/raft/snapshot` API.

use serde::Serialize;
use std::path::Path;

use super::common::{host_join, Probe, Root};
use super::secrets;
use super::systemd::{self, UnitIndex, UNIT_DIRS};

/// Scripts larger than this are not scanned (a binary, not a backup script).
const MAX_SCRIPT_BYTES: u64 = 1024 * 1024;

/// One job that takes a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnapshotJob {
    /// `cron`, `cron-script` (`/etc/cron.daily/…`) or `systemd-timer`.
    pub source: String,
    /// Host path of the crontab, script or service unit.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// Cron expression, `daily`…, or the timer's `OnCalendar=`/`On*Sec=` values.
    pub schedule: String,
    /// User column of system crontabs, or the spool file's owner name.
    pub user: Option<String>,
    /// The command, credentials redacted.
    pub command: String,
    /// `cli` (`operator raft snapshot save`) or `api` (`sys/storage/raft/snapshot`).
    pub method: String,
    /// When the snapshot command is inside a script the job runs: that script and line.
    pub via_script: Option<ScriptRef>,
    /// For timers: enabled through a `.wants/` symlink.
    pub enabled: Option<bool>,
}

/// A line inside a script.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScriptRef {
    /// Host path.
    pub file: String,
    /// 1-based line.
    pub line: u32,
}

/// Snapshot schedule of the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScheduleFacts {
    /// Jobs that take a snapshot.
    pub jobs: Vec<SnapshotJob>,
    /// Cron and timer files read.
    pub files_read: usize,
    /// Files that exist but could not be read (reasons), so an empty `jobs` can be judged.
    pub unreadable: Vec<String>,
}

/// How a line takes a snapshot, if it does.
pub(crate) fn snapshot_method(line: &str) -> Option<&'static str> {
    for cmd in secrets::shell_commands(line) {
        if cmd.iter().any(|w| w.contains("sys/storage/raft/snapshot")) {
            return Some("api");
        }
        // `echo vault operator …` prints, it does not run.
        let first = cmd.iter().find(|w| !w.contains('='));
        if first.is_some_and(|w| matches!(w.as_str(), "echo" | "printf" | "logger")) {
            continue;
        }
        if let Some(i) = cmd.iter().position(|w| secrets::is_vault_binary(w)) {
            let pos = secrets::cli_positionals(cmd.get(i + 1..).unwrap_or_default());
            if pos.starts_with(&["operator", "raft", "snapshot", "save"]) {
                return Some("cli");
            }
        }
    }
    None
}

/// Splits off `n` whitespace-separated fields; returns them and the rest of the line.
fn fields(line: &str, n: usize) -> Option<(Vec<&str>, &str)> {
    let mut out = Vec::with_capacity(n);
    let mut rest = line.trim_start();
    for _ in 0..n {
        let end = rest.find(char::is_whitespace)?;
        out.push(rest.get(..end)?);
        rest = rest.get(end..)?.trim_start();
    }
    Some((out, rest))
}

fn is_env_line(l: &str) -> bool {
    let name: String = l
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    !name.is_empty()
        && l.get(name.len()..)
            .is_some_and(|r| r.trim_start().starts_with('='))
}

/// A shell script starts with `#!`; anything else (an ELF binary) is not worth reading.
/// Only the first bytes are read to tell.
fn is_script(root: &Root, path: &str) -> bool {
    use std::io::Read;
    let mut head = [0u8; 2];
    root.open(Path::new(path))
        .is_ok_and(|mut f| f.read_exact(&mut head).is_ok() && &head == b"#!")
}

struct Ctx<'a> {
    root: &'a Root,
    jobs: Vec<SnapshotJob>,
    files_read: usize,
    unreadable: Vec<String>,
}

impl Ctx<'_> {
    fn read(&mut self, path: &str) -> Option<String> {
        match self.root.read_string(path) {
            Ok(t) => {
                self.files_read += 1;
                Some(t)
            }
            Err(e) if e.is_not_found() => None,
            Err(e) => {
                self.unreadable.push(e.to_string());
                None
            }
        }
    }

    /// Scans a script the job runs for a snapshot line.
    fn script_hit(&mut self, words: &[String]) -> Option<(ScriptRef, &'static str)> {
        for w in words.iter().filter(|w| w.starts_with('/')) {
            let resolved = self.root_resolve(w);
            let Ok(md) = self.root.lstat(Path::new(&resolved)) else {
                continue;
            };
            if !md.is_file() || md.len() > MAX_SCRIPT_BYTES || !is_script(self.root, &resolved) {
                continue;
            }
            let Some(text) = self.read(w) else {
                continue;
            };
            // Cheap pre-filter before tokenizing every line.
            if !text.contains("snapshot") {
                continue;
            }
            for (i, l) in text.lines().enumerate() {
                if let Some(m) = snapshot_method(l) {
                    let line = u32::try_from(i + 1).unwrap_or(u32::MAX);
                    return Some((
                        ScriptRef {
                            file: w.clone(),
                            line,
                        },
                        m,
                    ));
                }
            }
        }
        None
    }

    fn root_resolve(&self, w: &str) -> String {
        // On the live root the kernel resolves links correctly by itself.
        if self.root.is_live() {
            return w.to_string();
        }
        self.root
            .resolve(Path::new(w), true)
            .map(|p| super::common::display(&p))
            .unwrap_or_else(|_| w.to_string())
    }

    #[allow(clippy::too_many_arguments)]
    fn check_command(
        &mut self,
        source: &str,
        file: &str,
        line: u32,
        schedule: &str,
        user: Option<String>,
        command: &str,
        enabled: Option<bool>,
    ) {
        let direct = snapshot_method(command);
        let (method, via_script) = match direct {
            Some(m) => (m, None),
            None => {
                let words: Vec<String> = secrets::shell_commands(command).concat();
                match self.script_hit(&words) {
                    Some((r, m)) => (m, Some(r)),
                    None => return,
                }
            }
        };
        self.jobs.push(SnapshotJob {
            source: source.to_string(),
            file: file.to_string(),
            line,
            schedule: schedule.to_string(),
            user,
            command: secrets::redact_shell_line(command),
            method: method.to_string(),
            via_script,
            enabled,
        });
    }

    fn crontab(&mut self, path: &str, system: bool, owner: Option<String>) {
        let Some(text) = self.read(path) else {
            return;
        };
        for (i, raw) in text.lines().enumerate() {
            let l = raw.trim();
            if l.is_empty() || l.starts_with('#') || is_env_line(l) {
                continue;
            }
            let n_sched = if l.starts_with('@') { 1 } else { 5 };
            let n = n_sched + usize::from(system);
            let Some((f, command)) = fields(l, n) else {
                continue;
            };
            let schedule = f.get(..n_sched).unwrap_or_default().join(" ");
            let user = if system {
                f.get(n_sched).map(|u| u.to_string())
            } else {
                owner.clone()
            };
            let line = u32::try_from(i + 1).unwrap_or(u32::MAX);
            self.check_command("cron", path, line, &schedule, user, command, None);
        }
    }

    fn periodic_script(&mut self, path: &str, period: &str) {
        let Ok(md) = self.root.lstat(Path::new(path)) else {
            return;
        };
        if !md.is_file() || md.len() > MAX_SCRIPT_BYTES || !is_script(self.root, path) {
            return;
        }
        let Some(text) = self.read(path) else {
            return;
        };
        if !text.contains("snapshot") {
            return;
        }
        for (i, l) in text.lines().enumerate() {
            if let Some(m) = snapshot_method(l) {
                self.jobs.push(SnapshotJob {
                    source: "cron-script".to_string(),
                    file: path.to_string(),
                    line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                    schedule: period.to_string(),
                    user: Some("root".to_string()),
                    command: secrets::redact_shell_line(l),
                    method: m.to_string(),
                    via_script: None,
                    enabled: None,
                });
                break;
            }
        }
    }

    fn spool(&mut self, dir: &str, depth: u32) {
        let Ok(names) = self.root.read_dir_names(Path::new(dir)) else {
            return;
        };
        for n in names {
            let p = host_join(dir, &n);
            let Ok(md) = self.root.lstat(Path::new(&p)) else {
                continue;
            };
            if md.is_dir() && depth > 0 {
                self.spool(&p, depth - 1);
            } else if md.is_file() {
                // Spool files are named after their user.
                self.crontab(&p, false, Some(n.clone()));
            }
        }
    }

    fn timer(&mut self, path: &str, name: &str, enabled: bool) {
        let Some(text) = self.read(path) else {
            return;
        };
        let (entries, _) = systemd::parse_entries(&text, path);
        let mut unit = None;
        let mut schedule = Vec::new();
        for e in entries.iter().filter(|e| e.section == "Timer") {
            match e.key.as_str() {
                "Unit" => unit = Some(e.value.clone()),
                k if !e.value.is_empty()
                    && (k == "OnCalendar" || (k.starts_with("On") && k.ends_with("Sec"))) =>
                {
                    schedule.push(format!("{k}={}", e.value));
                }
                _ => {}
            }
        }
        let service = unit
            .unwrap_or_else(|| format!("{}.service", name.strip_suffix(".timer").unwrap_or(name)));
        let Some(svc_path) = systemd::find_fragment(self.root, &service) else {
            return;
        };
        let resolved = self.root_resolve(&svc_path);
        let Some(svc_text) = self.read(&resolved) else {
            return;
        };
        let (entries, _) = systemd::parse_entries(&svc_text, &svc_path);
        for e in entries
            .iter()
            .filter(|e| e.section == "Service" && e.key == "ExecStart")
        {
            let words = systemd::split_words(e.value.trim_start_matches(['-', '@', ':', '+', '!']));
            // Re-quote words so the shell tokenizer sees the same argv.
            let command = words
                .iter()
                .map(|w| {
                    if w.contains(char::is_whitespace) {
                        format!("'{}'", w.replace('\'', ""))
                    } else {
                        w.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(" ");
            self.check_command(
                "systemd-timer",
                &svc_path,
                e.line,
                &schedule.join(" "),
                None,
                &command,
                Some(enabled),
            );
        }
    }
}

pub(crate) fn collect(root: &Root, units: &UnitIndex) -> Probe<ScheduleFacts> {
    if !root.exists("/etc") {
        return Probe::skip("no /etc under the root: cron and systemd timers cannot be read");
    }
    let mut ctx = Ctx {
        root,
        jobs: Vec::new(),
        files_read: 0,
        unreadable: Vec::new(),
    };
    ctx.crontab("/etc/crontab", true, None);
    if let Ok(names) = root.read_dir_names(Path::new("/etc/cron.d")) {
        for n in names.iter().filter(|n| !n.starts_with('.')) {
            ctx.crontab(&host_join("/etc/cron.d", n), true, None);
        }
    }
    for period in ["hourly", "daily", "weekly", "monthly"] {
        let dir = format!("/etc/cron.{period}");
        if let Ok(names) = root.read_dir_names(Path::new(&dir)) {
            for n in names.iter().filter(|n| !n.starts_with('.')) {
                ctx.periodic_script(&host_join(&dir, n), period);
            }
        }
    }
    ctx.spool("/var/spool/cron", 2);

    // Timers: every enabled one, plus admin-made ones in /etc (reported as disabled).
    let mut seen: Vec<String> = Vec::new();
    let enabled: Vec<String> = units.enabled_with_suffix(".timer").cloned().collect();
    for name in &enabled {
        if let Some(p) = systemd::find_fragment(root, name) {
            let r = ctx.root_resolve(&p);
            ctx.timer(&r, name, true);
            seen.push(name.clone());
        }
    }
    for dir in UNIT_DIRS.iter().take(5) {
        if let Ok(names) = root.read_dir_names(Path::new(dir)) {
            for n in names.iter().filter(|n| n.ends_with(".timer")) {
                if !seen.contains(n) {
                    let p = ctx.root_resolve(&host_join(dir, n));
                    ctx.timer(&p, n, false);
                    seen.push(n.clone());
                }
            }
        }
    }
    Probe::ok(ScheduleFacts {
        jobs: ctx.jobs,
        files_read: ctx.files_read,
        unreadable: ctx.unreadable,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_snapshot_commands() {
        assert_eq!(
            snapshot_method("vault operator raft snapshot save /backup/x.snap"),
            Some("cli")
        );
        assert_eq!(
            snapshot_method("VAULT_TOKEN=$(cat /t) /usr/bin/bao operator raft snapshot save -address https://x:8200 f"),
            Some("cli")
        );
        assert_eq!(
            snapshot_method("vault -address=https://x operator raft snapshot save f"),
            Some("cli")
        );
        assert_eq!(
            snapshot_method(
                "curl -sH 'X-Vault-Token: x' https://v/v1/sys/storage/raft/snapshot -o s"
            ),
            Some("api")
        );
        assert_eq!(
            snapshot_method("vault operator raft snapshot restore f"),
            None
        );
        assert_eq!(
            snapshot_method("echo vault operator raft snapshot save"),
            None
        );
    }

    #[test]
    fn cron_fields() {
        let (f, rest) = fields("0 3 * * *  root  /usr/local/bin/backup.sh --x", 6).unwrap();
        assert_eq!(f, vec!["0", "3", "*", "*", "*", "root"]);
        assert_eq!(rest, "/usr/local/bin/backup.sh --x");
        assert!(fields("0 3", 6).is_none());
        assert!(is_env_line("MAILTO=root"));
        assert!(is_env_line("PATH = /bin"));
        assert!(!is_env_line("0 3 * * * root x=1"));
    }
}
