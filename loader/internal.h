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

int mxgw_xdp_query(__u32 ifindex, __u32 *prog_id, __u8 *mode);
/* Native XDP first, generic when the driver has none (res says so);
 * never over another program. */
int mxgw_xdp_attach(__u32 ifindex, int prog_fd, struct mxgw_load_result *res);
/* Swap the program attached in @mode (XDP_ATTACHED_*) for @prog_fd,
 * atomically, only if it is still @old_fd's. */
int mxgw_xdp_replace(__u32 ifindex, int prog_fd, int old_fd, __u8 mode);
/* Detach the program if it is still @ours (id) / @ours_fd. */
int mxgw_xdp_detach(__u32 ifindex, __u32 ours, int ours_fd);

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
