#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/cr/run.sh [--kver SERIES] [--maxconn N] [--quick]
#
# The checkpoint/restore benchmark: boot one test VM (default: 6.12), run
# guest.sh (crbench) in it, and write bench/results/cr.md with its PNG plot
# and the raw data (cr-raw.txt). About 3 minutes under TCG; --quick runs
# 3 samples per size and at most 100 connections, to try the harness.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
series=6.12 quick=0 maxconn=10000
while [ $# -gt 0 ]; do
	case $1 in
	--kver) series=$2; shift 2 ;;
	--quick) quick=1 maxconn=100; shift ;;
	--maxconn) maxconn=$2; shift 2 ;;
	*) echo "usage: $0 [--kver SERIES] [--maxconn N] [--quick]" >&2; exit 1 ;;
	esac
done

command -v gnuplot >/dev/null || { echo "gnuplot missing: make deps" >&2; exit 1; }
out=$top/build/bench/cr
results=$top/bench/results
make -s -C "$top/bench/cr" OUTPUT="$out"
mkdir -p "$results"

log=$out/vm.log
TCPKIT_VM_LOG=$log "$top/scripts/vm-run.sh" --kver "$series" --timeout 1800 -- \
	env QUICK=$quick MAXCONN="$maxconn" /opt/tcpkit/bench/cr/guest.sh \
	> "$out/vm-output.txt" 2>&1 || {
	echo "bench/cr: the VM run failed, see $out/vm-output.txt" >&2
	exit 2
}
grep '^CRB ' "$log" > "$results/cr-raw.txt"
grep -q '^CRB info done rc=0' "$results/cr-raw.txt" || {
	echo "bench/cr: the guest did not finish, see $log" >&2
	exit 2
}
rel=$(sed -n 's/^TCPKIT_BOOTED //p' "$log" | head -n1)
python3 "$top/bench/cr/report.py" "$results/cr-raw.txt" "$results" "$rel" \
	"bench/cr/run.sh --kver $series --maxconn $maxconn$([ $quick = 1 ] && echo ' --quick')"
echo "bench/cr: wrote $results/cr.md"
