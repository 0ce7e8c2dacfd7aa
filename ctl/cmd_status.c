// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mxctl status: the running table as Table 1.1 of the Kerio MailServer
 * guide shows it (service, port, outgoing, incoming) with live counters,
 * how the programs are attached and which forwarding path incoming mail
 * takes.  The snapshot is read by mxctl_snapshots() and printed by
 * print_text.c or print_json.c (show.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mxctl.h"
#include "args.h"
#include "config.h"
#include "show.h"

struct status_args {
	const char *ifname;
};

static const struct mxctl_arg status_args[] = {
	{ .name = "interface", .type = MXCTL_ARG_IFNAME, .flags = MXCTL_ARG_POSITIONAL,
	  .offset = offsetof(struct status_args, ifname), .metavar = "IFNAME",
	  .help = "this interface only (or -i)" },
	{ 0 },
};

static int cmd_status(const struct mxctl_opts *opts, const void *args)
{
	const struct status_args *a = args;
	char names[64][IF_NAMESIZE];
	static struct mxgw_conf_file file;
	struct mxctl_snapshot *v;
	bool have_file;
	int n, err, ret = 0;

	n = mxctl_targets(opts, a->ifname, names, 64, "status");
	if (n < 0)
		return 1;
	/* Quietly: a file that does not parse is just not compared. */
	have_file = !mxgw_conf_parse_file(opts->conf_path, &file, NULL);
	v = mxctl_snapshots(names, n, opts->conf_path, have_file ? &file : NULL);
	if (!v) {
		mxctl_err("status: %s", strerror(ENOMEM));
		return 1;
	}
	for (int i = 0; i < n; i++) {
		if (!v[i].err)
			continue;
		/* with -j, in the document: {"ifname": ..., "error": ...} */
		if (!opts->json)
			mxctl_err("status %s: %s", names[i], v[i].error);
		ret = 1;
	}
	err = opts->json ? mxctl_print_json(stdout, v, n) : mxctl_print_status(stdout, v, n);
	/* a monitoring check can use it: 3 as check's warnings */
	for (int i = 0; i < n && !ret; i++)
		if (!v[i].err && v[i].s.warnings)
			ret = EXIT_WARNINGS;
	free(v);
	if (!err && fflush(stdout))
		err = -errno;
	if (err) {
		mxctl_err("status: writing the output: %s", strerror(-err));
		return 1;
	}
	return ret;
}

const struct mxctl_cmd mxctl_cmd_status = {
	.name = "status",
	.handler = cmd_status,
	.args = status_args,
	.args_size = sizeof(struct status_args),
	.help = "the running table with live counters, attach mode and forward path (exit 3: a WARNING)",
	.json = true,
};
