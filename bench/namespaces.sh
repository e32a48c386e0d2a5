#!/usr/bin/env bash
# The namespace walk on a real OpenBao dev server (loopback): TOP namespaces with CHILDREN each
# (TOP * (1 + CHILDREN) in all), each with the default policy. Times whole processes, the
# median of RUNS, of the per-namespace rules (every namespace walked and read) against the
# root-only ones (no walk needed, but the collector walks anyway: the difference is the rules).
# Prints the walk's own wall time from `vaultsec facts`.
# Usage: bench/namespaces.sh   (env: TOP=50 CHILDREN=3 RUNS=5; VAULTSEC=path to a built binary)
set -euo pipefail
cd "$(dirname "$0")/.."

TOP=${TOP:-50}
CHILDREN=${CHILDREN:-3}
RUNS=${RUNS:-5}
target=${CARGO_TARGET_DIR:-target}

bao=$(bash scripts/fetch-bao.sh)
if [ -z "${VAULTSEC:-}" ]; then
  cargo build --quiet --release --bin vaultsec
  VAULTSEC="$target/release/vaultsec"
fi

tmp=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
root="bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
HOME="$tmp" "$bao" server -dev -dev-root-token-id="$root" -dev-listen-address="127.0.0.1:$port" \
  >"$tmp/server.log" 2>&1 &
server_pid=$!
cleanup() { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

addr="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  curl -fs "$addr/v1/sys/health" >/dev/null 2>&1 && break
  sleep 0.1
done
for i in $(seq 1 "$TOP"); do
  curl -fs -o /dev/null -H "X-Vault-Token: $root" -X POST "$addr/v1/sys/namespaces/t$i"
  for j in $(seq 1 "$CHILDREN"); do
    curl -fs -o /dev/null -H "X-Vault-Token: $root" -X POST "$addr/v1/t$i/sys/namespaces/c$j"
  done
done
printf '%s' "$root" >"$tmp/token"

TIMEFORMAT=%R
median() { sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"; }
measure() { # label, command...
  local label=$1; shift
  local times=()
  for _ in $(seq 1 "$RUNS"); do
    t=$( { time "$@" >"$tmp/out" 2>"$tmp/err"; } 2>&1 ) || true
    times+=("$t")
  done
  printf '%-52s %s s   (runs: %s)\n' "$label" "$(printf '%s\n' "${times[@]}" | median)" "${times[*]}"
}

scan=("$VAULTSEC" scan -q --no-host --no-config --profile strict --addr "$addr" --token-file "$tmp/token" --format json)
echo "== $((TOP * (1 + CHILDREN))) namespaces below the root, OpenBao $("$bao" version | awk '{print $2}') dev server, $(nproc) cores shared with the server"
measure "per-namespace rules (policy, lockout, kv, tokens)" "${scan[@]}" \
  --select api.policy-overbroad,api.user-lockout-disabled,api.kv-v1,api.root-tokens,api.tokens-no-expiry
python3 - "$tmp/out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("   findings:", len(r["findings"]), r["summary"])
PY
measure "root-only rules (audit, cors, raft)" "${scan[@]}" \
  --select api.audit-disabled,api.cors-wildcard,api.raft-quorum
"$VAULTSEC" facts --no-host --no-config --addr "$addr" --token-file "$tmp/token" >"$tmp/facts"
python3 - "$tmp/facts" <<'PY'
import json, sys
w = json.load(open(sys.argv[1]))["api"]["namespaces"]
print(f"   walk: {len(w['namespaces'])} namespaces in {w['elapsed_ms']} ms")
PY
