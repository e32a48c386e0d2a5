//! `--format junit`: JUnit XML for CI test-report views (GitLab, Jenkins).
//!
//! One test suite per rule area (per node and area in a fleet report), one test case per
//! finding: `fail` is a failure carrying the message and the remediation, `error` an error,
//! `skip`/`manual`/`waived` are skipped with the reason, `pass` passes.

use super::Report;
use crate::model::{Finding, Status};

fn case_name(f: &Finding) -> String {
    match &f.subject {
        Some(s) => format!("{} ({s})", f.rule),
        None => f.rule.clone(),
    }
}

/// The details a person needs in the CI view: where, why it matters, how to fix.
fn description(f: &Finding) -> String {
    let mut text = f.message.clone();
    if let Some(loc) = &f.location {
        text.push_str(&format!("\nat {}:{}:{}", loc.file, loc.line, loc.column));
    }
    text.push_str(&format!("\nrule: {} ({})", f.rule, f.title));
    text.push_str(&format!("\nseverity: {}", f.severity));
    if f.new == Some(true) {
        text.push_str("\nnew since the baseline");
    }
    if !f.evidence.is_null() {
        text.push_str(&format!("\nevidence: {}", f.evidence));
    }
    if let Some(w) = &f.waiver {
        text.push_str(&format!(
            "\nwaived until {} by {}: {}",
            w.expires, w.owner, w.reason
        ));
    }
    if !f.remediation.is_empty() {
        text.push_str(&format!("\nremediation: {}", f.remediation));
    }
    text
}

/// A case's outcome element: `failure`, `error` or `skipped`, with its type and message.
fn outcome(f: &Finding) -> Option<(&'static str, String)> {
    let message = match f.status {
        Status::Pass => return None,
        Status::Fail => format!("{} (how to fix: {})", f.message, f.remediation),
        Status::Error => f.message.clone(),
        Status::Skip => format!("skip: {}", f.message),
        Status::Manual => format!("manual: {}", f.message),
        Status::Waived => match &f.waiver {
            Some(w) => format!(
                "waived until {} by {}: {} ({})",
                w.expires, w.owner, w.reason, f.message
            ),
            None => format!("waived: {}", f.message),
        },
    };
    let tag = match f.status {
        Status::Fail => "failure",
        Status::Error => "error",
        _ => "skipped",
    };
    Some((tag, message))
}

/// What the strict schema has no attribute or property for on a test case (severity, status,
/// drift, skip cause), as `name: value` lines for the case's `system-out`.
fn case_output(f: &Finding) -> String {
    let mut out = format!("severity: {}\nstatus: {}", f.severity, f.status.as_str());
    if let Some(new) = f.new {
        out.push_str(&format!("\nnew: {new}"));
    }
    if let Some(cause) = f.skip_cause {
        let cause = serde_json::to_value(cause).unwrap_or_default();
        out.push_str(&format!("\nskip_cause: {}", cause.as_str().unwrap_or("")));
    }
    out
}

/// XML 1.0 text: markup escaped, characters XML cannot carry replaced by U+FFFD. In an
/// attribute, line breaks and tabs are written as references so that they survive
/// attribute-value normalisation.
fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn start_tag(out: &mut String, indent: usize, name: &str, attributes: &[(&str, &str)]) {
    out.push_str(&"    ".repeat(indent));
    out.push('<');
    out.push_str(name);
    for (k, v) in attributes {
        out.push_str(&format!(" {k}=\"{}\"", escape(v, true)));
    }
}

/// Seconds as the strict schema's `SUREFIRE_TIME` allows: at most three decimals.
fn seconds(s: f64) -> String {
    format!("{:.3}", if s.is_finite() && s > 0.0 { s } else { 0.0 })
}

/// Renders the report as JUnit XML valid against Jenkins xunit-plugin's strict `junit-10.xsd`:
/// `testsuites` carries only name, time and the counts; properties belong to suites; a case
/// has only name and classname, its outcome element, and `system-out`.
pub fn render(report: &Report) -> anyhow::Result<String> {
    let groups = super::groups(report);
    let count = |status: Status| {
        report
            .findings
            .iter()
            .filter(|f| f.status == status)
            .count()
    };
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    start_tag(
        &mut out,
        0,
        "testsuites",
        &[
            ("name", "vaultsec"),
            ("tests", &report.findings.len().to_string()),
            ("failures", &count(Status::Fail).to_string()),
            ("errors", &count(Status::Error).to_string()),
            ("time", &seconds(report.duration_seconds)),
        ],
    );
    out.push_str(">\n");
    for group in groups {
        let name = match group.node {
            Some(node) => format!("{node}.{}", group.area),
            None => group.area.to_string(),
        };
        let host = group.node.unwrap_or(&report.host);
        let in_group = |status: Status| {
            group
                .findings
                .iter()
                .filter(|f| f.status == status)
                .count()
                .to_string()
        };
        let skipped = group
            .findings
            .iter()
            .filter(|f| matches!(f.status, Status::Skip | Status::Manual | Status::Waived))
            .count()
            .to_string();
        start_tag(
            &mut out,
            1,
            "testsuite",
            &[
                ("name", &name),
                ("tests", &group.findings.len().to_string()),
                ("failures", &in_group(Status::Fail)),
                ("errors", &in_group(Status::Error)),
                ("skipped", &skipped),
                ("timestamp", &report.started_at),
                ("hostname", host),
            ],
        );
        out.push_str(">\n");
        let mut properties: Vec<(String, String)> = vec![
            ("host".into(), host.into()),
            ("started_at".into(), report.started_at.clone()),
            ("profile".into(), report.profile.clone()),
            ("vaultsec_version".into(), report.tool.version.clone()),
        ];
        for (source, state) in &report.sources {
            properties.push((format!("source.{source}"), state.clone()));
        }
        properties.push(("scan_complete".into(), report.is_complete().to_string()));
        out.push_str(&format!("{}<properties>\n", "    ".repeat(2)));
        for (k, v) in &properties {
            start_tag(&mut out, 3, "property", &[("name", k), ("value", v)]);
            out.push_str("/>\n");
        }
        out.push_str(&format!("{}</properties>\n", "    ".repeat(2)));
        for f in &group.findings {
            start_tag(
                &mut out,
                2,
                "testcase",
                &[("name", &case_name(f)), ("classname", &name)],
            );
            out.push_str(">\n");
            if let Some((tag, message)) = outcome(f) {
                start_tag(
                    &mut out,
                    3,
                    tag,
                    &[("message", &message), ("type", f.status.as_str())],
                );
                out.push_str(&format!(">{}</{tag}>\n", escape(&description(f), false)));
            }
            out.push_str(&format!(
                "{}<system-out>{}</system-out>\n",
                "    ".repeat(3),
                escape(&case_output(f), false)
            ));
            out.push_str(&format!("{}</testcase>\n", "    ".repeat(2)));
        }
        out.push_str("    </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    Ok(out)
}
