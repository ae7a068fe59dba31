# Sourced by tests/systemd/check-systemd.sh with gwe.target running: each
# service's main process, read from the container's /proc, against what its
# unit in policy/systemd promises.  The container's own PID 1 is the
# baseline: systemd-nspawn already bounds the capabilities and adds a
# seccomp filter of its own to everything in the container.

pid_of() { C systemctl show -P MainPID "$1.service"; }
# field PID NAME: a field of /proc/PID/status.
field() { C sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | tr -s ' \t' ' '; }
ns_of() { C readlink "/proc/$1/ns/$2"; }
# mnt PID MOUNTPOINT: "OPTIONS ROOT SUPEROPTIONS" of the top mount on it, in PID's namespace.
mnt() {
	C nsenter -t "$1" -m cat /proc/self/mountinfo |
		awk -v m="$2" '$5 == m { o = $6; r = $4; s = $NF } END { print o, r, s }'
}
rw_of() { mnt "$1" "$2" | cut -d, -f1; }
has_mount() { [ -n "$(mnt "$1" "$2" | tr -d ' ')" ]; }
# private_tmp PID UNIT: PID's /tmp is UNIT's PrivateTmp= directory.
private_tmp() {
	case $(mnt "$1" /tmp | cut -d' ' -f2) in
	*/systemd-private-*"-$2.service-"*) return 0 ;;
	esac
	return 1
}
# caps_within HEX MASK: no capability in HEX outside MASK.
caps_within() { [ $((0x$1 & ~$2)) = 0 ]; }
# dev_basic PID NAME: PID's /dev holds only what PrivateDevices= gives.
BASIC_DEV=" char core fd full hugepages log mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero "
dev_basic() {
	local e
	for e in $(C nsenter -t "$1" -m ls /dev); do
		case $BASIC_DEV in
		*" $e "*) ;;
		*) diag "$2: /dev/$e"; return 1 ;;
		esac
	done
}

BASE_BND=$(field 1 CapBnd) BASE_FILTERS=$(field 1 Seccomp_filters)
BASE_NET=$(ns_of 1 net) BASE_MNT=$(ns_of 1 mnt)
diag "the container's PID 1: CapBnd $BASE_BND, $BASE_FILTERS seccomp filters"
IPID=$(pid_of gwe-installd) VPID=$(pid_of gwe-verifyd) NPID=$(pid_of gwe-netd)
diag "main pids: installd $IPID, verifyd $VPID, netd $NPID"

# has_main NAME PID: NAME has a main process (else its checks are left out).
has_main() {
	[ "${2:-0}" -gt 0 ] && return 0
	not_ok "$1: a main process to check (systemctl show -P MainPID: ${2:-none})"
	return 1
}

# ---- gwe-installd: root, and little else on purpose (its unit says why) ----
s=gwe-installd p=$IPID
if has_main $s $p; then
	check "$s: runs as root" test "$(field $p Uid)" = "0 0 0 0"
	check "$s: every capability of the container (CapBnd $(field $p CapBnd))" \
	    test "$(field $p CapBnd)" = "$BASE_BND"
	check "$s: no no_new_privs (install.sh may run setuid programs)" test "$(field $p NoNewPrivs)" = 0
	check "$s: no seccomp filter beyond the container's" test "$(field $p Seccomp_filters)" = "$BASE_FILTERS"
	check "$s: / writable (install.sh installs system-wide)" test "$(rw_of $p /)" = rw
	check "$s: a /tmp of its own (PrivateTmp=yes)" private_tmp $p $s
	check "$s: the host's network" test "$(ns_of $p net)" = "$BASE_NET"
fi

# ---- gwe-verifyd and gwe-netd: unprivileged, sandboxed --------------------------
# sandboxed NAME PID USER CAPMASK: what both units promise.
sandboxed() {
	local s=$1 p=$2 u=$3 mask=$4 uid gid f
	has_main $s $p || return 1
	uid=$(C id -u "$u") gid=$(C id -g "$u")
	check "$s: uid $u ($uid) real, effective, saved and fs" test "$(field $p Uid)" = "$uid $uid $uid $uid"
	check "$s: gid $u ($gid), no supplementary groups" \
	    test "$(field $p Gid)|$(field $p Groups)" = "$gid $gid $gid $gid|"
	check "$s: no capability left (effective, permitted)" \
	    test "$(field $p CapEff) $(field $p CapPrm)" = "0000000000000000 0000000000000000"
	check "$s: bounding set $(field $p CapBnd) within its CapabilityBoundingSet=" \
	    caps_within "$(field $p CapBnd)" "$mask"
	check "$s: no_new_privs (NoNewPrivileges=yes)" test "$(field $p NoNewPrivs)" = 1
	f=$(field $p Seccomp_filters)
	check "$s: seccomp filters: systemd's and its own ($f, the container's $BASE_FILTERS)" \
	    test "$(field $p Seccomp)" = 2 -a "$f" -gt "$BASE_FILTERS"
	check "$s: a mount namespace of its own" test "$(ns_of $p mnt)" != "$BASE_MNT"
	check "$s: / read-only (ProtectSystem=strict)" test "$(rw_of $p /)" = ro
	check "$s: a /tmp of its own (PrivateTmp=yes)" private_tmp $p $s
	check "$s: /home and /root hidden (ProtectHome=yes)" eval "has_mount $p /home && has_mount $p /root"
	check "$s: /proc shows only its own processes (ProtectProc=invisible)" \
	    sh -c "case \$1 in *hidepid=invisible*) ;; *) exit 1;; esac" sh "$(mnt $p /proc)"
	check "$s: /dev with only the basic devices (PrivateDevices=yes)" dev_basic $p $s
}
# CHOWN 0, DAC_OVERRIDE 1, FOWNER 3, SETGID 6, SETUID 7, SYS_CHROOT 18, SYS_ADMIN 21.
sandboxed gwe-verifyd "$VPID" gwe-verify $(( (1 << 0) | (1 << 6) | (1 << 7) | (1 << 18) | (1 << 21) )) &&
{
	check "gwe-verifyd: chrooted to /run/gwe/empty" test "$(C readlink /proc/$VPID/root)" = /run/gwe/empty
	check "gwe-verifyd: a network namespace of its own (PrivateNetwork=yes)" \
	    test "$(ns_of $VPID net)" != "$BASE_NET"
	check "gwe-verifyd: /run/gwe writable (RuntimeDirectory=), the rest not" \
	    test "$(rw_of $VPID /run/gwe)" = rw
}
sandboxed gwe-netd "$NPID" gwe-net $(( (1 << 0) | (1 << 1) | (1 << 3) | (1 << 6) | (1 << 7) )) && {
	check "gwe-netd: the host's network" test "$(ns_of $NPID net)" = "$BASE_NET"
	check "gwe-netd: /var/lib/gwe/netd writable (ReadWritePaths=)" \
	    test "$(rw_of $NPID /var/lib/gwe/netd)" = rw
}
