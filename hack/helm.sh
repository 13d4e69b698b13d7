#!/usr/bin/env bash
# Installs helm 3 and helm 4 from the Go module proxy once, cached by version under $ORCA_CACHE/tools, for the
# chart tests (test/helm). Prints nothing when warm.
set -euo pipefail
cache=${ORCA_CACHE:-$HOME/.cache/orca}
install() { # major version
  local major=$1 version=$2 dir="$cache/tools/helm-$2"
  [ -x "$dir/helm" ] && return 0
  echo "building helm $version (one time, cached in $dir)" >&2
  mkdir -p "$dir"
  GOBIN="$dir" GOFLAGS= go install "helm.sh/helm/$major/cmd/helm@$version"
}
install v3 "${HELM3_VERSION:-v3.22.0}"
install v4 "${HELM4_VERSION:-v4.3.1}"
