#!/usr/bin/env bash
# Installs kubernetes-validate (pinned, hash-checked) into a venv and prints its python.
# Cached under ${XDG_CACHE_HOME:-~/.cache}/spaces-postrender/venv-kubernetes-validate.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
req="$here/requirements-kubernetes-validate.txt"
venv=${XDG_CACHE_HOME:-$HOME/.cache}/spaces-postrender/venv-kubernetes-validate
stamp="$venv/.ok-$(sha256sum "$req" | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes -r "$req" >&2
  touch "$stamp"
fi
"$venv/bin/python" -c 'import kubernetes_validate' >&2
echo "$venv/bin/python"
