#!/usr/bin/env bash
# Builds the Kubernetes control-plane binaries from the Go module proxy and caches them by version.
# Usage: hack/controlplane.sh [envtest|all]   (envtest: etcd + kube-apiserver; all: + controller-manager, scheduler,
# kwok, and kubectl for the e2e tests that run it as users do)
# Prints the cache folder on stdout. Skips every binary that already exists, so a warm run costs nothing.
set -euo pipefail

K8S_VERSION=v1.37.2
ETCD_VERSION=v3.7.3
KWOK_VERSION=v0.8.0
what=${1:-envtest}
here=$(cd "$(dirname "$0")" && pwd)
cache=${ORCA_CACHE:-$HOME/.cache/orca}
dir="$cache/controlplane/k8s-$K8S_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION"
mkdir -p "$dir"
# One build at a time per cache folder: parallel test runs (or a test and make) must not race on the same files.
exec 9>"$dir/.lock"
flock 9

stamp() {
  local pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    printf -- '-X %s.gitVersion=%s -X %s.gitMajor=1 -X %s.gitMinor=37 ' "$pkg" "$K8S_VERSION" "$pkg" "$pkg"
  done
}

build() { # name package
  local name=$1 pkg=$2
  if [ -x "$dir/$name" ]; then return 0; fi
  echo "building $name (one time, cached in $dir)" >&2
  (cd "$here/controlplane" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "-s -w $(stamp)" \
    -o "$dir/$name.tmp" "$pkg")
  mv "$dir/$name.tmp" "$dir/$name"
}

build etcd ./etcd
build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver
if [ "$what" = all ]; then
  build kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager
  build kube-scheduler k8s.io/kubernetes/cmd/kube-scheduler
  build kubectl k8s.io/kubernetes/cmd/kubectl
  if [ ! -x "$dir/kwok" ]; then
    echo "building kwok $KWOK_VERSION (one time)" >&2
    GOBIN="$dir/.kwok" GOFLAGS= CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
    mv "$dir/.kwok/kwok" "$dir/kwok" && rmdir "$dir/.kwok"
  fi
fi
echo "$dir"
