#!/usr/bin/env bash
# Regenerates deepcopy code, CRDs and RBAC and fails if that changed anything: generated files must be committed.
set -euo pipefail
files() {
  { find api config/crd config/rbac -type f \( -name 'zz_generated*.go' -o -name '*.yaml' \)
    find charts/orca-crds/templates -name '*.yaml'
    echo docs/api-reference.md charts/orca/templates/clusterrole.yaml charts/orca-cluster/values.schema.json | tr ' ' '\n'
  } | sort
}
before=$(files | xargs sha256sum)
make --no-print-directory generate manifests >/dev/null
after=$(files | xargs sha256sum)
if [ "$before" != "$after" ]; then
  diff <(echo "$before") <(echo "$after") || true
  echo "generated files were stale: run 'make generate manifests' and commit the result" >&2
  exit 1
fi
echo "generated files are up to date"
