#!/usr/bin/env bash
# Benchmark: spaces-postrender against `cat`, the bare YAML parser and `kubectl kustomize`.
#
#   bash benches/run.sh                 # measure, print, and write the figures into docs/performance.md (~5 minutes)
#   RUNS=20 bash benches/run.sh         # more runs per median
#   QUICK=1 bash benches/run.sh         # a few seconds: small inputs, 2 runs, no kustomize; prints only
#   DOCS= bash benches/run.sh           # print only; DOCS=FILE writes FILE instead
#
# The report replaces the section between `<!-- BEGIN benches/run.sh -->` and
# `<!-- END benches/run.sh -->` of $DOCS (default docs/performance.md; none with QUICK=1 or a
# SIZES/RUNS/KRUNS/BIG_DOCS of your own, unless DOCS is set), through benches/doc-section.sh:
# the figures there are never typed by hand. Read `git diff docs/performance.md` before
# committing it.
#
# For each input it prints the median whole-process time (release build, standard input
# redirected from the file, output discarded) of:
#   - spaces-postrender --set features.alpha.argocdPlugin.enabled=true   (ours: the glibc release build)
#   - the same with the static release binary (packaging/static-build.sh: musl, mimalloc), the
#     one the release archive, the Helm 4 plugin tarball and the Argo CD image ship (STATIC=0: not built)
#   - cat                                                               (the limit)
#   - the bare YAML parser: granit-parser's event loop over the same bytes (`bench-gen parse`),
#     the inner limit for a tool that checks every document as YAML
#   - kubectl kustomize (kustomize 5.7.1 inside kubectl 1.35) adding the same generated objects
#     (a kustomization with the input and the generated Role/RoleBinding as resources), up to the
#     size where it stays under a minute
# plus throughput (input MB / our median) and our peak RSS.
#
# Inputs: generated streams (benches/gen.rs: ConfigMaps, Deployments, large CRDs) of 1k, 4k, 10k,
# 20k and 100k documents and ~100 MB, and every file of ../shared/corpus (read in place).
# Data goes to a temporary directory outside the repository. Not part of `cargo test`.
#
# Tools: hyperfine (installed from Debian when missing; without it, a timing loop of `date`),
# /usr/bin/time for peak RSS (installed from Debian when missing; without it, getrusage via
# python3), kubectl from .ci/install-tools.sh (without it, the kustomize column is skipped).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

# The figures of the docs come from a full run with the defaults; anything else only prints,
# unless DOCS names a file.
custom=${QUICK:+1}${RUNS:+1}${KRUNS:+1}${SIZES:+1}${BIG_DOCS:+1}
if [ -n "${QUICK:-}" ]; then
  RUNS=${RUNS:-2} KRUNS=${KRUNS:-1} SIZES=${SIZES:-"1000"} BIG_DOCS=${BIG_DOCS:-2000} NO_KUSTOMIZE=1
fi
if [ -z "${DOCS+set}" ]; then
  if [ -z "$custom" ]; then DOCS=docs/performance.md; else DOCS=""; fi
fi
RUNS=${RUNS:-10}
KRUNS=${KRUNS:-3}
SIZES=${SIZES:-"1000 4000 10000 20000 100000"}
BIG_DOCS=${BIG_DOCS:-155000} # about 100 MB
KUSTOMIZE_LIMIT=${KUSTOMIZE_LIMIT:-60}
SET=(--set features.alpha.argocdPlugin.enabled=true)

say() { echo "$@" >&2; }

apt_install() {
  command -v apt-get >/dev/null 2>&1 || return 1
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo -n"
  $sudo apt-get install -y -qq "$@" >/dev/null 2>&1 ||
    { $sudo apt-get update -qq >/dev/null 2>&1 && $sudo apt-get install -y -qq "$@" >/dev/null 2>&1; }
}

command -v hyperfine >/dev/null 2>&1 || apt_install hyperfine || say "note: hyperfine unavailable; timing with a loop of date"
[ -x /usr/bin/time ] || apt_install time || say "note: /usr/bin/time unavailable; peak RSS via python3 getrusage"

say "building (release)..."
cargo build --release --locked --quiet --bin spaces-postrender --example bench-gen
target=${CARGO_TARGET_DIR:-$root/target}
case $target in /*) ;; *) target=$root/$target ;; esac
bin=$target/release/spaces-postrender
gen=$target/release/examples/bench-gen
static_bin=""
if [ "${STATIC:-1}" != 0 ]; then
  say "building the static binary (packaging/static-build.sh)..."
  static_bin=$(bash packaging/static-build.sh | tail -n 1) || static_bin=""
  [ -x "$static_bin" ] || { static_bin=""; say "note: the static build failed; no static column"; }
fi

tools=""
if [ -n "${NO_KUSTOMIZE:-}" ]; then
  kubectl=""
  say "note: no kustomize column (QUICK=1 or NO_KUSTOMIZE=1)"
elif tools=$(bash .ci/install-tools.sh 2>/dev/null | tail -n 1) && [ -x "$tools/kubectl135" ]; then
  kubectl=$tools/kubectl135
else
  kubectl=""
  say "note: kubectl unavailable (.ci/install-tools.sh failed); no kustomize column"
fi

data=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/spaces-postrender-bench.XXXXXX")}
mkdir -p "$data"
say "data in $data"

# median_ms CMD: median wall time in milliseconds of a shell command line.
median_ms() {
  local cmd=$1 runs=${2:-$RUNS}
  if command -v hyperfine >/dev/null 2>&1; then
    hyperfine --style none --warmup "$(( runs < 3 ? 0 : 2 ))" --runs "$runs" \
      --export-json "$data/h.json" "$cmd" >/dev/null 2>&1 || { echo "fail"; return; }
    grep -o '"median": *[0-9.e+-]*' "$data/h.json" | head -n 1 |
      awk '{ printf "%.1f", $2 * 1000 }'
  else
    local i t0 t1
    for ((i = 0; i < runs; i++)); do
      t0=$(date +%s%N)
      sh -c "$cmd" >/dev/null 2>&1 || { echo "fail"; return; }
      t1=$(date +%s%N)
      echo $(( (t1 - t0) / 1000 ))
    done | sort -n | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.1f", m / 1000 }'
  fi
}

# peak_rss_mb CMD: peak resident set size of one run, in MB.
peak_rss_mb() {
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%M' -o "$data/rss" sh -c "$1" >/dev/null 2>&1
    awk '{ printf "%.1f", $1 / 1024 }' "$data/rss"
  else
    python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1], shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print("%.1f" % (resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024))' "$1"
  fi
}

inputs=()
for n in $SIZES; do
  f=$data/gen-$n.yaml
  [ -s "$f" ] || "$gen" gen "$n" >"$f"
  inputs+=("$f")
done
bigname=gen-100MB
[ "$BIG_DOCS" = 155000 ] || bigname=gen-$BIG_DOCS-docs # not ~100 MB: the RSS target does not apply
big=$data/$bigname.yaml
[ -s "$big" ] || "$gen" gen "$BIG_DOCS" >"$big"
inputs+=("$big")
corpus=()
if [ -d ../shared/corpus ]; then
  for f in ../shared/corpus/*.yaml; do corpus+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")"); done
  # All of the corpus as one stream (a temporary file outside the repository).
  cat "${corpus[@]}" >"$data/corpus-all.yaml"
  inputs+=("${corpus[@]}" "$data/corpus-all.yaml")
else
  say "note: ../shared/corpus is absent"
fi

kz_last=""   # seconds kustomize took on the previous generated size
kz_last_docs=0
declare -A result

row() {
  local f=$1 name docs mb ours st cat parse kz speed rss mbs ratio
  name=$(basename "$f" .yaml)
  docs=$("$gen" count "$f")
  mb=$(awk -v b="$(stat -c %s "$f")" 'BEGIN { printf "%.2f", b / 1e6 }')
  say "measuring $name ($docs documents, $mb MB)..."
  ours=$(median_ms "$bin ${SET[*]} < '$f' > /dev/null")
  st="-"
  [ -z "$static_bin" ] || st="$(median_ms "$static_bin ${SET[*]} < '$f' > /dev/null") ms"
  cat=$(median_ms "cat < '$f' > /dev/null")
  parse=$(median_ms "$gen parse < '$f' > /dev/null 2>&1")
  rss=$(peak_rss_mb "$bin ${SET[*]} < '$f' > /dev/null")
  mbs=$(awk -v b="$(stat -c %s "$f")" -v t="$ours" 'BEGIN { printf "%.0f", b / 1e6 / (t / 1000) }')
  ratio=$(awk -v a="$ours" -v b="$parse" 'BEGIN { printf "%.2f", a / b }')
  kz="-"; speed="-"
  if [ -n "$kubectl" ] && [ "$f" != "$big" ]; then
    # Quadratic: skip a size that would take more than the limit, judging by the last one.
    local skip=0
    if [ -n "$kz_last" ] && [[ $name == gen-* ]]; then
      skip=$(awk -v t="$kz_last" -v a="$kz_last_docs" -v b="$docs" -v l="$KUSTOMIZE_LIMIT" \
        'BEGIN { print (t * (b / a) ^ 2 > l) ? 1 : 0 }')
    fi
    if [ "$skip" = 1 ]; then
      kz="> ${KUSTOMIZE_LIMIT} s (skipped)"
    else
      local k=$data/kz-$name
      mkdir -p "$k"
      cp "$f" "$k/input.yaml"
      "$bin" "${SET[@]}" <"$f" | tail -c +"$(( $(stat -c %s "$f") + 1 ))" >"$k/generated.yaml"
      printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- input.yaml\n- generated.yaml\n' >"$k/kustomization.yaml"
      kz=$(median_ms "timeout $((KUSTOMIZE_LIMIT * 2)) $kubectl kustomize '$k' > /dev/null" "$KRUNS")
      rm -rf "$k"
      if [ "$kz" != fail ]; then
        speed=$(awk -v a="$kz" -v b="$ours" 'BEGIN { printf "%.0f×", a / b }')
        [[ $name == gen-* ]] && { kz_last=$(awk -v a="$kz" 'BEGIN { print a / 1000 }'); kz_last_docs=$docs; }
        kz=$(awk -v a="$kz" 'BEGIN { if (a >= 1000) printf "%.2f s", a / 1000; else printf "%.0f ms", a }')
      fi
    fi
  fi
  result[$name]="$ours $parse $mbs $rss"
  printf '| %s | %s | %s | %s ms | %s | %s | %s ms | %s ms | %s | %s | %s | %s MB |\n' \
    "$name" "$docs" "$mb" "$ours" "$mbs" "$st" "$cat" "$parse" "$ratio" "$kz" "$speed" "$rss"
}

report=$data/report.md
{
echo
echo "Machine: $(nproc) cores, $(awk '/^model name/ { $1 = $2 = $3 = ""; print; exit }' /proc/cpuinfo | sed 's/^ *//'), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r)"
echo "spaces-postrender $("$bin" --version | awk '{ print $2 }') (release build, glibc; static binary: $([ -n "$static_bin" ] && echo "musl + mimalloc, packaging/static-build.sh" || echo "not built")), $(hyperfine --version 2>/dev/null || echo 'a date loop'), ${kubectl:+kubectl $("$kubectl" version --client 2>/dev/null | awk '{ print $3 }' | paste -sd/ -) (client/kustomize)}$([ -n "$kubectl" ] || echo "no kubectl"); medians of $RUNS runs ($KRUNS for kustomize)"
echo
echo "| input | documents | MB | spaces-postrender | MB/s | static binary | cat | bare parser | ours / parser | kubectl kustomize | kustomize / ours | peak RSS |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for f in "${inputs[@]}"; do row "$f"; done

# Startup: no input, and a typical chart.
echo
echo "| startup | spaces-postrender | static binary | cat |"
echo "|---|---:|---:|---:|"
# static_ms ARGS...: the static binary's median for a command line after the binary, or "-".
static_ms() {
  if [ -n "$static_bin" ]; then echo "$(median_ms "$static_bin $1" $((RUNS * 3))) ms"; else echo "-"; fi
}
g=$(median_ms "$bin generate ${SET[*]} > /dev/null" $((RUNS * 3)))
gs=$(static_ms "generate ${SET[*]} > /dev/null")
c0=$(median_ms "cat < /dev/null > /dev/null" $((RUNS * 3)))
echo "| \`generate\` (no input) | $g ms | $gs | $c0 ms (empty input) |"
if [ ${#corpus[@]} -gt 0 ]; then
  chart=${corpus[0]}
  for c in "${corpus[@]}"; do [[ $c == *crossplane-chart* ]] && chart=$c; done
  p=$(median_ms "$bin ${SET[*]} < '$chart' > /dev/null" $((RUNS * 3)))
  ps=$(static_ms "${SET[*]} < '$chart' > /dev/null")
  c1=$(median_ms "cat < '$chart' > /dev/null" $((RUNS * 3)))
  echo "| post-render of $(basename "$chart") ($(stat -c %s "$chart") bytes) | $p ms | $ps | $c1 ms |"
fi

# The issue's targets, from the figures above.
echo
read -r o20 p20 m20 _ <<<"${result[gen-20000]:-0 0 0 0}"
read -r o100 _ _ _ <<<"${result[gen-100000]:-0 0 0 0}"
read -r _ _ _ rbig <<<"${result[gen-100MB]:-0 0 0 0}"
read -r _ _ mcorpus _ <<<"${result[corpus-all]:-0 0 0 0}"
awk -v o20="$o20" -v o100="$o100" -v p20="$p20" -v m20="$m20" -v mc="$mcorpus" -v r="$rbig" 'BEGIN {
  if (o20 > 0 && o100 > 0) printf "- linear scaling: 100k documents take %.2f× the 20k time (target <= 5.5×)\n", o100 / o20
  if (o20 > 0 && p20 > 0) printf "- versus the bare parser on the 20k stream: %.2f× its time (target <= 1.5×)\n", o20 / p20
  if (m20 > 0) printf "- throughput: %s MB/s on the 20k stream, %s MB/s on the whole corpus (target >= 150)\n", m20, mc
  if (r > 0) printf "- peak RSS on the ~100 MB input: %s MB (target < 50)\n", r
}'
echo
} >"$report"
cat "$report"
if [ -n "$DOCS" ]; then
  bash benches/doc-section.sh "$DOCS" benches/run.sh <"$report"
  say "wrote the figures into $DOCS (read git diff before committing)"
fi
[ -n "${BENCH_DIR:-}" ] || rm -rf "$data"
