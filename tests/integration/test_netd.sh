#!/bin/sh
# gwe-netd against the test platform: activation, the check-in cycle,
# update_interval, install orders, downloads under hostile servers, the
# fetch_status queue, and the sandbox.  Needs root (the daemon drops to
# NET_UID).  Everything talks to 127.0.0.1 and is bounded in time.
. "$(dirname "$0")/../lib/tap.sh"
need_root "gwe-netd integration"
tap_tmp

. "$(dirname "$0")/test_netd_lib.sh"

# ---- activation, with 409 answers retried ----------------------------------
P register acme gw1 SN-ACT > /dev/null
mkdev act SN-ACT ""
P misbehave status path=^/provision/activate code=409 count=2 > /dev/null
m=$(logmark)
start act
if wait_for 20 test -s "$T/act/state/netd/cik"; then ok "activation stores a CIK after two 409s"
else not_ok "activation stores a CIK after two 409s"; showlog act; fi
n=$(logcount "$m" '^/provision/activate')
check "activation was retried (3 requests, got $n)" test "$n" = 3
check "the CIK file is mode 0600" test "$(stat -c %a "$T/act/state/netd/cik")" = 600
check "the CIK is 40 hex digits" grep -Eq '^[0-9a-f]{40}$' "$T/act/state/netd/cik"
check "409 logged" grep -q 'activation refused sn=SN-ACT status=409' "$T/act/log"
wait_for 10 grep -q 'check-in done' "$T/act/log"
check "first check-in after activation" grep -q 'check-in done' "$T/act/log"
check "device_info written" sh -c "P() { $PY '$PLAT' ctl --admin '$ADMIN' \"\$@\"; }; P get-alias SN-ACT device_info | grep -q '\"uname\"'"

# ---- no uuid: the serial is the MAC of iface, upper case with colons -------------
if [ -r /sys/class/net/lo/address ]; then
	MAC=$(tr a-f A-F < /sys/class/net/lo/address)
	P register acme gw1 "$MAC" > /dev/null
	mkdev mac "" "" "device iface = lo"
	once mac; rc=$?
	check "activation with the MAC of iface as serial (rc $rc)" test "$rc" = 0 -a -s "$T/mac/state/netd/cik"
	check "logged with the MAC" grep -q "activated sn=$MAC" "$T/mac/log"
else
	skip "activation with the MAC of iface" "no /sys/class/net/lo/address"
fi

# ---- sandbox of the running daemon ------------------------------------------
pid=$PID_act
check "runs as net_user" grep -Eq "^Uid:[[:space:]]+$NET_UID[[:space:]]+$NET_UID[[:space:]]+$NET_UID" /proc/$pid/status
check "no_new_privs set" grep -Eq '^NoNewPrivs:[[:space:]]+1' /proc/$pid/status
check "seccomp filter on" grep -Eq '^Seccomp:[[:space:]]+2' /proc/$pid/status
check "no capabilities left" grep -Eq '^CapEff:[[:space:]]+0+$' /proc/$pid/status
check "control socket is 0600 root" test "$(stat -c '%a %u' "$T/act/run/netd.sock")" = "600 0"
check "sandbox logged" grep -q 'sandbox on uid='"$NET_UID" "$T/act/log"

# ---- an inherited fd is closed at start; a run_dir others may write is refused ----------
regdev SN-FDS
mkdev fds SN-FDS "$(devcik SN-FDS)"
exec 7< "$T/fds/gwe.conf"
start fds
exec 7<&-
wait_for 10 test -S "$T/fds/run/netd.sock"
check "an inherited fd is closed at start" sh -c "! ls -l /proc/$PID_fds/fd | grep -q 'gwe.conf'"
stop fds
chmod 0777 "$T/fds/run"
once fds; rc=$?
check "a run_dir others may write is refused (rc $rc)" test "$rc" = 1
check "... and why is logged" grep -q 'fatal: not a directory only root can write dir=' "$T/fds/log"
chmod 0755 "$T/fds/run"

# ---- idle check-ins: one small request each, on one connection ------------------
stop act
mkdev idle SN-IDLE "$(devcik SN-IDLE)" "engine update_interval = 1"
regdev SN-IDLE
once idle
m=$(logmark)
start idle
sleep 5
stop idle
plog "$m" | $PY -c '
import json, sys
es = [e for e in json.load(sys.stdin)["entries"] if e.get("sn") == "SN-IDLE"]
print(len(es), max(e["rx"] + e["tx"] for e in es), len(set(e["conn"] for e in es)),
      sorted(set(e["method"] for e in es)))' > "$T/idle.txt"
read -r nreq maxb nconn meth < "$T/idle.txt"
check "idle check-ins every second (got $nreq in 5 s)" test "$nreq" -ge 3 -a "$nreq" -le 7
check "an idle check-in costs under 2 KB of HTTP (max $maxb)" test "$maxb" -lt 2048
check "idle check-ins are reads (GET only: $meth)" test "$(cat "$T/idle.txt" | cut -d' ' -f4-)" = "['GET']"
check "connection reused (connections: $nconn)" test "$nconn" = 1

# ---- update_interval applied and cleared; a bad value cleared and logged -----------
regdev SN-UI
mkdev ui SN-UI "$(devcik SN-UI)"
P set-alias SN-UI update_interval 3 > /dev/null
once ui
check "update_interval applied" grep -q 'update_interval applied seconds=3' "$T/ui/log"
check "update_interval kept in state" test "$(cat "$T/ui/state/netd/update_interval")" = 3
check "update_interval cleared on the platform" test -z "$(alias_value SN-UI update_interval)"
gap=$(P history SN-UI update_interval | $PY -c 'import json,sys; w=json.load(sys.stdin)["writes"]; print(w[-1]["gap"] if w[-1]["by"]=="device" else -1)')
check "the clear came >= 1 s after the platform's write (gap $gap)" $PY -c "import sys; sys.exit(0 if float('$gap') >= 1 else 1)"
P set-alias SN-UI update_interval 'ten' > /dev/null
once ui
check "bad update_interval logged" grep -q 'update_interval refused reason="not a whole number"' "$T/ui/log"
check "bad update_interval cleared" test -z "$(alias_value SN-UI update_interval)"
check "old update_interval kept" test "$(cat "$T/ui/state/netd/update_interval")" = 3
P set-alias SN-UI update_interval 0 > /dev/null
once ui
check "update_interval 0 refused" grep -q 'update_interval refused reason="out of range' "$T/ui/log"

# ---- malformed orders -> fetch_status says why ------------------------------------
mkdev bad SN-BAD "$(devcik SN-BAD)"
regdev SN-BAD
badorder() {	# badorder VALUE EXPECTED-SUBSTRING WHAT
	P set-alias SN-BAD engine_fetch "$1" > /dev/null
	once bad
	v=$(alias_value SN-BAD fetch_status)
	case "$v" in
	*"$2"*) ok "$3" ;;
	*) not_ok "$3"; diag "fetch_status: $v"; showlog bad ;;
	esac
}
badorder 'not json' 'gwe: order: not JSON' "order that is not JSON reported"
badorder '[1,2]' 'gwe: order: not a JSON object' "order that is an array reported"
badorder '{"install":{"name":"a.v1.tar.gz"}}' 'gwe: order: "install" is not an array' "install not an array reported"
badorder '{"install":[{"name":"../x.v1.tar.gz"}]}' 'gwe: order: install[0].name' "name with .. reported"
badorder '{"install":[{"name":"a/b.v1.tar.gz"}]}' 'gwe: order: install[0].name' "name with / reported"
deep=$($PY -c 'print("["*10000 + "]"*10000)')
badorder "$deep" 'gwe: order: JSON nested deeper than 8' "10,000-deep order reported"
check "engine_fetch cleared after a bad order" test -z "$(alias_value SN-BAD engine_fetch)"
check "no order left in the journal" test ! -e "$T/bad/state/netd/order"
P misbehave big_alias path=engine_fetch alias=engine_fetch size=1048576 count=2 > /dev/null
P set-alias SN-BAD engine_fetch x > /dev/null
once bad
v=$(alias_value SN-BAD fetch_status)
case "$v" in *"larger than max_order_bytes"*) ok "1 MiB order refused by size";;
*) not_ok "1 MiB order refused by size"; diag "fetch_status: $v"; showlog bad;; esac
check "the huge engine_fetch was cleared" test -z "$(alias_value SN-BAD engine_fetch)"
P clear > /dev/null
# A huge update_interval must not cost a good order.
P misbehave big_alias path=update_interval alias=update_interval size=1048576 count=2 > /dev/null
P set-alias SN-BAD engine_fetch '{"install":[{"name":"../huge-interval.v1.tar.gz"}]}' > /dev/null
once bad
v=$(alias_value SN-BAD fetch_status)
case "$v" in *"install[0].name"*) ok "order still read when update_interval is the huge one";;
*) not_ok "order still read when update_interval is the huge one"; diag "fetch_status: $v"; showlog bad;; esac
check "huge update_interval logged" grep -q 'update_interval refused reason="too long"' "$T/bad/log"
P clear > /dev/null

# ---- a good order through the (fake) verifier; a missing tarball ---------------
head -c 300000 /dev/urandom > "$T/app.v1.0.tar.gz"
printf 'untrusted comment: test\nRWQ=\ntrusted comment: file:app.v1.0.tar.gz\nxx\n' > "$T/app.v1.0.tar.gz.minisig"
publish app.v1.0.tar.gz "$T/app.v1.0.tar.gz"
publish app.v1.0.tar.gz.minisig "$T/app.v1.0.tar.gz.minisig"
mkdev ota SN-OTA "$(devcik SN-OTA)"
regdev SN-OTA
fake ota
P set-alias SN-OTA engine_fetch '{"install":[{"name":"app.v1.0.tar.gz"},{"name":"missing.v1.tar.gz"}]}' > /dev/null
once ota
hv=$(history_values SN-OTA fetch_status)
case "$hv" in *"fake install of app.v1.0.tar.gz: ok size=300000 sig=70"*) ok "tarball and signature handed to the verifier, result written";;
*) not_ok "tarball and signature handed to the verifier, result written"; diag "$hv"; showlog ota;; esac
case "$hv" in *"gwe: missing.v1.tar.gz: download: not in the content area"*) ok "missing tarball (404) reported";;
*) not_ok "missing tarball (404) reported"; diag "$hv";; esac
check "verifier got a sealed memfd of the right size" grep -q 'verify_req job=[0-9]* name=app.v1.0.tar.gz size=300000 sig_len=70 origin=1' "$T/ota/fake.log"
check "result acknowledged" grep -q '^ack job=' "$T/ota/fake.log"
check "fetch_status writes >= 1 s apart" sh -c "P() { $PY '$PLAT' ctl --admin '$ADMIN' \"\$@\"; }; P history SN-OTA fetch_status | $PY -c 'import json,sys; w=json.load(sys.stdin)[\"writes\"]; sys.exit(0 if all(x[\"gap\"] is None or x[\"gap\"] >= 1 for x in w) else 1)'"
check "order removed when every entry has a result" test ! -e "$T/ota/state/netd/order"
check "queue empty after 2xx" test -z "$(ls "$T/ota/state/netd/queue")"
check "partial downloads removed" test -z "$(ls "$T/ota/state/netd/dl")"
check "engine_report carries the installed app" sh -c "once() { :; }; true"
P set-alias SN-OTA engine_fetch '' > /dev/null

# ---- hostile downloads -----------------------------------------------------------
dlorder() { P set-alias SN-OTA engine_fetch '{"install":[{"name":"app.v1.0.tar.gz"}]}' > /dev/null; }
# endless chunked body: cut at the announced size
P misbehave endless 'path=id=app.v1.0.tar.gz$' count=1 > /dev/null
dlorder; once ota
v=$(alias_value SN-OTA fetch_status)
case "$v" in *"gwe: app.v1.0.tar.gz: download: more than 300000 bytes"*) ok "endless chunked body cut by size";;
*) not_ok "endless chunked body cut by size"; diag "$v"; showlog ota;; esac
P clear > /dev/null
# a body over max_tarball_bytes announced up front
head -c 2100000 /dev/zero > "$T/big.v1.tar.gz"
publish big.v1.tar.gz "$T/big.v1.tar.gz"
m=$(logmark)
P set-alias SN-OTA engine_fetch '{"install":[{"name":"big.v1.tar.gz"}]}' > /dev/null
once ota
v=$(alias_value SN-OTA fetch_status)
case "$v" in *"2100000 bytes, larger than max_tarball_bytes 2000000"*) ok "oversized tarball refused before the transfer";;
*) not_ok "oversized tarball refused before the transfer"; diag "$v";; esac
check "oversized tarball never requested" test "$(logcount "$m" 'id=big.v1.tar.gz$')" = 0
# slow body: the low-speed limit ends it
P misbehave slow 'path=id=app.v1.0.tar.gz$' rate=100 count=1 > /dev/null
dlorder; once ota GWE_NETD_LOW_SPEED_TIME=2
v=$(alias_value SN-OTA fetch_status)
case "$v" in *"gwe: app.v1.0.tar.gz: download: too slow"*) ok "slow body cut by the low-speed limit";;
*) not_ok "slow body cut by the low-speed limit"; diag "$v"; showlog ota;; esac
P clear > /dev/null
# connection closed mid-body: resumed with Range
m=$(logmark)
P misbehave close_after 'path=id=app.v1.0.tar.gz$' after=100000 count=1 > /dev/null
dlorder; once ota
v=$(alias_value SN-OTA fetch_status)
case "$v" in *"fake install of app.v1.0.tar.gz: ok size=300000"*) ok "download completed after a close mid-body";;
*) not_ok "download completed after a close mid-body"; diag "$v"; showlog ota;; esac
nr=$(plog "$m" | $PY -c '
import json, sys
print(sum(1 for e in json.load(sys.stdin)["entries"] if e["path"].endswith("id=app.v1.0.tar.gz") and e.get("range")))')
check "the platform log shows a Range request ($nr)" test "$nr" -ge 1
check "resume logged" grep -q 'download resumed id=app.v1.0.tar.gz from=100000' "$T/ota/log"
P clear > /dev/null

# a body shorter than its Content-Length: resumed too
P misbehave wrong_length 'path=id=app.v1.0.tar.gz$' extra=5000 count=1 > /dev/null
: > "$T/ota/log"
dlorder; once ota
v=$(alias_value SN-OTA fetch_status)
case "$v" in *"fake install of app.v1.0.tar.gz: ok size=300000"*) ok "download completed after a short body";;
*) not_ok "download completed after a short body"; diag "$v"; showlog ota;; esac
P clear > /dev/null
# a partial download of content that changed since: started over
S="$T/ota/state/netd"
head -c 50000 /dev/zero > "$S/dl/app.v1.0.tar.gz.part"
printf 'size=300000\nupdated=1\n' > "$S/dl/app.v1.0.tar.gz.info"
chown "$NET_UID:$NET_UID" "$S/dl/app.v1.0.tar.gz.part" "$S/dl/app.v1.0.tar.gz.info"
: > "$T/ota/log"
m=$(logmark)
dlorder; once ota
v=$(alias_value SN-OTA fetch_status)
case "$v" in *"fake install of app.v1.0.tar.gz: ok size=300000"*) ok "changed content downloaded from the start";;
*) not_ok "changed content downloaded from the start"; diag "$v"; showlog ota;; esac
check "no Range request for changed content" test "$(plog "$m" | $PY -c '
import json, sys
print(sum(1 for e in json.load(sys.stdin)["entries"] if e.get("range")))')" = 0

# ---- restart: a journaled order resumes where it stopped ---------------------------
S="$T/ota/state/netd"
printf '{"install":[{"name":"missing.v1.tar.gz"},{"name":"app.v1.0.tar.gz"}]}' > "$S/order"
printf 'id=900\nnext=1\njob=0\npending=0\ntries=0\n' > "$S/order.state"
chown "$NET_UID:$NET_UID" "$S/order" "$S/order.state"
head -c 50000 "$T/app.v1.0.tar.gz" > "$S/dl/app.v1.0.tar.gz.part"
curl -s --cacert "$CA" -H "X-Exosite-CIK: $(devcik SN-OTA)" \
    "https://127.0.0.1:$PORT/provision/download?vendor=acme&model=gw1&id=app.v1.0.tar.gz&info=true" |
    awk -F, '{ printf "size=%s\nupdated=%s\n", $2, $3 }' > "$S/dl/app.v1.0.tar.gz.info"
chown "$NET_UID:$NET_UID" "$S/dl/app.v1.0.tar.gz.part" "$S/dl/app.v1.0.tar.gz.info"
m=$(logmark)
once ota
check "journaled order resumed at entry 1" grep -q 'order start id=900 entries=2 next=1' "$T/ota/log"
check "entry 0 not redone" test "$(logcount "$m" 'id=missing.v1.tar.gz$')" = 0
check "the partial download from before the restart resumed" grep -q 'download resumed id=app.v1.0.tar.gz from=50000' "$T/ota/log"
check "order finished after the restart" test ! -e "$S/order"

# ---- a 401 is logged and backed off --------------------------------------------
mkdev rev SN-REV "$(devcik SN-REV)" "engine update_interval = 4"
regdev SN-REV
P revoke sn=SN-REV > /dev/null
m=$(logmark)
start rev
sleep 6
stop rev
check "401 logged" grep -q 'check-in refused status=401 reason="CIK not accepted"' "$T/rev/log"
check "backoff logged within the interval" grep -Eq 'next check-in in secs=[1-4] failures=[1-9]' "$T/rev/log"
n=$(logcount "$m" '^/onep')
check "401s are backed off, not hammered ($n requests in 6 s)" test "$n" -ge 2 -a "$n" -le 5

# ---- redirects: same origin followed, another origin refused (the CIK stays home) ----
P misbehave redirect 'path=alias\?engine_fetch' location="https://127.0.0.1:$PORT/onep:v1/stack/alias?engine_fetch&update_interval" count=1 > /dev/null
: > "$T/ui/log"
once ui; rc=$?
check "a same-origin redirect is followed (rc $rc)" test "$rc" = 0
P misbehave redirect 'path=alias\?engine_fetch' location="https://localhost:$PORT/onep:v1/stack/alias?engine_fetch&update_interval" count=1 > /dev/null
m=$(logmark)
once ui; rc=$?
check "a redirect to another origin is refused (rc $rc)" test "$rc" = 1
check "the refusal is logged" grep -q 'redirect refused location="https://localhost' "$T/ui/log"
n=$(logcount "$m" '.')
check "nothing was sent to the other origin ($n request)" test "$n" = 1
[ "$n" = 1 ] || diag "$(plog "$m")"
P clear > /dev/null

# ---- --once exit codes ----------------------------------------------------------
mkdev down SN-DOWN "$(devcik SN-DOWN)"
sed -i "s#^host = .*#host = https://127.0.0.1:1#" "$T/down/gwe.conf"
once down; rc=$?
check "--once exits 1 when the platform is unreachable (rc $rc)" test "$rc" = 1
once ui; rc=$?
check "--once exits 0 when it reached the platform (rc $rc)" test "$rc" = 0
sed -i "s#^host = .*#host = http://127.0.0.1:$PORT#" "$T/down/gwe.conf"
"$NETD" -f "$T/down/gwe.conf" --once > "$T/down/log2" 2>&1; rc=$?
check "plain http refused (rc $rc)" test "$rc" != 0

# ---- a host name: libcurl's threaded resolver inside the sandbox ----------------
mkdev name SN-NAME "$(devcik SN-NAME)"
regdev SN-NAME
for h in localhost $HOSTNAME_LOCAL; do
	sed -i "s#^host = .*#host = https://$h:$PORT#" "$T/name/gwe.conf"
	: > "$T/name/log"
	once name; rc=$?
	check "check-in to host $h under seccomp (rc $rc)" test "$rc" = 0
done
[ -n "$HOSTNAME_LOCAL" ] || skip "check-in through /etc/hosts and the resolver thread" "hostname does not resolve to 127.0.0.1"

tap_end
