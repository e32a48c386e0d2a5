//! Orchestration: gather facts once from every source, then evaluate, then render.
//! This is the only layer (with `cli`) that touches the file system and the clock.

use crate::engine::{self, Settings};
use crate::facts::api::{self as api_source, ApiOptions, ProbeState};
use crate::facts::config::{self, ConfigPath};
pub use crate::facts::host::common::Product;
use crate::facts::live_tls;
use crate::facts::{Facts, SourceState};
use crate::model::{Finding, Source};
use crate::report::{Report, Summary, Tool, SCHEMA_VERSION};
use crate::rules::RuleSet;
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

/// Where facts come from and which sources are on.
#[derive(Debug, Clone)]
pub struct SourceOptions {
    pub config_paths: Vec<PathBuf>,
    pub root: PathBuf,
    pub no_config: bool,
    pub no_host: bool,
    pub no_api: bool,
    /// The API settings resolved from flags, environment and `~/.vault-token` (`None`: no
    /// address configured).
    pub api: Option<ApiOptions>,
    /// The product named with `--product` (`vault` or `openbao`); it wins over detection.
    pub product: Option<Product>,
    /// Show the progress of long API phases (the root-token hunt) on standard error.
    pub progress: bool,
    pub now: OffsetDateTime,
}

impl Default for SourceOptions {
    fn default() -> Self {
        SourceOptions {
            config_paths: Vec::new(),
            root: PathBuf::from("/"),
            no_config: false,
            no_host: false,
            no_api: false,
            api: None,
            product: None,
            progress: false,
            now: OffsetDateTime::now_utc(),
        }
    }
}

/// An input error: exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error(transparent)]
    Rules(#[from] crate::rules::RuleError),
    #[error("{0}")]
    Usage(String),
}

/// Default config locations (under `--root`) when `-c` is not given.
const DEFAULT_CONFIG_DIRS: &[&str] = &["/etc/vault.d", "/etc/openbao"];

fn config_paths(opts: &SourceOptions, from_host: &[PathBuf]) -> Result<Vec<ConfigPath>, String> {
    if !opts.config_paths.is_empty() {
        return Ok(opts
            .config_paths
            .iter()
            .map(|p| ConfigPath {
                read: p.clone(),
                display: p.display().to_string(),
                root: None,
            })
            .collect());
    }
    // The running server's -config (else its unit's ExecStart=) is what actually runs.
    if !from_host.is_empty() {
        return Ok(from_host
            .iter()
            .map(|p| ConfigPath {
                read: Path::new("/").join(p),
                display: p.display().to_string(),
                root: Some(opts.root.clone()),
            })
            .collect());
    }
    for dir in DEFAULT_CONFIG_DIRS {
        let found = crate::fsutil::real_in_root(&opts.root, Path::new(dir), true)
            .is_ok_and(|real| real.exists());
        if found {
            return Ok(vec![ConfigPath {
                read: PathBuf::from(dir),
                display: (*dir).to_string(),
                root: Some(opts.root.clone()),
            }]);
        }
    }
    Err(format!(
        "no config found: no running server or unit named one, and neither {} exists under --root {} (give -c PATH)",
        DEFAULT_CONFIG_DIRS.join(" nor "),
        opts.root.display()
    ))
}

/// Does the host run or carry a Vault/OpenBao server (process, unit, binary or config)?
fn vault_found(h: &crate::facts::host::HostFacts, config: &Json) -> bool {
    let process = h.processes.get().is_some_and(|p| !p.is_empty());
    let unit = h.unit.get().is_some();
    process || unit || h.effective.binary.is_some() || !config.is_null()
}

/// Files the config names that the host rules judge: (role, host path, where the config names it).
fn config_named_files(config: &Json) -> Vec<(String, PathBuf, Json)> {
    let mut out = Vec::new();
    let host_path = |file: &Json, path: &str| -> PathBuf {
        let p = Path::new(path);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            // Relative to the config file that names it (see tls_files::resolve).
            Path::new(file.as_str().unwrap_or(""))
                .parent()
                .unwrap_or(Path::new("."))
                .join(p)
        }
    };
    for l in config["listeners"].as_array().into_iter().flatten() {
        if l["type"] != "tcp" || l["tls_disable"] == json!(true) {
            continue;
        }
        for (key, role) in [("tls_key_file", "tls_key"), ("tls_cert_file", "tls_cert")] {
            if let Some(path) = l[key].as_str().filter(|s| !s.trim().is_empty()) {
                let at = l["at"].get(key).cloned().unwrap_or(Json::Null);
                out.push((role.to_string(), host_path(&l["file"], path), at));
            }
        }
    }
    let storage = &config["storage"];
    if matches!(storage["type"].as_str(), Some("raft" | "file")) {
        if let Some(path) = storage["path"].as_str().filter(|s| !s.trim().is_empty()) {
            let at = storage["at"].get("path").cloned().unwrap_or(Json::Null);
            out.push(("storage".to_string(), host_path(&storage["file"], path), at));
        }
    }
    for audit in config["audits"].as_array().into_iter().flatten() {
        if audit["type"] != "file" {
            continue;
        }
        if let Some(path) = audit["options"]["file_path"].as_str() {
            if !matches!(path, "stdout" | "discard" | "") {
                out.push((
                    "audit_log".to_string(),
                    host_path(&audit["file"], path),
                    audit["loc"].clone(),
                ));
            }
        }
    }
    out
}

/// Collects every source's facts. Only config problems are input errors; a source that cannot
/// be used becomes `off` or `error` and the scan goes on.
pub fn collect(opts: &SourceOptions) -> Result<Facts, InputError> {
    let mut sources = BTreeMap::new();
    let mut doc = serde_json::Map::new();
    let mut secret_values = Vec::new();

    let host = (!opts.no_host).then(|| {
        crate::facts::host::collect(&crate::facts::host::HostOptions {
            root: opts.root.clone(),
            explicit_config_paths: opts.config_paths.clone(),
            ..crate::facts::host::HostOptions::default()
        })
    });
    let host_config_paths = host.as_ref().map(|h| h.config_paths()).unwrap_or_default();

    let config_doc = if opts.no_config {
        sources.insert(Source::Config, SourceState::Off("--no-config".into()));
        Json::Null
    } else {
        match config_paths(opts, &host_config_paths) {
            Ok(paths) => {
                let loaded = config::load(&paths)?;
                sources.insert(Source::Config, SourceState::Available);
                secret_values.extend(loaded.secret_values);
                loaded.doc
            }
            Err(why) => {
                sources.insert(Source::Config, SourceState::Off(why));
                Json::Null
            }
        }
    };

    let file_state = if opts.no_host {
        SourceState::Off("--no-host: the files the config names are not read".into())
    } else if config_doc.is_null() {
        SourceState::Off("no config, so no certificate or key files to read".into())
    } else {
        SourceState::Available
    };
    let tls_doc = if file_state == SourceState::Available {
        crate::facts::tls_files::collect(&config_doc, &opts.root, opts.now.unix_timestamp())
    } else {
        Json::Null
    };
    sources.insert(Source::File, file_state);

    let mut product = Json::Null;
    let host_doc = match &host {
        None => {
            sources.insert(Source::Host, SourceState::Off("--no-host".into()));
            Json::Null
        }
        // A host with no server process, no unit, no binary and no config is not a Vault
        // node: auditing its shell history or firewall would be noise, not findings.
        Some(h) if !vault_found(h, &config_doc) => {
            sources.insert(
                Source::Host,
                SourceState::Off(format!(
                    "no Vault or OpenBao found under --root {}: {}; no vault.service/openbao.service unit; no config",
                    opts.root.display(),
                    h.processes
                        .reason
                        .clone()
                        .unwrap_or_else(|| "no running vault/bao server".into()),
                )),
            );
            Json::Null
        }
        Some(h) => {
            sources.insert(Source::Host, SourceState::Available);
            if let Some(p) = &h.product {
                let name = serde_json::to_value(p.name).unwrap_or(json!("vault"));
                product = json!({"name": name, "detected_from": format!("the {}", p.source)});
            }
            let mut value = serde_json::to_value(h).unwrap_or(Json::Null);
            let named = config_named_files(&config_doc);
            let stat_input: Vec<(String, PathBuf)> = named
                .iter()
                .map(|(r, p, _)| (r.clone(), p.clone()))
                .collect();
            let stats = crate::facts::host::stat_paths(&opts.root, h.account(), &stat_input);
            let with_locations: Vec<Json> = stats
                .iter()
                .zip(&named)
                .map(|(fact, (_, _, at))| {
                    let mut v = serde_json::to_value(fact).unwrap_or(Json::Null);
                    if let Some(obj) = v.as_object_mut() {
                        obj.insert("named_at".into(), at.clone());
                    }
                    v
                })
                .collect();
            if let Some(obj) = value.as_object_mut() {
                obj.insert("config_named_files".into(), Json::Array(with_locations));
            }
            value
        }
    };
    let (api_state, api_doc, live) = collect_api(opts);
    // Second line of defence: the collector never puts the token in the facts, and rendered
    // output is scrubbed of it anyway.
    if let Some(token) = opts.api.as_ref().and_then(|a| a.token.as_ref()) {
        secret_values.push(token.expose().to_string());
    }
    if let Some(name) = api_doc["product"].as_str() {
        product = json!({"name": name, "detected_from": "the API"});
    }
    let product = decide_product(opts.product, product, &config_doc["product_hints"]);
    let mut api_doc = api_doc;
    if !api_doc.is_null() {
        let config_state = sources.get(&Source::Config).map(SourceState::describe);
        let drift = crate::facts::drift::running_config_drift(
            &config_doc,
            config_state.as_deref(),
            &api_doc["config_sanitized"],
            &api_doc["raft_configuration"],
        );
        add_file_audits(&mut api_doc, &config_doc, product["name"].as_str());
        let nodes = node_views(&api_doc);
        readable_token_times(&mut api_doc);
        annotate_scanner_policy(&mut api_doc);
        annotate_privileged_tokens(&mut api_doc);
        let mut in_namespaces = api_source::namespaces::views(&api_doc);
        readable_token_times_at(&mut in_namespaces, "/tokens/root_tokens");
        if let Some(obj) = api_doc.as_object_mut() {
            obj.insert("running_config_drift".into(), drift);
            obj.insert("nodes".into(), nodes);
            obj.insert("in_namespaces".into(), in_namespaces);
        }
    }
    sources.insert(Source::Api, api_state);

    // The live listeners join the file entries: the certificate rules judge both.
    let (live_listeners, live_probes) = live_tls::entries(&live);
    served_versus_file(&mut api_doc, &tls_doc, &live_listeners);
    let tls_doc = if tls_doc.is_null() && live.is_empty() {
        Json::Null
    } else {
        let mut listeners = tls_doc["listeners"].as_array().cloned().unwrap_or_default();
        listeners.extend(live_listeners);
        json!({"listeners": listeners, "live": live_probes})
    };

    let service =
        crate::facts::service::names(product["name"].as_str().unwrap_or("unknown"), &host_doc);
    doc.insert("config".into(), config_doc);
    doc.insert("tls".into(), tls_doc);
    doc.insert("host".into(), host_doc);
    doc.insert("api".into(), api_doc);
    doc.insert(
        "scan".into(),
        json!({
            "now": opts.now.unix_timestamp(),
            "time": rfc3339(opts.now),
            "root": opts.root.display().to_string(),
            "product": product,
            "service": service,
        }),
    );
    Ok(Facts {
        sources,
        doc: Json::Object(doc),
        secret_values,
    })
}

/// Which product the scan judges: `--product`, else what the API or the host showed (`found`),
/// else what the config shows unambiguously, else `unknown`. `{name, detected_from}`.
fn decide_product(flag: Option<Product>, found: Json, config_hints: &Json) -> Json {
    if let Some(p) = flag {
        let name = serde_json::to_value(p).unwrap_or(Json::Null);
        return json!({"name": name, "detected_from": "--product"});
    }
    if !found.is_null() {
        return found;
    }
    let hints = config_hints
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let shown = |h: &Json| {
        format!(
            "{} at {}:{}",
            h["evidence"].as_str().unwrap_or(""),
            h["file"].as_str().unwrap_or(""),
            h["line"]
        )
    };
    let first = |product: &str| hints.iter().find(|h| h["product"] == product);
    match (first("vault"), first("openbao")) {
        (Some(v), Some(b)) => json!({
            "name": "unknown",
            "detected_from": format!("the config shows both Vault ({}) and OpenBao ({}); say which with --product", shown(v), shown(b)),
        }),
        (Some(h), None) | (None, Some(h)) => json!({
            "name": h["product"],
            "detected_from": format!("the config: {}", shown(h)),
        }),
        (None, None) => json!({
            "name": "unknown",
            "detected_from": "nothing tells: no --product, no API, no running server or unit, and nothing in the config only one product reads",
        }),
    }
}

type LiveResults = Vec<(live_tls::LiveTarget, crate::facts::tls::LiveTlsFacts)>;

/// The API source: its state, its facts, and the live TLS inspections (the addressed listener,
/// concurrently with the API reads, then each node that `--cluster` discovered).
fn collect_api(opts: &SourceOptions) -> (SourceState, Json, LiveResults) {
    if opts.no_api {
        return (SourceState::Off("--no-api".into()), Json::Null, Vec::new());
    }
    let Some(api) = opts.api.as_ref().filter(|a| a.addr.is_some()) else {
        return (
            SourceState::Off("no address: set VAULT_ADDR or --addr".into()),
            Json::Null,
            Vec::new(),
        );
    };
    let now = opts.now.unix_timestamp();
    let addressed = live_tls::addressed_target(api);
    let (facts, mut live) = std::thread::scope(|s| {
        let tls = s.spawn(|| {
            addressed
                .as_ref()
                .map(|t| live_tls::inspect(std::slice::from_ref(t), api, now))
                .unwrap_or_default()
        });
        // The collector reports absolute counts; the terminal indicator takes increments.
        let last: std::sync::Mutex<Option<(api_source::Phase, usize)>> =
            std::sync::Mutex::new(None);
        let show = |p: api_source::Progress| {
            let bar = crate::progress::global();
            let Ok(mut last) = last.lock() else { return };
            let done_before = match *last {
                Some((phase, done)) if phase == p.phase => done,
                _ => {
                    let label = match p.phase {
                        api_source::Phase::RootTokenHunt => "root-token hunt",
                        api_source::Phase::Cluster => "cluster nodes",
                        api_source::Phase::Namespaces => "namespaces",
                    };
                    // The namespace count grows as the walk finds them: a counter, no bar.
                    let total = if p.phase == api_source::Phase::Namespaces {
                        0
                    } else {
                        p.total as u64
                    };
                    bar.start(total, label);
                    0
                }
            };
            bar.inc(p.done.saturating_sub(done_before) as u64);
            *last = Some((p.phase, p.done));
            if p.done >= p.total {
                bar.finish();
            }
        };
        let progress: Option<&(dyn Fn(api_source::Progress) + Sync)> =
            if opts.progress { Some(&show) } else { None };
        let facts = api_source::collect(api, progress);
        (facts, tls.join().unwrap_or_default())
    });
    let nodes = live_tls::cluster_targets(&facts, api, addressed.as_ref());
    live.extend(live_tls::inspect(&nodes, api, now));
    let state = match facts.state {
        ProbeState::Error => SourceState::Error(
            facts
                .reason
                .clone()
                .unwrap_or_else(|| "the API could not be read".into()),
        ),
        ProbeState::Skip => SourceState::Off(
            facts
                .reason
                .clone()
                .unwrap_or_else(|| "API source off".into()),
        ),
        ProbeState::Ok => SourceState::Available,
    };
    (
        state,
        serde_json::to_value(&facts).unwrap_or(Json::Null),
        live,
    )
}

/// Cross-source drift: the leaf the addressed listener serves against the `tls_cert_file` of
/// the config's TLS listener on the same port. A certificate renewed on disk but not reloaded
/// (no SIGHUP) is a difference of `api.running_config_drift`.
fn served_versus_file(api: &mut Json, file_tls: &Json, live: &[Json]) {
    let Some(served) = live.iter().find(|l| l["role"] == "addr") else {
        return;
    };
    let Some(served_fp) = served["cert"]["certificates"][0]["sha256_fingerprint"].as_str() else {
        return;
    };
    let port_of = |a: &str| a.rsplit_once(':').map(|(_, p)| p.to_string());
    let served_port = served["address"].as_str().and_then(port_of);
    let same_port: Vec<&Json> = file_tls["listeners"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|l| l["address"].as_str().and_then(port_of) == served_port)
        .collect();
    // Only a single listener on that port can be told apart from the others.
    let [file] = same_port.as_slice() else {
        return;
    };
    let Some(file_fp) = file["cert"]["certificates"][0]["sha256_fingerprint"].as_str() else {
        return;
    };
    let Some(drift) = api.get_mut("running_config_drift") else {
        return;
    };
    if drift["state"] != "ok" {
        return;
    }
    if let Some(obj) = drift["data"].as_object_mut() {
        if let Some(list) = obj.get_mut("compared").and_then(Json::as_array_mut) {
            list.push(json!("the leaf certificate served against tls_cert_file"));
        }
    }
    if served_fp == file_fp {
        return;
    }
    let describe = |c: &Json| {
        format!(
            "{} (serial {}, not after {})",
            c["subject"].as_str().unwrap_or("?"),
            c["serial_hex"].as_str().unwrap_or("?"),
            c["not_after"].as_str().unwrap_or("?")
        )
    };
    if let Some(list) = drift
        .pointer_mut("/data/differences")
        .and_then(Json::as_array_mut)
    {
        list.push(json!({
            "key": format!(
                "listener {}: served certificate vs {}",
                file["address"].as_str().unwrap_or("?"),
                file["cert_file"].as_str().unwrap_or("tls_cert_file")
            ),
            "file": describe(&file["cert"]["certificates"][0]),
            "running": describe(&served["cert"]["certificates"][0]),
        }));
    }
}

/// Root tokens' creation times as RFC 3339, for people.
fn readable_token_times(api: &mut Json) {
    readable_token_times_at(api, "/root_token_hunt/data/root_tokens");
}

fn readable_token_times_at(doc: &mut Json, pointer: &str) {
    let Some(list) = doc.pointer_mut(pointer).and_then(Json::as_array_mut) else {
        return;
    };
    for t in list {
        let at = t["creation_time"]
            .as_i64()
            .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
            .map(rfc3339);
        if let Some(obj) = t.as_object_mut() {
            obj.insert("created_at".into(), json!(at));
        }
    }
}

/// The nodes the per-node rules judge: every node `--cluster` discovered, else the addressed one.
fn node_views(api: &Json) -> Json {
    let pick = |a: &Json, b: &Json, k: &str| {
        if a[k].is_null() {
            b[k].clone()
        } else {
            a[k].clone()
        }
    };
    let cluster = &api["cluster"];
    if cluster["enabled"] == json!(true) && cluster["state"] == "ok" {
        let nodes: Vec<Json> = cluster["nodes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|n| {
                json!({
                    "subject": format!("node {}", n["api_address"].as_str().unwrap_or_default()),
                    "api_address": n["api_address"],
                    "role": "cluster",
                    "active": n["active"],
                    "initialized": n["initialized"],
                    "sealed": n["sealed"],
                    "standby": n["standby"],
                    "version": n["version"],
                    "health": n["health"],
                    "seal_status": n["seal_status"],
                })
            })
            .collect();
        return Json::Array(nodes);
    }
    let h = &api["health"]["data"];
    let s = &api["seal_status"]["data"];
    let address = api["target"]["address"]
        .as_str()
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_string();
    json!([{
        "subject": format!("node {address}"),
        "api_address": address,
        "role": "addr",
        "active": if h["standby"].is_boolean() { json!(h["standby"] == json!(false) && h["sealed"] == json!(false)) } else { Json::Null },
        "initialized": pick(h, s, "initialized"),
        "sealed": pick(h, s, "sealed"),
        "standby": h["standby"],
        "version": api["version"],
        "health": api["health"],
        "seal_status": api["seal_status"],
    }])
}

/// Marks the policies that grant nothing beyond what `vaultsec policy` prints for the built-in
/// rules: the scan token's own policy needs `sudo` on a few read paths, and is not over-broad
/// for it. Matched on content (paths and capabilities), never on the policy's name.
fn annotate_scanner_policy(api: &mut Json) {
    let allowed = crate::policy::builtin_grants();
    // The scanned namespace's policies, then every namespace's below it.
    let walked = api
        .pointer("/namespaces/namespaces")
        .and_then(Json::as_array)
        .map_or(0, Vec::len);
    let pointers = std::iter::once("/policies/data/policies".to_string())
        .chain((0..walked).map(|i| format!("/namespaces/namespaces/{i}/policies/data/policies")));
    for pointer in pointers {
        if let Some(list) = api.pointer_mut(&pointer).and_then(Json::as_array_mut) {
            annotate_policies(list, &allowed);
        }
    }
}

fn annotate_policies(
    list: &mut [Json],
    allowed: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
) {
    for p in list {
        let rules = p["rules"].as_array().cloned().unwrap_or_default();
        let within = p["parse_error"].is_null()
            && !rules.is_empty()
            && rules.iter().all(|r| {
                let path = r["path"].as_str().unwrap_or_default();
                let caps: Vec<&str> = r["capabilities"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Json::as_str)
                    .collect();
                // The default policy's own paths are in every token; deny grants nothing.
                caps.iter().all(|c| *c == "deny")
                    || allowed
                        .get(path)
                        .is_some_and(|set| caps.iter().all(|c| set.contains(*c)))
            });
        if let Some(obj) = p.as_object_mut() {
            obj.insert("scanner_policy".into(), json!(within));
        }
    }
}

/// Gives each token of the hunt the policies that make it privileged, by api.policy-overbroad's
/// judgement (over-broad, and not the scan policy), and those that could not be judged (not
/// read, not parsed); tokens with neither are dropped. Runs after `annotate_scanner_policy`.
fn annotate_privileged_tokens(api: &mut Json) {
    let policies: Vec<Json> = api
        .pointer("/policies/data/policies")
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    let names = |keep: &dyn Fn(&Json) -> bool| -> Vec<String> {
        policies
            .iter()
            .filter(|p| keep(p))
            .filter_map(|p| p["name"].as_str().map(str::to_owned))
            .collect()
    };
    let privileged =
        names(&|p| p["overbroad"] == json!(true) && p["scanner_policy"] != json!(true));
    let unjudged = names(&|p| p["state"] != "ok" || !p["parse_error"].is_null());
    let Some(tokens) = api
        .pointer_mut("/root_token_hunt/data/policy_tokens")
        .and_then(Json::as_array_mut)
    else {
        return;
    };
    let held = |t: &Json, among: &[String]| -> Vec<String> {
        t["policies"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
            .filter(|p| among.iter().any(|n| n == p))
            .map(str::to_owned)
            .collect()
    };
    tokens.retain_mut(|t| {
        let (p, u) = (held(t, &privileged), held(t, &unjudged));
        let keep = !p.is_empty() || !u.is_empty();
        if let Some(obj) = t.as_object_mut() {
            obj.insert("privileged_policies".into(), json!(p));
            obj.insert("unjudged_policies".into(), json!(u));
        }
        keep
    });
}

/// OpenBao declares audit devices in the config file (`audit` blocks); they count as devices
/// even when the token may not read `sys/audit`. Merged into `api.audit_devices` by path.
fn add_file_audits(api: &mut Json, config: &Json, product: Option<&str>) {
    let Some(summary) = api.get_mut("audit_devices").and_then(Json::as_object_mut) else {
        return;
    };
    let declared: Vec<&Json> = config["audits"].as_array().into_iter().flatten().collect();
    if product != Some("openbao") || config.is_null() {
        summary.insert("file_count".into(), Json::Null);
        return;
    }
    let norm = |p: &str| format!("{}/", p.trim_end_matches('/'));
    let mut devices = summary
        .get("devices")
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    for d in &declared {
        let path = d["path"].as_str().unwrap_or_default();
        let known = devices
            .iter_mut()
            .find(|x| x["path"].as_str().map(norm) == Some(norm(path)));
        match known {
            Some(x) => {
                let src = x["source"].as_str().unwrap_or_default().to_string();
                // The running config shows no audit options; the file does.
                if !src.contains("api") {
                    x["options"] = d["options"].clone();
                    x["log_raw"] = json!(crate::facts::drift::weak_bool(d["options"].get("log_raw")));
                    x["hmac_accessor"] = json!(d["options"]
                        .get("hmac_accessor")
                        .is_none_or(|v| crate::facts::drift::weak_bool(Some(v))));
                }
                x["source"] = json!(format!("{src}+file"));
            }
            None => devices.push(json!({
                "path": norm(path),
                "type": d["type"],
                "description": d["description"],
                "local": null,
                "options": d["options"],
                "log_raw": crate::facts::drift::weak_bool(d["options"].get("log_raw")),
                "hmac_accessor": d["options"].get("hmac_accessor").is_none_or(|v| crate::facts::drift::weak_bool(Some(v))),
                "source": "file",
            })),
        }
    }
    summary.insert("file_count".into(), json!(declared.len()));
    summary.insert("total".into(), json!(devices.len()));
    summary.insert("known".into(), json!(true));
    summary.insert("devices".into(), Json::Array(devices));
}

pub fn rfc3339(t: OffsetDateTime) -> String {
    let t = t.replace_nanosecond(0).unwrap_or(t);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// The name of the node scanned: `<root>/etc/hostname` for a mounted host, else the kernel's.
pub fn host_name(root: &Path) -> String {
    let candidates: &[&str] = if root == Path::new("/") {
        &["/proc/sys/kernel/hostname", "/etc/hostname"]
    } else {
        &["/etc/hostname"]
    };
    candidates
        .iter()
        .filter_map(|p| {
            crate::fsutil::read_in_root(root, Path::new(p), crate::fsutil::limit::HOSTNAME).ok()
        })
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .find(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

/// Builds the report from findings.
pub fn report(
    findings: Vec<Finding>,
    facts: &Facts,
    settings: &Settings,
    started: OffsetDateTime,
    duration_seconds: f64,
    host: String,
) -> Report {
    let sources = facts
        .sources
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.describe()))
        .collect();
    Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "vaultsec".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        started_at: rfc3339(started),
        duration_seconds,
        host,
        profile: settings.profile.as_str().to_string(),
        product: facts.doc["scan"]["product"]["name"]
            .as_str()
            .map(str::to_string),
        sources,
        summary: Summary::of(&findings),
        findings,
        resolved: None,
        waivers_expired: None,
        waivers_unmatched: None,
        nodes: None,
    }
}

/// Evaluates rules over facts (the pure step, re-exported for callers that gather facts
/// themselves).
pub fn evaluate(rules: &RuleSet, facts: &Facts, settings: &Settings) -> Vec<Finding> {
    engine::evaluate(rules, facts, settings)
}

/// Replaces any secret value that slipped into rendered text (second line of defence: the
/// collectors already redact them). See [`crate::redact`] for which secrets and how.
pub fn scrub(text: String, secrets: &[String]) -> String {
    crate::redact::scrub(&text, secrets)
}

#[cfg(test)]
mod product_tests {
    use super::*;

    fn hint(product: &str, line: u32) -> Json {
        json!({"product": product, "evidence": "x", "file": "v.hcl", "line": line, "column": 1})
    }

    #[test]
    fn the_flag_wins_then_the_server_then_an_unambiguous_config() {
        let api = json!({"name": "vault", "detected_from": "the API"});
        let bao_hints = json!([hint("openbao", 3)]);
        let decided = decide_product(Some(Product::Openbao), api.clone(), &bao_hints);
        assert_eq!(
            decided,
            json!({"name": "openbao", "detected_from": "--product"})
        );
        assert_eq!(decide_product(None, api.clone(), &bao_hints), api);
        let from_config = decide_product(None, Json::Null, &bao_hints);
        assert_eq!(from_config["name"], "openbao");
        assert!(from_config["detected_from"]
            .as_str()
            .unwrap()
            .contains("v.hcl:3"));
        let both = json!([hint("openbao", 3), hint("vault", 5)]);
        let mixed = decide_product(None, Json::Null, &both);
        assert_eq!(mixed["name"], "unknown");
        assert!(mixed["detected_from"]
            .as_str()
            .unwrap()
            .contains("--product"));
        assert_eq!(
            decide_product(None, Json::Null, &Json::Null)["name"],
            "unknown"
        );
    }
}
