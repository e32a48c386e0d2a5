//! Namespaces: the walk of every namespace below the scanned one (`LIST sys/namespaces` in each,
//! recursively, bounded), the per-namespace reads in each, and the views the per-namespace rules
//! iterate over (the scanned namespace first, then every namespace of the tree, each subject
//! carrying its namespace).
//!
//! Only what exists per namespace is read there: policies, auth mounts and their lockout
//! tuning, secret mounts (KV versions) and tokens. Audit devices, raft, seal, health, CORS and
//! the rest are root-only (OpenBao answers them "operation only available in root namespace")
//! and stay with the root probes.

use std::collections::{HashSet, VecDeque};
use std::time::Instant;

use futures_util::stream::{FuturesUnordered, StreamExt};
use serde::Serialize;
use serde_json::{json, Value as Json};

use super::client::{ApiClient, Request};
use super::facts::{self, AuthFacts, HuntFacts, MountFacts, PolicyFacts, Probe, ProbeState};
use super::{hunt, probe_auth, with_policy_texts, with_tunes, Phase, Progress};

/// Namespaces read at the same time (each runs its own bounded detail reads and hunt).
const NAMESPACE_CONCURRENCY: usize = 4;

/// Deepest namespace walked (path segments from the root) and most namespaces walked in one
/// scan: a server answering every `LIST sys/namespaces` with a child would otherwise keep the
/// walk going forever. What lies beyond is a gap (an error), never silently left out.
const MAX_NAMESPACE_DEPTH: usize = 32;
const MAX_NAMESPACES: usize = 10_000;

/// Paths the collector reads in every namespace (`vaultsec policy` grants them below the
/// token's namespace too, in the `+/` forms a namespaced policy uses).
pub const PER_NAMESPACE_PATHS: [&str; 8] = [
    "sys/namespaces",
    "sys/auth",
    "sys/auth/+/tune",
    "sys/mounts",
    "sys/policies/acl",
    "sys/policies/acl/*",
    "auth/token/accessors",
    "auth/token/lookup-accessor",
];

/// `api.namespaces`: the walk below the scanned namespace. Its `state`/`reason` gate the
/// per-namespace rules (`requires`): a token that may not list namespaces cannot see the tree.
#[derive(Debug, Clone, Serialize)]
pub struct NamespaceWalk {
    /// ok / skip (not permitted, no token) / error.
    pub state: ProbeState,
    /// Why the walk did not happen.
    pub reason: Option<String>,
    /// HTTP status of `LIST sys/namespaces` in the scanned namespace.
    pub http_status: Option<u16>,
    /// Whether the server has namespaces (false: `sys/namespaces` is an unsupported path, as
    /// on Vault Community Edition; the scan is then just the root namespace). Null: not asked.
    pub supported: Option<bool>,
    /// The scanned namespace (`--namespace` / `VAULT_NAMESPACE`), `team-a/`; "" for the root.
    pub scope: String,
    /// Every namespace below the scanned one, sorted by path.
    pub namespaces: Vec<NamespaceFacts>,
    /// Wall time of the walk, milliseconds.
    pub elapsed_ms: u64,
}

/// The per-namespace reads of one namespace. Reasons of probes that did not answer name it.
#[derive(Debug, Clone, Serialize)]
pub struct NamespaceFacts {
    /// Full path from the root, `team-a/sub/`.
    pub path: String,
    /// `LIST sys/namespaces` in it: its children (full paths).
    pub children: Probe<Vec<String>>,
    /// `GET sys/auth` with the lockout tuning of userpass, ldap and approle mounts.
    pub auth: Probe<AuthFacts>,
    /// `GET sys/mounts`.
    pub mounts: Probe<MountFacts>,
    /// `LIST sys/policies/acl` and each policy's text.
    pub policies: Probe<PolicyFacts>,
    /// The token hunt over the namespace's own accessors.
    pub root_token_hunt: Probe<HuntFacts>,
}

impl NamespaceWalk {
    /// A walk that did not run, for the same reason as everything else.
    pub(crate) fn not_run(state: ProbeState, reason: &str, scope: Option<&str>) -> NamespaceWalk {
        NamespaceWalk {
            state,
            reason: Some(reason.to_owned()),
            http_status: None,
            supported: None,
            scope: scope.map(as_path).unwrap_or_default(),
            namespaces: Vec::new(),
            elapsed_ms: 0,
        }
    }
}

/// `team-a` / `/team-a/` → `team-a/`; "" stays "".
fn as_path(ns: &str) -> String {
    let t = ns.trim_matches('/');
    if t.is_empty() {
        String::new()
    } else {
        format!("{t}/")
    }
}

/// " (namespace team-a/)" for reasons; nothing for the root.
fn in_namespace(ns: &str) -> String {
    if ns.is_empty() {
        String::new()
    } else {
        format!(" (namespace {ns})")
    }
}

fn name_namespace<T>(mut p: Probe<T>, ns: &str) -> Probe<T> {
    if let Some(r) = p.reason.as_mut() {
        r.push_str(&in_namespace(ns));
    }
    p
}

/// `LIST sys/namespaces` in `ns` (a client addressing it): the children's full paths.
async fn list_children(client: &ApiClient, ns: &str) -> Probe<Vec<String>> {
    probe_auth(
        client,
        Request::list("sys/namespaces"),
        "sys/namespaces",
        |v| {
            Ok(facts::parse_keys(v)?
                .into_iter()
                .map(|k| format!("{ns}{}", as_path(&k)))
                .filter(|p| p.len() > ns.len())
                .collect())
        },
    )
    .await
}

/// Walks the tree below `scope` (`None`: the root) through `client` (which addresses `scope`).
pub(crate) async fn walk(
    client: &ApiClient,
    scope: Option<&str>,
    hunt_concurrency: usize,
    examples: usize,
    progress: Option<&dyn Fn(Progress)>,
) -> NamespaceWalk {
    let started = Instant::now();
    let scope = scope.map(as_path).unwrap_or_default();
    let top = list_children(client, &scope).await;
    let mut out = NamespaceWalk {
        state: top.state,
        reason: top.reason.clone(),
        http_status: top.http_status,
        supported: Some(true),
        scope: scope.clone(),
        namespaces: Vec::new(),
        elapsed_ms: 0,
    };
    match top.state {
        ProbeState::Ok => {}
        // The scanned namespace does not exist (a mistyped --namespace): nothing to walk.
        ProbeState::Skip
            if top
                .reason
                .as_deref()
                .is_some_and(|r| r.contains("namespace not found")) =>
        {
            out.state = ProbeState::Error;
            out.supported = None;
            out.reason = Some(format!(
                "namespace {scope} not found (--namespace, VAULT_NAMESPACE)"
            ));
            return out;
        }
        // No such endpoint: a server without namespaces is its root namespace, not a skip.
        ProbeState::Skip if matches!(top.http_status, Some(404 | 405)) => {
            out.state = ProbeState::Ok;
            out.reason = None;
            out.supported = Some(false);
            return out;
        }
        _ => {
            out.supported = None;
            out.reason = top.reason.map(|r| r + &in_namespace(&scope));
            return out;
        }
    }

    // The namespaces read at the same time share the hunt's bound on token lookups.
    let hunt_concurrency = (hunt_concurrency / NAMESPACE_CONCURRENCY).max(1);
    let mut seen: HashSet<String> = HashSet::new();
    let mut queue: VecDeque<String> = VecDeque::new();
    if let Err(why) = admit(&scope, top.data.unwrap_or_default(), &mut seen, &mut queue) {
        out.state = ProbeState::Error;
        out.reason = Some(why + &in_namespace(&scope));
        return out;
    }
    let mut discovered = queue.len();
    let mut running = FuturesUnordered::new();
    loop {
        while running.len() < NAMESPACE_CONCURRENCY {
            let Some(ns) = queue.pop_front() else { break };
            running.push(visit(client, ns, hunt_concurrency, examples));
        }
        let Some(mut visited) = running.next().await else {
            break;
        };
        if let Some(children) = visited.children.data.take() {
            match admit(&visited.path, children.clone(), &mut seen, &mut queue) {
                Ok(()) => {
                    discovered = seen.len();
                    visited.children.data = Some(children);
                }
                Err(why) => {
                    let status = visited.children.http_status;
                    visited.children =
                        Probe::error("sys/namespaces", status, why + &in_namespace(&visited.path));
                }
            }
        }
        out.namespaces.push(visited);
        if let Some(cb) = progress {
            cb(Progress {
                phase: Phase::Namespaces,
                done: out.namespaces.len(),
                total: discovered,
            });
        }
    }
    out.namespaces.sort_by(|a, b| a.path.cmp(&b.path));
    out.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    out
}

/// Queues the children of `parent` that were not seen yet, or says why none is walked: the
/// tree is deeper or larger than the walk's bounds.
fn admit(
    parent: &str,
    children: Vec<String>,
    seen: &mut HashSet<String>,
    queue: &mut VecDeque<String>,
) -> Result<(), String> {
    let depth = parent.matches('/').count() + 1;
    if !children.is_empty() && depth > MAX_NAMESPACE_DEPTH {
        return Err(format!(
            "child namespaces not walked: deeper than {MAX_NAMESPACE_DEPTH} levels (the walk's bound)"
        ));
    }
    let new: Vec<String> = children
        .into_iter()
        .filter(|c| !seen.contains(c))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if seen.len() + new.len() > MAX_NAMESPACES {
        return Err(format!(
            "child namespaces not walked: more than {MAX_NAMESPACES} namespaces (the walk's bound)"
        ));
    }
    seen.extend(new.iter().cloned());
    queue.extend(new);
    Ok(())
}

/// The per-namespace reads of one namespace, all in flight together.
async fn visit(
    base: &ApiClient,
    path: String,
    hunt_concurrency: usize,
    examples: usize,
) -> NamespaceFacts {
    let client = base.in_namespace(Some(&path));
    let c = &client;
    let (children, auth, mounts, names, hunt) = tokio::join!(
        list_children(c, &path),
        probe_auth(c, Request::read("sys/auth"), "sys/auth", facts::parse_auth),
        probe_auth(
            c,
            Request::read("sys/mounts"),
            "sys/mounts",
            facts::parse_mounts
        ),
        probe_auth(
            c,
            Request::list("sys/policies/acl"),
            "sys/policies/acl",
            facts::parse_keys
        ),
        hunt::hunt(c, hunt_concurrency, examples, None, None),
    );
    let (mut auth, mut policies) = tokio::join!(with_tunes(c, auth), with_policy_texts(c, names));
    // Reasons name the namespace, down to the per-mount and per-policy reads.
    for m in auth.data.iter_mut().flat_map(|a| a.mounts.iter_mut()) {
        if let Some(t) = m.tune.take() {
            m.tune = Some(name_namespace(t, &path));
        }
    }
    for p in policies.data.iter_mut().flat_map(|p| p.policies.iter_mut()) {
        if let Some(r) = p.reason.as_mut() {
            r.push_str(&in_namespace(&path));
        }
    }
    NamespaceFacts {
        children: name_namespace(children, &path),
        auth: name_namespace(auth, &path),
        mounts: name_namespace(mounts, &path),
        policies: name_namespace(policies, &path),
        root_token_hunt: name_namespace(hunt, &path),
        path,
    }
}

// ---------------------------------------------------------------------------------------
// Views for the rules (`api.in_namespaces`): pure functions of the `api` fact document.

/// One namespace's probes, as the fact document holds them.
struct Scoped<'a> {
    namespace: String,
    probes: &'a Json,
}

fn prefix_of(namespace: &str) -> String {
    if namespace.is_empty() {
        String::new()
    } else {
        format!("{namespace} ")
    }
}

/// An item of a namespace, with the namespace and the prefix its subject starts with.
fn tagged(item: &Json, namespace: &str) -> Json {
    let mut v = item.clone();
    if let Some(obj) = v.as_object_mut() {
        obj.insert("gap".into(), json!(false));
        obj.insert("namespace".into(), json!(namespace));
        obj.insert("ns_prefix".into(), json!(prefix_of(namespace)));
    }
    v
}

/// A part of the tree that could not be read: one subject that is skipped (or in error).
fn gap(namespace: &str, what: &str, probe: &Json) -> Json {
    json!({
        "gap": true,
        "namespace": namespace,
        "ns_prefix": prefix_of(namespace),
        "subject": format!("{}{what}", prefix_of(namespace)),
        "state": if probe["state"] == "error" { "error" } else { "skip" },
        "reason": probe["reason"].as_str().unwrap_or("could not be read"),
        "name": null,
        "path": null,
        "parse_error": null,
    })
}

/// `api.in_namespaces` for the per-namespace rules: `policies`, `auth_mounts` (the ones user
/// lockout applies to), `kv_mounts` and `tokens`. The scanned namespace's items come first
/// with their usual subjects (an empty prefix at the root); each namespace of the tree follows,
/// its subjects prefixed by its path; what could not be read is a `gap` subject naming it.
pub fn views(api: &Json) -> Json {
    let walk = &api["namespaces"];
    let scope = walk["scope"].as_str().unwrap_or_default().to_owned();
    let mut scoped = vec![Scoped {
        namespace: scope,
        probes: api,
    }];
    let mut unlisted: Vec<(String, &Json)> = Vec::new();
    for ns in walk["namespaces"].as_array().into_iter().flatten() {
        let namespace = ns["path"].as_str().unwrap_or_default().to_owned();
        if ns["children"]["state"] != "ok" {
            unlisted.push((namespace.clone(), &ns["children"]));
        }
        scoped.push(Scoped {
            namespace,
            probes: ns,
        });
    }

    let family = |probe: &str, what: &str, items: &dyn Fn(&Json) -> Vec<Json>| -> Json {
        let mut out = Vec::new();
        for s in &scoped {
            let p = &s.probes[probe];
            if p["state"] == "ok" {
                out.extend(items(&p["data"]).iter().map(|i| tagged(i, &s.namespace)));
            } else {
                out.push(gap(&s.namespace, what, p));
            }
        }
        for (namespace, children) in &unlisted {
            out.push(gap(namespace, "child namespaces", children));
        }
        Json::Array(out)
    };
    let list = |v: &Json, key: &str| v[key].as_array().cloned().unwrap_or_default();
    let policies = family("policies", "policies", &|d| list(d, "policies"));
    let auth_mounts = family("auth", "auth mounts", &|d| {
        list(d, "mounts")
            .into_iter()
            .filter(|m| m["lockout_applicable"] == json!(true))
            .collect()
    });
    let kv_mounts = family("mounts", "mounts", &|d| {
        list(d, "mounts")
            .into_iter()
            .filter(|m| !m["kv_version"].is_null())
            .collect()
    });
    let tokens = tokens_view(&scoped, &unlisted);
    json!({
        "policies": policies,
        "auth_mounts": auth_mounts,
        "kv_mounts": kv_mounts,
        "tokens": tokens,
    })
}

/// Examples of never-expiring tokens kept over the whole tree.
const MAX_TOKEN_EXAMPLES: usize = 10;

/// The token hunts of every namespace, summed: root tokens (each with its namespace), counts,
/// examples, and the namespaces whose tokens could not be listed or looked up.
fn tokens_view(scoped: &[Scoped<'_>], unlisted: &[(String, &Json)]) -> Json {
    let mut root_tokens = Vec::new();
    let mut gaps = Vec::new();
    let (mut total, mut looked_up, mut failures) = (0u64, 0u64, 0u64);
    let mut failure_examples: Vec<Json> = Vec::new();
    let mut no_expiry = (0u64, Vec::new());
    let mut periodic = (0u64, Vec::new());
    for s in scoped {
        let hunt = &s.probes["root_token_hunt"];
        if hunt["state"] != "ok" {
            gaps.push(gap(&s.namespace, "tokens", hunt));
            continue;
        }
        let d = &hunt["data"];
        total += d["total_tokens"].as_u64().unwrap_or(0);
        looked_up += d["looked_up"].as_u64().unwrap_or(0);
        failures += d["lookup_failures"].as_u64().unwrap_or(0);
        for e in d["failure_examples"].as_array().into_iter().flatten() {
            failure_examples.push(json!(format!(
                "{}{}",
                e.as_str().unwrap_or_default(),
                in_namespace(&s.namespace)
            )));
        }
        for t in d["root_tokens"].as_array().into_iter().flatten() {
            root_tokens.push(tagged(t, &s.namespace));
        }
        for (key, acc) in [
            ("no_expiry", &mut no_expiry),
            ("periodic_unbounded", &mut periodic),
        ] {
            acc.0 += d[key]["count"].as_u64().unwrap_or(0);
            for e in d[key]["examples"].as_array().into_iter().flatten() {
                if acc.1.len() < MAX_TOKEN_EXAMPLES {
                    acc.1.push(tagged(e, &s.namespace));
                }
            }
        }
    }
    for (namespace, children) in unlisted {
        gaps.push(gap(namespace, "child namespaces", children));
    }
    failure_examples.truncate(5);
    json!({
        "root_tokens": root_tokens,
        "gaps": gaps,
        "namespaces": scoped.len(),
        "total_tokens": total,
        "looked_up": looked_up,
        "lookup_failures": failures,
        "failure_examples": failure_examples,
        "no_expiry": {"count": no_expiry.0, "examples": no_expiry.1},
        "periodic_unbounded": {"count": periodic.0, "examples": periodic.1},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_walk_admits_each_namespace_once_and_stops_at_its_bounds() {
        let mut seen = HashSet::new();
        let mut queue = VecDeque::new();
        let kids = |n: usize| (0..n).map(|i| format!("n{i}/")).collect::<Vec<_>>();
        admit("", vec!["a/".into(), "a/".into()], &mut seen, &mut queue).expect("admitted");
        admit("", vec!["a/".into()], &mut seen, &mut queue).expect("admitted");
        assert_eq!(queue, ["a/"], "a namespace listed twice is walked once");
        let err = admit("", kids(MAX_NAMESPACES), &mut seen, &mut queue).expect_err("too many");
        assert!(err.contains("more than"), "{err}");
        assert_eq!(queue.len(), 1, "nothing of a refused list is queued");
        let deep = "x/".repeat(MAX_NAMESPACE_DEPTH);
        let err = admit(&deep, kids(1), &mut seen, &mut queue).expect_err("too deep");
        assert!(err.contains("deeper than"), "{err}");
        admit(&deep, Vec::new(), &mut seen, &mut queue).expect("a leaf at the bound is fine");
    }

    fn ok(data: Json) -> Json {
        json!({"state": "ok", "reason": null, "data": data})
    }

    #[test]
    fn namespace_paths_are_normalised() {
        assert_eq!(as_path("team-a"), "team-a/");
        assert_eq!(as_path("/team-a/sub/"), "team-a/sub/");
        assert_eq!(as_path(""), "");
        assert_eq!(in_namespace(""), "");
        assert_eq!(in_namespace("team-a/"), " (namespace team-a/)");
    }

    #[test]
    fn views_prefix_subjects_and_turn_unread_parts_into_gaps() {
        let api = json!({
            "policies": ok(json!({"policies": [{"name": "default", "state": "ok"}]})),
            "auth": ok(json!({"mounts": [{"path": "token/", "lockout_applicable": false}]})),
            "mounts": ok(json!({"mounts": [{"path": "secret/", "kv_version": 2}]})),
            "root_token_hunt": ok(json!({"total_tokens": 1, "looked_up": 1, "lookup_failures": 0,
                "root_tokens": [{"accessor": "r"}], "no_expiry": {"count": 0, "examples": []},
                "periodic_unbounded": {"count": 0, "examples": []}})),
            "namespaces": {"scope": "", "namespaces": [{
                "path": "team-a/",
                "children": {"state": "skip", "reason": "insufficient permission: LIST /v1/sys/namespaces (namespace team-a/)"},
                "policies": ok(json!({"policies": [{"name": "ci", "state": "ok"}]})),
                "auth": ok(json!({"mounts": [{"path": "userpass/", "lockout_applicable": true}]})),
                "mounts": {"state": "skip", "reason": "insufficient permission: GET /v1/sys/mounts (namespace team-a/)"},
                "root_token_hunt": ok(json!({"total_tokens": 2, "looked_up": 2, "lookup_failures": 0,
                    "root_tokens": [], "no_expiry": {"count": 1, "examples": [{"accessor": "x"}]},
                    "periodic_unbounded": {"count": 0, "examples": []}})),
            }]},
        });
        let v = views(&api);
        let subjects = |family: &str| -> Vec<(String, String, bool)> {
            v[family]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    (
                        e["ns_prefix"].as_str().unwrap().to_owned(),
                        e["name"]
                            .as_str()
                            .or(e["path"].as_str())
                            .or(e["subject"].as_str())
                            .unwrap_or_default()
                            .to_owned(),
                        e["gap"].as_bool().unwrap(),
                    )
                })
                .collect()
        };
        assert_eq!(
            subjects("policies"),
            vec![
                ("".into(), "default".into(), false),
                ("team-a/ ".into(), "ci".into(), false),
                ("team-a/ ".into(), "team-a/ child namespaces".into(), true),
            ]
        );
        // The token mount has no lockout: only team-a's userpass is listed.
        assert_eq!(
            subjects("auth_mounts")[0],
            ("team-a/ ".into(), "userpass/".into(), false)
        );
        let kv = &v["kv_mounts"][1];
        assert_eq!(kv["subject"], "team-a/ mounts");
        assert_eq!(kv["state"], "skip");
        assert!(kv["reason"]
            .as_str()
            .unwrap()
            .ends_with("(namespace team-a/)"));
        let t = &v["tokens"];
        assert_eq!(
            (t["total_tokens"].as_u64(), t["namespaces"].as_u64()),
            (Some(3), Some(2))
        );
        assert_eq!(t["root_tokens"][0]["ns_prefix"], "");
        assert_eq!(t["no_expiry"]["examples"][0]["ns_prefix"], "team-a/ ");
        assert_eq!(t["gaps"][0]["subject"], "team-a/ child namespaces");
    }
}
