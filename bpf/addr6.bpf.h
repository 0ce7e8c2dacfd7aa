/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IPv6 addresses as the packet carries them, compared against struct
 * mxgw_in6 and struct mxgw_prefix6 of the config entry as two 64-bit
 * words: two loads and compares an address, no byte swaps.  Equality and
 * masks do not care about byte order as long as both sides are loaded
 * alike; bpf_htonl appears only where a word is tested against a number.
 * Written with four 32-bit words, source_bad6 alone cost the IPv6 paths a
 * tenth of their time in bench_prog.  Addresses in a frame may lie on a
 * 2-byte boundary; every architecture the programs are JITed for loads
 * them unaligned (the IPv4 path reads its addresses the same way), and
 * the config entry's are 8-byte aligned (mxgw_config's layout).
 */
#ifndef MXGW_ADDR6_BPF_H
#define MXGW_ADDR6_BPF_H

#include <stdbool.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "../maps/mxgw_abi.h"

static __always_inline bool in6_eq(const void *addr, const struct mxgw_in6 *b)
{
	const __u64 *a = addr, *w = (const __u64 *)b;

	return a[0] == w[0] && a[1] == w[1];
}

static __always_inline bool in6_in_prefix(const void *addr,
					  const struct mxgw_prefix6 *p)
{
	const __u64 *a = addr, *net = (const __u64 *)&p->net;
	const __u64 *mask = (const __u64 *)&p->mask;

	return (a[0] & mask[0]) == net[0] && (a[1] & mask[1]) == net[1];
}

/* ff00::/8 (RFC 4291 2.7) */
static __always_inline bool in6_multicast(const void *addr)
{
	return *(const __u8 *)addr == 0xff;
}

/* fe80::/10 (RFC 4291 2.5.6) */
static __always_inline bool in6_link_local(const void *addr)
{
	const __u8 *a = addr;

	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

/* :: (RFC 4291 2.5.2) */
static __always_inline bool in6_unspecified(const void *addr)
{
	const __u64 *a = addr;

	return !(a[0] | a[1]);
}

/* Is @addr the mail server's (mailserver6)? */
static __always_inline bool is_mailserver6(const struct mxgw_config *cfg,
					   const void *addr)
{
	return cfg->has_mailserver6 && in6_eq(addr, &cfg->mailserver6);
}

/* One of the WAN device's own IPv6 addresses (link-local included)? */
static __always_inline bool is_wan6_addr(const struct mxgw_config *cfg,
					 const void *addr)
{
	int i;

#pragma unroll
	for (i = 0; i < MXGW_WAN6_ADDRS_MAX; i++)
		if (i < cfg->nwan6 && in6_eq(addr, &cfg->wan6_addrs[i]))
			return true;
	return false;
}

/* Inside one of the LAN's prefixes (lan6)? */
static __always_inline bool in_lan6(const struct mxgw_config *cfg,
				    const void *addr)
{
	int i;

#pragma unroll
	for (i = 0; i < MXGW_LAN6_MAX; i++)
		if (i < cfg->nlan6 && in6_in_prefix(addr, &cfg->lan6[i]))
			return true;
	return false;
}

#endif /* MXGW_ADDR6_BPF_H */
