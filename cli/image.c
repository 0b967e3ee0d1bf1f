// SPDX-License-Identifier: GPL-2.0
/*
 * tcpkit CLI: the image object.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tcpkit.h"

static void image_usage(FILE *f)
{
	fputs("Usage: tcpkit image show file PATH\n"
	      "PATH \"-\" is standard input.\n", f);
}

static void print_flags(uint32_t flags)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
		{ TCPKIT_IMAGE_F_TS_USEC, "ts_usec" },
		{ TCPKIT_IMAGE_F_BIG_ENDIAN, "big_endian" },
	};
	char text[64] = "";
	size_t i;

	if (print_is_json()) {
		print_array_open("flags");
		for (i = 0; i < ARRAY_SIZE(names); i++)
			if (flags & names[i].bit)
				print_str(NULL, names[i].name);
		print_array_close();
		return;
	}
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (!(flags & names[i].bit))
			continue;
		if (*text)
			strcat(text, ",");
		strcat(text, names[i].name);
	}
	print_str("flags", *text ? text : "none");
}

/* @crc: the image's own CRC32C (a file of one connection). */
static void print_header(const struct tcpkit_image *img, bool crc_too)
{
	const char *host, *kernel, *tool;
	char crc[16], when[32];
	uint64_t created;
	struct tm tm;
	size_t plen;
	time_t t;

	tcpkit_image_payload(img, &plen);
	print_open("image");
	print_uint("version", tcpkit_image_version(img));
	print_flags(tcpkit_image_flags(img));
	print_uint("payload_len", plen);
	if (crc_too) {
		snprintf(crc, sizeof(crc), "0x%08x", tcpkit_image_crc32c(img));
		print_str("crc32c", crc);
	}
	print_uint("family_version", tcpkit_image_family_version(img));
	print_nl(true);
	if (tcpkit_image_get_uint(img, TCPKIT_IMG_A_CREATED, &created) == 0) {
		t = (time_t)created;
		if (gmtime_r(&t, &tm))
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		else
			snprintf(when, sizeof(when), "%llu",
				 (unsigned long long)created);
		print_uint_text("created", created, when);
	}
	host = tcpkit_image_get_str(img, TCPKIT_IMG_A_HOST);
	if (host)
		print_str("host", host);
	kernel = tcpkit_image_get_str(img, TCPKIT_IMG_A_KERNEL);
	if (kernel)
		print_str("kernel", kernel);
	tool = tcpkit_image_get_str(img, TCPKIT_IMG_A_TOOL);
	if (tool)
		print_str("tool", tool);
	print_close();
}

static int image_show(int argc, char **argv)
{
	struct tcpkit_image_set *set;
	struct tcpkit_image *img;
	const char *file = NULL;
	size_t n, i;
	bool multi;
	int ret;

	while (argc > 0) {
		if (!strcmp(*argv, "file")) {
			ret = parse_file_arg(&argc, &argv, &file);
			if (ret)
				return ret;
		} else {
			return usage_error("unknown keyword \"%s\" for \"image show\"",
					   *argv);
		}
		argc--;
		argv++;
	}
	ret = read_set_arg(file, "image show", &set);
	if (ret)
		return ret;

	n = tcpkit_image_set_count(set);
	multi = tcpkit_image_set_version(set) != TCPKIT_IMAGE_VERSION;
	print_open(NULL);
	if (multi) {
		/* one CRC32C covers the whole file: none per connection */
		print_uint("version", tcpkit_image_set_version(set));
		print_uint("connections", n);
		print_nl(false);
		print_array_open("set");
	}
	for (i = 0; i < n; i++) {
		img = tcpkit_image_set_get(set, i);
		if (multi)
			print_open(NULL);
		print_header(img, !multi);
		print_nl(false);
		print_open("conn");
		print_conn(img);
		print_close();
		if (multi) {
			print_close();
			print_nl(false);
		}
	}
	if (multi)
		print_array_close();
	print_close();
	tcpkit_image_set_free(set);
	return EXIT_OK;
}

int do_image(int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "show", image_show },
	};

	return run_cmd("image", cmds, ARRAY_SIZE(cmds), image_usage, argc, argv);
}
