#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The demo, inside the VM: load tcpkit and show what it registered.
set -e
echo "== tcpkit demo on Linux $(uname -r)"
modprobe tcpkit
echo "module:      $(grep '^tcpkit ' /proc/modules | cut -d' ' -f1-3)"
echo "congestion:  $(cat /proc/sys/net/ipv4/tcp_available_congestion_control)"
if [ -d /sys/module/tcpkit/parameters ]; then
	for p in /sys/module/tcpkit/parameters/*; do
		echo "parameter:   $(basename "$p") = $(cat "$p")"
	done
fi
if [ -x /usr/bin/tcpkit ]; then
	tcpkit aimd show || true
fi
modprobe -r tcpkit
echo "== unloaded cleanly"
