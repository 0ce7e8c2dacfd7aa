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
 * bans, a load of the source's hint (mxgw_ban_hint, maps/mxgw_abi.h) and,
 * where it is set, a hash lookup (a host's ban: IPv4 /32, IPv6 /64), and an LPM trie
 * walk only where prefixes of other lengths are banned (see make bench
 * and maps/mxgw_abi.h); the allowlist is looked up only for a banned
 * source, the clock read only on a hit with an expiry.
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

/* The hints (maps/mxgw_abi.h): mmapped by user space, which sets a slot
 * with a byte store as the data plane does. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MXGW_BAN_HINT_BLOCKS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct mxgw_ban_hint_block);
} mxgw_ban_hint SEC(".maps");

/* Is hint slot @slot set?  An array element: the verifier inlines the
 * lookup (no helper call). */
static __always_inline bool ban_hinted(__u32 slot)
{
	__u32 blk = slot / MXGW_BAN_HINT_PER_BLOCK;
	struct mxgw_ban_hint_block *h = bpf_map_lookup_elem(&mxgw_ban_hint, &blk);

	return h && h->slot[slot & (MXGW_BAN_HINT_PER_BLOCK - 1)];
}

/* Set slot @slot, before the ban it hints at is written. */
static __always_inline void ban_hint_set(__u32 slot)
{
	__u32 blk = slot / MXGW_BAN_HINT_PER_BLOCK;
	struct mxgw_ban_hint_block *h = bpf_map_lookup_elem(&mxgw_ban_hint, &blk);

	if (h)
		h->slot[slot & (MXGW_BAN_HINT_PER_BLOCK - 1)] = 1;
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

/* Does a live ban hold @saddr?  The host's (only where its hint is set),
 * else (only where the trie holds any) a prefix's: a host's ban may have
 * run out under a prefix's. */
static __always_inline bool ban4_any(const struct mxgw_config *cfg, __be32 saddr)
{
	struct mxgw_lpm4_key key = { .prefixlen = 32, .addr = saddr };
	struct mxgw_ban *b;

	if (ban_hinted(mxgw_ban_hint4(saddr))) {
		b = bpf_map_lookup_elem(&mxgw_ban4, &saddr);
		if (b && ban_live(b))
			return true;
	}
	if (!(cfg->flags & MXGW_CFG_F_BANPFX4))
		return false;
	b = bpf_map_lookup_elem(&mxgw_banpfx4, &key);
	return b && ban_live(b);
}

static __always_inline bool ban6_any(const struct mxgw_config *cfg,
				     const struct mxgw_in6 *saddr)
{
	struct mxgw_ban6_key host = { .net = { saddr->a[0], saddr->a[1] } };
	struct mxgw_lpm6_key key = { .prefixlen = 128, .addr = *saddr };
	struct mxgw_ban *b;

	if (ban_hinted(mxgw_ban_hint6(saddr->a[0], saddr->a[1]))) {
		b = bpf_map_lookup_elem(&mxgw_ban6, &host);
		if (b && ban_live(b))
			return true;
	}
	if (!(cfg->flags & MXGW_CFG_F_BANPFX6))
		return false;
	b = bpf_map_lookup_elem(&mxgw_banpfx6, &key);
	return b && ban_live(b);
}

/* The lookups, apart from the packet paths: only a gateway with bans
 * calls them. */
static __noinline bool ban_hit4(const struct mxgw_config *cfg, __be32 saddr)
{
	if (!ban4_any(cfg, saddr))
		return false;
	if (allowlisted4(cfg, saddr)) {
		count(MXGW_BAN_ALLOWLISTED);
		return false;
	}
	return true;
}

static __noinline bool ban_hit6(const struct mxgw_config *cfg, const struct mxgw_in6 *saddr)
{
	if (!ban6_any(cfg, saddr))
		return false;
	if (allowlisted6(cfg, saddr)) {
		count6(MXGW_BAN_ALLOWLISTED);
		return false;
	}
	return true;
}

/* Is the IPv4 source @saddr banned (and not allowlisted)?  Callers drop
 * with MXGW_DROP_BANNED. */
static __always_inline bool banned4(const struct mxgw_config *cfg, __be32 saddr)
{
	/* the hint first, inline: a clean source calls nothing (ban_hit4
	 * tests it again, for its other callers: one inlined load) */
	return (cfg->flags & MXGW_CFG_F_BAN4) &&
	       ((cfg->flags & MXGW_CFG_F_BANPFX4) || ban_hinted(mxgw_ban_hint4(saddr))) &&
	       ban_hit4(cfg, saddr);
}

static __always_inline bool banned6(const struct mxgw_config *cfg, const void *saddr)
{
	struct mxgw_in6 s;

	if (!(cfg->flags & MXGW_CFG_F_BAN6))
		return false;
	__builtin_memcpy(&s, saddr, sizeof(s));
	if (!(cfg->flags & MXGW_CFG_F_BANPFX6) && !ban_hinted(mxgw_ban_hint6(s.a[0], s.a[1])))
		return false;
	return ban_hit6(cfg, &s);
}

#endif /* MXGW_BAN_BPF_H */
