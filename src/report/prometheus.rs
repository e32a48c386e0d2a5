//! `--format prometheus`: a textfile for node_exporter's textfile collector.
//!
//! Every finding is a `vaultsec_finding` series whose status and severity are labels, so an
//! alert is one selector: `vaultsec_finding{status="fail",severity=~"high|critical"}`. Counts
//! by status and severity, the scan's time, duration and completeness come with it. In a
//! fleet report every series also carries a `node` label.

use super::Report;
use crate::model::{Finding, Severity, Status};
use std::collections::HashMap;
use std::fmt::Write as _;

/// Escapes a label value (exposition format: backslash, double quote, newline).
fn label_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

fn labels(pairs: &[(&str, &str)]) -> String {
    if pairs.is_empty() {
        return String::new();
    }
    let inner: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", label_value(v)))
        .collect();
    format!("{{{}}}", inner.join(","))
}

fn number(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else if v.is_nan() {
        "NaN".into()
    } else if v > 0.0 {
        "+Inf".into()
    } else {
        "-Inf".into()
    }
}

/// One scanned node: the whole report, or one node of a fleet report.
struct Unit<'r> {
    node: Option<&'r str>,
    host: &'r str,
    profile: &'r str,
    started_at: &'r str,
    duration_seconds: f64,
    findings: Vec<&'r Finding>,
    waivers_expired: usize,
    waivers_unmatched: usize,
    resolved: Option<usize>,
}

fn units(report: &Report) -> Vec<Unit<'_>> {
    let count_node = |list: &Option<Vec<super::WaiverNote>>, node: Option<&str>| {
        list.iter()
            .flatten()
            .filter(|w| node.is_none() || w.node.as_deref() == node)
            .count()
    };
    match &report.nodes {
        None => vec![Unit {
            node: None,
            host: &report.host,
            profile: &report.profile,
            started_at: &report.started_at,
            duration_seconds: report.duration_seconds,
            findings: report.findings.iter().collect(),
            waivers_expired: count_node(&report.waivers_expired, None),
            waivers_unmatched: count_node(&report.waivers_unmatched, None),
            resolved: report.resolved.as_ref().map(Vec::len),
        }],
        Some(nodes) => nodes
            .iter()
            .map(|n| Unit {
                node: Some(&n.node),
                host: &n.node,
                profile: &n.profile,
                started_at: &n.started_at,
                duration_seconds: n.duration_seconds,
                findings: report
                    .findings
                    .iter()
                    .filter(|f| f.node.as_deref() == Some(n.node.as_str()))
                    .collect(),
                waivers_expired: count_node(&report.waivers_expired, Some(&n.node)),
                waivers_unmatched: count_node(&report.waivers_unmatched, Some(&n.node)),
                resolved: report.resolved.as_ref().map(|r| {
                    r.iter()
                        .filter(|x| x.node.as_deref() == Some(n.node.as_str()))
                        .count()
                }),
            })
            .collect(),
    }
}

struct Writer {
    out: String,
}

impl Writer {
    fn family(&mut self, name: &str, help: &str) {
        let help = help.replace('\\', "\\\\").replace('\n', "\\n");
        let _ = writeln!(self.out, "# HELP {name} {help}");
        let _ = writeln!(self.out, "# TYPE {name} gauge");
    }

    fn sample(&mut self, name: &str, node: Option<&str>, pairs: &[(&str, &str)], value: &str) {
        let mut all: Vec<(&str, &str)> = node.map(|n| ("node", n)).into_iter().collect();
        all.extend_from_slice(pairs);
        let _ = writeln!(self.out, "{name}{} {value}", labels(&all));
    }
}

pub fn render(report: &Report) -> String {
    let units = units(report);
    let mut w = Writer { out: String::new() };

    w.family(
        "vaultsec_info",
        "The scan: vaultsec version, profile and the host scanned (always 1).",
    );
    for u in &units {
        w.sample(
            "vaultsec_info",
            u.node,
            &[
                ("host", u.host),
                ("profile", u.profile),
                ("version", &report.tool.version),
            ],
            "1",
        );
    }

    w.family(
        "vaultsec_finding",
        "Findings by rule and subject (normally 1 each); alert on vaultsec_finding{status=\"fail\"}.",
    );
    for u in &units {
        // Two findings with the same labels would be a duplicate series, which node_exporter
        // rejects with the whole file: they are counted in one series instead.
        let mut order: Vec<[String; 5]> = Vec::new();
        let mut counts: HashMap<[String; 5], u64> = HashMap::new();
        for f in &u.findings {
            let key = [
                f.rule.clone(),
                f.subject.clone().unwrap_or_default(),
                f.area().to_string(),
                f.status.as_str().to_string(),
                f.severity.as_str().to_string(),
            ];
            let n = counts.entry(key.clone()).or_insert(0);
            if *n == 0 {
                order.push(key);
            }
            *n += 1;
        }
        for key in order {
            let n = counts[&key];
            w.sample(
                "vaultsec_finding",
                u.node,
                &[
                    ("rule", &key[0]),
                    ("subject", &key[1]),
                    ("area", &key[2]),
                    ("status", &key[3]),
                    ("severity", &key[4]),
                ],
                &n.to_string(),
            );
        }
    }

    w.family("vaultsec_findings", "Number of findings by status.");
    for u in &units {
        for status in Status::ALL {
            let n = u.findings.iter().filter(|f| f.status == status).count();
            w.sample(
                "vaultsec_findings",
                u.node,
                &[("status", status.as_str())],
                &n.to_string(),
            );
        }
    }

    w.family(
        "vaultsec_findings_by_severity",
        "Number of findings by severity of the rule and status.",
    );
    for u in &units {
        for severity in Severity::ALL {
            for status in Status::ALL {
                let n = u
                    .findings
                    .iter()
                    .filter(|f| f.status == status && f.severity == severity)
                    .count();
                w.sample(
                    "vaultsec_findings_by_severity",
                    u.node,
                    &[("severity", severity.as_str()), ("status", status.as_str())],
                    &n.to_string(),
                );
            }
        }
    }

    w.family(
        "vaultsec_scan_timestamp_seconds",
        "When the scan ran, in seconds since the epoch.",
    );
    for u in &units {
        let ts = super::unix_seconds(u.started_at)
            .map(|t| t.to_string())
            .unwrap_or_else(|| "NaN".into());
        w.sample("vaultsec_scan_timestamp_seconds", u.node, &[], &ts);
    }

    w.family(
        "vaultsec_scan_duration_seconds",
        "How long the scan took, in seconds.",
    );
    for u in &units {
        w.sample(
            "vaultsec_scan_duration_seconds",
            u.node,
            &[],
            &number(u.duration_seconds),
        );
    }

    w.family(
        "vaultsec_scan_complete",
        "1 when every check could see; 0 when some check ended in error or was skipped because the token lacks a capability (the exit code could be 3).",
    );
    for u in &units {
        let complete = !u.findings.iter().any(|f| f.makes_incomplete());
        w.sample(
            "vaultsec_scan_complete",
            u.node,
            &[],
            if complete { "1" } else { "0" },
        );
    }

    w.family(
        "vaultsec_incomplete_checks",
        "Checks that could not see, by cause: error, or token_permission (the token lacks a capability).",
    );
    for u in &units {
        let errors = u
            .findings
            .iter()
            .filter(|f| f.makes_incomplete() && f.status == Status::Error)
            .count();
        let denied = u
            .findings
            .iter()
            .filter(|f| f.makes_incomplete() && f.status == Status::Skip)
            .count();
        for (cause, n) in [("error", errors), ("token_permission", denied)] {
            w.sample(
                "vaultsec_incomplete_checks",
                u.node,
                &[("cause", cause)],
                &n.to_string(),
            );
        }
    }

    w.family(
        "vaultsec_waivers_expired",
        "Waivers of the --waivers file that have expired and no longer apply.",
    );
    for u in &units {
        let n = u.waivers_expired.to_string();
        w.sample("vaultsec_waivers_expired", u.node, &[], &n);
    }
    w.family(
        "vaultsec_waivers_unmatched",
        "Waivers of the --waivers file that match no failure (stale).",
    );
    for u in &units {
        let n = u.waivers_unmatched.to_string();
        w.sample("vaultsec_waivers_unmatched", u.node, &[], &n);
    }

    // Drift only exists with a baseline: no series without one, rather than a false 0.
    if units.iter().any(|u| u.resolved.is_some()) {
        w.family(
            "vaultsec_new_failures",
            "Failures that the --baseline report did not have.",
        );
        for u in &units {
            let n = u
                .findings
                .iter()
                .filter(|f| f.status == Status::Fail && f.new == Some(true))
                .count();
            w.sample("vaultsec_new_failures", u.node, &[], &n.to_string());
        }
        w.family(
            "vaultsec_resolved_failures",
            "Failures of the --baseline report that no longer fail.",
        );
        for u in &units {
            let n = u.resolved.unwrap_or(0).to_string();
            w.sample("vaultsec_resolved_failures", u.node, &[], &n);
        }
    }
    w.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label_value(r#"a\b"c"#), r#"a\\b\"c"#);
        assert_eq!(label_value("x\ny"), "x\\ny");
        assert_eq!(
            labels(&[("rule", "r"), ("subject", "<\"x\">")]),
            r#"{rule="r",subject="<\"x\">"}"#
        );
        assert_eq!(number(f64::INFINITY), "+Inf");
        assert_eq!(number(0.25), "0.25");
    }
}
