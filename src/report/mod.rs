//! Reports: the model every renderer reads, and the renderers themselves.

pub mod json;
pub mod sarif;
pub mod table;

use crate::model::{Finding, Severity, Status};
use crate::rules::RuleSet;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The JSON report's schema version (`cli.md`): bump it on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// Output formats (`-f/--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Sarif,
    Junit,
    Html,
    Prometheus,
}

impl Format {
    /// The format a file name suggests, for `-o FILE` without a `--format`.
    pub fn from_extension(path: &str) -> Option<Format> {
        let ext = path.rsplit('.').next()?.to_ascii_lowercase();
        match ext.as_str() {
            "json" => Some(Format::Json),
            "sarif" => Some(Format::Sarif),
            "xml" => Some(Format::Junit),
            "html" | "htm" => Some(Format::Html),
            "prom" => Some(Format::Prometheus),
            "txt" => Some(Format::Table),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

/// Counts by status.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub pass: usize,
    pub fail: usize,
    pub skip: usize,
    pub error: usize,
    pub waived: usize,
    pub manual: usize,
}

impl Summary {
    pub fn of(findings: &[Finding]) -> Summary {
        let mut s = Summary::default();
        for f in findings {
            match f.status {
                Status::Pass => s.pass += 1,
                Status::Fail => s.fail += 1,
                Status::Skip => s.skip += 1,
                Status::Error => s.error += 1,
                Status::Waived => s.waived += 1,
                Status::Manual => s.manual += 1,
            }
        }
        s
    }

    pub fn get(&self, status: Status) -> usize {
        match status {
            Status::Pass => self.pass,
            Status::Fail => self.fail,
            Status::Skip => self.skip,
            Status::Error => self.error,
            Status::Waived => self.waived,
            Status::Manual => self.manual,
        }
    }
}

/// A failure of the baseline that no longer fails.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resolved {
    pub rule: String,
    pub subject: Option<String>,
    pub severity: Severity,
    pub message: String,
}

/// The report: what every format renders. Its JSON form is the public contract of `cli.md`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub started_at: String,
    /// Wall time of the scan in seconds.
    #[serde(default)]
    pub duration_seconds: f64,
    /// The node that ran the scan.
    #[serde(default)]
    pub host: String,
    pub profile: String,
    pub sources: BTreeMap<String, String>,
    pub summary: Summary,
    pub findings: Vec<Finding>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub resolved: Option<Vec<Resolved>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub waivers_expired: Option<Vec<serde_json::Value>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub waivers_unmatched: Option<Vec<serde_json::Value>>,
}

/// Why the scan exits as it does (`cli.md`, "Exit codes").
pub fn exit_code(findings: &[Finding], fail_on: Option<Severity>) -> u8 {
    let failing = fail_on.is_some_and(|threshold| {
        findings
            .iter()
            .any(|f| f.status == Status::Fail && f.severity >= threshold)
    });
    if failing {
        1
    } else if findings.iter().any(|f| f.status == Status::Error) {
        3
    } else {
        0
    }
}

/// Renders one report in one format.
pub fn render(
    format: Format,
    report: &Report,
    rules: &RuleSet,
    color: bool,
) -> anyhow::Result<String> {
    match format {
        Format::Table => Ok(table::render(report, color)),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report, rules),
        Format::Junit | Format::Html | Format::Prometheus => {
            anyhow::bail!("the {format:?} format is not available in this build")
        }
    }
}
