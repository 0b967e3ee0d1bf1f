/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What fuzz_netlink and fuzz_image share: a seeded PRNG, the
 * after-the-run checks (a valid checkpoint/restore round trip still works,
 * no new splat in dmesg, module refcount back to 0 and rmmod succeeds) and
 * a few KTAP helpers. Built on conn_lib.h (raw libmnl access to the family).
 */
#ifndef FUZZ_LIB_H
#define FUZZ_LIB_H

#include <signal.h>
#include <stdarg.h>
#include <sys/wait.h>

#include "conn_lib.h"

/* ---- PRNG: xorshift64*, deterministic per seed ------------------------ */

static uint64_t fz_state = 1;

static inline void fz_seed(uint64_t s)
{
	fz_state = splitmix64(s) | 1;
}

static inline uint64_t fz_rand(void)
{
	fz_state ^= fz_state >> 12;
	fz_state ^= fz_state << 25;
	fz_state ^= fz_state >> 27;
	return fz_state * 0x2545F4914F6CDD1DULL;
}

/* Uniform-ish in [0, n). */
static inline uint32_t fz_below(uint32_t n)
{
	return n ? (uint32_t)(fz_rand() % n) : 0;
}

/* True with probability pct/100. */
static inline bool fz_pct(unsigned int pct)
{
	return fz_below(100) < pct;
}

static inline void fz_bytes(void *p, size_t n)
{
	unsigned char *c = p;

	while (n--)
		*c++ = fz_rand() >> 56;
}

static inline double fz_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- KTAP ---------------------------------------------------------------- */

static unsigned int ktap_n, ktap_fails;

static inline void ktap_result(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %u ", ok ? "ok" : "not ok", ++ktap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		ktap_fails++;
}

static inline void ktap_skip(const char *fmt, ...)
{
	va_list ap;

	printf("ok %u ", ++ktap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" # SKIP\n");
	fflush(stdout);
}

/* ---- dmesg ------------------------------------------------------------- */

/*
 * The last line dmesg prints now: splats after it are ours. When the ring
 * buffer wraps meanwhile the line is gone and every line is looked at.
 */
static char dmesg_mark[256];

static inline void dmesg_start(void)
{
	FILE *f = popen("dmesg 2>/dev/null", "r");
	char line[256];

	dmesg_mark[0] = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		memcpy(dmesg_mark, line, sizeof(line));
	pclose(f);
}

static inline bool splat_line(const char *l)
{
	return strstr(l, "WARNING") || strstr(l, "BUG") ||
	       strstr(l, "Call Trace") || strstr(l, "KASAN") ||
	       strstr(l, "UBSAN") || strstr(l, "suspected memory leak") ||
	       strstr(l, "refcount_t") || strstr(l, "Oops");
}

/* Print (as diag) and count splat lines after the mark. */
static inline int dmesg_splats(void)
{
	static char lines[4096][256];
	FILE *f = popen("dmesg 2>/dev/null", "r");
	char line[256];
	long n = 0, i, from = 0;
	int bad = 0;

	if (!f)
		return -1;
	/* Keep the last 4096 lines: enough after a wrap of the buffer. */
	while (fgets(line, sizeof(line), f)) {
		memcpy(lines[n % 4096], line, sizeof(line));
		if (dmesg_mark[0] && !strcmp(line, dmesg_mark))
			from = n + 1;
		n++;
	}
	pclose(f);
	if (n - from > 4096)
		from = n - 4096;
	for (i = from; i < n; i++) {
		if (!splat_line(lines[i % 4096]))
			continue;
		if (bad++ < 20)
			printf("# dmesg: %s", lines[i % 4096]);
	}
	return bad;
}

/* ---- module ------------------------------------------------------------ */

static inline long module_refcnt(void)
{
	return read_long("/sys/module/tcpkit/refcnt");
}

/*
 * Refcount must drop to 0 (netns teardown is asynchronous: wait up to
 * 10 s), then rmmod must succeed; the module is loaded again afterwards so
 * that later tests find it as they expect.
 */
static inline void check_unload(void)
{
	long ref = -1;
	int i, st;

	for (i = 0; i < 100; i++) {
		ref = module_refcnt();
		if (ref <= 0)
			break;
		usleep(100000);
	}
	if (ref < 0) {
		/* As many results as the loaded case prints: 3. */
		ktap_skip("module refcnt: tcpkit not a loaded module");
		ktap_skip("rmmod: tcpkit not a loaded module");
		ktap_skip("modprobe again: tcpkit not a loaded module");
		return;
	}
	ktap_result(ref == 0, "module refcnt is 0 after the run (%ld)", ref);
	st = system("rmmod tcpkit");
	ktap_result(st == 0 && module_refcnt() < 0, "rmmod tcpkit succeeds");
	st = system("modprobe tcpkit");
	ktap_result(st == 0, "modprobe tcpkit again");
}

/* ---- round trip -------------------------------------------------------- */

/*
 * A valid checkpoint (stop) of a loopback connection with data queued both
 * ways, restore into a fresh socket, then bytes flow both ways through it.
 * Runs in the caller's (private) netns. Returns 0 or a negative errno with
 * a diag line printed.
 */
static inline int round_trip(struct tk *t, int family)
{
	unsigned char out[3000], in[3000];
	int a = -1, b = -1, c = -1, err;
	struct img im = {};
	ssize_t n;
	size_t got;

	err = tcp_pair(family, &b, &a);
	if (err)
		goto out;
	memset(out, 0xa5, sizeof(out));
	if (send(a, out, 1000, 0) != 1000 || send(b, out, 1500, 0) != 1500) {
		err = -errno;
		goto out;
	}
	usleep(20000);
	err = tk_checkpoint_stop(t, a, &im);
	if (err) {
		printf("# round trip: checkpoint: %d %s\n", err, t->msg);
		goto out;
	}
	kill_silently(a);
	a = -1;
	c = socket(family, SOCK_STREAM, 0);
	err = tk_restore(t, c, &im);
	if (err) {
		printf("# round trip: restore: %d %s\n", err, t->msg);
		goto out;
	}
	/* The peer's 1500 bytes sit in the restored receive queue. */
	for (got = 0; got < 1500; got += n) {
		struct pollfd p = { .fd = c, .events = POLLIN };

		if (poll(&p, 1, 5000) != 1) {
			err = -ETIMEDOUT;
			goto out;
		}
		n = recv(c, in, sizeof(in), MSG_DONTWAIT);
		if (n <= 0) {
			err = n ? -errno : -ECONNRESET;
			goto out;
		}
	}
	/* The restored send queue reaches the peer, then new bytes both ways. */
	if (send(c, out, 10, 0) != 10 || send(b, out, 10, 0) != 10) {
		err = -errno;
		goto out;
	}
	for (got = 0; got < 1010; got += n) {
		struct pollfd p = { .fd = b, .events = POLLIN };

		if (poll(&p, 1, 5000) != 1) {
			err = -ETIMEDOUT;
			goto out;
		}
		n = recv(b, in, sizeof(in), MSG_DONTWAIT);
		if (n <= 0) {
			err = n ? -errno : -ECONNRESET;
			goto out;
		}
	}
	err = 0;
out:
	if (err)
		printf("# round trip (family %d) failed: %d\n", family, err);
	img_free(&im);
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
	if (c >= 0)
		close(c);
	return err;
}

#endif /* FUZZ_LIB_H */
