// SPDX-License-Identifier: GPL-2.0
/*
 * aimd: additive increase, multiplicative decrease congestion control with
 * runtime-tunable, range-checked parameters.
 *
 * AIMD(alpha, beta): in congestion avoidance cwnd grows by alpha segments
 * per RTT, counted in packets acked; on a loss ssthresh = beta * cwnd.
 * AIMD(1, 0.5) is Reno, and this implementation reduces to Reno's exact
 * arithmetic there. Slow start, PRR, RTO and undo are the kernel's.
 *
 *   D. Chiu, R. Jain, "Analysis of the increase and decrease algorithms
 *   for congestion avoidance in computer networks", 1989.
 *   S. Floyd, M. Handley, J. Padhye, "A comparison of equation-based and
 *   AIMD congestion control", 2000 (alpha = 3(1 - beta) / (1 + beta)).
 *   RFC 5681 (Reno), RFC 8511 (ABE: a separate beta for ECN echoes).
 *
 * Parameters are thousandths (uapi/linux/tcpkit.h). The global triple is
 * packed into one 64-bit word so a connection never sees half an update;
 * a connection follows the live global values unless it has its own
 * override, stored the same way in its private state.
 *
 * See Documentation/aimd.rst.
 */
#include <linux/atomic.h>
#include <linux/bitfield.h>
#include <linux/ctype.h>
#include <linux/inet_diag.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/stringify.h>
#include <net/tcp.h>

#include <linux/tcpkit.h>
#include <linux/tcpkit_aimd.h>

#include "compat.h"
#include "tcpkit.h"

/* Packed parameters: one atomic word, so readers never mix two updates. */
#define AIMD_ALPHA_SHIFT	0
#define AIMD_BETA_SHIFT		20
#define AIMD_BETA_ECN_SHIFT	32
#define AIMD_ALPHA_MASK		GENMASK_ULL(16, AIMD_ALPHA_SHIFT)
#define AIMD_BETA_MASK		GENMASK_ULL(29, AIMD_BETA_SHIFT)
#define AIMD_BETA_ECN_MASK	GENMASK_ULL(41, AIMD_BETA_ECN_SHIFT)
#define AIMD_OVERRIDE		BIT_ULL(63)

static_assert((AIMD_ALPHA_MASK >> AIMD_ALPHA_SHIFT) >= TCPKIT_AIMD_ALPHA_MAX);
static_assert((AIMD_BETA_MASK >> AIMD_BETA_SHIFT) >= TCPKIT_AIMD_BETA_MAX);
static_assert((AIMD_BETA_ECN_MASK >> AIMD_BETA_ECN_SHIFT) >=
	      TCPKIT_AIMD_BETA_MAX);
static_assert(TCPKIT_AIMD_BETA_MAX < TCPKIT_AIMD_SCALE);

/* Usable in static initialisers, unlike FIELD_PREP(); inputs are checked. */
#define AIMD_PACK(a, b, e)				\
	((u64)(a) << AIMD_ALPHA_SHIFT |			\
	 (u64)(b) << AIMD_BETA_SHIFT |			\
	 (u64)(e) << AIMD_BETA_ECN_SHIFT)

/* Defaults: Reno, ABE off. */
#define AIMD_ALPHA_DEFAULT	1000
#define AIMD_BETA_DEFAULT	500
#define AIMD_BETA_ECN_DEFAULT	0

static atomic64_t aimd_global =
	ATOMIC64_INIT(AIMD_PACK(AIMD_ALPHA_DEFAULT, AIMD_BETA_DEFAULT,
				AIMD_BETA_ECN_DEFAULT));

/* Serialises read-modify-write of aimd_global; readers never take it. */
static DEFINE_MUTEX(aimd_global_lock);

/*
 * TCP_CC_INFO gets struct tcpkit_aimd_info (uapi). inet_diag gets nothing:
 * its attribute types (VEGAS/DCTCP/BBR) describe other algorithms.
 */

/* Per-connection state in icsk_ca_priv (zeroed when aimd is assigned). */
struct aimd {
	atomic64_t params;	/* AIMD_OVERRIDE | packed, or 0: follow global */
	u32 frac;		/* thousandths of a packet acked, carried over */
	u32 loss_cuts;		/* read locklessly by get_info */
	u32 ecn_cuts;
	u32 ecn_ssthresh;	/* ssthresh if the pending cut turns out ECN */
	u8 ece;			/* the ACK being processed carried ECE */
	u8 cut_pending;		/* ssthresh() ran, set_state() not yet */
};

static u64 aimd_load(const struct aimd *ca)
{
	u64 v = atomic64_read(&ca->params);

	return (v & AIMD_OVERRIDE) ? v : atomic64_read(&aimd_global);
}

static void aimd_unpack(u64 v, struct tcpkit_aimd_params *p)
{
	p->alpha = FIELD_GET(AIMD_ALPHA_MASK, v);
	p->beta = FIELD_GET(AIMD_BETA_MASK, v);
	p->beta_ecn = FIELD_GET(AIMD_BETA_ECN_MASK, v);
}

/* max(floor(cwnd * beta), 2): Reno's max(cwnd >> 1, 2) at beta = 500. */
static u32 aimd_cut(u32 cwnd, u32 beta)
{
	return max_t(u32, div_u64((u64)cwnd * beta, TCPKIT_AIMD_SCALE), 2U);
}

static void aimd_init(struct sock *sk)
{
	struct aimd *ca = inet_csk_ca(sk);

	/* Keep an override set before connect() or inherited from a
	 * listener; start the rest afresh.
	 */
	ca->frac = 0;
	WRITE_ONCE(ca->loss_cuts, 0);
	WRITE_ONCE(ca->ecn_cuts, 0);
	ca->ecn_ssthresh = 0;
	ca->ece = 0;
	ca->cut_pending = 0;
}

/*
 * Scale packets acked by alpha: returns whole "Reno packets" (alpha = 1000
 * gives back @acked unchanged) and keeps the remainder in ca->frac, so that
 * tcp_cong_avoid_ai() adds exactly alpha segments per cwnd packets acked.
 */
static u32 aimd_scale_acked(struct tcp_sock *tp, struct aimd *ca, u32 acked,
			    u32 alpha)
{
	u64 units = (u64)acked * alpha + ca->frac;
	u32 whole;

	if (likely(!(units >> 32))) {
		/* Division by a constant: a multiply, not a divide. */
		whole = (u32)units / TCPKIT_AIMD_SCALE;
		ca->frac = (u32)units - whole * TCPKIT_AIMD_SCALE;
		return whole;
	}

	/* Huge stretch ACK at a large alpha: not worth a fast path. */
	units = div_u64_rem(units, TCPKIT_AIMD_SCALE, &ca->frac);
	return min_t(u64, units, U32_MAX - tp->snd_cwnd_cnt);
}

static void aimd_cong_avoid(struct sock *sk, u32 ack, u32 acked)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct aimd *ca = inet_csk_ca(sk);
	u32 alpha;

	if (!tcp_is_cwnd_limited(sk))
		return;

	if (tcp_in_slow_start(tp)) {
		acked = tcp_slow_start(tp, acked);
		if (!acked)
			return;
	}

	/* Reno's counter (tp->snd_cwnd_cnt) and its resets, fed alpha-scaled
	 * packet counts: 1 segment per cwnd scaled packets acked. Called even
	 * with 0, as Reno would, so that alpha = 1000 makes Reno's calls.
	 */
	alpha = FIELD_GET(AIMD_ALPHA_MASK, aimd_load(ca));
	/* alpha = 1, the default, is Reno's call: ca->frac always stays
	 * below one scaled packet, so scaling would give @acked back and
	 * leave ca->frac as it is. Skipping it keeps the per-ACK cost at
	 * Reno's (bench/results/cc.md, time per call).
	 */
	if (alpha != TCPKIT_AIMD_SCALE)
		acked = aimd_scale_acked(tp, ca, acked, alpha);
	tcp_cong_avoid_ai(tp, tcp_snd_cwnd(tp), acked);
}

static u32 aimd_ssthresh(struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	struct aimd *ca = inet_csk_ca(sk);
	u32 cwnd = tcp_snd_cwnd(tp);
	struct tcpkit_aimd_params p;

	/* One load: the loss and the ECN values come from the same update. */
	aimd_unpack(aimd_load(ca), &p);

	ca->frac = 0;
	ca->ecn_ssthresh = aimd_cut(cwnd, p.beta_ecn ? p.beta_ecn : p.beta);
	ca->cut_pending = 1;
	WRITE_ONCE(ca->loss_cuts, ca->loss_cuts + 1);

	return aimd_cut(cwnd, p.beta);
}

/*
 * ssthresh() cannot tell a loss from an ECN echo; the state that follows it
 * can. tcp_enter_cwr() moves to CWR right after ssthresh(); on an ACK that
 * carried ECE (noted by in_ack_event(), which runs first) that cut was ECN.
 * Recovery and Loss are losses even when the ACK also carried ECE.
 */
static void aimd_set_state(struct sock *sk, u8 new_state)
{
	struct aimd *ca = inet_csk_ca(sk);

	if (new_state == TCP_CA_CWR && ca->cut_pending && ca->ece) {
		tcp_sk(sk)->snd_ssthresh = ca->ecn_ssthresh;
		WRITE_ONCE(ca->loss_cuts, ca->loss_cuts - 1);
		WRITE_ONCE(ca->ecn_cuts, ca->ecn_cuts + 1);
	}
	ca->cut_pending = 0;
}

static void aimd_in_ack_event(struct sock *sk, u32 flags)
{
	struct aimd *ca = inet_csk_ca(sk);

	ca->ece = !!(flags & CA_ACK_ECE);
}

static size_t aimd_get_info(struct sock *sk, u32 ext, int *attr,
			    union tcp_cc_info *info)
{
	const struct aimd *ca = inet_csk_ca(sk);
	struct tcpkit_aimd_info *ai = (void *)info;
	u64 v = atomic64_read(&ca->params);
	struct tcpkit_aimd_params p;

	/* Only getsockopt(TCP_CC_INFO) asks with every bit set; inet_diag's
	 * request mask is a u8 and has no attribute type for aimd.
	 */
	if (ext != ~0U)
		return 0;

	aimd_unpack((v & AIMD_OVERRIDE) ? v : atomic64_read(&aimd_global), &p);
	memset(ai, 0, sizeof(*ai));
	ai->aimd_alpha = p.alpha;
	ai->aimd_beta = p.beta;
	ai->aimd_beta_ecn = p.beta_ecn;
	ai->aimd_loss_cuts = READ_ONCE(ca->loss_cuts);
	ai->aimd_ecn_cuts = READ_ONCE(ca->ecn_cuts);
	if (v & AIMD_OVERRIDE)
		ai->aimd_flags |= TCPKIT_AIMD_INFO_OVERRIDE;
	*attr = INET_DIAG_NONE;
	return sizeof(*ai);
}

static struct tcp_congestion_ops aimd_ops __read_mostly = {
	.init		= aimd_init,
	.ssthresh	= aimd_ssthresh,
	.cong_avoid	= aimd_cong_avoid,
	.set_state	= aimd_set_state,
	.in_ack_event	= aimd_in_ack_event,
	.undo_cwnd	= tcp_reno_undo_cwnd,
	.get_info	= aimd_get_info,
	.flags		= TCP_CONG_NON_RESTRICTED,
	.owner		= THIS_MODULE,
	.name		= "aimd",
};

/**
 * tcpkit_aimd_params_check() - validate an AIMD parameter triple
 * @p: parameters in thousandths
 * @extack: where to report which bound was crossed; may be NULL
 *
 * Values out of range are refused, never clamped.
 *
 * Return: 0 if every value is within the TCPKIT_AIMD_* bounds (beta_ecn
 * may also be 0, meaning "use beta"), -EINVAL otherwise.
 */
int tcpkit_aimd_params_check(const struct tcpkit_aimd_params *p,
			     struct netlink_ext_ack *extack)
{
	if (p->alpha < TCPKIT_AIMD_ALPHA_MIN) {
		NL_SET_ERR_MSG_MOD(extack, "alpha below minimum "
				   __stringify(TCPKIT_AIMD_ALPHA_MIN)
				   " thousandths (0.01 segment per RTT)");
		return -EINVAL;
	}
	if (p->alpha > TCPKIT_AIMD_ALPHA_MAX) {
		NL_SET_ERR_MSG_MOD(extack, "alpha above maximum "
				   __stringify(TCPKIT_AIMD_ALPHA_MAX)
				   " thousandths (100 segments per RTT)");
		return -EINVAL;
	}
	if (p->beta < TCPKIT_AIMD_BETA_MIN) {
		NL_SET_ERR_MSG_MOD(extack, "beta below minimum "
				   __stringify(TCPKIT_AIMD_BETA_MIN)
				   " thousandths (0.1)");
		return -EINVAL;
	}
	if (p->beta > TCPKIT_AIMD_BETA_MAX) {
		NL_SET_ERR_MSG_MOD(extack, "beta above maximum "
				   __stringify(TCPKIT_AIMD_BETA_MAX)
				   " thousandths (0.99)");
		return -EINVAL;
	}
	if (p->beta_ecn && p->beta_ecn < TCPKIT_AIMD_BETA_MIN) {
		NL_SET_ERR_MSG_MOD(extack, "beta_ecn below minimum "
				   __stringify(TCPKIT_AIMD_BETA_MIN)
				   " thousandths (0.1); 0 turns it off");
		return -EINVAL;
	}
	if (p->beta_ecn > TCPKIT_AIMD_BETA_MAX) {
		NL_SET_ERR_MSG_MOD(extack, "beta_ecn above maximum "
				   __stringify(TCPKIT_AIMD_BETA_MAX)
				   " thousandths (0.99)");
		return -EINVAL;
	}
	return 0;
}

/**
 * tcpkit_aimd_params_merge() - overwrite some fields of a parameter set
 * @dst: the values to update
 * @src: the new values
 * @fields: TCPKIT_AIMD_SET_* bits: which fields of @src to take
 */
void tcpkit_aimd_params_merge(struct tcpkit_aimd_params *dst,
			      const struct tcpkit_aimd_params *src,
			      unsigned int fields)
{
	if (fields & TCPKIT_AIMD_SET_ALPHA)
		dst->alpha = src->alpha;
	if (fields & TCPKIT_AIMD_SET_BETA)
		dst->beta = src->beta;
	if (fields & TCPKIT_AIMD_SET_BETA_ECN)
		dst->beta_ecn = src->beta_ecn;
}

/**
 * tcpkit_aimd_get_global() - read the global AIMD parameters
 * @p: filled with the values in force, all from the same update
 */
void tcpkit_aimd_get_global(struct tcpkit_aimd_params *p)
{
	aimd_unpack(atomic64_read(&aimd_global), p);
}

/**
 * tcpkit_aimd_update_global() - change some of the global AIMD parameters
 * @p: new values in thousandths
 * @fields: TCPKIT_AIMD_SET_* bits: which fields of @p to take; the others
 *	keep their current value
 * @extack: error reporting; may be NULL
 *
 * The read, the merge and the write happen under one lock, so concurrent
 * updates of different fields (sysfs, netlink) never undo each other; the
 * result is checked as a whole. Connections without a per-connection
 * override use the new values from their next ACK on; none sees a mix of
 * old and new values.
 *
 * Context: process context, may sleep.
 * Return: 0 on success, -EINVAL if a resulting value is out of range
 * (nothing changed).
 */
int tcpkit_aimd_update_global(const struct tcpkit_aimd_params *p,
			      unsigned int fields,
			      struct netlink_ext_ack *extack)
{
	struct tcpkit_aimd_params cur;
	int err;

	mutex_lock(&aimd_global_lock);
	aimd_unpack(atomic64_read(&aimd_global), &cur);
	tcpkit_aimd_params_merge(&cur, p, fields);
	err = tcpkit_aimd_params_check(&cur, extack);
	if (!err)
		atomic64_set(&aimd_global,
			     AIMD_PACK(cur.alpha, cur.beta, cur.beta_ecn));
	mutex_unlock(&aimd_global_lock);
	return err;
}

static struct aimd *aimd_sk_ca(struct sock *sk, struct netlink_ext_ack *extack)
{
	if (!sk_fullsock(sk) || sk->sk_protocol != IPPROTO_TCP ||
	    sk->sk_type != SOCK_STREAM) {
		NL_SET_ERR_MSG_MOD(extack, "not a TCP socket");
		return ERR_PTR(-EOPNOTSUPP);
	}
	sock_owned_by_me(sk);
	if (inet_csk(sk)->icsk_ca_ops != &aimd_ops) {
		NL_SET_ERR_MSG_MOD(extack,
				   "socket does not use the aimd congestion control");
		return ERR_PTR(-ENOENT);
	}
	return inet_csk_ca(sk);
}

/**
 * tcpkit_aimd_sk_get() - report the AIMD state of one connection
 * @sk: a TCP socket; the caller holds its socket lock
 * @st: filled with the parameters in force, whether they are a
 *	per-connection override, cwnd, ssthresh and the reduction counters
 * @extack: error reporting; may be NULL
 *
 * Return: 0 on success, -EOPNOTSUPP if @sk is not a TCP socket, -ENOENT if
 * it does not use aimd.
 */
int tcpkit_aimd_sk_get(struct sock *sk, struct tcpkit_aimd_state *st,
		       struct netlink_ext_ack *extack)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	struct aimd *ca = aimd_sk_ca(sk, extack);
	u64 v;

	if (IS_ERR(ca))
		return PTR_ERR(ca);

	v = atomic64_read(&ca->params);
	st->override = !!(v & AIMD_OVERRIDE);
	aimd_unpack(st->override ? v : atomic64_read(&aimd_global),
		    &st->params);
	st->cwnd = tcp_snd_cwnd(tp);
	st->ssthresh = tp->snd_ssthresh;
	st->loss_cuts = READ_ONCE(ca->loss_cuts);
	st->ecn_cuts = READ_ONCE(ca->ecn_cuts);
	return 0;
}

/**
 * tcpkit_aimd_sk_set() - give one connection its own AIMD parameters
 * @sk: a TCP socket using aimd; the caller holds its socket lock
 * @p: new values in thousandths, replaced at once
 * @extack: error reporting; may be NULL
 *
 * From then on the connection ignores the global values. The override
 * lives in the congestion control's private state: it is lost if the
 * socket switches to another algorithm or disconnects.
 *
 * Return: 0 on success, -EINVAL for an out-of-range value, -EOPNOTSUPP if
 * @sk is not a TCP socket, -ENOENT if it does not use aimd.
 */
int tcpkit_aimd_sk_set(struct sock *sk, const struct tcpkit_aimd_params *p,
		       struct netlink_ext_ack *extack)
{
	struct aimd *ca;
	int err;

	err = tcpkit_aimd_params_check(p, extack);
	if (err)
		return err;

	ca = aimd_sk_ca(sk, extack);
	if (IS_ERR(ca))
		return PTR_ERR(ca);

	atomic64_set(&ca->params,
		     AIMD_OVERRIDE | AIMD_PACK(p->alpha, p->beta, p->beta_ecn));
	return 0;
}

/*
 * Module parameters: decimals ("0.529", "4") in, decimals out. Each one's
 * kernel_param.arg points at its TCPKIT_AIMD_SET_* bit.
 */

/*
 * Parse DIGITS[.DIGITS] (one trailing newline allowed) into thousandths.
 * More than three decimals are refused unless they are zeros: no rounding.
 */
static int aimd_parse_milli(const char *s, u32 *out)
{
	bool digits = false;
	int decimals = -1;
	u64 val = 0;

	if (!s)
		return -EINVAL;

	for (; *s && *s != '\n'; s++) {
		if (*s == '.') {
			if (decimals >= 0 || !digits)
				return -EINVAL;
			decimals = 0;
			digits = false;
			continue;
		}
		if (!isdigit(*s))
			return -EINVAL;
		digits = true;
		if (decimals == 3) {
			if (*s != '0')
				return -EINVAL;
			continue;
		}
		if (decimals >= 0)
			decimals++;
		val = val * 10 + (*s - '0');
		if (val > U32_MAX)
			return -EINVAL;
	}
	if (!digits || (*s == '\n' && s[1]))
		return -EINVAL;

	for (decimals = max(decimals, 0); decimals < 3; decimals++)
		val *= 10;
	if (val > U32_MAX)
		return -EINVAL;
	*out = val;
	return 0;
}

static int aimd_param_set(const char *val, const struct kernel_param *kp)
{
	unsigned int field = *(const unsigned int *)kp->arg;
	struct tcpkit_aimd_params p;
	u32 v;
	int err;

	err = aimd_parse_milli(val, &v);
	if (err)
		return err;
	/* Only the field named by the parameter's bit is taken. */
	p.alpha = v;
	p.beta = v;
	p.beta_ecn = v;
	return tcpkit_aimd_update_global(&p, field, NULL);
}

static int aimd_param_get(char *buffer, const struct kernel_param *kp)
{
	unsigned int field = *(const unsigned int *)kp->arg;
	struct tcpkit_aimd_params p;
	u32 v, frac;
	int width = 3;

	tcpkit_aimd_get_global(&p);
	v = field == TCPKIT_AIMD_SET_ALPHA ? p.alpha :
	    field == TCPKIT_AIMD_SET_BETA ? p.beta : p.beta_ecn;

	frac = v % TCPKIT_AIMD_SCALE;
	if (!frac)
		return scnprintf(buffer, PAGE_SIZE, "%u\n",
				 v / TCPKIT_AIMD_SCALE);
	while (!(frac % 10)) {
		frac /= 10;
		width--;
	}
	return scnprintf(buffer, PAGE_SIZE, "%u.%0*u\n",
			 v / TCPKIT_AIMD_SCALE, width, frac);
}

static const struct kernel_param_ops aimd_param_ops = {
	.set = aimd_param_set,
	.get = aimd_param_get,
};

/* kernel_param.arg is not const; nothing writes these. */
static unsigned int aimd_f_alpha = TCPKIT_AIMD_SET_ALPHA;
static unsigned int aimd_f_beta = TCPKIT_AIMD_SET_BETA;
static unsigned int aimd_f_beta_ecn = TCPKIT_AIMD_SET_BETA_ECN;

module_param_cb(alpha, &aimd_param_ops, &aimd_f_alpha, 0644);
MODULE_PARM_DESC(alpha,
		 "aimd additive increase, segments per RTT, 0.01 to 100 (default 1)");
module_param_cb(beta, &aimd_param_ops, &aimd_f_beta, 0644);
MODULE_PARM_DESC(beta,
		 "aimd fraction of cwnd kept after a loss, 0.1 to 0.99 (default 0.5)");
module_param_cb(beta_ecn, &aimd_param_ops, &aimd_f_beta_ecn, 0644);
MODULE_PARM_DESC(beta_ecn,
		 "aimd fraction kept after an ECN echo, 0.1 to 0.99, 0 = beta (default 0)");

/**
 * tcpkit_aimd_register() - make "aimd" available to TCP
 *
 * Return: 0 or the error of tcp_register_congestion_control().
 */
int tcpkit_aimd_register(void)
{
	BUILD_BUG_ON(sizeof(struct aimd) > ICSK_CA_PRIV_SIZE);
	BUILD_BUG_ON(sizeof(struct tcpkit_aimd_info) >
		     sizeof(union tcp_cc_info));

	return tcp_register_congestion_control(&aimd_ops);
}

/**
 * tcpkit_aimd_unregister() - withdraw "aimd"
 *
 * Module references held by sockets and netns defaults keep this from
 * running while aimd is in use.
 */
void tcpkit_aimd_unregister(void)
{
	tcp_unregister_congestion_control(&aimd_ops);
}
