#!/usr/bin/env bash
# Installs the browser the run-report tests drive: Debian's chromium (/usr/bin/chromium), which
# playwright-core launches through executablePath. Playwright's own browser download cannot work
# here (no network but the package registries), so the distribution's build is the browser.
# Debian packages only; idempotent and quick when chromium is present. Runs as root, or via sudo
# when it is available without a password.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  echo "install-browser: $(chromium --version 2>/dev/null || echo chromium) already installed"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-browser: chromium is missing and apt-get is not available;" \
    "install chromium with this system's package manager, or set TFLYTE_CHROMIUM to a Chromium binary" >&2
  exit 1
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    echo "install-browser: chromium is missing; run this script as root" >&2
    exit 1
  fi
fi

echo "install-browser: installing chromium"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
# fonts-liberation: screenshots have legible text without recommends pulling in a desktop.
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
  chromium fonts-liberation >/dev/null

chromium --version
