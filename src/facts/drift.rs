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

/// A probe-shaped fact `{path, state, reason, data: {differences, compared}}`.
/// `config` is the file config fact (`null` when the config source is off), `sanitized` the
/// `api.config_sanitized` probe.
pub fn running_config_drift(config: &Json, config_state: Option<&str>, sanitized: &Json) -> Json {
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
        let d = running_config_drift(&file, None, &running);
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
        let d = running_config_drift(&file, None, &running);
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
    fn no_file_or_unreadable_running_config_is_not_ok() {
        let running = ok(json!({}));
        assert_eq!(
            running_config_drift(&Json::Null, Some("off: --no-config"), &running)["state"],
            "skip"
        );
        let standby = json!({"state": "skip", "reason": "node-local endpoint not served by a standby: GET /v1/sys/config/state/sanitized"});
        let d = running_config_drift(&json!({}), None, &standby);
        assert_eq!(d["state"], "skip");
        assert!(d["reason"].as_str().unwrap().contains("standby"));
    }
}
