#!/bin/sh
# Bounded runs of every libFuzzer target under ASan+UBSan.
# Usage: fuzz-smoke.sh FUZZ_BUILD_DIR SECONDS_EACH
#
# Seeds: every target starts from a small corpus made here, at run time,
# from valid and slightly broken inputs (nothing opaque is committed):
#   fuzz_minisig  public keys and signatures made by the minisign CLI, and
#                 broken copies of them (CRLF, truncated, legacy, garbage)
#   fuzz_archive  tarballs made with tar: the first byte picks the mode,
#                 "\0" + a .tar.gz as is, "\1" + a plain .tar (the target
#                 gzips it), so the fuzzer starts inside the tar checks
#   fuzz_form     form-urlencoded alias bodies
#   fuzz_order    engine_fetch orders, intervals, CIKs, Content-Range,
#                 content info lines
#   fuzz_name     "name\nversion" pairs
#   fuzz_ipc      what build/tests/gen_ipc_seeds writes (every message)
# plus tests/fuzz/corpus/NAME if present.
#
# Regressions: a crash found (crash-*, leak-*, timeout-* in the logs dir
# this script names) becomes a regression test by copying that input into
# tests/fuzz/regress/NAME/ (NAME is the target, e.g. fuzz_archive), with
# a name that says what it was (e.g. ustar-longlink-overflow), and
# committing it with the fix.  Before its timed run, every file there goes
# once through the target (libFuzzer runs files given as arguments once
# each); a crash fails the target.  A missing or empty directory is fine.
B=$(cd "$1" && pwd) || exit 2; S=${2:-30}
TOP=$(cd "$(dirname "$0")/.." && pwd)
pass=0; fail=0; total_runs=0
W=$(mktemp -d /tmp/gwe-fuzz.XXXXXX)
SEED=$W/seed-src
mkdir -p "$SEED"

# put TARGET NAME: stdin becomes seed NAME of TARGET.
put() { mkdir -p "$W/$1"; cat > "$W/$1/$2"; }
# putf TARGET NAME FMT: printf FMT (escapes allowed) into seed NAME.
putf() { mkdir -p "$W/$1"; printf "$3" > "$W/$1/$2"; }
# puts TARGET NAME STRING: STRING as is (no escapes, % kept).
puts() { mkdir -p "$W/$1"; printf '%s' "$3" > "$W/$1/$2"; }

seed_minisig() {
	t=fuzz_minisig
	if ! command -v minisign > /dev/null; then
		echo "# $t: no minisign CLI, hand-made seeds only"
	else
		(
			cd "$SEED" || exit 1
			printf 'hello\n' > app.v1.0.tar.gz
			minisign -G -W -p k.pub -s k.sec > /dev/null 2>&1 &&
			minisign -S -s k.sec -m app.v1.0.tar.gz -t 'file:app.v1.0.tar.gz' > /dev/null 2>&1 &&
			cp app.v1.0.tar.gz.minisig good.minisig &&
			minisign -S -l -s k.sec -m app.v1.0.tar.gz -x legacy.minisig > /dev/null 2>&1
			:
		)
		for s in k.pub good.minisig legacy.minisig; do
			[ -f "$SEED/$s" ] && cp "$SEED/$s" "$W/$t/$s"
		done
		if [ -f "$SEED/good.minisig" ]; then
			sed 's/$/\r/' "$SEED/good.minisig" | put $t crlf.minisig
			head -c 100 "$SEED/good.minisig" | put $t truncated.minisig
			head -n 3 "$SEED/good.minisig" | put $t three-lines.minisig
			{ cat "$SEED/good.minisig"; echo extra; } | put $t trailing.minisig
			sed '2s/^../AA/' "$SEED/good.minisig" | put $t bad-alg.minisig
		fi
		if [ -f "$SEED/k.pub" ]; then
			tr -d '\n' < "$SEED/k.pub" | put $t no-lf.pub
			sed '2s/.$/!/' "$SEED/k.pub" | put $t bad-b64.pub
		fi
	fi
	putf $t empty ''
	putf $t comment-only 'untrusted comment: x\n'
}

seed_archive() {
	t=fuzz_archive
	(
		cd "$SEED" && mkdir -p app/sub && cd app || exit 1
		printf '#!/bin/sh\necho installed\n' > install.sh && chmod 755 install.sh
		echo data > sub/file && ln -sf file sub/link
		tar czf ../min.tar.gz install.sh
		tar cf ../min.tar install.sh
		tar czf ../tree.tar.gz install.sh sub
		tar cf ../tree.tar install.sh sub
		tar cf ../dotdot.tar --transform 's|^sub/file|../escape|' install.sh sub/file
	) > /dev/null 2>&1
	for s in min tree dotdot; do
		[ -f "$SEED/$s.tar.gz" ] && { printf '\0'; cat "$SEED/$s.tar.gz"; } | put $t "$s.gz-mode"
		[ -f "$SEED/$s.tar" ] && { printf '\1'; cat "$SEED/$s.tar"; } | put $t "$s.tar-mode"
	done
	[ -f "$SEED/min.tar.gz" ] && { printf '\0'; head -c 40 "$SEED/min.tar.gz"; } | put $t truncated-gz
	putf $t empty-tar-mode '\1'
}

seed_form() {
	t=fuzz_form
	puts $t fetch 'engine_fetch=%7B%22install%22%3A%5B%7B%22name%22%3A%22a.v1.tar.gz%22%7D%5D%7D'
	puts $t interval 'update_interval=60&a=b'
	puts $t plus-and-pct 'a=x+y%20z&engine_fetch=&x=1'
	puts $t bad-pct 'a=%zz&b=%4'
	puts $t dup 'a=1&a=2'
	puts $t empty ''
	puts $t bare 'engine_fetch&&='
}

seed_order() {
	t=fuzz_order
	putf $t one '{"install": [{"name": "modbus_bridge.v1.4.2.tar.gz"}]}'
	putf $t two ' {"install":[{"name":"a.v1.tar.gz","x":1},{"name":"b-c.v2.0.tar.gz"}],"other":true} \n'
	putf $t empty-list '{"install": []}'
	putf $t not-obj '{"install": ["a.v1.tar.gz"]}'
	putf $t slash '{"install": [{"name": "../a.v1.tar.gz"}]}'
	putf $t interval '60'
	putf $t range 'bytes 100-199/200'
	putf $t range-star ' bytes 0-0/*\r\n'
	putf $t cik '0123456789abcdef0123456789ABCDEF01234567\r\n'
	putf $t content-info 'application/x-gzip,1234,1700000000,a,b,c\n'
}

seed_name() {
	t=fuzz_name
	putf $t plain 'app.v1.0.tar.gz\n1.0.1'
	putf $t long-version 'modbus_bridge.v1.4.2.tar.gz\n1.4.10'
	putf $t pre 'a-b.v2.0-rc1.tar.gz\n2.0'
	putf $t no-v 'app.1.0.tar.gz\n1.0'
	putf $t slash 'x/app.v1.tar.gz\n1'
	putf $t not-tgz 'app.v1.0.zip\n01.0'
}

seed_ipc() {
	t=fuzz_ipc
	mkdir -p "$W/$t"
	for g in "$TOP/build/tests/gen_ipc_seeds" "$B/tests/gen_ipc_seeds"; do
		[ -x "$g" ] && { "$g" "$W/$t" > /dev/null 2>&1; break; }
	done
}

# (The seed_* functions use s and t; the loop below owns f, n, r.)
for f in "$B"/fuzz_*; do
	[ -x "$f" ] || continue
	n=$(basename "$f")
	mkdir -p "$W/$n"
	case $n in
	fuzz_minisig) seed_minisig ;;
	fuzz_archive) seed_archive ;;
	fuzz_form) seed_form ;;
	fuzz_order) seed_order ;;
	fuzz_name) seed_name ;;
	fuzz_ipc) seed_ipc ;;
	*) echo "# $n: no seed generator, starting empty" ;;
	esac
	[ -d "$TOP/tests/fuzz/corpus/$n" ] && cp "$TOP/tests/fuzz/corpus/$n"/* "$W/$n/" 2>/dev/null
	seeds=$(ls "$W/$n" | wc -l)

	# The regression inputs, once each.
	reg=0
	if [ -d "$TOP/tests/fuzz/regress/$n" ]; then
		set --
		for r in "$TOP/tests/fuzz/regress/$n"/*; do
			[ -f "$r" ] && set -- "$@" "$r"
		done
		reg=$#
		if [ "$reg" -gt 0 ] && ! (cd "$W" && ASAN_OPTIONS=detect_leaks=1 "$f" \
		    -rss_limit_mb=2048 "$@") > "$W/$n.regress.log" 2>&1; then
			echo "not ok - $n: a regression input crashes again"
			grep -E 'Running:|ERROR|SUMMARY' "$W/$n.regress.log" | head -20 | sed 's/^/# /'
			fail=$((fail + 1))
			continue
		fi
	fi

	if (cd "$W" && ASAN_OPTIONS=detect_leaks=1 "$f" -max_total_time="$S" \
	    -rss_limit_mb=2048 -print_final_stats=1 "$W/$n") > "$W/$n.log" 2>&1; then
		runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$W/$n.log" | grep -o '[0-9]*$')
		total_runs=$((total_runs + ${runs:-0}))
		echo "ok - $n: ${runs:-?} executions in ${S}s from $seeds seeds, $reg regression inputs, no crash"
		pass=$((pass + 1))
	else
		echo "not ok - $n: crash or error, see below"
		grep -E 'ERROR|SUMMARY|==[0-9]+==' "$W/$n.log" | head -20 | sed 's/^/# /'
		ls "$W"/crash-* "$W"/leak-* "$W"/timeout-* 2>/dev/null | sed 's/^/# artifact: /'
		echo "# to keep it as a regression test: cp ARTIFACT $TOP/tests/fuzz/regress/$n/WHAT-IT-IS"
		fail=$((fail + 1))
	fi
done
echo "fuzz executions: $total_runs in total"
if [ "$fail" = 0 ]; then rm -rf "$W"; else echo "logs and artifacts kept in $W"; fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
