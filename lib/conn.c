// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libtcpkit: connection commands. Checkpoint (a dump collected into an
 * image), state, restore (one request carrying the whole image), thaw and
 * the list of frozen tuples.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "internal.h"

struct tk_buf {
	unsigned char *p;
	size_t len;
	size_t cap;
};

/* Room for @more bytes after b->len: doubling, or just that with @exact. */
static int tk_buf_grow(struct tcpkit *tk, struct tk_buf *b, size_t more,
		       bool exact)
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
		cap = exact ? b->len + more : cap * 2;
	np = realloc(b->p, cap);
	if (!np)
		return tk_errno(tk, ENOMEM, NULL);
	b->p = np;
	b->cap = cap;
	return 0;
}

static int tk_buf_reserve(struct tcpkit *tk, struct tk_buf *b, size_t more)
{
	return tk_buf_grow(tk, b, more, false);
}

/*
 * Make room for the @qlen queue bytes the header announced (both queues,
 * so far) in chunk attributes (at most TCPKIT_CHUNK_MAX each, 4 bytes of
 * header and up to 3 of padding), and the metadata after them: that much,
 * not the next power of two, which the image would keep.
 */
static int tk_collect_presize(struct tcpkit *tk, struct tk_buf *b,
			      uint64_t qlen)
{
	size_t more = (size_t)qlen + ((size_t)qlen / TCPKIT_CHUNK_MAX + 1) *
		      (NLA_HDRLEN + NLA_ALIGNTO) + 1024;

	if (qlen > TCPKIT_IMAGE_PAYLOAD_MAX)
		return 0;	/* tk_buf_reserve() says no when it comes */
	return tk_buf_grow(tk, b, more, true);
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

/* What a checkpoint or state dump collects. */
struct tk_collect {
	struct tk_buf b;	/* the image payload */
	uint32_t hold;		/* TCPKIT_A_CONN_HOLD of a stop, 0: none */
	uint64_t qlen;		/* queue bytes the header announced */
	unsigned int msgs;	/* messages seen */
	bool sent;		/* the request went out */
};

/* The hold id: a u32 >= 1, once per dump. */
static int tk_collect_hold(struct tcpkit *tk, struct tk_collect *c,
			   const struct nlattr *a)
{
	uint32_t id;

	if (tk_nla_len(a) != sizeof(id) || c->hold)
		return tk_err(tk, EPROTO,
			      "malformed or repeated hold id in a tcpkit reply");
	memcpy(&id, tk_nla_data(a), sizeof(id));
	if (!id)
		return tk_err(tk, EPROTO, "hold id 0 in a tcpkit reply");
	c->hold = id;
	return 0;
}

/*
 * Collect a reply's attributes, minus the request-only ones and the hold
 * id, which names the hold on this netlink socket and is never part of an
 * image.
 */
static int tk_collect_cb(struct tcpkit *tk, const struct nlmsghdr *nlh,
			 void *arg)
{
	struct tk_collect *c = arg;
	struct tk_buf *b = &c->b;
	const struct nlattr *a;
	uint16_t type;
	int ret;

	c->msgs++;
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		type = tk_nla_type(a);
		if (type == TCPKIT_A_CONN_SOCK || type == TCPKIT_A_CONN_STOP)
			continue;
		if ((type == TCPKIT_A_CONN_SND_QLEN ||
		     type == TCPKIT_A_CONN_RCV_QLEN) &&
		    tk_nla_len(a) == sizeof(uint32_t)) {
			/* Size the image once: no copy on every doubling. */
			c->qlen += mnl_attr_get_u32(a);
			ret = tk_collect_presize(tk, b, c->qlen);
			if (ret)
				return ret;
		}
		if (type == TCPKIT_A_CONN_HOLD) {
			ret = tk_collect_hold(tk, c, a);
			if (ret)
				return ret;
			continue;
		}
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
	const struct utsname *u = &tk->uts;
	char tool[64];
	uint64_t now;
	int ret;

	/* One uname() per handle, not a system call per checkpoint. */
	if (!tk->uts_state)
		tk->uts_state = uname(&tk->uts) == 0 ? 1 : -1;
	now = (uint64_t)time(NULL);
	ret = tk_buf_put(tk, b, opt | TCPKIT_IMG_A_CREATED, &now, sizeof(now));
	if (!ret && tk->uts_state > 0) {
		ret = tk_buf_put(tk, b, opt | TCPKIT_IMG_A_HOST, u->nodename,
				 strnlen(u->nodename, 64) + 1);
		if (!ret)
			ret = tk_buf_put(tk, b, opt | TCPKIT_IMG_A_KERNEL,
					 u->release, strnlen(u->release, 64) + 1);
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

/* Send one checkpoint or state request and collect its reply into @c. */
static int tk_conn_request(struct tcpkit *tk, const struct tcpkit_sockref *ref,
			   uint8_t cmd, unsigned int flags,
			   struct tk_collect *c)
{
	char buf[512] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	int ret;

	nlh = tk_msg_start(tk, buf, cmd,
			   cmd == TCPKIT_CMD_CONN_CHECKPOINT ? NLM_F_DUMP :
							       NLM_F_ACK);
	ret = tk_put_sockref(tk, nlh, sizeof(buf), TCPKIT_A_CONN_SOCK, ref);
	if (ret)
		return ret;
	if ((flags & TCPKIT_CHECKPOINT_STOP) &&
	    !mnl_attr_put_check(nlh, sizeof(buf), TCPKIT_A_CONN_STOP, 0, NULL))
		return tk_err(tk, EMSGSIZE, "request buffer too small");
	c->sent = true;
	ret = tk_request(tk, nlh, tk_collect_cb, c);
	if (ret)
		return ret;
	if (!c->b.len)
		return tk_err(tk, EPROTO, "the kernel sent an empty checkpoint");
	if (!(flags & TCPKIT_CHECKPOINT_STOP) != !c->hold)
		return tk_err(tk, EPROTO, c->hold ?
			      "the kernel sent a hold id for a request without stop" :
			      "the kernel sent no hold id for a checkpoint with stop");
	if (cmd == TCPKIT_CMD_CONN_CHECKPOINT)
		return tk_put_meta(tk, &c->b);
	return 0;
}

/*
 * A checkpoint with stop failed after the kernel may have made its hold:
 * anything but a refusal that reached us before the first message (the
 * header, which carries the hold id). Releasing it by id would need a
 * socket in step and an id we may not have; closing the socket needs
 * neither (see tk_reopen()).
 */
static int tk_drop_hold(struct tcpkit *tk, const struct tk_collect *c,
			int ret)
{
	char why[TK_ERRLEN];

	if (!c->sent || (!c->hold && !c->msgs && tk->reply_end))
		return ret;
	snprintf(why, sizeof(why), "%s", tk->errmsg);
	if (tk_reopen(tk))
		return tk_err(tk, -ret,
			      "%.200s; the connection was given back, but the handle could not reopen its netlink socket: %.200s",
			      why, tk->errmsg);
	return tk_err(tk, -ret, "%.400s; the connection was given back", why);
}

/* Validate the collected payload into an image, which takes it. */
static int tk_conn_new_image(struct tcpkit *tk, uint8_t cmd,
			     struct tk_collect *c, struct tcpkit_image **imgp)
{
	unsigned int vflags = TK_IMG_ALLOW_UNKNOWN;
	struct tcpkit_image *img;
	char why[TK_ERRLEN];
	int err;

	if (cmd == TCPKIT_CMD_CONN_GET)
		vflags |= TK_IMG_HEADER_ONLY;
	/*
	 * The image keeps its buffer as long as the caller keeps it: one of
	 * an idle connection, a few hundred bytes of the 4 KiB it was
	 * collected in, gets a copy of its size, and the next checkpoint
	 * collects into the 4 KiB freed here. Without the copy, a caller
	 * holding many images grew its heap a page for each.
	 */
	if (c->b.len < c->b.cap / 2) {
		void *fit = malloc(c->b.len);

		if (fit) {
			memcpy(fit, c->b.p, c->b.len);
			free(c->b.p);
			c->b.p = fit;
			c->b.cap = c->b.len;
		}
	}
	img = tk_image_new(tk, c->b.p, c->b.len, vflags);
	c->b.p = NULL;
	if (!img) {
		err = errno;
		/* say where the bad image came from */
		snprintf(why, sizeof(why), "%s", tcpkit_strerror());
		return tk_err(tk, err, "kernel reply: %.480s", why);
	}
	img->hold = c->hold;
	img->hold_portid = tk->portid;
	*imgp = img;
	return 0;
}

/* One checkpoint or state request: sock nest, optional stop flag. */
static int tk_conn_image(struct tcpkit *tk, const struct tcpkit_sockref *ref,
			 uint8_t cmd, unsigned int flags,
			 struct tcpkit_image **imgp)
{
	struct tk_collect c = { 0 };
	int ret;

	*imgp = NULL;
	ret = tk_check_ref(tk, ref);
	if (ret)
		return ret;
	if (flags & ~TCPKIT_CHECKPOINT_STOP)
		return tk_err(tk, EINVAL, "unknown checkpoint flags 0x%x",
			      flags);
	/* a module without them would destroy the original at once */
	if ((flags & TCPKIT_CHECKPOINT_STOP) &&
	    (!tk_has_cmd(tk, TCPKIT_CMD_CONN_COMMIT) ||
	     !tk_has_cmd(tk, TCPKIT_CMD_CONN_ABORT)))
		return tk_err(tk, EOPNOTSUPP,
			      "the tcpkit module has no two-phase stop (conn-commit, conn-abort): it would destroy the original before its image is saved; update the module");

	ret = tk_conn_request(tk, ref, cmd, flags, &c);
	if (!ret)
		ret = tk_conn_new_image(tk, cmd, &c, imgp);
	free(c.b.p);
	if (ret && (flags & TCPKIT_CHECKPOINT_STOP))
		ret = tk_drop_hold(tk, &c, ret);
	return ret;
}

int tcpkit_checkpoint(struct tcpkit *tk, const struct tcpkit_sockref *ref,
		      unsigned int flags, struct tcpkit_image **imgp)
{
	return tk_conn_image(tk, ref, TCPKIT_CMD_CONN_CHECKPOINT, flags, imgp);
}

/* CONN_COMMIT or CONN_ABORT of the hold @img came with. */
static int tk_hold_request(struct tcpkit *tk, struct tcpkit_image *img,
			   uint8_t cmd)
{
	char buf[128] __attribute__((aligned(8)));
	struct nlmsghdr *nlh;
	int ret;

	if (!img || !img->hold)
		return tk_err(tk, EINVAL,
			      "the image holds no connection: it was not made with stop, or was committed or aborted already");
	/* the kernel would refuse it too, with less to say */
	if (img->hold_portid != tk->portid)
		return tk_err(tk, EINVAL,
			      "the image's hold belongs to another netlink socket: another handle, or this one before a failed checkpoint with stop gave its holds back");
	nlh = tk_msg_start(tk, buf, cmd, NLM_F_ACK);
	mnl_attr_put_u32(nlh, TCPKIT_A_CONN_HOLD, img->hold);
	ret = tk_request(tk, nlh, NULL, NULL);
	if (!ret)
		img->hold = 0;
	return ret;
}

int tcpkit_commit(struct tcpkit *tk, struct tcpkit_image *img)
{
	return tk_hold_request(tk, img, TCPKIT_CMD_CONN_COMMIT);
}

int tcpkit_abort(struct tcpkit *tk, struct tcpkit_image *img)
{
	return tk_hold_request(tk, img, TCPKIT_CMD_CONN_ABORT);
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

/*
 * A restore's ACK can be lost after the kernel restored the socket (the
 * ACK's own allocation failed, or the receive buffer overran): ENOBUFS
 * then says nothing about the restore. The socket does: a target the
 * kernel failed to restore is left closed, a restored one is not.
 */
static bool tk_restored_anyway(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) || len < 1)
		return false;
	return ti.tcpi_state != TCP_CLOSE;
}

/* A queue-data attribute the kernel can take from the image as it is. */
static bool tk_attr_is_chunk(const struct nlattr *a)
{
	return a->nla_type == TCPKIT_A_CONN_SND_DATA ||
	       a->nla_type == TCPKIT_A_CONN_RCV_DATA;
}

/* Most pieces of one restore request; with more runs, all is copied. */
#define TK_RESTORE_IOV	64

/*
 * Runs of adjacent queue-data attributes in @img, and their bytes: in an
 * image from a checkpoint they all follow the header, one run.
 */
static unsigned int tk_chunk_runs(const struct tcpkit_image *img,
				  size_t *bytes)
{
	const struct nlattr *a;
	unsigned int runs = 0;
	bool in_run = false;
	size_t off;

	*bytes = 0;
	for (off = 0; off < img->len; off += NLA_ALIGN(a->nla_len)) {
		unsigned int type;

		a = (const struct nlattr *)(img->data + off);
		type = tk_nla_type(a) & ~TCPKIT_IMG_ATTR_OPTIONAL;
		/* one chunk to copy would come before those sent in place */
		if (!tk_attr_is_chunk(a) && (type == TCPKIT_A_CONN_SND_DATA ||
					     type == TCPKIT_A_CONN_RCV_DATA))
			return UINT_MAX;
		if (!tk_attr_is_chunk(a)) {
			in_run = false;
			continue;
		}
		runs += !in_run;
		in_run = true;
		*bytes += NLA_ALIGN(a->nla_len);
	}
	return runs;
}

/*
 * One restore request: the header attributes copied into @buf (the
 * optional bit stripped, metadata left out), the queue data sent from the
 * image where it is, a run of chunks per iovec, unless the image is cut in
 * too many runs: then it is copied as well. @iov[0] is @buf.
 */
struct tk_restore_req {
	struct nlmsghdr *nlh;	/* in @buf; its length counts the data */
	void *buf;
	struct iovec iov[TK_RESTORE_IOV + 1];
	unsigned int niov;
};

static int tk_restore_build(struct tcpkit *tk, const struct tcpkit_image *img,
			    int fd, unsigned int flags,
			    struct tk_restore_req *rq)
{
	struct tcpkit_sockref ref = { .fd = fd };
	const struct nlattr *a, *end = NULL;
	struct iovec *iov = rq->iov;
	size_t cap, off, data;
	struct nlmsghdr *nlh;
	unsigned int n = 1;
	bool in_place;
	int ret;

	rq->buf = NULL;
	if (!img)
		return tk_err(tk, EINVAL, "no image given");
	if (fd < 0)
		return tk_err(tk, EBADF, "restore needs a socket");
	if (img->header_only)
		return tk_err(tk, EINVAL,
			      "image holds connection state only, no queues: it cannot be restored");
	in_place = tk_chunk_runs(img, &data) <= TK_RESTORE_IOV;
	cap = MNL_NLMSG_HDRLEN + MNL_ALIGN(GENL_HDRLEN) + img->len + 256;
	if (in_place)
		cap -= data;
	rq->buf = calloc(1, cap);
	if (!rq->buf)
		return tk_errno(tk, ENOMEM, NULL);
	nlh = tk_msg_start(tk, rq->buf, TCPKIT_CMD_CONN_RESTORE, NLM_F_ACK);

	for (off = 0; off < img->len; off += NLA_ALIGN(a->nla_len)) {
		a = (const struct nlattr *)(img->data + off);
		if (tk_attr_image_only(a))
			continue;
		if (in_place && tk_attr_is_chunk(a)) {
			if (a != end) {
				iov[n].iov_base = (void *)a;
				iov[n++].iov_len = 0;
			}
			iov[n - 1].iov_len += NLA_ALIGN(a->nla_len);
			end = (const void *)((const char *)a +
					     NLA_ALIGN(a->nla_len));
			continue;
		}
		if (tk_nla_type(a) == (TCPKIT_A_CONN_AIMD |
				       TCPKIT_IMG_ATTR_OPTIONAL) ||
		    tk_nla_type(a) == TCPKIT_A_CONN_AIMD)
			tk_copy_aimd(nlh, a);
		else
			tk_copy_attr(nlh, a);
	}
	if (flags & TCPKIT_RESTORE_CONSERVATIVE)
		mnl_attr_put(nlh, TCPKIT_A_CONN_CONSERVATIVE, 0, NULL);
	ret = tk_put_sockref(tk, nlh, cap, TCPKIT_A_CONN_SOCK, &ref);
	if (ret) {
		free(rq->buf);
		rq->buf = NULL;
		return ret;
	}
	iov[0].iov_base = rq->buf;
	iov[0].iov_len = nlh->nlmsg_len;
	if (in_place)
		nlh->nlmsg_len += data;
	rq->nlh = nlh;
	rq->niov = n;
	return 0;
}

int tcpkit_restore(struct tcpkit *tk, const struct tcpkit_image *img, int fd)
{
	return tcpkit_restore_flags(tk, img, fd, 0);
}

int tcpkit_restore_flags(struct tcpkit *tk, const struct tcpkit_image *img,
			 int fd, unsigned int flags)
{
	struct tk_restore_req rq;
	int ret;

	if (flags & ~TCPKIT_RESTORE_CONSERVATIVE)
		return tk_err(tk, EINVAL, "unknown restore flags");
	ret = tk_restore_build(tk, img, fd, flags, &rq);
	if (ret)
		return ret;
	ret = tk_request_iov(tk, rq.nlh, rq.iov, rq.niov, NULL, NULL);
	if (ret == -ENOBUFS && tk_restored_anyway(fd)) {
		tk_clear_err(tk);
		ret = 0;
	}
	free(rq.buf);
	return ret;
}

/* Restore requests of a set that go out in one sendmsg(), at most... */
#define TK_SET_BATCH	32
/* ...and their bytes, unless one request alone is larger... */
#define TK_SET_BYTES	(1024 * 1024)
/* ...and their pieces: sendmsg() takes at most UIO_MAXIOV. */
#define TK_SET_IOV	1024

/* One batch of a set: requests built, sent together, their ACKs matched. */
struct tk_set_batch {
	struct tk_restore_req rq[TK_SET_BATCH];
	size_t idx[TK_SET_BATCH];	/* position in the set */
	bool acked[TK_SET_BATCH];
	unsigned int n;
	unsigned int niov;
	size_t bytes;
};

/* The first failure of a set, kept with its text. */
struct tk_set_first {
	int err;
	size_t idx;
	char msg[TK_ERRLEN];
};

static void tk_set_fail(struct tcpkit *tk, struct tk_set_first *first,
			int *errs, size_t i, int err)
{
	errs[i] = err;
	if (first->err)
		return;
	first->err = err;
	first->idx = i;
	snprintf(first->msg, sizeof(first->msg), "%s", tk->errmsg);
}

/* Where tk_next_ack() is in the datagrams received. */
struct tk_acks {
	const struct nlmsghdr *nlh;	/* the next message to look at */
	int len;			/* bytes from it to the datagram's end */
};

/*
 * The next NLMSG_ERROR addressed to @tk, from the datagram being read or
 * the next one received: 0 with *@ack set, or the receive's error.
 */
static int tk_next_ack(struct tcpkit *tk, struct tk_acks *a,
		       const struct nlmsghdr **ack)
{
	const struct nlmsghdr *nlh;
	const unsigned char *dgram;
	ssize_t n;
	int ret;

	for (;;) {
		while (a->nlh && mnl_nlmsg_ok(a->nlh, a->len)) {
			nlh = a->nlh;
			a->nlh = mnl_nlmsg_next(nlh, &a->len);
			if (nlh->nlmsg_type == NLMSG_ERROR &&
			    nlh->nlmsg_pid == tk->portid) {
				*ack = nlh;
				return 0;
			}
		}
		ret = tk_recv(tk, &dgram, &n);
		if (ret)
			return ret;
		a->nlh = (const struct nlmsghdr *)dgram;
		a->len = (int)n;
	}
}

/* Collect the ACK of every request of @b; errs[] gets each outcome. */
static void tk_set_collect(struct tcpkit *tk, struct tk_set_batch *b,
			   const int *fds, int *errs,
			   struct tk_set_first *first)
{
	unsigned int left = b->n, k;
	const struct nlmsghdr *nlh;
	struct tk_acks acks = { 0 };
	int ret = 0, err;

	while (left) {
		ret = tk_next_ack(tk, &acks, &nlh);
		if (ret)
			break;
		for (k = 0; k < b->n; k++)
			if (!b->acked[k] &&
			    b->rq[k].nlh->nlmsg_seq == nlh->nlmsg_seq)
				break;
		if (k == b->n)
			continue;	/* stale */
		b->acked[k] = true;
		left--;
		err = tk_ack_error(tk, nlh, b->rq[k].nlh);
		if (err)
			tk_set_fail(tk, first, errs, b->idx[k], err);
		else
			errs[b->idx[k]] = 0;
	}
	if (!left)
		return;
	/*
	 * ACKs lost (ENOBUFS) or the socket failed: as for one restore, a
	 * socket out of TCP_CLOSE was restored; the others say why not.
	 */
	err = ret ? ret : -EIO;
	for (k = 0; k < b->n; k++) {
		if (b->acked[k])
			continue;
		if (err == -ENOBUFS && tk_restored_anyway(fds[b->idx[k]]))
			errs[b->idx[k]] = 0;
		else
			tk_set_fail(tk, first, errs, b->idx[k], err);
	}
}

/* Send the batch's requests in one sendmsg() and collect their ACKs. */
static void tk_set_run(struct tcpkit *tk, struct tk_set_batch *b,
		       const int *fds, int *errs, struct tk_set_first *first)
{
	struct iovec iov[TK_SET_IOV];
	unsigned int niov = 0, k, j;
	int ret;

	for (k = 0; k < b->n; k++) {
		for (j = 0; j < b->rq[k].niov; j++)
			iov[niov++] = b->rq[k].iov[j];
		b->acked[k] = false;
	}
	ret = tk_send_iov(tk, iov, niov, b->bytes);
	if (ret) {
		for (k = 0; k < b->n; k++)
			tk_set_fail(tk, first, errs, b->idx[k], ret);
		return;
	}
	tk_set_collect(tk, b, fds, errs, first);
}

static void tk_set_free(struct tk_set_batch *b)
{
	unsigned int k;

	for (k = 0; k < b->n; k++)
		free(b->rq[k].buf);
	b->n = 0;
	b->niov = 0;
	b->bytes = 0;
}

int tcpkit_restore_set(struct tcpkit *tk,
		       const struct tcpkit_image *const *imgs, const int *fds,
		       size_t n, unsigned int flags, int *errs)
{
	struct tk_set_first first = { 0 };
	struct tk_restore_req *rq, next;
	struct tk_set_batch *b;
	size_t i, failed = 0;
	int ret;

	tk_clear_err(tk);
	if (n && (!imgs || !fds || !errs))
		return tk_err(tk, EINVAL,
			      "restore set: no images, sockets or error array");
	if (flags & ~TCPKIT_RESTORE_CONSERVATIVE)
		return tk_err(tk, EINVAL, "unknown restore flags");
	if (n > INT_MAX)
		return tk_err(tk, EINVAL,
			      "restore set of %zu connections: too many", n);
	if (!n)
		return 0;
	b = calloc(1, sizeof(*b));
	if (!b)
		return tk_errno(tk, ENOMEM, NULL);

	for (i = 0; i < n; i++) {
		errs[i] = -EINPROGRESS;
		rq = &b->rq[b->n];
		ret = tk_restore_build(tk, imgs[i], fds[i], flags, rq);
		if (ret) {
			tk_set_fail(tk, &first, errs, i, ret);
			continue;
		}
		/* a full batch goes before this request joins it */
		if (b->n && (b->bytes + rq->nlh->nlmsg_len > TK_SET_BYTES ||
			     b->niov + rq->niov > TK_SET_IOV)) {
			next = *rq;
			tk_set_run(tk, b, fds, errs, &first);
			tk_set_free(b);
			b->rq[0] = next;
		}
		b->idx[b->n] = i;
		b->bytes += b->rq[b->n].nlh->nlmsg_len;
		b->niov += b->rq[b->n].niov;
		b->n++;
		if (b->n == TK_SET_BATCH) {
			tk_set_run(tk, b, fds, errs, &first);
			tk_set_free(b);
		}
	}
	if (b->n)
		tk_set_run(tk, b, fds, errs, &first);
	tk_set_free(b);
	free(b);

	for (i = 0; i < n; i++)
		failed += errs[i] != 0;
	if (!failed) {
		tk_clear_err(tk);
		return 0;
	}
	tk_err(tk, -first.err,
	       "%zu of %zu connections not restored; the first, index %zu: %.400s",
	       failed, n, first.idx, first.msg);
	return (int)failed;
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
		case TCPKIT_A_FROZEN_PARKED:
			if (len != 4)
				goto bad;
			f->parked = mnl_attr_get_u32(a);
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
		       size_t *count, size_t size)
{
	char buf[128] __attribute__((aligned(8)));
	struct tk_frozen_ctx c = { 0 };
	struct nlmsghdr *nlh;
	size_t i;
	int ret;

	*list = NULL;
	*count = 0;
	/* Two layouts: the first one ended before @parked. */
	if (size != sizeof(struct tcpkit_frozen) && size != TK_FROZEN_SIZE1)
		return tk_err(tk, EINVAL, "struct tcpkit_frozen of %zu bytes: unknown",
			      size);
	nlh = tk_msg_start(tk, buf, TCPKIT_CMD_FROZEN_GET, NLM_F_DUMP);
	ret = tk_request(tk, nlh, tk_frozen_cb, &c);
	if (ret) {
		free(c.v);
		return ret;
	}
	/* Elements of the caller's size: moved down, in place. */
	for (i = 1; size < sizeof(struct tcpkit_frozen) && i < c.n; i++)
		memmove((char *)c.v + i * size, &c.v[i], size);
	*list = c.v;
	*count = c.n;
	return 0;
}

/*
 * Give back the holds of a set whose checkpoint failed. A hold of another
 * netlink socket was given back when a failed checkpoint reopened ours;
 * one that cannot be aborted is given back by reopening it now.
 */
static void tk_set_give_back(struct tcpkit *tk, struct tcpkit_image_set *set)
{
	struct tcpkit_image *img;
	bool reopen = false;
	size_t i;

	for (i = 0; i < set->n; i++) {
		img = set->imgs[i];
		if (img->hold && img->hold_portid == tk->portid &&
		    tcpkit_abort(tk, img))
			reopen = true;
		img->hold = 0;
	}
	if (reopen)
		tk_reopen(tk);
}

/* What the one dump of a set collects: an image per header message. */
struct tk_set_collect {
	struct tcpkit_image_set *set;	/* completed images go here */
	struct tk_collect c;		/* the connection being collected */
	bool open;			/* @c has its header */
	size_t got;			/* images completed by this dump */
	unsigned int flags;
};

/* A header message: anything but queue data in it. */
static bool tk_msg_is_header(const struct nlmsghdr *nlh)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN)
		if (tk_nla_type(a) != TCPKIT_A_CONN_SND_DATA &&
		    tk_nla_type(a) != TCPKIT_A_CONN_RCV_DATA)
			return true;
	return false;
}

/* The connection collected so far becomes an image of the set. */
static int tk_set_collect_end(struct tcpkit *tk, struct tk_set_collect *sc)
{
	struct tk_collect *c = &sc->c;
	struct tcpkit_image *img = NULL;
	int ret;

	sc->open = false;
	if (!c->b.len)
		return tk_err(tk, EPROTO, "the kernel sent an empty checkpoint");
	if (!(sc->flags & TCPKIT_CHECKPOINT_STOP) != !c->hold)
		return tk_err(tk, EPROTO, c->hold ?
			      "the kernel sent a hold id for a request without stop" :
			      "the kernel sent no hold id for a checkpoint with stop");
	ret = tk_put_meta(tk, &c->b);
	if (!ret)
		ret = tk_conn_new_image(tk, TCPKIT_CMD_CONN_CHECKPOINT, c, &img);
	free(c->b.p);
	c->b.p = NULL;
	if (ret)
		return ret;
	if (tcpkit_image_set_add(sc->set, img)) {
		tcpkit_image_free(img);
		return tk_errno(tk, ENOMEM, NULL);
	}
	sc->got++;
	return 0;
}

/* A message of the set's dump: a header begins the next connection. */
static int tk_set_collect_cb(struct tcpkit *tk, const struct nlmsghdr *nlh,
			     void *arg)
{
	struct tk_set_collect *sc = arg;
	int ret;

	if (tk_msg_is_header(nlh)) {
		if (sc->open) {
			ret = tk_set_collect_end(tk, sc);
			if (ret)
				return ret;
		}
		memset(&sc->c, 0, sizeof(sc->c));
		sc->open = true;
	} else if (!sc->open) {
		return tk_err(tk, EPROTO,
			      "queue data before a header in a tcpkit checkpoint");
	}
	return tk_collect_cb(tk, nlh, &sc->c);
}

/*
 * The kernel names a set's failing socket "sock N: ..." (N its index in
 * the request): the index, and the message after the prefix. -1 without it.
 */
static long tk_sock_index(const char *msg, const char **rest)
{
	unsigned long i;
	char *end;

	if (strncmp(msg, "sock ", 5) || msg[5] < '0' || msg[5] > '9')
		return -1;
	i = strtoul(msg + 5, &end, 10);
	if (end[0] != ':' || end[1] != ' ' || i >= TCPKIT_CHECKPOINT_SOCKS_MAX)
		return -1;
	*rest = end + 2;
	return (long)i;
}

/* Sock nest bytes of a request, at most: a tuple with an ifindex. */
#define TK_SOCKREF_MAX	(NLA_HDRLEN + 2 * NLA_ALIGN(NLA_HDRLEN + 16) + \
			 4 * NLA_ALIGN(NLA_HDRLEN + 4))

/*
 * One dump for refs[0..@n) (n <= TCPKIT_CHECKPOINT_SOCKS_MAX), the images
 * added to @set. On failure *@fail is the index of the connection it is
 * about, tk->errmsg the kernel's text without the "sock N: " prefix, and
 * *@held says whether the kernel may hold connections of this dump: it
 * sent something, or its answer is missing.
 */
static int tk_checkpoint_batch(struct tcpkit *tk,
			       const struct tcpkit_sockref *const *refs,
			       size_t n, unsigned int flags,
			       struct tcpkit_image_set *set, size_t *fail,
			       bool *held)
{
	struct tk_set_collect sc = { .set = set, .flags = flags };
	size_t cap = MNL_NLMSG_HDRLEN + MNL_ALIGN(GENL_HDRLEN) + 64 +
		     n * TK_SOCKREF_MAX;
	char why[TK_ERRLEN];
	struct nlmsghdr *nlh;
	const char *rest;
	void *buf;
	long idx;
	size_t i;
	int ret;

	*fail = 0;
	*held = false;
	buf = calloc(1, cap);
	if (!buf)
		return tk_errno(tk, ENOMEM, NULL);
	nlh = tk_msg_start(tk, buf, TCPKIT_CMD_CONN_CHECKPOINT, NLM_F_DUMP);
	for (i = 0; i < n; i++) {
		ret = tk_put_sockref(tk, nlh, cap, TCPKIT_A_CONN_SOCK,
				     refs[i]);
		if (ret) {
			*fail = i;
			free(buf);
			return ret;
		}
	}
	if ((flags & TCPKIT_CHECKPOINT_STOP) &&
	    !mnl_attr_put_check(nlh, cap, TCPKIT_A_CONN_STOP, 0, NULL)) {
		free(buf);
		return tk_err(tk, EMSGSIZE, "request buffer too small");
	}
	ret = tk_request(tk, nlh, tk_set_collect_cb, &sc);
	free(buf);
	*held = sc.got || sc.open || !tk->reply_end;
	if (!ret && sc.open)
		ret = tk_set_collect_end(tk, &sc);
	if (!ret && sc.got != n)
		ret = tk_err(tk, EPROTO,
			     "the kernel checkpointed %zu of the %zu connections asked for",
			     sc.got, n);
	free(sc.c.b.p);
	if (!ret)
		return 0;
	/* the connection the error is about: named, or the next one */
	*fail = sc.got < n ? sc.got : n - 1;
	idx = tk_sock_index(tk->errmsg, &rest);
	if (idx >= 0 && (size_t)idx < n) {
		*fail = (size_t)idx;
		snprintf(why, sizeof(why), "%s", rest);
		tk_err(tk, -ret, "%s", why);
	}
	return ret;
}

/* One dump per connection: for a module before family version 2. */
static int tk_checkpoint_each(struct tcpkit *tk,
			      const struct tcpkit_sockref *const *refs,
			      size_t n, unsigned int flags,
			      struct tcpkit_image_set *set, size_t *fail)
{
	struct tcpkit_image *img;
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		*fail = i;
		ret = tcpkit_checkpoint(tk, refs[i], flags, &img);
		if (ret)
			return ret;
		if (tcpkit_image_set_add(set, img)) {
			if (img->hold && tcpkit_abort(tk, img))
				tk_reopen(tk);
			tcpkit_image_free(img);
			return tk_errno(tk, ENOMEM, NULL);
		}
	}
	return 0;
}

int tcpkit_checkpoint_set(struct tcpkit *tk,
			  const struct tcpkit_sockref *const *refs, size_t n,
			  unsigned int flags, struct tcpkit_image_set **setp)
{
	struct tcpkit_image_set *set;
	size_t i, done = 0, fail = 0, k;
	bool held = false, kept;
	char why[TK_ERRLEN];
	int ret = 0;

	*setp = NULL;
	if (!n || !refs)
		return tk_err(tk, EINVAL, "checkpoint set: no sockets given");
	if (flags & ~TCPKIT_CHECKPOINT_STOP)
		return tk_err(tk, EINVAL, "unknown checkpoint flags 0x%x",
			      flags);
	set = tcpkit_image_set_new();
	if (!set)
		return tk_errno(tk, ENOMEM, NULL);
	if (tk->family_version < TK_FAMILY_VERSION_SETS) {
		ret = tk_checkpoint_each(tk, refs, n, flags, set, &fail);
		held = fail > 0;
		goto out;
	}

	/* every reference checked before anything is sent */
	for (i = 0; i < n; i++) {
		ret = tk_check_ref(tk, refs[i]);
		if (ret) {
			fail = i;
			goto out;
		}
	}
	/* a module without them would destroy the originals at once */
	if ((flags & TCPKIT_CHECKPOINT_STOP) &&
	    (!tk_has_cmd(tk, TCPKIT_CMD_CONN_COMMIT) ||
	     !tk_has_cmd(tk, TCPKIT_CMD_CONN_ABORT))) {
		ret = tk_err(tk, EOPNOTSUPP,
			     "the tcpkit module has no two-phase stop (conn-commit, conn-abort): it would destroy the original before its image is saved; update the module");
		goto out;
	}
	for (done = 0; done < n; done += k) {
		k = n - done;
		if (k > TCPKIT_CHECKPOINT_SOCKS_MAX)
			k = TCPKIT_CHECKPOINT_SOCKS_MAX;
		ret = tk_checkpoint_batch(tk, refs + done, k, flags, set,
					  &fail, &kept);
		if (ret) {
			fail += done;
			/*
			 * With stop, the kernel may hold connections that no
			 * image records (the one whose header was cut short,
			 * those after a failure of ours): closing the netlink
			 * socket gives back every one, as tcpkit_checkpoint()
			 * does. Those of earlier batches are in the set.
			 */
			if ((flags & TCPKIT_CHECKPOINT_STOP) && kept) {
				snprintf(why, sizeof(why), "%s", tk->errmsg);
				tk_reopen(tk);
				tk_err(tk, -ret, "%s", why);
			}
			held = fail > 0;
			break;
		}
	}
out:
	if (!ret) {
		*setp = set;
		return 0;
	}
	snprintf(why, sizeof(why), "%s", tk->errmsg);
	if (flags & TCPKIT_CHECKPOINT_STOP)
		tk_set_give_back(tk, set);
	tcpkit_image_set_free(set);
	return tk_err(tk, -ret,
		      "connection %zu of %zu: %.400s%s", fail, n, why,
		      (flags & TCPKIT_CHECKPOINT_STOP) && held ?
		      "; every connection held was given back" : "");
}

/* Commit or abort requests of a set that go out in one sendmsg(). */
#define TK_HOLD_BATCH	128
#define TK_HOLD_MSG	NLMSG_ALIGN(NLMSG_HDRLEN + GENL_HDRLEN + \
				    NLA_HDRLEN + sizeof(uint32_t))

/* One batch of hold requests, sent together, their ACKs matched by seq. */
struct tk_hold_batch {
	unsigned char buf[TK_HOLD_BATCH * TK_HOLD_MSG]
		__attribute__((aligned(8)));
	uint32_t seq[TK_HOLD_BATCH];
	size_t idx[TK_HOLD_BATCH];	/* position in the set */
	int err[TK_HOLD_BATCH];		/* 1: no ACK yet */
	unsigned int n;
};

/* Failures of a set's hold requests: how many, the first one's text. */
struct tk_hold_fails {
	int n;
	int err;
	char msg[TK_ERRLEN];
};

static void tk_hold_fail(struct tcpkit *tk, struct tk_hold_fails *f,
			 size_t i, int err)
{
	if (f->n++)
		return;
	f->err = -err;
	snprintf(f->msg, sizeof(f->msg), "connection %zu: %.400s", i,
		 tk->errmsg);
}

/*
 * Send @b's requests in one sendmsg() and take their ACKs: b->err[] gets
 * each outcome, @f the failures (with their text, which only the ACK
 * being read has).
 */
static void tk_hold_batch_run(struct tcpkit *tk, struct tk_hold_batch *b,
			      struct tk_hold_fails *f)
{
	struct iovec iov = { b->buf, (size_t)b->n * TK_HOLD_MSG };
	const struct nlmsghdr *nlh, *req;
	unsigned int left = b->n, k;
	struct tk_acks acks = { 0 };
	int ret;

	for (k = 0; k < b->n; k++)
		b->err[k] = 1;
	ret = tk_send_iov(tk, &iov, 1, iov.iov_len);
	while (!ret && left) {
		ret = tk_next_ack(tk, &acks, &nlh);
		if (ret)
			break;
		for (k = 0; k < b->n; k++)
			if (b->err[k] == 1 && b->seq[k] == nlh->nlmsg_seq)
				break;
		if (k == b->n)
			continue;	/* stale */
		req = (const struct nlmsghdr *)(b->buf + k * TK_HOLD_MSG);
		b->err[k] = tk_ack_error(tk, nlh, req);
		if (b->err[k])
			tk_hold_fail(tk, f, b->idx[k], b->err[k]);
		left--;
	}
	/* sent but not acknowledged (ENOBUFS, a dead socket): unknown */
	for (k = 0; k < b->n; k++) {
		if (b->err[k] != 1)
			continue;
		b->err[k] = ret ? ret : -EIO;
		tk_hold_fail(tk, f, b->idx[k], b->err[k]);
	}
}

/*
 * Commit (or abort) every hold of @set, TK_HOLD_BATCH requests to a
 * sendmsg(). A commit that fails gives its connection back (never left
 * held, as after a lapse).
 */
static int tk_set_holds(struct tcpkit *tk, struct tcpkit_image_set *set,
			bool commit)
{
	uint8_t cmd = commit ? TCPKIT_CMD_CONN_COMMIT : TCPKIT_CMD_CONN_ABORT;
	struct tk_hold_fails f = { 0 };
	struct tk_hold_batch *b;
	struct tcpkit_image *img;
	struct nlmsghdr *nlh;
	unsigned int k;
	size_t i = 0;
	int ret;

	if (!set)
		return tk_err(tk, EINVAL, "no image set given");
	b = calloc(1, sizeof(*b));
	if (!b)
		return tk_errno(tk, ENOMEM, NULL);
	while (i < set->n) {
		for (b->n = 0; i < set->n && b->n < TK_HOLD_BATCH; i++) {
			img = set->imgs[i];
			if (!img->hold)
				continue;
			if (img->hold_portid != tk->portid) {
				/* refused here, as tcpkit_commit() would */
				ret = tk_hold_request(tk, img, cmd);
				tk_hold_fail(tk, &f, i, ret);
				continue;
			}
			nlh = tk_msg_start(tk, b->buf + b->n * TK_HOLD_MSG,
					   cmd, NLM_F_ACK);
			mnl_attr_put_u32(nlh, TCPKIT_A_CONN_HOLD, img->hold);
			b->seq[b->n] = nlh->nlmsg_seq;
			b->idx[b->n++] = i;
		}
		if (b->n)
			tk_hold_batch_run(tk, b, &f);
		for (k = 0; k < b->n; k++) {
			img = set->imgs[b->idx[k]];
			if (!b->err[k])
				img->hold = 0;
			else if (commit)
				tcpkit_abort(tk, img);
		}
	}
	free(b);
	if (!f.n) {
		tk_clear_err(tk);
		return 0;
	}
	tk_err(tk, f.err, "%d of %zu connections not %s; the first, %s",
	       f.n, set->n, commit ? "committed" : "given back", f.msg);
	return f.n;
}

int tcpkit_commit_set(struct tcpkit *tk, struct tcpkit_image_set *set)
{
	return tk_set_holds(tk, set, true);
}

int tcpkit_abort_set(struct tcpkit *tk, struct tcpkit_image_set *set)
{
	return tk_set_holds(tk, set, false);
}
