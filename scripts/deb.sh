#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# deb.sh   (make deb)
#
# Build the Debian packages (tcpkit-dkms, libtcpkit1, libtcpkit-dev,
# tcpkit) from this tree with debhelper and dh-dkms, then run lintian on
# them; any warning or error fails. The build runs in a copy of the
# sources under build/deb/ (dpkg-buildpackage writes beside the source
# directory, and the module's objects of an in-tree `make` must not end up
# in tcpkit-dkms); the .deb files land in build/deb/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$TOPDIR/build/deb
ver=$(dpkg-parsechangelog -l "$TOPDIR/debian/changelog" -S Version)
src=$out/tcpkit-$ver

rm -rf "$out"
mkdir -p "$src"
cd "$TOPDIR"
# The module: only its sources (as build-module.sh copies them).
cp Kbuild dkms.conf "$src/"
find module uapi -name '*.[ch]' -exec cp --parents {} "$src/" \;
# Userspace: `debian/rules clean` removes whatever a tree build left.
cp -r debian lib cli Documentation "$src/"

(cd "$src" && dpkg-buildpackage -b -us -uc -j"$(nproc)") > "$out/build.log" 2>&1 ||
	{ tail -n 30 "$out/build.log" >&2; die "dpkg-buildpackage failed, see $out/build.log"; }
# Overrides, if ever needed, go in debian/*.lintian-overrides with a
# comment saying why.
lintian --fail-on error,warning --tag-display-limit 0 "$out"/*.deb ||
	die "lintian: the packages above are not clean"
ls "$out"/*.deb
