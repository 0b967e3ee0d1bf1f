/* SPDX-License-Identifier: GPL-2.0 */
/*
 * conn_lib.h: what the conn_* selftests share. They talk to the tcpkit
 * family with libmnl directly (not through libtcpkit), so that they test
 * the kernel side alone: an "image" here is just the raw attributes of a
 * checkpoint dump, concatenated.
 *
 * Also: a private netns with lo up, loopback TCP pairs, streams of known
 * bytes (byte i of stream s depends on (s, i) only) and TCP MIB counters.
 */
#ifndef CONN_LIB_H
#define CONN_LIB_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/tcpkit.h>

#include "sock_lib.h"

#ifndef SOL_TCP
#define SOL_TCP 6
#endif
#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

/* TCP states as the image carries them (include/net/tcp_states.h). */
#define TK_ESTABLISHED	1U
#define TK_FIN_WAIT1	4U
#define TK_FIN_WAIT2	5U
#define TK_CLOSE	7U
#define TK_CLOSE_WAIT	8U
#define TK_LAST_ACK	9U
#define TK_CLOSING	11U

/* ---- netlink ---------------------------------------------------------- */

struct tk {
	struct mnl_socket *nl;
	uint16_t family;
	uint32_t seq;
	char msg[256];		/* extack text of the last error */
	/*
	 * Send with write(2), as a program printing to a stdout that is a
	 * netlink socket would: without a destination address the kernel
	 * also checks the rights of the socket's opener.
	 */
	bool plain_write;
	bool reply_lost;	/* the last restore's ACK was lost */
};

struct img {
	unsigned char *buf;	/* concatenated attributes, NLA_ALIGNed */
	size_t len, cap;
	unsigned int msgs;	/* messages the dump returned */
	uint32_t hold;		/* hold id of a stop (not part of the image) */
};

static inline void img_free(struct img *im)
{
	free(im->buf);
	memset(im, 0, sizeof(*im));
}

static inline int img_add(struct img *im, const struct nlattr *a)
{
	size_t n = MNL_ALIGN(a->nla_len);

	if (im->len + n > im->cap) {
		size_t cap = im->cap ? im->cap * 2 : 65536;
		unsigned char *p;

		while (cap < im->len + n)
			cap *= 2;
		p = realloc(im->buf, cap);
		if (!p)
			return -ENOMEM;
		im->buf = p;
		im->cap = cap;
	}
	memcpy(im->buf + im->len, a, a->nla_len);
	memset(im->buf + im->len + a->nla_len, 0, n - a->nla_len);
	im->len += n;
	return 0;
}

#define img_for_each(a, im)						\
	for ((a) = (struct nlattr *)(im)->buf;				\
	     (unsigned char *)(a) < (im)->buf + (im)->len;		\
	     (a) = (struct nlattr *)((unsigned char *)(a) + MNL_ALIGN((a)->nla_len)))

static inline struct nlattr *img_find(const struct img *im, int type)
{
	struct nlattr *a;

	img_for_each(a, im)
		if (mnl_attr_get_type(a) == type)
			return a;
	return NULL;
}

static inline uint32_t img_u32(const struct img *im, int type)
{
	struct nlattr *a = img_find(im, type);

	if (!a)
		return UINT32_MAX;
	switch (mnl_attr_get_payload_len(a)) {
	case 1:
		return mnl_attr_get_u8(a);
	case 2:
		return mnl_attr_get_u16(a);
	default:
		return mnl_attr_get_u32(a);
	}
}

/* Overwrite a scalar attribute in place (its size stays). */
static inline int img_set(struct img *im, int type, uint32_t v)
{
	struct nlattr *a = img_find(im, type);

	if (!a)
		return -ENOENT;
	switch (mnl_attr_get_payload_len(a)) {
	case 1:
		*(uint8_t *)mnl_attr_get_payload(a) = v;
		break;
	case 2:
		*(uint16_t *)mnl_attr_get_payload(a) = v;
		break;
	default:
		*(uint32_t *)mnl_attr_get_payload(a) = v;
		break;
	}
	return 0;
}

/* Remove every attribute of @type. */
static inline void img_del(struct img *im, int type)
{
	unsigned char *p = im->buf;

	while (p < im->buf + im->len) {
		struct nlattr *a = (struct nlattr *)p;
		size_t n = MNL_ALIGN(a->nla_len);

		if (mnl_attr_get_type(a) == type) {
			memmove(p, p + n, im->buf + im->len - p - n);
			im->len -= n;
		} else {
			p += n;
		}
	}
}

static inline uint64_t img_data_len(const struct img *im, int type)
{
	struct nlattr *a;
	uint64_t n = 0;

	img_for_each(a, im)
		if (mnl_attr_get_type(a) == type)
			n += mnl_attr_get_payload_len(a);
	return n;
}

static inline int tk_ctrl_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID)
			*(uint16_t *)data = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

/* Extack text from the TLVs after an NLMSG_ERROR or NLMSG_DONE payload. */
static inline void tk_extack(struct tk *t, const struct nlmsghdr *nlh,
			     size_t off)
{
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	mnl_attr_for_each(a, nlh, off)
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG)
			snprintf(t->msg, sizeof(t->msg), "%s",
				 mnl_attr_get_str(a));
}

/* Send @nlh as the next request; tk_reply() reads what it gets back. */
static inline int tk_send(struct tk *t, struct nlmsghdr *nlh)
{
	t->msg[0] = 0;
	nlh->nlmsg_seq = ++t->seq;
	if (t->plain_write ?
	    write(mnl_socket_get_fd(t->nl), nlh, nlh->nlmsg_len) < 0 :
	    mnl_socket_sendto(t->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return 0;
}

/*
 * Read the last request's replies until its ACK, error or NLMSG_DONE;
 * @cb sees every other message. Returns 0 or the negative errno the
 * kernel reported (text in t->msg).
 */
static inline int tk_reply(struct tk *t,
			   int (*cb)(const struct nlmsghdr *, void *),
			   void *data)
{
	/* Per thread: module_cycles runs requests from several. */
	static __thread unsigned char buf[1 << 17];

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(t->nl, buf, sizeof(buf));
		struct nlmsghdr *h = (struct nlmsghdr *)buf;
		int len = n;

		if (n < 0)
			return -errno;
		for (; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
			if (h->nlmsg_seq != t->seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = mnl_nlmsg_get_payload(h);

				tk_extack(t, h, sizeof(*e));
				return e->error;
			}
			if (h->nlmsg_type == NLMSG_DONE) {
				int err = *(int *)mnl_nlmsg_get_payload(h);

				tk_extack(t, h, sizeof(int));
				return err;
			}
			if (cb && cb(h, data) < 0)
				return -EPROTO;
		}
	}
}

/* tk_send(), then tk_reply(). */
static inline int tk_xfer(struct tk *t, struct nlmsghdr *nlh,
			  int (*cb)(const struct nlmsghdr *, void *), void *data)
{
	int err = tk_send(t, nlh);

	return err ? err : tk_reply(t, cb, data);
}

static inline struct nlmsghdr *tk_msg(struct tk *t, void *buf, uint8_t cmd,
				      uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = t->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = TCPKIT_FAMILY_VERSION;
	return nlh;
}

/*
 * Use the generic netlink socket @nl (opened by whoever: see
 * conn_isolation) for the tcpkit family: options, then the family id.
 */
static inline int tk_attach(struct tk *t, struct mnl_socket *nl)
{
	unsigned char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int one = 1, sz = 64 << 20;
	struct genlmsghdr *g;
	int fd;

	memset(t, 0, sizeof(*t));
	t->nl = nl;
	fd = mnl_socket_get_fd(t->nl);
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	/* A restore request carries the queues in one message. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, TCPKIT_FAMILY_NAME);
	return tk_xfer(t, nlh, tk_ctrl_cb, &t->family) ?: (t->family ? 0 : -ENOENT);
}

static inline int tk_open(struct tk *t)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_GENERIC);

	memset(t, 0, sizeof(*t));
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		mnl_socket_close(nl);
		return err;
	}
	return tk_attach(t, nl);
}

static inline void tk_close(struct tk *t)
{
	if (t->nl)
		mnl_socket_close(t->nl);
	t->nl = NULL;
}

/* A sock nest naming @fd (fd >= 0) or, with fd < 0, the tuple of @sa/@da. */
static inline void tk_put_sock(struct nlmsghdr *nlh, int type, int fd,
			       const struct sockaddr_storage *sa,
			       const struct sockaddr_storage *da)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);

	if (fd >= 0) {
		mnl_attr_put_u32(nlh, TCPKIT_A_SOCK_FD, fd);
	} else if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)sa, *d = (const void *)da;

		mnl_attr_put_u16(nlh, TCPKIT_A_SOCK_FAMILY, AF_INET);
		mnl_attr_put(nlh, TCPKIT_A_SOCK_SADDR, 4, &s->sin_addr);
		mnl_attr_put(nlh, TCPKIT_A_SOCK_DADDR, 4, &d->sin_addr);
		mnl_attr_put_u16(nlh, TCPKIT_A_SOCK_SPORT, ntohs(s->sin_port));
		mnl_attr_put_u16(nlh, TCPKIT_A_SOCK_DPORT, ntohs(d->sin_port));
	} else {
		const struct sockaddr_in6 *s = (const void *)sa, *d = (const void *)da;

		mnl_attr_put_u16(nlh, TCPKIT_A_SOCK_FAMILY, AF_INET6);
		mnl_attr_put(nlh, TCPKIT_A_SOCK_SADDR, 16, &s->sin6_addr);
		mnl_attr_put(nlh, TCPKIT_A_SOCK_DADDR, 16, &d->sin6_addr);
		mnl_attr_put_u16(nlh, TCPKIT_A_SOCK_SPORT, ntohs(s->sin6_port));
		mnl_attr_put_u16(nlh, TCPKIT_A_SOCK_DPORT, ntohs(d->sin6_port));
		if (s->sin6_scope_id)
			mnl_attr_put_u32(nlh, TCPKIT_A_SOCK_IFINDEX, s->sin6_scope_id);
	}
	mnl_attr_nest_end(nlh, nest);
}

static inline int tk_img_cb(const struct nlmsghdr *nlh, void *data)
{
	struct img *im = data;
	struct nlattr *a;

	im->msgs++;
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == TCPKIT_A_CONN_HOLD) {
			im->hold = mnl_attr_get_u32(a);
			continue;
		}
		if (img_add(im, a))
			return -1;
	}
	return MNL_CB_OK;
}

/* AIMD_SET, global (fd < 0) or on @fd: the values that are not UINT32_MAX. */
static inline int tk_aimd_set(struct tk *t, int fd, uint32_t alpha,
			      uint32_t beta, uint32_t beta_ecn)
{
	unsigned char buf[1024];
	struct nlmsghdr *nlh;

	nlh = tk_msg(t, buf, TCPKIT_CMD_AIMD_SET, NLM_F_ACK);
	if (fd >= 0)
		tk_put_sock(nlh, TCPKIT_A_AIMD_SOCK, fd, NULL, NULL);
	if (alpha != UINT32_MAX)
		mnl_attr_put_u32(nlh, TCPKIT_A_AIMD_ALPHA, alpha);
	if (beta != UINT32_MAX)
		mnl_attr_put_u32(nlh, TCPKIT_A_AIMD_BETA, beta);
	if (beta_ecn != UINT32_MAX)
		mnl_attr_put_u32(nlh, TCPKIT_A_AIMD_BETA_ECN, beta_ecn);
	return tk_xfer(t, nlh, NULL, NULL);
}

/* CONN_CHECKPOINT (dump) or, with @header_only, CONN_GET, into @im. */
static inline int tk_checkpoint(struct tk *t, int fd,
				const struct sockaddr_storage *sa,
				const struct sockaddr_storage *da,
				bool header_only, struct img *im)
{
	unsigned char buf[1024];
	struct nlmsghdr *nlh;

	img_free(im);
	nlh = tk_msg(t, buf, header_only ? TCPKIT_CMD_CONN_GET :
					    TCPKIT_CMD_CONN_CHECKPOINT,
		     header_only ? NLM_F_ACK : NLM_F_DUMP);
	tk_put_sock(nlh, TCPKIT_A_CONN_SOCK, fd, sa, da);
	return tk_xfer(t, nlh, tk_img_cb, im);
}

/*
 * CONN_CHECKPOINT with stop: the original is held (parked, its tuple
 * frozen) and im->hold names the hold.
 */
static inline int tk_checkpoint_hold(struct tk *t, int fd, struct img *im)
{
	unsigned char buf[1024];
	struct nlmsghdr *nlh;

	img_free(im);
	nlh = tk_msg(t, buf, TCPKIT_CMD_CONN_CHECKPOINT, NLM_F_DUMP);
	tk_put_sock(nlh, TCPKIT_A_CONN_SOCK, fd, NULL, NULL);
	mnl_attr_put(nlh, TCPKIT_A_CONN_STOP, 0, NULL);
	return tk_xfer(t, nlh, tk_img_cb, im);
}

/* CONN_COMMIT (@commit) or CONN_ABORT of hold @id. */
static inline int tk_hold_end(struct tk *t, uint32_t id, bool commit)
{
	unsigned char buf[256];
	struct nlmsghdr *nlh;

	nlh = tk_msg(t, buf, commit ? TCPKIT_CMD_CONN_COMMIT :
				      TCPKIT_CMD_CONN_ABORT, NLM_F_ACK);
	mnl_attr_put_u32(nlh, TCPKIT_A_CONN_HOLD, id);
	return tk_xfer(t, nlh, NULL, NULL);
}

/* Checkpoint with stop, then commit: the original is silenced for good. */
static inline int tk_checkpoint_stop(struct tk *t, int fd, struct img *im)
{
	int err = tk_checkpoint_hold(t, fd, im);

	if (err)
		return err;
	if (!im->hold)
		return -EPROTO;
	err = tk_hold_end(t, im->hold, true);
	if (!err)
		im->hold = 0;
	return err;
}

static inline int tk_thaw(struct tk *t, const struct sockaddr_storage *sa,
			  const struct sockaddr_storage *da)
{
	unsigned char buf[1024];
	struct nlmsghdr *nlh;

	nlh = tk_msg(t, buf, TCPKIT_CMD_CONN_THAW, NLM_F_ACK);
	tk_put_sock(nlh, TCPKIT_A_CONN_SOCK, -1, sa, da);
	return tk_xfer(t, nlh, NULL, NULL);
}

struct frozen {
	unsigned int n;
	uint16_t sport[16], dport[16];
	uint32_t expires_ms[16];
	uint64_t dropped[16];
	uint32_t parked[16];
};

static inline int tk_frozen_cb(const struct nlmsghdr *nlh, void *data)
{
	struct frozen *fr = data;
	struct nlattr *a;
	unsigned int i = fr->n;

	if (i >= 16) {
		fr->n++;	/* counted, the first 16 kept */
		return MNL_CB_OK;
	}
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case TCPKIT_A_FROZEN_SPORT:
			fr->sport[i] = mnl_attr_get_u16(a);
			break;
		case TCPKIT_A_FROZEN_DPORT:
			fr->dport[i] = mnl_attr_get_u16(a);
			break;
		case TCPKIT_A_FROZEN_EXPIRES_MS:
			fr->expires_ms[i] = mnl_attr_get_u32(a);
			break;
		case TCPKIT_A_FROZEN_DROPPED:
			fr->dropped[i] = mnl_attr_get_u64(a);
			break;
		case TCPKIT_A_FROZEN_PARKED:
			fr->parked[i] = mnl_attr_get_u32(a);
			break;
		}
	}
	fr->n++;
	return MNL_CB_OK;
}

static inline int tk_frozen(struct tk *t, struct frozen *fr)
{
	unsigned char buf[256];
	struct nlmsghdr *nlh;

	memset(fr, 0, sizeof(*fr));
	nlh = tk_msg(t, buf, TCPKIT_CMD_FROZEN_GET, NLM_F_DUMP);
	return tk_xfer(t, nlh, tk_frozen_cb, fr);
}

/*
 * Wait, for at most @ms, until @n tuples are frozen and (with @n = 1) at
 * least @met segments met the frozen tuple (kept or dropped); @fr has the
 * last answer.
 */
static inline int wait_frozen(struct tk *t, struct frozen *fr, unsigned int n,
			      uint64_t met, int ms)
{
	int err;

	for (; ms > 0; ms -= 10) {
		err = tk_frozen(t, fr);
		if (err)
			return err;
		if (fr->n == n &&
		    (!n || fr->dropped[0] + fr->parked[0] >= met))
			return 0;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

/*
 * CONN_RESTORE of @im into @fd. A lost ACK (ENOBUFS from the receive) is
 * judged by @fd's state, as libtcpkit does: a failed restore leaves the
 * target closed; t->reply_lost says it happened.
 */
static inline int tk_restore(struct tk *t, int fd, const struct img *im)
{
	unsigned char *buf = malloc(im->len + 4096);
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	struct nlmsghdr *nlh;
	int err;

	if (!buf)
		return -ENOMEM;
	nlh = tk_msg(t, buf, TCPKIT_CMD_CONN_RESTORE, NLM_F_ACK);
	tk_put_sock(nlh, TCPKIT_A_CONN_SOCK, fd, NULL, NULL);
	memcpy((unsigned char *)nlh + nlh->nlmsg_len, im->buf, im->len);
	nlh->nlmsg_len += im->len;
	err = tk_xfer(t, nlh, NULL, NULL);
	free(buf);
	t->reply_lost = err == -ENOBUFS && !t->msg[0] &&
			!getsockopt(fd, SOL_TCP, TCP_INFO, &ti, &len) &&
			ti.tcpi_state != 7;
	return t->reply_lost ? 0 : err;
}

/* ---- netns, sockets, streams ---------------------------------------- */

static inline socklen_t sa_loopback(int family, struct sockaddr_storage *ss,
				    uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *s = (void *)ss;

		s->sin_family = AF_INET;
		s->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		s->sin_port = htons(port);
		return sizeof(*s);
	}
	((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
	((struct sockaddr_in6 *)ss)->sin6_addr = in6addr_loopback;
	((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
	return sizeof(struct sockaddr_in6);
}

/*
 * A connected pair over loopback: *srv accepted, *cli connected; the
 * server on @sport and the client on @cport (0: any).
 */
static inline int tcp_pair_ports(int family, int *srv, int *cli,
				 uint16_t sport, uint16_t cport)
{
	struct sockaddr_storage ss, cs;
	socklen_t len = sa_loopback(family, &ss, sport);
	int l, one = 1;

	l = socket(family, SOCK_STREAM, 0);
	if (l < 0)
		return -errno;
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (void *)&ss, len) || listen(l, 1) ||
	    getsockname(l, (void *)&ss, &len))
		goto fail;
	*cli = socket(family, SOCK_STREAM, 0);
	sa_loopback(family, &cs, cport);
	if (*cli < 0 || (cport && bind(*cli, (void *)&cs, len)) ||
	    connect(*cli, (void *)&ss, len))
		goto fail;
	*srv = accept(l, NULL, NULL);
	if (*srv < 0)
		goto fail;
	close(l);
	return 0;
fail:
	close(l);
	return -errno;
}

static inline int tcp_pair(int family, int *srv, int *cli)
{
	return tcp_pair_ports(family, srv, cli, 0, 0);
}

static inline uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static inline unsigned char stream_byte(int s, uint64_t off)
{
	return splitmix64(((uint64_t)s << 56) ^ (off / 8)) >> (8 * (off % 8));
}

static inline void stream_fill(int s, uint64_t off, unsigned char *p,
			       size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = stream_byte(s, off + i);
}

/*
 * Write bytes [*off, *off + n) of stream @s; with @nonblock stop at
 * EAGAIN. Returns bytes written (advancing *off) or -errno.
 */
static inline long stream_write(int fd, int s, uint64_t *off, size_t n,
				bool nonblock)
{
	unsigned char buf[65536];
	size_t done = 0;

	while (done < n) {
		size_t k = n - done < sizeof(buf) ? n - done : sizeof(buf);
		ssize_t w;

		stream_fill(s, *off, buf, k);
		w = send(fd, buf, k, MSG_NOSIGNAL | (nonblock ? MSG_DONTWAIT : 0));
		if (w < 0) {
			if (nonblock && errno == EAGAIN)
				break;
			return -errno;
		}
		*off += w;
		done += w;
	}
	return done;
}

/*
 * Read exactly @n bytes of stream @s from offset *off, checking each;
 * @timeout_ms bounds each wait. Returns 0, -EBADMSG on a wrong byte (its
 * offset in *off), -ETIMEDOUT, -EPIPE on EOF, or -errno.
 */
static inline int stream_read(int fd, int s, uint64_t *off, size_t n,
			      int timeout_ms)
{
	unsigned char buf[65536];

	while (n) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		size_t k = n < sizeof(buf) ? n : sizeof(buf);
		ssize_t r, i;

		r = poll(&p, 1, timeout_ms);
		if (r < 0)
			return -errno;
		if (!r)
			return -ETIMEDOUT;
		r = recv(fd, buf, k, MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EAGAIN)
				continue;
			return -errno;
		}
		if (!r)
			return -EPIPE;
		for (i = 0; i < r; i++, (*off)++)
			if (buf[i] != stream_byte(s, *off))
				return -EBADMSG;
		n -= r;
	}
	return 0;
}

static inline int sock_ioctl(int fd, unsigned long req)
{
	int v = -1;

	return ioctl(fd, req, &v) ? -errno : v;
}

/* Wait until ioctl @req on @fd reads @want (SIOCINQ, SIOCOUTQ...). */
static inline int wait_ioctl(int fd, unsigned long req, int want, int ms)
{
	for (; ms > 0; ms -= 10) {
		if (sock_ioctl(fd, req) == want)
			return 0;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

/* Wait until @fd's TCP state is @state (TK_CLOSE_WAIT...). */
static inline int wait_tcp_state(int fd, int state, int ms)
{
	struct tcp_info ti;
	socklen_t len;

	for (; ms > 0; ms -= 10) {
		len = sizeof(ti);
		if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
			return -errno;
		if (ti.tcpi_state == state)
			return 0;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

/* Wait until ioctl @req on @fd stops changing for @stable_ms. */
static inline int wait_stable(int fd, unsigned long req, int stable_ms)
{
	int last = -1, same = 0, i;

	for (i = 0; i < 1000; i++) {
		int v = sock_ioctl(fd, req);

		same = v == last ? same + 10 : 0;
		if (same >= stable_ms)
			return v;
		last = v;
		usleep(10000);
	}
	return last;
}

/* @fd's TCP state (TK_*), 0 if TCP_INFO fails. */
static inline unsigned int tcp_state(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (getsockopt(fd, SOL_TCP, TCP_INFO, &ti, &len))
		return 0;
	return ti.tcpi_state;
}

/* Wait until @fd is in TCP state @state. */
static inline int wait_state(int fd, unsigned int state, int ms)
{
	for (; ms > 0; ms -= 10) {
		if (tcp_state(fd) == state)
			return 0;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

/* Gone without a trace: repair mode makes close() send no FIN, no RST. */
static inline int kill_silently(int fd)
{
	int one = 1;

	if (setsockopt(fd, SOL_TCP, TCP_REPAIR, &one, sizeof(one)))
		return -errno;
	return close(fd) ? -errno : 0;
}

/*
 * Counters of one SECTION ("Tcp:", "TcpExt:") of a /proc/net MIB FILE of
 * this netns: the one called NAME, or with PREFIX the sum of those whose
 * name starts with NAME (0 if none). -1 if there is no such counter.
 */
static inline long proc_mib(const char *file, const char *section,
			    const char *name, bool prefix)
{
	char hdr[8192], val[8192], *h, *v, *hs, *vs;
	FILE *f = fopen(file, "r");
	long ret = -1;

	if (!f)
		return -1;
	while (fgets(hdr, sizeof(hdr), f) && fgets(val, sizeof(val), f)) {
		if (strncmp(hdr, section, strlen(section)))
			continue;
		if (prefix)
			ret = 0;
		h = strtok_r(hdr, " \n", &hs);
		v = strtok_r(val, " \n", &vs);
		while ((h = strtok_r(NULL, " \n", &hs)) &&
		       (v = strtok_r(NULL, " \n", &vs))) {
			if (!prefix && !strcmp(h, name))
				ret = atol(v);
			else if (prefix && !strncmp(h, name, strlen(name)))
				ret += atol(v);
		}
	}
	fclose(f);
	return ret;
}

/* One counter of the Tcp: line of /proc/net/snmp (this netns). */
static inline long tcp_mib(const char *name)
{
	return proc_mib("/proc/net/snmp", "Tcp:", name, false);
}

/* Give up CAP_NET_ADMIN (effective and permitted) for the rest of the test. */
static inline int drop_net_admin(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -errno;
	d[0].effective &= ~(1U << CAP_NET_ADMIN);
	d[0].permitted &= ~(1U << CAP_NET_ADMIN);
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

/*
 * Keep CAP_NET_ADMIN but drop what lets a process checkpoint others'
 * connections: CAP_CHECKPOINT_RESTORE (40) and CAP_SYS_ADMIN.
 */
static inline int drop_checkpoint_caps(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -errno;
	d[0].effective &= ~(1U << CAP_SYS_ADMIN);
	d[0].permitted &= ~(1U << CAP_SYS_ADMIN);
	d[1].effective &= ~(1U << (40 - 32));
	d[1].permitted &= ~(1U << (40 - 32));
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

/* Write @s to the file at @path (a sysctl, a module parameter): 0 or -errno. */
static inline int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* The number the file at @path starts with, or -1. */
static inline long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* Close the fds of @fds that are open (>= 0), in order, and mark them -1. */
static inline void close_fds(int *fds[], size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/*
 * For a FIXTURE_SETUP or TEST with kselftest_harness.h: enter a private
 * netns and open the tcpkit family into @tk, or SKIP the test (with
 * @why) when the module is not loaded.
 */
#define TK_SETUP_NETNS(tk, why)						\
	do {								\
		int __tk_err;						\
									\
		ASSERT_EQ(0, netns_private());				\
		__tk_err = tk_open(tk);					\
		if (__tk_err == -ENOENT)				\
			SKIP(return, why);				\
		ASSERT_EQ(0, __tk_err);					\
	} while (0)

#define TK_NO_MODULE	"tcpkit family not available (module not loaded?)"

#endif /* CONN_LIB_H */
