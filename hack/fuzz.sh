#!/usr/bin/env bash
# Runs every Go fuzz target in the repository for FUZZTIME (default 10s), one at a time.
set -euo pipefail
FUZZTIME=${FUZZTIME:-10s}
mapfile -t targets < <(git grep -l -E '^func Fuzz[A-Za-z0-9_]+\(f \*testing\.F\)' -- '*_test.go' |
  while read -r file; do
    pkg="./$(dirname "$file")"
    grep -oE '^func Fuzz[A-Za-z0-9_]+' "$file" | sed 's/^func //' | sed "s|^|$pkg |"
  done | sort -u)
if [ ${#targets[@]} -eq 0 ]; then echo "no fuzz targets found" >&2; exit 1; fi
for t in "${targets[@]}"; do
  read -r pkg name <<<"$t"
  corpus="$pkg/testdata/fuzz/$name"
  for attempt in 1 2; do
    echo "fuzz $pkg $name for $FUZZTIME"
    before=$(ls "$corpus" 2>/dev/null || true)
    if out=$(go test "$pkg" -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" 2>&1); then
      echo "$out"
      break
    fi
    echo "$out"
    # Go 1.26's fuzz coordinator can fail with "context deadline exceeded" when -fuzztime ends while a worker is
    # busy (golang/go#75804, fixed in Go 1.27). Retry once when that is all that happened: no new failing input.
    if [ "$attempt" = 1 ] && [ "$before" = "$(ls "$corpus" 2>/dev/null || true)" ] &&
      grep -q 'context deadline exceeded' <<<"$out"; then
      echo "retrying $name (golang/go#75804)"
      continue
    fi
    exit 1
  done
done
echo "fuzz: ${#targets[@]} targets ran"
