#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Same-host takeover through the CLI, IPv4 and IPv6 (topology in
# cli_lib.sh):
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

PORT=5001
N=4000000		# bytes each way
RATE=1000000		# bytes per second each way
PAUSE=1500000		# the server pauses after sending this much
PLAN=27
NAME=cli_conn
. "$dir/cli_lib.sh"

cli_setup
ktap_plan $PLAN

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
	has "ipv${fam}_frozen_counts" "\"dropped\":[0-9]*,\"parked\":[0-9]*}"
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

	no_reset "ipv${fam}_no_reset" "$rst0"
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
