// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* mxgw on a WAN interface: load, pin, attach, and the way back. */
#include <dirent.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "loader.h"
#include "netdev.h"
#include "mxgw.skel.h"
#include "../ctl/config.h"

#define BPFFS_ROOT	"/sys/fs/bpf"

int mxgw_pin_dir(const char *ifname, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", MXGW_PIN_ROOT, ifname);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int mxgw_ensure_bpffs(void)
{
	struct statfs st;

	if (!statfs(BPFFS_ROOT, &st) && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", BPFFS_ROOT, "bpf", 0, "mode=0700"))
		return -errno;
	return 0;
}

void mxgw_maps_from_skel(const struct mxgw_bpf *skel, struct mxgw_maps *m)
{
	m->config = bpf_map__fd(skel->maps.mxgw_config);
	m->ports = bpf_map__fd(skel->maps.mxgw_ports);
	m->services = bpf_map__fd(skel->maps.mxgw_services);
	m->from = bpf_map__fd(skel->maps.mxgw_from);
	m->svc_stats = bpf_map__fd(skel->maps.mxgw_svc_stats);
	m->counters = bpf_map__fd(skel->maps.mxgw_counters);
	m->nexthop = bpf_map__fd(skel->maps.mxgw_nexthop);
	m->tx_ports = bpf_map__fd(skel->maps.mxgw_tx_ports);
	m->ct = bpf_map__fd(skel->maps.mxgw_ct);
	m->nat = bpf_map__fd(skel->maps.mxgw_nat);
	m->clock = bpf_map__fd(skel->maps.mxgw_clock);
	m->events = bpf_map__fd(skel->maps.mxgw_events);
	m->log_bucket = bpf_map__fd(skel->maps.mxgw_log_bucket);
	m->log_lease = bpf_map__fd(skel->maps.mxgw_log_lease);
}

int mxgw_wan_of(__u32 ifindex, __be32 mailserver, struct mxgw_wan *wan)
{
	char name[IF_NAMESIZE];
	struct ifaddrs *ifa, *i;
	int n = 0;

	memset(wan, 0, sizeof(*wan));
	wan->ifindex = ifindex;
	wan->lan_net = mailserver;
	wan->lan_mask = 0xffffffff;
	if (!if_indextoname(ifindex, name))
		return -errno;
	if (getifaddrs(&ifa))
		return -errno;
	for (i = ifa; i; i = i->ifa_next) {
		__be32 a, m;

		if (!i->ifa_addr || !i->ifa_netmask || i->ifa_addr->sa_family != AF_INET)
			continue;
		a = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr;
		m = ((struct sockaddr_in *)i->ifa_netmask)->sin_addr.s_addr;
		if (!strcmp(i->ifa_name, name)) {
			if (n >= MXGW_WAN_ADDRS_MAX)
				continue;
			/* a /31 (RFC 3021) or /32 has no broadcast address */
			if (ntohl(m) < 0xfffffffe)
				wan->bcast[n] = a | ~m;
			wan->addrs[n++] = a;
		} else if ((a & m) == (mailserver & m) && m &&
			   ntohl(m) < ntohl(wan->lan_mask)) {
			/* the widest connected prefix the mail server is on */
			wan->lan_net = a & m;
			wan->lan_mask = m;
		}
	}
	freeifaddrs(ifa);
	return 0;
}

int mxgw_sync_tx_ports(const struct mxgw_maps *m)
{
	__u32 ok[MXGW_MAX_TX_PORTS], key, next;
	void *prev = NULL;
	int n, err;

	n = mxgw_netdev_xdp_xmit_ifindexes(ok, MXGW_MAX_TX_PORTS);
	if (n < 0 && n != -EOPNOTSUPP)
		return n;
	for (int i = 0; i < n; i++) {
		struct bpf_devmap_val val = { .ifindex = ok[i] };

		if (bpf_map_update_elem(m->tx_ports, &ok[i], &val.ifindex, BPF_ANY))
			return -errno;
	}
	/* devices that can no longer take frames leave the map */
	while (!bpf_map_get_next_key(m->tx_ports, prev, &next)) {
		bool keep = false;

		for (int i = 0; i < n; i++)
			keep |= ok[i] == next;
		if (!keep) {
			if (bpf_map_delete_elem(m->tx_ports, &next))
				return -errno;
			continue;	/* same prev: the next key follows it */
		}
		key = next;
		prev = &key;
	}
	err = errno == ENOENT ? 0 : -errno;
	return err ? err : n;
}

int mxgw_size_conntrack(struct mxgw_bpf *skel, __u32 max)
{
	int err = bpf_map__set_max_entries(skel->maps.mxgw_ct, max);

	return err ? err : bpf_map__set_max_entries(skel->maps.mxgw_nat, max);
}

static int prog_id_of_fd(int fd, __u32 *id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*id = info.id;
	return 0;
}

static int pinned_prog(const char *dir, const char *name, int *fd, __u32 *id)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	*fd = bpf_obj_get(path);
	if (*fd < 0)
		return -errno;
	return prog_id_of_fd(*fd, id);
}

static int tc_query(__u32 ifindex, __u32 *prog_id)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_EGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = MXGW_TC_HANDLE,
			    .priority = MXGW_TC_PRIORITY);
	int err = bpf_tc_query(&hook, &opts);

	*prog_id = err ? 0 : opts.prog_id;
	return err == -ENOENT || err == -EINVAL ? 0 : err;
}

static int tc_attach(__u32 ifindex, int prog_fd)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_EGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = MXGW_TC_HANDLE,
			    .priority = MXGW_TC_PRIORITY, .prog_fd = prog_fd,
			    .flags = BPF_TC_F_REPLACE);
	int err = bpf_tc_hook_create(&hook);

	if (err && err != -EEXIST)
		return err;
	return bpf_tc_attach(&hook, &opts);
}

static int tc_detach(__u32 ifindex)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_EGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = MXGW_TC_HANDLE,
			    .priority = MXGW_TC_PRIORITY);

	return bpf_tc_detach(&hook, &opts);
}

/* Native XDP first; generic when the driver has no XDP support. */
static int xdp_attach(__u32 ifindex, int prog_fd, struct mxgw_load_result *res)
{
	int flags = XDP_FLAGS_UPDATE_IF_NOEXIST;
	int err = bpf_xdp_attach(ifindex, prog_fd, flags | XDP_FLAGS_DRV_MODE, NULL);

	if (!err || err == -EEXIST || err == -EBUSY)
		return err;
	res->native_err = err;
	res->generic_xdp = true;
	return bpf_xdp_attach(ifindex, prog_fd, flags | XDP_FLAGS_SKB_MODE, NULL);
}

static int xdp_query(__u32 ifindex, __u32 *prog_id, __u8 *mode)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int err = bpf_xdp_query(ifindex, 0, &q);

	if (err)
		return err;
	*prog_id = q.prog_id;
	*mode = q.attach_mode;
	return 0;
}

static int xdp_detach(__u32 ifindex, __u32 ours, int ours_fd)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = ours_fd);
	__u32 id;
	__u8 mode;
	int err = xdp_query(ifindex, &id, &mode);

	if (err || id != ours)
		return err;	/* not ours (or nothing): leave it alone */
	return bpf_xdp_detach(ifindex, XDP_FLAGS_REPLACE |
			      (mode == XDP_ATTACHED_SKB ? XDP_FLAGS_SKB_MODE :
							  XDP_FLAGS_DRV_MODE), &opts);
}

static void unpin_dir(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d) {
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(dir);
	rmdir(MXGW_PIN_ROOT);	/* only succeeds when no interface is left */
}

static int pin_all(struct mxgw_bpf *skel, const char *dir)
{
	char path[PATH_MAX];
	struct bpf_map *map;
	int err;

	if (mkdir(MXGW_PIN_ROOT, 0700) && errno != EEXIST)
		return -errno;
	if (mkdir(dir, 0700))
		return -errno;
	bpf_object__for_each_map(map, skel->obj) {
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(map));
		err = bpf_map__pin(map, path);
		if (err)
			return err;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, MXGW_PROG_XDP);
	err = bpf_program__pin(skel->progs.mxgw_wan_in, path);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/%s", dir, MXGW_PROG_TC);
	return bpf_program__pin(skel->progs.mxgw_wan_out, path);
}

/* A config for a running gateway: only touches maps, never programs. */
static int reapply(const char *ifname, const char *dir, __u32 ifindex,
		   const struct mxgw_conf *conf, struct mxgw_load_result *res)
{
	struct mxgw_attach_info info;
	struct mxgw_wan wan;
	struct mxgw_maps m;
	int xdp_fd = -1, tc_fd = -1, err;

	err = mxgw_wan_of(ifindex, conf->mailserver_addr, &wan);
	if (err)
		return err;
	err = mxgw_maps_open_pinned(&m, dir);
	if (err)
		return err;
	err = mxgw_maps_apply(&m, conf, &wan);
	if (!err)
		res->fast_ports = mxgw_sync_tx_ports(&m);
	if (!err)
		res->ct_max_pending = mxgw_maps_max_entries(m.ct) != conf->conntrack_max;
	mxgw_maps_close(&m);
	if (err)
		return err;

	/* re-attach what someone detached behind our back */
	err = mxgw_query_attach(ifname, &info);
	if (err)
		return err;
	err = pinned_prog(dir, MXGW_PROG_XDP, &xdp_fd, &info.pinned_xdp_id);
	if (!err)
		err = pinned_prog(dir, MXGW_PROG_TC, &tc_fd, &info.pinned_tc_id);
	if (!err && info.xdp_prog_id != info.pinned_xdp_id) {
		res->repaired = true;
		err = xdp_attach(ifindex, xdp_fd, res);
	}
	if (!err && info.tc_prog_id != info.pinned_tc_id) {
		res->repaired = true;
		err = tc_attach(ifindex, tc_fd);
	}
	if (xdp_fd >= 0)
		close(xdp_fd);
	if (tc_fd >= 0)
		close(tc_fd);
	return err;
}

int mxgw_load(const char *ifname, const struct mxgw_conf *conf,
	      struct mxgw_load_result *res)
{
	char dir[PATH_MAX];
	struct mxgw_bpf *skel;
	struct mxgw_wan wan;
	struct mxgw_maps m;
	struct stat st;
	bool pinned = false, xdp_on = false;
	__u32 ifindex;
	int err;

	memset(res, 0, sizeof(*res));
	ifindex = if_nametoindex(ifname);
	if (!ifindex)
		return -ENODEV;
	err = mxgw_pin_dir(ifname, dir, sizeof(dir));
	if (err)
		return err;
	err = mxgw_ensure_bpffs();
	if (err)
		return err;
	if (!stat(dir, &st))
		return reapply(ifname, dir, ifindex, conf, res);

	err = mxgw_wan_of(ifindex, conf->mailserver_addr, &wan);
	if (err)
		return err;
	res->created = true;
	skel = mxgw_bpf__open();
	if (!skel)
		return -errno ? -errno : -EINVAL;
	err = mxgw_size_conntrack(skel, conf->conntrack_max);
	if (!err) {
		mxgw_refusal_capture_begin();
		err = mxgw_bpf__load(skel);
		mxgw_refusal_capture_end();
		if (err)
			res->refusal = mxgw_refusal();
	}
	if (err)
		goto out;
	mxgw_maps_from_skel(skel, &m);
	/* the maps hold the whole config before a packet can see them */
	err = mxgw_maps_apply(&m, conf, &wan);
	if (err)
		goto out;
	res->fast_ports = mxgw_sync_tx_ports(&m);
	if (res->fast_ports < 0 && res->fast_ports != -EOPNOTSUPP) {
		err = res->fast_ports;
		goto out;
	}
	pinned = true;
	err = pin_all(skel, dir);
	if (err)
		goto out;
	err = xdp_attach(ifindex, bpf_program__fd(skel->progs.mxgw_wan_in), res);
	if (err)
		goto out;
	xdp_on = true;
	err = tc_attach(ifindex, bpf_program__fd(skel->progs.mxgw_wan_out));
out:
	if (err) {
		if (xdp_on) {
			__u32 id = 0;

			prog_id_of_fd(bpf_program__fd(skel->progs.mxgw_wan_in), &id);
			xdp_detach(ifindex, id, bpf_program__fd(skel->progs.mxgw_wan_in));
		}
		if (pinned)
			unpin_dir(dir);
	}
	mxgw_bpf__destroy(skel);
	return err;
}

int mxgw_query_attach(const char *ifname, struct mxgw_attach_info *info)
{
	char dir[PATH_MAX];
	int fd, err;

	memset(info, 0, sizeof(*info));
	info->ifindex = if_nametoindex(ifname);
	err = mxgw_pin_dir(ifname, dir, sizeof(dir));
	if (err)
		return err;
	if (!pinned_prog(dir, MXGW_PROG_XDP, &fd, &info->pinned_xdp_id))
		close(fd);
	if (!pinned_prog(dir, MXGW_PROG_TC, &fd, &info->pinned_tc_id))
		close(fd);
	if (!info->ifindex)
		return 0;	/* the device went away; the pins stay */
	err = xdp_query(info->ifindex, &info->xdp_prog_id, &info->xdp_mode);
	if (err)
		return err;
	return tc_query(info->ifindex, &info->tc_prog_id);
}

int mxgw_unload(const char *ifname)
{
	struct mxgw_attach_info info;
	char dir[PATH_MAX];
	struct stat st;
	int fd, err;

	err = mxgw_pin_dir(ifname, dir, sizeof(dir));
	if (err)
		return err;
	if (stat(dir, &st))
		return -errno;	/* ENOENT: not loaded; EACCES: not root */
	err = mxgw_query_attach(ifname, &info);
	if (err)
		return err;
	if (info.ifindex && info.pinned_xdp_id &&
	    !pinned_prog(dir, MXGW_PROG_XDP, &fd, &info.pinned_xdp_id)) {
		err = xdp_detach(info.ifindex, info.pinned_xdp_id, fd);
		close(fd);
		if (err)
			return err;
	}
	if (info.ifindex && info.tc_prog_id &&
	    info.tc_prog_id == info.pinned_tc_id) {
		err = tc_detach(info.ifindex);
		if (err)
			return err;
	}
	unpin_dir(dir);
	return 0;
}

int mxgw_open_loaded(const char *ifname, struct mxgw_maps *m)
{
	char dir[PATH_MAX];
	int err = mxgw_pin_dir(ifname, dir, sizeof(dir));

	return err ? err : mxgw_maps_open_pinned(m, dir);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

int mxgw_loaded_ifnames(char (*names)[IF_NAMESIZE], int max)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	if (mxgw_ensure_bpffs())
		return 0;
	d = opendir(MXGW_PIN_ROOT);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)) && n < max) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= IF_NAMESIZE)
			continue;
		strcpy(names[n++], de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_names);
	return n;
}
