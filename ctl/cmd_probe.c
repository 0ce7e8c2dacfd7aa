// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mxctl probe: what this kernel lets mxgw use that a config chooses
 * between.  Today libxdp's XDP dispatcher (xdp-attach, issue 15): some
 * kernels refuse the freplace programs it needs (EPERM even for root),
 * Linux 6.13 and 6.12.y one that changes packet data, as mxgw's does, in
 * libxdp 1.3.1's slots (EINVAL); there a first load with xdp-attach
 * dispatcher (the default) fails, and xdp-attach direct is the way.
 * Exit 0: available, 1: refused.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "mxctl.h"
#include "args.h"
#include "json.h"
#include "../loader/loader.h"

static int cmd_probe(const struct mxctl_opts *opts, const void *args)
{
	int err = mxgw_xdp_dispatcher_probe();
	struct json j;

	(void)args;
	if (opts->json) {
		json_init(&j, stdout);
		json_object_start(&j);
		json_kv_bool(&j, "xdp_dispatcher", !err);
		if (err)
			json_kv_string(&j, "xdp_dispatcher_error", strerror(-err));
		json_object_end(&j);
	} else if (!err) {
		printf("xdp-dispatcher: available (xdp-attach dispatcher)\n");
	} else {
		/* EINVAL: Linux 6.13 and 6.12.y, an extension that changes
		 * packet data in a slot that does not (loader/xdp_attach.c) */
		printf("xdp-dispatcher: refused: %s: %s (xdp-attach direct)\n",
		       err == -EINVAL ? "a component that changes packet data" :
		       "freplace programs", strerror(-err));
	}
	if (fflush(stdout))
		return 1;
	return err ? 1 : 0;
}

const struct mxctl_cmd mxctl_cmd_probe = {
	.name = "probe",
	.handler = cmd_probe,
	.help = "what this kernel allows: libxdp's XDP dispatcher (exit 1: refused, "
		"xdp-attach direct needed)",
	.json = true,
};
