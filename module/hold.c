// SPDX-License-Identifier: GPL-2.0
/*
 * tcpkit: the hold of a two-phase stop.
 *
 * A checkpoint with stop does not destroy the original: it freezes the
 * 4-tuple (freeze.c drops its segments, both ways while it is held) and,
 * under the snapshot's lock, parks the socket: repair mode with no queue
 * selected (its owner's sendmsg and recvmsg are refused), no timer armed
 * (the retransmit and delayed-ACK handlers find nothing pending, keepalive
 * is off), queues untouched. Only a commit, once the image is durable,
 * destroys it. An abort, the owner's netlink socket closing, the freeze's
 * lifetime lapsing or the module going away all unpark it: the freeze is
 * lifted and the timers are armed again as the kernel would after an idle
 * spell, so the connection resumes and the peer sees a pause.
 *
 * A hold belongs to the netlink socket (netns and portid) whose dump made
 * it; only that socket may end it by id. Holds are few and short-lived:
 * one list under a mutex.
 */
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <net/inet_connection_sock.h>
#include <net/netlink.h>
#include <net/sock.h>
#include <net/tcp.h>

#include <linux/tcpkit.h>

#include "compat.h"
#include "tcpkit.h"

/**
 * struct tcpkit_hold - a parked connection awaiting commit or abort
 * @node: in tcpkit_holds until whoever ends the hold takes it off
 * @end_node: in the list of holds tcpkit_hold_abort_all() ends
 * @taken: off tcpkit_holds: its lapse work must leave it alone
 * @id: names the hold in TCPKIT_A_CONN_HOLD, never 0
 * @net: netns of the owning netlink socket (the socket's, too)
 * @portid: the owning netlink socket
 * @sk: the parked socket; a reference is held
 * @conn: its checkpoint header (the frozen tuple)
 * @lapse: aborts the hold when the freeze's lifetime is over
 * @ack_timer: a delayed ACK was pending
 * @keepalive: SOCK_KEEPOPEN was set
 */
struct tcpkit_hold {
	struct list_head node;
	struct list_head end_node;
	bool taken;
	u32 id;
	struct net *net;
	u32 portid;
	struct sock *sk;
	struct tcpkit_conn conn;
	struct delayed_work lapse;
	bool ack_timer;
	bool keepalive;
};

static LIST_HEAD(tcpkit_holds);
static DEFINE_MUTEX(tcpkit_holds_lock);
static u32 tcpkit_hold_next_id;

/**
 * tcpkit_hold_alloc() - a hold for the socket a checkpoint will park
 *
 * Allocated before the socket lock is taken, so that parking cannot fail.
 *
 * Return: the hold, or NULL.
 */
struct tcpkit_hold *tcpkit_hold_alloc(void)
{
	return kzalloc(sizeof(struct tcpkit_hold), GFP_KERNEL_ACCOUNT);
}

/**
 * tcpkit_hold_free() - free a hold that was never started
 * @h: the hold, or NULL
 */
void tcpkit_hold_free(struct tcpkit_hold *h)
{
	kfree(h);
}

/**
 * tcpkit_hold_park() - silence a connection without changing it
 * @h: the hold that will own it
 * @sk: the socket, locked by the caller, its tuple frozen already
 */
void tcpkit_hold_park(struct tcpkit_hold *h, struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct tcp_sock *tp = tcp_sk(sk);

	/* Never in repair mode before: tcpkit_stop_freeze() refuses that. */
	tp->repair = 1;
	tp->repair_queue = TCP_NO_QUEUE;

	/* The timer handlers act only on what is pending; the timers that
	 * are armed may fire and find nothing to do.
	 */
	h->ack_timer = icsk->icsk_ack.pending & ICSK_ACK_TIMER;
	WRITE_ONCE(icsk->icsk_pending, 0);
	WRITE_ONCE(icsk->icsk_ack.pending,
		   icsk->icsk_ack.pending & ~ICSK_ACK_TIMER);
	h->keepalive = sock_flag(sk, SOCK_KEEPOPEN);
	if (h->keepalive) {
		sock_reset_flag(sk, SOCK_KEEPOPEN);
		sk->sk_prot->keepalive(sk, 0);
	}
}

/* Undo tcpkit_hold_park(), unless the owner closed the socket meanwhile. */
static void tcpkit_hold_unpark(struct tcpkit_hold *h)
{
	struct sock *sk = h->sk;
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct tcp_sock *tp = tcp_sk(sk);

	lock_sock(sk);
	if (sk->sk_state != TCP_CLOSE) {
		tp->repair = 0;
		tp->repair_queue = TCP_NO_QUEUE;
		/* What tcp_rearm_rto() and the send path would arm. */
		if (tp->packets_out)
			inet_csk_reset_xmit_timer(sk, ICSK_TIME_RETRANS,
						  icsk->icsk_rto, TCP_RTO_MAX);
		else if (tcp_send_head(sk))
			tcp_check_probe_timer(sk);
		if (h->ack_timer)
			inet_csk_reset_xmit_timer(sk, ICSK_TIME_DACK,
						  icsk->icsk_ack.ato,
						  TCP_DELACK_MAX);
		if (h->keepalive) {
			sk->sk_prot->keepalive(sk, 1);
			sock_set_flag(sk, SOCK_KEEPOPEN);
		}
	}
	release_sock(sk);
}

static void tcpkit_hold_release(struct tcpkit_hold *h)
{
	sock_put(h->sk);
	kfree(h);
}

/*
 * Abort: the freeze first, so that nothing the socket sends is lost; then
 * the segments the freeze kept, to the socket out of repair mode.
 */
static void tcpkit_hold_abort(struct tcpkit_hold *h)
{
	struct sk_buff_head parked;

	__skb_queue_head_init(&parked);
	tcpkit_freeze_del(sock_net(h->sk), &h->conn, &parked);
	tcpkit_hold_unpark(h);
	tcpkit_freeze_deliver(sock_net(h->sk), &parked);
	tcpkit_hold_release(h);
}

/* Commit: the original goes; its tuple stays frozen for the restore. */
static void tcpkit_hold_commit(struct tcpkit_hold *h)
{
	struct sock *sk = h->sk;

	lock_sock(sk);
	if (sk->sk_state != TCP_CLOSE)
		tcpkit_sk_silence(sk);
	tcp_sk(sk)->repair = 0;
	release_sock(sk);
	tcpkit_freeze_unhold(sock_net(sk), &h->conn);
	tcpkit_hold_release(h);
}

/*
 * Take @h off the list (the caller holds the lock); once its lapse work is
 * cancelled, the caller alone ends it.
 */
static void tcpkit_hold_take(struct tcpkit_hold *h)
{
	lockdep_assert_held(&tcpkit_holds_lock);
	list_del(&h->node);
	h->taken = true;
}

static void tcpkit_hold_lapse(struct work_struct *work)
{
	struct tcpkit_hold *h = container_of(to_delayed_work(work),
					     struct tcpkit_hold, lapse);

	mutex_lock(&tcpkit_holds_lock);
	if (h->taken) {
		/* Someone else ends it and waits for us to return. */
		mutex_unlock(&tcpkit_holds_lock);
		return;
	}
	tcpkit_hold_take(h);
	mutex_unlock(&tcpkit_holds_lock);
	tcpkit_hold_abort(h);
}

/**
 * tcpkit_hold_start() - register a parked connection
 * @h: the hold, parked by tcpkit_hold_park()
 * @sk: the parked socket (a reference is taken)
 * @c: its checkpoint header
 * @net: netns of the requesting netlink socket
 * @portid: the requesting netlink socket, the owner
 *
 * Return: the hold's id.
 */
u32 tcpkit_hold_start(struct tcpkit_hold *h, struct sock *sk,
		      const struct tcpkit_conn *c, struct net *net, u32 portid)
{
	sock_hold(sk);
	h->sk = sk;
	h->conn = *c;
	h->net = net;
	h->portid = portid;
	INIT_DELAYED_WORK(&h->lapse, tcpkit_hold_lapse);

	mutex_lock(&tcpkit_holds_lock);
	h->id = ++tcpkit_hold_next_id ?: ++tcpkit_hold_next_id;
	list_add(&h->node, &tcpkit_holds);
	schedule_delayed_work(&h->lapse, tcpkit_freeze_lifetime());
	mutex_unlock(&tcpkit_holds_lock);
	return h->id;
}

static int tcpkit_hold_end(struct genl_info *info, bool commit)
{
	struct nlattr *attr = info->attrs[TCPKIT_A_CONN_HOLD];
	struct net *net = genl_info_net(info);
	struct tcpkit_hold *h, *found = NULL;
	u32 id;

	if (GENL_REQ_ATTR_CHECK(info, TCPKIT_A_CONN_HOLD)) {
		NL_SET_ERR_MSG(info->extack,
			       "missing hold: the id a checkpoint with stop returned");
		return -EINVAL;
	}
	id = nla_get_u32(attr);

	mutex_lock(&tcpkit_holds_lock);
	list_for_each_entry(h, &tcpkit_holds, node) {
		if (h->id == id && h->portid == info->snd_portid &&
		    net_eq(h->net, net)) {
			found = h;
			tcpkit_hold_take(h);
			break;
		}
	}
	mutex_unlock(&tcpkit_holds_lock);
	if (!found) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "no such hold on this netlink socket (ended, lapsed, or made by another socket)");
		return -ENOENT;
	}
	cancel_delayed_work_sync(&found->lapse);
	if (commit)
		tcpkit_hold_commit(found);
	else
		tcpkit_hold_abort(found);
	return 0;
}

/**
 * tcpkit_nl_conn_commit_doit() - TCPKIT_CMD_CONN_COMMIT
 * @skb: the request
 * @info: TCPKIT_A_CONN_HOLD names a hold of the requesting socket
 *
 * Return: 0, or a negative errno with extack.
 */
int tcpkit_nl_conn_commit_doit(struct sk_buff *skb, struct genl_info *info)
{
	return tcpkit_hold_end(info, true);
}

/**
 * tcpkit_nl_conn_abort_doit() - TCPKIT_CMD_CONN_ABORT
 * @skb: the request
 * @info: TCPKIT_A_CONN_HOLD names a hold of the requesting socket
 *
 * Return: 0, or a negative errno with extack.
 */
int tcpkit_nl_conn_abort_doit(struct sk_buff *skb, struct genl_info *info)
{
	return tcpkit_hold_end(info, false);
}

/**
 * tcpkit_hold_drop() - abort a hold whose id never reached its owner
 * @id: the hold
 *
 * For a dump that ends before its header message went out.
 */
void tcpkit_hold_drop(u32 id)
{
	struct tcpkit_hold *h, *found = NULL;

	mutex_lock(&tcpkit_holds_lock);
	list_for_each_entry(h, &tcpkit_holds, node) {
		if (h->id == id) {
			found = h;
			tcpkit_hold_take(h);
			break;
		}
	}
	mutex_unlock(&tcpkit_holds_lock);
	if (found) {
		cancel_delayed_work_sync(&found->lapse);
		tcpkit_hold_abort(found);
	}
}

/* Abort every hold matching @net/@portid (all of them if @net is NULL). */
static void tcpkit_hold_abort_all(struct net *net, u32 portid)
{
	struct tcpkit_hold *h, *tmp;
	LIST_HEAD(gone);

	mutex_lock(&tcpkit_holds_lock);
	list_for_each_entry_safe(h, tmp, &tcpkit_holds, node) {
		if (net && (!net_eq(h->net, net) || h->portid != portid))
			continue;
		tcpkit_hold_take(h);
		list_add(&h->end_node, &gone);
	}
	mutex_unlock(&tcpkit_holds_lock);

	list_for_each_entry_safe(h, tmp, &gone, end_node) {
		cancel_delayed_work_sync(&h->lapse);
		tcpkit_hold_abort(h);
	}
}

/* The owner's netlink socket is going away: give its holds back. */
static int tcpkit_hold_netlink_event(struct notifier_block *nb,
				     unsigned long event, void *ptr)
{
	struct netlink_notify *n = ptr;

	if (event == NETLINK_URELEASE && n->protocol == NETLINK_GENERIC &&
	    n->portid)
		tcpkit_hold_abort_all(n->net, n->portid);
	return NOTIFY_DONE;
}

static struct notifier_block tcpkit_hold_nb = {
	.notifier_call = tcpkit_hold_netlink_event,
};

/**
 * tcpkit_hold_register() - follow netlink sockets closing
 *
 * Return: 0 or the notifier's error.
 */
int tcpkit_hold_register(void)
{
	return netlink_register_notifier(&tcpkit_hold_nb);
}

/**
 * tcpkit_hold_unregister() - give every held connection back
 *
 * Called after the family is gone, so no new hold can appear.
 */
void tcpkit_hold_unregister(void)
{
	netlink_unregister_notifier(&tcpkit_hold_nb);
	tcpkit_hold_abort_all(NULL, 0);
}
