#!/bin/sh
# Function lengths by folder: count, median, p90, max (and which), counted
# from the line that holds the function's name to its closing brace, as
# universal-ctags reports them (ctags -x --fields=+ne: start line, end:).
#   tests/funclen.sh            the table, for every folder with C code
#   tests/funclen.sh --over N   only the functions longer than N lines
# Run from anywhere; reads the files git tracks.
cd "$(dirname "$0")/.." || exit 2
over=
[ "${1:-}" = --over ] && over=$2
command -v ctags > /dev/null || { echo "funclen: needs universal-ctags" >&2; exit 2; }
git ls-files --cached --others --exclude-standard '*.c' '*.h' | xargs ctags -x --c-kinds=f --fields=+ne \
    --_xformat='%F %N %n %{end}' 2>/dev/null |
    awk '$4 ~ /^[0-9]+$/ { f = $1; sub(/\/[^\/]*$/, "", f); print f, $1 ":" $3, $2, $4 - $3 + 1 }' |
    sort -k1,1 -k4,4n > "${TMPDIR:-/tmp}/funclen.$$"
if [ -n "$over" ]; then
	awk -v n="$over" '$4 > n { printf "%s %s %d lines\n", $2, $3, $4 }' "${TMPDIR:-/tmp}/funclen.$$"
	rm -f "${TMPDIR:-/tmp}/funclen.$$"
	exit 0
fi
printf '%-20s %5s %6s %4s %4s  %s\n' folder funcs median p90 max longest
awk '
function flush() {
	if (n == 0) return
	med = len[int((n + 1) / 2)]
	p90 = len[int(n * 0.9 + 0.999999)]
	printf "%-20s %5d %6d %4d %4d  %s\n", cur, n, med, p90, len[n], who
}
$1 != cur { flush(); cur = $1; n = 0 }
{ len[++n] = $4; who = $3 " (" $2 ")" }
END { flush() }' "${TMPDIR:-/tmp}/funclen.$$"
rm -f "${TMPDIR:-/tmp}/funclen.$$"
