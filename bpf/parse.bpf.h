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
 * verifier knows the range): it must lie within the IP datagram, not only
 * within the frame.
 */
static __always_inline void *parse_l4(struct cursor *c, struct iphdr *ip,
				      __u32 need)
{
	void *l4 = c->pos;

	if (l4 + need > (void *)ip + ntohs_bounded(ip->tot_len))
		return NULL;
	return cursor_take(c, need);
}

#endif /* MXGW_PARSE_BPF_H */
