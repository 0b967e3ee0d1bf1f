// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/tcpkit.yaml */
/* YNL-GEN kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "netlink-gen.h"

#include <uapi/linux/tcpkit.h>
#include <compat.h>

/* Integer value ranges */
static const struct netlink_range_validation tcpkit_a_sock_fd_range = {
	.max	= S32_MAX,
};

static const struct netlink_range_validation tcpkit_a_sock_ifindex_range = {
	.max	= S32_MAX,
};

static const struct netlink_range_validation tcpkit_a_aimd_alpha_range = {
	.min	= TCPKIT_AIMD_ALPHA_MIN,
	.max	= TCPKIT_AIMD_ALPHA_MAX,
};

static const struct netlink_range_validation tcpkit_a_conn_ifindex_range = {
	.max	= S32_MAX,
};

static const struct netlink_range_validation tcpkit_a_conn_mss_range = {
	.min	= 88ULL,
	.max	= 65535ULL,
};

static const struct netlink_range_validation tcpkit_a_conn_user_timeout_range = {
	.max	= S32_MAX,
};

static const struct netlink_range_validation tcpkit_a_conn_sndbuf_range = {
	.max	= S32_MAX,
};

static const struct netlink_range_validation tcpkit_a_conn_rcvbuf_range = {
	.max	= S32_MAX,
};

static const struct netlink_range_validation tcpkit_a_conn_srtt_us_range = {
	.max	= 120000000ULL,
};

static const struct netlink_range_validation tcpkit_a_conn_rttvar_us_range = {
	.max	= 120000000ULL,
};

static const struct netlink_range_validation tcpkit_a_conn_rto_us_range = {
	.min	= 1ULL,
	.max	= 120000000ULL,
};

static const struct netlink_range_validation tcpkit_a_conn_min_rtt_us_range = {
	.max	= 120000000ULL,
};

static const struct netlink_range_validation tcpkit_a_conn_cwnd_range = {
	.min	= 1ULL,
	.max	= S32_MAX,
};

static const struct netlink_range_validation tcpkit_a_conn_ssthresh_range = {
	.min	= 2ULL,
	.max	= S32_MAX,
};

/* Common nested types */
const struct nla_policy tcpkit_conn_aimd_nl_policy[TCPKIT_A_AIMD_BETA_ECN + 1] = {
	[TCPKIT_A_AIMD_ALPHA] = NLA_POLICY_FULL_RANGE(NLA_U32, &tcpkit_a_aimd_alpha_range),
	[TCPKIT_A_AIMD_BETA] = NLA_POLICY_RANGE(NLA_U32, TCPKIT_AIMD_BETA_MIN, TCPKIT_AIMD_BETA_MAX),
	[TCPKIT_A_AIMD_BETA_ECN] = NLA_POLICY_MAX(NLA_U32, TCPKIT_AIMD_BETA_MAX),
};

const struct nla_policy tcpkit_sock_nl_policy[TCPKIT_A_SOCK_IFINDEX + 1] = {
	[TCPKIT_A_SOCK_FD] = NLA_POLICY_FULL_RANGE(NLA_U32, &tcpkit_a_sock_fd_range),
	[TCPKIT_A_SOCK_FAMILY] = NLA_POLICY_RANGE(NLA_U16, 2, 10),
	[TCPKIT_A_SOCK_SADDR] = { .type = NLA_BINARY, },
	[TCPKIT_A_SOCK_DADDR] = { .type = NLA_BINARY, },
	[TCPKIT_A_SOCK_SPORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[TCPKIT_A_SOCK_DPORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[TCPKIT_A_SOCK_IFINDEX] = NLA_POLICY_FULL_RANGE(NLA_U32, &tcpkit_a_sock_ifindex_range),
};

/* TCPKIT_CMD_AIMD_GET - do */
static const struct nla_policy tcpkit_aimd_get_nl_policy[TCPKIT_A_AIMD_SOCK + 1] = {
	[TCPKIT_A_AIMD_SOCK] = NLA_POLICY_NESTED(tcpkit_sock_nl_policy),
};

/* TCPKIT_CMD_AIMD_SET - do */
static const struct nla_policy tcpkit_aimd_set_nl_policy[TCPKIT_A_AIMD_BETA_ECN + 1] = {
	[TCPKIT_A_AIMD_SOCK] = NLA_POLICY_NESTED(tcpkit_sock_nl_policy),
	[TCPKIT_A_AIMD_ALPHA] = NLA_POLICY_FULL_RANGE(NLA_U32, &tcpkit_a_aimd_alpha_range),
	[TCPKIT_A_AIMD_BETA] = NLA_POLICY_RANGE(NLA_U32, TCPKIT_AIMD_BETA_MIN, TCPKIT_AIMD_BETA_MAX),
	[TCPKIT_A_AIMD_BETA_ECN] = NLA_POLICY_MAX(NLA_U32, TCPKIT_AIMD_BETA_MAX),
};

/* TCPKIT_CMD_CONN_GET - do */
static const struct nla_policy tcpkit_conn_get_nl_policy[TCPKIT_A_CONN_SOCK + 1] = {
	[TCPKIT_A_CONN_SOCK] = NLA_POLICY_NESTED(tcpkit_sock_nl_policy),
};

/* TCPKIT_CMD_CONN_CHECKPOINT - dump */
static const struct nla_policy tcpkit_conn_checkpoint_nl_policy[TCPKIT_A_CONN_STOP + 1] = {
	[TCPKIT_A_CONN_SOCK] = NLA_POLICY_NESTED(tcpkit_sock_nl_policy),
	[TCPKIT_A_CONN_STOP] = { .type = NLA_FLAG, },
};

/* TCPKIT_CMD_CONN_RESTORE - do */
static const struct nla_policy tcpkit_conn_restore_nl_policy[TCPKIT_A_CONN_TS_RECENT + 1] = {
	[TCPKIT_A_CONN_SOCK] = NLA_POLICY_NESTED(tcpkit_sock_nl_policy),
	[TCPKIT_A_CONN_FAMILY] = NLA_POLICY_RANGE(NLA_U16, 2, 10),
	[TCPKIT_A_CONN_SADDR] = { .type = NLA_BINARY, },
	[TCPKIT_A_CONN_DADDR] = { .type = NLA_BINARY, },
	[TCPKIT_A_CONN_SPORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[TCPKIT_A_CONN_DPORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[TCPKIT_A_CONN_IFINDEX] = NLA_POLICY_FULL_RANGE(NLA_U32, &tcpkit_a_conn_ifindex_range),
	[TCPKIT_A_CONN_V6ONLY] = NLA_POLICY_MAX(NLA_U8, 1),
	[TCPKIT_A_CONN_STATE] = NLA_POLICY_RANGE(NLA_U8, 1, 11),
	[TCPKIT_A_CONN_SND_SEQ] = { .type = NLA_U32, },
	[TCPKIT_A_CONN_RCV_SEQ] = { .type = NLA_U32, },
	[TCPKIT_A_CONN_SND_QLEN] = { .type = NLA_U32, },
	[TCPKIT_A_CONN_UNSENT_LEN] = { .type = NLA_U32, },
	[TCPKIT_A_CONN_RCV_QLEN] = { .type = NLA_U32, },
	[TCPKIT_A_CONN_MSS] = NLA_POLICY_FULL_RANGE(NLA_U32, &tcpkit_a_conn_mss_range),
	[TCPKIT_A_CONN_SND_WSCALE] = NLA_POLICY_MAX(NLA_U8, 14),
	[TCPKIT_A_CONN_RCV_WSCALE] = NLA_POLICY_MAX(NLA_U8, 14),
	[TCPKIT_A_CONN_SACK_OK] = NLA_POLICY_MAX(NLA_U8, 1),
	[TCPKIT_A_CONN_TSTAMP_OK] = NLA_POLICY_MAX(NLA_U8, 1),
	[TCPKIT_A_CONN_TS_VAL] = { .type = NLA_U32, },
	[TCPKIT_A_CONN_TS_CLOCK] = NLA_POLICY_RANGE(NLA_U8, 1, 2),
	[TCPKIT_A_CONN_SND_WL1] = { .type = NLA_U32, },
	[TCPKIT_A_CONN_SND_WND] = { .type = NLA_U32, },
	[TCPKIT_A_CONN_MAX_WINDOW] = { .type = NLA_U32, },
	[TCPKIT_A_CONN_RCV_WND] = { .type = NLA_U32, },
	[TCPKIT_A_CONN_RCV_WUP] = { .type = NLA_U32, },
	[TCPKIT_A_CONN_NODELAY] = NLA_POLICY_MAX(NLA_U8, 1),
	[TCPKIT_A_CONN_CORK] = NLA_POLICY_MAX(NLA_U8, 1),
	[TCPKIT_A_CONN_KEEPALIVE] = NLA_POLICY_MAX(NLA_U8, 1),
	[TCPKIT_A_CONN_KEEPIDLE] = NLA_POLICY_RANGE(NLA_U32, 1, 32767),
	[TCPKIT_A_CONN_KEEPINTVL] = NLA_POLICY_RANGE(NLA_U32, 1, 32767),
	[TCPKIT_A_CONN_KEEPCNT] = NLA_POLICY_RANGE(NLA_U32, 1, 127),
	[TCPKIT_A_CONN_USER_TIMEOUT] = NLA_POLICY_FULL_RANGE(NLA_U32, &tcpkit_a_conn_user_timeout_range),
	[TCPKIT_A_CONN_SNDBUF] = NLA_POLICY_FULL_RANGE(NLA_U32, &tcpkit_a_conn_sndbuf_range),
	[TCPKIT_A_CONN_RCVBUF] = NLA_POLICY_FULL_RANGE(NLA_U32, &tcpkit_a_conn_rcvbuf_range),
	[TCPKIT_A_CONN_SNDBUF_LOCK] = NLA_POLICY_MAX(NLA_U8, 1),
	[TCPKIT_A_CONN_RCVBUF_LOCK] = NLA_POLICY_MAX(NLA_U8, 1),
	[TCPKIT_A_CONN_MARK] = { .type = NLA_U32, },
	[TCPKIT_A_CONN_PRIORITY] = { .type = NLA_U32, },
	[TCPKIT_A_CONN_TOS] = { .type = NLA_U8, },
	[TCPKIT_A_CONN_REUSEADDR] = NLA_POLICY_MAX(NLA_U8, 1),
	[TCPKIT_A_CONN_CC] = { .type = NLA_NUL_STRING, .len = 15, },
	[TCPKIT_A_CONN_AIMD] = NLA_POLICY_NESTED(tcpkit_conn_aimd_nl_policy),
	[TCPKIT_A_CONN_SRTT_US] = NLA_POLICY_FULL_RANGE(NLA_U32, &tcpkit_a_conn_srtt_us_range),
	[TCPKIT_A_CONN_RTTVAR_US] = NLA_POLICY_FULL_RANGE(NLA_U32, &tcpkit_a_conn_rttvar_us_range),
	[TCPKIT_A_CONN_RTO_US] = NLA_POLICY_FULL_RANGE(NLA_U32, &tcpkit_a_conn_rto_us_range),
	[TCPKIT_A_CONN_MIN_RTT_US] = NLA_POLICY_FULL_RANGE(NLA_U32, &tcpkit_a_conn_min_rtt_us_range),
	[TCPKIT_A_CONN_CWND] = NLA_POLICY_FULL_RANGE(NLA_U32, &tcpkit_a_conn_cwnd_range),
	[TCPKIT_A_CONN_SSTHRESH] = NLA_POLICY_FULL_RANGE(NLA_U32, &tcpkit_a_conn_ssthresh_range),
	[TCPKIT_A_CONN_TS_RECENT] = { .type = NLA_U32, },
	[TCPKIT_A_CONN_CONSERVATIVE] = { .type = NLA_FLAG, },
	[TCPKIT_A_CONN_SND_DATA] = { .type = NLA_BINARY, },
	[TCPKIT_A_CONN_RCV_DATA] = { .type = NLA_BINARY, },
};

/* TCPKIT_CMD_CONN_THAW - do */
static const struct nla_policy tcpkit_conn_thaw_nl_policy[TCPKIT_A_CONN_SOCK + 1] = {
	[TCPKIT_A_CONN_SOCK] = NLA_POLICY_NESTED(tcpkit_sock_nl_policy),
};

/* TCPKIT_CMD_CONN_COMMIT - do */
static const struct nla_policy tcpkit_conn_commit_nl_policy[TCPKIT_A_CONN_HOLD + 1] = {
	[TCPKIT_A_CONN_HOLD] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* TCPKIT_CMD_CONN_ABORT - do */
static const struct nla_policy tcpkit_conn_abort_nl_policy[TCPKIT_A_CONN_HOLD + 1] = {
	[TCPKIT_A_CONN_HOLD] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* Ops table for tcpkit */
const struct genl_split_ops tcpkit_nl_ops[9] = {
	{
		.cmd		= TCPKIT_CMD_AIMD_GET,
		.doit		= tcpkit_nl_aimd_get_doit,
		.policy		= tcpkit_aimd_get_nl_policy,
		.maxattr	= TCPKIT_A_AIMD_SOCK,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= TCPKIT_CMD_AIMD_SET,
		.doit		= tcpkit_nl_aimd_set_doit,
		.policy		= tcpkit_aimd_set_nl_policy,
		.maxattr	= TCPKIT_A_AIMD_BETA_ECN,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= TCPKIT_CMD_CONN_GET,
		.doit		= tcpkit_nl_conn_get_doit,
		.policy		= tcpkit_conn_get_nl_policy,
		.maxattr	= TCPKIT_A_CONN_SOCK,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= TCPKIT_CMD_CONN_CHECKPOINT,
		.start		= tcpkit_nl_checkpoint_start,
		.dumpit		= tcpkit_nl_conn_checkpoint_dumpit,
		.done		= tcpkit_nl_checkpoint_done,
		.policy		= tcpkit_conn_checkpoint_nl_policy,
		.maxattr	= TCPKIT_A_CONN_STOP,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= TCPKIT_CMD_CONN_RESTORE,
		.doit		= tcpkit_nl_conn_restore_doit,
		.policy		= tcpkit_conn_restore_nl_policy,
		.maxattr	= TCPKIT_A_CONN_TS_RECENT,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= TCPKIT_CMD_CONN_THAW,
		.doit		= tcpkit_nl_conn_thaw_doit,
		.policy		= tcpkit_conn_thaw_nl_policy,
		.maxattr	= TCPKIT_A_CONN_SOCK,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd	= TCPKIT_CMD_FROZEN_GET,
		.dumpit	= tcpkit_nl_frozen_get_dumpit,
		.flags	= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= TCPKIT_CMD_CONN_COMMIT,
		.doit		= tcpkit_nl_conn_commit_doit,
		.policy		= tcpkit_conn_commit_nl_policy,
		.maxattr	= TCPKIT_A_CONN_HOLD,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= TCPKIT_CMD_CONN_ABORT,
		.doit		= tcpkit_nl_conn_abort_doit,
		.policy		= tcpkit_conn_abort_nl_policy,
		.maxattr	= TCPKIT_A_CONN_HOLD,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
};
