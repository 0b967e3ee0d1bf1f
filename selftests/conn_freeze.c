// SPDX-License-Identifier: GPL-2.0
/*
 * conn_freeze: checkpoint with stop, the freeze of the tuple, thaw, lapse.
 *
 *   A (checkpointed with stop) <---- loopback ----> B (peer, keeps going)
 *   C restored from A's image in the same netns, as a takeover would.
 *
 * The peer sends data and even its FIN while the connection is frozen; the
 * restored socket must read everything exactly once, and no RST may leave
 * the netns. Without the freeze (thawed) the kernel does send an RST: that
 * is what the freeze prevents. What the peer sends while frozen is kept
 * and delivered by the restore; a thaw drops it. The freeze's netfilter
 * hooks exist in a netns only while it has a freeze (seen through
 * nfnetlink_hook).
 */

#include "conn_lib.h"
#include "kselftest_harness.h"

#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_hook.h>

#define TMO	20000
#define FREEZE_MS_PARAM	"/sys/module/tcpkit/parameters/freeze_ms"
#define PARK_KB_PARAM	"/sys/module/tcpkit/parameters/park_kb"

FIXTURE(frz) {
	struct tk tk;
	struct img im;
	int a, b, c;
	uint64_t a_sent, b_sent, a_read, b_read;
	long rsts;
	struct sockaddr_storage sa, da;	/* A's tuple */
};

FIXTURE_VARIANT(frz) {
	int family;
};

FIXTURE_VARIANT_ADD(frz, ipv4) {
	.family = AF_INET,
};

FIXTURE_VARIANT_ADD(frz, ipv6) {
	.family = AF_INET6,
};

FIXTURE_SETUP(frz)
{
	socklen_t len = sizeof(self->sa);

	memset(self, 0, sizeof(*self));
	self->a = self->b = self->c = -1;
	TK_SETUP_NETNS(&self->tk, TK_NO_MODULE);
	ASSERT_EQ(0, tcp_pair(variant->family, &self->a, &self->b));
	ASSERT_EQ(0, getsockname(self->a, (void *)&self->sa, &len));
	len = sizeof(self->da);
	ASSERT_EQ(0, getpeername(self->a, (void *)&self->da, &len));
	self->rsts = tcp_mib("OutRsts");
}

FIXTURE_TEARDOWN(frz)
{
	close_fds((int *[]){ &self->c, &self->b, &self->a }, 3);
	img_free(&self->im);
	tk_close(&self->tk);
}

static uint16_t port_of(const struct sockaddr_storage *ss)
{
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

/* Checkpoint A with stop; A's owner sees the connection aborted. */
static void stop_a(struct __test_metadata *_metadata, FIXTURE_DATA(frz) *self)
{
	struct frozen fr;
	char c;

	ASSERT_EQ(0, tk_checkpoint_stop(&self->tk, self->a, &self->im))
		TH_LOG("checkpoint stop: %s", self->tk.msg);
	EXPECT_EQ(-1, recv(self->a, &c, 1, MSG_DONTWAIT));
	EXPECT_EQ(ECONNABORTED, errno);
	ASSERT_EQ(0, tk_frozen(&self->tk, &fr));
	ASSERT_EQ(1U, fr.n);
	EXPECT_EQ(port_of(&self->sa), fr.sport[0]);
	EXPECT_EQ(port_of(&self->da), fr.dport[0]);
}

static void restore_c(struct __test_metadata *_metadata,
		      FIXTURE_DATA(frz) *self, int family)
{
	struct frozen fr;

	self->c = socket(family, SOCK_STREAM, 0);
	ASSERT_LE(0, self->c);
	ASSERT_EQ(0, tk_restore(&self->tk, self->c, &self->im))
		TH_LOG("restore: %s", self->tk.msg);
	/* Restoring the tuple in its netns ended the freeze. */
	ASSERT_EQ(0, tk_frozen(&self->tk, &fr));
	EXPECT_EQ(0U, fr.n);
}

/* The peer sent A (before), B (while frozen); now C (after): read ABC. */
TEST_F(frz, net_lock_abc)
{
	struct frozen fr;

	ASSERT_EQ(20000, stream_write(self->b, 2, &self->b_sent, 20000, false));
	ASSERT_EQ(0, wait_ioctl(self->a, SIOCINQ, 20000, TMO));
	ASSERT_EQ(30000, stream_write(self->a, 1, &self->a_sent, 30000, false));
	stop_a(_metadata, self);
	EXPECT_EQ(20000U, img_u32(&self->im, TCPKIT_A_CONN_RCV_QLEN));

	ASSERT_EQ(10000, stream_write(self->b, 2, &self->b_sent, 10000, false));
	/* B's segments meet the freeze, which keeps them for the restore. */
	ASSERT_EQ(0, wait_frozen(&self->tk, &fr, 1, 1, TMO));
	EXPECT_EQ(0U, fr.dropped[0]);
	EXPECT_LE(1U, fr.parked[0]);

	restore_c(_metadata, self, variant->family);
	ASSERT_EQ(5000, stream_write(self->b, 2, &self->b_sent, 5000, false));
	ASSERT_EQ(0, stream_read(self->c, 2, &self->a_read, 35000, TMO))
		TH_LOG("C at offset %llu", (unsigned long long)self->a_read);
	ASSERT_EQ(0, stream_read(self->b, 1, &self->b_read, 30000, TMO));
	ASSERT_EQ(40000, stream_write(self->c, 1, &self->a_sent, 40000, false));
	ASSERT_EQ(0, stream_read(self->b, 1, &self->b_read, 40000, TMO));
	EXPECT_EQ(self->rsts, tcp_mib("OutRsts"));
}

TEST_F(frz, fin_while_frozen)
{
	struct frozen fr;

	stop_a(_metadata, self);
	ASSERT_EQ(5000, stream_write(self->b, 2, &self->b_sent, 5000, false));
	ASSERT_EQ(0, shutdown(self->b, SHUT_WR));
	/* The data and the FIN went out with these calls; one was kept. */
	ASSERT_EQ(0, wait_frozen(&self->tk, &fr, 1, 1, TMO));
	restore_c(_metadata, self, variant->family);
	ASSERT_EQ(0, stream_read(self->c, 2, &self->a_read, 5000, TMO));
	EXPECT_EQ(-EPIPE, stream_read(self->c, 2, &self->a_read, 1, TMO));
	ASSERT_EQ(7000, stream_write(self->c, 1, &self->a_sent, 7000, false));
	ASSERT_EQ(0, stream_read(self->b, 1, &self->b_read, 7000, TMO));
	ASSERT_EQ(0, shutdown(self->c, SHUT_WR));
	EXPECT_EQ(-EPIPE, stream_read(self->b, 1, &self->b_read, 1, TMO));
	EXPECT_EQ(self->rsts, tcp_mib("OutRsts"));
}

static int nf_hook_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == NFNLA_HOOK_FUNCTION_NAME &&
		    !strncmp(mnl_attr_get_str(a), "tcpkit_", 7))
			++*(int *)data;
	return MNL_CB_OK;
}

/*
 * How many of this module's hooks this netns has at LOCAL_IN and LOCAL_OUT,
 * IPv4 and IPv6 (nfnetlink_hook's dump, as `nft list hooks` shows them),
 * or a negative errno.
 */
static int tcpkit_hooks(void)
{
	static const uint8_t pf[] = { NFPROTO_IPV4, NFPROTO_IPV6 };
	static const uint32_t hooknum[] = { NF_INET_LOCAL_IN, NF_INET_LOCAL_OUT };
	unsigned char buf[MNL_SOCKET_BUFFER_SIZE];
	int i, n = 0, err = 0;
	struct tk t = {};

	t.nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!t.nl)
		return -errno;
	if (mnl_socket_bind(t.nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto out;
	}
	for (i = 0; i < 4 && !err; i++) {
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		struct nfgenmsg *g;

		nlh->nlmsg_type = NFNL_SUBSYS_HOOK << 8 | NFNL_MSG_HOOK_GET;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
		g->nfgen_family = pf[i / 2];
		g->version = NFNETLINK_V0;
		mnl_attr_put_u32(nlh, NFNLA_HOOK_HOOKNUM, htonl(hooknum[i % 2]));
		err = tk_xfer(&t, nlh, nf_hook_cb, &n);
	}
out:
	mnl_socket_close(t.nl);
	return err ?: n;
}

/* Until @want hooks are there, for at most @ms; the last count. */
static int wait_hooks(int want, int ms)
{
	int n;

	while ((n = tcpkit_hooks()) != want && n >= 0 && ms > 0) {
		usleep(10000);
		ms -= 10;
	}
	return n;
}

/*
 * Only a netns with a freeze pays for the hooks: none before the first
 * freeze, all four with it, none again soon after the last one ended.
 */
TEST_F(frz, hooks_only_while_frozen)
{
	int n;

	/* mkinitramfs.sh ships the module wherever the config has it. */
	if (system("modprobe -q nfnetlink_hook 2>/dev/null"))
		SKIP(return, "kernel has no CONFIG_NETFILTER_NETLINK_HOOK");
	EXPECT_EQ(0, tcpkit_hooks());
	stop_a(_metadata, self);
	EXPECT_EQ(4, tcpkit_hooks());
	ASSERT_EQ(0, tk_thaw(&self->tk, &self->sa, &self->da))
		TH_LOG("thaw: %s", self->tk.msg);
	n = wait_hooks(0, 5000);
	EXPECT_EQ(0, n);
	/* And back with the next freeze. */
	close(self->a);
	self->a = -1;
	close(self->b);
	self->b = -1;
	ASSERT_EQ(0, tcp_pair(variant->family, &self->a, &self->b));
	img_free(&self->im);
	ASSERT_EQ(0, tk_checkpoint_stop(&self->tk, self->a, &self->im))
		TH_LOG("checkpoint stop: %s", self->tk.msg);
	EXPECT_EQ(4, tcpkit_hooks());
}

/* Thawed without a restore: the kernel answers with an RST again. */
TEST_F(frz, thaw)
{
	struct frozen fr;
	int err;

	stop_a(_metadata, self);
	ASSERT_EQ(0, tk_thaw(&self->tk, &self->sa, &self->da))
		TH_LOG("thaw: %s", self->tk.msg);
	ASSERT_EQ(0, tk_frozen(&self->tk, &fr));
	EXPECT_EQ(0U, fr.n);
	/* Again: it is not frozen any more. */
	EXPECT_EQ(-ENOENT, tk_thaw(&self->tk, &self->sa, &self->da));
	EXPECT_NE(0, self->tk.msg[0]);
	TH_LOG("second thaw: \"%s\"", self->tk.msg);

	ASSERT_EQ(100, stream_write(self->b, 2, &self->b_sent, 100, false));
	err = stream_read(self->b, 1, &self->b_read, 1, TMO);
	EXPECT_EQ(-ECONNRESET, err);
	EXPECT_LT(self->rsts, tcp_mib("OutRsts"));
}

/*
 * Loopback drops everything leaving from now on: B's retransmissions
 * included, so only the segments the freeze kept can reach A's tuple.
 */
static void lo_silent(struct __test_metadata *_metadata,
		      FIXTURE_DATA(frz) *self, unsigned int met)
{
	struct frozen fr;

	ASSERT_EQ(0, wait_frozen(&self->tk, &fr, 1, met, TMO));
	ASSERT_EQ(0, wait_ioctl(self->b, SIOCOUTQNSD, 0, TMO));
	ASSERT_EQ(0, system("tc qdisc add dev lo root netem loss 100%"));
}

static void lo_back(void)
{
	if (system("tc qdisc del dev lo root 2>/dev/null"))
		return;	/* the test failed before lo_silent(), or after */
}

/* What B sent while frozen is kept and delivered at once by the restore. */
TEST_F(frz, kept_for_restore)
{
	struct frozen fr;

	stop_a(_metadata, self);
	ASSERT_EQ(10000, stream_write(self->b, 2, &self->b_sent, 10000, false));
	lo_silent(_metadata, self, 1);
	ASSERT_EQ(0, tk_frozen(&self->tk, &fr));
	EXPECT_EQ(0U, fr.dropped[0]);
	EXPECT_LE(1U, fr.parked[0]);
	restore_c(_metadata, self, variant->family);
	/* B's own segments cannot get through: these are the kept ones. */
	EXPECT_EQ(0, stream_read(self->c, 2, &self->a_read, 10000, 3000))
		TH_LOG("C at offset %llu", (unsigned long long)self->a_read);
	lo_back();
	ASSERT_EQ(0, stream_read(self->c, 2, &self->a_read,
				 self->b_sent - self->a_read, TMO));
	ASSERT_EQ(30000, stream_write(self->c, 1, &self->a_sent, 30000, false));
	ASSERT_EQ(0, stream_read(self->b, 1, &self->b_read, 30000, TMO));
	ASSERT_EQ(5000, stream_write(self->b, 2, &self->b_sent, 5000, false));
	ASSERT_EQ(0, stream_read(self->c, 2, &self->a_read, 5000, TMO));
	EXPECT_EQ(self->rsts, tcp_mib("OutRsts"));
}

/* A thaw drops what was kept: no socket owns the tuple, no RST for them. */
TEST_F(frz, thaw_drops_kept)
{
	struct frozen fr;

	stop_a(_metadata, self);
	ASSERT_EQ(5000, stream_write(self->b, 2, &self->b_sent, 5000, false));
	lo_silent(_metadata, self, 1);
	ASSERT_EQ(0, tk_thaw(&self->tk, &self->sa, &self->da))
		TH_LOG("thaw: %s", self->tk.msg);
	ASSERT_EQ(0, tk_frozen(&self->tk, &fr));
	EXPECT_EQ(0U, fr.n);
	usleep(200000);
	EXPECT_EQ(self->rsts, tcp_mib("OutRsts"));
	lo_back();
}

/* park_kb=0 keeps nothing: the freeze drops, B's retransmissions repair. */
TEST_F(frz, park_off)
{
	long old = read_long(PARK_KB_PARAM);
	struct frozen fr;
	char was[24];

	ASSERT_LE(0, old);
	ASSERT_EQ(0, write_str(PARK_KB_PARAM, "0"));
	stop_a(_metadata, self);
	ASSERT_EQ(5000, stream_write(self->b, 2, &self->b_sent, 5000, false));
	EXPECT_EQ(0, wait_frozen(&self->tk, &fr, 1, 1, TMO));
	EXPECT_EQ(0U, fr.parked[0]);
	EXPECT_LE(1U, fr.dropped[0]);
	restore_c(_metadata, self, variant->family);
	EXPECT_EQ(0, stream_read(self->c, 2, &self->a_read, 5000, TMO));
	EXPECT_EQ(self->rsts, tcp_mib("OutRsts"));
	/* Its range: 0 to 65536 KiB. */
	EXPECT_NE(0, write_str(PARK_KB_PARAM, "65537"));
	EXPECT_EQ(0, read_long(PARK_KB_PARAM));
	snprintf(was, sizeof(was), "%ld", old);
	ASSERT_EQ(0, write_str(PARK_KB_PARAM, was));
	EXPECT_EQ(old, read_long(PARK_KB_PARAM));
}

TEST_F(frz, thaw_unknown)
{
	struct sockaddr_storage sa, da;

	sa_loopback(variant->family, &sa, 1);
	sa_loopback(variant->family, &da, 2);
	EXPECT_EQ(-ENOENT, tk_thaw(&self->tk, &sa, &da));
	EXPECT_NE(0, self->tk.msg[0]);
	TH_LOG("\"%s\"", self->tk.msg);
}

static int read_param(void)
{
	FILE *f = fopen(FREEZE_MS_PARAM, "r");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int write_param(int v)
{
	FILE *f = fopen(FREEZE_MS_PARAM, "w");
	int err;

	if (!f)
		return -errno;
	err = fprintf(f, "%d\n", v) < 0;
	err |= fclose(f) != 0;
	return err ? -EIO : 0;
}

TEST_F(frz, lapse)
{
	int old = read_param();
	struct frozen fr;

	ASSERT_LT(0, old);
	ASSERT_EQ(0, write_param(600));
	stop_a(_metadata, self);
	ASSERT_EQ(0, write_param(old));
	ASSERT_EQ(0, tk_frozen(&self->tk, &fr));
	ASSERT_EQ(1U, fr.n);
	EXPECT_GE(600U, fr.expires_ms[0]);
	/* The gc ends it when it lapses, well within the deadline. */
	EXPECT_EQ(0, wait_frozen(&self->tk, &fr, 0, 0, 5000));
	/* Lapsed: the kernel resets the peer's next segment. */
	ASSERT_EQ(100, stream_write(self->b, 2, &self->b_sent, 100, false));
	EXPECT_EQ(-ECONNRESET, stream_read(self->b, 1, &self->b_read, 1, TMO));
}

TEST_F(frz, bad_lifetime)
{
	int old = read_param();

	ASSERT_LT(0, old);
	EXPECT_NE(0, write_param(10));
	EXPECT_NE(0, write_param(3600001));
	EXPECT_EQ(old, read_param());
}

/* A stop the caller may not make changes nothing. */
TEST_F(frz, stop_refused)
{
	struct frozen fr;
	uint64_t r = 0;

	ASSERT_EQ(0, drop_net_admin());
	EXPECT_EQ(-EPERM, tk_checkpoint_stop(&self->tk, self->a, &self->im));
	ASSERT_EQ(1000, stream_write(self->a, 1, &self->a_sent, 1000, false));
	ASSERT_EQ(0, stream_read(self->b, 1, &r, 1000, TMO));
	EXPECT_EQ(-EPERM, tk_frozen(&self->tk, &fr));
}

/*
 * Two netns with the very same loopback tuple: freezing it in one leaves
 * the other alone.
 */
TEST_F(frz, other_netns)
{
	uint64_t w = 0, r = 0;
	int ns1, a2, b2, a1, b1;
	struct frozen fr;
	struct tk tk2;

	close(self->a);
	close(self->b);
	self->a = self->b = -1;
	ASSERT_EQ(0, tcp_pair_ports(variant->family, &a1, &b1, 40001, 40002));
	ns1 = open("/proc/self/ns/net", O_RDONLY);
	ASSERT_LE(0, ns1);
	ASSERT_EQ(0, netns_private());
	ASSERT_EQ(0, tk_open(&tk2));
	ASSERT_EQ(0, tcp_pair_ports(variant->family, &a2, &b2, 40001, 40002));
	ASSERT_EQ(0, setns(ns1, CLONE_NEWNET));

	ASSERT_EQ(0, tk_checkpoint_stop(&self->tk, a1, &self->im))
		TH_LOG("%s", self->tk.msg);
	ASSERT_EQ(0, tk_frozen(&self->tk, &fr));
	EXPECT_EQ(1U, fr.n);
	ASSERT_EQ(0, tk_frozen(&tk2, &fr));
	EXPECT_EQ(0U, fr.n);

	ASSERT_EQ(20000, stream_write(b2, 2, &w, 20000, false));
	ASSERT_EQ(0, stream_read(a2, 2, &r, 20000, TMO));
	w = r = 0;
	ASSERT_EQ(20000, stream_write(a2, 1, &w, 20000, false));
	ASSERT_EQ(0, stream_read(b2, 1, &r, 20000, TMO));

	tk_close(&tk2);
	close(a1);
	close(b1);
	close(a2);
	close(b2);
	close(ns1);
}

TEST_HARNESS_MAIN
