#!/usr/bin/env bash
# Benchmark (issue: "The rule engine, the config source and the CI gate"): a config-only scan
# of one typical config, as a whole process, side by side with OpenBao's own
# `bao operator validate-config` on the same file. Reports mean wall time (hyperfine) and
# peak resident memory (GNU time). Goal: at most 1/8 of validate-config's time, at most 20 MiB.
#
# Usage: bench/config-scan.sh [CONFIG]      (default: bench/typical-vault.hcl)
set -euo pipefail
cd "$(dirname "$0")/.."
config=${1:-bench/typical-vault.hcl}

cargo build --release --quiet
vaultsec=target/release/vaultsec
bao=$(bash scripts/fetch-bao.sh)
if ! command -v hyperfine >/dev/null; then
  echo "installing hyperfine (Debian package)" >&2
  apt-get install -y -q hyperfine >/dev/null
fi

scan=("$vaultsec" scan --no-host --no-api -c "$config" --format json --fail-on never)
validate=("$bao" operator validate-config "-config=$config")

echo "== wall time (hyperfine, 5 warm-up runs)"
hyperfine --warmup 5 --min-runs 30 -N --ignore-failure \
  --export-json /tmp/vaultsec-bench.json \
  -n "vaultsec scan (config only)" "${scan[*]}" \
  -n "bao operator validate-config" "${validate[*]}"

peak_kib() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
echo
echo "== peak resident memory"
printf '%-32s %6s MiB\n' "vaultsec scan (config only)" "$(awk -v k="$(peak_kib "${scan[@]}")" 'BEGIN{printf "%.1f", k/1024}')"
printf '%-32s %6s MiB\n' "bao operator validate-config" "$(awk -v k="$(peak_kib "${validate[@]}")" 'BEGIN{printf "%.1f", k/1024}')"

python3 - <<'PY'
import json
r = json.load(open("/tmp/vaultsec-bench.json"))["results"]
a, b = r[0]["mean"], r[1]["mean"]
print(f"\nratio: vaultsec takes {a/b:.3f} of validate-config's wall time (goal <= 0.125)")
PY
