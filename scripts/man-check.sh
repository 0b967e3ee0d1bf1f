#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# man-check.sh TCPKIT: tcpkit(8)'s SYNOPSIS and the CLI's own usage
# (`tcpkit help`, `tcpkit OBJECT help`) must name the same keywords and
# options, so that neither documents what the other does not accept.
# Placeholders are upper case and left out. Prints one KTAP-style line.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

cli=${1:?usage: man-check.sh TCPKIT}
man=$TOPDIR/Documentation/tcpkit.8

# The lower-case words of the SYNOPSIS, roff macros and escapes removed.
man_words()
{
	sed -n '/^\.SH SYNOPSIS/,/^\.SH /p' "$man" | sed '1d;$d' |
		sed -e 's/^\.[A-Za-z]*//' -e 's/\\-/-/g' -e 's/"//g' |
		grep -oE '(^|[^A-Za-z_])-?-?[a-z][a-z_]*' |
		sed -E 's/^[^-a-z]//' | sort -u
}

# The same from the CLI's usage texts.
cli_words()
{
	{
		"$cli" help
		for o in conn image aimd; do
			"$cli" "$o" help
		done
	} | grep -vE '^(PATH|A, B|Without) ' | sed 's/^Usage: //' |
		grep -oE '(^|[^A-Za-z_])-?-?[a-z][a-z_]*' |
		sed -E 's/^[^-a-z]//' | sort -u
}

if ! diff <(man_words) <(cli_words) | sed 's/^/# /'; then
	echo "not ok - man: tcpkit(8) SYNOPSIS and the CLI usage name the same keywords (< man, > CLI)"
	exit 1
fi
echo "ok - man: tcpkit(8) SYNOPSIS and the CLI usage name the same keywords"
