#!/bin/sh
# Every flag of Gateway Engine's `gwe -h` table through the built gwe
# (docs/man/gwe.8, "GATEWAY ENGINE FLAGS"), each with a bad value where it
# takes one: the printing flags (-p, -e, -g, -C, --mac-address), the
# configuring flags and their echo (-a '' restoring the default), the
# refused self-download (--download-latest), and app building for vendors
# (-x -n -s, -w, -y and --build-app: the buildfile's directory, includes
# minus excludes, stdout the path alone, includes outside refused, as a
# user other than root).  -o, -I and -z are covered by test_cli.sh; here
# only their spelling and a bad value.
. "$(dirname "$0")/../lib/tap.sh"
. "$GWE_TOP/tests/lib/engine.sh"
need_built "gwe's flags" gwe
tap_tmp cliflags

GWE=$GWE_BUILD/gwe
gwe() { timeout 60 "$GWE" "$@"; }
C=$T/c.conf
CIK=0123456789abcdef0123456789abcdef01234567

# run ARGS...: $out (stdout), $err (stderr), $rc.
run() { gwe "$@" > "$T/out" 2> "$T/err"; rc=$?; out=$(cat "$T/out"); err=$(cat "$T/err"); }
# expect_rc WHAT RC: the last run exited RC; else its output as diagnostics.
expect_rc() {
	if [ "$rc" = "$2" ]; then ok "$1"; else not_ok "$1 (rc $rc, want $2)"; diag "$out"; diag "$err"; fi
}

# ---- the table: every Gateway Engine flag in the man page and in -h ---------------
GE_FLAGS="-h --help -v --version -p --path -e --engine-conf -g --gateway-cfg -C --gateway-cik
-o --once -x --create-buildfile -y --build-app-tarball -I --install-apps -c --set-cik
-m --set-model -r --set-vendor -P --set-product-id -u --set-uuid -i --set-iface
-l --set-act-retry-interval -d --set-debug-level -t --set-update-interval -a --set-user-agent
-n --app-name -s --app-version --download-latest -w --check-buildfile -z --check-tarball"
run --help
expect_rc "--help exits 0" 0
missing=
for f in $GE_FLAGS --product-id --build-app --mac-address; do
	case $f in
	--*) printf '%s\n' "$out" | grep -q -- "$f\\b" || missing="$missing $f";;
	*) printf '%s\n' "$out" | grep -q -- "$f," || missing="$missing $f";;
	esac
done
check "the usage text names every Gateway Engine flag${missing:+ (missing:$missing)}" test -z "$missing"
missing=
for f in $GE_FLAGS --product-id --build-app --mac-address; do
	case $f in		# as mdoc spells them: Fl \-long, Fl x
	--*) grep -qF -- "Fl \\${f#-}" "$GWE_TOP/docs/man/gwe.8";;
	*) grep -qE -- "Fl ${f#-}( |\$)" "$GWE_TOP/docs/man/gwe.8";;
	esac || missing="$missing $f"
done
check "gwe(8) lists every Gateway Engine flag${missing:+ (missing:$missing)}" test -z "$missing"
check "gwe(8) has the table of Gateway Engine's names beside ours" \
	grep -q '^\.Sh GATEWAY ENGINE FLAGS' "$GWE_TOP/docs/man/gwe.8"
run -v
check "-v prints the version" test "$rc" = 0 -a "$out" = "gwe $(gwe --version | cut -d' ' -f2)"
run --bogus-flag
expect_rc "an unknown flag: usage, exit 2" 2

# ---- -p, -e, -g, -C -------------------------------------------------------------------
run -p
check "-p prints the directory gwe is in" test "$rc" = 0 -a "$out" = "$(cd "$GWE_BUILD" && pwd -P)"
run --path extra
expect_rc "--path takes no argument: exit 2" 2
printf '[device]\nvendor = acme ; ours\n\n[engine]\nupdate_interval = 600\nuser_agent = acme/2\n' > "$C"
run -f "$C" -e
cat > "$T/e.want" <<EOF
[engine]
host = https://m2.exosite.com
update_interval = 600
act_retry_interval = 60
debug_level = info
user_agent = acme/2
long_poll = false
ca_file = ''
EOF
check "-e prints [engine], the file's values and the defaults (rc $rc)" \
	sh -c "[ $rc = 0 ] && printf '%s\n' \"\$1\" | cmp -s - '$T/e.want'" sh "$out"
run -f "$C" --engine-conf
check "--engine-conf the same" sh -c "printf '%s\n' \"\$1\" | cmp -s - '$T/e.want'" sh "$out"
run -f "$T/missing.conf" -e
check "-e of a missing -f file: exit 1, nothing printed" test "$rc" = 1 -a -z "$out"
printf '[engine]\nupdate_interval = 0\n' > "$T/bad.conf"
run -f "$T/bad.conf" -e
check "-e of a file the daemons refuse: exit 1, the reason" test "$rc" = 1 -a -z "$out" -a -n "$err"
run -f "$C" -g
check "-g prints [device] as written" test "$rc" = 0 -a "$out" = "$(printf '[device]\nvendor = acme ; ours')"
mkdir -p "$T/state/netd"
printf '[device]\nvendor = acme\n[paths]\nstate_dir = %s/state\n' "$T" > "$T/cik.conf"
run -f "$T/cik.conf" -C
check "-C before activation prints '' (Gateway Engine's output)" test "$rc" = 0 -a "$out" = "''"
echo "$CIK" > "$T/state/netd/cik"
run -f "$T/cik.conf" --gateway-cik
check "--gateway-cik after activation prints the CIK" test "$rc" = 0 -a "$out" = "$CIK"

# ---- --mac-address ---------------------------------------------------------------------
run --mac-address lo
check "--mac-address lo: the serial format" test "$rc" = 0 -a "$out" = "00:00:00:00:00:00"
# A link of our own in a private network namespace, its sysfs mounted there.
mac_ns() {
	unshare -nm sh -c 'mount -t sysfs sysfs /sys && ip link add gwe0 type veth peer name gwe1 &&
		ip link set gwe0 address 02:ab:cd:ef:01:2f && "$1" --mac-address gwe0' sh "$GWE" 2> /dev/null
}
if [ "$(id -u)" = 0 ] && out=$(mac_ns); then
	check "--mac-address: upper case, as activation's serial ($out)" test "$out" = "02:AB:CD:EF:01:2F"
else
	skip "--mac-address: upper case, as activation's serial" "needs root, unshare and veth"
fi
for bad in nosuch0 'eth0/../lo' '..' '' 'a;b' 0123456789abcdefg; do
	run --mac-address "$bad"
	check "--mac-address '$bad': exit 1, nothing on stdout" test "$rc" = 1 -a -z "$out" -a -n "$err"
done
run --mac-address
expect_rc "--mac-address without IFACE: exit 2" 2

# ---- the configuring flags: set, echo the section, refuse a bad value ------------------------
base() {
	cat > "$C" <<EOF
; keep me
[device]
cik =
vendor = v0
model = m0
uuid = u0
iface = eth0

[engine]
update_interval = 600
act_retry_interval = 60
debug_level = info
user_agent = ua/0
EOF
}
# The section as -g would print it (the file's text from its header to the next).
section() { awk -v s="[$1]" '$0 == s { p = 1; print; next } /^\[/ { p = 0 } p && NF' "$C"; }
while read -r short long sec key good bad; do
	for f in "$short" "$long"; do
		base
		run -f "$C" "$f" "$good"
		if [ "$rc" = 0 ] && grep -qx "$key = $good" "$C" && [ "$out" = "$(section "$sec")" ]; then
			ok "$f $good: sets [$sec] $key and echoes [$sec]"
		else
			not_ok "$f $good: sets [$sec] $key and echoes [$sec] (rc $rc)"; diag "$out"; diag "$err"
		fi
		base; cp "$C" "$T/before"
		run -f "$C" "$f" "$(printf '%b' "$bad")"
		if [ "$rc" = 1 ] && [ -z "$out" ] && cmp -s "$T/before" "$C" && [ -n "$err" ]; then
			ok "$f '$bad': refused, exit 1, file untouched, nothing echoed"
		else
			not_ok "$f '$bad': refused (rc $rc)"; diag "$out"; diag "$err"
		fi
	done
done <<EOF
-c --set-cik device cik $CIK not-a-cik
-m --set-model device model gw7 a\\tb
-r --set-vendor device vendor acme2 a\\nb
-u --set-uuid device uuid SN-0042 \\033[2J
-i --set-iface device iface wlan1 eth0/x
-l --set-act-retry-interval engine act_retry_interval 15 0
-d --set-debug-level engine debug_level debug loud
-t --set-update-interval engine update_interval 3600 1.5
-a --set-user-agent engine user_agent acme-agent/2 a\\001b
EOF
for f in -P --set-product-id --product-id; do
	base
	run -f "$C" "$f" acme-gw7
	check "$f sets vendor and model, echoes [device]" test "$rc" = 0 \
		-a "$(grep -c '^vendor = acme-gw7$\|^model = acme-gw7$' "$C")" = 2 -a "$out" = "$(section device)"
	base; cp "$C" "$T/before"
	run -f "$C" "$f" "$(printf 'a\nb')"
	check "$f with a newline: refused, exit 1, untouched" test "$rc" = 1 -a -z "$out" && cmp -s "$T/before" "$C"
done
base
run -f "$C" -P multi -t 120 -u SN-M
check "several flags: each changed section echoed once, [device] first" \
	test "$rc" = 0 -a "$out" = "$(section device; section engine)"
base
run -f "$C" -u SN-9 -g
check "-g after a --set flag: [device] printed once" test "$rc" = 0 -a "$out" = "$(section device)"
base
run -f "$C" -a ''
check "-a '': user_agent removed, [engine] echoed" test "$rc" = 0 -a "$(grep -c '^user_agent' "$C")" = 0 \
	-a "$out" = "$(section engine)"
run -f "$C" -e
check "... so the default User-Agent applies again" sh -c "printf '%s\n' \"\$1\" | grep -qx 'user_agent = gwe/[0-9].*'" sh "$out"
base
run -f "$C" --set-user-agent "''"
check "--set-user-agent \"''\" (GE's guides) the same" test "$rc" = 0 -a "$(grep -c '^user_agent' "$C")" = 0
base
run -f "$C" -u "''"
check "-u \"''\": uuid empty, as Gateway Engine's guides clear it" test "$rc" = 0 -a "$(grep -c '^uuid =$' "$C")" = 1
for f in -c -m -r -P -u -i -l -d -t -a; do
	run -f "$C" "$f"
	[ "$rc" = 2 ] || { not_ok "$f without a value: exit 2 (rc $rc)"; continue; }
	ok "$f without a value: exit 2"
done

# ---- --download-latest: refused, and how gwe is updated instead ----------------------------
for area in gmq-master gmq-dev baseline-master baseline-dev; do
	run --download-latest "$area"
	case $err in
	*usage:*) not_ok "--download-latest $area: no usage text"; diag "$err";;
	*"package manager"*"docs/operator.md"*)
		check "--download-latest $area: refused, exit 1, names the package manager" test "$rc" = 1 -a -z "$out";;
	*) not_ok "--download-latest $area: names how gwe is updated"; diag "$err";;
	esac
done
run --download-latest gmq-master -f "$C" -g
check "--download-latest with other flags: still refused, nothing done" test "$rc" = 1 -a -z "$out"
run --download-latest latest
check "--download-latest 'latest': not a release area, exit 2" test "$rc" = 2 -a -z "$out"
run --download-latest
expect_rc "--download-latest without AREA: exit 2" 2
check "docs/operator.md says how gwe is updated" grep -q '^## Updating gwe' "$GWE_TOP/docs/operator.md"

# ---- -o, -I, -z: the spelling and a bad value (test_cli.sh covers the rest) -------------------------
printf '[paths]\nstate_dir = %s/st\nrun_dir = %s/run\n' "$T" "$T" > "$T/down.conf"
run -f "$T/down.conf" --once
expect_rc "--once with gwe-netd down: exit 2" 2
run -f "$T/down.conf" -o --timeout 0
expect_rc "-o --timeout 0: exit 2" 2
run -f "$T/down.conf" --install-apps "$T/nosuch.v1.tar.gz"
expect_rc "--install-apps of a missing file: exit 2" 2
run --check-tarball "$T/nosuch.v1.tar.gz" --pubkey "$T/nosuch.pub"
check "--check-tarball of a missing file: exit 2, no verdict" test "$rc" = 2 -a -z "$out"

# ---- app building: -x -n -s ------------------------------------------------------------------------
B=$T/my_gwe_hosted_app
mkdir -p "$B"
(cd "$B" && "$GWE" -x) > "$T/out" 2> "$T/err"; rc=$?
check "-x writes gwe-buildfile.json here and prints its path" \
	test "$rc" = 0 -a "$(cat "$T/out")" = "$B/gwe-buildfile.json" -a -f "$B/gwe-buildfile.json"
v=$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sorted(d), d["name"], d["version"], d["includes"])' "$B/gwe-buildfile.json")
check "... Gateway Engine's keys; the directory's name, version 1, install.sh" test \
	"$v" = "['excludes', 'includes', 'name', 'post_build_cmds', 'pre_build_cmds', 'version'] my_gwe_hosted_app 1 ['install.sh']"
cp "$B/gwe-buildfile.json" "$T/bf.before"
(cd "$B" && "$GWE" --create-buildfile) > "$T/out" 2> "$T/err"; rc=$?
check "-x again: exit 1, the buildfile not overwritten" test "$rc" = 1 && cmp -s "$T/bf.before" "$B/gwe-buildfile.json"
mkdir "$T/x2"
(cd "$T/x2" && "$GWE" --create-buildfile --app-name modbus_bridge --app-version 1.4.2) > /dev/null; rc=$?
v=$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["name"], d["version"])' "$T/x2/gwe-buildfile.json")
check "--app-name and --app-version fill name and version" test "$rc" = 0 -a "$v" = "modbus_bridge 1.4.2"
rm -f "$T/x2/gwe-buildfile.json"
for a in "-n modbus.bridge" "-n ''" "-s v1" "-s 1..2" "--app-version 1/2"; do
	(cd "$T/x2" && eval "\"\$GWE\" -x $a") > /dev/null 2>&1; rc=$?
	check "-x $a: exit 2, no buildfile" test "$rc" = 2 -a ! -e "$T/x2/gwe-buildfile.json"
done
run -n app -w "$B/gwe-buildfile.json"
expect_rc "-n without -x: exit 2" 2

# ---- -w ----------------------------------------------------------------------------------------------
run -w "$B/gwe-buildfile.json"
check "-w: [PASS] for the new buildfile" test "$rc" = 0 -a "$out" = "[PASS]"
printf '{"name": "a.b", "version": "1", "includes": ["../etc"], "extra": 1}\n' > "$T/bad.json"
run --check-buildfile "$T/bad.json"
check "--check-buildfile: each problem on its line, exit 1" test "$rc" = 1 -a "$(printf '%s\n' "$out" | wc -l)" = 3
case $out in *"name: 'a.b'"*"'../etc' leaves the build directory"*) ok "... naming the name and the include";;
*) not_ok "... naming the name and the include"; diag "$out";; esac
run -w "$T/nosuch.json"
expect_rc "-w of a missing file: exit 2" 2

# ---- -y / --build-app ---------------------------------------------------------------------------------
mkdir -p "$B/lib/cache" "$B/notes"
printf '#!/bin/sh\necho "installing $GWE_APP $GWE_VERSION"\n' > "$B/install.sh"
chmod 0644 "$B/install.sh"		# the build makes it executable
printf '[supervisord]\ncommand = /bin/sh /usr/local/bin/example.sh\n' > "$B/supervisor.conf"
echo 'while true; do sleep 1; done' > "$B/example.sh"
echo lib > "$B/lib/a.py"; echo cache > "$B/lib/cache/a.pyc"; echo note > "$B/notes/x.txt"
chmod 4755 "$B/lib/a.py"		# masked as the gateway would
ln -s lib/a.py "$B/alias.py"
cat > "$B/gwe-buildfile.json" <<'EOF'
{
  "name": "my_gwe_hosted_app",
  "version": "1",
  "includes": ["install.sh", "supervisor.conf", "example.sh", "lib", "*.py", "gen.txt"],
  "excludes": ["lib/cache"],
  "pre_build_cmds": ["echo pre-build ran in $(pwd)", "echo generated > gen.txt"],
  "post_build_cmds": ["echo post-build ran", "rm gen.txt"]
}
EOF
cd "$T" || bail "cd $T"
out=$(gwe --build-app my_gwe_hosted_app/gwe-buildfile.json 2> "$T/err"); rc=$?
TGZ=$B/my_gwe_hosted_app.v1.tar.gz
check "--build-app: exit 0, stdout is the tarball's path alone" test "$rc" = 0 -a "$out" = "$TGZ" -a -f "$TGZ"
check "... the build commands' output on stderr, run in the buildfile's directory" \
	grep -qx "pre-build ran in $B" "$T/err"
check "... post-build commands ran after the build" test ! -e "$B/gen.txt" -a -n "$(grep -x 'post-build ran' "$T/err")"
tar -tvzf "$TGZ" > "$T/list" 2>&1
names=$(awk '{ print $NF == "lib/a.py" && $(NF-1) == "->" ? $(NF-2) : $6 }' "$T/list" | tr '\n' ' ')
check "... install.sh first, the rest sorted, lib/cache excluded ($names)" \
	test "$names" = "install.sh alias.py example.sh gen.txt lib/ lib/a.py supervisor.conf "
check "... install.sh executable (0755) though the file is 0644" grep -q '^-rwxr-xr-x .* install.sh$' "$T/list"
check "... setuid masked off, owners root" grep -q '^-rwxr-xr-x root/root .* lib/a.py$' "$T/list"
check "... the symlink kept as a symlink" grep -q '^l.* alias.py -> lib/a.py$' "$T/list"
scp_like=$(ls -l $(gwe -y my_gwe_hosted_app/gwe-buildfile.json 2> /dev/null) | wc -l)
check "\$(gwe -y FILE) works as an argument, as in scp \$(gwe --build-app FILE) ..." test "$scp_like" = 1
if command -v minisign > /dev/null; then
	keys_new vendor
	run -z "$TGZ" --pubkey "$PUB"
	check "-z on the unsigned build: refused for the missing signature" \
		test "$rc" = 1 -a -n "$(printf '%s' "$out" | grep '^refused: signature')"
	app_sign "$TGZ"
	run --check-tarball "$TGZ" --pubkey "$PUB"
	check "signed with stock minisign, --check-tarball accepts the build" test "$rc" = 0 -a "$out" = accepted
else
	skip "-z on the build, unsigned then signed" "needs minisign"
fi
cp "$B/gwe-buildfile.json" "$C.json"
sed 's/"version": "1"/"version": "2"/' "$C.json" > "$B/gwe-buildfile.json"
run --build-app "$B/gwe-buildfile.json" -d DEBUG
check "--build-app FILE -d DEBUG (GE's guides): builds, no configuration edited" \
	test "$rc" = 0 -a "$out" = "$B/my_gwe_hosted_app.v2.tar.gz" -a ! -e /etc/gwe/gwe.conf.new
check "... -d DEBUG shows each file added on stderr" grep -q 'build add path=lib/a.py' "$T/err"
run --build-app "$B/gwe-buildfile.json" -d loud
expect_rc "--build-app -d loud: exit 2" 2
run --build-app "$B/gwe-buildfile.json" -c "$CIK"
expect_rc "--build-app with a --set flag: exit 2" 2
cp "$C.json" "$B/gwe-buildfile.json"

# Refusals: the includes stay inside the buildfile's directory, the commands must succeed.
# build_refused WHAT JSON-TAIL: a buildfile with "includes": [install.sh, ...] refused, exit 1.
build_refused() {
	printf '{"name": "r", "version": "1", %s}\n' "$2" > "$B/r.json"
	rm -f "$B/r.v1.tar.gz"
	run -y "$B/r.json"
	if [ "$rc" = 1 ] && [ -z "$out" ] && [ ! -e "$B/r.v1.tar.gz" ]; then
		ok "$1: refused, exit 1, no tarball"
	else
		not_ok "$1: refused (rc $rc)"; diag "$out"; diag "$err"
	fi
}
ln -s /etc/passwd "$B/leak"
ln -s /etc "$B/etcdir"
build_refused "an include '../x'" '"includes": ["install.sh", "../c.conf"]'
build_refused "an absolute include" '"includes": ["install.sh", "/etc/passwd"]'
build_refused "a symlink that leaves" '"includes": ["install.sh", "leak"]'
build_refused "a path through a symlinked directory" '"includes": ["install.sh", "etcdir/passwd"]'
build_refused "a glob reaching a symlink that leaves" '"includes": ["*"], "excludes": ["etcdir"]'
rm "$B/leak" "$B/etcdir"
mkfifo "$B/fifo"
build_refused "a fifo" '"includes": ["install.sh", "fifo"]'
rm "$B/fifo"
build_refused "an include that matches nothing" '"includes": ["install.sh", "nosuch*"]'
build_refused "no install.sh" '"includes": ["lib"]'
build_refused "install.sh only below the top" '"includes": ["lib"], "pre_build_cmds": ["cp install.sh lib/"]'
rm -f "$B/lib/install.sh"
build_refused "a failing pre-build command" '"includes": ["install.sh"], "pre_build_cmds": ["exit 3"]'
build_refused "a buildfile with a problem" '"includes": ["install.sh"], "bogus": true'
printf 'echo no shebang\n' > "$B/plain.sh"
printf '{"name": "r", "version": "1", "includes": ["install.sh"], "pre_build_cmds": ["cp plain.sh install.sh"]}\n' > "$B/r.json"
cp "$B/install.sh" "$T/install.keep"
run -y "$B/r.json"
check "an install.sh without #!: built, but exit 1 with the gateway's reason" \
	test "$rc" = 1 -a -z "$out" -a -n "$(printf '%s' "$err" | grep 'install.sh does not begin with #!')"
cp "$T/install.keep" "$B/install.sh"

# As a user other than root: the build needs no privilege.
if [ "$(id -u)" = 0 ]; then
	U=$T/user/my_gwe_hosted_app
	mkdir -p "$U"
	cp "$B/install.sh" "$B/supervisor.conf" "$B/example.sh" "$U/"
	printf '{"name": "my_gwe_hosted_app", "version": "3", "includes": ["*"]}\n' > "$U/gwe-buildfile.json"
	chown -R "$NET_UID" "$T/user"
	chmod 755 "$T/user"
	out=$(cd "$U" && setpriv --reuid "$NET_UID" --regid "$NET_UID" --clear-groups \
		"$GWE" -y gwe-buildfile.json 2> "$T/err"); rc=$?
	check "built by uid $NET_UID in its own directory" test "$rc" = 0 -a "$out" = "$U/my_gwe_hosted_app.v3.tar.gz"
	check "... the tarball is that user's" test "$(stat -c %u "$U/my_gwe_hosted_app.v3.tar.gz")" = "$NET_UID"
else
	skip "built by another user" "needs root to switch users"
fi
tap_end
