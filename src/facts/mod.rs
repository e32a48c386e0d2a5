//! Fact collectors. Each source is read once into one JSON document that the rules query:
//! `config` (the server configuration), `tls` (certificate files the config names),
//! `host` (the node), `api` (the live server), and `scan` (when and how the scan ran).

pub mod api;
pub mod config;
pub mod drift;
pub mod hcl1;
pub mod host;
pub mod live_tls;
pub mod service;
pub mod tls;
pub mod tls_files;

use crate::model::Source;
use serde::Serialize;
use std::collections::BTreeMap;

/// Whether a source could be used, and why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "reason", rename_all = "lowercase")]
pub enum SourceState {
    /// Facts were collected.
    Available,
    /// Switched off or not configured: its rules are `skip`.
    Off(String),
    /// Configured but could not be read: its rules are `error`.
    Error(String),
}

impl SourceState {
    /// The one-line form used in reports: `available`, `off: <why>`, `unavailable: <why>`.
    pub fn describe(&self) -> String {
        match self {
            SourceState::Available => "available".to_string(),
            SourceState::Off(why) => format!("off: {why}"),
            SourceState::Error(why) => format!("unavailable: {why}"),
        }
    }
}

/// Everything the rules can see.
#[derive(Debug, Clone)]
pub struct Facts {
    pub sources: BTreeMap<Source, SourceState>,
    /// `{config, tls, host, api, scan}`; a source that is not available is `null`.
    pub doc: serde_json::Value,
    /// Secret values seen while collecting; never rendered, used to scrub rendered output.
    pub secret_values: Vec<String>,
}

impl Facts {
    pub fn source(&self, source: Source) -> &SourceState {
        static OFF: std::sync::OnceLock<SourceState> = std::sync::OnceLock::new();
        self.sources
            .get(&source)
            .unwrap_or_else(|| OFF.get_or_init(|| SourceState::Off("not collected".into())))
    }
}

/// The scanner's own effective uid (from `/proc/self/status`, the live one whatever `--root`
/// is), to say whose permission a denied read was.
pub fn scanner_uid() -> Option<u32> {
    static UID: std::sync::OnceLock<Option<u32>> = std::sync::OnceLock::new();
    *UID.get_or_init(|| {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let uids = status.lines().find_map(|l| l.strip_prefix("Uid:"))?;
        uids.split_whitespace().nth(1)?.parse().ok()
    })
}

/// The reason of a file the scanner itself may not read: the scanner's limit, not the
/// server's fault (its rules `skip`, see [`crate::model::SkipCause::ScannerPermission`]).
pub fn scanner_cannot_read(path: &str) -> String {
    let uid = scanner_uid().map_or_else(|| "?".to_string(), |u| u.to_string());
    format!(
        "cannot read {path} as uid {uid}{}",
        crate::model::SCANNER_CANNOT_READ
    )
}
