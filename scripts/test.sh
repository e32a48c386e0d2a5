#!/usr/bin/env bash
# The whole test suite, on a fresh machine: fetches what the tests need (the pinned OpenBao
# server binary; chromium, promtool, systemd-analyze, and pinned Python tools for the report
# and contrib tests: scripts/test-tools.sh), then runs every test. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

VAULTSEC_BAO=$(bash scripts/fetch-bao.sh)
export VAULTSEC_BAO
tools=$(bash scripts/test-tools.sh)
while IFS='=' read -r key value; do
  export "$key=$value"
done <<<"$tools"

cargo test --locked --all-targets "$@"
