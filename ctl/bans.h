/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What mxctl ban and the allowlist read: source prefixes of either
 * family, durations, and files of prefixes.  Pure: nothing but the
 * file named is touched, and diagnostics go to the FILE * given.
 */
#ifndef MXGW_CTL_BANS_H
#define MXGW_CTL_BANS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "../maps/ban.h"

/* The longest ban: ten years, so that a "forever" typo is still a date. */
#define MXCTL_BAN_MAX_S		(3650ULL * 24 * 3600)

/*
 * A duration: N with an optional unit s, m, h or d (none: seconds, as
 * fail2ban's bantime), 1 second to MXCTL_BAN_MAX_S.  0 or -EINVAL.
 */
int mxctl_parse_duration(const char *s, __u64 *seconds);

/*
 * ADDR[/LEN] of either family into @p.  Without LEN: an IPv4 address is
 * its /32, an IPv6 one its /@bare_len6 (64 for bans, whose host bits
 * are then cleared; 128 for the allowlist).  With LEN, 1..32 or 1..128
 * (a /0 would be every address), host bits must be zero.  0, or
 * -EINVAL with why in @why.
 */
int mxctl_parse_src_prefix(const char *s, unsigned int bare_len6,
			   struct mxgw_src_prefix *p, char *why, size_t whylen);

/* "198.51.100.7/32", "2001:db8::/64" into @buf (at least 64 bytes). */
void mxctl_format_src_prefix(const struct mxgw_src_prefix *p, char *buf, size_t len);

/*
 * A file of prefixes, one per line; '#' and ';' start comments (FireHOL
 * lists, Spamhaus DROP's "1.10.16.0/20 ; SBL256894"), blank lines are
 * skipped.  @name is the file's name in messages ("-": stdin); @in the
 * open stream.  Every prefix goes to @fn; every bad line is reported to
 * @err as "NAME:LINE: error: FIELD: message" (@field: "ban",
 * "allowlist").  Returns 0, -EINVAL after bad lines (the caller then uses
 * none of them), or -errno of a read error.
 */
int mxctl_read_prefix_file(const char *name, FILE *in, unsigned int bare_len6,
			   const char *field, FILE *err,
			   int (*fn)(const struct mxgw_src_prefix *p, void *arg), void *arg);

#endif /* MXGW_CTL_BANS_H */
