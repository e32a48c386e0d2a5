//! `vaultsec fix`: turns failing findings into changes an operator reviews and applies.
//! Config fixes are a unified diff of byte-range edits (comments and layout kept); nothing is
//! ever applied to a running server.

pub mod api;
pub mod config;
pub mod host;
pub mod spec;
pub mod text;

pub use spec::FixSpec;

use crate::engine::Settings;
use crate::model::{Finding, Source, Status};
use crate::rules::RuleSet;
use std::path::{Path, PathBuf};

/// A finding the plan repairs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixed {
    pub rule: String,
    pub subject: Option<String>,
    pub file: String,
}

impl Fixed {
    fn of(f: &Finding, file: &str) -> Fixed {
        Fixed {
            rule: f.rule.clone(),
            subject: f.subject.clone(),
            file: file.to_string(),
        }
    }
}

/// A failing finding left to a person, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manual {
    pub rule: String,
    pub subject: Option<String>,
    pub location: Option<String>,
    pub reason: String,
}

impl Manual {
    fn of(f: &Finding, reason: &str) -> Manual {
        Manual {
            rule: f.rule.clone(),
            subject: f.subject.clone(),
            location: f
                .location
                .as_ref()
                .map(|l| format!("{}:{}:{}", l.file, l.line, l.column)),
            reason: reason.to_string(),
        }
    }
}

/// Everything `vaultsec fix` produces from one scan.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub config: Vec<config::FilePatch>,
    /// The systemd drop-in and shell commands of the host findings.
    pub host: Option<host::HostFix>,
    /// Vault CLI commands for the API findings.
    pub api_script: String,
    pub fixed: Vec<Fixed>,
    pub manual: Vec<Manual>,
}

/// The rule's parameters with the `--set` overrides applied.
fn params_of(rule: &crate::rules::Rule, settings: &Settings) -> config::Params {
    let mut params: config::Params = rule
        .params
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for o in settings.overrides.iter().filter(|o| o.rule == rule.id) {
        params.insert(o.param.clone(), o.value.clone());
    }
    params
}

/// Plans the fixes of every `fail` (waived findings are `waived`, so never fixed).
/// `resolve` maps a finding's file to the path to read and write; `first_config_file` is where
/// a key absent from the config is added.
pub fn plan(
    findings: &[Finding],
    rules: &RuleSet,
    settings: &Settings,
    resolve: &dyn Fn(&str) -> PathBuf,
    first_config_file: Option<&str>,
    doc: &serde_json::Value,
) -> Plan {
    let mut plan = Plan::default();
    let mut config_items = Vec::new();
    let mut host_items = Vec::new();
    let mut api_items = Vec::new();
    for f in findings.iter().filter(|f| f.status == Status::Fail) {
        let Some(rule) = rules.get(&f.rule) else {
            continue;
        };
        // The kind of fix, not the finding's source, says where it goes.
        match &rule.fix {
            Some(FixSpec::Systemd { .. } | FixSpec::Shell { .. }) => host_items.push((f, rule)),
            Some(FixSpec::Cli { .. }) => api_items.push((f, rule)),
            Some(_) if f.source == Source::Config => {
                config_items.push((f, rule, params_of(rule, settings)))
            }
            _ => plan.manual.push(Manual::of(
                f,
                "no automatic fix for this rule; see its remediation (vaultsec rules explain)",
            )),
        }
    }
    plan.api_script = api::plan(&api_items, doc, &mut plan.fixed, &mut plan.manual);
    plan.host = host::plan(&host_items, doc, &mut plan.fixed, &mut plan.manual);
    plan.config = config::plan(
        &config_items,
        resolve,
        first_config_file,
        &mut plan.fixed,
        &mut plan.manual,
    );
    plan
}

/// The `a/` and `b/` name of a file in the patch: relative as given, else the absolute path
/// without its `/` (apply it with `patch -p1 -d /`).
fn patch_name(shown: &str) -> String {
    let p = Path::new(shown);
    let rel = p
        .strip_prefix("/")
        .or_else(|_| p.strip_prefix("./"))
        .unwrap_or(p);
    rel.display().to_string()
}

/// The unified diff of every patched config file, ready for `git apply` / `patch -p1`.
pub fn unified_diff(patches: &[config::FilePatch]) -> String {
    let mut out = String::new();
    for p in patches {
        let name = patch_name(&p.shown);
        let diff = similar::TextDiff::from_lines(&p.before, &p.after);
        out.push_str(&format!("diff --git a/{name} b/{name}\n"));
        out.push_str(
            &diff
                .unified_diff()
                .context_radius(3)
                .header(&format!("a/{name}"), &format!("b/{name}"))
                .to_string(),
        );
    }
    out
}

/// Writes every patched file in place, atomically, each after a backup of its original
/// (`FILE.vaultsec-bak`); the file keeps its mode and owner. Returns the backups.
pub fn write_patched(patches: &[config::FilePatch]) -> anyhow::Result<Vec<PathBuf>> {
    let mut backups = Vec::new();
    for p in patches {
        let mut name = p.path.as_os_str().to_owned();
        name.push(".vaultsec-bak");
        let backup = PathBuf::from(name);
        crate::fsutil::replace_keeping_owner(&backup, p.before.as_bytes(), Some(&p.path))?;
        backups.push(backup);
    }
    for p in patches {
        crate::fsutil::replace_keeping_owner(&p.path, p.after.as_bytes(), Some(&p.path))?;
    }
    Ok(backups)
}

/// The summary for standard error: what was fixed, what is left to a person and why.
pub fn summary(plan: &Plan) -> String {
    let mut out = String::new();
    let subject = |s: &Option<String>| s.as_ref().map(|s| format!(" ({s})")).unwrap_or_default();
    for f in &plan.fixed {
        out.push_str(&format!(
            "fixed:  {}{} in {}\n",
            f.rule,
            subject(&f.subject),
            f.file
        ));
    }
    for m in &plan.manual {
        let at = m
            .location
            .as_ref()
            .map(|l| format!(" at {l}"))
            .unwrap_or_default();
        out.push_str(&format!(
            "manual: {}{}{}: {}\n",
            m.rule,
            subject(&m.subject),
            at,
            m.reason
        ));
    }
    out.push_str(&format!(
        "{} fixed, {} left to do by hand\n",
        plan.fixed.len(),
        plan.manual.len()
    ));
    out
}

/// The reviewable script: the host commands, each with its finding and risk. Nothing in it
/// is run by vaultsec.
pub fn script(host: &host::HostFix, api_script: &str) -> String {
    let mut out = String::from(
        "#!/bin/sh\n# Written by vaultsec fix: review every command, then run it as root.\n# vaultsec runs none of it.\nset -eu\n\n",
    );
    out.push_str(api_script);
    out.push_str(&host.script);
    out
}
