# SPDX-License-Identifier: GPL-2.0
# Shared by the CLI connection tests (cli_conn.sh, cli_hold.sh): source it
# after ktap.sh. Two namespaces joined by a veth pair:
#
#   netns C (client)                      netns S (server)
#   c0 10.77.0.2/24 fd77::2/64  <-veth->  s0 10.77.0.1/24 fd77::1/64
#
# The caller sets PLAN and NAME (its KTAP case name for skips); this sets
# TCPKIT, PEER, C, S, tmp and pids (background processes cleanup kills),
# and runs cli_cleanup_hook, if the caller defines one, on exit.

TCPKIT=${TCPKIT:-tcpkit}
PEER=$dir/tcp_peer

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
	command -v cli_cleanup_hook > /dev/null && cli_cleanup_hook
	ip netns del "$C" 2>/dev/null
	ip netns del "$S" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

skip_all()
{
	ktap_plan $PLAN
	while [ "$KTAP_N" -lt $PLAN ]; do
		ktap_skip "$NAME" "$1"
	done
	exit 4
}

# cli_setup: skip everything unless the topology can be built
cli_setup()
{
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
}

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

# no_reset NAME BEFORE: one case, ok when no counter moved since BEFORE
# (the output of counters)
no_reset()
{
	local name=$1 rst

	# shellcheck disable=SC2086
	set -- $2 $(counters)
	if [ $# != 8 ]; then
		ktap_fail "$name" "cannot read counters: $*"
		return
	fi
	rst="S.OutRsts=$(($5 - $1)) C.OutRsts=$(($6 - $2)) C.EstabResets=$(($7 - $3)) C.aborts=$(($8 - $4))"
	case $rst in
	*=[1-9-]*) ktap_fail "$name" "$rst" ;;
	*) ktap_ok "$name" ;;
	esac
	ktap_diag "counters: $rst"
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

# frozen PORT: the server-side tuple with source port PORT is frozen in S
frozen()
{
	"$TCPKIT" -n "$S" -j conn frozen 2> /dev/null | grep -q "\"sport\":$1,"
}
