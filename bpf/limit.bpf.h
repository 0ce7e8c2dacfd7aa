/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Rate limits (limit in mxgw.conf): new connections per source per
 * service, checked in XDP on what a limited service would let in, after
 * the ban and blocklist checks (see struct mxgw_limit for the bucket and
 * the two LRU maps that keep a spoofed flood from evicting real clients).
 *
 * Cost: a gateway with no limit pays one test of mxgw_config.flags on the
 * allowed path; a packet of a limited service that opens nothing (an ACK)
 * a test of the port's flags; a new connection one or two LRU lookups.
 * The allowlist is looked up only for a source over its limit.
 */
#ifndef MXGW_LIMIT_BPF_H
#define MXGW_LIMIT_BPF_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../maps/mxgw_abi.h"
#include "consts.bpf.h"
#include "maps.bpf.h"
#include "clock.bpf.h"
#include "ban.bpf.h"
#include "nat.bpf.h"		/* struct l4_ref */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MXGW_MAX_SERVICES);
	__type(key, __u32);
	__type(value, struct mxgw_limit);
} mxgw_limits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MXGW_RL_MAX);
	__type(key, struct mxgw_rl_key);
	__type(value, struct mxgw_rl);
} mxgw_rl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MXGW_RL_NEW_MAX);
	__type(key, struct mxgw_rl_key);
	__type(value, struct mxgw_rl);
} mxgw_rl_new SEC(".maps");

/*
 * Take one connection from the bucket of @key under limit @l at @now:
 * true when it is over the limit.  A source without a bucket has its
 * full burst: the first connection puts it on probation (mxgw_rl_new),
 * the second moves it into mxgw_rl.
 */
static __always_inline bool limit_take(const struct mxgw_rl_key *key,
				       const struct mxgw_limit *l, __u64 now)
{
	struct mxgw_rl *b = bpf_map_lookup_elem(&mxgw_rl, key);
	struct mxgw_rl nb;
	__u64 tat;

	if (b) {
		tat = b->tat_ns > now ? b->tat_ns : now;
		if (tat + l->interval_ns - now > l->burst_ns)
			return true;
		/* a racing CPU's update may be lost: one connection more */
		b->tat_ns = tat + l->interval_ns;
		return false;
	}
	b = bpf_map_lookup_elem(&mxgw_rl_new, key);
	if (!b) {
		nb.tat_ns = now + l->interval_ns;
		bpf_map_update_elem(&mxgw_rl_new, key, &nb, BPF_ANY);
		return false;
	}
	/* it came back: a bucket of its own, which no single-SYN source
	 * can evict (left in mxgw_rl_new for its LRU to age out) */
	tat = b->tat_ns > now ? b->tat_ns : now;
	if (tat + l->interval_ns - now > l->burst_ns) {
		nb.tat_ns = tat;
		bpf_map_update_elem(&mxgw_rl, key, &nb, BPF_ANY);
		return true;
	}
	nb.tat_ns = tat + l->interval_ns;
	bpf_map_update_elem(&mxgw_rl, key, &nb, BPF_ANY);
	return false;
}

/* MXGW_LIMIT_REASON into @r (zeroed), stored from immediates: a string
 * (an initializer or memcpy) would put a copy in .rodata, a map of its
 * own.  test_limit checks it against MXGW_LIMIT_REASON. */
static __always_inline void ban_reason(char *r)
{
	static const char s[] = MXGW_LIMIT_REASON;

	_Static_assert(sizeof(s) == 11, "MXGW_LIMIT_REASON: ban_reason() writes 10 bytes");
	r[0] = 'r';
	r[1] = 'a';
	r[2] = 't';
	r[3] = 'e';
	r[4] = ' ';
	r[5] = 'l';
	r[6] = 'i';
	r[7] = 'm';
	r[8] = 'i';
	r[9] = 't';
}

/* Ban @key's source for @l->ban_ns as `mxctl ban --for` does: the same
 * maps, keys and values, and the config's flag that makes XDP look. */
static __always_inline void limit_ban(struct mxgw_config *cfg, const struct mxgw_rl_key *key,
				      const struct mxgw_limit *l, __u64 now)
{
	struct mxgw_ban ban = {
		.expires_ns = now + l->ban_ns,
		.set_ns = now,
	};
	__u32 flag, w;
	int err;

	ban_reason(ban.reason);
	/* the slot to ASK before the ban, as mxgw_bans_add writes it: never
	 * a ban unseen.  ASK, never a tag: a plain store may overwrite
	 * another ban's tag that user space wrote meanwhile, and ASK keeps
	 * that one found too.  Again after the update: a sync
	 * (mxgw_bans_hint_sync) that overwrote the first store before this
	 * ban was in the hash may not have seen it in its second walk */
	if (key->family == MXGW_FAM_IPV6) {
		struct mxgw_ban6_key k6 = { .net = { key->addr[0], key->addr[1] } };
		__u64 net;

		__builtin_memcpy(&net, key->addr, sizeof(net));
		/* the check word, after the net word */
		w = mxgw_ban_tag_word6(mxgw_ban_tag_mul6(net)) + 1;
		ban_tag_ask(w);
		err = bpf_map_update_elem(&mxgw_ban6, &k6, &ban, BPF_ANY);
		flag = MXGW_CFG_F_BAN6;
	} else {
		w = mxgw_ban_tag_word4(key->addr[0]);
		ban_tag_ask(w);
		err = bpf_map_update_elem(&mxgw_ban4, &key->addr[0], &ban, BPF_ANY);
		flag = MXGW_CFG_F_BAN4;
	}
	ban_tag_ask(w);
	if (err)
		return;
	/* the bit mxgw_bans_sync_flags() sets from the map's content.  Not
	 * atomic (BPF_ATOMIC_OR needs -mcpu=v3): a bit another CPU sets at
	 * the same instant may be lost, and comes back with the next
	 * connection of the banned source, which is still over its limit */
	if (!(cfg->flags & flag))
		cfg->flags |= flag;
	if (key->family == MXGW_FAM_IPV6)
		count6(MXGW_RATE_LIMIT_BANS);
	else
		count(MXGW_RATE_LIMIT_BANS);
}

/*
 * Is this new connection of service @svc_id from @key's source over its
 * limit (and the source not allowlisted)?  Apart from the packet paths:
 * only a limited service's new connections call it.
 */
static __noinline bool limit_over(struct mxgw_config *cfg, struct mxgw_rl_key *key,
				  const struct mxgw_in6 *saddr)
{
	__u32 id = key->svc_id;
	struct mxgw_limit *l = bpf_map_lookup_elem(&mxgw_limits, &id);
	__u64 now;

	if (!l || !l->interval_ns)
		return false;
	now = clock_now();
	if (!limit_take(key, l, now))
		return false;
	if (key->family == MXGW_FAM_IPV6 ? allowlisted6(cfg, saddr) :
					   allowlisted4(cfg, saddr->a[0])) {
		if (key->family == MXGW_FAM_IPV6)
			count6(MXGW_BAN_ALLOWLISTED);
		else
			count(MXGW_BAN_ALLOWLISTED);
		return false;
	}
	if (l->ban_ns)
		limit_ban(cfg, key, l, now);
	return true;
}

/* Does @l4's packet open a connection a limit counts?  A TCP SYN without
 * ACK; every UDP datagram (UDP has no "new": a flow is whatever a source
 * sends, so the rate is that of its datagrams). */
static __always_inline bool limit_counts(const struct l4_ref *l4)
{
	if (l4->proto == IPPROTO_UDP)
		return true;
	return (l4->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN;
}

/* Over the limit of port policy @pol: drop with MXGW_DROP_RATE_LIMIT.
 * Callers test MXGW_CFG_F_LIMIT first. */
static __always_inline bool limited4(const struct mxgw_config *cfg,
				     const struct mxgw_port_policy *pol,
				     const struct l4_ref *l4, __be32 saddr)
{
	struct mxgw_rl_key key = { .family = MXGW_FAM_IPV4, .addr = { saddr, 0 } };
	struct mxgw_in6 s = { .a = { saddr } };

	if (!(pol->flags & MXGW_PORT_F_LIMIT) || !limit_counts(l4))
		return false;
	key.svc_id = pol->svc_id;
	return limit_over((struct mxgw_config *)cfg, &key, &s);
}

static __always_inline bool limited6(const struct mxgw_config *cfg,
				     const struct mxgw_port_policy *pol,
				     const struct l4_ref *l4, const void *saddr)
{
	struct mxgw_rl_key key = { .family = MXGW_FAM_IPV6 };
	struct mxgw_in6 s;

	if (!(pol->flags & MXGW_PORT_F_LIMIT) || !limit_counts(l4))
		return false;
	key.svc_id = pol->svc_id;
	__builtin_memcpy(&s, saddr, sizeof(s));
	key.addr[0] = s.a[0];
	key.addr[1] = s.a[1];
	return limit_over((struct mxgw_config *)cfg, &key, &s);
}

#endif /* MXGW_LIMIT_BPF_H */
