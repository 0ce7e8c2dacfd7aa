// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mxctl export nft: the config's table as an nftables ruleset, on stdout.
 * From the config file alone: no map, no privilege, nothing loaded.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mxctl.h"
#include "args.h"
#include "config.h"
#include "nft_export.h"
#include "../maps/blocklist.h"

enum export_format {
	EXPORT_NFT,
};

struct export_args {
	int format;		/* enum export_format */
};

static const struct mxctl_word formats[] = {
	{ "nft", EXPORT_NFT },
	{ NULL },
};

static const struct mxctl_arg export_args[] = {
	{ .name = "format", .type = MXCTL_ARG_WORD,
	  .flags = MXCTL_ARG_POSITIONAL | MXCTL_ARG_REQUIRED,
	  .offset = offsetof(struct export_args, format), .words = formats,
	  .help = "nft: an nftables ruleset" },
	{ 0 },
};

static struct mxgw_bl_list lists[MXGW_BL_MAX];

static int cmd_export(const struct mxctl_opts *opts, const void *args)
{
	const char *wan = opts->ifname ? opts->ifname : MXGW_NFT_DEFAULT_WAN;
	struct mxgw_conf_file *conf;
	int err;

	(void)args;	/* nft, the one format */
	if (!mxgw_nft_ifname_ok(wan))
		return mxctl_usage("export", "-i %s: not an interface name nft can match", wan);
	conf = malloc(sizeof(*conf));
	if (!conf) {
		mxctl_err("export: %s", strerror(ENOMEM));
		return 1;
	}
	/* the parser says what is wrong, file:line first */
	if (mxgw_conf_parse_file(opts->conf_path, conf, stderr)) {
		free(conf);
		return 1;
	}
	/* the blocklists' sets hold what their files hold */
	if (mxctl_bl_read_all("export", &conf->policy, -1, lists)) {
		free(conf);
		return 1;
	}
	err = mxgw_nft_export_lists(stdout, conf, wan, lists);
	mxctl_bl_free_all(lists);
	free(conf);
	if (!err && fflush(stdout))
		err = -errno;
	if (err) {
		mxctl_err("export: writing the ruleset: %s", strerror(-err));
		return 1;
	}
	return 0;
}

const struct mxctl_cmd mxctl_cmd_export = {
	.name = "export",
	.handler = cmd_export,
	.args = export_args,
	.args_size = sizeof(struct export_args),
	.help = "the config's table as an nftables ruleset (-i: the WAN interface, default eth0)",
};
