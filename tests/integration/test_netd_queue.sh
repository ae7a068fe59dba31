#!/bin/sh
# The fetch_status queue while the platform refuses writes (issue 16): the
# queue and failed/ are capped (the oldest texts dropped, each drop logged
# and counted in state_dir/netd/dropped), and a backlog is sent a few texts
# a check-in, so that engine_fetch is still read between them.  About 25 s.
. "$(dirname "$0")/../lib/tap.sh"
need_root "gwe-netd fetch_status queue"
tap_tmp
. "$(dirname "$0")/test_netd_lib.sh"

# fill DIR FIRST LAST [SUFFIX]: queue-named files FIRST..LAST in DIR, an hour old.
fill() {
	mkdir -p "$1"
	$PY - "$@" <<'EOPY'
import os, sys, time
d, a, b = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
suffix = sys.argv[4] if len(sys.argv) > 4 else ""
for i in range(a, b + 1):
    p = os.path.join(d, "%016d%s" % (i, suffix))
    with open(p, "w") as f:
        f.write("old text %d" % i)
    os.utime(p, (time.time() - 3600 + i, time.time() - 3600 + i))
EOPY
}
nfiles() { ls "$1" | wc -l | tr -d ' '; }

# ---- the queue's cap -----------------------------------------------------------------
SN=SN-QCAP
regdev $SN
mkdev qc $SN "$(devcik $SN)"
S=$T/qc/state/netd
fill "$S/queue" 1 250
chown -R "$NET_UID:$NET_UID" "$T/qc/state"
P misbehave status 'path=^/onep:v1/stack/alias$' method=POST code=500 count=-1 > /dev/null
order $SN a1.v1.tar.gz a2.v1.tar.gz a3.v1.tar.gz a4.v1.tar.gz a5.v1.tar.gz \
    a6.v1.tar.gz a7.v1.tar.gz a8.v1.tar.gz a9.v1.tar.gz a10.v1.tar.gz
once qc
P clear > /dev/null
n=$(nfiles "$S/queue")
check "250 texts queued and 10 more results, writes refused: the queue holds 256 ($n)" test "$n" = 256
check "the oldest were dropped, each logged" \
    test "$(grep -c 'fetch_status dropped entry=[0-9]* reason="queue full" max=256 dropped=[0-9]*' "$T/qc/log")" = 4
check "... the very oldest first" test ! -e "$S/queue/0000000000000004" -a -e "$S/queue/0000000000000005"
check "... and counted for the operator (state_dir/netd/dropped)" grep -qx 'queue=4' "$S/dropped"

# ---- failed/'s cap ------------------------------------------------------------------
SN=SN-FCAP
regdev $SN
mkdev fc $SN "$(devcik $SN)"
S=$T/fc/state/netd
fill "$S/failed" 1 256 .1000
fill "$S/queue" 300 301
chown -R "$NET_UID:$NET_UID" "$T/fc/state"
P misbehave status 'path=^/onep:v1/stack/alias$' method=POST code=400 count=-1 > /dev/null
once fc
P clear > /dev/null
n=$(nfiles "$S/failed")
check "256 set aside and two more refused for good: failed/ holds 256 ($n)" test "$n" = 256
check "... the two oldest dropped" test ! -e "$S/failed/0000000000000002.1000" -a -e "$S/failed/0000000000000003.1000"
check "... logged and counted" sh -c "test \$(grep -c 'set-aside text dropped name=.* reason=\"failed/ full\"' '$T/fc/log') = 2 && grep -qx 'failed=2' '$S/dropped'"

# ---- a backlog does not starve the order read ------------------------------------------
SN=SN-BACKLOG
regdev $SN
mkdev bl $SN "$(devcik $SN)"
S=$T/bl/state/netd
once bl		# the reports written, so that later check-ins are small reads
fill "$S/queue" 1 12
chown -R "$NET_UID:$NET_UID" "$T/bl/state"
m=$(logmark)
start bl
alias_wait $SN fetch_status 12 40
check "a backlog of 12 texts is sent" test "$(alias_count $SN fetch_status)" = 12
stop bl
out=$(plog "$m" | $PY -c '
import json, sys
run = best = reads = 0
for e in json.load(sys.stdin)["entries"]:
    if e.get("sn") != "SN-BACKLOG":
        continue
    if "?" in e["path"]:
        reads += 1
        run = 0
    elif e["method"] == "POST":
        run += 1
        best = max(best, run)
print(best, reads)')
set -- $out
diag "longest run of writes without a read: $1; check-in reads: $2"
check "at most 8 writes between two check-ins ($1)" test "$1" -le 8
check "... engine_fetch read again during the backlog ($2 reads)" test "$2" -ge 2
check "the backlog is logged" grep -q 'fetch_status backlog left for the next check-in queued=4' "$T/bl/log"

tap_end
