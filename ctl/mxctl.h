/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* mxctl's command table and what every command shares. */
#ifndef MXGW_MXCTL_H
#define MXGW_MXCTL_H

#include <stdbool.h>
#include <net/if.h>

#define EXIT_USAGE	2
/* mxctl check: the config is valid, with warnings. */
#define EXIT_WARNINGS	3

struct mxctl_opts {
	const char *conf_path;	/* -c, or the default path */
	const char *ifname;	/* -i: act on this interface only */
	bool json;		/* -j */
};

struct mxctl_cmd {
	const char *name;
	int (*handler)(const struct mxctl_opts *opts, int argc, char **argv);
	const char *args;	/* the synopsis after the name */
	const char *help;
};

/* Each handler returns the exit status: 0, 1 (failure) or EXIT_USAGE. */
int cmd_load(const struct mxctl_opts *opts, int argc, char **argv);
int cmd_unload(const struct mxctl_opts *opts, int argc, char **argv);
int cmd_reload(const struct mxctl_opts *opts, int argc, char **argv);
int cmd_set_service(const struct mxctl_opts *opts, int argc, char **argv);
int cmd_status(const struct mxctl_opts *opts, int argc, char **argv);
int cmd_conntrack(const struct mxctl_opts *opts, int argc, char **argv);
int cmd_log(const struct mxctl_opts *opts, int argc, char **argv);
int cmd_stats(const struct mxctl_opts *opts, int argc, char **argv);
int cmd_export(const struct mxctl_opts *opts, int argc, char **argv);
int cmd_dns(const struct mxctl_opts *opts, int argc, char **argv);
int cmd_check(const struct mxctl_opts *opts, int argc, char **argv);

struct mxgw_maps;
struct json;
/* mxctl conntrack's listing of one interface's flows, both families, to
 * stdout (@j NULL: text) or @j. */
int mxctl_conntrack_list(const char *ifname, const struct mxgw_maps *m, struct json *j);

/* strerror() for a negative errno, in mxgw's words where they say more. */
const char *mxctl_strerror(int err);
/* "mxctl: " + message to stderr */
void mxctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
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
