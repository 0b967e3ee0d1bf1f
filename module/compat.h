/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpkit: the one place for differences between supported kernels.
 * Kbuild probes the target tree and defines TCPKIT_HAVE_* for each feature;
 * the shims below are named after the feature, never after a version.
 */
#ifndef _TCPKIT_COMPAT_H
#define _TCPKIT_COMPAT_H

#include <linux/tcp.h>
#include <net/inet6_hashtables.h>
#include <net/inet_hashtables.h>
#include <net/genetlink.h>
#include <net/inet_sock.h>
#include <net/netlink.h>
#include <net/tcp.h>

#include <linux/tcpkit.h>

/*
 * Microsecond TCP timestamps (tp->tcp_usec_ts) arrived together with
 * TCPI_OPT_USEC_TS in the uapi, so that define is the probe when Kbuild
 * did not set TCPKIT_HAVE_TCP_USEC_TS itself.
 */
#if !defined(TCPKIT_HAVE_TCP_USEC_TS) && defined(TCPI_OPT_USEC_TS)
#define TCPKIT_HAVE_TCP_USEC_TS 1
#endif

/**
 * tcpkit_tcp_ts_now() - a socket's TCP timestamp clock, as it reads now
 * @tp: the socket, locked by the caller
 * @clock: set to the clock kind (enum tcpkit_ts_clock)
 *
 * Return: the value getsockopt(TCP_TIMESTAMP) reports, without the clock
 * kind folded into bit 0.
 */
static inline u32 tcpkit_tcp_ts_now(const struct tcp_sock *tp, u8 *clock)
{
#ifdef TCPKIT_HAVE_TCP_USEC_TS
	*clock = tp->tcp_usec_ts ? TCPKIT_TS_CLOCK_US : TCPKIT_TS_CLOCK_MS;
	return tcp_clock_ts(tp->tcp_usec_ts) + READ_ONCE(tp->tsoffset);
#else
	*clock = TCPKIT_TS_CLOCK_MS;
	return tcp_time_stamp_raw() + READ_ONCE(tp->tsoffset);
#endif
}

/**
 * tcpkit_ts_clock_supported() - can this kernel run a TCP timestamp clock
 * @clock: enum tcpkit_ts_clock
 *
 * Return: true if setsockopt(TCP_TIMESTAMP) can restore @clock.
 */
static inline bool tcpkit_ts_clock_supported(u8 clock)
{
#ifdef TCPKIT_HAVE_TCP_USEC_TS
	return clock == TCPKIT_TS_CLOCK_MS || clock == TCPKIT_TS_CLOCK_US;
#else
	return clock == TCPKIT_TS_CLOCK_MS;
#endif
}

/**
 * tcpkit_tcp_ts_optval() - the TCP_TIMESTAMP option value for a clock
 * @val: the timestamp value the clock must read from now on
 * @clock: enum tcpkit_ts_clock, supported by this kernel
 *
 * Since 6.7 the option value carries the clock kind in bit 0 (set for
 * microseconds), at the price of one unit of the value: round up, so that
 * the restored clock never reads less than the last TSval the peer saw.
 *
 * Return: the int to pass to setsockopt(TCP_TIMESTAMP).
 */
static inline int tcpkit_tcp_ts_optval(u32 val, u8 clock)
{
#ifdef TCPKIT_HAVE_TCP_USEC_TS
	if (clock == TCPKIT_TS_CLOCK_US)
		val |= 1;
	else
		val = (val + 1) & ~1U;
#endif
	return (int)val;
}

/**
 * tcpkit_tcp_set_state() - move a restored socket on to a closing state
 * @sk: the socket, locked, in a state tcpkit restores (never CLOSE)
 * @state: the new state: CLOSE_WAIT, FIN_WAIT2 or CLOSING
 *
 * tcp_set_state() is no longer exported on 7.x. For these moves it only
 * takes the socket out of the CurrEstab count when it leaves ESTABLISHED
 * or CLOSE_WAIT for a state other than CLOSE_WAIT, and stores the state;
 * inet_sk_set_state() (exported) stores it, tracepoint included. Only a
 * BPF_SOCK_OPS_STATE_CB program would miss the step.
 */
static inline void tcpkit_tcp_set_state(struct sock *sk, int state)
{
#ifdef TCPKIT_HAVE_TCP_SET_STATE_EXPORT
	tcp_set_state(sk, state);
#else
	int old = sk->sk_state;

	if ((old == TCP_ESTABLISHED || old == TCP_CLOSE_WAIT) &&
	    state != TCP_CLOSE_WAIT)
		TCP_DEC_STATS(sock_net(sk), TCP_MIB_CURRESTAB);
	inet_sk_set_state(sk, state);
#endif
}

/**
 * tcpkit_inet_lookup_established() - find an established IPv4 TCP socket
 * @net: the network namespace whose TCP hash table is searched
 * @saddr: remote address, as an arriving segment's source
 * @sport: remote port
 * @daddr: local address
 * @dport: local port
 * @dif: device index or 0
 *
 * 7.x looks the netns' hashinfo up itself and dropped the argument.
 * Caller holds rcu_read_lock().
 *
 * Return: the socket with a reference held, or NULL.
 */
static inline struct sock *
tcpkit_inet_lookup_established(struct net *net, __be32 saddr, __be16 sport,
			       __be32 daddr, __be16 dport, int dif)
{
#ifdef TCPKIT_HAVE_INET_LOOKUP_NO_HASHINFO
	return inet_lookup_established(net, saddr, sport, daddr, dport, dif);
#else
	return inet_lookup_established(net, net->ipv4.tcp_death_row.hashinfo,
				       saddr, sport, daddr, dport, dif);
#endif
}

#if IS_ENABLED(CONFIG_IPV6)
/**
 * tcpkit_inet6_lookup_established() - find an established IPv6 TCP socket
 * @net: the network namespace whose TCP hash table is searched
 * @saddr: remote address, as an arriving segment's source
 * @sport: remote port
 * @daddr: local address
 * @hnum: local port, host order
 * @dif: device index or 0
 *
 * Same change as tcpkit_inet_lookup_established(). Caller holds
 * rcu_read_lock().
 *
 * Return: the socket with a reference held, or NULL.
 */
static inline struct sock *
tcpkit_inet6_lookup_established(struct net *net, const struct in6_addr *saddr,
				__be16 sport, const struct in6_addr *daddr,
				u16 hnum, int dif)
{
#ifdef TCPKIT_HAVE_INET6_LOOKUP_NO_HASHINFO
	return __inet6_lookup_established(net, saddr, sport, daddr, hnum,
					  dif, 0);
#else
	return __inet6_lookup_established(net,
					  net->ipv4.tcp_death_row.hashinfo,
					  saddr, sport, daddr, hnum, dif, 0);
#endif
}
#endif

/*
 * 7.x: kernel_bind() and kernel_connect() take struct sockaddr_unsized, of
 * which struct sockaddr_storage is one.
 */
#ifdef TCPKIT_HAVE_SOCKADDR_UNSIZED
#define tcpkit_kernel_sockaddr(ss) ((struct sockaddr_unsized *)(ss))
#else
#define tcpkit_kernel_sockaddr(ss) ((struct sockaddr *)(ss))
#endif

/*
 * netlink-gen.c (ynl-gen-c) writes its op table as split ops, which 6.1
 * lacks. There, struct genl_ops has every member that table sets (cmd, doit,
 * start, dumpit, done, policy, maxattr, flags), so the same initialisers
 * make a genl_ops table; the GENL_CMD_CAP_* bits in its flags only repeat
 * what genetlink reports from the callbacks. This holds while no command
 * is both a do and a dump (split ops give each its own entry, genl_ops one
 * per command). TCPKIT_GENL_FAMILY_OPS puts the table into the family.
 */
#ifndef TCPKIT_HAVE_GENL_SPLIT_OPS
#define genl_split_ops genl_ops
#define TCPKIT_GENL_FAMILY_OPS \
	.ops = tcpkit_nl_ops, .n_ops = ARRAY_SIZE(tcpkit_nl_ops)
#else
#define TCPKIT_GENL_FAMILY_OPS \
	.split_ops = tcpkit_nl_ops, .n_split_ops = ARRAY_SIZE(tcpkit_nl_ops)
#endif

/**
 * tcpkit_dump_attrs() - a dump request's attributes, parsed by genetlink
 * @cb: the dump, in its start callback or later
 *
 * Return: the attribute table, validated against the op's policy.
 */
static inline struct nlattr **tcpkit_dump_attrs(struct netlink_callback *cb)
{
#ifdef TCPKIT_HAVE_GENL_SPLIT_OPS
	return genl_dumpit_info(cb)->info.attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

/*
 * netlink-gen.c points policies at const ranges; 6.1's range pointer is
 * not const yet, though the kernel only reads through it: cast.
 */
#ifndef TCPKIT_HAVE_CONST_RANGE_PTR
#undef NLA_POLICY_FULL_RANGE
#define NLA_POLICY_FULL_RANGE(tp, _range) {				\
	.type = NLA_ENSURE_UINT_OR_BINARY_TYPE(tp),			\
	.validation_type = NLA_VALIDATE_RANGE_PTR,			\
	.range = (struct netlink_range_validation *)(_range),		\
}
#endif

#endif /* _TCPKIT_COMPAT_H */
