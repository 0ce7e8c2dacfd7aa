// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * make bench, part 2: a reference, not a gateway.
 *
 * bench_fwd does the least any XDP gateway must do to a frame of the
 * bench: rewrite one address (the destination inbound, the source
 * outgoing) with incremental IPv4 and L4 checksum updates, set the MACs,
 * decrement the TTL and redirect to the other device.  No policy, no
 * lookup, no state, no counters, and it trusts the frame to be the bench's
 * (IPv4 without options, TCP or UDP).  Next to it, mxgw's column shows what
 * its table, conntrack and next-hop cache cost; next to the ceiling, what
 * the second veth hop and the sink cost any forwarding gateway.
 *
 * IPv6 (IPv6 routed, as mxgw routes it, nothing translated): the hop limit
 * decremented, the MACs set, the redirect; no checksum to update.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>	/* struct ethhdr, ETH_P_IP */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "bench_frame.h"
#include "../../bpf/csum.bpf.h"	/* the same RFC 1624 updates as mxgw */

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by bench_e2e before load, one object per direction. */
const volatile __u8 rewrite_dst = 1;	/* 1: daddr (DNAT); 0: saddr (SNAT) */
const volatile __be32 new_addr = 0;
const volatile __u8 dmac[6] = {};
const volatile __u8 smac[6] = {};
const volatile __u32 out_ifindex = 0;

static __always_inline int fwd6(void *data, void *data_end)
{
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6 = data + BENCH_IP_OFF;
	int i;

	if (data + BENCH_L4_OFF6 + 20 > data_end ||
	    (ip6->nexthdr != BENCH_PROTO_TCP && ip6->nexthdr != BENCH_PROTO_UDP) ||
	    ip6->hop_limit <= 1)
		return XDP_PASS;
	ip6->hop_limit--;
#pragma unroll
	for (i = 0; i < 6; i++) {
		eth->h_dest[i] = dmac[i];
		eth->h_source[i] = smac[i];
	}
	return bpf_redirect(out_ifindex, 0);
}

SEC("xdp")
int bench_fwd(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + BENCH_IP_OFF;
	__u16 *l4check;
	__be32 old, to = new_addr;
	__u16 c;
	int i;

	if (data + sizeof(*eth) <= data_end && eth->h_proto == bpf_htons(ETH_P_IPV6))
		return fwd6(data, data_end);
	if (data + BENCH_L4_OFF + 20 > data_end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    ip->ihl != 5)
		return XDP_PASS;
	if (ip->protocol == BENCH_PROTO_TCP)
		l4check = data + BENCH_TCP_CSUM_OFF;
	else if (ip->protocol == BENCH_PROTO_UDP)
		l4check = data + BENCH_UDP_CSUM_OFF;
	else
		return XDP_PASS;
	if (rewrite_dst) {
		old = ip->daddr;
		ip->daddr = to;
	} else {
		old = ip->saddr;
		ip->saddr = to;
	}
	ip->check = csum_replace4(ip->check, old, to);
	if (ip->protocol == BENCH_PROTO_TCP || *l4check) {
		c = csum_replace4(*l4check, old, to);
		*l4check = ip->protocol == BENCH_PROTO_UDP && !c ? 0xffff : c;
	}
	ipv4_decrease_ttl(ip);
#pragma unroll
	for (i = 0; i < 6; i++) {
		eth->h_dest[i] = dmac[i];
		eth->h_source[i] = smac[i];
	}
	return bpf_redirect(out_ifindex, 0);
}
