#!/bin/bash
# make bench: measure gwe against the standard tools, on loopback, as root.
#
#  1. the pipeline: engine_fetch written -> fetch_status written, for signed
#     tarballs of 1, 50 and 200 MB, against curl + minisign -V + tar -xzf +
#     sh install.sh on the same platform; bare, then with every download
#     trickled at 10 MB/s by the platform (the same misbehaviour for both);
#     where gwe's time goes, from its daemons' (time-stamped) logs;
#  2. memory: each daemon's RssAnon/RssShmem peak (sampled every 50 ms)
#     during the biggest install, and idle after the check-ins of 3;
#  3. wire cost of an idle check-in: the platform's HTTP bytes, netd's own
#     counters, and bytes on lo (/proc/net/dev), with the normal daemon
#     (gwe --once through the control socket) and with a fresh connection
#     per check-in (gwe-netd --once, the daemon stopped);
#  4. reaction time: engine_fetch written -> install.sh's first line;
#  5. the verifier: gwe --check-tarball on a 1 GB (unpacked) archive against
#     tar -tzf of the same file.
# Prints one table and writes it to bench/results.md.  A missed target is
# marked MISSED and is a finding: exit 0 unless the benchmark itself broke.
#
# Environment: SIZES ("1 50 200", MiB of gzip), RUNS (5), RUNS_BIG (runs for
# the biggest size, default RUNS), VERIFY_MB (1024, unpacked), CHECKINS (100),
# FRESH (30, fresh-connection check-ins), KEEP=1 (keep the temp dir),
# BENCH_CACHE=DIR (generated tarballs are kept there and reused), RESULTS
# (default bench/results.md), GWE_BUILD (default build/).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=${GWE_BUILD:-$TOP/build}
PY=/usr/bin/python3
SIZES=${SIZES:-"1 50 200"}
RUNS=${RUNS:-5}
RUNS_BIG=${RUNS_BIG:-$RUNS}
VERIFY_MB=${VERIFY_MB:-1024}
CHECKINS=${CHECKINS:-100}
WARMUP=10
FRESH=${FRESH:-30}
RATE=10485760
RESULTS=${RESULTS:-$TOP/bench/results.md}
NET_UID=${NET_UID:-61001}
VFY_UID=${VFY_UID:-61002}
VENDOR=bench-vendor
MODEL=bench-gw
SN=BENCH-0001
MARK=/tmp/gwe-bench-react
BIG=$(printf '%s\n' $SIZES | sort -n | tail -1)

if [ "$(id -u)" != 0 ]; then
	echo "make bench: must run as root (the installer is root; the others drop to uids $NET_UID and $VFY_UID)" >&2
	exit 2
fi
# A network namespace of our own, so that lo carries only the benchmark's traffic
# (its byte counters are then the check-ins' bytes on the wire).
if [ -z "${GWE_BENCH_NETNS:-}" ]; then
	if unshare --net true 2> /dev/null; then
		exec unshare --net env GWE_BENCH_NETNS=own /bin/bash "$0" "$@"
	fi
	export GWE_BENCH_NETNS=shared
fi
if [ "$GWE_BENCH_NETNS" = own ]; then
	ip link set lo up || { echo "bench: cannot bring lo up in the namespace" >&2; exit 2; }
fi
for p in gwe-netd gwe-verifyd gwe-installd gwe; do
	[ -x "$B/$p" ] || { echo "bench: $B/$p not built (make all)" >&2; exit 2; }
done
for c in minisign curl tar perl; do
	command -v $c > /dev/null || { echo "bench: needs $c" >&2; exit 2; }
done

T=$(mktemp -d /tmp/gwe-bench.XXXXXX)
chmod 755 "$T"
CACHE=${BENCH_CACHE:-$T/cache}
mkdir -p "$CACHE" "$T/log" "$T/state" "$T/run" "$T/platform" "$T/keys" "$T/work"
RAW=$T/raw
: > "$RAW"
PIDS=""
STARTED=$SECONDS

# ours PID: still a child of this shell (never signal a reused pid)
ours() { [ "$(awk '/^PPid:/ { print $2 }' "/proc/$1/status" 2>/dev/null)" = "$$" ]; }
stop_pid() {
	local i
	ours "$1" && kill "$1" 2>/dev/null
	for i in $(seq 50); do ours "$1" && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null || break; sleep 0.1; done
	ours "$1" && kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	PIDS=$(printf '%s\n' $PIDS | grep -vx "$1" | tr '\n' ' ')
}
cleanup() {
	local p
	for p in $PIDS; do stop_pid "$p"; done
	rm -f "$MARK"
	if [ -n "${KEEP:-}" ]; then echo "bench: kept $T" >&2; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
die() { echo "bench: $*" >&2; echo "bench: logs in $T/log (kept)" >&2; KEEP=1; exit 1; }
say() { printf '[%4ds] %s\n' $((SECONDS - STARTED)) "$*" >&2; }
rec() { echo "$*" >> "$RAW"; }
now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", a - b }'; }
div() { awk -v a="$(($1))" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
stamp() { perl -MTime::HiRes=time -ne 'BEGIN { $| = 1 } printf "%.6f %s", time, $_'; }

# ---- the machine ------------------------------------------------------------
rec "meta.date $(date -u '+%Y-%m-%d %H:%M UTC')"
rec "meta.nproc $(nproc)"
rec "meta.mem $(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
rec "meta.cpu $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
rec "meta.kernel $(uname -r)"
rec "meta.netns $GWE_BENCH_NETNS"
rec "meta.commit $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)"
rec "meta.sizes $SIZES"
rec "meta.runs $RUNS"
rec "meta.runs_big $RUNS_BIG"
rec "meta.checkins $CHECKINS"
rec "meta.warmup $WARMUP"

# ---- keys and tarballs --------------------------------------------------------
if [ ! -s "$CACHE/bench.key" ]; then
	minisign -G -W -p "$CACHE/bench.pub" -s "$CACHE/bench.key" > /dev/null || die "minisign -G failed"
fi
cp "$CACHE/bench.pub" "$T/keys/bench.pub"
PUB=$T/keys/bench.pub
# tarball NAME MB [--unpacked]: generate (once) and sign
tarball() {
	local name=$1 mb=$2 out
	shift 2
	if [ ! -s "$CACHE/$name" ] || [ ! -s "$CACHE/$name.minisig" ]; then
		say "generating $name ($mb MiB${1:+ unpacked})"
		out=$($PY "$TOP/bench/gen.py" "$CACHE/$name" --size "$mb" --mark "$MARK" "$@") || die "gen.py failed"
		echo "$out" > "$CACHE/$name.gen"
		minisign -S -s "$CACHE/bench.key" -m "$CACHE/$name" > /dev/null < /dev/null || die "minisign -S failed"
	fi
	rec "gen.$name $(cat "$CACHE/$name.gen")"
}
for s in $SIZES; do tarball "bench_${s}mb.v1.0.0.tar.gz" "$s"; done
VNAME=benchverify.v1.0.0.tar.gz
tarball "$VNAME" "$VERIFY_MB" --unpacked

# ---- platform and daemons --------------------------------------------------------
CIK=$(od -An -tx1 -N20 /dev/urandom | tr -d ' \n')
cat > "$T/platform.json" <<EOT
{"products": [{"vendor": "$VENDOR", "model": "$MODEL", "token": "bench-token",
  "devices": [{"sn": "$SN", "cik": "$CIK"}]}]}
EOT
$PY "$TOP/tests/platform/gwe_platform.py" --state-dir "$T/platform" --ready-file "$T/platform/ready.json" \
	--config "$T/platform.json" > "$T/log/platform.log" 2>&1 &
PLATFORM_PID=$!
PIDS="$PIDS $PLATFORM_PID"
for _ in $(seq 100); do [ -s "$T/platform/ready.json" ] && break; sleep 0.1; done
[ -s "$T/platform/ready.json" ] || die "the platform did not start"
jget() { $PY -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$@"; }
URL=$(jget "$T/platform/ready.json" url)
CA=$(jget "$T/platform/ready.json" ca)
ADMIN=$(jget "$T/platform/ready.json" admin_url)
CTL="$PY $TOP/tests/platform/gwe_platform.py ctl --ready $T/platform/ready.json"
for f in "$CACHE"/*.tar.gz "$CACHE"/*.tar.gz.minisig; do
	case $f in *"$VNAME"*) continue ;; esac
	$CTL add-content "$VENDOR" "$MODEL" "$(basename "$f")" "$f" > /dev/null || die "add-content $f failed"
done

CONF=$T/gwe.conf
cat > "$CONF" <<EOT
[device]
vendor = $VENDOR
model = $MODEL
uuid = $SN
cik = $CIK
[engine]
host = $URL
ca_file = $CA
update_interval = 3600
act_retry_interval = 1
long_poll = true
[security]
keys_dir = $T/keys
net_user = $NET_UID
verify_user = $VFY_UID
[limits]
max_tarball_bytes = 2147483648
max_unpacked_bytes = 4294967296
max_entry_bytes = 1073741824
max_entries = 200000
install_timeout = 900
[paths]
state_dir = $T/state
run_dir = $T/run
EOT

start_daemon() {	# NAME SOCKET: start one daemon with a time-stamped log; sets DPID
	"$B/$1" -F -f "$CONF" > >(stamp >> "$T/log/$1.log") 2>&1 &
	DPID=$!
	PIDS="$PIDS $DPID"
	if [ -n "$2" ]; then
		for _ in $(seq 100); do [ -S "$T/run/$2" ] && break; sleep 0.1; done
		[ -S "$T/run/$2" ] || die "$1 did not start"
	fi
}
start_daemon gwe-installd installd.sock; INSD=$DPID
start_daemon gwe-verifyd verifyd.sock; VFYD=$DPID
start_daemon gwe-netd netd.sock; NETD=$DPID
# wait for the first long-poll to be in place
$CTL wait-log path=stack/alias count=1 timeout=30 > /dev/null || die "netd never reached the platform"
sleep 2

nwrites() { curl -s "$ADMIN/get-alias?sn=$SN&alias=$1" | $PY -c 'import json,sys; print(json.load(sys.stdin)["writes"])'; }
# write t of the N-th (0-based) write of an alias, and its value
write_t() { curl -s "$ADMIN/history?sn=$SN&alias=$1" | $PY -c 'import json,sys; w=json.load(sys.stdin)["writes"][int(sys.argv[1])]; print("%.6f" % w["t"])' "$2"; }
write_v() { curl -s "$ADMIN/history?sn=$SN&alias=$1" | $PY -c 'import json,sys; print(json.load(sys.stdin)["writes"][int(sys.argv[1])]["value"])' "$2"; }
logsize() { stat -c %s "$T/log/$1.log"; }

# gwe_run NAME KEY: one install through gwe; records KEY, KEY.react, KEY.stage.*
gwe_run() {
	local name=$1 key=$2 nfs nef t0 t1 v tr o1 o2 o3
	nfs=$(nwrites fetch_status); nef=$(nwrites engine_fetch)
	o1=$(logsize gwe-netd); o2=$(logsize gwe-verifyd); o3=$(logsize gwe-installd)
	rm -f "$MARK"
	$CTL set-alias "$SN" engine_fetch "{\"install\": [{\"name\": \"$name\"}]}" > /dev/null || die "set-alias failed"
	$CTL wait-writes "$SN" fetch_status $((nfs + 1)) timeout=900 > /dev/null || die "no fetch_status for $name"
	t0=$(write_t engine_fetch "$nef"); t1=$(write_t fetch_status "$nfs")
	v=$(write_v fetch_status "$nfs")
	case $v in *"installed bench_"*) ;; *) die "$name not installed: $v" ;; esac
	[ -s "$MARK" ] || die "install.sh of $name did not run"
	tr=$(cat "$MARK")
	rec "$key $(sub "$t1" "$t0")"
	rec "$key.react $(sub "$tr" "$t0")"
	# the clear of engine_fetch, then leave the 1 s spacing of alias writes behind us
	$CTL wait-writes "$SN" engine_fetch $((nef + 2)) timeout=30 > /dev/null || die "engine_fetch not cleared"
	$PY "$TOP/bench/stages.py" "$t0" "$name" \
		<(tail -c +$((o1 + 1)) "$T/log/gwe-netd.log") \
		<(tail -c +$((o2 + 1)) "$T/log/gwe-verifyd.log") \
		<(tail -c +$((o3 + 1)) "$T/log/gwe-installd.log") | sed "s/^/$key.stage./" >> "$RAW"
	sleep 1.2
}

# base_run NAME KEY: the same with the standard tools
base_run() {
	local name=$1 key=$2 d t0 t1 q="vendor=$VENDOR&model=$MODEL"
	d=$(mktemp -d "$T/work/base.XXXXXX")
	mkdir "$d/x"
	rm -f "$MARK"
	t0=$(now)
	curl -sS --fail --cacert "$CA" -H "X-Exosite-CIK: $CIK" \
		-o "$d/$name" "$URL/provision/download?$q&id=$name" \
		-o "$d/$name.minisig" "$URL/provision/download?$q&id=$name.minisig" &&
	minisign -Vq -p "$PUB" -m "$d/$name" &&
	tar -xzf "$d/$name" -C "$d/x" &&
	(cd "$d/x" && sh install.sh > /dev/null) || die "baseline failed for $name"
	t1=$(now)
	[ -s "$MARK" ] || die "baseline install.sh of $name did not run"
	rec "$key $(sub "$t1" "$t0")"
	rec "$key.react $(sub "$(cat "$MARK")" "$t0")"
	rm -rf "$d"
}

# ---- 1 and 4: the pipeline ------------------------------------------------------------
for mode in bare slow; do
	if [ $mode = slow ]; then
		$CTL misbehave slow path=^/provision/download rate=$RATE count=-1 > /dev/null || die "misbehave failed"
	fi
	for s in $SIZES; do
		n=$RUNS; [ "$s" = "$BIG" ] && n=$RUNS_BIG
		name=bench_${s}mb.v1.0.0.tar.gz
		say "pipeline $mode ${s} MB: $n runs each (gwe, then baseline, alternating)"
		for r in $(seq "$n"); do
			gwe_run "$name" "gwe.$mode.$s"
			base_run "$name" "base.$mode.$s"
		done
	done
	[ $mode = slow ] && { $CTL clear > /dev/null || die "clear failed"; }
done

# ---- 2: memory during the biggest install ------------------------------------------------
st() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
resethwm() { local p; for p in $NETD $VFYD $INSD; do echo 5 > "/proc/$p/clear_refs"; done; }
say "memory: one more ${BIG} MB install, sampled every 50 ms"
resethwm
rm -f "$T/stop"
$PY "$TOP/bench/memsample.py" "$T/stop" netd=$NETD verifyd=$VFYD installd=$INSD > "$T/mem.install" &
SPID=$!
PIDS="$PIDS $SPID"
gwe_run "bench_${BIG}mb.v1.0.0.tar.gz" "gwe.mem.$BIG"
touch "$T/stop"; wait $SPID; PIDS=$(printf '%s\n' $PIDS | grep -vx "$SPID" | tr '\n' ' ')
while read -r n anon shm file hwm samples; do
	rec "mem.install.$n $anon $shm $file $hwm $samples"
done < "$T/mem.install"

# ---- 2 and 3: idle check-ins through the running daemon -------------------------------
say "check-ins: $WARMUP warm-up, then $CHECKINS measured (gwe --once, the normal daemon)"
for i in $(seq $WARMUP); do timeout 60 "$B/gwe" -f "$CONF" --once > /dev/null 2>&1 || die "gwe --once failed"; done
resethwm
lo_bytes() { awk '$1 == "lo:" { print $2 }' /proc/net/dev; }
usage_sum() { awk -F= '/\.(sent|received)=/ { s += $2 } END { printf "%.0f\n", s }' "$T/state/netd/usage"; }
usage_req() { awk -F= '/\.requests=/ { s += $2 } END { printf "%.0f\n", s }' "$T/state/netd/usage"; }
log_next() { curl -s "$ADMIN/log?since=999999999" | $PY -c 'import json,sys; print(json.load(sys.stdin)["next"])'; }
# platform bytes since INDEX: "rx tx requests connections" of the device's requests
plat_bytes() {
	curl -s "$ADMIN/log?since=$1" | $PY -c '
import json, sys
e = [x for x in json.load(sys.stdin)["entries"] if x.get("sn") == sys.argv[1]]
print(sum(x["rx"] or 0 for x in e), sum(x["tx"] or 0 for x in e), len(e), len(set(x["conn"] for x in e)))' "$SN"
}
L0=$(log_next); U0=$(usage_sum); Q0=$(usage_req); W0=$(lo_bytes); TT0=$(now)
for i in $(seq "$CHECKINS"); do
	timeout 60 "$B/gwe" -f "$CONF" --once > /dev/null 2>&1 || die "gwe --once failed"
done
sleep 0.5
W1=$(lo_bytes); U1=$(usage_sum); Q1=$(usage_req); TT1=$(now)
read -r prx ptx preq pconn <<< "$(plat_bytes "$L0")"
rec "wire.reuse.http $(( (prx + ptx) / CHECKINS ))"
rec "wire.reuse.engine $(( (U1 - U0) / CHECKINS ))"
rec "wire.reuse.lo $(( (W1 - W0) / CHECKINS ))"
rec "wire.reuse.requests $(div "$preq" "$CHECKINS")"
rec "wire.reuse.conns $(div "$pconn" "$CHECKINS")"
rec "wire.reuse.engine_requests $(div "$Q1 - $Q0" "$CHECKINS")"
rec "wire.reuse.secs $(sub "$TT1" "$TT0")"
sleep 1
for p in netd=$NETD verifyd=$VFYD installd=$INSD; do
	rec "mem.idle.${p%%=*} $(st ${p#*=} RssAnon) $(st ${p#*=} RssShmem) $(st ${p#*=} RssFile) $(st ${p#*=} VmHWM)"
done

# ---- 3: check-ins on netd's own timer (update_interval = 1), the connection kept ---------
TIMER=${TIMER:-30}
say "check-ins: $TIMER on netd's own timer (update_interval = 1)"
stop_pid "$NETD"
sed 's/^update_interval = .*/update_interval = 1/' "$CONF" > "$T/gwe-timer.conf"
"$B/gwe-netd" -F -f "$T/gwe-timer.conf" > >(stamp >> "$T/log/gwe-netd-timer.log") 2>&1 &
NETD=$!
PIDS="$PIDS $NETD"
ndone() { grep -c 'check-in done' "$T/log/gwe-netd-timer.log"; }
waitdone() {	# N: wait for the N-th check-in of the timer netd
	local i
	for i in $(seq 600); do [ "$(ndone)" -ge "$1" ] && return 0; sleep 0.1; done
	die "netd on a timer stopped checking in"
}
waitdone 5; sleep 0.3
L0=$(log_next); U0=$(usage_sum); Q0=$(usage_req); W0=$(lo_bytes); C0=$(ndone)
waitdone $((C0 + TIMER)); sleep 0.3
W1=$(lo_bytes); U1=$(usage_sum); Q1=$(usage_req); C1=$(ndone)
read -r prx ptx preq pconn <<< "$(plat_bytes "$L0")"
N=$((C1 - C0))
rec "wire.timer.http $(( (prx + ptx) / N ))"
rec "wire.timer.engine $(( (U1 - U0) / N ))"
rec "wire.timer.lo $(( (W1 - W0) / N ))"
rec "wire.timer.requests $(div "$preq" "$N")"
rec "wire.timer.conns $(div "$pconn" "$N")"
rec "wire.timer.engine_requests $(div "$Q1 - $Q0" "$N")"

# ---- 3: a fresh connection per check-in (gwe-netd --once, the daemon stopped) ----------
say "check-ins: $FRESH with a fresh connection each (gwe-netd --once)"
stop_pid "$NETD"
"$B/gwe-netd" -f "$CONF" --once > /dev/null 2>&1 || die "gwe-netd --once failed"	# warm-up
L0=$(log_next); U0=$(usage_sum); W0=$(lo_bytes)
for i in $(seq "$FRESH"); do
	timeout 60 "$B/gwe-netd" -f "$CONF" --once >> "$T/log/netd-once.log" 2>&1 || die "gwe-netd --once failed"
done
W1=$(lo_bytes); U1=$(usage_sum)
read -r prx ptx preq pconn <<< "$(plat_bytes "$L0")"
rec "wire.fresh.http $(( (prx + ptx) / FRESH ))"
rec "wire.fresh.engine $(( (U1 - U0) / FRESH ))"
rec "wire.fresh.lo $(( (W1 - W0) / FRESH ))"
rec "wire.fresh.requests $(div "$preq" "$FRESH")"
rec "wire.fresh.conns $(div "$pconn" "$FRESH")"
for p in $VFYD $INSD; do stop_pid "$p"; done

# ---- 5: the verifier ------------------------------------------------------------------
say "verifier: $VNAME ($(cat "$CACHE/$VNAME.gen")), $RUNS runs each after one warm-up"
"$B/gwe" -f "$CONF" --check-tarball "$CACHE/$VNAME" --pubkey "$PUB" > "$T/log/check.out" 2>&1 ||
	die "gwe --check-tarball refused $VNAME: $(cat "$T/log/check.out")"
tar -tzf "$CACHE/$VNAME" > /dev/null || die "tar -tzf failed"
for r in $(seq "$RUNS"); do
	t0=$(now); "$B/gwe" -f "$CONF" --check-tarball "$CACHE/$VNAME" --pubkey "$PUB" > /dev/null 2>&1 || die "check-tarball failed"
	t1=$(now); tar -tzf "$CACHE/$VNAME" > /dev/null || die "tar -tzf failed"
	t2=$(now)
	rec "verify.gwe $(sub "$t1" "$t0")"
	rec "verify.tar $(sub "$t2" "$t1")"
done

rec "meta.secs $((SECONDS - STARTED))"
say "done; writing $RESULTS"
cp "$RAW" "$T/log/raw" 2>/dev/null
$PY "$TOP/bench/report.py" "$RAW" "$RESULTS" || die "report.py failed"
exit 0
