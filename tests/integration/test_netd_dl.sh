#!/bin/sh
# Downloads and the order journal under trouble (issue 16): a partial
# download leaves the disk with its entry's result, whatever ended the entry;
# a trickled body meets a deadline; a server that ignores Range or answers
# other bytes is found from the headers, before anything is written; content
# info errors follow the download's rules; a damaged order.state is refused
# loudly; damaged state files are logged.  One device per case, each with
# the fake verifier.  About 40 s.
. "$(dirname "$0")/../lib/tap.sh"
need_root "gwe-netd downloads"
tap_tmp
. "$(dirname "$0")/test_netd_lib.sh"

# fsig FILE: a .minisig of the fake verifier's liking (it checks nothing).
fsig() { printf 'untrusted comment: test\nRWQ=\ntrusted comment: file:%s\nxx\n' "$(basename "$1")" > "$1.minisig"; }
# content ID BYTES: random content ID of BYTES bytes and its signature, published.
content() {
	head -c "$2" /dev/urandom > "$T/$1" && fsig "$T/$1" &&
	publish "$1" "$T/$1" && publish "$1.minisig" "$T/$1.minisig"
}
# dev NAME [OVERRIDE...]: device SN-NAME (its own directory), with the fake verifier.
dev() {
	local n=$1; shift
	regdev "SN-$n"
	mkdev "$n" "SN-$n" "$(devcik "SN-$n")" "$@"
	fake "$n"
	S=$T/$n/state/netd
}
# part NAME ID BYTES: a partial download of ID's first BYTES bytes, with its true info.
part() {
	local d=$T/$1/state/netd/dl
	mkdir -p "$d"
	head -c "$3" "$T/$2" > "$d/$2.part" 2>/dev/null || head -c "$3" /dev/zero > "$d/$2.part"
	curl -s --cacert "$CA" -H "X-Exosite-CIK: $(devcik "SN-$1")" \
	    "https://127.0.0.1:$PORT/provision/download?vendor=acme&model=gw1&id=$2&info=true" |
	    awk -F, '{ printf "size=%s\nupdated=%s\n", $2, ($3 == "" ? 1 : $3) }' > "$d/$2.info"
	chown -R "$NET_UID:$NET_UID" "$T/$1/state"
}
# status NAME: NAME's fetch_status writes, one a line.
status() { alias_values "SN-$1" fetch_status; }
# has NAME TEXT WHAT: a check that a fetch_status write of NAME holds TEXT.
has() {
	case "$(status "$1")" in
	*"$2"*) ok "$3" ;;
	*) not_ok "$3"; diag "fetch_status: $(status "$1")"; showlog "$1" ;;
	esac
}

content app.v1.0.tar.gz 300000

# ---- finding 3: a failed entry's .part goes with its result ---------------------------
# five transient errors
dev tr
part tr app.v1.0.tar.gz 50000
P misbehave status 'path=id=app.v1.0.tar.gz' code=503 count=-1 > /dev/null
order SN-tr app.v1.0.tar.gz
for i in 1 2 3 4 5; do once tr; done
P clear > /dev/null
has tr "gwe: app.v1.0.tar.gz: download: HTTP status 503" "five transient errors: the entry fails for good"
check "... and its partial download is removed" test ! -e "$S/dl/app.v1.0.tar.gz.part" -a ! -e "$S/dl/app.v1.0.tar.gz.info"
# a refused .minisig (over max_sig_bytes): the whole tarball was downloaded
head -c 300000 /dev/urandom > "$T/sigbig.v1.tar.gz"
head -c 20000 /dev/zero | tr '\0' x > "$T/sigbig.v1.tar.gz.minisig"
publish sigbig.v1.tar.gz "$T/sigbig.v1.tar.gz"
publish sigbig.v1.tar.gz.minisig "$T/sigbig.v1.tar.gz.minisig"
dev sb
order SN-sb sigbig.v1.tar.gz
once sb
has sb "gwe: sigbig.v1.tar.gz: signature download: 20000 bytes, larger than max_sig_bytes" "a refused .minisig fails the entry"
check "... and the tarball's download is removed" test -z "$(ls "$S/dl")"
# not found (the content was removed since the partial download)
dev nf
part nf gone.v1.tar.gz 1000
order SN-nf gone.v1.tar.gz
once nf
has nf "gwe: gone.v1.tar.gz: download: not in the content area" "content not found fails the entry"
check "... and its old partial download is removed" test -z "$(ls "$S/dl")"

# ---- finding 5: a trickled body meets a deadline ---------------------------------------
content trickle.v1.tar.gz 3000
dev tk
P misbehave slow 'path=id=trickle.v1.tar.gz$' rate=300 count=1 > /dev/null
order SN-tk trickle.v1.tar.gz
t0=$(date +%s)
once tk GWE_NETD_LOW_SPEED_TIME=2
t1=$(date +%s)
P clear > /dev/null
# The deadline: the low-speed window (2 s) + 3000 bytes at 4096 B/s; the trickle needs 10 s.
has tk "gwe: trickle.v1.tar.gz: download: too slow" "a body trickled at 300 B/s (above the low-speed floor) is stopped"
check "... by its deadline, not at its end ($((t1 - t0)) s)" test $((t1 - t0)) -lt 8

# ---- finding 6: the answer's headers decide, before a byte is written -----------------
# a tarball near the size cap (2000000) from a server that ignores Range
content near.v1.tar.gz 1900000
dev nr
part nr near.v1.tar.gz 1000000
P misbehave no_range 'path=id=near.v1.tar.gz$' count=1 > /dev/null
order SN-nr near.v1.tar.gz
once nr
P clear > /dev/null
has nr "fake install of near.v1.tar.gz: ok size=1900000" "Range ignored near the size cap: downloaded again from 0"
check "... and the restart is logged" grep -q 'download restarted from 0 reason="range ignored"' "$T/nr/log"
# a 206 of other bytes that then stalls: refused at its headers, not after the body
dev br
part br app.v1.0.tar.gz 50000
P misbehave bad_range 'path=id=app.v1.0.tar.gz$' shift=1 after=1000 secs=20 count=1 > /dev/null
order SN-br app.v1.0.tar.gz
t0=$(date +%s)
once br GWE_NETD_LOW_SPEED_TIME=3
t1=$(date +%s)
P clear > /dev/null
has br "fake install of app.v1.0.tar.gz: ok size=300000" "a wrong Content-Range is refused from the headers, then downloaded from 0"
check "... logged, without waiting for the body ($((t1 - t0)) s)" sh -c \
    "grep -q 'download interrupted id=app.v1.0.tar.gz have=0 of=300000 reason=\"bad Content-Range' '$T/br/log' && test $((t1 - t0)) -lt 3"
# content info under a redirect loop: the download's rules (for good), not its own (retry)
content redir.v1.tar.gz 1000
dev rd
P misbehave redirect 'path=id=redir.v1.tar.gz&info=true' count=-1 \
    location="https://127.0.0.1:$PORT/provision/download?vendor=acme&model=gw1&id=redir.v1.tar.gz&info=true" > /dev/null
order SN-rd redir.v1.tar.gz
once rd
P clear > /dev/null
has rd "gwe: redir.v1.tar.gz: download: content info: Maximum (3) redirects followed" "content info: too many redirects fail the entry at once"
# a damaged order.state: refused loudly, never restarted at entry 0
dev os
mkdir -p "$S"
printf '{"install":[{"name":"missing.v1.tar.gz"},{"name":"app.v1.0.tar.gz"}]}' > "$S/order"
printf 'id=901\nnext=x1\njob=0\npending=0\ntries=0\n' > "$S/order.state"
chown "$NET_UID:$NET_UID" "$S/order" "$S/order.state"
m=$(logmark)
once os
has os "gwe: order: journal state damaged, order set aside" "a garbled next= in order.state is reported"
check "... logged" grep -q 'state file damaged path=.*/order.state key=next' "$T/os/log"
check "... no entry run again ($(logcount "$m" '^/provision/download' SN-os) downloads)" test "$(logcount "$m" '^/provision/download' SN-os)" = 0
check "... the journal set aside in failed/" sh -c "ls '$S/failed' | grep -q '^order\.[0-9]*\$' && ls '$S/failed' | grep -q '^order\.state\.[0-9]*\$' && test ! -e '$S/order'"
# damaged state files are logged: dl/*.info, report.*, usage
dev kv
part kv app.v1.0.tar.gz 50000
printf 'size=abc\nupdated=1\n' > "$S/dl/app.v1.0.tar.gz.info"
printf 'fp=zz\ntime=1\n' > "$S/report.device_info"
printf 'checkin.requests=many\n' > "$S/usage"
chown -R "$NET_UID:$NET_UID" "$S"
order SN-kv app.v1.0.tar.gz
once kv
check "a damaged dl/*.info is logged" grep -q 'state file damaged path=.*/dl/app.v1.0.tar.gz.info key=size' "$T/kv/log"
check "... and the download starts over" sh -c "! grep -q 'download resumed' '$T/kv/log'"
check "a damaged report.* is logged" grep -q 'state file damaged path=.*/report.device_info key=fp' "$T/kv/log"
check "a damaged usage file is logged" grep -q 'state file damaged path=.*/usage key=' "$T/kv/log"
has kv "fake install of app.v1.0.tar.gz: ok size=300000" "... and the order still runs"

tap_end
