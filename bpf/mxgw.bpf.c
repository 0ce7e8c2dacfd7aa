// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mxgw data plane.
 *
 * mxgw_wan_in (XDP, WAN ingress), for packets to the public address:
 *  - martian and spoofed sources, invalid TCP flags: dropped (guard.bpf.h);
 *  - a listed port: the table decides; allowed ones are rewritten to the
 *    mail server (DNAT, client source kept) and forwarded;
 *  - an unlisted port: a reply of a tracked flow goes back to its LAN host
 *    (or to the gateway, for its own flows); anything else gets "default";
 *  - ICMP: echo to the gateway per icmp-echo, echo replies and errors of
 *    tracked flows translated.
 * To any other address: link protocols and the WAN device's own addresses
 * pass; a LAN address, or one the kernel would forward, is dropped.
 * mxgw_wan_out (TC, WAN egress):
 *  - the mail server's replies from a port that lets incoming connections
 *    in leave with the public address (stateless: the mapping is 1:1);
 *  - LAN flows are checked against the outgoing column and masqueraded;
 *    a TCP flow starts with its SYN;
 *  - the gateway's own flows are recorded so their replies come back;
 *  - what cannot be read or rewritten does not leave.
 * mxgw_lan_in (XDP, LAN ingress): the mail server's replies and packets of
 * flows mxgw_wan_out tracks, rewritten as it would and sent to the WAN at
 * XDP speed; everything else to the kernel and TC as it is (lan.bpf.h).
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
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
#include "log.bpf.h"
#include "guard.bpf.h"
#include "icmp.bpf.h"
#include "addr6.bpf.h"
#include "ban.bpf.h"
#include "blocklist.bpf.h"
#include "limit.bpf.h"
#include "synflood.bpf.h"
#include "lan.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * The XDP verdict of what synflood_in() made of a packet, or -1 for
 * SYN_GO_ON: the caller goes on as without syn-flood.  One mapping for its
 * three call sites (IPv4; IPv6 to mailserver6 and to the gateway).
 */
static __always_inline int syn_verdict(struct xdp_md *ctx, enum syn_act act, bool v6)
{
	switch (act) {
	case SYN_TX:
		return XDP_TX;
	case SYN_DROP:
		return v6 ? xdp_drop6(ctx, MXGW_DROP_SYN_FLOOD) :
			    xdp_drop(ctx, MXGW_DROP_SYN_FLOOD);
	case SYN_VERIFIED:
		return XDP_DROP;
	case SYN_OVER_BUDGET:
		return v6 ? xdp_drop6(ctx, MXGW_DROP_SYN_BUDGET) :
			    xdp_drop(ctx, MXGW_DROP_SYN_BUDGET);
	default:
		return -1;
	}
}

/* A reply of a tracked flow: back to its LAN host, or to the gateway. */
static __always_inline int ct_reply_in(struct xdp_md *ctx, struct ethhdr *eth,
				       struct iphdr *ip, struct l4_ref *l4,
				       int vlans, const struct mxgw_config *cfg,
				       struct mxgw_ct_entry *e, __u64 now)
{
	ct_touch(e, l4->proto, l4->tcp_flags, MXGW_DIR_IN, now);
	if (e->flags & MXGW_CT_F_LOCAL) {
		count(MXGW_PASS_LOCAL);
		return XDP_PASS;
	}
	xdp_dnat(ip, l4, e->lan_addr, e->lan_port, true);
	count_checking_clock(MXGW_CT_REPLY);
	return forward(ctx, eth, ip, vlans, cfg);
}

static __always_inline int icmp_in(struct xdp_md *ctx, struct cursor *c,
				   struct ethhdr *eth, struct iphdr *ip,
				   struct l4_ref *l4, int vlans,
				   const struct mxgw_config *cfg)
{
	struct icmphdr *ic = l4->hdr;
	struct mxgw_ct_entry *e;
	__u64 now;

	if (l4->icmp_type == ICMP_ECHO) {
		if (banned4(cfg, ip->saddr))
			return xdp_drop(ctx, MXGW_DROP_BANNED);
		if (cfg->icmp_echo != MXGW_ALLOW)
			return xdp_drop(ctx, MXGW_DROP_ICMP_ECHO);
		count(MXGW_PASS_ICMP_ECHO);
		return XDP_PASS;
	}
	now = clock_now();
	if (l4->icmp_type == ICMP_ECHOREPLY) {
		e = ct_lookup_in(cfg, IPPROTO_ICMP, ip->saddr, 0, *l4->dport, now);
		if (e)
			return ct_reply_in(ctx, eth, ip, l4, vlans, cfg, e, now);
	} else if (icmp_is_error(l4->icmp_type)) {
		return icmp_error_in(ctx, c, ip, ic, cfg, now);
	}
	return xdp_drop(ctx, MXGW_DROP_ICMP_NO_FLOW);
}

/*
 * IPv6 from the WAN (README, "IPv6").  Routed, never translated: the
 * table's incoming column lets connections in to mailserver6, replies of
 * the LAN's tracked flows (mxgw_ct6) reach any LAN address, and both are
 * forwarded as routed (forward6).  To the WAN device's own addresses only
 * "to gateway" services are the table's; link-local and multicast
 * destinations (neighbour discovery, router advertisements, MLD) are the
 * host's business, as its other IPv4 addresses are.  Everything counts
 * under IPv6's keys.
 */

/* A packet to the WAN device's own IPv6 address (@ip6's destination). */
static __always_inline int wan_in6_gateway(struct xdp_md *ctx, struct cursor *c,
					   void *data, struct ipv6hdr *ip6,
					   void *l3_end, const struct mxgw_config *cfg,
					   int walk)
{
	struct ipv6_chain_info info;
	struct mxgw_port_policy *pol;
	struct l4_ref l4 = {};
	__u32 why, bytes;

	switch (ipv6_walked(walk, data, c, &info)) {
	case IPV6_CHAIN_OK:
		break;
	case IPV6_CHAIN_FRAGMENT:
		/* no ports: the first fragment, which has them, was checked */
		goto pass;
	case IPV6_CHAIN_ROUTING:
		/* the gateway would send it on to the next segment */
		return xdp_drop6(ctx, MXGW_DROP_ROUTING_HEADER);
	case IPV6_CHAIN_EXT:
		/* a "to gateway" service's port could hide behind it */
		return xdp_drop6(ctx, MXGW_DROP_EXT_HEADERS);
	default:
		return xdp_drop6(ctx, MXGW_DROP_MALFORMED);
	}
	if (info.proto != IPPROTO_TCP && info.proto != IPPROTO_UDP)
		goto pass;
	if (!l4_parse6(c, info.proto, l3_end, &l4)) {
		/* cut short: the lists may still see a service's port */
		if ((cfg->flags & MXGW_CFG_F_BLOCKLIST) && !source_bad6(cfg, &ip6->saddr, true) &&
		    mxgw_bl_applies6(ctx, (void *)ip6 - data, walk, false))
			return xdp_drop6(ctx, MXGW_DROP_BLOCKLIST);
		return xdp_drop6(ctx, MXGW_DROP_MALFORMED);
	}
	pol = port_policy(l4.proto, bpf_ntohs(*l4.dport));
	if (!pol || !pol->svc_id || !(pol->flags & MXGW_PORT_F_GATEWAY))
		goto pass;

	/* a link-local source may talk to the gateway: nothing is forwarded */
	why = source_bad6(cfg, &ip6->saddr, true);
	if (why)
		return xdp_drop6(ctx, why);
	if (bl6_drops(cfg, ip6, &l4, pol->svc_id))
		return xdp_drop6(ctx, MXGW_DROP_BLOCKLIST);
	if (l4.proto == IPPROTO_TCP && !tcp_flags_valid(l4.tcp_flags))
		return xdp_drop6(ctx, MXGW_DROP_TCP_FLAGS);
	if (banned6(cfg, &ip6->saddr))
		return xdp_drop6(ctx, MXGW_DROP_BANNED);
	bytes = sizeof(*ip6) + bpf_ntohs(ip6->payload_len);
	if (pol->verdict[MXGW_DIR_IN] != MXGW_ALLOW) {
		count_svc6(pol->svc_id, MXGW_DIR_IN, MXGW_DENY, bytes);
		return xdp_drop6(ctx, MXGW_DROP_SERVICE_DENY);
	}
	if ((pol->flags & MXGW_PORT_F_FROM) && !from6_allowed(pol->svc_id, &ip6->saddr)) {
		count_svc6(pol->svc_id, MXGW_DIR_IN, MXGW_DENY, bytes);
		return xdp_drop6(ctx, MXGW_DROP_NOT_FROM);
	}
	/* rate limits: one test of the config's flags when there are none */
	if ((cfg->flags & MXGW_CFG_F_LIMIT) && limited6(cfg, pol, &l4, &ip6->saddr))
		return xdp_drop6(ctx, MXGW_DROP_RATE_LIMIT);
	if ((cfg->flags & MXGW_CFG_F_SYNFLOOD) && (pol->flags & MXGW_PORT_F_SYNFLOOD) &&
	    l4.proto == IPPROTO_TCP && syn_concerns(l4.tcp_flags)) {
		enum syn_act act = synflood_in(ctx, (void *)ip6 - data, l4.hdr - data,
						       MXGW_FAM_IPV6, pol->svc_id);
		int v = syn_verdict(ctx, act, true);

		if (v >= 0)
			return v;
	}
	count_svc6(pol->svc_id, MXGW_DIR_IN, MXGW_ALLOW, bytes);
	if ((l4.tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
		count6(MXGW_IN_NEW);
		if (log_listened())
			log_xdp(ctx, MXGW_IN_NEW, MXGW_EV_ALLOW);
	}
	count6(MXGW_PASS_GATEWAY_SERVICE);
	return XDP_PASS;
pass:
	count6(MXGW_PASS_NOT_FOR_US);
	return XDP_PASS;
}

/*
 * A reply of a tracked flow of the LAN host @ip6 is addressed to: its
 * entry, or NULL.  A bare SYN is never one (the remote answers a flow's
 * SYN with a SYN-ACK): a SYN flood to closed ports pays no lookup.
 */
static __always_inline struct mxgw_ct_entry *ct6_reply_in(const struct mxgw_config *cfg,
							  struct ipv6hdr *ip6,
							  struct l4_ref *l4)
{
	struct mxgw_ct6_key key = {};
	struct mxgw_ct_entry *e;
	__u64 now;

	if (l4->proto == IPPROTO_TCP && tcp_opens(l4->tcp_flags))
		return NULL;
	now = clock_now();
	ct6_key_fill(&key, &ip6->daddr, &ip6->saddr, *l4->dport,
		     l4->proto == IPPROTO_ICMPV6 ? 0 : *l4->sport, l4->proto);
	e = ct6_lookup(cfg, &key, now);
	if (!e)
		return NULL;
	ct_touch(e, l4->proto, l4->tcp_flags, MXGW_DIR_IN, now);
	count6_checking_clock(MXGW_CT_REPLY);
	return e;
}

/* ICMPv6 to mailserver6 (@to_mail) or another LAN address. */
static __always_inline int icmp6_in(struct xdp_md *ctx, struct cursor *c,
				    struct ethhdr *eth, struct ipv6hdr *ip6,
				    void *l3_end, struct l4_ref *l4, int vlans,
				    bool hbh, const struct mxgw_config *cfg,
				    bool to_mail)
{
	__u32 why;

	if (l4->icmp_type == ICMPV6_ECHO_REQUEST) {
		if (!to_mail)
			return xdp_drop6(ctx, MXGW_DROP_TO_LAN);
		if (banned6(cfg, &ip6->saddr))
			return xdp_drop6(ctx, MXGW_DROP_BANNED);
		if (cfg->icmp_echo != MXGW_ALLOW)
			return xdp_drop6(ctx, MXGW_DROP_ICMP_ECHO);
		count6(MXGW_PASS_ICMP_ECHO);
		return forward6(ctx, eth, ip6, vlans, hbh, to_mail, cfg);
	}
	if (l4->icmp_type == ICMPV6_ECHO_REPLY) {
		if (ct6_reply_in(cfg, ip6, l4))
			return forward6(ctx, eth, ip6, vlans, hbh, to_mail, cfg);
		return xdp_drop6(ctx, MXGW_DROP_ICMP_NO_FLOW);
	}
	if (icmp6_is_error(l4->icmp_type)) {
		why = icmp6_error_in(c, ip6, l3_end, cfg, clock_now());
		if (why)
			return xdp_drop6(ctx, why);
		count6(MXGW_ICMP_XLATE_IN);
		return forward6(ctx, eth, ip6, vlans, hbh, to_mail, cfg);
	}
	/* neighbour discovery and the like are link-local: never beyond
	 * the WAN's link, so never to the LAN */
	return xdp_drop6(ctx, to_mail ? MXGW_DROP_ICMP_NO_FLOW : MXGW_DROP_TO_LAN);
}

/* A packet to mailserver6 (@to_mail) or another address of the LAN;
 * @walk: its extension headers walked (mxgw_ipv6_walk_xdp). */
static __always_inline int wan_in6_lan(struct xdp_md *ctx, struct cursor *c,
				       struct ethhdr *eth, struct ipv6hdr *ip6,
				       void *l3_end, int vlans,
				       const struct mxgw_config *cfg, bool to_mail,
				       int walk)
{
	struct ipv6_chain_info info;
	struct mxgw_port_policy *pol;
	struct l4_ref l4 = {};
	__u32 svc_id = 0, verdict = MXGW_DENY, bytes, why;
	enum ipv6_chain chain;
	bool not_from = false;

	why = source_bad6(cfg, &ip6->saddr, false);
	if (why)
		return xdp_drop6(ctx, why);
	chain = ipv6_walked(walk, eth, c, &info);
	/* blocklists, for what the path drops before it knows a service
	 * (no L4 header: the lists for every port apply; rare, so checked
	 * apart, the header parsed again) */
	if (to_mail && (chain != IPV6_CHAIN_OK || info.frag == IPV6_FRAG_FIRST) &&
	    (cfg->flags & MXGW_CFG_F_BLOCKLIST) &&
	    mxgw_bl_applies6(ctx, (void *)ip6 - (void *)eth, walk, true))
		return xdp_drop6(ctx, MXGW_DROP_BLOCKLIST);
	switch (chain) {
	case IPV6_CHAIN_OK:
		if (info.frag != IPV6_FRAG_FIRST)
			break;
		/* fall through: a fragment, as IPv4's */
	case IPV6_CHAIN_FRAGMENT:
		return xdp_drop6(ctx, MXGW_DROP_FRAGMENT);
	case IPV6_CHAIN_ROUTING:
		return xdp_drop6(ctx, MXGW_DROP_ROUTING_HEADER);
	case IPV6_CHAIN_EXT:
		return xdp_drop6(ctx, MXGW_DROP_EXT_HEADERS);
	default:
		return xdp_drop6(ctx, MXGW_DROP_MALFORMED);
	}
	if (info.proto != IPPROTO_TCP && info.proto != IPPROTO_UDP &&
	    info.proto != IPPROTO_ICMPV6) {
		if (!to_mail)
			return xdp_drop6(ctx, MXGW_DROP_TO_LAN);
		if ((cfg->flags & MXGW_CFG_F_BLOCKLIST) &&
		    mxgw_bl_applies6(ctx, (void *)ip6 - (void *)eth, walk, true))
			return xdp_drop6(ctx, MXGW_DROP_BLOCKLIST);
		if (banned6(cfg, &ip6->saddr))
			return xdp_drop6(ctx, MXGW_DROP_BANNED);
		if (cfg->default_in != MXGW_ALLOW)
			return xdp_drop6(ctx, MXGW_DROP_OTHER_PROTO);
		count6(MXGW_PASS_OTHER_PROTO);
		return forward6(ctx, eth, ip6, vlans, info.hbh, to_mail, cfg);
	}
	if (!l4_parse6(c, info.proto, l3_end, &l4)) {
		/* cut short: the lists may still see a service's port */
		if (to_mail && (cfg->flags & MXGW_CFG_F_BLOCKLIST) &&
		    mxgw_bl_applies6(ctx, (void *)ip6 - (void *)eth, walk, true))
			return xdp_drop6(ctx, MXGW_DROP_BLOCKLIST);
		return xdp_drop6(ctx, MXGW_DROP_MALFORMED);
	}
	if (l4.proto == IPPROTO_ICMPV6) {
		/* the lists take echo requests, as an unlisted port's packets;
		 * replies and errors pass only for a flow (icmp6_in) */
		if (to_mail && l4.icmp_type == ICMPV6_ECHO_REQUEST && bl6_drops(cfg, ip6, &l4, 0))
			return xdp_drop6(ctx, MXGW_DROP_BLOCKLIST);
		return icmp6_in(ctx, c, eth, ip6, l3_end, &l4, vlans, info.hbh, cfg,
				to_mail);
	}
	if (to_mail) {
		/* the port's service, for the lists first: they come before
		 * the TCP flags' check, as before the table */
		pol = port_policy(l4.proto, bpf_ntohs(*l4.dport));
		if (!pol)
			return XDP_DROP;
		svc_id = pol->svc_id;
		if (bl6_drops(cfg, ip6, &l4, svc_id))
			return xdp_drop6(ctx, MXGW_DROP_BLOCKLIST);
	}
	if (l4.proto == IPPROTO_TCP && !tcp_flags_valid(l4.tcp_flags))
		return xdp_drop6(ctx, MXGW_DROP_TCP_FLAGS);

	bytes = sizeof(*ip6) + bpf_ntohs(ip6->payload_len);
	if (to_mail) {
		/* a "to gateway" service is the gateway's, not the mail server's */
		if (!svc_id)
			verdict = cfg->default_in;
		else if (!(pol->flags & MXGW_PORT_F_GATEWAY))
			verdict = pol->verdict[MXGW_DIR_IN];
		if (verdict == MXGW_ALLOW) {
			not_from = (pol->flags & MXGW_PORT_F_FROM) &&
				   !from6_allowed(svc_id, &ip6->saddr);
			if (!not_from) {
				if (banned6(cfg, &ip6->saddr))
					return xdp_drop6(ctx, MXGW_DROP_BANNED);
				if ((cfg->flags & MXGW_CFG_F_LIMIT) &&
				    limited6(cfg, pol, &l4, &ip6->saddr))
					return xdp_drop6(ctx, MXGW_DROP_RATE_LIMIT);
				if ((cfg->flags & MXGW_CFG_F_SYNFLOOD) &&
				    (pol->flags & MXGW_PORT_F_SYNFLOOD) &&
				    l4.proto == IPPROTO_TCP && syn_concerns(l4.tcp_flags)) {
					enum syn_act act =
						synflood_in(ctx, (void *)ip6 - (void *)eth,
							    l4.hdr - (void *)eth,
							    MXGW_FAM_IPV6, svc_id);
					int v = syn_verdict(ctx, act, true);

					if (v >= 0)
						return v;
				}
				count_svc6(svc_id, MXGW_DIR_IN, MXGW_ALLOW, bytes);
				if ((l4.tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
					count6(MXGW_IN_NEW);
					if (log_listened())
						log_xdp(ctx, MXGW_IN_NEW, MXGW_EV_ALLOW);
				}
				return forward6(ctx, eth, ip6, vlans, info.hbh, to_mail, cfg);
			}
		}
	}
	/* not let in by the table: a reply of the LAN's own flow, or nothing
	 * (routed, a LAN flow's port may be a listed one: a resolver
	 * querying from port 53, say, or a flow opened while its port was
	 * denied incoming) */
	if (ct6_reply_in(cfg, ip6, &l4))
		return forward6(ctx, eth, ip6, vlans, info.hbh, to_mail, cfg);
	if (!to_mail)
		return xdp_drop6(ctx, MXGW_DROP_TO_LAN);
	if (banned6(cfg, &ip6->saddr))
		return xdp_drop6(ctx, MXGW_DROP_BANNED);
	/* drop_service_deny, drop_default_deny: derived from these counts */
	count_svc6(svc_id, MXGW_DIR_IN, MXGW_DENY, bytes);
	if (not_from)
		return xdp_drop6(ctx, MXGW_DROP_NOT_FROM);
	return xdp_drop6(ctx, svc_id ? MXGW_DROP_SERVICE_DENY : MXGW_DROP_DEFAULT_DENY);
}

/*
 * mxgw_wan_in's IPv6, inlined behind its one compare of the EtherType
 * (IPv4's path runs none of it).  As a global function (verified once on
 * its own) the allowed IPv6 path cost 1.07x to 1.14x IPv4's DNAT path in
 * bench_prog: the call, and a frame parsed again from the context; inline
 * 0.96x to 1.00x, for 111k instructions verified instead of 68k (of the
 * 1M; 6.1 takes it).  @l3_off: where the IPv6 header starts, after @vlans
 * tags.
 */
static __always_inline int mxgw_wan_in6(struct xdp_md *ctx, __u64 l3_off, int vlans)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct cursor c = { .end = end };
	const __u32 zero = 0;
	struct mxgw_config *cfg;
	struct ipv6hdr *ip6;
	struct ethhdr *eth;
	void *l3_end;
	__u32 plen;
	bool to_mail;
	int walk;

	/* the frame read again from the context, @l3_off checked again (it
	 * costs nothing measurable and keeps this path's bounds its own):
	 * the asm keeps clang from using a copy of @l3_off from before it */
	asm volatile("" : "+r"(l3_off));
	if (l3_off > sizeof(*eth) + MXGW_MAX_VLANS * sizeof(struct vlan_hdr) ||
	    l3_off < sizeof(*eth) || data + sizeof(*eth) > end)
		return XDP_DROP;	/* not called so */
	eth = data;
	c.pos = data + l3_off;
	ip6 = parse_ipv6_fixed(&c);
	if (!ip6)
		return xdp_drop6(ctx, MXGW_DROP_MALFORMED);
	plen = ntohs_bounded(ip6->payload_len);
	/* link padding may follow the packet, never less than it says */
	if (ip6->version != 6 || (void *)(ip6 + 1) + plen > end)
		return xdp_drop6(ctx, MXGW_DROP_MALFORMED);
	l3_end = (void *)(ip6 + 1) + plen;
	cfg = bpf_map_lookup_elem(&mxgw_config, &zero);
	if (!cfg)
		goto pass;

	/* most packets carry no extension headers: no walk to call */
	walk = ipv6_no_ext(ip6->nexthdr) ? ipv6_walk_none(ip6->nexthdr, l3_off) :
					   mxgw_ipv6_walk_xdp(ctx, l3_off);
	to_mail = is_mailserver6(cfg, &ip6->daddr);
	if (!to_mail && !is_wan6_addr(cfg, &ip6->daddr))
		goto not_mine;
	/* blocklists: in the paths, after the source checks (a spoofed or
	 * martian source is dropped under its own name), where the ports
	 * are parsed and the port's service known (bl6_drops) */
	if (to_mail)
		return wan_in6_lan(ctx, &c, eth, ip6, l3_end, vlans, cfg, true, walk);
	return wan_in6_gateway(ctx, &c, eth, ip6, l3_end, cfg, walk);
not_mine:
	if (in6_multicast(&ip6->daddr) || in6_link_local(&ip6->daddr))
		goto pass;
	if (in_lan6(cfg, &ip6->daddr))
		return wan_in6_lan(ctx, &c, eth, ip6, l3_end, vlans, cfg, false, walk);
	/* only mailserver6's services and the LAN's flows are forwarded */
	if (fib6_forwards(ctx, ip6))
		return xdp_drop6(ctx, MXGW_DROP_TRANSIT);
pass:
	count6(MXGW_PASS_NOT_FOR_US);
	return XDP_PASS;
}

SEC("xdp")
int mxgw_wan_in(struct xdp_md *ctx)
{
	struct cursor c = {
		.pos = (void *)(long)ctx->data,
		.end = (void *)(long)ctx->data_end,
	};
	const __u32 zero = 0;
	struct mxgw_port_policy *pol;
	struct mxgw_config *cfg;
	struct mxgw_ct_entry *e;
	struct l4_ref l4 = {};
	struct ethhdr *eth;
	struct iphdr *ip;
	__u32 svc_id, verdict, bytes, why;
	__u64 now;
	__be16 proto;
	int vlans;

	/* a frame cut short, or with more tags than parse_eth takes, is one
	 * the kernel may still read (it strips VID 0 tags): never passed */
	eth = parse_eth(&c, &proto, &vlans);
	if (!eth)
		return xdp_drop(ctx, MXGW_DROP_MALFORMED);
	if (proto != bpf_htons(ETH_P_IP)) {
		if (proto == bpf_htons(ETH_P_IPV6))
			return mxgw_wan_in6(ctx, c.pos - (void *)eth, vlans);
		if (eth_is_vlan(proto))
			return xdp_drop(ctx, MXGW_DROP_VLAN_DEPTH);
		count(MXGW_PASS_NON_IP);
		return XDP_PASS;
	}
	ip = parse_ipv4_fixed(&c);
	if (!ip)
		return xdp_drop(ctx, MXGW_DROP_MALFORMED);
	cfg = bpf_map_lookup_elem(&mxgw_config, &zero);
	if (!cfg) {
		count(MXGW_PASS_NOT_FOR_US);
		return XDP_PASS;
	}
	if (ip->daddr != cfg->public_addr)
		return not_for_us(ctx, ip, cfg);
	why = source_bad(cfg, ip->saddr);
	if (why)
		return xdp_drop(ctx, why);
	/* blocklists: one test of the config's flags when there are none */
	if (cfg->flags & MXGW_CFG_F_BLOCKLIST) {
		__u32 bits = bl_lookup4(ip->saddr);

		if (bits && mxgw_bl_applies4(ctx, (void *)ip - (void *)eth, bits))
			return xdp_drop(ctx, MXGW_DROP_BLOCKLIST);
	}

	switch (ipv4_validate(&c, ip, 0)) {
	case IPV4_OK:
		break;
	case IPV4_FRAGMENT:
		return xdp_drop(ctx, MXGW_DROP_FRAGMENT);
	default:
		return xdp_drop(ctx, MXGW_DROP_MALFORMED);
	}
	if (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP &&
	    ip->protocol != IPPROTO_ICMP) {
		if (banned4(cfg, ip->saddr))
			return xdp_drop(ctx, MXGW_DROP_BANNED);
		if (cfg->default_in == MXGW_ALLOW) {
			count(MXGW_PASS_OTHER_PROTO);
			return XDP_PASS;
		}
		return xdp_drop(ctx, MXGW_DROP_OTHER_PROTO);
	}
	if (!l4_parse(&c, ip, &l4))
		return xdp_drop(ctx, MXGW_DROP_MALFORMED);
	if (l4.proto == IPPROTO_ICMP)
		return icmp_in(ctx, &c, eth, ip, &l4, vlans, cfg);
	if (l4.proto == IPPROTO_TCP && !tcp_flags_valid(l4.tcp_flags))
		return xdp_drop(ctx, MXGW_DROP_TCP_FLAGS);

	pol = port_policy(l4.proto, bpf_ntohs(*l4.dport));
	if (!pol)
		return XDP_DROP;
	svc_id = pol->svc_id;
	bytes = bpf_ntohs(ip->tot_len);

	if (!svc_id) {
		/* never a mapped port (nat_alloc skips listed ones): so the
		 * DNAT fast path above pays no conntrack lookup */
		now = clock_now();
		e = ct_lookup_in(cfg, l4.proto, ip->saddr, *l4.sport, *l4.dport, now);
		if (e)
			return ct_reply_in(ctx, eth, ip, &l4, vlans, cfg, e, now);
		verdict = cfg->default_in;
	} else {
		verdict = pol->verdict[MXGW_DIR_IN];
	}
	/* not a reply of a tracked flow (those were let on above) */
	if (banned4(cfg, ip->saddr))
		return xdp_drop(ctx, MXGW_DROP_BANNED);

	/* drop_service_deny, drop_default_deny: derived from these counts */
	if (verdict != MXGW_ALLOW) {
		count_svc(svc_id, MXGW_DIR_IN, MXGW_DENY, bytes);
		return xdp_drop(ctx, svc_id ? MXGW_DROP_SERVICE_DENY :
					      MXGW_DROP_DEFAULT_DENY);
	}
	if ((pol->flags & MXGW_PORT_F_FROM) && !from_allowed(svc_id, ip->saddr)) {
		count_svc(svc_id, MXGW_DIR_IN, MXGW_DENY, bytes);
		return xdp_drop(ctx, MXGW_DROP_NOT_FROM);
	}
	/* rate limits: one test of the config's flags when there are none */
	if ((cfg->flags & MXGW_CFG_F_LIMIT) && limited4(cfg, pol, &l4, ip->saddr))
		return xdp_drop(ctx, MXGW_DROP_RATE_LIMIT);
	/* SYN floods: one test of the config's flags when there is no
	 * syn-flood, the port's when its service has none */
	if ((cfg->flags & MXGW_CFG_F_SYNFLOOD) && (pol->flags & MXGW_PORT_F_SYNFLOOD) &&
	    l4.proto == IPPROTO_TCP && syn_concerns(l4.tcp_flags)) {
		enum syn_act act = synflood_in(ctx, (void *)ip - (void *)eth, l4.hdr - (void *)eth,
						       MXGW_FAM_IPV4, svc_id);
		int v = syn_verdict(ctx, act, false);

		if (v >= 0)
			return v;
	}
	count_svc(svc_id, MXGW_DIR_IN, MXGW_ALLOW, bytes);
	/* a new connection: counted (one increment per connection, on its
	 * SYN, as ct_new for outgoing ones), and the event shows it before
	 * the rewrite */
	if ((l4.tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
		count(MXGW_IN_NEW);
		if (log_listened())
			log_xdp(ctx, MXGW_IN_NEW, MXGW_EV_ALLOW);
	}
	if (pol->flags & MXGW_PORT_F_GATEWAY) {
		/* "to gateway": the gateway's own stack answers, as it is */
		count(MXGW_PASS_GATEWAY_SERVICE);
		return XDP_PASS;
	}
	xdp_dnat(ip, &l4, cfg->mailserver_addr, 0, false);
	return forward(ctx, eth, ip, vlans, cfg);
}

/*
 * Make sure the headers mxgw_wan_out reads are in the skb's linear part:
 * a forwarded or locally built segment often carries everything after
 * the first bytes in page fragments.  Pulls only when they are not.  A
 * subprogram of its own, so clang cannot keep ctx field addresses from
 * before the pull (the verifier refuses those).
 */
#define MXGW_MAX_HDRS	(14 + 4 * MXGW_MAX_VLANS + 60 + 8 + 20 + 20)
/* IPv6: the fixed header, extension headers, ICMPv6 and the 48 bytes of
 * a quote it reads */
#define MXGW_MAX_HDRS6	(14 + 4 * MXGW_MAX_VLANS + 40 + MXGW_IPV6_EXT_BYTES + 8 + 40 + 8)

static __noinline int tc_linearize_headers(struct __sk_buff *skb, __u32 max)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	__u64 want = skb->len;

	if (want > max)
		want = max;
	if (data + want > data_end)
		return bpf_skb_pull_data(skb, want);
	return 0;
}

static __always_inline bool is_wan_addr(const struct mxgw_config *cfg, __be32 a)
{
	int i;

	if (a == cfg->public_addr)
		return true;
#pragma unroll
	for (i = 0; i < MXGW_WAN_ADDRS_MAX; i++)
		if (cfg->wan_addrs[i] && cfg->wan_addrs[i] == a)
			return true;
	return false;
}

/* Is @port a "to gateway" service's port (the gateway answering)? */
static __always_inline bool gateway_service_port(const struct l4_ref *l4,
						 __be16 port)
{
	struct mxgw_port_policy *pol;

	if (l4->proto == IPPROTO_ICMP)
		return false;
	pol = port_policy(l4->proto, bpf_ntohs(port));
	return pol && (pol->flags & MXGW_PORT_F_GATEWAY);
}

/*
 * Outgoing policy for a new LAN flow to @dport: 0 when allowed, else the
 * drop reason.  Counts the service's packet either way, under @fam's key.
 */
static __always_inline __u32 out_allowed_fam(const struct mxgw_config *cfg,
					     struct l4_ref *l4, __u32 bytes,
					     __u32 fam)
{
	struct mxgw_port_policy *pol;
	__u32 verdict, svc_id = 0;

	if (l4->proto == (fam == MXGW_FAM_IPV6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP))
		return 0;	/* echo: not a port of the table */
	pol = port_policy(l4->proto, bpf_ntohs(*l4->dport));
	if (!pol)
		return MXGW_DROP_OUT_DEFAULT_DENY;
	svc_id = pol->svc_id;
	verdict = svc_id ? pol->verdict[MXGW_DIR_OUT] : cfg->default_out;
	count_svc_key(mxgw_svc_key(fam, svc_id), MXGW_DIR_OUT, verdict, bytes);
	if (verdict == MXGW_ALLOW)
		return 0;
	return svc_id ? MXGW_DROP_OUT_SERVICE_DENY : MXGW_DROP_OUT_DEFAULT_DENY;
}

static __always_inline __u32 out_allowed(const struct mxgw_config *cfg,
					 struct l4_ref *l4, __u32 bytes)
{
	return out_allowed_fam(cfg, l4, bytes, MXGW_FAM_IPV4);
}

/*
 * mxgw_wan_out's IPv6, a global function (verified once, on its own: the
 * IPv4 program already verifies about a third of the 1M instructions a
 * program may).  Nothing is translated.  The gateway's own packets leave
 * as they are; from anyone else: mailserver6's replies from a port that
 * lets incoming connections in leave stateless, as IPv4's; everything
 * else is a LAN flow, tracked in mxgw_ct6 with IPv4's states and
 * timeouts, new ones as the table's outgoing column says; what cannot be
 * read does not leave.  @l3_off: where the IPv6 header starts.
 */
__noinline int mxgw_wan_out6(struct __sk_buff *skb, __u64 l3_off)
{
	struct mxgw_ct6_key key = {};
	struct ipv6_chain_info info;
	const __u32 zero = 0;
	struct mxgw_ct_entry *e;
	struct mxgw_config *cfg;
	struct l4_ref l4 = {};
	void *data, *l3_end;
	struct ipv6hdr *ip6;
	struct cursor c;
	__u32 plen, why;
	__u64 now;

	asm volatile("" : "+r"(l3_off));	/* as mxgw_ipv6_walk's */
	if (l3_off > sizeof(struct ethhdr) + MXGW_MAX_VLANS * sizeof(struct vlan_hdr))
		return TC_ACT_SHOT;	/* not called so */
	if (tc_linearize_headers(skb, MXGW_MAX_HDRS6))
		return tc_drop6(skb, MXGW_DROP_OUT_WRITE);
	data = (void *)(long)skb->data;
	c.pos = data + l3_off;
	c.end = (void *)(long)skb->data_end;
	ip6 = parse_ipv6_fixed(&c);
	if (!ip6)
		return tc_drop6(skb, MXGW_DROP_OUT_MALFORMED);
	cfg = bpf_map_lookup_elem(&mxgw_config, &zero);
	if (!cfg)
		return TC_ACT_OK;
	/* the gateway's own: its addresses, link-local (neighbour discovery,
	 * router solicitations) and unspecified (duplicate address detection,
	 * MLD before an address is configured) */
	if (in6_link_local(&ip6->saddr) || in6_unspecified(&ip6->saddr) ||
	    is_wan6_addr(cfg, &ip6->saddr))
		return TC_ACT_OK;

	plen = ntohs_bounded(ip6->payload_len);
	if (ip6->version != 6 || sizeof(*ip6) + plen > skb->len - l3_off)
		return tc_drop6(skb, MXGW_DROP_OUT_MALFORMED);
	l3_end = (void *)(ip6 + 1) + plen;
	switch (ipv6_walked(mxgw_ipv6_walk_skb(skb, l3_off), data, &c, &info)) {
	case IPV6_CHAIN_OK:
		if (info.frag != IPV6_FRAG_FIRST)
			break;
		/* fall through: the later fragments carry no ports to match */
	case IPV6_CHAIN_FRAGMENT:
		return tc_drop6(skb, MXGW_DROP_OUT_FRAGMENT);
	case IPV6_CHAIN_ROUTING:
		return tc_drop6(skb, MXGW_DROP_ROUTING_HEADER);
	case IPV6_CHAIN_EXT:
		return tc_drop6(skb, MXGW_DROP_EXT_HEADERS);
	default:
		return tc_drop6(skb, MXGW_DROP_OUT_MALFORMED);
	}
	if (info.proto != IPPROTO_TCP && info.proto != IPPROTO_UDP &&
	    info.proto != IPPROTO_ICMPV6)
		return tc_drop6(skb, MXGW_DROP_OUT_PROTO);
	if (!l4_parse6(&c, info.proto, l3_end, &l4))
		return tc_drop6(skb, MXGW_DROP_OUT_MALFORMED);
	now = clock_now();

	if (l4.proto == IPPROTO_ICMPV6) {
		if (icmp6_is_error(l4.icmp_type)) {
			why = icmp6_error_out(&c, l3_end, cfg, now);
			if (why)
				return tc_drop6(skb, why);
			count6(MXGW_ICMP_XLATE_OUT);
			return TC_ACT_OK;
		}
		/* the mail server answers the echo requests icmp-echo let in */
		if (l4.icmp_type == ICMPV6_ECHO_REPLY && cfg->icmp_echo == MXGW_ALLOW &&
		    is_mailserver6(cfg, &ip6->saddr)) {
			count6_checking_clock(MXGW_SNAT_REPLY);
			return TC_ACT_OK;
		}
		if (l4.icmp_type != ICMPV6_ECHO_REQUEST)
			return tc_drop6(skb, MXGW_DROP_OUT_PROTO);
	} else if (is_mailserver6(cfg, &ip6->saddr) && mail_reply(cfg, &l4)) {
		/* a reply to an incoming connection: stateless, as IPv4's */
		count6_checking_clock(MXGW_SNAT_REPLY);
		return TC_ACT_OK;
	}

	ct6_key_fill(&key, &ip6->saddr, &ip6->daddr, *l4.sport,
		     l4.proto == IPPROTO_ICMPV6 ? 0 : *l4.dport, l4.proto);
	e = ct6_lookup(cfg, &key, now);
	/* a new TCP flow starts with its SYN, as IPv4's */
	if (!e && l4.proto == IPPROTO_TCP && !tcp_opens(l4.tcp_flags))
		return tc_drop6(skb, MXGW_DROP_OUT_NO_FLOW);
	/* a new flow, or a SYN reopening a closed tuple (ct_reopens) */
	if (!e || (l4.proto == IPPROTO_TCP && tcp_opens(l4.tcp_flags) &&
		   (e->state == MXGW_CT_TCP_CLOSE || e->state == MXGW_CT_TCP_TIME_WAIT))) {
		why = out_allowed_fam(cfg, &l4, sizeof(*ip6) + plen, MXGW_FAM_IPV6);
		if (why)
			return tc_drop6(skb, why);
	}
	if (e) {
		ct_touch(e, l4.proto, l4.tcp_flags, MXGW_DIR_OUT, now);
	} else {
		ct6_new(&key, l4.tcp_flags, now);
		if (log_listened())
			log_tc(skb, MXGW_CT_NEW, MXGW_EV_ALLOW);
	}
	count6_checking_clock(MXGW_SNAT_MASQ);
	return TC_ACT_OK;
}

SEC("tc")
int mxgw_wan_out(struct __sk_buff *skb)
{
	void *data, *data_end;
	struct cursor c;
	const __u32 zero = 0;
	struct mxgw_ct_entry *e;
	struct mxgw_config *cfg;
	struct l4_ref l4 = {};
	struct ct_flow f;
	struct iphdr *ip;
	__u32 l3_off, l4_off, why;
	__be16 proto, pport;
	__be32 saddr;
	__u64 now;
	int vlans;

	/* headers that stay in page fragments cannot be read, and so not
	 * told from a LAN host's: what cannot be read does not leave */
	if (tc_linearize_headers(skb, MXGW_MAX_HDRS))
		return tc_drop(skb, MXGW_DROP_OUT_WRITE);
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	c.pos = data;
	c.end = data_end;
	if (!parse_eth(&c, &proto, &vlans))
		return tc_drop(skb, MXGW_DROP_OUT_MALFORMED);
	if (proto != bpf_htons(ETH_P_IP)) {
		if (proto == bpf_htons(ETH_P_IPV6))
			return mxgw_wan_out6(skb, c.pos - data);
		if (eth_is_vlan(proto))
			return tc_drop(skb, MXGW_DROP_OUT_VLAN_DEPTH);
		return TC_ACT_OK;
	}
	ip = parse_ipv4_fixed(&c);
	if (!ip)
		return tc_drop(skb, MXGW_DROP_OUT_MALFORMED);
	cfg = bpf_map_lookup_elem(&mxgw_config, &zero);
	if (!cfg)
		return TC_ACT_OK;
	saddr = ip->saddr;
	l3_off = (void *)ip - data;
	/*
	 * The gateway's own packets leave as they are (its replies are
	 * tracked below); from anyone else, what cannot be translated does
	 * not leave at all: a LAN address never reaches the Internet.
	 */
	switch (ipv4_validate(&c, ip, skb->len - l3_off)) {
	case IPV4_OK:
		break;
	case IPV4_FRAGMENT:
		/* no ports to map */
		if (is_wan_addr(cfg, saddr))
			return TC_ACT_OK;
		return tc_drop(skb, MXGW_DROP_OUT_FRAGMENT);
	default:
		goto malformed;
	}
	if (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP &&
	    ip->protocol != IPPROTO_ICMP) {
		if (is_wan_addr(cfg, saddr))
			return TC_ACT_OK;
		return tc_drop(skb, MXGW_DROP_OUT_PROTO);
	}
	if (!l4_parse(&c, ip, &l4))
		goto malformed;
	l4_off = l4.hdr - data;
	now = clock_now();

	if (l4.proto == IPPROTO_ICMP && icmp_is_error(l4.icmp_type))
		return icmp_error_out(skb, &c, ip, l3_off, l4_off, cfg,
				      is_wan_addr(cfg, saddr), now);
	if (l4.proto == IPPROTO_ICMP && l4.icmp_type != ICMP_ECHO) {
		if (is_wan_addr(cfg, saddr))
			return TC_ACT_OK;	/* e.g. the gateway's echo replies */
		return tc_drop(skb, MXGW_DROP_OUT_PROTO);
	}

	f.proto = l4.proto;
	f.tcp_flags = l4.tcp_flags;
	f.lan_addr = saddr;
	f.lan_port = *l4.sport;
	f.remote_addr = ip->daddr;
	f.remote_port = l4.proto == IPPROTO_ICMP ? 0 : *l4.dport;

	if (saddr == cfg->public_addr) {
		/* a "to gateway" service's side of a connection let in: as
		 * stateless as inbound, so never tracked (a SYN flood would
		 * fill mxgw_ct with the gateway's answers) */
		if (!gateway_service_port(&l4, f.lan_port))
			ct_local(cfg, &f, now);
		return TC_ACT_OK;
	}
	if (is_wan_addr(cfg, saddr))
		return TC_ACT_OK;	/* the WAN link's own address: not filtered */

	/* a reply to an incoming connection (mail_reply says which): 1:1,
	 * stateless */
	if (saddr == cfg->mailserver_addr && l4.proto != IPPROTO_ICMP &&
	    mail_reply(cfg, &l4)) {
		why = tc_snat(skb, l3_off, l4_off, l4.proto, saddr,
			      cfg->public_addr, 0, 0);
		if (why)
			return tc_drop(skb, why);
		count_checking_clock(MXGW_SNAT_REPLY);
		return TC_ACT_OK;
	}

	e = nat_find(cfg, &f, now, &pport);
	/* a LAN host's new TCP flow starts with its SYN: a SYN-ACK, ACK, RST
	 * or FIN with no flow answers something the WAN sent it directly, or
	 * belongs to a flow forgotten (`conntrack flush`), as netfilter with
	 * nf_conntrack_tcp_loose=0 */
	if (!e && l4.proto == IPPROTO_TCP && !tcp_opens(l4.tcp_flags))
		return tc_drop(skb, MXGW_DROP_OUT_NO_FLOW);
	if (!e || ct_reopens(e, &f)) {
		/* a new connection: the outgoing column decides */
		__u32 why = out_allowed(cfg, &l4, bpf_ntohs(ip->tot_len));

		if (why)
			return tc_drop(skb, why);
	}
	if (e) {
		ct_touch(e, f.proto, f.tcp_flags, MXGW_DIR_OUT, now);
	} else {
		pport = nat_new(cfg, &f, now);
		if (!pport)
			return tc_drop(skb, MXGW_DROP_NAT_FULL);
		if (log_listened())
			log_tc(skb, MXGW_CT_NEW, MXGW_EV_ALLOW);
	}
	why = tc_snat(skb, l3_off, l4_off, l4.proto, saddr, cfg->public_addr,
		      f.lan_port, pport);
	if (why)
		return tc_drop(skb, why);
	count_checking_clock(MXGW_SNAT_MASQ);
	return TC_ACT_OK;

malformed:
	if (is_wan_addr(cfg, saddr))
		return TC_ACT_OK;
	return tc_drop(skb, MXGW_DROP_OUT_MALFORMED);
}

SEC("xdp")
int mxgw_lan_in(struct xdp_md *ctx)
{
	return lan_in(ctx);
}

/*
 * Never loaded with the others ("?"): mxctl probe loads it alone, as an
 * freplace of a slot of libxdp's dispatcher, to learn whether this kernel
 * lets a component that changes packet data (mxgw_wan_in does:
 * bpf_xdp_adjust_tail) replace a slot that does not: Linux 6.13 and 6.12.y
 * refuse it (EINVAL), and libxdp 1.3.1's slots do not (1.5.5's do).
 */
SEC("?xdp")
int mxgw_probe_ext(struct xdp_md *ctx)
{
	if (bpf_xdp_adjust_tail(ctx, 0))
		return XDP_ABORTED;
	return XDP_PASS;
}
