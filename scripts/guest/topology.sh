# SPDX-License-Identifier: GPL-2.0
# Sourced (dash) by migrate.sh: four hosts as network namespaces and
# a service address that can be routed to host A or host B.
#
#                                    +--------------------------+
#                                    | host A          (TOPO_A) |
#                          rA -------| a0 10.20.2.2/24          |
#                 10.20.2.1/24       | lo 10.20.9.1/32 service  |
#  +--------------+      +--------+  +--------------------------+
#  | peer         |      | router |
#  | p0 10.20.1.2 |------| r0     |  +--------------------------+
#  +--------------+      | .1.1   |  | host B          (TOPO_B) |
#     (TOPO_P)           +--------+  | b0 10.20.3.2/24          |
#                        (TOPO_R)  --| lo 10.20.9.1/32 (later)  |
#                          rB        +--------------------------+
#                 10.20.3.1/24
#
# The router sends the service address 10.20.9.1 to A or to B with a
# single /32 route (topo_route A|B). The service address sits on each
# host's loopback, so moving it needs no ARP or neighbour change; the
# peer only ever talks to the router.
#
# Every name is prefixed with a random tag so that runs do not collide;
# topo_down removes all four namespaces (and so every veth).

TOPO_SVC=10.20.9.1
TOPO_PEER_ADDR=10.20.1.2
TOPO_A_ADDR=10.20.2.2
TOPO_B_ADDR=10.20.3.2

topo_names()
{
	local tag

	tag=$(od -An -N3 -tu4 /dev/urandom | tr -d ' ')
	TOPO_P=mig-peer-$tag
	TOPO_R=mig-router-$tag
	TOPO_A=mig-a-$tag
	TOPO_B=mig-b-$tag
}

# topo_sysctl NETNS KEY VALUE (without busybox sysctl's quirks)
topo_sysctl()
{
	ip netns exec "$1" sh -c "echo $3 > /proc/sys/$(echo "$2" | tr . /)"
}

# topo_up: build the four hosts; status 0 on success
topo_up()
{
	local n

	topo_names
	for n in "$TOPO_P" "$TOPO_R" "$TOPO_A" "$TOPO_B"; do
		ip netns add "$n" || return 1
		ip -n "$n" link set lo up || return 1
	done
	ip link add p0 netns "$TOPO_P" type veth peer name r0 netns "$TOPO_R" &&
	ip link add a0 netns "$TOPO_A" type veth peer name rA netns "$TOPO_R" &&
	ip link add b0 netns "$TOPO_B" type veth peer name rB netns "$TOPO_R" &&
	ip -n "$TOPO_P" addr add $TOPO_PEER_ADDR/24 dev p0 &&
	ip -n "$TOPO_R" addr add 10.20.1.1/24 dev r0 &&
	ip -n "$TOPO_R" addr add 10.20.2.1/24 dev rA &&
	ip -n "$TOPO_R" addr add 10.20.3.1/24 dev rB &&
	ip -n "$TOPO_A" addr add $TOPO_A_ADDR/24 dev a0 &&
	ip -n "$TOPO_B" addr add $TOPO_B_ADDR/24 dev b0 &&
	ip -n "$TOPO_P" link set p0 up &&
	ip -n "$TOPO_R" link set r0 up &&
	ip -n "$TOPO_R" link set rA up &&
	ip -n "$TOPO_R" link set rB up &&
	ip -n "$TOPO_A" link set a0 up &&
	ip -n "$TOPO_B" link set b0 up &&
	ip -n "$TOPO_P" route add default via 10.20.1.1 &&
	ip -n "$TOPO_A" route add default via 10.20.2.1 &&
	ip -n "$TOPO_B" route add default via 10.20.3.1 || return 1
	# B answers the peer through the router while the route still points
	# at A (after the restore, before the switch): no reverse-path check.
	for n in all default r0 rA rB; do
		topo_sysctl "$TOPO_R" net.ipv4.conf.$n.rp_filter 0 || return 1
	done
	topo_sysctl "$TOPO_R" net.ipv4.ip_forward 1 &&
	ip -n "$TOPO_A" addr add $TOPO_SVC/32 dev lo &&
	ip -n "$TOPO_R" route add $TOPO_SVC/32 via $TOPO_A_ADDR
}

# topo_route A|B: route the service address to host A or B
topo_route()
{
	local via=$TOPO_A_ADDR

	[ "$1" = B ] && via=$TOPO_B_ADDR
	ip -n "$TOPO_R" route replace $TOPO_SVC/32 via $via
}

# topo_ns A|B|P|R: the namespace name of a host
topo_ns()
{
	case $1 in
	A) echo "$TOPO_A" ;;
	B) echo "$TOPO_B" ;;
	P) echo "$TOPO_P" ;;
	R) echo "$TOPO_R" ;;
	esac
}

topo_down()
{
	local n

	for n in "$TOPO_P" "$TOPO_R" "$TOPO_A" "$TOPO_B"; do
		[ -n "$n" ] && ip netns del "$n" 2> /dev/null
	done
	return 0
}
