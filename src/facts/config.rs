//! The config source: Vault/OpenBao server configuration, decoded as Vault decodes it.
//!
//! Files are parsed by [`hcl1`] (HCL version 1 or JSON, as Vault reads them), then decoded with
//! Vault's semantics (weak booleans, Go durations, repeated blocks kept, last duplicate wins)
//! and merged in the order Vault merges them. Every fact keeps its file, line and column.
//! Secret values are replaced by `<redacted>` before they reach the fact document, so that no
//! report, `vaultsec facts` output or error can show them.

use super::hcl1::{self, Body, Item, Node, Pos, Value};
use serde_json::{json, Map, Value as Json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Marker that replaces every secret value in the facts.
pub const REDACTED: &str = "<redacted>";

/// A config that cannot be read or that Vault would refuse: an input error (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{file}: {message}")]
    Io { file: String, message: String },
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        file: String,
        line: u32,
        column: u32,
        message: String,
    },
    #[error("{file}:{line}:{column}: {message}")]
    Invalid {
        file: String,
        line: u32,
        column: u32,
        message: String,
    },
    #[error("{0}")]
    NoConfig(String),
}

/// A config path to read, and how to show it in reports.
#[derive(Debug, Clone)]
pub struct ConfigPath {
    pub read: PathBuf,
    pub display: String,
    /// `Some(root)`: `read` is a host path under this `--root`, resolved inside it (symlinks
    /// and `..` never leave it). `None`: the user's own path (`-c`).
    pub root: Option<PathBuf>,
}

impl ConfigPath {
    /// The path handed to the OS.
    fn real(&self) -> std::io::Result<PathBuf> {
        match &self.root {
            Some(root) => crate::fsutil::real_in_root(root, &self.read, true),
            None => Ok(self.read.clone()),
        }
    }

    /// Reads the file: a regular file of at most [`crate::fsutil::limit::CONFIG`] bytes.
    fn read_bytes(&self) -> std::io::Result<Vec<u8>> {
        let limit = crate::fsutil::limit::CONFIG;
        match &self.root {
            Some(root) => crate::fsutil::read_in_root(root, &self.read, limit),
            None => crate::fsutil::read_regular(&self.read, limit),
        }
    }
}

/// The decoded, merged configuration as a fact document, plus the secret values that were
/// redacted from it (kept only to scrub rendered output as a second line of defence).
#[derive(Debug, Clone)]
pub struct ConfigFacts {
    pub doc: Json,
    pub secret_values: Vec<String>,
}

/// How a top-level stanza is parsed and merged (`command/server/config.go` `Merge`).
#[derive(Clone, Copy, PartialEq)]
enum MergeMode {
    /// Lists are appended across files: listener, seal, audit, ...
    Append,
    /// A later file's block replaces an earlier one: storage, telemetry, ...
    Replace,
}

/// Top-level stanzas: name, number of labels, merge mode.
const STANZAS: &[(&str, usize, MergeMode)] = &[
    ("listener", 1, MergeMode::Append),
    ("seal", 1, MergeMode::Append),
    ("kms", 1, MergeMode::Append),
    ("hsm", 1, MergeMode::Append),
    ("entropy", 1, MergeMode::Append),
    ("audit", 2, MergeMode::Append),
    ("user_lockout", 1, MergeMode::Append),
    ("plugin", 2, MergeMode::Append),
    ("initialize", 1, MergeMode::Append),
    ("storage", 1, MergeMode::Replace),
    ("backend", 1, MergeMode::Replace),
    ("ha_storage", 1, MergeMode::Replace),
    ("ha_backend", 1, MergeMode::Replace),
    ("service_registration", 1, MergeMode::Replace),
    ("telemetry", 0, MergeMode::Replace),
    ("sentinel", 0, MergeMode::Replace),
    ("reporting", 0, MergeMode::Replace),
    ("replication", 0, MergeMode::Replace),
];

/// Top-level keys Vault decodes as booleans with `parseutil.ParseBool` (weak decoding).
const TOP_BOOLS: &[&str] = &[
    "ui",
    "disable_mlock",
    "disable_cache",
    "raw_storage_endpoint",
    "introspection_endpoint",
    "disable_clustering",
    "disable_performance_standby",
    "disable_sealwrap",
    "disable_printable_check",
    "disable_sentinel_trace",
    "enable_response_header_hostname",
    "enable_response_header_raft_node_id",
    "unsafe_allow_api_audit_creation",
    "allow_audit_log_prefixing",
    "unsafe_cross_namespace_identity",
    "unsafe_relative_paths",
    "allow_unauthenticated_workflows",
    "disable_standby_reads",
    "plugin_auto_download",
    "plugin_auto_register",
    "imprecise_lease_role_tracking",
];

/// Top-level keys only OpenBao reads (Vault ignores them with a warning): a config that sets
/// one is for OpenBao.
pub const OPENBAO_ONLY_KEYS: &[&str] = &[
    "plugin_download_behavior",
    "plugin_download_max_size",
    "plugin_auto_download",
    "plugin_auto_register",
    "unsafe_cross_namespace_identity",
    "unsafe_relative_paths",
    "allow_unauthenticated_workflows",
    "disable_standby_reads",
];

/// Stanzas only OpenBao reads: declarative audit devices and self-initialization.
pub const OPENBAO_ONLY_STANZAS: &[&str] = &["audit", "initialize"];

/// Top-level keys only Vault reads (OpenBao ignores them with a warning): a config that sets
/// one is for Vault. (`disable_mlock` is not one: OpenBao configs carry it too.)
pub const VAULT_ONLY_KEYS: &[&str] = &[
    "license_path",
    "administrative_namespace_path",
    "enable_post_unseal_trace",
    "post_unseal_trace_directory",
    "enable_multiseal",
    "experiments",
    "plugin_tmpdir",
    "remove_irrevocable_lease_after",
    "disable_cached_hostnames",
    "disable_idle_connections",
];

/// Directories of OpenBao's packages: a path under one of them shows an OpenBao config.
const OPENBAO_DIRS: &[&str] = &[
    "/etc/openbao",
    "/opt/openbao",
    "/var/lib/openbao",
    "/var/log/openbao",
];

/// Top-level keys OpenBao declares as plain Go `bool`s, which HCL1 decodes strictly: only an
/// unquoted `true`/`false`; `1` or `"true"` and OpenBao refuses to start ("unknown type").
/// Vault reads the first two weakly and ignores the others (it does not know them).
pub const OPENBAO_STRICT_BOOLS: &[&str] = &[
    "unsafe_allow_api_audit_creation",
    "allow_audit_log_prefixing",
    "unsafe_cross_namespace_identity",
    "unsafe_relative_paths",
    "allow_unauthenticated_workflows",
    "disable_standby_reads",
];

/// Top-level durations (`parseutil.ParseDurationSecond`) and how they merge (max).
const TOP_DURATIONS: &[&str] = &[
    "default_lease_ttl",
    "max_lease_ttl",
    "default_max_request_duration",
];

/// Vault's default lease TTL (768h) when `default_lease_ttl` is unset or zero.
const DEFAULT_LEASE_TTL_SECS: i64 = 768 * 3600;

/// Listener keys decoded as booleans.
const LISTENER_BOOLS: &[&str] = &[
    "tls_disable",
    "tls_require_and_verify_client_cert",
    "tls_disable_client_certs",
    "disable_unauthed_rekey_endpoints",
    "disable_unauthed_generate_root_endpoints",
    "x_forwarded_for_reject_not_authorized",
    "x_forwarded_for_reject_not_present",
    "tls_auto_reload",
    "cors_enabled",
];

/// The most keys (attributes and blocks) a whole config may hold. Real server configs hold
/// tens to hundreds; every rule's work and memory grow with the keys (about 20 KiB each in
/// evaluation today), so this bound keeps a hostile config of `a = 1` lines inside a few
/// seconds and 64 MiB instead of minutes and gigabytes.
pub const MAX_KEYS: usize = 2_000;

/// The position of the item that takes `body` (at every level) past `budget` items, if any.
/// Counted before decoding, so a hostile file costs no decoding either.
fn item_beyond(body: &Body, budget: &mut usize) -> Option<Pos> {
    fn in_node(node: &hcl1::Node, budget: &mut usize) -> Option<Pos> {
        match &node.value {
            hcl1::Value::Object(body) => item_beyond(body, budget),
            hcl1::Value::List(nodes) => nodes.iter().find_map(|n| in_node(n, budget)),
            _ => None,
        }
    }
    for item in &body.items {
        if *budget == 0 {
            return Some(item.pos);
        }
        *budget -= 1;
        if let Some(pos) = in_node(&item.value, budget) {
            return Some(pos);
        }
    }
    None
}

fn too_many_keys(file: &str, beyond: Pos) -> ConfigError {
    ConfigError::Invalid {
        file: file.to_string(),
        line: beyond.line,
        column: beyond.column,
        message: format!(
            "more than {MAX_KEYS} keys in the configuration: far larger than any real server \
             config, so it is not judged"
        ),
    }
}

/// Loads and merges the given config files and directories as Vault does.
pub fn load(paths: &[ConfigPath]) -> Result<ConfigFacts, ConfigError> {
    let files = expand_paths(paths)?;
    if files.is_empty() {
        let shown: Vec<&str> = paths.iter().map(|p| p.display.as_str()).collect();
        return Err(ConfigError::NoConfig(format!(
            "no *.hcl or *.json config file found in {}",
            shown.join(", ")
        )));
    }
    let mut decoded = Vec::with_capacity(files.len());
    let mut keys = 0;
    for file in &files {
        let bytes = file.read_bytes().map_err(|err| ConfigError::Io {
            file: file.display.clone(),
            message: format!("cannot read config file: {}", io_reason(&err)),
        })?;
        let config = decode_source(&file.display, &bytes, MAX_KEYS - keys)?;
        keys += config.keys.len();
        decoded.push(config);
    }
    if decoded.iter().all(|f| f.is_empty()) {
        let shown: Vec<&str> = files.iter().map(|p| p.display.as_str()).collect();
        return Err(ConfigError::NoConfig(format!(
            "the configuration is empty: {} holds no settings",
            shown.join(", ")
        )));
    }
    Ok(merge(decoded))
}

/// A short, stable reason for an I/O error (without the OS error number noise).
pub fn io_reason(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => {
            let text = err.to_string();
            match text.find(" (os error") {
                Some(idx) => text[..idx].to_string(),
                None => text,
            }
        }
    }
}

/// Expands directories into their config files in Vault's order: `-config` order, and within a
/// directory the order the OS lists it (Vault does not sort; neither do we).
fn expand_paths(paths: &[ConfigPath]) -> Result<Vec<ConfigPath>, ConfigError> {
    let mut out: Vec<ConfigPath> = Vec::new();
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut push = |path: ConfigPath, out: &mut Vec<ConfigPath>| {
        let key = match &path.root {
            Some(root) => crate::fsutil::resolve_in_root(root, &path.read, true),
            None => std::fs::canonicalize(&path.read),
        }
        .unwrap_or_else(|_| path.read.clone());
        if !seen.contains(&key) {
            seen.push(key);
            out.push(path);
        }
    };
    for path in paths {
        let meta = path
            .real()
            .and_then(std::fs::metadata)
            .map_err(|err| ConfigError::Io {
                file: path.display.clone(),
                message: format!("cannot read config: {}", io_reason(&err)),
            })?;
        if !meta.is_dir() {
            push(path.clone(), &mut out);
            continue;
        }
        let entries = path
            .real()
            .and_then(std::fs::read_dir)
            .map_err(|err| ConfigError::Io {
                file: path.display.clone(),
                message: format!("cannot list config directory: {}", io_reason(&err)),
            })?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !is_config_file_name(&name) {
                continue;
            }
            let entry_path = match &path.root {
                Some(_) => path.read.join(&name),
                None => entry.path(),
            };
            let candidate = ConfigPath {
                read: entry_path,
                display: String::new(),
                root: path.root.clone(),
            };
            if candidate.real().is_ok_and(|p| p.is_dir()) {
                continue;
            }
            let display = Path::new(&path.display)
                .join(&name)
                .to_string_lossy()
                .into_owned();
            push(
                ConfigPath {
                    display,
                    ..candidate
                },
                &mut out,
            );
        }
    }
    Ok(out)
}

/// Vault's `LoadConfigDir` filter: `.hcl`/`.json`, skipping editor temporary files.
fn is_config_file_name(name: &str) -> bool {
    let temp = name.ends_with('~')
        || name.starts_with(".#")
        || (name.starts_with('#') && name.ends_with('#'));
    !temp && (name.ends_with(".hcl") || name.ends_with(".json"))
}

/// One file, decoded but not yet merged.
#[derive(Debug, Default)]
struct FileConfig {
    file: String,
    /// Top-level attributes: key -> (raw value, location, decoded value).
    top: Vec<(String, Json, Json, Json)>,
    stanzas: Vec<(String, Json)>,
    keys: Vec<Json>,
    duplicates: Vec<Json>,
    secrets: Vec<Json>,
    secret_values: Vec<String>,
    /// What in this file tells the product (`{product, evidence, file, line, column}`).
    product_hints: Vec<Json>,
    /// Settings one product refuses at start-up (`{product, key, qualified, value, reason, ...}`).
    product_incompatible: Vec<Json>,
}

impl FileConfig {
    fn is_empty(&self) -> bool {
        self.top.is_empty() && self.stanzas.is_empty()
    }
}

/// Decodes one file's bytes (HCL1 or JSON).
fn decode_source(file: &str, bytes: &[u8], max_keys: usize) -> Result<FileConfig, ConfigError> {
    // Vault's HCL1 scanner refuses a byte-order mark ("illegal char" at 1:1); so do we.
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Err(ConfigError::Syntax {
            file: file.to_string(),
            line: 1,
            column: 1,
            message: "the file starts with a UTF-8 byte-order mark, which Vault and OpenBao refuse (illegal char); save it without a BOM".into(),
        });
    }
    let body = hcl1::parse_bytes(bytes).map_err(|err| ConfigError::Syntax {
        file: file.to_string(),
        line: err.line,
        column: err.column,
        message: err.message,
    })?;
    if let Some(beyond) = item_beyond(&body, &mut { max_keys }) {
        return Err(too_many_keys(file, beyond));
    }
    let mut decoder = Decoder::new(file);
    // HCL1 flattens nested JSON objects into labels; HCL proper does not (see `json_flatten`).
    decoder.json = std::str::from_utf8(bytes)
        .is_ok_and(|text| hcl1::detect_syntax(text) == hcl1::Syntax::Json);
    decoder.decode_file(&body)
}

/// Decodes a config given as text (tests and fuzzing use this; no file system).
pub fn load_str(file: &str, src: &str) -> Result<ConfigFacts, ConfigError> {
    let decoded = decode_source(file, src.as_bytes(), MAX_KEYS)?;
    Ok(merge(vec![decoded]))
}

/// The result of walking one block body.
#[derive(Debug, Default)]
struct Walked {
    raw: Map<String, Json>,
    at: Map<String, Json>,
    /// Nested blocks / object values, in order: (key, labels, walked body, position).
    children: Vec<(String, Vec<String>, Walked, Pos)>,
}

impl Walked {
    fn last_child(&self, key: &str) -> Option<&Walked> {
        self.children
            .iter()
            .rev()
            .find(|(k, _, _, _)| k == key)
            .map(|(_, _, w, _)| w)
    }
}

/// A top-level stanza found in a file, with its labels resolved.
struct Stanza<'a> {
    kind: String,
    labels: Vec<String>,
    body: &'a Body,
    pos: Pos,
}

struct Decoder<'f> {
    file: &'f str,
    /// The file is HCL1's JSON dialect.
    json: bool,
    out: FileConfig,
}

impl<'f> Decoder<'f> {
    fn new(file: &'f str) -> Self {
        Decoder {
            file,
            json: false,
            out: FileConfig {
                file: file.to_string(),
                ..FileConfig::default()
            },
        }
    }

    fn loc(&self, pos: Pos) -> Json {
        json!({"file": self.file, "line": pos.line, "column": pos.column})
    }

    fn invalid(&self, pos: Pos, message: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            file: self.file.to_string(),
            line: pos.line,
            column: pos.column,
            message: message.into(),
        }
    }

    fn decode_file(mut self, body: &Body) -> Result<FileConfig, ConfigError> {
        let mut stanzas: Vec<Stanza<'_>> = Vec::new();
        let mut counts: HashMap<String, u32> = HashMap::new();
        for item in &body.items {
            let Some(first) = item.keys.first() else {
                continue;
            };
            let Some(&(name, nlabels, _)) = STANZAS.iter().find(|(n, _, _)| *n == first.name)
            else {
                continue;
            };
            let labels: Vec<String> = item.keys[1..].iter().map(|k| k.name.clone()).collect();
            let before = stanzas.len();
            if name == "audit" {
                self.collect_audits(labels, &item.value, first.pos, &mut stanzas)?;
            } else {
                self.collect_stanzas(name, nlabels, labels, &item.value, first.pos, &mut stanzas)?;
            }
            *counts.entry(name.to_string()).or_default() += (stanzas.len() - before) as u32;
        }
        for single in [
            "storage",
            "backend",
            "ha_storage",
            "ha_backend",
            "telemetry",
        ] {
            if counts.get(single).copied().unwrap_or(0) > 1 {
                let pos = stanzas
                    .iter()
                    .filter(|s| s.kind == single)
                    .nth(1)
                    .map(|s| s.pos)
                    .unwrap_or(body.pos);
                return Err(self.invalid(pos, format!("only one {single:?} block is permitted")));
            }
        }

        // Top-level attributes: everything that is not a stanza.
        let stanza_names: Vec<&str> = STANZAS.iter().map(|(n, _, _)| *n).collect();
        let top = self.walk_body(body, "", "", "top level", &|key| {
            stanza_names.contains(&key)
        })?;
        for item in &body.items {
            if let Some(first) = item.keys.first() {
                if stanza_names.contains(&first.name.as_str()) {
                    self.push_key(
                        "",
                        "",
                        "top level",
                        &first.name,
                        Json::Null,
                        first.pos,
                        true,
                    );
                }
            }
        }
        for (key, raw) in &top.raw {
            let at = top.at.get(key).cloned().unwrap_or(Json::Null);
            let pos = pos_of(&at);
            let decoded = self.decode_top(key, raw, pos)?;
            self.out.top.push((key.clone(), raw.clone(), at, decoded));
        }

        // storage wins over the legacy backend, as in Vault's ParseConfig.
        let has_storage = stanzas.iter().any(|s| s.kind == "storage");
        let has_ha_storage = stanzas.iter().any(|s| s.kind == "ha_storage");
        for stanza in &stanzas {
            let kind = match stanza.kind.as_str() {
                "backend" if has_storage => continue,
                "ha_backend" if has_ha_storage => continue,
                "backend" => "storage",
                "ha_backend" => "ha_storage",
                other => other,
            };
            let fact = self.decode_stanza(kind, stanza)?;
            self.out.stanzas.push((kind.to_string(), fact));
        }
        self.product_facts(&stanzas);
        Ok(self.out)
    }

    /// Resolves the labels of a stanza written as an HCL block (`listener "tcp" {}`), as nested
    /// objects (JSON `{"listener": {"tcp": {}}}`) or as a list (JSON `"listener": [{"tcp": {}}]`).
    fn collect_stanzas<'b>(
        &self,
        kind: &str,
        nlabels: usize,
        labels: Vec<String>,
        node: &'b Node,
        pos: Pos,
        out: &mut Vec<Stanza<'b>>,
    ) -> Result<(), ConfigError> {
        match &node.value {
            Value::Object(body) if labels.len() >= nlabels => {
                out.push(Stanza {
                    kind: kind.to_string(),
                    labels: labels.into_iter().take(nlabels).collect(),
                    body,
                    pos,
                });
                Ok(())
            }
            Value::Object(body) => {
                if body
                    .items
                    .iter()
                    .any(|i| !matches!(i.value.value, Value::Object(_) | Value::List(_)))
                {
                    return Err(self.invalid(
                        pos,
                        format!(
                            "{kind} block needs a type label, e.g. {kind} \"<type>\" {{ ... }}"
                        ),
                    ));
                }
                for inner in &body.items {
                    let mut more = labels.clone();
                    more.extend(inner.keys.iter().map(|k| k.name.clone()));
                    self.collect_stanzas(kind, nlabels, more, &inner.value, pos, out)?;
                }
                Ok(())
            }
            Value::List(elems) => {
                for elem in elems {
                    self.collect_stanzas(kind, nlabels, labels.clone(), elem, elem.pos, out)?;
                }
                Ok(())
            }
            _ => Err(self.invalid(node.pos, format!("{kind} must be a block"))),
        }
    }

    /// What this file shows about its product, and the settings OpenBao refuses at start-up.
    /// OpenBao parses each file on its own, so a refused setting is judged per file.
    fn product_facts(&mut self, stanzas: &[Stanza<'_>]) {
        let mut hints = Vec::new();
        let mut refusals = Vec::new();
        for (key, raw, at, decoded) in &self.out.top {
            let pos = pos_of(at);
            if OPENBAO_ONLY_KEYS.contains(&key.as_str()) {
                hints.push(("openbao", format!("{key} (a key only OpenBao reads)"), pos));
            }
            if VAULT_ONLY_KEYS.contains(&key.as_str()) {
                hints.push(("vault", format!("{key} (a key only Vault reads)"), pos));
            }
            // configutil.ParseConfig: a disable_mlock that parses as false is refused; true
            // is accepted (and ignored with a warning); JSON null is as if absent.
            if key == "disable_mlock" && !raw.is_null() && decoded == &json!(false) {
                refusals.push((
                    key,
                    raw,
                    pos,
                    "OpenBao has dropped mlock and refuses disable_mlock = false; remove the line, and disable or encrypt swap instead".to_string(),
                ));
            }
            if OPENBAO_STRICT_BOOLS.contains(&key.as_str()) && !raw.is_boolean() {
                refusals.push((
                    key,
                    raw,
                    pos,
                    format!("OpenBao reads {key} as a plain bool (\"unknown type\" for anything else); write {key} = true or false, unquoted"),
                ));
            }
        }
        for stanza in stanzas {
            if OPENBAO_ONLY_STANZAS.contains(&stanza.kind.as_str()) {
                let what = format!("an {} block (only OpenBao reads it)", stanza.kind);
                hints.push(("openbao", what, stanza.pos));
            }
        }
        let in_openbao_dir = self.out.keys.iter().find(|k| {
            k["value"].as_str().is_some_and(|v| {
                OPENBAO_DIRS
                    .iter()
                    .any(|d| v == *d || v.strip_prefix(d).is_some_and(|r| r.starts_with('/')))
            })
        });
        if let Some(k) = in_openbao_dir {
            let pos = pos_of(k);
            let what = format!(
                "{} = {} (a directory of OpenBao's packages)",
                k["qualified"].as_str().unwrap_or(""),
                k["value"]
            );
            hints.push(("openbao", what, pos));
        }
        for (product, evidence, pos) in hints {
            let mut hint = self.loc(pos);
            hint["product"] = json!(product);
            hint["evidence"] = json!(evidence);
            self.out.product_hints.push(hint);
        }
        for (key, raw, pos, reason) in refusals {
            let mut fact = self.loc(pos);
            fact["product"] = json!("openbao");
            fact["key"] = json!(key);
            fact["qualified"] = json!(key);
            fact["value"] = raw.clone();
            fact["reason"] = json!(reason);
            self.out.product_incompatible.push(fact);
        }
    }

    /// OpenBao's `parseAuditDevices`: the type and path come from `type`/`path` attributes,
    /// else from exactly two labels (`audit "file" "file/" {}`); one label alone is neither.
    /// The stanza's labels become the resolved `[type, path]`.
    fn collect_audits<'b>(
        &self,
        labels: Vec<String>,
        node: &'b Node,
        pos: Pos,
        out: &mut Vec<Stanza<'b>>,
    ) -> Result<(), ConfigError> {
        let mut items = Vec::new();
        if self.json {
            json_flatten(labels, node, pos, &mut items);
        } else {
            items.push((labels, node, pos));
        }
        const FORMS: &str =
            "write audit \"<type>\" \"<path>\" { ... } or give type = \"...\" and path = \"...\"";
        for (labels, node, pos) in items {
            let Value::Object(body) = &node.value else {
                return Err(self.invalid(node.pos, format!("audit must be a block: {FORMS}")));
            };
            let typ = self.audit_string(body, "type")?;
            let path = self.audit_string(body, "path")?;
            let from_labels = |i: usize| (labels.len() == 2).then(|| labels[i].clone());
            let Some(typ) = typ.or_else(|| from_labels(0)) else {
                return Err(self.invalid(pos, format!("audit type must be specified: {FORMS}")));
            };
            let Some(path) = path.or_else(|| from_labels(1)) else {
                return Err(self.invalid(pos, format!("audit path must be specified: {FORMS}")));
            };
            // `local` is a plain bool in OpenBao's AuditDevice: HCL1 decodes it strictly.
            if let Some(local) = attribute(body, "local") {
                if !matches!(local.value.value, Value::Bool(_)) {
                    return Err(self.invalid(
                        local.value.pos,
                        "invalid value for local in audit: OpenBao accepts only true or false here (unquoted)",
                    ));
                }
            }
            out.push(Stanza {
                kind: "audit".to_string(),
                labels: vec![typ, path],
                body,
                pos,
            });
        }
        Ok(())
    }

    /// A string attribute of an audit block as HCL1 decodes it into a Go string (a number
    /// becomes its text); `None` when absent or empty.
    fn audit_string(&self, body: &Body, key: &str) -> Result<Option<String>, ConfigError> {
        let Some(item) = attribute(body, key) else {
            return Ok(None);
        };
        let text = match &item.value.value {
            Value::String(s) => s.clone(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Null => String::new(),
            _ => {
                return Err(self.invalid(
                    item.value.pos,
                    format!("invalid value for {key} in audit: expected a string"),
                ))
            }
        };
        Ok(Some(text).filter(|t| !t.is_empty()))
    }

    fn decode_stanza(&mut self, kind: &str, stanza: &Stanza<'_>) -> Result<Json, ConfigError> {
        let type_label = stanza.labels.first().cloned().unwrap_or_default();
        let path = if type_label.is_empty() {
            kind.to_string()
        } else {
            format!("{kind}.{type_label}")
        };
        let block = display_block(kind, &stanza.labels);
        let secrets_before = self.out.secrets.len();
        let walked = self.walk_body(stanza.body, kind, &path, &block, &|_| false)?;
        let loc = self.loc(stanza.pos);
        let mut fact = Map::new();
        fact.insert("file".into(), json!(self.file));
        fact.insert("block".into(), json!(block));
        fact.insert("loc".into(), loc);
        match kind {
            "listener" => self.decode_listener(&type_label, stanza.pos, &walked, &mut fact)?,
            "storage" | "ha_storage" => self.decode_storage(&type_label, &walked, &mut fact)?,
            "seal" | "kms" | "hsm" | "entropy" => {
                fact.insert("type".into(), json!(type_label));
                let disabled = match walked.raw.get("disabled") {
                    Some(v) => self.weak_bool_at(v, &walked.at, "disabled")?,
                    None => false,
                };
                fact.insert("disabled".into(), json!(disabled));
            }
            "audit" => {
                fact.insert("type".into(), json!(type_label));
                fact.insert(
                    "path".into(),
                    json!(stanza.labels.get(1).cloned().unwrap_or_default()),
                );
                let options = walked
                    .last_child("options")
                    .map(|w| Json::Object(w.raw.clone()))
                    .or_else(|| walked.raw.get("options").cloned())
                    .unwrap_or_else(|| json!({}));
                fact.insert("options".into(), options);
            }
            _ => {
                if !type_label.is_empty() {
                    fact.insert("type".into(), json!(type_label));
                }
                for (i, label) in stanza.labels.iter().enumerate().skip(1) {
                    fact.insert(format!("label{i}"), json!(label));
                }
            }
        }
        fact.insert("raw".into(), Json::Object(walked.raw.clone()));
        fact.insert("at".into(), Json::Object(walked.at.clone()));
        let secrets: Vec<Json> = self.out.secrets[secrets_before..].to_vec();
        fact.insert("secrets".into(), Json::Array(secrets));
        Ok(Json::Object(fact))
    }

    fn decode_listener(
        &mut self,
        type_label: &str,
        pos: Pos,
        w: &Walked,
        fact: &mut Map<String, Json>,
    ) -> Result<(), ConfigError> {
        let typ = type_label.to_ascii_lowercase();
        if typ != "tcp" && typ != "unix" {
            return Err(self.invalid(
                pos,
                format!(
                    "unsupported listener type {type_label:?} (Vault accepts \"tcp\" and \"unix\")"
                ),
            ));
        }
        fact.insert("type".into(), json!(typ));
        let address = w
            .raw
            .get("address")
            .and_then(Json::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| "127.0.0.1:8200".to_string());
        fact.insert("address".into(), json!(address));
        fact.insert("address_set".into(), json!(w.raw.contains_key("address")));
        for key in LISTENER_BOOLS {
            let value = match w.raw.get(*key) {
                Some(v) => json!(self.weak_bool_at(v, &w.at, key)?),
                None => Json::Null,
            };
            fact.insert((*key).to_string(), value);
        }
        // Absent means off for these, and OpenBao's endpoint switches default to true.
        for key in [
            "tls_disable",
            "tls_require_and_verify_client_cert",
            "tls_disable_client_certs",
        ] {
            if fact.get(key) == Some(&Json::Null) {
                fact.insert(key.to_string(), json!(false));
            }
        }
        for key in [
            "tls_cert_file",
            "tls_key_file",
            "tls_client_ca_file",
            "proxy_protocol_behavior",
            "cluster_address",
        ] {
            let v = w.raw.get(key).and_then(Json::as_str).map(str::to_string);
            fact.insert(key.to_string(), json!(v));
        }
        let min = w
            .raw
            .get("tls_min_version")
            .and_then(Json::as_str)
            .unwrap_or("tls12");
        fact.insert("tls_min_version".into(), json!(min));
        let max = w
            .raw
            .get("tls_max_version")
            .and_then(Json::as_str)
            .unwrap_or("tls13");
        fact.insert("tls_max_version".into(), json!(max));
        fact.insert(
            "tls_cipher_suites".into(),
            json!(string_list(w.raw.get("tls_cipher_suites"))),
        );
        fact.insert(
            "x_forwarded_for_authorized_addrs".into(),
            json!(string_list(w.raw.get("x_forwarded_for_authorized_addrs"))),
        );
        fact.insert(
            "proxy_protocol_authorized_addrs".into(),
            json!(string_list(w.raw.get("proxy_protocol_authorized_addrs"))),
        );
        // Listener sub-blocks that open unauthenticated endpoints.
        let sub_bool = |this: &Self, block: &str, key: &str| -> Result<bool, ConfigError> {
            match w
                .last_child(block)
                .and_then(|c| c.raw.get(key).map(|v| (c, v)))
            {
                Some((c, v)) => this.weak_bool_at(v, &c.at, key),
                None => Ok(false),
            }
        };
        let metrics = sub_bool(self, "telemetry", "unauthenticated_metrics_access")?;
        let pprof = sub_bool(self, "profiling", "unauthenticated_pprof_access")?;
        let inflight = sub_bool(
            self,
            "inflight_requests_logging",
            "unauthenticated_in_flight_requests_access",
        )?;
        fact.insert("unauthenticated_metrics_access".into(), json!(metrics));
        fact.insert("unauthenticated_pprof_access".into(), json!(pprof));
        fact.insert(
            "unauthenticated_in_flight_requests_access".into(),
            json!(inflight),
        );
        let mut sub_at = Map::new();
        for (block, key) in [
            ("telemetry", "unauthenticated_metrics_access"),
            ("profiling", "unauthenticated_pprof_access"),
            (
                "inflight_requests_logging",
                "unauthenticated_in_flight_requests_access",
            ),
        ] {
            if let Some(at) = w.last_child(block).and_then(|c| c.at.get(key)) {
                sub_at.insert(key.to_string(), at.clone());
            }
        }
        fact.insert("sub_at".into(), Json::Object(sub_at));
        Ok(())
    }

    fn decode_storage(
        &mut self,
        type_label: &str,
        w: &Walked,
        fact: &mut Map<String, Json>,
    ) -> Result<(), ConfigError> {
        // ParseStorage takes disable_clustering out of the backend's map with Go's
        // strconv.ParseBool on the value's text: "yes" (or 2) stops the server.
        if let Some(value) = w.raw.get("disable_clustering") {
            let text = match value {
                Json::String(s) => s.clone(),
                // Go's json.Marshal writes a whole float64 without a fraction (1.0 is "1").
                Json::Number(n) => match n.as_f64() {
                    Some(f) if !n.is_i64() && f.fract() == 0.0 && f.abs() < 1e15 => {
                        (f as i64).to_string()
                    }
                    _ => n.to_string(),
                },
                other => other.to_string(),
            };
            if !matches!(
                text.as_str(),
                "1" | "t"
                    | "T"
                    | "TRUE"
                    | "true"
                    | "True"
                    | "0"
                    | "f"
                    | "F"
                    | "FALSE"
                    | "false"
                    | "False"
            ) {
                let pos = w.at.get("disable_clustering").map(pos_of).unwrap_or(Pos {
                    line: 1,
                    column: 1,
                    offset: 0,
                });
                return Err(self.invalid(
                    pos,
                    format!(
                        "invalid value for disable_clustering in storage {type_label:?}: cannot parse {:?} as bool (use true or false)",
                        truncate(&text, 16)
                    ),
                ));
            }
        }
        fact.insert("type".into(), json!(type_label));
        for key in ["path", "node_id", "address", "scheme"] {
            let v = w.raw.get(key).and_then(Json::as_str).map(str::to_string);
            fact.insert(key.to_string(), json!(v));
        }
        let mut joins = Vec::new();
        for (key, _, child, pos) in &w.children {
            if key == "retry_join" {
                joins.push(json!({
                    "raw": Json::Object(child.raw.clone()),
                    "at": Json::Object(child.at.clone()),
                    "loc": self.loc(*pos),
                    "leader_api_addr": child.raw.get("leader_api_addr").cloned().unwrap_or(Json::Null),
                }));
            }
        }
        fact.insert("retry_join".into(), Json::Array(joins));
        Ok(())
    }

    fn decode_top(&self, key: &str, raw: &Json, pos: Pos) -> Result<Json, ConfigError> {
        if TOP_BOOLS.contains(&key) {
            return weak_bool(raw)
                .map(Json::Bool)
                .map_err(|e| self.invalid(pos, format!("invalid value for {key}: {e}")));
        }
        if TOP_DURATIONS.contains(&key) {
            return duration_seconds(raw)
                .map(Json::from)
                .map_err(|e| self.invalid(pos, format!("invalid value for {key}: {e}")));
        }
        Ok(raw.clone())
    }

    fn weak_bool_at(
        &self,
        v: &Json,
        at: &Map<String, Json>,
        key: &str,
    ) -> Result<bool, ConfigError> {
        weak_bool(v).map_err(|e| {
            let pos = at.get(key).map(pos_of).unwrap_or(Pos {
                line: 1,
                column: 1,
                offset: 0,
            });
            self.invalid(pos, format!("invalid value for {key}: {e}"))
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn push_key(
        &mut self,
        section: &str,
        path: &str,
        block: &str,
        key: &str,
        value: Json,
        pos: Pos,
        is_block: bool,
    ) {
        self.out.keys.push(json!({
            "qualified": qualified(key, block),
            "section": section,
            "path": if path.is_empty() { "top" } else { path },
            "block": block,
            "key": key,
            "value": value,
            "is_block": is_block,
            "file": self.file,
            "line": pos.line,
            "column": pos.column,
        }));
    }

    /// Walks a block body: raw values (secrets redacted), key locations, key facts, duplicate
    /// attributes, and nested blocks.
    fn walk_body(
        &mut self,
        body: &Body,
        section: &str,
        path: &str,
        block: &str,
        skip: &dyn Fn(&str) -> bool,
    ) -> Result<Walked, ConfigError> {
        let mut walked = Walked::default();
        let mut first_seen: HashMap<String, Pos> = HashMap::new();
        for item in &body.items {
            let Some(first) = item.keys.first() else {
                continue;
            };
            let key = first.name.as_str();
            if skip(key) {
                continue;
            }
            let labels: Vec<String> = item.keys[1..].iter().map(|k| k.name.clone()).collect();
            match &item.value.value {
                Value::Object(inner) => {
                    self.push_key(section, path, block, key, Json::Null, first.pos, true);
                    let child = self.walk_child(inner, section, path, block, key, &labels)?;
                    let mut raw = Json::Object(child.raw.clone());
                    for label in labels.iter().rev() {
                        raw = json!({ label.clone(): raw });
                    }
                    insert_repeated(&mut walked.raw, key, raw, !item.assign);
                    walked.at.insert(key.to_string(), self.loc(first.pos));
                    walked
                        .children
                        .push((key.to_string(), labels, child, first.pos));
                }
                Value::List(elems) if elems.iter().any(|e| matches!(e.value, Value::Object(_))) => {
                    self.push_key(section, path, block, key, Json::Null, first.pos, true);
                    let mut list = Vec::new();
                    for elem in elems {
                        match &elem.value {
                            Value::Object(inner) => {
                                let child =
                                    self.walk_child(inner, section, path, block, key, &labels)?;
                                list.push(Json::Object(child.raw.clone()));
                                walked.children.push((
                                    key.to_string(),
                                    labels.clone(),
                                    child,
                                    elem.pos,
                                ));
                            }
                            other => list
                                .push(self.scalar_json(section, path, block, key, other, elem.pos)),
                        }
                    }
                    walked.raw.insert(key.to_string(), Json::Array(list));
                    walked.at.insert(key.to_string(), self.loc(first.pos));
                }
                other => {
                    let value = self.scalar_json(section, path, block, key, other, first.pos);
                    if let Some(prev) = first_seen.get(key) {
                        self.out.duplicates.push(json!({
                            "qualified": qualified(key, block),
                            "section": section,
                            "path": if path.is_empty() { "top" } else { path },
                            "block": block,
                            "key": key,
                            "file": self.file,
                            "line": first.pos.line,
                            "column": first.pos.column,
                            "first_line": prev.line,
                            "first_column": prev.column,
                        }));
                    } else {
                        first_seen.insert(key.to_string(), first.pos);
                    }
                    self.push_key(section, path, block, key, value.clone(), first.pos, false);
                    walked.raw.insert(key.to_string(), value);
                    walked.at.insert(key.to_string(), self.loc(first.pos));
                }
            }
        }
        Ok(walked)
    }

    fn walk_child(
        &mut self,
        inner: &Body,
        section: &str,
        path: &str,
        block: &str,
        key: &str,
        labels: &[String],
    ) -> Result<Walked, ConfigError> {
        let child_path = if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        };
        let child_block = if block == "top level" {
            display_block(key, labels)
        } else {
            format!("{block} > {}", display_block(key, labels))
        };
        let child_section = if section.is_empty() { key } else { section };
        self.walk_body(inner, child_section, &child_path, &child_block, &|_| false)
    }

    /// Converts a scalar (or list of scalars) to JSON, redacting it when it is a secret.
    fn scalar_json(
        &mut self,
        section: &str,
        path: &str,
        block: &str,
        key: &str,
        value: &Value,
        pos: Pos,
    ) -> Json {
        let json = to_json(value);
        let Some(text) = json.as_str() else {
            return json;
        };
        let Some(kind) = secret_kind(key, text) else {
            return json;
        };
        let literal = classify_secret_value(text);
        self.out.secrets.push(json!({
            "qualified": qualified(key, block),
            "section": section,
            "path": path,
            "block": block,
            "key": key,
            "kind": kind,
            "value_kind": literal,
            "file": self.file,
            "line": pos.line,
            "column": pos.column,
        }));
        if literal == "literal" {
            self.out.secret_values.push(text.to_string());
            if let Some(pw) = url_password(text) {
                self.out.secret_values.push(pw);
            }
            json!(REDACTED)
        } else {
            json
        }
    }
}

/// The last attribute `key` of a body, matched case-insensitively as HCL1's decoder matches
/// struct fields.
fn attribute<'b>(body: &'b Body, key: &str) -> Option<&'b Item> {
    body.items
        .iter()
        .rev()
        .find(|item| item.keys.len() == 1 && item.keys[0].name.eq_ignore_ascii_case(key))
}

/// HCL1's JSON flattening (`json/parser/flatten.go`): an object whose members are all objects
/// becomes one item per member with the member's key as one more label, and a list of objects
/// becomes one item per element; anything else (an empty object, a scalar member) stops it.
fn json_flatten<'b>(
    labels: Vec<String>,
    node: &'b Node,
    pos: Pos,
    out: &mut Vec<(Vec<String>, &'b Node, Pos)>,
) {
    match &node.value {
        Value::Object(body)
            if !body.items.is_empty()
                && body
                    .items
                    .iter()
                    .all(|i| matches!(i.value.value, Value::Object(_))) =>
        {
            for item in &body.items {
                let mut more = labels.clone();
                more.extend(item.keys.iter().map(|k| k.name.clone()));
                json_flatten(more, &item.value, item.pos, out);
            }
        }
        Value::List(elems)
            if !elems.is_empty() && elems.iter().all(|e| matches!(e.value, Value::Object(_))) =>
        {
            for elem in elems {
                json_flatten(labels.clone(), elem, elem.pos, out);
            }
        }
        _ => out.push((labels, node, pos)),
    }
}

/// `api_addr` at the top level, `address in listener "tcp"` inside a block.
fn qualified(key: &str, block: &str) -> String {
    if block == "top level" {
        key.to_string()
    } else {
        format!("{key} in {block}")
    }
}

fn display_block(kind: &str, labels: &[String]) -> String {
    let mut s = kind.to_string();
    for label in labels {
        s.push_str(&format!(" {label:?}"));
    }
    s
}

/// Repeated blocks with the same key become a list, so that none is lost.
fn insert_repeated(map: &mut Map<String, Json>, key: &str, value: Json, is_block: bool) {
    match map.get_mut(key) {
        Some(Json::Array(list)) if is_block => list.push(value),
        Some(existing) if is_block => {
            let prev = existing.take();
            *existing = Json::Array(vec![prev, value]);
        }
        _ => {
            map.insert(key.to_string(), value);
        }
    }
}

fn pos_of(loc: &Json) -> Pos {
    Pos {
        line: loc["line"].as_u64().unwrap_or(1) as u32,
        column: loc["column"].as_u64().unwrap_or(1) as u32,
        offset: 0,
    }
}

/// Converts an HCL1 value to JSON (objects folded; later duplicate keys win).
pub fn to_json(value: &Value) -> Json {
    match value {
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(Json::Number)
            .unwrap_or(Json::Null),
        Value::String(s) => Json::String(s.clone()),
        Value::List(items) => Json::Array(items.iter().map(|n| to_json(&n.value)).collect()),
        Value::Object(body) => Json::Object(body_to_map(body)),
        Value::Null => Json::Null,
    }
}

fn body_to_map(body: &Body) -> Map<String, Json> {
    let mut map = Map::new();
    for Item { keys, value, .. } in &body.items {
        let Some(first) = keys.first() else { continue };
        let mut v = to_json(&value.value);
        for key in keys[1..].iter().rev() {
            v = json!({ key.name.clone(): v });
        }
        map.insert(first.name.clone(), v);
    }
    map
}

/// A list given either as a list or as a comma-separated string (Vault accepts both).
fn string_list(value: Option<&Json>) -> Vec<String> {
    match value {
        Some(Json::String(s)) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        Some(Json::Array(items)) => items
            .iter()
            .filter_map(|v| match v {
                Json::String(s) => Some(s.trim().to_string()),
                Json::Null => None,
                other => Some(other.to_string()),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Vault's `parseutil.ParseBool` (`mapstructure.WeakDecode` into a bool).
pub fn weak_bool(value: &Json) -> Result<bool, String> {
    match value {
        Json::Bool(b) => Ok(*b),
        Json::Null => Ok(false),
        Json::Number(n) => Ok(n.as_f64().map(|f| f != 0.0).unwrap_or(true)),
        Json::String(s) => match s.as_str() {
            "" => Ok(false),
            "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
            "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
            other => Err(format!(
                "cannot parse {:?} as bool (use true or false)",
                truncate(other, 16)
            )),
        },
        Json::Array(_) => Err("expected a bool, found a list".into()),
        Json::Object(_) => Err("expected a bool, found a block".into()),
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
}

/// Vault's `parseutil.ParseDurationSecond`: a bare number is seconds, `<n>d` is days, anything
/// else is a Go duration (`768h`, `1h30m`).
pub fn duration_seconds(value: &Json) -> Result<i64, String> {
    match value {
        Json::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .ok_or_else(|| "not a number of seconds".to_string()),
        Json::String(s) => {
            let s = s.trim();
            if s.is_empty() {
                return Ok(0);
            }
            if let Ok(secs) = s.parse::<i64>() {
                return Ok(secs);
            }
            if let Some(days) = s.strip_suffix('d') {
                if let Ok(d) = days.parse::<i64>() {
                    return d
                        .checked_mul(86_400)
                        .ok_or_else(|| "duration too large".into());
                }
            }
            go_duration_nanos(s)
                .map(|ns| (ns / 1_000_000_000) as i64)
                .ok_or_else(|| format!("time: invalid duration {:?}", truncate(s, 24)))
        }
        Json::Bool(_) | Json::Null | Json::Array(_) | Json::Object(_) => {
            Err("expected a duration such as \"768h\"".into())
        }
    }
}

/// Go's `time.ParseDuration`, in nanoseconds.
pub fn go_duration_nanos(s: &str) -> Option<i128> {
    let (neg, mut rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return None;
        }
        let number: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let scale: f64 = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        total += number * scale;
    }
    if !total.is_finite() || total > 9.3e18 {
        return None;
    }
    let ns = total as i128;
    Some(if neg { -ns } else { ns })
}

/// Names of keys whose value is a credential when given inline.
const SECRET_KEYS: &[(&str, &str)] = &[
    ("access_key", "access key"),
    ("secret_key", "secret key"),
    ("session_token", "session token"),
    ("client_secret", "client secret"),
    ("token", "token"),
    ("pin", "HSM PIN"),
    ("password", "password"),
    ("key_password", "key password"),
    ("bearer_token", "bearer token"),
    ("current_key", "static seal key"),
    ("previous_key", "static seal key"),
    ("circonus_api_token", "API token"),
    ("secret_id", "secret id"),
    ("api_key", "API key"),
    ("auth_token", "token"),
    ("private_key", "private key"),
    ("encryption_key", "encryption key"),
];

/// Is the value of `key` a secret? Returns the kind of secret.
pub fn secret_kind(key: &str, value: &str) -> Option<&'static str> {
    let key_lc = key.to_ascii_lowercase();
    if let Some((_, kind)) = SECRET_KEYS.iter().find(|(k, _)| *k == key_lc) {
        return Some(kind);
    }
    // Paths to credential files are not credentials.
    if key_lc.ends_with("_file") || key_lc.ends_with("_path") || key_lc.ends_with("_dir") {
        return None;
    }
    let trimmed = value.trim_start();
    if trimmed.starts_with("-----BEGIN") && trimmed.contains("PRIVATE KEY") {
        return Some("private key");
    }
    if key_lc == "credentials" && trimmed.starts_with('{') {
        return Some("service account key");
    }
    if url_password(value).is_some() {
        return Some("password in URL");
    }
    if key_lc == "auto_join" && inline_credential_pair(value) {
        return Some("credential in auto_join");
    }
    if key_lc.contains("password") || key_lc.contains("secret") || key_lc.ends_with("_token") {
        return Some("credential");
    }
    None
}

/// `provider=... password=bar` / `secret_access_key=...` style pairs.
fn inline_credential_pair(value: &str) -> bool {
    value.split_whitespace().any(|pair| {
        let Some((k, v)) = pair.split_once('=') else {
            return false;
        };
        let k = k.to_ascii_lowercase();
        !v.is_empty() && (k.contains("password") || k.contains("secret") || k.ends_with("token"))
    })
}

/// The password of `scheme://user:password@host` URLs (connection strings).
pub fn url_password(value: &str) -> Option<String> {
    let rest = value.split_once("://")?.1;
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let (userinfo, _) = authority.rsplit_once('@')?;
    let (_, password) = userinfo.split_once(':')?;
    if password.is_empty() || is_placeholder(password) {
        None
    } else {
        Some(password.to_string())
    }
}

/// Is a secret-looking value a real literal, an empty string, a reference (`env://`, `file://`)
/// or a placeholder that a template engine fills in (`${var}`, `{{ x }}`, `$VAR`, `<X>`)?
pub fn classify_secret_value(value: &str) -> &'static str {
    let v = value.trim();
    if v.is_empty() {
        "empty"
    } else if v.starts_with("env://") || v.starts_with("file://") {
        "reference"
    } else if is_placeholder(v) {
        "placeholder"
    } else {
        "literal"
    }
}

fn is_placeholder(v: &str) -> bool {
    let whole = |open: &str, close: &str| v.starts_with(open) && v.ends_with(close);
    whole("${", "}")
        || whole("$${", "}")
        || whole("{{", "}}")
        || whole("<", ">")
        || whole("%", "%")
        || (v.starts_with('$')
            && v[1..]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_'))
}

/// Merges decoded files in order, as Vault's `Config.Merge` does, and records conflicts.
fn merge(files: Vec<FileConfig>) -> ConfigFacts {
    let mut doc = Map::new();
    let mut raw = Map::new();
    let mut at = Map::new();
    let mut decoded: Map<String, Json> = Map::new();
    let mut setters: Map<String, Json> = Map::new();
    let mut lists: HashMap<&str, Vec<Json>> = HashMap::new();
    let mut singles: HashMap<String, Json> = HashMap::new();
    let mut single_setters: HashMap<String, Vec<Json>> = HashMap::new();
    let mut keys = Vec::new();
    let mut duplicates = Vec::new();
    let mut secrets = Vec::new();
    let mut secret_values = Vec::new();
    let mut file_names = Vec::new();
    let mut product_hints = Vec::new();
    let mut product_incompatible = Vec::new();

    for file in files {
        file_names.push(json!(file.file));
        for (key, raw_value, loc, value) in file.top {
            let entry = setters.entry(key.clone()).or_insert_with(|| json!([]));
            if let Some(list) = entry.as_array_mut() {
                list.push(json!({"file": file.file, "value": raw_value, "line": loc["line"], "column": loc["column"]}));
            }
            let merged = match decoded.get(&key) {
                None => value.clone(),
                Some(prev) if TOP_BOOLS.contains(&key.as_str()) => {
                    // Vault OR-merges these: a later false cannot switch a true off.
                    json!(prev.as_bool().unwrap_or(false) || value.as_bool().unwrap_or(false))
                }
                Some(prev) if TOP_DURATIONS.contains(&key.as_str()) => {
                    json!(prev.as_i64().unwrap_or(0).max(value.as_i64().unwrap_or(0)))
                }
                Some(prev) => {
                    // Strings are replaced when the later value is not empty.
                    if value.as_str() == Some("") {
                        prev.clone()
                    } else {
                        value.clone()
                    }
                }
            };
            decoded.insert(key.clone(), merged);
            raw.insert(key.clone(), raw_value);
            at.insert(key, loc);
        }
        for (kind, fact) in file.stanzas {
            let mode = STANZAS
                .iter()
                .find(|(n, _, _)| *n == kind)
                .map(|(_, _, m)| *m)
                .unwrap_or(MergeMode::Append);
            if mode == MergeMode::Append {
                lists.entry(stanza_list_name(&kind)).or_default().push(fact);
            } else {
                single_setters
                    .entry(kind.clone())
                    .or_default()
                    .push(json!({"file": file.file, "line": fact["loc"]["line"], "column": fact["loc"]["column"], "value": fact["type"]}));
                singles.insert(kind, fact);
            }
        }
        keys.extend(file.keys);
        duplicates.extend(file.duplicates);
        secrets.extend(file.secrets);
        secret_values.extend(file.secret_values);
        product_hints.extend(file.product_hints);
        product_incompatible.extend(file.product_incompatible);
    }

    // Scalars set in several files to different values: Vault's merge order is the
    // directory's listing order, so which one wins is not obvious.
    let mut conflicts = Vec::new();
    for (key, list) in &setters {
        let Some(list) = list.as_array() else {
            continue;
        };
        let distinct_files: Vec<&Json> = list.iter().map(|s| &s["file"]).collect();
        let mut values: Vec<&Json> = list.iter().map(|s| &s["value"]).collect();
        values.dedup();
        let multi_file = distinct_files.windows(2).any(|w| w[0] != w[1]);
        if multi_file && values.len() > 1 {
            conflicts.push(json!({"key": key, "setters": list, "winner": decoded.get(key)}));
        }
    }
    for (kind, list) in &single_setters {
        if list.len() > 1 {
            conflicts.push(json!({"key": kind, "setters": list, "winner": list.last()}));
        }
    }

    // Decoded top-level facts with Vault's defaults, so rules need no null checks.
    for key in TOP_BOOLS {
        doc.insert(
            (*key).to_string(),
            decoded.get(*key).cloned().unwrap_or(json!(false)),
        );
    }
    let lease_set = decoded
        .get("default_lease_ttl")
        .and_then(Json::as_i64)
        .is_some_and(|v| v > 0);
    let lease = decoded
        .get("default_lease_ttl")
        .and_then(Json::as_i64)
        .filter(|v| *v > 0)
        .unwrap_or(DEFAULT_LEASE_TTL_SECS);
    doc.insert("default_lease_ttl".into(), json!(lease));
    doc.insert("default_lease_ttl_set".into(), json!(lease_set));
    let max_lease = decoded
        .get("max_lease_ttl")
        .and_then(Json::as_i64)
        .filter(|v| *v > 0)
        .unwrap_or(DEFAULT_LEASE_TTL_SECS);
    doc.insert("max_lease_ttl".into(), json!(max_lease));
    for key in [
        "api_addr",
        "cluster_addr",
        "cluster_name",
        "plugin_directory",
        "log_file",
        "log_format",
        "pid_file",
    ] {
        doc.insert(
            key.to_string(),
            decoded
                .get(key)
                .and_then(Json::as_str)
                .map(|s| json!(s.trim()))
                .unwrap_or(Json::Null),
        );
    }
    let log_level = decoded
        .get("log_level")
        .and_then(Json::as_str)
        .map(|s| s.trim().to_ascii_lowercase());
    doc.insert(
        "log_level".into(),
        json!(log_level.as_deref().unwrap_or("info")),
    );
    doc.insert("log_level_set".into(), json!(log_level.is_some()));

    let mut listeners = lists.remove("listeners").unwrap_or_default();
    for (index, listener) in listeners.iter_mut().enumerate() {
        if let Some(obj) = listener.as_object_mut() {
            obj.insert("index".into(), json!(index));
        }
    }
    doc.insert("listeners".into(), Json::Array(listeners));
    for name in [
        "seals",
        "audits",
        "user_lockouts",
        "plugins",
        "initialize",
        "entropy",
    ] {
        doc.insert(
            name.to_string(),
            Json::Array(lists.remove(name).unwrap_or_default()),
        );
    }
    for name in [
        "storage",
        "ha_storage",
        "service_registration",
        "telemetry",
        "sentinel",
        "reporting",
        "replication",
    ] {
        doc.insert(name.to_string(), singles.remove(name).unwrap_or(Json::Null));
    }
    doc.insert("raw".into(), Json::Object(raw));
    doc.insert("at".into(), Json::Object(at));
    doc.insert("keys".into(), Json::Array(keys));
    doc.insert("duplicates".into(), Json::Array(duplicates));
    doc.insert("secrets".into(), Json::Array(secrets));
    doc.insert("merge_conflicts".into(), Json::Array(conflicts));
    doc.insert("product_hints".into(), Json::Array(product_hints));
    doc.insert(
        "product_incompatible".into(),
        Json::Array(product_incompatible),
    );
    doc.insert("files".into(), Json::Array(file_names));
    let mut ordered = Map::new();
    ordered.insert("files".into(), doc.remove("files").unwrap_or(Json::Null));
    ordered.extend(doc);
    secret_values.sort();
    secret_values.dedup();
    ConfigFacts {
        doc: Json::Object(ordered),
        secret_values,
    }
}

/// Seals of all kinds (seal, kms, hsm) are one list; the others keep their own list.
fn stanza_list_name(kind: &str) -> &'static str {
    match kind {
        "listener" => "listeners",
        "seal" | "kms" | "hsm" => "seals",
        "audit" => "audits",
        "user_lockout" => "user_lockouts",
        "plugin" => "plugins",
        "initialize" => "initialize",
        "entropy" => "entropy",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_holds_at_most_max_keys_across_its_files() {
        // issue 9: 20,000 `a = 1` lines (120 KB) took 120 s and 400 MB in the rules.
        let at_limit = "a = 1\n".repeat(MAX_KEYS);
        assert!(load_str("vault.hcl", &at_limit).is_ok());
        let err = load_str("vault.hcl", &format!("{at_limit}b = 2\n")).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "vault.hcl:{}:1: more than {MAX_KEYS} keys in the configuration: far larger \
                 than any real server config, so it is not judged",
                MAX_KEYS + 1
            )
        );
        // Keys inside blocks count, and so do the files of a directory together.
        let nested = format!(
            "storage \"raft\" {{\n{}}}\n",
            "path = \"/x\"\n".repeat(MAX_KEYS)
        );
        assert!(load_str("vault.hcl", &nested).is_err());
        let dir = tempfile::tempdir().unwrap();
        let half = "a = 1\n".repeat(MAX_KEYS / 2 + 1);
        std::fs::write(dir.path().join("a.hcl"), &half).unwrap();
        std::fs::write(dir.path().join("b.hcl"), &half).unwrap();
        let err = load(&[ConfigPath {
            read: dir.path().to_path_buf(),
            display: dir.path().display().to_string(),
            root: None,
        }])
        .unwrap_err();
        assert!(err.to_string().contains("more than 2000 keys"), "{err}");
    }

    #[test]
    fn weak_bool_matches_vault() {
        for (v, want) in [
            (json!(true), true),
            (json!("true"), true),
            (json!("TRUE"), true),
            (json!("t"), true),
            (json!(1), true),
            (json!("1"), true),
            (json!(2), true),
            (json!(1.5), true),
            (json!(false), false),
            (json!("false"), false),
            (json!(0), false),
            (json!("0"), false),
            (json!(""), false),
        ] {
            assert_eq!(weak_bool(&v), Ok(want), "{v}");
        }
        assert!(weak_bool(&json!("yes")).is_err());
        assert!(weak_bool(&json!("on")).is_err());
    }

    #[test]
    fn durations_match_parse_duration_second() {
        assert_eq!(duration_seconds(&json!(3600)), Ok(3600));
        assert_eq!(duration_seconds(&json!("3600")), Ok(3600));
        assert_eq!(duration_seconds(&json!("768h")), Ok(768 * 3600));
        assert_eq!(duration_seconds(&json!("1h30m")), Ok(5400));
        assert_eq!(duration_seconds(&json!("2d")), Ok(2 * 86400));
        assert_eq!(duration_seconds(&json!("1.5h")), Ok(5400));
        assert!(duration_seconds(&json!("forever")).is_err());
        assert!(duration_seconds(&json!("10x")).is_err());
    }

    #[test]
    fn secrets_are_classified_and_urls_parsed() {
        assert_eq!(secret_kind("token", "s.abc"), Some("token"));
        assert_eq!(secret_kind("tls_key_file", "/etc/key.pem"), None);
        assert_eq!(
            secret_kind("connection_url", "postgres://u:hunter2@db/vault"),
            Some("password in URL")
        );
        assert_eq!(
            url_password("postgres://u:hunter2@db/vault").as_deref(),
            Some("hunter2")
        );
        assert_eq!(url_password("https://db.example/vault"), None);
        assert_eq!(classify_secret_value("env://AWS_KEY"), "reference");
        assert_eq!(classify_secret_value("${var.secret}"), "placeholder");
        assert_eq!(classify_secret_value(""), "empty");
        assert_eq!(classify_secret_value("AKIAEXAMPLE"), "literal");
    }

    #[test]
    fn editor_temp_files_are_skipped_like_vault() {
        assert!(is_config_file_name("vault.hcl"));
        assert!(is_config_file_name("z.json"));
        assert!(!is_config_file_name("vault.hcl~"));
        assert!(!is_config_file_name(".#vault.hcl"));
        assert!(!is_config_file_name("#vault.hcl#"));
        assert!(!is_config_file_name("notes.txt"));
    }

    fn facts_of(name: &str, src: &str) -> Json {
        load_str(name, src).unwrap_or_else(|e| panic!("{e}")).doc
    }

    #[test]
    fn openbao_refusals_are_facts_at_their_line() {
        let doc = facts_of(
            "a.hcl",
            "storage \"raft\" {}\ndisable_mlock = false\nallow_audit_log_prefixing = 1\nunsafe_relative_paths = \"true\"\n",
        );
        let refused: Vec<(&str, u64)> = doc["product_incompatible"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["key"].as_str().unwrap(), f["line"].as_u64().unwrap()))
            .collect();
        assert_eq!(
            refused,
            [
                ("disable_mlock", 2),
                ("allow_audit_log_prefixing", 3),
                ("unsafe_relative_paths", 4)
            ]
        );
        // What OpenBao accepts: disable_mlock = true (ignored with a warning), JSON null (as
        // if absent), unquoted bools.
        for ok in [
            "disable_mlock = true\nallow_audit_log_prefixing = true\n",
            "{\"disable_mlock\": null, \"unsafe_allow_api_audit_creation\": false}",
        ] {
            let doc = facts_of("ok.hcl", ok);
            assert_eq!(doc["product_incompatible"], json!([]), "{ok}");
        }
    }

    #[test]
    fn the_config_tells_its_product_only_by_what_one_product_reads() {
        let hint = |src: &str| -> Vec<String> {
            facts_of("h.hcl", src)["product_hints"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h["product"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(hint("plugin_download_behavior = \"fail\"\n"), ["openbao"]);
        assert_eq!(hint("audit \"file\" \"file/\" {}\n"), ["openbao"]);
        assert_eq!(
            hint("listener \"tcp\" {\n  tls_cert_file = \"/etc/openbao/tls.crt\"\n}\n"),
            ["openbao"]
        );
        assert_eq!(
            hint("license_path = \"/etc/vault.d/vault.hclic\"\n"),
            ["vault"]
        );
        // Both products read these, or a path merely mentions the name.
        assert!(hint(
            "disable_mlock = true\nui = true\nstorage \"raft\" { path = \"/etc/openbaox\" }\n"
        )
        .is_empty());
    }

    #[test]
    fn product_only_keys_agree_with_the_rules_data() {
        let rules = crate::rules::RuleSet::builtin().expect("built-in rules load");
        let only = &rules.data["config_keys_only"];
        let listed = |product: &str| -> Vec<String> {
            let hcl::Value::Object(by_product) = only else {
                panic!("config_keys_only is a map")
            };
            let hcl::Value::Object(paths) = &by_product[product] else {
                panic!("{product}")
            };
            let hcl::Value::Array(top) = &paths["top"] else {
                panic!("{product}.top")
            };
            top.iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect()
        };
        let openbao = listed("openbao");
        for key in OPENBAO_ONLY_KEYS.iter().chain(OPENBAO_ONLY_STANZAS) {
            assert!(openbao.contains(&key.to_string()), "{key}");
        }
        let vault = listed("vault");
        for key in VAULT_ONLY_KEYS {
            assert!(vault.contains(&key.to_string()), "{key}");
        }
    }

    /// Seeds for mutation: every fixture config, and the shared corpus when it is present.
    fn seeds() -> &'static [Vec<u8>] {
        static SEEDS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
        SEEDS.get_or_init(read_seeds)
    }

    fn read_seeds() -> Vec<Vec<u8>> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut out = Vec::new();
        let mut stack = vec![
            root.join("fixtures/config"),
            root.join("../shared/corpus/configs"),
        ];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if let Ok(bytes) = std::fs::read(&path) {
                    out.push(bytes);
                }
            }
        }
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// Arbitrary bytes through the whole config layer: an error or facts, never a panic.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let _ = decode_source("fuzz.hcl", &bytes, MAX_KEYS).map(|f| merge(vec![f]));
        }

        /// Real configs mutated (byte flips, truncation, inserted syntax) never panic, and a
        /// config that decodes always yields the documented top-level facts.
        #[test]
        fn mutated_real_configs_never_panic(
            seed in 0usize..10_000,
            cut in 0usize..4096,
            at in 0usize..4096,
            insert in proptest::sample::select(vec!["{", "}", "\"", "[", "]", "=", "<<EOF\n", "#", "/*", "\\", "${", ",", "\n", "0x", "-", "listener \"tcp\" {"]),
            flip in proptest::prelude::any::<u8>(),
        ) {
            let seeds = seeds();
            proptest::prop_assume!(!seeds.is_empty());
            let mut bytes = seeds[seed % seeds.len()].clone();
            if !bytes.is_empty() {
                let i = at % bytes.len();
                bytes[i] ^= flip;
                bytes.splice(i..i, insert.bytes());
                bytes.truncate(cut.max(1) % (bytes.len() + 1));
            }
            if let Ok(file) = decode_source("fuzz.hcl", &bytes, MAX_KEYS) {
                let facts = merge(vec![file]);
                for key in ["listeners", "seals", "keys", "duplicates", "secrets", "merge_conflicts"] {
                    proptest::prop_assert!(facts.doc[key].is_array(), "{key}");
                }
            }
        }
    }
}
