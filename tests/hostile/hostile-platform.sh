#!/bin/bash
# Prove it under faults and attack, part 2: the running engine against a
# hostile test platform.
#
#  1. Every misbehaviour of tests/platform/gwe_platform.py applied to the
#     request it spoils: the alias read, the fetch_status write, the
#     download (gwe-netd with the real gwe-verifyd and gwe-installd), and
#     activation (gwe-netd alone).  Plus a certificate for the wrong host, no
#     ca_file (the system CAs must refuse the platform's CA), redirects to
#     http:// and file://, 1 MB of response headers.  For each: a clear
#     reason in the log, nothing installed that should not be, the daemon's
#     pid unchanged, and the next normal check-in succeeds.
#  2. A platform that flaps (503 / connection resets) for 300 check-ins
#     triggered through the control socket (gwe --once): after 100 warm-up
#     check-ins, the open fd count must not change and VmRSS must not grow by
#     more than 256 KiB over the remaining 200.
#  3. netd's state directory on a small tmpfs that fills up: ENOSPC logged,
#     nothing already recorded is lost, and it is all delivered once space is
#     freed.
#
# Needs root (daemons drop to NET_UID/VFY_UID; tmpfs mounts).  127.0.0.1
# only.  TAP (tests/lib/tap.sh), figures as "# " lines, an
# "N passed, N failed" line (.ci/run sums it) before the closing plan;
# exit 1 on any failure.  Budget: < 5 min.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
: "${GWE_TOP:=$TOP}"
: "${GWE_BUILD:=$TOP/build}"
. "$TOP/tests/lib/tap.sh"

if [ "$(id -u)" != 0 ]; then
	echo "ok 1 - hostile platform # SKIP needs root (daemons drop privileges, tmpfs mounts)"
	echo "1 passed, 0 failed"
	exit 0
fi
for p in gwe-netd gwe-verifyd gwe-installd gwe tests/netd_fake_verifyd tests/netd_ctl; do
	[ -x "$GWE_BUILD/$p" ] || { echo "not ok 1 - $GWE_BUILD/$p not built"; echo "0 passed, 1 failed"; exit 1; }
done
command -v minisign > /dev/null || { echo "not ok 1 - needs minisign"; echo "0 passed, 1 failed"; exit 1; }

START=$SECONDS
CASES=0; CASES_OK=0
tap_tmp hostile
MOUNTS=""
cleanup() {
	local m
	for m in $MOUNTS; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
	[ -z "${KEEP:-}" ] || echo "# kept $T"
	tap_cleanup
}
trap cleanup EXIT

# Our own copies: a rebuild of $GWE_BUILD while we run must not change them.
mkdir -p "$T/bin/tests"
for p in gwe-netd gwe-verifyd gwe-installd gwe tests/netd_fake_verifyd tests/netd_ctl; do
	cp "$GWE_BUILD/$p" "$T/bin/$p" || { echo "not ok 1 - copy $p"; echo "0 passed, 1 failed"; exit 1; }
done
GWE_BUILD=$T/bin
. "$TOP/tests/lib/engine.sh"
GWE="$GWE_BUILD/gwe"

# ---- the platform -------------------------------------------------------------
plat_up || { echo "not ok 1 - platform starts"; cat "$T/platform.out"; echo "0 passed, 1 failed"; exit 1; }
# admin CMD JSON: the admin API without a Python start-up (the 300-check-in loop)
admin() { curl -s -m 10 -X POST -H 'Content-Type: application/json' -d "$2" "$ADMIN/$1" > /dev/null; }

# ---- keys and signed apps -------------------------------------------------------
keys_new test
mkdir -p "$T/installed"
chmod 755 "$T/installed"
# app ID: a signed tarball whose install.sh appends its name to $T/installed/log
app() {
	local s=$T/work/src-$1
	app_script "$s" "#!/bin/sh
echo $1 >> $T/installed/log"
	head -c 200000 /dev/urandom > "$s/payload.bin"	# big enough to trickle and cut
	app_build "$T/work/$1" "$s" install.sh payload.bin
	app_publish "$T/work/$1"
}
installed() { grep -qx "$1" "$T/installed/log" 2>/dev/null; }
ninstalled() { [ -f "$T/installed/log" ] && wc -l < "$T/installed/log" || echo 0; }

# ---- devices ------------------------------------------------------------------
# hdev NAME SN CIK [OVERRIDE...]: mkdev's device with keys in $T/keys and
# no timers of its own (every check-in here is asked for)
hdev() {
	local n=$1 sn=$2 cik=$3
	shift 3
	mkdir -p "$T/$n/state"
	mkdev "$n" "$sn" "$cik" "engine update_interval = 3600" "engine act_retry_interval = 3600" \
		"security keys_dir = $KEYS" "$@"
}
# netd_start NAME: start NAME's gwe-netd (PID_NAME) and wait for its control socket
netd_start() {
	GWE_NETD_LOW_SPEED_TIME=2 start "$1"
	wait_for 10 test -S "$T/$1/run/netd.sock"
}
# ctl_once NAME: one check-in through the control socket (gwe --once); rc
ctl_once() { timeout 150 "$GWE" -f "$T/$1/gwe.conf" --once >> "$T/$1/once.out" 2>&1; }
loglines() { wc -l < "$T/$1/log"; }
logsince() { tail -n +"$(($2 + 1))" "$T/$1/log"; }
queue_empty() { test -z "$(ls "$T/$1/state/netd/queue")"; }
# verdict WHY OK-TEXT NOT-OK-TEXT OUT LINES: a case passes when WHY is empty;
# else OUT's last LINES are shown
verdict() {
	if [ -z "$1" ]; then
		CASES_OK=$((CASES_OK + 1))
		ok "$2"
	else
		not_ok "$3$1"
		printf '%s\n' "$4" | tail -"$5" | sed 's/^/#   /'
	fi
}
# first RE TEXT: TEXT's first match of RE
first() { printf '%s\n' "$2" | grep -Eo "$1" | head -1; }

# ---- the engine: netd + real verifier + installer ----------------------------------
regdev SN-E
hdev e SN-E "$(devcik SN-E)"
e2e_daemons e || { not_ok "verifier and installer start"; cat "$T/e/installd.log" "$T/e/verifyd.log"; }
netd_start e || not_ok "gwe-netd starts"
ctl_once e; rc=$?
check "first check-in through the control socket (rc $rc)" test "$rc" = 0
EPID=$PID_e
app good.v1.0.tar.gz
order SN-E good.v1.0.tar.gz
ctl_once e
check "a normal install goes through the whole engine" installed good.v1.0.tar.gz

# hostile NAME EXPECT-REGEX INSTALL-ID|"" MUST_INSTALL(yes|no|any) -- SETUP...
# One hostile case on the engine e: SETUP (a shell command) spoils the
# platform, one check-in runs, then the platform is cleared and the next
# normal check-in must succeed.
hostile() {
	local name=$1 re=$2 id=$3 want=$4 m rc rc2 why="" n0 out t0=$SECONDS
	shift 4
	CASES=$((CASES + 1))
	n0=$(ninstalled)
	m=$(loglines e)
	eval "$*" > /dev/null
	ctl_once e; rc=$?
	P clear > /dev/null
	out=$(logsince e "$m")
	printf '%s\n' "$out" | grep -Eq "$re" || why="$why; no log line matching /$re/"
	pid_alive "$EPID" && [ "$PID_e" = "$EPID" ] || why="$why; gwe-netd pid $EPID gone"
	if [ -n "$id" ]; then
		case $want in
		no) installed "$id" && why="$why; $id installed" ;;
		esac
	fi
	ctl_once e; rc2=$?
	[ "$rc2" = 0 ] || why="$why; the next normal check-in failed (rc $rc2)"
	if [ -n "$id" ] && [ "$want" = yes ]; then
		# the order may need the recovery check-in to finish
		installed "$id" || why="$why; $id not installed after recovery"
	fi
	[ "$(grep -c . "$T/installed/log")" -le $((n0 + 1)) ] || why="$why; more than one install"
	verdict "$why" "$name (rc $rc, $((SECONDS - t0)) s): $(first "$re" "$out")" "$name (rc $rc)" "$out" 15
}
mis() { P misbehave "$@"; }
READ='path=alias\?'
HTTPURL="http://127.0.0.1:$PORT"

echo "# elapsed $((SECONDS - START)) s"
echo "# ---- alias read"
hostile "read: slow (delay 8 s)"           'too slow|timed out|Timeout|timeout'  "" any "mis slow '$READ' delay=8"
hostile "read: stall"                      'too slow|timed out|Timeout|timeout'  "" any "mis stall '$READ' after=0 secs=20"
hostile "read: endless"                    'alias read over the limit bytes=[0-9]+' "" any "mis endless '$READ'"
hostile "read: close_after"                'reason="[^"]+"'  "" any "mis close_after '$READ' after=2"
hostile "read: wrong_length"               'reason="[^"]+"'  "" any "mis wrong_length '$READ'"
hostile "read: status 500"                 'status=500'      "" any "mis status '$READ' code=500"
hostile "read: status 503 Retry-After"     'status=503'      "" any "mis status '$READ' code=503 retry_after=1"
hostile "read: redirect to http://"        'redirect refused location="http://' "" any "mis redirect '$READ' location=$HTTPURL/onep:v1/stack/alias?engine_fetch"
hostile "read: redirect to file://"        'redirect refused location="file://' "" any "mis redirect '$READ' location=file:///etc/passwd"
hostile "read: big_alias 1 MiB engine_fetch" 'larger than max_order_bytes|over the limit' "" any "P set-alias SN-E engine_fetch x; mis big_alias '$READ' alias=engine_fetch size=1048576 count=2"
hostile "read: huge_headers 1 MB"          'reason="[^"]+"'  "" any "mis huge_headers '$READ' size=1048576"
hostile "read: huge_headers one 1 MB line" 'reason="[^"]+"'  "" any "mis huge_headers '$READ' size=1048576 line=1048576"
# count=2: libcurl silently retries a request that died on a reused connection
hostile "read: drop"                       'reason="[^"]+"'  "" any "mis drop '$READ' count=2"
# the drop ends the kept-alive connection; the new one is reset
hostile "read: platform down (resets)"     'reason="[^"]+"'  "" any "mis down secs=3; mis drop '$READ'"

echo "# elapsed $((SECONDS - START)) s"
echo "# ---- fetch_status write (a bad order's result; delivered after recovery)"
WRITE="'path=^/onep:v1/stack/alias\$' method=POST"
# fsw NAME REGEX SPOIL: a bad order whose result write (POST) is spoiled
# until netd has logged why; then the result must reach fetch_status and
# leave the queue.
fsw_n=0
fsw() {
	local name="fetch_status write: $1" re=$2 m rc rc2 why="" out t0=$SECONDS
	fsw_n=$((fsw_n + 1))
	CASES=$((CASES + 1))
	m=$(loglines e)
	eval "$3" > /dev/null
	P set-alias SN-E engine_fetch "bad-order-$fsw_n" > /dev/null
	ctl_once e; rc=$?
	wait_for 30 sh -c "tail -n +$((m + 1)) '$T/e/log' | grep -Eq '$re'" || why="$why; no log line matching /$re/"
	P clear > /dev/null
	out=$(logsince e "$m")
	pid_alive "$EPID" && [ "$PID_e" = "$EPID" ] || why="$why; gwe-netd pid $EPID gone"
	ctl_once e; rc2=$?
	[ "$rc2" = 0 ] || why="$why; the next normal check-in failed (rc $rc2)"
	wait_for 30 queue_empty e || why="$why; queue not emptied"
	case "$(alias_value SN-E fetch_status)" in
	*"not JSON"*) ;;
	*) why="$why; the queued result did not reach fetch_status" ;;
	esac
	verdict "$why" "$name (rc $rc, $((SECONDS - t0)) s), delivered after recovery: $(first "$re" "$out")" \
		"$name (rc $rc)" "$out" 15
	P set-alias SN-E fetch_status '' > /dev/null
	sleep 1.1	# the next order is a new write of engine_fetch
}
WF='what=fetch_status'
fsw "slow (delay 8 s)"    "write failed $WF reason=\"[^\"]*too slow"       "mis slow $WRITE delay=8 count=-1"
# A write is answered 204, which has no body: stall, close_after and
# wrong_length (which spoil the body) leave nothing to spoil, and the write
# must simply go through.
fsw "stall (204: nothing to spoil, accepted)"        "fetch_status written entry"  "mis stall $WRITE after=0 secs=20 count=-1"
fsw "endless"             "write failed $WF reason=\"[^\"]+\""             "mis endless $WRITE count=-1"
fsw "close_after (204: nothing to spoil, accepted)"  "fetch_status written entry"  "mis close_after $WRITE after=0 count=-1"
fsw "wrong_length (204: nothing to spoil, accepted)" "fetch_status written entry"  "mis wrong_length $WRITE count=-1"
fsw "status 500"          "write refused $WF status=500"                   "mis status $WRITE code=500 count=-1"
fsw "status 503"          "write refused $WF status=503"                   "mis status $WRITE code=503 retry_after=1 count=-1"
fsw "redirect to http://" 'redirect refused location="http://'             "mis redirect $WRITE location=$HTTPURL/onep:v1/stack/alias count=-1"
fsw "redirect to file://" 'redirect refused location="file://'             "mis redirect $WRITE location=file:///etc/passwd count=-1"
fsw "huge_headers 1 MB"   "write failed $WF reason=\"Too large response headers" "mis huge_headers $WRITE size=1048576 count=-1"
fsw "drop"                "write failed $WF reason=\"[^\"]+\""             "mis drop $WRITE count=-1"

echo "# elapsed $((SECONDS - START)) s"
echo "# ---- download (real verifier and installer)"
dl_n=0
# dl NAME REGEX MUST_INSTALL SPOIL(with ID for the tarball id regex)
dl() {
	dl_n=$((dl_n + 1))
	local id="dl.v1.$dl_n.tar.gz" spoil
	app "$id"
	spoil=${4//ID/$id}
	hostile "download: $1" "$2" "$id" "$3" "order SN-E $id; $spoil"
}
DLP="path=id=ID\$"
dl "slow (rate 100 B/s)"    'too slow|Timeout|timed out'         no  "mis slow '$DLP' rate=100 count=-1"
dl "stall"                  'too slow|Timeout|timed out'         no  "mis stall '$DLP' after=1000 secs=20 count=-1"
dl "endless"                'more than [0-9]+ bytes'             no  "mis endless '$DLP' count=-1"
dl "close_after (resumed)"  'download resumed|download interrupted' yes "mis close_after '$DLP' after=50000 count=1"
dl "wrong_length (resumed)" 'download resumed|download interrupted' yes "mis wrong_length '$DLP' count=1"
# a resume the server answers with the whole file, or with other bytes: started over from 0
dl "Range ignored (restarted)" 'download restarted from 0 reason="range ignored"' yes "mis close_after '$DLP' after=50000 count=1; mis no_range '$DLP' count=1"
dl "bad Content-Range (restarted)" 'reason="bad Content-Range' yes "mis close_after '$DLP' after=50000 count=1; mis bad_range '$DLP' count=1"
dl "status 500"             'status=500|reason="[^"]+"'          no  "mis status '$DLP' code=500 count=-1"
dl "redirect to http://"    'redirect refused location="http://' no  "mis redirect '$DLP' location=$HTTPURL/provision/download?vendor=acme\\&model=gw1\\&id=ID count=-1"
dl "redirect to file://"    'redirect refused location="file://' no  "mis redirect '$DLP' location=file:///etc/passwd count=-1"
dl "huge_headers 1 MB"      'reason="[^"]+"'                     no  "mis huge_headers '$DLP' size=1048576 count=-1"
dl "drop"                   'reason="[^"]+"'                     no  "mis drop '$DLP' count=-1"
# a tarball whose bytes differ from the signed ones: refused by the verifier
app tampered.v1.0.tar.gz
sz=$(stat -c %s "$T/work/tampered.v1.0.tar.gz")
printf '\xff' | dd of="$T/work/tampered.v1.0.tar.gz" bs=1 seek=$((sz / 2)) conv=notrunc status=none
publish tampered.v1.0.tar.gz "$T/work/tampered.v1.0.tar.gz"
hostile "download: bytes changed after signing" 'result name=tampered\.v1\.0\.tar\.gz job=[0-9]+ status=[1-9][0-9]* exit=-?[0-9]+' tampered.v1.0.tar.gz no "order SN-E tampered.v1.0.tar.gz"

echo "# elapsed $((SECONDS - START)) s"
echo "# ---- activation (gwe-netd alone)"
act_n=0
# act NAME REGEX SPOIL: a fresh device without a CIK, disabled so start-up
# activation gets 409; enabled, spoiled, then activated normally.
act() {
	act_n=$((act_n + 1))
	local d="a$act_n" sn="SN-ACT-$act_n" m rc rc2 why="" out p t0=$SECONDS
	CASES=$((CASES + 1))
	P register acme gw1 "$sn" enabled=false > /dev/null
	hdev "$d" "$sn" ""
	netd_start "$d"
	wait_for 10 grep -q 'activation refused' "$T/$d/log"
	eval "p=\$PID_$d"
	P enable sn="$sn" > /dev/null
	m=$(loglines "$d")
	eval "$3" > /dev/null
	ctl_once "$d"; rc=$?
	P clear > /dev/null
	out=$(logsince "$d" "$m")
	printf '%s\n' "$out" | grep -Eq "$2" || why="$why; no log line matching /$2/"
	[ "$rc" != 0 ] || why="$why; check-in reported success"
	pid_alive "$p" || why="$why; gwe-netd pid $p gone"
	P enable sn="$sn" > /dev/null	# a spoiled answer may have used up the activation
	ctl_once "$d"; rc2=$?
	[ "$rc2" = 0 ] && [ -s "$T/$d/state/netd/cik" ] || why="$why; the next activation failed (rc $rc2)"
	verdict "$why" "activation: $1 (rc $rc, $((SECONDS - t0)) s): $(first "$2" "$out")" \
		"activation: $1 (rc $rc)" "$out" 12
	pid_stop "$p"
}
ACT='path=^/provision/activate'
act "status 503"          'status=503'                         "mis status '$ACT' code=503"
act "slow (delay 8 s)"    'reason="[^"]+"'                     "mis slow '$ACT' delay=8"
act "stall"               'reason="[^"]+"'                     "mis stall '$ACT' after=0 secs=20"
act "endless"             'reason="[^"]+"'                     "mis endless '$ACT'"
act "close_after"         'reason="[^"]+"'                     "mis close_after '$ACT' after=5"
act "wrong_length"        'reason="[^"]+"'                     "mis wrong_length '$ACT'"
act "redirect to http://" 'redirect refused location="http://' "mis redirect '$ACT' location=$HTTPURL/provision/activate"
act "redirect to file://" 'redirect refused location="file://' "mis redirect '$ACT' location=file:///etc/passwd"
act "huge_headers 1 MB"   'reason="[^"]+"'                     "mis huge_headers '$ACT' size=1048576"
act "drop"                'reason="[^"]+"'                     "mis drop '$ACT'"

echo "# elapsed $((SECONDS - START)) s"
echo "# ---- TLS"
# A certificate for the wrong host: a second platform whose server
# certificate (signed by the trusted CA) names only gwe-wrong.test.
W=$T/wrongplat
mkdir -p "$W/tls"
cp "$T/platform/tls/ca.pem" "$T/platform/tls/ca.key" "$W/tls/"
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:gwe-wrong.test' > "$W/tls/names"
# mkcert SAN: server cert for SAN signed by the first platform's CA
mkcert() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$W/tls/server.key" \
		-out "$W/tls/server.csr" -subj "/CN=${2}" 2> /dev/null &&
	printf '%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$1" > "$W/tls/server.ext" &&
	openssl x509 -req -in "$W/tls/server.csr" -CA "$W/tls/ca.pem" -CAkey "$W/tls/ca.key" \
		-set_serial $RANDOM -days 2 -extfile "$W/tls/server.ext" -out "$W/tls/server.pem" 2> /dev/null
}
mkcert "subjectAltName=DNS:gwe-wrong.test" gwe-wrong.test
plat_start "$W" --hostname gwe-wrong.test || not_ok "second platform starts"
WPID=$PLAT_PID
WPORT=$(jget "$W/ready.json" port)
WADMIN=$(jget "$W/ready.json" admin_url)
$PY "$PLAT" ctl --admin "$WADMIN" register acme gw1 SN-W cik="$(devcik SN-W)" > /dev/null
hdev w SN-W "$(devcik SN-W)" "engine host = https://127.0.0.1:$WPORT"
netd_start w
CASES=$((CASES + 1))
m=$(loglines w)
ctl_once w; rc=$?
out=$(logsince w "$m")
why=""
[ "$rc" != 0 ] || why="$why; check-in succeeded"
printf '%s\n' "$out" | grep -Eqi "does not match|no alternative certificate subject name|SSL: certificate subject name" || why="$why; no name-mismatch reason logged"
n=$(ADMIN=$WADMIN logcount 0 '^/onep')
[ "$n" = 0 ] || why="$why; $n requests reached the wrong host"
# recovery: the same platform, port and CA, now with a certificate for 127.0.0.1
pid_stop "$WPID"
mkcert "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:gwe-wrong.test" 127.0.0.1
plat_start "$W" --port "$WPORT" --hostname gwe-wrong.test || why="$why; platform restart failed"
$PY "$PLAT" ctl --admin "$(jget "$W/ready.json" admin_url)" register acme gw1 SN-W cik="$(devcik SN-W)" > /dev/null
pid_alive "$PID_w" || why="$why; gwe-netd died"
ctl_once w; rc2=$?
[ "$rc2" = 0 ] || why="$why; check-in after the certificate was fixed failed (rc $rc2)"
verdict "$why" "certificate for the wrong host refused: $(first 'reason="[^"]*"' "$out")" \
	"certificate for the wrong host refused" "$out" 8

# No ca_file: the system CAs must refuse the platform's own CA.
regdev SN-N
hdev noca SN-N "$(devcik SN-N)" "engine ca_file"
netd_start noca
CASES=$((CASES + 1))
m=$(loglines noca)
pm=$(logmark)
ctl_once noca; rc=$?
out=$(logsince noca "$m")
why=""
[ "$rc" != 0 ] || why="$why; check-in succeeded"
printf '%s\n' "$out" | grep -Eqi 'certificate|issuer|SSL' || why="$why; no certificate reason logged"
n=$(logcount "$pm" '' SN-N)
[ "$n" = 0 ] || why="$why; $n requests reached the platform"
pid_alive "$PID_noca" || why="$why; gwe-netd died"
ctl_once e; rc2=$?
[ "$rc2" = 0 ] || why="$why; the engine's next check-in failed"
verdict "$why" "no ca_file: system CAs refuse the platform: $(first 'reason="[^"]*"' "$out")" \
	"no ca_file: system CAs refuse the platform" "$out" 8

check "gwe-netd of the engine still pid $EPID" test "$PID_e" = "$EPID" -a -d "/proc/$EPID"
check "the tampered tarball was never installed" sh -c "! grep -q tampered '$T/installed/log'"
check "no tarball installed twice" test -z "$(sort "$T/installed/log" | uniq -d)"
echo "# installed: $(tr '\n' ' ' < "$T/installed/log")"

echo "# hostile cases tried $CASES, passed $CASES_OK"
# ---- 300 check-ins against a flapping platform -----------------------------------
echo "# elapsed $((SECONDS - START)) s"
echo "# ---- flapping platform: 300 check-ins through the control socket"
fds() { ls "/proc/$EPID/fd" | wc -l; }
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$EPID/status"; }
flap_fail=0; flap_okn=0; flap_bad=0
FD0=unmeasured; RSS0=-999999
t0=$SECONDS
for i in $(seq 1 300); do
	case $((i % 4)) in
	1) admin misbehave '{"kind":"status","path":"^/onep","code":503,"count":1}' ;;
	3) admin misbehave '{"kind":"drop","path":"^/onep","count":2}' ;;
	esac
	timeout 60 "$GWE" -f "$T/e/gwe.conf" --once > /dev/null 2>&1; rc=$?
	case $rc in 0) flap_okn=$((flap_okn + 1));; 1) flap_fail=$((flap_fail + 1));; *) flap_bad=$((flap_bad + 1));; esac
	admin clear '{}'
	if [ "$i" = 100 ]; then FD0=$(fds); RSS0=$(rss); fi
	[ -d "/proc/$EPID" ] || break
done
FD1=$(fds 2>/dev/null); RSS1=$(rss 2>/dev/null)
[ -n "$RSS1" ] || { FD1=gone; RSS1=999999; }
echo "# flapping: $((SECONDS - t0)) s, $flap_okn succeeded, $flap_fail failed as expected, $flap_bad other"
echo "# fds after 100: $FD0, after 300: $FD1; VmRSS after 100: $RSS0 KiB, after 300: $RSS1 KiB"
check "gwe-netd survived 300 flapping check-ins (pid $EPID)" test -d "/proc/$EPID"
check "both outcomes seen and no control-socket error ($flap_okn ok, $flap_fail failed, $flap_bad other)" \
	test "$flap_okn" -ge 100 -a "$flap_fail" -ge 100 -a "$flap_bad" = 0
check "open fds unchanged over check-ins 100..300 ($FD0 -> $FD1)" test "$FD0" = "$FD1"
check "VmRSS grew by <= 256 KiB over check-ins 100..300 ($RSS0 -> $RSS1 KiB)" test "$((RSS1 - RSS0))" -le 256
check "the 300 check-ins took < 300 s ($((SECONDS - t0)) s)" test $((SECONDS - t0)) -lt 300
# A failed check-in backs off (docs/design.md section 3, step 7), whoever asked
# for it: the next try must not be a whole update_interval (3600 s) away.
admin misbehave '{"kind":"status","path":"^/onep","code":503,"count":1}'
timeout 60 "$GWE" -f "$T/e/gwe.conf" --once > /dev/null 2>&1
admin clear '{}'
nx=$("$CTL" "$T/e/run/netd.sock" status | sed -n 's/^next=//p')
left=$(( ${nx:-0} - $(date +%s) ))
check "after a failed control-socket check-in the next try is backed off, not update_interval away (in $left s)" \
	test "$left" -gt 0 -a "$left" -lt 1800
timeout 60 "$GWE" -f "$T/e/gwe.conf" --once > /dev/null 2>&1

# ---- a state directory that fills up --------------------------------------------
echo "# elapsed $((SECONDS - START)) s"
echo "# ---- netd's state directory on a tmpfs that fills up"
regdev SN-F
hdev f SN-F "$(devcik SN-F)"
mkdir -p "$T/f/state/netd"
if mount -t tmpfs -o size=1m,mode=0700 gwe-hostile "$T/f/state/netd"; then
	MOUNTS="$MOUNTS $T/f/state/netd"
	fake f
	netd_start f
	ctl_once f
	FPID=$PID_f
	# a result queued on disk: its write to fetch_status refused for now
	P misbehave status 'path=^/onep:v1/stack/alias$' method=POST code=503 count=-1 > /dev/null
	P set-alias SN-F engine_fetch 'first order, not JSON' > /dev/null
	ctl_once f
	q0=$(cat "$T/f/state/netd/queue/"* 2>/dev/null | md5sum)
	nq0=$(ls "$T/f/state/netd/queue" | wc -l)
	check "a result queued before the fill ($nq0 entry)" test "$nq0" -ge 1
	# fill the tmpfs
	dd if=/dev/zero of="$T/f/state/netd/zfill" bs=64k 2> /dev/null
	check "the state tmpfs is full" test "$(df --output=avail "$T/f/state/netd" | tail -1 | tr -d ' ')" -lt 8
	m=$(loglines f)
	sleep 1.1
	P set-alias SN-F engine_fetch '{"install":[{"name":"app-after-fill.v1.tar.gz"}]}' > /dev/null
	ctl_once f; rc=$?
	ctl_once f
	out=$(logsince f "$m")
	if printf '%s\n' "$out" | grep -Eq 'No space left|ENOSPC'; then
		ok "ENOSPC reported: $(printf '%s\n' "$out" | grep -E 'No space left|ENOSPC' | head -1 | cut -c1-160)"
	else
		not_ok "ENOSPC reported in the log"; printf '%s\n' "$out" | tail -10 | sed 's/^/#   /'
	fi
	CASES=$((CASES + 1))
	why=""
	pid_alive "$FPID" || why=": it exited"
	verdict "$why" "gwe-netd alive through ENOSPC (pid $FPID)" "gwe-netd alive through ENOSPC (pid $FPID)" \
		"$(grep -E 'fatal|No space' "$T/f/log")" 3
	check "the queued result is intact on disk" test "$(cat "$T/f/state/netd/queue/"* 2>/dev/null | md5sum)" = "$q0"
	check "the order written during the fill is not lost (still on the platform or journaled)" \
		sh -c "test -s '$T/f/state/netd/order' || $PY '$PLAT' ctl --admin '$ADMIN' get-alias SN-F engine_fetch | grep -q app-after-fill"
	# free the space, let the writes through
	rm -f "$T/f/state/netd/zfill"
	P clear > /dev/null
	if ! pid_alive "$FPID"; then
		echo "# gwe-netd restarted as its supervisor would, to check that nothing was lost"
		netd_start f
		FPID=$PID_f
	fi
	ctl_once f
	wait_for 20 queue_empty f
	hv=$(P history SN-F fetch_status)
	case "$hv" in *"not JSON"*) ok "the result queued before the fill was delivered after space was freed" ;;
	*) not_ok "the result queued before the fill was delivered after space was freed"; echo "# $hv" | tr -d '\n' | head -c 600; echo ;; esac
	ctl_once f
	alias_wait_text SN-F fetch_status app-after-fill 20
	hv=$(P history SN-F fetch_status)
	case "$hv" in *"app-after-fill"*) ok "the order written during the fill was acted on after space was freed" ;;
	*) not_ok "the order written during the fill was acted on after space was freed"; echo "# $hv" | tr -d '\n' | head -c 600; echo
	   tail -15 "$T/f/log" | sed 's/^/#   /' ;; esac
	check "queue empty at the end" test -z "$(ls "$T/f/state/netd/queue")"
	check "gwe-netd running at the end (pid $FPID)" pid_alive "$FPID"
	pid_stop "$FPID"
else
	not_ok "mount a tmpfs on the state directory"
fi

echo "# hostile cases tried $CASES, passed $CASES_OK"
echo "# fds $FD0 -> $FD1; VmRSS $RSS0 -> $RSS1 KiB"
echo "# run time $((SECONDS - START)) s"
echo "$((TAP_N - TAP_NFAIL)) passed, $TAP_NFAIL failed"
tap_end
