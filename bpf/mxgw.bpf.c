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
 */
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
#include "log.bpf.h"
#include "guard.bpf.h"
#include "icmp.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

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

static __noinline int tc_linearize_headers(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	__u64 want = skb->len;

	if (want > MXGW_MAX_HDRS)
		want = MXGW_MAX_HDRS;
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
 * drop reason.  Counts the service's packet either way.
 */
static __always_inline __u32 out_allowed(const struct mxgw_config *cfg,
					 struct l4_ref *l4, __u32 bytes)
{
	struct mxgw_port_policy *pol;
	__u32 verdict, svc_id = 0;

	if (l4->proto == IPPROTO_ICMP)
		return 0;	/* echo: not a port of the table */
	pol = port_policy(l4->proto, bpf_ntohs(*l4->dport));
	if (!pol)
		return MXGW_DROP_OUT_DEFAULT_DENY;
	svc_id = pol->svc_id;
	verdict = svc_id ? pol->verdict[MXGW_DIR_OUT] : cfg->default_out;
	count_svc(svc_id, MXGW_DIR_OUT, verdict, bytes);
	if (verdict == MXGW_ALLOW)
		return 0;
	return svc_id ? MXGW_DROP_OUT_SERVICE_DENY : MXGW_DROP_OUT_DEFAULT_DENY;
}

SEC("tc")
int mxgw_wan_out(struct __sk_buff *skb)
{
	void *data, *data_end;
	struct cursor c;
	const __u32 zero = 0;
	struct mxgw_port_policy *pol;
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
	if (tc_linearize_headers(skb))
		return tc_drop(skb, MXGW_DROP_OUT_WRITE);
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	c.pos = data;
	c.end = data_end;
	if (!parse_eth(&c, &proto, &vlans))
		return tc_drop(skb, MXGW_DROP_OUT_MALFORMED);
	if (proto != bpf_htons(ETH_P_IP)) {
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

	if (saddr == cfg->mailserver_addr && l4.proto != IPPROTO_ICMP) {
		pol = port_policy(l4.proto, bpf_ntohs(f.lan_port));
		/* from a port that lets incoming connections in: a reply; under
		 * "default allow" any unlisted one too, unless it opens a TCP
		 * connection of its own.  From a port denied incoming nothing
		 * can be a reply (XDP drops the other half): the host's own
		 * flow, a resolver querying from port 53 say, masqueraded */
		if (pol && (pol->svc_id ? pol->verdict[MXGW_DIR_IN] == MXGW_ALLOW &&
				!(pol->flags & MXGW_PORT_F_GATEWAY) :
				(cfg->default_in == MXGW_ALLOW &&
				 (l4.tcp_flags & (TCP_SYN | TCP_ACK)) != TCP_SYN))) {
			/* a reply to an incoming connection: 1:1, stateless */
			why = tc_snat(skb, l3_off, l4_off, l4.proto, saddr,
				      cfg->public_addr, 0, 0);
			if (why)
				return tc_drop(skb, why);
			count_checking_clock(MXGW_SNAT_REPLY);
			return TC_ACT_OK;
		}
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
