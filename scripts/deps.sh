#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install every Debian package tcpkit needs to build, test and benchmark,
# with the newest 6.1 and 6.12 headers of bookworm's suites. Idempotent:
# does nothing when everything is present and apt's lists are fresh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PACKAGES="gcc make libc6-dev pkg-config libmnl-dev file cpio kmod
	qemu-system-x86 busybox-static iproute2 iperf3 tcpdump ethtool
	sparse linux-source-6.12 python3 python3-yaml python3-jsonschema
	gnuplot-nox xz-utils bc flex bison libelf-dev
	dpkg-dev debhelper dh-dkms dkms lintian abigail-tools bash-completion"
for s in $SUPPORTED_SERIES; do
	series_source "$s" > /dev/null ||
		PACKAGES="$PACKAGES linux-headers-$(series_meta "$s")"
done

[ "$(id -u)" = 0 ] || die "deps.sh must run as root (it calls apt-get)"
export DEBIAN_FRONTEND=noninteractive

missing()
{
	local p

	for p in $PACKAGES; do
		dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || echo "$p"
	done
}

# Lists older than a day may miss a newer kernel of a series.
lists_stale()
{
	[ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_InRelease' -mmin -1440 2>/dev/null)" ]
}

need=$(missing)
if [ -n "$need" ] || lists_stale; then
	echo "deps: apt-get update" >&2
	apt-get update -q >&2
fi
# Installing the metapackages again moves them to the newest release.
need=$(missing)
stale=
for s in $SUPPORTED_SERIES; do
	series_source "$s" > /dev/null && continue
	[ -d "$("$TOPDIR/scripts/kernel.sh" kdir "$s")" ] ||
		stale="$stale linux-headers-$(series_meta "$s")"
done
if [ -n "$need$stale" ]; then
	echo "deps: installing" $need $stale >&2
	apt-get install -y -q --no-install-recommends $need $stale >&2
fi

# checkpatch, kselftest_harness.h and the YNL client come from the source
# package; unpack just those, keyed by the package version.
ver=$(dpkg-query -W -f '${Version}' linux-source-6.12)
src=$TCPKIT_CACHE/src-6.12
if [ "$(cat "$src/.version" 2>/dev/null)" != "$ver" ]; then
	rm -rf "$src"
	mkdir -p "$src"
	tar -xJf /usr/src/linux-source-6.12.tar.xz -C "$src" \
		--strip-components=1 --wildcards \
		'linux-source-6.12/scripts/checkpatch.pl' \
		'linux-source-6.12/scripts/spelling.txt' \
		'linux-source-6.12/scripts/const_structs.checkpatch' \
		'linux-source-6.12/tools/testing/selftests/kselftest*.h' \
		'linux-source-6.12/tools/net/ynl/*' \
		'linux-source-6.12/Documentation/netlink/*'
	echo "$ver" > "$src/.version"
fi
# Series built from source (flex, bison and libelf-dev above are for
# them) are built on first use by kernel.sh, so that a failed build fails
# that series only.
for s in $SUPPORTED_SERIES; do
	series_source "$s" > /dev/null && continue
	"$TOPDIR/scripts/kernel.sh" fetch "$s" >/dev/null
done
