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
#include "config.h"
#include "nft_export.h"

int cmd_export(const struct mxctl_opts *opts, int argc, char **argv)
{
	const char *wan = opts->ifname ? opts->ifname : MXGW_NFT_DEFAULT_WAN;
	struct mxgw_conf_file *conf;
	int err;

	if (argc < 1)
		return mxctl_usage("export", "which format? (nft)");
	if (strcmp(argv[0], "nft"))
		return mxctl_usage("export", "unknown format '%s' (known: nft)", argv[0]);
	if (argc > 1)
		return mxctl_usage("export", "too many arguments");
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
	err = mxgw_nft_export(stdout, conf, wan);
	free(conf);
	if (!err && fflush(stdout))
		err = -errno;
	if (err) {
		mxctl_err("export: writing the ruleset: %s", strerror(-err));
		return 1;
	}
	return 0;
}
