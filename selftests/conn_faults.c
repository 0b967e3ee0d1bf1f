// SPDX-License-Identifier: GPL-2.0
/*
 * conn_faults: checkpoint and restore when an allocation fails. For N = 1,
 * 2, ... the Nth fault-injection point the call passes (kmalloc and
 * kmem_cache_alloc through failslab, counted per task by
 * /proc/thread-self/fail-nth) fails, until a call goes through with
 * nothing left to fail; a call that met its fault and succeeded all the
 * same (an allocation the kernel can do without: under kmemleak every
 * allocation is followed by one of kmemleak's, which falls back to a
 * reserve) is checked and the count goes on. After every call that met its fault:
 *  - restore: an error came back and the target is closed and unusable,
 *    and once it is closed the image's address and port are free;
 *    or, when the failed allocation was one the kernel tolerates or the
 *    ACK's (the reply lost: the target's state tells, see tk_restore), the
 *    restore succeeded and the connection is whole (both queues there);
 *  - checkpoint (plain, and the hold of a checkpoint with stop, the module's
 *    own fault points included): an error came back and the original is
 *    untouched, unfrozen and working once the netlink socket that asked
 *    is closed; or the image is complete (and, with stop, the commit that
 *    follows without faults destroys the original);
 *  - thaw (of a committed stop's tuple): an error came back and the tuple
 *    is still frozen, or the thaw went through (its ACK may be lost);
 *  - the module's reference count is back to where it was, and no RST left
 *    the netns.
 * kmemleak (run_tests.sh's caller scans after the suite) finds the leaks.
 * Needs CONFIG_FAULT_INJECTION and CONFIG_FAILSLAB (the 7.x test kernels);
 * skipped elsewhere.
 */
#include <sys/mount.h>

#include "conn_lib.h"
#include "kselftest_harness.h"

#define TMO		20000
#define MAX_N		5000U
#define FAILNTH		"/proc/thread-self/fail-nth"
#define DEBUGFS		"/sys/kernel/debug"
#define REFCNT		"/sys/module/tcpkit/refcnt"
#define RCV_BYTES	3000	/* queued at A, unread: A's receive queue */

/*
 * Count sleeping allocations too (failslab skips them by default), print
 * nothing (a stack dump per fault would read as a splat), and keep the
 * page allocator out (its failures warn with a stack trace).
 */
static int failslab_setup(void)
{
	if (access(DEBUGFS "/failslab", F_OK))
		mount("debugfs", DEBUGFS, "debugfs", 0, NULL);
	if (access(FAILNTH, W_OK) || access(DEBUGFS "/failslab", F_OK))
		return -ENOENT;
	if (write_str(DEBUGFS "/failslab/ignore-gfp-wait", "N") ||
	    write_str(DEBUGFS "/failslab/verbose", "0"))
		return -EIO;
	if (!access(DEBUGFS "/fail_page_alloc", F_OK) &&
	    (write_str(DEBUGFS "/fail_page_alloc/min-order", "64") ||
	     write_str(DEBUGFS "/fail_page_alloc/verbose", "0")))
		return -EIO;
	return 0;
}

static void fail_nth(unsigned int n)
{
	char s[16];

	snprintf(s, sizeof(s), "%u", n);
	write_str(FAILNTH, s);
}

/* After a call: 1 if its fault was injected (the counter reached 0). */
static int fault_hit(void)
{
	long left = read_long(FAILNTH);

	fail_nth(0);
	return left == 0;
}

FIXTURE(faults) {
	struct tk tk;
	struct img im;
	int a, b;		/* A checkpointed, B its peer */
	uint64_t a_sent, a_read, b_sent, b_read;	/* stream offsets */
	struct sockaddr_storage sa;	/* A's address and port */
	long refcnt;
	long rsts;		/* Tcp OutRsts of the netns at the start */
	int hits;		/* calls that met their fault and failed */
	int tolerated;		/* ... and succeeded all the same */
	int acks_lost;		/* ... of which the reply was lost */
};

FIXTURE_VARIANT(faults) {
	int family;
};

FIXTURE_VARIANT_ADD(faults, ipv4) {
	.family = AF_INET,
};

FIXTURE_VARIANT_ADD(faults, ipv6) {
	.family = AF_INET6,
};

FIXTURE_SETUP(faults)
{
	memset(self, 0, sizeof(*self));
	self->a = self->b = -1;
	TK_SETUP_NETNS(&self->tk, TK_NO_MODULE);
	if (failslab_setup())
		SKIP(return, "no fail-nth or failslab in this kernel");
	ASSERT_EQ(0, tcp_pair(variant->family, &self->a, &self->b));
	ASSERT_EQ(RCV_BYTES, stream_write(self->b, 2, &self->b_sent,
					  RCV_BYTES, false));
	ASSERT_EQ(0, wait_ioctl(self->a, SIOCINQ, RCV_BYTES, TMO));
	self->refcnt = read_long(REFCNT);
	ASSERT_LE(0, self->refcnt);
	self->rsts = tcp_mib("OutRsts");
}

FIXTURE_TEARDOWN(faults)
{
	fail_nth(0);
	close_fds((int *[]){ &self->b, &self->a }, 2);
	img_free(&self->im);
	tk_close(&self->tk);
}

/* A new netlink socket: one whose ACK was dropped has an error pending. */
static void tk_reopen(struct __test_metadata *_metadata,
		      FIXTURE_DATA(faults) *self)
{
	tk_close(&self->tk);
	ASSERT_EQ(0, tk_open(&self->tk));
}

/*
 * A (or what holds its connection now) and B still talk both ways, and
 * A's unread bytes are all there, in order.
 */
static void a_works(struct __test_metadata *_metadata,
		    FIXTURE_DATA(faults) *self, int a)
{
	ASSERT_EQ(0, stream_read(a, 2, &self->a_read, RCV_BYTES, TMO));
	ASSERT_EQ(100, stream_write(a, 1, &self->a_sent, 100, false));
	ASSERT_EQ(0, stream_read(self->b, 1, &self->b_read, 100, TMO));
}

/*
 * A failed restore target: closed and unusable; once closed, nothing holds
 * the image's address and port any more.
 */
static void target_dead(struct __test_metadata *_metadata,
			FIXTURE_DATA(faults) *self, int fd, unsigned int n,
			int err)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct tcp_info ti;
	int s;

	ASSERT_EQ(0, getsockopt(fd, SOL_TCP, TCP_INFO, &ti, &len));
	EXPECT_EQ(7, ti.tcpi_state) TH_LOG("N=%u: %d \"%s\", yet state %u", n,
					   err, self->tk.msg, ti.tcpi_state);
	EXPECT_GT(0, send(fd, "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT));
	close(fd);
	s = socket(self->sa.ss_family, SOCK_STREAM, 0);
	ASSERT_LE(0, s);
	EXPECT_EQ(0, bind(s, (void *)&self->sa, sizeof(self->sa)))
		TH_LOG("N=%u: image's port still held: %s", n, strerror(errno));
	close(s);
}

/*
 * Move the connection stopped at @fd, whose image is in self->im, to a new
 * socket: silent close, restore.
 */
static int move_conn(struct __test_metadata *_metadata,
		     FIXTURE_DATA(faults) *self, int fd, int family)
{
	int c;

	EXPECT_EQ(0, kill_silently(fd));
	c = socket(family, SOCK_STREAM, 0);
	EXPECT_LE(0, c);
	EXPECT_EQ(0, tk_restore(&self->tk, c, &self->im))
		TH_LOG("%s", self->tk.msg);
	return c;
}

/* Put A's receive queue back as it was, for the next call to take. */
static void refill(struct __test_metadata *_metadata,
		   FIXTURE_DATA(faults) *self)
{
	ASSERT_EQ(RCV_BYTES, stream_write(self->b, 2, &self->b_sent,
					  RCV_BYTES, false));
	ASSERT_EQ(0, wait_ioctl(self->a, SIOCINQ, RCV_BYTES, TMO));
}

static void report(struct __test_metadata *_metadata,
		   FIXTURE_DATA(faults) *self, const char *what, unsigned int n)
{
	ASSERT_GE(MAX_N, n) TH_LOG("%s still meets faults at N=%u", what, n);
	TH_LOG("%s: %d failed allocations refused cleanly, %d tolerated (%d ACKs lost), through at N=%u",
	       what, self->hits, self->tolerated, self->acks_lost, n);
	EXPECT_LT(0, self->hits);
	EXPECT_EQ(self->refcnt, read_long(REFCNT));
	/* Both ends live in this netns: no RST either could have seen. */
	EXPECT_EQ(self->rsts, tcp_mib("OutRsts"));
}

TEST_F_TIMEOUT(faults, restore, 250)
{
	socklen_t len = sizeof(self->sa);
	unsigned int n;
	int c = -1;

	ASSERT_EQ(0, getsockname(self->a, (void *)&self->sa, &len));
	ASSERT_EQ(0, tk_checkpoint(&self->tk, self->a, NULL, NULL, false,
				   &self->im)) TH_LOG("%s", self->tk.msg);
	ASSERT_EQ(0, kill_silently(self->a));
	self->a = -1;

	for (n = 1; n <= MAX_N; n++) {
		int err, hit;

		tk_reopen(_metadata, self);
		c = socket(variant->family, SOCK_STREAM, 0);
		ASSERT_LE(0, c);
		fail_nth(n);
		err = tk_restore(&self->tk, c, &self->im);
		hit = fault_hit();
		if (!hit) {
			ASSERT_EQ(0, err) TH_LOG("N=%u: %s", n, self->tk.msg);
			break;
		}
		if (err) {
			self->hits++;
			target_dead(_metadata, self, c, n, err);
		} else {
			/* A failure coped with, or only the ACK lost: whole. */
			self->tolerated++;
			self->acks_lost += self->tk.reply_lost;
			self->a = c;
			a_works(_metadata, self, c);
			refill(_metadata, self);
			tk_reopen(_metadata, self);
			ASSERT_EQ(0, tk_checkpoint(&self->tk, c, NULL, NULL,
						   false, &self->im));
			ASSERT_EQ(0, kill_silently(c));
			self->a = -1;
		}
		c = -1;
		EXPECT_EQ(self->refcnt, read_long(REFCNT)) TH_LOG("N=%u", n);
	}
	report(_metadata, self, "restore", n);
	self->a = c;
	a_works(_metadata, self, c);
}

/*
 * The same for a FIN_WAIT1 image: A's, with a FIN of A's that B has not
 * seen (snd-seq one further), as if it had been lost. A restore queues it
 * as sent and the retransmit timer delivers it. One that fails leaves B
 * untouched (no FIN, no RST); one that succeeds in spite of its fault is
 * live, and its tail loss probe sends the FIN two jiffies later: loopback
 * drops everything during the loop, so that B never sees the FIN of a
 * connection silenced right after. The last one goes through: once
 * loopback passes again, B gets A's EOF and its ACK takes C to FIN_WAIT2.
 */
TEST_F_TIMEOUT(faults, restore_fin_wait1, 250)
{
	socklen_t len = sizeof(self->sa);
	unsigned int n;
	int c = -1;

	ASSERT_EQ(0, getsockname(self->a, (void *)&self->sa, &len));
	ASSERT_EQ(0, tk_checkpoint(&self->tk, self->a, NULL, NULL, false,
				   &self->im)) TH_LOG("%s", self->tk.msg);
	ASSERT_EQ(0, kill_silently(self->a));
	self->a = -1;
	ASSERT_EQ(0, img_set(&self->im, TCPKIT_A_CONN_STATE, TK_FIN_WAIT1));
	ASSERT_EQ(0, img_set(&self->im, TCPKIT_A_CONN_SND_SEQ,
			     img_u32(&self->im, TCPKIT_A_CONN_SND_SEQ) + 1));
	ASSERT_EQ(0, system("tc qdisc add dev lo root netem loss 100%"));

	for (n = 1; n <= MAX_N; n++) {
		int err, hit;

		tk_reopen(_metadata, self);
		c = socket(variant->family, SOCK_STREAM, 0);
		ASSERT_LE(0, c);
		fail_nth(n);
		err = tk_restore(&self->tk, c, &self->im);
		hit = fault_hit();
		if (!hit) {
			ASSERT_EQ(0, err) TH_LOG("N=%u: %s", n, self->tk.msg);
			break;
		}
		if (err) {
			self->hits++;
			target_dead(_metadata, self, c, n, err);
		} else {
			self->tolerated++;
			self->acks_lost += self->tk.reply_lost;
			EXPECT_EQ(TK_FIN_WAIT1, tcp_state(c)) TH_LOG("N=%u", n);
			ASSERT_EQ(0, kill_silently(c));
		}
		c = -1;
		EXPECT_EQ(self->refcnt, read_long(REFCNT)) TH_LOG("N=%u", n);
	}
	ASSERT_EQ(0, system("tc qdisc del dev lo root"));
	report(_metadata, self, "restore FIN_WAIT1", n);
	self->a = c;
	EXPECT_EQ(TK_FIN_WAIT1, tcp_state(c));
	ASSERT_EQ(0, stream_read(c, 2, &self->a_read, RCV_BYTES, TMO));
	EXPECT_EQ(-EPIPE, stream_read(self->b, 1, &self->b_read, 1, TMO));
	EXPECT_EQ(0, wait_state(c, TK_FIN_WAIT2, TMO))
		TH_LOG("C in state %u", tcp_state(c));
	EXPECT_EQ(self->rsts, tcp_mib("OutRsts"));
}

static void checkpoint_faults(struct __test_metadata *_metadata,
			      FIXTURE_DATA(faults) *self, int family,
			      bool stop)
{
	struct frozen fr;
	unsigned int n;

	for (n = 1; n <= MAX_N; n++) {
		int err, hit;

		tk_reopen(_metadata, self);
		fail_nth(n);
		err = stop ? tk_checkpoint_hold(&self->tk, self->a, &self->im) :
			     tk_checkpoint(&self->tk, self->a, NULL, NULL,
					   false, &self->im);
		hit = fault_hit();
		if (!err && stop) {
			err = tk_hold_end(&self->tk, self->im.hold, true);
			ASSERT_EQ(0, err) TH_LOG("N=%u: commit: %s", n,
						 self->tk.msg);
		}
		/* A dump's done() runs when its socket goes, and so does a
		 * hold that was not committed.
		 */
		tk_reopen(_metadata, self);
		if (err) {
			ASSERT_TRUE(hit) TH_LOG("N=%u: %d %s", n, err,
						self->tk.msg);
			self->hits++;
			ASSERT_EQ(0, tk_frozen(&self->tk, &fr));
			EXPECT_EQ(0U, fr.n)
				TH_LOG("N=%u: a failed checkpoint froze", n);
		} else {
			EXPECT_EQ((uint64_t)RCV_BYTES,
				  img_data_len(&self->im,
					       TCPKIT_A_CONN_RCV_DATA))
				TH_LOG("N=%u: image incomplete", n);
			if (!hit)
				break;
			self->tolerated++;
			/* A stopped original is moved on, as a user would. */
			if (stop)
				self->a = move_conn(_metadata, self, self->a,
						    family);
		}
		a_works(_metadata, self, self->a);
		refill(_metadata, self);
		EXPECT_EQ(self->refcnt, read_long(REFCNT)) TH_LOG("N=%u", n);
	}
	report(_metadata, self, stop ? "checkpoint with stop" : "checkpoint",
	       n);
	if (stop)
		self->a = move_conn(_metadata, self, self->a, family);
	a_works(_metadata, self, self->a);
}

TEST_F_TIMEOUT(faults, checkpoint, 250)
{
	checkpoint_faults(_metadata, self, variant->family, false);
}

TEST_F_TIMEOUT(faults, checkpoint_stop, 250)
{
	checkpoint_faults(_metadata, self, variant->family, true);
}

/*
 * Thaw of a committed stop's tuple: a thaw that met its fault failed and
 * left the freeze (a second thaw ends it), or went through and only its
 * ACK was lost (ENOBUFS, nothing frozen any more).
 */
TEST_F_TIMEOUT(faults, thaw, 250)
{
	struct sockaddr_storage da;
	struct frozen fr;
	unsigned int n;
	socklen_t len;

	for (n = 1; n <= MAX_N; n++) {
		int err, hit;

		if (self->a < 0)
			ASSERT_EQ(0, tcp_pair(variant->family, &self->a,
					      &self->b));
		len = sizeof(self->sa);
		ASSERT_EQ(0, getsockname(self->a, (void *)&self->sa, &len));
		len = sizeof(da);
		ASSERT_EQ(0, getpeername(self->a, (void *)&da, &len));
		ASSERT_EQ(0, tk_checkpoint_stop(&self->tk, self->a, &self->im))
			TH_LOG("N=%u: %s", n, self->tk.msg);
		img_free(&self->im);

		fail_nth(n);
		err = tk_thaw(&self->tk, &self->sa, &da);
		hit = fault_hit();
		tk_reopen(_metadata, self);
		ASSERT_EQ(0, tk_frozen(&self->tk, &fr));
		if (err == -ENOBUFS && !fr.n) {
			self->tolerated++;
			self->acks_lost++;
		} else if (err) {
			ASSERT_TRUE(hit) TH_LOG("N=%u: %d %s", n, err,
						self->tk.msg);
			self->hits++;
			EXPECT_EQ(1U, fr.n)
				TH_LOG("N=%u: a failed thaw ended the freeze", n);
			ASSERT_EQ(0, tk_thaw(&self->tk, &self->sa, &da))
				TH_LOG("N=%u: %s", n, self->tk.msg);
		} else {
			EXPECT_EQ(0U, fr.n) TH_LOG("N=%u: thawed, still frozen", n);
			self->tolerated += hit;
		}
		/* Silently: B's FIN would meet no socket and an RST. */
		ASSERT_EQ(0, kill_silently(self->b));
		close(self->a);
		self->a = self->b = -1;
		EXPECT_EQ(self->refcnt, read_long(REFCNT)) TH_LOG("N=%u", n);
		if (!err && !hit)
			break;
	}
	report(_metadata, self, "thaw", n);
}

TEST_HARNESS_MAIN
