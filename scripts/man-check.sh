#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# man-check.sh TCPKIT: tcpkit(8)'s SYNOPSIS and the CLI's own usage
# (`tcpkit help`, `tcpkit OBJECT help`) must name the same keywords and
# options, so that neither documents what the other does not accept; and
# the bash completion must offer every one of them. Placeholders are upper
# case and left out. Prints KTAP-style lines.
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

# Keywords and options as typed: -X[yz] is -X, -xyz and --xyz.
cli_typed()
{
	cli_words | grep -vxE 'tcpkit|-.*' | grep -vxFf <(opt_tails)
	"$cli" help | grep -oE -- '-[A-Za-z]\[[a-z]+\]' |
		sed -E 's/^-(.)\[(.*)\]$/-\1\n-\L\1\E\2\n--\L\1\E\2/'
}

# The tails of the -x[yz] options, which cli_words sees as words.
opt_tails()
{
	"$cli" help | grep -oE -- '-[A-Za-z]\[[a-z]+\]' | sed -E 's/^-(.)\[(.*)\]$/\2/'
}

# Every word the completion offers: compgen -W lists, COMPREPLY=(help).
completion_words()
{
	local f=$TOPDIR/cli/tcpkit.bash-completion sock

	sock=$(sed -n 's/^[[:space:]]*local sock="\(.*\)"$/\1/p' "$f")
	{
		grep -oE 'compgen -W "[^"$]*(\$sock[^"]*)?"' "$f" |
			sed -e 's/^compgen -W "//' -e 's/"$//' -e "s/\\\$sock/$sock/"
		grep -oE 'COMPREPLY=\([a-z]+\)' "$f" | sed -E 's/.*\((.*)\)/\1/'
	} | tr ' ' '\n' | grep . | sort -u
}

failed=0
if diff <(man_words) <(cli_words) | sed 's/^/# /'; then
	echo "ok - man: tcpkit(8) SYNOPSIS and the CLI usage name the same keywords"
else
	echo "not ok - man: tcpkit(8) SYNOPSIS and the CLI usage name the same keywords (< man, > CLI)"
	failed=1
fi
missing=$(comm -23 <(cli_typed | sort -u) <(completion_words))
if [ -z "$missing" ]; then
	echo "ok - completion: bash completion offers every keyword and option of the CLI"
else
	echo "# not offered: $(echo $missing)"
	echo "not ok - completion: bash completion offers every keyword and option of the CLI"
	failed=1
fi
exit $failed
