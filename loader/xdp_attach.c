// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * How mxgw's XDP programs go on a device, and come off it (issue 15).
 *
 * Directly: the device's one program (bpf_xdp_attach), as before.  Or
 * through libxdp's multi-program dispatcher (xdp-tools), which xdp-filter,
 * xdpdump and xdp-loader also use: the dispatcher is the program attached
 * to the device, and mxgw_wan_in one of its components, an freplace
 * (BPF_PROG_TYPE_EXT) program that libxdp loads itself from a bpf_object.
 *
 * So under the dispatcher the skeleton's mxgw_wan_in (loaded as XDP, as
 * every build loads it) is a template: a second object from the same ELF,
 * its maps the template's own (bpf_map__reuse_fd, as a replace shares
 * them), gives libxdp the component, whose fd then takes the template's
 * place (dup3 over the caller's fd).  What the pins name and what status
 * compares is that component; mxgw_xdp_query() reports it as "attached",
 * with MXGW_XDP_DISPATCHER in the mode.
 *
 * libxdp pins its dispatchers under $LIBXDP_BPFFS (default
 * /sys/fs/bpf/xdp), beside mxgw's /sys/fs/bpf/mxgw.
 */
#define _GNU_SOURCE	/* dup3 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "loader.h"
#include "internal.h"
#include "mxgw.skel.h"

/* libxdp's dispatcher program, as the kernel names it (15 characters) */
#define DISPATCHER_NAME		"xdp_dispatcher"

/* Library code prints nothing: mxctl says what failed, in one line. */
static int quiet(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

static void libxdp_quiet(void)
{
	static bool done;

	if (!done)
		libxdp_set_print(quiet);
	done = true;
}

static int prog_info(int fd, struct bpf_prog_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
}

static bool is_dispatcher(__u32 id)
{
	struct bpf_prog_info info;
	int fd = bpf_prog_get_fd_by_id(id);
	bool yes;

	if (fd < 0)
		return false;
	yes = !prog_info(fd, &info) && info.type == BPF_PROG_TYPE_XDP &&
	      !strcmp(info.name, DISPATCHER_NAME);
	close(fd);
	return yes;
}

bool mxgw_xdp_fd_is_component(int fd)
{
	struct bpf_prog_info info;

	return !prog_info(fd, &info) && info.type == BPF_PROG_TYPE_EXT;
}

static enum xdp_attach_mode libxdp_mode(__u8 mode)
{
	switch (mode & ~MXGW_XDP_DISPATCHER) {
	case XDP_ATTACHED_DRV:
		return XDP_MODE_NATIVE;
	case XDP_ATTACHED_SKB:
		return XDP_MODE_SKB;
	default:
		return XDP_MODE_UNSPEC;
	}
}

int mxgw_xdp_dispatcher_info(__u32 ifindex, __u32 *dispatcher_id, __u32 *prog_id,
			     __u32 *prio)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p = NULL;

	*dispatcher_id = 0;
	*prog_id = 0;
	*prio = 0;
	libxdp_quiet();
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (!mp || libxdp_get_error(mp))
		return 0;
	if (!xdp_multiprog__is_legacy(mp)) {
		*dispatcher_id = xdp_program__id(xdp_multiprog__main_prog(mp));
		/* the first mxgw_wan_in: it decides (its verdicts end the
		 * chain); a second runs only in a replace's moment */
		while ((p = xdp_multiprog__next_prog(p, mp))) {
			if (strcmp(xdp_program__name(p), MXGW_PROG_XDP))
				continue;
			*prog_id = xdp_program__id(p);
			*prio = xdp_program__run_prio(p);
			break;
		}
	}
	xdp_multiprog__close(mp);
	return 0;
}

int mxgw_xdp_query(__u32 ifindex, __u32 *prog_id, __u8 *mode)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	__u32 disp, comp, prio;
	int err = bpf_xdp_query(ifindex, 0, &q);

	if (err)
		return err;
	*prog_id = q.prog_id;
	*mode = q.attach_mode;
	if (!q.prog_id || !is_dispatcher(q.prog_id))
		return 0;
	/* libxdp's dispatcher: mxgw's component is what runs, or nothing */
	err = mxgw_xdp_dispatcher_info(ifindex, &disp, &comp, &prio);
	if (err)
		return err;
	if (disp == q.prog_id) {
		*prog_id = comp;
		*mode |= MXGW_XDP_DISPATCHER;
	}
	return 0;
}

/*
 * Can this kernel run mxgw in libxdp's dispatcher?  libxdp's own check,
 * before anything changes, with a program of ours: xdp-dispatcher.o's
 * xdp_pass loaded, mxgw_probe_ext loaded as its freplace
 * (BPF_PROG_TYPE_EXT) and attached.  Some kernels
 * refuse EXT with EPERM even for root (libxdp would then fall back to a
 * direct attach without a word); Linux 6.13 and 6.12.y refuse (EINVAL) an
 * extension that changes packet data, as mxgw_wan_in does, in a slot that
 * does not, as libxdp 1.3.1's do: mxgw_probe_ext calls
 * bpf_xdp_adjust_tail too.
 */
int mxgw_xdp_dispatcher_probe(void)
{
	DECLARE_LIBXDP_OPTS(xdp_program_opts, o, .find_filename = "xdp-dispatcher.o",
			    .prog_name = "xdp_pass");
	struct bpf_object *obj, *ext = NULL;
	struct xdp_program *tgt;
	struct bpf_program *p, *disp;
	struct bpf_map *map;
	const void *elf;
	size_t sz;
	int err, link;

	libxdp_quiet();
	tgt = xdp_program__create(&o);
	err = libxdp_get_error(tgt);
	if (err || !tgt)
		return err ? err : -ENOENT;
	obj = xdp_program__bpf_obj(tgt);
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, !strcmp(bpf_program__name(p), "xdp_pass"));
	err = bpf_object__load(obj);
	disp = err ? NULL : bpf_object__find_program_by_name(obj, "xdp_pass");
	if (err || !disp) {
		err = err ? err : -ENOENT;
		goto out;
	}
	elf = mxgw_bpf__elf_bytes(&sz);
	ext = bpf_object__open_mem(elf, sz, NULL);
	if (!ext) {
		err = -errno;
		goto out;
	}
	bpf_object__for_each_map(map, ext)
		bpf_map__set_autocreate(map, false);
	bpf_object__for_each_program(p, ext)
		bpf_program__set_autoload(p, !strcmp(bpf_program__name(p), "mxgw_probe_ext"));
	p = bpf_object__find_program_by_name(ext, "mxgw_probe_ext");
	if (!p) {
		err = -ENOENT;
		goto out;
	}
	bpf_program__set_type(p, BPF_PROG_TYPE_EXT);
	bpf_program__set_expected_attach_type(p, 0);
	err = bpf_program__set_attach_target(p, bpf_program__fd(disp), "xdp_pass");
	if (!err)
		err = bpf_object__load(ext);
	if (err)
		goto out;
	link = bpf_raw_tracepoint_open(NULL, bpf_program__fd(p));
	if (link < 0)
		err = -errno;
	else
		close(link);
out:
	bpf_object__close(ext);
	xdp_program__close(tgt);
	return err;
}

/* The map of @obj that kernel map @fd is (names truncated to 15). */
static struct bpf_map *map_named(struct bpf_object *obj, int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct bpf_map *map;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return NULL;
	bpf_object__for_each_map(map, obj)
		if (!strncmp(bpf_map__name(map), info.name, sizeof(info.name) - 1))
			return map;
	return NULL;
}

/*
 * A bpf_object of this build's mxgw_wan_in for libxdp to load as the
 * dispatcher's component, on @tmpl_fd's maps (the template's, loaded and
 * filled): every map it uses reused, no other map created, no other
 * program loaded.
 */
static struct bpf_object *component_object(int tmpl_fd)
{
	struct bpf_prog_info info;
	struct bpf_object *obj;
	struct bpf_program *p;
	struct bpf_map *map;
	__u32 ids[64], n;
	size_t sz;
	const void *elf = mxgw_bpf__elf_bytes(&sz);
	int err;

	err = prog_info(tmpl_fd, &info);
	if (err) {
		errno = -err;
		return NULL;
	}
	n = info.nr_map_ids;
	if (n > 64) {
		errno = E2BIG;
		return NULL;
	}
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = n;
	info.map_ids = (__u64)(unsigned long)ids;
	{
		__u32 len = sizeof(info);

		if (bpf_obj_get_info_by_fd(tmpl_fd, &info, &len))
			return NULL;
	}
	obj = bpf_object__open_mem(elf, sz, NULL);
	if (!obj)
		return NULL;
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, !strcmp(bpf_program__name(p), MXGW_PROG_XDP));
	bpf_object__for_each_map(map, obj)
		bpf_map__set_autocreate(map, false);
	for (__u32 i = 0; i < n && !err; i++) {
		int fd = bpf_map_get_fd_by_id(ids[i]);

		if (fd < 0) {
			err = -errno;
			break;
		}
		map = map_named(obj, fd);
		if (!map)
			err = -ENOKEY;
		else if (!(err = bpf_map__reuse_fd(map, fd)))
			err = bpf_map__set_autocreate(map, true);
		close(fd);	/* reuse_fd took a copy */
	}
	if (err) {
		bpf_object__close(obj);
		errno = -err;
		return NULL;
	}
	return obj;
}

/* In the dispatcher (created or extended) at @prio: program @xp. */
static int dispatch(struct xdp_program *xp, __u32 ifindex, __u32 prio,
		    enum xdp_attach_mode mode, bool *generic)
{
	int err;

	/* mxgw's verdicts are final: a packet it passed (DNATed, or the
	 * host's) goes to the kernel, never to the next component */
	err = xdp_program__set_chain_call_enabled(xp, XDP_PASS, false);
	if (!err)
		err = xdp_program__set_run_prio(xp, prio);
	if (err)
		return err;
	if (mode != XDP_MODE_UNSPEC)
		return xdp_program__attach(xp, ifindex, mode, 0);
	err = xdp_program__attach(xp, ifindex, XDP_MODE_NATIVE, 0);
	if (err && err != -EEXIST && err != -EBUSY) {
		*generic = true;
		err = xdp_program__attach(xp, ifindex, XDP_MODE_SKB, 0);
	}
	return err;
}

/* The mode of the dispatcher on @ifindex now, UNSPEC when none. */
static enum xdp_attach_mode dispatcher_mode(__u32 ifindex)
{
	__u32 id;
	__u8 mode;

	if (mxgw_xdp_query(ifindex, &id, &mode))
		return XDP_MODE_UNSPEC;
	return libxdp_mode(mode);
}

/*
 * @prog_fd into the dispatcher on @ifindex at @prio: a new component from
 * this build's ELF on @prog_fd's maps, whose fd then takes @prog_fd's
 * number.  @prog_fd is the template, or a component no dispatcher runs any
 * more (a repair, a replace's way back): libxdp 1.3.1 sets no priority
 * nor chain-call actions on a loaded program (xdp_program__from_fd takes
 * its BTF's, default 50 and XDP_PASS), so it is never linked again as it
 * is; the caller pins the new one.
 */
static int component_attach(__u32 ifindex, int prog_fd, __u32 prio, bool *generic)
{
	DECLARE_LIBXDP_OPTS(xdp_program_opts, opts, .prog_name = MXGW_PROG_XDP);
	enum xdp_attach_mode mode = dispatcher_mode(ifindex);
	struct bpf_object *obj = NULL;
	struct xdp_program *xp;
	int err, fd;

	libxdp_quiet();
	obj = component_object(prog_fd);
	if (!obj)
		return -errno ? -errno : -EINVAL;
	opts.obj = obj;
	xp = xdp_program__create(&opts);
	err = libxdp_get_error(xp);
	if (err || !xp) {
		bpf_object__close(obj);
		return err ? err : -EINVAL;
	}
	err = dispatch(xp, ifindex, prio, mode, generic);
	fd = xdp_program__fd(xp);
	/* libxdp falls back to a direct attach where the kernel refuses
	 * freplace; the caller probed, but never leave that behind */
	if (!err && !mxgw_xdp_fd_is_component(fd)) {
		xdp_program__detach(xp, ifindex, XDP_MODE_UNSPEC, 0);
		err = -EOPNOTSUPP;
	}
	if (!err && dup3(fd, prog_fd, O_CLOEXEC) < 0) {
		err = -errno;
		xdp_program__detach(xp, ifindex, XDP_MODE_UNSPEC, 0);
	}
	xdp_program__close(xp);
	bpf_object__close(obj);
	return err;
}

static int component_detach(__u32 ifindex, int prog_fd)
{
	struct xdp_program *xp;
	int err;

	libxdp_quiet();
	xp = xdp_program__from_fd(prog_fd);
	err = libxdp_get_error(xp);
	if (err || !xp)
		return err ? err : -EINVAL;
	/* the last component takes the dispatcher with it */
	err = xdp_program__detach(xp, ifindex, XDP_MODE_UNSPEC, 0);
	xdp_program__close(xp);
	return err;
}

int mxgw_xdp_attach(__u32 ifindex, int prog_fd, struct mxgw_load_result *res)
{
	int flags = XDP_FLAGS_UPDATE_IF_NOEXIST;
	__u32 id;
	__u8 mode;
	int err;

	if (res->xdp_dispatcher || mxgw_xdp_fd_is_component(prog_fd)) {
		err = component_attach(ifindex, prog_fd, res->xdp_priority, &res->generic_xdp);
		if (!err && !mxgw_xdp_query(ifindex, &id, &mode))
			res->generic_xdp = (mode & ~MXGW_XDP_DISPATCHER) == XDP_ATTACHED_SKB;
		return err;
	}
	err = bpf_xdp_attach(ifindex, prog_fd, flags | XDP_FLAGS_DRV_MODE, NULL);
	if (!err || err == -EEXIST || err == -EBUSY)
		return err;
	res->native_err = err;
	res->generic_xdp = true;
	return bpf_xdp_attach(ifindex, prog_fd, flags | XDP_FLAGS_SKB_MODE, NULL);
}

static int xdp_mode_flags(__u8 mode)
{
	switch (mode) {
	case XDP_ATTACHED_DRV:
		return XDP_FLAGS_DRV_MODE;
	case XDP_ATTACHED_SKB:
		return XDP_FLAGS_SKB_MODE;
	default:
		return -EOPNOTSUPP;	/* offloaded or several: not mxgw's doing */
	}
}

/*
 * Under the dispatcher, libxdp 1.3.1 has no atomic swap of one component:
 * each change builds a new dispatcher and swaps that in atomically
 * (IFLA_XDP_EXPECTED_FD).  So two swaps: the new component joins at the
 * old one's priority, then the old one leaves.  In between both are in;
 * libxdp orders the loaded old one first (same priority and name), and as
 * mxgw's verdicts end the chain, the old one decides every packet until
 * the second swap: at every moment exactly one mxgw decides, as with a
 * direct replace.
 */
int mxgw_xdp_replace(__u32 ifindex, int prog_fd, int old_fd, __u8 mode)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = old_fd);
	__u32 disp, comp, prio, old_id;
	bool generic = false;
	int flags, err;

	if (mode & MXGW_XDP_DISPATCHER) {
		err = mxgw_prog_id_of_fd(old_fd, &old_id);
		if (!err)
			err = mxgw_xdp_dispatcher_info(ifindex, &disp, &comp, &prio);
		if (err)
			return err;
		if (comp != old_id)
			return -EEXIST;	/* as IFLA_XDP_EXPECTED_FD would say */
		err = component_attach(ifindex, prog_fd, prio, &generic);
		if (err)
			return err;
		err = component_detach(ifindex, old_fd);
		if (err)
			component_detach(ifindex, prog_fd);
		return err;
	}
	flags = xdp_mode_flags(mode);
	if (flags < 0)
		return flags;
	/* IFLA_XDP_EXPECTED_FD: the kernel swaps the program pointer under
	 * RTNL, or fails (-EEXIST) when another program runs by now */
	return bpf_xdp_attach(ifindex, prog_fd, XDP_FLAGS_REPLACE | flags, &opts);
}

int mxgw_xdp_detach(__u32 ifindex, __u32 ours, int ours_fd)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = ours_fd);
	__u32 id;
	__u8 mode;
	int flags, err = mxgw_xdp_query(ifindex, &id, &mode);

	if (err || id != ours)
		return err;	/* not ours (or nothing): leave it alone */
	if (mode & MXGW_XDP_DISPATCHER)
		return component_detach(ifindex, ours_fd);
	flags = xdp_mode_flags(mode);
	if (flags < 0)
		return flags;
	return bpf_xdp_detach(ifindex, XDP_FLAGS_REPLACE | flags, &opts);
}

int mxgw_xdp_repin(const char *dir, int prog_fd)
{
	char tmp[PATH_MAX], path[PATH_MAX];

	/* bpffs refuses names with a dot (its own are dotted) */
	snprintf(tmp, sizeof(tmp), "%s/%s_repin", dir, MXGW_PROG_XDP);
	snprintf(path, sizeof(path), "%s/%s", dir, MXGW_PROG_XDP);
	unlink(tmp);
	if (bpf_obj_pin(prog_fd, tmp))
		return -errno;
	/* over the old pin: a reader finds the old or the new, never none */
	if (rename(tmp, path)) {
		int err = -errno;

		unlink(tmp);
		return err;
	}
	return 0;
}

bool mxgw_xdp_skip_dispatcher(void)
{
	const char *v = secure_getenv("LIBXDP_SKIP_DISPATCHER");

	return v && !strcmp(v, "1");
}

static char refusal[256];

const char *mxgw_xdp_share_refusal(__u32 ifindex, const char *ifname)
{
	struct bpf_prog_info info;
	__u32 id;
	__u8 mode;
	int fd, err;

	if (!mxgw_xdp_query(ifindex, &id, &mode) && id && !(mode & MXGW_XDP_DISPATCHER) &&
	    !is_dispatcher(id)) {
		fd = bpf_prog_get_fd_by_id(id);
		if (fd >= 0 && !prog_info(fd, &info) &&
		    strncmp(info.name, MXGW_PROG_XDP, sizeof(info.name) - 1)) {
			close(fd);
			snprintf(refusal, sizeof(refusal),
				 "XDP program %s (id %u) runs on %s without libxdp's dispatcher, "
				 "so nothing can run beside it: unload it first "
				 "(xdp-attach direct would need the device alone too)",
				 info.name, id, ifname);
			return refusal;
		}
		if (fd >= 0)
			close(fd);
	}
	err = mxgw_xdp_dispatcher_probe();
	if (!err)
		return NULL;
	if (err == -EINVAL)
		snprintf(refusal, sizeof(refusal),
			 "this kernel refuses mxgw in libxdp's dispatcher: its program changes "
			 "packet data and this libxdp's slots do not (Linux 6.13, 6.12.y; "
			 "libxdp 1.5.5 or later): set \"xdp-attach direct\" in the config to "
			 "attach mxgw alone on %s", ifname);
	else
		snprintf(refusal, sizeof(refusal),
			 "this kernel refuses the freplace (BPF_PROG_TYPE_EXT) programs libxdp's "
			 "dispatcher needs (%s): set \"xdp-attach direct\" in the config to "
			 "attach mxgw alone on %s", strerror(-err), ifname);
	return refusal;
}
