/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * User-space access to mxgw's maps: one set per WAN interface, opened from
 * the skeleton right after load or from the pins afterwards.  Every
 * function returns 0 or a negative errno and prints nothing.
 */
#ifndef MXGW_MAPS_H
#define MXGW_MAPS_H

#include <linux/types.h>
#include "mxgw_abi.h"

struct mxgw_conf;

struct mxgw_maps {
	int config;
	int ports;
	int services;
	int from;
	int svc_stats;
	int counters;
	int nexthop;
	int tx_ports;
};

/* The pin file names, in the field order of struct mxgw_maps. */
extern const char *const mxgw_map_names[];
#define MXGW_MAP_COUNT	(sizeof(struct mxgw_maps) / sizeof(int))

static inline int *mxgw_maps_fd(struct mxgw_maps *m, unsigned int i)
{
	return &((int *)m)[i];
}

void mxgw_maps_init(struct mxgw_maps *m);
int mxgw_maps_open_pinned(struct mxgw_maps *m, const char *dir);
void mxgw_maps_close(struct mxgw_maps *m);

/*
 * Make the maps hold @conf: services keep their ids (and so their
 * counters) across reloads by name, stale ports and prefixes are cleared.
 * Everything that can be checked is checked before the first write.
 */
int mxgw_maps_apply(const struct mxgw_maps *m, const struct mxgw_conf *conf,
		    __u32 wan_ifindex);

/* Change one service's verdict; @dir is MXGW_DIR_IN, MXGW_DIR_OUT or -1 for
 * both.  -ENOENT when no running service has that name. */
int mxgw_maps_set_verdict(const struct mxgw_maps *m, const char *name, int dir,
			  int verdict);

int mxgw_maps_read_config(const struct mxgw_maps *m, struct mxgw_config *cfg);
/* @svcs must hold MXGW_MAX_SERVICES entries. */
int mxgw_maps_read_services(const struct mxgw_maps *m, struct mxgw_service *svcs);
/* The "from" prefixes of service @svc_id, up to @max. Returns the count. */
int mxgw_maps_read_from(const struct mxgw_maps *m, __u32 svc_id,
			struct mxgw_from_key *keys, int max);
/* Per-CPU values summed over every possible CPU. */
int mxgw_maps_read_svc_stats(const struct mxgw_maps *m, __u32 svc_id,
			     struct mxgw_svc_stats *sum);
int mxgw_maps_read_counters(const struct mxgw_maps *m, __u64 *counters);
/* The most recently refreshed CPU's next-hop cache entry. */
int mxgw_maps_read_nexthop(const struct mxgw_maps *m, struct mxgw_nexthop *nh);

/* Counter names as mxctl prints them, e.g. "drop_service_deny". */
const char *mxgw_counter_name(unsigned int counter);

#endif /* MXGW_MAPS_H */
