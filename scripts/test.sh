#!/usr/bin/env bash
# Sets up everything the test suite needs on a fresh Debian machine, then runs it:
# ruff, mypy and pytest (unit, integration and browser tests).
set -euo pipefail
cd "$(dirname "$0")/.."

# Browser tests drive Debian's Chromium; the validator and axe-core need Java and npm packages.
need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v java >/dev/null 2>&1 || need_apt+=(default-jre-headless)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
# The fault tests make a folder immutable (chattr) and mount a tiny tmpfs in a private namespace (unshare).
command -v chattr >/dev/null 2>&1 || need_apt+=(e2fsprogs)
command -v unshare >/dev/null 2>&1 || need_apt+=(util-linux)
# Chromium only recommends fonts; without them the pages render in whatever fontconfig finds.
[ -d /usr/share/fonts/truetype/liberation ] || need_apt+=(fonts-liberation)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${need_apt[@]}"
  else
    echo "missing: ${need_apt[*]} (install them with apt-get, as root)" >&2
    exit 1
  fi
fi
if [ -f package.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
