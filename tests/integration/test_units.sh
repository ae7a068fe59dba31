#!/bin/sh
# Service definitions and manual pages: systemd units pass
# "systemd-analyze verify" (with their Documentation= pages found in
# docs/man), the tmpfiles snippet makes the directories it promises, the
# supervisord file parses and each program has what it needs, and every
# manual page is clean under "mandoc -Tlint -W warning".
. "$(dirname "$0")/../lib/tap.sh"

SD="$GWE_TOP/policy/systemd"
SV="$GWE_TOP/policy/supervisord/gwe.conf"
MAN="$GWE_TOP/docs/man"
UNITS="gwe-installd.service gwe-verifyd.service gwe-netd.service gwe.target"
PROGS="gwe-installd gwe-verifyd gwe-netd"
PAGES="gwe.8 gwe-netd.8 gwe-verifyd.8 gwe-installd.8 gwe.conf.5"

T=$(mktemp -d /tmp/gwe-units.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM

# ---- the files exist ---------------------------------------------------------
for f in $UNITS gwe.tmpfiles; do
	check "policy/systemd/$f exists" test -s "$SD/$f"
done
check "policy/supervisord/gwe.conf exists" test -s "$SV"
for p in $PAGES; do
	check "docs/man/$p exists" test -s "$MAN/$p"
done

# ---- systemd-analyze verify ----------------------------------------------------
# The units name /usr/local/sbin; verify needs those programs to exist, so a
# temporary copy points at the built programs (or stubs when not built).
mkdir -p "$T/units" "$T/sbin" "$T/man/man5" "$T/man/man8"
for p in $PROGS; do
	if [ -x "$GWE_BUILD/$p" ]; then
		ln -s "$GWE_BUILD/$p" "$T/sbin/$p"
	else
		printf '#!/bin/sh\nexit 0\n' > "$T/sbin/$p"
		chmod 755 "$T/sbin/$p"
		diag "$p not built: a stub stands in for systemd-analyze"
	fi
done
for u in $UNITS; do
	sed "s|/usr/local/sbin/|$T/sbin/|g" "$SD/$u" > "$T/units/$u"
done
cp "$MAN"/*.8 "$T/man/man8/" 2>/dev/null
cp "$MAN"/*.5 "$T/man/man5/" 2>/dev/null

if ! command -v systemd-analyze > /dev/null 2>&1; then
	for u in $UNITS; do
		skip "systemd-analyze verify $u" "systemd-analyze not installed (Debian package systemd)"
	done
else
	# With man(1) present, verify also checks each Documentation= page,
	# found here in docs/man through MANPATH.
	manopt=--man=yes
	if ! command -v man > /dev/null 2>&1; then
		manopt=--man=no
		diag "man(1) not installed: Documentation= pages not checked"
	fi
	for u in $UNITS; do
		if out=$(cd "$T/units" && MANPATH="$T/man" systemd-analyze verify \
		    $manopt "$T/units/$u" 2>&1) && [ -z "$out" ]; then
			ok "systemd-analyze verify $u"
		else
			not_ok "systemd-analyze verify $u"
			diag "$out"
		fi
	done
fi

# ---- what each unit must say ---------------------------------------------------
has() {	# has UNIT LINE: the unit has exactly this line
	grep -qxF "$2" "$SD/$1"
}
lacks() {	# lacks UNIT KEY: the unit sets no such key
	! grep -q "^$2=" "$SD/$1"
}
for p in $PROGS; do
	u=$p.service
	check "$u runs /usr/local/sbin/$p -F -f /etc/gwe/gwe.conf" \
	    has "$u" "ExecStart=/usr/local/sbin/$p -F -f /etc/gwe/gwe.conf"
	check "$u restarts always (crash-only)" has "$u" "Restart=always"
	check "$u keeps /run/gwe across restarts" has "$u" "RuntimeDirectoryPreserve=yes"
	check "$u never stops restarting" has "$u" "StartLimitIntervalSec=0"
	check "$u is part of gwe.target" has "$u" "WantedBy=gwe.target"
done
for u in gwe-netd.service gwe-verifyd.service; do
	for l in NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes ProtectHome=yes \
	    PrivateDevices=yes SystemCallArchitectures=native ProtectKernelTunables=yes \
	    ProtectKernelModules=yes ProtectControlGroups=yes LockPersonality=yes \
	    MemoryDenyWriteExecute=yes RestrictRealtime=yes RestrictSUIDSGID=yes; do
		check "$u: $l" has "$u" "$l"
	done
done
check "gwe-verifyd.service: AF_UNIX only" has gwe-verifyd.service "RestrictAddressFamilies=AF_UNIX"
check "gwe-verifyd.service: only a network namespace" has gwe-verifyd.service "RestrictNamespaces=net"
check "gwe-verifyd.service: capabilities of its set-up only" has gwe-verifyd.service \
    "CapabilityBoundingSet=CAP_SETUID CAP_SETGID CAP_CHOWN CAP_SYS_CHROOT CAP_SYS_ADMIN"
check "gwe-verifyd.service: writes nothing outside /run/gwe" lacks gwe-verifyd.service ReadWritePaths
check "gwe-netd.service: inet, inet6, netlink, unix" has gwe-netd.service \
    "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK"
check "gwe-netd.service: no namespaces" has gwe-netd.service "RestrictNamespaces=yes"
check "gwe-netd.service: writes only its own state" has gwe-netd.service \
    "ReadWritePaths=/var/lib/gwe/netd"
check "gwe-netd.service: no CAP_SYS_ADMIN" sh -c "! grep -q '^CapabilityBoundingSet=.*CAP_SYS_ADMIN' '$SD/gwe-netd.service'"
for k in ProtectSystem ProtectHome PrivateDevices CapabilityBoundingSet \
    RestrictAddressFamilies ProtectKernelModules SystemCallFilter NoNewPrivileges; do
	check "gwe-installd.service leaves install.sh free: no $k" lacks gwe-installd.service "$k"
done
check "gwe-installd.service says why its hardening is light" \
    grep -q "^# .*inherits everything below" "$SD/gwe-installd.service"
check "gwe-verifyd.service starts after gwe-installd" has gwe-verifyd.service "After=gwe-installd.service"
check "gwe-netd.service starts after gwe-verifyd" sh -c \
    "grep -q '^After=.*gwe-verifyd.service' '$SD/gwe-netd.service'"

# ---- tmpfiles ---------------------------------------------------------------------
if ! command -v systemd-tmpfiles > /dev/null 2>&1; then
	skip "gwe.tmpfiles creates /var/lib/gwe and /var/lib/gwe/netd" \
	    "systemd-tmpfiles not installed (Debian package systemd)"
elif [ "$(id -u)" != 0 ]; then
	skip "gwe.tmpfiles creates /var/lib/gwe and /var/lib/gwe/netd" \
	    "needs root (the snippet sets root as owner)"
else
	# Found by its base name, as the units' ExecStartPre= finds it.
	mkdir -p "$T/root/usr/local/lib/tmpfiles.d"
	cp "$SD/gwe.tmpfiles" "$T/root/usr/local/lib/tmpfiles.d/gwe.conf"
	if systemd-tmpfiles --root="$T/root" --create gwe.conf 2> "$T/tf.err" &&
	    [ "$(stat -c %a "$T/root/var/lib/gwe")" = 755 ] &&
	    [ "$(stat -c %a "$T/root/var/lib/gwe/netd")" = 700 ]; then
		ok "gwe.tmpfiles creates /var/lib/gwe (0755) and /var/lib/gwe/netd (0700)"
	else
		not_ok "gwe.tmpfiles creates /var/lib/gwe (0755) and /var/lib/gwe/netd (0700)"
		diag "$(cat "$T/tf.err")"
	fi
	# gwe-netd makes /var/lib/gwe/netd its user's; a second run keeps that.
	chown "$NET_UID:$NET_UID" "$T/root/var/lib/gwe/netd"
	chmod 0700 "$T/root/var/lib/gwe"
	systemd-tmpfiles --root="$T/root" --create gwe.conf 2> "$T/tf.err"
	check "gwe.tmpfiles keeps gwe-netd's owner of /var/lib/gwe/netd" \
	    test "$(stat -c %u "$T/root/var/lib/gwe/netd")" = "$NET_UID"
	check "gwe.tmpfiles makes /var/lib/gwe searchable again (0755)" \
	    test "$(stat -c %a "$T/root/var/lib/gwe")" = 755
fi

# ---- supervisord ----------------------------------------------------------------
# supervisord's own parser when it is installed (the log directory is moved
# into the temp dir, since it checks that it exists), else configparser.
cat > "$T/sv.py" << 'EOF'
import sys
conf, logdir, want_progs = sys.argv[1], sys.argv[2], sys.argv[3].split()
text = open(conf).read()
progs = {}
try:
    from supervisor.options import ServerOptions
    import os
    os.makedirs(logdir + "/log", exist_ok=True)
    with open(logdir + "/gwe.conf", "w") as f:
        f.write(text.replace("/var/log/gwe/", logdir + "/log/"))
    with open(logdir + "/sd.conf", "w") as f:
        f.write("[supervisord]\nlogfile=%s/sd.log\npidfile=%s/sd.pid\n"
                "[include]\nfiles=%s/gwe.conf\n" % (logdir, logdir, logdir))
    o = ServerOptions()
    o.realize(args=["-c", logdir + "/sd.conf"])
    for g in o.process_group_configs:
        for p in g.process_configs:
            progs[p.name] = {
                "command": p.command, "priority": p.priority,
                "autorestart": p.autorestart.__name__ if hasattr(p.autorestart, "__name__")
                               else str(p.autorestart),
                "log": (p.stdout_logfile or "").replace(logdir + "/log/", "/var/log/gwe/"),
                "group": p.stopasgroup and p.killasgroup,
            }
    print("# parsed by supervisord's ServerOptions")
except ImportError:
    import configparser
    c = configparser.RawConfigParser(inline_comment_prefixes=(";",))
    c.read_string(text)
    for s in c.sections():
        if s.startswith("program:"):
            d = c[s]
            progs[s[8:]] = {
                "command": d.get("command", ""), "priority": int(d.get("priority", "999")),
                "autorestart": "RestartUnconditionally" if d.get("autorestart") == "true" else "",
                "log": d.get("stdout_logfile", ""),
                "group": d.get("stopasgroup") == "true" and d.get("killasgroup") == "true",
            }
    print("# parsed by configparser (supervisor not installed)")
n = 0
def tap(cond, what):
    global n
    n += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, what))
tap(sorted(progs) == sorted(want_progs), "supervisord: programs " + " ".join(want_progs))
for name in want_progs:
    p = progs.get(name, {})
    tap(p.get("command") == "/usr/local/sbin/%s -F -f /etc/gwe/gwe.conf" % name,
        "supervisord %s: command runs /usr/local/sbin/%s -F -f /etc/gwe/gwe.conf" % (name, name))
    tap(p.get("log") == "/var/log/gwe/%s.log" % name,
        "supervisord %s: log file /var/log/gwe/%s.log" % (name, name))
    tap(p.get("autorestart") == "RestartUnconditionally", "supervisord %s: autorestart" % name)
    tap(p.get("group") is True, "supervisord %s: stopasgroup and killasgroup" % name)
pr = [progs.get(x, {}).get("priority", 0) for x in want_progs]
tap(pr[0] < pr[1] < pr[2], "supervisord: installd starts before verifyd before netd")
EOF
py=python3
if /usr/bin/python3 -c 'import supervisor' 2> /dev/null; then
	py=/usr/bin/python3
fi
if ! command -v "$py" > /dev/null 2>&1; then
	skip "supervisord file parses" "python3 not installed"
else
	mkdir -p "$T/sv"
	"$py" "$T/sv.py" "$SV" "$T/sv" "$PROGS" > "$T/sv.tap" 2> "$T/sv.err"
	rc=$?
	grep '^#' "$T/sv.tap"
	grep -E '^(not )?ok ' "$T/sv.tap" > "$T/sv.lines"
	# Renumbered into this file's count.
	while IFS= read -r line; do
		what=${line#* - }
		case $line in
		"not ok"*) not_ok "$what" ;;
		*) ok "$what" ;;
		esac
	done < "$T/sv.lines"
	if [ $rc != 0 ] || [ ! -s "$T/sv.lines" ]; then
		not_ok "supervisord file parses"
		diag "$(cat "$T/sv.err")"
	fi
fi

# ---- manual pages -----------------------------------------------------------------
if ! command -v mandoc > /dev/null 2>&1; then
	for p in $PAGES; do
		skip "mandoc -Tlint $p" "mandoc not installed (Debian package mandoc)"
	done
else
	for p in $PAGES; do
		if out=$(mandoc -Tlint -W warning "$MAN/$p" 2>&1) && [ -z "$out" ]; then
			ok "mandoc -Tlint -W warning $p is clean"
		else
			not_ok "mandoc -Tlint -W warning $p is clean"
			diag "$out"
		fi
	done
fi
# Every page a unit names is one we ship.
for u in $UNITS; do
	for ref in $(sed -n 's/^Documentation=//p' "$SD/$u"); do
		page=${ref#man:}
		f=$(echo "$page" | sed 's/^\(.*\)(\([0-9]\))$/\1.\2/')
		check "$u: $ref is docs/man/$f" test -s "$MAN/$f"
	done
done

tap_end
