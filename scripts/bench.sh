#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: every benchmark, each booting the 6.12 VM once and writing
# its report under bench/results/, then the time per call of the
# congestion control hooks on the 7-prof kernel (the function profiler;
# built from source once) and the checkpoint/restore profile.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$TOPDIR/scripts/deps.sh"
for b in cc cr; do
	[ -x "$TOPDIR/bench/$b/run.sh" ] || continue
	echo "== bench/$b"
	"$TOPDIR/bench/$b/run.sh" --kver 6.12
done
echo "== bench/cc time per call"
"$TOPDIR/bench/cc/percall.sh" --kver 7-prof --clock tcg
"$TOPDIR/bench/cc/percall.sh" --kver 7-prof --clock icount
echo "== bench/cr profile"
"$TOPDIR/bench/cr/profile.sh" --kver 6.12
