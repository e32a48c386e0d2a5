//! `--format table`: a checklist for a person at a terminal, grouped by area.

use super::Report;
use crate::model::{Finding, Status};
use comfy_table::{presets, Attribute, Cell, Color, ContentArrangement, Table};
use std::fmt::Write as _;

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

fn status_cell(status: Status, new: bool, color: bool) -> Cell {
    let (text, fg) = match status {
        Status::Pass => ("PASS", Color::Green),
        Status::Fail => ("FAIL", Color::Red),
        Status::Skip => ("SKIP", Color::DarkGrey),
        Status::Error => ("ERROR", Color::Magenta),
        Status::Waived => ("WAIVED", Color::Yellow),
        Status::Manual => ("MANUAL", Color::Cyan),
    };
    let cell = if new {
        Cell::new(format!("{text} (new)"))
    } else {
        Cell::new(text)
    };
    if color {
        cell.fg(fg).add_attribute(Attribute::Bold)
    } else {
        cell
    }
}

fn message_with_location(f: &Finding) -> String {
    let mut text = match &f.location {
        Some(loc) => format!("{}\n@ {}:{}:{}", f.message, loc.file, loc.line, loc.column),
        None => f.message.clone(),
    };
    if let Some(w) = &f.waiver {
        text.push_str(&format!(
            "\nwaived until {} by {}: {}",
            w.expires, w.owner, w.reason
        ));
    }
    text
}

fn waiver_lines(out: &mut String, title: &str, list: &[super::WaiverNote]) {
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
        let _ = writeln!(
            out,
            "  {node}{} [{}] owner {}, expires {} ({}): {}",
            w.rule,
            w.subject.as_deref().unwrap_or("any subject"),
            w.owner,
            w.expires,
            w.at,
            w.reason
        );
    }
}

/// The scan could not see everything: said first, so a complete-looking checklist cannot hide it.
fn incomplete_lines(out: &mut String, report: &Report) {
    let skipped = report.permission_skips();
    if skipped > 0 {
        let missing = report.missing_capabilities();
        let shown: Vec<&str> = missing.iter().copied().take(3).collect();
        let more = match missing.len().saturating_sub(shown.len()) {
            0 => String::new(),
            n => format!(" and {n} more"),
        };
        let _ = writeln!(
            out,
            "INCOMPLETE: {skipped} check(s) could not run: the token lacks capabilities they need \
             ({}{more}) — see `vaultsec policy`",
            shown.join(", ")
        );
    }
    let errors = report.summary.incomplete.len() - skipped;
    if errors > 0 {
        let _ = writeln!(
            out,
            "INCOMPLETE: {errors} check(s) ended in error (see ERROR below)"
        );
    }
}

pub fn render(report: &Report, color: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "vaultsec {} · {} hardening audit · profile {} · {} · {}",
        report.tool.version,
        report.product_name(),
        report.profile,
        report.host,
        report.started_at
    );
    let sources: Vec<String> = report
        .sources
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    let _ = writeln!(out, "sources: {}", sources.join(" · "));
    incomplete_lines(&mut out, report);

    if let Some(nodes) = &report.nodes {
        let _ = writeln!(out, "fleet of {} node(s):", nodes.len());
        for n in nodes {
            let s = &n.summary;
            let _ = writeln!(
                out,
                "  {} ({}, {}): {}",
                n.node,
                n.started_at,
                n.profile,
                s.line(" · ")
            );
        }
    }

    for group in super::groups(report) {
        match group.node {
            Some(node) => {
                let _ = writeln!(out, "\n{node} · {}", area_title(group.area));
            }
            None => {
                let _ = writeln!(out, "\n{}", area_title(group.area));
            }
        }
        // An area whose every check was skipped for one reason (typically a source that is
        // off) is one line, not a table repeating the reason on every row.
        if let Some(first) = group.findings.first() {
            let all_same_skip = group
                .findings
                .iter()
                .all(|f| f.status == Status::Skip && f.message == first.message);
            if all_same_skip && group.findings.len() > 1 {
                let _ = writeln!(
                    out,
                    "  {} {} checks skipped: {}",
                    if color {
                        "\u{1b}[90mSKIP\u{1b}[0m"
                    } else {
                        "SKIP"
                    },
                    group.findings.len(),
                    first.message
                );
                continue;
            }
        }
        let mut table = Table::new();
        table
            .load_style(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(140);
        if !color {
            table.force_no_tty();
        }
        table.set_header(vec!["Status", "Severity", "Rule", "Subject", "Finding"]);
        for f in group.findings {
            table.add_row(vec![
                status_cell(f.status, f.new == Some(true), color),
                Cell::new(f.severity.as_str()),
                Cell::new(&f.rule),
                Cell::new(f.subject.as_deref().unwrap_or("")),
                Cell::new(message_with_location(f)),
            ]);
        }
        let _ = writeln!(out, "{table}");
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
            let _ = writeln!(out, "  {rule}: {cause}{}", fix.replace('\n', "\n    "));
        }
    }
    if let Some(resolved) = &report.resolved {
        let new = report
            .findings
            .iter()
            .filter(|f| f.new == Some(true) && f.status == Status::Fail)
            .count();
        let _ = writeln!(
            out,
            "\nSince the baseline: {new} new failure(s), {} resolved",
            resolved.len()
        );
        for r in resolved {
            let node = r
                .node
                .as_deref()
                .map(|n| format!("{n}: "))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  resolved: {node}{} [{}] {} ({})",
                r.rule,
                r.subject.as_deref().unwrap_or("-"),
                r.message,
                r.severity
            );
        }
    }
    waiver_lines(
        &mut out,
        "Expired waivers (no longer applied)",
        report.waivers_expired.as_deref().unwrap_or_default(),
    );
    waiver_lines(
        &mut out,
        "Waivers matching no failure (remove them)",
        report.waivers_unmatched.as_deref().unwrap_or_default(),
    );
    let s = &report.summary;
    let _ = writeln!(
        out,
        "
{}",
        s.line(" · ")
    );
    out
}
