#!/bin/sh
# make install under DESTDIR: programs, man pages, config example, units,
# tmpfiles snippet and the supervisord file, each where the Makefile says.
. "$(dirname "$0")/../lib/tap.sh"
D=$(mktemp -d /tmp/gwe-install-test.XXXXXX)
users_before=$(getent passwd gwe-net gwe-verify | wc -l)
trap 'rm -rf "$D"' EXIT
if make -s -C "$GWE_TOP" O="$GWE_BUILD" DESTDIR="$D" PREFIX=/usr/local install > "$D.log" 2>&1; then
	ok "make install DESTDIR=... PREFIX=/usr/local"
else
	not_ok "make install DESTDIR=... PREFIX=/usr/local"
	sed 's/^/# /' "$D.log" | tail -20
fi
rm -f "$D.log"
for p in gwe gwe-netd gwe-verifyd gwe-installd; do
	check "sbin/$p installed 0755" test "$(stat -c %a "$D/usr/local/sbin/$p" 2>/dev/null)" = 755
done
check "the installed gwe runs" "$D/usr/local/sbin/gwe" --version
for m in man8/gwe.8 man8/gwe-netd.8 man8/gwe-verifyd.8 man8/gwe-installd.8 man5/gwe.conf.5; do
	check "man page $m" test -s "$D/usr/local/share/man/$m"
done
check "config example in /etc/gwe" test -s "$D/etc/gwe/gwe.conf.example"
check "keys directory /etc/gwe/keys" test -d "$D/etc/gwe/keys"
for u in gwe-installd.service gwe-verifyd.service gwe-netd.service gwe.target; do
	check "unit $u" test -s "$D/usr/local/lib/systemd/system/$u"
done
check "units point at PREFIX/sbin" grep -q '^ExecStart=/usr/local/sbin/gwe-netd' "$D/usr/local/lib/systemd/system/gwe-netd.service"
check "tmpfiles snippet" test -s "$D/usr/local/lib/tmpfiles.d/gwe.conf"
check "supervisord file" grep -q 'gwe-installd' "$D/usr/local/share/gwe/supervisord/gwe.conf"
check "the example config loads as it is" "$GWE_BUILD/gwe" -f "$D/etc/gwe/gwe.conf.example" -g
check "no system users made for a DESTDIR install" \
	test "$(getent passwd gwe-net gwe-verify | wc -l)" = "$users_before"
tap_end
