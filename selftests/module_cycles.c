// SPDX-License-Identifier: GPL-2.0
/*
 * module_cycles: unload safety. 200 times: load tcpkit; start worker
 * threads that run aimd connections and checkpoint/restore round trips
 * through the family; while they hold sockets, rmmod must be refused
 * (EBUSY or EAGAIN) and change nothing; then the workers close
 * everything and rmmod must succeed. The crash scan of the kernel log and
 * kmemleak after the suite see what this leaves. The module is loaded
 * again at the end, as the suite found it.
 */
#include <pthread.h>
#include <sys/syscall.h>

#include "conn_lib.h"
#include "kselftest_harness.h"

#define CYCLES		200
#define WORKERS		3
#define TMO		20000
#define QUEUED		20000	/* bytes in flight per round trip */

struct cycle {
	pthread_barrier_t holding;	/* every worker holds a socket */
	pthread_barrier_t release;	/* the rmmod attempts are done */
	int failed[WORKERS];
};

static int rmmod(void)
{
	return syscall(SYS_delete_module, "tcpkit", O_NONBLOCK) ? -errno : 0;
}

static int modprobe(void)
{
	return system("modprobe tcpkit") ? -EIO : 0;
}

static int aimd_pair(int family, int *a, int *b)
{
	static const char cc[] = "aimd";
	int err = tcp_pair(family, a, b);

	if (err)
		return err;
	if (setsockopt(*a, SOL_TCP, TCP_CONGESTION, cc, strlen(cc)) ||
	    setsockopt(*b, SOL_TCP, TCP_CONGESTION, cc, strlen(cc))) {
		err = -errno;
		close(*a);
		close(*b);
	}
	return err;
}

/*
 * An aimd connection A-B with data queued at A, A checkpointed, silently
 * killed and restored into C; the data must come through. Leaves C and B
 * open in *c and *b.
 */
static int round_trip(struct tk *tk, int family, int *c, int *b)
{
	uint64_t w = 0, r = 0;
	struct img im = {};
	int a = -1, err;

	err = aimd_pair(family, &a, b);
	if (err)
		return err;
	if (stream_write(*b, 1, &w, QUEUED, false) != QUEUED ||
	    wait_ioctl(a, SIOCINQ, QUEUED, TMO)) {
		err = -EIO;
		goto fail;
	}
	err = tk_checkpoint(tk, a, NULL, NULL, false, &im);
	if (err)
		goto fail;
	err = kill_silently(a);
	a = -1;
	*c = socket(family, SOCK_STREAM, 0);
	err = err ?: *c < 0 ? -errno : tk_restore(tk, *c, &im);
	err = err ?: stream_read(*c, 1, &r, QUEUED, TMO);
	img_free(&im);
	if (!err)
		return 0;
	if (*c >= 0)
		close(*c);
fail:
	if (a >= 0)
		close(a);
	close(*b);
	return err;
}

struct worker {
	struct cycle *cy;
	int id;
};

static void *worker(void *arg)
{
	struct worker *w = arg;
	int fam = w->id & 1 ? AF_INET6 : AF_INET;
	int c[2] = { -1, -1 }, b[2] = { -1, -1 };
	struct tk tk;
	int err;

	err = tk_open(&tk);
	err = err ?: round_trip(&tk, fam, &c[0], &b[0]);
	if (err)
		c[0] = b[0] = -1;
	pthread_barrier_wait(&w->cy->holding);
	/* rmmod is being tried now: keep the family busy meanwhile. */
	if (!err)
		err = round_trip(&tk, fam, &c[1], &b[1]);
	if (err)
		c[1] = b[1] = -1;
	pthread_barrier_wait(&w->cy->release);
	close_fds((int *[]){ &c[0], &b[0], &c[1], &b[1] }, 4);
	tk_close(&tk);
	w->cy->failed[w->id] = err;
	return NULL;
}

/* Poll rmmod for up to 10 s: closed sockets go away asynchronously. */
static int rmmod_settled(void)
{
	int i, err = 0;

	for (i = 0; i < 1000; i++) {
		err = rmmod();
		if (err != -EBUSY && err != -EAGAIN)
			break;
		usleep(10000);
	}
	return err;
}

FIXTURE(mod) {
	int unused;
};

FIXTURE_SETUP(mod)
{
	self->unused = 0;
}

FIXTURE_TEARDOWN(mod)
{
}

TEST_F_TIMEOUT(mod, cycles, 280)
{
	struct worker w[WORKERS];
	pthread_t th[WORKERS];
	int i, j, err, refused = 0;
	struct cycle cy;

	ASSERT_EQ(0, netns_private());
	if (modprobe())
		SKIP(return, "tcpkit cannot be loaded");
	ASSERT_EQ(0, rmmod_settled());
	for (i = 0; i < CYCLES; i++) {
		ASSERT_EQ(0, modprobe()) TH_LOG("cycle %d", i);
		memset(&cy, 0, sizeof(cy));
		pthread_barrier_init(&cy.holding, NULL, WORKERS + 1);
		pthread_barrier_init(&cy.release, NULL, WORKERS + 1);
		for (j = 0; j < WORKERS; j++) {
			w[j] = (struct worker){ .cy = &cy, .id = j };
			ASSERT_EQ(0, pthread_create(&th[j], NULL, worker, &w[j]));
		}
		pthread_barrier_wait(&cy.holding);
		/* Sockets use aimd and requests are on their way: refused. */
		for (j = 0; j < 5; j++) {
			err = rmmod();
			EXPECT_TRUE(err == -EBUSY || err == -EAGAIN)
				TH_LOG("cycle %d: rmmod while busy: %d", i, err);
			refused++;
			usleep(2000);
		}
		EXPECT_EQ(0, access("/sys/module/tcpkit", F_OK));
		pthread_barrier_wait(&cy.release);
		for (j = 0; j < WORKERS; j++) {
			pthread_join(th[j], NULL);
			EXPECT_EQ(0, cy.failed[j])
				TH_LOG("cycle %d: worker %d: %d", i, j,
				       cy.failed[j]);
		}
		pthread_barrier_destroy(&cy.holding);
		pthread_barrier_destroy(&cy.release);
		err = rmmod_settled();
		ASSERT_EQ(0, err) TH_LOG("cycle %d: rmmod once idle: %d", i, err);
		if (_metadata->exit_code)
			break;
	}
	TH_LOG("%d load/unload cycles, %d rmmod attempts refused while busy",
	       i, refused);
	ASSERT_EQ(0, modprobe());
}

TEST_HARNESS_MAIN
