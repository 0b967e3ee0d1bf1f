#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Same-host takeover through the CLI, IPv4 and IPv6:
#
#   netns C (client)                      netns S (server)
#   c0 10.77.0.2/24 fd77::2/64  <-veth->  s0 10.77.0.1/24 fd77::1/64
#   tcp_peer client                       tcp_peer server (pid P, fd F)
#
# Both ends stream a known sequence at RATE each way. Mid-stream the
# server pauses (--pause-at: it records its offsets), is checkpointed with
# `tcpkit conn checkpoint pid P fd F stop file X` and killed; then
# `tcpkit -n S conn restore file X exec tcp_peer resume` takes over while
# the client keeps sending. Passes when both streams arrive byte-exact, the
# freeze was listed and then lifted, and neither side sent or got a reset
# (/proc/net/snmp OutRsts, EstabResets; TcpExt TCPAbortOn* of the client).

dir=$(cd "$(dirname "$0")" && pwd)
. "$dir/ktap.sh"

TCPKIT=${TCPKIT:-tcpkit}
PEER=$dir/tcp_peer
PORT=5001
N=4000000		# bytes each way
RATE=1000000		# bytes per second each way
PAUSE=1500000		# the server pauses after sending this much
PLAN=25

rnd=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
C=tkc-$rnd
S=tks-$rnd
tmp=$(mktemp -d /tmp/cli_conn.XXXXXX)
pids=

cleanup()
{
	for p in $pids; do
		kill -9 "$p" 2>/dev/null
	done
	ip netns del "$C" 2>/dev/null
	ip netns del "$S" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

skip_all()
{
	ktap_plan $PLAN
	while [ "$KTAP_N" -lt $PLAN ]; do
		ktap_skip "cli_conn" "$1"
	done
	exit 4
}

[ "$(id -u)" = 0 ] || skip_all "needs root"
command -v "$TCPKIT" > /dev/null || skip_all "no tcpkit binary"
[ -x "$PEER" ] || skip_all "tcp_peer not built"
modprobe tcpkit 2> /dev/null || skip_all "cannot load the tcpkit module"

ip netns add "$C" && ip netns add "$S" &&
ip link add c0 netns "$C" type veth peer name s0 netns "$S" &&
ip -n "$C" addr add 10.77.0.2/24 dev c0 &&
ip -n "$S" addr add 10.77.0.1/24 dev s0 &&
ip -n "$C" addr add fd77::2/64 dev c0 nodad &&
ip -n "$S" addr add fd77::1/64 dev s0 nodad &&
ip -n "$C" link set c0 up && ip -n "$S" link set s0 up &&
ip -n "$C" link set lo up && ip -n "$S" link set lo up ||
	skip_all "cannot build the netns topology"

ktap_plan $PLAN

# wait_file FILE SECONDS
wait_file()
{
	local i=0

	while [ ! -s "$1" ]; do
		i=$((i + 1))
		[ $i -gt $(($2 * 10)) ] && return 1
		sleep 0.1
	done
}

# wait_listen NETNS PORT
wait_listen()
{
	local i=0

	until ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q .; do
		i=$((i + 1))
		[ $i -gt 50 ] && return 1
		sleep 0.1
	done
}

# snmp NETNS FIELD: a Tcp: counter of /proc/net/snmp in NETNS
snmp()
{
	ip netns exec "$1" cat /proc/net/snmp | awk -v f="$2" '
		$1 == "Tcp:" && !h { for (i = 2; i <= NF; i++) if ($i == f) c = i; h = 1; next }
		$1 == "Tcp:" && h { print $c; exit }'
}

# aborts NETNS: sum of the TcpExt TCPAbortOn* counters in NETNS
aborts()
{
	ip netns exec "$1" cat /proc/net/netstat | awk '
		$1 == "TcpExt:" && !h { for (i = 2; i <= NF; i++) n[i] = $i; h = 1; next }
		$1 == "TcpExt:" && h { s = 0; for (i = 2; i <= NF; i++) if (n[i] ~ /^TCPAbortOn/) s += $i; print s; exit }'
}

# counters: "S.OutRsts C.OutRsts C.EstabResets C.aborts" (per netns, so
# a run compares against the values before it)
counters()
{
	echo "$(snmp "$S" OutRsts) $(snmp "$C" OutRsts) $(snmp "$C" EstabResets) $(aborts "$C")"
}

# check NAME CMD...: CMD's output in $tmp/out, ok when it exits 0
check()
{
	local name=$1
	shift
	"$@" > "$tmp/out" 2>&1
	rc=$?
	if [ $rc = 0 ]; then
		ktap_ok "$name"
	else
		ktap_fail "$name" "exit $rc: $(head -c 300 "$tmp/out" | tr '\n' ' ')"
	fi
	return $rc
}

# has NAME REGEX...: the last output matches every REGEX
has()
{
	local name=$1 re
	shift
	for re in "$@"; do
		if ! grep -q -- "$re" "$tmp/out"; then
			ktap_fail "$name" "no '$re' in: $(head -c 300 "$tmp/out" | tr '\n' ' ')"
			return
		fi
	done
	ktap_ok "$name"
}

# run FAMILY SERVER_ADDR CLIENT_ADDR: 11 cases
run()
{
	local fam=$1 sa=$2 ca=$3 sep cep spid cpid fd rport rc

	if [ "$fam" = 6 ]; then
		sep="[$sa]:$PORT"
	else
		sep="$sa:$PORT"
	fi
	rm -f "$tmp"/ready "$tmp"/state "$tmp"/*.img "$tmp"/*.out
	rst0=$(counters)
	ip netns exec "$S" "$PEER" server "$sa" $PORT --send $N --recv $N \
		--rate $RATE --ready "$tmp/ready" --state "$tmp/state" \
		--pause-at $PAUSE \
		> "$tmp/server.out" 2>&1 &
	spid=$!
	pids="$pids $spid"
	wait_listen "$S" $PORT
	ip netns exec "$C" "$PEER" client "$sa" $PORT --send $N --recv $N \
		--rate $RATE > "$tmp/client.out" 2>&1 &
	cpid=$!
	pids="$pids $cpid"
	if ! wait_file "$tmp/ready" 10; then
		ktap_diag "ipv$fam: no connection: $(cat "$tmp/server.out" "$tmp/client.out")"
		for i in 1 2 3 4 5 6 7 8 9 10 11; do
			ktap_fail "ipv${fam}_setup" "no connection"
		done
		return
	fi
	fd=$(sed 's/.*fd=\([0-9]*\).*/\1/' "$tmp/ready")
	rport=$(sed 's/.*rport=\([0-9]*\).*/\1/' "$tmp/ready")
	if [ "$fam" = 6 ]; then
		cep="[$ca]:$rport"
	else
		cep="$ca:$rport"
	fi
	check "ipv${fam}_conn_show_by_fd" \
		"$TCPKIT" -n "$S" conn show pid $spid fd "$fd"
	ktap_diag "$(head -n1 "$tmp/out")"
	# CLOSE_WAIT once the client has sent everything (slow hosts get there)
	check "ipv${fam}_conn_show_by_tuple_json" \
		"$TCPKIT" -n "$S" -j conn show src "$sep" dst "$cep"
	has "ipv${fam}_conn_show_json_keys" "\"sport\":$PORT[,}]" \
		"\"dport\":$rport[,}]" \
		"\"state\":\"\(ESTABLISHED\|CLOSE_WAIT\)\"" \
		"\"saddr\":\"$sa\"" "\"daddr\":\"$ca\""
	# a copy without stop: the original goes on
	check "ipv${fam}_checkpoint_copy" "$TCPKIT" -n "$S" conn checkpoint \
		pid $spid fd "$fd" file "$tmp/copy.img"
	check "ipv${fam}_image_show" "$TCPKIT" image show file "$tmp/copy.img"

	wait_file "$tmp/state" 20 || ktap_diag "server did not pause"
	ktap_diag "ipv$fam paused: $(cat "$tmp/state")"
	check "ipv${fam}_checkpoint_stop" "$TCPKIT" -n "$S" conn checkpoint \
		pid $spid fd "$fd" stop file "$tmp/conn.img"
	"$TCPKIT" -n "$S" -j conn frozen > "$tmp/out" 2>&1
	has "ipv${fam}_frozen_listed" "\"sport\":$PORT,\"daddr\":\"$ca\",\"dport\":$rport,"
	kill -9 $spid
	wait $spid 2> /dev/null
	"$TCPKIT" image show file "$tmp/conn.img" > "$tmp/img.txt" 2>&1
	sed -n 's/^/# /; 3,4p' "$tmp/img.txt"

	check "ipv${fam}_restore_exec" timeout 60 \
		"$TCPKIT" -n "$S" conn restore file "$tmp/conn.img" \
		exec "$PEER" resume --state "$tmp/state" --send $N --recv $N \
		--rate $RATE
	ktap_diag "resumed server: $(tr '\n' ' ' < "$tmp/out")"

	wait $cpid
	rc=$?
	if [ $rc = 0 ] && grep -q "^sent=$N recv=$N ok$" "$tmp/client.out"; then
		ktap_ok "ipv${fam}_client_streams_byte_exact"
	else
		ktap_fail "ipv${fam}_client_streams_byte_exact" \
			"exit $rc: $(tr '\n' ' ' < "$tmp/client.out")"
	fi

	"$TCPKIT" -n "$S" -j conn frozen > "$tmp/out" 2>&1
	if grep -q "\"sport\":$PORT," "$tmp/out"; then
		ktap_fail "ipv${fam}_freeze_lifted" "$(cat "$tmp/out")"
	else
		ktap_ok "ipv${fam}_freeze_lifted"
	fi

	# shellcheck disable=SC2086
	set -- $rst0 $(counters)
	if [ $# != 8 ]; then
		rst="cannot read counters: $*"
		ktap_fail "ipv${fam}_no_reset" "$rst"
	else
		rst="S.OutRsts=$(($5 - $1)) C.OutRsts=$(($6 - $2)) C.EstabResets=$(($7 - $3)) C.aborts=$(($8 - $4))"
		case $rst in
		*=[1-9-]*) ktap_fail "ipv${fam}_no_reset" "$rst" ;;
		*) ktap_ok "ipv${fam}_no_reset" ;;
		esac
	fi
	ktap_diag "counters: $rst"
}

run 4 10.77.0.1 10.77.0.2
run 6 fd77::1 fd77::2

# errors reach the user as "Error: ..." with exit status 2
"$TCPKIT" -n "$S" conn thaw src 10.77.0.1:1 dst 10.77.0.2:2 > "$tmp/out" 2>&1
rc=$?
[ $rc = 2 ] && grep -q "^Error: " "$tmp/out" && ktap_ok "thaw_unknown_tuple" ||
	ktap_fail "thaw_unknown_tuple" "exit $rc: $(cat "$tmp/out")"
exec 9< /dev/null
"$TCPKIT" conn show pid $$ fd 9 > "$tmp/out" 2>&1
rc=$?
[ $rc = 2 ] && grep -q "^Error: " "$tmp/out" && ktap_ok "show_not_a_socket" ||
	ktap_fail "show_not_a_socket" "exit $rc: $(cat "$tmp/out")"
"$TCPKIT" conn show pid 2147483647 fd 3 > "$tmp/out" 2>&1
rc=$?
[ $rc = 2 ] && grep -q "^Error: pid 2147483647: No such process" "$tmp/out" &&
	ktap_ok "show_no_such_pid" ||
	ktap_fail "show_no_such_pid" "exit $rc: $(cat "$tmp/out")"

ktap_exit
