/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netdev.h - ask the kernel which devices can transmit redirected XDP frames.
 *
 * The XDP redirect fast path only works towards a device whose driver
 * implements ndo_xdp_xmit; redirecting to any other device makes the kernel
 * drop the frame (xdp_redirect_err). The kernel publishes this per device
 * as NETDEV_XDP_ACT_NDO_XMIT in the generic-netlink "netdev" family
 * (Linux 6.3+), so the loader asks once at startup instead of guessing from
 * driver names.
 *
 * The answers are snapshots: xdp-features can change at run time (veth, for
 * one, toggles NDO_XMIT when its peer gains or loses an XDP program or GRO).
 *
 * All functions query the network namespace of the calling thread, never
 * print anything, and return negative errno values on failure.
 */
#ifndef MXGW_LOADER_NETDEV_H
#define MXGW_LOADER_NETDEV_H

#include <linux/types.h>

/*
 * Fill ifindexes[] (up to max) with the devices of the current network
 * namespace that can transmit XDP frames redirected to them
 * (NETDEV_XDP_ACT_NDO_XMIT set in the device's xdp-features), as reported by
 * the kernel's generic-netlink "netdev" family (NETDEV_CMD_DEV_GET dump,
 * attribute NETDEV_A_DEV_XDP_FEATURES, a u64; kernel 6.3+).
 *
 * Returns the number of ifindexes stored (0..max), in the kernel's dump
 * order. Devices beyond max are not stored and not counted, so a return
 * value equal to max may mean the list was cut short: pass a larger array
 * to be sure. max == 0 (ifindexes may then be NULL) is a cheap "is the
 * netdev family there at all" probe.
 *
 * Returns -EOPNOTSUPP when the kernel has no "netdev" genl family (kernels
 * before 6.3: the caller then never uses the XDP redirect fast path),
 * -EINVAL for max < 0 or a NULL array with max > 0, or another negative
 * errno (socket errors, errors reported by the kernel, -EPROTO for a reply
 * that cannot be parsed).
 */
int mxgw_netdev_xdp_xmit_ifindexes(__u32 *ifindexes, int max);

/*
 * Same question for one device: 1 yes, 0 no, negative errno (incl.
 * -EOPNOTSUPP as above). A device that does not exist in the current
 * namespace gives -ENODEV; ifindex 0 gives -ERANGE (the family's attribute
 * policy requires ifindex >= 1). Both are what kernel 6.18 answers; they
 * are passed through unchanged.
 */
int mxgw_netdev_can_xdp_xmit(__u32 ifindex);

#endif /* MXGW_LOADER_NETDEV_H */
