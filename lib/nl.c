// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libtcpkit: generic netlink plumbing. Family resolution, requests with
 * NLM_F_ACK, multipart dumps and extended ACK (extack) error text.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "internal.h"
#include "names-gen.h"

struct nlmsghdr *tk_msg_start(struct tcpkit *tk, void *buf, uint8_t cmd,
			      uint16_t flags)
{
	struct genlmsghdr *genl;
	struct nlmsghdr *nlh;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = tk->family_id;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++tk->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = TCPKIT_FAMILY_VERSION;
	return nlh;
}

/* libmnl's nest helpers vary in setting NLA_F_NESTED; strict policies need it. */
static struct nlattr *tk_nest_start(struct nlmsghdr *nlh, size_t buflen,
				    uint16_t type)
{
	struct nlattr *nest;

	nest = mnl_attr_nest_start_check(nlh, buflen, type);
	if (nest)
		nest->nla_type = type | NLA_F_NESTED;
	return nest;
}

int tk_put_tuple(struct tcpkit *tk, struct nlmsghdr *nlh, size_t buflen,
		 const struct tcpkit_tuple *t)
{
	size_t alen = t->family == AF_INET6 ? 16 : 4;
	bool ok;

	if (t->family != AF_INET && t->family != AF_INET6)
		return tk_err(tk, EAFNOSUPPORT,
			      "address family %d is not AF_INET or AF_INET6",
			      t->family);
	ok = mnl_attr_put_u16_check(nlh, buflen, TCPKIT_A_SOCK_FAMILY,
				    t->family) &&
	     mnl_attr_put_check(nlh, buflen, TCPKIT_A_SOCK_SADDR, alen,
				&t->saddr) &&
	     mnl_attr_put_check(nlh, buflen, TCPKIT_A_SOCK_DADDR, alen,
				&t->daddr) &&
	     mnl_attr_put_u16_check(nlh, buflen, TCPKIT_A_SOCK_SPORT,
				    t->sport) &&
	     mnl_attr_put_u16_check(nlh, buflen, TCPKIT_A_SOCK_DPORT,
				    t->dport);
	if (ok && t->ifindex)
		ok = mnl_attr_put_u32_check(nlh, buflen, TCPKIT_A_SOCK_IFINDEX,
					    t->ifindex);
	return ok ? 0 : tk_err(tk, EMSGSIZE, "request buffer too small");
}

int tk_put_sockref(struct tcpkit *tk, struct nlmsghdr *nlh, size_t buflen,
		   uint16_t type, const struct tcpkit_sockref *ref)
{
	struct nlattr *nest;
	int ret;

	if (!tk_struct_len(ref->size, TK_SOCKREF_SIZE1, sizeof(*ref)))
		return tk_err(tk, EINVAL, "struct tcpkit_sockref of %u bytes: too small",
			      ref->size);
	nest = tk_nest_start(nlh, buflen, type);
	if (!nest)
		return tk_err(tk, EMSGSIZE, "request buffer too small");
	if (ref->fd >= 0) {
		if (!mnl_attr_put_u32_check(nlh, buflen, TCPKIT_A_SOCK_FD,
					    ref->fd))
			return tk_err(tk, EMSGSIZE, "request buffer too small");
	} else {
		ret = tk_put_tuple(tk, nlh, buflen, &ref->tuple);
		if (ret)
			return ret;
	}
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

/* Make the netlink socket's send buffer hold one message of @len bytes. */
int tk_ensure_sndbuf(struct tcpkit *tk, size_t len)
{
	int fd = mnl_socket_get_fd(tk->nl);
	socklen_t sl = sizeof(int);
	int cur = 0, val;

	if (len > INT32_MAX / 2 - 65536)
		return tk_err(tk, EMSGSIZE, "request of %zu bytes is too large",
			      len);
	/* known large enough: only this library sets it on its socket */
	if (tk->sndbuf >= len + 64)
		return 0;
	/* netlink_sendmsg() refuses len > sk_sndbuf - 32 */
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &cur, &sl) == 0 &&
	    (size_t)cur >= len + 64) {
		tk->sndbuf = (size_t)cur;
		return 0;
	}
	/* the kernel doubles the value it is given */
	val = (int)(len / 2 + 4096);
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &val, sizeof(val)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &val, sizeof(val));
	sl = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &cur, &sl))
		return tk_errno(tk, errno, "getsockopt(SO_SNDBUF)");
	tk->sndbuf = cur > 0 ? (size_t)cur : 0;
	if ((size_t)cur < len + 64)
		return tk_err(tk, EMSGSIZE,
			      "request of %zu bytes does not fit the netlink send buffer (%d bytes): raise net.core.wmem_max or run with CAP_NET_ADMIN",
			      len, cur);
	return 0;
}

/* @what failed with errno, other than EINTR */
static int tk_recv_error(struct tcpkit *tk, const char *what)
{
	if (errno == ENOBUFS)
		return tk_err(tk, ENOBUFS,
			      "netlink receive buffer overrun: a reply from the kernel was lost");
	return tk_errno(tk, errno, what);
}

/* Datagrams one receive call may take. */
#define TK_RECV_BATCH	32

/*
 * The receive size, a slot per datagram. The kernel sizes the message
 * buffers of a dump from the largest receive size the reader ever gave,
 * up to 32 KiB, and clears each one it allocates (init_on_alloc, on in
 * Debian's kernels): a 32 KiB receive made every checkpoint, idle ones
 * included, allocate and clear 32 KiB. A slot of NLMSG_GOODSIZE's page
 * (the size of every reply that is not a dump: a page, at most 8 KiB)
 * keeps dump buffers that small; the data of a large checkpoint comes in
 * more messages, taken TK_RECV_BATCH to a recvmmsg().
 */
static size_t tk_recv_slot(void)
{
	long page = sysconf(_SC_PAGESIZE);

	return page > 4096 ? 8192 : 4096;
}

static int tk_recv_alloc(struct tcpkit *tk)
{
	tk->rslot = tk_recv_slot();
	tk->rbuf = malloc(TK_RECV_BATCH * tk->rslot);
	tk->rmsg = calloc(TK_RECV_BATCH, sizeof(*tk->rmsg));
	tk->riov = calloc(TK_RECV_BATCH, sizeof(*tk->riov));
	tk->raddr = calloc(TK_RECV_BATCH, sizeof(*tk->raddr));
	if (!tk->rbuf || !tk->rmsg || !tk->riov || !tk->raddr)
		return tk_errno(NULL, ENOMEM, NULL);
	return 0;
}

/*
 * The next datagram from the kernel: one left from the last receive call,
 * or the first of a new recvmmsg(), which waits for one and takes those
 * queued behind it (netlink_recvmsg() runs the dump on after each), in
 * *@dgram, its length in *@len. Returns 0 or a negative errno.
 */
int tk_recv(struct tcpkit *tk, const unsigned char **dgram, ssize_t *len)
{
	int fd = mnl_socket_get_fd(tk->nl);
	struct msghdr *m;
	unsigned int i;
	int n;

	for (;;) {
		while (tk->rnext < tk->rcount) {
			i = tk->rnext++;
			m = &tk->rmsg[i].msg_hdr;
			if (tk->rmsg[i].msg_len > tk->rslot ||
			    (m->msg_flags & MSG_TRUNC)) {
				return tk_err(tk, EMSGSIZE,
					      "netlink message of %u bytes truncated",
					      tk->rmsg[i].msg_len);
			}
			/* only the kernel talks to us */
			if (m->msg_namelen != sizeof(tk->raddr[i]) ||
			    tk->raddr[i].nl_pid != 0)
				continue;
			*len = tk->rmsg[i].msg_len;
			*dgram = tk->rbuf + (size_t)i * tk->rslot;
			return 0;
		}
		for (i = 0; i < TK_RECV_BATCH; i++) {
			tk->riov[i].iov_base = tk->rbuf + (size_t)i * tk->rslot;
			tk->riov[i].iov_len = tk->rslot;
			m = &tk->rmsg[i].msg_hdr;
			memset(m, 0, sizeof(*m));
			m->msg_name = &tk->raddr[i];
			m->msg_namelen = sizeof(tk->raddr[i]);
			m->msg_iov = &tk->riov[i];
			m->msg_iovlen = 1;
		}
		tk->rcount = 0;
		tk->rnext = 0;
		n = recvmmsg(fd, tk->rmsg, TK_RECV_BATCH,
			     MSG_TRUNC | MSG_WAITFORONE, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return tk_recv_error(tk, "netlink recvmmsg");
		}
		tk->rcount = (unsigned int)n;
	}
}

/* Attribute names of a request's top level, by command. */
static const char *tk_top_name(uint8_t cmd, unsigned int type)
{
	if (cmd == TCPKIT_CMD_AIMD_GET || cmd == TCPKIT_CMD_AIMD_SET)
		return type <= TCPKIT_A_AIMD_MAX ? tk_aimd_attr_names[type] : NULL;
	return tk_conn_attr_name(type);
}

/* Names for the attributes inside a nest; NULL if not a known nest. */
static const char *tk_inner_name(uint8_t cmd, unsigned int outer,
				 unsigned int type)
{
	bool aimd_cmd = cmd == TCPKIT_CMD_AIMD_GET || cmd == TCPKIT_CMD_AIMD_SET;

	if ((aimd_cmd && outer == TCPKIT_A_AIMD_SOCK) ||
	    (!aimd_cmd && outer == TCPKIT_A_CONN_SOCK))
		return type <= TCPKIT_A_SOCK_MAX ? tk_sock_attr_names[type] : NULL;
	if (!aimd_cmd && outer == TCPKIT_A_CONN_AIMD)
		return type <= TCPKIT_A_AIMD_MAX ? tk_aimd_attr_names[type] : NULL;
	return NULL;
}

/*
 * Name of the request's attribute at byte offset @offs (as extack reports
 * it): "alpha", "sock/fd".  With @missing, the name of type @miss inside
 * the nest at @offs, or at the top level when @offs is 0.
 */
static void tk_attr_path(const struct nlmsghdr *req, uint32_t offs,
			 bool missing, uint32_t miss, char *buf, size_t len)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(req);
	size_t off = NLMSG_HDRLEN + GENL_HDRLEN, in, end;
	const struct nlattr *a, *c;
	const char *outer, *name;
	unsigned int t;

	snprintf(buf, len, "attribute %u", missing ? miss : 0);
	if (missing && !offs) {
		name = tk_top_name(genl->cmd, miss);
		if (name)
			snprintf(buf, len, "%s", name);
		return;
	}
	while (off + NLA_HDRLEN <= req->nlmsg_len) {
		a = (const struct nlattr *)((const char *)req + off);
		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > req->nlmsg_len)
			return;
		t = tk_nla_type(a);
		outer = tk_top_name(genl->cmd, t);
		end = off + a->nla_len;
		if (offs == off && !missing) {
			if (outer)
				snprintf(buf, len, "%s", outer);
			else
				snprintf(buf, len, "attribute %u", t);
			return;
		}
		if (offs == off && missing) {
			name = tk_inner_name(genl->cmd, t, miss);
			snprintf(buf, len, "%s/%s", outer ? outer : "?",
				 name ? name : "?");
			return;
		}
		for (in = off + NLA_HDRLEN; offs > off && offs < end &&
		     in + NLA_HDRLEN <= end; in += NLA_ALIGN(c->nla_len)) {
			c = (const struct nlattr *)((const char *)req + in);
			if (c->nla_len < NLA_HDRLEN)
				return;
			if (in != offs)
				continue;
			name = tk_inner_name(genl->cmd, t, tk_nla_type(c));
			snprintf(buf, len, "%s/%s", outer ? outer : "?",
				 name ? name : "?");
			return;
		}
		off += NLA_ALIGN(a->nla_len);
	}
}

/*
 * Error text from the TLVs after an NLMSG_ERROR or NLMSG_DONE payload:
 * the extack message and the attribute it is about, or strerror.
 */
static int tk_set_nl_error(struct tcpkit *tk, int err, const void *tlv,
			   size_t tlvlen, const struct nlmsghdr *req)
{
	uint32_t offs = 0, miss = 0, miss_nest = 0;
	bool has_offs = false, has_miss = false;
	const char *msg = NULL;
	const struct nlattr *a;
	char what[64];
	size_t off = 0;

	while (tlv && tlvlen - off >= NLA_HDRLEN) {
		a = (const struct nlattr *)((const char *)tlv + off);
		if (a->nla_len < NLA_HDRLEN || a->nla_len > tlvlen - off)
			break;
		switch (tk_nla_type(a)) {
		case NLMSGERR_ATTR_MSG:
			if (tk_nla_len(a) &&
			    memchr(tk_nla_data(a), '\0', tk_nla_len(a)))
				msg = tk_nla_data(a);
			break;
		case NLMSGERR_ATTR_OFFS:
			if (tk_nla_len(a) == 4) {
				memcpy(&offs, tk_nla_data(a), 4);
				has_offs = true;
			}
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			if (tk_nla_len(a) == 4) {
				memcpy(&miss, tk_nla_data(a), 4);
				has_miss = true;
			}
			break;
		case NLMSGERR_ATTR_MISS_NEST:
			if (tk_nla_len(a) == 4)
				memcpy(&miss_nest, tk_nla_data(a), 4);
			break;
		}
		off += NLA_ALIGN(a->nla_len);
		if (off > tlvlen)
			break;
	}
	if (msg && !*msg)
		msg = NULL;
	if (!msg)
		msg = strerror(err);

	if (has_miss && req) {
		tk_attr_path(req, miss_nest, true, miss, what, sizeof(what));
		return tk_err(tk, err, "%s: missing %s", msg, what);
	}
	/* only offsets inside the request name one of its attributes */
	if (has_offs && req && offs >= NLMSG_HDRLEN + GENL_HDRLEN &&
	    offs + NLA_HDRLEN <= req->nlmsg_len) {
		tk_attr_path(req, offs, false, 0, what, sizeof(what));
		return tk_err(tk, err, "%s (%s)", msg, what);
	}
	return tk_err(tk, err, "%s", msg);
}

static int tk_parse_error(struct tcpkit *tk, const struct nlmsghdr *nlh,
			  const struct nlmsghdr *req)
{
	size_t plen = nlh->nlmsg_len - NLMSG_HDRLEN;
	const struct nlmsgerr *e;
	size_t off;

	if (plen < sizeof(*e))
		return tk_err(tk, EPROTO, "short netlink error message");
	e = mnl_nlmsg_get_payload(nlh);
	if (e->error == 0)
		return 0;
	if (e->error > 0 || e->error < -4095)
		return tk_err(tk, EPROTO, "bad netlink error code %d",
			      e->error);
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return tk_set_nl_error(tk, -e->error, NULL, 0, req);
	off = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < NLMSG_HDRLEN)
			return tk_set_nl_error(tk, -e->error, NULL, 0, req);
		off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	}
	if (off > plen)
		return tk_set_nl_error(tk, -e->error, NULL, 0, req);
	return tk_set_nl_error(tk, -e->error,
			       (const char *)e + off, plen - off, req);
}

int tk_ack_error(struct tcpkit *tk, const struct nlmsghdr *nlh,
		 const struct nlmsghdr *req)
{
	return tk_parse_error(tk, nlh, req);
}

/*
 * Send @niov pieces, @len bytes in all (one or several requests), in one
 * sendmsg(); what an earlier request left unread is dropped.
 */
int tk_send_iov(struct tcpkit *tk, struct iovec *iov, unsigned int niov,
		size_t len)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct msghdr msg = {
		.msg_name = &kernel,
		.msg_namelen = sizeof(kernel),
		.msg_iov = iov,
		.msg_iovlen = niov,
	};
	ssize_t n;
	int ret;

	tk->rcount = 0;
	tk->rnext = 0;
	if (!tk->nl)
		return tk_err(tk, EBADF,
			      "the handle lost its netlink socket when a reopen failed: open a new one");
	if (len > 16384) {
		ret = tk_ensure_sndbuf(tk, len);
		if (ret)
			return ret;
	}
	for (;;) {
		n = sendmsg(mnl_socket_get_fd(tk->nl), &msg, 0);
		if (n >= 0)
			break;
		if (errno == EINTR)
			continue;
		return tk_errno(tk, errno, "netlink send");
	}
	if ((size_t)n != len)
		return tk_err(tk, EIO, "netlink send: short write");
	return 0;
}

static int tk_parse_done(struct tcpkit *tk, const struct nlmsghdr *nlh,
			 const struct nlmsghdr *req)
{
	size_t plen = nlh->nlmsg_len - NLMSG_HDRLEN;
	const char *p = mnl_nlmsg_get_payload(nlh);
	int err;

	if (plen < sizeof(int))
		return 0;
	memcpy(&err, p, sizeof(int));
	if (err == 0)
		return 0;
	if (err > 0 || err < -4095)
		return tk_err(tk, EPROTO, "bad netlink dump status %d", err);
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return tk_set_nl_error(tk, -err, NULL, 0, req);
	return tk_set_nl_error(tk, -err, p + NLMSG_ALIGN(sizeof(int)),
			       plen - NLMSG_ALIGN(sizeof(int)), req);
}

/*
 * Send @req and process its replies until the final ACK (NLMSG_ERROR) or,
 * for a dump, NLMSG_DONE.  @cb sees every message of the request's type;
 * after a callback failure the rest of the reply is drained and ignored so
 * the socket stays in step.
 */
int tk_request(struct tcpkit *tk, struct nlmsghdr *req, tk_msg_cb cb,
	       void *arg)
{
	struct iovec iov = { .iov_base = req, .iov_len = req->nlmsg_len };

	return tk_request_iov(tk, req, &iov, 1, cb, arg);
}

/*
 * tk_request() for a request in @niov pieces: @req (the header, in
 * iov[0]) says the whole length; the kernel gathers the pieces.
 */
int tk_request_iov(struct tcpkit *tk, struct nlmsghdr *req,
		   struct iovec *iov, unsigned int niov, tk_msg_cb cb,
		   void *arg)
{
	uint16_t rtype = req->nlmsg_type;
	uint32_t seq = req->nlmsg_seq;
	const unsigned char *dgram = NULL;
	const struct nlmsghdr *nlh;
	int ret = 0, rc, len;
	ssize_t n;

	tk_clear_err(tk);
	tk->reply_end = 0;
	ret = tk_send_iov(tk, iov, niov, req->nlmsg_len);
	if (ret)
		return ret;

	for (;;) {
		rc = tk_recv(tk, &dgram, &n);
		if (rc)
			return rc;
		len = (int)n;
		for (nlh = (const struct nlmsghdr *)dgram;
		     mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != seq ||
			    nlh->nlmsg_pid != tk->portid)
				continue;	/* stale reply */
			switch (nlh->nlmsg_type) {
			case NLMSG_NOOP:
				continue;
			case NLMSG_OVERRUN:
				return tk_err(tk, ENOBUFS,
					      "netlink overrun: reply lost");
			case NLMSG_ERROR:
				tk->reply_end = NLMSG_ERROR;
				/* a callback failure is the better story */
				return ret ? ret : tk_parse_error(tk, nlh, req);
			case NLMSG_DONE:
				tk->reply_end = NLMSG_DONE;
				return ret ? ret : tk_parse_done(tk, nlh, req);
			}
			if (nlh->nlmsg_type != rtype || ret || !cb)
				continue;
			ret = cb(tk, nlh, arg);
			if (ret > 0)
				ret = 0;
		}
		if (len)
			return tk_err(tk, EPROTO,
				      "malformed netlink message from the kernel");
		/* a do request without NLM_F_ACK ends with its reply */
		if (!(req->nlmsg_flags & (NLM_F_ACK | NLM_F_DUMP)))
			return ret;
	}
}

/* CTRL_ATTR_OPS: a nest of one nest per command, each with its id. */
static void tk_family_ops(struct tcpkit *tk, const struct nlattr *ops)
{
	const struct nlattr *op, *a;
	uint32_t id;

	tk->ops = 0;
	mnl_attr_for_each_nested(op, ops) {
		mnl_attr_for_each_nested(a, op) {
			if (mnl_attr_get_type(a) != CTRL_ATTR_OP_ID ||
			    mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				continue;
			id = mnl_attr_get_u32(a);
			if (id < 64)
				tk->ops |= 1ULL << id;
		}
	}
}

bool tk_has_cmd(const struct tcpkit *tk, uint8_t cmd)
{
	return cmd < 64 && (tk->ops & (1ULL << cmd));
}

static int tk_family_cb(struct tcpkit *tk, const struct nlmsghdr *nlh,
			void *arg)
{
	const struct nlattr *a;
	bool *found = arg;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
				return tk_err(tk, EPROTO, "bad CTRL_ATTR_FAMILY_ID");
			tk->family_id = mnl_attr_get_u16(a);
			*found = true;
			break;
		case CTRL_ATTR_VERSION:
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				return tk_err(tk, EPROTO, "bad CTRL_ATTR_VERSION");
			tk->family_version = mnl_attr_get_u32(a);
			break;
		case CTRL_ATTR_OPS:
			tk_family_ops(tk, a);
			break;
		}
	}
	return 0;
}

static int tk_resolve_family(struct tcpkit *tk)
{
	/* Zeroed: valgrind saw sendmsg() read uninitialised padding. */
	char buf[256] __attribute__((aligned(8))) = { 0 };
	struct genlmsghdr *genl;
	struct nlmsghdr *nlh;
	bool found = false;
	int ret;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++tk->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = CTRL_CMD_GETFAMILY;
	genl->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, TCPKIT_FAMILY_NAME);

	ret = tk_request(tk, nlh, tk_family_cb, &found);
	if (ret == -ENOENT || (!ret && !found))
		return tk_err(tk, ENOENT,
			      "generic netlink family \"%s\" not found: is the tcpkit module loaded (modprobe tcpkit)?",
			      TCPKIT_FAMILY_NAME);
	if (ret)
		return ret;
	/*
	 * The version grows with additions only: a newer kernel serves us,
	 * and what a version after the oldest we take added (several socks
	 * in a checkpoint, in 2) is used only where the kernel has it.
	 */
	if (tk->family_version < TK_FAMILY_VERSION_MIN)
		return tk_err(tk, EPROTO,
			      "kernel speaks tcpkit family version %u, older than %u, the oldest this library takes: update the module",
			      tk->family_version, TK_FAMILY_VERSION_MIN);
	return 0;
}

/* A bound generic netlink socket with our options for @tk. */
static int tk_socket_open(struct tcpkit *tk)
{
	int one = 1;
	int ret;

	tk->nl = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!tk->nl)
		return tk_errno(tk, errno, "netlink socket");
	if (mnl_socket_bind(tk->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = tk_errno(tk, errno, "netlink bind");
		mnl_socket_close(tk->nl);
		tk->nl = NULL;
		return ret;
	}
	tk->portid = mnl_socket_get_portid(tk->nl);
	tk->sndbuf = 0;		/* not read yet */
	/* extack text; no echo of (possibly megabytes of) request in errors */
	mnl_socket_setsockopt(tk->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(tk->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	return 0;
}

/*
 * Close @tk's netlink socket and open a fresh one in its place. Closing is
 * the point: the kernel gives back every hold the old socket owned (one a
 * failed checkpoint with stop may have made, whether its id reached us or
 * not) and drops what is left of its dump, so nothing stale reaches the
 * next request. The family id and ops stay: a hold never outlives the
 * module. The handle's other holds are given back too. On failure the
 * handle has no socket and every later request fails.
 */
int tk_reopen(struct tcpkit *tk)
{
	if (tk->nl)
		mnl_socket_close(tk->nl);
	tk->nl = NULL;
	return tk_socket_open(tk);
}

struct tcpkit *tcpkit_open(void)
{
	struct tcpkit *tk;
	int ret;

	tk = calloc(1, sizeof(*tk));
	if (!tk) {
		tk_errno(NULL, ENOMEM, NULL);
		return NULL;
	}
	ret = tk_recv_alloc(tk);
	if (ret)
		goto err;
	ret = tk_socket_open(tk);
	if (ret)
		goto err;
	tk->seq = (uint32_t)getpid() << 16;

	ret = tk_resolve_family(tk);
	if (ret)
		goto err;
	tk_clear_err(tk);
	return tk;
err:
	tcpkit_close(tk);
	errno = -ret;
	return NULL;
}

void tcpkit_close(struct tcpkit *tk)
{
	int saved = errno;

	if (!tk)
		return;
	if (tk->nl)
		mnl_socket_close(tk->nl);
	free(tk->rbuf);
	free(tk->rmsg);
	free(tk->riov);
	free(tk->raddr);
	free(tk);
	errno = saved;
}
