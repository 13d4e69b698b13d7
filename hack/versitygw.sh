#!/usr/bin/env bash
# Installs versitygw (the S3 server the backup tests run against) from the Go module proxy once, cached by version.
# Prints the path of the binary on stdout. A warm run costs nothing.
set -euo pipefail

VERSITYGW_VERSION=${VERSITYGW_VERSION:-v1.8.0}
cache=${ORCA_CACHE:-$HOME/.cache/orca}
dir="$cache/tools/versitygw-$VERSITYGW_VERSION"
mkdir -p "$dir"
# One build at a time per cache folder: parallel test runs must not race on the same files.
exec 9>"$dir/.lock"
flock 9
if [ ! -x "$dir/versitygw" ]; then
  echo "building versitygw $VERSITYGW_VERSION (one time, ~3 min, cached in $dir)" >&2
  GOBIN="$dir/.build" GOFLAGS= CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" \
    "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"
  mv "$dir/.build/versitygw" "$dir/versitygw" && rmdir "$dir/.build"
fi
echo "$dir/versitygw"
