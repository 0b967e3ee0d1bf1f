// SPDX-License-Identifier: GPL-2.0
/*
 * tcpkit CLI: the aimd object.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "names-gen.h"
#include "tcpkit.h"

/* Keywords and JSON keys: the spec's attribute names. */
#define AIMD_NAME(attr)	tk_aimd_attr_names[TCPKIT_A_AIMD_##attr]

static void aimd_usage(FILE *f)
{
	fputs("Usage: tcpkit aimd show [SOCK]\n"
	      "       tcpkit aimd set  [alpha A] [beta B] [beta_ecn B] [SOCK]\n"
	      "SOCK := { pid PID fd FD | src ADDR:PORT dst ADDR:PORT }\n"
	      "A, B := decimal with at most 3 decimals, e.g. 0.529\n"
	      "Without SOCK the global parameters are shown or set.\n", f);
}

static int aimd_show(int argc, char **argv)
{
	struct tcpkit_sockref ref, *refp;
	struct tcpkit_aimd a = { .size = sizeof(a) };
	struct sock_args sa;
	struct tcpkit *tk;
	int ret;

	ret = sock_args_parse_all(&sa, argc, argv, "aimd show", NULL, NULL);
	if (!ret && sock_args_given(&sa))
		ret = sock_args_check(&sa, true);
	if (!ret)
		ret = sock_args_open(&sa, &tk, &ref, &refp);
	if (ret)
		return ret;
	if (tcpkit_aimd_get(tk, refp, &a)) {
		ret = lib_error();
		goto out;
	}
	print_open(NULL);
	print_milli(AIMD_NAME(ALPHA), a.alpha);
	print_milli(AIMD_NAME(BETA), a.beta);
	if (a.has & TCPKIT_AIMD_HAS_BETA_ECN)
		print_milli(AIMD_NAME(BETA_ECN), a.beta_ecn);
	if (refp) {
		print_bool(AIMD_NAME(OVERRIDE), a.override);
		if (a.has & TCPKIT_AIMD_HAS_CWND)
			print_uint(AIMD_NAME(CWND), a.cwnd);
		if (a.has & TCPKIT_AIMD_HAS_SSTHRESH)
			print_uint(AIMD_NAME(SSTHRESH), a.ssthresh);
		if (a.has & TCPKIT_AIMD_HAS_LOSS_CUTS)
			print_uint(AIMD_NAME(LOSS_CUTS), a.loss_cuts);
		if (a.has & TCPKIT_AIMD_HAS_ECN_CUTS)
			print_uint(AIMD_NAME(ECN_CUTS), a.ecn_cuts);
	}
	print_close();
	ret = EXIT_OK;
out:
	sock_args_release(&sa);
	tcpkit_close(tk);
	return ret;
}

/* alpha A | beta B | beta_ecn B */
static int aimd_set_kw(void *ctx, int *argcp, char ***argvp)
{
	static const struct {
		int attr;
		size_t off;
		unsigned int bit;
	} params[] = {
		{ TCPKIT_A_AIMD_ALPHA, offsetof(struct tcpkit_aimd, alpha),
		  TCPKIT_AIMD_HAS_ALPHA },
		{ TCPKIT_A_AIMD_BETA, offsetof(struct tcpkit_aimd, beta),
		  TCPKIT_AIMD_HAS_BETA },
		{ TCPKIT_A_AIMD_BETA_ECN, offsetof(struct tcpkit_aimd, beta_ecn),
		  TCPKIT_AIMD_HAS_BETA_ECN },
	};
	const char *kw = **argvp, *val;
	struct tcpkit_aimd *a = ctx;
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(params); i++)
		if (!strcmp(kw, tk_aimd_attr_names[params[i].attr]))
			break;
	if (i == ARRAY_SIZE(params))
		return -1;
	ret = next_arg(argcp, argvp);
	if (ret)
		return ret;
	val = **argvp;
	if (a->has & params[i].bit)
		return usage_error("\"%s\" given twice", kw);
	if (parse_milli(val, (uint32_t *)((char *)a + params[i].off)))
		return usage_error("bad %s \"%s\": expected a decimal number with at most 3 decimals, e.g. 0.529",
				   kw, val);
	a->has |= params[i].bit;
	return 0;
}

static int aimd_set(int argc, char **argv)
{
	struct tcpkit_sockref ref, *refp;
	struct tcpkit_aimd a = { .size = sizeof(a) };
	struct sock_args sa;
	struct tcpkit *tk;
	int ret;

	ret = sock_args_parse_all(&sa, argc, argv, "aimd set", aimd_set_kw, &a);
	if (ret)
		return ret;
	if (!a.has)
		return usage_error("\"aimd set\" needs at least one of alpha, beta, beta_ecn");
	ret = sock_args_given(&sa) ? sock_args_check(&sa, true) : 0;
	if (!ret)
		ret = sock_args_open(&sa, &tk, &ref, &refp);
	if (ret)
		return ret;
	ret = tcpkit_aimd_set(tk, refp, &a) ? lib_error() : EXIT_OK;
	sock_args_release(&sa);
	tcpkit_close(tk);
	return ret;
}

int do_aimd(int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "show", aimd_show },
		{ "set", aimd_set },
	};

	return run_cmd("aimd", cmds, ARRAY_SIZE(cmds), aimd_usage, argc, argv);
}
