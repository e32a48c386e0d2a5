//! Namespaces on a real OpenBao 2.7.2 dev server: the per-namespace API rules run in every
//! namespace of the tree (policies, auth mounts and their lockout, KV versions, tokens), their
//! subjects name the namespace, root-only rules stay single, a token that cannot list
//! namespaces makes the per-namespace rules skip, and a token made from `vaultsec policy` reads
//! every namespace of a nested tree.

use crate::api_rules::{scan, Run, API_ONLY};
use crate::common::vaultsec;
use crate::testkit::{Admin, DevServer, MockResponse, MockServer};
use serde_json::{json, Value};

/// Creates the namespace `path` (`team-a/sub` is created inside `team-a/`).
fn create_namespace(admin: &Admin, path: &str) {
    let (parent, name) = match path.rsplit_once('/') {
        Some((p, n)) => (format!("{p}/"), n),
        None => (String::new(), path),
    };
    admin
        .must("POST", &format!("{parent}sys/namespaces/{name}"), None)
        .unwrap_or_else(|e| panic!("namespace {path}: {e}"));
}

fn subjects(run: &Run, rule: &str) -> Vec<(String, String)> {
    run.of(rule)
        .into_iter()
        .map(|(s, subj, _)| (s, subj))
        .collect()
}

fn has(run: &Run, rule: &str, status: &str, subject: &str) -> bool {
    run.of(rule)
        .iter()
        .any(|(s, subj, _)| s == status && subj == subject)
}

/// `policy` without the `path "<pattern>" { ... }` stanzas whose path matches `pattern`.
fn without_stanzas(policy: &str, pattern: &str) -> String {
    let re = regex::Regex::new(&format!(
        r#"path "{pattern}" \{{\n  capabilities = \[[^\]]*\]\n\}}\n"#
    ))
    .expect("valid regex");
    let out = re.replace_all(policy, "").into_owned();
    assert_ne!(out, policy, "no stanza matched {pattern}");
    out
}

fn permission_skips(run: &Run) -> Vec<Value> {
    run.report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| {
            f["message"]
                .as_str()
                .unwrap_or_default()
                .contains("insufficient permission")
        })
        .cloned()
        .collect()
}

/// The issue's scenario: an over-broad policy, a userpass mount without lockout, a KV v1 mount
/// and a never-expiring token, each inside a namespace, all reported with the namespace named.
#[test]
fn findings_inside_namespaces_name_their_namespace() {
    let dev = DevServer::start().expect("dev server");
    let admin = dev.admin().expect("admin");
    for ns in ["team-a", "team-a/sub", "team-b", "équipe"] {
        create_namespace(&admin, ns);
    }
    // OpenBao accepts any printable Unicode in a namespace name.
    admin
        .must(
            "POST",
            "équipe/sys/mounts/kv-eq",
            Some(json!({"type": "kv", "options": {"version": "1"}})),
        )
        .expect("kv v1 in équipe");
    admin
        .must(
            "PUT",
            "team-a/sub/sys/policies/acl/ci-deployer",
            Some(json!({"policy": "path \"*\" {\n  capabilities = [\"sudo\", \"read\", \"list\"]\n}\n"})),
        )
        .expect("policy in team-a/sub");
    admin
        .must(
            "POST",
            "team-a/sys/auth/userpass",
            Some(json!({"type": "userpass"})),
        )
        .expect("userpass in team-a");
    admin
        .must(
            "POST",
            "team-a/sys/auth/userpass/tune",
            Some(json!({"user_lockout_config": {"lockout_disable": true}})),
        )
        .expect("lockout off in team-a");
    admin
        .must(
            "POST",
            "team-a/sys/mounts/kv1",
            Some(json!({"type": "kv", "options": {"version": "1"}})),
        )
        .expect("kv v1 in team-a");
    admin
        .must(
            "POST",
            "team-b/auth/token/create",
            Some(json!({"policies": ["default"], "period": "1h", "display_name": "forever-b"})),
        )
        .expect("periodic token in team-b");

    let run = scan(&dev.addr, Some(&dev.root_token), API_ONLY);
    assert!(
        has(
            &run,
            "api.policy-overbroad",
            "fail",
            "team-a/sub/ policy ci-deployer"
        ),
        "{:#?}",
        subjects(&run, "api.policy-overbroad")
    );
    // The root namespace's findings keep their subjects (waivers and baselines still match).
    assert!(has(&run, "api.policy-overbroad", "pass", "policy default"));
    assert!(has(
        &run,
        "api.policy-overbroad",
        "pass",
        "team-b/ policy default"
    ));
    assert!(
        has(
            &run,
            "api.user-lockout-disabled",
            "fail",
            "team-a/ auth mount userpass/"
        ),
        "{:#?}",
        subjects(&run, "api.user-lockout-disabled")
    );
    assert!(
        has(&run, "api.kv-v1", "fail", "team-a/ mount kv1/"),
        "{:#?}",
        subjects(&run, "api.kv-v1")
    );
    // A name that is not ASCII still reaches its own namespace, never the root's mounts.
    let eq: Vec<_> = subjects(&run, "api.kv-v1")
        .into_iter()
        .filter(|(_, s)| s.starts_with("équipe/"))
        .collect();
    assert_eq!(
        eq,
        vec![("fail".to_string(), "équipe/ mount kv-eq/".to_string())]
    );
    let (status, _, message) = run.of("api.tokens-no-expiry")[0].clone();
    assert_eq!(status, "fail", "{message}");
    assert!(message.contains("team-b/ "), "{message}");
    // The dev root token lives in the root namespace; no namespace invents another.
    let roots = subjects(&run, "api.root-tokens");
    assert_eq!(roots.len(), 1, "{roots:#?}");
    assert!(roots[0].1.starts_with("root token "), "{roots:#?}");

    // Root-only rules (audit, raft, CORS, health) are not repeated per namespace.
    for rule in [
        "api.audit-disabled",
        "api.cors-wildcard",
        "api.raft-quorum",
        "api.scanner-token-root",
        "api.clock-skew",
    ] {
        assert_eq!(run.of(rule).len(), 1, "{rule}: {:#?}", run.of(rule));
    }
    assert_eq!(
        run.report["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| f["status"] == "error")
            .count(),
        0,
        "{}",
        run.stdout
    );

    // --namespace scopes the walk to a subtree; root-only rules still read the root.
    let scoped = scan(
        &dev.addr,
        Some(&dev.root_token),
        &[API_ONLY, &["--namespace", "team-a"]].concat(),
    );
    assert!(has(
        &scoped,
        "api.policy-overbroad",
        "fail",
        "team-a/sub/ policy ci-deployer"
    ));
    assert!(has(
        &scoped,
        "api.policy-overbroad",
        "pass",
        "team-a/ policy default"
    ));
    let outside: Vec<_> = scoped.report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["subject"].as_str())
        .filter(|s| s.starts_with("team-b/") || *s == "policy default")
        .collect();
    assert!(outside.is_empty(), "{outside:?}");
    scoped.expect("api.audit-disabled", "fail");
    scoped.expect("api.clock-skew", "pass");

    // A namespace that does not exist is not a server without namespaces.
    let out = vaultsec()
        .env("HOME", dev.dir())
        .env_remove("VAULT_NAMESPACE")
        .env("VAULT_TOKEN", &dev.root_token)
        .args(["facts", "--no-host", "--no-config", "--addr", &dev.addr])
        .args(["--namespace", "nope"])
        .output()
        .expect("facts");
    let facts: Value = serde_json::from_slice(&out.stdout).expect("facts JSON");
    let walk = &facts["api"]["namespaces"];
    assert_eq!(walk["state"], "error", "{walk}");
    assert_eq!(
        walk["reason"],
        "namespace nope/ not found (--namespace, VAULT_NAMESPACE)"
    );
    assert_eq!(walk["supported"], Value::Null);
    // ... and the per-namespace rules say so, as an error (the scan is incomplete).
    let run = scan(
        &dev.addr,
        Some(&dev.root_token),
        &[API_ONLY, &["--namespace", "nope", "--fail-on", "never"]].concat(),
    );
    assert_eq!(
        run.of("api.kv-v1"),
        vec![(
            "error".into(),
            String::new(),
            "namespace nope/ not found (--namespace, VAULT_NAMESPACE)".into()
        )]
    );
    assert_eq!(run.code, Some(3), "{}", run.stderr);
}

/// A token made from `vaultsec policy` lacks no permission anywhere in a nested tree; without
/// `sys/namespaces` the per-namespace rules skip; a namespace that refuses one path skips only
/// that namespace's subjects, naming it.
#[test]
fn the_scan_policy_reads_every_namespace_and_denials_are_skips_naming_them() {
    let dev = DevServer::start().expect("dev server");
    let admin = dev.admin().expect("admin");
    for ns in ["team-a", "team-a/sub", "team-a/sub/deep", "team-b"] {
        create_namespace(&admin, ns);
    }
    for ns in ["team-a/sub/deep/", "team-b/"] {
        admin
            .must(
                "POST",
                &format!("{ns}sys/auth/userpass"),
                Some(json!({"type": "userpass"})),
            )
            .expect("userpass");
        admin
            .must(
                "POST",
                &format!("{ns}sys/mounts/kv"),
                Some(json!({"type": "kv", "options": {"version": "2"}})),
            )
            .expect("kv v2");
        admin
            .must(
                "PUT",
                &format!("{ns}sys/policies/acl/app"),
                Some(json!({"policy": "path \"kv/data/app\" {\n  capabilities = [\"read\"]\n}\n"})),
            )
            .expect("policy");
    }

    let out = vaultsec().arg("policy").output().expect("vaultsec policy");
    assert!(out.status.success());
    let policy = String::from_utf8(out.stdout).expect("utf-8");
    admin.put_policy("vaultsec-scan", &policy).expect("policy");
    let (token, _) = admin
        .create_token(json!({"policies": ["vaultsec-scan"], "ttl": "30m"}))
        .expect("scan token");
    let run = scan(&dev.addr, Some(&token), API_ONLY);
    assert_eq!(permission_skips(&run), Vec::<Value>::new());
    for (rule, subject) in [
        (
            "api.user-lockout-disabled",
            "team-a/sub/deep/ auth mount userpass/",
        ),
        ("api.user-lockout-disabled", "team-b/ auth mount userpass/"),
        ("api.kv-v1", "team-a/sub/deep/ mount kv/"),
        ("api.policy-overbroad", "team-a/sub/deep/ policy app"),
        ("api.policy-overbroad", "team-b/ policy app"),
        // The scan policy is recognised as such, `+/` forms included.
        ("api.policy-overbroad", "policy vaultsec-scan"),
    ] {
        assert!(
            has(&run, rule, "pass", subject),
            "{rule} {subject}: {:#?}",
            subjects(&run, rule)
        );
    }
    run.expect("api.root-tokens", "fail"); // the dev root token is alive
    run.expect("api.tokens-no-expiry", "pass"); // (root tokens are the rule above's)

    // One namespace refuses sys/mounts: only its KV subjects skip, naming it.
    admin
        .put_policy(
            "vaultsec-scan",
            &format!("{policy}\npath \"team-b/sys/mounts\" {{\n  capabilities = [\"deny\"]\n}}\n"),
        )
        .expect("policy with a denial");
    let run = scan(&dev.addr, Some(&token), API_ONLY);
    let kv = run.of("api.kv-v1");
    let skipped: Vec<_> = kv.iter().filter(|(s, _, _)| s == "skip").collect();
    assert_eq!(skipped.len(), 1, "{kv:#?}");
    assert!(skipped[0].1.starts_with("team-b/"), "{kv:#?}");
    assert!(
        skipped[0]
            .2
            .starts_with("insufficient permission: GET /v1/sys/mounts")
            && skipped[0].2.contains("team-b/"),
        "{kv:#?}"
    );
    assert!(has(&run, "api.kv-v1", "pass", "team-a/sub/deep/ mount kv/"));

    // Listing allowed at the root only: the namespaces found are read, the tree below each
    // of them is a skipped subject naming it.
    let top_only = without_stanzas(&policy, r"(\+/)+sys/namespaces");
    assert!(top_only.contains("path \"sys/namespaces\""), "{top_only}");
    assert!(top_only.contains("path \"+/sys/mounts\""), "{top_only}");
    admin
        .put_policy("vaultsec-scan", &top_only)
        .expect("policy listing the root's namespaces only");
    let run = scan(&dev.addr, Some(&token), API_ONLY);
    for rule in ["api.kv-v1", "api.policy-overbroad", "api.root-tokens"] {
        let found = run.of(rule);
        assert!(
            found.contains(&(
                "skip".into(),
                "team-a/ child namespaces".into(),
                "insufficient permission: LIST /v1/sys/namespaces (namespace team-a/)".into()
            )),
            "{rule}: {found:#?}"
        );
        assert!(
            !found.iter().any(|(_, s, _)| s.starts_with("team-a/sub/")),
            "{rule}: {found:#?}"
        );
    }
    assert!(has(&run, "api.kv-v1", "pass", "team-b/ mount kv/"));

    // Without LIST on sys/namespaces the per-namespace rules cannot see the tree: skip.
    let no_list = without_stanzas(&policy, r"(\+/)*sys/namespaces");
    assert!(!no_list.contains("sys/namespaces\""), "{no_list}");
    admin
        .put_policy("vaultsec-scan", &no_list)
        .expect("policy without sys/namespaces");
    let run = scan(&dev.addr, Some(&token), API_ONLY);
    for rule in [
        "api.policy-overbroad",
        "api.user-lockout-disabled",
        "api.kv-v1",
        "api.root-tokens",
        "api.tokens-no-expiry",
    ] {
        assert_eq!(
            run.of(rule),
            vec![(
                "skip".into(),
                String::new(),
                "insufficient permission: LIST /v1/sys/namespaces".into()
            )],
            "{rule}"
        );
    }
    // Root-only rules are unaffected.
    run.expect("api.cors-wildcard", "pass");
}

/// A server without namespaces (Vault Community Edition answers `sys/namespaces` with 404
/// "unsupported path") is just its root namespace: the per-namespace rules run, not skip.
#[test]
fn a_server_without_namespaces_is_its_root_namespace() {
    let mock = MockServer::start(|req| match req.path() {
        "/v1/sys/health" => MockResponse::Json(
            200,
            json!({"initialized":true,"sealed":false,"standby":false,"version":"1.18.0","server_time_utc":0}).to_string(),
        ),
        "/v1/sys/seal-status" => MockResponse::Json(
            200,
            json!({"initialized":true,"sealed":false,"version":"1.18.0","build_date":"x"}).to_string(),
        ),
        "/v1/sys/namespaces" => MockResponse::Json(
            404,
            r#"{"errors":["1 error occurred:\n\t* unsupported path\n\n"]}"#.into(),
        ),
        "/v1/sys/mounts" => MockResponse::Json(
            200,
            json!({"data": {"old/": {"type": "kv", "options": {"version": "1"}}}}).to_string(),
        ),
        _ => MockResponse::Json(404, r#"{"errors":[]}"#.into()),
    })
    .expect("mock");
    let run = scan(
        &mock.url(),
        Some("s.MockToken0123456789ab"),
        &[
            "--no-host",
            "--no-config",
            "--profile",
            "strict",
            "--select",
            "api.kv-v1",
        ],
    );
    assert_eq!(
        subjects(&run, "api.kv-v1"),
        vec![("fail".to_string(), "mount old/".to_string())],
        "{}",
        run.stdout
    );
}

/// Many namespaces are normal: the walk reads a bounded number of namespaces at a time and
/// reports its progress (the total grows as namespaces are found).
#[test]
fn the_walk_is_bounded_and_reports_progress() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use vaultsec::facts::api::{self, ApiFlags, ApiOptions, Phase, Progress};

    let in_flight = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let (f, p) = (in_flight.clone(), peak.clone());
    let ok = |v: Value| MockResponse::Json(200, v.to_string());
    let mock = MockServer::start(move |req| {
        let ns = req.header("x-vault-namespace").map(str::to_owned);
        match (req.path(), ns.as_deref()) {
            ("/v1/sys/health", None) => {
                ok(json!({"initialized":true,"sealed":false,"standby":false,"version":"2.7.2"}))
            }
            ("/v1/sys/seal-status", None) => {
                ok(json!({"initialized":true,"sealed":false,"version":"2.7.2","commit_date":"x"}))
            }
            ("/v1/sys/namespaces", None) => {
                let keys: Vec<String> = (0..20).map(|i| format!("ns{i}/")).collect();
                ok(json!({"data": {"keys": keys}}))
            }
            ("/v1/sys/namespaces", Some(n)) if !n.contains("/child") => {
                ok(json!({"data": {"keys": ["child/"]}}))
            }
            ("/v1/sys/mounts", Some(_)) => {
                let now = f.fetch_add(1, Ordering::SeqCst) + 1;
                p.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(30));
                f.fetch_sub(1, Ordering::SeqCst);
                ok(json!({"data": {"kv/": {"type": "kv", "options": {"version": "2"}}}}))
            }
            _ => MockResponse::Json(404, r#"{"errors":[]}"#.into()),
        }
    })
    .expect("mock");
    let flags = ApiFlags {
        addr: Some(mock.url()),
        ..ApiFlags::default()
    };
    let env = |k: &str| (k == "VAULT_TOKEN").then(|| "s.MockToken0123456789ab".to_owned());
    let opts = ApiOptions::from_sources(&flags, &env, None).expect("options");
    let seen: Mutex<Vec<Progress>> = Mutex::new(Vec::new());
    let record = |p: Progress| {
        if p.phase == Phase::Namespaces {
            seen.lock().expect("lock").push(p);
        }
    };
    let facts = api::collect(&opts, Some(&record));

    let walk = &facts.namespaces;
    assert_eq!(walk.state, api::ProbeState::Ok, "{:?}", walk.reason);
    assert_eq!(walk.namespaces.len(), 40);
    assert!(walk
        .namespaces
        .iter()
        .any(|n| n.path == "ns7/child/" && n.mounts.is_ok()));
    let peak = peak.load(Ordering::SeqCst);
    assert!((2..=4).contains(&peak), "peak namespaces in flight {peak}");
    let seen = seen.into_inner().expect("progress");
    assert_eq!(seen.len(), 40);
    let last = seen.last().expect("progress reported");
    assert_eq!((last.done, last.total), (40, 40));
    assert!(seen.iter().all(|p| p.done <= p.total));
}

/// The namespaces read at the same time share the hunt's bound on token lookups: many
/// namespaces never multiply the load on the server.
#[test]
fn token_lookups_across_namespaces_share_the_hunt_bound() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use vaultsec::facts::api::{self, ApiFlags, ApiOptions};

    let in_flight = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let (f, p) = (in_flight.clone(), peak.clone());
    let ok = |v: Value| MockResponse::Json(200, v.to_string());
    let mock = MockServer::start(move |req| {
        let ns = req.header("x-vault-namespace").map(str::to_owned);
        match (req.path(), ns.as_deref()) {
            ("/v1/sys/health", None) => ok(json!({"initialized":true,"sealed":false,"standby":false,"version":"2.7.2"})),
            ("/v1/sys/seal-status", None) => ok(json!({"initialized":true,"sealed":false,"version":"2.7.2","commit_date":"x"})),
            ("/v1/sys/namespaces", None) => {
                let keys: Vec<String> = (0..8).map(|i| format!("ns{i}/")).collect();
                ok(json!({"data": {"keys": keys}}))
            }
            ("/v1/auth/token/accessors", Some(_)) => {
                let keys: Vec<String> = (0..12).map(|i| format!("acc{i}")).collect();
                ok(json!({"data": {"keys": keys}}))
            }
            ("/v1/auth/token/lookup-accessor", Some(_)) => {
                let now = f.fetch_add(1, Ordering::SeqCst) + 1;
                p.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(20));
                f.fetch_sub(1, Ordering::SeqCst);
                ok(json!({"data":{"policies":["default"],"ttl":60,"expire_time":"2030-01-01T00:00:00Z"}}))
            }
            _ => MockResponse::Json(404, r#"{"errors":[]}"#.into()),
        }
    })
    .expect("mock");
    let flags = ApiFlags {
        addr: Some(mock.url()),
        hunt_concurrency: Some(8),
        ..ApiFlags::default()
    };
    let env = |k: &str| (k == "VAULT_TOKEN").then(|| "s.MockToken0123456789ab".to_owned());
    let opts = ApiOptions::from_sources(&flags, &env, None).expect("options");
    let facts = api::collect(&opts, None);
    let looked_up: usize = facts
        .namespaces
        .namespaces
        .iter()
        .filter_map(|n| n.root_token_hunt.data.as_ref().map(|h| h.looked_up))
        .sum();
    assert_eq!(looked_up, 8 * 12);
    let peak = peak.load(Ordering::SeqCst);
    assert!((2..=8).contains(&peak), "peak lookups in flight {peak}");
}
