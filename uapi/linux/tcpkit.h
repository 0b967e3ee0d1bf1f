/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * tcpkit generic netlink family: AIMD congestion control knobs and
 * checkpoint/restore of established TCP connections.
 *
 * Documentation/netlink/specs/tcpkit.yaml is the source of truth for this
 * header; selftests check that the two agree.
 */
#ifndef _UAPI_LINUX_TCPKIT_H
#define _UAPI_LINUX_TCPKIT_H

#include <linux/types.h>

#define TCPKIT_FAMILY_NAME	"tcpkit"
#define TCPKIT_FAMILY_VERSION	1

/* AIMD parameters travel in thousandths: alpha 529 = 0.529 segment/RTT. */
#define TCPKIT_AIMD_SCALE	1000
#define TCPKIT_AIMD_ALPHA_MIN	10	/* 0.01 segment per RTT */
#define TCPKIT_AIMD_ALPHA_MAX	100000	/* 100 segments per RTT */
#define TCPKIT_AIMD_BETA_MIN	100	/* keep 10% of cwnd after a loss */
#define TCPKIT_AIMD_BETA_MAX	990	/* keep 99% of cwnd after a loss */

/*
 * What getsockopt(TCP_CC_INFO) returns for a socket using aimd (20 bytes
 * of union tcp_cc_info, host byte order): the parameters in force on the
 * connection, its own or the global ones it follows.
 */
struct tcpkit_aimd_info {
	__u32	aimd_alpha;	/* thousandths of a segment per RTT */
	__u16	aimd_beta;	/* thousandths of cwnd kept after a loss */
	__u16	aimd_beta_ecn;	/* thousandths kept after an ECE, 0 = beta */
	__u32	aimd_loss_cuts;	/* reductions caused by loss */
	__u32	aimd_ecn_cuts;	/* reductions caused by ECN echoes */
	__u32	aimd_flags;	/* TCPKIT_AIMD_INFO_* */
};

#define TCPKIT_AIMD_INFO_OVERRIDE	0x1	/* per-connection parameters */

/* Largest queue-data payload in one TCPKIT_A_CONN_*_DATA attribute. */
#define TCPKIT_CHUNK_MAX	32768

/* TCPKIT_A_CONN_TS_CLOCK */
enum tcpkit_ts_clock {
	TCPKIT_TS_CLOCK_MS = 1,		/* tcp_time_stamp in milliseconds */
	TCPKIT_TS_CLOCK_US,		/* tcp_time_stamp in microseconds */
};

/* Names a socket: either FD (of the calling process) or the 4-tuple. */
enum {
	TCPKIT_A_SOCK_FD = 1,		/* u32 */
	TCPKIT_A_SOCK_FAMILY,		/* u16: AF_INET or AF_INET6 */
	TCPKIT_A_SOCK_SADDR,		/* binary: 4 or 16 bytes, local */
	TCPKIT_A_SOCK_DADDR,		/* binary: 4 or 16 bytes, remote */
	TCPKIT_A_SOCK_SPORT,		/* u16, host order, local */
	TCPKIT_A_SOCK_DPORT,		/* u16, host order, remote */
	TCPKIT_A_SOCK_IFINDEX,		/* u32: IPv6 scope id */

	__TCPKIT_A_SOCK_MAX,
	TCPKIT_A_SOCK_MAX = (__TCPKIT_A_SOCK_MAX - 1)
};

enum {
	TCPKIT_A_AIMD_SOCK = 1,		/* nest: sock; absent = global */
	TCPKIT_A_AIMD_ALPHA,		/* u32, thousandths of a segment/RTT */
	TCPKIT_A_AIMD_BETA,		/* u32, thousandths of cwnd kept */
	TCPKIT_A_AIMD_BETA_ECN,		/* u32, thousandths; 0 = use beta */
	TCPKIT_A_AIMD_CWND,		/* u32, segments (reply only) */
	TCPKIT_A_AIMD_SSTHRESH,		/* u32, segments (reply only) */
	TCPKIT_A_AIMD_LOSS_CUTS,	/* u32, loss reductions (reply only) */
	TCPKIT_A_AIMD_ECN_CUTS,		/* u32, ECE reductions (reply only) */
	TCPKIT_A_AIMD_OVERRIDE,		/* flag: per-connection values set */

	__TCPKIT_A_AIMD_MAX,
	TCPKIT_A_AIMD_MAX = (__TCPKIT_A_AIMD_MAX - 1)
};

enum {
	TCPKIT_A_CONN_SOCK = 1,		/* nest: sock (requests) */
	TCPKIT_A_CONN_STOP,		/* flag: hold the original (two-phase) */
	TCPKIT_A_CONN_FAMILY,		/* u16 */
	TCPKIT_A_CONN_SADDR,		/* binary: 4 or 16 bytes */
	TCPKIT_A_CONN_DADDR,		/* binary: 4 or 16 bytes */
	TCPKIT_A_CONN_SPORT,		/* u16 */
	TCPKIT_A_CONN_DPORT,		/* u16 */
	TCPKIT_A_CONN_IFINDEX,		/* u32 */
	TCPKIT_A_CONN_V6ONLY,		/* u8 */
	TCPKIT_A_CONN_STATE,		/* u8: TCP_ESTABLISHED, TCP_CLOSE_WAIT,
					 * TCP_FIN_WAIT1/2, TCP_CLOSING,
					 * TCP_LAST_ACK
					 */
	TCPKIT_A_CONN_SND_SEQ,		/* u32: write_seq (with our FIN) */
	TCPKIT_A_CONN_RCV_SEQ,		/* u32: rcv_nxt (with the peer's FIN) */
	TCPKIT_A_CONN_SND_QLEN,		/* u32: bytes from snd_una, no FIN */
	TCPKIT_A_CONN_UNSENT_LEN,	/* u32: bytes from snd_nxt, no FIN */
	TCPKIT_A_CONN_RCV_QLEN,		/* u32: rcv_nxt - copied_seq */
	TCPKIT_A_CONN_MSS,		/* u32: mss_clamp */
	TCPKIT_A_CONN_SND_WSCALE,	/* u8 */
	TCPKIT_A_CONN_RCV_WSCALE,	/* u8 */
	TCPKIT_A_CONN_SACK_OK,		/* u8 */
	TCPKIT_A_CONN_TSTAMP_OK,	/* u8 */
	TCPKIT_A_CONN_TS_VAL,		/* u32: TCP_TIMESTAMP value */
	TCPKIT_A_CONN_TS_CLOCK,		/* u8: enum tcpkit_ts_clock */
	TCPKIT_A_CONN_SND_WL1,		/* u32 */
	TCPKIT_A_CONN_SND_WND,		/* u32 */
	TCPKIT_A_CONN_MAX_WINDOW,	/* u32 */
	TCPKIT_A_CONN_RCV_WND,		/* u32 */
	TCPKIT_A_CONN_RCV_WUP,		/* u32 */
	TCPKIT_A_CONN_NODELAY,		/* u8 */
	TCPKIT_A_CONN_CORK,		/* u8 */
	TCPKIT_A_CONN_KEEPALIVE,	/* u8 */
	TCPKIT_A_CONN_KEEPIDLE,		/* u32, seconds */
	TCPKIT_A_CONN_KEEPINTVL,	/* u32, seconds */
	TCPKIT_A_CONN_KEEPCNT,		/* u32 */
	TCPKIT_A_CONN_USER_TIMEOUT,	/* u32, milliseconds */
	TCPKIT_A_CONN_SNDBUF,		/* u32: sk_sndbuf as getsockopt shows */
	TCPKIT_A_CONN_RCVBUF,		/* u32: sk_rcvbuf as getsockopt shows */
	TCPKIT_A_CONN_SNDBUF_LOCK,	/* u8: set by the user */
	TCPKIT_A_CONN_RCVBUF_LOCK,	/* u8: set by the user */
	TCPKIT_A_CONN_MARK,		/* u32 */
	TCPKIT_A_CONN_PRIORITY,		/* u32 */
	TCPKIT_A_CONN_TOS,		/* u8 */
	TCPKIT_A_CONN_REUSEADDR,	/* u8 */
	TCPKIT_A_CONN_CC,		/* string: congestion control name */
	TCPKIT_A_CONN_AIMD,		/* nest: aimd (alpha, beta, beta-ecn) */
	TCPKIT_A_CONN_SND_DATA,		/* binary, multi-attr: send queue */
	TCPKIT_A_CONN_RCV_DATA,		/* binary, multi-attr: receive queue */
	TCPKIT_A_CONN_HOLD,		/* u32: id of a stop's hold (not in images) */
	TCPKIT_A_CONN_SRTT_US,		/* u32: smoothed RTT, microseconds */
	TCPKIT_A_CONN_RTTVAR_US,	/* u32: RTT variation, microseconds */
	TCPKIT_A_CONN_RTO_US,		/* u32: retransmission timeout, us */
	TCPKIT_A_CONN_MIN_RTT_US,	/* u32: windowed minimum RTT, us */
	TCPKIT_A_CONN_CWND,		/* u32: congestion window, segments */
	TCPKIT_A_CONN_SSTHRESH,		/* u32: slow start threshold, segs */
	TCPKIT_A_CONN_CONSERVATIVE,	/* flag: restore only, cwnd from IW */

	__TCPKIT_A_CONN_MAX,
	TCPKIT_A_CONN_MAX = (__TCPKIT_A_CONN_MAX - 1)
};

enum {
	TCPKIT_A_FROZEN_FAMILY = 1,	/* u16 */
	TCPKIT_A_FROZEN_SADDR,		/* binary */
	TCPKIT_A_FROZEN_DADDR,		/* binary */
	TCPKIT_A_FROZEN_SPORT,		/* u16 */
	TCPKIT_A_FROZEN_DPORT,		/* u16 */
	TCPKIT_A_FROZEN_EXPIRES_MS,	/* u32: time left before it lapses */
	TCPKIT_A_FROZEN_DROPPED,	/* u64: segments dropped so far */
	TCPKIT_A_FROZEN_PAD,		/* padding for the u64 */

	__TCPKIT_A_FROZEN_MAX,
	TCPKIT_A_FROZEN_MAX = (__TCPKIT_A_FROZEN_MAX - 1)
};

enum {
	TCPKIT_CMD_AIMD_GET = 1,	/* do: global, or one socket */
	TCPKIT_CMD_AIMD_SET,		/* do */
	TCPKIT_CMD_CONN_GET,		/* do: checkpoint header, no data */
	TCPKIT_CMD_CONN_CHECKPOINT,	/* dump: header then data chunks */
	TCPKIT_CMD_CONN_RESTORE,	/* do: into a fresh socket (SOCK_FD) */
	TCPKIT_CMD_CONN_THAW,		/* do: drop a freeze by 4-tuple */
	TCPKIT_CMD_FROZEN_GET,		/* dump: frozen tuples of this netns */
	TCPKIT_CMD_CONN_COMMIT,		/* do: destroy a held original (HOLD) */
	TCPKIT_CMD_CONN_ABORT,		/* do: give a held original back (HOLD) */

	__TCPKIT_CMD_MAX,
	TCPKIT_CMD_MAX = (__TCPKIT_CMD_MAX - 1)
};

#endif /* _UAPI_LINUX_TCPKIT_H */
