//! Reports: the model every renderer reads, and the renderers themselves.

pub mod html;
pub mod json;
pub mod junit;
pub mod load;
pub mod prometheus;
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

/// Counts by status, and the checks that could not see.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub pass: usize,
    pub fail: usize,
    pub skip: usize,
    pub error: usize,
    pub waived: usize,
    pub manual: usize,
    /// The checks that make the scan incomplete (`cli.md`, "Exit codes"), and why. Reports
    /// written before this field existed read as an empty list.
    #[serde(default)]
    pub incomplete: Vec<Incomplete>,
}

/// A check that could not see: in `error`, or skipped for the token's missing capability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incomplete {
    pub rule: String,
    pub subject: Option<String>,
    pub status: Status,
    /// `error`, or the skip's cause (`token_permission`).
    pub cause: String,
    /// The finding's message: the error, or the capability it lacked.
    pub reason: String,
    /// The node, in a fleet report.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub node: Option<String>,
}

impl Incomplete {
    fn of(f: &Finding) -> Incomplete {
        let cause = match (f.status, f.skip_cause) {
            (Status::Skip, Some(cause)) => serde_json::to_value(cause)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_else(|| "skip".into()),
            (status, _) => status.as_str().to_owned(),
        };
        Incomplete {
            rule: f.rule.clone(),
            subject: f.subject.clone(),
            status: f.status,
            cause,
            reason: f.message.clone(),
            node: f.node.clone(),
        }
    }
}

impl Summary {
    pub fn of(findings: &[Finding]) -> Summary {
        let mut s = Summary::default();
        for f in findings {
            if f.makes_incomplete() {
                s.incomplete.push(Incomplete::of(f));
            }
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

    /// `3 pass<sep>1 fail<sep>...`, in the order of the JSON report.
    pub fn line(&self, sep: &str) -> String {
        [
            (self.pass, "pass"),
            (self.fail, "fail"),
            (self.skip, "skip"),
            (self.error, "error"),
            (self.waived, "waived"),
            (self.manual, "manual"),
        ]
        .iter()
        .map(|(n, name)| format!("{n} {name}"))
        .collect::<Vec<_>>()
        .join(sep)
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
    /// The node, in a fleet report.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub node: Option<String>,
}

/// A waiver of the `--waivers` file that the report mentions: expired, or matching nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaiverNote {
    pub rule: String,
    pub subject: Option<String>,
    pub reason: String,
    pub owner: String,
    /// `YYYY-MM-DD`.
    pub expires: String,
    /// Where the waiver is written: `file:line`.
    pub at: String,
    /// The node, in a fleet report.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub node: Option<String>,
}

/// One node of a fleet report (`vaultsec merge`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeSummary {
    /// The name its findings carry in `node`: the host name of its report.
    pub node: String,
    /// The report file it was read from.
    pub report: String,
    pub started_at: String,
    pub duration_seconds: f64,
    pub profile: String,
    pub sources: BTreeMap<String, String>,
    pub summary: Summary,
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
    /// The product judged (`vault`, `openbao`, `unknown`; in a fleet, `mixed` when the nodes
    /// differ): reports name it. Absent in reports written before it existed.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub product: Option<String>,
    pub sources: BTreeMap<String, String>,
    pub summary: Summary,
    pub findings: Vec<Finding>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub resolved: Option<Vec<Resolved>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub waivers_expired: Option<Vec<WaiverNote>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub waivers_unmatched: Option<Vec<WaiverNote>>,
    /// Per-node summaries: present only in a fleet report made by `vaultsec merge`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub nodes: Option<Vec<NodeSummary>>,
}

impl Report {
    /// The product as a title names it: OpenBao, Vault (also when unknown, as the rules take
    /// it), or both in a fleet of both.
    pub fn product_name(&self) -> &'static str {
        match self.product.as_deref() {
            Some("openbao") => "OpenBao",
            Some("mixed") => "Vault and OpenBao",
            _ => "Vault",
        }
    }

    /// A fleet report (from `vaultsec merge`) rather than one node's scan.
    pub fn is_fleet(&self) -> bool {
        self.nodes.is_some()
    }

    /// Every check could see: none in `error`, none skipped for the token's missing
    /// capability (`cli.md`, "Exit codes").
    pub fn is_complete(&self) -> bool {
        self.summary.error == 0 && self.summary.incomplete.is_empty()
    }

    /// What the token lacked (`GET /v1/sys/audit`, ...), each once, in report order.
    pub fn missing_capabilities(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for i in self
            .summary
            .incomplete
            .iter()
            .filter(|i| i.status == Status::Skip)
        {
            let Some((_, rest)) = i.reason.split_once(crate::model::INSUFFICIENT_PERMISSION) else {
                continue;
            };
            let what = rest.split([')', ';']).next().unwrap_or(rest).trim();
            if !what.is_empty() && !out.contains(&what) {
                out.push(what);
            }
        }
        out
    }

    /// The checks skipped because the token lacks a capability.
    pub fn permission_skips(&self) -> usize {
        self.summary
            .incomplete
            .iter()
            .filter(|i| i.status == Status::Skip)
            .count()
    }
}

/// The findings of one node (`None` outside fleet reports) and one rule area, in report order.
pub struct Group<'r> {
    pub node: Option<&'r str>,
    pub area: &'r str,
    pub findings: Vec<&'r Finding>,
}

/// The checklist's groups: by node (in report order), then by area (in checklist order).
pub fn groups(report: &Report) -> Vec<Group<'_>> {
    let mut nodes: Vec<Option<&str>> = Vec::new();
    for f in &report.findings {
        if !nodes.contains(&f.node.as_deref()) {
            nodes.push(f.node.as_deref());
        }
    }
    let mut out = Vec::new();
    for node in nodes {
        let mut areas: Vec<&str> = report
            .findings
            .iter()
            .filter(|f| f.node.as_deref() == node)
            .map(Finding::area)
            .collect();
        areas.sort_by_key(|a| (table::area_rank(a), a.to_string()));
        areas.dedup();
        for area in areas {
            out.push(Group {
                node,
                area,
                findings: report
                    .findings
                    .iter()
                    .filter(|f| f.node.as_deref() == node && f.area() == area)
                    .collect(),
            });
        }
    }
    out
}

/// Seconds since the epoch of an RFC 3339 time (the report's `started_at`).
pub fn unix_seconds(rfc3339: &str) -> Option<i64> {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
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
    } else if findings.iter().any(Finding::makes_incomplete) {
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
        Format::Junit => junit::render(report),
        Format::Html => Ok(html::render(report, rules)),
        Format::Prometheus => Ok(prometheus::render(report)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{SkipCause, Source};

    fn finding(rule: &str, status: Status, message: &str) -> Finding {
        Finding {
            rule: rule.into(),
            status,
            severity: Severity::Low,
            source: Source::Api,
            title: "t".into(),
            message: message.into(),
            subject: None,
            location: None,
            evidence: serde_json::Value::Null,
            remediation: String::new(),
            new: None,
            waiver: None,
            node: None,
            skip_cause: SkipCause::of_reason(message).filter(|_| status == Status::Skip),
            caused_by: None,
        }
    }

    #[test]
    fn only_errors_and_token_permission_skips_make_a_scan_incomplete() {
        let quiet = [
            finding("a.off", Status::Skip, "api source off: --no-api"),
            finding("a.token", Status::Skip, "no token: set VAULT_TOKEN"),
            finding("a.na", Status::Skip, "no TLS listener"),
            finding(
                "a.uid",
                Status::Skip,
                "cannot read /k.pem as uid 65534: run as root or as the service account",
            ),
            finding("a.ok", Status::Pass, "fine"),
        ];
        assert_eq!(exit_code(&quiet, Some(Severity::High)), 0);
        assert!(Summary::of(&quiet).incomplete.is_empty());
        assert_eq!(quiet[3].skip_cause, Some(SkipCause::ScannerPermission));

        let mut denied = quiet.to_vec();
        denied.push(finding(
            "a.audit",
            Status::Skip,
            "insufficient permission: GET /v1/sys/audit",
        ));
        assert_eq!(exit_code(&denied, Some(Severity::High)), 3);
        assert_eq!(exit_code(&denied, None), 3);
        let summary = Summary::of(&denied);
        assert_eq!(summary.incomplete.len(), 1);
        assert_eq!(summary.incomplete[0].cause, "token_permission");

        let mut failing = denied.clone();
        failing.push(finding("a.fail", Status::Fail, "bad"));
        failing.last_mut().unwrap().severity = Severity::Critical;
        assert_eq!(exit_code(&failing, Some(Severity::High)), 1);

        let errored = [finding("a.err", Status::Error, "boom")];
        assert_eq!(Summary::of(&errored).incomplete[0].cause, "error");
        assert_eq!(exit_code(&errored, Some(Severity::High)), 3);
    }
}
