// SPDX-License-Identifier: GPL-2.0
/*
 * family_v1.so: an LD_PRELOAD shim for lib_ckset_v1.sh. It rewrites the
 * version in the generic netlink controller's answers about the tcpkit
 * family to 1, so that libtcpkit takes the running module for one of
 * family version 1 (one sock per checkpoint request) and uses its
 * fallbacks: one checkpoint dump per connection of a set.
 */
#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/tcpkit.h>

typedef int (*recvmmsg_fn)(int, struct mmsghdr *, unsigned int, int,
			   struct timespec *);

/* In every controller message about "tcpkit": CTRL_ATTR_VERSION = 1. */
static void to_v1(void *buf, size_t len)
{
	const uint32_t one = 1;
	struct nlmsghdr *nlh;
	struct nlattr *a, *ver;
	bool ours;
	int rem;

	for (nlh = buf; NLMSG_OK(nlh, len); nlh = NLMSG_NEXT(nlh, len)) {
		if (nlh->nlmsg_type != GENL_ID_CTRL ||
		    nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
			continue;
		a = (struct nlattr *)((char *)NLMSG_DATA(nlh) + GENL_HDRLEN);
		rem = (int)(nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN));
		ver = NULL;
		ours = false;
		while (rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
		       a->nla_len <= rem) {
			if (a->nla_type == CTRL_ATTR_FAMILY_NAME &&
			    a->nla_len == NLA_HDRLEN + sizeof(TCPKIT_FAMILY_NAME) &&
			    !memcmp(a + 1, TCPKIT_FAMILY_NAME,
				    sizeof(TCPKIT_FAMILY_NAME)))
				ours = true;
			if (a->nla_type == CTRL_ATTR_VERSION &&
			    a->nla_len == NLA_HDRLEN + sizeof(one))
				ver = a;
			rem -= NLA_ALIGN(a->nla_len);
			a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len));
		}
		if (ours && ver)
			memcpy(ver + 1, &one, sizeof(one));
	}
}

int recvmmsg(int fd, struct mmsghdr *v, unsigned int n, int flags,
	     struct timespec *timeout)
{
	static recvmmsg_fn real;
	int domain = 0, got, i;
	socklen_t len = sizeof(domain);

	if (!real)
		real = (recvmmsg_fn)dlsym(RTLD_NEXT, "recvmmsg");
	got = real(fd, v, n, flags, timeout);
	if (got <= 0 || getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) ||
	    domain != AF_NETLINK)
		return got;
	for (i = 0; i < got; i++)
		if (v[i].msg_hdr.msg_iovlen == 1)
			to_v1(v[i].msg_hdr.msg_iov[0].iov_base, v[i].msg_len);
	return got;
}
