#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/cr/profile.sh [--kver SERIES] [--runs N] [--qruns M] [--no-trace]
#
# Where the time of one checkpoint+restore goes: boot one test VM (default
# 6.12), run profile-guest.sh (N runs, default 15, of an idle and of a
# 4 MiB connection, the module's profile parameter on), a second one
# under icount (idle calls timed in guest instructions), a third under
# icount (M runs, default 10, of the 4 MiB connection, the module's
# profile parameter on, beside the userspace sequence, a memcpy and fresh
# memory of 4 MiB: the floor at 4 MiB in guest instructions), then, unless
# --no-trace, a VM on 7-prof (the kernel built with the function graph
# tracer) under icount running trace-guest.sh (20 idle runs traced), and
# write
# bench/results/cr-profile.md with the medians per phase, the split of the
# time outside them and the kernel functions it goes to.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
series=6.12 runs=15 qruns=10 trace=1
while [ $# -gt 0 ]; do
	case $1 in
	--kver) series=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	--qruns) qruns=$2; shift 2 ;;
	--no-trace) trace=0; shift ;;
	*) echo "usage: $0 [--kver SERIES] [--runs N] [--qruns M] [--no-trace]" >&2
	   exit 1 ;;
	esac
done

out=$top/build/bench/cr
results=$top/bench/results
make -s -C "$top/bench/cr" OUTPUT="$out"
mkdir -p "$results"

log=$out/profile-vm.log
load0=$(cut -d' ' -f1-3 /proc/loadavg)
TCPKIT_VM_LOG=$log "$top/scripts/vm-run.sh" --kver "$series" --timeout 1800 -- \
	env RUNS="$runs" /opt/tcpkit/bench/cr/profile-guest.sh \
	> "$out/profile-output.txt" 2>&1 || {
	echo "bench/cr: the profile VM run failed, see $out/profile-output.txt" >&2
	exit 2
}
grep '^CRP ' "$log" > "$out/profile-raw.txt"
# The host's load around the run (other VMs slow this one down under TCG).
echo "CRP info hostload $load0 / $(cut -d' ' -f1-3 /proc/loadavg)" \
	>> "$out/profile-raw.txt"
grep -q '^CRP info done rc=0' "$out/profile-raw.txt" || {
	echo "bench/cr: the guest did not finish, see $log" >&2
	exit 2
}
# icount_vm NAME TAG RUNS [QUEUE]: icount-guest.sh in a VM of the series
# under icount (one guest nanosecond per instruction), its TAG lines
# added to the raw file.
icount_vm() {
	local log=$out/$1-vm.log
	TCPKIT_ACCEL=icount TCPKIT_VM_SMP=1 TCPKIT_VM_LOG=$log \
		"$top/scripts/vm-run.sh" --kver "$series" --timeout 1800 -- \
		env RUNS="$3" /opt/tcpkit/bench/cr/icount-guest.sh ${4:-} \
		> "$out/$1-output.txt" 2>&1 || {
		echo "bench/cr: the $1 VM run failed, see $out/$1-output.txt" >&2
		exit 2
	}
	grep "^$2 " "$log" >> "$out/profile-raw.txt"
	grep -q "^$2 info done rc=0" "$out/profile-raw.txt" || {
		echo "bench/cr: the $1 guest did not finish, see $log" >&2
		exit 2
	}
}
# The same idle calls counted in guest instructions, a second VM; the
# 4 MiB case, the module's phases included, a third.
icount_vm icount CRI "$runs"
icount_vm icount-queue CRQ "$qruns" $((4 << 20))
traceraw=
if [ $trace = 1 ]; then
	# Under icount, as the icount run: the tracer's time stamps count
	# guest instructions, so the untraced and traced runs compare
	# whatever the host's load (under plain TCG they did not, and the
	# tracer's cost could not be taken off). init_on_alloc=1 as in
	# Debian's kernels; kmemleak, on in this build, would make every
	# allocation save a stack trace.
	tlog=$out/trace-vm.log
	TCPKIT_ACCEL=icount TCPKIT_VM_SMP=1 TCPKIT_VM_LOG=$tlog \
		"$top/scripts/vm-run.sh" --kver 7-prof --timeout 1800 \
		--append "init_on_alloc=1 kmemleak=off" -- \
		env RUNS=20 /opt/tcpkit/bench/cr/trace-guest.sh \
		> "$out/trace-output.txt" 2>&1 || {
		echo "bench/cr: the trace VM run failed, see $out/trace-output.txt" >&2
		exit 2
	}
	grep -E '^CR[TU] ' "$tlog" > "$out/trace-raw.txt"
	grep -q '^CRT info done rc=0' "$out/trace-raw.txt" || {
		echo "bench/cr: the trace guest did not finish, see $tlog" >&2
		exit 2
	}
	traceraw=$out/trace-raw.txt
fi
cmd="bench/cr/profile.sh --kver $series --runs $runs --qruns $qruns"
[ $trace = 1 ] || cmd="$cmd --no-trace"
python3 "$top/bench/cr/profile.py" "$out/profile-raw.txt" "$cmd" $traceraw \
	> "$results/cr-profile.md"
echo "bench/cr: wrote $results/cr-profile.md"
