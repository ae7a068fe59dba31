#!/bin/sh
# Memcheck over the unit tests and the installer's integration test
# (make valgrind).  Each unit test binary runs under valgrind: an error or a
# definitely lost block fails it (exit 99), as does a failing test.  Then
# tests/integration/test_installd.sh runs with gwe-installd under valgrind
# (GWE_WRAP); every one of its valgrind logs must be clean.
# Prints "ok - ..." / "not ok - ..." and ends with "N passed, N failed".
# Usage: tests/valgrind.sh [BUILD_DIR]   (default build; run as root for
# the installer test, which skips otherwise)
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "$TOP" && cd "${1:-build}" && pwd) || { echo "valgrind: no build dir" >&2; exit 2; }
command -v valgrind > /dev/null || { echo "valgrind: not installed (apt-get install valgrind)" >&2; exit 2; }
export GWE_TOP="$TOP" GWE_BUILD="$B" CMOCKA_MESSAGE_OUTPUT=TAP
W=$(mktemp -d /tmp/gwe-valgrind.XXXXXX)
pass=0; fail=0
ok()	{ echo "ok - $1"; pass=$((pass + 1)); }
notok()	{ echo "not ok - $1"; fail=$((fail + 1)); }
VG="valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --track-fds=no"

# Valgrind's error lines in the logs named (whether or not they reached a summary).
vg_errors() {
	cat "$@" /dev/null | grep -E '^==[0-9]+== (Invalid (read|write|free)|Conditional jump|Use of uninitialised|Syscall param|Mismatched free|Source and destination overlap|Argument .* of function .* has a fishy)'
}

# ---- unit tests --------------------------------------------------------
for t in "$B"/tests/test_*; do
	[ -x "$t" ] && [ -f "$t" ] || continue
	n=$(basename "$t")
	case $n in
	test_net_sandbox)
		# It installs netd's seccomp filter and Landlock ruleset and then
		# checks that exec/fork die: valgrind's own syscalls break under
		# the filter, and valgrind cannot run a seccomp-filtered guest.
		echo "ok - $n # SKIP applies a seccomp filter, which valgrind cannot run under"
		continue ;;
	esac
	(cd "$W" && timeout 600 $VG --log-file="$W/$n.vg.%p" "$t") > "$W/$n.tap" 2>&1
	rc=$?
	bad=$(vg_errors "$W/$n".vg.* 2>/dev/null | head -5)
	if [ "$rc" = 0 ] && [ -z "$bad" ] && ! grep -q '^not ok' "$W/$n.tap"; then
		ok "$n: $(grep -c '^ok' "$W/$n.tap") tests, no memcheck error"
	else
		notok "$n: exit $rc"
		grep '^not ok' "$W/$n.tap" | head -10 | sed 's/^/# /'
		grep -hE 'ERROR SUMMARY|definitely lost|Invalid|uninitialised|Syscall param|^==[0-9]+==    (at|by) ' \
		    "$W/$n".vg.* 2>/dev/null | head -30 | sed 's/^/# /'
	fi
done

# ---- the installer's integration test, gwe-installd under valgrind ------
# Each installer process writes its own log (%p): the test restarts it
# several times and kills it once with -9 (that log has no summary), and
# the processes it forks for install.sh leave at exec (no summary either).
# The check: no log reports an error, every summary says 0 errors, none
# reports a definitely lost block, and at least one summary was written.
n=test_installd.sh
mkdir -p "$W/installd"
GWE_WRAP="$VG --log-file=$W/installd/vg.%p" timeout 900 \
    sh "$TOP/tests/integration/$n" > "$W/$n.tap" 2> "$W/$n.err" < /dev/null
rc=$?
logs=$(ls "$W/installd"/vg.* 2>/dev/null)
summaries=$(cat $logs /dev/null | grep -c 'ERROR SUMMARY')
bad=$(vg_errors $logs | head -5)
nonzero=$(cat $logs /dev/null | grep 'ERROR SUMMARY' | grep -v 'ERROR SUMMARY: 0 errors' | head -3)
lost=$(cat $logs /dev/null | grep -E 'definitely lost: [1-9]' | head -3)
if grep -q 'SKIP' "$W/$n.tap" && ! grep -q '^not ok' "$W/$n.tap"; then
	echo "ok - $n under valgrind # SKIP $(grep -o 'SKIP.*' "$W/$n.tap" | head -1)"
elif [ "$rc" = 0 ] && ! grep -q '^not ok' "$W/$n.tap" && [ "$summaries" -gt 0 ] &&
    [ -z "$bad$nonzero$lost" ]; then
	ok "$n with gwe-installd under valgrind: $(grep -c '^ok' "$W/$n.tap") checks, $summaries clean summaries"
else
	notok "$n with gwe-installd under valgrind: exit $rc, $summaries summaries"
	grep '^not ok' "$W/$n.tap" | head -10 | sed 's/^/# /'
	printf '%s\n' "$bad" "$nonzero" "$lost" | grep . | sed 's/^/# /'
fi

if [ "$fail" = 0 ]; then rm -rf "$W"; else echo "# logs kept in $W"; fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
