/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * mxgw_lan_in: the LAN device's XDP fast path to the WAN (issue 14).
 *
 * Two kinds of packet leave at XDP speed, rewritten as mxgw_wan_out would
 * after the kernel forwarded them: the mail server's replies on incoming
 * connections (mail_reply(): the one rule TC uses too; source -> public,
 * stateless) and packets of LAN flows that mxgw_wan_out already tracks (a
 * live mxgw_ct entry, found as TC finds it, nat_find: source ->
 * public:port, the entry touched as TC touches it; a quiet segment of an
 * established flow finds it in est_cache.bpf.h's per-CPU cache instead,
 * after the first of its tick, with the rest of its rewrite).  They go
 * straight to the WAN device with the WAN next hop's MACs (bpf_fib_lookup,
 * cached per CPU and destination), TTL decremented, checksums incremental
 * (RFC 1624).
 *
 * IPv6 the same way, routed (nothing rewritten but the hop limit):
 * mailserver6's replies and packets of flows mxgw_ct6 tracks.
 *
 * Everything else goes to the kernel unchanged (XDP_PASS), and on through
 * its forwarding and mxgw_wan_out exactly as without this program: a new
 * flow (TC alone decides and creates flows; nothing here ever creates
 * one), a SYN reopening a closed tuple (the policy decides again), a
 * packet larger than the WAN route's MTU, a fragment, IP options, TTL <= 1,
 * VLAN tags, another protocol, IPv6 extension headers (hop-by-hop, say),
 * anything to the LAN's prefix, to the gateway itself, multicast
 * or broadcast, and whatever the FIB does not route out of the WAN device
 * with a resolved neighbour.  So the traffic between LAN hosts and the
 * gateway's own traffic on the LAN are untouched.
 */
#ifndef MXGW_LAN_BPF_H
#define MXGW_LAN_BPF_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "../maps/mxgw_abi.h"
#include "consts.bpf.h"
#include "parse.bpf.h"
#include "csum.bpf.h"
#include "maps.bpf.h"
#include "clock.bpf.h"
#include "forward.bpf.h"
#include "nat.bpf.h"
#include "conntrack.bpf.h"
#include "est_cache.bpf.h"
#include "addr6.bpf.h"

/*
 * WAN next hops, per CPU, MXGW_WAN_HOPS slots chosen by the destination's
 * hash (IPv4 the first half, IPv6 the second): a flow's destination is the same packet after packet, and a few
 * hundred remotes at a time each keep their slot, so most packets pay no
 * bpf_fib_lookup (about eight empty XDP programs): nexthop_refresh() and
 * nexthop6_refresh() of forward.bpf.h, the inbound cache's, with the
 * packet's source (and TOS) for policy routing.  Refreshed after
 * MXGW_NEXTHOP_TTL_NS as the inbound cache is, so a changed route or
 * neighbour is followed within that time.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MXGW_WAN_HOPS);
	__type(key, __u32);
	__type(value, struct mxgw_nexthop);
} mxgw_wan_hops SEC(".maps");

static __always_inline struct mxgw_nexthop *wan_hop_get(struct xdp_md *ctx,
							 const struct iphdr *ip, __u64 now)
{
	__u32 key = mxgw_fib_hash(ip->daddr, MXGW_WAN_HOP_BITS - 1);
	struct mxgw_nexthop *nh;

	nh = bpf_map_lookup_elem(&mxgw_wan_hops, &key);
	if (!nh)
		return NULL;
	if (now - nh->refreshed_ns >= MXGW_NEXTHOP_TTL_NS || nh->daddr != ip->daddr)
		nexthop_refresh(ctx, nh, ip->daddr,
				(__u32)ip->saddr | (__u64)ip->tos << 32, now);
	return nh;
}

static __always_inline struct mxgw_nexthop *wan_hop6_get(struct xdp_md *ctx,
							  const struct ipv6hdr *ip6, __u64 now)
{
	const struct mxgw_in6 *d = (const void *)&ip6->daddr;
	struct mxgw_nexthop *nh;
	__u32 key, h;

	/* read in the packet: a copy on the stack written in words and read
	 * back in double words waits for its stores (no forwarding) */
	h = d->a[0] ^ d->a[1] ^ d->a[2] ^ d->a[3];
	key = MXGW_WAN_HOPS / 2 + mxgw_fib_hash(h, MXGW_WAN_HOP_BITS - 1);
	nh = bpf_map_lookup_elem(&mxgw_wan_hops, &key);
	if (!nh)
		return NULL;
	if (now - nh->refreshed_ns >= MXGW_NEXTHOP_TTL_NS || !in6_eq(d, &nh->daddr6)) {
		struct mxgw_in6 src, dst;

		__builtin_memcpy(&src, &ip6->saddr, sizeof(src));
		__builtin_memcpy(&dst, &ip6->daddr, sizeof(dst));
		nexthop6_refresh(ctx, nh, &src, &dst, now);
	}
	return nh;
}

/* Multicast, limited broadcast or class E: never routed to the WAN here. */
static __always_inline bool ipv4_not_unicast(__be32 a)
{
	return (bpf_ntohl(a) >> 28) >= 0xe;
}

/*
 * A packet of a flow cached in @s (est_slot_hit): it leaves as the packet
 * that filled the slot did, by the same next hop, unless it is larger
 * than that route's MTU or the WAN device no longer takes redirected
 * frames (the slot is dropped then, and the next packet's lookup marks
 * the next hop as the full path does).
 */
static __always_inline int lan_send_cached4(struct mxgw_est_slot *s,
					    struct ethhdr *eth, struct iphdr *ip,
					    struct l4_ref *l4)
{
	if (bpf_ntohs(ip->tot_len) > s->mtu) {
		count(MXGW_LAN_PASS_MTU);
		return XDP_PASS;
	}
	if (bpf_redirect_map(&mxgw_tx_ports, s->ifindex, XDP_PASS) != XDP_REDIRECT) {
		s->tick_ns = 0;
		count(MXGW_LAN_PASS_ROUTE);
		return XDP_PASS;
	}
	est_slot_rewrite(s, eth, ip, l4);
	count_checking_clock(MXGW_SNAT_MASQ);
	count(MXGW_LAN_FAST_ESTABLISHED);
	return XDP_REDIRECT;
}

static __always_inline int lan_in4(struct xdp_md *ctx, struct cursor *c,
				   struct ethhdr *eth)
{
	const __u32 zero = 0;
	struct mxgw_ct_entry *e = NULL;
	struct mxgw_est_slot *slot = NULL;
	struct mxgw_nexthop *nh;
	struct mxgw_config *cfg;
	struct l4_ref l4 = {};
	struct ct_flow f;
	struct iphdr *ip;
	__be16 pport = 0;
	__u64 now, gen = 0;

	ip = parse_ipv4_fixed(c);
	if (!ip)
		goto other;
	cfg = bpf_map_lookup_elem(&mxgw_config, &zero);
	if (!cfg)
		goto other;
	if (ipv4_validate(c, ip, 0) != IPV4_OK || ip->ihl != 5 || ip->ttl <= 1)
		goto other;
	/* the LAN's own traffic, the gateway's addresses on the LAN: the
	 * kernel's (the FIB below says so too, at a lookup's cost) */
	if ((cfg->lan_mask && (ip->daddr & cfg->lan_mask) == cfg->lan_net) ||
	    ipv4_not_unicast(ip->daddr)) {
		count(MXGW_LAN_PASS_LOCAL);
		return XDP_PASS;
	}
	if (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP &&
	    ip->protocol != IPPROTO_ICMP)
		goto other;
	if (!l4_parse(c, ip, &l4))
		goto other;
	/* echo requests are flows as TC tracks them; other ICMP is TC's */
	if (l4.proto == IPPROTO_ICMP && l4.icmp_type != ICMP_ECHO)
		goto other;

	now = clock_now();
	if (!(ip->saddr == cfg->mailserver_addr && l4.proto != IPPROTO_ICMP &&
	      mail_reply(cfg, &l4))) {
		f.proto = l4.proto;
		f.tcp_flags = l4.tcp_flags;
		f.lan_addr = ip->saddr;
		f.lan_port = *l4.sport;
		f.remote_addr = ip->daddr;
		f.remote_port = l4.proto == IPPROTO_ICMP ? 0 : *l4.dport;
		if (est_packet_quiet(f.proto, f.tcp_flags)) {
			gen = ct_gen_read();
			slot = est_slot(&f);
			if (slot && est_slot_hit(slot, &f, cfg, now, gen))
				return lan_send_cached4(slot, eth, ip, &l4);
		}
		e = nat_find(cfg, &f, now, &pport);
		/* a new flow, or one the outgoing column must see again:
		 * mxgw_wan_out decides, and creates */
		if (!e || ct_reopens(e, &f)) {
			count(MXGW_LAN_PASS_NEW);
			return XDP_PASS;
		}
	}

	nh = wan_hop_get(ctx, ip, now);
	if (!nh || nh->fib_ret != BPF_FIB_LKUP_RET_SUCCESS ||
	    nh->ifindex != cfg->wan_ifindex || !nh->can_redirect) {
		/* the gateway's own address (not forwarded), another of its
		 * devices, no neighbour yet (the kernel resolves it) */
		count(nh && nh->fib_ret == BPF_FIB_LKUP_RET_NOT_FWDED ?
		      MXGW_LAN_PASS_LOCAL : MXGW_LAN_PASS_ROUTE);
		return XDP_PASS;
	}
	if (bpf_ntohs(ip->tot_len) > nh->mtu) {
		/* the kernel fragments it, or sends "fragmentation needed" */
		count(MXGW_LAN_PASS_MTU);
		return XDP_PASS;
	}
	if (bpf_redirect_map(&mxgw_tx_ports, nh->ifindex, XDP_PASS) != XDP_REDIRECT) {
		nh->can_redirect = 0;
		count(MXGW_LAN_PASS_ROUTE);
		return XDP_PASS;
	}

	/* nothing can fail from here: the frame leaves rewritten */
	__builtin_memcpy(eth->h_dest, nh->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, nh->smac, ETH_ALEN);
	ipv4_decrease_ttl(ip);
	xdp_snat(ip, &l4, cfg->public_addr, pport);
	if (e) {
		ct_touch(e, f.proto, f.tcp_flags, MXGW_DIR_OUT, now);
		if (slot)	/* a quiet packet, its flow not cached yet */
			est_slot_fill(slot, &f, e, pport, cfg->public_addr,
				      nh, now, gen);
		count_checking_clock(MXGW_SNAT_MASQ);
		count(MXGW_LAN_FAST_ESTABLISHED);
	} else {
		count_checking_clock(MXGW_SNAT_REPLY);
		count(MXGW_LAN_FAST_REPLY);
	}
	return XDP_REDIRECT;
other:
	count(MXGW_LAN_PASS_OTHER);
	return XDP_PASS;
}

/*
 * IPv6 from the LAN: routed, as mxgw_wan_out6 lets it out (mailserver6's
 * replies, flows mxgw_ct6 tracks), the hop limit one less.  Only packets
 * with no extension header: the kernel walks and processes those.
 */
static __always_inline int lan_in6(struct xdp_md *ctx, struct cursor *c,
				   struct ethhdr *eth)
{
	const __u32 zero = 0;
	struct mxgw_ct6_key key;
	struct mxgw_ct_entry *e = NULL;
	struct mxgw_est6_slot *slot = NULL;
	struct mxgw_nexthop *nh;
	struct mxgw_config *cfg;
	struct ipv6hdr *ip6;
	struct l4_ref l4 = {};
	void *l3_end;
	__u32 plen;
	__u64 now, gen = 0;
	bool cached = false;

	ip6 = parse_ipv6_fixed(c);
	if (!ip6)
		goto other;
	plen = ntohs_bounded(ip6->payload_len);
	if (ip6->version != 6 || (void *)(ip6 + 1) + plen > c->end)
		goto other;
	l3_end = (void *)(ip6 + 1) + plen;
	cfg = bpf_map_lookup_elem(&mxgw_config, &zero);
	if (!cfg)
		goto other;
	if (in6_multicast(&ip6->daddr) || in6_link_local(&ip6->daddr) ||
	    in6_link_local(&ip6->saddr) || in_lan6(cfg, &ip6->daddr) ||
	    is_wan6_addr(cfg, &ip6->daddr)) {
		count6(MXGW_LAN_PASS_LOCAL);
		return XDP_PASS;
	}
	if ((ip6->nexthdr != IPPROTO_TCP && ip6->nexthdr != IPPROTO_UDP) ||
	    ip6->hop_limit <= 1)
		goto other;
	if (!l4_parse6(c, ip6->nexthdr, l3_end, &l4))
		goto other;

	now = clock_now();
	if (!(is_mailserver6(cfg, &ip6->saddr) && mail_reply(cfg, &l4))) {
		if (est_packet_quiet(l4.proto, l4.tcp_flags)) {
			gen = ct_gen_read();
			slot = est6_slot(ip6, &l4);
			if (slot && est6_slot_hit(slot, ip6, &l4, now, gen)) {
				cached = true;
				goto route;
			}
		}
		ct6_key_fill(&key, &ip6->saddr, &ip6->daddr, *l4.sport, *l4.dport,
			     l4.proto);
		e = ct6_lookup(cfg, &key, now);
		/* new, or a SYN reopening a closed tuple: mxgw_wan_out6's */
		if (!e || (l4.proto == IPPROTO_TCP && tcp_opens(l4.tcp_flags) &&
			   (e->state == MXGW_CT_TCP_CLOSE ||
			    e->state == MXGW_CT_TCP_TIME_WAIT))) {
			count6(MXGW_LAN_PASS_NEW);
			return XDP_PASS;
		}
	}

route:
	nh = wan_hop6_get(ctx, ip6, now);
	if (!nh || nh->fib_ret != BPF_FIB_LKUP_RET_SUCCESS ||
	    nh->ifindex != cfg->wan_ifindex || !nh->can_redirect) {
		count6(nh && nh->fib_ret == BPF_FIB_LKUP_RET_NOT_FWDED ?
		       MXGW_LAN_PASS_LOCAL : MXGW_LAN_PASS_ROUTE);
		return XDP_PASS;
	}
	if (sizeof(*ip6) + plen > nh->mtu) {
		/* the kernel sends Packet Too Big (RFC 8200: never fragmented) */
		count6(MXGW_LAN_PASS_MTU);
		return XDP_PASS;
	}
	if (bpf_redirect_map(&mxgw_tx_ports, nh->ifindex, XDP_PASS) != XDP_REDIRECT) {
		nh->can_redirect = 0;
		count6(MXGW_LAN_PASS_ROUTE);
		return XDP_PASS;
	}
	__builtin_memcpy(eth->h_dest, nh->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, nh->smac, ETH_ALEN);
	ip6->hop_limit--;
	if (e) {
		ct_touch(e, l4.proto, l4.tcp_flags, MXGW_DIR_OUT, now);
		if (slot)	/* a quiet packet, its flow not cached yet */
			est6_slot_fill(slot, &key, e, now, gen);
	}
	if (e || cached) {
		count6_checking_clock(MXGW_SNAT_MASQ);
		count6(MXGW_LAN_FAST_ESTABLISHED);
	} else {
		count6_checking_clock(MXGW_SNAT_REPLY);
		count6(MXGW_LAN_FAST_REPLY);
	}
	return XDP_REDIRECT;
other:
	count6(MXGW_LAN_PASS_OTHER);
	return XDP_PASS;
}

static __always_inline int lan_in(struct xdp_md *ctx)
{
	struct cursor c = {
		.pos = (void *)(long)ctx->data,
		.end = (void *)(long)ctx->data_end,
	};
	struct ethhdr *eth;
	__be16 proto;
	int vlans;

	eth = parse_eth(&c, &proto, &vlans);
	if (!eth || vlans ||
	    (proto != bpf_htons(ETH_P_IP) && proto != bpf_htons(ETH_P_IPV6))) {
		count(MXGW_LAN_PASS_OTHER);
		return XDP_PASS;
	}
	/* broadcast and multicast frames are the link's */
	if (eth->h_dest[0] & 1) {
		if (proto == bpf_htons(ETH_P_IPV6))
			count6(MXGW_LAN_PASS_LOCAL);
		else
			count(MXGW_LAN_PASS_LOCAL);
		return XDP_PASS;
	}
	if (proto == bpf_htons(ETH_P_IPV6))
		return lan_in6(ctx, &c, eth);
	return lan_in4(ctx, &c, eth);
}

#endif /* MXGW_LAN_BPF_H */
