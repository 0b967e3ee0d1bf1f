/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/tcpkit.yaml */
/* YNL-GEN kernel header */

#ifndef _LINUX_TCPKIT_GEN_H
#define _LINUX_TCPKIT_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/tcpkit.h>
#include <compat.h>

/* Common nested types */
extern const struct nla_policy tcpkit_conn_aimd_nl_policy[TCPKIT_A_AIMD_BETA_ECN + 1];
extern const struct nla_policy tcpkit_sock_nl_policy[TCPKIT_A_SOCK_IFINDEX + 1];

/* Ops table for tcpkit */
extern const struct genl_split_ops tcpkit_nl_ops[9];

int tcpkit_nl_checkpoint_start(struct netlink_callback *cb);
int tcpkit_nl_checkpoint_done(struct netlink_callback *cb);

int tcpkit_nl_aimd_get_doit(struct sk_buff *skb, struct genl_info *info);
int tcpkit_nl_aimd_set_doit(struct sk_buff *skb, struct genl_info *info);
int tcpkit_nl_conn_get_doit(struct sk_buff *skb, struct genl_info *info);
int tcpkit_nl_conn_checkpoint_dumpit(struct sk_buff *skb,
				     struct netlink_callback *cb);
int tcpkit_nl_conn_restore_doit(struct sk_buff *skb, struct genl_info *info);
int tcpkit_nl_conn_thaw_doit(struct sk_buff *skb, struct genl_info *info);
int tcpkit_nl_frozen_get_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb);
int tcpkit_nl_conn_commit_doit(struct sk_buff *skb, struct genl_info *info);
int tcpkit_nl_conn_abort_doit(struct sk_buff *skb, struct genl_info *info);

#endif /* _LINUX_TCPKIT_GEN_H */
