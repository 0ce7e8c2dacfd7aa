/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Small pieces that status, stats and their formatters all show. */
#ifndef MXGW_SHOW_H
#define MXGW_SHOW_H

#include <linux/types.h>
#include "json.h"
#include "../maps/mxgw_abi.h"

/* "native", "generic", "offload", "multi" or "none" (XDP_ATTACHED_*). */
const char *mxctl_xdp_mode_str(__u8 mode);
/* net.ipv4.conf.IFNAME.forwarding: 0 or 1, -1 when unreadable. */
int mxctl_ipv4_forwarding(const char *ifname);
/* "KEY": { "packets": N, "bytes": N } */
void mxctl_json_count(struct json *j, const char *key, const struct mxgw_pkt_count *c);

#endif /* MXGW_SHOW_H */
