#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Checkpoint/restore benchmark, guest side (runs inside the test VM; see
# run.sh). crbench prints "CRB ..." lines; it runs in a netns of its own.
#
# Leak check around it: socket slab caches, kmalloc caches, net_namespace,
# /proc/net/sockstat and the module's reference count, sampled at the start
# (base); after a bare namespace (lo up, nothing else) was created and
# deleted (control: what the kernel keeps of any namespace); at the end of
# the run before its namespace is deleted (end, and end-unshrunk: as
# /proc/slabinfo shows it without the shrink below); once that namespace
# is deleted (after); and after a second, quick crbench round in a new
# namespace, deleted too (again). Each deletion is followed by a wait
# until the counts settle (teardown is asynchronous). Before every sample
# but end-unshrunk each cache is shrunk (/sys/kernel/slab/NAME/shrink: the
# per-cpu slabs flushed, empty slabs freed), so that /proc/slabinfo's
# active objects are the objects in use.
cd "$(dirname "$0")" || exit 1
QUICK=${QUICK:-0}
MAXCONN=${MAXCONN:-1000}
CACHES='^(TCP|TCPv6|tw_sock_TCP|tw_sock_TCPv6|request_sock_TCP|request_sock_TCPv6|net_namespace|skbuff_head_cache|skbuff_small_head|kmalloc-(cg-)?[0-9]+k?) '
SETTLE_MAX=120		# half seconds: give up settling after 60 s

# counts [noshrink]: "NAME ACTIVE_OBJS" per cache, then sockstat and the
# module's reference count; each cache shrunk first unless noshrink
counts()
{
	local c

	[ "${1:-}" = noshrink ] ||
	for c in $(grep -E "$CACHES" /proc/slabinfo | cut -d' ' -f1); do
		echo 1 > "/sys/kernel/slab/$c/shrink" 2> /dev/null
	done
	grep -E "$CACHES" /proc/slabinfo | awk '{ print $1, $2 }'
	awk '$1 == "sockets:" { print "sockstat_used", $3 }
	     $1 == "TCP:" { for (i = 2; i < NF; i += 2) print "sockstat_tcp_" $i, $(i + 1) }' \
		/proc/net/sockstat
	echo "module_refcnt $(cat /sys/module/tcpkit/refcnt)"
}

# settled TAG: wait until the namespace teardown is over (net_namespace
# and the socket figures unchanged over 5 samples 0.5 s apart, at most
# SETTLE_MAX samples), then print the counts as "CRB leak TAG NAME N" and
# "CRB leak settle TAG SECONDS yes|no"
settled()
{
	local n=0 same=0 prev="" cur

	while [ $n -lt $SETTLE_MAX ]; do
		counts > /tmp/crb-counts
		cur=$(grep -E '^(TCP|TCPv6|tw_sock|request_sock|net_namespace|sockstat_tcp_alloc|sockstat_tcp_orphan|module_refcnt) ' /tmp/crb-counts | tr '\n' ' ')
		if [ "$cur" = "$prev" ]; then
			same=$((same + 1))
			[ $same -ge 4 ] && break
		else
			same=0
		fi
		prev=$cur
		n=$((n + 1))
		sleep 0.5
	done
	sed "s/^/CRB leak $1 /" /tmp/crb-counts
	echo "CRB leak settle $1 $((n / 2)).$((n % 2 * 5)) $([ $same -ge 4 ] && echo yes || echo no)"
}

/sbin/modprobe tcpkit || { echo "CRB error modprobe tcpkit"; exit 1; }
echo "CRB info kernel $(uname -r) cpus $(nproc)"
if [ -e /sys/kernel/slab/TCP/shrink ]; then
	echo "CRB leak shrink yes"
else
	echo "CRB leak shrink no"
fi
counts | sed 's/^/CRB leak base /'
/usr/sbin/ip netns add crb-control || exit 1
/usr/sbin/ip -n crb-control link set lo up
/usr/sbin/ip netns del crb-control
settled control

/usr/sbin/ip netns add crb || exit 1
/usr/sbin/ip -n crb link set lo up
arg=
[ "$QUICK" = 1 ] && arg=--quick
/usr/sbin/ip netns exec crb ./crbench ${arg:-full} "$MAXCONN"
rc=$?
counts noshrink | sed 's/^/CRB leak end-unshrunk /'
counts | sed 's/^/CRB leak end /'
/usr/sbin/ip netns del crb
settled after

/usr/sbin/ip netns add crb2 || exit 1
/usr/sbin/ip -n crb2 link set lo up
/usr/sbin/ip netns exec crb2 ./crbench --quick 100 > /tmp/crb-again
echo "CRB leak round2 rc=$?"
/usr/sbin/ip netns del crb2
settled again
echo "CRB info done rc=$rc"
exit $rc
