#!/bin/sh
# End to end: the test platform, gwe-netd, the real gwe-verifyd and the
# real gwe-installd, with minisign-signed tarballs.  An OTA order installs
# one app, refuses a tampered one, and the engine_report shows the result.
. "$(dirname "$0")/../lib/tap.sh"
need_root "gwe-netd end to end"
tap_tmp
. "$(dirname "$0")/test_netd_lib.sh"

e2e_need "end to end"

e2e_keys
W=$T/work
app_script "$W/src" '#!/bin/sh
echo "hello from install.sh"'
GOOD=$W/e2eapp.v1.0.1.tar.gz
app_build "$GOOD" "$W/src" install.sh
BAD=$W/e2ebad.v1.0.tar.gz
cp "$GOOD" "$BAD"
app_sign "$BAD"
printf 'x' >> "$BAD"		# tampered after signing
app_publish "$GOOD"
app_publish "$BAD"

regdev SN-E2E
mkdev e2e SN-E2E "$(devcik SN-E2E)" "security keys_dir = $T/keys"
if e2e_daemons e2e; then ok "verifier and installer up"
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
