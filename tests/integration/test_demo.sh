#!/bin/sh
# make demo's script, run as a new user would, checked for what it promises:
# the signed app installs end to end, the tampered one is refused, and
# nothing it started is left behind.
. "$(dirname "$0")/../lib/tap.sh"
need_root "demo"
out=$(mktemp /tmp/gwe-demo-test.XXXXXX)
GWE_BUILD=$GWE_BUILD timeout 300 bash "$GWE_TOP/demo/demo.sh" > "$out" 2>&1
rc=$?
check "demo exits 0" test "$rc" = 0
[ "$rc" = 0 ] || sed 's/^/# /' "$out" | tail -40
check "the three daemons ran under three uids" \
	sh -c "grep -E '^ +root +[0-9]+ .*gwe-installd' '$out' && grep -E '^ +$VFY_UID +[0-9]+ .*gwe-verifyd' '$out' && grep -E '^ +$NET_UID +[0-9]+ .*gwe-netd' '$out' > /dev/null"
check "netd activated and downloaded" sh -c "grep -q 'activated sn=DEMO-0001' '$out' && grep -q 'download done id=hello_gateway.v1.0.0.tar.gz ' '$out'"
check "the verifier accepted the signed app in its sandbox" sh -c "grep -q 'sandbox on uid=$VFY_UID' '$out' && grep -q 'verify accepted name=hello_gateway.v1.0.0.tar.gz' '$out'"
check "the installer ran install.sh, exit 0" grep -q 'install done app=hello_gateway version=1.0.0 exit=0' "$out"
check "install.sh's output reached fetch_status" grep -q 'it says: hello from the gateway' "$out"
check "the tampered tarball was refused by its signature" \
	grep -q 'gwe: hello_gateway.v1.0.1.tar.gz: signature: does not verify' "$out"
check "the good app is still the installed one" grep -q 'the good app is still the installed one' "$out"
check "demo says done" grep -q '^demo: done' "$out"
sleep 0.5
check "no daemon left running" sh -c "! pgrep -f 'gwe-demo\\..*/gwe.conf' > /dev/null"
check "no platform left running" sh -c "! pgrep -f 'gwe_platform.py --state-dir /tmp/gwe-demo\\.' > /dev/null"
root=$(sed -n 's|^public key: \(/tmp/gwe-demo\.[A-Za-z0-9]*\)/keys/.*|\1|p' "$out")
check "the demo named its temporary root" test -n "$root"
check "temporary root removed" test ! -e "${root:-/nonexistent-gwe}"
check "the demo's installed app removed" test ! -e /tmp/gwe-demo-apps
rm -f "$out"
tap_end
