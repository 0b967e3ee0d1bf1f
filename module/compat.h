/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpkit: the one place for differences between supported kernels.
 * Kbuild probes the target tree and defines TCPKIT_HAVE_* for each feature;
 * the shims below are named after the feature, never after a version.
 */
#ifndef _TCPKIT_COMPAT_H
#define _TCPKIT_COMPAT_H

#include <linux/tcp.h>
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
 * microseconds), at the price of one unit of the value.
 *
 * Return: the int to pass to setsockopt(TCP_TIMESTAMP).
 */
static inline int tcpkit_tcp_ts_optval(u32 val, u8 clock)
{
#ifdef TCPKIT_HAVE_TCP_USEC_TS
	val &= ~1U;
	if (clock == TCPKIT_TS_CLOCK_US)
		val |= 1;
#endif
	return (int)val;
}

/*
 * tcp_set_state() is exported up to 7.1 (EXPORT_SYMBOL_GPL); 7.2 dropped
 * the export. Only the ESTABLISHED -> CLOSE_WAIT step of a restore uses it.
 */
static inline void tcpkit_tcp_set_state(struct sock *sk, int state)
{
	tcp_set_state(sk, state);
}

#endif /* _TCPKIT_COMPAT_H */
