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
GWE_TOP=$TOP
GWE_BUILD=${GWE_BUILD:-$TOP/build}
B=$GWE_BUILD
SIZES=${SIZES:-"1 50 200"}
RUNS=${RUNS:-5}
RUNS_BIG=${RUNS_BIG:-$RUNS}
VERIFY_MB=${VERIFY_MB:-1024}
CHECKINS=${CHECKINS:-100}
WARMUP=10
FRESH=${FRESH:-30}
RATE=10485760
RESULTS=${RESULTS:-$TOP/bench/results.md}
VENDOR=bench-vendor
MODEL=bench-gw
SN=BENCH-0001
MARK=/tmp/gwe-bench-react
BIG=$(printf '%s\n' $SIZES | sort -n | tail -1)
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/engine.sh"

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

tap_tmp bench
CACHE=${BENCH_CACHE:-$T/cache}
mkdir -p "$CACHE" "$T/log" "$T/keys" "$T/work"
RAW=$T/raw
: > "$RAW"
STARTED=$SECONDS

bench_cleanup() {
	rm -f "$MARK"
	[ -z "${KEEP:-}" ] || echo "bench: kept $T" >&2
	tap_cleanup
}
trap bench_cleanup EXIT
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
# The key pair is kept in the cache with the tarballs it signed.
KEY=$CACHE/bench.key
if [ ! -s "$KEY" ]; then
	minisign -G -W -p "$CACHE/bench.pub" -s "$KEY" > /dev/null || die "minisign -G failed"
fi
PUB=$T/keys/bench.pub
cp "$CACHE/bench.pub" "$PUB"
# tarball NAME MB [--unpacked]: generate (once) and sign
tarball() {
	local name=$1 mb=$2 out
	shift 2
	if [ ! -s "$CACHE/$name" ] || [ ! -s "$CACHE/$name.minisig" ]; then
		say "generating $name ($mb MiB${1:+ unpacked})"
		out=$($PY "$TOP/bench/gen.py" "$CACHE/$name" --size "$mb" --mark "$MARK" "$@") || die "gen.py failed"
		echo "$out" > "$CACHE/$name.gen"
		app_sign "$CACHE/$name" || die "minisign -S failed"
	fi
	rec "gen.$name $(cat "$CACHE/$name.gen")"
}
for s in $SIZES; do tarball "bench_${s}mb.v1.0.0.tar.gz" "$s"; done
VNAME=benchverify.v1.0.0.tar.gz
tarball "$VNAME" "$VERIFY_MB" --unpacked

# ---- platform and daemons --------------------------------------------------------
CIK=$(od -An -tx1 -N20 /dev/urandom | tr -d ' \n')
plat_config "$VENDOR" "$MODEL" bench-token "$SN" "$CIK"
PLAT_OUT=$T/log/platform.log plat_up --config "$T/platform.json" || die "the platform did not start"
for f in "$CACHE"/*.tar.gz "$CACHE"/*.tar.gz.minisig; do
	case $f in *"$VNAME"*) continue ;; esac
	publish "$(basename "$f")" "$f" || die "add-content $f failed"
done

CONF=$T/gwe.conf
engine_conf "$CONF" "$T" "$SN" "device cik = $CIK" "engine update_interval = 3600" \
	"limits max_tarball_bytes = 2147483648" "limits max_unpacked_bytes = 4294967296" \
	"limits max_entry_bytes = 1073741824" "limits max_entries = 200000" "limits install_timeout = 900"

# start_daemon NAME SOCKET [CONF [LOG]]: one daemon with a time-stamped log
# (default $T/log/NAME.log) on CONF (default $CONF); waits for SOCKET in the run dir; sets DPID
start_daemon() {
	"$B/$1" -F -f "${3:-$CONF}" > >(stamp >> "$T/log/${4:-$1}.log") 2>&1 &
	DPID=$!
	TAP_PIDS="$TAP_PIDS $DPID"
	[ -z "$2" ] || wait_for 10 test -S "$T/run/$2" || die "$1 did not start"
}
start_daemon gwe-installd installd.sock; INSD=$DPID
start_daemon gwe-verifyd verifyd.sock; VFYD=$DPID
start_daemon gwe-netd netd.sock; NETD=$DPID
# wait for the first long-poll to be in place
P wait-log path=stack/alias count=1 timeout=30 > /dev/null || die "netd never reached the platform"
sleep 2

nwrites() { alias_count "$SN" "$1"; }
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
	order "$SN" "$name" || die "set-alias failed"
	alias_wait "$SN" fetch_status $((nfs + 1)) 900 || die "no fetch_status for $name"
	t0=$(write_t engine_fetch "$nef"); t1=$(write_t fetch_status "$nfs")
	v=$(write_v fetch_status "$nfs")
	case $v in *"installed bench_"*) ;; *) die "$name not installed: $v" ;; esac
	[ -s "$MARK" ] || die "install.sh of $name did not run"
	tr=$(cat "$MARK")
	rec "$key $(sub "$t1" "$t0")"
	rec "$key.react $(sub "$tr" "$t0")"
	# the clear of engine_fetch, then leave the 1 s spacing of alias writes behind us
	alias_wait "$SN" engine_fetch $((nef + 2)) 30 || die "engine_fetch not cleared"
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
		P misbehave slow path=^/provision/download rate=$RATE count=-1 > /dev/null || die "misbehave failed"
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
	[ $mode = slow ] && { P clear > /dev/null || die "clear failed"; }
done

# ---- 2: memory during the biggest install ------------------------------------------------
st() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
resethwm() { local p; for p in $NETD $VFYD $INSD; do echo 5 > "/proc/$p/clear_refs"; done; }
say "memory: one more ${BIG} MB install, sampled every 50 ms"
resethwm
rm -f "$T/stop"
$PY "$TOP/bench/memsample.py" "$T/stop" netd=$NETD verifyd=$VFYD installd=$INSD > "$T/mem.install" &
SPID=$!
TAP_PIDS="$TAP_PIDS $SPID"
gwe_run "bench_${BIG}mb.v1.0.0.tar.gz" "gwe.mem.$BIG"
touch "$T/stop"; wait $SPID; pid_stop "$SPID"
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
# platform bytes since INDEX: "rx tx requests connections" of the device's requests
plat_bytes() {
	plog "$1" | $PY -c '
import json, sys
e = [x for x in json.load(sys.stdin)["entries"] if x.get("sn") == sys.argv[1]]
print(sum(x["rx"] or 0 for x in e), sum(x["tx"] or 0 for x in e), len(e), len(set(x["conn"] for x in e)))' "$SN"
}
# rec_wire KIND N [fresh]: the bytes and requests per check-in of N since L0/U0/W0/Q0
# (platform log, netd's counters, lo), from prx/ptx/preq/pconn; fresh: no engine_requests
rec_wire() {
	rec "wire.$1.http $(( (prx + ptx) / $2 ))"
	rec "wire.$1.engine $(( (U1 - U0) / $2 ))"
	rec "wire.$1.lo $(( (W1 - W0) / $2 ))"
	rec "wire.$1.requests $(div "$preq" "$2")"
	rec "wire.$1.conns $(div "$pconn" "$2")"
	[ -n "${3:-}" ] || rec "wire.$1.engine_requests $(div "$Q1 - $Q0" "$2")"
}
L0=$(logmark); U0=$(usage_sum); Q0=$(usage_req); W0=$(lo_bytes); TT0=$(now)
for i in $(seq "$CHECKINS"); do
	timeout 60 "$B/gwe" -f "$CONF" --once > /dev/null 2>&1 || die "gwe --once failed"
done
sleep 0.5
W1=$(lo_bytes); U1=$(usage_sum); Q1=$(usage_req); TT1=$(now)
read -r prx ptx preq pconn <<< "$(plat_bytes "$L0")"
rec_wire reuse "$CHECKINS"
rec "wire.reuse.secs $(sub "$TT1" "$TT0")"
sleep 1
for p in netd=$NETD verifyd=$VFYD installd=$INSD; do
	rec "mem.idle.${p%%=*} $(st ${p#*=} RssAnon) $(st ${p#*=} RssShmem) $(st ${p#*=} RssFile) $(st ${p#*=} VmHWM)"
done

# ---- 3: check-ins on netd's own timer (update_interval = 1), the connection kept ---------
TIMER=${TIMER:-30}
say "check-ins: $TIMER on netd's own timer (update_interval = 1)"
pid_stop "$NETD"
sed 's/^update_interval = .*/update_interval = 1/' "$CONF" > "$T/gwe-timer.conf"
start_daemon gwe-netd "" "$T/gwe-timer.conf" gwe-netd-timer; NETD=$DPID
ndone() { grep -c 'check-in done' "$T/log/gwe-netd-timer.log"; }
waitdone() {	# N: wait for the N-th check-in of the timer netd
	local i
	for i in $(seq 600); do [ "$(ndone)" -ge "$1" ] && return 0; sleep 0.1; done
	die "netd on a timer stopped checking in"
}
waitdone 5; sleep 0.3
L0=$(logmark); U0=$(usage_sum); Q0=$(usage_req); W0=$(lo_bytes); C0=$(ndone)
waitdone $((C0 + TIMER)); sleep 0.3
W1=$(lo_bytes); U1=$(usage_sum); Q1=$(usage_req); C1=$(ndone)
read -r prx ptx preq pconn <<< "$(plat_bytes "$L0")"
N=$((C1 - C0))
rec_wire timer "$N"

# ---- 3: a fresh connection per check-in (gwe-netd --once, the daemon stopped) ----------
say "check-ins: $FRESH with a fresh connection each (gwe-netd --once)"
pid_stop "$NETD"
"$B/gwe-netd" -f "$CONF" --once > /dev/null 2>&1 || die "gwe-netd --once failed"	# warm-up
L0=$(logmark); U0=$(usage_sum); W0=$(lo_bytes)
for i in $(seq "$FRESH"); do
	timeout 60 "$B/gwe-netd" -f "$CONF" --once >> "$T/log/netd-once.log" 2>&1 || die "gwe-netd --once failed"
done
W1=$(lo_bytes); U1=$(usage_sum)
read -r prx ptx preq pconn <<< "$(plat_bytes "$L0")"
rec_wire fresh "$FRESH" fresh
for p in $VFYD $INSD; do pid_stop "$p"; done

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
# report.py rewrites RESULTS: the herd's last section (bench/herd.md) goes back in.
$PY "$TOP/bench/herd_report.py" merge "$RESULTS" || die "herd_report.py merge failed"
exit 0
