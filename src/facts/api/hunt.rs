//! Root-token hunt: list every token accessor and look each up with bounded concurrency.
//!
//! Concurrency is a parameter (default 8, at most 64): enough in-flight requests to hide
//! round trips, few enough that the server is never flooded. All lookups share the
//! client's keep-alive pool, so at most `concurrency` connections are opened.

use std::collections::BTreeSet;
use std::time::Instant;

use futures_util::stream::{self, StreamExt};

use super::client::{ApiClient, Request};
use super::facts::{
    parse_keys, parse_token_info, HuntFacts, NoExpiryTokens, PolicyToken, Probe, ProbeState,
    RootToken, TokenExample,
};
use super::{Phase, Progress};

/// Failure reasons kept as examples.
const MAX_FAILURE_EXAMPLES: usize = 5;

/// Runs the hunt. `scan_accessor` is the scan token's own accessor (flagged in the output).
pub(crate) async fn hunt(
    client: &ApiClient,
    concurrency: usize,
    max_examples: usize,
    scan_accessor: Option<&str>,
    progress: Option<&dyn Fn(Progress)>,
) -> Probe<HuntFacts> {
    let started = Instant::now();
    let list_req = match Request::list("auth/token/accessors") {
        Ok(r) => r,
        Err(e) => return Probe::error("auth/token/accessors", None, e.to_string()),
    };
    let listed = client.probe(&list_req).await.and_then(|v| parse_keys(&v));
    if !listed.is_ok() {
        return listed.same_outcome();
    }
    let status = listed.http_status.unwrap_or(200);
    let mut accessors = listed.data.unwrap_or_default();
    accessors.sort();
    accessors.dedup();
    let total = accessors.len();
    let concurrency = concurrency.clamp(1, super::options::MAX_HUNT_CONCURRENCY);

    let mut facts = HuntFacts {
        total_tokens: total,
        concurrency,
        ..HuntFacts::default()
    };
    let mut examples: BTreeSet<String> = BTreeSet::new();
    let mut no_expiry: Vec<TokenExample> = Vec::new();
    let mut periodic: Vec<TokenExample> = Vec::new();
    let mut permission_denied: Option<String> = None;
    let mut consecutive_transport_errors = 0usize;
    // A server that stopped answering would otherwise cost one timeout per accessor.
    let abort_after = (2 * concurrency).max(10);

    let mut lookups = stream::iter(accessors.into_iter().map(|acc| async move {
        let req = Request::lookup_accessor(&acc);
        let p = client.probe(&req).await;
        (acc, p)
    }))
    .buffer_unordered(concurrency);

    let mut done = 0usize;
    while let Some((acc, probe)) = lookups.next().await {
        done += 1;
        if let Some(cb) = progress {
            cb(Progress {
                phase: Phase::RootTokenHunt,
                done,
                total,
            });
        }
        let probe = probe.and_then(|v| parse_token_info(&v));
        match (probe.state, probe.data) {
            (ProbeState::Ok, Some(info)) => {
                consecutive_transport_errors = 0;
                facts.looked_up += 1;
                let accessor = info.accessor.clone().unwrap_or_else(|| acc.clone());
                if info.is_root {
                    facts.root_tokens.push(RootToken {
                        is_scan_token: scan_accessor == Some(accessor.as_str()),
                        accessor,
                        display_name: info.display_name,
                        creation_time: info.creation_time,
                        path: info.path,
                        policies: info.policies,
                        ttl: info.ttl,
                        expire_time: info.expire_time,
                        orphan: info.orphan,
                    });
                } else {
                    if info.policies.iter().any(|p| p != "default") {
                        facts.policy_tokens.push(PolicyToken {
                            is_scan_token: scan_accessor == Some(accessor.as_str()),
                            accessor: accessor.clone(),
                            display_name: info.display_name.clone(),
                            path: info.path.clone(),
                            policies: info.policies.clone(),
                            ttl: info.ttl,
                            expire_time: info.expire_time.clone(),
                            period: info.period,
                        });
                    }
                    let example = TokenExample {
                        accessor,
                        display_name: info.display_name,
                        path: info.path,
                    };
                    if info.no_expiry {
                        no_expiry.push(example);
                    } else if info.periodic_unbounded {
                        periodic.push(example);
                    }
                }
            }
            (state, _) => {
                facts.lookup_failures += 1;
                let reason = probe.reason.unwrap_or_else(|| "lookup failed".into());
                if state == ProbeState::Skip && probe.http_status == Some(403) {
                    permission_denied.get_or_insert(reason.clone());
                }
                if examples.len() < MAX_FAILURE_EXAMPLES {
                    examples.insert(reason);
                }
                if probe.http_status.is_none() {
                    consecutive_transport_errors += 1;
                    if consecutive_transport_errors >= abort_after {
                        facts.aborted = true;
                        break;
                    }
                } else {
                    consecutive_transport_errors = 0;
                }
            }
        }
    }
    drop(lookups);

    facts.failure_examples = examples.into_iter().collect();
    facts
        .root_tokens
        .sort_by(|a, b| (a.creation_time, &a.accessor).cmp(&(b.creation_time, &b.accessor)));
    facts
        .policy_tokens
        .sort_by(|a, b| a.accessor.cmp(&b.accessor));
    facts.no_expiry = examples_of(no_expiry, max_examples);
    facts.periodic_unbounded = examples_of(periodic, max_examples);
    facts.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);

    // Nothing answered: the hunt says nothing about root tokens, so it must not look ok.
    if total > 0 && facts.looked_up == 0 {
        let reason = facts.failure_examples.first().cloned().unwrap_or_default();
        return match permission_denied {
            Some(r) => Probe::skip("auth/token/accessors", Some(403), r),
            None => Probe::error(
                "auth/token/accessors",
                None,
                format!("every lookup-accessor request failed: {reason}"),
            ),
        };
    }
    if facts.aborted {
        let reason = facts.failure_examples.first().cloned().unwrap_or_default();
        return Probe::error(
            "auth/token/accessors",
            None,
            format!("root-token hunt aborted: the server stopped answering ({reason})"),
        );
    }
    Probe::ok("auth/token/accessors", status, facts)
}

fn examples_of(mut tokens: Vec<TokenExample>, max: usize) -> NoExpiryTokens {
    tokens.sort_by(|a, b| a.accessor.cmp(&b.accessor));
    NoExpiryTokens {
        count: tokens.len(),
        examples: tokens.into_iter().take(max).collect(),
    }
}
