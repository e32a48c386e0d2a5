//! Cluster mode: discover nodes through `sys/ha-status` and read the unauthenticated
//! per-node endpoints (`sys/health`, `sys/seal-status`) on each, concurrently.

use futures_util::stream::{self, StreamExt};

use super::client::ApiClient;
use super::facts::{ClusterFacts, ClusterNode, HaNode, HaStatus, Probe, ProbeState};
use super::options::parse_addr;
use super::{probe_health, probe_seal_status, Phase, Progress};

/// Nodes probed at once (each node gets two requests).
const NODE_CONCURRENCY: usize = 8;

pub(crate) fn disabled() -> ClusterFacts {
    ClusterFacts {
        enabled: false,
        state: ProbeState::Skip,
        reason: Some("cluster mode not requested (--cluster)".into()),
        nodes: Vec::new(),
        versions: Vec::new(),
    }
}

pub(crate) fn not_run(state: ProbeState, reason: impl Into<String>) -> ClusterFacts {
    ClusterFacts {
        enabled: true,
        state,
        reason: Some(reason.into()),
        nodes: Vec::new(),
        versions: Vec::new(),
    }
}

pub(crate) async fn probe_cluster(
    client: &ApiClient,
    ha: &Probe<HaStatus>,
    progress: Option<&dyn Fn(Progress)>,
) -> ClusterFacts {
    let Some(status) = ha.data.as_ref().filter(|_| ha.is_ok()) else {
        let reason = ha
            .reason
            .clone()
            .unwrap_or_else(|| "sys/ha-status did not answer".into());
        return not_run(ha.state, format!("cannot discover nodes: {reason}"));
    };
    if status.nodes.is_empty() {
        return not_run(
            ProbeState::Skip,
            "sys/ha-status lists no nodes (HA not enabled)",
        );
    }
    let total = status.nodes.len();
    let mut results = stream::iter(status.nodes.iter().cloned().map(|n| probe_node(client, n)))
        .buffer_unordered(NODE_CONCURRENCY);
    let mut nodes = Vec::with_capacity(total);
    while let Some(node) = results.next().await {
        nodes.push(node);
        if let Some(cb) = progress {
            cb(Progress {
                phase: Phase::Cluster,
                done: nodes.len(),
                total,
            });
        }
    }
    nodes.sort_by(|a, b| a.api_address.cmp(&b.api_address));
    let mut versions: Vec<String> = nodes.iter().filter_map(|n| n.version.clone()).collect();
    versions.sort();
    versions.dedup();
    ClusterFacts {
        enabled: true,
        state: ProbeState::Ok,
        reason: None,
        nodes,
        versions,
    }
}

async fn probe_node(client: &ApiClient, n: HaNode) -> ClusterNode {
    let address = n.api_address.clone().unwrap_or_default();
    let mut node = ClusterNode {
        api_address: address.clone(),
        scheme: None,
        host: None,
        port: None,
        hostname: n.hostname.clone(),
        active: n.active_node,
        reported_version: n.version.clone(),
        health: Probe::error("sys/health", None, "node address unusable"),
        seal_status: Probe::error("sys/seal-status", None, "node address unusable"),
        version: n.version.clone(),
        initialized: None,
        sealed: None,
        standby: None,
    };
    let url = match parse_addr(&address, "sys/ha-status") {
        Ok(u) => u,
        Err(e) => {
            let reason = e.to_string();
            node.health = Probe::error("sys/health", None, reason.clone());
            node.seal_status = Probe::error("sys/seal-status", None, reason);
            return node;
        }
    };
    node.scheme = Some(url.scheme().to_owned());
    node.host = url
        .host_str()
        .map(|h| h.trim_matches(['[', ']']).to_owned());
    node.port = url.port_or_known_default();
    // Unauthenticated endpoints only: the token is not sent to addresses learnt from the API.
    let node_client = client.for_node(url, false);
    let (health, (seal, _raw)) =
        tokio::join!(probe_health(&node_client), probe_seal_status(&node_client));
    let h = health.data.as_ref();
    let s = seal.data.as_ref();
    node.version = s
        .and_then(|s| s.version.clone())
        .or_else(|| h.and_then(|h| h.version.clone()))
        .or(node.version);
    node.initialized = h
        .and_then(|h| h.initialized)
        .or_else(|| s.and_then(|s| s.initialized));
    node.sealed = h
        .and_then(|h| h.sealed)
        .or_else(|| s.and_then(|s| s.sealed));
    node.standby = h.and_then(|h| h.standby);
    node.health = health;
    node.seal_status = seal;
    node
}
