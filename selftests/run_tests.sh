#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run every test of tests.list in order (or only the tests named as
# arguments), each under the timeout in `settings`, and print one KTAP
# document: each program's own KTAP output nested (indented) under one
# line per program, named "<kernel>: <program>".

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

echo "TAP version 13"
echo "1..$n"
while read -r t; do
	[ -n "$t" ] || continue
	i=$((i + 1))
	echo "# $rel: $t"
	timeout "${timeout:-300}" "./$t" > /tmp/ktap.out 2>&1
	rc=$?
	sed 's/^/    /' /tmp/ktap.out
	case $rc in
	0) echo "ok $i $rel: $t" ;;
	4) echo "ok $i $rel: $t # SKIP" ;;
	124|143) echo "not ok $i $rel: $t # TIMEOUT ${timeout}s"; failed=1 ;;
	*) echo "not ok $i $rel: $t # exit status $rc"; failed=1 ;;
	esac
done < "$list"
exit $failed
