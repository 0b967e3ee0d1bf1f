// SPDX-License-Identifier: GPL-2.0
/*
 * tcpkit: command line front end of libtcpkit.
 *
 *   tcpkit [OPTIONS] OBJECT { COMMAND | help }
 *   tcpkit OBJECT COMMAND help
 *
 * Keywords are matched exactly. Exit status: 0 ok, 1 usage error,
 * 2 kernel or system error.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tcpkit.h"

static void usage(FILE *f)
{
	fputs("Usage: tcpkit [OPTIONS] OBJECT { COMMAND | help }\n"
	      "       tcpkit OBJECT COMMAND help\n"
	      "       tcpkit help\n"
	      "OBJECT := { conn | image | aimd }\n"
	      "OPTIONS := { -j[son] | -p[retty] | -n[etns] NETNS | -V[ersion] | -h[elp] }\n"
	      "\n"
	      "  tcpkit conn show       SOCK\n"
	      "  tcpkit conn checkpoint SOCK [stop] file PATH\n"
	      "  tcpkit conn restore    file PATH [conservative] [exec CMD [ARGS...]]\n"
	      "  tcpkit conn thaw       src ADDR:PORT dst ADDR:PORT\n"
	      "  tcpkit conn frozen\n"
	      "  tcpkit image show      file PATH\n"
	      "  tcpkit aimd show       [SOCK]\n"
	      "  tcpkit aimd set        [alpha A] [beta B] [beta_ecn B] [SOCK]\n"
	      "\n"
	      "SOCK := { pid PID fd FD | src ADDR:PORT dst ADDR:PORT }\n"
	      "ADDR:PORT := { IPV4:PORT | [IPV6]:PORT | [IPV6%SCOPE]:PORT }\n",
	      f);
}

static int enter_netns(const char *name)
{
	char path[4096];
	int fd, err;

	if (!*name || !strcmp(name, ".") || !strcmp(name, ".."))
		return usage_error("bad network namespace name \"%s\"", name);
	/*
	 * Like ip(8): a name with a slash is a path; names live in
	 * /run/netns (iproute2's NETNS_RUN_DIR), /var/run/netns on older
	 * systems.
	 */
	if (strchr(name, '/')) {
		snprintf(path, sizeof(path), "%s", name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	} else {
		snprintf(path, sizeof(path), "/run/netns/%s", name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT) {
			snprintf(path, sizeof(path), "/var/run/netns/%s", name);
			fd = open(path, O_RDONLY | O_CLOEXEC);
		}
	}
	if (fd < 0)
		return sys_error("network namespace \"%s\": %s", name,
				 strerror(errno));
	if (setns(fd, CLONE_NEWNET)) {
		err = errno;
		close(fd);
		return sys_error("network namespace \"%s\": setns: %s", name,
				 strerror(err));
	}
	close(fd);
	return 0;
}

static bool is_opt(const char *arg, const char *s, const char *l)
{
	return !strcmp(arg, s) || !strcmp(arg, l) ||
	       (l[1] == '-' && !strcmp(arg, l + 1));
}

int main(int argc, char **argv)
{
	bool json = false, pretty = false;
	const char *netns = NULL;
	int ret;

	argc--;
	argv++;
	while (argc > 0 && argv[0][0] == '-') {
		if (!strcmp(*argv, "--")) {
			argc--;
			argv++;
			break;
		} else if (is_opt(*argv, "-j", "--json")) {
			json = true;
		} else if (is_opt(*argv, "-p", "--pretty")) {
			pretty = true;
		} else if (is_opt(*argv, "-n", "--netns")) {
			if (argc < 2)
				return usage_error("\"%s\" needs a network namespace name",
						   *argv);
			argc--;
			argv++;
			netns = *argv;
		} else if (is_opt(*argv, "-V", "--version")) {
			printf("tcpkit %s (libtcpkit %s, family version %d)\n",
			       TCPKIT_CLI_VERSION, tcpkit_version(),
			       TCPKIT_FAMILY_VERSION);
			return EXIT_OK;
		} else if (is_opt(*argv, "-h", "--help")) {
			usage(stdout);
			return EXIT_OK;
		} else {
			usage_error("unknown option \"%s\", try \"tcpkit help\"",
				    *argv);
			return EXIT_USAGE;
		}
		argc--;
		argv++;
	}
	if (argc < 1) {
		usage(stderr);
		return EXIT_USAGE;
	}

	print_init(json, pretty);
	if (netns) {
		ret = enter_netns(netns);
		if (ret)
			return ret;
	}

	if (!strcmp(*argv, "conn"))
		ret = do_conn(argc - 1, argv + 1);
	else if (!strcmp(*argv, "image"))
		ret = do_image(argc - 1, argv + 1);
	else if (!strcmp(*argv, "aimd"))
		ret = do_aimd(argc - 1, argv + 1);
	else if (!strcmp(*argv, "help")) {
		usage(stdout);
		ret = EXIT_OK;
	} else
		ret = usage_error("unknown object \"%s\", try \"tcpkit help\"",
				  *argv);
	print_flush();
	if (fflush(stdout) || ferror(stdout))
		return sys_error("writing output: %s", strerror(errno));
	return ret;
}
