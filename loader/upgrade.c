// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Upgrading under traffic (issue 15): a load by a build whose programs
 * differ from the running ones replaces them through mxgw_replace() (the
 * running maps shared where they keep their shape, nothing restarts)
 * instead of re-applying the config in place under the old programs.
 *
 * A build is known by struct mxgw_build (maps/mxgw_abi.h), pinned as
 * mxgw_build: the hash of its BPF object, its ABI and its version.  Each
 * running map is shared when the new build's has its shape; otherwise the
 * table below says how its entries reach the new one, or that none can
 * (then the load is refused in one line and nothing changes).
 */
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "loader.h"
#include "upgrade.h"
#include "mxgw.skel.h"

#ifndef MXGW_VERSION
#define MXGW_VERSION	"unknown"	/* built outside the Makefile */
#endif

/* FNV-1a, 64 bits: an identity, not a defence (nothing here is secret). */
static __u64 fnv1a(__u64 h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 0x100000001b3ULL;
	return h;
}

/* Debug information and BTF name the sources' paths: not the build's. */
static bool hashed(const char *name)
{
	static const char *const skip[] = { ".debug", ".rel.debug", ".BTF", ".rel.BTF" };

	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (!strncmp(name, skip[i], strlen(skip[i])))
			return false;
	return true;
}

static __u64 object_hash(void)
{
	__u64 h = 0xcbf29ce484222325ULL;
	size_t sz, shstrndx;
	const void *bytes = mxgw_bpf__elf_bytes(&sz);
	Elf_Scn *scn = NULL;
	Elf *e;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return fnv1a(h, bytes, sz);
	e = elf_memory((char *)bytes, sz);
	if (!e || elf_getshdrstrndx(e, &shstrndx)) {
		if (e)
			elf_end(e);
		return fnv1a(h, bytes, sz);	/* the whole object, then */
	}
	while ((scn = elf_nextscn(e, scn))) {
		const char *name;
		Elf_Data *d;
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(e, shstrndx, sh.sh_name);
		if (!name || !hashed(name))
			continue;
		h = fnv1a(h, name, strlen(name) + 1);
		if (sh.sh_type == SHT_NOBITS)
			continue;
		for (d = elf_getdata(scn, NULL); d; d = elf_getdata(scn, d))
			if (d->d_buf)
				h = fnv1a(h, d->d_buf, d->d_size);
	}
	elf_end(e);
	return h;
}

const struct mxgw_build *mxgw_build_self(void)
{
	static struct mxgw_build self;

	if (!self.obj_hash) {
		self.obj_hash = object_hash();
		self.abi_version = MXGW_ABI_VERSION;
		snprintf(self.version, sizeof(self.version), "%s", MXGW_VERSION);
	}
	return &self;
}

int mxgw_build_running(const struct mxgw_running *old, struct mxgw_build *b, char tag[17])
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), key = 0;

	memset(b, 0, sizeof(*b));
	tag[0] = '\0';
	for (unsigned int i = 0; i < old->nmaps; i++) {
		if (strcmp(old->maps[i].name, MXGW_MAP_NAME(build)))
			continue;
		if (mxgw_maps_value_size(old->maps[i].fd) == sizeof(*b) &&
		    !bpf_map_lookup_elem(old->maps[i].fd, &key, b) && b->obj_hash) {
			b->version[sizeof(b->version) - 1] = '\0';
			return 0;
		}
	}
	if (old->xdp_fd >= 0 && !bpf_obj_get_info_by_fd(old->xdp_fd, &info, &len))
		for (int i = 0; i < BPF_TAG_SIZE; i++)
			snprintf(tag + 2 * i, 3, "%02x", info.tag[i]);
	return -ENOENT;
}

void mxgw_build_describe(const struct mxgw_build *b, char *buf, size_t len)
{
	snprintf(buf, len, "%s (object %016llx, ABI %u)", b->version,
		 (unsigned long long)b->obj_hash, b->abi_version);
}

static const char *type_name(__u32 type)
{
	const char *s = libbpf_bpf_map_type_str(type);

	return s ? s : "unknown";
}

int mxgw_upgrade_differs(const struct mxgw_maps *m, bool *differs)
{
	const struct mxgw_build *self = mxgw_build_self();
	struct mxgw_build run = { 0 };
	struct mxgw_bpf *skel;
	struct bpf_map *map;
	__u32 key = 0;

	*differs = true;
	if (mxgw_maps_value_size(m->build) != sizeof(run) ||
	    bpf_map_lookup_elem(m->build, &key, &run))
		return 0;
	if (run.obj_hash != self->obj_hash || run.abi_version != self->abi_version)
		return 0;
	/* the same code: a map defined otherwise (its BTF, not hashed) still
	 * makes another build */
	skel = mxgw_bpf__open();
	if (!skel)
		return -errno ? -errno : -EINVAL;
	*differs = false;
	bpf_object__for_each_map(map, skel->obj) {
		const struct mxgw_map_info *mi = mxgw_map_by_name(bpf_map__name(map));
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		int fd;

		if (!mi)
			continue;
		fd = *mxgw_maps_fd((struct mxgw_maps *)m, (unsigned int)(mi - mxgw_map_list));
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len)) {
			*differs = true;
			break;
		}
		if (info.type != bpf_map__type(map) || info.key_size != bpf_map__key_size(map) ||
		    info.value_size != bpf_map__value_size(map) ||
		    /* the kernel makes a devmap read-only for programs */
		    (info.map_flags & ~BPF_F_RDONLY_PROG) !=
		    (bpf_map__map_flags(map) & ~BPF_F_RDONLY_PROG)) {
			*differs = true;
			break;
		}
	}
	mxgw_bpf__destroy(skel);
	return 0;
}

/*
 * The migrations, for the maps that cannot be shared (another shape, or
 * another ABI).  Maps not listed follow their replace column in MXGW_MAPS:
 * COPY maps (flows, mappings, bans: state no config can make again) are
 * copied when their key and value keep their layout and refused when not;
 * the others are made fresh (the config and the lists fill them again at
 * this load, or they are caches and transient state: next hops, rate
 * buckets, SYN-flood state, the log's buffer).
 */
static const struct {
	const char *name;
	enum mxgw_migration how;
	bool abi;		/* also when the running build speaks another ABI */
} migrations[] = {
	/* the config of another ABI is never read as ours: the new build's
	 * config made again from the config file (a new SYN-cookie key:
	 * cookies sent in the last moment before verify no more, their
	 * handshakes are retried) */
	{ MXGW_MAP_NAME(config), MXGW_MIG_REBUILD, true },
	/* counters continue: each to its place in a set that grew */
	{ MXGW_MAP_NAME(counters), MXGW_MIG_COUNTERS, false },
};

static int map_info(int fd, struct bpf_map_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
}

/* Key size, value size and type as @map has them: "" when the same. */
static void layout_diff(const struct bpf_map *map, const struct bpf_map_info *run,
			char *buf, size_t len)
{
	int n = 0;

	buf[0] = '\0';
	if (run->type != bpf_map__type(map))
		n += snprintf(buf + n, len - n, "%stype %s running, %s in this build",
			      n ? ", " : "", type_name(run->type), type_name(bpf_map__type(map)));
	if (run->key_size != bpf_map__key_size(map) && (size_t)n < len)
		n += snprintf(buf + n, len - n, "%skey size %u running, %u in this build",
			      n ? ", " : "", run->key_size, bpf_map__key_size(map));
	if (run->value_size != bpf_map__value_size(map) && (size_t)n < len)
		snprintf(buf + n, len - n, "%svalue size %u running, %u in this build",
			 n ? ", " : "", run->value_size, bpf_map__value_size(map));
}

int mxgw_upgrade_plan(const struct bpf_map *map, int old_fd, bool abi_changed,
		      enum mxgw_migration *how, char *why, size_t len)
{
	const char *name = bpf_map__name(map);
	const struct mxgw_map_info *mi = mxgw_map_by_name(name);
	struct bpf_map_info run;
	char diff[192];
	int err;

	*how = MXGW_MIG_FRESH;
	if (old_fd < 0 || !mi || mi->replace == MXGW_MAP_FRESH)
		return 0;
	err = map_info(old_fd, &run);
	if (err)
		return err;
	layout_diff(map, &run, diff, sizeof(diff));
	for (size_t i = 0; i < sizeof(migrations) / sizeof(migrations[0]); i++) {
		if (strcmp(migrations[i].name, name))
			continue;
		if (abi_changed && migrations[i].abi) {
			*how = migrations[i].how;
			return 0;
		}
		break;
	}
	if (!diff[0] && run.max_entries == bpf_map__max_entries(map) &&
	    run.map_flags == bpf_map__map_flags(map)) {
		*how = MXGW_MIG_SHARE;
		return 0;
	}
	for (size_t i = 0; i < sizeof(migrations) / sizeof(migrations[0]); i++) {
		if (strcmp(migrations[i].name, name))
			continue;
		/* a counter of another width is no count of ours: restarted */
		*how = diff[0] ? MXGW_MIG_FRESH : migrations[i].how;
		return 0;
	}
	if (mi->replace != MXGW_MAP_COPY)
		return 0;
	if (diff[0]) {
		snprintf(why, len, "map %s: %s: its entries cannot be carried over; the running "
			 "build is left as it was (unload, then load, starts afresh without them)",
			 name, diff);
		return -EPROTO;
	}
	*how = MXGW_MIG_COPY;
	return 0;
}

static unsigned int value_words(int fd)
{
	return (mxgw_maps_value_size(fd) + 7) / 8;
}

int mxgw_counters_migrate(int from, int to, struct mxgw_counters_mig *cm)
{
	int ncpus = libbpf_num_possible_cpus();
	__u32 old_max = mxgw_maps_max_entries(from), new_max = mxgw_maps_max_entries(to);
	__u64 *val;
	int err = 0;

	memset(cm, 0, sizeof(*cm));
	if (ncpus < 0)
		return ncpus;
	/* one u64 a counter, per CPU: anything else is not mxgw_counters */
	if (value_words(from) != 1 || value_words(to) != 1)
		return -EINVAL;
	cm->from = from;
	cm->to = to;
	cm->ncpus = (unsigned int)ncpus;
	cm->old_n = old_max / MXGW_FAM_MAX;
	cm->new_n = new_max / MXGW_FAM_MAX;
	cm->copied = calloc((size_t)old_max * cm->ncpus, sizeof(__u64));
	val = calloc(cm->ncpus, sizeof(__u64));
	if (!cm->copied || !val) {
		err = -ENOMEM;
		goto out;
	}
	for (__u32 f = 0; f < MXGW_FAM_MAX && !err; f++) {
		for (__u32 c = 0; c < cm->old_n && c < cm->new_n; c++) {
			__u32 okey = f * cm->old_n + c, nkey = f * cm->new_n + c;
			__u64 *saved = cm->copied + (size_t)okey * cm->ncpus;

			if (bpf_map_lookup_elem(from, &okey, saved) ||
			    bpf_map_update_elem(to, &nkey, saved, BPF_ANY)) {
				err = -errno;
				break;
			}
		}
	}
out:
	free(val);
	if (err)
		mxgw_counters_mig_free(cm);
	return err;
}

int mxgw_counters_catch_up(struct mxgw_counters_mig *cm)
{
	__u64 *now, *cur;
	int err = 0;

	if (!cm->copied)
		return 0;
	now = calloc(cm->ncpus, sizeof(__u64));
	cur = calloc(cm->ncpus, sizeof(__u64));
	if (!now || !cur) {
		err = -ENOMEM;
		goto out;
	}
	/* the old programs no longer run: what they counted since the copy
	 * is added to each CPU's count (a packet the new program counts on
	 * that CPU meanwhile may be lost to the race: one count, not state) */
	for (__u32 f = 0; f < MXGW_FAM_MAX && !err; f++) {
		for (__u32 c = 0; c < cm->old_n && c < cm->new_n; c++) {
			__u32 okey = f * cm->old_n + c, nkey = f * cm->new_n + c;
			const __u64 *saved = cm->copied + (size_t)okey * cm->ncpus;
			bool moved = false;

			if (bpf_map_lookup_elem(cm->from, &okey, now) ||
			    bpf_map_lookup_elem(cm->to, &nkey, cur)) {
				err = -errno;
				break;
			}
			for (unsigned int i = 0; i < cm->ncpus; i++) {
				moved |= now[i] != saved[i];
				cur[i] += now[i] - saved[i];
			}
			if (moved && bpf_map_update_elem(cm->to, &nkey, cur, BPF_ANY)) {
				err = -errno;
				break;
			}
		}
	}
out:
	free(now);
	free(cur);
	return err;
}

void mxgw_counters_mig_free(struct mxgw_counters_mig *cm)
{
	free(cm->copied);
	cm->copied = NULL;
}
