//! `--format junit`: JUnit XML for CI test-report views (GitLab, Jenkins).
//!
//! One test suite per rule area (per node and area in a fleet report), one test case per
//! finding: `fail` is a failure carrying the message and the remediation, `error` an error,
//! `skip`/`manual`/`waived` are skipped with the reason, `pass` passes.

use super::Report;
use crate::model::{Finding, Status};
use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};
use std::time::Duration;

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

fn status(f: &Finding) -> TestCaseStatus {
    let (mut st, message) = match f.status {
        Status::Pass => return TestCaseStatus::success(),
        Status::Fail => (
            TestCaseStatus::non_success(NonSuccessKind::Failure),
            format!("{} (how to fix: {})", f.message, f.remediation),
        ),
        Status::Error => (
            TestCaseStatus::non_success(NonSuccessKind::Error),
            f.message.clone(),
        ),
        Status::Skip => (TestCaseStatus::skipped(), format!("skip: {}", f.message)),
        Status::Manual => (TestCaseStatus::skipped(), format!("manual: {}", f.message)),
        Status::Waived => (
            TestCaseStatus::skipped(),
            match &f.waiver {
                Some(w) => format!(
                    "waived until {} by {}: {} ({})",
                    w.expires, w.owner, w.reason, f.message
                ),
                None => format!("waived: {}", f.message),
            },
        ),
    };
    st.set_message(message)
        .set_type(f.status.as_str())
        .set_description(description(f));
    st
}

pub fn render(report: &Report) -> anyhow::Result<String> {
    let timestamp = chrono::DateTime::parse_from_rfc3339(&report.started_at).ok();
    let duration = Duration::try_from_secs_f64(report.duration_seconds).ok();
    let mut junit = quick_junit::Report::new("vaultsec");
    if let Some(ts) = timestamp {
        junit.set_timestamp(ts);
    }
    if let Some(d) = duration {
        junit.set_time(d);
    }
    for group in super::groups(report) {
        let name = match group.node {
            Some(node) => format!("{node}.{}", group.area),
            None => group.area.to_string(),
        };
        let host = group.node.unwrap_or(&report.host);
        let mut suite = TestSuite::new(name.as_str());
        if let Some(ts) = timestamp {
            suite.set_timestamp(ts);
        }
        suite.extra.insert("hostname".into(), host.into());
        suite.add_property(Property::new("host", host));
        suite.add_property(Property::new("started_at", report.started_at.as_str()));
        suite.add_property(Property::new("profile", report.profile.as_str()));
        suite.add_property(Property::new(
            "vaultsec_version",
            report.tool.version.as_str(),
        ));
        for (source, state) in &report.sources {
            suite.add_property(Property::new(format!("source.{source}"), state.as_str()));
        }
        suite.add_property(Property::new(
            "scan_complete",
            report.is_complete().to_string(),
        ));
        for f in group.findings {
            let mut case = TestCase::new(case_name(f), status(f));
            case.set_classname(name.as_str());
            case.add_property(Property::new("severity", f.severity.as_str()));
            case.add_property(Property::new("status", f.status.as_str()));
            if let Some(new) = f.new {
                case.add_property(Property::new("new", new.to_string()));
            }
            if let Some(cause) = f.skip_cause {
                let cause = serde_json::to_value(cause).unwrap_or_default();
                case.add_property(Property::new("skip_cause", cause.as_str().unwrap_or("")));
            }
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    let mut text = junit.to_string()?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}
