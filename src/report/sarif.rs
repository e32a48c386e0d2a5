//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other CI viewers.
//!
//! Every rule is listed in `tool.driver.rules` with its help and `security-severity`; each
//! `fail` finding is one result, located at the offending key of the file it came from.

use super::Report;
use crate::model::{Finding, Severity, Source, Status};
use crate::rules::RuleSet;
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, Message, MultiformatMessageString, Notification,
    PhysicalLocation, PropertyBag, Region, ReportingDescriptor, ReportingDescriptorReference,
    Result as SarifResult, ResultLevel, Run, Sarif, Tool, ToolComponent,
};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// HashiCorp's production hardening guide: vaultsec has no published home page, and its
/// checklist is the guide's (so it is the tool's `informationUri`), and the help page of a
/// rule whose references hold no web page.
const HARDENING_GUIDE: &str =
    "https://developer.hashicorp.com/vault/docs/concepts/production-hardening";

/// `security-severity` as GitHub reads it (`cli.md`).
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

fn level(s: Severity) -> ResultLevel {
    match s {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low | Severity::Info => ResultLevel::Note,
    }
}

/// A repository-relative URI for a report path: relative paths stay as given (without `./`),
/// absolute ones are made relative to the working directory when they lie under it.
pub fn artifact_uri(path: &str) -> String {
    let p = std::path::Path::new(path);
    let rel = if p.is_absolute() {
        std::env::current_dir()
            .ok()
            .and_then(|cwd| p.strip_prefix(cwd).ok().map(|r| r.to_path_buf()))
    } else {
        Some(p.to_path_buf())
    };
    match rel {
        Some(r) => {
            let s = r.to_string_lossy().replace('\\', "/");
            let s = s.trim_start_matches("./").to_string();
            percent_encode_path(&s)
        }
        None => format!("file://{}", percent_encode_path(&p.to_string_lossy())),
    }
}

fn percent_encode_path(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A fingerprint that survives line moves: rule, subject and file, not the line number.
fn fingerprint(f: &Finding) -> String {
    let mut h = Sha256::new();
    // A fleet report's findings differ by node; a node report's hash stays as it was.
    if let Some(node) = &f.node {
        h.update(node.as_bytes());
        h.update([0]);
    }
    h.update(f.rule.as_bytes());
    h.update([0]);
    h.update(f.subject.as_deref().unwrap_or("").as_bytes());
    h.update([0]);
    h.update(
        f.location
            .as_ref()
            .map(|l| l.file.as_str())
            .unwrap_or("")
            .as_bytes(),
    );
    let digest = h.finalize();
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

fn rule_descriptor(rule: &crate::rules::Rule) -> ReportingDescriptor {
    let mut props = BTreeMap::new();
    props.insert(
        "security-severity".to_string(),
        serde_json::json!(security_severity(rule.severity)),
    );
    props.insert("precision".to_string(), serde_json::json!("very-high"));
    props.insert(
        "profile".to_string(),
        serde_json::json!(rule.profile.as_str()),
    );
    let references: String = rule.references.iter().map(|r| format!("\n- {r}")).collect();
    let help_text = format!(
        "{}\n\nRemediation: {}{}",
        rule.rationale,
        rule.remediation,
        if references.is_empty() {
            String::new()
        } else {
            format!("\n\nReferences:{references}")
        }
    );
    let help_markdown = format!(
        "{}\n\n**Remediation:** {}{}",
        rule.rationale,
        rule.remediation,
        if references.is_empty() {
            String::new()
        } else {
            format!("\n\n**References:**{references}")
        }
    );
    let builder = ReportingDescriptor::builder()
        .id(rule.id.clone())
        .name(rule.id.replace(['.', '-'], "_"))
        .short_description(
            MultiformatMessageString::builder()
                .text(rule.title.clone())
                .build(),
        )
        .full_description(
            MultiformatMessageString::builder()
                .text(rule.rationale.clone())
                .build(),
        )
        .help(
            MultiformatMessageString::builder()
                .text(help_text)
                .markdown(help_markdown)
                .build(),
        )
        .properties(
            PropertyBag::builder()
                .tags(vec![
                    "security".to_string(),
                    format!("vaultsec/{}", rule.area()),
                ])
                .additional_properties(props)
                .build(),
        );
    // Every rule has a help page (GitHub links it): its first web reference, else the guide.
    let help_uri = rule
        .references
        .iter()
        .find(|r| r.starts_with("https://"))
        .cloned()
        .unwrap_or_else(|| HARDENING_GUIDE.to_string());
    builder.help_uri(help_uri).build()
}

/// Where a finding that names no place of its own is shown: the first line of the config the
/// scan read (of that node, in a fleet report). GitHub code scanning drops a result without
/// a location, and a config-wide finding (no telemetry block, a default left unset) concerns
/// the config as a whole.
fn fallback_locations(report: &Report) -> BTreeMap<Option<&str>, &str> {
    let mut out = BTreeMap::new();
    for f in &report.findings {
        if f.source != Source::Config {
            continue;
        }
        if let Some(loc) = &f.location {
            out.entry(f.node.as_deref()).or_insert(loc.file.as_str());
        }
    }
    out
}

fn sarif_location(file: &str, line: u32, column: u32) -> Location {
    Location::builder()
        .physical_location(
            PhysicalLocation::builder()
                .artifact_location(ArtifactLocation::builder().uri(artifact_uri(file)).build())
                .region(
                    Region::builder()
                        .start_line(i64::from(line.max(1)))
                        .start_column(i64::from(column.max(1)))
                        .build(),
                )
                .build(),
        )
        .build()
}

pub fn render(report: &Report, rules: &RuleSet) -> anyhow::Result<String> {
    let descriptors: Vec<ReportingDescriptor> = rules.rules.iter().map(rule_descriptor).collect();
    let fallback = fallback_locations(report);
    let mut results = Vec::new();
    for f in report.findings.iter().filter(|f| f.status == Status::Fail) {
        let rule_index = rules.rules.iter().position(|r| r.id == f.rule);
        // The finding itself: the rule's title is the state wanted and GitHub shows it beside
        // the result already, so "title: message" would read as a contradiction.
        let text = match &f.subject {
            Some(s) if !f.message.contains(s.as_str()) => format!("{} ({s})", f.message),
            _ => f.message.clone(),
        };
        let text = match &f.node {
            Some(node) => format!("{node}: {text}"),
            None => text,
        };
        let mut fingerprints = BTreeMap::new();
        fingerprints.insert("vaultsecFindingHash/v1".to_string(), fingerprint(f));
        let locations: Vec<Location> = match &f.location {
            Some(loc) => vec![sarif_location(&loc.file, loc.line, loc.column)],
            None => fallback
                .get(&f.node.as_deref())
                .map(|file| vec![sarif_location(file, 1, 1)])
                .unwrap_or_default(),
        };
        let builder = SarifResult::builder()
            .rule_id(f.rule.clone())
            .level(level(f.severity))
            .message(Message::builder().text(text).build())
            .partial_fingerprints(fingerprints);
        let result = match (rule_index, locations.is_empty()) {
            (Some(i), false) => builder.rule_index(i as i64).locations(locations).build(),
            (Some(i), true) => builder.rule_index(i as i64).build(),
            (None, false) => builder.locations(locations).build(),
            (None, true) => builder.build(),
        };
        results.push(result);
    }
    let driver = ToolComponent::builder()
        .name("vaultsec")
        .version(report.tool.version.clone())
        .information_uri(HARDENING_GUIDE.to_string())
        .rules(descriptors)
        .build();
    // Where and when the scan ran, as every format says; "successful" means complete, and
    // each check that could not see is a notification naming its rule.
    let notifications: Vec<Notification> = report
        .summary
        .incomplete
        .iter()
        .map(|i| {
            let mut rule = ReportingDescriptorReference::builder()
                .id(i.rule.clone())
                .build();
            rule.index = rules
                .rules
                .iter()
                .position(|r| r.id == i.rule)
                .map(|n| n as i64);
            let node = i
                .node
                .as_deref()
                .map(|n| format!("{n}: "))
                .unwrap_or_default();
            let subject = i
                .subject
                .as_deref()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default();
            Notification::builder()
                .message(
                    Message::builder()
                        .text(format!(
                            "{node}{}{subject} could not see: {}",
                            i.rule, i.reason
                        ))
                        .build(),
                )
                .level(serde_json::json!(if i.status == Status::Error {
                    "error"
                } else {
                    "warning"
                }))
                .associated_rule(rule)
                .build()
        })
        .collect();
    let invocation = Invocation::builder()
        .execution_successful(report.is_complete())
        .start_time_utc(report.started_at.clone())
        .machine(report.host.clone());
    let mut invocation = if notifications.is_empty() {
        invocation.build()
    } else {
        invocation
            .tool_execution_notifications(notifications)
            .build()
    };
    // A file outside the working directory has an absolute `file://` URI: GitHub then needs
    // the working directory to tell where the checkout is.
    let absolute = results.iter().any(|r| {
        r.locations.iter().flatten().any(|l| {
            l.physical_location
                .as_ref()
                .and_then(|p| p.artifact_location.as_ref())
                .and_then(|a| a.uri.as_deref())
                .is_some_and(|u| u.starts_with("file://"))
        })
    });
    if absolute {
        invocation.working_directory = std::env::current_dir().ok().map(|cwd| {
            let mut uri = format!("file://{}", percent_encode_path(&cwd.to_string_lossy()));
            if !uri.ends_with('/') {
                uri.push('/');
            }
            ArtifactLocation::builder().uri(uri).build()
        });
    }
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .invocations(vec![invocation])
        .results(results)
        .build();
    let sarif = Sarif::builder()
        .schema(SARIF_SCHEMA)
        .version(serde_json::json!("2.1.0"))
        .runs(vec![run])
        .build();
    let mut text = serde_json::to_string_pretty(&sarif)?;
    text.push('\n');
    Ok(text)
}
