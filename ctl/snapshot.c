// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mxctl's side of the snapshot (show.h): the library reads the gateway
 * (mxgw_snapshot_read), mxctl adds the comparison with the config file,
 * which only it parses.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mxctl.h"
#include "show.h"

struct mxctl_snapshot *mxctl_snapshots(char (*names)[IF_NAMESIZE], int n,
				       const char *conf_path,
				       const struct mxgw_conf_file *file)
{
	struct mxctl_snapshot *v = calloc(n > 0 ? n : 1, sizeof(*v));

	if (!v)
		return NULL;
	for (int i = 0; i < n; i++) {
		struct mxgw_service *running;
		struct mxgw_synflood *synflood;

		v[i].conf_path = conf_path;
		v[i].err = mxgw_snapshot_read(names[i], &v[i].s);
		if (v[i].err) {
			/* the snapshot's ifname is the name asked for, read or not */
			snprintf(v[i].error, sizeof(v[i].error), "%s",
				 mxctl_strerror(v[i].err));
			continue;
		}
		if (!file)
			continue;
		/* by service id, as the diff takes the running table */
		running = calloc(MXGW_MAX_SERVICES, sizeof(*running));
		synflood = calloc(MXGW_MAX_SERVICES, sizeof(*synflood));
		if (!running || !synflood) {
			free(running);
			free(synflood);
			v[i].err = -ENOMEM;
			snprintf(v[i].error, sizeof(v[i].error), "%s", strerror(ENOMEM));
			continue;
		}
		for (unsigned int k = 0; k < v[i].s.nservices; k++) {
			running[v[i].s.svcs[k].id] = v[i].s.svcs[k].svc;
			synflood[v[i].s.svcs[k].id] = v[i].s.svcs[k].synflood;
		}
		/* the unlisted row is no service of the file's */
		memset(&running[MXGW_SVC_UNLISTED], 0, sizeof(running[0]));
		v[i].file = file;
		mxgw_conf_diff_running(file, running, &v[i].diff);
		v[i].ndiff = mxgw_conf_diff_synflood(file, running, synflood, &v[i].diff);
		free(running);
		free(synflood);
	}
	return v;
}
