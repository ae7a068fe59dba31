# Shared by tests/integration/test_netd*.sh (sourced, not run): the test
# world of tests/lib/engine.sh on a temp root of our own, with the platform
# up (PORT, CA, ADMIN, URL set) or the file ended with "platform starts".
# Needs tests/lib/tap.sh sourced and tap_tmp called first.
# NS_EXEC, PLAT_HOSTNAME (optional, set before sourcing): see tests/lib/engine.sh.
. "$GWE_TOP/tests/lib/engine.sh"
# Our own directory name: directories named /tmp/gwe-it.* have been seen
# vanishing while other suites ran beside ours.
rmdir "$T" 2>/dev/null
tap_tmp netd-it

# The certificate also names this host when it resolves to 127.0.0.1.
if [ -z "${PLAT_HOSTNAME:-}" ] && getent hosts "$(hostname)" 2>/dev/null | grep -q '^127\.0\.0\.1 '; then
	PLAT_HOSTNAME=$(hostname)
fi
HOSTNAME_LOCAL=${PLAT_HOSTNAME:-}
plat_up || bail "platform starts" "$(cat "$T/platform.out")"
