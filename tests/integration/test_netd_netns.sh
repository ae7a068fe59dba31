#!/bin/sh
# gwe-netd in a network namespace of its own:
#  - it reaches the platform by a host name that only the system resolver
#    knows (/etc/netns/NAME/hosts, bind-mounted on /etc/hosts by
#    `ip netns exec`), with a certificate for that name, so the sandboxed
#    resolver path (libcurl's resolver thread, nsswitch, /etc/hosts) runs
#    for real;
#  - with no uuid, its serial is the MAC of `iface`, an interface made in
#    that namespace, in upper case, and activation with it succeeds.
. "$(dirname "$0")/../lib/tap.sh"
need_root "gwe-netd in a network namespace"
NS=gwe-t-$$
HOST=gwe-platform.test
if ! ip netns list > /dev/null 2>&1 || ! ip netns add "$NS" 2> /dev/null; then
	echo "ok 1 - gwe-netd in a network namespace # SKIP ip netns not available"
	echo "1..1"
	exit 0
fi
tap_tmp
made_etc_netns=
[ -d /etc/netns ] || made_etc_netns=1
ns_cleanup() {
	tap_cleanup
	ip netns del "$NS" 2> /dev/null
	rm -rf "/etc/netns/$NS"
	[ -z "$made_etc_netns" ] || rmdir /etc/netns 2> /dev/null
}
trap ns_cleanup EXIT
trap 'exit 1' INT TERM
mkdir -p "/etc/netns/$NS"
printf '127.0.0.1\tlocalhost\n127.0.0.1\t%s\n' "$HOST" > "/etc/netns/$NS/hosts"
printf 'hosts: files\n' > "/etc/netns/$NS/nsswitch.conf"
: > "/etc/netns/$NS/resolv.conf"	# no DNS server: the name must come from hosts
ip netns exec "$NS" ip link set lo up
NS_EXEC="ip netns exec $NS"
PLAT_HOSTNAME=$HOST
. "$(dirname "$0")/test_netd_lib.sh"

check "the name resolves inside the namespace" \
    sh -c "$NS_EXEC getent hosts $HOST | grep -q '^127\.0\.0\.1 '"
if getent hosts "$HOST" > /dev/null 2>&1; then
	diag "note: $HOST also resolves outside the namespace"
fi

# ---- a device that knows its CIK reaches the platform by name ----------------
SN=SN-NETNS
regdev $SN
mkdev byname $SN "$(devcik $SN)" "engine host = https://$HOST:$PORT"
once byname; rc=$?
check "gwe-netd --once by host name succeeds (rc $rc)" test "$rc" = 0 ||
    showlog byname
n=$(logcount 0 '^/onep:v1/stack/alias\?' $SN)
check "the platform logged its check-in ($n)" test "$n" -ge 1
check "netd logged the check-in" grep -q 'check-in done' "$T/byname/log"
plog 0 | $PY -c '
import json, sys
hosts = {e["headers"].get("Host", e["headers"].get("host", "")) for e in json.load(sys.stdin)["entries"] if e.get("sn") == sys.argv[1]}
sys.exit(0 if hosts and all(h.startswith(sys.argv[2] + ":") for h in hosts) else 1)' $SN $HOST
check "its requests named the host (Host: $HOST:$PORT)" test $? = 0

# ---- the serial is the MAC of iface -------------------------------------------
IF=gwedummy0
MAC=02:12:34:56:78:9a
kind=dummy
if ! $NS_EXEC ip link add $IF type dummy 2> /dev/null; then
	kind=veth	# no dummy driver here: one end of a veth pair has a MAC too
	$NS_EXEC ip link add $IF type veth peer name gwepeer0
fi
if $NS_EXEC ip link set $IF address $MAC up; then ok "interface $IF ($kind) with address $MAC"
else not_ok "interface $IF ($kind) with address $MAC"; tap_end; fi
SERIAL=$(echo $MAC | tr a-f A-F)
P register acme gw1 "$SERIAL" > /dev/null
mkdev bymac "" "" "engine host = https://$HOST:$PORT" "device uuid =" "device iface = $IF"
once bymac; rc=$?
check "activation and check-in by MAC serial (rc $rc)" test "$rc" = 0 || showlog bymac
check "netd logged activated sn=$SERIAL" grep -q "activated sn=$SERIAL\$" "$T/bymac/log"
a=$(plog 0 | $PY -c '
import json, sys
print(sum(1 for e in json.load(sys.stdin)["entries"] if e["path"].startswith("/provision/activate") and e["status"] == 200))')
check "the platform answered the activation with 200 ($a)" test "$a" = 1
check "the CIK is kept" test -s "$T/bymac/state/netd/cik"
n=$(logcount 0 '^/onep:v1/stack/alias\?' "$SERIAL")
check "then a check-in as $SERIAL ($n)" test "$n" -ge 1

tap_end
