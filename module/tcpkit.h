/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpkit: private interfaces between the module's files.
 */
#ifndef _TCPKIT_H
#define _TCPKIT_H

#include <linux/bits.h>
#include <linux/types.h>
#include <linux/netlink.h>
#include <net/netlink.h>
#include <net/tcp_states.h>
#include "netlink-gen.h"

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

/* Which fields of struct tcpkit_aimd_params an update carries. */
#define TCPKIT_AIMD_SET_ALPHA		BIT(0)
#define TCPKIT_AIMD_SET_BETA		BIT(1)
#define TCPKIT_AIMD_SET_BETA_ECN	BIT(2)

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
void tcpkit_aimd_params_merge(struct tcpkit_aimd_params *dst,
			      const struct tcpkit_aimd_params *src,
			      unsigned int fields);
void tcpkit_aimd_get_global(struct tcpkit_aimd_params *p);
int tcpkit_aimd_update_global(const struct tcpkit_aimd_params *p,
			      unsigned int fields,
			      struct netlink_ext_ack *extack);
int tcpkit_aimd_sk_get(struct sock *sk, struct tcpkit_aimd_state *st,
		       struct netlink_ext_ack *extack);
int tcpkit_aimd_sk_set(struct sock *sk, const struct tcpkit_aimd_params *p,
		       struct netlink_ext_ack *extack);

/* netlink.c; the handlers and policies are in netlink-gen.h */
extern struct genl_family tcpkit_genl_family;

int tcpkit_genl_register(void);
void tcpkit_genl_unregister(void);

/* sock.c */
struct net;
struct socket;

/**
 * struct tcpkit_sk - a TCP socket named by a request
 * @sk: the socket; a reference is held
 * @sock: its struct socket when named by fd (the file reference keeps @sk),
 *	NULL when found by 4-tuple (then @sk holds its own reference)
 */
struct tcpkit_sk {
	struct sock *sk;
	struct socket *sock;
};

/**
 * tcpkit_extack_set() - report a message chosen at run time
 * @extack: where to put it (may be NULL)
 * @msg: a string that outlives the request (a table entry, or a message
 *	the kernel set for an earlier extack); NULL leaves @extack as it is
 *
 * NL_SET_ERR_MSG() takes only literals.
 */
static inline void tcpkit_extack_set(struct netlink_ext_ack *extack,
				     const char *msg)
{
	if (extack && msg)
		extack->_msg = msg;
}

/**
 * tcpkit_extack_msg() - the message a callee left in @extack
 * @extack: a request's, or one of our own for a step whose message is
 *	passed on later (a set's "sock N: ")
 *
 * Return: the message or NULL. The netlink core reads it the same way.
 */
static inline const char *tcpkit_extack_msg(const struct netlink_ext_ack *extack)
{
	return extack->_msg;
}

struct tcpkit_conn;

int tcpkit_sock_tuple(const struct nlattr *nest, struct nlattr **tb,
		      struct tcpkit_conn *c, struct netlink_ext_ack *extack);
int tcpkit_sk_lookup(const struct sk_buff *skb, struct net *net,
		     const struct nlattr *nest, struct tcpkit_sk *ts,
		     struct netlink_ext_ack *extack);
void tcpkit_sk_put(struct tcpkit_sk *ts);
struct genl_info;
int tcpkit_sock_once(const struct genl_info *info, int type);
void tcpkit_sk_silence(struct sock *sk);

/* checkpoint.c */
#define TCPKIT_ADDR_MAX	16	/* an IPv6 address */
#define TCPKIT_RTT_MAX_US	120000000	/* TCP_RTO_MAX, microseconds */

/**
 * struct tcpkit_conn - one connection's checkpoint header, host order
 *
 * Field names follow the TCPKIT_A_CONN_* attributes they travel in
 * (uapi/linux/tcpkit.h); @addr_len is 4 or 16 after @family.
 */
struct tcpkit_conn {
	u16 family;
	u8 addr_len;
	u8 saddr[TCPKIT_ADDR_MAX];
	u8 daddr[TCPKIT_ADDR_MAX];
	u16 sport;
	u16 dport;
	u32 ifindex;
	u8 v6only;
	u8 state;
	u32 snd_seq;
	u32 rcv_seq;
	u32 snd_qlen;
	u32 unsent_len;
	u32 rcv_qlen;
	u32 mss;
	u8 snd_wscale;
	u8 rcv_wscale;
	u8 sack_ok;
	u8 tstamp_ok;
	u32 ts_val;
	u8 ts_clock;
	bool has_ts_recent;
	u32 ts_recent;
	u32 snd_wl1;
	u32 snd_wnd;
	u32 max_window;
	u32 rcv_wnd;
	u32 rcv_wup;
	u8 nodelay;
	u8 cork;
	u8 keepalive;
	u32 keepidle;
	u32 keepintvl;
	u32 keepcnt;
	u32 user_timeout;
	u32 sndbuf;
	u32 rcvbuf;
	u8 sndbuf_lock;
	u8 rcvbuf_lock;
	u32 mark;
	u32 priority;
	u8 tos;
	u8 reuseaddr;
	char cc[16];
	u32 srtt_us;
	u32 rttvar_us;
	u32 rto_us;
	u32 min_rtt_us;
	u32 cwnd;
	u32 ssthresh;
	bool has_aimd;
	struct tcpkit_aimd_params aimd;
};

/*
 * The states a checkpoint saves, and which FINs each implies: the peer's
 * received (counted in rcv-seq); ours (counted in snd-seq) in FIN_WAIT1,
 * FIN_WAIT2, CLOSING and LAST_ACK, not yet acknowledged but in FIN_WAIT2.
 */
#define TCPKIT_STATES_OK	(TCPF_ESTABLISHED | TCPF_CLOSE_WAIT | \
				 TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2 | \
				 TCPF_CLOSING | TCPF_LAST_ACK)
#define TCPKIT_STATES_PEER_FIN	(TCPF_CLOSE_WAIT | TCPF_CLOSING | TCPF_LAST_ACK)
#define TCPKIT_STATES_FIN_UNACKED (TCPF_FIN_WAIT1 | TCPF_CLOSING | TCPF_LAST_ACK)

/* Is TCP state @state one of the TCPKIT_STATES_* set @set? */
static inline bool tcpkit_state_in(unsigned int state, unsigned int set)
{
	return state < 32 && (BIT(state) & set);
}

int tcpkit_conn_put_header(struct sk_buff *skb, const struct tcpkit_conn *c);
int tcpkit_checkpoint_register(void);
void tcpkit_checkpoint_unregister(void);

/* profile.c */
#define TCPKIT_PROF_PHASES	12

/**
 * struct tcpkit_prof - phase times of one checkpoint or restore
 * @on: profiling was on when it began
 * @n: phases recorded
 * @last: end of the previous phase, ns
 * @name: phase names
 * @ns: time spent in each phase
 */
struct tcpkit_prof {
	bool on;
	int n;
	u64 last;
	const char *name[TCPKIT_PROF_PHASES];
	u64 ns[TCPKIT_PROF_PHASES];
};

void tcpkit_prof_begin(struct tcpkit_prof *p);
void tcpkit_prof_mark(struct tcpkit_prof *p, const char *phase);
void tcpkit_prof_skip(struct tcpkit_prof *p);
void tcpkit_prof_report(const struct tcpkit_prof *p, const char *what,
			u64 bytes);

/* fault.c */
#ifdef CONFIG_FAULT_INJECTION
bool tcpkit_fault(void);
void tcpkit_fault_register(void);
void tcpkit_fault_unregister(void);
#else
static inline bool tcpkit_fault(void)
{
	return false;
}

static inline void tcpkit_fault_register(void)
{
}

static inline void tcpkit_fault_unregister(void)
{
}
#endif

/* hold.c */
struct tcpkit_hold;

struct tcpkit_hold *tcpkit_hold_alloc(void);
void tcpkit_hold_free(struct tcpkit_hold *h);
void tcpkit_hold_park(struct tcpkit_hold *h, struct sock *sk);
u32 tcpkit_hold_start(struct tcpkit_hold *h, struct sock *sk,
		      const struct tcpkit_conn *c, struct net *net, u32 portid);
void tcpkit_hold_drop(u32 id);
int tcpkit_hold_register(void);
void tcpkit_hold_unregister(void);

/* freeze.c */
int tcpkit_freeze_register(void);
void tcpkit_freeze_unregister(void);
int tcpkit_freeze_add(struct net *net, const struct tcpkit_conn *c,
		      struct netlink_ext_ack *extack);
void tcpkit_freeze_unhold(struct net *net, const struct tcpkit_conn *c);
unsigned long tcpkit_freeze_lifetime(void);
void tcpkit_freeze_del(struct net *net, const struct tcpkit_conn *c,
		       struct sk_buff_head *parked);
void tcpkit_freeze_deliver(struct net *net, struct sk_buff_head *parked);

#endif /* _TCPKIT_H */
