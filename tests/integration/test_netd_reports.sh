#!/bin/sh
# device_info and usage_report have the shape of docs/design.md section 5, read
# back from what the platform stored and parsed with python3's json:
#   device_info: uname, df, free (text shaped as those commands print) and
#                ipaddrs (a list);
#   usage_report: bytes sent and received by the engine itself, per kind
#                of request, and per network interface.
. "$(dirname "$0")/../lib/tap.sh"
need_root "gwe-netd reports"
tap_tmp
. "$(dirname "$0")/test_netd_lib.sh"

SN=SN-REPORTS
regdev $SN
mkdev rep $SN "$(devcik $SN)"
once rep; rc=$?
check "first check-in (rc $rc)" test "$rc" = 0 || showlog rep
# usage_report is written daily; forget that it was, so the second check-in
# sends the bytes counted during the first.
rm -f "$T/rep/state/netd/report.usage_report"
mark=$(logmark)
once rep; rc=$?
check "second check-in (rc $rc)" test "$rc" = 0 || showlog rep

alias_value $SN device_info > "$T/device_info.json"
alias_value $SN usage_report > "$T/usage_report.json"
plog 0 > "$T/requests.json"

shape() {	# shape WHAT PYTHON [ARG]: a check on the stored JSON (ARG: argv[4])
	what=$1; code=$2; shift 2
	if out=$($PY -c "$code" "$T" "$SN" "$mark" "$@" 2>&1); then ok "$what"
	else not_ok "$what"; diag "$out"; fi
}
PRE='
import json, re, sys
T, SN, MARK = sys.argv[1], sys.argv[2], int(sys.argv[3])
di = json.load(open(T + "/device_info.json"))
us = json.load(open(T + "/usage_report.json"))
def need(c, why):
    if not c:
        print(why); sys.exit(1)
'
shape "device_info is an object with uname, df, free, ipaddrs" "$PRE
need(isinstance(di, dict), di)
need(set(['uname', 'df', 'free', 'ipaddrs']) <= set(di), sorted(di))
need(all(isinstance(di[k], str) for k in ('uname', 'df', 'free')), di)
need(isinstance(di['ipaddrs'], list) and all(isinstance(a, str) for a in di['ipaddrs']), di['ipaddrs'])"

want_uname=$(uname -snrvm)
shape "uname is what uname -snrvm prints" "$PRE
need(di['uname'] == sys.argv[4], (di['uname'], sys.argv[4]))" "$want_uname"
shape "df: a df -k header, then one line per file system with numbers and Use%" "$PRE
lines = di['df'].split('\n')
need(re.match(r'^Filesystem +1K-blocks +Used +Available +Use% +Mounted on$', lines[0]), lines[0])
need(len(lines) >= 2, lines)
for l in lines[1:]:
    need(re.match(r'^\S+ +\d+ +\d+ +\d+ +\d+% +/\S*$', l), l)
need(any(l.endswith(' /') for l in lines[1:]), 'no line for /')"
shape "free: a free header, a Mem: line of 6 numbers, a Swap: line of 3" "$PRE
lines = di['free'].split('\n')
need(lines[0].split() == ['total', 'used', 'free', 'shared', 'buff/cache', 'available'], lines[0])
need(re.match(r'^Mem:( +\d+){6}$', lines[1]), lines[1])
need(re.match(r'^Swap:( +\d+){3}$', lines[2]), lines[2])
need(int(lines[1].split()[1]) > 0, 'no memory?')"
shape "ipaddrs: 'interface address' strings" "$PRE
import ipaddress
for a in di['ipaddrs']:
    name, addr = a.split(' ')
    ipaddress.ip_address(addr.split('%')[0])"

shape "usage_report: engine, by_kind (every kind), interfaces" "$PRE
need(isinstance(us, dict) and set(['engine', 'by_kind', 'interfaces']) <= set(us), us)
def counters(o, keys=('sent', 'received')):
    return isinstance(o, dict) and all(isinstance(o.get(k), int) and o[k] >= 0 for k in keys)
need(counters(us['engine'], ('sent', 'received', 'requests')), us['engine'])
need(set(us['by_kind']) == set(['activate', 'checkin', 'status', 'download', 'longpoll']), sorted(us['by_kind']))
need(all(counters(v, ('sent', 'received', 'requests')) for v in us['by_kind'].values()), us['by_kind'])
for k in ('sent', 'received', 'requests'):
    need(us['engine'][k] == sum(v[k] for v in us['by_kind'].values()), 'engine %s is not the sum of the kinds' % k)
need(isinstance(us['interfaces'], dict) and 'lo' in us['interfaces'], us['interfaces'])
need(all(counters(v) for v in us['interfaces'].values()), us['interfaces'])"

shape "usage_report counts the engine's own bytes of the first check-in" "$PRE
log = json.load(open(T + '/requests.json'))['entries']
first = [e for e in log[:MARK] if e.get('sn') == SN]
rx = sum(e['rx'] for e in first); tx = sum(e['tx'] for e in first)
e = us['engine']
need(e['requests'] == len(first), ('requests', e['requests'], len(first)))
need(e['sent'] > 0 and abs(e['sent'] - rx) <= rx // 20, ('sent', e['sent'], 'platform rx', rx))
need(e['received'] > 0 and abs(e['received'] - tx) <= tx // 20, ('received', e['received'], 'platform tx', tx))
need(us['by_kind']['checkin']['requests'] >= 1, us['by_kind'])"

tap_end
