/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Loading, attaching and pinning mxgw on a WAN interface: the skeleton
 * lifecycle (open, load, fill maps, pin, attach) with one cleanup path.
 * Returns 0 or a negative errno; nothing is printed here except the notes
 * passed back in struct mxgw_load_result.
 */
#ifndef MXGW_LOADER_H
#define MXGW_LOADER_H

#include <stdbool.h>
#include <net/if.h>
#include <linux/types.h>
#include "../maps/maps.h"

struct mxgw_conf;
struct mxgw_bpf;

/* Our clsact egress filter: fixed so unload finds exactly ours. */
#define MXGW_TC_HANDLE		0x4d58	/* "MX" */
#define MXGW_TC_PRIORITY	1

struct mxgw_attach_info {
	__u32 ifindex;
	__u32 xdp_prog_id;	/* attached now, 0 if none */
	__u8 xdp_mode;		/* XDP_ATTACHED_DRV / _SKB / _HW / _MULTI */
	__u32 tc_prog_id;	/* our egress filter's program, 0 if none */
	__u32 pinned_xdp_id;	/* mxgw's own programs, from the pins */
	__u32 pinned_tc_id;
};

struct mxgw_load_result {
	bool created;		/* false: already loaded, config re-applied */
	bool generic_xdp;	/* native XDP refused, generic (skb) mode used */
	bool repaired;		/* a program had been detached and was re-attached */
	int native_err;		/* why native XDP was refused */
	int fast_ports;		/* devices in mxgw_tx_ports, or -EOPNOTSUPP */
	bool ct_max_pending;	/* conntrack-max differs: takes a new load */
	const char *refusal;	/* the kernel refused the programs: why, in one line */
};

/* The WAN device's ifindex and its IPv4 addresses, and the LAN prefix of
 * @mailserver among the other devices' addresses. */
int mxgw_wan_of(__u32 ifindex, __be32 mailserver, struct mxgw_wan *wan);
/* mxgw_ct and mxgw_nat hold @max entries; before load. */
int mxgw_size_conntrack(struct mxgw_bpf *skel, __u32 max);

/* "/sys/fs/bpf/mxgw/<ifname>" */
int mxgw_pin_dir(const char *ifname, char *buf, size_t len);
/* Mount bpffs on /sys/fs/bpf when it is not there. */
int mxgw_ensure_bpffs(void);

int mxgw_load(const char *ifname, const struct mxgw_conf *conf,
	      struct mxgw_load_result *res);
int mxgw_unload(const char *ifname);

/* Interfaces with pins, sorted; returns how many (up to @max). */
int mxgw_loaded_ifnames(char (*names)[IF_NAMESIZE], int max);
int mxgw_open_loaded(const char *ifname, struct mxgw_maps *m);
int mxgw_query_attach(const char *ifname, struct mxgw_attach_info *info);

/*
 * Put in mxgw_tx_ports exactly the devices that take redirected XDP
 * frames now.  Returns their count, or -EOPNOTSUPP on kernels that do not
 * report xdp-features (the fast path then stays off: the kernel forwards).
 */
int mxgw_sync_tx_ports(const struct mxgw_maps *m);

/*
 * Around a skeleton load: keep the verifier's last words (libbpf's log
 * still goes where it went).  After a failed load, mxgw_refusal() says why
 * in one line: a map type or helper this kernel lacks, probed and named
 * with the Linux version that brought it, or what the verifier said of the
 * program it refused.  NULL when the programs were not refused.
 */
void mxgw_refusal_capture_begin(void);
void mxgw_refusal_capture_end(void);
const char *mxgw_refusal(void);

/* Borrow the map fds of a loaded skeleton (they stay owned by it). */
void mxgw_maps_from_skel(const struct mxgw_bpf *skel, struct mxgw_maps *m);

#endif /* MXGW_LOADER_H */
