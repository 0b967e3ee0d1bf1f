#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# kmemleak.sh start   forget what leaked before the suite (boot-time noise)
# kmemleak.sh check   report what leaked since, exit 1 on any leak
#
# For the debug kernel (CONFIG_DEBUG_KMEMLEAK, auto-scan off, booted with
# kmemleak=on). check prints one more program in run_tests.sh's shape
# ("# REL: kmemleak", its case indented, then "ok N REL: kmemleak"), so
# check.sh's parser counts it; each leak's report names an "unreferenced
# object", which the host's crash scan of the serial log catches as well.
# Exit 4 (skip) on a kernel without kmemleak.

f=/sys/kernel/debug/kmemleak
mountpoint -q /sys/kernel/debug 2>/dev/null ||
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null

rel=$(uname -r)

if [ ! -w "$f" ] || ! echo scan > "$f" 2>/dev/null; then
	[ "$1" = start ] && exit 0
	echo "# $rel: kmemleak"
	echo "ok 1 $rel: kmemleak # SKIP kmemleak not available"
	exit 4
fi

case $1 in
start)
	# The scan above found the old leaks; clear marks them reported.
	echo clear > "$f"
	exit 0
	;;
check) ;;
*)
	echo "usage: $0 start|check" >&2
	exit 1
	;;
esac

# An object is reported once it has been unreferenced for 5 s (min_age);
# a second scan after that drops the false positives of a pointer that
# was only in flight during the first one.
sleep 6
echo scan > "$f"
report=$(cat "$f")
n=$(printf '%s\n' "$report" | grep -c '^unreferenced object')
echo "# $rel: kmemleak"
echo "    TAP version 13"
echo "    1..1"
if [ "$n" -eq 0 ]; then
	echo "    ok 1 no leak reported"
	echo "ok 1 $rel: kmemleak"
	exit 0
fi
printf '%s\n' "$report" | sed 's/^/    # /'
echo "    not ok 1 $n unreferenced objects"
echo "not ok 1 $rel: kmemleak # $n unreferenced objects"
exit 1
