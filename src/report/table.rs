//! `--format table`: a checklist for a person at a terminal, grouped by area.
//!
//! Laid out to the terminal's width (ruff's and Trivy's way): what needs attention (`fail`,
//! `error`, `waived`, `manual`) in full, passes and skips as one count line per area unless
//! `--show all`. Lines are wrapped at spaces only; a rule id is never split.

use super::Report;
use crate::model::{Finding, Status};
use std::fmt::Write as _;
use unicode_width::UnicodeWidthStr;

/// Human names of the rule areas, in checklist order.
const AREAS: &[(&str, &str)] = &[
    ("tls", "Listener and TLS"),
    ("config", "Server configuration"),
    ("storage", "Storage"),
    ("seal", "Seal"),
    ("memory", "Memory"),
    ("host", "Host"),
    ("api", "Live API"),
    ("ops", "Operational practices (attest by hand)"),
];

pub(crate) fn area_title(area: &str) -> String {
    AREAS
        .iter()
        .find(|(a, _)| *a == area)
        .map(|(_, t)| t.to_string())
        .unwrap_or_else(|| area.to_string())
}

pub(crate) fn area_rank(area: &str) -> usize {
    AREAS
        .iter()
        .position(|(a, _)| *a == area)
        .unwrap_or(AREAS.len())
}

/// The width used when standard output is not a terminal and `COLUMNS` is not set.
pub const DEFAULT_WIDTH: usize = 100;
/// Narrower than this, the layout would put one word per line: lines overflow instead.
pub const MIN_WIDTH: usize = 40;

/// How the table is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// ANSI colours for the statuses.
    pub color: bool,
    /// The number of columns no line exceeds (a single word longer than that aside).
    pub width: usize,
    /// Every finding on its own line (`-v`, `--show all`), passes and skips included.
    pub show_all: bool,
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            color: false,
            width: DEFAULT_WIDTH,
            show_all: false,
        }
    }
}

/// The width to lay out to: `COLUMNS`, else the terminal's (when there is one), else 100.
pub fn width_from(columns: Option<&str>, terminal: Option<usize>) -> usize {
    columns
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0)
        .or(terminal.filter(|&c| c > 0))
        .unwrap_or(DEFAULT_WIDTH)
        .max(MIN_WIDTH)
}

/// `--color auto` as the ecosystem reads it: `NO_COLOR` (not empty) turns colour off,
/// `CLICOLOR_FORCE` (not empty, not `0`) turns it on, else colour only on a terminal.
pub fn auto_color(no_color: Option<&str>, clicolor_force: Option<&str>, terminal: bool) -> bool {
    if no_color.is_some_and(|v| !v.is_empty()) {
        return false;
    }
    if clicolor_force.is_some_and(|v| !v.is_empty() && v != "0") {
        return true;
    }
    terminal
}

fn status_text(status: Status) -> &'static str {
    match status {
        Status::Pass => "PASS",
        Status::Fail => "FAIL",
        Status::Skip => "SKIP",
        Status::Error => "ERROR",
        Status::Waived => "WAIVED",
        Status::Manual => "MANUAL",
    }
}

fn paint(text: &str, status: Status, color: bool) -> String {
    if !color {
        return text.to_string();
    }
    let code = match status {
        Status::Pass => "1;32",
        Status::Fail => "1;31",
        Status::Skip => "90",
        Status::Error => "1;35",
        Status::Waived => "1;33",
        Status::Manual => "1;36",
    };
    format!("\u{1b}[{code}m{text}\u{1b}[0m")
}

/// Greedy word wrap at spaces: the first line starts with `first`, the others with `rest`.
/// A word longer than a whole line stays whole (ids, paths and URLs are never split).
fn wrap(text: &str, first: &str, rest: &str, width: usize) -> String {
    wrap_after(text, first, first.width(), rest, width)
}

/// [`wrap`] after a first prefix that prints `first_width` columns (it may hold colour
/// escapes). When the first word does not fit after a prefix wider than `rest`, the prefix
/// stands on its own line.
fn wrap_after(text: &str, first: &str, first_width: usize, rest: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = first.to_string();
    let mut line_width = first_width;
    let mut empty = true;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let w = word.width();
        let overflows = line_width + usize::from(!empty) + w > width;
        if overflows && (!empty || line_width > rest.width()) {
            out.push_str(line.trim_end());
            out.push('\n');
            line = rest.to_string();
            line_width = rest.width();
            empty = true;
        }
        if !empty {
            line.push(' ');
            line_width += 1;
        }
        line.push_str(word);
        line_width += w;
        empty = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

/// Each line of a multi-line text wrapped on its own, keeping its own leading spaces.
fn wrap_lines(out: &mut String, text: &str, first: &str, rest: &str, width: usize) {
    for (i, line) in text.lines().enumerate() {
        let own = &line[..line.len() - line.trim_start().len()];
        let lead = if i == 0 {
            format!("{first}{own}")
        } else {
            format!("{rest}{own}")
        };
        let cont = format!("{rest}{own}");
        out.push_str(&wrap(line.trim_start(), &lead, &cont, width));
    }
}

/// Which findings are shown one by one; the others are counted.
fn shown_in_full(f: &Finding, layout: &Layout) -> bool {
    layout.show_all
        || matches!(
            f.status,
            Status::Fail | Status::Error | Status::Waived | Status::Manual
        )
        // A failure that now passes is news with a baseline.
        || (f.new == Some(true) && f.status == Status::Pass)
}

struct Columns {
    /// `FAIL`, `WAIVED`, `FAIL (new)`: padded to this width.
    status: usize,
    /// Where the rule id and the finding's text start.
    body: usize,
}

fn columns(report: &Report, layout: &Layout) -> Columns {
    let status = report
        .findings
        .iter()
        .filter(|f| shown_in_full(f, layout))
        .map(|f| status_text(f.status).len() + if f.new == Some(true) { 6 } else { 0 })
        .max()
        .unwrap_or(0)
        .max(6);
    // "  STATUS  severity  ": below 70 columns the text starts 4 columns in instead.
    let body = if layout.width >= 70 {
        2 + status + 2 + "critical".len() + 2
    } else {
        4
    };
    Columns { status, body }
}

fn finding_lines(out: &mut String, f: &Finding, cols: &Columns, layout: &Layout) {
    let mut status = status_text(f.status).to_string();
    if f.new == Some(true) {
        status.push_str(" (new)");
    }
    let pad = " ".repeat(cols.status - status.width());
    let lead = format!(
        "  {}{pad}  {:<8}  ",
        paint(&status, f.status, layout.color),
        f.severity.as_str()
    );
    // The lead's printed width, colour escapes aside.
    let lead_width = 2 + cols.status + 2 + 8 + 2;
    let body = " ".repeat(cols.body);
    let head = match f.subject.as_deref() {
        Some(s) if !s.is_empty() => format!("{} · {s}", f.rule),
        _ => f.rule.clone(),
    };
    out.push_str(&wrap_after(&head, &lead, lead_width, &body, layout.width));
    wrap_lines(out, &f.message, &body, &body, layout.width);
    if let Some(loc) = &f.location {
        out.push_str(&wrap(
            &format!("@ {}:{}:{}", loc.file, loc.line, loc.column),
            &body,
            &body,
            layout.width,
        ));
    }
    if let Some(w) = &f.waiver {
        out.push_str(&wrap(
            &format!("waived until {} by {}: {}", w.expires, w.owner, w.reason),
            &body,
            &body,
            layout.width,
        ));
    }
}

/// Errors of one cause (a source that failed: every rule of it says the same) as one line.
fn collapsed_errors<'f>(findings: &[&'f Finding]) -> Vec<(&'f str, usize)> {
    let mut out: Vec<(&str, usize)> = Vec::new();
    for f in findings.iter().filter(|f| f.status == Status::Error) {
        match out.iter_mut().find(|(m, _)| *m == f.message) {
            Some(entry) => entry.1 += 1,
            None => out.push((f.message.as_str(), 1)),
        }
    }
    out
}

fn area_lines(out: &mut String, findings: &[&Finding], cols: &Columns, layout: &Layout) {
    // An area whose every check was skipped for one reason (typically a source that is
    // off) is one line, not a line per check repeating the reason.
    if let Some(first) = findings.first() {
        let all_same_skip = findings
            .iter()
            .all(|f| f.status == Status::Skip && f.message == first.message);
        // A lone skip is its own line, with its reason (it may name the flag to pass).
        if all_same_skip && findings.len() == 1 {
            finding_lines(out, first, cols, layout);
            return;
        }
        if all_same_skip {
            let lead = format!("  {} ", paint("SKIP", Status::Skip, layout.color));
            out.push_str(&wrap_after(
                &format!("{} checks skipped: {}", findings.len(), first.message),
                &lead,
                7,
                "         ",
                layout.width,
            ));
            return;
        }
    }
    let errors = if layout.show_all {
        Vec::new()
    } else {
        collapsed_errors(findings)
    };
    for f in findings.iter().filter(|f| shown_in_full(f, layout)) {
        if f.status == Status::Error {
            match errors.iter().find(|(m, _)| *m == f.message) {
                Some((_, n)) if *n > 1 => continue,
                _ => {}
            }
        }
        finding_lines(out, f, cols, layout);
    }
    for (message, n) in errors.iter().filter(|(_, n)| *n > 1) {
        let pad = " ".repeat(cols.status - "ERROR".len());
        let lead = format!("  {}{pad}  ", paint("ERROR", Status::Error, layout.color));
        let indent = 2 + cols.status + 2;
        out.push_str(&wrap_after(
            &format!("{n} checks could not run: {message}"),
            &lead,
            indent,
            &" ".repeat(indent),
            layout.width,
        ));
    }
    if !layout.show_all {
        let count = |s: Status| {
            findings
                .iter()
                .filter(|f| f.status == s && !shown_in_full(f, layout))
                .count()
        };
        let counts: Vec<String> = [(Status::Pass, "pass"), (Status::Skip, "skip")]
            .iter()
            .map(|(s, name)| (count(*s), *name))
            .filter(|(n, _)| *n > 0)
            .map(|(n, name)| format!("{n} {name}"))
            .collect();
        if !counts.is_empty() {
            out.push_str(&wrap(
                &format!("{} (--show all lists them)", counts.join(" · ")),
                "  ",
                "    ",
                layout.width,
            ));
        }
    }
}

fn waiver_lines(out: &mut String, title: &str, list: &[super::WaiverNote], width: usize) {
    if list.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{title}");
    for w in list {
        let node = w
            .node
            .as_deref()
            .map(|n| format!("{n}: "))
            .unwrap_or_default();
        out.push_str(&wrap(
            &format!(
                "{node}{} [{}] owner {}, expires {} ({}): {}",
                w.rule,
                w.subject.as_deref().unwrap_or("any subject"),
                w.owner,
                w.expires,
                w.at,
                w.reason
            ),
            "  ",
            "    ",
            width,
        ));
    }
}

/// The scan could not see everything: said first, so a complete-looking checklist cannot hide it.
fn incomplete_lines(out: &mut String, report: &Report, width: usize) {
    let skipped = report.permission_skips();
    if skipped > 0 {
        let missing = report.missing_capabilities();
        let shown: Vec<&str> = missing.iter().copied().take(3).collect();
        let more = match missing.len().saturating_sub(shown.len()) {
            0 => String::new(),
            n => format!(" and {n} more"),
        };
        out.push_str(&wrap(
            &format!(
                "INCOMPLETE: {skipped} check(s) could not run: the token lacks capabilities \
                 they need ({}{more}) — see `vaultsec policy`",
                shown.join(", ")
            ),
            "",
            "  ",
            width,
        ));
    }
    let errors = report.summary.incomplete.len() - skipped;
    if errors > 0 {
        out.push_str(&wrap(
            &format!("INCOMPLETE: {errors} check(s) ended in error (see ERROR below)"),
            "",
            "  ",
            width,
        ));
    }
}

/// The node's state, in one line each, when it kept checks from running: a sealed or
/// uninitialized server, a standby that does not serve node-local endpoints.
fn node_state_lines(out: &mut String, report: &Report, width: usize) {
    const STATES: &[(&str, &str)] = &[
        (
            "server is not initialized",
            "the server is not initialized: {n} check(s) that need a token were skipped; \
             initialize it (bao operator init) and scan again",
        ),
        (
            "server is sealed",
            "the server is sealed: {n} check(s) that need a token were skipped; unseal it \
             (bao operator unseal) and scan again",
        ),
        (
            "node-local endpoint not served by a standby",
            "this node is a standby: {n} node-local check(s) were skipped; scan the active \
             node too, or use --cluster",
        ),
    ];
    // An uninitialized server is sealed too: said once, as not initialized.
    let mut noted: Vec<Option<&str>> = Vec::new();
    for (i, (prefix, line)) in STATES.iter().enumerate() {
        let mut nodes: Vec<(Option<&str>, usize)> = Vec::new();
        for f in report.findings.iter().filter(|f| {
            f.status == Status::Skip
                && f.message.starts_with(prefix)
                && !(i == 1 && noted.contains(&f.node.as_deref()))
        }) {
            match nodes.iter_mut().find(|(n, _)| *n == f.node.as_deref()) {
                Some(entry) => entry.1 += 1,
                None => nodes.push((f.node.as_deref(), 1)),
            }
        }
        for (node, n) in nodes {
            noted.push(node);
            let node = node.map(|n| format!("{n}: ")).unwrap_or_default();
            out.push_str(&wrap(
                &format!("NOTE: {node}{}", line.replace("{n}", &n.to_string())),
                "",
                "  ",
                width,
            ));
        }
    }
}

/// The table with the default layout (100 columns, compact).
pub fn render(report: &Report, color: bool) -> String {
    render_with(
        report,
        &Layout {
            color,
            ..Layout::default()
        },
    )
}

pub fn render_with(report: &Report, layout: &Layout) -> String {
    let layout = &Layout {
        width: layout.width.max(MIN_WIDTH),
        ..*layout
    };
    let width = layout.width;
    let mut out = String::new();
    out.push_str(&wrap(
        &format!(
            "vaultsec {} · {} hardening audit · profile {} · {} · {}",
            report.tool.version,
            report.product_name(),
            report.profile,
            report.host,
            report.started_at
        ),
        "",
        "  ",
        width,
    ));
    let sources: Vec<String> = report
        .sources
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    out.push_str(&wrap(
        &format!("sources: {}", sources.join(" · ")),
        "",
        "  ",
        width,
    ));
    incomplete_lines(&mut out, report, width);
    node_state_lines(&mut out, report, width);

    if let Some(nodes) = &report.nodes {
        let _ = writeln!(out, "fleet of {} node(s):", nodes.len());
        for n in nodes {
            out.push_str(&wrap(
                &format!(
                    "{} ({}, {}): {}",
                    n.node,
                    n.started_at,
                    n.profile,
                    n.summary.line(" · ")
                ),
                "  ",
                "    ",
                width,
            ));
        }
    }

    let cols = columns(report, layout);
    for group in super::groups(report) {
        let title = match group.node {
            Some(node) => format!("{node} · {}", area_title(group.area)),
            None => area_title(group.area),
        };
        out.push('\n');
        out.push_str(&wrap(&title, "", "  ", width));
        area_lines(&mut out, &group.findings, &cols, layout);
    }

    let mut fixes: Vec<(&str, &str, Option<&str>)> = report
        .findings
        .iter()
        .filter(|f| f.status == Status::Fail)
        .map(|f| {
            (
                f.rule.as_str(),
                f.remediation.as_str(),
                f.caused_by.as_deref(),
            )
        })
        .collect();
    fixes.dedup();
    if !fixes.is_empty() {
        let _ = writeln!(out, "\nHow to fix");
        for (rule, fix, cause) in fixes {
            let cause = cause
                .map(|c| format!("[caused by {c}: fix it first] "))
                .unwrap_or_default();
            wrap_lines(
                &mut out,
                &format!("{rule}: {cause}{fix}"),
                "  ",
                "    ",
                width,
            );
        }
    }
    if let Some(resolved) = &report.resolved {
        let new: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.new == Some(true) && f.status == Status::Fail)
            .collect();
        let _ = writeln!(
            out,
            "\nSince the baseline: {} new failure(s), {} resolved",
            new.len(),
            resolved.len()
        );
        for f in new {
            let node = f
                .node
                .as_deref()
                .map(|n| format!("{n}: "))
                .unwrap_or_default();
            out.push_str(&wrap(
                &format!(
                    "new: {node}{} [{}] {} ({})",
                    f.rule,
                    f.subject.as_deref().unwrap_or("-"),
                    f.message,
                    f.severity
                ),
                "  ",
                "    ",
                width,
            ));
        }
        for r in resolved {
            let node = r
                .node
                .as_deref()
                .map(|n| format!("{n}: "))
                .unwrap_or_default();
            out.push_str(&wrap(
                &format!(
                    "resolved: {node}{} [{}] {} ({})",
                    r.rule,
                    r.subject.as_deref().unwrap_or("-"),
                    r.message,
                    r.severity
                ),
                "  ",
                "    ",
                width,
            ));
        }
    }
    waiver_lines(
        &mut out,
        "Expired waivers (no longer applied)",
        report.waivers_expired.as_deref().unwrap_or_default(),
        width,
    );
    waiver_lines(
        &mut out,
        "Waivers matching no failure (remove them)",
        report.waivers_unmatched.as_deref().unwrap_or_default(),
        width,
    );
    out.push('\n');
    out.push_str(&wrap(&report.summary.line(" · "), "", "", width));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Severity, Source};

    fn finding(rule: &str, status: Status, message: &str) -> Finding {
        Finding {
            rule: rule.into(),
            status,
            severity: Severity::High,
            source: Source::Api,
            title: "t".into(),
            message: message.into(),
            subject: None,
            location: None,
            evidence: serde_json::Value::Null,
            remediation: "fix it".into(),
            new: None,
            waiver: None,
            node: None,
            skip_cause: None,
            caused_by: None,
        }
    }

    fn report(findings: Vec<Finding>) -> Report {
        Report {
            schema_version: 1,
            tool: super::super::Tool {
                name: "vaultsec".into(),
                version: "0".into(),
            },
            started_at: "2026-11-23T00:00:00Z".into(),
            duration_seconds: 0.0,
            host: "h".into(),
            profile: "production".into(),
            sources: Default::default(),
            summary: super::super::Summary::of(&findings),
            findings,
            resolved: None,
            waivers_expired: None,
            waivers_unmatched: None,
            nodes: None,
            product: None,
        }
    }

    #[test]
    fn wrap_breaks_at_spaces_and_keeps_long_words_whole() {
        assert_eq!(wrap("aa bb cc", "> ", "  ", 7), "> aa bb\n  cc\n");
        assert_eq!(
            wrap("x config.listener-all-interfaces y", "", "", 10),
            "x\nconfig.listener-all-interfaces\ny\n"
        );
        assert_eq!(wrap("", "  ", "  ", 10), "\n");
    }

    #[test]
    fn width_comes_from_columns_then_the_terminal_then_100() {
        assert_eq!(width_from(Some("80"), Some(120)), 80);
        assert_eq!(width_from(Some("junk"), Some(120)), 120);
        assert_eq!(width_from(Some("0"), None), DEFAULT_WIDTH);
        assert_eq!(width_from(None, None), DEFAULT_WIDTH);
        assert_eq!(width_from(Some("10"), None), MIN_WIDTH);
    }

    #[test]
    fn auto_colour_reads_no_color_then_clicolor_force_then_the_terminal() {
        assert!(auto_color(None, None, true));
        assert!(!auto_color(None, None, false));
        assert!(!auto_color(Some("1"), Some("1"), true));
        assert!(
            auto_color(Some(""), None, true),
            "an empty NO_COLOR is unset"
        );
        assert!(auto_color(None, Some("1"), false));
        assert!(!auto_color(None, Some("0"), false));
    }

    #[test]
    fn one_source_failure_is_one_line_not_one_per_rule() {
        let refused = "api source unavailable: nothing listens on 127.0.0.1:1";
        let mut findings: Vec<Finding> = (0..16)
            .map(|i| finding(&format!("api.rule-{i}"), Status::Error, refused))
            .collect();
        findings.push(finding("api.other", Status::Error, "an odd answer"));
        findings.push(finding("api.ok", Status::Pass, "fine"));
        let text = render_with(&report(findings.clone()), &Layout::default());
        assert_eq!(text.matches(refused).count(), 1, "{text}");
        assert!(text.contains("ERROR   16 checks could not run: api source unavailable"));
        assert!(text.contains("ERROR   high      api.other"), "{text}");
        assert!(text.contains("1 pass (--show all lists them)"), "{text}");
        // Every one of them with --show all.
        let all = render_with(
            &report(findings),
            &Layout {
                show_all: true,
                ..Layout::default()
            },
        );
        assert_eq!(all.matches(refused).count(), 16);
    }

    #[test]
    fn a_sealed_node_and_a_standby_are_said_in_one_line() {
        let mut findings: Vec<Finding> = (0..5)
            .map(|i| finding(&format!("api.r{i}"), Status::Skip, "server is sealed"))
            .collect();
        findings.push(finding(
            "api.drift",
            Status::Skip,
            "node-local endpoint not served by a standby: GET /v1/sys/config/state/sanitized",
        ));
        let text = render_with(&report(findings), &Layout::default());
        let sealed: Vec<&str> = text.lines().filter(|l| l.contains("is sealed")).collect();
        assert_eq!(sealed.len(), 1, "{text}");
        assert!(sealed[0].starts_with("NOTE: the server is sealed: 5 check(s)"));
        assert!(text.contains("NOTE: this node is a standby: 1 node-local check(s)"));
    }

    #[test]
    fn every_line_fits_a_narrow_width() {
        let mut f = finding(
            "config.listener-all-interfaces",
            Status::Fail,
            &"a long message with many words ".repeat(8),
        );
        f.subject = Some("listener 0.0.0.0:8200 with a long subject".into());
        for width in [40, 60, 80, 200] {
            let text = render_with(
                &report(vec![f.clone()]),
                &Layout {
                    width,
                    ..Layout::default()
                },
            );
            for line in text.lines() {
                assert!(line.width() <= width, "{width}: {line:?}");
            }
            assert!(text.contains("config.listener-all-interfaces"), "{text}");
        }
    }
}
