#!/bin/sh
# The gwe CLI through the real build/gwe binary (docs/design.md section 9).
# Part 1, any user: --help and --version of all four programs, every --set
# flag on a temp config (value in place, comments and foreign sections kept
# byte for byte), -P, -t's refusals and netd's stored interval, -C, -g.
# Part 2, root: the test platform and the three real daemons, then
# gwe status [--json], gwe --once, gwe --install-apps (signed, tampered),
# and what status and the exit codes say when a daemon is down.
. "$(dirname "$0")/../lib/tap.sh"
tap_tmp

B=$GWE_BUILD
GWE=$B/gwe
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
# Every call bounded: a hung CLI fails the test instead of hanging it.
gwe() { timeout 200 "$GWE" "$@"; }

for p in gwe gwe-netd gwe-verifyd gwe-installd; do
	if [ ! -x "$B/$p" ]; then
		not_ok "built: $p (make all)"
		tap_end
	fi
done

# ---- --help and --version on every program ----------------------------------
for p in gwe gwe-netd gwe-verifyd gwe-installd; do
	out=$(timeout 10 "$B/$p" --help 2>&1); rc=$?
	case $out in
	*usage*) check "$p --help exits 0 with a usage text" test "$rc" = 0;;
	*) not_ok "$p --help exits 0 with a usage text (rc $rc)"; diag "$out";;
	esac
	out=$(timeout 10 "$B/$p" --version 2>&1); rc=$?
	case $out in
	"$p "[0-9]*) check "$p --version exits 0 ($out)" test "$rc" = 0;;
	*) not_ok "$p --version ($rc)"; diag "$out";;
	esac
done
out=$(gwe -v); rc=$?
check "gwe -v prints the version (Gateway Engine's spelling)" test "$rc" = 0 -a "$out" = "gwe $(gwe --version | cut -d' ' -f2)"
out=$(gwe -V); rc=$?
check "gwe -V still prints the version" test "$rc" = 0 -a -n "$out"
gwe > /dev/null 2>&1; rc=$?
check "gwe with nothing to do: usage, exit 2" test "$rc" = 2
gwe -o status > /dev/null 2>&1; rc=$?
check "two commands at once refused, exit 2" test "$rc" = 2
gwe --json -o > /dev/null 2>&1; rc=$?
check "--json without status refused, exit 2" test "$rc" = 2
gwe bogus > /dev/null 2>&1; rc=$?
check "unknown subcommand refused, exit 2" test "$rc" = 2

# ---- the --set flags on a temp config ---------------------------------------------
CIK1=1111111111111111111111111111111111111111
CIK2=0123456789abcdef0123456789abcdef01234567
CIK3=fedcba9876543210fedcba9876543210fedcba98
C=$T/c.conf
cat > "$T/base.conf" <<EOF
; gateway 17 -- edited by hand, keep these notes
# a hash comment too

[program:gwe]
command=/usr/local/sbin/gwe-netd -F ; not ours
autorestart=true

[device]
; the identity
cik = $CIK1
vendor = old-vendor   ; inline comment kept
model = old-model
uuid = OLD-SN
iface = eth0

[engine]
update_interval = 600
act_retry_interval = 60
debug_level = info
user_agent = gwe/test

[custom]
; a vendor's own section
foo = bar

[paths]
state_dir = $T/state
run_dir = $T/run
EOF

# expect_edit "what" OLD_LINE NEW_LINE gwe-args...: the one line changed, all else kept.
expect_edit() {
	what=$1; old=$2; new=$3; shift 3
	cp "$T/base.conf" "$C"
	out=$(gwe -f "$C" "$@" 2>&1); rc=$?
	OLD="$old" NEW="$new" awk '$0 == ENVIRON["OLD"] { print ENVIRON["NEW"]; next } { print }' \
		"$T/base.conf" > "$T/expect.conf"
	if [ "$rc" = 0 ] && cmp -s "$T/expect.conf" "$C" && ! cmp -s "$T/base.conf" "$C"; then
		ok "$what"
	else
		not_ok "$what (rc $rc)"; diag "$out"; diag "$(diff "$T/expect.conf" "$C")"
	fi
}
while read -r short long key oldv newv; do
	expect_edit "$short $newv: [$key] set in place, comments and foreign sections kept" \
		"$key = $oldv" "$key = $newv" "$short" "$newv"
	expect_edit "$long $newv: the same" "$key = $oldv" "$key = $newv" "$long" "$newv"
done <<EOF
-c --set-cik cik $CIK1 $CIK2
-m --set-model model old-model gw7
-u --set-uuid uuid OLD-SN SN-0042
-i --set-iface iface eth0 wlan1
-l --set-act-retry-interval act_retry_interval 60 15
-d --set-debug-level debug_level info debug
-t --set-update-interval update_interval 600 3600
-a --set-user-agent user_agent gwe/test acme-agent/2
EOF
# The vendor line keeps its inline comment, which the loop above cannot spell.
expect_edit "-r acme: value replaced, inline comment kept" \
	"vendor = old-vendor   ; inline comment kept" "vendor = acme   ; inline comment kept" -r acme
expect_edit "--set-vendor acme: the same" \
	"vendor = old-vendor   ; inline comment kept" "vendor = acme   ; inline comment kept" --set-vendor acme

cp "$T/base.conf" "$C"
gwe -f "$C" -P acme-gw7; rc=$?
sed -e 's/^vendor = old-vendor /vendor = acme-gw7 /' -e 's/^model = old-model$/model = acme-gw7/' \
	"$T/base.conf" > "$T/expect.conf"
check "-P sets vendor and model in one edit, all else kept (rc $rc)" cmp -s "$T/expect.conf" "$C"
cp "$T/base.conf" "$C"
gwe -f "$C" --set-product-id other; rc=$?
check "--set-product-id sets both (rc $rc)" test "$rc" = 0 -a \
	"$(grep -c '^vendor = other \|^model = other$' "$C")" = 2

cp "$T/base.conf" "$C"
gwe -f "$C" -P multi -t 120 -u SN-M > /dev/null; rc=$?
check "several --set flags in one call (rc $rc)" test "$rc" = 0 -a \
	"$(grep -c '^model = multi$\|^update_interval = 120$\|^uuid = SN-M$' "$C")" = 3

cp "$T/base.conf" "$C"
gwe -f "$C" -l 0 2> "$T/err"; rc=$?
check "a value the daemons refuse: exit 1, file untouched" test "$rc" = 1 -a -z "$(cmp "$T/base.conf" "$C")"
check "... the error names the file and the key" grep -q "c.conf.*act_retry_interval" "$T/err"

# -t: whole numbers >= 1 only; a good value drops netd's stored interval.
mkdir -p "$T/state/netd"
for v in 0 -1 abc 1.5 " 7" 99999999999; do
	echo 300 > "$T/state/netd/update_interval"
	cp "$T/base.conf" "$C"
	gwe -f "$C" -t "$v" 2> "$T/err"; rc=$?
	if [ "$rc" = 1 ] && cmp -s "$T/base.conf" "$C" && [ -e "$T/state/netd/update_interval" ]; then
		ok "-t '$v' refused: exit 1, config and stored interval untouched"
	else
		not_ok "-t '$v' refused (rc $rc)"; diag "$(cat "$T/err")"
	fi
done
gwe -f "$C" --set-update-interval=1; rc=$?
check "-t 1 accepted (rc $rc)" grep -q '^update_interval = 1$' "$C"
check "... and netd's stored interval dropped" test ! -e "$T/state/netd/update_interval"
echo 300 > "$T/state/netd/update_interval"
gwe -f "$C" -t 43200; rc=$?
check "-t 43200 drops the stored interval again (rc $rc)" test "$rc" = 0 -a ! -e "$T/state/netd/update_interval"

# -C: the state's CIK, else the config's, else ''.
cp "$T/base.conf" "$C"
rm -f "$T/state/netd/cik"
out=$(gwe -f "$C" -C); rc=$?
check "-C without state prints the config's CIK (rc $rc)" test "$rc" = 0 -a "$out" = "$CIK1"
printf '%s\n' "$CIK3" > "$T/state/netd/cik"
out=$(gwe -f "$C" --gateway-cik); rc=$?
check "--gateway-cik prefers netd's state (rc $rc)" test "$rc" = 0 -a "$out" = "$CIK3"
printf 'not a cik\n' > "$T/state/netd/cik"
out=$(gwe -f "$C" -C 2>/dev/null); rc=$?
check "-C ignores a malformed state CIK, prints the config's" test "$rc" = 0 -a "$out" = "$CIK1"
rm -f "$T/state/netd/cik"
gwe -f "$C" -c '' > /dev/null; rc=$?
out=$(gwe -f "$C" -C)
check "-C with no CIK anywhere prints '' as Gateway Engine does" test "$rc" = 0 -a "$out" = "''"
out=$(gwe -f "$C" -C -P later | tail -1)
check "-C after a --set flag in the same call" test "$(grep -c '^model = later$' "$C")" = 1

# -g: the [device] section as written.
cp "$T/base.conf" "$C"
gwe -f "$C" -g > "$T/g.out"; rc=$?
sed -n '/^\[device\]$/,/^iface = eth0$/p' "$T/base.conf" > "$T/g.expect"
check "-g prints the [device] section as written (rc $rc)" cmp -s "$T/g.expect" "$T/g.out"
out=$(gwe -f "$C" --gateway-cfg | head -1)
check "--gateway-cfg the same" test "$out" = "[device]"

# ---- status, --once, --install-apps with the engine down (any user) ----------------
cp "$T/base.conf" "$C"
out=$(gwe -f "$C" status); rc=$?
check "status with netd down: exit 3" test "$rc" = 3
case $out in *"netd:"*"down"*) ok "status says netd: down";; *) not_ok "status says netd: down"; diag "$out";; esac
case $out in *"vendor=old-vendor model=old-model uuid=OLD-SN"*) ok "status still prints the configuration";;
*) not_ok "status still prints the configuration"; diag "$out";; esac
gwe -f "$C" status --json > "$T/down.json"; rc=$?
check "status --json with netd down: exit 3" test "$rc" = 3
check "... valid JSON that says netd down" $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["daemons"]["netd"] == "down", d
assert d["apps"] is None and d["device"]["uuid"] == "OLD-SN", d' "$T/down.json"
gwe -f "$C" -o 2> /dev/null; rc=$?
check "--once with netd down: exit 2" test "$rc" = 2
printf 'x' > "$T/down.v1.tar.gz"
gwe -f "$C" -I "$T/down.v1.tar.gz" > /dev/null 2>&1; rc=$?
check "--install-apps with netd down: exit 2" test "$rc" = 2
gwe -f "$C" -I "$T/missing.v1.tar.gz" > /dev/null 2>&1; rc=$?
check "--install-apps of a missing file: exit 2" test "$rc" = 2
gwe -f "$C" -I "$T/down.v1.tar.gz" "$T/down.v1.tar.gz" --sig "$T/x" > /dev/null 2>&1; rc=$?
check "--sig with two tarballs: usage, exit 2" test "$rc" = 2

# ---- part 2: the real engine (root) --------------------------------------------------
if [ "$(id -u)" != 0 ]; then
	skip "the CLI against the running engine" "needs root (starts daemons that drop privileges)"
	tap_end
fi
if ! command -v minisign > /dev/null || ! command -v curl > /dev/null; then
	skip "the CLI against the running engine" "needs minisign and curl"
	tap_end
fi

. "$GWE_TOP/tests/lib/engine.sh"
plat_up || bail "platform starts" "$(cat "$T/platform.out")"
onep_count() { logcount 0 '^/onep'; }	# requests to /onep so far

SN=SN-CLI
DCIK=$(devcik "$SN")
regdev "$SN"

# Keys and tarballs: one signed, one tampered after signing.
W=$T/work
E=$T/engine
mkdir -p "$W/src" "$E/run"
KEYS=$E/keys
keys_new test
app_script "$W/src" '#!/bin/sh
echo "hello from cliapp install.sh"
echo "to stderr" >&2'
GOOD=$W/cliapp.v1.0.1.tar.gz
app_build "$GOOD" "$W/src" install.sh
BAD=$W/clibad.v2.0.tar.gz
cp "$GOOD" "$BAD"
app_sign "$BAD"
printf 'x' >> "$BAD"
cp "$GOOD" "$W/other.v1.0.tar.gz"
cp "$GOOD.minisig" "$W/moved.minisig"

# The engine under test: its config, then the three daemons (logs $E/<prog>.log).
EC=$E/gwe.conf
engine_conf "$EC" "$E" "$SN" "device cik = $DCIK" "engine update_interval = 600" "engine long_poll" \
	"limits max_tarball_bytes = 2000000" "limits install_timeout = 60"
chmod 644 "$EC"
if gwe_daemons "$EC" "$E/" && wait_for 30 grep -q 'check-in done' "$E/netd.log"; then
	ok "platform, gwe-installd, gwe-verifyd and gwe-netd up; first check-in done"
else
	not_ok "engine up"
	diag "$(tail -5 "$E/netd.log" "$E/verifyd.log" "$E/installd.log")"
	tap_end
fi
showlogs() { diag "$(tail -6 "$E/netd.log" "$E/verifyd.log" "$E/installd.log")"; }

# ---- gwe status -----------------------------------------------------------------
gwe -f "$EC" status > "$T/st.out" 2>&1; rc=$?
check "status with all three up: exit 0" test "$rc" = 0
st_has() { grep -Eq "$1" "$T/st.out" || { diag "$(cat "$T/st.out")"; return 1; }; }
check "status: netd up" st_has '^netd: +up$'
check "status: verifyd up" st_has '^verifyd: +up$'
check "status: installd up" st_has '^installd: +up$'
check "status: last check-in as ISO-8601 UTC and seconds ago" \
	st_has '^last check-in: +20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-9:]{8}Z \([0-9]+ s ago\)$'
check "status: its outcome" st_has '^outcome: +ok$'
check "status: next check-in" st_has '^next check-in: +20[0-9-]{8}T[0-9:]{8}Z \(in [0-9]+ s\)$'
check "status: update interval" st_has '^update interval: +600 s$'
check "status: no apps yet" st_has '^installed apps: +0$'

gwe -f "$EC" status --json > "$T/st.json"; rc=$?
check "status --json: exit 0" test "$rc" = 0
check "status --json parses, with daemons, times, outcome, apps" $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["daemons"] == {"netd": "up", "verifyd": "up", "installd": "up"}, d["daemons"]
assert d["outcome"] == "ok" and d["last_error"] == "", d
lc = d["last_checkin"]
assert lc["time"].endswith("Z") and lc["seconds_ago"] >= 0 and lc["unix"] > 0, lc
assert d["next_checkin"]["seconds_from_now"] > 0, d["next_checkin"]
assert d["update_interval"] == 600 and d["apps"] == [] and d["queued"] == 0, d
assert "fetch_status" in d' "$T/st.json"

# ---- gwe --once ----------------------------------------------------------------------
n0=$(onep_count)
out=$(gwe -f "$EC" --once 2>&1); rc=$?
n1=$(onep_count)
check "--once: exit 0 when the check-in reached the platform" test "$rc" = 0
case $out in "check-in done"*) ok "--once says so";; *) not_ok "--once says so"; diag "$out";; esac
check "--once: the platform saw the check-in ($n0 -> $n1)" test "$n1" -gt "$n0"
P misbehave status 'path=^/onep' code=503 count=-1 > /dev/null
out=$(gwe -f "$EC" -o 2>&1); rc=$?
P clear > /dev/null
check "-o: exit 1 when the platform answers 503" test "$rc" = 1
case $out in *"did not reach the platform"*) ok "-o says why";; *) not_ok "-o says why"; diag "$out";; esac
gwe -f "$EC" status > "$T/st.out" 2>&1
check "status: a failed check-in's outcome and error" st_has '^outcome: +failed: .+'
gwe -f "$EC" -o > /dev/null 2>&1; rc=$?
check "-o succeeds again once the platform recovers" test "$rc" = 0

# ---- gwe --install-apps ------------------------------------------------------------------
gwe -f "$EC" --install-apps "$GOOD" > "$T/in.out" 2>&1; rc=$?
check "--install-apps of a signed tarball: exit 0" test "$rc" = 0
if grep -q '^cliapp.v1.0.1.tar.gz: installed exit=0 ' "$T/in.out" &&
   grep -q '^    hello from cliapp install.sh$' "$T/in.out" && grep -q '^    to stderr$' "$T/in.out"; then
	ok "... status, exit code and install.sh's output shown"
else
	not_ok "... status, exit code and install.sh's output shown"; diag "$(cat "$T/in.out")"; showlogs
fi
gwe -f "$EC" -I "$BAD" > "$T/bad.out" 2>&1; rc=$?
check "-I of a tampered tarball: exit 1" test "$rc" = 1
if grep -q '^clibad.v2.0.tar.gz: refused exit=-1' "$T/bad.out" && grep -q 'gwe: clibad.v2.0.tar.gz: ' "$T/bad.out"; then
	ok "... refused, with the reason"
else
	not_ok "... refused, with the reason"; diag "$(cat "$T/bad.out")"
fi
check "... and not installed" test -z "$(grep -l clibad "$E/state/installd" -r 2>/dev/null | head -1)"
gwe -f "$EC" -I "$W/other.v1.0.tar.gz" --sig "$W/moved.minisig" > "$T/mv.out" 2>&1; rc=$?
check "-I --sig: a signature moved to another name refused, exit 1" test "$rc" = 1
gwe -f "$EC" -I "$BAD" "$GOOD" > "$T/two.out" 2>&1; rc=$?
check "-I of two tarballs, one bad: both tried, exit 1" test "$rc" = 1 -a \
	"$(grep -c '^cli[a-z]*.v[0-9.]*.tar.gz: \(installed\|refused\)' "$T/two.out")" = 2
cp "$GOOD" "$T/Bad Name.tar.gz"
gwe -f "$EC" -I "$T/Bad Name.tar.gz" --sig "$GOOD.minisig" > "$T/bn.out" 2>&1; rc=$?
check "-I of a file whose name breaks the grammar: refused by netd, exit 1" test "$rc" = 1

gwe -f "$EC" status > "$T/st.out" 2>&1; rc=$?
check "status afterwards: exit 0" test "$rc" = 0
check "status lists the app with its version" st_has '^    cliapp 1\.0\.1 installed exit=0 at 20[0-9-]+T[0-9:]+Z \([0-9]+ s ago\)$'
check "status: one app" st_has '^installed apps: +1$'
gwe -f "$EC" status --json > "$T/st.json"
check "status --json lists the app" $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
a = d["apps"]
assert len(a) == 1, a
a = a[0]
assert a["name"] == "cliapp" and a["version"] == "1.0.1" and a["status"] == "installed", a
assert a["exitstatus"] == 0 and a["installed_at"]["seconds_ago"] >= 0 and len(a["digest"]) == 128, a' "$T/st.json"

# ---- an OTA order through --once; hostile output in status -----------------------------
mkdir -p "$W/nasty"
cat > "$W/nasty/install.sh" <<'EOS'
#!/bin/sh
printf 'say "hi" \\ back\n'
printf 'esc \033[31m red \342\202\254\n'
EOS
# (Not invalid UTF-8 here: the platform answers 400 to such a fetch_status
# write and netd keeps retrying it; tests/unit/test_cli_ctl.c covers it.)
chmod +x "$W/nasty/install.sh"
NASTY=$W/nasty.v1.0.tar.gz
app_build "$NASTY" "$W/nasty" install.sh
app_publish "$NASTY"
P set-alias "$SN" engine_fetch '{"install":[{"name":"nasty.v1.0.tar.gz"}]}' > /dev/null
gwe -f "$EC" -o > "$T/ota.out" 2>&1; rc=$?
check "-o runs an install order from the platform (rc $rc)" test "$rc" = 0
gwe -f "$EC" status --json > "$T/st.json"
check "status --json: install.sh's quotes, backslash, escape byte, UTF-8 in fetch_status parse" $PY -c '
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
fs = d["fetch_status"]
assert "say \"hi\" \\ back" in fs and "esc \x1b[31m red \u20ac" in fs, repr(fs)
assert any(a["name"] == "nasty" and a["version"] == "1.0" for a in d["apps"]), d["apps"]' "$T/st.json"
gwe -f "$EC" status > "$T/st.out" 2>&1
check "status shows the last fetch_status" st_has '^    say "hi" \\\\ back$'
check "... with control characters defused, UTF-8 kept" st_has '^    esc \\x1b\[31m red €$'
check "... and no raw escape byte reaches the terminal" test "$(tr -dc '\033' < "$T/st.out" | wc -c)" = 0

# ---- a non-root user is kept out ---------------------------------------------------------
out=$(timeout 30 setpriv --reuid="$NET_UID" --regid="$NET_UID" --clear-groups "$GWE" -f "$EC" status 2>&1); rc=$?
case $out in *"netd:"*"down"*"Permission denied"*) check "status as a non-root user: netd unreachable, exit 3" test "$rc" = 3;;
*) not_ok "status as a non-root user: netd unreachable (rc $rc)"; diag "$out";; esac

# ---- a daemon down ----------------------------------------------------------------------
gwe_stop verifyd
gwe_stop installd
gwe -f "$EC" status > "$T/st.out" 2>&1; rc=$?
check "status with the verifier and installer stopped: exit 1" test "$rc" = 1
check "status: verifyd down" st_has '^verifyd: +down$'
check "status: installd not up" st_has '^installd: +(down|unknown)'
check "status: apps unknown" st_has '^installed apps: +unknown$'
gwe -f "$EC" status --json > "$T/st.json"
check "status --json: verifyd down, apps null" $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["daemons"]["netd"] == "up" and d["daemons"]["verifyd"] == "down", d["daemons"]
assert d["apps"] is None and d["apps_error"], d' "$T/st.json"
gwe -f "$EC" -I "$GOOD" > "$T/nv.out" 2>&1; rc=$?
check "-I with the verifier down: exit 2" test "$rc" = 2
gwe_stop netd
gwe -f "$EC" status > "$T/st.out" 2>&1; rc=$?
check "status with netd stopped: exit 3" test "$rc" = 3
check "status: netd down" st_has '^netd: +down '
gwe -f "$EC" -o > /dev/null 2>&1; rc=$?
check "-o with netd stopped: exit 2" test "$rc" = 2

# ---- a listener that is not root gets no tarball ---------------------------------------
mkdir -p "$T/fake/run"
chown "$NET_UID" "$T/fake/run"
sed "s|^run_dir = .*|run_dir = $T/fake/run|" "$EC" > "$T/fake.conf"
timeout 60 setpriv --reuid="$NET_UID" --regid="$NET_UID" --clear-groups $PY -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind(sys.argv[1]); s.listen(4)
c, _ = s.accept()
print(len(c.recv(100000)), flush=True)
time.sleep(30)' "$T/fake/run/netd.sock" > "$T/fake.out" 2>&1 &
TAP_PIDS="$TAP_PIDS $!"
wait_for 10 test -S "$T/fake/run/netd.sock"
out=$(gwe -f "$T/fake.conf" -I "$GOOD" 2>&1); rc=$?
case $out in *"not root"*) check "-I refuses a netd.sock served by a non-root uid, exit 2" test "$rc" = 2;;
*) not_ok "-I refuses a netd.sock served by a non-root uid (rc $rc)"; diag "$out";; esac
check "... and sent it nothing (the listener read end-of-file)" wait_for 5 grep -qx 0 "$T/fake.out"

tap_end
