#!/usr/bin/env bash
# Installs the Node.js test tools (the official MySQL Connector/Node.js used by test/xconformance) from the
# committed package-lock.json when node_modules is missing. Idempotent and quiet when warm.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/test/xconformance"
if ! command -v npm >/dev/null 2>&1; then
    SUDO=; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    echo "installing Debian packages: nodejs npm" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
if [ -f "$dir/node_modules/@mysql/xdevapi/package.json" ]; then
    exit 0
fi
echo "npm ci in test/xconformance" >&2
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
