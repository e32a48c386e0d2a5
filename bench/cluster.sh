#!/usr/bin/env bash
# A full `vaultsec scan --cluster` of a real 3-node OpenBao raft cluster with TLS (loopback,
# certificates generated at start), timed as a whole process. Goal: under a second.
# The testkit of the integration tests starts the cluster; the scan is the release binary.
# Usage: bench/cluster.sh      (env: RUNS=7)
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
VAULTSEC_BAO=$(bash scripts/fetch-bao.sh)
export VAULTSEC_BAO
cargo build --quiet --release --bin vaultsec
VAULTSEC_BENCH_BIN=$(cd "$target/release" && pwd)/vaultsec
export VAULTSEC_BENCH_BIN
cargo test --quiet --test integration bench_cluster -- --ignored --nocapture 2>&1 \
  | grep -E "cluster up|vaultsec scan --cluster|panicked|FAILED" || true
