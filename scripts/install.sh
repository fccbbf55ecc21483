#!/usr/bin/env bash
# Installs cache-registry-setup like a system tool:
#
#   scripts/install.sh [PREFIX]               default PREFIX /usr/local; DESTDIR=... is honoured for packaging
#   scripts/install.sh --uninstall [PREFIX]   removes exactly what an install put there
#
# It builds the optimised binary (scripts/build-release.sh; CACHE_REGISTRY_SETUP_BIN=PATH installs that binary
# instead) and installs it stripped to PREFIX/bin, the themes to PREFIX/share/cache-registry-setup/themes (where
# the program looks beside its binary), bash, zsh and fish completions, and the man page to PREFIX/share/man/man1.
# Every file and folder it creates is listed in PREFIX/share/cache-registry-setup/installed-files.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"

uninstall=0
prefix=/usr/local
for argument in "$@"; do
  case "$argument" in
    --uninstall) uninstall=1 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "install.sh: unknown option $argument (see --help)" >&2; exit 2 ;;
    *) prefix="$argument" ;;
  esac
done
case "$prefix" in /*) ;; *) echo "install.sh: PREFIX must be an absolute path, not $prefix" >&2; exit 2 ;; esac
root="${DESTDIR:-}${prefix%/}"
share="$root/share/cache-registry-setup"
record="$share/installed-files"

if [ "$uninstall" = 1 ]; then
  [ -f "$record" ] || { echo "install.sh: nothing to uninstall: $record does not exist" >&2; exit 1; }
  # Files first, then the folders the install created, deepest first, each only if it is empty now.
  mapfile -t installed < "$record"
  mapfile -t created < <(sort -r "$record.folders" 2>/dev/null || true)
  for path in "${installed[@]}"; do rm -f "${DESTDIR:-}$path"; done
  for folder in "${created[@]}"; do [ -n "$folder" ] && rmdir "${DESTDIR:-}$folder" 2>/dev/null || true; done
  echo "uninstalled cache-registry-setup from ${prefix}"
  exit 0
fi

binary="${CACHE_REGISTRY_SETUP_BIN:-}"
if [ -z "$binary" ]; then binary="$("$repo/scripts/build-release.sh")"; fi
[ -x "$binary" ] || { echo "install.sh: $binary is not an executable" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
files=()
folders=()

make_folder() {  # creates a folder and its missing parents, remembering which it created
  local folder="$1" missing=()
  while [ ! -d "$folder" ]; do missing+=("$folder"); folder="$(dirname "$folder")"; done
  local index
  for ((index = ${#missing[@]} - 1; index >= 0; index--)); do
    mkdir "${missing[index]}"
    folders+=("${missing[index]#"${DESTDIR:-}"}/")
  done
}

put() {  # put MODE SOURCE TARGET
  make_folder "$(dirname "$3")"
  install -m "$1" "$2" "$3"
  files+=("${3#"${DESTDIR:-}"}")
}

put 0755 "$binary" "$root/bin/cache-registry-setup"
strip --strip-all "$root/bin/cache-registry-setup" 2>/dev/null || echo "install.sh: strip failed; the binary is installed unstripped" >&2

for theme in "$repo"/themes/*.theme; do put 0644 "$theme" "$share/themes/$(basename "$theme")"; done

"$binary" --generate-completion-script bash > "$work/bash"
"$binary" --generate-completion-script zsh > "$work/zsh"
"$binary" --generate-completion-script fish > "$work/fish"
put 0644 "$work/bash" "$root/share/bash-completion/completions/cache-registry-setup"
put 0644 "$work/zsh" "$root/share/zsh/site-functions/_cache-registry-setup"
put 0644 "$work/fish" "$root/share/fish/vendor_completions.d/cache-registry-setup.fish"

"$repo/scripts/man-page.sh" "$binary" > "$work/man"
put 0644 "$work/man" "$root/share/man/man1/cache-registry-setup.1"

make_folder "$share"
files+=("${record#"${DESTDIR:-}"}")
printf '%s\n' "${files[@]}" > "$record"
printf '%s\n' "${folders[@]}" > "$record.folders"
files+=("${record#"${DESTDIR:-}"}.folders")
printf '%s\n' "${files[@]}" > "$record"
echo "installed cache-registry-setup into ${DESTDIR:-}${prefix}: bin/cache-registry-setup, themes, completions (bash, zsh, fish), man page"
