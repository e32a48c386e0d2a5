//! The `file` source: certificate and key files that the config's TLS listeners name, read under
//! `--root`. One entry per TLS listener lands in `tls.listeners`, with the certificate facts of
//! [`super::tls`].

use super::tls::{analyze_files, CertOptions};
use crate::rules::functions::host_of;
use serde_json::{json, Value as Json};
use std::path::{Path, PathBuf};

/// Where a path from the config is read: absolute paths under `--root`, their symlinks
/// resolved inside it (so a link to `/etc/shadow` reads the root's own, never the scanner's);
/// relative ones (Vault resolves them against its working directory, which we cannot know)
/// against the directory of the config file that named them, confined to the root likewise
/// when that directory is a host path.
pub fn resolve(root: &Path, config_file: &str, path: &str) -> PathBuf {
    let p = Path::new(path);
    let base = Path::new(config_file).parent().unwrap_or(Path::new("."));
    let host = base.join(p); // `p` itself when absolute
    if !host.is_absolute() {
        // A relative config path (`-c deploy/vault.hcl`) names the user's own files.
        return host;
    }
    crate::fsutil::real_in_root(root, &host, true)
        .unwrap_or_else(|_| crate::fsutil::join_in_root(root, &host))
}

/// Replaces the path as read (under `--root`) by the path as the host sees it, in a string fact.
fn show_host_path(value: &mut Json, read: &Path, shown: &str) {
    let read = read.display().to_string();
    match value {
        Json::String(s) if s.contains(&read) => *s = s.replace(&read, shown),
        Json::Array(items) => items
            .iter_mut()
            .for_each(|v| show_host_path(v, Path::new(&read), shown)),
        Json::Object(map) => map
            .values_mut()
            .for_each(|v| show_host_path(v, Path::new(&read), shown)),
        _ => {}
    }
}

/// Certificate facts for every TCP listener with TLS on.
pub fn collect(config: &Json, root: &Path, now_unix: i64) -> Json {
    let expected_host = config["api_addr"].as_str().and_then(host_of);
    let opts = CertOptions {
        now_unix,
        expected_host: expected_host.clone(),
    };
    let mut listeners = Vec::new();
    for l in config["listeners"].as_array().into_iter().flatten() {
        if l["type"] != "tcp" || l["tls_disable"] == json!(true) {
            continue;
        }
        let file = l["file"].as_str().unwrap_or("");
        let cert_file = l["tls_cert_file"].as_str().filter(|s| !s.trim().is_empty());
        let key_file = l["tls_key_file"].as_str().filter(|s| !s.trim().is_empty());
        let cert_loc = l["at"]
            .get("tls_cert_file")
            .cloned()
            .unwrap_or_else(|| l["loc"].clone());
        let key_loc = l["at"]
            .get("tls_key_file")
            .cloned()
            .unwrap_or_else(|| l["loc"].clone());
        let cert = cert_file.map(|c| {
            let cert_read = resolve(root, file, c);
            let key_read = key_file.map(|k| resolve(root, file, k));
            let facts = analyze_files(&cert_read, key_read.as_deref(), &opts);
            let mut value = serde_json::to_value(&facts).unwrap_or(Json::Null);
            show_host_path(&mut value, &cert_read, c);
            if let (Some(read), Some(shown)) = (&key_read, key_file) {
                show_host_path(&mut value, read, shown);
            }
            value
        });
        let missing: Vec<&str> = [("tls_cert_file", cert_file), ("tls_key_file", key_file)]
            .into_iter()
            .filter(|(_, v)| v.is_none())
            .map(|(k, _)| k)
            .collect();
        // Why the certificate rules other than tls.cert-unreadable cannot judge this entry.
        let cannot_judge = match &cert {
            None => Some("no tls_cert_file"),
            Some(c) if c["state"] != "ok" => {
                Some("certificate not readable (see tls.cert-unreadable)")
            }
            Some(_) => None,
        };
        // The scanner's own permission denial is not the server's fault: its rules skip.
        let scanner_cannot_read = cert.as_ref().and_then(|c| {
            let denied = |reason: &Json| {
                reason
                    .as_str()
                    .filter(|r| {
                        crate::model::SkipCause::of_reason(r)
                            == Some(crate::model::SkipCause::ScannerPermission)
                    })
                    .map(str::to_owned)
            };
            denied(&c["reason"]).or_else(|| denied(&c["key"]["reason"]))
        });
        let cannot_judge = match (&cert, &scanner_cannot_read) {
            (Some(c), Some(why)) if c["state"] != "ok" => Some(why.as_str()),
            _ => cannot_judge,
        };
        listeners.push(json!({
            "source": "file",
            "cannot_judge": cannot_judge,
            "scanner_cannot_read": scanner_cannot_read,
            "subject": format!("listener {}", l["address"].as_str().unwrap_or_default()),
            "cert_label": format!("certificate {}", cert_file.unwrap_or_default()),
            "address": l["address"],
            "index": l["index"],
            "loc": l["loc"],
            "cert_file": cert_file,
            "key_file": key_file,
            "cert_loc": cert_loc,
            "key_loc": key_loc,
            "missing": missing,
            "expected_host": expected_host,
            "expected_from": "api_addr",
            "cert": cert,
        }));
    }
    json!({ "listeners": listeners })
}
