// SPDX-License-Identifier: GPL-2.0
/*
 * crblackout: the migration blackout the peer sees. One trial per run;
 * blackout-guest.sh builds scripts/guest/topology.sh's hosts and loops.
 *
 *   crblackout MODE NS_A NS_B NS_P NS_R SVC PEER B_ADDR PORT [QUEUE]
 *
 * The peer P (a child, in NS_P) connects to the service address SVC:PORT,
 * served by A (this process, in NS_A), and sends QUEUE bytes (default
 * 1 MiB) that A never reads: A's receive queue. Then P reads everything
 * A sends, as fast as it can, and notes when each read returned. A sends
 * in bulk for WARM_MS (500), topping its send queue (SIOCOUTQ) up to
 * FILL = QUEUE + 128 KiB and no further, then, as soon as it holds FILL
 * bytes, the migration, as a user of libtcpkit does it (the 128 KiB are
 * some 50 ms of blackout-guest.sh's 20 Mbit/s bottleneck: what may drain
 * before the stop takes hold; the image says how many bytes the send
 * queue held, checked against QUEUE):
 *
 *   tcpkit_checkpoint(TCPKIT_CHECKPOINT_STOP), tcpkit_image_write_file(),
 *   tcpkit_commit(); then in the restoring netns: tcpkit_image_read_file(),
 *   tcpkit_image_socket(), tcpkit_restore().
 *
 * MODE "same": the restore is in NS_A. MODE "netns": in NS_B, which has
 * SVC too (blackout-guest.sh adds it); as in scripts/guest/migrate.sh the
 * router's route to SVC then moves to B_ADDR (rtnetlink, a socket opened
 * in NS_R beforehand) and A's freeze is lifted (tcpkit_thaw()) once the
 * trial is measured. Handles of both netns are opened before the trial.
 *
 * The blackout: P's first read that returns after the restore began,
 * minus the read before it (A sends nothing between the checkpoint and
 * the restore, so that one returned the original's last byte). Checked:
 * P had read every byte the original sent (all written but the image's
 * unsent bytes) before the restore began; every byte P reads, and A's
 * restored receive queue, are the stream written, byte-exact; P reads to
 * the last byte written.
 *
 * Times (CLOCK_MONOTONIC, shared by the namespaces), ms: ck (checkpoint
 * call), write (image file), commit, read (setns, file read, socket()),
 * restore (call), route (the route's move; netns only), last (P's last
 * read before, from the checkpoint's start: negative when it came
 * before), first (P's first read after, from the restore's return:
 * negative when the socket was live before the call returned).
 *
 * Output: "CRX trial MODE QUEUE key=value..." or "CRX error ...".
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <libmnl/libmnl.h>

#include "libtcpkit.h"

#define PERIOD		65521		/* the stream: pat[i % PERIOD] */
#define CHUNK		(64 << 10)
#define WARM_MS		500
#define FILL_EXTRA	(128 << 10)
#define WAIT_US		20000000.0	/* give up on the tail after 20 s */
#define IMAGE		"/tmp/crblackout.img"

struct shared {
	_Atomic double boundary;	/* A: the restore begins, us */
	_Atomic double t_last;		/* P: last read before it */
	_Atomic double t_first;		/* P: first read after it */
	_Atomic unsigned long long rx;	/* P: bytes read */
	_Atomic unsigned long long rx_last;	/* P: bytes read by t_last */
	_Atomic int bad;		/* P: bytes not the stream's */
	_Atomic int err;		/* P: errno of a failed read */
};

static struct shared *sh;
static pid_t child;
static char pat[PERIOD + CHUNK];

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void fail(const char *what, int err)
{
	printf("CRX error %s: %s (%s)\n", what, strerror(err),
	       tcpkit_strerror());
	fflush(stdout);
	if (child > 0)
		kill(child, SIGKILL);
	exit(1);
}

static int ns_fd(const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/var/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail(name, errno);
	return fd;
}

static void enter(int nsfd)
{
	if (setns(nsfd, CLONE_NEWNET))
		fail("setns", errno);
}

/* ---- the peer P ---- */

static void peer(int nsfd, const struct sockaddr_in *sa, size_t queue,
		 int go)
{
	static char buf[CHUNK];
	size_t off = 0;
	ssize_t n;
	double t;
	int fd, v;
	char c;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	enter(nsfd);
	if (read(go, &c, 1) != 1)
		_exit(1);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (const struct sockaddr *)sa, sizeof(*sa)))
		fail("peer connect", errno);
	while (off < queue) {
		n = send(fd, pat + off % PERIOD, queue - off < CHUNK ?
			 queue - off : CHUNK, 0);
		if (n <= 0)
			fail("peer send", errno);
		off += n;
	}
	/* A acknowledged all of it: nothing of P is in flight at the stop. */
	do {
		usleep(1000);
		ioctl(fd, SIOCOUTQ, &v);
	} while (v);
	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		t = now_us();
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0)
				sh->err = errno;
			break;
		}
		if (memcmp(buf, pat + sh->rx % PERIOD, n))
			sh->bad++;
		if (sh->boundary && t >= sh->boundary) {
			if (!sh->t_first)
				sh->t_first = t;
		} else {
			sh->t_last = t;
			sh->rx_last = sh->rx + n;
		}
		sh->rx += n;
	}
	close(fd);
	_exit(0);
}

/* ---- A ---- */

/* The router's route to @svc via @gw (ip route replace SVC/32 via GW). */
static void route_replace(struct mnl_socket *nl, in_addr_t svc, in_addr_t gw)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	int n;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE |
			   NLM_F_ACK;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 32;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_DST, svc);
	mnl_attr_put_u32(nlh, RTA_GATEWAY, gw);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		fail("route send", errno);
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0 || mnl_cb_run(buf, n, 0, 0, NULL, NULL) < 0)
		fail("route replace", errno);
}

/* Write at most one chunk without blocking; 0 or a negative errno. */
static int push(int fd, unsigned long long *sent)
{
	ssize_t n = send(fd, pat + *sent % PERIOD, CHUNK,
			 MSG_DONTWAIT | MSG_NOSIGNAL);

	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	*sent += n;
	return 0;
}

static int outq(int fd)
{
	int v;

	if (ioctl(fd, SIOCOUTQ, &v))
		fail("SIOCOUTQ", errno);
	return v;
}

/* The restored receive queue is the stream P sent, @queue bytes. */
static int check_rcv(int fd, size_t queue)
{
	static char buf[CHUNK];
	size_t off = 0;
	ssize_t n;

	while (off < queue) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n <= 0)
			return 0;
		if (memcmp(buf, pat + off % PERIOD, n))
			return 0;
		off += n;
	}
	return 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	unsigned long long sent = 0, snd = 0, unsent = 0, rcv = 0;
	struct tcpkit_image *img, *back;
	struct tcpkit_tuple tuple;
	struct mnl_socket *nl = NULL;
	struct tcpkit *tka, *tkr;
	int nsa, nsr, nsp, go[2];
	in_addr_t gw = 0;
	size_t queue = 1 << 20;
	int netns, one = 1, big, lfd, fd, rcv_ok, err;
	struct tcpkit_sockref ref = { .size = sizeof(ref) };
	double t[6], warm, tr = 0;
	const char *mode;
	uint64_t v;

	if (argc < 10 || argc > 11) {
		fprintf(stderr, "usage: %s same|netns NS_A NS_B NS_P NS_R SVC PEER B_ADDR PORT [QUEUE]\n",
			argv[0]);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	mode = argv[1];
	netns = !strcmp(mode, "netns");
	if (!netns && strcmp(mode, "same")) {
		fprintf(stderr, "unknown mode %s\n", mode);
		return 1;
	}
	if (argc > 10)
		queue = strtoull(argv[10], NULL, 0);
	if (inet_pton(AF_INET, argv[6], &sa.sin_addr) != 1 ||
	    inet_pton(AF_INET, argv[8], &gw) != 1)
		fail("address", EINVAL);
	sa.sin_port = htons(atoi(argv[9]));
	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (char)((i % PERIOD) * 131 + (i % PERIOD >> 8));
	big = 4 * queue;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED || pipe(go))
		fail("setup", errno);
	nsa = ns_fd(argv[2]);
	nsr = ns_fd(netns ? argv[3] : argv[2]);
	nsp = ns_fd(argv[4]);
	child = fork();
	if (child < 0)
		fail("fork", errno);
	if (!child) {
		close(go[1]);
		peer(nsp, &sa, queue, go[0]);
	}
	close(go[0]);

	/* Everything the trial needs, opened beforehand in its netns. */
	if (netns) {
		enter(ns_fd(argv[5]));
		nl = mnl_socket_open(NETLINK_ROUTE);
		if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID))
			fail("rtnetlink", errno);
	}
	enter(nsr);
	tkr = tcpkit_open();
	if (!tkr)
		fail("tcpkit_open (restore)", errno);
	enter(nsa);
	tka = tcpkit_open();
	if (!tka)
		fail("tcpkit_open", errno);

	/* Inherited by the served socket: room for QUEUE both ways. */
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(lfd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) ||
	    setsockopt(lfd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big)) ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 1))
		fail("listen", errno);
	if (write(go[1], "g", 1) != 1)
		fail("peer start", errno);
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		fail("accept", errno);
	close(lfd);
	for (int i = 0, in = 0; in != (int)queue; i++) {
		if (i == 20000 || ioctl(fd, SIOCINQ, &in))
			fail("receive queue fill", ETIMEDOUT);
		usleep(1000);
	}

	/* Bulk to P, the send queue kept at FILL bytes. */
	warm = now_us() + WARM_MS * 1000.0;
	for (;;) {
		if (now_us() > warm + WAIT_US)
			fail("send queue fill", ETIMEDOUT);
		if (outq(fd) < (int)(queue + FILL_EXTRA)) {
			err = push(fd, &sent);
			if (err)
				fail("send", -err);
			continue;
		}
		if (now_us() >= warm)
			break;
		usleep(200);	/* the queue is full: let P drain it */
	}

	/* The migration, timed. */
	ref.fd = fd;
	t[0] = now_us();
	if (tcpkit_checkpoint(tka, &ref, TCPKIT_CHECKPOINT_STOP, &img))
		fail("checkpoint", errno);
	t[1] = now_us();
	if (tcpkit_image_write_file(img, IMAGE))
		fail("write", errno);
	t[2] = now_us();
	if (tcpkit_commit(tka, img))
		fail("commit", errno);
	t[3] = now_us();
	close(fd);
	enter(nsr);
	back = tcpkit_image_read_file(IMAGE);
	if (!back)
		fail("read", errno);
	fd = tcpkit_image_socket(back);
	if (fd < 0)
		fail("socket", errno);
	t[4] = now_us();
	sh->boundary = t[4];
	if (tcpkit_restore(tkr, back, fd))
		fail("restore", errno);
	t[5] = now_us();
	if (netns) {
		route_replace(nl, sa.sin_addr.s_addr, gw);
		tr = now_us() - t[5];
	}

	/* P reads to the last byte; then the rest is checked. */
	while (sh->rx < sent && !sh->err && now_us() - t[5] < WAIT_US)
		usleep(1000);
	rcv_ok = check_rcv(fd, queue);
	if (!tcpkit_image_get_uint(img, TCPKIT_A_CONN_SND_QLEN, &v))
		snd = v;
	if (!tcpkit_image_get_uint(img, TCPKIT_A_CONN_UNSENT_LEN, &v))
		unsent = v;
	if (!tcpkit_image_get_uint(img, TCPKIT_A_CONN_RCV_QLEN, &v))
		rcv = v;
	if (netns) {
		if (tcpkit_image_tuple(img, &tuple) || tcpkit_thaw(tka, &tuple))
			fail("thaw", errno);
	}
	shutdown(fd, SHUT_WR);
	waitpid(child, NULL, 0);
	close(fd);
	unlink(IMAGE);

	printf("CRX trial %s %zu blackout_ms=%.3f ck_ms=%.3f write_ms=%.3f ",
	       mode, queue, (sh->t_first - sh->t_last) / 1000,
	       (t[1] - t[0]) / 1000, (t[2] - t[1]) / 1000);
	printf("commit_ms=%.3f read_ms=%.3f restore_ms=%.3f route_ms=%.3f ",
	       (t[3] - t[2]) / 1000, (t[4] - t[3]) / 1000,
	       (t[5] - t[4]) / 1000, tr / 1000);
	printf("last_ms=%.3f first_ms=%.3f snd_qlen=%llu unsent=%llu ",
	       (sh->t_last - t[0]) / 1000, (sh->t_first - t[5]) / 1000, snd,
	       unsent);
	printf("rcv_qlen=%llu queue_ok=%d before_ok=%d stream_ok=%d rcv_ok=%d\n",
	       rcv, snd >= queue && rcv == queue, sh->rx_last == sent - unsent,
	       !sh->bad && !sh->err && sh->rx == sent, rcv_ok);
	tcpkit_image_free(img);
	tcpkit_image_free(back);
	tcpkit_close(tka);
	tcpkit_close(tkr);
	if (nl)
		mnl_socket_close(nl);
	return 0;
}
