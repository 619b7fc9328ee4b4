#!/usr/bin/env bash
# Builds the static release binary: target x86_64-unknown-linux-musl, profile `dist` (the
# release profile, stripped of symbols), with mimalloc as the allocator (musl's own is about
# twice as slow on large streams; see docs/performance.md). Prints the binary's path.
#
#   packaging/static-build.sh        # -> <target dir>/dist/x86_64-unknown-linux-musl/dist/spaces-postrender
#
# The target directory is ${CARGO_TARGET_DIR:-target}/dist, kept between runs, so a second
# build only relinks what changed. Installs what it needs (the rustup target, Debian's
# musl-tools for the C part of mimalloc) and fails when it cannot.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/packaging/lib.sh"

triple=x86_64-unknown-linux-musl
target_dir=${CARGO_TARGET_DIR:-$root/target}/dist

[ "$(uname -sm)" = "Linux x86_64" ] || die "builds on Linux x86_64 only (this is $(uname -sm))"
command -v cargo >/dev/null 2>&1 || die "cargo is not on PATH (install Rust with rustup)"
libdir=$(rustc --print target-libdir --target "$triple" 2>/dev/null || true)
if [ -z "$libdir" ] || ! ls "$libdir"/libstd-*.rlib >/dev/null 2>&1; then
  command -v rustup >/dev/null 2>&1 || die "the Rust target $triple is missing and rustup is not available to add it"
  say "adding the Rust target $triple"
  rustup target add "$triple" >&2 || die "rustup target add $triple failed"
fi
# mimalloc is C: compile it against musl, not glibc.
need_cmd musl-gcc musl-tools

say "building the static binary ($triple, profile dist, mimalloc) in $target_dir"
# mimalloc's build script reruns when SOURCE_DATE_EPOCH changes (dist.sh sets it for the
# archives), and that relinks everything: keep it out of the build.
env -u SOURCE_DATE_EPOCH CC_x86_64_unknown_linux_musl=musl-gcc \
  cargo build --manifest-path "$root/Cargo.toml" --locked --quiet \
  --profile dist --target "$triple" --features mimalloc \
  --bin spaces-postrender --target-dir "$target_dir" >&2 ||
  die "cargo build of the static binary failed"
bin=$target_dir/$triple/dist/spaces-postrender
[ -x "$bin" ] || die "no binary at $bin"
"$bin" --version >/dev/null || die "$bin does not run"
echo "$bin"
