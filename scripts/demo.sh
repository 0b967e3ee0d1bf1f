#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The README's first command: set up, boot a supported kernel (6.12 unless
# TCPKIT_DEMO_KVER says otherwise) and run the demo in it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

series=${TCPKIT_DEMO_KVER:-6.12}
"$TOPDIR/scripts/deps.sh"
make -s -C "$TOPDIR" KVER="$series" vm-prereqs
"$TOPDIR/scripts/vm-run.sh" --kver "$series" --no-build --timeout 300 \
	-- /opt/tcpkit/guest/demo.sh > "$TOPDIR/build/demo.log" 2>&1 || {
	rc=$?
	sed -n '/TCPKIT_BOOTED/,/TCPKIT_DMESG_BEGIN/p' "$TOPDIR/build/demo.log"
	echo "tcpkit: demo failed (status $rc), serial log: $TOPDIR/build/demo.log" >&2
	exit 1
}
sed -n '/TCPKIT_BOOTED/,/TCPKIT_DMESG_BEGIN/{/^TCPKIT_/d;p}' "$TOPDIR/build/demo.log"
