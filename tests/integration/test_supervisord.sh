#!/bin/sh
# End to end under the real supervisord (Debian `supervisor`) with the
# shipped policy/supervisord/gwe.conf, only its paths substituted to a
# temporary root: the three daemons come up under three uids, an app
# installs, a restart of gwe-netd in the middle of a download resumes it
# with a Range request, a restart of gwe-installd makes gwe-verifyd exit
# and come back, and `stop all` leaves no gwe process behind.
. "$(dirname "$0")/../lib/tap.sh"
need_root "gwe under supervisord"
VENDOR=supvendor
MODEL=supgw
SN=SUP-0001
SUPD_PID=""
. "$GWE_TOP/tests/lib/engine.sh"
# Our own directory name (see test_netd_lib.sh: /tmp/gwe-it.* have been
# seen vanishing while other suites ran beside ours).
tap_tmp sup-it
SHIPPED="$GWE_TOP/policy/supervisord/gwe.conf"
need_built "gwe under supervisord" gwe-installd gwe-verifyd gwe-netd
need_cmds "gwe under supervisord" supervisord supervisorctl minisign

mkdir -p "$T/log" "$T/src" "$T/sup"
SUPCONF=$T/sup/supervisord.conf
GWECONF=$T/gwe.conf
SC() { timeout 40 supervisorctl -c "$SUPCONF" "$@"; }

# Our processes: the daemons (their command line names our config),
# supervisord (its pid), the platform (in TAP_PIDS, killed by tap_cleanup).
gwe_pids() { pgrep -f -- "-f $GWECONF" 2>/dev/null; }
psl() { l=$(gwe_pids | paste -sd, -); [ -z "$l" ] || ps -o pid,ppid,ruid,uid,suid,comm,args -p "$l"; }
sup_cleanup() {
	if [ -n "$SUPD_PID" ] && kill -0 "$SUPD_PID" 2>/dev/null; then
		SC shutdown > /dev/null 2>&1
		n=100
		while [ $n -gt 0 ] && kill -0 "$SUPD_PID" 2>/dev/null; do sleep 0.1; n=$((n - 1)); done
		kill -9 "$SUPD_PID" 2>/dev/null
	fi
	for p in $(gwe_pids); do kill -9 "$p" 2>/dev/null; done
	tap_cleanup
}
# tap_cleanup returns: on a signal, exit, and let the EXIT trap clean up.
trap sup_cleanup EXIT
trap 'exit 1' INT TERM

logs() {	# the tail of every log, for a failure
	for f in gwe-installd gwe-verifyd gwe-netd; do
		diag "--- $f.log"
		diag "$(tail -15 "$T/log/$f.log" 2>/dev/null)"
	done
	diag "--- supervisord.log"
	diag "$(tail -15 "$T/sup/supervisord.log" 2>/dev/null)"
}
bail() { not_ok "$1"; [ -z "${2:-}" ] || diag "$2"; logs; tap_end; }

# ---- the test platform ---------------------------------------------------------------------
plat_config "$VENDOR" "$MODEL" sup-token "$SN"
PLAT_OUT=$T/log/platform.log
plat_up --config "$T/platform.json" || bail "platform starts" "$(cat "$T/log/platform.log")"

# ---- signed apps ---------------------------------------------------------------------------
keys_new sup || bail "minisign -G"
# mkapp NAME [BLOB_KB]: NAME.v1.0.0.tar.gz whose install.sh prints a marker, signed, published.
mkapp() {
	app_script "$T/src/$1" "#!/bin/sh
echo \"supervisord-test installed $1\"" || return 1
	files=install.sh
	if [ -n "${2:-}" ]; then
		head -c "$(($2 * 1024))" /dev/urandom > "$T/src/$1/blob.bin"
		files="install.sh blob.bin"
	fi
	# shellcheck disable=SC2086
	app_build "$T/src/$1.v1.0.0.tar.gz" "$T/src/$1" $files && app_publish "$T/src/$1.v1.0.0.tar.gz"
}
if ! { mkapp supfirst && mkapp supbig 4096 && mkapp supnext; }; then
	bail "apps built and published"
fi
BIGSIZE=$(stat -c %s "$T/src/supbig.v1.0.0.tar.gz")

# ---- the daemons' configuration, as in demo/demo.sh ------------------------------------------
engine_conf "$GWECONF" "$T" "$SN"

# ---- supervisord's: a minimal header, then the shipped file with its paths substituted -------
cat > "$SUPCONF" <<EOT
[unix_http_server]
file = $T/sup/supervisor.sock
chmod = 0700

[supervisord]
logfile = $T/sup/supervisord.log
pidfile = $T/sup/supervisord.pid
childlogdir = $T/sup
user = root

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl = unix://$T/sup/supervisor.sock

EOT
sed -e "s#/usr/local/sbin/gwe-#$GWE_BUILD/gwe-#g" \
    -e "s#/etc/gwe/gwe.conf#$GWECONF#g" \
    -e "s#/var/log/gwe#$T/log#g" "$SHIPPED" > "$T/sup/gwe.conf"
cat "$T/sup/gwe.conf" >> "$SUPCONF"
# Undo the substitution: the shipped file must come back byte for byte.
sed -e "s#$GWE_BUILD/gwe-#/usr/local/sbin/gwe-#g" \
    -e "s#$GWECONF#/etc/gwe/gwe.conf#g" \
    -e "s#$T/log#/var/log/gwe#g" "$T/sup/gwe.conf" > "$T/sup/gwe.conf.back"
if cmp -s "$SHIPPED" "$T/sup/gwe.conf.back" && ! grep -q '/usr/local/sbin\|/etc/gwe\|/var/log/gwe' "$T/sup/gwe.conf" &&
   [ "$(grep -c "^command = $GWE_BUILD/gwe-[a-z]* -F -f $GWECONF\$" "$T/sup/gwe.conf")" = 3 ]; then
	ok "shipped supervisord config used with only its paths substituted"
else
	not_ok "shipped supervisord config used with only its paths substituted"
	diag "$(diff "$SHIPPED" "$T/sup/gwe.conf")"
fi

# ---- start supervisord -----------------------------------------------------------------------
supervisord -n -c "$SUPCONF" > "$T/sup/supervisord.out" 2>&1 &
SUPD_PID=$!
if wait_for 20 test -S "$T/sup/supervisor.sock" && wait_for 10 SC pid > /dev/null; then
	ok "supervisord starts with the config"
else
	diag "$(cat "$T/sup/supervisord.out")"; bail "supervisord starts with the config"
fi

# running NAME: supervisorctl reports it RUNNING
running() { SC status "gwe:$1" 2>/dev/null | grep -q " RUNNING "; }
all_running() { running gwe-installd && running gwe-verifyd && running gwe-netd; }
spid() { SC pid "gwe:$1" 2>/dev/null; }
if wait_for 40 all_running; then
	ok "supervisorctl status: the three daemons RUNNING"
else
	diag "$(SC status)"; bail "supervisorctl status: the three daemons RUNNING"
fi
# Once verifyd has its socket, nothing restarts any more: read the pids then.
wait_for 20 test -S "$T/run/verifyd.sock"
wait_for 20 all_running
PID_I=$(spid gwe-installd); PID_V=$(spid gwe-verifyd); PID_N=$(spid gwe-netd)

# ---- three processes, three uids, root only for the installer ---------------------------------
# uidof PID: "ruid euid suid comm"
uidof() { ps -o ruid=,uid=,suid=,comm= -p "$1" 2>/dev/null | awk '{print $1, $2, $3, $4}'; }
ui=$(uidof "$PID_I"); uv=$(uidof "$PID_V"); un=$(uidof "$PID_N")
distinct=$(printf '%s\n%s\n%s\n' "${ui%% *}" "${uv%% *}" "${un%% *}" | sort -u | wc -l)
if [ "$ui" = "0 0 0 gwe-installd" ] && [ "$uv" = "$VFY_UID $VFY_UID $VFY_UID gwe-verifyd" ] &&
   [ "$un" = "$NET_UID $NET_UID $NET_UID gwe-netd" ] && [ "$distinct" = 3 ]; then
	ok "ps: installd uid 0, verifyd uid $VFY_UID, netd uid $NET_UID (real, effective, saved)"
else
	not_ok "ps: installd uid 0, verifyd uid $VFY_UID, netd uid $NET_UID (real, effective, saved)"
	diag "installd[$PID_I]: $ui; verifyd[$PID_V]: $uv; netd[$PID_N]: $un"
	diag "$(psl)"
fi
root_gwe=$(for p in $(gwe_pids); do ps -o uid=,comm= -p "$p"; done | awk '$1 == 0 {print $2}' | sort -u | tr '\n' ' ')
check "no gwe process but gwe-installd runs as root ($root_gwe)" test "$root_gwe" = "gwe-installd "

# ---- orders --------------------------------------------------------------------------------
status_values() { alias_values "$SN" fetch_status; }
# installs NAME SECS WHAT: ok WHAT once a fetch_status has NAME's install.sh output
installs() {
	if alias_wait_text "$SN" fetch_status "supervisord-test installed $1" "$2"; then
		ok "$3"
	else
		not_ok "$3"
		diag "fetch_status writes: $(status_values)"; logs
	fi
}

order "$SN" supfirst.v1.0.0.tar.gz
installs supfirst 45 "an app installs: fetch_status has install.sh's output"
v=$(alias_value "$SN" fetch_status)
case "$v" in *"supervisord-test installed supfirst"*) ok "get-alias fetch_status shows it";;
*) not_ok "get-alias fetch_status shows it"; diag "$v";; esac

# ---- restart gwe-netd in the middle of a download ------------------------------------------------
# The tarball's body (not its info, not its .minisig) trickles at 128 KiB/s, once.
BIGID=supbig.v1.0.0.tar.gz
PART=$T/state/netd/dl/$BIGID.part
P misbehave slow 'path=id=supbig\.v1\.0\.0\.tar\.gz$' count=1 rate=131072 > /dev/null
MARK=$(logmark)
order "$SN" "$BIGID"
partsize() { s=$(stat -c %s "$PART" 2>/dev/null) && [ "$s" -ge "$1" ]; }
# The request log has a request once it is answered: the content info
# comes first; the body's GET is still trickling, so its .part file tells.
if P wait-log 'path=id=supbig\.v1\.0\.0\.tar\.gz&info=true' since="$MARK" timeout=45 > /dev/null &&
   wait_for 30 partsize 262144 && [ "$(stat -c %s "$PART")" -lt "$BIGSIZE" ]; then
	ok "the download of $BIGID ($BIGSIZE bytes) started, trickling"
	have=$(stat -c %s "$PART")
	SC restart gwe:gwe-netd > "$T/sup/restart-netd.out" 2>&1
	wait_for 20 running gwe-netd
	NEWPID_N=$(spid gwe-netd)
	if running gwe-netd && [ -n "$NEWPID_N" ] && [ "$NEWPID_N" != "$PID_N" ]; then
		ok "supervisorctl restart gwe:gwe-netd at $have bytes: new pid $NEWPID_N"
	else
		not_ok "supervisorctl restart gwe:gwe-netd at $have bytes: new pid"
		diag "old $PID_N new $NEWPID_N: $(cat "$T/sup/restart-netd.out")"
	fi
	PID_N=$NEWPID_N
else
	not_ok "the download of $BIGID ($BIGSIZE bytes) started, trickling"
	diag "part: $(stat -c %s "$PART" 2>&1)"; logs
	skip "supervisorctl restart gwe:gwe-netd" "the download did not start"
fi
installs supbig 60 "the install survives the restart: fetch_status has install.sh's output"
# The tarball's GETs since the order: one from 0, then only Range requests from > 0.
gets=$(plog "$MARK" | $PY -c '
import json, re, sys
for e in json.load(sys.stdin)["entries"]:
    if e["method"] == "GET" and re.search(r"[?&]id=supbig\.v1\.0\.0\.tar\.gz$", e["path"] or ""):
        print("%s|%s|%s" % (e["range"], e["status"], e["tx"]))')
diag "GETs of $BIGID (range|status|tx): $(printf '%s' "$gets" | tr '\n' ' ')"
fresh=$(printf '%s\n' "$gets" | grep -c '^None|')
resumed=$(printf '%s\n' "$gets" | grep -Ec '^bytes=[1-9][0-9]*-[0-9]*\|206\|')
rlog=$(grep -c "download resumed id=$BIGID from=[1-9]" "$T/log/gwe-netd.log")
if [ "$fresh" = 1 ] && [ "$resumed" -ge 1 ] && [ "$rlog" -ge 1 ]; then
	ok "the download resumed with a Range request (206), not from the start"
else
	not_ok "the download resumed with a Range request (206), not from the start ($fresh from 0, $resumed ranged, $rlog resumed in netd's log)"
	diag "$(grep -E 'download|resum|interrupt|postpone' "$T/log/gwe-netd.log" | tail -12)"
fi

# ---- restart gwe-installd: gwe-verifyd exits, is started again and reconnects ---------------------
PID_V=$(spid gwe-verifyd)
SC restart gwe:gwe-installd > "$T/sup/restart-installd.out" 2>&1
NEWPID_I=$(spid gwe-installd)
check "supervisorctl restart gwe:gwe-installd: new pid" test -n "$NEWPID_I" -a "$NEWPID_I" != "$PID_I"
vfy_new() { p=$(spid gwe-verifyd) && [ -n "$p" ] && [ "$p" != 0 ] && [ "$p" != "$PID_V" ] && running gwe-verifyd; }
if wait_for 30 vfy_new; then
	ok "gwe-verifyd exited and supervisord started it again (pid $PID_V -> $(spid gwe-verifyd))"
else
	not_ok "gwe-verifyd exited and supervisord started it again"
	diag "verifyd pid $PID_V -> $(spid gwe-verifyd)"; diag "$(SC status)"; logs
fi
wait_for 20 all_running
order "$SN" supnext.v1.0.0.tar.gz
installs supnext 60 "after the installer's restart the next order installs"
n=$(grep -c 'installd connected' "$T/log/gwe-verifyd.log")
check "gwe-verifyd's log shows it connected to the installer again ($n times)" test "$n" -ge 2

# ---- stop all, shutdown: nothing left ----------------------------------------------------------------
SC stop all > "$T/sup/stop.out" 2>&1
stopped() { [ "$(SC status 2>/dev/null | grep -c ' STOPPED ')" = 3 ]; }
check "supervisorctl stop all: the three STOPPED" wait_for 20 stopped
none_left() { [ -z "$(gwe_pids)" ]; }
if wait_for 15 none_left; then
	ok "no gwe process left after stop all"
else
	not_ok "no gwe process left after stop all"
	diag "$(psl)"
fi
SC shutdown > /dev/null 2>&1
sup_gone() { ! kill -0 "$SUPD_PID" 2>/dev/null; }
if wait_for 20 sup_gone; then
	ok "supervisorctl shutdown: supervisord exits"
	wait "$SUPD_PID" 2>/dev/null
else
	not_ok "supervisorctl shutdown: supervisord exits"
fi
check "no gwe process left after shutdown" none_left

tap_end
