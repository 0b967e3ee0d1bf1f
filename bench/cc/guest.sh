#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Congestion control benchmark, guest side (runs inside the test VM; see
# run.sh). Prints one "CCB SCENARIO ..." line per ccbench output line.
#
#   sender S               router R                          receiver D
#   s0 10.0.1.1 ------ r0 10.0.1.2 | r1 10.0.2.2 ------------ d0 10.0.2.1
#              ACKs <- netem 20ms  | tbf RATE Mbit/s, BDP queue -> data
#                     (gact drops) |
#   s1 10.0.3.1 --------------------------------------------- d1 10.0.3.2
#                      (unshaped: CPU cost)
#
# Algorithms: reno, cubic, highspeed and aimd with (alpha, beta) set through
# the module parameters before each aimd flow (only one aimd setting is ever
# live at a time). Scenarios: the path's capacity (one unshaped flow),
# single-flow goodput, Jain's index of 2/4/8 flows, TCP-friendly pairs
# against reno, convergence of staggered flows, mean window under periodic
# loss, unshaped bulk throughput, and the time per call of the per-ACK
# hooks (the function profiler, or the function_graph tracer).
cd "$(dirname "$0")" || exit 1

S=ccb-s R=ccb-r D=ccb-d
P=/sys/module/tcpkit/parameters
TR=/sys/kernel/tracing
PORT=5201
# Bottleneck in Mbit/s, or auto: 100 if one unshaped flow carries at least
# 1.2 times that over this path, else the highest of 50, 40, 30, 20, 10
# that it does (the margin leaves room for the flows' sawtooth and for a
# host busier than during the probe).
RATE=${RATE:-auto}
QUICK=${QUICK:-0}	# 1: shorter runs, for trying the harness
PERCALL=${PERCALL:-0}	# 1: only the time per call (section 7)
CLOCK=${CLOCK:-}	# what the host says the guest's clock is (percall.sh)

# Durations and warm-ups (s): beta = 0.875 needs long ones to forget
# slow start's overshoot and to converge. N_CONV runs of each convergence
# case; N_CPU alternating runs of each for the throughput comparison;
# N_PROF alternating traced runs of T_PROF s for the time per call.
T_CAP=15 T_PROBE=12 T_GOODPUT=15 T_JAIN=15 T_PAIR=40 W_PAIR=10 T_CONV=40 N_CONV=3
T_MODEL=15 W_MODEL=5 T_CPU=7 N_CPU=16 T_PROF=3 N_PROF=6
if [ "$QUICK" = 1 ]; then
	T_CAP=5 T_PROBE=6 T_GOODPUT=6 T_JAIN=6 T_PAIR=8 W_PAIR=2 T_CONV=10 N_CONV=1
	T_MODEL=5 W_MODEL=2 T_CPU=2 N_CPU=2 T_PROF=1 N_PROF=2
fi
# PROF_RUNS=N: N pairs of traced runs per path instead.
N_PROF=${PROF_RUNS:-$N_PROF}

log() { echo "CCB info $*"; }

for m in tcpkit tcp_highspeed sch_tbf sch_netem sch_ingress cls_u32 act_gact veth; do
	modprobe $m || { log "cannot load $m"; exit 1; }
done

ip netns add $S && ip netns add $R && ip netns add $D || exit 1
ip link add s0 netns $S type veth peer name r0 netns $R
ip link add r1 netns $R type veth peer name d0 netns $D
ip -n $S addr add 10.0.1.1/24 dev s0
ip -n $R addr add 10.0.1.2/24 dev r0
ip -n $R addr add 10.0.2.2/24 dev r1
ip -n $D addr add 10.0.2.1/24 dev d0
for l in "$S s0" "$R r0" "$R r1" "$D d0"; do
	set -- $l
	ip -n $1 link set lo up
	ip -n $1 link set $2 up
	# One backlog per hop: no reordering from two CPUs racing.
	ip netns exec $1 sh -c "echo 1 > /sys/class/net/$2/queues/rx-0/rps_cpus"
done
# A direct, unshaped veth between sender and receiver, for the CPU cost.
ip link add s1 netns $S type veth peer name d1 netns $D
ip -n $S addr add 10.0.3.1/24 dev s1
ip -n $D addr add 10.0.3.2/24 dev d1
ip -n $S link set s1 up
ip -n $D link set d1 up
ip -n $S route add default via 10.0.1.2
ip -n $D route add default via 10.0.2.2
ip netns exec $R sysctl -qw net.ipv4.ip_forward=1
for ns in $S $D; do
	ip netns exec $ns sysctl -qw net.ipv4.tcp_no_metrics_save=1
	ip netns exec $ns sysctl -qw net.ipv4.tcp_rmem="4096 131072 16777216"
	ip netns exec $ns sysctl -qw net.ipv4.tcp_wmem="4096 16384 16777216"
done
tc -n $R qdisc add dev r0 ingress

# The ACK path always carries the 20 ms.
tc -n $R qdisc add dev r0 root netem delay 20ms limit 100000

offloads()
{
	ip netns exec $S ethtool -K s0 tso "$1" gso "$1" >/dev/null 2>&1
}

# path bottleneck | loss P
path()
{
	tc -n $R qdisc del dev r1 root 2>/dev/null
	tc -n $R filter del dev r0 ingress 2>/dev/null
	tc -n $R qdisc del dev r0 root 2>/dev/null
	case $1 in
	unshaped)
		offloads on
		tc -n $R qdisc add dev r0 root netem delay 20ms limit 100000
		;;
	bottleneck)
		offloads on
		tc -n $R qdisc add dev r0 root netem delay 20ms limit 100000
		tc -n $R qdisc add dev r1 root tbf rate ${RATE}mbit burst 32k \
			limit $BDP
		;;
	loss)
		# One packet is one segment, every (1/P)th is dropped.
		offloads off
		tc -n $R qdisc add dev r0 root netem delay 20ms limit 100000
		tc -n $R filter add dev r0 ingress protocol ip prio 1 u32 \
			match ip protocol 6 0xff match ip dport $PORT 0xffff \
			action gact ok random determ drop "$2"
		;;
	esac
}

# algo NAME: set the congestion control (and aimd's parameters) for NAME.
CC=
algo()
{
	case $1 in
	aimd1) CC=aimd; echo 1 > $P/alpha; echo 0.5 > $P/beta ;;
	f875) CC=aimd; echo 0.2 > $P/alpha; echo 0.875 > $P/beta ;;
	f7) CC=aimd; echo 0.529 > $P/alpha; echo 0.7 > $P/beta ;;
	f8) CC=aimd; echo 0.333 > $P/alpha; echo 0.8 > $P/beta ;;
	*) CC=$1 ;;
	esac
}

# send SCENARIO NAME CC SECONDS SKIP DELAY [ccbench options]
DST=10.0.2.1
send()
{
	local sc=$1 name=$2 cc=$3 secs=$4 skip=$5 delay=$6

	shift 6
	[ "$delay" != 0 ] && sleep "$delay"
	ip netns exec $S ./ccbench send -d $DST -p $PORT -C "$cc" \
		-t "$secs" -s "$skip" -n "$name" "$@" | sed "s|^|CCB $sc |"
}

# 7. Time per call of the per-ACK hooks, in the kernel, on exactly these
# functions, so nothing they call is traced: the function profiler where
# the kernel has one (the 7-prof series: bench/cc/percall.sh), else the
# function_graph tracer (Debian's kernels lack CONFIG_FUNCTION_PROFILER). A traced call's duration
# includes part of the tracer's own entry and exit; aimd_in_ack_event (one
# store) shows that floor. Neither algorithm has a cong_control. Two
# paths: the periodic-loss one at p = 0.001 (congestion avoidance, cwnd
# limited: every call does the whole work) and the direct veth (bulk, the
# flows of section 6). Per function: calls, mean and quartiles in ns
# (a vCPU preempted by the host inflates some calls: the median is robust).
# prof_run SCENARIO NAME RUN: one traced flow (function_graph).
prof_run()
{
	local f

	echo 0 > $TR/tracing_on
	echo > $TR/trace
	echo 1 > $TR/tracing_on
	send $1 $2.$3 $CC $T_PROF 0 0
	echo 0 > $TR/tracing_on
	awk '
		match($0, /[0-9]+\.[0-9]+ us +\|  *[a-z_]+( \[[a-z_]+\])?\(\);/) {
			s = substr($0, RSTART, RLENGTH)
			split(s, f, /[] |();[]+/)
			printf "%s %d\n", f[3], f[1] * 1000 + 0.5
		}' $TR/trace > /tmp/ccb-prof
	for f in $(awk '{ print $1 }' /tmp/ccb-prof | sort -u); do
		awk -v f=$f '$1 == f { print $2 }' /tmp/ccb-prof | sort -n |
		awk -v sc="$1" -v run="$3" -v f=$f '
			{ v[NR] = $1; t += $1 }
			END { if (NR) printf "CCB %s P %s %s %d %.1f %d %d %d\n",
				sc, run, f, NR, t / NR, v[int((NR + 3) / 4)],
				v[int((NR + 1) / 2)], v[int((3 * NR + 1) / 4)] }'
	done
	awk -v sc="$1" -v run="$3" '/^overrun:/ { o += $2 }
		END { printf "CCB %s O %s %d\n", sc, run, o }' \
		$TR/per_cpu/cpu*/stats
}


# profiler_run SCENARIO NAME RUN: one flow under the function profiler,
# which keeps per CPU each function's calls and total time (from the
# graph tracer's entry to its return, in ns). Enabling it resets them.
# Prints "CCB SCENARIO F RUN FUNCTION CALLS TOTAL_NS", summed over CPUs.
profiler_run()
{
	echo 1 > $TR/function_profile_enabled
	send $1 $2.$3 $CC $T_PROF 0 0
	echo 0 > $TR/function_profile_enabled
	cat $TR/trace_stat/function[0-9]* | awk -v sc="$1" -v run="$3" '
		$3 ~ /^[0-9]+(\.[0-9]*)?$/ && $4 == "us" {
			n[$1] += $2; t[$1] += $3 * 1000
		}
		END {
			for (f in n)
				printf "CCB %s F %s %s %d %.0f\n", sc, run, f, n[f], t[f]
		}'
}

# percall: N_PROF alternating runs of reno and aimd(1, 0.5) on each path,
# the order swapped every other pair.
percall()
{
	local run where i order a

	mountpoint -q $TR || mount -t tracefs nodev $TR 2>/dev/null
	if ! echo 'aimd_cong_avoid aimd_in_ack_event tcp_reno_cong_avoid' \
		> $TR/set_ftrace_filter 2>/dev/null; then
		log "no ftrace: no time per call"
		return
	fi
	if [ -e $TR/function_profile_enabled ]; then
		run=profiler_run
		log "time per call: function profiler"
	elif echo 8192 > $TR/buffer_size_kb &&
		echo function_graph > $TR/current_tracer; then
		run=prof_run
		echo 0 > $TR/tracing_on
		log "time per call: function_graph tracer"
	else
		log "no function_graph tracer: no time per call"
		echo > $TR/set_ftrace_filter
		return
	fi
	for where in ca bulk; do
		if [ $where = ca ]; then
			DST=10.0.2.1
			path loss 1000
		else
			DST=10.0.3.2
		fi
		i=0
		while [ $i -lt $N_PROF ]; do
			i=$((i + 1))
			order="reno aimd1"
			[ $((i % 2)) = 0 ] && order="aimd1 reno"
			for a in $order; do
				algo $a
				$run prof-$where/$a $a $i
			done
		done
	done
	if [ $run = prof_run ]; then
		echo nop > $TR/current_tracer
		echo 1408 > $TR/buffer_size_kb
	fi
	echo > $TR/set_ftrace_filter
}

finish()
{
	algo aimd1
	kill $RECV 2>/dev/null
	log done
}

ip netns exec $D ./ccbench recv -p $PORT &
RECV=$!

log "kernel $(uname -r)"
[ -n "$CLOCK" ] && log "clock $CLOCK"
log "cpus $(grep -c ^processor /proc/cpuinfo)"
log "clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
# PERCALL=1 (bench/cc/percall.sh): the time per call only.
if [ "$PERCALL" = 1 ]; then
	percall
	finish
	exit 0
fi

# 0. The path's capacity: one reno flow with no shaper, 20 ms. Then, with
# RATE=auto, the highest of 100, 50, 40, 30, 20, 10 Mbit/s at or below
# capacity / 1.2 that one shaped reno flow fills to 90% or more (tbf
# counts headers that goodput leaves out, about 3%).
path unshaped
send capacity reno reno $T_CAP 3 0 > /tmp/ccb-cap
cat /tmp/ccb-cap
cap=$(sed -n 's/.* R .* mbps=\([0-9]*\).*/\1/p' /tmp/ccb-cap)
if [ "$RATE" = auto ]; then
	RATE=
	for r in 100 50 40 30 20 10; do
		[ $((${cap:-0} * 10)) -ge $((r * 12)) ] || [ $r = 10 ] || continue
		BDP=$((r * 2500))
		RATE=$r
		path bottleneck
		send probe/$r reno reno $T_PROBE 4 0 > /tmp/ccb-probe
		cat /tmp/ccb-probe
		got=$(sed -n 's/.* R .* mbps=\([0-9]*\).*/\1/p' /tmp/ccb-probe)
		[ $((${got:-0} * 10)) -ge $((r * 9)) ] && break
	done
	log "rate $RATE auto"
else
	log "rate $RATE asked"
fi
BDP=$((RATE * 2500))	# RATE * 20 ms, bytes: the queue limit

# 1. Goodput of one flow alone, with cwnd traces for the plots. Single
# runs vary with the host: reno and aimd(1, 0.5) alternate three times.
path bottleneck
for rep in 1 2 3; do
	for a in reno aimd1; do
		algo $a
		send goodput/$a $a.$rep $CC $T_GOODPUT 3 0 -T 10
	done
done
for a in cubic highspeed f875 f7; do
	algo $a
	send goodput/$a $a.1 $CC $T_GOODPUT 3 0 -T 10
done

# 2. Jain's index: N flows of one algorithm started together.
for a in reno aimd1 f875 cubic; do
	algo $a
	for n in 2 4 8; do
		i=0 pids=
		while [ $i -lt $n ]; do
			i=$((i + 1))
			send jain$n/$a $a.$i $CC $T_JAIN 5 0 &
			pids="$pids $!"
		done
		wait $pids
	done
done

# 3. Each pair against one reno flow on the same bottleneck.
for a in aimd1 f875 f7 f8 cubic; do
	algo $a
	send pair/$a $a $CC $T_PAIR $W_PAIR 0 -T 20 &
	pids=$!
	send pair/$a reno reno $T_PAIR $W_PAIR 0 -T 20 &
	wait $pids $!
done

# 4. Convergence: a second flow joins 5 s after the first; goodput,
# congestion events and cwnd every 100 ms. The runs alternate algorithms.
rep=0
while [ $rep -lt $N_CONV ]; do
	rep=$((rep + 1))
	for a in reno aimd1 f875 cubic; do
		algo $a
		send conv/$a/$rep first $CC $T_CONV 0 0 -i 100 &
		pids=$!
		send conv/$a/$rep second $CC $((T_CONV - 5)) 0 5 -i 100 &
		wait $pids $!
	done
done

# 5. Mean window under periodic loss, against the model.
for a in aimd1 f875 f7 reno; do
	algo $a
	for n in 1000 500 200 100; do
		path loss $n
		send model/$a/$n $a $CC $T_MODEL $W_MODEL 0 -T 10
	done
done

# 6. CPU cost: bulk throughput over the direct veth, alternating, the
# order swapped every other pair (no tracer attached).
DST=10.0.3.2
i=0
while [ $i -lt $N_CPU ]; do
	i=$((i + 1))
	order="reno aimd1"
	[ $((i % 2)) = 0 ] && order="aimd1 reno"
	for a in $order; do
		algo $a
		send cpu/$a $a.$i $CC $T_CPU 1 0
	done
done

percall
finish
