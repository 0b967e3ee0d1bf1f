#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Static checks, one KTAP-style result line each: a W=1 build with sparse
# (C=2) per supported kernel must print no warning, and checkpatch --strict
# must be clean on the module and the uapi header, the YNL spec must
# agree with the uapi header, and tcpkit(8) with the CLI's usage. Exit 1
# on any failure.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

checkpatch=$TCPKIT_CACHE/src-6.12/scripts/checkpatch.pl
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

result()
{
	if [ "$1" = 0 ]; then
		echo "ok - $2"
	else
		echo "not ok - $2"
		failed=1
	fi
}

for s in $SUPPORTED_SERIES; do
	# The debug kernel has the same headers as its plain series.
	case $s in *-debug) continue ;; esac
	kdir=$("$TOPDIR/scripts/kernel.sh" kdir "$s")
	rm -rf "$tmp/src"
	mkdir -p "$tmp/src"
	cp -r "$TOPDIR/Kbuild" "$TOPDIR/module" "$TOPDIR/uapi" "$tmp/src/"
	make -s -C "$kdir" M="$tmp/src" W=1 C=2 modules > "$tmp/log" 2>&1
	rc=$?
	grep -E 'warning|error' "$tmp/log" | sed 's/^/# /'
	! grep -qE 'warning|error' "$tmp/log" && [ $rc = 0 ]
	rc=$?
	# Bookworm's sparse 0.6.4 is too old for 7.x (no __typeof_unqual__):
	# the kernel then skips it and says so.
	what="W=1 and sparse (C=2)"
	if grep -q 'sparse is not available or not up to date' "$tmp/log"; then
		echo "# sparse skipped on $s: bookworm's sparse is too old for it"
		what="W=1 (no sparse)"
	fi
	result $rc "style: $what clean on $("$TOPDIR/scripts/kernel.sh" release "$s")"
done

# Generated files (netlink-gen.[ch], uapi/linux/tcpkit.h) are checked
# against the spec instead: ynl-gen-c's output is what it is.
"$checkpatch" --strict --no-tree --quiet --show-types \
	-f $(ls "$TOPDIR"/module/*.[ch] | grep -v '/netlink-gen\.[ch]$') \
	"$TOPDIR"/uapi/linux/tcpkit_aimd.h > "$tmp/cp" 2>&1
rc=$?
sed 's/^/# /' "$tmp/cp"
result $rc "style: checkpatch --strict clean"
# The generated files must be what the YNL spec generates.
"$TOPDIR/scripts/spec.sh" --check || failed=1
# So must tcpkit(8) and the CLI's usage.
if make -s -C "$TOPDIR" cli > "$tmp/cli" 2>&1; then
	"$TOPDIR/scripts/man-check.sh" "$TOPDIR/cli/tcpkit" || failed=1
else
	sed 's/^/# /' "$tmp/cli"
	result 1 "man: the CLI builds for the usage check"
fi
exit $failed
