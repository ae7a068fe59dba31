#!/bin/bash
# make bench-herd (also run by make bench): a fleet of real gwe-netd processes
# through a platform outage, on this machine, as root.
#
#  1. the platform (bench/herd_platform.py: the test platform with a listen
#     backlog of 4096 and arrival times in its logs) with HERD_N devices;
#  2. HERD_N gwe-netd, each with its own config, state and run dir, no
#     verifier (idle check-ins need none), long_poll = true, update_interval
#     HERD_INTERVAL (the default 43200), started HERD_START_RATE a second;
#     then wait until every one holds a long-poll;
#  3. the outage: the platform is stopped (a real stop: the kernel answers
#     every SYN with RST at once) for HERD_OUTAGE seconds, then started again
#     on the same port, certificates and devices;
#  4. watching until every netd is back and HERD_TAIL seconds more, at most
#     HERD_AFTER seconds, then everything stops;
#  5. bench/herd_report.py: requests a second at the platform after its
#     return (peak over mean over the backoff window: from the return until
#     every netd was back), the spread of the first requests per device,
#     RssAnon per netd, fds at the platform; the section "The herd" of
#     bench/results.md (also kept in bench/herd.md) and the plot bench/herd.svg.
# Runs in a network and a pid namespace of its own (unshare): lo carries only
# the herd, and when the script ends, however it ends, the kernel ends every
# process it started.  A missed target is marked MISSED and is a finding:
# exit 0 unless the benchmark itself broke (then 1, the temp dir kept).
#
# Environment: HERD_N (1000), HERD_OUTAGE (300 s), HERD_AFTER (at most 350 s
# watched after the return), HERD_TAIL (20 s watched after the last netd is
# back), HERD_INTERVAL (43200), HERD_START_RATE (50 netd a second),
# HERD_BACKLOG (4096), KEEP=1 (keep the temp dir), RESULTS
# (bench/results.md), GWE_BUILD (default build/).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
GWE_TOP=$TOP
GWE_BUILD=${GWE_BUILD:-$TOP/build}
HERD_N=${HERD_N:-1000}
HERD_OUTAGE=${HERD_OUTAGE:-300}
HERD_AFTER=${HERD_AFTER:-350}
HERD_TAIL=${HERD_TAIL:-20}
HERD_INTERVAL=${HERD_INTERVAL:-43200}
HERD_START_RATE=${HERD_START_RATE:-50}
HERD_PORT=${HERD_PORT:-8443}
export HERD_BACKLOG=${HERD_BACKLOG:-4096}
RESULTS=${RESULTS:-$TOP/bench/results.md}
# Every phase is bounded; this bounds the whole (start, settle, outage, watch, stop).
LIMIT=$((HERD_N / HERD_START_RATE + HERD_OUTAGE + HERD_AFTER + HERD_TAIL + 240))

if [ "$(id -u)" != 0 ]; then
	echo "herd: must run as root (each gwe-netd drops to uid ${NET_UID:-61001})" >&2
	exit 2
fi
if [ -z "${GWE_HERD_NS:-}" ]; then
	[ -x "$GWE_BUILD/gwe-netd" ] || { echo "herd: $GWE_BUILD/gwe-netd not built (make all)" >&2; exit 2; }
	unshare --net --pid --fork --mount-proc true 2> /dev/null ||
		{ echo "herd: needs unshare --net --pid (namespaces)" >&2; exit 2; }
	exec timeout --foreground -k 20 "$LIMIT" unshare --net --pid --fork --mount-proc \
		--kill-child=TERM env GWE_HERD_NS=1 GWE_BUILD="$GWE_BUILD" /bin/bash "$0" "$@"
fi
ip link set lo up || { echo "herd: cannot bring lo up in the namespace" >&2; exit 2; }
# The platform holds a connection per netd: RLIMIT_NOFILE up to the hard limit.
ulimit -n "$(ulimit -Hn)" || { echo "herd: cannot raise RLIMIT_NOFILE" >&2; exit 2; }
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge $((HERD_N + 200)) ] ||
	{ echo "herd: RLIMIT_NOFILE $(ulimit -n) is too low for $HERD_N connections" >&2; exit 2; }

VENDOR=acme MODEL=gw1		# mkdev's product
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/engine.sh"
PLAT=$TOP/bench/herd_platform.py	# plat_start and P run the wrapper

tap_tmp herd
export HERD_EVENTS=$T/events.log
STARTED=$SECONDS
NETD_PIDS=""
say() { printf '[%4ds] %s\n' $((SECONDS - STARTED)) "$*" >&2; }
die() { echo "herd: $*" >&2; echo "herd: logs in $T (kept)" >&2; KEEP=1; exit 1; }
# The fleet at once (a SIGTERM each), then tap_cleanup reaps it and the rest;
# the pid namespace ends whatever is left when this shell ends.
herd_cleanup() {
	touch "$T/stop"
	[ -z "$NETD_PIDS" ] || kill $NETD_PIDS 2> /dev/null
	[ -z "${KEEP:-}" ] || echo "herd: kept $T" >&2
	tap_cleanup
}
trap herd_cleanup EXIT; trap 'exit 130' INT TERM
now() { date +%s.%N; }
par() { echo "$1 $2" >> "$T/params"; }
# polling: how many devices have sent a long-poll since event line $1.
polling() {
	tail -n +"$1" "$HERD_EVENTS" | grep '"kind": "longpoll"' | grep -o 'HERD-[0-9]*' | sort -u | wc -l
}
# back: how many devices have sent any request since event line $1.
back() { tail -n +"$1" "$HERD_EVENTS" | grep '"ev": "req"' | grep -o 'HERD-[0-9]*' | sort -u | wc -l; }
alive() { local n=0 p; for p in $NETD_PIDS; do [ -e "/proc/$p" ] && n=$((n + 1)); done; echo $n; }
plat() {
	plat_start "$T/platform" --port "$HERD_PORT" --config "$T/platform.json" ||
		die "the platform did not start: $(tail -5 "$T/platform.out")"
	echo "$PLAT_PID" > "$T/plat.pid"
}

par n "$HERD_N"; par outage "$HERD_OUTAGE"; par after "$HERD_AFTER"; par interval "$HERD_INTERVAL"
par start_rate "$HERD_START_RATE"; par backlog "$HERD_BACKLOG"
par date "$(date -u '+%Y-%m-%d %H:%M UTC')"
par machine "$(nproc) cores, $(awk '/^MemTotal:/ { printf "%.1f GiB RAM", $2 / 1048576 }' /proc/meminfo), $(uname -r)"
par commit "$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)"

say "platform with $HERD_N devices (listen backlog $HERD_BACKLOG)"
$PY "$PLAT" devices "$HERD_N" "$VENDOR" "$MODEL" "$T/platform.json" || die "devices"
plat
plat_read "$T/platform"
mkdev h0000 HERD-0000 "$(devcik HERD-0000)" "engine update_interval = $HERD_INTERVAL" \
	"engine long_poll = true"
$PY "$PLAT" confs "$HERD_N" "$T" || die "configs"
$PY "$TOP/bench/herd_sample.py" "$T/netd.pids" "$T/plat.pid" "$T/samples.log" "$T/stop" "$LIMIT" &
TAP_PIDS="$TAP_PIDS $!"

say "starting $HERD_N gwe-netd, $HERD_START_RATE a second (update_interval $HERD_INTERVAL, long_poll on)"
par t_start "$(now)"
i=0
while [ $i -lt "$HERD_N" ]; do
	start "$(printf h%04d $i)"
	NETD_PIDS="$NETD_PIDS $!"
	i=$((i + 1))
	[ $((i % HERD_START_RATE)) != 0 ] || { echo "$NETD_PIDS" > "$T/netd.pids"; sleep 1; }
done
echo "$NETD_PIDS" > "$T/netd.pids"
par t_started "$(now)"
end=$((SECONDS + 120))
while [ "$(polling 1)" -lt "$HERD_N" ]; do
	[ $SECONDS -lt $end ] || die "only $(polling 1) of $HERD_N netd long-poll after 120 s ($(alive) alive)"
	sleep 2
done
par t_polling "$(now)"
say "all $HERD_N long-poll ($(alive) alive); 5 s steady"
sleep 5

say "outage: the platform stopped for $HERD_OUTAGE s"
par t_kill "$(now)"
pid_stop "$PLAT_PID"
: > "$T/plat.pid"
par t_down "$(now)"
sleep "$HERD_OUTAGE"
mv "$T/platform/requests.log" "$T/platform/requests-before.log"
mark=$(($(wc -l < "$HERD_EVENTS") + 1))
par t_restart "$(now)"
plat
par t_ready "$(now)"
say "platform back; watching until all $HERD_N are back and $HERD_TAIL s more (at most $HERD_AFTER s)"
end=$((SECONDS + HERD_AFTER)) tick=$((SECONDS + 30)) tail_end=""
while [ $SECONDS -lt $end ] && { [ -z "$tail_end" ] || [ $SECONDS -lt $tail_end ]; }; do
	sleep 2
	[ -n "$tail_end" ] || [ "$(back "$mark")" -lt "$HERD_N" ] || tail_end=$((SECONDS + HERD_TAIL))
	[ $SECONDS -lt $tick ] || { tick=$((tick + 30)); say "$(back "$mark") of $HERD_N back, $(alive) alive"; }
done
par t_end "$(now)"
par alive_end "$(alive)"
touch "$T/stop"
say "stopping $HERD_N gwe-netd and the platform"
kill $NETD_PIDS 2> /dev/null
for p in $NETD_PIDS; do wait "$p" 2> /dev/null; done
TAP_PIDS=$(for p in $TAP_PIDS; do case " $NETD_PIDS " in *" $p "*) ;; *) printf '%s ' "$p";; esac; done)
NETD_PIDS=""
pid_stop "$PLAT_PID"
for p in $TAP_PIDS; do wait "$p" 2> /dev/null; done
par secs $((SECONDS - STARTED))
$PY "$TOP/bench/herd_report.py" "$T" "$RESULTS" || die "herd_report.py failed"
exit 0
