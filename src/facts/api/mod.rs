//! The live API collector (the `api` source): reads a running Vault/OpenBao over HTTP and produces
//! [`ApiFacts`] (the `api` section of the fact document). It only reads; rules decide.
//!
//! Design: async reqwest on a private current-thread tokio runtime behind a synchronous
//! [`collect`]. One thread multiplexes every in-flight request (the hunt, per-node probes,
//! the independent endpoint reads), which leaves the second core of a small machine to the
//! server, needs no thread per concurrent request, and lets one keep-alive pool serve all.

pub mod client;
pub mod cluster;
pub mod facts;
pub mod hunt;
pub mod namespaces;
pub mod options;
pub mod policy;
pub mod tls;

use std::time::{SystemTime, UNIX_EPOCH};

use futures_util::stream::{self, StreamExt};
use serde_json::Value;

pub use client::{check_allowed, ApiClient, ClientError, NotAllowed, Op, TransportError};
pub use facts::*;
pub use namespaces::{NamespaceFacts, NamespaceWalk, PER_NAMESPACE_PATHS};
pub use options::{ApiFlags, ApiOptions, OptionsError, TlsSettings, Token, TokenSource};
pub use policy::{
    analyse as analyse_policy, parse_policy, AclPolicyFacts, PolicyRule, SCANNER_POLICY_HCL,
};

use client::{Request, HEALTH_CODES};

/// Long-running phases that report progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// `lookup-accessor` over every token.
    RootTokenHunt,
    /// Per-node probes in cluster mode.
    Cluster,
    /// The walk of every namespace (the total grows as namespaces are found).
    Namespaces,
}

/// Progress of a long phase (for a progress bar).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Which phase.
    pub phase: Phase,
    /// Items finished.
    pub done: usize,
    /// Items in all.
    pub total: usize,
}

/// Concurrent reads of dependent endpoints (auth tunes, policy texts).
const DETAIL_CONCURRENCY: usize = 8;

/// Collects the API facts. Never panics and never fails: problems become probe states.
/// Safe to call from inside a tokio runtime (it then runs on a scoped thread).
pub fn collect(opts: &ApiOptions, progress: Option<&(dyn Fn(Progress) + Sync)>) -> ApiFacts {
    let run = || match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(collect_async(
            opts,
            progress.map(|p| p as &dyn Fn(Progress)),
        )),
        Err(e) => skeleton(
            opts,
            ProbeState::Error,
            format!("cannot start the HTTP runtime: {e}"),
            None,
        ),
    };
    if tokio::runtime::Handle::try_current().is_ok() {
        // block_on inside a runtime would panic: run on a fresh thread instead.
        std::thread::scope(|s| s.spawn(run).join()).unwrap_or_else(|_| {
            skeleton(
                opts,
                ProbeState::Error,
                "API collector thread failed".into(),
                None,
            )
        })
    } else {
        run()
    }
}

/// Runs only the root-token hunt (benchmarks, focused sub-commands).
pub fn root_token_hunt(
    opts: &ApiOptions,
    progress: Option<&(dyn Fn(Progress) + Sync)>,
) -> Probe<HuntFacts> {
    let run = || {
        let rt = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                return Probe::error(
                    "auth/token/accessors",
                    None,
                    format!("cannot start the HTTP runtime: {e}"),
                )
            }
        };
        let client = match ApiClient::new(opts) {
            Ok(c) => c,
            Err(e) => return Probe::error("auth/token/accessors", None, e.to_string()),
        };
        rt.block_on(hunt::hunt(
            &client,
            opts.hunt_concurrency,
            opts.no_expiry_examples,
            None,
            progress.map(|p| p as &dyn Fn(Progress)),
        ))
    };
    if tokio::runtime::Handle::try_current().is_ok() {
        std::thread::scope(|s| s.spawn(run).join())
            .unwrap_or_else(|_| Probe::error("auth/token/accessors", None, "hunt thread failed"))
    } else {
        run()
    }
}

/// Async form of [`collect`] for callers that already run a tokio runtime.
pub async fn collect_async(opts: &ApiOptions, progress: Option<&dyn Fn(Progress)>) -> ApiFacts {
    if opts.disabled {
        return skeleton(
            opts,
            ProbeState::Skip,
            "API source switched off (--no-api)".into(),
            None,
        );
    }
    let Some(addr) = opts.addr.clone() else {
        return skeleton(
            opts,
            ProbeState::Skip,
            ClientError::NoAddress.to_string(),
            None,
        );
    };
    let target = target_of(opts, &addr);
    let client = match ApiClient::new(opts) {
        Ok(c) => c,
        Err(e) => return skeleton(opts, ProbeState::Error, e.to_string(), Some(target)),
    };
    // `client` addresses the scanned namespace (`--namespace`, `VAULT_NAMESPACE`), where the
    // per-namespace reads go; root-only endpoints (health, audit, raft, CORS…) are read at the
    // root, where they exist.
    let root = client.in_namespace(None);

    // Phase 1: unauthenticated state of the addressed node.
    let (health, (seal_status, seal_raw), leader) = tokio::join!(
        probe_health(&root),
        probe_seal_status(&root),
        probe_anon(&root, "sys/leader", facts::parse_leader),
    );
    // No answer, or plain http to a TLS listener: no API answer to judge either way.
    let no_answer = |state: ProbeState, status: Option<u16>, reason: Option<&String>| {
        state == ProbeState::Error
            && (status.is_none() || reason.is_some_and(|r| r.starts_with(client::SPEAKS_TLS)))
    };
    let unreachable = no_answer(health.state, health.http_status, health.reason.as_ref())
        && no_answer(
            seal_status.state,
            seal_status.http_status,
            seal_status.reason.as_ref(),
        );
    if unreachable {
        let reason = health
            .reason
            .clone()
            .unwrap_or_else(|| "cannot reach the server".into());
        let mut f = skeleton(opts, ProbeState::Error, reason, Some(target));
        f.health = health;
        f.seal_status = seal_status;
        f.leader = leader;
        return f;
    }

    let initialized = health
        .data
        .as_ref()
        .and_then(|h| h.initialized)
        .or_else(|| seal_status.data.as_ref().and_then(|s| s.initialized));
    let sealed = health
        .data
        .as_ref()
        .and_then(|h| h.sealed)
        .or_else(|| seal_status.data.as_ref().and_then(|s| s.sealed));
    // Why authenticated reads are not attempted (they would all fail the same way).
    let gate: Option<String> = if initialized == Some(false) {
        Some("server is not initialized".into())
    } else if sealed == Some(true) {
        Some("server is sealed".into())
    } else if !client.has_token() {
        Some("no token: set VAULT_TOKEN, BAO_TOKEN, --token-file or ~/.vault-token".into())
    } else {
        None
    };

    let metrics_unauthenticated = probe_metrics_unauthenticated(&root).await;

    let mut f = skeleton(opts, ProbeState::Ok, String::new(), Some(target));
    f.reason = None;
    f.health = health;
    f.seal_status = seal_status;
    f.leader = leader;
    f.metrics_unauthenticated = metrics_unauthenticated;

    // The token first: one the server rejects (expired, revoked, unknown) would make every
    // authenticated read a 403 that reads as a missing capability.
    let token_self = match gate {
        Some(_) => None,
        None => match lookup_self(&client).await {
            Ok(probe) => Some(probe),
            Err(reason) => {
                let mut rejected = skeleton(opts, ProbeState::Error, reason, f.target.clone());
                rejected.health = f.health;
                rejected.seal_status = f.seal_status;
                rejected.leader = f.leader;
                rejected.metrics_unauthenticated = f.metrics_unauthenticated;
                f = rejected;
                None
            }
        },
    };

    if let Some(gate) = gate {
        gate_all(&mut f, &gate);
    } else if let Some(token_self) = token_self {
        // Phase 2: independent authenticated reads, all in flight together.
        let (ha_status, audit, auth, mounts, policy_names) = tokio::join!(
            probe_auth(
                &root,
                Request::read("sys/ha-status"),
                "sys/ha-status",
                facts::parse_ha_status
            ),
            probe_auth(
                &root,
                Request::read("sys/audit"),
                "sys/audit",
                facts::parse_audit
            ),
            probe_auth(
                &client,
                Request::read("sys/auth"),
                "sys/auth",
                facts::parse_auth
            ),
            probe_auth(
                &client,
                Request::read("sys/mounts"),
                "sys/mounts",
                facts::parse_mounts
            ),
            probe_auth(
                &client,
                Request::list("sys/policies/acl"),
                "sys/policies/acl",
                facts::parse_keys
            ),
        );
        let (
            raft_configuration,
            autopilot,
            config_sanitized,
            cors,
            metrics,
            host_info,
            version_history,
        ) = tokio::join!(
            probe_auth(
                &root,
                Request::read("sys/storage/raft/configuration"),
                "sys/storage/raft/configuration",
                facts::parse_raft_configuration
            ),
            probe_auth(
                &root,
                Request::read("sys/storage/raft/autopilot/state"),
                "sys/storage/raft/autopilot/state",
                facts::parse_autopilot
            ),
            probe_auth(
                &root,
                Request::read("sys/config/state/sanitized"),
                "sys/config/state/sanitized",
                |v| facts::require_object(v).map(|_| v.clone())
            ),
            probe_auth(
                &root,
                Request::read("sys/config/cors"),
                "sys/config/cors",
                facts::parse_cors
            ),
            probe_metrics(&root),
            probe_auth(
                &root,
                Request::read("sys/host-info"),
                "sys/host-info",
                facts::parse_host_info
            ),
            probe_auth(
                &root,
                Request::list("sys/version-history"),
                "sys/version-history",
                facts::parse_version_history
            ),
        );

        // Phase 3: reads that depend on phase 2, plus the hunt and cluster discovery.
        let scan_accessor = token_self.data.as_ref().and_then(|t| t.accessor.clone());
        let (auth, policies, root_token_hunt, cluster) = tokio::join!(
            with_tunes(&client, auth),
            with_policy_texts(&client, policy_names),
            hunt::hunt(
                &client,
                opts.hunt_concurrency,
                opts.no_expiry_examples,
                scan_accessor.as_deref(),
                progress
            ),
            async {
                if opts.cluster {
                    cluster::probe_cluster(&root, &ha_status, progress).await
                } else {
                    cluster::disabled()
                }
            },
        );

        f.audit_devices = facts::summarize_audit(&audit, &config_sanitized);
        f.token_self = token_self;
        f.ha_status = ha_status;
        f.audit = audit;
        f.auth = auth;
        f.mounts = mounts;
        f.policies = policies;
        f.raft_configuration = raft_configuration;
        f.autopilot = autopilot;
        f.config_sanitized = config_sanitized;
        f.cors = cors;
        f.metrics = metrics;
        f.host_info = host_info;
        f.version_history = version_history;
        f.root_token_hunt = root_token_hunt;
        f.cluster = cluster;
        // After the hunt and the cluster probes: one long phase at a time on the terminal.
        f.namespaces = namespaces::walk(
            &client,
            opts.namespace.as_deref(),
            opts.hunt_concurrency,
            opts.no_expiry_examples,
            progress,
        )
        .await;
    }

    f.version = f
        .seal_status
        .data
        .as_ref()
        .and_then(|s| s.version.clone())
        .or_else(|| f.health.data.as_ref().and_then(|h| h.version.clone()));
    let mut plugin_versions: Vec<String> = Vec::new();
    if let Some(a) = &f.auth.data {
        plugin_versions.extend(
            a.mounts
                .iter()
                .filter_map(|m| m.running_plugin_version.clone()),
        );
    }
    if let Some(m) = &f.mounts.data {
        plugin_versions.extend(
            m.mounts
                .iter()
                .filter_map(|m| m.running_plugin_version.clone()),
        );
    }
    let (product, evidence) =
        facts::detect_product(seal_raw.as_ref(), f.version.as_deref(), &plugin_versions);
    f.product = product;
    f.product_evidence = evidence;
    f
}

fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn target_of(opts: &ApiOptions, addr: &url::Url) -> ApiTarget {
    let host = addr
        .host_str()
        .unwrap_or_default()
        .trim_matches(['[', ']'])
        .to_owned();
    let path = |p: &Option<std::path::PathBuf>| p.as_ref().map(|p| p.display().to_string());
    ApiTarget {
        address: addr.to_string(),
        scheme: addr.scheme().to_owned(),
        port: addr.port_or_known_default().unwrap_or(0),
        tls: addr.scheme() == "https",
        server_name: opts.tls.server_name.clone().unwrap_or_else(|| host.clone()),
        host,
        ca_cert: path(&opts.tls.ca_cert),
        ca_path: path(&opts.tls.ca_path),
        client_cert: path(&opts.tls.client_cert),
        client_key: path(&opts.tls.client_key),
        skip_verify: opts.tls.skip_verify,
        namespace: opts.namespace.clone(),
        timeout_ms: u64::try_from(opts.timeout.as_millis()).unwrap_or(u64::MAX),
    }
}

/// Facts with every probe "not attempted" in the given state.
fn skeleton(
    opts: &ApiOptions,
    state: ProbeState,
    reason: String,
    target: Option<ApiTarget>,
) -> ApiFacts {
    fn p<T>(path: &str, state: ProbeState, reason: &str) -> Probe<T> {
        Probe {
            path: path.to_owned(),
            state,
            reason: Some(reason.to_owned()),
            http_status: None,
            data: None,
        }
    }
    let r = reason.as_str();
    ApiFacts {
        state,
        reason: Some(reason.clone()),
        target,
        token: TokenFacts {
            present: opts.token.is_some(),
            source: opts.token_source.clone(),
        },
        product: None,
        product_evidence: None,
        version: None,
        scanned_at_utc: now_unix(),
        health: p("sys/health", state, r),
        seal_status: p("sys/seal-status", state, r),
        leader: p("sys/leader", state, r),
        ha_status: p("sys/ha-status", state, r),
        audit: p("sys/audit", state, r),
        audit_devices: AuditSummary::default(),
        auth: p("sys/auth", state, r),
        mounts: p("sys/mounts", state, r),
        token_self: p("auth/token/lookup-self", state, r),
        policies: p("sys/policies/acl", state, r),
        raft_configuration: p("sys/storage/raft/configuration", state, r),
        autopilot: p("sys/storage/raft/autopilot/state", state, r),
        config_sanitized: p("sys/config/state/sanitized", state, r),
        cors: p("sys/config/cors", state, r),
        metrics: p("sys/metrics", state, r),
        metrics_unauthenticated: p("sys/metrics", state, r),
        host_info: p("sys/host-info", state, r),
        version_history: p("sys/version-history", state, r),
        root_token_hunt: p("auth/token/accessors", state, r),
        namespaces: NamespaceWalk::not_run(state, r, opts.namespace.as_deref()),
        cluster: if opts.cluster {
            cluster::not_run(state, r)
        } else {
            cluster::disabled()
        },
    }
}

/// Marks every authenticated probe as skipped for one reason (sealed, no token…).
fn gate_all(f: &mut ApiFacts, reason: &str) {
    fn g<T>(p: &mut Probe<T>, reason: &str) {
        p.state = ProbeState::Skip;
        p.reason = Some(reason.to_owned());
        p.http_status = None;
        p.data = None;
    }
    g(&mut f.ha_status, reason);
    g(&mut f.audit, reason);
    g(&mut f.auth, reason);
    g(&mut f.mounts, reason);
    g(&mut f.token_self, reason);
    g(&mut f.policies, reason);
    g(&mut f.raft_configuration, reason);
    g(&mut f.autopilot, reason);
    g(&mut f.config_sanitized, reason);
    g(&mut f.cors, reason);
    g(&mut f.metrics, reason);
    g(&mut f.host_info, reason);
    g(&mut f.version_history, reason);
    g(&mut f.root_token_hunt, reason);
    f.namespaces.state = ProbeState::Skip;
    f.namespaces.reason = Some(reason.to_owned());
    if f.cluster.enabled {
        f.cluster.state = ProbeState::Skip;
        f.cluster.reason = Some(reason.to_owned());
    }
}

/// `auth/token/lookup-self`; `Err` with the source's reason when the server rejects the token
/// itself (see [`client::token_rejected`]).
async fn lookup_self(client: &ApiClient) -> Result<Probe<TokenInfo>, String> {
    let path = "auth/token/lookup-self";
    let req = match Request::read(path) {
        Ok(r) => r,
        Err(e) => return Ok(Probe::error(path, None, e.to_string())),
    };
    let res = client.fetch(&req).await;
    if let Ok(r) = &res {
        if matches!(r.status, 401 | 403) && client::token_rejected(&r.body) {
            return Err(format!(
                "the token is invalid or expired: the server rejected it (HTTP {} on {})",
                r.status,
                req.label()
            ));
        }
    }
    Ok(client
        .classify(&req, res)
        .and_then(|v| facts::parse_token_info(&v)))
}

/// `sys/health`: every documented status code is an answer whose body is parsed.
pub(crate) async fn probe_health(client: &ApiClient) -> Probe<Health> {
    let req = match Request::read("sys/health") {
        Ok(r) => r.anonymous(),
        Err(e) => return Probe::error("sys/health", None, e.to_string()),
    };
    let res = client.fetch(&req).await;
    if let Ok(resp) = &res {
        if HEALTH_CODES.contains(&resp.status) {
            if let Ok(v) = serde_json::from_slice::<Value>(&resp.body) {
                if v.get("initialized").is_some() {
                    return match facts::parse_health(&v, resp.status, now_unix()) {
                        Ok(h) => Probe::ok("sys/health", resp.status, h),
                        Err(e) => Probe::error("sys/health", Some(resp.status), e),
                    };
                }
            }
        }
    }
    client
        .classify(&req, res)
        .and_then(|v| facts::parse_health(&v, 200, now_unix()))
}

/// `sys/seal-status`, also returning the raw object for product detection.
pub(crate) async fn probe_seal_status(client: &ApiClient) -> (Probe<SealStatus>, Option<Value>) {
    let req = match Request::read("sys/seal-status") {
        Ok(r) => r.anonymous(),
        Err(e) => return (Probe::error("sys/seal-status", None, e.to_string()), None),
    };
    let p = client.probe(&req).await;
    let raw = p.data.clone();
    (p.and_then(|v| facts::parse_seal_status(&v)), raw)
}

async fn probe_anon<T>(
    client: &ApiClient,
    path: &str,
    parse: fn(&Value) -> Result<T, String>,
) -> Probe<T> {
    match Request::read(path) {
        Ok(r) => client.probe(&r.anonymous()).await.and_then(|v| parse(&v)),
        Err(e) => Probe::error(path, None, e.to_string()),
    }
}

pub(crate) async fn probe_auth<T>(
    client: &ApiClient,
    req: Result<Request, NotAllowed>,
    path: &str,
    parse: impl Fn(&Value) -> Result<T, String>,
) -> Probe<T> {
    match req {
        Ok(r) => client.probe(&r).await.and_then(|v| parse(&v)),
        Err(e) => Probe::error(path, None, e.to_string()),
    }
}

/// `sys/metrics` with the token (JSON format: always served, unlike Prometheus format
/// which needs `prometheus_retention_time`).
async fn probe_metrics(client: &ApiClient) -> Probe<Metrics> {
    let req = match Request::read("sys/metrics") {
        Ok(r) => r,
        Err(e) => return Probe::error("sys/metrics", None, e.to_string()),
    };
    match client.fetch(&req).await {
        Ok(resp) if resp.status == 200 => match metrics_format(&resp.body) {
            Ok(format) => Probe::ok(
                "sys/metrics",
                200,
                Metrics {
                    format: format.into(),
                    bytes: resp.body.len(),
                },
            ),
            Err(e) => metrics_shape_error(e),
        },
        other => client.classify(&req, other).same_outcome_or_error(),
    }
}

/// `sys/metrics` with no token: 200 means metrics are public; 401/403 is the good answer.
async fn probe_metrics_unauthenticated(client: &ApiClient) -> Probe<UnauthenticatedMetrics> {
    let req = match Request::read("sys/metrics") {
        Ok(r) => r.anonymous(),
        Err(e) => return Probe::error("sys/metrics", None, e.to_string()),
    };
    match client.fetch(&req).await {
        // Only a real metrics document proves the metrics are public: a login page or a
        // proxy's garbage answered 200 proves nothing either way.
        Ok(resp) if resp.status == 200 => match metrics_format(&resp.body) {
            Ok(_) => Probe::ok(
                "sys/metrics",
                200,
                UnauthenticatedMetrics { accessible: true },
            ),
            Err(e) => metrics_shape_error(e),
        },
        Ok(resp) if resp.status == 401 || resp.status == 403 => Probe::ok(
            "sys/metrics",
            resp.status,
            UnauthenticatedMetrics { accessible: false },
        ),
        other => client.classify(&req, other).same_outcome_or_error(),
    }
}

/// `json` (Vault's own format: `Gauges`, `Counters`, `Samples`) or `text` (Prometheus).
fn metrics_format(body: &[u8]) -> Result<&'static str, String> {
    if let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(body) {
        if ["Gauges", "Counters", "Samples"]
            .iter()
            .any(|k| matches!(m.get(*k), Some(Value::Array(_))))
        {
            return Ok("json");
        }
    } else if body.starts_with(b"# HELP ") || body.starts_with(b"# TYPE ") {
        return Ok("text");
    }
    Err("not a metrics document (neither JSON with `Gauges`, `Counters` or `Samples` nor the Prometheus text format)".into())
}

fn metrics_shape_error<T>(reason: String) -> Probe<T> {
    Probe::error(
        "sys/metrics",
        Some(200),
        format!("unexpected response shape from /v1/sys/metrics: {reason}"),
    )
}

impl Probe<Value> {
    /// A 2xx answer that the caller did not accept becomes an error; others keep their state.
    fn same_outcome_or_error<U>(self) -> Probe<U> {
        if self.is_ok() {
            Probe::error(
                self.path.clone(),
                self.http_status,
                format!("unexpected answer from /v1/{}", self.path),
            )
        } else {
            self.same_outcome()
        }
    }
}

/// Adds `sys/auth/<mount>/tune` (user lockout) to userpass, ldap and approle mounts.
pub(crate) async fn with_tunes(client: &ApiClient, mut auth: Probe<AuthFacts>) -> Probe<AuthFacts> {
    let Some(data) = auth.data.as_mut() else {
        return auth;
    };
    let wanted: Vec<usize> = data
        .mounts
        .iter()
        .enumerate()
        .filter(|(_, m)| m.lockout_applicable)
        .map(|(i, _)| i)
        .collect();
    let tunes: Vec<(usize, Probe<UserLockout>)> =
        stream::iter(wanted.into_iter().filter_map(|i| {
            let mount = data.mounts.get(i)?.path.trim_end_matches('/').to_owned();
            Some(async move {
                let path = format!("sys/auth/{mount}/tune");
                let p = probe_auth(client, Request::read(&path), &path, |v| {
                    facts::require_object(v).map(|_| facts::parse_user_lockout(v))
                })
                .await;
                (i, p)
            })
        }))
        .buffer_unordered(DETAIL_CONCURRENCY)
        .collect()
        .await;
    for (i, tune) in tunes {
        if let Some(m) = data.mounts.get_mut(i) {
            if let Some(disable) = tune.data.as_ref().and_then(|t| t.disable) {
                m.lockout_disabled = Some(disable);
                m.lockout_source = Some("tune".into());
            }
            m.tune = Some(tune);
        }
    }
    auth
}

/// Reads and analyses every ACL policy's text (except `root`, which has none).
pub(crate) async fn with_policy_texts(
    client: &ApiClient,
    names: Probe<Vec<String>>,
) -> Probe<PolicyFacts> {
    let mut out: Probe<PolicyFacts> = names.same_outcome();
    let Some(mut names) = names.data.filter(|_| names.state == ProbeState::Ok) else {
        return out;
    };
    names.sort();
    let fetched: Vec<AclPolicyFacts> = stream::iter(
        names
            .iter()
            .filter(|n| *n != "root")
            .cloned()
            .map(|name| async move {
                let path = format!("sys/policies/acl/{name}");
                let p = probe_auth(client, Request::read(&path), &path, |v| {
                    facts::get_str(v, "policy")
                        .or_else(|| facts::get_str(v, "rules"))
                        .ok_or_else(|| "no policy text".to_owned())
                })
                .await;
                match (&p.state, p.data.as_deref()) {
                    (ProbeState::Ok, Some(text)) => policy::analyse(&name, text),
                    _ => AclPolicyFacts {
                        name,
                        state: p.state,
                        reason: p.reason.clone(),
                        http_status: p.http_status,
                        text: None,
                        parse_error: None,
                        rules: Vec::new(),
                        grants_sudo: false,
                        sudo_paths: Vec::new(),
                        broad_paths: Vec::new(),
                        overbroad: false,
                    },
                }
            }),
    )
    .buffer_unordered(DETAIL_CONCURRENCY)
    .collect()
    .await;
    let mut policies = fetched;
    policies.sort_by(|a, b| a.name.cmp(&b.name));
    let overbroad = policies
        .iter()
        .filter(|p| p.overbroad)
        .map(|p| p.name.clone())
        .collect();
    out.state = ProbeState::Ok;
    out.reason = None;
    out.data = Some(PolicyFacts {
        names,
        policies,
        overbroad,
    });
    out
}
