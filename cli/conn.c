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
	struct tcpkit_image *img;
	struct tcpkit_sockref ref;
	struct sock_args sa;
	struct tcpkit *tk;
	int ret, r;

	sock_args_init(&sa);
	while (argc > 0) {
		r = sock_args_parse(&sa, &argc, &argv, &ret);
		if (r < 0)
			return ret;
		if (!r)
			return usage_error("unknown keyword \"%s\" for \"conn show\"",
					   *argv);
		argc--;
		argv++;
	}
	ret = sock_args_check(&sa, true);
	if (ret)
		return ret;
	tk = open_tcpkit();
	if (!tk)
		return EXIT_SYSERR;
	ret = sock_args_resolve(&sa, &ref);
	if (!ret) {
		if (tcpkit_conn_get(tk, &ref, &img)) {
			ret = lib_error();
		} else {
			print_open(NULL);
			print_conn(img);
			print_close();
			tcpkit_image_free(img);
		}
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

static int conn_checkpoint(int argc, char **argv)
{
	const char *file = NULL;
	struct tcpkit_image *img;
	struct tcpkit_sockref ref;
	unsigned int flags = 0;
	struct sock_args sa;
	struct tcpkit *tk;
	int ret, r;

	sock_args_init(&sa);
	while (argc > 0) {
		r = sock_args_parse(&sa, &argc, &argv, &ret);
		if (r < 0)
			return ret;
		if (r) {
			/* consumed */
		} else if (!strcmp(*argv, "stop")) {
			if (flags & TCPKIT_CHECKPOINT_STOP)
				return usage_error("\"stop\" given twice");
			flags |= TCPKIT_CHECKPOINT_STOP;
		} else if (!strcmp(*argv, "file")) {
			if (file)
				return usage_error("\"file\" given twice");
			NEXT_ARG();
			file = *argv;
		} else {
			return usage_error("unknown keyword \"%s\" for \"conn checkpoint\"",
					   *argv);
		}
		argc--;
		argv++;
	}
	ret = sock_args_check(&sa, true);
	if (ret)
		return ret;
	if (!file)
		return usage_error("\"conn checkpoint\" needs \"file PATH\"");
	if (!*file)
		return usage_error("empty file name");
	ret = check_writable(file);
	if (ret)
		return ret;

	tk = open_tcpkit();
	if (!tk)
		return EXIT_SYSERR;
	ret = sock_args_resolve(&sa, &ref);
	if (ret)
		goto out;
	if (tcpkit_checkpoint(tk, &ref, flags, &img)) {
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
			if (file)
				return usage_error("\"file\" given twice");
			NEXT_ARG();
			file = *argv;
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
	if (!file)
		return usage_error("\"conn restore\" needs \"file PATH\"");
	if (!*file)
		return usage_error("empty file name");

	/* the whole image is checked before any socket exists */
	if (!strcmp(file, "-"))
		img = tcpkit_image_read_fd(STDIN_FILENO);
	else
		img = tcpkit_image_read_file(file);
	if (!img)
		return lib_error();

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
	int ret, r;

	sock_args_init(&sa);
	while (argc > 0) {
		r = sock_args_parse(&sa, &argc, &argv, &ret);
		if (r < 0)
			return ret;
		if (!r)
			return usage_error("unknown keyword \"%s\" for \"conn thaw\"",
					   *argv);
		argc--;
		argv++;
	}
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
	if (argc < 1) {
		conn_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(*argv, "show"))
		return conn_show(argc - 1, argv + 1);
	if (!strcmp(*argv, "checkpoint"))
		return conn_checkpoint(argc - 1, argv + 1);
	if (!strcmp(*argv, "restore"))
		return conn_restore(argc - 1, argv + 1);
	if (!strcmp(*argv, "thaw"))
		return conn_thaw(argc - 1, argv + 1);
	if (!strcmp(*argv, "frozen"))
		return conn_frozen(argc - 1, argv + 1);
	if (!strcmp(*argv, "help")) {
		conn_usage(stdout);
		return EXIT_OK;
	}
	return usage_error("unknown command \"%s\" for \"conn\", try \"tcpkit conn help\"",
			   *argv);
}
