#!/bin/sh
# docs/trusted-surface.md must name exactly what gwe-installd is built
# from, with line counts and a total that match the tree; the installer
# must stay small, readable and free of the network libraries.
#   test_trusted_surface.sh           TAP
#   test_trusted_surface.sh --table   the doc's two tables and total line, as they
#                                     should be ("what it does" taken from the doc)
# The budgets (docs/trusted-surface.md, "Budget"):
# - at most 1,000 lines of code in daemons/installd/*.c and *.h: what is left
#   of the files after `gcc -fpreprocessed -dD -E -P` (comments removed,
#   nothing expanded or included), without blank lines;
# - every line of daemons/installd/* within 100 columns (a tab counts as 8);
# - every file compiled into gwe-installd says so in its opening comment;
# - every line (wc -l) of those files together: at most TOTAL_MAX.
. "$(dirname "$0")/../lib/tap.sh"
cd "$GWE_TOP" || exit 2
DOC=docs/trusted-surface.md
CODE_MAX=1000
COLS_MAX=100
TOTAL_MAX=4419
MARK="Runs as root: compiled into gwe-installd"
OBJS=$(make -s --no-print-directory print-installd-objs 2>/dev/null)

# The sources, then the tree's own headers they include (from the compiler's
# .d files), one path a line.
source_files() {
	for o in $OBJS; do echo "${o%.o}.c"; done | sort
}
header_files() {
	for o in $OBJS; do cat "$GWE_BUILD/${o%.o}.d" 2>/dev/null; done |
	    tr ' \\:' '\n\n\n' | grep '\.h$' | sort -u |
	    while read -r h; do realpath -m --relative-to="$GWE_TOP" "$h"; done | sort -u
}
# "| `path` | lines |" rows of the files on stdin.
rows() {
	while read -r f; do printf '| `%s` | %s |\n' "$f" "$(wc -l < "$f" | tr -d ' ')"; done
}
# The doc's rows of *.$1 files, as rows() prints them.
listed() {
	grep -E "^\| \`[^\`]*\.$1\` \| [0-9]+ \|" "$DOC" |
	    awk -F'|' '{ gsub(/ /, "", $2); gsub(/ /, "", $3); printf "| %s | %s |\n", $2, $3 }' |
	    sort
}
# The doc's "what it does" text of a source.
what() {
	grep -F "| \`$1\` |" "$DOC" 2>/dev/null | head -1 | cut -d'|' -f4- | sed 's/^ *//; s/ *|$//'
}
# Lines of code of a C file: comments removed by the compiler, blank lines not counted.
code_lines() {
	gcc -fpreprocessed -dD -E -P -x c "$1" 2>/dev/null | grep -c '[^[:space:]]'
}
total() {
	{ source_files; header_files; } | while read -r f; do cat "$f"; done | wc -l | tr -d ' '
}
total_line() {
	n=$({ source_files; header_files; } | wc -l | tr -d ' ')
	printf '**Total: %s lines** in %s files (the budget: at most %s).\n' "$(total)" "$n" \
	    "$(printf '%s' "$TOTAL_MAX" | sed 's/\(.\)\(...\)$/\1,\2/')"
}

if [ "${1:-}" = --table ]; then
	echo "| source | lines | what it does |"; echo "|---|---:|---|"
	for o in $OBJS; do echo "${o%.o}.c"; done | while read -r f; do	# the link order
		w=$(what "$f")
		printf '| `%s` | %s | %s |\n' "$f" "$(wc -l < "$f" | tr -d ' ')" "${w:-(new: say what it does)}"
	done
	echo; echo "| header | lines |"; echo "|---|---:|"; header_files | rows
	echo; total_line
	exit 0
fi

if [ -z "$OBJS" ]; then
	not_ok "make print-installd-objs lists the installer's objects"
	tap_end
fi
ok "make print-installd-objs lists the installer's objects"
check "$DOC exists" test -f "$DOC"

want=$(source_files | rows); got=$(listed c)
if [ "$want" = "$got" ]; then
	ok "every source compiled into gwe-installd is in $DOC with its exact line count"
else
	not_ok "every source compiled into gwe-installd is in $DOC with its exact line count"
	diag "tree vs doc:
$(printf '%s\n' "$want" > /tmp/ts.$$.a; printf '%s\n' "$got" > /tmp/ts.$$.b; diff /tmp/ts.$$.a /tmp/ts.$$.b; rm -f /tmp/ts.$$.a /tmp/ts.$$.b)"
fi

headers=$(header_files)
want=$(echo "$headers" | rows); got=$(listed h)
if [ -z "$headers" ]; then
	skip "every header is listed" "no .d files in $GWE_BUILD (build first)"
elif [ "$want" = "$got" ]; then
	ok "every project header gwe-installd includes is in $DOC with its exact line count"
else
	not_ok "every project header gwe-installd includes is in $DOC with its exact line count"
	diag "tree: $(echo "$want" | tr '\n' ' ') doc: $(echo "$got" | tr '\n' ' ')"
fi

# The installer's own folder: code lines, columns.
if command -v gcc > /dev/null; then
	n=0
	for f in daemons/installd/*.c daemons/installd/*.h; do n=$((n + $(code_lines "$f"))); done
	check "the installer's own code (daemons/installd/*.[ch], no comments, no blank lines) is at most $CODE_MAX lines ($n)" \
	    test "$n" -le "$CODE_MAX"
else
	not_ok "the installer's code lines: gcc, which strips the comments, is not installed"
fi
wide=$(for f in daemons/installd/*; do
	expand -t 8 "$f" | LC_ALL=C awk -v f="$f" -v max="$COLS_MAX" \
	    'length > max { print f ":" NR ": " length " columns" }'
done)
check "every line of daemons/installd/* is within $COLS_MAX columns (a tab counts as 8)" \
    test -z "$wide"
[ -n "$wide" ] && diag "$wide"

# Every file compiled into the installer says so before its first comment ends.
unmarked=$({ source_files; echo "$headers"; } | while read -r f; do
	[ -n "$f" ] || continue
	awk -v m="$MARK" 'NR == 1 && !/^\/\*/ { exit } index($0, m) { found = 1 }
	    /\*\// { exit } END { exit !found }' "$f" || echo "$f"
done)
check "every file compiled into gwe-installd says \"$MARK\" in its opening comment" \
    test -z "$unmarked"
[ -n "$unmarked" ] && diag "without it: $(echo "$unmarked" | tr '\n' ' ')"

t=$(total)
check "every line of the files compiled into gwe-installd: $t, at most $TOTAL_MAX" \
    test "$t" -le "$TOTAL_MAX"
if [ -z "$headers" ]; then
	skip "$DOC states the total" "no .d files in $GWE_BUILD (build first)"
else
	check "$DOC states that total: $(total_line)" grep -qxF "$(total_line)" "$DOC"
fi

BIN=$GWE_BUILD/gwe-installd
if [ -x "$BIN" ]; then
	libs=$(ldd "$BIN" 2>&1)
	check "gwe-installd does not link libcurl" sh -c "! echo '$libs' | grep -q libcurl"
	check "gwe-installd does not link libjson-c" sh -c "! echo '$libs' | grep -q libjson-c"
	check "gwe-installd does not link libseccomp (install.sh would inherit a filter)" \
		sh -c "! echo '$libs' | grep -q libseccomp"
	for l in libarchive libsodium libinih; do
		check "$l, which gwe-installd links, is named in $DOC" grep -q "$l" "$DOC"
	done
else
	skip "ldd gwe-installd" "$BIN not built"
fi
tap_end
