#!/usr/bin/env bash
# Prints the man page (roff) of cache-registry-setup, made from the program's own --help texts so it never
# drifts from them: scripts/man-page.sh BINARY > cache-registry-setup.1
set -euo pipefail
binary="$1"
version="$("$binary" --version 2>/dev/null || echo "")"
escape() { sed -e 's/\\/\\e/g' -e 's/^\./\\\&./' -e "s/^'/\\\\\&'/"; }
cat <<ROFF
.TH CACHE-REGISTRY-SETUP 1 "" "cache-registry-setup ${version}" "User Commands"
.SH NAME
cache-registry-setup \- set up the Cache Registry of the Kubiya Tool Manager chart
.SH SYNOPSIS
.B cache-registry-setup
[\fIoptions\fR]
.br
.B cache-registry-setup
\fIcommand\fR [\fIoptions\fR]
.SH DESCRIPTION
A terminal wizard and headless commands for the cache registry (a registry:2 Docker registry in Kubernetes):
a guided first-time setup, editing an existing values.yaml with the smallest diff, and exporting manifests
for CI. Every values file means the chart's defaults with the file merged over them, as Helm reads it.
ROFF
echo ".SH OVERVIEW"
echo ".nf"
"$binary" --help | escape
echo ".fi"
for command in setup edit export validate set schema "tls inspect" "tls generate"; do
  echo ".SH COMMAND: ${command^^}"
  echo ".nf"
  # shellcheck disable=SC2086
  "$binary" $command --help | escape
  echo ".fi"
done
cat <<'ROFF'
.SH EXIT STATUS
0 success; 1 the configuration has errors (or warnings with validate --strict); 2 usage, file or terminal
problems. The wizard exits 0 from its last screen or when nothing changed, 1 when unsaved changes are
discarded, and 128+N on signal N.
.SH ENVIRONMENT
.TP
.B CACHE_REGISTRY_SETUP_THEME
The theme to use (default, light, high-contrast, mono, or a theme file).
.TP
.B CACHE_REGISTRY_SETUP_THEMES
A folder of theme files, searched first.
.TP
.B NO_COLOR
When non-empty, no colour (the mono theme).
.SH FILES
.TP
.I PREFIX/share/cache-registry-setup/themes
The installed themes.
.TP
.I values-tls.yaml
The registry's TLS pair for Helm (mode 0600), written beside values.yaml when the pair is generated or imported.
.TP
.I manifests/trust/
ca.crt, containerd and Docker certs.d files that make nodes trust the registry's certificate.
.SH SEE ALSO
.BR helm (1),
.BR kubectl (1)
ROFF
