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

fn area_title(area: &str) -> String {
    AREAS
        .iter()
        .find(|(a, _)| *a == area)
        .map(|(_, t)| t.to_string())
        .unwrap_or_else(|| area.to_string())
}

fn area_rank(area: &str) -> usize {
    AREAS
        .iter()
        .position(|(a, _)| *a == area)
        .unwrap_or(AREAS.len())
}

fn status_cell(status: Status, color: bool) -> Cell {
    let (text, fg) = match status {
        Status::Pass => ("PASS", Color::Green),
        Status::Fail => ("FAIL", Color::Red),
        Status::Skip => ("SKIP", Color::DarkGrey),
        Status::Error => ("ERROR", Color::Magenta),
        Status::Waived => ("WAIVED", Color::Yellow),
        Status::Manual => ("MANUAL", Color::Cyan),
    };
    let cell = Cell::new(text);
    if color {
        cell.fg(fg).add_attribute(Attribute::Bold)
    } else {
        cell
    }
}

fn message_with_location(f: &Finding) -> String {
    match &f.location {
        Some(loc) => format!("{}\n@ {}:{}:{}", f.message, loc.file, loc.line, loc.column),
        None => f.message.clone(),
    }
}

pub fn render(report: &Report, color: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "vaultsec {} · profile {} · {} · {}",
        report.tool.version, report.profile, report.host, report.started_at
    );
    let sources: Vec<String> = report
        .sources
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    let _ = writeln!(out, "sources: {}", sources.join(" · "));

    let mut areas: Vec<&str> = report.findings.iter().map(Finding::area).collect();
    areas.sort_by_key(|a| (area_rank(a), a.to_string()));
    areas.dedup();
    for area in areas {
        let _ = writeln!(out, "\n{}", area_title(area));
        let mut table = Table::new();
        table
            .load_style(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(140);
        if !color {
            table.force_no_tty();
        }
        table.set_header(vec!["Status", "Severity", "Rule", "Subject", "Finding"]);
        for f in report.findings.iter().filter(|f| f.area() == area) {
            table.add_row(vec![
                status_cell(f.status, color),
                Cell::new(f.severity.as_str()),
                Cell::new(&f.rule),
                Cell::new(f.subject.as_deref().unwrap_or("")),
                Cell::new(message_with_location(f)),
            ]);
        }
        let _ = writeln!(out, "{table}");
    }

    let mut fixes: Vec<(&str, &str)> = report
        .findings
        .iter()
        .filter(|f| f.status == Status::Fail)
        .map(|f| (f.rule.as_str(), f.remediation.as_str()))
        .collect();
    fixes.dedup();
    if !fixes.is_empty() {
        let _ = writeln!(out, "\nHow to fix");
        for (rule, fix) in fixes {
            let _ = writeln!(out, "  {rule}: {}", fix.replace('\n', "\n    "));
        }
    }
    let s = &report.summary;
    let _ = writeln!(
        out,
        "\n{} pass · {} fail · {} skip · {} error · {} waived · {} manual",
        s.pass, s.fail, s.skip, s.error, s.waived, s.manual
    );
    out
}
