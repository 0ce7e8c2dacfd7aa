/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Sampled events for `mxctl log` (struct mxgw_event in the ABI header):
 * each drop with its reason, each new connection let in or out.  A
 * per-CPU bucket lets log-rate events a second through, so a flood costs
 * the ring buffer and its reader nothing more; what the limit or a full
 * buffer swallows is counted.  Events are made only while an `mxctl log`
 * holds the lease (mxgw_log_lease, copied into mxgw_clock by the clock's
 * timer), and the writers are subprograms of their own: the packet paths
 * pay one load while nobody listens.
 */
#ifndef MXGW_LOG_BPF_H
#define MXGW_LOG_BPF_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "../maps/mxgw_abi.h"
#include "consts.bpf.h"
#include "maps.bpf.h"
#include "clock.bpf.h"
#include "parse.bpf.h"

/* May this CPU log one more event this second? */
static __always_inline bool log_allowed(const struct mxgw_config *cfg)
{
	__u32 zero = 0;
	struct mxgw_log_bucket *b;
	__u64 now;

	if (!cfg->log_per_cpu)
		return false;
	b = bpf_map_lookup_elem(&mxgw_log_bucket, &zero);
	if (!b)
		return false;
	now = clock_now();
	if (now - b->window_ns >= NSEC_PER_SEC) {
		b->window_ns = now;
		b->used = 0;
	}
	if (b->used >= cfg->log_per_cpu) {
		count(MXGW_LOG_RATE_LIMITED);
		return false;
	}
	b->used++;
	return true;
}

/* Addresses, ports and the table's service of the frame at @data.  An
 * IPv6 frame is left to event_fill6 (its chain needs walking): returns
 * where its IPv6 header starts, else 0. */
static __always_inline __u32 event_fill(struct mxgw_event *ev, void *data,
					void *end, __u32 l3_len)
{
	struct cursor c = { .pos = data, .end = end };
	struct iphdr *ip;
	__be16 proto;
	int vlans;

	if (!parse_eth(&c, &proto, &vlans))
		return 0;
	if (proto == bpf_htons(ETH_P_IPV6))
		return c.pos - data;
	if (proto != bpf_htons(ETH_P_IP))
		return 0;
	ip = parse_ipv4_fixed(&c);
	if (!ip)
		return 0;
	ev->proto = ip->protocol;
	ev->family = MXGW_FAM_IPV4;
	ev->saddr[0] = ip->saddr;
	ev->daddr[0] = ip->daddr;
	if (!ev->pkt_len)
		ev->pkt_len = (void *)ip - data + bpf_ntohs(ip->tot_len);
	if (ipv4_validate(&c, ip, l3_len) != IPV4_OK)
		return 0;
	if (ip->protocol == IPPROTO_TCP || ip->protocol == IPPROTO_UDP) {
		struct udphdr *ports = parse_l4(&c, ip, 4);
		struct mxgw_port_policy *pol;

		if (!ports)
			return 0;
		ev->sport = ports->source;
		ev->dport = ports->dest;
		pol = port_policy(ip->protocol, bpf_ntohs(ports->dest));
		if (pol)
			ev->svc_id = pol->svc_id;
	}
	return 0;
}

/*
 * The IPv6 frame at @data, its header at @l3: addresses, and after the
 * extension headers (@walk, the result of mxgw_ipv6_walk_*) the protocol,
 * the ports and the table's service.
 */
static __always_inline void event_fill6(struct mxgw_event *ev, void *data,
					void *end, __u64 l3, int walk)
{
	struct cursor c = { .end = end };
	struct ipv6_chain_info info;
	struct ipv6hdr *ip6;
	void *l3_end;

	asm volatile("" : "+r"(l3));	/* see ipv6_walk_at */
	if (l3 > sizeof(struct ethhdr) + MXGW_MAX_VLANS * sizeof(struct vlan_hdr))
		return;
	c.pos = data + l3;
	ip6 = parse_ipv6_fixed(&c);
	if (!ip6)
		return;
	ev->family = MXGW_FAM_IPV6;
	ev->proto = ip6->nexthdr;
	__builtin_memcpy(ev->saddr, &ip6->saddr, sizeof(ev->saddr));
	__builtin_memcpy(ev->daddr, &ip6->daddr, sizeof(ev->daddr));
	l3_end = (void *)(ip6 + 1) + ntohs_bounded(ip6->payload_len);
	if (!ev->pkt_len)
		ev->pkt_len = l3_end - data;
	if (ipv6_walked(walk, data, &c, &info) != IPV6_CHAIN_OK)
		return;
	ev->proto = info.proto;
	if (info.proto == IPPROTO_TCP || info.proto == IPPROTO_UDP) {
		struct udphdr *ports = parse_l4_end(&c, l3_end, 4);
		struct mxgw_port_policy *pol;

		if (!ports)
			return;
		ev->sport = ports->source;
		ev->dport = ports->dest;
		pol = port_policy(info.proto, bpf_ntohs(ports->dest));
		if (pol)
			ev->svc_id = pol->svc_id;
	}
}

/*
 * A length the verifier can see is within 0..MXGW_EVENT_HEAD: the empty
 * asm keeps clang from re-reading the source after the clamp.
 */
static __always_inline __u64 head_bound(__u64 len)
{
	if (len > MXGW_EVENT_HEAD)
		len = MXGW_EVENT_HEAD;
	asm volatile("" : "+r"(len));
	return len;
}

static __always_inline struct mxgw_event *event_new(__u32 why, __u32 verdict,
						    int dir)
{
	struct mxgw_event *ev = bpf_ringbuf_reserve(&mxgw_events, sizeof(*ev), 0);

	if (!ev) {
		count(MXGW_LOG_BUFFER_FULL);
		return NULL;
	}
	__builtin_memset(ev, 0, offsetof(struct mxgw_event, head));
	ev->ts_ns = bpf_ktime_get_ns();
	ev->reason = why;
	ev->verdict = verdict;
	ev->dir = dir;
	return ev;
}

static __noinline int log_xdp(struct xdp_md *ctx, __u32 why, __u32 verdict)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	const __u32 zero = 0;
	struct mxgw_config *cfg = bpf_map_lookup_elem(&mxgw_config, &zero);
	struct mxgw_event *ev;
	__u64 len;
	__u32 l3;

	if (!cfg || !log_allowed(cfg))
		return 0;
	ev = event_new(why, verdict, MXGW_DIR_IN);
	if (!ev)
		return 0;
	ev->ifindex = ctx->ingress_ifindex;
	/* the frame's length, up to what the event keeps: no arithmetic on
	 * the packet's end pointer is allowed, so find it by comparing */
	for (len = MXGW_EVENT_HEAD; len > 0; len--)
		if (data + len <= end)
			break;
	ev->head_len = len;
	if (len < MXGW_EVENT_HEAD)
		ev->pkt_len = len;
	len = head_bound(len);
	if (len > 0 && len <= MXGW_EVENT_HEAD)
		bpf_probe_read_kernel(ev->head, len, data);
	l3 = event_fill(ev, data, end, 0);
	if (l3)
		event_fill6(ev, data, end, l3, mxgw_ipv6_walk_xdp(ctx, l3));
	if (!ev->pkt_len)
		ev->pkt_len = len;
	bpf_ringbuf_submit(ev, 0);
	count(MXGW_LOG_EVENTS);
	return 0;
}

static __noinline int log_tc(struct __sk_buff *skb, __u32 why, __u32 verdict)
{
	const __u32 zero = 0;
	struct mxgw_config *cfg = bpf_map_lookup_elem(&mxgw_config, &zero);
	struct mxgw_event *ev;
	void *data, *end;
	__u64 len;
	__u32 l3;

	if (!cfg || !log_allowed(cfg))
		return 0;
	ev = event_new(why, verdict, MXGW_DIR_OUT);
	if (!ev)
		return 0;
	ev->ifindex = skb->ifindex;
	ev->pkt_len = skb->len;
	/* bpf_skb_load_bytes wants a length of 1 or more that the verifier
	 * can see.  Checked as "len > 0 && len <= HEAD", clang fuses the two
	 * into "len - 1 <= HEAD - 1" on a copy of len, which Linux 6.1's
	 * verifier does not relate back to len (6.12 does); so compare len - 1
	 * behind a barrier and pass the register it bounds, plus one. */
	len = head_bound(skb->len) - 1;
	asm volatile("" : "+r"(len));
	ev->head_len = 0;
	if (len < MXGW_EVENT_HEAD && !bpf_skb_load_bytes(skb, 0, ev->head, len + 1))
		ev->head_len = len + 1;
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	if (data < end) {
		l3 = event_fill(ev, data, end, skb->len);
		if (l3)
			event_fill6(ev, data, end, l3, mxgw_ipv6_walk_skb(skb, l3));
	}
	bpf_ringbuf_submit(ev, 0);
	count(MXGW_LOG_EVENTS);
	return 0;
}

/* Before the clock's first tick nothing has copied the lease: read it. */
static __noinline int log_lease_held(void)
{
	__u32 zero = 0;
	struct mxgw_log_lease *lease = bpf_map_lookup_elem(&mxgw_log_lease, &zero);

	return lease && lease->until_ns > bpf_ktime_get_coarse_ns();
}

/* Is an `mxctl log` listening?  The clock's copy of the lease: one inlined
 * load while nobody is (and the clock has ticked). */
static __always_inline bool log_listened(void)
{
	__u32 zero = 0;
	struct mxgw_clock *c = bpf_map_lookup_elem(&mxgw_clock, &zero);

	if (!c)
		return false;
	if (c->log_until_ns > c->now_ns)
		return true;
	return !c->ticks && log_lease_held();
}

/* Drop, count why (unless user space derives it), log it. */
static __always_inline int xdp_drop(struct xdp_md *ctx, __u32 why)
{
	if (!MXGW_COUNTER_DERIVED(why))
		count(why);
	if (log_listened())
		log_xdp(ctx, why, MXGW_EV_DROP);
	return XDP_DROP;
}

static __always_inline int tc_drop(struct __sk_buff *skb, __u32 why)
{
	count(why);
	if (log_listened())
		log_tc(skb, why, MXGW_EV_DROP);
	return TC_ACT_SHOT;
}

/* The same for an IPv6 packet: counted under IPv6's key. */
static __always_inline int xdp_drop6(struct xdp_md *ctx, __u32 why)
{
	if (!MXGW_COUNTER_DERIVED(why))
		count6(why);
	if (log_listened())
		log_xdp(ctx, why, MXGW_EV_DROP);
	return XDP_DROP;
}

static __always_inline int tc_drop6(struct __sk_buff *skb, __u32 why)
{
	count6(why);
	if (log_listened())
		log_tc(skb, why, MXGW_EV_DROP);
	return TC_ACT_SHOT;
}

#endif /* MXGW_LOG_BPF_H */
