//! `vaultsec merge REPORT...`: many nodes' JSON reports into one fleet report.
//!
//! Every finding (and resolved failure, and waiver note) gains a `node`: the host name of the
//! report it came from; the report gains `nodes` with each node's summary. The result renders
//! in any format. All inputs must be node reports of the same, readable schema version.

use crate::report::load::{parse_report, ReportFileError};
use crate::report::{NodeSummary, Report, Summary, Tool, SCHEMA_VERSION};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Reports that cannot be merged: an input error (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error(transparent)]
    File(#[from] ReportFileError),
    #[error("mixed report schema versions: {0}; produce them all with one vaultsec version")]
    MixedVersions(String),
    #[error("{0}: already a fleet report (made by vaultsec merge); merge the node reports")]
    AlreadyFleet(String),
    #[error("{first} and {second} are both reports of node {node:?}; merge one report per node")]
    DuplicateNode {
        node: String,
        first: String,
        second: String,
    },
    #[error("nothing to merge: give at least one report")]
    Empty,
}

/// The name a node report goes by: its host name, else (no usable host) its file's stem.
fn node_name(report: &Report, path: &Path) -> String {
    let host = report.host.trim();
    if !host.is_empty() && host != "unknown" {
        return host.to_string();
    }
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Reads and merges the reports; `host` is where the merge runs (the fleet report's `host`).
pub fn merge_files(paths: &[PathBuf], host: String) -> Result<Report, MergeError> {
    let mut inputs = Vec::new();
    let mut versions: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for path in paths {
        let file = path.display().to_string();
        let bytes =
            crate::fsutil::read_regular(path, crate::fsutil::limit::REPORT).map_err(|e| {
                ReportFileError::Read {
                    file: file.clone(),
                    reason: crate::facts::config::io_reason(&e),
                }
            })?;
        // Versions are compared before anything is parsed, so a mixed set is named as such
        // rather than as whichever file happens to be of the unreadable version.
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes) {
            if let Some(version) = v.get("schema_version") {
                versions
                    .entry(version.to_string())
                    .or_default()
                    .push(file.clone());
            }
        }
        inputs.push((path.clone(), file, bytes));
    }
    if versions.len() > 1 {
        let described: Vec<String> = versions
            .iter()
            .map(|(v, files)| format!("schema_version {v} in {}", files.join(", ")))
            .collect();
        return Err(MergeError::MixedVersions(described.join("; ")));
    }
    let mut reports = Vec::new();
    for (path, file, bytes) in inputs {
        let report = parse_report(&file, &bytes)?;
        if report.is_fleet() {
            return Err(MergeError::AlreadyFleet(file));
        }
        reports.push((path, file, report));
    }
    merge(reports, host)
}

fn merge(reports: Vec<(PathBuf, String, Report)>, host: String) -> Result<Report, MergeError> {
    if reports.is_empty() {
        return Err(MergeError::Empty);
    }
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut nodes = Vec::new();
    let mut findings = Vec::new();
    let mut resolved: Option<Vec<_>> = None;
    let mut expired: Option<Vec<_>> = None;
    let mut unmatched: Option<Vec<_>> = None;
    let mut profiles: Vec<String> = Vec::new();
    let mut products: Vec<Option<String>> = Vec::new();
    let mut started: Option<(i64, String)> = None;
    let mut duration = 0.0;
    let mut sources: BTreeMap<String, Vec<String>> = BTreeMap::new();

    for (path, file, report) in reports {
        let node = node_name(&report, &path);
        if let Some(first) = seen.insert(node.clone(), file.clone()) {
            return Err(MergeError::DuplicateNode {
                node,
                first,
                second: file,
            });
        }
        let at = crate::report::unix_seconds(&report.started_at).unwrap_or(i64::MAX);
        if started.as_ref().is_none_or(|(t, _)| at < *t) {
            started = Some((at, report.started_at.clone()));
        }
        duration += report.duration_seconds;
        if !products.contains(&report.product) {
            products.push(report.product.clone());
        }
        if !profiles.contains(&report.profile) {
            profiles.push(report.profile.clone());
        }
        for (k, v) in &report.sources {
            sources.entry(k.clone()).or_default().push(v.clone());
        }
        nodes.push(NodeSummary {
            node: node.clone(),
            report: file,
            started_at: report.started_at.clone(),
            duration_seconds: report.duration_seconds,
            profile: report.profile.clone(),
            sources: report.sources.clone(),
            summary: Summary::of(&report.findings),
        });
        findings.extend(report.findings.into_iter().map(|mut f| {
            f.node = Some(node.clone());
            f
        }));
        if let Some(list) = report.resolved {
            resolved
                .get_or_insert_with(Vec::new)
                .extend(list.into_iter().map(|mut r| {
                    r.node = Some(node.clone());
                    r
                }));
        }
        if let Some(list) = report.waivers_expired {
            expired
                .get_or_insert_with(Vec::new)
                .extend(list.into_iter().map(|mut w| {
                    w.node = Some(node.clone());
                    w
                }));
        }
        if let Some(list) = report.waivers_unmatched {
            unmatched
                .get_or_insert_with(Vec::new)
                .extend(list.into_iter().map(|mut w| {
                    w.node = Some(node.clone());
                    w
                }));
        }
    }
    let node_count = nodes.len();
    let sources = sources
        .into_iter()
        .map(|(k, states)| {
            let first = states[0].clone();
            let state = if states.len() == node_count && states.iter().all(|s| *s == first) {
                first
            } else {
                "varies by node (see nodes)".to_string()
            };
            (k, state)
        })
        .collect();
    Ok(Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "vaultsec".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        started_at: started.map(|(_, s)| s).unwrap_or_default(),
        duration_seconds: duration,
        host,
        profile: if profiles.len() == 1 {
            profiles.remove(0)
        } else {
            format!("mixed ({})", profiles.join(", "))
        },
        product: match products.as_slice() {
            [one] => one.clone(),
            _ => Some("mixed".to_string()),
        },
        sources,
        summary: Summary::of(&findings),
        findings,
        resolved,
        waivers_expired: expired,
        waivers_unmatched: unmatched,
        nodes: Some(nodes),
    })
}
