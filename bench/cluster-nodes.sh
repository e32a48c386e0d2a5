#!/usr/bin/env bash
# `vaultsec scan --cluster` against a mock active node whose sys/ha-status lists many nodes
# (loopback, one port): the cost must grow linearly with the nodes, with bounded concurrency.
# Usage: bench/cluster-nodes.sh      (env: NODES=300,1000,3000)
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
cargo build --quiet --release --bin vaultsec
VAULTSEC_BENCH_BIN=$(cd "$target/release" && pwd)/vaultsec
export VAULTSEC_BENCH_BIN
cargo test --quiet --test integration cluster_nodes_benchmark -- --ignored --nocapture 2>&1 \
  | grep -E "vaultsec scan --cluster|panicked|FAILED" || true
