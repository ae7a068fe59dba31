#!/bin/bash
# make check-powerloss: power cuts (docs/testing.md, "Power cuts"; docs/design.md
# section 2, invariant 5; section 3).
#
# state_dir (netd's and the installer's state) is a plfs mount
# (tests/powerloss/plfs.c): file data is kept once fsynced, a directory's
# entries once the directory is fsynced, and a cut throws the rest away.
# Every gwe process runs in one cgroup; a cut kills it whole (cgroup.kill)
# and drops what was not durable in one request of the filesystem, so no
# process sees anything after it.  Then the mount is remounted, run_dir
# emptied (a tmpfs at boot), the three daemons started again, and the order
# let finish.  Checked after each cut, as in check-faults:
#   1. an app is recorded installed (installd/apps/APP) only if its
#      install.sh reached its end, with the exit status it really had
#   2. at least one fetch_status per order (no order lost); more than one
#      only if the first had reached the platform before the cut
#      (duplicates)
#   3. no staging dir, no installing marker, no process of install.sh's
#      left; every daemon still running; no state file found damaged
#      ("malformed", "unreadable", "bad marker" in the logs)
# Phases: the filesystem's self-test; a cut right after the first boot
# (the state directories themselves must be durable); one clean install
# traced (each fsync, fsyncdir and rename of a gwe daemon is a durable
# step); one cut just before each step of that trace; then seeded random
# cuts (a random delay after the order) until POWERLOSS_CUTS in all.
#
# Environment: POWERLOSS_SEED (default fixed, printed), POWERLOSS_CUTS
# (default 110; at least the traced steps are cut), KEEP=1 keeps the temp
# dir.  Ends with "N passed, N failed" (cuts) and then
# "N cuts, N violations, N duplicates"; exit 1 on any violation.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B=${GWE_BUILD:-${1:-$TOP/build}}
case $B in /*) ;; *) B=$TOP/$B;; esac
GWE_TOP=$TOP GWE_BUILD=$B
SEED=${POWERLOSS_SEED:-20261206}
CUTS=${POWERLOSS_CUTS:-110}
VENDOR=plvendor
MODEL=plgw
SN=PL-0001
RANDOM=$SEED
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/engine.sh"
P_TIMEOUT=60
PLFS=$B/tests/plfs

die() { echo "check-powerloss: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "must run as root (the installer is root, plfs mounts)"
for c in minisign curl umount; do command -v $c > /dev/null || die "needs $c"; done
for p in gwe-installd gwe-verifyd gwe-netd tests/plfs; do
	[ -x "$B/$p" ] || die "$B/$p not built"
done
[ -c /dev/fuse ] || die "needs /dev/fuse"
CGROOT=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
[ -n "$CGROOT" ] || die "needs a cgroup2 mount (a cut kills one cgroup at once)"

# What an earlier run killed mid-way left: its mounts and cgroups.
for m in $(awk '$3 == "fuse.plfs" { print $2 }' /proc/mounts); do
	echo "# stale plfs mount unmounted: $m"
	umount -l "$m"
done
for c in "$CGROOT"/gwe-powerloss.*; do
	[ -d "$c" ] || continue
	echo 1 > "$c/cgroup.kill"
	wait_for 5 grep -q 'populated 0' "$c/cgroup.events"
	rmdir "$c" && echo "# stale cgroup removed: $c"
done

tap_tmp powerloss
MNT=$T/state CTL=$T/ctl CG=$CGROOT/gwe-powerloss.$$
PLFS_PID=""
mkdir -p "$T/log" "$T/run" "$T/src" "$T/marks" "$CTL" "$MNT" "$T/self" "$T/selfctl" || die "mkdir"
mkdir "$CG" || die "cannot make cgroup $CG"
cg_kill() { echo 1 > "$CG/cgroup.kill" 2>/dev/null; wait_for 5 grep -q 'populated 0' "$CG/cgroup.events"; }
cleanup() {
	cg_kill
	[ -n "$PLFS_PID" ] && kill "$PLFS_PID" 2>/dev/null
	umount -l "$MNT" 2>/dev/null
	umount -l "$T/self" 2>/dev/null
	[ -n "$PLFS_PID" ] && wait_for 5 eval "! pid_alive $PLFS_PID"
	rmdir "$CG" 2>/dev/null
	[ -z "${KEEP:-}" ] || echo "check-powerloss: kept $T"
	tap_cleanup
}
trap cleanup EXIT
now_ms() { date +%s%3N; }
T0=$(now_ms)
echo "# check-powerloss: POWERLOSS_SEED=$SEED POWERLOSS_CUTS=$CUTS"
echo "# tmp: $T"

# plfs_up MNT CTLDIR: plfs mounted (sets PLFS_PID); (in_cg CMD... &): CMD in the cgroup.
plfs_up() {
	"$PLFS" "$1" "$2" "$CG" 2>> "$T/log/plfs.log" &
	PLFS_PID=$!
	wait_for 5 test -e "$1/.pl-alive"
}
in_cg() { exec sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$CG" "$@"; }	# in a subshell
# remount MNT: after a cut, once every process of the cgroup is gone.
remount() {
	local p
	if ! wait_for 5 grep -q 'populated 0' "$CG/cgroup.events"; then
		for p in $(cat "$CG/cgroup.procs"); do
			echo "# not gone after the cut: $(ps -o pid=,stat=,wchan=,args= -p "$p")"
		done
		return 1
	fi
	umount "$1" 2>> "$T/log/umount.log" || { echo "# umount busy: lazily" >> "$T/log/umount.log"; umount -l "$1"; }
	wait_for 10 test -e "$1/.pl-alive" && return 0
	echo "# not remounted: $(grep -c " $1 " /proc/mounts) mount(s); plfs $(ps -o stat=,wchan= -p "$PLFS_PID")"
	return 1
}

# ---- the filesystem's own test ------------------------------------------------
. "$TOP/tests/powerloss/selftest.sh"
selftest "$T/self" "$T/selfctl" || exit 1
kill "$PLFS_PID"; wait "$PLFS_PID" 2>/dev/null
PLFS_PID=""

# ---- the platform, the key, the apps ----------------------------------------------
plat_config "$VENDOR" "$MODEL" pl-token "$SN"
PLAT_OUT=$T/log/platform.log plat_up --config "$T/platform.json" || die "the platform did not start"
keys_new pl || die "minisign -G"
status_values() { alias_values "$SN" fetch_status json; }
nstatus() { status_values | grep -cF -e "$NAME" -e "plapp $APP "; }
# mkapp APP CODE: install.sh marks its start and end (with CODE) in $T/marks.
mkapp() {
	local m=$T/marks/$1
	app_script "$T/src/$1" "#!/bin/sh
echo started > $m.start
sleep 0.2
echo $2 > $m.done.tmp && mv $m.done.tmp $m.done
echo \"plapp $1 finished code=$2\"
exit $2" && app_build "$T/src/$1.v1.0.0.tar.gz" "$T/src/$1" install.sh &&
	app_publish "$T/src/$1.v1.0.0.tar.gz"
}

# ---- the daemons -------------------------------------------------------------------
engine_conf "$T/gwe.conf" "$T" "$SN" "limits install_timeout = 30"
ST=$MNT
# Started from a subshell that exits at once: not our child (init reaps them after a cut).
start_d() { (in_cg "$B/gwe-$1" -F -f "$T/gwe.conf" >> "$T/log/gwe-$1.log" 2>&1 < /dev/null &); }
# alive_d NAME: a gwe-NAME of ours (in the cgroup: others may run gwe on this machine).
alive_d() {
	local p
	for p in $(cat "$CG/cgroup.procs"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = "gwe-$1" ] && return 0
	done
	return 1
}
# boot: run_dir emptied, the daemons started in order; 1 if one did not come up.
boot() {
	rm -rf "$T"/run/*
	start_d installd
	wait_for 10 test -S "$T/run/installd.sock" || return 1
	start_d verifyd
	wait_for 10 test -S "$T/run/verifyd.sock" || return 1
	start_d netd
	wait_for 10 test -S "$T/run/netd.sock"
}
. "$TOP/tests/powerloss/cuts.sh"

plfs_up "$MNT" "$CTL" || die "plfs did not mount"
boot || die "the daemons did not start: $(tail -3 "$T"/log/gwe-*.log)"
wait_for 15 grep -q 'activated' "$T/log/gwe-netd.log" || die "netd did not activate"
sleep 1
first_boot

# ---- one clean install, traced ---------------------------------------------------------
APP=pl0 NAME=$APP.v1.0.0.tar.gz	# pl0 and plN: the same labels
mkapp "$APP" 0 || die "app"
mark=$(wc -l < "$CTL/trace")
order "$SN" "$NAME"
wait_done 30 || die "the clean install did not finish"
sleep 1
# The daemons' steps, "N LABEL": the N-th time LABEL came in the install.
tail -n +$((mark + 1)) "$CTL/trace" | cut -f1 | cut -d' ' -f2- | grep '^gwe-' |
	awk '{ n[$0]++; print n[$0], $0 }' > "$T/steps"
NSTEPS=$(wc -l < "$T/steps")
echo "# the clean install: $NSTEPS durable steps of the daemons ($(cut -d' ' -f2 "$T/steps" | sort | uniq -c | tr '\n' ' ' | tr -s ' '))"
sed 's/^/#   /' "$T/steps"
check_result 0 0

# ---- the cuts ----------------------------------------------------------------------------
i=0
while read -r -u 3 n label; do
	[ -z "${POWERLOSS_ONLY:-}" ] || [[ "$n $label" =~ $POWERLOSS_ONLY ]] || continue
	i=$((i + 1))
	trial "$i" "$n $label"
done 3< "$T/steps"
while [ "$i" -lt "$CUTS" ]; do
	i=$((i + 1))
	trial "$i" "random $((RANDOM % 2500))"
done
report
