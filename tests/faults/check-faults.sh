#!/bin/bash
# make check-faults: crash injection (docs/design.md section 2, invariant 5; section 3).
#
# Install orders run through the real three daemons and the test platform;
# in each round one daemon is killed with SIGKILL in one named phase:
#
#   download  gwe-netd     the platform trickles the tarball body; killed once
#                          netd's .part file has a seeded number of bytes
#   verify    gwe-verifyd  a 2 MB tarball; strace -e inject=pread64:delay_enter
#                          holds the verifier's K-th pread of the memfd (K
#                          seeded, 1..20: the signature check or the archive
#                          walk), killed while /proc/PID/syscall shows it there
#   extract   gwe-installd a tarball of FAULT_ENTRIES small files; killed once
#                          its staging dir holds a seeded number of entries
#   script    gwe-installd install.sh blocks on a fifo in our temp dir; killed
#                          there, then the fifo is released before or after the
#                          restart (seeded)
#   state     gwe-installd strace -e inject=rename:delay_enter=..:when=K holds
#                          the K-th rename of the job (safe_write: 1 the
#                          "interrupted" result, 3 the marker with install.sh's
#                          group, which install.sh waits for, 4 the
#                          installed-apps record, 5 the final result; seeded);
#                          killed while
#                          /proc/PID/syscall shows it stopped in rename
#   status    gwe-netd     the platform delays the answer to every alias POST
#                          (the write is stored first); killed once the
#                          fetch_status write is on the platform, before netd
#                          logged "fetch_status written"
#
# After a kill the daemon is started again as supervisord would (and
# gwe-verifyd whenever it exits, as it does when it loses the installer); the
# order is let finish, then checked:
#   1. an app is recorded installed (state_dir/installd/apps/APP) only if its
#      install.sh reached its end (it writes a marker there), with the exit
#      status it really had; a fetch_status with install.sh's last line only
#      if it ran to its end
#   2. at least one fetch_status per order; more than one only where the kill
#      hit the fetch_status write (counted as duplicates)
#   3. no staging dir, no installing marker, no memfd beyond the idle count
#   4. no process of install.sh's left (found by GWE_STAGING in its environ)
#
# Environment: FAULT_SEED (default fixed, printed), FAULT_KILLS (per phase,
# default 5), FAULT_PHASES (default all six), FAULT_BG (default 1: install.sh
# starts a background `sleep 120`, which the installer must not leave behind;
# 0: no such child), FAULT_ENTRIES (extract tarball, default 10000), KEEP=1
# keeps the temp dir, FAULT_DEBUG=1 prints the time of each step.
# Ends with "N passed, N failed" (rounds); exit 1 on any violation.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B=${GWE_BUILD:-${1:-$TOP/build}}
case $B in /*) ;; *) B=$TOP/$B;; esac
GWE_TOP=$TOP GWE_BUILD=$B
FAULT_SEED=${FAULT_SEED:-20261127}
FAULT_KILLS=${FAULT_KILLS:-5}
FAULT_PHASES=${FAULT_PHASES:-download verify extract script state status}
FAULT_BG=${FAULT_BG:-1}
ROUND_TIMEOUT=${ROUND_TIMEOUT:-60}
MANY=${FAULT_ENTRIES:-10000}	# entries of the extract tarballs
VENDOR=faultvendor
MODEL=faultgw
SN=FAULT-0001
RANDOM=$FAULT_SEED
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/engine.sh"
P_TIMEOUT=60

if [ "$(id -u)" != 0 ]; then
	echo "check-faults: must run as root (the installer is root)" >&2
	exit 2
fi
for c in minisign strace curl; do
	command -v $c > /dev/null || { echo "check-faults: needs $c" >&2; exit 2; }
done
for p in gwe-installd gwe-verifyd gwe-netd; do
	[ -x "$B/$p" ] || { echo "check-faults: $B/$p not built" >&2; exit 2; }
done

tap_tmp faults
declare -A DAEMON_PID=()
STRACE_PID=""
# The daemons are not our children (see start_d): killed here, not by tap_cleanup.
cleanup() {
	local p
	[ -n "$STRACE_PID" ] && kill -9 "$STRACE_PID" 2>/dev/null
	for p in "${DAEMON_PID[@]}"; do kill -9 "$p" 2>/dev/null; done
	# anything of install.sh's (see orphans)
	for p in $(orphans); do kill -9 "$p" 2>/dev/null; done
	[ -z "${KEEP:-}" ] || echo "check-faults: kept $T"
	tap_cleanup
	wait 2>/dev/null
}
trap cleanup EXIT

die() { echo "check-faults: $*" >&2; tail -5 "$T"/log/*.log >&2 2>/dev/null; exit 1; }
now_ms() { date +%s%3N; }
dbg() { [ -z "${FAULT_DEBUG:-}" ] || echo "# $(( $(now_ms) - T0 ))ms $*"; }
T0=$(now_ms)

# Processes of install.sh's (it and whatever it started): GWE_STAGING under our tree.
orphans() {
	local e
	for e in /proc/[0-9]*/environ; do
		{ tr '\0' '\n' < "$e"; } 2>/dev/null | grep -qx "GWE_STAGING=$T/.*" && { e=${e#/proc/}; echo "${e%/environ}"; }
	done
}

mkdir -p "$T/log" "$T/state" "$T/run" "$T/src" "$T/marks" "$T/fifo" "$T/many/d"
echo "# check-faults: FAULT_SEED=$FAULT_SEED FAULT_KILLS=$FAULT_KILLS phases: $FAULT_PHASES"
echo "# tmp: $T"

# ---- the platform ------------------------------------------------------------------------------
plat_config "$VENDOR" "$MODEL" fault-token "$SN"
PLAT_OUT=$T/log/platform.log plat_up --config "$T/platform.json" || die "the platform did not start"
# fetch_status values, one per line (newlines inside a value escaped by json)
status_values() { alias_values "$SN" fetch_status json; }
nstatus() { status_values | grep -cF -e "$NAME" -e "faultapp $APP "; }

# ---- key, apps ------------------------------------------------------------------------------------
keys_new fault || die "minisign -G"
# Many small entries, random enough to stay under max_ratio: verify and extract take a while.
$PY - "$T/many/d" "$MANY" "$FAULT_SEED" <<'EOT' || die "payload"
import os, random, sys
d, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
r = random.Random(seed)
for i in range(n):
    sub = os.path.join(d, "%03d" % (i // 500))
    if i % 500 == 0:
        os.mkdir(sub)
    with open(os.path.join(sub, "f%05d" % i), "wb") as f:
        f.write(r.randbytes(64))
EOT
head -c $((1024 * 1024)) /dev/urandom > "$T/src/blob.bin"
head -c $((2 * 1024 * 1024)) /dev/urandom > "$T/src/blob2.bin"

# mkapp APP KIND CODE: APP.v1.0.0.tar.gz, signed and published.  install.sh
# writes marks/APP.start, (script) waits on fifo/APP, writes marks/APP.done
# with its exit code, prints its last line, exits CODE.
mkapp() {
	local app=$1 kind=$2 code=$3 d=$T/src/$1 m=$T/marks/$1 sh
	sh="#!/bin/sh
echo started > $m.start"
	[ "$FAULT_BG" = 1 ] && sh="$sh
sleep 120 > /dev/null 2>&1 &"
	[ "$kind" = script ] && sh="$sh
read go < $T/fifo/$app"
	app_script "$d" "$sh
echo $code > $m.done.tmp && mv $m.done.tmp $m.done
echo \"faultapp $app finished code=$code\"
exit $code" || return 1
	set -- install.sh
	case $kind in
	download) cp "$T/src/blob.bin" "$d/"; set -- install.sh blob.bin;;
	verify) cp "$T/src/blob2.bin" "$d/"; set -- install.sh blob2.bin;;
	extract) set -- install.sh -C "$T/many" d;;
	esac
	app_build "$T/src/$app.v1.0.0.tar.gz" "$d" "$@" || return 1
	[ "$kind" = script ] && { mkfifo "$T/fifo/$app" || return 1; }
	app_publish "$T/src/$app.v1.0.0.tar.gz"
}

# ---- the daemons -------------------------------------------------------------------------------------
engine_conf "$T/gwe.conf" "$T" "$SN" "limits install_timeout = 60"
ST=$T/state
# Started in a subshell that exits at once: not our child (no job messages, init reaps it).
# gwe-installd runs under a child subreaper that reaps at once, as a real init
# does: what install.sh leaves when the installer dies is reparented there and
# reaped, not left a zombie that still looks like the same process.
REAPER='import ctypes, os, sys
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)		# PR_SET_CHILD_SUBREAPER
pid = os.fork()
if pid == 0:
    os.dup2(2, 1)
    os.execv(sys.argv[1], sys.argv[1:])
print(pid, flush=True)
os.close(1)
while True:
    try:
        os.wait()
    except ChildProcessError:
        break'
start_d() {
	if [ "$1" = installd ]; then
		DAEMON_PID[$1]=$( ($PY -c "$REAPER" "$B/gwe-$1" -F -f "$T/gwe.conf" 2>> "$T/log/gwe-$1.log" < /dev/null &) )
	else
		DAEMON_PID[$1]=$( ("$B/gwe-$1" -F -f "$T/gwe.conf" >> "$T/log/gwe-$1.log" 2>&1 < /dev/null & echo $!) )
	fi
	RESTARTS=$((RESTARTS + 1))
}
RESTARTS=0
# As supervisord: whatever is not running is started again (verifyd only once the installer listens).
keep_up() {
	local d
	for d in installd verifyd netd; do
		pid_alive "${DAEMON_PID[$d]:-}" && continue
		[ $d = verifyd ] && ! pid_alive "${DAEMON_PID[installd]:-}" && continue
		[ $d = verifyd ] && ! grep -q "started socket" <(tail -n 50 "$T/log/gwe-installd.log") && continue
		start_d $d
		[ $d = installd ] && sleep 0.1
	done
}
dead() { ! pid_alive "$1"; }
kill_d() {	# kill_d NAME: SIGKILL, and wait until it is gone
	kill -9 "${DAEMON_PID[$1]}" 2>/dev/null
	# A tracee held by strace dies once strace lets it go: end strace now.
	[ -n "$STRACE_PID" ] && kill -9 "$STRACE_PID" 2>/dev/null
	wait_for 5 dead "${DAEMON_PID[$1]}"
}
memfds() {	# memfd links held by gwe processes, "name count" per line
	local d p
	for d in installd verifyd netd; do
		p=${DAEMON_PID[$d]:-}
		echo "$d $(ls -l /proc/"$p"/fd 2>/dev/null | grep -c '/memfd:')"
	done
}
start_d installd
wait_for 5 test -S "$T/run/installd.sock" || die "installd did not start"
start_d verifyd
wait_for 5 test -S "$T/run/verifyd.sock" || die "verifyd did not start"
start_d netd
RESTARTS=0
wait_for 10 grep -q 'activated\|check-in' "$T/log/gwe-netd.log" || die "netd did not check in"
sleep 1
IDLE_MEMFD=$(memfds)

# ---- rounds -------------------------------------------------------------------------------------
declare -A HIT=() TRIED=() DUPS=() VIOL=()
PASSED=0
FAILED=0
ROUND_VIOL=""
violation() { ROUND_VIOL="$ROUND_VIOL
#   $*"; }
lcount() { grep -c -- "$2" "$T/log/gwe-$1.log" 2>/dev/null; }
queue_empty() { [ -z "$(ls -A "$ST/netd/queue" 2>/dev/null)" ] && [ ! -e "$ST/netd/order" ]; }
staging_count() { find "$ST/installd/staging" -mindepth 1 2>/dev/null | head -n "$1" | wc -l; }

# The trigger of each phase: returns 0 once the daemon is where it must be killed.
trig_download() { local s; s=$(stat -c %s "$ST/netd/dl/$NAME.part" 2>/dev/null) && [ "$s" -ge "$ARG" ]; }
trig_verify() { held verifyd 17; }	# x86_64 pread64 of the memfd, held by strace
trig_extract() { [ "$(staging_count "$ARG")" -ge "$ARG" ]; }
trig_script() { [ -e "$T/marks/$APP.start" ]; }
# held DAEMON NR: stopped by strace in syscall NR
held() {
	local s c
	s=$(cut -d' ' -f3 "/proc/${DAEMON_PID[$1]}/stat" 2>/dev/null) || return 1
	c=$(cut -d' ' -f1 "/proc/${DAEMON_PID[$1]}/syscall" 2>/dev/null) || return 1
	[ "$s" = t ] && [ "$c" = "$2" ]
}
trig_state() { held installd 82; }	# x86_64 rename, held by strace
trig_status() { [ "$(nstatus)" -ge 1 ]; }

# Was the phase really hit (checked right after the kill)?
hit_download() { [ -e "$ST/netd/dl/$NAME.part" ] && ! grep -q "download done id=$NAME " "$T/log/gwe-netd.log"; }
hit_verify() { ! grep -q "verify [a-z]* name=$NAME" "$T/log/gwe-verifyd.log"; }
hit_extract() { [ ! -e "$T/marks/$APP.start" ] && [ "$(staging_count 1)" -ge 1 ]; }
hit_script() { [ -e "$T/marks/$APP.start" ] && [ ! -e "$T/marks/$APP.done" ]; }
hit_state() { return 0; }	# the trigger itself saw it stopped in the rename
hit_status() { [ "$(lcount netd 'fetch_status written')" = "$WRITTEN0" ]; }

# hold DAEMON SYSCALL K: strace holds the K-th SYSCALL of the daemon for 3 s
hold() {
	STRACE_PID=$( (strace -qq -o "$T/log/strace.$APP" -e trace="$2" \
		-e inject="$2":delay_enter=3s:when="$3" -p "${DAEMON_PID[$1]}" > /dev/null 2>> "$T/log/strace.err" &
		echo $!) )
	wait_for 5 grep -q "^TracerPid:[[:space:]]*$STRACE_PID\$" "/proc/${DAEMON_PID[$1]}/status" ||
		violation "setup: strace did not attach to gwe-$1"
}
victim() { case $1 in download|status) echo netd;; verify) echo verifyd;; *) echo installd;; esac; }

round() {
	local ph=$1 i=$2 d t0 code=0 hit=0 n nd rel=""
	case $ph in download) APP=fdl$i;; verify) APP=fvf$i;; extract) APP=fex$i;;
	script) APP=fsh$i;; state) APP=fst$i;; status) APP=ffs$i;; esac
	NAME=$APP.v1.0.0.tar.gz
	ROUND_VIOL=""
	[ $((RANDOM % 4)) = 0 ] && code=3
	dbg "round $ph $i: build"
	mkapp "$APP" "$ph" "$code" || { violation "setup: app not built/published"; return; }
	dbg "built"
	d=$(victim "$ph")
	TRIED[$ph]=$((${TRIED[$ph]:-0} + 1))
	case $ph in
	download) ARG=$((65536 + RANDOM % 8 * 65536))
		P misbehave slow "path=id=${NAME//./\\.}\$" count=1 rate=262144 > /dev/null;;
	extract) ARG=$((20 + RANDOM % 6 * 400));;
	state)	# drawn here, not in a subshell (bash reseeds $RANDOM there): FAULT_SEED repeats it
		local renames=(1 3 4 4 5 5)
		ARG=${renames[RANDOM % 6]}
		hold installd rename "$ARG";;
	verify) ARG=$((RANDOM % 20 + 1))
		hold verifyd pread64 "$ARG";;
	status) P misbehave slow method=POST 'path=^/onep:v1/stack/alias$' count=-1 delay=3 > /dev/null
		WRITTEN0=$(lcount netd 'fetch_status written');;
	esac
	dbg "order"
	order "$SN" "$NAME"
	t0=$(now_ms)
	while [ $(($(now_ms) - t0)) -lt 30000 ]; do
		if "trig_$ph"; then
			kill_d "$d"
			"hit_$ph" && hit=1
			break
		fi
		sleep 0.02
	done
	[ -n "$STRACE_PID" ] && { kill -9 "$STRACE_PID" 2>/dev/null; wait_for 3 dead "$STRACE_PID"; STRACE_PID=""; }
	[ "$ph" = status ] && P clear > /dev/null
	[ "$ph" = download ] && P clear > /dev/null
	if pid_alive "${DAEMON_PID[$d]}"; then
		echo "# round $ph $i: the phase was not reached; no kill"
	fi
	dbg "killed"
	[ $hit = 1 ] && HIT[$ph]=$((${HIT[$ph]:-0} + 1))
	# script: release the fifo before the restart (install.sh ends on its own) or after
	if [ "$ph" = script ]; then
		rel=$((RANDOM % 2))
		if [ "$rel" = 0 ]; then	# and install.sh runs to its end with no installer
			exec 7<> "$T/fifo/$APP"; echo go >&7; exec 7>&-
			wait_for 10 test -e "$T/marks/$APP.done"
			sleep 0.3
		fi
	fi
	keep_up
	if [ "$ph" = script ] && [ "$rel" = 1 ]; then
		wait_for 5 grep -q "install interrupted app=$APP" "$T/log/gwe-installd.log"
		exec 7<> "$T/fifo/$APP"; echo go >&7; exec 7>&-
	fi
	# let the order finish: a fetch_status for it, nothing queued or journaled
	t0=$(now_ms)
	while :; do
		keep_up
		[ "$(nstatus)" -ge 1 ] && queue_empty && [ ! -e "$ST/installd/installing" ] && break
		if [ $(($(now_ms) - t0)) -gt $((ROUND_TIMEOUT * 1000)) ]; then
			violation "order not finished within ${ROUND_TIMEOUT}s: fetch_status writes=$(nstatus)" \
				"queue=$(ls "$ST/netd/queue" 2>/dev/null | tr '\n' ' ') order=$(ls "$ST/netd" | tr '\n' ' ')"
			break
		fi
		sleep 0.1
	done
	dbg "finished"
	sleep 0.3
	check_round "$ph" "$hit" "$code"
	if [ -z "$ROUND_VIOL" ]; then
		PASSED=$((PASSED + 1))
		echo "ok - $ph $i: killed gwe-$d hit=$hit ${ARG:+arg=$ARG }${rel:+released_first=$((1 - rel)) }exit=$code ($(( ($(now_ms) - T0) / 1000 ))s)"
	else
		FAILED=$((FAILED + 1))
		VIOL[$ph]=$((${VIOL[$ph]:-0} + 1))
		echo "not ok - $ph $i: killed gwe-$d hit=$hit ${ARG:+arg=$ARG }${rel:+released_first=$((1 - rel)) }exit=$code$ROUND_VIOL"
		for f in gwe-netd gwe-verifyd gwe-installd; do
			echo "#   --- $f.log (this round)"
			grep -E "$APP|interrupt|fatal|lost|restart" "$T/log/$f.log" | tail -8 | sed 's/^/#     /'
		done
	fi
	ARG=""
}

check_round() {
	local ph=$1 hit=$2 code=$3 rec st ex n m p d cnt base x
	rec=$ST/installd/apps/$APP
	# 1. the record says installed only if install.sh finished, with its real exit status
	if [ -e "$rec" ]; then
		st=$(sed -n 's/^status=//p' "$rec"); ex=$(sed -n 's/^exit_code=//p' "$rec")
		if [ "$st" = 1 ] && [ ! -e "$T/marks/$APP.done" ]; then
			violation "record says installed but install.sh did not finish: $(tr '\n' ' ' < "$rec")"
		fi
		if [ "$ex" != -1 ] && [ -n "$ex" ]; then
			if [ ! -e "$T/marks/$APP.done" ]; then
				violation "record has exit_code=$ex but install.sh did not finish"
			elif [ "$ex" != "$(cat "$T/marks/$APP.done")" ]; then
				violation "record exit_code=$ex, install.sh exited $(cat "$T/marks/$APP.done")"
			fi
		fi
		[ "$st" = 1 ] && [ "$code" != 0 ] && violation "record says installed, install.sh exited $code"
	fi
	if status_values | grep -F -- "$NAME" | grep -qF "faultapp $APP finished" ||
	   status_values | grep -qF "faultapp $APP finished"; then
		[ -e "$T/marks/$APP.done" ] || violation "fetch_status has install.sh's last line, it did not finish"
	fi
	# 2. at least one fetch_status; a second only where the kill hit its write
	n=$(status_values | grep -cF -e "$NAME" -e "faultapp $APP ")
	if [ "$n" -lt 1 ]; then
		violation "no fetch_status for $NAME"
	elif [ "$n" -gt 1 ]; then
		if [ "$ph" = status ] && [ "$hit" = 1 ]; then
			DUPS[$ph]=$((${DUPS[$ph]:-0} + n - 1))
		else
			DUPS[$ph]=$((${DUPS[$ph]:-0} + n - 1))
			violation "$n fetch_status writes for $NAME, the kill did not hit the fetch_status write: $(status_values | grep -F -e "$NAME" -e "faultapp $APP " | tr '\n' ' ')"
		fi
	fi
	# 3. nothing left behind
	m=$(find "$ST/installd/staging" -mindepth 1 -maxdepth 1 2>/dev/null | head -3 | tr '\n' ' ')
	[ -z "$m" ] || violation "staging not empty: $m"
	[ -e "$ST/installd/installing" ] && violation "installing marker left: $(tr '\n' ' ' < "$ST/installd/installing")"
	m=$(memfds)
	while read -r d cnt; do
		base=$(printf '%s\n' "$IDLE_MEMFD" | awk -v d="$d" '$1 == d {print $2}')
		[ "$cnt" -le "${base:-0}" ] || violation "gwe-$d holds $cnt memfd (idle: ${base:-0})"
	done <<< "$m"
	m=$(ls "$ST/installd/apps" "$ST/installd/results" 2>/dev/null | grep -c '\.tmp\.')
	[ "$m" -gt "${TMPS:-0}" ] && { echo "# note: $m safe_write temp file(s) left in installd's state: $(cd "$ST/installd" && ls apps/*.tmp.* results/*.tmp.* 2>/dev/null | tr '\n' ' ')"; TMPS=$m; }
	# 4. no process of install.sh's
	p=$(orphans)
	if [ -n "$p" ]; then
		violation "process(es) of install.sh left: $(ps -o pid=,pgid=,args= -p "$(echo $p | tr ' ' ,)" | tr '\n' ';')"
		for x in $p; do kill -9 "$x" 2>/dev/null; done
	fi
}

for ph in $FAULT_PHASES; do
	for i in $(seq "$FAULT_KILLS"); do
		round "$ph" "$i"
	done
done

# ---- the table ------------------------------------------------------------------------------------
echo "#"
printf '# %-9s %-8s %4s %9s %10s %10s\n' phase daemon hit attempted violations duplicates
for ph in $FAULT_PHASES; do
	printf '# %-9s %-8s %4s %9s %10s %10s\n' "$ph" "$(victim "$ph")" "${HIT[$ph]:-0}" "${TRIED[$ph]:-0}" \
		"${VIOL[$ph]:-0}" "${DUPS[$ph]:-0}"
done
echo "# daemon restarts: $RESTARTS; FAULT_SEED=$FAULT_SEED; $(( ($(now_ms) - T0) / 1000 ))s"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
