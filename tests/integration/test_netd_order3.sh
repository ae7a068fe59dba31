#!/bin/sh
# Three apps in one order, with the real gwe-verifyd and gwe-installd:
# they install in order, fetch_status gets three writes (in that order,
# at least a second apart), and each daemon's stderr has key=value lines
# for the events of the run.
. "$(dirname "$0")/../lib/tap.sh"
need_root "three apps in one order"
tap_tmp
. "$(dirname "$0")/test_netd_lib.sh"
e2e_need "three apps in one order"

e2e_keys
APPS="alpha beta gamma"
for a in $APPS; do
	e2e_app $a.v1.0.tar.gz "#!/bin/sh
echo $a >> $T/work/installed
echo 'installed $a'"
done
SN=SN-ORDER3
regdev $SN
mkdev o3 $SN "$(devcik $SN)" "security keys_dir = $T/keys"
if e2e_daemons o3; then ok "verifier and installer up"
else not_ok "verifier and installer up"; diag "$(tail -5 "$T/o3/verifyd.log" "$T/o3/installd.log")"; tap_end; fi

P set-alias $SN engine_fetch \
    '{"install":[{"name":"alpha.v1.0.tar.gz"},{"name":"beta.v1.0.tar.gz"},{"name":"gamma.v1.0.tar.gz"}]}' > /dev/null
once o3; rc=$?
check "one check-in runs the order (rc $rc)" test "$rc" = 0 || showlog o3
order=$(tr '\n' ' ' < "$T/work/installed" 2>/dev/null)
check "installed in order ($order)" test "$order" = "alpha beta gamma "
hv=$(history_values $SN fetch_status)
out=$(P history $SN fetch_status | $PY -c '
import json, sys
w = [x for x in json.load(sys.stdin)["writes"] if x["by"] != "platform"]
vals = [x["value"].strip() for x in w]
print(vals, [x["gap"] for x in w])
ok = vals == ["installed alpha", "installed beta", "installed gamma"] and \
    all(x["gap"] is None or x["gap"] >= 1 for x in w)
sys.exit(0 if ok else 1)')
rc=$?
diag "$out"
check "three fetch_status writes, in order, >= 1 s apart" test $rc = 0
check "order done" test ! -e "$T/o3/state/netd/order"

# key=value lines in each daemon's stderr
logged() {	# logged WHAT FILE REGEX: one line per app
	what=$1; f=$2; re=$3; miss=""
	for a in $APPS; do
		grep -Eq "$(printf "$re" $a)" "$f" || miss="$miss $a"
	done
	if [ -z "$miss" ]; then ok "$what"
	else not_ok "$what (missing:$miss)"; diag "$(tail -15 "$f")"; fi
}
logged "netd: download done id=... bytes=..." "$T/o3/log" \
    'gwe-netd\[[0-9]+\]: info: download done id=%s\.v1\.0\.tar\.gz bytes=[0-9]+$'
logged "netd: handed to verifier job=... name=... size=..." "$T/o3/log" \
    'info: handed to verifier job=[0-9]+ name=%s\.v1\.0\.tar\.gz size=[0-9]+$'
logged "netd: result name=... status=... exit=0" "$T/o3/log" \
    'info: result name=%s\.v1\.0\.tar\.gz job=[0-9]+ status=[0-9]+ exit=0$'
logged "verifyd: verify accepted name=... job=... app=..." "$T/o3/verifyd.log" \
    'gwe-verifyd\[[0-9]+\]: info: verify accepted name=%s\.v1\.0\.tar\.gz job=[0-9]+ app=[a-z]+ version=1\.0 bytes=[0-9]+'
logged "installd: install done app=... version=... exit=0" "$T/o3/installd.log" \
    'gwe-installd\[[0-9]+\]: info: install done app=%s version=1\.0 exit=0 '
check "netd: fetch_status written three times" \
    test "$(grep -c 'info: fetch_status written entry=[0-9-]* bytes=[0-9]*$' "$T/o3/log")" = 3
check "netd: order start and order done" sh -c \
    "grep -Eq 'order start id=[0-9]+ entries=3 ' '$T/o3/log' && grep -Eq 'order done id=[0-9]+\$' '$T/o3/log'"

tap_end
