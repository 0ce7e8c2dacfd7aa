/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One syntax for the source prefixes an operator writes: `mxctl ban`,
 * ban files, the allowlist and blocklist files.  Pure functions: they
 * touch nothing but their arguments and print nothing.
 */
#ifndef MXGW_MAPS_PREFIX_H
#define MXGW_MAPS_PREFIX_H

#include <stddef.h>
#include <linux/types.h>
#include "mxgw_abi.h"

/* A source prefix of either family; IPv4's address is addr.a[0]. */
struct mxgw_src_prefix {
	__u8 family;		/* enum mxgw_family */
	__u8 len;		/* 0..32, 0..128 */
	struct mxgw_in6 addr;	/* network order, host bits zero */
};

/* Room for any message below with the text it quotes. */
#define MXGW_PREFIX_WHY_MAX	192

/*
 * ADDR or ADDR/LEN of either family into @p.  Without LEN an IPv4
 * address is its /32, an IPv6 one its /@bare_len6 (64 for bans and
 * blocklists, whose host bits are then cleared; 128 for the allowlist).
 * LEN: decimal, no sign, no leading zero, @min_len up to 32 or 128 (1
 * where a /0, every address, would be a typo); host bits must be zero.
 * Returns 0, or -EINVAL with why in @why ("\"1.2.3.4/24\": host bits set
 * beyond /24 (1.2.3.0/24?)"), never naming a file: the caller does.
 */
int mxgw_prefix_parse(const char *s, unsigned int min_len, unsigned int bare_len6,
		      struct mxgw_src_prefix *p, char *why, size_t whylen);

/*
 * One line of a prefix file, NUL-terminated, no line end, edited in
 * place.  Three formats in one: a prefix per line (FireHOL) with '#' or
 * ';' comments, whole-line or after it; Spamhaus DROP's text
 * ("1.10.16.0/20 ; SBL256894"); Spamhaus' JSON lines
 * ({"cidr":"1.10.16.0/20","sblid":"SBL256894","rir":"apnic"}, and the
 * {"type":"metadata",...} line that ends the file).  Returns 1 with
 * *@tok the prefix's text (inside @line), 0 for a line with none, or
 * -EINVAL with why in @why.
 */
int mxgw_prefix_line(char *line, char **tok, char *why, size_t whylen);

#endif /* MXGW_MAPS_PREFIX_H */
