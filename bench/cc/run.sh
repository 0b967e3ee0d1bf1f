#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/cc/run.sh [--kver SERIES] [--rate MBIT|auto] [--quick]
#
# The congestion control benchmark: boot one test VM (default: 6.12), run
# guest.sh in it, and write bench/results/cc.md with its PNG plots and the
# raw data (cc-raw.txt.gz). Takes about 30 minutes under TCG; --quick runs
# every scenario briefly, to try the harness. The bottleneck is 100 Mbit/s
# when one unshaped flow carries 1.2 times that in the guest, else the
# highest of 50, 40, 30, 20, 10 Mbit/s it does (auto, the default: a guest
# that cannot fill the link measures its CPU, not the algorithms); --rate
# forces one. The report gives the measured capacity and link use.
# bench/cc/percall.sh adds the time per call under the function profiler.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
series=6.12 quick=0 rate=auto
while [ $# -gt 0 ]; do
	case $1 in
	--kver) series=$2; shift 2 ;;
	--quick) quick=1; shift ;;
	--rate) rate=$2; shift 2 ;;
	*) echo "usage: $0 [--kver SERIES] [--rate MBIT|auto] [--quick]" >&2; exit 1 ;;
	esac
done

command -v gnuplot >/dev/null || { echo "gnuplot missing: make deps" >&2; exit 1; }
out=$top/build/bench/cc
results=$top/bench/results
make -s -C "$top/bench/cc" OUTPUT="$out"
mkdir -p "$results"

log=$out/vm.log
TCPKIT_VM_LOG=$log "$top/scripts/vm-run.sh" --kver "$series" --timeout 3600 -- \
	env QUICK=$quick RATE=$rate /opt/tcpkit/bench/cc/guest.sh > "$out/vm-output.txt" 2>&1 || {
	echo "bench/cc: the VM run failed, see $out/vm-output.txt" >&2
	exit 2
}
grep '^CCB ' "$log" > "$results/cc-raw.txt"
grep -q '^CCB info done' "$results/cc-raw.txt" || {
	echo "bench/cc: the guest did not finish, see $log" >&2
	exit 2
}
rel=$(sed -n 's/^TCPKIT_BOOTED //p' "$log" | head -n1)
# The time per call on the profiling kernel comes from percall.sh's last
# runs, when there are some.
shopt -s nullglob
percall=("$results"/cc-percall-*.txt)
shopt -u nullglob
python3 "$top/bench/cc/report.py" "$results/cc-raw.txt" "$results" "$rel" \
	"${percall[@]}"
gzip -9f "$results/cc-raw.txt"
echo "bench/cc: wrote $results/cc.md"
