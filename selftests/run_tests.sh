#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run every test of tests.list in order (or only the tests named as
# arguments), each under the timeout in `settings`, and print one KTAP
# document: each program's own KTAP output nested (indented) under one
# line per program, named "<kernel>: <program>". Each program runs in a
# process group of its own, killed whole at its timeout and at its end, so
# nothing it started outlives it.

cd "$(dirname "$0")" || exit 1
timeout=$(sed -n 's/^timeout=//p' settings)
rel=$(uname -r)
list=tests.list
if [ $# -gt 0 ]; then
	list=/tmp/tests.only
	printf '%s\n' "$@" > "$list"
fi
n=$(grep -c . "$list")
failed=0
i=0

# watchdog SECONDS PGID: at the deadline, note it and end the group.
watchdog()
{
	trap 'kill "$s" 2>/dev/null; exit 0' TERM
	sleep "$1" &
	s=$!
	wait $s
	: > /tmp/ktap.timeout
	kill -s TERM -- "-$2" 2>/dev/null
	sleep 5
	kill -s KILL -- "-$2" 2>/dev/null
}

echo "TAP version 13"
echo "1..$n"
while read -r t; do
	[ -n "$t" ] || continue
	i=$((i + 1))
	echo "# $rel: $t"
	rm -f /tmp/ktap.timeout
	# In the background the program is no group leader: setsid execs it
	# as the leader of a new group whose id is its pid.
	setsid "./$t" > /tmp/ktap.out 2>&1 &
	pid=$!
	watchdog "${timeout:-300}" "$pid" &
	wd=$!
	wait $pid
	rc=$?
	kill $wd 2>/dev/null
	wait $wd
	kill -s KILL -- "-$pid" 2>/dev/null
	sed 's/^/    /' /tmp/ktap.out
	if [ -e /tmp/ktap.timeout ]; then
		echo "not ok $i $rel: $t # TIMEOUT ${timeout}s"
		failed=1
		continue
	fi
	case $rc in
	0) echo "ok $i $rel: $t" ;;
	4) echo "ok $i $rel: $t # SKIP" ;;
	*) echo "not ok $i $rel: $t # exit status $rc"; failed=1 ;;
	esac
done < "$list"
exit $failed
