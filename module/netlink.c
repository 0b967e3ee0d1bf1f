// SPDX-License-Identifier: GPL-2.0
/*
 * tcpkit: the "tcpkit" generic netlink family.
 *
 * Documentation/netlink/specs/tcpkit.yaml is the source of truth; the
 * policies below follow it attribute by attribute. Every op has its own
 * strict policy (6.1 has no split ops, so struct genl_ops carries one policy
 * for do and dump alike). Socket commands need CAP_NET_ADMIN in the user
 * namespace owning the caller's netns; the global AIMD knobs need it in the
 * initial one. Handlers take their own locks (parallel_ops): a restore can
 * sleep for a while and must not hold genl_mutex meanwhile.
 */
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/module.h>
#include <linux/socket.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>
#include <net/tcp.h>

#include <linux/tcpkit.h>

#include "compat.h"
#include "tcpkit.h"

/* nla_policy keeps 16-bit limits inline; wider ones go through a range.
 * 6.1 takes a non-const pointer, so these cannot be const.
 */
static struct netlink_range_validation tcpkit_range_int = {
	.max = INT_MAX,
};

static struct netlink_range_validation tcpkit_range_rtt = {
	.max = TCPKIT_RTT_MAX_US,
};

static struct netlink_range_validation tcpkit_range_rto = {
	.min = 1,
	.max = TCPKIT_RTT_MAX_US,
};

static struct netlink_range_validation tcpkit_range_cwnd = {
	.min = 1,
	.max = INT_MAX,
};

static struct netlink_range_validation tcpkit_range_ssthresh = {
	.min = 2,
	.max = TCP_INFINITE_SSTHRESH,
};

static struct netlink_range_validation tcpkit_range_alpha = {
	.min = TCPKIT_AIMD_ALPHA_MIN,
	.max = TCPKIT_AIMD_ALPHA_MAX,
};

static struct netlink_range_validation tcpkit_range_mss = {
	.min = TCP_MIN_MSS,
	.max = U16_MAX,
};

static struct netlink_range_validation tcpkit_range_chunk = {
	.min = 1,
	.max = TCPKIT_CHUNK_MAX,
};

const struct nla_policy tcpkit_sock_policy[TCPKIT_A_SOCK_MAX + 1] = {
	[TCPKIT_A_SOCK_FD]	= NLA_POLICY_FULL_RANGE(NLA_U32, &tcpkit_range_int),
	[TCPKIT_A_SOCK_FAMILY]	= NLA_POLICY_RANGE(NLA_U16, AF_INET, AF_INET6),
	[TCPKIT_A_SOCK_SADDR]	= NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
	[TCPKIT_A_SOCK_DADDR]	= NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
	[TCPKIT_A_SOCK_SPORT]	= NLA_POLICY_MIN(NLA_U16, 1),
	[TCPKIT_A_SOCK_DPORT]	= NLA_POLICY_MIN(NLA_U16, 1),
	[TCPKIT_A_SOCK_IFINDEX]	= NLA_POLICY_FULL_RANGE(NLA_U32, &tcpkit_range_int),
};

/* The aimd nest inside a connection image: parameters only. */
const struct nla_policy tcpkit_conn_aimd_policy[TCPKIT_A_AIMD_BETA_ECN + 1] = {
	[TCPKIT_A_AIMD_ALPHA]	= NLA_POLICY_FULL_RANGE(NLA_U32, &tcpkit_range_alpha),
	[TCPKIT_A_AIMD_BETA]	= NLA_POLICY_RANGE(NLA_U32, TCPKIT_AIMD_BETA_MIN,
						   TCPKIT_AIMD_BETA_MAX),
	[TCPKIT_A_AIMD_BETA_ECN] = NLA_POLICY_MAX(NLA_U32, TCPKIT_AIMD_BETA_MAX),
};

static const struct nla_policy tcpkit_aimd_get_policy[TCPKIT_A_AIMD_SOCK + 1] = {
	[TCPKIT_A_AIMD_SOCK]	= NLA_POLICY_NESTED(tcpkit_sock_policy),
};

static const struct nla_policy tcpkit_aimd_set_policy[TCPKIT_A_AIMD_BETA_ECN + 1] = {
	[TCPKIT_A_AIMD_SOCK]	= NLA_POLICY_NESTED(tcpkit_sock_policy),
	[TCPKIT_A_AIMD_ALPHA]	= NLA_POLICY_FULL_RANGE(NLA_U32, &tcpkit_range_alpha),
	[TCPKIT_A_AIMD_BETA]	= NLA_POLICY_RANGE(NLA_U32, TCPKIT_AIMD_BETA_MIN,
						   TCPKIT_AIMD_BETA_MAX),
	[TCPKIT_A_AIMD_BETA_ECN] = NLA_POLICY_MAX(NLA_U32, TCPKIT_AIMD_BETA_MAX),
};

static const struct nla_policy tcpkit_conn_get_policy[TCPKIT_A_CONN_SOCK + 1] = {
	[TCPKIT_A_CONN_SOCK]	= NLA_POLICY_NESTED(tcpkit_sock_policy),
};

const struct nla_policy tcpkit_checkpoint_policy[TCPKIT_A_CONN_STOP + 1] = {
	[TCPKIT_A_CONN_SOCK]	= NLA_POLICY_NESTED(tcpkit_sock_policy),
	[TCPKIT_A_CONN_STOP]	= { .type = NLA_FLAG },
};

static const struct nla_policy tcpkit_hold_policy[TCPKIT_A_CONN_HOLD + 1] = {
	[TCPKIT_A_CONN_HOLD]	= NLA_POLICY_MIN(NLA_U32, 1),
};

static const struct nla_policy tcpkit_restore_policy[TCPKIT_A_CONN_MAX + 1] = {
	[TCPKIT_A_CONN_SOCK]	= NLA_POLICY_NESTED(tcpkit_sock_policy),
	[TCPKIT_A_CONN_STOP]	= {
		.type = NLA_REJECT,
		.reject_message = "stop applies to checkpoint, not restore",
	},
	[TCPKIT_A_CONN_FAMILY]	= NLA_POLICY_RANGE(NLA_U16, AF_INET, AF_INET6),
	[TCPKIT_A_CONN_SADDR]	= NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
	[TCPKIT_A_CONN_DADDR]	= NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
	[TCPKIT_A_CONN_SPORT]	= NLA_POLICY_MIN(NLA_U16, 1),
	[TCPKIT_A_CONN_DPORT]	= NLA_POLICY_MIN(NLA_U16, 1),
	[TCPKIT_A_CONN_IFINDEX]	= NLA_POLICY_FULL_RANGE(NLA_U32, &tcpkit_range_int),
	[TCPKIT_A_CONN_V6ONLY]	= NLA_POLICY_MAX(NLA_U8, 1),
	[TCPKIT_A_CONN_STATE]	= NLA_POLICY_RANGE(NLA_U8, TCP_ESTABLISHED,
						   TCP_CLOSING),
	[TCPKIT_A_CONN_SND_SEQ]	= { .type = NLA_U32 },
	[TCPKIT_A_CONN_RCV_SEQ]	= { .type = NLA_U32 },
	[TCPKIT_A_CONN_SND_QLEN] = { .type = NLA_U32 },
	[TCPKIT_A_CONN_UNSENT_LEN] = { .type = NLA_U32 },
	[TCPKIT_A_CONN_RCV_QLEN] = { .type = NLA_U32 },
	[TCPKIT_A_CONN_MSS]	= NLA_POLICY_FULL_RANGE(NLA_U32, &tcpkit_range_mss),
	[TCPKIT_A_CONN_SND_WSCALE] = NLA_POLICY_MAX(NLA_U8, TCP_MAX_WSCALE),
	[TCPKIT_A_CONN_RCV_WSCALE] = NLA_POLICY_MAX(NLA_U8, TCP_MAX_WSCALE),
	[TCPKIT_A_CONN_SACK_OK]	= NLA_POLICY_MAX(NLA_U8, 1),
	[TCPKIT_A_CONN_TSTAMP_OK] = NLA_POLICY_MAX(NLA_U8, 1),
	[TCPKIT_A_CONN_TS_VAL]	= { .type = NLA_U32 },
	[TCPKIT_A_CONN_TS_CLOCK] = NLA_POLICY_RANGE(NLA_U8, TCPKIT_TS_CLOCK_MS,
						    TCPKIT_TS_CLOCK_US),
	[TCPKIT_A_CONN_SND_WL1]	= { .type = NLA_U32 },
	[TCPKIT_A_CONN_SND_WND]	= { .type = NLA_U32 },
	[TCPKIT_A_CONN_MAX_WINDOW] = { .type = NLA_U32 },
	[TCPKIT_A_CONN_RCV_WND]	= { .type = NLA_U32 },
	[TCPKIT_A_CONN_RCV_WUP]	= { .type = NLA_U32 },
	[TCPKIT_A_CONN_NODELAY]	= NLA_POLICY_MAX(NLA_U8, 1),
	[TCPKIT_A_CONN_CORK]	= NLA_POLICY_MAX(NLA_U8, 1),
	[TCPKIT_A_CONN_KEEPALIVE] = NLA_POLICY_MAX(NLA_U8, 1),
	[TCPKIT_A_CONN_KEEPIDLE] = NLA_POLICY_RANGE(NLA_U32, 1, MAX_TCP_KEEPIDLE),
	[TCPKIT_A_CONN_KEEPINTVL] = NLA_POLICY_RANGE(NLA_U32, 1, MAX_TCP_KEEPINTVL),
	[TCPKIT_A_CONN_KEEPCNT]	= NLA_POLICY_RANGE(NLA_U32, 1, MAX_TCP_KEEPCNT),
	[TCPKIT_A_CONN_USER_TIMEOUT] = NLA_POLICY_FULL_RANGE(NLA_U32,
							     &tcpkit_range_int),
	[TCPKIT_A_CONN_SNDBUF]	= NLA_POLICY_FULL_RANGE(NLA_U32, &tcpkit_range_int),
	[TCPKIT_A_CONN_RCVBUF]	= NLA_POLICY_FULL_RANGE(NLA_U32, &tcpkit_range_int),
	[TCPKIT_A_CONN_SNDBUF_LOCK] = NLA_POLICY_MAX(NLA_U8, 1),
	[TCPKIT_A_CONN_RCVBUF_LOCK] = NLA_POLICY_MAX(NLA_U8, 1),
	[TCPKIT_A_CONN_MARK]	= { .type = NLA_U32 },
	[TCPKIT_A_CONN_PRIORITY] = { .type = NLA_U32 },
	[TCPKIT_A_CONN_TOS]	= { .type = NLA_U8 },
	[TCPKIT_A_CONN_REUSEADDR] = NLA_POLICY_MAX(NLA_U8, 1),
	[TCPKIT_A_CONN_CC]	= { .type = NLA_NUL_STRING,
				    .len = TCP_CA_NAME_MAX - 1 },
	[TCPKIT_A_CONN_AIMD]	= NLA_POLICY_NESTED(tcpkit_conn_aimd_policy),
	[TCPKIT_A_CONN_SND_DATA] = NLA_POLICY_FULL_RANGE(NLA_BINARY,
							 &tcpkit_range_chunk),
	[TCPKIT_A_CONN_RCV_DATA] = NLA_POLICY_FULL_RANGE(NLA_BINARY,
							 &tcpkit_range_chunk),
	[TCPKIT_A_CONN_SRTT_US]	= NLA_POLICY_FULL_RANGE(NLA_U32, &tcpkit_range_rtt),
	[TCPKIT_A_CONN_RTTVAR_US] = NLA_POLICY_FULL_RANGE(NLA_U32,
							  &tcpkit_range_rtt),
	[TCPKIT_A_CONN_RTO_US]	= NLA_POLICY_FULL_RANGE(NLA_U32, &tcpkit_range_rto),
	[TCPKIT_A_CONN_MIN_RTT_US] = NLA_POLICY_FULL_RANGE(NLA_U32,
							   &tcpkit_range_rtt),
	[TCPKIT_A_CONN_CWND]	= NLA_POLICY_FULL_RANGE(NLA_U32, &tcpkit_range_cwnd),
	[TCPKIT_A_CONN_SSTHRESH] = NLA_POLICY_FULL_RANGE(NLA_U32,
							 &tcpkit_range_ssthresh),
	[TCPKIT_A_CONN_CONSERVATIVE] = { .type = NLA_FLAG },
};

static int tcpkit_aimd_put(struct sk_buff *msg,
			   const struct tcpkit_aimd_params *p)
{
	if (nla_put_u32(msg, TCPKIT_A_AIMD_ALPHA, p->alpha) ||
	    nla_put_u32(msg, TCPKIT_A_AIMD_BETA, p->beta) ||
	    nla_put_u32(msg, TCPKIT_A_AIMD_BETA_ECN, p->beta_ecn))
		return -EMSGSIZE;
	return 0;
}

static int tcpkit_aimd_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *nest = info->attrs[TCPKIT_A_AIMD_SOCK];
	struct tcpkit_aimd_state st = {};
	struct sk_buff *msg;
	struct tcpkit_sk ts;
	void *hdr;
	int err;

	if (nest) {
		err = tcpkit_sk_lookup(skb, genl_info_net(info), nest, &ts,
				       info->extack);
		if (err)
			return err;
		lock_sock(ts.sk);
		err = tcpkit_aimd_sk_get(ts.sk, &st, info->extack);
		release_sock(ts.sk);
		tcpkit_sk_put(&ts);
		if (err)
			return err;
	} else {
		tcpkit_aimd_get_global(&st.params);
	}

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &tcpkit_genl_family, 0,
				TCPKIT_CMD_AIMD_GET);
	if (!hdr)
		goto nospace;
	if (tcpkit_aimd_put(msg, &st.params))
		goto nospace;
	if (nest &&
	    (nla_put_u32(msg, TCPKIT_A_AIMD_CWND, st.cwnd) ||
	     nla_put_u32(msg, TCPKIT_A_AIMD_SSTHRESH, st.ssthresh) ||
	     nla_put_u32(msg, TCPKIT_A_AIMD_LOSS_CUTS, st.loss_cuts) ||
	     nla_put_u32(msg, TCPKIT_A_AIMD_ECN_CUTS, st.ecn_cuts) ||
	     (st.override && nla_put_flag(msg, TCPKIT_A_AIMD_OVERRIDE))))
		goto nospace;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* Read the values a set request carries: Return: TCPKIT_AIMD_SET_* bits. */
static unsigned int tcpkit_aimd_req(struct tcpkit_aimd_params *p,
				    struct nlattr **attrs)
{
	unsigned int fields = 0;

	if (attrs[TCPKIT_A_AIMD_ALPHA]) {
		p->alpha = nla_get_u32(attrs[TCPKIT_A_AIMD_ALPHA]);
		fields |= TCPKIT_AIMD_SET_ALPHA;
	}
	if (attrs[TCPKIT_A_AIMD_BETA]) {
		p->beta = nla_get_u32(attrs[TCPKIT_A_AIMD_BETA]);
		fields |= TCPKIT_AIMD_SET_BETA;
	}
	if (attrs[TCPKIT_A_AIMD_BETA_ECN]) {
		p->beta_ecn = nla_get_u32(attrs[TCPKIT_A_AIMD_BETA_ECN]);
		fields |= TCPKIT_AIMD_SET_BETA_ECN;
	}
	return fields;
}

static int tcpkit_aimd_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *nest = info->attrs[TCPKIT_A_AIMD_SOCK];
	struct netlink_ext_ack *extack = info->extack;
	struct tcpkit_aimd_params req = {};
	struct tcpkit_aimd_state st;
	struct tcpkit_sk ts;
	unsigned int fields;
	int err;

	fields = tcpkit_aimd_req(&req, info->attrs);
	if (!fields) {
		NL_SET_ERR_MSG(extack, "nothing to set: give alpha, beta or beta-ecn");
		return -EINVAL;
	}

	if (!nest) {
		/* One set of values for every netns: the initial user ns
		 * decides, like GENL_ADMIN_PERM would.
		 */
		if (!netlink_capable(skb, CAP_NET_ADMIN)) {
			NL_SET_ERR_MSG(extack,
				       "global AIMD parameters need CAP_NET_ADMIN in the initial user namespace");
			return -EPERM;
		}
		return tcpkit_aimd_update_global(&req, fields, extack);
	}

	/* Attributes absent from the request keep their current value; the
	 * socket lock makes the read-merge-write one step.
	 */
	err = tcpkit_sk_lookup(skb, genl_info_net(info), nest, &ts, extack);
	if (err)
		return err;
	lock_sock(ts.sk);
	err = tcpkit_aimd_sk_get(ts.sk, &st, extack);
	if (!err) {
		tcpkit_aimd_params_merge(&st.params, &req, fields);
		err = tcpkit_aimd_sk_set(ts.sk, &st.params, extack);
	}
	release_sock(ts.sk);
	tcpkit_sk_put(&ts);
	return err;
}

static const struct genl_ops tcpkit_genl_ops[] = {
	{
		.cmd		= TCPKIT_CMD_AIMD_GET,
		.doit		= tcpkit_aimd_get_doit,
		.policy		= tcpkit_aimd_get_policy,
		.maxattr	= ARRAY_SIZE(tcpkit_aimd_get_policy) - 1,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= TCPKIT_CMD_AIMD_SET,
		.doit		= tcpkit_aimd_set_doit,
		.policy		= tcpkit_aimd_set_policy,
		.maxattr	= ARRAY_SIZE(tcpkit_aimd_set_policy) - 1,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= TCPKIT_CMD_CONN_GET,
		.doit		= tcpkit_nl_conn_get_doit,
		.policy		= tcpkit_conn_get_policy,
		.maxattr	= ARRAY_SIZE(tcpkit_conn_get_policy) - 1,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= TCPKIT_CMD_CONN_CHECKPOINT,
		.start		= tcpkit_nl_checkpoint_start,
		.dumpit		= tcpkit_nl_checkpoint_dumpit,
		.done		= tcpkit_nl_checkpoint_done,
		.policy		= tcpkit_checkpoint_policy,
		.maxattr	= ARRAY_SIZE(tcpkit_checkpoint_policy) - 1,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= TCPKIT_CMD_CONN_RESTORE,
		.doit		= tcpkit_nl_conn_restore_doit,
		.policy		= tcpkit_restore_policy,
		.maxattr	= ARRAY_SIZE(tcpkit_restore_policy) - 1,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= TCPKIT_CMD_CONN_THAW,
		.doit		= tcpkit_nl_thaw_doit,
		.policy		= tcpkit_conn_get_policy,
		.maxattr	= ARRAY_SIZE(tcpkit_conn_get_policy) - 1,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		/* No policy: the request takes no attribute at all. */
		.cmd		= TCPKIT_CMD_FROZEN_GET,
		.dumpit		= tcpkit_nl_frozen_dumpit,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= TCPKIT_CMD_CONN_COMMIT,
		.doit		= tcpkit_nl_conn_commit_doit,
		.policy		= tcpkit_hold_policy,
		.maxattr	= ARRAY_SIZE(tcpkit_hold_policy) - 1,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd		= TCPKIT_CMD_CONN_ABORT,
		.doit		= tcpkit_nl_conn_abort_doit,
		.policy		= tcpkit_hold_policy,
		.maxattr	= ARRAY_SIZE(tcpkit_hold_policy) - 1,
		.flags		= GENL_UNS_ADMIN_PERM,
	},
};

struct genl_family tcpkit_genl_family __ro_after_init = {
	.name		= TCPKIT_FAMILY_NAME,
	.version	= TCPKIT_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.ops		= tcpkit_genl_ops,
	.n_ops		= ARRAY_SIZE(tcpkit_genl_ops),
};

/**
 * tcpkit_genl_register() - make the "tcpkit" family available
 *
 * Called after the freeze tables and the hold notifier, which every
 * handler may use, exist.
 *
 * Return: 0 or the error of genl_register_family().
 */
int tcpkit_genl_register(void)
{
	return genl_register_family(&tcpkit_genl_family);
}

/**
 * tcpkit_genl_unregister() - withdraw the family
 *
 * Called in module exit before the holds are given back, so that no new
 * one appears. Running dumps hold a module reference, so none is left
 * when this runs.
 */
void tcpkit_genl_unregister(void)
{
	genl_unregister_family(&tcpkit_genl_family);
}
