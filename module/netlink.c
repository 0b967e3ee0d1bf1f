// SPDX-License-Identifier: GPL-2.0
/*
 * tcpkit: the "tcpkit" generic netlink family.
 *
 * The policies and the op table are generated from the YNL spec
 * (Documentation/netlink/specs/tcpkit.yaml) into netlink-gen.c: every op
 * has its own strict policy. Socket commands need CAP_NET_ADMIN in the user
 * namespace owning the caller's netns; the global AIMD knobs need it in the
 * initial one. Handlers take their own locks (parallel_ops): a restore can
 * sleep for a while and must not hold genl_mutex meanwhile.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>
#include <net/tcp.h>

#include <linux/tcpkit.h>

#include "compat.h"
#include "tcpkit.h"

static int tcpkit_aimd_put(struct sk_buff *msg,
			   const struct tcpkit_aimd_params *p)
{
	if (nla_put_u32(msg, TCPKIT_A_AIMD_ALPHA, p->alpha) ||
	    nla_put_u32(msg, TCPKIT_A_AIMD_BETA, p->beta) ||
	    nla_put_u32(msg, TCPKIT_A_AIMD_BETA_ECN, p->beta_ecn))
		return -EMSGSIZE;
	return 0;
}

/**
 * tcpkit_nl_aimd_get_doit() - TCPKIT_CMD_AIMD_GET
 * @skb: the request
 * @info: its attributes; sock names a socket, else the global parameters
 *
 * Return: 0 with the reply sent, or a negative errno with extack.
 */
int tcpkit_nl_aimd_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *nest = info->attrs[TCPKIT_A_AIMD_SOCK];
	struct tcpkit_aimd_state st = {};
	struct sk_buff *msg;
	struct tcpkit_sk ts;
	void *hdr;
	int err;

	if (nest) {
		err = tcpkit_sock_once(info, TCPKIT_A_AIMD_SOCK);
		if (!err)
			err = tcpkit_sk_lookup(skb, genl_info_net(info), nest,
					       &ts, info->extack);
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

/**
 * tcpkit_nl_aimd_set_doit() - TCPKIT_CMD_AIMD_SET
 * @skb: the request
 * @info: its attributes; sock names a socket, else the global parameters
 *
 * Return: 0, or a negative errno with extack.
 */
int tcpkit_nl_aimd_set_doit(struct sk_buff *skb, struct genl_info *info)
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
	err = tcpkit_sock_once(info, TCPKIT_A_AIMD_SOCK);
	if (!err)
		err = tcpkit_sk_lookup(skb, genl_info_net(info), nest, &ts,
				       extack);
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

struct genl_family tcpkit_genl_family __ro_after_init = {
	.name		= TCPKIT_FAMILY_NAME,
	.version	= TCPKIT_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	TCPKIT_GENL_FAMILY_OPS,
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
