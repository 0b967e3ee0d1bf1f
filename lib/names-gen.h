/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/tcpkit.yaml */
/* by scripts/spec-names.py (make spec) */

#ifndef TCPKIT_NAMES_GEN_H
#define TCPKIT_NAMES_GEN_H

#include <linux/tcpkit.h>

/* Attribute set sock, by type. */
static const char *const tk_sock_attr_names[TCPKIT_A_SOCK_MAX + 1] = {
	[TCPKIT_A_SOCK_FD] = "fd",
	[TCPKIT_A_SOCK_FAMILY] = "family",
	[TCPKIT_A_SOCK_SADDR] = "saddr",
	[TCPKIT_A_SOCK_DADDR] = "daddr",
	[TCPKIT_A_SOCK_SPORT] = "sport",
	[TCPKIT_A_SOCK_DPORT] = "dport",
	[TCPKIT_A_SOCK_IFINDEX] = "ifindex",
};

/* Attribute set aimd, by type. */
static const char *const tk_aimd_attr_names[TCPKIT_A_AIMD_MAX + 1] = {
	[TCPKIT_A_AIMD_SOCK] = "sock",
	[TCPKIT_A_AIMD_ALPHA] = "alpha",
	[TCPKIT_A_AIMD_BETA] = "beta",
	[TCPKIT_A_AIMD_BETA_ECN] = "beta_ecn",
	[TCPKIT_A_AIMD_CWND] = "cwnd",
	[TCPKIT_A_AIMD_SSTHRESH] = "ssthresh",
	[TCPKIT_A_AIMD_LOSS_CUTS] = "loss_cuts",
	[TCPKIT_A_AIMD_ECN_CUTS] = "ecn_cuts",
	[TCPKIT_A_AIMD_OVERRIDE] = "override",
};

/* Attribute set conn, by type. */
static const char *const tk_conn_attr_names[TCPKIT_A_CONN_MAX + 1] = {
	[TCPKIT_A_CONN_SOCK] = "sock",
	[TCPKIT_A_CONN_STOP] = "stop",
	[TCPKIT_A_CONN_FAMILY] = "family",
	[TCPKIT_A_CONN_SADDR] = "saddr",
	[TCPKIT_A_CONN_DADDR] = "daddr",
	[TCPKIT_A_CONN_SPORT] = "sport",
	[TCPKIT_A_CONN_DPORT] = "dport",
	[TCPKIT_A_CONN_IFINDEX] = "ifindex",
	[TCPKIT_A_CONN_V6ONLY] = "v6only",
	[TCPKIT_A_CONN_STATE] = "state",
	[TCPKIT_A_CONN_SND_SEQ] = "snd_seq",
	[TCPKIT_A_CONN_RCV_SEQ] = "rcv_seq",
	[TCPKIT_A_CONN_SND_QLEN] = "snd_qlen",
	[TCPKIT_A_CONN_UNSENT_LEN] = "unsent_len",
	[TCPKIT_A_CONN_RCV_QLEN] = "rcv_qlen",
	[TCPKIT_A_CONN_MSS] = "mss",
	[TCPKIT_A_CONN_SND_WSCALE] = "snd_wscale",
	[TCPKIT_A_CONN_RCV_WSCALE] = "rcv_wscale",
	[TCPKIT_A_CONN_SACK_OK] = "sack_ok",
	[TCPKIT_A_CONN_TSTAMP_OK] = "tstamp_ok",
	[TCPKIT_A_CONN_TS_VAL] = "ts_val",
	[TCPKIT_A_CONN_TS_CLOCK] = "ts_clock",
	[TCPKIT_A_CONN_SND_WL1] = "snd_wl1",
	[TCPKIT_A_CONN_SND_WND] = "snd_wnd",
	[TCPKIT_A_CONN_MAX_WINDOW] = "max_window",
	[TCPKIT_A_CONN_RCV_WND] = "rcv_wnd",
	[TCPKIT_A_CONN_RCV_WUP] = "rcv_wup",
	[TCPKIT_A_CONN_NODELAY] = "nodelay",
	[TCPKIT_A_CONN_CORK] = "cork",
	[TCPKIT_A_CONN_KEEPALIVE] = "keepalive",
	[TCPKIT_A_CONN_KEEPIDLE] = "keepidle",
	[TCPKIT_A_CONN_KEEPINTVL] = "keepintvl",
	[TCPKIT_A_CONN_KEEPCNT] = "keepcnt",
	[TCPKIT_A_CONN_USER_TIMEOUT] = "user_timeout",
	[TCPKIT_A_CONN_SNDBUF] = "sndbuf",
	[TCPKIT_A_CONN_RCVBUF] = "rcvbuf",
	[TCPKIT_A_CONN_SNDBUF_LOCK] = "sndbuf_lock",
	[TCPKIT_A_CONN_RCVBUF_LOCK] = "rcvbuf_lock",
	[TCPKIT_A_CONN_MARK] = "mark",
	[TCPKIT_A_CONN_PRIORITY] = "priority",
	[TCPKIT_A_CONN_TOS] = "tos",
	[TCPKIT_A_CONN_REUSEADDR] = "reuseaddr",
	[TCPKIT_A_CONN_CC] = "cc",
	[TCPKIT_A_CONN_AIMD] = "aimd",
	[TCPKIT_A_CONN_SND_DATA] = "snd_data",
	[TCPKIT_A_CONN_RCV_DATA] = "rcv_data",
	[TCPKIT_A_CONN_HOLD] = "hold",
	[TCPKIT_A_CONN_SRTT_US] = "srtt_us",
	[TCPKIT_A_CONN_RTTVAR_US] = "rttvar_us",
	[TCPKIT_A_CONN_RTO_US] = "rto_us",
	[TCPKIT_A_CONN_MIN_RTT_US] = "min_rtt_us",
	[TCPKIT_A_CONN_CWND] = "cwnd",
	[TCPKIT_A_CONN_SSTHRESH] = "ssthresh",
	[TCPKIT_A_CONN_CONSERVATIVE] = "conservative",
	[TCPKIT_A_CONN_TS_RECENT] = "ts_recent",
};

/* Attribute set frozen, by type. */
static const char *const tk_frozen_attr_names[TCPKIT_A_FROZEN_MAX + 1] = {
	[TCPKIT_A_FROZEN_FAMILY] = "family",
	[TCPKIT_A_FROZEN_SADDR] = "saddr",
	[TCPKIT_A_FROZEN_DADDR] = "daddr",
	[TCPKIT_A_FROZEN_SPORT] = "sport",
	[TCPKIT_A_FROZEN_DPORT] = "dport",
	[TCPKIT_A_FROZEN_EXPIRES_MS] = "expires_ms",
	[TCPKIT_A_FROZEN_DROPPED] = "dropped",
	[TCPKIT_A_FROZEN_PAD] = "pad",
	[TCPKIT_A_FROZEN_PARKED] = "parked",
};

#endif /* TCPKIT_NAMES_GEN_H */
