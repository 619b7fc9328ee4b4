#!/usr/bin/env bash
# Makes the directory of real Kubernetes server binaries the real-server tests run
# (tests/common/kube.rs), laid out as controller-runtime's envtest reads it: a directory named by
# KUBEBUILDER_ASSETS holding kube-apiserver, etcd and kubectl, plus kube-controller-manager
# (token Secrets, ServiceAccounts, namespace deletion, garbage collection).
#
# Usage: .ci/install-kube.sh            # prints the directory on stdout
#
# - KUBEBUILDER_ASSETS already set (elsewhere: `setup-envtest use 1.36 -p path`, plus a
#   kube-controller-manager of the same version copied beside it): checked and printed as is.
# - Otherwise ${XDG_CACHE_HOME:-$HOME/.cache}/spaces-postrender/kube/1.36.2, made from
#   ../shared/kube beside the repository (beside the main checkout when the repository is a
#   linked git worktree): kube-apiserver.xz and kube-controller-manager.xz, Kubernetes v1.36.2,
#   unpacked and checked against the sha256 below; Debian's etcd-server (/usr/bin/etcd;
#   apt-get install when missing, which needs root); and the pinned kubectl 1.36 from
#   .ci/install-tools.sh. A second run reuses it.
# Any failure exits non-zero: the real-server tests never skip.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
fail() { echo "install-kube: $*" >&2; exit 1; }

need=(kube-apiserver kube-controller-manager etcd kubectl)

if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
  for b in "${need[@]}"; do
    [ -x "$KUBEBUILDER_ASSETS/$b" ] || fail "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS has no executable $b"
  done
  echo "$KUBEBUILDER_ASSETS"
  exit 0
fi

# ../shared/kube beside the repository; from a linked git worktree, beside its main checkout.
src="$repo/../shared/kube"
if [ ! -d "$src" ] && common=$(git -C "$repo" rev-parse --path-format=absolute --git-common-dir 2>/dev/null); then
  src="$(dirname "$common")/../shared/kube"
fi
dir=${XDG_CACHE_HOME:-$HOME/.cache}/spaces-postrender/kube/1.36.2
mkdir -p "$dir"

# name  sha256 of the unpacked binary (../shared/kube/README.md)
bins=(
  "kube-apiserver 9c682084623a097bbe0069587e4eb5f90f1e923555791883d95b409e99eb5d71"
  "kube-controller-manager c3c1833999628902633eca01bbdd3c91c171b6a65a28216050413b3deaa1753c"
)
for line in "${bins[@]}"; do
  read -r name sum <<<"$line"
  if [ -x "$dir/$name" ] && [ -f "$dir/.ok-$name-$sum" ]; then
    continue
  fi
  [ -f "$src/$name.xz" ] || fail "$src/$name.xz is missing (set KUBEBUILDER_ASSETS to a directory with $name instead)"
  tmp="$dir/.$name.tmp"
  trap 'rm -f "$tmp"' EXIT
  if command -v xz >/dev/null 2>&1; then
    xz -dc "$src/$name.xz" >"$tmp"
  else
    python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' \
      "$src/$name.xz" "$tmp"
  fi
  got=$(sha256sum "$tmp" | cut -d' ' -f1)
  [ "$got" = "$sum" ] || fail "checksum mismatch for $name: expected $sum, got $got"
  chmod 0755 "$tmp"
  mv -f "$tmp" "$dir/$name"
  trap - EXIT
  touch "$dir/.ok-$name-$sum"
done

if [ ! -x /usr/bin/etcd ]; then
  [ "$(id -u)" = 0 ] || fail "/usr/bin/etcd is missing and installing Debian's etcd-server needs root"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq etcd-server >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null && apt-get install -y -qq etcd-server >/dev/null; } ||
    fail "apt-get install etcd-server failed"
  # The package starts a system etcd on the default ports; the tests start their own.
  if command -v systemctl >/dev/null 2>&1; then systemctl stop etcd >/dev/null 2>&1 || true; fi
fi
ln -sfn /usr/bin/etcd "$dir/etcd"

tools=$(bash "$repo/.ci/install-tools.sh" | tail -n1)
ln -sfn "$tools/kubectl136" "$dir/kubectl"

# Fail loudly if a binary does not run on this machine.
"$dir/kube-apiserver" --version >/dev/null
"$dir/kube-controller-manager" --version >/dev/null
"$dir/etcd" --version >/dev/null
"$dir/kubectl" version --client >/dev/null
echo "$dir"
