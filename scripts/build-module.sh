#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-module.sh SERIES [MAKE ARGS...]
#
# Build tcpkit.ko for the newest Debian kernel of SERIES into build/SERIES/.
# Each series gets its own copy of the sources so that builds for several
# kernels never share objects.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

series=$1
shift
kdir=$("$TOPDIR/scripts/kernel.sh" kdir "$series")
[ -d "$kdir" ] || die "no headers in $kdir: run 'make deps'"
out=$TOPDIR/build/$series
mkdir -p "$out/src"
# Copy only what changed so that incremental builds stay incremental.
cp -ru "$TOPDIR/Kbuild" "$TOPDIR/module" "$TOPDIR/uapi" "$out/src/"
# Drop sources that were removed from the tree.
(cd "$out/src" && find module uapi -name '*.[ch]') | while read -r f; do
	[ -e "$TOPDIR/$f" ] || rm -f "$out/src/$f" "$out/src/${f%.c}.o"
done
make -C "$kdir" M="$out/src" "$@" modules
cp "$out/src/tcpkit.ko" "$out/tcpkit.ko"
