#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The code Documentation/netlink/specs/tcpkit.yaml defines, generated.
#
#   scripts/spec.sh           regenerate the files below (make spec)
#   scripts/spec.sh --check   one "ok"/"not ok" line per file: the committed
#                             copy equals a fresh generation
#
# uapi/linux/tcpkit.h and module/netlink-gen.[ch] come from ynl-gen-c of
# linux-source-6.12 (Debian's, unpacked by deps.sh), which also validates
# the spec against its genetlink-legacy schema; lib/names-gen.h comes from
# scripts/spec-names.py. The generator is pinned to that package so that
# a fresh clone generates byte for byte what was committed.
set -euo pipefail
TOPDIR=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$TOPDIR/scripts/lib.sh"

check=0
[ "${1:-}" = --check ] && check=1

ynl=$TCPKIT_CACHE/src-6.12/tools/net/ynl
schema=$TCPKIT_CACHE/src-6.12/Documentation/netlink/genetlink-legacy.yaml
if [ ! -f "$ynl/ynl-gen-c.py" ] || [ ! -f "$schema" ]; then
	echo "spec: no ynl-gen-c under $TCPKIT_CACHE/src-6.12: run scripts/deps.sh" >&2
	exit 2
fi

# ynl-gen-c finds the spec's schema beside the specs directory and names
# the spec by its path below a directory holding MAINTAINERS: give it that
# layout.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/Documentation/netlink/specs" "$work/out/uapi/linux" \
	"$work/out/module" "$work/out/lib"
touch "$work/MAINTAINERS"
cp "$schema" "$work/Documentation/netlink/"
spec=$work/Documentation/netlink/specs/tcpkit.yaml
cp "$TOPDIR/Documentation/netlink/specs/tcpkit.yaml" "$spec"

gen() {
	python3 "$ynl/ynl-gen-c.py" --spec "$spec" "$@"
}
gen --mode uapi --header -o "$work/out/uapi/linux/tcpkit.h"
gen --mode kernel --header -o "$work/out/module/netlink-gen.h"
gen --mode kernel --source -o "$work/out/module/netlink-gen.c"
python3 "$TOPDIR/scripts/spec-names.py" "$spec" "$work/out/lib/names-gen.h"

files="uapi/linux/tcpkit.h module/netlink-gen.h module/netlink-gen.c lib/names-gen.h"
if [ $check = 0 ]; then
	for f in $files; do
		cmp -s "$work/out/$f" "$TOPDIR/$f" && continue
		cp "$work/out/$f" "$TOPDIR/$f"
		echo "spec: wrote $f"
	done
	exit 0
fi

failed=0
for f in $files; do
	if diff -u "$TOPDIR/$f" "$work/out/$f" > "$work/diff"; then
		echo "ok - spec: $f is what the spec generates"
	else
		echo "not ok - spec: $f is what the spec generates"
		echo "# it differs from a fresh generation: edit the spec, run make spec"
		head -n 40 "$work/diff" | sed 's/^/# /'
		failed=1
	fi
done
exit $failed
