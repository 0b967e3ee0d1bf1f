// SPDX-License-Identifier: GPL-2.0
/*
 * tcpkit CLI: the conn object.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tcpkit.h"

static void conn_usage(FILE *f)
{
	fputs("Usage: tcpkit conn show       SOCK\n"
	      "       tcpkit conn checkpoint SOCK [stop] file PATH\n"
	      "       tcpkit conn checkpoint all [sport PORT] [dport PORT] [saddr PREFIX]\n"
	      "                                  [daddr PREFIX] [pid PID] [stop] file PATH\n"
	      "       tcpkit conn restore    file PATH [conservative] [exec CMD [ARGS...]]\n"
	      "       tcpkit conn thaw       src ADDR:PORT dst ADDR:PORT\n"
	      "       tcpkit conn frozen\n"
	      "SOCK := { pid PID fd FD | src ADDR:PORT dst ADDR:PORT }\n"
	      "PREFIX := ADDR[/LEN]\n"
	      "PATH \"-\" is standard output (checkpoint) or input (restore).\n",
	      f);
}

static int conn_show(int argc, char **argv)
{
	struct tcpkit_sockref ref, *refp;
	struct tcpkit_image *img;
	struct sock_args sa;
	struct tcpkit *tk;
	int ret;

	ret = sock_args_parse_all(&sa, argc, argv, "conn show", NULL, NULL);
	if (!ret)
		ret = sock_args_check(&sa, true);
	if (!ret)
		ret = sock_args_open(&sa, &tk, &ref, &refp);
	if (ret)
		return ret;
	if (tcpkit_conn_get(tk, refp, &img)) {
		ret = lib_error();
	} else {
		print_open(NULL);
		print_conn(img);
		print_close();
		tcpkit_image_free(img);
	}
	sock_args_release(&sa);
	tcpkit_close(tk);
	return ret;
}

/*
 * Fail before the checkpoint rather than after it: a "stop" that has to
 * be given back still froze the connection for a moment.
 */
static int check_writable(const char *file)
{
	struct stat st;
	char *dir, *copy;
	int err = 0;

	if (!strcmp(file, "-")) {
		if (isatty(STDOUT_FILENO))
			return usage_error("refusing to write an image to a terminal");
		return 0;
	}
	/* a symlink is replaced like a file: its directory must be writable */
	if (lstat(file, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
		if (access(file, W_OK))
			err = errno;
	} else {
		copy = strdup(file);
		if (!copy)
			return sys_error("%s", strerror(ENOMEM));
		dir = dirname(copy);
		if (access(dir, W_OK | X_OK))
			err = errno;
		free(copy);
	}
	if (err)
		return sys_error("cannot write \"%s\": %s", file, strerror(err));
	return 0;
}

struct checkpoint_args {
	unsigned int flags;
	const char *file;
};

/* stop | file PATH */
static int checkpoint_kw(void *ctx, int *argcp, char ***argvp)
{
	struct checkpoint_args *ca = ctx;

	if (!strcmp(**argvp, "file"))
		return parse_file_arg(argcp, argvp, &ca->file);
	if (strcmp(**argvp, "stop"))
		return -1;
	if (ca->flags & TCPKIT_CHECKPOINT_STOP)
		return usage_error("\"stop\" given twice");
	ca->flags |= TCPKIT_CHECKPOINT_STOP;
	return 0;
}

/*
 * Standard output, written: fsync'ed if it is a file. A pipe, FIFO or
 * device has no later point of durability than all of it written.
 */
static int sync_stdout(char *why, size_t len)
{
	struct stat st;

	if (fstat(STDOUT_FILENO, &st) ||
	    (S_ISREG(st.st_mode) && fsync(STDOUT_FILENO))) {
		snprintf(why, len, "image: standard output: %s",
			 strerror(errno));
		return -1;
	}
	return 0;
}

static int save_stdout(const struct tcpkit_image *img, char *why, size_t len)
{
	if (tcpkit_image_write_fd(img, STDOUT_FILENO)) {
		snprintf(why, len, "%s", tcpkit_strerror());
		return -1;
	}
	return sync_stdout(why, len);
}

/* Write @img to @file ("-": standard output) durably; @why on failure. */
static int save_image(const struct tcpkit_image *img, const char *file,
		      char *why, size_t len)
{
	if (!strcmp(file, "-"))
		return save_stdout(img, why, len);
	if (tcpkit_image_write_file(img, file)) {
		snprintf(why, len, "%s", tcpkit_strerror());
		return -1;
	}
	return 0;
}

/*
 * The image is saved: destroy the held original. Should the kernel say
 * no (the hold lapsed), make sure it is given back, so that exactly one of
 * the original and the image lives on, and drop the image if it is a file
 * of ours.
 */
static int commit_held(struct tcpkit *tk, struct tcpkit_image *img,
		       const char *file)
{
	struct stat st;
	char why[512];

	if (!tcpkit_image_held(img) || !tcpkit_commit(tk, img))
		return EXIT_OK;
	snprintf(why, sizeof(why), "%s", tcpkit_strerror());
	if (tcpkit_abort(tk, img))
		return sys_error("commit: %s; the image is saved but the original may still run: restore it only once the original is gone",
				 why);
	if (strcmp(file, "-") && !lstat(file, &st) && S_ISREG(st.st_mode) &&
	    !unlink(file))
		return sys_error("commit: %s; the connection was given back and the image removed",
				 why);
	return sys_error("commit: %s; the connection was given back: discard the image",
			 why);
}

/*
 * Checkpoint, save durably, then commit: with stop, the original is held
 * until its image is safe and given back on any failure before that.
 */
static int checkpoint_save(struct tcpkit *tk, struct tcpkit_sockref *ref,
			   unsigned int flags, const char *file)
{
	struct tcpkit_image *img;
	char why[512];
	int ret;

	/* a reader that goes away must mean EPIPE and an abort, not death */
	signal(SIGPIPE, SIG_IGN);
	if (tcpkit_checkpoint(tk, ref, flags, &img))
		return lib_error();
	if (!save_image(img, file, why, sizeof(why))) {
		ret = commit_held(tk, img, file);
	} else if (tcpkit_image_held(img)) {
		/* should this fail, closing tk gives it back all the same */
		tcpkit_abort(tk, img);
		ret = sys_error("%s; the connection was given back", why);
	} else {
		ret = sys_error("%s", why);
	}
	tcpkit_image_free(img);
	return ret;
}

/* save_stdout() and save_image() for a set of connections. */
static int save_set(const struct tcpkit_image_set *set, const char *file,
		    char *why, size_t len)
{
	if (strcmp(file, "-")) {
		if (tcpkit_image_set_write_file(set, file)) {
			snprintf(why, len, "%s", tcpkit_strerror());
			return -1;
		}
		return 0;
	}
	if (tcpkit_image_set_write_fd(set, STDOUT_FILENO)) {
		snprintf(why, len, "%s", tcpkit_strerror());
		return -1;
	}
	return sync_stdout(why, len);
}

/*
 * Some commits of a saved set failed: tcpkit_commit_set() gave those
 * connections back, and they go on where they were, so the image must
 * not bring them back a second time. Rewrite it with the committed ones
 * (no hold left), which live nowhere else now.
 */
static int commit_set_failed(const struct tcpkit_image_set *set,
			     const char *file, const char *what)
{
	size_t i, n = tcpkit_image_set_count(set), len;
	struct tcpkit_image_set *kept;
	const struct tcpkit_image *img;
	struct tcpkit_image *copy;
	const void *payload;
	char why[512];

	kept = tcpkit_image_set_new();
	for (i = 0; kept && i < n; i++) {
		img = tcpkit_image_set_get(set, i);
		if (tcpkit_image_held(img))
			continue;
		payload = tcpkit_image_payload(img, &len);
		copy = tcpkit_image_from_payload(payload, len);
		if (!copy || tcpkit_image_set_add(kept, copy)) {
			tcpkit_image_free(copy);
			tcpkit_image_set_free(kept);
			kept = NULL;
		}
	}
	if (kept && !tcpkit_image_set_count(kept)) {
		tcpkit_image_set_free(kept);
		if (strcmp(file, "-") && !unlink(file))
			return sys_error("commit: %s; every connection was given back and the image removed",
					 what);
		return sys_error("commit: %s; every connection was given back: discard the image",
				 what);
	}
	if (kept && strcmp(file, "-") && !save_set(kept, file, why, sizeof(why))) {
		n = tcpkit_image_set_count(kept);
		tcpkit_image_set_free(kept);
		return sys_error("commit: %s; those connections were given back, and the image rewritten with the %zu committed ones",
				 what, n);
	}
	tcpkit_image_set_free(kept);
	return sys_error("commit: %s; those connections were given back and go on, but the image holds them too: restore it only where their tuples are in use (so that those fail)",
			 what);
}

/*
 * checkpoint_save() for a set: every connection held, the image saved
 * durably, then all committed; any failure before that gives all back.
 */
static int checkpoint_set_save(struct tcpkit *tk,
			       const struct tcpkit_sockref *const *refs,
			       size_t n, unsigned int flags, const char *file)
{
	struct tcpkit_image_set *set;
	char why[512];
	int ret = EXIT_OK;

	signal(SIGPIPE, SIG_IGN);
	if (tcpkit_checkpoint_set(tk, refs, n, flags, &set))
		return lib_error();
	if (save_set(set, file, why, sizeof(why))) {
		if (flags & TCPKIT_CHECKPOINT_STOP) {
			/* should this fail, closing tk gives them back too */
			tcpkit_abort_set(tk, set);
			ret = sys_error("%s; every connection was given back",
					why);
		} else {
			ret = sys_error("%s", why);
		}
	} else if ((flags & TCPKIT_CHECKPOINT_STOP) &&
		   tcpkit_commit_set(tk, set)) {
		snprintf(why, sizeof(why), "%s", tcpkit_strerror());
		ret = commit_set_failed(set, file, why);
	}
	tcpkit_image_set_free(set);
	return ret;
}

/* ADDR[/LEN]: no length means the whole address. */
static int parse_prefix(const char *s, struct tcpkit_prefix *p)
{
	unsigned long long len;
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	char addr[INET6_ADDRSTRLEN];
	unsigned int max;

	memset(p, 0, sizeof(*p));
	if (!alen || alen >= sizeof(addr))
		return usage_error("bad prefix \"%s\": expected ADDR[/LEN]", s);
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	p->family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(p->family, addr, &p->addr) != 1)
		return usage_error("bad prefix \"%s\": \"%s\" is not an %s address",
				   s, addr,
				   p->family == AF_INET ? "IPv4" : "IPv6");
	max = p->family == AF_INET ? 32 : 128;
	p->len = max;
	if (slash) {
		if (parse_uint(slash + 1, max, &len))
			return usage_error("bad prefix \"%s\": length must be 0..%u",
					   s, max);
		p->len = (unsigned int)len;
	}
	return 0;
}

/* sport P | dport P | saddr PREFIX | daddr PREFIX | pid PID */
static int all_filter_kw(struct tcpkit_conn_filter *f, int *argcp,
			 char ***argvp)
{
	static const struct {
		const char *kw;
		unsigned int bit;
	} kws[] = {
		{ "sport", TCPKIT_FILTER_SPORT },
		{ "dport", TCPKIT_FILTER_DPORT },
		{ "saddr", TCPKIT_FILTER_SADDR },
		{ "daddr", TCPKIT_FILTER_DADDR },
		{ "pid", TCPKIT_FILTER_PID },
	};
	const char *kw = **argvp, *val;
	unsigned long long v;
	unsigned int bit = 0;
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(kws); i++)
		if (!strcmp(kw, kws[i].kw))
			bit = kws[i].bit;
	if (!bit)
		return -1;
	if (f->has & bit)
		return usage_error("\"%s\" given twice", kw);
	ret = next_arg(argcp, argvp);
	if (ret)
		return ret;
	val = **argvp;
	f->has |= bit;
	switch (bit) {
	case TCPKIT_FILTER_SPORT:
	case TCPKIT_FILTER_DPORT:
		if (parse_uint(val, 65535, &v) || !v)
			return usage_error("bad port \"%s\": must be 1..65535",
					   val);
		if (bit == TCPKIT_FILTER_SPORT)
			f->sport = (uint16_t)v;
		else
			f->dport = (uint16_t)v;
		return 0;
	case TCPKIT_FILTER_SADDR:
		return parse_prefix(val, &f->saddr);
	case TCPKIT_FILTER_DADDR:
		return parse_prefix(val, &f->daddr);
	default:
		if (parse_uint(val, INT_MAX, &v) || !v)
			return usage_error("bad pid \"%s\"", val);
		f->pid = (int)v;
		return 0;
	}
}

/* checkpoint all [FILTER...] [stop] file PATH */
static int conn_checkpoint_all(int argc, char **argv)
{
	struct tcpkit_conn_filter f = { .size = sizeof(f) };
	struct checkpoint_args ca = { 0 };
	const struct tcpkit_sockref **refp = NULL;
	struct tcpkit_sockref *refs = NULL;
	struct tcpkit_tuple *tuples;
	struct tcpkit *tk;
	size_t n, i;
	int ret;

	for (; argc > 0; argc--, argv++) {
		ret = all_filter_kw(&f, &argc, &argv);
		if (ret < 0)
			ret = checkpoint_kw(&ca, &argc, &argv);
		if (ret < 0)
			return usage_error("unknown keyword \"%s\" for \"conn checkpoint all\"",
					   *argv);
		if (ret)
			return ret;
	}
	ret = check_file_arg(ca.file, "conn checkpoint all");
	if (!ret)
		ret = check_writable(ca.file);
	if (ret)
		return ret;
	tk = open_tcpkit();
	if (!tk)
		return EXIT_SYSERR;
	if (tcpkit_conn_list(tk, &f, &tuples, &n)) {
		ret = lib_error();
		goto out;
	}
	if (!n) {
		ret = sys_error("no connection matches: no image written");
		goto out;
	}
	refs = calloc(n, sizeof(*refs));
	refp = calloc(n, sizeof(*refp));
	if (!refs || !refp) {
		ret = sys_error("%s", strerror(ENOMEM));
		goto out;
	}
	for (i = 0; i < n; i++) {
		refs[i].size = sizeof(refs[i]);
		refs[i].fd = -1;
		refs[i].tuple = tuples[i];
		refp[i] = &refs[i];
	}
	ret = checkpoint_set_save(tk, refp, n, ca.flags, ca.file);
out:
	free(refp);
	free(refs);
	free(tuples);
	tcpkit_close(tk);
	return ret;
}

static int conn_checkpoint(int argc, char **argv)
{
	struct checkpoint_args ca = { 0 };
	struct tcpkit_sockref ref, *refp;
	struct sock_args sa;
	const char *file;
	struct tcpkit *tk;
	int ret;

	if (argc > 0 && !strcmp(*argv, "all"))
		return conn_checkpoint_all(argc - 1, argv + 1);
	ret = sock_args_parse_all(&sa, argc, argv, "conn checkpoint",
				  checkpoint_kw, &ca);
	if (ret)
		return ret;
	file = ca.file;
	ret = sock_args_check(&sa, true);
	if (!ret)
		ret = check_file_arg(file, "conn checkpoint");
	if (!ret)
		ret = check_writable(file);
	if (!ret)
		ret = sock_args_open(&sa, &tk, &ref, &refp);
	if (ret)
		return ret;
	ret = checkpoint_save(tk, refp, ca.flags, file);
	sock_args_release(&sa);
	tcpkit_close(tk);
	return ret;
}

/* $PATH as execvp() reads it: unset means confstr(_CS_PATH). */
static char *search_path(void)
{
	const char *env = getenv("PATH");
	char *list;
	size_t n;

	if (env)
		return strdup(env);
	n = confstr(_CS_PATH, NULL, 0);
	list = n ? malloc(n) : NULL;
	if (list)
		confstr(_CS_PATH, list, n);
	return list;
}

/* 0 for an executable regular file, else -errno as execve() gives. */
static int check_exec(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	if (!S_ISREG(st.st_mode) || access(path, X_OK))
		return -EACCES;
	return 0;
}

/*
 * What execvp() would run for @cmd: @cmd itself when it has a slash, else
 * the first executable regular file of that name along $PATH (an empty
 * entry is the current directory). *@pathp is malloc'ed. Returns 0 or the
 * -errno execvp() would fail with.
 */
static int resolve_cmd(const char *cmd, char **pathp)
{
	char *list, *dir, *next, *cand;
	int err = -ENOENT, e;

	*pathp = NULL;
	if (!*cmd)
		return -ENOENT;
	if (strchr(cmd, '/')) {
		err = check_exec(cmd);
		if (!err)
			*pathp = strdup(cmd);
		return err ? err : *pathp ? 0 : -ENOMEM;
	}
	list = search_path();
	if (!list)
		return -ENOMEM;
	for (dir = list; dir && !*pathp; dir = next) {
		next = strchr(dir, ':');
		if (next)
			*next++ = '\0';
		if (asprintf(&cand, "%s/%s", *dir ? dir : ".", cmd) < 0) {
			err = -ENOMEM;
			break;
		}
		e = check_exec(cand);
		if (!e)
			*pathp = cand;
		else
			free(cand);
		/* execvp() goes on past these, and reports EACCES if seen */
		if (e == -EACCES)
			err = -EACCES;
	}
	free(list);
	return *pathp ? 0 : err;
}

/*
 * LISTEN_FDNAMES entry of a connection: "tcp4-SADDR-SPORT-DADDR-DPORT"
 * or "tcp6-...", the colons of IPv6 addresses written as '_' (systemd
 * refuses a name with a colon), a link-local one followed by "%IFINDEX".
 */
#define FD_NAME_MAX	160	/* with its ':', at most 131 bytes are used */

static void fd_name(const struct tcpkit_tuple *t, char *buf, size_t len)
{
	char a[2][INET6_ADDRSTRLEN + 12];
	const void *addr[2] = { &t->saddr, &t->daddr };
	char *p;
	int i;

	for (i = 0; i < 2; i++) {
		inet_ntop(t->family, addr[i], a[i], INET6_ADDRSTRLEN);
		for (p = a[i]; *p; p++)
			if (*p == ':')
				*p = '_';
		if (t->family == AF_INET6 && t->ifindex &&
		    IN6_IS_ADDR_LINKLOCAL((const struct in6_addr *)addr[i]))
			snprintf(p, sizeof(a[i]) - (p - a[i]), "%%%u",
				 t->ifindex);
	}
	snprintf(buf, len, "tcp%c-%s-%u-%s-%u",
		 t->family == AF_INET ? '4' : '6', a[0], t->sport, a[1],
		 t->dport);
}

/*
 * Hand the @n restored sockets to CMD (found at @path) as fds 3..n+2,
 * systemd's socket activation, named by @names. Each is first moved
 * above that range (close-on-exec) so that no dup2() lands on a socket
 * not moved yet. Returns -errno only if that failed; @fds then says
 * where the sockets are.
 */
static int exec_with_sockets(int *fds, size_t n, const char *names,
			     const char *path, char **cmd)
{
	char pid[16], count[24];
	size_t i, placed = 0;
	int fd, err;

	for (i = 0; i < n; i++) {
		fd = fcntl(fds[i], F_DUPFD_CLOEXEC, (int)(3 + n));
		if (fd < 0)
			return -errno;
		close(fds[i]);
		fds[i] = fd;
	}
	for (i = 0; i < n; i++, placed++)
		if (dup2(fds[i], (int)(3 + i)) < 0)
			goto fail;
	/* tcpkit becomes CMD: LISTEN_PID is our own pid */
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	snprintf(count, sizeof(count), "%zu", n);
	if (setenv("LISTEN_FDS", count, 1) || setenv("LISTEN_PID", pid, 1) ||
	    setenv("LISTEN_FDNAMES", names, 1))
		goto fail;
	fflush(NULL);
	/* with a slash no search, but execvp() keeps its sh fallback */
	execvp(path, cmd);
fail:
	err = errno;
	for (i = 0; i < placed; i++)
		close((int)(3 + i));
	return -err;
}

/*
 * Where to put a connection back: @file itself, or for standard input a
 * new file in $TMPDIR (or /tmp). *@outp is malloc'ed.
 */
static int rescue_path(const char *file, char **outp)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	if (strcmp(file, "-")) {
		*outp = strdup(file);
		return *outp ? 0 : -1;
	}
	if (!dir || !*dir)
		dir = "/tmp";
	if (asprintf(outp, "%s/tcpkit-rescue-XXXXXX", dir) < 0)
		return -1;
	fd = mkostemp(*outp, O_CLOEXEC);
	if (fd < 0) {
		free(*outp);
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * Copies of the images of @set whose connection was not restored (errs[i]
 * set) into @into: they live nowhere else, so a rewritten image keeps
 * them.
 */
static int keep_failed(struct tcpkit_image_set *into,
		       const struct tcpkit_image_set *set, const int *errs)
{
	size_t i, len, n = tcpkit_image_set_count(set);
	struct tcpkit_image *copy;
	const void *payload;

	for (i = 0; i < n; i++) {
		if (!errs[i])
			continue;
		payload = tcpkit_image_payload(tcpkit_image_set_get(set, i),
					       &len);
		copy = tcpkit_image_from_payload(payload, len);
		if (!copy || tcpkit_image_set_add(into, copy)) {
			tcpkit_image_free(copy);
			return -1;
		}
	}
	return 0;
}

/*
 * The restore went live but CMD did not start: checkpoint the connections
 * back (held, saved durably with the images of those that failed to
 * restore, committed) so that they outlive us and can be restored again.
 */
static int rescue(struct tcpkit *tk, const int *fds, size_t n,
		  const struct tcpkit_image_set *orig, const int *errs,
		  const char *file, const char *what)
{
	const struct tcpkit_sockref **refp;
	struct tcpkit_sockref *refs;
	struct tcpkit_image_set *set;
	char why[512], *out;
	size_t i;
	int ret;

	refs = calloc(n, sizeof(*refs));
	refp = calloc(n, sizeof(*refp));
	if (!refs || !refp) {
		ret = sys_error("%s; no memory to checkpoint the connections back: they are lost",
				what);
		goto out_refs;
	}
	for (i = 0; i < n; i++) {
		refs[i].size = sizeof(refs[i]);
		refs[i].fd = fds[i];
		refp[i] = &refs[i];
	}
	if (rescue_path(file, &out)) {
		ret = sys_error("%s; no file to save the connections in (%s): they are lost",
				what, strerror(errno));
		goto out_refs;
	}
	if (tcpkit_checkpoint_set(tk, refp, n, TCPKIT_CHECKPOINT_STOP, &set)) {
		ret = sys_error("%s; checkpointing the connections back failed (%s): they are lost",
				what, tcpkit_strerror());
		if (!strcmp(file, "-"))
			unlink(out);	/* the empty file rescue_path() made */
		goto out;
	}
	if (keep_failed(set, orig, errs)) {
		tcpkit_abort_set(tk, set);
		ret = sys_error("%s; no memory to keep the images of the connections not restored: the restored ones were checkpointed back and given back to this process, which ends: they are lost",
				what);
	} else if (save_set(set, out, why, sizeof(why))) {
		ret = sys_error("%s; saving the connections back failed (%s): they are lost",
				what, why);
	} else if (tcpkit_commit_set(tk, set)) {
		ret = sys_error("%s; the connections were saved into %s, but a commit failed (%s): those are lost",
				what, out, tcpkit_strerror());
	} else {
		ret = sys_error("%s; the image %s was rewritten with the %zu restored connection%s: restore it again",
				what, out, n, n == 1 ? "" : "s");
	}
	tcpkit_image_set_free(set);
out:
	free(out);
out_refs:
	free(refp);
	free(refs);
	return ret;
}

/* file PATH [conservative] [exec CMD [ARGS...]] */
static int restore_parse(int argc, char **argv, const char **file,
			 unsigned int *flags, char ***cmd)
{
	int ret;

	*file = NULL;
	*flags = 0;
	*cmd = NULL;
	while (argc > 0) {
		if (!strcmp(*argv, "file")) {
			ret = parse_file_arg(&argc, &argv, file);
			if (ret)
				return ret;
		} else if (!strcmp(*argv, "conservative")) {
			*flags |= TCPKIT_RESTORE_CONSERVATIVE;
		} else if (!strcmp(*argv, "exec")) {
			if (argc < 2)
				return usage_error("\"exec\" needs a command");
			*cmd = argv + 1;
			return 0;
		} else {
			return usage_error("unknown keyword \"%s\" for \"conn restore\"",
					   *argv);
		}
		argc--;
		argv++;
	}
	return 0;
}

/* Exec CMD on the live sockets, or put the connections back into @file. */
static int restore_exec(int *fds, size_t n, const char *names,
			const char *path, char **cmd,
			const struct tcpkit_image_set *orig, const int *errs,
			const char *file)
{
	struct tcpkit *tk;
	char what[512];
	int err, ret;

	err = exec_with_sockets(fds, n, names, path, cmd);
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDNAMES");
	snprintf(what, sizeof(what), "exec %s: %s", cmd[0], strerror(-err));
	tk = tcpkit_open();
	if (!tk)
		return sys_error("%s; cannot checkpoint the connections back (%s): they are lost",
				 what, tcpkit_strerror());
	ret = rescue(tk, fds, n, orig, errs, file, what);
	tcpkit_close(tk);
	return ret;
}

/* One line (text) or object (JSON) for connection @img's outcome. */
static void report_conn(const struct tcpkit_image *img, int err,
			const char *name)
{
	struct tcpkit_tuple t;

	tcpkit_image_tuple(img, &t);
	print_open(NULL);
	print_str("status", err ? "failed" : "restored");
	print_tuple(&t);
	print_str("name", name);
	if (err)
		print_str("error", strerror(-err));
	print_close();
	print_nl(false);
}

/* The restore of a set, once its image and command were checked. */
struct restore_run {
	struct tcpkit_image_set *set;
	const struct tcpkit_image *const *imgs;
	size_t n;
	int *fds;
	int *errs;
	char *names;		/* LISTEN_FDNAMES of the restored ones */
};

static void restore_run_free(struct restore_run *r)
{
	size_t i;

	for (i = 0; r->fds && i < r->n; i++)
		if (r->fds[i] >= 0)
			close(r->fds[i]);
	free(r->fds);
	free(r->errs);
	free(r->names);
	tcpkit_image_set_free(r->set);
}

/* A fresh socket for every connection, or none at all. */
static int restore_sockets(struct restore_run *r)
{
	size_t i;

	r->fds = malloc(r->n * sizeof(*r->fds));
	r->errs = calloc(r->n, sizeof(*r->errs));
	r->names = calloc(r->n, FD_NAME_MAX);
	if (!r->fds || !r->errs || !r->names)
		return sys_error("%s", strerror(ENOMEM));
	for (i = 0; i < r->n; i++)
		r->fds[i] = -1;
	for (i = 0; i < r->n; i++) {
		r->fds[i] = tcpkit_image_socket(r->imgs[i]);
		if (r->fds[i] < 0)
			return sys_error("%s; nothing was restored",
					 tcpkit_strerror());
	}
	return 0;
}

/*
 * Report every connection (with exec: only the failures, on stderr); keep
 * the restored ones at the front of fds[], their names in r->names.
 * Returns how many were restored.
 */
static size_t restore_report(struct restore_run *r, bool to_stderr)
{
	struct tcpkit_tuple t;
	char name[FD_NAME_MAX];
	size_t i, live = 0, off = 0;
	int err;

	if (!to_stderr)
		print_array_open(NULL);
	for (i = 0; i < r->n; i++) {
		err = r->errs[i];
		tcpkit_image_tuple(r->imgs[i], &t);
		fd_name(&t, name, sizeof(name));
		if (!to_stderr)
			report_conn(r->imgs[i], err, name);
		else if (err)
			fprintf(stderr, "Error: connection %s not restored: %s\n",
				name, strerror(-err));
		if (err) {
			/* the kernel left it closed: nothing to hand over */
			close(r->fds[i]);
			r->fds[i] = -1;
			continue;
		}
		r->fds[live] = r->fds[i];
		if (live != i)
			r->fds[i] = -1;
		off += snprintf(r->names + off, r->n * FD_NAME_MAX - off,
				"%s%s", live ? ":" : "", name);
		live++;
	}
	if (!to_stderr)
		print_array_close();
	return live;
}

static int conn_restore(int argc, char **argv)
{
	struct restore_run r = { 0 };
	char **cmd, *path = NULL;
	struct tcpkit *tk = NULL;
	unsigned int flags;
	const char *file;
	int failed, ret;
	size_t live;

	ret = restore_parse(argc, argv, &file, &flags, &cmd);
	if (ret)
		return ret;
	/* nothing read, restored or touched for a command that cannot run */
	if (cmd) {
		ret = check_file_arg(file, "conn restore");
		if (ret)
			return ret;
		ret = resolve_cmd(cmd[0], &path);
		if (ret)
			return sys_error("exec %s: %s%s; nothing was restored",
					 cmd[0], strerror(-ret),
					 ret == -EACCES ?
					 " (not an executable regular file)" :
					 "");
	}
	/* the whole image is checked before any socket exists */
	ret = read_set_arg(file, "conn restore", &r.set);
	if (ret)
		goto out_path;
	r.n = tcpkit_image_set_count(r.set);
	r.imgs = tcpkit_image_set_images(r.set);

	tk = open_tcpkit();
	if (!tk) {
		ret = EXIT_SYSERR;
		goto out;
	}
	ret = restore_sockets(&r);
	if (ret)
		goto out;
	failed = tcpkit_restore_set(tk, r.imgs, r.fds, r.n, flags, r.errs);
	if (failed < 0) {
		ret = lib_error();
		goto out;
	}
	tcpkit_close(tk);
	tk = NULL;
	/* with exec, standard output is CMD's: failures go to stderr */
	live = restore_report(&r, !!cmd);
	if (failed) {
		/* the first failure's own words; exit 1, not 2 */
		sys_error("%s", tcpkit_strerror());
		ret = EXIT_USAGE;
	}
	if (cmd && live) {
		/* CMD's fd may well be 3, where a socket goes */
		ret = restore_exec(r.fds, live, r.names, path, cmd, r.set,
				   r.errs, file);
		r.n = live;
	}
out:
	tcpkit_close(tk);
	restore_run_free(&r);
out_path:
	free(path);
	return ret;
}

static int conn_thaw(int argc, char **argv)
{
	struct tcpkit_tuple t;
	struct sock_args sa;
	struct tcpkit *tk;
	int ret;

	ret = sock_args_parse_all(&sa, argc, argv, "conn thaw", NULL, NULL);
	if (!ret)
		ret = sock_args_check(&sa, false);
	if (ret)
		return ret;
	sock_args_tuple(&sa, &t);
	tk = open_tcpkit();
	if (!tk)
		return EXIT_SYSERR;
	ret = tcpkit_thaw(tk, &t) ? lib_error() : EXIT_OK;
	tcpkit_close(tk);
	return ret;
}

static int conn_frozen(int argc, char **argv)
{
	struct tcpkit_frozen *list;
	struct tcpkit *tk;
	size_t n, i;

	if (argc > 0)
		return usage_error("unknown keyword \"%s\" for \"conn frozen\"",
				   *argv);
	tk = open_tcpkit();
	if (!tk)
		return EXIT_SYSERR;
	if (tcpkit_frozen_list(tk, &list, &n, sizeof(*list))) {
		tcpkit_close(tk);
		return lib_error();
	}
	tcpkit_close(tk);
	print_array_open(NULL);
	for (i = 0; i < n; i++) {
		print_open(NULL);
		print_tuple(&list[i].tuple);
		print_uint("expires_ms", list[i].expires_ms);
		print_uint("dropped", list[i].dropped);
		print_uint("parked", list[i].parked);
		print_close();
		print_nl(false);
	}
	print_array_close();
	free(list);
	return EXIT_OK;
}

int do_conn(int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "show", conn_show },
		{ "checkpoint", conn_checkpoint },
		{ "restore", conn_restore },
		{ "thaw", conn_thaw },
		{ "frozen", conn_frozen },
	};

	return run_cmd("conn", cmds, ARRAY_SIZE(cmds), conn_usage, argc, argv);
}
