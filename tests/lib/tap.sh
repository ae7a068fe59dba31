# Shared helpers for integration tests (sourced, not run).
# Each test prints TAP: "ok N - what", "not ok N - what", "ok N - what # SKIP why".
# Environment from tests/run-tests.sh: GWE_TOP (source tree), GWE_BUILD (build dir).
: "${GWE_TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${GWE_BUILD:=$GWE_TOP/build}"
TAP_N=0
TAP_FAILED=0

ok()     { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
not_ok() { TAP_N=$((TAP_N + 1)); echo "not ok $TAP_N - $*"; TAP_FAILED=1; }
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

# A fresh temporary root; removed at exit along with any processes listed in $TAP_PIDS.
TAP_PIDS=""
tap_tmp() {
	T=$(mktemp -d /tmp/gwe-it.XXXXXX)
	chmod 755 "$T"
	trap tap_cleanup EXIT
	trap 'exit 1' INT TERM
}
tap_cleanup() {
	for p in $TAP_PIDS; do kill "$p" 2>/dev/null; done
	sleep 0.2
	for p in $TAP_PIDS; do kill -9 "$p" 2>/dev/null; done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}

# wait_for SECONDS command...: poll every 0.1 s until the command succeeds.
wait_for() {
	n=$(($1 * 10)); shift
	while [ $n -gt 0 ]; do
		"$@" 2>/dev/null && return 0
		sleep 0.1; n=$((n - 1))
	done
	return 1
}

# Numeric ids for the unprivileged users, so no test creates accounts.
NET_UID=${NET_UID:-61001}
VFY_UID=${VFY_UID:-61002}
