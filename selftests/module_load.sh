#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The module loads, registers what it provides, and unloads cleanly.
. ./ktap.sh

ktap_plan 5
modprobe -r tcpkit 2>/dev/null
ktap_check "modprobe tcpkit" modprobe tcpkit
ktap_check "listed in /proc/modules" grep -q '^tcpkit ' /proc/modules
ktap_check "aimd registered" \
	grep -qw aimd /proc/sys/net/ipv4/tcp_available_congestion_control
ktap_check "modprobe -r tcpkit" modprobe -r tcpkit
ktap_check "gone after unload" sh -c '! grep -q "^tcpkit " /proc/modules'
ktap_exit
