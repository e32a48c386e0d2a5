#!/usr/bin/env bash
# The whole test suite, on a fresh machine: fetches what the tests need (the pinned OpenBao
# server binary), then runs every test. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

VAULTSEC_BAO=$(bash scripts/fetch-bao.sh)
export VAULTSEC_BAO

cargo test --locked --all-targets "$@"
