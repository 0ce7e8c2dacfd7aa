/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * mxctl export nft: the table of a parsed mxgw.conf as an nftables
 * ruleset (table ip mxgw), for comparison, migration, and as a fallback
 * where XDP is not available.  Pure: reads the config, writes to a FILE.
 */
#ifndef MXGW_NFT_EXPORT_H
#define MXGW_NFT_EXPORT_H

#include <stdbool.h>
#include <stdio.h>

struct mxgw_conf_file;

#define MXGW_NFT_DEFAULT_WAN	"eth0"

/* Can @ifname be written into the ruleset as "IFNAME"?  1..15 bytes,
 * printable, no blank, quote, backslash, slash or colon. */
bool mxgw_nft_ifname_ok(const char *ifname);

/*
 * The ruleset for @conf on the WAN interface @wan.  Loading it replaces
 * table ip mxgw and touches nothing else.  Returns 0, -EINVAL for an
 * unusable @wan, or -EIO when writing failed.
 */
int mxgw_nft_export(FILE *out, const struct mxgw_conf_file *conf, const char *wan);

struct mxgw_bl_list;
/*
 * The same with @conf's blocklists, @lists[i] the prefixes of
 * conf->policy.blocklists[i] (the files as read; NULL: sets without
 * elements): an interval set per list and family, and a prerouting chain
 * dropping their sources for the services each applies to.
 */
int mxgw_nft_export_lists(FILE *out, const struct mxgw_conf_file *conf, const char *wan,
			  const struct mxgw_bl_list *lists);

#endif /* MXGW_NFT_EXPORT_H */
