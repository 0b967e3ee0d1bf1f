#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The tcpkit CLI without the kernel family: grammar (exact keywords),
# usage errors (exit 1, "Error: ..." on stderr), system errors (exit 2),
# and image show in text and JSON on sample images from image_format.
# Runs on the host too: TCPKIT=path/to/tcpkit ./cli_usage.sh

dir=$(cd "$(dirname "$0")" && pwd)
. "$dir/ktap.sh"

TCPKIT=${TCPKIT:-}
if [ -z "$TCPKIT" ]; then
	for c in "$(command -v tcpkit)" "$dir/../cli/tcpkit" \
		 "$dir/../../cli/tcpkit"; do
		[ -n "$c" ] && [ -x "$c" ] && { TCPKIT=$c; break; }
	done
fi
IMAGE_FORMAT=$dir/image_format
tmp=$(mktemp -d /tmp/cli_usage.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# expect NAME RC REGEX ARGS...: exit status RC, and for RC != 0 an
# "Error: " line on stderr matching REGEX; for RC 0, REGEX on stdout.
expect()
{
	local name=$1 want=$2 re=$3 rc
	shift 3
	"$TCPKIT" "$@" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	if [ "$rc" != "$want" ]; then
		ktap_fail "$name" "exit $rc, want $want: $(head -c 200 "$tmp/err")"
	elif [ "$want" = 0 ] && ! grep -q -- "$re" "$tmp/out"; then
		ktap_fail "$name" "stdout lacks '$re'"
	elif [ "$want" != 0 ] && ! grep -q -- "^Error: .*$re" "$tmp/err"; then
		ktap_fail "$name" "stderr lacks 'Error: ...$re': $(head -c 200 "$tmp/err")"
	else
		ktap_ok "$name"
	fi
}

# usage errors never print anything on stdout
expect_usage()
{
	local name=$1
	shift
	expect "$name" 1 "$@"
	if [ -s "$tmp/out" ]; then
		ktap_diag "$name: unexpected stdout: $(head -c 100 "$tmp/out")"
	fi
}

# expect_escaped NAME KEEP REGEX [OPTIONS]: image show of the hostile
# sample exits 0, prints no control character but those in KEEP, and
# matches REGEX.
expect_escaped()
{
	local name=$1 keep=$2 re=$3 rc
	shift 3
	"$TCPKIT" "$@" image show file "$tmp/hostile.img" > "$tmp/e" 2>&1
	rc=$?
	if [ $rc = 0 ] && ! tr -d "$keep" < "$tmp/e" | LC_ALL=C grep -q '[[:cntrl:]]' &&
	   grep -q "$re" "$tmp/e"; then
		ktap_ok "$name"
	else
		ktap_fail "$name" "exit $rc: $(od -c "$tmp/e" | head -5)"
	fi
}

ktap_plan 74

if [ -z "$TCPKIT" ]; then
	ktap_diag "no tcpkit binary found"
	while [ "$KTAP_N" -lt 67 ]; do
		ktap_fail "tcpkit_binary" "not found"
	done
	ktap_exit
fi
ktap_diag "using $TCPKIT"

# options and objects
"$TCPKIT" > "$tmp/out" 2> "$tmp/err"
rc=$?
[ $rc = 1 ] && grep -q Usage "$tmp/err" && ktap_ok "no_args_usage_exit_1" ||
	ktap_fail "no_args_usage_exit_1" "exit $rc"
expect "help" 0 "^Usage: tcpkit" help
expect "dash_h" 0 "^Usage: tcpkit" -h
expect "version" 0 "^tcpkit [0-9]" -V
expect "conn_help" 0 "tcpkit conn checkpoint" conn help
expect "image_help" 0 "tcpkit image show" image help
expect "aimd_help" 0 "tcpkit aimd set" aimd help
expect "command_help" 0 "tcpkit conn checkpoint" conn checkpoint help
expect "command_help_image" 0 "tcpkit image show" image show help
expect_usage "unknown_option" "unknown option" -x conn frozen
expect_usage "netns_needs_name" "needs a network namespace" -n
expect_usage "unknown_object" "unknown object \"bogus\"" bogus
expect_usage "object_prefix_refused" "unknown object \"con\"" con frozen
expect_usage "command_prefix_refused" "unknown command \"sh\"" conn sh
expect_usage "unknown_command" "unknown command \"bogus\"" conn bogus
expect_usage "keyword_prefix_refused" "unknown keyword \"fil\"" image show fil x
expect_usage "keyword_case_refused" "unknown keyword \"FILE\"" image show FILE x
expect_usage "unknown_keyword" "unknown keyword \"bogus\"" conn show bogus 1

# naming a socket
expect_usage "no_socket" "no socket given" conn show
expect_usage "pid_without_fd" "go together" conn show pid 1
expect_usage "src_without_dst" "go together" conn show src 10.0.0.1:1
expect_usage "both_forms" "either by" conn show pid 1 fd 3 src 10.0.0.1:1 dst 10.0.0.2:2
expect_usage "pid_needs_value" "needs an argument" conn show pid
expect_usage "bad_pid" "bad pid" conn show pid 12x fd 3
expect_usage "pid_zero" "bad pid" conn show pid 0 fd 3
expect_usage "negative_fd" "bad fd" conn show pid 1 fd -1
expect_usage "duplicate_keyword" "given twice" conn show pid 1 pid 2 fd 3
expect_usage "addr_no_port" "bad address" conn show src 10.0.0.1 dst 10.0.0.2:2
expect_usage "addr_bad_ipv4" "bad address" conn show src 10.0.0:1 dst 10.0.0.2:2
expect_usage "addr_port_zero" "port must be" conn show src 10.0.0.1:0 dst 10.0.0.2:2
expect_usage "addr_port_big" "port must be" conn show src 10.0.0.1:65536 dst 10.0.0.2:2
expect_usage "addr_port_junk" "port must be" conn show src 10.0.0.1:8x dst 10.0.0.2:2
expect_usage "ipv6_needs_brackets" "write IPv6 as" conn show src ::1:80 dst [::1]:81
expect_usage "ipv6_bad" "not an IPv6" conn show src [::g]:80 dst [::1]:81
expect_usage "ipv6_no_port" "bad address" conn show src [::1] dst [::1]:81
expect_usage "ipv6_bad_scope" "no interface" conn show src [fe80::1%nosuchif0]:80 dst [fe80::2]:81
expect_usage "mixed_families" "different address families" conn show src 10.0.0.1:1 dst [::1]:2
expect_usage "thaw_needs_tuple" "takes \"src" conn thaw pid 1 fd 3
expect_usage "frozen_no_args" "unknown keyword" conn frozen now

# checkpoint / restore grammar
expect_usage "checkpoint_needs_file" "needs \"file PATH\"" conn checkpoint pid 1 fd 3
expect_usage "checkpoint_stop_twice" "given twice" conn checkpoint pid 1 fd 3 stop stop file x
expect_usage "checkpoint_file_twice" "given twice" conn checkpoint pid 1 fd 3 file a file b
expect_usage "restore_needs_file" "needs \"file PATH\"" conn restore
expect_usage "restore_exec_needs_cmd" "needs a command" conn restore file x exec
expect_usage "restore_keyword" "unknown keyword \"stop\"" conn restore file x stop
expect_usage "restore_conservative_needs_file" "needs \"file PATH\"" conn restore conservative
expect_usage "restore_conservative_exec_needs_cmd" "needs a command" conn restore file x conservative exec

# checkpoint all: filters
expect_usage "all_needs_file" "needs \"file PATH\"" conn checkpoint all sport 80
expect_usage "all_sport_twice" "\"sport\" given twice" conn checkpoint all sport 1 sport 2 file x
expect_usage "all_bad_port" "bad port" conn checkpoint all dport 0 file x
expect_usage "all_bad_prefix_len" "length must be 0..32" conn checkpoint all saddr 10.0.0.0/33 file x
expect_usage "all_bad_prefix_addr" "not an IPv6 address" conn checkpoint all daddr fd00::x/64 file x
expect_usage "all_bad_pid" "bad pid" conn checkpoint all pid -1 file x
expect_usage "all_no_sock_keywords" "unknown keyword \"src\" for \"conn checkpoint all\"" conn checkpoint all src 10.0.0.1:1 file x

# aimd grammar: syntax only, bounds are the kernel's
expect_usage "aimd_set_nothing" "at least one" aimd set
expect_usage "aimd_alpha_4_decimals" "bad alpha" aimd set alpha 0.5291
expect_usage "aimd_alpha_negative" "bad alpha" aimd set alpha -1
expect_usage "aimd_alpha_exponent" "bad alpha" aimd set alpha 1e3
expect_usage "aimd_beta_trailing_dot" "bad beta" aimd set beta 1.
expect_usage "aimd_beta_ecn_empty" "bad beta_ecn" aimd set beta_ecn ""
expect_usage "aimd_unknown_keyword" "unknown keyword \"gamma\"" aimd set gamma 1

# system errors: exit 2
expect "netns_missing" 2 "network namespace" -n tcpkit-no-such-ns conn frozen
expect "image_missing_file" 2 "No such file" image show file "$tmp/none"

# image show on sample images
if [ -x "$IMAGE_FORMAT" ] &&
   "$IMAGE_FORMAT" --sample good "$tmp/good.img" &&
   "$IMAGE_FORMAT" --sample badcrc "$tmp/badcrc.img" &&
   "$IMAGE_FORMAT" --sample unknown "$tmp/unknown.img" &&
   "$IMAGE_FORMAT" --sample zerochunk "$tmp/zero.img"; then
	expect "image_show_text" 0 "snd_qlen 40000" image show file "$tmp/good.img"
	"$TCPKIT" -j image show file "$tmp/good.img" > "$tmp/j" 2>&1
	rc=$?
	# no python in the VM: keys, values and balanced braces by hand
	if [ $rc = 0 ] && [ "$(wc -l < "$tmp/j")" = 1 ] &&
	   grep -q '^{"image":{"version":1,' "$tmp/j" &&
	   grep -q '"conn":{"family":"inet","saddr":"10.0.0.1"' "$tmp/j" &&
	   grep -q '"snd_qlen":40000' "$tmp/j" &&
	   grep -q '"aimd":{"alpha":0.529,"beta":0.700}' "$tmp/j" &&
	   grep -q '"snd_data":{"bytes":40000,"chunks":2}' "$tmp/j" &&
	   grep -q '"sack_ok":true' "$tmp/j" &&
	   [ "$(tr -cd '{' < "$tmp/j" | wc -c)" = "$(tr -cd '}' < "$tmp/j" | wc -c)" ] &&
	   grep -q '}}$' "$tmp/j"; then
		ktap_ok "image_show_json"
	else
		ktap_fail "image_show_json" "exit $rc: $(head -c 300 "$tmp/j")"
	fi
	"$TCPKIT" -j -p image show file - < "$tmp/good.img" > "$tmp/p" 2>&1
	rc=$?
	if [ $rc = 0 ] && grep -q '^    "conn": {$' "$tmp/p" &&
	   grep -q '^        "mss": 1448,$' "$tmp/p" &&
	   [ "$(tail -n1 "$tmp/p")" = "}" ]; then
		ktap_ok "image_show_pretty_stdin"
	else
		ktap_fail "image_show_pretty_stdin" "exit $rc"
	fi
	# as in ip(8), -p alone changes nothing in text output
	expect "pretty_alone_is_text" 0 "^image version 1 " -p image show file "$tmp/good.img"
	expect "image_bad_crc" 2 "badcrc.img: .*CRC32C mismatch" image show file "$tmp/badcrc.img"
	expect "image_unknown_attr" 2 "unknown attribute 200" image show file "$tmp/unknown.img"
	expect "image_zero_chunk" 2 "zero-length" image show file "$tmp/zero.img"
	printf 'not an image at all, but long enough for a header\n' > "$tmp/junk"
	expect "image_bad_magic" 2 "bad magic" image show file "$tmp/junk"
	expect "image_error_stdin" 2 "standard input: .*bad magic" image show file - < "$tmp/junk"
	# an image's strings never reach a terminal as control characters
	"$IMAGE_FORMAT" --sample hostile "$tmp/hostile.img"
	expect_escaped "text_escapes_controls" '\n\t' \
		'host \\x1b\]0;pwned\\x07\\xff\\xc2\\x9b2Jend'
	expect_escaped "json_escapes_any_byte" '\n' \
		'"host":"\\u001b\]0;pwned\\u0007\\ufffd\\u009b2Jend"' -j
else
	for t in image_show_text image_show_json image_show_pretty_stdin \
		 pretty_alone_is_text image_bad_crc image_unknown_attr \
		 image_zero_chunk image_bad_magic image_error_stdin \
		 text_escapes_controls json_escapes_any_byte; do
		ktap_skip "$t" "image_format not built"
	done
fi

ktap_exit
