// SPDX-License-Identifier: GPL-2.0
/*
 * conn_aimd: the AIMD_GET/AIMD_SET commands of the tcpkit family, global
 * and per socket, their permission rules, and per-connection aimd
 * parameters travelling through a checkpoint and restore.
 */
#include "conn_lib.h"
#include "kselftest_harness.h"

#define TMO	20000

struct aimd {
	uint32_t alpha, beta, beta_ecn, cwnd;
	bool override, has_cwnd;
};

static int aimd_cb(const struct nlmsghdr *nlh, void *data)
{
	struct aimd *p = data;
	struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case TCPKIT_A_AIMD_ALPHA:
			p->alpha = mnl_attr_get_u32(a);
			break;
		case TCPKIT_A_AIMD_BETA:
			p->beta = mnl_attr_get_u32(a);
			break;
		case TCPKIT_A_AIMD_BETA_ECN:
			p->beta_ecn = mnl_attr_get_u32(a);
			break;
		case TCPKIT_A_AIMD_CWND:
			p->cwnd = mnl_attr_get_u32(a);
			p->has_cwnd = true;
			break;
		case TCPKIT_A_AIMD_OVERRIDE:
			p->override = true;
			break;
		}
	}
	return MNL_CB_OK;
}

static int aimd_get(struct tk *t, int fd, struct aimd *p)
{
	unsigned char buf[1024];
	struct nlmsghdr *nlh;

	memset(p, 0, sizeof(*p));
	nlh = tk_msg(t, buf, TCPKIT_CMD_AIMD_GET, NLM_F_ACK);
	if (fd >= 0)
		tk_put_sock(nlh, TCPKIT_A_AIMD_SOCK, fd, NULL, NULL);
	return tk_xfer(t, nlh, aimd_cb, p);
}

FIXTURE(aimd) {
	struct tk tk;
	struct aimd saved;
	int a, b, c;
};

FIXTURE_SETUP(aimd)
{
	self->a = self->b = self->c = -1;
	TK_SETUP_NETNS(&self->tk, TK_NO_MODULE);
	ASSERT_EQ(0, aimd_get(&self->tk, -1, &self->saved));
	ASSERT_EQ(0, tcp_pair(AF_INET, &self->a, &self->b));
}

FIXTURE_TEARDOWN(aimd)
{
	/* The global values are global: put them back. */
	if (self->tk.nl)
		tk_aimd_set(&self->tk, -1, self->saved.alpha, self->saved.beta,
			 self->saved.beta_ecn);
	close_fds((int *[]){ &self->c, &self->b, &self->a }, 3);
	tk_close(&self->tk);
}

TEST_F(aimd, global)
{
	struct aimd p;

	EXPECT_LE(TCPKIT_AIMD_ALPHA_MIN, self->saved.alpha);
	EXPECT_LE(TCPKIT_AIMD_BETA_MIN, self->saved.beta);
	EXPECT_FALSE(self->saved.has_cwnd);

	ASSERT_EQ(0, tk_aimd_set(&self->tk, -1, 2500, 600, 800)) TH_LOG("%s", self->tk.msg);
	ASSERT_EQ(0, aimd_get(&self->tk, -1, &p));
	EXPECT_EQ(2500U, p.alpha);
	EXPECT_EQ(600U, p.beta);
	EXPECT_EQ(800U, p.beta_ecn);

	/* Partial update: the others keep their values. */
	ASSERT_EQ(0, tk_aimd_set(&self->tk, -1, UINT32_MAX, 700, UINT32_MAX));
	ASSERT_EQ(0, aimd_get(&self->tk, -1, &p));
	EXPECT_EQ(2500U, p.alpha);
	EXPECT_EQ(700U, p.beta);
	EXPECT_EQ(800U, p.beta_ecn);
}

TEST_F(aimd, bad_values)
{
	struct aimd p;

	EXPECT_EQ(-ERANGE, tk_aimd_set(&self->tk, -1, TCPKIT_AIMD_ALPHA_MIN - 1,
				    UINT32_MAX, UINT32_MAX));
	EXPECT_NE(0, self->tk.msg[0]);
	EXPECT_EQ(-ERANGE, tk_aimd_set(&self->tk, -1, UINT32_MAX,
				    TCPKIT_AIMD_BETA_MAX + 1, UINT32_MAX));
	EXPECT_EQ(-EINVAL, tk_aimd_set(&self->tk, -1, UINT32_MAX, 500, 50));
	EXPECT_NE(0, self->tk.msg[0]);
	TH_LOG("beta_ecn 50: \"%s\"", self->tk.msg);
	EXPECT_EQ(-EINVAL, tk_aimd_set(&self->tk, -1, UINT32_MAX, UINT32_MAX,
				    UINT32_MAX));
	EXPECT_NE(0, self->tk.msg[0]);
	TH_LOG("nothing to set: \"%s\"", self->tk.msg);
	/* Nothing changed. */
	ASSERT_EQ(0, aimd_get(&self->tk, -1, &p));
	EXPECT_EQ(self->saved.alpha, p.alpha);
	EXPECT_EQ(self->saved.beta, p.beta);
	EXPECT_EQ(self->saved.beta_ecn, p.beta_ecn);
}

TEST_F(aimd, socket)
{
	struct aimd p;

	/* Not aimd yet: a clear refusal. */
	EXPECT_EQ(-ENOENT, aimd_get(&self->tk, self->a, &p));
	EXPECT_NE(0, self->tk.msg[0]);
	TH_LOG("\"%s\"", self->tk.msg);

	ASSERT_EQ(0, setsockopt(self->a, SOL_TCP, TCP_CONGESTION, "aimd", 4));
	ASSERT_EQ(0, aimd_get(&self->tk, self->a, &p));
	EXPECT_FALSE(p.override);
	EXPECT_TRUE(p.has_cwnd);
	EXPECT_EQ(self->saved.alpha, p.alpha);

	ASSERT_EQ(0, tk_aimd_set(&self->tk, self->a, 3000, 700, UINT32_MAX))
		TH_LOG("%s", self->tk.msg);
	ASSERT_EQ(0, aimd_get(&self->tk, self->a, &p));
	EXPECT_TRUE(p.override);
	EXPECT_EQ(3000U, p.alpha);
	EXPECT_EQ(700U, p.beta);
	EXPECT_EQ(self->saved.beta_ecn, p.beta_ecn);
	/* The global values did not move. */
	ASSERT_EQ(0, aimd_get(&self->tk, -1, &p));
	EXPECT_EQ(self->saved.alpha, p.alpha);
}

TEST_F(aimd, carried_by_checkpoint)
{
	uint64_t aw = 0, br = 0, bw = 0, ar = 0;
	struct img im = {};
	struct nlattr *n;
	struct aimd p;

	ASSERT_EQ(0, setsockopt(self->a, SOL_TCP, TCP_CONGESTION, "aimd", 4));
	ASSERT_EQ(0, tk_aimd_set(&self->tk, self->a, 4000, 800, 900));
	ASSERT_EQ(0, tk_checkpoint(&self->tk, self->a, NULL, NULL, false, &im))
		TH_LOG("%s", self->tk.msg);
	n = img_find(&im, TCPKIT_A_CONN_AIMD);
	ASSERT_NE(NULL, n);
	EXPECT_STREQ("aimd", mnl_attr_get_str(img_find(&im, TCPKIT_A_CONN_CC)));

	ASSERT_EQ(0, kill_silently(self->a));
	self->a = -1;
	self->c = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_EQ(0, tk_restore(&self->tk, self->c, &im)) TH_LOG("%s", self->tk.msg);
	ASSERT_EQ(0, aimd_get(&self->tk, self->c, &p)) TH_LOG("%s", self->tk.msg);
	EXPECT_TRUE(p.override);
	EXPECT_EQ(4000U, p.alpha);
	EXPECT_EQ(800U, p.beta);
	EXPECT_EQ(900U, p.beta_ecn);

	ASSERT_EQ(200000, stream_write(self->c, 1, &aw, 200000, false));
	ASSERT_EQ(0, stream_read(self->b, 1, &br, 200000, TMO));
	ASSERT_EQ(1000, stream_write(self->b, 2, &bw, 1000, false));
	ASSERT_EQ(0, stream_read(self->c, 2, &ar, 1000, TMO));
	img_free(&im);
}

/*
 * Inside a user namespace of its own, a process administers only its own
 * netns: socket commands work (checkpoint and restore end to end), the
 * global knob does not.
 */
TEST(userns)
{
	uint64_t aw = 0, br = 0;
	struct img im = {};
	struct tk tk;
	int a, b, c;

	ASSERT_EQ(0, unshare(CLONE_NEWUSER));
	TK_SETUP_NETNS(&tk, "tcpkit family not available");
	ASSERT_EQ(0, tcp_pair(AF_INET6, &a, &b));

	EXPECT_EQ(-EPERM, tk_aimd_set(&tk, -1, 1000, 500, 0));
	EXPECT_NE(0, tk.msg[0]);
	TH_LOG("global set: \"%s\"", tk.msg);

	ASSERT_EQ(5000, stream_write(a, 1, &aw, 5000, false));
	ASSERT_EQ(0, tk_checkpoint(&tk, a, NULL, NULL, false, &im))
		TH_LOG("%s", tk.msg);
	ASSERT_EQ(0, kill_silently(a));
	c = socket(AF_INET6, SOCK_STREAM, 0);
	ASSERT_EQ(0, tk_restore(&tk, c, &im)) TH_LOG("%s", tk.msg);
	ASSERT_EQ(0, stream_read(b, 1, &br, 5000, TMO));
	ASSERT_EQ(5000, stream_write(c, 1, &aw, 5000, false));
	ASSERT_EQ(0, stream_read(b, 1, &br, 5000, TMO));
	img_free(&im);
	close(c);
	close(b);
	tk_close(&tk);
}

TEST_HARNESS_MAIN
