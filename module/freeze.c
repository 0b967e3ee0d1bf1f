// SPDX-License-Identifier: GPL-2.0
/*
 * tcpkit: frozen 4-tuples.
 *
 * A checkpoint with stop freezes the connection's 4-tuple in the socket's
 * netns: from then on this module's own netfilter hooks (LOCAL_IN, IPv4
 * and IPv6) keep the tuple's arriving segments away from the stack, so
 * that once the original is gone the kernel, which no longer has a socket
 * for the tuple, never answers the peer with an RST; while the original is
 * held, LOCAL_OUT drops its leaving segments too, so that it says nothing
 * whatever its owner does.
 *
 * The arriving segments are kept (parked), up to park_kb of their memory
 * per tuple, and handed to the stack again when a restore of the tuple
 * in this netns goes live or the original comes back (abort): the bytes
 * the peer sent during the freeze arrive at once, not a backed-off RTO of
 * the peer later. A thaw, a lapse or the netns's end drops them: by then
 * the connection may live elsewhere, and this host would answer them with
 * RSTs. Segments beyond the limit are dropped; the peer retransmits them.
 *
 * While the original is held (hold.c) the freeze cannot lapse or be thawed;
 * the hold's own lifetime ends it. After a commit, a freeze ends when a
 * restore of the same tuple in the same netns goes live, on
 * TCPKIT_CMD_CONN_THAW, when its lifetime lapses (module parameter
 * freeze_ms, default 30 s, at most 1 h, counted from the commit), or with
 * the netns.
 *
 * The hooks are registered in a netns by its first freeze and unregistered
 * by the gc work once it has none left, so a host that loads tcpkit only
 * for aimd pays nothing per packet. Readers (the hooks, FROZEN_GET) use
 * RCU; writers take tn->lock, and tn->hooks_lock orders registration
 * against the insertion of the first freeze.
 */
#include <linux/jhash.h>
#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/rculist.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/netlink.h>
#include <net/tcp.h>

#include <linux/tcpkit.h>

#include "compat.h"
#include "tcpkit.h"

/*
 * A netns's frozen tuples, hashed: the table is allocated at its first
 * freeze, so that namespaces that never freeze do not pay for it, and
 * sized for frozen_max's default, a few tuples a bucket.
 */
#define TCPKIT_FROZEN_BUCKETS	4096
#define TCPKIT_FROZEN_MAX_LIMIT	65536

static unsigned int frozen_max = 16384;

static int frozen_max_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, TCPKIT_FROZEN_MAX_LIMIT);
}

static const struct kernel_param_ops frozen_max_ops = {
	.set = frozen_max_set,
	.get = param_get_uint,
};

module_param_cb(frozen_max, &frozen_max_ops, &frozen_max, 0644);
MODULE_PARM_DESC(frozen_max,
		 "tuples a network namespace may have frozen at once: 1 to 65536 (default 16384)");

#define TCPKIT_FREEZE_MS_MIN	100
#define TCPKIT_FREEZE_MS_MAX	3600000

static unsigned int freeze_ms = 30000;

static int freeze_ms_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, TCPKIT_FREEZE_MS_MIN,
				     TCPKIT_FREEZE_MS_MAX);
}

static const struct kernel_param_ops freeze_ms_ops = {
	.set = freeze_ms_set,
	.get = param_get_uint,
};

module_param_cb(freeze_ms, &freeze_ms_ops, &freeze_ms, 0644);
MODULE_PARM_DESC(freeze_ms,
		 "lifetime of the freeze a checkpoint with stop makes, ms: 100 to 3600000 (default 30000)");

#define TCPKIT_PARK_KB_MAX	65536
#define TCPKIT_PARK_NET_MAX	(64U << 20)	/* bytes, per netns */

static unsigned int park_kb = 1024;

static int park_kb_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, TCPKIT_PARK_KB_MAX);
}

static const struct kernel_param_ops park_kb_ops = {
	.set = park_kb_set,
	.get = param_get_uint,
};

module_param_cb(park_kb, &park_kb_ops, &park_kb, 0644);
MODULE_PARM_DESC(park_kb,
		 "memory of a frozen tuple's arriving segments kept for its restore, KiB: 0 (drop them) to 65536 (default 1024)");

/**
 * struct tcpkit_fkey - a 4-tuple as the hook sees it, zero-padded
 * @family: AF_INET or AF_INET6 (dual-stack sockets talking IPv4: AF_INET)
 * @sport: local port, network order
 * @dport: remote port, network order
 * @saddr: local address
 * @daddr: remote address
 */
struct tcpkit_fkey {
	u32 family;
	__be16 sport;
	__be16 dport;
	u8 saddr[16];
	u8 daddr[16];
};

struct tcpkit_frozen {
	struct hlist_node node;
	struct rcu_head rcu;
	struct tcpkit_fkey key;
	unsigned long expires;		/* jiffies */
	bool held;			/* the original is held: no lapse */
	atomic64_t dropped;
	struct sk_buff_head parked;	/* arriving segments kept; its lock: */
	unsigned int parked_bytes;	/* their truesize */
	bool ended;			/* out of the table: keep no more */
};

struct tcpkit_net {
	spinlock_t lock;		/* writers of hash and nr */
	unsigned int nr;
	struct hlist_head *hash;	/* TCPKIT_FROZEN_BUCKETS, once allocated */
	struct delayed_work gc;		/* ends lapsed freezes, unhooks */
	struct mutex hooks_lock;	/* hooked; held over a first insert */
	bool hooked;
	struct net *net;
	atomic_t parked_bytes;		/* of all its freezes */
};

static unsigned int tcpkit_net_id __read_mostly;
static u32 tcpkit_fkey_seed __read_mostly;

/*
 * The hash table, NULL before the netns's first freeze; never freed before
 * the netns goes.
 */
static struct hlist_head *tcpkit_table(struct tcpkit_net *tn)
{
	/* Pairs with the release in tcpkit_freeze_add(): a table seen is
	 * a zeroed one.
	 */
	return smp_load_acquire(&tn->hash);
}

static struct hlist_head *tcpkit_bucket(struct hlist_head *table,
					const struct tcpkit_fkey *k)
{
	u32 h = jhash2((const u32 *)k, sizeof(*k) / sizeof(u32),
		       tcpkit_fkey_seed);

	return &table[h & (TCPKIT_FROZEN_BUCKETS - 1)];
}

static struct tcpkit_frozen *tcpkit_find(struct tcpkit_net *tn,
					 const struct tcpkit_fkey *k)
{
	struct hlist_head *table = tcpkit_table(tn);
	struct tcpkit_frozen *f;

	if (!table)
		return NULL;
	hlist_for_each_entry_rcu(f, tcpkit_bucket(table, k), node,
				 lockdep_is_held(&tn->lock))
		if (!memcmp(&f->key, k, sizeof(*k)))
			return f;
	return NULL;
}

/* The key of a connection header; v4-mapped IPv6 goes as IPv4. */
static void tcpkit_conn_key(const struct tcpkit_conn *c, struct tcpkit_fkey *k)
{
	memset(k, 0, sizeof(*k));
	k->sport = htons(c->sport);
	k->dport = htons(c->dport);
	if (c->family == AF_INET6 &&
	    !(ipv6_addr_v4mapped((const struct in6_addr *)c->saddr) &&
	      ipv6_addr_v4mapped((const struct in6_addr *)c->daddr))) {
		k->family = AF_INET6;
		memcpy(k->saddr, c->saddr, 16);
		memcpy(k->daddr, c->daddr, 16);
	} else {
		k->family = AF_INET;
		memcpy(k->saddr, c->saddr + (c->family == AF_INET6 ? 12 : 0), 4);
		memcpy(k->daddr, c->daddr + (c->family == AF_INET6 ? 12 : 0), 4);
	}
}

/* Out of the table; its kept segments go to the end of @parked. */
static void tcpkit_frozen_del(struct tcpkit_net *tn, struct tcpkit_frozen *f,
			      struct sk_buff_head *parked)
{
	lockdep_assert_held(&tn->lock);
	hlist_del_rcu(&f->node);
	WRITE_ONCE(tn->nr, tn->nr - 1);
	/* A hook that found it before the unlink parks nothing after. */
	spin_lock_bh(&f->parked.lock);
	WRITE_ONCE(f->ended, true);
	atomic_sub(f->parked_bytes, &tn->parked_bytes);
	skb_queue_splice_tail_init(&f->parked, parked);
	spin_unlock_bh(&f->parked.lock);
	kfree_rcu(f, rcu);
}

static bool tcpkit_frozen_live(const struct tcpkit_frozen *f)
{
	return READ_ONCE(f->held) || time_before(jiffies, READ_ONCE(f->expires));
}

/*
 * Keep an arriving segment of @f for the restore (under RCU, BHs off).
 * The early-demuxed socket is the original's and must go; conntrack looks
 * the segment up again when it comes back; the route stays, referenced
 * (loopback's segments bring their output route, and one made for them
 * on input would be a martian's); of the device only its index is kept.
 * Return: false when it cannot be kept (limit, or @f ended).
 */
static bool tcpkit_park(struct tcpkit_net *tn, struct tcpkit_frozen *f,
			struct sk_buff *skb)
{
	unsigned int size = skb->truesize;
	unsigned int limit = READ_ONCE(park_kb) << 10;
	bool kept = false;

	/* The way back (netif_receive_skb()) starts at the network header. */
	if (skb_network_offset(skb) || size > limit)
		return false;
	spin_lock(&f->parked.lock);
	if (!f->ended && f->parked_bytes + size <= limit) {
		if (atomic_add_return(size, &tn->parked_bytes) <=
		    TCPKIT_PARK_NET_MAX) {
			skb_orphan(skb);
			skb_dst_force(skb);
			nf_reset_ct(skb);
			skb->dev = NULL;
			__skb_queue_tail(&f->parked, skb);
			f->parked_bytes += size;
			kept = true;
		} else {
			atomic_sub(size, &tn->parked_bytes);
		}
	}
	spin_unlock(&f->parked.lock);
	return kept;
}

/* @k has the addresses; local is saddr whichever way @skb goes. */
static unsigned int tcpkit_hook(const struct nf_hook_state *state,
				struct sk_buff *skb, struct tcpkit_fkey *k,
				int thoff)
{
	struct tcpkit_net *tn = net_generic(state->net, tcpkit_net_id);
	struct tcpkit_frozen *f;
	struct tcphdr _th;
	const struct tcphdr *th;
	unsigned int verdict = NF_ACCEPT;

	th = skb_header_pointer(skb, thoff, sizeof(_th), &_th);
	if (!th)
		return NF_ACCEPT;
	if (state->hook == NF_INET_LOCAL_IN) {
		k->sport = th->dest;
		k->dport = th->source;
	} else {
		k->sport = th->source;
		k->dport = th->dest;
	}

	/* Arriving segments while frozen; leaving ones only while held. */
	rcu_read_lock();
	f = tcpkit_find(tn, k);
	if (f && state->hook == NF_INET_LOCAL_IN && tcpkit_frozen_live(f)) {
		if (tcpkit_park(tn, f, skb)) {
			verdict = NF_STOLEN;
		} else if (!READ_ONCE(f->ended)) {
			atomic64_inc(&f->dropped);
			verdict = NF_DROP;
		}
	} else if (f && state->hook == NF_INET_LOCAL_OUT && READ_ONCE(f->held)) {
		atomic64_inc(&f->dropped);
		verdict = NF_DROP;
	}
	rcu_read_unlock();
	return verdict;
}

static unsigned int tcpkit_hook4(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	struct tcpkit_net *tn = net_generic(state->net, tcpkit_net_id);
	const struct iphdr *iph = ip_hdr(skb);
	struct tcpkit_fkey k;
	bool in;

	if (likely(!READ_ONCE(tn->nr)) || iph->protocol != IPPROTO_TCP)
		return NF_ACCEPT;
	memset(&k, 0, sizeof(k));
	k.family = AF_INET;
	in = state->hook == NF_INET_LOCAL_IN;
	memcpy(k.saddr, in ? &iph->daddr : &iph->saddr, 4);
	memcpy(k.daddr, in ? &iph->saddr : &iph->daddr, 4);
	return tcpkit_hook(state, skb, &k, ip_hdrlen(skb));
}

#if IS_ENABLED(CONFIG_IPV6)
static unsigned int tcpkit_hook6(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	struct tcpkit_net *tn = net_generic(state->net, tcpkit_net_id);
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	u8 nexthdr = ip6h->nexthdr;
	struct tcpkit_fkey k;
	__be16 frag_off;
	int thoff;
	bool in;

	if (likely(!READ_ONCE(tn->nr)))
		return NF_ACCEPT;
	thoff = ipv6_skip_exthdr(skb, sizeof(*ip6h), &nexthdr, &frag_off);
	if (thoff < 0 || nexthdr != IPPROTO_TCP)
		return NF_ACCEPT;
	memset(&k, 0, sizeof(k));
	k.family = AF_INET6;
	in = state->hook == NF_INET_LOCAL_IN;
	memcpy(k.saddr, in ? &ip6h->daddr : &ip6h->saddr, 16);
	memcpy(k.daddr, in ? &ip6h->saddr : &ip6h->daddr, 16);
	return tcpkit_hook(state, skb, &k, thoff);
}
#endif

static const struct nf_hook_ops tcpkit_nf_ops[] = {
	{
		.hook		= tcpkit_hook4,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_LOCAL_IN,
		.priority	= NF_IP_PRI_FIRST,
	},
	{
		.hook		= tcpkit_hook4,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_LOCAL_OUT,
		.priority	= NF_IP_PRI_FIRST,
	},
#if IS_ENABLED(CONFIG_IPV6)
	{
		.hook		= tcpkit_hook6,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_LOCAL_IN,
		.priority	= NF_IP6_PRI_FIRST,
	},
	{
		.hook		= tcpkit_hook6,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_LOCAL_OUT,
		.priority	= NF_IP6_PRI_FIRST,
	},
#endif
};

/* End lapsed freezes; come back when the next one lapses. */
static void tcpkit_gc(struct work_struct *work)
{
	struct tcpkit_net *tn = container_of(to_delayed_work(work),
					     struct tcpkit_net, gc);
	struct hlist_head *table = tcpkit_table(tn);
	unsigned long now = jiffies, next = 0;
	struct tcpkit_frozen *f;
	struct hlist_node *tmp;
	struct sk_buff_head lapsed;
	bool more = false;
	int i;

	__skb_queue_head_init(&lapsed);
	spin_lock(&tn->lock);
	for (i = 0; table && i < TCPKIT_FROZEN_BUCKETS; i++) {
		hlist_for_each_entry_safe(f, tmp, &table[i], node) {
			if (f->held)
				continue;
			if (!time_before(now, f->expires)) {
				tcpkit_frozen_del(tn, f, &lapsed);
			} else if (!more || time_before(f->expires, next)) {
				next = f->expires;
				more = true;
			}
		}
	}
	if (more)
		mod_delayed_work(system_wq, &tn->gc, next - now);
	spin_unlock(&tn->lock);
	__skb_queue_purge(&lapsed);

	/* Not under tn->lock: unregistering sleeps. A freeze added meanwhile
	 * holds hooks_lock until it is in the table, so nr is current here.
	 */
	mutex_lock(&tn->hooks_lock);
	if (tn->hooked && !READ_ONCE(tn->nr)) {
		nf_unregister_net_hooks(tn->net, tcpkit_nf_ops,
					ARRAY_SIZE(tcpkit_nf_ops));
		tn->hooked = false;
	}
	mutex_unlock(&tn->hooks_lock);
}

/* The last freeze has ended: let the gc unhook the netns. */
static void tcpkit_gc_kick(struct tcpkit_net *tn)
{
	lockdep_assert_held(&tn->lock);
	if (!tn->nr)
		mod_delayed_work(system_wq, &tn->gc, 0);
}

/**
 * tcpkit_freeze_add() - freeze a held connection's 4-tuple in @net
 * @net: the connection's netns
 * @c: its header (addresses and ports)
 * @extack: error reporting
 *
 * The freeze does not lapse until tcpkit_freeze_unhold() or
 * tcpkit_freeze_del(). A tuple frozen after an earlier commit is taken
 * over (its socket is a new one).
 *
 * Return: 0, -ENOMEM, -EBUSY when the tuple is held already, or -ENOSPC
 * when @net has too many freezes.
 */
int tcpkit_freeze_add(struct net *net, const struct tcpkit_conn *c,
		      struct netlink_ext_ack *extack)
{
	struct tcpkit_net *tn = net_generic(net, tcpkit_net_id);
	unsigned long life = tcpkit_freeze_lifetime();
	struct tcpkit_frozen *f, *old;
	int err = 0;

	f = tcpkit_fault() ? NULL : kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
	if (!f)
		return -ENOMEM;
	tcpkit_conn_key(c, &f->key);
	f->expires = jiffies + life;
	f->held = true;
	skb_queue_head_init(&f->parked);

	mutex_lock(&tn->hooks_lock);
	if (!tn->hash) {
		struct hlist_head *table;

		/* Zeroed buckets are empty lists. */
		table = kvcalloc(TCPKIT_FROZEN_BUCKETS, sizeof(*table),
				 GFP_KERNEL_ACCOUNT);
		if (!table) {
			err = -ENOMEM;
			goto out;
		}
		/* Lookups outside hooks_lock see it zeroed, or not at all. */
		smp_store_release(&tn->hash, table);
	}
	if (!tn->hooked) {
		err = tcpkit_fault() ? -ENOMEM :
		      nf_register_net_hooks(net, tcpkit_nf_ops,
					    ARRAY_SIZE(tcpkit_nf_ops));
		if (err) {
			NL_SET_ERR_MSG(extack, "cannot register the freeze hooks");
			goto out;
		}
		tn->hooked = true;
	}
	spin_lock(&tn->lock);
	old = tcpkit_find(tn, &f->key);
	if (old && old->held) {
		NL_SET_ERR_MSG(extack, "connection is held by another checkpoint with stop");
		err = -EBUSY;
	} else if (!old && tn->nr >= READ_ONCE(frozen_max)) {
		NL_SET_ERR_MSG(extack,
			       "too many frozen connections in this network namespace (module parameter frozen_max)");
		err = -ENOSPC;
	} else if (old) {
		WRITE_ONCE(old->held, true);
	} else {
		hlist_add_head_rcu(&f->node, tcpkit_bucket(tn->hash, &f->key));
		WRITE_ONCE(tn->nr, tn->nr + 1);
		f = NULL;
	}
	/* Hooked with nothing to freeze: the gc unhooks. */
	if (err)
		tcpkit_gc_kick(tn);
	spin_unlock(&tn->lock);
out:
	mutex_unlock(&tn->hooks_lock);
	kfree(f);
	return err;
}

/**
 * tcpkit_freeze_lifetime() - how long a freeze lasts, from now
 *
 * Return: freeze_ms in jiffies.
 */
unsigned long tcpkit_freeze_lifetime(void)
{
	return msecs_to_jiffies(READ_ONCE(freeze_ms));
}

/**
 * tcpkit_freeze_unhold() - the held original is gone: start the lifetime
 * @net: the netns
 * @c: the connection's header
 */
void tcpkit_freeze_unhold(struct net *net, const struct tcpkit_conn *c)
{
	struct tcpkit_net *tn = net_generic(net, tcpkit_net_id);
	unsigned long life = tcpkit_freeze_lifetime();
	struct tcpkit_frozen *f;
	struct tcpkit_fkey k;

	tcpkit_conn_key(c, &k);
	spin_lock(&tn->lock);
	f = tcpkit_find(tn, &k);
	if (f) {
		WRITE_ONCE(f->expires, jiffies + life);
		WRITE_ONCE(f->held, false);
		/* The gc runs no later than this freeze lapses. */
		if (!delayed_work_pending(&tn->gc) ||
		    time_before(jiffies + life, tn->gc.timer.expires))
			mod_delayed_work(system_wq, &tn->gc, life);
	}
	spin_unlock(&tn->lock);
}

/**
 * tcpkit_freeze_del() - end the freeze of a connection's 4-tuple
 * @net: the netns
 * @c: the connection's header
 * @parked: an initialised list that receives the segments the freeze
 *	kept, for tcpkit_freeze_deliver() once a socket can take them
 */
void tcpkit_freeze_del(struct net *net, const struct tcpkit_conn *c,
		       struct sk_buff_head *parked)
{
	struct tcpkit_net *tn = net_generic(net, tcpkit_net_id);
	struct tcpkit_frozen *f;
	struct tcpkit_fkey k;

	tcpkit_conn_key(c, &k);
	spin_lock(&tn->lock);
	f = tcpkit_find(tn, &k);
	if (f) {
		tcpkit_frozen_del(tn, f, parked);
		tcpkit_gc_kick(tn);
	}
	spin_unlock(&tn->lock);
}

/**
 * tcpkit_freeze_deliver() - hand kept segments to the stack again
 * @net: the netns they arrived in
 * @parked: from tcpkit_freeze_del(); emptied
 *
 * Each segment is received again on the device it came in by, as if it
 * arrived now: netfilter, conntrack and the socket lookup see it afresh
 * (it keeps the route it came with). Segments whose device is gone or
 * down are dropped. Process context, no socket lock held.
 */
void tcpkit_freeze_deliver(struct net *net, struct sk_buff_head *parked)
{
	struct net_device *dev;
	struct sk_buff *skb;

	if (skb_queue_empty(parked))
		return;
	local_bh_disable();
	rcu_read_lock();
	while ((skb = __skb_dequeue(parked))) {
		dev = dev_get_by_index_rcu(net, skb->skb_iif);
		if (!dev || !netif_running(dev)) {
			kfree_skb(skb);
			continue;
		}
		skb->dev = dev;
		netif_receive_skb(skb);
	}
	rcu_read_unlock();
	local_bh_enable();
}

/* Thaw a freeze that no hold owns. */
static int tcpkit_thaw(struct net *net, const struct tcpkit_conn *c,
		       const struct nlattr *nest, struct netlink_ext_ack *extack)
{
	struct tcpkit_net *tn = net_generic(net, tcpkit_net_id);
	struct sk_buff_head parked;
	struct tcpkit_frozen *f;
	struct tcpkit_fkey k;
	int err = 0;

	__skb_queue_head_init(&parked);
	tcpkit_conn_key(c, &k);
	spin_lock(&tn->lock);
	f = tcpkit_find(tn, &k);
	if (!f) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "this 4-tuple is not frozen in this network namespace");
		err = -ENOENT;
	} else if (f->held) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "this 4-tuple is held by a checkpoint with stop: commit or abort it");
		err = -EBUSY;
	} else {
		tcpkit_frozen_del(tn, f, &parked);
		tcpkit_gc_kick(tn);
	}
	spin_unlock(&tn->lock);
	/* The connection may live elsewhere now: no RST for its segments. */
	__skb_queue_purge(&parked);
	return err;
}

/**
 * tcpkit_nl_conn_thaw_doit() - TCPKIT_CMD_CONN_THAW
 * @skb: the request
 * @info: TCPKIT_A_CONN_SOCK holds the 4-tuple
 *
 * Return: 0, or -ENOENT (with extack) when the tuple is not frozen here,
 * -EBUSY when a hold owns it, or the errors of tcpkit_sock_tuple().
 */
int tcpkit_nl_conn_thaw_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *nest = info->attrs[TCPKIT_A_CONN_SOCK];
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[TCPKIT_A_SOCK_MAX + 1];
	struct tcpkit_conn c;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, TCPKIT_A_CONN_SOCK)) {
		NL_SET_ERR_MSG(extack, "missing sock: the 4-tuple to thaw");
		return -EINVAL;
	}
	err = tcpkit_sock_once(info, TCPKIT_A_CONN_SOCK);
	if (err)
		return err;
	err = nla_parse_nested(tb, TCPKIT_A_SOCK_MAX, nest, tcpkit_sock_nl_policy,
			       extack);
	if (err)
		return err;
	if (tb[TCPKIT_A_SOCK_FD]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[TCPKIT_A_SOCK_FD],
				    "thaw takes a 4-tuple, not an fd");
		return -EINVAL;
	}
	err = tcpkit_sock_tuple(nest, tb, &c, extack);
	if (err)
		return err;

	return tcpkit_thaw(genl_info_net(info), &c, nest, extack);
}

static int tcpkit_frozen_put(struct sk_buff *skb, struct netlink_callback *cb,
			     const struct tcpkit_frozen *f, unsigned long now)
{
	unsigned int alen = f->key.family == AF_INET ? 4 : 16;
	unsigned long left = time_after(f->expires, now) ? f->expires - now : 0;
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &tcpkit_genl_family, NLM_F_MULTI,
			  TCPKIT_CMD_FROZEN_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u16(skb, TCPKIT_A_FROZEN_FAMILY, f->key.family) ||
	    nla_put(skb, TCPKIT_A_FROZEN_SADDR, alen, f->key.saddr) ||
	    nla_put(skb, TCPKIT_A_FROZEN_DADDR, alen, f->key.daddr) ||
	    nla_put_u16(skb, TCPKIT_A_FROZEN_SPORT, ntohs(f->key.sport)) ||
	    nla_put_u16(skb, TCPKIT_A_FROZEN_DPORT, ntohs(f->key.dport)) ||
	    nla_put_u32(skb, TCPKIT_A_FROZEN_EXPIRES_MS,
			jiffies_to_msecs(left)) ||
	    nla_put_u64_64bit(skb, TCPKIT_A_FROZEN_DROPPED,
			      atomic64_read(&f->dropped),
			      TCPKIT_A_FROZEN_PAD) ||
	    nla_put_u32(skb, TCPKIT_A_FROZEN_PARKED,
			skb_queue_len_lockless(&f->parked))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/**
 * tcpkit_nl_frozen_get_dumpit() - TCPKIT_CMD_FROZEN_GET: this netns's freezes
 * @skb: the dump message buffer
 * @cb: the dump; cb->args[0] is the bucket to go on with, cb->args[1] the
 *	freezes of it already sent
 *
 * Lapsed freezes the gc has not ended yet are left out.
 *
 * Return: bytes added (0 ends the dump).
 */
int tcpkit_nl_frozen_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct tcpkit_net *tn = net_generic(sock_net(cb->skb->sk),
					    tcpkit_net_id);
	struct hlist_head *table = tcpkit_table(tn);
	unsigned long now = jiffies;
	struct tcpkit_frozen *f;
	long idx;

	rcu_read_lock();
	for (; table && cb->args[0] < TCPKIT_FROZEN_BUCKETS; cb->args[0]++) {
		idx = 0;
		hlist_for_each_entry_rcu(f, &table[cb->args[0]], node) {
			if (!tcpkit_frozen_live(f))
				continue;
			if (idx++ < cb->args[1])
				continue;
			if (tcpkit_frozen_put(skb, cb, f, now)) {
				rcu_read_unlock();
				cb->args[1] = idx - 1;
				return skb->len;
			}
		}
		cb->args[1] = 0;
	}
	rcu_read_unlock();
	/* All listed: 0 lets NLMSG_DONE share this skb, one receive less. */
	return 0;
}

static int __net_init tcpkit_net_init(struct net *net)
{
	struct tcpkit_net *tn = net_generic(net, tcpkit_net_id);

	spin_lock_init(&tn->lock);
	INIT_DELAYED_WORK(&tn->gc, tcpkit_gc);
	mutex_init(&tn->hooks_lock);
	tn->net = net;
	return 0;
}

static void __net_exit tcpkit_net_exit(struct net *net)
{
	struct tcpkit_net *tn = net_generic(net, tcpkit_net_id);
	struct tcpkit_frozen *f;
	struct hlist_node *tmp;
	struct sk_buff_head parked;
	int i;

	__skb_queue_head_init(&parked);
	/* No socket is left to freeze or thaw: nothing else queues the gc. */
	cancel_delayed_work_sync(&tn->gc);
	if (tn->hooked)
		nf_unregister_net_hooks(net, tcpkit_nf_ops,
					ARRAY_SIZE(tcpkit_nf_ops));
	spin_lock(&tn->lock);
	for (i = 0; tn->hash && i < TCPKIT_FROZEN_BUCKETS; i++)
		hlist_for_each_entry_safe(f, tmp, &tn->hash[i], node)
			tcpkit_frozen_del(tn, f, &parked);
	spin_unlock(&tn->lock);
	__skb_queue_purge(&parked);
	/* Unhooked, and no socket is left to ask: nothing reads it now. */
	kvfree(tn->hash);
	mutex_destroy(&tn->hooks_lock);
}

static struct pernet_operations tcpkit_net_ops = {
	.init	= tcpkit_net_init,
	.exit	= tcpkit_net_exit,
	.id	= &tcpkit_net_id,
	.size	= sizeof(struct tcpkit_net),
};

/**
 * tcpkit_freeze_register() - per-netns freeze tables and hooks
 *
 * Called first in module init, so that the netlink family, registered
 * last, always finds them.
 *
 * Return: 0 or the error of register_pernet_subsys().
 */
int tcpkit_freeze_register(void)
{
	get_random_bytes(&tcpkit_fkey_seed, sizeof(tcpkit_fkey_seed));
	return register_pernet_subsys(&tcpkit_net_ops);
}

/**
 * tcpkit_freeze_unregister() - drop every freeze and hook, in every netns
 */
void tcpkit_freeze_unregister(void)
{
	unregister_pernet_subsys(&tcpkit_net_ops);
}
