# A Debian 12 container with a real systemd as PID 1, for
# tests/systemd/check-systemd.sh (sourced after tests/lib/tap.sh, not run).
# The host's PID 1 need not be systemd: the container is booted with
# "systemd-nspawn --register=no --keep-unit" (no machined, no scope unit)
# and without --private-network, so it shares the host's network namespace
# and reaches the test platform on 127.0.0.1.  Commands run in it through
# nsenter(1) into every namespace of its PID 1.  It is stopped through
# nspawn (SIGTERM: a clean shutdown of the container's systemd), and
# SIGKILL after CT_STOP_SECS; either way no process of it outlives ct_stop.
#
# ct_boot ROOT NAME   boot the tree ROOT as machine NAME; sets CT_NSPAWN (the
#                     nspawn process), CT_LEADER (the container's PID 1 on the
#                     host) and CT_PIDNS; 1 if it did not come up
# C CMD...            run CMD in the container (bounded: ${CT_SECS:-60} s)
# ct_stop             stop it; 0 if it went down on SIGTERM
# ct_leftovers        the host pids still in the container's pid namespace
CT_NSPAWN="" CT_LEADER="" CT_PIDNS="" CT_NAME=""
: "${CT_STOP_SECS:=30}"

ct_boot() {
	CT_NAME=$2
	systemd-nspawn --quiet --register=no --keep-unit --console=pipe \
		--machine="$CT_NAME" -D "$1" -b > "$T/console.log" 2>&1 < /dev/null &
	CT_NSPAWN=$!
	wait_for 20 ct_find_leader || return 1
	CT_PIDNS=$(readlink "/proc/$CT_LEADER/ns/pid")
	wait_for 60 ct_booted
}

# ct_booted: boot is done: "running", or "degraded" when a unit failed
# (before systemd listens, systemctl cannot connect at all).
ct_booted() {
	case $(C systemctl is-system-running 2>/dev/null) in
	running|degraded) return 0 ;;
	esac
	return 1
}

# ct_find_leader: CT_LEADER is nspawn's child once it runs systemd.
ct_find_leader() {
	local p
	for p in $(pgrep -P "$CT_NSPAWN"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = systemd ] && CT_LEADER=$p && return 0
	done
	return 1
}

C() {
	[ -n "$CT_LEADER" ] || return 1
	timeout "${CT_SECS:-60}" nsenter -t "$CT_LEADER" -a -- \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 SYSTEMD_COLORS=0 "$@"
}

ct_leftovers() {
	local d
	[ -n "$CT_PIDNS" ] || return 0
	for d in /proc/[0-9]*; do
		[ "$(readlink "$d/ns/pid" 2>/dev/null)" = "$CT_PIDNS" ] && echo "${d#/proc/}"
	done
	return 0
}

ct_stop() {
	local rc=0
	[ -n "$CT_NSPAWN" ] || return 0
	kill -TERM "$CT_NSPAWN" 2>/dev/null
	if ! wait_for "$CT_STOP_SECS" eval "! pid_alive $CT_NSPAWN"; then
		rc=1
		kill -KILL "$CT_NSPAWN" $CT_LEADER 2>/dev/null
		wait_for 5 eval "! pid_alive $CT_NSPAWN"
	fi
	wait "$CT_NSPAWN" 2>/dev/null
	# Killing the container's PID 1 ends everything in its pid namespace.
	[ -z "$(ct_leftovers)" ] || kill -KILL $(ct_leftovers) 2>/dev/null
	CT_NSPAWN="" CT_LEADER=""
	# nspawn leaves this mount-propagation directory behind on the host.
	rm -rf "/run/systemd/nspawn/propagate/$CT_NAME"
	return $rc
}
