// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The words status, stats and their printers share (show.h). */
#include <stdio.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_link.h>
#include "show.h"

const char *mxctl_xdp_mode_str(__u8 mode)
{
	switch (mode & ~MXGW_XDP_DISPATCHER) {
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

const char *mxctl_family_str(int family)
{
	return family == MXGW_FAM_IPV4 ? "ipv4" : family == MXGW_FAM_IPV6 ? "ipv6" : "?";
}

bool mxctl_counter_has_family(unsigned int c)
{
	return c < MXGW_COUNTER_MAX && !(mxgw_counter_table[c].flags & MXGW_CF_F_NOFAMILY);
}

static bool svc_stats_zero(const struct mxgw_svc_stats *st)
{
	for (int d = 0; d < MXGW_DIR_MAX; d++)
		for (int v = 0; v < 2; v++)
			if (st->count[d][v].packets || st->count[d][v].bytes)
				return false;
	return true;
}

bool mxctl_shows_ipv6(const struct mxgw_snapshot *s)
{
	if (s->cfg.has_mailserver6 || s->cfg.nlan6 || s->ct6_entries)
		return true;
	for (unsigned int c = 0; c < MXGW_COUNTER_MAX; c++)
		if (s->counters6[c])
			return true;
	for (unsigned int k = 0; k < s->nservices; k++)
		if (!svc_stats_zero(&s->svcs[k].count6))
			return true;
	return false;
}

const char *mxctl_in6_str(const struct mxgw_in6 *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

void mxctl_prefix6_str(const struct mxgw_prefix6 *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	unsigned int bits = 0;

	for (int w = 0; w < 4; w++)
		bits += __builtin_popcount(p->mask.a[w]);
	snprintf(buf, len, "%s/%u", mxctl_in6_str(&p->net, a), bits);
}

__u64 mxctl_syn_rate(const struct mxgw_snapshot *s, const struct mxgw_snapshot_service *r)
{
	const struct mxgw_syn_state *st = &r->syn_state;

	if (st->slot != s->clock.now_ns >> MXGW_SYN_RATE_SHIFT)
		return 0;
	/* count x 10^9 / 2^30, rounded; no overflow below 2^34 SYNs a slot */
	return (st->count * 1000000000ULL + (1ULL << 29)) >> MXGW_SYN_RATE_SHIFT;
}
