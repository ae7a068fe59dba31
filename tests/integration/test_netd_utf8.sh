#!/bin/sh
# fetch_status is always UTF-8: install.sh output with invalid bytes (and
# a NUL) reaches the platform with U+FFFD in their place, and a text the
# platform refuses for good (a 4xx) is set aside in failed/ instead of
# blocking the queue: later results still arrive.
. "$(dirname "$0")/../lib/tap.sh"
need_root "fetch_status UTF-8"
tap_tmp
. "$(dirname "$0")/test_netd_lib.sh"
e2e_need "fetch_status UTF-8"

e2e_keys
# Invalid bytes: a lone 0xff, an overlong '/', a surrogate, a truncated euro, a NUL.
e2e_app u8app.v1.0.tar.gz "#!/bin/sh
printf 'bad:\\377|\\300\\257|\\355\\240\\200|\\342\\202|\\000|ok \\303\\251\\n'"
e2e_app u8next.v1.0.tar.gz "#!/bin/sh
echo 'next app installed'"

SN=SN-UTF8
regdev $SN
mkdev u8 $SN "$(devcik $SN)" "security keys_dir = $T/keys"
if e2e_daemons u8; then ok "verifier and installer up"
else not_ok "verifier and installer up"; diag "$(tail -5 "$T/u8/verifyd.log" "$T/u8/installd.log")"; tap_end; fi

P set-alias $SN engine_fetch '{"install":[{"name":"u8app.v1.0.tar.gz"}]}' > /dev/null
once u8; rc=$?
check "check-in with the order (rc $rc)" test "$rc" = 0
R=$(printf '\357\277\275')
want="bad:$R|$R$R|$R$R$R|$R|$R|ok $(printf '\303\251')"
v=$(alias_value $SN fetch_status)
case "$v" in "$want"*) ok "fetch_status has U+FFFD for each invalid sequence";;
*) not_ok "fetch_status has U+FFFD for each invalid sequence"; diag "$v"; showlog u8;; esac
check "netd logged the repair" grep -q 'fetch_status text repaired replaced=8 ' "$T/u8/log"
check "queue empty" test -z "$(ls "$T/u8/state/netd/queue")"

# A text the platform refuses with 400 is set aside; the next one still goes.
# (No order in this check-in: the misbehaviour must hit the fetch_status write.)
nwrites() { P history $SN fetch_status | $PY -c 'import json,sys; print(len(json.load(sys.stdin)["writes"]))'; }
n0=$(nwrites)
Q=$T/u8/state/netd/queue
printf 'gwe: stuck: refused for good\n' > "$Q/0000000000000101"
printf 'gwe: after: queued behind it\n' > "$Q/0000000000000102"
chown $NET_UID "$Q"/*
P misbehave status 'path=stack/alias$' method=POST code=400 count=1 > /dev/null
once u8; rc=$?
check "check-in with a refused write (rc $rc)" test "$rc" = 0
check "refusal logged" grep -q 'fetch_status refused for good entry=0000000000000101 status=400' "$T/u8/log"
f=$(ls "$T/u8/state/netd/failed/" 2>/dev/null)
case "$f" in 0000000000000101.*) ok "refused entry kept in failed/";;
*) not_ok "refused entry kept in failed/"; diag "failed/: $f"; showlog u8;; esac
v=$(alias_value $SN fetch_status)
case "$v" in "gwe: after: queued behind it"*) ok "the entry behind it was written";;
*) not_ok "the entry behind it was written"; diag "$v"; showlog u8;; esac
check "queue empty again" test -z "$(ls "$Q")"
n1=$(nwrites)
check "one fetch_status write went through ($n0 -> $n1)" test "$n1" = $((n0 + 1))

# And a later install result still arrives.
P set-alias $SN engine_fetch '{"install":[{"name":"u8next.v1.0.tar.gz"}]}' > /dev/null
once u8; rc=$?
check "check-in with a second order (rc $rc)" test "$rc" = 0
v=$(alias_value $SN fetch_status)
case "$v" in "next app installed"*) ok "a later result still arrives";;
*) not_ok "a later result still arrives"; diag "$v"; showlog u8;; esac

tap_end
