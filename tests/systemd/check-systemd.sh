#!/bin/bash
# check-systemd.sh DEB (make check-systemd): the Debian package under a real
# systemd.  A minimal Debian 12 tree (tests/systemd/mkroot.sh, cached in
# $GWE_BUILD/systemd) is unpacked and booted with systemd-nspawn
# (tests/systemd/container.sh); the package is installed in it; gwe.target
# is started and each service is checked through systemctl and /proc for
# the uid, capabilities, no_new_privs, seccomp, namespaces and mounts its
# unit promises; one install runs against the test platform on the host's
# loopback; "systemctl stop" must leave nothing; then dpkg -r and dpkg -P;
# then the container is stopped through nspawn and no process of it may
# be left.  TAP, then "N passed, N failed".  Root; about a minute.
. "$(dirname "$0")/../lib/tap.sh"
. "$GWE_TOP/tests/lib/engine.sh"
. "$GWE_TOP/tests/systemd/container.sh"
DEB=${1:?usage: check-systemd.sh GWE.DEB}
WHAT="gwe under systemd in a container"
need_root "$WHAT"
need_cmds "$WHAT" systemd-nspawn mmdebstrap nsenter minisign curl dpkg-deb
START=$SECONDS
tap_tmp systemd
trap 'ct_stop; tap_cleanup' EXIT
SERVICES="gwe-installd gwe-verifyd gwe-netd"
SN="SN-SYSTEMD"

# ---- the container --------------------------------------------------------------
t0=$SECONDS
if tar=$(sh "$GWE_TOP/tests/systemd/mkroot.sh" "$GWE_BUILD/systemd" "$DEB" 2> "$T/mkroot.log"); then
	ok "the container tree $(basename "$tar") ($((SECONDS - t0)) s: $(sed -n 's/^mkroot: \([a-z]*\).*/\1/p' "$T/mkroot.log"))"
else
	bail "the container tree (mmdebstrap)" "$(tail -20 "$T/mkroot.log")"
fi
R=$T/root
mkdir "$R" && tar -C "$R" -xf "$tar" || bail "unpack $tar"
cp "$DEB" "$R/srv/gwe.deb"
if ct_boot "$R" "gwe-test-$$"; then
	ok "the container boots: systemd is running (leader pid $CT_LEADER)"
else
	bail "the container boots: systemd is running" \
	    "$(C systemctl --failed --no-pager 2>&1; tail -20 "$T/console.log")"
fi
diag "boot done at $((SECONDS - START)) s"

# ---- the package --------------------------------------------------------------------
if C dpkg -i /srv/gwe.deb > "$T/dpkg.log" 2>&1; then ok "dpkg -i $(basename "$DEB")"
else bail "dpkg -i $(basename "$DEB")" "$(cat "$T/dpkg.log")"; fi
# user_ok NAME: a system user (uid < 1000) with no home and no shell.
user_ok() {
	C getent passwd "$1" | awk -F: '$3 < 1000 && $6 == "/nonexistent" && $7 == "/usr/sbin/nologin" { f = 1 }
	    END { exit !f }'
}
check "postinst made the system user gwe-net (no home, nologin)" user_ok gwe-net
check "postinst made the system user gwe-verify (no home, nologin)" user_ok gwe-verify
NET_ID=$(C id -u gwe-net) VFY_ID=$(C id -u gwe-verify)
check "state directory /var/lib/gwe: root 0755, /var/lib/gwe/netd 0700 (tmpfiles)" test \
    "$(C stat -c '%U %a' /var/lib/gwe /var/lib/gwe/netd | tr '\n' ' ')" = "root 755 root 700 "
conffile() { C dpkg-query -W -f='${Conffiles}' gwe | grep -q '^ /etc/gwe/gwe.conf.example '; }
check "/etc/gwe/gwe.conf.example is a conffile" conffile
for f in /usr/share/gwe/supervisord/gwe.conf /usr/share/man/man8/gwe-installd.8.gz \
    /usr/share/doc/gwe/operator.md.gz /usr/lib/tmpfiles.d/gwe.conf; do
	check "the package ships $f" test -s "$R$f"
done
enabled=$(C systemctl is-enabled gwe.target $SERVICES | tr '\n' ' ')
check "gwe.target and the three services are enabled ($enabled)" \
    test "$enabled" = "enabled enabled enabled enabled "
# Installed without a configuration, nothing may run or restart in a loop.
sleep 1
for s in $SERVICES; do
	st="$(C systemctl show -P ActiveState "$s") $(C systemctl show -P ConditionResult "$s")"
	check "without /etc/gwe/gwe.conf $s is not started ($st, condition)" test "$st" = "inactive no"
done

# ---- exposure scores (systemd-analyze security), as docs/operator.md says ------------
C systemd-analyze security --no-pager $(for s in $SERVICES; do echo "$s.service"; done) \
    > "$T/security.txt" 2>&1
for s in $SERVICES; do
	score=$(awk -v u="$s.service" '$1 == u { print $2 " " $3 }' "$T/security.txt")
	check "systemd-analyze security $s.service: $score, as in docs/operator.md" \
	    grep -qF "| \`$s.service\` | $score |" "$GWE_TOP/docs/operator.md"
done

# ---- the platform, a key, the configuration -------------------------------------------
plat_config "$VENDOR" "$MODEL" sd-token "$SN"
plat_up --config "$T/platform.json" || bail "the test platform starts" "$(cat "$T/platform.out")"
KEYS=$R/etc/gwe/keys keys_new systemd-test || bail "a minisign key pair"
cp "$CA" "$R/etc/gwe/test-ca.pem"
# tests/lib/engine.sh's engine config, on the package's default users,
# keys_dir and paths, with the CA where the container can read it.
engine_conf "$R/etc/gwe/gwe.conf" "$T" "$SN" "engine ca_file = /etc/gwe/test-ca.pem" \
    "engine long_poll" "security keys_dir" "security net_user" "security verify_user" \
    "paths state_dir" "paths run_dir"
chmod 600 "$R/etc/gwe/gwe.conf"

# ---- gwe.target under systemd ------------------------------------------------------------
check "systemctl start gwe.target" C systemctl start gwe.target
all_active() {
	[ "$(C systemctl is-active $SERVICES | tr '\n' ' ')" = "active active active " ]
}
if wait_for 20 all_active; then ok "the three services are active"
else not_ok "the three services are active"; diag "$(C systemctl status --no-pager -n 8 $SERVICES 2>&1)"; fi
diag "gwe.target up at $((SECONDS - START)) s"
# Up, and staying up: a daemon that dies after its set-up is restarted by
# systemd and looks active between two tries.
sleep 2
for s in $SERVICES; do
	st="$(C systemctl show -P ActiveState "$s") $(C systemctl show -P NRestarts "$s")"
	check "$s stays up (active, restarts: $st)" test "$st" = "active 0"
done
sock_ok() {	# sock_ok NAME OWNER: /run/gwe/NAME.sock is a socket of OWNER, 0600
	[ "$(C stat -c '%F %U %a' "/run/gwe/$1.sock")" = "socket $2 600" ]
}
check "installd.sock: gwe-verify's only (0600)" wait_for 15 sock_ok installd gwe-verify
check "verifyd.sock: gwe-net's only (0600)" wait_for 15 sock_ok verifyd gwe-net
check "netd.sock: root's only (0600)" wait_for 15 sock_ok netd root

. "$GWE_TOP/tests/systemd/check-procs.sh"

# ---- one install against the test platform ---------------------------------------------
app_script "$T/work/app" '#!/bin/sh
echo "hello from systemd"
{ id -u; cat /proc/self/cgroup; } > /srv/gwe-systemd-app'
diag "platform up at $((SECONDS - START)) s"
app_build "$T/work/sdapp.v1.0.0.tar.gz" "$T/work/app" install.sh && app_publish "$T/work/sdapp.v1.0.0.tar.gz"
order "$SN" sdapp.v1.0.0.tar.gz
if alias_wait_text "$SN" fetch_status "hello from systemd" 90; then
	ok "an install order from the platform: install.sh's output in fetch_status"
else
	not_ok "an install order from the platform: install.sh's output in fetch_status"
	diag "$(alias_values "$SN" fetch_status)"
	diag "$(C journalctl --no-pager -o short-monotonic -n 40 -u gwe-netd -u gwe-verifyd -u gwe-installd 2>&1)"
fi
diag "install done at $((SECONDS - START)) s"
check "install.sh ran as root in gwe-installd.service's cgroup" \
    sh -c "head -1 '$R/srv/gwe-systemd-app' | grep -qx 0 && grep -q 'gwe-installd.service' '$R/srv/gwe-systemd-app'"
check "netd keeps its CIK in /var/lib/gwe/netd (gwe-net, 0700)" \
    sh -c "[ -s '$R/var/lib/gwe/netd/cik' ] && [ \"\$(stat -c '%u %a' '$R/var/lib/gwe/netd')\" = '$NET_ID 700' ]"

# ---- stop, remove, purge ---------------------------------------------------------------------
# gwe_procs: the container's processes of gwe (by name or by uid), one a line.
gwe_procs() {
	C sh -c 'for d in /proc/[0-9]*; do
		c=$(cat $d/comm 2>/dev/null) u=$(sed -n "s/^Uid:[[:space:]]*\([0-9]*\).*/\1/p" $d/status 2>/dev/null)
		case "$c" in gwe*) echo "${d#/proc/} $c uid $u"; continue ;; esac
		[ "$u" = "$1" ] || [ "$u" = "$2" ] && echo "${d#/proc/} $c uid $u"
	done; true' sh "$NET_ID" "$VFY_ID"
}
none_left() { [ -z "$(gwe_procs)" ]; }
# The target stops first (it is ordered after its services), so systemctl
# returns before they have stopped: they follow at once.
check "systemctl stop gwe.target" C systemctl stop gwe.target
all_inactive() {
	[ "$(C systemctl is-active $SERVICES | tr '\n' ' ')" = "inactive inactive inactive " ]
}
t0=$SECONDS
if wait_for 30 all_inactive; then ok "the three services are inactive ($((SECONDS - t0)) s after)"
else not_ok "the three services are inactive"; diag "$(C systemctl is-active $SERVICES)"; fi
if wait_for 10 none_left; then ok "no process of gwe or of its users is left after stop"
else not_ok "no process of gwe or of its users is left after stop"; diag "$(gwe_procs)"; fi

C systemctl start gwe.target && wait_for 20 all_active
check "dpkg -r gwe (the services running)" eval 'C dpkg -r gwe >> "$T/dpkg.log" 2>&1'
if wait_for 10 none_left; then ok "remove stopped the services"
else not_ok "remove stopped the services"; diag "$(gwe_procs)"; fi
check "remove keeps the state (/var/lib/gwe/netd/cik)" test -s "$R/var/lib/gwe/netd/cik"
check "remove keeps the users" sh -c "grep -q '^gwe-net:' '$R/etc/passwd' && grep -q '^gwe-verify:' '$R/etc/passwd'"
check "dpkg -P gwe" eval 'C dpkg -P gwe >> "$T/dpkg.log" 2>&1'
check "purge removes /var/lib/gwe and /var/log/gwe" sh -c "! [ -e '$R/var/lib/gwe' ] && ! [ -e '$R/var/log/gwe' ]"
check "purge removes the users and their groups" \
    sh -c "! grep -q '^gwe-' '$R/etc/passwd' && ! grep -q '^gwe-' '$R/etc/group'"
check "purge removes the enable links" sh -c "! ls '$R'/etc/systemd/system/*.wants/gwe* 2> /dev/null"
check "purge keeps the operator's /etc/gwe/gwe.conf" test -s "$R/etc/gwe/gwe.conf"

# ---- the container goes, and all of it ------------------------------------------------
pidns=$CT_PIDNS
check "the container stops through systemd-nspawn (SIGTERM) within $CT_STOP_SECS s" ct_stop
CT_PIDNS=$pidns
left=$(ct_leftovers)
check "no process of the container outlives it" test -z "$left"
[ -z "$left" ] || diag "left: $left"
diag "run time $((SECONDS - START)) s"
echo "$((TAP_N - TAP_NFAIL)) passed, $TAP_NFAIL failed"
tap_end
