// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * One snapshot of a running gateway (struct mxgw_snapshot): the pins, the
 * attached programs, the maps and the few system facts status and stats
 * print, read once.  Printers never read a map or a clock themselves.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include "../maps/ban.h"
#include "loader.h"
#include "netdev.h"
#include "../maps/blocklist.h"

/* Live flows, and the distinct public ports those of LAN hosts hold. */
struct ct_tally {
	struct mxgw_snapshot *s;
	__u64 now;
	unsigned char seen[MXGW_NAT_PROTO_MAX][65536 / 8];	/* 24 KiB */
};

static int nat_proto_of(__u8 ipproto)
{
	switch (ipproto) {
	case IPPROTO_TCP:
		return MXGW_NAT_TCP;
	case IPPROTO_UDP:
		return MXGW_NAT_UDP;
	case IPPROTO_ICMP:
		return MXGW_NAT_ICMP;
	default:
		return -1;
	}
}

static int tally_ct(const struct mxgw_ct_key *k, const struct mxgw_ct_entry *e,
		    void *arg)
{
	struct ct_tally *t = arg;
	__u16 port = ntohs(k->public_port);
	int p;

	if (!mxgw_ct_live(&t->s->cfg, e, t->now))
		return 0;
	t->s->ct_entries++;
	if (e->flags & MXGW_CT_F_LOCAL)
		return 0;	/* the gateway's own flow: nothing translated */
	t->s->nat_mappings++;
	p = nat_proto_of(k->proto);
	if (p < 0 || t->seen[p][port / 8] & (1U << (port % 8)))
		return 0;
	t->seen[p][port / 8] |= 1U << (port % 8);
	t->s->nat_ports_in_use[p]++;
	return 0;
}

/* IPv6's flows: routed, nothing mapped, so only counted. */
static int tally_ct6(const struct mxgw_ct6_key *k, const struct mxgw_ct_entry *e,
		     void *arg)
{
	struct ct_tally *t = arg;

	(void)k;
	if (mxgw_ct_live(&t->s->cfg, e, t->now))
		t->s->ct6_entries++;
	return 0;
}

static int tally(const struct mxgw_maps *m, struct mxgw_snapshot *s)
{
	struct ct_tally *t = calloc(1, sizeof(*t));
	int err;

	if (!t)
		return -ENOMEM;
	t->s = s;
	t->now = mxgw_now_ns();
	err = mxgw_maps_ct_walk(m, tally_ct, t);
	if (!err)
		err = mxgw_maps_ct6_walk(m, tally_ct6, t);
	free(t);
	return err;
}

/* Prefixes in address order, as a person reads a list: the trie's walk
 * has an order of its own. */
static int prefix_cmp(const void *a, const void *b)
{
	const struct mxgw_prefix *x = a, *y = b;
	__u32 ax = ntohl(x->addr), ay = ntohl(y->addr);

	if (ax != ay)
		return ax < ay ? -1 : 1;
	return (int)x->len - (int)y->len;
}

static int prefix6_cmp(const void *a, const void *b)
{
	const struct mxgw_cidr6 *x = a, *y = b;
	int c = memcmp(&x->addr, &y->addr, sizeof(x->addr));

	return c ? c : (int)x->len - (int)y->len;
}

/* The "from" prefixes of service @r, both families, each in address order. */
static int read_from(const struct mxgw_maps *m, struct mxgw_snapshot_service *r)
{
	struct mxgw_from_key keys[MXGW_POLICY_MAX_FROM_PER_SVC];
	struct mxgw_from6_key keys6[MXGW_POLICY_MAX_FROM_PER_SVC];
	int n = mxgw_maps_read_from(m, r->id, keys, MXGW_POLICY_MAX_FROM_PER_SVC);

	if (n < 0)
		return n;
	for (int i = 0; i < n && i < MXGW_POLICY_MAX_FROM_PER_SVC; i++) {
		r->from[i].addr = keys[i].addr;
		r->from[i].len = keys[i].prefixlen - MXGW_FROM_SVC_BITS;
	}
	r->nfrom = n < MXGW_POLICY_MAX_FROM_PER_SVC ? n : MXGW_POLICY_MAX_FROM_PER_SVC;
	qsort(r->from, r->nfrom, sizeof(r->from[0]), prefix_cmp);
	n = mxgw_maps_read_from6(m, r->id, keys6, MXGW_POLICY_MAX_FROM_PER_SVC);
	if (n < 0)
		return n;
	for (int i = 0; i < n && i < MXGW_POLICY_MAX_FROM_PER_SVC; i++) {
		r->from6[i].addr = keys6[i].addr;
		r->from6[i].len = keys6[i].prefixlen - MXGW_FROM_SVC_BITS;
	}
	r->nfrom6 = n < MXGW_POLICY_MAX_FROM_PER_SVC ? n : MXGW_POLICY_MAX_FROM_PER_SVC;
	qsort(r->from6, r->nfrom6, sizeof(r->from6[0]), prefix6_cmp);
	return 0;
}

static void add_stats(struct mxgw_svc_stats *sum, const struct mxgw_svc_stats *a)
{
	for (int d = 0; d < MXGW_DIR_MAX; d++) {
		for (int v = 0; v < 2; v++) {
			sum->count[d][v].packets += a->count[d][v].packets;
			sum->count[d][v].bytes += a->count[d][v].bytes;
		}
	}
}

/* The table as it runs: the unlisted row, then every service in use. */
static int read_services(const struct mxgw_maps *m, struct mxgw_snapshot *s)
{
	struct mxgw_service *svcs = calloc(MXGW_MAX_SERVICES, sizeof(*svcs));
	int err = svcs ? mxgw_maps_read_services(m, svcs) : -ENOMEM;

	for (__u32 id = 0; !err && id < MXGW_MAX_SERVICES; id++) {
		struct mxgw_snapshot_service *r = &s->svcs[s->nservices];

		if (id != MXGW_SVC_UNLISTED && !svcs[id].in_use)
			continue;
		r->id = id;
		if (id != MXGW_SVC_UNLISTED) {
			r->svc = svcs[id];
			/* the map's name is not NUL-terminated when 16 long */
			memcpy(r->name, svcs[id].name, MXGW_SVC_NAME_LEN);
		} else {
			r->svc.verdict[MXGW_DIR_IN] = s->cfg.default_in;
			r->svc.verdict[MXGW_DIR_OUT] = s->cfg.default_out;
		}
		/* IPv4's counts are under the bare id, IPv6's under its key */
		err = mxgw_maps_read_svc_stats(m, mxgw_svc_key(MXGW_FAM_IPV4, id), &r->count);
		if (!err)
			err = mxgw_maps_read_svc_stats(m, mxgw_svc_key(MXGW_FAM_IPV6, id),
						       &r->count6);
		if (!err)
			add_stats(&r->count, &r->count6);
		if (!err && (r->svc.flags & MXGW_PORT_F_FROM))
			err = read_from(m, r);
		if (!err && (r->svc.flags & MXGW_PORT_F_LIMIT))
			err = mxgw_maps_read_limit(m, id, &r->limit);
		if (!err && (r->svc.flags & MXGW_PORT_F_SYNFLOOD))
			err = mxgw_maps_read_synflood(m, id, &r->synflood, &r->syn_state);
		s->nservices++;
	}
	free(svcs);
	return err;
}

/* A sysctl's integer, of the reading thread's namespace: -1 when
 * unreadable. */
static int sysctl_int(const char *path)
{
	int v = -1;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* net.ipv4.conf.IFNAME.forwarding: 0 or 1, -1 when unreadable. */
static int ipv4_forwarding(const char *ifname)
{
	char path[128];

	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%.*s/forwarding",
		 IF_NAMESIZE - 1, ifname);
	return sysctl_int(path);
}

/* Both families' counters: the sum, and IPv6's apart. */
static int read_counters(const struct mxgw_maps *m, struct mxgw_snapshot *s)
{
	int err = mxgw_maps_read_counters_family(m, MXGW_FAM_IPV4, s->counters);

	if (!err)
		err = mxgw_maps_read_counters_family(m, MXGW_FAM_IPV6, s->counters6);
	for (unsigned int c = 0; !err && c < MXGW_COUNTER_MAX; c++) {
		/* never counted under IPv6's key: nothing to show apart */
		if (mxgw_counter_table[c].flags & MXGW_CF_F_NOFAMILY)
			s->counters6[c] = 0;
		s->counters[c] += s->counters6[c];
	}
	return err;
}

/* The forward path of next hop @nh, its device's name and its age. */
static void classify(const struct mxgw_nexthop *nh, __u64 now, enum mxgw_fwd_reason *why,
		     char *dev, __u64 *age)
{
	*why = mxgw_fwd_classify(nh);
	if (nh->refreshed_ns && nh->ifindex && !if_indextoname(nh->ifindex, dev))
		dev[0] = '\0';
	if (nh->refreshed_ns && now > nh->refreshed_ns)
		*age = now - nh->refreshed_ns;
}

int mxgw_snapshot_read(const char *ifname, struct mxgw_snapshot *s)
{
	struct mxgw_maps m;
	__u64 now;
	int err;

	memset(s, 0, sizeof(*s));
	snprintf(s->ifname, sizeof(s->ifname), "%.*s", IF_NAMESIZE - 1, ifname);
	err = mxgw_pin_dir(ifname, s->pin_dir, sizeof(s->pin_dir));
	if (!err)
		err = mxgw_pins_state(ifname, &s->pins);
	if (!err)
		err = mxgw_query_attach(ifname, &s->att);
	if (err)
		return err;
	mxgw_maps_init(&m);
	err = mxgw_open_loaded(ifname, &m);
	if (!err)
		err = mxgw_maps_read_config(&m, &s->cfg);
	if (!err)
		err = read_services(&m, s);
	if (!err)
		err = read_counters(&m, s);
	if (!err)
		err = mxgw_maps_read_nexthop_family(&m, MXGW_FAM_IPV4, &s->nh);
	if (!err)
		err = mxgw_maps_read_nexthop_family(&m, MXGW_FAM_IPV6, &s->nh6);
	if (!err)
		err = tally(&m, s);
	if (!err)
		err = mxgw_bans_count(&m, s->bans);
	if (!err)
		err = mxgw_allow_count(&m, s->allow);
	if (!err && (s->cfg.flags & MXGW_CFG_F_LIMIT))
		err = mxgw_maps_count_buckets(&m, &s->rl_buckets, &s->rl_new_buckets);
	if (!err && (s->cfg.flags & MXGW_CFG_F_SYNFLOOD))
		err = mxgw_maps_count_syn_ok(&m, &s->syn_ok);
	/* the LAN's fast path sends to the WAN device when it is in
	 * mxgw_tx_ports, a snapshot of load time (mxgw_fast_path_lost) */
	if (!err && s->att.lan_ifindex && s->cfg.wan_ifindex) {
		__u32 v, k = s->cfg.wan_ifindex;

		s->lan_fast_path_lost = !bpf_map_lookup_elem(m.tx_ports, &k, &v) &&
					mxgw_netdev_can_xdp_xmit(k) == 0;
	}
	if (!err)
		err = mxgw_maps_read_clock(&m, &s->clock);
	if (!err)
		err = mxgw_maps_read_log_lease(&m, &s->lease);
	if (!err) {
		s->ct_max = mxgw_maps_max_entries(m.ct);
		s->ct6_max = mxgw_maps_max_entries(m.ct6);
	}
	if (!err)
		err = mxgw_maps_bl_read(&m, s->bl, s->bl_drops);
	if (!err) {
		__u64 arr, trie;

		err = mxgw_maps_bl_memory(&m, &arr, &trie, &s->bl_mem6);
		s->bl_mem4 = arr + trie;
	}
	mxgw_maps_close(&m);

	now = mxgw_now_ns();
	classify(&s->nh, now, &s->fwd, s->fwd_dev, &s->nh_age_ns);
	s->fast_path_lost = mxgw_fast_path_lost(&s->nh);
	/* without a mailserver6 the IPv6 entry is unused (or an old one's) */
	if (s->cfg.has_mailserver6) {
		classify(&s->nh6, now, &s->fwd6, s->fwd6_dev, &s->nh6_age_ns);
		s->fast_path6_lost = mxgw_fast_path_lost(&s->nh6);
	} else {
		memset(&s->nh6, 0, sizeof(s->nh6));
	}
	/* ticks 0: no packet has started it yet, nothing to miss; a time
	 * ahead of ours was written from user space: stale, as BPF sees it */
	if (s->clock.ticks && now > s->clock.now_ns)
		s->clock_age_ns = now - s->clock.now_ns;
	s->clock_stale = s->clock.ticks && now - s->clock.now_ns > MXGW_CLOCK_STALE_NS;
	s->log_read = s->lease.until_ns > now;
	/* the data plane's copy of the lease (before the clock's first tick
	 * it reads the lease itself): events are being made */
	s->log_listening = s->clock.ticks ? s->clock.log_until_ns > s->clock.now_ns :
					    s->log_read;
	s->ipv4_forwarding = ipv4_forwarding(ifname);
	s->ipv6_forwarding = sysctl_int("/proc/sys/net/ipv6/conf/all/forwarding");

	if (s->pins.state == MXGW_PINS_STALE)
		s->warnings |= MXGW_WARN_STALE_PINS;
	if (s->att.xdp_prog_id != s->att.pinned_xdp_id)
		s->warnings |= MXGW_WARN_XDP_NOT_OURS;
	if (s->fast_path_lost)
		s->warnings |= MXGW_WARN_FAST_PATH_LOST;
	if (s->ipv4_forwarding == 0)
		s->warnings |= MXGW_WARN_FORWARDING_OFF;
	if (s->cfg.has_mailserver6 && s->ipv6_forwarding == 0)
		s->warnings |= MXGW_WARN_IPV6_FORWARDING_OFF;
	if (s->fast_path6_lost)
		s->warnings |= MXGW_WARN_FAST_PATH6_LOST;
	if (s->lan_fast_path_lost)
		s->warnings |= MXGW_WARN_LAN_FAST_PATH_LOST;
	return err;
}
