#!/usr/bin/env bash
# Benchmark: memory and cost where the integrity issue found them unbounded or quadratic.
#
#   bash benches/integrity.sh              # measure, print, and write the tables into docs/performance.md
#   NS_SIZES="200000 2000000" bash benches/integrity.sh     # other sizes: prints only
#   QUICK=1 bash benches/integrity.sh      # small sizes, prints only
#   DOCS= bash benches/integrity.sh        # print only; DOCS=FILE writes FILE instead
#
# The tables replace the section between `<!-- BEGIN benches/integrity.sh -->` and
# `<!-- END benches/integrity.sh -->` of $DOCS (default docs/performance.md, only for a run with
# the default sizes), through benches/doc-section.sh.
#
# - Namespace-heavy streams (every document a Namespace): peak RSS must stay flat as they grow.
# - Helm 4 input (every document annotated `postrenderer.helm.sh/postrender-filename`, run with
#   HELM_PLUGIN_NAME set, as Helm 4 runs the plugin): peak RSS must stay flat.
# - `--set` scaling: 1,000 / 10,000 / 30,000 flags (`validate`), which must grow linearly.
# - Copies of the planned Namespace (`--target control-plane`, eso on, every document the ESO
#   Namespace): peak RSS must stay flat, and one info line says how many there are.
# - A large ResourceList (KRM_ITEMS ConfigMap items, ~83 MB by default) in KRM mode, from a file
#   and from a pipe, against post-render of the same objects as a manifest stream: seconds, peak
#   RSS, and the exit status under `ulimit -v` of KRM_LIMIT_KB (300 MB: the issue's limit; an
#   exit 1 with a diagnostic is acceptable, an abort never).
# Data goes to a temporary directory outside the repository. Not part of `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
custom=${QUICK:+1}${NS_SIZES+1}${H4_SIZES+1}${SET_SIZES+1}${COPIES+1}${KRM_ITEMS+1}${KRM_LIMIT_KB+1}
if [ -n "${QUICK:-}" ]; then
  NS_SIZES=${NS_SIZES-"20000"} H4_SIZES=${H4_SIZES-"20000"} SET_SIZES=${SET_SIZES:-"1000"}
  COPIES=${COPIES-"20000"} KRM_ITEMS=${KRM_ITEMS-"10000"}
fi
if [ -z "${DOCS+set}" ]; then
  if [ -z "$custom" ]; then DOCS=docs/performance.md; else DOCS=""; fi
fi
NS_SIZES=${NS_SIZES-"20000 200000 2000000"}
H4_SIZES=${H4_SIZES-"20000 200000 1000000"}
SET_SIZES=${SET_SIZES:-"1000 10000 30000"}
COPIES=${COPIES-"100000 1000000"}
KRM_ITEMS=${KRM_ITEMS-132000}
KRM_LIMIT_KB=${KRM_LIMIT_KB:-300000}
say() { echo "$@" >&2; }
[ -x /usr/bin/time ] || { apt-get install -y -qq time >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq time >/dev/null 2>&1; }; }
say "building (release)..."
cargo build --release --locked --quiet --bin spaces-postrender
target=${CARGO_TARGET_DIR:-$root/target}
case $target in /*) ;; *) target=$root/$target ;; esac
bin=$target/release/spaces-postrender
data=$(mktemp -d "${TMPDIR:-/tmp}/spaces-postrender-integrity.XXXXXX")
trap 'rm -rf "$data"' EXIT

# measure CMD: "seconds peak-MB" of one run (GNU time).
measure() {
  /usr/bin/time -f '%e %M' -o "$data/t" bash -c "$1" >/dev/null 2>&1 || { echo "fail fail"; return; }
  awk '{ printf "%.2f %.1f", $1, $2 / 1024 }' "$data/t"
}

report=$data/report.md
{
echo
echo "| stream | documents | MB | seconds | peak RSS |"
echo "|---|---:|---:|---:|---:|"
for n in $NS_SIZES; do
  f=$data/ns-$n.yaml
  awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) printf "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-%d\n", i }' >"$f"
  read -r s m <<<"$(measure "'$bin' --target control-plane --set features.alpha.eso.enabled=true < '$f'")"
  echo "| Namespaces (control-plane, eso on) | $n | $(awk -v b="$(stat -c %s "$f")" 'BEGIN { printf "%.1f", b / 1e6 }') | $s | $m MB |"
  rm -f "$f"
done
for n in $H4_SIZES; do
  f=$data/h4-$n.yaml
  awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) printf "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\n  namespace: default\n  annotations:\n    postrenderer.helm.sh/postrender-filename: chart/templates/cm-%d.yaml\ndata:\n  k: v\n", i, i }' >"$f"
  read -r s m <<<"$(measure "HELM_PLUGIN_NAME=spaces-postrender '$bin' --set features.alpha.argocdPlugin.enabled=true < '$f'")"
  echo "| Helm 4 input (HELM_PLUGIN_NAME set) | $n | $(awk -v b="$(stat -c %s "$f")" 'BEGIN { printf "%.1f", b / 1e6 }') | $s | $m MB |"
  rm -f "$f"
done

for n in $COPIES; do
  f=$data/copies-$n.yaml
  awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) printf "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: external-secrets\n" }' >"$f"
  read -r s m <<<"$(measure "'$bin' --target control-plane --set features.alpha.eso.enabled=true < '$f' 2>'$data/copies.err'")"
  lines=$(grep -c 'namespace-present' "$data/copies.err" || true)
  echo "| copies of the planned Namespace (control-plane, eso on; $lines info line(s)) | $n | $(awk -v b="$(stat -c %s "$f")" 'BEGIN { printf "%.1f", b / 1e6 }') | $s | $m MB |"
  rm -f "$f"
done

if [ -n "$KRM_ITEMS" ]; then
  # The same ConfigMaps as a ResourceList (as kpt writes one) and as a manifest stream.
  krm=$data/krm.yaml
  stream=$data/stream.yaml
  awk -v n="$KRM_ITEMS" 'BEGIN { print "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:"; for (i = 0; i < n; i++) { printf "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: cm-%d\n    namespace: default\n    annotations:\n      config.kubernetes.io/index: \"%d\"\n      internal.config.kubernetes.io/path: cm-%d.yaml\n  data:\n", i, i, i; for (j = 0; j < 8; j++) printf "    key-%d: value-%d-%d-abcdefghijklmnopqrstuvwxyz\n", j, i, j }; print "functionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c\n  data:\n    features.alpha.argocdPlugin.enabled: \"true\"" }' >"$krm"
  awk -v n="$KRM_ITEMS" 'BEGIN { for (i = 0; i < n; i++) { printf "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\n  namespace: default\n  annotations:\n    config.kubernetes.io/index: \"%d\"\n    internal.config.kubernetes.io/path: cm-%d.yaml\ndata:\n", i, i, i; for (j = 0; j < 8; j++) printf "  key-%d: value-%d-%d-abcdefghijklmnopqrstuvwxyz\n", j, i, j } }' >"$stream"
  # limited CMD: the exit status of CMD under the address-space limit (134 is an abort).
  limited() { bash -c "ulimit -v $KRM_LIMIT_KB; $1" >/dev/null 2>&1; echo $?; }
  echo
  echo "| $KRM_ITEMS ConfigMaps | MB | seconds | peak RSS | exit under ulimit -v $KRM_LIMIT_KB KB |"
  echo "|---|---:|---:|---:|---:|"
  mb() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.1f", b / 1e6 }'; }
  read -r s m <<<"$(measure "'$bin' < '$krm'")"
  echo "| KRM, ResourceList from a file | $(mb "$krm") | $s | $m MB | $(limited "exec '$bin' < '$krm'") |"
  read -r s m <<<"$(measure "cat '$krm' | '$bin'")"
  echo "| KRM, ResourceList from a pipe | $(mb "$krm") | $s | $m MB | $(limited "cat '$krm' | '$bin'") |"
  read -r s m <<<"$(measure "'$bin' --set features.alpha.argocdPlugin.enabled=true < '$stream'")"
  echo "| post-render, the same objects as a stream | $(mb "$stream") | $s | $m MB | $(limited "exec '$bin' --set features.alpha.argocdPlugin.enabled=true < '$stream'") |"
  rm -f "$krm" "$stream"
fi

echo
echo "| --set flags | seconds | peak RSS |"
echo "|---:|---:|---:|"
for n in $SET_SIZES; do
  f=$data/set-$n.args
  awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) printf "--set\nk%d.a=%d\n", i, i }' >"$f"
  read -r s m <<<"$(measure "mapfile -t a < '$f'; '$bin' validate \"\${a[@]}\"")"
  echo "| $n | $s | $m MB |"
done
echo
} >"$report"
cat "$report"
if [ -n "$DOCS" ]; then
  bash benches/doc-section.sh "$DOCS" benches/integrity.sh <"$report"
  say "wrote the tables into $DOCS (read git diff before committing)"
fi
