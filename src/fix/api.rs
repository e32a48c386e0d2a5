//! API fixes: Vault CLI commands for a person to review and run, each with its finding and
//! the risk of running it. vaultsec runs none of them: it stays read-only against Vault.

use super::spec::FixSpec;
use super::{Fixed, Manual};
use crate::model::Finding;
use crate::rules::Rule;
use serde_json::Value as Json;

fn sh_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+:@=,".contains(&b))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// `{field}` from the evidence, `{mount}` from an "auth mount PATH" subject; `None` when a
/// field is missing.
fn fill(template: &str, finding: &Finding) -> Option<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = open + rest[open..].find('}')?;
        let key = &rest[open + 1..close];
        let value = match key {
            "mount" => finding
                .subject
                .as_deref()
                .and_then(|s| s.split_once("auth mount "))
                .map(|(_, m)| m.to_string())?,
            k => match &finding.evidence[k] {
                Json::String(s) => s.clone(),
                Json::Null => return None,
                other => other.to_string(),
            },
        };
        out.push_str(&rest[..open]);
        out.push_str(&sh_quote(&value));
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// The script lines for the failing API findings whose rule declares a CLI fix.
pub fn plan(
    items: &[(&Finding, &Rule)],
    doc: &Json,
    fixed: &mut Vec<Fixed>,
    manual: &mut Vec<Manual>,
) -> String {
    let openbao = doc["scan"]["product"]["name"].as_str() == Some("openbao");
    let cli = if openbao { "bao" } else { "vault" };
    let mut script = String::new();
    // Revocations last: one of them may be the token the script runs with.
    let mut revocations = String::new();
    for (finding, rule) in items {
        let Some(FixSpec::Cli {
            command,
            risk,
            vault_only,
        }) = &rule.fix
        else {
            manual.push(Manual::of(finding, "no automatic fix for this rule"));
            continue;
        };
        if *vault_only && openbao {
            manual.push(Manual::of(
                finding,
                "OpenBao creates audit devices only from its config: add an audit block (see the remediation), then send SIGHUP",
            ));
            continue;
        }
        let Some(line) = fill(command, finding) else {
            manual.push(Manual::of(
                finding,
                "the finding lacks a value the command needs",
            ));
            continue;
        };
        let namespace = finding.evidence["namespace"]
            .as_str()
            .filter(|n| !n.is_empty() && *n != "root" && *n != "/")
            .map(|n| format!(" -namespace={}", sh_quote(n)))
            .unwrap_or_default();
        let (verb, rest) = line.split_once(' ').unwrap_or((&line, ""));
        let text = format!(
            "# {}{}: {}\n# risk: {risk}\n{}{cli} {verb}{namespace} {rest}\n\n",
            finding.rule,
            finding
                .subject
                .as_ref()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default(),
            finding.message.replace('\n', " "),
            if finding.evidence["is_scan_token"] == Json::Bool(true) {
                "# the token this scan used: revoke it once the scan no longer needs it\n# "
            } else {
                ""
            }
        );
        if line.starts_with("token revoke") {
            revocations.push_str(&text);
        } else {
            script.push_str(&text);
        }
        if finding.evidence["is_scan_token"] == Json::Bool(true) {
            manual.push(Manual::of(
                finding,
                "the token this scan used: its revocation is in the script, commented out; run it last",
            ));
        } else {
            fixed.push(Fixed::of(finding, "script"));
        }
    }
    script + &revocations
}
