// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* mxctl blocklist show [-j] | blocklist reload [NAME] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include "mxctl.h"
#include "args.h"
#include "config.h"
#include "json.h"
#include "../maps/blocklist.h"
#include "../loader/loader.h"

int mxctl_bl_read_all(const char *cmd, const struct mxgw_policy *pol, int only,
		      struct mxgw_bl_list *lists)
{
	char err[MXGW_BL_ERR_MAX];
	int ret = 0;

	memset(lists, 0, sizeof(*lists) * MXGW_BL_MAX);
	for (unsigned int i = 0; i < pol->nblocklists; i++) {
		const char *file = pol->blocklists[i].file;
		int e;

		if (only >= 0 && (unsigned int)only != i)
			continue;
		e = mxgw_bl_read_file(file, &lists[only >= 0 ? 0 : i], err);
		if (e == -EINVAL && err[0]) {
			fputs(err, stderr);
			mxctl_err("%s: blocklist %s: %s refused, nothing changed", cmd,
				  pol->blocklists[i].name, file);
		} else if (e) {
			mxctl_err("%s: blocklist %s: %s: %s, nothing changed", cmd,
				  pol->blocklists[i].name, file, mxctl_strerror(e));
		}
		if (e)
			ret = -1;
	}
	if (ret)
		mxctl_bl_free_all(lists);
	return ret;
}

void mxctl_bl_free_all(struct mxgw_bl_list *lists)
{
	for (int i = 0; i < MXGW_BL_MAX; i++)
		mxgw_bl_list_free(&lists[i]);
}

int mxctl_bl_apply(const char *cmd, const char *ifname, const struct mxgw_policy *pol,
		   const struct mxgw_bl_list *lists, int only, bool quiet)
{
	struct mxgw_bl_swap_stats st;
	struct mxgw_maps m;
	int lock, err;

	mxgw_maps_init(&m);
	err = mxgw_open_loaded(ifname, &m);
	if (!err) {
		lock = mxgw_pins_lock();
		err = mxgw_maps_bl_apply(&m, pol, lists, only, false, &st);
		mxgw_pins_unlock(lock);
	}
	mxgw_maps_close(&m);
	if (err == -ENOENT && only >= 0) {
		mxctl_err("%s %s: blocklist %s does not run yet: mxctl reload loads it", cmd,
			  ifname, pol->blocklists[only].name);
		return 1;
	}
	if (err) {
		mxctl_err("%s %s: blocklists: %s", cmd, ifname,
			  err == -E2BIG ? "more prefixes than the tables hold" :
			  mxctl_strerror(err));
		return 1;
	}
	if (quiet)
		return 0;
	for (unsigned int i = 0; i < pol->nblocklists; i++) {
		const struct mxgw_bl_list *l = &lists[only >= 0 ? 0 : i];

		if (only >= 0 && (unsigned int)only != i)
			continue;
		printf("%s: blocklist %s: %zu IPv4 and %zu IPv6 prefixes from %s\n", ifname,
		       pol->blocklists[i].name, l->n4, l->n6, pol->blocklists[i].file);
	}
	printf("%s: blocklists swapped in %.1f ms (built in %.0f ms), tables %llu KiB IPv4, "
	       "%llu KiB IPv6\n", ifname, st.swap_ns / 1e6, st.build_ns / 1e6,
	       (unsigned long long)st.mem4 / 1024, (unsigned long long)st.mem6 / 1024);
	return 0;
}

struct blocklist_args {
	int action;
	const char *name;
};

enum { BL_SHOW, BL_RELOAD };

static const struct mxctl_word actions[] = {
	{ "show", BL_SHOW },
	{ "reload", BL_RELOAD },
	{ NULL },
};

static const struct mxctl_arg blocklist_args[] = {
	{ .name = "action", .type = MXCTL_ARG_WORD,
	  .flags = MXCTL_ARG_POSITIONAL | MXCTL_ARG_REQUIRED,
	  .offset = offsetof(struct blocklist_args, action), .words = actions,
	  .help = "show: the running lists; reload: read the lists' files again and swap them in" },
	{ .name = "name", .type = MXCTL_ARG_STRING, .flags = MXCTL_ARG_POSITIONAL,
	  .offset = offsetof(struct blocklist_args, name), .metavar = "NAME",
	  .help = "reload: this list only (default: every list of the config that runs)" },
	{ 0 },
};

static int reload(const struct mxctl_opts *opts, const char *name)
{
	static struct mxgw_conf_file conf;
	static struct mxgw_bl_list lists[MXGW_BL_MAX];
	const struct mxgw_policy *pol = &conf.policy;
	char names[64][IF_NAMESIZE];
	int n, ret = 0, only = -1;

	if (mxgw_conf_parse_file(opts->conf_path, &conf, stderr))
		return 1;
	if (name) {
		for (unsigned int i = 0; i < pol->nblocklists; i++)
			if (!strcmp(pol->blocklists[i].name, name))
				only = i;
		if (only < 0) {
			mxctl_err("blocklist reload: %s has no blocklist '%s'", opts->conf_path,
				  name);
			return 1;
		}
	} else if (!pol->nblocklists) {
		mxctl_err("blocklist reload: %s has no blocklist", opts->conf_path);
		return 1;
	}
	n = mxctl_targets(opts, NULL, names, 64, "blocklist reload");
	if (n < 0)
		return 1;
	/* every file read before anything changes */
	if (only >= 0) {
		if (mxctl_bl_read_all("blocklist reload", pol, only, lists))
			return 1;
	} else if (mxctl_bl_read_all("blocklist reload", pol, -1, lists)) {
		return 1;
	}
	for (int k = 0; k < n; k++) {
		if (only >= 0) {
			ret |= mxctl_bl_apply("blocklist reload", names[k], pol, lists, only, false);
			continue;
		}
		/* each list that runs, swapped on its own: the others stay */
		for (unsigned int i = 0; i < pol->nblocklists; i++) {
			struct mxgw_bl_list one = lists[i];

			ret |= mxctl_bl_apply("blocklist reload", names[k], pol, &one, i, false);
		}
	}
	mxctl_bl_free_all(lists);
	return ret;
}

/* The names of the services list @bit applies to, comma-separated. */
static void services_of(const struct mxgw_maps *m, __u32 bit, const struct mxgw_service *svcs,
			char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	for (__u32 id = 1; id < MXGW_MAX_SERVICES; id++) {
		__u16 mask;

		if (!svcs[id].in_use || bpf_map_lookup_elem(m->bl_svc, &id, &mask) ||
		    !(mask & (1U << bit)))
			continue;
		used += snprintf(buf + used, used < len ? len - used : 0, "%s%.*s",
				 used ? "," : "", MXGW_SVC_NAME_LEN, svcs[id].name);
	}
}

static const char *when(__u64 s, char *buf, size_t len)
{
	time_t t = s;
	struct tm tm;

	if (!s || !gmtime_r(&t, &tm))
		return "-";
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

static int show_one(const char *ifname, const struct mxgw_maps *m, struct json *j)
{
	static struct mxgw_service svcs[MXGW_MAX_SERVICES];
	struct mxgw_blocklist l[MXGW_BL_MAX];
	__u64 d[MXGW_BL_MAX][MXGW_FAM_MAX], arr4, trie4, mem6, mem4, arr6, entries = 0;
	char svc[1024], t[32];
	int err;

	err = mxgw_maps_bl_read(m, l, d);
	if (!err)
		err = mxgw_maps_read_services(m, svcs);
	if (!err)
		err = mxgw_maps_bl_memory(m, &arr4, &trie4, &mem6);
	if (err)
		return err;
	mem4 = arr4 + trie4;
	arr6 = mxgw_maps_bl_array6(m);
	for (int b = 0; b < MXGW_BL_MAX; b++)
		if (l[b].in_use)
			entries += l[b].nlong4 + l[b].n6;
	if (j) {
		json_object_start(j);
		json_kv_string(j, "ifname", ifname);
		json_kv_uint(j, "memory_ipv4", mem4);
		json_kv_uint(j, "memory_ipv6", mem6);
		json_key(j, "lists");
		json_array_start(j);
	} else {
		printf("%s: blocklist tables: %llu KiB (IPv4: a /24 array of 32 MiB when "
		       "any list has IPv4 prefixes, and a trie of the longer ones), %llu KiB IPv6 "
		       "(a /32 array of 62 MiB when any list has IPv6 prefixes, and a trie)\n",
		       ifname, (unsigned long long)mem4 / 1024, (unsigned long long)mem6 / 1024);
	}
	for (int b = 0; b < MXGW_BL_MAX; b++) {
		/* a list's own memory: its share of the tries' entries (the
		 * arrays are no list's) */
		__u64 trie_mem = (mem6 > arr6 ? mem6 - arr6 : 0) + trie4;
		__u64 own = entries ? trie_mem * (l[b].nlong4 + l[b].n6) / entries : 0;

		if (!l[b].in_use)
			continue;
		if (l[b].all_services)
			snprintf(svc, sizeof(svc), "all");
		else
			services_of(m, b, svcs, svc, sizeof(svc));
		if (j) {
			json_object_start(j);
			json_kv_string(j, "name", l[b].name);
			json_kv_string(j, "file", l[b].file);
			json_kv_string(j, "services", svc);
			json_kv_uint(j, "prefixes_ipv4", l[b].n4);
			json_kv_uint(j, "prefixes_ipv4_longer_than_24", l[b].nlong4);
			json_kv_uint(j, "prefixes_ipv6", l[b].n6);
			json_kv_uint(j, "memory", own);
			json_kv_uint(j, "loaded", l[b].loaded_s);
			json_kv_uint(j, "dropped_ipv4", d[b][MXGW_FAM_IPV4]);
			json_kv_uint(j, "dropped_ipv6", d[b][MXGW_FAM_IPV6]);
			json_object_end(j);
		} else {
			printf("  %-16s %u IPv4 (%u longer than /24), %u IPv6 prefixes, %llu KiB of "
			       "tries; services %s; %s; loaded %s; dropped %llu IPv4, %llu IPv6\n",
			       l[b].name, l[b].n4, l[b].nlong4, l[b].n6,
			       (unsigned long long)own / 1024, svc, l[b].file,
			       when(l[b].loaded_s, t, sizeof(t)),
			       (unsigned long long)d[b][MXGW_FAM_IPV4],
			       (unsigned long long)d[b][MXGW_FAM_IPV6]);
		}
	}
	if (j) {
		json_array_end(j);
		json_object_end(j);
	}
	return 0;
}

static int show(const struct mxctl_opts *opts)
{
	char names[64][IF_NAMESIZE];
	struct json j;
	int n, ret = 0;

	n = mxctl_targets(opts, NULL, names, 64, "blocklist show");
	if (n < 0)
		return 1;
	json_init(&j, stdout);
	if (opts->json)
		json_array_start(&j);
	for (int i = 0; i < n; i++) {
		struct mxgw_maps m;
		int err;

		mxgw_maps_init(&m);
		err = mxgw_open_loaded(names[i], &m);
		if (!err)
			err = show_one(names[i], &m, opts->json ? &j : NULL);
		mxgw_maps_close(&m);
		if (err && opts->json) {
			json_object_start(&j);
			json_kv_string(&j, "ifname", names[i]);
			json_kv_string(&j, "error", mxctl_strerror(err));
			json_object_end(&j);
		} else if (err) {
			mxctl_err("blocklist show %s: %s", names[i], mxctl_strerror(err));
		}
		if (err)
			ret = 1;
	}
	if (opts->json) {
		json_array_end(&j);
		putchar('\n');
	}
	return ret;
}

static int cmd_blocklist(const struct mxctl_opts *opts, const void *args)
{
	const struct blocklist_args *a = args;

	if (a->action == BL_SHOW) {
		if (a->name)
			return mxctl_usage("blocklist", "show takes no NAME");
		return show(opts);
	}
	return reload(opts, a->name);
}

const struct mxctl_cmd mxctl_cmd_blocklist = {
	.name = "blocklist",
	.handler = cmd_blocklist,
	.args = blocklist_args,
	.args_size = sizeof(struct blocklist_args),
	.help = "show: the running blocklists (prefixes, memory, file, loaded, drops); "
		"reload [NAME]: read the lists' files again and swap them in atomically",
	.json = true,
};
