// SPDX-License-Identifier: GPL-2.0
/*
 * conn_limits: checkpoint and restore with the queues at the sysctl
 * maximum. A's send buffer is net.ipv4.tcp_wmem[2] and its receive buffer
 * net.ipv4.tcp_rmem[2] (the netns' own values, defaults kept); B never
 * reads while A's send queue fills, and B sends until A's receive queue is
 * full. After the restore both streams must continue byte-exact and the
 * netns must have sent no RST nor aborted anything. An image whose queue
 * exceeds the target netns' maximum is refused with a message.
 *
 * Stream 1 flows A/C -> B, stream 2 flows B -> A/C (see conn_lib.h).
 */
#include <sys/wait.h>

#include "conn_lib.h"
#include "kselftest_harness.h"

#define TMO	30000	/* ms: TCG guests are slow and RTOs are whole seconds */

FIXTURE(lim) {
	struct tk tk;
	struct img im;
	int a, b, c;
	uint64_t a_sent, b_sent, a_read, b_read;
	long rsts, aborts;
	int wmem[3], rmem[3];
};

FIXTURE_VARIANT(lim) {
	int family;
};

FIXTURE_VARIANT_ADD(lim, ipv4) {
	.family = AF_INET,
};

FIXTURE_VARIANT_ADD(lim, ipv6) {
	.family = AF_INET6,
};

static int sysctl_get3(const char *path, int v[3])
{
	FILE *f = fopen(path, "r");
	int n;

	if (!f)
		return -errno;
	n = fscanf(f, "%d %d %d", &v[0], &v[1], &v[2]);
	fclose(f);
	return n == 3 ? 0 : -EINVAL;
}

static int sysctl_set3(const char *path, const int v[3])
{
	FILE *f = fopen(path, "w");
	int err;

	if (!f)
		return -errno;
	fprintf(f, "%d %d %d\n", v[0], v[1], v[2]);
	err = fclose(f);
	return err ? -errno : 0;
}

#define WMEM	"/proc/sys/net/ipv4/tcp_wmem"
#define RMEM	"/proc/sys/net/ipv4/tcp_rmem"

/* Sum of the TcpExt counters of this netns whose name starts with @pfx. */
static long tcpext_sum(const char *pfx)
{
	return proc_mib("/proc/net/netstat", "TcpExt:", pfx, true);
}

/*
 * A connected pair whose accepted end A has sk_sndbuf = @sndbuf and
 * sk_rcvbuf = @rcvbuf (set on the listener, so the handshake already
 * advertises the window scale and clamp for it), and whose client B may
 * queue @bsnd; 0 leaves a buffer to autotuning (a small locked one could
 * stall the exchange after the restore, the peer not reading meanwhile).
 */
static int pair_bufs(int family, int *a, int *b, int sndbuf, int rcvbuf,
		     int bsnd)
{
	struct sockaddr_storage ss;
	socklen_t len = sa_loopback(family, &ss, 0);
	int l, half;

	*a = *b = -1;
	l = socket(family, SOCK_STREAM, 0);
	if (l < 0)
		return -errno;
	/* The kernel doubles what it is given; 0: leave it to autotuning. */
	half = sndbuf / 2;
	if (half &&
	    setsockopt(l, SOL_SOCKET, SO_SNDBUFFORCE, &half, sizeof(half)))
		goto fail;
	half = rcvbuf / 2;
	if (half &&
	    setsockopt(l, SOL_SOCKET, SO_RCVBUFFORCE, &half, sizeof(half)))
		goto fail;
	if (bind(l, (void *)&ss, len) || listen(l, 1) ||
	    getsockname(l, (void *)&ss, &len))
		goto fail;
	*b = socket(family, SOCK_STREAM, 0);
	half = bsnd / 2;
	if (*b < 0)
		goto fail;
	if (half &&
	    setsockopt(*b, SOL_SOCKET, SO_SNDBUFFORCE, &half, sizeof(half)))
		goto fail;
	if (connect(*b, (void *)&ss, len))
		goto fail;
	*a = accept(l, NULL, NULL);
	if (*a < 0)
		goto fail;
	close(l);
	return 0;
fail:
	close(l);
	return -errno;
}

FIXTURE_SETUP(lim)
{
	memset(self, 0, sizeof(*self));
	self->a = self->b = self->c = -1;
	TK_SETUP_NETNS(&self->tk, TK_NO_MODULE);
	ASSERT_EQ(0, sysctl_get3(WMEM, self->wmem));
	ASSERT_EQ(0, sysctl_get3(RMEM, self->rmem));
	TH_LOG("tcp_wmem %d %d %d, tcp_rmem %d %d %d", self->wmem[0],
	       self->wmem[1], self->wmem[2], self->rmem[0], self->rmem[1],
	       self->rmem[2]);
	self->rsts = tcp_mib("OutRsts");
	self->aborts = tcpext_sum("TCPAbortOn");
	ASSERT_LE(0, self->aborts);
}

FIXTURE_TEARDOWN(lim)
{
	close_fds((int *[]){ &self->c, &self->b, &self->a }, 3);
	img_free(&self->im);
	tk_close(&self->tk);
}

/* B never reads: A writes until its send buffer (tcp_wmem[2]) is full. */
static void fill_send(struct __test_metadata *_metadata,
		      FIXTURE_DATA(lim) *self)
{
	ASSERT_LT(0, stream_write(self->a, 1, &self->a_sent, 64 << 20, true));
	wait_stable(self->a, SIOCOUTQ, 500);
	/* A window probe may open a byte or two: top up once more. */
	stream_write(self->a, 1, &self->a_sent, 64 << 20, true);
	wait_stable(self->a, SIOCOUTQ, 300);
}

/* A never reads: B writes until A's receive window is closed. */
static void fill_recv(struct __test_metadata *_metadata,
		      FIXTURE_DATA(lim) *self)
{
	ASSERT_LT(0, stream_write(self->b, 2, &self->b_sent, 64 << 20, true));
	wait_stable(self->a, SIOCINQ, 500);
	stream_write(self->b, 2, &self->b_sent, 64 << 20, true);
	wait_stable(self->a, SIOCINQ, 300);
}

/* Checkpoint A with stop (B may send whenever A's window opens). */
static void checkpoint_a(struct __test_metadata *_metadata,
			 FIXTURE_DATA(lim) *self)
{
	uint32_t inq = sock_ioctl(self->a, SIOCINQ);
	uint32_t outq = sock_ioctl(self->a, SIOCOUTQ);
	int err;

	err = tk_checkpoint_stop(&self->tk, self->a, &self->im);
	ASSERT_EQ(0, err) TH_LOG("checkpoint: %s", self->tk.msg);
	EXPECT_EQ(TK_ESTABLISHED, img_u32(&self->im, TCPKIT_A_CONN_STATE));
	EXPECT_LE(inq, img_u32(&self->im, TCPKIT_A_CONN_RCV_QLEN));
	EXPECT_GE(outq, img_u32(&self->im, TCPKIT_A_CONN_SND_QLEN));
	ASSERT_EQ((uint64_t)img_u32(&self->im, TCPKIT_A_CONN_SND_QLEN),
		  img_data_len(&self->im, TCPKIT_A_CONN_SND_DATA));
	ASSERT_EQ((uint64_t)img_u32(&self->im, TCPKIT_A_CONN_RCV_QLEN),
		  img_data_len(&self->im, TCPKIT_A_CONN_RCV_DATA));
	TH_LOG("image: %zu bytes in %u messages, snd %u (unsent %u) of %d, rcv %u of %d",
	       self->im.len, self->im.msgs,
	       img_u32(&self->im, TCPKIT_A_CONN_SND_QLEN),
	       img_u32(&self->im, TCPKIT_A_CONN_UNSENT_LEN), self->wmem[2],
	       img_u32(&self->im, TCPKIT_A_CONN_RCV_QLEN), self->rmem[2]);
}

/*
 * Restore into a fresh socket; expect @want (0 or -errno), and on failure
 * a message containing @msg and a socket that carries nothing.
 */
static int restore_new(struct __test_metadata *_metadata,
		       FIXTURE_DATA(lim) *self, int family, int want,
		       const char *msg)
{
	int fd = socket(family, SOCK_STREAM, 0), err;

	if (fd < 0)
		return -1;
	err = tk_restore(&self->tk, fd, &self->im);
	EXPECT_EQ(want, err) TH_LOG("restore: %s", self->tk.msg);
	if (want && err) {
		EXPECT_NE(NULL, strstr(self->tk.msg, msg))
			TH_LOG("message \"%s\" lacks \"%s\"", self->tk.msg, msg);
		EXPECT_GT(0, send(fd, "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT));
		close(fd);
		return -1;
	}
	return fd;
}

static void show_sockets(void)
{
	FILE *p = popen("ss -tinom 2>&1", "r");
	char line[1024];

	if (!p)
		return;
	while (fgets(line, sizeof(line), p))
		fprintf(stderr, "# %s", line);
	pclose(p);
}

static void log_sock(struct __test_metadata *_metadata, const char *who,
		     int fd)
{
	int sndbuf = -1;
	socklen_t len = sizeof(sndbuf);

	getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &len);
	TH_LOG("%s: SO_SNDBUF %d, outq %d, notsent %d", who, sndbuf,
	       sock_ioctl(fd, SIOCOUTQ), sock_ioctl(fd, SIOCOUTQNSD));
}

/*
 * Write @n bytes of stream @s; a writer stuck for TMO (the peer reads
 * nothing meanwhile, so only the buffers hold them) is a failure.
 */
static int write_tmo(struct __test_metadata *_metadata, int fd, int s,
		     uint64_t *off, size_t n)
{
	while (n) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		long w = stream_write(fd, s, off, n, true);

		if (w < 0)
			return w;
		n -= w;
		if (n && poll(&p, 1, TMO) != 1) {
			log_sock(_metadata, "writer stuck", fd);
			show_sockets();
			return -ETIMEDOUT;
		}
	}
	return 0;
}

/* Everything queued arrives, then @more bytes each way; no RST, no abort. */
static void check_streams(struct __test_metadata *_metadata,
			  FIXTURE_DATA(lim) *self, size_t more)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	int err;

	/* Both queues are full: read them in parallel, a child taking B. */
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid) {
		err = stream_read(self->b, 1, &self->b_read,
				  self->a_sent - self->b_read, TMO);
		if (err)
			fprintf(stderr, "# B reading A's queue: %d at %llu\n",
				err, (unsigned long long)self->b_read);
		_exit(!!err);
	}
	err = stream_read(self->c, 2, &self->a_read,
			  self->b_sent - self->a_read, TMO);
	EXPECT_EQ(0, err) TH_LOG("C reading B's stream: offset %llu",
				 (unsigned long long)self->a_read);
	{
		int st = -1, i;

		/* Slow? Show both ends' state once, as KTAP comments. */
		for (i = 0; i < 100; i++) {
			if (waitpid(pid, &st, WNOHANG) == pid)
				break;
			usleep(100000);
		}
		if (i == 100)
			show_sockets();
		if (i == 100)
			ASSERT_EQ(pid, waitpid(pid, &st, 0));
		ASSERT_EQ(0, st) TH_LOG("B did not read A's queue intact");
	}
	ASSERT_EQ(0, err);
	self->b_read = self->a_sent;

	ASSERT_EQ(0, write_tmo(_metadata, self->c, 1, &self->a_sent, more));
	ASSERT_EQ(0, stream_read(self->b, 1, &self->b_read, more, TMO));
	ASSERT_EQ(0, write_tmo(_metadata, self->b, 2, &self->b_sent, more));
	ASSERT_EQ(0, stream_read(self->c, 2, &self->a_read, more, TMO));

	EXPECT_EQ(self->rsts, tcp_mib("OutRsts"));
	EXPECT_EQ(self->aborts, tcpext_sum("TCPAbortOn"));
	ASSERT_EQ(0, getsockopt(self->b, SOL_TCP, TCP_INFO, &ti, &len));
	EXPECT_EQ(TK_ESTABLISHED, (unsigned int)ti.tcpi_state);
}

static void replace_a(struct __test_metadata *_metadata,
		      FIXTURE_DATA(lim) *self, int family)
{
	ASSERT_EQ(0, kill_silently(self->a));
	self->a = -1;
	self->c = restore_new(_metadata, self, family, 0, NULL);
	ASSERT_LE(0, self->c);
}

TEST_F_TIMEOUT(lim, send_queue_wmem_max, 90)
{
	ASSERT_EQ(0, pair_bufs(variant->family, &self->a, &self->b,
			       self->wmem[2], 0, 0));
	fill_send(_metadata, self);
	checkpoint_a(_metadata, self);
	/* Queued bytes: sk_sndbuf less per-skb overhead, B's window apart. */
	EXPECT_LE((uint32_t)self->wmem[2] / 2,
		  img_u32(&self->im, TCPKIT_A_CONN_SND_QLEN));
	replace_a(_metadata, self, variant->family);
	check_streams(_metadata, self, 100000);
}

TEST_F_TIMEOUT(lim, recv_queue_rmem_max, 90)
{
	ASSERT_EQ(0, pair_bufs(variant->family, &self->a, &self->b,
			       0, self->rmem[2], self->wmem[2]));
	fill_recv(_metadata, self);
	checkpoint_a(_metadata, self);
	/* The window is a share of sk_rcvbuf (tcp_adv_win_scale, ratio). */
	EXPECT_LE((uint32_t)self->rmem[2] / 4,
		  img_u32(&self->im, TCPKIT_A_CONN_RCV_QLEN));
	replace_a(_metadata, self, variant->family);
	check_streams(_metadata, self, 100000);
}

TEST_F_TIMEOUT(lim, both_queues_max, 90)
{
	ASSERT_EQ(0, pair_bufs(variant->family, &self->a, &self->b,
			       self->wmem[2], self->rmem[2], self->wmem[2]));
	fill_recv(_metadata, self);
	fill_send(_metadata, self);
	checkpoint_a(_metadata, self);
	EXPECT_LE((uint32_t)self->wmem[2] / 2,
		  img_u32(&self->im, TCPKIT_A_CONN_SND_QLEN));
	EXPECT_LE((uint32_t)self->rmem[2] / 4,
		  img_u32(&self->im, TCPKIT_A_CONN_RCV_QLEN));
	replace_a(_metadata, self, variant->family);
	check_streams(_metadata, self, 100000);
}

/*
 * The same image into a netns whose maxima are one byte below its queues
 * (lowered here, after the checkpoint): refused, with a message naming the
 * sysctl; with the maxima back it restores and the streams go on.
 */
TEST_F_TIMEOUT(lim, over_max_refused, 90)
{
	uint32_t sq, rq;
	int v[3];

	ASSERT_EQ(0, pair_bufs(variant->family, &self->a, &self->b,
			       self->wmem[2], self->rmem[2], self->wmem[2]));
	fill_recv(_metadata, self);
	fill_send(_metadata, self);
	checkpoint_a(_metadata, self);
	ASSERT_EQ(0, kill_silently(self->a));
	self->a = -1;
	sq = img_u32(&self->im, TCPKIT_A_CONN_SND_QLEN);
	rq = img_u32(&self->im, TCPKIT_A_CONN_RCV_QLEN);
	ASSERT_LT(4096U, sq);
	ASSERT_LT(4096U, rq);

	memcpy(v, self->wmem, sizeof(v));
	v[2] = sq - 1;
	v[1] = v[1] < v[2] ? v[1] : v[2];
	ASSERT_EQ(0, sysctl_set3(WMEM, v));
	restore_new(_metadata, self, variant->family, -EFBIG, "tcp_wmem");
	ASSERT_EQ(0, sysctl_set3(WMEM, self->wmem));

	memcpy(v, self->rmem, sizeof(v));
	v[2] = rq - 1;
	v[1] = v[1] < v[2] ? v[1] : v[2];
	ASSERT_EQ(0, sysctl_set3(RMEM, v));
	restore_new(_metadata, self, variant->family, -EFBIG, "tcp_rmem");
	ASSERT_EQ(0, sysctl_set3(RMEM, self->rmem));

	/* Exactly at the maximum is fine. */
	memcpy(v, self->wmem, sizeof(v));
	v[2] = sq;
	v[1] = v[1] < v[2] ? v[1] : v[2];
	ASSERT_EQ(0, sysctl_set3(WMEM, v));
	self->c = restore_new(_metadata, self, variant->family, 0, NULL);
	ASSERT_EQ(0, sysctl_set3(WMEM, self->wmem));
	ASSERT_LE(0, self->c);
	check_streams(_metadata, self, 100000);
}

#define SNAP_NET_MB	"/sys/module/tcpkit/parameters/snapshot_net_mb"

/*
 * The snapshots a netns's dumps hold at once are capped: one over the cap
 * is refused, and so is a second dump while the first, unread, holds its
 * copy. The connection is untouched either way.
 */
TEST_F_TIMEOUT(lim, snapshot_budget, 90)
{
	unsigned char buf[1024];
	struct nlmsghdr *nlh;
	struct tk other;
	uint32_t q;
	int err;

	ASSERT_EQ(0, pair_bufs(variant->family, &self->a, &self->b,
			       self->wmem[2], 0, 0));
	fill_send(_metadata, self);
	q = sock_ioctl(self->a, SIOCOUTQ);
	TH_LOG("send queue %u", q);
	ASSERT_LT(1U << 20, q);

	ASSERT_EQ(0, write_str(SNAP_NET_MB, "1"));
	err = tk_checkpoint(&self->tk, self->a, NULL, NULL, false, &self->im);
	EXPECT_EQ(-ENOBUFS, err);
	TH_LOG("over the budget: %d \"%s\"", err, self->tk.msg);
	EXPECT_NE(0, self->tk.msg[0]);

	/* Room for one copy, not two: the first dump is left unread. */
	snprintf((char *)buf, sizeof(buf), "%u", (q >> 20) + 1 + (q >> 21));
	ASSERT_EQ(0, write_str(SNAP_NET_MB, (char *)buf));
	ASSERT_EQ(0, tk_open(&other));
	nlh = tk_msg(&other, buf, TCPKIT_CMD_CONN_CHECKPOINT, NLM_F_DUMP);
	tk_put_sock(nlh, TCPKIT_A_CONN_SOCK, self->a, NULL, NULL);
	ASSERT_LT(0, mnl_socket_sendto(other.nl, nlh, nlh->nlmsg_len));
	err = tk_checkpoint(&self->tk, self->a, NULL, NULL, false, &self->im);
	EXPECT_EQ(-ENOBUFS, err) TH_LOG("second copy: %s", self->tk.msg);
	tk_close(&other);	/* its dump ends, its copy goes */
	err = tk_checkpoint(&self->tk, self->a, NULL, NULL, false, &self->im);
	EXPECT_EQ(0, err) TH_LOG("after the first dump ended: %s",
				 self->tk.msg);
	ASSERT_EQ(0, write_str(SNAP_NET_MB, "1024"));
	EXPECT_EQ((uint64_t)img_u32(&self->im, TCPKIT_A_CONN_SND_QLEN),
		  img_data_len(&self->im, TCPKIT_A_CONN_SND_DATA));
	/* A was only read: it carries on (check_streams talks to C). */
	self->c = self->a;
	self->a = -1;
	check_streams(_metadata, self, 10000);
}

TEST_HARNESS_MAIN
