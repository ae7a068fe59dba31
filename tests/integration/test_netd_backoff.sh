#!/bin/sh
# A 401 on check-in is logged and backed off: with a fixed jitter seed
# (GWE_NETD_SEED, a test-only knob) and update_interval = 8, the gaps
# between check-ins seen by the platform grow, roughly doubling, and
# never exceed update_interval.  About 20 s.  (Refused requests carry no
# serial in the request log: the platform answers them before it looks.)
. "$(dirname "$0")/../lib/tap.sh"
need_root "gwe-netd backoff"
tap_tmp
. "$(dirname "$0")/test_netd_lib.sh"

SN=SN-BACKOFF
N=4		# refused check-ins
regdev $SN
mkdev bo $SN "$(devcik $SN)" "engine update_interval = 8"
P misbehave status 'path=^/onep:v1/stack/alias\?' code=401 count=$N > /dev/null
export GWE_NETD_SEED=42
start bo
unset GWE_NETD_SEED
P wait-log 'path=^/onep:v1/stack/alias\?' count=$((N + 1)) timeout=45 > /dev/null
check "$N refused check-ins, then one accepted" test $? = 0
stop bo

check "the 401 is logged" grep -q 'check-in refused status=401 reason="CIK not accepted"' "$T/bo/log"
check "the seed is logged as test-only" grep -q 'backoff jitter seeded seed=42 ' "$T/bo/log"
# What netd chose after each failure, e.g. "2 3 7 5".
chosen=$(sed -n 's/.*next check-in in secs=\([0-9]*\) failures=[1-9].*/\1/p' "$T/bo/log" | head -$N | tr '\n' ' ')
diag "netd waited: $chosen"
plog 0 > "$T/requests.json"
out=$($PY - "$T/requests.json" "$SN" "$N" "$chosen" <<'EOPY'
import json, re, sys
log = json.load(open(sys.argv[1]))["entries"]
sn, n, chosen = sys.argv[2], int(sys.argv[3]), [int(x) for x in sys.argv[4].split()]
t = [e["t"] for e in log if re.match(r"^/onep:v1/stack/alias\?", e["path"])]
st = [e["status"] for e in log if re.match(r"^/onep:v1/stack/alias\?", e["path"])]
gaps = [round(b - a, 2) for a, b in zip(t, t[1:])][:n]
print("statuses %s gaps %s" % (st[:n + 1], gaps))
bad = []
if st[:n + 1] != [401] * n + [st[n]] or st[n] not in (200, 204):
    bad.append("statuses")
if len(gaps) != n or len(chosen) != n:
    bad.append("count")
else:
    maxes = [min(2 * 2 ** k, 8) for k in range(n)]	# base 8/4 = 2: 2 4 8 8
    for g, c, m in zip(gaps, chosen, maxes):
        if not (m // 2 <= c <= m):
            bad.append("chosen %d outside [%d, %d]" % (c, m // 2, m))
        if not (c - 1 <= g <= c + 0.5):	# whole seconds: within a second of it
            bad.append("gap %.2f for a wait of %d" % (g, c))
        if g > 8 + 0.5:
            bad.append("gap %.2f over update_interval" % g)
    if not gaps[2] >= 1.5 * gaps[0] or not gaps[1] <= gaps[2] + 0.5:
        bad.append("gaps do not grow")
print(" ".join(bad) if bad else "ok")
sys.exit(1 if bad else 0)
EOPY
)
rc=$?
diag "$out"
check "gaps grow (roughly doubling) up to update_interval and never past it" test $rc = 0

tap_end
