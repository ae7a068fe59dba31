#!/bin/sh
# Rewrite the two tables and the total line of docs/trusted-surface.md from
# the tree; run by `make docs` (and `make O=DIR docs`).  The rows are what
# test_trusted_surface.sh --table prints: each source's "what it does" kept
# from the document, a file new to the installer marked "(new: say what it
# does)", a file it no longer links dropped.  The header list comes from the
# compiler's .d files in GWE_BUILD (default: the build dir O, else build):
# build gwe-installd there first.  The test stays the judge; this saves typing.
#   tests/update-line-counts.sh [docs/trusted-surface.md]
doc=${1:-docs/trusted-surface.md}
top=$(cd "$(dirname "$0")/.." && pwd)
case ${O:-build} in
/*)	: "${GWE_BUILD:=$O}" ;;
*)	: "${GWE_BUILD:=$top/${O:-build}}" ;;
esac
export GWE_BUILD GWE_TOP="$top"
tables=$(mktemp)
tmp=$(mktemp)
trap 'rm -f "$tables" "$tmp"' EXIT
sh "$top/tests/integration/test_trusted_surface.sh" --table > "$tables" || exit 1
if ! grep -q '^| `[^`]*\.h` |' "$tables"; then
	echo "update-line-counts: no .d files in $GWE_BUILD: build gwe-installd there first" >&2
	exit 1
fi
grep -F '(new: say what it does)' "$tables" | cut -d'`' -f2 | while read -r f; do
	echo "update-line-counts: $doc: say what $f does" >&2
done
# Each table of the document (its heading row and the rows after it) is
# replaced by the one of the same heading; the total line by the new one.
awk -v tf="$tables" '
BEGIN {
	while ((getline l < tf) > 0) {
		if (l ~ /^\|/) {
			if (cur == "")
				cur = l
			block[cur] = block[cur] l "\n"
		} else {
			cur = ""
			if (l ~ /^\*\*Total: /)
				total = l
		}
	}
}
skip && /^\|/ { next }
{ skip = 0 }
$0 in block { printf "%s", block[$0]; skip = 1; next }
/^\*\*Total: / && total != "" { print total; next }
{ print }
' "$doc" > "$tmp" && cat "$tmp" > "$doc"
