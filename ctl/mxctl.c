// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mxctl: load mxgw on a WAN interface and drive it at run time.
 * A bpftool-style CLI: a table of commands, each with its handler and help.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "mxctl.h"
#include "args.h"
#include "config.h"
#include "json.h"
#include "version.h"
#include "../loader/loader.h"

static const struct mxctl_cmd mxctl_cmd_version, mxctl_cmd_help;

/* The commands in the order mxctl help lists them. */
static const struct mxctl_cmd *const commands[] = {
	&mxctl_cmd_load, &mxctl_cmd_unload, &mxctl_cmd_reload, &mxctl_cmd_set_service,
	&mxctl_cmd_status, &mxctl_cmd_log, &mxctl_cmd_conntrack, &mxctl_cmd_stats,
	&mxctl_cmd_ban, &mxctl_cmd_unban, &mxctl_cmd_bans, &mxctl_cmd_blocklist,
	&mxctl_cmd_export, &mxctl_cmd_dns, &mxctl_cmd_check, &mxctl_cmd_version,
	&mxctl_cmd_help, &mxctl_cmd_probe,
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/*
 * Under -j, for a command that honours it, an error is JSON on stdout as
 * bpftool has it: {"error": "message"}, the exit status unchanged, so
 * that a script reading the output reads one document either way.  Set
 * by main() for mxctl's own options, then by mxctl_run() once the
 * command's words are parsed (a -j among them counts).
 */
static bool errors_as_json;

void mxctl_errors_as_json(bool on)
{
	errors_as_json = on;
}

/* One error: "mxctl: message" on stderr, or under -j {"error": "message"}
 * (and the synopsis as "usage") on stdout. */
static void vmsg(const char *usage, const char *fmt, va_list ap)
{
	char msg[1024];
	struct json j;

	if (!errors_as_json) {
		fputs("mxctl: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		return;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	json_init(&j, stdout);
	json_object_start(&j);
	json_kv_string(&j, "error", msg);
	if (usage)
		json_kv_string(&j, "usage", usage);
	json_object_end(&j);
	fflush(stdout);
}

void mxctl_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(NULL, fmt, ap);
	va_end(ap);
}

const char *mxctl_strerror(int err)
{
	switch (err) {
	case -EPROTO:
		return "pinned by an mxctl of another ABI version (mxctl unload, then load)";
	case -EPERM:
	case -EACCES:
		return "permission denied: mxctl needs root (CAP_BPF, CAP_NET_ADMIN) to read " MXGW_PIN_ROOT;
	default:
		return strerror(-err);
	}
}

static const struct mxctl_cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

int mxctl_usage(const char *cmd, const char *fmt, ...)
{
	const struct mxctl_cmd *c = cmd ? find_cmd(cmd) : NULL;
	char usage[256];
	va_list ap;

	if (c)
		mxctl_usage_line(c, usage, sizeof(usage));
	va_start(ap, fmt);
	vmsg(c ? usage : NULL, fmt, ap);
	va_end(ap);
	if (errors_as_json)
		return EXIT_USAGE;
	if (c)
		fprintf(stderr, "usage: %s\n", usage);
	else
		fputs("try 'mxctl help'\n", stderr);
	return EXIT_USAGE;
}

/* mxctl version, mxctl --version: "mxctl VERSION (map ABI N)" */
static int cmd_version(const struct mxctl_opts *opts, const void *args)
{
	struct json j;

	(void)args;
	if (opts && opts->json) {
		json_init(&j, stdout);
		json_object_start(&j);
		json_kv_string(&j, "version", mxgw_version);
		json_kv_uint(&j, "abi", MXGW_ABI_VERSION);
		json_object_end(&j);
	} else {
		printf("mxctl %s (map ABI %d)\n", mxgw_version, MXGW_ABI_VERSION);
	}
	return fflush(stdout) ? 1 : 0;
}

static const struct mxctl_cmd mxctl_cmd_version = {
	.name = "version",
	.handler = cmd_version,
	.help = "mxctl's version and the map ABI version it speaks (also --version)",
	.json = true,
};

struct help_args {
	int topic;
};

enum { HELP_COMMANDS, HELP_COUNTERS, HELP_CONFIG };

static const struct mxctl_word help_topics[] = {
	{ "counters", HELP_COUNTERS },
	{ "config", HELP_CONFIG },
	{ NULL },
};

static const struct mxctl_arg help_args[] = {
	{ .name = "topic", .type = MXCTL_ARG_WORD, .flags = MXCTL_ARG_POSITIONAL,
	  .offset = offsetof(struct help_args, topic), .words = help_topics,
	  .help = "counters: what each counter counts; config: the keys of mxgw.conf" },
	{ 0 },
};

/* The options mxctl takes before the command and nowhere else. */
struct global_args {
	bool version;
};

static const struct mxctl_arg global_args[] = {
	{ .name = "version", .short_name = 'V', .type = MXCTL_ARG_FLAG,
	  .offset = offsetof(struct global_args, version),
	  .help = "the version (mxctl version)" },
	{ 0 },
};

/* mxctl help counters: every drop reason and path counter, as status and
 * stats name them, with what each counts (the man page's list too); those
 * of no address family (flag NOFAMILY) say so. */
static int help_counters(void)
{
	for (int c = 0; c < MXGW_COUNTER_MAX; c++)
		printf("%-24s %s%s\n", mxgw_counter_name(c), mxgw_counter_help(c),
		       mxgw_counter_table[c].flags & MXGW_CF_F_NOFAMILY ?
		       "; no address family" : "");
	return 0;
}

/* mxctl help config: the keys of mxgw.conf from the parser's own table,
 * what follows each and a line of help (mxgw.conf(5) has the rest). */
static int help_config(void)
{
	const struct mxctl_conf_key *k;

	for (size_t i = 0; (k = mxctl_conf_key(i)); i++)
		printf("%-14s %s\n%-14s   %s\n", k->name, k->syntax, "", k->help);
	return 0;
}

static int cmd_help(const struct mxctl_opts *opts, const void *args)
{
	const struct help_args *a = args;

	(void)opts;
	if (a && a->topic == HELP_COUNTERS)
		return help_counters();
	if (a && a->topic == HELP_CONFIG)
		return help_config();
	printf("usage: mxctl [OPTIONS] COMMAND [ARGS]\n\n"
	       "mxgw: an XDP/TC gateway that exposes a mail server's port table.\n\n"
	       "commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++) {
		char syn[256], line[300];

		mxctl_synopsis(commands[i]->args, syn, sizeof(syn));
		snprintf(line, sizeof(line), "%s%s%s", commands[i]->name, syn[0] ? " " : "", syn);
		if (strlen(line) > 34)
			printf("  %s\n  %-34s %s\n", line, "", commands[i]->help);
		else
			printf("  %-34s %s\n", line, commands[i]->help);
	}
	printf("\noptions (before or after the command):\n");
	mxctl_print_options(stdout, mxctl_common_args);
	mxctl_print_options(stdout, global_args);
	printf("\nexit status: 0 success, 1 failure, 2 usage error, 3 check: warnings only,\n"
	       "             status: a WARNING printed\n");
	return 0;
}

static const struct mxctl_cmd mxctl_cmd_help = {
	.name = "help",
	.handler = cmd_help,
	.args = help_args,
	.args_size = sizeof(struct help_args),
	.help = "this text; counters: what each counter counts; config: mxgw.conf's keys",
};

void mxctl_follow_renames(const char *cmd)
{
	struct mxgw_renamed r[8];
	int n = mxgw_follow_renames(r, 8);

	for (int i = 0; i < n && i < 8; i++)
		fprintf(stderr, "mxctl: %s: note: %s was renamed %s: mxgw's pins follow it%s\n",
			cmd, r[i].from, r[i].to,
			r[i].replaced_stale ? " (the stale pins under the new name removed)" : "");
}

int mxctl_targets(const struct mxctl_opts *opts, const char *arg,
		  char (*names)[IF_NAMESIZE], int max, const char *cmd)
{
	const char *want = arg ? arg : opts->ifname;
	int n;

	/* this namespace's pins only; a renamed interface's follow it */
	mxctl_follow_renames(cmd);
	n = mxgw_loaded_ifnames(names, max);
	if (n == -EPERM || n == -EACCES) {
		mxctl_err("%s: %s", cmd, mxctl_strerror(n));
		return -1;
	}
	if (n < 0) {
		mxctl_err("%s: cannot list loaded interfaces: %s", cmd, mxctl_strerror(n));
		return -1;
	}
	if (want) {
		for (int i = 0; i < n; i++) {
			if (!strcmp(names[i], want)) {
				memmove(names[0], names[i], IF_NAMESIZE);
				return 1;
			}
		}
		mxctl_err("%s: mxgw is not loaded on %s", cmd, want);
		return -1;
	}
	if (!n) {
		mxctl_err("%s: mxgw is not loaded on any interface (mxctl load IFNAME)", cmd);
		return -1;
	}
	return n;
}

/*
 * libbpf's own messages (a verifier log among them) only with MXGW_DEBUG=1:
 * every failure reaches the operator as one line with its context.
 */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	const char *debug = getenv("MXGW_DEBUG");

	if (!debug || !*debug || (level == LIBBPF_DEBUG && strcmp(debug, "2")))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

int main(int argc, char **argv)
{
	struct mxctl_opts opts = { .conf_path = MXGW_CONF_DEFAULT_PATH };
	struct global_args global = { 0 };
	const struct mxctl_cmd *cmd;
	char err[512];
	int n;

	/* mxctl's own options, up to the command: the same parser as the
	 * command's, with its table and the common ones */
	n = mxctl_parse_args(global_args, &global, &opts, argc - 1, argv + 1, true,
			     NULL, err, sizeof(err));
	mxctl_errors_as_json(opts.json);
	if (n < 0)
		return mxctl_usage(NULL, "%s", err);
	if (opts.help)
		return cmd_help(&opts, NULL);
	/* mxctl -j --version is JSON too */
	if (global.version)
		return cmd_version(&opts, NULL);
	if (1 + n >= argc)
		return mxctl_usage(NULL, "no command given");
	cmd = find_cmd(argv[1 + n]);
	if (!cmd)
		return mxctl_usage(NULL, "unknown command '%s'", argv[1 + n]);
	libbpf_set_print(libbpf_print);
	return mxctl_run(cmd, &opts, argc - 2 - n, argv + 2 + n);
}
