#!/bin/sh
# The long-poll's pace.  A platform (or a proxy) that answers a long-poll at
# once, ignoring Request-Timeout, with 304, 204, an empty engine_fetch or an
# order that the check-in then does not find, must not make gwe-netd loop
# without a pause: early answers are backed off like errors (counted here
# from the platform's request log over a few seconds).  And an honest
# long-poll is held for its full time: the low-speed limit of every other
# request (shortened here with GWE_NETD_LOW_SPEED_TIME) does not cut it.
# About 40 s.
. "$(dirname "$0")/../lib/tap.sh"
need_root "gwe-netd long-poll pace"
tap_tmp
. "$(dirname "$0")/test_netd_lib.sh"

SECS=6
# counts SINCE SN: "LONGPOLLS CHECKINS" of SN's requests since a mark.
counts() {
	plog "$1" | $PY -c '
import json, sys
es = [e for e in json.load(sys.stdin)["entries"] if e.get("sn") == sys.argv[1]]
lp = sum(1 for e in es if "Request-Timeout" in (e.get("headers") or {}))
ci = sum(1 for e in es if "update_interval" in (e["path"] or ""))
print(lp, ci)' "$2"
}
# cpu PID: user + system clock ticks used so far.
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# early ANSWER LP_MAX CI_MAX: a device whose every long-poll is answered at once.
early() {
	local a=$1 sn=SN-EARLY-$1 m pid c0 c1 lp ci
	regdev "$sn"
	mkdev "e$a" "$sn" "$(devcik "$sn")" "engine long_poll = true"
	P misbehave no_hold path=engine_fetch answer="$a" count=-1 > /dev/null
	m=$(logmark)
	start "e$a"
	eval "pid=\$PID_e$a"
	wait_for 10 grep -q 'check-in done' "$T/e$a/log"
	c0=$(cpu "$pid")
	sleep $SECS
	c1=$(cpu "$pid")
	stop "e$a"
	P clear > /dev/null
	read -r lp ci <<EOT
$(counts "$m" "$sn")
EOT
	diag "answer=$a: $lp long-polls and $ci check-ins in about $SECS s, cpu $((c1 - c0)) ticks"
	check "long-polls answered at once ($a) are backed off ($lp in $SECS s)" test "$lp" -ge 1 -a "$lp" -le "$2"
	check "... and so are check-ins ($ci)" test "$ci" -ge 1 -a "$ci" -le "$3"
}
# Backoff from 5 s (update_interval 600): 2.5-5 s, then 5-10 s.
early 304 4 2
early 204 4 2
early empty 4 2
check "an early answer is logged" grep -q 'long-poll answered early status=200 ' "$T/eempty/log"
check "... with the wait before the next" grep -q 'next long-poll in secs=[0-9]* early=1' "$T/eempty/log"
# An order the check-in then does not find: each long-poll costs a check-in.
early value 4 5
check "an order the check-in did not find is logged" \
	grep -q 'long-poll said engine_fetch was written, the check-in found no order' "$T/evalue/log"

# ---- an honest long-poll is held its full time -------------------------------------
SN=SN-HELD
regdev $SN
mkdev held $SN "$(devcik $SN)" "engine long_poll = true" "engine update_interval = 6"
m=$(logmark)
export GWE_NETD_LOW_SPEED_TIME=2
start held
unset GWE_NETD_LOW_SPEED_TIME
wait_for 10 grep -q 'check-in done' "$T/held/log"
# The long-poll runs to the next check-in (about 6 s), past the 2 s low-speed window.
wait_for 15 sh -c "test \$(grep -c 'check-in done' '$T/held/log') -ge 2"
stop held
check "the long-poll is not cut by the low-speed limit" sh -c "! grep -q 'long-poll failed' '$T/held/log'"
out=$(plog "$m" | $PY -c '
import json, sys
es = [e for e in json.load(sys.stdin)["entries"] if e.get("sn") == "SN-HELD"]
lp = [e for e in es if "Request-Timeout" in (e.get("headers") or {})]
print(len(lp), lp[0]["status"] if lp else None, len(set(e["conn"] for e in es[:3])))')
diag "long-polls, first status, connections of the first three requests: $out"
set -- $out
check "a long-poll held to its time-out (304)" test "$1" -ge 1 -a "$2" = 304
check "check-in, long-poll and check-in on one connection (no new TLS session)" test "$3" = 1

tap_end
