// SPDX-License-Identifier: GPL-2.0
/*
 * tcpkit: phase times of checkpoints and restores, for bench/cr/profile.sh.
 *
 * Off by default; with the module parameter profile=1 every checkpoint
 * dump and every restore logs one line, "tcpkit: profile WHAT bytes=N
 * phase=ns ...", with the nanoseconds spent in each phase since the
 * previous mark. The cost when off is one test per mark.
 */
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>

#include "tcpkit.h"

static bool profile;
module_param(profile, bool, 0644);
MODULE_PARM_DESC(profile,
		 "log the phase times of every checkpoint and restore (debugging and bench/cr/profile.sh)");

/**
 * tcpkit_prof_begin() - start timing, if profiling is on
 * @p: the record
 */
void tcpkit_prof_begin(struct tcpkit_prof *p)
{
	p->n = 0;
	p->on = READ_ONCE(profile);
	if (p->on)
		p->last = ktime_get_ns();
}

/**
 * tcpkit_prof_mark() - end a phase
 * @p: the record
 * @phase: its name, a string literal
 *
 * A phase marked again adds to its time (the dump's streaming).
 */
void tcpkit_prof_mark(struct tcpkit_prof *p, const char *phase)
{
	u64 now;
	int i;

	if (!p->on)
		return;
	now = ktime_get_ns();
	for (i = 0; i < p->n; i++)
		if (p->name[i] == phase)
			break;
	if (i == p->n) {
		if (p->n == TCPKIT_PROF_PHASES)
			return;
		p->name[p->n] = phase;
		p->ns[p->n++] = 0;
	}
	p->ns[i] += now - p->last;
	p->last = now;
}

/**
 * tcpkit_prof_skip() - let time pass without counting it
 * @p: the record
 *
 * Between two calls of a dump, the time is userspace's.
 */
void tcpkit_prof_skip(struct tcpkit_prof *p)
{
	if (p->on)
		p->last = ktime_get_ns();
}

/**
 * tcpkit_prof_report() - log the phases
 * @p: the record
 * @what: "checkpoint", "restore"
 * @bytes: queue bytes moved
 */
void tcpkit_prof_report(const struct tcpkit_prof *p, const char *what,
			u64 bytes)
{
	char line[256];
	int i, len = 0;

	if (!p->on)
		return;
	for (i = 0; i < p->n && len < sizeof(line); i++)
		len += scnprintf(line + len, sizeof(line) - len, " %s=%llu",
				 p->name[i], p->ns[i]);
	pr_info("tcpkit: profile %s bytes=%llu%s\n", what, bytes, line);
}
