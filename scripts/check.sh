#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The README's test command (`make check`): install what is missing, run
# the static checks, then build for every supported kernel, boot it in QEMU,
# run the selftests and scan the kernel log. Every case ends up as one line
# of build/check.ktap, named after the kernel it ran on; the last line of
# output is "N passed, N failed" and the exit status is 1 on any failure.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

# Lines that mean the kernel is unwell (NIPA's list and then some).
CRASH_RE='\] RIP:|Call Trace:|WARNING:|BUG:|KASAN|ref_tracker:|unreferenced object 0x|blocked for more than|Kernel panic|general protection fault|UBSAN:'

SERIES=${TCPKIT_SERIES:-$SUPPORTED_SERIES}
report=$TOPDIR/build/check.ktap
results=$TOPDIR/build/check.results
mkdir -p "$TOPDIR/build"
: > "$results"

pass() { echo "PASS $*" >> "$results"; }
fail() { echo "FAIL $*" >> "$results"; }

"$TOPDIR/scripts/deps.sh" || { echo "0 passed, 1 failed"; exit 1; }

# Result lines of style.sh, abi.sh and pkg-check.sh: "ok - ...",
# "not ok - ...".
collect()
{
	local line

	while read -r line; do
		case $line in
		"ok - "*) pass "${line#ok - }" ;;
		"not ok - "*) fail "${line#not ok - }" ;;
		*) echo "$line" ;;
		esac
	done
}

# Static checks, and the library's ABI against abi/libtcpkit.abi.
collect < <("$TOPDIR/scripts/style.sh")
collect < <("$TOPDIR/scripts/abi.sh" check)

# The packages: built from the tree, installed on the host, the module
# built by DKMS for every supported kernel; PKG_SERIES's VM suite then
# runs on them (DKMS's module, /usr/bin/tcpkit, the tests linked with
# libtcpkit.so.1) instead of the tree's build, and they are purged at the
# end. The host is shared by every checkout on it: one at a time.
PKG_SERIES=6.12
PKG_LOCK=/run/lock/tcpkit-packages.lock
pkg_env= pkg_ran=
case " $SERIES " in
*" $PKG_SERIES "*)
	exec 9> "$PKG_LOCK"
	flock 9
	pkg_ran=1
	trap '"$TOPDIR/scripts/pkg-check.sh" remove > /dev/null 2>&1' EXIT
	t0=$SECONDS
	collect < <("$TOPDIR/scripts/pkg-check.sh" install "$PKG_SERIES")
	echo "# packages built, installed and DKMS-built in $((SECONDS - t0)) s"
	[ -f "$TOPDIR/build/pkg/vm.env" ] && pkg_env=$TOPDIR/build/pkg/vm.env ;;
esac

# Turn one VM's serial log into PASS/FAIL/SKIP lines (see run_tests.sh for
# the KTAP shape: program lines at the top, their cases indented). A SKIP
# keeps its reason after " # "; a program whose cases do not match its
# plan ("1..N") fails.
parse_ktap()
{
	awk -v rel="$1" '
	/^TCPKIT_BOOTED/ { on = 1; next }
	/^TCPKIT_DMESG_BEGIN/ { on = 0 }
	!on { next }
	/^# / && prog == "" { sub(/^# [^:]*: /, ""); prog = $0; leaves = 0; bad = 0; plan = -1; next }
	/^    1\.\.[0-9]+/ && plan < 0 { plan = substr($1, 4) + 0; next }
	/^    (not )?ok [0-9]+ / {
		line = $0; sub(/^    /, "", line)
		ok = (line ~ /^ok/); sub(/^(not )?ok [0-9]+ (- )?/, "", line)
		if (line ~ /# SKIP/) {
			why = line; sub(/.*# SKIP */, "", why)
			sub(/ *# SKIP.*/, "", line)
			print "SKIP " rel ": " prog ": " line " # " why; leaves++; next
		}
		sub(/ # .*/, "", line)
		print (ok ? "PASS " : "FAIL ") rel ": " prog ": " line
		leaves++; if (!ok) bad++
		next
	}
	/^(not )?ok [0-9]+ / {
		ok = ($0 ~ /^ok/); why = $0; sub(/^[^#]*#? ?/, "", why)
		if (plan >= 0 && leaves != plan && why !~ /SKIP/)
			print "FAIL " rel ": " prog ": printed " leaves " results for a plan of " plan
		if (!ok && bad == 0)
			print "FAIL " rel ": " prog ": " why
		else if (ok && leaves == 0)
			print (why ~ /SKIP/ ? "SKIP " rel ": " prog " # " substr(why, index(why, "SKIP") + 5) : "PASS " rel ": " prog)
		prog = ""
	}'
}

# A skip passes only where the kernel lacks what the case needs: the
# Debian kernels have no fault injection and no kmemleak, and 6.1 no
# nfnetlink_hook. Everything else
# (netem, namespaces, the family itself) exists on every supported kernel,
# and the kernels built here have it all: a skip there is a failure.
judge_skips()
{
	local built=$1

	awk -v built="$built" '
	$1 != "SKIP" { print; next }
	{
		why = $0; sub(/.* # /, "", why)
		if (built == "" && why ~ /fail-nth|failslab|fault injection|kmemleak|CONFIG_NETFILTER_NETLINK_HOOK/) { print; next }
		line = $0; sub(/^SKIP /, "", line)
		print "FAIL " line " (skipped where the feature exists)"
	}'
}

# The program a VM was running when it died: the last one it announced
# (run_tests.sh prints a program's own output only once it has ended).
last_program()
{
	sed -n 's/^# [^:]*: \([^ ]*\)$/\1/p' "$1" | tail -n1 | grep . || echo "boot"
}

for s in $SERIES; do
	rel=$("$TOPDIR/scripts/kernel.sh" release "$s")
	if ! make -s -C "$TOPDIR" KVER="$s" vm-prereqs; then
		fail "$rel: build"
		continue
	fi
	pass "$rel: build"
	log=$TOPDIR/build/$s/check.log
	cmd=(./run_tests.sh)
	# The suite takes about 3 minutes under TCG, 15 under KASAN.
	timeout=1200
	tests=
	case $s in
	*-debug)
		timeout=3600
		# KASAN slows the stack several times over: aimd_cc.sh's
		# per-RTT growth and cut figures then measure the debug
		# checks, not aimd. Everything else runs.
		tests='$(grep -vx aimd_cc.sh tests.list)'
		echo "# $rel: aimd_cc.sh not run (rate measurements under KASAN)" ;;
	esac
	case $(series_source "$s") in
	?*)
		# Kernels built here have kmemleak (vm.config). Leaks from
		# before the suite are not ours; after it, report.
		# (one line: vm-run.sh quotes it with printf %q for ash)
		cmd=(sh -c "../guest/kmemleak.sh start; ./run_tests.sh $tests; rc=\$?; ../guest/kmemleak.sh check || rc=1; exit \$rc") ;;
	esac
	vm_env=()
	if [ "$s" = "$PKG_SERIES" ] && [ -n "$pkg_env" ]; then
		mapfile -t vm_env < "$pkg_env"
		rel="$rel (packages)"
		echo "# $rel: the VM runs the packages:" "${vm_env[@]}"
	fi
	env "${vm_env[@]}" TCPKIT_VM_LOG="$log" "$TOPDIR/scripts/vm-run.sh" --kver "$s" \
		--no-build --timeout $timeout -- "${cmd[@]}"
	rc=$?
	parse_ktap "$rel" < "$log" | judge_skips "$(series_source "$s")" >> "$results"
	case $rc in
	124|125) fail "$rel: VM run (status $rc in $(last_program "$log"), see $log)" ;;
	*) pass "$rel: VM run completed" ;;
	esac
	# The live copy too: it has what a guest that hung never dumped.
	if grep -hE "$CRASH_RE" "$log" "${log%.log}.kmsg.log" \
		> "$TOPDIR/build/$s/splats"; then
		sed 's/^/# /' "$TOPDIR/build/$s/splats"
		# The first line names the trouble: keep it with the result,
		# which is what the end of the output shows.
		fail "$rel: kernel log clean (first: $(head -n1 "$TOPDIR/build/$s/splats" |
			sed 's/^[0-9]*,[0-9]*,[0-9]*,[^;]*;//' | tr -cd '[:print:]' | cut -c1-160))"
	else
		pass "$rel: kernel log clean"
	fi
done

if [ -n "$pkg_ran" ]; then
	t0=$SECONDS
	collect < <("$TOPDIR/scripts/pkg-check.sh" remove)
	echo "# packages purged in $((SECONDS - t0)) s"
	trap - EXIT
fi

# The report: one KTAP document over everything.
{
	echo "TAP version 13"
	echo "1..$(wc -l < "$results")"
	awk '{ s = $1; sub(/^[A-Z]+ /, "");
	       if (s == "PASS") print "ok " NR " " $0;
	       else if (s == "SKIP") { sub(/ # /, " # SKIP "); print "ok " NR " " $0 }
	       else print "not ok " NR " " $0 }' "$results"
} > "$report"
grep -E '^(not ok|ok .*# SKIP)' "$report"
passed=$(grep -c '^PASS' "$results")
failed=$(grep -c '^FAIL' "$results")
skipped=$(grep -c '^SKIP' "$results")
echo "# report: $report"
echo "# $skipped skipped (features these kernels lack: see the SKIP lines)"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
