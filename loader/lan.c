// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The LAN device's XDP program, mxgw_lan_in (issue 14): which device it
 * goes on, and attaching, swapping and detaching it.  It is pinned with the
 * WAN's programs (in the WAN's pin directory): the device it runs on is
 * found again by the pinned program's id, so nothing else records it.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "loader.h"
#include "internal.h"

int mxgw_lan_choose(const char *lan_ifname, const struct mxgw_policy *pol,
		    __u32 wan_ifindex, __u32 *lan)
{
	__u8 prefix[4], len;
	__u32 oif = 0;
	int err;

	*lan = 0;
	if (lan_ifname) {
		oif = if_nametoindex(lan_ifname);
		if (!oif)
			return -ENODEV;
		if (oif == wan_ifindex)
			return -EINVAL;
		*lan = oif;
		return 0;
	}
	/* the device the kernel forwards to the mail server through */
	err = mxgw_route_to(AF_INET, &pol->mailserver_addr, &oif, prefix, &len);
	if (err == -ENETUNREACH || err == -EHOSTUNREACH)
		return 0;	/* no route: no LAN device to speed up */
	if (err)
		return err;
	/* multipath (0), or the mail server behind the WAN: none */
	if (oif && oif != wan_ifindex && oif != 1 /* lo */)
		*lan = oif;
	return 0;
}

int mxgw_lan_where(__u32 prog_id, __u32 *ifindex, __u8 *mode)
{
	struct if_nameindex *ifs, *i;
	__u32 id;
	__u8 m;

	*ifindex = 0;
	*mode = 0;
	if (!prog_id)
		return 0;
	ifs = if_nameindex();
	if (!ifs)
		return -errno;
	for (i = ifs; i->if_index; i++) {
		if (mxgw_xdp_query(i->if_index, &id, &m) || id != prog_id)
			continue;
		*ifindex = i->if_index;
		*mode = m;
		break;
	}
	if_freenameindex(ifs);
	return 0;
}

int mxgw_lan_put(__u32 lan, int new_fd, struct mxgw_lan_undo *undo)
{
	struct mxgw_load_result scratch = { 0 };
	__u32 id = 0;
	int err, fd;

	memset(undo, 0, sizeof(*undo));
	undo->old_fd = -1;
	undo->ifindex = lan;
	err = mxgw_xdp_query(lan, &id, &undo->mode);
	if (err)
		return err;
	if (!id) {
		err = mxgw_xdp_attach(lan, new_fd, &scratch);
		if (err)
			return err;
		undo->attached = true;
		undo->generic = scratch.generic_xdp;
		return mxgw_xdp_query(lan, &id, &undo->mode);
	}
	/* ours from before (a reload, or pins lost): swapped atomically */
	fd = mxgw_prog_named(id, MXGW_PROG_LAN);
	if (fd < 0)
		return -EBUSY;	/* another program: never replaced */
	err = mxgw_xdp_replace(lan, new_fd, fd, undo->mode);
	if (err) {
		close(fd);
		return err;
	}
	undo->old_fd = fd;
	undo->generic = undo->mode == XDP_ATTACHED_SKB;
	return 0;
}

void mxgw_lan_undo(const struct mxgw_lan_undo *undo, int new_fd)
{
	__u32 id;

	if (!undo->ifindex)
		return;
	if (undo->old_fd >= 0)
		mxgw_xdp_replace(undo->ifindex, undo->old_fd, new_fd, undo->mode);
	else if (undo->attached && !mxgw_prog_id_of_fd(new_fd, &id))
		mxgw_xdp_detach(undo->ifindex, id, new_fd);
}

void mxgw_lan_done(struct mxgw_lan_undo *undo)
{
	if (undo->old_fd >= 0)
		close(undo->old_fd);
	undo->old_fd = -1;
}

int mxgw_lan_detach_pinned(const char *dir, __u32 keep)
{
	__u32 id = 0, where;
	__u8 mode;
	int fd, err;

	if (mxgw_pinned_prog(dir, MXGW_PROG_LAN, &fd, &id))
		return 0;	/* none pinned: none attached by us */
	err = mxgw_lan_where(id, &where, &mode);
	if (!err && where && where != keep)
		err = mxgw_xdp_detach(where, id, fd);
	close(fd);
	return err;
}

/* Is XDP program @id the mxgw_lan_in pinned for another interface than
 * @self (another WAN of this namespace, loaded with the same LAN)? */
static bool pinned_elsewhere(__u32 id, const char *self)
{
	char ns[PATH_MAX], dir[PATH_MAX];
	struct dirent *de;
	bool found = false;
	__u32 pid;
	DIR *d;
	int fd;

	if (mxgw_ns_pin_dir(ns, sizeof(ns)))
		return false;
	d = opendir(ns);
	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, self))
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", ns, de->d_name);
		if (mxgw_pinned_prog(dir, MXGW_PROG_LAN, &fd, &pid))
			continue;
		close(fd);
		found = pid == id;
	}
	closedir(d);
	return found;
}

int mxgw_lan_taken(__u32 lan, const char *self)
{
	__u32 id = 0;
	__u8 mode;
	int err = mxgw_xdp_query(lan, &id, &mode);

	if (err)
		return err;
	return id && pinned_elsewhere(id, self);
}
