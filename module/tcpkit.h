/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpkit: private interfaces between the module's files.
 */
#ifndef _TCPKIT_H
#define _TCPKIT_H

#include <linux/types.h>
#include <linux/netlink.h>

struct sock;

/**
 * struct tcpkit_aimd_params - AIMD parameters, in thousandths
 * @alpha: segments added per RTT in congestion avoidance (1000 = 1)
 * @beta: fraction of cwnd kept after a loss (500 = 0.5)
 * @beta_ecn: fraction kept after an ECE-triggered reduction, 0 = @beta
 */
struct tcpkit_aimd_params {
	u32 alpha;
	u32 beta;
	u32 beta_ecn;
};

/**
 * struct tcpkit_aimd_state - what one aimd connection reports
 * @params: parameters in force on the connection
 * @override: @params were set on this connection, not inherited
 * @cwnd: congestion window, segments
 * @ssthresh: slow start threshold, segments
 * @loss_cuts: multiplicative decreases caused by loss
 * @ecn_cuts: multiplicative decreases caused by ECN echoes
 */
struct tcpkit_aimd_state {
	struct tcpkit_aimd_params params;
	bool override;
	u32 cwnd;
	u32 ssthresh;
	u32 loss_cuts;
	u32 ecn_cuts;
};

/* aimd.c */
int tcpkit_aimd_register(void);
void tcpkit_aimd_unregister(void);
int tcpkit_aimd_params_check(const struct tcpkit_aimd_params *p,
			     struct netlink_ext_ack *extack);
void tcpkit_aimd_get_global(struct tcpkit_aimd_params *p);
int tcpkit_aimd_set_global(const struct tcpkit_aimd_params *p,
			   struct netlink_ext_ack *extack);
int tcpkit_aimd_sk_get(struct sock *sk, struct tcpkit_aimd_state *st,
		       struct netlink_ext_ack *extack);
int tcpkit_aimd_sk_set(struct sock *sk, const struct tcpkit_aimd_params *p,
		       struct netlink_ext_ack *extack);

/* netlink.c */
int tcpkit_genl_register(void);
void tcpkit_genl_unregister(void);

#endif /* _TCPKIT_H */
