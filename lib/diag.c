// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libtcpkit: the connections a checkpoint can take, listed with sock_diag
 * (NETLINK_SOCK_DIAG, one dump per address family) in the calling
 * thread's network namespace and filtered here: ports, address prefixes,
 * and the sockets a process has open (its /proc/PID/fd).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>

#include "internal.h"

/* The states tcpkit_conn_check() in the module accepts. */
#define TK_DIAG_STATES	(1U << TCP_ESTABLISHED | 1U << TCP_CLOSE_WAIT | \
			 1U << TCP_FIN_WAIT1 | 1U << TCP_FIN_WAIT2 | \
			 1U << TCP_CLOSING | 1U << TCP_LAST_ACK)

struct tk_diag {
	struct tcpkit *tk;
	struct tcpkit_conn_filter f;	/* the caller's, zero-extended */
	unsigned long *inodes;		/* sorted: the sockets of f.pid */
	size_t ninodes;
	struct tcpkit_tuple *v;
	size_t n;
	size_t cap;
	int err;			/* the callback's own failure */
};

static int tk_cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a;
	unsigned long y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* The inodes of the sockets process @pid has open, sorted. */
static int tk_pid_sockets(struct tk_diag *d, int pid)
{
	char path[64], link[64];
	unsigned long ino, *nv;
	struct dirent *de;
	size_t cap = 0;
	ssize_t len;
	DIR *dir;
	int err;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	if (!dir) {
		err = errno;
		return tk_err(d->tk, err, "pid %d: %s", pid,
			      err == ENOENT ? "no such process" : strerror(err));
	}
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		len = readlinkat(dirfd(dir), de->d_name, link, sizeof(link) - 1);
		if (len < 0)
			continue;	/* closed meanwhile */
		link[len] = '\0';
		if (sscanf(link, "socket:[%lu]", &ino) != 1)
			continue;
		if (d->ninodes == cap) {
			cap = cap ? 2 * cap : 64;
			nv = reallocarray(d->inodes, cap, sizeof(*nv));
			if (!nv) {
				closedir(dir);
				return tk_errno(d->tk, ENOMEM, NULL);
			}
			d->inodes = nv;
		}
		d->inodes[d->ninodes++] = ino;
	}
	closedir(dir);
	qsort(d->inodes, d->ninodes, sizeof(*d->inodes), tk_cmp_ulong);
	return 0;
}

/* @addr (of @family, network order) within @p. */
static bool tk_in_prefix(const struct tcpkit_prefix *p, int family,
			 const void *addr)
{
	const unsigned char *a = addr, *b = (const unsigned char *)&p->addr;
	unsigned int full = p->len / 8, rest = p->len % 8;

	if (p->family != family)
		return false;
	if (memcmp(a, b, full))
		return false;
	return !rest || !((a[full] ^ b[full]) & (0xff << (8 - rest)));
}

static bool tk_diag_match(const struct tk_diag *d,
			  const struct tcpkit_tuple *t, unsigned long ino)
{
	const struct tcpkit_conn_filter *f = &d->f;

	if ((f->has & TCPKIT_FILTER_SPORT) && t->sport != f->sport)
		return false;
	if ((f->has & TCPKIT_FILTER_DPORT) && t->dport != f->dport)
		return false;
	if ((f->has & TCPKIT_FILTER_SADDR) &&
	    !tk_in_prefix(&f->saddr, t->family, &t->saddr))
		return false;
	if ((f->has & TCPKIT_FILTER_DADDR) &&
	    !tk_in_prefix(&f->daddr, t->family, &t->daddr))
		return false;
	if ((f->has & TCPKIT_FILTER_PID) &&
	    !bsearch(&ino, d->inodes, d->ninodes, sizeof(ino), tk_cmp_ulong))
		return false;
	return true;
}

/* An IPv4 connection of an IPv6 socket: named by its IPv4 tuple. */
static void tk_diag_unmap(struct tcpkit_tuple *t)
{
	struct in_addr s, d;

	if (t->family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&t->saddr.v6) ||
	    !IN6_IS_ADDR_V4MAPPED(&t->daddr.v6))
		return;
	memcpy(&s, &t->saddr.v6.s6_addr[12], 4);
	memcpy(&d, &t->daddr.v6.s6_addr[12], 4);
	memset(&t->saddr, 0, sizeof(t->saddr));
	memset(&t->daddr, 0, sizeof(t->daddr));
	t->saddr.v4 = s;
	t->daddr.v4 = d;
	t->family = AF_INET;
	t->ifindex = 0;
}

static int tk_diag_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	struct tk_diag *d = arg;
	struct tcpkit_tuple t, *nv;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*m))) {
		d->err = tk_err(d->tk, EPROTO, "sock_diag: short message");
		return MNL_CB_ERROR;
	}
	if (m->idiag_family != AF_INET && m->idiag_family != AF_INET6)
		return MNL_CB_OK;
	if (!(TK_DIAG_STATES & (1U << m->idiag_state)) || !m->idiag_inode)
		return MNL_CB_OK;	/* another state, or an orphan */
	memset(&t, 0, sizeof(t));
	t.family = m->idiag_family;
	memcpy(&t.saddr, m->id.idiag_src,
	       t.family == AF_INET ? 4 : 16);
	memcpy(&t.daddr, m->id.idiag_dst,
	       t.family == AF_INET ? 4 : 16);
	t.sport = ntohs(m->id.idiag_sport);
	t.dport = ntohs(m->id.idiag_dport);
	if (t.family == AF_INET6 && (IN6_IS_ADDR_LINKLOCAL(&t.saddr.v6) ||
				     IN6_IS_ADDR_LINKLOCAL(&t.daddr.v6)))
		t.ifindex = m->id.idiag_if;
	tk_diag_unmap(&t);
	if (!tk_diag_match(d, &t, m->idiag_inode))
		return MNL_CB_OK;
	if (d->n == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 64;
		nv = reallocarray(d->v, d->cap, sizeof(*nv));
		if (!nv) {
			d->err = tk_errno(d->tk, ENOMEM, NULL);
			return MNL_CB_ERROR;
		}
		d->v = nv;
	}
	d->v[d->n++] = t;
	return MNL_CB_OK;
}

/* One SOCK_DIAG_BY_FAMILY dump of TCP sockets of @family. */
static int tk_diag_dump(struct tk_diag *d, struct mnl_socket *nl, int family)
{
	char buf[MNL_SOCKET_BUFFER_SIZE] __attribute__((aligned(8)));
	unsigned int portid = mnl_socket_get_portid(nl);
	struct inet_diag_req_v2 *req;
	struct nlmsghdr *nlh;
	uint32_t seq = (uint32_t)time(NULL) + family;
	ssize_t n;
	int ret;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = family;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_states = TK_DIAG_STATES;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return tk_errno(d->tk, errno, "sock_diag: send");
	for (;;) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return tk_errno(d->tk, errno, "sock_diag: receive");
		ret = mnl_cb_run(buf, n, seq, portid, tk_diag_cb, d);
		if (ret == MNL_CB_STOP)
			return 0;
		if (ret < 0 && d->err)
			return d->err;
		if (ret < 0)
			return tk_errno(d->tk, errno ? errno : EPROTO,
					"sock_diag dump");
	}
}

int tcpkit_conn_list(struct tcpkit *tk, const struct tcpkit_conn_filter *filter,
		     struct tcpkit_tuple **tuples, size_t *count)
{
	const size_t first = tk_offsetofend(struct tcpkit_conn_filter, pid);
	struct tk_diag d = { .tk = tk };
	struct mnl_socket *nl;
	size_t len;
	int ret;

	*tuples = NULL;
	*count = 0;
	if (filter) {
		len = tk_struct_len(filter->size, first, sizeof(d.f));
		if (!len)
			return tk_err(tk, EINVAL,
				      "struct tcpkit_conn_filter of %u bytes: too small",
				      filter->size);
		memcpy(&d.f, filter, len);
	}
	if ((d.f.has & TCPKIT_FILTER_SADDR &&
	     ((d.f.saddr.family != AF_INET && d.f.saddr.family != AF_INET6) ||
	      d.f.saddr.len > (d.f.saddr.family == AF_INET ? 32U : 128U))) ||
	    (d.f.has & TCPKIT_FILTER_DADDR &&
	     ((d.f.daddr.family != AF_INET && d.f.daddr.family != AF_INET6) ||
	      d.f.daddr.len > (d.f.daddr.family == AF_INET ? 32U : 128U))))
		return tk_err(tk, EINVAL, "bad address prefix in the filter");
	if (d.f.has & ~(TCPKIT_FILTER_SPORT | TCPKIT_FILTER_DPORT |
			TCPKIT_FILTER_SADDR | TCPKIT_FILTER_DADDR |
			TCPKIT_FILTER_PID))
		return tk_err(tk, EINVAL, "unknown filter bits 0x%x", d.f.has);
	if (d.f.has & TCPKIT_FILTER_PID) {
		if (d.f.pid <= 0)
			return tk_err(tk, EINVAL, "bad pid %d in the filter",
				      d.f.pid);
		ret = tk_pid_sockets(&d, d.f.pid);
		if (ret)
			return ret;
	}
	nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = tk_errno(tk, errno, "sock_diag: socket");
		goto out;
	}
	ret = tk_diag_dump(&d, nl, AF_INET);
	if (!ret)
		ret = tk_diag_dump(&d, nl, AF_INET6);
out:
	if (nl)
		mnl_socket_close(nl);
	free(d.inodes);
	if (ret) {
		free(d.v);
		return ret;
	}
	*tuples = d.v;
	*count = d.n;
	return 0;
}
