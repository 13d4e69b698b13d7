#!/usr/bin/env bash
# Installs the real peers the tests use (Debian packages) when they are missing. Idempotent and quiet when warm.
set -euo pipefail
need=()
{ command -v mariadbd || [ -x /usr/sbin/mariadbd ]; } >/dev/null 2>&1 || need+=(mariadb-server)
command -v mariadb >/dev/null 2>&1 || need+=(mariadb-client)
command -v sysbench >/dev/null 2>&1 || need+=(sysbench)
command -v mydumper >/dev/null 2>&1 || need+=(mydumper)
{ command -v haproxy || [ -x /usr/sbin/haproxy ]; } >/dev/null 2>&1 || need+=(haproxy)
command -v dig >/dev/null 2>&1 || need+=(dnsutils)
command -v kdig >/dev/null 2>&1 || need+=(knot-dnsutils)
{ command -v named || [ -x /usr/sbin/named ]; } >/dev/null 2>&1 || need+=(bind9)
{ command -v knotd || [ -x /usr/sbin/knotd ]; } >/dev/null 2>&1 || need+=(knot)
command -v dnsperf >/dev/null 2>&1 || need+=(dnsperf)
# git http-backend serves the migration runner's test repositories over smart HTTP.
[ -x "$(git --exec-path 2>/dev/null)/git-http-backend" ] || need+=(git)
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=; [ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "installing Debian packages: ${need[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
