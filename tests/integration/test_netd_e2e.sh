#!/bin/sh
# End to end: the test platform, gwe-netd, the real gwe-verifyd and the
# real gwe-installd, with minisign-signed tarballs.  An OTA order installs
# one app, refuses a tampered one, and the engine_report shows the result.
. "$(dirname "$0")/../lib/tap.sh"
need_root "gwe-netd end to end"
tap_tmp
. "$(dirname "$0")/test_netd_lib.sh"

for p in gwe-verifyd gwe-installd; do
	if [ ! -x "$GWE_BUILD/$p" ]; then
		skip "end to end" "$p not built"
		tap_end
	fi
done
if ! command -v minisign > /dev/null; then
	skip "end to end" "needs minisign"
	tap_end
fi

W=$T/work
mkdir -p "$W/src" "$T/keys"
minisign -G -W -p "$T/keys/test.pub" -s "$W/test.key" > /dev/null
printf '#!/bin/sh\necho "hello from install.sh"\n' > "$W/src/install.sh"
chmod +x "$W/src/install.sh"
GOOD=$W/e2eapp.v1.0.1.tar.gz
tar -C "$W/src" -czf "$GOOD" install.sh
minisign -S -s "$W/test.key" -m "$GOOD" > /dev/null
BAD=$W/e2ebad.v1.0.tar.gz
cp "$GOOD" "$BAD"
minisign -S -s "$W/test.key" -m "$BAD" > /dev/null
printf 'x' >> "$BAD"		# tampered after signing
for f in "$GOOD" "$BAD"; do
	publish "$(basename "$f")" "$f"
	publish "$(basename "$f").minisig" "$f.minisig"
done

regdev SN-E2E
mkdev e2e SN-E2E "$(devcik SN-E2E)" "security keys_dir = $T/keys"
"$GWE_BUILD/gwe-installd" -F -f "$T/e2e/gwe.conf" > "$T/e2e/installd.log" 2>&1 &
TAP_PIDS="$TAP_PIDS $!"
wait_for 10 test -S "$T/e2e/run/installd.sock"
"$GWE_BUILD/gwe-verifyd" -F -f "$T/e2e/gwe.conf" > "$T/e2e/verifyd.log" 2>&1 &
TAP_PIDS="$TAP_PIDS $!"
if wait_for 15 test -S "$T/e2e/run/verifyd.sock"; then ok "verifier and installer up"
else not_ok "verifier and installer up"; diag "$(tail -5 "$T/e2e/verifyd.log" "$T/e2e/installd.log")"; tap_end; fi

P set-alias SN-E2E engine_fetch '{"install":[{"name":"e2eapp.v1.0.1.tar.gz"},{"name":"e2ebad.v1.0.tar.gz"}]}' > /dev/null
once e2e; rc=$?
check "one check-in runs the order (rc $rc)" test "$rc" = 0
hv=$(history_values SN-E2E fetch_status)
case "$hv" in *"hello from install.sh"*) ok "install.sh output written to fetch_status";;
*) not_ok "install.sh output written to fetch_status"; diag "$hv"; showlog e2e
   diag "$(tail -8 "$T/e2e/verifyd.log")"; diag "$(tail -8 "$T/e2e/installd.log")";; esac
case "$hv" in *"gwe: e2ebad.v1.0.tar.gz: "*) ok "tampered tarball refused, reason in fetch_status";;
*) not_ok "tampered tarball refused, reason in fetch_status"; diag "$hv";; esac
check "order done" test ! -e "$T/e2e/state/netd/order"
once e2e
v=$(alias_value SN-E2E engine_report)
case "$v" in *'"e2eapp":{"version":"1.0.1","status":"installed","exitstatus":0'*) ok "engine_report lists the installed app";;
*) not_ok "engine_report lists the installed app"; diag "$v";; esac

tap_end
