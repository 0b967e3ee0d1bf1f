#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Two-phase stop through the CLI: `tcpkit conn checkpoint ... stop` holds
# the original until its image is durably written and gives it back on any
# failure before that; `conn restore ... exec` never loses a connection to
# a command that cannot run. Topology in cli_lib.sh:
#
#   netns C (client)                      netns S (server)
#   c0 10.77.0.2/24             <-veth->  s0 10.77.0.1/24
#   tcp_peer client                       tcp_peer server (pid P, fd F)
#
# Each give-back case streams a known sequence both ways; the server pauses
# (stops touching its socket) until its receive queue is larger than a
# pipe holds, the checkpoint with stop fails in one way, then the server
# goes on (SIGUSR2). Passes when the CLI exits 2 saying the connection was
# given back, the freeze is lifted, both streams arrive byte-exact and no
# side sent or got a reset. With the old one-phase stop the original was
# destroyed as soon as the kernel answered, and these streams died.
#
#   full_dir      a tmpfs smaller than the image
#   ro_dir        a read-only tmpfs (refused before the checkpoint)
#   pipe_closed   `... stop file - | head -c 16`
#   stdout_full   `... stop file - > /dev/full`
#   killed        SIGKILL while the CLI waits to open a FIFO
#
# Then exec: a missing command and a non-executable file are refused before
# anything is restored (image intact); a script whose interpreter is
# missing passes that check, so the exec fails after the restore and the
# connection is checkpointed back into the image, which then restores.

dir=$(cd "$(dirname "$0")" && pwd)
. "$dir/ktap.sh"

PORT=5002
N=1500000		# bytes each way
RATE=1000000		# bytes per second each way
PAUSE=300000		# the server pauses after sending this much
QMIN=262144		# server receive queue wanted: more than a pipe holds
PLAN=27
NAME=cli_hold
. "$dir/cli_lib.sh"

cli_cleanup_hook()
{
	for m in "$tmp/full" "$tmp/ro"; do
		grep -q " $m " /proc/mounts && umount "$m"
	done
}

cli_setup
# room for a large receive queue in the server (per netns)
ip netns exec "$S" sh -c \
	'echo "4096 1048576 4194304" > /proc/sys/net/ipv4/tcp_rmem' ||
	skip_all "cannot set tcp_rmem"
ktap_plan $PLAN

# uptime: seconds since boot, for the diagnostics
uptime()
{
	cut -d' ' -f1 /proc/uptime
}

# recvq: the server connection's receive queue in S, bytes
recvq()
{
	ip netns exec "$S" ss -Htn "sport = :$PORT" |
		awk '$1 == "ESTAB" { print $2; exit }'
}

# start_pair: server (paused, queue of QMIN) and client; sets spid, cpid,
# fd, rport and rst0. Fails when the stream does not get there.
start_pair()
{
	local i=0 q

	rm -f "$tmp"/ready "$tmp"/state "$tmp"/server.out "$tmp"/client.out
	rst0=$(counters)
	t0=$(uptime)
	ip netns exec "$S" "$PEER" server 10.77.0.1 $PORT --send $N --recv $N \
		--rate $RATE --ready "$tmp/ready" --state "$tmp/state" \
		--pause-at $PAUSE > "$tmp/server.out" 2>&1 &
	spid=$!
	pids="$pids $spid"
	wait_listen "$S" $PORT || return 1
	ip netns exec "$C" "$PEER" client 10.77.0.1 $PORT --send $N --recv $N \
		--rate $RATE > "$tmp/client.out" 2>&1 &
	cpid=$!
	pids="$pids $cpid"
	wait_file "$tmp/ready" 10 && wait_file "$tmp/state" 20 || return 1
	fd=$(sed 's/.*fd=\([0-9]*\).*/\1/' "$tmp/ready")
	rport=$(sed 's/.*rport=\([0-9]*\).*/\1/' "$tmp/ready")
	while q=$(recvq) && [ "${q:-0}" -lt $QMIN ]; do
		i=$((i + 1))
		[ $i -gt 100 ] && break
		sleep 0.1
	done
	ktap_diag "server paused: $(cat "$tmp/state"), receive queue ${q:-?} bytes"
}

# finish_pair NAME: let the server go on, then one case for both streams
# complete and byte-exact, one for no reset
finish_pair()
{
	local name=$1 rc_c rc_s

	kill -USR2 $spid 2> /dev/null
	if ! wait_file "$tmp/client.out" 60 || ! wait_file "$tmp/server.out" 60; then
		kill -9 $spid $cpid 2> /dev/null
	fi
	wait $cpid
	rc_c=$?
	wait $spid
	rc_s=$?
	ktap_diag "$name: streams ended $(uptime) (started $t0)"
	if [ $rc_c = 0 ] && [ $rc_s = 0 ] &&
	   grep -q "^sent=$N recv=$N ok$" "$tmp/client.out" &&
	   grep -q "^sent=$N recv=$N ok$" "$tmp/server.out"; then
		ktap_ok "${name}_original_streams_on"
	else
		ktap_fail "${name}_original_streams_on" \
			"client exit $rc_c: $(tr '\n' ' ' < "$tmp/client.out") server exit $rc_s: $(tr '\n' ' ' < "$tmp/server.out")"
	fi
	no_reset "${name}_no_reset" "$rst0"
}

# refused NAME RC [REGEX]: the CLI (output in $tmp/out) exited RC = 2,
# said REGEX, and the tuple is not frozen any more
refused()
{
	local name=$1 rc=$2 re=$3 i=0

	while frozen $PORT; do
		i=$((i + 1))
		[ $i -gt 50 ] && break
		sleep 0.1
	done
	if [ "$rc" != 2 ]; then
		ktap_fail "${name}_refused" "exit $rc: $(head -c 300 "$tmp/out" | tr '\n' ' ')"
	elif [ -n "$re" ] && ! grep -q -- "$re" "$tmp/out"; then
		ktap_fail "${name}_refused" "no '$re' in: $(head -c 300 "$tmp/out" | tr '\n' ' ')"
	elif frozen $PORT; then
		ktap_fail "${name}_refused" "the tuple is still frozen"
	else
		ktap_ok "${name}_refused"
	fi
	ktap_diag "$name: $(head -c 300 "$tmp/out" | tr '\n' ' ')"
}

# give_back NAME HOW: one connection through start_pair, HOW (a function)
# runs the checkpoint and leaves its exit status in rc: 3 cases
give_back()
{
	local name=$1 how=$2 re="the connection was given back"

	if ! start_pair; then
		ktap_diag "$name: no stream: $(cat "$tmp/server.out" "$tmp/client.out")"
		for i in 1 2 3; do
			ktap_fail "${name}_setup" "no stream"
		done
		return
	fi
	$how
	# refused before any hold: nothing to give back; killed: nothing said
	[ "$how" = how_ro_dir ] && re="Read-only file system"
	[ "$how" = how_killed ] && re=
	refused "$name" "$rc" "$re"
	finish_pair "$name"
}

how_full_dir()
{
	mkdir -p "$tmp/full"
	mount -t tmpfs -o size=64k tkfull "$tmp/full"
	"$TCPKIT" -n "$S" conn checkpoint pid $spid fd "$fd" stop \
		file "$tmp/full/conn.img" > "$tmp/out" 2>&1
	rc=$?
	# neither the image nor its temporary file is left behind
	[ -n "$(ls -A "$tmp/full")" ] &&
		echo "left in the directory: $(ls -A "$tmp/full")" >> "$tmp/out" && rc=9
	umount "$tmp/full"
}

how_ro_dir()
{
	mkdir -p "$tmp/ro"
	mount -t tmpfs -o size=1m tkro "$tmp/ro" &&
		mount -o remount,ro "$tmp/ro"
	"$TCPKIT" -n "$S" conn checkpoint pid $spid fd "$fd" stop \
		file "$tmp/ro/conn.img" > "$tmp/out" 2>&1
	rc=$?
	umount "$tmp/ro"
}

how_pipe_closed()
{
	{
		"$TCPKIT" -n "$S" conn checkpoint pid $spid fd "$fd" stop \
			file - 2> "$tmp/out"
		echo $? > "$tmp/rc"
	} | head -c 16 > /dev/null
	rc=$(cat "$tmp/rc")
}

how_stdout_full()
{
	"$TCPKIT" -n "$S" conn checkpoint pid $spid fd "$fd" stop \
		file - > /dev/full 2> "$tmp/out"
	rc=$?
}

# The CLI holds the connection and blocks opening the FIFO (no reader):
# killed there, its netlink socket closes and the kernel gives it back.
how_killed()
{
	local i=0 kpid

	rm -f "$tmp/fifo"
	mkfifo "$tmp/fifo"
	"$TCPKIT" -n "$S" conn checkpoint pid $spid fd "$fd" stop \
		file "$tmp/fifo" > "$tmp/out" 2>&1 &
	kpid=$!
	until frozen $PORT; do
		i=$((i + 1))
		[ $i -gt 100 ] && break
		sleep 0.1
	done
	kill -9 $kpid
	wait $kpid
	rc=$?
	rm -f "$tmp/fifo"
	if [ $i -gt 100 ]; then
		echo "the tuple was never frozen" >> "$tmp/out"
		rc=9
	elif [ $rc = 137 ]; then
		rc=2	# killed as planned: judged like a refusal
	fi
}

give_back full_dir how_full_dir
give_back ro_dir how_ro_dir
give_back pipe_closed how_pipe_closed
give_back stdout_full how_stdout_full
give_back killed how_killed

# ---- restore ... exec -------------------------------------------------

# refused_exec NAME CMD: restore with exec CMD exits 2, nothing restored
refused_exec()
{
	"$TCPKIT" -n "$S" conn restore file "$tmp/conn.img" exec "$@" \
		> "$tmp/out" 2>&1
	rc=$?
	if [ $rc = 2 ] && grep -q "nothing was restored" "$tmp/out" &&
	   frozen $PORT; then
		ktap_ok "$name"
	else
		ktap_fail "$name" "exit $rc: $(head -c 300 "$tmp/out" | tr '\n' ' ')"
	fi
}

exec_cases()
{
	local name

	start_pair || return 1
	"$TCPKIT" -n "$S" conn checkpoint pid $spid fd "$fd" stop \
		file "$tmp/conn.img" > "$tmp/out" 2>&1 || return 1
	# committed: the original is gone, the image alone holds it
	if ip netns exec "$S" ss -Htna "sport = :$PORT and dport = :$rport" |
	   grep -q .; then
		ktap_fail stop_commit_destroys_original \
			"$(ip netns exec "$S" ss -Htna "sport = :$PORT and dport = :$rport")"
	else
		ktap_ok stop_commit_destroys_original
	fi
	kill -9 $spid
	wait $spid 2> /dev/null
	cp "$tmp/conn.img" "$tmp/conn.ref"

	name=exec_missing_path_refused
	refused_exec "$tmp/no/such/command"
	name=exec_missing_command_refused
	refused_exec "tcpkit-no-such-command-$rnd"
	printf '#!/bin/sh\nexit 0\n' > "$tmp/not_exec"
	chmod 644 "$tmp/not_exec"
	name=exec_not_executable_refused
	refused_exec "$tmp/not_exec"
	name=exec_directory_refused
	refused_exec "$tmp"
	if cmp -s "$tmp/conn.img" "$tmp/conn.ref"; then
		ktap_ok exec_refused_image_intact
	else
		ktap_fail exec_refused_image_intact "the image changed"
	fi

	# passes every check, fails in execve(): ENOENT for the interpreter
	printf '#!%s/no/such/interpreter\n' "$tmp" > "$tmp/bad_interp"
	chmod 755 "$tmp/bad_interp"
	ktap_diag "bad interpreter: start $(uptime)"
	timeout 60 "$TCPKIT" -n "$S" conn restore file "$tmp/conn.img" \
		exec "$tmp/bad_interp" > "$tmp/out" 2>&1
	rc=$?
	ktap_diag "bad interpreter: $(uptime): $(head -c 300 "$tmp/out" | tr '\n' ' ')"
	if [ $rc = 2 ] && grep -q "was rewritten" "$tmp/out" && frozen $PORT; then
		ktap_ok exec_failed_connection_checkpointed_back
	else
		ktap_fail exec_failed_connection_checkpointed_back \
			"exit $rc: $(head -c 300 "$tmp/out" | tr '\n' ' ')"
	fi
	check exec_rewritten_image_valid \
		"$TCPKIT" image show file "$tmp/conn.img"

	check exec_restore_after_all_that timeout 60 \
		"$TCPKIT" -n "$S" conn restore file "$tmp/conn.img" \
		exec "$PEER" resume --state "$tmp/state" --send $N --recv $N \
		--rate $RATE
	ktap_diag "resumed server: $(tr '\n' ' ' < "$tmp/out")"
	wait_file "$tmp/client.out" 60 || kill -9 $cpid 2> /dev/null
	wait $cpid
	rc=$?
	if [ $rc = 0 ] && grep -q "^sent=$N recv=$N ok$" "$tmp/client.out"; then
		ktap_ok exec_client_stream_byte_exact
	else
		ktap_fail exec_client_stream_byte_exact \
			"exit $rc: $(tr '\n' ' ' < "$tmp/client.out")"
	fi
	if frozen $PORT; then
		ktap_fail exec_freeze_lifted "still frozen"
	else
		ktap_ok exec_freeze_lifted
	fi
	no_reset exec_no_reset "$rst0"
}

exec_cases || ktap_diag "exec: no stream: $(cat "$tmp/out" "$tmp/server.out" "$tmp/client.out")"
while [ "$KTAP_N" -lt $PLAN ]; do
	ktap_fail exec_setup "no stream or no checkpoint"
done

ktap_exit
