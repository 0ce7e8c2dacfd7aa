// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Upgrading a running gateway (issue 15, loader/upgrade.c): what becomes
 * of each running map (shared, copied, made again, counters carried, or
 * refused in one line), the counters' migration, and mxgw_load on the
 * test namespace's wan0: the same build re-applies in place, another
 * build is replaced atomically, and a map whose layout cannot be carried
 * over refuses the load with the running build left untouched.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "testbed.h"
#include "mxgw.skel.h"
#include "loader.h"
#include "internal.h"
#include "upgrade.h"
#include "config.h"

/* attached directly: these tests are about the upgrade, which keeps the
 * attach mode whatever it is, and a kernel may refuse libxdp's
 * dispatcher (test_xdp_share.sh tests both modes) */
static const char conf_text[] =
	"xdp-attach direct\n"
	"public 203.0.113.33\n"
	"mailserver 192.168.1.10\n"
	"service smtp 25 allow allow\n";

static struct mxgw_conf_file conf;

/* A map like @map of the object, another shape where asked. */
static int map_like(const struct bpf_map *map, int type, int key_extra, int value_extra,
		    __u32 max)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = type ? 0 : bpf_map__map_flags(map));
	int fd = bpf_map_create(type ? (enum bpf_map_type)type : bpf_map__type(map), "upgrade_test",
				bpf_map__key_size(map) + key_extra,
				bpf_map__value_size(map) + value_extra,
				max ? max : bpf_map__max_entries(map), &o);

	if (fd < 0)
		fail_msg("a map like %s: %s", bpf_map__name(map), strerror(errno));
	return fd;
}

static void test_plan_per_map(void **state)
{
	struct tb tb = { 0 };
	struct mxgw_bpf *skel;
	enum mxgw_migration how;
	char why[320] = "";
	int fd;
	(void)state;

	tb_reset(&tb, conf_text);
	skel = mxgw_bpf__open();
	assert_non_null(skel);

	/* not in the running build: a fresh one */
	assert_int_equal(mxgw_upgrade_plan(skel->maps.mxgw_ct, -1, false, &how, why, sizeof(why)), 0);
	assert_int_equal(how, MXGW_MIG_FRESH);
	/* the same shape: shared */
	fd = map_like(skel->maps.mxgw_ct, 0, 0, 0, 0);
	assert_int_equal(mxgw_upgrade_plan(skel->maps.mxgw_ct, fd, false, &how, why, sizeof(why)), 0);
	assert_int_equal(how, MXGW_MIG_SHARE);
	/* another ABI, the same shape: still shared, but the config is made
	 * again */
	assert_int_equal(mxgw_upgrade_plan(skel->maps.mxgw_ct, fd, true, &how, why, sizeof(why)), 0);
	assert_int_equal(how, MXGW_MIG_SHARE);
	close(fd);
	fd = map_like(skel->maps.mxgw_config, 0, 0, 0, 0);
	assert_int_equal(mxgw_upgrade_plan(skel->maps.mxgw_config, fd, true, &how, why, sizeof(why)), 0);
	assert_int_equal(how, MXGW_MIG_REBUILD);
	assert_int_equal(mxgw_upgrade_plan(skel->maps.mxgw_config, fd, false, &how, why, sizeof(why)), 0);
	assert_int_equal(how, MXGW_MIG_SHARE);
	close(fd);
	/* another size, the same layout: flows copied */
	fd = map_like(skel->maps.mxgw_ct, 0, 0, 0, 1024);
	assert_int_equal(mxgw_upgrade_plan(skel->maps.mxgw_ct, fd, false, &how, why, sizeof(why)), 0);
	assert_int_equal(how, MXGW_MIG_COPY);
	close(fd);
	/* a counter set that grew: carried by position */
	fd = map_like(skel->maps.mxgw_counters, 0, 0, 0, MXGW_FAM_MAX * 4);
	assert_int_equal(mxgw_upgrade_plan(skel->maps.mxgw_counters, fd, false, &how, why, sizeof(why)), 0);
	assert_int_equal(how, MXGW_MIG_COUNTERS);
	close(fd);
	/* the policy's map of another layout: made again by the config */
	fd = map_like(skel->maps.mxgw_ports, 0, 0, 8, 0);
	assert_int_equal(mxgw_upgrade_plan(skel->maps.mxgw_ports, fd, false, &how, why, sizeof(why)), 0);
	assert_int_equal(how, MXGW_MIG_FRESH);
	close(fd);

	/* flows, mappings and bans of another layout: refused, one line
	 * naming the map and what differs */
	fd = map_like(skel->maps.mxgw_ct, 0, 0, 8, 0);
	assert_int_equal(mxgw_upgrade_plan(skel->maps.mxgw_ct, fd, false, &how, why, sizeof(why)),
			 -EPROTO);
	close(fd);
	if (!strstr(why, "map mxgw_ct: value size 32 running, 24 in this build"))
		fail_msg("refusal: %s", why);
	assert_null(strchr(why, '\n'));
	fd = map_like(skel->maps.mxgw_nat, 0, 4, 0, 0);
	assert_int_equal(mxgw_upgrade_plan(skel->maps.mxgw_nat, fd, true, &how, why, sizeof(why)),
			 -EPROTO);
	close(fd);
	if (!strstr(why, "map mxgw_nat: key size"))
		fail_msg("refusal: %s", why);
	fd = map_like(skel->maps.mxgw_ban4, BPF_MAP_TYPE_ARRAY, 0, 0, 0);
	assert_int_equal(mxgw_upgrade_plan(skel->maps.mxgw_ban4, fd, false, &how, why, sizeof(why)),
			 -EPROTO);
	close(fd);
	if (!strstr(why, "map mxgw_ban4: type array running, hash in this build"))
		fail_msg("refusal: %s", why);
	mxgw_bpf__destroy(skel);
}

static void set_percpu(int fd, __u32 key, __u64 base, unsigned int ncpus)
{
	__u64 v[ncpus];

	for (unsigned int i = 0; i < ncpus; i++)
		v[i] = base + i;
	assert_int_equal(bpf_map_update_elem(fd, &key, v, BPF_ANY), 0);
}

static __u64 sum_percpu(int fd, __u32 key, unsigned int ncpus)
{
	__u64 v[ncpus], s = 0;

	assert_int_equal(bpf_map_lookup_elem(fd, &key, v), 0);
	for (unsigned int i = 0; i < ncpus; i++)
		s += v[i];
	return s;
}

static void test_counters_carried_by_family_and_position(void **state)
{
	unsigned int ncpus = (unsigned int)libbpf_num_possible_cpus();
	struct mxgw_counters_mig cm;
	struct tb tb = { 0 };
	int from, to;
	(void)state;

	tb_reset(&tb, conf_text);
	/* 4 counters a family running, 6 in the new build */
	from = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "old_counters", 4, 8, MXGW_FAM_MAX * 4, NULL);
	to = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "new_counters", 4, 8, MXGW_FAM_MAX * 6, NULL);
	assert_true(from >= 0 && to >= 0);
	for (__u32 f = 0; f < MXGW_FAM_MAX; f++)
		for (__u32 c = 0; c < 4; c++)
			set_percpu(from, f * 4 + c, 1000 * (f + 1) + 10 * c, ncpus);
	assert_int_equal(mxgw_counters_migrate(from, to, &cm), 0);
	for (__u32 f = 0; f < MXGW_FAM_MAX; f++) {
		for (__u32 c = 0; c < 4; c++)
			assert_int_equal(sum_percpu(to, f * 6 + c, ncpus),
					 sum_percpu(from, f * 4 + c, ncpus));
		/* the new counters start at 0 */
		assert_int_equal(sum_percpu(to, f * 6 + 4, ncpus), 0);
		assert_int_equal(sum_percpu(to, f * 6 + 5, ncpus), 0);
	}
	/* the old programs count on until the swap; the new ones too */
	set_percpu(from, 1 * 4 + 2, 5000, ncpus);	/* was 2020 + i */
	set_percpu(to, 1 * 6 + 2, 2020 + 7, ncpus);	/* 7 more on each CPU meanwhile */
	assert_int_equal(mxgw_counters_catch_up(&cm), 0);
	assert_int_equal(sum_percpu(to, 1 * 6 + 2, ncpus),
			 (__u64)ncpus * (5000 + 7) + (__u64)ncpus * (ncpus - 1) / 2);
	mxgw_counters_mig_free(&cm);
	close(from);
	close(to);
}

/* The ids of every pin in @dir, and of the programs on wan0, into @buf. */
static void snapshot(const char *dir, char *buf, size_t len)
{
	struct mxgw_attach_info info;
	size_t n;

	assert_int_equal(mxgw_query_attach("wan0", &info), 0);
	n = (size_t)snprintf(buf, len, "xdp %u tc %u;", info.xdp_prog_id, info.tc_prog_id);
	for (unsigned int i = 0; i < MXGW_MAP_COUNT && n < len; i++) {
		char path[PATH_MAX];
		struct bpf_map_info mi = {};
		__u32 mlen = sizeof(mi);
		int fd;

		snprintf(path, sizeof(path), "%s/%s", dir, mxgw_map_list[i].name);
		fd = bpf_obj_get(path);
		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &mi, &mlen))
			n += (size_t)snprintf(buf + n, len - n, " %s=%u", mxgw_map_list[i].name, mi.id);
		if (fd >= 0)
			close(fd);
	}
}

/* Pin a map of another value size as @dir/@name, over the running one's. */
static void repin(const char *dir, const char *name, int fd)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(bpf_obj_pin(fd, path), 0);
}

static void test_load_same_build_in_place_other_build_upgraded(void **state)
{
	struct mxgw_load_result res;
	struct mxgw_attach_info a, b;
	struct mxgw_build fake;
	struct tb tb = { 0 };
	char dir[PATH_MAX], path[PATH_MAX];
	__u32 key = 0;
	int fd;
	(void)state;

	tb_reset(&tb, conf_text);
	assert_int_equal(mxgw_conf_parse_string("t", conf_text, &conf, NULL), 0);
	assert_int_equal(mxgw_pin_dir("wan0", dir, sizeof(dir)), 0);
	assert_int_equal(mxgw_load("wan0", &conf.policy, &res), 0);
	assert_true(res.created);
	assert_false(res.upgraded);
	assert_int_equal(mxgw_query_attach("wan0", &a), 0);

	/* the same build: in place */
	assert_int_equal(mxgw_load("wan0", &conf.policy, &res), 0);
	assert_false(res.upgraded);
	assert_false(res.replaced);
	assert_int_equal(mxgw_query_attach("wan0", &b), 0);
	assert_int_equal(a.xdp_prog_id, b.xdp_prog_id);

	/* another build runs (its identity says so): replaced, upgraded */
	snprintf(path, sizeof(path), "%s/%s", dir, MXGW_MAP_NAME(build));
	fd = bpf_obj_get(path);
	assert_true(fd >= 0);
	fake = *mxgw_build_self();
	fake.obj_hash ^= 1;
	snprintf(fake.version, sizeof(fake.version), "v0-older");
	assert_int_equal(bpf_map_update_elem(fd, &key, &fake, BPF_ANY), 0);
	close(fd);
	assert_int_equal(mxgw_load("wan0", &conf.policy, &res), 0);
	assert_true(res.upgraded);
	assert_int_equal(mxgw_query_attach("wan0", &b), 0);
	if (!res.replaced)
		fail_msg("not replaced: xdp %u -> %u (generic %d repaired %d)", a.xdp_prog_id,
			 b.xdp_prog_id, res.generic_xdp, res.repaired);
	if (!strstr(res.build_from, "v0-older (object ") || !strstr(res.build_to, "(object "))
		fail_msg("from '%s' to '%s'", res.build_from, res.build_to);
	assert_int_equal(mxgw_query_attach("wan0", &b), 0);
	assert_int_not_equal(a.xdp_prog_id, b.xdp_prog_id);
	assert_int_not_equal(a.tc_prog_id, b.tc_prog_id);
	assert_int_equal(b.xdp_prog_id, b.pinned_xdp_id);
	/* and the pins say this build now: the next load is in place */
	assert_int_equal(mxgw_load("wan0", &conf.policy, &res), 0);
	assert_false(res.upgraded);
	assert_int_equal(mxgw_unload("wan0", NULL), 0);
}

static void test_refused_upgrade_leaves_running_build_untouched(void **state)
{
	struct mxgw_load_result res;
	struct tb tb = { 0 };
	struct mxgw_bpf *skel;
	char dir[PATH_MAX], before[4096], after[4096], tmp[PATH_MAX + 8];
	struct stat st;
	int fd;
	(void)state;

	tb_reset(&tb, conf_text);
	assert_int_equal(mxgw_conf_parse_string("t", conf_text, &conf, NULL), 0);
	assert_int_equal(mxgw_pin_dir("wan0", dir, sizeof(dir)), 0);
	assert_int_equal(mxgw_load("wan0", &conf.policy, &res), 0);
	/* an mxgw_ct whose entries are 8 bytes longer: a build whose flows
	 * this one cannot read */
	skel = mxgw_bpf__open();
	assert_non_null(skel);
	assert_int_equal(mxgw_size_conntrack(skel, conf.policy.conntrack_max), 0);
	fd = map_like(skel->maps.mxgw_ct, 0, 0, 8, 0);
	mxgw_bpf__destroy(skel);
	repin(dir, MXGW_MAP_NAME(ct), fd);
	close(fd);
	snapshot(dir, before, sizeof(before));

	assert_int_equal(mxgw_load("wan0", &conf.policy, &res), -EPROTO);
	assert_non_null(res.refusal);
	if (strncmp(res.refusal, "map mxgw_ct: value size 32 running, 24 in this build", 52) ||
	    strchr(res.refusal, '\n'))
		fail_msg("refusal: %s", res.refusal);
	assert_false(res.upgraded);
	snapshot(dir, after, sizeof(after));
	assert_string_equal(before, after);
	snprintf(tmp, sizeof(tmp), "%s/new", dir);
	assert_int_not_equal(stat(tmp, &st), 0);
	assert_int_equal(mxgw_unload("wan0", NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_per_map),
		cmocka_unit_test(test_counters_carried_by_family_and_position),
		cmocka_unit_test(test_load_same_build_in_place_other_build_upgraded),
		cmocka_unit_test(test_refused_upgrade_leaves_running_build_untouched),
	};

	return cmocka_run_group_tests_name("upgrade", tests, tb_group_setup, tb_group_teardown);
}
