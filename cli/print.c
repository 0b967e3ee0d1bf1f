// SPDX-License-Identifier: GPL-2.0
/*
 * tcpkit CLI: the print layer. Every command prints through these calls,
 * so text and JSON (-j, -p) always carry the same keys.
 *
 * Text: "key value" tokens separated by spaces; print_nl() ends a line.
 * JSON: objects and arrays, compact or pretty (4-space indent).
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tcpkit.h"

#define MAX_DEPTH	16

static bool pr_json, pr_pretty;
static int depth;
static bool first[MAX_DEPTH];
static bool line_used;		/* text: something on the current line */
static bool line_indent;	/* text: the next token starts a tab line */
static bool printed;

/* As in ip(8): -p indents JSON and does nothing to text. */
void print_init(bool json, bool pretty)
{
	pr_json = json;
	pr_pretty = json && pretty;
}

bool print_is_json(void)
{
	return pr_json;
}

/*
 * Length of the well-formed UTF-8 sequence at @p (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0.
 */
static size_t utf8_len(const unsigned char *p)
{
	size_t n, i;
	uint32_t c;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		c = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		c = p[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (n == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	return n;
}

/* A C1 control (U+0080..U+009F): terminals act on these too. */
static bool utf8_c1(const unsigned char *p, size_t n)
{
	return n == 2 && p[0] == 0xc2 && p[1] < 0xa0;
}

/*
 * Any bytes out as a valid JSON string: controls escaped, a byte that is
 * not part of well-formed UTF-8 as U+FFFD.
 */
static void json_string(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	putchar('"');
	while (*p) {
		n = utf8_len(p);
		if (!n) {
			fputs("\\ufffd", stdout);
			p++;
			continue;
		}
		switch (*p) {
		case '"':
			fputs("\\\"", stdout);
			break;
		case '\\':
			fputs("\\\\", stdout);
			break;
		case '\n':
			fputs("\\n", stdout);
			break;
		case '\t':
			fputs("\\t", stdout);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				printf("\\u%04x", *p);
			else if (utf8_c1(p, n))
				printf("\\u%04x", p[1]);
			else
				fwrite(p, 1, n, stdout);
		}
		p += n;
	}
	putchar('"');
}

/*
 * Text: strings from an image may hold anything; a control character or a
 * byte outside well-formed UTF-8 goes out as \xHH, never raw to a terminal.
 */
static void text_string(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	while (*p) {
		n = utf8_len(p);
		if (!n || *p < 0x20 || *p == 0x7f || utf8_c1(p, n)) {
			printf("\\x%02x", *p);
			p++;
			continue;
		}
		fwrite(p, 1, n, stdout);
		p += n;
	}
}

static void json_indent(int n)
{
	putchar('\n');
	while (n-- > 0)
		fputs("    ", stdout);
}

/* Separator, then "key": for a new member at the current depth. */
static void json_member(const char *key)
{
	if (depth > 0) {
		if (!first[depth])
			putchar(',');
		first[depth] = false;
		if (pr_pretty)
			json_indent(depth);
	}
	if (key && depth > 0) {
		json_string(key);
		fputs(pr_pretty ? ": " : ":", stdout);
	}
	printed = true;
}

/* Text: a separator before the next token. */
static void text_token(void)
{
	if (line_indent) {
		putchar('\t');
		line_indent = false;
	} else if (line_used) {
		putchar(' ');
	}
	line_used = true;
	printed = true;
}

static void text_key(const char *key)
{
	text_token();
	if (key)
		printf("%s ", key);
}

static void open_container(const char *key, char c)
{
	if (!pr_json) {
		if (key) {
			text_token();
			fputs(key, stdout);
		}
		return;
	}
	json_member(key);
	putchar(c);
	if (depth < MAX_DEPTH - 1)
		depth++;
	first[depth] = true;
}

static void close_container(char c)
{
	bool empty;

	if (!pr_json)
		return;
	empty = first[depth];
	if (depth > 0)
		depth--;
	if (pr_pretty && !empty)
		json_indent(depth);
	putchar(c);
}

void print_open(const char *key)
{
	open_container(key, '{');
}

void print_close(void)
{
	close_container('}');
}

void print_array_open(const char *key)
{
	open_container(key, '[');
}

void print_array_close(void)
{
	close_container(']');
}

void print_uint(const char *key, uint64_t v)
{
	if (pr_json)
		json_member(key);
	else
		text_key(key);
	printf("%" PRIu64, v);
}

void print_uint_text(const char *key, uint64_t v, const char *text)
{
	if (pr_json) {
		json_member(key);
		printf("%" PRIu64, v);
	} else {
		text_key(key);
		fputs(text, stdout);
	}
}

void print_str(const char *key, const char *s)
{
	if (pr_json) {
		json_member(key);
		json_string(s);
	} else {
		text_key(key);
		text_string(s);
	}
}

void print_bool(const char *key, bool v)
{
	if (pr_json) {
		json_member(key);
		fputs(v ? "true" : "false", stdout);
	} else {
		text_key(key);
		fputs(v ? "on" : "off", stdout);
	}
}

void print_milli(const char *key, uint32_t v)
{
	if (pr_json)
		json_member(key);
	else
		text_key(key);
	printf("%u.%03u", v / 1000, v % 1000);
}

void print_nl(bool indent)
{
	if (pr_json)
		return;
	if (line_used)
		putchar('\n');
	line_used = false;
	line_indent = indent;
}

void print_flush(void)
{
	if (pr_json) {
		if (printed)
			putchar('\n');
	} else if (line_used) {
		putchar('\n');
	}
	line_used = false;
	line_indent = false;
	printed = false;
	fflush(stdout);
}

void print_tuple(const struct tcpkit_tuple *t)
{
	char a[INET6_ADDRSTRLEN];

	print_str("family", t->family == AF_INET ? "inet" : "inet6");
	inet_ntop(t->family, &t->saddr, a, sizeof(a));
	print_str("saddr", a);
	print_uint("sport", t->sport);
	inet_ntop(t->family, &t->daddr, a, sizeof(a));
	print_str("daddr", a);
	print_uint("dport", t->dport);
	if (t->ifindex)
		print_uint("ifindex", t->ifindex);
}

/* Text layout of a connection: these attributes start a new line. */
static bool conn_line_break(int type)
{
	switch (type) {
	case TCPKIT_A_CONN_SND_SEQ:
	case TCPKIT_A_CONN_MSS:
	case TCPKIT_A_CONN_SND_WL1:
	case TCPKIT_A_CONN_NODELAY:
	case TCPKIT_A_CONN_SNDBUF:
	case TCPKIT_A_CONN_CC:
		return true;
	}
	return false;
}

static void print_queue(const char *key, const struct tcpkit_image *img,
			enum tcpkit_queue q)
{
	unsigned int chunks;
	uint64_t bytes;

	tcpkit_image_queue(img, q, &bytes, &chunks);
	print_open(key);
	print_uint("bytes", bytes);
	print_uint("chunks", chunks);
	print_close();
}

/* The connection fields of an image, in payload order; metadata skipped. */
void print_conn(const struct tcpkit_image *img)
{
	unsigned int unknown = 0;
	struct tcpkit_field f = { .size = sizeof(f) };
	size_t cur = 0;
	int nest = 0;

	while (tcpkit_image_next_field(img, &cur, &f) == 1) {
		if (f.nest != nest) {
			if (nest)
				print_close();
			if (f.nest)
				print_open("aimd");
			nest = f.nest;
		}
		if (f.kind == TCPKIT_FIELD_UNKNOWN) {
			unknown++;
			continue;
		}
		if (f.type > TCPKIT_IMG_ATTR_META_BASE ||
		    f.kind == TCPKIT_FIELD_DATA)
			continue;
		if (!f.nest && conn_line_break(f.type))
			print_nl(true);
		switch (f.kind) {
		case TCPKIT_FIELD_BOOL:
			print_bool(f.name, f.value);
			break;
		case TCPKIT_FIELD_STRING:
		case TCPKIT_FIELD_ADDR:
		case TCPKIT_FIELD_ENUM:
			print_str(f.name, f.str);
			break;
		case TCPKIT_FIELD_MILLI:
			print_milli(f.name, (uint32_t)f.value);
			break;
		default:
			print_uint(f.name, f.value);
			break;
		}
	}
	if (nest)
		print_close();

	if (!tcpkit_image_header_only(img)) {
		print_nl(true);
		print_queue("snd_data", img, TCPKIT_QUEUE_SEND);
		print_queue("rcv_data", img, TCPKIT_QUEUE_RECV);
	}
	if (unknown) {
		print_nl(true);
		print_array_open("unknown_optional");
		cur = 0;
		while (tcpkit_image_next_field(img, &cur, &f) == 1) {
			if (f.kind != TCPKIT_FIELD_UNKNOWN)
				continue;
			print_open(NULL);
			print_uint("type", f.type);
			print_uint("len", f.value);
			print_close();
		}
		print_array_close();
	}
}
