#!/bin/sh
# gwe-netd's control socket (root peers only) and the hand-off to the
# verifier across a kill -9: no result lost, no install repeated.
. "$(dirname "$0")/../lib/tap.sh"
need_root "gwe-netd control socket and restart"
tap_tmp
. "$(dirname "$0")/test_netd_lib.sh"

head -c 100000 /dev/urandom > "$T/tool.v2.1.tar.gz"
printf 'FAIL and more bytes' > "$T/bad.v1.tar.gz"
printf 'untrusted comment: x\n' > "$T/tool.v2.1.tar.gz.minisig"
publish tool.v2.1.tar.gz "$T/tool.v2.1.tar.gz"
publish tool.v2.1.tar.gz.minisig "$T/tool.v2.1.tar.gz.minisig"
publish bad.v1.tar.gz "$T/bad.v1.tar.gz"

# ---- the control socket ------------------------------------------------------
regdev SN-CTL
mkdev ctl SN-CTL "$(devcik SN-CTL)"
fake ctl
start ctl
SOCK="$T/ctl/run/netd.sock"
wait_for 20 grep -q 'check-in done' "$T/ctl/log"
"$CTL" "$SOCK" status > "$T/st.out" 2>&1
check "CTL_STATUS answered" grep -q '^interval=600$' "$T/st.out"
check "status shows a successful check-in" grep -Eq '^last_ok=[1-9]' "$T/st.out"
check "status shows the verifier up" grep -q '^verifyd_up=1$' "$T/st.out"
"$CTL" "$SOCK" -u "$VFY_UID" status > "$T/st2.out" 2>&1
check "socket mode keeps a non-root peer out" grep -q 'Permission denied' "$T/st2.out"
chmod 666 "$SOCK"
"$CTL" "$SOCK" -u "$VFY_UID" status > "$T/st2.out" 2>&1
chmod 600 "$SOCK"
check "SO_PEERCRED refuses a non-root peer even through an open socket file" grep -q '^closed' "$T/st2.out"
check "the refusal is logged with the uid" grep -q "connection refused peer_uid=$VFY_UID" "$T/ctl/log"
m=$(logmark)
"$CTL" "$SOCK" checkin > "$T/ci.out" 2>&1
check "CTL_CHECKIN runs a check-in and answers CTL_DONE" grep -q '^done ok=1' "$T/ci.out"
check "the check-in reached the platform" test "$(logcount "$m" '^/onep' SN-CTL)" -ge 1
"$CTL" "$SOCK" install "$T/tool.v2.1.tar.gz" tool.v2.1.tar.gz "$T/tool.v2.1.tar.gz.minisig" > "$T/in.out" 2>&1
check "CTL_INSTALL relayed, RESULT back to the client" grep -q '^result status=1 .*origin=2 output=fake install of tool.v2.1.tar.gz: ok size=100000 sig=21' "$T/in.out"
check "local install went to the verifier with origin local" grep -q 'name=tool.v2.1.tar.gz size=100000 sig_len=21 origin=2' "$T/ctl/fake.log"
"$CTL" "$SOCK" install "$T/tool.v2.1.tar.gz" '../evil.v1.tar.gz' > "$T/in2.out" 2>&1
check "CTL_INSTALL with a bad name refused" grep -q '^error code=4' "$T/in2.out"
"$CTL" "$SOCK" apps > "$T/apps.out" 2>&1
check "APPS_QUERY relayed" grep -q '^app tool 2.1 status=1' "$T/apps.out"
check "APPS_END closes the answer" grep -q '^apps count=1' "$T/apps.out"
check "local results do not go to fetch_status" test -z "$(alias_value SN-CTL fetch_status)"
"$CTL" "$SOCK" status > "$T/st3.out" 2>&1
check "daemon still serving after all that" grep -q '^interval=600$' "$T/st3.out"
stop ctl

# ---- kill -9 while the verifier works: the result is not lost ------------------------
# k9dev NAME SN ORDER: a device with a slow fake verifier (3 s) and ORDER in its
# engine_fetch; one check-in started in the background (k9pid).
k9dev() {
	regdev "$2"
	mkdev "$1" "$2" "$(devcik "$2")"
	fake "$1" 3
	P set-alias "$2" engine_fetch "$3" > /dev/null
	"$NETD" -f "$T/$1/gwe.conf" --once >> "$T/$1/log" 2>&1 &
	k9pid=$!
	TAP_PIDS="$TAP_PIDS $k9pid"
}
k9dev k9 SN-K9 '{"install":[{"name":"tool.v2.1.tar.gz"},{"name":"bad.v1.tar.gz"}]}'
if wait_for 20 grep -q 'verify_req job=.* name=tool.v2.1.tar.gz' "$T/k9/fake.log"; then
	kill -9 $k9pid; wait $k9pid 2>/dev/null
	ok "netd killed while the verifier holds entry 0"
else
	not_ok "netd killed while the verifier holds entry 0"; showlog k9
fi
check "the order is still journaled" test -e "$T/k9/state/netd/order"
# The clear waits >= 1 s after the read, while the verifier works: not done yet.
check "killed before the clear: engine_fetch still set, order.uncleared has its fingerprint" \
	sh -c "test -n '$(alias_value SN-K9 engine_fetch)' && grep -q '^fp=' '$T/k9/state/netd/order.uncleared'"
sleep 3
once k9
hv=$(history_values SN-K9 fetch_status)
case "$hv" in *"fake install of tool.v2.1.tar.gz: ok"*) ok "result from before the kill written to fetch_status";;
*) not_ok "result from before the kill written to fetch_status"; diag "$hv"; showlog k9;; esac
case "$hv" in *"gwe: bad.v1.tar.gz: refused by the fake verifier"*) ok "the next entry ran after the restart";;
*) not_ok "the next entry ran after the restart"; diag "$hv";; esac
n=$(grep -c 'verify_req job=.* name=tool.v2.1.tar.gz' "$T/k9/fake.log")
check "entry 0 handed over once only ($n)" test "$n" = 1
check "both results acknowledged" test "$(grep -c '^ack job=' "$T/k9/fake.log")" = 2
check "order finished" test ! -e "$T/k9/state/netd/order"
once k9
check "the order read again after it finished is cleared, not run again" \
	sh -c "grep -q 'order seen again before its clear went through: clearing only' '$T/k9/log' &&
	    test -z '$(alias_value SN-K9 engine_fetch)' && test ! -e '$T/k9/state/netd/order.uncleared' &&
	    test \$(grep -c 'verify_req job=.* name=tool.v2.1.tar.gz' '$T/k9/fake.log') = 1"

# ---- the journal on disk, order.uncleared not (a power cut between the two) -----------
k9dev k9u SN-K9U '{"install":[{"name":"tool.v2.1.tar.gz"}]}'
wait_for 20 grep -q 'verify_req job=.* name=tool.v2.1.tar.gz' "$T/k9u/fake.log"
kill -9 $k9pid; wait $k9pid 2>/dev/null
rm -f "$T/k9u/state/netd/order.uncleared"
sleep 3
once k9u
check "journal without order.uncleared: the fingerprint written at the restart" \
	grep -q 'order journaled without its order.uncleared: written now' "$T/k9u/log"
once k9u
check "... and the order read again is cleared, not run again" \
	sh -c "grep -q 'clearing only' '$T/k9u/log' && test -z '$(alias_value SN-K9U engine_fetch)' &&
	    test \$(grep -c 'verify_req job=.* name=tool.v2.1.tar.gz' '$T/k9u/fake.log') = 1" ||
	showlog k9u

# ---- kill -9 while a refusal is in flight: the entry is handed over again ------------
k9dev k9b SN-K9B '{"install":[{"name":"bad.v1.tar.gz"}]}'
wait_for 20 grep -q 'verify_req job=.* name=bad.v1.tar.gz' "$T/k9b/fake.log"
kill -9 $k9pid; wait $k9pid 2>/dev/null
sleep 3
once k9b
v=$(alias_value SN-K9B fetch_status)
case "$v" in *"gwe: bad.v1.tar.gz: refused by the fake verifier"*) ok "refusal not kept by the verifier: entry handed over again after the restart";;
*) not_ok "refusal not kept by the verifier: entry handed over again after the restart"; diag "$v"; showlog k9b;; esac
j1=$(grep -o 'verify_req job=[0-9]*' "$T/k9b/fake.log" | sort -u | wc -l)
j2=$(grep -c 'verify_req job=' "$T/k9b/fake.log")
check "handed over twice under one job id ($j2 requests, $j1 ids)" test "$j1" = 1 -a "$j2" = 2
check "re-handover logged" grep -q 'no result kept: handing over again' "$T/k9b/log"

# ---- SIGTERM while the verifier works: a prompt exit, the entry left pending ---------
regdev SN-TERM
mkdev term SN-TERM "$(devcik SN-TERM)"
fake term 8
P set-alias SN-TERM engine_fetch '{"install":[{"name":"tool.v2.1.tar.gz"}]}' > /dev/null
start term
wait_for 20 grep -q 'verify_req job=.* name=tool.v2.1.tar.gz' "$T/term/fake.log"
"$CTL" "$T/term/run/netd.sock" status > "$T/term.st" 2>&1
check "CTL_STATUS answered while an install is under way" grep -q '^interval=600$' "$T/term.st"
"$CTL" "$T/term/run/netd.sock" checkin > "$T/term.ci" 2>&1
check "CTL_CHECKIN meanwhile answered busy" grep -q '^error code=2 ' "$T/term.ci"
t0=$(date +%s)
kill -TERM $PID_term
wait $PID_term 2>/dev/null
t1=$(date +%s)
check "SIGTERM ends the daemon within 2 s while it waits ($((t1 - t0)) s)" test $((t1 - t0)) -le 2
check "the entry is left pending, not failed" grep -q 'entry left pending name=tool.v2.1.tar.gz' "$T/term/log"
sleep 7
once term
v=$(alias_value SN-TERM fetch_status)
case "$v" in *"fake install of tool.v2.1.tar.gz: ok"*) ok "its result is collected after the restart";;
*) not_ok "its result is collected after the restart"; diag "$v"; showlog term;; esac
check "installed once" test "$(grep -c 'verify_req job=' "$T/term/fake.log")" = 1

# ---- fetch_status queue survives a platform outage --------------------------------
P set-alias SN-K9 engine_fetch '{"install":[{"name":"bad.v1.tar.gz"}]}' > /dev/null
P misbehave status 'path=^/onep:v1/stack/alias$' method=POST code=503 count=-1 > /dev/null
once k9
check "result kept in the queue while writes fail" test -n "$(ls "$T/k9/state/netd/queue")"
P clear > /dev/null
once k9
check "queue sent once the platform answers 2xx" test -z "$(ls "$T/k9/state/netd/queue")"
n=$(P history SN-K9 fetch_status | $PY -c 'import json,sys; print(len(json.load(sys.stdin)["writes"]))')
check "three fetch_status writes in all, the order not run twice ($n)" test "$n" = 3
check "the refused clear was retried" test -z "$(alias_value SN-K9 engine_fetch)"

# ---- an order written while the first is fetched: not cleared unseen ------------
# The clear waits for the first handover; the download is held 3 s meanwhile.
regdev SN-CHG
mkdev chg SN-CHG "$(devcik SN-CHG)"
fake chg
m=$(logmark)
P misbehave slow 'path=^/provision/download' delay=3 count=1 > /dev/null
P set-alias SN-CHG engine_fetch '{"install":[{"name":"tool.v2.1.tar.gz"}]}' > /dev/null
once chg &
chgpid=$!
TAP_PIDS="$TAP_PIDS $chgpid"
read_seen() { test "$(logcount "$m" 'engine_fetch&update_interval' SN-CHG)" -ge 1; }
wait_for 20 read_seen
P set-alias SN-CHG engine_fetch '{"install":[{"name":"bad.v1.tar.gz"}]}' > /dev/null
wait $chgpid
P clear > /dev/null
check "the first order ran" sh -c "curl -s '$ADMIN/get-alias?sn=SN-CHG&alias=fetch_status' | grep -q 'fake install of tool.v2.1.tar.gz: ok'"
check "the order written meanwhile is still in engine_fetch" \
	test "$(alias_value SN-CHG engine_fetch)" = '{"install":[{"name":"bad.v1.tar.gz"}]}'
check "... and the log says why it was not cleared" grep -q 'engine_fetch changed since it was read: left for the next check-in' "$T/chg/log"
check "... and order.uncleared is gone" test ! -e "$T/chg/state/netd/order.uncleared"
once chg
check "the second order ran at the next check-in" \
	sh -c "curl -s '$ADMIN/get-alias?sn=SN-CHG&alias=fetch_status' | grep -q 'gwe: bad.v1.tar.gz: refused by the fake verifier'"
check "... and was cleared then" test -z "$(alias_value SN-CHG engine_fetch)"

# ---- long_poll = true: an order is acted on at once ----------------------------
regdev SN-LP
mkdev lp SN-LP "$(devcik SN-LP)" "engine long_poll = true" "engine debug_level = debug"
fake lp
start lp
wait_for 20 grep -q 'check-in done' "$T/lp/log"
sleep 1
t0=$(date +%s)
"$CTL" "$T/lp/run/netd.sock" status > "$T/lp.st" 2>&1
t1=$(date +%s)
check "control socket answered during a long-poll ($((t1 - t0)) s)" grep -q '^interval=600$' "$T/lp.st"
check "... promptly" test $((t1 - t0)) -le 3
"$CTL" "$T/lp/run/netd.sock" apps > "$T/lp.apps" 2>&1
check "APPS_QUERY answered during a long-poll" grep -q '^apps count=' "$T/lp.apps"
m=$(logmark)
P set-alias SN-LP engine_fetch '{"install":[{"name":"bad.v1.tar.gz"}]}' > /dev/null
if wait_for 20 sh -c "curl -s '$ADMIN/get-alias?sn=SN-LP&alias=fetch_status' | grep -q 'refused by the fake verifier'"; then
	ok "order acted on within seconds by long-poll (update_interval 600)"
else
	not_ok "order acted on within seconds by long-poll (update_interval 600)"; showlog lp
fi
n=$(logcount 0 'Request-Timeout|engine_fetch$' SN-LP)
check "long-poll requests seen ($n)" test "$n" -ge 1
# conns SINCE: distinct connections of SN-LP's requests since a mark
conns() { plog "$1" | $PY -c '
import json, sys
print(len(set(e["conn"] for e in json.load(sys.stdin)["entries"] if e.get("sn") == "SN-LP")))'; }
check "the status and apps queries left the long-poll in place ($(conns 0) connection)" test "$(conns 0)" = 1
# With no handover late enough for it, the clear comes after the downloads and
# before the report (test_netd_clear.sh checks that order).
lp_cleared() { test -z "$(alias_value SN-LP engine_fetch)"; }
wait_for 10 lp_cleared
hv=$(P history SN-LP engine_fetch | $PY -c '
import json, sys
w = json.load(sys.stdin)["writes"]
print(len(w), w[-1]["by"], w[-1]["value"] == "", w[-1]["gap"] >= 1.0)')
check "engine_fetch cleared by the engine >= 1 s after the order was written ($hv)" test "$hv" = "2 device True True"
n=$(plog "$m" | $PY -c '
import json, sys
e = [x for x in json.load(sys.stdin)["entries"] if x.get("sn") == "SN-LP"]
dl = max(i for i, x in enumerate(e) if x["path"].startswith("/provision/download"))
wr = [i for i, x in enumerate(e) if x["method"] == "POST" and x["path"] == "/onep:v1/stack/alias"]
print("after" if wr and min(wr) > dl else "before")')
check "the clear was written after the downloads, not before them ($n)" test "$n" = after
sleep 2
l0=$(grep -c 'long-poll start' "$T/lp/log")
"$CTL" "$T/lp/run/netd.sock" checkin > "$T/lp.ci" 2>&1
check "CTL_CHECKIN during a long-poll runs a check-in" grep -q '^done ok=1' "$T/lp.ci"
# The next long-poll may take a moment on a loaded machine; then none more.
lp_more() { test "$(grep -c 'long-poll start' "$T/lp/log")" -gt "$l0"; }
wait_for 5 lp_more
sleep 1
n=$(($(grep -c 'long-poll start' "$T/lp/log") - l0))
check "... giving up the pending long-poll once, then starting one ($n)" test "$n" = 1
stop lp
check "long-poll daemon stops on SIGTERM" grep -q 'exiting reason=signal' "$T/lp/log"

tap_end
