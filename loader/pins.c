// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Where an interface's pins live, and what they say of it now.
 *
 * bpffs is one mount for every network namespace, while interface names
 * are per namespace: keyed by name alone, a second namespace's "wan0" was
 * the running gateway's.  So the pins are in
 * /sys/fs/bpf/mxgw/<netns>/<ifname>, and every command sees its own
 * namespace's directory only.  The name stays the key (it is what the
 * operator types and what bpftool paths show); the config entry keeps the
 * ifindex, which survives a rename, so a renamed interface's directory is
 * renamed after it, and pins whose device went away are told from live
 * ones.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include "loader.h"
#include "internal.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE	71	/* Linux 5.14 */
#endif

/* The stale check reads these two fields of mxgw_config whatever its ABI
 * version: they stay first. */
_Static_assert(__builtin_offsetof(struct mxgw_config, abi_version) == 0 &&
	       __builtin_offsetof(struct mxgw_config, wan_ifindex) == 4,
	       "mxgw_config starts with abi_version, wan_ifindex");

int mxgw_netns_id(__u64 *id)
{
	socklen_t len = sizeof(*id);
	struct stat st;
	int fd, err;

	/* AF_UNIX: the unit allows no IP sockets */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		err = getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, id, &len);
		close(fd);
		if (!err && len == sizeof(*id))
			return 0;
	}
	/* before 5.14: the inode, which a later namespace may reuse; its
	 * leftovers are then stale pins, caught by mxgw_pins_state() */
	if (stat("/proc/self/ns/net", &st))
		return -errno;
	*id = st.st_ino;
	return 0;
}

int mxgw_ns_pin_dir(char *buf, size_t len)
{
	__u64 id;
	int n, err = mxgw_netns_id(&id);

	if (err)
		return err;
	n = snprintf(buf, len, "%s/%llu", MXGW_PIN_ROOT, (unsigned long long)id);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int mxgw_pin_dir(const char *ifname, char *buf, size_t len)
{
	char ns[PATH_MAX];
	int n, err = mxgw_ns_pin_dir(ns, sizeof(ns));

	if (err)
		return err;
	n = snprintf(buf, len, "%s/%s", ns, ifname);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int mxgw_mkdir_pins(const char *dir)
{
	char ns[PATH_MAX];
	int err = mxgw_ns_pin_dir(ns, sizeof(ns));

	if (err)
		return err;
	if (mkdir(MXGW_PIN_ROOT, 0700) && errno != EEXIST)
		return -errno;
	if (mkdir(ns, 0700) && errno != EEXIST)
		return -errno;
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

void mxgw_unpin_subdir(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d) {
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			/* the temporary directory of an interrupted replace */
			if (de->d_type == DT_DIR)
				mxgw_unpin_subdir(path);
			else
				unlink(path);
		}
		closedir(d);
	}
	rmdir(dir);
}

void mxgw_unpin_dir(const char *dir)
{
	char ns[PATH_MAX];

	mxgw_unpin_subdir(dir);
	/* these only go when no interface is left */
	if (!mxgw_ns_pin_dir(ns, sizeof(ns)))
		rmdir(ns);
	rmdir(MXGW_PIN_ROOT);
}

/* The ifindex the pins in @dir were loaded on, from the config entry. */
static int pinned_ifindex(const char *dir, __u32 *ifindex)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), key = 0;
	char path[PATH_MAX];
	int fd, err = 0;
	__u32 *val;

	snprintf(path, sizeof(path), "%s/%s", dir, MXGW_MAP_NAME(config));
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		err = -errno;
	else if (info.value_size < 8 || info.value_size > 4096)
		err = -EPROTO;
	val = err ? NULL : calloc(1, info.value_size);
	if (!err && !val)
		err = -ENOMEM;
	if (!err && bpf_map_lookup_elem(fd, &key, val))
		err = -errno;
	if (!err)
		*ifindex = val[1];
	free(val);
	close(fd);
	return err;
}

/* Does the device run the programs pinned in @dir (either of them)? */
static bool runs_pinned(const char *dir, __u32 ifindex)
{
	__u32 xdp = 0, tc = 0, pin_xdp = 0, pin_tc = 0;
	__u8 mode;
	int fd;

	if (!mxgw_pinned_prog(dir, MXGW_PROG_XDP, &fd, &pin_xdp))
		close(fd);
	if (!mxgw_pinned_prog(dir, MXGW_PROG_TC, &fd, &pin_tc))
		close(fd);
	mxgw_xdp_query(ifindex, &xdp, &mode);
	mxgw_tc_query(ifindex, &tc);
	return (pin_xdp && xdp == pin_xdp) || (pin_tc && tc == pin_tc);
}

int mxgw_pins_state(const char *ifname, struct mxgw_pins *p)
{
	char dir[PATH_MAX];
	struct stat st;
	int err;

	memset(p, 0, sizeof(*p));
	err = mxgw_pin_dir(ifname, dir, sizeof(dir));
	if (err)
		return err;
	if (stat(dir, &st))
		return errno == ENOENT ? 0 : -errno;
	err = pinned_ifindex(dir, &p->ifindex);
	if (err == -EPERM || err == -EACCES)
		return err;
	if (err || !p->ifindex) {
		/* half gone (an interrupted load, a partial rm): nothing runs
		 * pins that cannot be read */
		p->ifindex = 0;
		p->state = MXGW_PINS_STALE;
		return 0;
	}
	if (!if_indextoname(p->ifindex, p->ifname_now)) {
		p->ifname_now[0] = '\0';
		p->state = MXGW_PINS_STALE;	/* the device was deleted */
		return 0;
	}
	if (!strcmp(p->ifname_now, ifname))
		p->state = MXGW_PINS_OK;
	else if (runs_pinned(dir, p->ifindex))
		p->state = MXGW_PINS_RENAMED;
	else
		p->state = MXGW_PINS_STALE;	/* its ifindex went to another device */
	return 0;
}

int mxgw_follow_renames(struct mxgw_renamed *out, int max)
{
	char ns[PATH_MAX], from[PATH_MAX], to[PATH_MAX];
	struct dirent *de;
	int n = 0, err;
	DIR *d;

	err = mxgw_ns_pin_dir(ns, sizeof(ns));
	if (err)
		return err;
	d = opendir(ns);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		struct mxgw_pins p, q;
		bool replaced = false;

		if (de->d_name[0] == '.' || strlen(de->d_name) >= IF_NAMESIZE)
			continue;
		if (mxgw_pins_state(de->d_name, &p) || p.state != MXGW_PINS_RENAMED)
			continue;
		snprintf(from, sizeof(from), "%s/%s", ns, de->d_name);
		snprintf(to, sizeof(to), "%s/%s", ns, p.ifname_now);
		/* the new name's own pins can only be stale: its device runs ours */
		if (!mxgw_pins_state(p.ifname_now, &q) && q.state == MXGW_PINS_STALE) {
			mxgw_unpin_dir(to);
			replaced = true;
		}
		/* rename(2) on bpffs moves the directory with every pin in it */
		if (rename(from, to))
			continue;
		if (out && n < max) {
			snprintf(out[n].from, IF_NAMESIZE, "%s", de->d_name);
			snprintf(out[n].to, IF_NAMESIZE, "%s", p.ifname_now);
			out[n].replaced_stale = replaced;
		}
		n++;
	}
	closedir(d);
	return n;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

int mxgw_loaded_ifnames(char (*names)[IF_NAMESIZE], int max)
{
	char ns[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int n = 0, err;

	if (mxgw_ensure_bpffs())
		return 0;
	err = mxgw_ns_pin_dir(ns, sizeof(ns));
	if (err)
		return err;
	mxgw_follow_renames(NULL, 0);
	d = opendir(ns);
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
