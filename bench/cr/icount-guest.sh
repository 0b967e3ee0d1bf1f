#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Idle checkpoints and restores timed in guest instructions, guest side of
# profile.sh's icount run: under TCPKIT_ACCEL=icount the guest's clock
# advances one nanosecond per instruction executed, so crbench's times are
# instruction counts, whatever the host's load and however fast TCG runs
# a given piece of code. "CRI ..." lines, as crbench profile's CRP lines.
cd "$(dirname "$0")" || exit 1
RUNS=${RUNS:-15}
/sbin/modprobe tcpkit || { echo "CRI error modprobe tcpkit"; exit 1; }
/usr/sbin/ip netns add cri || exit 1
/usr/sbin/ip -n cri link set lo up
echo "CRI info kernel $(uname -r) cpus $(nproc)"
/usr/sbin/ip netns exec cri ./crbench profile "$RUNS" 0 > /tmp/cri.out
rc=$?
sed 's/^CRP /CRI /' /tmp/cri.out
/usr/sbin/ip netns del cri
echo "CRI info done rc=$rc"
exit $rc
