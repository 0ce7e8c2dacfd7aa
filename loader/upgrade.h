/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Upgrading a running gateway to another build (loader/upgrade.c): the
 * build's identity, what becomes of each running map, and the migrations.
 * Negative errno, no output; mxgw_replace() and reapply() use it.
 */
#ifndef MXGW_LOADER_UPGRADE_H
#define MXGW_LOADER_UPGRADE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "../maps/mxgw_abi.h"

struct bpf_map;
struct mxgw_maps;
struct mxgw_bpf;
struct mxgw_running;

/* This build: the hash of its BPF object, its ABI and version. */
const struct mxgw_build *mxgw_build_self(void);
/* The build that runs @old: its mxgw_build entry; -ENOENT for a build from
 * before mxgw_build (then *@tag is its mxgw_wan_in's tag, 16 hex digits). */
int mxgw_build_running(const struct mxgw_running *old, struct mxgw_build *b,
		       char tag[17]);
/* "VERSION (object HASH, ABI N)" */
void mxgw_build_describe(const struct mxgw_build *b, char *buf, size_t len);

/*
 * Does the build pinned in @m differ from this one?  Its identity, or the
 * layout of a map (type, key or value size, flags; conntrack's size is
 * the config's and left to the caller): the programs are replaced then.
 */
int mxgw_upgrade_differs(const struct mxgw_maps *m, bool *differs);

/* What becomes of a running map when the new build's is loaded. */
enum mxgw_migration {
	MXGW_MIG_SHARE,		/* the running map itself (same shape) */
	MXGW_MIG_FRESH,		/* a new one: refilled by the config and the
				 * lists, a cache, or not in the running build */
	MXGW_MIG_REBUILD,	/* a new one made from the new build's config
				 * (the config of another ABI) */
	MXGW_MIG_COPY,		/* a new one holding the running one's entries
				 * (same key and value layout, another size) */
	MXGW_MIG_COUNTERS,	/* a new one, each counter carried to its place
				 * in the new build's set */
};

/*
 * The migration of running map @old_fd (-1: the running build has none)
 * into @map of the new build, when the running build speaks another ABI
 * (@abi_changed) or not.  -EPROTO when no migration exists for it: @why
 * then says in one line which map and what differs.
 */
int mxgw_upgrade_plan(const struct bpf_map *map, int old_fd, bool abi_changed,
		      enum mxgw_migration *how, char *why, size_t len);

/*
 * Counters carried from running map @from into @to: counter c of family f
 * (key f * COUNT + c, COUNT the set's size) goes to the same c and f of
 * the new set, so a set that grew at its end (new counters go there, see
 * MXGW_COUNTERS) keeps every count; per CPU.  mxgw_counters_catch_up adds
 * what the old programs counted between the copy and the swap.
 */
struct mxgw_counters_mig {
	int from, to;
	__u32 old_n, new_n;	/* counters per family */
	unsigned int ncpus;
	__u64 *copied;		/* what was copied: [key][cpu] of @from */
};
int mxgw_counters_migrate(int from, int to, struct mxgw_counters_mig *cm);
int mxgw_counters_catch_up(struct mxgw_counters_mig *cm);
void mxgw_counters_mig_free(struct mxgw_counters_mig *cm);

#endif /* MXGW_LOADER_UPGRADE_H */
