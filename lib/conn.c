// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libtcpkit: connection commands. Checkpoint (a dump collected into an
 * image), state, restore (one request carrying the whole image), thaw and
 * the list of frozen tuples.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "internal.h"

struct tk_buf {
	unsigned char *p;
	size_t len;
	size_t cap;
};

static int tk_buf_reserve(struct tcpkit *tk, struct tk_buf *b, size_t more)
{
	size_t cap;
	void *np;

	if (more > TCPKIT_IMAGE_PAYLOAD_MAX ||
	    b->len + more > TCPKIT_IMAGE_PAYLOAD_MAX)
		return tk_err(tk, EFBIG,
			      "checkpoint exceeds the image limit of %u bytes",
			      TCPKIT_IMAGE_PAYLOAD_MAX);
	if (b->len + more <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more)
		cap *= 2;
	np = realloc(b->p, cap);
	if (!np)
		return tk_errno(tk, ENOMEM, NULL);
	b->p = np;
	b->cap = cap;
	return 0;
}

/* Append one attribute, padding zeroed. */
static int tk_buf_put(struct tcpkit *tk, struct tk_buf *b, uint16_t type,
		      const void *data, size_t len)
{
	struct nlattr nla;
	int ret;

	ret = tk_buf_reserve(tk, b, NLA_HDRLEN + NLA_ALIGN(len));
	if (ret)
		return ret;
	nla.nla_len = (uint16_t)(NLA_HDRLEN + len);
	nla.nla_type = type;
	memcpy(b->p + b->len, &nla, sizeof(nla));
	memcpy(b->p + b->len + NLA_HDRLEN, data, len);
	memset(b->p + b->len + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
	b->len += NLA_HDRLEN + NLA_ALIGN(len);
	return 0;
}

/* Collect a reply's attributes, minus the request-only ones. */
static int tk_collect_cb(struct tcpkit *tk, const struct nlmsghdr *nlh,
			 void *arg)
{
	struct tk_buf *b = arg;
	const struct nlattr *a;
	uint16_t type;
	int ret;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		type = tk_nla_type(a);
		if (type == TCPKIT_A_CONN_SOCK || type == TCPKIT_A_CONN_STOP)
			continue;
		ret = tk_buf_reserve(tk, b, NLA_ALIGN(a->nla_len));
		if (ret)
			return ret;
		memcpy(b->p + b->len, a, a->nla_len);
		memset(b->p + b->len + a->nla_len, 0,
		       NLA_ALIGN(a->nla_len) - a->nla_len);
		b->len += NLA_ALIGN(a->nla_len);
	}
	if ((const char *)a != (const char *)nlh + nlh->nlmsg_len &&
	    (const char *)a < (const char *)nlh + nlh->nlmsg_len)
		return tk_err(tk, EPROTO,
			      "malformed attribute in a tcpkit reply");
	return 0;
}

static int tk_put_meta(struct tcpkit *tk, struct tk_buf *b)
{
	const uint16_t opt = TCPKIT_IMG_ATTR_OPTIONAL;
	char tool[64];
	struct utsname u;
	uint64_t now;
	int ret;

	now = (uint64_t)time(NULL);
	ret = tk_buf_put(tk, b, opt | TCPKIT_IMG_A_CREATED, &now, sizeof(now));
	if (!ret && uname(&u) == 0) {
		ret = tk_buf_put(tk, b, opt | TCPKIT_IMG_A_HOST, u.nodename,
				 strnlen(u.nodename, 64) + 1);
		if (!ret)
			ret = tk_buf_put(tk, b, opt | TCPKIT_IMG_A_KERNEL,
					 u.release, strnlen(u.release, 64) + 1);
	}
	if (!ret) {
		snprintf(tool, sizeof(tool), "libtcpkit %s", tcpkit_version());
		ret = tk_buf_put(tk, b, opt | TCPKIT_IMG_A_TOOL, tool,
				 strlen(tool) + 1);
	}
	return ret;
}

static int tk_check_ref(struct tcpkit *tk, const struct tcpkit_sockref *ref)
{
	if (!ref)
		return tk_err(tk, EINVAL, "no socket given");
	if (ref->fd < 0 && ref->tuple.family != AF_INET &&
	    ref->tuple.family != AF_INET6)
		return tk_err(tk, EINVAL,
			      "socket reference has neither an fd nor a tuple");
	return 0;
}

/* One checkpoint or state request: sock nest, optional stop flag. */
static int tk_conn_image(struct tcpkit *tk, const struct tcpkit_sockref *ref,
			 uint8_t cmd, unsigned int flags,
			 struct tcpkit_image **imgp)
{
	char buf[512] __attribute__((aligned(8)));
	struct tcpkit_image *img;
	struct tk_buf b = { 0 };
	struct nlmsghdr *nlh;
	unsigned int vflags;
	int ret;

	*imgp = NULL;
	ret = tk_check_ref(tk, ref);
	if (ret)
		return ret;
	if (flags & ~TCPKIT_CHECKPOINT_STOP)
		return tk_err(tk, EINVAL, "unknown checkpoint flags 0x%x",
			      flags);
	nlh = tk_msg_start(tk, buf, cmd,
			   cmd == TCPKIT_CMD_CONN_CHECKPOINT ? NLM_F_DUMP :
							       NLM_F_ACK);
	ret = tk_put_sockref(tk, nlh, sizeof(buf), TCPKIT_A_CONN_SOCK, ref);
	if (ret)
		return ret;
	if ((flags & TCPKIT_CHECKPOINT_STOP) &&
	    !mnl_attr_put_check(nlh, sizeof(buf), TCPKIT_A_CONN_STOP, 0, NULL))
		return tk_err(tk, EMSGSIZE, "request buffer too small");

	ret = tk_request(tk, nlh, tk_collect_cb, &b);
	if (!ret && !b.len)
		ret = tk_err(tk, EPROTO, "the kernel sent an empty checkpoint");
	if (!ret && cmd == TCPKIT_CMD_CONN_CHECKPOINT)
		ret = tk_put_meta(tk, &b);
	if (ret) {
		free(b.p);
		return ret;
	}
	vflags = TK_IMG_ALLOW_UNKNOWN;
	if (cmd == TCPKIT_CMD_CONN_GET)
		vflags |= TK_IMG_HEADER_ONLY;
	img = tk_image_new(tk, b.p, b.len, vflags);
	if (!img) {
		char why[TK_ERRLEN];

		ret = errno;
		/* say where the bad image came from */
		snprintf(why, sizeof(why), "%s", tcpkit_strerror());
		return tk_err(tk, ret, "kernel reply: %.480s", why);
	}
	*imgp = img;
	return 0;
}

int tcpkit_checkpoint(struct tcpkit *tk, const struct tcpkit_sockref *ref,
		      unsigned int flags, struct tcpkit_image **imgp)
{
	return tk_conn_image(tk, ref, TCPKIT_CMD_CONN_CHECKPOINT, flags, imgp);
}

int tcpkit_conn_get(struct tcpkit *tk, const struct tcpkit_sockref *ref,
		    struct tcpkit_image **imgp)
{
	return tk_conn_image(tk, ref, TCPKIT_CMD_CONN_GET, 0, imgp);
}

int tcpkit_image_socket(const struct tcpkit_image *img)
{
	struct tcpkit_tuple t;
	int fd;

	tcpkit_image_tuple(img, &t);
	fd = socket(t.family, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0)
		return tk_errno(NULL, errno, "socket");
	return fd;
}

/* Append a copy of @a to the message, the optional bit stripped. */
static void tk_copy_attr(struct nlmsghdr *nlh, const struct nlattr *a)
{
	struct nlattr *dst = mnl_nlmsg_get_payload_tail(nlh);

	memcpy(dst, a, a->nla_len);
	dst->nla_type &= ~TCPKIT_IMG_ATTR_OPTIONAL;
	memset((char *)dst + a->nla_len, 0,
	       NLA_ALIGN(a->nla_len) - a->nla_len);
	nlh->nlmsg_len += NLA_ALIGN(a->nla_len);
}

/* The aimd nest without the optional children this library does not know. */
static void tk_copy_aimd(struct nlmsghdr *nlh, const struct nlattr *nest)
{
	struct nlattr *dst = mnl_nlmsg_get_payload_tail(nlh);
	const struct nlattr *a;
	uint16_t type;

	memcpy(dst, nest, NLA_HDRLEN);
	dst->nla_type &= ~TCPKIT_IMG_ATTR_OPTIONAL;
	nlh->nlmsg_len += NLA_HDRLEN;
	mnl_attr_for_each_nested(a, nest) {
		type = tk_nla_type(a) & ~TCPKIT_IMG_ATTR_OPTIONAL;
		if (type != TCPKIT_A_AIMD_ALPHA && type != TCPKIT_A_AIMD_BETA &&
		    type != TCPKIT_A_AIMD_BETA_ECN)
			continue;
		tk_copy_attr(nlh, a);
	}
	dst->nla_len = (uint16_t)((char *)mnl_nlmsg_get_payload_tail(nlh) -
				  (char *)dst);
}

int tcpkit_restore(struct tcpkit *tk, const struct tcpkit_image *img, int fd)
{
	struct tcpkit_sockref ref = { .fd = fd };
	const struct nlattr *a;
	struct nlmsghdr *nlh;
	size_t cap, off;
	void *buf;
	int ret;

	if (fd < 0)
		return tk_err(tk, EBADF, "restore needs a socket");
	if (img->header_only)
		return tk_err(tk, EINVAL,
			      "image holds connection state only, no queues: it cannot be restored");
	cap = MNL_NLMSG_HDRLEN + MNL_ALIGN(GENL_HDRLEN) + img->len + 256;
	buf = calloc(1, cap);
	if (!buf)
		return tk_errno(tk, ENOMEM, NULL);
	nlh = tk_msg_start(tk, buf, TCPKIT_CMD_CONN_RESTORE, NLM_F_ACK);

	for (off = 0; off < img->len; off += NLA_ALIGN(a->nla_len)) {
		a = (const struct nlattr *)(img->data + off);
		if (tk_attr_image_only(a))
			continue;
		if (tk_nla_type(a) == (TCPKIT_A_CONN_AIMD |
				       TCPKIT_IMG_ATTR_OPTIONAL) ||
		    tk_nla_type(a) == TCPKIT_A_CONN_AIMD)
			tk_copy_aimd(nlh, a);
		else
			tk_copy_attr(nlh, a);
	}
	ret = tk_put_sockref(tk, nlh, cap, TCPKIT_A_CONN_SOCK, &ref);
	if (!ret)
		ret = tk_request(tk, nlh, NULL, NULL);
	free(buf);
	return ret;
}

int tcpkit_thaw(struct tcpkit *tk, const struct tcpkit_tuple *tuple)
{
	char buf[512] __attribute__((aligned(8)));
	struct tcpkit_sockref ref = { .fd = -1 };
	struct nlmsghdr *nlh;
	int ret;

	ref.tuple = *tuple;
	nlh = tk_msg_start(tk, buf, TCPKIT_CMD_CONN_THAW, NLM_F_ACK);
	ret = tk_put_sockref(tk, nlh, sizeof(buf), TCPKIT_A_CONN_SOCK, &ref);
	if (ret)
		return ret;
	return tk_request(tk, nlh, NULL, NULL);
}

struct tk_frozen_ctx {
	struct tcpkit_frozen *v;
	size_t n;
	size_t cap;
};

static int tk_frozen_cb(struct tcpkit *tk, const struct nlmsghdr *nlh,
			void *arg)
{
	struct tk_frozen_ctx *c = arg;
	struct tcpkit_frozen *f, *nv;
	const struct nlattr *a;
	size_t len;

	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		nv = realloc(c->v, c->cap * sizeof(*nv));
		if (!nv)
			return tk_errno(tk, ENOMEM, NULL);
		c->v = nv;
	}
	f = &c->v[c->n];
	memset(f, 0, sizeof(*f));
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		len = tk_nla_len(a);
		switch (tk_nla_type(a)) {
		case TCPKIT_A_FROZEN_FAMILY:
			if (len != 2)
				goto bad;
			f->tuple.family = mnl_attr_get_u16(a);
			break;
		case TCPKIT_A_FROZEN_SADDR:
			if (len != 4 && len != 16)
				goto bad;
			memcpy(&f->tuple.saddr, tk_nla_data(a), len);
			break;
		case TCPKIT_A_FROZEN_DADDR:
			if (len != 4 && len != 16)
				goto bad;
			memcpy(&f->tuple.daddr, tk_nla_data(a), len);
			break;
		case TCPKIT_A_FROZEN_SPORT:
			if (len != 2)
				goto bad;
			f->tuple.sport = mnl_attr_get_u16(a);
			break;
		case TCPKIT_A_FROZEN_DPORT:
			if (len != 2)
				goto bad;
			f->tuple.dport = mnl_attr_get_u16(a);
			break;
		case TCPKIT_A_FROZEN_EXPIRES_MS:
			if (len != 4)
				goto bad;
			f->expires_ms = mnl_attr_get_u32(a);
			break;
		case TCPKIT_A_FROZEN_DROPPED:
			if (len != 8)
				goto bad;
			memcpy(&f->dropped, tk_nla_data(a), 8);
			break;
		}
	}
	if (f->tuple.family != AF_INET && f->tuple.family != AF_INET6)
		goto bad;
	c->n++;
	return 0;
bad:
	return tk_err(tk, EPROTO, "malformed frozen tuple from the kernel");
}

int tcpkit_frozen_list(struct tcpkit *tk, struct tcpkit_frozen **list,
		       size_t *count)
{
	char buf[128] __attribute__((aligned(8)));
	struct tk_frozen_ctx c = { 0 };
	struct nlmsghdr *nlh;
	int ret;

	*list = NULL;
	*count = 0;
	nlh = tk_msg_start(tk, buf, TCPKIT_CMD_FROZEN_GET, NLM_F_DUMP);
	ret = tk_request(tk, nlh, tk_frozen_cb, &c);
	if (ret) {
		free(c.v);
		return ret;
	}
	*list = c.v;
	*count = c.n;
	return 0;
}
