/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* mxctl's command table and what every command shares. */
#ifndef MXGW_MXCTL_H
#define MXGW_MXCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>

#define EXIT_USAGE	2
/* mxctl check: the config is valid, with warnings. */
#define EXIT_WARNINGS	3

struct mxctl_opts {
	const char *conf_path;	/* -c, or the default path */
	const char *ifname;	/* -i: act on this interface only */
	bool json;		/* -j */
	bool help;		/* -h after a command: its help instead of running it */
};

struct mxctl_arg;

/*
 * A command, declared once in its own file (mxctl_cmd_NAME): its handler,
 * its options and arguments as a table (args.h) filling a struct of its
 * own, which the handler gets; mxctl help, the usage line of an error
 * and mxctl NAME --help are made from the table.
 */
struct mxctl_cmd {
	const char *name;
	/* returns the exit status: 0, 1 (failure), EXIT_USAGE, EXIT_WARNINGS */
	int (*handler)(const struct mxctl_opts *opts, const void *args);
	const struct mxctl_arg *args;	/* { NULL } ended; NULL: none */
	size_t args_size;		/* of the struct the table fills */
	const void *defaults;		/* its values before parsing; NULL: zeroes */
	const char *help;
	const char *hint;		/* said after each of its usage errors, or NULL */
	bool json;		/* honours -j: its output and its errors are JSON */
};

extern const struct mxctl_cmd mxctl_cmd_load, mxctl_cmd_unload, mxctl_cmd_reload,
	mxctl_cmd_set_service, mxctl_cmd_status, mxctl_cmd_log, mxctl_cmd_conntrack,
	mxctl_cmd_stats, mxctl_cmd_export, mxctl_cmd_dns, mxctl_cmd_check,
	mxctl_cmd_ban, mxctl_cmd_unban, mxctl_cmd_bans, mxctl_cmd_blocklist,
	mxctl_cmd_probe;

struct mxgw_maps;
struct json;
struct mxgw_policy;
struct mxgw_bl_list;

/*
 * Blocklists for load, reload and mxctl blocklist: read the files of
 * @pol's lists (@only >= 0: that one, into @lists[0]) into @lists
 * (MXGW_BL_MAX), all or none: every bad line said FILE:LINE, -1; then
 * swap them in on @ifname (mxgw_maps_bl_apply), saying what runs unless
 * @quiet.  Returns 0 or 1 after saying why.
 */
int mxctl_bl_read_all(const char *cmd, const struct mxgw_policy *pol, int only,
		      struct mxgw_bl_list *lists);
void mxctl_bl_free_all(struct mxgw_bl_list *lists);
int mxctl_bl_apply(const char *cmd, const char *ifname, const struct mxgw_policy *pol,
		   const struct mxgw_bl_list *lists, int only, bool quiet);
/* mxctl conntrack's listing of one interface's flows, both families, to
 * stdout (@j NULL: text) or @j. */
int mxctl_conntrack_list(const char *ifname, const struct mxgw_maps *m, struct json *j);

/* strerror() for a negative errno, in mxgw's words where they say more. */
const char *mxctl_strerror(int err);
/* "mxctl: " + message to stderr */
void mxctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Errors as JSON on stdout ({"error": ...}) instead of lines on stderr:
 * under -j, for a command that honours it. */
void mxctl_errors_as_json(bool on);
/* Usage error: the message and the command's synopsis, returns EXIT_USAGE. */
int mxctl_usage(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Rename the pin directories of renamed interfaces, with a note each. */
void mxctl_follow_renames(const char *cmd);

/*
 * The interfaces a command acts on: -i IFNAME, or an explicit @arg, or
 * every loaded one.  Returns how many, or -1 after printing why none.
 */
int mxctl_targets(const struct mxctl_opts *opts, const char *arg,
		  char (*names)[IF_NAMESIZE], int max, const char *cmd);

#endif /* MXGW_MXCTL_H */
