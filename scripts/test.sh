#!/usr/bin/env bash
# The whole test suite, on a fresh machine: fetches what the tests need (the pinned OpenBao
# server binaries, 2.7.2 and, for the mixed-version cluster, 2.7.1; chromium, promtool,
# systemd-analyze, and pinned Python tools for the report and contrib tests:
# scripts/test-tools.sh), then runs every test. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

VAULTSEC_BAO=$(bash scripts/fetch-bao.sh)
VAULTSEC_BAO_OLD=$(bash scripts/fetch-bao.sh 2.7.1)
export VAULTSEC_BAO VAULTSEC_BAO_OLD
tools=$(bash scripts/test-tools.sh)
while IFS='=' read -r key value; do
  export "$key=$value"
done <<<"$tools"

cargo test --locked --all-targets "$@"
