#!/usr/bin/env bash
# Installs the PyTorch the @tflyte/plugin-pytorch tests train with: Debian's python3-torch (CPU, gloo),
# imported by Debian's own interpreter /usr/bin/python3. Idempotent and quick when torch already imports.
# Runs as root, or via sudo when it is available without a password.
#
# Debian's interpreter, not one on PATH (pyenv, venvs): Debian's python packages are built for it.
# torchrun is broken in this build, so the tests launch ranks as plain processes with the
# training operator's environment contract (MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK).
set -euo pipefail
# shellcheck source=lib/apt-install.sh
source "$(dirname "$0")/lib/apt-install.sh"

PYTHON=/usr/bin/python3

if [[ -x $PYTHON ]] && "$PYTHON" -c 'import torch.distributed as d; assert d.is_available() and d.is_gloo_available()' >/dev/null 2>&1; then
  echo "install-pytorch: torch $("$PYTHON" -c 'import torch; print(torch.__version__)') with gloo already importable by $PYTHON"
  exit 0
fi

apt_install install-pytorch python3 python3-torch

"$PYTHON" -c 'import torch, torch.distributed as d; print("install-pytorch: torch", torch.__version__, "gloo", d.is_gloo_available())'
