/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * mxgw_est_cache: the LAN fast path's per-CPU cache of established flows'
 * mappings (maps/mxgw_abi.h says why a slot can be trusted).  A flow's
 * first packet of a tick pays nat_find and fills its slot; the rest of
 * the tick's packets read one slot instead of hashing into mxgw_ct, and
 * IPv4's find their whole rewrite there, next hop and checksums included.
 */
#ifndef MXGW_EST_CACHE_BPF_H
#define MXGW_EST_CACHE_BPF_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include "../maps/mxgw_abi.h"
#include "consts.bpf.h"
#include "maps.bpf.h"
#include "conntrack.bpf.h"
#include "parse.bpf.h"
#include "csum.bpf.h"
#include "nat.bpf.h"
#include "addr6.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MXGW_EST_SLOTS);
	__type(key, __u32);
	__type(value, struct mxgw_est_slot);
} mxgw_est_cache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MXGW_EST6_SLOTS);
	__type(key, __u32);
	__type(value, struct mxgw_est6_slot);
} mxgw_est6_cache SEC(".maps");

/* Does a LAN packet leave its flow's entry as it is (but for the time)? */
static __always_inline bool est_packet_quiet(__u8 proto, __u8 tcp_flags)
{
	if (proto == IPPROTO_UDP)
		return true;
	return proto == IPPROTO_TCP && !(tcp_flags & (TCP_SYN | TCP_FIN | TCP_RST));
}

/* Is @e in a state that a quiet packet of its LAN side leaves as it is? */
static __always_inline bool est_entry_quiet(const struct mxgw_ct_entry *e)
{
	return e->state == MXGW_CT_TCP_ESTABLISHED || e->state == MXGW_CT_UDP ||
	       e->state == MXGW_CT_UDP_STREAM;
}

static __always_inline __u64 ct_gen_read(void)
{
	__u32 zero = 0;
	struct mxgw_ct_gen *g = bpf_map_lookup_elem(&mxgw_ct_gen, &zero);

	return g ? *(volatile __u64 *)&g->gen : 0;
}

/*
 * Was a slot stamped @tick_ns/@slot_gen filled this tick (@now) under
 * the generation the data plane reads now (@gen)?  Only then does it
 * hold a mapping that mxgw_ct or mxgw_ct6 still has.
 */
static __always_inline bool est_live(__u64 tick_ns, __u64 slot_gen, __u64 now,
				     __u64 gen)
{
	return tick_ns == now && slot_gen == gen;
}

/* @f's slot on this CPU. */
static __always_inline struct mxgw_est_slot *est_slot(const struct ct_flow *f)
{
	__u32 h = f->lan_addr ^ f->remote_addr ^
		  ((__u32)f->lan_port << 16 | f->remote_port) ^ f->proto;
	__u32 key = mxgw_fib_hash(h, MXGW_EST_SLOT_BITS);

	return bpf_map_lookup_elem(&mxgw_est_cache, &key);
}

/* Is @s @f's mapping, filled this tick under generation @gen, and its
 * rewrite still the one @cfg asks for? */
static __always_inline bool est_slot_hit(const struct mxgw_est_slot *s,
					 const struct ct_flow *f,
					 const struct mxgw_config *cfg, __u64 now,
					 __u64 gen)
{
	return est_live(s->tick_ns, s->gen, now, gen) &&
	       s->lan_addr == f->lan_addr && s->remote_addr == f->remote_addr &&
	       s->lan_port == f->lan_port && s->remote_port == f->remote_port &&
	       s->proto == f->proto && s->public_addr == cfg->public_addr &&
	       s->ifindex == cfg->wan_ifindex;
}

/*
 * @f's mapping after nat_find gave @e and @pport and ct_touch touched @e
 * at @now, the packet sent to @nh from @public_addr; @gen was read before
 * nat_find, so a change in between leaves the slot unused.  The rewrite
 * is worked out here once, for est_slot_rewrite to apply to the flow's
 * next packets: what xdp_snat and ipv4_decrease_ttl do, in two sums.
 */
static __always_inline void est_slot_fill(struct mxgw_est_slot *s,
					  const struct ct_flow *f,
					  const struct mxgw_ct_entry *e,
					  __be16 pport, __be32 public_addr,
					  const struct mxgw_nexthop *nh,
					  __u64 now, __u64 gen)
{
	__u64 addr_diff;

	/* a slot another flow filled this tick stays its own: under more
	 * flows than slots, replacing would make every packet a miss that
	 * also writes a line */
	if (!est_entry_quiet(e) || est_live(s->tick_ns, s->gen, now, gen))
		return;
	s->lan_addr = f->lan_addr;
	s->remote_addr = f->remote_addr;
	s->lan_port = f->lan_port;
	s->remote_port = f->remote_port;
	s->proto = f->proto;
	s->public_port = pport;
	s->public_addr = public_addr;
	/* the pseudo header holds the source address: both sums change */
	addr_diff = csum_diff4(f->lan_addr, public_addr);
	s->ip_csum_diff = csum_fold(addr_diff + CSUM_DIFF_TTL_DEC);
	s->l4_csum_diff = csum_fold(addr_diff + csum_diff2(f->lan_port, pport));
	s->ifindex = nh->ifindex;
	s->mtu = nh->mtu;
	__builtin_memcpy(s->dmac, nh->dmac, ETH_ALEN);
	__builtin_memcpy(s->smac, nh->smac, ETH_ALEN);
	s->tick_ns = now;
	s->gen = gen;
}

/* A packet of @s's flow leaves as the one that filled it did. */
static __always_inline void est_slot_rewrite(const struct mxgw_est_slot *s,
					     struct ethhdr *eth, struct iphdr *ip,
					     struct l4_ref *l4)
{
	__u16 check;

	__builtin_memcpy(eth->h_dest, s->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, s->smac, ETH_ALEN);
	ip->saddr = s->public_addr;
	ip->ttl--;
	ip->check = csum_apply(ip->check, s->ip_csum_diff);
	*l4->sport = s->public_port;
	/* UDP without a checksum keeps none; one that sums to 0 is sent
	 * as 0xffff (RFC 768) */
	if (l4->proto == IPPROTO_TCP || *l4->check) {
		check = csum_apply(*l4->check, s->l4_csum_diff);
		*l4->check = l4->proto == IPPROTO_UDP && !check ? 0xffff : check;
	}
}

/*
 * IPv6: the flow is its mxgw_ct6 key, but a hit is found from the packet
 * itself (@ip6 from the LAN, @l4 its ports): the key built on the stack
 * in words and read back in double words would wait for its stores.
 */
static __always_inline struct mxgw_est6_slot *est6_slot(const struct ipv6hdr *ip6,
							 const struct l4_ref *l4)
{
	const __u32 *l = (const __u32 *)&ip6->saddr, *r = (const __u32 *)&ip6->daddr;
	__u32 h, key;

	h = l[0] ^ l[1] * 3 ^ l[2] * 5 ^ l[3] * 7 ^ r[0] * 9 ^ r[1] * 11 ^ r[2] * 13 ^
	    r[3] * 15 ^ ((__u32)*l4->dport << 16 | *l4->sport) * 17 ^ l4->proto * 19;
	key = mxgw_fib_hash(h, MXGW_EST6_SLOT_BITS);
	return bpf_map_lookup_elem(&mxgw_est6_cache, &key);
}

static __always_inline bool est6_slot_hit(const struct mxgw_est6_slot *s,
					  const struct ipv6hdr *ip6,
					  const struct l4_ref *l4, __u64 now,
					  __u64 gen)
{
	return est_live(s->tick_ns, s->gen, now, gen) &&
	       in6_eq(&ip6->saddr, &s->key.lan_addr) &&
	       in6_eq(&ip6->daddr, &s->key.remote_addr) &&
	       s->key.lan_port == *l4->sport && s->key.remote_port == *l4->dport &&
	       s->key.proto == l4->proto;
}

static __always_inline void est6_slot_fill(struct mxgw_est6_slot *s,
					   const struct mxgw_ct6_key *k,
					   const struct mxgw_ct_entry *e, __u64 now,
					   __u64 gen)
{
	if (!est_entry_quiet(e) || est_live(s->tick_ns, s->gen, now, gen))
		return;
	__builtin_memcpy(&s->key, k, sizeof(*k));
	s->tick_ns = now;
	s->gen = gen;
}

#endif /* MXGW_EST_CACHE_BPF_H */
