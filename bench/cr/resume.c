// SPDX-License-Identifier: GPL-2.0
/*
 * crresume: how fast a connection resumes after a freeze (checkpoint with
 * stop, a wait, restore), and how long a bulk transfer takes after it,
 * against a connection that was never migrated. One trial per run; the
 * guest script (resume-guest.sh) builds the shaped path and loops.
 *
 *   crresume NS_A NS_P ADDR PORT MODE FREEZE_MS [WARM_MS [BYTES]]
 *
 * A (this process, in NS_A) connects to the peer P (a child, in NS_P,
 * listening on ADDR:PORT). P reads everything and sends 1000 bytes every
 * 5 ms (a trickle, so that the peer has bytes in flight when the freeze
 * begins). A sends in bulk for WARM_MS (default 2000), then stops writing
 * and waits until nothing of its send queue is unsent: what is left is
 * one window in flight. Then, by MODE:
 *
 *   base          never migrated: A writes BYTES (default 10 MB) at once.
 *   carried       checkpoint with stop, commit, FREEZE_MS, restore into a
 *                 fresh socket (the RTT estimate, cwnd and ssthresh carried)
 *   conservative  the same, restored with TCPKIT_RESTORE_CONSERVATIVE
 *                 (RTT estimate carried, slow start from the initial window)
 *   none          the same, from an image stripped of srtt, rttvar, rto,
 *                 min-rtt, cwnd and ssthresh: what a restore did before
 *                 they were carried (an older tcpkit's image)
 *
 * and A writes BYTES after the restore returned. Environment: DROP_ON and
 * DROP_OFF, shell commands run 50 ms before the checkpoint (A goes on
 * sending in bulk meanwhile) and just before the restore (bench: a filter
 * that drops A's segments at P, so that the bytes in flight at the
 * checkpoint, sent in its last 50 ms, more than one RTT, are lost).
 *
 * Measured (CLOCK_MONOTONIC, shared by the namespaces), from the moment
 * the restore returned (base: from the moment A starts writing):
 *   lag_in   first new byte of P at A's socket: tcpi_bytes_received grows
 *            (in order: what the application can read)
 *   lag_out  first byte of A acknowledged by P: tcpi_bytes_acked grows
 *   inflight all bytes that were in flight at the checkpoint acknowledged
 *   xfer     P has read the last of the BYTES written after the mark
 * TCP_INFO is read on every turn of A's write loop, which waits at most
 * 200 us in ppoll(). Also: A's retransmissions since the mark
 * (tcpi_total_retrans), RSTs sent in either namespace (OutRsts of
 * /proc/PID/net/snmp), and A's state at the checkpoint and after the
 * restore.
 *
 * Output: one line "CRR trial MODE FREEZE_MS key=value...", or
 * "CRR error ...".
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <linux/tcp.h>

#include "libtcpkit.h"

#define TRICKLE		1000	/* bytes P sends ... */
#define TRICKLE_US	5000	/* ... every this many us */
#define CHUNK		(64 << 10)
#define STEP		(16 << 10)	/* after the mark: TCP_INFO this often */
#define LOWAT		(64 << 10)	/* TCP_NOTSENT_LOWAT of A */
#define DROP_LEAD_US	50000.0		/* bulk between DROP_ON and the stop */
#define LAG_WAIT_US	10000000.0	/* give up on a lag after 10 s */
#define XFER_WAIT_US	120000000.0

/* Shared by A and P (MAP_SHARED before the fork). */
struct shared {
	_Atomic unsigned long long rx;		/* bytes P has read */
	_Atomic unsigned long long target;	/* record when rx reaches it */
	_Atomic double t_done;			/* when it did, us */
	_Atomic int stop;			/* P: stop the trickle */
	_Atomic int err;			/* P: errno of a failed recv */
	_Atomic long rst0, rst1;		/* P's OutRsts, start and end */
};

static struct shared *sh;
static pid_t child;

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void fail(const char *what, int err)
{
	printf("CRR error %s: %s (%s)\n", what, strerror(err),
	       tcpkit_strerror());
	fflush(stdout);
	if (child > 0)
		kill(child, SIGKILL);
	exit(1);
}

static void enter_ns(const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/var/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET))
		fail(name, errno);
	close(fd);
}

/* OutRsts of the network namespace of process @pid. */
static long out_rsts(pid_t pid)
{
	char path[64], line[512], *p;
	long v = -1;
	int col = -1, i;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/net/snmp", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "Tcp:", 4))
			continue;
		p = strtok(line + 4, " \n");
		for (i = 0; p; i++, p = strtok(NULL, " \n")) {
			if (col < 0 && !strcmp(p, "OutRsts"))
				col = i;
			else if (col >= 0 && i == col)
				v = atol(p);
		}
	}
	fclose(f);
	return v;
}

/* ---- the peer P ---- */

static void *peer_reader(int fd)
{
	static char buf[CHUNK];
	ssize_t n;

	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0)
				sh->err = errno;
			return NULL;
		}
		sh->rx += n;
		if (sh->target && sh->rx >= sh->target && !sh->t_done)
			sh->t_done = now_us();
	}
}

static void peer(const char *ns, struct sockaddr_in *sa, int ready)
{
	static char msg[TRICKLE];
	int one = 1, lfd, fd;
	double next;
	pid_t r;

	/* Never outlive A (a failed trial must not hang the guest). */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	enter_ns(ns);
	sh->rst0 = out_rsts(getpid());
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)sa, sizeof(*sa)) || listen(lfd, 4))
		fail("peer listen", errno);
	if (write(ready, "r", 1) != 1)
		fail("peer ready", errno);
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		fail("peer accept", errno);
	close(lfd);
	/* The reader is a child sharing nothing but the socket and sh. */
	r = fork();
	if (r < 0)
		fail("peer fork", errno);
	if (!r) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		peer_reader(fd);
		_exit(0);
	}
	next = now_us();
	while (!sh->stop) {
		next += TRICKLE_US;
		/* A full buffer (A frozen) only delays the trickle. */
		send(fd, msg, sizeof(msg), MSG_DONTWAIT | MSG_NOSIGNAL);
		while (now_us() < next && !sh->stop)
			usleep(1000);
	}
	shutdown(fd, SHUT_WR);
	waitpid(r, NULL, 0);
	close(fd);
	sh->rst1 = out_rsts(getpid());
	_exit(0);
}

/* ---- A ---- */

static char pattern[CHUNK];
static char sink[CHUNK];

static void tinfo(int fd, struct tcp_info *ti)
{
	socklen_t len = sizeof(*ti);

	memset(ti, 0, sizeof(*ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len))
		fail("TCP_INFO", errno);
}

static void drain(int fd)
{
	while (recv(fd, sink, sizeof(sink), MSG_DONTWAIT) > 0)
		;
}

/* Write one chunk if it fits; a negative errno when the socket failed. */
static int push(int fd, unsigned long long *sent, unsigned long long upto,
		size_t chunk)
{
	size_t len = upto - *sent < chunk ? upto - *sent : chunk;
	ssize_t n;

	if (!len)
		return 0;
	n = send(fd, pattern, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	*sent += n;
	return 0;
}

/* At most LOWAT bytes unsent: the send queue is about one window in
 * flight and no more than LOWAT (plus one chunk) waiting behind it.
 */
static int set_lowat(int fd)
{
	int v = LOWAT;

	return setsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &v, sizeof(v));
}

static void wait_turn(int fd, short events)
{
	struct timespec ts = { 0, 200000 };
	struct pollfd p = { .fd = fd, .events = events };

	ppoll(&p, 1, &ts, NULL);
}

/* Send as fast as the socket takes it for @us. */
static void bulk(int fd, unsigned long long *sent, double us)
{
	double t = now_us();
	int err;

	while (now_us() - t < us) {
		err = push(fd, sent, ~0ULL, CHUNK);
		if (err)
			fail("bulk send", -err);
		drain(fd);
		wait_turn(fd, POLLOUT | POLLIN);
	}
}

/* A copy of @img without the attributes that carry the RTT estimate and
 * the congestion window.
 */
static struct tcpkit_image *strip_state(const struct tcpkit_image *img)
{
	struct tcpkit_image *out;
	const char *p;
	size_t len, off = 0, n = 0;
	char *buf;

	p = tcpkit_image_payload(img, &len);
	buf = malloc(len);
	if (!buf)
		fail("strip", ENOMEM);
	while (off + NLA_HDRLEN <= len) {
		const struct nlattr *a = (const void *)(p + off);
		size_t step = NLA_ALIGN(a->nla_len);

		switch (a->nla_type & NLA_TYPE_MASK) {
		case TCPKIT_A_CONN_SRTT_US:
		case TCPKIT_A_CONN_RTTVAR_US:
		case TCPKIT_A_CONN_RTO_US:
		case TCPKIT_A_CONN_MIN_RTT_US:
		case TCPKIT_A_CONN_CWND:
		case TCPKIT_A_CONN_SSTHRESH:
			break;
		default:
			memcpy(buf + n, a, step < len - off ? step : len - off);
			n += step < len - off ? step : len - off;
		}
		off += step;
	}
	out = tcpkit_image_from_payload(buf, n);
	if (!out)
		fail("strip", errno);
	free(buf);
	return out;
}

static void run(const char *cmd)
{
	if (cmd && *cmd && system(cmd))
		fail(cmd, EIO);
}

int main(int argc, char **argv)
{
	unsigned long long sent = 0, upto, inflight = 0, unsent = 0;
	unsigned long long pre_inflight;
	uint64_t q;
	double warm, freeze, t_mark, lag_in = -1, lag_out = -1;
	double t_inflight = -1, t_ck = 0, t_ck1 = 0, t_rs0 = 0, xfer, t;
	struct tcp_info ti_ck, ti_rs, ti;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	unsigned long long bytes = 10000000, rx_mark;
	long rst_a;
	const char *mode;
	int ready[2], fd, v, err;
	struct tcpkit *tk = NULL;
	struct tcpkit_image *img = NULL, *use;
	char c;

	if (argc < 7 || argc > 9) {
		fprintf(stderr, "usage: %s NS_A NS_P ADDR PORT MODE FREEZE_MS [WARM_MS [BYTES]]\n",
			argv[0]);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	mode = argv[5];
	freeze = atof(argv[6]) * 1000;
	warm = (argc > 7 ? atof(argv[7]) : 2000) * 1000;
	if (argc > 8)
		bytes = strtoull(argv[8], NULL, 0);
	if (strcmp(mode, "base") && strcmp(mode, "carried") &&
	    strcmp(mode, "conservative") && strcmp(mode, "none")) {
		fprintf(stderr, "unknown mode %s\n", mode);
		return 1;
	}
	if (inet_pton(AF_INET, argv[3], &sa.sin_addr) != 1)
		fail("address", EINVAL);
	sa.sin_port = htons(atoi(argv[4]));
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = 'a' + i % 26;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED || pipe(ready))
		fail("setup", errno);
	child = fork();
	if (child < 0)
		fail("fork", errno);
	if (!child) {
		close(ready[0]);
		peer(argv[2], &sa, ready[1]);
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1)
		fail("peer did not start", EIO);
	enter_ns(argv[1]);
	if (strcmp(mode, "base")) {
		tk = tcpkit_open();
		if (!tk)
			fail("tcpkit_open", errno);
	}
	rst_a = out_rsts(getpid());

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    set_lowat(fd))
		fail("connect", errno);

	/* Warm-up: bulk for WARM_MS. */
	bulk(fd, &sent, warm);
	tinfo(fd, &ti_ck);
	if (ioctl(fd, SIOCOUTQ, &v))
		fail("SIOCOUTQ", errno);
	inflight = v;
	if (ioctl(fd, SIOCOUTQNSD, &v))
		fail("SIOCOUTQNSD", errno);
	unsent = v;
	inflight -= unsent;
	pre_inflight = inflight;

	if (!strcmp(mode, "base")) {
		ti_rs = ti_ck;
		t_mark = now_us();
	} else {
		struct tcpkit_sockref ref = { .size = sizeof(ref), .fd = fd };
		unsigned int flags = 0;

		if (getenv("DROP_ON")) {
			/* Everything sent from now on is lost. */
			run(getenv("DROP_ON"));
			bulk(fd, &sent, DROP_LEAD_US);
		}
		t_ck = now_us();
		if (tcpkit_checkpoint(tk, &ref, TCPKIT_CHECKPOINT_STOP, &img))
			fail("checkpoint", errno);
		if (tcpkit_commit(tk, img))
			fail("commit", errno);
		t_ck1 = now_us();
		close(fd);
		pre_inflight = inflight;
		/* The image's figures: the instant of the checkpoint. */
		if (!tcpkit_image_get_uint(img, TCPKIT_A_CONN_SND_QLEN, &q))
			inflight = q;
		if (!tcpkit_image_get_uint(img, TCPKIT_A_CONN_UNSENT_LEN, &q))
			unsent = q;
		inflight -= unsent;
		use = img;
		if (!strcmp(mode, "none"))
			use = strip_state(img);
		if (!strcmp(mode, "conservative"))
			flags = TCPKIT_RESTORE_CONSERVATIVE;
		/* The freeze counts from the checkpoint's return. */
		while ((t = now_us()) < t_ck1 + freeze)
			usleep(t_ck1 + freeze - t > 2000 ? 1000 : 100);
		run(getenv("DROP_OFF"));
		fd = tcpkit_image_socket(use);
		if (fd < 0)
			fail("socket", errno);
		t_rs0 = now_us();
		if (tcpkit_restore_flags(tk, use, fd, flags))
			fail("restore", errno);
		t_mark = now_us();
		tinfo(fd, &ti_rs);
		if (set_lowat(fd))
			fail("TCP_NOTSENT_LOWAT", errno);
		if (use != img)
			tcpkit_image_free(use);
	}

	/* BYTES more, from the mark; watch the first bytes both ways. */
	rx_mark = sh->rx;
	upto = sent + bytes;
	sh->target = upto;
	for (;;) {
		err = push(fd, &sent, upto, STEP);
		if (err)
			fail("send", -err);
		drain(fd);
		tinfo(fd, &ti);
		t = now_us();
		if (lag_in < 0 && ti.tcpi_bytes_received > ti_rs.tcpi_bytes_received)
			lag_in = t - t_mark;
		if (lag_out < 0 && ti.tcpi_bytes_acked > ti_rs.tcpi_bytes_acked)
			lag_out = t - t_mark;
		if (t_inflight < 0 && inflight &&
		    ti.tcpi_bytes_acked - ti_rs.tcpi_bytes_acked >= inflight)
			t_inflight = t - t_mark;
		if (sent == upto && lag_in >= 0 && lag_out >= 0 &&
		    (t_inflight >= 0 || !inflight))
			break;
		if (t - t_mark > LAG_WAIT_US && sent == upto)
			break;
		wait_turn(fd, POLLIN | (sent < upto ? POLLOUT : 0));
	}
	while (!sh->t_done && now_us() - t_mark < XFER_WAIT_US) {
		drain(fd);
		usleep(1000);
	}
	xfer = sh->t_done ? sh->t_done - t_mark : -1;
	tinfo(fd, &ti);

	sh->stop = 1;
	shutdown(fd, SHUT_WR);
	t = now_us();
	/* P closes after its trickle stops: read to its EOF. */
	while (now_us() - t < 5e6) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = recv(fd, sink, sizeof(sink), 0);
		if (n <= 0)
			break;
	}
	waitpid(child, NULL, 0);
	close(fd);

	printf("CRR trial %s %.0f lag_in_ms=%.2f lag_out_ms=%.2f inflight_ms=%.2f xfer_ms=%.1f moved=%llu retrans=%u rst_a=%ld rst_p=%ld peer_err=%d ck_cwnd=%u ck_ssthresh=%u ck_srtt_us=%u ck_min_rtt_us=%u ck_rto_us=%u ck_inflight=%llu ck_unsent=%llu pre_inflight=%llu ck_unacked=%u rs_cwnd=%u rs_ssthresh=%u rs_srtt_us=%u rs_rto_us=%u end_cwnd=%u ck_ms=%.2f rs_ms=%.2f\n",
	       mode, freeze / 1000, lag_in / 1000, lag_out / 1000,
	       t_inflight / 1000, xfer / 1000, upto - rx_mark,
	       ti.tcpi_total_retrans - ti_rs.tcpi_total_retrans,
	       out_rsts(getpid()) - rst_a, sh->rst1 - sh->rst0,
	       sh->err, ti_ck.tcpi_snd_cwnd, ti_ck.tcpi_snd_ssthresh,
	       ti_ck.tcpi_rtt, ti_ck.tcpi_min_rtt, ti_ck.tcpi_rto, inflight,
	       unsent, pre_inflight, ti_ck.tcpi_unacked, ti_rs.tcpi_snd_cwnd, ti_rs.tcpi_snd_ssthresh,
	       ti_rs.tcpi_rtt, ti_rs.tcpi_rto, ti.tcpi_snd_cwnd,
	       (t_ck1 - t_ck) / 1000, t_rs0 ? (t_mark - t_rs0) / 1000 : 0);
	if (img)
		tcpkit_image_free(img);
	if (tk)
		tcpkit_close(tk);
	return 0;
}
