#!/bin/sh
# Bounded runs of every libFuzzer target under ASan+UBSan.
# Usage: fuzz-smoke.sh FUZZ_BUILD_DIR SECONDS_EACH
# Seeds: a target NAME uses tests/fuzz/corpus/NAME if present, plus what a
# seed generator makes (build/tests/gen_ipc_seeds for fuzz_ipc).
B=$(cd "$1" && pwd) || exit 2; S=${2:-30}
TOP=$(cd "$(dirname "$0")/.." && pwd)
pass=0; fail=0; total_runs=0
W=$(mktemp -d /tmp/gwe-fuzz.XXXXXX)
for f in "$B"/fuzz_*; do
	[ -x "$f" ] || continue
	n=$(basename "$f")
	mkdir -p "$W/$n"
	case $n in
	fuzz_ipc) [ -x "$TOP/build/tests/gen_ipc_seeds" ] && "$TOP/build/tests/gen_ipc_seeds" "$W/$n" ;;
	esac
	[ -d "$TOP/tests/fuzz/corpus/$n" ] && cp "$TOP/tests/fuzz/corpus/$n"/* "$W/$n/" 2>/dev/null
	if (cd "$W" && ASAN_OPTIONS=detect_leaks=1 "$f" -max_total_time="$S" \
	    -rss_limit_mb=2048 -print_final_stats=1 "$W/$n") > "$W/$n.log" 2>&1; then
		runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$W/$n.log" | grep -o '[0-9]*$')
		total_runs=$((total_runs + ${runs:-0}))
		echo "ok - $n: ${runs:-?} runs in ${S}s, no crash"
		pass=$((pass + 1))
	else
		echo "not ok - $n: crash or error, see below"
		grep -E 'ERROR|SUMMARY|==[0-9]+==' "$W/$n.log" | head -20 | sed 's/^/# /'
		ls "$W"/crash-* "$W"/leak-* 2>/dev/null | sed 's/^/# artifact: /'
		fail=$((fail + 1))
	fi
done
echo "fuzz executions: $total_runs"
if [ "$fail" = 0 ]; then rm -rf "$W"; else echo "logs and artifacts kept in $W"; fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
