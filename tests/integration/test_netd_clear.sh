#!/bin/sh
# The clear of engine_fetch comes before the first fetch_status write of its
# order (docs/design.md section 3, step 5), read from the platform's alias
# history: a dashboard that reads both aliases never sees a finished order
# still pending.  Twice: a 1 KB tarball (installed well within the second
# the clear must wait) and one whose download takes 3 s.  Each time the
# clear also keeps its rules: not sooner than 1.05 s after the read, and
# after a re-read of engine_fetch, in a request of its own.
. "$(dirname "$0")/../lib/tap.sh"
need_root "gwe-netd clear before the result"
tap_tmp
. "$(dirname "$0")/test_netd_lib.sh"

head -c 1024 /dev/urandom > "$T/small.v1.tar.gz"
head -c 12288 /dev/urandom > "$T/slow.v1.tar.gz"
publish small.v1.tar.gz "$T/small.v1.tar.gz"
publish slow.v1.tar.gz "$T/slow.v1.tar.gz"

# order_history SN MARK SECS: the check of one device's order, from the platform's
# alias histories and request log since MARK (its download took SECS or more);
# prints the timings, or why not.
order_history() {
	{ P history "$1" engine_fetch; P history "$1" fetch_status; plog "$2"; } | $PY -c '
import json, sys
dec = json.JSONDecoder()
text = sys.stdin.read()
docs, i = [], 0
while i < len(text):
    while i < len(text) and text[i].isspace():
        i += 1
    if i < len(text):
        d, i = dec.raw_decode(text, i)
        docs.append(d)
fetch, status, log = docs[0]["writes"], docs[1]["writes"], docs[2]["entries"]
sn = sys.argv[1]
log = [e for e in log if e.get("sn") == sn]
def fail(why):
    print(why); sys.exit(1)
order = [w for w in fetch if w["value"]]
if len(order) != 1 or not status:
    fail("want one order and a result: %r %r" % (fetch, status))
first = min(w["t"] for w in status)
reads = [e for e in log if e["path"].endswith("?engine_fetch&update_interval")]
if not reads:
    fail("no check-in read")
read = reads[0]["t"]
clears = [w for w in fetch if w["value"] == "" and w["by"] == "device" and w["t"] > read]
if not clears:
    fail("engine_fetch never cleared: %r" % fetch)
clear = clears[0]["t"]
# engine_fetch as a reader sees it when the result lands: the last write before it.
before = [w for w in fetch if w["t"] < first]
if not before or before[-1]["value"] != "":
    fail("engine_fetch still %r at the first fetch_status write" %
         (before[-1]["value"] if before else None))
if clear - read < max(1.049, float(sys.argv[2])):
    fail("cleared %.3f s after the read, under 1.05 or the download" % (clear - read))
posts = [e for e in log
         if e["method"] == "POST" and e["path"] == "/onep:v1/stack/alias" and e["t"] > read]
# The clear request answered before the result was written: two requests.
if not posts or posts[0]["t"] >= first:
    fail("the clear and the result in one request, or the result first: %r" % posts[:2])
# <=: the re-read is answered before the clear is sent, but both can carry one millisecond.
rereads = [e for e in log if e["path"].endswith("?engine_fetch") and read < e["t"] <= clear]
if not rereads:
    fail("no re-read of engine_fetch before the clear")
print("read->clear %.3f s, read->first fetch_status %.3f s" % (clear - read, first - read))
' "$1" "$3"
}

# run_order NAME SN TARBALL SECS: one check-in of a fresh device that finds an
# order of TARBALL (its download takes SECS or more); the check of its history.
run_order() {
	regdev "$2"
	mkdev "$1" "$2" "$(devcik "$2")"
	fake "$1"
	m=$(logmark)
	P set-alias "$2" engine_fetch "{\"install\":[{\"name\":\"$3\"}]}" > /dev/null
	once "$1"; rc=$?
	check "$1: the check-in ran the order (rc $rc)" sh -c "test $rc = 0 &&
	    curl -s '$ADMIN/get-alias?sn=$2&alias=fetch_status' | grep -q 'fake install of $3: ok'" ||
		showlog "$1"
	if out=$(order_history "$2" "$m" "$4" 2>&1); then
		ok "$1: engine_fetch empty before the first fetch_status write ($out)"
	else
		not_ok "$1: engine_fetch empty before the first fetch_status write"; diag "$out"
	fi
	check "$1: order.uncleared gone once cleared" test ! -e "$T/$1/state/netd/order.uncleared"
}

# ---- a 1 KB tarball: the result is there before the second is up --------------------
run_order small SN-CLR-SMALL small.v1.tar.gz 0

# ---- a download of 3 s: the clear at the handover, before the result -----------------
P misbehave slow 'path=^/provision/download\?.*id=slow\.v1\.tar\.gz$' rate=4096 count=1 > /dev/null
run_order slow SN-CLR-SLOW slow.v1.tar.gz 3
P clear > /dev/null

tap_end
