// SPDX-License-Identifier: GPL-2.0
/*
 * tcpkit: the aimd congestion control and TCP checkpoint/restore over
 * generic netlink. This file only ties the parts together.
 */
#include <linux/module.h>
#include <net/genetlink.h>

#include "compat.h"
#include "tcpkit.h"

static int __init tcpkit_init(void)
{
	int err;

	/* Per-netns state first, the netlink family last. */
	err = tcpkit_freeze_register();
	if (err)
		return err;

	err = tcpkit_aimd_register();
	if (err)
		goto err_freeze;

	err = tcpkit_genl_register();
	if (err)
		goto err_aimd;

	pr_info("tcpkit: loaded\n");
	return 0;

err_aimd:
	tcpkit_aimd_unregister();
err_freeze:
	tcpkit_freeze_unregister();
	return err;
}

static void __exit tcpkit_exit(void)
{
	tcpkit_genl_unregister();
	tcpkit_aimd_unregister();
	tcpkit_freeze_unregister();
}

module_init(tcpkit_init);
module_exit(tcpkit_exit);

MODULE_AUTHOR("tcpkit developers");
MODULE_DESCRIPTION("AIMD congestion control and TCP checkpoint/restore");
MODULE_LICENSE("GPL");
MODULE_ALIAS("tcp_aimd");
MODULE_ALIAS_GENL_FAMILY("tcpkit");
