#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kernel.sh release SERIES   print the newest Debian release of SERIES
# kernel.sh kdir SERIES      print its headers directory (installed by deps.sh)
# kernel.sh fetch SERIES     download and unpack its image and modules into
#                            the cache (never into the host's /boot); print
#                            the directory
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

mkdir -p "$TCPKIT_CACHE"
case ${1:-} in
release) release "$2" ;;
kdir) echo "/usr/src/linux-headers-$(release "$2")" ;;
fetch) fetch "$2" ;;
*) echo "usage: $0 {release|kdir|fetch} SERIES" >&2; exit 1 ;;
esac
