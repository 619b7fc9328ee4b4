#!/usr/bin/env bash
# Installs spaces-postrender as a Helm 4 post-renderer plugin.
#
#   plugin/install.sh                 # build (cargo build --release), then install into `helm`
#   HELM=helm4 plugin/install.sh      # use another helm binary (must be Helm 4)
#   SPACES_POSTRENDER_BIN=/path/to/spaces-postrender plugin/install.sh   # use a built binary
#
# It copies the binary to bin/ next to this plugin.yaml, packages plugin.yaml, run and bin/ as a
# directory named spaces-postrender (`helm plugin package --sign=false`) and installs that
# tarball (`helm plugin install --verify=false`). Not `helm plugin install <this directory>`:
# Helm names a plugin installed from a directory after the directory (plugins/plugin here;
# helm internal/plugin/installer/local_installer.go, Path, v4.1.4 and v4.2.3), and packaging
# this directory as it is would take in argocd/plugin.yaml, which Helm refuses.
# Running it again replaces the binary and reinstalls the plugin.
# Then: helm template <release> <chart> --post-renderer spaces-postrender \
#         --post-renderer-args=-f --post-renderer-args=values.yaml
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
helm=${HELM:-helm}
name=spaces-postrender

if ! "$helm" version --short 2>/dev/null | grep -q '^v4\.'; then
  echo "install.sh: $helm is not Helm 4 ($("$helm" version --short 2>&1 || true)); Helm 3 takes the binary directly: --post-renderer /path/to/spaces-postrender" >&2
  exit 1
fi

bin=${SPACES_POSTRENDER_BIN:-}
if [ -z "$bin" ]; then
  repo=$(cd "$here/.." && pwd)
  (cd "$repo" && cargo build --release --locked --bin "$name")
  target=${CARGO_TARGET_DIR:-$repo/target}
  case $target in /*) ;; *) target=$repo/$target ;; esac
  bin="$target/release/$name"
fi
[ -x "$bin" ] || { echo "install.sh: no executable at $bin" >&2; exit 1; }

mkdir -p "$here/bin"
exe="$here/bin/$name"
case "$(uname -s 2>/dev/null || echo unknown)" in
  MINGW*|MSYS*|CYGWIN*) exe="$exe.exe" ;;
esac
cp "$bin" "$exe.tmp" && chmod 0755 "$exe.tmp" && mv -f "$exe.tmp" "$exe"

# A copy named after the plugin: plugin.yaml, run, bin/.
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name/bin" "$stage/out"
cp "$here/plugin.yaml" "$here/run" "$stage/$name/"
cp "$exe" "$stage/$name/bin/"
"$helm" plugin package --sign=false -d "$stage/out" "$stage/$name" >/dev/null
tgz=$(ls "$stage/out"/*.tgz)

# Reinstall, so that Helm uses this copy even if an older one was installed from elsewhere.
if "$helm" plugin list 2>/dev/null | awk 'NR > 1 { print $1 }' | grep -qx "$name"; then
  "$helm" plugin uninstall "$name"
fi
"$helm" plugin install "$tgz" --verify=false
"$helm" plugin list | awk -v n="$name" 'NR == 1 || $1 == n'
