#!/bin/sh
# Every test docs/threat-model.md names must exist: `file::name` is a C test
# function or a shell check's text, found in that file.
. "$(dirname "$0")/../lib/tap.sh"
doc="$GWE_TOP/docs/threat-model.md"
refs=$(grep -o '`tests/[^`]*::[^`]*`' "$doc" | tr -d '`' | sort -u)
check "the threat model names tests" test -n "$refs"
printf '%s\n' "$refs" | while IFS= read -r ref; do
	f=${ref%%::*}; name=${ref#*::}
	if [ ! -f "$GWE_TOP/$f" ]; then
		echo "not ok - $ref: no file $f"
	elif grep -qF -- "$name" "$GWE_TOP/$f"; then
		echo "ok - $ref"
	else
		echo "not ok - $ref: not found in $f"
	fi
done > "${TMPDIR:-/tmp}/gwe-tm.$$"
while IFS= read -r line; do
	case $line in
	ok*) ok "${line#ok - }" ;;
	*) not_ok "${line#not ok - }" ;;
	esac
done < "${TMPDIR:-/tmp}/gwe-tm.$$"
rm -f "${TMPDIR:-/tmp}/gwe-tm.$$"
for a in "arbitrary software" "rollback" "freeze" "endless data" "slow retrieval" \
    "mix-and-match" "malicious archive" "TOCTOU" "local user" \
    "compromised network process" "compromised verifier" "lost order"; do
	check "the threat model covers: $a" grep -qi "^| [^|]*$a" "$doc"
done
tap_end
