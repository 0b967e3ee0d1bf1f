// SPDX-License-Identifier: GPL-2.0
/*
 * tcpkit CLI: the conn object.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
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
	      "       tcpkit conn restore    file PATH [exec CMD [ARGS...]]\n"
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
 * Fail before the checkpoint rather than after it: with "stop" the
 * original is gone once the kernel has answered.
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
	if (lstat(file, &st) == 0 && !S_ISREG(st.st_mode)) {
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

static int conn_checkpoint(int argc, char **argv)
{
	struct checkpoint_args ca = { 0 };
	struct tcpkit_sockref ref, *refp;
	struct tcpkit_image *img;
	struct sock_args sa;
	const char *file;
	struct tcpkit *tk;
	int ret, r;

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
	if (tcpkit_checkpoint(tk, refp, ca.flags, &img)) {
		ret = lib_error();
		goto out;
	}
	if (!strcmp(file, "-"))
		r = tcpkit_image_write_fd(img, STDOUT_FILENO);
	else
		r = tcpkit_image_write_file(img, file);
	if (r)
		ret = lib_error();
	tcpkit_image_free(img);
out:
	sock_args_release(&sa);
	tcpkit_close(tk);
	return ret;
}

/* Hand the restored socket to CMD as fd 3 (systemd socket activation). */
static int exec_with_socket(int fd, char **cmd)
{
	char pid[16];

	if (fd != 3) {
		if (dup2(fd, 3) < 0)
			return sys_error("dup2: %s", strerror(errno));
		close(fd);
	} else if (fcntl(3, F_SETFD, 0)) {
		return sys_error("fcntl: %s", strerror(errno));
	}
	/* tcpkit becomes CMD: LISTEN_PID is our own pid */
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (setenv("LISTEN_FDS", "1", 1) || setenv("LISTEN_PID", pid, 1) ||
	    unsetenv("LISTEN_FDNAMES"))
		return sys_error("setenv: %s", strerror(errno));
	fflush(NULL);
	execvp(cmd[0], cmd);
	return sys_error("exec %s: %s", cmd[0], strerror(errno));
}

static int conn_restore(int argc, char **argv)
{
	struct tcpkit_image *img;
	struct tcpkit_tuple t;
	const char *file = NULL;
	char **cmd = NULL;
	struct tcpkit *tk;
	int fd, ret;

	while (argc > 0) {
		if (!strcmp(*argv, "file")) {
			ret = parse_file_arg(&argc, &argv, &file);
			if (ret)
				return ret;
		} else if (!strcmp(*argv, "exec")) {
			if (argc < 2)
				return usage_error("\"exec\" needs a command");
			cmd = argv + 1;
			break;
		} else {
			return usage_error("unknown keyword \"%s\" for \"conn restore\"",
					   *argv);
		}
		argc--;
		argv++;
	}
	/* the whole image is checked before any socket exists */
	ret = read_image_arg(file, "conn restore", &img);
	if (ret)
		return ret;

	tk = open_tcpkit();
	if (!tk) {
		tcpkit_image_free(img);
		return EXIT_SYSERR;
	}
	fd = tcpkit_image_socket(img);
	if (fd < 0) {
		ret = lib_error();
		goto out;
	}
	if (tcpkit_restore(tk, img, fd)) {
		ret = lib_error();
		close(fd);
		goto out;
	}
	tcpkit_close(tk);
	tk = NULL;
	if (cmd) {
		tcpkit_image_free(img);
		return exec_with_socket(fd, cmd);
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
	tcpkit_image_free(img);
	tcpkit_close(tk);
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
	if (tcpkit_frozen_list(tk, &list, &n)) {
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
