#!/usr/bin/env bash
# Install the portal into .venv, the front-end packages into node_modules, copy the vendor
# files the pages serve, compile the translations. Safe and quick to run again.
# Usage: bash scripts/setup.sh [--test]   (--test adds the test tools and Chromium)
set -euo pipefail
cd "$(dirname "$0")/.."

WITH_TEST=0
[[ "${1:-}" == "--test" ]] && WITH_TEST=1

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  as_root apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

# 1. Python environment
if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv 2>/dev/null || { apt_install python3-venv && python3 -m venv .venv; }
fi
extras="."
[[ $WITH_TEST -eq 1 ]] && extras=".[test,postgis]"
stamp=".venv/.installed-$(cat pyproject.toml | sha1sum | cut -c1-12)-$WITH_TEST"
if [[ ! -f "$stamp" ]]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e "$extras"
  rm -f .venv/.installed-*; touch "$stamp"
fi

# WeasyPrint (the PDF reports) draws text with Pango; DejaVu covers Vietnamese
if ! ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' || [[ ! -d /usr/share/fonts/truetype/dejavu ]]; then
  apt_install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
fi

# 2. Front-end packages from the npm registry, copied to portal/static/vendor
command -v npm >/dev/null || apt_install nodejs npm
lock_stamp="node_modules/.installed-$(cat package-lock.json | sha1sum | cut -c1-12)"
if [[ ! -f "$lock_stamp" ]]; then
  npm ci --no-audit --no-fund --loglevel=error
  touch "$lock_stamp"
fi
.venv/bin/python scripts/vendor_assets.py

# 3. Translations (.po in git, .mo built here), compiled only when a catalogue changed, so a
#    second run beside a test run that already reads them rewrites nothing
for po in portal/translations/*/LC_MESSAGES/messages.po; do
  if [[ ! "${po%.po}.mo" -nt "$po" ]]; then
    .venv/bin/pybabel -q compile -d portal/translations
    break
  fi
done

# 4. Test tools: Debian's Chromium and ChromeDriver for the browser tests, GDAL's own
#    ogrinfo/ogr2ogr for the interoperability tests, redis-server for the several-workers tests
#    (they start their own on a free loopback port; the system service the package starts is
#    switched off again)
if [[ $WITH_TEST -eq 1 ]]; then
  missing=()
  command -v chromium >/dev/null || missing+=(chromium chromium-driver)
  command -v ogrinfo >/dev/null || missing+=(gdal-bin)
  new_redis=0
  command -v redis-server >/dev/null || { missing+=(redis-server); new_redis=1; }
  [[ ${#missing[@]} -eq 0 ]] || apt_install "${missing[@]}"
  if [[ $new_redis -eq 1 ]] && command -v systemctl >/dev/null; then
    as_root systemctl disable --now redis-server >/dev/null 2>&1 || true
  fi
fi
