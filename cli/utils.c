// SPDX-License-Identifier: GPL-2.0
/*
 * tcpkit CLI: errors, strict parsers, and naming a socket.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tcpkit.h"

static void verror(const char *fmt, va_list ap)
{
	fflush(stdout);
	fputs("Error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

int sys_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(fmt, ap);
	va_end(ap);
	return EXIT_SYSERR;
}

int lib_error(void)
{
	const char *msg = tcpkit_strerror();

	return sys_error("%s", *msg ? msg : strerror(errno));
}

/* Decimal digits only: no sign, no spaces, no base prefix, <= @max. */
int parse_uint(const char *s, unsigned long long max,
	       unsigned long long *val)
{
	unsigned long long v = 0;
	const char *p = s;

	if (!*p)
		return -EINVAL;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		if (v > (ULLONG_MAX - (*p - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (*p - '0');
	}
	if (v > max)
		return -ERANGE;
	*val = v;
	return 0;
}

/*
 * "0.529" -> 529, "4" -> 4000: DIGITS[.DIGITS], at most three decimals,
 * nothing else.  Bounds are the kernel's to check.
 */
int parse_milli(const char *s, uint32_t *val)
{
	unsigned long long whole, frac = 0;
	char ibuf[16], fbuf[4] = "000";
	const char *dot = strchr(s, '.');
	size_t ilen, flen;

	ilen = dot ? (size_t)(dot - s) : strlen(s);
	if (!ilen || ilen >= sizeof(ibuf))
		return -EINVAL;
	memcpy(ibuf, s, ilen);
	ibuf[ilen] = '\0';
	if (parse_uint(ibuf, UINT32_MAX / 1000, &whole))
		return -EINVAL;
	if (dot) {
		flen = strlen(dot + 1);
		if (!flen || flen > 3)
			return -EINVAL;
		memcpy(fbuf, dot + 1, flen);
		if (parse_uint(fbuf, 999, &frac))
			return -EINVAL;
	}
	if (whole * 1000 + frac > UINT32_MAX)
		return -EINVAL;
	*val = (uint32_t)(whole * 1000 + frac);
	return 0;
}

/* ADDR:PORT for IPv4, [ADDR]:PORT or [ADDR%SCOPE]:PORT for IPv6. */
int parse_endpoint(const char *s, struct endpoint *ep)
{
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	const char *port, *end;
	unsigned long long v;
	char *pct;
	size_t len;

	memset(ep, 0, sizeof(*ep));
	if (s[0] == '[') {
		end = strchr(s, ']');
		if (!end || end[1] != ':')
			return usage_error("bad address \"%s\": expected [ADDR]:PORT",
					   s);
		len = end - s - 1;
		port = end + 2;
		ep->family = AF_INET6;
	} else {
		end = strrchr(s, ':');
		if (!end)
			return usage_error("bad address \"%s\": expected ADDR:PORT",
					   s);
		if (memchr(s, ':', end - s))
			return usage_error("bad address \"%s\": write IPv6 as [ADDR]:PORT",
					   s);
		len = end - s;
		port = end + 1;
		ep->family = AF_INET;
	}
	if (!len || len >= sizeof(host))
		return usage_error("bad address \"%s\"", s);
	memcpy(host, s + (ep->family == AF_INET6), len);
	host[len] = '\0';

	pct = strchr(host, '%');
	if (pct) {
		if (ep->family != AF_INET6 || !pct[1])
			return usage_error("bad address \"%s\": bad scope", s);
		*pct++ = '\0';
		if (parse_uint(pct, INT_MAX, &v) == 0)
			ep->scope = (uint32_t)v;
		else
			ep->scope = if_nametoindex(pct);
		if (!ep->scope)
			return usage_error("bad address \"%s\": no interface \"%s\"",
					   s, pct);
	}
	if (inet_pton(ep->family, host, &ep->addr) != 1)
		return usage_error("bad address \"%s\": \"%s\" is not an %s address",
				   s, host, ep->family == AF_INET ? "IPv4" : "IPv6");
	if (parse_uint(port, 65535, &v) || !v)
		return usage_error("bad address \"%s\": port must be 1..65535", s);
	ep->port = (uint16_t)v;
	return 0;
}

void sock_args_init(struct sock_args *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->local_fd = -1;
}

/* pid PID | fd FD | src ADDR:PORT | dst ADDR:PORT */
int sock_args_parse(struct sock_args *sa, int *argcp, char ***argvp,
		    int *exit_code)
{
	const char *kw = (*argvp)[0];
	unsigned long long v = 0;
	const char *val;
	bool *seen;

	if (!strcmp(kw, "pid"))
		seen = &sa->has_pid;
	else if (!strcmp(kw, "fd"))
		seen = &sa->has_fd;
	else if (!strcmp(kw, "src"))
		seen = &sa->has_src;
	else if (!strcmp(kw, "dst"))
		seen = &sa->has_dst;
	else
		return 0;

	*exit_code = 0;
	if (*seen) {
		*exit_code = usage_error("\"%s\" given twice", kw);
		return -1;
	}
	if (*argcp < 2) {
		*exit_code = usage_error("\"%s\" needs an argument", kw);
		return -1;
	}
	val = (*argvp)[1];
	*seen = true;
	if (!strcmp(kw, "pid")) {
		if (parse_uint(val, INT_MAX, &v) || !v)
			*exit_code = usage_error("bad pid \"%s\"", val);
		sa->pid = (pid_t)v;
	} else if (!strcmp(kw, "fd")) {
		if (parse_uint(val, INT_MAX, &v))
			*exit_code = usage_error("bad fd \"%s\"", val);
		sa->fd = (int)v;
	} else if (!strcmp(kw, "src")) {
		*exit_code = parse_endpoint(val, &sa->src);
	} else {
		*exit_code = parse_endpoint(val, &sa->dst);
	}
	if (*exit_code)
		return -1;
	(*argcp)--;
	(*argvp)++;
	return 1;
}

bool sock_args_given(const struct sock_args *sa)
{
	return sa->has_pid || sa->has_fd || sa->has_src || sa->has_dst;
}

int sock_args_check(const struct sock_args *sa, bool fd_ok)
{
	bool byfd = sa->has_pid || sa->has_fd;
	bool bytuple = sa->has_src || sa->has_dst;

	if (byfd && bytuple)
		return usage_error("name the socket either by %s or by %s, not both",
				   "\"pid PID fd FD\"",
				   "\"src ADDR:PORT dst ADDR:PORT\"");
	if (byfd && !fd_ok)
		return usage_error("this command takes \"src ADDR:PORT dst ADDR:PORT\"");
	if (byfd && !(sa->has_pid && sa->has_fd))
		return usage_error("\"pid PID\" and \"fd FD\" go together");
	if (bytuple && !(sa->has_src && sa->has_dst))
		return usage_error("\"src ADDR:PORT\" and \"dst ADDR:PORT\" go together");
	if (!byfd && !bytuple)
		return usage_error("no socket given: %s\"src ADDR:PORT dst ADDR:PORT\"",
				   fd_ok ? "\"pid PID fd FD\" or " : "");
	if (bytuple && sa->src.family != sa->dst.family)
		return usage_error("src and dst are of different address families");
	if (bytuple && sa->src.scope && sa->dst.scope &&
	    sa->src.scope != sa->dst.scope)
		return usage_error("src and dst name different scopes");
	return 0;
}

int sock_args_tuple(const struct sock_args *sa, struct tcpkit_tuple *t)
{
	memset(t, 0, sizeof(*t));
	t->family = sa->src.family;
	memcpy(&t->saddr, &sa->src.addr, sizeof(t->saddr));
	memcpy(&t->daddr, &sa->dst.addr, sizeof(t->daddr));
	t->sport = sa->src.port;
	t->dport = sa->dst.port;
	t->ifindex = sa->src.scope ? sa->src.scope : sa->dst.scope;
	return 0;
}

/* glibc may lack the wrappers: call by number. */
static int sys_pidfd_open(pid_t pid, unsigned int flags)
{
	return (int)syscall(SYS_pidfd_open, pid, flags);
}

static int sys_pidfd_getfd(int pidfd, int fd, unsigned int flags)
{
	return (int)syscall(SYS_pidfd_getfd, pidfd, fd, flags);
}

/* A reference the library can use; with pid/fd, a duplicate of that fd. */
int sock_args_resolve(struct sock_args *sa, struct tcpkit_sockref *ref)
{
	int pidfd, err;

	memset(ref, 0, sizeof(*ref));
	ref->size = sizeof(*ref);
	if (!sa->has_pid) {
		ref->fd = -1;
		return sock_args_tuple(sa, &ref->tuple);
	}
	pidfd = sys_pidfd_open(sa->pid, 0);
	if (pidfd < 0)
		return sys_error("pid %d: %s", (int)sa->pid, strerror(errno));
	sa->local_fd = sys_pidfd_getfd(pidfd, sa->fd, 0);
	err = errno;
	close(pidfd);
	if (sa->local_fd < 0)
		return sys_error("fd %d of pid %d: %s", sa->fd, (int)sa->pid,
				 strerror(err));
	ref->fd = sa->local_fd;
	return 0;
}

void sock_args_release(struct sock_args *sa)
{
	if (sa->local_fd >= 0)
		close(sa->local_fd);
	sa->local_fd = -1;
}

int sock_args_parse_all(struct sock_args *sa, int argc, char **argv,
			const char *cmd, cmd_kw_fn kw, void *ctx)
{
	int ret, r;

	sock_args_init(sa);
	while (argc > 0) {
		r = sock_args_parse(sa, &argc, &argv, &ret);
		if (r < 0)
			return ret;
		if (!r) {
			ret = kw ? kw(ctx, &argc, &argv) : -1;
			if (ret < 0)
				return usage_error("unknown keyword \"%s\" for \"%s\"",
						   *argv, cmd);
			if (ret)
				return ret;
		}
		argc--;
		argv++;
	}
	return 0;
}

int sock_args_open(struct sock_args *sa, struct tcpkit **tkp,
		   struct tcpkit_sockref *ref, struct tcpkit_sockref **refp)
{
	int ret;

	*refp = NULL;
	*tkp = open_tcpkit();
	if (!*tkp)
		return EXIT_SYSERR;
	if (!sock_args_given(sa))
		return 0;
	ret = sock_args_resolve(sa, ref);
	if (ret) {
		sock_args_release(sa);
		tcpkit_close(*tkp);
		*tkp = NULL;
		return ret;
	}
	*refp = ref;
	return 0;
}

struct tcpkit *open_tcpkit(void)
{
	struct tcpkit *tk = tcpkit_open();

	if (!tk)
		lib_error();
	return tk;
}

int run_cmd(const char *obj, const struct cli_cmd *cmds, size_t n,
	    void (*usage)(FILE *f), int argc, char **argv)
{
	size_t i;

	if (argc < 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(*argv, cmds[i].name))
			continue;
		/* OBJECT COMMAND help */
		if (argc == 2 && !strcmp(argv[1], "help")) {
			usage(stdout);
			return EXIT_OK;
		}
		return cmds[i].fn(argc - 1, argv + 1);
	}
	if (!strcmp(*argv, "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	return usage_error("unknown command \"%s\" for \"%s\", try \"tcpkit %s help\"",
			   *argv, obj, obj);
}

int next_arg(int *argcp, char ***argvp)
{
	if (*argcp < 2)
		return usage_error("\"%s\" needs an argument", **argvp);
	(*argcp)--;
	(*argvp)++;
	return 0;
}

int parse_file_arg(int *argcp, char ***argvp, const char **file)
{
	int ret;

	if (*file)
		return usage_error("\"file\" given twice");
	ret = next_arg(argcp, argvp);
	if (!ret)
		*file = **argvp;
	return ret;
}

int check_file_arg(const char *file, const char *cmd)
{
	if (!file)
		return usage_error("\"%s\" needs \"file PATH\"", cmd);
	if (!*file)
		return usage_error("empty file name");
	return 0;
}

/* A failed read: every message names the image (the library's may). */
static int read_error(const char *file)
{
	const char *msg = tcpkit_strerror();
	const char *name = strcmp(file, "-") ? file : "standard input";

	if (!*msg)
		msg = strerror(errno);
	if (strstr(msg, name))
		return sys_error("%s", msg);
	return sys_error("%s: %s", name, msg);
}

int read_image_arg(const char *file, const char *cmd,
		   struct tcpkit_image **imgp)
{
	int ret = check_file_arg(file, cmd);

	if (ret)
		return ret;
	if (!strcmp(file, "-"))
		*imgp = tcpkit_image_read_fd(STDIN_FILENO);
	else
		*imgp = tcpkit_image_read_file(file);
	return *imgp ? 0 : read_error(file);
}

int read_set_arg(const char *file, const char *cmd,
		 struct tcpkit_image_set **setp)
{
	int ret = check_file_arg(file, cmd);

	if (ret)
		return ret;
	if (!strcmp(file, "-"))
		*setp = tcpkit_image_set_read_fd(STDIN_FILENO);
	else
		*setp = tcpkit_image_set_read_file(file);
	return *setp ? 0 : read_error(file);
}
