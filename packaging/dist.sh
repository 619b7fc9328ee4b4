#!/usr/bin/env bash
# Builds everything a release ships into OUTDIR, from a checkout:
#
#   packaging/dist.sh OUTDIR
#
#   spaces-postrender-<version>-x86_64-unknown-linux-musl.tar.gz
#       the static binary (packaging/static-build.sh), completions, man pages, LICENSE, README.md
#   spaces-postrender-<version>.tgz
#       the Helm 4 post-renderer plugin (`helm plugin package`, unsigned), bundling that binary
#   spaces-postrender-argocd-cmp-<version>-linux-amd64.oci.tar
#       the Argo CD Config Management Plugin sidecar image, an OCI image layout in a tar,
#       built without a daemon (buildah, chroot isolation, vfs storage)
#   SHA256SUMS
#       of the three files above (`sha256sum -c SHA256SUMS`)
#
# Installs what it needs and fails loudly when it cannot: the rustup target
# x86_64-unknown-linux-musl, Debian's musl-tools, busybox-static, buildah and ca-certificates
# (apt-get, as root or with sudo -n), the pinned Helm from .ci/install-tools.sh. The static build
# is cached in ${CARGO_TARGET_DIR:-target}/dist, the tools in ~/.cache/spaces-postrender, so a
# second run takes seconds. Files in the archives carry the last commit's time
# (SOURCE_DATE_EPOCH overrides it).
# To sign the plugin for a release, see docs/install.md (`helm plugin package --sign`).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/packaging/lib.sh"

if [ $# != 1 ] || [ -z "$1" ]; then echo "usage: packaging/dist.sh OUTDIR" >&2; exit 2; fi
mkdir -p "$1"
out=$(cd "$1" && pwd)

version=$(crate_version "$root")
[ -n "$version" ] || die "no version in Cargo.toml"
name=spaces-postrender
triple=x86_64-unknown-linux-musl
archive=$name-$version-$triple.tar.gz
plugin_tgz=$name-$version.tgz
image_name=$name-argocd-cmp
image_tar=$image_name-$version-linux-amd64.oci.tar

# Versions written in the plugin files must be the crate's.
grep -qx "version: $version" "$root/plugin/plugin.yaml" ||
  die "plugin/plugin.yaml does not say version: $version (the Cargo.toml version)"
grep -q "image: .*/$image_name:$version\$" "$root/plugin/argocd/repo-server-patch.yaml" ||
  die "plugin/argocd/repo-server-patch.yaml does not name the image $image_name:$version"

if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH=$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 0)
fi
export SOURCE_DATE_EPOCH

# Tools, before the long build, so a missing one fails early.
# busybox for the image's sh: Debian's busybox-static (the plain busybox package is dynamic).
is_static() { ! ldd "$1" 2>/dev/null | grep -q '=>'; }
need_cmd busybox busybox-static
is_static "$(command -v busybox)" || apt_install busybox-static
busybox_bin=$(command -v busybox)
is_static "$busybox_bin" || die "$busybox_bin is not statically linked (install busybox-static)"
need_cmd buildah buildah
need_cmd sha256sum coreutils
[ -f /etc/ssl/certs/ca-certificates.crt ] || apt_install ca-certificates
[ -f /etc/ssl/certs/ca-certificates.crt ] || die "no /etc/ssl/certs/ca-certificates.crt after installing ca-certificates"
tools=$(bash "$root/.ci/install-tools.sh" | tail -n 1) || die ".ci/install-tools.sh failed"
helm3=$tools/helm3 # v3.17.3: the Helm of the image
helm4=$tools/helm4 # v4.1.4: `helm plugin package`

bin=$(bash "$root/packaging/static-build.sh") || die "the static build failed"

work=$(mktemp -d "${TMPDIR:-/tmp}/spaces-postrender-dist.XXXXXX")
store=""
cleanup() {
  if [ -n "$store" ] && [ -d "$store" ]; then
    buildah --root "$store/root" --runroot "$store/run" --storage-driver vfs rm -a >/dev/null 2>&1 || true
    buildah --root "$store/root" --runroot "$store/run" --storage-driver vfs rmi -a -f >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# Reproducible tar.gz of DIR's entry NAME.
tgz() {
  local dir=$1 entry=$2 dest=$3
  tar -C "$dir" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
    --format=gnu -cf - "$entry" | gzip -n -9 >"$dest.tmp"
  mv -f "$dest.tmp" "$dest"
}

rm -f "$out/$archive" "$out/$plugin_tgz" "$out/$image_tar" "$out/SHA256SUMS"

# 1. The static binary archive.
say "archive $archive"
a=$work/archive/$name-$version-$triple
mkdir -p "$a/completions" "$a/man"
install -m 0755 "$bin" "$a/$name"
install -m 0644 "$root/LICENSE" "$a/LICENSE"
sed "s/@VERSION@/$version/g" "$root/packaging/README.archive.md" >"$a/README.md"
"$bin" completions bash >"$a/completions/$name.bash"
"$bin" completions zsh >"$a/completions/_$name"
"$bin" completions fish >"$a/completions/$name.fish"
"$bin" man --dir "$a/man" >/dev/null
chmod -R u=rwX,go=rX "$a"
tgz "$work/archive" "$name-$version-$triple" "$out/$archive"

# 2. The Helm 4 plugin tarball: plugin.yaml, run, and the static binary in bin/ (bin/PLATFORM
# tells `run` which platform it is for; elsewhere it falls back to PATH).
say "Helm 4 plugin $plugin_tgz"
p=$work/plugin/$name
mkdir -p "$p/bin"
install -m 0644 "$root/plugin/plugin.yaml" "$p/plugin.yaml"
install -m 0755 "$root/plugin/run" "$p/run"
install -m 0755 "$bin" "$p/bin/$name"
echo "Linux x86_64" >"$p/bin/PLATFORM"
install -m 0644 "$root/LICENSE" "$p/LICENSE"
find "$p" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
mkdir -p "$work/helm"
HELM_DATA_HOME=$work/helm/data HELM_CONFIG_HOME=$work/helm/config HELM_CACHE_HOME=$work/helm/cache \
  "$helm4" plugin package --sign=false -d "$work/plugin-out" "$p" >&2 ||
  die "helm plugin package failed"
[ -f "$work/plugin-out/$plugin_tgz" ] || die "helm plugin package did not write $plugin_tgz: $(ls "$work/plugin-out")"
mv -f "$work/plugin-out/$plugin_tgz" "$out/$plugin_tgz"

# 3. The Argo CD CMP sidecar image.
say "Argo CD CMP image $image_tar"
ctx=$work/image
r=$ctx/rootfs
mkdir -p "$r/bin" "$r/home" "$r/usr/local/bin" "$r/etc/ssl/certs" "$r/tmp" "$ctx/home/argocd/cmp-server/config"
install -m 0755 "$busybox_bin" "$r/bin/busybox"
for applet in $("$busybox_bin" --list); do
  [ -e "$r/bin/$applet" ] || ln -s busybox "$r/bin/$applet"
done
rm -f "$r/bin/bash"
cat >"$r/bin/bash" <<'SH'
#!/bin/sh
# bash for the plugin's `bash -c`: busybox sh (ash), which has set -o pipefail.
exec /bin/sh "$@"
SH
chmod 0755 "$r/bin/bash"
install -m 0755 "$helm3" "$r/usr/local/bin/helm"
install -m 0755 "$bin" "$r/usr/local/bin/$name"
printf 'root:x:0:0:root:/root:/bin/sh\nargocd:x:999:999:argocd:/home/argocd:/bin/sh\n' >"$r/etc/passwd"
printf 'root:x:0:\nargocd:x:999:\n' >"$r/etc/group"
install -m 0644 /etc/ssl/certs/ca-certificates.crt "$r/etc/ssl/certs/ca-certificates.crt"
chmod 1777 "$r/tmp"
install -m 0644 "$root/plugin/argocd/plugin.yaml" "$ctx/home/argocd/cmp-server/config/plugin.yaml"
cp "$root/packaging/Containerfile" "$ctx/Containerfile"
store=$work/store
b=(buildah --root "$store/root" --runroot "$store/run" --storage-driver vfs)
"${b[@]}" bud --quiet --isolation chroot --timestamp "$SOURCE_DATE_EPOCH" \
  --build-arg "VERSION=$version" --layers=false -t "localhost/$image_name:$version" \
  -f "$ctx/Containerfile" "$ctx" >"$work/build.log" 2>&1 ||
  { cat "$work/build.log" >&2; die "buildah bud failed"; }
# Push to an OCI layout directory and tar it ourselves (sorted, fixed times), so the archive is
# reproducible too, not only the image.
"${b[@]}" push --quiet "localhost/$image_name:$version" "oci:$work/oci:$version" >&2 ||
  die "buildah push to an OCI layout failed"
tar -C "$work/oci" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
  --format=gnu -cf "$out/$image_tar.tmp" oci-layout index.json blobs
mv -f "$out/$image_tar.tmp" "$out/$image_tar"

# 4. Checksums.
(cd "$out" && sha256sum "$archive" "$plugin_tgz" "$image_tar" >SHA256SUMS.tmp && mv -f SHA256SUMS.tmp SHA256SUMS)
(cd "$out" && sha256sum -c --quiet SHA256SUMS) || die "SHA256SUMS does not verify"
say "done: $out"
(cd "$out" && ls -l "$archive" "$plugin_tgz" "$image_tar" SHA256SUMS) >&2
