#!/bin/bash
# Conformance test of the test platform (tests/platform/gwe_platform.py) against docs/design.md section 4,
# driven with the curl CLI.  Every row of the section 4 table, the vendor-side upload, the request
# log, keep-alive, and each misbehaviour as curl sees it.  Prints TAP; talks only to 127.0.0.1;
# every curl is bounded by --max-time; the servers are stopped by the EXIT trap.
set -u
TOP=${GWE_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
PY=/usr/bin/python3
PLAT="$TOP/tests/platform/gwe_platform.py"
T=$(mktemp -d /tmp/gwe-platform-conf.XXXXXX)
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

n=0; failed=0
ok() {		# ok DESCRIPTION CONDITION-WORDS...  (the condition is run with "$@")
	local what=$1; shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $what"
	else
		echo "not ok $n - $what"; failed=$((failed + 1))
		[ -n "${DIAG:-}" ] && echo "$DIAG" | sed 's/^/#   /'
	fi
	DIAG=""
}
eq() { DIAG="got [$1] want [$2]"; [ "$1" = "$2" ]; }
match() { DIAG="[$1] does not match /$2/"; printf '%s' "$1" | grep -Eq -- "$2"; }
between() { DIAG="$1 not in [$2, $3]"; awk -v x="$1" -v a="$2" -v b="$3" 'BEGIN{exit !(x >= a && x <= b)}'; }

# ---- start the platform -----------------------------------------------------------------------
start_platform() {	# start_platform NAME [options]: sets READY to NAME's ready file
	local name=$1; shift
	READY="$T/$name.ready"
	"$PY" "$PLAT" --state-dir "$T/$name" --ready-file "$READY" "$@" 2>"$T/$name.stderr" &
	PIDS="$PIDS $!"
	for _ in $(seq 150); do [ -s "$READY" ] && return 0; sleep 0.1; done
	echo "# platform $name did not start:"; sed 's/^/#   /' "$T/$name.stderr"
	return 1
}
field() { "$PY" -c 'import json,sys; v=json.load(open(sys.argv[1]))[sys.argv[2]]; print("" if v is None else v)' "$1" "$2"; }

if ! start_platform p --hostname gwe-platform.test; then
	echo "1..1"; echo "not ok 1 - platform starts"; exit 1
fi
PORT=$(field "$READY" port); CA=$(field "$READY" ca); ADMIN=$(field "$READY" admin_url)
U="https://127.0.0.1:$PORT"
LOG="$T/p/requests.log"
ctl() { "$PY" "$PLAT" ctl --admin "$ADMIN" "$@"; }
jget() { "$PY" -c 'import json,sys; d=json.load(sys.stdin)
for k in sys.argv[1:]: d=d[int(k)] if isinstance(d, list) else d[k]
print(d if not isinstance(d,(dict,list)) else json.dumps(d))' "$@"; }

ok "ready file names port, CA file and admin port" \
	test -n "$PORT" -a -f "$CA" -a -n "$(field "$READY" admin_port)"

# req NAME CURL-ARGS...: body in $T/NAME.body, headers in $T/NAME.hdr; sets CODE and RC.
req() {
	local name=$1; shift
	CODE=$(curl -sS --cacert "$CA" --max-time "${MAXT:-10}" -o "$T/$name.body" -D "$T/$name.hdr" \
		-w '%{http_code}' "$@" 2>"$T/$name.err")
	RC=$?
}
hdr() { grep -i "^$2:" "$T/$1.hdr" | tail -1 | cut -d' ' -f2- | tr -d '\r'; }
body() { cat "$T/$1.body"; }
ms() { date +%s%3N; }

# ---- set-up through the admin interface ---------------------------------------------------------
K=0123456789abcdef0123456789abcdef01234567		# device with a preset CIK
KX=fedcba9876543210fedcba9876543210fedcba98	# device of another model
TOKEN=vendor-token-1
ctl add-product acme gw1 token=$TOKEN >/dev/null
VCIK=$(ctl state | jget vendors acme vendor_cik)
ctl register acme gw1 SN-A >/dev/null
ctl register acme gw1 SN-B cik=$K >/dev/null
ctl register acme gw1 SN-C enabled=false >/dev/null
ctl register acme gw2 SN-X cik=$KX >/dev/null
CIKH="X-Exosite-CIK: $K"
FORM="Accept: application/x-www-form-urlencoded; charset=utf-8"
A="$U/onep:v1/stack/alias"

# ---- time ---------------------------------------------------------------------------------------
req ts "$U/timestamp"
ok "GET /timestamp: 200 text/plain" eq "$CODE $(hdr ts Content-Type)" "200 text/plain; charset=utf-8"
ok "GET /timestamp: Unix seconds, now" between "$(body ts)" $(( $(date +%s) - 5 )) $(( $(date +%s) + 5 ))

# ---- activation ---------------------------------------------------------------------------------
req act1 -d 'vendor=acme&model=gw1&sn=SN-A' "$U/provision/activate"
ok "activate: 200 text/plain" eq "$CODE $(hdr act1 Content-Type)" "200 text/plain; charset=utf-8"
ok "activate: body is a 40-hex CIK" match "$(body act1)" '^[0-9a-f]{40}$'
CIKA=$(body act1)
req act2 -d 'vendor=acme&model=gw1&sn=SN-A' "$U/provision/activate"
ok "activate a second time: 409" eq "$CODE" 409
req act3 -d 'vendor=acme&model=gw1&sn=NOPE' "$U/provision/activate"
ok "activate unknown serial: 404" eq "$CODE" 404
req act4 -d 'vendor=other&model=gw1&sn=SN-A' "$U/provision/activate"
ok "activate unknown vendor: 404" eq "$CODE" 404
req act5 -d 'vendor=acme&model=gw9&sn=SN-A' "$U/provision/activate"
ok "activate unknown model: 404" eq "$CODE" 404
req act6 -d 'vendor=acme&model=gw1&sn=SN-C' "$U/provision/activate"
ok "activate a serial that is not enabled: 409" eq "$CODE" 409
ctl enable SN-A >/dev/null
req act7 -d 'vendor=acme&model=gw1&sn=SN-A' "$U/provision/activate"
ok "re-enabled serial activates again with a new CIK" eq "$CODE $([ "$(body act7)" != "$CIKA" ] && echo new)" "200 new"
CIKA=$(body act7)
req act8 -H "X-Exosite-CIK: $CIKA" -H "$FORM" "$A?engine_fetch"
ok "the CIK from activation authenticates (204, nothing written yet)" eq "$CODE" 204

# ---- read -----------------------------------------------------------------------------------------
req r0 -H "$CIKH" -H "$FORM" "$A?engine_fetch&update_interval"
ok "read with no data: 204, no body" eq "$CODE $(wc -c < "$T/r0.body")" "204 0"
req r1 -H "X-Exosite-CIK: 0000000000000000000000000000000000000000" -H "$FORM" "$A?engine_fetch"
ok "read with a bad CIK: 401" eq "$CODE" 401
req r2 -H "$FORM" "$A?engine_fetch"
ok "read without a CIK: 401" eq "$CODE" 401
ctl set-alias SN-B engine_fetch '{"install": [{"name": "app.v1.0.tar.gz"}]}' >/dev/null
ctl set-alias SN-B update_interval 30 >/dev/null
req r3 -H "$CIKH" -H "$FORM" "$A?engine_fetch&update_interval&never_written"
ok "read: 200 form-urlencoded" eq "$CODE $(hdr r3 Content-Type)" "200 application/x-www-form-urlencoded; charset=utf-8"
ok "read: body percent-encoded, alias without data absent" eq "$(body r3)" \
	'engine_fetch=%7B%22install%22%3A+%5B%7B%22name%22%3A+%22app.v1.0.tar.gz%22%7D%5D%7D&update_interval=30'
ok "read: Content-Length matches the body" eq "$(hdr r3 Content-Length)" "$(wc -c < "$T/r3.body" | tr -d ' ')"

# ---- write --------------------------------------------------------------------------------------
req w1 -H "$CIKH" --data-binary 'fetch_status=a+b%26c%3D%C3%A9&engine_report=' "$A"
ok "write: 204" eq "$CODE" 204
H=$(ctl history SN-B fetch_status)
ok "write: value decoded (+, %26, %3D, UTF-8) and recorded as by the device" \
	eq "$(echo "$H" | jget writes 0 value) $(echo "$H" | jget writes 0 by)" "a b&c=é device"
ok "write: empty value stored as empty" eq "$(ctl get-alias SN-B engine_report | wc -c | tr -d ' ')" 0
req w2 -H "$CIKH" -H "$FORM" "$A?fetch_status"
ok "read back what was written, re-encoded" eq "$(body w2)" 'fetch_status=a+b%26c%3D%C3%A9'
req w3 -H "X-Exosite-CIK: 0000000000000000000000000000000000000000" -d 'fetch_status=x' "$A"
ok "write with a bad CIK: 401, not stored" eq "$CODE $(ctl get-alias SN-B fetch_status)" "401 a b&c=é"
req w4 -H "$CIKH" -d 'fetch_status=second' "$A"
req w5 -H "$CIKH" -d 'fetch_status=third' "$A"
ok "history keeps every write (fetch_status got three)" eq "$(ctl history SN-B fetch_status | jget writes 2 value)" third
ok "wait-writes sees the three writes" eq "$(ctl wait-writes SN-B fetch_status 3 timeout=2 >/dev/null && echo yes)" yes

# ---- write then read ----------------------------------------------------------------------------
req wr1 -H "$CIKH" -H "$FORM" -d 'usage_report=%7B%7D' "$A?engine_fetch&update_interval"
ok "write-then-read: 200 with the read body" match "$(body wr1)" '^engine_fetch=%7B.*&update_interval=30$'
ok "write-then-read: the write happened" eq "$(ctl get-alias SN-B usage_report)" '{}'
req wr2 -H "$CIKH" -H "$FORM" -d 'engine_fetch=&update_interval=' "$A?engine_fetch&update_interval"
ok "write-then-read writes first (cleared aliases read back empty)" eq "$CODE $(body wr2)" "200 engine_fetch=&update_interval="
req wr3 -H "$CIKH" -H "$FORM" -d 'usage_report=1' "$A?not_written_yet"
ok "write-then-read with no data to read: 204" eq "$CODE $(ctl get-alias SN-B usage_report)" "204 1"

# ---- long-poll ----------------------------------------------------------------------------------
t0=$(ms)
req lp1 -H "$CIKH" -H "$FORM" -H "Request-Timeout: 500" "$A?lp_alias"
t1=$(ms)
ok "long-poll times out: 304" eq "$CODE" 304
ok "long-poll time-out after about Request-Timeout (500 ms)" between $((t1 - t0)) 450 3000
t0=$(ms)
req lp2 -H "$CIKH" -H "$FORM" -H "Request-Timeout: 10000" "$A?lp_alias" &
LPJ=$!
sleep 0.5
ctl set-alias SN-B lp_alias 'new value' >/dev/null
wait $LPJ
CODE=$(grep -m1 '^HTTP' "$T/lp2.hdr" | cut -d' ' -f2)
t1=$(ms)
ok "long-poll answers 200 when the alias is written" eq "$CODE $(body lp2)" "200 lp_alias=new+value"
ok "long-poll answer is prompt (< 3 s)" between $((t1 - t0)) 400 3000
LM=$(hdr lp2 Last-Modified)
ok "long-poll answer has Last-Modified" match "$LM" '^[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} GMT$'
t0=$(ms)
req lp3 -H "$CIKH" -H "$FORM" -H "Request-Timeout: 5000" -H "If-Modified-Since: Thu, 01 Jan 2015 00:00:00 GMT" "$A?lp_alias"
t1=$(ms)
ok "long-poll with an older If-Modified-Since: 200 at once" eq "$CODE $(body lp3) $([ $((t1 - t0)) -lt 1500 ] && echo fast)" "200 lp_alias=new+value fast"
req lp4 -H "$CIKH" -H "$FORM" -H "Request-Timeout: 500" -H "If-Modified-Since: $LM" "$A?lp_alias"
ok "long-poll with If-Modified-Since = Last-Modified: waits, 304" eq "$CODE" 304
req lp5 -H "$CIKH" -H "$FORM" -H "Request-Timeout: 300001" "$A?lp_alias"
ok "long-poll Request-Timeout above 300000: 400" eq "$CODE" 400
req lp6 -H "Request-Timeout: 500" "$A?lp_alias"
ok "long-poll with no CIK: 401" eq "$CODE" 401

# ---- vendor-side upload -------------------------------------------------------------------------
MC="$U/provision/manage/content/gw1"
ID=app.v1.0.tar.gz
head -c 100000 /dev/urandom > "$T/blob"
req m1 -H "X-Exosite-Token: $TOKEN" -d "id=$ID&meta=first+release" "$MC/"
ok "vendor create content: 205, no body" eq "$CODE $(wc -c < "$T/m1.body" | tr -d ' ')" "205 0"
req m2 -H "X-Exosite-Token: $TOKEN" -d "id=$ID&meta=again" "$MC/"
ok "vendor create existing content: 409" eq "$CODE" 409
req m3 -H "X-Exosite-Token: wrong" -d "id=other&meta=" "$MC/"
ok "vendor create with a bad token: 401" eq "$CODE" 401
req m4 -H "X-Exosite-CIK: $VCIK" -d "id=app.v1.0.tar.gz.minisig&meta=" "$MC/"
ok "vendor create with the vendor CIK: 205" eq "$CODE" 205
req m5 -H "X-Exosite-Token: $TOKEN" -H "Content-Type: application/x-gzip" --data-binary @"$T/blob" "$MC/$ID"
ok "vendor upload: 205" eq "$CODE" 205
req m6 -H "X-Exosite-Token: $TOKEN" --data-binary 'x' "$MC/never-created"
ok "vendor upload to an entry never created: 404" eq "$CODE" 404
echo 'untrusted comment: test' > "$T/sig"
req m7 -H "X-Exosite-CIK: $VCIK" --data-binary @"$T/sig" "$MC/$ID.minisig"
ok "vendor upload with the vendor CIK: 205" eq "$CODE" 205

# ---- content area -------------------------------------------------------------------------------
D="$U/provision/download?vendor=acme&model=gw1"
req c1 -H "$CIKH" "$D"
ok "content list: 200 text/csv" eq "$CODE $(hdr c1 Content-Type)" "200 text/csv"
ok "content list: one id a line" eq "$(body c1 | tr '\n' ' ')" "$ID $ID.minisig "
req c2 -H "$CIKH" "$D&id=$ID&info=true"
ok "content info: content-type,size,updated-timestamp,meta" match "$(body c2)" "^application/x-gzip,100000,[0-9]{10},first release$"
req c3 -H "$CIKH" "$D&id=$ID"
ok "download: 200 with the uploaded bytes" eq "$CODE $(cmp -s "$T/blob" "$T/c3.body" && echo same)" "200 same"
ok "download: Content-Length 100000" eq "$(hdr c3 Content-Length)" 100000
req c4 -H "$CIKH" -H "Range: bytes=40000-" "$D&id=$ID"
ok "download with Range bytes=40000-: 206" eq "$CODE" 206
ok "download with Range: Content-Range bytes 40000-99999/100000" eq "$(hdr c4 Content-Range)" "bytes 40000-99999/100000"
tail -c +40001 "$T/blob" > "$T/tail"
ok "download with Range: the right bytes" cmp -s "$T/tail" "$T/c4.body"
req c5 -H "$CIKH" -H "Range: bytes=100000-" "$D&id=$ID"
ok "download with Range past the end: 416" eq "$CODE" 416
req c6 -H "$CIKH" "$D&id=no.v9.tar.gz"
ok "download unknown id: 404" eq "$CODE" 404
req c6b -H "$CIKH" "$D&id=no.v9.tar.gz&info=true"
ok "content info unknown id: 404" eq "$CODE" 404
req c7 -H "X-Exosite-CIK: 0000000000000000000000000000000000000000" "$D&id=$ID"
ok "download with a bad CIK: 403" eq "$CODE" 403
req c8 "$D&id=$ID"
ok "download without a CIK: 403" eq "$CODE" 403
req c9 -H "X-Exosite-CIK: $KX" "$D&id=$ID"
ok "download by a device of another product: 403" eq "$CODE" 403
req c10 -H "$CIKH" "$U/provision/download?vendor=acme&model=nomodel&id=$ID"
ok "download from an unknown product: 403 or 404" match "$CODE" '^(403|404)$'
printf 'published by admin' > "$T/adm"
ctl add-content acme gw1 other.v2.tar.gz "$T/adm" meta=m >/dev/null
req c11 -H "$CIKH" "$D&id=other.v2.tar.gz"
ok "content published with admin add-content downloads" eq "$CODE $(body c11)" "200 published by admin"

# ---- request log and keep-alive -------------------------------------------------------------------
before=$(wc -l < "$LOG")
W=$(curl -sS --cacert "$CA" --max-time 10 -o /dev/null -o /dev/null -H "$CIKH" -H "$FORM" \
	-w '%{size_header} %{size_download} %{size_request} %{size_upload}\n' \
	"$A?engine_fetch&update_interval" "$U/timestamp" 2>/dev/null)
after=$(wc -l < "$LOG")
ok "request log: one line per request" eq $((after - before)) 2
L1=$(tail -2 "$LOG" | head -1); L2=$(tail -1 "$LOG")
ok "request log: two URLs in one curl share a connection id (keep-alive)" \
	eq "$(echo "$L1" | jget conn)" "$(echo "$L2" | jget conn)"
set -- $(echo "$W" | head -1)
ok "request log: tx = status line + headers + body as curl counted" eq "$(echo "$L1" | jget tx)" $(( $1 + $2 ))
ok "request log: rx = request line + headers + body as curl counted" eq "$(echo "$L1" | jget rx)" $(( $3 + $4 ))
set -- $(echo "$W" | tail -1)
ok "request log: byte counts right on the reused connection too" eq "$(echo "$L2" | jget tx) $(echo "$L2" | jget rx)" "$(( $1 + $2 )) $(( $3 + $4 ))"
ok "request log: device serial and status recorded" eq "$(echo "$L1" | jget sn) $(echo "$L1" | jget status)" "SN-B 200"
ok "request log: Range header recorded" \
	eq "$(grep -c '"range": "bytes=40000-"' "$LOG")" 1
ok "request log is also served by admin log" eq "$(ctl log | wc -l)" "$(wc -l < "$LOG")"
W=$(curl -sS --cacert "$CA" --max-time 10 -o /dev/null -H "$CIKH" --data-binary 'usage_report=%7B%22n%22%3A1%7D' \
	-w '%{size_request} %{size_upload}' "$A" 2>/dev/null)
# (curl's size_request already includes a small POST body, which it sends with the headers)
ok "request log: rx counts the body of a write" eq "$(tail -1 "$LOG" | jget rx) ${W#* }" "${W% *} 30"
ok "request log: long-poll request headers recorded (Request-Timeout)" \
	eq "$(grep '"path": "/onep:v1/stack/alias?lp_alias"' "$LOG" | head -1 | jget headers Request-Timeout)" 500
ok "request log: CIK cut short in the logged headers" eq "$(grep -c "$K" "$LOG")" 0
req ka -H "$CIKH" "$D&id=$ID" "$D&id=$ID.minisig"
L=$(grep -c '"conn": '"$(tail -1 "$LOG" | jget conn)"',' "$LOG")
ok "two downloads in one curl: one connection" eq "$L" 2

# ---- misbehaviours ------------------------------------------------------------------------------
mb() { ctl misbehave "$@" >/dev/null; }
mb slow path=^/timestamp delay=1.5
t0=$(ms); req s1 "$U/timestamp"; t1=$(ms)
ok "slow delay=1.5: answer after 1.4..6 s" between $((t1 - t0)) 1400 6000
mb slow path=/provision/download rate=50000
t0=$(ms); req s2 -H "$CIKH" "$D&id=$ID"; t1=$(ms)
ok "slow rate=50000 B/s: 100000 bytes take 1.5..8 s, intact" eq "$(between $((t1 - t0)) 1500 8000 && cmp -s "$T/blob" "$T/s2.body" && echo yes)" yes
mb endless path=/provision/download
t0=$(ms); MAXT=2 req e1 -H "$CIKH" "$D&id=$ID"; t1=$(ms)
ok "endless chunked body: cut by curl --max-time (error 28)" eq "$RC $(hdr e1 Transfer-Encoding)" "28 chunked"
ok "endless chunked body: data kept flowing" between "$(wc -c < "$T/e1.body")" 100000 1000000000
mb endless path=/provision/download max_secs=1
t0=$(ms); MAXT=8 req e2 -H "$CIKH" "$D&id=$ID"; t1=$(ms)
ok "endless chunked body: the server bounds it itself (max_secs=1, curl error 18)" eq "$RC $( [ $((t1 - t0)) -lt 5000 ] && echo bounded)" "18 bounded"
mb close_after path=/provision/download after=1000
req x1 -H "$CIKH" "$D&id=$ID"
ok "close mid-body after 1000 bytes: curl error 18, 1000 bytes" eq "$RC $(wc -c < "$T/x1.body" | tr -d ' ')" "18 1000"
mb wrong_length path=/provision/download extra=5000
req x2 -H "$CIKH" "$D&id=$ID"
ok "wrong Content-Length (claims 5000 more): curl error 18" eq "$RC $(hdr x2 Content-Length)" "18 105000"
mb stall path=/provision/download after=100 secs=10
t0=$(ms); req x3 -H "$CIKH" -y 1 -Y 1000 "$D&id=$ID"; t1=$(ms)
ok "stall: curl's low-speed limit aborts (error 28) in < 5 s" eq "$RC $( [ $((t1 - t0)) -lt 5000 ] && echo fast)" "28 fast"
mb status path=/onep:v1/stack/alias code=503 retry_after=7
req x4 -H "$CIKH" -H "$FORM" "$A?engine_fetch"
ok "status 503 with Retry-After" eq "$CODE $(hdr x4 Retry-After)" "503 7"
mb status path=/onep:v1/stack/alias method=POST code=401
req x5 -H "$CIKH" -H "$FORM" "$A?engine_fetch"
ok "misbehaviour scoped by method: a GET is not affected" eq "$CODE" 200
req x6 -H "$CIKH" -d 'fetch_status=lost' "$A"
ok "status 401 on a write, and the write is not stored" eq "$CODE $(ctl get-alias SN-B fetch_status)" "401 third"
mb status path=/provision/download code=500 count=2
req x7 "$U/timestamp"; c1=$CODE
req x8 -H "$CIKH" "$D&id=$ID"; c2=$CODE
req x9 -H "$CIKH" "$D&id=$ID"; c3=$CODE
req x10 -H "$CIKH" "$D&id=$ID"; c4=$CODE
ok "misbehaviour scoped by path and count: 200 500 500 200" eq "$c1 $c2 $c3 $c4" "200 500 500 200"
mb redirect path=/provision/download location=file:///etc/passwd
req x11 -H "$CIKH" "$D&id=$ID"
ok "redirect: 302 with Location file:///etc/passwd" eq "$CODE $(hdr x11 Location)" "302 file:///etc/passwd"
mb redirect path=/provision/download location=http://127.0.0.1:9/x code=301
req x12 -H "$CIKH" "$D&id=$ID"
ok "redirect: 301 to plain http" eq "$CODE $(hdr x12 Location)" "301 http://127.0.0.1:9/x"
mb big_alias path=/onep:v1/stack/alias size=1048576
req x13 -H "$CIKH" -H "$FORM" "$A?engine_fetch"
ok "enormous alias value: engine_fetch of 1 MiB" eq "$CODE $(wc -c < "$T/x13.body" | tr -d ' ')" "200 1048589"
mb huge_headers path=^/timestamp
req x14 "$U/timestamp"
ok "huge response headers (1 MiB): curl refuses them (error 56, header size)" \
	eq "$RC $(grep -c 'Too large response headers' "$T/x14.err")" "56 1"
mb huge_headers path=^/timestamp line=1048576
req x15 "$U/timestamp"
ok "one 1 MiB header line: curl error" eq "$([ "$RC" != 0 ] && echo failed)" failed
mb drop path=/onep:v1/stack/alias method=POST
req x16 -H "$CIKH" -d 'fetch_status=answer+lost' "$A"
ok "drop: write stored, no answer (curl error 52)" eq "$RC $(ctl get-alias SN-B fetch_status)" "52 answer lost"
# no_hold: a long-poll answered at once (a plain read of the same path is left alone)
mb no_hold path=alias count=1
req nh0 -H "$CIKH" -H "$FORM" "$A?lp_alias"
ok "no_hold: a plain read is not a long-poll, answered as ever" eq "$CODE $(body nh0)" "200 lp_alias=new+value"
t0=$(ms); req nh1 -H "$CIKH" -H "$FORM" -H "Request-Timeout: 5000" "$A?lp_alias"; t1=$(ms)
ok "no_hold: a long-poll of 5 s answered 304 at once (< 1.5 s)" eq "$CODE $( [ $((t1 - t0)) -lt 1500 ] && echo fast)" "304 fast"
mb no_hold path=alias answer=empty
req nh2 -H "$CIKH" -H "$FORM" -H "Request-Timeout: 5000" "$A?lp_alias"
ok "no_hold answer=empty: 200 alias= without Last-Modified" eq "$CODE $(body nh2) [$(hdr nh2 Last-Modified)]" "200 lp_alias= []"
mb no_hold path=alias answer=value value=x
req nh3 -H "$CIKH" -H "$FORM" -H "Request-Timeout: 5000" "$A?lp_alias"
ok "no_hold answer=value: 200 alias=V, the alias itself unchanged" eq "$CODE $(body nh3) $(ctl get-alias SN-B lp_alias)" "200 lp_alias=x new value"
ctl clear >/dev/null
# no_range, bad_range: a download whose Range is ignored, or answered with other bytes
mb no_range path=/provision/download
req nr1 -H "$CIKH" -H "Range: bytes=1000-" "$D&id=$ID"
ok "no_range: Range ignored, 200 with the whole blob" eq "$CODE $(wc -c < "$T/nr1.body" | tr -d ' ') [$(hdr nr1 Content-Range)]" "200 100000 []"
mb bad_range path=/provision/download shift=7
req br1 -H "$CIKH" -H "Range: bytes=1000-" "$D&id=$ID"
ok "bad_range shift=7: 206 of bytes 1000-, Content-Range says 1007-" eq "$CODE $(hdr br1 Content-Range) $(wc -c < "$T/br1.body" | tr -d ' ')" "206 bytes 1007-100006/100000 99000"
mb bad_range path=/provision/download after=10 secs=10
t0=$(ms); req br2 -H "$CIKH" -H "Range: bytes=1000-" -y 1 -Y 1000 "$D&id=$ID"; t1=$(ms)
ok "bad_range secs=10: 10 bytes, then a hang (curl's low-speed abort, error 28)" eq "$RC $(wc -c < "$T/br2.body" | tr -d ' ')" "28 10"
ctl down count=2 >/dev/null
req d1 "$U/timestamp"; r1=$RC
req d2 "$U/timestamp"; r2=$RC
req d3 "$U/timestamp"; r3=$RC
ok "down count=2: two connections refused, then up again" eq "$([ "$r1" != 0 ] && [ "$r2" != 0 ] && echo down) $r3" "down 0"
ctl down secs=1 >/dev/null
req d4 "$U/timestamp"; r4=$RC
sleep 1.2
req d5 "$U/timestamp"; r5=$RC
ok "down secs=1: refused, then up after a second" eq "$([ "$r4" != 0 ] && echo down) $r5" "down 0"
ok "no misbehaviour left over" eq "$(ctl misbehaviours)" "[]"
ok "refused connections counted" eq "$(ctl state | jget refused_connections)" 3

# ---- other routes ---------------------------------------------------------------------------------
req o1 "$U/no/such/path"
ok "unknown path: 404" eq "$CODE" 404
req o2 -X DELETE "$U/timestamp"
ok "wrong method: 405" eq "$CODE" 405

# ---- a second instance: --config, --hostname, --http, admin shutdown -------------------------------
cat > "$T/conf.json" <<EOF
{"products": [{"vendor": "v2", "model": "m2", "token": "t2",
  "devices": ["SN-1", {"sn": "SN-2", "cik": "$K", "aliases": {"update_interval": "60"}}],
  "content": [{"id": "c.v1.tar.gz", "file": "adm", "meta": "x"}]}]}
EOF
if start_platform q --config "$T/conf.json" --hostname gwe-platform.test; then
	P2=$(field "$READY" port); CA2=$(field "$READY" ca); PID2=$(field "$READY" pid)
	req q1 --cacert "$CA2" -d 'vendor=v2&model=m2&sn=SN-1' "https://127.0.0.1:$P2/provision/activate"
	ok "--config pre-registers serials" eq "$CODE" 200
	req q2 --cacert "$CA2" -H "$CIKH" "https://127.0.0.1:$P2/onep:v1/stack/alias?update_interval"
	ok "--config presets CIKs and alias values" eq "$(body q2)" "update_interval=60"
	req q3 --cacert "$CA2" -H "$CIKH" "https://127.0.0.1:$P2/provision/download?vendor=v2&model=m2&id=c.v1.tar.gz"
	ok "--config publishes content" eq "$(body q3)" "published by admin"
	req q4 --cacert "$CA2" --resolve "gwe-platform.test:$P2:127.0.0.1" "https://gwe-platform.test:$P2/timestamp"
	ok "--hostname: the certificate is valid for the extra name" eq "$RC $CODE" "0 200"
	req q5 --cacert "$CA2" --resolve "other.test:$P2:127.0.0.1" "https://other.test:$P2/timestamp"
	ok "a name not in the certificate is refused by curl (error 60)" eq "$RC" 60
	"$PY" "$PLAT" ctl --ready "$READY" shutdown >/dev/null
	for _ in $(seq 50); do kill -0 "$PID2" 2>/dev/null || break; sleep 0.1; done
	ok "admin shutdown stops the server" eq "$(kill -0 "$PID2" 2>/dev/null && echo running || echo stopped)" stopped
else
	ok "second instance with --config starts" false
fi
if start_platform h --http; then
	P3=$(field "$READY" port)
	C3=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P3/timestamp")
	ok "--http serves plain HTTP, ready file has no CA" eq "$C3 [$(field "$READY" ca)]" "200 []"
else
	ok "--http instance starts" false
fi

echo "1..$n"
[ "$failed" = 0 ]
