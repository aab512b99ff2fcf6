#!/usr/bin/env bash
# Installs the PyTorch the @tflyte/plugin-pytorch tests train with: Debian's python3-torch (CPU, gloo),
# imported by Debian's own interpreter /usr/bin/python3. Idempotent and quick when torch already imports.
# Runs as root, or via sudo when it is available without a password.
#
# Debian's interpreter, not one on PATH (pyenv, venvs): Debian's python packages are built for it.
# torchrun is broken in this build, so the tests launch ranks as plain processes with the
# training operator's environment contract (MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK).
set -euo pipefail

PYTHON=/usr/bin/python3

if [[ -x $PYTHON ]] && "$PYTHON" -c 'import torch.distributed as d; assert d.is_available() and d.is_gloo_available()' >/dev/null 2>&1; then
  echo "install-pytorch: torch $("$PYTHON" -c 'import torch; print(torch.__version__)') with gloo already importable by $PYTHON"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-pytorch: $PYTHON cannot import torch and apt-get is not available;" \
    "install PyTorch for $PYTHON with this system's package manager" >&2
  exit 1
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    echo "install-pytorch: $PYTHON cannot import torch; run this script as root" >&2
    exit 1
  fi
fi

echo "install-pytorch: installing python3-torch"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
  python3 python3-torch >/dev/null

"$PYTHON" -c 'import torch, torch.distributed as d; print("install-pytorch: torch", torch.__version__, "gloo", d.is_gloo_available())'
