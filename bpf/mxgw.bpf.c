// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * mxgw data plane.
 *
 * mxgw_wan_in (XDP, WAN ingress): packets to the public address are looked
 * up in the port table; allowed ones are rewritten to the mail server
 * (DNAT, client source kept) and forwarded, denied ones dropped.
 * mxgw_wan_out (TC, WAN egress): the mail server's replies from a service
 * port leave with the public address as their source.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "../maps/mxgw_abi.h"
#include "parse.bpf.h"
#include "csum.bpf.h"
#include "maps.bpf.h"
#include "nexthop.bpf.h"

#define TC_ACT_OK 0

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Where an L4 header keeps its checksum, and whether 0 means "none". */
struct l4_ref {
	__be16 *check;
	__be16 sport;
	__be16 dport;
	__u8 proto_idx;		/* enum mxgw_proto */
};

static __always_inline bool l4_parse(struct cursor *c, struct iphdr *ip,
				     struct l4_ref *l4)
{
	if (ip->protocol == IPPROTO_TCP) {
		struct tcphdr *th = parse_l4(c, ip, sizeof(*th));

		if (!th)
			return false;
		l4->check = &th->check;
		l4->sport = th->source;
		l4->dport = th->dest;
		l4->proto_idx = MXGW_PROTO_TCP;
	} else {
		struct udphdr *uh = parse_l4(c, ip, sizeof(*uh));

		if (!uh)
			return false;
		l4->check = &uh->check;
		l4->sport = uh->source;
		l4->dport = uh->dest;
		l4->proto_idx = MXGW_PROTO_UDP;
	}
	return true;
}

static __always_inline bool from_allowed(__u32 svc_id, __be32 saddr)
{
	struct mxgw_from_key key = {
		.prefixlen = MXGW_FROM_SVC_BITS + 32,
		.svc_id = bpf_htonl(svc_id),
		.addr = saddr,
	};

	return bpf_map_lookup_elem(&mxgw_from, &key) != NULL;
}

/* Destination rewrite with incremental IP and L4 checksum updates. */
static __always_inline void dnat(struct iphdr *ip, struct l4_ref *l4, __be32 to)
{
	__be32 from = ip->daddr;

	ip->daddr = to;
	ip->check = csum_replace4(ip->check, from, to);
	if (l4->proto_idx == MXGW_PROTO_UDP) {
		__u16 check;

		/* UDP checksum 0 means "none": keep it so */
		if (!*l4->check)
			return;
		check = csum_replace4(*l4->check, from, to);
		*l4->check = check ? check : 0xffff;
	} else {
		*l4->check = csum_replace4(*l4->check, from, to);
	}
}

/*
 * Forward a packet already rewritten to the mail server: redirect it to
 * the LAN device when the cached next hop allows, else hand it to the
 * kernel, which routes it (and decrements the TTL itself).
 */
static __always_inline int forward(struct xdp_md *ctx, struct ethhdr *eth,
				   struct iphdr *ip, int vlans, __be32 daddr)
{
	struct mxgw_nexthop *nh;

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
	nh = nexthop_get(ctx, daddr);
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
	__builtin_memcpy(eth->h_dest, nh->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, nh->smac, ETH_ALEN);
	ipv4_decrease_ttl(ip);
	return bpf_redirect_map(&mxgw_tx_ports, nh->ifindex, 0);
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
	struct l4_ref l4;
	struct ethhdr *eth;
	struct iphdr *ip;
	__u32 idx, svc_id, verdict, bytes;
	__be16 proto;
	int vlans;

	eth = parse_eth(&c, &proto, &vlans);
	if (!eth || proto != bpf_htons(ETH_P_IP)) {
		count(MXGW_PASS_NON_IPV4);
		return XDP_PASS;
	}
	ip = parse_ipv4_fixed(&c);
	if (!ip) {
		count(MXGW_DROP_MALFORMED);
		return XDP_DROP;
	}
	cfg = bpf_map_lookup_elem(&mxgw_config, &zero);
	if (!cfg || ip->daddr != cfg->public_addr) {
		count(MXGW_PASS_NOT_FOR_US);
		return XDP_PASS;
	}

	switch (ipv4_validate(&c, ip, 0)) {
	case IPV4_OK:
		break;
	case IPV4_FRAGMENT:
		count(MXGW_DROP_FRAGMENT);
		return XDP_DROP;
	default:
		count(MXGW_DROP_MALFORMED);
		return XDP_DROP;
	}
	if (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP) {
		count(MXGW_PASS_OTHER_PROTO);
		return XDP_PASS;
	}
	if (!l4_parse(&c, ip, &l4)) {
		count(MXGW_DROP_MALFORMED);
		return XDP_DROP;
	}

	idx = mxgw_port_index(l4.proto_idx, bpf_ntohs(l4.dport));
	pol = bpf_map_lookup_elem(&mxgw_ports, &idx);
	if (!pol)
		return XDP_DROP;
	svc_id = pol->svc_id;
	verdict = svc_id ? pol->verdict[MXGW_DIR_IN] : cfg->default_in;
	bytes = bpf_ntohs(ip->tot_len);

	if (verdict != MXGW_ALLOW) {
		count_svc(svc_id, MXGW_DIR_IN, MXGW_DENY, bytes);
		count(svc_id ? MXGW_DROP_SERVICE_DENY : MXGW_DROP_DEFAULT_DENY);
		return XDP_DROP;
	}
	if ((pol->flags & MXGW_PORT_F_FROM) && !from_allowed(svc_id, ip->saddr)) {
		count_svc(svc_id, MXGW_DIR_IN, MXGW_DENY, bytes);
		count(MXGW_DROP_NOT_FROM);
		return XDP_DROP;
	}
	count_svc(svc_id, MXGW_DIR_IN, MXGW_ALLOW, bytes);
	dnat(ip, &l4, cfg->mailserver_addr);
	return forward(ctx, eth, ip, vlans, cfg->mailserver_addr);
}

/*
 * A reply of the mail server to an incoming connection: from the mail
 * server, from a port an incoming connection could have reached (listed,
 * or any port under "default allow").  Its source becomes the public
 * address; the helpers keep the checksums right whatever the skb's
 * checksum state (a forwarded skb may still carry CHECKSUM_PARTIAL).
 */
/*
 * Make sure the headers mxgw_wan_out reads are in the skb's linear part:
 * a forwarded or locally built segment often carries everything after
 * the first bytes in page fragments.  Pulls only when they are not.  A
 * subprogram of its own, so clang cannot keep ctx field addresses from
 * before the pull (the verifier refuses those).
 */
#define MXGW_MAX_HDRS	(14 + 4 * MXGW_MAX_VLANS + 60 + 20)

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

SEC("tc")
int mxgw_wan_out(struct __sk_buff *skb)
{
	void *data, *data_end;
	struct cursor c;
	const __u32 zero = 0;
	struct mxgw_port_policy *pol;
	struct mxgw_config *cfg;
	struct l4_ref l4;
	struct iphdr *ip;
	__u32 idx, l3_off, check_off;
	__be32 from, to;
	__be16 proto;
	int vlans;

	tc_linearize_headers(skb);
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	c.pos = data;
	c.end = data_end;
	if (!parse_eth(&c, &proto, &vlans) || proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	ip = parse_ipv4_fixed(&c);
	if (!ip)
		return TC_ACT_OK;
	cfg = bpf_map_lookup_elem(&mxgw_config, &zero);
	if (!cfg || ip->saddr != cfg->mailserver_addr)
		return TC_ACT_OK;
	/* fragments carry no ports; the outgoing issue's conntrack owns them */
	l3_off = (void *)ip - data;
	if (ipv4_validate(&c, ip, skb->len - l3_off) != IPV4_OK)
		return TC_ACT_OK;
	if (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP)
		return TC_ACT_OK;
	if (!l4_parse(&c, ip, &l4))
		return TC_ACT_OK;

	idx = mxgw_port_index(l4.proto_idx, bpf_ntohs(l4.sport));
	pol = bpf_map_lookup_elem(&mxgw_ports, &idx);
	if (!pol || (!pol->svc_id && cfg->default_in != MXGW_ALLOW))
		return TC_ACT_OK;

	from = ip->saddr;
	to = cfg->public_addr;
	check_off = (void *)l4.check - data;
	bpf_l4_csum_replace(skb, check_off, from, to,
			    BPF_F_PSEUDO_HDR | sizeof(to) |
			    (l4.proto_idx == MXGW_PROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0));
	bpf_l3_csum_replace(skb, l3_off + offsetof(struct iphdr, check), from, to,
			    sizeof(to));
	bpf_skb_store_bytes(skb, l3_off + offsetof(struct iphdr, saddr), &to,
			    sizeof(to), 0);
	count(MXGW_SNAT_REPLY);
	return TC_ACT_OK;
}
