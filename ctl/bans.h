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
#include "../maps/prefix.h"

/* The longest ban: ten years, so that a "forever" typo is still a date. */
#define MXCTL_BAN_MAX_S		(3650ULL * 24 * 3600)

/*
 * A duration: N with an optional unit s, m, h or d (none: seconds, as
 * fail2ban's bantime), 1 second to MXCTL_BAN_MAX_S.  0 or -EINVAL.
 */
int mxctl_parse_duration(const char *s, __u64 *seconds);

/* "198.51.100.7/32", "2001:db8::/64" into @buf (at least 64 bytes). */
void mxctl_format_src_prefix(const struct mxgw_src_prefix *p, char *buf, size_t len);

/*
 * A file of prefixes, the formats of mxgw_prefix_line() (FireHOL,
 * Spamhaus DROP text and JSON lines), each prefix read as
 * mxgw_prefix_parse() does, /1 at least.  @name is the file's name in messages ("-": stdin); @in the
 * open stream.  Every prefix goes to @fn; every bad line is reported to
 * @err as "NAME:LINE: error: FIELD: message" (@field: "ban",
 * "allowlist").  Returns 0, -EINVAL after bad lines (the caller then uses
 * none of them), or -errno of a read error.
 */
int mxctl_read_prefix_file(const char *name, FILE *in, unsigned int bare_len6,
			   const char *field, FILE *err,
			   int (*fn)(const struct mxgw_src_prefix *p, void *arg), void *arg);

#endif /* MXGW_CTL_BANS_H */
