//! Host fixes: one systemd drop-in with exactly the directives the failing host findings need,
//! and the shell commands (ownership, modes, the restart) for a person to run.

use super::spec::FixSpec;
use super::{Fixed, Manual};
use crate::model::Finding;
use crate::rules::Rule;
use serde_json::Value as Json;

/// The drop-in and the commands that go with it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostFix {
    /// Where the drop-in belongs (`/etc/systemd/system/vault.service.d/50-vaultsec.conf`).
    pub dropin_path: String,
    /// Its text; empty when no directive is needed.
    pub dropin: String,
    /// Shell lines (comments included) for the script.
    pub script: String,
}

/// Quotes a path for a POSIX shell.
fn sh_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+:@".contains(&b))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The service account and its group from the facts; the product's packaged account when the
/// server runs as root (or the account is unknown).
fn account(doc: &Json) -> (String, String) {
    let acct = &doc["host"]["account"]["value"];
    let product = doc["scan"]["product"]["name"].as_str().unwrap_or("vault");
    let default = if product == "openbao" {
        "openbao"
    } else {
        "vault"
    };
    let name = acct["name"]
        .as_str()
        .filter(|n| *n != "root" && !n.is_empty())
        .unwrap_or(default)
        .to_string();
    let group = if acct["name"].as_str() == Some(name.as_str()) {
        acct["groups"]
            .as_array()
            .and_then(|gs| {
                gs.iter()
                    .find(|g| g["gid"] == acct["gid"])
                    .and_then(|g| g["name"].as_str())
            })
            .unwrap_or(&name)
            .to_string()
    } else {
        name.clone()
    };
    (name, group)
}

fn fill(template: &str, account: &str, group: &str, path: Option<&str>) -> String {
    let mut out = template
        .replace("{account}", account)
        .replace("{group}", group);
    if let Some(p) = path {
        out = out.replace("{path}", &sh_quote(p));
    }
    out
}

/// Plans the host fixes of the failing host findings whose rule declares one.
pub fn plan(
    items: &[(&Finding, &Rule)],
    doc: &Json,
    fixed: &mut Vec<Fixed>,
    manual: &mut Vec<Manual>,
) -> Option<HostFix> {
    if items.is_empty() {
        return None;
    }
    let unit = doc["host"]["unit"]["value"]["name"]
        .as_str()
        .map(str::to_string);
    let (acct, group) = account(doc);
    let mut directives: Vec<(String, String)> = Vec::new();
    let mut script = String::new();
    for (finding, rule) in items {
        let subject = finding
            .subject
            .as_ref()
            .map(|s| format!(" ({s})"))
            .unwrap_or_default();
        match &rule.fix {
            Some(FixSpec::Systemd {
                directives: list,
                for_missing,
            }) => {
                let Some(unit) = &unit else {
                    manual.push(Manual::of(
                        finding,
                        "no systemd unit found for the server: set this where it is started",
                    ));
                    continue;
                };
                let mut wanted: Vec<String> =
                    list.iter().map(|d| fill(d, &acct, &group, None)).collect();
                if let Some(missing) = finding.evidence["missing"].as_array() {
                    wanted.extend(
                        missing
                            .iter()
                            .filter_map(|m| m.as_str())
                            .filter_map(|m| for_missing.get(m).cloned()),
                    );
                }
                for d in wanted {
                    if !directives.iter().any(|(have, _)| *have == d) {
                        directives.push((d, format!("{}{}", finding.rule, subject)));
                    }
                }
                fixed.push(Fixed::of(finding, &format!("{unit} drop-in")));
            }
            Some(FixSpec::Shell { commands, risk }) => {
                let Some(path) = finding.evidence["path"].as_str() else {
                    manual.push(Manual::of(finding, "the finding names no path"));
                    continue;
                };
                script.push_str(&format!(
                    "# {}{}: {}\n# risk: {risk}\n",
                    finding.rule,
                    subject,
                    finding.message.replace('\n', " ")
                ));
                for c in commands {
                    script.push_str(&fill(c, &acct, &group, Some(path)));
                    script.push('\n');
                }
                script.push('\n');
                fixed.push(Fixed::of(finding, "script"));
            }
            _ => manual.push(Manual::of(finding, "no automatic fix for this rule")),
        }
    }
    // Vault with mlock keeps CAP_IPC_LOCK once it runs unprivileged or under NoNewPrivileges
    // (which also voids a file capability on the binary).
    let mlock_used = doc["scan"]["product"]["name"].as_str() != Some("openbao")
        && doc["config"]["disable_mlock"].as_bool() != Some(true);
    let drops_privileges = directives
        .iter()
        .any(|(d, _)| d.starts_with("User=") || d == "NoNewPrivileges=yes");
    if mlock_used && drops_privileges {
        for d in [
            "CapabilityBoundingSet=CAP_SYSLOG CAP_IPC_LOCK",
            "AmbientCapabilities=CAP_IPC_LOCK",
        ] {
            if !directives.iter().any(|(have, _)| have == d) {
                directives.push((
                    d.to_string(),
                    "mlock: Vault locks its memory and needs CAP_IPC_LOCK without root or under NoNewPrivileges".into(),
                ));
            }
        }
    }
    let unit = unit.unwrap_or_else(|| "vault.service".into());
    let dropin_path = format!("/etc/systemd/system/{unit}.d/50-vaultsec.conf");
    let mut dropin = String::new();
    if !directives.is_empty() {
        dropin.push_str(&format!(
            "# {dropin_path}\n# Written by vaultsec fix for the failing host findings; review it, then:\n#   systemctl daemon-reload && systemctl restart {unit}\n[Service]\n"
        ));
        for (d, why) in &directives {
            dropin.push_str(&format!("# {why}\n{d}\n"));
        }
        script.push_str(&format!(
            "# The drop-in: install it as {dropin_path}, then reload and restart.\n# risk: a restart seals the node unless it auto-unseals; restart standbys first, one at a time.\nsystemctl daemon-reload && systemctl restart {}\n",
            sh_quote(&unit)
        ));
    }
    Some(HostFix {
        dropin_path,
        dropin,
        script,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_quoted_for_the_shell() {
        assert_eq!(sh_quote("/opt/vault/tls/tls.key"), "/opt/vault/tls/tls.key");
        assert_eq!(sh_quote("/opt/my vault/it's"), r"'/opt/my vault/it'\''s'");
        assert_eq!(sh_quote("$(rm -rf /)"), "'$(rm -rf /)'");
    }
}
