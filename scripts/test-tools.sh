#!/usr/bin/env bash
# Installs the third-party tools the report-format and contrib tests check our output with,
# and prints where they are as KEY=VALUE lines (scripts/test.sh evals them; the tests run this
# script themselves when the variables are missing):
#   - Debian: chromium (the HTML report in a real browser), prometheus (promtool, the
#     exposition-format parser and linter node_exporter's format comes from), systemd
#     (systemd-analyze verify for the contrib units)
#   - PyPI, pinned, in .tools/venv: prometheus-client (a second exposition parser, to read
#     label values back), PyYAML (the Kubernetes manifest), ansible-core (the playbook).
# Nothing is skipped: a tool that cannot be installed makes this script, and so the tests, fail.
set -euo pipefail

ANSIBLE_CORE=2.19.14
PROMETHEUS_CLIENT=0.26.0
PYYAML=6.0.3

top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$top/.tools"
# Tests may call this concurrently: one installer at a time.
exec 9>"$top/.tools/test-tools.lock"
flock 9

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v promtool >/dev/null 2>&1 || need_apt+=(prometheus)
command -v systemd-analyze >/dev/null 2>&1 || need_apt+=(systemd)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "test-tools: need ${need_apt[*]} (Debian packages) and am not root to install them" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends "${need_apt[@]}" >&2; then
    apt-get update >&2
    apt-get install -y --no-install-recommends "${need_apt[@]}" >&2
  fi
fi

venv="$top/.tools/venv"
stamp="$venv/.pins-ansible-core-$ANSIBLE_CORE-prometheus-client-$PROMETHEUS_CLIENT-pyyaml-$PYYAML"
if [ ! -f "$stamp" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "ansible-core==$ANSIBLE_CORE" "prometheus-client==$PROMETHEUS_CLIENT" "PyYAML==$PYYAML" >&2
  touch "$stamp"
fi

echo "VAULTSEC_CHROMIUM=$(command -v chromium)"
echo "VAULTSEC_PROMTOOL=$(command -v promtool)"
echo "VAULTSEC_SYSTEMD_ANALYZE=$(command -v systemd-analyze)"
echo "VAULTSEC_PYTHON=$venv/bin/python"
echo "VAULTSEC_ANSIBLE_PLAYBOOK=$venv/bin/ansible-playbook"
