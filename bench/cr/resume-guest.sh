#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Resume after a freeze, guest side (runs inside the test VM; see run.sh
# and resume.c). Prints "CRR ..." lines.
#
#   A a0 10.20.2.2 --- rA | router R | r0 --- p0 10.20.1.2 P
#        <- netem 20 ms (P's bytes, ACKs)  tbf RATE Mbit/s, BDP queue ->
#                                          (A's bulk data)
#
# The hosts are scripts/guest/topology.sh's (its host B and service
# address stay unused: A restores into itself). The path is bench/cc's:
# 20 ms on the way back, a token bucket of RATE Mbit/s with a queue of one
# bandwidth-delay product on the way out. RATE=auto: the highest of 100,
# 50, 40, 30, 20, 10 Mbit/s at or below 1/1.2 of what one unshaped flow
# carries, that a never-migrated 10 MB transfer fills to 90%.
#
# Each trial is one crresume run (a fresh connection). Per repetition, in
# this order: a never-migrated transfer (base), then for each freeze the
# three ways to restore (carried, conservative, none) and carried again
# with park_kb=0 (carried-drop: the freeze drops P's segments), then the loss
# trials: a 1 s freeze during which every segment of A that reaches P is
# dropped (a filter at P's ingress from 50 ms before the checkpoint until
# just before the restore: the window in flight is lost), restored carried
# and none.
cd "$(dirname "$0")" || exit 1
. /opt/tcpkit/guest/topology.sh

RATE=${RATE:-auto}
REPS=${REPS:-3}
FREEZES=${FREEZES:-100 1000 4000}	# ms
WARM=${WARM:-2000}		# ms of bulk before the mark
BYTES=${BYTES:-10000000}	# bytes moved after it
PORT=7100

log() { echo "CRR info $*"; }

for m in tcpkit sch_tbf sch_netem sch_ingress cls_u32 act_gact veth; do
	/sbin/modprobe $m || { log "cannot load $m"; exit 1; }
done
topo_up || { log "cannot build the topology"; exit 1; }
trap topo_down EXIT
A=$(topo_ns A) R=$(topo_ns R) P=$(topo_ns P)
for l in "$A a0" "$R rA" "$R r0" "$P p0"; do
	# shellcheck disable=SC2086
	set -- $l
	# One backlog per hop: no reordering from two CPUs racing.
	ip netns exec "$1" sh -c "echo 1 > /sys/class/net/$2/queues/rx-0/rps_cpus"
done
for ns in $A $P; do
	topo_sysctl "$ns" net.ipv4.tcp_no_metrics_save 1
done
tc -n "$R" qdisc add dev rA root netem delay 20ms limit 100000
tc -n "$P" qdisc add dev p0 ingress
log "kernel $(uname -r) cpus $(nproc) cc $(cat /proc/sys/net/ipv4/tcp_congestion_control)"
PARK_KB=/sys/module/tcpkit/parameters/park_kb
park_kb=$(cat $PARK_KB)
log "park_kb $park_kb"

# trial MODE FREEZE [WARM [BYTES]]: one crresume line, RATE and REP added
trial()
{
	./crresume "$A" "$P" "$TOPO_PEER_ADDR" $PORT "$@" |
		sed "s/\$/ rate=$RATE rep=${REP:-0}/"
}

shape()
{
	tc -n "$R" qdisc del dev r0 root 2> /dev/null
	[ "$1" = none ] && return 0
	tc -n "$R" qdisc add dev r0 root tbf rate "$1"mbit burst 32k \
		limit $(($1 * 2500))
}

# goodput LINE: Mbit/s of the bytes moved after the mark
goodput()
{
	echo "$1" | tr ' ' '\n' | awk -F= '
		$1 == "xfer_ms" { t = $2 } $1 == "moved" { b = $2 }
		END { printf "%d", (t > 0 ? b * 8 / t / 1000 : 0) }'
}

if [ "$RATE" = auto ]; then
	shape none
	RATE=unshaped
	line=$(trial base 0 1000)
	echo "$line" | sed 's/^CRR trial/CRR probe/'
	cap=$(goodput "$line")
	RATE=
	for r in 100 50 40 30 20 10; do
		[ $((${cap:-0} * 10)) -ge $((r * 12)) ] || [ $r = 10 ] || continue
		shape $r
		RATE=$r
		line=$(trial base 0)
		echo "$line" | sed 's/^CRR trial/CRR probe/'
		got=$(goodput "$line")
		[ $((${got:-0} * 10)) -ge $((r * 9)) ] && break
	done
	log "rate $RATE auto capacity $cap"
else
	shape "$RATE"
	log "rate $RATE asked"
fi

# From 50 ms before the checkpoint (A goes on sending in bulk meanwhile,
# its ACKs stop): the window in flight at the checkpoint is lost.
DROP_ON="tc -n $P filter add dev p0 ingress protocol ip prio 1 u32 match ip src $TOPO_A_ADDR/32 action drop"
DROP_OFF="tc -s -n $P filter show dev p0 ingress > /tmp/crr-drops; tc -n $P filter del dev p0 ingress"
REP=0
while [ $REP -lt "$REPS" ]; do
	REP=$((REP + 1))
	trial base 0 "$WARM" "$BYTES"
	for f in $FREEZES; do
		for m in carried conservative none; do
			trial $m "$f" "$WARM" "$BYTES"
		done
		# The freeze dropping P's segments, as before it kept them.
		echo 0 > "$PARK_KB"
		trial carried "$f" "$WARM" "$BYTES" |
			sed 's/^CRR trial carried /CRR trial carried-drop /'
		echo "$park_kb" > "$PARK_KB"
	done
	for m in carried none; do
		line=$(DROP_ON=$DROP_ON DROP_OFF=$DROP_OFF trial $m 1000 "$WARM" "$BYTES")
		lost=$(sed -n 's/.*Sent [0-9]* bytes \([0-9]*\) pkt.*/\1/p' /tmp/crr-drops | head -n1)
		echo "$line lost=${lost:-unknown}" | sed 's/^CRR trial/CRR loss/'
	done
done
log "done"
