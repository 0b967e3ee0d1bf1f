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

	/* Per-netns state first; aimd last, since a socket may take it (and
	 * a module reference) the moment it is registered, so nothing may
	 * fail after it.
	 */
	tcpkit_fault_register();
	err = tcpkit_freeze_register();
	if (err)
		goto err_fault;

	err = tcpkit_checkpoint_register();
	if (err)
		goto err_freeze;

	err = tcpkit_hold_register();
	if (err)
		goto err_checkpoint;

	err = tcpkit_genl_register();
	if (err)
		goto err_hold;

	err = tcpkit_aimd_register();
	if (err)
		goto err_genl;

	pr_info("tcpkit: loaded\n");
	return 0;

err_genl:
	tcpkit_genl_unregister();
err_hold:
	tcpkit_hold_unregister();
err_checkpoint:
	tcpkit_checkpoint_unregister();
err_freeze:
	tcpkit_freeze_unregister();
err_fault:
	tcpkit_fault_unregister();
	return err;
}

/* Held connections go back to their owners before the freezes go. */
static void __exit tcpkit_exit(void)
{
	tcpkit_aimd_unregister();
	tcpkit_genl_unregister();
	tcpkit_hold_unregister();
	tcpkit_checkpoint_unregister();
	tcpkit_freeze_unregister();
	tcpkit_fault_unregister();
}

module_init(tcpkit_init);
module_exit(tcpkit_exit);

MODULE_AUTHOR("tcpkit developers");
MODULE_DESCRIPTION("AIMD congestion control and TCP checkpoint/restore");
MODULE_LICENSE("GPL");
MODULE_ALIAS("tcp_aimd");
MODULE_ALIAS_GENL_FAMILY("tcpkit");
