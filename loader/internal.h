/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the loader's files share and nothing above loader/ needs: attach,
 * detach and query of the XDP program and of our TC filter, pinned program
 * ids, and the pin directory's housekeeping.  Negative errno, no output.
 */
#ifndef MXGW_LOADER_INTERNAL_H
#define MXGW_LOADER_INTERNAL_H

#include <stdbool.h>
#include <linux/types.h>

struct mxgw_load_result;

int mxgw_prog_id_of_fd(int fd, __u32 *id);
/* The program's name as the kernel keeps it (at most 15 characters). */
int mxgw_prog_name_of_fd(int fd, char *name, size_t len);
/* An fd of program @id if it is named @name (the kernel's 15 characters),
 * else -ENOENT. */
int mxgw_prog_named(__u32 id, const char *name);
/* @dir/@name: a pinned program's fd and id. */
int mxgw_pinned_prog(const char *dir, const char *name, int *fd, __u32 *id);

/*
 * XDP on a device (loader/xdp_attach.c).  Under libxdp's dispatcher the
 * program that "runs" is mxgw_wan_in's component: mxgw_xdp_query reports
 * its id (0: the dispatcher holds no mxgw_wan_in) with
 * MXGW_XDP_DISPATCHER in @mode.
 */
int mxgw_xdp_query(__u32 ifindex, __u32 *prog_id, __u8 *mode);
/* Native XDP first, generic when the driver has none (res says so);
 * never over another program.  Into the dispatcher at res->xdp_priority
 * when res->xdp_dispatcher, or when @prog_fd is a component already (a
 * repair): a new component, on @prog_fd's maps, whose fd replaces
 * @prog_fd (dup3); a component's pin must follow it (mxgw_xdp_repin). */
int mxgw_xdp_attach(__u32 ifindex, int prog_fd, struct mxgw_load_result *res);
/* Swap the program attached in @mode (XDP_ATTACHED_*, with
 * MXGW_XDP_DISPATCHER: the component) for @prog_fd, atomically, only if
 * it is still @old_fd's; under the dispatcher, see xdp_attach.c. */
int mxgw_xdp_replace(__u32 ifindex, int prog_fd, int old_fd, __u8 mode);
/* Detach the program if it is still @ours (id) / @ours_fd. */
int mxgw_xdp_detach(__u32 ifindex, __u32 ours, int ours_fd);
/* Is @fd a dispatcher's component (BPF_PROG_TYPE_EXT)? */
bool mxgw_xdp_fd_is_component(int fd);
/* The dispatcher on @ifindex (0: none), mxgw_wan_in's component in it and
 * its run priority (0: none). */
int mxgw_xdp_dispatcher_info(__u32 ifindex, __u32 *dispatcher_id, __u32 *prog_id,
			     __u32 *prio);
/* Pin @prog_fd as @dir's mxgw_wan_in, renamed over the old pin. */
int mxgw_xdp_repin(const char *dir, int prog_fd);
/* LIBXDP_SKIP_DISPATCHER=1: libxdp's own switch to attach alone. */
bool mxgw_xdp_skip_dispatcher(void);
/* Why mxgw cannot join a dispatcher on @ifindex, in one line; NULL: it can. */
const char *mxgw_xdp_share_refusal(__u32 ifindex, const char *ifname);

/* Our clsact egress filter (MXGW_TC_HANDLE, MXGW_TC_PRIORITY). */
int mxgw_tc_query(__u32 ifindex, __u32 *prog_id);
/* Attach, or replace in place what runs at our handle and priority. */
int mxgw_tc_attach(__u32 ifindex, int prog_fd);
int mxgw_tc_detach(__u32 ifindex);

/*
 * The route the kernel would take to @dst, an address of @family (AF_INET
 * or AF_INET6): its device (0: multipath), prefix (as many bytes as @dst)
 * and prefix length; -errno when there is none (-ENETUNREACH).
 */
int mxgw_route_to(int family, const void *dst, __u32 *oif, void *prefix, __u8 *len);

/* Make the directories down to @dir (0700). */
int mxgw_mkdir_pins(const char *dir);
/* Remove every pin in @dir, @dir, and the directories above it that are
 * left empty. */
void mxgw_unpin_dir(const char *dir);
/* Remove the pins in @dir and @dir (a replace's temporary directory). */
void mxgw_unpin_subdir(const char *dir);

#endif /* MXGW_LOADER_INTERNAL_H */
