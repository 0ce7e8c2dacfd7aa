/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Header parsing with bounds checks written once.  Each helper advances a
 * cursor past one header and returns it, or NULL when the frame is too
 * short; callers never touch packet bytes the verifier has not seen checked.
 */
#ifndef MXGW_PARSE_BPF_H
#define MXGW_PARSE_BPF_H

#include <stdbool.h>
#include <linux/types.h>
#include <linux/if_ether.h>	/* struct ethhdr */
#include <linux/ip.h>		/* struct iphdr */
#include <linux/ipv6.h>		/* struct ipv6hdr */
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "consts.bpf.h"

#define MXGW_MAX_VLANS	2

/* An 802.1Q/802.1ad tag: the kernel's struct vlan_hdr (linux/if_vlan.h,
 * not UAPI). */
struct vlan_hdr {
	__be16 h_vlan_TCI;
	__be16 h_vlan_encapsulated_proto;
};

/*
 * RFC 792's header, laid out as <linux/icmp.h> has it.  That header cannot
 * be included under -target bpf: since Linux 5.13 it pulls <linux/if.h>,
 * which pulls glibc's <sys/socket.h>, whose <gnu/stubs.h> wants the i386
 * headers for a target that is not x86-64.
 */
struct icmphdr {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	union {
		struct {
			__be16 id;
			__be16 sequence;
		} echo;
		__be32 gateway;
		struct {
			__be16 __unused;
			__be16 mtu;
		} frag;
		__u8 reserved[4];
	} un;
};
_Static_assert(sizeof(struct icmphdr) == 8, "icmphdr: RFC 792's 8 bytes");

struct cursor {
	void *pos;
	void *end;
};

/*
 * A 16-bit field in host order, with bounds every verifier sees.  Linux
 * 6.1's verifier forgets all it knows of a register after a byte swap
 * (BPF_END): bpf_ntohs(x) is "any 64-bit value" there, and adding it to a
 * packet pointer is refused ("math between pkt pointer and register with
 * unbounded min value").  An AND that clang cannot drop (it knows the
 * swap's result fits 16 bits, the 6.1 verifier does not) restores them.
 */
static __always_inline __u64 ntohs_bounded(__be16 x)
{
	__u64 v = bpf_ntohs(x);

	asm volatile("%0 &= 0xffff" : "+r"(v));
	return v;
}

/* Take @len bytes at the cursor; NULL if they are not all in the frame. */
static __always_inline void *cursor_take(struct cursor *c, __u32 len)
{
	void *p = c->pos;

	if (p + len > c->end)
		return NULL;
	c->pos = p + len;
	return p;
}

/* An EtherType parse_eth takes for a VLAN tag. */
static __always_inline bool eth_is_vlan(__be16 type)
{
	return type == bpf_htons(ETH_P_8021Q) || type == bpf_htons(ETH_P_8021AD);
}

/*
 * Ethernet plus up to MXGW_MAX_VLANS 802.1Q/802.1ad tags.  Returns the
 * Ethernet header; *proto is the inner EtherType (network order) and
 * *vlans the number of tags skipped.
 */
static __always_inline struct ethhdr *parse_eth(struct cursor *c, __be16 *proto,
						int *vlans)
{
	struct ethhdr *eth = cursor_take(c, sizeof(*eth));
	__be16 type;
	int i;

	if (!eth)
		return NULL;
	type = eth->h_proto;
	*vlans = 0;
#pragma unroll
	for (i = 0; i < MXGW_MAX_VLANS; i++) {
		struct vlan_hdr *vh;

		if (!eth_is_vlan(type))
			break;
		vh = cursor_take(c, sizeof(*vh));
		if (!vh)
			return NULL;
		type = vh->h_vlan_encapsulated_proto;
		*vlans += 1;
	}
	*proto = type;
	return eth;
}

/* The fixed 20 bytes of an IPv4 header (options are not taken). */
static __always_inline struct iphdr *parse_ipv4_fixed(struct cursor *c)
{
	return cursor_take(c, sizeof(struct iphdr));
}

enum ipv4_check {
	IPV4_OK = 0,
	IPV4_MALFORMED,		/* version, IHL or total length wrong */
	IPV4_FRAGMENT,		/* MF set or offset non-zero */
};

/*
 * Validate an IPv4 header whose fixed part the cursor has just passed and
 * move the cursor past its options.  The packet may carry link padding
 * after tot_len, never less than tot_len.
 *
 * @l3_len is how many bytes the packet holds from the IP header on, for
 * an skb whose payload lies partly in page fragments beyond data_end
 * (skb->len counts them); 0 for a linear XDP frame, where the cursor's
 * end is the packet's end.  Headers themselves must always be linear.
 */
static __always_inline enum ipv4_check ipv4_validate(struct cursor *c,
						     struct iphdr *ip,
						     __u32 l3_len)
{
	__u32 hlen = ip->ihl * 4;
	__u32 tot = ntohs_bounded(ip->tot_len);

	if (ip->version != 4 || hlen < sizeof(*ip) || tot < hlen)
		return IPV4_MALFORMED;
	if (l3_len ? tot > l3_len : (void *)ip + tot > c->end)
		return IPV4_MALFORMED;
	if (ip->frag_off & bpf_htons(IP_MF | IP_OFFSET))
		return IPV4_FRAGMENT;
	/* hlen is at most 60: the verifier sees the bound from ihl's 4 bits */
	if (!cursor_take(c, hlen - sizeof(*ip)))
		return IPV4_MALFORMED;
	return IPV4_OK;
}

/*
 * An L4 header of @need fixed bytes (a constant at every call site, so the
 * verifier knows the range): it must lie within the IP datagram, which
 * ends at @l3_end, not only within the frame.
 */
static __always_inline void *parse_l4_end(struct cursor *c, void *l3_end,
					  __u32 need)
{
	void *l4 = c->pos;

	if (l4 + need > l3_end)
		return NULL;
	return cursor_take(c, need);
}

static __always_inline void *parse_l4(struct cursor *c, struct iphdr *ip,
				      __u32 need)
{
	return parse_l4_end(c, (void *)ip + ntohs_bounded(ip->tot_len), need);
}

/* The fixed 40 bytes of an IPv6 header. */
static __always_inline struct ipv6hdr *parse_ipv6_fixed(struct cursor *c)
{
	return cursor_take(c, sizeof(struct ipv6hdr));
}

/*
 * Extension headers mxgw walks: at most MXGW_IPV6_EXT_MAX of them, and the
 * upper-layer header must start within MXGW_IPV6_EXT_BYTES of the end of
 * the fixed header (RFC 8200 4.1 recommends an order in which each header
 * occurs once, five of them at most before the upper layer; RFC 7112 puts
 * the whole chain in the first fragment).  Bounded, so the verifier walks
 * a fixed number of steps, and TC pulls a bounded number of bytes.
 */
#define MXGW_IPV6_EXT_MAX	6
#define MXGW_IPV6_EXT_BYTES	256

enum ipv6_chain {
	IPV6_CHAIN_OK = 0,
	IPV6_CHAIN_MALFORMED,	/* a header cut short by the payload length */
	IPV6_CHAIN_EXT,		/* too many or too long, hop-by-hop not first,
				 * a header mxgw does not walk */
	IPV6_CHAIN_ROUTING,	/* routing header of type 0, or segments left */
	IPV6_CHAIN_FRAGMENT,	/* a fragment after the first: no L4 header */
};

enum ipv6_frag {
	IPV6_FRAG_NONE = 0,
	IPV6_FRAG_ATOMIC,	/* a fragment header with offset 0 and M=0 (RFC 6946) */
	IPV6_FRAG_FIRST,	/* offset 0, M=1: carries the L4 header */
	IPV6_FRAG_LATER,	/* offset > 0 */
};

struct ipv6_chain_info {
	__u8 proto;		/* the upper-layer protocol (IPV6_CHAIN_OK) */
	__u8 frag;		/* enum ipv6_frag */
	__u8 hbh;		/* a hop-by-hop options header (it is first) */
};

/* A Next Header value of IANA's "IPv6 Extension Header Types". */
static __always_inline bool ipv6_is_ext(__u8 next)
{
	return next == NEXTHDR_HOP || next == NEXTHDR_ROUTING ||
	       next == NEXTHDR_FRAGMENT || next == NEXTHDR_AUTH ||
	       next == NEXTHDR_DEST || next == NEXTHDR_MOBILITY ||
	       next == NEXTHDR_HIP || next == NEXTHDR_SHIM6 ||
	       next == NEXTHDR_EXP1 || next == NEXTHDR_EXP2;
}

/*
 * Walk the extension headers after the fixed header the cursor has just
 * passed (@ip6), up to the upper-layer header, and leave the cursor there.
 * @l3_end is where the packet ends by its payload length: no header may
 * cross it.  Hop-by-hop, destination options, routing, fragment and AH are
 * walked; mobility, HIP, shim6 and the experimental values are extension
 * headers that end the walk (IPV6_CHAIN_EXT), anything else is the upper
 * layer (ESP and "no next header" included).  A first fragment is walked
 * through to its L4 header (info->frag says it was one); a later fragment
 * stops the walk.  Bytes beyond the cursor's end (TC: beyond the linear
 * part) are too long for mxgw to read: IPV6_CHAIN_EXT.
 */
static __always_inline enum ipv6_chain ipv6_walk(struct cursor *c,
						 struct ipv6hdr *ip6,
						 void *l3_end,
						 struct ipv6_chain_info *info)
{
	void *ext_end = (void *)(ip6 + 1) + MXGW_IPV6_EXT_BYTES;
	__u8 next = ip6->nexthdr;
	int i;

	info->frag = IPV6_FRAG_NONE;
	info->hbh = next == NEXTHDR_HOP;
	/*
	 * Unrolled: clang lays a rolled loop out with its back edge as the
	 * fall-through of a plain instruction, which the verifiers before
	 * 6.3 or so (check_cfg's push_insn with loop_ok false: Debian 12's
	 * 6.1, 5.15) refuse as "back-edge from insn N to N+1", bounded or
	 * not.  Seven rounds of a global function verified once are cheap.
	 */
#pragma unroll
	for (i = 0; i <= MXGW_IPV6_EXT_MAX; i++) {
		__u8 *h;
		__u32 len;

		if (!ipv6_is_ext(next)) {
			info->proto = next;
			return IPV6_CHAIN_OK;
		}
		/* hop-by-hop only right after the fixed header (RFC 8200 4.3) */
		if (i == MXGW_IPV6_EXT_MAX || (next == NEXTHDR_HOP && i) ||
		    (next != NEXTHDR_ROUTING && next != NEXTHDR_FRAGMENT &&
		     next != NEXTHDR_AUTH && next != NEXTHDR_DEST &&
		     next != NEXTHDR_HOP))
			return IPV6_CHAIN_EXT;
		h = c->pos;
		if ((void *)(h + 8) > l3_end)
			return IPV6_CHAIN_MALFORMED;
		if ((void *)(h + 8) > ext_end || !cursor_take(c, 8))
			return IPV6_CHAIN_EXT;
		if (next == NEXTHDR_FRAGMENT) {
			/* offset: the top 13 bits of bytes 2-3; M: bit 0 */
			if (h[2] | (h[3] & 0xf8)) {
				info->frag = IPV6_FRAG_LATER;
				return IPV6_CHAIN_FRAGMENT;
			}
			/* a second fragment header never makes a first
			 * fragment whole */
			if (info->frag != IPV6_FRAG_FIRST)
				info->frag = h[3] & 1 ? IPV6_FRAG_FIRST : IPV6_FRAG_ATOMIC;
			next = h[0];
			continue;
		}
		/* RFC 5095: type 0 is deprecated; segments left means the
		 * destination would send it on to another address */
		if (next == NEXTHDR_ROUTING && (h[2] == 0 || h[3]))
			return IPV6_CHAIN_ROUTING;
		/* AH counts 4-byte units less two (RFC 4302), the others
		 * 8-byte units less one */
		len = next == NEXTHDR_AUTH ? ((__u32)h[1] + 2) * 4 : ((__u32)h[1] + 1) * 8;
		if ((void *)h + len > l3_end)
			return IPV6_CHAIN_MALFORMED;
		if ((void *)h + len > ext_end || !cursor_take(c, len - 8))
			return IPV6_CHAIN_EXT;
		next = h[0];
	}
	return IPV6_CHAIN_EXT;
}

/*
 * The walk's result packed in a scalar: < 0, -enum ipv6_chain; else the
 * upper-layer protocol (bits 0-7), enum ipv6_frag (8-9), hbh (10) and the
 * L4 header's offset from the frame's start (16-24).
 */
#define IPV6_WALK_OFF_MASK	0x1ff
_Static_assert(14 + 4 * MXGW_MAX_VLANS + 40 + MXGW_IPV6_EXT_BYTES <= IPV6_WALK_OFF_MASK,
	       "ipv6_walk_at: the L4 offset fits its bits");

/*
 * ipv6_walk over the IPv6 header at @l3_off of the frame @data..@end,
 * which holds @l3_len bytes from there on (TC: beyond the linear part,
 * see ipv4_validate; 0: the frame is linear).
 */
static __always_inline int ipv6_walk_at(void *data, void *end, __u64 l3_off,
					__u64 l3_len)
{
	struct cursor c = { .end = end };
	struct ipv6_chain_info info;
	struct ipv6hdr *ip6;
	enum ipv6_chain r;
	__u32 plen;

	/* a global function's arguments are any value to the verifier: the
	 * asm keeps clang from using a copy of @l3_off from before the check */
	asm volatile("" : "+r"(l3_off));
	if (l3_off > sizeof(struct ethhdr) + MXGW_MAX_VLANS * sizeof(struct vlan_hdr))
		return -IPV6_CHAIN_MALFORMED;
	c.pos = data + l3_off;
	ip6 = parse_ipv6_fixed(&c);
	if (!ip6)
		return -IPV6_CHAIN_MALFORMED;
	plen = ntohs_bounded(ip6->payload_len);
	if (l3_len ? sizeof(*ip6) + plen > l3_len : (void *)(ip6 + 1) + plen > end)
		return -IPV6_CHAIN_MALFORMED;
	r = ipv6_walk(&c, ip6, (void *)(ip6 + 1) + plen, &info);
	if (r != IPV6_CHAIN_OK)
		return -(int)r;
	return (int)((c.pos - data) << 16) | info.hbh << 10 | info.frag << 8 | info.proto;
}

/*
 * Global functions, one per program type, so that the verifier walks the
 * chain once, on its own: inlined, each of the walk's ways out is a state
 * of its own for everything after it, and the programs' IPv6 paths grew
 * past the verifier's 1M instructions.
 */
__noinline int mxgw_ipv6_walk_xdp(struct xdp_md *ctx, __u64 l3_off)
{
	return ipv6_walk_at((void *)(long)ctx->data, (void *)(long)ctx->data_end,
			    l3_off, 0);
}

__noinline int mxgw_ipv6_walk_skb(struct __sk_buff *skb, __u64 l3_off)
{
	return ipv6_walk_at((void *)(long)skb->data, (void *)(long)skb->data_end,
			    l3_off, skb->len > l3_off ? skb->len - l3_off : 1);
}

/* The common upper layers: a packet that starts with one has no chain. */
static __always_inline bool ipv6_no_ext(__u8 next)
{
	return next == IPPROTO_TCP || next == IPPROTO_UDP || next == IPPROTO_ICMPV6;
}

/* ipv6_walk_at's result for such a packet, its header at @l3_off. */
static __always_inline int ipv6_walk_none(__u8 next, __u64 l3_off)
{
	return (int)((l3_off + sizeof(struct ipv6hdr)) << 16) | next;
}

/*
 * Unpack a walk's result @r into @info and, when the walk reached the
 * upper layer, move @c to its header at @data + offset.
 */
static __always_inline enum ipv6_chain ipv6_walked(int r, void *data,
						   struct cursor *c,
						   struct ipv6_chain_info *info)
{
	if (r < 0)
		return -r;
	info->proto = r & 0xff;
	info->frag = (r >> 8) & 3;
	info->hbh = (r >> 10) & 1;
	c->pos = data + ((r >> 16) & IPV6_WALK_OFF_MASK);
	return IPV6_CHAIN_OK;
}

#endif /* MXGW_PARSE_BPF_H */
