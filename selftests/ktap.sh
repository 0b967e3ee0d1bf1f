# SPDX-License-Identifier: GPL-2.0
# KTAP output helpers for the shell selftests: source it, call ktap_plan N,
# then ktap_ok / ktap_fail / ktap_skip once per case, and finish with ktap_exit.

KTAP_N=0
KTAP_FAILED=0

ktap_plan()
{
	echo "TAP version 13"
	echo "1..$1"
}

ktap_ok()
{
	KTAP_N=$((KTAP_N + 1))
	echo "ok $KTAP_N $1"
}

ktap_fail()
{
	KTAP_N=$((KTAP_N + 1))
	KTAP_FAILED=$((KTAP_FAILED + 1))
	echo "not ok $KTAP_N $1${2:+ # $2}"
}

ktap_skip()
{
	KTAP_N=$((KTAP_N + 1))
	echo "ok $KTAP_N $1 # SKIP ${2:-}"
}

# ktap_check NAME CMD...: one case, passed when CMD exits 0.
ktap_check()
{
	local name=$1
	shift
	if "$@"; then
		ktap_ok "$name"
	else
		ktap_fail "$name" "exit status $?"
	fi
}

ktap_diag()
{
	echo "# $*"
}

ktap_exit()
{
	[ "$KTAP_FAILED" -eq 0 ] && exit 0
	exit 1
}
