#!/usr/bin/env bash
# Replaces a generated section of a Markdown file with standard input:
#
#   benches/doc-section.sh FILE NAME < CONTENT
#
# The section is every line between `<!-- BEGIN NAME -->` and `<!-- END NAME -->` (each alone on
# its line; both kept). Everything else in FILE stays as it is. Missing markers are an error,
# and FILE is then not touched. benches/run.sh and benches/integrity.sh write their tables into
# docs/performance.md with it, so the figures there are never typed by hand.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 FILE NAME < CONTENT" >&2; exit 2; }
file=$1 name=$2
begin="<!-- BEGIN $name -->"
end="<!-- END $name -->"
if [ "$(grep -cxF "$begin" "$file")" != 1 ] || [ "$(grep -cxF "$end" "$file")" != 1 ]; then
  echo "$0: $file needs exactly one '$begin' line and one '$end' line" >&2
  exit 1
fi
if [ "$(grep -nxF "$begin" "$file" | cut -d: -f1)" -gt "$(grep -nxF "$end" "$file" | cut -d: -f1)" ]; then
  echo "$0: $file has '$end' before '$begin'" >&2
  exit 1
fi
content=$(mktemp)
tmp=$(mktemp "$file.XXXXXX")
trap 'rm -f "$content" "$tmp"' EXIT
cat >"$content"
awk -v b="$begin" -v e="$end" -v c="$content" '
  $0 == b { print; while ((getline line < c) > 0) print line; skip = 1; next }
  $0 == e { skip = 0 }
  !skip { print }
' "$file" >"$tmp"
chmod --reference="$file" "$tmp"
mv -f "$tmp" "$file"
