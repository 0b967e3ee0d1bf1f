#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh SERIES OUT
#
# Build the test VM's initramfs for the newest Debian kernel of SERIES:
# busybox, kmod, iproute2, iperf3, tcpdump, the kernel modules the tests
# need (with their dependencies), tcpkit.ko from build/SERIES, the CLI and
# the built selftests, and scripts/vm-init as /init.
#
# TCPKIT_VM_MODULE, TCPKIT_VM_CLI and TCPKIT_VM_SELFTESTS replace the
# tree's module, CLI and selftests directory (make check's packaged run:
# the DKMS-built module, /usr/bin/tcpkit, tests linked with the packaged
# library).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

series=$1
out=$2
rel=$("$TOPDIR/scripts/kernel.sh" release "$series")
kdir=$("$TOPDIR/scripts/kernel.sh" fetch "$series")
build=$TOPDIR/build/$series
root=$(dirname "$out")/root
module=${TCPKIT_VM_MODULE:-$build/tcpkit.ko}
cli=${TCPKIT_VM_CLI:-$TOPDIR/cli/tcpkit}
selftests=${TCPKIT_VM_SELFTESTS:-$TOPDIR/build/selftests}

# Kernel modules the selftests and benchmarks load, beyond tcpkit itself.
WANTED_MODULES="veth dummy ifb sch_netem sch_tbf sch_htb sch_fq sch_ingress
	cls_u32 cls_matchall act_mirred act_gact tcp_highspeed tcp_scalable tcp_dctcp
	tcp_bbr tcp_vegas nf_conntrack inet_diag tcp_diag"
# Modules of optional features, as MODULE:CONFIG_SYMBOL: shipped whenever
# the kernel's config has the symbol (a test that needs one skips, naming
# the symbol, where it does not).
OPTIONAL_MODULES="nfnetlink_hook:CONFIG_NETFILTER_NETLINK_HOOK"

BINARIES="kmod ip tc ss nstat iperf3 tcpdump ethtool"

[ -f "$module" ] || die "$module missing: run 'make KVER=$series'"

rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib64,proc,sys,dev,tmp,run,root,etc,opt/tcpkit}
mkdir -p "$root/var"
ln -s ../run "$root/var/run"

# copy_libs FILE: the shared libraries FILE loads, at their host paths.
copy_libs()
{
	local lib

	for lib in $(ldd "$1" | grep -o '/[^ ]*'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

# copy_with_libs FILE [DEST]: FILE at DEST in the guest (default: the same
# path), and its libraries.
copy_with_libs()
{
	local to=${2:-$1}

	mkdir -p "$root$(dirname "$to")"
	cp -L "$1" "$root$to"
	copy_libs "$1"
}

# /bin/sh is dash: busybox-static's ash runs its own applets ahead of
# PATH, so `ip` in a script would be busybox's, not iproute2's. Busybox
# gives every other command the guest has no binary for.
dash=$(command -v dash) || die "dash not found"
copy_with_libs "$dash"
[ "$dash" = /bin/dash ] || ln -s "$dash" "$root/bin/dash"
ln -s dash "$root/bin/sh"
cp /bin/busybox "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done

for b in $BINARIES; do
	p=$(PATH=/usr/sbin:/usr/bin:/sbin:/bin command -v "$b") ||
		die "$b not found: run 'make deps'"
	copy_with_libs "$p"
done
for tool in modprobe insmod rmmod lsmod depmod modinfo; do
	rm -f "$root/bin/$tool" "$root/sbin/$tool"
	ln -s /usr/bin/kmod "$root/sbin/$tool"
done

# Userspace of this tree: CLI, library, selftests.
if [ -x "$cli" ]; then
	copy_with_libs "$cli" /usr/bin/tcpkit
fi
cp -a "$selftests" "$root/opt/tcpkit/selftests"
cp -a "$TOPDIR/scripts/guest" "$root/opt/tcpkit/guest"
[ -d "$TOPDIR/build/bench" ] && cp -a "$TOPDIR/build/bench" "$root/opt/tcpkit/bench"
for t in "$root"/opt/tcpkit/selftests/*; do
	[ -f "$t" ] && [ -x "$t" ] && file -b "$t" | grep -q ELF &&
		copy_libs "$t"
	true
done

# Kernel modules: the wanted ones and everything they depend on.
src=$kdir/lib/modules/$rel
dst=$root/lib/modules/$rel
mkdir -p "$dst/extra"
cp "$src"/modules.builtin* "$src"/modules.order "$dst/" 2>/dev/null || true
declare -A path_of seen builtin
while read -r p; do
	n=$(basename "$p"); n=${n%%.ko*}
	path_of[${n//-/_}]=$p
done < <(cd "$src" && find kernel -name '*.ko*')
while read -r p; do
	n=$(basename "$p"); n=${n%%.ko*}
	builtin[${n//-/_}]=1
done < <(cat "$src/modules.builtin" 2>/dev/null)

add_module()
{
	local n=${1//-/_} p d

	[ -n "${seen[$n]:-}" ] && return
	seen[$n]=1
	p=${path_of[$n]:-}
	if [ -z "$p" ]; then
		# A test that needs it would skip: refuse to build without it.
		[ -n "${builtin[$n]:-}" ] ||
			die "kernel module $n is neither built into $rel nor shipped with it"
		return 0
	fi
	mkdir -p "$dst/$(dirname "$p")"
	cp "$src/$p" "$dst/$p"
	for d in $(modinfo -F depends "$src/$p" | tr ',' ' '); do
		add_module "$d"
	done
}
for m in $WANTED_MODULES; do
	add_module "$m"
done
config=$kdir/boot/config-$rel
[ -f "$config" ] || die "$config missing"
for m in $OPTIONAL_MODULES; do
	if grep -Eq "^${m#*:}=[ym]" "$config"; then
		add_module "${m%%:*}"
	fi
done
# DKMS keeps the kernel's module compression (6.12: tcpkit.ko.xz).
cp "$module" "$dst/extra/$(basename "$module")"
for d in $(modinfo -F depends "$module" | tr ',' ' '); do
	add_module "$d"
done
depmod -b "$root" "$rel"

cp "$TOPDIR/scripts/vm-init" "$root/init"
chmod 755 "$root/init"
echo "root:x:0:0:root:/root:/bin/sh" > "$root/etc/passwd"
echo "root:x:0:" > "$root/etc/group"
echo "nobody:x:65534:65534:nobody:/:/bin/false" >> "$root/etc/passwd"
echo "nogroup:x:65534:" >> "$root/etc/group"
echo "tcp 6 TCP" > "$root/etc/protocols"

(cd "$root" && find . | cpio -o -H newc --quiet) > "$out"
