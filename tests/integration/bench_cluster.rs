//! The `--cluster` benchmark (run by bench/cluster.sh, ignored in the test suite): a full
//! `vaultsec scan --cluster` of a real 3-node OpenBao TLS cluster, as a whole process.

use crate::testkit::TlsCluster;
use std::time::{Duration, Instant};

#[test]
#[ignore = "benchmark: run by bench/cluster.sh"]
fn cluster_scan_benchmark() {
    let bin = std::env::var("VAULTSEC_BENCH_BIN")
        .expect("VAULTSEC_BENCH_BIN: the vaultsec binary to time (bench/cluster.sh sets it)");
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(7);
    let started = Instant::now();
    let c = TlsCluster::start().expect("3-node TLS cluster");
    println!("cluster up in {:?}", started.elapsed());
    let dir = tempfile::tempdir().expect("tmp");
    let tok = dir.path().join("token");
    std::fs::write(&tok, &c.root_token).expect("token file");
    let mut times: Vec<Duration> = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let out = std::process::Command::new(&bin)
            .env("HOME", dir.path())
            .args([
                "scan",
                "--no-host",
                "--no-config",
                "--profile",
                "strict",
                "--cluster",
            ])
            .arg("--ca-cert")
            .arg(&c.ca_cert)
            .arg("--token-file")
            .arg(&tok)
            .args(["--addr", &c.nodes[0].addr, "--format", "json"])
            .output()
            .expect("run vaultsec");
        times.push(t.elapsed());
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
        assert_eq!(report["sources"]["api"], "available");
        let per_node = report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["rule"] == "api.uninitialized-or-sealed")
            .count();
        assert_eq!(per_node, 3, "one finding per node");
    }
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "vaultsec scan --cluster (3-node TLS cluster, whole process): median {median:?}, min {:?}, max {:?} over {runs} runs",
        times[0],
        times[times.len() - 1]
    );
}

/// `--cluster` cost against the number of nodes `sys/ha-status` lists (run by
/// bench/cluster-nodes.sh): a mock active node on loopback lists NODES (default
/// 300,1000,3000) nodes, each served by the same mock under its own path.
#[test]
#[ignore = "benchmark: run by bench/cluster-nodes.sh"]
fn cluster_nodes_benchmark() {
    let bin = std::env::var("VAULTSEC_BENCH_BIN")
        .expect("VAULTSEC_BENCH_BIN: the vaultsec binary to time (bench/cluster-nodes.sh sets it)");
    let sizes: Vec<usize> = std::env::var("NODES")
        .unwrap_or_else(|_| "300,1000,3000".into())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    let dir = tempfile::tempdir().expect("tmp");
    let tok = dir.path().join("token");
    std::fs::write(&tok, "s.BenchToken0123456789abcd").expect("token file");
    for n in sizes {
        let (mock, _) = crate::collector_faults::many_node_cluster(n, Duration::ZERO);
        let t = Instant::now();
        let out = std::process::Command::new(&bin)
            .env("HOME", dir.path())
            .args([
                "scan",
                "--no-host",
                "--no-config",
                "--profile",
                "strict",
                "--cluster",
            ])
            .arg("--token-file")
            .arg(&tok)
            .args(["--addr", &mock.url(), "--format", "json"])
            .output()
            .expect("run vaultsec");
        let took = t.elapsed();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
        let per_node = report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["rule"] == "api.uninitialized-or-sealed")
            .count();
        assert_eq!(per_node, n, "one finding per node");
        println!("vaultsec scan --cluster over {n} nodes (mock, whole process): {took:?}");
    }
}
