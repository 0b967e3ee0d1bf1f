// SPDX-License-Identifier: GPL-2.0
/*
 * tcpkit: fault points for tests.
 *
 * Every step of a checkpoint with stop and of a restore that can fail asks
 * tcpkit_fault() first, so that a test can make each of them fail in turn
 * and check that the connection survives. On kernels with
 * CONFIG_FAULT_INJECTION the points share one fault_attr, fail_tcpkit: in
 * debugfs where CONFIG_FAULT_INJECTION_DEBUG_FS exists
 * (/sys/kernel/debug/fail_tcpkit), and always counted by a task's
 * /proc/<pid>/task/<tid>/fail-nth together with failslab's. Elsewhere
 * tcpkit_fault() is false and costs nothing.
 */
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fault-inject.h>

#include "tcpkit.h"

#ifdef CONFIG_FAULT_INJECTION
static DECLARE_FAULT_ATTR(tcpkit_fail);
static struct dentry *tcpkit_fail_dir;

/**
 * tcpkit_fault() - should the step about to run fail?
 *
 * Return: true when fault injection says so.
 */
bool tcpkit_fault(void)
{
	return should_fail(&tcpkit_fail, 1);
}

/**
 * tcpkit_fault_register() - expose fail_tcpkit in debugfs, if there is one
 *
 * Quiet by default: a stack dump per injected fault would read as a splat.
 */
void tcpkit_fault_register(void)
{
	tcpkit_fail.verbose = 0;
	tcpkit_fail_dir = fault_create_debugfs_attr("fail_tcpkit", NULL,
						    &tcpkit_fail);
	if (IS_ERR(tcpkit_fail_dir))
		tcpkit_fail_dir = NULL;
}

/**
 * tcpkit_fault_unregister() - remove fail_tcpkit from debugfs
 */
void tcpkit_fault_unregister(void)
{
	debugfs_remove_recursive(tcpkit_fail_dir);
}
#endif
