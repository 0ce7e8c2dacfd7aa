// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The JSON printer of the snapshot (show.h): one document for mxctl
 * status -j and mxctl stats -j alike, so that the two cannot disagree.
 * Values are words and numbers, never sentences: what status prints in
 * prose for people is a word here (the forward path's reason, the
 * warnings), and every field is documented in mxctl(8), JSON OUTPUT.
 * A change of a field's meaning, or one that goes, raises
 * MXCTL_JSON_SCHEMA; new fields do not.
 */
#include <errno.h>
#include <stdio.h>
#include <arpa/inet.h>
#include "show.h"

static const char *addr_str(__be32 a, char *buf)
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

static const char *pins_state_str(enum mxgw_pins_state state)
{
	switch (state) {
	case MXGW_PINS_OK:
		return "ok";
	case MXGW_PINS_RENAMED:
		return "renamed";
	case MXGW_PINS_STALE:
		return "stale";
	default:
		return "none";
	}
}

/* MXGW_WARN_* bits, in the order status prints them. */
static const struct {
	unsigned int bit;
	const char *word;
} warning_words[] = {
	{ MXGW_WARN_STALE_PINS, "stale_pins" },
	{ MXGW_WARN_XDP_NOT_OURS, "xdp_not_mxgw" },
	{ MXGW_WARN_FAST_PATH_LOST, "fast_path_lost" },
	{ MXGW_WARN_FORWARDING_OFF, "ipv4_forwarding_off" },
	{ MXGW_WARN_IPV6_FORWARDING_OFF, "ipv6_forwarding_off" },
	{ MXGW_WARN_FAST_PATH6_LOST, "ipv6_fast_path_lost" },
	{ MXGW_WARN_LAN_FAST_PATH_LOST, "lan_fast_path_lost" },
};

/* MXGW_DIFF_* bits (conf_save.h). */
static const struct {
	unsigned int bit;
	const char *word;
} diff_words[] = {
	{ MXGW_DIFF_OUT, "outgoing" },
	{ MXGW_DIFF_IN, "incoming" },
	{ MXGW_DIFF_DEFINITION, "definition" },
	{ MXGW_DIFF_NOT_IN_FILE, "not_in_file" },
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static void json_ms(struct json *j, const char *key, __u64 ns)
{
	json_kv_uint(j, key, ns / 1000000);
}

/* "in" and "out" (@suffix ""), or IPv6's part "in6" and "out6" (@suffix "6") */
static void json_counts(struct json *j, const struct mxgw_svc_stats *st, const char *suffix)
{
	char key[8];

	for (int d = 0; d < MXGW_DIR_MAX; d++) {
		snprintf(key, sizeof(key), "%s%s", mxctl_dir_str(d), suffix);
		json_key(j, key);
		json_object_start(j);
		mxctl_json_count(j, "allowed", &st->count[d][MXGW_ALLOW]);
		mxctl_json_count(j, "denied", &st->count[d][MXGW_DENY]);
		json_object_end(j);
	}
}

/*
 * syn-flood SERVICE N/s: the threshold, whether the service is in a flood
 * now (on the data plane's clock) and for how long; null without one.
 */
static void json_syn_flood(struct json *j, const struct mxgw_snapshot *s,
			   const struct mxgw_snapshot_service *r)
{
	const struct mxgw_syn_state *st = &r->syn_state;
	bool flood = st->until_ns > s->clock.now_ns && s->clock.now_ns >= st->since_ns;

	json_key(j, "syn_flood");
	if (!(r->svc.flags & MXGW_PORT_F_SYNFLOOD)) {
		json_null(j);
		return;
	}
	json_object_start(j);
	json_kv_uint(j, "rate", r->synflood.rate);
	json_kv_bool(j, "flood", flood);
	json_ms(j, "flood_for_ms", flood ? s->clock.now_ns - st->since_ns : 0);
	json_kv_uint(j, "current_rate", mxctl_syn_rate(s, r));
	json_object_end(j);
}

/* "KEY": {"ipv4": N, "ipv6": N} of counter @c: each family's own count */
static void json_by_family(struct json *j, const char *key, const struct mxgw_snapshot *s,
			   unsigned int c)
{
	json_key(j, key);
	json_object_start(j);
	json_kv_uint(j, "ipv4", s->counters[c] - s->counters6[c]);
	json_kv_uint(j, "ipv6", s->counters6[c]);
	json_object_end(j);
}

static void json_service(struct json *j, const struct mxctl_snapshot *v,
			 const struct mxgw_snapshot_service *r)
{
	char pfx[INET6_ADDRSTRLEN + 4], a[INET6_ADDRSTRLEN];

	json_object_start(j);
	json_kv_uint(j, "id", r->id);
	json_kv_string(j, "name", mxctl_svc_name(r));
	if (r->id != MXGW_SVC_UNLISTED) {
		json_kv_uint(j, "port", r->svc.port);
		json_kv_string(j, "proto", mxgw_protos_str(r->svc.protos));
	}
	json_kv_string(j, "outgoing", mxgw_verdict_str(r->svc.verdict[MXGW_DIR_OUT]));
	json_kv_string(j, "incoming", mxgw_verdict_str(r->svc.verdict[MXGW_DIR_IN]));
	if (r->id != MXGW_SVC_UNLISTED) {
		json_key(j, "from");
		json_array_start(j);
		for (unsigned int i = 0; i < r->nfrom; i++) {
			snprintf(pfx, sizeof(pfx), "%s/%u", addr_str(r->from[i].addr, a),
				 r->from[i].len);
			json_string(j, pfx);
		}
		for (unsigned int i = 0; i < r->nfrom6; i++) {
			snprintf(pfx, sizeof(pfx), "%s/%u", mxctl_in6_str(&r->from6[i].addr, a),
				 r->from6[i].len);
			json_string(j, pfx);
		}
		json_array_end(j);
		/* where incoming goes: DNATed, or the gateway's own */
		json_kv_string(j, "to", r->svc.flags & MXGW_PORT_F_GATEWAY ?
			       "gateway" : "mailserver");
		/* limit SERVICE RATE/UNIT burst N ban DURATION; null: none */
		json_key(j, "limit");
		if (r->svc.flags & MXGW_PORT_F_LIMIT) {
			json_object_start(j);
			json_kv_uint(j, "rate", r->limit.rate);
			json_kv_string(j, "per", mxgw_limit_unit(r->limit.per_s));
			json_kv_uint(j, "burst", r->limit.burst);
			json_kv_uint(j, "ban_s", r->limit.ban_ns / 1000000000ULL);
			json_object_end(j);
		} else {
			json_null(j);
		}
		json_syn_flood(j, &v->s, r);
		json_key(j, "differs");
		json_array_start(j);
		for (size_t i = 0; v->file && i < ARRAY_SIZE(diff_words); i++)
			if (v->diff.running[r->id] & diff_words[i].bit)
				json_string(j, diff_words[i].word);
		json_array_end(j);
	}
	json_counts(j, &r->count, "");
	json_counts(j, &r->count6, "6");
	json_object_end(j);
}

/* "forward" (IPv4: the mail server's next hop) or "forward6" (mailserver6's) */
static void json_forward(struct json *j, const char *key, const struct mxgw_nexthop *nh,
			 enum mxgw_fwd_reason fwd, const char *dev, __u64 age_ns,
			 bool lost, const __u64 *counters)
{
	char mac[18];

	json_key(j, key);
	json_object_start(j);
	json_kv_string(j, "path", mxctl_fwd_path_str(mxgw_fwd_path_of(fwd)));
	json_kv_string(j, "reason", mxctl_fwd_reason_str(fwd));
	json_kv_string(j, "device", dev);
	json_kv_uint(j, "ifindex", nh->refreshed_ns ? nh->ifindex : 0);
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", nh->dmac[0],
		 nh->dmac[1], nh->dmac[2], nh->dmac[3], nh->dmac[4], nh->dmac[5]);
	json_kv_string(j, "mac", nh->refreshed_ns ? mac : "");
	json_kv_uint(j, "fib_ret", nh->fib_ret);
	json_ms(j, "age_ms", age_ns);
	json_kv_bool(j, "fast_path_lost", lost);
	json_kv_uint(j, "kernel_packets", mxgw_kernel_path(counters));
	json_object_end(j);
}

static void json_forwarding(struct json *j, const char *key, int v)
{
	json_key(j, key);
	if (v < 0)
		json_null(j);
	else
		json_bool(j, v > 0);
}

/* mailserver6 (null: none), the LAN's prefixes and the WAN's addresses */
static void json_ipv6(struct json *j, const struct mxgw_snapshot *s)
{
	char a[INET6_ADDRSTRLEN + 4];

	json_key(j, "mailserver6");
	if (s->cfg.has_mailserver6)
		json_string(j, mxctl_in6_str(&s->cfg.mailserver6, a));
	else
		json_null(j);
	json_key(j, "lan6");
	json_array_start(j);
	for (unsigned int i = 0; i < s->cfg.nlan6 && i < MXGW_LAN6_MAX; i++) {
		mxctl_prefix6_str(&s->cfg.lan6[i], a, sizeof(a));
		json_string(j, a);
	}
	json_array_end(j);
	json_key(j, "wan6");
	json_array_start(j);
	for (unsigned int i = 0; i < s->cfg.nwan6 && i < MXGW_WAN6_ADDRS_MAX; i++)
		json_string(j, mxctl_in6_str(&s->cfg.wan6_addrs[i], a));
	json_array_end(j);
}

static void json_one(struct json *j, const struct mxctl_snapshot *v)
{
	const struct mxgw_snapshot *s = &v->s;
	char a[INET_ADDRSTRLEN];

	json_object_start(j);
	json_kv_string(j, "ifname", s->ifname);
	if (v->err) {
		json_kv_string(j, "error", v->error);
		json_object_end(j);
		return;
	}
	json_key(j, "pins");
	json_object_start(j);
	json_kv_string(j, "dir", s->pin_dir);
	json_kv_string(j, "state", pins_state_str(s->pins.state));
	json_kv_uint(j, "ifindex", s->pins.ifindex);
	json_kv_string(j, "ifname_now", s->pins.ifname_now);
	json_object_end(j);
	json_key(j, "warnings");
	json_array_start(j);
	for (size_t i = 0; i < ARRAY_SIZE(warning_words); i++)
		if (s->warnings & warning_words[i].bit)
			json_string(j, warning_words[i].word);
	json_array_end(j);
	json_key(j, "xdp");
	json_object_start(j);
	json_kv_string(j, "name", MXGW_PROG_XDP);
	json_kv_uint(j, "id", s->att.xdp_prog_id);
	json_kv_string(j, "mode", mxctl_xdp_mode_str(s->att.xdp_mode));
	json_kv_bool(j, "ours", !(s->warnings & MXGW_WARN_XDP_NOT_OURS));
	/* issue 15: "dispatcher" (libxdp's, attached to the device; mxgw's
	 * program is its component) or "direct" */
	json_kv_string(j, "attach", s->att.xdp_dispatcher_id ? "dispatcher" : "direct");
	json_kv_uint(j, "dispatcher_id", s->att.xdp_dispatcher_id);
	json_kv_uint(j, "priority", s->att.xdp_priority);
	json_object_end(j);
	json_key(j, "tc_egress");
	json_object_start(j);
	json_kv_string(j, "name", MXGW_PROG_TC);
	json_kv_uint(j, "id", s->att.tc_prog_id);
	json_kv_bool(j, "ours", s->att.tc_prog_id && s->att.tc_prog_id == s->att.pinned_tc_id);
	json_object_end(j);
	/* the LAN's fast path (issue 14): where the pinned mxgw_lan_in runs */
	json_key(j, "lan_xdp");
	json_object_start(j);
	json_kv_string(j, "name", MXGW_PROG_LAN);
	json_kv_uint(j, "id", s->att.lan_ifindex ? s->att.pinned_lan_id : 0);
	json_kv_string(j, "mode", s->att.lan_ifindex ? mxctl_xdp_mode_str(s->att.lan_mode) : "none");
	{
		char lan[IF_NAMESIZE] = "";

		if (s->att.lan_ifindex && !if_indextoname(s->att.lan_ifindex, lan))
			lan[0] = '\0';
		json_kv_string(j, "device", lan);
	}
	json_kv_uint(j, "ifindex", s->att.lan_ifindex);
	json_object_end(j);
	json_kv_string(j, "public", addr_str(s->cfg.public_addr, a));
	json_kv_string(j, "mailserver", addr_str(s->cfg.mailserver_addr, a));
	json_kv_string(j, "default", mxgw_verdict_str(s->cfg.default_in));
	json_kv_string(j, "icmp_echo", mxgw_verdict_str(s->cfg.icmp_echo));
	json_forwarding(j, "ipv4_forwarding", s->ipv4_forwarding);
	/* what mxgw does with IPv6: schema 1 said "passed" before ABI 4 */
	json_kv_string(j, "ipv6", "filtered");
	json_ipv6(j, s);
	json_forwarding(j, "ipv6_forwarding", s->ipv6_forwarding);

	/* both families' kernel path under "forward" (the field's meaning
	 * since schema 1: every packet the kernel forwarded), IPv6's apart */
	json_forward(j, "forward", &s->nh, s->fwd, s->fwd_dev, s->nh_age_ns,
		     s->fast_path_lost, s->counters);
	if (s->cfg.has_mailserver6) {
		json_forward(j, "forward6", &s->nh6, s->fwd6, s->fwd6_dev, s->nh6_age_ns,
			     s->fast_path6_lost, s->counters6);
	} else {
		json_key(j, "forward6");
		json_null(j);
	}

	json_key(j, "blocklists");
	json_array_start(j);
	for (int b = 0; b < MXGW_BL_MAX; b++) {
		if (!s->bl[b].in_use)
			continue;
		json_object_start(j);
		json_kv_string(j, "name", s->bl[b].name);
		json_kv_uint(j, "prefixes_ipv4", s->bl[b].n4);
		json_kv_uint(j, "prefixes_ipv6", s->bl[b].n6);
		json_kv_uint(j, "dropped_ipv4", s->bl_drops[b][MXGW_FAM_IPV4]);
		json_kv_uint(j, "dropped_ipv6", s->bl_drops[b][MXGW_FAM_IPV6]);
		json_object_end(j);
	}
	json_array_end(j);
	json_kv_uint(j, "blocklist_memory", s->bl_mem4 + s->bl_mem6);
	json_key(j, "conntrack");
	json_object_start(j);
	json_kv_uint(j, "entries", s->ct_entries);
	json_kv_uint(j, "max", s->ct_max);
	json_kv_uint(j, "entries6", s->ct6_entries);
	json_kv_uint(j, "max6", s->ct6_max);
	json_object_end(j);
	json_key(j, "bans");
	json_object_start(j);
	json_kv_uint(j, "ipv4", s->bans[MXGW_FAM_IPV4]);
	json_kv_uint(j, "ipv6", s->bans[MXGW_FAM_IPV6]);
	json_object_end(j);
	json_key(j, "allowlist");
	json_object_start(j);
	json_kv_uint(j, "ipv4", s->allow[MXGW_FAM_IPV4]);
	json_kv_uint(j, "ipv6", s->allow[MXGW_FAM_IPV6]);
	json_object_end(j);
	json_key(j, "rate_limits");
	json_object_start(j);
	json_kv_uint(j, "buckets", s->rl_buckets);
	json_kv_uint(j, "buckets_max", MXGW_RL_MAX);
	json_kv_uint(j, "seen_once", s->rl_new_buckets);
	json_kv_uint(j, "seen_once_max", MXGW_RL_NEW_MAX);
	json_object_end(j);
	/* SYN floods (each service's syn_flood): what the challenge did, of
	 * every service, and the sources verified */
	json_key(j, "syn_flood");
	json_object_start(j);
	json_by_family(j, "challenged", s, MXGW_SYN_CHALLENGED);
	json_by_family(j, "verified", s, MXGW_SYN_VERIFIED);
	json_by_family(j, "dropped", s, MXGW_DROP_SYN_FLOOD);
	json_kv_uint(j, "verified_sources", s->syn_ok);
	json_kv_uint(j, "verified_sources_max", MXGW_SYN_OK_MAX);
	json_object_end(j);
	json_key(j, "nat");
	json_object_start(j);
	json_kv_uint(j, "port_min", s->cfg.nat_port_min);
	json_kv_uint(j, "port_max", s->cfg.nat_port_max);
	json_kv_uint(j, "mappings", s->nat_mappings);
	json_key(j, "ports_in_use");
	json_object_start(j);
	for (int p = 0; p < MXGW_NAT_PROTO_MAX; p++)
		json_kv_uint(j, mxctl_nat_proto_str(p), s->nat_ports_in_use[p]);
	json_object_end(j);
	json_object_end(j);
	json_key(j, "clock");
	json_object_start(j);
	json_kv_uint(j, "ticks", s->clock.ticks);
	json_ms(j, "age_ms", s->clock_age_ns);
	json_kv_bool(j, "stale", s->clock_stale);
	json_object_end(j);
	json_key(j, "log");
	json_object_start(j);
	json_kv_bool(j, "read", s->log_read);
	json_kv_uint(j, "reader_pid", s->log_read ? s->lease.pid : 0);
	json_kv_bool(j, "listening", s->log_listening);
	json_object_end(j);

	json_key(j, "file");
	json_object_start(j);
	json_kv_string(j, "path", v->file ? v->file->path : v->conf_path ? v->conf_path : "");
	json_kv_bool(j, "valid", v->file);
	json_kv_bool(j, "differs", v->file && v->ndiff);
	json_key(j, "not_running");
	json_array_start(j);
	for (unsigned int i = 0; v->file && i < v->diff.nmissing; i++)
		json_string(j, v->file->policy.services[v->diff.missing[i]].name);
	json_array_end(j);
	json_object_end(j);

	json_key(j, "services");
	json_array_start(j);
	for (unsigned int k = 0; k < s->nservices; k++)
		json_service(j, v, &s->svcs[k]);
	json_array_end(j);
	json_key(j, "counters");
	json_object_start(j);
	for (unsigned int c = 0; c < MXGW_COUNTER_MAX; c++)
		json_kv_uint(j, mxgw_counter_name(c), s->counters[c]);
	json_object_end(j);
	/* what of them IPv6 counted; a counter of no family is not there */
	json_key(j, "counters6");
	json_object_start(j);
	for (unsigned int c = 0; c < MXGW_COUNTER_MAX; c++)
		if (mxctl_counter_has_family(c))
			json_kv_uint(j, mxgw_counter_name(c), s->counters6[c]);
	json_object_end(j);
	json_object_end(j);
}

int mxctl_print_json(FILE *out, const struct mxctl_snapshot *v, int n)
{
	struct json j;

	json_init(&j, out);
	json_object_start(&j);
	json_kv_uint(&j, "schema", MXCTL_JSON_SCHEMA);
	json_key(&j, "interfaces");
	json_array_start(&j);
	for (int i = 0; i < n; i++)
		json_one(&j, &v[i]);
	json_array_end(&j);
	json_object_end(&j);
	return ferror(out) ? -EIO : 0;
}
