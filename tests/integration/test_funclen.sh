#!/bin/sh
# No function over 80 lines, in any folder (tests included), counted as
# tests/funclen.sh counts: from the line holding the name to the closing
# brace.  One TAP line per folder; the table is printed as diagnostics.
. "$(dirname "$0")/../lib/tap.sh"
cd "$GWE_TOP" || exit 2
if ! command -v ctags > /dev/null; then
	skip "function lengths" "needs universal-ctags (make deps installs it)"
	tap_end
fi
table=$(sh tests/funclen.sh) || { not_ok "tests/funclen.sh runs"; tap_end; }
printf "%s\n" "$table" | sed "s|^|# |"
long=$(sh tests/funclen.sh --over 80)
for d in $(printf '%s\n' "$table" | awk 'NR > 1 { print $1 }'); do
	hits=$(printf '%s\n' "$long" | awk -v d="$d" '{ f = $1; sub(/\/[^\/]*$/, "", f) } f == d')
	if [ -z "$hits" ]; then
		ok "no function over 80 lines in $d/"
	else
		not_ok "no function over 80 lines in $d/"
		printf "%s\n" "$hits" | sed "s|^|# |"
	fi
done
tap_end
