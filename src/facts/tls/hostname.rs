//! Host name matching with the rules of Go's `crypto/x509` `Certificate.VerifyHostname`,
//! because the clients of a Vault/OpenBao listener (the CLI, agents, other nodes) are
//! Go programs: SANs only (no Common Name fallback since Go 1.17), a wildcard only as
//! the whole left-most label, IP hosts only against IP SANs.

use std::net::IpAddr;

/// Go's `net.ParseIP` plus the `[...]` form accepted by `VerifyHostname`.
pub(crate) fn parse_ip_host(host: &str) -> Option<IpAddr> {
    let candidate = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .filter(|h| !h.is_empty())
        .unwrap_or(host);
    candidate.parse::<IpAddr>().ok()
}

/// `net.IP.Equal`: an IPv4 address equals its IPv4-mapped IPv6 form.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn valid_hostname(host: &str, is_pattern: bool) -> bool {
    let host = if is_pattern {
        host
    } else {
        host.strip_suffix('.').unwrap_or(host)
    };
    if host.is_empty() || host == "*" {
        return false;
    }
    for (i, part) in host.split('.').enumerate() {
        if part.is_empty() {
            return false;
        }
        if is_pattern && i == 0 && part == "*" {
            continue;
        }
        for (j, c) in part.chars().enumerate() {
            let ok = c.is_ascii_alphanumeric() || (c == '-' && j != 0) || c == '_';
            if !ok {
                return false;
            }
        }
    }
    true
}

fn match_exactly(a: &str, b: &str) -> bool {
    if a.is_empty() || a == "." || b.is_empty() || b == "." {
        return false;
    }
    a.eq_ignore_ascii_case(b)
}

fn match_hostnames(pattern: &str, host: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    if pattern.is_empty() || host.is_empty() {
        return false;
    }
    let p: Vec<&str> = pattern.split('.').collect();
    let h: Vec<&str> = host.split('.').collect();
    if p.len() != h.len() {
        return false;
    }
    p.iter()
        .zip(h.iter())
        .enumerate()
        .all(|(i, (pp, hp))| (i == 0 && *pp == "*") || pp == hp)
}

/// Whether `host` is covered by the certificate's DNS and IP SANs, as Go decides it.
pub(crate) fn verify_hostname(host: &str, dns_names: &[String], ips: &[IpAddr]) -> bool {
    if let Some(ip) = parse_ip_host(host) {
        let ip = canonical(ip);
        return ips.iter().any(|c| canonical(*c) == ip);
    }
    let candidate = host.to_ascii_lowercase();
    let valid_candidate = valid_hostname(&candidate, false);
    dns_names.iter().any(|name| {
        if valid_candidate && valid_hostname(name, true) {
            match_hostnames(name, &candidate)
        } else {
            match_exactly(name, &candidate)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dns(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn go_hostname_rules() {
        let names = dns(&[
            "vault.example.com",
            "*.apps.example.com",
            "under_score.local",
        ]);
        assert!(verify_hostname("vault.example.com", &names, &[]));
        assert!(verify_hostname("VAULT.Example.COM.", &names, &[]));
        assert!(verify_hostname("a.apps.example.com", &names, &[]));
        // Wildcard covers exactly one label, never the bare parent.
        assert!(!verify_hostname("apps.example.com", &names, &[]));
        assert!(!verify_hostname("a.b.apps.example.com", &names, &[]));
        assert!(verify_hostname("under_score.local", &names, &[]));
        assert!(!verify_hostname("other.example.com", &names, &[]));
        // A wildcard that is not the whole left-most label only matches literally.
        let partial = dns(&["v*.example.com", "a.*.example.com", "*"]);
        assert!(!verify_hostname("vault.example.com", &partial, &[]));
        assert!(!verify_hostname("a.b.example.com", &partial, &[]));
        assert!(!verify_hostname("x", &partial, &[]));
        assert!(verify_hostname("v*.example.com", &partial, &[]));
    }

    #[test]
    fn ip_hosts_use_ip_sans_only() {
        let ips: Vec<IpAddr> = vec!["127.0.0.1".parse().unwrap(), "::1".parse().unwrap()];
        // A DNS SAN spelling the IP does not count (RFC 6125 B.2, as Go).
        let names = dns(&["10.0.0.1"]);
        assert!(verify_hostname("127.0.0.1", &names, &ips));
        assert!(verify_hostname("[::1]", &names, &ips));
        assert!(verify_hostname("::ffff:127.0.0.1", &names, &ips));
        assert!(!verify_hostname("10.0.0.1", &names, &ips));
        assert!(!verify_hostname("localhost", &names, &ips));
    }
}
