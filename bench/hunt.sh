#!/usr/bin/env bash
# Root-token hunt over N live tokens (default 2000) on a real OpenBao dev server (loopback).
# Times whole processes, the median of RUNS:
#   - vaultsec scan --select api.root-tokens (client setup, list, N lookups, report)
#   - (b) a sequential loop over one kept-alive HTTP connection (examples/hunt_bench.rs)
#   - (a) the loop operators write today, `bao token lookup -accessor` per token, timed on
#     SAMPLE tokens and extrapolated to N
# Usage: bench/hunt.sh        (env: N=2000 SAMPLE=40 RUNS=5 CONCURRENCY=8)
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-2000}
SAMPLE=${SAMPLE:-40}
RUNS=${RUNS:-5}
CONCURRENCY=${CONCURRENCY:-8}
target=${CARGO_TARGET_DIR:-target}

bao=$(bash scripts/fetch-bao.sh)
cargo build --quiet --release --bin vaultsec --example hunt_bench
vaultsec="$target/release/vaultsec"
bench="$target/release/examples/hunt_bench"

tmp=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
root="bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
HOME="$tmp" "$bao" server -dev -dev-root-token-id="$root" -dev-listen-address="127.0.0.1:$port" \
  >"$tmp/server.log" 2>&1 &
server_pid=$!
cleanup() { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

export VAULT_ADDR="http://127.0.0.1:$port" VAULT_TOKEN="$root"
for _ in $(seq 1 100); do
  curl -fs "$VAULT_ADDR/v1/sys/health" >/dev/null 2>&1 && break
  sleep 0.1
done
"$bench" populate "$N"
printf '%s' "$root" >"$tmp/token"
unset VAULT_TOKEN # vaultsec reads the token from a file, never argv

TIMEFORMAT=%R
median() { sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"; }
measure() { # label, command...
  local label=$1; shift
  local times=()
  for _ in $(seq 1 "$RUNS"); do
    t=$( { time "$@" >"$tmp/out" 2>"$tmp/err"; } 2>&1 ) || true
    times+=("$t")
  done
  printf '%-44s %s s   (runs: %s)\n' "$label" "$(printf '%s\n' "${times[@]}" | median)" "${times[*]}"
}

echo "== $((N + 1)) live tokens, OpenBao $("$bao" version | awk '{print $2}') dev server, $(nproc) cores shared with the server"
measure "vaultsec scan --select api.root-tokens" \
  "$vaultsec" scan --no-host --no-config --select api.root-tokens --set "api.root-tokens.concurrency=$CONCURRENCY" \
  --addr "$VAULT_ADDR" --token-file "$tmp/token" --format json
python3 - "$tmp/out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("   findings:", [(f["status"], f["subject"]) for f in r["findings"]][:3], "...")
PY
measure "(b) sequential, one kept-alive connection" env VAULT_TOKEN="$root" "$bench" sequential

accessors=$(BAO_ADDR="$VAULT_ADDR" BAO_TOKEN="$root" HOME="$tmp" "$bao" list -format=json auth/token/accessors \
  | python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)[:'"$SAMPLE"']))')
start=$(date +%s.%N)
for a in $accessors; do
  BAO_ADDR="$VAULT_ADDR" BAO_TOKEN="$root" HOME="$tmp" "$bao" token lookup -accessor "$a" >/dev/null
done
end=$(date +%s.%N)
python3 - "$start" "$end" "$SAMPLE" "$N" <<'PY'
import sys
s, e, k, n = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
per = (e - s) / k
print(f"{'(a) bao token lookup -accessor loop':<44} {per*1000:.0f} ms/token -> ~{per*(n+1):.0f} s for {n+1} tokens (sample of {k})")
PY
