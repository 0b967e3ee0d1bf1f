// SPDX-License-Identifier: GPL-2.0
/*
 * tcpkit CLI: the aimd object.
 */
#include <stdio.h>
#include <string.h>

#include "tcpkit.h"

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
	struct tcpkit_sockref ref, *refp = NULL;
	struct tcpkit_aimd a;
	struct sock_args sa;
	struct tcpkit *tk;
	int ret, r;

	sock_args_init(&sa);
	while (argc > 0) {
		r = sock_args_parse(&sa, &argc, &argv, &ret);
		if (r < 0)
			return ret;
		if (!r)
			return usage_error("unknown keyword \"%s\" for \"aimd show\"",
					   *argv);
		argc--;
		argv++;
	}
	if (sock_args_given(&sa)) {
		ret = sock_args_check(&sa, true);
		if (ret)
			return ret;
	}
	tk = open_tcpkit();
	if (!tk)
		return EXIT_SYSERR;
	if (sock_args_given(&sa)) {
		ret = sock_args_resolve(&sa, &ref);
		if (ret)
			goto out;
		refp = &ref;
	}
	if (tcpkit_aimd_get(tk, refp, &a)) {
		ret = lib_error();
		goto out;
	}
	print_open(NULL);
	print_milli("alpha", a.alpha);
	print_milli("beta", a.beta);
	if (a.has & TCPKIT_AIMD_HAS_BETA_ECN)
		print_milli("beta_ecn", a.beta_ecn);
	if (refp) {
		print_bool("override", a.override);
		if (a.has & TCPKIT_AIMD_HAS_CWND)
			print_uint("cwnd", a.cwnd);
		if (a.has & TCPKIT_AIMD_HAS_SSTHRESH)
			print_uint("ssthresh", a.ssthresh);
		if (a.has & TCPKIT_AIMD_HAS_LOSS_CUTS)
			print_uint("loss_cuts", a.loss_cuts);
		if (a.has & TCPKIT_AIMD_HAS_ECN_CUTS)
			print_uint("ecn_cuts", a.ecn_cuts);
	}
	print_close();
	ret = EXIT_OK;
out:
	sock_args_release(&sa);
	tcpkit_close(tk);
	return ret;
}

static int aimd_param(const char *kw, const char *val, uint32_t *dst,
		      unsigned int bit, unsigned int *has)
{
	if (*has & bit)
		return usage_error("\"%s\" given twice", kw);
	if (parse_milli(val, dst))
		return usage_error("bad %s \"%s\": expected a decimal number with at most 3 decimals, e.g. 0.529",
				   kw, val);
	*has |= bit;
	return 0;
}

static int aimd_set(int argc, char **argv)
{
	struct tcpkit_sockref ref, *refp = NULL;
	struct tcpkit_aimd a = { 0 };
	struct sock_args sa;
	struct tcpkit *tk;
	int ret, r;

	sock_args_init(&sa);
	while (argc > 0) {
		r = sock_args_parse(&sa, &argc, &argv, &ret);
		if (r < 0)
			return ret;
		if (r) {
			/* consumed */
		} else if (!strcmp(*argv, "alpha")) {
			NEXT_ARG();
			ret = aimd_param("alpha", *argv, &a.alpha,
					 TCPKIT_AIMD_HAS_ALPHA, &a.has);
		} else if (!strcmp(*argv, "beta")) {
			NEXT_ARG();
			ret = aimd_param("beta", *argv, &a.beta,
					 TCPKIT_AIMD_HAS_BETA, &a.has);
		} else if (!strcmp(*argv, "beta_ecn")) {
			NEXT_ARG();
			ret = aimd_param("beta_ecn", *argv, &a.beta_ecn,
					 TCPKIT_AIMD_HAS_BETA_ECN, &a.has);
		} else {
			return usage_error("unknown keyword \"%s\" for \"aimd set\"",
					   *argv);
		}
		if (ret)
			return ret;
		argc--;
		argv++;
	}
	if (!a.has)
		return usage_error("\"aimd set\" needs at least one of alpha, beta, beta_ecn");
	if (sock_args_given(&sa)) {
		ret = sock_args_check(&sa, true);
		if (ret)
			return ret;
	}
	tk = open_tcpkit();
	if (!tk)
		return EXIT_SYSERR;
	if (sock_args_given(&sa)) {
		ret = sock_args_resolve(&sa, &ref);
		if (ret)
			goto out;
		refp = &ref;
	}
	ret = tcpkit_aimd_set(tk, refp, &a) ? lib_error() : EXIT_OK;
out:
	sock_args_release(&sa);
	tcpkit_close(tk);
	return ret;
}

int do_aimd(int argc, char **argv)
{
	if (argc < 1) {
		aimd_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(*argv, "show"))
		return aimd_show(argc - 1, argv + 1);
	if (!strcmp(*argv, "set"))
		return aimd_set(argc - 1, argv + 1);
	if (!strcmp(*argv, "help")) {
		aimd_usage(stdout);
		return EXIT_OK;
	}
	return usage_error("unknown command \"%s\" for \"aimd\", try \"tcpkit aimd help\"",
			   *argv);
}
