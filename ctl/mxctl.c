// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mxctl: load mxgw on a WAN interface and drive it at run time.
 * A bpftool-style CLI: a table of commands, each with its handler and help.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "mxctl.h"
#include "config.h"
#include "json.h"
#include "version.h"
#include "../loader/loader.h"

static int cmd_help(const struct mxctl_opts *opts, int argc, char **argv);
static int cmd_version(const struct mxctl_opts *opts, int argc, char **argv);

static const struct mxctl_cmd commands[] = {
	{ "load", cmd_load, "IFNAME [--force]",
	  "load mxgw on the WAN interface IFNAME with the config; again: re-apply it. "
	  "--force: even if that cuts a connection to the gateway" },
	{ "unload", cmd_unload, "IFNAME",
	  "stop filtering IFNAME: detach mxgw (XDP, then TC) and remove its pins" },
	{ "reload", cmd_reload, "[IFNAME] [--force]",
	  "re-read the config and apply it to the running gateway, flows kept" },
	{ "set-service", cmd_set_service, "NAME [in|out] allow|deny [--save]",
	  "change a service's verdict at once (no direction: both); --save: in the config too" },
	{ "status", cmd_status, "[IFNAME]",
	  "the running table with live counters, attach mode and forward path (exit 3: a WARNING)" },
	{ "log", cmd_log, "[--service NAME] [--verdict drop|allow] [--pcap FILE] [--count N] [--timeout S]",
	  "a live stream of sampled events: drops with their reason, new connections" },
	{ "conntrack", cmd_conntrack, "[flush]",
	  "the tracked outgoing flows, IPv4 and IPv6 (proto, LAN, public, remote, state, age); flush forgets them" },
	{ "stats", cmd_stats, "[IFNAME] [--prometheus] [--listen ADDRESS:PORT]",
	  "every counter: services, drops, forward paths, conntrack, NAT ports; Prometheus, over HTTP" },
	{ "export", cmd_export, "nft",
	  "the config's table as an nftables ruleset (-i: the WAN interface, default eth0)" },
	{ "dns", cmd_dns, "",
	  "the DNS records of the config: public MX, A and AAAA, local A and AAAA (zone file syntax)" },
	{ "check", cmd_check, "",
	  "validate the config without loading it, warn about risky settings (exit 3)" },
	{ "version", cmd_version, "",
	  "mxctl's version and the map ABI version it speaks (also --version)" },
	{ "help", cmd_help, "[counters]", "this text; counters: what each counter counts" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void vmsg(const char *fmt, va_list ap)
{
	fputs("mxctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void mxctl_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
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
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

int mxctl_usage(const char *cmd, const char *fmt, ...)
{
	const struct mxctl_cmd *c = cmd ? find_cmd(cmd) : NULL;
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	if (c)
		fprintf(stderr, "usage: mxctl [-c FILE] [-i IFNAME] [-j] %s %s\n",
			c->name, c->args);
	else
		fputs("try 'mxctl help'\n", stderr);
	return EXIT_USAGE;
}

/* mxctl help counters: every drop reason and path counter, as status and
 * stats name them, with what each counts (the man page's list too). */
static int help_counters(void)
{
	for (int c = 0; c < MXGW_COUNTER_MAX; c++)
		printf("%-24s %s\n", mxgw_counter_name(c), mxgw_counter_help(c));
	return 0;
}

/* mxctl version, mxctl --version: "mxctl VERSION (map ABI N)" */
static int cmd_version(const struct mxctl_opts *opts, int argc, char **argv)
{
	struct json j;

	(void)argv;
	if (argc)
		return mxctl_usage("version", "version takes no arguments");
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

static int cmd_help(const struct mxctl_opts *opts, int argc, char **argv)
{
	(void)opts;
	if (argc == 1 && !strcmp(argv[0], "counters"))
		return help_counters();
	if (argc > 0)
		return mxctl_usage("help", "unknown topic '%s' (try: mxctl help counters)", argv[0]);
	printf("usage: mxctl [OPTIONS] COMMAND [ARGS]\n\n"
	       "mxgw: an XDP/TC gateway that exposes a mail server's port table.\n\n"
	       "commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++) {
		char syn[128];

		snprintf(syn, sizeof(syn), "%s %s", commands[i].name, commands[i].args);
		if (strlen(syn) > 34)
			printf("  %s\n  %-34s %s\n", syn, "", commands[i].help);
		else
			printf("  %-34s %s\n", syn, commands[i].help);
	}
	printf("\noptions:\n"
	       "  -c, --config FILE   config file (default %s)\n"
	       "  -i, --interface IF  act on this interface only (default: every loaded one)\n"
	       "  -j, --json          JSON output\n"
	       "  -h, --help          this text\n"
	       "  -V, --version       the version (mxctl version)\n"
	       "\nexit status: 0 success, 1 failure, 2 usage error, 3 check: warnings only,\n"
	       "             status: a WARNING printed\n",
	       MXGW_CONF_DEFAULT_PATH);
	return 0;
}

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

	if (arg && arg[0] == '-')
		return mxctl_usage(cmd, "unknown option '%s'", arg), -1;

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

/*
 * The common options (-c, -i, -j) may also follow the command, as with
 * `mxctl status -j`: take them out of the command's arguments, leaving the
 * command's own (`log --pcap FILE`) in order.  Returns the new argc, or -1
 * after a usage message.
 */
static int take_common_opts(struct mxctl_opts *opts, int argc, char **argv,
			    const char *cmd)
{
	int n = 0;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char **val = NULL;

		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			opts->json = true;
			continue;
		}
		if (!strcmp(a, "-i") || !strcmp(a, "--interface"))
			val = &opts->ifname;
		else if (!strcmp(a, "-c") || !strcmp(a, "--config"))
			val = &opts->conf_path;
		if (val) {
			if (++i == argc)
				return mxctl_usage(cmd, "%s needs a value", a), -1;
			*val = argv[i];
			continue;
		}
		argv[n++] = argv[i];
	}
	return n;
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "interface", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	struct mxctl_opts opts = { .conf_path = MXGW_CONF_DEFAULT_PATH };
	const struct mxctl_cmd *cmd;
	bool version = false;
	int c, cmd_argc;

	/* "+": options before the command only; the command parses the rest */
	while ((c = getopt_long(argc, argv, "+c:i:jhV", long_opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			opts.conf_path = optarg;
			break;
		case 'i':
			opts.ifname = optarg;
			break;
		case 'j':
			opts.json = true;
			break;
		case 'h':
			return cmd_help(&opts, 0, NULL);
		case 'V':
			version = true;
			break;
		default:
			return mxctl_usage(NULL, "bad option");
		}
	}
	/* after the loop: mxctl -j --version is JSON too */
	if (version)
		return cmd_version(&opts, 0, NULL);
	if (optind >= argc)
		return mxctl_usage(NULL, "no command given");
	cmd = find_cmd(argv[optind]);
	if (!cmd)
		return mxctl_usage(NULL, "unknown command '%s'", argv[optind]);
	cmd_argc = take_common_opts(&opts, argc - optind - 1, argv + optind + 1, cmd->name);
	if (cmd_argc < 0)
		return EXIT_USAGE;
	libbpf_set_print(libbpf_print);
	return cmd->handler(&opts, cmd_argc, argv + optind + 1);
}
