// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Replacing what runs on an interface without a moment unfiltered.
 *
 * unload; load left a gap in which the kernel forwarded the LAN's packets
 * with their own source addresses, and reset every tracked flow.  Instead a
 * new skeleton is loaded next to the running programs, sharing every
 * running map that keeps its shape, and swapped in: XDP by the kernel's
 * expected-program replace, TC in place on the same handle and priority.
 * Maps that change shape (conntrack-max) are new, filled from the old ones
 * before the swap and again after it, for flows created in between.
 *
 * mxgw_load() uses it for a first load (nothing runs), a resize, and to
 * take back programs that lost their pins, and to upgrade a running build
 * of other programs (loader/upgrade.c: which maps are shared, which are
 * migrated, and the one-line refusal when one cannot be).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "loader.h"
#include "internal.h"
#include "mxgw.skel.h"
#include "upgrade.h"
#include "../maps/policy.h"

/* bpffs takes no '.' in names: the new pins wait in a subdirectory */
#define TMP_DIR		"new"

_Static_assert(MXGW_MAP_COUNT <= MXGW_RUNNING_MAPS_MAX, "a running set holds every map");

/* What becomes of map @name (the replace column of MXGW_MAPS); -1: none
 * of ours. */
static int policy_of(const char *name)
{
	const struct mxgw_map_info *mi = mxgw_map_by_name(name);

	return mi ? (int)mi->replace : -1;
}

void mxgw_running_init(struct mxgw_running *run)
{
	memset(run, 0, sizeof(*run));
	run->xdp_fd = -1;
	run->tc_fd = -1;
}

void mxgw_running_close(struct mxgw_running *run)
{
	if (run->xdp_fd >= 0)
		close(run->xdp_fd);
	if (run->tc_fd >= 0)
		close(run->tc_fd);
	for (unsigned int i = 0; i < run->nmaps; i++)
		close(run->maps[i].fd);
	mxgw_running_init(run);
}

static int running_map(const struct mxgw_running *run, const char *name)
{
	for (unsigned int i = 0; i < run->nmaps; i++)
		if (!strncmp(run->maps[i].name, name, BPF_OBJ_NAME_LEN - 1))
			return run->maps[i].fd;
	return -1;
}

/* Takes @fd: kept in @run, or closed. */
static int running_add_map(struct mxgw_running *run, const char *name, int fd)
{
	if (running_map(run, name) >= 0) {
		close(fd);
		return 0;
	}
	if (run->nmaps == MXGW_RUNNING_MAPS_MAX) {
		close(fd);
		return -E2BIG;
	}
	snprintf(run->maps[run->nmaps].name, sizeof(run->maps[0].name), "%s", name);
	run->maps[run->nmaps++].fd = fd;
	return 0;
}

int mxgw_running_from_pins(const char *dir, struct mxgw_running *run)
{
	char path[PATH_MAX];
	__u32 id;
	int err;

	mxgw_running_init(run);
	err = mxgw_pinned_prog(dir, MXGW_PROG_XDP, &run->xdp_fd, &id);
	if (err)
		return err;
	if (mxgw_pinned_prog(dir, MXGW_PROG_TC, &run->tc_fd, &id))
		run->tc_fd = -1;
	for (size_t i = 0; i < MXGW_MAP_COUNT && !err; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/%s", dir, mxgw_map_list[i].name);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;	/* not in that build: a fresh one */
		err = running_add_map(run, mxgw_map_list[i].name, fd);
	}
	if (err)
		mxgw_running_close(run);
	return err;
}

int mxgw_prog_named(__u32 id, const char *name)
{
	char have[BPF_OBJ_NAME_LEN];
	int fd;

	if (!id)
		return -ENOENT;
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	if (mxgw_prog_name_of_fd(fd, have, sizeof(have)) ||
	    strncmp(have, name, BPF_OBJ_NAME_LEN - 1)) {
		close(fd);
		return -ENOENT;
	}
	return fd;
}

/* The maps program @fd uses, by name, into @run. */
static int add_prog_maps(struct mxgw_running *run, int fd)
{
	__u32 ids[MXGW_RUNNING_MAPS_MAX];
	struct bpf_prog_info info = {
		.nr_map_ids = MXGW_RUNNING_MAPS_MAX,
		.map_ids = (__u64)(unsigned long)ids,
	};
	__u32 len = sizeof(info);
	int err = 0;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.nr_map_ids > MXGW_RUNNING_MAPS_MAX)
		return -E2BIG;
	for (__u32 i = 0; i < info.nr_map_ids && !err; i++) {
		const struct mxgw_map_info *ours;
		struct bpf_map_info mi = {};
		__u32 mlen = sizeof(mi);
		int mfd = bpf_map_get_fd_by_id(ids[i]);

		if (mfd < 0)
			return -errno;
		if (bpf_obj_get_info_by_fd(mfd, &mi, &mlen)) {
			err = -errno;
			close(mfd);
			break;
		}
		ours = mxgw_map_by_name(mi.name);
		if (!ours || (ours->flags & MXGW_MAP_F_PINS_ONLY)) {
			close(mfd);
			continue;
		}
		err = running_add_map(run, mi.name, mfd);
	}
	return err;
}

int mxgw_running_from_device(__u32 ifindex, struct mxgw_running *run)
{
	__u32 xdp_id = 0, tc_id = 0;
	__u8 mode;
	int err;

	mxgw_running_init(run);
	err = mxgw_xdp_query(ifindex, &xdp_id, &mode);
	if (err)
		return err;
	err = mxgw_prog_named(xdp_id, MXGW_PROG_XDP);
	if (err < 0)
		return err;
	run->xdp_fd = err;
	err = mxgw_tc_query(ifindex, &tc_id);
	if (!err) {
		err = mxgw_prog_named(tc_id, MXGW_PROG_TC);
		run->tc_fd = err >= 0 ? err : -1;
	}
	err = add_prog_maps(run, run->xdp_fd);
	if (!err && run->tc_fd >= 0)
		err = add_prog_maps(run, run->tc_fd);
	if (err)
		mxgw_running_close(run);
	return err;
}

/*
 * The ABI the running build speaks: the config entry's first word, whatever
 * its layout (pins.c asserts abi_version stays first); 0 when unreadable.
 */
static __u32 running_abi(const struct mxgw_running *old)
{
	int fd = running_map(old, MXGW_MAP_NAME(config));
	__u32 key = 0, abi = 0;
	__u32 *val;
	__u32 size;

	if (fd < 0)
		return MXGW_ABI_VERSION;	/* nothing to carry the config over from */
	size = mxgw_maps_value_size(fd);
	if (size < sizeof(abi) || !(val = calloc(1, size)))
		return 0;
	if (!bpf_map_lookup_elem(fd, &key, val))
		abi = val[0];
	free(val);
	return abi;
}

/*
 * Every entry of @from into @to; with BPF_NOEXIST, entries @to has already
 * stay (the second pass after the swap, which only adds what the old
 * programs created meanwhile).  Into a smaller LRU map, the LRU keeps what
 * fits.  Not for per-CPU maps.
 */
static int copy_entries(int from, int to, __u64 flags, __u32 *copied)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char *key, *next, *val;
	void *prev = NULL;
	int err = 0;

	if (bpf_obj_get_info_by_fd(from, &info, &len))
		return -errno;
	key = malloc(info.key_size);
	next = malloc(info.key_size);
	val = malloc(info.value_size);
	if (!key || !next || !val) {
		err = -ENOMEM;
		goto out;
	}
	while (!bpf_map_get_next_key(from, prev, next)) {
		memcpy(key, next, info.key_size);
		prev = key;
		if (bpf_map_lookup_elem(from, key, val))
			continue;	/* evicted meanwhile */
		if (bpf_map_update_elem(to, key, val, flags)) {
			if (errno == EEXIST)
				continue;
			err = -errno;
			goto out;
		}
		(*copied)++;
	}
	err = errno == ENOENT ? 0 : -errno;
out:
	free(key);
	free(next);
	free(val);
	return err;
}

struct copy {
	int from;
	struct bpf_map *to;
	__u32 *copied;
};

static int copy_all(const struct copy *c, int n, __u64 flags)
{
	int err = 0;

	for (int i = 0; i < n && !err; i++)
		err = copy_entries(c[i].from, bpf_map__fd(c[i].to), flags, c[i].copied);
	return err;
}

static void tmp_path(char *buf, size_t len, const char *dir, const char *name)
{
	snprintf(buf, len, "%s/" TMP_DIR "%s%s", dir, name ? "/" : "", name ? name : "");
}

/* Pin every map and the programs in @dir/new. */
static int pin_tmp(struct mxgw_bpf *skel, const char *dir)
{
	char path[PATH_MAX];
	struct bpf_map *map;

	tmp_path(path, sizeof(path), dir, NULL);
	mxgw_unpin_subdir(path);	/* an interrupted replace's */
	if (mkdir(path, 0700))
		return -errno;
	bpf_object__for_each_map(map, skel->obj) {
		tmp_path(path, sizeof(path), dir, bpf_map__name(map));
		/* a reused map gets a second pin of itself, renamed over
		 * the first: the same steps for every map */
		if (bpf_obj_pin(bpf_map__fd(map), path))
			return -errno;
	}
	tmp_path(path, sizeof(path), dir, MXGW_PROG_XDP);
	if (bpf_obj_pin(bpf_program__fd(skel->progs.mxgw_wan_in), path))
		return -errno;
	tmp_path(path, sizeof(path), dir, MXGW_PROG_TC);
	if (bpf_obj_pin(bpf_program__fd(skel->progs.mxgw_wan_out), path))
		return -errno;
	tmp_path(path, sizeof(path), dir, MXGW_PROG_LAN);
	if (bpf_obj_pin(bpf_program__fd(skel->progs.mxgw_lan_in), path))
		return -errno;
	return 0;
}

static int unpin_tmp_one(const char *dir, const char *name, bool commit)
{
	char tmp[PATH_MAX], path[PATH_MAX];

	tmp_path(tmp, sizeof(tmp), dir, name);
	if (!commit)
		return unlink(tmp) && errno != ENOENT ? -errno : 0;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	/* over the old pin: a reader finds the old or the new, never none */
	return rename(tmp, path) ? -errno : 0;
}

/* Maps an earlier build pinned that this one no longer has: their pins
 * go with the build that ran them (an upgrade's replace). */
static const char *const retired_maps[] = {
	"mxgw_bl6_hint",	/* the IPv6 blocklist's hints: mxgw_bl6_tag's tags */
};

/* commit: rename new/NAME over NAME; else remove new/NAME. */
static int unpin_tmp(struct mxgw_bpf *skel, const char *dir, bool commit)
{
	char path[PATH_MAX];
	struct bpf_map *map;
	int err = 0, e;

	bpf_object__for_each_map(map, skel->obj) {
		e = unpin_tmp_one(dir, bpf_map__name(map), commit);
		err = err ? err : e;
	}
	for (size_t i = 0; commit && i < sizeof(retired_maps) / sizeof(retired_maps[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, retired_maps[i]);
		unlink(path);	/* not there: nothing ran them */
	}
	e = unpin_tmp_one(dir, MXGW_PROG_XDP, commit);
	err = err ? err : e;
	e = unpin_tmp_one(dir, MXGW_PROG_TC, commit);
	err = err ? err : e;
	e = unpin_tmp_one(dir, MXGW_PROG_LAN, commit);
	err = err ? err : e;
	tmp_path(path, sizeof(path), dir, NULL);
	mxgw_unpin_subdir(path);
	return err;
}

static char unknown_map[128];
static char refused[320];

/* mxgw_build: which build runs now, before its programs do. */
static int write_build(struct mxgw_bpf *skel)
{
	__u32 key = 0;

	return bpf_map_update_elem(bpf_map__fd(skel->maps.mxgw_build), &key,
				   mxgw_build_self(), BPF_ANY) ? -errno : 0;
}

/* @res->upgraded and the two builds' names, when @old runs another build. */
static void note_upgrade(const struct mxgw_running *old, bool abi_changed,
			 struct mxgw_load_result *res)
{
	const struct mxgw_build *self = mxgw_build_self();
	struct mxgw_build run;
	char tag[17];

	if (old->xdp_fd < 0)
		return;		/* a first load */
	if (!mxgw_build_running(old, &run, tag)) {
		if (!abi_changed && run.obj_hash == self->obj_hash)
			return;	/* the same build: a resize, a take-back */
		mxgw_build_describe(&run, res->build_from, sizeof(res->build_from));
	} else {
		snprintf(res->build_from, sizeof(res->build_from),
			 "an earlier build (mxgw_wan_in tag %s)", tag);
	}
	mxgw_build_describe(self, res->build_to, sizeof(res->build_to));
	res->upgraded = true;
}

static void note_migrated(struct mxgw_load_result *res, const char *name)
{
	size_t n = strlen(res->migrated);

	snprintf(res->migrated + n, sizeof(res->migrated) - n, "%s%s", n ? " " : "", name);
}

int mxgw_replace(const char *dir, __u32 ifindex, const struct mxgw_policy *pol,
		 const struct mxgw_wan *wan, const struct mxgw_running *old,
		 struct mxgw_load_result *res)
{
	struct copy copies[MXGW_MAP_COUNT];
	struct mxgw_counters_mig cmig = { .copied = NULL };
	int counters_from = -1;
	bool abi_changed;
	struct mxgw_lan_undo lan = { .old_fd = -1 };
	struct mxgw_bpf *skel;
	struct bpf_map *map;
	struct mxgw_maps m;
	struct stat st;
	bool dir_made = false, pinned = false;
	bool xdp_swapped = false, xdp_attached = false;
	__u32 attached = 0, old_id = 0, new_id = 0;
	__u8 mode = 0;
	int ncopies = 0, new_xdp, new_lan, copy_err, err;

	abi_changed = running_abi(old) != MXGW_ABI_VERSION;
	skel = mxgw_bpf__open();
	if (!skel)
		return -errno ? -errno : -EINVAL;
	err = mxgw_size_conntrack(skel, pol->conntrack_max);
	bpf_object__for_each_map(map, skel->obj) {
		const char *name = bpf_map__name(map);
		int policy = policy_of(name), fd;
		enum mxgw_migration how;

		if (err)
			break;
		if (policy < 0) {
			/* a map added to the object needs its line in MXGW_MAPS */
			snprintf(unknown_map, sizeof(unknown_map),
				 "map %s is not in MXGW_MAPS (maps/mxgw_abi.h)", name);
			res->refusal = unknown_map;
			err = -ENOKEY;
			break;
		}
		fd = running_map(old, name);
		/* the migration table (loader/upgrade.c): shared, copied,
		 * made again, or refused before anything changed */
		err = mxgw_upgrade_plan(map, fd, abi_changed, &how, refused, sizeof(refused));
		if (err) {
			if (err == -EPROTO)
				res->refusal = refused;
			break;
		}
		switch (how) {
		case MXGW_MIG_SHARE:
			err = bpf_map__reuse_fd(map, fd);
			res->maps_shared++;
			break;
		case MXGW_MIG_COPY:
			copies[ncopies].from = fd;
			copies[ncopies].to = map;
			copies[ncopies++].copied = !strcmp(name, MXGW_MAP_NAME(nat)) ?
						   &res->nat_copied :
						   !strncmp(name, "mxgw_ban", 8) ?
						   &res->bans_copied : &res->ct_copied;
			note_migrated(res, name);
			break;
		case MXGW_MIG_COUNTERS:
			counters_from = fd;
			note_migrated(res, name);
			break;
		case MXGW_MIG_REBUILD:
			note_migrated(res, name);
			break;
		case MXGW_MIG_FRESH:
			res->maps_fresh += fd >= 0;
			break;
		}
	}
	if (!err)
		note_upgrade(old, abi_changed, res);
	if (!err) {
		mxgw_refusal_capture_begin(skel->obj);
		err = mxgw_bpf__load(skel);
		mxgw_refusal_capture_end(skel->obj);
		if (err)
			res->refusal = mxgw_refusal();
	}
	if (err)
		goto out;
	err = copy_all(copies, ncopies, BPF_ANY);
	if (!err && counters_from >= 0)
		err = mxgw_counters_migrate(counters_from,
					    bpf_map__fd(skel->maps.mxgw_counters), &cmig);
	if (!err)
		err = write_build(skel);
	if (err)
		goto out;
	err = mxgw_maps_from_skel(skel, &m);
	/* the maps hold the whole config before a packet can see them */
	if (!err)
		err = mxgw_maps_apply(&m, pol, wan);
	if (err)
		goto out;
	res->fast_ports = mxgw_sync_tx_ports(&m, pol);
	if (res->fast_ports < 0 && res->fast_ports != -EOPNOTSUPP) {
		err = res->fast_ports;
		goto out;
	}

	dir_made = stat(dir, &st) != 0;
	err = mxgw_mkdir_pins(dir);
	if (err)
		goto out;
	pinned = true;
	err = pin_tmp(skel, dir);
	if (err)
		goto out;

	/*
	 * The LAN's XDP first (issue 14): it sends to the WAN only what TC
	 * would have let out, rewritten as TC would, so it may run a moment
	 * before the WAN's programs do; when it cannot be attached, nothing
	 * on the WAN has changed yet.
	 */
	new_lan = bpf_program__fd(skel->progs.mxgw_lan_in);
	if (res->lan_ifindex) {
		err = mxgw_lan_put(res->lan_ifindex, new_lan, &lan);
		if (err) {
			res->lan_failed = true;
			goto out;
		}
		res->lan_generic = lan.generic;
	}

	/* XDP: swapped for the program that runs, if it is the one expected */
	new_xdp = bpf_program__fd(skel->progs.mxgw_wan_in);
	err = mxgw_xdp_query(ifindex, &attached, &mode);
	if (!err && old->xdp_fd >= 0)
		err = mxgw_prog_id_of_fd(old->xdp_fd, &old_id);
	if (err)
		goto out;
	if (!attached) {
		/* a first load, or someone detached ours */
		res->repaired = old->xdp_fd >= 0;
		err = mxgw_xdp_attach(ifindex, new_xdp, res);
		xdp_attached = !err;
	} else if (old->xdp_fd >= 0 && attached == old_id) {
		err = mxgw_xdp_replace(ifindex, new_xdp, old->xdp_fd, mode);
		xdp_swapped = !err;
		res->generic_xdp = (mode & ~MXGW_XDP_DISPATCHER) == XDP_ATTACHED_SKB;
	} else {
		err = -EBUSY;	/* another program: never replaced */
	}
	if (err) {
		mxgw_lan_undo(&lan, new_lan);
		goto out;
	}
	res->replaced = xdp_swapped;
	/* under libxdp's dispatcher new_xdp is the component that runs now
	 * (loader/xdp_attach.c), not the template pinned above */
	if (mxgw_xdp_fd_is_component(new_xdp)) {
		char path[PATH_MAX];

		tmp_path(path, sizeof(path), dir, MXGW_PROG_XDP);
		unlink(path);
		if (bpf_obj_pin(new_xdp, path))
			err = -errno;
	}

	/*
	 * TC last, in place: egress translates until the very swap.  In
	 * between, a flow the old TC opens lands in the old maps, so the new
	 * XDP drops its first reply; the copy below brings it over and the
	 * peer's retransmission gets through (a SYN-ACK, in practice: the
	 * window is one netlink request).
	 */
	if (!err)
		err = mxgw_tc_attach(ifindex, bpf_program__fd(skel->progs.mxgw_wan_out));
	if (err) {
		if (xdp_swapped)
			mxgw_xdp_replace(ifindex, old->xdp_fd, new_xdp, mode);
		if (xdp_attached && !mxgw_prog_id_of_fd(new_xdp, &new_id))
			mxgw_xdp_detach(ifindex, new_id, new_xdp);
		mxgw_lan_undo(&lan, new_lan);
		res->replaced = false;
		goto out;
	}
	/* the old LAN program, on a device no longer the LAN's (the pins
	 * are still the old ones here) */
	mxgw_lan_detach_pinned(dir, res->lan_ifindex);
	/* flows the old programs created since the first copy; the new
	 * programs run now, so their pins are written whatever happens */
	copy_err = copy_all(copies, ncopies, BPF_NOEXIST);
	/* an insert into a full table evicts: the LAN fast path's cached
	 * mappings are not used again */
	if (ncopies) {
		int bumped = mxgw_ct_gen_bump(bpf_map__fd(skel->maps.mxgw_ct_gen));

		if (!copy_err)
			copy_err = bumped;
	}
	if (!copy_err)
		copy_err = mxgw_counters_catch_up(&cmig);
	err = unpin_tmp(skel, dir, true);
	pinned = false;
	if (!err)
		err = copy_err;
out:
	mxgw_counters_mig_free(&cmig);
	mxgw_lan_done(&lan);
	if (pinned) {
		unpin_tmp(skel, dir, false);
		if (dir_made)
			mxgw_unpin_dir(dir);
	}
	mxgw_bpf__destroy(skel);
	return err;
}
