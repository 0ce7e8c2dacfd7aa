/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * mxctl's options and arguments, declared once per command as a table
 * (xdp-tools' lib/util/params.h): each entry names an option (--count) or
 * a positional argument (IFNAME), its type, where its value goes in the
 * command's argument struct, and its help.  One parser reads every
 * command's words with it, and the synopses of mxctl help, of a usage
 * error and of mxctl COMMAND --help are made from the same tables.
 *
 * Values are checked whole: a number to its last character and within
 * its range (--count 5x is refused), a word among the accepted ones; a
 * bad value is named together with what is accepted.
 */
#ifndef MXGW_ARGS_H
#define MXGW_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct mxctl_opts;
struct mxctl_cmd;

enum mxctl_arg_type {
	MXCTL_ARG_FLAG,		/* bool; takes no value */
	MXCTL_ARG_STRING,	/* const char *, as given */
	MXCTL_ARG_IFNAME,	/* const char *, shorter than IF_NAMESIZE */
	MXCTL_ARG_UINT,		/* unsigned long long, decimal, in [min, max] */
	MXCTL_ARG_SECONDS,	/* double, decimal, greater than 0 and at most max */
	MXCTL_ARG_WORD,		/* int: the value of one of words[] */
};

/* One accepted word of a MXCTL_ARG_WORD and the value it stands for. */
struct mxctl_word {
	const char *word;
	int value;
};

/* The flags of an entry. */
#define MXCTL_ARG_POSITIONAL	0x1	/* an argument, not an option */
#define MXCTL_ARG_REQUIRED	0x2	/* a positional that must be given */
/* A positional that -i IFNAME may stand in for: shown as required, and
 * the command says "which interface?" when neither is given. */
#define MXCTL_ARG_OR_I		0x4

struct mxctl_arg {
	const char *name;	/* --NAME; a positional's name in messages */
	char short_name;	/* -C, or 0 */
	enum mxctl_arg_type type;
	unsigned int flags;	/* MXCTL_ARG_* */
	size_t offset;		/* of the value in the struct the table fills */
	const char *metavar;	/* "FILE", "N": in synopses; a positional's */
	const struct mxctl_word *words;	/* WORD: the accepted ones, { NULL } ended */
	unsigned long long min, max;	/* UINT: the range; SECONDS: max */
	const char *help;
};

/* The options every command takes, into struct mxctl_opts: -c, -i, -j, -h. */
extern const struct mxctl_arg mxctl_common_args[];

/*
 * Parse @argv by the table @own (filling @dst; NULL: none) and
 * mxctl_common_args (filling @opts).  Options may come anywhere among the
 * arguments, as --NAME VALUE, --NAME=VALUE, -C VALUE, -CVALUE, short
 * flags bundled (-jh); "--" ends the options.  With @stop, stop at the
 * first positional word (mxctl's own options, before the command).
 *
 * Everything is parsed, so that a -j after a bad word still counts; the
 * first error is then written to @err (@cmd names the command in it).
 * Returns how many words were taken (@argc without @stop), or -EINVAL.
 */
int mxctl_parse_args(const struct mxctl_arg *own, void *dst, struct mxctl_opts *opts,
		     int argc, char **argv, bool stop, const char *cmd,
		     char *err, size_t errlen);

/* "IFNAME [--force]": the positionals in order, then the options. */
void mxctl_synopsis(const struct mxctl_arg *args, char *buf, size_t len);
/* "mxctl [-c FILE] [-i IFNAME] [-j] load IFNAME [--force]" */
void mxctl_usage_line(const struct mxctl_cmd *cmd, char *buf, size_t len);
/* "  -c, --config FILE     config file ...": a line for each of @args,
 * its positionals by their synopsis ("IFNAME", "in|out"). */
void mxctl_print_options(FILE *out, const struct mxctl_arg *args);

/*
 * Run @cmd on the words after its name: parse them into its argument
 * struct (its defaults first) and @opts, say a usage error (EXIT_USAGE),
 * print its help for -h, else return its handler's exit status.
 */
int mxctl_run(const struct mxctl_cmd *cmd, struct mxctl_opts *opts, int argc, char **argv);

#endif /* MXGW_ARGS_H */
