# shellcheck shell=bash
# Shared by packaging/*.sh (sourced, not run): messages, and installing a missing tool from
# Debian's packages. Every failure is loud: these scripts never skip a step.

say() { echo "$(basename "$0"): $*" >&2; }
die() { say "error: $*"; exit 1; }

# apt_install PACKAGE...: install Debian packages (as root, or through sudo -n), or fail.
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "need the Debian package(s) $*, and apt-get is not available: install them by hand"
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "need the Debian package(s) $* and root (or sudo) to install them"
    sudo="sudo -n"
  fi
  say "installing Debian package(s): $*"
  if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >&2 ||
      die "apt-get install $* failed"
  fi
}

# need_cmd COMMAND PACKAGE: COMMAND on PATH, installing PACKAGE when it is missing.
need_cmd() {
  command -v "$1" >/dev/null 2>&1 || apt_install "$2"
  command -v "$1" >/dev/null 2>&1 || die "$1 is still missing after installing $2"
}

# The package version, from Cargo.toml's [package] table.
crate_version() {
  awk -F'"' '/^\[/ { pkg = ($0 == "[package]") } pkg && /^version *=/ { print $2; exit }' "$1/Cargo.toml"
}
