/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Incremental Internet checksum updates (RFC 1624, eqn. 3):
 *	HC' = ~(~HC + ~m + m')
 * All values stay in network byte order; one's complement sums do not care
 * about byte order as long as every term is in the same one.
 */
#ifndef MXGW_CSUM_BPF_H
#define MXGW_CSUM_BPF_H

#include <linux/types.h>
#include <linux/ip.h>		/* struct iphdr */
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

static __always_inline __u16 csum_fold(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)((sum & 0xffff) + (sum >> 16));
}

/*
 * RFC 1624's ~m + m' of a 32-bit field of the covered data that changed
 * from @from to @to, and of a 16-bit one: terms of a sum, not folded.
 */
static __always_inline __u64 csum_diff4(__be32 from, __be32 to)
{
	return ((__u32)~from & 0xffff) + ((__u32)~from >> 16) + (to & 0xffff) + (to >> 16);
}

static __always_inline __u64 csum_diff2(__be16 from, __be16 to)
{
	return (__u16)~from + (__u32)to;
}

/*
 * @check after the change (or changes) whose terms sum to @diff.  A change
 * made again and again (the packets of one flow) has its terms summed and
 * folded to 16 bits once, and each packet pays this alone: sums are
 * associative, so that is eqn. 3 with its terms added in another order.
 */
static __always_inline __u16 csum_apply(__u16 check, __u64 diff)
{
	return ~csum_fold((__u16)~check + diff);
}

/* A 32-bit field of the covered data changed from @from to @to. */
static __always_inline __u16 csum_replace4(__u16 check, __be32 from, __be32 to)
{
	return csum_apply(check, csum_diff4(from, to));
}

/* A 16-bit field changed from @from to @to. */
static __always_inline __u16 csum_replace2(__u16 check, __be16 from, __be16 to)
{
	return csum_apply(check, csum_diff2(from, to));
}

/*
 * TTL decrement: the 16-bit word holding TTL drops by 0x0100, so the
 * checksum rises by the same amount (as the kernel's ip_decrease_ttl).
 */
static __always_inline void ipv4_decrease_ttl(struct iphdr *ip)
{
	__u32 check = ip->check;

	check += bpf_htons(0x0100);
	ip->check = (__u16)(check + (check >= 0xffff));
	ip->ttl--;
}

/* The same change as a csum_diff term: the word drops by 0x0100, that is
 * adds ~0x0100 (network order). */
#define CSUM_DIFF_TTL_DEC	((__u16)~bpf_htons(0x0100))

#endif /* MXGW_CSUM_BPF_H */
