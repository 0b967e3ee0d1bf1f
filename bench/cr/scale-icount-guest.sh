#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Scale in guest instructions, guest side of run.sh's icount run: crbench's
# scale part alone (N idle connections checkpointed one by one, closed in
# repair mode, restored one by one; tcpkit, then soccr) for each N of NS,
# the whole list REPS times over, in one crbench process.
# Under TCPKIT_ACCEL=icount the guest's clock advances one nanosecond per
# instruction executed, so the times are instruction counts, whatever the
# host's load. "CRS ..." lines: crbench's CRB lines renamed, and info
# lines: the TCP hash table sizes and the guest's memory, which bear on
# what grows with N, and /proc/stat's CPU time around the run.
cd "$(dirname "$0")" || exit 1
NS=${NS:-100 1000 10000}
REPS=${REPS:-3}
/sbin/modprobe tcpkit || { echo "CRS error modprobe tcpkit"; exit 1; }
/usr/sbin/ip netns add crs || exit 1
/usr/sbin/ip -n crs link set lo up
echo "CRS info kernel $(uname -r) cpus $(nproc)"
# The established hash the namespace uses (0: the global one) and the
# global table sizes the kernel chose at boot.
echo "CRS info child_ehash $(/usr/sbin/ip netns exec crs cat /proc/sys/net/ipv4/tcp_child_ehash_entries 2>/dev/null) ehash $(/usr/sbin/ip netns exec crs cat /proc/sys/net/ipv4/tcp_ehash_entries 2>/dev/null)"
dmesg | grep -E 'TCP (established|bind) hash table entries' | sed 's/^\[[^]]*\] */CRS info boot /'
grep MemTotal /proc/meminfo | sed 's/^/CRS info /'
# The CPU's time by kind (USER_HZ ticks) and the context switches, from
# /proc/stat, around the run.
stat() { awk '$1 == "cpu" { print "user", $2, "sys", $4, "idle", $5, "irq", $7, "softirq", $8 } $1 == "ctxt" { print "ctxt", $2 }' /proc/stat | tr '\n' ' '; }
echo "CRS info stat-before $(stat)"
list=
for r in $(seq "$REPS"); do list="$list $NS"; done
echo "CRS info ns $NS reps $REPS"
/usr/sbin/ip netns exec crs ./crbench scale $list > /tmp/crs.out
rc=$?
echo "CRS info stat-after $(stat)"
sed 's/^CRB /CRS /' /tmp/crs.out
/usr/sbin/ip netns del crs
echo "CRS info done rc=$rc"
exit $rc
