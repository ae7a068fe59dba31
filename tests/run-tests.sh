#!/bin/sh
# Run every test and count.  Unit tests are cmocka programs (TAP output);
# integration tests are executables under tests/integration that print TAP
# ("ok N - what", "not ok N - what", "ok N - what # SKIP reason").
# Ends with one line: "N passed, N failed[, N skipped]".
# Usage: run-tests.sh BUILD_DIR [PATTERN]
B=${1:-build}
PAT=${2:-}
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "$TOP" && cd "$B" && pwd) || { echo "run-tests: no build dir" >&2; exit 2; }
export GWE_TOP="$TOP" GWE_BUILD="$B" CMOCKA_MESSAGE_OUTPUT=TAP
LOG=$(mktemp -d /tmp/gwe-tests.XXXXXX)
pass=0; fail=0; skip=0; failed_names=""

count() {	# $1 name, $2 tap file, $3 exit code
	p=$(grep -Ec '^ok [0-9]+' "$2" | tr -d ' '); p=${p:-0}
	s=$(grep -Ec '^(not )?ok [0-9]+.*# ?SKIP' "$2"); s=${s:-0}
	f=$(grep -E '^not ok [0-9]+' "$2" | grep -Evc '# ?SKIP'); f=${f:-0}
	ps=$(grep -E '^ok [0-9]+' "$2" | grep -Ec '# ?SKIP')
	p=$((p - ps))
	# A program that died or exited non-zero without a failing line still fails.
	if [ "$3" != 0 ] && [ "$f" = 0 ]; then
		f=1; echo "not ok - $1 exited with status $3" >> "$2"
	fi
	if [ $((p + f + s)) = 0 ]; then
		f=1; echo "not ok - $1 ran no test" >> "$2"
	fi
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
	[ "$f" != 0 ] && failed_names="$failed_names $1"
	printf '%-40s %3d passed %3d failed %3d skipped\n' "$1" "$p" "$f" "$s"
	[ "$f" != 0 ] && grep -E '^(not ok|#)' "$2" | head -40 | sed 's/^/    /'
	return 0
}

for t in "$B"/tests/test_*; do
	[ -x "$t" ] || continue
	n=$(basename "$t")
	[ -n "$PAT" ] && case "$n" in *$PAT*) ;; *) continue;; esac
	(cd "$LOG" && timeout 600 "$t") > "$LOG/$n.tap" 2> "$LOG/$n.err"
	count "$n" "$LOG/$n.tap" $?
done
for t in "$TOP"/tests/integration/*; do
	[ -x "$t" ] && [ -f "$t" ] || continue
	n=$(basename "$t")
	[ -n "$PAT" ] && case "$n" in *$PAT*) ;; *) continue;; esac
	timeout 900 "$t" > "$LOG/$n.tap" 2> "$LOG/$n.err" < /dev/null
	count "$n" "$LOG/$n.tap" $?
done
echo "logs: $LOG"
[ -n "$failed_names" ] && echo "failed:$failed_names"
if [ "$skip" != 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" = 0 ]
