/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The mail server's next hop, cached per CPU.  bpf_fib_lookup costs about
 * eight empty XDP programs, so the fast path reads the cache and only the
 * first packet after MXGW_NEXTHOP_TTL_NS pays a lookup: a changed MAC,
 * route or device is followed within that time.
 */
#ifndef MXGW_NEXTHOP_BPF_H
#define MXGW_NEXTHOP_BPF_H

#define AF_INET 2

static __noinline int nexthop_refresh(struct xdp_md *ctx, struct mxgw_nexthop *nh,
				      __be32 daddr, __u64 now)
{
	struct bpf_fib_lookup p = {};
	int ret;

	p.family = AF_INET;
	p.ifindex = ctx->ingress_ifindex;
	p.ipv4_dst = daddr;
	p.l4_protocol = IPPROTO_TCP;
	ret = bpf_fib_lookup(ctx, &p, sizeof(p), 0);

	nh->fib_ret = ret;
	nh->ifindex = p.ifindex;
	/* on success the kernel returns the route's MTU in mtu_result */
	nh->mtu = ret == BPF_FIB_LKUP_RET_SUCCESS ? p.mtu_result : 0;
	__builtin_memcpy(nh->smac, p.smac, sizeof(nh->smac));
	__builtin_memcpy(nh->dmac, p.dmac, sizeof(nh->dmac));
	nh->can_redirect = ret == BPF_FIB_LKUP_RET_SUCCESS &&
			   bpf_map_lookup_elem(&mxgw_tx_ports, &nh->ifindex);
	nh->daddr = daddr;
	nh->refreshed_ns = now;
	count(MXGW_FIB_REFRESH);
	return ret;
}

static __always_inline struct mxgw_nexthop *nexthop_get(struct xdp_md *ctx,
							__be32 daddr)
{
	__u32 key = 0;
	struct mxgw_nexthop *nh = bpf_map_lookup_elem(&mxgw_nexthop, &key);
	__u64 now;

	if (!nh)
		return NULL;
	now = bpf_ktime_get_coarse_ns();
	if (now - nh->refreshed_ns >= MXGW_NEXTHOP_TTL_NS || nh->daddr != daddr)
		nexthop_refresh(ctx, nh, daddr, now);
	return nh;
}

#endif /* MXGW_NEXTHOP_BPF_H */
