// SPDX-License-Identifier: GPL-2.0
/*
 * tcpkit CLI: the conn object.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
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
	      "       tcpkit conn restore    file PATH [conservative] [exec CMD [ARGS...]]\n"
	      "       tcpkit conn thaw       src ADDR:PORT dst ADDR:PORT\n"
	      "       tcpkit conn frozen\n"
	      "SOCK := { pid PID fd FD | src ADDR:PORT dst ADDR:PORT }\n"
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
 * Standard output: all of it written, then fsync'ed if it is a file. A
 * pipe, FIFO or device has no later point of durability than that.
 */
static int save_stdout(const struct tcpkit_image *img, char *why, size_t len)
{
	struct stat st;

	if (tcpkit_image_write_fd(img, STDOUT_FILENO)) {
		snprintf(why, len, "%s", tcpkit_strerror());
		return -1;
	}
	if (fstat(STDOUT_FILENO, &st) ||
	    (S_ISREG(st.st_mode) && fsync(STDOUT_FILENO))) {
		snprintf(why, len, "image: standard output: %s",
			 strerror(errno));
		return -1;
	}
	return 0;
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

static int conn_checkpoint(int argc, char **argv)
{
	struct checkpoint_args ca = { 0 };
	struct tcpkit_sockref ref, *refp;
	struct sock_args sa;
	const char *file;
	struct tcpkit *tk;
	int ret;

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
 * Hand the restored socket to CMD (found at @path) as fd 3, systemd's
 * socket activation. Returns -errno only if that failed; *@fdp is then
 * where the socket is.
 */
static int exec_with_socket(int *fdp, const char *path, char **cmd)
{
	char pid[16];

	if (*fdp != 3) {
		if (dup2(*fdp, 3) < 0)
			return -errno;
		close(*fdp);
		*fdp = 3;
	} else if (fcntl(3, F_SETFD, 0)) {
		return -errno;
	}
	/* tcpkit becomes CMD: LISTEN_PID is our own pid */
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (setenv("LISTEN_FDS", "1", 1) || setenv("LISTEN_PID", pid, 1) ||
	    unsetenv("LISTEN_FDNAMES"))
		return -errno;
	fflush(NULL);
	/* with a slash no search, but execvp() keeps its sh fallback */
	execvp(path, cmd);
	return -errno;
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
 * The restore went live but CMD did not start: checkpoint the connection
 * back (held, saved durably, committed) so that it outlives us and can be
 * restored again.
 */
static int rescue(struct tcpkit *tk, int fd, const char *file,
		  const char *what)
{
	struct tcpkit_sockref ref = { .fd = fd };
	struct tcpkit_image *img;
	char why[512], *out;
	int ret;

	if (rescue_path(file, &out))
		return sys_error("%s; no file to save the connection in (%s): it is lost",
				 what, strerror(errno));
	if (tcpkit_checkpoint(tk, &ref, TCPKIT_CHECKPOINT_STOP, &img)) {
		ret = sys_error("%s; checkpointing the connection back failed (%s): it is lost",
				what, tcpkit_strerror());
		if (!strcmp(file, "-"))
			unlink(out);	/* the empty file rescue_path() made */
		goto out;
	}
	if (save_image(img, out, why, sizeof(why))) {
		ret = sys_error("%s; saving the connection back failed (%s): it is lost",
				what, why);
	} else if (tcpkit_commit(tk, img)) {
		ret = sys_error("%s; the connection was saved into %s, but the commit failed (%s): it is lost",
				what, out, tcpkit_strerror());
	} else {
		ret = sys_error("%s; the image %s was rewritten with the restored connection: restore it again",
				what, out);
	}
	tcpkit_image_free(img);
out:
	free(out);
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

/* Exec CMD on the live socket, or put the connection back into @file. */
static int restore_exec(int fd, const char *path, char **cmd,
			const char *file)
{
	struct tcpkit *tk;
	char what[512];
	int err, ret;

	err = exec_with_socket(&fd, path, cmd);
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_PID");
	snprintf(what, sizeof(what), "exec %s: %s", cmd[0], strerror(-err));
	tk = tcpkit_open();
	if (!tk)
		return sys_error("%s; cannot checkpoint the connection back (%s): it is lost",
				 what, tcpkit_strerror());
	ret = rescue(tk, fd, file, what);
	tcpkit_close(tk);
	return ret;
}

static int conn_restore(int argc, char **argv)
{
	struct tcpkit_image *img;
	struct tcpkit_tuple t;
	char **cmd, *path = NULL;
	struct tcpkit *tk;
	unsigned int flags;
	const char *file;
	int fd, ret;

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
	ret = read_image_arg(file, "conn restore", &img);
	if (ret)
		goto out_path;

	tk = open_tcpkit();
	if (!tk) {
		ret = EXIT_SYSERR;
		goto out_img;
	}
	fd = tcpkit_image_socket(img);
	if (fd < 0) {
		ret = lib_error();
		goto out;
	}
	if (tcpkit_restore_flags(tk, img, fd, flags)) {
		ret = lib_error();
		close(fd);
		goto out;
	}
	if (cmd) {
		/* its fd may well be 3, where the socket goes */
		tcpkit_close(tk);
		tk = NULL;
		tcpkit_image_free(img);
		img = NULL;
		ret = restore_exec(fd, path, cmd, file);
		goto out;
	}

	/* no taker: report, then the connection closes as tcpkit exits */
	tcpkit_image_tuple(img, &t);
	print_open(NULL);
	print_open("restored");
	print_tuple(&t);
	print_close();
	print_close();
	close(fd);
	ret = EXIT_OK;
out:
	tcpkit_close(tk);
out_img:
	tcpkit_image_free(img);
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
