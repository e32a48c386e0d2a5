//! The `file` source: certificate and key files that the config's TLS listeners name,
//! read under `--root`. Facts per listener land in `tls.listeners`.

use serde_json::{json, Value as Json};
use std::path::{Path, PathBuf};

/// Where a path from the config is read: absolute paths under `--root`; relative ones (Vault
/// resolves them against its working directory, which we cannot know) against the directory of
/// the config file that named them.
pub fn resolve(root: &Path, config_file: &str, path: &str) -> PathBuf {
    let p = Path::new(path);
    if p.is_absolute() {
        crate::scan::under_root(root, p)
    } else {
        let base = Path::new(config_file).parent().unwrap_or(Path::new("."));
        base.join(p)
    }
}

pub fn collect(config: &Json, root: &Path, now_unix: i64) -> Json {
    let _ = now_unix;
    let mut listeners = Vec::new();
    for l in config["listeners"].as_array().into_iter().flatten() {
        if l["type"] != "tcp" || l["tls_disable"] == json!(true) {
            continue;
        }
        let file = l["file"].as_str().unwrap_or("");
        let cert = l["tls_cert_file"].as_str();
        let key = l["tls_key_file"].as_str();
        listeners.push(json!({
            "address": l["address"],
            "index": l["index"],
            "loc": l["loc"],
            "cert_file": cert,
            "key_file": key,
            "cert_read_from": cert.map(|c| resolve(root, file, c).display().to_string()),
        }));
    }
    json!({ "listeners": listeners })
}
