#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# aimd's window over a real path, checked against AIMD(alpha, beta) and
# against reno on the same path.
#
#   sender S               router R                          receiver D
#   s0 10.0.1.1 ------ r0 10.0.1.2 | r1 10.0.2.2 ------------ d0 10.0.2.1
#                      ingress:    | egress:
#                      drop every  | netem delay 20ms
#                      Nth data    |
#                      packet      |
#
# The receiver clamps its window to 40 segments, so the sender's cwnd stops
# at a plateau; tc gact drops every Nth data packet (deterministic), so each
# cut starts from a cwnd that held still and aimd_flow sees it exactly.
# Offloads are off so that one packet is one segment. Checks per run:
# every cut is max(floor(beta * cwnd), 2) exactly; congestion avoidance adds
# alpha (+-10%) segments per cwnd packets delivered; aimd(1, 0.5) makes the
# same cuts as reno (the plateau depends a little on timing) and grows at
# the same rate (+-8%); with ECN marks, CWR cuts use beta_ecn and the
# connection's counters tell the two kinds apart. Per-connection parameters:
# two flows at once over the same path, one on the global values (1, 0.5),
# one with its own (4, 0.875) set through the tcpkit family; each one's cuts
# and growth match its own parameters, and only the second reports an
# override.
. ./ktap.sh


S=aimd-s-$$
R=aimd-r-$$
D=aimd-d-$$
P=/sys/module/tcpkit/parameters
PORT=5201
CLAMP=$((40 * 1448))
OUT=/tmp/aimd-cc.$$

cleanup()
{
	ip netns pids $D 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns pids $S 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns del $S 2>/dev/null
	ip netns del $R 2>/dev/null
	ip netns del $D 2>/dev/null
	rm -f $OUT.*
	if [ -d $P ]; then
		echo 1 > $P/alpha
		echo 0.5 > $P/beta
		echo 0 > $P/beta_ecn
	fi
}
trap cleanup EXIT

setup()
{
	ip netns add $S && ip netns add $R && ip netns add $D || return 1
	ip link add s0 netns $S type veth peer name r0 netns $R || return 1
	ip link add r1 netns $R type veth peer name d0 netns $D || return 1
	ip -n $S addr add 10.0.1.1/24 dev s0
	ip -n $R addr add 10.0.1.2/24 dev r0
	ip -n $R addr add 10.0.2.2/24 dev r1
	ip -n $D addr add 10.0.2.1/24 dev d0
	for l in "$S s0" "$R r0" "$R r1" "$D d0"; do
		set -- $l
		ip -n $1 link set lo up
		ip -n $1 link set $2 up
		ip netns exec $1 ethtool -K $2 tso off gso off gro off \
			>/dev/null 2>&1 || return 1
	done
	# One backlog per hop (RPS to CPU 0): packets handled by two CPUs
	# overtake each other, and reordering makes spurious reductions.
	for l in "$R r0" "$R r1" "$D d0" "$S s0"; do
		set -- $l
		ip netns exec $1 sh -c \
			"echo 1 > /sys/class/net/$2/queues/rx-0/rps_cpus" || return 1
	done
	ip -n $S route add default via 10.0.1.2
	ip -n $D route add default via 10.0.2.2
	ip netns exec $R sysctl -qw net.ipv4.ip_forward=1
	ip netns exec $S sysctl -qw net.ipv4.tcp_no_metrics_save=1
	# A plateau must not decay while the window, not cwnd, limits.
	ip netns exec $S sysctl -qw net.ipv4.tcp_slow_start_after_idle=0
	tc -n $R qdisc add dev r1 root netem delay 20ms limit 10000 || return 1
	tc -n $R qdisc add dev r0 ingress || return 1
}

# drop_every N: a fresh filter, so the count restarts with each flow.
drop_every()
{
	tc -n $R filter del dev r0 ingress 2>/dev/null
	tc -n $R filter add dev r0 ingress protocol ip prio 1 u32 \
		match ip protocol 6 0xff match ip dport $PORT 0xffff \
		action gact ok random determ drop "$1"
}

# flow NAME CC N CUTS GROWTHS [STABLE]: one flow, its analysis in $OUT.NAME.
flow()
{
	local rpid

	drop_every "$3" || return 1
	ip netns exec $D ./aimd_flow recv -p $PORT -W $CLAMP > $OUT.$1.recv &
	rpid=$!
	ip netns exec $S ./aimd_flow send -d 10.0.2.1 -p $PORT -C "$2" \
		-b "$BETA" -e "${BETA_ECN:-0}" -k "$4" -g "$5" -s "${6:-0,0}" -t 30 \
		${VERBOSE:+-v} > $OUT.$1 2>&1
	wait $rpid
	sed 's/^/# /' $OUT.$1
}

# two_flows N1 N2: flow "glob" (aimd on the global values, receive window
# 40 segments, every N1th of its packets dropped) and flow "own" (its own
# alpha 4, beta 0.875 set over netlink right after connect(), window 128,
# every N2th dropped) at the same time through the same router, each on its
# own port and drop counter. The own flow's first cuts come down from its
# slow start's overshoot, each from a cwnd that stands still above what the
# window lets out (the exact beta check); later ones end growth phases
# (the alpha check). Without the override it would cut by half and grow by
# one. The path's delay doubles to 40 ms meanwhile, so that the two send
# about as many packets per second as aimd_cc's single flows.
two_flows()
{
	local r1 r2 s1

	tc -n $R filter del dev r0 ingress 2>/dev/null
	tc -n $R filter add dev r0 ingress protocol ip prio 1 u32 \
		match ip protocol 6 0xff match ip dport $PORT 0xffff \
		action gact ok random determ drop "$1" || return 1
	tc -n $R filter add dev r0 ingress protocol ip prio 2 u32 \
		match ip protocol 6 0xff match ip dport $((PORT + 1)) 0xffff \
		action gact ok random determ drop "$2" || return 1
	tc -n $R qdisc change dev r1 root netem delay 40ms limit 10000 || return 1
	ip netns exec $D ./aimd_flow recv -p $PORT -W $CLAMP > $OUT.glob.recv &
	r1=$!
	ip netns exec $D ./aimd_flow recv -p $((PORT + 1)) -W $((128 * 1448)) \
		> $OUT.own.recv &
	r2=$!
	ip netns exec $S ./aimd_flow send -d 10.0.2.1 -p $PORT -C aimd \
		-b 500 -k 4 -g 2 -t 40 > $OUT.glob 2>&1 &
	s1=$!
	ip netns exec $S ./aimd_flow send -d 10.0.2.1 -p $((PORT + 1)) -C aimd \
		-P 4000,875 -b 875 -k 8 -g 3 -t 40 > $OUT.own 2>&1
	wait $s1 $r1 $r2
	tc -n $R qdisc change dev r1 root netem delay 20ms limit 10000
	sed 's/^/# glob: /' $OUT.glob
	sed 's/^/# own: /' $OUT.own
}

# cuts_exact NAME: at least 2 cuts from a stable cwnd, all of them exact.
cuts_exact()
{
	awk '/^summary/ {
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		found = 1
	}
	END { exit !(found && v["stable"] >= 2 && v["exact"] == v["stable"]) }' $OUT.$1
}

# growth_ok NAME ALPHA_MILLI: at least one phase, all within 10%.
growth_ok()
{
	awk -v a="$2" -v tol="${3:-0.1}" '/^growth/ {
		for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		n++
		if (v["alpha"] < (1 - tol) * a || v["alpha"] > (1 + tol) * a) bad++
	}
	END { exit !(n >= 1 && !bad) }' $OUT.$1
}

# growth_mean_ok NAME ALPHA_MILLI TOL: at least two phases, their mean
# within TOL, each phase weighing by the segments it delivered: a phase's
# error is at its two ends, so a short one measures worse. The own flow's
# phases are short where the receive window holds it (6.1: with a window
# of 96, 9 or 10 steps from the cut back up, single phases measured 3.60
# and 4.45 beside ones at 3.98 to 4.07; a make check run on a loaded host
# 4.19, 3.86 and, over 302 segments against 406 and 478, 5.21: a plain
# mean of 4.42, 4.32 weighted).
growth_mean_ok()
{
	awk -v a="$2" -v tol="$3" '/^growth/ {
		for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		sum += v["alpha"] * v["delivered"]; w += v["delivered"]; n++
	}
	END { exit !(n >= 2 && w > 0 && sum / w >= (1 - tol) * a &&
		     sum / w <= (1 + tol) * a) }' $OUT.$1
}

# same_cuts A B: the cuts that end a growth phase (from the plateau) are
# the same: cwnd within 2 and ssthresh within 1, as the plateau a flow
# reaches depends a little on ACK timing.
same_cuts()
{
	awk '/^cut/ && / grown=1/ {
		for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		if (FILENAME == ARGV[1]) { c1[++n1] = v["cwnd"]; s1[n1] = v["ssthresh"] }
		else { c2[++n2] = v["cwnd"]; s2[n2] = v["ssthresh"] }
	}
	function abs(x) { return x < 0 ? -x : x }
	END {
		n = n1 < n2 ? n1 : n2
		if (n < 1) exit 1
		for (k = 1; k <= n; k++)
			if (abs(c1[k] - c2[k]) > 2 || abs(s1[k] - s2[k]) > 1) exit 1
		exit 0
	}' $OUT.$1 $OUT.$2
}

# same_growth A B: mean alphas of the growth phases within 8% (reno
# against itself spreads by about 4% here: samples are 1 ms apart and the
# writer does not always keep the window full).
same_growth()
{
	awk '/^growth/ {
		for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		if (FILENAME == ARGV[1]) { a1 += v["alpha"]; n1++ }
		else { a2 += v["alpha"]; n2++ }
	}
	END {
		if (!n1 || !n2) exit 1
		a1 /= n1; a2 /= n2
		exit !(a2 >= 0.92 * a1 && a2 <= 1.08 * a1)
	}' $OUT.$1 $OUT.$2
}

# set_aimd ALPHA BETA: global parameters for the next aimd flow.
set_aimd()
{
	echo "$1" > $P/alpha && echo "$2" > $P/beta
}

for m in tcpkit veth sch_netem sch_ingress cls_u32 act_gact; do
	if ! modprobe $m 2>/dev/null; then
		echo "TAP version 13"
		echo "1..0 # SKIP module $m not available"
		exit 4
	fi
done
ktap_plan 25
if ! setup; then
	ktap_diag "cannot set up the topology (veth, netem, u32, gact, ethtool)"
	exit 1
fi

BETA=500
flow reno reno 1500 4 1
ktap_check "reno: every cut is max(cwnd >> 1, 2)" cuts_exact reno
ktap_check "reno: 1 segment per RTT (anchor)" growth_ok reno 1000

set_aimd 1 0.5
flow aimd aimd 1500 4 1
ktap_check "aimd(1, 0.5): cc is aimd" grep -q '^# cc=aimd ' $OUT.aimd
ktap_check "aimd(1, 0.5): every cut is max(floor(0.5 cwnd), 2)" \
	cuts_exact aimd
ktap_check "aimd(1, 0.5): 1 segment per RTT +-10%" growth_ok aimd 1000
ktap_check "aimd(1, 0.5): same cuts from the plateau as reno" \
	same_cuts reno aimd
ktap_check "aimd(1, 0.5): same growth as reno +-8%" same_growth reno aimd

BETA=700
set_aimd 0.5 0.7
flow half aimd 2000 4 1
ktap_check "aimd(0.5, 0.7): cc is aimd" grep -q '^# cc=aimd ' $OUT.half
ktap_check "aimd(0.5, 0.7): every cut is max(floor(0.7 cwnd), 2)" \
	cuts_exact half
ktap_check "aimd(0.5, 0.7): 0.5 segment per RTT +-10%" growth_ok half 500

BETA=500
set_aimd 4 0.5
flow four aimd 1000 4 1
ktap_check "aimd(4, 0.5): every cut is max(floor(0.5 cwnd), 2)" \
	cuts_exact four
# At 4 segments per RTT a growth phase is short (22 to 44 in about five
# RTTs, cwnd/4 ACKs a step), so the samples at its two ends weigh more:
# one make check run measured 3.51 and 3.81 on 6.1 where the others stayed
# within 10%. +-15% still tells 4 from 3 and 5.
ktap_check "aimd(4, 0.5): 4 segments per RTT +-15%" growth_ok four 4000 0.15

# Above the plateau cwnd never grows back: cuts of 80, 70, 61, 53... test
# the floor on every value.
BETA=875
set_aimd 4 0.875
flow gentle aimd 800 4 0
ktap_check "aimd(4, 0.875): every cut is max(floor(0.875 cwnd), 2)" \
	cuts_exact gentle
ktap_check "aimd(4, 0.875): ssthresh below cwnd, above half" \
	awk '/^cut/ { split($4, c, "="); split($5, s, "=");
		if (s[2] >= c[2] || 2 * s[2] <= c[2]) bad++; n++ }
		END { exit !(n >= 3 && !bad) }' $OUT.gentle

# ECN: netem marks CE at random (0.05%) on top of the periodic drops. ECN
# reductions must use beta_ecn, loss ones beta. aimd_flow tells them apart
# by the connection's counters, sampled with the window: a CWR can become
# Recovery within a sample, keeping its ECN ssthresh. Every cut sampled in
# CWR must still be an ECN one. The flow lasts until both kinds were seen
# from a stable cwnd.
BETA=500
BETA_ECN=800
set_aimd 1 0.5
echo 0.8 > $P/beta_ecn
ip netns exec $S sysctl -qw net.ipv4.tcp_ecn=1
tc -n $R qdisc change dev r1 root netem delay 20ms limit 10000 loss 0.05% ecn
flow ecn aimd 2000 4 0 2,1
echo 0 > $P/beta_ecn
ip netns exec $S sysctl -qw net.ipv4.tcp_ecn=2
tc -n $R qdisc change dev r1 root netem delay 20ms limit 10000
ktap_check "aimd(1, 0.5, ecn 0.8): every cut exact, ECN ones with 0.8" \
	cuts_exact ecn
ktap_check "aimd(1, 0.5, ecn 0.8): stable ECN and loss cuts both seen" \
	awk '/^cut/ && / stable=1 ok=1 / { n[$8]++ }
		END { exit !(n["kind=ecn"] >= 1 && n["kind=loss"] >= 1) }' $OUT.ecn
ktap_check "aimd(1, 0.5, ecn 0.8): every cut in CWR is an ECN one" \
	awk '/^cut/ && $7 == "state=2" && $8 != "kind=ecn" { bad++ }
		END { exit bad > 0 }' $OUT.ecn
ktap_check "aimd(1, 0.5, ecn 0.8): TCP_CC_INFO counts match the cuts" \
	awk '/^cut/ { if ($8 == "kind=ecn") e++; else if ($8 == "kind=loss") l++ }
		/^ccinfo/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
		END { exit !(v["ecn_cuts"] == e && v["loss_cuts"] == l &&
			     v["beta_ecn"] == 800) }' $OUT.ecn

set_aimd 1 0.5
two_flows 1500 1000
ktap_check "two flows: global (1, 0.5) flow's every cut is floor(0.5 cwnd)" \
	cuts_exact glob
ktap_check "two flows: global (1, 0.5) flow grows 1 segment per RTT +-10%" \
	growth_ok glob 1000
ktap_check "two flows: own (4, 0.875) flow's every cut is floor(0.875 cwnd)" \
	cuts_exact own
ktap_check "two flows: own (4, 0.875) flow grows 4 segments per RTT +-10% (mean)" \
	growth_mean_ok own 4000 0.1
ktap_check "two flows: only the own flow reports an override, with its values" \
	sh -c "grep -q '^ccinfo alpha=1000 beta=500 .* override=0' $OUT.glob &&
		grep -q '^ccinfo alpha=4000 beta=875 .* override=1' $OUT.own"
ktap_check "two flows: the global values did not move" \
	sh -c "[ \"\$(cat $P/alpha) \$(cat $P/beta)\" = '1 0.5' ]"

ktap_check "no retransmission timeout in any flow" \
	sh -c "! grep -q '^cut.* state=4 ' $OUT.reno $OUT.aimd $OUT.half $OUT.four $OUT.gentle $OUT.ecn $OUT.glob $OUT.own"
ktap_exit
