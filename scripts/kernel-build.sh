#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kernel-build.sh resolve SERIES          print the newest linux-source package
#                                         of SERIES in Debian unstable and its
#                                         version ("linux-source-7.2 7.2.13-1");
#                                         SERIES 7 means the newest 7.x
# kernel-build.sh release SERIES VARIANT  print the kernel release it builds
# kernel-build.sh build SERIES VARIANT    build it (once: cached) and print the
#                                         cache directory
# kernel-build.sh check-config CONFIG FRAGMENT...
#                                         fail unless every line of the
#                                         fragments is in CONFIG
#
# VARIANT is "plain" (x86_64 allnoconfig + selftests/config +
# scripts/config/vm.config), "debug" (the same + scripts/config/debug.config)
# or "prof" (the same + scripts/config/prof.config: the function profiler).
# The cache directory $TCPKIT_CACHE/kernels/<package>_<version>-<variant>-<hash>
# is laid out like Debian's image and headers packages:
#   boot/vmlinuz-REL, boot/config-REL, boot/System.map-REL
#   lib/modules/REL/modules.builtin* (everything is built in), build -> ../../../build
#   build/  the external-module build tree (Module.symvers, headers, scripts,
#           objtool: what `make -C build M=DIR modules` needs, no objects)
# The hash covers the fragments, the compiler and LAYOUT below, so editing a
# fragment rebuilds and nothing else does. Apt is pointed at unstable with
# command-line options only; its lists live in $TCPKIT_CACHE/sid.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# Bump when the cache entry's layout or the build steps change.
LAYOUT=1
SID=$TCPKIT_CACHE/sid
KERNELS=$TCPKIT_CACHE/kernels

log() { echo "kernel-build: $*" >&2; }
# Run the EXIT trap (cleanup) when killed too.
trap 'exit 130' INT
trap 'exit 143' TERM

apt_opts()
{
	echo -o Dir::Etc::SourceList="$SID/sid.sources" \
	     -o Dir::Etc::SourceParts=/dev/null \
	     -o Dir::Etc::Preferences=/dev/null \
	     -o Dir::Etc::PreferencesParts=/dev/null \
	     -o Dir::State::Lists="$SID/lists" \
	     -o Dir::Cache="$SID/cache" \
	     -o Dir::State::status=/dev/null \
	     -o APT::Sandbox::User=root \
	     -o Debug::NoLocking=1 -q
}

# Unstable's package list, refreshed once a day; a stale list is used when
# the refresh fails (offline). Fails when there is none.
update_lists()
{
	mkdir -p "$SID/lists/partial" "$SID/cache/archives/partial"
	local sources="Types: deb
URIs: http://deb.debian.org/debian
Suites: sid
Components: main
Architectures: amd64
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"

	if [ "$(cat "$SID/sid.sources" 2>/dev/null)" != "$sources" ]; then
		echo "$sources" > "$SID/sid.sources"
		rm -f "$SID/updated"
	fi
	if [ -n "$(find "$SID/updated" -mmin -1440 2>/dev/null)" ]; then
		return 0
	fi
	log "apt-get update (Debian unstable, lists in $SID/lists)"
	# shellcheck disable=SC2046
	if apt-get $(apt_opts) --error-on=any update >&2; then
		touch "$SID/updated"
	else
		[ -n "$(find "$SID/lists" -maxdepth 1 -name '*_Packages*')" ] ||
			return 1
		log "warning: refresh failed, using the old package list"
	fi
}

# resolve SERIES: "PACKAGE VERSION" of the newest linux-source-SERIES. When
# unstable cannot be read or no longer has it, the last answer (whose build
# is in the cache) stands, with a note.
resolve()
{
	local series=$1 pkg ver newest memo=$SID/resolved.$1

	if ! update_lists; then
		[ -s "$memo" ] || die "cannot fetch Debian unstable's package list"
		log "note: Debian unstable unreachable, using the cached $(cat "$memo")"
		cat "$memo"
		return
	fi
	# Reading the list takes seconds: remember the answer until it changes.
	if [ -n "$(find "$memo" -newer "$SID/lists" -newer "$SID/sid.sources" 2>/dev/null)" ]; then
		cat "$memo"
		return
	fi
	# shellcheck disable=SC2046
	newest=$(apt-cache $(apt_opts) pkgnames linux-source- |
		 { grep -E '^linux-source-[0-9]+\.[0-9]+$' || true; } |
		 sed 's/^linux-source-//' | sort -V | tail -n1)
	case $series in
	*.*) pkg=linux-source-$series ;;
	*) pkg=linux-source-$(echo "$newest" | grep -E "^$series\." || echo "$series.x") ;;
	esac
	# shellcheck disable=SC2046
	ver=$( (apt-cache $(apt_opts) show --no-all-versions "$pkg" 2>/dev/null || true) |
	      sed -n 's/^Version: //p' | head -n1)
	if [ -z "$ver" ]; then
		[ -s "$memo" ] ||
			die "$pkg is not in Debian unstable (its newest source is linux-source-$newest): update the series in scripts/lib.sh"
		log "note: $pkg is not in Debian unstable any more, using the cached $(cat "$memo")"
		cat "$memo"
		return
	fi
	echo "$pkg $ver" | tee "$memo"
}

fragments()
{
	local f=("$TOPDIR/selftests/config" "$TOPDIR/scripts/config/vm.config")

	case $1 in
	plain) ;;
	debug) f+=("$TOPDIR/scripts/config/debug.config") ;;
	prof) f+=("$TOPDIR/scripts/config/prof.config") ;;
	*) die "unknown kernel variant '$1' (plain, debug or prof)" ;;
	esac
	echo "${f[@]}"
}

localversion()
{
	case $1 in
	plain) echo -tcpkit ;;
	*) echo "-tcpkit-$1" ;;
	esac
}

# The release the build will report: Debian's upstream version as the
# kernel's Makefile spells it (7.2.13-1 -> 7.2.13) and our localversion.
# build() checks the guess against the tree's own `make kernelrelease`.
release_of()
{
	local up=${1%%-*}

	[ "${up//[^.]/}" = . ] && up=$up.0
	echo "$up$(localversion "$2")"
}

# entry_of PACKAGE VERSION VARIANT: the cache directory of that build. Its
# hash covers the fragments, the compiler and LAYOUT.
entry_of()
{
	local hash

	# shellcheck disable=SC2046
	hash=$( { echo "layout $LAYOUT $1 $2 $3"; gcc --version | head -n1
		  cat $(fragments "$3"); } | sha256sum | cut -c1-12)
	echo "$KERNELS/${1}_$2-$3-$hash"
}

# entry SERIES VARIANT: "PACKAGE VERSION DIR" of the cache entry.
entry()
{
	local pkg ver

	read -r pkg ver < <(resolve "$1")
	echo "$pkg $ver $(entry_of "$pkg" "$ver" "$2")"
}

# cached SERIES VARIANT: the newest finished build of SERIES from these
# fragments, if any ("PACKAGE VERSION DIR").
cached()
{
	local d pkg ver variant

	for d in "$KERNELS/linux-source-$1"*"-$2-"*/.done; do
		[ -f "$d" ] || continue
		d=$(dirname "$d")
		read -r pkg ver variant < "$d/source" || continue
		case $pkg in
		"linux-source-$1" | "linux-source-$1."*) ;;
		*) continue ;;
		esac
		[ "$(entry_of "$pkg" "$ver" "$variant")" = "$d" ] || continue
		echo "$ver $pkg $d"
	done | sort -V | tail -n1 | { read -r ver pkg d && echo "$pkg $ver $d"; }
}

# check_config CONFIG FRAGMENT...: every fragment line (the last one wins
# for a symbol named twice) must be in CONFIG. =m is met by =y. Kconfig
# drops an option whose dependencies are off without a word: fail loudly.
check_config()
{
	local config=$1

	shift
	awk '
	FNR == NR { have[$0] = 1; next }
	/^CONFIG_[A-Za-z0-9_]+=/ { sym = $0; sub(/=.*/, "", sym); want[sym] = $0; next }
	/^# CONFIG_[A-Za-z0-9_]+ is not set/ { want[$2] = $0 }
	END {
		for (line in have) {
			if (line ~ /^CONFIG_/) {
				sym = line; sub(/=.*/, "", sym); got[sym] = line
			}
		}
		for (sym in want) {
			w = want[sym]
			g = "# " sym " is not set"
			if (sym in got)
				g = got[sym]
			if (w ~ /is not set$/) {
				if (g ~ /is not set$/)
					continue
			} else if (g == w || (w ~ /=m$/ && g == sym "=y")) {
				continue
			}
			printf "  wanted %s, got %s\n", w, g
			bad++
		}
		exit bad > 0
	}' "$config" "$@"
}

build()
{
	local series=$1 variant=$2 pkg ver dir rel src stage deb t0 t jobs frag

	read -r pkg ver dir < <(entry "$series" "$variant")
	if [ -f "$dir/.done" ]; then
		echo "$dir"
		return
	fi
	mkdir -p "$KERNELS"
	exec 9> "$dir.lock"
	flock 9
	if [ -f "$dir/.done" ]; then
		echo "$dir"
		return
	fi
	rel=$(release_of "$ver" "$variant")
	jobs=$(nproc)
	t0=$(date +%s)

	# The package: one .deb per version, shared by the variants.
	mkdir -p "$SID/debs"
	deb=$(find "$SID/debs" -name "${pkg}_${ver//:/%3a}_*.deb" | head -n1)
	if [ -z "$deb" ]; then
		log "downloading $pkg $ver"
		rm -f "$SID/debs/${pkg}_"*.deb
		# shellcheck disable=SC2046
		if ! (cd "$SID/debs" && apt-get $(apt_opts) download "$pkg=$ver" >&2); then
			read -r _ t dir < <(cached "$series" "$variant") ||
				die "apt-get download $pkg=$ver failed"
			log "note: cannot download $pkg $ver, using the cached build of $t"
			echo "$dir"
			return
		fi
		deb=$(find "$SID/debs" -name "${pkg}_*.deb" | head -n1)
	fi

	src=$dir.tree
	stage=$dir.stage
	rm -rf "$src" "$stage" "$dir"
	# A failed build leaves nothing behind but its log.
	# shellcheck disable=SC2064
	trap "rm -rf '$src' '$stage'" EXIT
	mkdir -p "$src" "$stage"
	log "unpacking $(basename "$deb")"
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xO --wildcards '*usr/src/linux-source-*.tar.xz' |
		xz -T"$jobs" -dc |
		tar -x -C "$src" --strip-components=1 \
			--exclude='linux-source-*/Documentation/*/*'
	t=$(date +%s); log "unpacked in $((t - t0)) s"

	# allnoconfig with the fragments as the preset: what they do not
	# name stays off.
	frag=$src/tcpkit.config
	# shellcheck disable=SC2046
	cat $(fragments "$variant") > "$frag"
	echo "CONFIG_LOCALVERSION=\"$(localversion "$variant")\"" >> "$frag"
	echo "# CONFIG_LOCALVERSION_AUTO is not set" >> "$frag"
	make -s -C "$src" ARCH=x86_64 KCONFIG_ALLCONFIG="$frag" allnoconfig 2>&1 |
		{ grep -v 'warning: override: reassigning' || true; } >&2
	# shellcheck disable=SC2046
	if ! check_config "$src/.config" "$frag" >&2; then
		die "the kernel config lost the options above (unmet dependencies?): fix scripts/config/*.config"
	fi
	[ "$(make -s -C "$src" kernelrelease)" = "$rel" ] ||
		die "kernel release $(make -s -C "$src" kernelrelease), expected $rel"

	log "building $rel with $jobs jobs (log: $dir.log)"
	if ! make -C "$src" -j"$jobs" bzImage modules > "$dir.log" 2>&1; then
		tail -n 40 "$dir.log" >&2
		die "kernel build failed, see $dir.log"
	fi
	t=$(date +%s); log "built in $((t - t0)) s"

	mkdir -p "$stage/boot"
	cp "$src/arch/x86/boot/bzImage" "$stage/boot/vmlinuz-$rel"
	cp "$src/.config" "$stage/boot/config-$rel"
	cp "$src/System.map" "$stage/boot/System.map-$rel"
	make -s -C "$src" INSTALL_MOD_PATH="$stage" modules_install >> "$dir.log" 2>&1 ||
		die "modules_install failed, see $dir.log"
	mkdir -p "$stage/lib/modules/$rel/kernel"
	rm -rf "$stage/lib/modules/$rel/build"
	ln -s ../../../build "$stage/lib/modules/$rel/build"
	# The tree external modules build against, pruned as Debian's headers
	# package is (the kernel's own script), plus the full .config.
	make -s -C "$src" run-command \
		KBUILD_RUN_COMMAND="\$(srctree)/scripts/package/install-extmod-build $stage/build" \
		>> "$dir.log" 2>&1 || die "install-extmod-build failed, see $dir.log"
	cp "$src/.config" "$stage/build/.config"
	[ -s "$stage/build/Module.symvers" ] || die "no Module.symvers in the build"
	grep -q '^veth$\|/veth\.ko$' "$stage/lib/modules/$rel/modules.builtin" ||
		die "modules.builtin does not list veth"
	echo "$rel" > "$stage/release"
	echo "$pkg $ver $variant" > "$stage/source"
	rm -rf "$src"
	mv "$stage" "$dir"
	touch "$dir/.done"
	trap - EXIT
	# Older versions of this package and variant are dead weight; the
	# same version built from other fragments (another branch's) is not.
	for old in "$KERNELS/${pkg}_"*"-$variant-"*; do
		case $old in
		"$KERNELS/${pkg}_$ver-$variant-"*) ;;
		*) rm -rf "$old" ;;
		esac
	done
	t=$(date +%s); log "$rel ready in $((t - t0)) s: $dir"
	echo "$dir"
}

# A function, so that bash has read all of it before a long build starts.
main()
{
	case ${1:-} in
	resolve) resolve "${2:?SERIES}" ;;
	release)
		read -r _ ver dir < <(entry "${2:?SERIES}" "${3:?VARIANT}")
		if [ -f "$dir/release" ]; then cat "$dir/release"; else release_of "$ver" "$3"; fi ;;
	build) build "${2:?SERIES}" "${3:?VARIANT}" ;;
	check-config) shift; check_config "$@" ;;
	*) echo "usage: $0 {resolve SERIES|release SERIES VARIANT|build SERIES VARIANT|check-config CONFIG FRAGMENT...}" >&2
	   exit 1 ;;
	esac
}

main "$@"
