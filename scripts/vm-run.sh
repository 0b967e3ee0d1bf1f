#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm-run.sh --kver SERIES [--timeout SEC] [--no-build] [--append ARGS]
#           [--shell | -- CMD [ARGS...]]
#
# Boot the newest Debian kernel of SERIES in QEMU with this tree's module,
# CLI and selftests (see mkinitramfs.sh), run CMD with sh in
# /opt/tcpkit/selftests, and exit with its status. The serial log is kept in
# build/SERIES/vm.log (or TCPKIT_VM_LOG), the kernel log as the guest wrote
# it, live, beside it in kmsg.log (or TCPKIT_VM_LOG's name with .kmsg
# before .log): that one survives a guest that hangs. Exit status 124
# means the wall-clock limit hit, 125 that the guest died without
# reporting a status. The guest has 2 vCPUs, or TCPKIT_VM_SMP.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

series= timeout=600 build=1 shell=0 append=
while [ $# -gt 0 ]; do
	case $1 in
	--kver) series=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--no-build) build=0; shift ;;
	--append) append=$2; shift 2 ;;
	--shell) shell=1; shift ;;
	--) shift; break ;;
	*) die "vm-run.sh: unknown argument '$1'" ;;
	esac
done
[ -n "$series" ] || die "vm-run.sh: --kver SERIES is required"
# What the series' kernel needs on its command line (the debug kernel:
# panic_on_warn=1).
append="$("$TOPDIR/scripts/kernel.sh" cmdline "$series") $append"
[ $shell = 1 ] || [ $# -gt 0 ] || die "vm-run.sh: nothing to run (-- CMD or --shell)"

out=$TOPDIR/build/$series
mkdir -p "$out"
# Several runs may share a tree: serialise building, keep each run's files
# apart.
if [ $build = 1 ]; then
	flock "$TOPDIR/build/.lock" make -s -C "$TOPDIR" KVER="$series" vm-prereqs >&2
fi
kdir=$("$TOPDIR/scripts/kernel.sh" fetch "$series")
rel=$("$TOPDIR/scripts/kernel.sh" release "$series")
run=$(mktemp -d "$out/run.XXXXXX")
trap 'rm -rf "$run"' EXIT
flock "$TOPDIR/build/.lock" "$TOPDIR/scripts/mkinitramfs.sh" "$series" "$run/initramfs.cpio"

# The command goes into a second, tiny cpio appended to the first.
extra=$run/extra
mkdir "$extra"
if [ $shell = 1 ]; then
	touch "$extra/shell"
else
	printf '%q ' "$@" > "$extra/cmd"
	echo >> "$extra/cmd"
fi
(cd "$extra" && find . ! -name . | cpio -o -H newc --quiet) > "$run/cmd.cpio"
cat "$run/initramfs.cpio" "$run/cmd.cpio" > "$run/initrd"

accel=$("$TOPDIR/scripts/accel.sh")
log=${TCPKIT_VM_LOG:-$run/vm.log}
kmsg=${log%.log}.kmsg.log
qemu=(qemu-system-x86_64 $accel -smp "${TCPKIT_VM_SMP:-2}" -m 2048 -nodefaults -no-reboot
      -display none -serial stdio -serial "file:$kmsg" -monitor none
      -kernel "$kdir/boot/vmlinuz-$rel" -initrd "$run/initrd"
      -append "console=ttyS0 panic=-1 loglevel=4 net.ifnames=0 $append")

if [ $shell = 1 ]; then
	"${qemu[@]}"
	exit 0
fi

set +e
timeout -k 5 "$timeout" "${qemu[@]}" < /dev/null 2>&1 | tr -d '\r' | tee "$log"
qrc=${PIPESTATUS[0]}
set -e
if [ -z "${TCPKIT_VM_LOG:-}" ]; then
	cp "$log" "$out/vm.log"
	cp "$kmsg" "$out/kmsg.log"
fi
if [ "$qrc" = 124 ]; then
	echo "tcpkit: VM ($rel) hit the ${timeout}s wall-clock limit" >&2
	exit 124
fi
rc=$(sed -n 's/^TCPKIT_EXIT=\([0-9]*\)$/\1/p' "$log" | tail -n1)
if [ -z "$rc" ]; then
	echo "tcpkit: VM ($rel) died without reporting a status, see $log" >&2
	exit 125
fi
exit "$rc"
