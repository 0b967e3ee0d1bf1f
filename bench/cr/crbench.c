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
 * bringing QUEUE bytes of fresh memory into use costs; "CRP soccr QUEUE
 * ck_ns rs_ns": the userspace sequence on a connection of the same queue;
 * "CRP memcpy QUEUE ns rep_ns rep0_ns" (QUEUE > 0): a copy of its bytes
 * by memcpy() and by one rep movsb (memcpy_ns()), at the end of the run
 * and, the last, before its connection was set up; "CRP insys QUEUE
 * ck_ns ck_calls rs_ns rs_calls": the time the checkpoint and the restore
 * spent inside the system calls they made, and how many (the wrappers
 * time them), and "CRP sys" (sys_floor()) what that rests on. "crbench
 * profile RUNS QUEUE" runs that queue size only. profile.sh sets
 * the module's profile parameter, whose kernel log lines split the
 * kernel's share into phases.
 *
 * "crbench scale N..." runs only the scale part, one by one and as sets,
 * for each N given, with "CRB scalesplit" lines (scale_split).
 */
#include <errno.h>
#include <malloc.h>
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
#include <sys/syscall.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <netinet/tcp.h>

#include "libtcpkit.h"
#include "soccr_baseline.h"

/*
 * ---- syscall counter: every wrapped call adds one; with systime_on (the
 * profile), the time spent in it, entry and exit included, adds to
 * systime_ns ----
 */
static unsigned long nsys;
static int systime_on;
static double systime_ns;
static double now_ns(void);
static double pct(double *v, int n, double p);
static void die(const char *what, int err);

#define WRAP(ret, name, proto, args)					\
	ret __real_##name proto;					\
	ret __wrap_##name proto;					\
	ret __wrap_##name proto						\
	{								\
		double t0_;						\
		ret r_;							\
									\
		nsys++;							\
		if (!systime_on)					\
			return __real_##name args;			\
		t0_ = now_ns();						\
		r_ = __real_##name args;				\
		systime_ns += now_ns() - t0_;				\
		return r_;						\
	}

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
WRAP(ssize_t, recvmsg, (int f, struct msghdr *m, int fl), (f, m, fl))

/*
 * The library alone (profile): with capture on, the first datagram a
 * recvmmsg() brings is kept; with replay on, sendmsg() only notes the
 * request's sequence number and recvmmsg() hands back the kept datagram
 * with that number, no system call made. A checkpoint or restore replayed
 * so does all its userspace work and none of the kernel's.
 */
static int capture, replay;	/* 1: a checkpoint's reply, 2: a restore's */
static unsigned char kept[2][8192];
static size_t kept_len[2];
static uint32_t replay_seq;

/* The two calls the replay stands in for, counted and timed as WRAP's. */
#define TIMED(ret, call)						\
	({								\
		double t0_;						\
		ret r_;							\
									\
		nsys++;							\
		if (!systime_on) {					\
			r_ = call;					\
		} else {						\
			t0_ = now_ns();					\
			r_ = call;					\
			systime_ns += now_ns() - t0_;			\
		}							\
		r_;							\
	})

ssize_t __real_sendmsg(int f, const struct msghdr *m, int fl);
int __real_recvmmsg(int f, struct mmsghdr *m, unsigned int n, int fl,
		    struct timespec *t);

ssize_t __wrap_sendmsg(int f, const struct msghdr *m, int fl);
ssize_t __wrap_sendmsg(int f, const struct msghdr *m, int fl)
{
	const struct nlmsghdr *nlh = m->msg_iov[0].iov_base;
	size_t len = 0;

	if (!replay)
		return TIMED(ssize_t, __real_sendmsg(f, m, fl));
	replay_seq = nlh->nlmsg_seq;
	for (size_t i = 0; i < m->msg_iovlen; i++)
		len += m->msg_iov[i].iov_len;
	return len;
}

int __wrap_recvmmsg(int f, struct mmsghdr *m, unsigned int n, int fl,
		    struct timespec *t);
int __wrap_recvmmsg(int f, struct mmsghdr *m, unsigned int n, int fl,
		    struct timespec *t)
{
	struct sockaddr_nl *sa = m[0].msg_hdr.msg_name;
	struct nlmsghdr *nlh;
	int r, len;

	if (!replay) {
		r = TIMED(int, __real_recvmmsg(f, m, n, fl, t));
		/* one datagram ends an idle checkpoint and a restore */
		if (capture && r == 1 && m[0].msg_len <= sizeof(kept[0])) {
			kept_len[capture - 1] = m[0].msg_len;
			memcpy(kept[capture - 1], m[0].msg_hdr.msg_iov[0].iov_base,
			       m[0].msg_len);
		}
		capture = 0;
		return r;
	}
	if (replay < 0)
		die("replay: the library asked for a second reply", EPROTO);
	memcpy(m[0].msg_hdr.msg_iov[0].iov_base, kept[replay - 1],
	       kept_len[replay - 1]);
	len = (int)kept_len[replay - 1];
	for (nlh = m[0].msg_hdr.msg_iov[0].iov_base; NLMSG_OK(nlh, len);
	     nlh = NLMSG_NEXT(nlh, len))
		nlh->nlmsg_seq = replay_seq;
	memset(sa, 0, sizeof(*sa));
	sa->nl_family = AF_NETLINK;
	m[0].msg_hdr.msg_namelen = sizeof(*sa);
	m[0].msg_hdr.msg_flags = 0;
	m[0].msg_len = kept_len[replay - 1];
	replay = -1;
	return 1;
}
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

/*
 * Time to copy @len queue bytes into a buffer already in use: with @rep
 * 0, memcpy() (the memcpy of latency(), once), the floor of moving the
 * bytes once; with 1, one "rep movsb", the instruction the kernel's
 * copies between user and kernel memory use on CPUs with fast string
 * moves (under icount QEMU counts each of its iterations).
 */
static double memcpy_ns(size_t len, int rep)
{
	char *dst = malloc(len);
	double t0, t1;

	if (!dst)
		die("malloc", ENOMEM);
	memset(dst, 1, len);
	__asm__ volatile("" : : "r"(dst) : "memory");	/* pages in use */
	t0 = now_ns();
	if (rep) {
		void *d = dst, *sp = pattern;
		size_t n = len;

		__asm__ volatile("rep movsb"
				 : "+D"(d), "+S"(sp), "+c"(n) : : "memory");
	} else {
		memcpy(dst, pattern, len);
	}
	t1 = now_ns();
	if (dst[len - 1] != pattern[len - 1])
		die("memcpy", EIO);
	free(dst);
	return t1 - t0;
}

/*
 * What the split of a call's time into user and system time rests on,
 * printed as "CRP sys null_ns clock_ns": a system call that does nothing
 * (getppid(), its entry and exit, as the calls of a wrapped call are
 * timed) and the clock read the wrappers add (one per wrapped call:
 * half of the first read, half of the second), in ns, the median of 15
 * loops of 1000.
 */
static void sys_floor(void)
{
	double nul[15], clk[15], t0;

	for (int i = 0; i < 15; i++) {
		t0 = now_ns();
		for (int j = 0; j < 1000; j++)
			syscall(SYS_getppid);
		nul[i] = (now_ns() - t0) / 1000;
		t0 = now_ns();
		for (int j = 0; j < 1000; j++)
			now_ns();
		clk[i] = (now_ns() - t0) / 1000;
	}
	printf("CRP sys %.0f %.0f\n", pct(nul, 15, 0.5), pct(clk, 15, 0.5));
}

/*
 * The userspace sequence on a connection whose receive queue holds @q
 * bytes, for comparison: "CRP soccr QUEUE ck_ns rs_ns", the restore with
 * its socket().
 */
static void profile_soccr(size_t q)
{
	double t0, t1, t2, t3;
	struct soccr_img im;
	int a, b, c, err;

	pair(&a, &b, q);
	t0 = now_ns();
	err = soccr_dump(a, &im);
	t1 = now_ns();
	if (err)
		die("soccr_dump", -err);
	kill_silently(a);
	t2 = now_ns();
	c = soccr_restore(&im);
	t3 = now_ns();
	if (c < 0)
		die("soccr_restore", -c);
	soccr_img_free(&im);
	printf("CRP soccr %zu %.0f %.0f\n", q, t1 - t0, t3 - t2);
	check_restored(c, q);
	kill_silently(c);
	close(b);
}

/* A trace marker (CRBENCH_MARKFD: trace_marker open; trace-guest.sh). */
static int markfd = -1;

static void mark(const char *what)
{
	if (markfd >= 0 && write(markfd, what, strlen(what)) < 0)
		die("trace marker", errno);
}

/*
 * The library's share of one checkpoint+restore, from the outside; with
 * @only >= 0 the runs of that queue size only (trace-guest.sh: idle).
 */
static void profile(int runs, long only)
{
	static const size_t qs[] = { 0, 4 << 20 };
	struct tcpkit_sockref ref;
	struct tcpkit_image *img, *back;
	double t[8], sck, srs, rep0;
	unsigned long nck, nrs;
	long flt[4];
	size_t len;
	void *buf;
	int a, b, c, err;

	/* an fd: ip netns exec mounts a sysfs of its own, without tracefs */
	if (getenv("CRBENCH_MARKFD"))
		markfd = atoi(getenv("CRBENCH_MARKFD"));
	sys_floor();
	for (int i = 0; i < 2; i++) {
		if (only >= 0 && (size_t)only != qs[i])
			continue;
		for (int r = 0; r < runs; r++) {
			/* how icount counts rep movsb, before and after */
			rep0 = qs[i] ? memcpy_ns(qs[i], 1) : 0.0;
			pair(&a, &b, qs[i]);
			ref = (struct tcpkit_sockref){ .fd = a };
			flt[0] = minflt();
			systime_ns = 0;
			nck = nsys;
			systime_on = 1;
			mark("CRT ck begin");
			capture = qs[i] ? 0 : 1;
			t[0] = now_ns();
			err = tcpkit_checkpoint(tk, &ref, 0, &img);
			t[1] = now_ns();
			capture = 0;
			mark("CRT ck end");
			systime_on = 0;
			sck = systime_ns;
			nck = nsys - nck;
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
			systime_ns = 0;
			nrs = nsys;
			systime_on = 1;
			mark("CRT rs begin");
			capture = qs[i] ? 0 : 2;
			t[7] = now_ns();
			err = tcpkit_restore(tk, img, c);
			t[6] = now_ns();
			capture = 0;
			mark("CRT rs end");
			systime_on = 0;
			srs = systime_ns;
			nrs = nsys - nrs;
			flt[3] = minflt();
			if (err)
				die("tcpkit_restore", -err);
			printf("CRP user %zu %.0f %.0f %.0f %.0f %.0f\n", qs[i],
			       t[1] - t[0], t[2] - t[1], t[3] - t[2],
			       t[5] - t[4], t[6] - t[7]);
			printf("CRP insys %zu %.0f %lu %.0f %lu\n", qs[i],
			       sck, nck, srs, nrs);
			printf("CRP mem %zu %ld %ld %.0f\n", qs[i],
			       flt[1] - flt[0], flt[3] - flt[2],
			       qs[i] ? fresh_ns(qs[i]) : 0.0);
			tcpkit_image_free(img);
			check_restored(c, qs[i]);
			kill_silently(c);
			close(b);
			profile_soccr(qs[i]);
			if (qs[i])
				printf("CRP memcpy %zu %.0f %.0f %.0f\n", qs[i],
				       memcpy_ns(qs[i], 0),
				       memcpy_ns(qs[i], 1), rep0);
		}
	}
}

/*
 * The library's own time: an idle checkpoint and restore replayed (see
 * capture, replay), @runs times: "CRP lib ck_ns rs_ns valid_ns meta_ns
 * ck_cold_ns", the third and fourth what parts of the checkpoint's cost:
 * the image checked (tcpkit_image_from_payload(): a copy and the
 * validation a checkpoint's image gets) and the metadata it is stamped
 * with (time(), snprintf()); the last the same replayed checkpoint right
 * after a real one of a fresh connection (set up as in profile()), not
 * back to back with the previous replay: the library's code run as in a
 * real call, after the kernel's work.
 */
static void profile_lib(int runs)
{
	struct tcpkit_sockref ref = { .fd = 0 }, live;
	struct tcpkit_image *img, *back;
	double t0, t1, t2, t3, t4, c0, c1;
	const void *pl;
	char tool[64];
	time_t now;
	size_t len;
	int a, b;

	if (!kept_len[0] || !kept_len[1])
		return;
	for (int r = 0; r < runs; r++) {
		pair(&a, &b, 0);
		live = (struct tcpkit_sockref){ .fd = a };
		if (tcpkit_checkpoint(tk, &live, 0, &img))
			die("tcpkit_checkpoint", errno);
		tcpkit_image_free(img);
		replay = 1;
		c0 = now_ns();
		if (tcpkit_checkpoint(tk, &ref, 0, &img))
			die("replayed checkpoint", errno);
		c1 = now_ns();
		replay = 0;
		tcpkit_image_free(img);
		kill_silently(a);
		close(b);
		replay = 1;
		t0 = now_ns();
		if (tcpkit_checkpoint(tk, &ref, 0, &img))
			die("replayed checkpoint", errno);
		t1 = now_ns();
		replay = 2;
		if (tcpkit_restore(tk, img, 0))
			die("replayed restore", errno);
		t2 = now_ns();
		replay = 0;
		pl = tcpkit_image_payload(img, &len);
		back = tcpkit_image_from_payload(pl, len);
		t3 = now_ns();
		if (!back)
			die("tcpkit_image_from_payload", errno);
		now = time(NULL);
		snprintf(tool, sizeof(tool), "libtcpkit %s %ld",
			 tcpkit_version(), (long)now);
		t4 = now_ns();
		tcpkit_image_free(back);
		tcpkit_image_free(img);
		printf("CRP lib %.0f %.0f %.0f %.0f %.0f\n", t1 - t0, t2 - t1,
		       t3 - t2, t4 - t3, c1 - c0);
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

/*
 * "crbench scale N..." (scale-icount-guest.sh) sets this: scale() then
 * also prints "CRB scalesplit PATH N ck|rs I US CPU_US MINFLT" after each
 * loop, for each tenth of its N calls (I of them done): the time since
 * the loop began, the process's CPU time (CLOCK_PROCESS_CPUTIME_ID) and
 * its minor page faults so far (getrusage()), which show whether a call
 * costs more once more connections exist. Sampled in the loop, printed
 * after it. And it sleeps SETTLE_S before each timed loop, so that work
 * the untimed steps before it leave to other contexts does not fall into
 * the loop (without the sleep, under icount, tenths of the N = 100 and
 * 1000 loops took millions of guest instructions more than the process's
 * own CPU time).
 */
static int scale_split;
#define SETTLE_S 1
static double split_us[10], split_cpu[10];
static long split_flt[10];

static void split(int n, int i, double t0)
{
	struct timespec c;
	int k = n >= 10 ? (i + 1) / (n / 10) - 1 : -1;

	if (scale_split && k >= 0 && k < 10 && (i + 1) % (n / 10) == 0) {
		split_us[k] = now_us() - t0;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c);
		split_cpu[k] = c.tv_sec * 1e6 + c.tv_nsec / 1e3;
		split_flt[k] = minflt();
	}
}

static void split_print(int p, int n, const char *op)
{
	if (!scale_split || n < 10)
		return;
	for (int k = 0; k < 10; k++)
		printf("CRB scalesplit %s %d %s %d %.0f %.0f %ld\n", pname[p],
		       n, op, (k + 1) * (n / 10), split_us[k], split_cpu[k],
		       split_flt[k]);
}

static void settle(void)
{
	if (scale_split)
		sleep(SETTLE_S);
}

static void scale(int n)
{
	int *a = calloc(n, sizeof(int)), *b = calloc(n, sizeof(int));
	void **img = calloc(n, sizeof(void *));

	for (int p = 0; p < 2; p++) {
		double t0, tck, trs;

		for (int i = 0; i < n; i++)
			pair(&a[i], &b[i], 0);
		settle();
		t0 = now_us();
		for (int i = 0; i < n; i++) {
			img[i] = ck(p, a[i]);
			split(n, i, t0);
		}
		tck = now_us() - t0;
		split_print(p, n, "ck");
		for (int i = 0; i < n; i++)
			kill_silently(a[i]);
		settle();
		t0 = now_us();
		for (int i = 0; i < n; i++) {
			a[i] = rs(p, img[i]);
			split(n, i, t0);
		}
		trs = now_us() - t0;
		split_print(p, n, "rs");
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
 * connection); "CRB scalestop N set_us stop_us" (N up to 16384): the
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
	settle();
	s0 = nsys;
	t0 = now_us();
	ret = tcpkit_checkpoint_set(tk, refp, n, 0, &set);
	tck = now_us() - t0;
	sck = nsys - s0;
	if (ret)
		die("tcpkit_checkpoint_set", -ret);
	/*
	 * With stop, given back at once: the holds and the freezes. A netns
	 * holds at most frozen_max (default 16384) frozen tuples.
	 */
	if (n <= 16384) {
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
	settle();
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
	/*
	 * glibc raises its mmap threshold to the largest block freed, and
	 * then serves large blocks from heap it already touched: whether a
	 * path's 4 MiB buffer (soccr's peek buffer, tcpkit's image) came
	 * fresh then hung on the sizes the other path had freed before it.
	 * A fixed threshold maps every large block anew, for both paths, as
	 * a process that checkpoints once would.
	 */
	mallopt(M_MMAP_THRESHOLD, 128 << 10);
	pattern = malloc(4 << 20);
	for (size_t i = 0; i < 4 << 20; i++)
		pattern[i] = (char)(i * 7 + (i >> 13));
	tk = tcpkit_open();
	if (!tk)
		die("tcpkit_open", errno);
	listener();
	if (argc > 2 && !strcmp(argv[1], "profile")) {
		profile(atoi(argv[2]), argc > 3 ? atol(argv[3]) : -1);
		profile_lib(atoi(argv[2]));
		printf("CRP done\n");
		return 0;
	}
	if (argc > 2 && !strcmp(argv[1], "scale")) {
		scale_split = 1;
		for (int i = 2; i < argc; i++) {
			scale(atoi(argv[i]));
			scale_set(atoi(argv[i]));
		}
		printf("CRB done\n");
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
