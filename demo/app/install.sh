#!/bin/sh
# Example Custom Gateway Application installer, run by gwe-installd as root
# from the unpacked tarball, with a fixed environment:
#   GWE_APP, GWE_VERSION, GWE_STAGING (this directory), PATH.
# Whatever it prints goes to the fetch_status alias.
set -eu
dest=/tmp/gwe-demo-apps/$GWE_APP	# the demo removes it when it ends
echo "installing $GWE_APP $GWE_VERSION from $GWE_STAGING"
mkdir -p "$dest"
cp hello.sh "$dest/hello.sh"
chmod 0755 "$dest/hello.sh"
echo "installed $dest/hello.sh ($(wc -c < hello.sh) bytes)"
echo "it says: $("$dest/hello.sh")"
echo "kernel $(uname -r), $(nproc) cpus, running as uid $(id -u)"
