#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# pkg-check.sh install SERIES   build the .debs (make deb), install them on
#                               the host, have DKMS build the module for every
#                               supported kernel, build the selftests against
#                               libtcpkit-dev, and write build/pkg/vm.env: the
#                               TCPKIT_VM_* variables (mkinitramfs.sh) that
#                               make SERIES's VM run use all of it
# pkg-check.sh remove           purge the packages and check that nothing of
#                               them is left
#
# Part of `make check`: one KTAP-style line per step ("ok - ..." or
# "not ok - ..."), comments after "# ". Needs root; check.sh holds
# $PKG_LOCK from install to remove, since the host is shared.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

PACKAGES="tcpkit-dkms libtcpkit1 libtcpkit-dev tcpkit"
state=$TOPDIR/build/pkg
apt_get() { apt-get -o DPkg::Lock::Timeout=600 -y -q "$@"; }
export DEBIAN_FRONTEND=noninteractive

result()
{
	if [ "$1" = 0 ]; then echo "ok - $2"; else echo "not ok - $2"; fi
}

installed()
{
	dpkg-query -W -f '${Package} ${Status}\n' $PACKAGES 2>/dev/null |
		awk '$NF == "installed" || $NF == "unpacked" || $NF == "half-configured" { print $1 }'
}

# Files and symlinks the packages hold, from the .deb files (their
# directories are checked by leftovers(): most are shared, like /usr/bin).
owned()
{
	local d

	for d in "$state"/debs/*.deb; do
		dpkg-deb -c "$d" | awk '$1 !~ /^d/ { print $6 }' | sed 's|^\./|/|'
	done | sort -u
}

leftovers()
{
	local p

	owned | while read -r p; do
		[ -e "$p" ] || [ -L "$p" ] && echo "$p"
	done
	ls -d /usr/src/tcpkit-* /usr/include/tcpkit /var/lib/dkms/tcpkit 2>/dev/null
	for p in $PACKAGES; do
		ls -d "/usr/share/doc/$p" 2>/dev/null
	done
	find /lib/modules -name 'tcpkit.ko*' 2>/dev/null
	true
}

# The module DKMS built for kernel $1: installed under /lib/modules, or
# only built (a kernel without a /lib/modules tree on this host).
dkms_module()
{
	ls /lib/modules/"$1"/updates/dkms/tcpkit.ko* 2>/dev/null ||
		ls /var/lib/dkms/tcpkit/"$ver"/"$1"/*/module/tcpkit.ko* 2>/dev/null
}

# vermagic starts with the release the module was built for.
check_vermagic()
{
	local ko

	ko=$(dkms_module "$1" | head -n1)
	[ -n "$ko" ] && modinfo -F vermagic "$ko" | grep -q "^$1 " && echo "# $1: $ko"
}

# depmod, run by DKMS for a kernel with headers but no modules (6.1 here),
# leaves its empty index files behind once the module is gone: they are
# depmod's, not the packages', and go.
drop_depmod_indexes()
{
	local d

	for d in /lib/modules/*/; do
		[ -e "$d/kernel" ] || [ -e "$d/updates" ] || [ -e "$d/extra" ] ||
			rm -f "$d"/modules.*
	done
}

do_install()
{
	local vm_series=$1 s rel kdir debs rc mod so

	if [ -n "$(installed)" ]; then
		echo "# a previous run left $(installed | tr '\n' ' '); purging"
		# shellcheck disable=SC2046
		apt_get purge $(installed) > "$state.purge.log" 2>&1
		drop_depmod_indexes
	fi
	rm -rf "$state"
	mkdir -p "$state/debs"

	"$TOPDIR/scripts/deb.sh" > "$state/deb.log" 2>&1
	rc=$?
	grep -E '^[EWIPX]: ' "$state/deb.log" | sed 's/^/# /'
	result $rc "deb: make deb builds the four packages, lintian clean"
	[ $rc = 0 ] || { sed 's/^/# /' "$state/deb.log" | tail -n 20; return 1; }
	cp "$TOPDIR"/build/deb/tcpkit-dkms_*.deb "$TOPDIR"/build/deb/libtcpkit1_*.deb \
		"$TOPDIR"/build/deb/libtcpkit-dev_*.deb "$TOPDIR"/build/deb/tcpkit_*.deb \
		"$state/debs/"
	ver=$(dpkg-deb -f "$state"/debs/tcpkit-dkms_*.deb Version)

	# Nothing of ours may be there before (a `make install` would be).
	leftovers > "$state/before"
	sed 's/^/# already on the host: /' "$state/before"
	result "$([ -s "$state/before" ] && echo 1 || echo 0)" "deb: host holds no tcpkit files before install"
	[ -s "$state/before" ] && return 1
	find /lib/modules | sort > "$state/modules.before"

	debs=("$state"/debs/*.deb)
	apt_get install --no-install-recommends "${debs[@]}" > "$state/install.log" 2>&1
	rc=$?
	[ $rc = 0 ] || sed 's/^/# /' "$state/install.log" | tail -n 20
	result $rc "deb: apt install ./tcpkit-dkms_*.deb ./libtcpkit1_*.deb ./libtcpkit-dev_*.deb ./tcpkit_*.deb"
	[ $rc = 0 ] || return 1

	# The postinst builds and installs for the kernels with headers
	# (6.1, 6.12); kernels built here have no /lib/modules tree on the
	# host: DKMS builds against the cached tree (--kernelsourcedir).
	for s in $SUPPORTED_SERIES; do
		case $s in *-debug) continue ;; esac
		rel=$("$TOPDIR/scripts/kernel.sh" release "$s")
		if series_source "$s" > /dev/null; then
			kdir=$("$TOPDIR/scripts/kernel.sh" kdir "$s")
			dkms build -m tcpkit -v "$ver" -k "$rel" --kernelsourcedir "$kdir" \
				> "$state/dkms-$s.log" 2>&1
			rc=$?
			what="dkms: $rel module built with --kernelsourcedir $kdir"
		else
			# The postinst builds for every kernel under
			# /lib/modules when the running one is not among
			# them (as here), else for the running and the newest.
			if ! dkms status -m tcpkit -v "$ver" -k "$rel"  2>/dev/null | grep -q ': installed$'; then
				echo "# the postinst did not build for $rel: dkms install"
				dkms install -m tcpkit -v "$ver" -k "$rel" > "$state/dkms-$s.log" 2>&1
			fi
			dkms status -m tcpkit -v "$ver" -k "$rel"  2>/dev/null | grep -q ': installed$'
			rc=$?
			what="dkms: $rel module built and installed"
		fi
		[ $rc = 0 ] && check_vermagic "$rel"
		rc=$?
		[ $rc = 0 ] || sed 's/^/# /' "$state/dkms-$s.log" 2>/dev/null | tail -n 20
		result $rc "$what"
	done
	dkms status -m tcpkit  2>/dev/null | sed 's/^/# /'

	# The VM run: the module DKMS installed, the packaged CLI, and the
	# selftests linked with the packaged shared library.
	rel=$("$TOPDIR/scripts/kernel.sh" release "$vm_series")
	mod=$(dkms_module "$rel" | head -n1)
	make -s -C "$TOPDIR/selftests" OUTPUT="$state/selftests" \
		KSFT_DIR="$TCPKIT_CACHE/src-6.12/tools/testing/selftests" \
		TCPKIT_CFLAGS="$(pkg-config --cflags libtcpkit)" \
		TCPKIT_LIBS="$(pkg-config --libs libtcpkit)" TCPKIT_DEPS= \
		> "$state/selftests.log" 2>&1 &&
		so=$(ldd "$state/selftests/lib_api" | awk '$1 == "libtcpkit.so.1" { print $3 }') &&
		dpkg -S "$(readlink -f "$so")" | grep -q '^libtcpkit1:'
	rc=$?
	[ $rc = 0 ] || sed 's/^/# /' "$state/selftests.log" | tail -n 20
	result $rc "deb: selftests build with libtcpkit-dev (pkg-config libtcpkit) and link libtcpkit.so.1"
	[ $rc = 0 ] && [ -n "$mod" ] || return 1
	{
		echo "TCPKIT_VM_MODULE=$mod"
		echo "TCPKIT_VM_CLI=/usr/bin/tcpkit"
		echo "TCPKIT_VM_SELFTESTS=$state/selftests"
	} > "$state/vm.env"
}

do_remove()
{
	local rc

	# Only what is installed: apt knows the local .debs by no other name.
	# shellcheck disable=SC2046
	[ -z "$(installed)" ] || apt_get purge $(installed) > "$state/purge.log" 2>&1
	rc=$?
	[ $rc = 0 ] || sed 's/^/# /' "$state/purge.log" | tail -n 20
	result $rc "deb: apt purge of the four packages"

	[ -z "$(installed)" ] && ! dkms status -m tcpkit  2>/dev/null | grep -q .
	result $? "deb: purged: no package installed, dkms status empty"

	leftovers > "$state/after"
	sed 's/^/# left: /' "$state/after"
	result "$([ -s "$state/after" ] && echo 1 || echo 0)" \
		"deb: purged: no file of the packages left under /usr, no tcpkit.ko under /lib/modules"

	# Anything else new under /lib/modules fails.
	drop_depmod_indexes
	[ -f "$state/modules.before" ] || return 0
	find /lib/modules | sort | comm -13 "$state/modules.before" - > "$state/modules.new"
	sed 's/^/# new under \/lib\/modules: /' "$state/modules.new"
	result "$([ -s "$state/modules.new" ] && echo 1 || echo 0)" \
		"deb: purged: /lib/modules holds the same files as before the install"
}

[ "$(id -u)" = 0 ] || die "pkg-check.sh must run as root (it installs packages)"
case ${1:-} in
install) [ -n "${2:-}" ] || die "pkg-check.sh install SERIES"; do_install "$2" ;;
remove) do_remove ;;
*) echo "usage: $0 {install SERIES|remove}" >&2; exit 1 ;;
esac
