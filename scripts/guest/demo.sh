#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The demo, inside the VM: select aimd and move a live TCP connection from
# host A to host B (network namespaces) while its peer streams both ways;
# see migrate.sh for the topology, the order of the steps and the checks.
# Exits non-zero if any check fails.
echo "== tcpkit demo on Linux $(uname -r): cross-host live migration"
modprobe tcpkit || exit 1
sysctl -w net.ipv4.tcp_congestion_control=aimd > /dev/null || exit 1
echo "aimd selected: net.ipv4.tcp_congestion_control = $(cat /proc/sys/net/ipv4/tcp_congestion_control)"
sh "$(dirname "$0")/migrate.sh"
