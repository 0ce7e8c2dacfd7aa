/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Blocklists: reading a list's file, and the data plane's tables built
 * from the lists (maps/mxgw_abi.h, "Blocklists").  Every function returns
 * 0 or a negative errno and prints nothing; a file's bad lines come back
 * as text, one "FILE:LINE: message" a line.
 */
#ifndef MXGW_MAPS_BLOCKLIST_H
#define MXGW_MAPS_BLOCKLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "mxgw_abi.h"
#include "policy.h"

struct mxgw_maps;

/* A longer line than this is no list's (Spamhaus' JSON lines are ~70). */
#define MXGW_BL_MAX_LINE	1024
/* A larger file than this is no list (10^6 prefixes take ~20 MB). */
#define MXGW_BL_MAX_SIZE	(512UL * 1024 * 1024)
/* The text of a refusal: every bad line's message, up to this many bytes. */
#define MXGW_BL_ERR_MAX		4096

/* What one list's file holds: prefixes of both families, host bits zero. */
struct mxgw_bl_list {
	struct mxgw_prefix *v4;
	size_t n4, cap4;
	struct mxgw_cidr6 *v6;
	size_t n6, cap6;
};

/*
 * Read a list: one prefix a line (ADDR or ADDR/LEN, either family; a bare
 * IPv4 address is its /32, a bare IPv6 address its /64, as everywhere in
 * mxgw), with "#" or ";" comments, whole-line or after the prefix
 * (FireHOL's lists; Spamhaus DROP's "1.10.16.0/20 ; SBL256894"); or a JSON
 * object a line with a "cidr" member (Spamhaus' drop_v4.json and
 * drop_v6.json), whose last line, {"type":"metadata",...}, is accepted.
 * Empty lines and CRLF line ends are fine.
 *
 * On a bad line the list is refused whole (-EINVAL): @err (MXGW_BL_ERR_MAX
 * bytes, may be NULL) gets every bad line as "NAME:LINE: message\n",
 * @name being the file's path as given; *@out is left empty.  Other
 * errors: -ENOENT and the like from the file, -EFBIG, -ENOMEM.
 */
int mxgw_bl_read_file(const char *path, struct mxgw_bl_list *out, char *err);
int mxgw_bl_read_text(const char *name, const char *text, size_t len,
		      struct mxgw_bl_list *out, char *err);
void mxgw_bl_list_free(struct mxgw_bl_list *l);

/*
 * The lists the maps should hold after a change: for each bit of
 * @replace, the list's new definition and prefixes (@lists[bit]; @def
 * NULL: the list goes); the other lists in use stay as they run.
 */
struct mxgw_bl_change {
	__u32 replace;				/* bits */
	const struct mxgw_policy_blocklist *def[MXGW_BL_MAX];
	const struct mxgw_bl_list *lists[MXGW_BL_MAX];
	/* the running service ids each list applies to (services), by bit */
	__u8 svc[MXGW_BL_MAX][MXGW_MAX_SERVICES];
};

/* What a swap did and took. */
struct mxgw_bl_swap_stats {
	__u64 build_ns;		/* reading the old tables, building the new */
	__u64 swap_ns;		/* the map updates that switch packets over */
	__u64 free_wait_ns;	/* until the old array was gone (0: not waited) */
	__u64 mem4;		/* bytes the kernel charges: IPv4 array and trie */
	__u64 mem6;		/* IPv6 array, hash and trie */
	__u32 nlong4, n6;	/* distinct trie entries, IPv4 (/25../32) and IPv6 */
};

/*
 * Assign list bits to the names of @defs (@n of them): a name running
 * already keeps its bit (and its drop counts), a new one takes a free
 * bit.  @bits[i] is the bit of @defs[i]; @gone the running lists that
 * @defs no longer names.  -E2BIG: more than MXGW_BL_MAX lists.
 */
int mxgw_maps_bl_assign(const struct mxgw_maps *m,
			const struct mxgw_policy_blocklist *defs, unsigned int n,
			__u32 *bits, __u32 *gone);

/*
 * Swap in @c: new tables built from the running ones' other lists and
 * @c's, then switched in one map update per family (a packet sees all of
 * the old lists or all of the new), the old ones freed by the kernel after
 * an RCU grace period.  The lists' records and the services' list bits
 * follow (mxgw_config's MXGW_CFG_F_BLOCKLIST is the policy's, written by
 * mxgw_maps_apply).  Nothing changes when it
 * fails before the switch.  @wait_free: wait (up to a second) for the old
 * array to be freed, for the stats.  Serialised by the caller (mxctl
 * holds a lock on the pin directory).
 */
int mxgw_maps_bl_swap(const struct mxgw_maps *m, const struct mxgw_bl_change *c,
		      bool wait_free, struct mxgw_bl_swap_stats *st);

/*
 * Make the maps hold @pol's blocklists, @lists[i] the prefixes of
 * pol->blocklists[i] as read from its file: bits assigned by name, each
 * list applied to its services by their running ids (mxgw_maps_apply has
 * run), the lists @pol no longer names removed.  @only >= 0: list
 * pol->blocklists[@only] alone, its prefixes @lists[0], the others as they
 * run (mxctl blocklist reload NAME); -ENOENT when it does not run yet.
 */
int mxgw_maps_bl_apply(const struct mxgw_maps *m, const struct mxgw_policy *pol,
		       const struct mxgw_bl_list *lists, int only, bool wait_free,
		       struct mxgw_bl_swap_stats *st);

/* The lists as they run: @lists (MXGW_BL_MAX, by bit) and their drops
 * summed over the CPUs, per family (@drops[bit][family]). */
int mxgw_maps_bl_read(const struct mxgw_maps *m, struct mxgw_blocklist *lists,
		      __u64 (*drops)[MXGW_FAM_MAX]);
/* Bytes the kernel charges for the tables (fdinfo's memlock): IPv4's
 * array, its trie of longer prefixes, IPv6's trie. */
int mxgw_maps_bl_memory(const struct mxgw_maps *m, __u64 *array4, __u64 *trie4,
			__u64 *mem6);
/* Of @mem6, the IPv6 array's bytes (62 MiB whatever the lists hold, as
 * IPv4's array; 0 without IPv6 prefixes). */
__u64 mxgw_maps_bl_array6(const struct mxgw_maps *m);

/* Lookups as the data plane does them, for tests and mxctl: the list bits
 * holding @addr. */
int mxgw_maps_bl_lookup4(const struct mxgw_maps *m, __be32 addr, __u32 *bits);
int mxgw_maps_bl_lookup6(const struct mxgw_maps *m, const struct mxgw_in6 *addr,
			 __u32 *bits);

#endif /* MXGW_MAPS_BLOCKLIST_H */
