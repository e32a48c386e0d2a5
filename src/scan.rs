//! Orchestration: gather facts once from every source, then evaluate, then render.
//! This is the only layer (with `cli`) that touches the file system and the clock.

use crate::engine::{self, Settings};
use crate::facts::config::{self, ConfigPath};
use crate::facts::{Facts, SourceState};
use crate::model::{Finding, Source};
use crate::report::{Report, Summary, Tool, SCHEMA_VERSION};
use crate::rules::RuleSet;
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

/// Where facts come from and which sources are on.
#[derive(Debug, Clone)]
pub struct SourceOptions {
    pub config_paths: Vec<PathBuf>,
    pub root: PathBuf,
    pub no_config: bool,
    pub no_host: bool,
    pub no_api: bool,
    pub now: OffsetDateTime,
}

impl Default for SourceOptions {
    fn default() -> Self {
        SourceOptions {
            config_paths: Vec::new(),
            root: PathBuf::from("/"),
            no_config: false,
            no_host: false,
            no_api: false,
            now: OffsetDateTime::now_utc(),
        }
    }
}

/// An input error: exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error(transparent)]
    Rules(#[from] crate::rules::RuleError),
    #[error("{0}")]
    Usage(String),
}

/// `path` as seen under `root` (`/etc/vault.d` under `/host` is `/host/etc/vault.d`).
pub fn under_root(root: &Path, path: &Path) -> PathBuf {
    match path.strip_prefix("/") {
        Ok(rel) => root.join(rel),
        Err(_) => root.join(path),
    }
}

/// Default config locations (under `--root`) when `-c` is not given.
const DEFAULT_CONFIG_DIRS: &[&str] = &["/etc/vault.d", "/etc/openbao"];

fn config_paths(opts: &SourceOptions, from_host: &[PathBuf]) -> Result<Vec<ConfigPath>, String> {
    if !opts.config_paths.is_empty() {
        return Ok(opts
            .config_paths
            .iter()
            .map(|p| ConfigPath {
                read: p.clone(),
                display: p.display().to_string(),
            })
            .collect());
    }
    // The running server's -config (else its unit's ExecStart=) is what actually runs.
    if !from_host.is_empty() {
        return Ok(from_host
            .iter()
            .map(|p| ConfigPath {
                read: under_root(&opts.root, p),
                display: p.display().to_string(),
            })
            .collect());
    }
    for dir in DEFAULT_CONFIG_DIRS {
        let read = under_root(&opts.root, Path::new(dir));
        if read.exists() {
            return Ok(vec![ConfigPath {
                read,
                display: (*dir).to_string(),
            }]);
        }
    }
    Err(format!(
        "no config found: no running server or unit named one, and neither {} exists under --root {} (give -c PATH)",
        DEFAULT_CONFIG_DIRS.join(" nor "),
        opts.root.display()
    ))
}

/// Does the host run or carry a Vault/OpenBao server (process, unit, binary or config)?
fn vault_found(h: &crate::facts::host::HostFacts, config: &Json) -> bool {
    let process = h.processes.get().is_some_and(|p| !p.is_empty());
    let unit = h.unit.get().is_some();
    process || unit || h.effective.binary.is_some() || !config.is_null()
}

/// Files the config names that the host rules judge: (role, host path, where the config names it).
fn config_named_files(config: &Json) -> Vec<(String, PathBuf, Json)> {
    let mut out = Vec::new();
    let host_path = |file: &Json, path: &str| -> PathBuf {
        let p = Path::new(path);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            // Relative to the config file that names it (see tls_files::resolve).
            Path::new(file.as_str().unwrap_or(""))
                .parent()
                .unwrap_or(Path::new("."))
                .join(p)
        }
    };
    for l in config["listeners"].as_array().into_iter().flatten() {
        if l["type"] != "tcp" || l["tls_disable"] == json!(true) {
            continue;
        }
        for (key, role) in [("tls_key_file", "tls_key"), ("tls_cert_file", "tls_cert")] {
            if let Some(path) = l[key].as_str().filter(|s| !s.trim().is_empty()) {
                let at = l["at"].get(key).cloned().unwrap_or(Json::Null);
                out.push((role.to_string(), host_path(&l["file"], path), at));
            }
        }
    }
    let storage = &config["storage"];
    if matches!(storage["type"].as_str(), Some("raft" | "file")) {
        if let Some(path) = storage["path"].as_str().filter(|s| !s.trim().is_empty()) {
            let at = storage["at"].get("path").cloned().unwrap_or(Json::Null);
            out.push(("storage".to_string(), host_path(&storage["file"], path), at));
        }
    }
    for audit in config["audits"].as_array().into_iter().flatten() {
        if audit["type"] != "file" {
            continue;
        }
        if let Some(path) = audit["options"]["file_path"].as_str() {
            if !matches!(path, "stdout" | "discard" | "") {
                out.push((
                    "audit_log".to_string(),
                    host_path(&audit["file"], path),
                    audit["loc"].clone(),
                ));
            }
        }
    }
    out
}

/// Collects every source's facts. Only config problems are input errors; a source that cannot
/// be used becomes `off` or `error` and the scan goes on.
pub fn collect(opts: &SourceOptions) -> Result<Facts, InputError> {
    let mut sources = BTreeMap::new();
    let mut doc = serde_json::Map::new();
    let mut secret_values = Vec::new();

    let host = (!opts.no_host).then(|| {
        crate::facts::host::collect(&crate::facts::host::HostOptions {
            root: opts.root.clone(),
            explicit_config_paths: opts.config_paths.clone(),
            ..crate::facts::host::HostOptions::default()
        })
    });
    let host_config_paths = host.as_ref().map(|h| h.config_paths()).unwrap_or_default();

    let config_doc = if opts.no_config {
        sources.insert(Source::Config, SourceState::Off("--no-config".into()));
        Json::Null
    } else {
        match config_paths(opts, &host_config_paths) {
            Ok(paths) => {
                let loaded = config::load(&paths)?;
                sources.insert(Source::Config, SourceState::Available);
                secret_values.extend(loaded.secret_values);
                loaded.doc
            }
            Err(why) => {
                sources.insert(Source::Config, SourceState::Off(why));
                Json::Null
            }
        }
    };

    let file_state = if opts.no_host {
        SourceState::Off("--no-host: the files the config names are not read".into())
    } else if config_doc.is_null() {
        SourceState::Off("no config, so no certificate or key files to read".into())
    } else {
        SourceState::Available
    };
    let tls_doc = if file_state == SourceState::Available {
        crate::facts::tls_files::collect(&config_doc, &opts.root, opts.now.unix_timestamp())
    } else {
        Json::Null
    };
    sources.insert(Source::File, file_state);

    let mut product = json!({"name": "vault", "detected_from": "assumed: neither the API nor a running server or unit told"});
    let host_doc = match &host {
        None => {
            sources.insert(Source::Host, SourceState::Off("--no-host".into()));
            Json::Null
        }
        // A host with no server process, no unit, no binary and no config is not a Vault
        // node: auditing its shell history or firewall would be noise, not findings.
        Some(h) if !vault_found(h, &config_doc) => {
            sources.insert(
                Source::Host,
                SourceState::Off(format!(
                    "no Vault or OpenBao found under --root {}: {}; no vault.service/openbao.service unit; no config",
                    opts.root.display(),
                    h.processes
                        .reason
                        .clone()
                        .unwrap_or_else(|| "no running vault/bao server".into()),
                )),
            );
            Json::Null
        }
        Some(h) => {
            sources.insert(Source::Host, SourceState::Available);
            if let Some(p) = &h.product {
                let name = serde_json::to_value(p.name).unwrap_or(json!("vault"));
                product = json!({"name": name, "detected_from": format!("the {}", p.source)});
            }
            let mut value = serde_json::to_value(h).unwrap_or(Json::Null);
            let named = config_named_files(&config_doc);
            let stat_input: Vec<(String, PathBuf)> = named
                .iter()
                .map(|(r, p, _)| (r.clone(), p.clone()))
                .collect();
            let stats = crate::facts::host::stat_paths(&opts.root, h.account(), &stat_input);
            let with_locations: Vec<Json> = stats
                .iter()
                .zip(&named)
                .map(|(fact, (_, _, at))| {
                    let mut v = serde_json::to_value(fact).unwrap_or(Json::Null);
                    if let Some(obj) = v.as_object_mut() {
                        obj.insert("named_at".into(), at.clone());
                    }
                    v
                })
                .collect();
            if let Some(obj) = value.as_object_mut() {
                obj.insert("config_named_files".into(), Json::Array(with_locations));
            }
            value
        }
    };
    sources.insert(
        Source::Api,
        if opts.no_api {
            SourceState::Off("--no-api".into())
        } else {
            SourceState::Off("API checks are not part of this build yet".into())
        },
    );

    doc.insert("config".into(), config_doc);
    doc.insert("tls".into(), tls_doc);
    doc.insert("host".into(), host_doc);
    doc.insert("api".into(), Json::Null);
    doc.insert(
        "scan".into(),
        json!({
            "now": opts.now.unix_timestamp(),
            "time": rfc3339(opts.now),
            "root": opts.root.display().to_string(),
            "product": product,
        }),
    );
    Ok(Facts {
        sources,
        doc: Json::Object(doc),
        secret_values,
    })
}

pub fn rfc3339(t: OffsetDateTime) -> String {
    let t = t.replace_nanosecond(0).unwrap_or(t);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// The name of the node scanned: `<root>/etc/hostname` for a mounted host, else the kernel's.
pub fn host_name(root: &Path) -> String {
    let candidates = if root == Path::new("/") {
        vec![
            PathBuf::from("/proc/sys/kernel/hostname"),
            PathBuf::from("/etc/hostname"),
        ]
    } else {
        vec![under_root(root, Path::new("/etc/hostname"))]
    };
    candidates
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .map(|s| s.trim().to_string())
        .find(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

/// Builds the report from findings.
pub fn report(
    findings: Vec<Finding>,
    facts: &Facts,
    settings: &Settings,
    started: OffsetDateTime,
    duration_seconds: f64,
    host: String,
) -> Report {
    let sources = facts
        .sources
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.describe()))
        .collect();
    Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "vaultsec".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        started_at: rfc3339(started),
        duration_seconds,
        host,
        profile: settings.profile.as_str().to_string(),
        sources,
        summary: Summary::of(&findings),
        findings,
        resolved: None,
        waivers_expired: None,
        waivers_unmatched: None,
        nodes: None,
    }
}

/// Evaluates rules over facts (the pure step, re-exported for callers that gather facts
/// themselves).
pub fn evaluate(rules: &RuleSet, facts: &Facts, settings: &Settings) -> Vec<Finding> {
    engine::evaluate(rules, facts, settings)
}

/// Replaces any secret value that slipped into rendered text (second line of defence: the
/// collectors already redact them).
pub fn scrub(text: String, secrets: &[String]) -> String {
    let mut out = text;
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), config::REDACTED);
        }
        let escaped = serde_json::to_string(secret).unwrap_or_default();
        let escaped = escaped.trim_matches('"');
        if escaped != secret && out.contains(escaped) {
            out = out.replace(escaped, config::REDACTED);
        }
    }
    out
}
