#!/bin/sh
# docs/app-developer.md's worked example, run as written.
#
# Between the lines "<!-- example:begin -->" and "<!-- example:end -->" the
# ```sh blocks are the commands (run in order, as one script, with the built
# gwe first on PATH) and the ```text blocks are what the document says they
# print.  Every line of the text blocks must appear in the script's output,
# in the order written; the accepted/refused verdicts and exit statuses must
# be exactly those shown, no more; the example must stay inside its
# temporary directory.  The second example installs what it built: it runs
# against an engine of the test's own (the test platform and the three
# daemons, started by `systemctl restart gwe.target`, a stand-in on the
# example's PATH, once the example has put its key in GWE_KEYS_DIR), with
# `gwe` on PATH the built one given -f that engine's configuration.  Needs
# root (the daemons), minisign, tar and curl.
. "$(dirname "$0")/../lib/tap.sh"
DOC=$GWE_TOP/docs/app-developer.md

need_root "worked examples of docs/app-developer.md"
if ! command -v minisign > /dev/null 2>&1 || ! command -v curl > /dev/null 2>&1; then
	skip "worked examples of docs/app-developer.md" "needs minisign and curl"
	tap_end
fi
tap_tmp appdoc
. "$GWE_TOP/tests/lib/engine.sh"

# extract KIND: the lines of the ```KIND blocks inside the example regions.
extract() {
	awk -v kind="$1" '
		/^<!-- example:begin -->$/ { inex = 1; next }
		/^<!-- example:end -->$/ { inex = 0; next }
		inex && !inblock && $0 == "```" kind { inblock = 1; next }
		inex && inblock && $0 == "```" { inblock = 0; next }
		inex && inblock { print }
	' "$DOC"
}
extract sh > "$T/example.sh"
extract text > "$T/expected.txt"
nbegin=$(grep -c '^<!-- example:begin -->$' "$DOC")
nend=$(grep -c '^<!-- example:end -->$' "$DOC")
nsh=$(awk '/^<!-- example:begin -->$/ {e=1} /^<!-- example:end -->$/ {e=0} e && /^```sh$/ {n++} END {print n+0}' "$DOC")
check "the document has example regions, each begun and ended" \
	test "$nbegin" -ge 1 -a "$nbegin" = "$nend"
check "the regions hold commands and their documented output" \
	test "$nsh" -ge 2 -a -s "$T/example.sh" -a -s "$T/expected.txt"
check "the example uses gwe --check-tarball with --pubkey" \
	grep -q 'gwe --check-tarball .* --pubkey ' "$T/example.sh"
check "the example makes its key with minisign -G -W" grep -q 'minisign -G -W ' "$T/example.sh"
check "the example works in a temporary directory" grep -q 'mktemp -d' "$T/example.sh"
for w in 'gwe --create-buildfile ' 'gwe --check-buildfile ' '$(gwe --build-app ' \
    'minisign -S -s ../vendor.key -m "$tarball"' 'gwe --install-apps '; do
	check "the build example uses $w" grep -qF -- "$w" "$T/example.sh"
done

# The engine the example installs into: platform, device, configuration; the
# daemons start when the example restarts "gwe.target".
plat_up || bail "the test platform starts" "$(cat "$T/platform.out")"
SN=SN-APPDOC
regdev "$SN"
E=$T/engine
mkdir -p "$E/run" "$E/keys"
engine_conf "$E/gwe.conf" "$E" "$SN" "device cik = $(devcik "$SN")" "security keys_dir = $E/keys" \
	"engine update_interval = 600" "engine long_poll" "limits install_timeout = 60"
chmod 644 "$E/gwe.conf"
stop_engine() {
	[ -s "$E/pids" ] || return 0
	for p in $(cat "$E/pids"); do kill "$p" 2>/dev/null; done
	for p in $(cat "$E/pids"); do wait_for 5 eval "! pid_alive $p" || kill -9 "$p" 2>/dev/null; done
	: > "$E/pids"
}
trap 'stop_engine; tap_cleanup' EXIT

# The built gwe as "gwe" (with -f the engine's configuration), systemctl; everything
# temporary under $T.
mkdir "$T/bin" "$T/tmp" "$T/home"
cat > "$T/bin/gwe" <<EOF
#!/bin/sh
exec "$GWE_BUILD/gwe" -f "$E/gwe.conf" "\$@"
EOF
cat > "$T/bin/systemctl" <<EOF
#!/bin/sh
# Stand-in for "systemctl restart gwe.target": the test's engine, (re)started.
[ "\$*" = "restart gwe.target" ] || { echo "systemctl: only restart gwe.target here" >&2; exit 1; }
if [ -s "$E/pids" ]; then kill \$(cat "$E/pids"); sleep 1; fi
: > "$E/pids"
for p in installd verifyd netd; do
	rm -f "$E/run/\$p.sock"
	"$GWE_BUILD/gwe-\$p" -F -f "$E/gwe.conf" >> "$E/\$p.log" 2>&1 < /dev/null &
	echo \$! >> "$E/pids"
	n=0
	until [ -S "$E/run/\$p.sock" ]; do
		n=\$((n + 1)); [ \$n -lt 150 ] || { echo "systemctl: gwe-\$p did not start" >&2; exit 1; }
		sleep 0.1
	done
done
EOF
chmod 755 "$T/bin/gwe" "$T/bin/systemctl"
check "gwe on the example's PATH is the built one" \
	test "$(PATH="$T/bin:$PATH" command -v gwe)" = "$T/bin/gwe" -a -x "$GWE_BUILD/gwe"
(cd "$T" && env PATH="$T/bin:$PATH" TMPDIR="$T/tmp" HOME="$T/home" LC_ALL=C \
	GWE_KEYS_DIR="$E/keys" timeout 300 sh "$T/example.sh") > "$T/out.txt" 2>&1 < /dev/null
rc=$?
check "the example runs to its end (exit 0)" test "$rc" = 0
[ "$rc" = 0 ] || sed 's/^/# /' "$T/out.txt" | tail -30

# Every documented line, in order.
missing=$(awk '
	NR == FNR { want[n++] = $0; next }
	i < n && $0 == want[i] { i++ }
	END { if (i < n) print "line " i + 1 " of the documented output: " want[i] }
' "$T/expected.txt" "$T/out.txt")
check "the output has every documented line, in the documented order" test -z "$missing"
[ -z "$missing" ] || { diag "$missing"; sed 's/^/# /' "$T/out.txt" | tail -30; }

# The verdicts and exit statuses: exactly the documented ones, no others.
pat='^(accepted|refused: .*|exit status [0-9]+)$'
grep -E "$pat" "$T/out.txt" > "$T/verdicts.out"
grep -E "$pat" "$T/expected.txt" > "$T/verdicts.doc"
check "exactly the documented verdicts and exit statuses, no others" \
	cmp -s "$T/verdicts.out" "$T/verdicts.doc"
cmp -s "$T/verdicts.out" "$T/verdicts.doc" || diff "$T/verdicts.doc" "$T/verdicts.out" | sed 's/^/# /'
check "the signed example is accepted, exit 0" \
	sh -c "grep -A1 -x accepted '$T/out.txt' | grep -qx 'exit status 0'"
n_acc=$(grep -cx accepted "$T/out.txt")
n_ref=$(grep -c '^refused: ' "$T/out.txt")
check "three acceptances (default and custom trusted comment, the built app)" test "$n_acc" = 3
check "each refused example exits 1" \
	test "$(grep -A1 '^refused: ' "$T/out.txt" | grep -cx 'exit status 1')" = "$n_ref" -a "$n_ref" -ge 1
check "the comment without file: is refused for it" \
	grep -qx 'refused: signature: trusted comment has no file: token' "$T/out.txt"
check "a signature moved to another version is refused" \
	grep -qx 'refused: signature: file:modbus_bridge.v1.4.2.tar.gz does not match modbus_bridge.v1.4.3.tar.gz' "$T/out.txt"
check "the setuid entry is refused" \
	grep -qx "refused: archive: entry 'helper': setuid bit set" "$T/out.txt"
check "the directory archived whole is refused" \
	grep -qx 'refused: archive: no install.sh at the top' "$T/out.txt"
check "the name outside the grammar is refused" \
	grep -qx 'refused: name: does not end in .tar.gz' "$T/out.txt"
check "the default trusted comment carries file:NAME" \
	grep -qx 'file:modbus_bridge.v1.4.2.tar.gz' "$T/out.txt"

# The build example: built from the buildfile, installed by the engine.
check "the buildfile was created and passed -w" \
	sh -c "grep -qx 'modbus_bridge/gwe-buildfile.json' '$T/out.txt' && grep -cx '\[PASS\]' '$T/out.txt' | grep -qx 2"
check "the built app was installed by the engine" \
	grep -qx 'modbus_bridge.v1.5.0.tar.gz: installed exit=0' "$T/out.txt"
"$GWE_BUILD/gwe" -f "$E/gwe.conf" status > "$T/status.txt" 2>&1
check "gwe status lists modbus_bridge 1.5.0" grep -q 'modbus_bridge.*1\.5\.0' "$T/status.txt"
grep -q 'modbus_bridge.*1\.5\.0' "$T/status.txt" || diag "$(cat "$T/status.txt")"

# It kept to its temporary directory (TMPDIR) and removed it.
check "the example removed its work directory" test -z "$(ls -A "$T/tmp")"
tap_end
