#!/usr/bin/env bash
# The tests start their own redis-server processes; this makes sure the binaries exist.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; then
  exit 0
fi
echo "redis-server is missing: installing Debian's redis-server package" >&2
as_root=""
[ "$(id -u)" -eq 0 ] || as_root="sudo -n"
$as_root apt-get update -qq
DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq --no-install-recommends redis-server redis-tools >/dev/null
command -v redis-server >/dev/null || { echo "redis-server still missing after apt-get install" >&2; exit 1; }
