#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Checkpoint/restore profile, guest side (see profile.sh): the module logs
# its phase times (parameter profile), crbench times the library's calls;
# both come out as "CRP ..." lines.
cd "$(dirname "$0")" || exit 1
RUNS=${RUNS:-15}
/sbin/modprobe tcpkit || { echo "CRP error modprobe tcpkit"; exit 1; }
echo 1 > /sys/module/tcpkit/parameters/profile
/usr/sbin/ip netns add crp || exit 1
/usr/sbin/ip -n crp link set lo up
echo "CRP info kernel $(uname -r) cpus $(nproc)"
# Whether the kernel clears every page and slab object it hands out.
echo "CRP info autoinit $(dmesg | sed -n 's/.*mem auto-init: //p' | head -n1)"
dmesg -c > /dev/null
/usr/sbin/ip netns exec crp ./crbench profile "$RUNS"
rc=$?
echo 0 > /sys/module/tcpkit/parameters/profile
dmesg | sed -n 's/.*tcpkit: profile /CRP kernel /p'
/usr/sbin/ip netns del crp
echo "CRP info done rc=$rc"
exit $rc
