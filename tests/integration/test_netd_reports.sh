#!/bin/sh
# device_info and usage_report have the shape of docs/design.md section 5, read
# back from what the platform stored and parsed with python3's json:
#   device_info: uname, df, free (text shaped as those commands print) and
#                ipaddrs (a list);
#   usage_report: bytes sent and received by the engine itself, per kind
#                of request, and per network interface, nested as the
#                dashboards written for Gateway Engine read it;
#   engine_report: the apps as those dashboards read them.
. "$(dirname "$0")/../lib/tap.sh"
need_root "gwe-netd reports"
tap_tmp
. "$(dirname "$0")/test_netd_lib.sh"

SN=SN-REPORTS
regdev $SN
mkdev rep $SN "$(devcik $SN)"
# An app installed in the first check-in, so that the second's engine_report lists it.
printf 'meter' > "$T/meter.v1.2.tar.gz"
publish meter.v1.2.tar.gz "$T/meter.v1.2.tar.gz"
fake rep
P set-alias $SN engine_fetch '{"install":[{"name":"meter.v1.2.tar.gz"}]}' > /dev/null
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
alias_value $SN engine_report > "$T/engine_report.json"
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
en = json.load(open(T + "/engine_report.json"))
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

ROWS='
# A value walked with a JavaScript for-in, as the dashboards walk it: an
# object gives its keys, a string or a list its indices, anything else nothing.
def js_keys(v):
    if isinstance(v, dict):
        return list(v)
    return [str(i) for i in range(len(v))] if isinstance(v, (str, list)) else []
def js_get(v, k):
    if isinstance(v, dict):
        return v.get(k)
    return v[int(k)] if isinstance(v, (str, list)) else None
LEAF = ("tot_rx", "max_rx", "tot_tx", "max_tx", "num")
rows = {}
for k1 in js_keys(us):
    for k2 in js_keys(js_get(us, k1)):
        l2 = js_get(js_get(us, k1), k2)
        for k3 in js_keys(l2):
            if len(k3) > 2:
                v = js_get(l2, k3)
                need(isinstance(v, dict), "%s.%s.%s is %r, not a row" % (k1, k2, k3, v))
                bad = [f for f in LEAF if type(v.get(f)) is not int]
                need(not bad, "%s.%s.%s: %s undefined or not a number" % (k1, k2, k3, bad))
                rows[k3] = v
'
shape "usage_report walked as the dashboards do: every row has tot_rx, max_rx, tot_tx, max_tx, num" "$PRE$ROWS
kinds = ['activate', 'checkin', 'status', 'download', 'longpoll']
need(set(kinds + ['gwe']) <= set(rows), sorted(rows))
need(set(us) == set(['engine', 'interfaces']), sorted(us))
need(set(us['engine']) == set(['by_kind', 'total']) and list(us['engine']['total']) == ['gwe'], us['engine'])
need(set(us['engine']['by_kind']) == set(kinds), sorted(us['engine']['by_kind']))
ifs = us['interfaces']['by_interface']
need(isinstance(ifs, dict) and 'lo' in ifs and 'lo' not in rows, sorted(ifs))
need(all(n in rows for n in ifs if len(n) > 2), (sorted(ifs), sorted(rows)))
for f in ('tot_rx', 'tot_tx', 'num'):
    need(rows['gwe'][f] == sum(us['engine']['by_kind'][k][f] for k in kinds), 'gwe %s is not the sum of the kinds' % f)
for n, v in list(us['engine']['by_kind'].items()) + list(ifs.items()):
    need(v['max_rx'] <= v['tot_rx'] and v['max_tx'] <= v['tot_tx'], (n, v))"

if command -v node > /dev/null 2>&1; then
	cat > "$T/walk.js" <<'EOF'
// The dashboards' walk in JavaScript itself: a row with a value undefined fails.
const d = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
const rows = [];
for (const k1 in d)
	for (const k2 in d[k1])
		for (const k3 in d[k1][k2])
			if (k3.length > 2) {
				const v = d[k1][k2][k3];
				for (const f of ["tot_rx", "max_rx", "tot_tx", "max_tx", "num"])
					if (typeof v[f] !== "number")
						throw new Error(k3 + "." + f + " is " + v[f]);
				rows.push(k3);
			}
console.log(rows.join(" "));
EOF
	out=$(node "$T/walk.js" "$T/usage_report.json" 2>&1)
	case " $out " in
	*" checkin "*" gwe "*) ok "usage_report walked by node as the dashboards do, nothing undefined ($out)";;
	*) not_ok "usage_report walked by node as the dashboards do, nothing undefined"; diag "$out";;
	esac
else
	skip "usage_report walked by node as the dashboards do" "no node"
fi

shape "usage_report counts the engine's own bytes of the first check-in" "$PRE
log = json.load(open(T + '/requests.json'))['entries']
first = [e for e in log[:MARK] if e.get('sn') == SN]
rx = sum(e['rx'] for e in first); tx = sum(e['tx'] for e in first)
e = us['engine']['total']['gwe']
need(e['num'] == len(first), ('num', e['num'], len(first)))
need(e['tot_tx'] > 0 and abs(e['tot_tx'] - rx) <= rx // 20, ('tot_tx', e['tot_tx'], 'platform rx', rx))
need(e['tot_rx'] > 0 and abs(e['tot_rx'] - tx) <= tx // 20, ('tot_rx', e['tot_rx'], 'platform tx', tx))
need(us['engine']['by_kind']['checkin']['num'] >= 1, us['engine']['by_kind'])
need(us['engine']['by_kind']['download']['num'] >= 2, us['engine']['by_kind'])"

shape "engine_report walked as the dashboards do: apps a list of {APP: {exitstatus, status, uptime, version}}" "$PRE
need(isinstance(en.get('apps'), list), en)
need(set(['engine_version', 'update_interval', 'last_checkin']) <= set(en), sorted(en))
names = []
for one in en['apps']:
    need(isinstance(one, dict) and len(one) == 1, one)
    for name, app in one.items():
        need(all(k in app for k in ('exitstatus', 'status', 'uptime', 'version')), app)
        names.append((name, app['version'], app['status']))
need(('meter', '1.2', 'installed') in names, names)"

tap_end
