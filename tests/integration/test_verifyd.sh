#!/bin/sh
# gwe-verifyd and gwe --check-tarball: a real verifier between a scripted
# netd (ipc_tool) and a fake installer, with real minisign keys and real
# tarballs.  Checks what is accepted, what is refused and why, that only
# net_user gets in, and that the running daemon is sandboxed (seccomp,
# no_new_privs, its own uid, its own network namespace, an empty root).
. "$(dirname "$0")/../lib/tap.sh"
need_root "verifyd"
tap_tmp
. "$GWE_TOP/tests/lib/engine.sh"

B=$GWE_BUILD
TOOL=$B/tests/ipc_tool
for p in gwe-verifyd gwe tests/sandbox_probe tests/fake_installd tests/ipc_tool; do
	if [ ! -x "$B/$p" ]; then
		not_ok "built: $p (make tests)"
		tap_end
	fi
done
if ! command -v minisign >/dev/null || ! command -v python3 >/dev/null; then
	skip "verifyd" "needs minisign and python3"
	tap_end
fi

W=$T/work
mkdir -p "$W/src" "$T/keys" "$T/run" "$T/state"

# ---- keys, tarballs, signatures ----------------------------------------------
minisign -G -W -p "$T/keys/test.pub" -s "$W/test.key" >/dev/null
minisign -G -W -p "$W/other.pub" -s "$W/other.key" >/dev/null	# not trusted
sign() { minisign -S -s "$1" -m "$2" >/dev/null; }

printf '#!/bin/sh\necho installed\n' > "$W/src/install.sh"
chmod +x "$W/src/install.sh"
echo data > "$W/src/data.txt"
GOOD=$W/goodapp.v1.2.3.tar.gz
tar -C "$W/src" -czf "$GOOD" install.sh data.txt
sign "$W/test.key" "$GOOD"

BADSIG=$W/badsig.v1.0.tar.gz
cp "$GOOD" "$BADSIG"
sign "$W/other.key" "$BADSIG"

HOSTILE=$W/hostile.v2.0.tar.gz
python3 - "$HOSTILE" "$W/src/install.sh" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w:gz") as t:
    t.add(sys.argv[2], arcname="install.sh")
    data = b"owned\n"
    ti = tarfile.TarInfo("../evil")
    ti.size = len(data)
    t.addfile(ti, io.BytesIO(data))
PY
sign "$W/test.key" "$HOSTILE"

# Hostile and signed by a key nobody trusts: the signature must be what refuses it.
HOSTILE2=$W/hostile2.v2.0.tar.gz
cp "$HOSTILE" "$HOSTILE2"
sign "$W/other.key" "$HOSTILE2"

UNSIGNED=$W/nosig.v3.tar.gz
cp "$GOOD" "$UNSIGNED"

# UTF-8 names in pax records, as Python's tarfile and `tar --format=posix` write
# them: a path, a symlink target and an owner name.
PYUTF=$W/pyutf8.v1.0.tar.gz
python3 - "$PYUTF" "$W/src/install.sh" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w:gz", format=tarfile.PAX_FORMAT) as t:
    ti = t.gettarinfo(sys.argv[2], arcname="install.sh")
    ti.uname = "j\u00fcrgen"
    with open(sys.argv[2], "rb") as f:
        t.addfile(ti, f)
    ti = tarfile.TarInfo("caf\u00e9/\u20ac.txt")
    ti.size = 3
    t.addfile(ti, io.BytesIO(b"eur"))
    ti = tarfile.TarInfo("l\u00efen")
    ti.type = tarfile.SYMTYPE
    ti.linkname = "caf\u00e9/\u20ac.txt"
    t.addfile(ti)
PY
sign "$W/test.key" "$PYUTF"
mkdir -p "$W/utf"
cp "$W/src/install.sh" "$W/utf/"
mkdir "$W/utf/café" && echo eur > "$W/utf/café/€.txt" && ln -s "café/€.txt" "$W/utf/lïen"
POSIXUTF=$W/posixutf8.v1.0.tar.gz
LC_ALL=C.UTF-8 tar --format=posix --owner=jürgen:0 -C "$W/utf" -czf "$POSIXUTF" install.sh café lïen
sign "$W/test.key" "$POSIXUTF"
# A global pax header ('g') that names a path: libarchive ignores it, tar applies it.
GLOBAL=$W/global.v1.0.tar.gz
python3 - "$GLOBAL" "$W/src/install.sh" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1], "w:gz", format=tarfile.PAX_FORMAT,
                  pax_headers={"path": "evil.sh"}) as t:
    t.add(sys.argv[2], arcname="install.sh")
PY
sign "$W/test.key" "$GLOBAL"
# install.sh executable by its group and others only: root, its owner, may not run it.
mkdir -p "$W/oexec"
cp "$W/src/install.sh" "$W/oexec/" && chmod 0655 "$W/oexec/install.sh"
OEXEC=$W/oexec.v1.0.tar.gz
tar -C "$W/oexec" -czf "$OEXEC" install.sh
sign "$W/test.key" "$OEXEC"

conf() {	# conf FILE [extra security line]
	: > "$1"
	conf_base "$1" "$T"
	[ -z "${2:-}" ] || conf_set "$1" "security $2"
}
conf "$T/gwe.conf"

# ---- start the fake installer and the verifier --------------------------------
"$B/tests/fake_installd" "$T/run" "$VFY_UID" > "$T/installd.out" 2>&1 &
INS_PID=$!
TAP_PIDS="$TAP_PIDS $INS_PID"
wait_for 10 test -S "$T/run/installd.sock"

# stderr through a pipe, as under a supervisor: RLIMIT_FSIZE 0 then applies.
mkfifo "$T/verifyd.fifo"
cat "$T/verifyd.fifo" > "$T/verifyd.log" &
CATPID=$!
TAP_PIDS="$TAP_PIDS $CATPID"
# Started with fd 7 open on /: it must not keep it into its sandbox.
"$B/gwe-verifyd" -F -f "$T/gwe.conf" 2> "$T/verifyd.fifo" 7< / &
VPID=$!
TAP_PIDS="$TAP_PIDS $VPID"
if wait_for 15 grep -q "verifyd ready" "$T/verifyd.log"; then
	ok "gwe-verifyd starts, connects to the installer, enters its sandbox"
else
	not_ok "gwe-verifyd starts"
	diag "$(cat "$T/verifyd.log")"
	tap_end
fi
SOCK=$T/run/verifyd.sock
# The log goes through cat: give a line a moment to land.
log_has() { wait_for 3 grep -q -- "$1" "$T/verifyd.log"; }

# ---- the protocol ----------------------------------------------------------------
out=$("$TOOL" verify "$SOCK" "$NET_UID" "$GOOD" "$GOOD.minisig" --job 11)
case $out in
*"status=1 exit=0 job=11 output=fake install ok"*) ok "good tarball: accepted, installer's RESULT relayed back";;
*) not_ok "good tarball: accepted and relayed"; diag "$out";;
esac
if grep -q "install_req job=11 name=goodapp.v1.2.3.tar.gz app=goodapp version=1.2.3 .* seals=ok digest=ok fields=ok" "$T/installd.out"; then
	ok "installer got the same sealed fd, the digest and the fields"
else
	not_ok "installer got seals, digest, fields"; diag "$(cat "$T/installd.out")"
fi
check "accept logged with key=value" log_has "verify accepted name=goodapp.v1.2.3.tar.gz job=11 app=goodapp version=1.2.3 bytes="
check "ACK of an install is passed to the installer" wait_for 5 grep -q "ack job=11" "$T/installd.out"

out=$("$TOOL" verify "$SOCK" "$NET_UID" "$BADSIG" "$BADSIG.minisig" --job 12)
case $out in
*"status=3 exit=-1 job=12 output=gwe: badsig.v1.0.tar.gz: signature: "*) ok "untrusted key: refused with a signature reason";;
*) not_ok "untrusted key refused"; diag "$out";;
esac
check "refusal logged with its reason" log_has 'verify refused name=badsig.v1.0.tar.gz job=12 reason="signature: '

out=$("$TOOL" verify "$SOCK" "$NET_UID" "$GOOD" "$GOOD.minisig" --job 13 --name goodapp.v9.9.tar.gz)
case $out in
*"status=3"*"output=gwe: goodapp.v9.9.tar.gz: signature: "*"does not match"*) ok "signature moved to another version: refused (file: binds the name)";;
*) not_ok "moved signature refused"; diag "$out";;
esac

out=$("$TOOL" verify "$SOCK" "$NET_UID" "$HOSTILE" "$HOSTILE.minisig" --job 14)
case $out in
*"status=3"*"output=gwe: hostile.v2.0.tar.gz: archive: "*) ok "signed hostile tarball (../ entry): refused by the archive policy";;
*) not_ok "hostile tarball refused"; diag "$out";;
esac

out=$("$TOOL" verify "$SOCK" "$NET_UID" "$HOSTILE2" "$HOSTILE2.minisig" --job 19)
case $out in
*"status=3"*"output=gwe: hostile2.v2.0.tar.gz: signature: "*) ok "hostile tarball with an untrusted signature: the signature refuses it, before any parsing";;
*) not_ok "signature checked before the archive"; diag "$out";;
esac

out=$("$TOOL" verify "$SOCK" "$NET_UID" "$GOOD" "$GOOD.minisig" --job 15 --no-seal)
case $out in
*"status=3"*"output=gwe: goodapp.v1.2.3.tar.gz: fd: memfd is not sealed"*) ok "unsealed memfd: refused";;
*) not_ok "unsealed memfd refused"; diag "$out";;
esac

out=$("$TOOL" verify "$SOCK" "$NET_UID" "$UNSIGNED" - --job 16)
case $out in
*"status=3"*"signature: no signature"*) ok "unsigned tarball refused (require_signature default true)";;
*) not_ok "unsigned refused"; diag "$out";;
esac

out=$("$TOOL" verify "$SOCK" "$NET_UID" "$GOOD" "$GOOD.minisig" --job 17 --name '../x.v1.tar.gz')
case $out in
*"status=3"*"output=gwe: ../x.v1.tar.gz: name: "*) ok "bad tarball name: refused by the name grammar";;
*) not_ok "bad name refused"; diag "$out";;
esac

# verified JOB FILE PATTERN WHAT: FILE and its signature as job JOB; ok WHAT if the answer matches.
verified() {
	out=$("$TOOL" verify "$SOCK" "$NET_UID" "$2" "$2.minisig" --job "$1")
	case $out in $3) ok "$4";; *) not_ok "$4"; diag "$out";; esac
}
verified 23 "$PYUTF" "*status=1 exit=0 job=23*" "UTF-8 pax path, link target, owner (Python tarfile): accepted"
verified 24 "$POSIXUTF" "*status=1 exit=0 job=24*" "UTF-8 pax path, link target, owner (tar --format=posix): accepted"
verified 21 "$GLOBAL" "*status=3*a global pax header (typeflag g) sets path*" \
	"global pax header setting path: refused, naming header and key"
verified 22 "$OEXEC" "*status=3*install.sh is not executable by its owner*" \
	"install.sh mode 0655 (no owner x): refused as the installer would"

n=$(grep -c "^install_req" "$T/installd.out")
check "nothing refused reached the installer (3 INSTALL_REQs so far)" test "$n" = 3
check "ACKs of the verifier's own refusals stay in the verifier" \
	sh -c "! grep -Eq 'ack job=(1[2-79]|2[12])' '$T/installd.out'"

out=$("$TOOL" apps "$SOCK" "$NET_UID")
case $out in
*"apps_end count=0"*) ok "APPS_QUERY forwarded and the answer relayed";;
*) not_ok "APPS_QUERY relayed"; diag "$out";;
esac

# ---- who may connect ------------------------------------------------------------
check "verifyd.sock is 0600 and owned by net_user" \
	test "$(stat -c '%a %u' "$SOCK")" = "600 $NET_UID"
out=$("$TOOL" connect "$SOCK" 0)
check "a root client (wrong uid) is hung up on" test "$out" = closed
check "the wrong uid is logged" log_has "connection refused peer_uid=0"
"$TOOL" connect "$SOCK" 61999 > /dev/null 2>&1
check "another uid cannot even connect (socket mode)" test $? = 2

out=$("$TOOL" badtype "$SOCK" "$NET_UID")
check "a message netd may not send ends the connection" test "$out" = closed
check "... and is logged" log_has "message refused peer=netd"

# One netd at a time: a new connection replaces the old one.
nc=$(grep -c "netd connected" "$T/verifyd.log")
"$TOOL" connect "$SOCK" "$NET_UID" > "$T/first.out" &
FIRST=$!
wait_for 5 sh -c "test \$(grep -c 'netd connected' '$T/verifyd.log') -gt $nc"
"$TOOL" verify "$SOCK" "$NET_UID" "$GOOD" "$GOOD.minisig" --job 18 > /dev/null
wait "$FIRST"
check "a second netd connection replaces the first" test "$(cat "$T/first.out")" = closed
check "... and the replacement is logged" log_has "netd connection replaced"

# ---- the running daemon's sandbox -------------------------------------------------
st=/proc/$VPID/status
check "Seccomp: 2 (filter mode)" grep -Eq "^Seccomp:[[:space:]]+2$" "$st"
check "NoNewPrivs: 1" grep -Eq "^NoNewPrivs:[[:space:]]+1$" "$st"
check "all four uids are verify_user" grep -Eq "^Uid:[[:space:]]+$VFY_UID[[:space:]]+$VFY_UID[[:space:]]+$VFY_UID[[:space:]]+$VFY_UID$" "$st"
check "all four gids are verify_user's" grep -Eq "^Gid:[[:space:]]+$VFY_UID[[:space:]]+$VFY_UID[[:space:]]+$VFY_UID[[:space:]]+$VFY_UID$" "$st"
check "no supplementary groups" grep -Eq "^Groups:[[:space:]]*$" "$st"
check "its own network namespace" test "$(readlink /proc/$VPID/ns/net)" != "$(readlink /proc/self/ns/net)"
check "its root is the empty directory" test "$(readlink /proc/$VPID/root)" = "$T/run/empty"
check "the empty root is root's, 0755, and empty" \
	test "$(stat -c '%a %u' "$T/run/empty")" = "755 0" -a -z "$(ls -A "$T/run/empty")"
lim=/proc/$VPID/limits
check "RLIMIT_FSIZE 0" grep -Eq "^Max file size +0 +0 " "$lim"
check "RLIMIT_NOFILE small" grep -Eq "^Max open files +32 +32 " "$lim"
check "RLIMIT_NPROC 0" grep -Eq "^Max processes +0 +0 " "$lim"
check "RLIMIT_CORE 0" grep -Eq "^Max core file size +0 +0 " "$lim"
if [ "${GWE_ASAN:-}" = 1 ]; then
	skip "RLIMIT_AS set" "not under AddressSanitizer"
else
	check "RLIMIT_AS set" grep -Eq "^Max address space +1073741824 +1073741824 " "$lim"
fi
check "still alive after every case above (nothing hit the filter)" kill -0 "$VPID"
check "started with fd 7 open on /: no fd of the daemon leads to / any more" \
	sh -c "! ls -l /proc/$VPID/fd | grep -q ' -> /\$'"

# ---- sandbox_probe: the same sandbox function, then a forbidden call --------------
PROOT=$T/probe-root
"$B/tests/sandbox_probe" "$VFY_UID" "$PROOT" ok 2> "$T/probe.err"
check "sandbox_probe ok: exits 0" test $? = 0
for a in socket execve openw; do
	"$B/tests/sandbox_probe" "$VFY_UID" "$PROOT" "$a" 2>> "$T/probe.err"
	rc=$?
	if [ "$rc" = 159 ]; then ok "sandbox_probe $a: killed by SIGSYS"
	else not_ok "sandbox_probe $a: killed by SIGSYS (got status $rc)"; fi
done

"$B/tests/sandbox_probe" "$VFY_UID" "$PROOT" overflow 2> "$T/probe-asan.err"
rc=$?
if [ "$rc" = 4 ]; then
	skip "sanitizer report gets out of the sandbox" "not a sanitizer build"
elif [ "$rc" = 1 ] && grep -Eq "AddressSanitizer|runtime error" "$T/probe-asan.err"; then
	ok "sanitizer report gets out of the sandbox (exit 1, not SIGSYS)"
else
	not_ok "sanitizer report gets out of the sandbox (status $rc)"
	diag "$(tail -5 "$T/probe-asan.err")"
fi

# ---- gwe --check-tarball ------------------------------------------------------------
G=$B/gwe
chk() { "$G" "$@" > "$T/chk.out" 2> "$T/chk.err"; echo $? > "$T/chk.rc"; }
rc() { cat "$T/chk.rc"; }
first() { head -n 1 "$T/chk.out"; }

chk -f "$T/gwe.conf" -z "$GOOD"
check "check-tarball: good tarball accepted (exit 0)" test "$(rc) $(first)" = "0 accepted"
chk -f "$T/gwe.conf" --check-tarball "$BADSIG"
check "check-tarball: untrusted key refused (exit 1)" test "$(rc)" = 1
check "check-tarball: prints refused: signature: ..." grep -q "^refused: signature: " "$T/chk.out"
chk -f "$T/gwe.conf" -z "$HOSTILE"
check "check-tarball: hostile archive refused (exit 1, archive: ...)" \
	sh -c "test $(rc) = 1 && grep -q '^refused: archive: ' '$T/chk.out'"
chk -f "$T/gwe.conf" -z "$W/missing.v1.tar.gz"
check "check-tarball: missing file is an I/O error (exit 2)" test "$(rc)" = 2
chk -z "$GOOD" --pubkey "$T/keys/test.pub" -f /nonexistent/gwe.conf
check "check-tarball: a named config that is missing is an error (exit 2)" test "$(rc)" = 2
chk -z "$GOOD" --pubkey "$T/keys/test.pub"
check "check-tarball --pubkey without a config: accepted" test "$(rc) $(first)" = "0 accepted"
chk -z "$GOOD" --pubkey "$W/other.pub"
check "check-tarball --pubkey with another key: refused" test "$(rc)" = 1
cp "$GOOD.minisig" "$W/elsewhere.sig"
chk -f "$T/gwe.conf" -z "$GOOD" --sig "$W/elsewhere.sig"
check "check-tarball --sig SIGFILE: accepted" test "$(rc) $(first)" = "0 accepted"
chk -f "$T/gwe.conf" -z "$GOOD" --sig "$W/nothere.sig"
check "check-tarball --sig missing file: exit 2" test "$(rc)" = 2
chk -f "$T/gwe.conf" -z "$UNSIGNED"
check "check-tarball: unsigned refused when signatures are required" \
	sh -c "test $(rc) = 1 && grep -q '^refused: signature: no signature' '$T/chk.out'"
conf "$T/nosig.conf" "require_signature = false"
chk -f "$T/nosig.conf" -z "$UNSIGNED"
check "check-tarball: require_signature=false lets an unsigned tarball through" \
	test "$(rc) $(first)" = "0 accepted"
check "check-tarball: ... with a warning" grep -q "not signed" "$T/chk.err"
chk -f "$T/nosig.conf" -z "$BADSIG"
check "check-tarball: require_signature=false still checks a signature that is there" test "$(rc)" = 1
chk -z
check "check-tarball: usage error is exit 2" test "$(rc)" = 2
for f in "$PYUTF" "$POSIXUTF"; do
	chk -f "$T/gwe.conf" -z "$f"
	check "check-tarball: UTF-8 pax names ($(basename "$f")) accepted" test "$(rc) $(first)" = "0 accepted"
done
chk -f "$T/gwe.conf" -z "$GLOBAL"
check "check-tarball: a global pax header setting path is refused" \
	sh -c "test $(rc) = 1 && grep -q 'global pax header (typeflag g) sets path' '$T/chk.out'"
# The child that parses the archive, started with fd 7 on /, caught opening a fifo.
mkfifo "$W/fifo.v1.0.tar.gz"
"$G" -f "$T/gwe.conf" -z "$W/fifo.v1.0.tar.gz" > "$T/fifo.out" 2>&1 7< / &
GPID=$!
wait_for 5 sh -c "pgrep -P $GPID > /dev/null"
C=$(pgrep -P $GPID | head -n 1)
wait_for 5 grep -Eq 'wait_for_partner|fifo_open' "/proc/$C/wchan"
fds=$(ls "/proc/$C/fd" 2>&1 | sort -n | tr '\n' ' ')
check "check-tarball: its sandboxed child keeps fds 0, 1 (the verdict), 2 only" test "$fds" = "0 1 2 "
[ "$fds" = "0 1 2 " ] || diag "fds of the child: $fds"
: > "$W/fifo.v1.0.tar.gz"
wait "$GPID"
check "check-tarball: a fifo is not a regular file (exit 2)" test $? = 2
if command -v setpriv > /dev/null; then
	asuser() { setpriv --reuid "$VFY_UID" --regid "$VFY_UID" --clear-groups "$@"; }
	out=$(asuser "$G" -z "$GOOD" --pubkey "$T/keys/test.pub" 2>&1)
	check "check-tarball as a user (rlimits + seccomp only): accepted" test "$out" = accepted
	out=$(asuser "$G" -z "$HOSTILE" --pubkey "$T/keys/test.pub" 2>&1)
	case $out in
	"refused: archive: "*) ok "check-tarball as a user: hostile archive refused";;
	*) not_ok "check-tarball as a user: hostile archive refused"; diag "$out";;
	esac
else
	skip "check-tarball as a user" "no setpriv"
	skip "check-tarball as a user: hostile" "no setpriv"
fi
check "gwe-verifyd -V prints the version" sh -c "'$B/gwe-verifyd' -V | grep -q '^gwe-verifyd '"
check "gwe -V prints the version" sh -c "'$G' -V | grep -q '^gwe '"

# ---- a second verifier with require_signature = false ------------------------------
mkdir -p "$T/run3"
sed -e "s|run_dir = .*|run_dir = $T/run3|" "$T/nosig.conf" > "$T/run3.conf"
"$B/tests/fake_installd" "$T/run3" "$VFY_UID" > "$T/installd3.out" 2>&1 &
TAP_PIDS="$TAP_PIDS $!"
wait_for 10 test -S "$T/run3/installd.sock"
"$B/gwe-verifyd" -F -f "$T/run3.conf" 2> "$T/verifyd3.log" &
TAP_PIDS="$TAP_PIDS $!"
wait_for 15 grep -q "verifyd ready" "$T/verifyd3.log"
check "require_signature=false is logged loudly at start" \
	grep -q "warning: require_signature is false" "$T/verifyd3.log"
out=$("$TOOL" verify "$T/run3/verifyd.sock" "$NET_UID" "$UNSIGNED" - --job 31)
case $out in
*"status=1 exit=0 job=31"*) ok "require_signature=false: unsigned tarball forwarded and installed";;
*) not_ok "require_signature=false: unsigned forwarded"; diag "$out";;
esac
check "... with digest and seals, and no signature" grep -q "install_req job=31 .*sig_len=0 seals=ok digest=ok fields=ok" "$T/installd3.out"
check "... and a warning for that install" grep -q "verify unsigned name=nosig.v3.tar.gz" "$T/verifyd3.log"
out=$("$TOOL" verify "$T/run3/verifyd.sock" "$NET_UID" "$BADSIG" "$BADSIG.minisig" --job 32)
case $out in
*"status=3"*"signature: "*) ok "require_signature=false: a bad signature is still refused";;
*) not_ok "require_signature=false: bad signature refused"; diag "$out";;
esac

# ---- start-up refusals and crash-only exits --------------------------------------------
mkdir -p "$T/nokeys" "$T/run2"
sed -e "s|keys_dir = .*|keys_dir = $T/nokeys|" "$T/gwe.conf" > "$T/nokeys.conf"
timeout 20 "$B/gwe-verifyd" -F -f "$T/nokeys.conf" 2> "$T/nokeys.log"
check "no trusted key and require_signature: refuses to start (exit 1)" test $? = 1
check "... and says why" grep -q "no trusted key" "$T/nokeys.log"
# As systemd runs it: no CAP_FOWNER in the bounding set (the socket is
# chmod'ed before it is given to net_user) and stderr on /dev/null, a
# character device, which glibc asks TCGETS of (allowed on fd 2 only).
if command -v setpriv > /dev/null; then
	mkdir -p "$T/run4"
	sed -e "s|run_dir = .*|run_dir = $T/run4|" "$T/gwe.conf" > "$T/run4.conf"
	"$B/tests/fake_installd" "$T/run4" "$VFY_UID" > "$T/installd4.out" 2>&1 &
	TAP_PIDS="$TAP_PIDS $!"
	wait_for 10 test -S "$T/run4/installd.sock"
	setpriv --bounding-set -fowner "$B/gwe-verifyd" -F -f "$T/run4.conf" 2> /dev/null &
	V4=$!
	TAP_PIDS="$TAP_PIDS $V4"
	wait_for 15 test -S "$T/run4/verifyd.sock"
	sleep 1
	out=$("$TOOL" verify "$T/run4/verifyd.sock" "$NET_UID" "$GOOD" "$GOOD.minisig" --job 41)
	case $out in
	*"status=1 exit=0 job=41"*) ok "without CAP_FOWNER, stderr on /dev/null: it listens and verifies";;
	*) not_ok "without CAP_FOWNER, stderr on /dev/null: it listens and verifies"
	   diag "$out alive=$(kill -0 "$V4" 2>/dev/null && echo yes || echo no)";;
	esac
	pid_stop "$V4"
else
	skip "without CAP_FOWNER, stderr on /dev/null" "needs setpriv (util-linux)"
fi

# run_dir holds the sockets: writable by anyone but root, it could swap them.
for how in "chmod 775" "chmod 757" "chown $NET_UID"; do
	rm -rf "$T/badrun" && mkdir -m 755 "$T/badrun" && $how "$T/badrun"
	sed -e "s|run_dir = .*|run_dir = $T/badrun|" "$T/gwe.conf" > "$T/badrun.conf"
	timeout 20 "$B/gwe-verifyd" -F -f "$T/badrun.conf" 2> "$T/badrun.log"
	rc=$?
	check "run_dir after $how: refuses to start (exit 1), naming the dir" sh -c "[ $rc = 1 ] &&
	    grep -q 'not a directory only root can write dir=$T/badrun' '$T/badrun.log'"
done
sed -e "s|run_dir = .*|run_dir = $T/run2|" "$T/gwe.conf" > "$T/noinst.conf"
timeout 30 "$B/gwe-verifyd" -F -f "$T/noinst.conf" 2> "$T/noinst.log"
check "no installer to connect to: exit 1 after retrying" test $? = 1

kill "$INS_PID"
wait "$INS_PID" 2>/dev/null
# A watchdog, so that a verifyd that does not exit cannot hang the test.
( trap - EXIT INT TERM; sleep 15; kill -9 "$VPID" "$CATPID" ) > /dev/null 2>&1 &
WD=$!
wait "$VPID"
vrc=$?
wait "$CATPID"	# the whole log is on disk once cat has seen the end of the pipe
kill "$WD" 2>/dev/null
check "installer connection lost: verifyd exits 1 (crash-only)" test "$vrc" = 1
if log_has "installd connection lost"; then
	ok "... and logs it"
else
	not_ok "... and logs it"; diag "$(tail -5 "$T/verifyd.log")"
fi

tap_end
