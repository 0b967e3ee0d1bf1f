// SPDX-License-Identifier: GPL-2.0
/*
 * tcpkit: restore a checkpointed TCP connection into a fresh socket.
 *
 * The image is untrusted: every attribute and every relation between them
 * is checked before the socket is touched. Then the kernel's own TCP_REPAIR
 * sequence runs through the socket's ops, in the caller's context (so
 * TCP_REPAIR's CAP_NET_ADMIN check sees the caller):
 *
 *   TCP_CONGESTION (an unknown name fails before anything else changed),
 *   TCP_REPAIR on, buffers raised to hold the queues, IPV6_V6ONLY and the
 *   bound device, bind, TCP_QUEUE_SEQ for both queues, TCP_MAXSEG (connect
 *   sizes segments from it), connect (no SYN in repair: straight to
 *   ESTABLISHED; the tuple it made must be the image's), TCP_REPAIR_OPTIONS,
 *   TCP_TIMESTAMP, the receive queue, the send queue bytes in flight,
 *   the FINs of a closing state (the peer's, then ours, marked as sent),
 *   TCP_REPAIR_WINDOW, socket options and aimd parameters. Then, under one
 *   socket lock, the memory for the unsent bytes is reserved, the RTT
 *   estimate and congestion window set, the freeze lifted, repair left and
 *   the unsent bytes queued, our FIN after them if it waited behind them:
 *   nothing can refuse them (the notsent_lowat limit is lifted while they
 *   go in, the buffer was raised, the memory reserved), and nothing after
 *   that can fail. Last, the saved buffer sizes and lock bits.
 *
 * All or nothing: on any error before the socket goes live it is
 * disconnected in repair mode (no FIN, no RST), left in CLOSE with
 * ECONNABORTED pending, and refuses connect/listen/bind/IO.
 */
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/net.h>
#include <linux/netlink.h>
#include <linux/socket.h>
#include <linux/tcp.h>
#include <linux/sizes.h>
#include <linux/uio.h>
#include <net/genetlink.h>
#include <net/inet_sock.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/netlink.h>
#include <net/sock.h>
#include <net/tcp.h>

#include <linux/tcpkit.h>

#include "compat.h"
#include "tcpkit.h"

/**
 * struct tcpkit_restore - a checked image and where its data is
 * @c: the header
 * @attrs: the request's attributes (for optional socket options)
 * @nlh: the request, whose snd-data and rcv-data chunks are sent from
 *	where they are (no copy)
 * @nchunks: snd-data plus rcv-data attributes
 * @conservative: the request asked for a conservative start
 * @prof: phase times (module parameter profile)
 */
struct tcpkit_restore {
	struct tcpkit_conn c;
	struct nlattr **attrs;
	const struct nlmsghdr *nlh;
	u32 nchunks;
	bool conservative;
	struct tcpkit_prof prof;
};

/* Attributes every image must carry, with the message for each. */
static const struct {
	int type;
	const char *msg;
} tcpkit_restore_need[] = {
	{ TCPKIT_A_CONN_FAMILY,	"image lacks family" },
	{ TCPKIT_A_CONN_SADDR,	"image lacks saddr" },
	{ TCPKIT_A_CONN_DADDR,	"image lacks daddr" },
	{ TCPKIT_A_CONN_SPORT,	"image lacks sport" },
	{ TCPKIT_A_CONN_DPORT,	"image lacks dport" },
	{ TCPKIT_A_CONN_STATE,	"image lacks state" },
	{ TCPKIT_A_CONN_SND_SEQ, "image lacks snd-seq" },
	{ TCPKIT_A_CONN_RCV_SEQ, "image lacks rcv-seq" },
	{ TCPKIT_A_CONN_SND_QLEN, "image lacks snd-qlen" },
	{ TCPKIT_A_CONN_UNSENT_LEN, "image lacks unsent-len" },
	{ TCPKIT_A_CONN_RCV_QLEN, "image lacks rcv-qlen" },
	{ TCPKIT_A_CONN_MSS,	"image lacks mss" },
	{ TCPKIT_A_CONN_SND_WSCALE, "image lacks snd-wscale" },
	{ TCPKIT_A_CONN_RCV_WSCALE, "image lacks rcv-wscale" },
	{ TCPKIT_A_CONN_SACK_OK, "image lacks sack-ok" },
	{ TCPKIT_A_CONN_TSTAMP_OK, "image lacks tstamp-ok" },
	{ TCPKIT_A_CONN_SND_WL1, "image lacks snd-wl1" },
	{ TCPKIT_A_CONN_SND_WND, "image lacks snd-wnd" },
	{ TCPKIT_A_CONN_MAX_WINDOW, "image lacks max-window" },
	{ TCPKIT_A_CONN_RCV_WND, "image lacks rcv-wnd" },
	{ TCPKIT_A_CONN_RCV_WUP, "image lacks rcv-wup" },
};

static u8 tcpkit_get_u8(struct nlattr **attrs, int type, u8 def)
{
	return attrs[type] ? nla_get_u8(attrs[type]) : def;
}

static u32 tcpkit_get_u32(struct nlattr **attrs, int type, u32 def)
{
	return attrs[type] ? nla_get_u32(attrs[type]) : def;
}

static int tcpkit_parse_aimd(struct tcpkit_restore *r,
			     struct netlink_ext_ack *extack)
{
	struct nlattr *tb[TCPKIT_A_AIMD_BETA_ECN + 1];
	struct nlattr *nest = r->attrs[TCPKIT_A_CONN_AIMD];
	int err;

	if (strcmp(r->c.cc, "aimd")) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "aimd parameters given but cc is not aimd");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, TCPKIT_A_AIMD_BETA_ECN, nest,
			       tcpkit_conn_aimd_nl_policy, extack);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, TCPKIT_A_AIMD_ALPHA) ||
	    NL_REQ_ATTR_CHECK(extack, nest, tb, TCPKIT_A_AIMD_BETA)) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "aimd needs alpha and beta");
		return -EINVAL;
	}
	r->c.aimd.alpha = nla_get_u32(tb[TCPKIT_A_AIMD_ALPHA]);
	r->c.aimd.beta = nla_get_u32(tb[TCPKIT_A_AIMD_BETA]);
	r->c.aimd.beta_ecn = tb[TCPKIT_A_AIMD_BETA_ECN] ?
			     nla_get_u32(tb[TCPKIT_A_AIMD_BETA_ECN]) : 0;
	r->c.has_aimd = true;
	return tcpkit_aimd_params_check(&r->c.aimd, extack);
}

/* Sum the data chunks: they must add up to the queue lengths exactly. */
static int tcpkit_parse_chunks(struct tcpkit_restore *r,
			       struct netlink_ext_ack *extack)
{
	u64 snd = 0, rcv = 0;
	struct nlattr *nla;
	int rem;

	nlmsg_for_each_attr(nla, r->nlh, GENL_HDRLEN, rem) {
		if (nla_type(nla) == TCPKIT_A_CONN_SND_DATA)
			snd += nla_len(nla);
		else if (nla_type(nla) == TCPKIT_A_CONN_RCV_DATA)
			rcv += nla_len(nla);
		else
			continue;
		/* The generated policy cannot bound a binary attribute at
		 * both ends; the errno is the one a policy range gives.
		 */
		if (!nla_len(nla) || nla_len(nla) > TCPKIT_CHUNK_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "queue data chunk must hold 1 to chunk-max (32768) bytes");
			return -ERANGE;
		}
		r->nchunks++;
	}
	if (snd != r->c.snd_qlen) {
		NL_SET_ERR_MSG_ATTR(extack, r->attrs[TCPKIT_A_CONN_SND_QLEN],
				    "snd-data chunks do not add up to snd-qlen");
		return -EINVAL;
	}
	if (rcv != r->c.rcv_qlen) {
		NL_SET_ERR_MSG_ATTR(extack, r->attrs[TCPKIT_A_CONN_RCV_QLEN],
				    "rcv-data chunks do not add up to rcv-qlen");
		return -EINVAL;
	}
	return 0;
}

/* An address connect() keeps as it is: not wildcard, multicast, broadcast. */
static bool tcpkit_unicast(const struct tcpkit_conn *c, const u8 *addr)
{
	const struct in6_addr *a6 = (const struct in6_addr *)addr;
	__be32 a4;

	if (c->family == AF_INET6 && !ipv6_addr_v4mapped(a6))
		return ipv6_addr_type(a6) & IPV6_ADDR_UNICAST;
	memcpy(&a4, c->family == AF_INET ? addr : addr + 12, 4);
	return !ipv4_is_zeronet(a4) && !ipv4_is_multicast(a4) &&
	       !ipv4_is_lbcast(a4);
}

/* The attributes every image carries. */
static int tcpkit_parse_need(struct genl_info *info)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(tcpkit_restore_need); i++) {
		if (GENL_REQ_ATTR_CHECK(info, tcpkit_restore_need[i].type)) {
			tcpkit_extack_set(info->extack, tcpkit_restore_need[i].msg);
			return -EINVAL;
		}
	}
	return 0;
}

/* Family, addresses, ports, device: what bind and connect use. */
static int tcpkit_parse_tuple(struct tcpkit_restore *r,
			      struct netlink_ext_ack *extack)
{
	struct nlattr **attrs = r->attrs;
	struct tcpkit_conn *c = &r->c;

	c->family = nla_get_u16(attrs[TCPKIT_A_CONN_FAMILY]);
	if (c->family != AF_INET && c->family != AF_INET6) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[TCPKIT_A_CONN_FAMILY],
				    "family must be AF_INET or AF_INET6");
		return -EAFNOSUPPORT;
	}
	c->addr_len = c->family == AF_INET ? 4 : 16;
	if (nla_len(attrs[TCPKIT_A_CONN_SADDR]) != c->addr_len ||
	    nla_len(attrs[TCPKIT_A_CONN_DADDR]) != c->addr_len) {
		NL_SET_ERR_MSG(extack,
			       "address length does not match the family (4 or 16 bytes)");
		return -EINVAL;
	}
	nla_memcpy(c->saddr, attrs[TCPKIT_A_CONN_SADDR], c->addr_len);
	nla_memcpy(c->daddr, attrs[TCPKIT_A_CONN_DADDR], c->addr_len);
	if (!tcpkit_unicast(c, c->saddr) || !tcpkit_unicast(c, c->daddr)) {
		NL_SET_ERR_MSG(extack,
			       "saddr and daddr must be unicast addresses (not wildcard, multicast or broadcast)");
		return -EADDRNOTAVAIL;
	}
	c->sport = nla_get_u16(attrs[TCPKIT_A_CONN_SPORT]);
	c->dport = nla_get_u16(attrs[TCPKIT_A_CONN_DPORT]);
	c->ifindex = tcpkit_get_u32(attrs, TCPKIT_A_CONN_IFINDEX, 0);
	c->v6only = tcpkit_get_u8(attrs, TCPKIT_A_CONN_V6ONLY, 0);
	if (c->family == AF_INET && c->v6only) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[TCPKIT_A_CONN_V6ONLY],
				    "v6only set on an AF_INET connection");
		return -EINVAL;
	}
	return 0;
}

/* The state, the sequence numbers and the queue lengths, which agree. */
static int tcpkit_parse_queues(struct net *net, struct tcpkit_restore *r,
			       struct netlink_ext_ack *extack)
{
	struct nlattr **attrs = r->attrs;
	struct tcpkit_conn *c = &r->c;

	c->state = nla_get_u8(attrs[TCPKIT_A_CONN_STATE]);
	if (!tcpkit_state_in(c->state, TCPKIT_STATES_OK)) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[TCPKIT_A_CONN_STATE],
				    "only ESTABLISHED, CLOSE_WAIT, FIN_WAIT1, FIN_WAIT2, CLOSING and LAST_ACK connections can be restored (not SYN_*, TIME_WAIT, CLOSE, LISTEN)");
		return -EOPNOTSUPP;
	}

	c->snd_seq = nla_get_u32(attrs[TCPKIT_A_CONN_SND_SEQ]);
	c->rcv_seq = nla_get_u32(attrs[TCPKIT_A_CONN_RCV_SEQ]);
	c->snd_qlen = nla_get_u32(attrs[TCPKIT_A_CONN_SND_QLEN]);
	c->unsent_len = nla_get_u32(attrs[TCPKIT_A_CONN_UNSENT_LEN]);
	c->rcv_qlen = nla_get_u32(attrs[TCPKIT_A_CONN_RCV_QLEN]);
	if (c->unsent_len > c->snd_qlen) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[TCPKIT_A_CONN_UNSENT_LEN],
				    "unsent-len exceeds snd-qlen");
		return -EINVAL;
	}
	if (c->snd_qlen > READ_ONCE(net->ipv4.sysctl_tcp_wmem[2])) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[TCPKIT_A_CONN_SND_QLEN],
				    "send queue exceeds net.ipv4.tcp_wmem's maximum");
		return -EFBIG;
	}
	if (c->rcv_qlen > READ_ONCE(net->ipv4.sysctl_tcp_rmem[2])) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[TCPKIT_A_CONN_RCV_QLEN],
				    "receive queue exceeds net.ipv4.tcp_rmem's maximum");
		return -EFBIG;
	}
	if (tcpkit_state_in(c->state, TCPKIT_STATES_PEER_FIN) &&
	    c->rcv_seq == c->rcv_qlen) {
		/* rcv-seq covers the data and the FIN: both cannot start at 0 */
		NL_SET_ERR_MSG_ATTR(extack, attrs[TCPKIT_A_CONN_RCV_SEQ],
				    "rcv-seq leaves no room for the peer's FIN");
		return -EINVAL;
	}
	if (c->state == TCP_FIN_WAIT2 && c->snd_qlen) {
		/* The ACK of our FIN acknowledged every byte before it. */
		NL_SET_ERR_MSG_ATTR(extack, attrs[TCPKIT_A_CONN_SND_QLEN],
				    "FIN_WAIT2 with bytes in the send queue");
		return -EINVAL;
	}
	return 0;
}

/* What TCP_REPAIR_OPTIONS and TCP_TIMESTAMP set. */
static int tcpkit_parse_tcp_options(struct genl_info *info,
				    struct tcpkit_restore *r)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **attrs = r->attrs;
	struct tcpkit_conn *c = &r->c;

	/* mss and both wscales were bounded by the policy. */
	c->mss = nla_get_u32(attrs[TCPKIT_A_CONN_MSS]);
	c->snd_wscale = nla_get_u8(attrs[TCPKIT_A_CONN_SND_WSCALE]);
	c->rcv_wscale = nla_get_u8(attrs[TCPKIT_A_CONN_RCV_WSCALE]);
	c->sack_ok = nla_get_u8(attrs[TCPKIT_A_CONN_SACK_OK]);
	c->tstamp_ok = nla_get_u8(attrs[TCPKIT_A_CONN_TSTAMP_OK]);

	if (c->tstamp_ok && !attrs[TCPKIT_A_CONN_TS_VAL]) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[TCPKIT_A_CONN_TSTAMP_OK],
				    "timestamps on but no ts-val");
		return -EINVAL;
	}
	if (attrs[TCPKIT_A_CONN_TS_VAL]) {
		if (GENL_REQ_ATTR_CHECK(info, TCPKIT_A_CONN_TS_CLOCK)) {
			NL_SET_ERR_MSG(extack, "ts-val needs ts-clock");
			return -EINVAL;
		}
		c->ts_val = nla_get_u32(attrs[TCPKIT_A_CONN_TS_VAL]);
		c->ts_clock = nla_get_u8(attrs[TCPKIT_A_CONN_TS_CLOCK]);
		if (!tcpkit_ts_clock_supported(c->ts_clock)) {
			NL_SET_ERR_MSG_ATTR(extack, attrs[TCPKIT_A_CONN_TS_CLOCK],
					    "image uses microsecond TCP timestamps, which this kernel lacks");
			return -EOPNOTSUPP;
		}
	}
	if (attrs[TCPKIT_A_CONN_TS_RECENT]) {
		if (!c->tstamp_ok) {
			NL_SET_ERR_MSG_ATTR(extack, attrs[TCPKIT_A_CONN_TS_RECENT],
					    "ts-recent without timestamps (tstamp-ok)");
			return -EINVAL;
		}
		c->has_ts_recent = true;
		c->ts_recent = nla_get_u32(attrs[TCPKIT_A_CONN_TS_RECENT]);
	}
	return 0;
}

/* The relations TCP_REPAIR_WINDOW enforces, checked up front. */
static int tcpkit_parse_window(struct tcpkit_restore *r,
			       struct netlink_ext_ack *extack)
{
	struct nlattr **attrs = r->attrs;
	struct tcpkit_conn *c = &r->c;

	c->snd_wl1 = nla_get_u32(attrs[TCPKIT_A_CONN_SND_WL1]);
	c->snd_wnd = nla_get_u32(attrs[TCPKIT_A_CONN_SND_WND]);
	c->max_window = nla_get_u32(attrs[TCPKIT_A_CONN_MAX_WINDOW]);
	c->rcv_wnd = nla_get_u32(attrs[TCPKIT_A_CONN_RCV_WND]);
	c->rcv_wup = nla_get_u32(attrs[TCPKIT_A_CONN_RCV_WUP]);
	if (c->max_window < c->snd_wnd) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[TCPKIT_A_CONN_MAX_WINDOW],
				    "max-window is below snd-wnd");
		return -EINVAL;
	}
	if (after(c->snd_wl1, c->rcv_seq + c->rcv_wnd)) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[TCPKIT_A_CONN_SND_WL1],
				    "snd-wl1 is beyond rcv-seq + rcv-wnd");
		return -EINVAL;
	}
	if (after(c->rcv_wup, c->rcv_seq)) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[TCPKIT_A_CONN_RCV_WUP],
				    "rcv-wup is beyond rcv-seq");
		return -EINVAL;
	}
	return 0;
}

/* The saved buffer sizes, set last. */
static int tcpkit_parse_buffers(struct tcpkit_restore *r,
				struct netlink_ext_ack *extack)
{
	struct nlattr **attrs = r->attrs;
	struct tcpkit_conn *c = &r->c;

	c->sndbuf = tcpkit_get_u32(attrs, TCPKIT_A_CONN_SNDBUF, 0);
	c->rcvbuf = tcpkit_get_u32(attrs, TCPKIT_A_CONN_RCVBUF, 0);
	if (attrs[TCPKIT_A_CONN_SNDBUF] && c->sndbuf < SOCK_MIN_SNDBUF) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[TCPKIT_A_CONN_SNDBUF],
				    "sndbuf below the kernel's minimum");
		return -EINVAL;
	}
	if (attrs[TCPKIT_A_CONN_RCVBUF] && c->rcvbuf < SOCK_MIN_RCVBUF) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[TCPKIT_A_CONN_RCVBUF],
				    "rcvbuf below the kernel's minimum");
		return -EINVAL;
	}
	return 0;
}

/* The RTT estimate, the congestion window and the algorithm with its
 * aimd parameters.
 */
static int tcpkit_parse_cc(struct genl_info *info, struct tcpkit_restore *r)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **attrs = r->attrs;
	struct tcpkit_conn *c = &r->c;

	/* The RTT estimate travels whole or not at all (the minimum may be
	 * missing: no sample in its window). Its bounds are the policy's.
	 */
	if (attrs[TCPKIT_A_CONN_SRTT_US]) {
		if (GENL_REQ_ATTR_CHECK(info, TCPKIT_A_CONN_RTTVAR_US) ||
		    GENL_REQ_ATTR_CHECK(info, TCPKIT_A_CONN_RTO_US)) {
			NL_SET_ERR_MSG(extack, "srtt-us needs rttvar-us and rto-us");
			return -EINVAL;
		}
		c->srtt_us = nla_get_u32(attrs[TCPKIT_A_CONN_SRTT_US]);
		c->rttvar_us = nla_get_u32(attrs[TCPKIT_A_CONN_RTTVAR_US]);
		c->rto_us = nla_get_u32(attrs[TCPKIT_A_CONN_RTO_US]);
		c->min_rtt_us = tcpkit_get_u32(attrs, TCPKIT_A_CONN_MIN_RTT_US, 0);
	}
	/* Policy-bounded; an image of an older tcpkit has neither. */
	c->cwnd = tcpkit_get_u32(attrs, TCPKIT_A_CONN_CWND, 0);
	c->ssthresh = tcpkit_get_u32(attrs, TCPKIT_A_CONN_SSTHRESH,
				     TCP_INFINITE_SSTHRESH);
	r->conservative = nla_get_flag(attrs[TCPKIT_A_CONN_CONSERVATIVE]);

	if (attrs[TCPKIT_A_CONN_CC])
		nla_strscpy(c->cc, attrs[TCPKIT_A_CONN_CC], sizeof(c->cc));
	if (attrs[TCPKIT_A_CONN_AIMD])
		return tcpkit_parse_aimd(r, extack);
	return 0;
}

/* Check the image completely; nothing here touches a socket. */
static int tcpkit_restore_parse(struct net *net, struct genl_info *info,
				struct tcpkit_restore *r)
{
	struct netlink_ext_ack *extack = info->extack;
	int err;

	r->attrs = info->attrs;
	r->nlh = info->nlhdr;
	err = tcpkit_parse_need(info);
	if (err)
		return err;
	err = tcpkit_parse_tuple(r, extack);
	if (err)
		return err;
	err = tcpkit_parse_queues(net, r, extack);
	if (err)
		return err;
	err = tcpkit_parse_tcp_options(info, r);
	if (err)
		return err;
	err = tcpkit_parse_window(r, extack);
	if (err)
		return err;
	err = tcpkit_parse_buffers(r, extack);
	if (err)
		return err;
	err = tcpkit_parse_cc(info, r);
	if (err)
		return err;
	return tcpkit_parse_chunks(r, extack);
}

/* The target: a TCP socket of the image's family, never used. */
static int tcpkit_restore_target(struct socket *sock,
				 struct netlink_ext_ack *extack)
{
	struct sock *sk = sock->sk;
	int err = 0;

	lock_sock(sk);
	if (sk->sk_state == TCP_LISTEN) {
		NL_SET_ERR_MSG(extack, "target socket is listening");
		err = -EISCONN;
	} else if (sk->sk_state != TCP_CLOSE ||
		   sock->state != SS_UNCONNECTED) {
		NL_SET_ERR_MSG(extack, "target socket is connected or was used");
		err = -EISCONN;
	} else if (inet_sk(sk)->inet_num) {
		NL_SET_ERR_MSG(extack, "target socket is already bound");
		err = -EINVAL;
	} else if (tcp_sk(sk)->repair) {
		NL_SET_ERR_MSG(extack, "target socket is in repair mode");
		err = -EBUSY;
	} else if (inet_csk(sk)->icsk_ulp_ops || READ_ONCE(sk->sk_user_data)) {
		NL_SET_ERR_MSG(extack, "target socket has an upper layer protocol");
		err = -EOPNOTSUPP;
	}
	release_sock(sk);
	return err;
}

/* Through the socket's own ops: no export needed, same path as userspace. */
static int tcpkit_setsockopt_nofault(struct socket *sock, int level, int opt,
				     void *buf, unsigned int len)
{
	return READ_ONCE(sock->ops)->setsockopt(sock, level, opt,
						 KERNEL_SOCKPTR(buf), len);
}

/* Every restore step before the socket goes live is a fault point. */
static int tcpkit_setsockopt_buf(struct socket *sock, int level, int opt,
				 void *buf, unsigned int len)
{
	if (tcpkit_fault())
		return -ENOMEM;
	return tcpkit_setsockopt_nofault(sock, level, opt, buf, len);
}

static int tcpkit_setsockopt(struct socket *sock, int level, int opt, int val)
{
	return tcpkit_setsockopt_buf(sock, level, opt, &val, sizeof(val));
}

/*
 * Write @len bytes, the @nr pieces of @vec: through tcp_send_rcvq() in
 * TCP_RECV_QUEUE repair mode, through tcp_sendmsg() otherwise. Never
 * blocks. tcp_send_rcvq() makes one skb a call: up to MAX_SKB_FRAGS whole
 * pages as frags and the rest of a page in a linear head. A write of a
 * page or less (one dump message's chunk is) is all head: kmalloc()ed
 * for the bytes and the skb_shared_info (8 KiB for a full page), cleared,
 * and never coalesced into the skb before it. So the pieces go as one
 * stream, each write but the last whole pages, whatever their sizes.
 * ENOMEM when receive memory is short: retry smaller.
 */
static int tcpkit_write(struct socket *sock, struct kvec *vec, u32 nr,
			size_t len)
{
	struct iov_iter from;
	size_t step = len;

	iov_iter_kvec(&from, ITER_SOURCE, vec, nr, len);
	while (iov_iter_count(&from)) {
		struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };
		size_t left = iov_iter_count(&from), n = min(step, left);
		int ret;

		if (n < left && n > PAGE_SIZE)
			n = round_down(n, PAGE_SIZE);
		msg.msg_iter = from;
		iov_iter_truncate(&msg.msg_iter, n);
		ret = tcpkit_fault() ? -ENOBUFS : sock_sendmsg(sock, &msg);
		if (ret == -ENOMEM && step > PAGE_SIZE) {
			step /= 2;
			continue;
		}
		if (ret < 0)
			return ret;
		if (!ret)
			return -ENOBUFS;
		iov_iter_advance(&from, ret);
	}
	return 0;
}

/* Chunks gathered into one tcpkit_write() (a page of kvecs). */
#define TCPKIT_WRITE_VECS	(PAGE_SIZE / sizeof(struct kvec))

/*
 * Write the bytes of the data chunks of @type from stream offset @from up
 * to @to (offsets within that queue's bytes), up to TCPKIT_WRITE_VECS
 * chunks a write, one at a time if their vector cannot be allocated.
 */
static int tcpkit_write_chunks(struct tcpkit_restore *r, struct socket *sock,
			       int type, u32 from, u32 to)
{
	u32 pos = 0, n = 0, cap = min_t(u32, r->nchunks, TCPKIT_WRITE_VECS);
	struct kvec one, *vec = NULL;
	struct nlattr *nla;
	size_t len = 0;
	int rem, err = 0;

	if (cap > 1)
		vec = kmalloc_array(cap, sizeof(*vec), GFP_KERNEL);
	if (!vec) {
		vec = &one;
		cap = 1;
	}
	nlmsg_for_each_attr(nla, r->nlh, GENL_HDRLEN, rem) {
		u32 alen = nla_len(nla), start, end;

		if (nla_type(nla) != type)
			continue;
		start = max(pos, from);
		end = min(pos + alen, to);
		if (start < end) {
			vec[n].iov_base = (u8 *)nla_data(nla) + start - pos;
			vec[n].iov_len = end - start;
			len += end - start;
			if (++n == cap) {
				err = tcpkit_write(sock, vec, n, len);
				if (err)
					goto out;
				n = 0;
				len = 0;
			}
		}
		pos += alen;
		if (pos >= to)
			break;
	}
	if (n)
		err = tcpkit_write(sock, vec, n, len);
out:
	if (vec != &one)
		kfree(vec);
	return err;
}

/* Tries per chunk of unsent bytes before the next way is taken. */
#define TCPKIT_UNSENT_TRIES	8

static int tcpkit_send_locked(struct sock *sk, const u8 *buf, u32 len)
{
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };
	struct kvec iov = { .iov_base = (void *)buf, .iov_len = len };

	iov_iter_kvec(&msg.msg_iter, ITER_SOURCE, &iov, 1, len);
	return tcp_sendmsg_locked(sk, &msg, len);
}

/*
 * Queue @len unsent bytes, the socket locked and live. The caller reserved
 * the memory, lifted notsent_lowat and raised the buffer: only an skb
 * allocation can fail here. Retry; failing that, queue the rest in repair
 * mode as if sent, for the retransmit timer to deliver: late, but whole.
 */
static void tcpkit_queue_unsent(struct sock *sk, const u8 *buf, u32 len)
{
	struct tcp_sock *tp = tcp_sk(sk);
	int tries = 0, ret;

	while (len) {
		bool late = tries >= TCPKIT_UNSENT_TRIES;

		if (late) {
			tp->repair = 1;
			tp->repair_queue = TCP_SEND_QUEUE;
		}
		ret = tcpkit_send_locked(sk, buf, len);
		if (late) {
			tp->repair = 0;
			tp->repair_queue = TCP_NO_QUEUE;
		}
		if (ret > 0) {
			buf += ret;
			len -= ret;
			tries = 0;
			continue;
		}
		if (++tries >= 2 * TCPKIT_UNSENT_TRIES) {
			pr_warn_ratelimited("tcpkit: restore lost %u unsent bytes (no memory)\n",
					    len);
			return;
		}
	}
}

static void tcpkit_write_unsent(struct tcpkit_restore *r, struct sock *sk)
{
	u32 from = r->c.snd_qlen - r->c.unsent_len, pos = 0;
	struct nlattr *nla;
	int rem;

	nlmsg_for_each_attr(nla, r->nlh, GENL_HDRLEN, rem) {
		u32 len = nla_len(nla), start;

		if (nla_type(nla) != TCPKIT_A_CONN_SND_DATA)
			continue;
		start = max(pos, from);
		if (start < pos + len)
			tcpkit_queue_unsent(sk, (u8 *)nla_data(nla) + start - pos,
					    pos + len - start);
		pos += len;
	}
}

static int tcpkit_sockaddr(const struct tcpkit_conn *c, bool local,
			   struct sockaddr_storage *ss)
{
	const u8 *addr = local ? c->saddr : c->daddr;
	u16 port = local ? c->sport : c->dport;

	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (c->family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, addr, 4);
		return sizeof(*sin);
	}
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	memcpy(&sin6->sin6_addr, addr, 16);
	if (ipv6_addr_type(&sin6->sin6_addr) & IPV6_ADDR_LINKLOCAL)
		sin6->sin6_scope_id = c->ifindex;
	return sizeof(*sin6);
}

static bool tcpkit_linklocal(const struct tcpkit_conn *c)
{
	return c->family == AF_INET6 &&
	       ((ipv6_addr_type((const struct in6_addr *)c->saddr) |
		 ipv6_addr_type((const struct in6_addr *)c->daddr)) &
		IPV6_ADDR_LINKLOCAL);
}

static void tcpkit_set_user_mss(struct sock *sk, u16 mss)
{
	lock_sock(sk);
	WRITE_ONCE(tcp_sk(sk)->rx_opt.user_mss, mss);
	release_sock(sk);
}

/*
 * The peer's last TSval, so that our first segments echo it and not 0
 * (the socket has seen none); the peer's next in-order segment replaces
 * it, as it would have on the original.
 */
static void tcpkit_set_ts_recent(const struct tcpkit_conn *c, struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	if (!c->has_ts_recent || !tp->rx_opt.tstamp_ok)
		return;
	tp->rx_opt.ts_recent = c->ts_recent;
	tp->rx_opt.ts_recent_stamp = ktime_get_seconds();
}

/*
 * The original's RTT estimate, the socket locked, just before it leaves
 * repair mode: the timers run in repair mode too, so until then the RTO
 * stays where connect() put it (3 s without a sample: a slow restore must
 * not retransmit half-way), and the retransmit timer of the bytes in flight
 * is re-armed with the path's RTO now. The RTO stays within [TCP_RTO_MIN,
 * TCP_RTO_MAX]; the restored socket's own samples move the estimate on
 * from the first ACK.
 */
static void tcpkit_set_rtt(const struct tcpkit_conn *c, struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct tcp_sock *tp = tcp_sk(sk);

	if (!c->srtt_us)
		return;
	WRITE_ONCE(tp->srtt_us, c->srtt_us << 3);
	tp->mdev_us = c->rttvar_us << 2;
	/* Never below the minimum RTO, as tcp_rtt_estimator() keeps it. */
	tp->mdev_max_us = max(tp->mdev_us, tcp_rto_min_us(sk));
	tp->rttvar_us = tp->mdev_max_us;
	tp->rtt_seq = tp->snd_nxt;
	icsk->icsk_rto = clamp_t(u32, usecs_to_jiffies(c->rto_us), TCP_RTO_MIN,
				 TCP_RTO_MAX);
	if (c->min_rtt_us)
		minmax_reset(&tp->rtt_min, tcp_jiffies32, c->min_rtt_us);
	if (tp->packets_out)
		inet_csk_reset_xmit_timer(sk, ICSK_TIME_RETRANS,
					  icsk->icsk_rto, TCP_RTO_MAX);
}

/*
 * The original's congestion window and slow start threshold, the socket
 * locked, unless the request asked for a conservative start (then slow
 * start from the initial window, as connect() left it). The window is
 * clamped to what the peer's receive window (restored already) lets
 * through, but never below the initial window, and to the socket's clamp:
 * a burst the peer cannot take is no use, and the initial window is what
 * any new connection may send.
 */
static void tcpkit_set_cwnd(const struct tcpkit_restore *r, struct sock *sk)
{
	const struct tcpkit_conn *c = &r->c;
	struct tcp_sock *tp = tcp_sk(sk);
	u32 mss = max_t(u32, tp->mss_cache, TCP_MIN_MSS);
	u32 cwnd;

	if (r->conservative || !c->cwnd)
		return;
	cwnd = min(c->cwnd, max_t(u32, DIV_ROUND_UP(tp->snd_wnd, mss),
				  TCP_INIT_CWND));
	cwnd = clamp(cwnd, 1U, tp->snd_cwnd_clamp);
	tcp_snd_cwnd_set(tp, cwnd);
	tp->snd_ssthresh = c->ssthresh;
	tp->snd_cwnd_stamp = tcp_jiffies32;
}

/*
 * Once live, with bytes in flight: a tail loss probe at once. The freeze
 * dropped the peer's ACKs, so the socket cannot tell what got through; the
 * probe makes the peer say (an ACK of everything, or a SACK that lets RACK
 * resend the rest about one RTT later) instead of waiting for the RTO. It
 * is the next unsent segment when the peer's window takes it, even with
 * cwnd full (then the unsent bytes could not go out and probe by
 * themselves), else the last segment sent again: one duplicate segment
 * when nothing was lost.
 */
static void tcpkit_probe_in_flight(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);

	lock_sock(sk);
	if (tp->packets_out && !tp->tlp_high_seq &&
	    (1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT |
				   TCPF_FIN_WAIT1 | TCPF_CLOSING |
				   TCPF_LAST_ACK))
		inet_csk_reset_xmit_timer(sk, ICSK_TIME_LOSS_PROBE,
					  TCP_TIMEOUT_MIN, TCP_RTO_MAX);
	release_sock(sk);
}

/* Does @sk's connected 4-tuple equal the image's? */
static bool tcpkit_tuple_is(struct sock *sk, const struct tcpkit_conn *c)
{
	const struct inet_sock *inet = inet_sk(sk);

	if (ntohs(inet->inet_sport) != c->sport ||
	    ntohs(inet->inet_dport) != c->dport)
		return false;
#if IS_ENABLED(CONFIG_IPV6)
	if (c->family == AF_INET6)
		return !memcmp(&sk->sk_v6_rcv_saddr, c->saddr, 16) &&
		       !memcmp(&sk->sk_v6_daddr, c->daddr, 16);
#endif
	return !memcmp(&inet->inet_rcv_saddr, c->saddr, 4) &&
	       !memcmp(&inet->inet_daddr, c->daddr, 4);
}

/* Room for the queues during the restore, whatever the image's sizes. */
static void tcpkit_raise_buffers(struct tcpkit_restore *r, struct sock *sk)
{
	u64 snd = 2ULL * r->c.snd_qlen + SZ_64K;
	u64 rcv = 2ULL * r->c.rcv_qlen + (u64)r->nchunks * (PAGE_SIZE + SZ_1K) +
		  SZ_64K;

	lock_sock(sk);
	if (snd > READ_ONCE(sk->sk_sndbuf))
		WRITE_ONCE(sk->sk_sndbuf, min_t(u64, snd, INT_MAX / 2));
	if (rcv > READ_ONCE(sk->sk_rcvbuf))
		WRITE_ONCE(sk->sk_rcvbuf, min_t(u64, rcv, INT_MAX / 2));
	sk->sk_userlocks |= SOCK_SNDBUF_LOCK | SOCK_RCVBUF_LOCK;
	release_sock(sk);
}

/* The saved sizes and lock bits; autotuning resumes where it was off. */
static void tcpkit_final_buffers(struct tcpkit_restore *r, struct sock *sk,
				 int sndbuf, int rcvbuf)
{
	struct tcp_sock *tp = tcp_sk(sk);
	u32 clamp;

	lock_sock(sk);
	WRITE_ONCE(sk->sk_sndbuf, r->c.sndbuf ?: sndbuf);
	WRITE_ONCE(sk->sk_rcvbuf, r->c.rcvbuf ?: rcvbuf);
	sk->sk_userlocks &= ~(SOCK_SNDBUF_LOCK | SOCK_RCVBUF_LOCK);
	if (tcpkit_get_u8(r->attrs, TCPKIT_A_CONN_SNDBUF_LOCK, 0))
		sk->sk_userlocks |= SOCK_SNDBUF_LOCK;
	if (tcpkit_get_u8(r->attrs, TCPKIT_A_CONN_RCVBUF_LOCK, 0))
		sk->sk_userlocks |= SOCK_RCVBUF_LOCK;
	/* connect() sized the clamp for the raised buffer. */
	clamp = min_t(u32, tp->window_clamp, 65535U << tp->rx_opt.rcv_wscale);
	WRITE_ONCE(tp->window_clamp, max(clamp, tp->rcv_wnd));
	release_sock(sk);
}

/*
 * The peer's FIN, as tcp_fin() would have left it: ESTABLISHED ->
 * CLOSE_WAIT. Unless a retransmission of it came in since the receive
 * queue was refilled (the socket is connected and, on another host, not
 * frozen): then tcp_fin() did it already and counting it again would skip
 * a sequence number.
 */
static void tcpkit_recv_fin(struct tcpkit_restore *r, struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff *tail;

	if (sk->sk_state != TCP_ESTABLISHED ||
	    (sk->sk_shutdown & RCV_SHUTDOWN))
		return;
	WRITE_ONCE(tp->rcv_nxt, tp->rcv_nxt + 1);
	tail = skb_peek_tail(&sk->sk_receive_queue);
	if (r->c.rcv_qlen && tail) {
		/* Unread data: the FIN rides on the last skb, as when
		 * tcp_try_coalesce() merges a FIN into it.
		 */
		TCP_SKB_CB(tail)->tcp_flags |= TCPHDR_FIN;
		TCP_SKB_CB(tail)->end_seq++;
	} else {
		/* Nothing unread: the FIN counts as read. */
		WRITE_ONCE(tp->copied_seq, tp->rcv_nxt);
	}
	WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | RCV_SHUTDOWN);
	sock_set_flag(sk, SOCK_DONE);
	tcpkit_tcp_set_state(sk, TCP_CLOSE_WAIT);
}

/*
 * Our FIN, the socket locked: what shutdown(SHUT_WR) does, through the
 * protocol's own tcp_shutdown() (ESTABLISHED -> FIN_WAIT1, CLOSE_WAIT ->
 * LAST_ACK; tcp_send_fin() appends the FIN, marked as sent in
 * TCP_SEND_QUEUE repair mode, transmitted otherwise). If tcp_send_fin()
 * could not allocate an skb for it, the FIN rides on the last skb, as
 * tcp_send_fin() does itself under memory pressure. Where we closed first
 * and the peer's FIN is in too, LAST_ACK stood for CLOSING: put it right.
 *
 * Return: 0, -EIO if the socket left ESTABLISHED and CLOSE_WAIT (an RST
 * came in), -ENOMEM if there is no skb to carry the FIN.
 */
static int tcpkit_send_fin(struct tcpkit_restore *r, struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	u32 seq = tp->write_seq;
	struct sk_buff *skb;

	if (sk->sk_state != TCP_ESTABLISHED && sk->sk_state != TCP_CLOSE_WAIT)
		return -EIO;
	WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | SEND_SHUTDOWN);
	sk->sk_prot->shutdown(sk, SEND_SHUTDOWN);
	if (tp->write_seq == seq) {
		skb = tcp_write_queue_tail(sk);
		if (!skb) {
			skb = skb_rb_last(&sk->tcp_rtx_queue);
			if (!skb)
				return -ENOMEM;
			WRITE_ONCE(tp->snd_nxt, tp->snd_nxt + 1);
		}
		TCP_SKB_CB(skb)->tcp_flags |= TCPHDR_FIN;
		TCP_SKB_CB(skb)->end_seq++;
		WRITE_ONCE(tp->write_seq, tp->write_seq + 1);
	}
	if (sk->sk_state == TCP_LAST_ACK &&
	    (r->c.state == TCP_FIN_WAIT1 || r->c.state == TCP_CLOSING))
		tcpkit_tcp_set_state(sk, TCP_CLOSING);
	return 0;
}

/*
 * The FINs of a closing state, in TCP_SEND_QUEUE repair mode. The peer's
 * first, whichever came first (ESTABLISHED -> CLOSE_WAIT), then ours
 * (tcpkit_send_fin()), unless unsent bytes go before it: tcpkit_go_live()
 * queues it after them. FIN_WAIT2: ours was acknowledged, no skb carries
 * it; as tcp_rcv_state_process() leaves a socket that is not orphaned (so
 * no FIN_WAIT2 timer).
 */
static int tcpkit_fins(struct tcpkit_restore *r, struct sock *sk,
		       struct netlink_ext_ack *extack)
{
	const struct tcpkit_conn *c = &r->c;
	int err = 0;

	lock_sock(sk);
	if (tcpkit_state_in(c->state, TCPKIT_STATES_PEER_FIN))
		tcpkit_recv_fin(r, sk);
	if (tcpkit_state_in(c->state, TCPKIT_STATES_FIN_UNACKED) &&
	    !c->unsent_len) {
		err = tcpkit_fault() ? -ENOMEM : tcpkit_send_fin(r, sk);
		if (err)
			NL_SET_ERR_MSG(extack, "cannot queue our FIN");
	} else if (c->state == TCP_FIN_WAIT2) {
		if (sk->sk_state != TCP_ESTABLISHED ||
		    (sk->sk_shutdown & RCV_SHUTDOWN)) {
			NL_SET_ERR_MSG(extack,
				       "the peer closed during the restore of FIN_WAIT2 (TIME_WAIT cannot be restored)");
			err = -EAGAIN;
		} else {
			WRITE_ONCE(sk->sk_shutdown,
				   sk->sk_shutdown | SEND_SHUTDOWN);
			tcpkit_tcp_set_state(sk, TCP_FIN_WAIT2);
		}
	}
	release_sock(sk);
	return err;
}

static int tcpkit_set_options(struct tcpkit_restore *r, struct socket *sock,
			      struct netlink_ext_ack *extack)
{
	static const struct {
		int attr, opt;
		bool u8;
	} tcpopts[] = {
		{ TCPKIT_A_CONN_NODELAY, TCP_NODELAY, true },
		{ TCPKIT_A_CONN_CORK, TCP_CORK, true },
		{ TCPKIT_A_CONN_KEEPIDLE, TCP_KEEPIDLE, false },
		{ TCPKIT_A_CONN_KEEPINTVL, TCP_KEEPINTVL, false },
		{ TCPKIT_A_CONN_KEEPCNT, TCP_KEEPCNT, false },
		{ TCPKIT_A_CONN_USER_TIMEOUT, TCP_USER_TIMEOUT, false },
	};
	struct nlattr **attrs = r->attrs;
	struct sock *sk = sock->sk;
	int i, err, val;

	for (i = 0; i < ARRAY_SIZE(tcpopts); i++) {
		struct nlattr *a = attrs[tcpopts[i].attr];

		if (!a)
			continue;
		val = tcpopts[i].u8 ? nla_get_u8(a) : (int)nla_get_u32(a);
		err = tcpkit_setsockopt(sock, SOL_TCP, tcpopts[i].opt, val);
		if (err) {
			NL_SET_ERR_MSG_ATTR(extack, a, "cannot set this TCP option");
			return err;
		}
	}

	if (tcpkit_get_u8(attrs, TCPKIT_A_CONN_KEEPALIVE, 0))
		sock_set_keepalive(sk);
	if (attrs[TCPKIT_A_CONN_MARK])
		sock_set_mark(sk, nla_get_u32(attrs[TCPKIT_A_CONN_MARK]));
	if (attrs[TCPKIT_A_CONN_PRIORITY])
		sock_set_priority(sk, nla_get_u32(attrs[TCPKIT_A_CONN_PRIORITY]));
	if (attrs[TCPKIT_A_CONN_TOS]) {
		val = nla_get_u8(attrs[TCPKIT_A_CONN_TOS]);
		if (r->c.family == AF_INET ||
		    ipv6_addr_v4mapped((const struct in6_addr *)r->c.daddr)) {
			ip_sock_set_tos(sk, val);
		} else {
			err = tcpkit_setsockopt(sock, SOL_IPV6, IPV6_TCLASS, val);
			if (err) {
				NL_SET_ERR_MSG_ATTR(extack, attrs[TCPKIT_A_CONN_TOS],
						    "cannot set IPV6_TCLASS");
				return err;
			}
		}
	}

	if (r->c.has_aimd) {
		lock_sock(sk);
		err = tcpkit_aimd_sk_set(sk, &r->c.aimd, extack);
		release_sock(sk);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Leave repair mode, the last step that may fail. With no unsent bytes,
 * as TCP_REPAIR_OFF does: one window probe. With unsent bytes, their
 * memory is reserved and, under the same lock, repair is left and they
 * are queued; their segments then probe the window. Last, the peer's
 * segments that a freeze of the tuple kept.
 */
static int tcpkit_go_live(struct tcpkit_restore *r, struct socket *sock,
			  struct netlink_ext_ack *extack, int sndbuf, int rcvbuf)
{
	const struct tcpkit_conn *c = &r->c;
	struct sock *sk = sock->sk;
	struct tcp_sock *tp = tcp_sk(sk);
	struct sk_buff_head parked;
	u32 lowat;
	int err;

	__skb_queue_head_init(&parked);

	if (!c->unsent_len) {
		int off = TCP_REPAIR_OFF;

		lock_sock(sk);
		tcpkit_set_rtt(c, sk);
		tcpkit_set_cwnd(r, sk);
		tcpkit_set_ts_recent(c, sk);
		release_sock(sk);
		/* A freeze of this tuple here (checkpoint with stop) ends
		 * now, so that the answer to the window probe gets in.
		 */
		tcpkit_freeze_del(sock_net(sk), c, &parked);
		/* Needs only what TCP_REPAIR on needed: cannot fail here. */
		err = tcpkit_setsockopt_nofault(sock, SOL_TCP, TCP_REPAIR, &off,
						sizeof(off));
		if (err) {
			__skb_queue_purge(&parked);
			NL_SET_ERR_MSG(extack, "cannot leave repair mode");
			return err;
		}
		tcpkit_probe_in_flight(sk);
	} else {
		lock_sock(sk);
		/* Twice the bytes covers the skb overhead; nothing reclaims
		 * forward-allocated memory while we hold the lock.
		 */
		if (tcpkit_fault() ||
		    !sk_wmem_schedule(sk, min_t(u64, 2ULL * c->unsent_len +
						SZ_64K, INT_MAX))) {
			release_sock(sk);
			NL_SET_ERR_MSG(extack,
				       "no TCP memory for the unsent data (net.ipv4.tcp_mem)");
			return -ENOBUFS;
		}
		tcpkit_set_rtt(c, sk);
		tcpkit_set_cwnd(r, sk);
		tcpkit_set_ts_recent(c, sk);
		tcpkit_freeze_del(sock_net(sk), c, &parked);
		/* What TCP_REPAIR_OFF does, but the probe: the data is one. */
		tp->repair = 0;
		sk->sk_reuse = SK_NO_REUSE;
		tcp_update_wl(tp, tp->rcv_nxt - 1);
		lowat = READ_ONCE(tp->notsent_lowat);
		WRITE_ONCE(tp->notsent_lowat, U32_MAX);
		tcpkit_write_unsent(r, sk);
		/* Live: an RST that came in meanwhile leaves no FIN to send,
		 * and some skb always carries it otherwise.
		 */
		if (tcpkit_state_in(c->state, TCPKIT_STATES_FIN_UNACKED))
			tcpkit_send_fin(r, sk);
		WRITE_ONCE(tp->notsent_lowat, lowat);
		release_sock(sk);
		tcpkit_probe_in_flight(sk);
	}

	/* Live: nothing below can fail. */
	tcpkit_prof_mark(&r->prof, "live");
	if (tcpkit_get_u8(r->attrs, TCPKIT_A_CONN_REUSEADDR, 0))
		sock_set_reuseaddr(sk);
	tcpkit_final_buffers(r, sk, sndbuf, rcvbuf);
	tcpkit_freeze_deliver(sock_net(sk), &parked);
	tcpkit_prof_mark(&r->prof, "final");
	return 0;
}

/* Step 1: an unknown algorithm fails before anything changed. */
static int tcpkit_restore_cc(struct tcpkit_restore *r, struct socket *sock,
			     struct netlink_ext_ack *extack)
{
	int err;

	if (!r->attrs[TCPKIT_A_CONN_CC])
		return 0;
	err = tcpkit_setsockopt_buf(sock, SOL_TCP, TCP_CONGESTION,
				    r->c.cc, strlen(r->c.cc));
	if (err == -ENOENT)
		NL_SET_ERR_MSG_ATTR(extack, r->attrs[TCPKIT_A_CONN_CC],
				    "congestion control not available on this kernel");
	else if (err)
		NL_SET_ERR_MSG_ATTR(extack, r->attrs[TCPKIT_A_CONN_CC],
				    "cannot set the congestion control");
	return err;
}

/* Step 2, first half: TCP_REPAIR's CAP_NET_ADMIN check sees the caller. */
static int tcpkit_repair_on(struct socket *sock, struct netlink_ext_ack *extack)
{
	int err;

	err = tcpkit_setsockopt(sock, SOL_TCP, TCP_REPAIR, TCP_REPAIR_ON);
	if (err)
		NL_SET_ERR_MSG(extack,
			       "TCP_REPAIR refused: needs CAP_NET_ADMIN in the socket's netns");
	return err;
}

/* Step 2, second half: IPV6_V6ONLY and the bound device. */
static int tcpkit_restore_device(struct tcpkit_restore *r, struct socket *sock,
				 struct netlink_ext_ack *extack)
{
	const struct tcpkit_conn *c = &r->c;
	int err;

	if (c->family == AF_INET6) {
		err = tcpkit_setsockopt(sock, SOL_IPV6, IPV6_V6ONLY, c->v6only);
		if (err) {
			NL_SET_ERR_MSG(extack, "cannot set IPV6_V6ONLY");
			return err;
		}
	}
	if (c->ifindex && !tcpkit_linklocal(c)) {
		err = sock_bindtoindex(sock->sk, c->ifindex, true);
		if (err) {
			NL_SET_ERR_MSG(extack, "cannot bind to the image's device (ifindex)");
			return err;
		}
	}
	return 0;
}

/* Step 3: the local address must exist in the restoring namespace. */
static int tcpkit_restore_bind(struct tcpkit_restore *r, struct socket *sock,
			       struct netlink_ext_ack *extack)
{
	struct sockaddr_storage ss;
	int err, len;

	len = tcpkit_sockaddr(&r->c, true, &ss);
	err = tcpkit_fault() ? -ENOMEM :
	      kernel_bind(sock, tcpkit_kernel_sockaddr(&ss), len);
	if (err)
		NL_SET_ERR_MSG(extack, "cannot bind the local address and port");
	return err;
}

/* Step 4, first part: where each queue starts, before its data and FIN. */
static int tcpkit_restore_queue_seq(struct tcpkit_restore *r,
				    struct socket *sock,
				    struct netlink_ext_ack *extack)
{
	const struct tcpkit_conn *c = &r->c;
	u32 peer_fin = tcpkit_state_in(c->state, TCPKIT_STATES_PEER_FIN);
	u32 our_fin = tcpkit_state_in(c->state, TCPKIT_STATES_FIN_UNACKED);
	int err;

	err = tcpkit_setsockopt(sock, SOL_TCP, TCP_REPAIR_QUEUE, TCP_RECV_QUEUE);
	if (!err)
		err = tcpkit_setsockopt(sock, SOL_TCP, TCP_QUEUE_SEQ,
					c->rcv_seq - peer_fin - c->rcv_qlen);
	if (!err)
		err = tcpkit_setsockopt(sock, SOL_TCP, TCP_REPAIR_QUEUE,
					TCP_SEND_QUEUE);
	if (!err)
		err = tcpkit_setsockopt(sock, SOL_TCP, TCP_QUEUE_SEQ,
					c->snd_seq - our_fin - c->snd_qlen);
	if (err)
		NL_SET_ERR_MSG(extack, "cannot set the queue sequence numbers");
	return err;
}

/* Step 4, second part: connect() in repair mode, to the image's tuple. */
static int tcpkit_restore_connect(struct tcpkit_restore *r,
				  struct socket *sock,
				  struct netlink_ext_ack *extack)
{
	const struct tcpkit_conn *c = &r->c;
	struct sock *sk = sock->sk;
	struct sockaddr_storage ss;
	int err, len;

	/* connect() syncs the segment size from user_mss, else from 536
	 * (IPv6: 1220); TCP_REPAIR_OPTIONS only sets the clamp later.
	 * Written directly: TCP_MAXSEG stops at 32767, loopback's is larger.
	 */
	tcpkit_set_user_mss(sk, c->mss);

	len = tcpkit_sockaddr(c, false, &ss);
	err = tcpkit_fault() ? -ENOMEM :
	      kernel_connect(sock, tcpkit_kernel_sockaddr(&ss), len,
			     O_NONBLOCK);
	if (err == -EADDRNOTAVAIL) {
		NL_SET_ERR_MSG(extack,
			       "4-tuple still in use in this network namespace");
		return err;
	}
	if (err || sk->sk_state != TCP_ESTABLISHED) {
		NL_SET_ERR_MSG(extack, "connect in repair mode failed");
		return err ?: -EIO;
	}
	if (!tcpkit_tuple_is(sk, c)) {
		NL_SET_ERR_MSG(extack,
			       "connect made another 4-tuple than the image's (a cgroup BPF connect hook?)");
		return -EADDRNOTAVAIL;
	}
	/* The image does not say the owner set TCP_MAXSEG. */
	tcpkit_set_user_mss(sk, 0);
	return 0;
}

/* Step 5: TCP_REPAIR_OPTIONS, then TCP_TIMESTAMP. */
static int tcpkit_restore_tcp_options(struct tcpkit_restore *r,
				      struct socket *sock,
				      struct netlink_ext_ack *extack)
{
	const struct tcpkit_conn *c = &r->c;
	struct tcp_repair_opt opts[4];
	int err, n = 0;

	opts[n].opt_code = TCPOPT_MSS;
	opts[n++].opt_val = c->mss;
	opts[n].opt_code = TCPOPT_WINDOW;
	opts[n++].opt_val = c->snd_wscale | (u32)c->rcv_wscale << 16;
	if (c->sack_ok) {
		opts[n].opt_code = TCPOPT_SACK_PERM;
		opts[n++].opt_val = 0;
	}
	if (c->tstamp_ok) {
		opts[n].opt_code = TCPOPT_TIMESTAMP;
		opts[n++].opt_val = 0;
	}
	err = tcpkit_setsockopt_buf(sock, SOL_TCP, TCP_REPAIR_OPTIONS, opts,
				    n * sizeof(opts[0]));
	if (err) {
		NL_SET_ERR_MSG(extack, "TCP_REPAIR_OPTIONS refused");
		return err;
	}

	if (r->attrs[TCPKIT_A_CONN_TS_VAL]) {
		err = tcpkit_setsockopt(sock, SOL_TCP, TCP_TIMESTAMP,
					tcpkit_tcp_ts_optval(c->ts_val,
							     c->ts_clock));
		if (err) {
			NL_SET_ERR_MSG(extack, "cannot set TCP_TIMESTAMP");
			return err;
		}
	}
	return 0;
}

/*
 * Step 6, first part: the receive queue, then the send queue's bytes in
 * flight (the unsent ones go in when the socket is live). The send queue
 * stays selected for the FINs.
 */
static int tcpkit_restore_queues(struct tcpkit_restore *r, struct socket *sock,
				 struct netlink_ext_ack *extack)
{
	const struct tcpkit_conn *c = &r->c;
	int err;

	err = tcpkit_setsockopt(sock, SOL_TCP, TCP_REPAIR_QUEUE, TCP_RECV_QUEUE);
	if (!err)
		err = tcpkit_write_chunks(r, sock, TCPKIT_A_CONN_RCV_DATA, 0,
					  c->rcv_qlen);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot refill the receive queue");
		return err;
	}
	tcpkit_prof_mark(&r->prof, "rcvq");

	err = tcpkit_setsockopt(sock, SOL_TCP, TCP_REPAIR_QUEUE, TCP_SEND_QUEUE);
	if (!err)
		err = tcpkit_write_chunks(r, sock, TCPKIT_A_CONN_SND_DATA, 0,
					  c->snd_qlen - c->unsent_len);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot refill the send queue");
		return err;
	}
	tcpkit_prof_mark(&r->prof, "sndq");
	return 0;
}

/* Step 6, after the FINs: leave the send queue, then TCP_REPAIR_WINDOW. */
static int tcpkit_restore_window(struct tcpkit_restore *r, struct socket *sock,
				 struct netlink_ext_ack *extack)
{
	const struct tcpkit_conn *c = &r->c;
	struct tcp_repair_window win = {
		.snd_wl1	= c->snd_wl1,
		.snd_wnd	= c->snd_wnd,
		.max_window	= c->max_window,
		.rcv_wnd	= c->rcv_wnd,
		.rcv_wup	= c->rcv_wup,
	};
	int err;

	err = tcpkit_setsockopt(sock, SOL_TCP, TCP_REPAIR_QUEUE, TCP_NO_QUEUE);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot leave the send queue");
		return err;
	}

	err = tcpkit_setsockopt_buf(sock, SOL_TCP, TCP_REPAIR_WINDOW, &win,
				    sizeof(win));
	if (err)
		NL_SET_ERR_MSG(extack, "TCP_REPAIR_WINDOW refused");
	return err;
}

/* The restore order of the header comment and Documentation/tcpkit.rst. */
static int tcpkit_restore_run(struct tcpkit_restore *r, struct socket *sock,
			      struct netlink_ext_ack *extack)
{
	struct sock *sk = sock->sk;
	int sndbuf, rcvbuf;
	int err;

	err = tcpkit_restore_cc(r, sock, extack);
	if (err)
		return err;
	err = tcpkit_repair_on(sock, extack);
	if (err)
		return err;
	/* The sizes to restore last, once the queues are in. */
	sndbuf = READ_ONCE(sk->sk_sndbuf);
	rcvbuf = READ_ONCE(sk->sk_rcvbuf);
	tcpkit_raise_buffers(r, sk);
	err = tcpkit_restore_device(r, sock, extack);
	if (err)
		return err;
	err = tcpkit_restore_bind(r, sock, extack);
	if (err)
		return err;
	err = tcpkit_restore_queue_seq(r, sock, extack);
	if (err)
		return err;
	tcpkit_prof_mark(&r->prof, "setup");

	err = tcpkit_restore_connect(r, sock, extack);
	if (err)
		return err;
	tcpkit_prof_mark(&r->prof, "connect");

	err = tcpkit_restore_tcp_options(r, sock, extack);
	if (err)
		return err;
	tcpkit_prof_mark(&r->prof, "options");

	err = tcpkit_restore_queues(r, sock, extack);
	if (err)
		return err;
	err = tcpkit_fins(r, sk, extack);
	if (err)
		return err;
	err = tcpkit_restore_window(r, sock, extack);
	if (err)
		return err;
	err = tcpkit_set_options(r, sock, extack);
	if (err)
		return err;
	tcpkit_prof_mark(&r->prof, "window");

	return tcpkit_go_live(r, sock, extack, sndbuf, rcvbuf);
}

/*
 * Leave the socket closed and unusable: disconnect in repair mode (no FIN,
 * no RST, queues purged, timers stopped), ECONNABORTED pending, and a
 * socket state that connect(), listen() and bind() refuse.
 */
static void tcpkit_restore_abort(struct socket *sock)
{
	struct sock *sk = sock->sk;

	lock_sock(sk);
	tcpkit_sk_silence(sk);
	sk->sk_reuse = SK_NO_REUSE;
	WRITE_ONCE(sk->sk_err, ECONNABORTED);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	sock->state = SS_DISCONNECTING;
	release_sock(sk);
}

/**
 * tcpkit_nl_conn_restore_doit() - TCPKIT_CMD_CONN_RESTORE
 * @skb: the request
 * @info: the image's attributes, and TCPKIT_A_CONN_SOCK with the fd of a
 *	fresh TCP socket of the caller
 *
 * A target that is not a fresh TCP socket is refused and left alone. Once
 * the target is accepted, any error (of the image or of the restore)
 * leaves it closed and unusable.
 *
 * Return: 0 with the connection live in the socket, or a negative errno
 * with an extack message.
 */
int tcpkit_nl_conn_restore_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *nest = info->attrs[TCPKIT_A_CONN_SOCK];
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[TCPKIT_A_SOCK_MAX + 1];
	struct tcpkit_restore *r;
	struct tcpkit_sk ts;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, TCPKIT_A_CONN_SOCK)) {
		NL_SET_ERR_MSG(extack, "missing sock: the fd of a fresh TCP socket");
		return -EINVAL;
	}
	err = tcpkit_sock_once(info, TCPKIT_A_CONN_SOCK);
	if (err)
		return err;
	err = nla_parse_nested(tb, TCPKIT_A_SOCK_MAX, nest, tcpkit_sock_nl_policy,
			       extack);
	if (err)
		return err;
	if (!tb[TCPKIT_A_SOCK_FD]) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "restore needs the fd of a fresh TCP socket, not a 4-tuple");
		return -EINVAL;
	}
	err = tcpkit_sk_lookup(skb, genl_info_net(info), nest, &ts, extack);
	if (err)
		return err;
	err = tcpkit_restore_target(ts.sock, extack);
	if (err)
		goto out;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r) {
		err = -ENOMEM;
	} else {
		tcpkit_prof_begin(&r->prof);
		err = tcpkit_restore_parse(genl_info_net(info), info, r);
		if (!err && r->c.family != ts.sk->sk_family) {
			NL_SET_ERR_MSG(extack, "target socket's family differs from the image's");
			err = -EAFNOSUPPORT;
		}
		tcpkit_prof_mark(&r->prof, "parse");
		if (!err)
			err = tcpkit_restore_run(r, ts.sock, extack);
		if (!err)
			tcpkit_prof_report(&r->prof, "restore",
					   (u64)r->c.snd_qlen + r->c.rcv_qlen);
		kfree(r);
	}
	if (err)
		tcpkit_restore_abort(ts.sock);
out:
	tcpkit_sk_put(&ts);
	return err;
}
