//! The live listener side of the `api` source: one TLS inspection per addressed listener (the
//! `--addr`, and each node of `--cluster`), turned into entries of the `tls` facts with the same
//! shape as the file entries, so the certificate rules judge the served chain too.

use super::api::{ApiFacts, ApiOptions};
use super::tls::{live_facts, CertOptions, LiveTlsFacts, LiveTlsOptions};
use serde_json::{json, Value as Json};
use std::path::Path;
use std::time::Duration;

/// One listener to inspect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveTarget {
    /// `host:port` (IPv6 in brackets).
    pub addr: String,
    /// SNI and the name verified.
    pub server_name: String,
    /// The API address it was learnt from (`--addr`, or `sys/ha-status`).
    pub api_address: String,
    /// `addr` (the address scanned) or `cluster` (a node found through `sys/ha-status`).
    pub role: &'static str,
    /// Where `server_name` comes from (`--tls-server-name`, or the address).
    pub name_from: &'static str,
}

fn authority(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

fn name_from(opts: &ApiOptions, otherwise: &'static str) -> &'static str {
    if opts.tls.server_name.is_some() {
        "--tls-server-name"
    } else {
        otherwise
    }
}

/// The `https` listener of `--addr`, if any.
pub fn addressed_target(opts: &ApiOptions) -> Option<LiveTarget> {
    let url = opts.addr.as_ref()?;
    if url.scheme() != "https" || opts.disabled {
        return None;
    }
    let host = url.host_str()?.trim_matches(['[', ']']).to_string();
    let port = url.port_or_known_default()?;
    Some(LiveTarget {
        addr: authority(&host, port),
        server_name: opts.tls.server_name.clone().unwrap_or(host),
        api_address: url.as_str().trim_end_matches('/').to_string(),
        role: "addr",
        name_from: name_from(opts, "the host of --addr"),
    })
}

/// The `https` nodes that cluster mode discovered, minus `already` (the addressed listener).
pub fn cluster_targets(
    api: &ApiFacts,
    opts: &ApiOptions,
    already: Option<&LiveTarget>,
) -> Vec<LiveTarget> {
    let mut out: Vec<LiveTarget> = Vec::new();
    let mut seen: std::collections::HashSet<String> =
        already.map(|a| a.addr.clone()).into_iter().collect();
    for node in &api.cluster.nodes {
        let (Some(host), Some(port)) = (&node.host, node.port) else {
            continue;
        };
        if node.scheme.as_deref() != Some("https") {
            continue;
        }
        let addr = authority(host, port);
        if !seen.insert(addr.clone()) {
            continue;
        }
        out.push(LiveTarget {
            addr,
            // The name the operator gave applies to every node of the cluster.
            server_name: opts.tls.server_name.clone().unwrap_or_else(|| host.clone()),
            api_address: node.api_address.clone(),
            role: "cluster",
            name_from: name_from(opts, "the host of the node's api_address"),
        });
    }
    out
}

/// A CA, client certificate or key file: a regular file of at most 1 MiB.
fn read_pem(path: &Path) -> std::io::Result<Vec<u8>> {
    crate::fsutil::read_regular(path, crate::fsutil::limit::PEM)
}

/// The CA bundle the API client trusts (`--ca-cert`, else every file of `VAULT_CAPATH`),
/// as PEM; `None` means the system roots. An unreadable file yields an empty bundle, which
/// the verification reports as `ca_invalid` rather than silently trusting the system roots.
pub fn ca_pem(opts: &ApiOptions) -> Option<Vec<u8>> {
    if let Some(file) = &opts.tls.ca_cert {
        return Some(read_pem(file).unwrap_or_default());
    }
    let dir = opts.tls.ca_path.as_ref()?;
    let mut pem = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    for f in files.iter().filter(|f| f.is_file()) {
        if let Ok(bytes) = read_pem(f) {
            pem.extend_from_slice(&bytes);
            pem.push(b'\n');
        }
    }
    Some(pem)
}

fn read_client_cert(opts: &ApiOptions) -> Option<(Vec<u8>, Vec<u8>)> {
    let read = |p: &Path| read_pem(p).ok();
    match (&opts.tls.client_cert, &opts.tls.client_key) {
        (Some(c), Some(k)) => Some((read(c)?, read(k)?)),
        _ => None,
    }
}

/// Listeners inspected at once (each inspection makes a few TLS handshakes).
const LIVE_TLS_CONCURRENCY: usize = 8;

/// Inspects the targets on a fixed pool of threads (the probes block on sockets), so a
/// cluster of thousands of nodes never means thousands of threads; results in target order.
pub fn inspect(
    targets: &[LiveTarget],
    opts: &ApiOptions,
    now_unix: i64,
) -> Vec<(LiveTarget, LiveTlsFacts)> {
    let ca = ca_pem(opts);
    let client = read_client_cert(opts);
    let timeout = opts.timeout.max(Duration::from_millis(100));
    // A fixed number of workers, whatever the number of nodes: each takes the next target.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let workers = LIVE_TLS_CONCURRENCY.min(targets.len());
    let mut results: Vec<(usize, LiveTarget, LiveTlsFacts)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(t) = targets.get(i) else { break };
                        let live = LiveTlsOptions {
                            addr: t.addr.clone(),
                            server_name: t.server_name.clone(),
                            timeout,
                            ca_pem: ca.clone(),
                            client_cert: client.clone(),
                        };
                        let cert = CertOptions {
                            now_unix,
                            expected_host: Some(t.server_name.clone()),
                        };
                        done.push((i, t.clone(), live_facts(&live, &cert)));
                    }
                    done
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().ok())
            .flatten()
            .collect()
    });
    results.sort_by_key(|(i, _, _)| *i);
    results.into_iter().map(|(_, t, f)| (t, f)).collect()
}

/// Entries for `tls.listeners` (certificate rules) and `tls.live` (protocol probes).
pub fn entries(results: &[(LiveTarget, LiveTlsFacts)]) -> (Vec<Json>, Vec<Json>) {
    let mut listeners = Vec::new();
    let mut live = Vec::new();
    for (t, f) in results {
        let subject = format!("live listener {}", t.addr);
        let cert = match &f.certificates {
            Some(c) => serde_json::to_value(c).unwrap_or(Json::Null),
            // Same keys the rules read first, so a failed inspection is an error finding.
            None => json!({
                "source": "live",
                "state": "error",
                "error_kind": f.error_kind,
                "reason": format!("cannot inspect the live listener {}: {}", t.addr, f.reason.clone().unwrap_or_default()),
                "key": {"state": "absent"},
            }),
        };
        listeners.push(json!({
            "source": "api",
            // A failed inspection is judged (an error finding), never skipped.
            "cannot_judge": Json::Null,
            "subject": subject,
            "cert_label": format!("certificate served by {}", t.addr),
            "address": t.addr,
            "api_address": t.api_address,
            "role": t.role,
            "index": Json::Null,
            "loc": Json::Null,
            "cert_file": Json::Null,
            "key_file": Json::Null,
            "cert_loc": Json::Null,
            "key_loc": Json::Null,
            "missing": [],
            "expected_host": t.server_name,
            "expected_from": t.name_from,
            "cert": cert,
            "verification": f.verification,
        }));
        let mut v = serde_json::to_value(f).unwrap_or(Json::Null);
        if let Some(obj) = v.as_object_mut() {
            obj.insert("source".into(), json!("api"));
            obj.insert("subject".into(), json!(subject));
            obj.insert("api_address".into(), json!(t.api_address));
            obj.insert("role".into(), json!(t.role));
        }
        live.push(v);
    }
    (listeners, live)
}
