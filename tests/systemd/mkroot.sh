#!/bin/sh
# mkroot.sh DIR DEB: print the path of a minimal Debian 12 tree (a tar file)
# for tests/systemd/check-systemd.sh, built once with mmdebstrap and cached
# in DIR as root-KEY.tar.  KEY is a hash of the package list: systemd and
# dbus to boot, and every package the .deb DEB depends on, so that
# "dpkg -i" works in the container without a network.  The mirrors are the
# host's Debian sources (Debian 12's /etc/apt/sources.list.d/debian.sources),
# else mmdebstrap's default.  Progress goes to stderr.
set -eu
dir=$1 deb=$2
# "a (>= 1), b | c" -> "a b": the first of each alternative, no versions.
deps=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/[[:space:]]//g' |
	grep -v '^$' | sort -u | tr '\n' ' ')
pkgs="systemd dbus $deps"
key=$(printf 'bookworm minbase %s\n' "$pkgs" | sha256sum | cut -c1-16)
tar=$dir/root-$key.tar
if [ -s "$tar" ]; then
	echo "mkroot: cached $tar ($pkgs)" >&2
	echo "$tar"
	exit 0
fi
mkdir -p "$dir"
rm -rf "$dir"/root-*.tar "$dir"/new-*.tar
echo "mkroot: building $tar with mmdebstrap ($pkgs)" >&2
include=$(echo $pkgs | tr ' ' ',')
src=/etc/apt/sources.list.d/debian.sources
[ -s "$src" ] || src=""
timeout 600 mmdebstrap --quiet --variant=minbase --include="$include" \
	bookworm "$dir/new-$key.tar" $src < /dev/null >&2
mv "$dir/new-$key.tar" "$tar"
echo "$tar"
