#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/cc/percall.sh [--kver SERIES] [--runs N] [--clock tcg|icount]
#
# The time per call of aimd's and Reno's cong_avoid alone (section 7 of
# guest.sh), without the rest of the benchmark: boot one test VM (default:
# 7-prof, the kernel with the function profiler, built from source once by
# kernel.sh: 6 to 20 minutes), run guest.sh with PERCALL=1 and N pairs of
# alternating runs per path (default 12), keep its lines in
# bench/results/cc-percall-CLOCK.txt and write bench/results/cc.md again
# from cc-raw.txt.gz (run.sh's last run) and every cc-percall-*.txt.
# --clock tcg (default): QEMU TCG as for everything else, times are the
# host's time as the guest sees it; icount: the guest's clock counts
# instructions (scripts/accel.sh), so a time per call is a count of
# instructions, which the host's load does not move; on 1 vCPU, so that
# no other vCPU's instructions (round-robin under icount) land inside a
# call. About 10 minutes.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
series=7-prof runs=12 clock=tcg
while [ $# -gt 0 ]; do
	case $1 in
	--kver) series=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--clock) clock=$2; shift 2 ;;
	*) echo "usage: $0 [--kver SERIES] [--runs N] [--clock tcg|icount]" >&2; exit 1 ;;
	esac
done
case $clock in
tcg | icount) ;;
*) echo "bench/cc: --clock is tcg or icount" >&2; exit 1 ;;
esac

out=$top/build/bench/cc
results=$top/bench/results
[ -f "$results/cc-raw.txt.gz" ] || {
	echo "bench/cc: no $results/cc-raw.txt.gz: run bench/cc/run.sh first" >&2
	exit 1
}
make -s -C "$top/bench/cc" OUTPUT="$out"

log=$out/percall-$clock-vm.log
raw=$out/cc-percall-$clock.txt
# Under plain TCG the guest's TSC counts the host's TSC ticks, and the
# 7.x test kernel (no ACPI: no PM timer, no HPET) cannot calibrate it: it
# would fall back to jiffies, and the profiler's clock with it. It is told
# the host's frequency instead. Under icount the TSC is the instruction
# clock (1 GHz), which the PIT calibrates.
smp=1 append=
if [ "$clock" = tcg ]; then
	smp=2
	khz=$(awk -F: '/^cpu MHz/ { printf "%d", $2 * 1000; exit }' /proc/cpuinfo)
	append="tsc_early_khz=$khz"
fi
TCPKIT_ACCEL=$clock TCPKIT_VM_SMP=$smp TCPKIT_VM_LOG=$log "$top/scripts/vm-run.sh" \
	--kver "$series" --timeout 3600 --append "$append" -- \
	env PERCALL=1 PROF_RUNS="$runs" CLOCK="$clock" \
	/opt/tcpkit/bench/cc/guest.sh > "$out/percall-$clock-output.txt" 2>&1 || {
	echo "bench/cc: the VM run failed, see $out/percall-$clock-output.txt" >&2
	exit 2
}
grep '^CCB ' "$log" > "$raw"
grep -q '^CCB info done' "$raw" || {
	echo "bench/cc: the guest did not finish, see $log" >&2
	exit 2
}
mv "$raw" "$results/"
# The kernel of the main run, as run.sh gave it.
rel=$(zcat "$results/cc-raw.txt.gz" | sed -n 's/^CCB info kernel //p' | head -n1)
python3 "$top/bench/cc/report.py" "$results/cc-raw.txt.gz" "$results" "$rel" \
	"$results"/cc-percall-*.txt
echo "bench/cc: wrote $results/cc.md (time per call: $results/cc-percall-$clock.txt)"
