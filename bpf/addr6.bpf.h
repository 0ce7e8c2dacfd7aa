/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IPv6 addresses as the packet carries them, compared a 32-bit word at a
 * time against struct mxgw_in6 and struct mxgw_prefix6 of the config
 * entry: four loads and compares, no byte swaps but for the scope tests.
 * Addresses in a frame may lie on a 2-byte boundary; every architecture
 * the programs are JITed for loads them unaligned (the IPv4 path reads
 * its addresses the same way).
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
	const __be32 *a = addr;

	return a[0] == b->a[0] && a[1] == b->a[1] && a[2] == b->a[2] &&
	       a[3] == b->a[3];
}

static __always_inline bool in6_in_prefix(const void *addr,
					  const struct mxgw_prefix6 *p)
{
	const __be32 *a = addr;

	return (a[0] & p->mask.a[0]) == p->net.a[0] &&
	       (a[1] & p->mask.a[1]) == p->net.a[1] &&
	       (a[2] & p->mask.a[2]) == p->net.a[2] &&
	       (a[3] & p->mask.a[3]) == p->net.a[3];
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
	const __be32 *a = addr;

	return !(a[0] | a[1] | a[2] | a[3]);
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
