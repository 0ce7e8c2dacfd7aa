/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Blocklists (`blocklist NAME FILE [services NAME,...]`, maps/mxgw_abi.h
 * "Blocklists"): a source in a list that applies to the packet is dropped
 * (drop_blocklist, and a count per list in mxgw_bl_drops).
 *
 * Checked once per family, right after the source checks and before the
 * table: on every incoming path to the public address (IPv4), to
 * mailserver6 and to the WAN's IPv6 addresses' "to gateway" services.
 * A list without "services" applies to everything incoming there (every
 * service, unlisted ports, ICMP echo requests, other protocols); one with
 * "services" to those services' ports only.  Never dropped: replies of the
 * LAN's (and the gateway's) own tracked flows (a bare SYN is never one, as
 * in ct6_reply_in: it pays no lookup), and ICMP echo replies and
 * errors, which the data plane lets through only for a tracked flow or an
 * allowed connection anyway: a LAN host may still talk to a listed network
 * it chose to reach.
 *
 * Bans and the allowlist (bpf/ban.bpf.h) come first: a source the
 * allowlist holds is never dropped by a list (ban_allowlisted counts it),
 * and a banned one is left to the path's ban check, which drops it as
 * drop_banned (every packet a list applies to meets one, after the same
 * tracked-flow exemption) or lets it on when the allowlist holds it.
 *
 * The fast path is the lookup: one array entry by the source's /24 (IPv4;
 * a hash of the longer prefixes only under a /24 that has some), one
 * array entry by the /32 (IPv6: a set of two ways tagged with their /32,
 * the hash only for a set's third /32, the trie only for a crowded /32).
 * What follows a hit (the port, the service's lists, the tracked-flow
 * exemption, the counts) is a function of its own, never on a clean
 * source's path: IPv4's a global one (verified once) that parses the
 * ports again; IPv6's checked inside its paths (bl6_drops: where the
 * ports are parsed and the port's service looked up, for TCP, UDP and
 * echo requests), the global mxgw_bl_applies6 left for packets the path
 * finds no service in (fragments, chains it drops, other protocols, L4
 * headers cut short), with the same rules.
 */
#ifndef MXGW_BLOCKLIST_BPF_H
#define MXGW_BLOCKLIST_BPF_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "../maps/mxgw_abi.h"
#include "consts.bpf.h"
#include "parse.bpf.h"
#include "maps.bpf.h"
#include "icmp.bpf.h"
#include "nat.bpf.h"
#include "conntrack.bpf.h"
#include "ban.bpf.h"

/* The bits of the lists holding IPv4 source @saddr; 0 for none. */
static __always_inline __u32 bl_lookup4(__be32 saddr)
{
	__u32 zero = 0, a = bpf_ntohl(saddr), idx = a >> 13, slot, host = a & 0xff;
	struct mxgw_bl4_key key = { .prefixlen = 32, .addr = saddr };
	__be32 net = bpf_htonl(a & 0xffffff00);
	struct mxgw_bl4_long24 *l;
	struct mxgw_bl4_block *b;
	void *tbl, *map;
	__u16 *v;
	__u32 e;
	int i;

	tbl = bpf_map_lookup_elem(&mxgw_bl4, &zero);
	if (!tbl)
		return 0;
	b = bpf_map_lookup_elem(tbl, &idx);
	if (!b)
		return 0;
	e = b->bits[(a >> 8) & (MXGW_BL4_PER_BLOCK - 1)];
	if (!(e & (MXGW_BL_LONG0 | MXGW_BL_LONG1)))
		return e;
	/* a /24 with longer prefixes under it: the hash of this array */
	slot = e & MXGW_BL_LONG1 ? 1 : 0;
	e &= MXGW_BL_LISTS;
	map = bpf_map_lookup_elem(&mxgw_bl4_hash, &slot);
	if (!map)
		return e;
	l = bpf_map_lookup_elem(map, &net);
	if (!l)
		return e;
	if (!l->more) {
#pragma unroll
		for (i = 0; i < MXGW_BL4_SMALL; i++) {
			if (i >= l->n)
				break;
			/* len 25..32: the host bits of the last byte */
			if ((host & (0xff00U >> (l->e[i].len - 24))) == l->e[i].host)
				return l->e[i].bits & MXGW_BL_LISTS;
		}
		return e;
	}
	/* more than a value holds: the trie has them all */
	map = bpf_map_lookup_elem(&mxgw_bl4_long, &slot);
	if (map) {
		v = bpf_map_lookup_elem(map, &key);
		if (v)
			return *v & MXGW_BL_LISTS;
	}
	return e;
}

/* The bits of the lists holding IPv6 source @saddr; 0 for none.  The
 * array's set of the source's /32 first (inlined): a way holding it
 * answers with at most MXGW_BL6_SMALL compares of three words; a /32 no
 * way holds is in no list unless the set asks further: the hash (one
 * lookup, a third /32 of the set) or the trie (a walk, ~350 ns among
 * 10^5 prefixes: a crowded /32, a prefix shorter than the array takes). */
static __always_inline __u32 bl_lookup6(const void *saddr)
{
	struct mxgw_bl6_key key = { .prefixlen = 128 };
	struct mxgw_bl6_long32 *l;
	struct mxgw_bl6_set *set;
	__u32 zero = 0, s[4], slot;
	void *map;
	__u16 *v;
	int i;

	/* four word loads (a copy from a void pointer is sixteen byte
	 * loads and their shifts): addr6.bpf.h on unaligned addresses */
	*(struct mxgw_in6 *)s = *(const struct mxgw_in6 *)saddr;
	map = bpf_map_lookup_elem(&mxgw_bl6_tag, &zero);
	if (!map)
		return 0;
	slot = mxgw_bl6_tag_slot(s[0]);
	set = bpf_map_lookup_elem(map, &slot);
	if (!set)
		return 0;
	if (set->net[0] == s[0]) {
		l = &set->v[0];
	} else if (set->net[1] == s[0]) {
		l = &set->v[1];
	} else {
		if (!set->ask)
			return 0;
		slot = set->slot;
		if (set->ask & MXGW_BL6_ASK_HASH) {
			map = bpf_map_lookup_elem(&mxgw_bl6_hash, &slot);
			l = map ? bpf_map_lookup_elem(map, &s[0]) : NULL;
			if (l)
				goto found;
		}
		if (!(set->ask & MXGW_BL6_ASK_TRIE))
			return 0;
		goto trie;
	}
found:
	if (!l->more) {
		/* a fixed count, unrolled: 6.1 rejects the loop's back edge
		 * clang lays out as a fall-through (bpf/parse.bpf.h) */
#pragma unroll
		for (i = 0; i < MXGW_BL6_SMALL; i++) {
			if (i >= l->n)
				break;
			if ((s[1] & l->e[i].mask[0]) == l->e[i].addr[0] &&
			    (s[2] & l->e[i].mask[1]) == l->e[i].addr[1] &&
			    (s[3] & l->e[i].mask[2]) == l->e[i].addr[2])
				return l->e[i].bits & MXGW_BL_LISTS;
		}
		return l->bits & MXGW_BL_LISTS;
	}
	slot = l->more - 1;
trie:
	map = bpf_map_lookup_elem(&mxgw_bl6_long, &slot);
	if (!map)
		return 0;
	__builtin_memcpy(&key.addr, s, sizeof(key.addr));
	v = bpf_map_lookup_elem(map, &key);
	return v ? *v & MXGW_BL_LISTS : 0;
}

/* Of @bits, the lists that apply to service @svc_id (0: unlisted). */
static __always_inline __u32 bl_applying(__u32 bits, __u32 svc_id)
{
	__u16 *m = bpf_map_lookup_elem(&mxgw_bl_svc, &svc_id);

	return m ? bits & *m : 0;
}

/*
 * Is IPv4 source @saddr, in a list that applies, someone else's to decide?
 * Banned: the path's ban check drops it (drop_banned, one count); else
 * allowlisted: let on, counted here.  Only a hit pays the config's lookup
 * (a global function has no @cfg of its caller's).
 */
static __always_inline bool bl_exempt4(__be32 saddr)
{
	const __u32 zero = 0;
	struct mxgw_config *cfg = bpf_map_lookup_elem(&mxgw_config, &zero);

	if (!cfg)
		return false;
	if ((cfg->flags & MXGW_CFG_F_BAN4) && ban4_any(cfg, saddr))
		return true;
	if (allowlisted4(cfg, saddr)) {
		count(MXGW_BAN_ALLOWLISTED);
		return true;
	}
	return false;
}

/* IPv6's, with the config its caller has (the packet path's) */
static __always_inline bool bl_exempt6_cfg(const struct mxgw_config *cfg, const void *saddr)
{
	struct mxgw_in6 s = *(const struct mxgw_in6 *)saddr;	/* words, as bl_lookup6 */

	if ((cfg->flags & MXGW_CFG_F_BAN6) && ban6_any(cfg, &s))
		return true;
	if (allowlisted6(cfg, &s)) {
		count6(MXGW_BAN_ALLOWLISTED);
		return true;
	}
	return false;
}

static __always_inline bool bl_exempt6(const void *saddr)
{
	const __u32 zero = 0;
	struct mxgw_config *cfg = bpf_map_lookup_elem(&mxgw_config, &zero);

	return cfg && bl_exempt6_cfg(cfg, saddr);
}

/* One more packet dropped by each list of @lists, under @fam's keys. */
static __always_inline void bl_count(__u32 lists, __u32 fam)
{
	int i;

#pragma unroll
	for (i = 0; i < MXGW_BL_MAX; i++) {
		__u32 key = mxgw_bl_drop_key(fam, i);
		__u64 *v;

		if (!(lists & (1U << i)))
			continue;
		v = bpf_map_lookup_elem(&mxgw_bl_drops, &key);
		if (v)
			*v += 1;
	}
}

/*
 * IPv4: which of the lists @bits holding the source apply to this packet
 * (its IP header at @l3_off); counted, and the caller drops when not 0.
 */
__noinline int mxgw_bl_applies4(struct xdp_md *ctx, __u64 l3_off, __u32 bits)
{
	void *data = (void *)(long)ctx->data;
	struct cursor c = { .end = (void *)(long)ctx->data_end };
	struct mxgw_port_policy *pol;
	struct mxgw_ct_key key = {};
	struct udphdr *ports;
	struct icmphdr *ic;
	struct iphdr *ip;
	__u32 svc_id = 0, lists;

	asm volatile("" : "+r"(l3_off));	/* see mxgw_wan_in6 */
	if (l3_off > sizeof(struct ethhdr) + MXGW_MAX_VLANS * sizeof(struct vlan_hdr))
		return 0;
	c.pos = data + l3_off;
	ip = parse_ipv4_fixed(&c);
	if (!ip)
		return 0;
	if (ipv4_validate(&c, ip, 0) != IPV4_OK)
		goto unlisted;	/* fragments, bad headers: of no service */
	if (ip->protocol == IPPROTO_TCP || ip->protocol == IPPROTO_UDP) {
		ports = parse_l4(&c, ip, 4);
		if (!ports)
			goto unlisted;
		pol = port_policy(ip->protocol, bpf_ntohs(ports->dest));
		if (pol && pol->svc_id) {
			/* a listed port is never a mapped one (nat_alloc) */
			svc_id = pol->svc_id;
			goto applying;
		}
		/* a reply of the LAN's or the gateway's own flow comes back */
		key.remote_addr = ip->saddr;
		key.remote_port = ports->source;
		key.public_port = ports->dest;
		key.proto = ip->protocol;
		if (bpf_map_lookup_elem(&mxgw_ct, &key))
			return 0;
	} else if (ip->protocol == IPPROTO_ICMP) {
		ic = parse_l4(&c, ip, sizeof(*ic));
		/* replies and errors pass only for a flow (icmp_in) */
		if (ic && ic->type != ICMP_ECHO)
			return 0;
	}
unlisted:
	svc_id = 0;
applying:
	lists = bl_applying(bits, svc_id);
	if (!lists || bl_exempt4(ip->saddr))
		return 0;
	bl_count(lists, MXGW_FAM_IPV4);
	return lists;
}

/*
 * IPv6, the same for a packet the path cannot read a service from (an
 * extension header chain it drops, a fragment, another protocol, an L4
 * header cut short: rare, so the header is parsed again here, and the
 * source looked up): the packet's IPv6 header at @l3_off, its extension
 * headers walked (@walk); @to_mail: to mailserver6, else to the WAN's own
 * address, where only "to gateway" services are the table's.  The rules
 * are bl6_drops' (below), which the path runs where it has the service.
 */
__noinline int mxgw_bl_applies6(struct xdp_md *ctx, __u64 l3_off, int walk, int to_mail)
{
	void *data = (void *)(long)ctx->data;
	struct cursor c = { .end = (void *)(long)ctx->data_end };
	struct mxgw_port_policy *pol;
	struct mxgw_ct6_key key = {};
	struct ipv6_chain_info info;
	struct ipv6hdr *ip6;
	struct udphdr *ports;
	__u8 *icmp6_type, *tcp_fl;
	__u32 svc_id = 0, lists, bits;
	void *l3_end;

	asm volatile("" : "+r"(l3_off));	/* see mxgw_wan_in6 */
	if (l3_off > sizeof(struct ethhdr) + MXGW_MAX_VLANS * sizeof(struct vlan_hdr))
		return 0;
	c.pos = data + l3_off;
	ip6 = parse_ipv6_fixed(&c);
	if (!ip6)
		return 0;
	bits = bl_lookup6(&ip6->saddr);
	if (!bits)
		return 0;
	l3_end = (void *)(ip6 + 1) + ntohs_bounded(ip6->payload_len);
	if (ipv6_walked(walk, data, &c, &info) != IPV6_CHAIN_OK ||
	    info.frag == IPV6_FRAG_FIRST)
		goto unlisted;
	if (info.proto == IPPROTO_TCP || info.proto == IPPROTO_UDP) {
		ports = parse_l4_end(&c, l3_end, 4);
		if (!ports)
			goto unlisted;
		/* a bare SYN is never a reply (ct6_reply_in's rule): no
		 * lookup for it, the ~30 ns that made a listed source's SYN
		 * cost more than the plain deny (docs/BENCHMARKS.md) */
		tcp_fl = info.proto == IPPROTO_TCP ? parse_l4_end(&c, l3_end, 10) : NULL;
		if (tcp_fl && (tcp_fl[9] & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) == TCP_SYN)
			goto policy;
		/* routed: a LAN flow may use any port, a listed one too */
		__builtin_memcpy(&key.lan_addr, &ip6->daddr, sizeof(key.lan_addr));
		__builtin_memcpy(&key.remote_addr, &ip6->saddr, sizeof(key.remote_addr));
		key.lan_port = ports->dest;
		key.remote_port = ports->source;
		key.proto = info.proto;
		if (bpf_map_lookup_elem(&mxgw_ct6, &key))
			return 0;
policy:
		pol = port_policy(info.proto, bpf_ntohs(ports->dest));
		if (pol && pol->svc_id &&
		    (to_mail || (pol->flags & MXGW_PORT_F_GATEWAY))) {
			svc_id = pol->svc_id;
			goto applying;
		}
	} else if (info.proto == IPPROTO_ICMPV6) {
		icmp6_type = parse_l4_end(&c, l3_end, 4);
		if (icmp6_type && *icmp6_type != ICMPV6_ECHO_REQUEST)
			return 0;
	}
unlisted:
	/* to the gateway's own address only its services are mxgw's */
	if (!to_mail)
		return 0;
	svc_id = 0;
applying:
	lists = bl_applying(bits, svc_id);
	if (!lists || bl_exempt6(&ip6->saddr))
		return 0;
	bl_count(lists, MXGW_FAM_IPV6);
	return lists;
}

/*
 * IPv6 in the packet path (mxgw.bpf.c: wan_in6_lan, wan_in6_gateway),
 * where the L4 header @l4 is parsed and the port's service looked up:
 * of @lists (the source's lists that apply to that service), the ones
 * that drop it, counted; 0 for a reply of a tracked flow (a bare SYN is
 * never one: no lookup), a banned source (the path's ban check drops
 * it) or an allowlisted one.  Only a listed source gets here.
 */
static __noinline __u32 bl6_hit(const struct mxgw_config *cfg, const struct ipv6hdr *ip6,
				const struct l4_ref *l4, __u32 lists)
{
	struct mxgw_ct6_key key = {};

	/* routed: a LAN flow may use any port, a listed one too */
	if (l4->proto == IPPROTO_UDP ||
	    (l4->proto == IPPROTO_TCP && !tcp_opens(l4->tcp_flags))) {
		/* the addresses by words, as bl_lookup6 */
		key.lan_addr = *(const struct mxgw_in6 *)&ip6->daddr;
		key.remote_addr = *(const struct mxgw_in6 *)&ip6->saddr;
		key.lan_port = *l4->dport;
		key.remote_port = *l4->sport;
		key.proto = l4->proto;
		if (bpf_map_lookup_elem(&mxgw_ct6, &key))
			return 0;
	}
	if (bl_exempt6_cfg(cfg, &ip6->saddr))
		return 0;
	bl_count(lists, MXGW_FAM_IPV6);
	return lists;
}

/*
 * Does a blocklist drop IPv6 packet @ip6 (its L4 header @l4: TCP, UDP, an
 * ICMPv6 echo request) to service @svc_id (0: an unlisted port, the echo)?
 * What mxgw_bl_applies6 did with the header parsed again and the port's
 * policy looked up again, with the path's: a clean source pays one test
 * of the config's flags, the array's set and its tag compares, inline
 * (that second parse and lookup made a listed source's drop cost 1.08x
 * to 1.28x the plain deny, docs/BENCHMARKS.md).
 */
static __always_inline bool bl6_drops(const struct mxgw_config *cfg,
				      const struct ipv6hdr *ip6, const struct l4_ref *l4,
				      __u32 svc_id)
{
	__u32 bits, lists;

	if (!(cfg->flags & MXGW_CFG_F_BLOCKLIST))
		return false;
	bits = bl_lookup6(&ip6->saddr);
	if (!bits)
		return false;
	lists = bl_applying(bits, svc_id);
	return lists && bl6_hit(cfg, ip6, l4, lists);
}

#endif /* MXGW_BLOCKLIST_BPF_H */
