#!/bin/sh
# docs/trusted-surface.md must name exactly what gwe-installd is built
# from, with line counts that match the tree, and the installer must stay
# small and free of the network libraries.
#   test_trusted_surface.sh           TAP
#   test_trusted_surface.sh --table   print the two tables for the doc
. "$(dirname "$0")/../lib/tap.sh"
cd "$GWE_TOP" || exit 2
DOC=docs/trusted-surface.md
OBJS=$(make -s --no-print-directory print-installd-objs 2>/dev/null)

# "| `path` | lines |" rows, sorted by path.
sources() {
	for o in $OBJS; do
		printf '| `%s` | %s |\n' "${o%.o}.c" "$(wc -l < "${o%.o}.c" | tr -d ' ')"
	done | sort
}
# The tree's own headers those sources include, from the compiler's .d files.
headers() {
	for o in $OBJS; do cat "$GWE_BUILD/${o%.o}.d" 2>/dev/null; done |
	    tr ' \\:' '\n\n\n' | grep '\.h$' | sort -u |
	    while read -r h; do realpath -m --relative-to="$GWE_TOP" "$h"; done | sort -u |
	    while read -r h; do printf '| `%s` | %s |\n' "$h" "$(wc -l < "$h" | tr -d ' ')"; done
}
listed() {
	grep -E "^\| \`[^\`]*\.$1\` \| [0-9]+ \|" "$DOC" |
	    awk -F'|' '{ gsub(/ /, "", $2); gsub(/ /, "", $3); printf "| %s | %s |\n", $2, $3 }' |
	    sort
}

if [ "${1:-}" = --table ]; then
	echo "| source | lines | what it does |"; echo "|---|---:|---|"; sources | sed 's/$/ |/'
	echo; echo "| header | lines |"; echo "|---|---:|"; headers
	exit 0
fi

if [ -z "$OBJS" ]; then
	not_ok "make print-installd-objs lists the installer's objects"
	tap_end
fi
ok "make print-installd-objs lists the installer's objects"
check "$DOC exists" test -f "$DOC"

want=$(sources); got=$(listed c)
if [ "$want" = "$got" ]; then
	ok "every source compiled into gwe-installd is in $DOC with its exact line count"
else
	not_ok "every source compiled into gwe-installd is in $DOC with its exact line count"
	diag "tree vs doc:
$(printf '%s\n' "$want" > /tmp/ts.$$.a; printf '%s\n' "$got" > /tmp/ts.$$.b; diff /tmp/ts.$$.a /tmp/ts.$$.b; rm -f /tmp/ts.$$.a /tmp/ts.$$.b)"
fi

want=$(headers); got=$(listed h)
if [ -z "$want" ]; then
	skip "every header is listed" "no .d files in $GWE_BUILD (build first)"
elif [ "$want" = "$got" ]; then
	ok "every project header gwe-installd includes is in $DOC with its exact line count"
else
	not_ok "every project header gwe-installd includes is in $DOC with its exact line count"
	diag "tree: $(echo "$want" | tr '\n' ' ') doc: $(echo "$got" | tr '\n' ' ')"
fi

n=$(cat daemons/installd/*.c | wc -l)
check "the installer's own code (daemons/installd/*.c) is under 1,000 lines ($n)" test "$n" -lt 1000

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
