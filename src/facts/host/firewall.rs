//! Host firewall configuration state (nftables, iptables, ufw, firewalld) from files:
//! config files, enabled units and running daemons. Live kernel rules are not readable
//! as files, so "active" means "configured to be loaded at boot, or running".

use serde::Serialize;

use super::common::{ProcTable, Root};
use super::systemd::UnitIndex;

/// Evidence about one firewall front-end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FirewallTool {
    /// `nftables`, `iptables`, `ufw` or `firewalld`.
    pub name: String,
    /// `true`: configured and switched on; `false`: present but off; `null`: cannot tell.
    pub active: Option<bool>,
    /// Whether its configuration drops or rejects anything (`null` when it cannot be told,
    /// e.g. the ruleset includes other files).
    pub filters: Option<bool>,
    /// What was seen.
    pub evidence: Vec<String>,
}

/// Whether a host firewall is active.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FirewallFacts {
    /// `active`, `inactive` or `unknown`.
    pub status: String,
    /// One sentence saying why.
    pub reason: String,
    /// Per front-end found.
    pub tools: Vec<FirewallTool>,
}

fn content_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

fn nft_filters(text: &str) -> Option<bool> {
    let mut includes = false;
    for l in content_lines(text) {
        let words: Vec<&str> = l
            .split(|c: char| c.is_whitespace() || c == ';' || c == '{' || c == '}')
            .filter(|w| !w.is_empty())
            .collect();
        if words.iter().any(|w| *w == "drop" || *w == "reject") {
            return Some(true);
        }
        if words.first() == Some(&"include") {
            includes = true;
        }
    }
    if includes {
        None
    } else {
        Some(false)
    }
}

fn iptables_filters(text: &str) -> bool {
    content_lines(text).any(|l| {
        let up = l.to_ascii_uppercase();
        up.contains("-J DROP")
            || up.contains("-J REJECT")
            || ((up.starts_with(":INPUT ") || up.starts_with("-P INPUT "))
                && (up.contains(" DROP") || up.contains(" REJECT")))
    })
}

pub(crate) fn collect(root: &Root, procs: &ProcTable, units: &UnitIndex) -> FirewallFacts {
    let mut tools = Vec::new();

    // nftables
    {
        let mut evidence = Vec::new();
        let mut filters = None;
        let mut config = false;
        for f in ["/etc/nftables.conf", "/etc/sysconfig/nftables.conf"] {
            if let Ok(t) = root.read_string(f) {
                config = true;
                filters = nft_filters(&t);
                evidence.push(format!("{f} present"));
                break;
            }
        }
        let enabled = units.enabled(root, "nftables.service");
        if let Some(e) = &enabled {
            evidence.push(format!("nftables.service enabled ({e})"));
        }
        if config || enabled.is_some() {
            if filters == Some(false) {
                evidence.push("the ruleset drops or rejects nothing".to_string());
            }
            tools.push(FirewallTool {
                name: "nftables".to_string(),
                active: Some(enabled.is_some() && config),
                filters,
                evidence,
            });
        }
    }

    // iptables (iptables-persistent on Debian, iptables-services on RHEL)
    {
        let mut evidence = Vec::new();
        let mut filters = false;
        let mut rules = false;
        for f in [
            "/etc/iptables/rules.v4",
            "/etc/iptables/rules.v6",
            "/etc/sysconfig/iptables",
            "/etc/sysconfig/ip6tables",
        ] {
            if let Ok(t) = root.read_string(f) {
                rules = true;
                filters |= iptables_filters(&t);
                evidence.push(format!("{f} present"));
            }
        }
        let loader = [
            "netfilter-persistent.service",
            "iptables.service",
            "ip6tables.service",
        ]
        .iter()
        .find_map(|u| units.enabled(root, u).map(|e| (u.to_string(), e)));
        if let Some((u, e)) = &loader {
            evidence.push(format!("{u} enabled ({e})"));
        }
        if let Ok(t) = root.read_string("/proc/net/ip_tables_names") {
            if t.lines().any(|l| l.trim() == "filter") {
                evidence.push(
                    "the iptables filter table is loaded (/proc/net/ip_tables_names)".to_string(),
                );
            }
        }
        if rules || loader.is_some() {
            let active = match (rules, loader.is_some()) {
                (true, true) => Some(true),
                // Rules with no known loader may still be applied by a script.
                (true, false) => None,
                _ => Some(false),
            };
            tools.push(FirewallTool {
                name: "iptables".to_string(),
                active,
                filters: rules.then_some(filters),
                evidence,
            });
        }
    }

    // ufw
    if let Ok(t) = root.read_string("/etc/ufw/ufw.conf") {
        let enabled = content_lines(&t).any(|l| {
            l.strip_prefix("ENABLED=")
                .map(|v| {
                    v.trim_matches(|c| c == '"' || c == '\'')
                        .eq_ignore_ascii_case("yes")
                })
                .unwrap_or(false)
        });
        let mut evidence = vec![format!(
            "/etc/ufw/ufw.conf ENABLED={}",
            if enabled { "yes" } else { "no" }
        )];
        if let Some(e) = units.enabled(root, "ufw.service") {
            evidence.push(format!("ufw.service enabled ({e})"));
        }
        tools.push(FirewallTool {
            name: "ufw".to_string(),
            active: Some(enabled),
            // ufw's default incoming policy is DROP.
            filters: Some(true),
            evidence,
        });
    }

    // firewalld
    {
        let mut evidence = Vec::new();
        let enabled = units.enabled(root, "firewalld.service");
        let running = procs.pids_named(&["firewalld"]);
        if let Some(e) = &enabled {
            evidence.push(format!("firewalld.service enabled ({e})"));
        }
        if let Some(p) = running.first() {
            evidence.push(format!("firewalld is running (pid {p})"));
        }
        let installed = root.exists("/etc/firewalld") || root.exists("/usr/lib/firewalld");
        if installed || !evidence.is_empty() {
            if evidence.is_empty() {
                evidence.push("firewalld installed but neither enabled nor running".to_string());
            }
            tools.push(FirewallTool {
                name: "firewalld".to_string(),
                active: Some(enabled.is_some() || !running.is_empty()),
                filters: Some(true),
                evidence,
            });
        }
    }

    let on: Vec<&FirewallTool> = tools
        .iter()
        .filter(|t| t.active == Some(true) && t.filters != Some(false))
        .collect();
    let (status, reason) = if !on.is_empty() {
        let names: Vec<&str> = on.iter().map(|t| t.name.as_str()).collect();
        ("active", format!("{} active", names.join(", ")))
    } else if let Some(t) = tools.iter().find(|t| t.active.is_none()) {
        (
            "unknown",
            format!(
                "{} rules exist but nothing shows that they are loaded",
                t.name
            ),
        )
    } else if let Some(t) = tools.iter().find(|t| t.active == Some(true)) {
        (
            "inactive",
            format!(
                "{} is on but its configuration drops or rejects nothing",
                t.name
            ),
        )
    } else if !tools.is_empty() {
        (
            "inactive",
            "firewall configuration present but not enabled".to_string(),
        )
    } else if root.exists("/etc") {
        (
            "inactive",
            "no nftables, iptables, ufw or firewalld configuration found".to_string(),
        )
    } else {
        ("unknown", "no /etc under the root".to_string())
    };
    FirewallFacts {
        status: status.to_string(),
        reason,
        tools,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nft_and_iptables_filter_detection() {
        let debian_default = "#!/usr/sbin/nft -f\nflush ruleset\ntable inet filter {\n chain input {\n  type filter hook input priority filter;\n }\n}\n";
        assert_eq!(nft_filters(debian_default), Some(false));
        assert_eq!(
            nft_filters(
                "table inet f { chain input { type filter hook input priority 0; policy drop; } }"
            ),
            Some(true)
        );
        assert_eq!(nft_filters("include \"/etc/nftables.d/*.nft\"\n"), None);
        assert!(iptables_filters("*filter\n:INPUT DROP [0:0]\nCOMMIT\n"));
        assert!(iptables_filters("-A INPUT -p tcp --dport 8200 -j REJECT\n"));
        assert!(!iptables_filters("*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n"));
    }
}
