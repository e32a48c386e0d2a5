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

fn config_paths(opts: &SourceOptions) -> Result<Vec<ConfigPath>, String> {
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
        "no config found: no running server named one, and neither {} exists under --root {} (give -c PATH)",
        DEFAULT_CONFIG_DIRS.join(" nor "),
        opts.root.display()
    ))
}

/// Collects every source's facts. Only config problems are input errors; a source that cannot
/// be used becomes `off` or `error` and the scan goes on.
pub fn collect(opts: &SourceOptions) -> Result<Facts, InputError> {
    let mut sources = BTreeMap::new();
    let mut doc = serde_json::Map::new();
    let mut secret_values = Vec::new();

    let config_doc = if opts.no_config {
        sources.insert(Source::Config, SourceState::Off("--no-config".into()));
        Json::Null
    } else {
        match config_paths(opts) {
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
    sources.insert(
        Source::Host,
        if opts.no_host {
            SourceState::Off("--no-host".into())
        } else {
            SourceState::Off("host checks are not part of this build yet".into())
        },
    );
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
    doc.insert("host".into(), Json::Null);
    doc.insert("api".into(), Json::Null);
    doc.insert(
        "scan".into(),
        json!({
            "now": opts.now.unix_timestamp(),
            "time": rfc3339(opts.now),
            "root": opts.root.display().to_string(),
            "product": {"name": "vault", "detected_from": "assumed: neither the API nor a running server told"},
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
