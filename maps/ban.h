/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Bans (mxgw_ban4, mxgw_ban6) and the allowlist (mxgw_allow4,
 * mxgw_allow6) of one interface's maps, and the flags of mxgw_config
 * that tell the data plane whether to look.  Every function returns 0
 * or a negative errno and prints nothing.
 */
#ifndef MXGW_MAPS_BAN_H
#define MXGW_MAPS_BAN_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "mxgw_abi.h"
#include "prefix.h"

struct mxgw_maps;
struct mxgw_policy;

/* A ban as user space reads and writes it. */
struct mxgw_ban_entry {
	struct mxgw_src_prefix pfx;
	struct mxgw_ban ban;
};

/*
 * Set @n bans (a ban of a prefix already banned is replaced: a new
 * expiry, reason and time), then the flags of the families that now
 * have bans.  Hosts' bans (IPv4 /32, IPv6 /64) go into their hash with
 * BPF_MAP_UPDATE_BATCH; other prefixes one update each (LPM tries take
 * no batch).  -E2BIG when a map is full (what was set stays).
 */
int mxgw_bans_add(const struct mxgw_maps *m, const struct mxgw_ban_entry *e, size_t n);
/* Make mxgw_ban_hint's tags (maps/mxgw_abi.h) the host bans': stale
 * slots (an unban's ASK, expiries) cleared, shared ones ASK, every
 * other ban's tag written; prune and every load call this. */
int mxgw_bans_hint_sync(const struct mxgw_maps *m);
/* -ENOENT when @p is not banned (exactly that prefix). */
int mxgw_bans_del(const struct mxgw_maps *m, const struct mxgw_src_prefix *p);
/* Call @fn for every ban of both families, IPv4's first; a non-zero
 * return stops the walk and is returned. */
int mxgw_bans_walk(const struct mxgw_maps *m,
		   int (*fn)(const struct mxgw_ban_entry *e, void *arg), void *arg);
/* Delete the bans expired at @now (mxgw_now_ns()); @removed counts them.
 * Then clears the flag of a family left without bans. */
int mxgw_bans_prune(const struct mxgw_maps *m, __u64 now, unsigned int *removed);
/* The bans of each family, live or expired (@n: MXGW_FAM_MAX counts). */
int mxgw_bans_count(const struct mxgw_maps *m, unsigned int *n);
/* The allowlist's prefixes of each family (@n: MXGW_FAM_MAX counts). */
int mxgw_allow_count(const struct mxgw_maps *m, unsigned int *n);
/* The allowlist's prefixes, @fn called for each. */
int mxgw_allow_walk(const struct mxgw_maps *m,
		    int (*fn)(const struct mxgw_src_prefix *p, void *arg), void *arg);
/* Has ban @b run out at @now? */
bool mxgw_ban_expired(const struct mxgw_ban *b, __u64 now);

/*
 * Make mxgw_allow4/6 hold @pol's allowlist (new prefixes first, then the
 * stale ones deleted); returns in @flags the MXGW_CFG_F_* bits the
 * config entry should carry for bans and the allowlist.  For
 * mxgw_maps_apply, before it writes the config.
 */
int mxgw_maps_apply_allowlist(const struct mxgw_maps *m, const struct mxgw_policy *pol,
			      __u32 *flags);

/* Re-read whether each family has bans and set or clear its flag in the
 * config entry (the other bits kept). */
int mxgw_bans_sync_flags(const struct mxgw_maps *m);

#endif /* MXGW_MAPS_BAN_H */
