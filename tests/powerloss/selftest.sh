# The self-test of plfs (sourced by check-powerloss.sh, which defines plfs_up,
# in_cg, remount, $CG): what was made durable survives a cut, what was not is
# lost, and an unprivileged process sees the permissions a disk would show.
# selftest MNT CTLDIR: one "ok"/"not ok" line a check; 1 if any failed.
st_fail=0
st_check() {
	local what=$1; shift
	if "$@"; then echo "ok - self-test: $what"; else echo "not ok - self-test: $what"; st_fail=1; fi
}
st_is() { [ "$(cat "$1" 2>/dev/null)" = "$2" ]; }
as_net() { setpriv --reuid="$NET_UID" --regid="$NET_UID" --clear-groups "$@"; }

selftest() {
	local m=$1 sleeper
	st_fail=0
	plfs_up "$m" "$2" || { echo "not ok - self-test: plfs mounts"; return 1; }
	# three directories made durable first: each case below fsyncs only its own
	mkdir "$m/a" "$m/r" "$m/u" && sync "$m"
	# permissions: a directory of the net uid, a file only root may read
	mkdir -m 700 "$m/net" && chown "$NET_UID:$NET_UID" "$m/net" && printf secret > "$m/root-only" &&
		chmod 600 "$m/root-only" && sync "$m/root-only" "$m"
	# an unlink with its directory's fsync stays
	printf gone > "$m/removed" && sync "$m/removed" "$m" && rm "$m/removed" && sync "$m"
	# durable: a write fsynced, its name fsynced in the directory
	printf durable > "$m/a/written" && sync "$m/a/written" && sync "$m/a"
	# a write never fsynced (the name is durable, the data not)
	printf lost > "$m/a/unsynced" && sync "$m/a"
	# an fsynced file grown afterwards without fsync
	printf kept > "$m/a/grown" && sync "$m/a/grown" "$m/a" && printf ' lost' >> "$m/a/grown"
	# safe_write's pattern: temp fsynced, renamed, directory fsynced
	printf old > "$m/a/renamed" && sync "$m/a/renamed" "$m/a"
	printf new > "$m/a/.renamed.tmp" && sync "$m/a/.renamed.tmp" &&
		mv "$m/a/.renamed.tmp" "$m/a/renamed" && sync "$m/a"
	# the same without the directory's fsync: the rename is lost
	printf old > "$m/r/unrenamed" && sync "$m/r/unrenamed" "$m/r"
	printf new > "$m/r/.unrenamed.tmp" && sync "$m/r/.unrenamed.tmp" &&
		mv "$m/r/.unrenamed.tmp" "$m/r/unrenamed"
	# an unlink without the directory's fsync comes back
	printf back > "$m/u/unlinked" && sync "$m/u/unlinked" "$m/u" && rm "$m/u/unlinked"
	# a directory made but not fsynced in its parent: gone with what it holds
	mkdir "$m/newdir" && printf x > "$m/newdir/f" && sync "$m/newdir/f" "$m/newdir"
	st_check "the net uid writes in its own directory" as_net sh -c "printf mine > '$m/net/f'"
	st_check "the net uid cannot read a root 0600 file" as_net sh -c "! cat '$m/root-only' 2>/dev/null"
	st_check "the net uid cannot create in a root 0755 directory" \
		eval "! as_net sh -c \"printf x > '$m/intruder'\" 2>/dev/null"
	st_check "the net uid's fsync is traced" \
		as_net sh -c "sync '$m/net/f' '$m/net'"
	sleeper=$( (in_cg sleep 60 > /dev/null 2>&1 & echo $!) )
	wait_for 2 grep -qx "$sleeper" "$CG/cgroup.procs"
	# the cut
	stat "$m/.pl-cut" > /dev/null 2>&1
	st_check "a cut kills every process of the cgroup at once" wait_for 3 eval "! pid_alive $sleeper"
	st_check "after the cut, before the remount, every request fails" eval "! ls '$m' > /dev/null 2>&1"
	st_check "a cut is one line of CTLDIR/cuts" grep -q '^cut [0-9]* now' "$2/cuts"
	st_check "remounted" remount "$m"
	st_check "an fsynced write survives" st_is "$m/a/written" durable
	st_check "an un-fsynced write is lost (the name stays, empty)" st_is "$m/a/unsynced" ""
	st_check "what was written after the last fsync is lost" st_is "$m/a/grown" kept
	st_check "an fsynced rename survives" st_is "$m/a/renamed" new
	st_check "an un-fsynced rename is lost (the old content under the name)" \
		st_is "$m/r/unrenamed" old
	st_check "and its temporary, never fsynced in the directory, is gone" \
		test ! -e "$m/r/.unrenamed.tmp"
	st_check "an un-fsynced unlink is undone" st_is "$m/u/unlinked" back
	st_check "an fsynced unlink stays" test ! -e "$m/removed"
	st_check "a directory not fsynced in its parent is lost with its files" test ! -e "$m/newdir"
	st_check "owner and mode survive" test "$(stat -c %u:%a "$m/net")" = "$NET_UID:700"
	st_check "the net uid's fsynced file survives" st_is "$m/net/f" mine
	st_check "the net uid still cannot read the root file" as_net sh -c "! cat '$m/root-only' 2>/dev/null"
	st_check "each durable step is one line of CTLDIR/trace" \
		grep -q '^[0-9]* sync fsyncdir /net	/net$' "$2/trace"
	st_check "a digit run is N and a temporary's tail X in a label" \
		sh -c "printf y > '$m/a/.b12.tmp.Zq9x' && sync '$m/a/.b12.tmp.Zq9x' &&
			grep -q 'sync fsync /a/.bN.tmp.X	/a/.b12.tmp.Zq9x' '$2/trace'"
	return $st_fail
}
