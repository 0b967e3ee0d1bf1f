// SPDX-License-Identifier: GPL-2.0
/*
 * conn_bad: every kind of bad request the tcpkit family must refuse, each
 * with an errno and an extack message, the connection untouched and (for
 * restores of a bad image) the target socket left closed and unusable.
 *
 * A private netns with a loopback pair A (checkpointed) - B (peer). The
 * image tests start from a good checkpoint of A and break one thing.
 */
#include <sys/utsname.h>

#include "conn_lib.h"
#include "kselftest_harness.h"

#define TMO	20000

FIXTURE(bad) {
	struct tk tk;
	struct img im;
	int a, b, t;
};

FIXTURE_SETUP(bad)
{
	memset(self, 0, sizeof(*self));
	self->a = self->b = self->t = -1;
	TK_SETUP_NETNS(&self->tk, TK_NO_MODULE);
	ASSERT_EQ(0, tcp_pair(AF_INET, &self->a, &self->b));
	self->t = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, self->t);
}

FIXTURE_TEARDOWN(bad)
{
	close_fds((int *[]){ &self->t, &self->b, &self->a }, 3);
	img_free(&self->im);
	tk_close(&self->tk);
}

/* The pair still carries bytes both ways: nothing was done to it. */
static void pair_works(struct __test_metadata *_metadata,
		       FIXTURE_DATA(bad) *self)
{
	uint64_t w = 0, r = 0;

	ASSERT_EQ(1000, stream_write(self->a, 1, &w, 1000, false));
	ASSERT_EQ(0, stream_read(self->b, 1, &r, 1000, TMO));
	w = r = 0;
	ASSERT_EQ(1000, stream_write(self->b, 2, &w, 1000, false));
	ASSERT_EQ(0, stream_read(self->a, 2, &r, 1000, TMO));
}

/* A refused restore leaves the target closed and refusing every use. */
static void target_dead(struct __test_metadata *_metadata, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sa_loopback(AF_INET, &ss, 9);
	struct tcp_info ti;

	len = sizeof(ti);
	ASSERT_EQ(0, getsockopt(fd, SOL_TCP, TCP_INFO, &ti, &len));
	EXPECT_EQ(7, ti.tcpi_state);	/* TCP_CLOSE */
	len = sa_loopback(AF_INET, &ss, 9);
	EXPECT_NE(0, connect(fd, (void *)&ss, len));
	EXPECT_NE(0, listen(fd, 1));
	EXPECT_GT(0, send(fd, "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT));
}

static void good_image(struct __test_metadata *_metadata,
		       FIXTURE_DATA(bad) *self)
{
	uint64_t w = 0;

	ASSERT_EQ(3000, stream_write(self->b, 2, &w, 3000, false));
	ASSERT_EQ(0, wait_ioctl(self->a, SIOCINQ, 3000, TMO));
	ASSERT_EQ(0, tk_checkpoint(&self->tk, self->a, NULL, NULL, false,
				   &self->im)) TH_LOG("%s", self->tk.msg);
	ASSERT_EQ(3000U, img_u32(&self->im, TCPKIT_A_CONN_RCV_QLEN));
}

/*
 * Restore the (broken) image into the fresh target: must fail with @err.
 * Errors the attribute policy catches never reach tcpkit, so the target is
 * left as it was (fresh, closed); errors tcpkit's own checks find leave it
 * unusable.
 */
static void restore_fails(struct __test_metadata *_metadata,
			  FIXTURE_DATA(bad) *self, int err, bool policy,
			  const char *what)
{
	int ret = tk_restore(&self->tk, self->t, &self->im);
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	EXPECT_EQ(err, ret) TH_LOG("%s: got %d (%s)", what, ret, self->tk.msg);
	EXPECT_NE(0, self->tk.msg[0]) TH_LOG("%s: no extack message", what);
	TH_LOG("%s: %d \"%s\"", what, ret, self->tk.msg);
	if (policy) {
		ASSERT_EQ(0, getsockopt(self->t, SOL_TCP, TCP_INFO, &ti, &len));
		EXPECT_EQ(7, ti.tcpi_state);	/* TCP_CLOSE, untouched */
	} else {
		target_dead(_metadata, self->t);
	}
	pair_works(_metadata, self);
}

static void checkpoint_fails(struct __test_metadata *_metadata,
			     FIXTURE_DATA(bad) *self, int fd, int err,
			     const char *what)
{
	int ret = tk_checkpoint(&self->tk, fd, NULL, NULL, false, &self->im);

	EXPECT_EQ(err, ret) TH_LOG("%s: got %d (%s)", what, ret, self->tk.msg);
	EXPECT_NE(0, self->tk.msg[0]) TH_LOG("%s: no extack message", what);
	TH_LOG("%s: %d \"%s\"", what, ret, self->tk.msg);
	ret = tk_checkpoint(&self->tk, fd, NULL, NULL, true, &self->im);
	EXPECT_EQ(err, ret) TH_LOG("%s (get): got %d (%s)", what, ret,
				   self->tk.msg);
	EXPECT_NE(0, self->tk.msg[0]);
}

TEST_F(bad, checkpoint_not_tcp)
{
	int u = socket(AF_INET, SOCK_DGRAM, 0);

	checkpoint_fails(_metadata, self, u, -EPROTONOSUPPORT, "UDP socket");
	close(u);
	u = open("/dev/null", O_RDONLY);
	checkpoint_fails(_metadata, self, u, -ENOTSOCK, "not a socket");
	close(u);
	checkpoint_fails(_metadata, self, 987, -EBADF, "no such fd");
}

TEST_F(bad, checkpoint_listening)
{
	struct sockaddr_storage ss;
	socklen_t len = sa_loopback(AF_INET, &ss, 0);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	ASSERT_EQ(0, bind(l, (void *)&ss, len));
	ASSERT_EQ(0, listen(l, 1));
	checkpoint_fails(_metadata, self, l, -EOPNOTSUPP, "listening");
	close(l);
}

TEST_F(bad, checkpoint_unconnected)
{
	checkpoint_fails(_metadata, self, self->t, -ENOTCONN, "unconnected");
}

TEST_F(bad, checkpoint_no_such_tuple)
{
	struct sockaddr_storage sa, da;
	int ret;

	sa_loopback(AF_INET, &sa, 1111);
	sa_loopback(AF_INET, &da, 2222);
	ret = tk_checkpoint(&self->tk, -1, &sa, &da, false, &self->im);
	EXPECT_EQ(-ENOENT, ret);
	EXPECT_NE(0, self->tk.msg[0]);
	TH_LOG("%d \"%s\"", ret, self->tk.msg);
}

TEST_F(bad, no_cap_net_admin)
{
	struct img im = {};
	int ret;

	good_image(_metadata, self);
	ASSERT_EQ(0, drop_net_admin());
	ret = tk_checkpoint(&self->tk, self->a, NULL, NULL, false, &im);
	EXPECT_EQ(-EPERM, ret);
	ret = tk_checkpoint(&self->tk, self->a, NULL, NULL, true, &im);
	EXPECT_EQ(-EPERM, ret);
	ret = tk_restore(&self->tk, self->t, &self->im);
	EXPECT_EQ(-EPERM, ret);
	img_free(&im);
	pair_works(_metadata, self);
}

/*
 * CAP_NET_ADMIN alone reads a connection's header by 4-tuple, but not its
 * queues, and cannot stop it; by fd (its own descriptor) it can.
 */
TEST_F(bad, tuple_needs_checkpoint_cap)
{
	struct sockaddr_storage sa, da;
	socklen_t len = sizeof(sa);
	struct img im = {};
	int ret;

	good_image(_metadata, self);
	ASSERT_EQ(0, getsockname(self->a, (void *)&sa, &len));
	len = sizeof(da);
	ASSERT_EQ(0, getpeername(self->a, (void *)&da, &len));
	ASSERT_EQ(0, drop_checkpoint_caps());
	ret = tk_checkpoint(&self->tk, -1, &sa, &da, false, &im);
	EXPECT_EQ(-EPERM, ret);
	EXPECT_NE(0, self->tk.msg[0]);
	TH_LOG("queues by tuple: \"%s\"", self->tk.msg);
	img_free(&im);
	EXPECT_EQ(0, tk_checkpoint(&self->tk, -1, &sa, &da, true, &im))
		TH_LOG("header by tuple: %s", self->tk.msg);
	img_free(&im);
	EXPECT_EQ(0, tk_checkpoint(&self->tk, self->a, NULL, NULL, false, &im))
		TH_LOG("queues by fd: %s", self->tk.msg);
	img_free(&im);
	pair_works(_metadata, self);
}

TEST_F(bad, other_netns)
{
	struct sockaddr_storage sa, da;
	socklen_t len = sizeof(sa);
	int ret;

	ASSERT_EQ(0, getsockname(self->a, (void *)&sa, &len));
	len = sizeof(da);
	ASSERT_EQ(0, getpeername(self->a, (void *)&da, &len));
	/* A stays in the old netns; the request comes from a new one. */
	tk_close(&self->tk);
	ASSERT_EQ(0, netns_private());
	ASSERT_EQ(0, tk_open(&self->tk));
	ret = tk_checkpoint(&self->tk, self->a, NULL, NULL, false, &self->im);
	EXPECT_EQ(-EXDEV, ret) TH_LOG("by fd: %s", self->tk.msg);
	EXPECT_NE(0, self->tk.msg[0]);
	ret = tk_checkpoint(&self->tk, -1, &sa, &da, false, &self->im);
	EXPECT_EQ(-ENOENT, ret) TH_LOG("by tuple: %s", self->tk.msg);
	/* Nor can a socket of another netns be a restore target. */
	ret = tk_restore(&self->tk, self->t, &self->im);
	EXPECT_EQ(-EXDEV, ret) TH_LOG("restore target: %s", self->tk.msg);
	pair_works(_metadata, self);
}

TEST_F(bad, restore_onto_connected)
{
	good_image(_metadata, self);
	EXPECT_EQ(-EISCONN, tk_restore(&self->tk, self->b, &self->im));
	EXPECT_NE(0, self->tk.msg[0]);
	TH_LOG("\"%s\"", self->tk.msg);
	/* Refused without touching it: B still works. */
	pair_works(_metadata, self);
}

TEST_F(bad, restore_family_mismatch)
{
	good_image(_metadata, self);
	close(self->t);
	self->t = socket(AF_INET6, SOCK_STREAM, 0);
	ASSERT_EQ(-EAFNOSUPPORT, tk_restore(&self->tk, self->t, &self->im));
	EXPECT_NE(0, self->tk.msg[0]);
}

TEST_F(bad, wscale_15)
{
	good_image(_metadata, self);
	img_set(&self->im, TCPKIT_A_CONN_SND_WSCALE, 15);
	restore_fails(_metadata, self, -ERANGE, true, "wscale 15");
}

/* connect() would pick a source or refuse: the tuple would not be the image's. */
TEST_F(bad, wildcard_saddr)
{
	good_image(_metadata, self);
	img_set(&self->im, TCPKIT_A_CONN_SADDR, 0);
	restore_fails(_metadata, self, -EADDRNOTAVAIL, false, "saddr 0.0.0.0");
}

TEST_F(bad, multicast_daddr)
{
	good_image(_metadata, self);
	img_set(&self->im, TCPKIT_A_CONN_DADDR, htonl(0xe0000001));
	restore_fails(_metadata, self, -EADDRNOTAVAIL, false, "daddr 224.0.0.1");
}

TEST_F(bad, broadcast_daddr)
{
	good_image(_metadata, self);
	img_set(&self->im, TCPKIT_A_CONN_DADDR, 0xffffffff);
	restore_fails(_metadata, self, -EADDRNOTAVAIL, false,
		      "daddr 255.255.255.255");
}

TEST_F(bad, mss_0)
{
	good_image(_metadata, self);
	img_set(&self->im, TCPKIT_A_CONN_MSS, 0);
	restore_fails(_metadata, self, -ERANGE, true, "mss 0");
}

TEST_F(bad, mss_70000)
{
	good_image(_metadata, self);
	img_set(&self->im, TCPKIT_A_CONN_MSS, 70000);
	restore_fails(_metadata, self, -ERANGE, true, "mss 70000");
}

TEST_F(bad, max_window_below_snd_wnd)
{
	good_image(_metadata, self);
	img_set(&self->im, TCPKIT_A_CONN_MAX_WINDOW,
		img_u32(&self->im, TCPKIT_A_CONN_SND_WND) - 1);
	restore_fails(_metadata, self, -EINVAL, false, "max_window < snd_wnd");
}

TEST_F(bad, snd_wl1_beyond_window)
{
	good_image(_metadata, self);
	img_set(&self->im, TCPKIT_A_CONN_SND_WL1,
		img_u32(&self->im, TCPKIT_A_CONN_RCV_SEQ) +
		img_u32(&self->im, TCPKIT_A_CONN_RCV_WND) + 1);
	restore_fails(_metadata, self, -EINVAL, false, "snd_wl1 > rcv_nxt + rcv_wnd");
}

TEST_F(bad, rcv_wup_beyond_rcv_nxt)
{
	good_image(_metadata, self);
	img_set(&self->im, TCPKIT_A_CONN_RCV_WUP,
		img_u32(&self->im, TCPKIT_A_CONN_RCV_SEQ) + 1);
	restore_fails(_metadata, self, -EINVAL, false, "rcv_wup > rcv_nxt");
}

TEST_F(bad, rcv_qlen_vs_data)
{
	good_image(_metadata, self);
	img_set(&self->im, TCPKIT_A_CONN_RCV_QLEN, 2999);
	restore_fails(_metadata, self, -EINVAL, false, "rcv_qlen != data");
}

TEST_F(bad, snd_qlen_vs_data)
{
	good_image(_metadata, self);
	img_set(&self->im, TCPKIT_A_CONN_SND_QLEN, 10);
	img_set(&self->im, TCPKIT_A_CONN_UNSENT_LEN, 0);
	restore_fails(_metadata, self, -EINVAL, false, "snd_qlen != data");
}

TEST_F(bad, unsent_above_snd_qlen)
{
	good_image(_metadata, self);
	img_set(&self->im, TCPKIT_A_CONN_UNSENT_LEN, 1);
	restore_fails(_metadata, self, -EINVAL, false, "unsent > snd_qlen");
}

TEST_F(bad, zero_length_chunk)
{
	struct nlattr a = { .nla_len = 4, .nla_type = TCPKIT_A_CONN_RCV_DATA };

	good_image(_metadata, self);
	ASSERT_EQ(0, img_add(&self->im, &a));
	restore_fails(_metadata, self, -ERANGE, true, "zero-length chunk");
}

TEST_F(bad, oversized_chunk)
{
	static unsigned char big[4 + TCPKIT_CHUNK_MAX + 4];
	struct nlattr *a = (struct nlattr *)big;

	good_image(_metadata, self);
	a->nla_len = sizeof(big);
	a->nla_type = TCPKIT_A_CONN_RCV_DATA;
	ASSERT_EQ(0, img_add(&self->im, a));
	img_set(&self->im, TCPKIT_A_CONN_RCV_QLEN, 3000 + TCPKIT_CHUNK_MAX + 4);
	restore_fails(_metadata, self, -ERANGE, true, "chunk above TCPKIT_CHUNK_MAX");
}

TEST_F(bad, unknown_attribute)
{
	struct { struct nlattr a; uint32_t v; } x = {
		{ .nla_len = 8, .nla_type = TCPKIT_A_CONN_MAX + 1 }, 0 };

	good_image(_metadata, self);
	ASSERT_EQ(0, img_add(&self->im, &x.a));
	restore_fails(_metadata, self, -EINVAL, true, "unknown attribute");
}

TEST_F(bad, missing_attribute)
{
	good_image(_metadata, self);
	img_del(&self->im, TCPKIT_A_CONN_SND_SEQ);
	restore_fails(_metadata, self, -EINVAL, false, "no snd-seq");
}

/* The states a connection cannot be restored in keep a clear error. */
TEST_F(bad, state_time_wait)
{
	good_image(_metadata, self);
	img_set(&self->im, TCPKIT_A_CONN_STATE, 6);
	restore_fails(_metadata, self, -EOPNOTSUPP, false, "TIME_WAIT image");
}

TEST_F(bad, state_syn_sent)
{
	good_image(_metadata, self);
	img_set(&self->im, TCPKIT_A_CONN_STATE, 2);
	restore_fails(_metadata, self, -EOPNOTSUPP, false, "SYN_SENT image");
}

TEST_F(bad, state_listen)
{
	good_image(_metadata, self);
	img_set(&self->im, TCPKIT_A_CONN_STATE, 10);
	restore_fails(_metadata, self, -EOPNOTSUPP, false, "LISTEN image");
}

/* FIN_WAIT2: the ACK of our FIN covered every byte before it. */
TEST_F(bad, fin_wait2_with_send_queue)
{
	good_image(_metadata, self);
	img_set(&self->im, TCPKIT_A_CONN_STATE, 5);
	img_set(&self->im, TCPKIT_A_CONN_SND_QLEN, 100);
	restore_fails(_metadata, self, -EINVAL, false,
		      "FIN_WAIT2 image with send queue bytes");
}

/* The peer's TSval to echo means nothing without timestamps. */
TEST_F(bad, ts_recent_without_timestamps)
{
	good_image(_metadata, self);
	ASSERT_NE(NULL, img_find(&self->im, TCPKIT_A_CONN_TS_RECENT));
	img_set(&self->im, TCPKIT_A_CONN_TSTAMP_OK, 0);
	img_del(&self->im, TCPKIT_A_CONN_TS_VAL);
	img_del(&self->im, TCPKIT_A_CONN_TS_CLOCK);
	restore_fails(_metadata, self, -EINVAL, false,
		      "ts-recent without tstamp-ok");
}

TEST_F(bad, stop_in_restore)
{
	struct nlattr a = { .nla_len = 4, .nla_type = TCPKIT_A_CONN_STOP };

	good_image(_metadata, self);
	ASSERT_EQ(0, img_add(&self->im, &a));
	restore_fails(_metadata, self, -EINVAL, true, "stop flag in restore");
}

TEST_F(bad, unknown_cc)
{
	struct nlattr *a;

	good_image(_metadata, self);
	a = img_find(&self->im, TCPKIT_A_CONN_CC);
	ASSERT_NE(NULL, a);
	memset(mnl_attr_get_payload(a), 0, mnl_attr_get_payload_len(a));
	memcpy(mnl_attr_get_payload(a), "xyzw", 4);
	restore_fails(_metadata, self, -ENOENT, false, "unknown cc");
}

TEST_F(bad, usec_timestamps)
{
	struct utsname u;
	int ret;

	ASSERT_EQ(0, uname(&u));
	good_image(_metadata, self);
	img_set(&self->im, TCPKIT_A_CONN_TS_CLOCK, TCPKIT_TS_CLOCK_US);
	if (!strncmp(u.release, "6.1.", 4)) {
		restore_fails(_metadata, self, -EOPNOTSUPP, false, "usec ts on 6.1");
		return;
	}
	/* Newer kernels run a usec clock: the image is fine there. */
	ASSERT_EQ(0, kill_silently(self->a));
	self->a = -1;
	ret = tk_restore(&self->tk, self->t, &self->im);
	EXPECT_EQ(0, ret) TH_LOG("%s", self->tk.msg);
}

TEST_F(bad, restore_by_tuple)
{
	unsigned char buf[4096];
	struct sockaddr_storage sa, da;
	struct nlmsghdr *nlh;

	sa_loopback(AF_INET, &sa, 1);
	sa_loopback(AF_INET, &da, 2);
	nlh = tk_msg(&self->tk, buf, TCPKIT_CMD_CONN_RESTORE, NLM_F_ACK);
	tk_put_sock(nlh, TCPKIT_A_CONN_SOCK, -1, &sa, &da);
	EXPECT_EQ(-EINVAL, tk_xfer(&self->tk, nlh, NULL, NULL));
	EXPECT_NE(0, self->tk.msg[0]);
	TH_LOG("\"%s\"", self->tk.msg);
}

TEST_F(bad, fd_and_tuple)
{
	unsigned char buf[4096];
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	nlh = tk_msg(&self->tk, buf, TCPKIT_CMD_CONN_GET, NLM_F_ACK);
	nest = mnl_attr_nest_start(nlh, TCPKIT_A_CONN_SOCK);
	mnl_attr_put_u32(nlh, TCPKIT_A_SOCK_FD, self->a);
	mnl_attr_put_u16(nlh, TCPKIT_A_SOCK_SPORT, 1);
	mnl_attr_nest_end(nlh, nest);
	EXPECT_EQ(-EINVAL, tk_xfer(&self->tk, nlh, NULL, NULL));
	EXPECT_NE(0, self->tk.msg[0]);
	TH_LOG("\"%s\"", self->tk.msg);
}

/* A checkpoint request naming @n sockets: @fds[i % nfds], in order. */
static struct nlmsghdr *ck_socks(FIXTURE_DATA(bad) *self, void *buf,
				 const int *fds, int nfds, int n, bool stop)
{
	struct nlmsghdr *nlh;
	int i;

	nlh = tk_msg(&self->tk, buf, TCPKIT_CMD_CONN_CHECKPOINT, NLM_F_DUMP);
	for (i = 0; i < n; i++)
		tk_put_sock(nlh, TCPKIT_A_CONN_SOCK, fds[i % nfds], NULL, NULL);
	if (stop)
		mnl_attr_put(nlh, TCPKIT_A_CONN_STOP, 0, NULL);
	return nlh;
}

/* More than checkpoint-socks-max socks: refused, nothing checkpointed. */
TEST_F(bad, checkpoint_too_many_socks)
{
	static unsigned char buf[64 << 10];
	struct nlmsghdr *nlh;

	nlh = ck_socks(self, buf, &self->a, 1,
		       TCPKIT_CHECKPOINT_SOCKS_MAX + 1, true);
	EXPECT_EQ(-E2BIG, tk_xfer(&self->tk, nlh, tk_img_cb, &self->im));
	EXPECT_NE(0, self->tk.msg[0]);
	EXPECT_EQ(0U, self->im.msgs);
	TH_LOG("\"%s\"", self->tk.msg);
	pair_works(_metadata, self);
}

/* As many as allowed: one header per sock, in one dump. */
TEST_F(bad, checkpoint_socks_max)
{
	static unsigned char buf[64 << 10];
	struct nlmsghdr *nlh;
	int fds[2] = { self->a, self->b };

	nlh = ck_socks(self, buf, fds, 2, TCPKIT_CHECKPOINT_SOCKS_MAX, false);
	EXPECT_EQ(0, tk_xfer(&self->tk, nlh, tk_img_cb, &self->im))
		TH_LOG("%s", self->tk.msg);
	EXPECT_EQ((unsigned int)TCPKIT_CHECKPOINT_SOCKS_MAX, self->im.msgs);
	pair_works(_metadata, self);
}

/* A bad sock in the middle of a set: its index in the message. */
TEST_F(bad, checkpoint_set_bad_index)
{
	unsigned char buf[4096];
	struct nlmsghdr *nlh;
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	int fds[3] = { self->a, u, self->b };

	nlh = ck_socks(self, buf, fds, 3, 3, true);
	EXPECT_EQ(-EPROTONOSUPPORT, tk_xfer(&self->tk, nlh, tk_img_cb,
					    &self->im));
	EXPECT_EQ(0U, self->im.msgs);
	EXPECT_EQ(0, strncmp(self->tk.msg, "sock 1: ", 8))
		TH_LOG("\"%s\"", self->tk.msg);
	close(u);
	pair_works(_metadata, self);
}

/* The other commands take one sock: a second is refused. */
TEST_F(bad, repeated_sock)
{
	struct sockaddr_storage sa, da;
	unsigned char buf[4096];
	struct nlmsghdr *nlh;
	socklen_t len;
	int ret;

	nlh = tk_msg(&self->tk, buf, TCPKIT_CMD_CONN_GET, NLM_F_ACK);
	tk_put_sock(nlh, TCPKIT_A_CONN_SOCK, self->a, NULL, NULL);
	tk_put_sock(nlh, TCPKIT_A_CONN_SOCK, self->b, NULL, NULL);
	EXPECT_EQ(-EINVAL, tk_xfer(&self->tk, nlh, NULL, NULL));
	EXPECT_NE(NULL, strstr(self->tk.msg, "more than once"))
		TH_LOG("get: \"%s\"", self->tk.msg);

	len = sizeof(sa);
	ASSERT_EQ(0, getsockname(self->a, (void *)&sa, &len));
	len = sizeof(da);
	ASSERT_EQ(0, getpeername(self->a, (void *)&da, &len));
	nlh = tk_msg(&self->tk, buf, TCPKIT_CMD_CONN_THAW, NLM_F_ACK);
	tk_put_sock(nlh, TCPKIT_A_CONN_SOCK, -1, &sa, &da);
	tk_put_sock(nlh, TCPKIT_A_CONN_SOCK, -1, &sa, &da);
	EXPECT_EQ(-EINVAL, tk_xfer(&self->tk, nlh, NULL, NULL));
	EXPECT_NE(NULL, strstr(self->tk.msg, "more than once"))
		TH_LOG("thaw: \"%s\"", self->tk.msg);

	nlh = tk_msg(&self->tk, buf, TCPKIT_CMD_AIMD_GET, NLM_F_ACK);
	tk_put_sock(nlh, TCPKIT_A_AIMD_SOCK, self->a, NULL, NULL);
	tk_put_sock(nlh, TCPKIT_A_AIMD_SOCK, self->a, NULL, NULL);
	ret = tk_xfer(&self->tk, nlh, NULL, NULL);
	EXPECT_EQ(-EINVAL, ret);
	EXPECT_NE(NULL, strstr(self->tk.msg, "more than once"))
		TH_LOG("aimd-get: %d \"%s\"", ret, self->tk.msg);

	/* restore: a good image, the target named twice; left untouched */
	good_image(_metadata, self);
	{
		static unsigned char rbuf[1 << 16];
		struct nlattr *a;
		struct tcp_info ti;

		len = sizeof(ti);
		nlh = tk_msg(&self->tk, rbuf, TCPKIT_CMD_CONN_RESTORE,
			     NLM_F_ACK);
		tk_put_sock(nlh, TCPKIT_A_CONN_SOCK, self->t, NULL, NULL);
		tk_put_sock(nlh, TCPKIT_A_CONN_SOCK, self->t, NULL, NULL);
		img_for_each(a, &self->im) {
			memcpy((char *)nlh + nlh->nlmsg_len, a,
			       MNL_ALIGN(a->nla_len));
			nlh->nlmsg_len += MNL_ALIGN(a->nla_len);
		}
		EXPECT_EQ(-EINVAL, tk_xfer(&self->tk, nlh, NULL, NULL));
		EXPECT_NE(NULL, strstr(self->tk.msg, "more than once"))
			TH_LOG("restore: \"%s\"", self->tk.msg);
		ASSERT_EQ(0, getsockopt(self->t, SOL_TCP, TCP_INFO, &ti, &len));
		EXPECT_EQ(7, ti.tcpi_state);	/* TCP_CLOSE, untouched */
	}
	pair_works(_metadata, self);
}

TEST_HARNESS_MAIN
