#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Checkpoint/restore benchmark, guest side (runs inside the test VM; see
# run.sh). crbench prints "CRB ..." lines; it runs in a netns of its own.
cd "$(dirname "$0")" || exit 1
QUICK=${QUICK:-0}
MAXCONN=${MAXCONN:-1000}
/sbin/modprobe tcpkit || { echo "CRB error modprobe tcpkit"; exit 1; }
/usr/sbin/ip netns add crb || exit 1
/usr/sbin/ip -n crb link set lo up
echo "CRB info kernel $(uname -r) cpus $(nproc)"
grep -E '^(tcpkit|TCP|kmalloc-(1k|2k|4k))' /proc/slabinfo 2>/dev/null |
	awk '{print "CRB slab before", $1, $2}'
arg=
[ "$QUICK" = 1 ] && arg=--quick
/usr/sbin/ip netns exec crb ./crbench ${arg:-full} "$MAXCONN"
rc=$?
grep -E '^(tcpkit|TCP|kmalloc-(1k|2k|4k))' /proc/slabinfo 2>/dev/null |
	awk '{print "CRB slab after", $1, $2}'
/usr/sbin/ip netns del crb
echo "CRB info done rc=$rc"
exit $rc
