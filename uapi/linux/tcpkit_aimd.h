/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * What getsockopt(TCP_CC_INFO) returns for a socket using aimd (20 bytes
 * of union tcp_cc_info, host byte order): the parameters in force on the
 * connection, its own or the global ones it follows. Not netlink, so not
 * generated from the spec with <linux/tcpkit.h>.
 */
#ifndef _UAPI_LINUX_TCPKIT_AIMD_H
#define _UAPI_LINUX_TCPKIT_AIMD_H

#include <linux/types.h>

struct tcpkit_aimd_info {
	__u32	aimd_alpha;	/* thousandths of a segment per RTT */
	__u16	aimd_beta;	/* thousandths of cwnd kept after a loss */
	__u16	aimd_beta_ecn;	/* thousandths kept after an ECE, 0 = beta */
	__u32	aimd_loss_cuts;	/* reductions caused by loss */
	__u32	aimd_ecn_cuts;	/* reductions caused by ECN echoes */
	__u32	aimd_flags;	/* TCPKIT_AIMD_INFO_* */
};

#define TCPKIT_AIMD_INFO_OVERRIDE	0x1	/* per-connection parameters */

#endif /* _UAPI_LINUX_TCPKIT_AIMD_H */
