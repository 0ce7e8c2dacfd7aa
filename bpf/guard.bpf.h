/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What never passes XDP from the WAN, whatever the table says: frames the
 * parser cannot read to the IP header, martian and spoofed sources, TCP
 * flag combinations netfilter calls invalid, and packets the kernel would
 * forward anywhere (only DNATed services and replies of tracked flows go
 * to the LAN).  XDP runs before the kernel's own checks (ip_route_input's
 * martian tests, rp_filter, conntrack's tcp_error): what XDP forwards by
 * itself, or rewrites and hands on, nobody looks at again.
 */
#ifndef MXGW_GUARD_BPF_H
#define MXGW_GUARD_BPF_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "../maps/mxgw_abi.h"
#include "consts.bpf.h"
#include "maps.bpf.h"
#include "addr6.bpf.h"
#include "log.bpf.h"		/* xdp_drop */

/*
 * 0/8, 127/8, 224/4 and 240/4 (255.255.255.255 among them): what the
 * kernel's ip_route_input calls a martian source (class E included).
 */
static __always_inline bool addr_martian_class(__be32 a)
{
	__u32 net8 = bpf_ntohl(a) >> 24;

	return net8 == 0 || net8 == 127 || net8 >= 224;
}

/*
 * A source no packet to the public address may carry: 0 when it may, else
 * the drop reason.  Checked once, first, on every path (DNAT, replies of
 * tracked flows, ICMP, the gateway's own): 13 compares against the config
 * entry the packet has loaded anyway, lost in bench_prog's noise on the
 * DNAT path.
 */
static __always_inline __u32 source_bad(const struct mxgw_config *cfg, __be32 s)
{
	int i;

	if (addr_martian_class(s))
		return MXGW_DROP_MARTIAN;
	/* the LAN's own addresses and ours cannot come from outside */
	if ((s & cfg->lan_mask) == cfg->lan_net || s == cfg->public_addr)
		return MXGW_DROP_SPOOFED;
#pragma unroll
	for (i = 0; i < MXGW_WAN_ADDRS_MAX; i++) {
		/* an empty slot holds 0.0.0.0, a martian already */
		if (s == cfg->wan_addrs[i])
			return MXGW_DROP_SPOOFED;
		if (s == cfg->wan_bcast[i])
			return MXGW_DROP_MARTIAN;
	}
	return 0;
}

/*
 * An IPv6 source no packet from the WAN to mailserver6 or the LAN may
 * carry: 0 when it may, else the drop reason.  Martian (RFC 4291, RFC
 * 6890): multicast ff00::/8, the unspecified ::, loopback ::1,
 * IPv4-mapped ::ffff:0:0/96 (never on the wire, RFC 4291 2.5.5.2) and,
 * unless @link_local_ok, link-local fe80::/10, which can never be
 * forwarded (RFC 4291 2.5.6).  Spoofed: mailserver6, the LAN's prefixes
 * and the WAN device's own addresses.  Compared against the config entry
 * the packet has loaded anyway.
 */
static __always_inline __u32 source_bad6(const struct mxgw_config *cfg,
					 const void *s, bool link_local_ok)
{
	const __be32 *a = s;

	/* the Internet's sources are global unicast, 2000::/3 (RFC 4291
	 * 2.4): none of the martian ranges below, so one test skips them */
	if ((*(const __u8 *)s & 0xe0) != 0x20) {
		if (in6_multicast(s) || (!link_local_ok && in6_link_local(s)))
			return MXGW_DROP_MARTIAN;
		if (!*(const __u64 *)s &&
		    ((!a[2] && !(a[3] & ~bpf_htonl(1))) || a[2] == bpf_htonl(0xffff)))
			return MXGW_DROP_MARTIAN;
	}
	if (is_mailserver6(cfg, s) || in_lan6(cfg, s) || is_wan6_addr(cfg, s))
		return MXGW_DROP_SPOOFED;
	return 0;
}

/*
 * netfilter's tcp_valid_flags (nf_conntrack_proto_tcp.c) as a bitmap
 * indexed by FIN..URG (flags & 0x3f): SYN, SYN|URG, SYN|ACK, RST,
 * RST|ACK, FIN|ACK, FIN|ACK|URG, ACK, ACK|URG.  netfilter masks PSH (and
 * ECE, CWR) before the lookup, so each also with PSH: the same map
 * shifted by PSH's bit.  One shift and one AND per segment.
 */
#define TCPF(f)		(1ULL << (f))
#define MXGW_TCP_VALID_NO_PSH						\
	(TCPF(TCP_SYN) | TCPF(TCP_SYN | TCP_URG) | TCPF(TCP_SYN | TCP_ACK) |	\
	 TCPF(TCP_RST) | TCPF(TCP_RST | TCP_ACK) | TCPF(TCP_FIN | TCP_ACK) |	\
	 TCPF(TCP_FIN | TCP_ACK | TCP_URG) | TCPF(TCP_ACK) |		\
	 TCPF(TCP_ACK | TCP_URG))
#define MXGW_TCP_VALID	(MXGW_TCP_VALID_NO_PSH | (MXGW_TCP_VALID_NO_PSH << TCP_PSH))

static __always_inline bool tcp_flags_valid(__u8 flags)
{
	return (MXGW_TCP_VALID >> (flags & 0x3f)) & 1;
}

/*
 * Would the kernel forward a packet from @saddr to @daddr that came in on
 * the WAN?  Asked of the FIB as the kernel's input route would (policy
 * rules, source, TOS): a route out of any device (SUCCESS, NO_NEIGH,
 * FRAG_NEEDED, or through an encapsulation, UNSUPP_LWT) forwards it;
 * local, broadcast and multicast routes (NOT_FWDED), forwarding disabled
 * on the WAN device, and blackhole, unreachable and prohibit routes do
 * not (the kernel keeps, answers or drops those).  bpf_fib_lookup costs
 * about eight empty XDP programs: paid only by packets to neither the
 * public address nor a link address, which the gateway never forwards.
 */
static __noinline int fib_forwards(struct xdp_md *ctx, __be32 saddr,
				   __be32 daddr, __u8 tos, __u8 proto)
{
	struct bpf_fib_lookup p = {};
	int ret;

	p.family = AF_INET;
	p.ifindex = ctx->ingress_ifindex;
	p.ipv4_src = saddr;
	p.ipv4_dst = daddr;
	p.tos = tos;
	p.l4_protocol = proto;
	ret = bpf_fib_lookup(ctx, &p, sizeof(p), 0);
	return ret == BPF_FIB_LKUP_RET_SUCCESS || ret == BPF_FIB_LKUP_RET_NO_NEIGH ||
	       ret == BPF_FIB_LKUP_RET_FRAG_NEEDED || ret == BPF_FIB_LKUP_RET_UNSUPP_LWT;
}

/* fib_forwards for an IPv6 packet: the same question, the same answers. */
static __noinline int fib6_forwards(struct xdp_md *ctx, struct ipv6hdr *ip6)
{
	struct bpf_fib_lookup p = {};
	int ret;

	p.family = AF_INET6;
	p.ifindex = ctx->ingress_ifindex;
	/* traffic class and flow label, as the kernel's input route reads them */
	p.flowinfo = *(__be32 *)ip6 & bpf_htonl(0x0fffffff);
	p.l4_protocol = ip6->nexthdr;
	__builtin_memcpy(p.ipv6_src, &ip6->saddr, sizeof(p.ipv6_src));
	__builtin_memcpy(p.ipv6_dst, &ip6->daddr, sizeof(p.ipv6_dst));
	ret = bpf_fib_lookup(ctx, &p, sizeof(p), 0);
	return ret == BPF_FIB_LKUP_RET_SUCCESS || ret == BPF_FIB_LKUP_RET_NO_NEIGH ||
	       ret == BPF_FIB_LKUP_RET_FRAG_NEEDED || ret == BPF_FIB_LKUP_RET_UNSUPP_LWT;
}

/*
 * An IPv4 packet to an address other than the public one.  The link's
 * protocols pass (multicast: VRRP, OSPF; broadcasts: DHCP, and the WAN
 * prefixes' own), and so does anything to the WAN device's addresses (the
 * host's business, as before mxgw).  A LAN address, the gateway's own
 * LAN-side one included, is reachable only through the table: dropped.
 * Anything else the kernel would forward is dropped too: the gateway
 * forwards only DNATed services and replies of tracked flows.
 */
static __always_inline int not_for_us(struct xdp_md *ctx, struct iphdr *ip,
				      const struct mxgw_config *cfg)
{
	__be32 d = ip->daddr;
	int i;

	if ((bpf_ntohl(d) >> 28) == 0xe || d == 0xffffffff)
		goto pass;
#pragma unroll
	for (i = 0; i < MXGW_WAN_ADDRS_MAX; i++)
		if ((cfg->wan_addrs[i] && d == cfg->wan_addrs[i]) ||
		    (cfg->wan_bcast[i] && d == cfg->wan_bcast[i]))
			goto pass;
	if ((d & cfg->lan_mask) == cfg->lan_net)
		return xdp_drop(ctx, MXGW_DROP_TO_LAN);
	if (fib_forwards(ctx, ip->saddr, d, ip->tos, ip->protocol))
		return xdp_drop(ctx, MXGW_DROP_TRANSIT);
pass:
	count(MXGW_PASS_NOT_FOR_US);
	return XDP_PASS;
}

#endif /* MXGW_GUARD_BPF_H */
