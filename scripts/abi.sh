#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# abi.sh check   (make check) compare libtcpkit.so.1's ABI with the
#                reference abi/libtcpkit.abi using abidiff: a function or
#                variable removed or changed (also through a type it uses)
#                fails; one added passes with a note. Also checks that
#                the shared library, the static archive and the header
#                have exactly the symbol map's functions. KTAP-style
#                result lines.
# abi.sh dump    (make abi-dump) write the reference from the current
#                build, once a change is meant (a new symbol in a new
#                version node, or a new SONAME)
set -uo pipefail
. "$(dirname "$0")/lib.sh"

lib=$TOPDIR/lib
so=$lib/libtcpkit.so.1.0.0
ref=$TOPDIR/abi/libtcpkit.abi
# Only the types of the public header are recorded; the paths of the build
# machine stay out of the file. The handle and the image are opaque to
# callers: abi/libtcpkit.suppr keeps changes inside them out of the check.
ABIDW_OPTS="--headers-dir $lib --drop-private-types --no-corpus-path --no-comp-dir-path --no-show-locs"

result()
{
	if [ "$1" = 0 ]; then echo "ok - $2"; else echo "not ok - $2"; fi
}

if ! make -s -C "$lib" > /dev/null; then
	echo "not ok - abi: libtcpkit builds"
	exit 1
fi
case ${1:-} in
dump)
	mkdir -p "$(dirname "$ref")"
	# shellcheck disable=SC2086
	abidw $ABIDW_OPTS --out-file "$ref" "$so" || die "abidw failed"
	echo "wrote $ref"
	;;
check)
	tmp=$(mktemp)
	trap 'rm -f "$tmp"' EXIT
	abidiff --no-show-locs --suppressions "$TOPDIR/abi/libtcpkit.suppr" \
		"$ref" "$so" > "$tmp" 2>&1
	rc=$?
	sed 's/^/# /' "$tmp"
	# abidiff's status is a bit mask: 1 error, 2 usage, 4 change, 8
	# incompatible change; but a type changed under a function (a field
	# moved) is only "change". So: an error fails, and so does any
	# function or variable removed or changed; added ones pass.
	bad=$(( rc & 11 ))
	awk '/changes summary:/ { if ($4 + 0 || $6 + 0) exit 1 }' "$tmp" || bad=1
	[ $bad = 0 ] && [ $((rc & 4)) != 0 ] &&
		echo "# symbols added: 'make abi-dump' records them"
	result $bad "abi: libtcpkit.so.1 compatible with abi/libtcpkit.abi (abidiff)"

	sed -n 's/^[[:space:]]*\(tcpkit_[a-z0-9_]*\);$/\1/p' "$lib/libtcpkit.map" |
		sort > "$tmp"
	nm -g --defined-only "$lib/libtcpkit.a" | awk 'NF == 3 { print $3 }' | sort |
		diff - "$tmp" | sed 's/^/# /'
	result "${PIPESTATUS[2]}" "abi: libtcpkit.a's global symbols are the map's"
	nm -D --defined-only "$so" | awk '$2 == "T" { print $3 }' | sed 's/@.*//' |
		sort | diff - "$tmp" | sed 's/^/# /'
	result "${PIPESTATUS[4]}" "abi: libtcpkit.so.1's functions are the map's"
	# A function declared but left out of the map would not be exported.
	grep -oE '\btcpkit_[a-z0-9_]+\(' "$lib/libtcpkit.h" | tr -d '(' | sort -u |
		diff - "$tmp" | sed 's/^/# /'
	result "${PIPESTATUS[4]}" "abi: libtcpkit.h's functions are the map's"
	;;
*)
	echo "usage: $0 {check|dump}" >&2
	exit 1
	;;
esac
