#!/usr/bin/env bash
# Installs pre-commit (pinned, hash-checked: requirements-pre-commit.txt) into a venv and prints
# its python. Cached under ${XDG_CACHE_HOME:-~/.cache}/spaces-postrender/venv-pre-commit-<hash of
# the requirements>. The venv is built in a temporary directory and renamed into place, so
# concurrent runs never use half an install. Fails (never skips) when it cannot install.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
req="$here/requirements-pre-commit.txt"
cache=${XDG_CACHE_HOME:-$HOME/.cache}/spaces-postrender
venv="$cache/venv-pre-commit-$(sha256sum "$req" | cut -c1-16)"
if ! "$venv/bin/python" -c 'import pre_commit' 2>/dev/null; then
  mkdir -p "$cache"
  tmp=$(mktemp -d "$cache/venv-pre-commit.tmp.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  python3 -m venv "$tmp" >&2
  "$tmp/bin/python" -m pip install --quiet --disable-pip-version-check --no-input --require-hashes -r "$req" >&2
  rm -rf "$venv.broken" && { [ ! -e "$venv" ] || mv "$venv" "$venv.broken"; }
  # rename(2) fails when another run put a venv there first; then that one is used.
  "$tmp/bin/python" -c 'import os, sys; os.rename(sys.argv[1], sys.argv[2])' "$tmp" "$venv" 2>/dev/null || true
  rm -rf "$venv.broken"
fi
"$venv/bin/python" -m pre_commit --version >&2
echo "$venv/bin/python"
