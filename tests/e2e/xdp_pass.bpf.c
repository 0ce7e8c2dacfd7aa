// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * XDP_PASS, for the far end of a test bed's veth.  A veth hands frames
 * that its peer's XDP program sent back with XDP_TX to its own NAPI ring,
 * but schedules that NAPI only when an XDP program is attached on this
 * side (veth_xdp_flush() in drivers/net/veth.c; GRO on is not enough,
 * unlike XDP_REDIRECT): without one, mxgw's SYN-ACK challenges sit in
 * the ring and the client never sees them.  A NIC needs nothing of the
 * kind.
 */
#include <linux/bpf.h>

__attribute__((section("xdp"), used))
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char _license[] __attribute__((section("license"), used)) = "Dual BSD/GPL";
