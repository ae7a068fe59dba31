#!/bin/sh
# Install every Debian package the build, the tests and the demo need.
# As root: one apt-get update, then install what is missing.  Otherwise:
# print the command and fail.
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing" >&2
	echo "deps: run as root: apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
echo "deps: installing$missing"
apt-get update -qq || exit 1
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
