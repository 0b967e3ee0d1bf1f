#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# aimd module parameters: decimals in and out, every bound accepted at the
# limit and refused one thousandth beyond it, garbage refused, a refused
# write changes nothing, and the same rules at load time.
. ./ktap.sh


P=/sys/module/tcpkit/parameters

cleanup()
{
	if [ -d $P ]; then
		echo 1 > $P/alpha
		echo 0.5 > $P/beta
		echo 0 > $P/beta_ecn
	fi
}
trap cleanup EXIT

# put PARAM VALUE: write VALUE exactly (no newline added).
put() { printf '%s' "$2" > $P/$1; }

# accept PARAM VALUE READBACK
accept()
{
	local got

	if ! (put "$1" "$2") 2>/dev/null; then
		ktap_fail "$1 accepts '$2'" "write refused"
		return
	fi
	got=$(cat $P/$1)
	if [ "$got" = "$3" ]; then
		ktap_ok "$1 accepts '$2'"
	else
		ktap_fail "$1 accepts '$2'" "reads back '$got', expected '$3'"
	fi
}

# refuse PARAM VALUE [FORMAT LABEL]: the write fails and the value stays as
# it was. With FORMAT, the bytes written are printf FORMAT's, named LABEL.
refuse()
{
	local before after name="$1 refuses '$2'"

	[ $# -gt 2 ] && name="$1 refuses $4"
	before=$(cat $P/$1)
	if [ $# -gt 2 ]; then
		(printf "$3" > $P/$1) 2>/dev/null
	else
		(put "$1" "$2") 2>/dev/null
	fi
	if [ $? -eq 0 ]; then
		ktap_fail "$name" "write accepted, now $(cat $P/$1)"
		return
	fi
	after=$(cat $P/$1)
	if [ "$before" = "$after" ]; then
		ktap_ok "$name"
	else
		ktap_fail "$name" "changed from $before to $after"
	fi
}

ktap_plan 66

rmmod tcpkit 2>/dev/null
ktap_check "modprobe tcpkit" modprobe tcpkit

ktap_check "defaults read 1, 0.5, 0" \
	sh -c "[ \"\$(cat $P/alpha) \$(cat $P/beta) \$(cat $P/beta_ecn)\" = '1 0.5 0' ]"
ktap_check "parameters are root-writable only" \
	sh -c "[ \"\$(stat -c %a $P/alpha $P/beta $P/beta_ecn | sort -u)\" = 644 ]"

# Bounds: TCPKIT_AIMD_ALPHA_MIN 10, _MAX 100000, BETA_MIN 100, _MAX 990.
accept alpha 0.01 0.01
accept alpha 100 100
accept alpha 100.000 100
accept alpha 0.529 0.529
accept alpha 0.5000 0.5
accept alpha 4 4
accept alpha 007 7
(echo 0.2 > $P/alpha) 2>/dev/null
ktap_check "alpha accepts a trailing newline" \
	sh -c "[ \"\$(cat $P/alpha)\" = 0.2 ]"
refuse alpha 0.009
refuse alpha 0
refuse alpha 100.001
refuse alpha 101
refuse alpha 4294967.296
refuse alpha 99999999999999999999
refuse alpha 0.0105
refuse alpha -1
refuse alpha +1
refuse alpha ' 1'
refuse alpha '1 '
refuse alpha 1e3
refuse alpha 0x10
refuse alpha .5
refuse alpha 1.
refuse alpha 1..2
refuse alpha 1,5
refuse alpha abc
refuse alpha - '1\n2' "a second line"
refuse alpha - '1\n\n' "two newlines"
refuse alpha - '\n' "an empty line"

accept beta 0.1 0.1
accept beta 0.99 0.99
accept beta 0.875 0.875
accept beta 0.7 0.7
accept beta 0.500 0.5
refuse beta 0.099
refuse beta 0.991
refuse beta 0
refuse beta 1
refuse beta 1.5
refuse beta 0.5x
refuse beta ''x

accept beta_ecn 0 0
accept beta_ecn 0.1 0.1
accept beta_ecn 0.99 0.99
accept beta_ecn 0.8 0.8
accept beta_ecn 0.000 0
refuse beta_ecn 0.099
refuse beta_ecn 0.05
refuse beta_ecn 0.001
refuse beta_ecn 0.991
refuse beta_ecn 1
refuse beta_ecn -0.5

# The three values stay independent of one another.
put alpha 0.2
put beta 0.875
put beta_ecn 0
ktap_check "alpha, beta, beta_ecn read back together" \
	sh -c "[ \"\$(cat $P/alpha) \$(cat $P/beta) \$(cat $P/beta_ecn)\" = '0.2 0.875 0' ]"
ktap_check "a connection sees the sysfs values" \
	sh -c "./aimd_sock -s aimd -c -i | grep -q 'alpha=200 beta=875 beta_ecn=0 '"

# Load time: the same parser and the same bounds.
rmmod tcpkit
ktap_check "modprobe tcpkit alpha=0.529 beta=0.7 beta_ecn=0.8" \
	modprobe tcpkit alpha=0.529 beta=0.7 beta_ecn=0.8
ktap_check "load-time values read back" \
	sh -c "[ \"\$(cat $P/alpha) \$(cat $P/beta) \$(cat $P/beta_ecn)\" = '0.529 0.7 0.8' ]"
rmmod tcpkit
ktap_check "modprobe refuses alpha=0.001" \
	sh -c '! modprobe tcpkit alpha=0.001 2>/dev/null && ! grep -q "^tcpkit " /proc/modules'
ktap_check "modprobe refuses beta=1" \
	sh -c '! modprobe tcpkit beta=1 2>/dev/null && ! grep -q "^tcpkit " /proc/modules'
ktap_check "modprobe refuses beta_ecn=0.05" \
	sh -c '! modprobe tcpkit beta_ecn=0.05 2>/dev/null && ! grep -q "^tcpkit " /proc/modules'
ktap_check "modprobe refuses alpha=abc" \
	sh -c '! modprobe tcpkit alpha=abc 2>/dev/null && ! grep -q "^tcpkit " /proc/modules'
ktap_check "modprobe refuses a bare alpha" \
	sh -c '! modprobe tcpkit alpha 2>/dev/null && ! grep -q "^tcpkit " /proc/modules'
ktap_check "modprobe tcpkit with defaults again" modprobe tcpkit
ktap_check "defaults after reload" \
	sh -c "[ \"\$(cat $P/alpha) \$(cat $P/beta) \$(cat $P/beta_ecn)\" = '1 0.5 0' ]"
ktap_exit
