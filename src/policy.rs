//! `vaultsec policy`: the least-privilege ACL policy a scan token needs, built from the
//! `api_paths` of the selected rules (each entry is `"<path> <cap>,<cap>"`), so the policy
//! never grants more than the rules read and grows with custom rules that read more.

use crate::facts::api::PER_NAMESPACE_PATHS;
use crate::rules::Rule;
use std::collections::{BTreeMap, BTreeSet};

/// Namespace levels below the token's own that `vaultsec policy` covers by default.
pub const DEFAULT_NAMESPACE_DEPTH: usize = 3;
/// Deepest `+/` form recognised as part of the scan policy (`api.policy-overbroad`).
const RECOGNISED_NAMESPACE_DEPTH: usize = 16;

/// `path` as a policy of the token's namespace names it `depth` namespaces further down:
/// `+/+/sys/mounts` (a `+` matches one namespace segment).
fn below(path: &str, depth: usize) -> String {
    format!("{}{path}", "+/".repeat(depth))
}

/// Capabilities a scan may need, in the order Vault documents them. Anything that writes
/// (`create`, `delete`, `patch`) is refused: the scanner is read-only. `update` is allowed
/// because Vault classifies `auth/token/lookup-accessor` (a POST that reads) as an update.
const CAPABILITIES: [&str; 4] = ["read", "list", "update", "sudo"];

/// Parses one `api_paths` entry.
pub fn parse_entry(entry: &str) -> Result<(String, Vec<String>), String> {
    let mut parts = entry.split_whitespace();
    let (Some(path), Some(caps), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!(
            "api_paths entry {entry:?}: expected \"<path> <capability>[,<capability>...]\""
        ));
    };
    let caps: Vec<String> = caps.split(',').map(|c| c.trim().to_string()).collect();
    if let Some(bad) = caps.iter().find(|c| !CAPABILITIES.contains(&c.as_str())) {
        return Err(format!(
            "api_paths entry {entry:?}: capability {bad:?} is not one of {} (the scanner only reads)",
            CAPABILITIES.join(", ")
        ));
    }
    if update_outside_lookup(path, &caps) {
        return Err(format!(
            "api_paths entry {entry:?}: only auth/token/lookup-accessor may take update"
        ));
    }
    Ok((path.to_string(), caps))
}

fn update_outside_lookup(path: &str, caps: &[String]) -> bool {
    caps.iter().any(|c| c == "update") && path != "auth/token/lookup-accessor"
}

/// Path → capabilities that the built-in rules' policy grants (empty if the rules fail to load).
pub fn builtin_grants() -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let Ok(set) = crate::rules::RuleSet::builtin() else {
        return out;
    };
    for rule in &set.rules {
        for entry in &rule.api_paths {
            if let Ok((path, caps)) = parse_entry(entry) {
                let depth = if PER_NAMESPACE_PATHS.contains(&path.as_str()) {
                    RECOGNISED_NAMESPACE_DEPTH
                } else {
                    0
                };
                for d in 0..=depth {
                    out.entry(below(&path, d))
                        .or_default()
                        .extend(caps.iter().cloned());
                    if d > 0 && caps.iter().any(|c| c == "list") {
                        out.entry(below(&format!("{path}/"), d))
                            .or_default()
                            .extend(caps.iter().cloned());
                    }
                }
            }
        }
    }
    out
}

/// The policy text for these rules. The per-namespace reads are granted again for each of
/// `namespace_depth` levels of namespaces below the token's (a policy of the token's namespace
/// reaches its descendants through `+/` paths; the scan walks every namespace).
pub fn render(rules: &[&Rule], namespace_depth: usize) -> Result<String, String> {
    let mut paths: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    let mut users: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for rule in rules {
        for entry in &rule.api_paths {
            let (path, caps) = parse_entry(entry).map_err(|e| format!("rule {}: {e}", rule.id))?;
            let set = paths.entry(path.clone()).or_default();
            for c in caps {
                if let Some(i) = CAPABILITIES.iter().position(|k| *k == c) {
                    set.insert(i);
                }
            }
            users.entry(path).or_default().insert(rule.id.clone());
        }
    }
    let mut out = String::new();
    out.push_str(
        "# vaultsec scan token: the least-privilege ACL policy for the selected rules.\n\
         # Read-only: the one update is auth/token/lookup-accessor, a lookup that Vault files as\n\
         # an update. sudo is what Vault demands on sys/audit, sys/auth/<mount>/tune,\n\
         # sys/config/cors and auth/token/accessors; with it the token can list every token\n\
         # accessor, so keep it short-lived and out of shell history.\n#\n\
         # Create the policy and a scan token (use `bao` instead of `vault` on OpenBao):\n\
         #   vaultsec policy | vault policy write vaultsec-scan -\n\
         #   vault token create -policy=vaultsec-scan -ttl=30m -field=token > ~/.vaultsec-token\n\
         #   vaultsec scan --token-file ~/.vaultsec-token\n",
    );
    let namespaced: Vec<&String> = paths
        .keys()
        .filter(|p| PER_NAMESPACE_PATHS.contains(&p.as_str()))
        .collect();
    if !namespaced.is_empty() {
        out.push_str(&format!(
            "#\n# The scan reads policies, auth mounts, secret mounts and tokens in every namespace.\n\
             # The +/ paths below grant those reads in the namespaces {namespace_depth} level(s) below\n\
             # the token's (vaultsec policy --namespace-depth N for a deeper tree). Deeper\n\
             # namespaces are reported as skipped, never passed. Alternatively write this policy\n\
             # in each namespace and scan each with --namespace.\n"
        ));
    }
    if paths.is_empty() {
        out.push_str("#\n# None of the selected rules reads the API.\n");
        return Ok(out);
    }
    for (path, caps) in &paths {
        let caps: Vec<String> = caps
            .iter()
            .map(|i| format!("\"{}\"", CAPABILITIES[*i]))
            .collect();
        let by: Vec<&str> = users
            .get(path)
            .map(|s| s.iter().map(String::as_str).collect())
            .unwrap_or_default();
        out.push_str(&format!(
            "\n# {}\npath \"{path}\" {{\n  capabilities = [{}]\n}}\n",
            by.join(", "),
            caps.join(", ")
        ));
    }
    for depth in 1..=namespace_depth {
        out.push_str(&format!(
            "\n# Namespaces {depth} level(s) below the token's: the per-namespace reads.\n"
        ));
        for path in &namespaced {
            let caps: Vec<String> = paths[*path]
                .iter()
                .map(|i| format!("\"{}\"", CAPABILITIES[*i]))
                .collect();
            let stanza = |p: &str| {
                format!(
                    "path \"{}\" {{\n  capabilities = [{}]\n}}\n",
                    below(p, depth),
                    caps.join(", ")
                )
            };
            out.push_str(&stanza(path));
            // A LIST arrives as `<path>/`: matched against `+/` paths, the `<path>/*` glob
            // (read only) wins over `<path>` unless `<path>/` is granted too (OpenBao 2.7.2).
            if caps.iter().any(|c| c.contains("list")) && paths.contains_key(&format!("{path}/*")) {
                out.push_str(&stanza(&format!("{path}/")));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSet;

    #[test]
    fn entries_parse_and_writes_are_refused() {
        assert_eq!(
            parse_entry("sys/audit read,sudo").unwrap(),
            ("sys/audit".to_string(), vec!["read".into(), "sudo".into()])
        );
        assert!(parse_entry("secret/* create").is_err());
        assert!(parse_entry("sys/policies/acl/* update").is_err());
        assert!(parse_entry("sys/audit").is_err());
        assert!(parse_entry("auth/token/lookup-accessor update").is_ok());
    }

    #[test]
    fn builtin_policy_has_sudo_exactly_where_vault_demands_it() {
        let set = RuleSet::builtin().unwrap();
        let rules: Vec<&Rule> = set.rules.iter().collect();
        let text = render(&rules, 0).unwrap();
        for (path, caps) in [
            ("sys/audit", "[\"read\", \"sudo\"]"),
            ("sys/auth/+/tune", "[\"read\", \"sudo\"]"),
            ("sys/config/cors", "[\"read\", \"sudo\"]"),
            ("auth/token/accessors", "[\"list\", \"sudo\"]"),
            ("auth/token/lookup-accessor", "[\"update\"]"),
            ("sys/mounts", "[\"read\"]"),
        ] {
            assert!(
                text.contains(&format!("path \"{path}\" {{\n  capabilities = {caps}\n}}")),
                "{path}: {text}"
            );
        }
        assert_eq!(text.matches("\"sudo\"").count(), 4, "{text}");
        assert!(!text.contains("create") || text.contains("token create"));
    }

    #[test]
    fn per_namespace_reads_are_granted_below_the_tokens_namespace() {
        let set = RuleSet::builtin().unwrap();
        let rules: Vec<&Rule> = set.rules.iter().collect();
        let text = render(&rules, 2).unwrap();
        for (path, caps) in [
            ("sys/namespaces", "[\"list\"]"),
            ("+/sys/namespaces", "[\"list\"]"),
            ("+/+/sys/namespaces", "[\"list\"]"),
            ("+/sys/policies/acl/*", "[\"read\"]"),
            ("+/sys/policies/acl/", "[\"list\"]"),
            ("+/+/sys/policies/acl/", "[\"list\"]"),
            ("+/+/sys/auth/+/tune", "[\"read\", \"sudo\"]"),
            ("+/auth/token/accessors", "[\"list\", \"sudo\"]"),
            ("+/+/auth/token/lookup-accessor", "[\"update\"]"),
            ("+/sys/mounts", "[\"read\"]"),
        ] {
            assert!(
                text.contains(&format!("path \"{path}\" {{\n  capabilities = {caps}\n}}")),
                "{path}: {text}"
            );
        }
        // Root-only reads stay at the token's namespace.
        for root_only in [
            "sys/audit",
            "sys/config/cors",
            "sys/storage/raft/configuration",
        ] {
            assert!(
                !text.contains(&format!("+/{root_only}\"")),
                "{root_only}: {text}"
            );
        }
        assert!(!text.contains("+/+/+/"), "{text}");
        // The scan policy's own +/ forms are recognised as part of it.
        let grants = builtin_grants();
        assert!(grants["+/+/+/+/sys/auth/+/tune"].contains("sudo"));
        assert!(!grants.contains_key("+/sys/audit"));
    }
}
