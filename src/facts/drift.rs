//! Cross-source fact: the running configuration (`sys/config/state/sanitized` of the addressed
//! node) against the config file, in the keys that matter for security. A difference means a
//! restart is pending, or the file on disk is not what runs.
//!
//! The running config is Vault's raw parsed map: only keys present in the file, original value
//! types, no defaults (reference notes §4.3). So both sides are normalised the way Vault decodes
//! them (weak booleans, `tls12` when `tls_min_version` is absent, `info` log level) before
//! comparing.

use serde_json::{json, Value as Json};

/// Vault's weak boolean decoding of a raw value (absent: false).
pub fn weak_bool(v: Option<&Json>) -> bool {
    match v {
        Some(Json::Bool(b)) => *b,
        Some(Json::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Json::String(s)) => {
            matches!(s.trim().to_ascii_lowercase().as_str(), "1" | "t" | "true")
        }
        _ => false,
    }
}

fn text(v: Option<&Json>) -> Option<String> {
    match v {
        Some(Json::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(Json::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

fn diff(out: &mut Vec<Json>, key: String, file: Json, running: Json) {
    if file != running {
        out.push(json!({"key": key, "file": file, "running": running}));
    }
}

/// `scheme://host:port` or `host:port` → lower-case `host:port` (what raft lists as a
/// server's address), so `https://n1:8201/` and `n1:8201` compare equal.
fn authority(addr: &str) -> String {
    let rest = addr.split_once("://").map_or(addr, |(_, r)| r);
    rest.trim_end_matches('/').to_ascii_lowercase()
}

/// An identity value worth comparing: set, and not a go-sockaddr template resolved at start.
fn identity_text(v: Option<&Json>) -> Option<String> {
    text(v).filter(|s| !s.contains("{{"))
}

/// Who a node is: raft node id, api_addr, cluster_addr (each may be unknown).
#[derive(Debug, Default, PartialEq, Eq)]
struct NodeIdentity {
    node_id: Option<String>,
    api_addr: Option<String>,
    cluster_addr: Option<String>,
}

impl NodeIdentity {
    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(a) = &self.api_addr {
            parts.push(format!("api_addr {a}"));
        }
        if let Some(c) = &self.cluster_addr {
            parts.push(format!("cluster_addr {c}"));
        }
        parts.join(", ")
    }
}

/// The node a config file describes.
fn config_identity(config: &Json) -> NodeIdentity {
    NodeIdentity {
        node_id: identity_text(config["storage"].get("node_id")),
        api_addr: identity_text(config.get("api_addr")),
        cluster_addr: identity_text(config.get("cluster_addr")),
    }
}

/// The node that answered: its running api_addr and cluster_addr, and the raft node id that
/// `sys/storage/raft/configuration` lists at that cluster address.
fn answering_identity(running: &Json, raft: &Json) -> NodeIdentity {
    let api_addr = identity_text(running.get("api_addr"))
        .or_else(|| identity_text(running["storage"].get("redirect_addr")));
    let cluster_addr = identity_text(running.get("cluster_addr"))
        .or_else(|| identity_text(running["storage"].get("cluster_addr")));
    let node_id = cluster_addr.as_deref().and_then(|c| {
        raft["data"]["servers"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|s| s["address"].as_str().map(authority) == Some(authority(c)))
            .and_then(|s| text(s.get("node_id")))
    });
    NodeIdentity {
        node_id,
        api_addr,
        cluster_addr,
    }
}

/// Why the answering node is not the one the config describes, or `None` when it is (or
/// nothing tells). The most specific identity known on both sides decides: the raft node id,
/// else the cluster address, else the API address (which a load balancer's address may share).
fn other_node(config: &NodeIdentity, answering: &NodeIdentity) -> Option<String> {
    let norm = |s: &String| authority(s);
    let differs = match (
        (&config.node_id, &answering.node_id),
        (&config.cluster_addr, &answering.cluster_addr),
        (&config.api_addr, &answering.api_addr),
    ) {
        ((Some(a), Some(b)), _, _) => a != b,
        (_, (Some(a), Some(b)), _) => norm(a) != norm(b),
        (_, _, (Some(a), Some(b))) => norm(a) != norm(b),
        _ => false,
    };
    if !differs {
        return None;
    }
    let who = |id: &NodeIdentity| match (&id.node_id, id.describe()) {
        (Some(n), d) if d.is_empty() => format!("node {n}"),
        (Some(n), d) => format!("node {n} ({d})"),
        (None, d) if d.is_empty() => "an unidentified node".to_string(),
        (None, d) => format!("the node with {d}"),
    };
    Some(format!(
        "answered by {}, not the node this config describes ({}): sys/config/state/sanitized is node-local; scan that node's own address to compare it",
        who(answering),
        {
            let d = config.describe();
            match &config.node_id {
                Some(n) if d.is_empty() => format!("node_id {n}"),
                Some(n) => format!("node_id {n}, {d}"),
                None => d,
            }
        }
    ))
}

/// A probe-shaped fact `{path, state, reason, data: {differences, compared}}`.
/// `config` is the file config fact (`null` when the config source is off), `sanitized` the
/// `api.config_sanitized` probe, `raft` the `api.raft_configuration` probe (names the
/// answering node). A config compared with another node than the one it describes would only
/// show that the nodes differ: that is a `skip` naming both, never a `fail`.
pub fn running_config_drift(
    config: &Json,
    config_state: Option<&str>,
    sanitized: &Json,
    raft: &Json,
) -> Json {
    let path = "sys/config/state/sanitized";
    let probe = |state: &str, reason: String| json!({"path": path, "state": state, "reason": reason, "http_status": sanitized["http_status"], "data": null});
    if config.is_null() {
        return probe(
            "skip",
            format!(
                "no config file to compare the running configuration with ({})",
                config_state.unwrap_or("config source off")
            ),
        );
    }
    match sanitized["state"].as_str() {
        Some("ok") => {}
        Some(state @ ("skip" | "error")) => {
            let reason = sanitized["reason"]
                .as_str()
                .unwrap_or("the running configuration could not be read")
                .to_string();
            return probe(state, reason);
        }
        _ => {
            return probe(
                "error",
                "the running configuration was not collected".into(),
            )
        }
    }
    let running = &sanitized["data"];
    if !running.is_object() {
        return probe(
            "error",
            "unexpected shape of sys/config/state/sanitized".into(),
        );
    }

    let (file_node, answering) = (config_identity(config), answering_identity(running, raft));
    if let Some(reason) = other_node(&file_node, &answering) {
        let mut p = probe("skip", reason);
        p["answering_node"] = json!({"node_id": answering.node_id, "api_addr": answering.api_addr, "cluster_addr": answering.cluster_addr});
        return p;
    }

    let mut d = Vec::new();
    diff(
        &mut d,
        "api_addr".into(),
        json!(text(config.get("api_addr"))),
        json!(text(running.get("api_addr"))),
    );
    for key in ["raw_storage_endpoint", "introspection_endpoint"] {
        diff(
            &mut d,
            key.into(),
            json!(weak_bool(config.get(key))),
            json!(weak_bool(running.get(key))),
        );
    }
    diff(
        &mut d,
        "ui".into(),
        json!(weak_bool(config.get("ui"))),
        json!(weak_bool(running.get("enable_ui"))),
    );
    let level = |v: Option<&Json>| text(v).map(|s| s.to_ascii_lowercase());
    diff(
        &mut d,
        "log_level".into(),
        json!(level(config.get("log_level")).unwrap_or_else(|| "info".into())),
        json!(level(running.get("log_level")).unwrap_or_else(|| "info".into())),
    );
    diff(
        &mut d,
        "storage.type".into(),
        json!(text(config["storage"].get("type"))),
        json!(text(running["storage"].get("type"))),
    );

    // Listeners are matched by address.
    let file_listeners: Vec<&Json> = config["listeners"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|l| l["type"] == "tcp")
        .collect();
    let running_listeners: Vec<&Json> = running["listeners"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|l| l["type"].as_str().is_none_or(|t| t == "tcp"))
        .collect();
    for fl in &file_listeners {
        let addr = fl["address"].as_str().unwrap_or_default();
        let Some(rl) = running_listeners
            .iter()
            .find(|rl| rl["config"]["address"].as_str() == Some(addr))
        else {
            diff(
                &mut d,
                format!("listener {addr}"),
                json!("present"),
                json!("absent"),
            );
            continue;
        };
        let rc = &rl["config"];
        diff(
            &mut d,
            format!("listener {addr}: tls_disable"),
            json!(fl["tls_disable"].as_bool().unwrap_or(false)),
            json!(weak_bool(rc.get("tls_disable"))),
        );
        diff(
            &mut d,
            format!("listener {addr}: tls_min_version"),
            json!(fl["tls_min_version"].as_str().unwrap_or("tls12")),
            json!(text(rc.get("tls_min_version")).unwrap_or_else(|| "tls12".into())),
        );
        for key in ["tls_cert_file", "tls_key_file"] {
            diff(
                &mut d,
                format!("listener {addr}: {key}"),
                json!(text(fl.get(key))),
                json!(text(rc.get(key))),
            );
        }
    }
    for rl in &running_listeners {
        let addr = rl["config"]["address"].as_str().unwrap_or_default();
        if !file_listeners
            .iter()
            .any(|fl| fl["address"].as_str() == Some(addr))
        {
            diff(
                &mut d,
                format!("listener {addr}"),
                json!("absent"),
                json!("present"),
            );
        }
    }
    json!({
        "path": path,
        "state": "ok",
        "reason": null,
        "http_status": sanitized["http_status"],
        "data": {
            "differences": d,
            "compared": ["api_addr", "raw_storage_endpoint", "introspection_endpoint", "ui", "log_level", "storage.type", "listeners (address, tls_disable, tls_min_version, tls_cert_file, tls_key_file)"],
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(data: Json) -> Json {
        json!({"state": "ok", "http_status": 200, "data": data})
    }

    #[test]
    fn same_config_has_no_difference_and_defaults_are_normalised() {
        let file = json!({"api_addr": "https://a:8200", "log_level": "info", "ui": false,
            "raw_storage_endpoint": false, "introspection_endpoint": false,
            "storage": {"type": "raft"},
            "listeners": [{"type": "tcp", "address": "0.0.0.0:8200", "tls_disable": false,
                "tls_min_version": "tls12", "tls_cert_file": "/c.pem", "tls_key_file": "/k.pem"}]});
        let running = ok(json!({"api_addr": "https://a:8200", "enable_ui": false,
            "storage": {"type": "raft"},
            "listeners": [{"type": "tcp", "config": {"address": "0.0.0.0:8200",
                "tls_cert_file": "/c.pem", "tls_key_file": "/k.pem"}}]}));
        let d = running_config_drift(&file, None, &running, &Json::Null);
        assert_eq!(d["state"], "ok");
        assert_eq!(d["data"]["differences"], json!([]));
    }

    #[test]
    fn differences_are_listed_with_both_values() {
        let file = json!({"log_level": "debug", "storage": {"type": "raft"},
            "listeners": [{"type": "tcp", "address": "127.0.0.1:8200", "tls_disable": true,
                "tls_min_version": "tls12"}]});
        let running = ok(json!({"log_level": "info", "storage": {"type": "raft"},
            "listeners": [{"type": "tcp", "config": {"address": "127.0.0.1:8200", "tls_disable": "0"}},
                          {"type": "tcp", "config": {"address": "127.0.0.1:9200", "tls_disable": 1}}]}));
        let d = running_config_drift(&file, None, &running, &Json::Null);
        let keys: Vec<&str> = d["data"]["differences"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["key"].as_str().unwrap())
            .collect();
        assert_eq!(
            keys,
            vec![
                "log_level",
                "listener 127.0.0.1:8200: tls_disable",
                "listener 127.0.0.1:9200"
            ]
        );
    }

    #[test]
    fn another_node_answering_is_a_skip_naming_it_not_a_difference() {
        let file = json!({"api_addr": "https://10.0.0.2:8200", "cluster_addr": "https://10.0.0.2:8201",
            "storage": {"type": "raft", "node_id": "n2"}, "listeners": []});
        let running = ok(
            json!({"api_addr": "https://10.0.0.1:8200", "cluster_addr": "https://10.0.0.1:8201",
            "storage": {"type": "raft"}, "listeners": []}),
        );
        let raft = ok(json!({"servers": [
            {"node_id": "n1", "address": "10.0.0.1:8201"},
            {"node_id": "n2", "address": "10.0.0.2:8201"}]}));
        let d = running_config_drift(&file, None, &running, &raft);
        assert_eq!(d["state"], "skip");
        assert_eq!(
            d["reason"].as_str().unwrap_or_default(),
            "answered by node n1 (api_addr https://10.0.0.1:8200, cluster_addr https://10.0.0.1:8201), \
             not the node this config describes (node_id n2, api_addr https://10.0.0.2:8200, \
             cluster_addr https://10.0.0.2:8201): sys/config/state/sanitized is node-local; \
             scan that node's own address to compare it"
        );
        // Behind a load balancer every node may share api_addr: the cluster address decides.
        let shared = json!({"api_addr": "https://vault.example:8200", "cluster_addr": "https://10.0.0.2:8201",
            "storage": {"type": "raft"}, "listeners": []});
        let running_lb = ok(
            json!({"api_addr": "https://vault.example:8200", "cluster_addr": "https://10.0.0.1:8201",
            "storage": {"type": "raft"}, "listeners": []}),
        );
        let d = running_config_drift(&shared, None, &running_lb, &Json::Null);
        assert_eq!(d["state"], "skip", "{d}");
        // The same node with a changed api_addr is drift, not another node.
        let moved = json!({"api_addr": "https://10.0.0.9:8200", "cluster_addr": "https://10.0.0.1:8201",
            "storage": {"type": "raft", "node_id": "n1"}, "listeners": []});
        let d = running_config_drift(&moved, None, &running, &raft);
        assert_eq!(d["state"], "ok");
        assert_eq!(d["data"]["differences"][0]["key"], "api_addr");
    }

    #[test]
    fn no_file_or_unreadable_running_config_is_not_ok() {
        let running = ok(json!({}));
        assert_eq!(
            running_config_drift(&Json::Null, Some("off: --no-config"), &running, &Json::Null)
                ["state"],
            "skip"
        );
        let standby = json!({"state": "skip", "reason": "node-local endpoint not served by a standby: GET /v1/sys/config/state/sanitized"});
        let d = running_config_drift(&json!({}), None, &standby, &Json::Null);
        assert_eq!(d["state"], "skip");
        assert!(d["reason"].as_str().unwrap().contains("standby"));
    }
}
