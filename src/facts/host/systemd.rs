//! The server's systemd unit: located and merged with its drop-ins the way systemd does
//! it, then reduced to the effective values the hardening rules need, each with the file
//! and line that set it.
//!
//! Parsing follows systemd's conf-parser: `#`/`;` comment lines (also inside a
//! continuation), a trailing unescaped backslash joins the next line with a space,
//! `[Section]` headers, `Key=Value` with whitespace trimmed. Directive semantics follow
//! load-fragment: scalars are last-wins and reset by an empty assignment, lists accumulate
//! and are reset by an empty assignment, capability sets merge as systemd merges them.

use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

use super::caps::{self, CapSet};
use super::common::{basename, host_join, HostError, LimitValue, Probe, Product, RLimit, Root};
use super::secrets::{self, SecretHit, SecretKind};

/// Unit directories in systemd's precedence order (highest first): the first fragment
/// found wins, and a drop-in masks same-named drop-ins of the directories after it.
pub const UNIT_DIRS: [&str; 8] = [
    "/etc/systemd/system.control",
    "/run/systemd/system.control",
    "/run/systemd/transient",
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
];

/// A value and where it was set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Setting<T> {
    /// The parsed, normalised value.
    pub value: T,
    /// The value as written (after joining continuations).
    pub raw: String,
    /// Host path of the file that set it.
    pub file: String,
    /// Line where the directive starts.
    pub line: u32,
}

/// A file and line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// Host path.
    pub file: String,
    /// 1-based line.
    pub line: u32,
}

/// Something systemd would warn about or ignore.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitWarning {
    /// Host path.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// What is wrong (never a secret value).
    pub message: String,
}

/// An effective capability set from `CapabilityBoundingSet=` or `AmbientCapabilities=`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CapSetting {
    /// The resulting set.
    pub set: CapSet,
    /// Every assignment that contributed since the last reset, in order.
    pub assignments: Vec<RawAssignment>,
}

/// One raw assignment of a list-valued directive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RawAssignment {
    /// The value as written.
    pub raw: String,
    /// Host path.
    pub file: String,
    /// 1-based line.
    pub line: u32,
}

/// The effective `ExecStart=` command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExecStart {
    /// Words after `$VAR`/`${VAR}` expansion, secrets redacted.
    pub argv: Vec<String>,
    /// The program systemd runs (first word).
    pub binary: Option<String>,
    /// The Vault/OpenBao binary inside the command (the same, or behind `sh -c`, `docker`…).
    pub server_binary: Option<String>,
    /// Product told from the server binary.
    pub product: Option<Product>,
    /// Whether the command is `… server`.
    pub is_server: bool,
    /// Whether `-dev` is given (in-memory, unsealed, root token).
    pub dev_mode: bool,
    /// `-config` paths, in order.
    pub config_paths: Vec<String>,
    /// Variables referenced but defined neither by `Environment=` nor a readable `EnvironmentFile=`.
    pub unresolved_variables: Vec<String>,
    /// Kinds of secrets seen on the command line (redacted in `argv`).
    pub secret_kinds: Vec<SecretKind>,
    /// Host path of the file that set it.
    pub file: String,
    /// 1-based line.
    pub line: u32,
}

/// One `Environment=` variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnvVar {
    /// Variable name.
    pub key: String,
    /// Its value, or `null` when the name marks a credential (then `redacted` is true).
    pub value: Option<String>,
    /// True when the value was withheld.
    pub redacted: bool,
    /// Host path.
    pub file: String,
    /// 1-based line.
    pub line: u32,
}

/// One `EnvironmentFile=` and what could be read of it.
#[derive(Debug, Clone, Serialize)]
pub struct EnvFile {
    /// Host path of the environment file.
    pub path: String,
    /// `-` prefix: systemd tolerates its absence.
    pub optional: bool,
    /// Unit file that named it.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// The variable names it defines (values are never reported).
    pub keys: Probe<Vec<String>>,
}

/// The server's unit as systemd would load it.
#[derive(Debug, Clone, Serialize)]
pub struct UnitFacts {
    /// Unit name (`vault.service`).
    pub name: String,
    /// Host path of the fragment (the main unit file).
    pub fragment: String,
    /// Where the fragment really is when it is a symlink (host path); else `null`.
    pub fragment_target: Option<String>,
    /// The unit is masked (its fragment is a symlink to `/dev/null`).
    pub masked: bool,
    /// Files that contributed, in the order systemd reads them.
    pub files: Vec<String>,
    /// Drop-ins hidden by a same-named drop-in of a higher-priority directory.
    pub shadowed_dropins: Vec<ShadowedDropin>,
    /// The files contain template markup (`{{`, `{%`): values may not be literal.
    pub looks_templated: bool,
    /// Lines systemd would warn about or ignore.
    pub warnings: Vec<UnitWarning>,
    /// `Type=`.
    pub service_type: Option<Setting<String>>,
    /// `User=` (absent: root).
    pub user: Option<Setting<String>>,
    /// `Group=`.
    pub group: Option<Setting<String>>,
    /// `DynamicUser=`.
    pub dynamic_user: Option<Setting<bool>>,
    /// The effective `ExecStart=`.
    pub exec_start: Option<ExecStart>,
    /// Number of `ExecStart=` commands in effect (more than one only for oneshot units).
    pub exec_start_count: usize,
    /// `EnvironmentFile=` entries in effect.
    pub environment_files: Vec<EnvFile>,
    /// `Environment=` variables in effect (credential values withheld).
    pub environment: Vec<EnvVar>,
    /// `LimitCORE=`.
    pub limit_core: Option<Setting<RLimit>>,
    /// `LimitMEMLOCK=`.
    pub limit_memlock: Option<Setting<RLimit>>,
    /// `LimitNOFILE=`.
    pub limit_nofile: Option<Setting<RLimit>>,
    /// `MemorySwapMax=` (a percentage is kept in `raw` with value `null`).
    pub memory_swap_max: Option<Setting<Option<LimitValue>>>,
    /// `ProtectSystem=` normalised to `no`, `yes`, `full` or `strict`.
    pub protect_system: Option<Setting<String>>,
    /// `ProtectHome=` normalised to `no`, `yes`, `read-only` or `tmpfs`.
    pub protect_home: Option<Setting<String>>,
    /// `PrivateTmp=` (`disconnected` counts as true).
    pub private_tmp: Option<Setting<bool>>,
    /// `PrivateDevices=`.
    pub private_devices: Option<Setting<bool>>,
    /// `NoNewPrivileges=`.
    pub no_new_privileges: Option<Setting<bool>>,
    /// `CapabilityBoundingSet=` (absent: unrestricted).
    pub capability_bounding_set: Option<CapSetting>,
    /// `AmbientCapabilities=`.
    pub ambient_capabilities: Option<CapSetting>,
    /// Credentials found in `Environment=`, `EnvironmentFile=` or `ExecStart=`: where and
    /// what kind, never the value.
    pub secrets: Vec<SecretHit>,
}

/// A drop-in that systemd does not read because a higher-priority one has its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShadowedDropin {
    /// Host path of the hidden drop-in.
    pub path: String,
    /// Host path of the drop-in that hides it.
    pub shadowed_by: String,
}

/// One `Key=Value` line of a unit file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) section: String,
    pub(crate) key: String,
    pub(crate) value: String,
    pub(crate) file: String,
    pub(crate) line: u32,
}

/// Warnings kept per unit; the rest are counted in one last warning. A unit of a million
/// junk lines made a million warnings (3.2 MB of unit took 662 MB).
const MAX_WARNINGS: usize = 100;

/// Most bytes an `ExecStart=` command expands to, counted as the kernel counts argv (each
/// word, its NUL and its pointer). The kernel refuses a larger argv (`E2BIG`: 1/4 of the
/// default 8 MiB stack), so nothing past it could run; `$VAR` repeated against a large
/// variable otherwise multiplies the input without bound.
const MAX_EXPANDED_BYTES: usize = 2 << 20;

/// What one argv word costs against [`MAX_EXPANDED_BYTES`].
fn argv_cost(word: &str) -> usize {
    word.len() + 1 + std::mem::size_of::<usize>()
}

/// What a unit-file line is: an assignment, or something systemd warns about.
pub(crate) enum UnitLine {
    Entry(Entry),
    Warning(UnitWarning),
}

/// Splits unit-file text into entries, following systemd's line rules. Keeps at most
/// [`MAX_WARNINGS`] warnings.
pub(crate) fn parse_entries(text: &str, file: &str) -> (Vec<Entry>, Vec<UnitWarning>) {
    let mut entries = Vec::new();
    let mut warnings = Vec::new();
    each_line(text, file, |line| match line {
        UnitLine::Entry(e) => entries.push(e),
        UnitLine::Warning(w) if warnings.len() < MAX_WARNINGS => warnings.push(w),
        UnitLine::Warning(_) => {}
    });
    (entries, warnings)
}

/// Calls `visit` for each entry and warning of unit-file text, in order, without
/// collecting them (memory stays proportional to the longest line).
pub(crate) fn each_line(text: &str, file: &str, mut visit: impl FnMut(UnitLine)) {
    let mut section: Option<String> = None;
    let mut continuation: Option<(String, u32)> = None;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split('\n').enumerate().peekable();
    while let Some((idx, raw_line)) = lines.next() {
        let lineno = u32::try_from(idx + 1).unwrap_or(u32::MAX);
        let l = raw_line.strip_suffix('\r').unwrap_or(raw_line);
        // A comment line is dropped even in the middle of a continuation.
        let lead = l.trim_start();
        if lead.starts_with('#') || lead.starts_with(';') {
            continue;
        }
        let (mut joined, start) = match continuation.take() {
            Some((mut acc, start)) => {
                acc.push_str(l);
                (acc, start)
            }
            None => (l.to_string(), lineno),
        };
        if ends_with_unescaped_backslash(&joined) {
            joined.pop();
            joined.push(' ');
            if lines.peek().is_some() {
                continuation = Some((joined, start));
                continue;
            }
        }
        parse_line(&joined, file, start, &mut section, &mut visit);
    }
}

fn ends_with_unescaped_backslash(s: &str) -> bool {
    let trailing = s.bytes().rev().take_while(|b| *b == b'\\').count();
    trailing % 2 == 1
}

fn parse_line(
    line: &str,
    file: &str,
    lineno: u32,
    section: &mut Option<String>,
    visit: &mut impl FnMut(UnitLine),
) {
    let l = line.trim();
    if l.is_empty() {
        return;
    }
    let warn = |visit: &mut dyn FnMut(UnitLine), message: String| {
        visit(UnitLine::Warning(UnitWarning {
            file: file.to_string(),
            line: lineno,
            message,
        }))
    };
    if l.starts_with('[') {
        match l.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            Some(name) => *section = Some(name.to_string()),
            None => {
                warn(visit, "invalid section header".to_string());
                *section = None;
            }
        }
        return;
    }
    let Some(sec) = section.as_ref() else {
        warn(
            visit,
            "assignment outside of a section, ignored".to_string(),
        );
        return;
    };
    let Some((key, value)) = l.split_once('=') else {
        warn(visit, "missing '=', line ignored".to_string());
        return;
    };
    visit(UnitLine::Entry(Entry {
        section: sec.clone(),
        key: key.trim().to_string(),
        value: value.trim().to_string(),
        file: file.to_string(),
        line: lineno,
    }));
}

/// Splits a value into words as systemd's `extract_first_word(UNQUOTE|CUNESCAPE)` does:
/// whitespace separates, `"…"` and `'…'` group, C escapes are decoded.
pub(crate) fn split_words(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some('n') => word.push('\n'),
                    Some('t') => word.push('\t'),
                    Some('r') => word.push('\r'),
                    Some('a') => word.push('\u{7}'),
                    Some('b') => word.push('\u{8}'),
                    Some('f') => word.push('\u{c}'),
                    Some('v') => word.push('\u{b}'),
                    Some('s') => word.push(' '),
                    Some('x') => {
                        let hex: String = (0..2).filter_map(|_| chars.next()).collect();
                        match u8::from_str_radix(&hex, 16) {
                            Ok(b) => word.push(char::from(b)),
                            Err(_) => word.push_str(&hex),
                        }
                    }
                    // `\$`, `\\`, `\"`, `\'` and unknown escapes keep the character.
                    Some(other) => word.push(other),
                    None => {}
                }
            }
            '"' | '\'' if quote.is_none() => {
                quote = Some(c);
                in_word = true;
            }
            c if Some(c) == quote => quote = None,
            c if quote.is_none() && c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(word);
    }
    out
}

/// systemd's `parse_boolean`.
pub(crate) fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "yes" | "y" | "true" | "t" | "on" => Some(true),
        "0" | "no" | "n" | "false" | "f" | "off" => Some(false),
        _ => None,
    }
}

/// A size with an optional base-1024 suffix (`512K`, `1G`, `1.5M`), or `infinity`.
fn parse_size(v: &str) -> Option<LimitValue> {
    let v = v.trim();
    if v.eq_ignore_ascii_case("infinity") {
        return Some(LimitValue::Unlimited);
    }
    let split = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    let (num, suffix) = v.split_at(split);
    let mult: u64 = match suffix.trim() {
        "" | "B" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        "P" => 1 << 50,
        "E" => 1 << 60,
        _ => return None,
    };
    if let Ok(n) = num.parse::<u64>() {
        return n.checked_mul(mult).map(LimitValue::Value);
    }
    let f = num.parse::<f64>().ok()?;
    let bytes = f * mult as f64;
    (bytes.is_finite() && bytes >= 0.0 && bytes < u64::MAX as f64)
        .then_some(LimitValue::Value(bytes as u64))
}

/// `LimitX=soft[:hard]`; sizes take suffixes for the byte-valued limits.
pub(crate) fn parse_rlimit(v: &str, bytes: bool) -> Option<RLimit> {
    let one = |s: &str| -> Option<LimitValue> {
        let s = s.trim();
        if bytes {
            parse_size(s)
        } else if s.eq_ignore_ascii_case("infinity") {
            Some(LimitValue::Unlimited)
        } else {
            s.parse::<u64>().ok().map(LimitValue::Value)
        }
    };
    match v.split_once(':') {
        Some((s, h)) => Some(RLimit {
            soft: one(s)?,
            hard: one(h)?,
        }),
        None => {
            let x = one(v)?;
            Some(RLimit { soft: x, hard: x })
        }
    }
}

#[derive(Debug, Clone)]
struct CapAcc {
    mask: u64,
    initial: u64,
    assignments: Vec<RawAssignment>,
}

#[derive(Debug, Clone)]
struct ExecEntry {
    words: Vec<String>,
    file: String,
    line: u32,
}

/// Directive accumulator, fed entries in the order systemd reads them.
#[derive(Debug, Default)]
struct Acc {
    service_type: Option<Setting<String>>,
    user: Option<Setting<String>>,
    group: Option<Setting<String>>,
    dynamic_user: Option<Setting<bool>>,
    exec_start: Vec<ExecEntry>,
    environment: Vec<(String, String, String, u32)>,
    environment_files: Vec<(String, bool, String, u32)>,
    limit_core: Option<Setting<RLimit>>,
    limit_memlock: Option<Setting<RLimit>>,
    limit_nofile: Option<Setting<RLimit>>,
    memory_swap_max: Option<Setting<Option<LimitValue>>>,
    protect_system: Option<Setting<String>>,
    protect_home: Option<Setting<String>>,
    private_tmp: Option<Setting<bool>>,
    private_devices: Option<Setting<bool>>,
    no_new_privileges: Option<Setting<bool>>,
    cap_bnd: Option<CapAcc>,
    cap_amb: Option<CapAcc>,
    warnings: Vec<UnitWarning>,
    /// Warnings past [`MAX_WARNINGS`], counted only.
    more_warnings: usize,
    templated: bool,
}

fn setting<T>(e: &Entry, value: T) -> Setting<T> {
    Setting {
        value,
        raw: e.value.clone(),
        file: e.file.clone(),
        line: e.line,
    }
}

impl Acc {
    fn warn(&mut self, e: &Entry, message: String) {
        self.push_warning(UnitWarning {
            file: e.file.clone(),
            line: e.line,
            message,
        });
    }

    fn push_warning(&mut self, w: UnitWarning) {
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(w);
        } else {
            self.more_warnings += 1;
        }
    }

    /// Scalar directive: empty resets, an unparsable value is ignored (systemd keeps the
    /// previous one and logs).
    fn scalar<T>(
        &mut self,
        e: &Entry,
        parse: impl Fn(&str) -> Option<T>,
        pick: impl Fn(&mut Acc) -> &mut Option<Setting<T>>,
    ) {
        if e.value.is_empty() {
            *pick(self) = None;
            return;
        }
        match parse(&e.value) {
            Some(v) => *pick(self) = Some(setting(e, v)),
            None => {
                let msg = format!("invalid value for {}=, ignored", e.key);
                self.warn(e, msg);
            }
        }
    }

    fn caps(&mut self, e: &Entry, bounding: bool) {
        // load-fragment's config_parse_capability_set: the bounding set starts full, the
        // ambient set empty; the first assignment (or one into the untouched initial value,
        // or an empty one) replaces; later ones OR in, or with `~` remove.
        let initial = if bounding { caps::ALL_MASK } else { 0 };
        let (invert, list) = match e.value.strip_prefix('~') {
            Some(rest) => (true, rest),
            None => (false, e.value.as_str()),
        };
        let mut sum = 0u64;
        for name in split_words(list) {
            match caps::from_name(&name) {
                Some(bit) => sum |= 1u64 << bit,
                None => {
                    let msg = format!("unknown capability in {}=, ignored", e.key);
                    self.warn(e, msg);
                }
            }
        }
        let slot = if bounding {
            &mut self.cap_bnd
        } else {
            &mut self.cap_amb
        };
        let acc = slot.get_or_insert(CapAcc {
            mask: initial,
            initial,
            assignments: Vec::new(),
        });
        let raw = RawAssignment {
            raw: e.value.clone(),
            file: e.file.clone(),
            line: e.line,
        };
        if sum == 0 || acc.mask == acc.initial {
            acc.mask = if invert { !sum & caps::ALL_MASK } else { sum };
            acc.assignments.clear();
        } else if invert {
            acc.mask &= !sum;
        } else {
            acc.mask |= sum;
        }
        acc.assignments.push(raw);
    }

    fn feed(&mut self, e: &Entry) {
        if e.value.contains("{{") || e.value.contains("{%") || e.key.contains("{%") {
            self.templated = true;
        }
        if e.section != "Service" {
            return;
        }
        match e.key.as_str() {
            "Type" => self.scalar(e, |v| Some(v.to_string()), |a| &mut a.service_type),
            "User" => self.scalar(e, |v| Some(v.to_string()), |a| &mut a.user),
            "Group" => self.scalar(e, |v| Some(v.to_string()), |a| &mut a.group),
            "DynamicUser" => self.scalar(e, parse_bool, |a| &mut a.dynamic_user),
            "LimitCORE" => self.scalar(e, |v| parse_rlimit(v, true), |a| &mut a.limit_core),
            "LimitMEMLOCK" => self.scalar(e, |v| parse_rlimit(v, true), |a| &mut a.limit_memlock),
            "LimitNOFILE" => self.scalar(e, |v| parse_rlimit(v, false), |a| &mut a.limit_nofile),
            "MemorySwapMax" => self.scalar(
                e,
                |v| {
                    if v.trim_end().ends_with('%') {
                        Some(None)
                    } else {
                        parse_size(v).map(Some)
                    }
                },
                |a| &mut a.memory_swap_max,
            ),
            "ProtectSystem" => self.scalar(
                e,
                |v| match v.to_ascii_lowercase().as_str() {
                    "full" => Some("full".to_string()),
                    "strict" => Some("strict".to_string()),
                    other => parse_bool(other).map(|b| if b { "yes" } else { "no" }.to_string()),
                },
                |a| &mut a.protect_system,
            ),
            "ProtectHome" => self.scalar(
                e,
                |v| match v.to_ascii_lowercase().as_str() {
                    "read-only" => Some("read-only".to_string()),
                    "tmpfs" => Some("tmpfs".to_string()),
                    other => parse_bool(other).map(|b| if b { "yes" } else { "no" }.to_string()),
                },
                |a| &mut a.protect_home,
            ),
            "PrivateTmp" => self.scalar(
                e,
                |v| {
                    if v.eq_ignore_ascii_case("disconnected") {
                        Some(true)
                    } else {
                        parse_bool(v)
                    }
                },
                |a| &mut a.private_tmp,
            ),
            "PrivateDevices" => self.scalar(e, parse_bool, |a| &mut a.private_devices),
            "NoNewPrivileges" => self.scalar(e, parse_bool, |a| &mut a.no_new_privileges),
            "CapabilityBoundingSet" => self.caps(e, true),
            "AmbientCapabilities" => self.caps(e, false),
            "ExecStart" => {
                if e.value.is_empty() {
                    self.exec_start.clear();
                    return;
                }
                // Strip the special prefixes (`-`, `@`, `:`, `+`, `!`, `!!`).
                let v = e.value.trim_start_matches(['-', '@', ':', '+', '!']);
                let words = split_words(v);
                if words.is_empty() {
                    self.warn(e, "empty ExecStart= command, ignored".to_string());
                    return;
                }
                self.exec_start.push(ExecEntry {
                    words,
                    file: e.file.clone(),
                    line: e.line,
                });
            }
            "Environment" => {
                if e.value.is_empty() {
                    self.environment.clear();
                    return;
                }
                for word in split_words(&e.value) {
                    match word.split_once('=') {
                        Some((k, v)) if !k.is_empty() => self.environment.push((
                            k.to_string(),
                            v.to_string(),
                            e.file.clone(),
                            e.line,
                        )),
                        _ => self.warn(
                            e,
                            "invalid Environment= assignment (no NAME=), ignored".to_string(),
                        ),
                    }
                }
            }
            "EnvironmentFile" => {
                if e.value.is_empty() {
                    self.environment_files.clear();
                    return;
                }
                let (optional, path) = match e.value.strip_prefix('-') {
                    Some(p) => (true, p.trim()),
                    None => (false, e.value.as_str()),
                };
                self.environment_files
                    .push((path.to_string(), optional, e.file.clone(), e.line));
            }
            "Capabilities" => self.warn(
                e,
                "Capabilities= is not a systemd directive (removed in systemd 180); ignored"
                    .to_string(),
            ),
            "PermissionsStartOnly" => self.warn(
                e,
                "PermissionsStartOnly= is deprecated; use the '+' ExecStartPre= prefix".to_string(),
            ),
            _ => {}
        }
    }
}

/// A credential in an environment assignment: by its name, or inside its value.
pub(crate) fn env_secret_kind(key: &str, value: &str) -> Option<SecretKind> {
    if value.is_empty() {
        return None;
    }
    match key {
        "VAULT_TOKEN" => Some(SecretKind::VaultTokenAssignment),
        "BAO_TOKEN" => Some(SecretKind::BaoTokenAssignment),
        k if secrets::is_secret_name(k) => Some(SecretKind::SecretVariable),
        _ => secrets::value_secret(value),
    }
}

/// Parses and merges unit texts given in systemd's reading order (fragment first, then
/// drop-ins). Environment files are not read here; see [`collect_unit`] for that.
pub fn evaluate_unit_texts(name: &str, files: &[(String, String)]) -> UnitFacts {
    evaluate(name, files, &|_p: &str| {
        Err(HostError::NotFound {
            path: _p.to_string(),
        })
    })
}

type EnvFileReader<'a> = dyn Fn(&str) -> Result<String, HostError> + 'a;

fn evaluate(name: &str, files: &[(String, String)], read_env: &EnvFileReader<'_>) -> UnitFacts {
    let mut acc = Acc::default();
    for (path, text) in files {
        if text.contains("{{") || text.contains("{%") {
            acc.templated = true;
        }
        each_line(text, path, |line| match line {
            UnitLine::Entry(e) => acc.feed(&e),
            UnitLine::Warning(w) => acc.push_warning(w),
        });
    }
    let mut secrets: Vec<SecretHit> = Vec::new();

    // Environment= values: credentials are withheld, the rest kept for expansion.
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    // One entry per variable, the last assignment's, as systemd keeps it (a credential in
    // an overridden assignment is still reported: it is still in the file).
    let mut environment: Vec<EnvVar> = Vec::new();
    let mut slot_of: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (key, value, file, line) in &acc.environment {
        vars.insert(key.clone(), value.clone());
        let kind = env_secret_kind(key, value);
        if let Some(kind) = kind {
            secrets.push(SecretHit::variable(file, *line, kind, key));
        }
        let var = EnvVar {
            key: key.clone(),
            value: if kind.is_some() {
                None
            } else {
                Some(value.clone())
            },
            redacted: kind.is_some(),
            file: file.clone(),
            line: *line,
        };
        match slot_of
            .get(key.as_str())
            .and_then(|&i| environment.get_mut(i))
        {
            Some(slot) => *slot = var,
            None => {
                slot_of.insert(key, environment.len());
                environment.push(var);
            }
        }
    }

    // EnvironmentFile= entries override Environment= (systemd.exec(5)).
    let mut environment_files = Vec::new();
    for (path, optional, file, line) in &acc.environment_files {
        let keys = match read_env(path) {
            Ok(text) => {
                let mut keys = Vec::new();
                for (k, v, l) in parse_env_file(&text) {
                    if let Some(kind) = env_secret_kind(&k, &v) {
                        secrets.push(SecretHit::variable(path, l, kind, &k));
                    }
                    vars.insert(k.clone(), v);
                    keys.push(k);
                }
                Probe::ok(keys)
            }
            Err(e) => Probe::from_error(&e),
        };
        environment_files.push(EnvFile {
            path: path.clone(),
            optional: *optional,
            file: file.clone(),
            line: *line,
            keys,
        });
    }

    let exec_start_count = acc.exec_start.len();
    let mut execs: Vec<ExecStart> = Vec::with_capacity(exec_start_count);
    for x in std::mem::take(&mut acc.exec_start).iter() {
        let (exec, truncated) = exec_fact(x, &vars, &mut secrets);
        if truncated {
            acc.push_warning(UnitWarning {
                file: x.file.clone(),
                line: x.line,
                message: format!(
                    "ExecStart= expands to more than {} MiB, more than the kernel runs; \
                     read up to there",
                    MAX_EXPANDED_BYTES >> 20
                ),
            });
        }
        execs.push(exec);
    }
    let exec_start = execs
        .iter()
        .find(|x| x.is_server)
        .or_else(|| execs.first())
        .cloned();

    let cap_setting = |c: &Option<CapAcc>| {
        c.as_ref().map(|c| CapSetting {
            set: CapSet::from_mask(c.mask),
            assignments: c.assignments.clone(),
        })
    };
    if acc.templated {
        acc.warnings.push(UnitWarning {
            file: files.first().map(|f| f.0.clone()).unwrap_or_default(),
            line: 0,
            message: "unit contains template markup ({{ }} / {% %}); values are not literal"
                .to_string(),
        });
    }

    if acc.more_warnings > 0 {
        acc.warnings.push(UnitWarning {
            file: files.first().map(|f| f.0.clone()).unwrap_or_default(),
            line: 0,
            message: format!(
                "{} more warnings not listed (only the first {MAX_WARNINGS} are)",
                acc.more_warnings
            ),
        });
    }

    UnitFacts {
        name: name.to_string(),
        fragment: files.first().map(|f| f.0.clone()).unwrap_or_default(),
        fragment_target: None,
        masked: false,
        files: files.iter().map(|f| f.0.clone()).collect(),
        shadowed_dropins: Vec::new(),
        looks_templated: acc.templated,
        warnings: acc.warnings,
        service_type: acc.service_type,
        user: acc.user,
        group: acc.group,
        dynamic_user: acc.dynamic_user,
        exec_start,
        exec_start_count,
        environment_files,
        environment,
        limit_core: acc.limit_core,
        limit_memlock: acc.limit_memlock,
        limit_nofile: acc.limit_nofile,
        memory_swap_max: acc.memory_swap_max,
        protect_system: acc.protect_system,
        protect_home: acc.protect_home,
        private_tmp: acc.private_tmp,
        private_devices: acc.private_devices,
        no_new_privileges: acc.no_new_privileges,
        capability_bounding_set: cap_setting(&acc.cap_bnd),
        ambient_capabilities: cap_setting(&acc.cap_amb),
        secrets,
    }
}

/// `$NAME` as a whole word expands to the value split at whitespace; `${NAME}` expands in
/// place; `$$` is a literal `$` (systemd.service(5), "Command lines"). Stops at
/// [`MAX_EXPANDED_BYTES`]; the flag says it did.
fn expand(
    words: &[String],
    vars: &BTreeMap<String, String>,
    unresolved: &mut Vec<String>,
) -> (Vec<String>, bool) {
    let mut noted = std::collections::HashSet::new();
    let mut note = |name: &str| {
        if !vars.contains_key(name) && noted.insert(name.to_string()) {
            unresolved.push(name.to_string());
        }
    };
    let mut out: Vec<String> = Vec::new();
    // What `out` costs so far (see `argv_cost`).
    let mut size = 0usize;
    for w in words {
        if let Some(name) = w.strip_prefix('$') {
            if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                note(name);
                if let Some(v) = vars.get(name) {
                    for word in v.split_whitespace() {
                        size += argv_cost(word);
                        if size > MAX_EXPANDED_BYTES {
                            return (out, true);
                        }
                        out.push(word.to_string());
                    }
                }
                continue;
            }
        }
        let mut s = String::new();
        let mut rest = w.as_str();
        while let Some(pos) = rest.find('$') {
            s.push_str(rest.get(..pos).unwrap_or_default());
            let after = rest.get(pos + 1..).unwrap_or_default();
            if let Some(a) = after.strip_prefix('$') {
                s.push('$');
                rest = a;
            } else if let Some((name, tail)) =
                after.strip_prefix('{').and_then(|a| a.split_once('}'))
            {
                note(name);
                if let Some(v) = vars.get(name) {
                    if size + s.len() + v.len() > MAX_EXPANDED_BYTES {
                        return (out, true);
                    }
                    s.push_str(v);
                }
                rest = tail;
            } else {
                s.push('$');
                rest = after;
            }
        }
        s.push_str(rest);
        size += argv_cost(&s);
        if size > MAX_EXPANDED_BYTES {
            return (out, true);
        }
        out.push(s);
    }
    (out, false)
}

/// Finds the server invocation in a command: the Vault/OpenBao word, directly or behind a
/// wrapper, and for `sh -c '…'` inside the script string.
fn server_words(words: &[String]) -> Option<Vec<String>> {
    if let Some(i) = words.iter().position(|w| secrets::is_vault_binary(w)) {
        return words.get(i..).map(<[String]>::to_vec);
    }
    let first = words.first().map(|w| basename(w))?;
    if matches!(first, "sh" | "bash" | "dash" | "ash" | "zsh") {
        let c = words.iter().position(|w| w == "-c")?;
        let script = words.get(c + 1)?;
        for cmd in secrets::shell_commands(script) {
            if let Some(i) = cmd.iter().position(|w| secrets::is_vault_binary(w)) {
                return cmd.get(i..).map(<[String]>::to_vec);
            }
        }
    }
    None
}

/// `-config` paths and the subcommand of a Vault/OpenBao argv (starting at the binary).
pub(crate) struct ServerArgs {
    pub(crate) is_server: bool,
    pub(crate) dev_mode: bool,
    pub(crate) config_paths: Vec<String>,
}

/// Reads a server command line: Go flags `-config=x`, `--config=x`, `-config x`
/// (repeatable), `-dev`, and the first positional (`server`).
pub(crate) fn server_args(argv: &[String]) -> ServerArgs {
    let mut out = ServerArgs {
        is_server: false,
        dev_mode: false,
        config_paths: Vec::new(),
    };
    let mut first_positional = true;
    let mut i = 1usize;
    while let Some(w) = argv.get(i) {
        i += 1;
        let flag = w.strip_prefix("--").or_else(|| w.strip_prefix('-'));
        match flag {
            Some(f) if !f.is_empty() => {
                let (name, inline) = match f.split_once('=') {
                    Some((n, v)) => (n, Some(v.to_string())),
                    None => (f, None),
                };
                match name {
                    "config" => {
                        let v = match inline {
                            Some(v) => Some(v),
                            None => {
                                i += 1;
                                argv.get(i - 1).cloned()
                            }
                        };
                        if let Some(v) = v.filter(|v| !v.is_empty()) {
                            out.config_paths.push(v);
                        }
                    }
                    "dev" => out.dev_mode = inline.as_deref().map(|v| v != "false").unwrap_or(true),
                    _ => {}
                }
            }
            _ => {
                if first_positional {
                    out.is_server = w == "server";
                    first_positional = false;
                }
            }
        }
    }
    out
}

/// The fact for one `ExecStart=` command, and whether its expansion was cut short.
fn exec_fact(
    x: &ExecEntry,
    vars: &BTreeMap<String, String>,
    secrets: &mut Vec<SecretHit>,
) -> (ExecStart, bool) {
    let mut unresolved = Vec::new();
    let (expanded, truncated) = expand(&x.words, vars, &mut unresolved);
    let (argv, secret_kinds) = secrets::redact_words(&expanded);
    for k in &secret_kinds {
        secrets.push(SecretHit::new(&x.file, x.line, *k));
    }
    let server = server_words(&expanded);
    let (server_binary, product, args) = match &server {
        Some(sw) => {
            let bin = sw.first().cloned();
            let product = bin.as_deref().and_then(Product::from_binary);
            (bin, product, Some(server_args(sw)))
        }
        None => (None, None, None),
    };
    let config_paths = args
        .as_ref()
        .map(|a| a.config_paths.clone())
        .unwrap_or_default();
    let exec = ExecStart {
        binary: argv.first().cloned(),
        argv,
        server_binary,
        product,
        is_server: args.as_ref().is_some_and(|a| a.is_server),
        dev_mode: args.as_ref().is_some_and(|a| a.dev_mode),
        config_paths,
        unresolved_variables: unresolved,
        secret_kinds,
        file: x.file.clone(),
        line: x.line,
    };
    (exec, truncated)
}

/// Parses an environment file as systemd does (`KEY=VALUE`, `#`/`;` comments, quotes,
/// backslash continuations). Returns `(key, value, line)`.
pub(crate) fn parse_env_file(text: &str) -> Vec<(String, String, u32)> {
    let mut out = Vec::new();
    let mut pending: Option<(String, u32)> = None;
    for (idx, raw) in text.split('\n').enumerate() {
        let lineno = u32::try_from(idx + 1).unwrap_or(u32::MAX);
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let (mut line, start) = match pending.take() {
            Some((mut acc, s)) => {
                acc.push_str(raw);
                (acc, s)
            }
            None => (raw.to_string(), lineno),
        };
        if ends_with_unescaped_backslash(&line) {
            line.pop();
            pending = Some((line, start));
            continue;
        }
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') || l.starts_with(';') {
            continue;
        }
        let l = l.strip_prefix("export ").unwrap_or(l).trim_start();
        let Some((k, v)) = l.split_once('=') else {
            continue;
        };
        let k = k.trim();
        if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let value = split_words(v.trim()).join(" ");
        out.push((k.to_string(), value, start));
    }
    out
}

/// Finds `name` in the unit directories and evaluates it with its drop-ins.
/// `Ok(None)` when no directory holds the unit.
pub(crate) fn collect_unit(root: &Root, name: &str) -> Result<Option<UnitFacts>, HostError> {
    let mut fragment: Option<(String, Option<String>, bool)> = None;
    for dir in UNIT_DIRS {
        let host = host_join(dir, name);
        let md = match root.lstat(Path::new(&host)) {
            Ok(md) => md,
            Err(e) if e.is_not_found() => continue,
            Err(e) => return Err(e),
        };
        if md.file_type().is_symlink() {
            let target = root.read_link(Path::new(&host))?;
            if target == "/dev/null" {
                fragment = Some((host, Some(target), true));
            } else {
                let resolved = root.resolve(Path::new(&host), true)?;
                fragment = Some((host, Some(super::common::display(&resolved)), false));
            }
        } else {
            fragment = Some((host, None, false));
        }
        break;
    }
    let Some((frag_path, frag_target, masked)) = fragment else {
        return Ok(None);
    };
    if masked {
        let mut facts = evaluate_unit_texts(name, &[]);
        facts.fragment = frag_path.clone();
        facts.fragment_target = frag_target;
        facts.masked = true;
        facts.files = vec![frag_path];
        return Ok(Some(facts));
    }
    let read_from = frag_target.clone().unwrap_or_else(|| frag_path.clone());
    let frag_text = read_unit(root, &read_from)?;

    // Drop-ins: `<unit>.d/` then the type-wide `service.d/` of each directory, in
    // precedence order; the first file of a given name wins, then all sorted by name.
    let type_dir = name
        .rsplit_once('.')
        .map(|(_, t)| format!("{t}.d"))
        .unwrap_or_else(|| "service.d".to_string());
    let mut chosen: BTreeMap<String, (String, std::path::PathBuf)> = BTreeMap::new();
    let mut shadowed = Vec::new();
    for dir in UNIT_DIRS {
        for sub in [format!("{name}.d"), type_dir.clone()] {
            let d = host_join(dir, &sub);
            let names = match root.read_dir_names(Path::new(&d)) {
                Ok(n) => n,
                Err(e) if e.is_not_found() => continue,
                Err(e) => return Err(e),
            };
            for n in names.into_iter().filter(|n| n.ends_with(".conf")) {
                let p = host_join(&d, &n);
                let resolved = root
                    .resolve(Path::new(&p), true)
                    .unwrap_or_else(|_| p.clone().into());
                match chosen.get(&n) {
                    Some((winner, wres)) => {
                        // /lib → /usr/lib on merged-/usr systems: the same file, not a mask.
                        if *wres != resolved {
                            shadowed.push(ShadowedDropin {
                                path: p,
                                shadowed_by: winner.clone(),
                            });
                        }
                    }
                    None => {
                        chosen.insert(n, (p, resolved));
                    }
                }
            }
        }
    }
    let mut files = vec![(frag_path.clone(), frag_text)];
    for (_, (p, _)) in chosen {
        // A drop-in linked to /dev/null masks lower ones and contributes nothing.
        if root
            .read_link(Path::new(&p))
            .is_ok_and(|t| t == "/dev/null")
        {
            continue;
        }
        let text = read_unit(root, &p)?;
        files.push((p, text));
    }
    let reader = |p: &str| read_unit(root, p);
    let mut facts = evaluate(name, &files, &reader);
    facts.fragment_target = frag_target;
    facts.shadowed_dropins = shadowed;
    Ok(Some(facts))
}

/// Which units are enabled (`*.wants/` and `*.requires/` symlinks) or masked, for the
/// collectors that only need to know whether a service is switched on.
#[derive(Debug, Clone, Default)]
pub(crate) struct UnitIndex {
    enabled: BTreeMap<String, String>,
}

impl UnitIndex {
    pub(crate) fn build(root: &Root) -> Self {
        let mut enabled = BTreeMap::new();
        // On merged-/usr systems /lib is /usr/lib: list that directory once.
        let lib_is_usr_lib = root
            .resolve(Path::new("/lib/systemd/system"), true)
            .is_ok_and(|p| p == Path::new("/usr/lib/systemd/system"));
        for dir in [
            "/etc/systemd/system",
            "/usr/lib/systemd/system",
            "/lib/systemd/system",
        ] {
            if dir == "/lib/systemd/system" && lib_is_usr_lib {
                continue;
            }
            let Ok(names) = root.read_dir_names(Path::new(dir)) else {
                continue;
            };
            for wants in names
                .iter()
                .filter(|n| n.ends_with(".wants") || n.ends_with(".requires"))
            {
                let wd = host_join(dir, wants);
                let Ok(units) = root.read_dir_names(Path::new(&wd)) else {
                    continue;
                };
                for u in units {
                    let p = host_join(&wd, &u);
                    enabled.entry(u).or_insert(p);
                }
            }
        }
        UnitIndex { enabled }
    }

    /// The `.wants` symlink that enables `unit`, if any and the unit is not masked.
    pub(crate) fn enabled(&self, root: &Root, unit: &str) -> Option<String> {
        if self.masked(root, unit) {
            return None;
        }
        self.enabled.get(unit).cloned()
    }

    /// The unit is masked by a `/dev/null` symlink in /etc or /run.
    pub(crate) fn masked(&self, root: &Root, unit: &str) -> bool {
        ["/etc/systemd/system", "/run/systemd/system"]
            .iter()
            .any(|d| {
                root.read_link(Path::new(&host_join(d, unit)))
                    .is_ok_and(|t| t == "/dev/null")
            })
    }

    /// Enabled unit names ending with `suffix` (e.g. `.timer`).
    pub(crate) fn enabled_with_suffix<'a>(
        &'a self,
        suffix: &'a str,
    ) -> impl Iterator<Item = &'a String> + 'a {
        self.enabled.keys().filter(move |k| k.ends_with(suffix))
    }
}

/// Host path of the highest-priority fragment of `name`, if any.
pub(crate) fn find_fragment(root: &Root, name: &str) -> Option<String> {
    UNIT_DIRS
        .iter()
        .map(|d| host_join(d, name))
        .find(|p| root.lstat(Path::new(p)).is_ok())
}

/// Reads a unit file or drop-in: at most 1 MiB (real ones are a few KiB; the unit parser
/// should never see a hostile multi-megabyte file).
fn read_unit(root: &Root, host: &str) -> Result<String, HostError> {
    root.read_string_limited(Path::new(host), crate::fsutil::limit::UNIT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> UnitFacts {
        evaluate_unit_texts(
            "vault.service",
            &[("/usr/lib/systemd/system/vault.service".into(), text.into())],
        )
    }

    #[test]
    fn continuations_comments_and_sections() {
        let u = one("[Service]\n\
             # comment\n\
             ; other comment\n\
             ExecStart=/usr/bin/vault \\\n\
             # a comment inside the continuation is dropped\n\
               server \\\n\
               -config=/etc/vault.d/vault.hcl\n\
             User=vault\n\
             [Install]\n\
             User=root\n");
        let x = u.exec_start.unwrap();
        assert_eq!(
            x.argv,
            vec!["/usr/bin/vault", "server", "-config=/etc/vault.d/vault.hcl"]
        );
        assert_eq!(x.line, 4);
        assert!(x.is_server);
        assert_eq!(u.user.unwrap().value, "vault");
    }

    #[test]
    fn quoting_and_escapes() {
        assert_eq!(
            split_words(r#"a "b c" 'd e' f\ g "h\"i""#),
            vec!["a", "b c", "d e", "f g", "h\"i"]
        );
        assert_eq!(split_words(r"\x41\tB"), vec!["A\tB"]);
        assert_eq!(split_words("  "), Vec::<String>::new());
        let u = one("[Service]\nEnvironment=\"A=1 2\" B=3 'C=x y'\n");
        let kv: Vec<(String, Option<String>)> = u
            .environment
            .iter()
            .map(|e| (e.key.clone(), e.value.clone()))
            .collect();
        assert_eq!(
            kv,
            vec![
                ("A".into(), Some("1 2".into())),
                ("B".into(), Some("3".into())),
                ("C".into(), Some("x y".into()))
            ]
        );
    }

    #[test]
    fn scalar_last_wins_and_empty_resets() {
        let u = one("[Service]\nProtectSystem=true\nProtectSystem=full\nUser=vault\nUser=\nLimitCORE=0\nLimitCORE=bogus\n");
        let ps = u.protect_system.unwrap();
        assert_eq!((ps.value.as_str(), ps.line), ("full", 3));
        assert!(u.user.is_none(), "empty User= resets to root");
        // An invalid value is ignored and the previous one kept, as systemd does.
        assert_eq!(
            u.limit_core.unwrap().value,
            RLimit {
                soft: LimitValue::Value(0),
                hard: LimitValue::Value(0)
            }
        );
        assert!(u.warnings.iter().any(|w| w.message.contains("LimitCORE")));
    }

    #[test]
    fn capability_sets_merge_like_systemd() {
        let u = one(
            "[Service]\nCapabilityBoundingSet=CAP_SYSLOG\nCapabilityBoundingSet=CAP_IPC_LOCK\n\
             AmbientCapabilities=CAP_IPC_LOCK\nAmbientCapabilities=\n",
        );
        let b = u.capability_bounding_set.unwrap();
        assert_eq!(b.set.names, vec!["CAP_IPC_LOCK", "CAP_SYSLOG"]);
        assert_eq!(b.assignments.len(), 2);
        let a = u.ambient_capabilities.unwrap();
        assert!(
            a.set.names.is_empty(),
            "empty assignment resets the ambient set"
        );
        let inv = one("[Service]\nCapabilityBoundingSet=~CAP_SYS_ADMIN CAP_IPC_LOCK\n");
        let s = inv.capability_bounding_set.unwrap().set;
        assert!(!s.ipc_lock && !s.names.contains(&"CAP_SYS_ADMIN".to_string()));
        assert!(s.names.contains(&"CAP_CHOWN".to_string()));
    }

    #[test]
    fn limits_and_sizes() {
        assert_eq!(
            parse_rlimit("0", true),
            Some(RLimit {
                soft: LimitValue::Value(0),
                hard: LimitValue::Value(0)
            })
        );
        assert_eq!(
            parse_rlimit("0:infinity", true),
            Some(RLimit {
                soft: LimitValue::Value(0),
                hard: LimitValue::Unlimited
            })
        );
        assert_eq!(
            parse_rlimit("64K", true).map(|r| r.soft),
            Some(LimitValue::Value(65536))
        );
        assert_eq!(
            parse_rlimit("65536", false).map(|r| r.hard),
            Some(LimitValue::Value(65536))
        );
        assert_eq!(parse_rlimit("64K", false), None);
        assert_eq!(parse_size("1.5K"), Some(LimitValue::Value(1536)));
        assert_eq!(parse_size("99999999999999999999E"), None);
        let u = one("[Service]\nMemorySwapMax=0\n");
        assert_eq!(u.memory_swap_max.unwrap().value, Some(LimitValue::Value(0)));
        let p = one("[Service]\nMemorySwapMax=10%\n");
        assert_eq!(p.memory_swap_max.unwrap().value, None);
    }

    #[test]
    fn exec_start_expansion_and_redaction() {
        let mut vars = BTreeMap::new();
        vars.insert(
            "VAULT_ARGS".to_string(),
            "server -config=/etc/vault.d".to_string(),
        );
        vars.insert("DIR".to_string(), "/etc/v".to_string());
        let mut unresolved = Vec::new();
        let words: Vec<String> = [
            "/usr/bin/vault",
            "$VAULT_ARGS",
            "-config=${DIR}/x.hcl",
            "$$HOME",
            "$MISSING",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let (out, truncated) = expand(&words, &vars, &mut unresolved);
        assert!(!truncated);
        assert_eq!(
            out,
            vec![
                "/usr/bin/vault",
                "server",
                "-config=/etc/vault.d",
                "-config=/etc/v/x.hcl",
                "$HOME"
            ]
        );
        assert_eq!(unresolved, vec!["MISSING"]);
        let u = one("[Service]\nExecStart=/usr/local/bin/vault server -dev -dev-root-token-id=sekrit -dev-listen-address=0.0.0.0:8200\n");
        let x = u.exec_start.unwrap();
        assert!(x.dev_mode);
        assert!(!x.argv.join(" ").contains("sekrit"));
        assert_eq!(u.secrets.len(), 1);
        assert_eq!(u.secrets[0].kind, SecretKind::DevRootTokenId);
    }

    #[test]
    fn sh_c_wrapped_server() {
        let u = one("[Service]\nExecStart=/bin/sh -c 'exec /opt/bin/vault server -config=/etc/vault.d/v.hcl'\n");
        let x = u.exec_start.unwrap();
        assert_eq!(x.server_binary.as_deref(), Some("/opt/bin/vault"));
        assert_eq!(x.config_paths, vec!["/etc/vault.d/v.hcl"]);
        assert_eq!(x.binary.as_deref(), Some("/bin/sh"));
    }

    #[test]
    fn server_args_forms() {
        let argv: Vec<String> = [
            "bao",
            "server",
            "-config",
            "/a.hcl",
            "--config=/b",
            "-config=/c",
            "-dev",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let a = server_args(&argv);
        assert!(a.is_server && a.dev_mode);
        assert_eq!(a.config_paths, vec!["/a.hcl", "/b", "/c"]);
        let agent: Vec<String> = ["vault", "agent", "-config=/x"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert!(!server_args(&agent).is_server);
    }

    #[test]
    fn env_file_parsing() {
        let t = "# c\nexport VAULT_ADDR=https://x\nVAULT_ARGS=\"server -config=/etc/vault.d\"\nLONG=a\\\nb\n bad line\n";
        let got = parse_env_file(t);
        assert_eq!(got[0], ("VAULT_ADDR".into(), "https://x".into(), 2));
        assert_eq!(got[1].1, "server -config=/etc/vault.d");
        assert_eq!(got[2], ("LONG".into(), "ab".into(), 4));
        assert_eq!(got.len(), 3);
    }

    #[test]
    fn garbage_never_panics() {
        for t in [
            "[",
            "]",
            "=",
            "[Service",
            "[Service]\n=\\",
            "[Service]\nExecStart=\\",
            "\\\\\\",
            "[Service]\nExecStart=\"",
            "[Service]\nEnvironment==",
            "\u{feff}[Service]\nUser=v",
        ] {
            let _ = one(t);
        }
        assert_eq!(one("\u{feff}[Service]\nUser=v").user.unwrap().value, "v");
    }

    #[test]
    fn warnings_are_capped_and_counted() {
        // issue 9: a million junk lines made a million warnings (3.2 MB took 662 MB).
        let text = format!("[Service]\nUser=vault\n{}", "junk\n".repeat(100_000));
        let u = one(&text);
        assert_eq!(u.warnings.len(), MAX_WARNINGS + 1);
        assert_eq!(u.warnings[0].line, 3);
        let last = u.warnings.last().expect("the count");
        assert_eq!(
            last.message,
            format!("99900 more warnings not listed (only the first {MAX_WARNINGS} are)")
        );
        assert_eq!(u.user.expect("user").value, "vault");
    }

    #[test]
    fn exec_start_expansion_stops_at_what_the_kernel_would_run() {
        // `$A` repeated against a large variable multiplied the input (10 GB from 3.2 MB).
        let text = format!(
            "[Service]\nEnvironment=A={}\nExecStart=/usr/bin/vault server {}\n",
            "a".repeat(64 << 10),
            "$A ".repeat(64)
        );
        let u = one(&text);
        let exec = u.exec_start.expect("exec");
        let cost: usize = exec.argv.iter().map(|w| argv_cost(w)).sum();
        assert!(cost <= MAX_EXPANDED_BYTES, "{cost}");
        assert!(exec.argv.len() > 20, "expanded up to the limit");
        assert_eq!(exec.server_binary.as_deref(), Some("/usr/bin/vault"));
        assert!(
            u.warnings
                .iter()
                .any(|w| w.line == 3 && w.message.contains("expands to more than 2 MiB")),
            "{:?}",
            u.warnings
        );
    }

    #[test]
    fn environment_keeps_the_last_assignment_of_each_variable() {
        let text = format!(
            "[Service]\nEnvironment=B=1\n{}Environment=A=last\n",
            "Environment=A=b\n".repeat(10_000)
        );
        let u = one(&text);
        assert_eq!(u.environment.len(), 2);
        assert_eq!(u.environment[0].key, "B");
        assert_eq!(u.environment[1].value.as_deref(), Some("last"));
        assert_eq!(u.environment[1].line, 10_003);
    }

    #[test]
    fn unresolved_variables_are_listed_once_each() {
        let words: Vec<String> = (0..2_000).map(|i| format!("${{V{i}}} $V{i}")).collect();
        let text = format!(
            "[Service]\nExecStart=/usr/bin/vault server {}\n",
            words.join(" ")
        );
        let exec = one(&text).exec_start.expect("exec");
        assert_eq!(exec.unresolved_variables.len(), 2_000);
        assert_eq!(exec.unresolved_variables[1999], "V1999");
    }
}
