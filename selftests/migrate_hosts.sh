#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Cross-host live migration: peer, router, host A and host B as network
# namespaces; the service address moves from A to B while the peer streams
# both ways; the connection is checkpointed with stop in A and restored in
# B. Cases: no reset and no FIN seen by the peer (tcpdump on its
# interface), both streams byte-exact with equal sums, the freeze listed
# and lifted, the blackout measured (printed as a diag line). The body is
# shared with the demo: /opt/tcpkit/guest/migrate.sh in the VM.
dir=$(cd "$(dirname "$0")" && pwd)
body=${MIGRATE_SH:-/opt/tcpkit/guest/migrate.sh}
[ -r "$body" ] || body=$dir/../scripts/guest/migrate.sh
if [ ! -r "$body" ]; then
	. "$dir/ktap.sh"
	ktap_plan 1
	ktap_skip migrate_hosts "no migrate.sh"
	exit 4
fi
SELFTESTS=$dir exec sh "$body" --ktap
