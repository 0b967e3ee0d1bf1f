// SPDX-License-Identifier: GPL-2.0
/*
 * crbench: checkpoint/restore cost of one TCP connection, side by side:
 *   tcpkit  libtcpkit: tcpkit_checkpoint (no stop) + tcpkit_restore
 *   soccr   the userspace TCP_REPAIR sequence of CRIU's libsoccr
 *           (soccr_baseline.c)
 *   memcpy  a copy of the same queue bytes: the floor
 * Runs inside the test VM, in a netns of its own, over loopback.
 *
 * Each sample is a fresh connection A (server, checkpointed) <-> B, whose
 * receive queue at A holds QUEUE bytes B sent. Setup is not timed. Timed:
 * checkpoint of A; then (untimed, same for both paths) A is closed in
 * repair mode (no FIN, no RST; frees the 4-tuple); timed: restore into a
 * fresh socket, socket() included. The restored socket is then closed in
 * repair mode too (after a check that it holds the same queue, byte-exact),
 * B closed.
 *
 * Syscalls are counted by wrapping (ld --wrap) every socket call both
 * paths make, libtcpkit.a (static) included: the counts are the calls
 * made, not an estimate.
 *
 * Output lines: "CRB lat PATH QUEUE N ck_med ck_p99 rs_med rs_p99 (us)
 * sys_ck sys_rs", "CRB memcpy QUEUE N med_us", "CRB scale PATH N
 * total_ck_us total_rs_us", "CRB scaleset ..." (scale_set()).
 *
 * "crbench profile RUNS" instead times, per run of an idle and of a 4 MiB
 * connection, libtcpkit's calls from the caller's side ("CRP user QUEUE
 * ck_ns encode_ns decode_ns socket_ns rs_ns"): checkpoint, the image file
 * encoding (CRC32C included) and decoding a checkpoint to a file adds,
 * socket(), restore; and "CRP mem QUEUE flt_ck flt_rs fresh_ns": the
 * minor page faults of the checkpoint and of the restore, and what
 * bringing QUEUE bytes of fresh memory into use costs. profile.sh sets
 * the module's profile parameter, whose kernel log lines split the
 * kernel's share into phases.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <poll.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <linux/sockios.h>
#include <netinet/tcp.h>

#include "libtcpkit.h"
#include "soccr_baseline.h"

/* ---- syscall counter: every wrapped call adds one ---- */
static unsigned long nsys;

#define WRAP(ret, name, proto, args)					\
	ret __real_##name proto;					\
	ret __wrap_##name proto;					\
	ret __wrap_##name proto { nsys++; return __real_##name args; }

WRAP(int, socket, (int d, int t, int p), (d, t, p))
WRAP(int, bind, (int f, const struct sockaddr *a, socklen_t l), (f, a, l))
WRAP(int, connect, (int f, const struct sockaddr *a, socklen_t l), (f, a, l))
WRAP(int, setsockopt, (int f, int l, int o, const void *v, socklen_t n),
	(f, l, o, v, n))
WRAP(int, getsockopt, (int f, int l, int o, void *v, socklen_t *n),
	(f, l, o, v, n))
WRAP(int, getsockname, (int f, struct sockaddr *a, socklen_t *l), (f, a, l))
WRAP(int, getpeername, (int f, struct sockaddr *a, socklen_t *l), (f, a, l))
WRAP(ssize_t, send, (int f, const void *b, size_t n, int fl), (f, b, n, fl))
WRAP(ssize_t, recv, (int f, void *b, size_t n, int fl), (f, b, n, fl))
WRAP(ssize_t, sendmsg, (int f, const struct msghdr *m, int fl), (f, m, fl))
WRAP(ssize_t, recvmsg, (int f, struct msghdr *m, int fl), (f, m, fl))
WRAP(int, recvmmsg, (int f, struct mmsghdr *m, unsigned int n, int fl,
		     struct timespec *t), (f, m, n, fl, t))
WRAP(ssize_t, mnl_socket_sendto, (const void *s, const void *b, size_t n),
	(s, b, n))
WRAP(int, ioctl, (int f, unsigned long r, void *a), (f, r, a))
WRAP(int, close, (int f), (f))

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "CRB error %s: %s (%s)\n", what, strerror(err),
		tcpkit_strerror());
	printf("CRB error %s: %s\n", what, strerror(err));
	exit(1);
}

/* User and system CPU time of the process, us. */
static void cpu_us(double *u, double *s)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	*u = ru.ru_utime.tv_sec * 1e6 + ru.ru_utime.tv_usec;
	*s = ru.ru_stime.tv_sec * 1e6 + ru.ru_stime.tv_usec;
}

static int lfd;
static struct sockaddr_in laddr;
static char *pattern;

static void listener(void)
{
	int one = 1, big = 64 << 20;
	socklen_t l = sizeof(laddr);

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	laddr.sin_family = AF_INET;
	laddr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* Inherited by A: room for a 4 MiB receive queue. */
	if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(lfd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) ||
	    bind(lfd, (struct sockaddr *)&laddr, sizeof(laddr)) ||
	    getsockname(lfd, (struct sockaddr *)&laddr, &l) ||
	    listen(lfd, 4096))
		die("listener", errno);
}

/* A new connection; A's receive queue holds @q bytes. */
static void pair(int *a, int *b, size_t q)
{
	int big = 64 << 20, v = 0;
	size_t off = 0;
	ssize_t n;

	*b = socket(AF_INET, SOCK_STREAM, 0);
	if (*b < 0 || setsockopt(*b, SOL_SOCKET, SO_SNDBUFFORCE, &big,
				 sizeof(big)) ||
	    connect(*b, (struct sockaddr *)&laddr, sizeof(laddr)))
		die("connect", errno);
	*a = accept(lfd, NULL, NULL);
	if (*a < 0)
		die("accept", errno);
	while (off < q) {
		n = send(*b, pattern + off, q - off, 0);
		if (n <= 0)
			die("fill", errno);
		off += n;
	}
	for (int i = 0; i < 100000; i++) {
		ioctl(*a, SIOCINQ, &v);
		if ((size_t)v == q)
			break;
		if (i % 100 == 99)
			usleep(1000);
	}
	if ((size_t)v != q) {
		fprintf(stderr, "inq %d != %zu\n", v, q);
		die("fill wait", EAGAIN);
	}
	/* B's ACKs settle, so A's state does not move under the checkpoint. */
	ioctl(*b, SIOCOUTQ, &v);
	for (int i = 0; v && i < 1000; i++) {
		usleep(1000);
		ioctl(*b, SIOCOUTQ, &v);
	}
}

static void kill_silently(int fd)
{
	int one = 1;

	if (setsockopt(fd, SOL_TCP, TCP_REPAIR, &one, sizeof(one)))
		die("repair close", errno);
	close(fd);
}

static struct tcpkit *tk;

/* Untimed: the restored socket holds the same receive queue, byte-exact. */
static void check_restored(int c, size_t q)
{
	static char buf[4 << 20];
	int v = -1;
	ssize_t n;

	if (ioctl(c, SIOCINQ, &v) || (size_t)v != q) {
		fprintf(stderr, "restored inq %d != %zu\n", v, q);
		die("restored queue length", EIO);
	}
	if (!q)
		return;
	n = recv(c, buf, q, MSG_PEEK | MSG_DONTWAIT);
	if (n != (ssize_t)q || memcmp(buf, pattern, q))
		die("restored queue bytes", EIO);
}

/* One path's checkpoint of @a: returns an opaque image. */
static void *ck(int path, int a)
{
	if (path == 0) {
		struct tcpkit_sockref ref = { .fd = a };
		struct tcpkit_image *img;
		int err = tcpkit_checkpoint(tk, &ref, 0, &img);

		if (err)
			die("tcpkit_checkpoint", -err);
		return img;
	}
	struct soccr_img *im = malloc(sizeof(*im));
	int err = soccr_dump(a, im);

	if (err)
		die("soccr_dump", -err);
	return im;
}

static int rs(int path, void *img)
{
	int fd, err;

	if (path == 0) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		err = tcpkit_restore(tk, img, fd);
		if (err)
			die("tcpkit_restore", -err);
		tcpkit_image_free(img);
	} else {
		fd = soccr_restore(img);
		if (fd < 0)
			die("soccr_restore", -fd);
		soccr_img_free(img);
		free(img);
	}
	return fd;
}

static const char * const pname[] = { "tcpkit", "soccr" };

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Minor page faults of the process so far: fresh pages it touched. */
static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/*
 * Time to bring @len bytes of fresh anonymous memory into use (mmap, one
 * write a page, munmap): what every buffer that is not reused costs, the
 * kernel clearing each page it hands out.
 */
static double fresh_ns(size_t len)
{
	double t0, t1;
	char *p;

	t0 = now_ns();
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap", errno);
	for (size_t off = 0; off < len; off += 4096)
		p[off] = 1;
	munmap(p, len);
	t1 = now_ns();
	return t1 - t0;
}

/* The library's share of one checkpoint+restore, from the outside. */
static void profile(int runs)
{
	static const size_t qs[] = { 0, 4 << 20 };
	struct tcpkit_sockref ref;
	struct tcpkit_image *img, *back;
	double t[7];
	long flt[4];
	size_t len;
	void *buf;
	int a, b, c, err;

	for (int i = 0; i < 2; i++) {
		for (int r = 0; r < runs; r++) {
			pair(&a, &b, qs[i]);
			ref = (struct tcpkit_sockref){ .fd = a };
			flt[0] = minflt();
			t[0] = now_ns();
			err = tcpkit_checkpoint(tk, &ref, 0, &img);
			t[1] = now_ns();
			flt[1] = minflt();
			if (err)
				die("tcpkit_checkpoint", -err);
			err = tcpkit_image_encode(img, &buf, &len);
			t[2] = now_ns();
			if (err)
				die("tcpkit_image_encode", -err);
			back = tcpkit_image_decode(buf, len);
			t[3] = now_ns();
			if (!back)
				die("tcpkit_image_decode", errno);
			free(buf);
			tcpkit_image_free(back);
			kill_silently(a);
			t[4] = now_ns();
			c = socket(AF_INET, SOCK_STREAM, 0);
			t[5] = now_ns();
			flt[2] = minflt();
			err = tcpkit_restore(tk, img, c);
			t[6] = now_ns();
			flt[3] = minflt();
			if (err)
				die("tcpkit_restore", -err);
			printf("CRP user %zu %.0f %.0f %.0f %.0f %.0f\n", qs[i],
			       t[1] - t[0], t[2] - t[1], t[3] - t[2],
			       t[5] - t[4], t[6] - t[5]);
			printf("CRP mem %zu %ld %ld %.0f\n", qs[i],
			       flt[1] - flt[0], flt[3] - flt[2],
			       qs[i] ? fresh_ns(qs[i]) : 0.0);
			tcpkit_image_free(img);
			check_restored(c, qs[i]);
			kill_silently(c);
			close(b);
		}
	}
}

static int cmpd(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

static double pct(double *v, int n, double p)
{
	int i = (int)(p * (n - 1) + 0.5);

	qsort(v, n, sizeof(*v), cmpd);
	return v[i];
}

static void latency(size_t q, int iters)
{
	double *tc[2], *tr[2], *tm;
	unsigned long sc[2] = { 0 }, sr[2] = { 0 };
	double cu[2] = { 0 }, cs[2] = { 0 };

	tm = calloc(iters, sizeof(double));
	for (int p = 0; p < 2; p++) {
		tc[p] = calloc(iters, sizeof(double));
		tr[p] = calloc(iters, sizeof(double));
	}
	/* Interleave the paths so drift in the host's load hits both. */
	for (int i = 0; i < iters; i++) {
		for (int p = 0; p < 2; p++) {
			unsigned long s0;
			double t0, t1, t2, u0, k0, u1, k1;
			int a, b, c;
			void *img;

			pair(&a, &b, q);
			s0 = nsys;
			cpu_us(&u0, &k0);
			t0 = now_us();
			img = ck(p, a);
			t1 = now_us();
			tc[p][i] = t1 - t0;
			sc[p] += nsys - s0;
			cpu_us(&u1, &k1);
			cu[p] += u1 - u0;
			cs[p] += k1 - k0;
			kill_silently(a);
			s0 = nsys;
			cpu_us(&u0, &k0);
			t2 = now_us();
			c = rs(p, img);
			tr[p][i] = now_us() - t2;
			cpu_us(&u1, &k1);
			cu[p] += u1 - u0;
			cs[p] += k1 - k0;
			sr[p] += nsys - s0;
			check_restored(c, q);
			kill_silently(c);
			close(b);
		}
		if (q) {
			char *dst = malloc(q);
			double t0;

			memset(dst, 1, q);
			t0 = now_us();
			memcpy(dst, pattern, q);
			tm[i] = now_us() - t0;
			if (dst[q - 1] != pattern[q - 1])
				die("memcpy", EIO);
			free(dst);
		}
	}
	for (int p = 0; p < 2; p++) {
		double cm = pct(tc[p], iters, 0.5), c99 = pct(tc[p], iters, 0.99);
		double rm = pct(tr[p], iters, 0.5), r99 = pct(tr[p], iters, 0.99);

		printf("CRB lat %s %zu %d %.1f %.1f %.1f %.1f %.1f %.1f\n",
		       pname[p], q, iters, cm, c99, rm, r99,
		       (double)sc[p] / iters, (double)sr[p] / iters);
		printf("CRB cpu %s %zu %d %.1f %.1f\n", pname[p], q, iters,
		       cu[p] / iters, cs[p] / iters);
	}
	if (q)
		printf("CRB memcpy %zu %d %.2f\n", q, iters,
		       pct(tm, iters, 0.5));
	fflush(stdout);
}

static void scale(int n)
{
	int *a = calloc(n, sizeof(int)), *b = calloc(n, sizeof(int));
	void **img = calloc(n, sizeof(void *));

	for (int p = 0; p < 2; p++) {
		double t0, tck, trs;

		for (int i = 0; i < n; i++)
			pair(&a[i], &b[i], 0);
		t0 = now_us();
		for (int i = 0; i < n; i++)
			img[i] = ck(p, a[i]);
		tck = now_us() - t0;
		for (int i = 0; i < n; i++)
			kill_silently(a[i]);
		t0 = now_us();
		for (int i = 0; i < n; i++)
			a[i] = rs(p, img[i]);
		trs = now_us() - t0;
		printf("CRB scale %s %d %.0f %.0f\n", pname[p], n, tck, trs);
		fflush(stdout);
		for (int i = 0; i < n; i++) {
			kill_silently(a[i]);
			close(b[i]);
		}
	}
	free(a);
	free(b);
	free(img);
}

/*
 * N idle connections checkpointed one by one (tcpkit_checkpoint(): the
 * cost before the kernel took a set in one dump), then as one set
 * (tcpkit_checkpoint_set(): one dump per 1024), then restored as one set
 * (tcpkit_restore_set(), socket() of each included): "CRB scaleset
 * tcpkit-set N total_ck_us total_rs_us sys_ck sys_rs" for the set, the
 * system calls per connection; "CRB scaleck N one_by_one_us set_us
 * sys_one sys_set" compares the two checkpoints (us in all, calls per
 * connection); "CRB scalestop N set_us stop_us" (N up to 1024): the
 * set checkpointed again with stop (then given back, not timed) against
 * it without.
 */
static void scale_set(int n)
{
	const struct tcpkit_sockref **refp = calloc(n, sizeof(*refp));
	struct tcpkit_sockref *refs = calloc(n, sizeof(*refs));
	struct tcpkit_image **img = calloc(n, sizeof(*img));
	int *a = calloc(n, sizeof(int)), *b = calloc(n, sizeof(int));
	int *errs = calloc(n, sizeof(int));
	struct tcpkit_image_set *set = NULL, *held = NULL;
	unsigned long s0, sck, srs, sck1;
	double t0, tck, trs, tck1, tstop;
	int ret;

	for (int i = 0; i < n; i++) {
		pair(&a[i], &b[i], 0);
		refs[i].fd = a[i];
		refp[i] = &refs[i];
	}
	s0 = nsys;
	t0 = now_us();
	for (int i = 0; i < n; i++)
		img[i] = ck(0, a[i]);
	tck1 = now_us() - t0;
	sck1 = nsys - s0;
	for (int i = 0; i < n; i++)
		tcpkit_image_free(img[i]);
	s0 = nsys;
	t0 = now_us();
	ret = tcpkit_checkpoint_set(tk, refp, n, 0, &set);
	tck = now_us() - t0;
	sck = nsys - s0;
	if (ret)
		die("tcpkit_checkpoint_set", -ret);
	/*
	 * With stop, given back at once: the holds and the freezes. A netns
	 * holds at most 1024 frozen tuples.
	 */
	if (n <= 1024) {
		t0 = now_us();
		ret = tcpkit_checkpoint_set(tk, refp, n, TCPKIT_CHECKPOINT_STOP,
					    &held);
		tstop = now_us() - t0;
		if (ret)
			die("tcpkit_checkpoint_set with stop", -ret);
		if (tcpkit_abort_set(tk, held))
			die("tcpkit_abort_set", EIO);
		tcpkit_image_set_free(held);
		printf("CRB scalestop %d %.0f %.0f\n", n, tck, tstop);
	}
	for (int i = 0; i < n; i++)
		kill_silently(a[i]);
	s0 = nsys;
	t0 = now_us();
	for (int i = 0; i < n; i++)
		a[i] = socket(AF_INET, SOCK_STREAM, 0);
	ret = tcpkit_restore_set(tk, tcpkit_image_set_images(set), a, n, 0,
				 errs);
	tcpkit_image_set_free(set);
	trs = now_us() - t0;
	srs = nsys - s0;
	if (ret)
		die("tcpkit_restore_set", ret < 0 ? -ret : EIO);
	printf("CRB scaleset tcpkit-set %d %.0f %.0f %.2f %.2f\n", n, tck, trs,
	       (double)sck / n, (double)srs / n);
	printf("CRB scaleck %d %.0f %.0f %.2f %.2f\n", n, tck1, tck,
	       (double)sck1 / n, (double)sck / n);
	fflush(stdout);
	for (int i = 0; i < n; i++) {
		kill_silently(a[i]);
		close(b[i]);
	}
	free(refp);
	free(refs);
	free(img);
	free(a);
	free(b);
	free(errs);
}

int main(int argc, char **argv)
{
	static const size_t qs[] = { 0, 64 << 10, 1 << 20, 4 << 20 };
	static const int its[] = { 51, 31, 15, 9 };
	int quick = argc > 1 && !strcmp(argv[1], "--quick");
	int maxconn = argc > 2 ? atoi(argv[2]) : 1000;
	struct rlimit rl = { 65536, 65536 };

	setvbuf(stdout, NULL, _IOLBF, 0);
	setrlimit(RLIMIT_NOFILE, &rl);
	pattern = malloc(4 << 20);
	for (size_t i = 0; i < 4 << 20; i++)
		pattern[i] = (char)(i * 7 + (i >> 13));
	tk = tcpkit_open();
	if (!tk)
		die("tcpkit_open", errno);
	listener();
	if (argc > 2 && !strcmp(argv[1], "profile")) {
		profile(atoi(argv[2]));
		printf("CRP done\n");
		return 0;
	}
	for (int i = 0; i < 4; i++)
		latency(qs[i], quick ? 3 : its[i]);
	for (int n = 1; n <= maxconn; n *= (n == 1 ? 100 : 10))
		scale(n);
	for (int n = 1; n <= maxconn; n *= (n == 1 ? 100 : 10))
		scale_set(n);
	printf("CRB done\n");
	return 0;
}
