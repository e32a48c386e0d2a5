//! The failing cluster scenarios on a real cluster of its own (the shared one must stay
//! healthy): three TLS raft nodes, the third running the older pinned OpenBao, as in the
//! middle of a rolling upgrade. One test, in order, because each step builds on the last:
//! (a) the versions differ, (b) a standby is sealed, (c) after unsealing it, a standby dies.

use crate::api_rules::{args, normalise, scan, with, Run, API_ONLY};
use crate::testkit::{Admin, TlsCluster, BAO_OLD_VERSION, BAO_VERSION};
use serde_json::Value;
use std::time::{Duration, Instant};

/// Autopilot's view, `.data` of `sys/storage/raft/autopilot/state` (Null while it does not
/// answer, so polling rides out a slow moment; the assertions then show the Null).
fn autopilot(active: &Admin) -> Value {
    match active.call("GET", "sys/storage/raft/autopilot/state", None) {
        Ok((200, v)) => v["data"].clone(),
        _ => Value::Null,
    }
}

/// Indices of the nodes answering `sys/health` with `code` (200 active, 429 standby).
fn nodes_with_health(c: &TlsCluster, code: u16) -> Vec<usize> {
    (0..c.nodes.len())
        .filter(|&i| {
            Admin::new(&c.nodes[i].addr, Some(&c.ca_cert), None)
                .expect("admin")
                .health_status()
                == Some(code)
        })
        .collect()
}

/// `vaultsec scan --cluster` through the active node, API rules only.
fn scan_cluster(c: &TlsCluster, active: usize, select: &str) -> Run {
    let ca = c.ca_cert.display().to_string();
    scan(
        &c.nodes[active].addr,
        Some(&c.root_token),
        &args(&with(
            API_ONLY,
            &["--cluster", "--ca-cert", &ca, "--select", select],
        )),
    )
}

#[test]
fn mixed_version_cluster_with_a_sealed_then_a_stopped_standby() {
    let started = Instant::now();
    let mut c = TlsCluster::start_mixed().expect("mixed-version TLS cluster");
    eprintln!("mixed-version cluster up in {:?}", started.elapsed());
    let active = c.node_with_health(200).expect("an active node");
    let root = c.admin(active).expect("admin");

    // Raft across the two patch versions: three healthy voters, each reporting its version.
    let ap = autopilot(&root);
    assert_eq!(ap["healthy"], true, "{ap:#}");
    let versions: Vec<(&str, &str)> = ["n1", "n2", "n3"]
        .iter()
        .map(|n| (*n, ap["servers"][n]["version"].as_str().unwrap_or("?")))
        .collect();
    assert_eq!(
        versions,
        vec![
            ("n1", BAO_VERSION),
            ("n2", BAO_VERSION),
            ("n3", BAO_OLD_VERSION)
        ]
    );

    // (a) Version skew, with every node asked in cluster mode.
    let run = scan_cluster(&c, active, "api.version-skew,api.uninitialized-or-sealed");
    assert_eq!(run.report["sources"]["api"], "available", "{}", run.stderr);
    run.expect("api.version-skew", "fail");
    // Nodes come sorted by address, and start_mixed gives the old node the last address.
    let a = |i: usize| c.nodes[i].addr.as_str();
    assert_eq!(
        run.of("api.version-skew")[0].2,
        format!(
            "nodes report different versions: {} {BAO_VERSION}, {} {BAO_VERSION}, {} {BAO_OLD_VERSION}",
            a(0),
            a(1),
            a(2)
        )
    );
    assert_eq!(run.of("api.uninitialized-or-sealed").len(), 3);
    run.expect("api.uninitialized-or-sealed", "pass");
    insta::assert_json_snapshot!(
        "api.version-skew__cluster_fail",
        run.snapshot("api.version-skew")
    );
    // Without --cluster the versions come from sys/ha-status alone: same verdict.
    let ca = c.ca_cert.display().to_string();
    let run = scan(
        &c.nodes[active].addr,
        Some(&c.root_token),
        &args(&with(
            API_ONLY,
            &["--ca-cert", &ca, "--select", "api.version-skew"],
        )),
    );
    run.expect("api.version-skew", "fail");
    let m = &run.of("api.version-skew")[0].2;
    assert!(
        m.contains(&format!("{} {BAO_OLD_VERSION}", a(2)))
            && m.contains(&format!("{} {BAO_VERSION}", a(active))),
        "{m}"
    );

    // (b) Seal a standby (the old node unless leadership moved to it) with PUT sys/seal on
    // that node: OpenBao seals the standby itself (204), the others stay up. (This needs the
    // standby's read-only setup to succeed: see TlsCluster::start_mixed on audit devices.)
    let standbys = nodes_with_health(&c, 429);
    let sealed = if standbys.contains(&2) {
        2
    } else {
        *standbys.first().expect("a standby node")
    };
    let sealed_admin = c.admin(sealed).expect("admin");
    if let Err(e) = sealed_admin.seal() {
        panic!(
            "PUT sys/seal on a standby: {e}\n{}",
            c.nodes[sealed].log_tail()
        );
    }
    let sealed_addr = c.nodes[sealed].addr.clone();
    assert_eq!(
        sealed_admin.health_status(),
        Some(503),
        "sealed node health"
    );
    // Right away: a sealed standby stops echoing to the active node and leaves sys/ha-status
    // (the discovery of --cluster) about 15 s after its last echo.
    let run = scan_cluster(&c, active, "api.uninitialized-or-sealed");
    let found = run.of("api.uninitialized-or-sealed");
    assert_eq!(
        found.len(),
        3,
        "one finding per node (the sealed node must still be in sys/ha-status): {found:#?}"
    );
    for (status, subject, message) in &found {
        if *subject == format!("node {sealed_addr}") {
            assert_eq!(status, "fail");
            assert_eq!(
                *message,
                format!("{sealed_addr} is sealed: it serves no request")
            );
        } else {
            assert_eq!(status, "pass", "{subject}: {message}");
        }
    }
    assert_eq!(run.code, Some(1), "a critical failure: {}", run.stderr);
    insta::assert_json_snapshot!(
        "api.uninitialized-or-sealed__cluster_fail",
        run.snapshot("api.uninitialized-or-sealed")
    );

    // Unseal it again and let autopilot see three healthy voters before (c).
    sealed_admin
        .submit_unseal_keys(&c.unseal_keys)
        .expect("unseal the standby");
    root.wait_until(
        "autopilot healthy again after the unseal",
        Duration::from_secs(60),
        |r| autopilot(r)["healthy"] == true,
    )
    .expect("the unsealed standby rejoins");

    // (c) Kill a standby; autopilot marks it unhealthy once its last contact passes the
    // threshold (node_status stays "alive").
    let active = c.node_with_health(200).expect("an active node");
    let root = c.admin(active).expect("admin");
    let stopped = *nodes_with_health(&c, 429).last().expect("a standby node");
    let stopped_name = c.nodes[stopped].name.clone();
    c.nodes[stopped].kill().expect("kill a standby");
    let killed_at = Instant::now();
    root.wait_until(
        "autopilot reports healthy: false",
        Duration::from_secs(60),
        |r| autopilot(r)["healthy"] == false,
    )
    .expect("autopilot notices the stopped standby");
    let ap = autopilot(&root);
    eprintln!(
        "autopilot unhealthy {:?} after the kill; {stopped_name}: {}",
        killed_at.elapsed(),
        ap["servers"][&stopped_name]
    );
    assert_eq!(ap["servers"][&stopped_name]["healthy"], false, "{ap:#}");

    let run = scan_cluster(&c, active, "api.raft-quorum");
    run.expect("api.raft-quorum", "fail");
    assert_eq!(
        run.of("api.raft-quorum")[0].2,
        format!("autopilot reports the cluster unhealthy (failure tolerance 0; unhealthy: {stopped_name})")
    );
    let leader = c.nodes[active].name.clone();
    insta::assert_json_snapshot!(
        "api.raft-quorum__unhealthy_fail",
        by_role(&run.snapshot("api.raft-quorum"), &leader, &stopped_name)
    );
    eprintln!("mixed-version cluster test: {:?}", started.elapsed());
}

/// Node ids replaced by their role (which node leads and which was stopped may vary under
/// load), servers re-sorted by it so the snapshot is stable.
fn by_role(findings: &Value, leader: &str, stopped: &str) -> Value {
    let text = findings.to_string();
    let text = regex::Regex::new(r"\bn[1-3]\b")
        .expect("valid regex")
        .replace_all(&text, |m: &regex::Captures| match &m[0] {
            n if n == leader => "[leader]".to_string(),
            n if n == stopped => "[stopped]".to_string(),
            _ => "[standby]".to_string(),
        })
        .into_owned();
    let mut v: Value = serde_json::from_str(&text).expect("json");
    for f in v.as_array_mut().into_iter().flatten() {
        if let Some(servers) = f["evidence"]["servers"].as_array_mut() {
            servers.sort_by_key(|s| s["node_id"].to_string());
        }
    }
    normalise(&v)
}
