#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the QEMU acceleration options to use. TCG unless a probe boot under
# KVM has proved KVM works on this machine (KVM guests hang on some hosts).
# TCPKIT_ACCEL=tcg|kvm forces a choice. The probe result is cached.
# TCPKIT_ACCEL=icount is TCG with the guest's clocks driven by the count of
# instructions executed, one nanosecond each (the TSC runs at 1 GHz): a
# time measured in the guest is then a count of instructions, whatever the
# host's load (bench/cc/percall.sh --clock icount).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# One host thread runs every vCPU. With a thread per vCPU (QEMU 7.2's
# default), a vCPU can still run code that another vCPU has patched and
# synchronised: the guest kernel then dies with "Oops: int3" at a static
# branch that text_poke_bp() had already restored (seen on 6.12, in
# __ip_local_out right after do_sync_core, when the netfilter hooks'
# static keys flipped). Real CPUs guarantee this cannot happen; the
# single thread makes TCG keep that guarantee.
TCG="-accel tcg,thread=single -cpu max"
KVM="-accel kvm -cpu max"

case ${TCPKIT_ACCEL:-probe} in
tcg) echo "$TCG"; exit 0 ;;
kvm) echo "$KVM"; exit 0 ;;
icount) echo "$TCG -icount shift=0,sleep=on"; exit 0 ;;
esac

stamp=$TCPKIT_CACHE/kvm-probe.$(uname -r)
if [ ! -f "$stamp" ]; then
	result=tcg
	if [ -w /dev/kvm ]; then
		kdir=$("$TOPDIR/scripts/kernel.sh" fetch 6.1)
		rel=$("$TOPDIR/scripts/kernel.sh" release 6.1)
		if timeout -k 2 20 qemu-system-x86_64 $KVM -m 512 -nodefaults \
			-no-reboot -display none -serial stdio -monitor none \
			-kernel "$kdir/boot/vmlinuz-$rel" \
			-append "console=ttyS0 panic=-1" </dev/null 2>&1 |
			grep -q "Kernel panic"; then
			# Reaching the "no root" panic proves the guest runs.
			result=kvm
		fi
	fi
	echo $result > "$stamp"
fi
if [ "$(cat "$stamp")" = kvm ]; then echo "$KVM"; else echo "$TCG"; fi
