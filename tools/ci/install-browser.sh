#!/usr/bin/env bash
# Installs the browser the run-report tests drive: Debian's chromium (/usr/bin/chromium), which
# playwright-core launches through executablePath. Playwright's own browser download cannot work
# here (no network but the package registries), so the distribution's build is the browser.
# Debian packages only; idempotent and quick when chromium is present. Runs as root, or via sudo
# when it is available without a password.
set -euo pipefail
# shellcheck source=lib/apt-install.sh
source "$(dirname "$0")/lib/apt-install.sh"

if command -v chromium >/dev/null 2>&1; then
  echo "install-browser: $(chromium --version 2>/dev/null || echo chromium) already installed"
  exit 0
fi

# fonts-liberation: screenshots have legible text without recommends pulling in a desktop.
apt_install install-browser chromium fonts-liberation

chromium --version
