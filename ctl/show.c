// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The words status, stats and their printers share (show.h). */
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

const char *mxctl_xdp_state_str(const struct mxgw_attach_info *att)
{
	if (!att->xdp_prog_id)
		return "none";
	if (att->xdp_prog_id != att->pinned_xdp_id)
		return "not-mxgw";
	return mxctl_xdp_mode_str(att->xdp_mode);
}

const char *mxctl_fwd_path_str(enum mxgw_fwd_path path)
{
	switch (path) {
	case MXGW_FWD_PATH_REDIRECT:
		return "xdp-redirect";
	case MXGW_FWD_PATH_KERNEL:
		return "kernel";
	default:
		return "unknown";
	}
}

const char *mxctl_fwd_reason_str(enum mxgw_fwd_reason reason)
{
	static const char *const words[MXGW_FWD_WHY_MAX] = {
		[MXGW_FWD_WHY_NO_LOOKUP] = "no_lookup",
		[MXGW_FWD_WHY_REDIRECT] = "redirect",
		[MXGW_FWD_WHY_NO_XMIT] = "no_xmit",
		[MXGW_FWD_WHY_NO_NEIGH] = "no_neigh",
		[MXGW_FWD_WHY_DISABLED] = "fwd_disabled",
		[MXGW_FWD_WHY_NO_ROUTE] = "no_route",
	};

	return (unsigned int)reason < MXGW_FWD_WHY_MAX ? words[reason] : "unknown";
}

const char *mxctl_nat_proto_str(enum mxgw_nat_proto p)
{
	static const char *const words[MXGW_NAT_PROTO_MAX] = {
		[MXGW_NAT_TCP] = "tcp",
		[MXGW_NAT_UDP] = "udp",
		[MXGW_NAT_ICMP] = "icmp",
	};

	return (unsigned int)p < MXGW_NAT_PROTO_MAX ? words[p] : "?";
}

const char *mxctl_dir_str(int dir)
{
	return dir == MXGW_DIR_IN ? "in" : dir == MXGW_DIR_OUT ? "out" : "?";
}

const char *mxctl_svc_name(const struct mxgw_snapshot_service *r)
{
	return r->id == MXGW_SVC_UNLISTED ? MXCTL_UNLISTED : r->name;
}

void mxctl_json_count(struct json *j, const char *key, const struct mxgw_pkt_count *c)
{
	json_key(j, key);
	json_object_start(j);
	json_kv_uint(j, "packets", c->packets);
	json_kv_uint(j, "bytes", c->bytes);
	json_object_end(j);
}
