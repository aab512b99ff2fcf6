# Sourced by the install scripts: apt_install <who> <package>... installs Debian packages
# non-interactively, as root or through passwordless sudo, and explains what to do where neither
# (or apt-get itself) is available.

apt_install() {
  local who=$1
  shift
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "$who: needs $* and apt-get is not available; install them with this system's package manager" >&2
    exit 1
  fi
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      echo "$who: needs $*; run this script as root" >&2
      exit 1
    fi
  fi
  echo "$who: installing $*"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "$@" >/dev/null
}
