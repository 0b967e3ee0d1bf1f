#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kernel.sh release SERIES   print the newest Debian release of SERIES
# kernel.sh kdir SERIES      print its headers directory (installed by deps.sh)
# kernel.sh fetch SERIES     download and unpack its image and modules into
#                            the cache (never into the host's /boot); print
#                            the directory
# kernel.sh cmdline SERIES   print the kernel command line the series needs
#                            beyond the console (the debug kernel's checks)
#
# Series built from source (series_source in lib.sh: 7, 7-debug, or a pinned 7.N)
# go through kernel-build.sh: fetch builds once and caches, kdir is the
# cached build tree (so it builds too when needed).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

release()
{
	local meta rel

	meta=$(series_meta "$1")
	# The metapackage depends on exactly one versioned image package.
	rel=$(apt-cache depends "linux-image-$meta" 2>/dev/null |
	      sed -n 's/^ *Depends: linux-image-\([0-9].*\)$/\1/p' | head -n1)
	[ -n "$rel" ] || die "cannot resolve linux-image-$meta: run 'make deps'"
	case $rel in
	"$1".*|"$1"-*) ;;
	*) die "linux-image-$meta points at $rel, not a $1 kernel" ;;
	esac
	echo "$rel"
}

fetch()
{
	local rel dir deb tmp

	rel=$(release "$1")
	dir=$TCPKIT_CACHE/kernels/$rel
	if [ ! -f "$dir/.done" ]; then
		tmp=$(mktemp -d "$TCPKIT_CACHE/fetch.XXXXXX")
		(cd "$tmp" && apt-get download -q "linux-image-$rel" >&2) ||
			die "apt-get download linux-image-$rel failed"
		deb=$(ls "$tmp"/*.deb)
		rm -rf "$dir"
		mkdir -p "$dir"
		dpkg-deb -x "$deb" "$dir"
		rm -rf "$tmp"
		touch "$dir/.done"
	fi
	echo "$dir"
}

# The debug kernel turns every WARN into a crash the log scan sees.
cmdline()
{
	case $(series_source "$1" || true) in
	*" debug") echo "panic_on_warn=1" ;;
	*) echo "" ;;
	esac
}

mkdir -p "$TCPKIT_CACHE"
build=$TOPDIR/scripts/kernel-build.sh
case ${1:-} in
release|kdir|fetch|cmdline) [ -n "${2:-}" ] || die "kernel.sh $1: SERIES missing" ;;
esac
if src=$(series_source "${2:-}"); then
	read -r src variant <<< "$src"
	case $1 in
	release) "$build" release "$src" "$variant" ;;
	kdir) echo "$("$build" build "$src" "$variant")/build" ;;
	fetch) "$build" build "$src" "$variant" ;;
	cmdline) cmdline "$2" ;;
	*) echo "usage: $0 {release|kdir|fetch|cmdline} SERIES" >&2; exit 1 ;;
	esac
	exit
fi
case ${1:-} in
release) release "$2" ;;
kdir) echo "/usr/src/linux-headers-$(release "$2")" ;;
fetch) fetch "$2" ;;
cmdline) series_meta "$2" > /dev/null; cmdline "$2" ;;
*) echo "usage: $0 {release|kdir|fetch|cmdline} SERIES" >&2; exit 1 ;;
esac
