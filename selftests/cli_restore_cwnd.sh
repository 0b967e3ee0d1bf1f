#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The congestion window through the CLI: `tcpkit conn restore file X`
# carries the original's cwnd, `... file X conservative` starts from the
# initial window of 10 in slow start (topology in cli_lib.sh, a 20 ms
# delay on the server's side):
#
#   netns C (client)                      netns S (server)
#   c0 10.77.0.2/24             <-veth->  s0 10.77.0.1/24, netem 20 ms
#   tcp_peer client (reads)               tcp_peer server (sends in bulk)
#
# Per way: the server sends 2 MB as fast as it can (its window grows well
# past 10 segments), pauses, is checkpointed with stop and killed; the
# restore's exec'd command reads the restored socket's cwnd and ssthresh
# with `ss -ti` before tcp_peer resume sends the rest. Carried: the
# image's cwnd (more than 10), clamped to the peer's window in segments
# as the restore does, and ssthresh; conservative: cwnd 10 and no
# ssthresh (infinite). The stream ends byte-exact, and no reset is seen.

dir=$(cd "$(dirname "$0")" && pwd)
. "$dir/ktap.sh"

PORT=5003
N=3000000		# bytes the server sends
PAUSE=2000000		# it pauses after this much
PLAN=12
NAME=cli_restore_cwnd
. "$dir/cli_lib.sh"

cli_setup
tc -n "$S" qdisc add dev s0 root netem delay 20ms limit 100000 ||
	skip_all "no netem"
ktap_plan $PLAN

# ssf KEY: the number after "KEY:" in ss's output ($tmp/ss)
ssf()
{
	tr ' \t' '\n\n' < "$tmp/ss" | sed -n "s/^$1:\([0-9]*\).*/\1/p" | head -n1
}

# imgf KEY: a number of the image (tcpkit -j image show, $tmp/img.json)
imgf()
{
	tr ',{}' '\n\n\n' < "$tmp/img.json" | sed -n "s/^\"$1\":\([0-9]*\)$/\1/p" |
		head -n1
}

# way carried|conservative: 6 cases
way()
{
	local w=$1 kw='' spid cpid fd rc cw ss icw iss lo hi rst0 i

	[ "$w" = conservative ] && kw=conservative
	rm -f "$tmp"/ready "$tmp"/state "$tmp"/*.img "$tmp"/*.out "$tmp"/ss
	rst0=$(counters)
	ip netns exec "$S" "$PEER" server 10.77.0.1 $PORT --send $N --recv 0 \
		--ready "$tmp/ready" --state "$tmp/state" --pause-at $PAUSE \
		> "$tmp/server.out" 2>&1 &
	spid=$!
	pids="$pids $spid"
	wait_listen "$S" $PORT
	ip netns exec "$C" "$PEER" client 10.77.0.1 $PORT --send 0 --recv $N \
		> "$tmp/client.out" 2>&1 &
	cpid=$!
	pids="$pids $cpid"
	wait_file "$tmp/state" 30 || ktap_diag "$w: the server did not pause"
	fd=$(sed 's/.*fd=\([0-9]*\).*/\1/' "$tmp/ready")
	# its bytes acknowledged: no ACK reaches the restored socket later
	i=0
	while [ $i -lt 50 ] && ip netns exec "$S" ss -Htn "sport = :$PORT" |
		awk '$1 == "ESTAB" && $3 != 0 { f = 1 } END { exit !f }'; do
		i=$((i + 1))
		sleep 0.1
	done
	check "${w}_checkpoint_stop" "$TCPKIT" -n "$S" conn checkpoint \
		pid $spid fd "$fd" stop file "$tmp/conn.img"
	kill -9 $spid
	wait $spid 2> /dev/null
	"$TCPKIT" -j image show file "$tmp/conn.img" > "$tmp/img.json" 2>&1
	icw=$(imgf cwnd)
	iss=$(imgf ssthresh)
	ktap_diag "$w: image cwnd ${icw:-?} ssthresh ${iss:-?} snd_wnd $(imgf snd_wnd)"

	# shellcheck disable=SC2086
	check "${w}_restore_exec" timeout 60 \
		"$TCPKIT" -n "$S" conn restore file "$tmp/conn.img" $kw \
		exec sh -c "ss -Htin 'sport = :$PORT' > $tmp/ss &&
			exec $PEER resume --state $tmp/state --send $N --recv 0"
	ktap_diag "$w: restored: $(tr -s ' \t\n' ' ' < "$tmp/ss")"
	cw=$(ssf cwnd)
	ss=$(ssf ssthresh)
	if [ -z "$icw" ] || [ "$icw" -le 10 ]; then
		ktap_fail "${w}_image_cwnd_above_initial" "image cwnd '$icw'"
	else
		ktap_ok "${w}_image_cwnd_above_initial"
	fi
	# ss shows no ssthresh of 65535 or more (infinite: no loss yet)
	[ "${iss:-0}" -ge 65535 ] && iss=
	if [ "$w" = conservative ]; then
		[ "$cw" = 10 ] && [ -z "$ss" ] && rc=0 || rc=1
	elif [ -n "$icw" ] && [ -n "$cw" ] && [ "$(imgf mss)" -gt 40 ]; then
		# the image's, clamped to the peer's window in segments of
		# the socket's MSS (the image's less 0 to 40 bytes of
		# options), never below 10
		lo=$(( ($(imgf snd_wnd) + $(imgf mss) - 1) / $(imgf mss) ))
		hi=$(( ($(imgf snd_wnd) + $(imgf mss) - 41) / ($(imgf mss) - 40) ))
		[ "$lo" -lt 10 ] && lo=10
		[ "$hi" -lt 10 ] && hi=10
		[ "$icw" -lt "$lo" ] && lo=$icw
		[ "$icw" -lt "$hi" ] && hi=$icw
		[ "$cw" -ge "$lo" ] && [ "$cw" -le "$hi" ] && [ "$ss" = "$iss" ] &&
			rc=0 || rc=1
	else
		rc=1
	fi
	if [ $rc = 0 ]; then
		ktap_ok "${w}_cwnd_after_restore"
	else
		ktap_fail "${w}_cwnd_after_restore" "cwnd '$cw' ssthresh '$ss', image cwnd '$icw'"
	fi

	wait $cpid
	rc=$?
	if [ $rc = 0 ] && grep -q "^sent=0 recv=$N ok$" "$tmp/client.out"; then
		ktap_ok "${w}_client_stream_byte_exact"
	else
		ktap_fail "${w}_client_stream_byte_exact" \
			"exit $rc: $(tr '\n' ' ' < "$tmp/client.out")"
	fi
	no_reset "${w}_no_reset" "$rst0"
}

way carried
way conservative
ktap_exit
