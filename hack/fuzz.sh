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
  echo "fuzz $pkg $name for $FUZZTIME"
  go test "$pkg" -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME"
done
echo "fuzz: ${#targets[@]} targets ran"
