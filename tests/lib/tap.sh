# Shared helpers for integration tests (sourced, not run).
# Each test prints TAP: "ok N - what", "not ok N - what", "ok N - what # SKIP why".
# Environment from tests/run-tests.sh: GWE_TOP (source tree), GWE_BUILD (build dir).
: "${GWE_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${GWE_BUILD:=$GWE_TOP/build}"
TAP_N=0
TAP_FAILED=0
TAP_NFAIL=0	# how many failed (TAP_FAILED: whether any did, the exit code)

ok()     { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
not_ok() { TAP_N=$((TAP_N + 1)); echo "not ok $TAP_N - $*"; TAP_FAILED=1; TAP_NFAIL=$((TAP_NFAIL + 1)); }
skip()   { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1 # SKIP $2"; }
diag()   { echo "# $*" | head -c 4000; echo; }
# check "what" command...: ok when the command succeeds.
check()  { what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }
tap_end() { echo "1..$TAP_N"; exit $TAP_FAILED; }

# Skip the whole file (with one reported skip) unless root.
need_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "ok 1 - $1 # SKIP needs root (starts daemons that drop privileges)"
		echo "1..1"
		exit 0
	fi
}

# tap_tmp [NAME]: a fresh temporary root T=/tmp/gwe-NAME.XXXXXX (default
# gwe-it); removed at exit (unless KEEP is set) after the processes listed in
# $TAP_PIDS are stopped.
TAP_PIDS=""
tap_tmp() {
	T=$(mktemp -d "/tmp/gwe-${1:-it}.XXXXXX")
	chmod 755 "$T"
	trap tap_cleanup EXIT
	trap 'exit 1' INT TERM
}
# tap_cleanup: stop every process in $TAP_PIDS, remove $T unless KEEP is set.
tap_cleanup() {
	for p in $TAP_PIDS; do kill "$p" 2>/dev/null; done
	for p in $TAP_PIDS; do pid_stop "$p"; done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
# pid_alive PID: the process exists and is not a zombie.
pid_alive() { [ -n "${1:-}" ] && [ -e "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
# pid_stop PID: SIGTERM, up to 3 s to end, then SIGKILL; reaped and dropped from $TAP_PIDS.
pid_stop() {
	[ -n "${1:-}" ] || return 0
	kill "$1" 2>/dev/null
	wait_for 3 eval "! pid_alive $1" || kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	TAP_PIDS=$(for _p in $TAP_PIDS; do [ "$_p" = "$1" ] || printf '%s ' "$_p"; done)
	return 0
}

# wait_for SECONDS command...: poll every 0.1 s, for up to SECONDS (a decimal
# such as 0.5 is fine), until the command succeeds.
wait_for() {
	local _w _f
	case $1 in
	*.*) _w=${1%%.*}; _f=${1#*.}; _f=${_f%"${_f#?}"};;
	*) _w=$1; _f=0;;
	esac
	_w=$(( ${_w:-0} * 10 + ${_f:-0} )); shift
	while [ $_w -gt 0 ]; do
		"$@" 2>/dev/null && return 0
		sleep 0.1; _w=$((_w - 1))
	done
	return 1
}

# Numeric ids for the unprivileged users, so no test creates accounts.
NET_UID=${NET_UID:-61001}
VFY_UID=${VFY_UID:-61002}
