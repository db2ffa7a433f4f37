#!/usr/bin/env bash
# The inspector's browser test drives Debian's chromium through playwright-core; playwright's own browser
# download is not used (it fetches a build from outside the package registries), so the binary comes from apt.
set -euo pipefail
bin="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$bin" ]; then
  exit 0
fi
echo "chromium is missing: installing Debian's chromium package" >&2
as_root=""
[ "$(id -u)" -eq 0 ] || as_root="sudo -n"
$as_root apt-get update -qq
DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq --no-install-recommends chromium >/dev/null
[ -x "$bin" ] || { echo "chromium still missing at $bin after apt-get install" >&2; exit 1; }
