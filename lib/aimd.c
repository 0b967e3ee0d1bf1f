// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libtcpkit: the aimd congestion control's knobs, global or per socket.
 */
#include <errno.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "internal.h"

static const struct {
	uint16_t type;
	unsigned int has;
	size_t off;
} aimd_u32[] = {
	{ TCPKIT_A_AIMD_ALPHA, TCPKIT_AIMD_HAS_ALPHA,
	  offsetof(struct tcpkit_aimd, alpha) },
	{ TCPKIT_A_AIMD_BETA, TCPKIT_AIMD_HAS_BETA,
	  offsetof(struct tcpkit_aimd, beta) },
	{ TCPKIT_A_AIMD_BETA_ECN, TCPKIT_AIMD_HAS_BETA_ECN,
	  offsetof(struct tcpkit_aimd, beta_ecn) },
	{ TCPKIT_A_AIMD_CWND, TCPKIT_AIMD_HAS_CWND,
	  offsetof(struct tcpkit_aimd, cwnd) },
	{ TCPKIT_A_AIMD_SSTHRESH, TCPKIT_AIMD_HAS_SSTHRESH,
	  offsetof(struct tcpkit_aimd, ssthresh) },
	{ TCPKIT_A_AIMD_LOSS_CUTS, TCPKIT_AIMD_HAS_LOSS_CUTS,
	  offsetof(struct tcpkit_aimd, loss_cuts) },
	{ TCPKIT_A_AIMD_ECN_CUTS, TCPKIT_AIMD_HAS_ECN_CUTS,
	  offsetof(struct tcpkit_aimd, ecn_cuts) },
};

#define AIMD_SETTABLE	(TCPKIT_AIMD_HAS_ALPHA | TCPKIT_AIMD_HAS_BETA | \
			 TCPKIT_AIMD_HAS_BETA_ECN)

static int tk_aimd_cb(struct tcpkit *tk, const struct nlmsghdr *nlh,
		      void *arg)
{
	struct tcpkit_aimd *aimd = arg;
	const struct nlattr *a;
	uint32_t v;
	size_t i;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		if (tk_nla_type(a) == TCPKIT_A_AIMD_OVERRIDE) {
			aimd->override = true;
			continue;
		}
		for (i = 0; i < ARRAY_SIZE(aimd_u32); i++) {
			if (tk_nla_type(a) != aimd_u32[i].type)
				continue;
			if (tk_nla_len(a) != sizeof(v))
				return tk_err(tk, EPROTO,
					      "malformed aimd attribute %u from the kernel",
					      aimd_u32[i].type);
			v = mnl_attr_get_u32(a);
			memcpy((char *)aimd + aimd_u32[i].off, &v, sizeof(v));
			aimd->has |= aimd_u32[i].has;
		}
	}
	return 0;
}

int tcpkit_aimd_get(struct tcpkit *tk, const struct tcpkit_sockref *ref,
		    struct tcpkit_aimd *aimd)
{
	size_t len = tk_struct_len(aimd->size, TK_AIMD_SIZE1, sizeof(*aimd));
	char buf[512] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	int ret;

	if (!len)
		return tk_err(tk, EINVAL, "struct tcpkit_aimd of %u bytes: too small",
			      aimd->size);
	memset(aimd, 0, len);
	aimd->size = len;
	nlh = tk_msg_start(tk, buf, TCPKIT_CMD_AIMD_GET, NLM_F_ACK);
	if (ref) {
		ret = tk_put_sockref(tk, nlh, sizeof(buf), TCPKIT_A_AIMD_SOCK,
				     ref);
		if (ret)
			return ret;
	}
	ret = tk_request(tk, nlh, tk_aimd_cb, aimd);
	if (!ret && !(aimd->has & TCPKIT_AIMD_HAS_ALPHA))
		ret = tk_err(tk, EPROTO, "aimd reply without parameters");
	return ret;
}

int tcpkit_aimd_set(struct tcpkit *tk, const struct tcpkit_sockref *ref,
		    const struct tcpkit_aimd *aimd)
{
	char buf[512] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	uint32_t v;
	size_t i;
	int ret;

	if (!tk_struct_len(aimd->size, TK_AIMD_SIZE1, sizeof(*aimd)))
		return tk_err(tk, EINVAL, "struct tcpkit_aimd of %u bytes: too small",
			      aimd->size);
	if (!(aimd->has & AIMD_SETTABLE))
		return tk_err(tk, EINVAL, "no aimd parameter to set");
	if (aimd->has & ~AIMD_SETTABLE)
		return tk_err(tk, EINVAL,
			      "only alpha, beta and beta_ecn can be set");

	/* Only the fields given travel: the kernel keeps the others. */
	nlh = tk_msg_start(tk, buf, TCPKIT_CMD_AIMD_SET, NLM_F_ACK);
	if (ref) {
		ret = tk_put_sockref(tk, nlh, sizeof(buf), TCPKIT_A_AIMD_SOCK,
				     ref);
		if (ret)
			return ret;
	}
	for (i = 0; i < ARRAY_SIZE(aimd_u32); i++) {
		if (!(aimd->has & aimd_u32[i].has))
			continue;
		memcpy(&v, (const char *)aimd + aimd_u32[i].off, sizeof(v));
		mnl_attr_put_u32(nlh, aimd_u32[i].type, v);
	}
	return tk_request(tk, nlh, NULL, NULL);
}
