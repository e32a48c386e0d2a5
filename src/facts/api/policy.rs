//! ACL policy text: parsed enough to list each path and its capabilities, and to say
//! whether a policy is over-broad (sudo anywhere, or any capability on `*`, `+/*`, `sys/*`).
//! Also the least-privilege policy a scan token needs.

use crate::facts::hcl1::{self, Value};
use serde::Serialize;

/// The least-privilege ACL policy for a scan token: exactly the reads this collector
/// makes. `sudo` is required by the server on `sys/audit`, `auth/token/accessors`,
/// `sys/auth/<mount>/tune` and `sys/config/cors`. (`auth/token/lookup-self` comes with
/// the `default` policy.) Lab-verified against OpenBao 2.7.2.
pub const SCANNER_POLICY_HCL: &str = r#"# vaultsec scan token: read-only. Give the token a short TTL: it can enumerate accessors.
path "sys/ha-status"                     { capabilities = ["read"] }
path "sys/audit"                         { capabilities = ["read", "sudo"] }
path "sys/auth"                          { capabilities = ["read"] }
path "sys/auth/+/tune"                   { capabilities = ["read", "sudo"] }
path "sys/mounts"                        { capabilities = ["read"] }
path "auth/token/lookup-self"            { capabilities = ["read"] }
path "auth/token/accessors"              { capabilities = ["list", "sudo"] }
path "auth/token/lookup-accessor"        { capabilities = ["update"] }
path "sys/namespaces"                    { capabilities = ["list"] }
path "sys/policies/acl"                  { capabilities = ["list"] }
path "sys/policies/acl/*"                { capabilities = ["read"] }
path "sys/storage/raft/configuration"    { capabilities = ["read"] }
path "sys/storage/raft/autopilot/state"  { capabilities = ["read"] }
path "sys/config/state/sanitized"        { capabilities = ["read"] }
path "sys/config/cors"                   { capabilities = ["read", "sudo"] }
path "sys/metrics"                       { capabilities = ["read"] }
path "sys/host-info"                     { capabilities = ["read"] }
path "sys/version-history"               { capabilities = ["list"] }
path "sys/version-history/"              { capabilities = ["list"] }
"#;

/// Paths that make a policy over-broad when it grants anything on them.
pub const BROAD_PATHS: [&str; 3] = ["*", "+/*", "sys/*"];

/// One `path` stanza.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyRule {
    /// The path pattern.
    pub path: String,
    /// Capabilities (the legacy `policy = "write"` form is expanded).
    pub capabilities: Vec<String>,
}

/// One ACL policy with its analysis.
#[derive(Debug, Clone, Serialize)]
pub struct AclPolicyFacts {
    /// Policy name.
    pub name: String,
    /// ok / skip / error of `GET sys/policies/acl/<name>`.
    pub state: super::facts::ProbeState,
    /// Why the text could not be read.
    pub reason: Option<String>,
    /// HTTP status of the read.
    pub http_status: Option<u16>,
    /// Policy text as stored.
    pub text: Option<String>,
    /// Why the text could not be parsed (the flags below are then unknown: false).
    pub parse_error: Option<String>,
    /// Path stanzas in order.
    pub rules: Vec<PolicyRule>,
    /// Some path grants `sudo`.
    pub grants_sudo: bool,
    /// Paths granting `sudo`.
    pub sudo_paths: Vec<String>,
    /// Broad paths (`*`, `+/*`, `sys/*`) granted any capability other than `deny`.
    pub broad_paths: Vec<String>,
    /// `grants_sudo` or any broad path (the `root` policy is never analysed).
    pub overbroad: bool,
}

/// Parses policy text as Vault and OpenBao do: with HCL version 1 (HCL, or the JSON form,
/// chosen by a leading `{`). hcl-rs/hcl-edit read HCL2, which rejects policies the server
/// stores (and hcl-edit panicked on an error past column 65,535). A syntax error is
/// `line:column: reason`, never the policy text.
pub fn parse_policy(text: &str) -> Result<Vec<PolicyRule>, String> {
    let body = hcl1::parse(text).map_err(|e| e.to_string())?;
    let mut rules = Vec::new();
    for item in &body.items {
        if item.keys.first().is_some_and(|k| k.name == "path") {
            let labels: Vec<&str> = item.keys[1..].iter().map(|k| k.name.as_str()).collect();
            collect_paths(&labels, &item.value, &mut rules);
        }
    }
    Ok(rules)
}

/// The `path` stanzas under a `path` key: a block `path "p" { .. }`, or the JSON shapes
/// `{"path": {"p": {..}}}` and `{"path": [{"p": {..}}]}` (HCL1 flattens these the same way).
/// Iterative over labels and lists; the parser bounds the nesting.
fn collect_paths(labels: &[&str], node: &hcl1::Node, rules: &mut Vec<PolicyRule>) {
    match (&node.value, labels.first()) {
        (Value::Object(body), Some(path)) => rules.push(PolicyRule {
            path: (*path).to_owned(),
            capabilities: capabilities(body),
        }),
        (Value::Object(body), None) => {
            for inner in &body.items {
                let inner_labels: Vec<&str> = inner.keys.iter().map(|k| k.name.as_str()).collect();
                collect_paths(&inner_labels, &inner.value, rules);
            }
        }
        (Value::List(elems), _) => {
            for elem in elems {
                collect_paths(labels, elem, rules);
            }
        }
        _ => {}
    }
}

fn capabilities(body: &hcl1::Body) -> Vec<String> {
    let mut caps = Vec::new();
    for item in &body.items {
        let Some(key) = item.keys.first() else {
            continue;
        };
        match (key.name.as_str(), &item.value.value) {
            ("capabilities", Value::List(elems)) => {
                for elem in elems {
                    if let Value::String(s) = &elem.value {
                        caps.push(s.to_lowercase());
                    }
                }
            }
            ("policy", Value::String(s)) => caps.extend(legacy_policy(s)),
            _ => {}
        }
    }
    dedup(caps)
}

/// Vault's pre-0.9 `policy = "..."` shorthand.
fn legacy_policy(s: &str) -> Vec<String> {
    let caps: &[&str] = match s.to_lowercase().as_str() {
        "deny" => &["deny"],
        "read" => &["read", "list"],
        "write" => &["create", "read", "update", "delete", "list"],
        "sudo" => &["create", "read", "update", "delete", "list", "sudo"],
        _ => &[],
    };
    caps.iter().map(|c| (*c).to_owned()).collect()
}

fn dedup(mut v: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    v.retain(|c| seen.insert(c.clone()));
    v
}

/// Analyses a policy's text (already fetched).
pub fn analyse(name: &str, text: &str) -> AclPolicyFacts {
    let mut facts = AclPolicyFacts {
        name: name.to_owned(),
        state: super::facts::ProbeState::Ok,
        reason: None,
        http_status: Some(200),
        text: Some(text.to_owned()),
        parse_error: None,
        rules: Vec::new(),
        grants_sudo: false,
        sudo_paths: Vec::new(),
        broad_paths: Vec::new(),
        overbroad: false,
    };
    match parse_policy(text) {
        Ok(rules) => {
            // An explicit deny wins over everything else granted on the same path, in this
            // stanza or another one of the policy (the server merges stanzas of one path).
            let denied: std::collections::BTreeSet<&str> = rules
                .iter()
                .filter(|r| r.capabilities.iter().any(|c| c == "deny"))
                .map(|r| r.path.as_str())
                .collect();
            for r in &rules {
                let grants: Vec<&String> = r.capabilities.iter().filter(|c| *c != "deny").collect();
                if denied.contains(r.path.as_str()) || grants.is_empty() {
                    continue;
                }
                if grants.iter().any(|c| *c == "sudo") {
                    facts.sudo_paths.push(r.path.clone());
                }
                if BROAD_PATHS.contains(&r.path.as_str()) {
                    facts.broad_paths.push(r.path.clone());
                }
            }
            facts.grants_sudo = !facts.sudo_paths.is_empty();
            facts.overbroad =
                name != "root" && (facts.grants_sudo || !facts.broad_paths.is_empty());
            facts.rules = rules;
        }
        Err(e) => facts.parse_error = Some(e),
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_default_style_policy() {
        let text = "\n# c\npath \"auth/token/lookup-self\" {\n    capabilities = [\"read\"]\n}\npath \"identity/entity/id/{{identity.entity.id}}\" {\n  capabilities = [\"read\"]\n}\npath \"cubbyhole/*\" { capabilities = [\"create\", \"read\", \"update\", \"delete\", \"list\"] }\n";
        let rules = parse_policy(text).expect("parse");
        assert_eq!(rules.len(), 3);
        assert_eq!(rules[1].path, "identity/entity/id/{{identity.entity.id}}");
        let f = analyse("default", text);
        assert!(!f.overbroad && !f.grants_sudo);
    }

    #[test]
    fn overbroad_detection() {
        let f = analyse("admin", r#"path "*" { capabilities = ["read"] }"#);
        assert!(f.overbroad);
        assert_eq!(f.broad_paths, vec!["*"]);
        let f = analyse(
            "ops",
            r#"path "sys/leases/*" { capabilities = ["read", "sudo"] }"#,
        );
        assert!(f.overbroad && f.grants_sudo);
        let f = analyse("d", r#"path "sys/*" { capabilities = ["deny"] }"#);
        assert!(!f.overbroad);
        let f = analyse("legacy", r#"path "+/*" { policy = "write" }"#);
        assert!(f.overbroad);
        let f = analyse("json", r#"{"path":{"sys/*":{"capabilities":["read"]}}}"#);
        assert!(f.overbroad);
        let f = analyse("bad", "path \"x\" {");
        assert!(f.parse_error.is_some() && !f.overbroad);
    }

    #[test]
    fn scanner_policy_parses_and_only_grants_sudo_where_needed() {
        let f = analyse("vaultsec-scanner", SCANNER_POLICY_HCL);
        assert!(f.parse_error.is_none());
        assert!(f.broad_paths.is_empty());
        let mut sudo = f.sudo_paths.clone();
        sudo.sort();
        assert_eq!(
            sudo,
            vec![
                "auth/token/accessors",
                "sys/audit",
                "sys/auth/+/tune",
                "sys/config/cors"
            ]
        );
        for r in &f.rules {
            for c in &r.capabilities {
                assert!(
                    ["read", "list", "sudo"].contains(&c.as_str())
                        || r.path == "auth/token/lookup-accessor"
                );
            }
        }
    }
}

#[cfg(test)]
mod long_line_tests {
    use super::*;

    /// One line of valid HCL1 (OpenBao stores it) whose second block starts past column
    /// 65,535: hcl-edit panicked formatting its error there.
    fn long_one_line_policy() -> String {
        let caps = vec!["\"read\""; 9_000].join(", ");
        format!(
            "path \"secret/a\" {{ capabilities = [{caps}] }} path \"*\" {{ capabilities = [\"read\"] }}"
        )
    }

    #[test]
    fn one_line_policy_longer_than_65535_columns_parses() {
        let text = long_one_line_policy();
        assert!(text.len() > 70_000);
        let f = analyse("long", &text);
        assert_eq!(f.parse_error, None);
        assert_eq!(f.rules.len(), 2);
        assert_eq!(f.broad_paths, vec!["*"]);
    }

    #[test]
    fn syntax_error_past_column_65535_is_a_parse_error_not_a_panic() {
        let text = format!("{} path", long_one_line_policy());
        let f = analyse("broken", &text);
        let err = f.parse_error.expect("a parse error");
        assert!(err.starts_with("1:"), "{err}");
        assert!(!f.overbroad);
    }
}
