/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * mxgw_est_cache: the LAN fast path's per-CPU cache of established flows'
 * mappings (maps/mxgw_abi.h says why a slot can be trusted).  A flow's
 * first packet of a tick pays nat_find and fills its slot; the rest of
 * the tick's packets read one slot instead of hashing into mxgw_ct.
 */
#ifndef MXGW_EST_CACHE_BPF_H
#define MXGW_EST_CACHE_BPF_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include "../maps/mxgw_abi.h"
#include "consts.bpf.h"
#include "maps.bpf.h"
#include "conntrack.bpf.h"
#include "parse.bpf.h"
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

/* Is @s @f's mapping, filled this tick under generation @gen? */
static __always_inline bool est_slot_hit(const struct mxgw_est_slot *s,
					 const struct ct_flow *f, __u64 now,
					 __u64 gen)
{
	return est_live(s->tick_ns, s->gen, now, gen) &&
	       s->lan_addr == f->lan_addr && s->remote_addr == f->remote_addr &&
	       s->lan_port == f->lan_port && s->remote_port == f->remote_port &&
	       s->proto == f->proto;
}

/*
 * @f's mapping after nat_find gave @e and @pport and ct_touch touched @e
 * at @now; @gen was read before nat_find, so a change in between leaves
 * the slot unused.
 */
static __always_inline void est_slot_fill(struct mxgw_est_slot *s,
					  const struct ct_flow *f,
					  const struct mxgw_ct_entry *e,
					  __be16 pport, __u64 now, __u64 gen)
{
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
	s->tick_ns = now;
	s->gen = gen;
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
