// SPDX-License-Identifier: GPL-2.0
/*
 * conn_leak: nothing leaks across many checkpoint/restore round trips and
 * refused restores. Counted before and after, once every socket is closed
 * and gone:
 *  - TCP sockets allocated (/proc/net/sockstat "alloc": exact, global),
 *    and in use in this netns;
 *  - active objects of the TCP and TCPv6 slab caches (/proc/slabinfo; SLUB
 *    counts per-cpu slabs as active, hence a tolerance of a few slabs);
 *  - the module's reference count (/sys/module/tcpkit/refcnt).
 * Then kmemleak, when the kernel has it, must report nothing of tcpkit,
 * and the module must unload (it is loaded again afterwards).
 */
#include <sys/mount.h>

#include "conn_lib.h"
#include "kselftest_harness.h"

#define ROUNDS	200
#define TMO	20000
#define REFCNT	"/sys/module/tcpkit/refcnt"
#define KMEMLEAK "/sys/kernel/debug/kmemleak"

struct counts {
	long alloc, inuse;
	long slab[2], perslab[2];	/* TCP, TCPv6 */
	long refcnt;
};

static void sockstat(long *alloc, long *inuse)
{
	FILE *f = fopen("/proc/net/sockstat", "r");
	char line[256];

	*alloc = *inuse = -1;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "TCP: inuse %ld orphan %*d tw %*d alloc %ld",
			   inuse, alloc) == 2)
			break;
	fclose(f);
}

static void slabinfo(long active[2], long perslab[2])
{
	static const char * const name[2] = { "TCP", "TCPv6" };
	FILE *f = fopen("/proc/slabinfo", "r");
	char line[512], n[64];
	long act, num, sz, per;
	int i;

	active[0] = active[1] = perslab[0] = perslab[1] = -1;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %ld %ld %ld %ld", n, &act, &num, &sz,
			   &per) != 5)
			continue;
		for (i = 0; i < 2; i++)
			if (!strcmp(n, name[i])) {
				active[i] = act;
				perslab[i] = per;
			}
	}
	fclose(f);
}

static void counts(struct counts *c)
{
	sockstat(&c->alloc, &c->inuse);
	slabinfo(c->slab, c->perslab);
	c->refcnt = read_long(REFCNT);
}

/*
 * The allocation count is global: sockets of earlier tests (a netns being
 * dismantled, an orphan finishing its close) may still be on their way
 * out. Take the baseline once it has held still for a second (or 10 s).
 */
static void baseline(struct counts *base)
{
	struct counts c;
	int i, still = 0;

	counts(base);
	for (i = 0; i < 100 && still < 10; i++) {
		usleep(100000);
		counts(&c);
		still = c.alloc == base->alloc && c.inuse == base->inuse ?
			still + 1 : 0;
		*base = c;
	}
}

/* Poll until every socket of the round trips is destroyed (or 30 s). */
static void settle(const struct counts *base, struct counts *now)
{
	int i;

	for (i = 0; i < 300; i++) {
		counts(now);
		if (now->alloc <= base->alloc && now->inuse <= base->inuse)
			break;
		usleep(100000);
	}
	/* Freed objects go back to the slab after an RCU grace period. */
	usleep(200000);
	counts(now);
}

/*
 * One round trip: a pair with a little unread data each way, A
 * checkpointed, silently killed, restored into C; both streams checked.
 * The image is left in @im.
 */
static int round_trip(struct tk *tk, int family, struct img *im)
{
	uint64_t a_sent = 0, b_sent = 0, a_read = 0, b_read = 0;
	int a = -1, b = -1, c = -1, err;

	err = tcp_pair(family, &a, &b);
	if (err)
		return err;
	if (stream_write(b, 2, &b_sent, 3000, false) != 3000 ||
	    stream_write(a, 1, &a_sent, 2000, false) != 2000 ||
	    wait_ioctl(a, SIOCINQ, 3000, TMO)) {
		err = -EIO;
		goto out;
	}
	err = tk_checkpoint(tk, a, NULL, NULL, false, im);
	if (err) {
		fprintf(stderr, "# checkpoint: %d %s\n", err, tk->msg);
		goto out;
	}
	err = kill_silently(a);
	a = -1;
	if (err)
		goto out;
	c = socket(family, SOCK_STREAM, 0);
	err = c < 0 ? -errno : tk_restore(tk, c, im);
	if (err) {
		fprintf(stderr, "# restore: %d %s\n", err, tk->msg);
		goto out;
	}
	err = stream_read(c, 2, &a_read, 3000, TMO) ?:
	      stream_read(b, 1, &b_read, 2000, TMO);
	if (!err && (stream_write(c, 1, &a_sent, 1000, false) != 1000 ||
		     stream_write(b, 2, &b_sent, 1000, false) != 1000))
		err = -EIO;
	err = err ?: stream_read(c, 2, &a_read, 1000, TMO) ?:
	      stream_read(b, 1, &b_read, 1000, TMO);
out:
	if (a >= 0)
		close(a);
	if (c >= 0)
		close(c);
	close(b);
	return err;
}

/* Break a copy of @good with @type := @v; the restore must be refused. */
static int refused(struct tk *tk, const struct img *good, int family,
		   int type, uint32_t v)
{
	struct img bad = { 0 };
	int fd, err;

	bad.buf = malloc(good->len);
	if (!bad.buf)
		return -ENOMEM;
	memcpy(bad.buf, good->buf, good->len);
	bad.len = bad.cap = good->len;
	if (img_set(&bad, type, v)) {
		img_free(&bad);
		return -ENOENT;
	}
	fd = socket(family, SOCK_STREAM, 0);
	err = fd < 0 ? -errno : tk_restore(tk, fd, &bad);
	if (fd >= 0)
		close(fd);
	img_free(&bad);
	/* Refused is what we want: report "success" as an error. */
	return err < 0 ? 0 : -EALREADY;
}

static void log_counts(struct __test_metadata *_metadata, const char *what,
		       const struct counts *c)
{
	TH_LOG("%s: tcp alloc %ld inuse %ld, slab TCP %ld TCPv6 %ld, refcnt %ld",
	       what, c->alloc, c->inuse, c->slab[0], c->slab[1], c->refcnt);
}

/* The whole exercise, both families; returns after everything is closed. */
static void exercise(struct __test_metadata *_metadata, int rounds)
{
	struct img im[2] = { 0 };
	struct tk tk;
	int i, err;

	err = tk_open(&tk);
	ASSERT_EQ(0, err);
	for (i = 0; i < rounds; i++) {
		int fam = i & 1 ? AF_INET6 : AF_INET;

		err = round_trip(&tk, fam, &im[i & 1]);
		ASSERT_EQ(0, err) TH_LOG("round trip %d (%s)", i,
					 fam == AF_INET ? "ipv4" : "ipv6");
	}
	for (i = 0; i < rounds; i++) {
		int fam = i & 1 ? AF_INET6 : AF_INET;
		const struct img *g = &im[i & 1];

		/* Alternate an early (policy) and a late (engine) refusal. */
		err = i & 2 ? refused(&tk, g, fam, TCPKIT_A_CONN_SND_WSCALE, 15) :
			      refused(&tk, g, fam, TCPKIT_A_CONN_RCV_QLEN, 2999);
		ASSERT_EQ(0, err) TH_LOG("bad image %d not refused (%d)", i,
					 err);
	}
	img_free(&im[0]);
	img_free(&im[1]);
	tk_close(&tk);
}

FIXTURE(leak) {
	int unused;
};

FIXTURE_SETUP(leak)
{
	self->unused = 0;
}

FIXTURE_TEARDOWN(leak)
{
}

TEST_F_TIMEOUT(leak, no_leak, 150)
{
	struct counts base, now;
	long tol;
	int ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct tk tk;

	ASSERT_EQ(0, netns_private());
	if (tk_open(&tk))
		SKIP(return, TK_NO_MODULE);
	tk_close(&tk);
	baseline(&base);
	log_counts(_metadata, "before", &base);
	ASSERT_LE(0, base.alloc);
	ASSERT_LE(0, base.refcnt);

	exercise(_metadata, ROUNDS);

	settle(&base, &now);
	log_counts(_metadata, "after", &now);
	/* Fewer: a socket from before the test went meanwhile. */
	EXPECT_GE(base.alloc, now.alloc);
	EXPECT_EQ(base.inuse, now.inuse);
	EXPECT_EQ(base.refcnt, now.refcnt);
	if (base.slab[0] < 0) {
		TH_LOG("no /proc/slabinfo: slab counts not checked");
		return;
	}
	/* Per-cpu (and per-cpu partial) slabs count as active in SLUB. */
	tol = 4 * base.perslab[0] * (ncpu > 0 ? ncpu : 1);
	EXPECT_GE(base.slab[0] + tol, now.slab[0]);
	if (base.slab[1] >= 0) {
		tol = 4 * base.perslab[1] * (ncpu > 0 ? ncpu : 1);
		EXPECT_GE(base.slab[1] + tol, now.slab[1]);
	}
}

TEST_F_TIMEOUT(leak, kmemleak, 120)
{
	char line[512];
	int hits = 0, total = 0;
	struct tk tk;
	FILE *f;

	if (access(KMEMLEAK, F_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	if (access(KMEMLEAK, F_OK))
		SKIP(return, "kmemleak not available");
	ASSERT_EQ(0, netns_private());
	if (tk_open(&tk))
		SKIP(return, TK_NO_MODULE);
	tk_close(&tk);
	ASSERT_EQ(0, write_str(KMEMLEAK, "clear"));
	exercise(_metadata, 50);
	/* Objects look leaked only after two scans without a reference. */
	sleep(1);
	ASSERT_EQ(0, write_str(KMEMLEAK, "scan"));
	sleep(1);
	ASSERT_EQ(0, write_str(KMEMLEAK, "scan"));
	f = fopen(KMEMLEAK, "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "unreferenced object", 19))
			total++;
		if (strstr(line, "tcpkit")) {
			hits++;
			fprintf(stderr, "# %s", line);
		}
	}
	fclose(f);
	TH_LOG("kmemleak: %d unreferenced objects, %d lines naming tcpkit",
	       total, hits);
	EXPECT_EQ(0, hits);
}

/* Last: with everything closed the module unloads; load it back. */
TEST_F(leak, rmmod)
{
	long refcnt = read_long(REFCNT);
	int err;

	if (refcnt < 0)
		SKIP(return, "tcpkit not loaded");
	EXPECT_EQ(0, refcnt);
	err = system("rmmod tcpkit");
	EXPECT_EQ(0, err) TH_LOG("rmmod tcpkit failed: %d", err);
	if (!err)
		EXPECT_EQ(0, access("/sys/module/tcpkit", F_OK) ? 0 : -1);
	ASSERT_EQ(0, system("modprobe tcpkit"));
}

TEST_HARNESS_MAIN
