/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * User-space access to mxgw's maps: one set per WAN interface, opened from
 * the skeleton right after load or from the pins afterwards.  Every
 * function returns 0 or a negative errno and prints nothing.
 */
#ifndef MXGW_MAPS_H
#define MXGW_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "mxgw_abi.h"
#include "names.h"

struct mxgw_policy;
struct mxgw_policy_service;

/* One fd per map of MXGW_MAPS, named by its field: m->config, m->ct, ... */
struct mxgw_maps {
#define MXGW_MAP_FD(field, replace, flags)	int field;
	MXGW_MAPS(MXGW_MAP_FD)
#undef MXGW_MAP_FD
};

#define MXGW_MAP_COUNT	(sizeof(struct mxgw_maps) / sizeof(int))

/* What mxgw_replace() does with a running map (the replace column). */
enum mxgw_map_replace {
	MXGW_MAP_REUSE,
	MXGW_MAP_COPY,
	MXGW_MAP_FRESH,
};

/* The flags column. */
#define MXGW_MAP_F_NONE		0
#define MXGW_MAP_F_PINS_ONLY	0x1

struct mxgw_map_info {
	const char *name;		/* "mxgw_config": in the object and the pin's */
	size_t fd_offset;		/* of its fd in struct mxgw_maps */
	enum mxgw_map_replace replace;
	unsigned int flags;		/* MXGW_MAP_F_* */
};

/* Every map, in the field order of struct mxgw_maps. */
extern const struct mxgw_map_info mxgw_map_list[MXGW_MAP_COUNT];

/* The fd of map @i of mxgw_map_list in @m. */
static inline int *mxgw_maps_fd(struct mxgw_maps *m, unsigned int i)
{
	return (int *)((char *)m + mxgw_map_list[i].fd_offset);
}

/* The map named @name (the kernel's name, cut to 15 characters, will do),
 * or NULL when it is none of ours. */
const struct mxgw_map_info *mxgw_map_by_name(const char *name);

void mxgw_maps_init(struct mxgw_maps *m);
/* -EPROTO: pinned by an mxctl of another ABI version. */
int mxgw_maps_open_pinned(struct mxgw_maps *m, const char *dir);
void mxgw_maps_close(struct mxgw_maps *m);

/* The WAN device as the data plane needs to know it. */
struct mxgw_wan {
	__u32 ifindex;
	__be32 addrs[MXGW_WAN_ADDRS_MAX];	/* its IPv4 addresses (public, usually, among them) */
	__be32 bcast[MXGW_WAN_ADDRS_MAX];	/* each one's directed broadcast, 0: none */
	__be32 lan_net;		/* the connected prefix the mail server is on */
	__be32 lan_mask;	/* (its /32 when no local prefix holds it) */
	/* its IPv6 addresses, global ones first, link-local too */
	unsigned int naddrs6;
	struct mxgw_in6 addrs6[MXGW_WAN6_ADDRS_MAX];
	/* the LAN's IPv6 prefixes as found on the system: the global ones
	 * connected on the device the mail server is routed through; what
	 * the data plane gets when the policy names no lan6 */
	unsigned int nlan6;
	struct mxgw_prefix6 lan6[MXGW_LAN6_MAX];
};

/*
 * Make the maps hold @pol: services keep their ids (and so their
 * counters) across reloads by name, stale ports and prefixes (of both
 * families) are cleared.  The config's lan6 is @pol's, or @wan's when
 * @pol names none.  Everything that can be checked is checked before the
 * first write (-E2BIG: more services, prefixes or addresses than the maps
 * hold).
 */
int mxgw_maps_apply(const struct mxgw_maps *m, const struct mxgw_policy *pol,
		    const struct mxgw_wan *wan);

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
/* Its IPv6 "from" prefixes (mxgw_from6), the same way. */
int mxgw_maps_read_from6(const struct mxgw_maps *m, __u32 svc_id,
			 struct mxgw_from6_key *keys, int max);
/* Per-CPU values summed over every possible CPU; @svc_id is a service id
 * (IPv4's counts) or mxgw_svc_key(family, id). */
/* Service @cs's rate limit as the data plane holds it (mxgw_limits);
 * all zero when it has none. */
struct mxgw_limit mxgw_limit_of(const struct mxgw_policy_service *cs);

/* The running limit of service id @svc_id. */
int mxgw_maps_read_limit(const struct mxgw_maps *m, __u32 svc_id, struct mxgw_limit *l);

/* The rate limits' buckets: in mxgw_rl (@main_n) and mxgw_rl_new (@new_n). */
/* Service @svc_id's syn-flood threshold (mxgw_synflood) and flood state
 * (mxgw_syn_state). */
int mxgw_maps_read_synflood(const struct mxgw_maps *m, __u32 svc_id, struct mxgw_synflood *sf,
			    struct mxgw_syn_state *st);
/* The verified sources in mxgw_syn_ok. */
int mxgw_maps_count_syn_ok(const struct mxgw_maps *m, unsigned int *n);
int mxgw_maps_count_buckets(const struct mxgw_maps *m, unsigned int *main_n,
			    unsigned int *new_n);

int mxgw_maps_read_svc_stats(const struct mxgw_maps *m, __u32 svc_id,
			     struct mxgw_svc_stats *sum);
/* @counters (MXGW_COUNTER_MAX of them) as IPv4 counted them: the data
 * plane's own (the clock, the log) and what is no IP count there too. */
int mxgw_maps_read_counters(const struct mxgw_maps *m, __u64 *counters);
/* ... as @family (enum mxgw_family) counted them, the derived ones from
 * its service counts. */
int mxgw_maps_read_counters_family(const struct mxgw_maps *m, __u32 family,
				   __u64 *counters);
/* The most recently refreshed CPU's next-hop cache entry (IPv4's: the
 * mail server's). */
int mxgw_maps_read_nexthop(const struct mxgw_maps *m, struct mxgw_nexthop *nh);
/* ... of @family (enum mxgw_family): IPv6's is mailserver6's. */
int mxgw_maps_read_nexthop_family(const struct mxgw_maps *m, __u32 family,
				  struct mxgw_nexthop *nh);

/*
 * The data plane's clock, read only: writing that entry would free its
 * timer (see struct mxgw_clock).  The log lease is written instead.
 */
int mxgw_maps_read_clock(const struct mxgw_maps *m, struct mxgw_clock *c);
int mxgw_maps_read_log_lease(const struct mxgw_maps *m, struct mxgw_log_lease *l);
int mxgw_maps_write_log_lease(const struct mxgw_maps *m, const struct mxgw_log_lease *l);

/* Now on the clock of the data plane's timestamps. */
__u64 mxgw_now_ns(void);
/* Is @e within its state's timeout at @now? */
bool mxgw_ct_live(const struct mxgw_config *cfg, const struct mxgw_ct_entry *e,
		  __u64 now);
/* Call @fn for every entry of mxgw_ct (live or not); a non-zero return
 * stops the walk and is returned. */
int mxgw_maps_ct_walk(const struct mxgw_maps *m,
		      int (*fn)(const struct mxgw_ct_key *k,
				const struct mxgw_ct_entry *e, void *arg),
		      void *arg);
/* The same for mxgw_ct6, the LAN's IPv6 flows (routed: no mapping). */
int mxgw_maps_ct6_walk(const struct mxgw_maps *m,
		       int (*fn)(const struct mxgw_ct6_key *k,
				 const struct mxgw_ct_entry *e, void *arg),
		       void *arg);
/* Forget every tracked flow and mapping, of both families. */
int mxgw_maps_ct_flush(const struct mxgw_maps *m);
/*
 * After user space deleted or wrote entries of mxgw_ct, mxgw_nat or
 * mxgw_ct6: the LAN fast path's cached mappings (mxgw_est_cache,
 * mxgw_est6_cache) are not used again.
 * Whoever changes those maps from user space calls it.
 */
int mxgw_maps_ct_changed(const struct mxgw_maps *m);
/* The same on mxgw_ct_gen's fd, for maps not yet in a struct mxgw_maps. */
int mxgw_ct_gen_bump(int ct_gen_fd);
__u32 mxgw_maps_max_entries(int fd);
__u32 mxgw_maps_value_size(int fd);
/* Bytes the kernel charges for map @fd (its fdinfo's memlock); 0 unknown. */
__u64 mxgw_maps_memlock(int fd);

#endif /* MXGW_MAPS_H */
