// SPDX-License-Identifier: GPL-2.0
/*
 * tcpkit: checkpoint of an established TCP connection.
 *
 * Everything is read under lock_sock(): softirq input goes to the backlog
 * and the timers are deferred meanwhile, so the header and the queue bytes
 * describe one instant. The queues are read straight from the skbs (not
 * through MSG_PEEK, which SO_PEEK_OFF would shift): the send queue from
 * snd_una on, rtx rb-tree first, then the write queue; the receive queue
 * from copied_seq on, the FIN excluded. The send queue is copied into one
 * kvmalloc() buffer: TCP splits and shifts the frags of its unsent and
 * SACKed skbs in place, which a clone would see. The receive queue's skbs
 * are cloned instead: nothing changes their bytes once queued (coalescing
 * refuses a cloned tail, collapsing builds new skbs), so under the lock
 * only references are taken, and the bytes are copied once, into the dump
 * messages. The dump streams both after the lock is gone, in chunks of at
 * most TCPKIT_CHUNK_MAX bytes, and frees what is left in .done.
 *
 * With TCPKIT_A_CONN_STOP the tuple is frozen first (freeze.c), then, once
 * no segment that slipped past the freeze can still be on its way in, the
 * snapshot's lock also covers parking the original (hold.c): the peer never
 * gets an ACK for a byte the image lacks, and nothing is destroyed until
 * the image is durable and the holder commits.
 *
 * A request may name several sockets (a set, in one dump): all are looked
 * up when the dump starts, in the caller's context; then each is
 * snapshotted when its turn comes and streamed exactly as one alone would
 * be, one snapshot buffer at a time.
 */
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/sizes.h>
#include <linux/netlink.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/genetlink.h>
#include <net/inet_connection_sock.h>
#include <net/ipv6.h>
#include <net/mptcp.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/netlink.h>
#include <net/sock.h>
#include <net/tcp.h>

#include <linux/tcpkit.h>

#include "compat.h"
#include "tcpkit.h"

/* The most queue bytes one snapshot may hold, both queues together. */
#define TCPKIT_SNAP_MAX		SZ_1G

/* Do not start a data chunk smaller than this unless it ends a queue. */
#define TCPKIT_CHUNK_MIN	256

/*
 * Snapshot bytes the dumps of one netns may hold at once, in MiB: a dump
 * keeps its snapshot until it is read, and N netlink sockets dumping one
 * large connection would hold N copies.
 */
#define TCPKIT_SNAP_NET_MB_MAX	65536
static unsigned int snapshot_net_mb = 1024;

static int snapshot_net_mb_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, TCPKIT_SNAP_NET_MB_MAX);
}

static const struct kernel_param_ops snapshot_net_mb_ops = {
	.set = snapshot_net_mb_set,
	.get = param_get_uint,
};

module_param_cb(snapshot_net_mb, &snapshot_net_mb_ops, &snapshot_net_mb, 0644);
MODULE_PARM_DESC(snapshot_net_mb,
		 "checkpoint snapshot memory all dumps of a network namespace may hold at once, MiB: 1 to 65536 (default 1024)");

/* Per netns: an atomic64_t, the snapshot bytes its dumps hold. */
static unsigned int tcpkit_snap_net_id __read_mostly;

static struct pernet_operations tcpkit_snap_net_ops = {
	.id	= &tcpkit_snap_net_id,
	.size	= sizeof(atomic64_t),
};

static_assert(sizeof_field(struct tcpkit_conn, cc) == TCP_CA_NAME_MAX);

/* Room for "sock N: " before an extack message of a set. */
#define TCPKIT_DUMP_ERRLEN	256

/**
 * struct tcpkit_snapq - the queue bytes of a snapshot
 * @snd: the send queue's bytes, a copy (NULL when it is empty)
 * @rcv: clones of the receive queue's skbs holding bytes from copied_seq
 * @rcv_off: offset in the first of @rcv of its first byte not yet streamed
 */
struct tcpkit_snapq {
	u8 *snd;
	struct sk_buff_head rcv;
	u32 rcv_off;
};

/**
 * struct tcpkit_dump - state of one checkpoint dump
 * @conn: the current connection's snapshot header
 * @q: its send queue bytes (@conn.snd_qlen) then receive queue bytes
 * @pos: bytes of @q already sent
 * @header_sent: its header message went out
 * @hold: id of the hold its stop made, 0 without stop
 * @net: netns whose snapshot budget @q is charged to
 * @charged: bytes charged
 * @prof: phase times of the first connection (module parameter profile)
 * @prof_bytes: the first connection's queue bytes, once it is done
 * @err: error to report from .dumpit once its buffer is empty
 * @errmsg: extack text for @err
 * @stop: the request has TCPKIT_A_CONN_STOP
 * @n: sockets the request names, in @sks
 * @cur: index of the current connection
 * @sks: the sockets, a reference held on each until its snapshot
 * @frozen: with stop, the header of each tuple frozen at .start
 * @nfrozen: how many of @sks (the first ones) have their tuple frozen
 * @snapped: how many of @sks went to a snapshot (and own their freeze)
 * @errbuf: "sock N: " and the message, for a set
 *
 * Errors are reported from a .dumpit that has added nothing to its buffer,
 * in NLMSG_DONE: only there does every supported kernel carry the extack
 * text.
 */
struct tcpkit_dump {
	struct tcpkit_conn conn;
	struct tcpkit_snapq q;
	u32 pos;
	bool header_sent;
	u32 hold;
	struct net *net;
	u64 charged;
	struct tcpkit_prof prof;
	u64 prof_bytes;
	int err;
	const char *errmsg;
	bool stop;
	u32 n;
	u32 cur;
	struct sock **sks;
	struct tcpkit_conn *frozen;
	u32 nfrozen;
	u32 snapped;
	char errbuf[TCPKIT_DUMP_ERRLEN];
};

static int tcpkit_conn_check(struct sock *sk, struct netlink_ext_ack *extack)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	switch (sk->sk_state) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
	case TCP_FIN_WAIT1:
	case TCP_FIN_WAIT2:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		break;
	case TCP_LISTEN:
		NL_SET_ERR_MSG(extack, "socket is listening, not connected");
		return -EOPNOTSUPP;
	case TCP_CLOSE:
		NL_SET_ERR_MSG(extack, "socket is not connected");
		return -ENOTCONN;
	case TCP_SYN_SENT:
	case TCP_SYN_RECV:
		NL_SET_ERR_MSG(extack, "connection is not established yet");
		return -ENOTCONN;
	default:
		NL_SET_ERR_MSG(extack,
			       "connection is in TIME_WAIT or closed; only ESTABLISHED, CLOSE_WAIT, FIN_WAIT1, FIN_WAIT2, CLOSING and LAST_ACK can be checkpointed");
		return -EOPNOTSUPP;
	}

	if (sk_is_mptcp(sk) || inet_csk(sk)->icsk_ulp_ops) {
		NL_SET_ERR_MSG(extack,
			       "socket runs an upper layer protocol (kTLS, MPTCP, ...)");
		return -EOPNOTSUPP;
	}
	if (READ_ONCE(sk->sk_user_data)) {
		NL_SET_ERR_MSG(extack,
			       "socket is attached to a kernel user (sockmap, ...)");
		return -EOPNOTSUPP;
	}
#ifdef CONFIG_TCP_MD5SIG
	if (rcu_access_pointer(tp->md5sig_info)) {
		NL_SET_ERR_MSG(extack, "TCP-MD5 keys cannot be checkpointed");
		return -EOPNOTSUPP;
	}
#endif
#ifdef CONFIG_TCP_AO
	if (rcu_access_pointer(tp->ao_info)) {
		NL_SET_ERR_MSG(extack, "TCP-AO keys cannot be checkpointed");
		return -EOPNOTSUPP;
	}
#endif
	if (rcu_access_pointer(tp->fastopen_rsk)) {
		NL_SET_ERR_MSG(extack, "Fast Open handshake still in progress");
		return -EOPNOTSUPP;
	}
	/* Set from the moment an urgent pointer arrives until the reader
	 * has passed the urgent byte, which the image would otherwise carry
	 * in the stream (or lack, while it has not arrived).
	 */
	if (READ_ONCE(tp->urg_data)) {
		NL_SET_ERR_MSG(extack,
			       "urgent (out-of-band) data pending in the receive stream");
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * Copy (or, with @dst NULL, count) the bytes of @skb from *@seq on. A gap
 * before *@seq, or more bytes than @max, means the queue is not what the
 * sequence numbers say: refuse rather than guess.
 */
static int tcpkit_skb_take(const struct sk_buff *skb, u32 *seq, u8 *dst,
			   u32 *done, u32 max)
{
	u32 start = TCP_SKB_CB(skb)->seq;
	u32 off, n;

	if (!skb->len)
		return 0;
	if (after(start, *seq))
		return -EIO;
	off = *seq - start;
	if (off >= skb->len)
		return 0;
	n = skb->len - off;
	if (n > max - *done)
		return -EIO;
	if (dst && skb_copy_bits(skb, off, dst + *done, n))
		return -EIO;
	*done += n;
	*seq += n;
	return 0;
}

/* Send queue from snd_una: in flight (rtx tree) first, then unsent. */
static int tcpkit_sndq_take(struct sock *sk, u8 *dst, u32 len)
{
	u32 seq = tcp_sk(sk)->snd_una;
	struct sk_buff *skb;
	struct rb_node *n;
	u32 done = 0;
	int err;

	for (n = rb_first(&sk->tcp_rtx_queue); n; n = rb_next(n)) {
		err = tcpkit_skb_take(rb_to_skb(n), &seq, dst, &done, len);
		if (err)
			return err;
	}
	skb_queue_walk(&sk->sk_write_queue, skb) {
		err = tcpkit_skb_take(skb, &seq, dst, &done, len);
		if (err)
			return err;
	}
	return done == len ? 0 : -EIO;
}

/* Bytes of the receive queue from copied_seq, through @len. */
static int tcpkit_rcvq_count(struct sock *sk, u32 *len)
{
	u32 seq = tcp_sk(sk)->copied_seq;
	struct sk_buff *skb;
	u32 done = 0;
	int err;

	skb_queue_walk(&sk->sk_receive_queue, skb) {
		err = tcpkit_skb_take(skb, &seq, NULL, &done, U32_MAX);
		if (err)
			return err;
	}
	*len = done;
	return 0;
}

/*
 * Clone the receive queue's skbs that hold its @len bytes from copied_seq
 * onto @q->rcv, the offset of copied_seq in the first in @q->rcv_off.
 */
static int tcpkit_rcvq_clone(struct sock *sk, struct tcpkit_snapq *q, u32 len)
{
	u32 seq = tcp_sk(sk)->copied_seq;
	struct sk_buff *skb, *clone;
	u32 done = 0, before;
	int err;

	skb_queue_walk(&sk->sk_receive_queue, skb) {
		before = done;
		err = tcpkit_skb_take(skb, &seq, NULL, &done, len);
		if (err)
			return err;
		if (done == before)
			continue;
		clone = skb_clone(skb, GFP_KERNEL);
		if (!clone)
			return -ENOMEM;
		if (skb_queue_empty(&q->rcv))
			q->rcv_off = skb->len - (done - before);
		__skb_queue_tail(&q->rcv, clone);
	}
	return done == len ? 0 : -EIO;
}

/* Free what @q still holds. */
static void tcpkit_snapq_free(struct tcpkit_snapq *q)
{
	kvfree(q->snd);
	q->snd = NULL;
	__skb_queue_purge(&q->rcv);
	q->rcv_off = 0;
}

/*
 * Our FIN, which takes a sequence number but no byte: counted in snd-seq
 * (write_seq), not in snd-qlen or unsent-len. Where it waits for its ACK,
 * it rides on the last skb of the send queue, unsent if that skb is still
 * in the write queue. A FIN_WAIT1 socket without one (tcp_send_fin()
 * could not allocate it) is refused rather than guessed at.
 */
static int tcpkit_our_fin(struct sock *sk, u32 *unacked, u32 *unsent)
{
	struct sk_buff *skb = tcp_write_queue_tail(sk);
	const struct tcp_sock *tp = tcp_sk(sk);

	*unacked = 0;
	*unsent = 0;
	if (sk->sk_state == TCP_FIN_WAIT2)
		return tp->snd_una == tp->write_seq ? 0 : -EIO;
	if (!tcpkit_state_in(sk->sk_state, TCPKIT_STATES_FIN_UNACKED))
		return 0;
	if (skb)
		*unsent = 1;
	else
		skb = skb_rb_last(&sk->tcp_rtx_queue);
	if (!skb || !(TCP_SKB_CB(skb)->tcp_flags & TCPHDR_FIN) ||
	    TCP_SKB_CB(skb)->end_seq != tp->write_seq)
		return -EIO;
	*unacked = 1;
	return 0;
}

static void tcpkit_conn_fill(struct sock *sk, struct tcpkit_conn *c)
{
	const struct inet_connection_sock *icsk = inet_csk(sk);
	const struct tcp_sock *tp = tcp_sk(sk);
	bool v4 = true;

	memset(c, 0, sizeof(*c));
	c->family = sk->sk_family;
	if (sk->sk_family == AF_INET) {
		c->addr_len = 4;
		memcpy(c->saddr, &sk->sk_rcv_saddr, 4);
		memcpy(c->daddr, &sk->sk_daddr, 4);
#if IS_ENABLED(CONFIG_IPV6)
	} else {
		c->addr_len = 16;
		memcpy(c->saddr, &sk->sk_v6_rcv_saddr, 16);
		memcpy(c->daddr, &sk->sk_v6_daddr, 16);
		c->v6only = sk->sk_ipv6only;
		v4 = ipv6_addr_v4mapped(&sk->sk_v6_daddr);
#endif
	}
	c->sport = ntohs(inet_sk(sk)->inet_sport);
	c->dport = ntohs(sk->sk_dport);
	c->ifindex = READ_ONCE(sk->sk_bound_dev_if);
	c->state = sk->sk_state;

	c->snd_seq = tp->write_seq;
	c->rcv_seq = tp->rcv_nxt;
	c->snd_qlen = tp->write_seq - tp->snd_una;
	c->unsent_len = tp->write_seq - tp->snd_nxt;

	c->mss = tp->rx_opt.mss_clamp;
	if (tp->rx_opt.wscale_ok) {
		c->snd_wscale = tp->rx_opt.snd_wscale;
		c->rcv_wscale = tp->rx_opt.rcv_wscale;
	}
	c->sack_ok = tcp_is_sack(tp);
	c->tstamp_ok = tp->rx_opt.tstamp_ok;
	c->ts_val = tcpkit_tcp_ts_now(tp, &c->ts_clock);
	/* The peer's last TSval, once one was seen: what we echo. */
	if (c->tstamp_ok && tp->rx_opt.ts_recent_stamp) {
		c->has_ts_recent = true;
		c->ts_recent = tp->rx_opt.ts_recent;
	}

	/* What TCP_REPAIR_WINDOW reports. */
	c->snd_wl1 = tp->snd_wl1;
	c->snd_wnd = tp->snd_wnd;
	c->max_window = tp->max_window;
	c->rcv_wnd = tp->rcv_wnd;
	c->rcv_wup = tp->rcv_wup;

	/* Socket options, as getsockopt() shows them. */
	c->nodelay = !!(tp->nonagle & TCP_NAGLE_OFF);
	c->cork = !!(tp->nonagle & TCP_NAGLE_CORK);
	/* Keepalive values only where the owner set them (0: the sysctl). */
	c->keepalive = sock_flag(sk, SOCK_KEEPOPEN);
	c->keepidle = READ_ONCE(tp->keepalive_time) / HZ;
	c->keepintvl = READ_ONCE(tp->keepalive_intvl) / HZ;
	c->keepcnt = READ_ONCE(tp->keepalive_probes);
	c->user_timeout = READ_ONCE(icsk->icsk_user_timeout);
	c->sndbuf = READ_ONCE(sk->sk_sndbuf);
	c->rcvbuf = READ_ONCE(sk->sk_rcvbuf);
	c->sndbuf_lock = !!(sk->sk_userlocks & SOCK_SNDBUF_LOCK);
	c->rcvbuf_lock = !!(sk->sk_userlocks & SOCK_RCVBUF_LOCK);
	c->mark = READ_ONCE(sk->sk_mark);
	c->priority = READ_ONCE(sk->sk_priority);
#if IS_ENABLED(CONFIG_IPV6)
	if (!v4)
		c->tos = inet6_sk(sk)->tclass;
	else
#endif
		c->tos = inet_sk(sk)->tos;
	c->reuseaddr = sk->sk_reuse == SK_CAN_REUSE;
	strscpy(c->cc, icsk->icsk_ca_ops->name, sizeof(c->cc));

	/* The RTT estimate, unscaled, bounded as restore bounds it; none
	 * before the first sample (srtt 0, the minimum still ~0U).
	 */
	if (tp->srtt_us) {
		c->srtt_us = min(tp->srtt_us >> 3, TCPKIT_RTT_MAX_US);
		c->rttvar_us = min(tp->mdev_us >> 2, TCPKIT_RTT_MAX_US);
		c->rto_us = clamp(jiffies_to_usecs(icsk->icsk_rto), 1U,
				  TCPKIT_RTT_MAX_US);
		if (tcp_min_rtt(tp) != ~0U)
			c->min_rtt_us = min(tcp_min_rtt(tp), TCPKIT_RTT_MAX_US);
	}
	c->cwnd = clamp(tcp_snd_cwnd(tp), 1U, (u32)INT_MAX);
	c->ssthresh = clamp(tp->snd_ssthresh, 2U, TCP_INFINITE_SSTHRESH);
}

static int tcpkit_snap_charge(struct net *net, u64 bytes,
			      struct netlink_ext_ack *extack)
{
	atomic64_t *held = net_generic(net, tcpkit_snap_net_id);
	u64 max = (u64)READ_ONCE(snapshot_net_mb) << 20;

	if (atomic64_add_return(bytes, held) > max) {
		atomic64_sub(bytes, held);
		NL_SET_ERR_MSG(extack,
			       "checkpoint snapshots of this network namespace would exceed snapshot_net_mb (module parameter): read or close the other dumps first");
		return -ENOBUFS;
	}
	return 0;
}

static void tcpkit_snap_uncharge(struct net *net, u64 bytes)
{
	atomic64_sub(bytes, (atomic64_t *)net_generic(net, tcpkit_snap_net_id));
}

/*
 * Freeze the tuple before the snapshot's lock; the caller then waits in
 * synchronize_net() until every segment that passed the hooks before has
 * reached the socket: processed, or in the backlog that the owner's
 * release_sock() drains before our lock_sock() returns. From then on the
 * queues can only shrink by the owner's reads, which the snapshot's lock
 * orders.
 */
static int tcpkit_stop_freeze(struct sock *sk, struct tcpkit_conn *c,
			      struct netlink_ext_ack *extack)
{
	int err;

	lock_sock(sk);
	err = tcpkit_conn_check(sk, extack);
	if (!err && tcp_sk(sk)->repair) {
		NL_SET_ERR_MSG(extack, "socket is in repair mode");
		err = -EBUSY;
	}
	if (!err) {
		tcpkit_conn_fill(sk, c);
		err = tcpkit_freeze_add(sock_net(sk), c, extack);
	}
	release_sock(sk);
	return err;
}

/* End the freeze of a connection that was never held; it gets what was kept. */
static void tcpkit_stop_unfreeze(struct sock *sk, const struct tcpkit_conn *c)
{
	struct sk_buff_head parked;

	__skb_queue_head_init(&parked);
	tcpkit_freeze_del(sock_net(sk), c, &parked);
	tcpkit_freeze_deliver(sock_net(sk), &parked);
}

/*
 * Take the snapshot: header into @c and, if @q (empty), both queues into
 * it, which the caller frees with tcpkit_snapq_free(). With @hold (the
 * caller froze the tuple), park the connection in @hold: no byte the image
 * lacks is ever acknowledged.
 */
static int tcpkit_snapshot(struct sock *sk, struct tcpkit_conn *c,
			   struct tcpkit_snapq *q, struct tcpkit_hold *hold,
			   struct tcpkit_prof *prof,
			   struct netlink_ext_ack *extack)
{
	struct tcpkit_aimd_state st;
	const struct tcp_sock *tp;
	u32 inq, fin, fin_unacked, fin_unsent;
	bool charged = false;
	int err;

	lock_sock(sk);
	tp = tcp_sk(sk);
	err = tcpkit_conn_check(sk, extack);
	if (err)
		goto out;
	tcpkit_conn_fill(sk, c);

	if (tcpkit_our_fin(sk, &fin_unacked, &fin_unsent)) {
		NL_SET_ERR_MSG(extack,
			       "our FIN is not where the state says (send queue does not match it)");
		err = -EIO;
		goto out;
	}
	c->snd_qlen -= fin_unacked;
	c->unsent_len -= fin_unsent;

	/* Receive queue length counted, then checked against rcv_nxt: a
	 * received FIN takes a sequence number but no byte; after the
	 * application read it, copied_seq is past it.
	 */
	err = tcpkit_rcvq_count(sk, &c->rcv_qlen);
	inq = tp->rcv_nxt - tp->copied_seq;
	fin = (tcpkit_state_in(sk->sk_state, TCPKIT_STATES_PEER_FIN) && inq) ?
	      1 : 0;
	if (err || inq != c->rcv_qlen + fin) {
		NL_SET_ERR_MSG(extack,
			       "receive queue does not match its sequence numbers");
		err = -EIO;
		goto out;
	}
	if (c->unsent_len > c->snd_qlen) {
		NL_SET_ERR_MSG(extack,
			       "send queue does not match its sequence numbers");
		err = -EIO;
		goto out;
	}

	tcpkit_prof_mark(prof, "header");
	if (q) {
		u64 total = (u64)c->snd_qlen + c->rcv_qlen;

		if (total > TCPKIT_SNAP_MAX) {
			NL_SET_ERR_MSG(extack, "queues hold more than 1 GiB");
			err = -EFBIG;
			goto out;
		}
		if (total) {
			err = tcpkit_snap_charge(sock_net(sk), total, extack);
			if (err)
				goto out;
			charged = true;
		}
		err = -ENOMEM;
		if (c->snd_qlen)
			q->snd = kvmalloc(c->snd_qlen, GFP_KERNEL_ACCOUNT);
		if (q->snd || !c->snd_qlen)
			err = tcpkit_sndq_take(sk, q->snd, c->snd_qlen);
		if (!err)
			err = tcpkit_rcvq_clone(sk, q, c->rcv_qlen);
		if (err == -ENOMEM)
			NL_SET_ERR_MSG(extack, "no memory for the snapshot");
		else if (err)
			NL_SET_ERR_MSG(extack,
				       "queue contents do not match their sequence numbers");
		if (err)
			goto out;
	}

	tcpkit_prof_mark(prof, "copy");

	/* A per-connection aimd override travels with the connection; one
	 * that follows the global values follows the target's.
	 */
	if (!strcmp(c->cc, "aimd") && !tcpkit_aimd_sk_get(sk, &st, NULL) &&
	    st.override) {
		c->has_aimd = true;
		c->aimd = st.params;
	}

	if (hold) {
		/* The last step that may fail before the original is held. */
		if (tcpkit_fault()) {
			err = -ENOMEM;
			goto out;
		}
		tcpkit_hold_park(hold, sk);
	}
out:
	release_sock(sk);
	tcpkit_prof_mark(prof, "release");
	if (err && q) {
		if (charged)
			tcpkit_snap_uncharge(sock_net(sk),
					     (u64)c->snd_qlen + c->rcv_qlen);
		tcpkit_snapq_free(q);
	}
	return err;
}

/**
 * tcpkit_conn_put_header() - add a checkpoint header's attributes
 * @skb: the message being built
 * @c: the header
 *
 * Return: 0, or -EMSGSIZE if @skb has no room for all of them.
 */
int tcpkit_conn_put_header(struct sk_buff *skb, const struct tcpkit_conn *c)
{
	struct nlattr *nest;

	if (nla_put_u16(skb, TCPKIT_A_CONN_FAMILY, c->family) ||
	    nla_put(skb, TCPKIT_A_CONN_SADDR, c->addr_len, c->saddr) ||
	    nla_put(skb, TCPKIT_A_CONN_DADDR, c->addr_len, c->daddr) ||
	    nla_put_u16(skb, TCPKIT_A_CONN_SPORT, c->sport) ||
	    nla_put_u16(skb, TCPKIT_A_CONN_DPORT, c->dport) ||
	    nla_put_u32(skb, TCPKIT_A_CONN_IFINDEX, c->ifindex) ||
	    nla_put_u8(skb, TCPKIT_A_CONN_V6ONLY, c->v6only) ||
	    nla_put_u8(skb, TCPKIT_A_CONN_STATE, c->state) ||
	    nla_put_u32(skb, TCPKIT_A_CONN_SND_SEQ, c->snd_seq) ||
	    nla_put_u32(skb, TCPKIT_A_CONN_RCV_SEQ, c->rcv_seq) ||
	    nla_put_u32(skb, TCPKIT_A_CONN_SND_QLEN, c->snd_qlen) ||
	    nla_put_u32(skb, TCPKIT_A_CONN_UNSENT_LEN, c->unsent_len) ||
	    nla_put_u32(skb, TCPKIT_A_CONN_RCV_QLEN, c->rcv_qlen) ||
	    nla_put_u32(skb, TCPKIT_A_CONN_MSS, c->mss) ||
	    nla_put_u8(skb, TCPKIT_A_CONN_SND_WSCALE, c->snd_wscale) ||
	    nla_put_u8(skb, TCPKIT_A_CONN_RCV_WSCALE, c->rcv_wscale) ||
	    nla_put_u8(skb, TCPKIT_A_CONN_SACK_OK, c->sack_ok) ||
	    nla_put_u8(skb, TCPKIT_A_CONN_TSTAMP_OK, c->tstamp_ok) ||
	    nla_put_u32(skb, TCPKIT_A_CONN_TS_VAL, c->ts_val) ||
	    nla_put_u8(skb, TCPKIT_A_CONN_TS_CLOCK, c->ts_clock) ||
	    nla_put_u32(skb, TCPKIT_A_CONN_SND_WL1, c->snd_wl1) ||
	    nla_put_u32(skb, TCPKIT_A_CONN_SND_WND, c->snd_wnd) ||
	    nla_put_u32(skb, TCPKIT_A_CONN_MAX_WINDOW, c->max_window) ||
	    nla_put_u32(skb, TCPKIT_A_CONN_RCV_WND, c->rcv_wnd) ||
	    nla_put_u32(skb, TCPKIT_A_CONN_RCV_WUP, c->rcv_wup) ||
	    nla_put_u8(skb, TCPKIT_A_CONN_NODELAY, c->nodelay) ||
	    nla_put_u8(skb, TCPKIT_A_CONN_CORK, c->cork) ||
	    nla_put_u8(skb, TCPKIT_A_CONN_KEEPALIVE, c->keepalive) ||
	    (c->keepidle &&
	     nla_put_u32(skb, TCPKIT_A_CONN_KEEPIDLE, c->keepidle)) ||
	    (c->keepintvl &&
	     nla_put_u32(skb, TCPKIT_A_CONN_KEEPINTVL, c->keepintvl)) ||
	    (c->keepcnt &&
	     nla_put_u32(skb, TCPKIT_A_CONN_KEEPCNT, c->keepcnt)) ||
	    nla_put_u32(skb, TCPKIT_A_CONN_USER_TIMEOUT, c->user_timeout) ||
	    nla_put_u32(skb, TCPKIT_A_CONN_SNDBUF, c->sndbuf) ||
	    nla_put_u32(skb, TCPKIT_A_CONN_RCVBUF, c->rcvbuf) ||
	    nla_put_u8(skb, TCPKIT_A_CONN_SNDBUF_LOCK, c->sndbuf_lock) ||
	    nla_put_u8(skb, TCPKIT_A_CONN_RCVBUF_LOCK, c->rcvbuf_lock) ||
	    nla_put_u32(skb, TCPKIT_A_CONN_MARK, c->mark) ||
	    nla_put_u32(skb, TCPKIT_A_CONN_PRIORITY, c->priority) ||
	    nla_put_u8(skb, TCPKIT_A_CONN_TOS, c->tos) ||
	    nla_put_u8(skb, TCPKIT_A_CONN_REUSEADDR, c->reuseaddr) ||
	    nla_put_string(skb, TCPKIT_A_CONN_CC, c->cc))
		return -EMSGSIZE;
	if (c->srtt_us &&
	    (nla_put_u32(skb, TCPKIT_A_CONN_SRTT_US, c->srtt_us) ||
	     nla_put_u32(skb, TCPKIT_A_CONN_RTTVAR_US, c->rttvar_us) ||
	     nla_put_u32(skb, TCPKIT_A_CONN_RTO_US, c->rto_us) ||
	     (c->min_rtt_us &&
	      nla_put_u32(skb, TCPKIT_A_CONN_MIN_RTT_US, c->min_rtt_us))))
		return -EMSGSIZE;
	if (nla_put_u32(skb, TCPKIT_A_CONN_CWND, c->cwnd) ||
	    nla_put_u32(skb, TCPKIT_A_CONN_SSTHRESH, c->ssthresh) ||
	    (c->has_ts_recent &&
	     nla_put_u32(skb, TCPKIT_A_CONN_TS_RECENT, c->ts_recent)))
		return -EMSGSIZE;

	if (!c->has_aimd)
		return 0;
	nest = nla_nest_start(skb, TCPKIT_A_CONN_AIMD);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, TCPKIT_A_AIMD_ALPHA, c->aimd.alpha) ||
	    nla_put_u32(skb, TCPKIT_A_AIMD_BETA, c->aimd.beta) ||
	    nla_put_u32(skb, TCPKIT_A_AIMD_BETA_ECN, c->aimd.beta_ecn)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/**
 * tcpkit_nl_conn_get_doit() - TCPKIT_CMD_CONN_GET: the header, no data
 * @skb: the request
 * @info: its attributes; TCPKIT_A_CONN_SOCK names the socket
 *
 * Return: 0 after the reply was sent, or a negative errno with extack.
 */
int tcpkit_nl_conn_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct tcpkit_prof off = {};
	struct tcpkit_conn c;
	struct tcpkit_sk ts;
	struct sk_buff *msg;
	void *hdr;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, TCPKIT_A_CONN_SOCK)) {
		NL_SET_ERR_MSG(info->extack,
			       "missing sock: name the connection by fd or 4-tuple");
		return -EINVAL;
	}
	err = tcpkit_sock_once(info, TCPKIT_A_CONN_SOCK);
	if (err)
		return err;
	err = tcpkit_sk_lookup(skb, genl_info_net(info),
			       info->attrs[TCPKIT_A_CONN_SOCK], &ts,
			       info->extack);
	if (err)
		return err;
	err = tcpkit_snapshot(ts.sk, &c, NULL, NULL, &off, info->extack);
	tcpkit_sk_put(&ts);
	if (err)
		return err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &tcpkit_genl_family, 0,
				TCPKIT_CMD_CONN_GET);
	if (!hdr || tcpkit_conn_put_header(msg, &c)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/*
 * The queues hold another process's plaintext, and a stop takes its
 * connection: by fd the caller already owns a descriptor (pidfd_getfd()
 * needed ptrace access to get it); by 4-tuple it must be allowed to
 * checkpoint what it does not own, as CRIU must.
 */
static int tcpkit_may_read_queues(const struct sk_buff *skb,
				  const struct tcpkit_sk *ts,
				  struct netlink_ext_ack *extack)
{
	struct user_namespace *ns = sock_net(ts->sk)->user_ns;

	if (ts->sock || netlink_ns_capable(skb, ns, CAP_CHECKPOINT_RESTORE) ||
	    netlink_ns_capable(skb, ns, CAP_SYS_ADMIN))
		return 0;
	NL_SET_ERR_MSG(extack,
		       "checkpoint by 4-tuple needs CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN in the socket's network namespace");
	return -EPERM;
}

/*
 * Record the error of connection @i: a set's message names the socket by
 * its index in the request, a single socket's stays as it was.
 */
static void tcpkit_dump_fail(struct tcpkit_dump *d, u32 i, int err,
			     const char *msg)
{
	d->err = err;
	d->errmsg = msg;
	if (d->n <= 1)
		return;
	if (msg)
		snprintf(d->errbuf, sizeof(d->errbuf), "sock %u: %s", i, msg);
	else
		snprintf(d->errbuf, sizeof(d->errbuf), "sock %u: error %d", i,
			 err);
	d->errmsg = d->errbuf;
}

/*
 * Find every socket the request names, in the caller's context (an fd is
 * the caller's), and check that the caller may read its queues; keep a
 * reference on each. Any failure fails the whole dump before a snapshot.
 */
static int tcpkit_dump_lookup(struct netlink_callback *cb,
			      struct tcpkit_dump *d)
{
	struct net *net = sock_net(cb->skb->sk);
	const struct nlattr *nla;
	struct netlink_ext_ack ext;
	struct tcpkit_sk ts;
	int rem, err;
	u32 n = 0;

	nlmsg_for_each_attr(nla, cb->nlh, GENL_HDRLEN, rem)
		n += nla_type(nla) == TCPKIT_A_CONN_SOCK;
	if (!n) {
		d->err = -EINVAL;
		d->errmsg = "missing sock: name the connection by fd or 4-tuple";
		return d->err;
	}
	if (n > TCPKIT_CHECKPOINT_SOCKS_MAX) {
		d->err = -E2BIG;
		d->errmsg = "more socks than checkpoint-socks-max (1024) in one checkpoint request";
		return d->err;
	}
	/* Kept in @d: .done, which frees it, needs a .start that succeeded. */
	d->sks = kcalloc(n, sizeof(*d->sks), GFP_KERNEL);
	if (!d->sks) {
		d->err = -ENOMEM;
		return d->err;
	}
	d->n = n;

	n = 0;
	nlmsg_for_each_attr(nla, cb->nlh, GENL_HDRLEN, rem) {
		if (nla_type(nla) != TCPKIT_A_CONN_SOCK)
			continue;
		memset(&ext, 0, sizeof(ext));
		err = tcpkit_sk_lookup(cb->skb, net, nla, &ts, &ext);
		if (err) {
			tcpkit_dump_fail(d, n, err, tcpkit_extack_msg(&ext));
			return err;
		}
		err = tcpkit_may_read_queues(cb->skb, &ts, &ext);
		if (!err) {
			sock_hold(ts.sk);
			d->sks[n] = ts.sk;
		}
		tcpkit_sk_put(&ts);
		if (err) {
			tcpkit_dump_fail(d, n, err, tcpkit_extack_msg(&ext));
			return err;
		}
		n++;
	}
	return 0;
}

/*
 * With stop, freeze every tuple first and then wait once: one
 * synchronize_net() for the whole set, not one per connection (a grace
 * period each). A connection that cannot be frozen fails the dump, and
 * tcpkit_nl_checkpoint_done() ends the freezes made before it.
 */
static int tcpkit_dump_freeze(struct tcpkit_dump *d)
{
	struct netlink_ext_ack ext = {};
	int err;
	u32 i;

	d->frozen = kvcalloc(d->n, sizeof(*d->frozen), GFP_KERNEL);
	if (!d->frozen) {
		d->err = -ENOMEM;
		return d->err;
	}
	for (i = 0; i < d->n; i++) {
		err = tcpkit_stop_freeze(d->sks[i], &d->frozen[i], &ext);
		if (err) {
			tcpkit_dump_fail(d, i, err, tcpkit_extack_msg(&ext));
			return err;
		}
		d->nfrozen = i + 1;
	}
	synchronize_net();
	tcpkit_prof_mark(&d->prof, "freeze");
	return 0;
}

/*
 * Snapshot connection d->cur (with stop: park it in a hold of the
 * requesting socket, or end its freeze if that fails) and drop the
 * reference on its socket. Only the first connection is profiled.
 */
static int tcpkit_dump_snap(struct netlink_callback *cb, struct tcpkit_dump *d)
{
	struct tcpkit_prof off = {};
	struct tcpkit_prof *prof = d->cur ? &off : &d->prof;
	struct sock *sk = d->sks[d->cur];
	struct netlink_ext_ack ext = {};
	struct tcpkit_hold *hold = NULL;
	int err = 0;

	d->sks[d->cur] = NULL;
	d->snapped = d->cur + 1;
	if (d->stop) {
		hold = tcpkit_hold_alloc();
		if (!hold)
			err = -ENOMEM;
	}
	if (!err)
		err = tcpkit_snapshot(sk, &d->conn, &d->q, hold, prof, &ext);
	if (err && d->stop)
		tcpkit_stop_unfreeze(sk, &d->frozen[d->cur]);
	if (!err) {
		d->net = sock_net(sk);
		d->charged = (u64)d->conn.snd_qlen + d->conn.rcv_qlen;
	}
	if (!err && hold) {
		d->hold = tcpkit_hold_start(hold, sk, &d->conn,
					    sock_net(cb->skb->sk),
					    NETLINK_CB(cb->skb).portid);
		hold = NULL;
	}
	tcpkit_hold_free(hold);
	sock_put(sk);
	if (err)
		tcpkit_dump_fail(d, d->cur, err, tcpkit_extack_msg(&ext));
	return err;
}

/*
 * Let go of the current connection's snapshot. A hold whose id never went
 * out in a header is given back: its owner would never know to end it.
 */
static void tcpkit_dump_release(struct tcpkit_dump *d)
{
	if (d->hold && !d->header_sent)
		tcpkit_hold_drop(d->hold);
	if (d->charged)
		tcpkit_snap_uncharge(d->net, d->charged);
	tcpkit_snapq_free(&d->q);
	d->charged = 0;
	d->hold = 0;
	d->pos = 0;
	d->header_sent = false;
}

/**
 * tcpkit_nl_checkpoint_start() - TCPKIT_CMD_CONN_CHECKPOINT: take the snapshot
 * @cb: the dump; its request names the sockets in TCPKIT_A_CONN_SOCK, one
 *	or more (at most TCPKIT_CHECKPOINT_SOCKS_MAX)
 *
 * Runs in the caller's context, so an fd names the caller's socket: every
 * socket is looked up here. The first connection's snapshot is taken here
 * too, the others' when the dump reaches them. With stop every tuple is
 * frozen here first, and each connection is parked in a hold of its own,
 * owned by the requesting socket.
 *
 * Return: 0, or -ENOMEM when the dump's state cannot be allocated; other
 * errors are kept for the first dumpit.
 */
int tcpkit_nl_checkpoint_start(struct netlink_callback *cb)
{
	struct nlattr **tb = tcpkit_dump_attrs(cb);
	struct tcpkit_dump *d;
	int err;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	cb->args[0] = (long)d;
	__skb_queue_head_init(&d->q.rcv);
	tcpkit_prof_begin(&d->prof);
	d->stop = nla_get_flag(tb[TCPKIT_A_CONN_STOP]);

	/* Errors are kept in @d for the first dumpit. */
	err = tcpkit_dump_lookup(cb, d);
	tcpkit_prof_mark(&d->prof, "lookup");
	if (!err && d->stop)
		err = tcpkit_dump_freeze(d);
	if (!err)
		tcpkit_dump_snap(cb, d);
	return 0;
}

static void *tcpkit_dump_hdr(struct sk_buff *skb, struct netlink_callback *cb)
{
	return genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			   &tcpkit_genl_family, NLM_F_MULTI,
			   TCPKIT_CMD_CONN_CHECKPOINT);
}

/*
 * Copy the @n snapshot bytes from d->pos on (all of one queue) to @dst;
 * receive queue clones are freed as soon as they are all out.
 */
static int tcpkit_dump_copy(struct tcpkit_dump *d, u8 *dst, u32 n)
{
	struct tcpkit_snapq *q = &d->q;
	struct sk_buff *skb;
	u32 k;

	if (d->pos < d->conn.snd_qlen) {
		memcpy(dst, q->snd + d->pos, n);
		return 0;
	}
	while (n) {
		skb = skb_peek(&q->rcv);
		if (!skb)
			return -EIO;
		k = min(n, skb->len - q->rcv_off);
		if (skb_copy_bits(skb, q->rcv_off, dst, k))
			return -EIO;
		dst += k;
		n -= k;
		q->rcv_off += k;
		if (q->rcv_off == skb->len) {
			__skb_unlink(skb, &q->rcv);
			consume_skb(skb);
			q->rcv_off = 0;
		}
	}
	return 0;
}

/* One message of data chunks; returns how many chunks it holds. */
static int tcpkit_dump_data(struct sk_buff *skb, struct netlink_callback *cb,
			    struct tcpkit_dump *d)
{
	u32 total = d->conn.snd_qlen + d->conn.rcv_qlen;
	struct nlattr *nla;
	int chunks = 0;
	void *hdr;

	hdr = tcpkit_dump_hdr(skb, cb);
	if (!hdr)
		return 0;
	while (d->pos < total) {
		bool snd = d->pos < d->conn.snd_qlen;
		u32 left = (snd ? d->conn.snd_qlen : total) - d->pos;
		int room = skb_tailroom(skb) - nla_total_size(0);
		u32 n = min_t(u32, left, TCPKIT_CHUNK_MAX);

		if (room < (int)min_t(u32, n, TCPKIT_CHUNK_MIN))
			break;
		n = min_t(u32, n, room & ~(NLA_ALIGNTO - 1));
		nla = nla_reserve(skb, snd ? TCPKIT_A_CONN_SND_DATA :
					     TCPKIT_A_CONN_RCV_DATA, n);
		if (!nla)
			break;
		if (tcpkit_dump_copy(d, nla_data(nla), n)) {
			tcpkit_dump_fail(d, d->cur, -EIO,
					 "receive queue bytes could not be read");
			genlmsg_cancel(skb, hdr);
			return 0;
		}
		d->pos += n;
		chunks++;
	}
	if (!chunks) {
		genlmsg_cancel(skb, hdr);
		return 0;
	}
	genlmsg_end(skb, hdr);
	return chunks;
}

/**
 * tcpkit_nl_conn_checkpoint_dumpit() - stream the snapshots
 * @skb: the dump message buffer to fill
 * @cb: the dump
 *
 * For each connection in turn, first the header message, then as many
 * data messages as fit, each with snd-data then rcv-data chunks of at
 * most TCPKIT_CHUNK_MAX bytes; once a connection is all out, the next one
 * is snapshotted and follows in the same buffer if it fits. An error is
 * reported from a call that has added nothing (it ends the dump, its
 * extack in NLMSG_DONE).
 *
 * Return: bytes added to @skb while more is to come, 0 once the last
 * message is in (the dump ends), or a negative errno.
 */
int tcpkit_nl_conn_checkpoint_dumpit(struct sk_buff *skb,
				     struct netlink_callback *cb)
{
	struct tcpkit_dump *d = (struct tcpkit_dump *)cb->args[0];
	u32 total;
	void *hdr;

	/*
	 * Before the first call: the dump machinery since .start, mostly
	 * netlink_dump() allocating this message buffer (sized by the
	 * reader's receive buffer, up to 32 KiB, and cleared by the page
	 * allocator where init_on_alloc is on). Between later calls the
	 * time is userspace's.
	 */
	if (!d->err && !d->cur) {
		if (d->header_sent)
			tcpkit_prof_skip(&d->prof);
		else
			tcpkit_prof_mark(&d->prof, "msgbuf");
	}

	for (;;) {
		if (d->err) {
			/* This buffer goes first; the error in the next. */
			if (skb->len)
				return skb->len;
			tcpkit_extack_set(cb->extack, d->errmsg);
			return d->err;
		}
		if (!d->header_sent) {
			hdr = tcpkit_dump_hdr(skb, cb);
			if (!hdr)
				return skb->len ?: -EMSGSIZE;
			if ((d->hold &&
			     nla_put_u32(skb, TCPKIT_A_CONN_HOLD, d->hold)) ||
			    tcpkit_conn_put_header(skb, &d->conn)) {
				genlmsg_cancel(skb, hdr);
				return skb->len ?: -EMSGSIZE;
			}
			genlmsg_end(skb, hdr);
			d->header_sent = true;
		}

		total = d->conn.snd_qlen + d->conn.rcv_qlen;
		while (d->pos < total && tcpkit_dump_data(skb, cb, d))
			;
		if (d->err)
			continue;
		if (!d->cur)
			tcpkit_prof_mark(&d->prof, "stream");
		/* An empty message buffer would end the dump early. */
		if (d->pos < total)
			return skb->len ?: -EMSGSIZE;
		/*
		 * All sent: 0 lets netlink_dump() put NLMSG_DONE in this
		 * same buffer when it has room, so the caller's one
		 * recvmsg() gets the last message and the end together; a
		 * positive return would queue this buffer alone and make the
		 * next recvmsg() run the dump again (a new message buffer
		 * allocated) only to find it finished.
		 */
		if (d->cur + 1 >= d->n)
			return 0;
		if (!d->cur)
			d->prof_bytes = d->pos;
		tcpkit_dump_release(d);
		d->cur++;
		tcpkit_dump_snap(cb, d);
	}
}

/**
 * tcpkit_nl_checkpoint_done() - free the snapshot and the socket references
 * @cb: the dump
 *
 * The holds the dump made stay (their owner ends them), unless the header
 * that names one never went out. Tuples frozen for connections the dump
 * never reached are thawed, and get what their freeze kept.
 *
 * Return: 0.
 */
int tcpkit_nl_checkpoint_done(struct netlink_callback *cb)
{
	struct tcpkit_dump *d = (struct tcpkit_dump *)cb->args[0];
	u32 i;

	if (!d)
		return 0;
	if (!d->err)
		tcpkit_prof_report(&d->prof, "checkpoint",
				   d->cur ? d->prof_bytes : d->pos);
	tcpkit_dump_release(d);
	/* Frozen at .start, never snapshotted: the dump ended before. */
	for (i = d->snapped; i < d->nfrozen; i++)
		tcpkit_stop_unfreeze(d->sks[i], &d->frozen[i]);
	for (i = 0; d->sks && i < d->n; i++)
		if (d->sks[i])
			sock_put(d->sks[i]);
	kvfree(d->frozen);
	kfree(d->sks);
	kfree(d);
	return 0;
}

/**
 * tcpkit_checkpoint_register() - per-netns snapshot budgets
 *
 * Return: 0 or the error of register_pernet_subsys().
 */
int tcpkit_checkpoint_register(void)
{
	return register_pernet_subsys(&tcpkit_snap_net_ops);
}

/**
 * tcpkit_checkpoint_unregister() - drop the budgets; no dump is left
 */
void tcpkit_checkpoint_unregister(void)
{
	unregister_pernet_subsys(&tcpkit_snap_net_ops);
}
