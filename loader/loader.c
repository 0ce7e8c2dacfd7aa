// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* mxgw on a WAN interface: load, pin, attach, and the way back. */
#include <ifaddrs.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "loader.h"
#include "netdev.h"
#include "internal.h"
#include "upgrade.h"
#include "mxgw.skel.h"
#include "../maps/policy.h"

#define BPFFS_ROOT	"/sys/fs/bpf"

int mxgw_ensure_bpffs(void)
{
	struct statfs st;

	if (!statfs(BPFFS_ROOT, &st) && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", BPFFS_ROOT, "bpf", 0, "mode=0700"))
		return -errno;
	return 0;
}

int mxgw_maps_from_skel(const struct mxgw_bpf *skel, struct mxgw_maps *m)
{
	int err = 0;

	for (unsigned int i = 0; i < MXGW_MAP_COUNT; i++) {
		const struct bpf_map *map =
			bpf_object__find_map_by_name(skel->obj, mxgw_map_list[i].name);

		*mxgw_maps_fd(m, i) = map ? bpf_map__fd(map) : -1;
		if (!map)
			err = -ENOENT;
	}
	return err;
}

static bool in6_link_local(const struct mxgw_in6 *a)
{
	/* fe80::/10 */
	return (ntohl(a->a[0]) & 0xffc00000) == 0xfe800000;
}

/*
 * The device the mail server is routed through, for IPv6's sake: the
 * route to mailserver6, or where there is none (or it leaves through the
 * WAN, the default route, say) the route to the IPv4 mail server.  0 when
 * neither names a device other than @wan_ifindex.
 */
static __u32 lan_device(const struct mxgw_policy *pol, __u32 wan_ifindex)
{
	__u8 prefix[16], len;
	__u32 oif = 0;

	if (pol->has_mailserver6 &&
	    !mxgw_route_to(AF_INET6, &pol->mailserver6, &oif, prefix, &len) &&
	    oif && oif != wan_ifindex)
		return oif;
	oif = 0;
	if (mxgw_route_to(AF_INET, &pol->mailserver_addr, &oif, prefix, &len) ||
	    oif == wan_ifindex)
		return 0;
	return oif;
}

int mxgw_lan6_of(const struct mxgw_policy *pol, __u32 wan_ifindex,
		 struct mxgw_prefix6 *lan6, unsigned int max, __u32 *oif)
{
	char name[IF_NAMESIZE];
	struct ifaddrs *ifa, *i;
	unsigned int n = 0;

	*oif = lan_device(pol, wan_ifindex);
	if (!*oif || !if_indextoname(*oif, name))
		return 0;
	if (getifaddrs(&ifa))
		return -errno;
	for (i = ifa; i; i = i->ifa_next) {
		struct mxgw_cidr6 c = { .len = 0 };
		struct mxgw_prefix6 p;
		bool dup = false;

		if (!i->ifa_addr || !i->ifa_netmask || i->ifa_addr->sa_family != AF_INET6 ||
		    strcmp(i->ifa_name, name))
			continue;
		memcpy(&c.addr, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, sizeof(c.addr));
		/* link-local is every link's: never a LAN prefix */
		if (in6_link_local(&c.addr))
			continue;
		memcpy(&p.mask, &((struct sockaddr_in6 *)i->ifa_netmask)->sin6_addr,
		       sizeof(p.mask));
		p.net = mxgw_in6_and(&c.addr, &p.mask);
		for (unsigned int k = 0; k < n; k++)
			dup |= mxgw_in6_eq(&lan6[k].net, &p.net) &&
			       mxgw_in6_eq(&lan6[k].mask, &p.mask);
		if (!dup && n < max)
			lan6[n++] = p;
	}
	freeifaddrs(ifa);
	return (int)n;
}

/* The WAN device's IPv6 addresses: global ones first, then link-local. */
static int wan6_of(const char *name, struct mxgw_wan *wan)
{
	struct ifaddrs *ifa, *i;

	if (getifaddrs(&ifa))
		return -errno;
	for (int pass = 0; pass < 2; pass++) {
		for (i = ifa; i; i = i->ifa_next) {
			struct mxgw_in6 a;

			if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET6 ||
			    strcmp(i->ifa_name, name))
				continue;
			memcpy(&a, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, sizeof(a));
			if (in6_link_local(&a) != (pass == 1) ||
			    wan->naddrs6 >= MXGW_WAN6_ADDRS_MAX)
				continue;
			wan->addrs6[wan->naddrs6++] = a;
		}
	}
	freeifaddrs(ifa);
	return 0;
}

int mxgw_wan_of(__u32 ifindex, const struct mxgw_policy *pol, struct mxgw_wan *wan)
{
	__be32 mailserver = pol->mailserver_addr;
	char name[IF_NAMESIZE];
	struct ifaddrs *ifa, *i;
	__u32 oif;
	int n = 0, err;

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
	err = wan6_of(name, wan);
	if (err)
		return err;
	/* a config's lan6 is the operator's word: nothing to look for */
	if (pol->nlan6)
		return 0;
	err = mxgw_lan6_of(pol, ifindex, wan->lan6, MXGW_LAN6_MAX, &oif);
	if (err < 0)
		return err;
	wan->nlan6 = err;
	return 0;
}

/* The devices of @pol's xdp-redirect into @ok: the kernel's answer
 * (auto), none (off), or those named that exist here. */
static int redirect_devices(const struct mxgw_policy *pol, __u32 *ok)
{
	int n = 0;

	switch (pol->xdp_redirect) {
	case MXGW_XDP_REDIRECT_OFF:
		return 0;
	case MXGW_XDP_REDIRECT_DEVICES:
		for (unsigned int i = 0; i < pol->nredirect_devs; i++) {
			__u32 idx = if_nametoindex(pol->redirect_devs[i]);

			if (idx)	/* a name not here: mxctl load says so */
				ok[n++] = idx;
		}
		return n;
	default:
		return mxgw_netdev_xdp_xmit_ifindexes(ok, MXGW_MAX_TX_PORTS);
	}
}

int mxgw_sync_tx_ports(const struct mxgw_maps *m, const struct mxgw_policy *pol)
{
	__u32 ok[MXGW_MAX_TX_PORTS], key, next;
	void *prev = NULL;
	int n, err;

	_Static_assert(MXGW_POLICY_REDIRECT_DEVS <= MXGW_MAX_TX_PORTS, "xdp-redirect's list");
	n = redirect_devices(pol, ok);
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

bool mxgw_fast_path_lost(const struct mxgw_nexthop *nh)
{
	return nh->can_redirect && mxgw_netdev_can_xdp_xmit(nh->ifindex) == 0;
}

int mxgw_size_conntrack(struct mxgw_bpf *skel, __u32 max)
{
	int err = bpf_map__set_max_entries(skel->maps.mxgw_ct, max);

	if (!err)
		err = bpf_map__set_max_entries(skel->maps.mxgw_nat, max);
	/* IPv6's flows: the same limit, a table of their own */
	return err ? err : bpf_map__set_max_entries(skel->maps.mxgw_ct6, max);
}

int mxgw_prog_id_of_fd(int fd, __u32 *id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*id = info.id;
	return 0;
}

int mxgw_prog_name_of_fd(int fd, char *name, size_t len)
{
	struct bpf_prog_info info = {};
	__u32 ilen = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &ilen))
		return -errno;
	snprintf(name, len, "%.*s", (int)sizeof(info.name), info.name);
	return 0;
}

int mxgw_pinned_prog(const char *dir, const char *name, int *fd, __u32 *id)
{
	char path[PATH_MAX];
	int err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	*fd = bpf_obj_get(path);
	if (*fd < 0)
		return -errno;
	err = mxgw_prog_id_of_fd(*fd, id);
	if (err) {
		close(*fd);
		*fd = -1;
	}
	return err;
}

int mxgw_tc_query(__u32 ifindex, __u32 *prog_id)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_EGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = MXGW_TC_HANDLE,
			    .priority = MXGW_TC_PRIORITY);
	int err = bpf_tc_query(&hook, &opts);

	*prog_id = err ? 0 : opts.prog_id;
	return err == -ENOENT || err == -EINVAL ? 0 : err;
}

int mxgw_tc_attach(__u32 ifindex, int prog_fd)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_EGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = MXGW_TC_HANDLE,
			    .priority = MXGW_TC_PRIORITY, .prog_fd = prog_fd,
			    .flags = BPF_TC_F_REPLACE);
	int err = bpf_tc_hook_create(&hook);

	if (err && err != -EEXIST)
		return err;
	/* NLM_F_REPLACE on our handle and priority: the filter's program is
	 * swapped in place, there is no moment without one */
	return bpf_tc_attach(&hook, &opts);
}

int mxgw_tc_detach(__u32 ifindex)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_EGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = MXGW_TC_HANDLE,
			    .priority = MXGW_TC_PRIORITY);

	return bpf_tc_detach(&hook, &opts);
}

/* The shapes of the running ct and nat maps against the config's size. */
static bool ct_resized(const struct mxgw_maps *m, const struct mxgw_policy *pol)
{
	return mxgw_maps_max_entries(m->ct) != pol->conntrack_max ||
	       mxgw_maps_max_entries(m->nat) != pol->conntrack_max;
}

/*
 * mxgw_lan_in where it belongs now (in place: the pinned program): on
 * @lan, and nowhere else.  First of a reload's steps, so that a LAN device
 * that takes no program fails it before the WAN's config changed.
 */
static int lan_reattach(const char *dir, __u32 lan, struct mxgw_load_result *res)
{
	struct mxgw_lan_undo undo;
	__u32 id = 0, where;
	__u8 mode;
	int fd, err;

	if (mxgw_pinned_prog(dir, MXGW_PROG_LAN, &fd, &id))
		return lan ? -ENOENT : 0;
	err = mxgw_lan_where(id, &where, &mode);
	if (!err && lan && where != lan) {
		res->repaired = true;
		err = mxgw_lan_put(lan, fd, &undo);
		mxgw_lan_done(&undo);
		mode = undo.mode;
	}
	if (!err && where && where != lan)
		err = mxgw_xdp_detach(where, id, fd);
	res->lan_generic = lan && mode == XDP_ATTACHED_SKB;
	close(fd);
	return err;
}

/* A config for a running gateway: in place, through the maps, when the
 * same build runs and every map keeps its shape; by mxgw_replace() when
 * not (conntrack-max changed, or another build runs: an upgrade). */
static int reapply(const char *ifname, const char *dir, __u32 ifindex,
		   const struct mxgw_policy *pol, struct mxgw_load_result *res)
{
	struct mxgw_attach_info info;
	struct mxgw_running run;
	struct mxgw_wan wan;
	struct mxgw_maps m;
	int xdp_fd = -1, tc_fd = -1, err;
	bool resize;
	__u32 id;

	err = mxgw_wan_of(ifindex, pol, &wan);
	if (err)
		return err;
	err = mxgw_maps_open_pinned(&m, dir);
	/* -ENOENT: a map of this build has no pin, an older build runs
	 * (one with fewer maps: mxgw_wan_hops, say), or one without the
	 * LAN's program: replaced as for a resize, sharing the maps that
	 * keep their shape; -EPROTO: a build of another ABI runs, upgraded
	 * the same way, its maps migrated (loader/upgrade.c) */
	resize = err == -ENOENT || err == -EPROTO;
	if (err && !resize)
		return err;
	if (!resize && res->lan_ifindex &&
	    mxgw_pinned_prog(dir, MXGW_PROG_LAN, &xdp_fd, &id) == -ENOENT)
		resize = true;
	if (xdp_fd >= 0)
		close(xdp_fd);
	xdp_fd = -1;
	if (!resize && ct_resized(&m, pol)) {
		resize = true;
		res->ct_max_old = mxgw_maps_max_entries(m.ct);
		res->ct_max_new = pol->conntrack_max;
	}
	/* another build's programs run: replaced, never left under a config
	 * of this one's (an upgrade, issue 15) */
	if (!resize) {
		err = mxgw_upgrade_differs(&m, &resize);
		if (err) {
			mxgw_maps_close(&m);
			return err;
		}
	}
	if (resize) {
		mxgw_maps_close(&m);
		mxgw_running_init(&run);
		err = mxgw_running_from_pins(dir, &run);
		if (!err)
			err = mxgw_replace(dir, ifindex, pol, &wan, &run, res);
		mxgw_running_close(&run);
		return err;
	}
	err = lan_reattach(dir, res->lan_ifindex, res);
	res->lan_failed = err != 0;
	if (!err)
		err = mxgw_maps_apply(&m, pol, &wan);
	if (!err)
		res->fast_ports = mxgw_sync_tx_ports(&m, pol);
	mxgw_maps_close(&m);
	if (err)
		return err;

	/* re-attach what someone detached behind our back */
	err = mxgw_query_attach(ifname, &info);
	if (err)
		return err;
	err = mxgw_pinned_prog(dir, MXGW_PROG_XDP, &xdp_fd, &info.pinned_xdp_id);
	if (!err)
		err = mxgw_pinned_prog(dir, MXGW_PROG_TC, &tc_fd, &info.pinned_tc_id);
	if (!err && info.xdp_prog_id != info.pinned_xdp_id) {
		res->repaired = true;
		err = mxgw_xdp_attach(ifindex, xdp_fd, res);
		/* under the dispatcher that is a new component: its pin, or
		 * it goes again (one the pins do not name is not ours) */
		if (!err && mxgw_xdp_fd_is_component(xdp_fd)) {
			err = mxgw_xdp_repin(dir, xdp_fd);
			if (err && !mxgw_prog_id_of_fd(xdp_fd, &id))
				mxgw_xdp_detach(ifindex, id, xdp_fd);
		}
	}
	if (!err && info.tc_prog_id != info.pinned_tc_id) {
		res->repaired = true;
		err = mxgw_tc_attach(ifindex, tc_fd);
	}
	if (xdp_fd >= 0)
		close(xdp_fd);
	if (tc_fd >= 0)
		close(tc_fd);
	return err;
}

/*
 * One load, reload or unload at a time (in any namespace): a replace
 * writes its new pins into a temporary directory and renames them, which
 * two at once would tangle.  flock on bpffs's root, whose inode outlives
 * our directories; without it (bpffs not mounted yet) there is nothing to
 * tangle.  Readers (status, set-service) need no lock: maps are shared.
 */
static int lock_pins(void)
{
	int fd = open(BPFFS_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0 && flock(fd, LOCK_EX)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void unlock_pins(int fd)
{
	if (fd >= 0)
		close(fd);	/* releases the flock */
}

int mxgw_pins_lock(void)
{
	return lock_pins();
}

void mxgw_pins_unlock(int fd)
{
	unlock_pins(fd);
}

/*
 * How mxgw_wan_in goes on the device (issue 15), into @res: a gateway that
 * runs keeps its own way (a reload, a resize, an upgrade never switch:
 * unload and load do), found from its pinned program (a component: the
 * dispatcher) or, pins lost, from what runs; a first load takes the
 * config's (libxdp's LIBXDP_SKIP_DISPATCHER=1 in the environment counts
 * as xdp-attach direct: libxdp would skip the dispatcher anyway), and
 * refuses the dispatcher where it cannot be had, in one line
 * (res->refusal), before anything changed.
 */
static int xdp_attach_mode(const char *ifname, const char *dir, __u32 ifindex,
			   bool pinned, const struct mxgw_policy *pol,
			   struct mxgw_load_result *res)
{
	__u32 id = 0, disp, comp, prio;
	__u8 mode = 0;
	int fd;

	res->xdp_priority = pol->xdp_priority;
	if (pinned && !mxgw_pinned_prog(dir, MXGW_PROG_XDP, &fd, &id)) {
		res->xdp_dispatcher = mxgw_xdp_fd_is_component(fd);
		close(fd);
	} else if (!mxgw_xdp_query(ifindex, &id, &mode) && id &&
		   (fd = mxgw_prog_named(id, MXGW_PROG_XDP)) >= 0) {
		close(fd);	/* mxgw runs there without pins: taken back as it runs */
		res->xdp_dispatcher = mode & MXGW_XDP_DISPATCHER;
	} else if (pol->xdp_attach == MXGW_XDP_ATTACH_DIRECT || mxgw_xdp_skip_dispatcher()) {
		return 0;
	} else {
		res->refusal = mxgw_xdp_share_refusal(ifindex, ifname);
		if (res->refusal)
			return -EOPNOTSUPP;
		res->xdp_dispatcher = true;
		return 0;
	}
	if (res->xdp_dispatcher &&
	    !mxgw_xdp_dispatcher_info(ifindex, &disp, &comp, &prio) && comp)
		res->xdp_priority = prio;
	return 0;
}

static int load_locked(const char *ifname, const char *lan_ifname,
		       const struct mxgw_policy *pol, struct mxgw_load_result *res)
{
	struct mxgw_running run;
	struct mxgw_pins pins;
	struct mxgw_wan wan;
	char dir[PATH_MAX];
	__u32 ifindex;
	int err;

	ifindex = if_nametoindex(ifname);
	if (!ifindex)
		return -ENODEV;
	err = mxgw_pin_dir(ifname, dir, sizeof(dir));
	if (err)
		return err;
	err = mxgw_pins_state(ifname, &pins);
	if (err)
		return err;
	/* a reload keeps the LAN device the fast path runs on */
	if (!lan_ifname && pins.state == MXGW_PINS_OK) {
		struct mxgw_attach_info info;

		if (!mxgw_query_attach(ifname, &info))
			res->lan_ifindex = info.lan_ifindex;
	}
	if (!res->lan_ifindex) {
		err = mxgw_lan_choose(lan_ifname, pol, ifindex, &res->lan_ifindex);
		if (err)
			return err;
	}
	if (res->lan_ifindex) {
		err = mxgw_lan_taken(res->lan_ifindex, ifname);
		if (err < 0)
			return err;
		if (err && lan_ifname) {
			res->lan_failed = true;
			return -EBUSY;
		}
		if (err) {
			/* another WAN's fast path runs there: that one's */
			res->lan_taken = res->lan_ifindex;
			res->lan_ifindex = 0;
		}
	}
	err = xdp_attach_mode(ifname, dir, ifindex, pins.state == MXGW_PINS_OK, pol, res);
	if (err)
		return err;
	switch (pins.state) {
	case MXGW_PINS_OK:
		return reapply(ifname, dir, ifindex, pol, res);
	case MXGW_PINS_RENAMED:
		/* they belong to another name now (mxgw_follow_renames could
		 * not move them): not this device's */
		return -ENOTUNIQ;
	case MXGW_PINS_STALE:
		/* nothing runs them: they would only confuse this load */
		res->stale_removed = true;
		res->stale = pins;
		mxgw_unpin_dir(dir);
		break;
	case MXGW_PINS_NONE:
		break;
	}

	err = mxgw_wan_of(ifindex, pol, &wan);
	if (err)
		return err;
	res->created = true;
	mxgw_running_init(&run);
	/* mxgw's programs running there without pins: take them back */
	err = mxgw_running_from_device(ifindex, &run);
	if (!err)
		res->taken_back = true;
	else if (err != -ENOENT)
		return err;
	err = mxgw_replace(dir, ifindex, pol, &wan, &run, res);
	mxgw_running_close(&run);
	return err;
}

int mxgw_load_lan(const char *ifname, const char *lan_ifname,
		  const struct mxgw_policy *pol, struct mxgw_load_result *res)
{
	int lock, err;

	memset(res, 0, sizeof(*res));
	err = mxgw_ensure_bpffs();
	if (err)
		return err;
	lock = lock_pins();
	err = load_locked(ifname, lan_ifname, pol, res);
	unlock_pins(lock);
	return err;
}

int mxgw_load(const char *ifname, const struct mxgw_policy *pol,
	      struct mxgw_load_result *res)
{
	return mxgw_load_lan(ifname, NULL, pol, res);
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
	if (!mxgw_pinned_prog(dir, MXGW_PROG_XDP, &fd, &info->pinned_xdp_id))
		close(fd);
	if (!mxgw_pinned_prog(dir, MXGW_PROG_TC, &fd, &info->pinned_tc_id))
		close(fd);
	if (!mxgw_pinned_prog(dir, MXGW_PROG_LAN, &fd, &info->pinned_lan_id))
		close(fd);
	err = mxgw_lan_where(info->pinned_lan_id, &info->lan_ifindex, &info->lan_mode);
	if (err)
		return err;
	if (!info->ifindex)
		return 0;	/* the device went away; the pins stay */
	err = mxgw_xdp_query(info->ifindex, &info->xdp_prog_id, &info->xdp_mode);
	if (!err && (info->xdp_mode & MXGW_XDP_DISPATCHER)) {
		__u32 comp;

		err = mxgw_xdp_dispatcher_info(info->ifindex, &info->xdp_dispatcher_id,
					       &comp, &info->xdp_priority);
	}
	if (err)
		return err;
	return mxgw_tc_query(info->ifindex, &info->tc_prog_id);
}

/* No pins, but mxgw's programs run on @ifname (their pins were removed
 * behind our back): detach them by name, XDP first. */
static int unload_orphan(const char *ifname, struct mxgw_unload_result *res)
{
	__u32 ifindex = if_nametoindex(ifname), xdp = 0, tc = 0;
	int fd, err;
	__u8 mode;

	if (!ifindex)
		return -ENOENT;
	err = mxgw_xdp_query(ifindex, &xdp, &mode);
	if (err)
		return err;
	fd = mxgw_prog_named(xdp, MXGW_PROG_XDP);
	if (fd >= 0) {
		err = mxgw_xdp_detach(ifindex, xdp, fd);
		close(fd);
		if (err)
			return err;
		res->orphan = true;
	}
	err = mxgw_tc_query(ifindex, &tc);
	if (err)
		return err;
	fd = mxgw_prog_named(tc, MXGW_PROG_TC);
	if (fd >= 0) {
		close(fd);
		err = mxgw_tc_detach(ifindex);
		if (err)
			return err;
		res->orphan = true;
	}
	return res->orphan ? 0 : -ENOENT;
}

static int unload_locked(const char *ifname, struct mxgw_unload_result *res)
{
	struct mxgw_attach_info info;
	char dir[PATH_MAX];
	int fd, err;

	memset(res, 0, sizeof(*res));
	err = mxgw_pin_dir(ifname, dir, sizeof(dir));
	if (err)
		return err;
	err = mxgw_pins_state(ifname, &res->pins);
	if (err)
		return err;	/* EACCES: not root */
	switch (res->pins.state) {
	case MXGW_PINS_NONE:
		return unload_orphan(ifname, res);
	case MXGW_PINS_RENAMED:
		return -ENOTUNIQ;
	case MXGW_PINS_STALE:
		res->stale = true;
		mxgw_unpin_dir(dir);
		return 0;
	case MXGW_PINS_OK:
		break;
	}
	err = mxgw_query_attach(ifname, &info);
	if (err)
		return err;
	/* the LAN's fast path first: the LAN's packets then take the kernel
	 * and TC as before, until TC goes too */
	err = mxgw_lan_detach_pinned(dir, 0);
	if (err)
		return err;
	/* XDP first: until TC goes too, egress still translates the LAN's
	 * flows or drops them; never a LAN source on the wire from mxgw */
	if (info.ifindex && info.pinned_xdp_id &&
	    !mxgw_pinned_prog(dir, MXGW_PROG_XDP, &fd, &info.pinned_xdp_id)) {
		err = mxgw_xdp_detach(info.ifindex, info.pinned_xdp_id, fd);
		close(fd);
		if (err)
			return err;
	}
	if (info.ifindex && info.tc_prog_id &&
	    info.tc_prog_id == info.pinned_tc_id) {
		err = mxgw_tc_detach(info.ifindex);
		if (err)
			return err;
	}
	mxgw_unpin_dir(dir);
	return 0;
}

int mxgw_unload(const char *ifname, struct mxgw_unload_result *resp)
{
	struct mxgw_unload_result dummy, *res = resp ? resp : &dummy;
	int lock = lock_pins(), err;

	err = unload_locked(ifname, res);
	unlock_pins(lock);
	return err;
}

int mxgw_open_loaded(const char *ifname, struct mxgw_maps *m)
{
	char dir[PATH_MAX];
	int err = mxgw_pin_dir(ifname, dir, sizeof(dir));

	return err ? err : mxgw_maps_open_pinned(m, dir);
}
