#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# migrate.sh [--ktap]: move a live TCP connection from host A to host B
# (network namespaces, see topology.sh) while the peer streams both ways.
# Runs inside the test VM as root (dash); used by demo.sh (a story
# and a summary line) and by selftests/migrate_hosts.sh (--ktap: KTAP).
#
# The order of the move, and why:
#
#  1. The server in A pauses (it stops touching its socket and records its
#     stream offsets), then `tcpkit conn checkpoint ... stop` saves the
#     connection and silences the original in the same instant; from then
#     on A's netfilter hook drops the tuple's segments (the freeze), so A
#     never answers the peer with a reset.
#  2. B gets the service address and restores the image
#     (`tcpkit -n B conn restore ... exec tcp_peer resume`) while the
#     router still sends the peer's segments to A, where the freeze eats
#     them. B's socket exists before any segment of the peer can reach B:
#     had the route moved first, B's stack, knowing no such connection,
#     would answer the peer with a reset.
#  3. Right after the restore (in the exec'd command, before tcp_peer
#     resumes) the router's route to the service address moves to B. The
#     peer's retransmissions and B's own segments resume the connection.
#  4. A's freeze is lifted and its copy of the address removed: nothing of
#     the peer reaches A any more.
#
# The peer counts resets and FINs with tcpdump on its own interface over
# the whole run: no reset at all, and from the service exactly one FIN,
# the normal close after the last byte (the peer checks that every byte
# came before it), so no FIN during the move. Both ends check every byte
# and report checksums of the streams (tcp_peer --report), which must agree
# across the ends. The blackout is the peer's pause between reads that
# spans the stop in A: last byte from A to first byte from B.

here=$(cd "$(dirname "$0")" && pwd)
. "$here/topology.sh"

KTAP=0
[ "$1" = --ktap ] && KTAP=1
SELFTESTS=${SELFTESTS:-/opt/tcpkit/selftests}
TCPKIT=${TCPKIT:-tcpkit}
PEER=$SELFTESTS/tcp_peer
PORT=7000
N=${MIGRATE_BYTES:-8000000}	# bytes each way
RATE=${MIGRATE_RATE:-1000000}	# bytes per second each way
AT=${MIGRATE_AT:-2}		# seconds of streaming before the move
PLAN=9

tmp=$(mktemp -d /tmp/migrate.XXXXXX)
pids=
fails=0
t_start=
cap_rst=

[ $KTAP = 1 ] && . "$SELFTESTS/ktap.sh"

cleanup()
{
	for p in $pids; do
		kill -9 "$p" 2> /dev/null
	done
	topo_down
	# init_net's default holds a reference on the module: give it back
	if [ -n "$saved_cc" ]; then
		echo "$saved_cc" > /proc/sys/net/ipv4/tcp_congestion_control
	fi
	rm -rf "$tmp"
}
saved_cc=
trap cleanup EXIT

now_ms()
{
	awk '{ printf "%d", $1 * 1000 }' /proc/uptime
}

# say TEXT: one line of the story (in KTAP mode a diag line)
say()
{
	sayat "$(now_ms)" "$@"
}

# sayat UPTIME_MS TEXT: the same for something that happened earlier
sayat()
{
	local t=$(($1 - t_start))

	shift
	if [ $KTAP = 1 ]; then
		ktap_diag "$(printf '%3d.%02ds %s' $((t / 1000)) $((t % 1000 / 10)) "$*")"
	else
		printf '%3d.%02ds  %s\n' $((t / 1000)) $((t % 1000 / 10)) "$*"
	fi
}

# result NAME 0|1 DETAIL: a checked outcome
result()
{
	set -- "$1" "$2" "$(echo "$3" | tr '\n' ' ' | head -c 300)"
	if [ "$2" = 0 ]; then
		[ $KTAP = 1 ] && ktap_ok "$1"
	else
		fails=$((fails + 1))
		if [ $KTAP = 1 ]; then
			ktap_fail "$1" "$3"
		else
			echo "FAILED: $1: $3"
		fi
	fi
}

# give_up REASON: fail every case not yet reported and stop
give_up()
{
	if [ -n "$cap_rst" ]; then
		count rst
		say "RSTs seen by the peer so far: $COUNT"
	fi
	if [ $KTAP = 1 ]; then
		while [ "$KTAP_N" -lt $PLAN ]; do
			ktap_fail "migrate_hosts" "$1"
		done
		ktap_exit
	fi
	echo "FAILED: $1" >&2
	exit 1
}

skip_all()
{
	if [ $KTAP = 1 ]; then
		ktap_plan $PLAN
		while [ "$KTAP_N" -lt $PLAN ]; do
			ktap_skip "migrate_hosts" "$1"
		done
		exit 4
	fi
	echo "cannot run: $1" >&2
	exit 1
}

# wait_file FILE TENTHS: until FILE is not empty
wait_file()
{
	local i=0

	while [ ! -s "$1" ]; do
		i=$((i + 1))
		[ $i -gt $(($2 * 5)) ] && return 1
		sleep 0.02
	done
}

# wait_listen NETNS PORT
wait_listen()
{
	local i=0

	until ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q .; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.05
	done
}

# settle TENTHS CMD...: until CMD's output has stayed the same for 0.1 s
# (two looks 0.05 s apart, then one more), for at most TENTHS/10 s
settle()
{
	local limit=$(($1 * 20)) i=0 same=0 last= now

	shift
	last=$("$@")
	while [ $same -lt 2 ]; do
		i=$((i + 1))
		[ $i -gt $limit ] && return 1
		sleep 0.05
		now=$("$@")
		if [ "$now" = "$last" ]; then
			same=$((same + 1))
		else
			same=0
		fi
		last=$now
	done
}

# field FILE KEY: the value of KEY=value in FILE
field()
{
	tr ' ' '\n' < "$1" 2> /dev/null | sed -n "s/^$2=//p" | head -n1
}

# capture NAME FILTER: tcpdump on the peer's interface into $tmp/NAME.pcap
capture()
{
	local i=0

	ip netns exec "$TOPO_P" tcpdump -Z root -i p0 -n -U --immediate-mode -s 128 \
		-w "$tmp/$1.pcap" "$2" 2> "$tmp/$1.err" &
	eval "cap_$1=$!"
	pids="$pids $!"
	until grep -q "listening on" "$tmp/$1.err"; do
		i=$((i + 1))
		[ $i -gt 250 ] && return 1
		sleep 0.02
	done
}

# count NAME: stop capture NAME; COUNT = how many segments it saw (not in
# $(...): the capture must be our child to be waited for)
count()
{
	local pid

	eval "pid=\$cap_$1"
	eval "cap_$1="
	# --immediate-mode and -U write every packet at once: stop when the
	# file has stopped growing
	settle 20 wc -c "$tmp/$1.pcap"
	kill -INT "$pid" 2> /dev/null
	wait "$pid" 2> /dev/null
	# an unreadable capture must fail the checks, not count as 0
	if tcpdump -Z root -r "$tmp/$1.pcap" -n > "$tmp/$1.txt" 2> /dev/null; then
		COUNT=$(wc -l < "$tmp/$1.txt" | tr -d ' ')
	else
		COUNT=unreadable
	fi
}

[ "$(id -u)" = 0 ] || skip_all "needs root"
command -v "$TCPKIT" > /dev/null || skip_all "no tcpkit binary"
command -v tcpdump > /dev/null || skip_all "no tcpdump"
[ -x "$PEER" ] || skip_all "tcp_peer not built"
modprobe tcpkit 2> /dev/null || skip_all "cannot load the tcpkit module"
# new namespaces start with init_net's congestion control
saved_cc=$(cat /proc/sys/net/ipv4/tcp_congestion_control)
echo aimd > /proc/sys/net/ipv4/tcp_congestion_control ||
	skip_all "cannot select aimd"
topo_up || skip_all "cannot build the four-namespace topology"
A=$TOPO_A
B=$TOPO_B
P=$TOPO_P

[ $KTAP = 1 ] && ktap_plan $PLAN
t_start=$(now_ms)
say "hosts up: peer $TOPO_PEER_ADDR -- router -- A (service $TOPO_SVC) and B; congestion control $(cat /proc/sys/net/ipv4/tcp_congestion_control)"

capture rst 'tcp[tcpflags] & tcp-rst != 0' || give_up "tcpdump did not start"
capture fin "tcp[tcpflags] & tcp-fin != 0" || give_up "tcpdump did not start"

ip netns exec "$A" "$PEER" server $TOPO_SVC $PORT --send $N --recv $N \
	--rate $RATE --ready "$tmp/ready.a" --state "$tmp/state" \
	> "$tmp/server.a.out" 2>&1 &
spid=$!
pids="$pids $spid"
wait_listen "$A" $PORT || give_up "the server in A does not listen"
ip netns exec "$P" "$PEER" client $TOPO_SVC $PORT --send $N --recv $N \
	--rate $RATE --report "$tmp/client.rep" > "$tmp/client.out" 2>&1 &
cpid=$!
pids="$pids $cpid"
wait_file "$tmp/ready.a" 10 ||
	give_up "no connection: $(cat "$tmp/server.a.out" "$tmp/client.out")"
fd=$(field "$tmp/ready.a" fd)
rport=$(field "$tmp/ready.a" rport)
say "peer $TOPO_PEER_ADDR:$rport streams to and from the service $TOPO_SVC:$PORT in A, $N bytes each way at $RATE B/s"
"$TCPKIT" -n "$A" -j conn show pid $spid fd "$fd" > "$tmp/show" 2>&1
say "A: tcpkit conn show: state $(sed -n 's/.*"state":"\([^"]*\)".*/\1/p' "$tmp/show"), congestion control $(sed -n 's/.*"cc":"\([^"]*\)".*/\1/p' "$tmp/show")"
sleep "$AT"

# The critical section runs first and is told afterwards, so that the
# story costs the peer no time.
# 0. B gets the service address now: the router sends it nothing yet
ip -n "$B" addr add $TOPO_SVC/32 dev lo

# 1. pause the server and checkpoint with stop
t1=$(now_ms)
kill -USR1 $spid
wait_file "$tmp/state" 10 || give_up "the server in A did not pause"
"$TCPKIT" -n "$A" conn checkpoint pid $spid fd "$fd" stop file "$tmp/conn.img" \
	> "$tmp/out" 2>&1
rc=$?
t2=$(now_ms)
result checkpoint_stop_in_A $rc "$(cat "$tmp/out")"
[ $rc = 0 ] || give_up "checkpoint failed"

# MIGRATE_WRONG_ORDER=1, a negative control only: the route moves first,
# and B's stack must answer the peer's next segment with a reset
if [ "${MIGRATE_WRONG_ORDER:-0}" = 1 ]; then
	topo_route B
	sleep 1
fi

# 2. restore in B while the router still routes to A; 3. as soon as the
# restored socket exists, and before its new owner runs, the router's
# route moves to B (the exec'd shell keeps the pid that LISTEN_PID names)
"$TCPKIT" -n "$B" conn restore file "$tmp/conn.img" \
	exec sh -c "ip -n $TOPO_R route replace $TOPO_SVC/32 via $TOPO_B_ADDR &&
		awk '{ printf \"%d\", \$1 * 1000 }' /proc/uptime > $tmp/route.t &&
		exec $PEER resume --state $tmp/state --send $N --recv $N \
		--rate $RATE --ready $tmp/ready.b --report $tmp/server.rep" \
	> "$tmp/server.b.out" 2>&1 &
bpid=$!
pids="$pids $bpid"
wait_file "$tmp/ready.b" 20
rc=$?
t3=$(cat "$tmp/route.t" 2> /dev/null)

sayat $t1 "A: server told to pause; it stopped at $(cut -d' ' -f2- "$tmp/state")"
sayat $t2 "A: checkpoint with stop: $(wc -c < "$tmp/conn.img") byte image; the original is silenced, its tuple frozen in A"
result restore_in_B $rc "$(cat "$tmp/server.b.out")"
[ $rc = 0 ] || give_up "restore failed"
sayat $t3 "B: connection restored (the router still sent the peer to A, whose freeze dropped it); then at once the router's route to $TOPO_SVC moved to B and tcp_peer resumed at the saved offsets"
"$TCPKIT" -n "$A" -j conn frozen > "$tmp/frozen" 2>&1
frozen=$(grep -c "\"dport\":$rport[,}]" "$tmp/frozen")
say "A: tuple listed as frozen: $frozen, the peer's segments it dropped so far: $(tr ',' '\n' < "$tmp/frozen" | sed -n 's/^"dropped"://p' | tr -d '}]' | head -n1)"
kill -9 $spid
wait $spid 2> /dev/null
say "A: paused original server killed (its socket sends nothing)"

# 4. clean A up once nothing of the peer is on its way there: the freeze
# has stopped dropping the peer's segments
settle 20 sh -c "\"$TCPKIT\" -n $A -j conn frozen | tr ',' '\n' | grep dropped"
"$TCPKIT" -n "$A" conn thaw src $TOPO_SVC:$PORT dst $TOPO_PEER_ADDR:$rport \
	> "$tmp/thaw" 2>&1
thaw=$?
ip -n "$A" addr del $TOPO_SVC/32 dev lo
say "A: freeze lifted, service address removed"
say "streams go on between the peer and B"

# the end: both sides finish their streams
timeout 120 sh -c "while kill -0 $cpid 2> /dev/null; do sleep 0.1; done"
wait $cpid
crc=$?
wait $bpid
brc=$?
count rst
rsts=$COUNT
count fin
[ "$COUNT" = unreadable ] || COUNT=$(grep -c " IP $TOPO_SVC\.$PORT > " "$tmp/fin.txt")
fins=$COUNT
# the service's one normal FIN, after its last byte (the peer checks that
# all bytes came before it): any other FIN came during the move
[ "$fins" = 1 ] && fins=0 || fins="$fins (1 expected at the end)"
say "peer: $(cat "$tmp/client.out" | tr '\n' ' ')"
say "B:    $(cat "$tmp/server.b.out" | tr '\n' ' ')"

result freeze_listed_and_thawed $([ "$frozen" -ge 1 ] && [ $thaw = 0 ] && echo 0 || echo 1) \
	"frozen=$frozen thaw: $(cat "$tmp/thaw")"
result no_rst_seen_by_peer $([ "$rsts" = 0 ] && echo 0 || echo 1) "$rsts resets"
result no_fin_during_migration $([ "$fins" = 0 ] && echo 0 || echo 1) \
	"FINs from the service: $fins: $(head -c 200 "$tmp/fin.txt")"
result peer_streams_byte_exact \
	$([ $crc = 0 ] && grep -q "^sent=$N recv=$N ok$" "$tmp/client.out" && echo 0 || echo 1) \
	"exit $crc: $(tr '\n' ' ' < "$tmp/client.out")"
result restored_server_streams_byte_exact \
	$([ $brc = 0 ] && grep -q "^sent=$N recv=$N ok$" "$tmp/server.b.out" && echo 0 || echo 1) \
	"exit $brc: $(tr '\n' ' ' < "$tmp/server.b.out")"

c_ss=$(field "$tmp/client.rep" sent_sum)
c_rs=$(field "$tmp/client.rep" recv_sum)
s_ss=$(field "$tmp/server.rep" sent_sum)
s_rs=$(field "$tmp/server.rep" recv_sum)
sums=no
[ -n "$c_ss" ] && [ "$c_ss" = "$s_rs" ] && [ -n "$c_rs" ] && [ "$c_rs" = "$s_ss" ] && sums=yes
result checksums_equal $([ $sums = yes ] && echo 0 || echo 1) \
	"peer sent $c_ss recv $c_rs, B sent $s_ss recv $s_rs"

# The blackout is the peer's pause between reads that spans the stop in A
# (t2: A sends nothing after it, B nothing before t3 > t2); other pauses
# after it (B's segments waiting for the route) are reported too.
set -- $(field "$tmp/client.rep" gaps | tr ',' '\n' | awk -F- -v t=$t2 '
	$2 >= t && $1 <= t + 20 && b == "" { b = $2 - $1; e = $2; next }
	$1 > t && $2 - $1 > o { o = $2 - $1 }
	END { print (b == "" ? "none" : b), o + 0 }')
gap=$1
ok=1
case $gap in
[0-9]*) ok=0 ;;
esac
result blackout_measured $ok "no pause of the peer spans the stop at $t2 ms: $(cat "$tmp/client.rep")"
say "peer: blackout $gap ms (last byte from A to first byte from B), longest pause after it $2 ms"

summary="summary: bytes peer->service $(field "$tmp/client.rep" sent) service->peer $(field "$tmp/client.rep" recv), checksums equal: $sums, RSTs seen $rsts, FINs seen $fins, blackout $gap ms"
if [ $KTAP = 1 ]; then
	ktap_diag "$summary"
	ktap_exit
fi
echo "$summary"
[ $fails = 0 ] || { echo "demo: $fails check(s) failed"; exit 1; }
echo "demo: all checks passed"
