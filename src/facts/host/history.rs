//! Shell histories that hold Vault/OpenBao secrets, `HISTIGNORE` in the system profiles,
//! and `.vault-token` files. A secret is never copied: only file, line and kind are kept.

use serde::Serialize;
use std::path::Path;

use super::common::{host_join, HostError, Probe, Root};
use super::files::{FileCtx, FileFact};
use super::secrets::{self, SecretHit};

/// History files looked for in each home, with their format.
const HISTORY_FILES: [(&str, &str); 8] = [
    (".bash_history", "bash"),
    (".zsh_history", "zsh"),
    (".histfile", "zsh"),
    (".sh_history", "sh"),
    (".ash_history", "sh"),
    (".mksh_history", "sh"),
    (".history", "sh"),
    (".local/share/fish/fish_history", "fish"),
];

/// Token files the CLIs write after `login`.
const TOKEN_FILES: [&str; 2] = [".vault-token", ".bao-token"];

/// One history file.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryFile {
    /// Host path.
    pub path: String,
    /// `bash`, `zsh`, `sh` or `fish`.
    pub format: String,
    /// The history file is a symlink to this target (`/dev/null` is a common way to
    /// switch history off); `null` otherwise.
    pub linked_to: Option<String>,
    /// Number of lines read, or why it could not be read.
    pub lines: Probe<u32>,
}

/// A shell variable setting in a system profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShellSetting {
    /// Host path.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// `HISTIGNORE`, `HISTCONTROL`, `HISTFILE` or `HISTSIZE`.
    pub name: String,
    /// The value (these variables never hold secrets).
    pub value: String,
}

/// History suppression configured in the system shell profiles.
#[derive(Debug, Clone, Serialize)]
pub struct HistIgnoreFacts {
    /// Profiles read, in the order a login shell reads them.
    pub files_read: Vec<String>,
    /// Every relevant assignment, in reading order.
    pub assignments: Vec<ShellSetting>,
    /// The `HISTIGNORE` in effect (last assignment).
    pub histignore: Option<String>,
    /// The `HISTCONTROL` in effect.
    pub histcontrol: Option<String>,
    /// `HISTIGNORE` keeps every `vault …` command out of history.
    pub covers_vault: bool,
    /// `HISTIGNORE` keeps every `bao …` command out of history.
    pub covers_bao: bool,
    /// History is switched off altogether (`HISTFILE=/dev/null`, `unset HISTFILE`,
    /// `HISTSIZE=0`, `set +o history`): where.
    pub history_disabled: Vec<ShellSetting>,
}

/// Shell history facts.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryFacts {
    /// Home directories searched (`/root`, `/home/*`, the service account's home).
    pub homes: Vec<String>,
    /// Why `/home` could not be listed, if it could not.
    pub homes_problem: Option<String>,
    /// History files found.
    pub files: Vec<HistoryFile>,
    /// Secrets found in them: file, line, kind.
    pub secrets: Vec<SecretHit>,
    /// `HISTIGNORE` and friends.
    pub histignore: HistIgnoreFacts,
    /// `.vault-token` / `.bao-token` files found (stat only, never read).
    pub token_files: Vec<FileFact>,
}

/// The command part of a history line, per format; `None` for metadata lines.
fn command_of<'a>(line: &'a str, format: &str) -> Option<&'a str> {
    match format {
        "zsh" => {
            // Extended history: `: 1700000000:0;command`.
            if let Some(rest) = line.strip_prefix(": ") {
                return rest.split_once(';').map(|(_, cmd)| cmd).or(Some(line));
            }
            Some(line)
        }
        "fish" => line.trim_start().strip_prefix("- cmd: "),
        _ => Some(line),
    }
}

fn scan_file(root: &Root, path: &str, format: &str, hits: &mut Vec<SecretHit>) -> Probe<u32> {
    use crate::fsutil::limit;
    let host = Path::new(path);
    let file = match root.open(host) {
        Ok(f) => f,
        Err(e) => return Probe::from_error(&e),
    };
    if file.metadata().is_ok_and(|m| m.len() > limit::HISTORY) {
        return Probe::from_error(&HostError::TooLarge {
            path: path.to_string(),
            limit: limit::HISTORY,
        });
    }
    let mut overlong: Option<u32> = None;
    // Byte lines: zsh "metafies" non-ASCII and histories hold arbitrary bytes. Line by line
    // with a line limit, so a huge file or a huge line never sits in memory.
    let read = crate::fsutil::for_each_line(file, limit::HISTORY_LINE, |n, bytes| {
        let Some(bytes) = bytes else {
            overlong.get_or_insert(n);
            return;
        };
        let text = String::from_utf8_lossy(bytes);
        let Some(cmd) = command_of(&text, format) else {
            return;
        };
        for kind in secrets::scan_shell_line(cmd) {
            hits.push(SecretHit::new(path, n, kind));
        }
    });
    match (read, overlong) {
        (Err(e), _) => Probe::from_error(&HostError::from_io(host, &e)),
        // A line that was not scanned may hold a secret: the file cannot be called clean.
        (Ok(_), Some(n)) => Probe::error(format!(
            "{path}: line {n} is longer than {} KiB; not scanned",
            limit::HISTORY_LINE / 1024
        )),
        (Ok(n), None) => Probe::ok(n),
    }
}

/// Bash `fnmatch`-style glob (no extglob): `*`, `?`, `[...]` with `!`/`^` and ranges, `\`.
pub(crate) fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        let tc = t.get(ti).copied().unwrap_or_default();
        let step = match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
                continue;
            }
            Some('?') => Some(1usize),
            Some('[') => match class_match(&p, pi, tc) {
                Some((true, len)) => Some(len),
                Some((false, _)) => None,
                // No closing bracket: a literal `[`.
                None => (tc == '[').then_some(1),
            },
            Some('\\') => (p.get(pi + 1) == Some(&tc)).then_some(2),
            Some(c) => (*c == tc).then_some(1),
            None => None,
        };
        match step {
            Some(len) => {
                pi += len;
                ti += 1;
            }
            None => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..).unwrap_or_default().iter().all(|c| *c == '*')
}

/// Matches a `[...]` class at `p[start]`; returns (matched, pattern length). A `[` with no
/// closing `]` is a literal.
fn class_match(p: &[char], start: usize, c: char) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negate = matches!(p.get(i), Some('!') | Some('^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let cur = *p.get(i)?;
        if cur == ']' && !first {
            break;
        }
        first = false;
        let lo = if cur == '\\' {
            i += 1;
            *p.get(i)?
        } else {
            cur
        };
        if p.get(i + 1) == Some(&'-') && p.get(i + 2).is_some_and(|h| *h != ']') {
            let hi = *p.get(i + 2)?;
            if lo <= c && c <= hi {
                matched = true;
            }
            i += 3;
        } else {
            if lo == c {
                matched = true;
            }
            i += 1;
        }
    }
    Some((matched != negate, i + 1 - start))
}

/// Whether colon-separated HISTIGNORE patterns match every sample command.
fn covers(histignore: &str, samples: &[&str]) -> bool {
    let mut patterns = Vec::new();
    let mut cur = String::new();
    let mut chars = histignore.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    if n != ':' {
                        cur.push('\\');
                    }
                    cur.push(n);
                }
            }
            ':' => patterns.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    patterns.push(cur);
    // `&` means "same as the previous line": not a pattern.
    samples.iter().all(|s| {
        patterns
            .iter()
            .any(|p| !p.is_empty() && p != "&" && glob_match(p, s))
    })
}

const VAULT_SAMPLES: [&str; 4] = [
    "vault login hvs.x",
    "vault operator unseal key",
    "vault write auth/userpass/login/u password=p",
    "vault kv put secret/x token=t",
];
const BAO_SAMPLES: [&str; 4] = [
    "bao login s.x",
    "bao operator unseal key",
    "bao write auth/userpass/login/u password=p",
    "bao kv put secret/x token=t",
];

fn profile_files(root: &Root) -> Vec<String> {
    let mut files = vec!["/etc/profile".to_string()];
    if let Ok(names) = root.read_dir_names(Path::new("/etc/profile.d")) {
        files.extend(
            names
                .iter()
                .filter(|n| n.ends_with(".sh"))
                .map(|n| host_join("/etc/profile.d", n)),
        );
    }
    files.push("/etc/bash.bashrc".to_string());
    files.push("/etc/bashrc".to_string());
    files
}

fn histignore_facts(root: &Root) -> HistIgnoreFacts {
    let mut facts = HistIgnoreFacts {
        files_read: Vec::new(),
        assignments: Vec::new(),
        histignore: None,
        histcontrol: None,
        covers_vault: false,
        covers_bao: false,
        history_disabled: Vec::new(),
    };
    for f in profile_files(root) {
        let Ok(text) = root.read_string(&f) else {
            continue;
        };
        facts.files_read.push(f.clone());
        for (i, line) in text.lines().enumerate() {
            let lineno = u32::try_from(i + 1).unwrap_or(u32::MAX);
            for cmd in secrets::shell_commands(line) {
                let setting = |name: &str, value: &str| ShellSetting {
                    file: f.clone(),
                    line: lineno,
                    name: name.to_string(),
                    value: value.to_string(),
                };
                let first = cmd.first().map(String::as_str).unwrap_or_default();
                if first == "unset" && cmd.iter().any(|w| w == "HISTFILE") {
                    facts.history_disabled.push(setting("HISTFILE", "(unset)"));
                    continue;
                }
                if first == "set"
                    && cmd.get(1).map(String::as_str) == Some("+o")
                    && cmd.get(2).map(String::as_str) == Some("history")
                {
                    facts
                        .history_disabled
                        .push(setting("history", "set +o history"));
                    continue;
                }
                let assigns = if matches!(first, "export" | "declare" | "typeset" | "readonly") {
                    cmd.get(1..).unwrap_or_default()
                } else {
                    cmd.as_slice()
                };
                for w in assigns.iter().filter(|w| !w.starts_with('-')) {
                    let Some((name, value)) = w.split_once('=') else {
                        continue;
                    };
                    if !matches!(name, "HISTIGNORE" | "HISTCONTROL" | "HISTFILE" | "HISTSIZE") {
                        continue;
                    }
                    let s = setting(name, value);
                    match name {
                        "HISTIGNORE" => facts.histignore = Some(value.to_string()),
                        "HISTCONTROL" => facts.histcontrol = Some(value.to_string()),
                        "HISTFILE" if value == "/dev/null" => {
                            facts.history_disabled.push(s.clone())
                        }
                        "HISTSIZE" if value == "0" => facts.history_disabled.push(s.clone()),
                        _ => {}
                    }
                    facts.assignments.push(s);
                }
            }
        }
    }
    if let Some(h) = &facts.histignore {
        facts.covers_vault = covers(h, &VAULT_SAMPLES);
        facts.covers_bao = covers(h, &BAO_SAMPLES);
    }
    facts
}

pub(crate) fn collect(root: &Root, files: &FileCtx<'_>, extra_home: Option<&str>) -> HistoryFacts {
    let mut homes = vec!["/root".to_string()];
    let mut homes_problem = None;
    match root.read_dir_names(Path::new("/home")) {
        Ok(names) => homes.extend(names.iter().map(|n| host_join("/home", n))),
        Err(e) if e.is_not_found() => {}
        Err(e) => homes_problem = Some(e.to_string()),
    }
    if let Some(h) = extra_home {
        if h.starts_with('/') && h != "/" && !homes.iter().any(|x| x == h) {
            homes.push(h.to_string());
        }
    }
    let mut found = Vec::new();
    let mut hits = Vec::new();
    let mut token_files = Vec::new();
    for home in &homes {
        // Only directories: /home may hold stray files.
        if !root.lstat(Path::new(home)).is_ok_and(|m| m.is_dir()) {
            continue;
        }
        for (name, format) in HISTORY_FILES {
            let p = host_join(home, name);
            if !root.exists(&p) {
                continue;
            }
            let linked_to = root.read_link(Path::new(&p)).ok();
            let lines = if linked_to.as_deref() == Some("/dev/null") {
                Probe::ok(0)
            } else {
                scan_file(root, &p, format, &mut hits)
            };
            found.push(HistoryFile {
                path: p,
                format: format.to_string(),
                linked_to,
                lines,
            });
        }
        for name in TOKEN_FILES {
            let p = host_join(home, name);
            // A link that leads to no regular file inside the root holds no token.
            if root.exists(&p) && root.is_regular_file(&p) {
                token_files.push(files.stat("token_file", &p, false));
            }
        }
    }
    HistoryFacts {
        homes,
        homes_problem,
        files: found,
        secrets: hits,
        histignore: histignore_facts(root),
        token_files,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globbing() {
        assert!(glob_match("vault*", "vault login x"));
        assert!(glob_match("vault *", "vault login x"));
        assert!(!glob_match("vault *", "vault"));
        assert!(glob_match("*", "anything"));
        assert!(glob_match("[ \t]*", " vault"));
        assert!(!glob_match("[ \t]*", "vault"));
        assert!(glob_match("[bv]a*", "bao x"));
        assert!(glob_match("[!x]ault*", "vault x"));
        assert!(glob_match("v?ult*", "vault x"));
        assert!(glob_match("\\*", "*"));
        assert!(!glob_match("[abc", "a"));
        assert!(glob_match("[abc", "[abc"));
        assert!(glob_match("*login*", "vault login s.x"));
    }

    #[test]
    fn histignore_coverage() {
        assert!(covers("ls:bg:fg:vault*:bao*", &VAULT_SAMPLES));
        assert!(covers("&:[ ]*:vault *", &VAULT_SAMPLES));
        assert!(!covers("&:[ ]*:vault login*", &VAULT_SAMPLES));
        assert!(!covers("&:ls", &VAULT_SAMPLES));
        assert!(covers("*", &BAO_SAMPLES));
        assert!(!covers("vault*", &BAO_SAMPLES));
    }

    #[test]
    fn history_formats() {
        assert_eq!(
            command_of(": 1700000000:0;vault login x", "zsh"),
            Some("vault login x")
        );
        assert_eq!(command_of("vault status", "zsh"), Some("vault status"));
        assert_eq!(
            command_of("- cmd: bao login y", "fish"),
            Some("bao login y")
        );
        assert_eq!(command_of("  when: 1700000000", "fish"), None);
    }
}
