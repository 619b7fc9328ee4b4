#!/usr/bin/env bash
# Installs spaces-postrender as a Helm 4 post-renderer plugin.
#
#   plugin/install.sh                 # build (cargo build --release), then install into `helm`
#   HELM=helm4 plugin/install.sh      # use another helm binary (must be Helm 4)
#   SPACES_POSTRENDER_BIN=/path/to/spaces-postrender plugin/install.sh   # use a built binary
#
# It copies the binary to bin/ next to this plugin.yaml and runs `helm plugin install <this
# directory>` (Helm links a local directory; no signature is needed for a local directory).
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

# Reinstall, so that Helm uses this directory even if an older copy was installed from elsewhere.
if "$helm" plugin list 2>/dev/null | awk 'NR > 1 { print $1 }' | grep -qx "$name"; then
  "$helm" plugin uninstall "$name"
fi
"$helm" plugin install "$here"
"$helm" plugin list | awk -v n="$name" 'NR == 1 || $1 == n'
