#!/usr/bin/env bash
# Benchmark (issue: "The host source"): a whole-node scan (config + host) of a node with a
# running server, side by side with the config-only scan of the same config. Goal: within a
# few milliseconds of each other.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
vaultsec=$PWD/target/release/vaultsec
bao=$(bash scripts/fetch-bao.sh)
command -v hyperfine >/dev/null || apt-get install -y -q hyperfine >/dev/null

dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$dir/server.hcl" <<HCL
storage "inmem" {}
listener "tcp" {
  address     = "127.0.0.1:$port"
  tls_disable = true
}
disable_mlock = true
HCL
"$bao" server -config="$dir/server.hcl" >"$dir/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done

echo "server pid $pid on 127.0.0.1:$port"
"$vaultsec" facts --no-api | python3 -c 'import json,sys; d=json.load(sys.stdin); print("scan judges pid", d["host"]["effective"]["pid"], "- config", d["config"]["files"])'
hyperfine -N --warmup 5 --min-runs 50 --ignore-failure \
  -n "config only (--no-host -c)" "$vaultsec scan --no-api --no-host -c $dir/server.hcl --format json" \
  -n "whole node (flagless, finds the process)" "$vaultsec scan --no-api --format json"
