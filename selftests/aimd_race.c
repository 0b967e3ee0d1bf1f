// SPDX-License-Identifier: GPL-2.0
/*
 * aimd_race: concurrent updates of different global aimd parameters must
 * not undo each other.
 *
 * Two threads change one parameter each: alpha through the netlink family
 * (libtcpkit, a request naming alpha only), beta through the netlink family
 * or through sysfs (/sys/module/tcpkit/parameters/beta). Each writes an
 * increasing sequence of values, and both read all parameters back after
 * every write. With no lost update the values stored in a parameter only
 * grow, so a read must never return less than what any read before it
 * returned: a smaller value is an old copy written back by the other
 * thread's update. The defaults are restored at the end.
 * KTAP output; exit 4 (skip) without the module or without root.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ktap_result.h"
#include "libtcpkit.h"

#define ROUNDS		800	/* beta goes from 0.150 to 0.949 */
#define BETA_SYSFS	"/sys/module/tcpkit/parameters/beta"

enum via { VIA_NETLINK, VIA_SYSFS };

struct writer {
	pthread_t thread;
	unsigned int field;	/* TCPKIT_AIMD_HAS_ALPHA or _BETA */
	enum via via;
	uint32_t base;		/* writes base + i, thousandths */
	int errors;
	char why[160];
};

static pthread_barrier_t start;
/* Largest alpha and beta any read returned so far. */
static uint32_t seen_alpha, seen_beta;
static int regressions;
static char regression_why[160];

static int sysfs_write_beta(uint32_t milli)
{
	FILE *f = fopen(BETA_SYSFS, "w");
	int ret;

	if (!f)
		return -errno;
	ret = fprintf(f, "%u.%03u\n", milli / 1000, milli % 1000) < 0;
	ret |= fclose(f) != 0;
	return ret ? -EIO : 0;
}

/* @v was read after @before was the largest value seen. */
static void observe(uint32_t *seen, uint32_t before, uint32_t v,
		    const char *name)
{
	if (v < before && !__atomic_fetch_add(&regressions, 1,
					      __ATOMIC_RELAXED))
		snprintf(regression_why, sizeof(regression_why),
			 "%s went back from %u to %u", name, before, v);
	/* Keep the maximum. */
	before = __atomic_load_n(seen, __ATOMIC_RELAXED);
	while (v > before &&
	       !__atomic_compare_exchange_n(seen, &before, v, false,
					    __ATOMIC_SEQ_CST,
					    __ATOMIC_RELAXED))
		;
}

static void *writer_run(void *arg)
{
	struct writer *w = arg;
	struct tcpkit *tk = tcpkit_open();
	uint32_t v, alpha0, beta0;
	struct tcpkit_aimd set, got = { .size = sizeof(got) };
	int i, ret;

	pthread_barrier_wait(&start);
	if (!tk) {
		snprintf(w->why, sizeof(w->why), "open: %s", tcpkit_strerror());
		w->errors++;
		return NULL;
	}
	for (i = 0; i < ROUNDS; i++) {
		v = w->base + i;
		memset(&set, 0, sizeof(set));
		set.has = w->field;
		if (w->field == TCPKIT_AIMD_HAS_ALPHA)
			set.alpha = v;
		else
			set.beta = v;
		if (w->via == VIA_SYSFS)
			ret = sysfs_write_beta(v);
		else
			ret = tcpkit_aimd_set(tk, NULL, &set);
		alpha0 = __atomic_load_n(&seen_alpha, __ATOMIC_SEQ_CST);
		beta0 = __atomic_load_n(&seen_beta, __ATOMIC_SEQ_CST);
		if (!ret)
			ret = tcpkit_aimd_get(tk, NULL, &got);
		if (ret) {
			if (!w->errors++)
				snprintf(w->why, sizeof(w->why), "round %d: %s",
					 i, tcpkit_strerror());
			continue;
		}
		observe(&seen_alpha, alpha0, got.alpha, "alpha");
		observe(&seen_beta, beta0, got.beta, "beta");
	}
	tcpkit_close(tk);
	return NULL;
}

/* Alpha through netlink against beta through @beta_via, concurrently. */
static void race(struct tcpkit *tk, enum via beta_via, const char *name)
{
	struct writer w[2] = {
		{ .field = TCPKIT_AIMD_HAS_ALPHA, .via = VIA_NETLINK,
		  .base = 1000 },
		{ .field = TCPKIT_AIMD_HAS_BETA, .via = beta_via,
		  .base = 150 },
	};
	struct tcpkit_aimd low = {
		.has = TCPKIT_AIMD_HAS_ALPHA | TCPKIT_AIMD_HAS_BETA,
		.alpha = 500, .beta = 100,
	};
	int i, errors;

	/* Start below both sequences. */
	if (tcpkit_aimd_set(tk, NULL, &low)) {
		result(false, name, "reset: %s", tcpkit_strerror());
		return;
	}
	seen_alpha = 0;
	seen_beta = 0;
	regressions = 0;
	pthread_barrier_init(&start, NULL, 2);
	for (i = 0; i < 2; i++)
		pthread_create(&w[i].thread, NULL, writer_run, &w[i]);
	for (i = 0; i < 2; i++)
		pthread_join(w[i].thread, NULL);
	pthread_barrier_destroy(&start);

	errors = w[0].errors + w[1].errors;
	printf("# %s: %d writes each, %d values read back lower than an earlier read, %d errors\n",
	       name, ROUNDS, regressions, errors);
	result(!regressions && !errors &&
	       seen_alpha == w[0].base + ROUNDS - 1 &&
	       seen_beta == w[1].base + ROUNDS - 1, name, "%s",
	       regressions ? regression_why :
	       w[0].errors ? w[0].why : w[1].errors ? w[1].why :
	       "last values not read back");
}

int main(void)
{
	struct tcpkit_aimd def = {
		.has = TCPKIT_AIMD_HAS_ALPHA | TCPKIT_AIMD_HAS_BETA |
		       TCPKIT_AIMD_HAS_BETA_ECN,
		.alpha = 1000, .beta = 500, .beta_ecn = 0,
	};
	struct tcpkit *tk;

	printf("TAP version 13\n");
	/* Opening a handle loads the module (genetlink family alias). */
	tk = tcpkit_open();
	if (getuid() != 0 || !tk || access(BETA_SYSFS, W_OK)) {
		printf("1..0 # SKIP needs root and the tcpkit module\n");
		return 4;
	}
	printf("1..3\n");
	race(tk, VIA_NETLINK,
	     "alpha and beta set concurrently through netlink: no update lost");
	race(tk, VIA_SYSFS,
	     "alpha through netlink, beta through sysfs: no update lost");

	result(!tcpkit_aimd_set(tk, NULL, &def), "defaults restored", "%s",
	       tcpkit_strerror());
	tcpkit_close(tk);
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:0 error:0\n",
	       test_no - failed, failed);
	return failed ? 1 : 0;
}
