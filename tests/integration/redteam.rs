//! Red-team regressions: each test is an attack on this turn's trust and hardening work that
//! broke it once (a false verdict, a leak, a crash), kept so it cannot come back.

use crate::api_rules::scan;
use crate::testkit::{DevServer, MockRequest, MockResponse, MockServer};
use serde_json::json;

/// A server whose config disables user lockout for every method, scanned from the API only
/// (the usual remote scan, no config file at hand): the running server says so itself in
/// `sys/config/state/sanitized`, so the rule fails instead of passing unseen. Checked on a
/// real OpenBao, where seven wrong passwords in a row lock nobody out.
#[test]
fn lockout_disabled_in_the_running_config_fails_without_a_config_file() {
    let dev = DevServer::start_with_config("user_lockout \"all\" {\n  disable_lockout = true\n}\n")
        .expect("dev server");
    let admin = dev.admin().expect("admin");
    admin.enable_auth("userpass", "userpass").expect("userpass");
    let run = scan(
        &dev.addr,
        Some(&dev.root_token),
        &[
            "--no-host",
            "--no-config",
            "--select",
            "api.user-lockout-disabled",
        ],
    );
    run.expect("api.user-lockout-disabled", "fail");
    let (_, subject, message) = &run.of("api.user-lockout-disabled")[0];
    assert_eq!(subject, "auth mount userpass/");
    assert!(message.contains("running configuration"), "{message}");
}

/// Nothing says whether lockout is on (no config file, and the running config is hidden from
/// the token): the verdict is not `pass`.
#[test]
fn lockout_unseen_anywhere_is_not_a_pass() {
    let dev = DevServer::start().expect("dev server");
    let admin = dev.admin().expect("admin");
    admin.enable_auth("userpass", "userpass").expect("userpass");
    admin
        .put_policy(
            "no-sanitized",
            "path \"sys/auth\" { capabilities = [\"read\", \"sudo\"] }\npath \"sys/auth/+/tune\" { capabilities = [\"read\", \"sudo\"] }\npath \"sys/namespaces\" { capabilities = [\"list\"] }\npath \"sys/namespaces/*\" { capabilities = [\"list\"] }\n",
        )
        .expect("policy");
    let (token, _) = admin
        .create_token(serde_json::json!({ "policies": ["no-sanitized"], "ttl": "1h" }))
        .expect("token");
    let run = scan(
        &dev.addr,
        Some(&token),
        &[
            "--no-host",
            "--no-config",
            "--select",
            "api.user-lockout-disabled",
        ],
    );
    let found = run.of("api.user-lockout-disabled");
    assert!(!found.is_empty(), "{}", run.stdout);
    for (status, _, message) in &found {
        assert_eq!(status, "skip", "{message}");
        assert!(message.contains("insufficient permission"), "{message}");
    }
    assert_eq!(
        run.code,
        Some(3),
        "a skip for permission leaves the scan incomplete"
    );
}

const MOCK_TOKEN: &str = "s.RedTeamMockToken0123456";

/// A hostile server on loopback: a plausible unsealed OpenBao whose answers `extra` overrides.
fn hostile(
    extra: impl Fn(&MockRequest) -> Option<MockResponse> + Send + Sync + 'static,
) -> MockServer {
    MockServer::start(move |req| {
        if let Some(r) = extra(req) {
            return r;
        }
        let ok = |v: serde_json::Value| MockResponse::Json(200, v.to_string());
        match req.path() {
            "/v1/sys/health" => ok(
                json!({"initialized":true,"sealed":false,"standby":false,"version":"2.7.2","server_time_utc":0}),
            ),
            "/v1/sys/seal-status" => ok(
                json!({"type":"shamir","initialized":true,"sealed":false,"t":3,"n":5,"version":"2.7.2"}),
            ),
            "/v1/auth/token/lookup-self" => ok(
                json!({"data":{"accessor":"acc-self","policies":["scanner"],"ttl":3600,"expire_time":"2099-01-01T00:00:00Z"}}),
            ),
            "/v1/sys/mounts" => ok(
                json!({"data":{"secret/":{"type":"kv","options":{"version":"2"}}}}),
            ),
            _ => MockResponse::Json(404, r#"{"errors":[]}"#.into()),
        }
    })
    .expect("mock")
}

fn hostile_scan(mock: &MockServer, select: &str) -> crate::api_rules::Run {
    scan(
        &mock.url(),
        Some(MOCK_TOKEN),
        &[
            "--no-host",
            "--no-config",
            "--profile",
            "strict",
            "--select",
            select,
        ],
    )
}

/// A LIST whose `keys` hold something other than names (here numbers) was read as a shorter
/// list: the policies it hid were never judged, and `api.policy-overbroad` passed "no ACL
/// policy besides root". A list with an entry that is not a name is the wrong shape.
#[test]
fn a_list_with_keys_that_are_not_names_is_an_error_not_an_empty_list() {
    let mock = hostile(|req| match req.path() {
        "/v1/sys/policies/acl" => Some(MockResponse::Json(
            200,
            json!({"data": {"keys": [1, 2]}}).to_string(),
        )),
        _ => None,
    });
    let run = hostile_scan(&mock, "api.policy-overbroad");
    let found = run.of("api.policy-overbroad");
    assert!(!found.is_empty(), "{}", run.stdout);
    for (status, _, message) in &found {
        assert_eq!(status, "error", "{message}");
        assert!(message.contains("sys/policies/acl"), "{message}");
    }
    assert_eq!(run.code, Some(3));
}

/// A server whose every namespace lists a child `a/` (and `b/`): a namespace tree without
/// end. The walk had no bound and never finished (40 s and counting, memory growing); it now
/// stops at its depth bound, and what it did not walk makes the per-namespace rules `error`
/// (an incomplete scan), never a silent `pass`.
#[test]
fn an_endless_namespace_tree_ends_the_walk_as_an_incomplete_scan() {
    let mock = hostile(|req| match req.path() {
        "/v1/sys/namespaces" => Some(MockResponse::Json(
            200,
            json!({"data": {"keys": ["a/"]}}).to_string(),
        )),
        _ => None,
    });
    let started = std::time::Instant::now();
    let run = hostile_scan(&mock, "api.kv-v1");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "the walk ended: {:?}",
        started.elapsed()
    );
    let found = run.of("api.kv-v1");
    let stopped: Vec<_> = found.iter().filter(|(s, _, _)| s == "error").collect();
    assert!(
        stopped
            .iter()
            .any(|(_, subject, m)| subject.ends_with("child namespaces") && m.contains("deep")),
        "{found:#?}"
    );
    assert_eq!(run.code, Some(3), "{}", run.stderr);
}

/// A live TLS listener that cannot be reached: `tls.cert-expiring` is an `error` that says
/// why (the connection), not an expression error about a key the unread certificate lacks.
#[test]
fn an_unreachable_tls_listener_is_an_error_with_its_reason_not_an_expression_error() {
    let port = crate::testkit::free_ports(1).expect("port")[0];
    let run = scan(
        &format!("https://127.0.0.1:{port}"),
        None,
        &["--no-host", "--no-config", "--select", "tls.cert-expiring"],
    );
    let found = run.of("tls.cert-expiring");
    assert!(!found.is_empty(), "{}", run.stdout);
    for (status, _, message) in &found {
        assert_eq!(status, "error", "{message}");
        assert!(!message.contains("cannot evaluate"), "{message}");
        assert!(message.contains("nothing listens on"), "{message}");
    }
}

/// A redirect that names the token percent-encoded (`/v1/sys/raw/%73%2E...`, and each
/// character any way the server likes): the refused target shown in the finding was the raw
/// encoded path, which no scrub recognised, so the whole token reached every report.
#[test]
fn a_redirect_naming_the_token_percent_encoded_does_not_leak_it() {
    let encoded: String = MOCK_TOKEN
        .bytes()
        .enumerate()
        .map(|(i, b)| {
            if i % 3 == 0 {
                char::from(b).to_string()
            } else if i % 2 == 0 {
                format!("%{b:02x}")
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let mock = hostile(move |req| match req.path() {
        "/v1/sys/mounts" => Some(MockResponse::Redirect(
            307,
            format!("/v1/sys/raw/{encoded}"),
        )),
        _ => None,
    });
    for format in ["json", "table", "html", "junit"] {
        let home = tempfile::tempdir().expect("home");
        let out = crate::common::vaultsec()
            .env("HOME", home.path())
            .env("VAULT_TOKEN", MOCK_TOKEN)
            .args(["scan", "--no-host", "--no-config", "--profile", "strict"])
            .args(["--format", format, "--addr", &mock.url()])
            .output()
            .expect("run");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains("not followed"),
            "{format}: the redirect was seen"
        );
        crate::secrets::assert_no_canary(&stdout, MOCK_TOKEN, format);
        crate::secrets::assert_no_canary(&percent_decoded(&stdout), MOCK_TOKEN, format);
        crate::secrets::assert_no_canary(&String::from_utf8_lossy(&out.stderr), MOCK_TOKEN, format);
    }
}

/// `%xx` sequences decoded (what a reader of the report recovers at once).
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A namespace whose name cannot travel in the `X-Vault-Namespace` header (a control
/// character, from a hostile server): the header was dropped and the request sent anyway, so
/// the root namespace was read and reported as that namespace, and the root's own list of
/// namespaces came back as its children, again and again. A request for a namespace is sent
/// to that namespace or not at all.
#[test]
fn a_namespace_that_cannot_be_named_in_a_header_is_never_read_as_the_root() {
    let mock = hostile(|req| match (req.path(), req.header("x-vault-namespace")) {
        ("/v1/sys/namespaces", None) => Some(MockResponse::Json(
            200,
            json!({"data": {"keys": ["a\u{1}b/"]}}).to_string(),
        )),
        ("/v1/sys/namespaces", Some(_)) => Some(MockResponse::Json(
            200,
            json!({"data": {"keys": []}}).to_string(),
        )),
        _ => None,
    });
    let run = hostile_scan(&mock, "api.kv-v1");
    let listed = mock
        .requests()
        .iter()
        .filter(|r| r.path() == "/v1/sys/namespaces")
        .count();
    assert_eq!(listed, 1, "only the root was listed, once");
    let found = run.of("api.kv-v1");
    assert!(
        found
            .iter()
            .filter(|(_, subject, _)| subject.starts_with("a"))
            .all(|(status, _, _)| status == "error"),
        "{found:#?}"
    );
    assert!(
        found.iter().any(|(status, _, _)| status == "error"),
        "{found:#?}"
    );
    assert_eq!(run.code, Some(3));
}

/// A token that expires (or is revoked) during the scan: OpenBao then answers every request
/// with the bare `permission denied` it gives a token it cannot resolve (checked on a real
/// OpenBao 2.7.2; a capability denial is the wrapped `1 error occurred: * permission denied`).
/// Those rules said "insufficient permission", sending the operator to fix a policy that was
/// fine; they are errors that say the token was rejected.
#[test]
fn a_token_rejected_mid_scan_is_an_error_not_a_missing_permission() {
    let mock = hostile(|req| match req.path() {
        "/v1/sys/policies/acl" => Some(MockResponse::Json(
            403,
            r#"{"errors":["permission denied"]}"#.into(),
        )),
        "/v1/sys/namespaces" => Some(MockResponse::Json(
            200,
            json!({"data": {"keys": []}}).to_string(),
        )),
        _ => None,
    });
    let run = hostile_scan(&mock, "api.policy-overbroad");
    let found = run.of("api.policy-overbroad");
    assert!(!found.is_empty(), "{}", run.stdout);
    for (status, _, message) in &found {
        assert_eq!(status, "error", "{message}");
        assert!(message.contains("invalid or expired"), "{message}");
    }
    assert_eq!(run.code, Some(3));
}

/// A policy that grants `*` in one stanza and denies `*` in another: OpenBao merges the
/// stanzas of one path and an explicit deny wins (its ACL answers 403 for that token, checked
/// here), so the policy grants nothing on `*`. It was reported as over-broad on `*`.
#[test]
fn a_path_denied_in_another_stanza_of_the_policy_is_not_a_grant() {
    let dev = DevServer::start().expect("dev server");
    let admin = dev.admin().expect("admin");
    let text = "path \"*\" { capabilities = [\"sudo\", \"update\", \"read\"] }\npath \"*\" { capabilities = [\"deny\"] }\npath \"auth/token/lookup-self\" { capabilities = [\"read\"] }\n";
    let (token, _) = admin.token_with_policy("shadowed", text).expect("token");
    let (status, _) = admin
        .with_token(&token)
        .expect("client")
        .call("GET", "sys/mounts", None)
        .expect("call");
    assert_eq!(
        status, 403,
        "the server denies what the first stanza granted"
    );
    let run = scan(
        &dev.addr,
        Some(&dev.root_token),
        &[
            "--no-host",
            "--no-config",
            "--select",
            "api.policy-overbroad",
        ],
    );
    let found: Vec<_> = run
        .of("api.policy-overbroad")
        .into_iter()
        .filter(|(_, subject, _)| subject == "policy shadowed")
        .collect();
    assert_eq!(found.len(), 1, "{}", run.stdout);
    assert_eq!(found[0].0, "pass", "{}", found[0].2);
}

/// Two reports asked for the same file (`--format json -o r --format sarif -o r`, or through
/// a symlink): the JSON was silently replaced by the SARIF, exit 0. An input error now.
#[test]
fn two_reports_onto_one_file_is_an_input_error() {
    let dir = tempfile::tempdir().expect("dir");
    let report = dir.path().join("report.out");
    std::fs::write(&report, "old").expect("write");
    let link = dir.path().join("link.out");
    std::os::unix::fs::symlink(&report, &link).expect("symlink");
    for second in [&report, &link] {
        let out = crate::common::vaultsec()
            .args(["scan", "--no-host", "--no-api", "--no-config"])
            .args(["--format", "json", "-o"])
            .arg(&report)
            .args(["--format", "sarif", "-o"])
            .arg(second)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{second:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("given twice"));
        assert_eq!(std::fs::read_to_string(&report).expect("read"), "old");
    }
}

/// A server that echoes the token base64-encoded (standard and URL-safe, at any alignment) in
/// an error message: the scrub knew only the raw and JSON-escaped forms, so the encoded token
/// reached the report, where anyone decodes it.
#[test]
fn a_token_echoed_in_base64_is_scrubbed_from_every_report() {
    const STD: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const URL: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    fn b64(bytes: &[u8], table: &str) -> String {
        let t = table.as_bytes();
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
            for i in 0..=chunk.len() {
                out.push(char::from(t[((n >> (18 - 6 * i)) & 63) as usize]));
            }
        }
        out
    }
    let echoes: Vec<String> = [STD, URL]
        .iter()
        .flat_map(|t| {
            (0..3).map(move |lead| {
                let mut bytes = b"xy"[..lead.min(2)].to_vec();
                bytes.extend_from_slice(MOCK_TOKEN.as_bytes());
                bytes.extend_from_slice(b"@");
                b64(&bytes, t)
            })
        })
        .collect();
    let message = format!("bad credentials {}", echoes.join(" "));
    let mock = hostile(move |req| match req.path() {
        "/v1/sys/mounts" => Some(MockResponse::Json(
            500,
            json!({ "errors": [message.clone()] }).to_string(),
        )),
        _ => None,
    });
    for format in ["json", "table", "html", "junit"] {
        let home = tempfile::tempdir().expect("home");
        let out = crate::common::vaultsec()
            .env("HOME", home.path())
            .env("VAULT_TOKEN", MOCK_TOKEN)
            .args(["scan", "--no-host", "--no-config", "--profile", "strict"])
            .args(["--select", "api.kv-v1"])
            .args(["--format", format, "--addr", &mock.url()])
            .output()
            .expect("run");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("bad credentials"), "{format}: {stdout}");
        crate::secrets::assert_no_canary(&stdout, MOCK_TOKEN, format);
    }
}

/// `~/.vault-token` as a symlink that leads nowhere inside `--root` (here to `/dev/zero`,
/// which a mounted image does not have, and to a missing file): it holds no token, yet
/// `host.token-file` failed "holds a Vault token (null 0777)" from the link's own mode.
#[test]
fn a_token_file_that_is_a_dangling_link_holds_no_token() {
    let root = tempfile::tempdir().expect("root");
    let r = root.path();
    std::fs::create_dir_all(r.join("etc/vault.d")).expect("dirs");
    std::fs::create_dir_all(r.join("root")).expect("dirs");
    std::fs::create_dir_all(r.join("home/u")).expect("dirs");
    std::fs::write(
        r.join("etc/vault.d/vault.hcl"),
        "storage \"raft\" {\n  path = \"/opt/data\"\n}\n",
    )
    .expect("config");
    std::os::unix::fs::symlink("/dev/zero", r.join("root/.vault-token")).expect("link");
    std::os::unix::fs::symlink("../../nowhere", r.join("home/u/.vault-token")).expect("link");
    let out = crate::common::vaultsec()
        .args([
            "scan",
            "--no-api",
            "--format",
            "json",
            "--select",
            "host.token-file",
        ])
        .arg("--root")
        .arg(r)
        .output()
        .expect("run");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let findings = report["findings"].as_array().expect("findings");
    assert!(!findings.is_empty());
    for f in findings {
        assert_ne!(f["status"], "fail", "{f}");
    }
}
