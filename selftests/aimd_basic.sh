#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# aimd registration and lifetime: listed after modprobe, default of a
# netns, per-socket TCP_CONGESTION (root and unprivileged), TCP_CC_INFO,
# running connections following global changes, rmmod refused while a
# socket or a netns default uses it and clean after, autoload by sysctl.
. ./ktap.sh


NS=aimd-basic-$$
P=/sys/module/tcpkit/parameters
SYSCTL=net.ipv4.tcp_congestion_control
ORIG=$(sysctl -n $SYSCTL)
HOLD=

cleanup()
{
	[ -n "$HOLD" ] && kill "$HOLD" 2>/dev/null
	exec 3>&- 2>/dev/null
	rm -f /tmp/aimd-basic.$$.*
	ip netns del $NS 2>/dev/null
	sysctl -qw $SYSCTL="$ORIG" 2>/dev/null
	[ -w $P/alpha ] && echo 1 > $P/alpha
}
trap cleanup EXIT

# wait_until SECONDS CMD...: poll CMD every 0.1 s.
wait_until()
{
	local n=$(($1 * 10))

	shift
	while [ $n -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

loaded() { grep -q '^tcpkit ' /proc/modules; }
unloaded() { ! loaded; }
try_rmmod() { rmmod tcpkit 2>/dev/null; }
listed() { grep -qw aimd /proc/sys/net/ipv4/tcp_available_congestion_control; }
# No socket of the init netns (orphans included) uses aimd any more.
no_aimd_socket() { ! ss -tai 2>/dev/null | grep -qw aimd; }

# sock_is EXPECTED ARGS...: run aimd_sock, compare its first line.
sock_is()
{
	local want=$1 got

	shift
	got=$("$@" | head -n1)
	[ "$got" = "$want" ] && return 0
	ktap_diag "expected '$want', got '$got'"
	return 1
}

ktap_plan 17

# Start from an unloaded module (another test may have left it loaded).
wait_until 5 try_rmmod || true
ktap_check "modprobe tcpkit" modprobe tcpkit
ktap_check "aimd in tcp_available_congestion_control" listed

ip netns add $NS
ip -n $NS link set lo up
ktap_check "netns default set to aimd" \
	ip netns exec $NS sysctl -qw $SYSCTL=aimd
ktap_check "new socket in that netns uses aimd" \
	sock_is cc=aimd ip netns exec $NS ./aimd_sock
ktap_check "init netns default unchanged" \
	sock_is "cc=$ORIG" ./aimd_sock

ktap_check "setsockopt(TCP_CONGESTION, aimd) as root" \
	sock_is cc=aimd ./aimd_sock -s aimd
ktap_check "setsockopt(TCP_CONGESTION, aimd) unprivileged" \
	sock_is cc=aimd ./aimd_sock -u 65534 -s aimd
# The control: a restricted algorithm stays refused to the same user.
if modprobe tcp_highspeed 2>/dev/null; then
	ktap_check "restricted highspeed refused unprivileged (control)" \
		sock_is error=EPERM ./aimd_sock -u 65534 -s highspeed
else
	ktap_skip "restricted highspeed refused unprivileged (control)" \
		"tcp_highspeed not available"
fi

ktap_check "TCP_CC_INFO reports the defaults" \
	sock_is "alpha=1000 beta=500 beta_ecn=0 loss_cuts=0 ecn_cuts=0 override=0" \
	sh -c './aimd_sock -s aimd -c -i | sed -n 2p'

# A running connection picks up a global change at once.
mkfifo /tmp/aimd-basic.$$.in
./aimd_sock -s aimd -c -i -w < /tmp/aimd-basic.$$.in \
	> /tmp/aimd-basic.$$.out 2>&1 &
HOLD=$!
exec 3> /tmp/aimd-basic.$$.in
wait_until 5 grep -q ready /tmp/aimd-basic.$$.out
echo 0.3 > $P/alpha
echo >&3
wait_until 5 grep -q 'alpha=300 ' /tmp/aimd-basic.$$.out
ktap_check "running connection follows a global change" \
	grep -q 'alpha=300 beta=500' /tmp/aimd-basic.$$.out
echo 1 > $P/alpha

# Module references: the socket above, and the netns default.
ktap_check "rmmod refused while a socket and a netns default use aimd" \
	sh -c '! rmmod tcpkit 2>/dev/null && grep -q "^tcpkit " /proc/modules'
exec 3>&-
wait "$HOLD"
HOLD=
wait_until 10 no_aimd_socket
ktap_check "rmmod refused while only a netns default uses aimd" \
	sh -c '! rmmod tcpkit 2>/dev/null && grep -q "^tcpkit " /proc/modules'
ip netns exec $NS sysctl -qw $SYSCTL=reno

# Holding a socket alone: an unconnected one, no netns default.
rm -f /tmp/aimd-basic.$$.in /tmp/aimd-basic.$$.out
mkfifo /tmp/aimd-basic.$$.in
./aimd_sock -s aimd -w < /tmp/aimd-basic.$$.in > /tmp/aimd-basic.$$.out &
HOLD=$!
exec 3> /tmp/aimd-basic.$$.in
wait_until 5 grep -q ready /tmp/aimd-basic.$$.out
ktap_check "rmmod refused while only a socket uses aimd" \
	sh -c '! rmmod tcpkit 2>/dev/null && grep -q "^tcpkit " /proc/modules'
exec 3>&-
wait "$HOLD"
HOLD=
ktap_check "rmmod succeeds once no socket or netns uses aimd" \
	wait_until 10 try_rmmod
ktap_check "aimd unlisted after rmmod" sh -c \
	'! grep -qw aimd /proc/sys/net/ipv4/tcp_available_congestion_control'

# request_module("tcp_aimd") from the sysctl, through MODULE_ALIAS.
ktap_check "sysctl $SYSCTL=aimd autoloads tcpkit" \
	sh -c "sysctl -qw $SYSCTL=aimd && grep -q '^tcpkit ' /proc/modules &&
	       [ \"\$(sysctl -n $SYSCTL)\" = aimd ]"
sysctl -qw $SYSCTL="$ORIG"
ip netns del $NS
ktap_check "rmmod after restoring the default and deleting the netns" \
	wait_until 10 try_rmmod
ktap_exit
