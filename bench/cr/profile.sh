#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/cr/profile.sh [--kver SERIES] [--runs N]
#
# Where the time of one checkpoint+restore goes: boot one test VM (default
# 6.12), run profile-guest.sh (N runs, default 15, of an idle and of a
# 4 MiB connection, the module's profile parameter on) and write
# bench/results/cr-profile.md with the medians per phase.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
series=6.12 runs=15
while [ $# -gt 0 ]; do
	case $1 in
	--kver) series=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	*) echo "usage: $0 [--kver SERIES] [--runs N]" >&2; exit 1 ;;
	esac
done

out=$top/build/bench/cr
results=$top/bench/results
make -s -C "$top/bench/cr" OUTPUT="$out"
mkdir -p "$results"

log=$out/profile-vm.log
TCPKIT_VM_LOG=$log "$top/scripts/vm-run.sh" --kver "$series" --timeout 1800 -- \
	env RUNS="$runs" /opt/tcpkit/bench/cr/profile-guest.sh \
	> "$out/profile-output.txt" 2>&1 || {
	echo "bench/cr: the profile VM run failed, see $out/profile-output.txt" >&2
	exit 2
}
grep '^CRP ' "$log" > "$out/profile-raw.txt"
grep -q '^CRP info done rc=0' "$out/profile-raw.txt" || {
	echo "bench/cr: the guest did not finish, see $log" >&2
	exit 2
}
python3 "$top/bench/cr/profile.py" "$out/profile-raw.txt" \
	"bench/cr/profile.sh --kver $series --runs $runs" > "$results/cr-profile.md"
echo "bench/cr: wrote $results/cr-profile.md"
