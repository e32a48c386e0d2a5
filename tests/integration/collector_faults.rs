//! Faults a real server cannot produce on demand, through a local mock server.

use std::time::{Duration, Instant};

use crate::testkit::{free_ports, MockResponse, MockServer};
use serde_json::json;
use url::Url;
use vaultsec::facts::api::{self, ApiOptions, ProbeState, Product, Token};

const TOKEN: &str = "s.MockSecretToken0123456789";

fn opts(addr: &str, timeout: Duration) -> ApiOptions {
    let mut o = ApiOptions::new(Url::parse(addr).expect("url"), Token::new(TOKEN));
    o.timeout = timeout;
    o.connect_timeout = timeout;
    o
}

fn json_ok(v: serde_json::Value) -> MockResponse {
    MockResponse::Json(200, v.to_string())
}

#[test]
fn every_fault_maps_to_a_clear_probe_state_and_the_scan_goes_on() {
    let elsewhere = MockServer::start(|_| MockResponse::Json(200, "{}".into())).expect("mock b");
    let elsewhere_url = elsewhere.url();
    let mock = MockServer::start(move |req| {
        let authed = req.header("x-vault-token") == Some(TOKEN);
        match (req.method.as_str(), req.path()) {
            ("GET", "/v1/sys/health") => json_ok(json!({"initialized":true,"sealed":false,"standby":false,"version":"1.15.2","server_time_utc":1})),
            ("GET", "/v1/sys/seal-status") => json_ok(json!({"type":"shamir","initialized":true,"sealed":false,"version":"1.15.2","build_date":"2024-01-01T00:00:00Z"})),
            ("GET", "/v1/sys/leader") => json_ok(json!({"ha_enabled":false})),
            ("GET", "/v1/sys/ha-status") => json_ok(json!({"data":{"nodes":[]}})),
            ("GET", "/v1/sys/audit") => MockResponse::Json(200, "{\"file/\": {not json".into()),
            ("GET", "/v1/sys/auth") => MockResponse::Raw(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"token/\":".to_vec(),
            ),
            ("GET", "/v1/sys/mounts") => MockResponse::Hang,
            ("GET", "/v1/sys/config/cors") => MockResponse::Json(500, r#"{"errors":["internal error"]}"#.into()),
            ("GET", "/v1/sys/host-info") => MockResponse::Json(403, r#"{"errors":["1 error occurred:\n\t* permission denied\n\n"]}"#.into()),
            ("GET", "/v1/sys/policies/acl") => MockResponse::Redirect(307, format!("{elsewhere_url}/v1/sys/policies/acl?list=true")),
            ("GET", "/v1/auth/token/lookup-self") => json_ok(json!({"data":{"id":TOKEN,"accessor":"acc-self","policies":["root"],"ttl":0,"expire_time":null}})),
            ("GET", "/v1/sys/metrics") if authed => json_ok(json!({"Gauges":[]})),
            ("GET", "/v1/sys/metrics") => MockResponse::Json(403, r#"{"errors":["permission denied"]}"#.into()),
            ("GET", "/v1/sys/storage/raft/configuration") => MockResponse::Json(404, r#"{"errors":["1 error occurred:\n\t* unsupported path\n\n"]}"#.into()),
            ("GET", "/v1/sys/storage/raft/autopilot/state") => MockResponse::Close,
            ("GET", "/v1/sys/config/state/sanitized") => MockResponse::Json(500, format!(r#"{{"errors":["bad token {TOKEN} in request"]}}"#)),
            ("GET", "/v1/sys/version-history") => json_ok(json!({"data":{"keys":["1.15.2"],"key_info":{"1.15.2":{"build_date":"2024-01-01T00:00:00Z","previous_version":null,"timestamp_installed":"2024-02-01T00:00:00Z"}}}})),
            ("GET", "/v1/auth/token/accessors") => json_ok(json!({"data":{"keys":["a1","a2","a3","acc-self"]}})),
            ("POST", "/v1/auth/token/lookup-accessor") => {
                let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
                match body.get("accessor").and_then(|a| a.as_str()) {
                    Some("a1") => json_ok(json!({"data":{"accessor":"a1","display_name":"root","policies":["root"],"path":"auth/token/root","ttl":0,"expire_time":null,"orphan":true,"creation_time":100}})),
                    Some("a2") => MockResponse::Json(500, r#"{"errors":["lookup broke"]}"#.into()),
                    Some("a3") => json_ok(json!({"data":{"accessor":"a3","display_name":"token-app","policies":["default"],"path":"auth/token/create","ttl":0,"expire_time":null}})),
                    Some("acc-self") => json_ok(json!({"data":{"accessor":"acc-self","display_name":"token","policies":["root"],"path":"auth/token/create","ttl":0,"expire_time":null,"creation_time":200}})),
                    _ => MockResponse::Json(400, r#"{"errors":["invalid accessor"]}"#.into()),
                }
            }
            _ => MockResponse::Json(404, r#"{"errors":[]}"#.into()),
        }
    })
    .expect("mock");

    let started = Instant::now();
    let facts = api::collect(&opts(&mock.url(), Duration::from_secs(1)), None);
    let elapsed = started.elapsed();
    // The hanging endpoint is bounded by the 1 s timeout; everything else runs concurrently.
    assert!(
        elapsed < Duration::from_secs(5),
        "collection took {elapsed:?}"
    );

    for p in [
        &facts.audit.reason,
        &facts.auth.reason,
        &facts.mounts.reason,
        &facts.autopilot.reason,
        &facts.config_sanitized.reason,
    ] {
        eprintln!("reason: {p:?}");
    }
    assert_eq!(facts.state, ProbeState::Ok);
    assert_eq!(facts.product, Some(Product::Vault));
    assert_eq!(facts.version.as_deref(), Some("1.15.2"));

    let reason = |r: &Option<String>| r.clone().unwrap_or_default();
    assert_eq!(facts.audit.state, ProbeState::Error);
    assert!(
        reason(&facts.audit.reason).contains("invalid JSON"),
        "{:?}",
        facts.audit.reason
    );
    assert_eq!(
        facts.auth.state,
        ProbeState::Error,
        "{:?}",
        facts.auth.reason
    );
    assert_eq!(facts.mounts.state, ProbeState::Error);
    assert!(
        reason(&facts.mounts.reason).contains("timed out"),
        "{:?}",
        facts.mounts.reason
    );
    assert_eq!(facts.cors.state, ProbeState::Error);
    assert!(
        reason(&facts.cors.reason).contains("server error HTTP 500"),
        "{:?}",
        facts.cors.reason
    );
    assert_eq!(facts.host_info.state, ProbeState::Skip);
    assert_eq!(
        facts.host_info.reason.as_deref(),
        Some("insufficient permission: GET /v1/sys/host-info")
    );
    assert_eq!(facts.policies.state, ProbeState::Error);
    assert!(
        reason(&facts.policies.reason).contains("redirect"),
        "{:?}",
        facts.policies.reason
    );
    assert!(
        elsewhere.requests().is_empty(),
        "the token must not follow a cross-origin redirect"
    );
    assert_eq!(facts.raft_configuration.state, ProbeState::Skip);
    assert!(reason(&facts.raft_configuration.reason)
        .starts_with("unsupported path: GET /v1/sys/storage/raft/configuration"));
    assert_eq!(facts.autopilot.state, ProbeState::Error);
    assert_eq!(facts.config_sanitized.state, ProbeState::Error);
    assert!(reason(&facts.config_sanitized.reason).contains("<redacted>"));
    assert_eq!(facts.metrics.state, ProbeState::Ok);
    assert_eq!(
        facts
            .metrics_unauthenticated
            .data
            .as_ref()
            .map(|m| m.accessible),
        Some(false)
    );
    assert_eq!(facts.version_history.data.as_ref().map(Vec::len), Some(1));

    let token_self = facts.token_self.data.as_ref().expect("lookup-self");
    assert!(token_self.is_root);
    let hunt = facts.root_token_hunt.data.as_ref().expect("hunt");
    assert_eq!(
        (hunt.total_tokens, hunt.looked_up, hunt.lookup_failures),
        (4, 3, 1)
    );
    let roots: Vec<(&str, bool)> = hunt
        .root_tokens
        .iter()
        .map(|t| (t.accessor.as_str(), t.is_scan_token))
        .collect();
    assert_eq!(roots, vec![("a1", false), ("acc-self", true)]);
    assert_eq!(hunt.no_expiry.count, 1);
    assert_eq!(hunt.no_expiry.examples[0].accessor, "a3");
    assert!(hunt.failure_examples[0].contains("lookup broke"));

    let text = serde_json::to_string(&facts).expect("json");
    assert!(!text.contains(TOKEN), "token leaked into the facts");
    assert!(
        !format!("{facts:?}").contains(TOKEN),
        "token leaked into Debug"
    );

    // Only GETs and the lookup-accessor POSTs reached the server.
    for r in mock.requests() {
        assert!(
            r.method == "GET"
                || (r.method == "POST" && r.path() == "/v1/auth/token/lookup-accessor"),
            "{} {}",
            r.method,
            r.target
        );
        // Unauthenticated endpoints never carry the token.
        if ["/v1/sys/health", "/v1/sys/seal-status", "/v1/sys/leader"].contains(&r.path()) {
            assert!(r.header("x-vault-token").is_none(), "{}", r.target);
        }
    }
}

#[test]
fn unreachable_server_is_a_source_error() {
    let port = free_ports(1).expect("port")[0];
    let facts = api::collect(
        &opts(&format!("http://127.0.0.1:{port}"), Duration::from_secs(2)),
        None,
    );
    eprintln!("reason: {:?}", facts.reason);
    assert_eq!(facts.state, ProbeState::Error);
    assert!(
        facts
            .reason
            .as_deref()
            .unwrap_or_default()
            .contains("cannot connect"),
        "{:?}",
        facts.reason
    );
    assert_eq!(facts.audit.state, ProbeState::Error);
    assert_eq!(facts.root_token_hunt.state, ProbeState::Error);
}

#[test]
fn hanging_server_never_hangs_the_scan() {
    let mock = MockServer::start(|_| MockResponse::Hang).expect("mock");
    let started = Instant::now();
    let facts = api::collect(&opts(&mock.url(), Duration::from_millis(500)), None);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(facts.state, ProbeState::Error);
    assert!(
        facts
            .reason
            .as_deref()
            .unwrap_or_default()
            .contains("timed out"),
        "{:?}",
        facts.reason
    );
}

#[test]
fn garbage_health_is_an_error_not_a_pass() {
    let mock = MockServer::start(|req| match req.path() {
        "/v1/sys/health" => MockResponse::Json(503, "<html>bad gateway</html>".into()),
        "/v1/sys/seal-status" => {
            MockResponse::Raw(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{\"sealed\":".to_vec())
        }
        _ => MockResponse::Json(500, "{}".into()),
    })
    .expect("mock");
    let facts = api::collect(&opts(&mock.url(), Duration::from_secs(1)), None);
    assert_eq!(facts.health.state, ProbeState::Error, "{:?}", facts.health);
    assert_eq!(
        facts.seal_status.state,
        ProbeState::Error,
        "{:?}",
        facts.seal_status
    );
    assert!(facts.health.data.is_none());
}

#[test]
fn every_health_code_is_an_answer() {
    for code in [200u16, 429, 472, 473, 501, 503] {
        let mock = MockServer::start(move |req| match req.path() {
            "/v1/sys/health" => MockResponse::Json(
                code,
                json!({"initialized": code != 501, "sealed": code == 503 || code == 501, "standby": code != 200, "server_time_utc": 5}).to_string(),
            ),
            "/v1/sys/seal-status" => MockResponse::Json(200, json!({"initialized": code != 501, "sealed": code == 503 || code == 501, "version":"1.16.0"}).to_string()),
            _ => MockResponse::Json(404, r#"{"errors":[]}"#.into()),
        })
        .expect("mock");
        let facts = api::collect(&opts(&mock.url(), Duration::from_secs(1)), None);
        assert_eq!(
            facts.health.state,
            ProbeState::Ok,
            "code {code}: {:?}",
            facts.health.reason
        );
        assert_eq!(facts.health.http_status, Some(code));
        let h = facts.health.data.as_ref().expect("health");
        assert_eq!(h.initialized, Some(code != 501));
        if code == 503 {
            assert_eq!(facts.audit.reason.as_deref(), Some("server is sealed"));
        }
        if code == 501 {
            assert_eq!(
                facts.audit.reason.as_deref(),
                Some("server is not initialized")
            );
        }
    }
}

#[test]
fn no_address_and_switched_off_are_skips() {
    let flags = api::ApiFlags::default();
    let o = ApiOptions::from_sources(&flags, &|_| None, None).expect("opts");
    let facts = api::collect(&o, None);
    assert_eq!(facts.state, ProbeState::Skip);
    assert_eq!(
        facts.reason.as_deref(),
        Some("no address: set VAULT_ADDR or --addr")
    );
    let flags = api::ApiFlags {
        no_api: true,
        addr: Some("http://127.0.0.1:1".into()),
        ..Default::default()
    };
    let o = ApiOptions::from_sources(&flags, &|_| None, None).expect("opts");
    assert_eq!(api::collect(&o, None).state, ProbeState::Skip);
}

/// Paths whose answer changes state or streams data: no redirect may ever reach them.
const DANGEROUS: &[&str] = &[
    "/v1/sys/step-down",
    "/v1/sys/raw/core/keyring",
    "/v1/sys/storage/raft/snapshot",
    "/v1/sys/seal",
];

fn no_dangerous_request_and_only_allowed_methods(mock: &MockServer) {
    for r in mock.requests() {
        assert!(
            !DANGEROUS
                .iter()
                .any(|d| r.path() == *d || r.path().starts_with(&format!("{d}/"))),
            "a redirect reached {} {}",
            r.method,
            r.target
        );
        assert!(
            r.method == "GET"
                || (r.method == "POST" && r.path() == "/v1/auth/token/lookup-accessor"),
            "{} {}",
            r.method,
            r.target
        );
    }
}

#[test]
fn redirects_to_paths_outside_the_allow_list_are_errors_naming_the_path() {
    for code in [301u16, 302, 303, 307, 308] {
        let mock = vault_like(move |req| match req.path() {
            "/v1/sys/audit" => Some(MockResponse::Redirect(
                code,
                "/v1/sys/raw/core/keyring".into(),
            )),
            "/v1/sys/mounts" => Some(MockResponse::Redirect(
                code,
                "/v1/sys/storage/raft/snapshot".into(),
            )),
            "/v1/sys/auth" => Some(MockResponse::Redirect(code, "/v1/sys/seal".into())),
            "/v1/sys/config/cors" => {
                Some(MockResponse::Redirect(code, "/v1/secret/data/app".into()))
            }
            "/v1/auth/token/accessors" => Some(json_ok(json!({"data":{"keys":["a1"]}}))),
            "/v1/auth/token/lookup-accessor" => {
                Some(MockResponse::Redirect(code, "/v1/sys/step-down".into()))
            }
            _ => None,
        });
        let facts = api::collect(&opts(&mock.url(), Duration::from_secs(1)), None);
        for (probe, target) in [
            (&facts.audit.reason, "/v1/sys/raw/core/keyring"),
            (&facts.mounts.reason, "/v1/sys/storage/raft/snapshot"),
            (&facts.auth.reason, "/v1/sys/seal"),
            (&facts.cors.reason, "/v1/secret/data/app"),
        ] {
            let reason = probe.clone().unwrap_or_default();
            assert!(
                reason.contains(target) && reason.contains("allow-list"),
                "HTTP {code}: {reason}"
            );
        }
        assert_eq!(facts.audit.state, ProbeState::Error, "HTTP {code}");
        assert_eq!(facts.mounts.state, ProbeState::Error, "HTTP {code}");
        // The POST is never redirected, whatever the code and target.
        let hunt = &facts.root_token_hunt;
        let said = format!(
            "{:?} {:?}",
            hunt.reason,
            hunt.data.as_ref().map(|h| &h.failure_examples)
        );
        assert!(
            said.contains("redirect") && said.contains("/v1/sys/step-down"),
            "HTTP {code}: {said}"
        );
        no_dangerous_request_and_only_allowed_methods(&mock);
        let posts = mock
            .requests()
            .iter()
            .filter(|r| r.method == "POST")
            .count();
        assert_eq!(
            posts, 1,
            "HTTP {code}: the POST was sent once and not re-sent"
        );
    }
}

#[test]
fn redirect_to_an_allowed_path_on_the_same_origin_is_followed_with_the_token() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    for code in [301u16, 302, 303, 307, 308] {
        let hits = AtomicUsize::new(0);
        let mock = vault_like(move |req| match req.path() {
            // First a redirect to the same (allowed) path, then the answer.
            "/v1/sys/audit" if hits.fetch_add(1, Ordering::SeqCst) == 0 => {
                Some(MockResponse::Redirect(code, "/v1/sys/audit".into()))
            }
            "/v1/sys/audit" if req.header("x-vault-token") == Some(TOKEN) => Some(json_ok(
                json!({"data":{"f/":{"type":"file","path":"f/","options":{}}}}),
            )),
            _ => None,
        });
        let facts = api::collect(&opts(&mock.url(), Duration::from_secs(1)), None);
        assert_eq!(
            facts.audit.state,
            ProbeState::Ok,
            "HTTP {code}: {:?}",
            facts.audit.reason
        );
        assert_eq!(facts.audit.data.as_ref().map(|a| a.devices.len()), Some(1));
        no_dangerous_request_and_only_allowed_methods(&mock);
    }
}

#[test]
fn redirect_loops_and_cross_origin_redirects_stop() {
    let elsewhere = MockServer::start(|_| MockResponse::Json(200, "{}".into())).expect("mock b");
    let elsewhere_url = elsewhere.url();
    let mock = vault_like(move |req| match req.path() {
        "/v1/sys/audit" => Some(MockResponse::Redirect(307, "/v1/sys/audit".into())),
        "/v1/sys/mounts" => Some(MockResponse::Redirect(
            302,
            format!("{elsewhere_url}/v1/sys/mounts"),
        )),
        _ => None,
    });
    let facts = api::collect(&opts(&mock.url(), Duration::from_secs(1)), None);
    assert_eq!(facts.audit.state, ProbeState::Error);
    assert!(
        facts
            .audit
            .reason
            .as_deref()
            .unwrap_or_default()
            .contains("too many redirects"),
        "{:?}",
        facts.audit.reason
    );
    assert_eq!(facts.mounts.state, ProbeState::Error);
    assert!(
        facts
            .mounts
            .reason
            .as_deref()
            .unwrap_or_default()
            .contains("another origin"),
        "{:?}",
        facts.mounts.reason
    );
    assert!(
        elsewhere.requests().is_empty(),
        "the token must not follow a cross-origin redirect"
    );
}

#[test]
fn collect_works_inside_a_tokio_runtime() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    let port = free_ports(1).expect("port")[0];
    let facts = rt.block_on(async {
        api::collect(
            &opts(&format!("http://127.0.0.1:{port}"), Duration::from_secs(1)),
            None,
        )
    });
    assert_eq!(facts.state, ProbeState::Error);
}

fn vault_like(
    extra: impl Fn(&crate::testkit::MockRequest) -> Option<MockResponse> + Send + Sync + 'static,
) -> MockServer {
    MockServer::start(move |req| {
        if let Some(r) = extra(req) {
            return r;
        }
        match req.path() {
            "/v1/sys/health" => json_ok(
                json!({"initialized":true,"sealed":false,"standby":false,"version":"2.7.2"}),
            ),
            "/v1/sys/seal-status" => json_ok(
                json!({"initialized":true,"sealed":false,"version":"2.7.2","commit_date":"x"}),
            ),
            _ => MockResponse::Json(404, r#"{"errors":[]}"#.into()),
        }
    })
    .expect("mock")
}

#[test]
fn hunt_stops_when_the_server_stops_answering() {
    let mock = vault_like(|req| match req.path() {
        "/v1/auth/token/accessors" => {
            let keys: Vec<String> = (0..500).map(|i| format!("acc{i}")).collect();
            Some(json_ok(json!({"data":{"keys":keys}})))
        }
        "/v1/auth/token/lookup-accessor" => Some(MockResponse::Hang),
        _ => None,
    });
    let mut o = opts(&mock.url(), Duration::from_millis(200));
    o.hunt_concurrency = 4;
    let started = Instant::now();
    let hunt = api::root_token_hunt(&o, None);
    // 500 lookups x 200 ms / 4 would be 25 s; the abort keeps it to a few timeouts.
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(hunt.state, ProbeState::Error);
    assert!(
        hunt.reason
            .as_deref()
            .unwrap_or_default()
            .contains("timed out"),
        "{:?}",
        hunt.reason
    );
}

#[test]
fn hunt_without_lookup_permission_is_a_skip_naming_the_post() {
    let mock = vault_like(|req| match req.path() {
        "/v1/auth/token/accessors" => Some(json_ok(json!({"data":{"keys":["a","b","c"]}}))),
        // OpenBao's capability denial (a bare "permission denied" rejects the token itself).
        "/v1/auth/token/lookup-accessor" => Some(MockResponse::Json(
            403,
            r#"{"errors":["1 error occurred:\n\t* permission denied\n\n"]}"#.into(),
        )),
        _ => None,
    });
    let hunt = api::root_token_hunt(&opts(&mock.url(), Duration::from_secs(1)), None);
    assert_eq!(hunt.state, ProbeState::Skip);
    assert_eq!(
        hunt.reason.as_deref(),
        Some("insufficient permission: POST /v1/auth/token/lookup-accessor")
    );
    // Only the one allowed POST was ever sent, with the accessor in the body.
    for r in mock.requests() {
        if r.method == "POST" {
            assert_eq!(r.path(), "/v1/auth/token/lookup-accessor");
            assert!(String::from_utf8_lossy(&r.body).contains("\"accessor\""));
        }
    }
}

#[test]
fn hunt_concurrency_is_bounded() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let in_flight = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let (f, p) = (in_flight.clone(), peak.clone());
    let mock = vault_like(move |req| match req.path() {
        "/v1/auth/token/accessors" => {
            let keys: Vec<String> = (0..60).map(|i| format!("acc{i}")).collect();
            Some(json_ok(json!({"data":{"keys":keys}})))
        }
        "/v1/auth/token/lookup-accessor" => {
            let now = f.fetch_add(1, Ordering::SeqCst) + 1;
            p.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(20));
            f.fetch_sub(1, Ordering::SeqCst);
            Some(json_ok(
                json!({"data":{"policies":["default"],"ttl":60,"expire_time":"2030-01-01T00:00:00Z"}}),
            ))
        }
        _ => None,
    });
    let mut o = opts(&mock.url(), Duration::from_secs(2));
    o.hunt_concurrency = 5;
    let hunt = api::root_token_hunt(&o, None);
    assert_eq!(hunt.data.as_ref().map(|h| h.looked_up), Some(60));
    let peak = peak.load(Ordering::SeqCst);
    assert!((2..=5).contains(&peak), "peak in-flight lookups {peak}");
    // Keep-alive: far fewer connections than requests.
    let conns = mock.connections();
    assert!(conns <= 8, "{conns} connections for 61 requests");
}

#[test]
fn namespace_header_and_list_as_get() {
    let mock = vault_like(|_| None);
    let flags = api::ApiFlags {
        addr: Some(mock.url()),
        ..Default::default()
    };
    let env = |k: &str| match k {
        "VAULT_TOKEN" => Some(TOKEN.to_owned()),
        "BAO_NAMESPACE" => Some("team-a".to_owned()),
        _ => None,
    };
    let o = ApiOptions::from_sources(&flags, &env, None).expect("opts");
    let _ = api::collect(&o, None);
    let reqs = mock.requests();
    let list = reqs
        .iter()
        .find(|r| r.path() == "/v1/sys/policies/acl")
        .expect("policies listed");
    assert_eq!(list.method, "GET");
    assert!(list.target.ends_with("?list=true"));
    assert_eq!(list.header("x-vault-namespace"), Some("team-a"));
    assert_eq!(list.header("x-vault-token"), Some(TOKEN));
    // The walk starts in the scanned namespace; root-only endpoints are read at the root,
    // where they exist (a namespace answers them "operation only available in root namespace").
    let walk = reqs
        .iter()
        .find(|r| r.path() == "/v1/sys/namespaces")
        .expect("namespaces listed");
    assert_eq!(walk.header("x-vault-namespace"), Some("team-a"));
    for root_only in ["/v1/sys/audit", "/v1/sys/health", "/v1/sys/config/cors"] {
        let r = reqs
            .iter()
            .find(|r| r.path() == root_only)
            .unwrap_or_else(|| panic!("{root_only} read"));
        assert_eq!(r.header("x-vault-namespace"), None, "{root_only}");
    }
}

/// A mock active node whose `sys/ha-status` lists `n` nodes, all served by the mock itself
/// under their own path prefix (`<mock>/n<i>`): loopback only, one port.
pub(crate) fn many_node_cluster(
    n: usize,
    delay: Duration,
) -> (MockServer, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, OnceLock};
    let base: Arc<OnceLock<String>> = Arc::new(OnceLock::new());
    let (in_flight, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (b, f, p) = (base.clone(), in_flight.clone(), peak.clone());
    let mock = MockServer::start(move |req| {
        let path = req.path();
        if path == "/v1/sys/ha-status" {
            let url = b.get().cloned().unwrap_or_default();
            let nodes: Vec<serde_json::Value> = (0..n)
                .map(|i| json!({"hostname": format!("n{i}"), "api_address": format!("{url}/n{i}"), "cluster_address": "https://127.0.0.1:8201", "active_node": i == 0, "version": "2.7.2"}))
                .collect();
            return json_ok(json!({"data":{"nodes": nodes}}));
        }
        let per_node = path.starts_with("/n");
        if per_node {
            let now = f.fetch_add(1, Ordering::SeqCst) + 1;
            p.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(delay);
            f.fetch_sub(1, Ordering::SeqCst);
        }
        let tail = path.find("/v1/").map(|i| &path[i..]).unwrap_or_default();
        match tail {
            "/v1/sys/health" => json_ok(json!({"initialized":true,"sealed":false,"standby":!per_node,"version":"2.7.2","server_time_utc":1})),
            "/v1/sys/seal-status" => json_ok(json!({"type":"shamir","initialized":true,"sealed":false,"version":"2.7.2"})),
            "/v1/sys/leader" => json_ok(json!({"ha_enabled":true,"is_self":true})),
            _ => MockResponse::Json(404, r#"{"errors":[]}"#.into()),
        }
    })
    .expect("mock");
    let _ = base.set(mock.url());
    (mock, peak)
}

#[test]
fn cluster_mode_costs_two_requests_per_node_with_bounded_concurrency() {
    let n = 300;
    let (mock, peak) = many_node_cluster(n, Duration::from_millis(2));
    let mut o = opts(&mock.url(), Duration::from_secs(5));
    o.cluster = true;
    let facts = api::collect(&o, None);
    assert_eq!(
        facts.cluster.state,
        ProbeState::Ok,
        "{:?}",
        facts.cluster.reason
    );
    assert_eq!(facts.cluster.nodes.len(), n);
    // Each node: one sys/health and one sys/seal-status, never the token.
    let mut per_node = std::collections::BTreeMap::<String, usize>::new();
    for r in mock
        .requests()
        .iter()
        .filter(|r| r.path().starts_with("/n"))
    {
        assert!(r.header("x-vault-token").is_none(), "{}", r.target);
        *per_node.entry(r.path().to_owned()).or_default() += 1;
    }
    assert_eq!(per_node.len(), 2 * n);
    assert!(
        per_node.values().all(|c| *c == 1),
        "a node endpoint read twice"
    );
    let peak = peak.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        (2..=16).contains(&peak),
        "peak in-flight node requests {peak}"
    );
}

/// 200 answers of the wrong shape: every probe a rule relies on becomes an error naming the
/// path and what was wrong, never data that reads as "nothing there".
fn wrongly_shaped_server() -> MockServer {
    vault_like(|req| {
        let wrong = |v: serde_json::Value| Some(json_ok(v));
        match req.path() {
            "/v1/sys/leader" => wrong(json!({"data": {"leader": "yes"}})),
            "/v1/sys/ha-status" => wrong(json!({"members": ["a", "b"]})),
            "/v1/sys/audit" => wrong(json!({"devices": [{"type": "file"}]})),
            "/v1/sys/auth" => wrong(json!({"data": {"userpass/": "enabled"}})),
            "/v1/sys/mounts" => wrong(json!({"secret/": ["kv"]})),
            "/v1/auth/token/lookup-self" => wrong(json!({"data": {"id": "x"}})),
            "/v1/sys/policies/acl" => wrong(json!({"data": {"policies": ["a"]}})),
            "/v1/auth/token/accessors" => wrong(json!({"data": {"accessors": 3}})),
            "/v1/sys/storage/raft/configuration" => {
                wrong(json!({"data": {"config": {"servers": ["n1"]}}}))
            }
            "/v1/sys/storage/raft/autopilot/state" => wrong(json!({"data": {"state": "ok"}})),
            "/v1/sys/config/state/sanitized" => wrong(json!(["listener"])),
            "/v1/sys/config/cors" => wrong(json!({"data": {"origins": "*"}})),
            "/v1/sys/host-info" => wrong(json!({"data": {"uptime": 5}})),
            "/v1/sys/version-history" => wrong(json!({"data": {"versions": ["2.7.2"]}})),
            "/v1/sys/metrics" => Some(MockResponse::Json(200, "<html>login page</html>".into())),
            _ => None,
        }
    })
}

#[test]
fn wrongly_shaped_answers_are_errors_naming_the_path() {
    let mock = wrongly_shaped_server();
    let facts = api::collect(&opts(&mock.url(), Duration::from_secs(1)), None);
    let checks: Vec<(&str, ProbeState, Option<String>)> = vec![
        (
            "sys/leader",
            facts.leader.state,
            facts.leader.reason.clone(),
        ),
        (
            "sys/ha-status",
            facts.ha_status.state,
            facts.ha_status.reason.clone(),
        ),
        ("sys/audit", facts.audit.state, facts.audit.reason.clone()),
        ("sys/auth", facts.auth.state, facts.auth.reason.clone()),
        (
            "sys/mounts",
            facts.mounts.state,
            facts.mounts.reason.clone(),
        ),
        (
            "auth/token/lookup-self",
            facts.token_self.state,
            facts.token_self.reason.clone(),
        ),
        (
            "sys/policies/acl",
            facts.policies.state,
            facts.policies.reason.clone(),
        ),
        (
            "auth/token/accessors",
            facts.root_token_hunt.state,
            facts.root_token_hunt.reason.clone(),
        ),
        (
            "sys/storage/raft/configuration",
            facts.raft_configuration.state,
            facts.raft_configuration.reason.clone(),
        ),
        (
            "sys/storage/raft/autopilot/state",
            facts.autopilot.state,
            facts.autopilot.reason.clone(),
        ),
        (
            "sys/config/state/sanitized",
            facts.config_sanitized.state,
            facts.config_sanitized.reason.clone(),
        ),
        (
            "sys/config/cors",
            facts.cors.state,
            facts.cors.reason.clone(),
        ),
        (
            "sys/host-info",
            facts.host_info.state,
            facts.host_info.reason.clone(),
        ),
        (
            "sys/version-history",
            facts.version_history.state,
            facts.version_history.reason.clone(),
        ),
        (
            "sys/metrics",
            facts.metrics.state,
            facts.metrics.reason.clone(),
        ),
        (
            "sys/metrics",
            facts.metrics_unauthenticated.state,
            facts.metrics_unauthenticated.reason.clone(),
        ),
    ];
    let mut wrong = Vec::new();
    for (path, state, reason) in checks {
        let reason = reason.unwrap_or_default();
        if state != ProbeState::Error || !reason.contains(&format!("/v1/{path}")) {
            wrong.push(format!("{path}: {state:?} {reason:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "not errors naming the path:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn wrong_shapes_make_the_rules_error_not_fail() {
    let mock = wrongly_shaped_server();
    let home = tempfile::tempdir().expect("tmp");
    let out = crate::common::vaultsec()
        .env("HOME", home.path())
        .env("VAULT_TOKEN", TOKEN)
        .args([
            "scan",
            "--no-host",
            "--no-config",
            "--profile",
            "strict",
            "--format",
            "json",
        ])
        .args(["--addr", &mock.url()])
        .output()
        .expect("run");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
    let status = |rule: &str| {
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["rule"] == rule)
            .map(|f| {
                (
                    f["status"].as_str().unwrap_or_default().to_owned(),
                    f["message"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect::<Vec<_>>()
    };
    for rule in ["api.audit-disabled", "api.metrics-unauthenticated"] {
        let got = status(rule);
        assert!(!got.is_empty(), "{rule} ran");
        for (s, message) in got {
            assert_eq!(s, "error", "{rule}: {message}");
        }
    }
    assert_eq!(out.status.code(), Some(3), "incomplete scan, not a failure");
}
