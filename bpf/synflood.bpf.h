/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The SYN-flood defence (syn-flood in mxgw.conf; maps/mxgw_abi.h and
 * docs/SYNFLOOD.md for the design): SYNs to a protected service counted
 * per rate slot; in a flood, a SYN from a source not yet verified is
 * answered from XDP with a SYN-ACK whose ack number is a keyed cookie,
 * and the RST the client's stack sends back to it verifies the source.
 *
 * Cost: a gateway without syn-flood pays one test of mxgw_config.flags
 * on the allowed path; a protected service's packets that are neither a
 * SYN nor a bare RST a test of the port's flags; a SYN with no flood on
 * three array lookups (one per-CPU) and an increment, an atomic add
 * every MXGW_SYN_BATCH SYNs; a bare RST with no flood on or just past
 * one, one lookup.  The SipHash of a cookie (about 100 instructions) is
 * paid only in a flood: by a challenged SYN and by a RST to check.
 *
 * Kernels: nothing newer than 5.15 (bpf_xdp_adjust_tail, an atomic add
 * whose result is unused: BPF_XADD of -mcpu=v1); no loops: SipHash's
 * rounds are unrolled by hand for the two fixed message lengths.
 */
#ifndef MXGW_SYNFLOOD_BPF_H
#define MXGW_SYNFLOOD_BPF_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "../maps/mxgw_abi.h"
#include "consts.bpf.h"
#include "parse.bpf.h"
#include "maps.bpf.h"
#include "clock.bpf.h"
#include "csum.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MXGW_MAX_SERVICES);
	__type(key, __u32);
	__type(value, struct mxgw_synflood);
} mxgw_synflood SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MXGW_MAX_SERVICES);
	__type(key, __u32);
	__type(value, struct mxgw_syn_state);
} mxgw_syn_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MXGW_MAX_SERVICES);
	__type(key, __u32);
	__type(value, struct mxgw_syn_rate);
} mxgw_syn_rate SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MXGW_SYN_OK_MAX);
	__type(key, struct mxgw_syn_key);
	__type(value, struct mxgw_syn_ok);
} mxgw_syn_ok SEC(".maps");

/* What synflood_in() makes of a packet. */
enum syn_act {
	SYN_GO_ON = 0,		/* no flood, a verified source, not a cookie: as today */
	SYN_TX,			/* rewritten into the challenge: XDP_TX */
	SYN_DROP,		/* not challenged (budget spent): drop_syn_flood */
	SYN_VERIFIED,		/* the RST that verified its source: dropped, counted */
	SYN_OVER_BUDGET,	/* a verified source's SYN over the budget: drop_syn_budget */
};

/* Does a packet with @tcp_flags concern the defence: a SYN, or a bare
 * RST (what a stack sends to a SYN-ACK whose ack is wrong)? */
static __always_inline bool syn_concerns(__u8 tcp_flags)
{
	__u8 f = tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN);

	return f == TCP_SYN || f == TCP_RST;
}

static __always_inline void count_fam(__u32 fam, enum mxgw_counter what)
{
	__u32 key = mxgw_counter_key(fam, what);
	__u64 *v = bpf_map_lookup_elem(&mxgw_counters, &key);

	if (v)
		*v += 1;
}

/* ---- SipHash-2-4 (Aumasson, Bernstein), messages of whole words ---------- */

struct sip {
	__u64 v0, v1, v2, v3;
};

static __always_inline __u64 rol64(__u64 x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static __always_inline void sip_round(struct sip *s)
{
	s->v0 += s->v1; s->v1 = rol64(s->v1, 13); s->v1 ^= s->v0; s->v0 = rol64(s->v0, 32);
	s->v2 += s->v3; s->v3 = rol64(s->v3, 16); s->v3 ^= s->v2;
	s->v0 += s->v3; s->v3 = rol64(s->v3, 21); s->v3 ^= s->v0;
	s->v2 += s->v1; s->v1 = rol64(s->v1, 17); s->v1 ^= s->v2; s->v2 = rol64(s->v2, 32);
}

static __always_inline void sip_init(struct sip *s, const __u64 *key)
{
	s->v0 = key[0] ^ 0x736f6d6570736575ULL;
	s->v1 = key[1] ^ 0x646f72616e646f6dULL;
	s->v2 = key[0] ^ 0x6c7967656e657261ULL;
	s->v3 = key[1] ^ 0x7465646279746573ULL;
}

/* One 8-byte word of the message, little-endian as SipHash reads it. */
static __always_inline void sip_word(struct sip *s, __u64 m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

/* The last block: @len bytes in all (a multiple of 8 here), then the
 * four finalization rounds. */
static __always_inline __u64 sip_final(struct sip *s, __u64 len)
{
	sip_word(s, len << 56);
	s->v2 ^= 0xff;
	sip_round(s);
	sip_round(s);
	sip_round(s);
	sip_round(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

/* Two words as the bytes lie in the packet: a little-endian load of them. */
static __always_inline __u64 le_pair(__u32 lo, __u32 hi)
{
	return (__u64)lo | (__u64)hi << 32;
}

/*
 * The hash of a connection attempt in cookie slot @slot: the message is
 * the bytes saddr, daddr, sport, dport (as the packet carries them), then
 * @slot as a little-endian 32-bit word: 16 bytes (IPv4), 40 (IPv6).  Its
 * low 32 bits are the cookie (the SYN-ACK's ack), its high 32 bits the
 * SYN-ACK's sequence number.  @ports: sport's and dport's bytes.
 */
static __always_inline __u64 syn_hash4(const __u64 *key, __be32 saddr, __be32 daddr,
				       __u32 ports, __u32 slot)
{
	struct sip s;

	sip_init(&s, key);
	sip_word(&s, le_pair(saddr, daddr));
	sip_word(&s, le_pair(ports, slot));
	return sip_final(&s, 16);
}

static __always_inline __u64 syn_hash6(const __u64 *key, const __be32 *saddr,
				       const __be32 *daddr, __u32 ports, __u32 slot)
{
	struct sip s;

	sip_init(&s, key);
	sip_word(&s, le_pair(saddr[0], saddr[1]));
	sip_word(&s, le_pair(saddr[2], saddr[3]));
	sip_word(&s, le_pair(daddr[0], daddr[1]));
	sip_word(&s, le_pair(daddr[2], daddr[3]));
	sip_word(&s, le_pair(ports, slot));
	return sip_final(&s, 40);
}

/* ---- the SYN's side -------------------------------------------------------- */

/* The flow a SYN or RST belongs to, read before the frame is rewritten. */
struct syn_flow {
	__be32 saddr[4];	/* IPv4: [0] */
	__be32 daddr[4];
	__u32 ports;		/* the sport and dport bytes, as loaded */
};

static __always_inline __u64 syn_hash(__u32 fam, const __u64 *key,
				      const struct syn_flow *f, __u32 slot)
{
	if (fam == MXGW_FAM_IPV6)
		return syn_hash6(key, f->saddr, f->daddr, f->ports, slot);
	return syn_hash4(key, f->saddr[0], f->daddr[0], f->ports, slot);
}

/*
 * Count a SYN of service @svc_id at @now; true when a flood is on.  Per
 * CPU until a batch is full, then one atomic add to the service's count;
 * the CPU that sees it over the threshold turns flood mode on (or keeps
 * it on for MXGW_SYN_QUIET_NS more, at most once a rate slot).  A new
 * slot's count is reset by the first CPU to add to it: a racing CPU's
 * batch may be lost, never more.
 */
static __always_inline bool syn_count(const struct mxgw_synflood *sf,
				      struct mxgw_syn_state *st, struct mxgw_syn_rate *r,
				      __u64 now)
{
	__u64 slot = now >> MXGW_SYN_RATE_SHIFT;

	if (r->slot != slot) {
		r->slot = slot;
		r->pending = 0;
		r->challenged = 0;
		r->passed = 0;
	}
	if (++r->pending >= MXGW_SYN_BATCH) {
		r->pending = 0;
		if (st->slot != slot) {
			st->slot = slot;
			st->count = 0;
		}
		__sync_fetch_and_add(&st->count, MXGW_SYN_BATCH);
		if (sf->per_slot && st->count > sf->per_slot &&
		    st->until_ns < now + MXGW_SYN_QUIET_NS - (1ULL << MXGW_SYN_RATE_SHIFT)) {
			if (st->until_ns <= now) {
				st->since_ns = now;
				count(MXGW_SYN_FLOOD_ON);
			}
			st->until_ns = now + MXGW_SYN_QUIET_NS;
		}
	}
	return now < st->until_ns;
}

/*
 * The budget at the mail server: may a verified source's SYN go on in a
 * flood, in rate slot @r->slot (syn_count() just moved @r to the current
 * one)?  Counted as the threshold is: per CPU, added to the service's
 * shared st->passed every MXGW_SYN_BATCH SYNs with one atomic add, the
 * shared count reset by the first CPU to add to a new slot.  A CPU sees
 * its own pending SYNs and the others' flushed batches: the mail server
 * gets at most budget_per_slot + (MXGW_SYN_BATCH - 1) x (CPUs - 1) SYNs a
 * slot.  Paid only in a flood, by SYNs that passed the challenge.
 */
static __always_inline bool syn_budget(const struct mxgw_synflood *sf,
				       struct mxgw_syn_state *st, struct mxgw_syn_rate *r)
{
	__u64 shared = st->bslot == r->slot ? st->passed : 0;

	if (!sf->budget_per_slot)
		return true;
	if (shared + r->passed >= sf->budget_per_slot)
		return false;
	if (++r->passed >= MXGW_SYN_BATCH) {
		r->passed = 0;
		if (st->bslot != r->slot) {
			st->bslot = r->slot;
			st->passed = 0;
		}
		__sync_fetch_and_add(&st->passed, MXGW_SYN_BATCH);
	}
	return true;
}

/* @f's source's key in mxgw_syn_ok: IPv4 /32, IPv6 /64. */
static __always_inline void syn_ok_key(struct mxgw_syn_key *k, __u32 fam,
				       const struct syn_flow *f)
{
	k->family = fam;
	k->addr[0] = f->saddr[0];
	k->addr[1] = fam == MXGW_FAM_IPV6 ? f->saddr[1] : 0;
}

/* Ones' complement sum of the 16-bit halves of @w, as loaded. */
static __always_inline __u64 csum_word32(__u32 w)
{
	return (w & 0xffff) + (w >> 16);
}

/*
 * Turn the SYN at @l3_off (a 20-byte IPv4 header, or a 40-byte IPv6 one,
 * written over whatever options or extension headers it had) into the
 * challenge: MACs, addresses and ports swapped, seq and ack from @h, no
 * TCP options, no payload, the frame cut after the TCP header.  Both
 * checksums computed whole: every word of both headers is new.  False
 * when bpf_xdp_adjust_tail refuses.
 */
static __always_inline bool syn_ack_build(struct xdp_md *ctx, __u32 l3_off, __u32 fam,
					  const struct syn_flow *f, __u64 h)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 l3_len = fam == MXGW_FAM_IPV6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr);
	struct ethhdr *eth = data;
	__u8 mac[ETH_ALEN];
	struct tcphdr *th;
	__be32 seq = bpf_htonl((__u32)(h >> 32)), ack = bpf_htonl((__u32)h);
	__u64 sum;
	int delta;

	if ((void *)(eth + 1) > end)
		return false;
	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);

	/* the pseudo header's addresses: the same sum whichever way round */
	sum = bpf_htons(IPPROTO_TCP) + bpf_htons(sizeof(*th));
	if (fam == MXGW_FAM_IPV6) {
		struct ipv6hdr *ip6 = data + l3_off;

		if ((void *)(ip6 + 1) > end)
			return false;
		*(__be32 *)ip6 = bpf_htonl(0x60000000);	/* version, no class, no label */
		ip6->payload_len = bpf_htons(sizeof(*th));
		ip6->nexthdr = IPPROTO_TCP;
		ip6->hop_limit = 64;
		__builtin_memcpy(&ip6->saddr, f->daddr, 16);
		__builtin_memcpy(&ip6->daddr, f->saddr, 16);
		sum += csum_word32(f->saddr[0]) + csum_word32(f->saddr[1]) +
		       csum_word32(f->saddr[2]) + csum_word32(f->saddr[3]) +
		       csum_word32(f->daddr[0]) + csum_word32(f->daddr[1]) +
		       csum_word32(f->daddr[2]) + csum_word32(f->daddr[3]);
	} else {
		struct iphdr *ip = data + l3_off;
		__u64 isum;

		if ((void *)(ip + 1) > end)
			return false;
		((__u8 *)ip)[0] = 0x45;
		ip->tos = 0;
		ip->tot_len = bpf_htons(sizeof(*ip) + sizeof(*th));
		ip->id = 0;
		ip->frag_off = bpf_htons(0x4000);	/* DF */
		ip->ttl = 64;
		ip->protocol = IPPROTO_TCP;
		ip->check = 0;
		ip->saddr = f->daddr[0];
		ip->daddr = f->saddr[0];
		isum = bpf_htons(0x4500) + ip->tot_len + ip->frag_off +
		       bpf_htons(64 << 8 | IPPROTO_TCP) +
		       csum_word32(f->saddr[0]) + csum_word32(f->daddr[0]);
		ip->check = ~csum_fold(isum);
		sum += csum_word32(f->saddr[0]) + csum_word32(f->daddr[0]);
	}
	th = data + l3_off + l3_len;
	if ((void *)(th + 1) > end)
		return false;
	/* the ports swapped: @f->ports holds sport's bytes then dport's */
	th->source = (__be16)(f->ports >> 16);
	th->dest = (__be16)(f->ports & 0xffff);
	th->seq = seq;
	th->ack_seq = ack;
	((__u8 *)th)[12] = 5 << 4;			/* doff 5: no options */
	((__u8 *)th)[13] = TCP_SYN | TCP_ACK;
	th->window = bpf_htons(65535);
	th->check = 0;
	th->urg_ptr = 0;
	sum += csum_word32(f->ports) + csum_word32(seq) + csum_word32(ack) +
	       bpf_htons(5 << 12 | TCP_SYN | TCP_ACK) + bpf_htons(65535);
	th->check = ~csum_fold(sum);

	delta = (int)(l3_off + l3_len + sizeof(*th)) - (int)(end - data);
	if (delta < 0 && bpf_xdp_adjust_tail(ctx, delta))
		return false;
	return true;
}

/*
 * The defence for one TCP packet of a protected service whose flags
 * syn_concerns(): @l3_off, @l4_off where its IP and TCP headers start,
 * @fam its family, @svc_id the service.  Read again from @ctx (the
 * offsets bounded here: a subprogram of its own keeps the packet paths'
 * instructions and the verifier's work per path what they were).
 */
static __noinline int synflood_in(struct xdp_md *ctx, __u32 l3_off, __u32 l4_off,
				  __u32 fam, __u32 svc_id)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct mxgw_syn_state *st;
	struct mxgw_synflood *sf;
	struct mxgw_syn_rate *r;
	struct mxgw_config *cfg;
	struct mxgw_syn_key k = {};
	struct mxgw_syn_ok *ok, nok;
	struct syn_flow f = {};
	struct tcphdr *th;
	const __u32 zero = 0;
	__u32 cslot;
	__u64 now, key[2];
	__u8 flags;

	asm volatile("" : "+r"(l3_off), "+r"(l4_off));
	if (l3_off > sizeof(struct ethhdr) + MXGW_MAX_VLANS * sizeof(struct vlan_hdr) ||
	    l3_off < sizeof(struct ethhdr) || l4_off > 512 || l4_off < l3_off + sizeof(struct iphdr))
		return SYN_GO_ON;	/* not called so */
	th = data + l4_off;
	if ((void *)(th + 1) > end)
		return SYN_GO_ON;
	flags = ((__u8 *)th)[13];
	f.ports = (__u32)th->source | (__u32)th->dest << 16;
	if (fam == MXGW_FAM_IPV6) {
		struct ipv6hdr *ip6 = data + l3_off;

		if ((void *)(ip6 + 1) > end)
			return SYN_GO_ON;
		__builtin_memcpy(f.saddr, &ip6->saddr, 16);
		__builtin_memcpy(f.daddr, &ip6->daddr, 16);
	} else {
		struct iphdr *ip = data + l3_off;

		if ((void *)(ip + 1) > end)
			return SYN_GO_ON;
		f.saddr[0] = ip->saddr;
		f.daddr[0] = ip->daddr;
	}
	st = bpf_map_lookup_elem(&mxgw_syn_state, &svc_id);
	cfg = bpf_map_lookup_elem(&mxgw_config, &zero);
	if (!st || !cfg)
		return SYN_GO_ON;
	key[0] = cfg->syn_key[0];
	key[1] = cfg->syn_key[1];
	now = clock_now();
	cslot = (__u32)(now >> MXGW_SYN_COOKIE_SHIFT);
	syn_ok_key(&k, fam, &f);

	if (flags & TCP_RST) {
		/* a cookie is worth checking only while one may be out */
		if (now >= st->until_ns + (2ULL << MXGW_SYN_COOKIE_SHIFT))
			return SYN_GO_ON;
		if (th->seq != bpf_htonl((__u32)syn_hash(fam, key, &f, cslot)) &&
		    th->seq != bpf_htonl((__u32)syn_hash(fam, key, &f, cslot - 1)))
			return SYN_GO_ON;	/* a connection's own RST, or a guess */
		nok.verified_ns = now;
		bpf_map_update_elem(&mxgw_syn_ok, &k, &nok, BPF_ANY);
		count_fam(fam, MXGW_SYN_VERIFIED);
		return SYN_VERIFIED;
	}

	r = bpf_map_lookup_elem(&mxgw_syn_rate, &svc_id);
	sf = bpf_map_lookup_elem(&mxgw_synflood, &svc_id);
	if (!r || !sf || !syn_count(sf, st, r, now))
		return SYN_GO_ON;
	/* the lookup refreshes the entry's place in the LRU */
	ok = bpf_map_lookup_elem(&mxgw_syn_ok, &k);
	if (ok && now - ok->verified_ns < MXGW_SYN_OK_NS)
		return syn_budget(sf, st, r) ? SYN_GO_ON : SYN_OVER_BUDGET;
	if (r->challenged >= MXGW_SYN_CHALLENGE_MAX)
		return SYN_DROP;
	r->challenged++;
	if (!syn_ack_build(ctx, l3_off, fam, &f, syn_hash(fam, key, &f, cslot)))
		return SYN_DROP;
	count_fam(fam, MXGW_SYN_CHALLENGED);
	return SYN_TX;
}

#endif /* MXGW_SYNFLOOD_BPF_H */
