// SPDX-License-Identifier: GPL-2.0
/*
 * tcpkit: find the TCP socket a request names.
 *
 * A socket is named either by a file descriptor of the calling process
 * (doit and dump start run in the caller's context) or by its 4-tuple,
 * looked up in the established hash of the caller's netns. Either way the
 * socket must live in the netns the request came from: a descriptor passed
 * in from another netns is refused, so that a netns admin never reaches
 * beyond its own namespace and a tuple means the same thing for both kinds
 * of name. CAP_NET_ADMIN is checked against the socket's netns as well.
 */
#include <linux/file.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/net.h>
#include <linux/netlink.h>
#include <net/genetlink.h>
#include <net/inet_hashtables.h>
#include <net/inet6_hashtables.h>
#include <net/ipv6.h>
#include <net/netlink.h>
#include <net/sock.h>
#include <net/tcp.h>

#include <linux/tcpkit.h>

#include "compat.h"
#include "tcpkit.h"

static int tcpkit_sk_check(const struct sk_buff *skb, struct net *net,
			   struct sock *sk, const struct nlattr *nest,
			   struct netlink_ext_ack *extack)
{
	if ((sk->sk_family != AF_INET && sk->sk_family != AF_INET6) ||
	    sk->sk_type != SOCK_STREAM || sk->sk_protocol != IPPROTO_TCP) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "not a TCP socket");
		return -EPROTONOSUPPORT;
	}
	if (!net_eq(sock_net(sk), net)) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "socket belongs to another network namespace");
		return -EXDEV;
	}
	if (!netlink_ns_capable(skb, sock_net(sk)->user_ns, CAP_NET_ADMIN)) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "need CAP_NET_ADMIN in the socket's network namespace");
		return -EPERM;
	}
	return 0;
}

static int tcpkit_sk_by_fd(const struct sk_buff *skb, struct net *net,
			   const struct nlattr *nest, struct nlattr **tb,
			   struct tcpkit_sk *ts, struct netlink_ext_ack *extack)
{
	struct socket *sock;
	int err;

	sock = sockfd_lookup(nla_get_u32(tb[TCPKIT_A_SOCK_FD]), &err);
	if (!sock) {
		if (err == -ENOTSOCK)
			NL_SET_ERR_MSG_ATTR(extack, tb[TCPKIT_A_SOCK_FD],
					    "fd is not a socket");
		else
			NL_SET_ERR_MSG_ATTR(extack, tb[TCPKIT_A_SOCK_FD],
					    "no such fd in the calling process");
		return err;
	}
	err = tcpkit_sk_check(skb, net, sock->sk, tb[TCPKIT_A_SOCK_FD], extack);
	if (err) {
		sockfd_put(sock);
		return err;
	}
	ts->sock = sock;
	ts->sk = sock->sk;
	return 0;
}

static struct sock *tcpkit_lookup4(struct net *net, __be32 laddr,
				   __be16 lport, __be32 raddr, __be16 rport,
				   int dif)
{
	struct sock *sk;

	/* Seen from an arriving segment: the remote end is the source. */
	rcu_read_lock();
	sk = tcpkit_inet_lookup_established(net, raddr, rport, laddr, lport,
					    dif);
	rcu_read_unlock();
	return sk;
}

static struct sock *tcpkit_lookup6(struct net *net,
				   const struct in6_addr *laddr, __be16 lport,
				   const struct in6_addr *raddr, __be16 rport,
				   int dif)
{
#if IS_ENABLED(CONFIG_IPV6)
	struct sock *sk;

	rcu_read_lock();
	sk = tcpkit_inet6_lookup_established(net, raddr, rport, laddr,
					     ntohs(lport), dif);
	rcu_read_unlock();
	return sk;
#else
	return NULL;
#endif
}

/**
 * tcpkit_sock_tuple() - the 4-tuple a sock nest names
 * @nest: the TCPKIT_A_*_SOCK nest, for the error messages
 * @tb: its attributes, parsed with tcpkit_sock_nl_policy
 * @c: filled with the family, the addresses and the ports (host order)
 * @extack: error reporting
 *
 * Return: 0, -EINVAL for a missing attribute or an address of the wrong
 * length, -EAFNOSUPPORT for a family other than AF_INET and AF_INET6.
 */
int tcpkit_sock_tuple(const struct nlattr *nest, struct nlattr **tb,
		      struct tcpkit_conn *c, struct netlink_ext_ack *extack)
{
	static const int need[] = {
		TCPKIT_A_SOCK_FAMILY, TCPKIT_A_SOCK_SADDR, TCPKIT_A_SOCK_DADDR,
		TCPKIT_A_SOCK_SPORT, TCPKIT_A_SOCK_DPORT,
	};
	struct nlattr *saddr = tb[TCPKIT_A_SOCK_SADDR];
	struct nlattr *daddr = tb[TCPKIT_A_SOCK_DADDR];
	u16 family;
	int i;

	for (i = 0; i < ARRAY_SIZE(need); i++)
		if (NL_REQ_ATTR_CHECK(extack, nest, tb, need[i])) {
			NL_SET_ERR_MSG(extack,
				       "a 4-tuple needs family, saddr, daddr, sport and dport");
			return -EINVAL;
		}
	family = nla_get_u16(tb[TCPKIT_A_SOCK_FAMILY]);
	if (family != AF_INET && family != AF_INET6) {
		NL_SET_ERR_MSG_ATTR(extack, tb[TCPKIT_A_SOCK_FAMILY],
				    "family must be AF_INET or AF_INET6");
		return -EAFNOSUPPORT;
	}
	memset(c, 0, sizeof(*c));
	c->family = family;
	c->addr_len = family == AF_INET ? 4 : 16;
	if (nla_len(saddr) != c->addr_len || nla_len(daddr) != c->addr_len) {
		const struct nlattr *bad;

		bad = nla_len(saddr) != c->addr_len ? saddr : daddr;
		if (family == AF_INET)
			NL_SET_ERR_MSG_ATTR(extack, bad, "AF_INET addresses are 4 bytes");
		else
			NL_SET_ERR_MSG_ATTR(extack, bad, "AF_INET6 addresses are 16 bytes");
		return -EINVAL;
	}
	nla_memcpy(c->saddr, saddr, c->addr_len);
	nla_memcpy(c->daddr, daddr, c->addr_len);
	c->sport = nla_get_u16(tb[TCPKIT_A_SOCK_SPORT]);
	c->dport = nla_get_u16(tb[TCPKIT_A_SOCK_DPORT]);
	return 0;
}

static int tcpkit_sk_by_tuple(const struct sk_buff *skb, struct net *net,
			      const struct nlattr *nest, struct nlattr **tb,
			      struct tcpkit_sk *ts,
			      struct netlink_ext_ack *extack)
{
	struct in6_addr saddr = {}, daddr = {};
	struct tcpkit_conn c;
	__be16 sport, dport;
	struct sock *sk;
	int dif;
	int err;

	err = tcpkit_sock_tuple(nest, tb, &c, extack);
	if (err)
		return err;
	sport = htons(c.sport);
	dport = htons(c.dport);
	dif = tb[TCPKIT_A_SOCK_IFINDEX] ?
	      nla_get_u32(tb[TCPKIT_A_SOCK_IFINDEX]) : 0;

	/* IPv4 as a v4-mapped IPv6 address: a dual-stack socket talking
	 * IPv4 hashes as IPv4.
	 */
	if (c.family == AF_INET) {
		ipv6_addr_set_v4mapped(0, &saddr);
		ipv6_addr_set_v4mapped(0, &daddr);
		memcpy(&saddr.s6_addr32[3], c.saddr, 4);
		memcpy(&daddr.s6_addr32[3], c.daddr, 4);
	} else {
		memcpy(&saddr, c.saddr, 16);
		memcpy(&daddr, c.daddr, 16);
	}
	if (ipv6_addr_v4mapped(&saddr) && ipv6_addr_v4mapped(&daddr))
		sk = tcpkit_lookup4(net, saddr.s6_addr32[3], sport,
				    daddr.s6_addr32[3], dport, dif);
	else
		sk = tcpkit_lookup6(net, &saddr, sport, &daddr, dport, dif);

	if (!sk) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "no TCP connection with this 4-tuple in this network namespace");
		return -ENOENT;
	}
	if (sk->sk_state == TCP_TIME_WAIT) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "connection is in TIME_WAIT");
		sock_gen_put(sk);
		return -ENOENT;
	}
	if (sk->sk_state == TCP_NEW_SYN_RECV) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "connection is still being accepted (SYN_RECV)");
		sock_gen_put(sk);
		return -ENOENT;
	}
	/* A full socket from here on: sock_gen_put() still releases it. */
	err = tcpkit_sk_check(skb, net, sk, nest, extack);
	if (err) {
		sock_gen_put(sk);
		return err;
	}
	ts->sock = NULL;
	ts->sk = sk;
	return 0;
}

/**
 * tcpkit_sk_lookup() - find the TCP socket a sock nest names
 * @skb: the request, for the capability check of its sender
 * @net: the netns of the request (genl_info_net() or the dump's socket)
 * @nest: a TCPKIT_A_*_SOCK nest, already validated by tcpkit_sock_nl_policy
 * @ts: filled with the socket and the reference held on it
 * @extack: error reporting
 *
 * Only TCP sockets of @net whose netns the sender administers are found;
 * their state is for the caller to check, under the socket lock.
 *
 * Context: process context of the calling process (for fd lookups).
 * Return: 0 with @ts to release by tcpkit_sk_put(), or a negative errno
 * with an extack message.
 */
int tcpkit_sk_lookup(const struct sk_buff *skb, struct net *net,
		     const struct nlattr *nest, struct tcpkit_sk *ts,
		     struct netlink_ext_ack *extack)
{
	struct nlattr *tb[TCPKIT_A_SOCK_MAX + 1];
	int err;

	err = nla_parse_nested(tb, TCPKIT_A_SOCK_MAX, nest, tcpkit_sock_nl_policy,
			       extack);
	if (err)
		return err;

	if (tb[TCPKIT_A_SOCK_FD]) {
		if (tb[TCPKIT_A_SOCK_FAMILY] || tb[TCPKIT_A_SOCK_SADDR] ||
		    tb[TCPKIT_A_SOCK_DADDR] || tb[TCPKIT_A_SOCK_SPORT] ||
		    tb[TCPKIT_A_SOCK_DPORT] || tb[TCPKIT_A_SOCK_IFINDEX]) {
			NL_SET_ERR_MSG_ATTR(extack, nest,
					    "name the socket by fd or by 4-tuple, not both");
			return -EINVAL;
		}
		return tcpkit_sk_by_fd(skb, net, nest, tb, ts, extack);
	}
	return tcpkit_sk_by_tuple(skb, net, nest, tb, ts, extack);
}

/**
 * tcpkit_sock_once() - refuse a request that repeats its sock nest
 * @info: the request
 * @type: the sock nest's attribute type (TCPKIT_A_CONN_SOCK or
 *	TCPKIT_A_AIMD_SOCK)
 *
 * The policy validates every copy of an attribute but keeps only the last
 * in info->attrs; only conn-checkpoint acts on several sockets, so the
 * other commands refuse a second one rather than ignore the first.
 *
 * Return: 0, or -EINVAL with extack naming the repeated nest.
 */
int tcpkit_sock_once(const struct genl_info *info, int type)
{
	const struct nlattr *nla;
	bool seen = false;
	int rem;

	nlmsg_for_each_attr(nla, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(nla) != type)
			continue;
		if (seen) {
			NL_SET_ERR_MSG_ATTR(info->extack, nla,
					    "sock given more than once: only conn-checkpoint takes several");
			return -EINVAL;
		}
		seen = true;
	}
	return 0;
}

/**
 * tcpkit_sk_put() - release what tcpkit_sk_lookup() took
 * @ts: the socket reference to drop
 */
void tcpkit_sk_put(struct tcpkit_sk *ts)
{
	if (ts->sock)
		sockfd_put(ts->sock);
	else if (ts->sk)
		sock_gen_put(ts->sk);
	ts->sock = NULL;
	ts->sk = NULL;
}

/**
 * tcpkit_sk_silence() - disconnect a connection without a word to the peer
 * @sk: the socket, locked by the caller
 *
 * In repair mode ->disconnect() sends no FIN and no RST, purges the queues,
 * stops the timers and unhashes the socket; its owner gets ECONNABORTED.
 * sk_disconnects moves as in inet_stream_connect(), so that a sleeper in
 * sk_wait_event() learns the connection it waited on is gone.
 */
void tcpkit_sk_silence(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	tp->repair = 1;
	tp->repair_queue = TCP_NO_QUEUE;
	sk->sk_disconnects++;
	sk->sk_prot->disconnect(sk, 0);
	tp->repair = 0;
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
}
