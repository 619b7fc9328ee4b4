#!/usr/bin/env bash
# Signs the Helm 4 plugin tarball of a release directory made by packaging/dist.sh:
#
#   packaging/sign-plugin.sh OUTDIR KEY [SECRET_KEYRING]
#
# KEY is the signing key's name (e.g. "Spaces Release"); SECRET_KEYRING a keyring holding its
# secret key (default ~/.gnupg/secring.gpg; with GnuPG 2: gpg --export-secret-keys KEY >FILE).
# A passphrase-protected key reads its passphrase from $HELM_SIGN_PASSPHRASE_FILE.
# It packages the plugin directory inside the tarball again with `helm plugin package --sign`,
# checks that the result is byte-identical to the tarball (dist.sh packages reproducibly, so
# SHA256SUMS stays valid and the signature covers the shipped bytes), writes
# <tarball>.prov next to it and adds the .prov file to SHA256SUMS.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/packaging/lib.sh"

[ $# = 2 ] || [ $# = 3 ] || { echo "usage: packaging/sign-plugin.sh OUTDIR KEY [SECRET_KEYRING]" >&2; exit 2; }
out=$(cd "$1" && pwd)
key=$2
keyring=${3:-$HOME/.gnupg/secring.gpg}
[ -f "$keyring" ] || die "no keyring at $keyring"
version=$(crate_version "$root")
tgz=spaces-postrender-$version.tgz
[ -f "$out/$tgz" ] || die "no $tgz in $out (run packaging/dist.sh $out first)"
[ -f "$out/SHA256SUMS" ] || die "no SHA256SUMS in $out"
tools=$(bash "$root/.ci/install-tools.sh" | tail -n 1) || die ".ci/install-tools.sh failed"

work=$(mktemp -d "${TMPDIR:-/tmp}/spaces-postrender-sign.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src" "$work/out"
tar -C "$work/src" -xzf "$out/$tgz"
args=(--sign --key "$key" --keyring "$keyring")
[ -z "${HELM_SIGN_PASSPHRASE_FILE:-}" ] || args+=(--passphrase-file "$HELM_SIGN_PASSPHRASE_FILE")
HELM_DATA_HOME=$work/helm/data HELM_CONFIG_HOME=$work/helm/config HELM_CACHE_HOME=$work/helm/cache \
  "$tools/helm4" plugin package "${args[@]}" -d "$work/out" "$work/src/spaces-postrender" >&2 ||
  die "helm plugin package --sign failed"
cmp -s "$work/out/$tgz" "$out/$tgz" ||
  die "the signed package differs from $out/$tgz (not reproducible?); run packaging/dist.sh again and sign that"
mv -f "$work/out/$tgz.prov" "$out/$tgz.prov"
(
  cd "$out"
  { grep -v "  $tgz.prov\$" SHA256SUMS || true; } >SHA256SUMS.tmp
  sha256sum "$tgz.prov" >>SHA256SUMS.tmp
  mv -f SHA256SUMS.tmp SHA256SUMS
)
(cd "$out" && sha256sum -c --quiet SHA256SUMS) || die "SHA256SUMS does not verify"
say "signed: $out/$tgz.prov"
