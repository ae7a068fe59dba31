#!/bin/sh
# Static analysis of the engine's sources (make analyze):
#  1. cppcheck --enable=warning over common/ ipc/ verify/ cli/ daemons/;
#  2. clang-tidy (checks and the reason for each one disabled: .clang-tidy)
#     on every .c there, two files at a time.
# Tests are not analysed.  Any finding fails.  A false positive is
# suppressed where it is, with its reason:
#   cppcheck:   // cppcheck-suppress id ; reason      (on the line before)
#   clang-tidy: // NOLINTNEXTLINE(check-name): reason
# Prints "ok - ..." / "not ok - ..." and ends with "N passed, N failed".
# Usage: tests/analyze.sh
TOP=$(cd "$(dirname "$0")/.." && pwd)
PKGS="libcurl json-c libarchive libsodium libseccomp inih cmocka"

# Debian's clang-tidy 14 (CLANG_TIDY overrides).
: "${CLANG_TIDY:=$(command -v clang-tidy-14 || command -v clang-tidy)}"
export CLANG_TIDY

# One file ($2) through clang-tidy, its output to $3 (used by xargs below).
if [ "$1" = "--tidy-one" ]; then
	cd "$TOP" || exit 2
	# shellcheck disable=SC2046	# word splitting of the pkg-config flags is wanted
	"$CLANG_TIDY" --quiet --warnings-as-errors='*' "$2" -- \
	    -std=c11 -D_GNU_SOURCE -DGWE_VERSION=\"x\" \
	    $(pkg-config --cflags $PKGS) > "$3" 2>&1
	rc=$?
	[ "$rc" = 0 ] && ! grep -q ': \(warning\|error\):' "$3" && exit 0
	exit 1
fi

cd "$TOP" || exit 2
pass=0; fail=0
W=$(mktemp -d /tmp/gwe-analyze.XXXXXX)
trap 'rm -rf "$W"' EXIT
ok()	{ echo "ok - $1"; pass=$((pass + 1)); }
notok()	{ echo "not ok - $1"; fail=$((fail + 1)); }

for tool in cppcheck "$CLANG_TIDY" pkg-config; do
	[ -n "$tool" ] && command -v "$tool" > /dev/null ||
	    { echo "analyze: ${tool:-clang-tidy} not installed (make deps)" >&2; exit 2; }
done
echo "# $("$CLANG_TIDY" --version | grep -i 'llvm version' | sed 's/^ *//'), $(cppcheck --version)"
pkg-config --exists $PKGS || { echo "analyze: missing -dev packages (make deps)" >&2; exit 2; }

# ---- cppcheck ------------------------------------------------------------
# -D_GNU_SOURCE makes it check that one configuration (the one we build);
# the json-c include path is what pkg-config gives; system headers are left
# out on purpose (cppcheck needs no libc headers, and reading them is slow).
# shellcheck disable=SC2046
if cppcheck --quiet --enable=warning --error-exitcode=1 --inline-suppr \
    --std=c11 -j2 -D_GNU_SOURCE -D__linux__ -DGWE_VERSION='"x"' \
    $(pkg-config --cflags-only-I json-c) \
    --template='{file}:{line}:{column}: {severity}: {message} [{id}]' \
    common ipc verify cli daemons > "$W/cppcheck.log" 2>&1; then
	ok "cppcheck: common ipc verify cli daemons"
else
	notok "cppcheck: common ipc verify cli daemons"
	sed 's/^/# /' "$W/cppcheck.log" | head -60
fi

# ---- clang-tidy ----------------------------------------------------------
find common ipc verify cli daemons -name '*.c' | sort > "$W/files"
mkdir -p "$W/tidy"
# Each file's log is $W/tidy/<path with / as _>.log; the exit statuses
# are not used here: the logs are judged below, one TAP line per file.
while read -r f; do
	echo "$f $W/tidy/$(echo "$f" | tr / _).log"
done < "$W/files" | xargs -P2 -n2 sh "$TOP/tests/analyze.sh" --tidy-one || true
while read -r f; do
	log="$W/tidy/$(echo "$f" | tr / _).log"
	if [ -f "$log" ] && ! grep -q ': \(warning\|error\):' "$log" &&
	    ! grep -qi 'error while processing\|Found compiler error' "$log"; then
		ok "clang-tidy: $f"
	else
		notok "clang-tidy: $f"
		grep -E ': (warning|error):' "$log" 2>/dev/null | sed "s|$TOP/||; s/^/# /" | head -20
		[ -f "$log" ] || echo "# no output: clang-tidy did not run"
	fi
done < "$W/files"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
