#!/usr/bin/env bash
# Installs the local container runtime the container-task tests use: podman with runc, plus
# busybox-static to build test images without a registry. Debian packages only; idempotent and quick
# when everything is present. Runs as root, or via sudo when it is available without a password.
#
# runc (not crun) because crun cannot run containers on cgroup-v1 hybrid hosts such as CI's VMs;
# @tflyte/plugin-container selects runc and lower ulimits through its own containers.conf.
set -euo pipefail
# shellcheck source=lib/apt-install.sh
source "$(dirname "$0")/lib/apt-install.sh"

# command -> Debian package that provides it
declare -A NEED=(
  [podman]=podman
  [runc]=runc
  [busybox]=busybox-static
  [fuse-overlayfs]=fuse-overlayfs
  [newuidmap]=uidmap
)

missing=()
for cmd in "${!NEED[@]}"; do
  # busybox must be static: test images copy the binary alone into an empty rootfs.
  if [[ $cmd == busybox ]]; then
    bb=$(command -v busybox || true)
    if [[ -n $bb ]] && ! ldd "$bb" >/dev/null 2>&1; then continue; fi
  elif command -v "$cmd" >/dev/null 2>&1; then
    continue
  fi
  missing+=("${NEED[$cmd]}")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-container-runtime: podman, runc and busybox-static already installed"
  exit 0
fi

apt_install install-container-runtime "${missing[@]}"

podman --version
runc --version | head -n 1
