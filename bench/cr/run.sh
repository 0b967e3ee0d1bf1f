#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/cr/run.sh [--kver SERIES] [--maxconn N] [--quick]
#                 [--resume-only | --no-resume] [--rate MBIT|auto]
#
# The checkpoint/restore benchmark: boot one test VM (default: 6.12), run
# guest.sh (crbench) in it, and write bench/results/cr.md with its PNG plot
# and the raw data (cr-raw.txt). About 3 minutes under TCG; --quick runs
# 3 samples per size and at most 100 connections, to try the harness.
#
# In the same VM run, then, resume-guest.sh (crresume): resume lag and
# transfer time after freezes (about 5 minutes when it picks 40 Mbit/s, 12
# when a loaded host makes it pick 10; --quick: one repetition),
# its section of cr.md by resume_report.py, raw data cr-resume-raw.txt.
# --resume-only runs and rewrites only that part, --no-resume skips it;
# --rate sets its bottleneck (default auto, as bench/cc).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
series=6.12 quick=0 maxconn=10000 resume=1 crb=1 rate=auto
usage="usage: $0 [--kver SERIES] [--maxconn N] [--quick] [--resume-only | --no-resume] [--rate MBIT|auto]"
args=
while [ $# -gt 0 ]; do
	case $1 in
	--kver) series=$2; shift 2 ;;
	--quick) quick=1 maxconn=100; args="$args --quick"; shift ;;
	--maxconn) maxconn=$2; shift 2 ;;
	--resume-only) crb=0 resume=1; args="$args --resume-only"; shift ;;
	--no-resume) resume=0; args="$args --no-resume"; shift ;;
	--rate) rate=$2; args="$args --rate $2"; shift 2 ;;
	*) echo "$usage" >&2; exit 1 ;;
	esac
done

command -v gnuplot >/dev/null || { echo "gnuplot missing: make deps" >&2; exit 1; }
out=$top/build/bench/cr
results=$top/bench/results
make -s -C "$top/bench/cr" OUTPUT="$out"
mkdir -p "$results"

log=$out/vm.log
guest=
[ $crb = 1 ] && guest=/opt/tcpkit/bench/cr/guest.sh
if [ $resume = 1 ]; then
	reps=3
	[ $quick = 1 ] && reps=1
	guest="${guest:+$guest; }env REPS=$reps RATE=$rate /opt/tcpkit/bench/cr/resume-guest.sh"
fi
TCPKIT_VM_LOG=$log "$top/scripts/vm-run.sh" --kver "$series" --timeout 1800 -- \
	env QUICK=$quick MAXCONN="$maxconn" sh -c "$guest" \
	> "$out/vm-output.txt" 2>&1 || {
	echo "bench/cr: the VM run failed, see $out/vm-output.txt" >&2
	exit 2
}
rel=$(sed -n 's/^TCPKIT_BOOTED //p' "$log" | head -n1)
cmd="bench/cr/run.sh --kver $series --maxconn $maxconn$args"
if [ $resume = 1 ]; then
	grep '^CRR ' "$log" > "$results/cr-resume-raw.txt" || true
	echo "CRR info ran $(date -u '+%Y-%m-%d %H:%M')" >> "$results/cr-resume-raw.txt"
	grep -q '^CRR info done' "$results/cr-resume-raw.txt" || {
		echo "bench/cr: the resume part did not finish, see $log" >&2
		exit 2
	}
fi
if [ $crb = 0 ]; then
	python3 "$top/bench/cr/resume_report.py" "$results/cr-resume-raw.txt" \
		"$results" "$rel" "$cmd"
	echo "bench/cr: rewrote the resume section of $results/cr.md"
	exit 0
fi
grep '^CRB ' "$log" > "$results/cr-raw.txt"
grep -q '^CRB info done rc=0' "$results/cr-raw.txt" || {
	echo "bench/cr: the guest did not finish, see $log" >&2
	exit 2
}
python3 "$top/bench/cr/report.py" "$results/cr-raw.txt" "$results" "$rel" \
	"bench/cr/run.sh --kver $series --maxconn $maxconn$([ $quick = 1 ] && echo ' --quick')"
if [ $resume = 1 ]; then
	python3 "$top/bench/cr/resume_report.py" "$results/cr-resume-raw.txt" \
		"$results" "$rel" "$cmd"
fi
echo "bench/cr: wrote $results/cr.md"
