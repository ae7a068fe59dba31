# The cuts of check-powerloss.sh (sourced; uses its MNT CTL CG ST SN T and
# boot, remount, mkapp, nstatus, status_values, alive_d).
declare -A AT=() HIT=() VIOLS=() DUPS=()
PASSED=0 FAILED=0 NCUTS=0 NVIOL=0 NDUP=0
ROUND_VIOL=""
dbg() { [ -z "${POWERLOSS_DEBUG:-}" ] || echo "# $(( $(now_ms) - T0 ))ms $*"; }
violation() { ROUND_VIOL="$ROUND_VIOL
#   $*"; NVIOL=$((NVIOL + 1)); }
queue_empty() { [ -z "$(ls -A "$ST/netd/queue" 2>/dev/null)" ] && [ ! -e "$ST/netd/order" ]; }
finished() { [ "$(nstatus)" -ge 1 ] && queue_empty && [ ! -e "$ST/installd/installing" ]; }
daemons_up() { alive_d installd && alive_d verifyd && alive_d netd; }
# wait_done SECS: the order finished (0), a daemon died (2) or time ran out (1).
wait_done() {
	local end=$(($(now_ms) + $1 * 1000))
	while [ "$(now_ms)" -lt $end ]; do
		finished && return 0
		daemons_up || { sleep 0.5; daemons_up || return 2; }
		sleep 0.1
	done
	return 1
}
ncuts() { wc -l < "$CTL/cuts" 2>/dev/null || echo 0; }
cut_since() { [ "$(ncuts)" -gt "$1" ]; }
# The log lines since the marks logmarks took.
logmarks() { local d; for d in installd verifyd netd; do LM[$d]=$(wc -l < "$T/log/gwe-$d.log"); done; }
declare -A LM=()
newlog() { tail -n +$((${LM[$1]:-0} + 1)) "$T/log/gwe-$1.log"; }

# after_cut: the world after a cut: remounted, run_dir empty, the daemons up.
after_cut() {
	# Never on the directory below: the daemons would write to the real disk.
	remount "$MNT" || die "plfs did not remount after cut $NCUTS"
	boot || violation "the daemons did not come back after the cut:" \
		"$(for d in installd verifyd netd; do newlog $d | tail -2; done | tr '\n' ' ')"
}

# The cut right after the first boot: the state directories must be durable by then.
checked_in() { newlog netd | grep -q 'check-in done'; }
first_boot() {
	local f
	logmarks
	stat "$MNT/.pl-cut" > /dev/null 2>&1
	NCUTS=$((NCUTS + 1)) AT[boot]=1 HIT[boot]=1
	ROUND_VIOL=""
	remount "$MNT" || die "plfs did not remount"
	for f in netd netd/cik installd installd/apps; do
		[ -e "$ST/$f" ] && continue
		violation "first boot: state_dir/$f lost at the cut (made, never fsynced in its parent)"
	done
	boot || violation "the daemons did not come back after the cut"
	wait_for 10 checked_in ||
		violation "netd did not check in with its CIK after the cut"
	sleep 1
	verdict boot "cut after the first boot"
	# Not repaired: with the CIK lost (one activation allowed) no later order could run.
	[ -z "$ROUND_VIOL" ] || { : > "$T/steps"; report; exit 1; }
}

verdict() {
	local what=$1 text=$2 d
	if [ -z "$ROUND_VIOL" ]; then
		PASSED=$((PASSED + 1))
		echo "ok - $text ($(( ($(now_ms) - T0) / 1000 ))s)"
		return
	fi
	FAILED=$((FAILED + 1))
	VIOLS[$what]=$((${VIOLS[$what]:-0} + 1))
	echo "not ok - $text$ROUND_VIOL"
	for d in netd verifyd installd; do
		echo "#   --- gwe-$d.log (since the cut)"
		newlog $d | tail -6 | sed 's/^/#     /'
	done
}

# trial I "N LABEL"|"random MS": an order, a cut just before the N-th step
# LABEL (or MS ms after the order), the world brought back, the checks.
trial() {
	local i=$1 spec=$2 what code=0 c0 n0 last how
	APP=pl$i NAME=pl$i.v1.0.0.tar.gz
	ROUND_VIOL=""
	[ $((RANDOM % 4)) = 0 ] && code=3
	mkapp "$APP" "$code" || { violation "setup: app not built"; verdict setup "$i: setup"; return; }
	dbg "built"
	logmarks
	n0=$(ncuts)
	case $spec in
	random*) what=random; : > "$CTL/arm";;
	*) what=${spec#* }; printf '%s\n' "$spec" > "$CTL/arm";;
	esac
	stat "$MNT/.pl-arm" > /dev/null 2>&1
	order "$SN" "$NAME"
	if [ "$what" = random ]; then
		sleep "$(printf '%d.%03d' $((${spec#random } / 1000)) $((${spec#random } % 1000)))"
		stat "$MNT/.pl-cut" > /dev/null 2>&1
	elif ! wait_for 20 cut_since "$n0"; then
		echo "# $i: step not reached, cut now: $spec"
		stat "$MNT/.pl-cut" > /dev/null 2>&1
	fi
	: > "$CTL/arm"
	how=$(tail -n 1 "$CTL/cuts")
	last=$(awk -v s="$(echo "$how" | cut -d' ' -f2)" '$1 == s { sub(/^[0-9]+ /, ""); sub(/\t.*/, ""); print }' "$CTL/trace")
	NCUTS=$((NCUTS + 1))
	AT[$what]=$((${AT[$what]:-0} + 1))
	case $how in *" armed "*) HIT[$what]=$((${HIT[$what]:-0} + 1));; esac
	[ "$what" = random ] && HIT[$what]=$((${HIT[$what]:-0} + 1))
	dbg "cut"
	wait_for 5 grep -q 'populated 0' "$CG/cgroup.events"
	sleep 0.3
	c0=$(nstatus)
	after_cut
	dbg "booted"
	wait_done 40
	case $? in
	1) violation "order not finished within 40s: fetch_status writes=$(nstatus)" \
		"queue=$(ls "$ST/netd/queue" 2>/dev/null | tr '\n' ' ') netd: $(ls "$ST/netd" | tr '\n' ' ')";;
	2) violation "a daemon exited after the restart";;
	esac
	dbg "done"
	sleep 0.3
	check_result "$code" "$c0" "$what"
	dbg "checked"
	case $how in
	*" armed "*) how="before: ${spec%% *} $what";;
	*) how="${spec#random } ms after the order, after: ${last:-nothing}";;
	esac
	verdict "$what" "$i: cut $how; exit=$code, fetch_status writes at the cut: $c0"
}

# check_result CODE C0 [WHAT]: the invariants for $APP, C0 the fetch_status count at the cut.
check_result() {
	local code=$1 c0=$2 rec=$ST/installd/apps/$APP st ex n m p d
	if [ -e "$rec" ]; then
		st=$(sed -n 's/^status=//p' "$rec"); ex=$(sed -n 's/^exit_code=//p' "$rec")
		[ "$st" = 1 ] && [ ! -e "$T/marks/$APP.done" ] &&
			violation "record says installed but install.sh did not finish: $(tr '\n' ' ' < "$rec")"
		if [ -n "$ex" ] && [ "$ex" != -1 ]; then
			if [ ! -e "$T/marks/$APP.done" ]; then
				violation "record has exit_code=$ex but install.sh did not finish"
			elif [ "$ex" != "$(cat "$T/marks/$APP.done")" ]; then
				violation "record exit_code=$ex, install.sh exited $(cat "$T/marks/$APP.done")"
			fi
		fi
		[ "$st" = 1 ] && [ "$code" != 0 ] && violation "record says installed, install.sh exited $code"
	fi
	status_values | grep -qF "plapp $APP finished" && [ ! -e "$T/marks/$APP.done" ] &&
		violation "fetch_status has install.sh's last line, it did not finish"
	n=$(nstatus)
	if [ "$n" -lt 1 ]; then
		violation "order lost: no fetch_status for $NAME"
	elif [ "$n" -gt 1 ]; then
		NDUP=$((NDUP + n - 1))
		DUPS[${3:-ref}]=$((${DUPS[${3:-ref}]:-0} + n - 1))
		[ "$c0" -ge 1 ] || violation "$n fetch_status writes for $NAME, none had reached the platform" \
			"before the cut: $(status_values | grep -F -e "$NAME" -e "plapp $APP " | tr '\n' ' ')"
	fi
	m=$(find "$ST/installd/staging" -mindepth 1 -maxdepth 1 2>/dev/null | head -3 | tr '\n' ' ')
	[ -z "$m" ] || violation "staging not empty: $m"
	[ -e "$ST/installd/installing" ] &&
		violation "installing marker left: $(tr '\n' ' ' < "$ST/installd/installing")"
	for p in $(cat "$CG/cgroup.procs"); do
		case $(cat "/proc/$p/comm" 2>/dev/null) in gwe-*|"") ;;
		*) violation "process left: $(ps -o pid=,args= -p "$p")"; kill -9 "$p";;
		esac
	done
	for d in installd verifyd netd; do
		alive_d $d || violation "gwe-$d is not running"
		m=$(newlog $d | grep -E 'malformed|unreadable|bad marker|fatal' | head -2 | tr '\n' ' ')
		[ -z "$m" ] || violation "gwe-$d found damaged state: $m"
	done
}

report() {
	local w
	echo "#"
	printf '# %-62s %4s %4s %10s %10s\n' "cut just before" cuts hit violations duplicates
	for w in boot $(cut -d' ' -f2- "$T/steps" | awk '!s[$0]++' | tr ' ' '~') random; do
		w=${w//\~/ }
		[ -n "${AT[$w]:-}" ] || continue
		printf '# %-62s %4s %4s %10s %10s\n' "$w" "${AT[$w]}" "${HIT[$w]:-0}" \
			"${VIOLS[$w]:-0}" "${DUPS[$w]:-0}"
	done
	echo "# POWERLOSS_SEED=$SEED; $(( ($(now_ms) - T0) / 1000 ))s"
	echo "$PASSED passed, $FAILED failed"
	echo "$NCUTS cuts, $NVIOL violations, $NDUP duplicates"
	[ "$FAILED" = 0 ]
}
