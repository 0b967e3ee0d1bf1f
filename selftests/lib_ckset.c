// SPDX-License-Identifier: GPL-2.0
/*
 * lib_ckset: the set API of libtcpkit against the running module:
 * tcpkit_conn_list() (sock_diag), tcpkit_checkpoint_set() with its
 * two-phase stop, tcpkit_abort_set(), tcpkit_commit_set(), and a set
 * through a version-2 file back into tcpkit_restore_set().
 *
 * In a private network namespace, NCONN IPv4 loopback connections to one
 * listener, and one IPv4 client of a dual-stack IPv6 listener (its server
 * end an IPv6 socket with v4-mapped addresses). Listing: each filter
 * picks exactly its connections, the v4-mapped one comes back as an IPv4
 * tuple. A set with stop whose last socket does not exist fails naming
 * it and gives every hold back (nothing frozen, both ends talk). A set
 * held then aborted goes on; held, saved, committed and restored from the
 * file, it talks again. Bad arguments fail before anything is sent.
 *
 * Then NBIG more connections with data queued both ways (at the server
 * end, checkpointed, and at the client end): the set is one checkpoint
 * dump (counted by the module's own profile log, one line per dump) and
 * its images equal single checkpoints, queues byte for byte; a set with
 * stop whose socket BAD_AT (a listener) cannot be checkpointed fails
 * naming it, and every connection goes on with both streams intact; held,
 * committed and restored, every connection carries both streams on,
 * byte-exact. KTAP output; exit 4 (skip) without the module or without
 * root. Run by lib_ckset_v1.sh, against a module it takes for family
 * version 1: the sets are checkpointed one dump per connection.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ktap_result.h"
#include "libtcpkit.h"
#include "sock_lib.h"

#define NCONN	5
#define NBIG	64
#define BAD_AT	31
#define PLAN	25

static int cli[NCONN + 1], srv[NCONN + 1];
/* lib_ckset_v1.sh: the library takes the module for family version 1. */
static bool family_v1;
static uint16_t lport, lport6;

/* A listener on @family's loopback (IPv6: dual stack); its port. */
#define FREEZE_MS	"/sys/module/tcpkit/parameters/freeze_ms"

/* Write @val to @path; its old value into @old first when given. */
static int write_param(const char *path, const char *val, char *old,
		       size_t len)
{
	FILE *f;
	int ret;

	if (old) {
		f = fopen(path, "r");
		if (!f || !fgets(old, (int)len, f)) {
			if (f)
				fclose(f);
			return -1;
		}
		fclose(f);
		old[strcspn(old, "\n")] = 0;
	}
	f = fopen(path, "w");
	if (!f)
		return -1;
	ret = fputs(val, f) < 0;
	return fclose(f) || ret ? -1 : 0;
}

static int listener(int family, uint16_t *port)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in a4 = { .sin_family = AF_INET };
	struct sockaddr *sa = family == AF_INET ? (void *)&a4 : (void *)&a6;
	socklen_t len = family == AF_INET ? sizeof(a4) : sizeof(a6);
	int fd, zero = 0;

	a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || (family == AF_INET6 &&
		       setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
				  sizeof(zero))) ||
	    bind(fd, sa, len) || getsockname(fd, sa, &len) || listen(fd, 8))
		return -1;
	*port = ntohs(family == AF_INET ? a4.sin_port : a6.sin6_port);
	return fd;
}

/* Connect to 127.0.0.1:@port, accept on @lfd. */
static int pair(int lfd, uint16_t port, int *c, int *s)
{
	struct sockaddr_in a = { .sin_family = AF_INET };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons(port);
	*c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*c < 0 || connect(*c, (struct sockaddr *)&a, sizeof(a)))
		return -1;
	*s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	return *s < 0 ? -1 : 0;
}

/* One byte each way between @a and @b: 0, or -1. */
static int talk(int a, int b)
{
	char c;

	if (write(a, "x", 1) != 1 || wait_inq(b, 1) || read(b, &c, 1) != 1 ||
	    write(b, "y", 1) != 1 || wait_inq(a, 1) || read(a, &c, 1) != 1)
		return -1;
	return 0;
}

static size_t frozen_count(struct tcpkit *tk)
{
	struct tcpkit_frozen *list;
	size_t n = 0;

	if (tcpkit_frozen_list(tk, &list, &n, sizeof(*list)))
		return (size_t)-1;
	free(list);
	return n;
}

/*
 * The frozen list in the first layout (callers built before @parked):
 * elements of that size, each server end of the NCONN connections at
 * its place. Returns how many of them were found.
 */
static size_t frozen_first_layout(struct tcpkit *tk)
{
	size_t size = offsetof(struct tcpkit_frozen, parked), n, i, j, found = 0;
	const struct tcpkit_frozen *f;
	struct sockaddr_in sa;
	socklen_t len;
	void *list;

	if (tcpkit_frozen_list(tk, (struct tcpkit_frozen **)&list, &n, size))
		return 0;
	for (i = 0; i < NCONN; i++) {
		len = sizeof(sa);
		if (getsockname(srv[i], (struct sockaddr *)&sa, &len))
			continue;
		for (j = 0; j < n; j++) {
			f = (const void *)((const char *)list + j * size);
			if (f->tuple.sport == ntohs(sa.sin_port)) {
				found++;
				break;
			}
		}
	}
	free(list);
	return found;
}

/* List with @f: the count, and how many have local port @sport. */
static int list(struct tcpkit *tk, const struct tcpkit_conn_filter *f,
		size_t *n, size_t *with_sport, uint16_t sport,
		struct tcpkit_tuple **out)
{
	struct tcpkit_tuple *t;
	size_t i;

	if (tcpkit_conn_list(tk, f, &t, n))
		return -1;
	*with_sport = 0;
	for (i = 0; i < *n; i++)
		*with_sport += t[i].sport == sport;
	if (out)
		*out = t;
	else
		free(t);
	return 0;
}

static void listing(struct tcpkit *tk)
{
	struct tcpkit_conn_filter f = { .size = sizeof(f) };
	struct tcpkit_tuple *t = NULL;
	size_t n = 0, k = 0;

	/* every end: NCONN + 1 connections, both ends in this netns */
	result(!list(tk, NULL, &n, &k, lport, NULL) &&
	       n == 2 * (NCONN + 1) && k == NCONN, "list_all",
	       "%zu tuples, %zu on port %u: %s", n, k, lport,
	       tcpkit_last_error(tk));
	f.has = TCPKIT_FILTER_SPORT;
	f.sport = lport;
	result(!list(tk, &f, &n, &k, lport, NULL) && n == NCONN && k == NCONN,
	       "list_sport", "%zu tuples", n);
	f.has = TCPKIT_FILTER_DPORT;
	f.dport = lport;
	result(!list(tk, &f, &n, &k, lport, NULL) && n == NCONN && !k,
	       "list_dport", "%zu tuples", n);
	f.has = TCPKIT_FILTER_SADDR | TCPKIT_FILTER_SPORT;
	f.sport = lport;
	f.saddr.family = AF_INET;
	inet_pton(AF_INET, "127.0.0.0", &f.saddr.addr);
	f.saddr.len = 8;
	result(!list(tk, &f, &n, &k, lport, NULL) && n == NCONN,
	       "list_saddr_prefix", "%zu tuples", n);
	f.saddr.family = AF_INET6;
	inet_pton(AF_INET6, "::1", &f.saddr.addr);
	f.saddr.len = 128;
	result(!list(tk, &f, &n, &k, lport, NULL) && !n,
	       "list_saddr_other_family", "%zu tuples", n);
	f.has = TCPKIT_FILTER_PID;
	f.pid = getpid();
	result(!list(tk, &f, &n, &k, lport, NULL) && n == 2 * (NCONN + 1),
	       "list_pid", "%zu tuples", n);

	/* the dual-stack server end: an IPv4 tuple that checkpoints */
	f.has = TCPKIT_FILTER_SPORT;
	f.sport = lport6;
	if (!list(tk, &f, &n, &k, lport6, &t) && n == 1 &&
	    t[0].family == AF_INET) {
		struct tcpkit_sockref ref = { .size = sizeof(ref), .fd = -1 };
		struct tcpkit_image *img;

		ref.tuple = t[0];
		result(!tcpkit_checkpoint(tk, &ref, 0, &img),
		       "list_v4_mapped_as_ipv4", "%s", tcpkit_last_error(tk));
		tcpkit_image_free(img);
	} else {
		result(false, "list_v4_mapped_as_ipv4", "%zu tuples, family %d",
		       n, n ? t[0].family : 0);
	}
	free(t);

	f.size = 4;
	result(tcpkit_conn_list(tk, &f, &t, &n) == -EINVAL, "list_small_size",
	       "%s", tcpkit_last_error(tk));
	f.size = sizeof(f);
	f.has = TCPKIT_FILTER_DADDR;
	f.daddr.family = AF_INET;
	f.daddr.len = 33;
	result(tcpkit_conn_list(tk, &f, &t, &n) == -EINVAL, "list_bad_prefix",
	       "%s", tcpkit_last_error(tk));
}

/* Byte @off of stream @s: both ends can check what they read. */
static unsigned char sbyte(int s, size_t off)
{
	return (unsigned char)(off * 131 + (off >> 9) + s * 29 + 7);
}

/* Write @n bytes of stream @s from *@off: 0, or -1. */
static int swrite(int fd, int s, size_t *off, size_t n)
{
	unsigned char buf[4096];
	size_t i, k;

	while (n) {
		k = n < sizeof(buf) ? n : sizeof(buf);
		for (i = 0; i < k; i++)
			buf[i] = sbyte(s, *off + i);
		if (write(fd, buf, k) != (ssize_t)k)
			return -1;
		*off += k;
		n -= k;
	}
	return 0;
}

/* Read exactly @n bytes of stream @s from *@off, checked: 0, or -1. */
static int sread(int fd, int s, size_t *off, size_t n)
{
	unsigned char buf[4096];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t r, i;

	while (n) {
		if (poll(&p, 1, 3000) != 1)
			return -1;
		r = recv(fd, buf, n < sizeof(buf) ? n : sizeof(buf),
			 MSG_DONTWAIT);
		if (r <= 0)
			return -1;
		for (i = 0; i < r; i++)
			if (buf[i] != sbyte(s, *off + i))
				return -1;
		*off += r;
		n -= r;
	}
	return 0;
}

/* The module's profile switch: its old value, or -1. */
static int profile_set(int on)
{
	const char *path = "/sys/module/tcpkit/parameters/profile";
	char c = 0;
	int fd, old;

	fd = open(path, O_RDWR);
	if (fd < 0)
		return -1;
	if (read(fd, &c, 1) != 1) {
		close(fd);
		return -1;
	}
	old = c == 'Y' || c == '1';
	if (pwrite(fd, on ? "1" : "0", 1, 0) != 1)
		old = -1;
	close(fd);
	return old;
}

/* /dev/kmsg at its end, to count the lines logged from now on. */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* Lines logged since kmsg_open() that contain @what. */
static int kmsg_count(int fd, const char *what)
{
	char rec[2048];
	int n = 0;
	ssize_t r;

	for (;;) {
		r = read(fd, rec, sizeof(rec) - 1);
		if (r < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (r <= 0)
			break;
		rec[r] = 0;
		n += strstr(rec, what) != NULL;
	}
	return n;
}

/* Two images hold the same connection: state and queues, byte for byte. */
static bool same_image(const struct tcpkit_image *a,
		       const struct tcpkit_image *b)
{
	static const int ty[] = {
		TCPKIT_A_CONN_SND_SEQ, TCPKIT_A_CONN_RCV_SEQ,
		TCPKIT_A_CONN_SND_QLEN, TCPKIT_A_CONN_RCV_QLEN,
		TCPKIT_A_CONN_SPORT, TCPKIT_A_CONN_DPORT, TCPKIT_A_CONN_STATE,
		TCPKIT_A_CONN_MSS, TCPKIT_A_CONN_SNDBUF, TCPKIT_A_CONN_RCVBUF,
	};
	uint64_t va, vb, la, lb;
	unsigned int ca, cb, q, i;
	bool same = true;
	char *pa, *pb;

	for (i = 0; i < sizeof(ty) / sizeof(ty[0]); i++)
		if (tcpkit_image_get_uint(a, ty[i], &va) ||
		    tcpkit_image_get_uint(b, ty[i], &vb) || va != vb)
			return false;
	for (q = TCPKIT_QUEUE_SEND; q <= TCPKIT_QUEUE_RECV && same; q++) {
		if (tcpkit_image_queue(a, q, &la, &ca) ||
		    tcpkit_image_queue(b, q, &lb, &cb) || la != lb)
			return false;
		pa = malloc(la + 1);
		pb = malloc(lb + 1);
		same = pa && pb && !tcpkit_image_queue_copy(a, q, pa, la) &&
		       !tcpkit_image_queue_copy(b, q, pb, lb) &&
		       !memcmp(pa, pb, la);
		free(pa);
		free(pb);
	}
	return same;
}

/* Bytes queued at each end of the big set, per round. */
#define QS(i)	(3000 + 17 * (i))	/* client to server, unread */
#define QC(i)	(2000 + 13 * (i))	/* server to client, unread */

static int bc[NBIG], bs[NBIG];
static size_t bc_w[NBIG], bc_r[NBIG], bs_w[NBIG], bs_r[NBIG];

/* Queue one round of data both ways on every big connection. */
static int big_queue(const int *srv_fd)
{
	int i;

	for (i = 0; i < NBIG; i++)
		if (swrite(bc[i], 2 * i, &bc_w[i], QS(i)) ||
		    swrite(srv_fd[i], 2 * i + 1, &bs_w[i], QC(i)))
			return -1;
	for (i = 0; i < NBIG; i++)
		if (wait_inq(srv_fd[i], bc_w[i] - bc_r[i]) ||
		    wait_inq(bc[i], bs_w[i] - bs_r[i]))
			return -1;
	return 0;
}

/* Drain what is queued both ways, checked, then one byte each way. */
static int big_drain(const int *srv_fd)
{
	int i;

	for (i = 0; i < NBIG; i++)
		if (sread(srv_fd[i], 2 * i, &bc_r[i], bc_w[i] - bc_r[i]) ||
		    sread(bc[i], 2 * i + 1, &bs_r[i], bs_w[i] - bs_r[i]) ||
		    swrite(bc[i], 2 * i, &bc_w[i], 1) ||
		    sread(srv_fd[i], 2 * i, &bc_r[i], 1) ||
		    swrite(srv_fd[i], 2 * i + 1, &bs_w[i], 1) ||
		    sread(bc[i], 2 * i + 1, &bs_r[i], 1))
			return i;
	return -1;
}

static void big_set(struct tcpkit *tk, int lfd, int lfd_port)
{
	struct tcpkit_sockref refs[NBIG];
	const struct tcpkit_sockref *refp[NBIG];
	struct tcpkit_image_set *set = NULL;
	int fds[NBIG], errs[NBIG];
	struct tcpkit_image *one = NULL;
	int i, ret, bad, kfd, dumps, old;
	char msg[512];
	bool ok = true;

	for (i = 0; ok && i < NBIG; i++)
		ok = !pair(lfd, lfd_port, &bc[i], &bs[i]);
	for (i = 0; i < NBIG; i++) {
		refs[i] = (struct tcpkit_sockref){ .size = sizeof(refs[i]),
						   .fd = ok ? bs[i] : -1 };
		refp[i] = &refs[i];
	}
	ok = ok && !big_queue(bs);
	result(ok, "big_set_up", "%d connections with data queued both ways",
	       NBIG);
	if (!ok)
		return;

	/* one dump for the whole set, images as single checkpoints make */
	old = profile_set(1);
	kfd = kmsg_open();
	ret = tcpkit_checkpoint_set(tk, refp, NBIG, 0, &set);
	dumps = kfd >= 0 && old >= 0 ?
		kmsg_count(kfd, "tcpkit: profile checkpoint") : -1;
	if (kfd >= 0)
		close(kfd);
	if (old >= 0)
		profile_set(old);
	printf("# %d connections: %d checkpoint dump(s)\n", NBIG, dumps);
	result(!ret && tcpkit_image_set_count(set) == NBIG &&
	       dumps == (family_v1 ? NBIG : 1),
	       family_v1 ? "big_set_one_dump_each" : "big_set_one_dump",
	       "ret %d, %d dumps: %s", ret, dumps, tcpkit_last_error(tk));
	for (i = 0, bad = -1; !ret && i < NBIG && bad < 0; i++) {
		if (tcpkit_checkpoint(tk, refp[i], 0, &one) ||
		    !same_image(tcpkit_image_set_get(set, i), one))
			bad = i;
		tcpkit_image_free(one);
		one = NULL;
	}
	result(!ret && bad < 0, "big_set_images_as_single",
	       "connection %d differs: %s", bad, tcpkit_last_error(tk));
	tcpkit_image_set_free(set);
	set = NULL;

	/* a listener in the middle: fails there, every one goes on */
	refs[BAD_AT].fd = lfd;
	ret = tcpkit_checkpoint_set(tk, refp, NBIG, TCPKIT_CHECKPOINT_STOP,
				    &set);
	snprintf(msg, sizeof(msg), "%s", tcpkit_last_error(tk));
	printf("# %s\n", msg);
	refs[BAD_AT].fd = bs[BAD_AT];
	result(ret == -EOPNOTSUPP && !set && strstr(msg, "connection 31 of 64") &&
	       strstr(msg, "listening") && strstr(msg, "given back") &&
	       !frozen_count(tk), "big_set_bad_middle_fails",
	       "ret %d: %s", ret, msg);
	bad = big_drain(bs);
	result(bad < 0, "big_set_bad_middle_all_go_on",
	       "connection %d: stream broken", bad);

	/* held, committed, restored: both streams go on, byte-exact */
	ok = !big_queue(bs) &&
	     !tcpkit_checkpoint_set(tk, refp, NBIG, TCPKIT_CHECKPOINT_STOP,
				    &set) &&
	     !tcpkit_commit_set(tk, set);
	result(ok && frozen_count(tk) == NBIG, "big_set_held_committed", "%s",
	       tcpkit_last_error(tk));
	for (i = 0; ok && i < NBIG; i++) {
		fds[i] = tcpkit_image_socket(tcpkit_image_set_get(set, i));
		ok = fds[i] >= 0;
	}
	ret = ok ? tcpkit_restore_set(tk, tcpkit_image_set_images(set), fds,
				      NBIG, 0, errs) : -1;
	tcpkit_image_set_free(set);
	bad = ret ? -2 : big_drain(fds);
	result(!ret && bad < 0 && !frozen_count(tk), "big_set_restored",
	       "ret %d, connection %d: %s", ret, bad, tcpkit_last_error(tk));
	for (i = 0; i < NBIG; i++) {
		if (!ret)
			close(fds[i]);
		close(bc[i]);
		close(bs[i]);
	}
}

int main(void)
{
	struct tcpkit_sockref refs[NCONN + 1];
	const struct tcpkit_sockref *refp[NCONN + 1];
	struct tcpkit_image_set *set = NULL, *back;
	int fds[NCONN], errs[NCONN];
	char path[64], msg[512], old[32];
	size_t nfrozen;
	int lfd, lfd6, i, ret, bad;
	struct tcpkit *tk;
	bool ok;

	setvbuf(stdout, NULL, _IOLBF, 0);
	family_v1 = getenv("LIB_CKSET_FAMILY_V1") != NULL;
	if (geteuid() != 0 || netns_private()) {
		return ktap_skip_all("lib_ckset", PLAN, "needs root");
	}
	tk = tcpkit_open();
	if (!tk) {
		return ktap_skip_all("lib_ckset", PLAN, tcpkit_strerror());
	}
	printf("TAP version 13\n1..%d\n", PLAN);

	lfd = listener(AF_INET, &lport);
	lfd6 = listener(AF_INET6, &lport6);
	ok = lfd >= 0 && lfd6 >= 0;
	for (i = 0; ok && i < NCONN; i++)
		ok = !pair(lfd, lport, &cli[i], &srv[i]);
	ok = ok && !pair(lfd6, lport6, &cli[NCONN], &srv[NCONN]);
	result(ok, "connections_set_up", "errno %d", errno);
	if (!ok)
		return 1;
	listing(tk);

	/* the server ends by fd, the last a tuple that does not exist */
	for (i = 0; i <= NCONN; i++) {
		refs[i] = (struct tcpkit_sockref){ .size = sizeof(refs[i]),
						   .fd = srv[i] };
		refp[i] = &refs[i];
	}
	refs[NCONN].fd = -1;
	refs[NCONN].tuple.family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", &refs[NCONN].tuple.saddr);
	inet_pton(AF_INET, "127.0.0.1", &refs[NCONN].tuple.daddr);
	refs[NCONN].tuple.sport = 1;
	refs[NCONN].tuple.dport = 2;
	ret = tcpkit_checkpoint_set(tk, refp, NCONN + 1, TCPKIT_CHECKPOINT_STOP,
				    &set);
	snprintf(msg, sizeof(msg), "%s", tcpkit_last_error(tk));
	printf("# %s\n", msg);
	nfrozen = frozen_count(tk);
	for (i = 0, bad = -1; i < NCONN && bad < 0; i++)
		if (talk(cli[i], srv[i]))
			bad = i;
	result(ret < 0 && !set && strstr(msg, "connection 5 of 6") &&
	       strstr(msg, "given back") && !nfrozen && bad < 0,
	       "set_failure_gives_all_back",
	       "ret %d, %zu frozen, connection %d silent: %s", ret, nfrozen,
	       bad, msg);

	/* held, then aborted: all go on */
	ret = tcpkit_checkpoint_set(tk, refp, NCONN, TCPKIT_CHECKPOINT_STOP,
				    &set);
	result(!ret && tcpkit_image_set_count(set) == NCONN &&
	       tcpkit_image_held(tcpkit_image_set_get(set, NCONN - 1)) &&
	       frozen_count(tk) == NCONN, "set_stop_holds_all", "%s",
	       tcpkit_last_error(tk));
	result(frozen_first_layout(tk) == NCONN, "frozen_list_first_layout",
	       "%s", tcpkit_last_error(tk));
	ret = tcpkit_abort_set(tk, set);
	for (i = 0, bad = -1; i < NCONN && bad < 0; i++)
		if (talk(cli[i], srv[i]))
			bad = i;
	result(!ret && !frozen_count(tk) && bad < 0, "set_abort_gives_back",
	       "ret %d, connection %d silent: %s", ret, bad,
	       tcpkit_last_error(tk));
	tcpkit_image_set_free(set);

	/*
	 * The holds lapse before the commit: every commit of the batch is
	 * refused by its own ACK, and the connections went on meanwhile.
	 */
	ok = !write_param(FREEZE_MS, "200", old, sizeof(old)) &&
	     !tcpkit_checkpoint_set(tk, refp, NCONN, TCPKIT_CHECKPOINT_STOP,
				    &set);
	if (ok) {
		usleep(600000);
		ret = tcpkit_commit_set(tk, set);
		snprintf(msg, sizeof(msg), "%s", tcpkit_last_error(tk));
		printf("# %s\n", msg);
	}
	write_param(FREEZE_MS, old, NULL, 0);
	for (i = 0, bad = -1; ok && i < NCONN && bad < 0; i++)
		if (talk(cli[i], srv[i]))
			bad = i;
	result(ok && ret == NCONN && strstr(msg, "not committed") &&
	       !frozen_count(tk) && bad < 0, "set_commit_after_lapse",
	       "ret %d, connection %d silent: %s", ret, bad, msg);
	tcpkit_image_set_free(set);
	set = NULL;

	/* held, saved, committed, read back and restored */
	snprintf(path, sizeof(path), "/tmp/lib_ckset.%d", (int)getpid());
	set = NULL;
	ok = !tcpkit_checkpoint_set(tk, refp, NCONN, TCPKIT_CHECKPOINT_STOP,
				    &set) &&
	     !tcpkit_image_set_write_file(set, path) &&
	     !tcpkit_commit_set(tk, set);
	result(ok && frozen_count(tk) == NCONN, "set_saved_committed", "%s",
	       tcpkit_last_error(tk));
	tcpkit_image_set_free(set);
	back = tcpkit_image_set_read_file(path);
	unlink(path);
	ok = back && tcpkit_image_set_count(back) == NCONN &&
	     tcpkit_image_set_version(back) == TCPKIT_IMAGE_VERSION_SET;
	for (i = 0; ok && i < NCONN; i++)
		fds[i] = tcpkit_image_socket(tcpkit_image_set_get(back, i));
	ret = ok ? tcpkit_restore_set(tk, tcpkit_image_set_images(back), fds,
				      NCONN, 0, errs) : -1;
	for (i = 0, bad = -1; !ret && i < NCONN && bad < 0; i++)
		if (talk(cli[i], fds[i]))
			bad = i;
	result(!ret && bad < 0 && !frozen_count(tk), "set_restored_from_file",
	       "ret %d, connection %d silent: %s", ret, bad,
	       tcpkit_last_error(tk));
	tcpkit_image_set_free(back);

	result(tcpkit_checkpoint_set(tk, refp, 0, 0, &set) == -EINVAL &&
	       tcpkit_checkpoint_set(tk, refp, 1, 0x80, &set) == -EINVAL,
	       "set_bad_arguments", "%s", tcpkit_last_error(tk));
	big_set(tk, lfd, lport);
	tcpkit_close(tk);
	if (test_no != PLAN)
		printf("# ran %d tests, planned %d\n", test_no, PLAN);
	return failed || test_no != PLAN;
}
