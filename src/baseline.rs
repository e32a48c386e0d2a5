//! Drift since a previous run (`--baseline previous.json`, `cli.md` "JSON report").
//!
//! Findings are matched by [`Finding::identity`] (rule, subject, file; not the line, not the
//! message). A finding is `new` when the baseline has no finding of the same identity with the
//! same status: a fresh failure, a regression, a new subject, a failure that now passes. The
//! report's `resolved` lists the baseline's failures (`fail` or `waived`) whose rule ran again
//! and whose subject now passes or is gone.

use crate::model::{Finding, FindingKey, Status};
use crate::report::{Report, Resolved};
use std::collections::{BTreeMap, BTreeSet};

/// Marks each finding `new: true|false` and returns the resolved failures.
pub fn diff(findings: &mut [Finding], baseline: &Report) -> Vec<Resolved> {
    let before: BTreeSet<(FindingKey, Status)> = baseline
        .findings
        .iter()
        .map(|f| (f.identity(), f.status))
        .collect();
    for f in findings.iter_mut() {
        f.new = Some(!before.contains(&(f.identity(), f.status)));
    }

    let ran: BTreeSet<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
    // A rule skipped or in error as a whole (no subject) says nothing about its old subjects.
    let unjudged: BTreeSet<&str> = findings
        .iter()
        .filter(|f| f.subject.is_none() && matches!(f.status, Status::Skip | Status::Error))
        .map(|f| f.rule.as_str())
        .collect();
    // What each identity is now; a skip or error cannot tell that a failure is fixed.
    let mut now: BTreeMap<FindingKey, bool> = BTreeMap::new();
    for f in findings.iter() {
        let unresolved = matches!(
            f.status,
            Status::Fail | Status::Waived | Status::Error | Status::Skip
        );
        *now.entry(f.identity()).or_default() |= unresolved;
    }
    let mut seen = BTreeSet::new();
    baseline
        .findings
        .iter()
        .filter(|f| matches!(f.status, Status::Fail | Status::Waived))
        .filter(|f| ran.contains(f.rule.as_str()) && !unjudged.contains(f.rule.as_str()))
        .filter(|f| !now.get(&f.identity()).copied().unwrap_or(false))
        .filter(|f| seen.insert(f.identity()))
        .map(|f| Resolved {
            rule: f.rule.clone(),
            subject: f.subject.clone(),
            severity: f.severity,
            message: f.message.clone(),
            node: f.node.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Location, Severity, Source};

    fn finding(rule: &str, subject: &str, line: u32, status: Status) -> Finding {
        Finding {
            rule: rule.into(),
            status,
            severity: Severity::High,
            source: Source::Config,
            title: "t".into(),
            message: format!("m{line}"),
            subject: Some(subject.into()),
            location: Some(Location {
                file: "vault.hcl".into(),
                line,
                column: 1,
            }),
            evidence: serde_json::Value::Null,
            remediation: String::new(),
            new: None,
            waiver: None,
            node: None,
            skip_cause: None,
            caused_by: None,
        }
    }

    fn report(findings: Vec<Finding>) -> Report {
        let mut r = crate::report::load::parse_report(
            "t",
            br#"{"schema_version":1,"tool":{"name":"vaultsec","version":"0"},"started_at":"x",
                "profile":"production","sources":{},"summary":{"pass":0,"fail":0,"skip":0,
                "error":0,"waived":0,"manual":0},"findings":[]}"#,
        )
        .unwrap();
        r.findings = findings;
        r
    }

    #[test]
    fn identity_ignores_line_and_message_and_status_changes_are_new() {
        let base = report(vec![
            finding("a.x", "l1", 3, Status::Fail),
            finding("a.x", "l2", 4, Status::Pass),
            finding("a.y", "gone", 5, Status::Fail),
            finding("a.z", "fixed", 6, Status::Fail),
            finding("a.s", "skipped", 7, Status::Fail),
            finding("b.not-run", "x", 8, Status::Fail),
            finding("a.w", "whole", 9, Status::Fail),
        ]);
        let mut now = vec![
            finding("a.x", "l1", 30, Status::Fail), // moved: not new
            finding("a.x", "l2", 4, Status::Fail),  // regression: new
            finding("a.x", "l3", 9, Status::Pass),  // new subject: new
            finding("a.y", "other", 1, Status::Pass),
            finding("a.z", "fixed", 6, Status::Pass),
            finding("a.s", "skipped", 7, Status::Skip),
            Finding {
                subject: None,
                ..finding("a.w", "", 9, Status::Skip)
            },
        ];
        let resolved = diff(&mut now, &base);
        let new: Vec<bool> = now.iter().map(|f| f.new.unwrap()).collect();
        assert_eq!(new, [false, true, true, true, true, true, true]);
        let resolved: Vec<&str> = resolved
            .iter()
            .map(|r| r.subject.as_deref().unwrap())
            .collect();
        // Not "skipped" (cannot tell), not b.not-run (the rule did not run this time), not
        // "whole" (its rule was skipped as a whole).
        assert_eq!(resolved, ["gone", "fixed"]);
    }
}
