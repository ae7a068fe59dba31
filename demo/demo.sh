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
GWE_TOP=$TOP
GWE_BUILD=${GWE_BUILD:-$TOP/build}
VENDOR=demo-vendor
MODEL=demo-gw
SN=DEMO-0001
APP=hello_gateway
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/engine.sh"

if [ "$(id -u)" != 0 ]; then
	echo "make demo: must run as root (the installer is root; the others drop to uids $NET_UID and $VFY_UID)" >&2
	exit 2
fi
tap_tmp demo
demo_cleanup() { tap_cleanup; rm -rf /tmp/gwe-demo-apps; }
trap demo_cleanup EXIT
die() { echo "demo: $*" >&2; echo "demo: logs in $T/log (kept)" >&2; KEEP=1; exit 1; }
step() { printf '\n== %s\n' "$*"; }

mkdir -p "$T/log" "$T/src"

step "1. A fresh signing key (stock minisign)"
keys_new demo || die "minisign -G failed"
echo "public key: $PUB (trusted: every *.pub in keys_dir)"

step "2. The test platform on 127.0.0.1"
plat_config "$VENDOR" "$MODEL" demo-token "$SN"
PLAT_OUT=$T/log/platform.log plat_up --config "$T/platform.json" || die "the platform did not start"
echo "platform: $URL (device $SN registered for $VENDOR/$MODEL)"

# build NAME: the example app as NAME.tar.gz, signed.
build() {
	local d
	d=$(mktemp -d "$T/src/app.XXXXXX")
	cp "$TOP/demo/app/install.sh" "$TOP/demo/app/hello.sh" "$d/"
	app_build "$T/src/$1" "$d" install.sh hello.sh || die "building $1 failed (tar, minisign -S)"
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
engine_conf "$T/gwe.conf" "$T" "$SN"
sed 's/^/    /' "$T/gwe.conf"

step "5. The three daemons"
gwe_daemons "$T/gwe.conf" "$T/log/gwe-" || die "gwe-$GWE_FAILED did not start"
sleep 1
ps -o user:10,pid,cmd -C gwe-installd,gwe-verifyd,gwe-netd | grep -F "$T" | sed 's/^/    /'

# demo_order NAME: write the order, wait for the next fetch_status write.
demo_order() {
	echo "engine_fetch = {\"install\": [{\"name\": \"$1\"}]}"
	order_wait "$SN" 60 "$1" || die "no fetch_status within 60 s"
}

step "6. The install order"
demo_order "$GOOD"

step "7. What happened"
echo "-- gwe-netd (uid $NET_UID) talked to the platform:"
grep -E 'activated|download done|handed to verifier|result|fetch_status written' "$T/log/gwe-netd.log" | sed 's/^/    /' | head -12
echo "-- gwe-verifyd (uid $VFY_UID, no network, empty root) checked it:"
grep -E 'sandbox on|verify (accepted|refused)' "$T/log/gwe-verifyd.log" | sed 's/^/    /' | head -6
echo "-- gwe-installd (root) re-checked the signature, extracted, ran install.sh:"
grep -E 'install (done|refused)' "$T/log/gwe-installd.log" | sed 's/^/    /' | head -6
echo "-- fetch_status on the platform now says:"
printf '%s\n' "$(alias_value "$SN" fetch_status)" | sed 's/^/    /'

step "8. A tampered tarball is refused"
BAD=$APP.v1.0.1.tar.gz
build "$BAD"
# Flip one byte in the middle, after signing: what an attacker on the path would do.
size=$(stat -c %s "$T/src/$BAD")
printf '\xff' | dd of="$T/src/$BAD" bs=1 seek=$((size / 2)) conv=notrunc status=none
upload "$BAD"
demo_order "$BAD"
echo "-- fetch_status:"
printf '%s\n' "$(alias_value "$SN" fetch_status)" | sed 's/^/    /'
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
