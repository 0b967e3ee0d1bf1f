/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpkit CLI: private declarations.
 */
#ifndef _TCPKIT_CLI_H
#define _TCPKIT_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "libtcpkit.h"

#define EXIT_OK		0
#define EXIT_USAGE	1
#define EXIT_SYSERR	2

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define CLI_PRINTF(a, b)	__attribute__((format(printf, a, b)))

/* utils.c: every error goes out as "Error: ..." on stderr */
int usage_error(const char *fmt, ...) CLI_PRINTF(1, 2);
int sys_error(const char *fmt, ...) CLI_PRINTF(1, 2);
int lib_error(void);

int parse_uint(const char *s, unsigned long long max,
	       unsigned long long *val);
int parse_milli(const char *s, uint32_t *val);

struct endpoint {
	int family;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr;
	uint16_t port;
	uint32_t scope;
};

int parse_endpoint(const char *s, struct endpoint *ep);

/* { pid PID fd FD | src ADDR:PORT dst ADDR:PORT } */
struct sock_args {
	bool has_pid, has_fd, has_src, has_dst;
	pid_t pid;
	int fd;
	struct endpoint src, dst;
	int local_fd;		/* from pidfd_getfd, closed by sock_args_release */
};

void sock_args_init(struct sock_args *sa);
/* 1: keyword consumed (argc/argv advanced past its value), 0: not ours */
int sock_args_parse(struct sock_args *sa, int *argc, char ***argv,
		    int *exit_code);
bool sock_args_given(const struct sock_args *sa);
/*
 * Check that one complete form was given; the pid/fd form only where
 * @fd_ok (thaw takes a 4-tuple only).
 */
int sock_args_check(const struct sock_args *sa, bool fd_ok);
int sock_args_tuple(const struct sock_args *sa, struct tcpkit_tuple *t);
int sock_args_resolve(struct sock_args *sa, struct tcpkit_sockref *ref);
void sock_args_release(struct sock_args *sa);
/*
 * A command's arguments: SOCK, and through @kw (NULL: none) its own
 * keywords.  @kw returns -1 for a keyword not its own, else 0 or an exit
 * code, with *argvp left on the last word it took.  @cmd names the
 * command in errors.
 */
typedef int (*cmd_kw_fn)(void *ctx, int *argcp, char ***argvp);
int sock_args_parse_all(struct sock_args *sa, int argc, char **argv,
			const char *cmd, cmd_kw_fn kw, void *ctx);
/*
 * Open tcpkit into *@tkp and resolve the socket into @ref; *@refp is @ref,
 * or NULL when no socket was named.  On error nothing is left held.
 */
int sock_args_open(struct sock_args *sa, struct tcpkit **tkp,
		   struct tcpkit_sockref *ref, struct tcpkit_sockref **refp);

struct tcpkit *open_tcpkit(void);

/* OBJECT { COMMAND | help }: one row a command */
struct cli_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
};

int run_cmd(const char *obj, const struct cli_cmd *cmds, size_t n,
	    void (*usage)(FILE *f), int argc, char **argv);

/* Step onto the value of the keyword at *@argvp, or a usage error. */
int next_arg(int *argcp, char ***argvp);
/* "file PATH": the keyword at *@argvp; its value goes to *@file. */
int parse_file_arg(int *argcp, char ***argvp, const char **file);
/* After the loop: PATH was given and is not empty. */
int check_file_arg(const char *file, const char *cmd);
/* check_file_arg(), then read the image ("-": standard input). */
int read_image_arg(const char *file, const char *cmd,
		   struct tcpkit_image **imgp);
/* The same for a file of one or several connections (version 1 or 2). */
int read_set_arg(const char *file, const char *cmd,
		 struct tcpkit_image_set **setp);

/* print.c: one layer for text and JSON */
void print_init(bool json, bool pretty);
bool print_is_json(void);
void print_open(const char *key);
void print_close(void);
void print_array_open(const char *key);
void print_array_close(void);
void print_uint(const char *key, uint64_t v);
/* JSON number @v, text @text */
void print_uint_text(const char *key, uint64_t v, const char *text);
void print_str(const char *key, const char *s);
void print_bool(const char *key, bool v);
void print_milli(const char *key, uint32_t v);
/* text only: end the line; continuation lines start with a tab */
void print_nl(bool indent);
void print_flush(void);

void print_tuple(const struct tcpkit_tuple *t);
void print_conn(const struct tcpkit_image *img);

/* objects */
int do_conn(int argc, char **argv);
int do_image(int argc, char **argv);
int do_aimd(int argc, char **argv);

#endif /* _TCPKIT_CLI_H */
