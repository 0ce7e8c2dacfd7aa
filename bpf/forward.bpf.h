/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Forwarding to the LAN.  The mail server's next hop is cached per CPU.  bpf_fib_lookup costs about
 * eight empty XDP programs, so the fast path reads the cache and only the
 * first packet after MXGW_NEXTHOP_TTL_NS pays a lookup: a changed MAC,
 * route or device is followed within that time.
 */
#ifndef MXGW_FORWARD_BPF_H
#define MXGW_FORWARD_BPF_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "../maps/mxgw_abi.h"
#include "consts.bpf.h"
#include "maps.bpf.h"
#include "clock.bpf.h"
#include "csum.bpf.h"
#include "addr6.bpf.h"

/* What a lookup for the next hop found, in the cache entry @nh. */
static __always_inline void nexthop_store(struct mxgw_nexthop *nh,
					  const struct bpf_fib_lookup *p,
					  int ret, __u64 now)
{
	nh->fib_ret = ret;
	nh->ifindex = p->ifindex;
	/* on success the kernel returns the route's MTU in mtu_result */
	nh->mtu = ret == BPF_FIB_LKUP_RET_SUCCESS ? p->mtu_result : 0;
	__builtin_memcpy(nh->smac, p->smac, sizeof(nh->smac));
	__builtin_memcpy(nh->dmac, p->dmac, sizeof(nh->dmac));
	nh->can_redirect = ret == BPF_FIB_LKUP_RET_SUCCESS &&
			   bpf_map_lookup_elem(&mxgw_tx_ports, &nh->ifindex);
	nh->refreshed_ns = now;
}

/*
 * The route to @daddr as the kernel would forward a packet arriving on
 * this device from source bits 0-31 of @src_tos with TOS @src_tos >> 32
 * (both 0 where no policy rule needs them: the mail server's next hop).
 * Five arguments at most for a BPF call: two share one.  For both caches,
 * mxgw_nexthop's and the LAN program's mxgw_wan_hops.
 */
static __noinline int nexthop_refresh(struct xdp_md *ctx, struct mxgw_nexthop *nh,
				      __be32 daddr, __u64 src_tos, __u64 now)
{
	struct bpf_fib_lookup p = {};
	int ret;

	p.family = AF_INET;
	p.ifindex = ctx->ingress_ifindex;
	p.ipv4_src = (__be32)src_tos;
	p.ipv4_dst = daddr;
	p.tos = src_tos >> 32;
	p.l4_protocol = IPPROTO_TCP;
	ret = bpf_fib_lookup(ctx, &p, sizeof(p), 0);
	nexthop_store(nh, &p, ret, now);
	nh->daddr = daddr;
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
	now = clock_now();
	if (now - nh->refreshed_ns >= MXGW_NEXTHOP_TTL_NS || nh->daddr != daddr)
		nexthop_refresh(ctx, nh, daddr, 0, now);
	return nh;
}

/*
 * Forward a packet already rewritten to a LAN host: redirect it to the LAN
 * device when the cached next hop allows, else hand it to the kernel,
 * which routes it (and decrements the TTL itself).  Only the mail server's
 * next hop is cached: other LAN hosts take the kernel path.
 *
 * The caller has counted the packet (service stats or ct_reply), and each
 * kernel path has a counter: redirected packets are the difference, so the
 * fast path pays no counter of its own (see mxgw_maps_read_counters).
 */
static __always_inline int forward(struct xdp_md *ctx, struct ethhdr *eth,
				   struct iphdr *ip, int vlans,
				   const struct mxgw_config *cfg)
{
	struct mxgw_nexthop *nh;

	if (ip->daddr != cfg->mailserver_addr) {
		count(MXGW_FWD_KERNEL_OTHER_HOST);
		return XDP_PASS;
	}
	if (vlans) {
		count(MXGW_FWD_KERNEL_VLAN);
		return XDP_PASS;
	}
	if (ip->ihl != 5) {
		count(MXGW_FWD_KERNEL_IP_OPTIONS);
		return XDP_PASS;
	}
	if (ip->ttl <= 1) {
		count(MXGW_FWD_KERNEL_TTL);
		return XDP_PASS;
	}
	nh = nexthop_get(ctx, ip->daddr);
	if (!nh || nh->fib_ret != BPF_FIB_LKUP_RET_SUCCESS) {
		count(nh && nh->fib_ret == BPF_FIB_LKUP_RET_NO_NEIGH ?
		      MXGW_FWD_KERNEL_NO_NEIGH : MXGW_FWD_KERNEL_NO_ROUTE);
		return XDP_PASS;
	}
	if (!nh->can_redirect) {
		count(MXGW_FWD_KERNEL_NO_XMIT);
		return XDP_PASS;
	}
	if (bpf_ntohs(ip->tot_len) > nh->mtu) {
		count(MXGW_FWD_KERNEL_MTU);
		return XDP_PASS;
	}
	/* the device may have left mxgw_tx_ports since the cache was filled
	 * (mxctl reload): then the kernel forwards, the frame untouched */
	if (bpf_redirect_map(&mxgw_tx_ports, nh->ifindex, XDP_PASS) != XDP_REDIRECT) {
		nh->can_redirect = 0;
		count(MXGW_FWD_KERNEL_NO_XMIT);
		return XDP_PASS;
	}
	__builtin_memcpy(eth->h_dest, nh->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, nh->smac, ETH_ALEN);
	ipv4_decrease_ttl(ip);
	/* fwd_redirect is derived: every caller counted the packet already */
	return XDP_REDIRECT;
}

/* IPv6's nexthop_refresh: the route to @dst from @src (all zeros where
 * no policy rule needs it). */
static __noinline int nexthop6_refresh(struct xdp_md *ctx, struct mxgw_nexthop *nh,
				       const struct mxgw_in6 *src,
				       const struct mxgw_in6 *dst, __u64 now)
{
	struct bpf_fib_lookup p = {};
	int ret;

	p.family = AF_INET6;
	p.ifindex = ctx->ingress_ifindex;
	__builtin_memcpy(p.ipv6_src, src, sizeof(p.ipv6_src));
	__builtin_memcpy(p.ipv6_dst, dst, sizeof(p.ipv6_dst));
	p.l4_protocol = IPPROTO_TCP;
	ret = bpf_fib_lookup(ctx, &p, sizeof(p), 0);
	nexthop_store(nh, &p, ret, now);
	nh->daddr6 = *dst;
	count6(MXGW_FIB_REFRESH);
	return ret;
}

static __always_inline struct mxgw_nexthop *nexthop6_get(struct xdp_md *ctx,
							 const struct mxgw_config *cfg)
{
	__u32 key = MXGW_FAM_IPV6;
	struct mxgw_nexthop *nh = bpf_map_lookup_elem(&mxgw_nexthop, &key);
	__u64 now;

	if (!nh)
		return NULL;
	now = clock_now();
	if (now - nh->refreshed_ns >= MXGW_NEXTHOP_TTL_NS ||
	    !in6_eq(&nh->daddr6, &cfg->mailserver6)) {
		const struct mxgw_in6 any = {};

		nexthop6_refresh(ctx, nh, &any, &cfg->mailserver6, now);
	}
	return nh;
}

/*
 * forward() for IPv6: routed, nothing rewritten but the hop limit (IPv6
 * has no header checksum, and the hop limit is in no L4 pseudo header).
 * Only mailserver6's next hop is cached (@to_mail: the packet is to it, as
 * the caller found): other LAN hosts take the kernel path.  A hop-by-hop
 * header (@hbh) is the kernel's to process on the way through (router
 * alert, jumbograms: RFC 8200 4.3), as IPv4's options are.  Larger than
 * the LAN's MTU: the kernel sends Packet Too Big (IPv6 routers never
 * fragment).
 */
static __always_inline int forward6(struct xdp_md *ctx, struct ethhdr *eth,
				    struct ipv6hdr *ip6, int vlans, bool hbh,
				    bool to_mail, const struct mxgw_config *cfg)
{
	struct mxgw_nexthop *nh;

	if (!to_mail) {
		count6(MXGW_FWD_KERNEL_OTHER_HOST);
		return XDP_PASS;
	}
	if (vlans) {
		count6(MXGW_FWD_KERNEL_VLAN);
		return XDP_PASS;
	}
	if (hbh) {
		count6(MXGW_FWD_KERNEL_IP_OPTIONS);
		return XDP_PASS;
	}
	if (ip6->hop_limit <= 1) {
		count6(MXGW_FWD_KERNEL_TTL);
		return XDP_PASS;
	}
	nh = nexthop6_get(ctx, cfg);
	if (!nh || nh->fib_ret != BPF_FIB_LKUP_RET_SUCCESS) {
		count6(nh && nh->fib_ret == BPF_FIB_LKUP_RET_NO_NEIGH ?
		       MXGW_FWD_KERNEL_NO_NEIGH : MXGW_FWD_KERNEL_NO_ROUTE);
		return XDP_PASS;
	}
	if (!nh->can_redirect) {
		count6(MXGW_FWD_KERNEL_NO_XMIT);
		return XDP_PASS;
	}
	if (sizeof(*ip6) + bpf_ntohs(ip6->payload_len) > nh->mtu) {
		count6(MXGW_FWD_KERNEL_MTU);
		return XDP_PASS;
	}
	if (bpf_redirect_map(&mxgw_tx_ports, nh->ifindex, XDP_PASS) != XDP_REDIRECT) {
		nh->can_redirect = 0;
		count6(MXGW_FWD_KERNEL_NO_XMIT);
		return XDP_PASS;
	}
	__builtin_memcpy(eth->h_dest, nh->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, nh->smac, ETH_ALEN);
	ip6->hop_limit--;
	/* fwd_redirect is derived, as IPv4's */
	return XDP_REDIRECT;
}

#endif /* MXGW_FORWARD_BPF_H */
