# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the scripts: cache location and kernel series names.

TCPKIT_CACHE=${TCPKIT_CACHE:-/var/cache/tcpkit}
TOPDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Supported series, in the order `make check` runs them. "7" is the newest
# 7.x that Debian unstable carries (7.2 in December 2026); a pinned 7.N
# works too (kernel.sh fetch 7.2).
SUPPORTED_SERIES="6.1 6.12 7"

die()
{
	echo "tcpkit: $*" >&2
	exit 1
}

# Debian metapackages that always point at the newest kernel of a series.
series_meta()
{
	case $1 in
	6.1) echo cloud-amd64 ;;
	6.12) echo 6.12-cloud-amd64 ;;
	*) die "unsupported kernel series '$1' (supported: $SUPPORTED_SERIES)" ;;
	esac
}

# Series built here from Debian unstable's newest linux-source of the
# series (kernel-build.sh): print "SOURCE-SERIES VARIANT"; fail for the
# Debian image series above. -debug is the KASAN/lockdep/kmemleak kernel,
# -prof the one with the function profiler (bench/cc/percall.sh).
series_source()
{
	case $1 in
	7 | 7-debug | 7-prof | 7.[0-9]*) ;;
	*) return 1 ;;
	esac
	case $1 in
	*-debug) echo "${1%-debug} debug" ;;
	*-prof) echo "${1%-prof} prof" ;;
	*) echo "$1 plain" ;;
	esac
}
