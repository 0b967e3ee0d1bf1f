#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Migration blackout seen by the peer, guest side (runs inside the test
# VM; see run.sh and blackout.c). Prints "CRX ..." lines.
#
# scripts/guest/topology.sh's hosts: the peer P reaches the service
# address of host A through the router R, whose link to P is a token
# bucket of RATE Mbit/s (default 20) with 20 ms of queue, so that A's send
# queue drains slower than the checkpoint takes. Each trial is one
# crblackout run (a fresh connection, QUEUE bytes in each queue). Per
# repetition, in turn: "same" (checkpoint and restore in A) and "netns"
# (restore in B: B gets the service address before the trial, as in
# migrate.sh; after it the route goes back to A and B's address away).
cd "$(dirname "$0")" || exit 1
. /opt/tcpkit/guest/topology.sh

REPS=${REPS:-21}
QUEUE=${QUEUE:-1048576}
RATE=${RATE:-20}

log() { echo "CRX info $*"; }

for m in tcpkit veth sch_tbf; do
	/sbin/modprobe $m || { log "cannot load $m"; exit 1; }
done
topo_up || { log "cannot build the topology"; exit 1; }
trap topo_down EXIT
A=$(topo_ns A) B=$(topo_ns B) P=$(topo_ns P) R=$(topo_ns R)
tc -n "$R" qdisc add dev r0 root tbf rate "$RATE"mbit burst 32k \
	limit $((RATE * 2500)) || { log "cannot shape r0"; exit 1; }
log "kernel $(uname -r) cpus $(nproc) reps $REPS queue $QUEUE rate $RATE"
log "image file system $(stat -f -c %T /tmp)"

i=0
while [ $i -lt "$REPS" ]; do
	for mode in same netns; do
		[ $mode = netns ] && ip -n "$B" addr add "$TOPO_SVC/32" dev lo
		./crblackout $mode "$A" "$B" "$P" "$R" "$TOPO_SVC" \
			"$TOPO_PEER_ADDR" "$TOPO_B_ADDR" $((7200 + i)) "$QUEUE" |
			sed "s/\$/ rep=$i/"
		if [ $mode = netns ]; then
			topo_route A
			ip -n "$B" addr del "$TOPO_SVC/32" dev lo
		fi
	done
	i=$((i + 1))
done
log "done"
