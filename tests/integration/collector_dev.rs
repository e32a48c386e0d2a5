//! Facts collected from a real OpenBao dev server (`bao server -dev`).

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::testkit::DevServer;
use serde_json::{json, Value};
use url::Url;
use vaultsec::facts::api::{
    self, ApiOptions, Phase, ProbeState, Product, Progress, Token, SCANNER_POLICY_HCL,
};

fn opts(server: &DevServer, token: Option<&str>) -> ApiOptions {
    ApiOptions::new(
        Url::parse(&server.addr).expect("url"),
        token.and_then(Token::new),
    )
}

fn permission_skips(facts: &api::ApiFacts) -> Vec<String> {
    let v = serde_json::to_value(facts).expect("json");
    let mut out = Vec::new();
    collect_reasons(&v, &mut out);
    out.into_iter()
        .filter(|r| r.starts_with("insufficient permission"))
        .collect()
}

fn collect_reasons(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("reason") {
                out.push(r.clone());
            }
            m.values().for_each(|x| collect_reasons(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| collect_reasons(x, out)),
        _ => {}
    }
}

#[test]
fn dev_server_facts_with_root_token() {
    let dev = DevServer::start_with_audit().expect("dev server");
    let facts = api::collect(&opts(&dev, Some(&dev.root_token)), None);

    assert_eq!(facts.state, ProbeState::Ok, "{:?}", facts.reason);
    assert_eq!(facts.product, Some(Product::Openbao));
    assert_eq!(facts.version.as_deref(), Some("2.7.2"));
    let h = facts.health.data.as_ref().expect("health");
    assert_eq!(
        (h.initialized, h.sealed, h.standby),
        (Some(true), Some(false), Some(false))
    );
    assert!(h.clock_skew_seconds.is_some_and(|s| s.abs() <= 2));
    let s = facts.seal_status.data.as_ref().expect("seal");
    assert_eq!(s.storage_type.as_deref(), Some("inmem"));
    assert_eq!(
        facts.leader.data.as_ref().and_then(|l| l.ha_enabled),
        Some(false)
    );

    // The scan token is the dev root token: flagged, and found by the hunt.
    let me = facts.token_self.data.as_ref().expect("lookup-self");
    assert!(me.is_root);
    let hunt = facts.root_token_hunt.data.as_ref().expect("hunt");
    assert_eq!(hunt.root_tokens.len(), 1);
    assert!(hunt.root_tokens[0].is_scan_token);
    assert_eq!(Some(&hunt.root_tokens[0].accessor), me.accessor.as_ref());

    // Declared audit device seen by the API and in the running config.
    assert_eq!(facts.audit_devices.total, 1);
    assert_eq!(facts.audit_devices.devices[0].path, "file-audit/");
    assert_eq!(facts.audit_devices.devices[0].source, "api+config");

    // Dev mode serves metrics without a token (evidence for the rule).
    assert_eq!(
        facts
            .metrics_unauthenticated
            .data
            .as_ref()
            .map(|m| m.accessible),
        Some(true)
    );
    // No raft in dev: the endpoint is absent, not forbidden.
    assert_eq!(facts.raft_configuration.state, ProbeState::Skip);
    assert!(facts
        .raft_configuration
        .reason
        .as_deref()
        .unwrap_or_default()
        .starts_with("unsupported path"));
    // Dev mounts KV v2 at secret/.
    let mounts = facts.mounts.data.as_ref().expect("mounts");
    let secret = mounts
        .mounts
        .iter()
        .find(|m| m.path == "secret/")
        .expect("secret/");
    assert_eq!(secret.kv_version, Some(2));
    let cors = facts.cors.data.as_ref().expect("cors");
    assert!(!cors.wildcard);
    assert!(facts
        .host_info
        .data
        .as_ref()
        .is_some_and(|h| h.os.as_deref() == Some("linux")));
    assert_eq!(
        facts
            .version_history
            .data
            .as_ref()
            .map(|v| v[0].version.as_str()),
        Some("2.7.2")
    );
    assert!(facts
        .config_sanitized
        .data
        .as_ref()
        .is_some_and(|c| c.get("listeners").is_some()));
    let pol = facts.policies.data.as_ref().expect("policies");
    assert!(pol.names.contains(&"default".to_owned()));
    assert!(pol.overbroad.is_empty(), "{:?}", pol.overbroad);
    assert!(permission_skips(&facts).is_empty());
}

#[test]
fn failing_scenarios_are_visible_in_the_facts() {
    let dev = DevServer::start().expect("dev server");
    let admin = dev.admin().expect("admin");
    let (_child_tok, child_acc) = admin.create_child_root_token().expect("child root");
    admin.put_overbroad_policy("too-broad").expect("policy");
    admin
        .put_policy(
            "sudoer",
            "path \"sys/leases/*\" { capabilities = [\"read\", \"sudo\"] }",
        )
        .expect("policy");
    admin
        .enable_userpass_without_lockout("userpass")
        .expect("userpass");
    admin.enable_auth("approle", "approle").expect("approle");
    admin.enable_kv_v1("kv1").expect("kv1");
    admin.enable_cors(&["*"]).expect("cors");
    let (_t, forever_acc) = admin
        .create_token(json!({"policies": ["default"], "no_parent": true, "ttl": "0", "period": "", "display_name": "forever"}))
        .expect("token");
    let (_t, _short) = admin
        .create_token(json!({"policies": ["default"], "ttl": "1h"}))
        .expect("token");
    let (_t, periodic_acc) = admin
        .create_token(json!({"policies": ["default"], "period": "1h"}))
        .expect("periodic token");

    let calls = AtomicUsize::new(0);
    let last = std::sync::Mutex::new(None::<Progress>);
    let progress = |p: Progress| {
        calls.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut l) = last.lock() {
            *l = Some(p);
        }
    };
    let facts = api::collect(&opts(&dev, Some(&dev.root_token)), Some(&progress));

    let hunt = facts.root_token_hunt.data.as_ref().expect("hunt");
    assert!(hunt.root_tokens.iter().any(|t| t.accessor == child_acc
        && t.path.as_deref() == Some("auth/token/create")
        && !t.is_scan_token));
    assert_eq!(hunt.root_tokens.len(), 2);
    assert_eq!(hunt.lookup_failures, 0);
    assert_eq!(hunt.total_tokens, 5);
    assert!(hunt
        .periodic_unbounded
        .examples
        .iter()
        .any(|e| e.accessor == periodic_acc));
    let p = last.lock().ok().and_then(|l| *l).expect("progress");
    assert_eq!((p.phase, p.done, p.total), (Phase::RootTokenHunt, 5, 5));
    assert_eq!(calls.load(Ordering::SeqCst), 5);
    // The server caps non-root tokens at the mount's max TTL, so "forever" expires.
    assert!(!hunt
        .no_expiry
        .examples
        .iter()
        .any(|e| e.accessor == forever_acc));

    let pol = facts.policies.data.as_ref().expect("policies");
    assert!(pol.overbroad.contains(&"too-broad".to_owned()));
    assert!(pol.overbroad.contains(&"sudoer".to_owned()));
    let broad = pol
        .policies
        .iter()
        .find(|p| p.name == "too-broad")
        .expect("too-broad");
    assert_eq!(broad.broad_paths, vec!["*"]);

    let auth = facts.auth.data.as_ref().expect("auth");
    let up = auth
        .mounts
        .iter()
        .find(|m| m.path == "userpass/")
        .expect("userpass");
    assert_eq!(up.lockout_disabled, Some(true));
    assert_eq!(up.tune.as_ref().map(|t| t.state), Some(ProbeState::Ok));
    let ar = auth
        .mounts
        .iter()
        .find(|m| m.path == "approle/")
        .expect("approle");
    // No per-mount override: the server default (lockout on) applies and the API says nothing.
    assert_eq!(
        (ar.lockout_disabled, ar.lockout_source.as_deref()),
        (None, None)
    );
    assert_eq!(ar.tune.as_ref().map(|t| t.state), Some(ProbeState::Ok));
    assert_eq!(up.lockout_source.as_deref(), Some("tune"));

    let kv1 = facts
        .mounts
        .data
        .as_ref()
        .and_then(|m| m.mounts.iter().find(|m| m.path == "kv1/").cloned())
        .expect("kv1");
    assert_eq!(kv1.kv_version, Some(1));
    assert!(facts.cors.data.as_ref().is_some_and(|c| c.wildcard));
}

#[test]
fn default_policy_token_gets_skips_naming_the_denied_path() {
    let dev = DevServer::start().expect("dev server");
    let admin = dev.admin().expect("admin");
    let (tok, _) = admin
        .create_token(json!({"policies": ["default"], "ttl": "1h"}))
        .expect("token");
    let facts = api::collect(&opts(&dev, Some(&tok)), None);
    assert_eq!(facts.state, ProbeState::Ok);
    assert_eq!(facts.token_self.state, ProbeState::Ok);
    assert!(!facts.token_self.data.as_ref().expect("self").is_root);
    for (probe_reason, path) in [
        (&facts.audit.reason, "GET /v1/sys/audit"),
        (&facts.auth.reason, "GET /v1/sys/auth"),
        (&facts.mounts.reason, "GET /v1/sys/mounts"),
        (&facts.cors.reason, "GET /v1/sys/config/cors"),
        (
            &facts.root_token_hunt.reason,
            "LIST /v1/auth/token/accessors",
        ),
        (&facts.policies.reason, "LIST /v1/sys/policies/acl"),
        (
            &facts.config_sanitized.reason,
            "GET /v1/sys/config/state/sanitized",
        ),
    ] {
        assert_eq!(
            probe_reason.as_deref(),
            Some(format!("insufficient permission: {path}").as_str())
        );
    }
    assert_eq!(facts.audit.state, ProbeState::Skip);
    assert_eq!(facts.root_token_hunt.state, ProbeState::Skip);
}

#[test]
fn scanner_policy_token_gets_no_permission_skip() {
    let dev = DevServer::start().expect("dev server");
    let admin = dev.admin().expect("admin");
    admin
        .enable_userpass_without_lockout("userpass")
        .expect("userpass");
    let (tok, acc) = admin
        .token_with_policy("vaultsec-scanner", SCANNER_POLICY_HCL)
        .expect("scanner");
    let facts = api::collect(&opts(&dev, Some(&tok)), None);
    assert_eq!(permission_skips(&facts), Vec::<String>::new());
    let me = facts.token_self.data.as_ref().expect("self");
    assert!(!me.is_root);
    assert_eq!(me.accessor.as_deref(), Some(acc.as_str()));
    let hunt = facts.root_token_hunt.data.as_ref().expect("hunt");
    assert_eq!(hunt.root_tokens.len(), 1);
    let up = facts
        .auth
        .data
        .as_ref()
        .and_then(|a| a.mounts.iter().find(|m| m.path == "userpass/").cloned());
    assert_eq!(up.and_then(|m| m.lockout_disabled), Some(true));
}

#[test]
fn without_token_only_unauthenticated_facts() {
    let dev = DevServer::start().expect("dev server");
    let facts = api::collect(&opts(&dev, None), None);
    assert_eq!(facts.state, ProbeState::Ok);
    assert_eq!(facts.health.state, ProbeState::Ok);
    assert_eq!(facts.seal_status.state, ProbeState::Ok);
    assert_eq!(facts.audit.state, ProbeState::Skip);
    assert!(facts
        .audit
        .reason
        .as_deref()
        .unwrap_or_default()
        .starts_with("no token"));
    assert_eq!(facts.metrics_unauthenticated.state, ProbeState::Ok);
    assert!(!facts.token.present);
}

#[test]
fn full_collection_issues_no_write() {
    let dev = DevServer::start_with_audit().expect("dev server");
    let admin = dev.admin().expect("admin");
    admin
        .enable_userpass_without_lockout("userpass")
        .expect("userpass");
    admin.put_overbroad_policy("broad").expect("policy");
    for _ in 0..5 {
        admin
            .create_token(json!({"policies": ["default"]}))
            .expect("token");
    }
    let log = dev.audit_log.clone().expect("audit log");
    let before = std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0);
    let mut o = opts(&dev, Some(&dev.root_token));
    o.cluster = true;
    let facts = api::collect(&o, None);
    assert_eq!(facts.state, ProbeState::Ok);
    let text = std::fs::read_to_string(&log).expect("read audit log");
    let new = &text.as_bytes()[usize::try_from(before).unwrap_or(0)..];
    let mut seen = 0;
    for line in String::from_utf8_lossy(new).lines() {
        let e: Value = serde_json::from_str(line).expect("audit entry");
        if e.get("type").and_then(Value::as_str) != Some("request") {
            continue;
        }
        seen += 1;
        let op = e
            .pointer("/request/operation")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let path = e
            .pointer("/request/path")
            .and_then(Value::as_str)
            .unwrap_or_default();
        assert!(
            op == "read"
                || op == "list"
                || (op == "update" && path == "auth/token/lookup-accessor"),
            "write issued: {op} {path}"
        );
    }
    // lookup-self, audit, auth, tune, mounts, policies, hunt…: the scan was audited.
    assert!(seen >= 15, "only {seen} audited requests");
}

#[test]
fn token_never_appears_in_facts_or_errors() {
    let dev = DevServer::start().expect("dev server");
    let admin = dev.admin().expect("admin");
    let (scan_tok, _) = admin
        .token_with_policy("vaultsec-scanner", SCANNER_POLICY_HCL)
        .expect("scanner");
    let (child_tok, _) = admin.create_child_root_token().expect("child");
    for tok in [&dev.root_token, &scan_tok] {
        let o = opts(&dev, Some(tok));
        assert!(!format!("{o:?}").contains(tok.as_str()));
        let facts = api::collect(&o, None);
        let text = serde_json::to_string(&facts).expect("json");
        for secret in [&dev.root_token, &scan_tok, &child_tok] {
            assert!(
                !text.contains(secret.as_str()),
                "a token appears in the facts"
            );
            assert!(!format!("{facts:?}").contains(secret.as_str()));
        }
    }
    // A bad token: every reason stays free of it.
    let bogus = "s.ThisIsNotAValidTokenButSecret";
    let facts = api::collect(&opts(&dev, Some(bogus)), None);
    let text = serde_json::to_string(&facts).expect("json");
    assert!(!text.contains(bogus));
    // The server rejects the token itself: the source failed, not a missing capability.
    assert_eq!(facts.state, ProbeState::Error);
    assert_eq!(facts.token_self.state, ProbeState::Error);
    assert!(facts
        .reason
        .as_deref()
        .is_some_and(|r| r.starts_with("the token is invalid or expired")));
}
