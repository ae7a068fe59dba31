# Shared by tests/integration/test_netd*.sh (sourced, not run): a test
# platform, devices in temp directories, a fake verifier, log helpers.
# Needs tests/lib/tap.sh sourced and tap_tmp called first.
# NS_EXEC (optional, set before sourcing): a command prefix such as
# "ip netns exec NAME" under which the platform, its admin client and
# gwe-netd run.  PLAT_HOSTNAME: a --hostname for the platform's certificate.
NS_EXEC=${NS_EXEC:-}
# Our own directory name: directories named /tmp/gwe-it.* have been seen
# vanishing while other suites ran beside ours.
rmdir "$T" 2>/dev/null
T=$(mktemp -d /tmp/gwe-netd-it.XXXXXX)
chmod 755 "$T"

NETD="$GWE_BUILD/gwe-netd"
FAKE="$GWE_BUILD/tests/netd_fake_verifyd"
CTL="$GWE_BUILD/tests/netd_ctl"
PLAT="$GWE_TOP/tests/platform/gwe_platform.py"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

# ---- the platform -----------------------------------------------------------
mkdir -p "$T/platform"
HOSTNAME_LOCAL=${PLAT_HOSTNAME:-}
if [ -z "$HOSTNAME_LOCAL" ] && getent hosts "$(hostname)" 2>/dev/null | grep -q '^127\.0\.0\.1 '; then
	HOSTNAME_LOCAL=$(hostname)
fi
$NS_EXEC $PY "$PLAT" --state-dir "$T/platform" --ready-file "$T/platform/ready.json" \
	${HOSTNAME_LOCAL:+--hostname "$HOSTNAME_LOCAL"} \
	> "$T/platform.out" 2>&1 &
TAP_PIDS="$TAP_PIDS $!"
if ! wait_for 30 test -s "$T/platform/ready.json"; then
	not_ok "platform starts"; diag "$(cat "$T/platform.out")"; tap_end
fi
jget() { $PY -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$@"; }
PORT=$(jget "$T/platform/ready.json" port)
CA=$(jget "$T/platform/ready.json" ca)
ADMIN=$(jget "$T/platform/ready.json" admin_url)
P() { $NS_EXEC $PY "$PLAT" ctl --admin "$ADMIN" "$@"; }

# request log lines (JSON) since a mark, filtered by a path regex
plog() { $NS_EXEC curl -s "$ADMIN/log?since=${1:-0}"; }
logmark() { plog | $PY -c 'import json,sys; print(json.load(sys.stdin)["next"])'; }
logcount() {	# logcount SINCE PATH_REGEX [SN]
	plog "$1" | $PY -c '
import json, re, sys
d = json.load(sys.stdin)
sn = sys.argv[2] if len(sys.argv) > 2 else None
print(sum(1 for e in d["entries"] if re.search(sys.argv[1], e["path"]) and (sn is None or e.get("sn") == sn)))' "$2" ${3:+"$3"}
}
history_values() { P history "$1" "$2" | $PY -c '
import json, sys
for w in json.load(sys.stdin)["writes"]: print(repr(w["value"]), w["by"], w["gap"])'; }
alias_value() { P get-alias "$1" "$2"; }

# A CIK of its own for each device (the platform finds the device by CIK).
devcik() { printf '%s' "$1" | sha1sum | cut -c1-40; }
# regdev SN: register SN as activated with its CIK
regdev() { P register acme gw1 "$1" cik="$(devcik "$1")" > /dev/null; }

# ---- one device = one directory ------------------------------------------------
# mkdev NAME SN [CIK] [extra config lines...]
mkdev() {
	d="$T/$1"; sn=$2; cik=${3:-}; shift 3 2>/dev/null || shift $#
	mkdir -p "$d/run"
	cat > "$d/gwe.conf" <<EOC
[device]
vendor = acme
model = gw1
uuid = $sn
cik = $cik
[engine]
host = https://127.0.0.1:$PORT
ca_file = $CA
update_interval = 600
act_retry_interval = 1
[security]
net_user = $NET_UID
verify_user = $VFY_UID
[limits]
max_tarball_bytes = 2000000
[paths]
state_dir = $d/state
run_dir = $d/run
EOC
	for line in "$@"; do
		$PY - "$d/gwe.conf" "$line" <<'EOPY'
import sys, re
path, line = sys.argv[1], sys.argv[2]
sec, kv = line.split(" ", 1)
key = kv.split("=")[0].strip()
text = open(path).read()
lines = [l for l in text.split("\n") if not re.match(r"^%s\s*=" % re.escape(key), l)]
out, cur = [], None
for l in lines:
    out.append(l)
    if l == "[%s]" % sec:
        out.append(kv)
open(path, "w").write("\n".join(out))
EOPY
	done
}
once() {	# once NAME [ENV=...]: one check-in, stderr kept
	n=$1; shift
	$NS_EXEC env "$@" timeout 60 "$NETD" -f "$T/$n/gwe.conf" --once >> "$T/$n/log" 2>&1
}
start() {	# start NAME: the daemon in the background
	$NS_EXEC "$NETD" -F -f "$T/$1/gwe.conf" >> "$T/$1/log" 2>&1 &
	eval "PID_$1=$!"
	TAP_PIDS="$TAP_PIDS $!"
}
stop() { eval "p=\$PID_$1"; kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; }
fake() {	# fake NAME [DELAY]: a fake verifier on NAME's run_dir
	"$FAKE" "$T/$1/run/verifyd.sock" "$NET_UID" ${2:-} > "$T/$1/fake.log" 2>&1 &
	TAP_PIDS="$TAP_PIDS $!"
	wait_for 10 test -S "$T/$1/run/verifyd.sock"
}
publish() {	# publish ID FILE
	P add-content acme gw1 "$1" "$2" > /dev/null
}
showlog() { diag "$(tail -25 "$T/$1/log")"; }


# ---- the real verifier and installer (end-to-end tests) ----------------------
# e2e_need: skip the whole file unless the daemons and minisign are there.
e2e_need() {
	for p in gwe-verifyd gwe-installd; do
		if [ ! -x "$GWE_BUILD/$p" ]; then
			skip "$1" "$p not built"; tap_end
		fi
	done
	if ! command -v minisign > /dev/null; then
		skip "$1" "needs minisign"; tap_end
	fi
}
# e2e_keys: a fresh key pair; public key in $T/keys, secret in $T/work.
e2e_keys() {
	mkdir -p "$T/work" "$T/keys"
	minisign -G -W -p "$T/keys/test.pub" -s "$T/work/test.key" > /dev/null
}
# e2e_app ID SCRIPT: a signed tarball whose install.sh is SCRIPT, published as ID.
e2e_app() {
	s=$T/work/src-$1
	mkdir -p "$s"
	printf '%s\n' "$2" > "$s/install.sh"
	chmod +x "$s/install.sh"
	tar -C "$s" -czf "$T/work/$1" install.sh
	minisign -S -s "$T/work/test.key" -m "$T/work/$1" > /dev/null
	publish "$1" "$T/work/$1"
	publish "$1.minisig" "$T/work/$1.minisig"
}
# e2e_daemons NAME: gwe-installd and gwe-verifyd on NAME's config.
e2e_daemons() {
	"$GWE_BUILD/gwe-installd" -F -f "$T/$1/gwe.conf" > "$T/$1/installd.log" 2>&1 &
	TAP_PIDS="$TAP_PIDS $!"
	wait_for 10 test -S "$T/$1/run/installd.sock" || return 1
	"$GWE_BUILD/gwe-verifyd" -F -f "$T/$1/gwe.conf" > "$T/$1/verifyd.log" 2>&1 &
	TAP_PIDS="$TAP_PIDS $!"
	wait_for 15 test -S "$T/$1/run/verifyd.sock"
}
