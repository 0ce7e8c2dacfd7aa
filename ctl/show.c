// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <net/if.h>
#include <linux/if_link.h>
#include "show.h"

const char *mxctl_xdp_mode_str(__u8 mode)
{
	switch (mode) {
	case XDP_ATTACHED_DRV:
		return "native";
	case XDP_ATTACHED_SKB:
		return "generic";
	case XDP_ATTACHED_HW:
		return "offload";
	case XDP_ATTACHED_MULTI:
		return "multi";
	default:
		return "none";
	}
}

int mxctl_ipv4_forwarding(const char *ifname)
{
	char path[128];
	int v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%.*s/forwarding",
		 IF_NAMESIZE - 1, ifname);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

void mxctl_json_count(struct json *j, const char *key, const struct mxgw_pkt_count *c)
{
	json_key(j, key);
	json_object_start(j);
	json_kv_uint(j, "packets", c->packets);
	json_kv_uint(j, "bytes", c->bytes);
	json_object_end(j);
}
