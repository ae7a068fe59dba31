#!/bin/sh
# gwe-installd against its own test client (tests/helpers/ins_client.c),
# which plays the verifier: a real installer, real minisign keys and
# tarballs, everything in a temp dir.
. "$(dirname "$0")/../lib/tap.sh"
need_root "gwe-installd"
for tool in minisign tar pgrep; do
	command -v $tool >/dev/null || { echo "ok 1 - gwe-installd # SKIP no $tool"; echo "1..1"; exit 0; }
done
tap_tmp
. "$GWE_TOP/tests/lib/engine.sh"
INSTALLD=$GWE_BUILD/gwe-installd
SOCK=$T/run/installd.sock
IC="$GWE_BUILD/tests/ins_client -s $SOCK -u $VFY_UID -g $VFY_UID"
LOG=$T/installd.log
mkdir -p $T/pkgs $T/src
keys_new test 2>/dev/null ||
	{ echo "ok 1 - gwe-installd # SKIP minisign -G failed"; echo "1..1"; exit 0; }

# conf FILE [key=value (section.key)]...: a config for this temp root.
conf() {
	f=$1; shift
	{
		echo "[security]"; echo "keys_dir = $T/keys"; echo "verify_user = $VFY_UID"
		for kv in "$@"; do case $kv in security.*) echo "${kv#security.}";; esac; done
		echo "[limits]"; echo "output_cap = 4096"
		for kv in "$@"; do case $kv in limits.*) echo "${kv#limits.}";; esac; done
		echo "[paths]"; echo "state_dir = $T/state"; echo "run_dir = $T/run"
	} > "$f"
}
conf $T/gwe.conf "limits.install_timeout = 30"
conf $T/short.conf "limits.install_timeout = 2"
conf $T/keep.conf "limits.keep_staging = true"
conf $T/unsigned.conf "security.require_signature = false"

# GWE_WRAP, when set, prefixes the daemon's command line (tests/valgrind.sh).
# Started with fd 7 open on /, which the installer must close.
start() {
	rm -f $SOCK
	n0=$(cat $LOG 2>/dev/null | grep -c ' started ')
	${GWE_WRAP:-} "$INSTALLD" -F -f "$1" 2>>$LOG 7< / &
	IPID=$!
	TAP_PIDS="$TAP_PIDS $IPID"
	wait_for 10 sh -c "[ \$(grep -c ' started ' $LOG) -gt $n0 ]"
}
stop() { kill $IPID 2>/dev/null; wait $IPID 2>/dev/null; }

# pkg NAME 'install.sh body' [extra files...]: build and sign a tarball.
pkg() {
	name=$1; body=$2; shift 2
	d=$T/src/$name; rm -rf $d
	app_script $d "#!/bin/sh
$body"
	app_build $T/pkgs/$name $d install.sh "$@" 2>/dev/null
}
# inst NAME [client options...]: install it; the result lands in $T/r.
inst() { name=$1; shift; $IC "$@" install $T/pkgs/$name $T/pkgs/$name.minisig > $T/r 2>&1; }
has() { grep -q -- "$1" "${2:-$T/r}"; }
running() { pgrep -f "$1" >/dev/null; }
none_left() { ! running "$1"; }

start $T/gwe.conf || { not_ok "installer starts"; diag "$(cat $LOG)"; tap_end; }
ok "installer starts and listens"
check "socket is 0600 and owned by the verifier's uid" \
	test "$(stat -c '%a %u' $SOCK)" = "600 $VFY_UID"
check "state dir is root's, 0755, shared" test "$(stat -c '%a %u' $T/state)" = "755 0"
check "the installer's own state dir is root's, 0700" test "$(stat -c '%a %u' $T/state/installd)" = "700 0"
check "started with fd 7 open on /: no fd of the installer leads to / any more" \
	sh -c "! ls -l /proc/$IPID/fd | grep -q ' -> /\$'"

# ---- a good install -----------------------------------------------------
pkg good.v1.0.tar.gz 'echo "hello from install.sh app=$GWE_APP version=$GWE_VERSION"
[ "$(pwd)" = "$GWE_STAGING" ] && echo "cwd is staging"
[ -t 0 ] || echo "stdin: $(cat)."
echo "env: $(env | grep -vc "^\(PATH\|GWE_APP\|GWE_VERSION\|GWE_STAGING\|PWD\|SHLVL\|_\|OLDPWD\)=") extra"
echo "fds: $(ls /proc/self/fd | wc -l)"
echo to-stderr >&2'
inst good.v1.0.tar.gz --job 1
check "good tarball: status installed, exit 0" sh -c "grep -q '^status=installed' $T/r && grep -q '^exit_code=0' $T/r"
check "good tarball: install.sh output comes back" has "hello from install.sh app=good version=1.0"
check "install.sh runs in the staging dir with stdin /dev/null and stderr captured" \
	sh -c "grep -q 'cwd is staging' $T/r && grep -q '^stdin: \.' $T/r && grep -q to-stderr $T/r"
check "install.sh gets a fixed environment and only fds 0-2 (+ ls's own)" \
	sh -c "grep -q '^env: 0 extra' $T/r && grep -q '^fds: 4' $T/r"
$IC apps > $T/apps 2>&1
check "record shows the app and version" has "app=good version=1.0 status=installed exit=0" $T/apps
check "log line: install done app= version= exit=0 secs=" \
	grep -q 'install done app=good version=1.0 exit=0 secs=' $LOG
check "staging dir removed after the install" test -z "$(ls -A $T/state/installd/staging)"
check "result forgotten after ACK" test -z "$(ls -A $T/state/installd/results)"

# ---- UTF-8 names in pax records (Python's tarfile, tar --format=posix) ------
# install.sh finds the very bytes: a path, a symlink target; the owner is UTF-8 too.
UTF_SH='#!/bin/sh
[ -f "caf\303\251/\342\202\254.txt" ] && [ "$(readlink "l\303\257en")" = "caf\303\251/\342\202\254.txt" ] &&
	echo "utf8 names extracted as they are"'
printf '%b\n' "$UTF_SH" > $T/utf.sh
if command -v python3 > /dev/null; then
	python3 - $T/pkgs/pyutf.v1.0.tar.gz $T/utf.sh <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1], "w:gz", format=tarfile.PAX_FORMAT) as t:
    ti = t.gettarinfo(sys.argv[2], arcname="install.sh")
    ti.mode, ti.uname = 0o755, "j\u00fcrgen"
    with open(sys.argv[2], "rb") as f:
        t.addfile(ti, f)
    ti = tarfile.TarInfo("caf\u00e9/\u20ac.txt")
    t.addfile(ti)
    ti = tarfile.TarInfo("l\u00efen")
    ti.type, ti.linkname = tarfile.SYMTYPE, "caf\u00e9/\u20ac.txt"
    t.addfile(ti)
PY
	app_sign $T/pkgs/pyutf.v1.0.tar.gz
	inst pyutf.v1.0.tar.gz --job 6
	check "python tarfile PAX with UTF-8 path, link, owner: installed, names as written" \
		sh -c "grep -q '^status=installed' $T/r && grep -q 'utf8 names extracted as they are' $T/r"
else
	skip "python tarfile PAX with UTF-8 names" "no python3"
fi
mkdir -p $T/src/putf && cp $T/utf.sh $T/src/putf/install.sh && chmod 755 $T/src/putf/install.sh
(cd $T/src/putf && mkdir -p café && : > café/€.txt && ln -sf café/€.txt lïen &&
	LC_ALL=C.UTF-8 tar --format=posix --owner=jürgen:0 -czf $T/pkgs/putf.v1.0.tar.gz install.sh café lïen)
app_sign $T/pkgs/putf.v1.0.tar.gz
inst putf.v1.0.tar.gz --job 7
check "tar --format=posix with UTF-8 path, link, owner: installed, names as written" \
	sh -c "grep -q '^status=installed' $T/r && grep -q 'utf8 names extracted as they are' $T/r"

# ---- install.sh fails ---------------------------------------------------
pkg fail.v1.0.tar.gz 'echo "failing now"; exit 3'
inst fail.v1.0.tar.gz --job 2
check "exit 3: status failed, exit_code 3, its output" \
	sh -c "grep -q '^status=failed' $T/r && grep -q '^exit_code=3' $T/r && grep -q 'failing now' $T/r"
$IC apps > $T/apps 2>&1
check "failed first install: recorded as failed with no version" has "app=fail version= status=failed exit=3" $T/apps

# ---- background child holding stdout -----------------------------------
pkg bg.v1.0.tar.gz 'sleep 1235 &
echo "background started"'
t0=$(date +%s)
timeout 20 $IC install $T/pkgs/bg.v1.0.tar.gz $T/pkgs/bg.v1.0.tar.gz.minisig --job 3 > $T/r 2>&1
t1=$(date +%s)
check "background child holding the pipe: result still returns at once" \
	sh -c "grep -q '^status=installed' $T/r && [ $((t1 - t0)) -le 5 ]"
check "background child killed with install.sh's group" wait_for 5 none_left "sleep 1235"

# ---- 10 MB of output ------------------------------------------------------
pkg big.v1.0.tar.gz 'head -c 10485760 /dev/zero | tr "\0" x; echo'
inst big.v1.0.tar.gz --job 4
check "10 MB output: capped at output_cap and marked truncated" \
	sh -c "grep -q '^truncated=1' $T/r && grep -q '^output_total=10485761' $T/r && grep -q '^output_len=4096' $T/r"

# ---- refusals -------------------------------------------------------------
pkg sig.v1.0.tar.gz 'echo should not run'
cp $T/pkgs/sig.v1.0.tar.gz.minisig $T/sig.keep
pkg sig.v1.0.tar.gz 'echo other content, same name'
cp $T/sig.keep $T/pkgs/sig.v1.0.tar.gz.minisig
inst_with_sig() { $IC install $T/pkgs/$1 $T/pkgs/$2 > $T/r 2>&1; }
inst sig.v1.0.tar.gz
check "bad signature (bytes changed after signing): refused with the reason" \
	sh -c "grep -q '^status=refused' $T/r && grep -q '^gwe: sig.v1.0.tar.gz: signature: does not verify' $T/r && ! grep -q 'other content' $T/r"
pkg sig.v1.0.tar.gz 'echo should not run'
minisign -G -W -p $T/other.pub -s $T/other.sec >/dev/null 2>&1
cp $T/pkgs/sig.v1.0.tar.gz $T/pkgs/otherkey.v1.0.tar.gz
minisign -S -s $T/other.sec -m $T/pkgs/otherkey.v1.0.tar.gz >/dev/null 2>&1
inst otherkey.v1.0.tar.gz
check "signed by a key not in keys_dir: refused" \
	sh -c "grep -q '^status=refused' $T/r && grep -q 'matches no trusted key' $T/r"
cp $T/pkgs/sig.v1.0.tar.gz $T/pkgs/moved.v1.0.tar.gz
inst_with_sig moved.v1.0.tar.gz sig.v1.0.tar.gz.minisig
check "signature for another name (file: mismatch): refused" \
	sh -c "grep -q '^status=refused' $T/r && grep -q 'file:sig.v1.0.tar.gz does not match moved.v1.0.tar.gz' $T/r"
inst sig.v1.0.tar.gz --unsealed
check "unsealed memfd: refused" sh -c "grep -q '^status=refused' $T/r && grep -q 'not sealed' $T/r"
inst sig.v1.0.tar.gz --wrong-digest
check "digest differs from the request's: refused" \
	sh -c "grep -q '^status=refused' $T/r && grep -q 'digest differs' $T/r"
inst sig.v1.0.tar.gz --app other
check "app inconsistent with the name: refused" \
	sh -c "grep -q '^status=refused' $T/r && grep -q 'differs from the name' $T/r"
$IC install $T/pkgs/sig.v1.0.tar.gz > $T/r 2>&1
check "no signature while require_signature: refused" \
	sh -c "grep -q '^status=refused' $T/r && grep -q 'signature: none' $T/r"
pkg good.v0.9.tar.gz 'echo old'
inst good.v0.9.tar.gz
check "downgrade: refused" \
	sh -c "grep -q '^status=refused' $T/r && grep -q 'downgrade from 1.0 to 0.9 refused' $T/r"
check "refusal logged with name and reason" \
	grep -q 'install refused name=good.v0.9.tar.gz reason="downgrade from 1.0 to 0.9 refused"' $LOG
(cd $T/src && mkdir -p hl && cd hl && printf '#!/bin/sh\necho hl\n' > install.sh &&
	chmod 755 install.sh && echo a > a && ln a b && tar czf $T/pkgs/hl.v1.0.tar.gz install.sh a b)
app_sign $T/pkgs/hl.v1.0.tar.gz >/dev/null 2>&1
inst hl.v1.0.tar.gz
check "hard link entry: refused at extraction" \
	sh -c "grep -q '^status=refused' $T/r && grep -q 'entry type not allowed' $T/r"
(cd $T/src && mkdir -p nosh && cd nosh && echo x > readme && tar czf $T/pkgs/nosh.v1.0.tar.gz readme)
app_sign $T/pkgs/nosh.v1.0.tar.gz >/dev/null 2>&1
inst nosh.v1.0.tar.gz
check "no install.sh: refused" sh -c "grep -q '^status=refused' $T/r && grep -q 'no executable regular file install.sh' $T/r"
$IC apps > $T/apps 2>&1
check "refusals leave the record alone" \
	sh -c "grep -q 'app=good version=1.0 status=installed' $T/apps && ! grep -q 'app=sig' $T/apps && ! grep -q app=hl $T/apps"

# ---- a client with another uid ------------------------------------------
$GWE_BUILD/tests/ins_client -s $SOCK -u 0 apps > $T/r 2>&1 &
cpid=$!
wait $cpid
rc=$?
check "client as root (not the verifier's uid): refused" test $rc != 0
check "refusal logged with peer uid and pid" grep -q "connection refused peer_uid=0 peer_pid=$cpid" $LOG
check "client with a third uid cannot even connect (socket mode)" \
	sh -c "! $GWE_BUILD/tests/ins_client -s $SOCK -u $NET_UID apps >/dev/null 2>&1"

# ---- results kept until acknowledged ------------------------------------
pkg ack.v1.0.tar.gz "echo ack me; echo run >> $T/ack.runs"
inst ack.v1.0.tar.gz --job 42 --no-ack
check "result not acknowledged is kept on disk" test -f $T/state/installd/results/42
inst ack.v1.0.tar.gz --job 42 --no-ack
check "the same job handed over again: the kept result, install.sh not run twice" \
	sh -c "grep -q '^job=42' $T/r && grep -q 'ack me' $T/r && [ \$(grep -c run $T/ack.runs) = 1 ]"
check "the repeat is logged" grep -q 'install repeated job=42' $LOG
$IC --no-ack unacked > $T/r 2>&1
check "unacknowledged result answered again after a reconnect" \
	sh -c "grep -q '^job=42' $T/r && grep -q 'ack me' $T/r && grep -q '^count=1' $T/r"
$IC --no-ack unacked > $T/r 2>&1
$IC ack 42 >/dev/null 2>&1
$IC unacked > $T/r2 2>&1
check "after its ACK it is not sent again" sh -c "grep -q '^job=42' $T/r && grep -q '^count=0' $T/r2"
check "and its file is gone" test ! -e $T/state/installd/results/42

# ---- install_timeout ------------------------------------------------------
stop
start $T/short.conf
pkg slow.v1.0.tar.gz 'echo "going to sleep"
sh -c "sh -c \"sleep 1234\" & sleep 1234" &
sleep 1234'
t0=$(date +%s)
inst slow.v1.0.tar.gz --job 5
t1=$(date +%s)
check "past install_timeout: failed, killed by a signal, reported" \
	sh -c "grep -q '^status=failed' $T/r && grep -q '^signal=15' $T/r && grep -q 'going to sleep' $T/r"
check "timeout took about install_timeout" test $((t1 - t0)) -le 8
check "no process of the group left, grandchildren included" wait_for 5 none_left "sleep 1234"

# ---- kill -9 of the installer while install.sh runs ----------------------
stop
start $T/gwe.conf
pkg good.v1.1.tar.gz 'echo "started"; sleep 4444'
$IC install $T/pkgs/good.v1.1.tar.gz $T/pkgs/good.v1.1.tar.gz.minisig --job 77 > $T/r 2>&1 &
cpid=$!
if wait_for 10 running "sleep 4444" &&
    wait_for 10 grep -q '^pgid=[1-9]' $T/state/installd/installing; then
	kill -9 $IPID; wait $IPID 2>/dev/null
	wait $cpid
	check "install.sh outlives the killed installer" running "sleep 4444"
	start $T/gwe.conf
	check "after restart the old install.sh group is gone" wait_for 5 none_left "sleep 4444"
	$IC unacked > $T/r 2>&1
	check "the install is reported as interrupted" \
		sh -c "grep -q '^job=77' $T/r && grep -q '^status=interrupted' $T/r && grep -q 'interrupted by an installer restart' $T/r"
	$IC apps > $T/apps 2>&1
	check "the record is unchanged (installed version kept)" has "app=good version=1.0 status=installed" $T/apps
	check "interrupted install's staging dir removed" test -z "$(ls -A $T/state/installd/staging)"
	check "no marker left" test ! -e $T/state/installd/installing
else
	not_ok "install.sh did not start"; diag "$(cat $T/r)"
fi

# ---- keep_staging, and modes masked at extraction -------------------------
stop
start $T/keep.conf
(cd $T/src && rm -rf ks && mkdir ks && cd ks && printf '#!/bin/sh\necho keep\n' > install.sh &&
	chmod 755 install.sh && echo x > suid && chmod 6777 suid && mkdir d && chmod 1777 d &&
	tar czf $T/pkgs/ks.v1.0.tar.gz install.sh suid d)
app_sign $T/pkgs/ks.v1.0.tar.gz >/dev/null 2>&1
inst ks.v1.0.tar.gz
inst ks.v1.0.tar.gz
n=$(ls $T/state/installd/staging | wc -l)
kept=$T/state/installd/staging/$(ls $T/state/installd/staging | head -1)
check "keep_staging=true keeps the last staging dir only" \
	sh -c "[ $n = 1 ] && [ -x $kept/install.sh ]"
check "staging dir is 0700" test "$(stat -c %a $kept)" = 700
check "setuid/setgid/sticky/world-writable dropped at extraction" \
	sh -c "[ \$(stat -c %a $kept/suid) = 755 ] && [ \$(stat -c %a $kept/d) = 755 ]"

# ---- the marker with install.sh's group cannot be written ------------------
# A job's renames (safe_write): 1 the "interrupted" result, 2 the marker, 3 the
# marker with install.sh's group; the third fails here.
stop
if command -v strace > /dev/null; then
	wrap=${GWE_WRAP:-}
	GWE_WRAP="strace -o /dev/null -e trace=rename -e inject=rename:error=EIO:when=3"
	start $T/gwe.conf
	GWE_WRAP=$wrap
	pkg nomark.v1.0.tar.gz "echo ran > $T/nomark.ran"
	inst nomark.v1.0.tar.gz --job 91
	check "marker not written: status error, the reason names the marker" \
		sh -c "grep -q '^status=error' $T/r && grep -q 'marker' $T/r"
	[ -n "${VERBOSE:-}" ] && diag "$(cat $T/r)"
	check "... install.sh did not run" test ! -e $T/nomark.ran
	$IC apps > $T/apps 2>&1
	check "... and the installed-apps record is unchanged" sh -c "! grep -q app=nomark $T/apps"
	kill $(pgrep -P $IPID) 2>/dev/null
	stop
else
	skip "marker not written: status error" "no strace"
fi

# ---- run_dir, like state_dir: only root may write it --------------------------
for how in "chmod 775" "chmod 757" "chown $NET_UID"; do
	rm -rf $T/badrun && mkdir -m 755 $T/badrun && $how $T/badrun
	sed "s|run_dir = .*|run_dir = $T/badrun|" $T/gwe.conf > $T/badrun.conf
	timeout 5 "$INSTALLD" -F -f $T/badrun.conf > $T/br.log 2>&1
	rc=$?
	check "run_dir after $how: refuses to start, naming the dir" \
		sh -c "[ $rc = 1 ] && grep -q 'not a directory only root can write dir=$T/badrun' $T/br.log"
done

# ---- start-up checks --------------------------------------------------------
mkdir -p $T/nokeys
sed "s|keys_dir = .*|keys_dir = $T/nokeys|" $T/gwe.conf > $T/nokeys.conf
timeout 5 "$INSTALLD" -F -f $T/nokeys.conf > $T/nk.log 2>&1
rc=$?
check "refuses to start with require_signature and no key" \
	sh -c "[ $rc != 0 ] && [ $rc != 124 ] && grep -q 'no trusted key' $T/nk.log"
start $T/unsigned.conf
check "require_signature=false: loud warning at start" grep -q 'WARNING: require_signature=false' $LOG
pkg uns.v1.0.tar.gz 'echo unsigned ran'
$IC install $T/pkgs/uns.v1.0.tar.gz > $T/r 2>&1
check "require_signature=false: unsigned install runs, with a warning" \
	sh -c "grep -q '^status=installed' $T/r && grep -q 'WARNING: unsigned install name=uns.v1.0.tar.gz' $LOG"
stop
check "no sanitizer report in the installer's log" sh -c "! grep -qE 'runtime error|Sanitizer' $LOG"
[ -n "${VERBOSE:-}" ] && diag "$(cat $LOG)"
tap_end
