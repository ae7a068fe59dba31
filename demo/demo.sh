#!/bin/bash
# make demo: the whole engine on an embedded default, end to end.
#
# A temporary root with a config, a fresh minisign key pair, the test
# platform on 127.0.0.1; an example app signed and uploaded through the
# vendor API; an install order written to engine_fetch; the three daemons
# started (two unprivileged uids and root); then the account of what
# happened.  Then the same with a tampered tarball, to show the refusal.
# Everything it starts is stopped when it ends.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=${GWE_BUILD:-$TOP/build}
PY=/usr/bin/python3
NET_UID=${NET_UID:-61001}
VFY_UID=${VFY_UID:-61002}
VENDOR=demo-vendor
MODEL=demo-gw
SN=DEMO-0001
APP=hello_gateway

if [ "$(id -u)" != 0 ]; then
	echo "make demo: must run as root (the installer is root; the others drop to uids $NET_UID and $VFY_UID)" >&2
	exit 2
fi
T=$(mktemp -d /tmp/gwe-demo.XXXXXX)
chmod 755 "$T"
PIDS=""
cleanup() {
	local p i
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do
		for i in $(seq 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf /tmp/gwe-demo-apps
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT INT TERM
die() { echo "demo: $*" >&2; echo "demo: logs in $T/log (kept)" >&2; KEEP=1; exit 1; }
step() { printf '\n== %s\n' "$*"; }

mkdir -p "$T/keys" "$T/log" "$T/state" "$T/run" "$T/platform" "$T/src"

step "1. A fresh signing key (stock minisign)"
minisign -G -W -p "$T/keys/demo.pub" -s "$T/demo.key" > /dev/null || die "minisign -G failed"
echo "public key: $T/keys/demo.pub (trusted: every *.pub in keys_dir)"

step "2. The test platform on 127.0.0.1"
cat > "$T/platform.json" <<EOT
{"products": [{"vendor": "$VENDOR", "model": "$MODEL", "token": "demo-token", "devices": ["$SN"]}]}
EOT
$PY "$TOP/tests/platform/gwe_platform.py" --state-dir "$T/platform" --ready-file "$T/platform/ready.json" \
	--config "$T/platform.json" > "$T/log/platform.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 100); do [ -s "$T/platform/ready.json" ] && break; sleep 0.1; done
[ -s "$T/platform/ready.json" ] || die "the platform did not start"
URL=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$T/platform/ready.json")
CA=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["ca"])' "$T/platform/ready.json")
CTL="$PY $TOP/tests/platform/gwe_platform.py ctl --ready $T/platform/ready.json"
echo "platform: $URL (device $SN registered for $VENDOR/$MODEL)"

# build NAME: the example app as NAME.tar.gz, signed.
build() {
	local name=$1 d
	d=$(mktemp -d "$T/src/app.XXXXXX")
	cp "$TOP/demo/app/install.sh" "$TOP/demo/app/hello.sh" "$d/"
	tar -C "$d" -czf "$T/src/$name" install.sh hello.sh || die "tar failed"
	minisign -S -s "$T/demo.key" -m "$T/src/$name" > /dev/null || die "minisign -S failed"
}
# upload NAME: through the vendor-side content API, as a vendor would.
upload() {
	local name=$1 f
	for f in "$name" "$name.minisig"; do
		curl -sS --cacert "$CA" -o /dev/null -w '%{http_code}' -H 'X-Exosite-Token: demo-token' \
			--data-urlencode "id=$f" --data-urlencode "meta=demo" \
			"$URL/provision/manage/content/$MODEL/" | grep -qx 205 || die "create $f failed"
		curl -sS --cacert "$CA" -o /dev/null -w '%{http_code}' -H 'X-Exosite-Token: demo-token' \
			-H 'Content-Type: application/octet-stream' --data-binary "@$T/src/$f" \
			"$URL/provision/manage/content/$MODEL/$f" | grep -qx 205 || die "upload $f failed"
	done
}

step "3. The example app, signed and uploaded"
GOOD=$APP.v1.0.0.tar.gz
build "$GOOD"
upload "$GOOD"
echo "uploaded $GOOD ($(stat -c %s "$T/src/$GOOD") bytes) and $GOOD.minisig"
grep '^trusted comment' "$T/src/$GOOD.minisig"

step "4. The configuration"
cat > "$T/gwe.conf" <<EOT
[device]
vendor = $VENDOR
model = $MODEL
uuid = $SN
[engine]
host = $URL
ca_file = $CA
update_interval = 2
act_retry_interval = 1
long_poll = true
[security]
keys_dir = $T/keys
net_user = $NET_UID
verify_user = $VFY_UID
[paths]
state_dir = $T/state
run_dir = $T/run
EOT
sed 's/^/    /' "$T/gwe.conf"

step "5. The three daemons"
"$B/gwe-installd" -F -f "$T/gwe.conf" > "$T/log/gwe-installd.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 50); do [ -S "$T/run/installd.sock" ] && break; sleep 0.1; done
"$B/gwe-verifyd" -F -f "$T/gwe.conf" > "$T/log/gwe-verifyd.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 50); do [ -S "$T/run/verifyd.sock" ] && break; sleep 0.1; done
"$B/gwe-netd" -F -f "$T/gwe.conf" > "$T/log/gwe-netd.log" 2>&1 &
PIDS="$PIDS $!"
sleep 1
ps -o user:10,pid,cmd -C gwe-installd,gwe-verifyd,gwe-netd | grep -F "$T" | sed 's/^/    /'

# order NAME SECONDS: write the order, wait for the next fetch_status write.
order() {
	local name=$1 n
	n=$($CTL history "$SN" fetch_status 2>/dev/null |
		$PY -c 'import json,sys; print(len(json.load(sys.stdin)["writes"]))') || n=0
	$CTL set-alias "$SN" engine_fetch "{\"install\": [{\"name\": \"$name\"}]}" > /dev/null
	echo "engine_fetch = {\"install\": [{\"name\": \"$name\"}]}"
	$CTL wait-writes "$SN" fetch_status $((n + 1)) timeout=60 > /dev/null ||
		die "no fetch_status within 60 s"
}

step "6. The install order"
order "$GOOD"

step "7. What happened"
echo "-- gwe-netd (uid $NET_UID) talked to the platform:"
grep -E 'activated|download done|handed to verifier|result|fetch_status written' "$T/log/gwe-netd.log" | sed 's/^/    /' | head -12
echo "-- gwe-verifyd (uid $VFY_UID, no network, empty root) checked it:"
grep -E 'sandbox on|verify (accepted|refused)' "$T/log/gwe-verifyd.log" | sed 's/^/    /' | head -6
echo "-- gwe-installd (root) re-checked the signature, extracted, ran install.sh:"
grep -E 'install (done|refused)' "$T/log/gwe-installd.log" | sed 's/^/    /' | head -6
echo "-- fetch_status on the platform now says:"
printf '%s\n' "$($CTL get-alias "$SN" fetch_status)" | sed 's/^/    /'

step "8. A tampered tarball is refused"
BAD=$APP.v1.0.1.tar.gz
build "$BAD"
# Flip one byte in the middle, after signing: what an attacker on the path would do.
size=$(stat -c %s "$T/src/$BAD")
printf '\xff' | dd of="$T/src/$BAD" bs=1 seek=$((size / 2)) conv=notrunc status=none
upload "$BAD"
order "$BAD"
echo "-- fetch_status:"
printf '%s\n' "$($CTL get-alias "$SN" fetch_status)" | sed 's/^/    /'
echo "-- gwe-verifyd:"
grep -E 'refused' "$T/log/gwe-verifyd.log" | sed 's/^/    /' | tail -2
echo "-- gwe-installd was never asked: nothing was extracted, nothing ran"
[ -e /tmp/gwe-demo-apps/$APP/hello.sh ] && echo "-- the good app is still the installed one: $(/tmp/gwe-demo-apps/$APP/hello.sh)"

step "9. Logs"
for f in gwe-netd gwe-verifyd gwe-installd platform; do echo "    $T/log/$f.log"; done
echo "(removed when the demo ends; KEEP=1 make demo keeps them)"
echo
echo "demo: done"
exit 0
