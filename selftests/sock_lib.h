/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sock_lib.h: a network namespace of the test's own, loopback up, and a
 * wait for bytes in a socket's receive queue. Shared by the selftests that
 * use the netlink family directly (conn_lib.h) and those that go through
 * libtcpkit (lib_api, lib_set).
 */
#ifndef TCPKIT_SOCK_LIB_H
#define TCPKIT_SOCK_LIB_H

#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* Move the caller into a new netns with lo up: 0 or a negative errno. */
static inline int netns_private(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd, err;

	if (unshare(CLONE_NEWNET))
		return -errno;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -errno;
	err = ioctl(fd, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	if (!err)
		err = ioctl(fd, SIOCSIFFLAGS, &ifr);
	close(fd);
	return err ? -errno : 0;
}

/* Wait up to 3 s until @len bytes sit unread in @fd: 0, or -1. */
static inline int wait_inq(int fd, int len)
{
	int inq = 0, i;

	for (i = 0; i < 300; i++) {
		if (ioctl(fd, FIONREAD, &inq) == 0 && inq >= len)
			return 0;
		usleep(10000);
	}
	return -1;
}

#endif
