#!/usr/bin/env bash
# Installs the Debian packages Cakupan's tests and benchmarks need, only if they are missing.
set -euo pipefail
need=()
pg_bin=$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || true)
[ -x "${pg_bin}/initdb" ] || need+=(postgresql-15)
# Browser tests drive Debian's Chromium through Playwright (no browser download).
[ -x /usr/bin/chromium ] || need+=(chromium)
# Indonesian-capable fonts for the browser and the PDF summary pages.
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
# The public status check counts look-ups in memcached (shared by every server process, atomic increments).
command -v memcached >/dev/null || need+=(memcached)
# Node and npm install axe-core, which the browser tests inject into pages to check accessibility.
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing Debian packages: ${need[*]}"
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# The package's own cluster is not used: tests and benchmarks start throwaway clusters.
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
