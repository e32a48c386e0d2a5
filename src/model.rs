//! The vocabulary shared by the engine and the renderers: statuses, severities, findings.

use serde::{Deserialize, Serialize};
use std::fmt;

/// How bad a failure of a rule is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|sev| sev.as_str() == s)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The outcome of one rule for one subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Fail,
    Error,
    Waived,
    Manual,
    Skip,
    Pass,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Pass,
        Status::Fail,
        Status::Skip,
        Status::Error,
        Status::Waived,
        Status::Manual,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Skip => "skip",
            Status::Error => "error",
            Status::Waived => "waived",
            Status::Manual => "manual",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Profiles nest: baseline ⊂ production ⊂ strict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    Baseline,
    Production,
    Strict,
}

impl Profile {
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Baseline => "baseline",
            Profile::Production => "production",
            Profile::Strict => "strict",
        }
    }

    pub fn parse(s: &str) -> Option<Profile> {
        match s {
            "baseline" => Some(Profile::Baseline),
            "production" => Some(Profile::Production),
            "strict" => Some(Profile::Strict),
            _ => None,
        }
    }
}

/// Where facts come from. `File` is the files a config names (certificates, keys), read under
/// `--root`; it is available only when host access is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Config,
    File,
    Host,
    Api,
}

impl Source {
    pub const ALL: [Source; 4] = [Source::Config, Source::File, Source::Host, Source::Api];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Config => "config",
            Source::File => "file",
            Source::Host => "host",
            Source::Api => "api",
        }
    }

    pub fn parse(s: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|src| src.as_str() == s)
    }
}

/// A position in a file that a finding points at.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

/// The canonical start of the reason of a check skipped because the scan token lacks a
/// capability (`insufficient permission: GET /v1/sys/audit`). The API collector writes it; the
/// engine recognises it, even inside a rule's own skip message, and marks the finding.
pub const INSUFFICIENT_PERMISSION: &str = "insufficient permission: ";

/// The canonical end of the reason of a file the scanner itself may not read (`cannot read
/// FILE as uid N: run as root or as the service account`).
pub const SCANNER_CANNOT_READ: &str = ": run as root or as the service account";

/// Why a check was skipped, where the kind of skip matters: a skip for the token's missing
/// capability makes the scan incomplete (`cli.md`, "Exit codes"); one for the scanner's own
/// file permissions is the scanner's limit, never the server's fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipCause {
    /// The scan token lacks a capability the check needs.
    TokenPermission,
    /// The scanner's own user may not read a file the check needs.
    ScannerPermission,
}

impl SkipCause {
    /// The cause a skip reason names, if any.
    pub fn of_reason(reason: &str) -> Option<SkipCause> {
        if reason.contains(INSUFFICIENT_PERMISSION) {
            Some(SkipCause::TokenPermission)
        } else if reason.contains(SCANNER_CANNOT_READ) {
            Some(SkipCause::ScannerPermission)
        } else {
            None
        }
    }
}

/// The waiver that turned a failure into `waived`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedWaiver {
    pub reason: String,
    pub owner: String,
    pub expires: String,
}

/// One line of the checklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: String,
    pub status: Status,
    pub severity: Severity,
    pub source: Source,
    pub title: String,
    pub message: String,
    pub subject: Option<String>,
    pub location: Option<Location>,
    pub evidence: serde_json::Value,
    pub remediation: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub new: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub waiver: Option<AppliedWaiver>,
    /// The node the finding comes from, in a fleet report made by `vaultsec merge`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub node: Option<String>,
    /// Why a `skip` was a skip, when that matters (see [`SkipCause`]).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub skip_cause: Option<SkipCause>,
    /// A failure explained by another rule's failure (e.g. `host.service-user-root` for a
    /// config the server can write because it runs as root): fix that one first.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub caused_by: Option<String>,
}

impl Finding {
    /// This check could not see, so the scan is incomplete (`cli.md`, "Exit codes"): it ended
    /// in `error`, or was skipped because the token lacks a capability it needs.
    pub fn makes_incomplete(&self) -> bool {
        match self.status {
            Status::Error => true,
            Status::Skip => self.skip_cause == Some(SkipCause::TokenPermission),
            _ => false,
        }
    }

    /// The rule family, e.g. `tls` for `tls.cert-expired`: the checklist is grouped by it.
    pub fn area(&self) -> &str {
        self.rule.split('.').next().unwrap_or(&self.rule)
    }

    /// What identifies a finding across runs (baselines, waivers in reports, fingerprints):
    /// the rule, the subject and the file, but neither the line (edits move it) nor the
    /// message (it may carry changing values).
    pub fn identity(&self) -> FindingKey {
        FindingKey {
            node: self.node.clone(),
            rule: self.rule.clone(),
            subject: self.subject.clone(),
            file: self.location.as_ref().map(|l| l.file.clone()),
        }
    }
}

/// See [`Finding::identity`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FindingKey {
    pub node: Option<String>,
    pub rule: String,
    pub subject: Option<String>,
    pub file: Option<String>,
}
