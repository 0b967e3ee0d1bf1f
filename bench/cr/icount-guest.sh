#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Checkpoints and restores timed in guest instructions, guest side of
# profile.sh's icount runs: under TCPKIT_ACCEL=icount the guest's clock
# advances one nanosecond per instruction executed, so crbench's times are
# instruction counts, whatever the host's load and however fast TCG runs
# a given piece of code.
#
# icount-guest.sh: idle connections, "CRI ..." lines, as crbench
# profile's CRP lines.
# icount-guest.sh QUEUE: connections whose receive queue holds QUEUE
# bytes, the module's profile parameter on (its phase times, ktime-based,
# become instruction counts too), "CRQ ..." lines, the module's as "CRQ
# kernel ...".
cd "$(dirname "$0")" || exit 1
RUNS=${RUNS:-15}
QUEUE=${1:-0}
tag=CRI
[ "$QUEUE" = 0 ] || tag=CRQ
/sbin/modprobe tcpkit || { echo "$tag error modprobe tcpkit"; exit 1; }
/usr/sbin/ip netns add cri || exit 1
/usr/sbin/ip -n cri link set lo up
echo "$tag info kernel $(uname -r) cpus $(nproc)"
# The fast string move flags: with them the kernel copies and clears
# memory with rep movsb/stosb (see crbench's memcpy_ns()).
echo "$tag info strings $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' |
	grep -x -E 'erms|fsrm' | tr '\n' ' ')"
if [ "$QUEUE" != 0 ]; then
	# Right after boot QEMU counted a rep movsb as two instructions a
	# byte, some seconds of guest time later as one (the kernel copies
	# and clears memory with rep string instructions): one run first,
	# its "rep movsb" counts kept as "CRQ warmup QUEUE ns rep_ns
	# rep0_ns", then 10 s of guest time idle.
	/usr/sbin/ip netns exec cri ./crbench profile 1 "$QUEUE" |
		sed -n 's/^CRP memcpy /CRQ warmup /p' > /tmp/criw.out
	sleep 10
	echo 1 > /sys/module/tcpkit/parameters/profile
	dmesg -c > /dev/null
fi
/usr/sbin/ip netns exec cri ./crbench profile "$RUNS" "$QUEUE" > /tmp/cri.out
rc=$?
[ "$QUEUE" = 0 ] || cat /tmp/criw.out
sed "s/^CRP /$tag /" /tmp/cri.out
if [ "$QUEUE" != 0 ]; then
	echo 0 > /sys/module/tcpkit/parameters/profile
	dmesg | sed -n "s/.*tcpkit: profile /$tag kernel /p"
fi
/usr/sbin/ip netns del cri
echo "$tag info done rc=$rc"
exit $rc
