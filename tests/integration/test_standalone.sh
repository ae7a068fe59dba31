#!/bin/sh
# The repository stands on its own (docs/design.md, its opening paragraph):
#  1. no file refers to a design document kept outside the repository;
#  2. no file names a path of the machine it was built on;
#  3. every "docs/design.md section N" or "invariant N" names one that exists;
#  4. every page under docs/ that a file cites (a .md path) exists;
#  5. every file cited by its path in the tree (a folder of ours, then a name
#     with one of our extensions) exists, so no comment points at a file that moved.
# Each failure names the file and the line.  The patterns of 1 and 2 are built
# from pieces, so this file describes them without matching itself.
. "$(dirname "$0")/../lib/tap.sh"
cd "$GWE_TOP" || exit 1
W=$(mktemp -d "${TMPDIR:-/tmp}/gwe-standalone.XXXXXX")
trap 'rm -rf "$W"' EXIT

# The files: tracked, and untracked but not ignored (new files count too).
# Left out, with the reason:
#  - top-level build and build-* directories: the output of `make O=...`,
#    not sources (.gitignore names only the usual three);
#  - files that are gone from the work tree (git still lists a deletion);
#  - binary files (grep -I): none of these rules can apply to them.
if git rev-parse --git-dir > /dev/null 2>&1; then
	{ git ls-files -z; git ls-files -z --others --exclude-standard; } | tr '\0' '\n' > "$W/all"
else
	# Not a git checkout (an unpacked tarball): every file but git's own.
	find . -type f ! -path './.git/*' | sed 's|^\./||' > "$W/all"
fi
sort -u "$W/all" | grep -Ev '^build(-[^/]*)?/' | while IFS= read -r f; do
	[ -f "$f" ] && printf '%s\n' "$f"
done > "$W/files"
check "the file list is not empty ($(wc -l < "$W/files" | tr -d ' ') files)" \
    test -s "$W/files"

# grep -nHIE PATTERN over every file; hits in $W/$1.
scan() {
	tr '\n' '\0' < "$W/files" | xargs -0 grep -nHIE -- "$2" > "$W/$1" 2>/dev/null
	return 0
}
report() {	# $1 hits file, $2 what
	if [ -s "$W/$1" ]; then
		not_ok "$2 ($(wc -l < "$W/$1" | tr -d ' ') lines)"
		head -40 "$W/$1" | sed 's/^/# /'	# each hit its own diagnostic line
	else
		ok "$2"
	fi
}

# 1. The outside document went by the upper-case word (a whole word: a
# longer identifier that contains it does not count), and lived in a
# "shared" folder beside the checkout.
up=DES; up=${up}IGN
sh_dir=shar; sh_dir=${sh_dir}ed
scan outside "(^|[^A-Za-z0-9_])$up([^A-Za-z0-9_]|$)|$sh_dir/$up|\.\./$sh_dir/"
report outside "no file refers to a design document outside the repository"

# 2. A path of a build machine: the work, home and root directories at the
# top of the file system, as the start of a path.  Preceded by a name, a
# variable, a dot or another path part ("$T/work/...", "x.y/root/"), the same
# letters are a subdirectory of something else and do not count.
m_work=wor; m_work=${m_work}k
m_home=hom; m_home=${m_home}e
m_root=roo; m_root=${m_root}t
lead='(^|[^A-Za-z0-9_.$}/~-])'
scan machine "$lead/($m_work|$m_root)/|$lead/$m_home/[a-z_][a-z0-9_-]*"
report machine "no file names a path of a build machine"

# 3. Citations of docs/design.md: the words after the mention (and the next
# line's, without its comment leader, when the mention ends a line) are read
# as "section(s) N", "invariant(s) N", with "N-M", "N, M" and "N and M".
design=docs/design.md
if [ -f "$design" ]; then
	grep -E '^## [0-9]+\.' "$design" | sed -E 's/^## ([0-9]+)\..*/section \1/' > "$W/have"
	awk '/^#+ / { inv = ($0 ~ /[Ii]nvariants/) ; next }
	    inv && /^[0-9]+\. / { sub(/\..*/, ""); print "invariant " $0 }' \
	    "$design" >> "$W/have"
else
	: > "$W/have"
fi
tr '\n' '\0' < "$W/files" | xargs -0 awk '
function cite(tail,   n, i, w, kind, a, b, k) {
	n = split(tail, w, /[ \t]+/)
	kind = ""
	for (i = 1; i <= n; i++) {
		gsub(/[(),;:.]+$/, "", w[i]); gsub(/^[(,;]+/, "", w[i])
		if (w[i] == "") continue
		if (w[i] ~ /^sections?$/) { kind = "section"; continue }
		if (w[i] ~ /^invariants?$/) { kind = "invariant"; continue }
		if (w[i] ~ /^steps?$/) { kind = "step"; continue }
		if (w[i] == "and" && kind != "") continue
		if (kind != "" && w[i] ~ /^[0-9]+(-[0-9]+)?$/) {
			if (kind == "step") continue
			a = w[i]; b = w[i]
			if (w[i] ~ /-/) { a = substr(w[i], 1, index(w[i], "-") - 1);
			    b = substr(w[i], index(w[i], "-") + 1) }
			for (k = a + 0; k <= b + 0; k++)
				print FILENAME ":" line ": " kind " " k
			continue
		}
		break
	}
}
FNR == 1 { pend = "" }
pend != "" {
	t = $0; sub(/^[ \t]*(\*|#+|;+|\/\/)?[ \t]*/, "", t)
	cite(pend " " t); pend = ""
}
{
	s = $0
	while ((p = index(s, "docs/design.md")) > 0) {
		s = substr(s, p + 14)
		rest = s; sub(/docs\/design\.md.*/, "", rest)
		line = FNR
		if (rest ~ /^[ \t]*$/) pend = " "
		else cite(rest)
	}
}' 2>/dev/null | sort -u > "$W/cited"
: > "$W/badcite"
while IFS= read -r c; do
	what=${c#*: }
	grep -qxF -- "$what" "$W/have" || printf '%s (not in %s)\n' "$c" "$design" >> "$W/badcite"
done < "$W/cited"
check "docs/design.md has sections and invariants to cite" test -s "$W/have"
report badcite "every docs/design.md section and invariant cited exists ($(wc -l < "$W/cited" | tr -d ' ') citations)"

# 4. Every page under docs/ named anywhere exists.
scan docrefs 'docs/[A-Za-z0-9_./-]*[A-Za-z0-9_-]\.md'
: > "$W/baddoc"
while IFS= read -r hit; do
	loc=${hit%%:*}; rest=${hit#*:}; n=${rest%%:*}; text=${rest#*:}
	printf '%s\n' "$text" | grep -oE 'docs/[A-Za-z0-9_./-]*[A-Za-z0-9_-]\.md' |
	while IFS= read -r d; do
		[ -f "$d" ] || printf '%s:%s: %s does not exist\n' "$loc" "$n" "$d"
	done >> "$W/baddoc"
done < "$W/docrefs"
report baddoc "every docs/*.md cited exists"

# 5. Every file of the tree cited by its folder and name exists.  A path
# preceded by a name, a dot or a variable is somewhere else ($T/common/x.c).
dirs='cli|common|ipc|verify|daemons/[a-z]+|policy(/[a-z]+)?|tests/[a-z]+|bench|demo(/[a-z]+)?'
exts='c|h|sh|py|md|conf|service|example'
scan srcrefs "(^|[^A-Za-z0-9_./\$}-])($dirs)/[A-Za-z0-9_.-]+\.($exts)([^A-Za-z0-9_]|\$)"
: > "$W/badsrc"
while IFS= read -r hit; do
	loc=${hit%%:*}; rest=${hit#*:}; n=${rest%%:*}; text=${rest#*:}
	printf '%s\n' "$text" |
	grep -oE "(^|[^A-Za-z0-9_./\$}-])($dirs)/[A-Za-z0-9_.-]+\.($exts)([^A-Za-z0-9_]|\$)" |
	sed -E 's/^[^a-z]//; s/[^A-Za-z0-9_]$//' |
	while IFS= read -r f; do
		[ -f "$f" ] || printf '%s:%s: %s does not exist\n' "$loc" "$n" "$f"
	done >> "$W/badsrc"
done < "$W/srcrefs"
report badsrc "every file cited by its path exists"
tap_end
