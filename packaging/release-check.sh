#!/usr/bin/env bash
# Checks a release directory before it is uploaded (RELEASING.md, step 5):
#
#   packaging/release-check.sh OUTDIR [--signed]
#
# - the four files of the Cargo.toml version are there (the static archive, the Helm 4 plugin
#   tarball, the Argo CD CMP image, SHA256SUMS), and with --signed the plugin's .prov;
# - SHA256SUMS lists every other file of OUTDIR, and each sum is right (sha256sum -c --strict);
# - the archive's binary and the plugin's bundled binary both report that version, and the
#   plugin's plugin.yaml says it;
# - with --signed, the .prov names the tarball's sha256.
# Prints one line per check on stderr; exits 1 at the first that fails.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/packaging/lib.sh"

signed=false
case $# in
1) ;;
2) [ "$2" = --signed ] || { echo "usage: packaging/release-check.sh OUTDIR [--signed]" >&2; exit 2; }; signed=true ;;
*) echo "usage: packaging/release-check.sh OUTDIR [--signed]" >&2; exit 2 ;;
esac
[ -d "$1" ] || die "$1 is not a directory"
out=$(cd "$1" && pwd)
version=$(crate_version "$root")
name=spaces-postrender
archive=$name-$version-x86_64-unknown-linux-musl.tar.gz
plugin_tgz=$name-$version.tgz
image_tar=$name-argocd-cmp-$version-linux-amd64.oci.tar

want=("$archive" "$plugin_tgz" "$image_tar")
$signed && want+=("$plugin_tgz.prov")
for f in "${want[@]}" SHA256SUMS; do
  [ -f "$out/$f" ] || die "$f is missing from $out"
done
say "ok: the files of version $version are there"

listed=$(awk '{ sub(/^\*/, "", $2); print $2 }' "$out/SHA256SUMS" | sort)
present=$(cd "$out" && find . -maxdepth 1 -type f ! -name SHA256SUMS -printf '%f\n' | sort)
[ "$listed" = "$present" ] || die "SHA256SUMS lists [$(echo $listed)] but $out holds [$(echo $present)]"
(cd "$out" && sha256sum -c --strict --quiet SHA256SUMS) || die "a sha256 in SHA256SUMS is wrong"
say "ok: SHA256SUMS covers every file and each sum is right"

work=$(mktemp -d "${TMPDIR:-/tmp}/spaces-postrender-release-check.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/archive" "$work/plugin"
tar -C "$work/archive" -xzf "$out/$archive"
tar -C "$work/plugin" -xzf "$out/$plugin_tgz"
for bin in "$work/archive/$name-$version-x86_64-unknown-linux-musl/$name" "$work/plugin/$name/bin/$name"; do
  got=$("$bin" --version) || die "${bin#"$work"/} does not run"
  [ "$got" = "$name $version" ] || die "${bin#"$work"/} says '$got', not '$name $version'"
done
grep -qx "version: $version" "$work/plugin/$name/plugin.yaml" || die "the plugin's plugin.yaml does not say version: $version"
say "ok: both binaries and the plugin say version $version"

if $signed; then
  sum=$(sha256sum "$out/$plugin_tgz" | cut -d' ' -f1)
  grep -q "sha256:$sum" "$out/$plugin_tgz.prov" || die "$plugin_tgz.prov does not name the tarball's sha256"
  say "ok: $plugin_tgz.prov signs the tarball's bytes"
fi
