/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Bans (mxctl ban) and the allowlist (allowlist in mxgw.conf), checked
 * in XDP on what arrives from the WAN.
 *
 * A ban drops what the table would decide on: connections and datagrams
 * to mailserver's (mailserver6's) services and unlisted ports, "to
 * gateway" services, echo requests, other protocols.  Replies of tracked
 * flows and ICMP errors about them still pass: the LAN's own connections
 * to a banned host (mail to its MX, say) keep working, as a ban in
 * netfilter's input chain behind "ct state established accept" would.
 *
 * Cost: a gateway with no bans pays one test of mxgw_config.flags (a
 * word in the config entry the packet has loaded anyway) per path; with
 * bans, a load of the source's slot in mxgw_ban_hint (maps/mxgw_abi.h:
 * an inlined array element) which answers for a host's ban (IPv4 /32,
 * IPv6 /64) by itself: its own tag, banned; another's or none, not; only
 * ASK (two bans share the slot, a rate limit banned) or a tag's last unit
 * before its expiry costs the hash lookup.  The tag was the difference:
 * a hash hit (helper call, jhash) made a banned source's drop cost 1.1x
 * to 1.6x the plain deny path (docs/BENCHMARKS.md).  An LPM trie walk
 * only where prefixes of other lengths are banned; the allowlist is
 * looked up only for a banned source, the clock read only on a tag with
 * an expiry.  The slot is loaded once, inline, and handed to the
 * lookups' subprogram (ban_hit4/6) with its hash.
 */
#ifndef MXGW_BAN_BPF_H
#define MXGW_BAN_BPF_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../maps/mxgw_abi.h"
#include "consts.bpf.h"
#include "maps.bpf.h"
#include "clock.bpf.h"

/* A host: an IPv4 /32, an IPv6 /64 (struct mxgw_ban6_key) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MXGW_MAX_BANS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __be32);
	__type(value, struct mxgw_ban);
} mxgw_ban4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MXGW_MAX_BANS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct mxgw_ban6_key);
	__type(value, struct mxgw_ban);
} mxgw_ban6 SEC(".maps");

/* Every other prefix */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, MXGW_MAX_BANS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct mxgw_lpm4_key);
	__type(value, struct mxgw_ban);
} mxgw_banpfx4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, MXGW_MAX_BANS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct mxgw_lpm6_key);
	__type(value, struct mxgw_ban);
} mxgw_banpfx6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, MXGW_MAX_ALLOW);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct mxgw_lpm4_key);
	__type(value, __u8);
} mxgw_allow4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, MXGW_MAX_ALLOW);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct mxgw_lpm6_key);
	__type(value, __u8);
} mxgw_allow6 SEC(".maps");

/* The host bans' tags (maps/mxgw_abi.h): mmapped by user space, which
 * writes a word with an 8-byte store or compare-and-exchange. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MXGW_BAN_TAG_BLOCKS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct mxgw_ban_tag_block);
} mxgw_ban_hint SEC(".maps");

/* Tag word @w: an array element, the verifier inlines the lookup (no
 * helper call). */
static __always_inline __u64 ban_tag(__u32 w)
{
	__u32 blk = w / MXGW_BAN_TAG_PER_BLOCK;
	struct mxgw_ban_tag_block *b = bpf_map_lookup_elem(&mxgw_ban_hint, &blk);

	return b ? b->w[w & (MXGW_BAN_TAG_PER_BLOCK - 1)] : MXGW_BAN_TAG_EMPTY;
}

/* Word @w to ASK, before the ban of a source mapped there is written
 * (and after: see limit_ban).  ASK is what the data plane ever stores: a
 * plain store of it loses no one's ban. */
static __always_inline void ban_tag_ask(__u32 w)
{
	__u32 blk = w / MXGW_BAN_TAG_PER_BLOCK;
	struct mxgw_ban_tag_block *b = bpf_map_lookup_elem(&mxgw_ban_hint, &blk);

	if (b)
		b->w[w & (MXGW_BAN_TAG_PER_BLOCK - 1)] = MXGW_BAN_TAG_ASK;
}

/* What a slot says of a source: not banned by a host's ban, banned, or
 * look in the hash. */
enum { BAN_TAG_NO, BAN_TAG_YES, BAN_TAG_ASK };

/* A tag of the source with expiry @exp: live, run out, or in its last
 * unit (the hash has the nanosecond).  The clock is read only here. */
static __always_inline int ban_tag_live(__u32 exp)
{
	__u64 now;

	if (exp == MXGW_BAN_TAG_NEVER)
		return BAN_TAG_YES;
	now = clock_now() >> MXGW_BAN_TAG_SHIFT;
	if (now + 1 < exp)
		return BAN_TAG_YES;
	return now >= exp ? BAN_TAG_NO : BAN_TAG_ASK;
}

/* Is the IPv4 @saddr inside the allowlist?  For bans, blocklists and
 * limits alike: the allowlist wins over each of them. */
static __always_inline bool allowlisted4(const struct mxgw_config *cfg, __be32 saddr)
{
	struct mxgw_lpm4_key key = { .prefixlen = 32, .addr = saddr };

	if (!(cfg->flags & MXGW_CFG_F_ALLOW4))
		return false;
	return bpf_map_lookup_elem(&mxgw_allow4, &key) != NULL;
}

static __always_inline bool allowlisted6(const struct mxgw_config *cfg, const void *saddr)
{
	struct mxgw_lpm6_key key = { .prefixlen = 128 };

	if (!(cfg->flags & MXGW_CFG_F_ALLOW6))
		return false;
	__builtin_memcpy(&key.addr, saddr, sizeof(key.addr));
	return bpf_map_lookup_elem(&mxgw_allow6, &key) != NULL;
}

/* Does ban @b still hold?  An expired one is left for mxctl to remove:
 * deleting from an LPM trie takes its lock, which lookups never do. */
static __always_inline bool ban_live(const struct mxgw_ban *b)
{
	__u64 exp = b->expires_ns;

	return !exp || clock_now() < exp;
}

/* IPv4 /32 @saddr's tag word (maps/mxgw_abi.h). */
static __always_inline __u64 ban_tag4(__be32 saddr)
{
	return ban_tag(mxgw_ban_tag_word4(saddr));
}

/* May tag word @t say @saddr is banned (its tag, or ASK)?  Else no
 * host's ban holds it. */
static __always_inline bool ban_tag4_maybe(__be32 saddr, __u64 t)
{
	return ((__u32)t == saddr && (t >> 32)) || t == MXGW_BAN_TAG_ASK;
}

/* Does a live ban hold @saddr?  The host's (its tag @t answers, or the
 * hash where it says ASK), else (only where the trie holds any) a
 * prefix's: a host's ban may have run out under a prefix's. */
static __always_inline bool ban4_found(const struct mxgw_config *cfg, __be32 saddr, __u64 t)
{
	struct mxgw_lpm4_key key;
	struct mxgw_ban *b;
	int r = BAN_TAG_NO;

	if (t == MXGW_BAN_TAG_ASK)
		r = BAN_TAG_ASK;
	else if ((__u32)t == saddr && (t >> 32))
		r = ban_tag_live(t >> 32);
	if (r == BAN_TAG_YES)
		return true;
	if (r == BAN_TAG_ASK) {
		b = bpf_map_lookup_elem(&mxgw_ban4, &saddr);
		if (b && ban_live(b))
			return true;
	}
	if (!(cfg->flags & MXGW_CFG_F_BANPFX4))
		return false;
	key.prefixlen = 32;
	key.addr = saddr;
	b = bpf_map_lookup_elem(&mxgw_banpfx4, &key);
	return b && ban_live(b);
}

static __always_inline bool ban4_any(const struct mxgw_config *cfg, __be32 saddr)
{
	return ban4_found(cfg, saddr, ban_tag4(saddr));
}

/* An IPv6 source's slot, loaded: both words (maybe torn, see
 * maps/mxgw_abi.h) and the check's hash the source's /64 would have. */
struct ban_slot6 {
	__u64 net, check;
	__u32 hash;
};

static __always_inline void ban_tag6(const struct mxgw_in6 *saddr, struct ban_slot6 *t)
{
	__u64 net, x;
	__u32 w, blk;
	struct mxgw_ban_tag_block *b;

	__builtin_memcpy(&net, saddr, sizeof(net));
	x = mxgw_ban_tag_mul6(net);
	w = mxgw_ban_tag_word6(x);
	t->hash = mxgw_ban_tag_hash6(x);
	blk = w / MXGW_BAN_TAG_PER_BLOCK;
	b = bpf_map_lookup_elem(&mxgw_ban_hint, &blk);
	if (b) {
		/* w is even: {net, check} in one block */
		t->net = b->w[w & (MXGW_BAN_TAG_PER_BLOCK - 2)];
		t->check = b->w[(w & (MXGW_BAN_TAG_PER_BLOCK - 2)) + 1];
	} else {
		t->net = t->check = MXGW_BAN_TAG_EMPTY;
	}
}

/* May check word @check say the source is banned (ASK, or a check that
 * is its /64's: the hash, a nonzero expiry)?  While its ban is in the
 * hash the check word says one of them, whatever the net word says. */
static __always_inline bool ban_tag6_maybe(__u64 check, __u32 hash)
{
	return (__u32)check == hash || check == MXGW_BAN_TAG_ASK;
}

static __always_inline bool ban6_found(const struct mxgw_config *cfg,
				       const struct mxgw_in6 *saddr, __u64 net, __u64 check,
				       __u32 hash)
{
	struct mxgw_lpm6_key key;
	struct mxgw_ban *b;
	int r = BAN_TAG_NO;

	if (check == MXGW_BAN_TAG_ASK) {
		r = BAN_TAG_ASK;
	} else if ((__u32)check == hash && (check >> 32)) {
		__u64 src;

		__builtin_memcpy(&src, saddr, sizeof(src));
		/* another /64 of the same hash, or a torn read: the hash */
		r = net == src ? ban_tag_live(check >> 32) : BAN_TAG_ASK;
	}
	if (r == BAN_TAG_YES)
		return true;
	if (r == BAN_TAG_ASK) {
		struct mxgw_ban6_key host = { .net = { saddr->a[0], saddr->a[1] } };

		b = bpf_map_lookup_elem(&mxgw_ban6, &host);
		if (b && ban_live(b))
			return true;
	}
	if (!(cfg->flags & MXGW_CFG_F_BANPFX6))
		return false;
	key.prefixlen = 128;
	key.addr = *saddr;
	b = bpf_map_lookup_elem(&mxgw_banpfx6, &key);
	return b && ban_live(b);
}

static __always_inline bool ban6_any(const struct mxgw_config *cfg,
				     const struct mxgw_in6 *saddr)
{
	struct ban_slot6 t;

	ban_tag6(saddr, &t);
	return ban6_found(cfg, saddr, t.net, t.check, t.hash);
}

/* The lookups, apart from the packet paths: only a source whose tag may
 * say so (or a gateway with banned prefixes) calls them, with the words
 * its caller loaded. */
static __noinline bool ban_hit4(const struct mxgw_config *cfg, __be32 saddr, __u64 t)
{
	if (!ban4_found(cfg, saddr, t))
		return false;
	if (allowlisted4(cfg, saddr)) {
		count(MXGW_BAN_ALLOWLISTED);
		return false;
	}
	return true;
}

static __noinline bool ban_hit6(const struct mxgw_config *cfg, const struct mxgw_in6 *saddr,
				__u64 net, __u64 check, __u32 hash)
{
	if (!ban6_found(cfg, saddr, net, check, hash))
		return false;
	if (allowlisted6(cfg, saddr)) {
		count6(MXGW_BAN_ALLOWLISTED);
		return false;
	}
	return true;
}

/* Is the IPv4 source @saddr banned (and not allowlisted)?  Callers drop
 * with MXGW_DROP_BANNED.  The tag inline, loaded once: a clean source
 * calls nothing. */
static __always_inline bool banned4(const struct mxgw_config *cfg, __be32 saddr)
{
	__u32 flags = cfg->flags;
	__u64 t;

	if (!(flags & MXGW_CFG_F_BAN4))
		return false;
	t = ban_tag4(saddr);
	if (!(flags & MXGW_CFG_F_BANPFX4)) {
		/* most slots are empty (10^5 bans: 9 in 10): one compare */
		if (t == MXGW_BAN_TAG_EMPTY || !ban_tag4_maybe(saddr, t))
			return false;
	}
	return ban_hit4(cfg, saddr, t);
}

static __always_inline bool banned6(const struct mxgw_config *cfg, const void *saddr)
{
	__u32 flags = cfg->flags;
	struct ban_slot6 t;
	struct mxgw_in6 s;

	if (!(flags & MXGW_CFG_F_BAN6))
		return false;
	/* four word loads: a copy from a void pointer is sixteen byte loads
	 * and their shifts (addr6.bpf.h on unaligned addresses) */
	s = *(const struct mxgw_in6 *)saddr;
	ban_tag6(&s, &t);
	if (!(flags & MXGW_CFG_F_BANPFX6)) {
		if (t.check == MXGW_BAN_TAG_EMPTY || !ban_tag6_maybe(t.check, t.hash))
			return false;
	}
	return ban_hit6(cfg, &s, t.net, t.check, t.hash);
}

#endif /* MXGW_BAN_BPF_H */
