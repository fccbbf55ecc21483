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
pkg-config --exists ncursesw 2>/dev/null || need_apt+=(libncurses-dev pkg-config)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing: ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
python3 - <<'PY' || pip install -q kubernetes-validate pyte yamllint jsonschema pytest pyyaml cryptography
import importlib.util, sys
missing = [m for m in ("kubernetes_validate", "pyte", "yamllint", "jsonschema", "pytest", "yaml", "cryptography") if importlib.util.find_spec(m) is None]
sys.exit(1 if missing else 0)
PY

swift build
swift test
bin="$(swift build --show-bin-path)/cache-registry-setup"
CACHE_REGISTRY_SETUP_BIN="$bin" python3 -m pytest -q tests/e2e "$@"
