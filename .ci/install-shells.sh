#!/usr/bin/env bash
# Installs zsh and fish from Debian's packages for the completion tests
# (tests/full/shell_integration.rs drives their completion engines on the generated scripts).
# Prints nothing on stdout. Needs root, which every machine of this project and CI has; runs
# apt-get only when a shell is missing. Fails (never skips) when it cannot install.
set -euo pipefail
have() { command -v zsh >/dev/null 2>&1 && command -v fish >/dev/null 2>&1; }
if ! have; then
  if [ "$(id -u)" != 0 ]; then
    echo "install-shells: zsh or fish is missing and this is not root: cannot apt-get install" >&2
    exit 1
  fi
  # One install at a time (test binaries run in parallel); the second finds them installed.
  exec 9>"${TMPDIR:-/tmp}/spaces-postrender-install-shells.lock"
  flock 9
  if ! have; then
    log=$(mktemp)
    trap 'rm -f "$log"' EXIT
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get update -q && apt-get install -y -q --no-install-recommends zsh fish; } >"$log" 2>&1; then
      cat "$log" >&2
      echo "install-shells: apt-get could not install zsh and fish" >&2
      exit 1
    fi
  fi
fi
zsh --version >&2
fish --version >&2
