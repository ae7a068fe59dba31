# One test world for every suite (sourced after tests/lib/tap.sh, not run):
# the test platform, a config writer, keys, signed apps, the three daemons,
# fetch_status and alias readers.  Used by demo/, bench/, tests/integration/,
# tests/faults/ and tests/hostile/.  POSIX sh (dash and bash).
#
# Set before sourcing (all optional):
#   NS_EXEC        a command prefix such as "ip netns exec NAME" under which the
#                  platform, its admin client and gwe-netd run
#   PLAT_HOSTNAME  a --hostname for the platform's certificate
#   VENDOR MODEL   the product of devices and content (default acme gw1)
#   KEYS           the keys_dir of configs and keys_new (default $T/keys)
# Sets at once: PY, PLAT (gwe_platform.py), NETD, FAKE (netd_fake_verifyd),
#   CTL (netd_ctl).
# plat_up / plat_read set: PORT, URL, CA, ADMIN (the admin API's URL).
# plat_start sets PLAT_PID.  keys_new sets KEY (secret) and PUB (public).
# gwe_daemon sets DPID and PID_<prog> (PID_installd, PID_verifyd, PID_netd).
# Every process started here is added to TAP_PIDS (tap_cleanup stops them).
NS_EXEC=${NS_EXEC:-}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
PLAT="$GWE_TOP/tests/platform/gwe_platform.py"
NETD="$GWE_BUILD/gwe-netd"
FAKE="$GWE_BUILD/tests/netd_fake_verifyd"
CTL="$GWE_BUILD/tests/netd_ctl"
: "${VENDOR:=acme}"
: "${MODEL:=gw1}"

# ---- prerequisites ---------------------------------------------------------------
# need_built WHAT PROG...: skip the whole file unless $GWE_BUILD/PROG are built.
need_built() {
	local what=$1 p; shift
	for p in "$@"; do
		[ -x "$GWE_BUILD/$p" ] || { skip "$what" "$p not built"; tap_end; }
	done
}
# need_cmds WHAT CMD...: skip the whole file unless the commands are on PATH.
need_cmds() {
	local what=$1 c; shift
	for c in "$@"; do
		command -v "$c" > /dev/null || { skip "$what" "needs $c"; tap_end; }
	done
}
# bail WHAT [DIAG]: a failing check, its diagnostics, and the end of the file.
bail() { not_ok "$1"; [ -z "${2:-}" ] || diag "$2"; tap_end; }

# ---- the platform ----------------------------------------------------------------
# jget FILE KEY: one top-level value of a JSON file.
jget() { $PY -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$@"; }
# plat_config VENDOR MODEL TOKEN SN [CIK]: $T/platform.json with one product and device.
plat_config() {
	local dev="\"$4\""
	[ -z "${5:-}" ] || dev="{\"sn\": \"$4\", \"cik\": \"$5\"}"
	cat > "$T/platform.json" <<EOT
{"products": [{"vendor": "$1", "model": "$2", "token": "$3", "devices": [$dev]}]}
EOT
}
# plat_start DIR [OPTION...]: a platform on DIR (output in ${PLAT_OUT:-DIR.out});
# waits up to 30 s for DIR/ready.json; sets PLAT_PID.
plat_start() {
	local dir=$1; shift
	mkdir -p "$dir"
	rm -f "$dir/ready.json"
	$NS_EXEC $PY "$PLAT" --state-dir "$dir" --ready-file "$dir/ready.json" \
		${PLAT_HOSTNAME:+--hostname "$PLAT_HOSTNAME"} "$@" >> "${PLAT_OUT:-$dir.out}" 2>&1 &
	PLAT_PID=$!
	TAP_PIDS="$TAP_PIDS $PLAT_PID"
	wait_for 30 test -s "$dir/ready.json"
}
# plat_read DIR: PORT, URL, CA, ADMIN from DIR/ready.json.
plat_read() {
	PORT=$(jget "$1/ready.json" port)
	URL=$(jget "$1/ready.json" url)
	CA=$(jget "$1/ready.json" ca)
	ADMIN=$(jget "$1/ready.json" admin_url)
}
# plat_up [OPTION...]: the platform on $T/platform, its variables read; 1 if it did not start.
plat_up() { plat_start "$T/platform" "$@" && plat_read "$T/platform"; }
# P COMMAND ARG...: the platform's admin client (bounded: ${P_TIMEOUT:-90} s).
P() { $NS_EXEC timeout "${P_TIMEOUT:-90}" $PY "$PLAT" ctl --admin "$ADMIN" "$@"; }
# plog [SINCE]: the request log (JSON) from index SINCE.
plog() { $NS_EXEC curl -s "$ADMIN/log?since=${1:-0}"; }
# logmark: the request log's next index (a mark for plog/logcount).
logmark() { plog 999999999 | $PY -c 'import json,sys; print(json.load(sys.stdin)["next"])'; }
# logcount SINCE PATH_REGEX [SN]: requests since a mark whose path matches (of SN).
logcount() {
	plog "$1" | $PY -c '
import json, re, sys
d = json.load(sys.stdin)
sn = sys.argv[2] if len(sys.argv) > 2 else None
print(sum(1 for e in d["entries"] if re.search(sys.argv[1], e["path"]) and (sn is None or e.get("sn") == sn)))' "$2" ${3:+"$3"}
}
# devcik SN: the CIK of SN's own (the platform finds a device by its CIK).
devcik() { printf '%s' "$1" | sha1sum | cut -c1-40; }
# regdev SN: register SN, activated, with its CIK, under $VENDOR/$MODEL.
regdev() { P register "$VENDOR" "$MODEL" "$1" cik="$(devcik "$1")" > /dev/null; }
# publish ID FILE: content ID of $VENDOR/$MODEL is FILE.
publish() { P add-content "$VENDOR" "$MODEL" "$1" "$2" > /dev/null; }

# ---- aliases and fetch_status ---------------------------------------------------------
# alias_value SN ALIAS: the alias's current value.
alias_value() { P get-alias "$1" "$2"; }
# alias_values SN ALIAS [json]: every write's value, one a line (json: JSON-quoted, one line each).
alias_values() {
	$NS_EXEC curl -s "$ADMIN/history?sn=$1&alias=$2" | $PY -c '
import json, sys
for w in json.load(sys.stdin)["writes"]:
    print(json.dumps(w["value"]) if sys.argv[1:] == ["json"] else w["value"])' ${3:+"$3"} 2>/dev/null
}
# alias_count SN ALIAS: how many writes the alias has had (0 if unknown).
alias_count() {
	$NS_EXEC curl -s "$ADMIN/history?sn=$1&alias=$2" |
		$PY -c 'import json,sys; print(len(json.load(sys.stdin)["writes"]))' 2>/dev/null || echo 0
}
# history_values SN ALIAS: each write as "repr(value) by gap".
history_values() { P history "$1" "$2" | $PY -c '
import json, sys
for w in json.load(sys.stdin)["writes"]: print(repr(w["value"]), w["by"], w["gap"])'; }
# alias_wait SN ALIAS N [SECS]: wait (default 60 s) until the alias has had N writes.
alias_wait() {
	$NS_EXEC timeout $((${4:-60} + 30)) $PY "$PLAT" ctl --admin "$ADMIN" \
		wait-writes "$1" "$2" "$3" timeout="${4:-60}" > /dev/null
}
# alias_wait_text SN ALIAS TEXT SECS: wait, write by write, for a value containing TEXT.
alias_wait_text() {
	local end left
	end=$(($(date +%s) + $4))
	while :; do
		alias_values "$1" "$2" | grep -qF -- "$3" && return 0
		left=$((end - $(date +%s)))
		[ $left -gt 0 ] || return 1
		alias_wait "$1" "$2" $(($(alias_count "$1" "$2") + 1)) $left 2>/dev/null ||
			sleep 1		# timed out, or the platform is not answering: do not spin
	done
}
# order SN NAME...: an install order of NAMEs written to SN's engine_fetch.
order() {
	local sn=$1 list="" n; shift
	for n in "$@"; do list="$list${list:+, }{\"name\": \"$n\"}"; done
	P set-alias "$sn" engine_fetch "{\"install\": [$list]}" > /dev/null
}
# order_wait SN SECS NAME...: the order, then wait for the next fetch_status write.
order_wait() {
	local sn=$1 secs=$2 n; shift 2
	n=$(alias_count "$sn" fetch_status)
	order "$sn" "$@" && alias_wait "$sn" fetch_status $((n + 1)) "$secs"
}

# ---- configuration -------------------------------------------------------------------
# conf_set FILE "SECTION KEY = VALUE"|"SECTION KEY": set KEY in SECTION (the
# section added if missing); without "=", remove KEY from SECTION.
conf_set() {
	local sec=${2%% *} kv=${2#* } key
	key=${kv%%=*}; key=${key%"${key##*[! ]}"}
	awk -v sec="$sec" -v key="$key" -v kv="$kv" -v del="$([ "$key" = "$kv" ] && echo 1)" '
	function put() { if (!done && !del) print kv; done = 1 }
	/^\[.*\]$/ { if (cur == sec) put(); cur = substr($0, 2, length($0) - 2); print; next }
	cur == sec && index($0, key) == 1 && substr($0, length(key) + 1) ~ /^[ \t]*=/ { put(); next }
	{ print }
	END { if (!done && !del) { if (cur != sec) print "[" sec "]"; print kv } }' "$1" > "$1.new" &&
		mv "$1.new" "$1"
}
# conf_base FILE DIR: the [security] (keys_dir ${KEYS:-$T/keys}, the two uids) and
# [paths] (DIR/state, DIR/run) sections, appended to FILE.
conf_base() {
	cat >> "$1" <<EOT
[security]
keys_dir = ${KEYS:-$T/keys}
net_user = $NET_UID
verify_user = $VFY_UID
[paths]
state_dir = $2/state
run_dir = $2/run
EOT
}
# engine_conf FILE DIR SN [OVERRIDE...]: an engine config for $VENDOR/$MODEL device SN
# at ${HOST:-$URL}, then conf_base FILE DIR, then each OVERRIDE ("section key =
# value", see conf_set).
engine_conf() {
	local f=$1 d=$2 sn=$3 o; shift 3
	cat > "$f" <<EOT
[device]
vendor = $VENDOR
model = $MODEL
uuid = $sn
[engine]
host = ${HOST:-$URL}
ca_file = $CA
update_interval = 2
act_retry_interval = 1
long_poll = true
EOT
	conf_base "$f" "$d"
	for o in "$@"; do conf_set "$f" "$o"; done
}
# conf_get FILE KEY: KEY's value in FILE (its first line).
conf_get() { sed -n "s/^$2[[:space:]]*=[[:space:]]*//p" "$1" | head -1; }

# ---- keys and apps ---------------------------------------------------------------------
# keys_new [NAME]: a minisign key pair, NAME.pub (default test) in $KEYS, the
# secret key in $T/work; sets PUB and KEY.
keys_new() {
	KEYS=${KEYS:-$T/keys}
	PUB=$KEYS/${1:-test}.pub KEY=$T/work/${1:-test}.key
	mkdir -p "$KEYS" "$T/work"
	minisign -G -W -p "$PUB" -s "$KEY" > /dev/null
}
# app_script DIR TEXT: DIR/install.sh is TEXT, executable.
app_script() { mkdir -p "$1" && printf '%s\n' "$2" > "$1/install.sh" && chmod 755 "$1/install.sh"; }
# app_sign FILE: FILE.minisig with $KEY.
app_sign() { minisign -S -s "$KEY" -m "$1" > /dev/null < /dev/null; }
# app_build OUT DIR FILE...: the tarball OUT of DIR's FILEs, signed.
app_build() {
	local out=$1 dir=$2; shift 2
	tar -C "$dir" -czf "$out" "$@" && app_sign "$out"
}
# app_publish FILE [ID]: FILE and FILE.minisig published as ID (default its basename).
app_publish() {
	local id=${2:-$(basename "$1")}
	publish "$id" "$1" && publish "$id.minisig" "$1.minisig"
}

# ---- daemons -----------------------------------------------------------------------------
# gwe_daemon PROG CONF LOG [SECS]: gwe-PROG (installd, verifyd, netd) -F on CONF, as
# root (the config's net_user/verify_user drop the others), stdout and stderr
# appended to LOG; waits up to SECS (15) for its socket in the config's run_dir.
gwe_daemon() {
	local pre=""
	[ "$1" = netd ] && pre=$NS_EXEC
	$pre "$GWE_BUILD/gwe-$1" -F -f "$2" >> "$3" 2>&1 < /dev/null &
	DPID=$!
	eval "PID_$1=$DPID"
	TAP_PIDS="$TAP_PIDS $DPID"
	wait_for "${4:-15}" test -S "$(conf_get "$2" run_dir)/$1.sock"
}
# gwe_daemons CONF LOGPREFIX [PROG...]: installd, verifyd, netd (or the PROGs, in
# order), each logged to LOGPREFIX<prog>.log; 1 (GWE_FAILED=prog) if one's socket
# did not come.
gwe_daemons() {
	local conf=$1 pre=$2 p; shift 2
	[ $# -gt 0 ] || set -- installd verifyd netd
	for p in "$@"; do
		gwe_daemon "$p" "$conf" "$pre$p.log" || { GWE_FAILED=$p; return 1; }
	done
}
# gwe_stop PROG: stop the daemon gwe_daemon started last for PROG.
gwe_stop() { eval "pid_stop \"\$PID_$1\""; }

# ---- devices of the netd tests (one directory each, under $T) ------------------------
# mkdev NAME SN [CIK] [OVERRIDE...]: $T/NAME/gwe.conf for device SN of acme/gw1
# at https://127.0.0.1:$PORT, update_interval 600, max_tarball_bytes 2000000,
# no keys_dir, no long_poll; then each OVERRIDE ("section key = value").
mkdev() {
	local d=$T/$1 sn=$2 cik=${3:-}
	shift 3 2>/dev/null || shift $#
	mkdir -p "$d/run"
	set -- "$d/gwe.conf" "$d" "$sn" "device vendor = acme" "device model = gw1" \
		"engine host = https://127.0.0.1:$PORT" "device cik = $cik" "engine update_interval = 600" \
		"engine long_poll" "security keys_dir" "limits max_tarball_bytes = 2000000" "$@"
	engine_conf "$@"
}
# once NAME [ENV=...]: one check-in of NAME's gwe-netd, its output appended to $T/NAME/log.
once() {
	local n=$1; shift
	$NS_EXEC env "$@" timeout 60 "$NETD" -f "$T/$n/gwe.conf" --once >> "$T/$n/log" 2>&1
}
# start NAME: NAME's gwe-netd in the background (log $T/NAME/log); sets PID_NAME.
start() {
	$NS_EXEC "$NETD" -F -f "$T/$1/gwe.conf" >> "$T/$1/log" 2>&1 &
	eval "PID_$1=$!"
	TAP_PIDS="$TAP_PIDS $!"
}
# stop NAME: stop the gwe-netd that start NAME started.
stop() { local p; eval "p=\$PID_$1"; kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; }
# fake NAME [DELAY]: a fake verifier on NAME's run_dir (log $T/NAME/fake.log).
fake() {
	"$FAKE" "$T/$1/run/verifyd.sock" "$NET_UID" ${2:-} > "$T/$1/fake.log" 2>&1 &
	TAP_PIDS="$TAP_PIDS $!"
	wait_for 10 test -S "$T/$1/run/verifyd.sock"
}
# showlog NAME: the tail of NAME's netd log, as a diagnostic.
showlog() { diag "$(tail -25 "$T/$1/log")"; }

# ---- the real verifier and installer beside a device ------------------------------------
# e2e_need WHAT: skip the whole file unless the daemons and minisign are there.
e2e_need() { need_built "$1" gwe-verifyd gwe-installd; need_cmds "$1" minisign; }
# e2e_keys: a fresh key pair; public key in $T/keys, secret in $T/work.
e2e_keys() { keys_new test; }
# e2e_app ID SCRIPT: a signed tarball whose install.sh is SCRIPT, published as ID.
e2e_app() {
	app_script "$T/work/src-$1" "$2" &&
	app_build "$T/work/$1" "$T/work/src-$1" install.sh && app_publish "$T/work/$1"
}
# e2e_daemons NAME: gwe-installd and gwe-verifyd on NAME's config (logs $T/NAME/*.log).
e2e_daemons() { gwe_daemons "$T/$1/gwe.conf" "$T/$1/" installd verifyd; }
