#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Sets of connections through the CLI: `tcpkit conn checkpoint all
# [FILTER...] [stop] file X` and `tcpkit conn restore file X [exec CMD]`
# on images of format version 2. Topology in cli_lib.sh:
#
#   netns C (client)                      netns S (server)
#   c0 10.77.0.2/24 fd77::2/64  <-veth->  s0 10.77.0.1/24 fd77::1/64
#   tcp_peer clients                      tcp_peer servers, ports 5101-5106
#
#   filters   four streams (5101, 5102 and 5104 over IPv4, 5103 over IPv6)
#             are copied (no stop) with each filter: only the matching
#             connections land in the image (tcpkit -j image show)
#   stop      5101-5103 paused; `stop` into /dev/full gives all three
#             back; then held, saved, committed and restored at once into
#             an exec'd child that checks LISTEN_FDS, LISTEN_PID and
#             LISTEN_FDNAMES and resumes each stream: all three arrive
#             byte-exact at the clients, with no reset on either side
#   partial   one set of 5105 (its original live, so its tuple is in use)
#             and 5106 (stopped): restored into a command that cannot
#             run, 5106 is checkpointed back and the image rewritten with
#             both; restored again without exec, 5105 fails, 5106
#             restores, exit 1
#   damaged   a truncated version-2 file is refused, naming the file
#
# Without the feature `checkpoint all` is a usage error, version-2 files
# are refused and restore takes a single connection: every case fails.

dir=$(cd "$(dirname "$0")" && pwd)
. "$dir/ktap.sh"

N=1500000		# bytes each way
RATE=500000		# bytes per second each way
PAUSE=300000		# the servers pause after sending this much
PLAN=22
NAME=cli_set
. "$dir/cli_lib.sh"
IMAGE_SET=$dir/image_set

cli_setup
[ -x "$IMAGE_SET" ] || skip_all "image_set not built"
ktap_plan $PLAN

# start PORT ADDR [pause]: a stream to ADDR:PORT in S; sets spid_PORT,
# cpid_PORT, fd_PORT and rport_PORT
start()
{
	local port=$1 addr=$2 p=

	[ "${3:-}" = pause ] && p="--pause-at $PAUSE"
	# shellcheck disable=SC2086
	ip netns exec "$S" "$PEER" server "$addr" "$port" --send $N --recv $N \
		--rate $RATE --ready "$tmp/ready.$port" \
		--state "$tmp/state.$port" $p > "$tmp/server.$port" 2>&1 &
	eval "spid_$port=$!"
	pids="$pids $!"
	wait_listen "$S" "$port" || return 1
	ip netns exec "$C" "$PEER" client "$addr" "$port" --send $N --recv $N \
		--rate $RATE > "$tmp/client.$port" 2>&1 &
	eval "cpid_$port=$!"
	pids="$pids $!"
	wait_file "$tmp/ready.$port" 10 || return 1
	eval "fd_$port=$(sed 's/.*fd=\([0-9]*\).*/\1/' "$tmp/ready.$port")"
	eval "rport_$port=$(sed 's/.*rport=\([0-9]*\).*/\1/' "$tmp/ready.$port")"
}

# sports FILE: the sorted local ports of the connections in image FILE
sports()
{
	"$TCPKIT" -j image show file "$1" | grep -o '"sport":[0-9]*' |
		sed 's/.*://' | sort -n | tr '\n' ' '
}

# picks NAME "PORTS" FILTER...: checkpoint all with FILTER (a copy): the
# image holds exactly PORTS
picks()
{
	local name=$1 want=$2 got
	shift 2

	rm -f "$tmp/pick.img"
	"$TCPKIT" -n "$S" conn checkpoint all "$@" file "$tmp/pick.img" \
		> "$tmp/out" 2>&1
	rc=$?
	got=$(sports "$tmp/pick.img" 2> /dev/null)
	if [ $rc = 0 ] && [ "$got" = "$want" ]; then
		ktap_ok "$name"
	else
		ktap_fail "$name" "exit $rc, ports '$got', want '$want': $(head -c 300 "$tmp/out" | tr '\n' ' ')"
	fi
}

# version FILE: the format version in the file's header
version()
{
	od -An -tu2 -j8 -N2 "$1" | tr -d ' '
}

# ---- filters --------------------------------------------------------

if ! start 5101 10.77.0.1 pause || ! start 5102 10.77.0.1 pause ||
   ! start 5103 fd77::1 pause || ! start 5104 10.77.0.1 pause; then
	ktap_diag "no streams: $(cat "$tmp"/server.* "$tmp"/client.*)"
	while [ "$KTAP_N" -lt $PLAN ]; do
		ktap_fail setup "no streams"
	done
	ktap_exit
fi

picks all_four "5101 5102 5103 5104 "
cp "$tmp/pick.img" "$tmp/all.img" 2> /dev/null
picks filter_sport "5102 " sport 5102
picks filter_dport "5101 " dport "$rport_5101"
picks filter_saddr_v4 "5101 5102 5104 " saddr 10.77.0.0/24
picks filter_daddr_v6 "5103 " daddr fd77::/64
picks filter_pid "5104 " pid "$spid_5104"
picks filter_all_given "5101 " saddr 10.77.0.1 daddr 10.77.0.2/32 \
	sport 5101 dport "$rport_5101" pid "$spid_5101"
"$TCPKIT" -n "$S" conn checkpoint all sport 5102 file "$tmp/one.img" > /dev/null 2>&1
v=$(version "$tmp/one.img")
[ "$v" = 1 ] && ktap_ok one_connection_written_as_version_1 ||
	ktap_fail one_connection_written_as_version_1 "version '$v'"
v=$(version "$tmp/all.img")
[ "$v" = 2 ] && ktap_ok several_written_as_version_2 ||
	ktap_fail several_written_as_version_2 "version '$v'"
"$TCPKIT" -n "$S" conn checkpoint all sport 5999 file "$tmp/none.img" \
	> "$tmp/out" 2>&1
rc=$?
[ $rc = 2 ] && grep -q "no connection matches" "$tmp/out" && [ ! -e "$tmp/none.img" ] &&
	ktap_ok filter_no_match_refused ||
	ktap_fail filter_no_match_refused "exit $rc: $(cat "$tmp/out")"

# 5104 is done with; its end may reset: count from after it
kill -9 "$spid_5104" "$cpid_5104" 2> /dev/null
wait "$spid_5104" "$cpid_5104" 2> /dev/null
sleep 1

# ---- stop: three held, given back, then moved into one child ---------

rst0=$(counters)
for p in 5101 5102 5103; do
	wait_file "$tmp/state.$p" 20 || ktap_diag "server $p did not pause"
done
ktap_diag "paused: $(cat "$tmp"/state.510[123] | tr '\n' ' ')"

"$TCPKIT" -n "$S" conn checkpoint all stop file /dev/full > "$tmp/out" 2>&1
rc=$?
ktap_diag "$(head -c 300 "$tmp/out")"
if [ $rc = 2 ] && grep -q "every connection was given back" "$tmp/out" &&
   ! frozen 5101 && ! frozen 5102 && ! frozen 5103; then
	ktap_ok stop_save_failed_all_given_back
else
	ktap_fail stop_save_failed_all_given_back "exit $rc: $(head -c 300 "$tmp/out")"
fi

check stop_checkpoint_all "$TCPKIT" -n "$S" conn checkpoint all stop \
	file "$tmp/set.img"
if frozen 5101 && frozen 5102 && frozen 5103 &&
   ! ip netns exec "$S" ss -Htn state established | grep -q .; then
	ktap_ok stop_all_held_committed
else
	ktap_fail stop_all_held_committed "$(ip netns exec "$S" ss -Htn)"
fi
for p in 5101 5102 5103; do
	eval "kill -9 \$spid_$p"
	eval "wait \$spid_$p" 2> /dev/null
done

# The taker: checks the socket activation variables, then one
# `tcp_peer resume` per socket, each with its socket alone as fd 3.
cat > "$tmp/child.sh" <<'CHILD'
#!/bin/sh
peer=$1 sd=$2 n=$3 rate=$4
[ "$LISTEN_PID" = $$ ] || { echo "LISTEN_PID=$LISTEN_PID, pid $$"; exit 1; }
[ "$LISTEN_FDS" = 3 ] || { echo "LISTEN_FDS=$LISTEN_FDS"; exit 1; }
echo "$LISTEN_FDNAMES" > "$sd/fdnames"
i=0
kids=
for name in $(echo "$LISTEN_FDNAMES" | tr ':' ' '); do
	fd=$((i + 3))
	i=$((i + 1))
	sport=$(echo "$name" | cut -d- -f3)
	[ -s "$sd/state.$sport" ] || { echo "no stream for $name"; exit 1; }
	(
		eval "exec 9<&$fd"
		exec 3<&- 4<&- 5<&-
		exec 3<&9 9<&-
		export LISTEN_FDS=1
		unset LISTEN_FDNAMES
		exec sh -c 'LISTEN_PID=$$; export LISTEN_PID; exec "$@"' sh \
			"$peer" resume --state "$sd/state.$sport" --send "$n" \
			--recv "$n" --rate "$rate"
	) > "$sd/resume.$sport" 2>&1 &
	kids="$kids $!"
done
[ $i = 3 ] || { echo "$i names"; exit 1; }
exec 3<&- 4<&- 5<&-
rc=0
for k in $kids; do
	wait "$k" || rc=1
done
exit $rc
CHILD
chmod 755 "$tmp/child.sh"

check restore_all_exec timeout 60 "$TCPKIT" -n "$S" conn restore \
	file "$tmp/set.img" exec "$tmp/child.sh" "$PEER" "$tmp" $N $RATE
ktap_diag "child: $(tr '\n' ' ' < "$tmp/out") $(cat "$tmp"/resume.* | tr '\n' ' ')"
want="tcp4-10.77.0.1-5101-10.77.0.2-$rport_5101 tcp4-10.77.0.1-5102-10.77.0.2-$rport_5102 tcp6-fd77__1-5103-fd77__2-$rport_5103 "
got=$(tr ':' '\n' < "$tmp/fdnames" 2> /dev/null | sort | tr '\n' ' ')
[ "$got" = "$want" ] && ktap_ok listen_fdnames ||
	ktap_fail listen_fdnames "'$got', want '$want'"

ok=0
for p in 5101 5102 5103; do
	eval "c=\$cpid_$p"
	wait_file "$tmp/client.$p" 60 || kill -9 "$c" 2> /dev/null
	wait "$c"
	grep -q "^sent=$N recv=$N ok$" "$tmp/client.$p" && ok=$((ok + 1))
done
[ $ok = 3 ] && ktap_ok three_streams_byte_exact ||
	ktap_fail three_streams_byte_exact "$ok of 3: $(cat "$tmp"/client.510[123] | tr '\n' ' ')"
if frozen 5101 || frozen 5102 || frozen 5103; then
	ktap_fail freezes_lifted "still frozen"
else
	ktap_ok freezes_lifted
fi
no_reset restore_all_no_reset "$rst0"

# ---- partial failure, and an exec that fails after the restore ----------

if start 5105 10.77.0.1 pause && start 5106 10.77.0.1 pause &&
   wait_file "$tmp/state.5105" 20 && wait_file "$tmp/state.5106" 20; then
	"$TCPKIT" -n "$S" conn checkpoint all sport 5105 file "$tmp/live.img" &&
	"$TCPKIT" -n "$S" conn checkpoint all sport 5106 stop \
		file "$tmp/stopped.img" &&
	"$IMAGE_SET" --merge "$tmp/two.img" "$tmp/live.img" "$tmp/stopped.img"

	# 5105 fails (its original lives), 5106 restores, the exec fails:
	# 5106 is checkpointed back, and the image keeps 5105 as it was
	printf '#!%s/no/such/interpreter\n' "$tmp" > "$tmp/bad_interp"
	chmod 755 "$tmp/bad_interp"
	timeout 60 "$TCPKIT" -n "$S" conn restore file "$tmp/two.img" \
		exec "$tmp/bad_interp" > "$tmp/out" 2>&1
	rc=$?
	ktap_diag "$(tr '\n' ' ' < "$tmp/out")"
	got=$(sports "$tmp/two.img" 2> /dev/null)
	if [ $rc = 2 ] && grep -q "rewritten with the 1 restored connection:" "$tmp/out" &&
	   grep -q "connection tcp4-10.77.0.1-5105-10.77.0.2-$rport_5105 not restored" "$tmp/out" &&
	   [ "$got" = "5105 5106 " ] && frozen 5106; then
		ktap_ok exec_failed_image_rewritten_with_all
	else
		ktap_fail exec_failed_image_rewritten_with_all "exit $rc, ports '$got'"
	fi

	"$TCPKIT" -n "$S" -j conn restore file "$tmp/two.img" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	ktap_diag "$(tr '\n' ' ' < "$tmp/out") $(tr '\n' ' ' < "$tmp/err")"
	[ $rc = 1 ] && grep -q "^Error: 1 of 2 connections not restored" "$tmp/err" &&
		ktap_ok partial_exit_1 ||
		ktap_fail partial_exit_1 "exit $rc"
	has partial_reported '"status":"failed","family":"inet","saddr":"10.77.0.1","sport":5105' \
		'"status":"restored","family":"inet","saddr":"10.77.0.1","sport":5106' \
		'"name":"tcp4-10.77.0.1-5105-10.77.0.2-'
else
	for i in 1 2 3; do
		ktap_fail partial_setup "no streams"
	done
fi

# ---- damaged -------------------------------------------------------------

"$IMAGE_SET" --sample 3 "$tmp/good.img"
head -c 200 "$tmp/good.img" > "$tmp/cut.img"
"$TCPKIT" -n "$S" conn restore file "$tmp/cut.img" > "$tmp/out" 2>&1
rc=$?
[ $rc = 2 ] && grep -q "^Error: $tmp/cut.img: image: truncated" "$tmp/out" &&
	ktap_ok damaged_refused_naming_file ||
	ktap_fail damaged_refused_naming_file "exit $rc: $(cat "$tmp/out")"

ktap_exit
