#!/usr/bin/env bash
# Starts the wizard (built-in defaults when no arguments are given). Installs the ncurses and
# OpenSSL development files when they are missing (the terminal interface; doctor's TLS checks),
# builds, and runs.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! pkg-config --exists ncursesw 2>/dev/null || ! pkg-config --exists openssl 2>/dev/null; then
  echo "installing libncurses-dev and libssl-dev (needed to build the terminal interface and doctor)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libncurses-dev libssl-dev pkg-config >/dev/null
fi
bin="$(./scripts/build-release.sh)"
cd "${OLDPWD:-.}"
exec "$bin" "$@"
